"""Workbooks for frontiers, scenarios and comparisons, with native Excel charts.

Charts reference the cells of the sheet they sit on, so they stay live when a person edits
the numbers in Excel or LibreOffice.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.chart.shapes import GraphicalProperties
from openpyxl.worksheet.pagebreak import Break

from portfolio_opt.analyses.compare import Comparison, matrix
from portfolio_opt.analyses.frontier import Frontier
from portfolio_opt.analyses.scenarios import ScenarioRun
from portfolio_opt.model.figures import short_amount
from portfolio_opt.model.layout import (
    COMPARISON,
    COST_RISK,
    ESTIMATE_CHANGES,
    FRONTIER,
    MATRIX,
    MEASURES,
    OUTPUT,
    PLAN_MATRIX,
    REVIEW_ATTRIBUTION,
    REVIEW_MOVES,
    RISK_BY_INITIATIVE,
    RISK_BY_THEME,
    RISK_CURVE,
    RISK_FIGURES,
    RISK_HISTOGRAM,
    ROBUSTNESS,
    SCENARIO_CHANGES,
    SIDE_BY_SIDE,
)
from portfolio_opt.model.plan import Objective
from portfolio_opt.workbook import whatif
from portfolio_opt.workbook.results import limit_format, run_info_rows, write_run_info
from portfolio_opt.workbook.style import (
    NO_FILL,
    NUMBER,
    PERCENT,
    PERCENT2,
    RATIO,
    YES_FILL,
    bar_chart,
    first_sheet,
    fit_widths,
    font,
    money_format,
    save_atomic,
    set_format,
    write_notes,
    write_table,
)


def _run_info(wb: Workbook, plan, extra: list[tuple[str, Any]], run_id: str | None = None) -> None:
    write_run_info(wb, plan, run_info_rows(plan, run_id) + extra)


def _axes_visible(chart) -> None:
    # openpyxl marks axes deleted by default in some versions; Excel then hides them.
    for axis in (chart.x_axis, chart.y_axis):
        try:
            axis.delete = False
        except AttributeError:
            pass


#: A row of a side-by-side sheet: the measure, its value for each portfolio, its number format
_Measure = tuple[str, list[Any], str | None]


def _side_by_side(ws, names: list[str], measures: list[_Measure]) -> int:
    """A measure per row and a column per portfolio, each row in its measure's number format;
    returns the last row written."""
    rows = [[label] + values for label, values, _ in measures]
    last = write_table(ws, [MEASURES.measure] + names, rows, autofilter=False)
    for r, (_, _, fmt) in enumerate(measures, start=2):
        if fmt:
            for c in range(2, len(names) + 2):
                set_format(ws.cell(row=r, column=c), fmt)
    fit_widths(ws, maximum=40)
    return last


def _limit_used(limit) -> str:
    """The side-by-side label of a limit's use: the budget's, or the limit's by name."""
    m = SIDE_BY_SIDE
    return m.budget_used if limit.label == "budget" else m.limit_used.format(limit=limit.name)


