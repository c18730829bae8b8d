"""Every kind of rule a portfolio keeps, each in one place.

A rule object knows its rows in the program (:meth:`Rule.add_to`), how to check a chosen
portfolio against it (:meth:`Rule.check`, returning :class:`Violation` data), what to call
each of its parts that the diagnosis can switch off (:meth:`Rule.parts`), how to describe
such a part in a conflict and how to relax it. Adding a kind of rule is adding a class here
and one line in :func:`plan_rules`.

The program's columns are one per initiative and start period it may start in
(:class:`Columns`); a single-period plan is the one-period case, one column per initiative.
This module is pure: no solver, no files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

from portfolio_opt.core.schedule import build_periods, demand, timed_dependencies, window
from portfolio_opt.core.solver import Row
from portfolio_opt.model.figures import num, pct
from portfolio_opt.model.plan import Decision, Limit, Plan, normalize_header

# --------------------------------------------------------------------------- columns and a program


@dataclass(frozen=True)
class Columns:
    """The program's decision columns: one per initiative and start period in its window."""

    var: tuple[tuple[int, int], ...]  #: (initiative, start period) of each column
    by_ini: tuple[tuple[int, ...], ...]  #: each initiative's columns
    at: Mapping[tuple[int, int], int]  #: column of (initiative, start period)

    @staticmethod
    def of(plan: Plan) -> Columns:
        cache = _cache(plan)
        if "columns" not in cache:
            cache["columns"] = Columns._of(plan)
        return cache["columns"]

    @staticmethod
    def _of(plan: Plan) -> Columns:
        s = plan.settings
        var = tuple((i, t) for i, ini in enumerate(plan.initiatives) for t in window(ini, s))
        by_ini: list[list[int]] = [[] for _ in plan.initiatives]
        for k, (i, _) in enumerate(var):
            by_ini[i].append(k)
        return Columns(var, tuple(tuple(b) for b in by_ini), {v: k for k, v in enumerate(var)})


@dataclass
class Program:
    """A program being built: the decision columns first, then any continuous columns rules add."""

    columns: Columns
    objective: list[float]
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    keys: list[tuple] = field(default_factory=list)
    required: set[int] = field(default_factory=set)  #: initiatives that must start once

    def add_variable(self, objective: float, upper: float) -> int:
        """A continuous column in [0, upper] worth ``objective`` per unit; its index."""
        self.objective.append(objective)
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(False)
        return len(self.objective) - 1

    def add_row(self, terms: Mapping[int, float], lo: float | None, hi: float | None, key: tuple) -> None:
        idx = tuple(sorted(terms))
        self.rows.append(Row(idx, tuple(terms[c] for c in idx), lo, hi))
        self.keys.append(key)

    def require(self, i: int) -> None:
        """Initiative i is selected (at one of its starts)."""
        cols = self.columns.by_ini[i]
        if len(cols) == 1:
            self.lower[cols[0]] = 1.0
        else:
            self.required.add(i)

    def forbid(self, i: int) -> None:
        for c in self.columns.by_ini[i]:
            self.upper[c] = 0.0

    def add_starts(self) -> None:
        """One start at most per initiative (exactly one when required), as the first rows; a
        single column's bounds say it already."""
        rows, keys = self.rows, self.keys
        self.rows, self.keys = [], []
        for i, cols in enumerate(self.columns.by_ini):
            if len(cols) > 1 and i in self.required:
                self.add_row({c: 1.0 for c in cols}, 1.0, 1.0, ("must", i))
            elif len(cols) > 1:
                self.add_row({c: 1.0 for c in cols}, None, 1.0, ("one start", i))
        self.rows += rows
        self.keys += keys
        # Whether it is selected at all, as a 0-1 column of its own (Σ_t y[i, t] = z[i]): the
        # solver can then branch on "in or out" rather than on one start at a time, which only
        # moves the start. Same optimum; the quarterly sample's hardest frontier budget is
        # proved in 18-20 s instead of 28-32 (three HiGHS seeds each), its own in 1.4-1.9 s
        # instead of 2.0-2.6.
        for i, cols in enumerate(self.columns.by_ini):
            if len(cols) > 1:
                z = self.add_variable(0.0, 1.0)
                self.integer[z] = True
                self.add_row({**{c: 1.0 for c in cols}, z: -1.0}, 0.0, 0.0, ("selected", i))


