"""The Budgets sheet: the budgets the plan may get, for a funding order.

One row per *world*: its name (``World``), its ``Probability`` and its ``Budget``. Any further
column headed by an initiative's ID gives that initiative's Impact (per year) in that world
(blank: its own Impact), e.g. lower impacts in a "Recession" world. The probabilities sum to 1.
"""

from __future__ import annotations

import math

from portfolio_opt.model.ids import did_you_mean
from portfolio_opt.model.layout import BUDGETS
from portfolio_opt.model.plan import BudgetWorld, Settings, normalize_header, text_key
from portfolio_opt.workbook.raw import RawSheet
from portfolio_opt.workbook.validate.problems import Collector, SheetContext, _Columns, _show

#: the sheet's own columns, by normalized header
WORLD_COLUMNS = {"world": "World", "probability": "Probability", "budget": "Budget"}


class BudgetsSheet:
    """Reads the Budgets sheet against the plan's IDs and settings."""

    def __init__(self, c: Collector, ctx: SheetContext):
        self.c, self.ctx = c, ctx

    def read(self, ids: dict[str, str], settings: Settings) -> tuple[BudgetWorld, ...]:
        """Every world of the sheet (none when there is no sheet), each problem at its cell."""
        sheet = self.ctx.raw.sheet(BUDGETS)
        if sheet is None or not sheet.rows:
            return ()
        header_row, cols = self.c.header(sheet, "world")
        missing = [label for norm, label in WORLD_COLUMNS.items() if norm not in cols.by_norm]
        if missing:
            self.c.add(
                "missing-column",
                f"{BUDGETS}!{header_row + 1}",
                f"the Budgets sheet needs the columns World, Probability and Budget (missing: {', '.join(missing)})",
                "Put World, Probability and Budget in the header row, one possible budget per row below",
            )
            return ()
        if settings.periods:
            self.c.add(
                "periods-with-budgets",
                f"{BUDGETS}!{header_row + 1}",
                "a funding order is for single-period plans, and this plan has Periods",
                "Remove the Budgets sheet, or the Periods setting",
            )
            return ()
        impact_columns = self._impact_columns(sheet, header_row, cols, ids)
        rows = [r for r in range(header_row + 1, len(sheet.rows)) if any(v is not None for v in sheet.rows[r])]
        worlds = [w for r in rows if (w := self._world(sheet, r, cols, impact_columns)) is not None]
        self._check(sheet, header_row, cols, worlds, complete=len(worlds) == len(rows))
        return tuple(worlds)

    def _impact_columns(self, sheet: RawSheet, header_row: int, cols: _Columns, ids: dict[str, str]) -> dict[int, str]:
        """Column -> the initiative whose Impact it gives (an unknown ID is refused at its header)."""
        out = {}
        for k, text in enumerate(cols.headers):
            if not text or normalize_header(text) in WORLD_COLUMNS:
                continue
            if text_key(text) in ids:
                out[k] = ids[text_key(text)]
                continue
            hint = did_you_mean(str(text), list(ids.values()))
            self.c.add(
                "unknown-id",
                sheet.address(header_row, k),
                f"column {_show(text)} is not an initiative's ID{hint}",
                "Head a world's Impact column with the initiative's ID from the Initiatives sheet",
                text,
            )
        return out

    def _world(self, sheet: RawSheet, r: int, cols: _Columns, impact_columns: dict[int, str]) -> BudgetWorld | None:
        """One row's world; None when a cell is refused (reported)."""
        wc = cols.by_norm["world"]
        name = sheet.rows[r][wc] if wc < len(sheet.rows[r]) else None
        if name is None or not str(name).strip():
            self.c.add("missing-value", sheet.address(r, wc), "World is blank", "Name every world, e.g. Recession")
            return None
        probability = self.c.number(
            sheet,
            r,
            cols.by_norm["probability"],
            "Probability",
            True,
            lambda x: None if 0 < x <= 1 else "must be above 0 and at most 1 (30% is 0.3)",
        )
        budget = self.c.number(
            sheet,
            r,
            cols.by_norm["budget"],
            "Budget",
            True,
            lambda x: "must not be negative" if x < 0 else None,
            amount=True,
        )
        impacts = {}
        for k, initiative in impact_columns.items():
            value = self.c.number(
                sheet,
                r,
                k,
                f"Impact of {initiative}",
                False,
                lambda x: "must not be negative" if x < 0 else None,
                amount=True,
            )
            if value is not None:
                impacts[initiative] = value
        if probability is None or budget is None:
            return None
        return BudgetWorld(str(name).strip(), probability, budget, impacts, sheet.address(r, wc))

    def _check(
        self, sheet: RawSheet, header_row: int, cols: _Columns, worlds: list[BudgetWorld], complete: bool
    ) -> None:
        """Names told apart, and the probabilities summing to 1 (when every row could be read)."""
        seen: dict[str, str] = {}
        for w in worlds:
            key = text_key(w.name)
            if key in seen:
                self.c.add(
                    "duplicate-world",
                    w.where,
                    f"world {w.name!r} is named twice (first at {seen[key]})",
                    "Give every world its own name",
                )
            seen.setdefault(key, w.where)
        total = math.fsum(w.probability for w in worlds)
        if worlds and complete and abs(total - 1) > 1e-9:
            self.c.add(
                "probabilities",
                sheet.address(header_row, cols.by_norm["probability"]),
                f"the worlds' probabilities sum to {total:.6g}, not 1",
                "Make the probabilities add up to 1 (100%)",
            )