def write_frontier(f: Frontier, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Frontier sheet (one row per budget, the current budget marked) and a live chart."""
    money = money_format(f.plan.settings.currency)
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = OUTPUT.frontier
    last = _frontier_table(ws, f, money)
    _frontier_chart(ws, f, last)
    notes = [n for n in (f.why_it_stops(), _BOUND_NOTE) if n] + [f"Warning: {w}" for w in f.warnings]
    # the notes wrap within the columns the first printed page holds (Budget .. Marginal value)
    write_notes(ws, last + 2, notes, title="Reading the frontier", last_column=6)
    _run_info(
        wb,
        f.plan,
        [
            ("Points", len(f.points)),
            ("Solves", f.solves),
            ("Seconds", round(f.seconds, 3)),
            (
                "Method",
                "re-optimized at every budget with every other limit in force; "
                "a portfolio optimal at budget b and costing c is reused for budgets in [c, b]",
            ),
        ],
        run_id,
    )
    save_atomic(wb, path, force)


def _frontier_table(ws, f: Frontier, money: str) -> int:
    """A row per budget: the optimum, its bound, cost and count, what entered and left; the
    plan's own budget in bold. Returns the last row written."""
    rows: list[tuple[Any, ...]] = [
        (
            p.budget,
            p.objective,
            p.lp_bound,
            p.total_cost,
            p.count,
            p.marginal_value,
            ", ".join(p.entered),
            ", ".join(p.left),
            "Yes" if p.current else "",
            p.status.value,
        )
        for p in f.points
    ]
    header, formats = list(FRONTIER[:-1]), [money, money, money, money, "0", RATIO, None, None, None, None]
    if any(p.order_value is not None for p in f.points):  # a Budgets sheet: the funding order beside
        header.append(FRONTIER.order_value)
        formats.append(money)
        rows = [row + (p.order_value,) for row, p in zip(rows, f.points)]
    last = write_table(ws, header, rows, formats)
    for r, p in enumerate(f.points, start=2):
        if p.current:
            for c in range(1, len(header) + 1):
                ws.cell(row=r, column=c).font = font(bold=True)
                ws.cell(row=r, column=c).fill = YES_FILL
    fit_widths(ws, maximum=45)
    return last


#: What the frontier's bound is, in the words the chart's legend and the notes use
_BOUND_LABEL = "Most any portfolio could reach"
_BOUND_NOTE = (
    f"{_BOUND_LABEL} (the table's LP bound): what a portfolio could be worth at each budget if "
    "initiatives could be taken in part; the real best is at or below it."
)
#: The frontier chart's series: (label, colour, marker, dashed), each its own colour so the
#: lines read apart in print and in LibreOffice as in Excel
_FRONTIER_SERIES = {
    2: ("Best expected value", "2F6DB5", "circle", False),
    3: (_BOUND_LABEL, "8C8C8C", "none", True),
}


def _frontier_chart(ws, f: Frontier, last: int) -> None:
    """The best value and its bound against the budget, read from the table above row ``last``,
    with the plan's own budget as a point of its own; the legend below, never cut."""
    from openpyxl.chart.marker import Marker
    from openpyxl.chart.series import SeriesLabel

    chart = ScatterChart()
    chart.title = "Efficient frontier: best expected value at each budget"
    chart.style = 2  # a plain style: the colours are set per series below
    chart.x_axis.title = "Budget"
    chart.y_axis.title = "Expected value"
    chart.height, chart.width = 10, 18
    if chart.legend is not None:
        chart.legend.position = "b"  # below the plot: a legend at the side was cut ("Expected v")
    xs = Reference(ws, min_col=1, min_row=2, max_row=last)
    order = len(FRONTIER) if any(p.order_value is not None for p in f.points) else None
    looks = dict(_FRONTIER_SERIES) | ({order: ("Funding order", "E07B39", "triangle", False)} if order else {})
    for col, (label, colour, symbol, dashed) in looks.items():
        series = Series(Reference(ws, min_col=col, min_row=2, max_row=last), xs)
        series.tx = SeriesLabel(v=label)
        series.marker = Marker(symbol=cast(Any, symbol), size=6)
        if symbol != "none":
            series.marker.graphicalProperties = GraphicalProperties(solidFill=colour)
            series.marker.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
        series.graphicalProperties.line.width = 22000
        if dashed:
            series.graphicalProperties.line.prstDash = "dash"
        series.smooth = False
        chart.series.append(series)
    current = next((r for r, p in enumerate(f.points, start=2) if p.current), None)
    if current is not None:
        # a point of its own, drawn by its marker (filled, outlined): LibreOffice hides a
        # series without a line unless its marker has a fill of its own
        mark = Series(
            Reference(ws, min_col=2, min_row=current, max_row=current),
            Reference(ws, min_col=1, min_row=current, max_row=current),
        )
        mark.tx = SeriesLabel(v="Current budget")
        mark.marker = Marker(symbol="diamond", size=12)
        mark.marker.graphicalProperties = GraphicalProperties(solidFill="C0392B")
        mark.marker.graphicalProperties.line.solidFill = "7B241C"
        mark.graphicalProperties.line.noFill = True
        chart.series.append(mark)
    _axes_visible(chart)
    ws.add_chart(chart, "L2")


def write_scenarios(run: ScenarioRun, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Side-by-side summary with a chart, the initiative-by-scenario matrix, and the causes."""
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = OUTPUT.scenario_summary
    _scenario_summary(ws, run)
    _scenario_matrix(wb.create_sheet(OUTPUT.scenario_matrix), run)
    _scenario_changes(wb.create_sheet(OUTPUT.scenario_changes), run)
    _run_info(
        wb,
        run.plan,
        [
            ("Scenarios", len(run.results) - 1),
            ("Solves", run.solves),
            ("Seconds", round(run.seconds, 3)),
            (
                "Attribution",
                "each scenario change applied alone to the baseline; "
                "'the changes together' when no single change explains a move",
            ),
        ],
        run_id,
    )
    save_atomic(wb, path, force)


def _scenario_summary(ws, run: ScenarioRun) -> None:
    """The scenarios side by side (the baseline first), and their value and cost charted."""
    money = money_format(run.plan.settings.currency)
    names = [r.name for r in run.results]
    measures = _scenario_measures(run, money)
    _side_by_side(ws, names, measures)
    charted = [v for r in run.results for v in (r.solved.objective, r.solved.total_cost) if isinstance(v, (int, float))]
    chart = bar_chart("col", min(charted, default=0.0))
    chart.title = "Expected value and cost by scenario"
    currency = run.plan.settings.currency
    chart.y_axis.title = f"Amount ({currency})" if currency else "Amount"
    chart.height, chart.width = 9, 18
    data = Reference(ws, min_col=1, max_col=len(names) + 1, min_row=3, max_row=4)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=len(names) + 1, min_row=1, max_row=1))
    _axes_visible(chart)
    ws.add_chart(chart, f"A{len(measures) + 4}")
    write_notes(ws, len(measures) + 24, [whatif.NO_WHATIF_SCENARIOS], last_column=min(len(names) + 1, 6))


def _scenario_measures(run: ScenarioRun, money: str) -> list[_Measure]:
    """What each scenario's optimum is worth and costs, what moved, each limit's use, the risk
    figures when any scenario has them, the changes and any conflict."""
    plan = run.plan
    base = run.results[0].solved
    m = SIDE_BY_SIDE
    measures: list[_Measure] = [
        (m.status, [r.solved.status.value for r in run.results], None),
        (m.value, [r.solved.objective for r in run.results], money),
        (m.total_cost, [r.solved.total_cost for r in run.results], money),
        (m.budget, [r.budget for r in run.results], money),
        (m.selected_count, [len(r.solved.selected) if r.solved.ok else None for r in run.results], "0"),
        (
            m.vs_baseline,
            [
                (r.solved.objective - base.objective)
                # a solve that ended with a portfolio (ok) has its optimum: the None tests only say so
                if r.solved.ok and base.ok and r.solved.objective is not None and base.objective is not None
                else None
                for r in run.results
            ],
            money,
        ),
        (m.entered, [len(r.entered) for r in run.results], "0"),
        (m.left, [len(r.left) for r in run.results], "0"),
    ]
    for k, lim in enumerate(plan.all_limits()):
        used = [r.solved.limit_use[k] if r.solved.ok and k < len(r.solved.limit_use) else None for r in run.results]
        if lim.label == "budget":  # Budget used is a share of the budget, as in every Summary
            shares = [u / r.budget if u is not None and r.budget else None for u, r in zip(used, run.results)]
            measures.append((_limit_used(lim), shares, PERCENT))
            continue
        measures.append((_limit_used(lim), used, money if lim.column == "Cost" else NUMBER))
    if any(r.risk for r in run.results):  # each portfolio judged on the same fresh worlds
        level = plan.settings.risk_level
        target = plan.settings.value_target
        for key, label, fmt in _risk_measures(level, target, money):
            measures.append((label, [r.risk.get(key) if r.risk else None for r in run.results], fmt))
    described = {sc.name: sc.description for sc in plan.scenarios}
    if any(described.values()):
        measures.append((m.description, [""] + [described.get(r.name, "") for r in run.results[1:]], None))
    measures.append((m.changes, ["(as the workbook stands)"] + ["; ".join(r.changes) for r in run.results[1:]], None))
    measures.append((m.conflict, ["; ".join(r.solved.conflict) for r in run.results], None))
    return measures


def _scenario_matrix(ws, run: ScenarioRun) -> None:
    """In or out of each scenario's optimum, an initiative per row; a cell that differs from the
    baseline in bold (red out, green in)."""
    plan = run.plan
    names = [r.name for r in run.results]
    header = [MATRIX.id, MATRIX.name, MATRIX.theme] + names
    sets = [set(r.solved.selected) for r in run.results]
    # multi-period plans: "In 2027-Q2", so a scenario that only moves a start shows it
    labels = plan.settings.period_labels() if plan.settings.periods else []
    starts = [dict(r.solved.starts) for r in run.results]

    def shown(ini_id: str, k: int) -> str:
        """What scenario ``k``'s cell says: n/a (no portfolio), Out, or In (and when, if timed)."""
        if not run.results[k].solved.ok:
            return "n/a"
        if ini_id not in sets[k]:
            return "Out"
        return f"In {labels[starts[k][ini_id]]}" if labels and ini_id in starts[k] else "In"

    rows = [[ini.id, ini.name, ini.theme] + [shown(ini.id, k) for k in range(len(sets))] for ini in plan.initiatives]
    write_table(ws, header, rows)
    for r_i, _ini in enumerate(plan.initiatives, start=2):
        for k in range(len(sets)):
            cell = ws.cell(row=r_i, column=4 + k)
            cell.fill = YES_FILL if str(cell.value).startswith("In") else NO_FILL
            if k and cell.value != rows[r_i - 2][3]:
                cell.font = font(bold=True, color="9C0006" if cell.value == "Out" else "006100")
    fit_widths(ws, maximum=40)


def _scenario_changes(ws, run: ScenarioRun) -> None:
    """Every initiative that entered or left a scenario's optimum, and the change that caused it."""
    plan = run.plan
    rows = []
    for r in run.results[1:]:
        for i, cause in r.entered:
            rows.append((r.name, "entered", i, plan.initiatives[plan.index(i)].name, cause))
        for i, cause in r.left:
            rows.append((r.name, "left", i, plan.initiatives[plan.index(i)].name, cause))
    write_table(ws, SCENARIO_CHANGES, rows)
    fit_widths(ws, maximum=60)


def _risk_measures(level: float, target: float | None, money: str) -> list[tuple[str, str, str]]:
    """The risk figures shown beside a value: key, label, number format."""
    out = [
        ("mean", "Mean (simulated)", money),
        ("p10", "P10 (simulated)", money),
        ("cvar", f"CVaR {level:.0%} (simulated)", money),
    ]
    if target is not None:
        out.append(("prob_target", f"P(value ≥ {target:,.0f})", PERCENT))
    return out


def write_comparison(c: Comparison, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Plans side by side, the initiative-by-plan matrix, and the optimum at each plan's cost."""
    first = c.plans[0].plan
    money = money_format(first.settings.currency)
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = OUTPUT.comparison
    _comparison_sheet(ws, c, money)
    _plan_matrix(wb.create_sheet(OUTPUT.plan_matrix), c, money)
    _run_info(
        wb,
        first,
        [
            ("Plans", ", ".join(r.name for r in c.plans)),
            ("Seconds", round(c.seconds, 3)),
            ("Efficiency", "plan value / optimal value at the plan's cost under the plan's rules"),
        ],
        run_id,
    )
    save_atomic(wb, path, force)


def _comparison_sheet(ws, c: Comparison, money: str) -> None:
    """A row per plan, each plan's value charted against the optimum at its cost, and what
    differs between the plans."""
    header, rows, formats = _comparison_rows(c, money)
    last = write_table(ws, header, rows, formats)
    fit_widths(ws, maximum=36)
    charted = [v for row in rows for v in (row[1], row[5]) if isinstance(v, (int, float))]
    chart = bar_chart("col", min(charted, default=0.0))
    chart.title = "Plan value against the optimum at the same cost"
    chart.height, chart.width = 9, 18
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=last), titles_from_data=True)
    chart.add_data(Reference(ws, min_col=6, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    _axes_visible(chart)
    ws.add_chart(chart, f"A{last + 3}")
    end = last + 20
    if c.differences:
        end = write_notes(
            ws,
            last + 22,
            c.differences,
            title="Differences between the plans' initiatives, figures, settings and limits",
            last_column=len(header),
        )
    write_notes(ws, end + 2, [whatif.NO_WHATIF_COMPARE], last_column=len(header))


def _comparison_rows(c: Comparison, money: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]], list[str | None]]:
    """The Comparison table: its header, a row per plan (value, cost, efficiency, the optimum at
    its cost, broken rules, adds and drops, then risk figures when any plan has them), formats."""
    header: tuple[str, ...] = COMPARISON
    rows = []
    for r in c.plans:
        opt = r.optimal.objective if r.optimal.ok else None
        efficiency = r.efficiency if not r.violations else "n/a: breaks the rules"
        left_on_table = (opt - r.objective) if opt is not None and not r.violations else None
        rows.append(
            (
                r.name,
                r.objective,
                r.total_cost,
                len(r.selected),
                efficiency,
                opt,
                left_on_table,
                "; ".join(r.violations) or "none",
                ", ".join(r.adds),
                ", ".join(r.drops),
            )
        )
    formats = [None, money, money, "0", PERCENT, money, money, None, None, None]
    if any(r.risk for r in c.plans):  # each plan judged on fresh worlds of its own plan
        settings = c.plans[0].plan.settings
        extra = _risk_measures(settings.risk_level, settings.value_target, money)
        header = header + tuple(label for _, label, _ in extra)
        formats += [fmt for _, _, fmt in extra]
        rows = [
            row + tuple(r.risk.get(key) if r.risk else None for key, _, _ in extra) for row, r in zip(rows, c.plans)
        ]
    return header, rows, formats


def _plan_matrix(ws, c: Comparison, money: str) -> None:
    """In or out of each plan, an initiative per row, and whether the plans differ on it."""
    names = [r.name for r in c.plans]
    rows = []
    for row in matrix(c):
        rows.append(
            [row["id"], row["name"], row["cost"], row["value"]]
            + ["Yes" if x else "No" for x in row["in"]]
            + ["Yes" if row["differs"] else ""]
        )
    write_table(
        ws,
        [PLAN_MATRIX.id, PLAN_MATRIX.name, PLAN_MATRIX.cost, PLAN_MATRIX.value] + names + [PLAN_MATRIX.differs],
        rows,
        (None, None, money, money),
    )
    for r_i in range(2, len(rows) + 2):
        for c_i in range(5, 5 + len(names)):
            cell = ws.cell(row=r_i, column=c_i)
            cell.fill = YES_FILL if cell.value == "Yes" else NO_FILL
    fit_widths(ws, maximum=40)


def _axis_text(size: int = 900):
    """Axis labels at ``size`` hundredths of a point, horizontal."""
    from openpyxl.chart.text import RichText
    from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RichTextProperties

    props = CharacterProperties(sz=size)
    return RichText(
        bodyPr=RichTextProperties(rot=0, vert="horz"),
        p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)],
    )


