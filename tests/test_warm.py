"""Warm re-solves: a what-if answered from a solved plan equals a fresh solve of the changed plan.

Random plans, random what-ifs (force in, force out, clear, the budget moved or set where there
was none, a limit's bound moved), both solvers; a change that cannot move bounds in place (a
setting) builds the program again and says so; an infeasible what-if names its conflict.
"""

from __future__ import annotations

import random

import pytest
from conftest import ROOT, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_plans import REALISTIC, SMALL, Recipe, limit, one_of, plans, random_plan, steps

from portfolio_opt import Infeasible, optimize, read_plan
from portfolio_opt.core.changes import apply_changes
from portfolio_opt.core.warm import WarmPlan
from portfolio_opt.model.plan import Change, ChangeKind, Decision


def random_whatif(plan, rng: random.Random) -> list[Change]:
    """One or two changes of the kinds a person makes by clicking and dragging."""
    ids = [ini.id for ini in plan.initiatives]
    out = []
    for _ in range(rng.choice((1, 1, 2))):
        roll = rng.random()
        if roll < 0.25:
            out.append(Change(ChangeKind.FORCE_IN, None, "", rng.choice(ids)))
        elif roll < 0.5:
            out.append(Change(ChangeKind.FORCE_OUT, None, "", rng.choice(ids)))
        elif roll < 0.6:
            fixed = [i.id for i in plan.initiatives if i.decision is not Decision.FREE] or ids
            out.append(Change(ChangeKind.CLEAR, None, "", rng.choice(fixed)))
        elif roll < 0.85 or not plan.limits:
            if plan.settings.budget is None:
                total = sum(i.cost for i in plan.initiatives)
                out.append(Change(ChangeKind.BUDGET, round(total * rng.uniform(0.1, 0.6)), ""))
            else:
                out.append(Change(ChangeKind.BUDGET_CHANGE, rng.uniform(-0.25, 0.25), ""))
        else:
            t = rng.randrange(len(plan.limits))
            lim = plan.limits[t]
            side = "max" if lim.max is not None else "min"
            kind = ChangeKind.LIMIT_MAX if side == "max" else ChangeKind.LIMIT_MIN
            out.append(Change(kind, round(getattr(lim, side) * rng.uniform(0.7, 1.3), 2), "", (t,)))
    return out


def fresh(plan, changes):
    try:
        return optimize(apply_changes(plan, changes))
    except Infeasible:
        return None


def same(warm: WarmPlan, changes) -> None:
    """The warm answer and a fresh solve agree: both infeasible, or equal within the plan's gap."""
    expected = fresh(warm.plan, changes)
    if expected is None:
        with pytest.raises(Infeasible):
            warm.solve(changes)
        return
    answer = warm.solve(changes)
    gap = warm.plan.settings.gap
    assert answer.solved.objective == pytest.approx(expected.objective, rel=gap + 1e-9, abs=1e-6)
    picked = {ini.id for ini, x in zip(warm.plan.initiatives, answer.solved.selected) if x}
    result = answer.result()
    assert set(result.selected) == picked
    assert not [r for r in result.limits if r.slack is not None and r.slack < -1e-6 * max(1.0, abs(r.limit.max or 0))]
    assert set(answer.entered) == picked - set(warm.baseline_ids)
    assert set(answer.left) == set(warm.baseline_ids) - picked


@pytest.mark.parametrize("solver_name", ["highs", "cbc"])
@pytest.mark.parametrize("seed", [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow)])
def test_warm_what_ifs_equal_fresh_solves(solver_name, seed):
    plan = random_plan(80, seed=seed).with_settings(solver=solver_name, gap=1e-9)
    warm = WarmPlan(plan)
    rng = random.Random(seed)
    for _ in range(12):
        same(warm, random_whatif(plan, rng))


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(SMALL), seed=st.integers(0, 10_000))
def test_warm_what_ifs_on_every_rule_kind_equal_fresh_solves(plan, seed):
    try:
        warm = WarmPlan(plan)
    except Infeasible:
        return
    same(warm, random_whatif(plan, random.Random(seed)))


