"""What a portfolio is worth, as the optimizer counts it: the one place it is written.

Every analysis that values a portfolio (the optimum, a hand-made plan, a flipped decision, a
version of the estimates, an alternative) calls :func:`portfolio_value`, so they all agree with
the objective the program maximizes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from portfolio_opt.core.lifecycle import objective_constant
from portfolio_opt.core.rules import Chosen, limit_uses
from portfolio_opt.core.schedule import start_score, start_value
from portfolio_opt.core.scoring import objective_coefficients, plan_scores
from portfolio_opt.model.plan import Plan
from portfolio_opt.model.result import LimitUse


def scores_at(
    plan: Plan, starts: Mapping[int, int], base: tuple[Sequence[float], Sequence[float]] | None = None
) -> tuple[list[float], list[float]]:
    """Every initiative's score and objective coefficient, those given a start at that start.
    ``base`` is the plan's scores and coefficients when known already (a what-if's, whose
    changes move no score)."""
    if base is None:
        scores = plan_scores(plan)
        coefficients = objective_coefficients(plan, scores)
    else:
        scores, coefficients = list(base[0]), list(base[1])
    for i, t in starts.items():
        ini = plan.initiatives[i]
        scores[i] = start_score(ini, t, plan.settings)
        coefficients[i] = start_value(ini, t, plan.settings)
    return scores, coefficients


def portfolio_value(
    plan: Plan,
    chosen: Chosen,
    coefficients: Sequence[float] | None = None,
    uses: Sequence[LimitUse] | None = None,
) -> float:
    """A portfolio's value as the objective counts it: the coefficients of what it selects
    (expected value, less cost under npv; each at its start), less what running soft limits past
    their bound costs, plus what the objective holds whatever is chosen (a review's stop and
    retire costs under npv).

    ``coefficients`` (one per initiative) replaces each one's own at its start; ``uses`` is the
    portfolio's limit use when already known.

    >>> from portfolio_opt import Initiative, Plan
    >>> plan = Plan((Initiative("A", "a", 100.0, 1.0, 0, 10.0), Initiative("B", "b", 50.0, 1.0, 0, 10.0)))
    >>> round(portfolio_value(plan, Chosen.of([True, False]), coefficients=[3.0, 2.0]), 6)
    3.0
    """
    if coefficients is None:
        coefficients = scores_at(plan, chosen.starts)[1]
    uses = limit_uses(plan, chosen) if uses is None else uses
    gained = math.fsum(c for c, x in zip(coefficients, chosen.selected) if x)
    return gained - math.fsum(u.penalty_cost for u in uses) + objective_constant(plan)
