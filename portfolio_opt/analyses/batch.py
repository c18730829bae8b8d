"""Many independent solves of whole plans (scenarios, compared plans, the quarterly review's
variants), each kept to what comparisons need, in worker processes (:mod:`portfolio_opt.runtime.pool`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from portfolio_opt.core.lifecycle import out_cost_total
from portfolio_opt.model.errors import Infeasible, NoPortfolioFound
from portfolio_opt.model.plan import Plan
from portfolio_opt.model.result import Status
from portfolio_opt.runtime.pool import pool_map


@dataclass(frozen=True)
class PlanOutcome:
    """The outcome of one plan's solve, small enough to pass between processes."""

    status: Status
    objective: float | None
    total_value: float | None
    total_cost: float | None
    selected: tuple[str, ...]
    gap: float | None
    seconds: float
    conflict: tuple[str, ...] = ()
    relaxations: tuple[str, ...] = ()
    limit_use: tuple[float, ...] = ()
    #: multi-period plans: (ID, start period, 0-based) of each selected initiative
    starts: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        """True when the solve ended with a portfolio (optimal, or stopped at the time limit
        with one)."""
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)


def solve_plan(plan: Plan, state: dict | None = None) -> PlanOutcome:
    """Optimize one plan and keep what comparisons need (infeasible plans included).

    Uses the lean core of ``optimize`` (no ranking or reasons, which nobody reads here).
    """
    from portfolio_opt.core.optimize import solve

    # inside a worker process, one solver thread: the workers already use every core
    threads = 1 if (state or {}).get("in_worker") else None
    try:
        core = solve(plan, threads=threads)
    except Infeasible as exc:
        return PlanOutcome(
            Status.INFEASIBLE, None, None, None, (), None, 0.0, tuple(c.name for c in exc.conflict), exc.relaxations
        )
    except NoPortfolioFound:
        return PlanOutcome(Status.NO_SOLUTION, None, None, None, (), None, 0.0)
    sol, sel = core.solution, core.selected
    uses = tuple(u.used for u in core.uses)
    gap = sol.gap if sol.gap is not None else (0.0 if sol.status is Status.OPTIMAL else None)
    return PlanOutcome(
        sol.status,
        core.objective,
        math.fsum(v for v, s in zip(core.scores, sel) if s),
        math.fsum(ini.cost for ini, s in zip(plan.initiatives, sel) if s) + out_cost_total(plan, sel),
        tuple(ini.id for ini, s in zip(plan.initiatives, sel) if s),
        gap,
        sol.seconds,
        limit_use=uses,
        starts=tuple((plan.initiatives[i].id, t) for i, t in sorted(core.starts.items())) if core.starts else (),
    )


def solve_plans(plans: Sequence[Plan], workers: int | None = None) -> list[PlanOutcome]:
    """Optimize several plans, in parallel when worthwhile."""
    return pool_map(solve_plan, list(plans), workers)
