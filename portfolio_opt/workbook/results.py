"""Write results workbooks and planning templates.

A results workbook is itself a planning workbook: it carries the input sheets as read (with
the settings as used), so optimizing it again gives the same portfolio.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter

from portfolio_opt.core.ranges import ranges_note
from portfolio_opt.core.rules import unit_of
from portfolio_opt.core.scoring import discounted_years
from portfolio_opt.model.figures import Unit, num
from portfolio_opt.model.layout import (
    CAPACITY,
    COST_RISK,
    CRITERIA_WEIGHTS,
    FUNDING,
    LIMITS,
    MEASURES,
    OUTPUT,
    RANKING,
    REALIZATION,
    REALIZATION_BY_GROUP,
    REALIZATION_GROUPS,
    RISK_CHOICE,
    RUN_INFO,
    RUN_INFO_ITEMS,
    SCHEDULE,
    SETTING_NAMES,
    SETTINGS,
    SETTINGS_TABLE,
    SUMMARY,
    total_label,
)
from portfolio_opt.model.plan import Objective, Plan, Scoring, Settings, Table, normalize_header
from portfolio_opt.model.result import CostRisk, Result, Status
from portfolio_opt.model.version import __version__
from portfolio_opt.workbook import whatif
from portfolio_opt.workbook.style import (
    HEADER_FILL,
    HEADER_FONT,
    NO_FILL,
    NUMBER,
    PERCENT,
    PERCENT2,
    RATIO,
    WRAP,
    YES_FILL,
    Look,
    bar_chart,
    collector_paused,
    fill_cell,
    fill_column,
    first_sheet,
    fit_widths,
    font,
    freeze_below,
    money_format,
    percent_format,
    put,
    put_row,
    safe_title,
    save_atomic,
    set_format,
    stream,
    write_notes,
    write_table,
)

if TYPE_CHECKING:  # for the annotations: the lifecycle is loaded when a review writes its realization
    from datetime import date

    from portfolio_opt.core.lifecycle import Realization

SCORING_TEXT = (
    "Score = Probability × (Impact − Run cost) × D, where D = (e^(−δT/12) − e^(−δH/12)) / δ "
    "are the discounted years of benefit between the time to value T and the horizon H "
    "(months), δ = ln(1 + discount rate); D = (H − T)/12 when the rate is 0 and 0 when T ≥ H."
)
RANKING_TEXT = (
    "Ranking: selected initiatives first, then the rest; within each, by contribution to the "
    "objective (score, or score − cost for npv), highest first; ties in sheet order."
)

EXPLAIN_TEXT = (
    "Value lost if flipped: what the objective loses if the decision is reversed (forced out if "
    "selected, forced in if not), by re-solving. Break-even score / cost: the score above which, "
    "or the cost below which, an unselected initiative would be selected, all else equal; 'never' "
    "when no such value exists. Value of 1 more unit / 10% more: what one more unit of a limit's "
    "room (Max up, or Min down) would add, by re-solving; for money the unit is a round step of "
    "about 1% of the bound, and the cell says it (per 100,000)."
)


# --------------------------------------------------------------------------- results


def write_results(
    result: Result,
    path: str | os.PathLike,
    force: bool = False,
    extra: Callable[[Workbook], None] | None = None,
    run_id: str | None = None,
) -> None:
    """Write the results workbook: Summary, Ranking, the input sheets as used, Run info
    (``extra`` adds sheets after the Summary, e.g. robustness; ``run_id``, the run's id in the
    plan-of-record store, is a Run info item when given).

    The big sheets (the Ranking, the Schedule, the input copies) are streamed
    (:func:`~portfolio_opt.workbook.style.stream`): no spreadsheet cell object per cell."""
    plan = result.plan
    money = money_format(plan.settings.currency)
    with collector_paused():
        wb = Workbook()
        summary = first_sheet(wb)
        summary.title = OUTPUT.summary
        what_if = whatif.WhatIf.of(result) if whatif.applies(result) else None
        _summary_sheet(summary, result, money, what_if)
        if extra is not None:
            extra(wb)
        _ranking_sheet(stream(wb.create_sheet(OUTPUT.ranking)), result, money, what_if)
        if plan.settings.periods:
            _schedule_sheet(stream(wb.create_sheet(OUTPUT.schedule)), result)
            _capacity_sheet(wb.create_sheet(OUTPUT.capacity), result, money)
        if result.realization:
            realization_sheet(wb.create_sheet(OUTPUT.value_realization), result, money)
        for table in _input_tables(plan):
            _copy_table(stream(wb.create_sheet(safe_title(table.name))), table)
        _run_info_sheet(wb, result, run_id)
        wb.active = 0
        save_atomic(wb, path, force)


def write_whatif(wb: Workbook, result: Result, ws, row: int) -> int:
    """The what-if of ``result`` in another command's workbook (review's, of its new optimum): a
    note on how to use it on ``ws`` from ``row`` with the "Your edits" tables under it, the
    Ranking with its editable In plan, and the input sheets as used, so that compare and review
    read the edited workbook as a hand-made plan, as they read an optimize results workbook.
    Returns the last row written on ``ws``."""
    money = money_format(result.plan.settings.currency)
    if not whatif.applies(result):
        return write_notes(ws, row, [whatif.TOO_BIG_TEXT], title=whatif.TRY_TITLE, last_column=len(LIMITS))
    what_if = whatif.WhatIf.of(result)
    end = write_notes(ws, row, [whatif.how_text(what_if, ws.title)], title=whatif.TRY_TITLE, last_column=len(LIMITS))
    end = whatif.write_summary(ws, what_if, money, end + 2, limit_format)
    whatif.protect(ws)
    _ranking_sheet(stream(wb.create_sheet(OUTPUT.ranking)), result, money, what_if)
    for table in _input_tables(result.plan):
        _copy_table(stream(wb.create_sheet(safe_title(table.name))), table)
    return end


def _summary_sheet(ws, result: Result, money: str, what_if: whatif.WhatIf | None = None) -> None:
    """The Summary sheet: the headline figures, every limit's use, the risk and committee tables
    when they apply, the what-if of your edits (``what_if``), and notes on how to read it all."""
    rows = _headline_rows(result, money) + _soft_limit_rows(result, money)
    last = write_table(ws, MEASURES, [(a, b, d) for a, b, _, d in rows], autofilter=False)
    for r, (_, _, fmt, _) in enumerate(rows, start=2):
        if fmt:
            set_format(ws.cell(row=r, column=2), fmt)
    r = _limits_table(ws, result, money, last + 2) + 2
    if result.risk is not None:
        r = _risk_table(ws, result, money, r) + 2
    if result.cost_risk is not None:
        r = _cost_risk_table(ws, result.cost_risk, money, r) + 2
    if result.funding is not None:
        r = _funding_table(ws, result, money, r) + 2
    if result.plan.criteria is not None or result.plan.settings.scoring is not Scoring.EXPECTED_VALUE:
        r = _criteria_table(ws, result, r) + 2
    notes = [SCORING_TEXT, RANKING_TEXT, EXPLAIN_TEXT]
    if what_if is not None:
        notes.append(whatif.how_text(what_if))
    elif len(result.plan.initiatives) > whatif.WHATIF_MAX:
        notes.append(whatif.TOO_BIG_TEXT)
    ranged = ranges_note(result.plan)
    if ranged:
        notes.append(ranged)
    if result.explain_note:
        notes.append(result.explain_note)
    notes += [f"Warning: {w}" for w in result.warnings]
    fit_widths(ws, maximum=32)
    ws.column_dimensions["C"].width = min(ws.column_dimensions["C"].width or 24, 24)
    r = write_notes(ws, r, notes, last_column=len(LIMITS))
    if what_if is not None:  # after the widths are fitted: its rule texts wrap rather than widen the page
        whatif.write_summary(ws, what_if, money, r + 2, limit_format)
        whatif.protect(ws)


#: A Summary row: measure, value, number format (None: as written), what it means
_SummaryRow = tuple[str, Any, str | None, str]


def _headline_rows(result: Result, money: str) -> list[_SummaryRow]:
    """The Summary's first rows: how the solve ended, the objective, the totals, the budget."""
    s = result.plan.settings
    status = result.status.value
    if result.status is Status.FEASIBLE:
        status = "stopped at the time limit (feasible, not proven optimal)"
    budget = s.budget
    return [
        (SUMMARY.status, status, None, "optimal = proven within the requested gap"),
        (SUMMARY.gap, result.solver.gap, PERCENT2, "distance from the best possible portfolio (upper bound)"),
        (SUMMARY.objective, s.objective.value, None, "value = expected benefit; npv = benefit − cost"),
        (SUMMARY.objective_value, result.objective, money, "what the optimizer maximized"),
        (
            total_label(s.scoring),
            result.total_value,
            money if s.scoring.is_money else "#,##0.000",
            _total_meaning(s.scoring),
        ),
        (SUMMARY.total_cost, result.total_cost, money, ""),
        (SUMMARY.budget, budget, money, "none set" if budget is None else f"from {s.budget_source}"),
        (
            SUMMARY.budget_used,
            (result.total_cost / budget) if budget else None,
            PERCENT,
            "",
        ),
        (SUMMARY.budget_left, (budget - result.total_cost) if budget is not None else None, money, ""),
        (SUMMARY.selected, len(result.selected), "0", f"of {len(result.initiatives)}"),
    ]


