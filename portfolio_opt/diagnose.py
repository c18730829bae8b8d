"""Why a plan is infeasible: the smallest set of rules that cannot hold together, and what to move.

The rules are the limit sides (budget included), the Must and Exclude decisions, the
dependencies and the exclusive groups (:func:`portfolio_opt.formulation.rules`). QuickXplain
(Junker 2004) finds a conflict in which every rule matters: drop any one and the rest can hold.
It needs O(k log(n/k)) feasibility solves for a conflict of k rules among n, so a plan with
thousands of dependencies is diagnosed in a few dozen solves.

Each rule of the conflict then gets a relaxation, checked against the *whole* plan: for a
limit, the smallest move of its bound (an elastic solve), for a decision or rule, dropping it.
"""

from __future__ import annotations

from dataclasses import replace
import math
from typing import Callable, Sequence

from . import formulation, solver
from .errors import ConflictItem, Infeasible, Relaxation
from .model import Decision, Plan, Status
from .solver import LinearProgram


#: Said of a change that resolves the conflict found but not the whole plan
PARTIAL = " (this resolves the conflict above; the plan has others too)"


def diagnose(plan: Plan) -> Infeasible:
    """The :class:`Infeasible` error for a plan no portfolio can satisfy, conflict named."""
    all_rules = formulation.rules(plan)
    feasible = _feasibility(plan)
    keys = [r.key for r in all_rules]
    if feasible(set(keys)):
        return Infeasible((), (), "the solver reported the plan infeasible, but a check found it feasible: rerun with --solver cbc")
    conflict_keys = quickxplain(keys, feasible)
    chosen = [r for r in all_rules if r.key in set(conflict_keys)]
    items = tuple(_describe(plan, rule, chosen) for rule in chosen)
    return Infeasible(items, tuple(_relaxations(plan, chosen, feasible, set(keys))))


def apply_relaxation(plan: Plan, change: Relaxation) -> Plan:
    """The plan with one suggested change made (the way a planner would edit the workbook)."""
    kind = change.rule[0]
    if kind == "limit":
        _, k, side = change.rule
        if plan.budget_limit is not None and k == 0:
            return plan.with_settings(budget=change.bound)
        offset = 1 if plan.budget_limit is not None else 0
        limits = list(plan.limits)
        limits[k - offset] = replace(limits[k - offset], **{side: change.bound})
        return replace(plan, limits=tuple(limits))
    inis = list(plan.initiatives)
    if kind in ("must", "exclude"):
        i = change.rule[1]
        inis[i] = replace(inis[i], decision=Decision.FREE)
    elif kind == "dependency":
        i, j = change.rule[1], change.rule[2]
        inis[i] = replace(inis[i], depends_on=tuple(d for d in inis[i].depends_on if d != inis[j].id))
    else:
        members = formulation.exclusive_groups(plan).get(change.rule[1], [])
        for i in members:
            inis[i] = replace(inis[i], exclusive_group=None)
    return plan.with_initiatives(tuple(inis))


def quickxplain(
    constraints: Sequence, consistent: Callable[[set], bool], background: Sequence = ()
) -> list:
    """A minimal subset of ``constraints`` that is inconsistent together with ``background``.

    ``consistent(set_of_keys)`` says whether a set of constraints can all hold. Minimal means
    that removing any one member makes the rest consistent (with the background).
    """

    def qx(base: list, delta_nonempty: bool, cs: list) -> list:
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


def _feasibility(plan: Plan) -> Callable[[set], bool]:
    zero = [0.0] * len(plan.initiatives)
    cache: dict[frozenset, bool] = {}

    def feasible(active: set) -> bool:
        key = frozenset(active)
        if key not in cache:
            lp = formulation.build(plan, zero, active=lambda k: k in active, break_ties=False)
            sol = solver.solve(lp, plan.settings.solver, 0.0, plan.settings.time_limit)
            cache[key] = sol.status is not Status.INFEASIBLE
        return cache[key]

    return feasible


def _num(x: float) -> str:
    return formulation._num(x)


