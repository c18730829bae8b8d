"""``review``: what changed between two quarters, and what each change did to the portfolio.

Last quarter's workbook (a results workbook, or a plan) against this quarter's plan: the
estimates that moved (impact, probability, cost, time to value, run cost, status), the
initiatives added and dropped, and the settings and limits. Each change is applied alone to
last quarter's plan (one change is everything now known about one initiative); a portfolio
move that a change makes on its own is caused by it, as in ``scenarios``; a move no single
change makes is caused by "the changes together".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from portfolio_opt.analyses import batch
from portfolio_opt.model.plan import Plan, Stage, normalize_header
from portfolio_opt.model.result import Result
from portfolio_opt.runtime import pool, progress

#: the figures compared, by normalized header, and how they are named
FIELDS = (
    ("impact", "Impact"),
    ("probability", "Probability"),
    ("cost", "Cost"),
    ("timetovalue", "Time to value"),
    ("runcost", "Run cost"),
    ("status", "Status"),
)


@dataclass(frozen=True)
class EstimateChange:
    """One estimate that changed between last quarter's workbook and this one: which initiative,
    which field, from what to what."""

    id: str
    name: str
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class QuarterReview:
    """What the quarterly review found: last quarter's choice and optimum, this quarter's optimum,
    every estimate that changed, and each initiative that entered or left with the change that
    caused it."""

    last_name: str
    this_name: str
    last_selected: tuple[str, ...]  #: what last quarter's workbook chose (or its optimum)
    last_objective: float  #: last quarter's optimum under its own estimates
    result: Result  #: this quarter's optimum, with its decisions and value realized
    changes: tuple[EstimateChange, ...]
    labels: tuple[str, ...]  #: each change in words, as causes name them
    moves: tuple[tuple[str, str, str], ...]  #: (ID, entered/left, cause)
    solves: int
    seconds: float
    #: each move's causes, one per move in ``moves`` order (the labels that move it on their own,
    #: or ("the changes together",) or ("its Status",))
    causes: tuple[tuple[str, ...], ...] = ()

    def by_change(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Each cause once, with the moves it makes: (change, [(move, ID), ...]), the changes
        in ``labels`` order, then "its Status" and "the changes together" (said once each, as
        a reader wants it: what changed, then which initiatives each change moved)."""
        order = {label: k for k, label in enumerate(self.labels)}
        moved: dict[str, list[tuple[str, str]]] = {}
        for (i, move, _), causes in zip(self.moves, self.causes):
            for cause in causes:
                moved.setdefault(cause, []).append((move, i))
        return sorted(moved.items(), key=lambda kv: order.get(kv[0], len(order) + (kv[0] != "its Status")))


def _typed(ini, norm: str) -> Any:
    """A cell as typed in the Initiatives sheet (Status: Proposed when blank)."""
    if norm == "status":
        return ini.stage.value
    for header, value in ini.values.items():
        if normalize_header(header) == norm:
            return value
    return None


def _same(a: Any, b: Any) -> bool:
    try:
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    except (TypeError, ValueError):
        return a == b


def _without(plan: Plan, gone: str) -> Plan:
    inis = tuple(
        replace(ini, depends_on=tuple(d for d in ini.depends_on if d != gone)) if gone in ini.depends_on else ini
        for ini in plan.initiatives
        if ini.id != gone
    )
    return plan.with_initiatives(inis)


def review_quarters(
    last: Plan, this: Plan, last_name: str = "last quarter", this_name: str = "this quarter", workers: int | None = None
) -> QuarterReview:
    """Compare two quarters' plans (see the module's docstring)."""
    from portfolio_opt.core.optimize import optimize

    started = time.perf_counter()
    result = optimize(this)
    changes, variants = _initiative_changes(last, this)
    rules = _rules_change(last, this)
    if rules is not None:
        changes.append(rules[0])
        variants.append(rules[1])
    with progress.stage("Each change alone", len(variants) + 2) as step:
        solved = pool.pool_map(
            batch.solve_plan, [last] + [v for _, v in variants], workers, min_parallel=2, on_done=step
        )
    base, singles = solved[0], solved[1:]
    last_selected = tuple(last.selection) if last.selection is not None else base.selected
    moves = _moves(this, base.selected, result.selected, variants, singles)
    return QuarterReview(
        last_name,
        this_name,
        last_selected,
        base.objective if base.ok and base.objective is not None else float("nan"),
        result,
        tuple(changes),
        tuple(label for label, _ in variants),
        tuple((i, move, "; ".join(causes)) for i, move, causes in moves),
        len(variants) + 2,
        time.perf_counter() - started,
        tuple(causes for _, _, causes in moves),
    )


