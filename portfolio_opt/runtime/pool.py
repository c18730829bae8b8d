"""Many independent tasks (frontier points, scenarios, compared plans, explanations, robustness
versions) in worker processes, or on a Dask cluster.

The tasks share nothing, so they run in worker processes, one per core. Workers are forked
(fast, and no importable ``__main__`` needed); the solver resets its thread pool in a forked
child itself (:func:`os.register_at_fork` in :mod:`portfolio_opt.core.solver`).
Inside :func:`cluster` they run on a Dask distributed cluster instead: the same tasks with the
same inputs (every task carries its own seed), so the results are identical whichever runs
them; a worker that dies costs its tasks a retry, not the run.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from portfolio_opt.model.errors import ClusterError, pip_install
from portfolio_opt.runtime import progress, stopping

if TYPE_CHECKING:  # distributed loads only inside cluster()
    from distributed import Client

T = TypeVar("T")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
#: a task: ``fn(item, state)``, a module-level function (it travels to the workers by name)
Task = Callable[[T, dict[str, Any]], R]

#: below this many items, starting workers costs more than it saves
PARALLEL_FROM = 4


def _can_fork() -> bool:
    # Windows has no fork, and spawn would re-run the caller's __main__: stay serial there
    return "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """Two workers where the machine has two cores and can fork (Linux, macOS); else one."""
    return max(1, min(2, os.cpu_count() or 1)) if _can_fork() else 1


_STATE: dict[str, Any] = {}
#: what must finish before worker processes are forked: a thread of the caller's that may hold
#: a lock (an import's, the logging module's, a database driver's), which a child forked then
#: would inherit held and wait for for ever
_BEFORE_WORKERS: list[Callable[[], None]] = []


def before_workers(wait: Callable[[], None]) -> Callable[[], None]:
    """Have ``wait()`` called, in the calling thread, each time before worker processes are
    started (not inside the fork, where other libraries' fork hooks hold their locks)."""
    if wait not in _BEFORE_WORKERS:
        _BEFORE_WORKERS.append(wait)
    return wait


def _settle() -> None:
    for wait in list(_BEFORE_WORKERS):
        wait()


#: the Dask client sweeps run on, inside :func:`cluster` (None: worker processes here)
_CLIENT: Client | None = None
#: how often a task is tried again when its worker dies or it fails on the cluster
RETRIES = 3


@contextmanager
def cluster(address: str | None) -> Iterator[Client | None]:
    """Run every sweep inside on the Dask cluster at ``address`` (``tcp://host:8786``); with
    None, on worker processes here as always. Yields the client (or None)."""
    global _CLIENT
    if not address:
        yield None
        return
    try:
        from distributed import Client
    except ImportError as exc:
        raise ClusterError(
            f"running on a cluster needs Dask distributed: {pip_install('portfolio-opt[cluster]')}"
        ) from exc
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"no Dask scheduler answered at {address} ({exc}): start one with `dask scheduler` "
            f"and workers with `dask worker {address}`, or leave out --cluster"
        ) from exc
    previous, _CLIENT = _CLIENT, client
    try:
        yield client
    finally:
        _CLIENT = previous
        client.close()


def _on_cluster(item: T, fn: Task[T, R], state: dict[str, Any]) -> R:
    """A task on a cluster worker: one solver thread (the cluster's workers share its cores)."""
    if not state.get("in_worker"):
        state = {**state, "in_worker": True}
    return fn(item, state)


def _cluster_map(
    client: Client, fn: Task[T, R], items: Sequence[T], state: dict[str, Any], on_done: Callable[[int], None]
) -> list[R]:
    from distributed import as_completed

    # one copy of the state per worker (a list, so the dict travels as one object, not a
    # dict of separate pieces)
    shared = client.scatter([state], broadcast=True, hash=False)[0]
    futures = client.map(_on_cluster, list(items), fn=fn, state=shared, pure=False, retries=RETRIES)
    for _ in as_completed(futures, loop=client.loop):
        on_done(1)
    results: list[R] = client.gather(futures)
    return results


def _init(state: dict[str, Any]) -> None:
    progress.silence()  # a forked worker inherits the parent's listener: only the parent reports
    stopping.exit_with_parent()
    _STATE.clear()
    _STATE.update(state)
    _STATE["in_worker"] = True


def _run_chunk(args: tuple[Task[T, R], list[T]]) -> list[R]:
    fn, chunk = args
    return [fn(item, _STATE) for item in chunk]


def pool_map(
    fn: Task[T, R],
    items: Sequence[T],
    workers: int | None = None,
    state: dict[str, Any] | None = None,
    min_parallel: int = PARALLEL_FROM,
    on_done: Callable[[int], None] | None = None,
) -> list[R]:
    """``[fn(item, state) for item in items]``, in worker processes when worthwhile.

    ``fn`` must be a module-level function; ``state`` is sent to each worker once;
    ``on_done(n)`` is told as results come back (for progress).
    """
    state = state or {}
    on_done = on_done or (lambda n: None)
    if _CLIENT is not None and items:
        return _cluster_map(_CLIENT, fn, items, state, on_done)
    workers = (default_workers() if workers is None else workers) if _can_fork() else 1
    if workers <= 1 or len(items) < min_parallel:
        out: list[R] = []
        for item in items:
            out.append(fn(item, state))
            on_done(1)
        return out
    # small chunks balance uneven solve times (explanations leave their longest solves to the
    # end, where a worker holding a big chunk of them would finish long after the others);
    # large ones save messages when items are many
    size = 1 if len(items) <= 64 else math.ceil(len(items) / (workers * 32))
    chunks = [(fn, list(items[k : k + size])) for k in range(0, len(items), size)]
    ctx = multiprocessing.get_context("fork")
    _settle()
    results: list[list[R]] = []
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(state,)) as pool:
        for chunk in pool.map(_run_chunk, chunks):
            results.append(chunk)
            on_done(len(chunk))
    return [r for chunk in results for r in chunk]


class Pool:
    """Submit solves one at a time and collect them later: in worker processes, or (with one
    worker) right away in this process. ``submit`` returns an object with ``result()``."""

    def __init__(self, workers: int | None = None, state: dict[str, Any] | None = None):
        self.workers = (default_workers() if workers is None else workers) if _can_fork() else 1
        self.state = state or {}
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> Pool:
        if self.workers > 1 and _CLIENT is None:
            _settle()
            ctx = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_init, initargs=(self.state,)
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=exc[0] is not None)

    def submit(self, fn: Task[T, R], item: T) -> Pending[R]:
        """Start ``fn(item, state)`` on the cluster, in a worker process, or (with one worker) here and
        now; the returned object's ``result()`` gives its value."""
        if _CLIENT is not None:
            return _CLIENT.submit(_on_cluster, item, fn=fn, state=self.state, pure=False, retries=RETRIES)
        if self._executor is None:
            return _Done(fn(item, self.state))
        return self._executor.submit(_run_one, fn, item)


class Pending(Protocol[R_co]):
    """A submitted solve: ``result()`` waits for its value (a future, or one already done)."""

    def result(self) -> R_co:
        """The task's value, once it is done; raises what the task raised."""
        ...


class _Done(Generic[R]):
    def __init__(self, value: R):
        self.value = value

    def result(self) -> R:
        return self.value


def _run_one(fn: Task[T, R], item: T) -> R:
    return fn(item, _STATE)
