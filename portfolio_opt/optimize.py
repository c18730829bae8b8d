"""Choose the portfolio: score, build the program, solve it, and say why for each initiative."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from . import formulation, progress, reduction, schedule, solver
from .errors import NoPortfolioFound, PortfolioError
from .model import (
    Decision,
    InitiativeResult,
    LimitUse,
    Objective,
    Plan,
    Result,
    SolverInfo,
    Status,
)
from .scoring import objective_coefficients, plan_scores


def apply_overrides(
    plan: Plan,
    budget: float | None = None,
    solver_name: str | None = None,
    gap: float | None = None,
    time_limit: float | None = None,
) -> Plan:
    """The plan with command-line style overrides of its settings (``None`` keeps the sheet's)."""
    changes: dict = {}
    if budget is not None:
        changes.update(budget=float(budget), budget_source="--budget")
    if solver_name is not None:
        changes["solver"] = solver_name
    if gap is not None:
        changes["gap"] = float(gap)
    if time_limit is not None:
        changes["time_limit"] = float(time_limit)
    return plan.with_settings(**changes) if changes else plan


def optimize(
    plan: Plan,
    budget: float | None = None,
    solver_name: str | None = None,
    gap: float | None = None,
    time_limit: float | None = None,
    threads: int | None = None,
) -> Result:
    """The portfolio of highest expected value that keeps every limit and decision.

    Raises :class:`~portfolio_opt.errors.Infeasible` (naming the conflict) when no portfolio
    keeps them all, :class:`~portfolio_opt.errors.NoSolver` when the solver is missing and
    :class:`~portfolio_opt.errors.NoPortfolioFound` when the time limit ends the search first.

    >>> from portfolio_opt import Initiative, Plan, optimize
    >>> plan = Plan((Initiative("A", "Churn model", 1e6, 0.6, 6, 4e5),
    ...              Initiative("B", "Feature store", 5e5, 0.9, 3, 3e5)))
    >>> optimize(plan, budget=500_000).selected
    ('A',)
    """
    plan = apply_overrides(plan, budget, solver_name, gap, time_limit)
    periods = f" × {plan.settings.periods} periods" if plan.settings.periods else ""
    with progress.stage(f"Solving {len(plan.initiatives):,} initiatives{periods}"):
        solved = solve(plan, threads)
    return build_result(plan, solved.scores, solved.coefficients, solved.selected, solved.solution, solved.starts)


@dataclass(frozen=True)
class Solved:
    """The portfolio a solve chose, before any ranking or reasons are worked out."""

    scores: list[float]  #: per initiative (multi-period: at its chosen start)
    coefficients: list[float]
    selected: list[bool]
    solution: solver.Solution
    starts: dict[int, int] | None = None

    @property
    def objective(self) -> float:
        return math.fsum(c for c, s in zip(self.coefficients, self.selected) if s)


def solve(plan: Plan, threads: int | None = None) -> Solved:
    """Solve the plan as it stands: the lean core of :func:`optimize` (same errors)."""
    settings = plan.settings
    solver.check_solver(settings.solver)
    scores = plan_scores(plan)
    coefficients = objective_coefficients(plan, scores)
    timed = bool(settings.periods)
    # multi-period plans value each start by its own score (coefficients None)
    lp = formulation.build(plan, None if timed else coefficients)
    solution = reduction.solve(lp, settings.solver, settings.gap, settings.time_limit, threads=threads)
    if solution.status is Status.INFEASIBLE:
        from .diagnose import diagnose

        raise diagnose(plan)
    if solution.status is Status.NO_SOLUTION:
        raise NoPortfolioFound(
            f"the solver stopped at the time limit ({settings.time_limit:g} s) before it found "
            "any portfolio: raise --time-limit or relax the limits"
        )
    if not solution.has_solution:
        raise PortfolioError(f"the solver failed ({', '.join(solution.messages)}); try --solver cbc")
    if timed:
        selected, starts = schedule.selection(plan, solution.values)
        scores = list(scores)
        coefficients = list(coefficients)
        for i, t in starts.items():
            ini = plan.initiatives[i]
            scores[i] = schedule.start_score(ini, t, settings)
            coefficients[i] = scores[i] - (ini.cost if settings.objective is Objective.NPV else 0.0)
        return Solved(scores, coefficients, selected, solution, starts)
    selected = [v > 0.5 for v in solution.values]
    return Solved(list(scores), list(coefficients), selected, solution)


def build_result(
    plan: Plan,
    scores: Sequence[float],
    coefficients: Sequence[float],
    selected: Sequence[bool],
    solution: solver.Solution,
    starts: dict[int, int] | None = None,
) -> Result:
    """Assemble a :class:`Result`: totals, limit use, ranking and reasons.

    ``starts`` (multi-period plans) gives each selected initiative's start period; its score
    and coefficient are then those of that start.
    """
    if starts is None:
        uses = tuple(
            LimitUse(limit, formulation.limit_use(plan, limit, selected)) for limit in plan.all_limits()
        )
    else:
        uses = tuple(LimitUse(limit, schedule.limit_use(plan, limit, selected, starts)) for limit in plan.all_limits())
    reasons = decision_reasons(plan, coefficients, selected, uses, starts)
    order = ranking_order(plan, coefficients, selected)
    rows = []
    labels = plan.settings.period_labels() if starts is not None else []
    for rank, i in enumerate(order, start=1):
        ini = plan.initiatives[i]
        timing: dict = {}
        if starts is not None and i in starts:
            t = starts[i]
            end = t + schedule.build_periods(ini, plan.settings) - 1
            first = schedule.window(ini, plan.settings)
            best = schedule.start_score(ini, first[0], plan.settings) if len(first) else scores[i]
            timing = dict(
                start=labels[t],
                finish=labels[end] if end < len(labels) else f"{labels[-1]}+{end - len(labels) + 1}",
                delay_loss=max(0.0, best - scores[i]),
            )
        rows.append(
            InitiativeResult(
                id=ini.id,
                name=ini.name,
                theme=ini.theme,
                selected=bool(selected[i]),
                score=scores[i],
                cost=ini.cost,
                objective_value=coefficients[i],
                rank=rank,
                reason=reasons[i],
                row=ini.row,
                **timing,
            )
        )
    status = solution.status
    gap = solution.gap if solution.gap is not None else (0.0 if status is Status.OPTIMAL else None)
    warnings = list(plan.warnings)
    if status is Status.FEASIBLE:
        gap_text = f"{gap:.2%}" if gap is not None else "unknown"
        warnings.append(
            f"stopped at the time limit ({plan.settings.time_limit:g} s) before proving optimality: "
            f"the portfolio is within {gap_text} of the best possible"
        )
    return Result(
        status=status,
        objective=math.fsum(c for c, s in zip(coefficients, selected) if s),
        total_value=math.fsum(v for v, s in zip(scores, selected) if s),
        total_cost=math.fsum(ini.cost for ini, s in zip(plan.initiatives, selected) if s),
        initiatives=tuple(rows),
        limits=uses,
        solver=SolverInfo(
            name=solution.solver,
            version=solution.version,
            seconds=solution.seconds,
            gap=gap,
            bound=solution.bound,
            requested_gap=plan.settings.gap,
            time_limit=plan.settings.time_limit,
            fixed=solution.fixed,
            columns=len(solution.values) if solution.values is not None else 0,
        ),
        plan=plan,
        warnings=tuple(warnings),
        starts={plan.initiatives[i].id: t for i, t in (starts or {}).items()},
    )


def ranking_order(plan: Plan, coefficients: Sequence[float], selected: Sequence[bool]) -> list[int]:
    """Selected first, then the rest; each by objective contribution, high to low, then sheet order."""
    return sorted(
        range(len(plan.initiatives)),
        key=lambda i: (not selected[i], -coefficients[i], i),
    )


def decision_reasons(
    plan: Plan,
    coefficients: Sequence[float],
    selected: Sequence[bool],
    uses: Sequence[LimitUse],
    starts: dict[int, int] | None = None,
) -> list[str]:
    """A short reason in words for each initiative's decision, in plan order."""
    ids = [ini.id for ini in plan.initiatives]
    dependents: dict[int, list[int]] = {}
    for i, j in formulation.dependency_pairs(plan):
        dependents.setdefault(j, []).append(i)
    group_of: dict[int, list[int]] = {}
    for members in formulation.exclusive_groups(plan).values():
        for i in members:
            group_of[i] = members
    coef_by_limit = [formulation.limit_coefficients(plan, u.limit) for u in uses]
    s = plan.settings
    out = []
    for i, ini in enumerate(plan.initiatives):
        if selected[i]:
            needed_by = [ids[k] for k in dependents.get(i, []) if selected[k]]
            also = f"; also needed by {_list(needed_by)}" if needed_by else ""
            if ini.decision is Decision.MUST:
                out.append("Must" + also)
            elif needed_by and coefficients[i] > 0:
                out.append("on merit" + also)  # worth its place, and others rely on it too
            elif needed_by:
                out.append("needed by " + _list(needed_by))
            elif coefficients[i] <= 0:
                mins = [
                    u.limit.name
                    for u, a in zip(uses, coef_by_limit)
                    if u.limit.min is not None and a[i] > 0
                ]
                out.append(f"meets Min {_list(mins)}" if mins else "selected")
            else:
                out.append("on merit")
            continue
        if ini.decision is Decision.EXCLUDE:
            out.append("Excluded")
            continue
        if coefficients[i] <= 0:
            if schedule.value_start(ini, s) >= s.horizon_months:
                out.append("no value within the horizon")
            elif ini.probability == 0:
                out.append("no value (probability 0)")
            elif s.objective is Objective.NPV and coefficients[i] + ini.cost > 0:
                out.append("negative value (cost above expected value)")
            else:
                out.append("negative value")
            continue
        missing = [
            plan.index(d) for d in ini.depends_on if d in plan and not selected[plan.index(d)]
        ]
        if missing:
            parts = []
            for j in missing:
                tag = "Excluded" if plan.initiatives[j].decision is Decision.EXCLUDE else "not selected"
                parts.append(f"{ids[j]}, {tag}")
            out.append("needs " + "; ".join(parts))
            continue
        rivals = [ids[k] for k in group_of.get(i, []) if k != i and selected[k]]
        if rivals:
            out.append("exclusive with " + _list(rivals))
            continue
        if starts is not None:
            out.append(_timed_reason(plan, i, selected, starts, uses))
            continue
        binding = []
        for u, a in zip(uses, coef_by_limit):
            lim = u.limit
            tol = 1e-9 * max(1.0, abs(lim.max or 0.0), abs(lim.min or 0.0))
            if lim.max is not None and a[i] > 0 and u.used + a[i] > lim.max + tol:
                binding.append(lim.name)
            elif lim.min is not None and a[i] < 0 and u.used + a[i] < lim.min - tol:
                binding.append(lim.name)
        out.append(_list(binding) if binding else "within the optimality gap")
    return out


def _timed_reason(plan: Plan, i: int, selected, starts: dict[int, int], uses: Sequence[LimitUse]) -> str:
    """Why an unselected initiative of a multi-period plan is out: the limits that block its
    best start, or a prerequisite that finishes too late."""
    s = plan.settings
    ini = plan.initiatives[i]
    tol = 1e-9
    whole = []
    for u in uses:
        lim = u.limit
        if lim.period is None and lim.max is not None and lim.applies_to(ini):
            a = plan.column_values(lim.column)[i]
            if a > 0 and u.used + a > lim.max + tol * max(1.0, abs(lim.max)):
                whole.append(lim.name)
    best: list[str] | None = None
    for t in schedule.window(ini, s):
        late = [plan.initiatives[plan.index(d)].id for d in ini.depends_on
                if d in plan and schedule.timed_dependencies(s) and plan.index(d) in starts
                and starts[plan.index(d)] + schedule.build_periods(plan.initiatives[plan.index(d)], s) > t]
        blocked = [f"needs {x} to finish first" for x in late]
        for u in uses:
            lim = u.limit
            if lim.period is None or lim.max is None:
                continue
            use = schedule.demand(plan, lim, i)
            off = lim.period - t
            if 0 <= off < len(use) and use[off] > 0 and u.used + use[off] > lim.max + tol * max(1.0, abs(lim.max)):
                blocked.append(lim.name)
        if best is None or len(blocked) < len(best):
            best = blocked
    reasons = whole + (best or [])
    return _list(reasons) if reasons else "within the optimality gap"


def _list(items: Sequence[str], most: int = 3) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= most:
        return ", ".join(items)
    return ", ".join(items[:most]) + f" and {len(items) - most} more"
