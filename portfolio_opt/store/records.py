"""What the store hands back: runs, approvals, plans of record, the policy, scenarios, the
history and a verification, each plain data with its words (``lines()``) and its JSON
(``to_dict()``), as the command line prints them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from portfolio_opt.model.plan import Change, Scenario


def _money(x: float | None) -> str:
    return "none" if x is None else f"{x:,.0f}"


@dataclass(frozen=True)
class RunRecord:
    """One recorded run: its id, the command, the plan it decided on (by id, with the input
    file's name and SHA-256), when, how it ended, its value, cost, gap and solver, the portfolio
    it chose (``selection``; None when it chose no one portfolio), the settings it used, the
    details its command keeps, and the workbook it wrote (name and SHA-256) when it wrote one."""

    id: str
    command: str
    plan_id: str
    at: str
    status: str
    objective: float | None
    total_cost: float | None
    gap: float | None
    solver: str | None
    selection: tuple[str, ...] | None
    settings: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    source_name: str = ""
    source_sha256: str = ""
    output_name: str | None = None
    output_sha256: str | None = None

    @classmethod
    def from_row(cls, row: Any, plan: Any) -> RunRecord:
        """A run from its row in ``runs`` and its plan's row in ``plans``."""
        selection = json.loads(row["selection"])
        return cls(
            row["id"],
            row["command"],
            row["plan_id"],
            row["at"],
            row["status"],
            row["objective"],
            row["total_cost"],
            row["gap"],
            row["solver"],
            tuple(selection) if selection is not None else None,
            json.loads(row["settings"]),
            json.loads(row["details"]),
            plan["source_name"],
            plan["source_sha256"],
            row["output_name"],
            row["output_sha256"],
        )

    def to_dict(self) -> dict[str, Any]:
        """The run as JSON data."""
        return {
            "run_id": self.id,
            "command": self.command,
            "at": self.at,
            "plan_id": self.plan_id,
            "input_file": self.source_name,
            "input_sha256": self.source_sha256,
            "status": self.status,
            "objective": self.objective,
            "total_cost": self.total_cost,
            "gap": self.gap,
            "solver": self.solver,
            "selected": list(self.selection) if self.selection is not None else None,
            "settings": self.settings,
            "output": self.output_name,
            "output_sha256": self.output_sha256,
        }

    def line(self) -> str:
        """The run in one line."""
        chosen = f"{len(self.selection)} selected" if self.selection is not None else "no one portfolio"
        value = f"value {_money(self.objective)}" if self.objective is not None else self.status
        return f"{self.at}  run {self.id}  {self.command:<12} {self.source_name}  {self.status}, {value}, {chosen}"


@dataclass(frozen=True)
class Approval:
    """One approval or rejection (``verdict``) of a run's portfolio for a period, by whom, in
    which role (both self-declared on the command line), when, with its note."""

    seq: int
    run_id: str
    period: str
    verdict: str
    by: str
    role: str
    note: str
    at: str

    def to_dict(self) -> dict[str, Any]:
        """The approval as JSON data."""
        return {
            "event": self.seq,
            "run_id": self.run_id,
            "period": self.period,
            "verdict": self.verdict,
            "by": self.by,
            "role": self.role,
            "note": self.note,
            "at": self.at,
        }

    def line(self) -> str:
        """The approval in one line."""
        note = f'  "{self.note}"' if self.note else ""
        return f"{self.at}  {self.period}  {self.verdict:<8} {self.by} ({self.role})  run {self.run_id}{note}"


@dataclass(frozen=True)
class Policy:
    """Which roles must approve a portfolio for it to become a period's plan of record (none:
    one approval, by any role), who set it and when (empty for the default)."""

    roles: tuple[str, ...] = ()
    by: str = ""
    at: str = ""

    def words(self) -> str:
        """The policy in words."""
        if not self.roles:
            return "one approval, by any role"
        return " and ".join(self.roles) + " must each approve"

    def to_dict(self) -> dict[str, Any]:
        """The policy as JSON data."""
        return {"require": list(self.roles), "by": self.by or None, "at": self.at or None, "words": self.words()}


@dataclass(frozen=True)
class PlanOfRecord:
    """A period's plan of record: the run whose portfolio it is, when it was settled, the
    approvals that settled it. Immutable: the period has no other."""

    period: str
    run: RunRecord
    at: str
    approvals: tuple[Approval, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The plan of record as JSON data."""
        return {
            "period": self.period,
            "run_id": self.run.id,
            "settled_at": self.at,
            "approved_by": [{"by": a.by, "role": a.role, "at": a.at} for a in self.approvals],
            "objective": self.run.objective,
            "total_cost": self.run.total_cost,
            "selected": list(self.run.selection or ()),
            "input_file": self.run.source_name,
            "input_sha256": self.run.source_sha256,
        }

    def line(self) -> str:
        """The plan of record in one line."""
        who = ", ".join(f"{a.by} ({a.role})" for a in self.approvals)
        count = len(self.run.selection or ())
        return (
            f"{self.period}  run {self.run.id}  settled {self.at} by {who}  value {_money(self.run.objective)}, "
            f"{count} initiatives, from {self.run.source_name}"
        )


@dataclass(frozen=True)
class ApprovalOutcome:
    """What an approval or rejection did: the approval recorded, the roles the policy requires
    and those still missing, and the plan of record it settled (None when it settled none)."""

    approval: Approval
    required: tuple[str, ...]
    missing: tuple[str, ...]
    settled: PlanOfRecord | None = None

    def lines(self) -> list[str]:
        """What ``approve`` and ``reject`` print."""
        a = self.approval
        out = [f"Recorded: {a.by} ({a.role}) {a.verdict} run {a.run_id} for {a.period}"]
        if self.settled is not None:
            out.append(f"{a.period}'s plan of record is run {a.run_id}: settled, it cannot change")
        elif a.verdict == "approved":
            out.append(f"Still to approve for {a.period}: {', '.join(self.missing)}")
        return out

    def to_dict(self) -> dict[str, Any]:
        """The outcome as JSON data."""
        return {
            "status": "recorded",
            "approval": self.approval.to_dict(),
            "required": list(self.required),
            "missing": list(self.missing),
            "plan_of_record": self.settled.to_dict() if self.settled else None,
        }


@dataclass(frozen=True)
class ScenarioRecord:
    """A named what-if saved in the store: its changes against a recorded plan (and the run it
    started from, if any), who saved it and when. Saved again under its name, it is a new version."""

    seq: int
    name: str
    plan_id: str
    run_id: str | None
    changes: tuple[Change, ...]
    by: str
    at: str

    @property
    def scenario(self) -> Scenario:
        """The what-if as the model's :class:`~portfolio_opt.Scenario` (for :func:`portfolio_opt.run_scenarios`)."""
        return Scenario(self.name, self.changes)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as JSON data."""
        return {
            "name": self.name,
            "plan_id": self.plan_id,
            "run_id": self.run_id,
            "changes": [c.label for c in self.changes],
            "by": self.by,
            "at": self.at,
        }


@dataclass(frozen=True)
class History:
    """The record, or one period of it: plans of record, approvals, runs, plans, the policy."""

    plans_of_record: tuple[PlanOfRecord, ...]
    approvals: tuple[Approval, ...]
    runs: tuple[RunRecord, ...]
    plans: tuple[dict[str, Any], ...]
    policy: Policy
    period: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """What ``history --json`` prints."""
        return {
            "period": self.period,
            "policy": self.policy.to_dict(),
            "plans_of_record": [p.to_dict() for p in self.plans_of_record],
            "approvals": [a.to_dict() for a in self.approvals],
            "runs": [r.to_dict() for r in self.runs],
            "plans": list(self.plans),
        }

    def lines(self) -> list[str]:
        """What ``history`` prints."""
        out = [f"Policy: {self.policy.words()}"]
        for title, items in (
            ("Plans of record", self.plans_of_record),
            ("Approvals", self.approvals),
            ("Runs", self.runs),
        ):
            out.append(f"{title} ({len(items)})")
            out += [f"  {item.line()}" for item in items] or ["  none yet"]
        out.append(f"Plans ({len(self.plans)})")
        out += [
            f"  {p['at']}  {p['source_name']}  {p['initiatives']} initiatives  plan {p['plan_id'][:12]}"
            for p in self.plans
        ] or ["  none yet"]
        return out


@dataclass(frozen=True)
class Verification:
    """What ``audit verify`` found: the events checked, the last good event's hash, and the
    first event that does not match (its place, kind and why), None when the chain holds."""

    store: str
    events: int
    head: str
    seq: int | None = None
    kind: str = ""
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when every event and row matches."""
        return self.seq is None

    @property
    def exit_code(self) -> int:
        """0 when the chain holds, else the code of a record that does not verify."""
        from portfolio_opt.model.errors import EXIT_TAMPERED

        return 0 if self.ok else EXIT_TAMPERED

    def lines(self) -> list[str]:
        """What ``audit verify`` prints."""
        if self.ok:
            return [
                f"The record at {self.store} verifies: {self.events:,} events, every row matches its event",
                f"Head: {self.head} (keep it elsewhere to tell later that no event was removed from the end)",
            ]
        return [
            f"The record at {self.store} does not verify: event {self.seq} ({self.kind}) does not match",
            f"  {self.reason}",
            f"  The {self.events:,} events before it verify; the last good hash is {self.head}",
        ]

    def to_dict(self) -> dict[str, Any]:
        """What ``audit verify --json`` prints."""
        return {
            "status": "verified" if self.ok else "broken",
            "store": self.store,
            "events": self.events,
            "head": self.head,
            "first_bad": None if self.ok else {"event": self.seq, "kind": self.kind, "reason": self.reason},
        }
