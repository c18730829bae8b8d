"""Choose the portfolio: score, build the program, solve it, and say why for each initiative."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict

from portfolio_opt.core import formulation, reduction, schedule, solver
from portfolio_opt.core.lifecycle import decision as review_decision
from portfolio_opt.core.lifecycle import in_review, out_cost_total, realization
from portfolio_opt.core.reasons import reason_text
from portfolio_opt.core.rules import BudgetConfidence, Chosen, LimitRule, limit_rules, limit_uses, plan_rules
from portfolio_opt.core.value import portfolio_value, scores_at
from portfolio_opt.model.errors import NoPortfolioFound, PortfolioError
from portfolio_opt.model.plan import Decision, Initiative, Objective, Plan, RiskObjective, Scoring, Settings, Stage
from portfolio_opt.model.result import (
    InitiativeResult,
    LimitUse,
    Reason,
    ReasonCode,
    Result,
    RiskChoice,
    SolverInfo,
    Status,
)
from portfolio_opt.runtime import progress, stopping

#: multi-period programs with fewer columns than this are solved whole (see :func:`solve`)
TIMED_WHOLE_BELOW = 1_000


def apply_overrides(
    plan: Plan,
    budget: float | None = None,
    solver_name: str | None = None,
    gap: float | None = None,
    time_limit: float | None = None,
) -> Plan:
    """The plan with command-line style overrides of its settings (``None`` keeps the sheet's)."""
    changes: dict[str, Any] = {}
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
    result = build_result(plan, solved.scores, solved.coefficients, solved.selected, solved.solution, solved.starts)
    if risk_aware(plan):
        with progress.stage("Judging the risk-aware portfolio on fresh worlds"):
            result = replace(result, risk=risk_choice(plan, solved, threads))
    if plan.settings.budget_confidence is not None or any(ini.cost_high is not None for ini in plan.initiatives):
        from portfolio_opt.core.simulation import cost_risk

        with progress.stage("Judging the portfolio's cost on fresh worlds"):
            result = replace(result, cost_risk=cost_risk(plan, solved.selected))
    if plan.worlds:
        from portfolio_opt.core.funding import funding_order

        with progress.stage(f"Finding the funding order over {len(plan.worlds)} budgets"):
            result = replace(result, funding=funding_order(plan))
    if plan.settings.scoring is not Scoring.EXPECTED_VALUE:
        plain = solve(
            plan.with_settings(scoring=Scoring.EXPECTED_VALUE, risk_objective=RiskObjective.EXPECTED), threads
        )
        ids = [ini.id for ini in plan.initiatives]
        mine = {ids[i] for i, x in enumerate(solved.selected) if x}
        theirs = {ids[i] for i, x in enumerate(plain.selected) if x}
        result = replace(
            result,
            scoring_change={
                "expected_value_selected": tuple(i for i in ids if i in theirs),
                "entered": tuple(i for i in ids if i in mine - theirs),
                "left": tuple(i for i in ids if i in theirs - mine),
            },
        )
    return result


def risk_aware(plan: Plan) -> bool:
    """True when the plan asks for the cvar objective with a weight above 0."""
    s = plan.settings
    return s.risk_objective is RiskObjective.CVAR and s.risk_weight > 0


def risk_choice(plan: Plan, solved: Solved, threads: int | None = None) -> RiskChoice:
    """The risk-aware portfolio against the expected-value optimum, both simulated on the same
    fresh worlds (so the comparison is not flattered by the worlds the choice was made on)."""
    from portfolio_opt.core.simulation import judge, judge_samples

    s = plan.settings
    plain = solve(plan.with_settings(risk_objective=RiskObjective.EXPECTED), threads)
    samples = judge_samples(plan)
    ids = [ini.id for ini in plan.initiatives]

    def judged(x: Solved) -> dict[str, float | None]:
        return judge(
            plan,
            [ids[i] for i, on in enumerate(x.selected) if on],
            {ids[i]: t for i, t in (x.starts or {}).items()} if s.periods else None,
        )

    mine = {ids[i] for i, x in enumerate(solved.selected) if x}
    theirs = {ids[i] for i, x in enumerate(plain.selected) if x}
    return RiskChoice(
        objective=s.risk_objective,
        weight=s.risk_weight,
        level=s.risk_level,
        samples=samples,
        chosen=judged(solved),
        expected=judged(plain),
        expected_selected=tuple(i for i in ids if i in theirs),
        entered=tuple(i for i in ids if i in mine - theirs),
        left=tuple(i for i in ids if i in theirs - mine),
    )


@dataclass(frozen=True)
class Solved:
    """The portfolio a solve chose, before any ranking or reasons are worked out."""

    scores: list[float]  #: per initiative (multi-period: at its chosen start)
    coefficients: list[float]
    selected: list[bool]
    solution: solver.Solution
    starts: dict[int, int] | None = None  #: multi-period plans: each selected one's start
    uses: tuple[LimitUse, ...] = ()  #: every limit's use (budget first)
    objective: float = 0.0  #: its value as the objective counts it (:func:`~portfolio_opt.core.value.portfolio_value`)

    @property
    def chosen(self) -> Chosen:
        """The chosen portfolio as the rules read it: what is selected, and when each starts."""
        return Chosen.of(self.selected, self.starts)

    @staticmethod
    def of(
        plan: Plan,
        chosen: Chosen,
        solution: solver.Solution,
        base: tuple[Sequence[float], Sequence[float]] | None = None,
    ) -> Solved:
        """The portfolio a solution chose, with its scores, limit use and value (``base``: the
        plan's scores and coefficients, when known already; see :func:`scores_at`)."""
        scores, coefficients = scores_at(plan, chosen.starts, base)
        uses = limit_uses(plan, chosen)
        starts = dict(chosen.starts) if plan.settings.periods else None
        value = portfolio_value(plan, chosen, coefficients, uses)
        return Solved(scores, coefficients, list(chosen.selected), solution, starts, uses, value)


def nothing_found(settings: Settings) -> NoPortfolioFound:
    """The error of a search that stopped before it found any portfolio: stopped by whoever
    asked (:func:`~portfolio_opt.runtime.stopping.stop_when`) or at the plan's time limit.

    >>> str(nothing_found(Settings(time_limit=5)))
    'the solver stopped at the time limit (5 s) before it found any portfolio: raise --time-limit or relax the limits'
    """
    event = stopping.stop_event()
    if event is not None and event.is_set():
        return NoPortfolioFound("stopped at your request before any portfolio was found")
    if settings.time_limit is None:
        return NoPortfolioFound(
            "the solver stopped before it found any portfolio: relax the limits or try --solver cbc"
        )
    return NoPortfolioFound(
        f"the solver stopped at the time limit ({settings.time_limit:g} s) before it found "
        "any portfolio: raise --time-limit or relax the limits"
    )


def solve(plan: Plan, threads: int | None = None) -> Solved:
    """Solve the plan as it stands: the lean core of :func:`optimize` (same errors)."""
    settings = plan.settings
    solver.check_solver(settings.solver)
    lp = formulation.build(plan)  # each start valued by its own score
    if risk_aware(plan):
        from portfolio_opt.core.worlds import outcome_matrix

        outcomes = outcome_matrix(plan, formulation.Columns.of(plan).var, settings.risk_samples)
        lp = formulation.with_cvar(plan, lp, outcomes, settings.risk_weight, settings.risk_level)
        solution = solver.solve(lp, settings.solver, settings.gap, settings.time_limit, threads=threads)
    elif settings.periods and lp.n_vars < TIMED_WHOLE_BELOW:
        # a multi-period LP is weak (about 1% off the optimum), so on a small program the
        # fixing rounds cost more than they save
        solution = solver.solve(lp, settings.solver, settings.gap, settings.time_limit, threads=threads)
    else:
        solution = reduction.solve(
            lp, settings.solver, settings.gap, settings.time_limit, threads=threads, presolve=bool(settings.periods)
        )
    if solution.status is Status.INFEASIBLE:
        from portfolio_opt.core.diagnose import diagnose

        raise diagnose(plan)
    if solution.status is Status.NO_SOLUTION:
        raise nothing_found(settings)
    if not solution.has_solution or solution.values is None:
        raise PortfolioError(f"the solver failed ({', '.join(solution.messages)}); try --solver cbc")
    return Solved.of(plan, formulation.selection(plan, solution.values), solution)


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
    chosen = Chosen.of(selected, starts)
    uses = limit_uses(plan, chosen)
    reasons = decision_reasons(plan, coefficients, selected, uses, starts)
    labels = plan.settings.period_labels() if plan.settings.periods else []
    rows = []
    for rank, i in enumerate(ranking_order(plan, coefficients, selected), start=1):
        ini = plan.initiatives[i]
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
                reason=reason_text(reasons[i]),
                row=ini.row,
                why=reasons[i],
                decision=review_decision(ini, bool(selected[i])),
                criteria_score=ini.criteria_score,
                **_timing(plan, labels, i, chosen, scores[i]),
            )
        )
    gap = _solver_gap(solution)
    return Result(
        status=solution.status,
        objective=portfolio_value(plan, chosen, coefficients, uses),
        total_value=math.fsum(v for v, s in zip(scores, selected) if s),
        total_cost=math.fsum(ini.cost for ini, s in zip(plan.initiatives, selected) if s)
        + out_cost_total(plan, selected),
        initiatives=tuple(rows),
        limits=uses,
        solver=_solver_info(plan, solution, gap),
        plan=plan,
        warnings=tuple(_warnings(plan, solution.status, gap)),
        starts={plan.initiatives[i].id: t for i, t in (starts or {}).items()},
        realization=tuple(realization(plan)),
    )