def _total_meaning(scoring: Scoring) -> str:
    """What the total of the selected scores is, as the plan's scoring makes it."""
    if scoring is Scoring.EXPECTED_VALUE:
        return "sum of the selected scores"
    if scoring is Scoring.BLEND:
        return "sum of the selected scores: expected value tilted by the criteria (Settings: Scoring blend)"
    return f"sum of the selected {scoring} scores (Settings: Scoring), not money"


def _soft_limit_rows(result: Result, money: str) -> list[_SummaryRow]:
    """The objective value lost to soft limits, and how far each runs past its bound and what
    that costs (none without soft limits).

    The limit table below keeps its nine columns, one page wide; its Slack is negative by the
    same overshoot.
    """
    soft = [u for u in result.limits if u.limit.soft]
    if not soft:
        return []
    rows: list[_SummaryRow] = [
        (
            SUMMARY.penalty_cost,
            math.fsum(u.penalty_cost for u in soft),
            money,
            "objective value lost to soft limits run past their bound",
        )
    ]
    for u in soft:
        side = "max" if u.limit.max is not None else "min"
        rows.append(
            (
                f"Overshoot: {u.limit.name}",
                u.overshoot,
                limit_format(u.limit, money),
                f"tolerance {num(u.limit.allowance(side))}; penalty {num(u.limit.penalty)} per unit; "
                f"costs {u.penalty_cost:,.0f}",
            )
        )
    return rows


#: What a limit's figure says when re-solving for it ran out of time
_UNSETTLED = "not settled in the time allowed"