# --------------------------------------------------------------------------- a chosen portfolio


@dataclass(frozen=True)
class Chosen:
    """A portfolio: which initiatives are in, and when each starts (period 0 in a one-period plan)."""

    selected: tuple[bool, ...]
    starts: Mapping[int, int]

    @staticmethod
    def of(selected: Sequence[bool], starts: Mapping[int, int] | None = None) -> Chosen:
        sel = tuple(bool(x) for x in selected)
        if starts is None:
            starts = {i: 0 for i, x in enumerate(sel) if x}
        return Chosen(sel, dict(starts))


def _cache(plan: Plan) -> dict:
    """What building a plan's program works out once per plan (a plan is frozen: explanations
    and diagnoses build hundreds of programs from one)."""
    cache = plan.__dict__.get("_build_cache")
    if cache is None:
        cache = {}
        object.__setattr__(plan, "_build_cache", cache)
    return cache


def limit_terms(plan: Plan, limit: Limit, columns: Columns, scoped: bool = True) -> dict[int, float]:
    """Column -> what it adds to a limit's sum (its scope only, unless ``scoped`` is False).
    A fresh dict each call (callers add their own columns to it)."""
    cache = _cache(plan)
    if columns is not cache.get("columns"):
        return _limit_terms(plan, limit, columns, scoped)
    key = ("terms", limit, scoped)
    if key not in cache:
        cache[key] = _limit_terms(plan, limit, columns, scoped)
    return dict(cache[key])


def out_values(plan: Plan, column: str) -> tuple[float, ...] | None:
    """What each initiative adds to a column's sum when it is *not* selected: the stop or retire
    cost of one in progress or live (quarterly review), for Cost; None when nothing does."""
    if normalize_header(column) != "cost":
        return None
    cache = _cache(plan)  # asked per initiative and limit: worked out once per plan
    if "out_values" not in cache:
        outs = tuple(float(ini.out_cost) for ini in plan.initiatives)
        cache["out_values"] = outs if any(outs) else None
    return cache["out_values"]


def limit_offset(plan: Plan, limit: Limit, scoped: bool = True) -> float:
    """What a limit's sum holds whatever is chosen: the stop and retire costs of its scope
    (paid at the review, so in a whole-plan limit or the first period's). Selecting such an
    initiative then adds its cost *less* that (:func:`contribution`)."""
    outs = out_values(plan, limit.column)
    if outs is None or limit.period not in (None, 0):
        return 0.0
    return math.fsum(o for o, ini in zip(outs, plan.initiatives) if o and (not scoped or limit.applies_to(ini)))


def _limit_terms(plan: Plan, limit: Limit, columns: Columns, scoped: bool) -> dict[int, float]:
    terms: dict[int, float] = {}
    values = plan.column_values(limit.column)
    outs = out_values(plan, limit.column) if limit.period in (None, 0) else None
    for i, ini in enumerate(plan.initiatives):
        if scoped and not limit.applies_to(ini):
            continue
        if limit.period is None:
            a = values[i] - (outs[i] if outs else 0.0)
            if a != 0:
                for c in columns.by_ini[i]:
                    terms[c] = a
            continue
        for off, a in enumerate(demand(plan, limit, i)):
            c = columns.at.get((i, limit.period - off))
            if c is not None and a != 0:
                terms[c] = terms.get(c, 0.0) + a
        if outs and outs[i]:  # running now (its only start is period 0): selecting it saves its out cost
            c = columns.at.get((i, 0))
            if c is not None:
                terms[c] = terms.get(c, 0.0) - outs[i]
    return terms


