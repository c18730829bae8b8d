"""Published optima of the OR-Library multidimensional knapsack table are reached with --gap 0.

Each instance becomes a planning workbook as tests/data/orlib/README.md says: Impact = profit,
Probability 1, Time to value 0, Horizon 12 months, Discount rate 0 (so score = profit), Cost 0,
one column per constraint row with a Max in Constraints.
"""

from __future__ import annotations

import json

import pytest
from conftest import DATA, run_cli, write_plan

from portfolio_opt import optimize, read_plan

ORLIB = DATA / "orlib"
#: best known values of mknapcb1 problems 1-10 (Chu & Beasley), from the README
CB1_BEST = [24381, 24274, 23551, 23534, 23991, 24613, 25591, 23410, 24216, 24411]


def parse(name: str):
    tokens = (ORLIB / name).read_text().split()
    pos = 0

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    problems = []
    for _ in range(int(take())):
        n, m, best = int(take()), int(take()), float(take())
        profits = [float(take()) for _ in range(n)]
        weights = [[float(take()) for _ in range(n)] for _ in range(m)]
        caps = [float(take()) for _ in range(m)]
        problems.append((n, m, best, profits, weights, caps))
    return problems


def workbook(path, n, m, profits, weights, caps):
    headers = ["ID", "Name", "Impact", "Probability", "Time to value", "Cost"] + [f"W{k + 1}" for k in range(m)]
    rows = [
        [f"ITEM-{i + 1:03d}", f"item {i + 1}", profits[i], 1, 0, 0] + [weights[k][i] for k in range(m)]
        for i in range(n)
    ]
    return write_plan(
        path,
        rows,
        headers=headers,
        constraints=[[f"W{k + 1}", "All", None, caps[k]] for k in range(m)],
        settings=[["Horizon (months)", 12], ["Discount rate", 0]],
    )


MKNAP1 = parse("mknap1.txt")
MKNAPCB1 = parse("mknapcb1.txt")


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("k", range(len(MKNAP1)))
def test_mknap1_proven_optima(tmp_path, solver, k):
    n, m, best, profits, weights, caps = MKNAP1[k]
    plan = read_plan(workbook(tmp_path / "p.xlsx", n, m, profits, weights, caps))
    result = optimize(plan, solver_name=solver, gap=0)
    assert result.status.value == "optimal"
    assert result.objective == pytest.approx(best, abs=1e-6)
    assert not [u for u in result.limits if u.used > u.limit.max + 1e-9]


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["highs", "cbc"])
@pytest.mark.parametrize("k", range(10))
def test_mknapcb1_best_known(tmp_path, solver, k):
    n, m, best, profits, weights, caps = MKNAPCB1[k]
    assert best == CB1_BEST[k]
    plan = read_plan(workbook(tmp_path / "p.xlsx", n, m, profits, weights, caps))
    result = optimize(plan, solver_name=solver, gap=0)
    assert result.status.value == "optimal"
    assert result.solver.gap == pytest.approx(0, abs=1e-9)
    assert result.objective == pytest.approx(best, abs=1e-6)


@pytest.mark.slow
def test_cli_gap_zero_reaches_the_optimum(tmp_path):
    n, m, best, profits, weights, caps = MKNAP1[6]
    path = workbook(tmp_path / "p.xlsx", n, m, profits, weights, caps)
    proc = run_cli("optimize", path, "-o", tmp_path / "r.xlsx", "--gap", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["status"] == "optimal"
    assert data["objective"] == pytest.approx(best)
