"""``simulate``: the spread of a portfolio's outcomes, from any plan a user has.

The portfolio is the one the plan marks (a ``Selected`` column, or a results workbook's
Ranking), or else the optimum, found first. The worlds are those of :mod:`.risk`.
"""

from __future__ import annotations

from dataclasses import replace

from portfolio_opt.core import formulation
from portfolio_opt.core.scoring import objective_coefficients
from portfolio_opt.core.simulation import RISK_KEYS, Simulation, cost_risk, judge, judge_samples, simulate
from portfolio_opt.core.worlds import CHOOSE, JUDGE
from portfolio_opt.model.errors import PortfolioError
from portfolio_opt.model.plan import Decision, Plan, RiskObjective
from portfolio_opt.runtime import progress

#: worlds ``simulate`` draws unless told otherwise
DEFAULT_SAMPLES = 10_000


def simulate_plan(
    plan: Plan, samples: int | None = None, seed: int | None = None, purpose: int = CHOOSE
) -> tuple[Simulation, list[str]]:
    """Simulate the plan's portfolio over ``samples`` worlds (default 10,000); returns the
    simulation (``how`` says where the portfolio came from) and warnings (e.g. the marked
    portfolio breaks a rule).

    >>> from portfolio_opt import Initiative, Plan, simulate_plan
    >>> plan = Plan((Initiative("A", "Churn model", 1e6, 0.6, 6, 4e5),))
    >>> sim, _ = simulate_plan(plan, samples=20_000)
    >>> round(sim["mean"] / sim.expected_value, 2), sim["p10"]
    (1.0, 0.0)
    """
    from portfolio_opt.core.optimize import solve

    samples = DEFAULT_SAMPLES if samples is None else int(samples)
    seed = plan.settings.seed if seed is None else int(seed)
    warnings: list[str] = []
    coefficients = objective_coefficients(plan)
    if plan.selection is not None:
        wanted = set(plan.selection)
        mask = [ini.id in wanted for ini in plan.initiatives]
        how = f"the {len(wanted)} initiatives marked Selected"
        warnings += [f"the marked portfolio breaks a rule: {v}" for v in formulation.violations(plan, mask)]
        starts = None
        if plan.settings.periods and not warnings:  # when each starts: the best schedule of exactly these
            fixed = plan.with_initiatives(
                tuple(
                    replace(ini, decision=Decision.MUST if ini.id in wanted else Decision.EXCLUDE)
                    for ini in plan.initiatives
                )
            ).with_settings(risk_objective=RiskObjective.EXPECTED)
            try:
                solved = solve(fixed)
                starts = solved.starts
                coefficients = solved.coefficients
            except PortfolioError:
                warnings.append(
                    "no schedule of the marked portfolio keeps every per-period limit: "
                    "each starts at its earliest period"
                )
        if plan.settings.periods and starts is None:
            from portfolio_opt.core.schedule import window

            starts = {
                i: (window(ini, plan.settings) or range(1))[0] for i, ini in enumerate(plan.initiatives) if mask[i]
            }
    else:
        with progress.stage(f"Solving {len(plan.initiatives):,} initiatives"):
            solved = solve(plan)
        mask, starts, coefficients = solved.selected, solved.starts, solved.coefficients
        how = f"the optimal portfolio ({sum(mask)} initiatives, found first)"
    with progress.stage(f"Simulating {samples:,} worlds"):
        sim = simulate(plan, mask, starts, samples, seed, purpose, coefficients)
    return replace(sim, how=how, cost_risk=cost_risk(plan, mask, samples, purpose, seed)), warnings


def risk_figures(plan: Plan, selected, starts=None) -> dict[str, float | None]:
    """:func:`portfolio_opt.risk.judge` for any portfolio: in a multi-period plan without
    starts, each starts at the best schedule of exactly that selection."""
    if starts is None and plan.settings.periods:
        samples = judge_samples(plan)
        sim, _ = simulate_plan(replace(plan, selection=tuple(selected)), samples, purpose=JUDGE)
        return {k: sim[k] for k in RISK_KEYS}
    return judge(plan, selected, starts)
