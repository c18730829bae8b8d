"""Rules that link initiatives: a dependency (selected together, or after its prerequisite
finishes in a timed plan) and an exclusive group (at most one of its members)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

from portfolio_opt.core.rules.base import Chosen, On, Part, Program, Rule, Violation
from portfolio_opt.core.rules.decisions import with_initiative
from portfolio_opt.core.schedule import build_periods, timed_dependencies
from portfolio_opt.model.plan import Plan


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


@dataclass(frozen=True)
class Dependency(Rule):
    """i needs j: selected together, or (timed plans) i starts after j finishes."""

    i: int
    j: int
    kind: ClassVar[str] = "dependency"

    def parts(self, plan: Plan) -> list[Part]:
        a, b = plan.initiatives[self.i].id, plan.initiatives[self.j].id
        return [Part(("dependency", self.i, self.j), "dependency", f"{a} needs {b}", self)]

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
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

    def check(self, plan: Plan, chosen: Chosen) -> list[Violation]:
        a, b = plan.initiatives[self.i], plan.initiatives[self.j]
        if not chosen.selected[self.i]:
            return []
        if not chosen.selected[self.j]:
            return [Violation("dependency", (a.id, b.id), rule=self)]
        s = plan.settings
        if timed_dependencies(s) and self.i in chosen.starts and self.j in chosen.starts:
            finish = chosen.starts[self.j] + build_periods(b, s)
            if chosen.starts[self.i] < finish:
                labels = s.period_labels() + [f"{s.period_labels()[-1]}+{k}" for k in range(1, finish + 1)]
                names = (a.id, b.id, labels[chosen.starts[self.i]], labels[finish - 1])
                return [Violation("too-early", names, rule=self)]
        return []

    def words(self, violation: Violation) -> str:
        n = violation.names
        if violation.code == "too-early":
            return f"{n[0]} starts in {n[2]}, before {n[1]} finishes ({n[3]})"
        return f"{n[0]} needs {n[1]}, which is not selected"

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        a, b = plan.initiatives[self.i], plan.initiatives[self.j]
        return f"{a.id} can only be selected together with {b.id} (Initiatives row {a.row})"

    def relaxation(self, plan: Plan, part: Part) -> str:
        a, b = plan.initiatives[self.i], plan.initiatives[self.j]
        return f"let {a.id} go ahead without {b.id}"

    def relax(self, plan: Plan, part: Part, bound: float | None) -> Plan:
        drop = plan.initiatives[self.j].id
        return with_initiative(
            plan, self.i, depends_on=tuple(d for d in plan.initiatives[self.i].depends_on if d != drop)
        )


@dataclass(frozen=True)
class ExclusiveGroup(Rule):
    """At most one of the group's members."""

    group: str
    members: tuple[int, ...]
    kind: ClassVar[str] = "exclusive group"

    def parts(self, plan: Plan) -> list[Part]:
        return [Part(("group", self.group), "exclusive group", f"exclusive group {self.group}", self)]

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        if on(("group", self.group)):
            prog.add_row(
                {c: 1.0 for i in self.members for c in prog.columns.by_ini[i]}, None, 1.0, ("group", self.group)
            )

    def check(self, plan: Plan, chosen: Chosen) -> list[Violation]:
        picked = tuple(plan.initiatives[i].id for i in self.members if chosen.selected[i])
        return [Violation("group", (self.group,) + picked, rule=self)] if len(picked) > 1 else []

    def words(self, violation: Violation) -> str:
        n = violation.names
        return f"exclusive group {n[0]} has {len(n) - 1} selected: {', '.join(n[1:])}"

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        return "at most one of " + ", ".join(plan.initiatives[i].id for i in self.members)

    def relaxation(self, plan: Plan, part: Part) -> str:
        return f"allow more than one of exclusive group {self.group}"

    def relax(self, plan: Plan, part: Part, bound: float | None) -> Plan:
        inis = list(plan.initiatives)
        for i in self.members:
            inis[i] = replace(inis[i], exclusive_group=None)
        return plan.with_initiatives(tuple(inis))
