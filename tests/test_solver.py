"""The solver layer: the HiGHS options we set, and what building a program reuses between copies
of a plan."""

from __future__ import annotations

import pytest
from conftest import ROOT
from random_plans import random_plan

from portfolio_opt import read_plan
from portfolio_opt.analyses.explain import explain
from portfolio_opt.core import formulation, solver
from portfolio_opt.core.optimize import optimize
from portfolio_opt.core.rules import Columns
from portfolio_opt.model.result import Status


def test_every_highs_option_we_set_is_one_highs_knows():
    """A misspelt option is refused quietly and the solve runs on HiGHS's default: caught here."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for name, setting in {**solver.HIGHS_MIP_OPTIONS, **solver.HIGHS_TIMED_WHATIF_OPTIONS}.items():
        assert h.setOptionValue(name, setting) == highspy.HighsStatus.kOk, name
        got = h.getOptionValue(name)  # highspy >= 1.13 answers (status, value)
        assert (got[1] if isinstance(got, tuple) else got) == setting, name


def test_the_options_reach_highs_on_a_mip_and_not_on_an_lp(monkeypatch):
    import highspy

    seen: list[dict] = []

    class Spy(highspy.Highs):
        def run(self):
            seen.append({name: self.getOptionValue(name) for name in solver.HIGHS_MIP_OPTIONS})
            return super().run()

    monkeypatch.setattr(highspy, "Highs", Spy)
    lp = formulation.build(random_plan(40, 5))
    solver.solve(lp, "highs", 1e-4, None)
    solver.solve(lp, "highs", 0.0, None, relax=True)
    value = lambda got: got[1] if isinstance(got, tuple) else got  # noqa: E731
    assert {k: value(v) for k, v in seen[0].items()} == solver.HIGHS_MIP_OPTIONS
    assert all(value(v) != solver.HIGHS_MIP_OPTIONS[k] for k, v in seen[1].items())


def test_options_asked_for_in_a_solve_reach_highs_on_top_of_ours(monkeypatch):
    import highspy

    seen: list[dict] = []
    names = {**solver.HIGHS_MIP_OPTIONS, **solver.HIGHS_TIMED_WHATIF_OPTIONS}

    class Spy(highspy.Highs):
        def run(self):
            seen.append({name: self.getOptionValue(name) for name in names})
            return super().run()

    monkeypatch.setattr(highspy, "Highs", Spy)
    plan = read_plan(ROOT / "data" / "sample_quarterly.xlsx")
    lp = formulation.build(plan)
    asked = solver.solve(lp, "highs", 1e-2, None, options=solver.HIGHS_TIMED_WHATIF_OPTIONS)
    plain = solver.solve(lp, "highs", 1e-2, None)
    value = lambda got: got[1] if isinstance(got, tuple) else got  # noqa: E731
    assert {k: value(v) for k, v in seen[0].items()} == names
    assert all(value(seen[1][k]) != v for k, v in solver.HIGHS_TIMED_WHATIF_OPTIONS.items())
    assert asked.has_solution and plain.has_solution


@pytest.mark.parametrize("budget", [7e6, pytest.param(9e6, marks=pytest.mark.slow)])
def test_the_what_if_options_give_the_same_optimum_on_a_multi_period_plan(budget):
    lp = formulation.build(read_plan(ROOT / "data" / "sample_quarterly.xlsx").with_settings(budget=budget))
    ours = solver.solve(lp, "highs", 1e-4, None, options=solver.HIGHS_TIMED_WHATIF_OPTIONS)
    plain = solver.solve(lp, "highs", 1e-4, None)
    assert ours.status is plain.status is Status.OPTIMAL
    assert ours.objective == pytest.approx(plain.objective, rel=2e-4)
    assert ours.bound is not None and plain.objective <= ours.bound * (1 + 1e-9)


def test_a_start_is_handed_to_highs_as_its_first_portfolio():
    """A solve stopped before its search finds anything still has the start it was given: the
    start reached HiGHS (a dropped one would leave no portfolio at all)."""
    plan = read_plan(ROOT / "data" / "sample_quarterly.xlsx").with_settings(budget=None)
    lp = formulation.build(plan)
    found = solver.solve(lp, "highs", 0.05, None)
    assert found.has_solution
    cut_short = solver.solve(lp, "highs", 1e-4, 1e-6)
    assert not cut_short.has_solution, "without a start nothing is found in no time"
    started = solver.solve(lp, "highs", 1e-4, 1e-6, start=found.values)
    assert started.has_solution
    assert started.objective >= found.objective - 1e-6
    chosen = formulation.selection(plan, started.values)
    assert not formulation.violations(plan, chosen.selected, chosen.starts)
    # a start that breaks the rules (every start of every initiative at once) is dropped, never
    # passed off as a portfolio
    broken = solver.solve(lp, "highs", 1e-4, 1e-6, start=[1.0] * lp.n_vars)
    assert not broken.has_solution
    with pytest.raises(ValueError, match="columns"):  # a start for another program is a bug, said so
        solver.solve(lp, "highs", 1e-4, 1e-6, start=found.values[:-1])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_our_highs_options_give_the_same_optimum_as_its_defaults(seed, monkeypatch):
    plan = random_plan(120, seed)
    lp = formulation.build(plan)
    ours = solver.solve(lp, "highs", 0.0, None)
    monkeypatch.setattr(solver, "HIGHS_MIP_OPTIONS", {})
    plain = solver.solve(lp, "highs", 0.0, None)
    assert ours.status is plain.status
    assert ours.objective == pytest.approx(plain.objective, rel=1e-9)


@pytest.mark.slow
def test_explanations_are_the_same_with_highs_defaults(monkeypatch):
    result = optimize(random_plan(60, 4))
    ours = explain(result, max_initiatives=None, workers=1)
    monkeypatch.setattr(solver, "HIGHS_MIP_OPTIONS", {})
    plain = explain(result, max_initiatives=None, workers=1)
    assert [a.id for a in ours.initiatives] == [b.id for b in plain.initiatives]
    figures = 0
    for a, b in zip(ours.initiatives, plain.initiatives):
        for mine, theirs in ((a.regret, b.regret), (a.break_even_cost, b.break_even_cost)):
            assert (mine is None) == (theirs is None), a.id  # None: selected, or "never"
            if mine is not None:
                assert mine == pytest.approx(theirs, rel=1e-6, abs=1e-3), a.id
                figures += 1
    assert figures > 60  # every regret, and the break-even costs of those left out


QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"


def test_a_copy_with_other_solver_settings_reuses_the_built_program():
    plan = read_plan(QUARTERLY)
    whole = formulation.build(plan)
    columns = Columns.of(plan)
    for changes in ({"time_limit": 3.0}, {"gap": 0.01}, {"solver": "cbc"}):
        copy = plan.with_settings(**changes)
        assert Columns.of(copy) is columns
        assert formulation.build(copy) == whole


def test_a_copy_with_another_program_builds_its_own():
    plan = read_plan(QUARTERLY)
    formulation.build(plan)  # fills the plan's cache
    for changes in ({"budget": 5_000_000.0}, {"periods": 4}, {"periods": None}):
        copy = plan.with_settings(**changes)
        fresh = read_plan(QUARTERLY).with_settings(**changes)
        assert formulation.build(copy) == formulation.build(fresh)
        assert formulation.build(copy) != formulation.build(plan)


def test_a_start_never_stands_in_for_the_better_portfolio_highs_proved():
    """HiGHS, handed a start, can say optimal with the bound of a better portfolio it found and
    hand back the start's values (found by the limit-kind brute force, a soft limit at penalty 0
    and a soft Count minimum): the answer is the optimum all the same."""
    from portfolio_opt.core.solver import LinearProgram, Row, solve

    lp = LinearProgram(
        objective=(-0.0001174, 15655.3179, 23482.9771, 7827.6589, -0.000274, -0.0, -100000.0),
        lower=(0.0,) * 7,
        upper=(1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0),
        integer=(True,) * 5 + (False, False),
        rows=(
            Row((0, 1, 2, 3, 4), (10000.0, 30000.0, 10000.0, 10000.0, 10000.0), None, 30000.0),
            Row((0, 1, 2, 3, 5), (1.0, 2.0, 3.0, 1.0, -1.0), None, 2.0),
            Row((0, 1, 2, 3, 4, 6), (1.0,) * 6, 1.0, None),
            Row((2, 3), (-1.0, 1.0), None, 0.0),
            Row((0, 4), (-1.0, 1.0), None, 0.0),
            Row((1, 4), (-1.0, 1.0), None, 0.0),
            Row((2, 4), (-1.0, 1.0), None, 0.0),
            Row((3, 4), (-1.0, 1.0), None, 0.0),
        ),
    )
    fresh = solve(lp, "highs", 1e-4)
    started = solve(lp, "highs", 1e-4, start=(0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0))
    assert fresh.objective == pytest.approx(31310.6, abs=0.1)
    assert started.objective == pytest.approx(fresh.objective, rel=1e-9)
    assert started.values is not None and round(started.values[3]) == 1
