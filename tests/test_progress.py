"""Progress of long runs: events from the library, a line on a terminal, one line per long stage
elsewhere, nothing on stdout."""

from __future__ import annotations

import io
import json

import pytest
from conftest import SAMPLE, run_cli

from portfolio_opt import read_plan
from portfolio_opt.analyses.explain import explain
from portfolio_opt.analyses.frontier import frontier
from portfolio_opt.analyses.scenarios import run_scenarios
from portfolio_opt.cli.progress import ProgressLine
from portfolio_opt.core.optimize import optimize
from portfolio_opt.runtime import progress


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def collect(fn):
    events = []
    with progress.listening(events.append):
        fn()
    return events


def test_sweeps_report_every_item_once_from_the_parent_process():
    plan = read_plan(SAMPLE)
    for name, run, total in (
        ("Frontier", lambda: frontier(plan, steps=6, workers=2), 6),
        ("Scenarios", lambda: run_scenarios(plan, workers=2), None),
        ("Explanations", lambda: explain(optimize(plan), workers=2), None),
    ):
        events = [e for e in collect(run) if e.stage == name]
        assert events[0].done == 0 and events[-1].finished, name
        assert events[-1].done == events[-1].total, (name, events[-1])
        if total:
            assert events[-1].total == total
        steps = [e.done for e in events if not e.finished]
        assert steps == sorted(steps), "counts only go up"


def test_the_frontier_reports_finding_its_range_before_its_points():
    """Finding the range solves the best portfolio with no budget, on a multi-period plan the
    longest solve of all: a stage of its own, ended before the points begin."""
    from portfolio_opt.analyses.frontier import RANGE_STAGE

    events = collect(lambda: frontier(read_plan(SAMPLE), steps=3, workers=1))
    stages = [e.stage for e in events if e.done == 0 and not e.finished]
    assert stages[0] == RANGE_STAGE and "Frontier" in stages
    ended = next(k for k, e in enumerate(events) if e.stage == RANGE_STAGE and e.finished)
    began = next(k for k, e in enumerate(events) if e.stage == "Frontier")
    assert ended < began
    given = collect(lambda: frontier(read_plan(SAMPLE), steps=3, lo=1_000_000, hi=5_000_000, workers=1))
    assert RANGE_STAGE not in {e.stage for e in given}, "a range given is not searched for"


def test_a_stage_that_never_steps_shows_no_clock_standing_at_zero():
    line = ProgressLine(TTY())
    with progress.listening(line), progress.stage("Solving 40 initiatives"):
        pass
    assert "Solving 40 initiatives: ..." in line.stream.getvalue()
    assert " s" not in line.stream.getvalue().replace("initiatives", "")


def test_nothing_is_reported_without_a_listener(capsys):
    frontier(read_plan(SAMPLE), steps=3)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_terminal_gets_one_line_redrawn_in_place():
    line = ProgressLine(TTY())
    with progress.listening(line):
        frontier(read_plan(SAMPLE), steps=5)
    text = line.stream.getvalue()
    assert "\rFrontier: 0/5" in text and "Frontier: 5/5" in text
    assert "\n" not in text, "redrawn in place, then cleared"
    assert text.endswith("\r")


def test_a_log_gets_one_line_per_long_stage_and_only_the_outer_one():
    line = ProgressLine(io.StringIO())
    for e in (
        progress.Event("Frontier", 0, 3, 0.0),
        progress.Event("Solving", 0, None, 0.1),
        progress.Event("Solving", 0, None, 2.0, finished=True),
        progress.Event("Frontier", 1, 3, 2.0),
        progress.Event("Frontier", 3, 3, 4.5, finished=True),
        progress.Event("Quick", 0, 2, 0.0),
        progress.Event("Quick", 2, 2, 0.2, finished=True),
    ):
        line(e)
    assert line.stream.getvalue() == "Frontier: 3/3 done in 4.5 s\n"


def test_json_mode_keeps_stdout_to_the_json(tmp_path):
    proc = run_cli("scenarios", SAMPLE, "-o", tmp_path / "s.xlsx", "--json")
    assert proc.returncode == 0, proc.stderr
    json.loads(proc.stdout)
    assert "Scenarios" not in proc.stdout


