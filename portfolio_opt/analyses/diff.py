"""``diff``: what changed between two portfolios, and why.

Two portfolios (each a plan and the initiatives it selected, e.g. two quarters' plans of record)
are compared: which initiatives entered and which left, and for each the change that caused it.
The changes between the two plans are listed one by one, each of a kind: an initiative's own
inputs (impact, probability, cost, time to value, run cost, status), a rule (its Decision,
dependencies or exclusive group), the budget or a limit, another setting, an initiative added
or dropped. Each change is applied alone to the first plan and solved, as ``scenarios`` and
``review`` do: a move that a change makes on its own is caused by it, and a move no single
change makes is caused by "the changes together".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from portfolio_opt.analyses import batch
from portfolio_opt.analyses.review import FIELDS
from portfolio_opt.model.layout import SETTINGS_ROWS
from portfolio_opt.model.plan import NUMERIC_FIELDS, Decision, Initiative, Limit, Plan, Stage, normalize_header
from portfolio_opt.runtime import pool, progress


class Kind:
    """The kinds of change between two plans, as the diff names them."""

    OWN = "its own inputs"  #: the moving initiative's impact, probability, cost, time to value, run cost, status
    OTHER = "another initiative's inputs"  #: those of another initiative
    RULE = "a rule"  #: an initiative's Decision, dependencies or exclusive group
    LIMIT = "the budget or a limit"  #: the budget, Run budget, or a Constraints row
    SETTING = "a setting"  #: horizon, discount rate, objective, scoring and the like
    ADDED = "an initiative added"  #: an initiative in the second plan only
    DROPPED = "an initiative dropped"  #: an initiative in the first plan only


#: Settings that never change which portfolio is best (how the solver runs, where a run is
#: recorded, where the budget came from) or that change it through the initiatives' own
#: figures already (the review date moves statuses' elapsed months)
_QUIET_SETTINGS = frozenset(
    {"solver", "gap", "time_limit", "cluster", "record", "budget_source", "review_date", "budget", "run_budget"}
)
_LABELS = {s.attr: s.label for s in SETTINGS_ROWS}


@dataclass(frozen=True)
class PlanChange:
    """One change between the two plans: its kind (:class:`Kind`), the initiative it concerns
    ("" for the budget, a limit or a setting) and what it is in words, e.g. ``INI-023: Cost
    350,000 → 380,000`` or ``Budget 10,000,000 → 8,000,000``."""

    kind: str
    id: str
    label: str


@dataclass(frozen=True)
class Move:
    """An initiative that entered or left (``move``; ``done`` or ``stopped`` when it finished),
    the change or changes that make the move alone (``cause``, in words), their kinds, and
    whether its own inputs changed (``own``: those changes in words, caused or not)."""

    id: str
    name: str
    move: str
    cause: str
    kinds: tuple[str, ...]
    own: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortfolioDiff:
    """Two portfolios compared: their names, selections and values, every change between their
    plans, each initiative that entered or left with its cause, and the work it took."""

    a_name: str
    b_name: str
    a_selected: tuple[str, ...]
    b_selected: tuple[str, ...]
    a_value: float | None
    b_value: float | None
    changes: tuple[PlanChange, ...]
    moves: tuple[Move, ...]
    solves: int
    seconds: float

    @property
    def kept(self) -> tuple[str, ...]:
        """The initiatives both portfolios select, in the first one's order."""
        b = set(self.b_selected)
        return tuple(i for i in self.a_selected if i in b)


def diff_portfolios(
    a: Plan,
    b: Plan,
    a_selected: tuple[str, ...] | None = None,
    b_selected: tuple[str, ...] | None = None,
    a_name: str = "A",
    b_name: str = "B",
    values: tuple[float | None, float | None] = (None, None),
    workers: int | None = None,
) -> PortfolioDiff:
    """Compare portfolio ``a`` (plan ``a`` selecting ``a_selected``) with ``b`` (see the module's
    docstring). A selection not given is the plan's marked one, else its optimum; ``values``
    are the two portfolios' values when known (else their optima's)."""
    started = time.perf_counter()
    variants = plan_changes(a, b)
    with progress.stage("Each change alone", len(variants) + 2) as step:
        solved = pool.pool_map(
            batch.solve_plan, [a, b] + [plan for _, plan in variants], workers, min_parallel=2, on_done=step
        )
    base, other, singles = solved[0], solved[1], solved[2:]
    a_sel = tuple(a_selected if a_selected is not None else (a.selection or base.selected))
    b_sel = tuple(b_selected if b_selected is not None else (b.selection or other.selected))
    moves = _moves(a, b, a_sel, b_sel, variants, singles)
    a_value = values[0] if values[0] is not None else (base.objective if base.ok else None)
    b_value = values[1] if values[1] is not None else (other.objective if other.ok else None)
    return PortfolioDiff(
        a_name,
        b_name,
        a_sel,
        b_sel,
        a_value,
        b_value,
        tuple(change for change, _ in variants),
        moves,
        len(variants) + 2,
        time.perf_counter() - started,
    )


