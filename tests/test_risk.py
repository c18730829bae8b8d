"""Risk: the simulation against exact distributions, the cvar objective against
brute force, and the simulate command's workbook and JSON."""

from __future__ import annotations

import itertools
import json
import math
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from click.testing import CliRunner
from random_plans import Recipe, in_turn, one_of, random_plan, steps

from portfolio_opt import Initiative, Limit, Plan, Settings
from portfolio_opt.cli import main
from portfolio_opt.core.optimize import optimize, solve
from portfolio_opt.core.ranges import discounted_years, draw, expected, mean_of
from portfolio_opt.core.scoring import objective_coefficients, plan_scores
from portfolio_opt.core.simulation import simulate
from portfolio_opt.core.worlds import CHOOSE, Worlds, cvar
from portfolio_opt.model.plan import Objective
from portfolio_opt.workbook.sample import write_risk_sample, write_sample

DATA = Path(__file__).resolve().parent.parent / "data"

#: Independent bets in two themes, drawn with NumPy (the plans these tests were written against)
RISKY = Recipe(
    rng="numpy",
    impact=steps(2, 29, 100_000),
    probability=one_of(0.3, 0.5, 0.7, 0.9),
    time_to_value=steps(0, 11),
    cost=steps(1, 9, 100_000),
    theme=in_turn("A", "B"),
    mirror=(),
)


# --------------------------------------------------------------------------- the simulation


def test_without_ranges_the_simulated_mean_is_the_sum_of_scores():
    plan = random_plan(8, recipe=RISKY, budget=None)
    sim = simulate(plan, [True] * 8, samples=40_000, seed=3)
    exact = math.fsum(plan_scores(plan))
    assert sim.expected_value == pytest.approx(exact)
    assert abs(sim["mean"] - exact) < 3 * sim.figures["mean"].se


def test_quantiles_and_cvar_agree_with_the_exact_distribution_of_a_small_portfolio():
    """Enumerate every pattern of successes of 4 independent initiatives: the exact
    distribution of the portfolio's value, against the simulated one."""
    plan = random_plan(4, seed=5, recipe=RISKY)
    s = plan.settings
    gains = [
        (ini.impact - ini.run_cost)
        * discounted_years(np.array([ini.time_to_value]), s.horizon_months, s.discount_rate)[0]
        for ini in plan.initiatives
    ]
    atoms: dict[float, float] = {}
    for pattern in itertools.product((0, 1), repeat=4):
        p = math.prod(ini.probability if x else 1 - ini.probability for ini, x in zip(plan.initiatives, pattern))
        v = round(sum(g for g, x in zip(gains, pattern) if x), 6)
        atoms[v] = atoms.get(v, 0.0) + p
    values = sorted(atoms)
    n = 50_000
    sim = simulate(plan, [True] * 4, samples=n, seed=11)
    drawn = np.round(sim.values, 6)
    cum = 0.0
    for v in values:  # the simulated CDF at every atom, within 4 standard errors
        cum += atoms[v]
        est = float(np.mean(drawn <= v))
        assert abs(est - cum) <= 4 * math.sqrt(cum * (1 - cum) / n) + 1e-12, v
    # the exact 10% CVaR: the worst 10% of probability mass, the boundary atom in part
    mass, total = 0.0, 0.0
    for v in values:
        take = min(atoms[v], 0.10 - mass)
        if take <= 0:
            break
        total += take * v
        mass += take
    exact_cvar = total / 0.10
    assert abs(sim["cvar"] - exact_cvar) <= 4 * sim.figures["cvar"].se + 1e-6
    # every quantile lies between the exact quantiles a few standard errors either side
    cdf = list(itertools.accumulate(atoms[v] for v in values))

    def exact_quantile(q: float) -> float:
        return next((v for v, c in zip(values, cdf) if c >= q - 1e-12), values[-1])

    for q, key in ((0.05, "p5"), (0.10, "p10"), (0.50, "p50"), (0.90, "p90"), (0.95, "p95")):
        d = 4 * math.sqrt(q * (1 - q) / n)
        assert exact_quantile(max(q - d, 0.0)) - 1e-6 <= sim[key] <= exact_quantile(min(q + d, 1.0)) + 1e-6, key


