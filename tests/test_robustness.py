"""Robustness and alternatives: against enumeration and plans built to know the answer."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from random_plans import BETS, of_total, random_plan

from portfolio_opt import Initiative, Plan, Settings
from portfolio_opt.analyses.alternatives import alternatives, floor_value
from portfolio_opt.analyses.robustness import classify, robustness, version_plan
from portfolio_opt.cli import main
from portfolio_opt.core.scoring import objective_coefficients

DATA = Path(__file__).resolve().parent.parent / "data"


# --------------------------------------------------------------------------- alternatives


def _greedy_by_enumeration(plan: Plan, count: int, within: float, d: int) -> list[tuple[float, frozenset]]:
    """The same sequence, by enumerating every feasible portfolio."""
    coefs = objective_coefficients(plan)
    ids = [i.id for i in plan.initiatives]
    feasible = []
    for mask in itertools.product((0, 1), repeat=len(ids)):
        if sum(i.cost for i, x in zip(plan.initiatives, mask) if x) > plan.settings.budget + 1e-6:
            continue
        groups = [i.exclusive_group for i, x in zip(plan.initiatives, mask) if x and i.exclusive_group]
        if len(groups) != len(set(groups)):
            continue
        feasible.append((math.fsum(c for c, x in zip(coefs, mask) if x), frozenset(i for i, x in zip(ids, mask) if x)))
    feasible.sort(key=lambda t: -t[0])
    best = feasible[0][0]
    found = [feasible[0]]
    while len(found) < count:
        nxt = next(
            (
                f
                for f in feasible
                if f[0] >= floor_value(best, within) - 1e-6 and all(len(f[1] ^ g[1]) >= d for g in found)
            ),
            None,
        )
        if nxt is None:
            break
        found.append(nxt)
    return found


@pytest.mark.parametrize("seed,within,d", [(0, 0.02, 2), (1, 0.05, 3), (2, 0.01, 2), (3, 0.10, 4)])
def test_alternatives_are_the_best_such_set_by_enumeration(seed, within, d):
    plan = random_plan(9, seed, BETS, budget=of_total(0.45))
    if seed % 2:
        inis = list(plan.initiatives)
        inis[0], inis[1] = replace(inis[0], exclusive_group="X"), replace(inis[1], exclusive_group="X")
        plan = plan.with_initiatives(tuple(inis))
    got = alternatives(plan, count=5, within=within, min_difference=d)
    want = _greedy_by_enumeration(plan, 5, within, d)
    assert [p.objective for p in got.portfolios] == pytest.approx([v for v, _ in want], rel=1e-9)
    assert [frozenset(p.selected) for p in got.portfolios] == [s for _, s in want]
    assert (len(got.portfolios) < 5) == bool(got.note)
    best = got.portfolios[0].objective
    for p in got.portfolios:  # feasible, within the gap
        assert p.total_cost <= plan.settings.budget + 1e-6
        assert p.objective >= floor_value(best, within) - 1e-6
        assert p.gap == pytest.approx((best - p.objective) / best, abs=1e-12)
    for a, b in itertools.combinations(got.portfolios, 2):  # pairwise different enough
        assert len(set(a.selected) ^ set(b.selected)) >= d


def test_alternatives_command_writes_side_by_side(tmp_path):
    out = tmp_path / "alt.xlsx"
    r = CliRunner().invoke(
        main,
        [
            "alternatives",
            str(DATA / "sample_plan.xlsx"),
            "-o",
            str(out),
            "--count",
            "3",
            "--within",
            "1%",
            "--min-difference",
            "3",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["asked"] == 3 and data["found"] == 3 and data["within"] == 0.01 and data["min_difference"] == 3
    first = data["portfolios"][0]
    assert set(first) >= {"rank", "objective", "total_cost", "selected", "gap", "adds", "drops"}
    assert first["gap"] == 0 and first["adds"] == [] and first["drops"] == []
    assert first["objective"] == pytest.approx(32_503_790, abs=1)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == ["Alternatives", "Alternatives matrix"]
    assert [c.value for c in wb["Alternatives"][1]][:4] == ["Measure", "Optimum", "Alternative 1", "Alternative 2"]
    r = CliRunner().invoke(
        main,
        ["alternatives", str(DATA / "sample_plan.xlsx"), "-o", str(tmp_path / "b.xlsx"), "--within", "0.1%", "--json"],
    )
    data = json.loads(r.stdout)
    assert data["found"] < 5 and "no other portfolio" in data["note"]


# --------------------------------------------------------------------------- robustness


def test_dominant_initiatives_are_core_and_dominated_ones_exterior():
    plan = random_plan(10, 4, BETS, budget=of_total(0.5))
    inis = list(plan.initiatives)
    inis[0] = replace(inis[0], impact=5e7, probability=0.95, cost=1e5)  # far the best, cheap
    inis[1] = replace(inis[1], impact=1e4, probability=0.3, cost=9e5)  # worth next to nothing, dear
    plan = plan.with_initiatives(tuple(inis))
    r = robustness(plan, samples=30, spread=0.2, seed=3, workers=1)
    assert r.classes["I0"] == "core" and r.frequency["I0"] == 1.0
    assert r.classes["I1"] == "exterior" and r.frequency["I1"] == 0.0
    assert r.failed == 0 and r.solves == 31
    assert 0 <= r.optimal_share <= 1 and 0 <= r.regret_mean <= r.regret_p90 + 1e-9 <= r.regret_max + 2e-9
    assert r.corrected_value == pytest.approx(r.objective - r.bias)
    assert [classify(x) for x in (0.9, 0.5, 0.1)] == ["core", "borderline", "exterior"]


def test_the_optimizer_s_curse_is_positive_where_many_bets_look_alike():
    inis = tuple(Initiative(f"I{k}", f"n{k}", 1e6, 0.6, 6, 1e5) for k in range(20))
    plan = Plan(inis, settings=Settings(budget=5e5, gap=0.0))
    r = robustness(plan, samples=40, spread=0.3, seed=1, workers=1)
    assert r.bias > 0  # picking the five that look best picks the ones that were drawn high
    assert r.corrected_value < r.objective
    # twenty equal bets, five funded: which five is a coin toss in every version
    assert set(r.classes.values()) == {"borderline"}
    assert sum(r.frequency.values()) == pytest.approx(5)


def test_versions_keep_probabilities_within_0_and_1_and_ranges():
    inis = (
        Initiative("A", "a", 1e6, 0.97, 6, 1e5),
        Initiative("B", "b", 1e6, 0.5, 6, 1e5, impact_low=9e5, impact_high=1.1e6, cost_high=1.5e5),
    )
    plan = Plan(inis)
    for k in range(50):
        v = version_plan(plan, k, 1, 0.5)
        a, b = v.initiatives
        assert 0 <= a.probability <= 1 and 5e5 <= a.impact <= 1.5e6
        assert 9e5 <= b.impact <= 1.1e6 and 1e5 <= b.cost <= 1.5e5 and a.cost == 1e5
        assert not b.ranged
    assert version_plan(plan, 3, 1, 0.5) == version_plan(plan, 3, 1, 0.5)


@pytest.mark.slow
def test_robustness_command_same_seed_same_report_and_a_ranking_with_classes(tmp_path):
    outs = []
    for k in range(2):
        out = tmp_path / f"r{k}.xlsx"
        r = CliRunner().invoke(
            main,
            ["robustness", str(DATA / "sample_plan.xlsx"), "-o", str(out), "--samples", "12", "--seed", "5", "--json"],
        )
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        data.pop("seconds"), data.pop("output")
        outs.append(data)
    assert outs[0] == outs[1]
    data = outs[0]
    assert data["samples"] == 12 and data["seed"] == 5 and data["solves"] == 13
    assert set(data["baseline"]) >= {
        "selected",
        "objective",
        "regret_mean",
        "regret_p90",
        "regret_max",
        "optimal_share",
        "mean_value",
        "corrected_value",
    }
    assert {x["class"] for x in data["initiatives"]} <= {"core", "borderline", "exterior"}
    wb = openpyxl.load_workbook(tmp_path / "r0.xlsx")
    assert wb.sheetnames[:4] == ["Summary", "Robustness summary", "Robustness", "Ranking"]
    header = [c.value for c in wb["Ranking"][1]]
    assert "Robustness" in header and "Selected in versions" in header
    col = header.index("Robustness") + 1
    classes = {
        wb["Ranking"].cell(row=k, column=2).value: wb["Ranking"].cell(row=k, column=col).value for k in range(2, 42)
    }
    assert classes == {x["id"]: x["class"] for x in data["initiatives"]}
    assert len(wb["Robustness"]._charts) == 1
    # the robustness workbook is a results workbook: it reads back as the plan
    r = CliRunner().invoke(main, ["validate", str(tmp_path / "r0.xlsx")])
    assert r.exit_code == 0, r.output


def test_a_cluster_setting_that_is_not_an_address_is_refused_at_its_cell(tmp_path):
    from portfolio_opt.workbook.sample import CONSTRAINTS, EXTRA_COLUMNS, SETTINGS, sample_rows
    from portfolio_opt.workbook.template import write_planning_workbook

    plan = tmp_path / "plan.xlsx"
    write_planning_workbook(
        plan,
        initiatives=sample_rows(),
        extra_columns=EXTRA_COLUMNS,
        constraints=CONSTRAINTS,
        settings=SETTINGS + (("Cluster", "my laptop"),),
    )
    r = CliRunner().invoke(main, ["validate", str(plan), "--json"])
    assert r.exit_code == 3
    problems = json.loads(r.stdout)["problems"]
    assert [p["code"] for p in problems] == ["bad-setting"] and problems[0]["where"].startswith("Settings!B")
