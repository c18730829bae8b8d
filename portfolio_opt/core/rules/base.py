"""The rule contract, and what a rule writes into and checks against.

A rule object (:class:`Rule`) knows its rows in the program (:meth:`Rule.add_to`), how to check
a chosen portfolio (:meth:`Rule.check`, returning :class:`Violation` data that the rule words
itself), what to call each of its parts that the diagnosis can switch off (:meth:`Rule.parts`),
how to describe such a part in a conflict and how to relax it.

The program's columns are one per initiative and start period it may start in
(:class:`Columns`); a single-period plan is the one-period case, one column per initiative.
Pure: no solver, no files.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from portfolio_opt.core.schedule import window
from portfolio_opt.core.solver import Row
from portfolio_opt.model.plan import Plan

#: What a rule part and a program row are known by: their kind, then the positions, limit or group
#: they concern, e.g. ``("limit", 2, "max")``
Key = tuple[str | int, ...]

# --------------------------------------------------------------------------- columns and a program


def build_cache(plan: Plan) -> dict[Hashable, Any]:
    """What building a plan's program works out once per plan (a plan is frozen: explanations
    and diagnoses build hundreds of programs from one)."""
    cache: dict[Hashable, Any] | None = plan.__dict__.get("_build_cache")
    if cache is None:
        cache = {}
        object.__setattr__(plan, "_build_cache", cache)
    return cache


def share_build_cache(source: Plan, target: Plan) -> None:
    """Let ``target`` use what building ``source``'s program worked out (its columns and the terms
    of every sum). For a plan that differs from ``source`` only in decisions and bounds, which
    change neither: a what-if's plan (:mod:`portfolio_opt.core.warm`)."""
    object.__setattr__(target, "_build_cache", build_cache(source))
    if "_column_cache" in source.__dict__:
        object.__setattr__(target, "_column_cache", source.__dict__["_column_cache"])


@dataclass(frozen=True)
class Columns:
    """The program's decision columns: one per initiative and start period in its window."""

    var: tuple[tuple[int, int], ...]  #: (initiative, start period) of each column
    by_ini: tuple[tuple[int, ...], ...]  #: each initiative's columns
    at: Mapping[tuple[int, int], int]  #: column of (initiative, start period)

    @staticmethod
    def of(plan: Plan) -> Columns:
        """The columns of a plan's program (worked out once per plan)."""
        cache = build_cache(plan)
        if "columns" not in cache:
            cache["columns"] = Columns._of(plan)
        columns: Columns = cache["columns"]
        return columns

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
    keys: list[Key] = field(default_factory=list)
    required: set[int] = field(default_factory=set)  #: initiatives that must start once

    def add_variable(self, objective: float, upper: float) -> int:
        """A continuous column in [0, upper] worth ``objective`` per unit; its index."""
        self.objective.append(objective)
        self.lower.append(0.0)
        self.upper.append(upper)
        self.integer.append(False)
        return len(self.objective) - 1

    def add_row(self, terms: Mapping[int, float], lo: float | None, hi: float | None, key: Key) -> None:
        """A row ``lo ≤ Σ terms ≤ hi`` (either bound may be None), known by ``key``."""
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
        """Initiative i is not selected (at any start)."""
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
        # moves the start. The optimum is the same and the search is shorter (benchmarks/README.md).
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
        """A portfolio from a mask (and each selected one's start; default period 0)."""
        sel = tuple(bool(x) for x in selected)
        if starts is None:
            starts = {i: 0 for i, x in enumerate(sel) if x}
        return Chosen(sel, dict(starts))


# --------------------------------------------------------------------------- the contract


@dataclass(frozen=True)
class Part:
    """One part of a rule that the diagnosis can switch off: a limit side, a decision, ..."""

    key: Key
    kind: str  #: "limit", "must", "exclude", "dependency", "exclusive group"
    name: str
    rule: Rule


@dataclass(frozen=True)
class Violation:
    """A rule a portfolio breaks, as data: a code, what it names, and the figures. The rule that
    found it says it in words (:attr:`text`)."""

    code: str
    names: tuple[str, ...]
    figures: tuple[float, ...] = ()
    rule: Rule | None = field(default=None, compare=False, repr=False)

    @property
    def text(self) -> str:
        """The violation in words, as the rule that found it says it."""
        if self.rule is None:
            raise ValueError(f"a violation {self.code!r} without the rule that words it")
        return self.rule.words(self)


#: Whether a rule part is switched on in a program: ``on(part key)``
On = Callable[[Key], bool]


class Rule:
    """A rule a portfolio must keep. A kind of rule is a subclass that fills in each method.

    ``kind`` names the kind of its parts in a conflict ("limit", "must", ...).
    """

    kind: ClassVar[str]

    def parts(self, plan: Plan) -> list[Part]:
        """Its parts the diagnosis can switch off one at a time (a limit has one per bound side)."""
        raise NotImplementedError

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        """Write its rows (and any columns of its own) into ``prog``, for the parts ``on`` keeps."""
        raise NotImplementedError

    def check(self, plan: Plan, chosen: Chosen) -> list[Violation]:
        """What a chosen portfolio breaks of it (empty when it keeps the rule)."""
        raise NotImplementedError

    def words(self, violation: Violation) -> str:
        """One of its violations in words, e.g. ``Must INI-003 is not selected``."""
        raise NotImplementedError

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        """A part in a conflict, in words: what it says and where it was given."""
        raise NotImplementedError

    def relaxation(self, plan: Plan, part: Part) -> str:
        """How to relax a part by dropping it, in words."""
        raise NotImplementedError

    def relax(self, plan: Plan, part: Part, bound: float | None) -> Plan:
        """The plan with the part dropped (or a limit side moved to ``bound``)."""
        raise NotImplementedError
