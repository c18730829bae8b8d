"""A better portfolio next to a good one, found by swapping initiatives: no search tree.

A what-if's first portfolio (the LP's columns rounded, or the last optimum) is usually a few
initiatives away from one within the gap of the LP bound. Asking the MIP solver to find that
one costs its whole root (cuts, sub-MIPs): about 100 ms on a 1,000-initiative plan. Most of the
time a handful of moves does it: take in one initiative, or take one in and another out, each
move the best that keeps every row, among the columns whose reduced costs are smallest (those a
better portfolio is likeliest to change, as :func:`portfolio_opt.core.reduction.improve` picks
them). On the project's benchmark plans this reaches the gap in about half the what-ifs that
need it, in a few milliseconds, and leaves the rest within a gap or two, where fixing against
it settles far more columns.

Only moves that keep every bound and row are made, so what it returns is a portfolio of the
program; the bound that proves it good enough is the caller's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from portfolio_opt.core.solver import LinearProgram

#: moves are looked for among this many 0-1 columns, those of smallest reduced cost
COLUMNS = 150
#: at most this many moves (each gains value, so the search ends anyway; this bounds its time)
MOVES = 60
#: a row's side is kept when the move leaves it this far over, relative to the row's size
TOLERANCE = 1e-9

Array = NDArray[np.float64]


@dataclass
class _Rows:
    """The rows that touch the candidate columns: their coefficients on those columns (one
    column of ``a`` per candidate), what the portfolio puts in each, and their sides."""

    a: Array
    used: Array
    lo: Array
    hi: Array

    def keep(self, used: Array) -> NDArray[np.bool_]:
        """Which of the moves (the trailing axes of ``used``) keep every row."""
        extra = (slice(None),) + (None,) * (used.ndim - 1)
        room = TOLERANCE * (1.0 + np.abs(self.used))[extra]
        inside = (used >= self.lo[extra] - room) & (used <= self.hi[extra] + room)
        return np.asarray(np.all(inside, axis=0))


def swap_search(
    lp: LinearProgram, reduced: Sequence[float], values: Sequence[float], goal: float, columns: int = COLUMNS
) -> tuple[float, ...] | None:
    """A portfolio better than ``values`` reached by moves among the ``columns`` 0-1 columns of
    smallest ``reduced`` cost, stopping once it is worth ``goal``; None when no move gains.

    Each move is the best of: one column in, or one in and one out, that keeps every row.
    """
    x = [float(round(v)) if lp.integer[j] else float(v) for j, v in enumerate(values)]
    chosen = likeliest(lp, reduced, x)[:columns]
    if not chosen:
        return None
    rows = _rows(lp, chosen, x)
    if rows is None:
        return None
    inside = np.array([x[j] for j in chosen])
    gain_of = np.array([lp.objective[j] for j in chosen])
    value = math.fsum(c * v for c, v in zip(lp.objective, x))
    moved = False
    for _ in range(MOVES):
        if value >= goal:
            break
        move = _best_move(rows, inside, gain_of)
        if move is None:
            break
        ins, out, gain = move
        inside[ins], rows.used = 1.0, rows.used + rows.a[:, ins]
        if out is not None:
            inside[out], rows.used = 0.0, rows.used - rows.a[:, out]
        value += gain
        moved = True
    if not moved:
        return None
    for k, j in enumerate(chosen):
        x[j] = float(inside[k])
    return tuple(x)


def likeliest(lp: LinearProgram, reduced: Sequence[float], values: Sequence[float]) -> list[int]:
    """The open 0-1 columns in the order a better portfolio is likeliest to change them: first
    those where ``values`` sits on the side its reduced cost argues against (each costs its
    whole reduced cost against the bound, so a portfolio within the gap of the bound changes
    every one whose cost is larger than the gap: after a Must is cleared, say, the old optimum
    still holds an initiative the bound wants out), then by smallest reduced cost."""
    open_ = [j for j in range(lp.n_vars) if lp.integer[j] and lp.lower[j] == 0.0 and lp.upper[j] == 1.0]

    def against(j: int) -> bool:
        d = reduced[j]
        return (d > 0 and values[j] < 0.5) or (d < 0 and values[j] > 0.5)

    return sorted(open_, key=lambda j: (not against(j), abs(reduced[j]), j))


def _rows(lp: LinearProgram, chosen: Sequence[int], x: Sequence[float]) -> _Rows | None:
    """The rows touching ``chosen``, or None when the portfolio breaks one already."""
    position = {j: k for k, j in enumerate(chosen)}
    coefficients: list[list[float]] = []
    used, lo, hi = [], [], []
    for row in lp.rows:
        mine = [(position[j], a) for j, a in zip(row.index, row.coef) if j in position and a != 0]
        if not mine:
            continue
        line = [0.0] * len(chosen)
        for k, a in mine:
            line[k] = a
        coefficients.append(line)
        used.append(math.fsum(a * x[j] for j, a in zip(row.index, row.coef)))
        lo.append(-math.inf if row.lo is None else row.lo)
        hi.append(math.inf if row.hi is None else row.hi)
    if not coefficients:
        return _Rows(np.zeros((0, len(chosen))), np.zeros(0), np.zeros(0), np.zeros(0))
    rows = _Rows(np.array(coefficients), np.array(used), np.array(lo), np.array(hi))
    return rows if bool(np.all(rows.keep(rows.used[:, None]))) else None


def _best_move(rows: _Rows, inside: Array, gain_of: Array) -> tuple[int, int | None, float] | None:
    """The move that gains most and keeps every row: (column in, column out or None, gain)."""
    ins = np.flatnonzero(inside == 0.0)
    outs = np.flatnonzero(inside == 1.0)
    best: tuple[int, int | None, float] | None = None
    if len(ins):
        gains = np.where(rows.keep(rows.used[:, None] + rows.a[:, ins]), gain_of[ins], -np.inf)
        k = int(np.argmax(gains))
        if gains[k] > 0:
            best = (int(ins[k]), None, float(gains[k]))
    if len(ins) and len(outs):
        after = rows.used[:, None, None] + rows.a[:, ins][:, :, None] - rows.a[:, outs][:, None, :]
        gains2 = np.where(rows.keep(after), gain_of[ins][:, None] - gain_of[outs][None, :], -np.inf)
        i, o = np.unravel_index(int(np.argmax(gains2)), gains2.shape)
        gain = float(gains2[i, o])
        if gain > 0 and (best is None or gain > best[2]):
            best = (int(ins[i]), int(outs[o]), gain)
    return best