class _Timing(TypedDict, total=False):
    start: str
    finish: str
    delay_loss: float


def _timing(plan: Plan, labels: Sequence[str], i: int, chosen: Chosen, score: float) -> _Timing:
    """A selected initiative's schedule in a multi-period plan (``labels``: its periods'): its
    start and finish, and what starting later than its earliest allowed period costs (nothing
    for a single-period plan or an initiative left out)."""
    if not plan.settings.periods or i not in chosen.starts:
        return {}
    ini, s = plan.initiatives[i], plan.settings
    t = chosen.starts[i]
    end = t + schedule.build_periods(ini, s) - 1
    first = schedule.window(ini, s)
    best = schedule.start_score(ini, first[0], s) if len(first) else score
    return _Timing(
        start=labels[t],
        finish=labels[end] if end < len(labels) else f"{labels[-1]}+{end - len(labels) + 1}",
        delay_loss=max(0.0, best - score),
    )


def _solver_gap(solution: solver.Solution) -> float | None:
    """The solution's optimality gap: the solver's, or 0 for a proven optimum that reports none."""
    if solution.gap is not None:
        return solution.gap
    return 0.0 if solution.status is Status.OPTIMAL else None


def _warnings(plan: Plan, status: Status, gap: float | None) -> list[str]:
    """The plan's warnings, and one when the time limit stopped the search before the proof."""
    warnings = list(plan.warnings)
    if status is Status.FEASIBLE:
        gap_text = f"{gap:.2%}" if gap is not None else "unknown"
        event, limit = stopping.stop_event(), plan.settings.time_limit
        if event is not None and event.is_set():
            why = "stopped at your request"
        else:
            why = "stopped" if limit is None else f"stopped at the time limit ({limit:g} s)"
        warnings.append(f"{why} before proving optimality: the portfolio is within {gap_text} of the best possible")
    return warnings