@pytest.mark.parametrize("distribution", ["triangular", "pert"])
def test_draws_have_the_documented_means(distribution):
    rng = np.random.default_rng(1)
    low, mode, high = 2.0, 3.0, 11.0
    x = draw(rng, low, mode, high, 200_000, distribution)
    mean = mean_of(low, mode, high, distribution)
    assert mean == pytest.approx(
        (low + mode + high) / 3 if distribution == "triangular" else (low + 4 * mode + high) / 6
    )
    assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(len(x))
    assert x.min() >= low and x.max() <= high
    # the quadrature the scores use gives the same mean, and integrates to 1
    assert expected(lambda t: t, low, mode, high, distribution) == pytest.approx(mean, rel=1e-6)
    assert expected(lambda t: np.ones_like(t), low, mode, high, distribution) == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("distribution", ["triangular", "pert"])
def test_a_range_scores_the_mean_of_its_simulated_outcome(distribution):
    ini = Initiative(
        "A", "a", 1e6, 0.6, 6, 4e5, impact_low=4e5, impact_high=2.5e6, time_to_value_high=30, cost_high=7e5
    )
    for objective in (Objective.VALUE, Objective.NPV):
        plan = Plan((ini,), settings=Settings(distribution=distribution, objective=objective))
        out = Worlds(plan, 200_000, 2).outcome(0)
        coef = objective_coefficients(plan)[0]
        assert abs(out.mean() - coef) < 4 * out.std() / math.sqrt(len(out))
    # without ranges, the score is the plain formula
    plain = Plan((replace(ini, impact_low=None, impact_high=None, time_to_value_high=None, cost_high=None),))
    assert plan_scores(plain)[0] == pytest.approx(0.6 * 1e6 * float(discounted_years(np.array([6.0]), 36, 0.1)[0]))


def test_correlation_within_a_risk_group_raises_the_spread_not_the_mean():
    base = random_plan(10, seed=2, recipe=RISKY)
    grouped = base.with_initiatives(tuple(replace(ini, risk_group="G") for ini in base.initiatives))
    loose = simulate(grouped.with_settings(risk_correlation=0.0), [True] * 10, samples=40_000)
    tight = simulate(grouped.with_settings(risk_correlation=0.8), [True] * 10, samples=40_000)
    assert tight["std"] > 1.3 * loose["std"]
    assert tight["cvar"] < loose["cvar"]
    assert abs(tight["mean"] - loose["mean"]) < 4 * (tight.figures["mean"].se + loose.figures["mean"].se)
    # with correlation 0, a group changes nothing: each still succeeds at its own rate
    rates = {r.id: r.success_rate for r in loose.initiatives}
    for ini in base.initiatives:
        assert abs(rates[ini.id] - ini.probability) < 4 * math.sqrt(ini.probability * (1 - ini.probability) / 40_000)


def test_a_world_is_the_same_whichever_portfolio_is_looked_at():
    plan = random_plan(6, seed=4, recipe=RISKY)
    alone = Worlds(plan, 1000).outcome(2)
    sim_all = simulate(plan, [True] * 6, samples=1000)
    sim_two = simulate(plan, [False, False, True, True, False, False], samples=1000)
    assert sim_two.initiatives[0].mean_contribution == pytest.approx(alone.mean())
    assert {r.id for r in sim_all.initiatives} >= {"I2", "I3"}
    shares = sum(r.downside_share for r in sim_all.initiatives)
    assert shares == pytest.approx(1.0)


def test_cvar_matches_its_linear_form():
    v = np.array([5.0, 1.0, 3.0, 2.0, 4.0])
    assert cvar(v, 0.4) == pytest.approx(1.5)  # the worst two
    assert cvar(v, 0.3) == pytest.approx((1.0 + 0.5 * 2.0) / 1.5)  # the worst one and half the next
    etas = np.linspace(0, 6, 6001)  # max over η of η − E[(η − V)+] / α
    best = max(e - np.mean(np.maximum(e - v, 0)) / 0.3 for e in etas)
    assert best == pytest.approx(cvar(v, 0.3), abs=1e-3)


