"""The portfolio as a mixed-integer program, and the rules a selection must keep.

One binary x_i per initiative (1 = selected):

    maximize    Σ c_i x_i                         c_i = score_i (or score_i − cost_i for npv)
    subject to  lo_k ≤ Σ_{i in scope k} a_ik x_i ≤ hi_k     every limit k (budget included)
                x_i ≤ x_j                         i depends on j
                Σ_{i in group g} x_i ≤ 1          every exclusive group g
                x_i = 1 (Must),  x_i = 0 (Exclude)

Each limit side, Must, Exclude, dependency and exclusive group is a *rule* with a key, so
the diagnosis can switch rules off one at a time. This module is pure: no solver, no files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from .model import Decision, Limit, Plan
from .solver import LinearProgram, Row

#: Total weight of the tie-break term, relative to the largest objective coefficient.
TIE_BREAK = 1e-7


@dataclass(frozen=True)
class Rule:
    """One limit side, decision, dependency or exclusive group, as the diagnosis sees it."""

    key: tuple
    kind: str  # "limit", "must", "exclude", "dependency", "exclusive group"
    name: str


def limit_key(k: int, side: str) -> tuple:
    return ("limit", k, side)


def rules(plan: Plan) -> list[Rule]:
    """Every rule of a plan, decisions first (people drop a decision more readily)."""
    out: list[Rule] = []
    for i, ini in enumerate(plan.initiatives):
        if ini.decision is Decision.MUST:
            out.append(Rule(("must", i), "must", f"Must {ini.id}"))
        elif ini.decision is Decision.EXCLUDE:
            out.append(Rule(("exclude", i), "exclude", f"Exclude {ini.id}"))
    for k, limit in enumerate(plan.all_limits()):
        if limit.max is not None:
            out.append(Rule(limit_key(k, "max"), "limit", f"Max {limit.name}"))
        if limit.min is not None:
            out.append(Rule(limit_key(k, "min"), "limit", f"Min {limit.name}"))
    for i, j in dependency_pairs(plan):
        a, b = plan.initiatives[i].id, plan.initiatives[j].id
        out.append(Rule(("dependency", i, j), "dependency", f"{a} needs {b}"))
    for group, members in exclusive_groups(plan).items():
        if len(members) > 1:
            out.append(Rule(("group", group), "exclusive group", f"exclusive group {group}"))
    return out


def dependency_pairs(plan: Plan) -> list[tuple[int, int]]:
    """(dependent, prerequisite) positions, in sheet order."""
    pairs = []
    for i, ini in enumerate(plan.initiatives):
        for dep in ini.depends_on:
            if dep in plan:
                pairs.append((i, plan.index(dep)))
    return pairs


def exclusive_groups(plan: Plan) -> dict[str, list[int]]:
    """Group name (as first written) -> member positions; names match ignoring case."""
    groups: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for i, ini in enumerate(plan.initiatives):
        if ini.exclusive_group:
            folded = ini.exclusive_group.strip().casefold()
            name = names.setdefault(folded, ini.exclusive_group.strip())
            groups.setdefault(name, []).append(i)
    return groups


def limit_coefficients(plan: Plan, limit: Limit) -> list[float]:
    """a_i of one limit: the column's value for initiatives in scope, 0 elsewhere."""
    values = plan.column_values(limit.column)
    return [v if limit.applies_to(ini) else 0.0 for v, ini in zip(values, plan.initiatives)]


def tie_break(plan: Plan, coefficients: Sequence[float]) -> list[float]:
    """Coefficients with a tiny term that prefers lower cost, then rows higher in the sheet.

    The whole term is worth at most ``TIE_BREAK`` of the largest coefficient, far below any
    difference a person would act on, and only decides between portfolios of equal value.
    """
    n = len(coefficients)
    if n == 0:
        return []
    scale = max((abs(c) for c in coefficients), default=0.0) or 1.0
    max_cost = max((ini.cost for ini in plan.initiatives), default=0.0) or 1.0
    unit = TIE_BREAK * scale / n
    return [
        c - unit * (0.5 * max(ini.cost, 0.0) / max_cost + 0.5 * (i + 1) / (n + 1))
        for i, (c, ini) in enumerate(zip(coefficients, plan.initiatives))
    ]


