"""Many independent solves: frontier points, scenarios, compared plans, explanations.

The solves share nothing, so they run in worker processes, one per core. Workers are forked
(fast, and no importable ``__main__`` needed) and reset the solver's thread pool first.
"""

from __future__ import annotations

import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from . import progress, solver, stopping
from .errors import Infeasible, NoPortfolioFound
from .model import Plan, Status

#: below this many items, starting workers costs more than it saves
PARALLEL_FROM = 4


def _can_fork() -> bool:
    # Windows has no fork, and spawn would re-run the caller's __main__: stay serial there
    return "fork" in multiprocessing.get_all_start_methods()


def default_workers() -> int:
    """Two workers where the machine has two cores and can fork (Linux, macOS); else one."""
    return max(1, min(2, os.cpu_count() or 1)) if _can_fork() else 1


_STATE: dict[str, Any] = {}


def _init(state: dict[str, Any]) -> None:
    solver.prepare_worker()
    progress.silence()  # a forked worker inherits the parent's listener: only the parent reports
    stopping.exit_with_parent()
    _STATE.clear()
    _STATE.update(state)
    _STATE["in_worker"] = True


def _run_chunk(args: tuple[Callable, list]) -> list:
    fn, chunk = args
    return [fn(item, _STATE) for item in chunk]


def pool_map(fn: Callable[[Any, dict], Any], items: Sequence, workers: int | None = None,
             state: dict[str, Any] | None = None, min_parallel: int = PARALLEL_FROM,
             on_done: Callable[[int], None] | None = None) -> list:
    """``[fn(item, state) for item in items]``, in worker processes when worthwhile.

    ``fn`` must be a module-level function; ``state`` is sent to each worker once;
    ``on_done(n)`` is told as results come back (for progress).
    """
    state = state or {}
    on_done = on_done or (lambda n: None)
    workers = (default_workers() if workers is None else workers) if _can_fork() else 1
    if workers <= 1 or len(items) < min_parallel:
        out = []
        for item in items:
            out.append(fn(item, state))
            on_done(1)
        return out
    # small chunks balance uneven solve times; large ones save messages when items are many
    size = 1 if len(items) <= 64 else math.ceil(len(items) / (workers * 8))
    chunks = [(fn, list(items[k:k + size])) for k in range(0, len(items), size)]
    ctx = multiprocessing.get_context("fork")
    results = []
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

    def __enter__(self) -> "Pool":
        if self.workers > 1:
            ctx = multiprocessing.get_context("fork")
            self._executor = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init, initargs=(self.state,))
        return self

    def __exit__(self, *exc) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=exc[0] is not None)

    def submit(self, fn: Callable[[Any, dict], Any], item: Any):
        if self._executor is None:
            return _Done(fn(item, self.state))
        return self._executor.submit(_run_one, fn, item)


class _Done:
    def __init__(self, value: Any):
        self.value = value

    def result(self) -> Any:
        return self.value


def _run_one(fn: Callable, item: Any) -> Any:
    return fn(item, _STATE)


@dataclass(frozen=True)
class Solved:
    """The outcome of one plan's solve, small enough to pass between processes."""

    status: Status
    objective: float | None
    total_value: float | None
    total_cost: float | None
    selected: tuple[str, ...]
    gap: float | None
    seconds: float
    conflict: tuple[str, ...] = ()
    relaxations: tuple[str, ...] = ()
    limit_use: tuple[float, ...] = ()
    #: multi-period plans: (ID, start period, 0-based) of each selected initiative
    starts: tuple[tuple[str, int], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)


def solve_plan(plan: Plan, state: dict | None = None) -> Solved:
    """Optimize one plan and keep what comparisons need (infeasible plans included).

    Uses the lean core of ``optimize`` (no ranking or reasons, which nobody reads here).
    """
    from .optimize import solve

    # inside a worker process, one solver thread: the workers already use every core
    threads = 1 if (state or {}).get("in_worker") else None
    try:
        core = solve(plan, threads=threads)
    except Infeasible as exc:
        return Solved(Status.INFEASIBLE, None, None, None, (), None, 0.0,
                      tuple(c.name for c in exc.conflict), exc.relaxations)
    except NoPortfolioFound:
        return Solved(Status.NO_SOLUTION, None, None, None, (), None, 0.0)
    sol, sel = core.solution, core.selected
    uses = tuple(u.used for u in core.uses)
    gap = sol.gap if sol.gap is not None else (0.0 if sol.status is Status.OPTIMAL else None)
    return Solved(
        sol.status,
        core.objective,
        math.fsum(v for v, s in zip(core.scores, sel) if s),
        math.fsum(ini.cost for ini, s in zip(plan.initiatives, sel) if s),
        tuple(ini.id for ini, s in zip(plan.initiatives, sel) if s),
        gap,
        sol.seconds,
        limit_use=uses,
        starts=tuple((plan.initiatives[i].id, t) for i, t in sorted(core.starts.items())) if core.starts else (),
    )


def solve_plans(plans: Sequence[Plan], workers: int | None = None) -> list[Solved]:
    """Optimize several plans, in parallel when worthwhile."""
    return pool_map(solve_plan, list(plans), workers)