def _moves(a: Plan, b: Plan, a_sel, b_sel, variants, singles) -> tuple[Move, ...]:
    """Each initiative that entered or left, with the changes that move it alone."""
    names = {ini.id: ini.name for ini in a.initiatives} | {ini.id: ini.name for ini in b.initiatives}
    order = {ini.id: k for k, ini in enumerate(b.initiatives)} | {
        ini.id: len(b.initiatives) + k for k, ini in enumerate(a.initiatives)
    }
    finished = {ini.id: ini.stage.value.lower() for ini in b.initiatives if ini.stage in (Stage.DONE, Stage.STOPPED)}
    before, after = set(a_sel), set(b_sel)
    out = []
    for move, ids in (("entered", after - before), ("left", before - after)):
        for i in sorted(ids, key=lambda x: order.get(x, len(order))):
            own = tuple(c.label for c, _ in variants if c.id == i and c.kind == Kind.OWN)
            if move == "left" and i in finished:  # it did not leave: it is done (or was stopped)
                out.append(Move(i, names.get(i, ""), finished[i], "its Status", (Kind.OWN,), own))
                continue
            causing = [
                change
                for (change, _), res in zip(variants, singles)
                if res.ok and ((i in res.selected) if move == "entered" else (i not in res.selected))
            ]
            cause = "; ".join(c.label for c in causing) if causing else "the changes together"
            kinds = tuple(dict.fromkeys(Kind.OTHER if c.kind == Kind.OWN and c.id != i else c.kind for c in causing))
            out.append(Move(i, names.get(i, ""), move, cause, kinds, own))
    return tuple(out)


def plan_changes(a: Plan, b: Plan) -> list[tuple[PlanChange, Plan]]:
    """Every change from plan ``a`` to plan ``b``, each with plan ``a`` changed by it alone."""
    return _initiative_changes(a, b) + _limit_changes(a, b) + _setting_changes(a, b)


def _initiative_changes(a: Plan, b: Plan) -> list[tuple[PlanChange, Plan]]:
    """Initiatives dropped, changed (their own inputs, then their rules) and added."""
    out: list[tuple[PlanChange, Plan]] = []
    now_by_id = {ini.id: ini for ini in b.initiatives}
    for ini in a.initiatives:
        now = now_by_id.get(ini.id)
        if now is None:
            out.append((PlanChange(Kind.DROPPED, ini.id, f"{ini.id} dropped"), _without(a, ini.id)))
            continue
        moved = [(label, _typed(ini, norm), _typed(now, norm)) for norm, label in FIELDS]
        moved = [(label, x, y) for label, x, y in moved if not _same(x, y)]
        if moved:
            words = "; ".join(f"{label} {_show(x)} → {_show(y)}" for label, x, y in moved)
            own = replace(now, decision=ini.decision, depends_on=ini.depends_on, exclusive_group=ini.exclusive_group)
            out.append((PlanChange(Kind.OWN, ini.id, f"{ini.id}: {words}"), _with(a, own)))
        rule = _rule_words(ini, now)
        if rule:
            ruled = replace(ini, decision=now.decision, depends_on=now.depends_on, exclusive_group=now.exclusive_group)
            out.append((PlanChange(Kind.RULE, ini.id, rule), _with(a, ruled)))
    known = {ini.id for ini in a.initiatives}
    for ini in b.initiatives:
        if ini.id not in known:
            added = a.with_initiatives(a.initiatives + (ini,))
            out.append((PlanChange(Kind.ADDED, ini.id, f"{ini.id} added"), added))
    return out


def _rule_words(was: Initiative, now: Initiative) -> str:
    """An initiative's rules that changed, in the words of the Scenarios sheet where it has
    them (``Force in INI-004``), else ``INI-004: Depends on INI-001 → INI-001, INI-002``."""
    words = []
    if was.decision != now.decision and now.stage not in (Stage.DONE, Stage.STOPPED):  # its Status says it
        verb = {Decision.MUST: "Force in", Decision.EXCLUDE: "Force out", Decision.FREE: "Clear"}[now.decision]
        words.append(f"{verb} {now.id}")
    if set(was.depends_on) != set(now.depends_on):
        words.append(
            f"{now.id}: Depends on {', '.join(was.depends_on) or 'none'} → {', '.join(now.depends_on) or 'none'}"
        )
    if (was.exclusive_group or "") != (now.exclusive_group or ""):
        words.append(f"{now.id}: Exclusive group {was.exclusive_group or 'none'} → {now.exclusive_group or 'none'}")
    return "; ".join(words)


