"""The true efficient frontier: the optimal portfolio at every budget, not a greedy ranking.

Each point re-optimizes with every other limit and rule in force. Two facts make it fast
without giving up exactness:

* a portfolio optimal at budget b that costs c is also optimal at every budget in [c, b]
  (it is feasible there, and the optimum cannot rise as the budget falls), so points are
  solved from the top down and the points such a portfolio covers need no solve;
* the remaining points are independent, so they are solved two at a time, one per core.

The LP relaxation bounds every point in a few milliseconds; the table shows it next to the
proven value, and ``preview`` returns only those bounds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from portfolio_opt.analyses import batch
from portfolio_opt.core import formulation, solver
from portfolio_opt.core.rules import Chosen
from portfolio_opt.core.rules.limits import limit_uses
from portfolio_opt.core.scoring import objective_coefficients
from portfolio_opt.model.plan import Decision, Plan
from portfolio_opt.model.result import Status
from portfolio_opt.runtime import pool, progress


@dataclass(frozen=True)
class FrontierPoint:
    """The best portfolio at one budget: its status, value and cost, what it selects, what entered
    and left since the next lower budget, and the value of each extra unit of budget up to the next."""

    budget: float
    status: Status
    objective: float | None
    total_value: float | None
    total_cost: float | None
    selected: tuple[str, ...]
    lp_bound: float | None = None
    entered: tuple[str, ...] = ()  #: compared with the previous (lower) point
    left: tuple[str, ...] = ()
    marginal_value: float | None = None  #: value per extra unit of budget up to the next point
    current: bool = False  #: the plan's own budget
    solved: bool = True  #: False when the portfolio came from a higher point (same optimum)
    #: with a Budgets sheet: the value of the funding order's longest prefix this budget funds
    order_value: float | None = None

    @property
    def count(self) -> int:
        """How many initiatives the portfolio selects."""
        return len(self.selected)


@dataclass(frozen=True)
class Frontier:
    """The efficient frontier of a plan: its points from the lowest budget up, how many solves they
    took, how long, and any warnings (e.g. a cost cap that flattens it)."""

    points: tuple[FrontierPoint, ...]
    plan: Plan
    solves: int
    seconds: float
    warnings: tuple[str, ...] = ()

    def why_it_stops(self) -> str:
        """Why the curve ends where it does: a higher budget buys nothing more, as the limits
        the last portfolio fills bind first (the words the Frontier sheet and chart carry)."""
        top = next((p for p in reversed(self.points) if p.objective is not None), None)
        if top is None:
            return ""
        plan = self.plan
        chosen = Chosen.of([ini.id in set(top.selected) for ini in plan.initiatives])
        full = [u.limit.name for u in limit_uses(plan, chosen) if u.binding and u.limit.label != "budget"]
        if plan.settings.periods:  # starts are not kept with a point: its per-period use is not told
            full = []
        because = (
            f"{' and '.join(full[:3])}{' and more' if len(full) > 3 else ''} {'bind' if len(full) > 1 else 'binds'}"
            if full
            else "the other limits and rules allow nothing more of value"
        )
        return (
            f"The curve stops at a budget of {top.budget:,.0f}: more budget buys nothing, as {because} "
            f"(its best portfolio costs {top.total_cost or 0:,.0f})."
        )


#: The progress stage of finding the frontier's range (:func:`budget_range`)
RANGE_STAGE = "Finding the budget range"


def budget_range(plan: Plan) -> tuple[float, float]:
    """From the cheapest feasible portfolio to the first budget at which value stops growing.

    Both with every other limit and rule in force. The upper end is the cost of the best
    portfolio when the budget is no limit at all (the cheapest such, by the tie-break): a
    larger budget buys nothing more, because some other limit binds first.
    """
    cheapest = _cheapest(plan)
    plateau, _ = _plateau(plan)
    return cheapest, max(cheapest, plateau)


def _cheapest(plan: Plan) -> float:
    """The cost of the cheapest portfolio that meets every limit and rule but the budget (an
    infeasible plan raises its diagnosis)."""
    n = len(plan.initiatives)
    unbudgeted = plan.with_settings(budget=None)
    costs = [-ini.cost for ini in plan.initiatives]
    lp = formulation.build(unbudgeted, costs, break_ties=False)
    s = plan.settings
    sol = solver.solve(lp, s.solver, 0.0, s.time_limit)
    if not sol.has_solution or sol.values is None:
        from portfolio_opt.core.diagnose import diagnose

        raise diagnose(unbudgeted)
    chosen = formulation.selection(plan, sol.values)
    return math.fsum(plan.initiatives[j].cost for j in range(n) if chosen.selected[j])


def _plateau(plan: Plan) -> tuple[float, batch.PlanOutcome]:
    """The upper end of :func:`budget_range`, and the best portfolio with no budget (optimal
    at every budget from its cost up, so the frontier reuses it there rather than solving it
    again). On a multi-period plan this can be the longest solve of a whole frontier."""
    unbudgeted = plan.with_settings(budget=None)
    best = batch.solve_plan(unbudgeted, {"plan": unbudgeted})
    if best.status is Status.INFEASIBLE:
        from portfolio_opt.core.diagnose import diagnose

        raise diagnose(unbudgeted)
    plateau = (
        best.total_cost
        if best.ok and best.total_cost is not None
        else math.fsum(ini.cost for ini in plan.initiatives if ini.decision is not Decision.EXCLUDE)
    )
    return plateau, best


def nice_unit(lo: float, hi: float, steps: int) -> float:
    """A round unit for budgets about a tenth of a step apart or less: 1, 2 or 5 times a power of 10."""
    step = (hi - lo) / max(1, steps - 1)
    if step <= 0:
        return 1.0
    target = step / 10
    power = 10 ** math.floor(math.log10(target))
    for m in (5, 2, 1):
        if m * power <= target:
            return m * power
    return power


def budgets(lo: float, hi: float, steps: int, current: float | None) -> list[float]:
    """``steps`` budgets from lo to hi, evenly spaced and rounded to a round unit.

    The ends are rounded up (the lowest stays feasible, the highest still reaches the
    plateau). A current budget inside the range replaces the nearest point between the ends,
    so it is always one of the ``steps`` points (with 2 steps there is no point between).
    """
    steps = max(2, int(steps))
    if hi <= lo:
        return [lo]
    unit = nice_unit(lo, hi, steps)
    top = math.ceil(hi / unit - 1e-9) * unit
    bottom = min(math.ceil(lo / unit - 1e-9) * unit, top)
    values = [bottom] + [round((lo + (hi - lo) * k / (steps - 1)) / unit) * unit for k in range(1, steps - 1)] + [top]
    values = [round(v, 6) for v in values]
    if (
        current is not None
        and steps > 2
        and bottom < current < top
        and not any(math.isclose(current, v) for v in values)
    ):
        nearest = min(range(1, steps - 1), key=lambda k: (abs(values[k] - current), k))
        values[nearest] = float(current)
    return sorted(set(values))


def cost_caps(plan: Plan, above: float) -> list[str]:
    """Constraints rows that cap total Cost below ``above``: budgets beyond them buy nothing."""
    out = []
    for lim in plan.limits:
        if (
            lim.column == "Cost"
            and lim.scope is None
            and lim.period is None
            and lim.max is not None
            and lim.max < above - 1e-9
        ):
            out.append(
                f"{lim.source or lim.name} caps total Cost at {lim.max:,.0f}: budgets above it "
                f"buy nothing more (the frontier is flat there)"
            )
    return out


def lp_bounds(plan: Plan, points: Sequence[float]) -> list[float | None]:
    """The LP relaxation's value at each budget: an upper bound on the frontier, instantly."""
    coefs = objective_coefficients(plan)
    out = []
    for b in points:
        lp = formulation.build(plan.with_settings(budget=b), coefs, break_ties=False)
        sol = solver.solve(lp, plan.settings.solver, 0.0, None, relax=True)
        out.append(sol.objective if sol.has_solution else None)
    return out


