"""Ranges: how a figure given as low / most likely / high is drawn, and its mean.

A range is drawn triangular (low, most likely, high) or PERT (a Beta with λ = 4):
``Impact low`` .. ``Impact`` .. ``Impact high``; ``Cost`` (most likely) up to ``Cost high``;
``Time to value`` (most likely) up to ``Time to value high``. An initiative with a range
scores the mean of its outcome, computed here by quadrature (see :mod:`.risk` for the worlds).
Pure: numpy and the model only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from portfolio_opt.model.plan import Distribution, Initiative, Plan, Settings


def mean_of(low: float, mode: float, high: float, distribution: Distribution = Distribution.TRIANGULAR) -> float:
    """The mean of a range: (a + m + b) / 3 (triangular) or (a + 4m + b) / 6 (PERT).

    >>> mean_of(0, 3, 6), mean_of(0, 3, 12, "pert")
    (3.0, 4.0)
    """
    if distribution == Distribution.PERT:
        return (low + 4 * mode + high) / 6.0
    return (low + mode + high) / 3.0


def _pert_shape(low: float, mode: float, high: float) -> tuple[float, float]:
    w = high - low
    return 1.0 + 4.0 * (mode - low) / w, 1.0 + 4.0 * (high - mode) / w


def density(
    x: np.ndarray, low: float, mode: float, high: float, distribution: Distribution = Distribution.TRIANGULAR
) -> np.ndarray:
    """The probability density of a range at x (low < high)."""
    w = high - low
    if distribution == Distribution.PERT:
        a, b = _pert_shape(low, mode, high)
        log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
        u = np.clip((x - low) / w, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.exp((a - 1) * np.log(u) + (b - 1) * np.log1p(-u) - log_beta) / w
        return np.where((x >= low) & (x <= high), np.nan_to_num(f), 0.0)
    up = 2 * (x - low) / (w * (mode - low)) if mode > low else np.zeros_like(x)
    down = 2 * (high - x) / (w * (high - mode)) if high > mode else np.zeros_like(x)
    return np.where((x < low) | (x > high), 0.0, np.where(x < mode, up, down))


_NODES = np.polynomial.legendre.leggauss(16)


def expected(
    fn: Callable[[np.ndarray], np.ndarray],
    low: float,
    mode: float,
    high: float,
    distribution: Distribution = Distribution.TRIANGULAR,
    kinks: Sequence[float] = (),
) -> float:
    """E[fn(X)] for X drawn from the range, by Gauss–Legendre quadrature on pieces split at the
    mode and at ``kinks`` (where fn bends). A range of one point is that point."""
    if not high > low:
        return float(fn(np.array([float(mode)]))[0])
    cuts = sorted({low, high, *(k for k in (mode, *kinks) if low < k < high)})
    xs, ws = _NODES
    total = 0.0
    for a, b in zip(cuts, cuts[1:]):
        for k in range(8):  # 8 equal pieces of 16 nodes each
            lo, hi = a + (b - a) * k / 8, a + (b - a) * (k + 1) / 8
            x = (hi - lo) / 2 * xs + (hi + lo) / 2
            total += float(np.sum(ws * (hi - lo) / 2 * fn(x) * density(x, low, mode, high, distribution)))
    return total


def draw(
    rng: np.random.Generator,
    low: float,
    mode: float,
    high: float,
    size: int,
    distribution: Distribution = Distribution.TRIANGULAR,
) -> np.ndarray:
    """``size`` draws from the range (a range of one point is that point)."""
    if not high > low:
        return np.full(size, float(mode))
    if distribution == Distribution.PERT:
        a, b = _pert_shape(low, mode, high)
        return low + (high - low) * rng.beta(a, b, size)
    return rng.triangular(low, mode, high, size)


def discounted_years(t: np.ndarray, horizon_months: float, discount_rate: float) -> np.ndarray:
    """:func:`portfolio_opt.scoring.discounted_years` for an array of times to value."""
    t = np.maximum(np.asarray(t, dtype=np.float64), 0.0)
    h = float(horizon_months)
    if discount_rate == 0:
        years = (h - t) / 12.0
    else:
        delta = math.log1p(discount_rate)
        years = (np.exp(-delta * t / 12.0) - math.exp(-delta * h / 12.0)) / delta
    return np.where(t < h, years, 0.0)


# --------------------------------------------------------------------------- one initiative


def impact_range(ini: Initiative) -> tuple[float, float, float]:
    """Its Impact as (low, most likely, high): Impact low .. Impact .. Impact high, a side not
    given being the Impact."""
    low = ini.impact if ini.impact_low is None else ini.impact_low
    high = ini.impact if ini.impact_high is None else ini.impact_high
    return low, ini.impact, high


def cost_range(ini: Initiative) -> tuple[float, float, float]:
    """Its Cost as (low, most likely, high): from the Cost up to Cost high (the Cost when not
    given)."""
    return ini.cost, ini.cost, ini.cost if ini.cost_high is None else ini.cost_high


def time_range(ini: Initiative) -> tuple[float, float, float]:
    """Its Time to value as (low, most likely, high): from the Time to value up to Time to value
    high."""
    high = ini.time_to_value if ini.time_to_value_high is None else ini.time_to_value_high
    return ini.time_to_value, ini.time_to_value, high


def expected_cost(ini: Initiative, distribution: Distribution = Distribution.TRIANGULAR) -> float:
    """The mean cost: Cost, or the mean of Cost .. Cost high."""
    if ini.cost_high is None:
        return ini.cost
    return mean_of(*cost_range(ini), distribution)


def value_floor(ini: Initiative, settings: Settings) -> float:
    """The earliest month its value can begin, whatever its time to value: the end of its
    build (its Duration) in a multi-period plan, else 0."""
    return float(ini.duration) if settings.periods and ini.duration is not None else 0.0


def expected_score(ini: Initiative, settings: Settings, shift: float = 0.0) -> float:
    """The mean outcome of an initiative with ranges (before any cost): Probability × (E[Impact]
    − Run cost) × E[D(max(T, floor) + shift)], T its time to value, floor :func:`value_floor`."""
    impact = mean_of(*impact_range(ini), settings.distribution)
    h, r = settings.horizon_months, settings.discount_rate
    floor = value_floor(ini, settings)

    def years(t: np.ndarray) -> np.ndarray:
        return discounted_years(np.maximum(t, floor) + shift, h, r)

    d = expected(years, *time_range(ini), settings.distribution, kinks=(floor, h - shift))
    return ini.probability * (impact - ini.run_cost) * d


def ranges_note(plan: Plan) -> str | None:
    """What the outputs say when initiatives give ranges: each scores the mean of its range, so
    adding a range moves its expected value though its most likely figures stay (None when no
    initiative has one)."""
    ranged = [ini for ini in plan.initiatives if ini.ranged]
    if not ranged:
        return None

    def mean_impact(ini: Initiative) -> float:
        low = ini.impact if ini.impact_low is None else ini.impact_low
        high = ini.impact if ini.impact_high is None else ini.impact_high
        return mean_of(low, ini.impact, high, plan.settings.distribution)

    # the example is the range whose mean moves furthest from its most likely Impact
    ini = max(ranged, key=lambda i: (abs(mean_impact(i) - i.impact), -plan.index(i.id)))
    example = ""
    if abs(mean_impact(ini) - ini.impact) > 0.5:
        example = f" (e.g. {ini.id}: Impact {ini.impact:,.0f} most likely, {mean_impact(ini):,.0f} on average)"
    return (
        f"Ranges: {len(ranged)} {'initiatives give' if len(ranged) != 1 else 'initiative gives'} a range (low / high), "
        f"and each scores the mean of its range{example}: adding a range moves the expected value "
        f"even where the most likely figures stay ({plan.settings.distribution.value} ranges)."
    )