# --------------------------------------------------------------------------- the cvar objective


def _brute_force(plan: Plan) -> float:
    """The best (1 − w)·E + w·CVaR over every feasible portfolio, on the same sampled worlds."""
    s = plan.settings
    n = len(plan.initiatives)
    coefs = objective_coefficients(plan)
    worlds = Worlds(plan, s.risk_samples, purpose=CHOOSE)
    outcomes = np.array([worlds.outcome(i) for i in range(n)])
    best = -math.inf
    for mask in itertools.product((0, 1), repeat=n):
        cost = sum(ini.cost for ini, x in zip(plan.initiatives, mask) if x)
        if s.budget is not None and cost > s.budget + 1e-6:
            continue
        chosen = [i for i in range(n) if mask[i]]
        if any(
            x
            and len(
                [
                    j
                    for j in chosen
                    if plan.initiatives[j].exclusive_group == plan.initiatives[i].exclusive_group
                    and plan.initiatives[i].exclusive_group
                ]
            )
            > 1
            for i, x in enumerate(mask)
        ):
            continue
        values = outcomes[chosen].sum(axis=0) if chosen else np.zeros(s.risk_samples)
        objective = (1 - s.risk_weight) * math.fsum(coefs[i] for i in chosen) + s.risk_weight * cvar(
            values, s.risk_level
        )
        best = max(best, objective)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_cvar_selection_equals_brute_force(seed):
    plan = random_plan(
        9,
        seed=seed,
        recipe=RISKY,
        budget=1.6e6,
        risk_objective="cvar",
        risk_weight=(0.3, 0.6, 1.0)[seed % 3],
        risk_samples=300,
        risk_level=0.1 if seed % 2 else 0.25,
        gap=0.0,
        objective=Objective.NPV if seed == 4 else Objective.VALUE,
    )
    if seed % 2:  # some share a risk group, and two are exclusive
        inis = list(plan.initiatives)
        inis[0] = replace(inis[0], risk_group="G", impact_high=inis[0].impact * 2)
        inis[1] = replace(inis[1], risk_group="G", exclusive_group="X")
        inis[2] = replace(inis[2], exclusive_group="X", cost_high=inis[2].cost * 1.5)
        plan = plan.with_initiatives(tuple(inis))
    solved = solve(plan)
    s = plan.settings
    worlds = Worlds(plan, s.risk_samples)
    chosen = [i for i, x in enumerate(solved.selected) if x]
    values = sum((worlds.outcome(i) for i in chosen), np.zeros(s.risk_samples))
    mine = (1 - s.risk_weight) * math.fsum(solved.coefficients[i] for i in chosen) + s.risk_weight * cvar(
        values, s.risk_level
    )
    assert mine == pytest.approx(_brute_force(plan), rel=1e-7, abs=1e-3)


def test_weight_zero_is_the_expected_value_optimum():
    plan = random_plan(12, seed=7, recipe=RISKY, budget=2.5e6)
    plain = optimize(plan)
    zero = optimize(plan.with_settings(risk_objective="cvar", risk_weight=0.0))
    assert zero.selected == plain.selected and zero.risk is None
    aware = optimize(plan.with_settings(risk_objective="cvar", risk_weight=1.0, risk_samples=500))
    assert aware.risk is not None
    assert aware.risk.expected_selected == tuple(i.id for i in plan.initiatives if i.id in set(plain.selected))
    assert set(aware.risk.entered) == set(aware.selected) - set(plain.selected)
    assert set(aware.risk.left) == set(plain.selected) - set(aware.selected)
    # on the worlds it was chosen on, the pure-CVaR portfolio's CVaR is at least the
    # expected-value portfolio's, and its expected value at most that one's
    s = aware.plan.settings
    worlds = Worlds(aware.plan, s.risk_samples)

    def on_worlds(ids):
        return sum((worlds.outcome(plan.index(i)) for i in ids), np.zeros(s.risk_samples))

    assert cvar(on_worlds(aware.selected), s.risk_level) >= cvar(on_worlds(plain.selected), s.risk_level) - 1e-6
    assert aware.total_value <= plain.total_value + 1e-6


