"""Random but realistic plans for benchmarks: themes, team FTE limits, dependencies, groups."""

from __future__ import annotations

import random

from portfolio_opt import Decision, Initiative, Limit, Plan, Settings

THEMES = ("Retention", "Revenue", "Cost", "Platform", "Risk")
TEAMS = ("Data eng FTE", "ML eng FTE", "Product eng FTE")


def random_plan(n: int, seed: int = 0, limits: int = 5, budget_share: float = 0.3) -> Plan:
    """``n`` initiatives; budget and capacities at ``budget_share`` of the totals."""
    rng = random.Random(seed)
    inis = []
    for i in range(n):
        theme = THEMES[rng.randrange(len(THEMES))]
        deps = ()
        if i > 10 and rng.random() < 0.10:
            deps = (f"I{rng.randrange(max(0, i - 200), i):05d}",)
        group = f"G{i // 3}" if rng.random() < 0.05 else None
        decision = Decision.FREE
        roll = rng.random()
        if roll < 0.005:
            decision = Decision.MUST
        elif roll < 0.015:
            decision = Decision.EXCLUDE
        cost = round(rng.lognormvariate(12.5, 0.8), -3)
        values = {team: rng.choice((0, 0, 0.5, 1, 1.5, 2, 3)) for team in TEAMS}
        values["Theme"] = theme
        inis.append(
            Initiative(
                id=f"I{i:05d}",
                name=f"Initiative {i}",
                impact=round(cost * rng.uniform(0.3, 2.5), -3),
                probability=round(rng.uniform(0.3, 0.95), 2),
                time_to_value=float(rng.randrange(1, 24)),
                cost=cost,
                run_cost=round(cost * rng.uniform(0, 0.15), -3),
                depends_on=deps,
                exclusive_group=group,
                decision=decision if not deps else Decision.FREE,
                theme=theme,
                values=values,
            )
        )
    total_cost = sum(x.cost for x in inis)
    lims = []
    for team in TEAMS[: max(0, limits - 2)]:
        lims.append(Limit(team, max=round(budget_share * sum(x.values[team] for x in inis))))
    if limits >= 4:
        lims.append(Limit("Count", min=round(0.02 * n), scope=("Theme", "Risk")))
    if limits >= 5:
        lims.append(Limit("Cost", max=round(0.25 * budget_share * total_cost), scope=("Theme", "Platform")))
    return Plan(tuple(inis), tuple(lims), Settings(budget=round(budget_share * total_cost, -3)))


def shaped_plan(n: int, seed: int = 2) -> Plan:
    """The plan a user with another portfolio met (issue 30): the same recipe as
    :func:`random_plan` (five themes, three team FTE limits at 30% of the demand, a Count minimum
    on one theme, a scoped Cost maximum on another, 10% dependencies, 5% exclusive groups, 0.5%
    Must, 1% Exclude, a budget at 30% of the cost) drawn from another seed. At 10,000 its LP
    splits two columns and its bound is within 0.001% of the optimum, yet proving the optimum
    took HiGHS 8-40 s before the improvement step: the shape whose answer the LP already knows."""
    return random_plan(n, seed=seed)
