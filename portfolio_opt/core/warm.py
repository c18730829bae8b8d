"""What-ifs on a solved plan, answered from what it already knows: fast enough to drag a slider.

A :class:`WarmPlan` solves a plan once and keeps its program, the program's LP relaxation in
the solver (:class:`~portfolio_opt.core.solver.KeptRelaxation`) and the optimum. A what-if is a
list of :class:`~portfolio_opt.model.plan.Change` (force an initiative in or out or clear it,
move the budget or a limit's bound: the same changes a Scenarios sheet makes). The ones that
only move bounds are made in place, in the program already built: a decision moves its
columns' bounds (or its one-start row), the budget and a hard limit (or a Max per period
change) the sides of their row. The LP is then solved again from its last basis, the search
starts from the last optimum, and the answer is proved within the plan's gap exactly as a
fresh solve is (:func:`portfolio_opt.core.reduction.solve`: the same bound, the same rule).
A small multi-period plan's what-if is searched whole from the last optimum (its LP is too weak
for the fixing rounds), unless it only narrows the program and the last optimum still keeps it:
then the plan's own solve has proved that optimum already, and it is the answer.
Anything else (a setting, a soft or share limit, a solver other than HiGHS) builds the program
again: slower, never different.

The program always has a budget row (with no budget, its side is infinite), so a what-if can
set a budget the plan lacks.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from portfolio_opt.core import formulation, reduction, solver
from portfolio_opt.core.changes import apply_changes
from portfolio_opt.core.optimize import TIMED_WHOLE_BELOW, Solved, build_result, nothing_found, risk_aware
from portfolio_opt.core.optimize import solve as fresh_solve
from portfolio_opt.core.rules import Columns, limit_rule, share_build_cache
from portfolio_opt.core.scoring import objective_coefficients, plan_scores
from portfolio_opt.model.errors import PortfolioError
from portfolio_opt.model.plan import Change, Decision, Limit, Plan
from portfolio_opt.model.result import Result, Status
from portfolio_opt.runtime import progress


@dataclass(frozen=True)
class Answer:
    """A what-if's answer: the plan with the changes made, its optimum, and what moved against
    the plan as given (``entered``, ``left`` by ID, in plan order; ``value_change`` in the
    objective). ``warm`` is False when the program had to be built again."""

    plan: Plan
    changes: tuple[Change, ...]
    solved: Solved
    baseline: Solved
    entered: tuple[str, ...]
    left: tuple[str, ...]
    value_change: float
    seconds: float
    warm: bool

    def result(self) -> Result:
        """The full result (ranking, reasons, limit use) of the answer, as ``optimize`` gives it."""
        s = self.solved
        return build_result(self.plan, s.scores, s.coefficients, s.selected, s.solution, s.starts)


class WarmPlan:
    """A plan solved once and kept ready for what-ifs (see the module's docstring).

    >>> from portfolio_opt import Initiative, Plan, Settings
    >>> from portfolio_opt.model.plan import Change
    >>> plan = Plan((Initiative("A", "a", 1e6, 0.6, 6, 4e5), Initiative("B", "b", 5e5, 0.9, 3, 3e5)),
    ...             settings=Settings(budget=500_000))
    >>> warm = WarmPlan(plan)
    >>> warm.baseline.selected, warm.solve([Change("force_in", None, "Force in B", "B")]).entered
    ([True, False], ('B',))
    """

    def __init__(self, plan: Plan, threads: int | None = None):
        self.plan, self.threads = plan, threads
        self._lock = threading.Lock()
        # the program's own plan: a budget row whatever the plan says (infinite when it has none)
        self.shape = plan if plan.settings.budget is not None else plan.with_settings(budget=math.inf)
        self.lp = formulation.build(self.shape)
        self.columns = Columns.of(self.shape)
        self.rows = {key: k for k, key in enumerate(self.lp.row_keys)}
        self.kept = solver.KeptRelaxation(self.lp, threads) if plan.settings.solver == "highs" else None
        self.baseline = fresh_solve(plan, threads)
        scores = plan_scores(plan)
        self.scores = (scores, objective_coefficients(plan, scores))  # no what-if moves them

    @property
    def baseline_ids(self) -> tuple[str, ...]:
        """The IDs the plan as given selects, in plan order."""
        return tuple(ini.id for ini, x in zip(self.plan.initiatives, self.baseline.selected) if x)

    # ---- answering

    def solve(self, changes: Sequence[Change] = ()) -> Answer:
        """The optimum of the plan with ``changes`` made, from what the plan's solve left.

        Raises what ``optimize`` raises: :class:`~portfolio_opt.model.errors.Infeasible` (the
        conflict named), :class:`~portfolio_opt.model.errors.NoPortfolioFound`.
        """
        started = time.perf_counter()
        changes = tuple(changes)
        plan = apply_changes(self.plan, changes)
        # a stage, so a listener hears how a long what-if's search stands (the portfolio room's page)
        with self._lock, progress.stage("Solving the what-if"):
            lp = self.edited(plan)
            warm = lp is not None and not risk_aware(plan)
            if warm:
                share_build_cache(self.shape, plan)
            solved = self._warm(plan, lp) if warm and lp is not None else fresh_solve(plan, self.threads)
        ids = [ini.id for ini in plan.initiatives]
        before, after = self.baseline.selected, solved.selected
        return Answer(
            plan=plan,
            changes=changes,
            solved=solved,
            baseline=self.baseline,
            entered=tuple(i for i, b, a in zip(ids, before, after) if a and not b),
            left=tuple(i for i, b, a in zip(ids, before, after) if b and not a),
            value_change=solved.objective - self.baseline.objective,
            seconds=time.perf_counter() - started,
            warm=warm,
        )

    def _warm(self, plan: Plan, lp: solver.LinearProgram) -> Solved:
        s = plan.settings
        start = self._start(plan)
        if self.kept is None or not self.kept.fits(lp):
            relaxed = None
        else:
            relaxed = self.kept.solve(lp)
            if relaxed.status is Status.INFEASIBLE:
                return fresh_solve(plan, self.threads)  # (the diagnosis names the conflict)
        if s.periods and lp.n_vars < TIMED_WHOLE_BELOW:
            solution = self._known(lp, start, s.gap) or solver.solve(
                lp,
                s.solver,
                s.gap,
                s.time_limit,
                threads=self.threads,
                start=start,
                options=solver.HIGHS_TIMED_WHATIF_OPTIONS,
            )
        elif sum(lp.integer) < reduction.SMALL:
            solution = solver.solve(lp, s.solver, s.gap, s.time_limit, threads=self.threads, start=start)
        else:
            solution = reduction.solve(
                lp,
                s.solver,
                s.gap,
                s.time_limit,
                self.threads,
                presolve=bool(s.periods),
                relaxed=relaxed,
                start=start,
                swaps=True,
            )
        if not solution.has_solution or solution.values is None:
            if solution.status is Status.NO_SOLUTION:
                raise nothing_found(s)
            if solution.status is Status.INFEASIBLE:
                return fresh_solve(plan, self.threads)  # (the diagnosis names the conflict)
            raise PortfolioError(f"the solver failed ({', '.join(solution.messages)}); try --solver cbc")
        return Solved.of(plan, formulation.selection(self.shape, solution.values), solution, self.scores)

    def _known(self, lp: solver.LinearProgram, start: Sequence[float], gap: float) -> solver.Solution | None:
        """The answer without a search, when the plan's solve already proves it: the what-if
        only narrows the program (every column bound and row side as tight or tighter, so its
        optimum is at most the plan's bound) and the start keeps every row and is worth within
        the gap of that bound. None otherwise.

        Forcing in an initiative the plan selects, forcing out one it leaves out, or lowering a
        budget or Max the optimum does not reach are answered so, exactly as a search would
        answer them (a multi-period search takes a second or more: its LP is about 1% off).
        """
        base = self.baseline.solution
        if base.status is not Status.OPTIMAL or base.bound is None or not _narrower(lp, self.lp):
            return None
        if not reduction.feasible(lp, start):
            return None
        value = math.fsum(c * v for c, v in zip(lp.objective, start))
        rel = solver.relative_gap(value, base.bound)
        if rel is None or rel > gap:
            return None
        return replace(base, values=tuple(start), objective=value, gap=rel, seconds=0.0, fixed=0)

    def _start(self, plan: Plan) -> list[float]:
        """The plan's optimum as a start for a what-if: an initiative now excluded taken out (a
        start that breaks a row anyway is dropped by the solver, or passed over by the reduction)."""
        optimum = self.baseline.solution.values
        assert optimum is not None  # the baseline solved (or it would have raised)
        x = list(optimum)
        for i, (old, new) in enumerate(zip(self.plan.initiatives, plan.initiatives)):
            if new.decision is Decision.EXCLUDE and old.decision is not Decision.EXCLUDE:
                for c in self.columns.by_ini[i]:
                    x[c] = 0.0
                r = self.rows.get(("selected", i))
                if r is not None:  # its in-or-out column (several starts) follows
                    x[self.lp.rows[r].index[-1]] = 0.0
        return x

    # ---- the program with the changes made in place

    def edited(self, plan: Plan) -> solver.LinearProgram | None:
        """The kept program with ``plan``'s bounds, when ``plan`` differs from the plan as given
        only in decisions, the budget and bounds that a row's sides hold; else None."""
        base = self.plan
        if replace(plan.settings, budget=None, budget_source="") != replace(
            base.settings, budget=None, budget_source=""
        ):
            return None
        if len(plan.limits) != len(base.limits) or len(plan.initiatives) != len(base.initiatives):
            return None
        lower, upper, rows = list(self.lp.lower), list(self.lp.upper), list(self.lp.rows)
        for i, (old, new) in enumerate(zip(base.initiatives, plan.initiatives)):
            if new == old:
                continue
            if replace(new, decision=old.decision) != old:
                return None
            self._decide(i, new.decision, lower, upper, rows)
        limits = (self._budget(plan),) + plan.limits
        for k, (was, now) in enumerate(zip(self.shape.all_limits(), limits)):
            if now != was and not self._bound(k, now, plan, rows):
                return None
        return replace(self.lp, lower=tuple(lower), upper=tuple(upper), rows=tuple(rows))

    def _budget(self, plan: Plan) -> Limit:
        budget = plan.budget_limit
        return budget if budget is not None else self.shape.all_limits()[0]

    def _decide(
        self, i: int, decision: Decision, lower: list[float], upper: list[float], rows: list[solver.Row]
    ) -> None:
        """An initiative's columns (or, with several starts, its one-start row) as ``decision`` says."""
        cols = self.columns.by_ini[i]
        top = 0.0 if decision is Decision.EXCLUDE else 1.0
        for c in cols:
            upper[c] = top
        if len(cols) == 1:
            lower[cols[0]] = 1.0 if decision is Decision.MUST else 0.0
            return
        r = self.rows.get(("must", i), self.rows.get(("one start", i)))
        assert r is not None  # an initiative with several starts has its one-start row
        rows[r] = replace(rows[r], lo=1.0 if decision is Decision.MUST else None)

    def _bound(self, k: int, limit: Limit, plan: Plan, rows: list[solver.Row]) -> bool:
        """Limit ``k``'s row with ``limit``'s bounds; False when its kind cannot move them in place."""
        old = self.shape.all_limits()[k]
        rule = limit_rule(k, limit)
        if not rule.in_place or type(rule) is not type(limit_rule(k, old)) or _unbounded(limit) != _unbounded(old):
            return False
        r = self.rows.get(("limit", k))
        if r is None:
            return False
        lo, hi = rule.row_sides(plan)
        if (lo is None) != (rows[r].lo is None) or (hi is None) != (rows[r].hi is None):
            return False  # a side added or dropped: another row to the solver
        rows[r] = replace(rows[r], lo=lo, hi=hi)
        return True


def _narrower(lp: solver.LinearProgram, kept: solver.LinearProgram) -> bool:
    """True when ``lp`` (the kept program with bounds moved in place) allows no portfolio
    ``kept`` does not: every column bound and row side as tight or tighter, the same rows."""
    if lp.n_vars != kept.n_vars or len(lp.rows) != len(kept.rows) or lp.objective != kept.objective:
        return False
    if any(a < b for a, b in zip(lp.lower, kept.lower)) or any(a > b for a, b in zip(lp.upper, kept.upper)):
        return False
    for a, b in zip(lp.rows, kept.rows):
        if a is b:
            continue
        if a.index != b.index or a.coef != b.coef:
            return False
        if b.lo is not None and (a.lo is None or a.lo < b.lo):
            return False
        if b.hi is not None and (a.hi is None or a.hi > b.hi):
            return False
    return True


def _unbounded(limit: Limit) -> Limit:
    """A limit without its bounds and where they were given: what must match for its row to stay."""
    return replace(limit, min=None, max=None, source="")
