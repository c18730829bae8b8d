"""Multi-period plans: brute force over selections and start periods, limits per period,
windows, timed dependencies, the cost of delay, and single-period equivalence."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from conftest import ROOT, examples, reduced, run_cli
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook
from random_plans import Recipe, each_earlier, limit, one_of, plans, steps

from portfolio_opt import Decision, Infeasible, Initiative, Limit, Plan, Settings, optimize, read_plan
from portfolio_opt.core.schedule import build_periods, demand, start_score, window

QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"


#: Plans of one to three periods small enough to enumerate every choice of start: build
#: durations, start windows, an FTE cap in every period, maybe a cost cap in the first,
#: dependencies timed or not.
TIMED = Recipe(
    size=(1, 4),
    periods=one_of(1, 2, 3),
    cost=steps(1, 10, 1_000),
    depends_on=each_earlier(1 / 4),
    impact=steps(0, 100, 1_000),
    probability=one_of(0.5, 1.0),
    time_to_value=one_of(0.0, 3.0, 6.0),
    exclusive_group=one_of(None, None, "G"),
    decision=one_of(*[Decision.FREE] * 6, Decision.MUST),
    columns={"FTE": steps(0, 3)},
    duration=one_of(3.0, 3.0, 6.0),
    windows=True,
    limits=(
        limit("FTE", max=steps(1, 5), period="each"),
        limit("Cost", max=steps(3, 15, 1_000), period=0, chance=0.5),
    ),
    settings={
        "budget": steps(5, 30, 1_000),
        "horizon_months": 24,
        "discount_rate": 0.1,
        "gap": 0,
        "period_length": 3,
        "first_period": "P1",
        "timed_dependencies": one_of(False, True),
    },
)


def brute(plan: Plan):
    """Best value over every choice of (not selected | start period) per initiative."""
    s = plan.settings
    options = [[None] + list(window(ini, s)) for ini in plan.initiatives]
    best = None
    for choice in itertools.product(*options):
        if not feasible(plan, choice):
            continue
        value = sum(start_score(ini, t, s) for ini, t in zip(plan.initiatives, choice) if t is not None)
        best = value if best is None else max(best, value)
    return best


def feasible(plan: Plan, choice) -> bool:
    s = plan.settings
    inis = plan.initiatives
    ids = {ini.id: k for k, ini in enumerate(inis)}
    for ini, t in zip(inis, choice):
        if ini.decision is Decision.MUST and t is None:
            return False
        if t is None:
            continue
        for d in ini.depends_on:
            tj = choice[ids[d]]
            if tj is None:
                return False
            if s.timed_dependencies and s.periods > 1 and t < tj + build_periods(inis[ids[d]], s):
                return False
    if sum(1 for ini, t in zip(inis, choice) if t is not None and ini.exclusive_group == "G") > 1:
        return False
    if s.budget is not None and sum(ini.cost for ini, t in zip(inis, choice) if t is not None) > s.budget + 1e-9:
        return False
    for lim in plan.limits:
        used = 0.0
        for _k, (ini, t) in enumerate(zip(inis, choice)):
            if t is None:
                continue
            d = build_periods(ini, s)
            if t <= lim.period < t + d:
                used += ini.cost / d if lim.column == "Cost" else ini.values["FTE"]
        if used > lim.max + 1e-9:
            return False
    return True


@pytest.mark.parametrize("reduce", [False, True], ids=["whole", "reduced"])
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(TIMED))
def test_multi_period_equals_brute_force(reduce, plan):
    best = brute(plan)
    if best is None:
        with pytest.raises(Infeasible), reduced(reduce):
            optimize(plan)
        return
    with reduced(reduce):
        result = optimize(plan)
    starts = {plan.index(i): t for i, t in result.starts.items()}
    choice = [starts.get(k) for k in range(len(plan.initiatives))]
    assert feasible(plan, choice), "limits per period, windows and timed dependencies hold"
    for ini, t in zip(plan.initiatives, choice):
        if t is not None:
            assert t in window(ini, plan.settings)
    assert result.objective == pytest.approx(best, rel=1e-6, abs=1e-3)


def test_single_period_plan_gives_the_core_answer():
    core = read_plan(ROOT / "data" / "sample_plan.xlsx")
    one = core.with_settings(periods=1, gap=0)
    a, b = optimize(core.with_settings(gap=0)), optimize(one)
    assert b.objective == pytest.approx(a.objective, rel=1e-9)
    assert set(b.selected) == set(a.selected)
    assert set(b.starts.values()) == {0}


def test_delay_by_one_period_costs_what_the_formula_says():
    s = Settings(horizon_months=36, discount_rate=0.1, periods=4, period_length=3, first_period="2027-Q1", gap=0)
    ini = Initiative("A", "a", 1_000_000, 0.6, 6, 100)
    frozen = Limit("Cost", max=0, period=0, period_label="2027-Q1")  # Q1 is frozen: it starts in Q2
    result = optimize(Plan((ini,), (frozen,), settings=s))
    r = result.by_id("A")
    assert (r.start, r.finish) == ("2027-Q2", "2027-Q2")
    expected = 0.6 * 1_000_000 * (math.exp(-math.log(1.1) * 9 / 12) - math.exp(-math.log(1.1) * 3)) / math.log(1.1)
    assert r.score == pytest.approx(expected)
    assert r.delay_loss == pytest.approx(start_score(ini, 0, s) - expected)
    assert start_score(ini, 0, s) - start_score(ini, 1, s) > 0


@pytest.mark.slow
def test_frozen_first_quarter_and_dependencies_in_the_sample(tmp_path):
    plan = read_plan(QUARTERLY)
    assert plan.settings.period_labels()[:2] == ["2027-Q1", "2027-Q2"]
    result = optimize(plan, solver_name="cbc")  # CBC: ~0.6 s here against HiGHS's ~4 s
    starts = {plan.index(i): t for i, t in result.starts.items()}
    for use in result.limits:
        if use.limit.max is not None:
            assert use.used <= use.limit.max + 1e-6, use.limit.name
    for i, t in starts.items():
        ini = plan.initiatives[i]
        for dep in ini.depends_on:
            j = plan.index(dep)
            assert j in starts and t >= starts[j] + build_periods(plan.initiatives[j], plan.settings)
    q1 = [u for u in result.limits if u.limit.name == "Cost [2027-Q1]" and u.limit.max == 400_000][0]
    assert q1.used <= 400_000
    assert demand(plan, q1.limit, plan.index("INI-004")) == [400_000.0] * 3


@pytest.mark.slow
def test_quarterly_results_workbook_and_json(tmp_path):
    out = tmp_path / "q.xlsx"
    proc = run_cli("optimize", QUARTERLY, "-o", out, "--json", "--solver", "cbc")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for entry in data["initiatives"]:
        assert "start" in entry and "finish" in entry
        assert (entry["start"] is None) == (not entry["selected"])
    wb = load_workbook(out)
    assert {"Schedule", "Capacity"} <= set(wb.sheetnames)
    gantt = wb["Schedule"]
    header = [c.value for c in gantt[1]]
    assert header[:5] == ["ID", "Name", "Theme", "Start", "Finish"] and "2027-Q1" in header
    row = next(gantt.iter_rows(min_row=2))
    assert any(c.value == "build" and c.fill.fgColor.rgb.endswith("F4B183") for c in row)
    # the results workbook is itself a multi-period plan that optimizes to the same schedule
    again = optimize(read_plan(out), solver_name="cbc")
    assert dict(again.starts) == {
        r["id"]: read_plan(QUARTERLY).settings.period_labels().index(r["start"])
        for r in data["initiatives"]
        if r["selected"]
    }


@pytest.mark.slow
def test_frontier_and_scenarios_work_on_multi_period_plans(tmp_path):
    proc = run_cli(
        "frontier",
        QUARTERLY,
        "-o",
        tmp_path / "f.xlsx",
        "--steps",
        "3",
        "--from",
        "6000000",
        "--to",
        "10000000",
        "--json",
        "--solver",
        "cbc",
    )
    assert proc.returncode == 0, proc.stderr
    points = json.loads(proc.stdout)["points"]
    values = [p["objective"] for p in points]
    assert None not in values and values == sorted(values)
    plan = read_plan(QUARTERLY)
    from portfolio_opt.analyses.frontier import budget_range

    cheapest, _ = budget_range(plan.with_settings(solver="cbc"))
    assert cheapest >= 350_000  # the Must and the Risk minimum cost something
    proc = run_cli("scenarios", QUARTERLY, "-o", tmp_path / "s.xlsx", "--json", "--solver", "cbc")
    assert proc.returncode == 0, proc.stderr
    runs = {s["name"]: s for s in json.loads(proc.stdout)["scenarios"]}
    assert runs["Data team halved"]["objective"] < runs["Baseline"]["objective"]
    assert runs["Q2 frozen too"]["status"] == "optimal"
    assert all(
        m["cause"] == "Max Cost [2027-Q2] 0" for m in runs["Q2 frozen too"]["left"] + runs["Q2 frozen too"]["entered"]
    )


def test_period_errors_name_their_cells(tmp_path):
    from openpyxl import load_workbook as lw

    path = tmp_path / "p.xlsx"
    path.write_bytes(QUARTERLY.read_bytes())
    wb = lw(path)
    ws = wb["Initiatives"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("Earliest start") + 1, value="2031-Q9")
    wb["Constraints"].append(["Cost", "All", None, 5, "someday"])
    wb.save(path)
    proc = run_cli("validate", path)
    assert proc.returncode == 3
    assert "Earliest start '2031-Q9' is not a period of the plan" in proc.stderr
    assert "Period 'someday'" in proc.stderr


@pytest.mark.slow
def test_explain_story_uses_the_chosen_start():
    proc = run_cli("explain", QUARTERLY, "INI-001", "--solver", "cbc")
    assert proc.returncode == 0, proc.stderr
    plan = read_plan(QUARTERLY)
    result = optimize(plan, solver_name="cbc")
    r = result.by_id("INI-001")
    t = plan.settings.period_labels().index(r.start)
    assert f"value from month {6 + 3 * t:g} to 36" in proc.stdout
    assert f"Score {r.score:,.0f} =" in proc.stdout
    assert f"Scheduled from {r.start} to {r.finish}" in proc.stdout


@pytest.mark.slow
def test_results_of_results_keep_one_schedule_and_every_setting(tmp_path):
    from portfolio_opt import save_results
    from portfolio_opt.workbook.results import settings_table

    plan = read_plan(QUARTERLY).with_settings(solver="cbc", currency="€")
    first = optimize(plan)
    save_results(first, tmp_path / "r1.xlsx")
    again = read_plan(tmp_path / "r1.xlsx")
    assert again.settings == plan.settings  # Periods, First period, solver, currency all kept
    rows = dict(settings_table(plan.settings.__class__(periods=4, timed_dependencies=False), None).rows)
    assert rows["Periods"] == 4 and rows["Dependencies"] == "together"
    save_results(optimize(again), tmp_path / "r2.xlsx")
    names = load_workbook(tmp_path / "r2.xlsx").sheetnames
    assert names.count("Schedule") == 1 and "Schedule1" not in names and "Capacity1" not in names