#: How each figure of a Risk summary is named and what it means
_RISK_FIGURES = (
    ("mean", "Mean", "the average portfolio value over the worlds"),
    ("std", "Standard deviation", "how far a world's value typically is from the mean"),
    ("p5", "P5", "1 world in 20 is worse than this"),
    ("p10", "P10", "1 world in 10 is worse than this"),
    ("p50", "P50 (median)", "half the worlds are worse than this"),
    ("p90", "P90", "1 world in 10 is better than this"),
    ("p95", "P95", "1 world in 20 is better than this"),
    ("cvar", "CVaR", "the mean of the worst worlds (the risk level): how bad a bad year is"),
    ("prob_target", "P(value ≥ target)", "the chance of reaching the Value target"),
    ("prob_loss", "P(loss)", "the chance the portfolio loses money (objective npv)"),
    ("prob_over_budget", "P(cost > budget)", "the chance the cost, with overruns drawn, exceeds the budget"),
)


def write_simulation(
    sim, path: str | os.PathLike, force: bool = False, warnings: Sequence[str] = (), run_id: str | None = None
) -> None:
    """Risk summary (figures with their sampling error, a histogram and an S-curve as native
    charts), Risk by initiative, Risk by theme, and Run info."""
    plan = sim.plan
    s = plan.settings
    money = money_format(s.currency)
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = OUTPUT.risk_summary
    end = _risk_figures(ws, sim, money, warnings)
    _value_distribution(ws, sim, money, end + 2)
    _risk_by_initiative(wb.create_sheet(OUTPUT.risk_by_initiative), sim, money)
    _risk_by_theme(wb.create_sheet(OUTPUT.risk_by_theme), sim, money)
    _run_info(
        wb,
        plan,
        [
            ("Worlds", sim.samples),
            ("Seed", sim.seed),
            ("Distribution", s.distribution),
            ("Risk level", sim.level),
            ("Risk correlation", s.risk_correlation),
            ("Seconds", round(sim.seconds, 3)),
        ],
        run_id,
    )
    save_atomic(wb, path, force)


