"""Triggers that make a table append-only: an UPDATE, DELETE (or, on PostgreSQL, TRUNCATE) is
refused with a message that says so. The migrations add them to every table of the record.

A database's owner can drop them: they stop accidents and casual edits, and the hash chain
(``portfolio-opt audit verify``) shows what was done without them."""

from __future__ import annotations

#: what a refused change says (the store turns it into a plain message)
MESSAGE = "the record is append-only: rows of {table} cannot be changed or deleted"

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION portfolio_opt_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the record is append-only: rows of % cannot be changed or deleted', TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql
"""


def append_only(execute, dialect: str, table: str) -> None:
    """Make ``table`` append-only: ``execute`` runs each statement (``op.execute`` in a migration)."""
    if dialect == "postgresql":
        execute(_PG_FUNCTION)
        execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION portfolio_opt_append_only()"
        )
        execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION portfolio_opt_append_only()"
        )
        return
    message = MESSAGE.format(table=table)
    for action in ("UPDATE", "DELETE"):
        execute(
            f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def drop_append_only(execute, dialect: str, table: str) -> None:
    """Undo :func:`append_only` on ``table`` (a migration's downgrade)."""
    if dialect == "postgresql":
        execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        return
    for action in ("update", "delete"):
        execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
