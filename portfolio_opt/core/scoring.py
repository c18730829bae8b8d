"""Scores: the expected discounted benefit of an initiative inside the planning horizon.

Let T be the time to value and H the horizon, both in months, r the annual discount rate and
δ = ln(1 + r). The discounted years of benefit between T and H are

    D = (e^(−δT/12) − e^(−δH/12)) / δ      ((H − T)/12 when r = 0; 0 when T ≥ H)

and the score is ``Probability × (Impact − Run cost) × D``. An initiative with a range
(``Impact low``/``high``, ``Time to value high``) scores the mean of its outcome instead
(:func:`portfolio_opt.risk.expected_score`); for npv the cost is then the mean of ``Cost`` ..
``Cost high``.

>>> round(discounted_years(6, 36, 0.10), 5)
2.12095
>>> round(score(1_000_000, 0.6, 6, 36, 0.10))
1272568
"""

from __future__ import annotations

import math

from portfolio_opt.model.plan import Initiative, Objective, Plan, Scoring, Settings


def discounted_years(time_to_value: float, horizon_months: float, discount_rate: float) -> float:
    """Discounted years of benefit between the time to value and the horizon (both months)."""
    t, h = float(time_to_value), float(horizon_months)
    if t >= h:
        return 0.0
    t = max(t, 0.0)
    if discount_rate == 0:
        return (h - t) / 12.0
    delta = math.log1p(discount_rate)
    return (math.exp(-delta * t / 12.0) - math.exp(-delta * h / 12.0)) / delta


def score(
    impact: float,
    probability: float,
    time_to_value: float,
    horizon_months: float = 36.0,
    discount_rate: float = 0.10,
    run_cost: float = 0.0,
) -> float:
    """Expected discounted benefit: Probability × (Impact − Run cost) × D."""
    return probability * (impact - run_cost) * discounted_years(time_to_value, horizon_months, discount_rate)


def initiative_score(initiative: Initiative, horizon_months: float, discount_rate: float) -> float:
    """The score of one initiative under the given horizon and discount rate."""
    return score(
        initiative.impact,
        initiative.probability,
        initiative.time_to_value,
        horizon_months,
        discount_rate,
        initiative.run_cost,
    )


def plan_scores(plan: Plan) -> list[float]:
    """The score of every initiative of a plan, in plan order."""
    s = plan.settings
    if not any(ini.ranged for ini in plan.initiatives):
        values = [initiative_score(ini, s.horizon_months, s.discount_rate) for ini in plan.initiatives]
    else:
        from portfolio_opt.core.ranges import expected_score

        values = [
            expected_score(ini, s) if ini.ranged else initiative_score(ini, s.horizon_months, s.discount_rate)
            for ini in plan.initiatives
        ]
    if s.scoring is Scoring.EXPECTED_VALUE:
        return values
    return [committee_score(ini, s, v) for ini, v in zip(plan.initiatives, values)]


def committee_score(ini: Initiative, settings: Settings, expected: float) -> float:
    """The score the Scoring setting asks for, given the expected-value score (see
    :mod:`portfolio_opt.criteria`): the criteria, WSJF or RICE score itself, or for ``blend``
    the expected value × (1 + Criteria weight × (criteria score − 0.5))."""
    scoring = settings.scoring
    if not scoring.is_money:
        return float(ini.criteria_score or 0.0)
    if scoring is Scoring.BLEND:
        return expected * (1.0 + settings.criteria_weight * ((ini.criteria_score or 0.0) - 0.5))
    return expected


def expected_cost(ini: Initiative, settings: Settings) -> float:
    """What it costs on average: Cost, or the mean of Cost .. Cost high."""
    if ini.cost_high is None:
        return ini.cost
    from portfolio_opt.core.ranges import expected_cost as ranged

    return ranged(ini, settings.distribution)


def objective_coefficients(plan: Plan, scores: list[float] | None = None) -> list[float]:
    """What selecting each initiative adds to the objective: score, or score − cost for npv."""
    scores = plan_scores(plan) if scores is None else scores
    if plan.settings.objective is Objective.NPV:
        # a review's stop or retire cost is saved by selecting it
        return [sc - expected_cost(ini, plan.settings) + ini.out_cost for sc, ini in zip(scores, plan.initiatives)]
    return list(scores)
