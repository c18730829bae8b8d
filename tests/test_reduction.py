"""Fixing by the LP bound never changes an answer: the bound holds for any prices, every fix
holds in every portfolio worth the target, and reduced solves equal whole ones."""

from __future__ import annotations

import importlib
import itertools
import math

import pytest
from conftest import ROOT, SAMPLE, examples
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from random_plans import plans, random_plan

from portfolio_opt import Decision, optimize, read_plan
from portfolio_opt.analyses.explain import Task, plan_duals, solve_task
from portfolio_opt.core import formulation, reduction, solver
from portfolio_opt.core.scoring import objective_coefficients


def keeps(lp, x) -> bool:
    """Whether the point x keeps every bound and row of ``lp``."""
    if any(v < lo - 1e-6 or v > hi + 1e-6 for v, lo, hi in zip(x, lp.lower, lp.upper)):
        return False
    for row in lp.rows:
        total = math.fsum(a * x[j] for j, a in zip(row.index, row.coef))
        if (row.lo is not None and total < row.lo - 1e-6) or (row.hi is not None and total > row.hi + 1e-6):
            return False
    return True


def feasible_points(lp):
    """Every 0/1 point of a small program that keeps its bounds and rows, with its value."""
    for x in itertools.product((0.0, 1.0), repeat=lp.n_vars):
        if keeps(lp, x):
            yield math.fsum(c * v for c, v in zip(lp.objective, x)), x


@settings(max_examples=examples(80), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), data=st.data())
def test_bound_and_fixes_hold_for_any_prices(plan, data):
    lp = formulation.build(plan, objective_coefficients(plan), break_ties=False)
    prices = [data.draw(st.sampled_from([0.0, 1.0, -1.0, 1e-3, -2e4, 0.5, 3e5])) for _ in lp.rows]
    bound = reduction.lagrangian(lp, prices)
    points = list(feasible_points(lp))
    assume(points)
    best = max(v for v, _ in points)
    assert bound.value + bound.tolerance >= best
    worst = min(v for v, _ in points)
    for target in (best, (best + worst) / 2, worst):
        reduced, _ = reduction.fix(lp, bound, target)
        for value, x in points:
            if value >= target:
                assert all(reduced.lower[j] <= x[j] <= reduced.upper[j] for j in range(lp.n_vars)), (
                    "a portfolio worth the target breaks a fix"
                )


@pytest.mark.parametrize("solver_name", ["highs", "cbc"])
def test_lp_prices_give_the_lp_optimum_as_bound(solver_name):
    """The prices come back in the sign the bound expects, from both solvers."""
    plan = random_plan(150, seed=1)
    lp = formulation.build(plan, objective_coefficients(plan))
    relaxed = solver.solve(lp, solver_name, 0.0, None, relax=True)
    bound = reduction.lagrangian(lp, relaxed.duals)
    assert bound.value == pytest.approx(relaxed.objective, rel=1e-7)
    flipped = reduction.lagrangian(lp, [-y for y in relaxed.duals])
    assert flipped.value > relaxed.objective * (1 + 1e-3), "the wrong sign would be a much weaker bound"


def every_round(monkeypatch) -> None:
    """The first guess is the bound itself, which no portfolio reaches, so the later rounds (a
    lower guess, then fixing at the value found) must find the optimum; and the conclusive round
    runs however far off the guesses were and however little it fixes."""
    monkeypatch.setattr(reduction, "GUESS", 0.0)
    monkeypatch.setattr(reduction, "MIN_MARGIN", 1e-12)
    monkeypatch.setattr(reduction, "CONCLUSIVE_WITHIN", math.inf)
    monkeypatch.setattr(reduction, "MIN_SHARE", 0.0)