def test_cvar_keeps_every_limit_and_rule():
    plan = random_plan(14, seed=8, recipe=RISKY, budget=2.0e6, risk_objective="cvar", risk_weight=0.8, risk_samples=400)
    plan = replace(plan, limits=(Limit("Count", max=4, source="test"),))
    inis = list(plan.initiatives)
    inis[3] = replace(inis[3], depends_on=("I5",))
    plan = plan.with_initiatives(tuple(inis))
    result = optimize(plan)
    assert result.total_cost <= 2.0e6 + 1e-6
    assert len(result.selected) <= 4
    if "I3" in result.selected:
        assert "I5" in result.selected


# --------------------------------------------------------------------------- the commands


def test_simulate_writes_the_risk_workbook_and_json(tmp_path):
    plan = tmp_path / "risk.xlsx"
    write_risk_sample(plan)
    out = tmp_path / "out.xlsx"
    r = CliRunner().invoke(main, ["simulate", str(plan), "-o", str(out), "--samples", "5000", "--seed", "7", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    for key in (
        "samples",
        "seed",
        "mean",
        "std",
        "p5",
        "p10",
        "p50",
        "p90",
        "p95",
        "cvar",
        "risk_level",
        "prob_target",
        "prob_loss",
        "prob_over_budget",
        "mean_se",
        "selected",
        "initiatives",
    ):
        assert key in data, key
    assert data["samples"] == 5000 and data["seed"] == 7
    assert data["p5"] <= data["p10"] <= data["p50"] <= data["p90"] <= data["p95"]
    assert data["cvar"] <= data["p10"]
    assert 0 <= data["prob_target"] <= 1 and 0 <= data["prob_over_budget"] <= 1  # the sample has overruns
    assert data["prob_loss"] is None  # objective value: no loss to speak of
    assert set(data["initiatives"][0]) >= {"id", "success_rate", "mean_contribution", "downside_share"}
    assert sum(x["downside_share"] for x in data["initiatives"]) == pytest.approx(1.0)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Risk summary", "Risk by initiative", "Risk by theme"]
    ws = wb["Risk summary"]
    assert len(ws._charts) == 2
    figures = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=2).value for r in range(2, 16)}
    assert figures["Mean"] == pytest.approx(data["mean"])
    assert figures["CVaR 10%"] == pytest.approx(data["cvar"])
    assert figures["P(value ≥ 30,000,000)"] == pytest.approx(data["prob_target"])
    ids = [wb["Risk by initiative"].cell(row=r, column=1).value for r in range(2, 2 + len(data["selected"]))]
    assert sorted(ids) == sorted(data["selected"])


@pytest.mark.slow
def test_the_same_seed_gives_byte_identical_risk_sheets(tmp_path):
    plan = tmp_path / "risk.xlsx"
    write_risk_sample(plan)
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}.xlsx"
        r = CliRunner().invoke(main, ["simulate", str(plan), "-o", str(out), "--samples", "2000"])
        assert r.exit_code == 0, r.output
        with zipfile.ZipFile(out) as z:
            outs.append(
                {
                    n: z.read(n)
                    for n in z.namelist()
                    if n.startswith("xl/worksheets/sheet") and n != "xl/worksheets/sheet4.xml"
                }
            )  # sheet 4 is Run info (its seconds vary)
    assert outs[0] == outs[1] and len(outs[0]) == 3
    other = tmp_path / "seed2.xlsx"
    CliRunner().invoke(main, ["simulate", str(plan), "-o", str(other), "--samples", "2000", "--seed", "2"])
    with zipfile.ZipFile(other) as z:
        assert z.read("xl/worksheets/sheet1.xml") != outs[0]["xl/worksheets/sheet1.xml"]


