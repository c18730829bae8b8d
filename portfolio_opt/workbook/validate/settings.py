"""The Settings sheet: one row per setting, a blank value meaning the default."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from portfolio_opt.core.lifecycle import parse_when
from portfolio_opt.model.layout import SCORINGS, SETTING_NAMES, SETTINGS
from portfolio_opt.model.plan import Distribution, Objective, RiskObjective, Scoring, Settings, normalize_header
from portfolio_opt.workbook import parse as _parse
from portfolio_opt.workbook.raw import RawSheet
from portfolio_opt.workbook.validate.problems import _INVALID, Collector, SheetContext, _show, _show_date, parse_number


class SettingsSheet:
    """Reads the Settings sheet; ``setting_value`` also reads a setting in a scenario."""

    def __init__(self, c: Collector, ctx: SheetContext):
        self.c, self.ctx = c, ctx

    def read(self) -> Settings:
        """The Settings sheet over the defaults; a refused row leaves its default, with the
        problem at its cell."""
        sheet = self.ctx.raw.sheet(SETTINGS)
        s = Settings()
        if sheet is None or not sheet.rows:
            return s
        header_row, cols = self.c.header(sheet, "setting")
        if "setting" not in cols.by_norm or "value" not in cols.by_norm:
            self.c.add(
                "missing-column",
                f"{SETTINGS}!{header_row + 1}",
                "the Settings sheet needs the columns 'Setting' and 'Value'",
                "Put 'Setting' and 'Value' in the header row",
            )
            return s
        sc, vc = cols.by_norm["setting"], cols.by_norm["value"]
        self.ctx.period_length = _period_length(sheet.rows[header_row + 1 :], sc, vc)
        changes, seen = self._rows(sheet, header_row, sc, vc)
        if changes:
            s = replace(s, **changes)
        if s.objective is Objective.NPV and not s.scoring.is_money and "scoring" in seen:
            self.c.add(
                "bad-setting",
                seen["scoring"],
                f"Scoring {s.scoring} is not money, so Objective npv (benefit minus cost) cannot use it",
                "Use Objective value with this Scoring, or Scoring 'expected value' or 'blend' with npv",
                s.scoring,
            )
        if s.budget_confidence is not None and s.budget is None and "budget" not in self.ctx.refused_settings:
            self.c.add(
                "no-budget",
                seen["budget_confidence"],
                f"Budget confidence {s.budget_confidence:.0%} is given, but the plan has no Budget",
                "Set a Budget in Settings (the confidence is the share of worlds within it), or clear the cell",
            )
        return s

    def _rows(self, sheet: RawSheet, header_row: int, sc: int, vc: int) -> tuple[dict[str, Any], dict[str, str]]:
        """Every setting row's value: the changes to the defaults, and each setting's value cell."""
        changes: dict[str, Any] = {}
        seen: dict[str, str] = {}
        for r in range(header_row + 1, len(sheet.rows)):
            named = self._setting_named(sheet, r, sc, vc, seen)
            if named is None:
                continue
            attr, label = named
            seen[attr] = sheet.address(r, vc)
            if not self.c.cell_ok(sheet, r, vc, label):
                continue
            row = sheet.rows[r]
            parsed = self.setting_value(sheet, r, vc, attr, label, row[vc] if vc < len(row) else None)
            if parsed is _INVALID:
                self.ctx.refused_settings.add(attr)
                continue
            changes[attr] = parsed
            if attr == "budget":
                changes["budget_source"] = sheet.address(r, vc)
            if attr == "run_budget":
                self.ctx.run_budget_at = sheet.address(r, vc)
        return changes, seen

    def _setting_named(self, sheet: RawSheet, r: int, sc: int, vc: int, seen: dict[str, str]) -> tuple[str, str] | None:
        """(field, label) of the setting a row names; None (and a problem) when its name is
        unknown or its setting already set, or when it has no name but a value."""
        row = sheet.rows[r]
        name = row[sc] if sc < len(row) else None
        if name is None or not str(name).strip():
            if vc < len(row) and row[vc] is not None:
                self.c.add(
                    "blank-setting",
                    sheet.address(r, sc),
                    "a value has no setting name",
                    "Name the setting or delete the value",
                )
            return None
        norm = normalize_header(name)
        if norm not in SETTING_NAMES:
            self._unknown_setting(sheet, r, sc, name, norm)
            return None
        attr, label = SETTING_NAMES[norm]
        if attr in seen:
            self.c.add(
                "duplicate-setting",
                sheet.address(r, sc),
                f"{label} is already set at {seen[attr]}",
                "Keep one of the two rows",
            )
            return None
        return attr, label

    def _unknown_setting(self, sheet: RawSheet, r: int, sc: int, name: Any, norm: str) -> None:
        """Report a setting name the tool does not know, with the one it looks like; that
        setting's row counts as refused, so a scenario setting it is not reported again."""
        known = ", ".join(sorted({label for _, label in SETTING_NAMES.values()}))
        close = difflib.get_close_matches(norm, list(SETTING_NAMES), n=1, cutoff=0.7)
        hint = ""
        if close:
            attr, label = SETTING_NAMES[close[0]]
            self.ctx.refused_settings.add(attr)
            hint = f" (did you mean {label!r}?)"
        self.c.add(
            "unknown-setting",
            sheet.address(r, sc),
            f"Setting {_show(str(name).strip())} is not known{hint}",
            f"Use one of: {known}",
            name,
        )

    def setting_value(self, sheet, r, c, attr, label, value):
        """The value of setting ``attr`` written in a cell (a blank is its default), or ``_INVALID``
        with the problem added at the cell."""
        if value is None:  # a blank value means the default, as the template says
            return getattr(Settings(), attr)
        where = sheet.address(r, c)
        if attr == "currency":
            return str(value).strip()
        if attr == "record":
            return self._record(where, value)
        if attr == "review_date":
            return self._review_date(where, value)
        if attr == "cluster":
            return self._cluster(where, value)
        if attr == "first_period":
            return self._first_period(where, value)
        if attr in _WORDS:
            return self._word(where, attr, label, value)
        return self._number(sheet, r, c, attr, label)

    def _review_date(self, where: str, value: Any) -> Any:
        """The Review date as a date, or ``_INVALID`` (reported)."""
        date = parse_when(value)
        if date is None:
            self.c.add(
                "bad-date",
                where,
                f"Review date {_show(value)}: must be a date",
                "Enter the date of the review, e.g. 2027-04-01",
                value,
            )
            return _INVALID
        return date

    def _cluster(self, where: str, value: Any) -> Any:
        """A Dask scheduler's address as typed, or ``_INVALID`` (reported)."""
        text = str(value).strip()
        if re.fullmatch(r"(tcp|tls|ucx|inproc)://\S+|[\w.\-]+:\d{1,5}", text):
            return text
        self.c.add(
            "bad-setting",
            where,
            f"Cluster {_show(value)}: must be a Dask scheduler address",
            "Type it as tcp://host:8786 (what `dask scheduler` prints), or leave it blank",
            value,
        )
        return _INVALID

    def _first_period(self, where: str, value: Any) -> Any:
        """First period as its label (by the period length read from the sheet), or ``_INVALID`` (reported)."""
        label = _parse.first_period_label(value, self.ctx.period_length)
        if isinstance(label, _parse.Refusal):
            self.c.add(
                label.code,
                where,
                f"First period {_show(value) if not _parse.is_date(value) else _show_date(value)}: {label.reason}",
                label.fix,
                value,
            )
            return _INVALID
        return label

    def _word(self, where: str, attr: str, label: str, value: Any) -> Any:
        """A setting chosen by a word (see ``_WORDS``), or ``_INVALID`` (reported)."""
        read, must, fix = _WORDS[attr]
        chosen = read(value)
        if chosen is None:
            self.c.add("bad-setting", where, f"{label} {_show(value)}: {must}", fix, value)
            return _INVALID
        return chosen

    def _number(self, sheet: RawSheet, r: int, c: int, attr: str, label: str) -> Any:
        """A numeric setting within its range (a whole number where ``_WHOLE`` says so), or
        ``_INVALID`` (reported)."""
        if attr in _WHOLE:
            lo, hi = _WHOLE[attr]
            number = self.c.number(sheet, r, c, label, True, _whole_number(lo, hi))
            return _INVALID if number is None else int(number)
        number = self.c.number(sheet, r, c, label, True, _CHECKS[attr], amount=attr == "run_budget")
        return _INVALID if number is None else number

    def _record(self, where: str, value: Any) -> Any:
        """The Record setting: ``yes`` or ``no``, or a store URL (``sqlite:///...``,
        ``postgresql://...``); anything else is refused at its cell."""
        text = str(value).strip()
        if text.casefold() in ("yes", "no", "true", "false"):
            return "yes" if text.casefold() in ("yes", "true") else None
        if re.fullmatch(r"(sqlite|postgres|postgresql)(\+\w+)?://\S*", text, re.I):
            return text
        self.c.add(
            "bad-setting",
            where,
            f"Record {_show(value)}: must be yes, no or a store URL",
            "Type yes (the default store), or a URL such as sqlite:///record.db or postgresql://host/portfolio",
            value,
        )
        return _INVALID


