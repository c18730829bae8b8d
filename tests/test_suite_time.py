"""The default run stays short and --slow runs everything: long cases are skipped only without
--slow, and property tests draw a quarter of their examples by default, all of them with --slow."""

from __future__ import annotations

import os

import conftest
import pytest
from conftest import examples


def test_property_tests_draw_a_quarter_by_default_and_every_example_with_slow(monkeypatch):
    monkeypatch.setattr(conftest, "FULL", False)
    assert [examples(n) for n in (80, 40, 25, 10)] == [20, 10, 6, 5]  # at least 5: a property still searches
    monkeypatch.setattr(conftest, "FULL", True)
    assert [examples(n) for n in (80, 40, 25, 10)] == [80, 40, 25, 10]


def test_this_run_knows_whether_it_is_the_full_one(request):
    assert conftest.FULL is bool(request.config.getoption("--slow"))


def _skipped_as_long(item: pytest.Item) -> bool:
    return any("--slow" in str(m.kwargs.get("reason", "")) for m in item.iter_markers("skip"))


def test_long_cases_are_skipped_only_without_slow(request):
    items = request.session.items
    marked = [item for item in items if "slow" in item.keywords]
    skipped = [item for item in items if _skipped_as_long(item)]
    assert skipped == ([] if conftest.FULL else marked)


def _state() -> dict[str, object]:
    """What a command run in this process could leave changed for the tests after it."""
    import logging
    import signal
    import sys
    import threading
    import warnings

    from portfolio_opt.runtime import progress, stopping

    return {
        "cwd": os.getcwd(),
        "streams": (sys.stdout, sys.stderr),
        "fds": (os.fstat(1).st_ino, os.fstat(2).st_ino),
        "signals": (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)),
        "threads": sorted(t.name for t in threading.enumerate()),
        "warning filters": list(warnings.filters),
        "logging": (list(logging.root.handlers), logging.root.level),
        "progress": (progress._listener.get(), progress._noter.get()),
        "stop": stopping._STOP.get(),
        "temporary": set(stopping._TEMPORARY),
        "cleanups": list(stopping._CLEANUPS),
    }


def test_a_command_run_in_this_process_leaves_nothing_behind(tmp_path):
    """run_cli runs the command line in the test's process: what it changes while it runs (the
    working directory, the streams and file descriptors, signal handlers, threads, progress
    listeners, warning filters) is as it was once it ends, whether the command succeeded, failed
    or wrote a store."""
    from conftest import SAMPLE, run_cli

    before = _state()
    runs = [
        run_cli("optimize", SAMPLE, "-o", "r.xlsx", "--explain-limit", "0", "--db", "record.db", cwd=tmp_path),
        run_cli("optimize", "missing.xlsx", cwd=tmp_path),
        run_cli("explain", SAMPLE, "INI-999"),
    ]
    assert [r.returncode for r in runs] == [0, 2, 2], [r.stderr for r in runs]
    assert (tmp_path / "r.xlsx").exists() and (tmp_path / "record.db").exists()
    assert _state() == before