def _risk_figures(ws, sim, money: str, warnings: Sequence[str]) -> int:
    """The simulated figures with their sampling error and meaning, the exact expected value,
    and notes on how the worlds are drawn; returns the last row written."""
    s = sim.plan.settings
    rows = []
    formats = []
    for key, label, meaning in _RISK_FIGURES:
        fig = sim.figures[key]
        if fig.value is None:
            continue
        if key == "cvar":
            label = f"CVaR {sim.level:.0%}"
            meaning = f"the mean of the worst {sim.level:.0%} of worlds: how bad a bad year is"
        if key == "prob_target":
            label = f"P(value ≥ {s.value_target:,.0f})"
        se = fig.se if fig.se is not None and fig.se == fig.se else None
        rows.append((label, fig.value, se, meaning))
        formats.append(PERCENT if key.startswith("prob") else money)
    if sim.cost_risk is not None:
        for q in (50, 80, 90):
            rows.append(
                (
                    COST_RISK.contingency.format(q=q),
                    sim.cost_risk.contingency[f"p{q}"],
                    None,
                    f"the reserve the budget needs to hold with {q}% confidence (the cost's P{q} less the budget)",
                )
            )
            formats.append(money)
    rows.append(
        (
            "Expected value (exact)",
            sim.expected_value,
            None,
            "the sum of the selected initiatives' scores (the simulated mean estimates it)",
        )
    )
    formats.append(money)
    last = write_table(ws, RISK_FIGURES, rows, freeze=False, autofilter=False)
    for r, fmt in enumerate(formats, start=2):
        set_format(ws.cell(row=r, column=2), fmt)
        set_format(ws.cell(row=r, column=3), fmt)
    fit_widths(ws, maximum=52)  # the meanings wrap: the page prints at a readable size
    notes = [
        f"Portfolio: {sim.how}." if sim.how else "",
        f"{sim.samples:,} simulated worlds, seed {sim.seed}, ranges drawn {s.distribution}; the same seed "
        "gives the same numbers on any machine.",
        "In each world an initiative succeeds with its Probability (inside a Risk group, together with the "
        f"others of the group at correlation {s.risk_correlation:g}); if it succeeds it earns (Impact − Run cost) "
        "× D(time to value), as in the score"
        + ("; its cost draw is subtracted either way (npv)." if s.objective is Objective.NPV else "."),
    ]
    notes += [f"Warning: {w}" for w in warnings]
    return write_notes(ws, last + 2, [n for n in notes if n], last_column=len(RISK_FIGURES))


