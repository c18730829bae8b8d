"""The Scenarios sheet: named sets of changes to the plan, each checked at its cell."""

from __future__ import annotations

import difflib
from typing import Any

from portfolio_opt.core.changes import CHANGES, ChangeRule, SetSetting, headers_help
from portfolio_opt.model.layout import SCENARIOS, SETTING_NAMES
from portfolio_opt.model.plan import Change, Limit, Scenario, Settings, normalize_header, text_key
from portfolio_opt.workbook.validate.problems import (
    _INVALID,
    Collector,
    SheetContext,
    _fold_name,
    _percent,
    split_ids,
)
from portfolio_opt.workbook.validate.settings import SettingsSheet


class ScenariosSheet:
    """Reads the Scenarios sheet against the plan's IDs, limits and settings."""

    def __init__(self, c: Collector, ctx: SheetContext):
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
        by_name = {name: rule for rule in CHANGES for name in rule.names}
        by_prefix = {rule.prefix: rule for rule in CHANGES if rule.prefix}
        limit_words = ", ".join(f"{p.capitalize()}:" for p in by_prefix) + ", Max share:, Min share:"
        parsers: dict[int, tuple[ChangeRule, Any, str]] = {}
        for c, text in enumerate(cols.headers):
            if not text:
                continue
            norm = normalize_header(text)
            if norm in ("scenario", "description", "notes", "note", "comment"):
                continue
            word, colon, name = text.partition(":")
            words = word.strip().casefold().split()
            if norm in by_name:
                parsers[c] = (by_name[norm], None, "")
            elif norm in known_settings:
                parsers[c] = (SetSetting(), known_settings[norm], "")
            elif colon and words and words[0] in by_prefix and words[1:] in ([], ["share"]):
                rule = by_prefix[words[0]]
                if words[1:] == ["share"]:  # the share limit of the row named
                    match = limit_names.get(fold(name + " share"))
                    if match is None and fold(name).endswith(" share"):
                        match = limit_names.get(fold(name))
                else:
                    match = limit_names.get(fold(name))
                if match is not None and not rule.accepts([limits[k] for k in match[0]]):
                    match = None  # e.g. a tolerance on a share limit, which is kept exactly
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
                        f"Write {limit_words} followed by one of: {names}",
                        text,
                    )
                    continue
                parsers[c] = (rule, match, name.strip())
            else:
                self.c.add(
                    "unknown-scenario-column",
                    sheet.address(header_row, c),
                    f"column {text!r} is not a scenario input",
                    f"Use {headers_help()} (or Max share: / Min share: followed by a limit name)",
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
            for c, (rule, target, limit_name) in parsers.items():
                value = row[c] if c < len(row) else None
                if value is None or not self.c.cell_ok(sheet, r, c, cols.headers[c]):
                    continue
                changes.extend(rule.read(_Cell(self, sheet, r, c, cols.headers[c], ids), target, limit_name))
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


class _Cell:
    """A Scenarios cell as a change reads it (:class:`~portfolio_opt.core.changes.Cell`)."""

    def __init__(self, reader: ScenariosSheet, sheet, r: int, c: int, header: str, ids: dict[str, str]):
        self.reader, self.sheet, self.r, self.c, self.known = reader, sheet, r, c, ids
        self.where = sheet.address(r, c)
        self.header = header

    def number(self, amount: bool) -> float | None:
        return self.reader.c.number(self.sheet, self.r, self.c, self.header, True, amount=amount)

    def percent(self) -> bool:
        return _percent(self.sheet, self.r, self.c)

    def refuse(self, code: str, message: str, fix: str = "", value: Any = None) -> None:
        self.reader.c.add(code, self.where, message, fix, value)

    def setting(self, attr: str, label: str) -> Any:
        value = self.sheet.rows[self.r][self.c]
        parsed = SettingsSheet(self.reader.c, self.reader.ctx).setting_value(
            self.sheet, self.r, self.c, attr, label, value
        )
        return None if parsed is _INVALID else parsed

    def ids(self, label: str) -> list[str]:
        out = []
        for written in split_ids(self.sheet.rows[self.r][self.c]):
            ini_id = self.known.get(text_key(written), written)
            if self.reader.ctx.rows_unread:
                continue  # the Initiatives rows could not be read: no ID can be checked
            if text_key(written) not in self.known:
                close = difflib.get_close_matches(ini_id, sorted(self.known.values()), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                self.refuse(
                    "unknown-id",
                    f"{label} names {ini_id!r}, which is not an ID{hint}",
                    "Use IDs from the Initiatives sheet, separated by commas",
                    ini_id,
                )
                continue
            out.append(ini_id)
        return out
