"""Why a plan is infeasible: the smallest set of rules that cannot hold together, and what to move.

The rules are the limit sides (budget included), the Must and Exclude decisions, the
dependencies and the exclusive groups (the parts of :mod:`portfolio_opt.rules`). QuickXplain
(Junker 2004) finds a conflict in which every rule matters: drop any one and the rest can hold.
It needs O(k log(n/k)) feasibility solves for a conflict of k rules among n, so a plan with
thousands of dependencies is diagnosed in a few dozen solves.

Each rule of the conflict then gets a relaxation, checked against the *whole* plan: for a
limit, the smallest move of its bound (an elastic solve), for a decision or rule, dropping it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from portfolio_opt.core import formulation, solver
from portfolio_opt.core.rules import LimitRule, Part, limit_rule
from portfolio_opt.core.rules.base import Key
from portfolio_opt.core.solver import LinearProgram
from portfolio_opt.model.errors import ConflictItem, Infeasible, Relaxation
from portfolio_opt.model.plan import Plan
from portfolio_opt.model.result import Status

C = TypeVar("C", bound=Hashable)


def diagnose(plan: Plan) -> Infeasible:
    """The :class:`Infeasible` error for a plan no portfolio can satisfy, conflict named."""
    all_parts = formulation.parts(plan)
    feasible = _feasibility(plan)
    keys = [p.key for p in all_parts]
    if feasible(set(keys)):
        return Infeasible(
            (), (), "the solver reported the plan infeasible, but a check found it feasible: rerun with --solver cbc"
        )
    conflict_keys = set(quickxplain(keys, feasible))
    chosen = [p for p in all_parts if p.key in conflict_keys]
    items = tuple(ConflictItem(p.kind, p.name, p.rule.describe(plan, p, chosen)) for p in chosen)
    return Infeasible(items, tuple(_relaxations(plan, chosen, feasible, set(keys))))


def apply_relaxation(plan: Plan, change: Relaxation) -> Plan:
    """The plan with one suggested change made (the way a planner would edit the workbook)."""
    part = next(p for p in formulation.parts(plan) if p.key == tuple(change.rule))
    return part.rule.relax(plan, part, change.bound)


def quickxplain(
    constraints: Sequence[C], consistent: Callable[[set[C]], bool], background: Sequence[C] = ()
) -> list[C]:
    """A minimal subset of ``constraints`` that is inconsistent together with ``background``.

    ``consistent(set_of_keys)`` says whether a set of constraints can all hold. Minimal means
    that removing any one member makes the rest consistent (with the background).
    """

    def qx(base: list[C], delta_nonempty: bool, cs: list[C]) -> list[C]:
        if delta_nonempty and not consistent(set(base)):
            return []
        if len(cs) == 1:
            return list(cs)
        half = len(cs) // 2
        c1, c2 = cs[:half], cs[half:]
        d2 = qx(base + c1, bool(c1), c2)
        d1 = qx(base + d2, bool(d2), c1)
        return d1 + d2

    base = list(background)
    cs = list(constraints)
    if consistent(set(base + cs)) or not cs:
        return []
    return qx(base, False, cs)


def _feasibility(plan: Plan) -> Callable[[set[Key]], bool]:
    zero = [0.0] * len(plan.initiatives)
    cache: dict[frozenset[Key], bool] = {}

    def feasible(active: set[Key]) -> bool:
        key = frozenset(active)
        if key not in cache:
            lp = formulation.build(plan, zero, active=lambda k: k in active, break_ties=False)
            sol = solver.solve(lp, plan.settings.solver, 0.0, plan.settings.time_limit)
            cache[key] = sol.status is not Status.INFEASIBLE
        return cache[key]

    return feasible


def _relaxations(
    plan: Plan, conflict: Sequence[Part], feasible: Callable[[set[Key]], bool], all_keys: set[Key]
) -> list[Relaxation]:
    """One change per conflict rule that resolves it, each checked on the whole plan."""
    out: list[tuple[int, Relaxation]] = []
    for part in conflict:
        whole = feasible(all_keys - {part.key})  # the flag is the data: where a change is shown, it is worded
        if isinstance(part.rule, LimitRule) and part.rule.movable:
            k, side = part.rule.k, part.rule.side_of(part)
            move = elastic_move(plan, k, side)
            if move is None:
                continue
            bound, text = part.rule.moved(side, move)
            drivers = [p.name for p in conflict if p.key != part.key]
            if drivers:  # what forces the move: the rest of the conflict
                text += (
                    f" (what {_and(drivers)} need together)"
                    if side == "max"
                    else f" (what {_and(drivers)} allow together)"
                )
            out.append((0, Relaxation(text, part.key, bound, True)))
            continue
        text = part.rule.relaxation(plan, part)
        out.append((1 if whole else 2, Relaxation(text, part.key, None, whole)))
    return [change for _, change in sorted(out, key=lambda t: t[0])]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def elastic_move(plan: Plan, k: int, side: str) -> float | None:
    """The smallest move of limit ``k``'s bound (``side`` min or max) that makes the plan feasible.

    Everything else stays in force: the limit's use is minimized (for a Max) or maximized
    (for a Min) over every portfolio that keeps the other rules. ``None`` when no portfolio
    keeps them, so no move of this bound alone is enough.
    """
    rule = limit_rule(k, plan.all_limits()[k])
    zero = [0.0] * len(plan.initiatives)
    key = ("limit", k, side)
    # the limit's use, without its tolerance columns: the move is measured on the use itself
    hard = plan.with_limit(k, tolerance=None) if rule.allowance("max") or rule.allowance("min") else plan
    full = formulation.build(hard, zero, break_ties=False)
    row = next(r for r, rk in zip(full.rows, full.row_keys) if rk == ("limit", k))
    relaxed = formulation.build(plan, zero, active=lambda r: r != key, break_ties=False)
    sign = -1.0 if side == "max" else 1.0  # maximize −use for a Max, +use for a Min
    objective = [0.0] * len(relaxed.objective)
    for j, c in zip(row.index, row.coef):
        objective[j] = sign * c
    lp = LinearProgram(tuple(objective), relaxed.lower, relaxed.upper, relaxed.integer, relaxed.rows, relaxed.row_keys)
    sol = solver.solve(lp, plan.settings.solver, 0.0, plan.settings.time_limit)
    values = sol.values
    if not sol.has_solution or values is None:
        return None
    # Measure the use on the integer portfolio found, so the suggested bound admits it exactly.
    used = math.fsum(c * (1.0 if values[j] > 0.5 else 0.0) for j, c in zip(row.index, row.coef))
    # a soft limit may already be passed by its tolerance: the move is what lies beyond it
    move = used - rule.bound_on("max") if side == "max" else rule.bound_on("min") - used
    return max(0.0, move - rule.allowance(side))
