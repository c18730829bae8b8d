"""``simulate``: the spread of a portfolio's outcomes, from any plan a user has.

The portfolio is the one the plan marks (a ``Selected`` column, or a results workbook's
Ranking), or else the optimum, found first. The worlds are those of :mod:`.risk`.
"""

from __future__ import annotations

from dataclasses import replace

from portfolio_opt.core import formulation
from portfolio_opt.runtime import progress
from portfolio_opt.model.errors import PortfolioError
from portfolio_opt.model.plan import Decision, Plan
from portfolio_opt.core.worlds import CHOOSE, JUDGE, RISK_KEYS, Simulation, judge, judge_samples, simulate
from portfolio_opt.core.scoring import objective_coefficients

#: worlds ``simulate`` draws unless told otherwise
DEFAULT_SAMPLES = 10_000


def simulate_plan(plan: Plan, samples: int | None = None, seed: int | None = None,
                  purpose: int = CHOOSE) -> tuple[Simulation, list[str]]:
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
            fixed = plan.with_initiatives(tuple(
                replace(ini, decision=Decision.MUST if ini.id in wanted else Decision.EXCLUDE)
                for ini in plan.initiatives)).with_settings(risk_objective="expected")
            try:
                solved = solve(fixed)
                starts = solved.starts
                coefficients = solved.coefficients
            except PortfolioError:
                warnings.append("no schedule of the marked portfolio keeps every per-period limit: "
                                "each starts at its earliest period")
        if plan.settings.periods and starts is None:
            from portfolio_opt.core.schedule import window

            starts = {i: (window(ini, plan.settings) or range(1))[0] for i, ini in enumerate(plan.initiatives)
                      if mask[i]}
    else:
        with progress.stage(f"Solving {len(plan.initiatives):,} initiatives"):
            solved = solve(plan)
        mask, starts, coefficients = solved.selected, solved.starts, solved.coefficients
        how = f"the optimal portfolio ({sum(mask)} initiatives, found first)"
    with progress.stage(f"Simulating {samples:,} worlds"):
        sim = simulate(plan, mask, starts, samples, seed, purpose, coefficients)
    return replace(sim, how=how), warnings


def risk_figures(plan: Plan, selected, starts=None) -> dict[str, float | None]:
    """:func:`portfolio_opt.risk.judge` for any portfolio: in a multi-period plan without
    starts, each starts at the best schedule of exactly that selection."""
    if starts is None and plan.settings.periods:
        samples = judge_samples(plan)
        sim, _ = simulate_plan(replace(plan, selection=tuple(selected)), samples, purpose=JUDGE)
        return {k: sim[k] for k in RISK_KEYS}
    return judge(plan, selected, starts)


def simulation_to_dict(sim: Simulation) -> dict:
    """The JSON of ``simulate --json``."""
    f = sim.figures
    out = {"samples": sim.samples, "seed": sim.seed}
    for key in ("mean", "std", "p5", "p10", "p50", "p90", "p95", "cvar"):
        out[key] = f[key].value
    out["risk_level"] = sim.level
    for key in ("prob_target", "prob_loss", "prob_over_budget"):
        out[key] = f[key].value
    out["mean_se"] = f["mean"].se
    out["se"] = {k: v.se for k, v in f.items()}
    out["value_target"] = sim.plan.settings.value_target
    out["expected_value"] = sim.expected_value
    out["portfolio"] = sim.how
    out["selected"] = list(sim.selected)
    out["initiatives"] = [
        {"id": r.id, "name": r.name, "theme": r.theme, "success_rate": r.success_rate,
         "mean_contribution": r.mean_contribution, "downside_share": r.downside_share}
        for r in sim.initiatives
    ]
    out["themes"] = [
        {"theme": t.theme, "count": t.count, "mean": t.mean, "std": t.std, "p10": t.p10, "p90": t.p90,
         "downside_share": t.downside_share}
        for t in sim.themes
    ]
    out["seconds"] = sim.seconds
    return out


def simulation_lines(sim: Simulation, output: str | None = None) -> list[str]:
    """What ``simulate`` prints."""
    f = sim.figures

    def m(key: str) -> str:
        fig = f[key]
        return f"{fig.value:,.0f} ± {fig.se:,.0f}" if fig.se is not None and fig.se == fig.se else f"{fig.value:,.0f}"

    lines = [f"Simulated {sim.samples:,} worlds (seed {sim.seed}) of {sim.how}",
             f"Mean            {m('mean')}   (expected value {sim.expected_value:,.0f})",
             f"Std deviation   {m('std')}",
             f"P10 / P50 / P90 {f['p10'].value:,.0f} / {f['p50'].value:,.0f} / {f['p90'].value:,.0f}",
             f"CVaR {sim.level:.0%}        {m('cvar')}   (the mean of the worst {sim.level:.0%} of worlds)"]
    target = sim.plan.settings.value_target
    if f["prob_target"].value is not None:
        lines.append(f"P(value ≥ {target:,.0f})  {f['prob_target'].value:.1%}")
    if f["prob_loss"].value is not None:
        lines.append(f"P(loss)         {f['prob_loss'].value:.1%}")
    if f["prob_over_budget"].value is not None:
        lines.append(f"P(cost > budget) {f['prob_over_budget'].value:.1%}")
    drivers = sorted(sim.initiatives, key=lambda r: -r.downside_share)[:3]
    if drivers and drivers[0].downside_share > 0:
        lines.append("Downside drivers " + ", ".join(f"{r.id} ({r.downside_share:.0%})" for r in drivers))
    if output:
        lines.append(f"Written         {output}")
    return lines
