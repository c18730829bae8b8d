"""Faults while working: a full disk, a vanished folder, Ctrl-C and SIGTERM at any moment, the
main process killed outright. Nothing half-written, nothing left running, the right exit code."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, run_cli

sys.path.insert(0, str(ROOT / "benchmarks"))

from portfolio_opt.runtime.stopping import descendants  # noqa: E402

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc"), reason="process checks read /proc (Linux)")


@pytest.fixture(scope="module")
def big_plan(tmp_path_factory) -> Path:
    """A 1,500-initiative plan: a solve, explanations and a write that each take a while."""
    from bench_optimize import to_workbook
    from plans import random_plan

    path = tmp_path_factory.mktemp("big") / "plan.xlsx"
    to_workbook(random_plan(1500, seed=3), str(path))
    return path


def start(*args, cwd=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "portfolio_opt", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def leftovers(folder: Path) -> list[str]:
    """Anything in the output folder but the plan: the output, its temporary file, spool files."""
    return sorted(p.name for p in folder.iterdir() if p.name != "plan.xlsx")


def test_a_file_size_limit_while_writing_is_exit_6_with_nothing_left(tmp_path):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8 * 1024, 8 * 1024))

    out = tmp_path / "out.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "portfolio_opt", "optimize", str(SAMPLE), "-o", str(out), "--explain-limit", "0"],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=300,
    )
    assert proc.returncode == 6, proc.stderr
    assert "cannot write" in proc.stderr and "Traceback" not in proc.stderr
    assert leftovers(tmp_path) == []


def test_a_vanished_output_folder_is_exit_6(tmp_path):
    proc = run_cli("optimize", SAMPLE, "-o", tmp_path / "gone" / "out.xlsx", "--explain-limit", "0")
    assert proc.returncode == 6, proc.stderr
    assert "cannot write" in proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("delay", [0.8, 2.5, 5.0])
def test_a_signal_at_any_moment_stops_within_two_seconds(tmp_path, big_plan, signum, code, delay):
    """Reading, solving, explaining on two workers or writing: whatever it is doing then."""
    proc = start("optimize", big_plan, "-o", tmp_path / "out.xlsx", cwd=tmp_path)
    time.sleep(delay)
    if proc.poll() is not None:
        pytest.skip("finished before the signal")
    children = descendants(proc.pid)
    proc.send_signal(signum)
    sent = time.perf_counter()
    try:
        _, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert time.perf_counter() - sent < 2.0
    assert proc.returncode == code, err
    assert "nothing was written" in err and "Traceback" not in err
    assert leftovers(tmp_path) == []
    time.sleep(0.2)
    assert not [pid for pid in children if alive(pid)], "no worker or solver left running"


@pytest.mark.slow
def test_workers_exit_when_the_main_process_is_killed(tmp_path, big_plan):
    proc = start("optimize", big_plan, "-o", tmp_path / "out.xlsx", cwd=tmp_path)
    workers: list[int] = []
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline and proc.poll() is None and len(workers) < 2:
        time.sleep(0.2)
        workers = descendants(proc.pid)
    if len(workers) < 2:
        proc.kill()
        pytest.skip("no worker processes started on this machine")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    time.sleep(3)
    assert not [pid for pid in workers if alive(pid)], "orphaned workers exit within a few seconds"


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_results_are_written_leaves_no_part_of_them(tmp_path, big_plan, signum, code):
    """Caught in the act: the signal goes when the first file appears in the output folder."""
    folder = tmp_path / "out"
    folder.mkdir()
    proc = start("optimize", big_plan, "-o", folder / "out.xlsx", "--explain-limit", "0")
    deadline = time.perf_counter() + 120
    while proc.poll() is None and not any(folder.iterdir()) and time.perf_counter() < deadline:
        time.sleep(0.005)
    if proc.poll() is not None:
        pytest.skip("the write was over before it was seen")
    proc.send_signal(signum)
    sent = time.perf_counter()
    _, err = proc.communicate(timeout=10)
    assert time.perf_counter() - sent < 2.0
    assert proc.returncode == code, err
    assert "nothing was written" in err
    assert list(folder.iterdir()) == [], "no output, no temporary or spool file"
