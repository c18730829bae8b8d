"""Solve a portfolio program faster by fixing what no good portfolio can change.

The LP relaxation gives each row a price y. For *any* prices of the right sign, every
feasible x of the program ``max c·x`` obeys the Lagrangian bound

    c·x  <=  L(y) − Σ_j |d_j| · [x_j differs from x̂_j]      d_j = c_j − Σ_k y_k a_kj

where x̂_j is the bound of x_j that maximizes d_j·x_j and L(y) = Σ_k y_k b_k + Σ_j d_j x̂_j
(b_k the side of row k that its price presses on). So a binary x_j with L(y) − |d_j| below a
value T can leave x̂_j only in portfolios worth less than T: in every portfolio worth T or
more it sits at x̂_j, and is fixed there. Portfolio LPs are tight (their bound is within a few
hundredths of a percent of the optimum), so a T just below L(y) fixes most initiatives and
leaves the solver a small core to search. This is *reduced-cost fixing*, done once, before
the search.

:func:`solve` guesses T, solves the reduced program, and accepts the answer only when it is
provably within the requested gap of the whole program's optimum: no portfolio outside the
reduced program is worth T or more, so the optimum is at most max(T, the reduced program's
bound). A guess that was too high is followed by a lower one, then by T set to the best value
found (always conclusive) when that value is close to the bound; when it is not (the LP is not
tight) or a round would fix too little, the whole program is solved. Each round after one that
found a portfolio starts its search from the best found: a lower target fixes a subset of what
a higher one fixed, and fixing at the best value keeps every portfolio worth it, so that
portfolio is always one of the next program's, and the search prunes by it from the first node
instead of finding a portfolio that good again. The bound is computed here, in exact
terms of the prices the LP returned: a price the LP got slightly wrong makes the bound weaker,
never wrong.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from portfolio_opt.core import solver
from portfolio_opt.core.solver import LinearProgram, Row, Solution
from portfolio_opt.core.swaps import likeliest, swap_search
from portfolio_opt.model.result import Status

#: programs with fewer integer columns than this are solved as they are
SMALL = 30
#: a reduced program is worth solving only when the bound fixes at least this share of the
#: columns still open (below it, e.g. on weaker multi-period LPs, the rounds cost more than
#: they save)
MIN_SHARE = 0.25
#: the first guess of T sits a margin below L(y): half the requested gap, relative to |L(y)|,
#: and at least MIN_MARGIN of it
MIN_MARGIN = 2e-5
GUESS = 0.5
#: the guesses, in margins below the bound: each that proves too high is followed by the next
GUESSES = (1, 16)
#: the improvement step (:func:`improve`) searches neighbourhoods of the best portfolio of this
#: many columns, those whose reduced costs are smallest, each a small program
NEIGHBOURHOODS = (150, 300, 600, 1200)
#: ... and only when that portfolio is within this many requested gaps of the bound (further
#: off, the LP is not tight enough for a neighbourhood to close the gap)
IMPROVE_WITHIN = 20
#: a what-if skips those searches when the first round would leave at most this many columns
#: open: on so small a program one round finds the better portfolio and proves it at once, where
#: a neighbourhood search finds it (HiGHS's root and sub-MIPs, 100-250 ms at 1,000 initiatives)
#: and the round then pays for the same root again (measured in benchmarks/bench_warm.py)
ROUND_AT_ONCE = 300
#: when fixing would settle too little to be worth a round, a cold solve first searches
#: neighbourhoods wider than the improvement step's (see :meth:`_Search.wider`): twice its
#: largest, then twice that, up to a quarter of the open columns
WIDER = 2 * NEIGHBOURHOODS[-1]
#: after the guesses, fixing at the best value found (conclusive) is tried only when that value
#: is within this many margins of the bound; further off, the LP is not tight (multi-period
#: plans can be 1% off), too little gets fixed, and the whole program is solved instead
CONCLUSIVE_WITHIN = 64


@dataclass(frozen=True)
class Bound:
    """L(y) and the reduced costs d_j of one program under row prices y."""

    value: float
    reduced: tuple[float, ...]
    tolerance: float  #: how far rounding could move ``value``


def lagrangian(lp: LinearProgram, duals: Sequence[float]) -> Bound:
    """The Lagrangian bound of ``lp`` (maximize) for row prices ``duals`` (signs as
    :attr:`solver.Solution.duals`: > 0 presses on a row's upper side, < 0 on its lower side).

    A price whose side the row does not have is dropped (it would not give a bound).
    """
    d = list(lp.objective)
    terms = []
    for row, y in zip(lp.rows, duals):
        if y > 0 and row.hi is not None:
            side = row.hi
        elif y < 0 and row.lo is not None:
            side = row.lo
        else:
            continue
        terms.append(y * side)
        for j, a in zip(row.index, row.coef):
            d[j] -= y * a
    for j, dj in enumerate(d):
        lo, hi = lp.lower[j], lp.upper[j]
        best = dj * hi if dj > 0 else dj * lo
        if dj != 0 and math.isinf(best):
            return Bound(math.inf, tuple(d), math.inf)
        terms.append(best if dj != 0 else 0.0)
    value = math.fsum(terms)
    tolerance = 1e-9 * (1.0 + math.fsum(abs(t) for t in terms))
    return Bound(value, tuple(d), tolerance)


def fix(lp: LinearProgram, bound: Bound, target: float) -> tuple[LinearProgram, int]:
    """``lp`` with every binary fixed that any solution worth ``target`` or more must fix.

    Returns the reduced program and how many columns it fixed. Only 0–1 integer columns are
    fixed; continuous columns and wider integers stay as they are.
    """
    slack = bound.value - target + bound.tolerance
    lower, upper = list(lp.lower), list(lp.upper)
    fixed = 0
    for j, dj in enumerate(bound.reduced):
        if not lp.integer[j] or upper[j] - lower[j] != 1.0 or dj == 0:
            continue
        if abs(dj) > slack:
            if dj > 0:
                lower[j] = upper[j]
            else:
                upper[j] = lower[j]
            fixed += 1
    if not fixed:
        return lp, 0
    return replace(lp, lower=tuple(lower), upper=tuple(upper)), fixed


def solve(
    lp: LinearProgram,
    solver_name: str = "highs",
    gap: float = 1e-4,
    time_limit: float | None = None,
    threads: int | None = None,
    duals: Sequence[float] | None = None,
    presolve: bool = False,
    relaxed: Solution | None = None,
    start: Sequence[float] | None = None,
    swaps: bool = False,
) -> Solution:
    """Solve ``lp`` like :func:`solver.solve`, on a reduced program when that is provably safe.

    ``duals`` are row prices to bound with (default: from the program's own LP relaxation);
    prices of a related program (the same rows, other bounds) are valid too, just weaker.
    ``relaxed`` is the program's LP relaxation when the caller has it already (a kept LP,
    :class:`solver.KeptRelaxation`): its prices bound and its values start the dive. ``start``,
    a solution already found (a what-if's last optimum), is the first portfolio when it keeps
    every row of ``lp`` and is worth more than the dive's.
    ``presolve`` runs the solver's presolve on each reduced program (see :func:`solve_fixed`).
    ``swaps`` first improves the first portfolio by swapping initiatives
    (:func:`portfolio_opt.core.swaps.swap_search`: a few milliseconds where the solver's own
    search for a better one takes a hundred; what-ifs use it).
    The returned bound and gap are those of the whole program.
    """
    if sum(lp.integer) < SMALL:
        return solver.solve(lp, solver_name, gap, time_limit, threads=threads)
    search = _Search(lp, solver_name, gap, time_limit, threads, presolve, swaps)
    if duals is None:
        if relaxed is None or relaxed.duals is None:
            relaxed = solver.solve(lp, solver_name, 0.0, time_limit, relax=True, threads=threads)
        if relaxed.duals is None:  # infeasible or unbounded: the whole program says so
            return search.whole()
        duals = relaxed.duals
    bound = lagrangian(lp, duals)
    if not math.isfinite(bound.value):
        return search.whole()
    first = search.first(bound, None if relaxed is None else relaxed.values, start)
    rel = None if first is None else solver.relative_gap(first.objective, bound.value)
    if first is not None and rel is not None and rel <= gap:
        return search.proved(first, bound)
    return search.rounds(bound, first)


class _Search:
    """One solve of :func:`solve`: the program, how to solve, and the clock."""

    def __init__(
        self,
        lp: LinearProgram,
        solver_name: str,
        gap: float,
        time_limit: float | None,
        threads: int | None,
        presolve: bool,
        swaps: bool = False,
    ):
        self.lp, self.solver_name, self.gap, self.time_limit = lp, solver_name, gap, time_limit
        self.threads, self.presolve, self.swaps = threads, presolve, swaps
        self.started = time.perf_counter()

    def remaining(self) -> float | None:
        """The time left (a solver handed 0 might read it as "no limit": never below 1 ms)."""
        if self.time_limit is None:
            return None
        return max(1e-3, self.time_limit - (time.perf_counter() - self.started))

    def whole(self, start: Sequence[float] | None = None) -> Solution:
        """The whole program, solved as it is (from ``start`` when given)."""
        sol = solver.solve(self.lp, self.solver_name, self.gap, self.remaining(), threads=self.threads, start=start)
        return _timed(sol, self.started)

    def first(self, bound: Bound, relaxed: Sequence[float] | None, start: Sequence[float] | None) -> Solution | None:
        """The best first portfolio: the LP's dive or ``start`` (when it keeps every row), then
        improved towards the bound (HiGHS only: the improvement stops a search at a target)."""
        lp = self.lp
        first = None if relaxed is None else self._dive(relaxed)
        if start is not None and feasible(lp, start):
            value = math.fsum(c * v for c, v in zip(lp.objective, start))
            if first is None or value > _worth(first):
                version = solver.solver_version(self.solver_name)
                first = Solution(Status.FEASIBLE, tuple(start), value, None, None, 0.0, self.solver_name, version)
        if self.swaps and first is not None:
            first = self._swapped(bound, first)
        if self.solver_name == "highs" and not (self.swaps and self._first_round_open(bound) <= ROUND_AT_ONCE):
            first = improve(lp, bound, first, self.gap, self.remaining, self.threads, self.presolve)
        return first

    def margin(self, bound: Bound) -> float:
        """How far below the bound the first guess of the target sits (one unit of the guesses)."""
        return max(self.gap * GUESS, MIN_MARGIN) * max(abs(bound.value), 1.0)

    def open_columns(self) -> int:
        """The 0-1 columns the program leaves to decide."""
        lp = self.lp
        return sum(1 for j in range(lp.n_vars) if lp.integer[j] and lp.upper[j] - lp.lower[j] == 1.0)

    def _first_round_open(self, bound: Bound) -> int:
        """The columns the first round of fixing would leave open."""
        _, fixed = fix(self.lp, bound, bound.value - GUESSES[0] * self.margin(bound))
        return self.open_columns() - fixed

    def _swapped(self, bound: Bound, first: Solution) -> Solution:
        """``first``, or the better portfolio a few swaps reach (aiming within the gap of the bound)."""
        goal = bound.value - self.gap * abs(bound.value)
        if _worth(first) >= goal:
            return first  # (within the gap already: the bound proves it, nothing to look for)
        found = swap_search(self.lp, bound.reduced, _portfolio(first), goal)
        if found is None:
            return first
        value = math.fsum(c * v for c, v in zip(self.lp.objective, found))
        if value <= _worth(first):
            return first
        return replace(first, status=Status.FEASIBLE, values=found, objective=value, bound=None, gap=None)

    def _dive(self, relaxed: Sequence[float]) -> Solution | None:
        return dive(self.lp, relaxed, self.solver_name, self.gap, self.remaining(), self.threads, self.presolve)

    def proved(self, found: Solution, bound: Bound) -> Solution:
        """A portfolio within the gap of the bound itself: no search needs to prove more."""
        _, fixed = fix(self.lp, bound, _worth(found))
        rel = solver.relative_gap(found.objective, bound.value)
        return _timed(replace(found, status=Status.OPTIMAL, bound=bound.value, gap=rel, fixed=fixed), self.started)

    def rounds(self, bound: Bound, best: Solution | None) -> Solution:
        """The rounds of fixing: guesses of the target below the bound, then fixing at the best
        value found (conclusive); the whole program when they settle nothing."""
        lp = self.lp
        margin = self.margin(bound)
        guesses = [bound.value - k * margin for k in GUESSES]
        open_columns = self.open_columns()
        while True:
            if guesses and (best is None or guesses[0] > _worth(best)):
                target, conclusive = guesses.pop(0), False
            elif best is None or bound.value - _worth(best) > CONCLUSIVE_WITHIN * margin:
                break
            else:
                # Fixing at a value already found is conclusive: the reduced program then holds
                # every portfolio worth more.
                target, conclusive = _worth(best), True
            reduced, fixed = fix(lp, bound, target)
            if not fixed or fixed < MIN_SHARE * open_columns:
                done, best = self.wider(bound, best)
                if done is not None:
                    return done
                break
            done, best, go_on = self._round(reduced, fixed, target, best)
            if done is not None:
                return done
            if not go_on or conclusive:
                break
        return self.whole(None if best is None else best.values)

    def wider(self, bound: Bound, best: Solution | None) -> tuple[Solution | None, Solution | None]:
        """(The answer when a neighbourhood of ``best`` wider than the improvement step's holds a
        portfolio within the gap of the bound, the best found): the step before the whole
        program, when the bound fixes too little for a round.

        On a big plan the gap is worth many initiatives (0.01% of 100,000 initiatives' value is
        that of about three), so most reduced costs are below it and the bound fixes little at
        any target; yet the LP is as tight as ever and the portfolio within the gap lies a few
        changes from the first one, among a few thousand columns of smallest reduced cost
        (issue 30's plan at 100,000: 2,400 columns, 0.3 s, where HiGHS handed the whole program
        was still searching after three minutes of CPU). Each search stops as soon as it finds
        a portfolio worth the goal.
        """
        if self.solver_name != "highs" or best is None:
            return None, best
        if bound.value - _worth(best) > IMPROVE_WITHIN * self.gap * max(abs(bound.value), 1.0):
            return None, best  # the LP is not tight: no neighbourhood closes the gap
        goal = bound.value - self.gap * abs(bound.value)
        candidates = likeliest(self.lp, bound.reduced, _portfolio(best))
        size = WIDER
        while size <= len(candidates) // 4:
            found = search_near(
                self.lp,
                candidates[:size],
                best,
                bound.value,
                goal,
                self.gap,
                self.remaining(),
                self.threads,
                self.presolve,
            )
            if found is not best:
                best = found
                rel = solver.relative_gap(_worth(best), bound.value)
                if rel is not None and rel <= self.gap:
                    return self.proved(best, bound), best
            size *= 2
        return None, best

    def _round(
        self, reduced: LinearProgram, fixed: int, target: float, best: Solution | None
    ) -> tuple[Solution | None, Solution | None, bool]:
        """One reduced program: (the answer when it settles the whole program, the best found,
        whether another round may help)."""
        sol = solve_fixed(
            reduced,
            self.solver_name,
            self.gap,
            self.remaining(),
            self.threads,
            reference=target,
            presolve=self.presolve,
            start=None if best is None else best.values,
        )
        if not sol.has_solution:
            # infeasible: nothing is worth the target; otherwise the time limit or a failure
            return None, best, sol.status is Status.INFEASIBLE
        if best is not None and _worth(sol) < _worth(best):
            sol = replace(sol, values=best.values, objective=best.objective)
        # nothing outside the reduced program is worth ``target``
        whole = max(target, sol.bound if sol.bound is not None else math.inf)
        rel = solver.relative_gap(sol.objective, whole)
        if rel is not None and rel <= self.gap:
            return _timed(replace(sol, bound=whole, gap=rel, fixed=fixed), self.started), sol, False
        if sol.status is not Status.OPTIMAL:  # the time limit: what there is, honestly bounded
            stopped = replace(sol, status=Status.FEASIBLE, bound=whole, gap=rel, fixed=fixed)
            return _timed(stopped, self.started), sol, False
        return None, sol, True  # the guess was too high, but what was found is a true value


def feasible(lp: LinearProgram, x: Sequence[float], tolerance: float = 1e-6) -> bool:
    """True when the point ``x`` keeps every bound, integrality and row of ``lp``."""
    for v, lo, hi, whole in zip(x, lp.lower, lp.upper, lp.integer):
        if v < lo - tolerance or v > hi + tolerance or (whole and abs(v - round(v)) > tolerance):
            return False
    for row in lp.rows:
        total = math.fsum(a * x[j] for j, a in zip(row.index, row.coef))
        scale = tolerance * max(1.0, abs(total))
        if (row.lo is not None and total < row.lo - scale) or (row.hi is not None and total > row.hi + scale):
            return False
    return True


def dive(
    lp: LinearProgram,
    relaxed: Sequence[float],
    solver_name: str,
    gap: float,
    time_limit: float | None,
    threads: int | None = None,
    presolve: bool = False,
) -> Solution | None:
    """A first portfolio from the LP relaxation: every 0-1 column the LP leaves whole stays as
    it is, and the few it splits are decided by a small program. None when that has no solution
    (the LP's whole columns leave no room for the split ones)."""
    lower, upper = list(lp.lower), list(lp.upper)
    for j, v in enumerate(relaxed):
        if lp.integer[j] and upper[j] - lower[j] == 1.0 and (v <= lower[j] + 1e-6 or v >= upper[j] - 1e-6):
            lower[j] = upper[j] = round(v)
    split = replace(lp, lower=tuple(lower), upper=tuple(upper))
    sol = solve_fixed(split, solver_name, gap, time_limit, threads, presolve=presolve)
    return sol if sol.has_solution else None


def improve(
    lp: LinearProgram,
    bound: Bound,
    best: Solution | None,
    gap: float,
    remaining: Callable[[], float | None],
    threads: int | None = None,
    presolve: bool = False,
) -> Solution | None:
    """``best`` improved until it is within ``gap`` of the bound, if a few small searches can:
    each keeps every 0-1 column of ``best`` but those a better portfolio is likeliest to change
    (:func:`~portfolio_opt.core.swaps.likeliest`: those on the side the bound argues against,
    then those of smallest reduced cost), a larger set each time, and stops as
    soon as it finds a portfolio close enough to the bound. The bound proves such a portfolio;
    the searches only have to find it."""
    if best is None or bound.value - _worth(best) > IMPROVE_WITHIN * gap * max(abs(bound.value), 1.0):
        return best
    goal = bound.value - gap * abs(bound.value)
    if _worth(best) >= goal:
        return best
    candidates = likeliest(lp, bound.reduced, _portfolio(best))
    for size in NEIGHBOURHOODS:
        if _worth(best) >= goal or size > len(candidates) // 4:
            break  # (a neighbourhood of more than a quarter of the program is not small: the rounds do better)
        best = search_near(lp, candidates[:size], best, bound.value, goal, gap, remaining(), threads, presolve)
    return best


def search_near(
    lp: LinearProgram,
    free: Sequence[int],
    best: Solution,
    reference: float,
    goal: float,
    gap: float,
    time_limit: float | None,
    threads: int | None,
    presolve: bool,
) -> Solution:
    """``best``, or the better portfolio HiGHS finds when only the columns ``free`` may change
    (every other 0-1 column kept as ``best`` has it), the search stopping once one is worth
    ``goal``."""
    lower, upper, kept = list(lp.lower), list(lp.upper), _portfolio(best)
    chosen = set(free)
    for j in range(lp.n_vars):
        if j not in chosen and lp.integer[j] and lp.lower[j] == 0.0 and lp.upper[j] == 1.0:
            lower[j] = upper[j] = round(kept[j])
    near = replace(lp, lower=tuple(lower), upper=tuple(upper))
    sol = solve_fixed(near, "highs", gap, time_limit, threads, reference, presolve, kept, target=goal)
    if sol.has_solution and _worth(sol) > _worth(best):
        return replace(sol, status=Status.FEASIBLE)
    return best


def solve_fixed(
    lp: LinearProgram,
    solver_name: str,
    gap: float,
    time_limit: float | None,
    threads: int | None = None,
    reference: float | None = None,
    presolve: bool = False,
    start: Sequence[float] | None = None,
    target: float | None = None,
) -> Solution:
    """Solve ``lp`` with its fixed columns taken out (moved into the row sides), so the solver
    sees only the columns left to decide; the solution is given back in full.

    The solver sees the objective without the fixed columns' part, so its relative gap would
    be far stricter than the one asked for; ``reference`` (a value the whole objective is
    expected to reach) turns ``gap`` into the absolute gap it means. ``target`` (in terms of the
    whole objective) stops the search as soon as a solution worth that much is found.

    Without ``presolve`` the reduced program goes to the search as it is: on a single-period
    program HiGHS's presolve would spend nearly all the solve probing what the fixing already
    settled. A multi-period program is the other way round: its reduced program keeps the
    timed dependencies and per-period limits, whose presolve (probing, cliques) the search
    needs, or it takes longer than the whole program would.
    """
    keep = [j for j in range(lp.n_vars) if lp.lower[j] != lp.upper[j]]
    if len(keep) == lp.n_vars:
        return solver.solve(lp, solver_name, gap, time_limit, threads=threads, start=start, target=target)
    small = _without_fixed(lp, keep)
    if small is None:
        return Solution(Status.INFEASIBLE, None, None, None, None, 0.0, solver_name, solver.solver_version(solver_name))
    offset = math.fsum(c * lp.lower[j] for j, c in enumerate(lp.objective) if lp.lower[j] == lp.upper[j])
    sol = solver.solve(
        small,
        solver_name,
        gap,
        time_limit,
        threads=threads,
        abs_gap=None if reference is None else gap * abs(reference),
        presolve=presolve,
        start=None if start is None else [start[j] for j in keep],
        target=None if target is None else target - offset,
        offset=offset,
    )
    return sol if sol.values is None else _in_full(lp, keep, sol, offset)


def _without_fixed(lp: LinearProgram, keep: Sequence[int]) -> LinearProgram | None:
    """``lp`` on the columns ``keep`` only, the fixed columns' part moved into the row sides;
    None when a row left with no column cannot hold."""
    position = {j: k for k, j in enumerate(keep)}
    rows = []
    for row in lp.rows:
        fixed = math.fsum(a * lp.lower[j] for j, a in zip(row.index, row.coef) if j not in position)
        pairs = [(position[j], a) for j, a in zip(row.index, row.coef) if j in position and a != 0]
        lo = None if row.lo is None else row.lo - fixed
        hi = None if row.hi is None else row.hi - fixed
        if not pairs:
            tol = 1e-9 * max(1.0, abs(fixed))
            if (lo is not None and lo > tol) or (hi is not None and hi < -tol):
                return None
            continue
        rows.append(Row(tuple(k for k, _ in pairs), tuple(a for _, a in pairs), lo, hi))
    return LinearProgram(
        objective=tuple(lp.objective[j] for j in keep),
        lower=tuple(lp.lower[j] for j in keep),
        upper=tuple(lp.upper[j] for j in keep),
        integer=tuple(lp.integer[j] for j in keep),
        rows=tuple(rows),
    )


def _in_full(lp: LinearProgram, keep: Sequence[int], sol: Solution, offset: float) -> Solution:
    """A solution of the program without its fixed columns, given back in full: every column's
    value, the whole objective, and the bound with the fixed columns' part added back."""
    values, found = list(lp.lower), _portfolio(sol)
    for k, j in enumerate(keep):
        values[j] = found[k]
    objective = math.fsum(c * v for c, v in zip(lp.objective, values))
    bound = None if sol.bound is None else sol.bound + offset
    if bound is not None and sol.status is Status.OPTIMAL:
        bound = max(bound, objective)
    return replace(
        sol, values=tuple(values), objective=objective, bound=bound, gap=solver.relative_gap(objective, bound)
    )


def _timed(sol: Solution, started: float) -> Solution:
    return replace(sol, seconds=time.perf_counter() - started)


def _worth(sol: Solution) -> float:
    """What a solution holding a portfolio is worth (the searches keep no other)."""
    assert sol.objective is not None, "a solution without a portfolio"
    return sol.objective


def _portfolio(sol: Solution) -> tuple[float, ...]:
    """The column values of a solution holding a portfolio."""
    assert sol.values is not None, "a solution without a portfolio"
    return sol.values
