"""Big plans (issue 30): where the bound fixes too little at the gap, a neighbourhood of the
first portfolio wider than the improvement step's finds one within the gap, and the bound
proves it, without handing the whole program to the solver."""

from __future__ import annotations

import sys

import pytest
from conftest import ROOT

from portfolio_opt.core import formulation, reduction, solver
from portfolio_opt.model.result import Status

sys.path.insert(0, str(ROOT / "benchmarks"))

from plans import shaped_plan  # noqa: E402

GAP = 1e-4  #: the default gap


def keeps(lp: solver.LinearProgram, x: tuple[float, ...]) -> bool:
    """Whether the 0-1 point ``x`` keeps every bound and row of ``lp``."""
    return reduction.feasible(lp, x)


def test_a_wider_neighbourhood_reaches_the_gap_the_first_portfolio_misses():
    """Issue 30's plan at 10,000 initiatives: its dive is short of the gap; the first wider
    neighbourhood (2,400 columns of smallest reduced cost) holds a portfolio within it, which
    the bound proves (optimal, the bound the LP's)."""
    lp = formulation.build(shaped_plan(10_000))
    relaxed = solver.solve(lp, "highs", 0.0, None, relax=True)
    bound = reduction.lagrangian(lp, relaxed.duals)
    first = reduction.dive(lp, relaxed.values, "highs", GAP, None)
    assert first is not None and solver.relative_gap(first.objective, bound.value) > GAP, "the dive is not enough"
    search = reduction._Search(lp, "highs", GAP, None, None, False)
    done, best = search.wider(bound, first)
    assert done is not None, "a wider neighbourhood settles it"
    assert done.status.value == "optimal" and done.bound == bound.value and done.gap <= GAP
    assert done.objective > first.objective and keeps(lp, done.values)
    assert best is not None and best.objective == done.objective
    assert done.fixed and done.fixed > lp.n_vars // 2, "at its value the bound fixes most columns"


def test_no_neighbourhood_is_searched_when_the_first_portfolio_is_far_from_the_bound():
    """A portfolio further from the bound than the improvement step looks (20 gaps) is left as
    it is: the LP is not tight there, and the whole program is the way."""
    lp = formulation.build(shaped_plan(2_000))
    relaxed = solver.solve(lp, "highs", 0.0, None, relax=True)
    bound = reduction.lagrangian(lp, relaxed.duals)
    nothing = solver.Solution(Status.FEASIBLE, tuple(0.0 for _ in lp.objective), 0.0, None, None, 0.0, "highs", "")
    search = reduction._Search(lp, "highs", GAP, None, None, False)
    assert search.wider(bound, nothing) == (None, nothing)
    assert search.wider(bound, None) == (None, None)


@pytest.mark.slow
def test_issue_30s_plan_of_100000_initiatives_is_proved_without_the_whole_program(monkeypatch):
    """At 100,000 initiatives the bound fixes 2% of the columns at the gap, so no round runs;
    before the wider neighbourhoods the whole program went to HiGHS (still searching after
    three minutes of CPU)."""
    lp = formulation.build(shaped_plan(100_000))
    wholes = []
    monkeypatch.setattr(reduction._Search, "whole", lambda self, start=None: wholes.append(1))
    sol = reduction.solve(lp, "highs", GAP, 600)
    assert not wholes, "the whole program was not solved"
    assert sol.status.value == "optimal" and sol.gap <= GAP and keeps(lp, sol.values)
    assert sol.bound >= sol.objective and sol.fixed > 0.5 * lp.n_vars


def _row(k: int, **cells: object) -> dict[str, object]:
    row: dict[str, object] = {
        "ID": f"I{k}",
        "Name": f"Initiative {k}",
        "Impact (per year)": 900_000,
        "Probability": 0.5,
        "Time to value (months)": 6,
        "Cost": 300_000,
        "Data eng FTE": 1,
    }
    row.update(cells)
    return row


