"""The store's schema brought up to date on first use: Alembic's migrations (shipped in
``migrations/``) applied under the write lock, so two processes opening a new store at once
migrate it once; a store of a newer schema than this version knows is refused, never touched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from portfolio_opt.model.errors import StoreError
from portfolio_opt.store.connect import redact
from portfolio_opt.store.schema import HEAD, REVISIONS, sa

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: the PostgreSQL advisory lock the store's writers take (an arbitrary, fixed key)
LOCK_KEY = 0x706F7274_666F6C69


def revision(conn: Any) -> str | None:
    """The schema revision of the store on ``conn`` (None for an empty database)."""
    # a plain query, not the inspector: this runs on every open, and the inspector's machinery
    # is most of what opening a store costs
    if conn.dialect.name == "sqlite":
        found = conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"))
    else:
        found = conn.execute(
            sa.text(
                "SELECT 1 FROM information_schema.tables "
                "WHERE table_name = 'alembic_version' AND table_schema = current_schema()"
            )
        )
    if found.first() is None:
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def lock(conn: Any) -> None:
    """Take the store's write lock in the transaction open on ``conn`` (SQLite took it with
    ``BEGIN IMMEDIATE``; PostgreSQL takes an advisory lock, freed at commit or rollback)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def upgrade(engine: Any, url: str, target: str = HEAD) -> None:
    """Bring the store at ``url`` to schema ``target`` (the newest by default), if it is not there."""
    with engine.connect() as conn:
        current = revision(conn)
        conn.rollback()
    if current == target:
        return
    _known(current, url)
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        lock(conn)
        current = revision(conn)  # another process may have migrated it while this one waited
        _known(current, url)
        if current != target:
            _alembic(conn, target)


def _known(current: str | None, url: str) -> None:
    if current is not None and current not in REVISIONS:
        raise StoreError(
            f"the store {redact(url)} has schema revision {current}, newer than this portfolio_opt knows "
            f"(up to {HEAD}): upgrade portfolio_opt to use it"
        )


def _alembic(conn: Any, target: str) -> None:
    """Run Alembic's migrations up to ``target`` on ``conn``, inside its transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, target)