TIMED = Recipe(
    size=(3, 8),
    periods=one_of(2, 3, 4),
    cost=steps(1, 10, 1_000),
    impact=steps(1, 100, 1_000),
    probability=one_of(0.5, 1.0),
    time_to_value=one_of(0.0, 3.0),
    columns={"FTE": steps(0, 3)},
    duration=one_of(3.0, 6.0),
    windows=True,
    limits=(
        limit("FTE", max=steps(2, 6), period="each"),
        limit("Cost", max=steps(2, 8, 1_000), kind="change", chance=0.5),
    ),
    settings={"budget": steps(10, 40, 1_000), "gap": 0.0, "period_length": 3, "first_period": "P1"},
)


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(TIMED), seed=st.integers(0, 10_000))
def test_warm_what_ifs_on_multi_period_plans_equal_fresh_solves(plan, seed):
    try:
        warm = WarmPlan(plan)
    except Infeasible:
        return
    same(warm, random_whatif(plan, random.Random(seed)))


def test_bounds_move_in_place_and_a_setting_builds_the_program_again():
    plan = random_plan(120, seed=4, recipe=REALISTIC)
    warm = WarmPlan(plan)
    moved = warm.solve([Change(ChangeKind.BUDGET_CHANGE, -0.1, "Budget change -10%")])
    assert moved.warm and moved.value_change < 0 and moved.left
    rebuilt = warm.solve([Change(ChangeKind.SETTING, 12.0, "Horizon 12", "horizon_months")])
    assert not rebuilt.warm
    assert rebuilt.solved.objective == pytest.approx(optimize(plan.with_settings(horizon_months=12.0)).objective)


def test_a_budget_the_plan_lacks_can_be_set():
    plan = read_plan(ROOT / "data" / "sample_plan.xlsx").with_settings(budget=None)
    warm = WarmPlan(plan)
    answer = warm.solve([Change(ChangeKind.BUDGET, 5_000_000.0, "Budget 5,000,000")])
    assert answer.warm
    assert answer.solved.objective == pytest.approx(optimize(plan, budget=5_000_000).objective, rel=1e-4)


def test_an_infeasible_what_if_names_its_conflict():
    plan = read_plan(ROOT / "data" / "sample_plan.xlsx")
    warm = WarmPlan(plan)
    with pytest.raises(Infeasible) as err:
        warm.solve([Change(ChangeKind.BUDGET, 100_000.0, "Budget 100,000")])
    assert any("budget" in c.name for c in err.value.conflict)


def test_a_what_if_that_only_narrows_a_multi_period_plan_is_proved_by_the_plans_own_solve():
    plan = read_plan(ROOT / "data" / "sample_quarterly.xlsx")
    warm = WarmPlan(plan)
    base = warm.baseline
    ids = [ini.id for ini in plan.initiatives]
    chosen = [i for i, x in zip(ids, base.selected) if x]
    out = [ini.id for ini, x in zip(plan.initiatives, base.selected) if not x and ini.decision is Decision.FREE]
    narrowing = [
        [Change(ChangeKind.FORCE_IN, None, "", chosen[0])],
        [Change(ChangeKind.FORCE_OUT, None, "", out[0])],
        [Change(ChangeKind.FORCE_IN, None, "", chosen[1]), Change(ChangeKind.FORCE_OUT, None, "", out[1])],
        [Change(ChangeKind.BUDGET, base.uses[0].used, "Budget at the optimum's cost")],
    ]
    for changes in narrowing:
        answer = warm.solve(changes)
        # the plan's optimum, with the plan's own proof: no search was needed
        assert answer.solved.selected == base.selected and answer.solved.starts == base.starts
        assert answer.solved.solution.bound == base.solution.bound
        assert answer.warm and not answer.entered and not answer.left and answer.value_change == 0
    same(warm, narrowing[2])
