"""Committee scoring: AHP weights and consistency on published matrices, WSJF and
RICE by hand, weighted and blend against brute force, and bad judgments at their cells."""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from random_plans import BETS, between, of_total, random_plan

from portfolio_opt import Plan
from portfolio_opt.cli import main
from portfolio_opt.core.criteria import ahp, geometric_mean, normalized, rice, saaty, wsjf
from portfolio_opt.core.optimize import optimize
from portfolio_opt.core.scoring import plan_scores
from portfolio_opt.workbook.sample import (
    CONSTRAINTS,
    CRITERIA_COLUMNS,
    CRITERIA_ROWS,
    CRITERIA_SETTINGS,
    EXTRA_COLUMNS,
    PAIRWISE_MATRIX,
    SETTINGS,
    sample_rows,
)
from portfolio_opt.workbook.template import write_planning_workbook

DATA = Path(__file__).resolve().parent.parent / "data"


def _run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    return r, (json.loads(r.stdout) if r.stdout.strip().startswith("{") else None)


# --------------------------------------------------------------------------- AHP


@pytest.mark.parametrize(
    "matrix,weights,cr",
    [
        # textbook examples: principal eigenvector and consistency ratio (Saaty's random index 0.58)
        ([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]], (0.6370, 0.2583, 0.1047), 0.0332),
        ([[1, 1 / 3, 1 / 2], [3, 1, 3], [2, 1 / 3, 1]], (0.1571, 0.5936, 0.2493), 0.0462),
    ],
)
def test_ahp_weights_and_consistency_on_published_matrices(matrix, weights, cr):
    w = ahp(matrix)
    assert w.weights == pytest.approx(weights, abs=5e-5)
    assert w.consistency_ratio == pytest.approx(cr, abs=5e-5)


def test_a_consistent_matrix_gives_its_own_weights_and_ratio_zero():
    truth = np.array([0.5, 0.3, 0.15, 0.05])
    w = ahp(truth[:, None] / truth[None, :])
    assert w.weights == pytest.approx(tuple(truth)) and w.consistency_ratio == pytest.approx(0, abs=1e-9)
    assert w.lambda_max == pytest.approx(4)


def test_raters_combine_by_geometric_mean_and_scales_round_to_saaty():
    a = np.array([[1, 3], [1 / 3, 1]])
    b = np.array([[1, 1 / 3], [3, 1]])
    assert geometric_mean([a, b]) == pytest.approx(np.ones((2, 2)))
    assert (saaty(7.6), saaty(0.14), saaty(1.2)) == (8.0, 1 / 7, 1.0)
    assert normalized(2, 0, 10, higher=False) == pytest.approx(0.8)


def test_wsjf_and_rice_by_hand():
    assert wsjf(8, 5, 3, 4) == 4.0
    assert rice(2000, 2, 0.8, 4) == 800.0


# --------------------------------------------------------------------------- workbooks


def _workbook(
    tmp_path, settings=CRITERIA_SETTINGS, criteria=CRITERIA_ROWS, pairwise=PAIRWISE_MATRIX, rows=None, name="plan.xlsx"
) -> Path:
    rows = rows or sample_rows()
    for row in rows:
        if "Strategic fit" not in row:
            fit, customer, regulatory = CRITERIA_COLUMNS[row["ID"]]
            row.update({"Strategic fit": fit, "Customer impact": customer, "Regulatory need": regulatory})
    extra = EXTRA_COLUMNS + tuple((h, "0", "") for h in ("Strategic fit", "Customer impact", "Regulatory need"))
    extra += tuple(
        (h, None, "") for h in sorted({k for r in rows for k in r} - {c[0] for c in extra} - set(sample_rows()[0]))
    )
    path = tmp_path / name
    write_planning_workbook(
        path,
        initiatives=rows,
        extra_columns=extra,
        constraints=CONSTRAINTS,
        settings=settings,
        criteria=criteria,
        pairwise=pairwise,
    )
    return path


