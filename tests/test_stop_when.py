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
