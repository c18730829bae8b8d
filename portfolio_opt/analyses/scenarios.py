"""Finance scenarios: re-optimize under each set of changes and say what caused each move.

The workbook as it stands is the baseline. For every scenario, the initiatives that entered
and left are attributed to its input changes by applying the changes one at a time to the
baseline: an initiative that enters under ``Force in INI-003`` alone is caused by it. A move
that no single change makes is caused by "the changes together". Every solve is independent
and runs in the worker pool.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from portfolio_opt.analyses import batch
from portfolio_opt.core import formulation
from portfolio_opt.core.changes import apply_change, apply_changes, only_tightens
from portfolio_opt.core.simulation import judge
from portfolio_opt.core.worlds import has_risk
from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.model.plan import Change, Plan, Scenario
from portfolio_opt.runtime import pool, progress


def apply_scenario(plan: Plan, scenario: Scenario) -> Plan:
    """The plan with every change of a scenario made (budget changes relative to the baseline)."""
    return apply_changes(plan, scenario.changes)


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's outcome: its solve and budget, what entered and left against the baseline (each
    with its cause), and its input changes in words."""

    name: str
    solved: batch.PlanOutcome
    budget: float | None
    entered: tuple[tuple[str, str], ...] = ()  #: (ID, cause)
    left: tuple[tuple[str, str], ...] = ()
    changes: tuple[str, ...] = ()
    #: when the plan has ranges or a risk objective: mean, p10, cvar, prob_target on fresh worlds
    risk: dict | None = None


@dataclass(frozen=True)
class ScenarioRun:
    """Every scenario's outcome, the baseline first, with how many solves they took and how long."""

    results: tuple[ScenarioResult, ...]  #: the baseline first
    plan: Plan
    solves: int
    seconds: float


def run_scenarios(plan: Plan, scenarios: tuple[Scenario, ...] | None = None, workers: int | None = None) -> ScenarioRun:
    """Solve the baseline and every scenario, and attribute every move to its cause.

    Raises :class:`~portfolio_opt.errors.InvalidWorkbook` (``no-scenarios``) when there are none.
    """
    started = time.perf_counter()
    scenarios = plan.scenarios if scenarios is None else scenarios
    if not scenarios:
        raise InvalidWorkbook(
            [
                Problem(
                    "no-scenarios",
                    "Scenarios",
                    "the workbook has no Scenarios sheet (or it has no rows)",
                    "Add a sheet 'Scenarios' with a 'Scenario' column and one row per scenario",
                )
            ],
            plan.source_name,
        )
    variants = _variants(plan, scenarios)
    base, solved, solves = _solve_variants(plan, variants, workers)
    results = [ScenarioResult("Baseline", base, plan.settings.budget)]
    order = {ini.id: k for k, ini in enumerate(plan.initiatives)}
    for sc in scenarios:
        budget = variants[_key(sc.changes)].plan.settings.budget
        results.append(_scenario_result(sc, base, solved, budget, order))
    if has_risk(plan):  # each scenario's portfolio judged on the same fresh worlds
        results = _judged(results, [plan] + [variants[_key(sc.changes)].plan for sc in scenarios])
    return ScenarioRun(tuple(results), plan, solves, time.perf_counter() - started)


def _key(changes: tuple[Change, ...]) -> tuple:
    """The key a set of changes is solved under: the same changes in any order share it."""
    return tuple(sorted((c.kind, repr(c.target), repr(c.value)) for c in changes))


@dataclass(frozen=True)
class _Variant:
    """One plan to solve: the baseline with a set of changes made."""

    changes: tuple[Change, ...]
    plan: Plan


def _variants(plan: Plan, scenarios: tuple[Scenario, ...]) -> dict[tuple, _Variant]:
    """Every plan to solve, keyed by its set of changes: each scenario's, and, for a scenario of
    several changes, each change's alone (to attribute its moves). A single change that is also
    a whole scenario (or another scenario's single) is solved once."""
    wanted: dict[tuple, tuple[Change, ...]] = {}
    for sc in scenarios:
        wanted.setdefault(_key(sc.changes), sc.changes)
        if len(sc.changes) > 1:
            for change in sc.changes:
                wanted.setdefault(_key((change,)), (change,))
    variants: dict[tuple, _Variant] = {}
    for key, changes in wanted.items():
        variant = plan
        for change in changes:
            variant = apply_change(variant, change, plan.settings.budget)
        variants[key] = _Variant(changes, variant)
    return variants


