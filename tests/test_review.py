"""The quarterly review: continue/stop, keep/retire against brute force, sunk cost,
value realized, and what changed between two quarters."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner

from portfolio_opt import Initiative, Limit, Plan, Settings
from portfolio_opt.cli import main
from portfolio_opt.core.optimize import optimize
from portfolio_opt.core.scoring import plan_scores
from portfolio_opt.model.plan import Decision, Objective, Stage
from portfolio_opt.workbook.sample import CONSTRAINTS, EXTRA_COLUMNS, Q2_SETTINGS, q2_rows
from portfolio_opt.workbook.template import write_planning_workbook

DATA = Path(__file__).resolve().parent.parent / "data"


def _q2(tmp_path, name="q2.xlsx", rows=None, settings=Q2_SETTINGS) -> Path:
    path = tmp_path / name
    write_planning_workbook(
        path, initiatives=rows or q2_rows(), extra_columns=EXTRA_COLUMNS, constraints=CONSTRAINTS, settings=settings
    )
    return path


def _run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    return r, (json.loads(r.stdout) if r.stdout.strip().startswith("{") else None)


# --------------------------------------------------------------------------- the model, by brute force


def _brute_force(plan: Plan) -> float:
    """The best objective over every choice, each row's cost counted as its status says: a
    selected row costs its Cost (what is left, for one in progress), an unselected one its
    stop or retire cost."""
    s = plan.settings
    scores = plan_scores(plan)
    best = -math.inf
    for mask in itertools.product((0, 1), repeat=len(plan.initiatives)):
        inis = plan.initiatives
        if any(x and ini.decision is Decision.EXCLUDE for ini, x in zip(inis, mask)):
            continue
        if any(not x and ini.decision is Decision.MUST for ini, x in zip(inis, mask)):
            continue
        spend = math.fsum(ini.cost if x else ini.out_cost for ini, x in zip(inis, mask))
        if spend > s.budget + 1e-6:
            continue
        ok = True
        for lim in plan.limits:
            if lim.column == "Count":
                used = sum(x for ini, x in zip(inis, mask) if lim.applies_to(ini))
            else:
                used = math.fsum((ini.cost if x else ini.out_cost) for ini, x in zip(inis, mask) if lim.applies_to(ini))
            if lim.max is not None and used > lim.max + 1e-6:
                ok = False
        if not ok:
            continue
        if s.objective is Objective.NPV:
            value = math.fsum(sc - ini.cost if x else -ini.out_cost for sc, ini, x in zip(scores, inis, mask))
        else:
            value = math.fsum(sc for sc, x in zip(scores, mask) if x)
        best = max(best, value)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_continue_stop_keep_retire_start_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    stages = [Stage.PROPOSED, Stage.IN_PROGRESS, Stage.LIVE, Stage.DONE, Stage.STOPPED]
    inis = []
    for k in range(9):
        stage = stages[int(rng.integers(0, 5))] if k else Stage.IN_PROGRESS
        impact = float(rng.uniform(1e5, 2e6))
        run = float(rng.uniform(0, 1.2)) * impact if stage is Stage.LIVE else float(rng.uniform(0, 0.1)) * impact
        inis.append(
            Initiative(
                f"I{k}",
                f"n{k}",
                impact,
                1.0 if stage is Stage.LIVE else float(rng.uniform(0.3, 0.9)),
                0.0 if stage is Stage.LIVE else float(rng.integers(0, 10)),
                0.0 if stage is Stage.LIVE else float(rng.integers(1, 10)) * 1e5,
                run_cost=run,
                status=stage,
                out_cost=float(rng.integers(0, 4)) * 5e4 if stage in (Stage.IN_PROGRESS, Stage.LIVE) else 0.0,
                decision=Decision.EXCLUDE if stage in (Stage.DONE, Stage.STOPPED) else Decision.FREE,
                theme=("A", "B")[k % 2],
                values={"Theme": ("A", "B")[k % 2]},
            )
        )
    budget = 0.4 * sum(i.cost for i in inis) + sum(i.out_cost for i in inis)
    limits = (Limit("Cost", max=0.3 * budget, scope=("Theme", "A"), source="test"), Limit("Count", max=5, source="t"))
    plan = Plan(
        tuple(inis),
        limits=limits,
        settings=Settings(budget=budget, gap=0.0, objective=Objective.NPV if seed % 2 else Objective.VALUE),
    )
    result = optimize(plan)
    assert result.objective == pytest.approx(_brute_force(plan), rel=1e-7, abs=1e-3)
    spend = math.fsum(r.cost if r.selected else plan.initiatives[plan.index(r.id)].out_cost for r in result.initiatives)
    assert result.total_cost == pytest.approx(spend)
    assert result.limits[0].used == pytest.approx(spend)  # the budget counts stop and retire costs
    decisions = {r.id: r.decision for r in result.initiatives}
    for ini in inis:
        on = ini.id in result.selected
        want = {
            Stage.PROPOSED: ("start" if on else "not selected"),
            Stage.IN_PROGRESS: ("continue" if on else "stop"),
            Stage.LIVE: ("keep" if on else "retire"),
            Stage.DONE: "done",
            Stage.STOPPED: "stopped",
        }[ini.stage]
        assert decisions[ini.id] == want


@pytest.mark.slow
def test_sunk_cost_never_changes_a_decision(tmp_path):
    outs = []
    for spent in (100_000, 300_000, 800_000):
        rows = q2_rows()
        for row in rows:
            if row["ID"] == "INI-001":
                row.update({"Spent to date": spent, "Remaining cost": 550_000})
        _, data = _run(
            "optimize",
            _q2(tmp_path, f"s{spent}.xlsx", rows),
            "-o",
            tmp_path / f"r{spent}.xlsx",
            "--explain-limit",
            "0",
            "--json",
        )
        outs.append((data["selected"], data["objective"], data["total_cost"]))
    assert outs[0] == outs[1] == outs[2]


def test_the_second_quarter_sample_decides_and_realizes(tmp_path):
    out = tmp_path / "r.xlsx"
    r, data = _run("optimize", DATA / "sample_q2.xlsx", "-o", out, "--explain-limit", "0", "--json")
    assert r.exit_code == 0, r.output
    by_id = {x["id"]: x for x in data["initiatives"]}
    assert {x["decision"] for x in data["initiatives"]} >= {
        "start",
        "continue",
        "stop",
        "keep",
        "retire",
        "done",
        "stopped",
        "not selected",
    }
    # a live model whose run cost exceeds its benefit is retired, and the reason says so
    assert by_id["INI-024"]["decision"] == "retire"
    assert by_id["INI-024"]["reason"] == "retire: run cost 80,000 a year exceeds its benefit of 60,000"
    assert by_id["INI-010"]["reason"].startswith("stop: the remaining 500,000 earns more elsewhere")
    assert by_id["INI-001"]["cost"] == 550_000  # Cost 850,000 less 300,000 spent
    # realization by hand: INI-020 went live on 2027-01-15; to 2027-04-01 is 2 months and 17 days
    real = {x["id"]: x for x in data["realization"]}
    forecast = 450_000 * (2 + 17 / 30) / 12
    assert real["INI-020"]["forecast_to_date"] == pytest.approx(forecast)
    assert real["INI-020"]["rate"] == pytest.approx(10_000 / forecast)
    assert real["INI-020"]["flag"] == "below 50% of forecast"
    assert real["INI-035"]["flag"] == "no value yet past its time to value"
    assert real["INI-011"]["forecast_to_date"] == pytest.approx(400_000 * 3 / 12)  # live since 2027-01-01
    assert data["run_cost"]["max"] == 2_500_000 and 0 < data["run_cost"]["used"] <= 2_500_000
    wb = openpyxl.load_workbook(out)
    assert "Value realization" in wb.sheetnames and "Realization by group" in wb.sheetnames
    assert len(wb["Realization by group"]._charts) == 1
    groups = wb["Realization by group"]
    assert groups["A1"].value == "Outcome metric" and groups["E1"].value == "Realization rate"
    header = [c.value for c in wb["Ranking"][1]]
    assert "Decision" in header
    # the results workbook reads back as the same plan
    r2, again = _run("optimize", out, "-o", tmp_path / "again.xlsx", "--explain-limit", "0", "--json")
    assert r2.exit_code == 0, r2.output
    assert again["selected"] == data["selected"] and again["objective"] == pytest.approx(data["objective"])


def test_review_attributes_each_move_to_its_change(tmp_path):
    q1 = tmp_path / "q1.xlsx"
    _run("optimize", DATA / "sample_plan.xlsx", "-o", q1, "--explain-limit", "0")
    r, data = _run("review", q1, DATA / "sample_q2.xlsx", "-o", tmp_path / "review.xlsx", "--json")
    assert r.exit_code == 0, r.output
    changes = {(c["id"], c["field"]): (c["before"], c["after"]) for c in data["changes"]}
    assert changes[("INI-023", "Cost")] == (300_000, 380_000)
    assert changes[("INI-010", "Impact")] == (500_000, 300_000)
    assert changes[("INI-024", "Status")] == ("Proposed", "Live")
    assert any(c["field"] == "settings and limits" for c in data["changes"])
    moves = {m["id"]: (m["move"], m["cause"]) for m in data["moves"]}
    assert moves["INI-011"] == ("done", "its Status")
    assert moves["INI-034"] == ("left", "settings and limits")  # the smaller budget alone drops it
    assert data["this"]["decisions"]["INI-024"] == "retire"
    assert data["last"]["objective"] == pytest.approx(32_503_790, abs=1)
    wb = openpyxl.load_workbook(tmp_path / "review.xlsx")
    assert wb.sheetnames[:3] == ["Quarter review", "Estimate changes", "Value realization"]


@pytest.mark.parametrize(
    "row_id,cells,where_column",
    [
        ("INI-003", {"Status": "maybe"}, "Status"),
        ("INI-003", {"Status": "In progress", "Spent to date": 900_000}, "Spent to date"),
        ("INI-003", {"Status": "In progress", "Started": "2027-06-01"}, "Started"),
        ("INI-003", {"Status": "Live", "Live since": "next spring"}, "Live since"),
    ],
)
def test_bad_review_inputs_are_refused_at_their_cells(tmp_path, row_id, cells, where_column):
    rows = q2_rows()
    for row in rows:
        if row["ID"] == row_id:
            row.update(cells)
    path = _q2(tmp_path, rows=rows)
    before = path.read_bytes()
    r, data = _run("optimize", path, "-o", tmp_path / "o.xlsx", "--json")
    assert r.exit_code == 3, r.output
    ws = openpyxl.load_workbook(path)["Initiatives"]
    col = next(c.column_letter for c in ws[1] if c.value == where_column)
    row_no = next(c.row for c in ws["A"] if c.value == row_id)
    assert any(p["where"] == f"Initiatives!{col}{row_no}" for p in data["problems"]), data["problems"]
    assert path.read_bytes() == before and not (tmp_path / "o.xlsx").exists()


def test_a_start_date_without_a_review_date_asks_for_one(tmp_path):
    settings = tuple(s for s in Q2_SETTINGS if s[0] != "Review date")
    path = _q2(tmp_path, settings=settings)
    r, data = _run("validate", path, "--json")
    assert r.exit_code == 3
    assert [p["code"] for p in data["problems"]] == ["missing-review-date"]
    assert "Review date" in data["problems"][0]["fix"]
