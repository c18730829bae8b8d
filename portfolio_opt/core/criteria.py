"""Scoring the way committees score: weighted criteria, pairwise weights (AHP), WSJF and RICE.

Each criterion (a numeric Initiatives column) is normalized to 0..1 over its scale (``1-5``,
``0-10``, or the column's own min..max over the plan; reversed when lower is better); the
criteria score is Σ weight × normalized value, the weights normalized to sum to 1. Weights
come from the ``Criteria`` sheet or, when it leaves them blank, from a ``Pairwise`` matrix of
Saaty's 1–9 judgments: the principal eigenvector, with Saaty's consistency ratio.

The ``Scoring`` setting picks what the optimizer maximizes:

- ``expected value``: Probability × (Impact − Run cost) × D (the default);
- ``weighted``: the criteria score alone;
- ``blend``: expected value × (1 + Criteria weight × (criteria score − 0.5));
- ``wsjf``: (Business value + Time criticality + Risk reduction) / Job size;
- ``rice``: Reach × Impact × Confidence / Effort (Confidence: the column, else Probability).

Pure: numbers in, numbers out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Saaty's random consistency index by matrix size
RANDOM_INDEX = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
    9: 1.45,
    10: 1.49,
    11: 1.51,
    12: 1.48,
    13: 1.56,
    14: 1.57,
    15: 1.59,
}
#: above this consistency ratio the judgments are too inconsistent to trust as they are
CONSISTENT_UP_TO = 0.10
#: the columns WSJF and RICE read, by normalized header
WSJF = ("businessvalue", "timecriticality", "riskreduction", "jobsize")
RICE = ("reach", "impact", "confidence", "effort")


@dataclass(frozen=True)
class Weights:
    """Weights derived from pairwise judgments."""

    weights: tuple[float, ...]
    lambda_max: float
    consistency_index: float
    consistency_ratio: float
    worst: tuple[int, int, float] | None = None  #: (i, j, the value that would fit) of the worst judgment


def ahp(matrix: Sequence[Sequence[float]] | np.ndarray) -> Weights:
    """Principal-eigenvector weights of a positive reciprocal matrix, and its consistency.

    >>> w = ahp([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]])
    >>> [round(x, 4) for x in w.weights], round(w.consistency_ratio, 4)
    ([0.637, 0.2583, 0.1047], 0.0332)
    """
    a = np.asarray(matrix, dtype=np.float64)
    n = len(a)
    if n == 1:
        return Weights((1.0,), 1.0, 0.0, 0.0)
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    lam = float(values[k].real)
    ci = max(0.0, (lam - n) / (n - 1))
    ri = RANDOM_INDEX.get(n, 1.59)
    cr = ci / ri if ri > 0 else 0.0
    worst = None
    if n > 2:
        dev = [(abs(math.log(a[i, j] / (w[i] / w[j]))), i, j) for i in range(n) for j in range(i + 1, n)]
        _, i, j = max(dev)
        worst = (i, j, saaty(float(w[i] / w[j])))
    return Weights(tuple(float(x) for x in w), lam, ci, cr, worst)


def saaty(x: float) -> float:
    """The nearest judgment on Saaty's scale (1..9 or their reciprocals).

    >>> saaty(2.4), saaty(0.3)
    (2.0, 0.3333333333333333)
    """
    if x >= 1:
        return float(min(9, max(1, round(x))))
    return 1.0 / min(9, max(1, round(1 / x)))


def geometric_mean(matrices: Sequence[np.ndarray]) -> np.ndarray:
    """Several raters' judgments combined, element by element, by their geometric mean."""
    stack = np.stack([np.asarray(m, dtype=np.float64) for m in matrices])
    combined: np.ndarray = np.exp(np.log(stack).mean(axis=0))  # numpy's ufuncs are typed to return Any
    return combined


def normalized(x: float | None, low: float, high: float, higher: bool = True) -> float:
    """A value on its scale as 0..1 (clipped; reversed when lower is better); a blank is the
    worst end of the scale.

    >>> normalized(4, 1, 5), normalized(4, 1, 5, higher=False), normalized(None, 1, 5)
    (0.75, 0.25, 0.0)
    """
    if x is None:
        return 0.0
    if high <= low:
        return 1.0
    v = min(1.0, max(0.0, (float(x) - low) / (high - low)))
    return v if higher else 1.0 - v


def wsjf(business_value: float, time_criticality: float, risk_reduction: float, job_size: float) -> float:
    """SAFe's weighted shortest job first: cost of delay / job size.

    >>> wsjf(8, 5, 3, 4)
    4.0
    """
    return (business_value + time_criticality + risk_reduction) / job_size


def rice(reach: float, impact: float, confidence: float, effort: float) -> float:
    """RICE: reach × impact × confidence / effort.

    >>> rice(2000, 2, 0.8, 4)
    800.0
    """
    return reach * impact * confidence / effort