def _limits_table(ws, result: Result, money: str, r: int) -> int:
    """Every limit from row ``r``: bounds, use, slack, whether it binds and what more room would
    add; returns the last row written.

    The limit's name says its column and scope ("Count (Theme=Risk)"); the Constraints sheet and
    JSON hold them apart. Nine columns keep the sheet on one page wide.
    """
    rows = [
        (
            use.limit.name,
            use.limit.min,
            use.limit.max,
            use.used,
            use.slack,
            "Yes" if use.binding else "No",
            _UNSETTLED if "value_one_more" in use.unsettled else use.value_one_more,
            _UNSETTLED if "value_ten_percent" in use.unsettled else use.value_ten_percent,
            use.limit.source,
        )
        for use in result.limits
    ]
    end = write_table(ws, LIMITS, rows, start_row=r, freeze=False, autofilter=bool(rows))
    for k, use in enumerate(result.limits):
        fmt = limit_format(use.limit, money)
        for c in (2, 3, 4, 5):
            set_format(ws.cell(row=r + 1 + k, column=c), fmt)
        # money's "1 more unit" is a step of about 1% of the bound: the cell says per how much
        per = money if use.step == 1 else f'{money}" per {use.step:,.0f}"'
        set_format(ws.cell(row=r + 1 + k, column=7), per)
        set_format(ws.cell(row=r + 1 + k, column=8), money)
    if not rows:
        put(ws, r + 1, 1, "No limits: set a Budget in Settings or rows in Constraints")
        end = r + 1
    return end


def _risk_table(ws, result: Result, money: str, r: int) -> int:
    """The risk-aware portfolio beside the expected-value optimum, both judged on fresh worlds."""
    risk = result.risk
    assert risk is not None, "the risk table is of a risk-aware result"
    s = result.plan.settings
    rows: list[tuple[Any, ...]] = []
    formats = []
    for key, label in (
        ("mean", "Mean value"),
        ("p10", "P10 (1 world in 10 is worse)"),
        ("cvar", f"CVaR {risk.level:.0%} (mean of the worst {risk.level:.0%})"),
        ("prob_target", f"P(value ≥ {s.value_target:,.0f})" if s.value_target is not None else ""),
    ):
        a, b = risk.chosen.get(key), risk.expected.get(key)
        if a is None or b is None:
            continue
        rows.append((label, a, b, a - b))
        formats.append(PERCENT if key == "prob_target" else money)
    rows.append(("Entered (risk-aware only)", ", ".join(risk.entered) or "none", None, None))
    rows.append(("Left (expected-value only)", ", ".join(risk.left) or "none", None, None))
    header = RISK_CHOICE._replace(judged=RISK_CHOICE.judged.format(samples=risk.samples))
    end = write_table(ws, header, rows, start_row=r, freeze=False, autofilter=False)
    for k, fmt in enumerate(formats):
        for c in (2, 3, 4):
            set_format(ws.cell(row=r + 1 + k, column=c), fmt)
    note = (
        f"Risk objective cvar, weight {risk.weight:g}: the portfolio maximizes (1 − {risk.weight:g}) × expected "
        f"value + {risk.weight:g} × CVaR {risk.level:.0%} over {s.risk_samples:,} simulated worlds (seed {s.seed}), "
        "every limit and rule in force. Both portfolios are judged here on other worlds than the ones it was "
        "chosen on, so the comparison is not flattered by them."
    )
    return write_notes(ws, end + 1, [note], title="How the risk-aware portfolio was chosen", last_column=9)


def _cost_risk_table(ws, risk: CostRisk, money: str, r: int) -> int:
    """The portfolio's cost on fresh worlds: the confidence the budget holds with, and the reserve
    it needs at 50, 80 and 90% confidence (negative: room to spare)."""
    c = COST_RISK
    rows: list[tuple[Any, ...]] = []
    formats = []
    if risk.target is not None:
        rows.append((c.target, risk.target, "the share of the chosen-on worlds within the budget, at least"))
        formats.append(PERCENT)
    rows.append((c.within, risk.within, f"± {risk.se:.1%} (one standard error)"))
    formats.append(PERCENT)
    rows.append((c.overrun, risk.overrun_max, "every selected Cost at its Cost high"))
    formats.append(PERCENT)
    for q in (50, 80, 90):
        rows.append((c.contingency.format(q=q), risk.contingency[f"p{q}"], f"the cost's P{q} less the budget"))
        formats.append(money)
    header = (c.title.format(samples=risk.samples), c.figure, c.note)
    end = write_table(ws, header, rows, start_row=r, freeze=False, autofilter=False)
    for k, fmt in enumerate(formats):
        set_format(ws.cell(row=r + 1 + k, column=2), fmt)
    return end


def _funding_table(ws, result: Result, money: str, r: int) -> int:
    """The funding order's worlds, smallest budget first: what each funds (the first of the
    order), its value there, its own optimum and the difference; then the expected value."""
    f = result.funding
    assert f is not None, "the funding table is of a result with a funding order"
    rows = [
        (w.world.name, w.world.probability, w.world.budget, len(w.funded), w.value, w.alone, w.price) for w in f.worlds
    ]
    end = write_table(ws, FUNDING, rows, start_row=r, freeze=False, autofilter=False)
    for k in range(len(rows)):
        set_format(ws.cell(row=r + 1 + k, column=2), PERCENT)
        for col in (3, 5, 6, 7):
            set_format(ws.cell(row=r + 1 + k, column=col), money)
    note = (
        f"Funding order: one ranking for a budget not yet known. Each world funds the first initiatives "
        f"of the order that its budget allows (a larger budget never drops what a smaller one funds); the "
        f"order maximizes the expected value over the worlds, {f.expected_value:,.0f}, which is "
        f"{f.price:,.0f} below every world funding its own optimum (the price of one order). The Ranking's "
        f"'{RANKING.order}' and '{RANKING.funded_from}' columns give each initiative's place and line."
    )
    return write_notes(ws, end + 1, [note], title="How the funding order was chosen", last_column=9)


