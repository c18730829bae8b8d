"""The funding order for a budget not yet known: one ranking, a cut line in every budget.

The ``Budgets`` sheet gives the budgets the plan may get, each a *world* with its probability
(and, where an initiative's Impact differs in that world, its Impact there). A funding order
ranks the initiatives so that in every world the initiatives funded are a prefix of the
ranking: a larger budget never drops what a smaller one funds. Among all such orders it
maximizes the expected value over the worlds (or, with ``Risk objective cvar``, the blend
(1 − w) · expected value + w · CVaR over the worlds at the ``Risk level``).

An exact mixed-integer program: one selection x_s per world s, each keeping every rule of the
plan with that world's budget (limits, dependencies, exclusive groups, Musts), and the worlds'
selections nested in the order of their budgets, x_s ≤ x_{s+1} for each initiative (a chain of
sets is exactly the prefixes of one order). The order is then the worlds' selections, smallest
first, each one's additions ranked by their value there.

It also says what the consistency costs: each world's own optimum (what that budget alone would
fund) beside what the order funds there. Single-period plans only (a Budgets sheet beside
Periods is refused where it is read). Pure: no files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from portfolio_opt.core import formulation, solver
from portfolio_opt.core.rules import Chosen
from portfolio_opt.core.scoring import objective_coefficients
from portfolio_opt.core.value import portfolio_value
from portfolio_opt.model.errors import Infeasible, NoPortfolioFound
from portfolio_opt.model.plan import BudgetWorld, Plan, RiskObjective, Settings
from portfolio_opt.model.result import FundingOrder, Status, WorldFunding


def world_plan(plan: Plan, world: BudgetWorld) -> Plan:
    """The plan as it stands in one world: that budget, and the Impacts that differ there."""
    inis = tuple(
        replace(ini, impact=world.impacts[ini.id]) if ini.id in world.impacts else ini for ini in plan.initiatives
    )
    return replace(plan.with_settings(budget=world.budget, budget_source=world.where or world.name), initiatives=inis)


def funding_order(plan: Plan) -> FundingOrder:
    """The funding order of a plan with a Budgets sheet (see the module's docstring).

    Raises :class:`~portfolio_opt.model.errors.Infeasible` when a world alone keeps no portfolio
    (the diagnosis names that world's conflict).
    """
    worlds = sorted(plan.worlds, key=lambda w: w.budget)
    plans = [world_plan(plan, w) for w in worlds]
    alone = [_alone(p) for p in plans]
    lp, starts = _stacked(plan, plans)
    s = plan.settings
    sol = solver.solve(lp, s.solver, s.gap, s.time_limit)
    if sol.status is Status.NO_SOLUTION:
        raise NoPortfolioFound("the time limit ran out before any funding order was found: raise --time-limit")
    if not sol.has_solution:
        raise Infeasible((), (), "no funding order keeps every rule in every world with nested selections")
    assert sol.values is not None, "a solution without a portfolio"
    chosen = [formulation.selection(p, sol.values[start:]) for p, start in zip(plans, starts)]
    values = [portfolio_value(p, c) for p, c in zip(plans, chosen)]
    order = _order(plan, plans, chosen)
    funded = []
    for p, c, v, own, w in zip(plans, chosen, values, alone, worlds):
        ids = tuple(i for i in order if c.selected[p.index(i)])
        cost = math.fsum(ini.cost for ini, x in zip(p.initiatives, c.selected) if x)
        funded.append(WorldFunding(w, ids, v, cost, own))
    expected = math.fsum(w.probability * v for w, v in zip(worlds, values))
    tail = _cvar([w.probability for w in worlds], values, s.risk_level) if _cvar_asked(plan) else None
    blend = expected if tail is None else (1 - s.risk_weight) * expected + s.risk_weight * tail
    return FundingOrder(order, tuple(funded), expected, blend, tail, sol.status, sol.gap)


def _alone(plan: Plan) -> float:
    """A world's own optimum: what its budget alone would fund, by its value there (the cvar
    blend is over the worlds, not within one)."""
    plan = plan.with_settings(risk_objective=RiskObjective.EXPECTED)
    s = plan.settings
    sol = solver.solve(formulation.build(plan), s.solver, s.gap, s.time_limit)
    if sol.status is Status.INFEASIBLE:
        from portfolio_opt.core.diagnose import diagnose

        raise diagnose(plan)
    if not sol.has_solution:
        raise NoPortfolioFound("the time limit ran out before a world's own optimum was found: raise --time-limit")
    assert sol.values is not None, "a solution without a portfolio"
    return portfolio_value(plan, formulation.selection(plan, sol.values))


def _cvar_asked(plan: Plan) -> bool:
    s = plan.settings
    return s.risk_objective is RiskObjective.CVAR and s.risk_weight > 0


def _stacked(plan: Plan, plans: Sequence[Plan]) -> tuple[solver.LinearProgram, list[int]]:
    """Every world's program side by side, weighted by its probability, the selections nested
    world by world (budget order), and with cvar the Rockafellar–Uryasev columns over the worlds."""
    programs = [formulation.build(p) for p in plans]
    worlds = sorted(plan.worlds, key=lambda w: w.budget)
    width = len(formulation.Columns.of(plans[0]).var)
    s = plan.settings
    blend = 1.0 - s.risk_weight if _cvar_asked(plan) else 1.0
    objective: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    integer: list[bool] = []
    rows: list[solver.Row] = []
    keys: list[tuple[str | int, ...]] = []
    starts: list[int] = []
    for w, lp in zip(worlds, programs):
        start = len(objective)
        starts.append(start)
        objective += [blend * w.probability * c for c in lp.objective]
        lower += lp.lower
        upper += lp.upper
        integer += lp.integer
        rows += [replace(r, index=tuple(j + start for j in r.index)) for r in lp.rows]
        keys += [("world", w.name, *k) for k in lp.row_keys]
    for a, b in zip(starts, starts[1:]):  # what a smaller budget funds, a larger one funds too
        for i in range(width):
            rows.append(solver.Row((a + i, b + i), (1.0, -1.0), None, 0.0))
            keys.append(("nested", i))
    if _cvar_asked(plan):
        _add_cvar(worlds, programs, starts, width, s, objective, lower, upper, integer, rows, keys)
    lp = solver.LinearProgram(tuple(objective), tuple(lower), tuple(upper), tuple(integer), tuple(rows), tuple(keys))
    return lp, starts


def _add_cvar(
    worlds: Sequence[BudgetWorld],
    programs: Sequence[solver.LinearProgram],
    starts: Sequence[int],
    width: int,
    s: Settings,
    objective: list[float],
    lower: list[float],
    upper: list[float],
    integer: list[bool],
    rows: list[solver.Row],
    keys: list[tuple[str | int, ...]],
) -> None:
    """``w (η − Σ_s p_s u_s / α)`` with ``u_s ≥ η − V_s``: CVaR over the worlds at the Risk level."""
    eta = len(objective)
    objective.append(s.risk_weight)
    lower.append(-math.inf)
    upper.append(math.inf)
    integer.append(False)
    for k, (w, lp, start) in enumerate(zip(worlds, programs, starts)):
        u = len(objective)
        objective.append(-s.risk_weight * w.probability / s.risk_level)
        lower.append(0.0)
        upper.append(math.inf)
        integer.append(False)
        index = [start + j for j in range(len(lp.objective)) if lp.objective[j]]
        coef = [lp.objective[j - start] for j in index]
        rows.append(solver.Row((*index, eta, u), (*coef, -1.0, 1.0), 0.0, None))
        keys.append(("world value", k))


def _cvar(probabilities: Sequence[float], values: Sequence[float], level: float) -> float:
    """CVaR at ``level`` of a discrete distribution: the probability-weighted mean of its worst
    ``level`` share (the boundary world in part)."""
    left, total = level, 0.0
    for p, v in sorted(zip(probabilities, values), key=lambda pv: pv[1]):
        take = min(p, left)
        total += take * v
        left -= take
        if left <= 1e-15:
            break
    return total / level


def _order(plan: Plan, plans: Sequence[Plan], chosen: Sequence[Chosen]) -> tuple[str, ...]:
    """The ranking: what the smallest budget funds, then each larger one's additions, each group
    by its value in the world that first funds it; then what no world funds, by its value."""
    ids = [ini.id for ini in plan.initiatives]
    placed: set[int] = set()
    order: list[str] = []
    for p, c in zip(plans, chosen):
        coefficients = objective_coefficients(p)
        new = [i for i, x in enumerate(c.selected) if x and i not in placed]
        new.sort(key=lambda i: (-coefficients[i], i))
        order += [ids[i] for i in new]
        placed.update(new)
    coefficients = objective_coefficients(plan)
    rest = sorted((i for i in range(len(ids)) if i not in placed), key=lambda i: (-coefficients[i], i))
    return tuple(order) + tuple(ids[i] for i in rest)
