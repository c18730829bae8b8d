"""Workbooks for frontiers, scenarios and comparisons, with native Excel charts.

Charts reference the cells of the sheet they sit on, so they stay live when a person edits
the numbers in Excel or LibreOffice.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series
from openpyxl.worksheet.pagebreak import Break

from portfolio_opt.analyses.compare import Comparison, matrix
from portfolio_opt.analyses.frontier import Frontier
from portfolio_opt.analyses.scenarios import ScenarioRun
from portfolio_opt.model.figures import short_amount
from portfolio_opt.model.layout import (
    COMPARISON,
    ESTIMATE_CHANGES,
    FRONTIER,
    MATRIX,
    MEASURES,
    OUTPUT,
    PLAN_MATRIX,
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
from portfolio_opt.workbook.results import limit_format, run_info_rows, write_run_info
from portfolio_opt.workbook.style import (
    NO_FILL,
    NUMBER,
    PERCENT,
    PERCENT2,
    RATIO,
    YES_FILL,
    fit_widths,
    font,
    money_format,
    save_atomic,
    set_format,
    write_notes,
    write_table,
)


def _run_info(wb: Workbook, plan, extra: list[tuple[str, Any]]) -> None:
    write_run_info(wb, plan, run_info_rows(plan) + extra)


def _axes_visible(chart) -> None:
    # openpyxl marks axes deleted by default in some versions; Excel then hides them.
    for axis in (chart.x_axis, chart.y_axis):
        try:
            axis.delete = False
        except AttributeError:
            pass


def write_frontier(f: Frontier, path: str | os.PathLike, force: bool = False) -> None:
    """Frontier sheet (one row per budget, the current budget marked) and a live chart."""
    money = money_format(f.plan.settings.currency)
    wb = Workbook()
    ws = wb.active
    ws.title = OUTPUT.frontier
    header = FRONTIER
    rows = [
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
    last = write_table(ws, header, rows, (money, money, money, money, "0", RATIO, None, None, None, None))
    for r, p in enumerate(f.points, start=2):
        if p.current:
            for c in range(1, len(header) + 1):
                ws.cell(row=r, column=c).font = font(bold=True)
                ws.cell(row=r, column=c).fill = YES_FILL
    fit_widths(ws, maximum=45)
    chart = ScatterChart()
    chart.title = "Efficient frontier: best expected value at each budget"
    chart.style = 13
    chart.x_axis.title = "Budget"
    chart.y_axis.title = "Expected value"
    chart.height, chart.width = 9, 18
    xs = Reference(ws, min_col=1, min_row=2, max_row=last)
    for col in (2, 3):
        ys = Reference(ws, min_col=col, min_row=1, max_row=last)
        series = Series(ys, xs, title_from_data=True)
        series.marker.symbol = "circle" if col == 2 else "none"
        chart.series.append(series)
    current = next((r for r, p in enumerate(f.points, start=2) if p.current), None)
    if current is not None:  # the plan's own budget, as a point of its own on the chart
        mark = Series(
            Reference(ws, min_col=2, min_row=current, max_row=current),
            Reference(ws, min_col=1, min_row=current, max_row=current),
            title="Current budget",
        )
        mark.marker.symbol = "diamond"
        mark.marker.size = 11
        mark.graphicalProperties.line.noFill = True
        chart.series.append(mark)
    _axes_visible(chart)
    ws.add_chart(chart, "L2")
    if f.warnings:
        write_notes(ws, last + 2, [f"Warning: {w}" for w in f.warnings], title="Warnings", last_column=len(header))
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
    )
    save_atomic(wb, path, force)


def write_scenarios(run: ScenarioRun, path: str | os.PathLike, force: bool = False) -> None:
    """Side-by-side summary with a chart, the initiative-by-scenario matrix, and the causes."""
    plan = run.plan
    money = money_format(plan.settings.currency)
    wb = Workbook()
    ws = wb.active
    ws.title = OUTPUT.scenario_summary
    names = [r.name for r in run.results]
    base = run.results[0].solved
    m = SIDE_BY_SIDE
    measures: list[tuple[str, list[Any], str | None]] = [
        (m.status, [r.solved.status.value for r in run.results], None),
        (m.value, [r.solved.objective for r in run.results], money),
        (m.total_cost, [r.solved.total_cost for r in run.results], money),
        (m.budget, [r.budget for r in run.results], money),
        (m.selected_count, [len(r.solved.selected) if r.solved.ok else None for r in run.results], "0"),
        (
            m.vs_baseline,
            [(r.solved.objective - base.objective) if r.solved.ok and base.ok else None for r in run.results],
            money,
        ),
        (m.entered, [len(r.entered) for r in run.results], "0"),
        (m.left, [len(r.left) for r in run.results], "0"),
    ]
    for k, lim in enumerate(plan.all_limits()):
        label = m.budget_used if lim.label == "budget" else m.limit_used.format(limit=lim.name)
        measures.append(
            (
                label,
                [r.solved.limit_use[k] if r.solved.ok and k < len(r.solved.limit_use) else None for r in run.results],
                money if lim.column == "Cost" else NUMBER,
            )
        )
    if any(r.risk for r in run.results):  # each portfolio judged on the same fresh worlds
        level = plan.settings.risk_level
        target = plan.settings.value_target
        for key, label, fmt in _risk_measures(level, target, money):
            measures.append((label, [r.risk.get(key) if r.risk else None for r in run.results], fmt))
    measures.append((m.changes, ["(as the workbook stands)"] + ["; ".join(r.changes) for r in run.results[1:]], None))
    measures.append((m.conflict, ["; ".join(r.solved.conflict) for r in run.results], None))
    rows = [[label] + values for label, values, _ in measures]
    write_table(ws, [MEASURES.measure] + names, rows, autofilter=False)
    for r, (_, _, fmt) in enumerate(measures, start=2):
        if fmt:
            for c in range(2, len(names) + 2):
                set_format(ws.cell(row=r, column=c), fmt)
    fit_widths(ws, maximum=40)
    chart = BarChart()
    chart.type = "col"
    chart.title = "Expected value and cost by scenario"
    chart.y_axis.title = "Currency"
    chart.height, chart.width = 9, 18
    data = Reference(ws, min_col=1, max_col=len(names) + 1, min_row=3, max_row=4)
    chart.add_data(data, from_rows=True, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, max_col=len(names) + 1, min_row=1, max_row=1))
    _axes_visible(chart)
    ws.add_chart(chart, f"A{len(measures) + 4}")

    wm = wb.create_sheet(OUTPUT.scenario_matrix)
    header = [MATRIX.id, MATRIX.name, MATRIX.theme] + names
    sets = [set(r.solved.selected) for r in run.results]
    # multi-period plans: "In 2027-Q2", so a scenario that only moves a start shows it
    labels = plan.settings.period_labels() if plan.settings.periods else []
    starts = [dict(r.solved.starts) for r in run.results]

    def shown(ini_id: str, k: int) -> str:
        if not run.results[k].solved.ok:
            return "n/a"
        if ini_id not in sets[k]:
            return "Out"
        return f"In {labels[starts[k][ini_id]]}" if labels and ini_id in starts[k] else "In"

    mrows = [[ini.id, ini.name, ini.theme] + [shown(ini.id, k) for k in range(len(sets))] for ini in plan.initiatives]
    write_table(wm, header, mrows)
    for r_i, _ini in enumerate(plan.initiatives, start=2):
        for k in range(len(sets)):
            cell = wm.cell(row=r_i, column=4 + k)
            cell.fill = YES_FILL if str(cell.value).startswith("In") else NO_FILL
            if k and cell.value != mrows[r_i - 2][3]:
                cell.font = font(bold=True, color="9C0006" if cell.value == "Out" else "006100")
    fit_widths(wm, maximum=40)

    wc = wb.create_sheet(OUTPUT.scenario_changes)
    crow = []
    for r in run.results[1:]:
        for i, cause in r.entered:
            crow.append((r.name, "entered", i, plan.initiatives[plan.index(i)].name, cause))
        for i, cause in r.left:
            crow.append((r.name, "left", i, plan.initiatives[plan.index(i)].name, cause))
    write_table(wc, SCENARIO_CHANGES, crow)
    fit_widths(wc, maximum=60)
    _run_info(
        wb,
        plan,
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
    )
    save_atomic(wb, path, force)


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


def write_comparison(c: Comparison, path: str | os.PathLike, force: bool = False) -> None:
    """Plans side by side, the initiative-by-plan matrix, and the optimum at each plan's cost."""
    first = c.plans[0].plan
    money = money_format(first.settings.currency)
    wb = Workbook()
    ws = wb.active
    ws.title = OUTPUT.comparison
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
        extra = _risk_measures(first.settings.risk_level, first.settings.value_target, money)
        header = header + tuple(label for _, label, _ in extra)
        formats += [fmt for _, _, fmt in extra]
        rows = [
            row + tuple(r.risk.get(key) if r.risk else None for key, _, _ in extra) for row, r in zip(rows, c.plans)
        ]
    last = write_table(ws, header, rows, formats)
    fit_widths(ws, maximum=36)
    chart = BarChart()
    chart.type = "col"
    chart.title = "Plan value against the optimum at the same cost"
    chart.height, chart.width = 9, 18
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=last), titles_from_data=True)
    chart.add_data(Reference(ws, min_col=6, min_row=1, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
    _axes_visible(chart)
    ws.add_chart(chart, f"A{last + 3}")
    if c.differences:
        write_notes(
            ws,
            last + 22,
            c.differences,
            title="Differences between the plans' initiatives, figures, settings and limits",
            last_column=len(header),
        )

    wm = wb.create_sheet(OUTPUT.plan_matrix)
    names = [r.name for r in c.plans]
    mrows = []
    for row in matrix(c):
        mrows.append(
            [row["id"], row["name"], row["cost"], row["value"]]
            + ["Yes" if x else "No" for x in row["in"]]
            + ["Yes" if row["differs"] else ""]
        )
    write_table(
        wm,
        [PLAN_MATRIX.id, PLAN_MATRIX.name, PLAN_MATRIX.cost, PLAN_MATRIX.value] + names + [PLAN_MATRIX.differs],
        mrows,
        (None, None, money, money),
    )
    for r_i in range(2, len(mrows) + 2):
        for c_i in range(5, 5 + len(names)):
            cell = wm.cell(row=r_i, column=c_i)
            cell.fill = YES_FILL if cell.value == "Yes" else NO_FILL
    fit_widths(wm, maximum=40)
    _run_info(
        wb,
        first,
        [
            ("Plans", ", ".join(names)),
            ("Seconds", round(c.seconds, 3)),
            ("Efficiency", "plan value / optimal value at the plan's cost under the plan's rules"),
        ],
    )
    save_atomic(wb, path, force)


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


def write_simulation(sim, path: str | os.PathLike, force: bool = False, warnings: Sequence[str] = ()) -> None:
    """Risk summary (figures with their sampling error, a histogram and an S-curve as native
    charts), Risk by initiative, Risk by theme, and Run info."""
    import numpy as np

    plan = sim.plan
    s = plan.settings
    money = money_format(s.currency)
    wb = Workbook()
    ws = wb.active
    ws.title = OUTPUT.risk_summary
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
    rows.append(
        (
            "Expected value (exact)",
            sim.expected_value,
            None,
            "the sum of the selected initiatives' scores (the simulated mean estimates it)",
        )
    )
    formats.append(money)
    header = RISK_FIGURES
    last = write_table(ws, header, rows, freeze=False, autofilter=False)
    for r, fmt in enumerate(formats, start=2):
        set_format(ws.cell(row=r, column=2), fmt)
        set_format(ws.cell(row=r, column=3), fmt)
    fit_widths(ws, maximum=60)
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
    end = write_notes(ws, last + 2, [n for n in notes if n], last_column=len(header))

    # the value distribution: a histogram and an S-curve under the figures (beside them, the
    # page would print shrunk), reading the two small tables under the charts
    values = sim.values
    charts_at = end + 2
    top = charts_at + 34
    ws.row_breaks.append(Break(id=charts_at - 1))  # the charts fill a page: never cut in two
    ws.row_breaks.append(Break(id=top - 1))
    lo, hi = float(values[0]), float(values[-1])
    bins = 12  # few enough for level labels
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(values, edges)
    hist_rows = [
        (float(edges[k]), float(edges[k + 1]), counts[k] / len(values), short_amount(edges[k] / 2 + edges[k + 1] / 2))
        for k in range(bins)
    ]
    hist_last = write_table(
        ws,
        RISK_HISTOGRAM,
        hist_rows,
        (money, money, PERCENT, None),
        start_row=top,
        freeze=False,
        autofilter=False,
    )
    curve_top = hist_last + 2
    qs = [k / 100 for k in range(0, 101, 5)]
    curve_rows = [(float(np.quantile(values, q)), q) for q in qs]
    curve_last = write_table(
        ws,
        RISK_CURVE,
        curve_rows,
        (money, PERCENT),
        start_row=curve_top,
        freeze=False,
        autofilter=False,
    )
    hist = BarChart()
    hist.type = "col"
    hist.title = "Portfolio value: share of worlds"
    hist.y_axis.title = "Share of worlds"
    hist.x_axis.title = "Portfolio value"
    hist.height, hist.width = 8, 18
    hist.gapWidth = 10
    hist.add_data(Reference(ws, min_col=3, min_row=top, max_row=hist_last), titles_from_data=True)
    hist.set_categories(Reference(ws, min_col=4, min_row=top + 1, max_row=hist_last))
    hist.legend = None
    hist.x_axis.txPr = _axis_text()  # short labels, level and readable: never rotated and shrunk
    _axes_visible(hist)
    ws.add_chart(hist, f"A{charts_at}")
    curve = ScatterChart()
    curve.title = "S-curve: chance the value is at most x"
    curve.style = 13
    curve.x_axis.title = "Portfolio value"
    curve.y_axis.title = "Cumulative probability"
    curve.height, curve.width = 8, 18
    series = Series(
        Reference(ws, min_col=2, min_row=curve_top, max_row=curve_last),
        Reference(ws, min_col=1, min_row=curve_top + 1, max_row=curve_last),
        title_from_data=True,
    )
    series.marker.symbol = "none"
    curve.series.append(series)
    curve.legend = None
    curve.y_axis.scaling.min, curve.y_axis.scaling.max = 0.0, 1.0
    curve.y_axis.number_format = "0%"
    _axes_visible(curve)
    ws.add_chart(curve, f"A{charts_at + 17}")

    wi = wb.create_sheet(OUTPUT.risk_by_initiative)
    irows = [
        (r.id, r.name, r.theme, r.success_rate, r.mean_contribution, r.tail_mean, r.downside_share)
        for r in sorted(sim.initiatives, key=lambda r: (-r.downside_share, r.id))
    ]
    write_table(
        wi,
        RISK_BY_INITIATIVE._replace(tail_mean=RISK_BY_INITIATIVE.tail_mean.format(level=sim.level)),
        irows,
        (None, None, None, PERCENT, money, money, PERCENT),
    )
    fit_widths(wi, maximum=40)

    wt = wb.create_sheet(OUTPUT.risk_by_theme)
    trows = [(t.theme, t.count, t.mean, t.std, t.p10, t.p90, t.downside_share) for t in sim.themes]
    write_table(
        wt,
        RISK_BY_THEME,
        trows,
        (None, "0", money, money, money, money, PERCENT),
    )
    fit_widths(wt, maximum=40)
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
    )
    save_atomic(wb, path, force)


def write_alternatives(a, path: str | os.PathLike, force: bool = False) -> None:
    """Alternatives side by side (value, cost, gap, limit use, what each adds and drops), the
    initiative-by-portfolio matrix, and Run info."""
    plan = a.plan
    money = money_format(plan.settings.currency)
    wb = Workbook()
    ws = wb.active
    ws.title = OUTPUT.alternatives
    names = ["Optimum"] + [f"Alternative {p.rank - 1}" for p in a.portfolios[1:]]
    m = SIDE_BY_SIDE
    measures: list[tuple[str, list[Any], str | None]] = [
        (m.value, [p.objective for p in a.portfolios], money),
        (m.below_optimum, [p.gap for p in a.portfolios], PERCENT2),
        (m.total_cost, [p.total_cost for p in a.portfolios], money),
        (m.selected_count, [len(p.selected) for p in a.portfolios], "0"),
    ]
    for k, use in enumerate(a.portfolios[0].limits):
        label = m.budget_used if use.limit.label == "budget" else m.limit_used.format(limit=use.limit.name)
        fmt = limit_format(use.limit, money)
        measures.append((label, [p.limits[k].used for p in a.portfolios], fmt))
    measures.append((m.adds, [", ".join(p.adds) or "none" for p in a.portfolios], None))
    measures.append((m.drops, [", ".join(p.drops) or "none" for p in a.portfolios], None))
    rows = [[label] + values for label, values, _ in measures]
    last = write_table(ws, [MEASURES.measure] + names, rows, autofilter=False)
    for r, (_, _, fmt) in enumerate(measures, start=2):
        if fmt:
            for c in range(2, len(names) + 2):
                set_format(ws.cell(row=r, column=c), fmt)
    fit_widths(ws, maximum=40)
    notes = [
        f"Each alternative keeps every limit and rule, is worth at least {a.within:.2%} less than the optimum "
        f"at most, and differs from every other portfolio here in at least {a.min_difference} initiatives "
        "(in or out). Each is the best such portfolio given the ones before it."
    ]
    if a.note:
        notes.append(a.note[0].upper() + a.note[1:] + ".")
    write_notes(ws, last + 2, notes, last_column=len(names) + 1)

    wm = wb.create_sheet(OUTPUT.alternatives_matrix)
    sets = [set(p.selected) for p in a.portfolios]
    mrows = [
        [ini.id, ini.name, ini.theme]
        + ["In" if ini.id in chosen else "Out" for chosen in sets]
        + ["Yes" if len({ini.id in chosen for chosen in sets}) > 1 else ""]
        for ini in plan.initiatives
    ]
    write_table(wm, [MATRIX.id, MATRIX.name, MATRIX.theme] + names + [MATRIX.differs], mrows)
    for r_i, _row in enumerate(mrows, start=2):
        for k in range(len(sets)):
            cell = wm.cell(row=r_i, column=4 + k)
            cell.fill = YES_FILL if cell.value == "In" else NO_FILL
    fit_widths(wm, maximum=40)
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
    )
    save_atomic(wb, path, force)


