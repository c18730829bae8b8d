"""How sure are we? Re-optimize many versions of the plan's estimates and see what holds.

Each version draws every initiative's Impact and Probability again: from its range when the
plan gives one (``Impact low``/``high``, as :mod:`.ranges` draws it), otherwise within
± ``spread`` of the estimate (triangular, peaked at the estimate; a probability stays within
0..1); Cost and Time to value are drawn only where the plan gives their ranges. Every
version is re-optimized with every limit and rule in force. Version k draws from its own
stream (the seed and k), so the same seed gives the same versions wherever they are solved:
in this process, on worker processes, or on a Dask cluster.

The optimizer's curse: the estimates that win a selection are, on average, the ones that were
too optimistic, so the value a portfolio was chosen for overstates what it will deliver. Taking
each version as the estimates and the plan as the truth, the optimum of a version overstates
its own value under the plan by ``bias = mean(opt_v − value_plan(P_v))``; the corrected
estimate of the baseline is its value less that bias.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from portfolio_opt.core.ranges import cost_range, impact_range, time_range
from portfolio_opt.model.errors import Infeasible, NoPortfolioFound
from portfolio_opt.model.plan import Distribution, Plan, RiskObjective
from portfolio_opt.runtime import pool, progress

#: versions drawn unless told otherwise, and the spread around an estimate without a range
SAMPLES = 200
SPREAD = 0.20
#: at least this share of versions: core; at most this share: exterior
CORE, EXTERIOR = 0.90, 0.10
#: the stream versions are drawn from (risk.py uses 0 and 1)
VERSIONS = 2


def draw_ranges(
    rng: np.random.Generator,
    low: np.ndarray,
    mode: np.ndarray,
    high: np.ndarray,
    distribution: Distribution = Distribution.TRIANGULAR,
) -> np.ndarray:
    """One draw from each range (arrays; a range of one point is that point)."""
    u = rng.random(len(low))
    w = high - low
    out = mode.astype(np.float64).copy()
    ok = w > 0
    if distribution == Distribution.PERT and ok.any():
        a = 1 + 4 * (mode[ok] - low[ok]) / w[ok]
        b = 1 + 4 * (high[ok] - mode[ok]) / w[ok]
        out[ok] = low[ok] + w[ok] * rng.beta(a, b)
        return out
    cut = np.divide(mode - low, w, out=np.zeros_like(w), where=ok)
    left = ok & (u < cut)
    right = ok & ~left
    out[left] = low[left] + np.sqrt(u[left] * w[left] * (mode[left] - low[left]))
    out[right] = high[right] - np.sqrt((1 - u[right]) * w[right] * (high[right] - mode[right]))
    return out


def version_plan(plan: Plan, k: int, seed: int, spread: float) -> Plan:
    """Version k of the plan: every estimate drawn again (see the module's docstring); the
    version's initiatives carry no ranges, so it scores its draws."""
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, VERSIONS, k])))
    inis = plan.initiatives
    dist = plan.settings.distribution
    imp = np.array([impact_range(i) for i in inis], dtype=np.float64).reshape(-1, 3)
    plain = np.array([i.impact_low is None and i.impact_high is None for i in inis])
    base = imp[:, 1]
    imp[plain, 0], imp[plain, 2] = base[plain] * (1 - spread), base[plain] * (1 + spread)
    lo, hi = np.minimum(imp[:, 0], imp[:, 2]), np.maximum(imp[:, 0], imp[:, 2])  # negative impacts
    impact = draw_ranges(rng, lo, imp[:, 1], hi, dist)
    p = np.array([i.probability for i in inis], dtype=np.float64)
    prob = draw_ranges(rng, np.clip(p * (1 - spread), 0, 1), p, np.clip(p * (1 + spread), 0, 1), dist)
    c = np.array([cost_range(i) for i in inis], dtype=np.float64).reshape(-1, 3)
    cost = draw_ranges(rng, c[:, 0], c[:, 1], c[:, 2], dist)
    m = np.array([time_range(i) for i in inis], dtype=np.float64).reshape(-1, 3)
    ttv = draw_ranges(rng, m[:, 0], m[:, 1], m[:, 2], dist)
    drawn = tuple(
        replace(
            ini,
            impact=float(impact[j]),
            probability=float(min(1.0, max(0.0, prob[j]))),
            cost=float(cost[j]),
            time_to_value=float(ttv[j]),
            impact_low=None,
            impact_high=None,
            cost_high=None,
            time_to_value_high=None,
            values={**ini.values, "Cost": float(cost[j])} if "Cost" in ini.values else ini.values,
        )
        for j, ini in enumerate(inis)
    )
    return replace(plan.with_initiatives(drawn), settings=replace(plan.settings, risk_objective=RiskObjective.EXPECTED))


@dataclass(frozen=True)
class Version:
    """One version's outcome: its optimum, and the baseline portfolio valued in it."""

    k: int
    ok: bool
    selected: tuple[str, ...] = ()
    starts: tuple[tuple[str, int], ...] = ()
    objective: float = math.nan  #: the version's optimum
    baseline_value: float = math.nan  #: the baseline portfolio, valued with the version's estimates
    gap: float = 0.0  #: the solve's relative gap


