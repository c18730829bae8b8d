"""The Settings sheet: one row per setting, a blank value meaning the default."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace
from typing import Any

from portfolio_opt.core.lifecycle import parse_when
from portfolio_opt.model.layout import SCORINGS, SETTING_NAMES, SETTINGS
from portfolio_opt.model.plan import Distribution, Objective, RiskObjective, Scoring, Settings, normalize_header
from portfolio_opt.workbook import parse as _parse
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
        self.ctx.period_length = 3.0  # First period's label depends on it, wherever its row is
        for row in sheet.rows[header_row + 1 :]:
            if sc < len(row) and SETTING_NAMES.get(normalize_header(row[sc]), ("",))[0] == "period_length":
                length = parse_number(row[vc] if vc < len(row) else None, amount=False)
                if length is not None and length > 0:
                    self.ctx.period_length = length
        changes: dict[str, Any] = {}
        seen: dict[str, str] = {}
        for r in range(header_row + 1, len(sheet.rows)):
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
                continue
            norm = normalize_header(name)
            if norm not in SETTING_NAMES:
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
                continue
            attr, label = SETTING_NAMES[norm]
            if attr in seen:
                self.c.add(
                    "duplicate-setting",
                    sheet.address(r, sc),
                    f"{label} is already set at {seen[attr]}",
                    "Keep one of the two rows",
                )
                continue
            seen[attr] = sheet.address(r, vc)
            if not self.c.cell_ok(sheet, r, vc, label):
                continue
            value = row[vc] if vc < len(row) else None
            parsed = self.setting_value(sheet, r, vc, attr, label, value)
            if parsed is _INVALID:
                self.ctx.refused_settings.add(attr)
            else:
                changes[attr] = parsed
                if attr == "budget":
                    changes["budget_source"] = sheet.address(r, vc)
                if attr == "run_budget":
                    self.ctx.run_budget_at = sheet.address(r, vc)
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
        return s

    def setting_value(self, sheet, r, c, attr, label, value):
        """The value of setting ``attr`` written in a cell (a blank is its default), or ``_INVALID``
        with the problem added at the cell."""
        where = sheet.address(r, c)
        if value is None:  # a blank value means the default, as the template says
            return getattr(Settings(), attr)
        if attr == "currency":
            return "" if value is None else str(value).strip()
        if attr == "record":
            return self._record(where, value)
        if attr == "review_date":
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
        if attr == "run_budget":
            number = self.c.number(
                sheet, r, c, label, True, lambda x: "must not be negative" if x < 0 else None, amount=True
            )
            return _INVALID if number is None else number
        if attr == "cluster":
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
        if attr == "first_period":
            label_ = _parse.first_period_label(value, self.ctx.period_length)
            if isinstance(label_, _parse.Refusal):
                self.c.add(
                    label_.code,
                    where,
                    f"First period {_show(value) if not _parse.is_date(value) else _show_date(value)}: {label_.reason}",
                    label_.fix,
                    value,
                )
                return _INVALID
            return label_
        if attr == "timed_dependencies":
            text = "" if value is None else str(value).strip().casefold()
            if text in ("", "timed", "in time", "finish to start", "sequence"):
                return True
            if text in ("together", "selected together", "selection"):
                return False
            self.c.add(
                "bad-setting",
                where,
                f"Dependencies {_show(value)}: must be timed or together",
                "Use 'timed' (a dependent starts after its prerequisite finishes) or 'together'",
                value,
            )
            return _INVALID
        if attr == "periods":
            if value is None:
                return None
            number = self.c.number(
                sheet,
                r,
                c,
                label,
                True,
                lambda x: (
                    None if x >= 1 and float(x).is_integer() and x <= 240 else "must be a whole number from 1 to 240"
                ),
            )
            return _INVALID if number is None else int(number)
        if attr == "objective":
            text = "" if value is None else str(value).strip().casefold()
            for o in Objective:
                if text == o.value:
                    return o
            self.c.add(
                "bad-setting",
                where,
                f"Objective {_show(value)}: must be value or npv",
                "Use 'value' (expected benefit) or 'npv' (benefit minus cost)",
                value,
            )
            return _INVALID
        if attr == "solver":
            text = "" if value is None else str(value).strip().casefold()
            if text in ("highs", "cbc"):
                return text
            self.c.add(
                "bad-setting",
                where,
                f"Solver {_show(value)}: must be highs or cbc",
                "Use 'highs' (default) or 'cbc'",
                value,
            )
            return _INVALID
        if attr == "scoring":
            text = " ".join(str(value).split()).casefold()
            text = {
                "expectedvalue": "expected value",
                "expected": "expected value",
                "value": "expected value",
                "weightedcriteria": "weighted",
                "criteria": "weighted",
            }.get(text.replace(" ", ""), text)
            if text in SCORINGS:
                return Scoring(text)
            self.c.add(
                "bad-setting",
                where,
                f"Scoring {_show(value)}: must be one of {', '.join(SCORINGS)}",
                "Use 'expected value' (the default), 'weighted', 'blend', 'wsjf' or 'rice'",
                value,
            )
            return _INVALID
        kinds = {"risk_objective": RiskObjective, "distribution": Distribution}
        if attr in kinds:
            text = str(value).strip().casefold()
            if text in set(kinds[attr]):
                return kinds[attr](text)
            a, b = (kind.value for kind in kinds[attr])
            self.c.add(
                "bad-setting",
                where,
                f"{label} {_show(value)}: must be {a} or {b}",
                f"Use '{a}' (the default) or '{b}'",
                value,
            )
            return _INVALID
        whole = {"risk_samples": (10, 1_000_000), "seed": (0, 2**32 - 1)}
        if attr in whole:
            lo, hi = whole[attr]
            number = self.c.number(
                sheet,
                r,
                c,
                label,
                True,
                lambda x: (
                    None if lo <= x <= hi and float(x).is_integer() else f"must be a whole number from {lo:,} to {hi:,}"
                ),
            )
            return _INVALID if number is None else int(number)
        checks = {
            "budget": lambda x: "must not be negative" if x < 0 else None,
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
        }
        number = self.c.number(sheet, r, c, label, True, checks[attr])
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
