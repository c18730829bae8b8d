"""The solver layer: the HiGHS options we set."""

from __future__ import annotations

import pytest

from test_reduction import random_plan
from portfolio_opt import formulation, solver
from portfolio_opt.explain import explain
from portfolio_opt.optimize import optimize


def test_every_highs_option_we_set_is_one_highs_knows():
    """A misspelt option is refused quietly and the solve runs on HiGHS's default: caught here."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for name, setting in solver.HIGHS_MIP_OPTIONS.items():
        assert h.setOptionValue(name, setting) == highspy.HighsStatus.kOk, name
        got = h.getOptionValue(name)  # highspy >= 1.13 answers (status, value)
        assert (got[1] if isinstance(got, tuple) else got) == setting, name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_our_highs_options_give_the_same_optimum_as_its_defaults(seed, monkeypatch):
    plan = random_plan(120, seed)
    lp = formulation.build(plan)
    ours = solver.solve(lp, "highs", 0.0, None)
    monkeypatch.setattr(solver, "HIGHS_MIP_OPTIONS", {})
    plain = solver.solve(lp, "highs", 0.0, None)
    assert ours.status is plain.status
    assert ours.objective == pytest.approx(plain.objective, rel=1e-9)


def test_explanations_are_the_same_with_highs_defaults(monkeypatch):
    result = optimize(random_plan(60, 4))
    ours = explain(result, max_initiatives=None, workers=1)
    monkeypatch.setattr(solver, "HIGHS_MIP_OPTIONS", {})
    plain = explain(result, max_initiatives=None, workers=1)
    for a, b in zip(ours.initiatives, plain.initiatives):
        assert (a.id, a.regret, a.break_even_cost) == (b.id, pytest.approx(b.regret, rel=1e-6, abs=1e-3),
                                                         pytest.approx(b.break_even_cost, rel=1e-6, abs=1e-3))