#: How many bars the histogram has: few enough for level labels
_BINS = 12


def _value_distribution(ws, sim, money: str, charts_at: int) -> None:
    """The value distribution from row ``charts_at``: a histogram and an S-curve, a page of
    their own, and the two small tables they read on the page after.

    Under the figures, not beside them: beside them, the page would print shrunk.
    """
    top = charts_at + 34
    ws.row_breaks.append(Break(id=charts_at - 1))  # the charts fill a page: never cut in two
    ws.row_breaks.append(Break(id=top - 1))
    hist_last = write_table(
        ws,
        RISK_HISTOGRAM,
        _histogram_rows(sim.values),
        (money, money, PERCENT, None),
        start_row=top,
        freeze=False,
        autofilter=False,
    )
    curve_top = hist_last + 2
    curve_last = write_table(
        ws,
        RISK_CURVE,
        _curve_rows(sim.values),
        (money, PERCENT),
        start_row=curve_top,
        freeze=False,
        autofilter=False,
    )
    ws.add_chart(_histogram_chart(ws, top, hist_last), f"A{charts_at}")
    ws.add_chart(_s_curve_chart(ws, curve_top, curve_last), f"A{charts_at + 17}")


def _histogram_rows(values) -> list[tuple[float, float, float, str]]:
    """The histogram's bins over the sorted ``values``: from, to, share of worlds, a short label
    at the bin's middle (one bin's width of 1 when every world is worth the same)."""
    import numpy as np

    lo, hi = float(values[0]), float(values[-1])
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, _BINS + 1)
    counts, _ = np.histogram(values, edges)
    return [
        (float(edges[k]), float(edges[k + 1]), counts[k] / len(values), short_amount(edges[k] / 2 + edges[k + 1] / 2))
        for k in range(_BINS)
    ]


