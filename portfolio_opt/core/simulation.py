"""A portfolio's outcomes over simulated worlds: the spread, the figures finance asks for (P10,
CVaR, the chance of reaching the Value target or of overrunning the budget), each with its
sampling error, and which initiatives and themes drive the worst worlds. The worlds themselves
are :mod:`portfolio_opt.core.worlds`. Pure: numpy only, no files, no solver.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from portfolio_opt.core.schedule import start_value
from portfolio_opt.core.worlds import CHOOSE, JUDGE, Worlds, cvar, quantile
from portfolio_opt.model.plan import Objective, Plan
from portfolio_opt.model.result import CostRisk

#: the batches the sampling errors of quantiles and CVaR are estimated from
BATCHES = 20


#: worlds a risk-aware portfolio is judged on, at least
JUDGE_SAMPLES = 10_000


#: initiatives simulated together; chunks run on threads and are added up in their order
CHUNK = 64


def _batch_se(values: np.ndarray, stat: Callable[[np.ndarray], float]) -> float:
    n = len(values) // BATCHES
    if n < 5:
        return float("nan")
    parts = [stat(values[k * n : (k + 1) * n]) for k in range(BATCHES)]
    return float(np.std(parts, ddof=1) / math.sqrt(BATCHES))


@dataclass(frozen=True)
class Figure:
    """A simulated figure and its sampling error (one standard error)."""

    value: float | None
    se: float | None = None


@dataclass(frozen=True)
class InitiativeRisk:
    """One selected initiative in the simulated worlds: how often it succeeded, what it added on
    average, and its share of the shortfall in the worst worlds."""

    id: str
    name: str
    theme: str | None
    success_rate: float
    mean_contribution: float
    #: its share of the shortfall in the worst worlds: (its mean − its mean there) / the total's
    downside_share: float
    #: its mean in the worst worlds
    tail_mean: float


@dataclass(frozen=True)
class ThemeRisk:
    """One theme's selected initiatives in the simulated worlds: how many, the mean, spread, P10 and
    P90 of what they add together, and their share of the shortfall in the worst worlds."""

    theme: str
    count: int
    mean: float
    std: float
    p10: float
    p90: float
    downside_share: float


@dataclass(frozen=True)
class Simulation:
    """The spread of one portfolio's outcomes over simulated worlds."""

    plan: Plan
    selected: tuple[str, ...]
    samples: int
    seed: int
    level: float
    figures: Mapping[str, Figure]  #: mean, std, p5, p10, p50, p90, p95, cvar, prob_target, prob_loss, prob_over_budget
    initiatives: tuple[InitiativeRisk, ...]
    themes: tuple[ThemeRisk, ...]
    #: the portfolio's value in every world, sorted (for the histogram and the S-curve)
    values: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    expected_value: float = 0.0  #: the sum of the selected objective coefficients (exact)
    seconds: float = 0.0
    how: str = ""  #: where the portfolio came from, in words

    def __getitem__(self, name: str) -> float | None:
        return self.figures[name].value


def value_figures(
    values: np.ndarray, level: float, target: float | None, npv: bool, costs: np.ndarray | None, budget: float | None
) -> dict[str, Figure]:
    """The summary figures of a portfolio's values in every world, each with its sampling error."""
    n = len(values)
    std = float(np.std(values, ddof=1)) if n > 1 else 0.0
    out = {
        "mean": Figure(float(np.mean(values)), std / math.sqrt(n)),
        "std": Figure(std, _batch_se(values, lambda v: float(np.std(v, ddof=1)))),
    }
    for name, q in (("p5", 0.05), ("p10", 0.10), ("p50", 0.50), ("p90", 0.90), ("p95", 0.95)):
        out[name] = Figure(quantile(values, q), _batch_se(values, lambda v, q=q: quantile(v, q)))
    out["cvar"] = Figure(cvar(values, level), _batch_se(values, lambda v: cvar(v, level)))

    def prob(mask: np.ndarray) -> Figure:
        p = float(np.mean(mask))
        return Figure(p, math.sqrt(p * (1 - p) / n))

    out["prob_target"] = prob(values >= target) if target is not None else Figure(None)
    out["prob_loss"] = prob(values < 0) if npv else Figure(None)
    out["prob_over_budget"] = (
        prob(costs > budget * (1 + 1e-12)) if costs is not None and budget is not None else Figure(None)
    )
    return out