def _period_length(rows: list[tuple], sc: int, vc: int) -> float:
    """The Period length the rows set (3 months when none does): First period's label depends
    on it, wherever its row is."""
    length = 3.0
    for row in rows:
        if sc < len(row) and SETTING_NAMES.get(normalize_header(row[sc]), ("",))[0] == "period_length":
            number = parse_number(row[vc] if vc < len(row) else None, amount=False)
            if number is not None and number > 0:
                length = number
    return length


def _dependencies(value: Any) -> bool | None:
    """Dependencies as a flag: True when timed (a dependent starts after its prerequisite), False when together."""
    text = str(value).strip().casefold()
    if text in ("", "timed", "in time", "finish to start", "sequence"):
        return True
    if text in ("together", "selected together", "selection"):
        return False
    return None


def _objective(value: Any) -> Objective | None:
    """The Objective a word names."""
    text = str(value).strip().casefold()
    return next((o for o in Objective if text == o.value), None)


def _solver(value: Any) -> str | None:
    """The solver a word names."""
    text = str(value).strip().casefold()
    return text if text in ("highs", "cbc") else None


def _scoring(value: Any) -> Scoring | None:
    """The Scoring a word names, the short names for expected value and weighted included."""
    text = " ".join(str(value).split()).casefold()
    text = {
        "expectedvalue": "expected value",
        "expected": "expected value",
        "value": "expected value",
        "weightedcriteria": "weighted",
        "criteria": "weighted",
    }.get(text.replace(" ", ""), text)
    return Scoring(text) if text in SCORINGS else None


