"""The one module that talks to the solvers: HiGHS through highspy, CBC through PuLP.

Everything else describes a problem as a :class:`LinearProgram` (plain arrays) and gets a
:class:`Solution` back, with a :class:`~portfolio_opt.model.Status` that one function here
translates from each solver's own codes, so a time-limit stop can never pass as optimal.
HiGHS gets the program as arrays (no modelling layer in between); CBC, which PuLP bundles,
through PuLP. A move to PuLP 4, or to another modelling layer, touches this file only.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any

from portfolio_opt.model.errors import NoSolver, pip_install
from portfolio_opt.model.layout import SOLVERS
from portfolio_opt.model.result import Status
from portfolio_opt.runtime import progress, stopping

if TYPE_CHECKING:  # highspy loads when HiGHS runs
    from highspy.highs import HighsCallbackEvent


@dataclass(frozen=True)
class Row:
    """``lo <= sum(coef[k] * x[index[k]]) <= hi``; a missing side is ``None``."""

    index: tuple[int, ...]
    coef: tuple[float, ...]
    lo: float | None = None
    hi: float | None = None


@dataclass(frozen=True)
class LinearProgram:
    """Maximize ``objective · x`` subject to ``rows`` and bounds; ``integer[j]`` marks integers."""

    objective: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    integer: tuple[bool, ...]
    rows: tuple[Row, ...] = ()
    row_keys: tuple[tuple[str | int, ...], ...] = ()  #: optional: which rule each row comes from (for diagnosis)

    @property
    def n_vars(self) -> int:
        """How many columns (variables) the program has."""
        return len(self.objective)


@dataclass(frozen=True)
class Solution:
    """What a solve returned. ``values`` is ``None`` unless a solution was found."""

    status: Status
    values: tuple[float, ...] | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    solver: str
    version: str
    messages: tuple[str, ...] = field(default_factory=tuple)
    #: LP relaxations only: one multiplier per row of the program, in the maximizing sense
    #: (> 0: raising the row's upper side raises the optimum; < 0: its lower side binds)
    duals: tuple[float, ...] | None = None
    #: columns fixed by the LP bound before the search (see :mod:`.reduction`)
    fixed: int = 0

    @property
    def has_solution(self) -> bool:
        """True when the solve ended with a portfolio: optimal, or stopped with one found."""
        return self.values is not None and self.status in (Status.OPTIMAL, Status.FEASIBLE)


def available_solvers() -> tuple[str, ...]:
    """The solvers that can run here, in order of preference."""
    return tuple(name for name in SOLVERS if _available(name))


@functools.cache
def solver_version(name: str) -> str:
    """The version of a solver, without starting it."""
    if name == "highs":
        try:
            return metadata.version("highspy")
        except metadata.PackageNotFoundError:
            return "not installed"
    return f"bundled with PuLP {_pulp().__version__}"


_UNSET = object()
_HIGHS_THREADS: object = _UNSET  # the thread count HiGHS's pool was sized for in this process


def prepare_worker() -> None:
    """Make a forked worker process safe for the solvers (HiGHS keeps a thread pool)."""
    global _HIGHS_THREADS
    if "highspy" in sys.modules:
        import highspy

        reset = getattr(highspy.Highs, "resetGlobalScheduler", None)
        if reset is not None:
            # not blocking: the parent's HiGHS worker threads were not forked. The parent
            # stopped them before forking (see quiesce), so there is normally nothing to reset
            reset(False)
    _HIGHS_THREADS = _UNSET


def quiesce() -> None:
    """Stop the HiGHS worker threads of this thread's pool (joined, not abandoned); the next solve
    starts new ones. Run before every fork, in the forking thread (``os.register_at_fork``).

    A fork copies the memory of the parent's HiGHS thread pool, locks included, but not its
    threads: a lock one of them held at that moment stays held in the child for ever, and the
    child hung in its first call into HiGHS (seen in test runs: a frontier's worker, forked right
    after the parent's own solve, waiting in ``resetGlobalScheduler``). With no HiGHS thread
    left in the parent when it forks, the child has no pool to inherit.

    The pool belongs to the thread that solved, and that is the thread that forks: the CLI runs
    every job in a thread of its own (so Ctrl+C can stop it, see :mod:`.stopping`), and the
    quickstart's own command once hung in an explanation worker while this was done only for
    the main thread.
    """
    global _HIGHS_THREADS
    if _HIGHS_THREADS is _UNSET or "highspy" not in sys.modules:
        return  # no solve since the last reset: no pool
    reset = getattr(sys.modules["highspy"].Highs, "resetGlobalScheduler", None)
    if reset is not None:
        reset(True)
    _HIGHS_THREADS = _UNSET


def _before_fork() -> None:
    """Make a fork safe for the solver: PuLP imported whole, and no HiGHS thread left.

    A child forked while another thread of the parent is importing PuLP inherits that import's
    lock, held for ever: its first solve hung importing PuLP (seen: ``compare --db``, whose
    worker forked while the parent was loading the solver). Importing it here, in the forking
    thread, waits for any import under way to finish before the fork copies the locks.
    """
    try:
        _pulp()
    except ImportError:  # no PuLP: nothing to import, and no solve to hang
        pass
    quiesce()


if hasattr(os, "register_at_fork"):  # POSIX: where processes fork
    os.register_at_fork(before=_before_fork, after_in_child=prepare_worker)


def check_solver(name: str) -> None:
    """Raise :class:`NoSolver` (saying what to install) unless ``name`` can run here."""
    if name not in SOLVERS:
        raise NoSolver(f"unknown solver {name!r}: choose one of {', '.join(SOLVERS)}")
    if not _available(name):
        if name == "highs":
            raise NoSolver(
                f"HiGHS is not available: install it with `{pip_install('highspy')}`, or run with --solver cbc"
            )
        raise NoSolver(
            f"CBC is not available: it ships with PuLP 3 (`{pip_install('pulp>=3.3,<4')}`); or run with --solver highs"
        )


#: Rows whose largest coefficient exceeds this are divided by it before solving: HiGHS refuses
#: matrix entries of 1e15 and more, and both solvers judge feasibility in absolute terms, which
#: means little on sums in the trillions. Smaller rows are passed as they are, so ordinary plans
#: reach the solvers untouched. Row prices are scaled back.
ROW_SCALE_FROM = 1e9

#: HiGHS options set on every MIP. Our programs arrive already reduced (reduced-cost fixing,
#: :mod:`.reduction`), so HiGHS's own restart after fixing at the root rarely has anything left
#: to gain and repeats the root work; and a feasible portfolio is easy to come by in a
#: portfolio program (the Musts alone, or the optimum a re-solve varies), so the feasibility-jump
#: heuristic, which hunts for a first feasible point, mostly costs time. That matters most for
#: the many short re-solves of explanations, which give the same answers in much less time; the
#: main solves neither gain nor lose. A HiGHS that lacks one of these options refuses it quietly (its output
#: is off) and runs on its default; ``tests/test_solver.py`` checks the installed one knows them
#: all.
HIGHS_MIP_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_allow_restart": False,
    "mip_heuristic_run_feasibility_jump": False,
}


#: HiGHS options on top of :data:`HIGHS_MIP_OPTIONS` for a what-if on a small multi-period plan
#: (:mod:`.warm`): its search starts from the plan's optimum and spends most of its time proving,
#: and cuts separated at every node, from a pool of thousands, cost more than the nodes they save.
#: On the quarterly sample's 40 slowest what-ifs of ``bench_warm.py`` a quarter less CPU (96 s
#: against 128–130), on a random 100-initiative × 8-quarter plan 12% less, 60 × 8 the same; fresh
#: solves keep their options (without cuts at the nodes a 200 × 8 plan took 78 s instead of 32,
#: benchmarks/README.md). Branching trusts a column's pseudo-costs after 2 observations (HiGHS:
#: 8, strong branching until then) and drops a cut the LP has not used for 3 rounds (HiGHS: 10):
#: on the quarterly sample's 200 what-ifs the p95 1.8–2.2 s → 1.6–1.8 s over three random seeds,
#: the 40 slowest 60.5 s against 67.4; random 60 × 8 and 100 × 8 plans the same or 8% less.
HIGHS_TIMED_WHATIF_OPTIONS: dict[str, bool | int | float | str] = {
    "mip_allow_cut_separation_at_nodes": False,
    "mip_pool_soft_limit": 1000,
    "mip_pscost_minreliable": 2,
    "mip_lp_age_limit": 3,
}


def solve(
    lp: LinearProgram,
    solver: str = "highs",
    gap: float = 1e-4,
    time_limit: float | None = None,
    relax: bool = False,
    threads: int | None = None,
    abs_gap: float | None = None,
    presolve: bool = True,
    start: Sequence[float] | None = None,
    target: float | None = None,
    offset: float = 0.0,
    options: Mapping[str, bool | int | float | str] | None = None,
) -> Solution:
    """Solve ``lp`` (maximize) with the named solver.

    ``gap`` is the relative optimality gap at which the search stops (0 asks for a proof);
    ``abs_gap``, when given, also stops it once the bound is that close in absolute terms;
    ``relax`` drops integrality (the LP relaxation), and the solution then carries the rows'
    ``duals``. ``presolve=False`` skips HiGHS's presolve (for programs already reduced, see
    :mod:`.reduction`, where it costs more than it saves). ``start``, a value per column of a
    solution already found, is handed to HiGHS as its first incumbent (so its search prunes by
    it from the first node; a start that breaks a row is checked and dropped by HiGHS). CBC
    starts without it. ``target`` stops HiGHS as soon as it finds a solution worth that much
    (FEASIBLE, with the bound at that moment): for a caller that holds a bound of its own under
    which that is enough. ``offset`` is what the objective leaves out (a reduced program's fixed
    columns): added to the figures a long solve reports, never to the solution. A stop asked
    for with :func:`~portfolio_opt.runtime.stopping.stop_when` ends a HiGHS search as its time
    limit would. ``options`` are HiGHS options set on top of :data:`HIGHS_MIP_OPTIONS` for this
    solve (e.g. :data:`HIGHS_TIMED_WHATIF_OPTIONS`). Nothing is printed on stdout.
    """
    check_solver(solver)
    refused = _refused(lp, solver)
    if refused is not None:
        return refused
    if solver == "highs":
        return _solve_highs_direct(
            lp, gap, time_limit, relax, threads, abs_gap, presolve, start, target, offset, options
        )
    return _solve_with_cbc(lp, gap, time_limit, relax, threads, abs_gap)


def _refused(lp: LinearProgram, solver: str) -> Solution | None:
    """INFEASIBLE at once for what a program says plainly: crossed bounds (e.g. a Must forced
    out, on which CBC crashes), or a row with no variables that 0 cannot keep (modelling layers
    may drop such a row silently)."""
    infeasible = Solution(Status.INFEASIBLE, None, None, None, None, 0.0, solver, solver_version(solver))
    if any(lo > hi for lo, hi in zip(lp.lower, lp.upper)):
        return infeasible
    for row in lp.rows:
        if not any(c != 0 for c in row.coef):
            if (row.lo is not None and row.lo > 1e-9) or (row.hi is not None and row.hi < -1e-9):
                return infeasible
    return None


def _solve_with_cbc(
    lp: LinearProgram, gap: float, time_limit: float | None, relax: bool, threads: int | None, abs_gap: float | None
) -> Solution:
    """CBC through PuLP: the program as a PuLP problem, solved, with an LP's prices scaled back."""
    prob, xs, names, scales = _pulp_problem(lp, relax)
    if lp.n_vars == 0 or not any(True for _ in prob.variables()):
        return _trivial(lp, prob, xs, "cbc")
    started = time.perf_counter()
    solution = _solve_cbc(prob, xs, gap, time_limit, threads, lp, abs_gap)
    seconds = time.perf_counter() - started
    duals = None
    if relax and solution.has_solution:
        # CBC's prices come back in the maximizing sense; a missing one counts as 0 (a weaker bound)
        duals = tuple(
            math.fsum(float(prob.get_constraint_by_name(name).pi or 0.0) for name in mine) / f
            for mine, f in zip(names, scales)
        )
    return replace(solution, seconds=seconds, duals=duals)


