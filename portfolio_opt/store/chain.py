"""The hash chain: every event carries the hash of the one before it and its own, so an event
edited, removed or moved shows where the chain first breaks (:func:`verify`).

An event's hash is the SHA-256 of the canonical JSON of its place (``seq``), kind, time, actor,
body and the previous event's hash; the first event's previous hash is :data:`GENESIS`. Each
fact's row in its own table must equal its event's body, and a recorded plan's content must
hash to its id, so a row changed outside the log is named too.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from portfolio_opt.store import schema
from portfolio_opt.store.codec import canonical, digest
from portfolio_opt.store.schema import sa

GENESIS = "0" * 64


def now() -> str:
    """The time now in UTC, to the second, as events record it: ``2027-01-05T09:30:00Z``."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_hash(seq: int, kind: str, at: str, actor: str | None, body: str, prev: str) -> str:
    """The hash of one event (see the module's docstring)."""
    fields = {"seq": seq, "kind": kind, "at": at, "actor": actor, "body": body, "prev": prev}
    return hashlib.sha256(canonical(fields).encode("ascii")).hexdigest()


def head(conn: Any) -> tuple[int, str]:
    """The last event's place and hash ((0, :data:`GENESIS`) for an empty record)."""
    row = conn.execute(
        sa.select(schema.events.c.seq, schema.events.c.hash).order_by(schema.events.c.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def append(conn: Any, kind: str, row: dict[str, Any], actor: str | None = None, at: str | None = None) -> int:
    """Record one fact: its event at the end of the chain, then its ``row`` in its table (the
    row's columns are the event's body). Runs inside the caller's write transaction, which holds
    the lock, so no two events take one place. Returns the event's place."""
    table = schema.TABLES[kind]
    at = at or now()
    body = canonical(body_of(kind, row))
    seq, prev = head(conn)
    seq += 1
    conn.execute(
        schema.events.insert().values(
            seq=seq,
            kind=kind,
            at=at,
            actor=actor,
            body=body,
            prev_hash=prev,
            hash=event_hash(seq, kind, at, actor, body, prev),
        )
    )
    conn.execute(table.insert().values(event_seq=seq, **row))
    return seq


def body_of(kind: str, row: dict[str, Any]) -> dict[str, Any]:
    """What an event's body says of its row: every column but its place (and a plan's content,
    which its id is the digest of)."""
    skip = {"event_seq", "content"}
    return {k: _plain(v) for k, v in row.items() if k not in skip}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # a float column may give 3.0 back where 3 was written
    return value


@dataclass(frozen=True)
class Break:
    """Where the chain first fails: the event's place and kind, and what does not match."""

    seq: int
    kind: str
    reason: str


def verify(conn: Any) -> tuple[int, str, Break | None]:
    """Walk the chain from the first event: (events checked, the last good hash, the first
    :class:`Break`, or None when every event and row matches)."""
    prev, expected, count = GENESIS, 1, 0
    rows = conn.execute(sa.select(schema.events).order_by(schema.events.c.seq)).mappings()
    bodies: dict[int, tuple[str, str]] = {}
    for ev in rows:
        if ev["seq"] > expected:  # the events from the expected place up to this one are gone
            gone = f"event {expected}" if ev["seq"] == expected + 1 else f"events {expected} to {ev['seq'] - 1}"
            verb = "is" if ev["seq"] == expected + 1 else "are"
            reason = f"{gone} {verb} missing: removed (event {ev['seq']} follows event {expected - 1})"
            return count, prev, Break(expected, "missing", reason)
        problem = _check_event(ev, prev, expected)
        if problem:
            return count, prev, Break(ev["seq"], ev["kind"], problem)
        bodies[ev["seq"]] = (ev["kind"], ev["body"])
        prev, expected, count = ev["hash"], ev["seq"] + 1, count + 1
    found = _check_rows(conn, bodies)
    return count, prev, found


def _check_event(ev: Any, prev: str, expected: int) -> str:
    """What is wrong with one event, read in order after ``prev`` (empty when nothing)."""
    if ev["seq"] != expected:
        return f"it is recorded twice or out of place (expected event {expected})"
    if ev["prev_hash"] != prev:
        return (
            "its previous hash is not the hash of the event before it: an event before it was removed, moved or changed"
        )
    if event_hash(ev["seq"], ev["kind"], ev["at"], ev["actor"], ev["body"], ev["prev_hash"]) != ev["hash"]:
        return "its content does not match its hash: it was changed after it was recorded"
    if ev["kind"] not in schema.TABLES:
        return f"its kind {ev['kind']!r} is not one the record writes"
    return ""


def _check_rows(conn: Any, bodies: dict[int, tuple[str, str]]) -> Break | None:
    """Each fact's row against its event's body; the first that differs, is missing or has no
    event, by the event's place."""
    seen: set[int] = set()
    breaks: list[Break] = []
    for table in dict.fromkeys(schema.TABLES.values()):
        for row in conn.execute(sa.select(table)).mappings():
            seq = row["event_seq"]
            seen.add(seq)
            kind, body = bodies.get(seq, ("", ""))
            problem = _row_problem(table, dict(row), kind, body)
            if problem:
                breaks.append(Break(seq, kind or table.name, problem))
    breaks += [
        Break(seq, kind, f"its row in {schema.TABLES[kind].name} is missing: it was deleted")
        for seq, (kind, _) in bodies.items()
        if seq not in seen
    ]
    return min(breaks, key=lambda b: b.seq) if breaks else None


def _row_problem(table: Any, row: dict[str, Any], kind: str, body: str) -> str:
    if not kind:
        return f"a row of {table.name} has no event in the chain: it was added outside the record"
    if schema.TABLES[kind] is not table:
        return f"a row of {table.name} belongs to a {kind} event"
    if canonical(body_of(kind, row)) != canonical(json.loads(body)):
        return f"its row in {table.name} does not match what the event recorded: the row was changed"
    if table is schema.plans and digest(zlib.decompress(row["content"]).decode("ascii")) != row["id"]:
        return "the recorded plan's content does not hash to its id: the plan was changed"
    return ""
