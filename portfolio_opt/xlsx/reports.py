"""Workbooks for frontiers, scenarios and comparisons, with native Excel charts.

Charts reference the cells of the sheet they sit on, so they stay live when a person edits
the numbers in Excel or LibreOffice.
"""

from __future__ import annotations

import os
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference, ScatterChart, Series

from ..compare import Comparison, matrix
from ..frontier import Frontier
from ..scenarios import ScenarioRun
from .style import (NO_FILL, NUMBER, PERCENT, RATIO, YES_FILL, fit_widths, font, money_format, save_atomic,
                    set_format, write_notes, write_table)
from .writer import run_info_rows, write_run_info


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
    ws.title = "Frontier"
    header = ("Budget", "Expected value", "LP bound", "Cost", "Count", "Marginal value per unit",
              "Entered", "Left", "Current budget", "Status")
    rows = [
        (p.budget, p.objective, p.lp_bound, p.total_cost, p.count, p.marginal_value,
         ", ".join(p.entered), ", ".join(p.left), "Yes" if p.current else "", p.status.value)
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
        mark = Series(Reference(ws, min_col=2, min_row=current, max_row=current),
                      Reference(ws, min_col=1, min_row=current, max_row=current), title="Current budget")
        mark.marker.symbol = "diamond"
        mark.marker.size = 11
        mark.graphicalProperties.line.noFill = True
        chart.series.append(mark)
    _axes_visible(chart)
    ws.add_chart(chart, "L2")
    if f.warnings:
        write_notes(ws, last + 2, [f"Warning: {w}" for w in f.warnings], title="Warnings", last_column=len(header))
    _run_info(wb, f.plan, [("Points", len(f.points)), ("Solves", f.solves), ("Seconds", round(f.seconds, 3)),
                           ("Method", "re-optimized at every budget with every other limit in force; "
                                      "a portfolio optimal at budget b and costing c is reused for budgets in [c, b]")])
    save_atomic(wb, path, force)


def write_scenarios(run: ScenarioRun, path: str | os.PathLike, force: bool = False) -> None:
    """Side-by-side summary with a chart, the initiative-by-scenario matrix, and the causes."""
    plan = run.plan
    money = money_format(plan.settings.currency)
    wb = Workbook()
    ws = wb.active
    ws.title = "Scenario summary"
    names = [r.name for r in run.results]
    base = run.results[0].solved
    measures: list[tuple[str, list[Any], str | None]] = [
        ("Status", [r.solved.status.value for r in run.results], None),
        ("Expected value", [r.solved.objective for r in run.results], money),
        ("Total cost", [r.solved.total_cost for r in run.results], money),
        ("Budget", [r.budget for r in run.results], money),
        ("Count", [len(r.solved.selected) if r.solved.ok else None for r in run.results], "0"),
        ("Value vs baseline", [
            (r.solved.objective - base.objective) if r.solved.ok and base.ok else None for r in run.results], money),
        ("Entered", [len(r.entered) for r in run.results], "0"),
        ("Left", [len(r.left) for r in run.results], "0"),
    ]
    for k, lim in enumerate(plan.all_limits()):
        label = "Budget used" if lim.label == "budget" else f"{lim.name} used"
        measures.append((label, [r.solved.limit_use[k] if r.solved.ok and k < len(r.solved.limit_use) else None
                                 for r in run.results], money if lim.column == "Cost" else NUMBER))
    measures.append(("Changes", ["(as the workbook stands)"] + ["; ".join(r.changes) for r in run.results[1:]], None))
    measures.append(("Conflict (if infeasible)", ["; ".join(r.solved.conflict) for r in run.results], None))
    rows = [[label] + values for label, values, _ in measures]
    write_table(ws, ["Measure"] + names, rows, autofilter=False)
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

    wm = wb.create_sheet("Scenario matrix")
    header = ["ID", "Name", "Theme"] + names
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
    for r_i, ini in enumerate(plan.initiatives, start=2):
        for k in range(len(sets)):
            cell = wm.cell(row=r_i, column=4 + k)
            cell.fill = YES_FILL if str(cell.value).startswith("In") else NO_FILL
            if k and cell.value != mrows[r_i - 2][3]:
                cell.font = font(bold=True, color="9C0006" if cell.value == "Out" else "006100")
    fit_widths(wm, maximum=40)

    wc = wb.create_sheet("Scenario changes")
    crow = []
    for r in run.results[1:]:
        for i, cause in r.entered:
            crow.append((r.name, "entered", i, plan.initiatives[plan.index(i)].name, cause))
        for i, cause in r.left:
            crow.append((r.name, "left", i, plan.initiatives[plan.index(i)].name, cause))
    write_table(wc, ("Scenario", "Move", "ID", "Name", "Cause"), crow)
    fit_widths(wc, maximum=60)
    _run_info(wb, plan, [("Scenarios", len(run.results) - 1), ("Solves", run.solves), ("Seconds", round(run.seconds, 3)),
                         ("Attribution", "each scenario change applied alone to the baseline; "
                                         "'the changes together' when no single change explains a move")])
    save_atomic(wb, path, force)


def write_comparison(c: Comparison, path: str | os.PathLike, force: bool = False) -> None:
    """Plans side by side, the initiative-by-plan matrix, and the optimum at each plan's cost."""
    first = c.plans[0].plan
    money = money_format(first.settings.currency)
    wb = Workbook()
    ws = wb.active
    ws.title = "Comparison"
    header = ("Plan", "Expected value", "Cost", "Count", "Efficiency", "Optimal value at this cost",
              "Value left on the table", "Rules broken", "Optimum adds", "Optimum drops")
    rows = []
    for r in c.plans:
        opt = r.optimal.objective if r.optimal.ok else None
        efficiency = r.efficiency if not r.violations else "n/a: breaks the rules"
        left_on_table = (opt - r.objective) if opt is not None and not r.violations else None
        rows.append((r.name, r.objective, r.total_cost, len(r.selected), efficiency, opt, left_on_table,
                     "; ".join(r.violations) or "none", ", ".join(r.adds), ", ".join(r.drops)))
    last = write_table(ws, header, rows, (None, money, money, "0", PERCENT, money, money, None, None, None))
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
        write_notes(ws, last + 22, c.differences, title="Differences between the plans' initiatives, figures, settings and limits",
                    last_column=len(header))

    wm = wb.create_sheet("Plan matrix")
    names = [r.name for r in c.plans]
    mrows = []
    for row in matrix(c):
        mrows.append([row["id"], row["name"], row["cost"], row["value"]] + ["Yes" if x else "No" for x in row["in"]]
                     + ["Yes" if row["differs"] else ""])
    write_table(wm, ["ID", "Name", "Cost", "Value (first plan's scoring)"] + names + ["Differs"], mrows,
                (None, None, money, money))
    for r_i, row in enumerate(mrows, start=2):
        for c_i in range(5, 5 + len(names)):
            cell = wm.cell(row=r_i, column=c_i)
            cell.fill = YES_FILL if cell.value == "Yes" else NO_FILL
    fit_widths(wm, maximum=40)
    _run_info(wb, first, [("Plans", ", ".join(names)), ("Seconds", round(c.seconds, 3)),
                          ("Efficiency", "plan value / optimal value at the plan's cost under the plan's rules")])
    save_atomic(wb, path, force)
