"""The Constraints sheet: limits on a column's sum or share, hard or soft, by scope and period."""

from __future__ import annotations

import difflib
import re
from typing import Any

from portfolio_opt.model.layout import CONSTRAINTS, COUNT
from portfolio_opt.model.plan import Limit, normalize_header
from portfolio_opt.workbook.validate.problems import (
    _INVALID,
    Collector,
    SheetContext,
    _Columns,
    _fold_name,
    _percent,
    _show,
    parse_number,
)


class ConstraintsSheet:
    """Reads the Constraints sheet against the Initiatives columns."""

    def __init__(self, c: Collector, ctx: SheetContext):
        self.c, self.ctx = c, ctx

    def read(self, initiatives, columns, numeric) -> list[Limit]:
        """The Constraints rows as limits (a row bounding each period gives one per period), every
        problem with a row added to the collector at its cell."""
        sheet = self.ctx.raw.sheet(CONSTRAINTS)
        if sheet is None or not sheet.rows:
            return []
        header_row, cols = self.c.header(sheet, "column")
        if "column" not in cols.by_norm or not (
            {"min", "max", "minshare", "maxshare", "maxperperiodchange"} & set(cols.by_norm)
        ):
            self.c.add(
                "missing-column",
                f"{CONSTRAINTS}!{header_row + 1}",
                "the Constraints sheet needs the columns 'Column', 'Scope', 'Min' and 'Max'",
                "Put Column, Scope, Min and Max in the header row (Min share, Max share, Tolerance "
                "and Penalty are optional)",
            )
            return []
        by_norm = {normalize_header(h): h for h in columns}
        numeric_norm = {normalize_header(h): h for h in numeric}
        init_sheet, _, init_cols, data_rows = self.c.initiatives_sheet or (None, 0, _Columns(), [])
        out: list[Limit] = []
        cc = cols.by_norm["column"]
        for r in range(header_row + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if all(v is None for v in row):
                continue
            if not all(
                self.c.cell_ok(sheet, r, c, cols.headers[c] or "cell") for c in range(len(row)) if c < len(cols.headers)
            ):
                continue
            name = row[cc] if cc < len(row) else None
            if name is None:
                self.c.add(
                    "missing-value",
                    sheet.address(r, cc),
                    "Column is blank",
                    "Name the Initiatives column to limit, or Count",
                )
                continue
            norm = normalize_header(name)
            if norm == "count":
                column = COUNT
            elif norm in numeric_norm:
                column = numeric_norm[norm]
            elif norm in by_norm:
                column = by_norm[norm]
                bad = self._first_text_cell(init_sheet, init_cols, column, data_rows)
                self.c.add(
                    "not-numeric-column",
                    sheet.address(r, cc),
                    f"Column {_show(str(name))} is not numeric{bad}",
                    "Limit a column that holds numbers, or fix its text cells",
                    name,
                )
                continue
            else:
                close = difflib.get_close_matches(str(name), list(numeric) + [COUNT], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                if close and close[0] != COUNT and self.c.header_typo(close[0], str(name), sheet.address(r, cc)):
                    continue
                self.c.add(
                    "unknown-column",
                    sheet.address(r, cc),
                    f"Column {_show(str(name))} is not a column of Initiatives{hint}",
                    f"Use Count or one of the numeric columns: {', '.join(numeric) or 'none'}",
                    name,
                )
                continue
            scope = None
            if "scope" in cols.by_norm:
                sc = cols.by_norm["scope"]
                scope = self.scope(sheet, r, sc, row[sc] if sc < len(row) else None, by_norm, numeric_norm, initiatives)
                if scope is _INVALID:
                    continue
            bounds = self.limit_bounds(sheet, r, row, cols, column)
            if bounds is None:
                continue
            lo, hi, slo, shi, soft, change = bounds
            periods: list[int | None] = [None]
            if "period" in cols.by_norm and row[cols.by_norm["period"]] is not None:
                pc = cols.by_norm["period"]
                pv = row[pc]
                if not self.ctx.labels:
                    self.c.add(
                        "no-periods",
                        sheet.address(r, pc),
                        f"Period {_show(pv)} given, but the plan has no Periods",
                        "Set Periods (and First period) in Settings, or clear the Period cell",
                    )
                    continue
                if str(pv).strip().casefold() in ("each", "every", "all periods", "per period"):
                    periods = list(range(len(self.ctx.labels)))
                else:
                    k = self.ctx.period(self.c, sheet, r, pc, pv, "Period")
                    if k is _INVALID:
                        continue
                    periods = [k]
            op = "="
            if scope is not None:
                scope, op = (scope[0], scope[1]), scope[2]
            for p in periods:
                common = dict(
                    column=column,
                    scope=scope,
                    scope_op=op,
                    source=sheet.address(r, cc),
                    period=p,
                    period_label=self.ctx.labels[p] if p is not None else "",
                )
                if lo is not None or hi is not None:
                    out.append(Limit(min=lo, max=hi, **common, **soft))
                if slo is not None or shi is not None:
                    out.append(Limit(min=slo, max=shi, share=True, **common))
            if change is not None:
                out.extend(self.change_limits(sheet, r, cols, change, periods, common))
        # A scenario that names a refused row is not reported again (the row's problem is).
        flagged = [p.where for p in self.c.problems] + [w for ws in self.c._header_typos.values() for w in ws]
        bad_rows = {
            int(m.group(1)) - 1
            for where in flagged
            if (m := re.fullmatch(rf"{re.escape(sheet.name)}![A-Z]+(\d+)", where))
        }
        for r in bad_rows:
            if r < len(sheet.rows) and cc < len(sheet.rows[r]) and sheet.rows[r][cc] is not None:
                column = str(sheet.rows[r][cc]).strip()
                scope = sheet.rows[r][cols.by_norm["scope"]] if "scope" in cols.by_norm else None
                self.ctx.refused_limits.add(_fold_name(column))
                if scope is not None and str(scope).strip().casefold() not in ("", "all"):
                    self.ctx.refused_limits.add(_fold_name(f"{column} ({str(scope).strip()})"))
        return out

    def limit_bounds(self, sheet, r, row, cols, column):
        """(Min, Max, Min share, Max share, soft settings) of a Constraints row, or None when
        a cell has a problem (reported)."""
        cell = {}
        ok = True
        for key, label in (
            ("min", "Min"),
            ("max", "Max"),
            ("minshare", "Min share"),
            ("maxshare", "Max share"),
            ("tolerance", "Tolerance"),
            ("penalty", "Penalty"),
            ("maxperperiodchange", "Max per period change"),
        ):
            if key not in cols.by_norm:
                cell[key] = None
                continue
            c = cols.by_norm[key]
            share = key.endswith("share")
            check = (
                (lambda x: "must be a share from 0% to 100%, e.g. 20%" if not 0 <= x <= 1 else None)
                if share
                else (lambda x, label=label: f"{label} must not be negative" if x < 0 else None)
                if key in ("tolerance", "penalty", "maxperperiodchange")
                else None
            )
            cell[key] = self.c.number(sheet, r, c, label, False, check, amount=key == "penalty")
            ok &= not (cell[key] is None and c < len(row) and row[c] is not None)
        if not ok:
            return None
        lo, hi, slo, shi = cell["min"], cell["max"], cell["minshare"], cell["maxshare"]
        cc = cols.by_norm["column"]
        change = self.change(sheet, r, cols, cell["maxperperiodchange"], hi)
        if change is _INVALID:
            return None
        if lo is None and hi is None and slo is None and shi is None and change is None:
            self.c.add(
                "no-bounds",
                sheet.address(r, cc),
                f"the limit on {column} has neither Min nor Max",
                "Enter a Min, a Max or both (or a Min share or Max share)",
            )
            return None
        for a, b, key, label in ((lo, hi, "min", "Min"), (slo, shi, "minshare", "Min share")):
            if a is not None and b is not None and a > b:
                shown = (lambda x: f"{x:.0%}") if key == "minshare" else _show
                self.c.add(
                    "min-above-max",
                    sheet.address(r, cols.by_norm[key]),
                    f"{label} {shown(a)} is above {label.replace('Min', 'Max')} {shown(b)}",
                    "Swap them or correct one",
                )
                return None
        soft: dict = {}
        tol = cell["tolerance"]
        if tol is not None and tol > 0:
            tc = cols.by_norm["tolerance"]
            if lo is None and hi is None:
                self.c.add(
                    "tolerance-on-share",
                    sheet.address(r, tc),
                    f"Tolerance {_show(row[tc])} on a row with only a share: a share limit is kept exactly",
                    "Put the Tolerance on a row with a Min or Max, or clear it",
                )
                return None
            soft = dict(tolerance=tol, tolerance_percent=_percent(sheet, r, tc), penalty=cell["penalty"] or 0.0)
        elif cell["penalty"]:
            self.c.warnings.append(
                f"{sheet.address(r, cols.by_norm['penalty'])} Penalty without a Tolerance: "
                "the limit is hard, so the penalty never applies"
            )
        return lo, hi, slo, shi, soft, change

    def change(self, sheet, r, cols, value, hi):
        """A row's Max per period change in the column's units (a percentage is of its Max),
        None when blank, _INVALID when refused (reported)."""
        if value is None:
            return None
        c = cols.by_norm["maxperperiodchange"]
        if not self.ctx.labels:
            self.c.add(
                "no-periods",
                sheet.address(r, c),
                f"Max per period change {_show(sheet.rows[r][c])} given, but the plan has no Periods",
                "Set Periods (and First period) in Settings, or clear the cell",
            )
            return _INVALID
        if _percent(sheet, r, c):
            if hi is None:
                self.c.add(
                    "change-without-max",
                    sheet.address(r, c),
                    f"Max per period change {value:.0%} is a share of the row's Max, and the row has no Max",
                    "Give the row a Max, or write the change in the column's units",
                )
                return _INVALID
            return value * hi
        return value

    def change_limits(self, sheet, r, cols, change, periods, common) -> list[Limit]:
        """One limit per pair of periods that follow each other: the use moves by at most ``change``."""
        if periods != [None] and len(periods) == 1:
            c = cols.by_norm["maxperperiodchange"]
            self.c.add(
                "change-in-one-period",
                sheet.address(r, c),
                "Max per period change bounds the move from one period to the next, and the row names one Period",
                "Leave Period blank (or each) on a row with a Max per period change",
            )
            return []
        labels = self.ctx.labels
        common = {**common, "source": sheet.address(r, cols.by_norm["maxperperiodchange"])}
        return [
            Limit(
                **{**common, "period": t, "period_label": f"{labels[t]} to {labels[t + 1]}"}, max=change, kind="change"
            )
            for t in range(len(labels) - 1)
        ]

    def _first_text_cell(self, sheet, cols, column, data_rows) -> str:
        if sheet is None:
            return ""
        c = cols.headers.index(column)
        for r in data_rows:
            v = sheet.rows[r][c]
            if v is not None and parse_number(v) is None:
                return f": {sheet.address(r, c)} holds {_show(v)}"
        return ""

    def scope(self, sheet, r, c, value, by_norm, numeric_norm, initiatives):
        """(column, value, operator) of a Scope cell, None for All, _INVALID (reported)."""
        if value is None or str(value).strip().casefold() in ("", "all"):
            return None
        text = str(value).strip()
        m = re.match(r"^(.*?)(<=|>=|<|>|=)(.*)$", text)
        if m is None:
            self.c.add(
                "bad-scope",
                sheet.address(r, c),
                f"Scope {_show(text)}: must be All, <column>=<value> or a comparison such as Probability<0.5",
                "Write e.g. Theme=Retention, Probability<0.5, or All",
                value,
            )
            return _INVALID
        left, op, right = m.group(1).strip(), m.group(2), m.group(3).strip()
        norm = normalize_header(left)
        if norm not in by_norm:
            close = difflib.get_close_matches(left, list(by_norm.values()), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if close and self.c.header_typo(close[0], left, sheet.address(r, c)):
                return _INVALID
            self.c.add(
                "unknown-column",
                sheet.address(r, c),
                f"Scope {_show(text)}: {left!r} is not a column of Initiatives{hint}",
                "Use a column header from the Initiatives sheet",
                value,
            )
            return _INVALID
        column = by_norm[norm]
        wanted: Any = right
        number = parse_number(right) if right else None
        if op != "=" and (norm not in numeric_norm or number is None):
            what = f"{column!r} is not a numeric column" if norm not in numeric_norm else f"{right!r} is not a number"
            self.c.add(
                "bad-scope",
                sheet.address(r, c),
                f"Scope {_show(text)}: {op} compares numbers, and {what}",
                "Compare a numeric column with a number (e.g. Probability<0.5), or use = for text",
                value,
            )
            return _INVALID
        if norm in numeric_norm and number is not None:
            wanted = number
        limit = Limit(column="Count", scope=(column, wanted), scope_op=op)
        if initiatives and not any(limit.applies_to(ini) for ini in initiatives):
            self.c.warnings.append(f"{sheet.address(r, c)} Scope {text} matches no initiative")
        return (column, wanted, op)
