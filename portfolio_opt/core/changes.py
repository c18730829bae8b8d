"""Input changes (a scenario's, or a what-if's) as data: one class per kind of change.

Each kind (:class:`~portfolio_opt.model.plan.ChangeKind`) is a :class:`ChangeRule` that knows the
Scenarios header naming it, reads its cell into a :class:`~portfolio_opt.model.plan.Change`
(checking the value, with the reason and fix when it refuses one), applies a change to a plan,
and says whether a change can only shrink the set of allowed portfolios. The Scenarios sheet's
reader and the planning template take their list of accepted headers from :data:`CHANGES`, so
they cannot drift apart. Pure: no files, no solver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol

from portfolio_opt.core.rules import unit_of
from portfolio_opt.model.figures import Unit
from portfolio_opt.model.plan import Change, ChangeKind, Decision, Limit, Objective, Plan


class Cell(Protocol):
    """A Scenarios cell as a change reads it: the reader (the workbook layer) parses the value
    and reports what it refuses at the cell, naming it."""

    where: str  #: the cell, e.g. ``Scenarios!C4``
    header: str  #: its column's header

    def number(self, amount: bool) -> float | None:
        """The cell as a number (``amount``: currency symbols and k/M/bn allowed); None when refused."""

    def percent(self) -> bool:
        """True when the cell was typed or formatted as a percentage."""

    def ids(self, label: str) -> list[str]:
        """The initiative IDs the cell names (an unknown one is refused at the cell, the change
        called ``label`` in the message)."""

    def setting(self, attr: str, label: str) -> Any:
        """The cell as a value of the setting ``attr``; the reader's INVALID when refused."""

    def refuse(self, code: str, message: str, fix: str = "", value: Any = None) -> None:
        """Report a problem with the cell (``value``: what it holds that is refused)."""