def contribution(plan: Plan, limit: Limit, i: int, t: int, scoped: bool = True) -> float:
    """What initiative i, starting in period t, adds to a limit's sum (0 outside its scope,
    unless ``scoped`` is False, or outside the period the limit bounds), against not selecting
    it (which may cost its stop or retire cost, see :func:`limit_offset`)."""
    if scoped and not limit.applies_to(plan.initiatives[i]):
        return 0.0
    outs = out_values(plan, limit.column) if limit.period in (None, 0) else None
    saved = outs[i] if outs and (limit.period is None or t == 0) else 0.0
    if limit.period is None:
        return plan.column_values(limit.column)[i] - saved
    use = demand(plan, limit, i)
    off = limit.period - t
    return (use[off] if 0 <= off < len(use) else 0.0) - saved


def limit_sum(plan: Plan, limit: Limit, chosen: Chosen, scoped: bool = True) -> float:
    """A limit's column summed over a portfolio (per period, or over the whole plan), with what
    the rows not chosen cost anyway (stop and retire costs)."""
    return math.fsum(contribution(plan, limit, i, t, scoped) for i, t in sorted(chosen.starts.items())) + limit_offset(
        plan, limit, scoped
    )


def limit_use(plan: Plan, limit: Limit, chosen: Chosen) -> float:
    """What a portfolio uses of a limit: the scoped sum, or for a share limit its share of
    the column's whole sum (0 when that is 0)."""
    used = limit_sum(plan, limit, chosen)
    if not limit.share:
        return used
    total = limit_sum(plan, limit, chosen, scoped=False)
    return used / total if total else 0.0


# --------------------------------------------------------------------------- violations, as data


@dataclass(frozen=True)
class Violation:
    """A rule a portfolio breaks: a code, what it names, and the figures."""

    code: str
    names: tuple[str, ...]
    figures: tuple[float, ...] = ()
    share: bool = False

    @property
    def text(self) -> str:
        n, f = self.names, self.figures
        show = pct if self.share else num
        if self.code == "must":
            return f"Must {n[0]} is not selected"
        if self.code == "exclude":
            return f"Excluded {n[0]} is selected"
        if self.code == "over":
            return f"{n[0]} over its Max by {show(f[0] - f[1])} ({show(f[0])} > {show(f[1])})"
        if self.code == "under":
            return f"{n[0]} under its Min by {show(f[1] - f[0])} ({show(f[0])} < {show(f[1])})"
        if self.code == "dependency":
            return f"{n[0]} needs {n[1]}, which is not selected"
        if self.code == "too-early":
            return f"{n[0]} starts in {n[2]}, before {n[1]} finishes ({n[3]})"
        if self.code == "group":
            return f"exclusive group {n[0]} has {len(n) - 1} selected: {', '.join(n[1:])}"
        raise ValueError(self.code)


# --------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Part:
    """One part of a rule that the diagnosis can switch off: a limit side, a decision, ..."""

    key: tuple
    kind: str  #: "limit", "must", "exclude", "dependency", "exclusive group"
    name: str
    rule: Rule


On = Callable[[tuple], bool]