def _curve_rows(values) -> list[tuple[float, float]]:
    """The S-curve's points: the value at every 5% of worlds, from the worst to the best."""
    import numpy as np

    qs = [k / 100 for k in range(0, 101, 5)]
    return [(float(np.quantile(values, q)), q) for q in qs]


def _histogram_chart(ws, top: int, last: int) -> BarChart:
    """Share of worlds by portfolio value, from the histogram table in rows ``top`` to ``last``."""
    hist = bar_chart("col")
    hist.title = "Portfolio value: share of worlds"
    hist.y_axis.title = "Share of worlds"
    hist.x_axis.title = "Portfolio value"
    hist.height, hist.width = 8, 18
    hist.gapWidth = 10
    hist.add_data(Reference(ws, min_col=3, min_row=top, max_row=last), titles_from_data=True)
    hist.set_categories(Reference(ws, min_col=4, min_row=top + 1, max_row=last))
    hist.legend = None
    hist.x_axis.txPr = _axis_text()  # short labels, level and readable: never rotated and shrunk
    _axes_visible(hist)
    return hist


def _s_curve_chart(ws, top: int, last: int) -> ScatterChart:
    """The chance the value is at most x, from the S-curve table in rows ``top`` to ``last``."""
    curve = ScatterChart()
    curve.title = "S-curve: chance the value is at most x"
    curve.style = 13
    curve.x_axis.title = "Portfolio value"
    curve.y_axis.title = "Cumulative probability"
    curve.height, curve.width = 8, 18
    series = Series(
        Reference(ws, min_col=2, min_row=top, max_row=last),
        Reference(ws, min_col=1, min_row=top + 1, max_row=last),
        title_from_data=True,
    )
    series.marker.symbol = "none"
    curve.series.append(series)
    curve.legend = None
    curve.y_axis.scaling.min, curve.y_axis.scaling.max = 0.0, 1.0
    curve.y_axis.number_format = "0%"
    _axes_visible(curve)
    return curve


def _risk_by_initiative(ws, sim, money: str) -> None:
    """Each selected initiative's success rate, mean contribution, tail mean and share of the
    downside, the biggest share of the downside first."""
    rows = [
        (r.id, r.name, r.theme, r.success_rate, r.mean_contribution, r.tail_mean, r.downside_share)
        for r in sorted(sim.initiatives, key=lambda r: (-r.downside_share, r.id))
    ]
    write_table(
        ws,
        RISK_BY_INITIATIVE._replace(tail_mean=RISK_BY_INITIATIVE.tail_mean.format(level=sim.level)),
        rows,
        (None, None, None, PERCENT, money, money, PERCENT),
    )
    fit_widths(ws, maximum=40)


def _risk_by_theme(ws, sim, money: str) -> None:
    """Each theme's count, mean, spread, P10, P90 and share of the downside."""
    rows = [(t.theme, t.count, t.mean, t.std, t.p10, t.p90, t.downside_share) for t in sim.themes]
    write_table(
        ws,
        RISK_BY_THEME,
        rows,
        (None, "0", money, money, money, money, PERCENT),
    )
    fit_widths(ws, maximum=40)


