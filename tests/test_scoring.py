"""Scores equal the documented formula on hand-computed cases."""

import math

import pytest

from portfolio_opt import Initiative, Objective, Plan, Settings, discounted_years, score
from portfolio_opt.core.scoring import objective_coefficients, plan_scores


def test_issue_example():
    # Impact 1,000,000, Probability 0.6, T = 6, H = 36, r = 10%: D ≈ 2.12095, score ≈ 1,272,568
    assert discounted_years(6, 36, 0.10) == pytest.approx(2.12095, abs=5e-6)
    assert score(1_000_000, 0.6, 6, 36, 0.10) == pytest.approx(1_272_568, abs=1)


def test_by_hand_with_discounting():
    # delta = ln 1.2; D = (1.2^-1 - 1.2^-2) / ln 1.2 for T = 12, H = 24
    d = (1 / 1.2 - 1 / 1.44) / math.log(1.2)
    assert discounted_years(12, 24, 0.20) == pytest.approx(d, rel=1e-12)
    assert score(500_000, 0.5, 12, 24, 0.20, run_cost=100_000) == pytest.approx(0.5 * 400_000 * d)


def test_zero_rate_is_plain_years():
    assert discounted_years(6, 36, 0.0) == pytest.approx(2.5)
    assert score(1_200, 1.0, 0, 12, 0.0) == pytest.approx(1_200)


@pytest.mark.parametrize("ttv", [36, 37, 120])
def test_time_to_value_at_or_past_horizon_scores_zero(ttv):
    assert discounted_years(ttv, 36, 0.10) == 0.0
    assert score(1_000_000, 0.9, ttv, 36, 0.10) == 0.0


def test_run_cost_above_impact_is_negative():
    assert score(100, 1.0, 0, 12, 0.0, run_cost=300) == pytest.approx(-200)


def test_later_value_is_worth_less():
    values = [discounted_years(t, 36, 0.1) for t in range(0, 37, 3)]
    assert values == sorted(values, reverse=True)


def test_npv_objective_subtracts_cost():
    plan = Plan(
        (Initiative("A", "a", 1200, 1.0, 0, 500),),
        settings=Settings(horizon_months=12, discount_rate=0.0, objective=Objective.NPV),
    )
    assert plan_scores(plan) == [pytest.approx(1200)]
    assert objective_coefficients(plan) == [pytest.approx(700)]
