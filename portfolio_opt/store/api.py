"""The plan of record: :func:`open_store` and the :class:`Store` every face records to and reads
from (the command line, the web app).

A store holds each plan a run decided on, each run of a deciding command, approvals and
rejections of a run's portfolio for a period, the approval policy, each period's plan of
record, and named what-if scenarios; all of it append-only, in a hash chain
(:mod:`portfolio_opt.store.chain`). Every write is one transaction under the store's write
lock: a fact is recorded whole or not at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

from portfolio_opt.model.errors import RecordRefused
from portfolio_opt.model.plan import Change, Plan
from portfolio_opt.store import chain, connect, facts, migrate, schema
from portfolio_opt.store.codec import canonical, decode, digest, encode, plan_from_text, plan_text
from portfolio_opt.store.records import (
    Approval,
    ApprovalOutcome,
    History,
    PlanOfRecord,
    Policy,
    RunRecord,
    ScenarioRecord,
    Verification,
)
from portfolio_opt.store.schema import sa


def open_store(url: str | os.PathLike | None = None) -> Store:
    """Open the store at ``url`` (a ``sqlite:///`` or ``postgresql://`` URL, or a file), else the
    one ``PORTFOLIO_OPT_DB`` names, else the default file (:func:`portfolio_opt.default_store`); it is made,
    or its schema brought up to date, on first use.

    Raises :class:`~portfolio_opt.StoreError` when it cannot be used (exit 9) and
    :class:`~portfolio_opt.Unavailable` when the ``store`` (or ``postgres``) extra is missing.
    """
    return Store(url)


class Store:
    """The record of a portfolio's plans, runs, approvals and plans of record (see
    :func:`open_store`). Use it as a context manager, or :meth:`close` it."""

    def __init__(self, url: str | os.PathLike | None = None):
        self.url = connect.resolve(url)
        self.name = connect.redact(self.url)
        with connect.failures(self.url):
            self.engine = connect.engine(self.url)
            migrate.upgrade(self.engine, self.url)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the store's connections."""
        self.engine.dispose()

    @contextlib.contextmanager
    def _writing(self) -> Iterator[Any]:
        """A transaction holding the write lock: every fact of one call is recorded, or none."""
        with connect.failures(self.url), self.engine.connect().execution_options(write=True) as conn:
            with conn.begin():
                migrate.lock(conn)
                yield conn

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Any]:
        with connect.failures(self.url), self.engine.connect() as conn, conn.begin():
            yield conn

    # ------------------------------------------------------------------ plans and runs

    @staticmethod
    def new_run_id() -> str:
        """A fresh run id (12 hex digits), to write in a workbook before its run is recorded."""
        return uuid.uuid4().hex[:12]

    def record_plan(self, plan: Plan, by: str | None = None) -> str:
        """Record a plan as read (once: a plan recorded again is found by its content) and
        return its id, the SHA-256 of its content."""
        with self._writing() as conn:
            return self._plan(conn, plan, by)

    def _plan(self, conn: Any, plan: Plan, by: str | None) -> str:
        # a run's plan is often the plan recorded a moment before (the command line records the
        # plan as read while it computes): known plans are not encoded again
        known = self.__dict__.setdefault("_known", [])
        found = next((pid for p, pid in known if p is plan or p == plan), None)
        if found is not None and conn.execute(sa.select(schema.plans.c.id).where(schema.plans.c.id == found)).first():
            return found
        text = plan_text(plan)
        plan_id = digest(text)
        known.append((plan, plan_id))
        if conn.execute(sa.select(schema.plans.c.id).where(schema.plans.c.id == plan_id)).first() is None:
            row = {
                "id": plan_id,
                "source_name": plan.source_name,
                "source_sha256": plan.source_sha256,
                "initiatives": len(plan.initiatives),
                "limits": len(plan.all_limits()),
                "content": zlib.compress(text.encode("ascii"), 1),
            }
            chain.append(conn, "plan", row, by)
        return plan_id

    def record_run(
        self,
        command: str,
        outcome: Any,
        run_id: str | None = None,
        output: str | os.PathLike | None = None,
        by: str | None = None,
    ) -> RunRecord:
        """Record a run of ``command`` (``optimize``, ``scenarios``, ...) from what it returned (a
        :class:`~portfolio_opt.Result` or an analysis' result), with the plans it decided on.
        ``run_id`` is the id the run's workbook carries (:meth:`new_run_id`; a fresh one when not
        given); ``output``, the workbook it wrote, is kept by its digests so :meth:`approve`
        can tell it from an edited copy. Returns the run as recorded."""
        if command not in facts.COMMANDS:
            raise ValueError(f"{command!r} is not a deciding command: one of {', '.join(facts.COMMANDS)}")
        f = facts.run_facts(outcome)
        stamp = None
        if output is not None:
            from portfolio_opt.workbook.stamp import written_stamp

            stamp = written_stamp(output)
        run_id = run_id or self.new_run_id()
        details = dict(f.details)
        with self._writing() as conn:
            ids = [self._plan(conn, plan, by) for plan in f.plans]
            if len(ids) > 1:
                details["plan_ids"] = ids
            row = _run_row(run_id, command, ids[0], f, details, stamp)
            chain.append(conn, "run", row, by, at=row["at"])
            return RunRecord.from_row(row, _plan_row(conn, ids[0]))

    def run(self, run_id: str) -> RunRecord:
        """The run with this id (or the only one whose id starts with it). Raises
        :class:`~portfolio_opt.RecordRefused` when the store holds none."""
        with self._reading() as conn:
            return self._run(conn, run_id)

    def _run(self, conn: Any, run_id: str) -> RunRecord:
        run_id = str(run_id).strip().lower()
        rows = (
            conn.execute(sa.select(schema.runs).where(schema.runs.c.id.startswith(run_id, autoescape=True)))
            .mappings()
            .all()
        )
        exact = [r for r in rows if r["id"] == run_id]
        if exact or len(rows) == 1:
            row = (exact or rows)[0]
            return RunRecord.from_row(row, _plan_row(conn, row["plan_id"]))
        if rows:
            raise RecordRefused(f"{run_id!r} starts the ids of {len(rows)} runs in {self.name}: type more of it")
        raise RecordRefused(f"no run {run_id!r} in the store {self.name}: was it recorded in another store (--db)?")

    def runs(self) -> list[RunRecord]:
        """Every recorded run, oldest first."""
        with self._reading() as conn:
            return self._runs(conn)

    def _runs(self, conn: Any) -> list[RunRecord]:
        plans = {
            r["id"]: r
            for r in conn.execute(
                sa.select(schema.plans.c.id, schema.plans.c.source_name, schema.plans.c.source_sha256)
            ).mappings()
        }
        rows = conn.execute(sa.select(schema.runs).order_by(schema.runs.c.event_seq)).mappings()
        return [RunRecord.from_row(r, plans[r["plan_id"]]) for r in rows]

    def plan(self, plan_id: str) -> Plan:
        """A recorded plan, as it was recorded (equal to it, field by field)."""
        with self._reading() as conn:
            return self._plan_content(conn, plan_id)

    def _plan_content(self, conn: Any, plan_id: str) -> Plan:
        row = conn.execute(sa.select(schema.plans.c.content).where(schema.plans.c.id == plan_id)).first()
        if row is None:
            raise RecordRefused(f"no plan {plan_id!r} in the store {self.name}")
        return plan_from_text(zlib.decompress(row.content).decode("ascii"))

    def selection(self, run_id: str) -> tuple[str, ...] | None:
        """The portfolio a run chose (IDs; None when it chose no one portfolio)."""
        return self.run(run_id).selection

    # ------------------------------------------------------------------ approvals

    def approve(
        self, target: str | os.PathLike, by: str, role: str, period: str | None = None, note: str = ""
    ) -> ApprovalOutcome:
        """Approve the portfolio of a run for ``period``: ``target`` is a results workbook (the
        run is the one its Run info names, and the workbook must be as the run wrote it) or a
        run id. ``by`` and ``role`` are who approves, as they say (the web app ties them to a
        login). ``period`` is e.g. ``2027-Q1`` (default: the plan's Review date's quarter, else
        its first period). When every role the policy requires has approved, the run's
        portfolio becomes the period's plan of record, which never changes.

        Raises :class:`~portfolio_opt.RecordRefused` (nothing recorded) for an edited workbook,
        an unknown run, a run with no portfolio, or a period already settled.
        """
        return self._verdict("approved", target, by, role, period, note)

    def reject(
        self, target: str | os.PathLike, by: str, role: str, period: str | None = None, note: str = ""
    ) -> ApprovalOutcome:
        """Reject the portfolio of a run for ``period``, with a ``note`` saying why (as
        :meth:`approve` takes them). A rejection withdraws that role's earlier approval of the run."""
        if not note.strip():
            raise RecordRefused("a rejection says why: give a note")
        return self._verdict("rejected", target, by, role, period, note)

    def _verdict(self, verdict: str, target: Any, by: str, role: str, period: str | None, note: str) -> ApprovalOutcome:
        by, role = _who(by, "name"), _who(role, "role")
        stamp = _stamp(target)
        with self._writing() as conn:
            run = self._run(conn, stamp.run_id if stamp else str(target))
            if stamp is not None:
                self._check_workbook(conn, run, stamp)
            if run.selection is None:
                raise RecordRefused(f"run {run.id} ({run.command}) chose no one portfolio: approve a run that did")
            period = self._period(conn, run, period)
            row = {"run_id": run.id, "period": period, "verdict": verdict, "by": by, "role": role, "note": note.strip()}
            row["at"] = chain.now()
            seq = chain.append(conn, "approval" if verdict == "approved" else "rejection", row, by, at=row["at"])
            approval = Approval(seq, **row)
            policy = self._policy(conn)
            missing = self._missing(conn, run.id, period, policy)
            settled = None
            if verdict == "approved" and not missing:
                at = chain.now()
                chain.append(conn, "record", {"period": period, "run_id": run.id, "at": at}, by, at=at)
                settled = self._plan_of_record(conn, period)
            return ApprovalOutcome(approval, policy.roles, missing, settled)

    def _check_workbook(self, conn: Any, run: RunRecord, stamp: Any) -> None:
        """Refuse a workbook that is not, byte for byte in every sheet, the one the run wrote."""
        if stamp.input_sha256 != run.source_sha256:
            raise RecordRefused(
                f"{stamp.name}: its Run info's Input SHA-256 is not that of the input run {run.id} read "
                f"({run.source_name}): its Run info was edited; approve the workbook as the run wrote it"
            )
        row = conn.execute(sa.select(schema.runs.c.output_sheets).where(schema.runs.c.id == run.id)).first()
        if row is None or row.output_sheets is None:
            raise RecordRefused(f"run {run.id} was recorded without a workbook: approve it by its run id")
        written = json.loads(row.output_sheets)
        if written != stamp.sheets:
            raise RecordRefused(
                f"{stamp.name} was changed after run {run.id} wrote it: {_changed(written, stamp.sheets)}"
            )

    def _period(self, conn: Any, run: RunRecord, period: str | None) -> str:
        if period is None or not str(period).strip():
            period = facts.plan_period(self._plan_content(conn, run.plan_id))
            if period is None:
                raise RecordRefused(
                    f"which period is run {run.id}'s portfolio for? Its plan has no Review date or first period: "
                    "say it, e.g. --period 2027-Q1"
                )
        try:
            period = facts.period_label(period)
        except ValueError as exc:
            raise RecordRefused(str(exc)) from None
        settled = conn.execute(sa.select(schema.records).where(schema.records.c.period == period)).mappings().first()
        if settled is not None:
            same = " (this run)" if settled["run_id"] == run.id else ""
            raise RecordRefused(
                f"{period}'s plan of record is run {settled['run_id']}{same}, settled on {settled['at']}: it cannot "
                "change, so nothing was recorded; record a new portfolio for another period"
            )
        return period

    def _missing(self, conn: Any, run_id: str, period: str, policy: Policy) -> tuple[str, ...]:
        """The roles the policy requires whose latest word on this run for this period is not an
        approval (with no roles required: none once anyone's latest word approves)."""
        rows = conn.execute(
            sa.select(schema.approvals)
            .where(schema.approvals.c.run_id == run_id, schema.approvals.c.period == period)
            .order_by(schema.approvals.c.event_seq)
        ).mappings()
        latest: dict[str, str] = {}
        for r in rows:
            latest[r["role"].casefold()] = r["verdict"]
        if not policy.roles:
            return () if "approved" in latest.values() else ("any role",)
        return tuple(role for role in policy.roles if latest.get(role.casefold()) != "approved")

    # ------------------------------------------------------------------ policy, plans of record

    def set_policy(self, roles: Sequence[str], by: str = "") -> Policy:
        """Require an approval from each of ``roles`` for a portfolio to become a period's plan of
        record (none: one approval, by any role). Applies from the next approval on."""
        roles = tuple(dict.fromkeys(_who(r, "role") for r in roles))
        with self._writing() as conn:
            at = chain.now()
            chain.append(
                conn, "policy", {"roles": json.dumps(list(roles)), "by": by or "", "at": at}, by or None, at=at
            )
        return Policy(roles, by or "", at)

    def policy(self) -> Policy:
        """The approval policy in force."""
        with self._reading() as conn:
            return self._policy(conn)

    def _policy(self, conn: Any) -> Policy:
        row = (
            conn.execute(sa.select(schema.policies).order_by(schema.policies.c.event_seq.desc()).limit(1))
            .mappings()
            .first()
        )
        return Policy() if row is None else Policy(tuple(json.loads(row["roles"])), row["by"], row["at"])

    def plans_of_record(self) -> list[PlanOfRecord]:
        """Every period's plan of record, in period order (quarters and months by time, other
        labels by when they were settled)."""
        with self._reading() as conn:
            return self._plans_of_record(conn)

    def _plans_of_record(self, conn: Any) -> list[PlanOfRecord]:
        periods = conn.execute(sa.select(schema.records.c.period).order_by(schema.records.c.event_seq)).scalars().all()
        return [self._plan_of_record(conn, p) for p in _in_order(periods)]

    def plan_of_record(self, period: str) -> PlanOfRecord:
        """The plan of record of ``period``. Raises :class:`~portfolio_opt.RecordRefused` when the
        period has none (yet)."""
        with self._reading() as conn:
            return self._plan_of_record(conn, facts.period_label(period))

    def _plan_of_record(self, conn: Any, period: str) -> PlanOfRecord:
        row = conn.execute(sa.select(schema.records).where(schema.records.c.period == period)).mappings().first()
        if row is None:
            raise RecordRefused(f"{period} has no plan of record in the store {self.name}")
        rows = conn.execute(
            sa.select(schema.approvals)
            .where(schema.approvals.c.run_id == row["run_id"], schema.approvals.c.period == period)
            .where(schema.approvals.c.verdict == "approved", schema.approvals.c.event_seq < row["event_seq"])
            .order_by(schema.approvals.c.event_seq)
        ).mappings()
        approvals = tuple(Approval(r["event_seq"], *(r[k] for k in _APPROVAL_COLUMNS)) for r in rows)
        return PlanOfRecord(period, self._run(conn, row["run_id"]), row["at"], approvals)

    def last_plan_of_record(self, before: str | Plan | None = None) -> PlanOfRecord:
        """The latest plan of record, before period ``before`` when it is a quarter or a month
        (or a plan: the period it is for, see :func:`portfolio_opt.store.facts.plan_period`):
        last quarter's, for a review."""
        if isinstance(before, Plan):
            before = facts.plan_period(before)
        with self._reading() as conn:
            periods = _in_order(
                conn.execute(sa.select(schema.records.c.period).order_by(schema.records.c.event_seq)).scalars().all()
            )
            key = facts.period_key(facts.period_label(before)) if before else None
            if key is not None:
                periods = [p for p in periods if (facts.period_key(p) or key) < key]
            if not periods:
                where = f" before {before}" if before else ""
                raise RecordRefused(
                    f"the store {self.name} has no plan of record{where}: give last quarter's results workbook instead"
                )
            return self._plan_of_record(conn, periods[-1])

    def portfolio_plan(self, run: RunRecord) -> Plan:
        """The plan a run decided on, marked with the portfolio it chose (as a results workbook
        read back is): what ``review`` and ``diff`` compare."""
        from dataclasses import replace

        return replace(self.plan(run.plan_id), selection=run.selection)

    def portfolio(self, ref: str | os.PathLike) -> tuple[str, Plan, float | None]:
        """A portfolio named as people name it: a period (its plan of record), a run id, or a
        workbook (a results workbook, or a plan with a Selected column; else its optimum).
        Returns its name, its plan marked with its selection, and its value when recorded."""
        text = os.fspath(ref) if isinstance(ref, os.PathLike) else str(ref)
        if os.path.isfile(text):
            from portfolio_opt.workbook.files import read_plan

            return os.path.splitext(os.path.basename(text))[0], read_plan(text), None
        try:
            found = self.plan_of_record(text)
            return f"{found.period} plan of record", self.portfolio_plan(found.run), found.run.objective
        except (RecordRefused, ValueError):
            pass
        try:
            run = self.run(text)
        except RecordRefused:
            raise RecordRefused(
                f"{text!r} is not a period with a plan of record, a run id or a workbook in the store {self.name}"
            ) from None
        return f"run {run.id}", self.portfolio_plan(run), run.objective

    def diff(self, a: str | os.PathLike, b: str | os.PathLike, workers: int | None = None) -> Any:
        """What changed between portfolios ``a`` and ``b`` (each as :meth:`portfolio` takes it)
        and why: a :class:`~portfolio_opt.PortfolioDiff`."""
        from portfolio_opt.analyses.diff import diff_portfolios

        (a_name, a_plan, a_value), (b_name, b_plan, b_value) = self.portfolio(a), self.portfolio(b)
        return diff_portfolios(a_plan, b_plan, a_name=a_name, b_name=b_name, values=(a_value, b_value), workers=workers)

    # ------------------------------------------------------------------ history

    def approvals(self, period: str | None = None) -> list[Approval]:
        """Every approval and rejection (of ``period``, when given), oldest first."""
        with self._reading() as conn:
            query = sa.select(schema.approvals).order_by(schema.approvals.c.event_seq)
            if period:
                query = query.where(schema.approvals.c.period == facts.period_label(period))
            return [
                Approval(r["event_seq"], *(r[k] for k in _APPROVAL_COLUMNS)) for r in conn.execute(query).mappings()
            ]

    def history(self, period: str | None = None) -> History:
        """The record: plans of record, approvals, runs, plans and the policy; of one period
        (its plan of record, its approvals and the runs they concern) when ``period`` is given."""
        period = facts.period_label(period) if period else None
        approvals = self.approvals(period)
        with self._reading() as conn:
            records = [p for p in self._plans_of_record(conn) if period in (None, p.period)]
            runs = self._runs(conn)
            plans = [
                {
                    "plan_id": r["id"],
                    "source_name": r["source_name"],
                    "source_sha256": r["source_sha256"],
                    "initiatives": r["initiatives"],
                    "at": r["at"],
                }
                for r in conn.execute(
                    sa.select(
                        schema.plans.c.id,
                        schema.plans.c.source_name,
                        schema.plans.c.source_sha256,
                        schema.plans.c.initiatives,
                        schema.events.c.at,
                    )
                    .join(schema.events, schema.events.c.seq == schema.plans.c.event_seq)
                    .order_by(schema.plans.c.event_seq)
                ).mappings()
            ]
            policy = self._policy(conn)
        if period:
            concerned = {a.run_id for a in approvals}
            runs = [r for r in runs if r.id in concerned]
            plans = [p for p in plans if p["plan_id"] in {r.plan_id for r in runs}]
        return History(tuple(records), tuple(approvals), tuple(runs), tuple(plans), policy, period)

    def write_history(self, path: str | os.PathLike, period: str | None = None, force: bool = False) -> None:
        """Write the record (:meth:`history`) as a workbook: plans of record by period, the
        portfolio of each period, approvals, runs."""
        from portfolio_opt.store.workbook import history_sheets
        from portfolio_opt.workbook.record import write_record

        write_record(history_sheets(self.history(period)), path, force=force)

    # ------------------------------------------------------------------ scenarios

    def save_scenario(
        self, name: str, changes: Sequence[Change], run_id: str | None = None, plan_id: str | None = None, by: str = ""
    ) -> ScenarioRecord:
        """Save a named what-if: ``changes`` against the plan of run ``run_id`` (or the recorded
        plan ``plan_id``). Saved again under the same name, it is a new version; the old stays."""
        name = _who(name, "scenario name")
        with self._writing() as conn:
            if run_id is not None:
                run = self._run(conn, run_id)
                run_id, plan_id = run.id, run.plan_id
            if plan_id is None:
                raise ValueError("a scenario is saved against a recorded run (run_id) or plan (plan_id)")
            self._plan_content(conn, plan_id)  # it must be recorded
            at = chain.now()
            row = {
                "name": name,
                "plan_id": plan_id,
                "run_id": run_id,
                "changes": canonical(encode(tuple(changes))),
                "by": by,
                "at": at,
            }
            seq = chain.append(conn, "scenario", row, by or None, at=at)
        return ScenarioRecord(seq, name, plan_id, run_id, tuple(changes), by, at)

    def scenario(self, name: str) -> ScenarioRecord:
        """The latest version of the scenario saved as ``name``."""
        found = [s for s in self.scenarios() if s.name == name.strip()]
        if not found:
            raise RecordRefused(f"no scenario named {name!r} in the store {self.name}")
        return found[-1]

    def scenarios(self) -> list[ScenarioRecord]:
        """Every saved scenario, each version, oldest first."""
        with self._reading() as conn:
            rows = conn.execute(sa.select(schema.scenarios).order_by(schema.scenarios.c.event_seq)).mappings()
            return [
                ScenarioRecord(
                    r["event_seq"],
                    r["name"],
                    r["plan_id"],
                    r["run_id"],
                    decode(json.loads(r["changes"])),
                    r["by"],
                    r["at"],
                )
                for r in rows
            ]

    # ------------------------------------------------------------------ tamper evidence

    def verify(self) -> Verification:
        """Walk the hash chain and check every row against its event (see
        :mod:`portfolio_opt.store.chain`): the first event that does not match, if any."""
        with self._reading() as conn:
            count, head, found = chain.verify(conn)
        if found is None:
            return Verification(self.name, count, head)
        return Verification(self.name, count, head, found.seq, found.kind, found.reason)