def write_alternatives(a, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Alternatives side by side (value, cost, gap, limit use, what each adds and drops), the
    initiative-by-portfolio matrix, and Run info."""
    plan = a.plan
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = OUTPUT.alternatives
    names = ["Optimum"] + [f"Alternative {p.rank - 1}" for p in a.portfolios[1:]]
    _alternatives_summary(ws, a, names, money_format(plan.settings.currency))
    _alternatives_matrix(wb.create_sheet(OUTPUT.alternatives_matrix), a, names)
    _run_info(
        wb,
        plan,
        [
            ("Asked", a.asked),
            ("Found", len(a.portfolios)),
            ("Within", a.within),
            ("Min difference", a.min_difference),
            ("Seconds", round(a.seconds, 3)),
        ],
        run_id,
    )
    save_atomic(wb, path, force)


def _alternatives_summary(ws, a, names: list[str], money: str) -> None:
    """The optimum and its alternatives side by side, and a note on what makes an alternative."""
    m = SIDE_BY_SIDE
    measures: list[_Measure] = [
        (m.value, [p.objective for p in a.portfolios], money),
        (m.below_optimum, [p.gap for p in a.portfolios], PERCENT2),
        (m.total_cost, [p.total_cost for p in a.portfolios], money),
        (m.selected_count, [len(p.selected) for p in a.portfolios], "0"),
    ]
    for k, use in enumerate(a.portfolios[0].limits):
        measures.append(
            (_limit_used(use.limit), [p.limits[k].used for p in a.portfolios], limit_format(use.limit, money))
        )
    measures.append((m.adds, [", ".join(p.adds) or "none" for p in a.portfolios], None))
    measures.append((m.drops, [", ".join(p.drops) or "none" for p in a.portfolios], None))
    last = _side_by_side(ws, names, measures)
    notes = [
        f"Each alternative keeps every limit and rule, is worth at least {a.within:.2%} less than the optimum "
        f"at most, and differs from every other portfolio here in at least {a.min_difference} initiatives "
        "(in or out). Each is the best such portfolio given the ones before it."
    ]
    if a.note:
        notes.append(a.note[0].upper() + a.note[1:] + ".")
    notes.append(whatif.NO_WHATIF_ALTERNATIVES)
    write_notes(ws, last + 2, notes, last_column=len(names) + 1)


def _alternatives_matrix(ws, a, names: list[str]) -> None:
    """In or out of each portfolio, an initiative per row, and whether the portfolios differ on it."""
    sets = [set(p.selected) for p in a.portfolios]
    rows = [
        [ini.id, ini.name, ini.theme]
        + ["In" if ini.id in chosen else "Out" for chosen in sets]
        + ["Yes" if len({ini.id in chosen for chosen in sets}) > 1 else ""]
        for ini in a.plan.initiatives
    ]
    write_table(ws, [MATRIX.id, MATRIX.name, MATRIX.theme] + names + [MATRIX.differs], rows)
    for r_i, _row in enumerate(rows, start=2):
        for k in range(len(sets)):
            cell = ws.cell(row=r_i, column=4 + k)
            cell.fill = YES_FILL if cell.value == "In" else NO_FILL
    fit_widths(ws, maximum=40)


def write_robustness(r, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """The baseline's results workbook (its Ranking with each initiative's robustness class),
    with a Robustness summary and the Robustness of every initiative, charted."""
    from dataclasses import replace

    from portfolio_opt.workbook.results import write_results

    money = money_format(r.plan.settings.currency)
    result = replace(r.result, robustness={i: (r.frequency[i], r.classes[i]) for i in r.frequency})

    def sheets(wb: Workbook) -> None:
        """The two robustness sheets, after the Summary."""
        _robustness_summary(wb.create_sheet(OUTPUT.robustness_summary, 1), r, money)
        _robustness_by_initiative(wb.create_sheet(OUTPUT.robustness, 2), r)

    write_results(result, path, force, extra=sheets, run_id=run_id)


def _robustness_summary(ws, r, money: str) -> None:
    """How the versions were drawn, how often the baseline is optimal, its regret, the
    optimizer's curse and the corrected value, each with its meaning, and notes on reading them."""
    rows = [
        ("Versions", r.samples, "0", "re-optimized versions of the estimates"),
        ("Spread", r.spread, "0%", "± around an estimate without a range (triangular, peaked at it)"),
        ("Seed", r.seed, "0", "the same seed draws the same versions wherever they are solved"),
        ("Versions without a portfolio", r.failed, "0", "left out of the figures below"),
        (
            "Baseline optimal in",
            r.optimal_share,
            PERCENT,
            "share of versions in which the baseline is itself optimal",
        ),
        ("Regret: mean", r.regret_mean, money, "how far the baseline falls short of each version's optimum"),
        ("Regret: P90", r.regret_p90, money, "1 version in 10 costs the baseline more than this"),
        ("Regret: max", r.regret_max, money, "the worst version for the baseline"),
        ("Value chosen for", r.objective, money, "the baseline's value under the plan's estimates"),
        ("Mean value across versions", r.mean_value, money, "the baseline valued in every version, on average"),
        ("Optimizer's curse", r.bias, money, "how much an optimum overstates its value, on average"),
        ("Corrected value", r.corrected_value, money, "the value chosen for, less the optimizer's curse"),
    ]
    last = write_table(ws, MEASURES, [(a, b, d) for a, b, _, d in rows], freeze=False, autofilter=False)
    for k, (_, _, fmt, _) in enumerate(rows, start=2):
        set_format(ws.cell(row=k, column=2), fmt)
    fit_widths(ws, maximum=70)
    write_notes(
        ws,
        last + 2,
        [
            "Each version draws every initiative's Impact and Probability again (from its range when it has one, "
            f"else within ±{r.spread:.0%} of the estimate) and its Cost and Time to value where they have ranges, "
            "then is re-optimized with every limit and rule in force.",
            "Classes: core = selected in at least 90% of versions, exterior = at most 10%, borderline = between: "
            "the borderline choices hinge on a guess.",
            "The optimizer's curse: the estimates that win a selection are on average the too optimistic ones. "
            "Taking each version as the estimates and the plan as the truth measures by how much an optimum "
            "overstates its own value; the corrected value subtracts that.",
        ],
        last_column=3,
    )