def _kind(kind: type[RiskObjective] | type[Distribution]) -> Callable[[Any], Any]:
    """A reader of one of ``kind``'s values, by its name."""

    def read(value: Any) -> Any:
        text = str(value).strip().casefold()
        return kind(text) if text in set(kind) else None

    return read


def _either(kind: type[RiskObjective] | type[Distribution]) -> tuple[Callable[[Any], Any], str, str]:
    """How a setting of two values, the first the default, is read, and refused."""
    a, b = (k.value for k in kind)
    return _kind(kind), f"must be {a} or {b}", f"Use '{a}' (the default) or '{b}'"


#: Settings chosen by a word: field -> (its reader, which gives None for a word it does not
#: know; what the value must be; the fix)
_WORDS: dict[str, tuple[Callable[[Any], Any], str, str]] = {
    "timed_dependencies": (
        _dependencies,
        "must be timed or together",
        "Use 'timed' (a dependent starts after its prerequisite finishes) or 'together'",
    ),
    "objective": (_objective, "must be value or npv", "Use 'value' (expected benefit) or 'npv' (benefit minus cost)"),
    "solver": (_solver, "must be highs or cbc", "Use 'highs' (default) or 'cbc'"),
    "scoring": (
        _scoring,
        f"must be one of {', '.join(SCORINGS)}",
        "Use 'expected value' (the default), 'weighted', 'blend', 'wsjf' or 'rice'",
    ),
    "risk_objective": _either(RiskObjective),
    "distribution": _either(Distribution),
}

#: Settings that are whole numbers: field -> (lowest, highest)
_WHOLE = {"periods": (1, 240), "risk_samples": (10, 1_000_000), "seed": (0, 2**32 - 1)}


def _whole_number(lo: int, hi: int) -> Callable[[float], str | None]:
    """A check that a number is whole and from ``lo`` to ``hi``."""
    return lambda x: (
        None if lo <= x <= hi and float(x).is_integer() else f"must be a whole number from {lo:,} to {hi:,}"
    )


#: The other numeric settings: field -> the check of its number
_CHECKS: dict[str, Callable[[float], str | None]] = {
    "budget": lambda x: "must not be negative" if x < 0 else None,
    "run_budget": lambda x: "must not be negative" if x < 0 else None,
    "horizon_months": lambda x: "must be more than 0 months" if x <= 0 else None,
    "discount_rate": lambda x: None if 0 <= x <= 1 else "must be between 0 and 1 (10% is 0.1)",
    "time_limit": lambda x: "must be more than 0 seconds" if x <= 0 else None,
    "gap": lambda x: None if 0 <= x < 1 else "must be between 0 and 1 (0.01% is 0.0001)",
    "period_length": lambda x: "must be more than 0 months" if x <= 0 else None,
    "value_target": lambda x: None,
    "risk_level": lambda x: None if 0 < x < 1 else "must be between 0 and 1, both excluded (10% is 0.1)",
    "risk_weight": lambda x: None if 0 <= x <= 1 else "must be between 0 and 1 (0: expected value only)",
    "risk_correlation": lambda x: None if 0 <= x <= 1 else "must be between 0 and 1 (0: independent)",
    "criteria_weight": lambda x: None if 0 <= x <= 1 else "must be between 0 and 1 (0.5: ±25%)",
    "budget_confidence": lambda x: None if 0 < x < 1 else "must be between 0 and 1, both excluded (80% is 0.8)",
}