def test_simulate_takes_a_hand_made_plan_and_a_results_workbook(tmp_path):
    cto = DATA / "plan_cto.xlsx"
    r = CliRunner().invoke(main, ["simulate", str(cto), "-o", str(tmp_path / "a.xlsx"), "--samples", "1000", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert "marked Selected" in data["portfolio"] and len(data["selected"]) == 13
    result = tmp_path / "result.xlsx"
    r = CliRunner().invoke(
        main, ["optimize", str(DATA / "sample_plan.xlsx"), "-o", str(result), "--explain-limit", "0", "--json"]
    )
    chosen = json.loads(r.stdout)["selected"]
    r = CliRunner().invoke(
        main, ["simulate", str(result), "-o", str(tmp_path / "b.xlsx"), "--samples", "1000", "--json"]
    )
    assert r.exit_code == 0, r.output
    assert sorted(json.loads(r.stdout)["selected"]) == sorted(chosen)


def test_optimize_with_the_cvar_objective_reports_both_portfolios(tmp_path):
    plan = tmp_path / "risk.xlsx"
    write_risk_sample(plan)
    out = tmp_path / "out.xlsx"
    r = CliRunner().invoke(main, ["optimize", str(plan), "-o", str(out), "--json"])
    assert r.exit_code == 0, r.output
    risk = json.loads(r.stdout)["risk"]
    assert risk["objective"] == "cvar" and risk["weight"] == 0.5 and risk["level"] == 0.1
    for part in ("chosen", "expected_value_portfolio"):
        assert set(risk[part]) >= {"mean", "p10", "cvar", "prob_target"}
    assert "selected" in risk["expected_value_portfolio"]
    assert isinstance(risk["entered"], list) and isinstance(risk["left"], list)
    ws = openpyxl.load_workbook(out)["Summary"]
    labels = [ws.cell(row=r, column=1).value for r in range(1, ws.max_row + 1)]
    assert any(str(x).startswith("Risk: judged on") for x in labels)
    assert "Entered (risk-aware only)" in labels


@pytest.mark.parametrize(
    "cell,value,where",
    [
        ("Impact low (per year)", 5_000_000, "Initiatives!"),
        ("Cost high", 1, "Initiatives!"),
        ("Risk correlation", 1.5, "Settings!"),
        ("Risk level", 1.0, "Settings!"),
        ("Risk level", 0, "Settings!"),
        ("Risk objective", "safest", "Settings!"),
    ],
)
def test_bad_risk_inputs_are_refused_at_their_cells(tmp_path, cell, value, where):
    from portfolio_opt.workbook.sample import CONSTRAINTS, EXTRA_COLUMNS, RISK_SETTINGS, risk_rows
    from portfolio_opt.workbook.template import write_planning_workbook

    rows = risk_rows()
    settings = list(RISK_SETTINGS)
    if where == "Initiatives!":
        rows[2][cell] = value
    else:
        settings.append((cell, value))
    plan = tmp_path / "bad.xlsx"
    write_planning_workbook(
        plan, initiatives=rows, extra_columns=EXTRA_COLUMNS, constraints=CONSTRAINTS, settings=settings
    )
    before = plan.read_bytes()
    r = CliRunner().invoke(main, ["simulate", str(plan), "-o", str(tmp_path / "o.xlsx"), "--json"])
    assert r.exit_code == 3, r.output
    problems = json.loads(r.stdout)["problems"]
    assert any(p["where"].startswith(where) for p in problems), problems
    assert not (tmp_path / "o.xlsx").exists() and plan.read_bytes() == before


def test_a_plan_without_risk_inputs_is_unchanged(tmp_path):
    out = tmp_path / "plain.xlsx"
    write_sample(out)
    r = CliRunner().invoke(
        main, ["optimize", str(out), "-o", str(tmp_path / "r.xlsx"), "--json", "--explain-limit", "0"]
    )
    data = json.loads(r.stdout)
    assert "risk" not in data
    assert data["objective"] == pytest.approx(32_503_790, abs=1)


@pytest.mark.slow
def test_scenarios_and_compare_report_risk_figures_perrandom_plan(tmp_path):
    from portfolio_opt.workbook.sample import CFO_PLAN, CONSTRAINTS, CTO_PLAN, EXTRA_COLUMNS, RISK_SETTINGS, risk_rows
    from portfolio_opt.workbook.template import write_planning_workbook

    plan = tmp_path / "risk.xlsx"
    write_planning_workbook(
        plan,
        initiatives=risk_rows(),
        extra_columns=EXTRA_COLUMNS,
        constraints=CONSTRAINTS,
        settings=RISK_SETTINGS,
        scenarios=({"Scenario": "Cut", "Budget change": -0.15},),
    )
    r = CliRunner().invoke(main, ["scenarios", str(plan), "-o", str(tmp_path / "s.xlsx"), "--json"])
    assert r.exit_code == 0, r.output
    runs = json.loads(r.stdout)["scenarios"]
    assert [set(x["risk"]) for x in runs] == [{"mean", "p10", "cvar", "prob_target"}] * 2
    assert runs[1]["risk"]["mean"] < runs[0]["risk"]["mean"]  # a smaller budget: less value
    wb = openpyxl.load_workbook(tmp_path / "s.xlsx")["Scenario summary"]
    labels = [wb.cell(row=k, column=1).value for k in range(1, wb.max_row + 1)]
    assert "CVaR 10% (simulated)" in labels and "P(value ≥ 30,000,000)" in labels
    paths = []
    for name, chosen in (("cto", CTO_PLAN), ("cfo", CFO_PLAN)):
        rows = [dict(row, Selected="Yes" if row["ID"] in chosen else "No") for row in risk_rows()]
        paths.append(tmp_path / f"{name}.xlsx")
        write_planning_workbook(
            paths[-1],
            initiatives=rows,
            extra_columns=EXTRA_COLUMNS + (("Selected", None, ""),),
            constraints=CONSTRAINTS,
            settings=RISK_SETTINGS,
        )
    r = CliRunner().invoke(main, ["compare", *map(str, paths), "-o", str(tmp_path / "c.xlsx"), "--json"])
    assert r.exit_code == 0, r.output
    plans = json.loads(r.stdout)["plans"]
    assert all(set(p["risk"]) == {"mean", "p10", "cvar", "prob_target"} for p in plans)
    # efficiency compares expected values, so no plan beats the optimum at its cost
    assert all(p["efficiency"] is None or p["efficiency"] <= 1 + 1e-9 for p in plans)
    # a plan without risk inputs reports none
    r = CliRunner().invoke(main, ["compare", str(DATA / "plan_cto.xlsx"), "-o", str(tmp_path / "d.xlsx"), "--json"])
    assert json.loads(r.stdout)["plans"][0]["risk"] is None


def test_a_multi_period_plan_with_ranges_scores_the_mean_of_its_outcomes():
    ini = Initiative("A", "a", 1e6, 0.7, 4, 3e5, duration=6.0, impact_low=5e5, impact_high=1.6e6, time_to_value_high=12)
    plan = Plan((ini, replace(ini, id="B", name="b", duration=None)), settings=Settings(periods=6))
    from portfolio_opt.core.schedule import start_value

    for i in (0, 1):
        for t in (0, 3):
            out = Worlds(plan, 100_000).outcome(i, t)
            assert abs(out.mean() - start_value(plan.initiatives[i], t, plan.settings)) < 4 * out.std() / math.sqrt(
                len(out)
            )
    sim = simulate(plan, [True, True], {0: 0, 1: 2}, samples=50_000)
    exact = start_value(plan.initiatives[0], 0, plan.settings) + start_value(plan.initiatives[1], 2, plan.settings)
    assert sim.expected_value == pytest.approx(exact)
    assert abs(sim["mean"] - exact) < 4 * sim.figures["mean"].se
