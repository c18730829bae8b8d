"""Stopping at any moment without leaving anything behind: temporary files, worker processes,
solver processes.

* Files being written register here while they exist (:func:`temporary`), so a stop removes
  them even when it cannot wait for the code writing them.
* :func:`run_interruptibly` runs a job in a thread while the main thread waits, so Ctrl-C or
  SIGTERM is acted on at once even while a solver holds the job inside C code: the partial
  files are removed, every process this one started is killed, and the process exits with
  130 (SIGINT) or 143 (SIGTERM).
* :func:`stop_when` stops the solves run inside once an event is set, without ending the
  process (a server's thread): each ends as at its time limit, with the best portfolio found.
* Worker processes call :func:`exit_with_parent`: when the main process dies without cleaning
  up (SIGKILL, as a scheduler's timeout does), they notice within a second and exit, taking
  their own solver processes with them.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

_TEMPORARY: set[str] = set()
#: the event that, once set, stops the solves run in this context (see :func:`stop_when`)
_STOP: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("portfolio_opt_stop", default=None)
_CLEANUPS: list[Callable[[], None]] = []
_LOCK = threading.Lock()


@contextlib.contextmanager
def temporary(path: str) -> Iterator[str]:
    """Register ``path`` (a file being written, or a directory) while the block runs; it is
    removed on leaving, on every path, and by :func:`remove_temporary` if the process stops."""
    with _LOCK:
        _TEMPORARY.add(path)
    try:
        yield path
    finally:
        with _LOCK:
            _TEMPORARY.discard(path)
        _remove(path)


@contextlib.contextmanager
def temporary_directory(prefix: str, directory: str | None = None) -> Iterator[str]:
    """A new directory (in ``directory``, default the system's temporary folder), registered
    before it exists, so no stop can fall between its creation and its registration."""
    import secrets
    import tempfile

    path = os.path.join(directory or tempfile.gettempdir(), f"{prefix}{os.getpid()}-{secrets.token_hex(6)}")
    with temporary(path):
        os.mkdir(path, 0o700)
        yield path


def _remove(path: str) -> None:
    import shutil

    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.unlink(path)


def also_remove(cleanup: Callable[[], None]) -> None:
    """Have :func:`remove_temporary` also call ``cleanup``: a library that spools files of its
    own (the spreadsheet writer does) registers how to remove them."""
    with _LOCK:
        if cleanup not in _CLEANUPS:
            _CLEANUPS.append(cleanup)


def remove_temporary() -> None:
    """Remove every registered file and directory, and what every registered cleanup removes."""
    with _LOCK:
        paths = list(_TEMPORARY)
        cleanups = list(_CLEANUPS)
    for path in paths:
        _remove(path)
    for cleanup in cleanups:
        with contextlib.suppress(Exception):
            cleanup()


def descendants(pid: int | None = None) -> list[int]:
    """Every process started (directly or not) by ``pid`` (this one by default), Linux only."""
    pid = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_descendants() -> None:
    """Kill every process this one started, and theirs (solvers, workers), so none outlives a stop;
    one already gone is skipped."""
    for pid in descendants():
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


class Stopped(BaseException):
    """Raised in the main thread by SIGINT or SIGTERM; ``code`` is the exit code to use."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def run_interruptibly(job: Callable[[], Any], on_stop: Callable[[int], None]) -> Any:
    """``job()`` in a thread, the main thread waiting; a signal calls ``on_stop(code)``, cleans
    up and ends the process at once. Returns what ``job`` returns, or raises what it raised."""
    if threading.current_thread() is not threading.main_thread():
        return job()
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = job()
        except BaseException as exc:  # handed to the main thread as it is
            outcome["error"] = exc

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Stopped(130 if signum == signal.SIGINT else 143)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    worker = threading.Thread(target=contextvars.copy_context().run, args=(target,), daemon=True)
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.1)
    except Stopped as stop:
        for s in previous:  # a second signal while cleaning up changes nothing
            signal.signal(s, signal.SIG_IGN)
        # The job's thread may be writing at this very moment: give it as little time as the
        # interpreter allows, remove what is registered until nothing is left, then end.
        sys.setswitchinterval(10.0)
        kill_descendants()
        on_stop(stop.code)
        sys.stdout.flush()
        sys.stderr.flush()
        for _ in range(20):
            remove_temporary()
            with _LOCK:
                if not any(os.path.exists(p) for p in _TEMPORARY):
                    break
        os._exit(stop.code)
    finally:
        for s, h in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(s, h)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@contextlib.contextmanager
def stop_when(event: threading.Event) -> Iterator[threading.Event]:
    """Stop every solve run inside the block (in this thread) once ``event`` is set, from any
    thread: the solver ends its search as at its time limit, keeping the best portfolio found
    (a :class:`~portfolio_opt.Status` of FEASIBLE, with its bound and gap), or none found.

    The process goes on (unlike :func:`run_interruptibly`): for a server stopping one user's
    solve. HiGHS is asked between its steps, so the stop lands within a fraction of a second;
    a CBC solve runs to its end or its time limit.
    """
    token = _STOP.set(event)
    try:
        yield event
    finally:
        _STOP.reset(token)


def stop_event() -> threading.Event | None:
    """The event that stops the solves run here (see :func:`stop_when`), or None."""
    return _STOP.get()


def exit_with_parent() -> None:
    """In a worker process: exit, with any solver process it started, within half a second of
    its parent's death (the solvers release the interpreter while they work, so the watch runs)."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            threading.Event().wait(0.5)
            if os.getppid() != parent:
                kill_descendants()
                remove_temporary()
                os._exit(1)

    threading.Thread(target=watch, daemon=True, name="portfolio-opt-parent-watch").start()