_APPROVAL_COLUMNS = ("run_id", "period", "verdict", "by", "role", "note", "at")


def _run_row(run_id: str, command: str, plan_id: str, f: facts.RunFacts, details: dict, stamp: Any) -> dict[str, Any]:
    """A run's row in ``runs``."""
    return {
        "id": run_id.lower(),
        "command": command,
        "plan_id": plan_id,
        "at": chain.now(),
        "status": f.status,
        "objective": f.objective,
        "total_cost": f.total_cost,
        "gap": f.gap,
        "solver": f.solver,
        "settings": canonical(facts.settings_used(f.plans[0].settings)),
        "selection": canonical(list(f.selection) if f.selection is not None else None),
        "details": canonical(details),
        "output_name": stamp.name if stamp else None,
        "output_sha256": stamp.sha256 if stamp else None,
        "output_sheets": canonical(stamp.sheets) if stamp else None,
    }


def _plan_row(conn: Any, plan_id: str) -> Any:
    return (
        conn.execute(
            sa.select(schema.plans.c.source_name, schema.plans.c.source_sha256).where(schema.plans.c.id == plan_id)
        )
        .mappings()
        .one()
    )


def _stamp(target: Any) -> Any:
    """A results workbook's stamp when ``target`` is a workbook, None when it is a run id."""
    text = os.fspath(target) if isinstance(target, os.PathLike) else str(target)
    if not (text.lower().endswith((".xlsx", ".xlsm")) or os.path.isfile(text)):
        return None
    from portfolio_opt.workbook.stamp import read_stamp

    stamp = read_stamp(text)
    if stamp.run_id is None:
        raise RecordRefused(
            f"{stamp.name} has no Run ID in its Run info: it was written without a store, so it has no record to "
            "approve. Rerun its command with --db (or PORTFOLIO_OPT_DB set) and approve the workbook it writes"
        )
    return stamp