def _solve_at(budget: float, state: dict) -> batch.PlanOutcome:
    return batch.solve_plan(state["plan"].with_settings(budget=budget, budget_source="frontier"), state)


def frontier(
    plan: Plan,
    steps: int = 25,
    lo: float | None = None,
    hi: float | None = None,
    workers: int | None = None,
    reuse: bool = True,
) -> Frontier:
    """Optimize at ``steps`` budgets from ``lo`` to ``hi`` (defaults: see :func:`budget_range`).

    ``reuse=False`` solves every point from scratch (the baseline the benchmark compares).
    """
    import time

    started = time.perf_counter()
    unbudgeted = None
    if lo is None or hi is None:
        # its own stage: on a multi-period plan the best portfolio with no budget can be the
        # longest solve of the whole frontier (most of it, on the quarterly sample), and a
        # terminal should not sit blank while it runs. Only an end not given is searched for:
        # a user who names the top (--to) does not wait for that solve.
        with progress.stage(RANGE_STAGE):
            if lo is None:
                lo = _cheapest(plan)
            if hi is None:
                plateau, unbudgeted = _plateau(plan)
                hi = max(lo, plateau)
    points = budgets(lo, hi, steps, plan.settings.budget)
    workers = pool.default_workers() if workers is None else workers
    with progress.stage("Frontier", len(points)) as step:
        solved, fresh = _solve_points(plan, points, workers, reuse, step, unbudgeted)
    bounds = lp_bounds(plan, points)
    out: list[FrontierPoint] = []
    for k, b in enumerate(points):
        res = solved[k]
        out.append(
            FrontierPoint(
                budget=b,
                status=res.status,
                objective=res.objective,
                total_value=res.total_value,
                total_cost=res.total_cost,
                selected=res.selected,
                lp_bound=bounds[k],
                current=plan.settings.budget is not None and math.isclose(b, plan.settings.budget),
                solved=k in fresh,
            )
        )
    out = _monotone(out)
    out = _neighbours(out)
    if plan.worlds:
        with progress.stage("Valuing the funding order at each budget"):
            out = _with_order(plan, out)
    warnings = tuple(cost_caps(plan, points[-1]))
    return Frontier(tuple(out), plan, len(fresh), time.perf_counter() - started, warnings)


