"""What the record keeps of a run: from whatever a deciding command returned (a result, a
frontier, scenarios, a comparison, a review, robustness, alternatives, a simulation), the plans
it decided on, how its solve ended, the portfolio it chose, and a few figures of its own."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portfolio_opt.model.plan import Plan, Settings

#: the commands whose runs are recorded
COMMANDS = ("optimize", "scenarios", "frontier", "compare", "review", "robustness", "alternatives", "simulate")


@dataclass(frozen=True)
class RunFacts:
    """A run as the record keeps it: its plans (the one it decided on first), status, objective,
    total cost, gap, solver, seconds, selection (None when it chose no one portfolio) and details."""

    plans: tuple[Plan, ...]
    status: str
    objective: float | None = None
    total_cost: float | None = None
    gap: float | None = None
    solver: str | None = None
    seconds: float | None = None
    selection: tuple[str, ...] | None = None
    details: dict[str, Any] = field(default_factory=dict)


def run_facts(outcome: Any) -> RunFacts:
    """The facts of what a deciding command returned. Raises TypeError for anything else."""
    name = type(outcome).__name__
    if name not in _FACTS:
        raise TypeError(f"a run of {name} cannot be recorded: record a Result or an analysis' result")
    return _FACTS[name](outcome)


def _number(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def _result(r: Any) -> RunFacts:
    info = r.solver
    return RunFacts(
        (r.plan,),
        r.status.value,
        _number(r.objective),
        _number(r.total_cost),
        _number(info.gap),
        f"{info.name} {info.version}".strip(),
        _number(info.seconds),
        tuple(r.selected),
        {"starts": dict(r.starts)} if r.starts else {},
    )


def _outcome(plan: Plan, o: Any, details: dict[str, Any], seconds: float | None = None) -> RunFacts:
    """A run whose portfolio is a batch solve's outcome (scenarios' baseline, the frontier's point)."""
    return RunFacts(
        (plan,),
        o.status.value,
        _number(o.objective),
        _number(o.total_cost),
        _number(getattr(o, "gap", None)),  # a frontier's point keeps no gap
        plan.settings.solver,
        _number(seconds),
        tuple(o.selected) if o.status.value in ("optimal", "feasible") else None,
        details,
    )


def _frontier(f: Any) -> RunFacts:
    points = [[p.budget, _number(p.objective), _number(p.total_cost), len(p.selected)] for p in f.points]
    current = next((p for p in f.points if p.current), None)
    if current is None:
        return RunFacts((f.plan,), "solved", seconds=_number(f.seconds), details={"points": points})
    return _outcome(f.plan, current, {"points": points}, f.seconds)


def _scenarios(run: Any) -> RunFacts:
    base = run.results[0].solved
    each = [
        {"name": r.name, "objective": _number(r.solved.objective), "entered": list(r.entered), "left": list(r.left)}
        for r in run.results[1:]
    ]
    return _outcome(run.plan, base, {"scenarios": each}, run.seconds)


def _comparison(c: Any) -> RunFacts:
    plans = tuple(r.plan for r in c.plans)
    each = [
        {
            "name": r.name,
            "selected": list(r.selected),
            "objective": _number(r.objective),
            "violations": len(r.violations),
        }
        for r in c.plans
    ]
    return RunFacts(plans, "compared", seconds=_number(c.seconds), details={"plans": each})


def _review(r: Any) -> RunFacts:
    facts = _result(r.result)
    details = {"last": r.last_name, "last_selected": list(r.last_selected), "moves": [list(m) for m in r.moves]}
    return RunFacts(**{**facts.__dict__, "details": details, "seconds": _number(r.seconds)})


def _robustness(r: Any) -> RunFacts:
    details = {"samples": r.samples, "seed": r.seed, "spread": r.spread, "classes": dict(r.classes)}
    if r.result is not None:
        return RunFacts(**{**_result(r.result).__dict__, "details": details, "seconds": _number(r.seconds)})
    return RunFacts((r.plan,), "solved", _number(r.objective), selection=tuple(r.baseline), details=details)


def _alternatives(a: Any) -> RunFacts:
    each = [{"selected": list(p.selected), "objective": _number(p.objective), "gap": p.gap} for p in a.portfolios]
    best = a.portfolios[0] if a.portfolios else None
    if best is None:
        return RunFacts((a.plan,), "no solution", seconds=_number(a.seconds), details={"portfolios": each})
    return RunFacts(
        (a.plan,),
        best.status.value,
        _number(best.objective),
        _number(best.total_cost),
        0.0,
        a.plan.settings.solver,
        _number(a.seconds),
        tuple(best.selected),
        {"portfolios": each},
    )


def _simulation(sim: Any) -> RunFacts:
    figures = {k: _number(f.value) for k, f in sim.figures.items()}
    details = {"samples": sim.samples, "seed": sim.seed, "figures": figures}
    return RunFacts(
        (sim.plan,),
        "simulated",
        _number(sim.expected_value),
        seconds=_number(sim.seconds),
        selection=tuple(sim.selected),
        details=details,
    )


_FACTS: dict[str, Callable[[Any], RunFacts]] = {
    "Result": _result,
    "Frontier": _frontier,
    "ScenarioRun": _scenarios,
    "Comparison": _comparison,
    "QuarterReview": _review,
    "Robustness": _robustness,
    "Alternatives": _alternatives,
    "Simulation": _simulation,
}


def settings_used(s: Settings) -> dict[str, Any]:
    """The settings a run is known by, as plain data."""
    return {
        "budget": s.budget,
        "objective": s.objective.value,
        "scoring": str(s.scoring),
        "horizon_months": s.horizon_months,
        "discount_rate": s.discount_rate,
        "periods": s.periods,
        "solver": s.solver,
        "gap": s.gap,
        "time_limit": s.time_limit,
    }


_QUARTER = re.compile(r"(\d{4})\s*-?\s*Q\s*([1-4])", re.I)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


def period_label(text: str) -> str:
    """A period as the record names it: a quarter as ``2027-Q1`` however typed (``2027q1``,
    ``2027 Q1``), a month as ``2027-03``, anything else as typed (at most 40 characters).

    >>> period_label(" 2027q1 "), period_label("2027-3"), period_label("FY27 H1")
    ('2027-Q1', '2027-03', 'FY27 H1')
    """
    text = " ".join(str(text).split())
    m = _QUARTER.fullmatch(text)
    if m:
        return f"{m.group(1)}-Q{m.group(2)}"
    m = _MONTH.fullmatch(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    if not text or len(text) > 40:
        raise ValueError(f"a period is a label of 1 to 40 characters such as 2027-Q1, not {text!r}")
    return text


def period_key(label: str) -> tuple[int, int] | None:
    """Where a quarter or month falls in time, in months from year 0 (None for other labels).

    >>> period_key("2027-Q2") < period_key("2027-07") < period_key("2028-Q1")
    True
    """
    m = _QUARTER.fullmatch(label)
    if m:
        return (int(m.group(1)), (int(m.group(2)) - 1) * 3 + 1)
    m = _MONTH.fullmatch(label)
    return (int(m.group(1)), int(m.group(2))) if m else None


def plan_period(plan: Plan) -> str | None:
    """The period a plan is for, when it says: its Review date's quarter, else the first
    period of a multi-period plan; None when it says neither."""
    when = plan.settings.review_date
    if when is not None and hasattr(when, "month"):
        return f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    if plan.settings.periods:
        return period_label(plan.settings.first_period)
    return None
