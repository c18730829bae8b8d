"""The budget kept with a confidence: within budget in at least that share of the worlds.

With ``Budget confidence`` c (e.g. 80%), the portfolio's cost, every ``Cost`` drawn from its range
up to ``Cost high``, stays within the budget in at least c of the sampled worlds: the worlds the
``cvar`` objective and ``simulate`` use (``Risk samples`` of them, from ``Seed``). A chance
constraint in its scenario form, one 0-1 column w_s per world that may exceed:

    Σ_j a_j x_j + Σ_i Δ_is x_i  ≤  B + M_s w_s        every world s (its cost within the budget, or excused)
    Σ_s w_s  ≤  ⌊(1 − c) S⌋                         at most that many worlds excused

a_j the budget row's terms (the Cost), Δ_is how far initiative i's cost in world s runs past its
Cost, M_s the most world s could run past the budget. It holds on the sampled worlds; the
result reports the confidence met on fresh worlds, with its sampling error. A multi-period plan
keeps its whole budget at that confidence; its per-period Cost limits stay at the Cost.
Pure: no solver, no files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from portfolio_opt.core.rules.base import Chosen, On, Part, Program, Rule, Violation, build_cache
from portfolio_opt.core.rules.limits import limit_offset, limit_sum, limit_terms
from portfolio_opt.model.figures import num, pct
from portfolio_opt.model.plan import Limit, Plan


@dataclass(frozen=True)
class BudgetConfidence(Rule):
    """The budget ``limit`` kept in at least ``confidence`` of the sampled worlds."""

    limit: Limit
    confidence: float
    kind: ClassVar[str] = "budget confidence"

    @property
    def name(self) -> str:
        """What people call it: ``Budget confidence 80%``."""
        return f"Budget confidence {self.confidence:.0%}"

    def overruns(self, plan: Plan) -> tuple[dict[int, list[float]], int]:
        """How far each initiative with a cost range runs past its Cost in every world (world by
        world), and how many worlds there are: worked out once per plan."""
        cache = build_cache(plan)
        s = plan.settings
        key = ("overruns", s.risk_samples, s.seed, s.distribution)
        if key not in cache:
            from portfolio_opt.core.worlds import cost_draws

            draws = cost_draws(plan, s.risk_samples, s.seed)
            cache[key] = (
                {i: [float(c) - plan.initiatives[i].cost for c in d] for i, d in draws.items()},
                s.risk_samples,
            )
        overruns: tuple[dict[int, list[float]], int] = cache[key]
        return overruns

    def allowed(self, worlds: int) -> int:
        """How many of ``worlds`` may run over the budget."""
        return int(math.floor((1 - self.confidence) * worlds + 1e-9))

    def world_costs(self, plan: Plan, chosen: Chosen) -> list[float]:
        """The portfolio's cost in every world (what the budget bounds), world by world."""
        base = limit_sum(plan, self.limit, chosen)
        over, worlds = self.overruns(plan)
        picked = [i for i in over if chosen.selected[i]]
        return [base + math.fsum(over[i][s] for i in picked) for s in range(worlds)]

    def parts(self, plan: Plan) -> list[Part]:
        return [Part(("confidence",), self.kind, self.name, self)]

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        if not on(("confidence",)) or self.limit.max is None:
            return
        over, worlds = self.overruns(plan)
        if not over:
            return  # no cost has a range: the budget row already holds in every world
        terms = limit_terms(plan, self.limit, prog.columns)
        room = self.limit.max - limit_offset(plan, self.limit)
        # the cost at the Cost, as one column: each world's row then holds only the ranged costs;
        # it is the budget row's sum, so it never passes the room, and a world runs over by at
        # most its overruns: its big-M
        cost = prog.add_variable(0.0, room)
        prog.lower[cost] = -math.inf
        prog.add_row({**terms, cost: -1.0}, 0.0, 0.0, ("confidence", "cost"))
        excused: list[int] = []
        for s in range(worlds):
            reach = math.fsum(max(d[s], 0.0) for d in over.values())
            if reach <= 0:
                continue  # nothing overruns in this world: the budget row holds it
            world = {cost: 1.0}
            for i, d in over.items():
                if d[s]:
                    for c in prog.columns.by_ini[i]:
                        world[c] = d[s]
            w = prog.add_variable(0.0, 1.0)
            prog.integer[w] = True
            world[w] = -reach
            prog.add_row(world, None, room, ("confidence", s))
            excused.append(w)
        if excused:
            prog.add_row({w: 1.0 for w in excused}, None, float(self.allowed(worlds)), ("confidence",))

    def check(self, plan: Plan, chosen: Chosen) -> list[Violation]:
        if self.limit.max is None:
            return []
        costs = self.world_costs(plan, chosen)
        tol = 1e-9 * max(1.0, abs(self.limit.max))
        over = sum(1 for c in costs if c > self.limit.max + tol)
        if over <= self.allowed(len(costs)):
            return []
        return [Violation("confidence", (self.name,), (over / len(costs), 1 - self.confidence), rule=self)]

    def words(self, violation: Violation) -> str:
        share, allowed = violation.figures
        return f"the budget is exceeded in {pct(share)} of worlds ({violation.names[0]} allows {pct(allowed)})"

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        _, worlds = self.overruns(plan)
        budget = self.limit.max
        assert budget is not None  # its part is in a conflict only with rows, written only with a maximum
        return (
            f"{self.name}: the cost within the budget of {num(budget)} in at least "
            f"{self.confidence:.0%} of {worlds:,} simulated worlds"
        )

    def relaxation(self, plan: Plan, part: Part) -> str:
        return "drop the Budget confidence (or lower it)"

    def relax(self, plan: Plan, part: Part, bound: float | None) -> Plan:
        return plan.with_settings(budget_confidence=None)
