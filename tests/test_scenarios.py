"""Frontier, scenarios and plan comparison: exact, attributed, and readable in Excel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT, SAMPLE, ini, run_cli, write_plan
from openpyxl import load_workbook

from portfolio_opt import Initiative, InvalidWorkbook, Plan, Settings, optimize, read_plan
from portfolio_opt.analyses.compare import compare
from portfolio_opt.analyses.frontier import frontier
from portfolio_opt.analyses.scenarios import run_scenarios
from portfolio_opt.model.plan import Change, Decision, Limit, Scenario

CTO = ROOT / "data" / "plan_cto.xlsx"
CFO = ROOT / "data" / "plan_cfo.xlsx"


def simple(budget=10.0, **settings):
    return Settings(budget=budget, horizon_months=12, discount_rate=0, gap=0, **settings)


# --------------------------------------------------------------------------- frontier


def test_frontier_is_non_decreasing_and_each_point_is_the_optimum():
    plan = read_plan(SAMPLE).with_settings(gap=0)
    f = frontier(plan, steps=9)
    values = [p.objective for p in f.points]
    assert values == sorted(values)
    assert any(p.current for p in f.points)
    for p in f.points:
        assert p.total_cost <= p.budget + 1e-6
        alone = optimize(plan, budget=p.budget)
        assert p.objective == pytest.approx(alone.objective, rel=1e-9, abs=1e-6)
    wide = frontier(plan, steps=9, hi=16_000_000)  # past the plateau: those points share one optimum
    assert wide.solves < len(wide.points), "points covered by a cheaper optimum are not solved again"
    for prev, p in zip(f.points, f.points[1:]):
        assert set(p.selected) == (set(prev.selected) | set(p.entered)) - set(p.left)
        if p.lp_bound is not None:
            assert p.lp_bound >= p.objective - 1e-6


def test_reuse_gives_the_same_frontier_as_solving_every_point():
    plan = read_plan(SAMPLE).with_settings(gap=0)
    a = frontier(plan, steps=7, workers=1, reuse=False)
    b = frontier(plan, steps=7, workers=2, reuse=True)
    assert [p.objective for p in a.points] == pytest.approx([p.objective for p in b.points])
    # the top budget holds the best portfolio with no budget at all, found while choosing the
    # range: it is taken from there, not solved a second time
    assert a.points[-1].solved and not b.points[-1].solved
    assert set(b.points[-1].selected) == set(a.points[-1].selected)
    assert b.solves < a.solves


def test_only_the_end_of_the_range_not_given_is_searched_for(monkeypatch):
    """The top of the range is the best portfolio with no budget, on a multi-period plan the
    longest solve of a frontier: a user who gives the top (--to) does not wait for it."""
    from portfolio_opt.analyses import batch

    plan = read_plan(SAMPLE).with_settings(gap=0)
    budgets = []
    real = batch.solve_plan

    def spy(p, state=None):
        budgets.append(p.settings.budget)
        return real(p, state)

    monkeypatch.setattr(batch, "solve_plan", spy)
    f = frontier(plan, steps=4, hi=9_000_000, workers=1)
    assert budgets and None not in budgets, "no solve of the plan without a budget"
    assert f.points[-1].budget == 9_000_000 and f.points[-1].solved
    budgets.clear()
    frontier(plan, steps=4, workers=1)
    assert None in budgets, "without --to the top is searched for"


def test_a_plan_infeasible_without_any_budget_says_why_whichever_end_is_given():
    from portfolio_opt import Infeasible

    plan = Plan(
        (
            Initiative("A", "a", 7, 1.0, 0, 6, decision=Decision.MUST),
            Initiative("B", "b", 5, 1.0, 0, 5, decision=Decision.MUST),
        ),
        settings=simple(20),
        limits=(Limit("Count", max=1),),
    )
    for ends in ({}, {"lo": 1.0}, {"hi": 30.0}):
        with pytest.raises(Infeasible):
            frontier(plan, steps=3, **ends)


def greedy_value(plan: Plan, budget: float) -> float:
    """A value-per-cost ranking filled in order while it fits: what many tools call a frontier."""
    order = sorted(plan.initiatives, key=lambda i: -i.impact / i.cost)
    spent = value = 0.0
    for i in order:
        if spent + i.cost <= budget:
            spent += i.cost
            value += i.impact
    return value


def test_frontier_is_not_the_greedy_curve():
    plan = Plan(
        (Initiative("A", "a", 7, 1.0, 0, 6), Initiative("B", "b", 5, 1.0, 0, 5), Initiative("C", "c", 5, 1.0, 0, 5)),
        settings=simple(10),
    )
    f = frontier(plan, steps=3, lo=5, hi=15)
    at_10 = [p for p in f.points if p.budget == 10][0]
    assert at_10.objective == pytest.approx(10)  # B + C
    assert set(at_10.selected) == {"B", "C"}
    assert greedy_value(plan, 10) == pytest.approx(7)  # A alone: ratio first, then nothing fits


# --------------------------------------------------------------------------- scenarios


def attribution_plan() -> Plan:
    inis = (
        Initiative("X", "x", 30, 1.0, 0, 40),
        Initiative("Y", "y", 10, 1.0, 0, 50),
        Initiative("Z", "z", 20, 1.0, 0, 30),
        Initiative("W", "w", 50, 1.0, 0, 30),
    )
    return Plan(inis, settings=simple(100))


def test_budget_cut_drops_z():
    plan = attribution_plan()
    run = run_scenarios(plan, (Scenario("cut", (Change("budget_change", -0.3, "Budget change -30%"),)),), workers=1)
    base, cut = run.results
    assert set(base.solved.selected) == {"X", "Z", "W"}
    # 70 left: W + X (value 80) beats W + Z (70), so Z goes
    assert cut.left == (("Z", "Budget change -30%"),)
    assert cut.entered == ()


def test_force_in_adds_y_and_through_the_budget_drops_z():
    plan = attribution_plan()
    sc = Scenario(
        "cto", (Change("force_in", None, "Force in Y", "Y"), Change("setting", 12.0, "Horizon 12", "horizon_months"))
    )
    run = run_scenarios(plan, (sc,), workers=1)
    result = run.results[1]
    assert dict(result.entered) == {"Y": "Force in Y"}
    # Y (cost 50) squeezes the budget of 100: only W fits beside it, so X and Z go
    assert dict(result.left) == {"X": "Force in Y", "Z": "Force in Y"}
    assert set(result.solved.selected) == {"Y", "W"}


def test_sample_scenarios_and_their_workbook(tmp_path):
    out = tmp_path / "scenarios.xlsx"
    proc = run_cli("scenarios", SAMPLE, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    names = [s["name"] for s in data["scenarios"]]
    assert names[0] == "Baseline" and "Budget cut 15%" in names
    base = data["scenarios"][0]
    cut = data["scenarios"][names.index("Budget cut 15%")]
    assert cut["total_cost"] <= 0.85 * base["budget"] + 1e-6
    assert cut["objective"] <= base["objective"]
    assert all(m["cause"] == "Budget change -15%" for m in cut["left"] + cut["entered"])
    for s in data["scenarios"]:
        assert {"name", "status", "objective", "total_cost", "selected", "entered", "left"} <= set(s)
    wb = load_workbook(out)
    assert wb.sheetnames == ["Scenario summary", "Scenario matrix", "Scenario changes", "Run info"]
    matrix = wb["Scenario matrix"]
    assert [c.value for c in matrix[1]][:4] == ["ID", "Name", "Theme", "Baseline"]
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_bad_scenario_rows_name_their_cells(tmp_path):
    from openpyxl import load_workbook as lw

    path = tmp_path / "plan.xlsx"
    path.write_bytes(SAMPLE.read_bytes())
    wb = lw(path)
    ws = wb["Scenarios"]
    ws.append(["Broken", None, None, None, "lots"])
    ws.cell(row=1, column=ws.max_column + 1, value="Force in")
    ws.cell(row=ws.max_row, column=ws.max_column, value="INI-999")
    ws.cell(row=1, column=ws.max_column + 1, value="Colour")
    wb.save(path)
    with pytest.raises(InvalidWorkbook) as info:
        read_plan(path)
    text = "\n".join(str(p) for p in info.value.problems)
    codes = {p.code for p in info.value.problems}
    assert {"unknown-id", "unknown-scenario-column", "not-a-number"} <= codes, text
    assert "INI-999" in text and "Scenarios!" in text


def test_a_scenario_says_a_limits_one_name_however_its_header_spells_it(tmp_path):
    """One name per limit in every sheet (issue 33): ``Change: Data eng FTE`` names the limit of
    the column ``Data eng FTE (people)`` (a unit is no part of a name, as with headers), and
    ``max: ml eng fte`` the limit ``ML eng FTE``; each change says the limit as the Summary does."""
    path = tmp_path / "plan.xlsx"
    wb = load_workbook(SAMPLE)
    for c in wb["Initiatives"][1]:
        if c.value == "Data eng FTE":
            c.value = "Data eng FTE (people)"
    ws = wb["Scenarios"]
    ws.cell(row=1, column=ws.max_column + 1, value="max: ml eng fte")
    ws.append(["ML capped"] + [None] * (ws.max_column - 2) + [16])
    wb.save(path)
    plan = read_plan(path)
    names = {lim.name for lim in plan.all_limits()}
    assert "Data eng FTE (people)" in names and "ML eng FTE" in names
    labels = {sc.name: [ch.label for ch in sc.changes] for sc in plan.scenarios}
    assert labels["Data team halved"] == ["Data eng FTE (people) change -50%"]
    assert labels["ML capped"] == ["Max ML eng FTE 16"]
    out = tmp_path / "scenarios.xlsx"
    proc = run_cli("scenarios", path, "-o", out)
    assert proc.returncode == 0, proc.stderr
    rows = {r[0]: r[1:] for r in load_workbook(out)["Scenario summary"].iter_rows(values_only=True)}
    assert "Data eng FTE (people) used" in rows
    header = rows["Measure"]
    assert rows["Changes"][header.index("Data team halved")] == "Data eng FTE (people) change -50%"
    assert rows["Changes"][header.index("ML capped")] == "Max ML eng FTE 16"


# --------------------------------------------------------------------------- compare


def test_efficiency_is_at_most_one_and_exactly_one_for_the_optimum(tmp_path):
    result = optimize(read_plan(SAMPLE).with_settings(gap=0))
    from portfolio_opt.workbook.sample import write_sample

    best = tmp_path / "optimal.xlsx"
    write_sample(best, selected=tuple(result.selected))
    c = compare([(name, read_plan(p).with_settings(gap=0)) for name, p in (("cto", CTO), ("cfo", CFO), ("opt", best))])
    by_name = {r.name: r for r in c.plans}
    assert by_name["opt"].efficiency == pytest.approx(1.0)
    assert by_name["opt"].violations == ()
    assert by_name["cfo"].violations == () and by_name["cfo"].efficiency <= 1.0 + 1e-12
    assert by_name["cto"].violations, "the CTO plan overspends the Platform cost limit"
    assert by_name["cto"].efficiency is None, "a plan that breaks a rule gets no efficiency to flatter it"
    assert not c.differences


def test_compare_cli_json_and_workbook(tmp_path):
    out = tmp_path / "cmp.xlsx"
    proc = run_cli("compare", CTO, CFO, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for p in data["plans"]:
        assert {"name", "objective", "total_cost", "selected", "violations", "efficiency", "optimal_objective"} <= set(
            p
        )
    assert [p["name"] for p in data["plans"]] == ["plan_cto", "plan_cfo"]
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["Comparison", "Plan matrix"]
    with zipfile.ZipFile(out) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_different_initiative_lists_are_reported(tmp_path):
    a = write_plan(tmp_path / "a.xlsx", [ini("A", 1), ini("B", 2)])
    wb = load_workbook(a)
    ws = wb["Initiatives"]
    ws.cell(row=1, column=ws.max_column + 1, value="Selected")
    ws.cell(row=2, column=ws.max_column, value="Yes")
    wb.save(a)
    b = tmp_path / "b.xlsx"
    wb = load_workbook(a)
    wb["Initiatives"].append(["C", "extra", "Core", 5, 1, 0, 3, None, None, None, None, "x"])
    wb.save(b)
    proc = run_cli("compare", a, b, "-o", tmp_path / "c.xlsx", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert any("has 1 initiative(s) a lacks: C" in d for d in data["differences"])


def test_plan_without_selected_column_is_an_error(tmp_path):
    proc = run_cli("compare", SAMPLE, CFO, "-o", tmp_path / "c.xlsx")
    assert proc.returncode == 3
    assert "Selected" in proc.stderr


# --------------------------------------------------------------------------- frontier CLI


def test_frontier_cli_json_and_live_chart(tmp_path):
    out = tmp_path / "frontier.xlsx"
    proc = run_cli("frontier", SAMPLE, "-o", out, "--steps", "6", "--from", "2000000", "--to", "12000000", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    points = data["points"]
    assert points[0]["budget"] == 2_000_000 and points[-1]["budget"] == 12_000_000
    for p in points:
        assert {"budget", "objective", "total_cost", "selected"} <= set(p)
    assert [p["objective"] for p in points] == sorted(p["objective"] for p in points)
    wb = load_workbook(out)
    ws = wb["Frontier"]
    assert [c.value for c in ws[1]][:4] == ["Budget", "Expected value", "LP bound", "Cost"]
    assert any(row[8] == "Yes" for row in ws.iter_rows(min_row=2, values_only=True)), "current budget marked"
    with zipfile.ZipFile(out) as z:
        chart = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert chart
        xml = z.read(chart[0]).decode()
        assert "'Frontier'!$B$2:$B$" in xml  # the series reads the cells, so edits show: live


def test_shipped_workbooks_read_back():
    assert (ROOT / "scripts" / "build_sample.py").exists()
    for path in (SAMPLE, CTO, CFO):
        plan = read_plan(path)
        assert len(plan.initiatives) == 40
    assert read_plan(CTO).selection and read_plan(SAMPLE).scenarios


def test_shipped_workbooks_are_what_the_script_builds(tmp_path):
    # the data/ files are built by scripts/build_sample.py: rebuilding gives the same bytes,
    # so an edit to the sample code that is not rebuilt (or a clock in the file) shows here
    script = ROOT / "scripts" / "build_sample.py"
    build = tmp_path / "scripts"
    build.mkdir()
    (tmp_path / "data").mkdir()
    (build / "build_sample.py").write_text(script.read_text())
    (tmp_path / "portfolio_opt").symlink_to(ROOT / "portfolio_opt")
    subprocess.run([sys.executable, str(build / "build_sample.py")], check=True, capture_output=True)
    for name in ("sample_plan.xlsx", "plan_cto.xlsx", "plan_cfo.xlsx", "sample_quarterly.xlsx"):
        assert (tmp_path / "data" / name).read_bytes() == (ROOT / "data" / name).read_bytes(), name


# --------------------------------------------------------------------------- frontier: what users expect


@pytest.mark.parametrize("steps", [4, 8, pytest.param(25, marks=pytest.mark.slow)])
def test_steps_gives_that_many_round_budgets_with_the_current_one_among_them(steps):
    plan = read_plan(SAMPLE)
    f = frontier(plan, steps=steps)
    assert len(f.points) == steps
    current = [p for p in f.points if p.current]
    assert len(current) == 1 and current[0].budget == plan.settings.budget
    others = [p.budget for p in f.points if not p.current]
    unit = min(b2 - b1 for b1, b2 in zip(others, others[1:]))
    assert all(b % 10_000 == 0 for b in others), others  # round figures, not 1,234,567.89
    assert unit > 0


def test_the_default_upper_end_is_where_value_stops_growing():
    plan = read_plan(SAMPLE).with_settings(gap=0)
    f = frontier(plan, steps=6)
    unlimited = optimize(plan.with_settings(budget=None))
    top = f.points[-1]
    assert top.objective == pytest.approx(unlimited.objective, rel=1e-9)
    assert top.budget < sum(i.cost for i in plan.initiatives) / 2  # not the cost of everything
    assert top.budget - unlimited.total_cost < (top.budget - f.points[0].budget) / 10
    assert f.points[-2].objective < top.objective  # the curve still rises into its last point


def test_a_cost_cap_in_constraints_is_named_instead_of_a_flat_frontier(tmp_path):
    from conftest import ini, write_plan

    rows = [ini(k, 100 * (k + 1), impact=1000 * (k + 1)) for k in range(6)]
    path = write_plan(
        tmp_path / "plan.xlsx", [(str(r[0]),) + tuple(r[1:]) for r in rows], constraints=[("Cost", "All", None, 700)]
    )
    proc = run_cli("frontier", path, "-o", tmp_path / "f.xlsx", "--steps", "4", "--to", "2100", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["warnings"] and "Constraints!A2 caps total Cost at 700" in data["warnings"][0]
    assert "Constraints!A2 caps total Cost" in proc.stderr


def test_the_chart_marks_the_current_budget(tmp_path):
    out = tmp_path / "frontier.xlsx"
    assert run_cli("frontier", SAMPLE, "-o", out, "--steps", "5").returncode == 0
    with zipfile.ZipFile(out) as z:
        xml = z.read(next(n for n in z.namelist() if n.startswith("xl/charts/chart"))).decode()
    assert "Current budget" in xml and "diamond" in xml