def build(
    plan: Plan,
    coefficients: Sequence[float],
    active: Callable[[tuple], bool] | None = None,
    force_in: Iterable[int] = (),
    force_out: Iterable[int] = (),
    limit_overrides: dict[int, tuple[float | None, float | None]] | None = None,
    break_ties: bool = True,
) -> LinearProgram:
    """The program for ``plan`` with the given objective coefficients.

    ``active(key)`` switches rules off (default: all on); ``force_in``/``force_out`` fix
    initiatives on top of the plan's decisions; ``limit_overrides`` maps a limit's position
    in :meth:`Plan.all_limits` to new ``(min, max)``.
    """
    if plan.settings.periods:
        from . import schedule

        return schedule.build(plan, coefficients, active, force_in, force_out, limit_overrides, break_ties)
    on = active or (lambda key: True)
    n = len(plan.initiatives)
    lower = [0.0] * n
    upper = [1.0] * n
    for i, ini in enumerate(plan.initiatives):
        if ini.decision is Decision.MUST and on(("must", i)):
            lower[i] = 1.0
        elif ini.decision is Decision.EXCLUDE and on(("exclude", i)):
            upper[i] = 0.0
    for i in force_in:
        lower[i] = 1.0
    for i in force_out:
        upper[i] = 0.0

    rows: list[Row] = []
    keys: list[tuple] = []
    for k, limit in enumerate(plan.all_limits()):
        lo, hi = limit.min, limit.max
        if limit_overrides and k in limit_overrides:
            lo, hi = limit_overrides[k]
        lo = lo if on(limit_key(k, "min")) else None
        hi = hi if on(limit_key(k, "max")) else None
        if lo is None and hi is None:
            continue
        coef = limit_coefficients(plan, limit)
        idx = tuple(i for i, a in enumerate(coef) if a != 0)
        rows.append(Row(idx, tuple(coef[i] for i in idx), lo, hi))
        keys.append(("limit", k))
    for i, j in dependency_pairs(plan):
        if on(("dependency", i, j)):
            rows.append(Row((i, j), (1.0, -1.0), None, 0.0))
            keys.append(("dependency", i, j))
    for group, members in exclusive_groups(plan).items():
        if len(members) > 1 and on(("group", group)):
            rows.append(Row(tuple(members), (1.0,) * len(members), None, 1.0))
            keys.append(("group", group))

    objective = tie_break(plan, coefficients) if break_ties else list(coefficients)
    return LinearProgram(
        objective=tuple(objective),
        lower=tuple(lower),
        upper=tuple(upper),
        integer=(True,) * n,
        rows=tuple(rows),
        row_keys=tuple(keys),
    )


def selection(plan: Plan, values: Sequence[float]) -> list[bool]:
    """Which initiatives a solution of :func:`build`'s program selects (any plan)."""
    if plan.settings.periods:
        from . import schedule

        return schedule.selection(plan, values)[0]
    return [v > 0.5 for v in values[: len(plan.initiatives)]]


def limit_use(plan: Plan, limit: Limit, selected: Sequence[bool]) -> float:
    """Sum of a limit's column over the selected initiatives in its scope."""
    coef = limit_coefficients(plan, limit)
    return math.fsum(a for a, s in zip(coef, selected) if s)


def violations(plan: Plan, selected: Sequence[bool]) -> list[str]:
    """Every limit, rule and decision a selection breaks, in words (empty when it keeps all)."""
    out: list[str] = []
    ids = [ini.id for ini in plan.initiatives]
    for i, ini in enumerate(plan.initiatives):
        if ini.decision is Decision.MUST and not selected[i]:
            out.append(f"Must {ini.id} is not selected")
        if ini.decision is Decision.EXCLUDE and selected[i]:
            out.append(f"Excluded {ini.id} is selected")
    for limit in plan.all_limits():
        used = limit_use(plan, limit, selected)
        tol = 1e-9 * max(1.0, abs(limit.max or 0.0), abs(limit.min or 0.0))
        if limit.max is not None and used > limit.max + tol:
            out.append(f"{limit.name} over its Max by {_num(used - limit.max)} ({_num(used)} > {_num(limit.max)})")
        if limit.min is not None and used < limit.min - tol:
            out.append(f"{limit.name} under its Min by {_num(limit.min - used)} ({_num(used)} < {_num(limit.min)})")
    for i, j in dependency_pairs(plan):
        if selected[i] and not selected[j]:
            out.append(f"{ids[i]} needs {ids[j]}, which is not selected")
    for group, members in exclusive_groups(plan).items():
        chosen = [ids[i] for i in members if selected[i]]
        if len(chosen) > 1:
            out.append(f"exclusive group {group} has {len(chosen)} selected: {', '.join(chosen)}")
    return out


def _num(x: float) -> str:
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}"
