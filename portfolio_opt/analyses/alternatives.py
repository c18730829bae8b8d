"""Near-optimal alternatives: portfolios almost as good as the best, that differ in what matters.

The first is the optimum. Each next one is the best portfolio that keeps every limit and rule,
is worth at least (1 − within) of the optimum, and differs from every portfolio found so far in
at least ``min_difference`` initiatives (in or out), found by re-solving with one cut per
portfolio found:

    Σ_{i in P} (1 − x_i) + Σ_{i not in P} x_i  ≥  d          x_i = Σ_t y[i, t]

Fewer than asked come back when no more exist, and the result says so.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from portfolio_opt.core import formulation, solver
from portfolio_opt.model.plan import Plan, RiskObjective
from portfolio_opt.model.result import LimitUse, Status
from portfolio_opt.runtime import progress

if TYPE_CHECKING:  # for annotations: the functions import optimize where they use it, as the other analyses do
    from portfolio_opt.core.optimize import Solved


@dataclass(frozen=True)
class Alternative:
    """One portfolio of :func:`alternatives`: its value and cost, what it selects, how far below the
    optimum it is, and what it adds to and drops from the optimum."""

    rank: int
    objective: float
    total_value: float
    total_cost: float
    selected: tuple[str, ...]
    gap: float  #: how far below the optimum, as a share of it (0 for the optimum)
    adds: tuple[str, ...]  #: in this one, not in the optimum
    drops: tuple[str, ...]  #: in the optimum, not in this one
    limits: tuple[LimitUse, ...]
    starts: tuple[tuple[str, int], ...] = ()  #: multi-period plans: (ID, start period)
    status: Status = Status.OPTIMAL


@dataclass(frozen=True)
class Alternatives:
    """What :func:`alternatives` found: the optimum and the alternatives after it, the request they
    answer (how many, within what share of the optimum, differing in how many initiatives) and,
    when fewer came back than asked, why."""

    plan: Plan
    portfolios: tuple[Alternative, ...]  #: the optimum first
    asked: int
    within: float
    min_difference: int
    note: str  #: why fewer came back, when they did
    seconds: float


def floor_value(best: float, within: float) -> float:
    """The least an alternative may be worth: ``within`` of the optimum below it."""
    return best - within * abs(best)


def alternatives(plan: Plan, count: int = 5, within: float = 0.01, min_difference: int = 3) -> Alternatives:
    """Up to ``count`` portfolios within ``within`` (a share: 0.01 = 1%) of the optimum, each
    differing from every other in at least ``min_difference`` initiatives.

    Raises what :func:`portfolio_opt.optimize.optimize` raises when the plan itself has no
    portfolio (Infeasible names the conflict). Values are expected values (a ``cvar`` Risk
    objective is not applied here).
    """
    from portfolio_opt.core.optimize import solve

    started = time.perf_counter()
    plan = plan.with_settings(risk_objective=RiskObjective.EXPECTED)  # alternatives are compared by expected value
    with progress.stage("Alternatives", count) as step:
        first = solve(plan)
        step()
        found, note = _search(plan, first, count, within, min_difference, step)
    optimum = {ini.id for ini, x in zip(plan.initiatives, first.selected) if x}
    out = tuple(_alternative(plan, rank, x, first.objective, optimum) for rank, x in enumerate(found, start=1))
    return Alternatives(plan, out, count, within, min_difference, note, time.perf_counter() - started)


def _search(
    plan: Plan, first: Solved, count: int, within: float, min_difference: int, step: Callable[[], None]
) -> tuple[list[Solved], str]:
    """The optimum (``first``) and the portfolios after it, each the best one worth at least the
    floor that differs enough from every one found before; and, when fewer than ``count`` were
    found, why."""
    from portfolio_opt.core.optimize import Solved

    s = plan.settings
    found = [first]
    base = formulation.build(plan)
    columns = formulation.Columns.of(plan)
    value_row = _floor_row(plan, base, columns, floor_value(first.objective, within))
    while len(found) < count:
        cuts = [_cut(columns, x.selected, min_difference) for x in found]
        lp = solver.LinearProgram(
            base.objective,
            base.lower,
            base.upper,
            base.integer,
            base.rows + (value_row,) + tuple(cuts),
            base.row_keys + (("floor",),) + tuple(("alternative", k) for k in range(len(cuts))),
        )
        sol = solver.solve(lp, s.solver, s.gap, s.time_limit)
        if sol.status is Status.INFEASIBLE:
            return found, (
                f"found {len(found)} of {count}: no other portfolio is within {within:.2%} of the optimum "
                f"and differs from each found in at least {min_difference} initiatives"
            )
        if not sol.has_solution or sol.values is None:
            return found, (
                f"found {len(found)} of {count}: the solver stopped before finding another "
                f"({', '.join(sol.messages) or sol.status.value})"
            )
        chosen = formulation.selection(plan, sol.values)
        found.append(Solved.of(plan, chosen, sol))
        step()
    return found, ""


def _floor_row(plan: Plan, base: solver.LinearProgram, columns, floor: float) -> solver.Row:
    """A portfolio is worth at least ``floor``: its value as the objective counts it, without the
    tie-break term (the columns after the decisions, such as overshoots, at their objective)."""
    raw = formulation.objective(plan, columns)
    width = len(columns.var)
    return solver.Row(
        tuple(range(len(base.objective))),
        tuple(raw) + tuple(base.objective[width:]),
        floor,
        None,
    )


def _alternative(plan: Plan, rank: int, x: Solved, best: float, optimum: set[str]) -> Alternative:
    """A portfolio found, as reported: its value and cost, what it selects, how far below the
    optimum (worth ``best``, selecting ``optimum``) it is and how it differs from it."""
    ids = [ini.id for ini in plan.initiatives]
    order = {i: k for k, i in enumerate(ids)}
    mine = {i for i, on in zip(ids, x.selected) if on}
    return Alternative(
        rank=rank,
        objective=x.objective,
        total_value=math.fsum(v for v, on in zip(x.scores, x.selected) if on),
        total_cost=math.fsum(ini.cost for ini, on in zip(plan.initiatives, x.selected) if on),
        selected=tuple(sorted(mine, key=order.__getitem__)),
        gap=(best - x.objective) / abs(best) if best else 0.0,
        adds=tuple(sorted(mine - optimum, key=order.__getitem__)),
        drops=tuple(sorted(optimum - mine, key=order.__getitem__)),
        limits=x.uses,
        starts=tuple((ids[i], t) for i, t in sorted((x.starts or {}).items())),
        status=x.solution.status,
    )


def _cut(columns, selected: Sequence[bool], d: int) -> solver.Row:
    """At least d initiatives differ from the portfolio ``selected``: −Σ_in x + Σ_out x ≥ d − |in|."""
    index, coef = [], []
    for i, cols in enumerate(columns.by_ini):
        for c in cols:
            index.append(c)
            coef.append(-1.0 if selected[i] else 1.0)
    return solver.Row(tuple(index), tuple(coef), float(d - sum(1 for x in selected if x)), None)