def simulate(
    plan: Plan,
    selected: Sequence[bool],
    starts: Mapping[int, int] | None = None,
    samples: int = 10_000,
    seed: int | None = None,
    purpose: int = CHOOSE,
    coefficients: Sequence[float] | None = None,
) -> Simulation:
    """Simulate a portfolio: its value in every world, the figures finance asks for, and which
    initiatives and themes drive the worst worlds."""
    import time

    started = time.perf_counter()
    s = plan.settings
    worlds = Worlds(plan, samples, seed, purpose)
    chosen = [i for i, x in enumerate(selected) if x]
    starts = starts or {}
    total = np.zeros(worlds.samples)
    costs = np.zeros(worlds.samples) if any(plan.initiatives[i].cost_high is not None for i in chosen) else None
    # each outcome is kept (float32, 512 MB at most) for the worst-worlds means; beyond that,
    # drawn again from its stream
    keep = len(chosen) * worlds.samples <= 128_000_000
    kept = np.empty((len(chosen), worlds.samples), dtype=np.float32) if keep else None
    success: dict[int, float] = {}
    means: dict[int, float] = {}
    theme_values: dict[str, np.ndarray] = {}
    theme_count: dict[str, int] = {}
    for ini in (plan.initiatives[i] for i in chosen):
        theme = ini.theme or "(no theme)"
        theme_count[theme] = theme_count.get(theme, 0) + 1

    def chunk(lo: int, hi: int):
        """Initiatives chosen[lo:hi]: their sums, in a fixed order (numpy runs outside the
        GIL, so chunks run on threads side by side and still add up the same every time)."""
        part = np.zeros(worlds.samples)
        part_costs = np.zeros(worlds.samples) if costs is not None else None
        themes: dict[str, np.ndarray] = {}
        for k in range(lo, hi):
            i = chosen[k]
            d = worlds.draws(i)
            out = worlds.outcome(i, starts.get(i, 0), d)
            part += out
            success[i] = float(np.mean(d.success))
            means[i] = float(np.mean(out))
            if part_costs is not None:
                part_costs += d.cost
            if kept is not None:
                kept[k] = out
            theme = plan.initiatives[i].theme or "(no theme)"
            if theme not in themes:
                themes[theme] = np.zeros(worlds.samples)
            themes[theme] += out
        return part, part_costs, themes

    bounds = [(lo, min(lo + CHUNK, len(chosen))) for lo in range(0, len(chosen), CHUNK)]
    if len(bounds) > 1 and (os.cpu_count() or 1) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
            parts = list(pool.map(lambda b: chunk(*b), bounds))
    else:
        parts = [chunk(*b) for b in bounds]
    for part, part_costs, themes in parts:  # in chunk order, whatever finished first
        total += part
        if costs is not None:
            costs += part_costs
        for theme, v in themes.items():
            if theme not in theme_values:
                theme_values[theme] = np.zeros(worlds.samples)
            theme_values[theme] += v
    order = np.argsort(total, kind="stable")
    m = s.risk_level * worlds.samples
    k = max(1, int(math.ceil(m - 1e-9)))
    weights = np.zeros(worlds.samples)  # each world's weight in the worst-worlds mean (R-U form)
    weights[order[:k]] = 1.0
    if m < k:
        weights[order[k - 1]] = m - (k - 1)
    weights /= weights.sum()
    tail_worlds = np.flatnonzero(weights)
    if kept is not None:
        tails = kept[:, tail_worlds].astype(np.float64) @ weights[tail_worlds]
    else:
        tails = np.array([worlds.outcome(i, starts.get(i, 0))[tail_worlds] @ weights[tail_worlds] for i in chosen])
    rows = [(i, means[i], float(tails[k])) for k, i in enumerate(chosen)]
    shortfall = math.fsum(mean - tail for _, mean, tail in rows)
    share = (lambda x: x / shortfall) if abs(shortfall) > 1e-9 else (lambda x: 0.0)
    initiatives = tuple(
        InitiativeRisk(
            plan.initiatives[i].id,
            plan.initiatives[i].name,
            plan.initiatives[i].theme,
            success[i],
            mean,
            share(mean - tail),
            tail,
        )
        for i, mean, tail in rows
    )
    themes = tuple(
        ThemeRisk(
            t,
            theme_count[t],
            float(np.mean(v)),
            float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
            quantile(v, 0.10),
            quantile(v, 0.90),
            share(float(np.mean(v)) - float(weights @ v)),
        )
        for t, v in sorted(theme_values.items(), key=lambda kv: kv[0].casefold())
    )
    figures = value_figures(total, s.risk_level, s.value_target, s.objective is Objective.NPV, costs, s.budget)
    if coefficients is None:  # exact: each at its start
        coefficients = {i: start_value(plan.initiatives[i], starts.get(i, 0), s) for i in chosen}
    expected_value = math.fsum(coefficients[i] for i in chosen)
    return Simulation(
        plan,
        tuple(plan.initiatives[i].id for i in chosen),
        worlds.samples,
        worlds.seed,
        s.risk_level,
        figures,
        initiatives,
        themes,
        np.sort(total),
        expected_value,
        time.perf_counter() - started,
    )


