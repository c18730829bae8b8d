"""The optimizer equals brute-force enumeration on small random plans with every rule kind.

The oracle below is written from the docs' definitions alone (docs/model.md); it shares no code
with the formulation it checks.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest
from conftest import examples, reduced
from hypothesis import HealthCheck, given, settings
from random_plans import Recipe, between, limit, plans, random_plan, steps

from portfolio_opt import Decision, Infeasible, Initiative, Limit, Objective, Plan, Settings, optimize


def oracle_score(ini: Initiative, s: Settings) -> float:
    t, h, r = ini.time_to_value, s.horizon_months, s.discount_rate
    if t >= h:
        d = 0.0
    elif r == 0:
        d = (h - t) / 12
    else:
        k = math.log(1 + r)
        d = (math.exp(-k * t / 12) - math.exp(-k * h / 12)) / k
    value = ini.probability * (ini.impact - ini.run_cost) * d
    return value - ini.cost if s.objective is Objective.NPV else value


def feasible(plan: Plan, chosen: set[str]) -> bool:
    inis = plan.initiatives
    for ini in inis:
        if ini.decision is Decision.MUST and ini.id not in chosen:
            return False
        if ini.decision is Decision.EXCLUDE and ini.id in chosen:
            return False
        if ini.id in chosen and any(d not in chosen for d in ini.depends_on):
            return False
    groups: dict[str, int] = {}
    for ini in inis:
        if ini.exclusive_group and ini.id in chosen:
            groups[ini.exclusive_group] = groups.get(ini.exclusive_group, 0) + 1
    if any(c > 1 for c in groups.values()):
        return False
    if plan.settings.budget is not None and sum(i.cost for i in inis if i.id in chosen) > plan.settings.budget + 1e-6:
        return False
    for lim in plan.limits:
        total = 0.0
        for ini in inis:
            if ini.id not in chosen:
                continue
            if lim.scope is not None and ini.values.get(lim.scope[0]) != lim.scope[1]:
                continue
            total += {"Count": 1.0, "Cost": ini.cost}.get(lim.column, ini.values.get(lim.column, 0.0))
        if lim.max is not None and total > lim.max + 1e-6:
            return False
        if lim.min is not None and total < lim.min - 1e-6:
            return False
    return True


def brute_force(plan: Plan) -> float | None:
    best = None
    ids = [ini.id for ini in plan.initiatives]
    for mask in itertools.product([False, True], repeat=len(ids)):
        chosen = {i for i, m in zip(ids, mask) if m}
        if feasible(plan, chosen):
            value = sum(oracle_score(ini, plan.settings) for ini in plan.initiatives if ini.id in chosen)
            best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("reduce", [False, True], ids=["whole", "reduced"])
@settings(max_examples=examples(70), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans())
def test_optimizer_equals_brute_force(solver, reduce, plan):
    best = brute_force(plan)
    if best is None:
        with pytest.raises(Infeasible) as info, reduced(reduce):
            optimize(plan, solver_name=solver)
        assert info.value.conflict, "an infeasible plan names its conflict"
        return
    with reduced(reduce):
        result = optimize(plan, solver_name=solver)
    assert result.status.value == "optimal"
    chosen = set(result.selected)
    assert feasible(plan, chosen), "the portfolio keeps every rule"
    achieved = sum(oracle_score(i, plan.settings) for i in plan.initiatives if i.id in chosen)
    assert achieved == pytest.approx(result.objective, rel=1e-9, abs=1e-6)
    assert achieved == pytest.approx(best, rel=1e-6, abs=1e-3)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_limit_with_min_and_max_keeps_the_optimum(solver):
    """Found by the test above: CBC's preprocessing proved the worse of two portfolios optimal
    when one sum had both a Min and a Max (a -90,000 portfolio against one worth 0)."""
    plan = Plan(
        initiatives=(
            Initiative(
                "I0",
                "a",
                impact=0.0,
                probability=0.3,
                time_to_value=0.0,
                cost=670_000,
                run_cost=100_000,
                theme="Revenue",
                values={"Theme": "Revenue"},
            ),
            Initiative(
                "I1",
                "b",
                impact=0.0,
                probability=0.0,
                time_to_value=0.0,
                cost=340_000,
                theme="Revenue",
                values={"Theme": "Revenue"},
            ),
        ),
        limits=(Limit(column="Cost", min=100_000, scope=("Theme", "Revenue")),),
        settings=Settings(budget=1_000_000, discount_rate=0.0, gap=0.0),
    )
    result = optimize(plan, solver_name=solver)
    assert result.selected == ("I1",)
    assert result.objective == pytest.approx(0.0, abs=1e-6)


def test_cbc_proving_infeasible_while_tightening_bounds_is_infeasible_not_a_failure():
    """Found by the test above: without preprocessing, CBC 2.10 crashes on this plan once it
    sees no portfolio fits (the Revenue minimum needs I4, which needs I0-I3 and breaks the budget)."""
    ids = [f"I{k}" for k in range(6)]
    inis = tuple(
        Initiative(
            ids[k],
            "x",
            impact=0.0,
            probability=0.0,
            time_to_value=0.0,
            cost=230_000 if k == 4 else 0.0,
            depends_on=tuple(ids[:k]),
            theme="Revenue" if k == 4 else "Retention",
            values={"Theme": "Revenue" if k == 4 else "Retention"},
        )
        for k in range(6)
    )
    plan = Plan(
        inis,
        (Limit(column="Cost", min=100_000, scope=("Theme", "Revenue")),),
        Settings(budget=200_000, discount_rate=0.0, gap=0.0),
    )
    for on in (False, True):
        with reduced(on):
            with pytest.raises(Infeasible):
                optimize(plan, solver_name="cbc")


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_amounts_up_to_the_documented_limit_give_the_same_portfolio(solver):
    """The same plan in units, in trillions and at the 10^15 limit: rows are scaled for the
    solvers (HiGHS refuses matrix entries of 10^15), so the answer does not change."""
    units = random_plan(
        60,
        seed=1,
        recipe=Recipe(
            impact=between(1, 10),
            probability=between(0.2, 1),
            time_to_value=steps(0, 12),
            cost=between(1, 5),
            columns={"FTE": steps(1, 4)},
            limits=(limit("FTE", max=40),),
        ),
        gap=0.0,
    )

    def plan_at(scale):
        inis = tuple(replace(x, impact=x.impact * scale, cost=x.cost * scale * 0.3) for x in units.initiatives)
        return units.with_initiatives(inis).with_settings(budget=20 * scale)

    for on in (False, True):
        with reduced(on):
            base = optimize(plan_at(1_000.0), solver_name=solver)
            for scale in (1e12, 9e14):
                big = optimize(plan_at(scale), solver_name=solver)
                assert big.selected == base.selected, scale
                assert big.objective == pytest.approx(base.objective * scale / 1_000.0, rel=1e-9)