def portfolio_value(plan: Plan, selected: Sequence[str], starts: Mapping[str, int] | None = None) -> float:
    """A portfolio (IDs, and each one's start period by ID) valued under a plan's estimates, as
    the objective counts it (:func:`~portfolio_opt.core.value.portfolio_value`)."""
    from portfolio_opt.core.rules import Chosen
    from portfolio_opt.core.value import portfolio_value as value_of

    wanted = set(selected)
    mask = [ini.id in wanted for ini in plan.initiatives]
    at = {plan.index(i): t for i, t in (starts or {}).items()}
    return value_of(plan, Chosen.of(mask, at or None))


def solve_version(k: int, state: dict) -> Version:
    """Draw version k and optimize it (runs in a worker process or on a cluster)."""
    from portfolio_opt.core.optimize import solve

    plan = state["plan"]
    v = version_plan(plan, k, state["seed"], state["spread"])
    threads = 1 if state.get("in_worker") else None
    try:
        solved = solve(v, threads=threads)
    except (Infeasible, NoPortfolioFound):
        return Version(k, False)
    ids = [ini.id for ini in v.initiatives]
    starts = tuple((ids[i], t) for i, t in sorted((solved.starts or {}).items()))
    gap = solved.solution.gap or 0.0
    return Version(
        k,
        True,
        tuple(i for i, on in zip(ids, solved.selected) if on),
        starts,
        solved.objective,
        portfolio_value(v, state["baseline"], state["baseline_starts"]),
        gap,
    )


@dataclass(frozen=True)
class Robustness:
    """What holds across the versions."""

    plan: Plan
    samples: int
    seed: int
    spread: float
    baseline: tuple[str, ...]  #: the plan's optimum
    objective: float  #: the value the baseline was chosen for
    frequency: Mapping[str, float]  #: ID -> share of versions that select it
    classes: Mapping[str, str]  #: ID -> core, borderline or exterior
    regret_mean: float
    regret_p90: float
    regret_max: float
    optimal_share: float  #: versions in which the baseline is itself optimal (within the gap)
    mean_value: float  #: the baseline's mean value across the versions
    bias: float  #: how much a version's optimum overstates its value under the plan, on average
    corrected_value: float  #: objective − bias
    solves: int
    failed: int  #: versions with no portfolio (e.g. drawn costs break a Must)
    seconds: float
    result: object = None  #: the baseline's :class:`~portfolio_opt.model.Result`


def classify(frequency: float) -> str:
    """core (in at least 90% of versions), exterior (at most 10%), else borderline."""
    if frequency >= CORE - 1e-12:
        return "core"
    if frequency <= EXTERIOR + 1e-12:
        return "exterior"
    return "borderline"


def robustness(
    plan: Plan, samples: int = SAMPLES, spread: float = SPREAD, seed: int | None = None, workers: int | None = None
) -> Robustness:
    """Re-optimize ``samples`` versions of the plan (see the module's docstring).

    The sweep runs on worker processes, or on a Dask cluster inside :func:`pool.cluster`.
    Raises what :func:`portfolio_opt.optimize.optimize` raises when the plan itself has no portfolio.
    """
    from portfolio_opt.core.optimize import optimize

    started = time.perf_counter()
    seed = plan.settings.seed if seed is None else int(seed)
    plan = plan.with_settings(risk_objective=RiskObjective.EXPECTED)  # versions are valued by expected value
    result = optimize(plan)
    baseline = result.selected
    starts = dict(result.starts)
    objective = result.objective
    state = {"plan": plan, "seed": seed, "spread": float(spread), "baseline": baseline, "baseline_starts": starts}
    with progress.stage("Versions", samples) as step:
        versions = pool.pool_map(solve_version, list(range(samples)), workers, state, min_parallel=2, on_done=step)
    good = [v for v in versions if v.ok]
    ids = [ini.id for ini in plan.initiatives]
    counts = dict.fromkeys(ids, 0)
    for v in good:
        for i in v.selected:
            counts[i] += 1
    n = max(1, len(good))
    frequency = {i: counts[i] / n for i in ids}
    regrets = np.array([max(0.0, v.objective - v.baseline_value) for v in good]) if good else np.zeros(1)
    tolerance = [max(v.gap, plan.settings.gap, 1e-9) * max(1.0, abs(v.objective)) for v in good]
    optimal = sum(1 for v, r, tol in zip(good, regrets, tolerance) if r <= tol)
    picks = [portfolio_value(plan, v.selected, dict(v.starts)) for v in good]
    bias = float(np.mean([v.objective - p for v, p in zip(good, picks)])) if good else 0.0
    return Robustness(
        plan=plan,
        samples=samples,
        seed=seed,
        spread=spread,
        baseline=baseline,
        objective=objective,
        frequency=frequency,
        classes={i: classify(f) for i, f in frequency.items()},
        regret_mean=float(np.mean(regrets)),
        regret_p90=float(np.quantile(regrets, 0.9)),
        regret_max=float(np.max(regrets)),
        optimal_share=optimal / n,
        mean_value=float(np.mean([v.baseline_value for v in good])) if good else math.nan,
        bias=bias,
        corrected_value=objective - bias,
        solves=samples + 1,
        failed=samples - len(good),
        seconds=time.perf_counter() - started,
        result=result,
    )