def test_the_committee_sample_blends_and_reports_its_weights(tmp_path):
    out = tmp_path / "r.xlsx"
    r, data = _run("optimize", DATA / "sample_criteria.xlsx", "-o", out, "--json")
    assert r.exit_code == 0, r.output
    c = data["criteria"]
    assert c["scoring"] == "blend" and c["source"] == "pairwise"
    m = ahp([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    assert list(c["weights"].values()) == pytest.approx(list(m.weights))
    assert c["consistency_ratio"] == pytest.approx(m.consistency_ratio)
    assert sum(c["weights"].values()) == pytest.approx(1)
    by = {x["id"]: x for x in data["initiatives"]}
    fit, customer, regulatory = CRITERIA_COLUMNS["INI-001"]  # 5, 5, 0 on 1-5, 1-5, 0-10
    w = m.weights
    assert by["INI-001"]["criteria_score"] == pytest.approx(w[0] * 1 + w[1] * 1 + w[2] * 0)
    ws = openpyxl.load_workbook(out)
    header = [x.value for x in ws["Ranking"][1]]
    assert "Strategic fit (weighted)" in header and "Criteria score" in header
    labels = [ws["Summary"].cell(row=k, column=1).value for k in range(1, ws["Summary"].max_row + 1)]
    assert "Criterion" in labels and "Committee scoring" in labels
    assert "Total score (blend)" in labels and "Total expected value" not in labels  # a score, named so
    assert set(c["entered"]) | set(c["left"])  # the committee's view changes the portfolio


def test_the_explanation_speaks_in_criteria_and_is_right(tmp_path):
    r = CliRunner().invoke(main, ["explain", str(DATA / "sample_criteria.xlsx"), "INI-033"])
    m = re.search(r"That is: if its (.+?) rose from ([\d.]+) to ([\d.]+)\.", r.output)
    assert m, r.output
    column, before, after = m.group(1), float(m.group(2)), float(m.group(3))
    rows = sample_rows()
    for row in rows:
        fit, customer, regulatory = CRITERIA_COLUMNS[row["ID"]]
        row.update({"Strategic fit": fit, "Customer impact": customer, "Regulatory need": regulatory})
        if row["ID"] == "INI-033":
            assert row[column] == before
            row[column] = after
    r2, data = _run(
        "optimize", _workbook(tmp_path, rows=rows), "-o", tmp_path / "o.xlsx", "--explain-limit", "0", "--json"
    )
    assert "INI-033" in data["selected"]


@pytest.mark.parametrize("scoring", ["wsjf", "rice"])
def test_wsjf_and_rice_score_rows_by_hand_and_optimize(tmp_path, scoring):
    rows = sample_rows()
    for k, row in enumerate(rows):
        row.update(
            {
                "Business value": 1 + k % 8,
                "Time criticality": 1 + k % 5,
                "Risk reduction": k % 3,
                "Job size": 1 + k % 7,
                "Reach": 100 * (1 + k % 9),
                "Confidence": 0.5 + (k % 5) / 10,
                "Effort": 1 + k % 4,
            }
        )
    path = _workbook(tmp_path, settings=SETTINGS + (("Scoring", scoring),), criteria=None, pairwise=(), rows=rows)
    r, data = _run("optimize", path, "-o", tmp_path / "o.xlsx", "--json", "--explain-limit", "0")
    assert r.exit_code == 0, r.output
    by = {x["id"]: x for x in data["initiatives"]}
    for row in rows:
        want = (
            wsjf(row["Business value"], row["Time criticality"], row["Risk reduction"], row["Job size"])
            if scoring == "wsjf"
            else rice(row["Reach"], row["Impact (per year)"], row["Confidence"], row["Effort"])
        )
        assert by[row["ID"]]["criteria_score"] == pytest.approx(want)
        assert by[row["ID"]]["score"] == pytest.approx(want)
    assert data["objective"] == pytest.approx(sum(by[i]["score"] for i in data["selected"]))


def _brute(plan: Plan) -> float:
    scores = plan_scores(plan)
    best = -math.inf
    for mask in itertools.product((0, 1), repeat=len(plan.initiatives)):
        if sum(i.cost for i, x in zip(plan.initiatives, mask) if x) <= plan.settings.budget + 1e-6:
            best = max(best, math.fsum(s for s, x in zip(scores, mask) if x))
    return best


@pytest.mark.parametrize("scoring,seed", [(s, k) for s in ("weighted", "blend") for k in range(4)])
def test_weighted_and_blend_equal_brute_force(scoring, seed):
    plan = random_plan(
        10,
        seed,
        BETS.but(
            impact=between(100_000, 2_000_000),
            probability=between(0.3, 0.9),
            fields={"criteria_score": between(0, 1)},
        ),
        budget=of_total(0.4),
        scoring=scoring,
        criteria_weight=between(0.2, 1.0),
    )
    inis = plan.initiatives
    assert optimize(plan).objective == pytest.approx(_brute(plan), rel=1e-9)
    if scoring == "blend":  # a criteria score of 0.5 leaves the expected value as it is
        flat = plan.with_initiatives(tuple(replace(i, criteria_score=0.5) for i in inis))
        plain = plan.with_settings(scoring="expected value")
        assert plan_scores(flat) == pytest.approx(plan_scores(plain))


def test_lower_is_better_reverses_a_criterion(tmp_path):
    rows = [dict(CRITERIA_ROWS[0], Weight=1.0, Direction="lower")]
    path = _workbook(tmp_path, settings=SETTINGS + (("Scoring", "weighted"),), criteria=rows, pairwise=())
    r, data = _run("optimize", path, "-o", tmp_path / "o.xlsx", "--json", "--explain-limit", "0")
    assert r.exit_code == 0, r.output
    by = {x["id"]: x for x in data["initiatives"]}
    for ini_id, (fit, _, _) in CRITERIA_COLUMNS.items():
        assert by[ini_id]["criteria_score"] == pytest.approx((5 - fit) / 4)


def test_raters_as_blocks_or_a_rater_column_give_the_same_weights(tmp_path):
    second = (
        ("Dana", "Strategic fit", "Customer impact", "Regulatory need"),
        ("Strategic fit", 1, 5, 7),
        ("Customer impact", None, 1, 3),
        ("Regulatory need", None, None, 1),
    )
    blocks = PAIRWISE_MATRIX + ((None,),) + second
    rater = (
        (("Rater", "Criterion", "Strategic fit", "Customer impact", "Regulatory need"),)
        + tuple(("Alex",) + row for row in PAIRWISE_MATRIX[1:])
        + tuple(("Dana",) + row for row in second[1:])
    )
    weights = []
    for k, pairwise in enumerate((blocks, rater)):
        path = _workbook(tmp_path, pairwise=pairwise, name=f"p{k}.xlsx")
        r, data = _run("optimize", path, "-o", tmp_path / f"o{k}.xlsx", "--json", "--explain-limit", "0")
        assert r.exit_code == 0, r.output
        weights.append(list(data["criteria"]["weights"].values()))
    a = np.array([[1, 3, 5], [1 / 3, 1, 2], [1 / 5, 1 / 2, 1]])
    b = np.array([[1, 5, 7], [1 / 5, 1, 3], [1 / 7, 1 / 3, 1]])
    want = ahp(geometric_mean([a, b])).weights
    assert weights[0] == pytest.approx(list(want)) and weights[1] == pytest.approx(list(want))


def test_inconsistent_judgments_warn_with_the_judgment_that_breaks_them(tmp_path):
    bad = (
        PAIRWISE_MATRIX[0],
        ("Strategic fit", 1, 9, 1 / 9),
        ("Customer impact", None, 1, 9),
        ("Regulatory need", None, None, 1),
    )
    r, data = _run(
        "optimize", _workbook(tmp_path, pairwise=bad), "-o", tmp_path / "o.xlsx", "--json", "--explain-limit", "0"
    )
    assert r.exit_code == 0
    warning = next(w for w in data["warnings"] if "inconsistent" in w)
    assert "consistency ratio" in warning and "would fit" in warning
    assert data["criteria"]["consistency_ratio"] > 0.1


@pytest.mark.parametrize(
    "cell,value,code",
    [
        ((2, 3), 0, "bad-judgment"),
        ((2, 3), -3, "bad-judgment"),
        ((3, 2), 3, "not-reciprocal"),  # Customer impact against Strategic fit 3, while the other says 3 too
        ("criterion", "Team happiness", "unknown-criterion"),
    ],
)
def test_bad_judgments_and_criteria_are_refused_at_their_cells(tmp_path, cell, value, code):
    pairwise = [list(r) for r in PAIRWISE_MATRIX]
    criteria = [dict(c) for c in CRITERIA_ROWS]
    if cell == "criterion":
        criteria[1]["Criterion"] = value
        where = "Criteria!A3"  # the header, then a row per criterion
    else:
        r, c = cell
        pairwise[r - 1][c - 1] = value
        where = f"Pairwise!{'ABCD'[c - 1]}{r}"
    path = _workbook(tmp_path, pairwise=pairwise, criteria=criteria)
    before = path.read_bytes()
    r, data = _run("optimize", path, "-o", tmp_path / "o.xlsx", "--json")
    assert r.exit_code == 3, r.output
    assert any(p["code"] == code and p["where"] == where for p in data["problems"]), data["problems"]
    assert path.read_bytes() == before and not (tmp_path / "o.xlsx").exists()


def test_npv_with_a_score_that_is_not_money_is_refused(tmp_path):
    path = _workbook(
        tmp_path,
        settings=tuple(s for s in SETTINGS if s[0] != "Objective") + (("Objective", "npv"), ("Scoring", "weighted")),
    )
    r, data = _run("validate", path, "--json")
    assert r.exit_code == 3
    assert any(p["code"] == "bad-setting" and "Objective npv" in p["message"] for p in data["problems"])