def write_robustness(r, path: str | os.PathLike, force: bool = False) -> None:
    """The baseline's results workbook (its Ranking with each initiative's robustness class),
    with a Robustness summary and the Robustness of every initiative, charted."""
    from dataclasses import replace

    from portfolio_opt.workbook.results import write_results

    plan = r.plan
    money = money_format(plan.settings.currency)
    result = replace(r.result, robustness={i: (r.frequency[i], r.classes[i]) for i in r.frequency})

    def sheets(wb: Workbook) -> None:
        ws = wb.create_sheet(OUTPUT.robustness_summary, 1)
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

        wi = wb.create_sheet(OUTPUT.robustness, 2)
        order = sorted(plan.initiatives, key=lambda ini: (-r.frequency[ini.id], plan.index(ini.id)))
        baseline = set(r.baseline)
        rows_i = [
            (ini.id, ini.name, ini.theme, "Yes" if ini.id in baseline else "No", r.frequency[ini.id], r.classes[ini.id])
            for ini in order
        ]
        end = write_table(
            wi,
            ROBUSTNESS,
            rows_i,
            (None, None, None, None, PERCENT, None),
        )
        for k, ini in enumerate(order, start=2):
            wi.cell(row=k, column=4).fill = YES_FILL if ini.id in baseline else NO_FILL
        fit_widths(wi, maximum=40)
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Selection frequency by initiative"
        chart.x_axis.title = None
        chart.y_axis.title = "Share of versions"
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0.0, 1.0
        chart.y_axis.number_format = "0%"
        chart.height, chart.width = max(8.0, 0.45 * min(len(order), 60)), 14
        shown = min(end, 61)  # the 60 most selected: beyond that a chart is unreadable
        chart.add_data(Reference(wi, min_col=5, min_row=1, max_row=shown), titles_from_data=True)
        chart.set_categories(Reference(wi, min_col=1, min_row=2, max_row=shown))
        chart.x_axis.scaling.orientation = "maxMin"  # most selected on top
        chart.legend = None
        _axes_visible(chart)
        wi.add_chart(chart, "H2")

    write_results(result, path, force, extra=sheets)


