"""A solve stopped from another thread (``po.stop_when``) ends as at its time limit, with the best
portfolio found and an honest bound, and the process goes on; a long solve's progress events
carry its figures (best value, bound, gap) beside its words."""

from __future__ import annotations

import threading
import time

from conftest import ROOT

import portfolio_opt as po
from portfolio_opt.core import formulation, solver
from portfolio_opt.runtime import progress

QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"


def test_a_stop_from_another_thread_keeps_the_best_portfolio_found(monkeypatch):
    monkeypatch.setattr(solver, "GAP_NEWS_EVERY", 0.0)  # every report, not one a second
    lp = formulation.build(po.read_plan(QUARTERLY))
    stop, found, events = threading.Event(), threading.Event(), []

    def listen(event: po.ProgressEvent) -> None:
        events.append(event)
        if event.best is not None:
            found.set()

    # another thread (a server's request) stops it once a portfolio is found
    threading.Thread(target=lambda: found.wait(30) and stop.set(), daemon=True).start()
    started = time.perf_counter()
    with po.on_progress(listen), progress.stage("Solving"), po.stop_when(stop):
        stopped = solver.solve(lp, "highs", 0.0, 60)
    assert time.perf_counter() - started < 30
    assert stopped.status is po.Status.FEASIBLE and stopped.values is not None
    assert stopped.gap is not None and stopped.gap > 0 and stopped.bound >= stopped.objective
    figures = [e for e in events if e.best is not None]
    assert figures and all(e.bound >= e.best and e.gap is not None and e.gap >= 0 for e in figures)
    assert figures[0].note.startswith("best so far within")
    # outside the block nothing stops: the same program is solved to its end
    assert solver.solve(lp, "highs", 1e-2, 60).status is po.Status.OPTIMAL


def test_a_search_stopped_at_once_on_a_plan_without_a_time_limit_says_it_was_stopped():
    """A what-if cancelled before its search found anything, on a plan with no time limit (the
    default), says it was stopped at the user's request: not a TypeError formatting the missing
    limit (a job then reported "the solve failed"); a portfolio found before the stop says so in
    its warning, not a time limit."""
    from random_plans import random_plan

    plan = random_plan(400, seed=3, time_limit=None)
    warm = po.WarmPlan(plan)
    stop = threading.Event()
    stop.set()
    said = []
    for changes in ([po.Change(po.ChangeKind.SETTING, po.Objective.NPV, "", "objective")], []):
        with po.stop_when(stop):
            try:
                said += warm.solve(changes).result().warnings
            except po.NoPortfolioFound as exc:
                said.append(str(exc))
    assert said and all("time limit" not in text for text in said)
    assert any(text.startswith("stopped at your request") for text in said)
