"""A portfolio's outcomes over simulated worlds: the spread, the figures finance asks for (P10,
CVaR, the chance of reaching the Value target or of overrunning the budget), each with its
sampling error, and which initiatives and themes drive the worst worlds. The worlds themselves
are :mod:`portfolio_opt.core.worlds`. Pure: numpy only, no files, no solver.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from portfolio_opt.core.schedule import start_value
from portfolio_opt.core.worlds import CHOOSE, JUDGE, Worlds, cvar, quantile
from portfolio_opt.model.plan import Initiative, Objective, Plan
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
    #: the portfolio's cost against the budget in the same worlds (None without a budget)
    cost_risk: CostRisk | None = None

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
        out[name] = Figure(quantile(values, q), _batch_se(values, functools.partial(quantile, q=q)))
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
    sums = _Sums.of(plan, worlds, chosen, starts)
    weights = _tail_weights(sums.total, s.risk_level)
    tails = sums.tail_means(weights)
    rows = [(i, sums.means[i], float(tails[k])) for k, i in enumerate(chosen)]
    share = _shortfall_share(math.fsum(mean - tail for _, mean, tail in rows))
    initiatives = _initiative_risks(plan, rows, sums.success, share)
    themes = _theme_risks(plan, chosen, sums.themes, weights, share)
    figures = value_figures(
        sums.total, s.risk_level, s.value_target, s.objective is Objective.NPV, sums.costs, s.budget
    )
    coef: Sequence[float] | Mapping[int, float] | None = coefficients
    if coef is None:  # exact: each at its start
        coef = {i: start_value(plan.initiatives[i], starts.get(i, 0), s) for i in chosen}
    expected_value = math.fsum(coef[i] for i in chosen)
    return Simulation(
        plan,
        tuple(plan.initiatives[i].id for i in chosen),
        worlds.samples,
        worlds.seed,
        s.risk_level,
        figures,
        initiatives,
        themes,
        np.sort(sums.total),
        expected_value,
        time.perf_counter() - started,
    )


def _theme(ini: Initiative) -> str:
    """The theme an initiative is counted under in the theme table."""
    return ini.theme or "(no theme)"


@dataclass(eq=False)
class _Sums:
    """The chosen initiatives' outcomes in every world, added up: the portfolio's value, its
    cost when any cost can overrun, and each theme's value; and of each initiative its success
    rate, its mean and (while they fit in memory) its outcome in every world."""

    plan: Plan
    worlds: Worlds
    chosen: list[int]
    starts: Mapping[int, int]
    total: np.ndarray
    costs: np.ndarray | None
    #: each outcome, kept (float32, 512 MB at most) for the worst-worlds means; beyond that,
    #: drawn again from its stream
    kept: np.ndarray | None
    themes: dict[str, np.ndarray] = field(default_factory=dict)
    success: dict[int, float] = field(default_factory=dict)
    means: dict[int, float] = field(default_factory=dict)

    @staticmethod
    def of(plan: Plan, worlds: Worlds, chosen: list[int], starts: Mapping[int, int]) -> _Sums:
        """Simulate the chosen initiatives in chunks (on threads when there are several) and add
        the chunks up in their order, so the sums are the same every time."""
        n = worlds.samples
        overruns = any(plan.initiatives[i].cost_high is not None for i in chosen)
        keep = len(chosen) * n <= 128_000_000
        sums = _Sums(
            plan,
            worlds,
            chosen,
            starts,
            total=np.zeros(n),
            costs=np.zeros(n) if overruns else None,
            kept=np.empty((len(chosen), n), dtype=np.float32) if keep else None,
        )
        bounds = [(lo, min(lo + CHUNK, len(chosen))) for lo in range(0, len(chosen), CHUNK)]
        if len(bounds) > 1 and (os.cpu_count() or 1) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(2, os.cpu_count() or 1)) as pool:
                parts = list(pool.map(lambda b: sums._chunk(*b), bounds))
        else:
            parts = [sums._chunk(*b) for b in bounds]
        for part, part_costs, themes in parts:  # in chunk order, whatever finished first
            sums.total += part
            if sums.costs is not None:
                sums.costs += part_costs
            for theme, v in themes.items():
                if theme not in sums.themes:
                    sums.themes[theme] = np.zeros(n)
                sums.themes[theme] += v
        return sums

    def _chunk(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None, dict[str, np.ndarray]]:
        """Initiatives chosen[lo:hi]: their sums, in a fixed order (numpy runs outside the
        GIL, so chunks run on threads side by side and still add up the same every time)."""
        worlds = self.worlds
        part = np.zeros(worlds.samples)
        part_costs = np.zeros(worlds.samples) if self.costs is not None else None
        themes: dict[str, np.ndarray] = {}
        for k in range(lo, hi):
            i = self.chosen[k]
            d = worlds.draws(i)
            out = worlds.outcome(i, self.starts.get(i, 0), d)
            part += out
            self.success[i] = float(np.mean(d.success))
            self.means[i] = float(np.mean(out))
            if part_costs is not None:
                part_costs += d.cost
            if self.kept is not None:
                self.kept[k] = out
            theme = _theme(self.plan.initiatives[i])
            if theme not in themes:
                themes[theme] = np.zeros(worlds.samples)
            themes[theme] += out
        return part, part_costs, themes

    def tail_means(self, weights: np.ndarray) -> np.ndarray:
        """Each chosen initiative's mean in the worst worlds (``weights``: see :func:`_tail_weights`)."""
        tail_worlds = np.flatnonzero(weights)
        if self.kept is not None:
            means: np.ndarray = self.kept[:, tail_worlds].astype(np.float64) @ weights[tail_worlds]
            return means
        return np.array(
            [self.worlds.outcome(i, self.starts.get(i, 0))[tail_worlds] @ weights[tail_worlds] for i in self.chosen]
        )