def _changed(written: dict[str, str], now: dict[str, str]) -> str:
    """Which sheets differ, in words, with the likely reason."""
    changed = [name for name in written if name in now and now[name] != written[name]]
    added = [name for name in now if name not in written]
    gone = [name for name in written if name not in now]
    parts = []
    if changed:
        parts.append("changed: " + ", ".join(changed))
    if added:
        parts.append("added: " + ", ".join(added))
    if gone:
        parts.append("removed: " + ", ".join(gone))
    hint = (
        " (every sheet differs: it was saved again by a spreadsheet program, which rewrites every sheet even unedited)"
        if changed and len(changed) >= len(written) - 1
        else ""
    )
    return "; ".join(parts) + hint + ". Approve the workbook as the run wrote it, or rerun the run"


def _who(text: str, what: str) -> str:
    text = " ".join(str(text or "").split())
    if not text or len(text) > 200:
        raise RecordRefused(f"a {what} of 1 to 200 characters is needed, not {text!r}")
    return text


def _in_order(periods: Sequence[str]) -> list[str]:
    """Periods in time order: quarters and months by when they fall, other labels after them in
    the order they were settled."""
    keyed = [(facts.period_key(p), k, p) for k, p in enumerate(periods)]
    dated = sorted((key, k, p) for key, k, p in keyed if key is not None)
    return [p for _, _, p in dated] + [p for key, _, p in keyed if key is None]
