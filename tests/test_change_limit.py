"""Max per period change: a Constraints column for multi-period plans, |use(t+1) − use(t)| ≤ change.

The optimizer equals brute force over every selection and start (both solvers); the workbook's
cell is read in the column's units or as a % of the row's Max, and refused at its cell when it
cannot hold; the diagnosis, the Ranking's reasons and scenarios speak of it.
"""

from __future__ import annotations

import itertools

import openpyxl
import pytest
from conftest import ROOT, examples
from hypothesis import HealthCheck, given, settings
from random_plans import Recipe, limit, one_of, plans, steps

from portfolio_opt import Infeasible, Initiative, InvalidWorkbook, Limit, Plan, Settings, optimize, read_plan
from portfolio_opt.core.schedule import build_periods, start_score, window

QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"


def _use(plan: Plan, column: str, choice, p: int) -> float:
    """The column's use in period p by a choice of starts (None: not selected), from the
    definitions: Cost spread evenly over the build, any other column used in full while building."""
    s, used = plan.settings, 0.0
    for ini, t in zip(plan.initiatives, choice):
        if t is None:
            continue
        d = build_periods(ini, s)
        if t <= p < t + d:
            used += ini.cost / d if column == "Cost" else ini.values[column]
    return used


def brute(plan: Plan) -> float | None:
    s = plan.settings
    best = None
    for choice in itertools.product(*[[None, *window(ini, s)] for ini in plan.initiatives]):
        if s.budget is not None and sum(i.cost for i, t in zip(plan.initiatives, choice) if t is not None) > s.budget:
            continue
        ok = True
        for lim in plan.limits:
            if lim.kind == "change":
                move = _use(plan, lim.column, choice, lim.period + 1) - _use(plan, lim.column, choice, lim.period)
                ok &= abs(move) <= lim.max + 1e-9
            else:
                ok &= _use(plan, lim.column, choice, lim.period) <= lim.max + 1e-9
        if ok:
            value = sum(start_score(ini, t, s) for ini, t in zip(plan.initiatives, choice) if t is not None)
            best = value if best is None else max(best, value)
    return best


#: Plans of two or three periods small enough to enumerate every choice of start: build
#: durations of one or two periods, a Max per period change on Cost or FTE, maybe an FTE cap in
#: every period and a budget.
CHANGING = Recipe(
    size=(1, 4),
    periods=one_of(2, 3),
    cost=steps(1, 8, 1_000),
    impact=steps(1, 100, 1_000),
    probability=1.0,
    time_to_value=one_of(0.0, 3.0),
    columns={"FTE": steps(0, 3)},
    duration=one_of(3.0, 6.0),
    limits=(
        limit("Cost", max=steps(0, 6, 1_000), kind="change", chance=0.5),
        limit("FTE", max=steps(0, 3), kind="change", chance=0.5),
        limit("FTE", max=steps(1, 5), period="each", chance=0.5),
    ),
    settings={
        "budget": one_of(None, 5_000.0, 15_000.0, 30_000.0),
        "horizon_months": 24,
        "gap": 0,
        "period_length": 3,
        "first_period": "P1",
    },
)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(CHANGING))
def test_max_per_period_change_equals_brute_force(solver, plan):
    best = brute(plan)
    result = optimize(plan, solver_name=solver, gap=0)
    assert result.total_value == pytest.approx(best, rel=1e-9, abs=1e-6)
    for use in result.limits:
        assert use.used <= use.limit.max + 1e-6  # the size of the move, within the bound


def _quarterly_with(tmp_path, change, name="plan.xlsx", period=None):
    wb = openpyxl.load_workbook(QUARTERLY)
    ws = wb["Constraints"]
    ws.cell(row=1, column=6, value="Max per period change")
    ws.cell(row=5, column=6, value=change)  # the row "Cost, each quarter, Max 2,500,000"
    if period is not None:
        ws.cell(row=5, column=5, value=period)
    wb.save(tmp_path / name)
    return tmp_path / name


def test_read_in_the_columns_units_or_as_a_share_of_the_rows_max(tmp_path):
    amount = read_plan(_quarterly_with(tmp_path, 800_000))
    share = read_plan(_quarterly_with(tmp_path, "32%", "share.xlsx"))
    changes = [lim for lim in amount.limits if lim.kind == "change"]
    assert [lim.name for lim in changes[:2]] == ["Cost change [2027-Q1 to 2027-Q2]", "Cost change [2027-Q2 to 2027-Q3]"]
    assert len(changes) == 7 and all(lim.max == 800_000 and lim.source == "Constraints!F5" for lim in changes)
    assert [lim.max for lim in share.limits if lim.kind == "change"] == [pytest.approx(800_000)] * 7


