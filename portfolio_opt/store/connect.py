"""Where the store is and how it is reached: the URL (``--db``, ``PORTFOLIO_OPT_DB``, the
``Record`` setting, the default file), the engine (SQLite in WAL mode with foreign keys, a busy
timeout and writes that take the lock up front; PostgreSQL through psycopg), and a database's
failures said plainly as :class:`~portfolio_opt.StoreError`."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from portfolio_opt.model.errors import StoreError, Unavailable, pip_install

#: the variable that names the store (a URL or a file) for every command
VARIABLE = "PORTFOLIO_OPT_DB"
#: how long a write waits for another process's write to finish before giving up, seconds
BUSY_SECONDS = 30
#: how long reaching a PostgreSQL server may take, seconds
CONNECT_SECONDS = 10
#: the default store's file name, in the user's data folder (:func:`default_path`)
FILE_NAME = "record.db"


def default_path() -> Path:
    """The default store: ``record.db`` in the user's data folder for portfolio-opt:
    ``$XDG_DATA_HOME/portfolio-opt`` (else ``~/.local/share/portfolio-opt``) on Linux,
    ``~/Library/Application Support/portfolio-opt`` on macOS, ``%LOCALAPPDATA%\\portfolio-opt``
    on Windows."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "portfolio-opt" / FILE_NAME


def default_store() -> str:
    """The default store's file: ``record.db`` in the user's data folder (see :func:`default_path`)."""
    return str(default_path())


def store_for_run(option: str | None = None, plans: Any = ()) -> str | None:
    """Where a deciding run is recorded: ``option`` (``--db``), else ``PORTFOLIO_OPT_DB``, else
    the first ``Record`` setting of ``plans`` (``yes``: the default file); None when no store is
    configured (the run is not recorded). Loads no database library."""
    setting = next((p.settings.record for p in plans if p.settings.record), None)
    return configured(option, setting)


def configured(option: str | None = None, setting: str | None = None) -> str | None:
    """The store a deciding run is recorded in, or None when none is configured: ``option``
    (``--db``), else ``PORTFOLIO_OPT_DB``, else the plan's ``Record`` setting (``yes``: the
    default file)."""
    if option:
        return option
    if os.environ.get(VARIABLE):
        return os.environ[VARIABLE]
    if setting:
        return str(default_path()) if setting == "yes" else setting
    return None


def resolve(url: str | os.PathLike | None = None) -> str:
    """The store's URL: ``url`` (a URL, or a file path for SQLite), else ``PORTFOLIO_OPT_DB``,
    else the default file. Raises :class:`StoreError` for a URL of another database."""
    text = os.fspath(url) if url is not None else (os.environ.get(VARIABLE) or str(default_path()))
    text = text.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:  # a file
        return "sqlite:///" + os.path.abspath(os.path.expanduser(text))
    base = scheme.split("+")[0].lower()
    if base == "sqlite":
        return text
    if base in ("postgresql", "postgres"):
        return "postgresql+psycopg://" + rest
    raise StoreError(
        f"{redact(text)}: a store is SQLite or PostgreSQL, not {scheme}: give a file (record.db), "
        "sqlite:///path/record.db or postgresql://user@host/database"
    )


def redact(url: str) -> str:
    """A URL as said in messages: its password hidden."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest:
        auth, _, host = rest.rpartition("@")
        if ":" in auth:
            return f"{scheme}://{auth.split(':', 1)[0]}:***@{host}"
    return url


def sqlalchemy() -> Any:
    """The SQLAlchemy package; :class:`~portfolio_opt.Unavailable` naming the extra when missing."""
    try:
        import sqlalchemy as sa
    except ImportError:
        raise Unavailable(_missing("SQLAlchemy", "store")) from None
    return sa


def _missing(what: str, extra: str) -> str:
    return f"the plan of record needs {what}, which is not installed: {pip_install(f'portfolio-opt[{extra}]')}"


def engine(url: str) -> Any:
    """An engine for the store at ``url`` (as :func:`resolve` gives it)."""
    sa = sqlalchemy()
    if url.startswith("sqlite"):
        return _sqlite_engine(sa, url)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable(_missing("psycopg for PostgreSQL", "postgres")) from None
    return sa.create_engine(url, connect_args={"connect_timeout": CONNECT_SECONDS}, pool_pre_ping=True)


def _sqlite_engine(sa: Any, url: str) -> Any:
    """SQLite as the record needs it: WAL, foreign keys, a busy timeout, and transactions begun
    by this code (``BEGIN IMMEDIATE`` for a write, so two writers never deadlock on upgrading a
    read lock), not by the driver."""
    path = (url.split("///", 1)[1] if "///" in url else "").split("?", 1)[0]
    if path.startswith("file:"):  # a URI filename (``?uri=true``): its path follows the scheme
        path = path[len("file:") :]
        path = path[2:] if path.startswith("//") else path
    if path and path != ":memory:":
        folder = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot make the store's folder {folder}: {exc.strerror or exc}") from None
    # the store is opened beside a run and used after it, so a connection may change threads
    eng = sa.create_engine(url, connect_args={"timeout": BUSY_SECONDS, "check_same_thread": False})

    @sa.event.listens_for(eng, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the driver begins nothing: _on_begin does
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()
        cursor.close()
        if mode and str(mode[0]).lower() not in ("wal", "memory"):
            raise StoreError(f"{path}: SQLite could not switch the store to WAL mode (it says {mode[0]})")

    @sa.event.listens_for(eng, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")

    return eng


@contextlib.contextmanager
def failures(url: str) -> Iterator[None]:
    """Turn a database's failure into a :class:`StoreError` that names the store and says what
    to check (a refusal raised on purpose passes through)."""
    sa = sqlalchemy()
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"the store {redact(url)} {_reason(exc)}") from None
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"the store {redact(url)} failed: {exc}") from None


def _reason(exc: Any) -> str:
    """What went wrong with a database, in words, with what to check."""
    text = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0]
    low = text.lower()
    if "readonly" in low or "read-only" in low:
        return f"is read-only ({text}): give a file this account may write, or another --db"
    if "locked" in low or "busy" in low:
        return f"is locked by another program ({text}, after waiting {BUSY_SECONDS} s): try again, or close it"
    if "unable to open" in low:
        return f"cannot be opened ({text}): check the path and its folder's permissions"
    if "not a database" in low:
        return f"is not a SQLite database ({text}): name the store's file, or a new one"
    if "connection" in low or "could not" in low or "timeout" in low or "refused" in low:
        return f"cannot be reached ({text}): check the host, port, user and password, and that the server runs"
    if "append-only" in low:
        return f"refused a change: {text}"
    return f"failed: {text}"
