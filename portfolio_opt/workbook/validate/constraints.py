"""The Constraints sheet: limits on a column's sum or share, hard or soft, by scope and period."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from portfolio_opt.model.layout import CONSTRAINTS, COUNT
from portfolio_opt.model.plan import Limit, normalize_header
from portfolio_opt.workbook.raw import RawSheet
from portfolio_opt.workbook.validate.problems import (
    _INVALID,
    Collector,
    SheetContext,
    _Columns,
    _fold_name,
    _percent,
    _show,
    closest_header,
    parse_number,
)


@dataclass(frozen=True)
class _Targets:
    """What a Constraints row may name: the Initiatives headers (the numeric ones apart), by
    normalized header, and the initiatives a Scope is checked against."""

    initiatives: list
    numeric: list[str]  #: the numeric headers, in sheet order
    by_norm: dict[str, str]
    numeric_norm: dict[str, str]


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
        targets = _Targets(
            initiatives,
            numeric,
            by_norm={normalize_header(h): h for h in columns},
            numeric_norm={normalize_header(h): h for h in numeric},
        )
        out: list[Limit] = []
        for r in range(header_row + 1, len(sheet.rows)):
            if any(v is not None for v in sheet.rows[r]):
                out.extend(self._row(sheet, r, cols, targets))
        self._note_refused_rows(sheet, cols)
        return out

    def _row(self, sheet: RawSheet, r: int, cols: _Columns, targets: _Targets) -> list[Limit]:
        """The limits of one row: one per period it bounds, and one per pair of periods its
        Max per period change spans; none when a cell of it has a problem (reported)."""
        row = sheet.rows[r]
        if not all(
            self.c.cell_ok(sheet, r, c, cols.headers[c] or "cell") for c in range(len(row)) if c < len(cols.headers)
        ):
            return []
        cc = cols.by_norm["column"]
        column = self._column(sheet, r, cc, row[cc] if cc < len(row) else None, targets)
        if column is None:
            return []
        scope = None
        if "scope" in cols.by_norm:
            sc = cols.by_norm["scope"]
            value = row[sc] if sc < len(row) else None
            scope = self.scope(sheet, r, sc, value, targets.by_norm, targets.numeric_norm, targets.initiatives)
            if scope is _INVALID:
                return []
        bounds = self.limit_bounds(sheet, r, row, cols, column)
        if bounds is None:
            return []
        periods = self._periods(sheet, r, row, cols)
        if periods is None:
            return []
        lo, hi, slo, shi, soft, change = bounds
        op = "="
        where: tuple[str, Any] | None = None
        if scope is not None:
            where, op = (scope[0], scope[1]), scope[2]
        common: dict[str, Any] = dict(column=column, scope=where, scope_op=op, source=sheet.address(r, cc))
        out: list[Limit] = []
        for p in periods:
            at: dict[str, Any] = dict(common, period=p, period_label=self.ctx.labels[p] if p is not None else "")
            if lo is not None or hi is not None:
                out.append(Limit(min=lo, max=hi, **at, **soft))
            if slo is not None or shi is not None:
                out.append(Limit(min=slo, max=shi, share=True, **at))
        if change is not None:
            out.extend(self.change_limits(sheet, r, cols, change, periods, common))
        return out

    def _column(self, sheet: RawSheet, r: int, cc: int, name: Any, targets: _Targets) -> str | None:
        """The Initiatives column (or Count) a row's Column names; None when it names none, or
        a column that is not numeric (reported)."""
        if name is None:
            self.c.add(
                "missing-value",
                sheet.address(r, cc),
                "Column is blank",
                "Name the Initiatives column to limit, or Count",
            )
            return None
        norm = normalize_header(name)
        if norm == "count":
            return COUNT
        if norm in targets.numeric_norm:
            return targets.numeric_norm[norm]
        if norm in targets.by_norm:
            init_sheet, _, init_cols, data_rows = self.c.initiatives_sheet or (None, 0, _Columns(), [])
            bad = self._first_text_cell(init_sheet, init_cols, targets.by_norm[norm], data_rows)
            self.c.add(
                "not-numeric-column",
                sheet.address(r, cc),
                f"Column {_show(str(name))} is not numeric{bad}",
                "Limit a column that holds numbers, or fix its text cells",
                name,
            )
            return None
        meant = closest_header(str(name), list(targets.numeric) + [COUNT])
        close = [meant] if meant else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        if close and close[0] != COUNT and self.c.header_typo(close[0], str(name), sheet.address(r, cc)):
            return None
        self.c.add(
            "unknown-column",
            sheet.address(r, cc),
            f"Column {_show(str(name))} is not a column of Initiatives{hint}",
            f"Use Count or one of the numeric columns: {', '.join(targets.numeric) or 'none'}",
            name,
        )
        return None

    def _periods(self, sheet: RawSheet, r: int, row: tuple, cols: _Columns) -> list[int | None] | None:
        """The periods a row bounds: [None] for the plan as a whole, every period for ``each``,
        or the one it names; None when its Period cell has a problem (reported)."""
        if "period" not in cols.by_norm or row[cols.by_norm["period"]] is None:
            return [None]
        pc = cols.by_norm["period"]
        pv = row[pc]
        if not self.ctx.labels:
            self.c.add(
                "no-periods",
                sheet.address(r, pc),
                f"Period {_show(pv)} given, but the plan has no Periods",
                "Set Periods (and First period) in Settings, or clear the Period cell",
            )
            return None
        if str(pv).strip().casefold() in ("each", "every", "all periods", "per period"):
            return list(range(len(self.ctx.labels)))
        k = self.ctx.period(self.c, sheet, r, pc, pv, "Period")
        return None if k is _INVALID else [cast(int | None, k)]  # a period, or None: not the _INVALID mark

    def _note_refused_rows(self, sheet: RawSheet, cols: _Columns) -> None:
        """Note the name of every row with a problem, so that a scenario naming it is not
        reported again (the row's problem is)."""
        cc = cols.by_norm["column"]
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

    def limit_bounds(self, sheet, r, row, cols, column):
        """(Min, Max, Min share, Max share, soft settings) of a Constraints row, or None when
        a cell has a problem (reported)."""
        cell = self._bound_cells(sheet, r, row, cols)
        if cell is None:
            return None
        lo, hi, slo, shi = cell["min"], cell["max"], cell["minshare"], cell["maxshare"]
        change = self.change(sheet, r, cols, cell["maxperperiodchange"], hi)
        if change is _INVALID:
            return None
        if lo is None and hi is None and slo is None and shi is None and change is None:
            self.c.add(
                "no-bounds",
                sheet.address(r, cols.by_norm["column"]),
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
        soft = self._soft(sheet, r, row, cols, cell)
        if soft is None:
            return None
        return lo, hi, slo, shi, soft, change

    def _bound_cells(self, sheet: RawSheet, r: int, row: tuple, cols: _Columns) -> dict[str, float | None] | None:
        """The numbers of a row's bound columns by key (None where blank or absent); None when
        one is refused (every one is checked, each problem reported)."""
        cell: dict[str, float | None] = {}
        ok = True
        for key, label in _BOUNDS:
            if key not in cols.by_norm:
                cell[key] = None
                continue
            c = cols.by_norm[key]
            cell[key] = self.c.number(sheet, r, c, label, False, _bound_check(key, label), amount=key == "penalty")
            ok &= not (cell[key] is None and c < len(row) and row[c] is not None)
        return cell if ok else None

    def _soft(self, sheet: RawSheet, r: int, row: tuple, cols: _Columns, cell: dict) -> dict | None:
        """The Tolerance and Penalty that make a row's Min or Max soft ({} for a hard limit);
        None when a Tolerance stands on a row with only a share (reported)."""
        tol = cell["tolerance"]
        if tol is not None and tol > 0:
            tc = cols.by_norm["tolerance"]
            if cell["min"] is None and cell["max"] is None:
                self.c.add(
                    "tolerance-on-share",
                    sheet.address(r, tc),
                    f"Tolerance {_show(row[tc])} on a row with only a share: a share limit is kept exactly",
                    "Put the Tolerance on a row with a Min or Max, or clear it",
                )
                return None
            return dict(tolerance=tol, tolerance_percent=_percent(sheet, r, tc), penalty=cell["penalty"] or 0.0)
        if cell["penalty"]:
            self.c.warnings.append(
                f"{sheet.address(r, cols.by_norm['penalty'])} Penalty without a Tolerance: "
                "the limit is hard, so the penalty never applies"
            )
        return {}

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
            meant = closest_header(left, list(by_norm.values()))
            close = [meant] if meant else []
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


#: The columns of a row's bounds, by normalized header, with their labels
_BOUNDS = (
    ("min", "Min"),
    ("max", "Max"),
    ("minshare", "Min share"),
    ("maxshare", "Max share"),
    ("tolerance", "Tolerance"),
    ("penalty", "Penalty"),
    ("maxperperiodchange", "Max per period change"),
)


def _bound_check(key: str, label: str) -> Callable[[float], str | None] | None:
    """The check of a bound column's number: a share is from 0% to 100%, a tolerance, penalty
    or change is not negative, a Min or Max may be anything."""
    if key.endswith("share"):
        return lambda x: "must be a share from 0% to 100%, e.g. 20%" if not 0 <= x <= 1 else None
    if key in ("tolerance", "penalty", "maxperperiodchange"):
        return lambda x: f"{label} must not be negative" if x < 0 else None
    return None
