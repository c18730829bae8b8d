"""Compare plans: each against the rules and the optimum at its own cost, and against each other.

A plan is a planning workbook whose ``Initiatives`` sheet carries a ``Selected`` column (or a
results workbook, whose ``Ranking`` says what was selected). For each plan: its value, cost and
count, every rule and limit it breaks, and its **efficiency**: its value divided by the
optimal value at the same cost under the same rules (the optimizer's portfolio with the plan's
cost as the budget), with what that portfolio adds and drops.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from portfolio_opt.analyses import batch
from portfolio_opt.analyses.simulate import risk_figures
from portfolio_opt.core import formulation
from portfolio_opt.core.rules import Chosen
from portfolio_opt.core.scoring import objective_coefficients, plan_scores
from portfolio_opt.core.value import portfolio_value
from portfolio_opt.core.worlds import has_risk
from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.model.layout import SETTING_NAMES
from portfolio_opt.model.plan import Plan, RiskObjective
from portfolio_opt.runtime import pool, progress


@dataclass(frozen=True)
class PlanReport:
    """One hand-made plan of a comparison: what it selects, its value and cost, the rules it breaks,
    and the optimum at its cost under its rules with what that optimum adds and drops."""

    name: str
    plan: Plan
    selected: tuple[str, ...]
    objective: float
    total_value: float
    total_cost: float
    violations: tuple[str, ...]
    optimal: batch.PlanOutcome  #: the optimum at the plan's cost under its rules
    adds: tuple[str, ...]  #: in the optimum, not in the plan
    drops: tuple[str, ...]  #: in the plan, not in the optimum
    #: when the plan has ranges or a risk objective: mean, p10, cvar, prob_target on fresh worlds
    risk: dict | None = None

    @property
    def efficiency(self) -> float | None:
        """Its value over the optimum at its cost; None for a plan that breaks a rule (its value
        is not attainable under the rules, so any ratio would flatter it)."""
        if self.violations or not self.optimal.ok or not self.optimal.objective:
            return None
        return self.objective / self.optimal.objective


@dataclass(frozen=True)
class Comparison:
    """What :func:`compare` found: a report per plan, in the order given, and how their
    initiative lists differ."""

    plans: tuple[PlanReport, ...]
    differences: tuple[str, ...]  #: how the plans' initiative lists differ
    seconds: float


def evaluate(name: str, plan: Plan, selected: Sequence[str]) -> tuple[float, float, float, tuple[str, ...]]:
    """Value (objective), total score, cost and broken rules of a hand-made selection."""
    wanted = set(selected)
    mask = [ini.id in wanted for ini in plan.initiatives]
    coefs = objective_coefficients(plan)
    scores = plan_scores(plan)
    objective = portfolio_value(plan, Chosen.of(mask), coefs)
    value = math.fsum(s for s, m in zip(scores, mask) if m)
    cost = math.fsum(ini.cost for ini, m in zip(plan.initiatives, mask) if m)
    return objective, value, cost, tuple(formulation.violations(plan, mask))


def evaluate_timed(plan: Plan, selected: Sequence[str]) -> tuple[float, float, float, tuple[str, ...]]:
    """A multi-period plan names initiatives, not start periods: it is valued at the best
    schedule of exactly that selection, and breaks the rules when no schedule fits them.

    Rules that hold or break whatever the schedule (decisions, whole-plan limits, a
    dependency without its prerequisite, two of an exclusive group) are checked on the
    selection itself, in the same words as for a single-period plan.
    """
    from dataclasses import replace

    from portfolio_opt.model.plan import Decision

    wanted = set(selected)
    mask = [ini.id in wanted for ini in plan.initiatives]
    coefs = objective_coefficients(plan)
    scores = plan_scores(plan)
    cost = math.fsum(ini.cost for ini in plan.initiatives if ini.id in wanted)
    broken = tuple(formulation.violations(plan, mask))  # without starts: what holds whatever the schedule
    if not broken:
        fixed = plan.with_initiatives(
            tuple(
                replace(ini, decision=Decision.MUST if ini.id in wanted else Decision.EXCLUDE)
                for ini in plan.initiatives
            )
        )
        res = batch.solve_plan(fixed)
        if res.ok and res.objective is not None and res.total_value is not None:  # a portfolio has both
            return res.objective, res.total_value, cost, ()
        free = {ini.id for ini in plan.initiatives if ini.decision is Decision.FREE}
        conflict = [_as_selection(name, wanted, free) for name in res.conflict]
        broken = (
            "no schedule of this selection keeps every per-period limit and timed dependency"
            + (f" (conflict: {'; '.join(conflict)})" if conflict else ""),
        )
    objective = math.fsum(c for c, m in zip(coefs, mask) if m)
    value = math.fsum(sc for sc, m in zip(scores, mask) if m)
    return objective, value, cost, broken


def _as_selection(name: str, wanted: set[str], free: set[str]) -> str:
    """A conflict item in the words of a hand-made plan: its selections are not the user's Musts."""
    kind, _, ini_id = name.partition(" ")
    if ini_id in free and kind == "Must" and ini_id in wanted:
        return f"{ini_id} is in the plan"
    if ini_id in free and kind == "Exclude" and ini_id not in wanted:
        return f"{ini_id} is not in the plan"
    return name


