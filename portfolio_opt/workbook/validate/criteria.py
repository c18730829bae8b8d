"""The Criteria and Pairwise sheets, and each initiative's criteria, WSJF or RICE score."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import numpy as np

from portfolio_opt.core import criteria as crit
from portfolio_opt.model.layout import CRITERIA, PAIRWISE
from portfolio_opt.model.plan import Criteria, CriterionSpec, Initiative, Scoring, Settings, normalize_header
from portfolio_opt.workbook.raw import RawSheet
from portfolio_opt.workbook.validate.problems import _INVALID, Collector, SheetContext, _Columns, _show, parse_number


class CriteriaSheet:
    """Reads Criteria (and Pairwise) and scores every initiative by them, or by WSJF / RICE."""

    def __init__(self, c: Collector, ctx: SheetContext):
        self.c, self.ctx = c, ctx

    def read(
        self, initiatives: list[Initiative], numeric: list[str], settings: Settings
    ) -> tuple[Criteria | None, list[Initiative]]:
        """The criteria (None without any) and the initiatives scored by them, or by WSJF or RICE
        as the Scoring setting says; every problem is added to the collector at its cell."""
        numeric_by = {normalize_header(h): h for h in numeric}
        before = len(self.c.problems)
        spec = self._criteria(numeric_by)
        scoring = settings.scoring
        if scoring.uses_criteria and spec is None:
            if len(self.c.problems) == before:  # no sheet, or no rows (a refused row is reported at its cell)
                self.c.add(
                    "no-criteria",
                    CRITERIA,
                    f"Scoring {scoring} needs criteria, and the workbook gives none",
                    "Add a sheet 'Criteria' with the columns Criterion and Weight (one row per criterion)",
                )
            return None, initiatives
        if spec is not None:
            initiatives = self._score(initiatives, spec)
        if scoring.is_formula:
            initiatives = self._formula(initiatives, scoring, numeric_by)
        return spec, initiatives

    # ------------------------------------------------------------------ Criteria

    def _criteria(self, numeric_by: dict[str, str]) -> Criteria | None:
        """The Criteria sheet's criteria, their weights given or taken from Pairwise; None when
        there are none, or when one has a problem (reported)."""
        sheet = self.ctx.raw.sheet(CRITERIA)
        if sheet is None or not any(any(v is not None for v in row) for row in sheet.rows):
            return None
        header_row, cols = self.c.header(sheet, "criterion")
        if "criterion" not in cols.by_norm:
            self.c.add(
                "missing-column",
                f"{CRITERIA}!{header_row + 1}",
                "the Criteria sheet needs a column 'Criterion'",
                "Put Criterion, Weight, Scale and Direction in the header row",
            )
            return None
        rows = []
        for r in range(header_row + 1, len(sheet.rows)):
            if not all(v is None for v in sheet.rows[r]):
                criterion = self._criterion(sheet, r, cols, numeric_by)
                if criterion is not None:
                    rows.append(criterion)
        if not rows:
            return None
        weighed = self._weights(sheet, cols, rows)
        if weighed is None:
            return None
        weights, source, cr = weighed
        total = sum(weights)
        if total <= 0:
            self.c.add(
                "zero-weights",
                f"{CRITERIA}!B{header_row + 2}",
                "the criteria's weights add up to 0",
                "Give at least one criterion a positive Weight",
            )
            return None
        return Criteria(
            tuple(CriterionSpec(col, w / total, scale, higher) for (_, col, _, scale, higher), w in zip(rows, weights)),
            source,
            cr,
        )

    def _criterion(self, sheet: RawSheet, r: int, cols: _Columns, numeric_by: dict[str, str]) -> tuple | None:
        """A Criteria row as (row, column, weight, scale, higher is better); None when a cell of
        it has a problem (reported)."""
        row = sheet.rows[r]
        cc = cols.by_norm["criterion"]
        name = row[cc] if cc < len(row) else None
        if name is None or not str(name).strip():
            self.c.add(
                "blank-criterion",
                sheet.address(r, cc),
                "a row has no Criterion",
                "Name a numeric Initiatives column, or delete the row",
            )
            return None
        column = numeric_by.get(normalize_header(name))
        if column is None:
            known = ", ".join(sorted(numeric_by.values())) or "none"
            self.c.add(
                "unknown-criterion",
                sheet.address(r, cc),
                f"Criterion {_show(str(name).strip())} is not a numeric column of Initiatives",
                f"Use a numeric Initiatives column (numeric columns: {known})",
                name,
            )
            return None
        weight = self._weight(sheet, r, cols)
        if weight is _INVALID:
            return None
        scale = self._scale(sheet, r, cols)
        if scale is _INVALID:
            return None
        higher = self._higher(sheet, r, cols)
        if higher is _INVALID:
            return None
        return (r, column, weight, scale, higher)

    def _weight(self, sheet: RawSheet, r: int, cols: _Columns):
        """A criterion's Weight; None when blank, ``_INVALID`` when refused (reported)."""
        if "weight" not in cols.by_norm:
            return None
        c = cols.by_norm["weight"]
        weight = self.c.number(sheet, r, c, "Weight", False, lambda x: "must not be negative" if x < 0 else None)
        if weight is None and sheet.rows[r][c] is not None:
            return _INVALID
        return weight

    def _scale(self, sheet: RawSheet, r: int, cols: _Columns):
        """A criterion's Scale as (low, high); None when blank (the column's own range is used),
        ``_INVALID`` when refused (reported)."""
        if "scale" not in cols.by_norm or sheet.rows[r][cols.by_norm["scale"]] is None:
            return None
        text = str(sheet.rows[r][cols.by_norm["scale"]]).strip()
        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\s*(?:-|–|to|\.\.)\s*(-?\d+(?:\.\d+)?)", text)
        if not m or float(m.group(1)) >= float(m.group(2)):
            self.c.add(
                "bad-scale",
                sheet.address(r, cols.by_norm["scale"]),
                f"Scale {_show(text)}: must be low-high, e.g. 1-5 or 0-10",
                "Type the scale as low-high, or leave it blank for the column's own range",
                text,
            )
            return _INVALID
        return (float(m.group(1)), float(m.group(2)))

    def _higher(self, sheet: RawSheet, r: int, cols: _Columns):
        """True when more of a criterion is better (its Direction; higher when blank),
        ``_INVALID`` when refused (reported)."""
        if "direction" not in cols.by_norm or sheet.rows[r][cols.by_norm["direction"]] is None:
            return True
        value = sheet.rows[r][cols.by_norm["direction"]]
        d = str(value).strip().casefold()
        if d not in ("higher", "lower", "higher is better", "lower is better"):
            self.c.add(
                "bad-direction",
                sheet.address(r, cols.by_norm["direction"]),
                f"Direction {_show(value)}: must be higher or lower",
                "Use 'higher' (more is better, the default) or 'lower'",
                d,
            )
            return _INVALID
        return d.startswith("higher")

    def _weights(
        self, sheet: RawSheet, cols: _Columns, rows: list[tuple]
    ) -> tuple[list[float], str, float | None] | None:
        """The criteria's weights, with where they come from ("weights" given on every row, or
        "pairwise" when none is) and the Pairwise consistency ratio; None when only some rows
        give one, or the Pairwise sheet has a problem (reported)."""
        given = [w for _, _, w, _, _ in rows if w is not None]
        if len(given) == len(rows):
            return given, "weights", None
        if not given:
            derived = self._pairwise([col for _, col, _, _, _ in rows])
            if derived is None:
                return None
            return list(derived.weights), "pairwise", derived.consistency_ratio
        r = next(r for r, _, w, _, _ in rows if w is None)
        self.c.add(
            "missing-weight",
            sheet.address(r, cols.by_norm.get("weight", 1)),
            "some criteria have a Weight and this one has none",
            "Give every criterion a Weight, or leave them all blank to take them from the Pairwise sheet",
        )
        return None

    # ------------------------------------------------------------------ Pairwise

    def _pairwise(self, names: list[str]):
        sheet = self.ctx.raw.sheet(PAIRWISE)
        if sheet is None:
            self.c.add(
                "no-weights",
                CRITERIA,
                "the criteria have no Weight and the workbook has no Pairwise sheet",
                "Give every criterion a Weight, or add a Pairwise sheet comparing them (Saaty's 1-9)",
            )
            return None
        matrices = []
        ok = True
        for top, label_col, rows in _blocks(sheet):
            m = self._matrix(sheet, top, label_col, rows, names)
            if m is None:
                ok = False
            else:
                matrices.append(m)
        if not ok:
            return None
        if not matrices:
            self.c.add(
                "empty-pairwise",
                PAIRWISE,
                "the Pairwise sheet holds no comparisons",
                "Put the criteria across the first row and down the first column, judgments 1-9 between",
            )
            return None
        combined = crit.geometric_mean(matrices) if len(matrices) > 1 else matrices[0]
        result = crit.ahp(combined)
        if result.consistency_ratio > crit.CONSISTENT_UP_TO and result.worst is not None:
            i, j, fit = result.worst
            shown = f"{fit:g}" if fit >= 1 else f"1/{round(1 / fit)}"
            self.c.warnings.append(
                f"{PAIRWISE}: the judgments are inconsistent (consistency ratio {result.consistency_ratio:.2f}, above "
                f"{crit.CONSISTENT_UP_TO:.2f}); the one that breaks it most is {names[i]} against {names[j]} "
                f"({combined[i, j]:.3g}): about {shown} would fit the others"
            )
        return result

    def _matrix(
        self, sheet: RawSheet, top: int, first_col: int, rows: list[int], names: list[str]
    ) -> np.ndarray | None:
        """One rater's block of judgments as a full reciprocal matrix over ``names``; None when
        a cell has a problem (reported)."""
        keys = {normalize_header(n): k for k, n in enumerate(names)}
        col_of = self._matrix_columns(sheet, top, first_col, keys, names)
        if col_of is None:
            return None
        n = len(names)
        a = np.full((n, n), np.nan)
        where: dict[tuple[int, int], str] = {}
        ok = True
        for r in rows:
            row = sheet.rows[r]
            label = row[first_col] if first_col < len(row) else None
            if label is None:
                continue
            i = keys.get(normalize_header(label))
            if i is None:
                self._not_a_criterion(sheet.address(r, first_col), label, names)
                ok = False
                continue
            ok = self._fill_row(sheet, r, i, col_of, a, where) and ok
        if not ok:
            return None
        return a if self._reciprocals(sheet.address(top, first_col), names, a, where) else None

    def _matrix_columns(
        self, sheet: RawSheet, top: int, first_col: int, keys: dict[str, int], names: list[str]
    ) -> dict[int, int] | None:
        """The criterion of each column of a block's header row (sheet column -> position in
        ``names``); None when a header is not a criterion (reported)."""
        header = sheet.rows[top]
        col_of: dict[int, int] = {}
        for c in range(first_col + 1, len(header)):
            if header[c] is None:
                continue
            k = keys.get(normalize_header(header[c]))
            if k is None:
                self._not_a_criterion(sheet.address(top, c), header[c], names)
                return None
            col_of[c] = k
        return col_of

    def _not_a_criterion(self, where: str, label: Any, names: list[str]) -> None:
        """Report a Pairwise label that is not a criterion of the Criteria sheet."""
        self.c.add(
            "unknown-criterion",
            where,
            f"{_show(str(label))} is not a criterion of the Criteria sheet",
            f"Compare the criteria of the Criteria sheet: {', '.join(names)}",
            label,
        )

    def _fill_row(
        self, sheet: RawSheet, r: int, i: int, col_of: dict[int, int], a: np.ndarray, where: dict[tuple[int, int], str]
    ) -> bool:
        """Put the judgments of sheet row ``r`` into row ``i`` of ``a`` (and their cells into
        ``where``); False when one is refused (every one is checked, each problem reported)."""
        row = sheet.rows[r]
        ok = True
        for c, j in col_of.items():
            v = row[c] if c < len(row) else None
            if v is None:
                continue
            x = _judgment(v)
            if x is None or x <= 0:
                self.c.add(
                    "bad-judgment",
                    sheet.address(r, c),
                    f"judgment {_show(v)}: must be a positive number on Saaty's scale (1 to 9, or 1/3, ...)",
                    "Use 1 (equal) to 9 (extremely more important), or a fraction such as 1/5",
                    v,
                )
                ok = False
                continue
            if i == j and abs(x - 1) > 1e-9:
                self.c.add(
                    "bad-judgment",
                    sheet.address(r, c),
                    f"judgment {_show(v)}: a criterion against itself is 1",
                    "Put 1 on the diagonal, or leave it blank",
                    v,
                )
                ok = False
                continue
            a[i, j] = x
            where[(i, j)] = sheet.address(r, c)
        return ok

    def _reciprocals(self, corner: str, names: list[str], a: np.ndarray, where: dict[tuple[int, int], str]) -> bool:
        """Complete ``a`` with 1 on the diagonal and each blank judgment the reciprocal of its
        mirror; False when a pair has no judgment, or two that are not reciprocals (reported)."""
        ok = True
        n = len(names)
        for i in range(n):
            a[i, i] = 1.0
            for j in range(i + 1, n):
                x, y = a[i, j], a[j, i]
                if np.isnan(x) and np.isnan(y):
                    self.c.add(
                        "missing-judgment",
                        corner,
                        f"{names[i]} against {names[j]} has no judgment",
                        "Fill the upper triangle (the lower one may stay blank: it is taken as reciprocals)",
                    )
                    ok = False
                elif np.isnan(y):
                    a[j, i] = 1 / x
                elif np.isnan(x):
                    a[i, j] = 1 / y
                elif abs(x * y - 1) > 0.02:
                    self.c.add(
                        "not-reciprocal",
                        where[(j, i)],
                        f"{names[j]} against {names[i]} is {y:.3g}, but {names[i]} against {names[j]} is "
                        f"{x:.3g} ({where[(i, j)]}): they must be reciprocals",
                        f"Make it {1 / x:.3g} (1/{x:g}), or leave it blank",
                        y,
                    )
                    ok = False
        return ok

    # ------------------------------------------------------------------ scores

    def _score(self, initiatives: list[Initiative], spec: Criteria) -> list[Initiative]:
        scales = {}
        for c in spec.criteria:
            if c.scale is not None:
                scales[c.column] = c.scale
            else:
                xs = [float(v) for ini in initiatives if isinstance(v := ini.values.get(c.column), (int, float))]
                scales[c.column] = (min(xs), max(xs)) if xs else (0.0, 1.0)
        out = []
        blanks: dict[str, int] = {}
        for ini in initiatives:
            parts = {}
            for c in spec.criteria:
                v = ini.values.get(c.column)
                if not isinstance(v, (int, float)):
                    v = None
                    blanks[c.column] = blanks.get(c.column, 0) + 1
                lo, hi = scales[c.column]
                parts[c.column] = c.weight * crit.normalized(v, lo, hi, c.higher)
            out.append(replace(ini, criteria_score=sum(parts.values()), criteria_parts=parts))
        for column, count in blanks.items():
            self.c.warnings.append(
                f"{count} initiative{'s' if count != 1 else ''} leave {column} blank: "
                "a blank counts as the worst of its scale"
            )
        return out

    def _formula(self, initiatives: list[Initiative], scoring: Scoring, numeric_by: dict[str, str]) -> list[Initiative]:
        assert self.c.initiatives_sheet is not None, "formula scores are worked out after the Initiatives sheet is read"
        sheet, header_row, cols, _ = self.c.initiatives_sheet
        needed = crit.WSJF if scoring is Scoring.WSJF else crit.RICE
        labels = {
            "businessvalue": "Business value",
            "timecriticality": "Time criticality",
            "riskreduction": "Risk reduction",
            "jobsize": "Job size",
            "reach": "Reach",
            "impact": "Impact",
            "confidence": "Confidence",
            "effort": "Effort",
        }
        missing = [k for k in needed if k not in numeric_by and k not in ("impact", "confidence")]
        if missing:
            self.c.add(
                "missing-column",
                f"{sheet.name}!{header_row + 1}",
                f"Scoring {scoring} needs the numeric columns {', '.join(labels[k] for k in missing)}",
                f"Add {', '.join(repr(labels[k]) for k in missing)} to Initiatives, or choose another Scoring",
            )
            return initiatives
        out = []
        for ini in initiatives:

            def value(key: str, ini=ini) -> float | None:
                if key == "impact":
                    return ini.impact
                if key == "confidence" and "confidence" not in numeric_by:
                    return ini.probability  # RICE's confidence: the Probability, unless a Confidence column says
                v = ini.values.get(numeric_by[key])
                return float(v) if isinstance(v, (int, float)) else None

            xs = [value(k) for k in needed]
            size_key = needed[-1]
            c = cols.by_norm.get(size_key)
            if xs[-1] is None or xs[-1] <= 0:
                self.c.add(
                    "bad-size",
                    sheet.address(ini.row - 1, c if c is not None else 0),
                    f"{labels[size_key]} {_show(xs[-1])}: must be more than 0 (it divides the score)",
                    f"Enter the {labels[size_key].lower()}, e.g. in person-months",
                    xs[-1],
                )
                out.append(ini)
                continue
            filled = [0.0 if x is None else x for x in xs]
            score = crit.wsjf(*filled) if scoring is Scoring.WSJF else crit.rice(*filled)
            out.append(replace(ini, criteria_score=score, criteria_parts={}))
        return out