#: the figures portfolios are compared by, wherever risk is reported beside a value
RISK_KEYS = ("mean", "p10", "cvar", "prob_target")


def judge_samples(plan: Plan) -> int:
    """The fresh worlds a portfolio is judged on: Risk samples, and at least JUDGE_SAMPLES."""
    return max(JUDGE_SAMPLES, plan.settings.risk_samples)


def judge(plan: Plan, selected: Sequence[str], starts: Mapping[str, int] | None = None) -> dict[str, float | None]:
    """Mean, P10, CVaR and the chance of reaching the Value target of a portfolio (IDs, and in
    a multi-period plan each one's start period by ID), judged on fresh worlds: the same worlds
    for every portfolio of the plan, so figures side by side compare like with like."""
    samples = judge_samples(plan)
    wanted = set(selected)
    mask = [ini.id in wanted for ini in plan.initiatives]
    at = {plan.index(i): t for i, t in dict(starts or {}).items()}
    sim = simulate(plan, mask, at or None, samples, purpose=JUDGE)
    return {k: sim[k] for k in RISK_KEYS}


def cost_risk(plan: Plan, selected: Sequence[bool], samples: int | None = None) -> CostRisk | None:
    """The portfolio's cost on fresh worlds against the budget (:class:`CostRisk`); None without
    a budget. The same worlds for every portfolio of the plan, so figures side by side compare."""
    from portfolio_opt.core.rules import Chosen, limit_sum
    from portfolio_opt.core.worlds import cost_draws

    budget = plan.budget_limit
    if budget is None or budget.max is None:
        return None
    n = judge_samples(plan) if samples is None else samples
    base = limit_sum(plan, budget, Chosen.of(selected))
    costs = np.full(n, base)
    most = highest = 0.0
    for i, draws in cost_draws(plan, n, purpose=JUDGE).items():
        if selected[i]:
            costs += draws - plan.initiatives[i].cost
            most += plan.initiatives[i].cost
            highest += plan.initiatives[i].cost_high
    within = float(np.mean(costs <= budget.max * (1 + 1e-12)))
    return CostRisk(
        samples=n,
        budget=budget.max,
        within=within,
        se=math.sqrt(within * (1 - within) / n),
        target=plan.settings.budget_confidence,
        contingency={f"p{q}": quantile(costs, q / 100) - budget.max for q in (50, 80, 90)},
        overrun_max=(highest - most) / most if most else 0.0,
    )
