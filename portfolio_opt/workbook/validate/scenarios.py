"""The Scenarios sheet: named sets of changes to the plan, each checked at its cell."""

from __future__ import annotations

from typing import Any

from portfolio_opt.core.changes import CHANGES, ChangeRule, SetSetting, headers_help
from portfolio_opt.model.ids import did_you_mean
from portfolio_opt.model.layout import SCENARIOS, SETTING_NAMES
from portfolio_opt.model.plan import Change, Limit, Scenario, Settings, normalize_header, text_key
from portfolio_opt.workbook.raw import RawSheet
from portfolio_opt.workbook.validate.problems import (
    _INVALID,
    Collector,
    SheetContext,
    _Columns,
    _fold_name,
    _percent,
    _unit_of,
    split_ids,
)
from portfolio_opt.workbook.validate.settings import SettingsSheet

#: Scenarios headers that are notes, not changes
_NOTES = ("scenario", "description", "notes", "note", "comment")
#: headers that name a change (Budget, Force in, ...), normalized -> its rule
_BY_NAME = {name: rule for rule in CHANGES for name in rule.names}
#: the word before the colon of a header that changes a limit (``Max: Cost``) -> its rule
_BY_PREFIX = {rule.prefix: rule for rule in CHANGES if rule.prefix}
#: the settings a scenario may set, normalized -> (field, label); the Budget has its own columns
_SETTINGS = {k: v for k, v in SETTING_NAMES.items() if v[0] != "budget"}


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
        parsers = self._parsers(sheet, header_row, cols, limits)
        out: list[Scenario] = []
        names_seen: dict[str, str] = {}
        nc = cols.by_norm["scenario"]
        # the Description (or Notes) columns: not changes, but what the outputs say of each scenario
        described = [c for c, h in enumerate(cols.headers) if h and normalize_header(h) in _NOTES[1:]]
        for r in range(header_row + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if all(v is None for v in row):
                continue
            name = self._name(sheet, r, nc, names_seen)
            if name is None:
                continue
            changes: list[Change] = []
            for c, (rule, target, limit_name) in parsers.items():
                value = row[c] if c < len(row) else None
                if value is None or not self.c.cell_ok(sheet, r, c, cols.headers[c]):
                    continue
                changes.extend(rule.read(_Cell(self, sheet, r, c, cols.headers[c], ids), target, limit_name))
            self._check_budget(sheet.address(r, nc), name, changes, settings)
            notes = [row[c] for c in described if c < len(row) and row[c] is not None and str(row[c]).strip()]
            text = " ".join(str(v).strip() for v in notes)
            out.append(Scenario(name, tuple(changes), sheet.address(r, nc), text))
        return out

    def _parsers(
        self, sheet: RawSheet, header_row: int, cols: _Columns, limits: list[Limit]
    ) -> dict[int, tuple[ChangeRule, Any, str]]:
        """What reads each column that names a change: column -> (the change's rule, its target
        (the setting, or the limits a header names), the limit's name as written)."""
        limit_names = _limit_names(limits)
        parsers: dict[int, tuple[ChangeRule, Any, str]] = {}
        for c, text in enumerate(cols.headers):
            if not text:
                continue
            norm = normalize_header(text)
            if norm in _NOTES:
                continue
            word, colon, name = text.partition(":")
            words = word.strip().casefold().split()
            if norm in _BY_NAME:
                parsers[c] = (_BY_NAME[norm], None, "")
            elif norm in _SETTINGS:
                parsers[c] = (SetSetting(), _SETTINGS[norm], "")
            elif colon and words and words[0] in _BY_PREFIX and words[1:] in ([], ["share"]):
                match = self._limits_named(sheet.address(header_row, c), text, limits, limit_names)
                if match is not None:  # the change says the limit's one name, however the header spells it
                    ks, first, shown = match
                    if words[1:] == ["share"] and shown.endswith(" share"):
                        shown = shown[: -len(" share")]
                    parsers[c] = (_BY_PREFIX[words[0]], (ks, first), shown)
            else:
                self.c.add(
                    "unknown-scenario-column",
                    sheet.address(header_row, c),
                    f"column {text!r} is not a scenario input",
                    f"Use {headers_help()} (or Max share: / Min share: followed by a limit name)",
                    text,
                )
        return parsers

    def _limits_named(
        self, where: str, text: str, limits: list[Limit], limit_names: dict
    ) -> tuple[tuple[int, ...], Limit, str] | None:
        """The limits a header such as ``Max: Cost`` or ``Max share: Cost`` changes (their
        positions in ``limits``, the first, and the name the limits go by); None when it names
        none its change applies to (reported, unless the row it names has a problem of its own)."""
        fold = _fold_name
        word, _, name = text.partition(":")
        words = word.strip().casefold().split()
        rule = _BY_PREFIX[words[0]]
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
            return None  # its Constraints row (or the period labels) has a problem, reported there
        if match is None:
            names = ", ".join(lim.name for lim in limits) or "none"
            limit_words = ", ".join(f"{p.capitalize()}:" for p in _BY_PREFIX) + ", Max share:, Min share:"
            self.c.add(
                "unknown-limit",
                where,
                f"column {text!r} names no limit of the Constraints sheet",
                f"Write {limit_words} followed by one of: {names}",
                text,
            )
        return match

    def _name(self, sheet: RawSheet, r: int, nc: int, names_seen: dict[str, str]) -> str | None:
        """A row's scenario name, recorded in ``names_seen``; None when it is blank, repeats
        another or is Baseline (reported)."""
        row = sheet.rows[r]
        name = row[nc] if nc < len(row) else None
        if name is None or not str(name).strip():
            self.c.add("blank-scenario", sheet.address(r, nc), "the scenario has no name", "Name every scenario")
            return None
        name = str(name).strip()
        if name.casefold() in names_seen or name.casefold() == "baseline":
            self.c.add(
                "duplicate-scenario",
                sheet.address(r, nc),
                f"scenario {name!r} is named twice (or 'Baseline')",
                "Give every scenario its own name; the workbook as it stands is the Baseline",
            )
            return None
        names_seen[name.casefold()] = sheet.address(r, nc)
        return name

    def _check_budget(self, where: str, name: str, changes: list[Change], settings: Settings) -> None:
        """Report a scenario that sets the Budget and changes it too, or changes a budget the plan has not."""
        kinds = {ch.kind for ch in changes}
        if {"budget", "budget_change"} <= kinds:
            self.c.add(
                "conflicting-budget",
                where,
                f"scenario {name!r} sets both Budget and Budget change",
                "Give one of the two",
            )
        if "budget_change" in kinds and settings.budget is None and "budget" not in self.ctx.refused_settings:
            self.c.add(
                "no-budget",
                where,
                f"scenario {name!r} changes a budget the plan does not set",
                "Set a Budget in Settings, or give the scenario a Budget instead",
            )


def _limit_names(limits: list[Limit]) -> dict[str, tuple[tuple[int, ...], Limit, str]]:
    """Every name a Scenarios header may give a limit, folded -> (the positions in ``limits`` of
    the limits it names, the first of them, the name they go by in every sheet).

    A limit by its full name (``Data eng FTE [2027-Q2]``), or a per-period limit's base name
    for every period at once (``Data eng FTE``); each also without its column's unit, as
    headers are matched (``Data eng FTE`` names the limit ``Data eng FTE (people)``).
    """
    fold = _fold_name
    limit_names: dict[str, tuple[tuple[int, ...], Limit, str]] = {}
    for k, lim in enumerate(limits):  # names first: they are unique
        limit_names[fold(lim.name)] = ((k,), lim, lim.name)
    exact = set(limit_names)
    for k, lim in enumerate(limits):
        names = [lim.name]
        if lim.period is not None:  # every period of its row, and of every row on its column
            base = lim.name.split(" [", 1)[0]
            # "Cost [2027-Q2]" for a row of every quarter whose name says "each quarter"
            names += [lim.family, base, f"{base} [{lim.period_label}]"]
        unit = _unit_of(lim.column)
        spelled = [(name, name) for name in names]
        if unit:  # and each without the column's unit, shown with it
            spelled += [(name.replace(lim.column, lim.column[: -len(unit)].rstrip(), 1), name) for name in names]
        for typed, shown in dict.fromkeys(spelled):
            key = fold(typed)
            if key in exact:
                continue
            ks, first, _ = limit_names.get(key, ((), lim, shown))
            if k not in ks:
                limit_names[key] = (ks + (k,), first, shown)
    return limit_names


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
                hint = did_you_mean(ini_id, list(self.known.values()))
                self.refuse(
                    "unknown-id",
                    f"{label} names {ini_id!r}, which is not an ID{hint}",
                    "Use IDs from the Initiatives sheet, separated by commas",
                    ini_id,
                )
                continue
            out.append(ini_id)
        return out
