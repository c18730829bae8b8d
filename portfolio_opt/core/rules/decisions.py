"""The planner's decisions as rules: a Must is selected, an Exclude is not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from portfolio_opt.core.rules.base import Chosen, On, Part, Program, Rule, Violation
from portfolio_opt.model.plan import Decision, Plan


def with_initiative(plan: Plan, i: int, **changes: Any) -> Plan:
    """The plan with initiative ``i``'s fields changed."""
    inis = list(plan.initiatives)
    inis[i] = replace(inis[i], **changes)
    return plan.with_initiatives(tuple(inis))


@dataclass(frozen=True)
class Must(Rule):
    """Initiative ``i`` is selected (Decision Must)."""

    i: int
    kind: ClassVar[str] = "must"

    def parts(self, plan: Plan) -> list[Part]:
        return [Part(("must", self.i), "must", f"Must {plan.initiatives[self.i].id}", self)]

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        if on(("must", self.i)):
            prog.require(self.i)

    def check(self, plan: Plan, chosen: Chosen) -> list[Violation]:
        return [] if chosen.selected[self.i] else [Violation("must", (plan.initiatives[self.i].id,), rule=self)]

    def words(self, violation: Violation) -> str:
        return f"Must {violation.names[0]} is not selected"

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        ini = plan.initiatives[self.i]
        return f"{ini.id} ({ini.name}) must be selected: Decision on Initiatives row {ini.row}"

    def relaxation(self, plan: Plan, part: Part) -> str:
        return f"drop Must on {plan.initiatives[self.i].id}"

    def relax(self, plan: Plan, part: Part, bound: float | None) -> Plan:
        return with_initiative(plan, self.i, decision=Decision.FREE)


@dataclass(frozen=True)
class Exclude(Rule):
    """Initiative ``i`` is not selected (Decision Exclude)."""

    i: int
    kind: ClassVar[str] = "exclude"

    def parts(self, plan: Plan) -> list[Part]:
        return [Part(("exclude", self.i), "exclude", f"Exclude {plan.initiatives[self.i].id}", self)]

    def add_to(self, prog: Program, plan: Plan, on: On) -> None:
        if on(("exclude", self.i)):
            prog.forbid(self.i)

    def check(self, plan: Plan, chosen: Chosen) -> list[Violation]:
        return [Violation("exclude", (plan.initiatives[self.i].id,), rule=self)] if chosen.selected[self.i] else []

    def words(self, violation: Violation) -> str:
        return f"Excluded {violation.names[0]} is selected"

    def describe(self, plan: Plan, part: Part, conflict: Sequence[Part]) -> str:
        ini = plan.initiatives[self.i]
        return f"{ini.id} ({ini.name}) is excluded: Decision on Initiatives row {ini.row}"

    def relaxation(self, plan: Plan, part: Part) -> str:
        return f"allow the Excluded {plan.initiatives[self.i].id}"

    def relax(self, plan: Plan, part: Part, bound: float | None) -> Plan:
        return with_initiative(plan, self.i, decision=Decision.FREE)