def write_review(r, path: str | os.PathLike, force: bool = False) -> None:
    """Quarter review (values, decisions, moves and their causes), Estimate changes, Value
    realization, Run info."""
    from portfolio_opt.workbook.results import realization_sheet

    res = r.result
    plan = res.plan
    money = money_format(plan.settings.currency)
    wb = Workbook()
    ws = wb.active
    ws.title = OUTPUT.quarter_review
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
    top = last + 2
    names = {ini.id: ini.name for ini in plan.initiatives}
    mrows = [(i, names.get(i, ""), m, c) for i, m, c in r.moves]
    end = write_table(
        ws,
        REVIEW_MOVES,
        mrows or [("", "", "none", "")],
        start_row=top,
        freeze=False,
        autofilter=False,
    )
    fit_widths(ws, maximum=60)
    write_notes(
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

    wc = wb.create_sheet(OUTPUT.estimate_changes)
    crow = [(c.id, c.name, c.field, c.before, c.after) for c in r.changes]
    write_table(wc, (*ESTIMATE_CHANGES, r.last_name, r.this_name), crow or [("", "", "nothing moved", None, None)])
    fit_widths(wc, maximum=50)
    if res.realization:
        realization_sheet(wb.create_sheet(OUTPUT.value_realization), res, money)
    _run_info(
        wb,
        plan,
        [
            ("Solves", r.solves),
            ("Seconds", round(r.seconds, 3)),
            ("Attribution", "each change applied alone to last quarter's plan"),
        ],
    )
    save_atomic(wb, path, force)
