"""The portfolio as a mixed-integer program: one builder for every plan.

One binary y[i, t] per initiative i and start period t in its window (a single-period plan
is the one-period case: one binary per initiative):

    maximize    Σ c[i, t] y[i, t] − Σ penalty · overshoot     c = score at that start (− cost for npv)
    subject to  Σ_t y[i, t] ≤ 1                                one start each (= 1 for a Must)
                every rule of :mod:`.rules`: limits (budget included; soft and share limits too),
                Exclude, dependencies, exclusive groups

Each rule part (a limit side, a Must, an Exclude, a dependency, a group) has a key, so the
diagnosis can switch parts off one at a time. This module is pure: no solver, no files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from portfolio_opt.core import rules as _rules
from portfolio_opt.core.rules import (
    Chosen,
    Columns,
    On,
    Part,
    Program,
    dependency_pairs,
    exclusive_groups,
    limit_use,
)
from portfolio_opt.core.schedule import start_value
from portfolio_opt.core.solver import LinearProgram, Row
from portfolio_opt.model.plan import Plan

if TYPE_CHECKING:  # the simulated outcomes are an array; building a program needs no numpy
    import numpy as np

__all__ = [
    "TIE_BREAK",
    "build",
    "dependency_pairs",
    "exclusive_groups",
    "limit_use",
    "parts",
    "selection",
    "violations",
    "with_cvar",
    "Chosen",
    "Columns",
    "Part",
]

#: Total weight of the tie-break term, relative to the largest objective coefficient.
TIE_BREAK = 1e-7


def parts(plan: Plan) -> list[Part]:
    """Every part of every rule of a plan, as the diagnosis switches them: decisions first."""
    return [p for rule in _rules.plan_rules(plan) for p in rule.parts(plan)]


def objective(plan: Plan, columns: Columns, coefficients: Sequence[float] | None = None) -> list[float]:
    """c per column: each start valued by its own score, or ``coefficients[i]`` for every
    start of initiative i when given."""
    if coefficients is not None:
        return [float(coefficients[i]) for i, _ in columns.var]
    s = plan.settings
    return [start_value(plan.initiatives[i], t, s) for i, t in columns.var]


def tie_break(plan: Plan, columns: Columns, objective: Sequence[float]) -> list[float]:
    """Coefficients with a tiny term that prefers lower cost, then rows higher in the sheet,
    then earlier starts.

    The whole term is worth at most ``TIE_BREAK`` of the largest coefficient, far below any
    difference a person would act on, and only decides between portfolios of equal value.
    """
    if not objective:
        return []
    n = len(plan.initiatives)
    scale = max(abs(c) for c in objective) or 1.0
    max_cost = max((ini.cost for ini in plan.initiatives), default=0.0) or 1.0
    periods = max(1, plan.settings.periods or 1)
    unit = TIE_BREAK * scale / len(objective)
    return [
        c - unit * (0.5 * max(plan.initiatives[i].cost, 0.0) / max_cost + 0.5 * (i + 1) / (n + 1) + 0.25 * t / periods)
        for c, (i, t) in zip(objective, columns.var)
    ]


def build(
    plan: Plan,
    coefficients: Sequence[float] | None = None,
    active: On | None = None,
    force_in: Iterable[int] = (),
    force_out: Iterable[int] = (),
    limit_overrides: Mapping[int, tuple[float | None, float | None]] | None = None,
    break_ties: bool = True,
) -> LinearProgram:
    """The program for ``plan``.

    ``coefficients`` (one per initiative) replaces the objective (default: each start's own
    value); ``active(key)`` switches rule parts off (default: all on); ``force_in`` and
    ``force_out`` fix initiatives on top of the plan's decisions; ``limit_overrides`` maps a
    limit's position in :meth:`Plan.all_limits` to new ``(min, max)``. Columns after the
    decision columns (see :func:`selection`) are continuous: a soft limit's overshoot.
    """
    on = active or (lambda key: True)
    columns = Columns.of(plan)
    obj = objective(plan, columns, coefficients)
    if break_ties:
        obj = tie_break(plan, columns, obj)
    width = len(columns.var)
    prog = Program(columns, obj, [0.0] * width, [1.0] * width, [True] * width)
    for rule in _rules.plan_rules(plan, limit_overrides):
        rule.add_to(prog, plan, on)
    for i in force_in:
        prog.require(i)
    for i in force_out:
        prog.forbid(i)
    prog.add_starts()
    return LinearProgram(
        objective=tuple(prog.objective),
        lower=tuple(prog.lower),
        upper=tuple(prog.upper),
        integer=tuple(prog.integer),
        rows=tuple(prog.rows),
        row_keys=tuple(prog.keys),
    )


def with_cvar(plan: Plan, lp: LinearProgram, outcomes: np.ndarray, weight: float, level: float) -> LinearProgram:
    """``lp`` (from :func:`build`) with the risk-aware objective (1 − w) · expected value + w ·
    CVaR, CVaR over the sampled worlds in the Rockafellar–Uryasev linear form:

        maximize  (1 − w) Σ c_j x_j + w (η − Σ_s u_s / (α S)) − penalties
        subject to  u_s ≥ η − Σ_j V[s, j] x_j,  u_s ≥ 0      (one u per world s; η free)

    ``outcomes`` is the S × columns matrix V of what each decision column adds in each world
    (:func:`portfolio_opt.risk.outcome_matrix`). The tie-break term is kept as it was.
    """
    columns = Columns.of(plan)
    raw = objective(plan, columns)
    width, samples = len(columns.var), outcomes.shape[0]
    obj = [(1 - weight) * r + (c - r) for r, c in zip(raw, lp.objective[:width])] + list(lp.objective[width:])
    eta = len(obj)
    obj += [weight] + [-weight / (level * samples)] * samples
    lower = list(lp.lower) + [-math.inf] + [0.0] * samples
    upper = list(lp.upper) + [math.inf] * (samples + 1)
    integer = list(lp.integer) + [False] * (samples + 1)
    rows = list(lp.rows)
    keys = list(lp.row_keys) + [("world", s) for s in range(samples)]
    for s in range(samples):
        nz = outcomes[s].nonzero()[0]
        rows.append(
            Row(
                tuple(int(j) for j in nz) + (eta, eta + 1 + s),
                tuple(float(v) for v in outcomes[s, nz]) + (-1.0, 1.0),
                0.0,
                None,
            )
        )
    return LinearProgram(
        objective=tuple(obj),
        lower=tuple(lower),
        upper=tuple(upper),
        integer=tuple(integer),
        rows=tuple(rows),
        row_keys=tuple(keys),
    )


def selection(plan: Plan, values: Sequence[float]) -> Chosen:
    """The portfolio a solution of :func:`build`'s program chooses: who is in, and when."""
    selected = [False] * len(plan.initiatives)
    starts: dict[int, int] = {}
    for (i, t), v in zip(Columns.of(plan).var, values):
        if v > 0.5:
            selected[i] = True
            starts[i] = t
    return Chosen(tuple(selected), starts)


def violations(plan: Plan, selected: Sequence[bool], starts: Mapping[int, int] | None = None) -> list[str]:
    """Every rule and decision a portfolio breaks, in words (empty when it keeps all).

    Without ``starts``, a multi-period plan's per-period limits and timing are not checked
    (nothing says when each starts); its decisions, whole-plan limits and groups are.
    """
    if starts is None and plan.settings.periods:
        plan = plan.with_settings(periods=None)  # dependencies mean "selected together"
    chosen = Chosen.of(selected, starts)
    out: list[str] = []
    for rule in _rules.plan_rules(plan):
        if starts is None and isinstance(rule, _rules.LimitRule) and rule.limit.period is not None:
            continue
        out.extend(v.text for v in rule.check(plan, chosen))
    return out
