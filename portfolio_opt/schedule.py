"""Multi-period plans: the optimizer decides whether and when each initiative starts.

With ``Periods`` set, each initiative i gets one binary y[i, t] per start period t in its
window (``Earliest start`` .. ``Latest start``); at most one is 1. Starting in period t
(0-based, periods of L months) counts its time to value from the start of that period, so

    score[i, t] = Probability × (Impact − Run cost) × D(T + t·L, H, r)

and a later start is worth less. It is built for d_i = ceil(Duration / L) periods (one by
default), during which it uses its resource columns (e.g. ``Data eng FTE``) in every build
period and its Cost spread evenly (or by ``Cost profile``). A limit with a period bounds that
period's use: Σ over i and starts s with s ≤ p < s + d_i of a_i(p − s) · y[i, s]. A limit
without one bounds the whole plan, as in single-period plans. A dependent starts no earlier
than its prerequisite finishes, written in the strong aggregated form

    Σ_{τ ≤ t} y[i, τ]  ≤  Σ_{τ ≤ t − d_j} y[j, τ]     for every period t

(``Dependencies`` = ``together`` in Settings asks only that both are selected, which is
also what a one-period plan means, so it gives exactly the single-period answer).
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

from .model import Decision, Initiative, Limit, Objective, Plan, Settings, normalize_header
from .scoring import score
from .solver import LinearProgram, Row


def timed_dependencies(settings: Settings) -> bool:
    """Dependencies mean "after it finishes" when asked and there is time to sequence: in a
    one-period plan they mean "selected together", so it gives the single-period answer."""
    return settings.timed_dependencies and (settings.periods or 1) > 1


def build_periods(ini: Initiative, settings: Settings) -> int:
    """How many periods an initiative is being built (at least one)."""
    if ini.duration is None or ini.duration <= 0:
        return 1
    return max(1, math.ceil(ini.duration / settings.period_length - 1e-9))


def window(ini: Initiative, settings: Settings) -> range:
    """The 0-based periods it may start in."""
    last = (settings.periods or 1) - 1
    lo = 0 if ini.earliest is None else max(0, ini.earliest)
    hi = last if ini.latest is None else min(last, ini.latest)
    return range(lo, hi + 1)


def value_start(ini: Initiative, settings: Settings, t: int = 0) -> float:
    """Months from the plan's start until its value begins, when it starts in period t.

    Value begins at its time to value, but never before its build is done: with a Duration
    longer than the time to value, at the end of the Duration (both counted from the start
    of its start period).
    """
    lead = ini.time_to_value
    if settings.periods and ini.duration is not None:
        lead = max(lead, ini.duration)
    return lead + t * settings.period_length


def start_score(ini: Initiative, t: int, settings: Settings) -> float:
    """Its score when it starts in period t: value from :func:`value_start` on."""
    return score(ini.impact, ini.probability, value_start(ini, settings, t),
                 settings.horizon_months, settings.discount_rate, ini.run_cost)


def variables(plan: Plan) -> list[tuple[int, int]]:
    """(initiative, start period) of every variable, in column order."""
    s = plan.settings
    return [(i, t) for i, ini in enumerate(plan.initiatives) for t in window(ini, s)]


def demand(plan: Plan, limit: Limit, i: int) -> list[float]:
    """What initiative i uses of a per-period limit in each of its build periods."""
    ini = plan.initiatives[i]
    if not limit.applies_to(ini):
        return []
    d = build_periods(ini, plan.settings)
    norm = normalize_header(limit.column)
    if norm == "cost":
        shares = ini.cost_profile or tuple([1.0 / d] * d)
        shares = tuple(shares[:d]) + (0.0,) * (d - len(shares))
        return [ini.cost * sh for sh in shares]
    value = plan.column_values(limit.column)[i]
    return [value] * d


def selection(plan: Plan, values: Sequence[float]) -> tuple[list[bool], dict[int, int]]:
    """Selected mask and start period per selected initiative, from a solution."""
    selected = [False] * len(plan.initiatives)
    starts: dict[int, int] = {}
    for (i, t), v in zip(variables(plan), values):
        if v > 0.5:
            selected[i] = True
            starts[i] = t
    return selected, starts


def build(
    plan: Plan,
    coefficients: Sequence[float] | None,
    active: Callable[[tuple], bool] | None = None,
    force_in: Iterable[int] = (),
    force_out: Iterable[int] = (),
    limit_overrides: dict[int, tuple[float | None, float | None]] | None = None,
    break_ties: bool = True,
) -> LinearProgram:
    """The multi-period program. ``coefficients=None`` values each start by its own score
    (the real objective); a list gives every start of initiative i the same coefficient."""
    on = active or (lambda key: True)
    s = plan.settings
    n = len(plan.initiatives)
    var = variables(plan)
    col: dict[tuple[int, int], int] = {v: k for k, v in enumerate(var)}
    by_ini: list[list[int]] = [[] for _ in range(n)]
    for k, (i, t) in enumerate(var):
        by_ini[i].append(k)
    npv = s.objective is Objective.NPV
    obj = []
    for i, t in var:
        ini = plan.initiatives[i]
        if coefficients is None:
            c = start_score(ini, t, s) - (ini.cost if npv else 0.0)
        else:
            c = coefficients[i]
        obj.append(c)
    if break_ties and obj:
        scale = max(abs(c) for c in obj) or 1.0
        max_cost = max((ini.cost for ini in plan.initiatives), default=0.0) or 1.0
        unit = 1e-7 * scale / len(obj)
        obj = [c - unit * (0.4 * max(plan.initiatives[i].cost, 0) / max_cost + 0.4 * (i + 1) / (n + 1) + 0.2 * t / max(1, s.periods or 1))
               for c, (i, t) in zip(obj, var)]
    lower = [0.0] * len(var)
    upper = [1.0] * len(var)
    rows: list[Row] = []
    keys: list[tuple] = []
    forced_in, forced_out = set(force_in), set(force_out)
    for i, ini in enumerate(plan.initiatives):
        ks = by_ini[i]
        must = (ini.decision is Decision.MUST and on(("must", i))) or i in forced_in
        out = (ini.decision is Decision.EXCLUDE and on(("exclude", i))) or i in forced_out
        if out:
            for k in ks:
                upper[k] = 0.0
        if must:
            rows.append(Row(tuple(ks), (1.0,) * len(ks), 1.0, 1.0))
            keys.append(("must", i))
        elif ks:
            rows.append(Row(tuple(ks), (1.0,) * len(ks), None, 1.0))
            keys.append(("one start", i))
    limits = plan.all_limits()
    for k, limit in enumerate(limits):
        lo, hi = limit.min, limit.max
        if limit_overrides and k in limit_overrides:
            lo, hi = limit_overrides[k]
        lo = lo if on(("limit", k, "min")) else None
        hi = hi if on(("limit", k, "max")) else None
        if lo is None and hi is None:
            continue
        coef: dict[int, float] = {}
        if limit.period is None:
            values = plan.column_values(limit.column)
            for i, ini in enumerate(plan.initiatives):
                if values[i] != 0 and limit.applies_to(ini):
                    for c in by_ini[i]:
                        coef[c] = values[i]
        else:
            p = limit.period
            for i in range(n):
                use = demand(plan, limit, i)
                for off, a in enumerate(use):
                    start = p - off
                    c = col.get((i, start))
                    if c is not None and a != 0:
                        coef[c] = coef.get(c, 0.0) + a
        idx = tuple(sorted(coef))
        rows.append(Row(idx, tuple(coef[c] for c in idx), lo, hi))
        keys.append(("limit", k))
    periods = s.periods or 1
    for i, ini in enumerate(plan.initiatives):
        for dep in ini.depends_on:
            if dep not in plan:
                continue
            j = plan.index(dep)
            if not on(("dependency", i, j)):
                continue
            if not timed_dependencies(s):
                rows.append(Row(tuple(by_ini[i] + by_ini[j]), (1.0,) * len(by_ini[i]) + (-1.0,) * len(by_ini[j]), None, 0.0))
                keys.append(("dependency", i, j))
                continue
            dj = build_periods(plan.initiatives[j], s)
            for t in range(periods):
                mine = [col[(i, tau)] for tau in window(ini, s) if tau <= t]
                if not mine:
                    continue
                theirs = [col[(j, tau)] for tau in window(plan.initiatives[j], s) if tau <= t - dj]
                rows.append(Row(tuple(mine + theirs), (1.0,) * len(mine) + (-1.0,) * len(theirs), None, 0.0))
                keys.append(("dependency", i, j))
    from .formulation import exclusive_groups

    for group, members in exclusive_groups(plan).items():
        if len(members) > 1 and on(("group", group)):
            ks = [k for i in members for k in by_ini[i]]
            rows.append(Row(tuple(ks), (1.0,) * len(ks), None, 1.0))
            keys.append(("group", group))
    return LinearProgram(
        objective=tuple(obj), lower=tuple(lower), upper=tuple(upper), integer=(True,) * len(var),
        rows=tuple(rows), row_keys=tuple(keys),
    )


def limit_use(plan: Plan, limit: Limit, selected: Sequence[bool], starts: dict[int, int]) -> float:
    """A limit's use by a schedule (per period, or over the whole plan)."""
    if limit.period is None:
        values = plan.column_values(limit.column)
        return math.fsum(values[i] for i, ini in enumerate(plan.initiatives) if selected[i] and limit.applies_to(ini))
    total = 0.0
    for i, t in starts.items():
        use = demand(plan, limit, i)
        off = limit.period - t
        if 0 <= off < len(use):
            total += use[off]
    return total