def _with_order(plan: Plan, points: list[FrontierPoint]) -> list[FrontierPoint]:
    """Each point with the value of the funding order there: the longest prefix of the order that
    its budget pays for and that keeps every other rule (the order the Budgets sheet gives)."""
    from portfolio_opt.core.funding import funding_order
    from portfolio_opt.core.rules import Chosen
    from portfolio_opt.core.value import portfolio_value

    order = funding_order(plan).order
    free = plan.with_settings(budget=None, budget_confidence=None)
    prefixes = []  # (cost, value, mask) of every prefix that keeps the rules other than the budget
    for k in range(len(order) + 1):
        mask = [ini.id in set(order[:k]) for ini in plan.initiatives]
        if not formulation.violations(free, mask):
            cost = math.fsum(ini.cost for ini, x in zip(plan.initiatives, mask) if x)
            prefixes.append((cost, portfolio_value(free, Chosen.of(mask)), mask))
    out = []
    for p in points:
        at = plan.with_settings(budget=p.budget)
        fits = [
            value
            for cost, value, mask in prefixes
            if cost <= p.budget * (1 + 1e-12)
            and (plan.settings.budget_confidence is None or not formulation.violations(at, mask))
        ]
        out.append(replace(p, order_value=max(fits, default=None)))
    return out


def _solve_points(
    plan: Plan, points: list[float], workers: int, reuse: bool, step, unbudgeted: batch.PlanOutcome | None = None
) -> tuple[dict, set]:
    """Solve every budget: from the top down, reusing a portfolio for the budgets it is optimal
    for (or, without ``reuse``, each from scratch). ``unbudgeted``, the best portfolio with no
    budget, is optimal at every budget from its cost up. Returns the results by point and the
    points solved rather than copied."""
    solved: dict[int, batch.PlanOutcome] = {}
    if not reuse:
        results = pool.pool_map(_solve_at, points, workers, {"plan": plan}, on_done=step)
        return dict(enumerate(results)), set(range(len(points)))
    fresh: set[int] = set()
    pending = list(range(len(points)))[::-1]  # highest budget first
    if unbudgeted is not None and unbudgeted.status is Status.OPTIMAL and unbudgeted.total_cost is not None:
        # on a multi-period plan this can be the hardest program of all (it is on the
        # quarterly sample): solved once, by budget_range, never twice
        above = [k for k in pending if points[k] >= unbudgeted.total_cost - 1e-9]
        for k in above:
            solved[k] = unbudgeted
        step(len(above))
        pending = [k for k in pending if k not in above]
    while pending:
        batch_idx = pending[:workers]
        results = pool.pool_map(
            _solve_at, [points[k] for k in batch_idx], workers, {"plan": plan}, min_parallel=2, on_done=step
        )
        fresh.update(batch_idx)
        for k, res in zip(batch_idx, results):
            solved[k] = res
        # every pending point at or above a solved portfolio's cost, and at or below its
        # budget, has the same optimum
        covered = set(batch_idx)
        for k in pending:
            if k in covered:
                continue
            for j in batch_idx:
                res = solved[j]
                if res.ok and res.total_cost is not None and res.total_cost - 1e-9 <= points[k] <= points[j]:
                    solved[k] = res
                    covered.add(k)
                    break
        step(len(covered) - len(batch_idx))
        pending = [k for k in pending if k not in covered]
    return solved, fresh


def _monotone(points: list[FrontierPoint]) -> list[FrontierPoint]:
    """Within the optimality gap a higher budget could report a slightly lower value; the
    lower budget's portfolio is feasible there too, so keep the better of the two."""
    best = None
    out = []
    for p in points:
        if best is not None and p.objective is not None and best.objective is not None and p.objective < best.objective:
            p = replace(
                p,
                objective=best.objective,
                total_value=best.total_value,
                total_cost=best.total_cost,
                selected=best.selected,
            )
        if p.objective is not None:
            best = p
        out.append(p)
    return out


def _neighbours(points: list[FrontierPoint]) -> list[FrontierPoint]:
    out = []
    for k, p in enumerate(points):
        prev = points[k - 1] if k else None
        nxt = points[k + 1] if k + 1 < len(points) else None
        entered: tuple[str, ...] = ()
        left: tuple[str, ...] = ()
        if prev is not None:
            before, after = set(prev.selected), set(p.selected)
            entered = tuple(i for i in p.selected if i not in before)
            left = tuple(i for i in prev.selected if i not in after)
        marginal = None
        if nxt is not None and p.objective is not None and nxt.objective is not None and nxt.budget > p.budget:
            marginal = (nxt.objective - p.objective) / (nxt.budget - p.budget)
        out.append(replace(p, entered=entered, left=left, marginal_value=marginal))
    return out