def _initiative_changes(last: Plan, this: Plan) -> tuple[list[EstimateChange], list[tuple[str, Plan]]]:
    """Every initiative's changes between the quarters (its estimates that moved, or that it was
    dropped or added), and for each initiative that changed, last quarter's plan with just that
    change made, named in words."""
    last_ids = {ini.id for ini in last.initiatives}
    this_by_id = {ini.id: ini for ini in this.initiatives}
    changes: list[EstimateChange] = []
    variants: list[tuple[str, Plan]] = []
    for ini in last.initiatives:
        now = this_by_id.get(ini.id)
        if now is None:
            changes.append(EstimateChange(ini.id, ini.name, "dropped", "in the plan", "not in the plan"))
            variants.append((f"{ini.id} dropped", _without(last, ini.id)))
            continue
        moved = [
            (label, _typed(ini, norm), _typed(now, norm))
            for norm, label in FIELDS
            if not _same(_typed(ini, norm), _typed(now, norm))
        ]
        if not moved:
            continue
        changes += [EstimateChange(ini.id, ini.name, label, a, b) for label, a, b in moved]
        words = "; ".join(f"{label} {_show(a)} → {_show(b)}" for label, a, b in moved)
        inis = tuple(now if x.id == ini.id else x for x in last.initiatives)
        variants.append((f"{ini.id}: {words}", last.with_initiatives(inis)))
    for ini in this.initiatives:
        if ini.id not in last_ids:
            changes.append(EstimateChange(ini.id, ini.name, "added", "not in the plan", "in the plan"))
            variants.append((f"{ini.id} added", last.with_initiatives(last.initiatives + (ini,))))
    return changes, variants


def _rules_change(last: Plan, this: Plan) -> tuple[EstimateChange, tuple[str, Plan]] | None:
    """The settings and limits as one change, when any moved (the review date aside): what
    moved, and last quarter's plan under this quarter's settings and limits."""
    s_last, s_this = last.settings, this.settings
    moved_settings = [
        f.name
        for f in s_last.__dataclass_fields__.values()
        if f.name not in ("budget_source", "review_date") and getattr(s_last, f.name) != getattr(s_this, f.name)
    ]
    if not (
        moved_settings
        or tuple(lim.name for lim in last.all_limits()) != tuple(lim.name for lim in this.all_limits())
        or any((a.min, a.max) != (b.min, b.max) for a, b in zip(last.all_limits(), this.all_limits()))
    ):
        return None
    change = EstimateChange("", "", "settings and limits", ", ".join(moved_settings) or "limits", "")
    plan = replace(last, settings=replace(s_this, review_date=s_last.review_date), limits=this.limits)
    return change, ("settings and limits", plan)


def _moves(
    this: Plan,
    before: Sequence[str],
    after: Sequence[str],
    variants: Sequence[tuple[str, Plan]],
    singles: Sequence[batch.PlanOutcome],
) -> list[tuple[str, str, tuple[str, ...]]]:
    """Each initiative that entered or left between last quarter's optimum (``before``) and this
    quarter's (``after``), in this quarter's order, with the changes that move it on their own
    (``singles``: each variant's solve); one done or stopped did not leave, its Status did."""
    order = {ini.id: k for k, ini in enumerate(this.initiatives)}
    finished = {ini.id: ini.stage.value.lower() for ini in this.initiatives if ini.stage in (Stage.DONE, Stage.STOPPED)}
    moves: list[tuple[str, str, tuple[str, ...]]] = []
    for move, ids in (("entered", set(after) - set(before)), ("left", set(before) - set(after))):
        for i in sorted(ids, key=lambda x: order.get(x, len(order))):
            if move == "left" and i in finished:  # it did not leave: it is done (or was stopped)
                moves.append((i, finished[i], ("its Status",)))
                continue
            causes = [
                label
                for (label, _), res in zip(variants, singles)
                if res.ok and ((i in res.selected) if move == "entered" else (i not in res.selected))
            ]
            moves.append((i, move, tuple(causes) or ("the changes together",)))
    return moves


def _show(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return f"{x:,}" if isinstance(x, int) else f"{x:,.4g}"
    return "blank" if x is None else str(x)