def _robustness_by_initiative(ws, r) -> None:
    """Each initiative, the most often selected first: in the baseline or not, the share of
    versions selecting it and its class, charted."""
    plan = r.plan
    order = sorted(plan.initiatives, key=lambda ini: (-r.frequency[ini.id], plan.index(ini.id)))
    baseline = set(r.baseline)
    rows = [
        (ini.id, ini.name, ini.theme, "Yes" if ini.id in baseline else "No", r.frequency[ini.id], r.classes[ini.id])
        for ini in order
    ]
    end = write_table(
        ws,
        ROBUSTNESS,
        rows,
        (None, None, None, None, PERCENT, None),
    )
    for k, ini in enumerate(order, start=2):
        ws.cell(row=k, column=4).fill = YES_FILL if ini.id in baseline else NO_FILL
    fit_widths(ws, maximum=40)
    ws.add_chart(_frequency_chart(ws, len(order), end), "H2")


def _frequency_chart(ws, count: int, end: int) -> BarChart:
    """Selection frequency by initiative, bars across, the most selected on top: the 60 most
    selected of the ``count`` in the table that ends at row ``end`` (beyond that a chart is
    unreadable)."""
    chart = bar_chart("bar")
    chart.title = "Selection frequency by initiative"
    chart.x_axis.title = None
    chart.y_axis.title = "Share of versions"
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0.0, 1.0
    chart.y_axis.number_format = "0%"
    chart.height, chart.width = max(8.0, 0.45 * min(count, 60)), 14
    shown = min(end, 61)
    chart.add_data(Reference(ws, min_col=5, min_row=1, max_row=shown), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=shown))
    chart.x_axis.scaling.orientation = "maxMin"
    chart.legend = None
    _axes_visible(chart)
    return chart


def write_review(r, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Quarter review (values, decisions, moves and their causes), Estimate changes, Value
    realization, Run info."""
    from portfolio_opt.workbook.results import realization_sheet, write_whatif

    res = r.result
    plan = res.plan
    money = money_format(plan.settings.currency)
    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = OUTPUT.quarter_review
    end = _quarter_review(ws, r, money)
    _estimate_changes(wb.create_sheet(OUTPUT.estimate_changes), r)
    if res.realization:
        realization_sheet(wb.create_sheet(OUTPUT.value_realization), res, money)
    write_whatif(wb, res, ws, end + 2)  # this quarter's optimum, to edit; its Ranking and input sheets after
    _run_info(
        wb,
        plan,
        [
            ("Solves", r.solves),
            ("Seconds", round(r.seconds, 3)),
            ("Attribution", "each change applied alone to last quarter's plan"),
        ],
        run_id,
    )
    save_atomic(wb, path, force)


def _quarter_review(ws, r, money: str) -> int:
    """Both quarters' optimum values, this quarter's cost and decisions counted, then every move
    between the two optima with its cause, and how the causes are found; the last row written."""
    res = r.result
    counts: dict[str, int] = {}
    for x in res.initiatives:
        counts[x.decision] = counts.get(x.decision, 0) + 1
    rows: list[tuple[Any, ...]] = [
        (f"Value: {r.last_name} (its optimum)", r.last_objective),
        (f"Value: {r.this_name} (its optimum)", res.objective),
        ("Total cost this quarter", res.total_cost),
    ] + [(f"Decisions: {k}", v) for k, v in sorted(counts.items())]
    last = write_table(ws, (MEASURES.measure, MEASURES.value), rows, freeze=False, autofilter=False)
    for k, (label, _) in enumerate(rows, start=2):
        set_format(ws.cell(row=k, column=2), "0" if label.startswith("Decisions") else money)
    names = {ini.id: ini.name for ini in res.plan.initiatives}
    moves = [(i, names.get(i, ""), m, c) for i, m, c in r.moves]
    end = write_table(
        ws,
        REVIEW_MOVES,
        moves or [("", "", "none", "")],
        start_row=last + 2,
        freeze=False,
        autofilter=False,
    )
    end = _attribution_table(ws, r, names, end + 2)
    fit_widths(ws, maximum=60)
    return write_notes(
        ws,
        end + 2,
        [
            f"Moves are between {r.last_name}'s optimum and {r.this_name}'s. Each change (everything now known about "
            "one initiative, an initiative added or dropped, or the settings and limits) is applied alone to "
            f"{r.last_name}'s plan; a move it makes on its own is caused by it, a move no single change makes by "
            "'the changes together'. Money already spent never enters a decision: an initiative in progress "
            "continues or stops on what is left to spend."
        ],
        last_column=4,
    )


def _attribution_table(ws, r, names: dict[str, str], top: int) -> int:
    """Each change once, with the initiatives it moves on its own (the moves table above repeats
    a change after every initiative it moved); returns the last row written."""
    rows = [
        (cause, "; ".join(f"{move} {i} {names.get(i, '')}".rstrip() for move, i in moved))
        for cause, moved in r.by_change()
    ]
    if not rows:
        return top - 2
    return write_table(ws, REVIEW_ATTRIBUTION, rows, start_row=top, freeze=False, autofilter=False)


def _estimate_changes(ws, r) -> None:
    """Every figure that moved between the quarters, before and after ("nothing moved" if none)."""
    rows = [(c.id, c.name, c.field, c.before, c.after) for c in r.changes]
    write_table(ws, (*ESTIMATE_CHANGES, r.last_name, r.this_name), rows or [("", "", "nothing moved", None, None)])
    fit_widths(ws, maximum=50)