def _tail_weights(total: np.ndarray, level: float) -> np.ndarray:
    """Each world's weight in the mean of the worst ``level`` of worlds (the Rockafellar–Uryasev
    form: the world on the edge counts for the fraction of it inside); the weights add up to 1."""
    order = np.argsort(total, kind="stable")
    m = level * len(total)
    k = max(1, int(math.ceil(m - 1e-9)))
    weights = np.zeros(len(total))
    weights[order[:k]] = 1.0
    if m < k:
        weights[order[k - 1]] = m - (k - 1)
    weights /= weights.sum()
    return weights


def _shortfall_share(shortfall: float) -> Callable[[float], float]:
    """A part's share of the portfolio's shortfall in the worst worlds (0 when it has none)."""
    return (lambda x: x / shortfall) if abs(shortfall) > 1e-9 else (lambda x: 0.0)


def _initiative_risks(
    plan: Plan,
    rows: Sequence[tuple[int, float, float]],
    success: Mapping[int, float],
    share: Callable[[float], float],
) -> tuple[InitiativeRisk, ...]:
    """Each chosen initiative's row of the initiative table, from its position, its mean and its
    mean in the worst worlds (``rows``, in plan order)."""
    return tuple(
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


def _theme_risks(
    plan: Plan,
    chosen: Sequence[int],
    values: Mapping[str, np.ndarray],
    weights: np.ndarray,
    share: Callable[[float], float],
) -> tuple[ThemeRisk, ...]:
    """Each theme's row of the theme table, themes in alphabetical order (case aside)."""
    count: dict[str, int] = {}
    for i in chosen:
        theme = _theme(plan.initiatives[i])
        count[theme] = count.get(theme, 0) + 1
    return tuple(
        ThemeRisk(
            t,
            count[t],
            float(np.mean(v)),
            float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
            quantile(v, 0.10),
            quantile(v, 0.90),
            share(float(np.mean(v)) - float(weights @ v)),
        )
        for t, v in sorted(values.items(), key=lambda kv: kv[0].casefold())
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


def cost_risk(
    plan: Plan, selected: Sequence[bool], samples: int | None = None, purpose: int = JUDGE, seed: int | None = None
) -> CostRisk | None:
    """The portfolio's cost against the budget (:class:`CostRisk`) on fresh worlds (or those of
    ``purpose`` and ``seed``, as ``simulate`` draws them); None without a budget. The same worlds
    for every portfolio of the plan, so figures side by side compare."""
    from portfolio_opt.core.rules import Chosen, limit_sum
    from portfolio_opt.core.worlds import cost_draws

    budget = plan.budget_limit
    if budget is None or budget.max is None:
        return None
    n = judge_samples(plan) if samples is None else samples
    base = limit_sum(plan, budget, Chosen.of(selected))
    costs = np.full(n, base)
    most = highest = 0.0
    for i, draws in cost_draws(plan, n, seed, purpose).items():
        if selected[i]:
            ini = plan.initiatives[i]
            assert ini.cost_high is not None  # cost_draws holds only the costs with a range
            costs += draws - ini.cost
            most += ini.cost
            highest += ini.cost_high
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
