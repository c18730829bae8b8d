"""The record's tables, as the queries see them (the migrations in ``migrations/versions`` make
them; a test holds the two equal).

``events`` is the log: every fact recorded is one event, in order (``seq``), carrying the hash
of the event before it and its own (a hash chain over ``kind``, ``at``, ``actor`` and ``body``,
the fact as canonical JSON). Each fact is also a row of its own table, for queries, whose
columns are exactly its event's body, so a row changed behind the log's back is seen. Every
table refuses UPDATE and DELETE (triggers).
"""

from __future__ import annotations

from portfolio_opt.store.connect import sqlalchemy

sa = sqlalchemy()

#: the schema revisions this version knows, oldest first; the last is the one it writes
REVISIONS = ("0001", "0002")
HEAD = REVISIONS[-1]

metadata = sa.MetaData()
HASH = sa.String(64)
WHEN = sa.String(32)  #: an ISO 8601 time in UTC, e.g. 2027-01-05T09:30:00Z
PERIOD = sa.String(40)

events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("at", WHEN, nullable=False),
    sa.Column("actor", sa.Text),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("prev_hash", HASH, nullable=False),
    sa.Column("hash", HASH, nullable=False, unique=True),
)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", HASH, primary_key=True),
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), nullable=False, unique=True),
    sa.Column("source_name", sa.Text, nullable=False),
    sa.Column("source_sha256", sa.Text, nullable=False),
    sa.Column("initiatives", sa.Integer, nullable=False),
    sa.Column("limits", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),  #: the plan's canonical JSON, zlib-compressed
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), nullable=False, unique=True),
    sa.Column("command", sa.String(20), nullable=False),
    sa.Column("plan_id", HASH, sa.ForeignKey("plans.id"), nullable=False),
    sa.Column("at", WHEN, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("objective", sa.Float),
    sa.Column("total_cost", sa.Float),
    sa.Column("gap", sa.Float),
    sa.Column("solver", sa.Text),
    sa.Column("settings", sa.Text, nullable=False),  #: JSON: the settings the run used
    sa.Column("selection", sa.Text, nullable=False),  #: JSON: the selected IDs, or null
    sa.Column("details", sa.Text, nullable=False),  #: JSON: what else the command found
    sa.Column("output_name", sa.Text),
    sa.Column("output_sha256", sa.Text),
    sa.Column("output_sheets", sa.Text),  #: JSON: each written sheet's digest by name
)

approvals = sa.Table(
    "approvals",
    metadata,
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), primary_key=True, autoincrement=False),
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("period", PERIOD, nullable=False),
    sa.Column("verdict", sa.String(10), nullable=False),  #: approved or rejected
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("at", WHEN, nullable=False),
)

policies = sa.Table(
    "policies",
    metadata,
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), primary_key=True, autoincrement=False),
    sa.Column("roles", sa.Text, nullable=False),  #: JSON: the roles that must approve; [] = one approval
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("at", WHEN, nullable=False),
)

records = sa.Table(
    "records",
    metadata,
    sa.Column("period", PERIOD, primary_key=True),
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), nullable=False, unique=True),
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("at", WHEN, nullable=False),
)

#: revision 0002: named what-if scenarios against a recorded plan (the web app saves them)
scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), primary_key=True, autoincrement=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("plan_id", HASH, sa.ForeignKey("plans.id"), nullable=False),
    sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id")),
    sa.Column("changes", sa.Text, nullable=False),  #: JSON: the changes, as the codec writes them
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("at", WHEN, nullable=False),
)

#: each fact's table by its events' kind (approvals hold rejections too)
TABLES = {
    "plan": plans,
    "run": runs,
    "approval": approvals,
    "rejection": approvals,
    "policy": policies,
    "record": records,
    "scenario": scenarios,
}