def _show(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return f"{x:,.0f}"
    return f"{x:,}" if isinstance(x, (int, float)) else str(x)


def targets(change: Change) -> tuple[int, ...]:
    """The positions in ``Plan.limits`` a limit change applies to (one, or every period's)."""
    return change.target if isinstance(change.target, tuple) else (change.target,)


class ChangeRule:
    """A kind of change. ``header`` is how a Scenarios column names it (for people and the
    template); ``names`` the normalized headers it claims, or ``prefix`` a ``<prefix>: <limit
    name>`` header; ``help`` says what its cells hold."""

    kind: ClassVar[ChangeKind]
    header: ClassVar[str]
    help: ClassVar[str]
    names: ClassVar[tuple[str, ...]] = ()
    prefix: ClassVar[str] = ""

    def read(self, cell: Cell, target: Any, name: str) -> list[Change]:
        """The changes a cell of its column makes (none when the cell is refused). ``target`` is
        what the column's header names (a setting, or limits as (positions, first limit));
        ``name`` the limit's name as written."""
        raise NotImplementedError

    def apply(self, plan: Plan, change: Change, baseline_budget: float | None) -> Plan:
        """The plan with the change made (a budget change relative to ``baseline_budget``)."""
        raise NotImplementedError

    def tightens(self, plan: Plan, change: Change) -> bool:
        """True when the change can only shrink the set of allowed portfolios of ``plan`` (the
        objective unchanged), so the baseline's portfolio, when it still fits, stays optimal."""
        return False

    def accepts(self, limits: Sequence[Limit]) -> bool:
        """True when the change can be made to these limits (a limit change's target)."""
        return True


class SetBudget(ChangeRule):
    """A new budget."""

    kind = ChangeKind.BUDGET
    header = "Budget"
    help = "a new budget, e.g. 12,000,000"
    names = ("budget",)

    def read(self, cell: Cell, target: Any, name: str) -> list[Change]:
        number = cell.number(amount=True)
        if number is None:
            return []
        if number < 0:
            cell.refuse("out-of-range", f"Budget {_show(number)}: must not be negative")
            return []
        return [Change(self.kind, number, f"Budget {number:,.0f}", None, cell.where)]

    def apply(self, plan: Plan, change: Change, baseline_budget: float | None) -> Plan:
        return plan.with_settings(budget=float(change.value), budget_source=change.where or "scenario")

    def tightens(self, plan: Plan, change: Change) -> bool:
        return plan.settings.budget is not None and change.value <= plan.settings.budget


class MoveBudget(ChangeRule):
    """The budget moved by a share of the baseline's."""

    kind = ChangeKind.BUDGET_CHANGE
    header = "Budget change"
    help = "the budget moved by a share, e.g. -15%"
    names = ("budgetchange",)

    def read(self, cell: Cell, target: Any, name: str) -> list[Change]:
        number = cell.number(amount=False)
        if number is None:
            return []
        if number <= -1:
            cell.refuse("out-of-range", f"Budget change {_show(number)}: must be above -100%", "Write e.g. -15% or 0.1")
            return []
        return [Change(self.kind, number, f"Budget change {number:+.0%}", None, cell.where)]

    def apply(self, plan: Plan, change: Change, baseline_budget: float | None) -> Plan:
        base = plan.settings.budget if baseline_budget is None else baseline_budget
        return plan.with_settings(budget=base * (1 + change.value), budget_source=change.where or "scenario")

    def tightens(self, plan: Plan, change: Change) -> bool:
        move: float = change.value
        return move <= 0


class Force(ChangeRule):
    """Initiatives forced in (made Musts) or out (excluded)."""

    decision: ClassVar[Decision]

    def read(self, cell: Cell, target: Any, name: str) -> list[Change]:
        return [Change(self.kind, None, f"{self.header} {i}", i, cell.where) for i in cell.ids(self.header)]

    def apply(self, plan: Plan, change: Change, baseline_budget: float | None) -> Plan:
        i = plan.index(change.target)
        inis = list(plan.initiatives)
        inis[i] = replace(inis[i], decision=self.decision)
        return plan.with_initiatives(tuple(inis))

    def tightens(self, plan: Plan, change: Change) -> bool:
        return True


class ForceIn(Force):
    """Initiatives made Musts."""

    kind = ChangeKind.FORCE_IN
    header = "Force in"
    help = "IDs to select, separated by commas"
    names = ("forcein",)
    decision = Decision.MUST


class ForceOut(Force):
    """Initiatives left out (excluded)."""

    kind = ChangeKind.FORCE_OUT
    header = "Force out"
    help = "IDs to leave out, separated by commas"
    names = ("forceout",)
    decision = Decision.EXCLUDE


class Clear(Force):
    """Initiatives given back to the optimizer: a Must or an Exclude dropped."""

    kind = ChangeKind.CLEAR
    header = "Clear"
    help = "IDs the optimizer decides again (a Must or Exclude dropped), separated by commas"
    names = ("clear",)
    decision = Decision.FREE

    def tightens(self, plan: Plan, change: Change) -> bool:
        return plan.initiatives[plan.index(change.target)].decision is Decision.FREE


class SetSetting(ChangeRule):
    """A setting changed, e.g. Discount rate or Horizon (months)."""

    kind = ChangeKind.SETTING
    header = "a Settings name"
    help = "the setting's new value, e.g. Discount rate 12%"

    def read(self, cell: Cell, target: Any, name: str) -> list[Change]:
        attr, label = target
        parsed = cell.setting(attr, label)
        if parsed is None:
            return []
        shown = (
            parsed.value
            if isinstance(parsed, Objective)
            else (f"{parsed:.4g}" if isinstance(parsed, float) else parsed)
        )
        if attr == "discount_rate":
            shown = f"{parsed:.4g}".rstrip() if parsed >= 1 else f"{parsed:.1%}".replace(".0%", "%")
        return [Change(self.kind, parsed, f"{label} {shown}", attr, cell.where)]

    def apply(self, plan: Plan, change: Change, baseline_budget: float | None) -> Plan:
        return plan.with_settings(**{change.target: change.value})


class LimitChange(ChangeRule):
    """A change to the limits a header names (one, or every period's of a row)."""

    #: the cell may hold an amount (a currency symbol, k/M/bn)
    amount: ClassVar[bool] = False

    def read(self, cell: Cell, target: Any, name: str) -> list[Change]:
        ks, lim = target
        number = cell.number(amount=self.amount)
        if number is None:
            return []
        return self.make(cell, ks, lim, name, number)

    def make(self, cell: Cell, ks: tuple[int, ...], lim: Limit, name: str, number: float) -> list[Change]:
        """The change a read number makes, or none (refused at the cell)."""
        raise NotImplementedError

    def apply(self, plan: Plan, change: Change, baseline_budget: float | None) -> Plan:
        limits = list(plan.limits)
        for t in targets(change):
            limits[t] = self.changed(limits[t], change.value)
        return replace(plan, limits=tuple(limits))

    def changed(self, lim: Limit, value: Any) -> Limit:
        """One target limit with the change made."""
        raise NotImplementedError


class SetBound(LimitChange):
    """A limit's Max or Min set (a share limit's as a share)."""

    side: ClassVar[str]
    amount = True

    def make(self, cell: Cell, ks: tuple[int, ...], lim: Limit, name: str, number: float) -> list[Change]:
        if unit_of(lim) is Unit.SHARE:
            if not 0 <= number <= 1:
                cell.refuse("out-of-range", f"{cell.header} {_show(number)}: must be a share from 0% to 100%, e.g. 20%")
                return []
            return [Change(self.kind, number, f"{self.side.capitalize()} share {name} {number:.0%}", ks, cell.where)]
        return [Change(self.kind, number, f"{self.side.capitalize()} {name} {_show(number)}", ks, cell.where)]

    def changed(self, lim: Limit, value: Any) -> Limit:
        bound = float(value)
        return replace(lim, max=bound) if self.side == "max" else replace(lim, min=bound)


class SetMax(SetBound):
    """A limit's Max set."""

    kind = ChangeKind.LIMIT_MAX
    header = "Max: <limit>"
    help = "the limit's new Max (a share for a share limit: Max share: <limit>)"
    prefix = "max"
    side = "max"

    def tightens(self, plan: Plan, change: Change) -> bool:
        return all(lim.max is not None and change.value <= lim.max for lim in (plan.limits[t] for t in targets(change)))


class SetMin(SetBound):
    """A limit's Min set."""

    kind = ChangeKind.LIMIT_MIN
    header = "Min: <limit>"
    help = "the limit's new Min (a share for a share limit: Min share: <limit>)"
    prefix = "min"
    side = "min"

    def tightens(self, plan: Plan, change: Change) -> bool:
        return all(lim.min is not None and change.value >= lim.min for lim in (plan.limits[t] for t in targets(change)))


class ScaleLimit(LimitChange):
    """A limit's Max (or its Min, when it has no Max) moved by a share."""

    kind = ChangeKind.LIMIT_CHANGE
    header = "Change: <limit>"
    help = "the limit's Max (or Min) moved by a share, e.g. -50%"
    prefix = "change"

    def make(self, cell: Cell, ks: tuple[int, ...], lim: Limit, name: str, number: float) -> list[Change]:
        return [Change(self.kind, number, f"{name} change {number:+.0%}", ks, cell.where)]

    def changed(self, lim: Limit, value: Any) -> Limit:
        if lim.max is not None:
            return replace(lim, max=lim.max * (1 + value))
        return replace(lim, min=lim.min * (1 + value))

    def tightens(self, plan: Plan, change: Change) -> bool:
        return all(
            (lim.max is not None and lim.max * change.value <= 0) or (lim.max is None and lim.min * change.value >= 0)
            for lim in (plan.limits[t] for t in targets(change))
        )


class SetTolerance(LimitChange):
    """A limit's tolerance set: how far its Min or Max may be passed, at its penalty."""

    kind = ChangeKind.LIMIT_TOLERANCE
    header = "Tolerance: <limit>"
    help = "the limit's new tolerance, in its units or a % of the bound"
    prefix = "tolerance"

    def accepts(self, limits: Sequence[Limit]) -> bool:
        return not any(unit_of(lim) is Unit.SHARE for lim in limits)  # a share limit is kept exactly

    def make(self, cell: Cell, ks: tuple[int, ...], lim: Limit, name: str, number: float) -> list[Change]:
        if number < 0:
            cell.refuse("out-of-range", f"{cell.header} {_show(number)}: must not be negative")
            return []
        percent = cell.percent()
        shown = f"{number:.0%}" if percent else _show(number)
        return [Change(self.kind, (number, percent), f"Tolerance {name} {shown}", ks, cell.where)]

    def changed(self, lim: Limit, value: Any) -> Limit:
        amount, percent = value
        return replace(lim, tolerance=float(amount), tolerance_percent=bool(percent))


#: every kind of change, in the order the template lists them
CHANGES: tuple[ChangeRule, ...] = (
    SetBudget(),
    MoveBudget(),
    ForceIn(),
    ForceOut(),
    Clear(),
    SetSetting(),
    SetMax(),
    SetMin(),
    ScaleLimit(),
    SetTolerance(),
)
#: each kind's rule
BY_KIND: dict[ChangeKind, ChangeRule] = {rule.kind: rule for rule in CHANGES}
#: the kinds a ``<prefix>: <limit name>`` header names
LIMIT_PREFIXES: tuple[str, ...] = tuple(rule.prefix for rule in CHANGES if rule.prefix)


def apply_change(plan: Plan, change: Change, baseline_budget: float | None = None) -> Plan:
    """The plan with one change made (a budget change relative to ``baseline_budget``, default
    the plan's own budget)."""
    return BY_KIND[change.kind].apply(plan, change, baseline_budget)


def apply_changes(plan: Plan, changes: Sequence[Change]) -> Plan:
    """The plan with every change made, in order (budget changes relative to its own budget)."""
    out = plan
    for change in changes:
        out = apply_change(out, change, plan.settings.budget)
    return out


def only_tightens(plan: Plan, changes: Sequence[Change]) -> bool:
    """True when every change can only shrink the set of allowed portfolios (same objective)."""
    return all(BY_KIND[c.kind].tightens(plan, c) for c in changes)


def headers_help() -> str:
    """The Scenarios headers every kind accepts, for people: ``Budget, Budget change, ...``."""
    return ", ".join(rule.header for rule in CHANGES)