@pytest.mark.parametrize("solver_name", ["highs", "cbc"])
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("guess", ["usual", "too high"])
def test_reduced_solve_equals_the_whole_solve(solver_name, seed, guess, monkeypatch):
    plan = random_plan(120, seed=seed)
    lp = formulation.build(plan, objective_coefficients(plan))
    whole = solver.solve(lp, solver_name, 0.0, None)
    if guess == "too high":
        every_round(monkeypatch)
    calls = []
    original = reduction.solve_fixed

    def spy(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(reduction, "solve_fixed", spy)
    cut = reduction.solve(lp, solver_name, 0.0, None)
    assert calls, "the reduction was used"
    if guess == "too high":
        assert len(calls) >= 3, "two guesses and the conclusive round"
    assert cut.status.value == "optimal"
    assert cut.objective == pytest.approx(whole.objective, rel=1e-9)
    assert cut.bound >= cut.objective - 1e-6
    picked = [v > 0.5 for v in cut.values]
    assert not formulation.violations(plan, picked)


@pytest.mark.slow
def test_reduced_explanations_equal_whole_ones():
    """Every re-solve of an explanation, with and without the fixing, at gap 0."""
    plan = random_plan(60, seed=3)
    result = optimize(plan)
    coefs = objective_coefficients(plan)
    duals = plan_duals(plan, coefs)
    assert duals is not None
    tasks = []
    for _k, r in enumerate(result.initiatives):
        i = plan.index(r.id)
        if plan.initiatives[i].decision is not Decision.FREE:
            continue
        tasks += [Task("out", i)] if r.selected else [Task("in", i), Task("cost", i)]
    assert sum(t.kind == "cost" for t in tasks) > 10
    for task in tasks:
        whole = solve_task(plan, coefs, task, result.objective)
        cut = solve_task(plan, coefs, task, result.objective, duals=duals)
        if whole.value is None:
            assert cut.value is None, task
        else:
            assert cut.value == pytest.approx(whole.value, rel=1e-9, abs=1e-6), task


def test_results_say_how_much_the_bound_settled(tmp_path):
    from openpyxl import load_workbook

    from portfolio_opt import save_results
    from portfolio_opt.render.json import result_to_dict

    result = optimize(random_plan(120, seed=4).with_settings(gap=1e-4))
    assert 0 < result.solver.fixed <= 120 and result.solver.columns == 120
    data = result_to_dict(result, None)["solver"]
    assert (data["fixed_by_lp_bound"], data["columns"]) == (result.solver.fixed, 120)
    path = tmp_path / "r.xlsx"
    save_results(result, path)
    rows = dict(r[:2] for r in load_workbook(path)["Run info"].iter_rows(values_only=True))
    assert rows["Settled by the LP bound"] == f"{result.solver.fixed:,} of 120 decisions before the search"


QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"
optimize_module = importlib.import_module("portfolio_opt.core.optimize")  # (the package's name is the function)


@pytest.mark.slow
def test_a_multi_period_reduced_program_is_presolved_and_equals_the_whole_solve(monkeypatch):
    """A multi-period reduced program keeps its timed dependencies and per-period limits, and
    the search needs HiGHS's presolve of them: it is asked for, and the answer is still the
    whole program's optimum."""
    plan = read_plan(QUARTERLY)
    lp = formulation.build(plan)
    whole = solver.solve(lp, "highs", 0.0, None)
    # every round, however far off the LP bound is (a multi-period LP is about 1% off)
    monkeypatch.setattr(reduction, "CONCLUSIVE_WITHIN", math.inf)
    monkeypatch.setattr(reduction, "MIN_SHARE", 0.0)
    seen = []
    original = solver.solve

    def spy(program, *args, **kwargs):
        # a reduced program is the one solve given an absolute gap (see solve_fixed)
        if "abs_gap" in kwargs:
            seen.append((program.n_vars, kwargs["presolve"]))
        return original(program, *args, **kwargs)

    monkeypatch.setattr(solver, "solve", spy)
    cut = reduction.solve(lp, "highs", 0.0, None, presolve=True)
    assert seen and all(n < lp.n_vars for n, _ in seen), "reduced programs were solved"
    assert all(presolved for _, presolved in seen), "each reduced program is presolved"
    assert cut.status.value == "optimal"
    assert cut.objective == pytest.approx(whole.objective, rel=1e-9)


@pytest.mark.parametrize("path", [pytest.param(QUARTERLY, marks=pytest.mark.slow), None])
def test_the_best_portfolio_found_starts_every_later_round(path, monkeypatch):
    """A round whose guess was too high still found a true portfolio: each later round (and the
    whole program, when it comes to that) starts its search from it, so it prunes by it from the
    first node. The start must be a portfolio of the program it is handed to, or HiGHS drops
    it."""
    plan = read_plan(path) if path else random_plan(120, seed=0)
    lp = formulation.build(plan)
    whole = solver.solve(lp, "highs", 0.0, None)
    every_round(monkeypatch)
    calls = []
    original = solver.solve

    def spy(program, *args, **kwargs):
        sol = original(program, *args, **kwargs)
        if not kwargs.get("relax"):
            calls.append((program, kwargs.get("start"), sol))
        return sol

    monkeypatch.setattr(solver, "solve", spy)
    cut = reduction.solve(lp, "highs", 0.0, None, presolve=bool(plan.settings.periods))
    found = [k for k, (_, _, sol) in enumerate(calls) if sol.has_solution]
    assert found and found[0] < len(calls) - 1, "a round found a portfolio and another followed"
    assert calls[0][1] is None, "the first round has nothing to start from"
    for program, start, _ in calls[found[0] + 1 :]:
        assert start is not None and len(start) == program.n_vars
        assert keeps(program, start), "the start is a portfolio of the program it starts"
    assert cut.objective == pytest.approx(whole.objective, rel=1e-9)


@pytest.mark.parametrize("path, presolved", [(QUARTERLY, True), (None, False)])
def test_only_multi_period_plans_presolve_their_reduced_programs(path, presolved, monkeypatch):
    """Single-period reduced programs skip presolve (HiGHS would spend it probing what the
    fixing settled); multi-period ones need it."""
    plan = read_plan(path or SAMPLE)
    monkeypatch.setattr(optimize_module, "TIMED_WHOLE_BELOW", 0)  # the sample is small
    asked = []
    original = reduction.solve

    def spy(*args, **kwargs):
        asked.append(kwargs.get("presolve", False))
        return original(*args, **kwargs)

    monkeypatch.setattr(reduction, "solve", spy)
    optimize_module.solve(plan)
    assert asked == [presolved]


@pytest.mark.parametrize("seed", [pytest.param(0, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow), 5])
def test_a_portfolio_within_the_gap_of_the_bound_needs_no_search_to_prove_it(seed):
    """On plans whose LP is already right, the dive (the LP's whole columns kept, the few split
    ones decided) lands near the bound, small searches around it (the columns of smallest
    reduced cost) close the rest, and the bound itself proves the answer: no round of fixing
    runs, and the answer is within the gap of the whole program's optimum."""
    plan = random_plan(2000, seed=seed)
    lp = formulation.build(plan)
    relaxed = solver.solve(lp, "highs", 0.0, None, relax=True)
    bound = reduction.lagrangian(lp, relaxed.duals)
    first = reduction.dive(lp, relaxed.values, "highs", 1e-4, None)
    assert first is not None and bound.value - first.objective > 1e-4 * bound.value, "the dive alone is not enough"
    better = reduction.improve(lp, bound, first, 1e-4, lambda: None)
    assert better.objective >= bound.value * (1 - 1e-4) and keeps(lp, better.values)
    cut = reduction.solve(lp, "highs", 1e-4, None)
    assert cut.status.value == "optimal" and cut.bound == bound.value and cut.gap <= 1e-4
    whole = solver.solve(lp, "highs", 0.0, None)
    assert whole.objective * (1 - 1e-4) <= cut.objective <= whole.objective + 1e-6


def test_a_search_stops_at_its_target():
    """HiGHS stops as soon as it holds a solution worth the target, with that solution: not
    proven optimal (the caller's own bound decides whether it is enough)."""
    plan = random_plan(300, seed=1)
    lp = formulation.build(plan)
    whole = solver.solve(lp, "highs", 0.0, None)
    target = whole.objective * 0.5
    early = solver.solve(lp, "highs", 0.0, None, target=target)
    assert early.objective >= target and keeps(lp, early.values)
    assert early.status.value == "feasible" and early.objective < whole.objective


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans(), data=st.data())
def test_swaps_only_ever_reach_better_portfolios_of_the_program(plan, data):
    """A swap search from any portfolio of the program ends at another portfolio of it (every
    row kept: limits, dependencies, exclusive groups, decisions), worth more, and never past
    the best one there is."""
    from portfolio_opt.core.swaps import swap_search

    lp = formulation.build(plan, objective_coefficients(plan), break_ties=False)
    points = list(feasible_points(lp))
    assume(points)
    value, start = data.draw(st.sampled_from(points))
    reduced = [data.draw(st.sampled_from([0.0, 1.0, -3.0, 1e5])) for _ in range(lp.n_vars)]
    found = swap_search(lp, reduced, start, goal=math.inf)
    if found is None:
        return
    worth = math.fsum(c * v for c, v in zip(lp.objective, found))
    assert keeps(lp, found) and all(v in (0.0, 1.0) for v in found)
    assert value < worth <= max(v for v, _ in points) + 1e-6


