"""How a deciding command records its run in the plan of record: the store is opened beside the
run (its start-up and migrations cost the run no time), the run id is written in the workbook,
the run is recorded once the workbook is written, and a store that fails is said after the
run's own output, which is written all the same."""

from __future__ import annotations

import threading
from typing import Any

import portfolio_opt as po
from portfolio_opt.cli.running import echo_err

DB_HELP = (
    "Record the run in the plan-of-record store at URL (sqlite:///record.db, a file, or "
    "postgresql://host/db; default: PORTFOLIO_OPT_DB, else the Settings Record)."
)


#: the stores being opened beside a run, in threads of their own
_OPENING: set[threading.Thread] = set()


def _finish_opening() -> None:
    """Wait for every store being opened, before the sweeps fork their worker processes: a
    child forked while the opening thread holds a lock (an import's, the logging module's, the
    database driver's) would inherit it held, and wait for it for ever. (Not a fork hook: the
    logging module's own hook holds its lock by then, which the opening thread may be waiting
    for.)"""
    for thread in list(_OPENING):
        if thread is not threading.current_thread():
            thread.join()


po.before_workers(_finish_opening)


class Recording:
    """One run's record: where (``url``; None when no store is configured), the run id its
    workbook carries, the run as recorded, or the store's error."""

    def __init__(self, option: str | None, plans) -> None:
        self.url = po.store_for_run(option, plans)
        self.store: po.Store | None = None
        self.error: po.PortfolioError | None = None
        self.bug: BaseException | None = None
        self.run_id: str | None = None
        self.recorded: po.RunRecord | None = None
        self._thread = threading.Thread(target=self._open, daemon=True) if self.url else None
        if self._thread is not None:
            _OPENING.add(self._thread)
            self._thread.start()

    def _open(self) -> None:
        try:
            self.store = po.open_store(self.url)
        except po.PortfolioError as exc:
            self.error = exc
        except Exception as exc:  # a bug: raised where the command waits for the store
            self.bug = exc
        finally:
            _OPENING.discard(threading.current_thread())

    def ready(self) -> str | None:
        """Wait for the store; the run id to write in the workbook (None when not recording)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.bug is not None:
            raise self.bug
        if self.store is not None and self.run_id is None:
            self.run_id = self.store.new_run_id()
        return self.run_id

    def record(self, command: str, outcome: Any, path: str) -> None:
        """Record the run of ``command`` that returned ``outcome`` and wrote ``path``."""
        self.ready()
        if self.store is None:
            return
        try:
            self.recorded = self.store.record_run(command, outcome, run_id=self.run_id, output=path)
        except po.PortfolioError as exc:
            self.error = exc
        finally:
            self.store.close()

    @property
    def exit_code(self) -> int:
        """0, or the store's error's code."""
        return self.error.exit_code if self.error is not None else 0

    def to_dict(self) -> dict[str, Any] | None:
        """The ``record`` entry of a command's JSON (None when no store is configured)."""
        if self.url is None:
            return None
        if self.error is not None:
            return {"recorded": False, "exit_code": self.error.exit_code, "message": str(self.error)}
        assert self.store is not None and self.recorded is not None, "said before the run was recorded"
        return {"recorded": True, "run_id": self.recorded.id, "store": self.store.name}

    def say(self, path: str) -> None:
        """Say what became of the record: on stdout when recorded, on stderr when not."""
        if self.url is None:
            return
        if self.error is None:
            import click

            assert self.store is not None and self.recorded is not None, "said before the run was recorded"
            click.echo(f"Recorded run {self.recorded.id} in {self.store.name}")
            return
        echo_err(f"Error: {self.error}")
        echo_err(
            f"{path} was written, but the run was not recorded"
            + (f" (its Run info names run {self.run_id}, which the store does not hold)" if self.run_id else "")
        )
