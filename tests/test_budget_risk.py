"""Risk you can budget for: the budget kept with a confidence, the contingency it needs, and the
funding order for a budget not yet known, each against brute force written from its definition."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from random_plans import SMALL, between, one_of, plans, times

from portfolio_opt import Initiative, Plan, Settings, optimize
from portfolio_opt.core import formulation
from portfolio_opt.core.funding import funding_order, world_plan
from portfolio_opt.core.scoring import objective_coefficients
from portfolio_opt.core.simulation import cost_risk
from portfolio_opt.core.worlds import JUDGE, cost_draws, cvar, outcome_matrix
from portfolio_opt.model.plan import BudgetWorld, RiskObjective

#: small plans whose costs can overrun (up to 1.1-1.8 times), on 60 worlds, with a confidence
RANGED = SMALL.but(
    fields={"cost_high": times("cost", between(1.1, 1.8))},
    settings={
        **SMALL.settings,
        "budget": one_of(300_000.0, 600_000.0, 900_000.0),
        "budget_confidence": one_of(0.5, 0.8, 0.9),
        "risk_samples": 60,
        "risk_level": 0.2,
    },
)


def objective_of(plan: Plan, mask) -> float:
    """What the plan's objective says a portfolio is worth: its expected value, or with the cvar
    objective the blend with its CVaR over the same worlds."""
    s = plan.settings
    value = math.fsum(c for c, on in zip(objective_coefficients(plan), mask) if on)
    if s.risk_objective is not RiskObjective.CVAR:
        return value
    outcomes = outcome_matrix(plan, [(i, 0) for i in range(len(plan.initiatives))], s.risk_samples)
    worlds = outcomes[:, list(mask)].sum(axis=1) if any(mask) else np.zeros(s.risk_samples)
    return (1 - s.risk_weight) * value + s.risk_weight * cvar(worlds, s.risk_level)


def brute_force(plan: Plan) -> float | None:
    """The best objective over every portfolio that keeps the plan's other rules and whose cost,
    Costs drawn as the worlds draw them, stays within the budget in enough worlds."""
    s = plan.settings
    plain = plan.with_settings(budget_confidence=None)
    draws = cost_draws(plan, s.risk_samples, s.seed)
    allowed = math.floor((1 - s.budget_confidence) * s.risk_samples + 1e-9)
    best = None
    for mask in itertools.product([False, True], repeat=len(plan.initiatives)):
        if formulation.violations(plain, mask):
            continue
        costs = np.zeros(s.risk_samples)
        for i, on in enumerate(mask):
            if on:
                costs += draws.get(i, plan.initiatives[i].cost)
        if np.sum(costs > s.budget * (1 + 1e-12)) > allowed:
            continue
        value = objective_of(plan, mask)
        best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("solver_name", ["highs", "cbc"])
@pytest.mark.parametrize("objective", ["expected", "cvar"])
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(RANGED))
def test_budget_confidence_equals_brute_force(solver_name, objective, plan):
    plan = plan.with_settings(risk_objective=objective, risk_weight=0.5, solver=solver_name)
    best = brute_force(plan)
    try:
        result = optimize(plan)
    except Exception as exc:  # infeasible: brute force finds nothing either
        assert best is None, exc
        return
    assert best is not None
    chosen = [ini.id in set(result.selected) for ini in plan.initiatives]
    assert not formulation.violations(plan, chosen), "the confidence holds on the sampled worlds"
    assert objective_of(plan, chosen) == pytest.approx(best, rel=1e-7, abs=1e-3)


def _overrunning(n: int = 6) -> tuple[Initiative, ...]:
    return tuple(
        Initiative(f"I{i}", f"i{i}", 1e6 * (1 + i % 3), 0.7, 3, 3e5 + 5e4 * i, cost_high=(3e5 + 5e4 * i) * 1.5)
        for i in range(n)
    )


@pytest.mark.slow
def test_the_confidence_met_on_fresh_worlds_is_within_sampling_error_of_the_target():
    plan = Plan(_overrunning(10), settings=Settings(budget=1.5e6, budget_confidence=0.8, risk_samples=400))
    result = optimize(plan)
    risk = result.cost_risk
    assert risk.target == 0.8 and risk.samples >= 10_000
    # chosen on 400 worlds, judged on 10,000 fresh ones: within a few standard errors of both
    assert risk.within >= 0.8 - 4 * math.sqrt(0.8 * 0.2 / 400) - 4 * risk.se
    loose = optimize(plan.with_settings(budget_confidence=None))
    assert loose.cost_risk.within < risk.within, "without the confidence the budget overruns more often"


def test_the_contingency_is_the_cost_quantile_less_the_budget():
    plan = Plan(_overrunning(2), settings=Settings(budget=7e5))
    mask = [True, True]
    risk = cost_risk(plan, mask, samples=20_000)
    draws = cost_draws(plan, 20_000, purpose=JUDGE)
    total = draws[0] + draws[1]
    for q in (50, 80, 90):
        assert risk.contingency[f"p{q}"] == pytest.approx(float(np.quantile(total, q / 100)) - 7e5)
    assert risk.within == pytest.approx(float(np.mean(total <= 7e5)))


# --------------------------------------------------------------------------- the funding order


def _chains(plan: Plan, worlds: list[BudgetWorld]):
    """Every family of funded sets, one per world (smallest budget first), nested and each
    keeping its world's rules: by dynamic programming over the worlds, best value per set."""
    n = len(plan.initiatives)
    masks = list(itertools.product([False, True], repeat=n))
    layers = []
    for w in worlds:
        wp = world_plan(plan, w)
        coefficients = objective_coefficients(wp)
        ok = {
            m: math.fsum(c for c, on in zip(coefficients, m) if on) for m in masks if not formulation.violations(wp, m)
        }
        layers.append(ok)
    return layers