class Rule:
    """A rule a portfolio must keep. Subclasses fill in each method for their kind."""

    kind: ClassVar[str]

    def parts(self, plan: Plan) -> list[Part]:
        """The parts of this rule the diagnosis can switch off one at a time (a limit's Min and
        Max, a Must, one dependency, ...), each keyed as :meth:`add_to` tags its rows."""
        raise NotImplementedError

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        """Add this rule's rows (and any columns it needs) to ``prog``, leaving out every part
        whose key ``on`` answers False for."""
        raise NotImplementedError

    def check(self, plan: Plan, chosen: Chosen) -> list[Violation]:
        """What a chosen portfolio breaks of this rule, as :class:`Violation` data (empty when it
        keeps it), worked out from the plan alone, not from the program."""
        raise NotImplementedError

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        """A part of this rule in words for a conflict report: what it demands and where the
        workbook says so; ``conflict`` is every part of the conflict, for words that depend on
        the others (a limit names the Musts that fill it)."""
        raise NotImplementedError

    def relaxation(self, plan: Plan, part: Part) -> str:
        """How to relax a part by dropping it, in words."""
        raise NotImplementedError

    def relax(self, plan: Plan, part: Part, bound: float | None) -> Plan:
        """The plan with the part dropped (or a limit side moved to ``bound``)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Must(Rule):
    i: int
    kind: ClassVar[str] = "must"

    def parts(self, plan):
        return [Part(("must", self.i), "must", f"Must {plan.initiatives[self.i].id}", self)]

    def add_to(self, prog, plan, on):
        if on(("must", self.i)):
            prog.require(self.i)

    def check(self, plan, chosen):
        return [] if chosen.selected[self.i] else [Violation("must", (plan.initiatives[self.i].id,))]

    def describe(self, plan, part, conflict):
        ini = plan.initiatives[self.i]
        return f"{ini.id} ({ini.name}) must be selected: Decision on Initiatives row {ini.row}"

    def relaxation(self, plan, part):
        return f"drop Must on {plan.initiatives[self.i].id}"

    def relax(self, plan, part, bound):
        return _with_initiative(plan, self.i, decision=Decision.FREE)


@dataclass(frozen=True)
class Exclude(Rule):
    i: int
    kind: ClassVar[str] = "exclude"

    def parts(self, plan):
        return [Part(("exclude", self.i), "exclude", f"Exclude {plan.initiatives[self.i].id}", self)]

    def add_to(self, prog, plan, on):
        if on(("exclude", self.i)):
            prog.forbid(self.i)

    def check(self, plan, chosen):
        return [Violation("exclude", (plan.initiatives[self.i].id,))] if chosen.selected[self.i] else []

    def describe(self, plan, part, conflict):
        ini = plan.initiatives[self.i]
        return f"{ini.id} ({ini.name}) is excluded: Decision on Initiatives row {ini.row}"

    def relaxation(self, plan, part):
        return f"allow the Excluded {plan.initiatives[self.i].id}"

    def relax(self, plan, part, bound):
        return _with_initiative(plan, self.i, decision=Decision.FREE)


@dataclass(frozen=True)
class LimitRule(Rule):
    """A Min and/or Max on a column's sum (or share), hard or soft, whole plan or one period.

    Hard: ``lo ≤ Σ a·x ≤ hi``. Soft: ``Σ a·x − u + v`` within [lo, hi], u and v continuous in
    [0, tolerance], the objective losing ``penalty`` per unit of each. Share ``s`` of the
    column over every selected initiative: ``Σ_scope a·x − s · Σ_all a·x`` ≤ 0 (Max share)
    or ≥ 0 (Min share), one row per side.
    """

    k: int  #: position in ``Plan.all_limits()``
    limit: Limit
    bounds: tuple[float | None, float | None] | None = None  #: (min, max) used instead of the limit's
    kind: ClassVar[str] = "limit"

    @property
    def lo(self) -> float | None:
        return self.limit.min if self.bounds is None else self.bounds[0]

    @property
    def hi(self) -> float | None:
        return self.limit.max if self.bounds is None else self.bounds[1]

    def parts(self, plan):
        out = []
        for side, bound in (("max", self.limit.max), ("min", self.limit.min)):
            if bound is not None:
                out.append(Part(("limit", self.k, side), "limit", f"{side.capitalize()} {self.limit.name}", self))
        return out

    def add_to(self, prog, plan, on):
        lim = self.limit
        lo = self.lo if on(("limit", self.k, "min")) else None
        hi = self.hi if on(("limit", self.k, "max")) else None
        if lo is None and hi is None:
            return
        if lim.share:
            scoped = limit_terms(plan, lim, prog.columns)
            whole = limit_terms(plan, lim, prog.columns, scoped=False)
            for side, s in (("max", hi), ("min", lo)):
                if s is None:
                    continue
                terms = {c: scoped.get(c, 0.0) - s * a for c, a in whole.items()}
                terms = {c: a for c, a in terms.items() if a != 0}
                rhs = -(limit_offset(plan, lim) - s * limit_offset(plan, lim, scoped=False))
                prog.add_row(
                    terms, None if side == "max" else rhs, rhs if side == "max" else None, ("limit", self.k, side)
                )
            return
        terms = limit_terms(plan, lim, prog.columns)
        offset = limit_offset(plan, lim)
        if offset:  # the stop and retire costs are paid whatever is chosen
            lo = None if lo is None else lo - offset
            hi = None if hi is None else hi - offset
        if lim.soft:
            if hi is not None and (room := lim.allowance("max")) > 0:
                terms[prog.add_variable(-lim.penalty, room)] = -1.0
            if lo is not None and (room := lim.allowance("min")) > 0:
                terms[prog.add_variable(-lim.penalty, room)] = 1.0
        prog.add_row(terms, lo, hi, ("limit", self.k))

    def overshoot(self, used: float) -> float:
        """How far past its bounds a use runs (0 when within)."""
        over = 0.0
        if self.limit.max is not None:
            over = max(over, used - self.limit.max)
        if self.limit.min is not None:
            over = max(over, self.limit.min - used)
        return over

    def check(self, plan, chosen):
        lim = self.limit
        used = limit_use(plan, lim, chosen)
        out = []
        tol = 1e-9 * (1.0 if lim.share else max(1.0, abs(lim.max or 0.0), abs(lim.min or 0.0)))
        if lim.max is not None and used > lim.max + lim.allowance("max") + tol:
            out.append(Violation("over", (lim.name,), (used, lim.max + lim.allowance("max")), lim.share))
        if lim.min is not None and used < lim.min - lim.allowance("min") - tol:
            out.append(Violation("under", (lim.name,), (used, lim.min - lim.allowance("min")), lim.share))
        return out

    def describe(self, plan, part, conflict):
        lim = self.limit
        side = part.key[2]
        bound = lim.max if side == "max" else lim.min
        show = pct if lim.share else num
        detail = f"{lim.name}: {side.capitalize()}{' share' if lim.share else ''} {show(bound)}"
        if lim.allowance(side):
            detail += f" with a tolerance of {num(lim.allowance(side))}"
        if lim.source:
            detail += f" ({lim.source})"
        musts = [p.key[1] for p in conflict if p.key[0] == "must"]
        if musts and not lim.share:
            mask = [False] * len(plan.initiatives)
            for i in musts:
                mask[i] = True
            used = limit_use(plan, lim, Chosen.of(mask))
            detail += f"; the Musts {', '.join(plan.initiatives[i].id for i in musts)} alone use {num(used)}"
        return detail

    def relaxation(self, plan, part):
        side = part.key[2]
        what = (
            "Max share"
            if self.limit.share and side == "max"
            else "Min share"
            if self.limit.share
            else side.capitalize()
        )
        return f"drop the {what} of {self.limit.name}"

    def relax(self, plan, part, bound):
        return plan.with_limit(self.k, **{part.key[2]: bound})


@dataclass(frozen=True)
class Dependency(Rule):
    """i needs j: selected together, or (timed plans) i starts after j finishes."""

    i: int
    j: int
    kind: ClassVar[str] = "dependency"

    def parts(self, plan):
        a, b = plan.initiatives[self.i].id, plan.initiatives[self.j].id
        return [Part(("dependency", self.i, self.j), "dependency", f"{a} needs {b}", self)]

    def add_to(self, prog, plan, on):
        key = ("dependency", self.i, self.j)
        if not on(key):
            return
        cols = prog.columns
        mine, theirs = cols.by_ini[self.i], cols.by_ini[self.j]
        s = plan.settings
        if not timed_dependencies(s):
            prog.add_row({**{c: 1.0 for c in mine}, **{c: -1.0 for c in theirs}}, None, 0.0, key)
            return
        dj = build_periods(plan.initiatives[self.j], s)
        for t in range(s.periods or 1):
            early = [c for c in mine if cols.var[c][1] <= t]
            if not early:
                continue
            done = [c for c in theirs if cols.var[c][1] <= t - dj]
            prog.add_row({**{c: 1.0 for c in early}, **{c: -1.0 for c in done}}, None, 0.0, key)

    def check(self, plan, chosen):
        a, b = plan.initiatives[self.i], plan.initiatives[self.j]
        if not chosen.selected[self.i]:
            return []
        if not chosen.selected[self.j]:
            return [Violation("dependency", (a.id, b.id))]
        s = plan.settings
        if timed_dependencies(s) and self.i in chosen.starts and self.j in chosen.starts:
            finish = chosen.starts[self.j] + build_periods(b, s)
            if chosen.starts[self.i] < finish:
                labels = s.period_labels() + [f"{s.period_labels()[-1]}+{k}" for k in range(1, finish + 1)]
                return [Violation("too-early", (a.id, b.id, labels[chosen.starts[self.i]], labels[finish - 1]))]
        return []

    def describe(self, plan, part, conflict):
        a, b = plan.initiatives[self.i], plan.initiatives[self.j]
        return f"{a.id} can only be selected together with {b.id} (Initiatives row {a.row})"

    def relaxation(self, plan, part):
        a, b = plan.initiatives[self.i], plan.initiatives[self.j]
        return f"let {a.id} go ahead without {b.id}"

    def relax(self, plan, part, bound):
        drop = plan.initiatives[self.j].id
        return _with_initiative(
            plan, self.i, depends_on=tuple(d for d in plan.initiatives[self.i].depends_on if d != drop)
        )


@dataclass(frozen=True)
class ExclusiveGroup(Rule):
    """At most one of the group's members."""

    group: str
    members: tuple[int, ...]
    kind: ClassVar[str] = "exclusive group"

    def parts(self, plan):
        return [Part(("group", self.group), "exclusive group", f"exclusive group {self.group}", self)]

    def add_to(self, prog, plan, on):
        if on(("group", self.group)):
            prog.add_row(
                {c: 1.0 for i in self.members for c in prog.columns.by_ini[i]}, None, 1.0, ("group", self.group)
            )

    def check(self, plan, chosen):
        picked = tuple(plan.initiatives[i].id for i in self.members if chosen.selected[i])
        return [Violation("group", (self.group,) + picked)] if len(picked) > 1 else []

    def describe(self, plan, part, conflict):
        return "at most one of " + ", ".join(plan.initiatives[i].id for i in self.members)

    def relaxation(self, plan, part):
        return f"allow more than one of exclusive group {self.group}"

    def relax(self, plan, part, bound):
        inis = list(plan.initiatives)
        for i in self.members:
            inis[i] = replace(inis[i], exclusive_group=None)
        return plan.with_initiatives(tuple(inis))