def realization_sheet(ws, result: Result, money: str) -> None:
    """Value realized against what the plan forecast by the review date: per initiative, then
    by outcome metric, owner and theme, with a chart of forecast against actual by metric."""
    _realization_table(ws, result.realization, money, result.plan.settings.review_date)
    wb = ws.parent
    groups = wb.create_sheet(OUTPUT.realization_by_group, wb.sheetnames.index(ws.title) + 1)
    _realization_by_group(groups, result.realization, money)


def _realization_table(ws, rows: Sequence[Realization], money: str, review_date: date | None) -> None:
    """Each initiative's forecast and actual value to date, its realization rate and flag, and
    a note on how the forecast is counted."""
    last = write_table(
        ws,
        REALIZATION,
        [
            (
                r.id,
                r.name,
                r.status,
                r.outcome_metric,
                r.owner,
                r.theme,
                r.forecast_to_date,
                r.actual_to_date,
                r.rate,
                r.flag,
            )
            for r in rows
        ],
        (None, None, None, None, None, None, money, money, PERCENT, None),
    )
    for k, r in enumerate(rows, start=2):
        if r.flag:
            ws.cell(row=k, column=10).font = font(bold=True, color="9C0006")
    fit_widths(ws, maximum=34)
    write_notes(
        ws,
        last + 2,
        [
            f"Forecast to date: Impact × months from its value start (Live since, else Started + Time to value) to "
            f"the review date{f' ({review_date.isoformat()})' if review_date else ''} / 12, undiscounted and not "
            "weighted by probability: what it promised. Realization rate = actual / forecast. Flags: below 50% of "
            "forecast, or no value yet past its time to value. Sums by outcome metric, owner and theme: the next sheet."
        ],
        last_column=len(REALIZATION),
    )


def _realization_by_group(ws, rows: Sequence[Realization], money: str) -> None:
    """Realization summed by outcome metric, owner and theme, a table each one under the other,
    and the outcome metrics charted below them."""
    from portfolio_opt.core.lifecycle import rollup

    r0 = 1
    spans = []  # each table's header row and last row
    for key, title in zip(("outcome_metric", "owner", "theme"), REALIZATION_GROUPS):
        end = write_table(
            ws,
            (title, *REALIZATION_BY_GROUP),
            rollup(rows, key),
            (None, "0", money, money, PERCENT),
            start_row=r0,
            freeze=False,
            autofilter=False,
        )
        spans.append((r0, end))
        r0 = end + 2
    fit_widths(ws, maximum=40)
    top, end = spans[0]  # the outcome metrics'
    if end > top:
        _realization_chart(ws, top, end, r0)


def _realization_chart(ws, top: int, end: int, below: int) -> None:
    """Forecast against actual by outcome metric, read from the table in rows ``top`` (its
    header) to ``end``, on a page of its own from row ``below``."""
    from openpyxl.chart import Reference
    from openpyxl.worksheet.pagebreak import Break

    chart = bar_chart("bar")  # bars across: the metrics' names read level at the left
    chart.title = "Forecast against actual value to date, by outcome metric"
    chart.height, chart.width = max(7.0, 1.2 * (end - top) + 3), 16
    chart.x_axis.scaling.orientation = "maxMin"  # in the table's order, top down
    ws.row_breaks.append(Break(id=below))  # the chart on a page of its own: never cut in two
    chart.add_data(Reference(ws, min_col=3, max_col=4, min_row=top, max_row=end), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=end))
    for axis in (chart.x_axis, chart.y_axis):
        axis.delete = False
    ws.add_chart(chart, f"A{below + 2}")


def _criteria_table(ws, result: Result, r: int) -> int:
    """The committee's criteria and weights (and where the weights came from), and what the
    scoring changed against the expected-value portfolio."""
    s = result.plan.settings
    crit = result.plan.criteria
    notes = []
    if crit is not None:
        rows = [
            (
                c.column,
                c.weight,
                f"{c.scale[0]:g}-{c.scale[1]:g}" if c.scale else "the column's range",
                "higher" if c.higher else "lower",
            )
            for c in crit.criteria
        ]
        end = write_table(
            ws,
            CRITERIA_WEIGHTS,
            rows,
            start_row=r,
            freeze=False,
            autofilter=False,
        )
        for k in range(len(rows)):
            set_format(ws.cell(row=r + 1 + k, column=2), "0.0%")
        source = (
            (
                "from the Pairwise judgments (principal eigenvector"
                + (
                    f"; consistency ratio {crit.consistency_ratio:.3f}"
                    f"{', above 0.10: see the warning' if crit.consistency_ratio > 0.10 else ''})"
                    if crit.consistency_ratio is not None
                    else ")"
                )
            )
            if crit.source == "pairwise"
            else "as given in the Criteria sheet, normalized to add up to 100%"
        )
        notes.append(f"Weights {source}.")
        r = end
    scoring_words = {
        Scoring.EXPECTED_VALUE: "expected value (the criteria are shown, not scored)",
        Scoring.WEIGHTED: "the criteria score alone",
        Scoring.BLEND: f"expected value × (1 + {s.criteria_weight:g} × (criteria score − 0.5))",
        Scoring.WSJF: "WSJF: (Business value + Time criticality + Risk reduction) / Job size",
        Scoring.RICE: "RICE: Reach × Impact × Confidence / Effort",
    }
    notes.append(f"Scoring: {scoring_words[s.scoring]}.")
    if result.scoring_change:
        change = result.scoring_change
        notes.append(
            "Against the portfolio of highest expected value, this scoring brings in "
            f"{', '.join(change['entered']) or 'nothing'} and leaves out {', '.join(change['left']) or 'nothing'}."
        )
    return write_notes(ws, r + 1, notes, title="Committee scoring", last_column=9)