def brute_order(plan: Plan) -> float | None:
    """The best expected value (or cvar blend) over nested families of funded sets."""
    worlds = sorted(plan.worlds, key=lambda w: w.budget)
    layers = _chains(plan, worlds)
    s = plan.settings
    best = None

    def walk(k: int, below, values):
        nonlocal best
        if k == len(worlds):
            p = [w.probability for w in worlds]
            value = math.fsum(pi * v for pi, v in zip(p, values))
            if s.risk_objective is RiskObjective.CVAR:
                from portfolio_opt.core.funding import _cvar

                value = (1 - s.risk_weight) * value + s.risk_weight * _cvar(p, values, s.risk_level)
            best = value if best is None else max(best, value)
            return
        for mask, value in layers[k].items():
            if below is None or all(b <= m for b, m in zip(below, mask)):
                walk(k + 1, mask, values + [value])

    walk(0, None, [])
    return best


@st.composite
def budget_worlds(draw):
    n = draw(st.integers(2, 5))
    inis = tuple(
        Initiative(
            f"I{i}",
            f"i{i}",
            float(draw(st.integers(1, 20))) * 1e5,
            draw(st.sampled_from([0.5, 1.0])),
            float(draw(st.sampled_from([0, 6]))),
            float(draw(st.integers(1, 8))) * 1e5,
            exclusive_group=draw(st.sampled_from([None, None, "G"])),
            depends_on=("I0",) if i and draw(st.integers(0, 4)) == 0 else (),
        )
        for i in range(n)
    )
    k = draw(st.integers(2, 3))
    weights = [draw(st.integers(1, 5)) for _ in range(k)]
    worlds = tuple(
        BudgetWorld(
            f"W{s}",
            w / sum(weights),
            float(draw(st.integers(1, 25))) * 1e5,
            {f"I{j}": float(draw(st.integers(0, 20))) * 1e5 for j in range(n) if draw(st.integers(0, 3)) == 0},
        )
        for s, w in enumerate(weights)
    )
    objective = draw(st.sampled_from(["expected", "cvar"]))
    return Plan(inis, settings=Settings(gap=0, risk_objective=objective, risk_level=0.3), worlds=worlds)


@pytest.mark.parametrize("solver_name", ["highs", "cbc"])
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=budget_worlds())
def test_the_funding_order_equals_every_nested_family_enumerated(solver_name, plan):
    plan = plan.with_settings(solver=solver_name)
    best = brute_order(plan)
    order = funding_order(plan)
    assert order.objective == pytest.approx(best, rel=1e-9, abs=1e-6)
    funded = [set(w.funded) for w in order.worlds]
    assert all(a <= b for a, b in zip(funded, funded[1:])), "a larger budget never drops what a smaller funds"
    for w, line in zip(order.worlds, order.lines):
        assert w.funded == order.order[:line], "each world funds a prefix of the order"
        assert w.value <= w.alone + 1e-6, "never better than the world's own optimum"


def _waterline(plan: Plan) -> float:
    """Expected value of the value-per-cost ranking, each world funding the longest prefix of
    it that fits its budget and rules."""
    base = objective_coefficients(plan)
    rank = sorted(range(len(plan.initiatives)), key=lambda i: -base[i] / max(plan.initiatives[i].cost, 1e-9))
    total = 0.0
    for w in plan.worlds:
        wp = world_plan(plan, w)
        coefficients = objective_coefficients(wp)
        value = 0.0
        for k in range(len(rank) + 1):
            mask = [i in rank[:k] for i in range(len(rank))]
            if not formulation.violations(wp, mask):
                value = math.fsum(coefficients[i] for i in rank[:k])
        total += w.probability * value
    return total


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=budget_worlds())
def test_the_order_is_never_worse_than_the_value_per_cost_waterline(plan):
    plan = plan.with_settings(risk_objective="expected")
    assert funding_order(plan).expected_value >= _waterline(plan) - 1e-6