def _with_initiative(plan: Plan, i: int, **changes) -> Plan:
    inis = list(plan.initiatives)
    inis[i] = replace(inis[i], **changes)
    return plan.with_initiatives(tuple(inis))


# --------------------------------------------------------------------------- a plan's rules


def dependency_pairs(plan: Plan) -> list[tuple[int, int]]:
    """(dependent, prerequisite) positions, in sheet order."""
    return [(i, plan.index(dep)) for i, ini in enumerate(plan.initiatives) for dep in ini.depends_on if dep in plan]


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


def plan_rules(
    plan: Plan, limit_overrides: Mapping[int, tuple[float | None, float | None]] | None = None
) -> list[Rule]:
    """Every rule of a plan: decisions first (people drop a decision more readily), then the
    limits (budget first), dependencies and exclusive groups."""
    out: list[Rule] = []
    for i, ini in enumerate(plan.initiatives):
        if ini.decision is Decision.MUST:
            out.append(Must(i))
        elif ini.decision is Decision.EXCLUDE:
            out.append(Exclude(i))
    for k, limit in enumerate(plan.all_limits()):
        out.append(LimitRule(k, limit, (limit_overrides or {}).get(k)))
    out.extend(Dependency(i, j) for i, j in dependency_pairs(plan))
    out.extend(ExclusiveGroup(g, tuple(m)) for g, m in exclusive_groups(plan).items() if len(m) > 1)
    return out


def is_cost(limit: Limit) -> bool:
    return normalize_header(limit.column) == "cost"