def _optimum_at_cost(item: tuple[Plan, float], state: dict) -> batch.PlanOutcome:
    """The best expected value at a plan's cost: efficiency compares expected values (with a
    cvar objective, the risk figures beside it tell the downside)."""
    plan, cost = item
    return batch.solve_plan(
        plan.with_settings(budget=cost, budget_source="plan cost", risk_objective=RiskObjective.EXPECTED), state
    )


def unmarked(plans: Sequence[tuple[str, Plan]]) -> list[Problem]:
    """A ``no-selection`` problem for each plan that marks no selection."""
    return [
        Problem(
            "no-selection",
            f"{plan.source_name or name}: Initiatives",
            "the plan has no Selected column",
            "Add a column 'Selected' to Initiatives with Yes for each initiative in the plan",
        )
        for name, plan in plans
        if plan.selection is None
    ]


def compare(plans: Sequence[tuple[str, Plan]], workers: int | None = None) -> Comparison:
    """Compare named plans (each with ``plan.selection`` set).

    Raises :class:`~portfolio_opt.errors.InvalidWorkbook` (``no-selection``, one problem per
    plan) when a plan marks no selection.
    """
    if unmarked(plans):
        raise InvalidWorkbook(unmarked(plans), "compare")
    started = time.perf_counter()
    evaluated = []
    for name, plan in plans:
        selected = tuple(plan.selection or ())
        if plan.settings.periods:
            evaluated.append((name, plan, selected, *evaluate_timed(plan, selected)))
        else:
            evaluated.append((name, plan, selected, *evaluate(name, plan, selected)))
    with progress.stage("Optimum at each plan's cost", len(evaluated)) as step:
        optima = pool.pool_map(
            _optimum_at_cost, [(p, cost) for _, p, _, _, _, cost, _ in evaluated], workers, min_parallel=2, on_done=step
        )
    reports = []
    for (name, plan, selected, objective, value, cost, broken), opt in zip(evaluated, optima):
        mine, best = set(selected), set(opt.selected)
        order = {ini.id: k for k, ini in enumerate(plan.initiatives)}
        reports.append(
            PlanReport(
                name=name,
                plan=plan,
                selected=_in_plan_order(selected, order),
                objective=objective,
                total_value=value,
                total_cost=cost,
                violations=broken,
                optimal=opt,
                adds=_in_plan_order(best - mine, order),
                drops=_in_plan_order(mine - best, order),
                risk=risk_figures(plan, selected) if has_risk(plan) else None,
            )
        )
    return Comparison(tuple(reports), tuple(_differences(plans)), time.perf_counter() - started)


def _in_plan_order(ids: Iterable[str], order: Mapping[str, int]) -> tuple[str, ...]:
    """IDs in plan order (one the plan lacks, which a hand-made selection may name, last)."""
    return tuple(sorted(ids, key=lambda i: order.get(i, len(order))))


