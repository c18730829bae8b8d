"""The quarterly review: work in flight, live models that must earn their running cost, and
the value realized so far.

Every row has a Status. The horizon runs from the ``Review date``; months between two dates
are calendar months (the 1st of one month to the 1st of the next is one month; the remaining
days count as a fraction of 30).

- Proposed: as without a review: start it (its Cost) or not.
- In progress: **continue** (its ``Remaining cost``, default Cost − Spent to date; it earns
  the score with time to value max(0, Time to value − months since ``Started``)) or **stop**
  (earns nothing, costs its ``Stop cost``). Money already spent never enters the decision.
- Live: **keep** (earns Probability × (Impact − Run cost) × D(0, H), the probability 1 unless
  given) or **retire** (earns nothing more, costs its ``Retire cost``).
- Done and Stopped: carried through, never selected, in no limit.

Stop and retire costs count against the budget and every Cost limit (and are subtracted
under npv): a limit's sum is Σ (cost if selected) x + Σ (cost if not) (1 − x). Pure: no files.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portfolio_opt.model.plan import Initiative, Objective, Plan, Stage, group_by_key

#: how Status cells are read (ignoring case and spaces)
STAGES = {
    "": Stage.PROPOSED,
    "proposed": Stage.PROPOSED,
    "new": Stage.PROPOSED,
    "inprogress": Stage.IN_PROGRESS,
    "started": Stage.IN_PROGRESS,
    "ongoing": Stage.IN_PROGRESS,
    "live": Stage.LIVE,
    "inproduction": Stage.LIVE,
    "done": Stage.DONE,
    "complete": Stage.DONE,
    "completed": Stage.DONE,
    "stopped": Stage.STOPPED,
    "cancelled": Stage.STOPPED,
    "canceled": Stage.STOPPED,
}
#: realization below this share of the forecast is flagged
LOW_REALIZATION = 0.5


def parse_stage(value: Any) -> Stage | None:
    """A Status cell as a :class:`Stage` (None when it is not one).

    >>> parse_stage(" in progress "), parse_stage(None), parse_stage("maybe")
    (<Stage.IN_PROGRESS: 'In progress'>, <Stage.PROPOSED: 'Proposed'>, None)
    """
    key = re.sub(r"[\s_\-]+", "", "" if value is None else str(value)).casefold()
    return STAGES.get(key)


def parse_when(value: Any) -> _dt.date | None:
    """A date cell, an ISO date (2027-01-15), a quarter (2027-Q1: its first day) or a month
    (2027-03: its first day) as a date; None when it is none of these.

    >>> parse_when("2027-Q2"), parse_when("2027-03"), parse_when("2027-03-15")
    (datetime.date(2027, 4, 1), datetime.date(2027, 3, 1), datetime.date(2027, 3, 15))
    """
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = "" if value is None else str(value).strip()
    m = re.fullmatch(r"(\d{4})\s*-?\s*Q([1-4])", text, re.I)
    if m:
        return _dt.date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return _dt.date(int(m.group(1)), int(m.group(2)), 1)
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def months_between(start: _dt.date, end: _dt.date) -> float:
    """Calendar months from ``start`` to ``end``: whole months, then the remaining days / 30.

    >>> months_between(_dt.date(2027, 1, 1), _dt.date(2027, 4, 1))
    3.0
    >>> months_between(_dt.date(2027, 1, 31), _dt.date(2027, 3, 1))
    1.0333333333333334
    """
    sign = 1.0
    if end < start:
        start, end, sign = end, start, -1.0
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    anchor_year, anchor_month = divmod(start.month - 1 + months, 12)
    day = min(start.day, _month_days(start.year + anchor_year, anchor_month + 1))
    anchor = _dt.date(start.year + anchor_year, anchor_month + 1, day)
    return sign * (months + (end - anchor).days / 30.0)


def _month_days(year: int, month: int) -> int:
    nxt = _dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - _dt.timedelta(days=1)).day


# --------------------------------------------------------------------------- decisions in words


def decision(ini: Initiative, selected: bool) -> str:
    """What selecting (or not) means for it: start, continue, stop, keep, retire, not selected,
    or its status when it is Done or Stopped."""
    stage = ini.stage
    if stage is Stage.IN_PROGRESS:
        return "continue" if selected else "stop"
    if stage is Stage.LIVE:
        return "keep" if selected else "retire"
    if stage in (Stage.DONE, Stage.STOPPED):
        return str(stage.value).lower()
    return "start" if selected else "not selected"


def in_review(plan: Plan) -> bool:
    """True when any row has a Status other than Proposed."""
    return any(ini.stage is not Stage.PROPOSED for ini in plan.initiatives)


def out_cost_total(plan: Plan, selected: Sequence[bool]) -> float:
    """What the rows not selected cost anyway: the stop and retire costs."""
    return math.fsum(ini.out_cost for ini, on in zip(plan.initiatives, selected) if not on)


def objective_constant(plan: Plan) -> float:
    """What the npv objective loses whatever is chosen, before each row's choice adds back
    its stop or retire cost: −Σ stop and retire costs (0 under ``value``)."""
    if plan.settings.objective is not Objective.NPV:
        return 0.0
    return -math.fsum(ini.out_cost for ini in plan.initiatives)


# --------------------------------------------------------------------------- realization


@dataclass(frozen=True)
class Realization:
    """One initiative's value realized against what the plan forecast by the review date."""

    id: str
    name: str
    theme: str | None
    owner: str | None
    outcome_metric: str | None
    status: str
    forecast_to_date: float
    actual_to_date: float
    rate: float | None  #: actual / forecast (None when nothing was forecast yet)
    flag: str  #: "below 50% of forecast", "no value yet past its time to value", or ""