def _solve_variants(
    plan: Plan, variants: dict[tuple, _Variant], workers: int | None
) -> tuple[batch.PlanOutcome, dict[tuple, batch.PlanOutcome], int]:
    """Solve the baseline and every variant in the worker pool: the baseline's outcome, each
    variant's by its key, and how many solves they took.

    A variant that only tightens rules may keep the baseline portfolio, which is then still
    optimal; it waits for the baseline, the rest start at once beside it. (Multi-period plans:
    the baseline's schedule is not checked here, so they always solve.) A soft limit's penalty
    may change with its bound, so its plans always solve too.
    """
    soft = any(lim.soft for lim in plan.all_limits())
    maybe_same = {
        k for k, v in variants.items() if not plan.settings.periods and not soft and only_tightens(plan, v.changes)
    }
    futures: dict[tuple, Any] = {}
    with pool.Pool(workers) as workers_pool, progress.stage("Scenarios", len(variants) + 1) as step:
        base_future = workers_pool.submit(batch.solve_plan, plan)
        for key, v in variants.items():
            if key not in maybe_same:
                futures[key] = workers_pool.submit(batch.solve_plan, v.plan)
        base = base_future.result()
        step()
        reused = set()
        for key in maybe_same:
            variant = variants[key].plan
            if base.ok and not formulation.violations(
                variant, [i.id in set(base.selected) for i in variant.initiatives]
            ):
                reused.add(key)
                step()
            else:
                futures[key] = workers_pool.submit(batch.solve_plan, variant)
        solved: dict[tuple, batch.PlanOutcome] = {}
        for key, f in futures.items():
            solved[key] = f.result()
            step()
    for key in reused:
        solved[key] = base
    return base, solved, 1 + len(futures)


def _scenario_result(
    sc: Scenario,
    base: batch.PlanOutcome,
    solved: dict[tuple, batch.PlanOutcome],
    budget: float | None,
    order: dict[str, int],
) -> ScenarioResult:
    """One scenario's result: its solve, and what entered and left against the baseline (in plan
    order), each with its cause."""
    res = solved[_key(sc.changes)]
    labels = tuple(c.label for c in sc.changes)
    if not res.ok or not base.ok:
        return ScenarioResult(sc.name, res, budget, changes=labels)
    before, after = set(base.selected), set(res.selected)
    singles = [solved[_key((change,))] for change in sc.changes] if len(sc.changes) > 1 else [res]
    entered = tuple((i, _cause(i, True, sc.changes, singles)) for i in sorted(after - before, key=order.__getitem__))
    left = tuple((i, _cause(i, False, sc.changes, singles)) for i in sorted(before - after, key=order.__getitem__))
    return ScenarioResult(sc.name, res, budget, entered, left, labels)


def _cause(initiative_id: str, entering: bool, changes: tuple[Change, ...], singles: list[batch.PlanOutcome]) -> str:
    """The changes that on their own (``singles``: each one's solve) make an initiative enter
    (or leave), or "the changes together" when none does."""
    found = []
    for change, single in zip(changes, singles):
        if not single.ok:
            continue
        moved = (initiative_id in single.selected) if entering else (initiative_id not in single.selected)
        if moved:
            found.append(change.label)
    return "; ".join(found) if found else "the changes together"


def _judged(results: list[ScenarioResult], plans: list[Plan]) -> list[ScenarioResult]:
    """Each solved result with its portfolio judged on fresh worlds of its own plan (``plans``,
    in the same order): the same worlds for every scenario, so the figures compare."""
    with progress.stage("Simulating each scenario's portfolio", len(results)) as step:
        judged = []
        for r, p in zip(results, plans):
            judged.append(
                replace(r, risk=judge(p, r.solved.selected, dict(r.solved.starts) if p.settings.periods else None))
                if r.solved.ok
                else r
            )
            step()
    return judged