def _limit_changes(a: Plan, b: Plan) -> list[tuple[PlanChange, Plan]]:
    """The budget, and each limit added, dropped or moved (matched by name; the Run budget is
    one, named ``run budget``)."""
    out: list[tuple[PlanChange, Plan]] = []
    was, now = a.settings.budget, b.settings.budget
    if not _same(was, now):
        words = f"Budget {_show(was, 'none')} → {_show(now, 'none')}"
        out.append((PlanChange(Kind.LIMIT, "", words), a.with_settings(budget=now)))
    theirs = {lim.name: lim for lim in b.limits}
    ours = {lim.name: lim for lim in a.limits}
    for name, lim in ours.items():
        other = theirs.get(name)
        if other is None:
            kept = tuple(x for x in a.limits if x.name != name)
            out.append((PlanChange(Kind.LIMIT, "", f"{name} dropped"), replace(a, limits=kept)))
        elif _bounds(lim) != _bounds(other):
            moved = tuple(other if x.name == name else x for x in a.limits)
            out.append((PlanChange(Kind.LIMIT, "", _limit_words(lim, other)), replace(a, limits=moved)))
    for name, lim in theirs.items():
        if name not in ours:
            words = f"{name} added ({_limit_words(None, lim)})"
            out.append((PlanChange(Kind.LIMIT, "", words), replace(a, limits=a.limits + (lim,))))
    return out


def _bounds(lim: Limit) -> tuple:
    return (lim.min, lim.max, lim.tolerance, lim.tolerance_percent, lim.penalty, lim.share)


def _limit_words(was: Limit | None, now: Limit) -> str:
    """How a limit's bounds moved, as the Scenarios sheet names them: ``Max Data eng FTE 14 → 12``."""
    parts = []
    for side in ("min", "max"):
        x, y = (getattr(was, side) if was is not None else None), getattr(now, side)
        if was is None:
            if y is not None:
                parts.append(f"{side.capitalize()} {_show(y)}")
        elif not _same(x, y):
            parts.append(f"{side.capitalize()} {now.name} {_show(x, 'none')} → {_show(y, 'none')}")
    if was is not None and (was.tolerance, was.penalty) != (now.tolerance, now.penalty):
        parts.append(f"Tolerance {now.name} {_show(was.tolerance, 'none')} → {_show(now.tolerance, 'none')}")
    return "; ".join(parts) or f"{now.name} changed"


def _setting_changes(a: Plan, b: Plan) -> list[tuple[PlanChange, Plan]]:
    """Every other setting that changed, each alone."""
    out = []
    for name in a.settings.__dataclass_fields__:
        if name in _QUIET_SETTINGS:
            continue
        was, now = getattr(a.settings, name), getattr(b.settings, name)
        if was != now:
            label = _LABELS.get(name, name)
            words = f"{label} {_show(_plain(was), 'none')} → {_show(_plain(now), 'none')}"
            out.append((PlanChange(Kind.SETTING, "", words), a.with_settings(**{name: now})))
    return out


def _plain(x: Any) -> Any:
    return x.value if hasattr(x, "value") and not isinstance(x, (int, float, str)) else x


def _with(plan: Plan, ini: Initiative) -> Plan:
    return plan.with_initiatives(tuple(ini if x.id == ini.id else x for x in plan.initiatives))


def _without(plan: Plan, gone: str) -> Plan:
    inis = tuple(
        replace(ini, depends_on=tuple(d for d in ini.depends_on if d != gone)) if gone in ini.depends_on else ini
        for ini in plan.initiatives
        if ini.id != gone
    )
    return plan.with_initiatives(inis)


def _typed(ini: Initiative, norm: str) -> Any:
    """A figure as the Initiatives sheet has it (Status: Proposed when blank); an initiative
    built in code, with no cells, by its attribute."""
    if norm == "status":
        return ini.stage.value
    for header, value in ini.values.items():
        if normalize_header(header) == norm:
            return value
    return getattr(ini, NUMERIC_FIELDS[norm]) if not ini.values and norm in NUMERIC_FIELDS else None


def _same(x: Any, y: Any) -> bool:
    try:
        return abs(float(x) - float(y)) <= 1e-9 * max(1.0, abs(float(x)))
    except (TypeError, ValueError):
        return x == y


def _show(x: Any, blank: str = "blank") -> str:
    """A figure in words, as the review writes it: ``1,200,000``, ``0.6``, ``blank``."""
    if isinstance(x, float) and x.is_integer():
        x = int(x)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return f"{x:,}" if isinstance(x, int) else f"{x:,.4g}"
    return blank if x is None else str(x)