@pytest.mark.parametrize(
    "change, period, code",
    [(-5, None, "out-of-range"), ("20%", "2027-Q2", "change-in-one-period"), ("lots", None, "not-a-number")],
)
def test_a_change_that_cannot_hold_is_refused_at_its_cell(tmp_path, change, period, code):
    with pytest.raises(InvalidWorkbook) as err:
        read_plan(_quarterly_with(tmp_path, change, period=period))
    assert any(p.code == code and p.where == "Constraints!F5" for p in err.value.problems), err.value.problems


def test_a_share_of_a_missing_max_and_a_plan_without_periods_are_refused(tmp_path):
    from conftest import write_plan

    path = write_plan(
        tmp_path / "single.xlsx",
        [("A", "a", 1000, 1, 0, 10)],
        headers=("ID", "Name", "Impact", "Probability", "Time to value", "Cost"),
        constraints=[("Cost", "All", None, 20, 5)],
        constraint_headers=("Column", "Scope", "Min", "Max", "Max per period change"),
    )
    with pytest.raises(InvalidWorkbook) as err:
        read_plan(path)
    assert [(p.code, p.where) for p in err.value.problems] == [("no-periods", "Constraints!E2")]


@pytest.mark.slow
def test_the_optimum_ramps_smoothly_and_the_ranking_says_what_keeps_one_out(tmp_path):
    plan = read_plan(_quarterly_with(tmp_path, 800_000))
    result = optimize(plan)
    moves = [u for u in result.limits if u.limit.kind == "change"]
    assert all(u.used <= 800_000 + 1e-6 for u in moves) and any(u.binding for u in moves)
    free = optimize(read_plan(QUARTERLY))
    assert result.objective < free.objective  # the unconstrained optimum jumps by more


def test_the_ranking_says_when_the_move_keeps_one_out():
    def ini(id_, fte, start):
        return Initiative(
            id_, id_, 10_000.0, 1.0, 0, 1000.0, values={"FTE": fte}, duration=3, earliest=start, latest=start
        )

    s = Settings(periods=2, period_length=3, first_period="P1", gap=0)
    plan = Plan(
        (ini("A", 2, 0), ini("B", 2, 1), ini("C", 1, 0)),
        (Limit("FTE", max=0.0, period=0, period_label="P1 to P2", kind="change"),),
        s,
    )
    result = optimize(plan)
    assert set(result.selected) == {"A", "B"}
    assert result.by_id("C").reason == "FTE change [P1 to P2]"


def test_the_diagnosis_names_a_change_that_a_must_cannot_keep():
    from portfolio_opt import Decision

    s = Settings(periods=2, period_length=3, first_period="P1", gap=0)
    a = Initiative("A", "a", 10_000.0, 1.0, 0, 1000.0, values={"FTE": 2}, duration=3, latest=0, decision=Decision.MUST)
    plan = Plan(
        (a,), (Limit("FTE", max=1.0, period=0, period_label="P1 to P2", kind="change", source="Constraints!F2"),), s
    )
    with pytest.raises(Infeasible) as err:
        optimize(plan)
    assert [c.name for c in err.value.conflict] == ["Must A", "Max FTE change [P1 to P2]"]
    assert err.value.conflict[1].detail == "FTE change [P1 to P2]: Max 1 (Constraints!F2); the Musts A alone use 2"
    assert "drop the Max of FTE change [P1 to P2]" in err.value.relaxations


def test_a_scenario_moves_every_periods_change_at_once(tmp_path):
    path = _quarterly_with(tmp_path, 800_000)
    wb = openpyxl.load_workbook(path)
    if "Scenarios" in wb.sheetnames:
        del wb["Scenarios"]
    ws = wb.create_sheet("Scenarios")
    ws.append(["Scenario", "Max: Cost change"])
    ws.append(["Looser ramps", 2_000_000])
    wb.save(path)
    plan = read_plan(path)
    (scenario,) = plan.scenarios
    (change,) = scenario.changes
    assert len(change.target) == 7
    from portfolio_opt.core.changes import apply_changes

    looser = apply_changes(plan, scenario.changes)
    assert {lim.max for lim in looser.limits if lim.kind == "change"} == {2_000_000}