def _pulp_problem(lp: LinearProgram, relax: bool) -> tuple[Any, list[Any], list[tuple[str, ...]], list[float]]:
    """``lp`` as a PuLP problem: its variables, the PuLP constraints of each row, and what each
    row was divided by (see :data:`ROW_SCALE_FROM`)."""
    pulp = _pulp()
    prob = pulp.LpProblem("portfolio", pulp.LpMaximize)
    width = max(1, len(str(max(lp.n_vars - 1, 0))))
    xs = [
        prob.add_variable(
            f"x{j:0{width}d}",
            lowBound=None if math.isinf(lp.lower[j]) else lp.lower[j],
            upBound=None if math.isinf(lp.upper[j]) else lp.upper[j],
            cat="Integer" if (lp.integer[j] and not relax) else "Continuous",
        )
        for j in range(lp.n_vars)
    ]
    prob += pulp.LpAffineExpression([(xs[j], c) for j, c in enumerate(lp.objective) if c != 0])
    names: list[tuple[str, ...]] = []
    scales: list[float] = []
    for k, row in enumerate(lp.rows):
        f = max((abs(c) for c in row.coef), default=1.0)
        f = f if f > ROW_SCALE_FROM else 1.0
        scales.append(f)
        expr = pulp.LpAffineExpression([(xs[j], c / f) for j, c in zip(row.index, row.coef)])
        mine: list[str] = []
        for a, b in _sides(row, f):
            if a is not None and b is not None:
                prob.addConstraint(expr == b, f"r{k}e")
                mine.append(f"r{k}e")
            elif b is not None:
                prob.addConstraint(expr <= b, f"r{k}u")
                mine.append(f"r{k}u")
            else:
                prob.addConstraint(expr >= a, f"r{k}l")
                mine.append(f"r{k}l")
        names.append(tuple(mine))
    return prob, xs, names, scales


