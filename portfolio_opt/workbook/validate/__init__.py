"""Turn the sheets of a planning workbook into a :class:`~portfolio_opt.model.Plan`.

One reader per sheet (:mod:`.initiatives`, :mod:`.settings`, :mod:`.constraints`,
:mod:`.scenarios`) around a small shared problem collector (:mod:`.problems`): every problem
is collected, with a stable code and its ``Sheet!Cell``, so a planner fixes a sheet in one
pass; :class:`~portfolio_opt.errors.InvalidWorkbook` carries them all. What an earlier sheet
tells a later one travels in an explicit :class:`~.problems.SheetContext`. Pure: the sheets
arrive as plain values (:mod:`portfolio_opt.raw`); nothing here imports the xlsx package.
"""

from __future__ import annotations

from dataclasses import replace

from portfolio_opt.model.errors import InvalidWorkbook
from portfolio_opt.model.layout import INITIATIVES, OUTPUT_SHEETS
from portfolio_opt.model.plan import Limit, Plan, unique_limit_names
from portfolio_opt.workbook.raw import RawWorkbook
from portfolio_opt.workbook.validate.budgets import BudgetsSheet
from portfolio_opt.workbook.validate.constraints import ConstraintsSheet
from portfolio_opt.workbook.validate.criteria import CriteriaSheet
from portfolio_opt.workbook.validate.initiatives import FIELDS, InitiativesSheet
from portfolio_opt.workbook.validate.problems import (
    AMOUNT_LABELS,
    Collector,
    SheetContext,
    _table,
    parse_number,
    split_ids,
)
from portfolio_opt.workbook.validate.scenarios import ScenariosSheet
from portfolio_opt.workbook.validate.settings import SettingsSheet

__all__ = ["AMOUNT_LABELS", "FIELDS", "load_plan", "parse_number", "split_ids"]


def load_plan(raw: RawWorkbook) -> Plan:
    """Validate a workbook's sheets and return its plan, or raise InvalidWorkbook with all problems."""
    c = Collector()
    plan = _read(raw, c)
    if c.problems:
        raise InvalidWorkbook(c.problems, raw.name, tuple(c.warnings))
    assert plan is not None
    return plan


def _read(raw: RawWorkbook, c: Collector) -> Plan | None:
    """Every sheet in the order each needs the last: Settings (the periods), Initiatives,
    Constraints (the Initiatives columns), Scenarios (IDs, limits, settings), Budgets (IDs)."""
    ctx = SheetContext(raw)
    sheet = raw.sheet(INITIATIVES)
    if sheet is None:
        names = ", ".join(s.name for s in raw.sheets) or "none"
        c.add(
            "missing-sheet",
            INITIATIVES,
            f"the workbook has no sheet named 'Initiatives' (sheets: {names})",
            "Rename the sheet holding the initiatives to 'Initiatives', or start from `portfolio-opt template`",
        )
        return None
    settings = SettingsSheet(c, ctx).read()
    ctx.labels = settings.period_labels() if settings.periods else []
    if settings.review_date is None and raw.saved is not None and getattr(raw.saved, "year", 2000) > 2000:
        settings = replace(settings, review_date=raw.saved.date())  # the file's own date, never the clock
    ctx.review_date = settings.review_date
    initiatives_sheet = InitiativesSheet(c, ctx)
    initiatives, columns, numeric = initiatives_sheet.read(sheet)
    if ctx.review_date_needed and "review_date" not in ctx.refused_settings:
        c.add(
            "missing-review-date",
            ctx.review_date_needed,
            "a start or live date needs the Review date to count the months to, and the workbook gives none",
            "Add a row 'Review date' to Settings with the date of the review, e.g. 2027-04-01",
        )
    limits = ConstraintsSheet(c, ctx).read(initiatives, columns, numeric)
    if settings.run_budget is not None:  # the annual run cost of everything kept live or selected
        limits = list(limits) + [
            Limit("Run cost", max=settings.run_budget, source=ctx.run_budget_at or "Settings", label="run budget")
        ]
    limits = unique_limit_names(limits, settings.period_length)
    criteria, initiatives = CriteriaSheet(c, ctx).read(initiatives, numeric, settings)
    c.header_typos()
    scenarios = ScenariosSheet(c, ctx).read({k: v[0] for k, v in ctx.all_ids.items()}, limits, settings)
    worlds = BudgetsSheet(c, ctx).read({k: v[0] for k, v in ctx.all_ids.items()}, settings)
    selection = initiatives_sheet.selection(sheet, initiatives)
    initiatives = initiatives_sheet.with_starts(initiatives)
    if c.problems:
        return None
    tables = tuple(
        _table(s) for s in raw.sheets if s.name.strip().casefold() not in {n.casefold() for n in OUTPUT_SHEETS}
    )
    return Plan(
        initiatives=tuple(initiatives),
        limits=tuple(limits),
        settings=settings,
        columns=tuple(columns),
        numeric_columns=tuple(numeric),
        tables=tables,
        source_name=raw.name,
        source_sha256=raw.sha256,
        warnings=tuple(c.warnings),
        scenarios=tuple(scenarios),
        selection=selection,
        criteria=criteria,
        worlds=worlds,
    )