def test_number_cells_read_as_the_parser_reads_them(tmp_path):
    """Number cells are read without the parser's calls (the speed of reading 100,000 rows),
    by the same rule: an int or a float within bounds is that number, as a float; TRUE, a
    number beyond the largest magnitude and a refused figure are each reported at their cell;
    a team column's numbers typed as text are numbers in the initiative's values."""
    from portfolio_opt import InvalidWorkbook, read_plan
    from portfolio_opt.workbook.template import write_planning_workbook

    path = tmp_path / "plan.xlsx"
    rows = [_row(1), _row(2, Cost=250_000.5, **{"Data eng FTE": "1.5"}), _row(3, **{"Data eng FTE": "2"})]
    write_planning_workbook(path, rows, extra_columns=[("Data eng FTE", "0.0", "")], settings=[("Budget", 1e6)])
    plan = read_plan(path)
    one, two, three = plan.initiatives
    assert (one.cost, two.cost, one.impact, one.time_to_value) == (300_000.0, 250_000.5, 900_000.0, 6.0)
    assert all(type(x) is float for x in (one.cost, one.impact, one.time_to_value, one.probability))
    assert three.values["Data eng FTE"] == 2.0 and type(three.values["Data eng FTE"]) is float
    assert type(one.values["Data eng FTE"]) is float and "Data eng FTE" in plan.numeric_columns

    bad = tmp_path / "bad.xlsx"
    rows = [
        _row(1, Cost=2 * 10**15),
        _row(2, **{"Impact (per year)": True}),
        _row(3, Cost=-5),
        _row(4, Probability=1.5),
    ]
    write_planning_workbook(bad, rows, extra_columns=[("Data eng FTE", "0.0", "")], settings=[("Budget", 1e6)])
    with pytest.raises(InvalidWorkbook) as caught:
        read_plan(bad)
    found = {(p.code, p.where) for p in caught.value.problems}
    assert {
        ("too-large", "Initiatives!I2"),
        ("not-a-number", "Initiatives!F3"),
        ("out-of-range", "Initiatives!I4"),
        ("out-of-range", "Initiatives!G5"),
    } <= found, found


def test_no_collection_runs_while_a_plan_is_read_and_the_collector_is_left_as_it_was(tmp_path):
    """The collector is paused while a plan is read (everything read lives on in the plan: a
    collection would free nothing and walk it all) and left as it was found: on, or off when
    the caller had turned it off."""
    import gc

    from portfolio_opt import read_plan
    from portfolio_opt.workbook.template import write_planning_workbook

    path = tmp_path / "plan.xlsx"
    rows = [_row(k) for k in range(300)]
    write_planning_workbook(path, rows, extra_columns=[("Data eng FTE", "0.0", "")], settings=[("Budget", 1e6)])
    collections: list[int] = []

    def heard(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    was = gc.isenabled()
    gc.callbacks.append(heard)
    try:
        gc.enable()
        plan = read_plan(path)
        # (the young objects of the read are looked at once, as the pause ends)
        assert len(plan.initiatives) == 300 and collections in ([], [0]), collections
        assert gc.isenabled()
        gc.disable()
        read_plan(path)
        assert not gc.isenabled()
    finally:
        gc.callbacks.remove(heard)
        if was:
            gc.enable()


def test_the_bounded_id_search_suggests_what_the_whole_distance_does():
    """Suggestions for an unknown ID look through every ID of the plan (100,000 at most), each
    distance bounded by the reach: the same suggestions, in the same order, as the distances
    worked out in full; and a bounded distance is the distance itself whenever it is within."""
    import random

    from portfolio_opt.model import ids as idm

    def reference(typed: str, known: list[str]) -> tuple[str, ...]:
        wanted = idm.read_as(typed)
        if len(wanted) < 2:
            return ()
        reach, plain = max(1, len(wanted) // 3), typed.casefold()
        ranked: dict[tuple[int, int], list[str]] = {}
        for k in known:
            d = idm.edits(wanted, idm.read_as(k))
            if d <= reach:
                ranked.setdefault((d, idm.edits(plain, k.casefold())), []).append(k)
        out: list[str] = []
        for rank in sorted(ranked):
            tier = ranked[rank]
            if (not out and len(tier) > 1) or len(out) + len(tier) > idm.MOST or rank[0] > min(ranked)[0]:
                break
            out += tier
        return tuple(out)

    rng = random.Random(7)
    alphabet = "abcOl01-_ 23xy"
    words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 9))) for _ in range(400)]
    known = [f"INI-{k:03d}" for k in range(1, 60)] + [f"ML-{k:02d}" for k in range(1, 30)] + words[:200]
    for typed in words[200:] + ["ini-7", "ML-O3", "INI-41", "Ml 1", "INI-0O7"]:
        assert idm.closest(typed, known) == reference(typed, known), typed
    for a in words[:60]:
        for b in words[60:120]:
            full = idm.edits(a, b)
            for limit in (0, 1, 2, 3):
                bounded = idm.edits(a, b, limit)
                assert bounded == full if full <= limit else bounded > limit, (a, b, limit)
