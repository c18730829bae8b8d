"""Time in a plan: when each initiative may start, how long it builds, what it uses when.

A single-period plan is the one-period case: every initiative may start in period 0 only.

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

from portfolio_opt.core.ranges import expected_score, value_floor
from portfolio_opt.core.scoring import committee_score, expected_cost, score
from portfolio_opt.model.plan import Initiative, Limit, Objective, Plan, Settings, normalize_header


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
    """The 0-based periods it may start in (period 0 only, in a single-period plan)."""
    if not settings.periods:
        return range(0, 1)
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
    return max(ini.time_to_value, value_floor(ini, settings)) + t * settings.period_length


def start_score(ini: Initiative, t: int, settings: Settings) -> float:
    """Its score when it starts in period t: value from :func:`value_start` on (with a range,
    the mean of its outcome, see :mod:`.risk`), or as the Scoring setting says (see
    :mod:`.criteria`: the weighted, WSJF and RICE scores do not depend on the start)."""
    if not settings.scoring.is_money:
        return committee_score(ini, settings, 0.0)
    return committee_score(ini, settings, _expected_start_score(ini, t, settings))


def _expected_start_score(ini: Initiative, t: int, settings: Settings) -> float:
    if ini.ranged:
        return expected_score(ini, settings, t * settings.period_length)
    return score(
        ini.impact,
        ini.probability,
        value_start(ini, settings, t),
        settings.horizon_months,
        settings.discount_rate,
        ini.run_cost,
    )


def start_value(ini: Initiative, t: int, settings: Settings) -> float:
    """What starting it in period t adds to the objective: its score there, less its cost
    for npv. The one place the objective coefficient is written."""
    if settings.objective is not Objective.NPV:
        return start_score(ini, t, settings)
    # npv: less its cost, plus the stop or retire cost that selecting it saves (a review)
    return start_score(ini, t, settings) - expected_cost(ini, settings) + ini.out_cost


def demand(plan: Plan, limit: Limit, i: int) -> list[float]:
    """What initiative i uses of a per-period limit in each of its build periods.

    Cost is spread over the build (evenly, or by ``Cost profile``); any other column is used
    in full in every build period, times its ``<column> profile`` entry when it has one.
    """
    ini = plan.initiatives[i]
    d = build_periods(ini, plan.settings)
    norm = normalize_header(limit.column)
    if norm == "cost":
        shares = ini.cost_profile or tuple([1.0 / d] * d)
        shares = tuple(shares[:d]) + (0.0,) * (d - len(shares))
        return [ini.cost * sh for sh in shares]
    value = plan.column_values(limit.column)[i]
    profile = ini.profiles.get(norm) if ini.profiles else None
    if profile:
        factors = tuple(profile[:d]) + (1.0,) * (d - len(profile))
        return [value * f for f in factors]
    return [value] * d