def _solver_info(plan: Plan, solution: solver.Solution, gap: float | None) -> SolverInfo:
    """How the solve went: the solver, its time and gap, and the settings it was given."""
    return SolverInfo(
        name=solution.solver,
        version=solution.version,
        seconds=solution.seconds,
        gap=gap,
        bound=solution.bound,
        requested_gap=plan.settings.gap,
        time_limit=plan.settings.time_limit,
        fixed=solution.fixed,
        columns=len(solution.values) if solution.values is not None else 0,
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
) -> list[Reason]:
    """Why each initiative is in or out, as :class:`Reason` data, in plan order."""
    reasons = _Reasons(plan, coefficients, selected, uses, starts)
    out = [reasons.why_in(i) if selected[i] else reasons.why_out(i) for i in range(len(plan.initiatives))]
    if in_review(plan):
        out = [_review_reason(ini, why, selected[i]) for i, (ini, why) in enumerate(zip(plan.initiatives, out))]
    return out


class _Reasons:
    """The reason for each initiative's decision, from what the portfolio holds: who relies on
    whom, the exclusive groups, and how each initiative fits the limits (:class:`_Fit`)."""

    def __init__(
        self,
        plan: Plan,
        coefficients: Sequence[float],
        selected: Sequence[bool],
        uses: Sequence[LimitUse],
        starts: dict[int, int] | None,
    ):
        self.plan, self.coefficients, self.selected, self.starts = plan, coefficients, selected, starts
        self.ids = [ini.id for ini in plan.initiatives]
        #: each initiative's dependents (the initiatives that need it)
        self.dependents: dict[int, list[int]] = {}
        for i, j in formulation.dependency_pairs(plan):
            self.dependents.setdefault(j, []).append(i)
        #: each initiative's exclusive group, itself included
        self.group_of: dict[int, list[int]] = {}
        for members in formulation.exclusive_groups(plan).values():
            for i in members:
                self.group_of[i] = members
        self.chosen = Chosen.of(selected, starts)
        self.fit = _Fit(plan, uses, self.chosen)

    def why_in(self, i: int) -> Reason:
        """Why a selected initiative is in: a Must, its own merit, selected ones that need it, or
        a Min it helps meet; with the soft limits it helps run past their bound."""
        ini = self.plan.initiatives[i]
        needed_by = tuple(self.ids[k] for k in self.dependents.get(i, []) if self.selected[k])
        hot = self.fit.hot(i, self.chosen.starts.get(i, 0))
        if ini.decision is Decision.MUST:
            return Reason(ReasonCode.MUST, also=needed_by, hot=hot)
        if needed_by and self.coefficients[i] > 0:
            return Reason(ReasonCode.MERIT, also=needed_by, hot=hot)  # worth its place, and others rely on it
        if needed_by:
            return Reason(ReasonCode.NEEDED_BY, needed_by, hot=hot)
        if self.coefficients[i] <= 0:
            mins = self.fit.mins(i)
            return Reason(ReasonCode.MEETS_MIN, mins, hot=hot) if mins else Reason(ReasonCode.SELECTED, hot=hot)
        return Reason(ReasonCode.MERIT, hot=hot)

    def why_out(self, i: int) -> Reason:
        """Why an unselected initiative is out, the first that holds of: it is Excluded, it adds
        no value, a prerequisite or a rival in its exclusive group keeps it out, or the limits
        do (or, when nothing blocks it, the optimality gap or the risk objective)."""
        plan, ids = self.plan, self.ids
        ini = plan.initiatives[i]
        if ini.decision is Decision.EXCLUDE:
            return Reason(ReasonCode.EXCLUDED)
        if self.coefficients[i] <= 0:
            return _no_value_reason(ini, self.coefficients[i], plan.settings)
        missing = [plan.index(d) for d in ini.depends_on if d in plan and not self.selected[plan.index(d)]]
        if missing:
            return Reason(
                ReasonCode.NEEDS,
                tuple(
                    (ids[j], "Excluded" if plan.initiatives[j].decision is Decision.EXCLUDE else "not selected")
                    for j in missing
                ),
            )
        rivals = tuple(ids[k] for k in self.group_of.get(i, []) if k != i and self.selected[k])
        if rivals:
            return Reason(ReasonCode.EXCLUSIVE_WITH, rivals)
        blocked, costly = self.fit.blocked(i, self.starts)
        settled = self.fit.confidence(i) or (Reason(ReasonCode.RISK) if risk_aware(plan) else Reason(ReasonCode.GAP))
        return Reason(ReasonCode.LIMITS, blocked, costly=costly) if blocked or costly else settled


