"""The room's scenarios, kept in the plan of record (:class:`portfolio_opt.Store`, SQLite by default).

A scenario is saved against the plan recorded in the store (by the SHA-256 of its content) and
is known to the API by its place in the store's chain (an integer that never changes). A
scenario whose plan the server does not hold (it was saved by an earlier run of the server) is
loaded back from the store, so its link keeps working.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import portfolio_opt as po
from portfolio_opt.web.room import Plans, Refusal, Refused, Room, body_of


class Scenarios:
    """The store's scenarios as the API shows them; the store is opened on first use."""

    def __init__(self, db: str | None, plans: Plans):
        self.db, self.plans = db, plans
        self._store: Any = None
        self._by_record: dict[str, str] = {}  # the store's plan id -> the room's
        self._lock = threading.Lock()

    def store(self) -> Any:
        """The plan-of-record store (opened once)."""
        with self._lock:
            if self._store is None:
                self._store = po.open_store(self.db)
            return self._store

    def close(self) -> None:
        """Let go of the store."""
        if self._store is not None:
            self._store.close()

    def save(self, room: Room, name: str, changes: Sequence[po.Change], by: str) -> dict[str, Any]:
        """Save ``changes`` to ``room``'s plan as the scenario ``name``; its id and link."""
        store = self.store()
        record_id = store.record_plan(room.plan, by=by)
        self._by_record[record_id] = room.id
        saved = store.save_scenario(name, changes, plan_id=record_id, by=by)
        return self._shown(room, saved)

    def all(self) -> list[dict[str, Any]]:
        """Every saved scenario whose plan the server holds or can load."""
        return [self._shown(self._room(s.plan_id), s) for s in self.store().scenarios()]

    def get(self, scenario_id: int) -> tuple[Room, dict[str, Any]]:
        """The scenario with ``scenario_id`` and its plan's room; refused (404) when there is none."""
        for s in self.store().scenarios():
            if s.seq == scenario_id:
                room = self._room(s.plan_id)
                return room, self._shown(room, s)
        raise Refused([Refusal("id", f"no scenario has the id {scenario_id}", "GET /api/scenarios lists them")], 404)

    def approve(self, room: Room, result: Any, scenario: dict[str, Any], verdict: dict[str, Any]) -> dict[str, Any]:
        """Record the scenario's optimum (``result``) as a run and approve it for a period, as
        ``portfolio-opt approve`` does: when every role the policy requires has approved, it is
        the period's plan of record. Raises :class:`~portfolio_opt.RecordRefused` when refused."""
        store = self.store()
        run = store.record_run("optimize", result, by=verdict["by"])
        outcome = store.approve(run.id, verdict["by"], verdict["role"], verdict.get("period"), verdict.get("note", ""))
        return {"scenario": scenario["id"], "run": run.id} | outcome.to_dict()

    def record(self) -> dict[str, Any]:
        """Every period's plan of record and the approvals, as the store keeps them."""
        store = self.store()
        return {
            "plans_of_record": [p.to_dict() for p in store.plans_of_record()],
            "approvals": [a.to_dict() for a in store.approvals()],
            "policy": store.policy().to_dict(),
        }

    def _room(self, record_id: str) -> Room:
        """The room of a recorded plan: the one the server holds, else loaded from the store."""
        if record_id in self._by_record:
            return self.plans.get(self._by_record[record_id])
        store = self.store()
        for room in self.plans:
            if store.record_plan(room.plan) == record_id:
                self._by_record[record_id] = room.id
                return room
        plan = store.plan(record_id)
        room = self.plans.add(plan.source_name or "recorded plan", record_id.encode(), plan)
        self._by_record[record_id] = room.id
        return room

    @staticmethod
    def _shown(room: Room, s: Any) -> dict[str, Any]:
        return {
            "id": s.seq,
            "name": s.name,
            "plan": room.id,
            "what_if": body_of(room.plan, s.changes),
            "changes": [c.label for c in s.changes],
            "by": s.by,
            "at": s.at,
            "link": f"/#scenario={s.seq}",
        }
