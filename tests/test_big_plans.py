"""Big plans (issue 30): where the bound fixes too little at the gap, a neighbourhood of the
first portfolio wider than the improvement step's finds one within the gap, and the bound
proves it, without handing the whole program to the solver."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

from portfolio_opt.core import formulation, reduction, solver
from portfolio_opt.model.result import Status

sys.path.insert(0, str(ROOT / "benchmarks"))

from plans import shaped_plan  # noqa: E402

GAP = 1e-4  #: the default gap


def keeps(lp: solver.LinearProgram, x: tuple[float, ...]) -> bool:
    """Whether the 0-1 point ``x`` keeps every bound and row of ``lp``."""
    return reduction.feasible(lp, x)


def test_a_wider_neighbourhood_reaches_the_gap_the_first_portfolio_misses():
    """Issue 30's plan at 10,000 initiatives: its dive is short of the gap; the first wider
    neighbourhood (2,400 columns of smallest reduced cost) holds a portfolio within it, which
    the bound proves (optimal, the bound the LP's)."""
    lp = formulation.build(shaped_plan(10_000))
    relaxed = solver.solve(lp, "highs", 0.0, None, relax=True)
    bound = reduction.lagrangian(lp, relaxed.duals)
    first = reduction.dive(lp, relaxed.values, "highs", GAP, None)
    assert first is not None and solver.relative_gap(first.objective, bound.value) > GAP, "the dive is not enough"
    search = reduction._Search(lp, "highs", GAP, None, None, False)
    done, best = search.wider(bound, first)
    assert done is not None, "a wider neighbourhood settles it"
    assert done.status.value == "optimal" and done.bound == bound.value and done.gap <= GAP
    assert done.objective > first.objective and keeps(lp, done.values)
    assert best is not None and best.objective == done.objective
    assert done.fixed and done.fixed > lp.n_vars // 2, "at its value the bound fixes most columns"


def test_no_neighbourhood_is_searched_when_the_first_portfolio_is_far_from_the_bound():
    """A portfolio further from the bound than the improvement step looks (20 gaps) is left as
    it is: the LP is not tight there, and the whole program is the way."""
    lp = formulation.build(shaped_plan(2_000))
    relaxed = solver.solve(lp, "highs", 0.0, None, relax=True)
    bound = reduction.lagrangian(lp, relaxed.duals)
    nothing = solver.Solution(Status.FEASIBLE, tuple(0.0 for _ in lp.objective), 0.0, None, None, 0.0, "highs", "")
    search = reduction._Search(lp, "highs", GAP, None, None, False)
    assert search.wider(bound, nothing) == (None, nothing)
    assert search.wider(bound, None) == (None, None)


@pytest.mark.slow
def test_issue_30s_plan_of_100000_initiatives_is_proved_without_the_whole_program(monkeypatch):
    """At 100,000 initiatives the bound fixes 2% of the columns at the gap, so no round runs;
    before the wider neighbourhoods the whole program went to HiGHS (more than ten minutes)."""
    lp = formulation.build(shaped_plan(100_000))
    wholes = []
    monkeypatch.setattr(reduction._Search, "whole", lambda self, start=None: wholes.append(1))
    sol = reduction.solve(lp, "highs", GAP, 600)
    assert not wholes, "the whole program was not solved"
    assert sol.status.value == "optimal" and sol.gap <= GAP and keeps(lp, sol.values)
    assert sol.bound >= sol.objective and sol.fixed > 0.5 * lp.n_vars