def _no_value_reason(ini: Initiative, coefficient: float, s: Settings) -> Reason:
    """Why an initiative adds nothing to the objective, the first that holds of: its value starts
    after the horizon, it never succeeds, its cost outweighs its expected value (npv), or its
    value is below 0."""
    if schedule.value_start(ini, s) >= s.horizon_months:
        return Reason(ReasonCode.NO_VALUE_HORIZON)
    if ini.probability == 0:
        return Reason(ReasonCode.NO_VALUE_PROBABILITY)
    if s.objective is Objective.NPV and coefficient + ini.cost > 0:
        return Reason(ReasonCode.NEGATIVE_NPV)
    return Reason(ReasonCode.NEGATIVE_VALUE)


def _review_reason(ini: Initiative, why: Reason, selected: bool) -> Reason:
    """A quarterly review's reason for a row it stopped, retired, or carries through."""
    stage = ini.stage
    if stage is Stage.DONE:
        return Reason(ReasonCode.DONE)
    if stage is Stage.STOPPED:
        return Reason(ReasonCode.STOPPED_EARLIER)
    if selected or why.code is ReasonCode.EXCLUDED:
        return why
    limits = tuple(why.items) if why.code is ReasonCode.LIMITS else ()
    if stage is Stage.IN_PROGRESS:
        return Reason(ReasonCode.STOP, limits, amounts=(ini.cost,))
    if stage is Stage.LIVE:
        if ini.run_cost >= ini.impact:
            return Reason(ReasonCode.RETIRE_COSTLY, amounts=(ini.run_cost, ini.impact))
        return Reason(ReasonCode.RETIRE, limits)
    return why


