"""Limits: a bound on a column summed over the selected initiatives, each kind one class.

A :class:`~portfolio_opt.model.plan.Limit` is what a Constraints row (or the budget) says; the
kind of rule that keeps it owns everything about it: its rows in the program, what a portfolio
uses of it, how far past its bound a use runs and what that costs, its words, how its figures
are shown, one more unit of room, and whether it keeps an initiative out. The kinds:

* :class:`HardLimit`: ``Min ≤ Σ a·x ≤ Max``.
* :class:`SoftLimit`: ``Σ a·x − u + v`` within [Min, Max], u and v continuous in [0, tolerance],
  the objective losing ``penalty`` per unit of each.
* :class:`ShareLimit`: the scoped sum as a share s of the column's sum over every selected
  initiative, ``Σ_scope a·x − s · Σ_all a·x ≤ 0`` (Max share s; mirrored for Min share).

A kind beyond these registers itself by the name a Limit's ``kind`` gives (:func:`register`); the
rest of the package asks :func:`limit_rule` for the rule of a limit and never branches on its kind.
Pure: no solver, no files.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from portfolio_opt.core.rules.base import Chosen, Columns, On, Part, Program, Rule, Violation, build_cache
from portfolio_opt.core.schedule import demand
from portfolio_opt.model.figures import Unit, num, readable_step
from portfolio_opt.model.plan import Limit, Plan, normalize_header
from portfolio_opt.model.result import LimitUse

#: Initiatives columns whose figures are money (shown as amounts, stepped by readable amounts)
MONEY_COLUMNS = frozenset({"cost", "impact", "runcost"})


# --------------------------------------------------------------------------- a limit's sum


def limit_terms(plan: Plan, limit: Limit, columns: Columns, scoped: bool = True) -> dict[int, float]:
    """Column -> what it adds to a limit's sum (its scope only, unless ``scoped`` is False).
    A fresh dict each call (callers add their own columns to it)."""
    if columns is not Columns.of(plan):
        return _limit_terms(plan, limit, columns, scoped)
    return dict(_terms(plan, limit, scoped))


def _terms(plan: Plan, limit: Limit, scoped: bool) -> dict[int, float]:
    """The plan's own columns' terms of a limit's sum, worked out once per plan and sum: what a
    column adds depends on the column, the scope and the period summed, never on the bounds."""
    cache = build_cache(plan)
    key = ("terms", limit.column, limit.scope, limit.scope_op, limit.period, scoped)
    if key not in cache:
        cache[key] = _limit_terms(plan, limit, Columns.of(plan), scoped)
    terms: dict[int, float] = cache[key]
    return terms


def out_values(plan: Plan, column: str) -> tuple[float, ...] | None:
    """What each initiative adds to a column's sum when it is *not* selected: the stop or retire
    cost of one in progress or live (quarterly review), for Cost; None when nothing does."""
    if normalize_header(column) != "cost":
        return None
    cache = build_cache(plan)  # asked per initiative and limit: worked out once per plan
    if "out_values" not in cache:
        outs = tuple(float(ini.out_cost) for ini in plan.initiatives)
        cache["out_values"] = outs if any(outs) else None
    values: tuple[float, ...] | None = cache["out_values"]
    return values


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
                for col in columns.by_ini[i]:
                    terms[col] = a
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
    column = Columns.of(plan).at.get((i, t))
    if column is not None:  # a start the program has: its term, worked out once
        return _terms(plan, limit, scoped).get(column, 0.0)
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


# --------------------------------------------------------------------------- the kinds


@dataclass(frozen=True)
class Tally:
    """A limit's use by a portfolio, and what it would be with one more initiative: ``after(i, t)``
    is the use with initiative i added, starting in period t."""

    used: float
    after: Callable[[int, int], float]


@dataclass(frozen=True)
class LimitRule(Rule):
    """A bound on a column's sum over the selected initiatives: the part every kind shares.

    ``k`` is the limit's position in :meth:`Plan.all_limits` (the budget first); ``bounds``
    replaces its (Min, Max) in a program when given (an explanation's one more unit of room).
    """

    k: int  #: position in ``Plan.all_limits()``
    limit: Limit
    bounds: tuple[float | None, float | None] | None = None  #: (min, max) used instead of the limit's
    kind: ClassVar[str] = "limit"
    #: what the kind is called (in JSON, and the name a registered kind is known by)
    name: ClassVar[str] = "hard"
    #: a program already built keeps it with its bounds moved in place (the sides of one row,
    #: :meth:`row_sides`); a kind whose bound sits in its coefficients or in columns of its own
    #: (a share, a soft limit's overshoot) is not: a re-solve builds the program again
    in_place: ClassVar[bool] = True
    #: the diagnosis moves a bound of this kind by the least that makes a plan feasible (an
    #: elastic solve of its row); a kind that is not movable is relaxed by dropping it
    movable: ClassVar[bool] = True

    # ---- bounds and figures

    @property
    def lo(self) -> float | None:
        """The Min in force (the override's, when given)."""
        return self.limit.min if self.bounds is None else self.bounds[0]

    @property
    def hi(self) -> float | None:
        """The Max in force (the override's, when given)."""
        return self.limit.max if self.bounds is None else self.bounds[1]

    @property
    def unit(self) -> Unit:
        """What its figures measure: money for the money columns, else a plain number."""
        return Unit.MONEY if normalize_header(self.limit.column) in MONEY_COLUMNS else Unit.NUMBER

    def show(self, x: float) -> str:
        """One of its figures in words."""
        return self.unit.words(x)

    def allowance(self, side: str) -> float:
        """How far past its bound on ``side`` (min or max) a use may run: 0 for a hard limit."""
        return 0.0

    def tolerance(self) -> float:
        """How close to a bound counts as on it (rounding in the sums)."""
        lim = self.limit
        return 1e-9 * max(1.0, abs(lim.max or 0.0), abs(lim.min or 0.0))

    def step(self) -> float:
        """One more unit of room, in its own units (a Max rises, a Min falls by this much); for
        money, a readable step of about 1% of its bound (100,000 of a budget of 10.8M), as one
        more unit of a currency buys nothing."""
        if self.unit is Unit.MONEY:
            return readable_step(0.01 * max(abs(self.hi or 0.0), abs(self.lo or 0.0)))
        return 1.0

    def room(self, use: LimitUse) -> tuple[str, float]:
        """The side more room means and its bound: the Max, or the Min when that is the tighter one."""
        lim = self.limit
        if lim.max is None:
            return "min", self.bound_on("min")
        if lim.min is not None and abs(use.used - lim.min) < abs(lim.max - use.used):
            return "min", lim.min
        return "max", lim.max

    def moved(self, side: str, move: float) -> tuple[float, str]:
        """Its bound on ``side`` moved by ``move`` the way that gives room (a Max up, a Min
        down), and that change in words."""
        lim = self.limit
        if side == "max":
            bound = self.bound_on("max") + move
            if lim.label == "budget":
                return bound, f"raise the budget by {self.show(move)} to {self.show(bound)}"
            return bound, f"raise the {lim.name} Max by {self.show(move)} to {self.show(bound)}"
        bound = self.bound_on("min") - move
        return bound, f"lower the {lim.name} Min by {self.show(move)} to {self.show(bound)}"

    def rebound(self, side: str, value: float | None) -> Limit:
        """The limit with its bound on ``side`` moved to ``value``."""
        return replace(self.limit, max=value) if side == "max" else replace(self.limit, min=value)

    def bound_on(self, side: str) -> float:
        """Its Max or Min (``side``): a part, a move or a violation names only a side the limit has."""
        bound = self.limit.max if side == "max" else self.limit.min
        assert bound is not None, f"{self.limit.name} has no {side}"  # parts and moves name only sides it has
        return bound

    @staticmethod
    def side_of(part: Part) -> str:
        """The side (``max`` or ``min``) a part of a limit stands for: its key is ``("limit", k, side)``."""
        return str(part.key[2])

    # ---- a portfolio's use

    def tally(self, plan: Plan, chosen: Chosen) -> Tally:
        """Its use by a portfolio, and with one more initiative."""
        used = limit_sum(plan, self.limit, chosen)
        return Tally(used, lambda i, t: used + contribution(plan, self.limit, i, t))

    def use(self, plan: Plan, chosen: Chosen) -> float:
        """What a portfolio uses of it."""
        return self.tally(plan, chosen).used

    def overshoot(self, used: float) -> float:
        """How far past its bounds a use runs (0 when within)."""
        over = 0.0
        if self.limit.max is not None:
            over = max(over, used - self.limit.max)
        if self.limit.min is not None:
            over = max(over, self.limit.min - used)
        return over

    def penalty_cost(self, used: float) -> float:
        """What a use costs the objective: nothing for a hard limit."""
        return 0.0

    def measure(self, plan: Plan, chosen: Chosen) -> LimitUse:
        """A portfolio's use of it, with how far past its bound that runs and what that costs."""
        used = self.use(plan, chosen)
        return LimitUse(self.limit, used, overshoot=self.penalized(used), penalty_cost=self.penalty_cost(used))

    def penalized(self, used: float) -> float:
        """How far past its bounds a use runs at a penalty: nothing for a hard limit (a hard
        limit is never passed by a portfolio the program allows)."""
        return 0.0

    def touches(self, plan: Plan, i: int, t: int) -> bool:
        """True when initiative i, starting in period t, changes its use."""
        return contribution(plan, self.limit, i, t) != 0

    def blocks(self, plan: Plan, tally: Tally, i: int, t: int) -> str | None:
        """Whether adding initiative i (starting in period t) to the portfolio breaks it:
        ``hard`` past its bound and tolerance, ``soft`` within its tolerance but at a penalty,
        None when it fits (or does not touch it)."""
        if not self.touches(plan, i, t):
            return None
        after, used, tol, lim = tally.after(i, t), tally.used, self.tolerance(), self.limit
        for side, bound in (("max", lim.max), ("min", lim.min)):
            if bound is None:
                continue
            beyond = after - bound if side == "max" else bound - after
            worse = after > used if side == "max" else after < used
            if beyond > tol and worse:
                return "soft" if beyond <= self.allowance(side) + tol else "hard"
        return None

    def counts_toward_min(self, plan: Plan, i: int) -> bool:
        """True when selecting initiative i adds to a Min this limit sets."""
        return self.limit.min is not None and contribution(plan, self.limit, i, 0) > 0

    def runs_hot(self, plan: Plan, use: LimitUse, i: int, t: int) -> bool:
        """True when selected initiative i helps run it past its bound (soft limits only)."""
        return False

    # ---- the rule contract

    def parts(self, plan: Plan) -> list[Part]:
        out = []
        for side, bound in (("max", self.limit.max), ("min", self.limit.min)):
            if bound is not None:
                out.append(Part(("limit", self.k, side), "limit", f"{side.capitalize()} {self.limit.name}", self))
        return out

    def _side_name(self, side: str) -> str:
        return side.capitalize()

    def check(self, plan: Plan, chosen: Chosen) -> list[Violation]:
        lim, used, tol = self.limit, self.use(plan, chosen), self.tolerance()
        out = []
        if lim.max is not None and used > lim.max + self.allowance("max") + tol:
            out.append(Violation("over", (lim.name,), (used, lim.max + self.allowance("max")), rule=self))
        if lim.min is not None and used < lim.min - self.allowance("min") - tol:
            out.append(Violation("under", (lim.name,), (used, lim.min - self.allowance("min")), rule=self))
        return out

    def words(self, violation: Violation) -> str:
        (name,), (used, bound) = violation.names, violation.figures
        show = self.show
        if violation.code == "over":
            return f"{name} over its Max by {show(used - bound)} ({show(used)} > {show(bound)})"
        return f"{name} under its Min by {show(bound - used)} ({show(used)} < {show(bound)})"

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        lim, side = self.limit, self.side_of(part)
        detail = f"{lim.name}: {self._side_name(side)} {self.show(self.bound_on(side))}"
        if self.allowance(side):
            detail += f" with a tolerance of {num(self.allowance(side))}"
        if lim.source:
            detail += f" ({lim.source})"
        musts = [int(p.key[1]) for p in conflict if p.key[0] == "must"]
        if musts:
            mask = [False] * len(plan.initiatives)
            for i in musts:
                mask[i] = True
            used = self.use(plan, Chosen.of(mask))
            detail += f"; the Musts {', '.join(plan.initiatives[i].id for i in musts)} alone use {num(used)}"
        return detail

    def relaxation(self, plan: Plan, part: Part) -> str:
        return f"drop the {self._side_name(self.side_of(part))} of {self.limit.name}"

    def relax(self, plan: Plan, part: Part, bound: float | None) -> Plan:
        return plan.with_limit(self.k, **{self.side_of(part): bound})

    def row_sides(self, plan: Plan) -> tuple[float | None, float | None]:
        """The sides of its row (``("limit", k)``) in the program: its bounds, less what its sum
        holds whatever is chosen (a review's stop and retire costs)."""
        offset = limit_offset(plan, self.limit)
        return (None if self.lo is None else self.lo - offset), (None if self.hi is None else self.hi - offset)

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        lo, hi = self.row_sides(plan)
        lo = lo if on(("limit", self.k, "min")) else None
        hi = hi if on(("limit", self.k, "max")) else None
        if lo is None and hi is None:
            return
        terms = limit_terms(plan, self.limit, prog.columns)
        self._add_overshoot(prog, terms, lo, hi)
        prog.add_row(terms, lo, hi, ("limit", self.k))

    def _add_overshoot(self, prog: Program, terms: dict[int, float], lo: float | None, hi: float | None) -> None:
        """Columns that let the row pass its bounds (a soft limit's)."""


@dataclass(frozen=True)
class HardLimit(LimitRule):
    """``Min ≤ Σ a·x ≤ Max``: never passed."""


@dataclass(frozen=True)
class SoftLimit(LimitRule):
    """A Min or Max that may be passed by up to its tolerance, at a penalty per unit beyond."""

    name: ClassVar[str] = "soft"
    in_place: ClassVar[bool] = False

    def allowance(self, side: str) -> float:
        return self.limit.allowance(side)

    def penalty_cost(self, used: float) -> float:
        return self.overshoot(used) * self.limit.penalty

    def penalized(self, used: float) -> float:
        return self.overshoot(used)

    def runs_hot(self, plan: Plan, use: LimitUse, i: int, t: int) -> bool:
        lim = self.limit
        if use.overshoot <= 0:
            return False
        adds = contribution(plan, lim, i, t)
        return (lim.max is not None and use.used > lim.max and adds > 0) or (
            lim.min is not None and use.used < lim.min and adds < 0
        )

    def _add_overshoot(self, prog: Program, terms: dict[int, float], lo: float | None, hi: float | None) -> None:
        lim = self.limit
        if hi is not None and (room := lim.allowance("max")) > 0:
            terms[prog.add_variable(-lim.penalty, room)] = -1.0
        if lo is not None and (room := lim.allowance("min")) > 0:
            terms[prog.add_variable(-lim.penalty, room)] = 1.0


@dataclass(frozen=True)
class ShareLimit(LimitRule):
    """The scoped sum as a share of the column's sum over every selected initiative, kept exactly:
    one row per side, ``Σ_scope a·x − s · Σ_all a·x ≤ 0`` for a Max share s."""

    name: ClassVar[str] = "share"
    movable: ClassVar[bool] = False
    in_place: ClassVar[bool] = False

    @property
    def unit(self) -> Unit:
        return Unit.SHARE

    def tolerance(self) -> float:
        return 1e-9

    def step(self) -> float:
        return 0.01  # one percentage point

    def tally(self, plan: Plan, chosen: Chosen) -> Tally:
        lim = self.limit
        scoped, whole = limit_sum(plan, lim, chosen), limit_sum(plan, lim, chosen, scoped=False)

        def after(i: int, t: int) -> float:
            total = whole + contribution(plan, lim, i, t, scoped=False)
            return (scoped + contribution(plan, lim, i, t)) / total if total else 0.0

        return Tally(scoped / whole if whole else 0.0, after)

    def touches(self, plan: Plan, i: int, t: int) -> bool:
        return contribution(plan, self.limit, i, t, scoped=False) != 0

    def counts_toward_min(self, plan: Plan, i: int) -> bool:
        return False

    def _side_name(self, side: str) -> str:
        return f"{side.capitalize()} share"

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        lim, side = self.limit, self.side_of(part)
        detail = f"{lim.name}: {self._side_name(side)} {self.show(self.bound_on(side))}"
        return detail + (f" ({lim.source})" if lim.source else "")

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        lim = self.limit
        scoped = limit_terms(plan, lim, prog.columns)
        whole = limit_terms(plan, lim, prog.columns, scoped=False)
        for side, s in (("max", self.hi), ("min", self.lo)):
            if s is None or not on(("limit", self.k, side)):
                continue
            terms = {c: scoped.get(c, 0.0) - s * a for c, a in whole.items()}
            terms = {c: a for c, a in terms.items() if a != 0}
            rhs = -(limit_offset(plan, lim) - s * limit_offset(plan, lim, scoped=False))
            lo, hi = (None, rhs) if side == "max" else (rhs, None)
            prog.add_row(terms, lo, hi, ("limit", self.k, side))


# --------------------------------------------------------------------------- which kind keeps a limit

#: limit kinds beyond the sum and share limits, by the name a Limit's ``kind`` gives
KINDS: dict[str, type[LimitRule]] = {}


def register(name: str) -> Callable[[type[LimitRule]], type[LimitRule]]:
    """Register a limit kind under ``name`` (a class decorator): a Limit whose ``kind`` is that
    name is kept by it."""

    def add(cls: type[LimitRule]) -> type[LimitRule]:
        cls.name = name
        KINDS[name] = cls
        return cls

    return add


def kind_of(limit: Limit) -> type[LimitRule]:
    """The kind of rule that keeps a limit."""
    if limit.kind:
        try:
            return KINDS[limit.kind]
        except KeyError:
            raise ValueError(f"no limit kind {limit.kind!r} (known: {', '.join(sorted(KINDS))})") from None
    if limit.share:
        return ShareLimit
    return SoftLimit if limit.soft else HardLimit


def limit_rule(k: int, limit: Limit, bounds: tuple[float | None, float | None] | None = None) -> LimitRule:
    """The rule that keeps limit ``k`` (its position in :meth:`Plan.all_limits`)."""
    return kind_of(limit)(k, limit, bounds)


def limit_rules(
    plan: Plan, overrides: Mapping[int, tuple[float | None, float | None]] | None = None
) -> list[LimitRule]:
    """The rule of every limit of a plan, the budget first (``overrides``: position -> (min, max))."""
    return [limit_rule(k, lim, (overrides or {}).get(k)) for k, lim in enumerate(plan.all_limits())]


def limit_uses(plan: Plan, chosen: Chosen) -> tuple[LimitUse, ...]:
    """Every limit's use by a portfolio (the budget first), with a soft limit's overshoot and its cost."""
    return tuple(rule.measure(plan, chosen) for rule in limit_rules(plan))


def limit_use(plan: Plan, limit: Limit, chosen: Chosen) -> float:
    """What a portfolio uses of a limit, whatever its kind (a sum, a share, ...)."""
    return kind_of(limit)(-1, limit).use(plan, chosen)


def unit_of(limit: Limit) -> Unit:
    """What a limit's figures measure (money, a share, a number), as its kind says."""
    return kind_of(limit)(-1, limit).unit


@register("change")
@dataclass(frozen=True)
class ChangeLimit(LimitRule):
    """How far a column's use may move from one period to the next (``Max per period change``):
    ``|use(t+1) − use(t)| ≤ Max``, one limit per pair of periods. Its ``period`` is the first of
    the pair; its use is the size of the move, so its slack is the room left either way."""

    movable: ClassVar[bool] = False

    def _periods(self) -> tuple[Limit, Limit]:
        """The column's per-period limits over its scope, for its two periods (bounds aside)."""
        base, first = replace(self.limit, kind="", min=None, max=None), self.limit.period
        assert first is not None  # a change limit bounds a pair of periods
        return replace(base, period=first), replace(base, period=first + 1)

    def tally(self, plan: Plan, chosen: Chosen) -> Tally:
        first, second = self._periods()
        u0, u1 = limit_sum(plan, first, chosen), limit_sum(plan, second, chosen)

        def after(i: int, t: int) -> float:
            return abs(u1 + contribution(plan, second, i, t) - u0 - contribution(plan, first, i, t))

        return Tally(abs(u1 - u0), after)

    def touches(self, plan: Plan, i: int, t: int) -> bool:
        first, second = self._periods()
        return contribution(plan, second, i, t) != contribution(plan, first, i, t)

    def counts_toward_min(self, plan: Plan, i: int) -> bool:
        return False

    def row_sides(self, plan: Plan) -> tuple[float | None, float | None]:
        if self.hi is None:
            return None, None
        first, second = self._periods()
        offset = limit_offset(plan, second) - limit_offset(plan, first)  # paid whatever is chosen
        return -self.hi - offset, self.hi - offset

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        lo, hi = self.row_sides(plan)
        if hi is None or not on(("limit", self.k, "max")):
            return
        first, second = self._periods()
        terms = limit_terms(plan, second, prog.columns)
        for c, a in limit_terms(plan, first, prog.columns).items():
            terms[c] = terms.get(c, 0.0) - a
        terms = {c: a for c, a in terms.items() if a != 0}
        prog.add_row(terms, lo, hi, ("limit", self.k))