# --------------------------------------------------------------------------- internals


def _pulp() -> ModuleType:
    import pulp

    module: ModuleType = pulp  # PuLP ships no types: to the checker its module is Any
    return module


@functools.cache
def _available(name: str) -> bool:
    if name == "highs":
        try:
            import highspy  # noqa: F401
        except ImportError:
            return False
        return bool(_pulp().HiGHS(msg=False).available())
    if name == "cbc":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return bool(_pulp().PULP_CBC_CMD(msg=False).available())
    return False


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Keep C-level prints (highspy's banner) off stdout, which belongs to the caller."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            try:
                yield
            finally:
                sys.stdout.flush()
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(bound − objective) / |objective|, 0 when they agree to rounding; None when unknown."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    diff = max(0.0, bound - objective)
    if diff <= 1e-9 * max(1.0, abs(bound)):
        return 0.0
    return diff / max(abs(objective), 1e-10)


def _values(xs: Sequence[Any], lp: LinearProgram) -> tuple[float, ...]:
    # A variable in no row and with no objective weight never reaches the solver: any value
    # within its bounds is optimal, so take the one nearest zero.
    return tuple(
        float(v.varValue) if v.varValue is not None else min(max(0.0, lo), hi)
        for v, lo, hi in zip(xs, lp.lower, lp.upper)
    )


def _objective_of(lp: LinearProgram, values: Sequence[float]) -> float:
    return math.fsum(c * v for c, v in zip(lp.objective, values))


def _trivial(lp: LinearProgram, prob: Any, xs: Sequence[Any] | None, solver: str) -> Solution:
    """No variable carries weight: check the bounds and rows directly."""
    values = tuple(min(max(0.0, lo), hi) for lo, hi in zip(lp.lower, lp.upper))
    ok = all(
        (row.lo is None or sum(c * values[j] for j, c in zip(row.index, row.coef)) >= row.lo - 1e-9)
        and (row.hi is None or sum(c * values[j] for j, c in zip(row.index, row.coef)) <= row.hi + 1e-9)
        for row in lp.rows
    )
    obj = _objective_of(lp, values)
    return Solution(
        status=Status.OPTIMAL if ok else Status.INFEASIBLE,
        values=values if ok else None,
        objective=obj if ok else None,
        bound=obj if ok else None,
        gap=0.0 if ok else None,
        seconds=0.0,
        solver=solver,
        version=solver_version(solver),
    )


def _highs_threads(highspy: ModuleType, threads: int | None) -> None:
    """HiGHS keeps one thread pool per process, sized by the first solve: a solve asking for
    another size fails unless the pool is reset first."""
    global _HIGHS_THREADS
    if threads != _HIGHS_THREADS:
        if _HIGHS_THREADS is not _UNSET:
            reset = getattr(highspy.Highs, "resetGlobalScheduler", None)
            if reset is not None:
                reset(True)
        _HIGHS_THREADS = threads


@dataclass(frozen=True)
class _HighsProgram:
    """A program laid out for HiGHS: the model, the HiGHS rows of each program row (a range is
    its upper then its lower side, as PuLP lays it out, so HiGHS meets the same program), and
    what each program row was divided by (see :data:`ROW_SCALE_FROM`)."""

    model: Any
    pieces: tuple[tuple[int, ...], ...]
    scales: tuple[float, ...]
    mip: bool


def _highs_program(lp: LinearProgram, relax: bool) -> _HighsProgram:
    """``lp`` as HiGHS arrays, rowwise (no modelling layer: PuLP built a Python object per
    variable and coefficient, 15% of a small solve and a second at 50,000 initiatives)."""
    import highspy
    import numpy as np

    inf = highspy.kHighsInf
    starts: list[int] = [0]
    index: list[int] = []
    value: list[float] = []
    row_lo: list[float] = []
    row_hi: list[float] = []
    pieces: list[tuple[int, ...]] = []
    scales: list[float] = []
    for row in lp.rows:
        f = max((abs(c) for c in row.coef), default=1.0)
        f = f if f > ROW_SCALE_FROM else 1.0
        scales.append(f)
        pairs: dict[int, float] = {}
        for j, c in zip(row.index, row.coef):
            pairs[j] = pairs.get(j, 0.0) + c / f
        items = [(j, c) for j, c in pairs.items() if c != 0]
        mine = []
        for a, b in _sides(row, f):
            mine.append(len(row_lo))
            row_lo.append(-inf if a is None else a)
            row_hi.append(inf if b is None else b)
            index.extend(j for j, _ in items)
            value.extend(c for _, c in items)
            starts.append(len(index))
        pieces.append(tuple(mine))
    model = highspy.HighsLp()
    n = lp.n_vars
    model.num_col_ = n
    model.num_row_ = len(row_lo)
    model.col_cost_ = np.array([-c if c else 0.0 for c in lp.objective], dtype=np.float64)
    model.col_lower_ = np.array(lp.lower, dtype=np.float64)
    model.col_upper_ = np.array([inf if math.isinf(u) else u for u in lp.upper], dtype=np.float64)
    model.row_lower_ = np.array(row_lo, dtype=np.float64)
    model.row_upper_ = np.array(row_hi, dtype=np.float64)
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.num_col_ = n
    model.a_matrix_.num_row_ = len(row_lo)
    model.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    model.a_matrix_.index_ = np.array(index, dtype=np.int32)
    model.a_matrix_.value_ = np.array(value, dtype=np.float64)
    mip = any(lp.integer) and not relax
    if mip:
        kinds = highspy.HighsVarType
        model.integrality_ = [kinds.kInteger if i else kinds.kContinuous for i in lp.integer]
    return _HighsProgram(model, tuple(pieces), tuple(scales), mip)


def _sides(row: Row, f: float) -> list[tuple[float | None, float | None]]:
    """The HiGHS rows of a program row divided by ``f``: one for an equation, else its upper
    side then its lower side."""
    lo = None if row.lo is None else row.lo / f
    hi = None if row.hi is None else row.hi / f
    if lo is not None and hi is not None and lo == hi:
        return [(lo, hi)]
    return ([(None, hi)] if hi is not None else []) + ([(lo, None)] if lo is not None else [])


def _new_highs(
    gap: float,
    abs_gap: float | None,
    threads: int | None,
    time_limit: float | None,
    presolve: bool,
    mip: bool,
    options: Mapping[str, bool | int | float | str] | None = None,
) -> Any:
    """A quiet HiGHS with our options (a new Highs prints its banner before any option can stop it)."""
    import highspy

    with _quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", gap)
    # HiGHS stops on an absolute gap of 1e-6 too; at our scale the relative gap is the rule.
    h.setOptionValue("mip_abs_gap", abs_gap if abs_gap is not None else (0.0 if gap == 0 else 1e-6))
    if threads is not None:
        h.setOptionValue("threads", threads)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if not presolve:
        h.setOptionValue("presolve", "off")
    if mip:
        for name, setting in {**HIGHS_MIP_OPTIONS, **(options or {})}.items():
            h.setOptionValue(name, setting)
    return h


def _watch(h: Any, gap: float, target: float | None, offset: float = 0.0) -> None:
    """The MIP callbacks: news of how a long solve stands (when someone listens), a stop when
    the caller asks for one (:func:`~portfolio_opt.runtime.stopping.stop_when`), and a stop as
    soon as a portfolio worth ``target`` is found (the caller has a bound that makes it enough)."""
    if not hasattr(h, "cbMipInterrupt"):
        return
    say = progress.noting()
    if say is not None:
        h.cbMipInterrupt.subscribe(_gap_news(say, gap, offset))
    stop = stopping.stop_event()
    if stop is not None:

        def asked(event: HighsCallbackEvent) -> None:
            # HiGHS then ends as at its time limit: the best portfolio found, with its bound
            if stop.is_set() and event.data_in is not None:
                event.data_in.user_interrupt = True

        h.cbMipInterrupt.subscribe(asked)
    if target is not None:
        # HiGHS minimizes the negated objective: its primal bound is minus the best value found
        def enough(event: HighsCallbackEvent) -> None:
            found = event.data_out.mip_primal_bound
            # a MIP interrupt callback always has its input (data_in is None only for others)
            if math.isfinite(found) and -found >= target and event.data_in is not None:
                event.data_in.user_interrupt = True

        h.cbMipInterrupt.subscribe(enough)


def _give_start(h: Any, start: Sequence[float], n: int) -> None:
    """Hand HiGHS a solution already found as its first incumbent."""
    import highspy

    if len(start) != n:
        raise ValueError(f"a start has {len(start)} values for a program of {n} columns")
    first = highspy.HighsSolution()
    first.col_value = [float(v) for v in start]
    first.value_valid = True
    h.setSolution(first)


def _highs_status(h: Any) -> Status:
    """HiGHS's model status as ours: a stop with a portfolio is FEASIBLE, never OPTIMAL."""
    import highspy

    status, info = h.getModelStatus(), h.getInfo()
    M = highspy.HighsModelStatus
    if status == M.kOptimal:
        return Status.OPTIMAL
    if status in (M.kInfeasible, M.kUnboundedOrInfeasible):
        return Status.INFEASIBLE
    if status in (M.kTimeLimit, M.kIterationLimit, M.kInterrupt, getattr(M, "kSolutionLimit", None)):
        return Status.FEASIBLE if info.primal_solution_status == 2 else Status.NO_SOLUTION  # 2: feasible
    return Status.ERROR


def _highs_solution(h: Any, lp: LinearProgram, prog: _HighsProgram, relax: bool, seconds: float) -> Solution:
    """What HiGHS found, in our terms: the values, the objective and bound in the maximizing
    sense, and for an LP the rows' prices scaled back."""
    result = _highs_status(h)
    values = objective = bound = duals = None
    if result in (Status.OPTIMAL, Status.FEASIBLE):
        solution = h.getSolution()
        values = tuple(float(v) for v in solution.col_value)
        objective = _objective_of(lp, values)
        bound = objective
        if prog.mip:
            bound = -float(h.getInfo().mip_dual_bound)  # HiGHS minimized the negated objective
            bound = bound if math.isfinite(bound) else None
        if result is Status.OPTIMAL and bound is not None:
            bound = max(bound, objective)
        if relax:
            # prices of the negated objective come back negated; a missing one counts as 0
            row_dual = list(solution.row_dual) if solution.dual_valid else []
            duals = tuple(
                -math.fsum(float(row_dual[k]) if k < len(row_dual) else 0.0 for k in mine) / f
                for mine, f in zip(prog.pieces, prog.scales)
            )
    return Solution(
        status=result,
        values=values,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        seconds=seconds,
        solver="highs",
        version=solver_version("highs"),
        messages=(str(h.getModelStatus()),),
        duals=duals,
    )


def _solve_highs_direct(
    lp: LinearProgram,
    gap: float,
    time_limit: float | None,
    relax: bool,
    threads: int | None,
    abs_gap: float | None,
    presolve: bool,
    start: Sequence[float] | None = None,
    target: float | None = None,
    offset: float = 0.0,
    options: Mapping[str, bool | int | float | str] | None = None,
) -> Solution:
    """HiGHS through highspy, the program handed over as arrays."""
    import highspy

    if not any(c != 0 for c in lp.objective) and not any(any(c != 0 for c in row.coef) for row in lp.rows):
        return _trivial(lp, None, None, "highs")
    prog = _highs_program(lp, relax)
    _highs_threads(highspy, threads)
    started = time.perf_counter()
    h = _new_highs(gap, abs_gap, threads, time_limit, presolve, prog.mip, options)
    with _quiet_stdout():
        if prog.mip:
            _watch(h, gap, target, offset)
        h.passModel(prog.model)
        if prog.mip and start is not None:
            _give_start(h, start, lp.n_vars)
        h.run()
    solution = _highs_solution(h, lp, prog, relax, time.perf_counter() - started)
    if start is not None and _stale(solution, gap, abs_gap):
        # HiGHS can say optimal with the bound of a better portfolio it found while handing
        # back the start's values (seen when presolve settles a small program): solve again
        # without the start rather than give a portfolio short of the optimum
        return _solve_highs_direct(
            lp, gap, time_limit, relax, threads, abs_gap, presolve, None, target, offset, options
        )
    return solution


def _stale(sol: Solution, gap: float, abs_gap: float | None) -> bool:
    """True when an optimal solution's values fall short of its own bound by more than the gap
    allows: the values are not those of the portfolio the bound was proved with."""
    if sol.status is not Status.OPTIMAL or sol.objective is None or sol.bound is None:
        return False
    allowed = max(gap * max(abs(sol.bound), 1.0), abs_gap or 0.0)
    return sol.bound - sol.objective > 2 * allowed + 1e-6 * max(abs(sol.bound), 1.0)


class KeptRelaxation:
    """The LP relaxation of a program kept in HiGHS between solves: a program with the same
    columns, rows and coefficients and other bounds is solved by changing the bounds in place,
    from the last basis (a few dual simplex steps instead of a fresh LP).

    Not for sharing between threads: one solve at a time.
    """

    def __init__(self, lp: LinearProgram, threads: int | None = None):
        import highspy

        self.lp, self.threads = lp, threads
        self.prog = _highs_program(lp, relax=True)
        _highs_threads(highspy, threads)
        self.h = _new_highs(0.0, None, threads, None, True, False)
        with _quiet_stdout():
            self.h.passModel(self.prog.model)

    def fits(self, lp: LinearProgram) -> bool:
        """True when ``lp`` differs from the kept program in bounds only, side for side (a row
        that gains or loses a side, or becomes an equation, is another program to HiGHS)."""
        old = self.lp
        if lp.n_vars != old.n_vars or len(lp.rows) != len(old.rows) or lp.objective != old.objective:
            return False
        for a, b in zip(lp.rows, old.rows):
            if a is not b and (a.index != b.index or a.coef != b.coef or _shape(a) != _shape(b)):
                return False
        return True

    def solve(self, lp: LinearProgram) -> Solution:
        """The LP relaxation of ``lp`` (which :meth:`fits`), with its rows' prices."""
        import highspy
        import numpy as np

        if not self.fits(lp):
            raise ValueError("the program differs from the kept one in more than its bounds")
        inf = highspy.kHighsInf
        cols = [j for j in range(lp.n_vars) if (lp.lower[j], lp.upper[j]) != (self.lp.lower[j], self.lp.upper[j])]
        if cols:
            self.h.changeColsBounds(
                len(cols),
                np.array(cols, dtype=np.int32),
                np.array([lp.lower[j] for j in cols], dtype=np.float64),
                np.array([inf if math.isinf(lp.upper[j]) else lp.upper[j] for j in cols], dtype=np.float64),
            )
        index, lows, highs = [], [], []
        for k, (a, b) in enumerate(zip(lp.rows, self.lp.rows)):
            if a is b or (a.lo, a.hi) == (b.lo, b.hi):
                continue
            for piece, (lo, hi) in zip(self.prog.pieces[k], _sides(a, self.prog.scales[k])):
                index.append(piece)
                lows.append(-inf if lo is None else lo)
                highs.append(inf if hi is None else hi)
        if index:
            self.h.changeRowsBounds(len(index), np.array(index, dtype=np.int32), np.array(lows), np.array(highs))
        self.lp = lp
        _highs_threads(highspy, self.threads)
        started = time.perf_counter()
        with _quiet_stdout():
            self.h.run()
        return _highs_solution(self.h, lp, self.prog, True, time.perf_counter() - started)


def _shape(row: Row) -> tuple[bool, bool, bool]:
    """Which sides a row has, and whether it is an equation: what its HiGHS rows are."""
    return row.lo is not None, row.hi is not None, row.lo is not None and row.lo == row.hi


#: Seconds of solving between two reports of how a long solve stands (see :func:`_gap_news`)
GAP_NEWS_EVERY = 1.0


def _gap_news(say: progress.Note, gap: float, offset: float = 0.0) -> Callable[[HighsCallbackEvent], None]:
    """A HiGHS MIP callback that says, at most once a second, how close the best portfolio
    found so far is to the best possible (the bound), and the gap the search stops at: on a long
    solve a user sees whether to wait or to pass a looser ``--gap``. The figures go with the
    words: the best value and the bound in the maximizing sense (``offset`` added back), and the
    gap between them. It reads, never steers: the search and its answer are the same with it
    (``tests/test_progress.py``)."""
    last = [0.0]
    goal = _target(gap)

    def news(event: HighsCallbackEvent) -> None:
        try:
            out = event.data_out
            if out.running_time - last[0] < GAP_NEWS_EVERY:
                return
            last[0] = out.running_time
            if math.isfinite(out.mip_primal_bound) and math.isfinite(out.mip_gap):
                # HiGHS minimizes the negated objective: its primal bound is minus the best value
                best = offset - float(out.mip_primal_bound)
                dual = float(getattr(out, "mip_dual_bound", math.nan))
                bound = offset - dual if math.isfinite(dual) else None
                found = relative_gap(best, bound)
                shown = out.mip_gap if found is None else found
                say(progress.Standing(f"best so far within {_share(shown)} (target {goal})", best, bound, shown))
            else:
                say("no portfolio found yet")
        except Exception:  # progress must never break a solve (e.g. stderr closed)
            pass

    return news


def _target(gap: float) -> str:
    """The gap a search stops at, as given, without trailing zeros: 0.01%, 0.001%, 1%, 0%."""
    return format(100 * max(gap, 0.0), "f").rstrip("0").rstrip(".") + "%"


def _share(x: float) -> str:
    """A gap as a percentage with two significant figures at least: 1.3%, 0.26%, 0.012%."""
    pct = 100 * max(x, 0.0)
    decimals = 1 if pct >= 1 else max(2, 1 - math.floor(math.log10(pct))) if pct > 0 else 2
    return f"{pct:.{decimals}f}%"


_CBC_BOUND = re.compile(r"^(?:Upper|Lower) bound:\s+(-?[\d.eE+-]+)", re.M)
_CBC_BEST_POSSIBLE = re.compile(r"best possible (-?[\d.eE+-]+)\)")
_CBC_VERSION = re.compile(r"^Version:\s*(\S+)", re.M)


def _solve_cbc(
    prob: Any,
    xs: Sequence[Any],
    gap: float,
    time_limit: float | None,
    threads: int | None,
    lp: LinearProgram,
    abs_gap: float | None = None,
) -> Solution:
    """Run CBC on a PuLP problem and read what it found, with the bound from its log."""
    pulp = _pulp()
    log, failed = _run_cbc(prob, gap, time_limit, threads, abs_gap)
    if failed is not None:
        return Solution(Status.ERROR, None, None, None, None, 0.0, "cbc", solver_version("cbc"), (str(failed),))
    result = _cbc_status(prob)
    values = _values(xs, lp) if result in (Status.OPTIMAL, Status.FEASIBLE) else None
    objective = _objective_of(lp, values) if values is not None else None
    bound = _cbc_bound(log, objective, result)
    version = _CBC_VERSION.search(log)
    return Solution(
        status=result,
        values=values,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        seconds=0.0,
        solver="cbc",
        version=f"CBC {version.group(1)}" if version else solver_version("cbc"),
        messages=(pulp.LpStatus.get(prob.status, "?"),),
    )


def _run_cbc(
    prob: Any, gap: float, time_limit: float | None, threads: int | None, abs_gap: float | None
) -> tuple[str, Exception | None]:
    """CBC's run on the problem, in a folder registered with stopping: its log, and the error
    when CBC failed both ways."""
    pulp = _pulp()
    with stopping.temporary_directory("portfolio-opt-cbc-") as tmp, warnings.catch_warnings():
        # PuLP 3 warns that its bundled CBC goes away in PuLP 4 (which wants COIN_CMD and
        # `pip install pulp[cbc]`): that move belongs to this module when it comes.
        warnings.simplefilter("ignore", DeprecationWarning)
        log_path = os.path.join(tmp, "cbc.log")
        # CBC 2.10's preprocessing can cut off the optimum: on a two-initiative plan with a
        # Min and a Max on one sum it proved a portfolio worth -90,000 optimal against one
        # worth 0. Without it, CBC is exact, but on some plans it proves infeasible while
        # tightening bounds and then crashes (segmentation fault, no solution file): only then
        # is preprocessing used, and its answer there is "infeasible", which it gets right.
        failed = None
        for options in (["preprocess off"], []):
            cmd = pulp.PULP_CBC_CMD(
                msg=False,
                gapRel=gap,
                gapAbs=abs_gap or None,
                timeLimit=time_limit,
                # "-threads 1" runs CBC's parallel search on one thread, which now and then
                # waits 10 s for itself after the root (PuLP 3.3's CBC 2.10): serial is one thread
                threads=threads if threads and threads > 1 else None,
                logPath=log_path,
                keepFiles=False,
                options=options,
            )
            cmd.tmpDir = tmp
            try:
                prob.solve(cmd)
                failed = None
                break
            except pulp.PulpSolverError as exc:
                failed = exc
        try:
            with open(log_path, encoding="utf-8", errors="replace") as fh:
                return fh.read(), failed
        except OSError:
            return "", failed


def _cbc_status(prob: Any) -> Status:
    """PuLP's status of a CBC solve as ours: an integer-feasible stop is FEASIBLE, never OPTIMAL."""
    pulp = _pulp()
    if prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionOptimal:
        return Status.OPTIMAL
    if prob.status == pulp.LpStatusOptimal and prob.sol_status == pulp.LpSolutionIntegerFeasible:
        return Status.FEASIBLE
    if prob.status == pulp.LpStatusInfeasible:
        return Status.INFEASIBLE
    if prob.status == pulp.LpStatusNotSolved:
        return Status.NO_SOLUTION
    return Status.ERROR


def _cbc_bound(log: str, objective: float | None, result: Status) -> float | None:
    """The best bound CBC reports in its log (its summary, else its last progress line)."""
    if objective is None:
        return None
    summary = _CBC_BOUND.findall(log)
    progress_lines = _CBC_BEST_POSSIBLE.findall(log)
    if summary:
        return max(float(summary[-1]), objective)
    if progress_lines:
        # Progress lines are in CBC's internal sense: it minimizes the negated objective.
        return max(-float(progress_lines[-1]), objective)
    return objective if result is Status.OPTIMAL else None