class _Fit:
    """Which limits keep each initiative out, or does it help run past their bound: each limit's
    rule decides, from the portfolio's use (its tally) and what the initiative would add."""

    def __init__(self, plan: Plan, uses: Sequence[LimitUse], chosen: Chosen):
        self.plan, self.uses, self.chosen = plan, list(uses), chosen
        self.rules: list[LimitRule] = limit_rules(plan)
        self.tallies = [rule.tally(plan, chosen) for rule in self.rules]

    def mins(self, i: int) -> tuple[str, ...]:
        """The Mins that selecting it adds to."""
        return tuple(rule.limit.name for rule in self.rules if rule.counts_toward_min(self.plan, i))

    def hot(self, i: int, t: int) -> tuple[str, ...]:
        """The soft limits it helps run past their bound."""
        return tuple(rule.limit.name for rule, use in zip(self.rules, self.uses) if rule.runs_hot(self.plan, use, i, t))

    def blocked(self, i: int, starts: dict[int, int] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The limits that keep it out at its least blocked start (and those it would only run
        past their bound at a penalty that outweighs it), plus prerequisites that finish too late."""
        plan, s = self.plan, self.plan.settings
        ini = plan.initiatives[i]
        best: tuple[list[str], list[str]] | None = None
        for t in schedule.window(ini, s):
            hard = self._too_early(i, t, starts)
            soft: list[str] = []
            for rule, tally in zip(self.rules, self.tallies):
                verdict = rule.blocks(plan, tally, i, t)
                if verdict is not None:
                    (soft if verdict == "soft" else hard).append(rule.limit.name)
            if best is None or len(hard) + len(soft) < len(best[0]) + len(best[1]):
                best = (hard, soft)
        hard, soft = best or ([], [])
        return tuple(dict.fromkeys(hard)), tuple(dict.fromkeys(soft))

    def confidence(self, i: int) -> Reason | None:
        """Why it is out when it fits at its Cost but the Budget confidence would not hold with it."""
        if self.plan.settings.budget_confidence is None or self.plan.budget_limit is None:
            return None  # no such rule (plan_rules would say so only after building every rule)
        rule = next((r for r in plan_rules(self.plan) if isinstance(r, BudgetConfidence)), None)
        if rule is None:
            return None
        mask = list(self.chosen.selected)
        mask[i] = True
        if not rule.check(self.plan, Chosen.of(mask, {**self.chosen.starts, i: self.chosen.starts.get(i, 0)})):
            return None
        ini = self.plan.initiatives[i]
        over = (ini.cost_high - ini.cost) / ini.cost if ini.cost_high is not None and ini.cost else 0.0
        return Reason(ReasonCode.CONFIDENCE, amounts=(over, 1 - rule.confidence))

    def _too_early(self, i: int, t: int, starts: dict[int, int] | None) -> list[str]:
        """Its prerequisites that would not finish before it starts in period t."""
        plan, s = self.plan, self.plan.settings
        if starts is None or not schedule.timed_dependencies(s):
            return []
        out = []
        for d in plan.initiatives[i].depends_on:
            j = plan.index(d) if d in plan else None
            if j is not None and j in starts and starts[j] + schedule.build_periods(plan.initiatives[j], s) > t:
                out.append(f"needs {plan.initiatives[j].id} to finish first")
        return out