def test_every_world_of_a_funding_order_keeps_its_rules_with_a_budget_confidence_and_soft_limits():
    """Worlds whose programs add columns of their own (a confidence's worlds, a soft limit's
    overshoot) are read back from their own place in the stacked program."""
    from portfolio_opt import Limit
    from portfolio_opt.core.rules import Chosen
    from portfolio_opt.core.value import portfolio_value

    inis = tuple(
        Initiative(f"I{i}", f"i{i}", 1e6 * (1 + (i * 7) % 5), 0.7, 3, c, cost_high=c * 1.4, values={"FTE": i % 3})
        for i, c in enumerate(3e5 + 1e5 * ((i * 3) % 4) for i in range(8))
    )
    worlds = (BudgetWorld("low", 0.3, 8e5), BudgetWorld("mid", 0.5, 1.4e6, {"I2": 2e6}), BudgetWorld("high", 0.2, 2e6))
    soft = Limit("FTE", max=3, tolerance=1, penalty=5e5)
    plan = Plan(inis, (soft,), Settings(budget=1.4e6, budget_confidence=0.8, risk_samples=200), worlds=worlds)
    order = optimize(plan).funding
    for w in order.worlds:
        wp = world_plan(plan, w.world)
        mask = [ini.id in set(w.funded) for ini in wp.initiatives]
        assert not formulation.violations(wp, mask)
        assert w.value == pytest.approx(portfolio_value(wp, Chosen.of(mask)))
        assert w.value <= w.alone + 1e-6


# --------------------------------------------------------------------------- the Budgets sheet


def _with_budgets(tmp_path, rows, header=("World", "Probability", "Budget"), settings=()):
    import openpyxl
    from conftest import SAMPLE

    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb.create_sheet("Budgets")
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    for name, value in settings:
        wb["Settings"].append([name, value])
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    return path


def test_the_budgets_sheet_is_read_with_impacts_that_differ(tmp_path):
    from portfolio_opt import read_plan

    path = _with_budgets(
        tmp_path,
        [("Cut", 0.3, "7M", None), ("Planned", 0.5, 10_000_000, None), ("Recession", 0.2, 8_000_000, 100_000)],
        header=("World", "Probability", "Budget", "ini-003"),
    )
    plan = read_plan(path)
    assert [(w.name, w.probability, w.budget) for w in plan.worlds] == [
        ("Cut", 0.3, 7e6),
        ("Planned", 0.5, 1e7),
        ("Recession", 0.2, 8e6),
    ]
    assert plan.worlds[2].impacts == {"INI-003": 100_000} and plan.worlds[0].impacts == {}
    assert plan.worlds[0].where == "Budgets!A2"


@pytest.mark.parametrize(
    "rows, header, where, code",
    [
        ([("A", 0.5, 1e6), ("B", 0.4, 2e6)], ("World", "Probability", "Budget"), "Budgets!B1", "probabilities"),
        ([("A", 0.5, -1), ("B", 0.5, 2e6)], ("World", "Probability", "Budget"), "Budgets!C2", "out-of-range"),
        ([("A", 1.0, 1e6, 5)], ("World", "Probability", "Budget", "INI-999"), "Budgets!D1", "unknown-id"),
        ([("A", 0.5, 1e6), ("a", 0.5, 2e6)], ("World", "Probability", "Budget"), "Budgets!A3", "duplicate-world"),
        ([("A", 1.0, 1e6)], ("World", "Budget"), "Budgets!1", "missing-column"),
    ],
)
def test_a_budgets_sheet_that_cannot_hold_is_refused_at_its_cell(tmp_path, rows, header, where, code):
    from portfolio_opt import InvalidWorkbook, read_plan

    with pytest.raises(InvalidWorkbook) as err:
        read_plan(_with_budgets(tmp_path, rows, header))
    assert (code, where) in [(p.code, p.where) for p in err.value.problems], err.value.problems


def test_a_budget_confidence_without_a_budget_is_refused(tmp_path):
    import openpyxl
    from conftest import SAMPLE

    from portfolio_opt import InvalidWorkbook, read_plan

    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["Settings"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "Budget":
            row[1].value = None
    ws.append(["Budget confidence", 0.8])
    wb.save(tmp_path / "plan.xlsx")
    with pytest.raises(InvalidWorkbook) as err:
        read_plan(tmp_path / "plan.xlsx")
    assert any(p.code == "no-budget" and "Budget confidence" in p.message for p in err.value.problems)