def _differences(plans: Sequence[tuple[str, Plan]]) -> list[str]:
    """What differs between the plans' initiative lists and their figures (never ignored)."""
    if len(plans) < 2:
        return []
    out = []
    first_name, first = plans[0]
    fields = ("impact", "probability", "time_to_value", "cost", "run_cost")
    base = {ini.id: ini for ini in first.initiatives}
    for name, plan in plans[1:]:
        other = {ini.id: ini for ini in plan.initiatives}
        missing = [i for i in base if i not in other]
        extra = [i for i in other if i not in base]
        if missing:
            out.append(f"{name} lacks {len(missing)} initiative(s) of {first_name}: {', '.join(missing[:10])}")
        if extra:
            out.append(f"{name} has {len(extra)} initiative(s) {first_name} lacks: {', '.join(extra[:10])}")
        for i, a in base.items():
            b = other.get(i)
            if b is None:
                continue
            for f in fields:
                if not math.isclose(getattr(a, f), getattr(b, f), rel_tol=1e-12, abs_tol=1e-12):
                    out.append(
                        f"{i} {f.replace('_', ' ')} differs: {getattr(a, f):,.4g} in {first_name}, "
                        f"{getattr(b, f):,.4g} in {name}"
                    )
        for attr, label in dict((a, lab) for a, lab in SETTING_NAMES.values()).items():
            a, b = getattr(first.settings, attr), getattr(plan.settings, attr)
            if a != b:
                out.append(
                    f"{name} has a different {label}: {_setting_text(attr, a)} in {first_name}, "
                    f"{_setting_text(attr, b)} in {name}"
                )
        mine = {lim.name: lim for lim in first.limits}
        theirs = {lim.name: lim for lim in plan.limits}
        for lim_name in dict.fromkeys(list(mine) + list(theirs)):
            was, now = mine.get(lim_name), theirs.get(lim_name)
            if was is None or now is None:
                out.append(
                    f"{name} {'lacks' if now is None else 'adds'} the limit {lim_name} "
                    f"({_bounds(was or now)}) {'of' if now is None else 'that'} {first_name}"
                    + ("" if now is None else " lacks")
                )
            elif (was.min, was.max) != (now.min, now.max) or was.scope != now.scope:
                out.append(
                    f"{name} bounds {lim_name} differently: {_bounds(was)} in {first_name}, {_bounds(now)} in {name}"
                )
    return out


def _setting_text(attr: str, value) -> str:
    if value is None or value == "":
        return "none"
    if hasattr(value, "value"):
        return str(value.value)
    if attr in ("discount_rate", "gap") and isinstance(value, float):
        return f"{value * 100:.4g}%"
    if isinstance(value, bool):
        return "timed" if value else "together"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}"
    return str(value)


def _bounds(lim) -> str:
    parts = [f"Min {lim.min:,.4g}" if lim.min is not None else "", f"Max {lim.max:,.4g}" if lim.max is not None else ""]
    return ", ".join(p for p in parts if p) or "no bounds"


def matrix(comparison: Comparison) -> list[dict]:
    """Initiative by plan: who has what, and the value each difference carries."""
    first = comparison.plans[0].plan
    scores = dict(zip((ini.id for ini in first.initiatives), objective_coefficients(first)))
    ids = [ini.id for ini in first.initiatives]
    for rep in comparison.plans[1:]:
        ids += [ini.id for ini in rep.plan.initiatives if ini.id not in scores and ini.id not in ids]
    known = {}
    for rep in reversed(comparison.plans):
        known.update({ini.id: ini for ini in rep.plan.initiatives})
    rows = []
    for i in ids:
        ins = [i in set(rep.selected) for rep in comparison.plans]
        rows.append(
            {
                "id": i,
                "name": known[i].name,
                "cost": known[i].cost,
                "value": scores.get(i),
                "in": ins,
                "differs": len(set(ins)) > 1,
            }
        )
    return rows
