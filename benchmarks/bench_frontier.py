"""25-point frontier and 10 scenarios on a 1,000-initiative plan: ours against the baseline.

    python benchmarks/bench_frontier.py [n] [gap]

Baseline: every point (or scenario) built and handed to the solver from scratch, one after
another. Ours: every solve first fixes what the LP bound proves no good portfolio changes
(portfolio_opt.reduction); the frontier also reuses a portfolio for every budget between its
cost and its budget; both run on both cores. "one core" rows show ours without the second
core (and for the frontier without reuse), so each part's share is visible. Same plan, same
solver, same gap, one run.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from plans import random_plan  # noqa: E402

from portfolio_opt.analyses.batch import solve_plans  # noqa: E402
from portfolio_opt.analyses.frontier import budget_range, budgets, frontier, lp_bounds  # noqa: E402
from portfolio_opt.analyses.scenarios import apply_change, apply_scenario, run_scenarios  # noqa: E402
from portfolio_opt.core import formulation, solver  # noqa: E402
from portfolio_opt.core.scoring import objective_coefficients  # noqa: E402
from portfolio_opt.model.plan import Change, Scenario  # noqa: E402


def from_scratch(plans) -> list:
    """The baseline: each plan's program built and solved as it stands, one after another."""
    out = []
    for p in plans:
        lp = formulation.build(p, objective_coefficients(p))
        out.append(solver.solve(lp, p.settings.solver, p.settings.gap, p.settings.time_limit))
    return out


def scenario_set(plan):
    ids = [ini.id for ini in plan.initiatives]
    out = []
    for _k, pct in enumerate((-0.3, -0.2, -0.15, -0.1, -0.05, 0.05, 0.1, 0.2)):
        out.append(Scenario(f"Budget {pct:+.0%}", (Change("budget_change", pct, f"Budget change {pct:+.0%}"),)))
    out.append(Scenario("Data team halved", (Change("limit_change", -0.5, "Data eng FTE change -50%", (0,)),)))
    out.append(
        Scenario(
            "Force two in",
            (
                Change("force_in", None, f"Force in {ids[3]}", ids[3]),
                Change("force_in", None, f"Force in {ids[7]}", ids[7]),
            ),
        )
    )
    return tuple(out)


def main(n: int, gap: float) -> None:
    plan = random_plan(n, seed=n).with_settings(gap=gap)
    print(f"{n} initiatives, {len(plan.all_limits())} limits, gap {gap:.2%}, 2 cores")
    lo, hi = budget_range(plan)
    t = time.perf_counter()
    lp_bounds(plan, budgets(lo, hi, 25, plan.settings.budget))
    print(f"LP preview of 25 points: {time.perf_counter() - t:.2f} s")

    points = budgets(lo, hi, 25, plan.settings.budget)
    t = time.perf_counter()
    base = from_scratch([plan.with_settings(budget=b) for b in points])
    t_base = time.perf_counter() - t
    t = time.perf_counter()
    frontier(plan, steps=25, lo=lo, hi=hi, workers=1, reuse=False)
    t_single = time.perf_counter() - t
    t = time.perf_counter()
    ours = frontier(plan, steps=25, lo=lo, hi=hi)
    t_ours = time.perf_counter() - t
    # the baseline has no tie-break term: compare values within the gap
    same = all(
        abs(a.objective - b.objective) <= gap * abs(a.objective) * 1.01 + 1
        for a, b in zip(base, ours.points)
        if a.objective is not None and b.objective is not None
    )
    print(
        f"frontier   baseline {t_base:6.2f} s ({len(points)} solves)   ours, one core {t_single:6.2f} s   "
        f"ours {t_ours:6.2f} s ({ours.solves} solves)   speed-up {t_base / t_ours:4.1f}x   "
        f"same values within gap: {same}"
    )

    scenarios = scenario_set(plan)
    # baseline: the workbook, every scenario, and every change of a multi-change scenario
    # alone (for attribution), each solved from scratch, one after another
    jobs = [plan] + [apply_scenario(plan, sc) for sc in scenarios]
    jobs += [apply_change(plan, c) for sc in scenarios if len(sc.changes) > 1 for c in sc.changes]
    t = time.perf_counter()
    base = from_scratch(jobs)
    t_base = time.perf_counter() - t
    t = time.perf_counter()
    solve_plans(jobs, workers=1)
    t_single = time.perf_counter() - t
    t = time.perf_counter()
    run = run_scenarios(plan, scenarios)
    t_ours = time.perf_counter() - t
    same = all(
        abs(a.objective - r.solved.objective) <= gap * abs(a.objective) * 1.01 + 1
        for a, r in zip(base, run.results)
        if a.objective is not None and r.solved.objective is not None
    )
    print(
        f"scenarios  baseline {t_base:6.2f} s ({len(jobs)} solves)   ours, one core {t_single:6.2f} s   "
        f"ours {t_ours:6.2f} s ({run.solves} solves)   speed-up {t_base / t_ours:4.1f}x   "
        f"same values within gap: {same}"
    )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 1000, float(args[1]) if len(args) > 1 else 0.001)