def _judgment(value) -> float | None:
    """A judgment cell: a number, or a fraction typed as text (``1/3``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)", text)
    if m:
        den = float(m.group(2))
        return float(m.group(1)) / den if den else None
    return parse_number(text, amount=False)


def _blocks(sheet: RawSheet) -> list[tuple[int, int, list[int]]]:
    """The matrices of a Pairwise sheet, one per rater: (header row, label column, rows).

    Either blocks separated by blank rows, each a header row of criteria (its first cell blank
    or the rater's name) over rows that start with a criterion; or one table whose first two
    columns are ``Rater`` and ``Criterion``, the rows of each rater making one matrix."""
    out = []
    r, n = 0, len(sheet.rows)
    while r < n:
        if all(v is None for v in sheet.rows[r]):
            r += 1
            continue
        start = r
        r += 1
        while r < n and not all(v is None for v in sheet.rows[r]):
            r += 1
        header = sheet.rows[start]
        if normalize_header(header[0]) == "rater" and len(header) > 1 and normalize_header(header[1]) == "criterion":
            raters: dict[str, list[int]] = {}
            for k in range(start + 1, r):
                who = sheet.rows[k][0]
                raters.setdefault(str(who).strip() if who is not None else "", []).append(k)
            out += [(start, 1, rows) for rows in raters.values()]
        else:
            out.append((start, 0, list(range(start + 1, r))))
    return out
