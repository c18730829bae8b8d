"""The Scenarios sheet: named sets of changes to the plan, each checked at its cell."""

from __future__ import annotations

import difflib
from typing import Any

from portfolio_opt.model.layout import SCENARIOS, SETTING_NAMES
from portfolio_opt.model.plan import Change, Limit, Objective, Scenario, Settings, normalize_header, text_key
from portfolio_opt.workbook.validate.problems import (
    _INVALID,
    Collector,
    Context,
    _fold_name,
    _percent,
    _show,
    split_ids,
)
from portfolio_opt.workbook.validate.settings import SettingsSheet


class ScenariosSheet:
    """Reads the Scenarios sheet against the plan's IDs, limits and settings."""

    def __init__(self, c: Collector, ctx: Context):
        self.c, self.ctx = c, ctx

    def read(self, ids: dict[str, str], limits: list[Limit], settings: Settings) -> list[Scenario]:
        """The Scenarios rows as scenarios, each with its changes to the baseline; every problem
        with a cell is added to the collector."""
        sheet = self.ctx.raw.sheet(SCENARIOS)
        if sheet is None or not sheet.rows:
            return []
        header_row, cols = self.c.header(sheet, "scenario")
        if "scenario" not in cols.by_norm:
            self.c.add(
                "missing-column",
                f"Scenarios!{header_row + 1}",
                "the Scenarios sheet needs a 'Scenario' column (the name)",
                "Put 'Scenario' in the header row, one scenario per row below",
            )
            return []
        # a limit by its full name (``Data eng FTE [2027-Q2]``), or a per-period limit's base name
        # for every period at once (``Data eng FTE``)
        fold = _fold_name

        limit_names: dict[str, tuple[tuple[int, ...], Limit]] = {}
        for k, lim in enumerate(limits):  # names first: they are unique
            limit_names[fold(lim.name)] = ((k,), lim)
        exact = set(limit_names)
        for k, lim in enumerate(limits):
            keys = []
            if lim.period is not None:  # every period of its row, and of every row on its column
                keys.append(fold(lim.family))
                keys.append(fold(lim.name.split(" [", 1)[0]))
                # "Cost [2027-Q2]" for a row of every quarter whose name says "each quarter"
                keys.append(fold(f"{lim.name.split(' [', 1)[0]} [{lim.period_label}]"))
            for key in dict.fromkeys(keys):
                if key in exact:
                    continue
                ks, first = limit_names.get(key, ((), lim))
                limit_names[key] = (ks + (k,), first)
        known_settings = {k: v for k, v in SETTING_NAMES.items() if v[0] != "budget"}
        parsers: dict[int, tuple[str, Any]] = {}
        for c, text in enumerate(cols.headers):
            if not text:
                continue
            norm = normalize_header(text)
            low = text.strip().casefold()
            if norm in ("scenario", "description", "notes", "note", "comment"):
                continue
            if norm in ("budget", "budgetchange", "forcein", "forceout"):
                parsers[c] = (norm, None)
            elif norm in known_settings:
                parsers[c] = ("setting", known_settings[norm])
            elif low.startswith(("max:", "min:", "change:", "max share:", "min share:", "tolerance:")):
                kind, _, name = text.partition(":")
                kind = kind.strip().casefold()
                if kind.endswith("share"):  # the share limit of the row named
                    match = limit_names.get(fold(name + " share"))
                    if match is None and fold(name).endswith(" share"):
                        match = limit_names.get(fold(name))
                    kind = kind.split()[0]
                else:
                    match = limit_names.get(fold(name))
                if kind == "tolerance" and match is not None and any(limits[k].share for k in match[0]):
                    match = None  # a share limit is kept exactly: it has no tolerance
                if match is None and (
                    fold(name) in self.ctx.refused_limits
                    or ("[" in name and self.ctx.refused_settings & {"first_period", "period_length", "periods"})
                ):
                    continue  # its Constraints row (or the period labels) has a problem, reported there
                if match is None:
                    names = ", ".join(lim.name for lim in limits) or "none"
                    self.c.add(
                        "unknown-limit",
                        sheet.address(header_row, c),
                        f"column {text!r} names no limit of the Constraints sheet",
                        f"Write Max:, Min:, Change:, Max share:, Min share: or Tolerance: followed by one of: {names}",
                        text,
                    )
                    continue
                parsers[c] = ("limit_" + kind, match)
            else:
                self.c.add(
                    "unknown-scenario-column",
                    sheet.address(header_row, c),
                    f"column {text!r} is not a scenario input",
                    "Use Budget, Budget change, Force in, Force out, a Settings name "
                    "(e.g. Discount rate), or Max:/Min:/Change:/Max share:/Min share:/Tolerance: "
                    "followed by a limit name",
                    text,
                )
        out: list[Scenario] = []
        names_seen: dict[str, str] = {}
        nc = cols.by_norm["scenario"]
        for r in range(header_row + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if all(v is None for v in row):
                continue
            name = row[nc] if nc < len(row) else None
            if name is None or not str(name).strip():
                self.c.add("blank-scenario", sheet.address(r, nc), "the scenario has no name", "Name every scenario")
                continue
            name = str(name).strip()
            if name.casefold() in names_seen or name.casefold() == "baseline":
                self.c.add(
                    "duplicate-scenario",
                    sheet.address(r, nc),
                    f"scenario {name!r} is named twice (or 'Baseline')",
                    "Give every scenario its own name; the workbook as it stands is the Baseline",
                )
                continue
            names_seen[name.casefold()] = sheet.address(r, nc)
            changes: list[Change] = []
            for c, (kind, extra) in parsers.items():
                value = row[c] if c < len(row) else None
                if value is None or not self.c.cell_ok(sheet, r, c, cols.headers[c]):
                    continue
                changes.extend(self.scenario_change(sheet, r, c, kind, extra, value, ids, cols.headers[c]))
            kinds = {ch.kind for ch in changes}
            if {"budget", "budget_change"} <= kinds:
                self.c.add(
                    "conflicting-budget",
                    sheet.address(r, nc),
                    f"scenario {name!r} sets both Budget and Budget change",
                    "Give one of the two",
                )
            if "budget_change" in kinds and settings.budget is None and "budget" not in self.ctx.refused_settings:
                self.c.add(
                    "no-budget",
                    sheet.address(r, nc),
                    f"scenario {name!r} changes a budget the plan does not set",
                    "Set a Budget in Settings, or give the scenario a Budget instead",
                )
            out.append(Scenario(name, tuple(changes), sheet.address(r, nc)))
        return out

    def scenario_change(self, sheet, r, c, kind, extra, value, ids, header) -> list[Change]:
        """The changes one Scenarios cell asks for (a force in or out of each ID it names, a setting,
        the budget, or a limit's bound); none, with the problem added, when the cell is refused."""
        where = sheet.address(r, c)
        if kind in ("forcein", "forceout"):
            out = []
            for written in split_ids(value):
                ini_id = ids.get(text_key(written), written)
                if self.ctx.rows_unread:
                    continue  # the Initiatives rows could not be read: no ID can be checked
                if text_key(written) not in ids:
                    close = difflib.get_close_matches(ini_id, sorted(ids.values()), n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    self.c.add(
                        "unknown-id",
                        where,
                        f"{'Force in' if kind == 'forcein' else 'Force out'} names {ini_id!r}, "
                        f"which is not an ID{hint}",
                        "Use IDs from the Initiatives sheet, separated by commas",
                        ini_id,
                    )
                    continue
                label = f"{'Force in' if kind == 'forcein' else 'Force out'} {ini_id}"
                out.append(Change("force_in" if kind == "forcein" else "force_out", None, label, ini_id, where))
            return out
        if kind == "setting":
            attr, label = extra
            parsed = SettingsSheet(self.c, self.ctx).setting_value(sheet, r, c, attr, label, value)
            if parsed is _INVALID:
                return []
            shown = (
                parsed.value
                if isinstance(parsed, Objective)
                else (f"{parsed:.4g}" if isinstance(parsed, float) else parsed)
            )
            if attr == "discount_rate":
                shown = f"{parsed:.4g}".rstrip() if parsed >= 1 else f"{parsed:.1%}".replace(".0%", "%")
            return [Change("setting", parsed, f"{label} {shown}", attr, where)]
        number = self.c.number(sheet, r, c, header, True, amount=kind in ("budget", "limit_max", "limit_min"))
        if number is None:
            return []
        if kind == "budget":
            if number < 0:
                self.c.add("out-of-range", where, f"Budget {_show(number)}: must not be negative", "")
                return []
            return [Change("budget", number, f"Budget {number:,.0f}", None, where)]
        if kind == "budgetchange":
            if number <= -1:
                self.c.add(
                    "out-of-range",
                    where,
                    f"Budget change {_show(value)}: must be above -100%",
                    "Write e.g. -15% or 0.1",
                )
                return []
            return [Change("budget_change", number, f"Budget change {number:+.0%}", None, where)]
        ks, lim = extra
        name = header.split(":", 1)[1].strip()
        if kind == "limit_tolerance":
            if number < 0:
                self.c.add("out-of-range", where, f"{header} {_show(value)}: must not be negative", "")
                return []
            percent = _percent(sheet, r, c)
            shown = f"{number:.0%}" if percent else _show(number)
            return [Change("limit_tolerance", (number, percent), f"Tolerance {name} {shown}", ks, where)]
        if lim.share:
            if not 0 <= number <= 1:
                self.c.add(
                    "out-of-range", where, f"{header} {_show(value)}: must be a share from 0% to 100%, e.g. 20%", ""
                )
                return []
            side = "Max" if kind == "limit_max" else "Min"
            return [Change(kind, number, f"{side} share {name} {number:.0%}", ks, where)]
        if kind == "limit_change":
            return [Change("limit_change", number, f"{name} change {number:+.0%}", ks, where)]
        side = "Max" if kind == "limit_max" else "Min"
        return [Change(kind, number, f"{side} {name} {_show(number)}", ks, where)]