def value_start_months(ini: Initiative) -> float | None:
    """Months from its value start to the review date: since ``Live since``, else since
    ``Started`` + Time to value (as planned); None when neither date is given."""
    if ini.months_live is not None:
        return ini.months_live
    if ini.months_since_start is not None:
        ttv = ini.planned_time_to_value if ini.planned_time_to_value is not None else ini.time_to_value
        return ini.months_since_start - ttv
    return None


def realization(plan: Plan) -> list[Realization]:
    """Every row with an ``Actual value to date``: the forecast to date (Impact × months from
    its value start to the review date / 12, undiscounted, not weighted by probability), the
    realization rate, and a flag."""
    out = []
    for ini in plan.initiatives:
        if ini.actual_value is None:
            continue
        months = value_start_months(ini)
        forecast = max(0.0, ini.impact * (months or 0.0) / 12.0)
        rate = ini.actual_value / forecast if forecast > 0 else None
        flag = ""
        if months is not None and months > 0 and ini.actual_value <= 0:
            flag = "no value yet past its time to value"
        elif rate is not None and rate < LOW_REALIZATION:
            flag = f"below {LOW_REALIZATION:.0%} of forecast"
        values = ini.values
        out.append(
            Realization(
                ini.id,
                ini.name,
                ini.theme,
                _text(values, "owner"),
                _text(values, "outcomemetric"),
                ini.stage.value,
                forecast,
                ini.actual_value,
                rate,
                flag,
            )
        )
    return out


def rollup(rows: Sequence[Realization], key: str) -> list[tuple[str, int, float, float, float | None]]:
    """Realization summed by ``owner``, ``outcome_metric`` or ``theme``: (name, count,
    forecast, actual, rate), in name order."""
    groups = {name: [rows[k] for k in members] for name, members in group_by_key(getattr(r, key) for r in rows).items()}
    out: list[tuple[str, int, float, float, float | None]] = []
    for name in sorted(groups, key=str.casefold):
        f = math.fsum(r.forecast_to_date for r in groups[name])
        a = math.fsum(r.actual_to_date for r in groups[name])
        out.append((name, len(groups[name]), f, a, a / f if f > 0 else None))
    return out


def _text(values: Mapping[str, Any], norm: str) -> str | None:
    from portfolio_opt.model.plan import normalize_header

    for header, v in values.items():
        if normalize_header(header) == norm and v is not None and str(v).strip():
            return str(v).strip()
    return None