def test_a_swap_puts_the_better_initiative_in_the_budget_the_worse_one_held():
    """A portfolio that spent its budget on the weaker of two initiatives is moved to the
    stronger one in one swap; the search stops once the goal is reached."""
    from portfolio_opt import Initiative, Plan, Settings
    from portfolio_opt.core.swaps import swap_search

    plan = Plan(
        (Initiative("A", "a", 1e6, 0.5, 6, 4e5), Initiative("B", "b", 3e6, 0.9, 3, 4e5)),
        settings=Settings(budget=500_000),
    )
    lp = formulation.build(plan)
    from portfolio_opt.core.rules import Columns

    weak = [0.0] * lp.n_vars
    for j in Columns.of(plan).by_ini[0]:
        weak[j] = 1.0
    found = swap_search(lp, [0.0] * lp.n_vars, weak, goal=math.inf)
    assert found is not None and keeps(lp, found)
    assert formulation.selection(plan, found).selected == (False, True)


def test_a_cleared_must_the_bound_wants_out_is_among_the_first_columns_a_search_frees():
    """After a Must is cleared, the last optimum still funds it while the bound wants it out:
    it costs its whole reduced cost against the bound, so the searches free it first, however
    large that cost (among the columns of smallest reduced cost alone it was never freed, and a
    what-if on 10,000 initiatives fell through to a 4,000-column search)."""
    from portfolio_opt import Change, ChangeKind, Initiative, Plan, Settings
    from portfolio_opt.core.changes import apply_changes
    from portfolio_opt.core.swaps import likeliest
    from portfolio_opt.core.warm import WarmPlan

    weak = Initiative("W", "weak", 1e5, 0.2, 12, 4e5, decision=Decision.MUST)
    others = tuple(Initiative(f"S{k}", f"s{k}", 1e6 + 1e4 * k, 0.8, 3, 1e5 + 1e3 * k) for k in range(40))
    plan = Plan((weak,) + others, settings=Settings(budget=1.5e6))
    warm = WarmPlan(plan)
    cleared = apply_changes(plan, [Change(ChangeKind.CLEAR, None, "", "W")])
    lp = warm.edited(cleared)
    relaxed = solver.solve(lp, "highs", 0.0, None, relax=True)
    bound = reduction.lagrangian(lp, relaxed.duals)
    old = warm.baseline.solution.values
    w = warm.columns.by_ini[0][0]
    assert old[w] > 0.5 and bound.reduced[w] < 0, "the old optimum funds W, the bound wants it out"
    by_cost = sorted(range(lp.n_vars), key=lambda j: (abs(bound.reduced[j]), j))
    against = [j for j in range(lp.n_vars) if (bound.reduced[j] < 0) == (old[j] > 0.5) and bound.reduced[j] != 0]
    first = likeliest(lp, bound.reduced, old)
    assert set(first[: len(against)]) == set(against) and w in against
    assert first.index(w) < by_cost.index(w), "W comes sooner than its reduced cost alone would put it"
    answer = warm.solve([Change(ChangeKind.CLEAR, None, "", "W")])
    assert "W" in answer.left and answer.solved.objective >= optimize(cleared).objective * (1 - 1e-4)


def test_a_what_if_whose_first_round_is_small_goes_straight_to_it(monkeypatch):
    """On a what-if whose first round of fixing leaves few columns open, no neighbourhood search
    runs before it (the round finds the better portfolio and proves it at once); on a larger one
    they do. Either way the answer is a fresh solve's, within the gap."""
    from portfolio_opt.core.warm import WarmPlan
    from portfolio_opt.model.plan import Change, ChangeKind

    plan = random_plan(400, seed=6)
    warm = WarmPlan(plan)
    changes = [Change(ChangeKind.BUDGET_CHANGE, 0.2, "")]
    fresh = optimize(warm.plan.with_settings(budget=plan.settings.budget * 1.2))
    searched = []
    original = reduction.improve

    def spy(*args, **kwargs):
        searched.append(True)
        return original(*args, **kwargs)

    monkeypatch.setattr(reduction, "improve", spy)
    for at_once, expected in ((reduction.ROUND_AT_ONCE, False), (0, True)):
        monkeypatch.setattr(reduction, "ROUND_AT_ONCE", at_once)
        searched.clear()
        answer = warm.solve(changes)
        assert bool(searched) is expected
        assert answer.solved.objective == pytest.approx(fresh.objective, rel=plan.settings.gap)
