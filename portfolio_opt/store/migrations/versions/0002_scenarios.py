"""Named what-if scenarios: a list of changes against a recorded plan, saved by name.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from portfolio_opt.store.triggers import append_only, drop_append_only

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the scenarios table, append-only (a scenario saved again is a new version)."""
    op.create_table(
        "scenarios",
        sa.Column("event_seq", sa.BigInteger, sa.ForeignKey("events.seq"), primary_key=True, autoincrement=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("plan_id", sa.String(64), sa.ForeignKey("plans.id"), nullable=False),
        sa.Column("run_id", sa.String(32), sa.ForeignKey("runs.id")),
        sa.Column("changes", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("scenarios_by_name", "scenarios", ["name"])
    append_only(op.execute, op.get_bind().dialect.name, "scenarios")


def downgrade() -> None:
    """Drop the scenarios table."""
    drop_append_only(op.execute, op.get_bind().dialect.name, "scenarios")
    op.drop_table("scenarios")
