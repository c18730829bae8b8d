"""Risk: the spread of a portfolio's outcomes, by simulation, and its CVaR.

In each simulated world, initiative i succeeds with its Probability (independently, or through
a Gaussian copula with correlation ρ inside its ``Risk group``: it succeeds when
√ρ·G + √(1−ρ)·E_i < Φ⁻¹(p_i), G shared by the group, E_i its own). If it succeeds it earns

    (Impact draw − Run cost) × D(time-to-value draw)          D as in :mod:`.scoring`

and for objective ``npv`` its cost draw is subtracted whether it succeeds or not. A range is
drawn triangular (low, most likely, high) or PERT (a Beta with λ = 4): Impact from
``Impact low`` .. ``Impact`` .. ``Impact high``, Cost from ``Cost`` (most likely) up to
``Cost high``, Time to value from it (most likely) up to ``Time to value high``. The draws of
an initiative come from its own random stream (the seed and its ID), so a world is the same
whichever portfolio is looked at, on any machine.

The score of an initiative with a range is the mean of its outcome (computed exactly, by
quadrature), so the expected value the optimizer maximizes is the mean of the simulated
outcomes. CVaR at level α is the mean of the worst α share of outcomes, in the
Rockafellar–Uryasev form ``max_η η − E[(η − V)⁺] / α`` (with α·S worlds not a whole number,
the boundary world counts in part). Pure: numpy only, no files, no solver.
"""

from __future__ import annotations

import math
import statistics
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from portfolio_opt.core.ranges import cost_range, discounted_years, draw, impact_range, time_range, value_floor
from portfolio_opt.core.scoring import discounted_years as _scalar_years
from portfolio_opt.model.plan import Objective, Plan, RiskObjective, text_key

#: what a stream of random numbers is drawn for: the worlds a portfolio is chosen or simulated
#: on, and the fresh worlds a chosen portfolio is judged on
CHOOSE, JUDGE = 0, 1


# --------------------------------------------------------------------------- worlds


def _stream(seed: int, purpose: int, kind: int, key: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, purpose, kind, zlib.crc32(key.encode())])))


@dataclass
class Draws:
    """One initiative's draws in every world: whether it succeeds, its impact, time to value
    and cost (arrays, or a number when it has no range)."""

    success: np.ndarray
    impact: np.ndarray | float
    time_to_value: np.ndarray | float
    cost: np.ndarray | float


class Worlds:
    """The simulated worlds of a plan: every initiative's draws, from its own stream.

    ``purpose`` picks the worlds (:data:`CHOOSE` or :data:`JUDGE`); the same seed, samples and
    purpose give the same worlds."""

    def __init__(self, plan: Plan, samples: int, seed: int | None = None, purpose: int = CHOOSE):
        self.plan, self.samples = plan, int(samples)
        self.seed = plan.settings.seed if seed is None else int(seed)
        self.purpose = purpose
        self._groups: dict[str, np.ndarray] = {}

    def group_factor(self, group: str) -> np.ndarray:
        """The shared normal draw of a risk group in every world (one per group, whatever the case of
        its name), which correlates its members' successes."""
        key = text_key(group)
        if key not in self._groups:
            self._groups[key] = _stream(self.seed, self.purpose, 1, key).standard_normal(self.samples)
        return self._groups[key]

    def draws(self, i: int) -> Draws:
        """Initiative i's draws in every world: success (correlated within its risk group), and its
        impact, time to value and cost drawn from their ranges."""
        ini, s = self.plan.initiatives[i], self.plan.settings
        rng = _stream(self.seed, self.purpose, 0, text_key(ini.id))
        n, p = self.samples, ini.probability
        if ini.risk_group is not None and s.risk_correlation > 0 and 0 < p < 1:
            rho = s.risk_correlation
            z = math.sqrt(rho) * self.group_factor(ini.risk_group) + math.sqrt(1 - rho) * rng.standard_normal(n)
            success = z < statistics.NormalDist().inv_cdf(p)
        else:
            success = rng.random(n) < p
        dist = s.distribution
        impact = (
            draw(rng, *impact_range(ini), n, dist)
            if ini.impact_low is not None or ini.impact_high is not None
            else ini.impact
        )
        ttv = draw(rng, *time_range(ini), n, dist) if ini.time_to_value_high is not None else ini.time_to_value
        cost = draw(rng, *cost_range(ini), n, dist) if ini.cost_high is not None else ini.cost
        return Draws(success, impact, ttv, cost)

    def outcome(self, i: int, start: int = 0, draws: Draws | None = None) -> np.ndarray:
        """What initiative i adds to the portfolio's value in each world, starting in period
        ``start``: its benefit when it succeeds, less its cost under npv."""
        ini, s = self.plan.initiatives[i], self.plan.settings
        d = self.draws(i) if draws is None else draws
        floor = value_floor(ini, s)
        shift = start * s.period_length
        years: np.ndarray | float
        if isinstance(d.time_to_value, np.ndarray):
            years = discounted_years(np.maximum(d.time_to_value, floor) + shift, s.horizon_months, s.discount_rate)
        else:
            years = _scalar_years(max(d.time_to_value, floor) + shift, s.horizon_months, s.discount_rate)
        benefit = d.success * ((d.impact - ini.run_cost) * years)
        if s.objective is Objective.NPV:
            benefit = benefit - d.cost
        if benefit.shape != (self.samples,):
            benefit = np.broadcast_to(benefit, (self.samples,))
        return benefit


# --------------------------------------------------------------------------- statistics


def cvar(values: np.ndarray, level: float) -> float:
    """The mean of the worst ``level`` share of ``values`` (the boundary value in part).

    >>> cvar(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0.25)
    1.8
    """
    v = np.sort(np.asarray(values, dtype=np.float64))
    m = level * len(v)
    k = int(math.floor(m + 1e-9))
    total = float(np.sum(v[:k]))
    if m - k > 1e-9 and k < len(v):
        total += (m - k) * float(v[k])
    return total / m


def quantile(values: np.ndarray, q: float) -> float:
    """The q-quantile (linear interpolation, numpy's default)."""
    return float(np.quantile(values, q))


def outcome_matrix(
    plan: Plan, var: Sequence[tuple[int, int]], samples: int, seed: int | None = None, purpose: int = CHOOSE
) -> np.ndarray:
    """The value each program column (initiative, start) adds in every world: samples × columns."""
    worlds = Worlds(plan, samples, seed, purpose)
    out = np.zeros((worlds.samples, len(var)))
    draws: dict[int, Draws] = {}
    for j, (i, t) in enumerate(var):
        if i not in draws:
            draws = {i: worlds.draws(i)}
        out[:, j] = worlds.outcome(i, t, draws[i])
    return out


def has_risk(plan: Plan) -> bool:
    """True when the plan says anything about risk: a range, or the cvar objective."""
    return plan.settings.risk_objective is RiskObjective.CVAR or any(ini.ranged for ini in plan.initiatives)


def cost_draws(plan: Plan, samples: int, seed: int | None = None, purpose: int = CHOOSE) -> dict[int, np.ndarray]:
    """Each initiative's cost in every world, for those whose cost has a range (``Cost high``):
    the same draws as its outcome's in those worlds (the others cost their Cost in every world)."""
    worlds = Worlds(plan, samples, seed, purpose)
    return {i: np.asarray(worlds.draws(i).cost) for i, ini in enumerate(plan.initiatives) if ini.cost_high is not None}