def _describe(plan: Plan, rule: formulation.Rule, conflict: list[formulation.Rule]) -> ConflictItem:
    kind = rule.key[0]
    if kind in ("must", "exclude"):
        ini = plan.initiatives[rule.key[1]]
        what = "must be selected" if kind == "must" else "is excluded"
        return ConflictItem(rule.kind, rule.name, f"{ini.id} ({ini.name}) {what}: Decision on Initiatives row {ini.row}")
    if kind == "limit":
        _, k, side = rule.key
        limit = plan.all_limits()[k]
        bound = limit.max if side == "max" else limit.min
        musts = [i for r in conflict if r.key[0] == "must" for i in [r.key[1]]]
        detail = f"{limit.name}: {side.capitalize()} {_num(bound)}"
        if limit.source:
            detail += f" ({limit.source})"
        if musts:
            mask = [False] * len(plan.initiatives)
            for i in musts:
                mask[i] = True
            used = formulation.limit_use(plan, limit, mask)
            names = ", ".join(plan.initiatives[i].id for i in musts)
            detail += f"; the Musts {names} alone use {_num(used)}"
        return ConflictItem(rule.kind, rule.name, detail)
    if kind == "dependency":
        a, b = plan.initiatives[rule.key[1]], plan.initiatives[rule.key[2]]
        return ConflictItem(rule.kind, rule.name, f"{a.id} can only be selected together with {b.id} (Initiatives row {a.row})")
    members = formulation.exclusive_groups(plan).get(rule.key[1], [])
    ids = ", ".join(plan.initiatives[i].id for i in members)
    return ConflictItem(rule.kind, rule.name, f"at most one of {ids}")


def _relaxations(plan: Plan, conflict, feasible, all_keys: set) -> list[Relaxation]:
    """One change per conflict rule that resolves it, each checked on the whole plan."""
    out: list[tuple[int, Relaxation]] = []
    for rule in conflict:
        kind = rule.key[0]
        whole = feasible(all_keys - {rule.key})
        suffix = "" if whole else PARTIAL
        if kind == "limit":
            _, k, side = rule.key
            move = elastic_move(plan, k, side)
            limit = plan.all_limits()[k]
            if move is None:
                continue
            if side == "max":
                bound = limit.max + move
                text = f"raise the {limit.name} Max by {_num(move)} to {_num(bound)}"
                if limit.label == "budget":
                    text = f"raise the budget by {_num(move)} to {_num(bound)}"
            else:
                bound = limit.min - move
                text = f"lower the {limit.name} Min by {_num(move)} to {_num(bound)}"
            drivers = [r.name for r in conflict if r.key != rule.key]
            if drivers:  # what forces the move: the rest of the conflict
                text += f" (what {_and(drivers)} need together)" if side == "max" else \
                    f" (what {_and(drivers)} allow together)"
            out.append((0, Relaxation(text, rule.key, bound, True)))
            continue
        if kind == "must":
            text = f"drop Must on {plan.initiatives[rule.key[1]].id}"
        elif kind == "exclude":
            text = f"allow the Excluded {plan.initiatives[rule.key[1]].id}"
        elif kind == "dependency":
            a, b = plan.initiatives[rule.key[1]], plan.initiatives[rule.key[2]]
            text = f"let {a.id} go ahead without {b.id}"
        else:
            text = f"allow more than one of exclusive group {rule.key[1]}"
        out.append((1 if whole else 2, Relaxation(text + suffix, rule.key, None, whole)))
    return [change for _, change in sorted(out, key=lambda t: t[0])]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def elastic_move(plan: Plan, k: int, side: str) -> float | None:
    """The smallest move of limit ``k``'s bound (``side`` min or max) that makes the plan feasible.

    Everything else stays in force: the limit's use is minimized (for a Max) or maximized
    (for a Min) over every portfolio that keeps the other rules. ``None`` when no portfolio
    keeps them, so no move of this bound alone is enough.
    """
    limit = plan.all_limits()[k]
    zero = [0.0] * len(plan.initiatives)
    key = formulation.limit_key(k, side)
    full = formulation.build(plan, zero, break_ties=False)
    row = next(r for r, rk in zip(full.rows, full.row_keys) if rk == ("limit", k))
    relaxed = formulation.build(plan, zero, active=lambda r: r != key, break_ties=False)
    sign = -1.0 if side == "max" else 1.0  # maximize −use for a Max, +use for a Min
    objective = [0.0] * len(relaxed.objective)
    for j, c in zip(row.index, row.coef):
        objective[j] = sign * c
    lp = LinearProgram(tuple(objective), relaxed.lower, relaxed.upper, relaxed.integer, relaxed.rows, relaxed.row_keys)
    sol = solver.solve(lp, plan.settings.solver, 0.0, plan.settings.time_limit)
    if not sol.has_solution:
        return None
    # Measure the use on the integer portfolio found, so the suggested bound admits it exactly.
    used = math.fsum(c * (1.0 if sol.values[j] > 0.5 else 0.0) for j, c in zip(row.index, row.coef))
    move = used - limit.max if side == "max" else limit.min - used
    return max(0.0, move)
