"""The record: events in a hash chain, plans, runs, approvals, policies and plans of record.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from portfolio_opt.store.triggers import append_only, drop_append_only

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("events", "plans", "runs", "approvals", "policies", "records")


def upgrade() -> None:
    """Create the record's tables, each append-only."""
    _chain()
    _decisions()
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        append_only(op.execute, dialect, table)


def _chain() -> None:
    """The events in their hash chain, and the plans and runs they record."""
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), nullable=False, unique=True),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("source_sha256", sa.Text, nullable=False),
        sa.Column("initiatives", sa.Integer, nullable=False),
        sa.Column("limits", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), nullable=False, unique=True),
        sa.Column("command", sa.String(20), nullable=False),
        sa.Column("plan_id", sa.String(64), sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("objective", sa.Float),
        sa.Column("total_cost", sa.Float),
        sa.Column("gap", sa.Float),
        sa.Column("solver", sa.Text),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("selection", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("output_name", sa.Text),
        sa.Column("output_sha256", sa.Text),
        sa.Column("output_sheets", sa.Text),
    )
    op.create_index("runs_by_plan", "runs", ["plan_id"])


def _decisions() -> None:
    """Approvals, the approval policies, and each period's plan of record."""
    op.create_table(
        "approvals",
        sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), primary_key=True, autoincrement=False),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("verdict", sa.String(10), nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("approvals_by_period", "approvals", ["period", "run_id"])
    op.create_table(
        "policies",
        sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), primary_key=True, autoincrement=False),
        sa.Column("roles", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_table(
        "records",
        sa.Column("period", sa.String(40), primary_key=True),
        sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), nullable=False, unique=True),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    """Drop the record's tables (and everything in them)."""
    dialect = op.get_bind().dialect.name
    for table in reversed(TABLES):
        drop_append_only(op.execute, dialect, table)
        op.drop_table(table)