def _ranking_sheet(ws, result: Result, money: str, what_if: whatif.WhatIf | None = None) -> None:
    """The Ranking sheet: every initiative in rank order, selected ones filled green, with the
    columns its plan calls for (and, with ``what_if``, the editable In plan and the hidden
    columns its formulas read)."""
    columns = _RankingColumns.of(result, what_if)
    header, formats = columns.header(money)
    write_table(ws, header, [columns.cells(r, row) for row, r in enumerate(result.initiatives, start=2)], formats)
    fill_column(ws, 5, 2, [YES_FILL if r.selected else NO_FILL for r in result.initiatives])
    fit_widths(ws, maximum=36)
    if what_if is not None:
        whatif.finish_ranking(ws, what_if, header, len(result.initiatives))


@dataclass(frozen=True)
class _RankingColumns:
    """The Ranking's columns for one result: the fixed ones, and those its plan calls for."""

    plan: Plan
    robustness: Mapping[str, tuple[float, str]] | None  #: ID -> share of robustness's versions selecting it, class
    review: bool  #: a quarterly review: continue, stop, keep, retire, start
    npv: bool  #: the objective npv: score minus cost
    timed: bool  #: a multi-period plan: when each starts, finishes and starts paying
    labels: list[str]  #: the periods' labels, when timed
    criteria: list[str]  #: each criterion's weighted, normalized share of the criteria score
    formula: bool  #: a formula scoring (wsjf, rice) without criteria to show: its score alone
    explained: bool  #: regret, break-even and flip columns (never for a multi-period plan: it is not explained)
    funding: Mapping[str, tuple[int, float | None]] | None  #: ID -> place in the funding order, line budget
    what_if: whatif.WhatIf | None = None  #: the editable In plan (and start) and the hidden what-if columns
    starts: Sequence[int] = ()  #: with ``what_if``: each initiative's start as ``Your start`` shows it

    @classmethod
    def of(cls, result: Result, what_if: whatif.WhatIf | None = None) -> _RankingColumns:
        """The columns ``result``'s Ranking has."""
        plan = result.plan
        scoring = plan.settings.scoring
        timed = bool(plan.settings.periods)
        crit = plan.criteria
        criteria = [c.column for c in crit.criteria] if crit is not None and scoring.uses_criteria else []
        return cls(
            plan=plan,
            robustness=result.robustness,
            review=any(ini.status is not None for ini in plan.initiatives),
            npv=plan.settings.objective is Objective.NPV,
            timed=timed,
            labels=plan.settings.period_labels() if timed else [],
            criteria=criteria,
            formula=not criteria and scoring.is_formula,
            explained=any(r.explained for r in result.initiatives) or not timed,
            funding=_funding_places(result),
            what_if=what_if,
            starts=what_if.starts() if what_if is not None else (),
        )

    def header(self, money: str) -> tuple[list[str], list[str | None]]:
        """The column headers, and each column's number format."""
        c = RANKING
        header = [c.rank, c.id, c.name, c.theme, c.selected, c.score, c.cost, c.value_per_cost]
        formats: list[str | None] = ["0", None, None, None, None, money, money, RATIO]
        if self.review:
            header.insert(5, c.decision)
            formats.insert(5, None)
        if self.npv:
            header.append(c.score_minus_cost)
            formats.append(money)
        if self.timed:
            header += [c.start, c.finish, c.value_from, c.delay_loss]
            formats += [None, None, None, money]
        for column in self.criteria:
            header.append(c.weighted.format(column=column))
            formats.append("0.000")
        if self.criteria:
            header.append(c.criteria_score)
            formats.append("0.000")
        elif self.formula:
            header.append(self.plan.settings.scoring.upper())
            formats.append("#,##0.00")
        header.append(c.reason)
        formats.append(None)
        if self.funding is not None:
            header += [c.order, c.funded_from]
            formats += ["0", money]
        if self.robustness is not None:
            header += [c.selected_in_versions, c.robustness]
            formats += [PERCENT, None]
        if self.explained:
            header += [c.regret, c.break_even_score, c.break_even_cost, c.if_flipped]
            formats += [money, money, money, None]
        if self.what_if is not None:
            edit, edit_formats = whatif.ranking_columns(self.what_if)
            header[5:5], formats[5:5] = edit, edit_formats  # right after Selected
            hidden = whatif.helper_headers(self.what_if)
            header += hidden
            formats += [None] * len(hidden)
        return header, formats

    def cells(self, r, row: int = 0) -> list[Any]:
        """One initiative's row, ``r`` its result, in the order of :meth:`header` (``row``: the
        sheet row it is written on, which the what-if's own formulas name)."""
        cells: list[Any] = [
            r.rank,
            r.id,
            r.name,
            r.theme,
            "Yes" if r.selected else "No",
            r.score,
            r.cost,
            r.value_per_cost,
        ]
        if self.review:
            cells.insert(5, r.decision)
        if self.npv:
            cells.append(r.objective_value)
        if self.timed:
            cells += [r.start, r.finish, _value_from(self.plan, r, self.labels), r.delay_loss]
        if self.criteria:
            parts = self.plan.initiatives[self.plan.index(r.id)].criteria_parts
            cells += [parts.get(column) for column in self.criteria] + [r.criteria_score]
        elif self.formula:
            cells.append(r.criteria_score)
        cells.append(r.reason)
        if self.funding is not None:
            cells += list(self.funding.get(r.id, (None, None)))
        if self.robustness is not None:
            cells += list(self.robustness.get(r.id, (None, None)))
        if self.explained:
            cells += _explanation_cells(r)
        if self.what_if is not None:
            cells[5:5] = whatif.ranking_cells(self.what_if, r, self.starts)
            cells += whatif.helper_cells(self.what_if, r, row, start_col=7)
        return cells


