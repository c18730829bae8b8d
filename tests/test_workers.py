"""Worker processes forked after a solve start clean: the parent's HiGHS threads are stopped
before every fork, so a child never inherits a lock one of them held."""

from __future__ import annotations

import os
import threading
import time

import pytest
from conftest import SAMPLE

from portfolio_opt import read_plan
from portfolio_opt.core import formulation, solver

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/task") or not hasattr(os, "fork"), reason="needs fork and /proc (Linux)"
)


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _wait(pid: int, seconds: float) -> int | None:
    """The child's exit code, or None if it is still running after ``seconds`` (then killed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return None


def test_a_fork_right_after_a_solve_leaves_no_highs_thread_and_the_child_solves():
    _solve_and_fork(formulation.build(read_plan(SAMPLE)))


def test_the_same_from_a_thread_that_is_not_the_main_one():
    """As the CLI runs every job (in a thread of its own, so Ctrl+C can stop it)."""
    lp = formulation.build(read_plan(SAMPLE))
    failed = []

    def job():
        try:
            _solve_and_fork(lp)
        except BaseException as exc:  # the assertion, carried back to the test's thread
            failed.append(exc)

    worker = threading.Thread(target=job)
    worker.start()
    worker.join()
    if failed:
        raise failed[0]


def _solve_and_fork(lp) -> None:
    for _ in range(10):
        solved = solver.solve(lp, "highs", 1e-4, threads=2)  # HiGHS starts its pool of threads
        assert solved.status is solver.Status.OPTIMAL
        during = _threads()  # with its worker thread
        pid = os.fork()
        if pid == 0:  # the child: solve again, at once, on its own fresh pool
            code = 1
            try:
                solver.prepare_worker()
                code = 0 if solver.solve(lp, "highs", 1e-4, threads=2).objective == solved.objective else 3
            finally:
                os._exit(code)
        assert _threads() < during  # the parent stopped its HiGHS threads before forking
        assert _wait(pid, 60) == 0