@pytest.mark.slow
def test_a_long_solve_says_how_close_its_best_portfolio_is_and_answers_the_same(monkeypatch):
    """HiGHS reports, while it searches, how close its best portfolio is to the best possible;
    the report reads the search and never steers it."""
    import re

    from conftest import ROOT

    from portfolio_opt.core import formulation, solver

    monkeypatch.setattr(solver, "GAP_NEWS_EVERY", 0.0)  # every report, not one a second
    lp = formulation.build(read_plan(ROOT / "data" / "sample_quarterly.xlsx"))
    events = []
    with progress.listening(events.append), progress.stage("Solving"):
        heard = solver.solve(lp, "highs", 1e-4, 60)
    notes = [e.note for e in events if e.note]
    assert notes and all(e.stage == "Solving" for e in events)
    gaps = []
    for text in notes:
        found = re.fullmatch(r"best so far within ([\d.]+)% \(target 0\.01%\)", text)
        assert found or text == "no portfolio found yet", text
        if found:
            gaps.append(float(found.group(1)))
    assert gaps and gaps[-1] <= gaps[0]
    quiet = solver.solve(lp, "highs", 1e-4, 60)
    assert heard.values == quiet.values and heard.objective == quiet.objective
    assert progress.noting() is None, "nobody listens: nothing is said, no callback is set"


def test_the_target_gap_is_said_as_given():
    """A gap of 0.001% is not "target 0.00%": the figure a user passed, without trailing zeros."""
    from portfolio_opt.core.solver import _gap_news

    heard = []

    class Out:
        running_time, mip_primal_bound, mip_gap = 5.0, 1.0, 0.0123

    class Event:
        data_out = Out

    for gap, said in ((1e-4, "0.01%"), (1e-5, "0.001%"), (0.01, "1%"), (0.0015, "0.15%"), (0.0, "0%")):
        _gap_news(heard.append, gap)(Event)
        assert heard[-1] == f"best so far within 1.2% (target {said})"


def test_a_terminal_shows_a_solves_news_on_a_single_jobs_line_only():
    line = ProgressLine(TTY())
    news = "best so far within 0.26% (target 0.01%)"
    line(progress.Event("Finding the budget range", 0, None, 0.0))
    line(progress.Event("Solving 40 initiatives", 0, None, 0.0))  # inside: the outer line speaks
    line(progress.Event("Solving 40 initiatives", 0, None, 1.0, note=news))
    assert f"Finding the budget range: 0 s, {news}" in line.stream.getvalue()
    line(progress.Event("Solving 40 initiatives", 0, None, 2.0, finished=True))
    line(progress.Event("Finding the budget range", 0, None, 2.0, finished=True))
    sweep = ProgressLine(TTY())
    sweep(progress.Event("Frontier", 0, 5, 0.0))
    sweep(progress.Event("Frontier", 0, 5, 1.0, note=news))
    assert news not in sweep.stream.getvalue(), "a sweep's count is not one solve's news"
    log = ProgressLine(io.StringIO())
    log(progress.Event("Solving", 0, None, 0.0))
    log(progress.Event("Solving", 0, None, 1.0, note=news))
    log(progress.Event("Solving", 0, None, 3.0, finished=True))
    assert log.stream.getvalue() == "Solving: done in 3.0 s\n", "a log gets one line per stage"


def test_a_line_wider_than_the_terminal_drops_its_aside_first(monkeypatch):
    """A line wider than the terminal would wrap, and be redrawn as a new line each time. (The
    clock is the line's own: 0 s, as the test draws at once.)"""
    import os
    import shutil

    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((80, 24)))
    line = ProgressLine(TTY())
    stage = "Solving 10,000 initiatives × 8 periods"
    line(progress.Event(stage, 0, None, 0.0))
    line(progress.Event(stage, 0, None, 3.0, note="best so far within 0.26% (target 0.01%)"))
    assert line.stream.getvalue().split("\r")[-1].rstrip() == f"{stage}: 0 s, best so far within 0.26%"
    monkeypatch.setattr(shutil, "get_terminal_size", lambda *a: os.terminal_size((40, 24)))
    line(progress.Event(stage, 0, None, 4.0, note="best so far within 0.25% (target 0.01%)"))
    assert line.stream.getvalue().split("\r")[-1].rstrip() == f"{stage}: 0 s, best so far within 0.25%"[:39]