def _funding_places(result: Result) -> dict[str, tuple[int, float | None]] | None:
    """ID -> (its place in the funding order, the smallest budget that funds it), with a Budgets sheet."""
    f = result.funding
    if f is None:
        return None
    line = f.funded_from
    return {i: (k, line.get(i)) for k, i in enumerate(f.order, start=1)}


def _value_from(plan: Plan, r, labels: list[str]) -> str | None:
    """The period its value begins in (time to value, but never before the build is done)."""
    if r.start is None:
        return None
    from portfolio_opt.core.schedule import value_start

    ini = plan.initiatives[plan.index(r.id)]
    months = value_start(ini, plan.settings, labels.index(r.start))
    k = int(months // plan.settings.period_length)
    if months >= plan.settings.horizon_months:
        return "after the horizon"
    return labels[k] if k < len(labels) else f"month {months:g}"


BUILD_FILL = PatternFill("solid", fgColor="F4B183")
LIVE_FILL = PatternFill("solid", fgColor="A9D08E")


def _schedule_sheet(ws, result: Result) -> None:
    """A Gantt chart a person reads at a glance: build periods in orange, live in green."""
    from portfolio_opt.core.schedule import build_periods, value_start

    plan = result.plan
    labels = plan.settings.period_labels()
    header = list(SCHEDULE) + labels
    rows: list[list[Any]] = []
    spans: list[list[str | None]] = []
    for r in result.initiatives:
        if not r.selected:
            continue
        ini = plan.initiatives[plan.index(r.id)]
        t = result.starts[r.id]
        d = build_periods(ini, plan.settings)
        live_from = int(value_start(ini, plan.settings, t) // plan.settings.period_length)
        cells: list[str | None] = []
        for p in range(len(labels)):
            if t <= p < t + d:
                cells.append("build")
            elif p >= max(t + d, live_from):
                cells.append("live")
            else:
                cells.append(None)
        rows.append([r.id, r.name, r.theme, r.start, r.finish] + cells)
        spans.append(cells)
    rows_sorted = sorted(zip(rows, spans), key=lambda x: (labels.index(x[0][3]), x[0][0]))
    write_table(ws, header, [r for r, _ in rows_sorted])
    for k, (_, cells) in enumerate(rows_sorted, start=2):
        for p, value in enumerate(cells):
            if value == "build":
                fill_cell(ws, k, 6 + p, BUILD_FILL)
            elif value == "live":
                fill_cell(ws, k, 6 + p, LIVE_FILL)
    fit_widths(ws, maximum=40)
    for p in range(len(labels)):
        ws.column_dimensions[get_column_letter(6 + p)].width = 10


def limit_format(limit, money: str) -> str:
    """How a limit's bounds and use are shown, as its kind says: a share as a percentage, money
    as money, anything else as a number."""
    unit = unit_of(limit)
    return PERCENT if unit is Unit.SHARE else money if unit is Unit.MONEY else NUMBER


def _capacity_sheet(ws, result: Result, money: str) -> None:
    """Each per-period limit by period: limit, use, surplus (negative: deficit), and a chart."""
    from openpyxl.chart import LineChart, Reference

    labels = result.plan.settings.period_labels()
    groups: dict[str, dict[int, Any]] = {}
    for limit_use in result.limits:
        lim = limit_use.limit
        if lim.period is None:
            continue
        groups.setdefault(lim.family, {})[lim.period] = limit_use
    rows = []
    for by_period in groups.values():
        for p, label in enumerate(labels):
            use = by_period.get(p)
            if use is None:
                continue
            lim = use.limit  # its own name, as the Summary, JSON and terminal give it; the period beside it
            bound = lim.max if lim.max is not None else lim.min
            rows.append((lim.name, lim.period_label or label, lim.min, lim.max, use.used, use.slack, bound))
    last = write_table(ws, CAPACITY, rows)
    k = 2
    for by_period in groups.values():
        for use in by_period.values():
            fmt = limit_format(use.limit, money)
            for c in range(3, 8):
                set_format(ws.cell(row=k, column=c), fmt)
            k += 1
    fit_widths(ws, maximum=40)
    r0 = 2
    anchor_row = 2
    for name, by_period in groups.items():
        n = len(by_period)
        if n == 0:
            continue
        chart = LineChart()
        chart.title = f"{name}: use against limit"
        chart.height, chart.width = 7, 14
        chart.add_data(Reference(ws, min_col=5, min_row=r0, max_row=r0 + n - 1), titles_from_data=False)
        chart.add_data(Reference(ws, min_col=7, min_row=r0, max_row=r0 + n - 1), titles_from_data=False)
        chart.set_categories(Reference(ws, min_col=2, min_row=r0, max_row=r0 + n - 1))
        from openpyxl.chart.series import SeriesLabel

        chart.series[0].tx = SeriesLabel(v="Used")
        chart.series[1].tx = SeriesLabel(v="Limit")
        for series in chart.series:
            series.smooth = False
        for axis in (chart.x_axis, chart.y_axis):
            axis.delete = False
        ws.add_chart(chart, f"I{anchor_row}")
        anchor_row += 15
        r0 += n
    if last < 2:
        put(ws, 2, 1, "No per-period limits: add a Period to rows of the Constraints sheet")


def _explanation_cells(r) -> list[Any]:
    """Regret, break-even score and cost, and what a flip changes, as a person reads them."""
    if not r.explained:
        return [None, None, None, "not explained (see Summary)"]
    if r.unsettled:
        late = "not settled in the time allowed"
        cells = [r.regret, r.break_even_score, r.break_even_cost]
        cells = [
            late if name in r.unsettled else (None if r.selected and k else v)
            for k, (name, v) in enumerate(zip(("regret", "break_even_score", "break_even_cost"), cells))
        ]
        return cells + [f"{late} (raise --explain-time)"]
    if r.flip_note:
        never = None if r.selected else "never"
        return ["n/a", never, never, f"cannot flip: {r.flip_note}"]
    changes = []
    if r.flip_enters:
        changes.append("in: " + ", ".join(r.flip_enters))
    if r.flip_leaves:
        changes.append("out: " + ", ".join(r.flip_leaves))
    if r.selected:
        return [r.regret, None, None, "; ".join(changes) or "nothing else changes"]
    be_cost = r.break_even_cost if r.break_even_cost is not None else "never"
    return [r.regret, r.break_even_score, be_cost, "; ".join(changes) or "nothing else changes"]


def _input_tables(plan: Plan) -> list[Table]:
    """The input sheets, with the Settings sheet showing the settings as used and the
    Initiatives sheet the decisions as used (a what-if's force in or out)."""
    tables = [_decisions_as_used(t, plan) if t.name.strip().casefold() == "initiatives" else t for t in plan.tables]
    names = [t.name.strip().casefold() for t in tables]
    wanted = SETTINGS.casefold()
    settings = settings_table(plan.settings, next((t for t in tables if t.name.strip().casefold() == wanted), None))
    if wanted in names:
        tables[names.index(wanted)] = settings
    elif len(settings.rows) > 1:
        tables.append(settings)
    return tables


def _decisions_as_used(table: Table, plan: Plan) -> Table:
    """The Initiatives sheet with each Decision cell saying the decision the plan used, where a
    change (a scenario's, a what-if's) made it differ from the cell as read."""
    rows = [list(r) for r in table.rows]
    header = next((r for r in rows[:10] if any(v is not None for v in r)), [])
    wanted = [k for k, v in enumerate(header) if isinstance(v, str) and v.strip().casefold() == "decision"]
    if not wanted:
        return table
    k, changed = wanted[0], False
    for ini in plan.initiatives:
        r = ini.row - 1
        if not 0 < r < len(rows) or k >= len(rows[r]):
            continue
        from portfolio_opt.workbook.validate.initiatives import DECISIONS

        if DECISIONS.get(str(rows[r][k] or "").strip().casefold()) is not ini.decision:
            rows[r][k], changed = ini.decision.value or None, True
    return replace(table, rows=tuple(tuple(r) for r in rows)) if changed else table


#: Settings rows as written, (label, attribute), one per setting, from the reader's table
SETTINGS_ROWS = tuple({attr: (label, attr) for attr, label in SETTING_NAMES.values()}.values())


def _setting_cell(settings: Settings, attr: str) -> Any:
    value = getattr(settings, attr)
    if isinstance(value, Objective):
        return value.value
    if attr == "timed_dependencies":
        return "timed" if value else "together"
    if value == "":
        return None
    return value


def setting_format(settings: Settings, attr: str) -> str:
    """How a setting's value is shown: the budget as money, rates as percentages."""
    if attr in ("budget", "value_target", "run_budget"):
        return money_format(settings.currency)
    if attr == "review_date":
        return "yyyy-mm-dd"
    if attr in ("discount_rate", "gap", "risk_level"):
        return percent_format(getattr(settings, attr))
    if attr in ("horizon_months", "time_limit", "periods", "period_length"):
        return NUMBER
    if attr in ("risk_samples", "seed"):
        return "#,##0"
    if attr in ("risk_weight", "risk_correlation"):
        return "0.00"
    return "General"


def settings_table(settings: Settings, original: Table | None) -> Table:
    """A Settings sheet holding ``settings``: the original rows with values as used, plus
    a row for every setting that differs from its default and has no row yet."""
    default = Settings()
    if original is None or not original.rows:
        rows: list[tuple[Any, ...]] = [(SETTINGS_TABLE.setting, SETTINGS_TABLE.value)]
        formats: list[tuple[str, ...]] = [("General", "General")]
        for label, attr in SETTINGS_ROWS:
            if getattr(settings, attr) != getattr(default, attr):
                rows.append((label, _setting_cell(settings, attr)))
                formats.append(("General", setting_format(settings, attr)))
        return Table(SETTINGS, tuple(rows), tuple(formats))
    header_idx = 0
    for r, row in enumerate(original.rows[:10]):
        if any(normalize_header(v) == "setting" for v in row if v is not None):
            header_idx = r
            break
    header = [normalize_header(v) for v in original.rows[header_idx]]
    sc = header.index("setting") if "setting" in header else 0
    vc = header.index("value") if "value" in header else 1
    grid: list[list[Any]] = [list(row) for row in original.rows]
    grid_formats: list[list[str]] = [list(f) for f in original.number_formats]
    grid_formats += [[] for _ in range(len(grid) - len(original.number_formats))]
    present = set()
    for line, fmts in zip(grid[header_idx + 1 :], grid_formats[header_idx + 1 :]):
        while len(line) <= max(sc, vc):
            line.append(None)
        while len(fmts) < len(line):
            fmts.append("General")
        named = SETTING_NAMES.get(normalize_header(line[sc]), (None,))[0] if line[sc] is not None else None
        if named:
            present.add(named)
            line[vc] = _setting_cell(settings, named)
            fmts[vc] = setting_format(settings, named)
    width = max(len(r) for r in grid)
    for label, attr in SETTINGS_ROWS:
        if attr not in present and getattr(settings, attr) != getattr(default, attr):
            new: list[Any] = [None] * width
            new[sc], new[vc] = label, _setting_cell(settings, attr)
            grid.append(new)
            fmt = ["General"] * width
            fmt[vc] = setting_format(settings, attr)
            grid_formats.append(fmt)
    padded = tuple(tuple(r) + (None,) * (width - len(r)) for r in grid)
    return Table(original.name, padded, tuple(tuple(f) for f in grid_formats))


#: An input sheet's header row as copied: bold on the header fill
_COPY_HEADER = Look(HEADER_FONT, HEADER_FILL)


def _copy_table(ws, table: Table) -> None:
    """An input sheet copied as read: its values, a number written in its own format, the
    header row bold; an empty, unformatted cell is not written (it would not be anyway)."""
    if not table.rows:
        return
    header_idx = 0
    for r, row in enumerate(table.rows[:10]):
        if any(v is not None for v in row):
            header_idx = r
            break
    formats = table.number_formats
    for r, row in enumerate(table.rows, start=1):
        row_formats = formats[r - 1] if r - 1 < len(formats) else ()
        header = r == header_idx + 1
        shown = [f if f and f != "General" and not isinstance(v, str) else None for v, f in zip(row, row_formats)]
        put_row(ws, r, row, shown, _COPY_HEADER if header else None, skip_empty=not header)
    width = max(len(row) for row in table.rows)
    if width:
        freeze_below(ws, header_idx + 2)
        ws.auto_filter.ref = f"A{header_idx + 1}:{get_column_letter(width)}{len(table.rows)}"
    fit_widths(ws)


def run_info_rows(plan: Plan, run_id: str | None = None) -> list[tuple[str, Any]]:
    """What every output's Run info starts with: the tool, the input file, the run's id in the
    plan-of-record store (when it was recorded), the settings used."""
    s = plan.settings
    i = RUN_INFO_ITEMS
    return [
        (i.tool, "portfolio_opt"),
        (i.tool_version, __version__),
        (i.input_file, plan.source_name),
        (i.input_sha256, plan.source_sha256),
        *([(i.run_id, run_id)] if run_id else []),
        (i.objective, s.objective.value),
        (i.horizon, s.horizon_months),
        (i.discount_rate, s.discount_rate),
        (i.budget, s.budget),
        (i.budget_from, s.budget_source if s.budget is not None else "none set"),
        (i.solver, s.solver),
        (i.requested_gap, s.gap),
        (i.time_limit, s.time_limit),
    ]


#: How each Run info item is shown, whichever command wrote it
_RUN_INFO_FORMATS = {
    RUN_INFO_ITEMS.horizon: NUMBER,
    RUN_INFO_ITEMS.time_limit: NUMBER,
    "Solve time (s)": "0.000",
    "Seconds": "0.000",
    "Initiatives": "#,##0",
    "Limits": "#,##0",
    "Points": "#,##0",
    "Solves": "#,##0",
    "Scenarios": "#,##0",
    "D at T=0 (years)": "0.0000",
    "Worlds": "#,##0",
    "Seed": "0",
    "Risk weight": "0.00",
    "Asked": "0",
    "Found": "0",
    "Within": "0.00%",
    "Min difference": "0",
    "Versions": "#,##0",
    "Spread": "0%",
    "Risk level": "0%",
    "Risk correlation": "0.00",
}


def write_run_info(wb: Workbook, plan: Plan, rows: list[tuple[str, Any]]) -> None:
    """The ``Run info`` sheet of every output: items and values, each value in its own format."""
    ws = wb.create_sheet(OUTPUT.run_info)
    write_table(ws, RUN_INFO, rows, autofilter=False)
    money = money_format(plan.settings.currency)
    for r, (key, value) in enumerate(rows, start=2):
        cell = ws.cell(row=r, column=2)
        if key in (RUN_INFO_ITEMS.discount_rate, RUN_INFO_ITEMS.requested_gap, "Gap"):
            set_format(cell, percent_format(value) if value else PERCENT2)
        elif key in (RUN_INFO_ITEMS.budget, "Best bound"):
            set_format(cell, money)
        elif key in _RUN_INFO_FORMATS:
            set_format(cell, _RUN_INFO_FORMATS[key])
        if isinstance(value, str) and len(value) > 60:
            cell.alignment = WRAP
    fit_widths(ws, maximum=70)
    ws.column_dimensions["B"].width = 70


def _run_info_sheet(wb: Workbook, result: Result, run_id: str | None = None) -> None:
    plan = result.plan
    s = plan.settings
    info = result.solver
    rows = run_info_rows(plan, run_id)
    i = RUN_INFO_ITEMS
    rows[rows.index((i.solver, s.solver))] = (i.solver, info.name)
    rows[rows.index((i.requested_gap, s.gap))] = (i.requested_gap, info.requested_gap)
    rows[rows.index((i.time_limit, s.time_limit))] = (i.time_limit, info.time_limit)
    rows += [
        ("Solver version", info.version),
        ("Status", result.status.value),
        ("Gap", info.gap),
        ("Best bound", info.bound),
        ("Solve time (s)", round(info.seconds, 3)),
        (
            "Settled by the LP bound",
            f"{info.fixed:,} of {info.columns:,} decisions before the search"
            if info.fixed
            else "none (the whole program was searched)",
        ),
        ("Initiatives", len(plan.initiatives)),
        ("Limits", len(result.limits)),
        ("Scoring", SCORING_TEXT),
        ("D at T=0 (years)", discounted_years(0, s.horizon_months, s.discount_rate)),
    ]
    if result.risk is not None or any(ini.ranged for ini in plan.initiatives):
        rows += [
            ("Risk objective", s.risk_objective),
            ("Risk weight", s.risk_weight),
            ("Risk level", s.risk_level),
            ("Worlds", s.risk_samples),
            ("Seed", s.seed),
            ("Distribution", s.distribution),
            ("Risk correlation", s.risk_correlation),
        ]
    write_run_info(wb, plan, rows)
