"""Explain every decision by re-solving: what a flip would cost, and what it would take.

For the optimal value V* of a plan:

* a selected initiative's **regret** is V* − V_out, where V_out is the optimum with it forced
  out; an unselected one's is V* − V_in, with it forced in. ``None`` when a rule forbids the
  flip (a Must cannot go, an Exclude cannot come, or forcing it breaks the plan).
* an unselected initiative's **break-even score** is score + (V* − V_in): the portfolios
  that contain it gain exactly what its score gains, and no other portfolio changes, so
  just above that score it is selected and just below it is not.
* its **break-even cost** is the largest cost at which some portfolio containing it beats
  V*, found by one mixed-integer solve (maximize its cost t subject to the portfolio value
  exceeding V*, t entering every Cost limit it is in). ``None`` ("never") when no cut of
  its cost alone is enough, e.g. when a team limit or a rule blocks it.
* each limit's value of **one more unit** and of **10% more** comes from re-solving with
  the limit moved, not from LP duals, which mean little in an integer program.

The solves are independent, so they run in worker processes. Each is a variant of the plan's
own program (other bounds, one more column or row), so the prices of the plan's one LP
relaxation bound all of them, and each solve first fixes what that bound proves no good answer
changes (:mod:`.reduction`); the break-even solves also guess a floor for the cost and prove
it. Figures are exact to the optimality gap of the solves (``gap × V*``), stated in the result.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from portfolio_opt.core import formulation, reduction, solver
from portfolio_opt.core.reasons import reason_text
from portfolio_opt.core.rules import Chosen, limit_rule
from portfolio_opt.core.rules.limits import contribution
from portfolio_opt.core.scoring import objective_coefficients, plan_scores
from portfolio_opt.core.solver import LinearProgram, Row
from portfolio_opt.core.value import portfolio_value

# how many initiatives are explained by default, and the time allowed: kept where --help reads
# them without loading this module (re-exported here)
from portfolio_opt.model.defaults import AUTO, FULL_UP_TO, MIN_TIME, TIME_FACTOR, WORK  # noqa: F401
from portfolio_opt.model.plan import Decision, Objective, Plan, normalize_header
from portfolio_opt.model.result import InitiativeResult, LimitUse, ReasonCode, Result, Status
from portfolio_opt.runtime import pool, progress

#: below this many solves, worker processes cost more than they save
PARALLEL_FROM = 24


class TaskKind(enum.StrEnum):
    """What a re-solve of an explanation measures."""

    OUT = "out"  #: the best portfolio without a selected initiative (its regret)
    IN = "in"  #: the best portfolio with an unselected one (what bringing it in costs)
    COST = "cost"  #: the cost at which an unselected one would be selected (its break-even cost)
    LIMIT = "limit"  #: the best portfolio with a limit's bound moved (what more room is worth)


@dataclass(frozen=True)
class Task:
    """One re-solve an explanation needs: its kind, the initiative ``i`` or limit ``k`` it is about,
    and for a limit the side moved and the bound it is moved to."""

    kind: TaskKind
    i: int = -1
    k: int = -1
    side: str = ""
    bound: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", TaskKind(self.kind))  # also given as its text ("out")


@dataclass(frozen=True)
class Outcome:
    """What one re-solve found: the figure its task measures (None when no portfolio exists or the
    time ran out), the portfolio it chose, and whether it finished (``settled``)."""

    task: Task
    value: float | None  # objective (true coefficients), break-even cost, or None
    selected: tuple[int, ...] = ()
    #: False when the time allowed ran out before the solve was proven: ``value`` is then not
    #: a figure (and a None is not a proven "never")
    settled: bool = True


#: Said of a figure the time allowed did not settle
UNSETTLED = "not settled in the time allowed"


def default_time(result: Result) -> float:
    """The explanations' default time budget for a result: 20× its solve, at least 60 s."""
    return max(MIN_TIME, TIME_FACTOR * (result.solver.seconds or 0.0))


def default_limit(n: int) -> int:
    """How many of ``n`` initiatives to explain by default: all up to 500; beyond, 250,000 / n
    (the re-solves grow with the plan, so this keeps about the time 500 take)."""
    return n if n <= FULL_UP_TO else max(1, WORK // n)


def explain(
    result: Result,
    max_initiatives: int | str | None = AUTO,
    workers: int | None = None,
    initiative_ids: Sequence[str] | None = None,
    limits: bool = True,
    time_budget: float | None = None,
) -> Result:
    """The result with regret, break-even score and cost, and limit values filled in.

    Explains every initiative when the plan has at most ``max_initiatives`` (``None``: no
    cap; ``"auto"``: :func:`default_limit`); otherwise the selected ones and the closest
    candidates first, up to the cap, and ``explain_note`` says what was left out.
    ``initiative_ids`` explains just those.

    The re-solves share ``time_budget`` seconds (default :func:`default_time`: 20× the main
    solve, at least 60 s), the most useful first: why each selected one is in, then what
    more room in each limit is worth, then what each unselected one would take. A figure the
    time did not settle says so (:data:`UNSETTLED`), never "never".
    """
    refusal = _not_explained(result)
    if refusal:
        return replace(result, explain_note=refusal)
    plan = result.plan
    scores = plan_scores(plan)
    coefs = objective_coefficients(plan, scores)
    index = {ini.id: k for k, ini in enumerate(plan.initiatives)}
    selected = [False] * len(plan.initiatives)
    for r in result.initiatives:
        selected[index[r.id]] = r.selected

    chosen, left_out = _to_explain(result, index, max_initiatives, initiative_ids)
    tasks: list[Task] = []
    for i in chosen:
        tasks.extend(_initiative_tasks(plan, i, selected[i]))
    if limits:
        tasks.extend(_limit_tasks(result))

    v_star = result.objective
    budget = default_time(result) if time_budget is None else float(time_budget)
    outcomes = run_tasks(plan, _by_use(tasks, result, index), v_star, workers, budget)
    reference = _reference(v_star, outcomes)
    by_task = {o.task: o for o in outcomes}
    ids = [ini.id for ini in plan.initiatives]
    explained_set = set(chosen)
    new_rows = [
        _explain_row(plan, r, index[r.id], selected, scores, coefs, reference, by_task, ids)
        if index[r.id] in explained_set
        else r
        for r in result.initiatives
    ]
    new_limits = [
        _explain_limit(use, k, tasks, by_task, reference) if limits else use for k, use in enumerate(result.limits)
    ]
    if limits:
        new_rows = _kept_out_by(plan, new_rows, new_limits, index)
    note = _explain_note(plan, len(chosen), len(tasks), reference, outcomes, budget, left_out)
    return replace(result, initiatives=tuple(new_rows), limits=tuple(new_limits), explain_note=note)


def _kept_out_by(
    plan: Plan, rows: Sequence[InitiativeResult], uses: Sequence[LimitUse], index: dict[str, int]
) -> list[InitiativeResult]:
    """The rows left out by several limits, each with the one that keeps it out named first.

    That is the limit whose room it would take is worth the most: its use of the limit times
    what one unit of the limit is worth to the portfolio (the 10% re-solve's gain per unit of
    room). A left-out row gets its break-even score too, when it was explained, so rows the
    same limits block still read apart.
    """
    worth: dict[str, tuple[int, float]] = {}  #: limit name -> (position, value of a unit of room)
    for k, use in enumerate(uses):
        rule = limit_rule(k, use.limit)
        room = 0.1 * abs(rule.room(use)[1])
        if use.value_ten_percent and room > 0:
            worth[use.limit.name] = (k, use.value_ten_percent / room)
    out = []
    for r in rows:
        why = r.why
        if r.selected or why is None or why.code is not ReasonCode.LIMITS or len(why.items) < 2:
            out.append(r)
            continue
        i = index[r.id]
        taken = {
            name: abs(contribution(plan, uses[worth[name][0]].limit, i, 0)) * worth[name][1]
            for name in why.items
            if name in worth
        }
        main = max(taken, key=lambda n: (taken[n], -why.items.index(n)), default="")
        if not main or taken[main] <= 0:
            out.append(r)
            continue
        be = r.break_even_score
        new = replace(why, main=main, amounts=(be,) if be is not None and "break_even_score" not in r.unsettled else ())
        out.append(replace(r, why=new, reason=reason_text(new)))
    return out


def _not_explained(result: Result) -> str:
    """Why the result cannot be explained by re-solving, or '' when it can."""
    if result.plan.settings.periods:
        return (
            "Not explained: regret and break-even values are computed for single-period plans; "
            "this plan has Periods (see Schedule and Capacity for its timing)."
        )
    if result.risk is not None:
        return (
            "Not explained: regret and break-even values measure the expected-value objective; with Risk "
            "objective cvar the portfolio also weighs the worst worlds (see the risk table above for what that "
            "changed). Set Risk weight to 0 for the expected-value explanations."
        )
    if result.status is not Status.OPTIMAL:
        return (
            "Not explained: the portfolio is not proven optimal (the time limit stopped the search), "
            "so flips and break-even values could not be measured against the best portfolio."
        )
    return ""


def _explain_note(
    plan: Plan, explained: int, solves: int, reference: float, outcomes: Sequence[Outcome], budget: float, left_out: int
) -> str:
    """What the explanations cover and how exact they are: how many were explained by how many
    solves, the gap, the solves the time did not settle, and what the cap left out."""
    gap = plan.settings.gap
    note = (
        f"Explained {explained} of {len(plan.initiatives)} initiatives by re-solving "
        f"({solves} solves); figures are exact to the optimality gap ({gap:.4%} of the value, "
        f"about {gap * abs(reference):,.0f})."
    )
    late = sum(1 for o in outcomes if not o.settled)
    if late:
        note += (
            f" {late} of the {solves} solves were not settled in the time allowed ({budget:g} s): "
            f"their figures say so; raise --explain-time to settle them."
        )
    if left_out:
        note += f" Left out: {left_out} initiatives furthest from selection (raise --explain-limit to include them)."
    return note


# --------------------------------------------------------------------------- choosing what to explain


def _to_explain(
    result: Result, index: dict, max_initiatives: int | str | None, initiative_ids: Sequence[str] | None
) -> tuple[list[int], int]:
    """The initiatives to explain (positions), and how many the cap left out: those asked for,
    or up to the cap (``"auto"``: :func:`default_limit`) in :func:`_priority`'s order."""
    if initiative_ids is not None:
        return [index[i] for i in initiative_ids], 0
    n = len(result.plan.initiatives)
    if isinstance(max_initiatives, str) and max_initiatives != AUTO:
        raise ValueError(f"max_initiatives {max_initiatives!r}: expected a number, None or {AUTO!r}")
    cap = default_limit(n) if isinstance(max_initiatives, str) else max_initiatives
    return _priority(result.plan, result, index, cap)


def _priority(plan: Plan, result: Result, index: dict, cap: int | None) -> tuple[list[int], int]:
    n = len(plan.initiatives)
    if cap is None or n <= cap:
        return list(range(n)), 0
    sel = [index[r.id] for r in result.initiatives if r.selected]
    # the closest candidates: unselected, not ruled out, best value per unit of cost
    cands = [
        index[r.id]
        for r in sorted(
            (r for r in result.initiatives if not r.selected),
            key=lambda r: (-(r.objective_value / r.cost) if r.cost > 0 else -math.inf, r.rank),
        )
    ]
    chosen = (sel + cands)[:cap]
    return sorted(chosen), n - len(chosen)


def _ruled_out(plan: Plan, i: int) -> str:
    """Why forcing an unselected initiative in can never work, or ''."""
    ini = plan.initiatives[i]
    if ini.decision is Decision.EXCLUDE:
        return "it is Excluded"
    for dep in _all_prerequisites(plan, i):
        if plan.initiatives[dep].decision is Decision.EXCLUDE:
            return f"it needs {plan.initiatives[dep].id}, which is Excluded"
    return ""


def _all_prerequisites(plan: Plan, i: int) -> list[int]:
    seen: list[int] = []
    stack = [i]
    while stack:
        k = stack.pop()
        for dep in plan.initiatives[k].depends_on:
            if dep in plan:
                j = plan.index(dep)
                if j not in seen:
                    seen.append(j)
                    stack.append(j)
    return seen


def _initiative_tasks(plan: Plan, i: int, selected: bool) -> list[Task]:
    ini = plan.initiatives[i]
    if selected:
        return [] if ini.decision is Decision.MUST else [Task(TaskKind.OUT, i)]
    if _ruled_out(plan, i):
        return []
    return [Task(TaskKind.IN, i), Task(TaskKind.COST, i)]


def _limit_tasks(result: Result) -> list[Task]:
    """Two re-solves per limit: its bound moved one unit, and 10%, in the direction that gives room."""
    tasks = []
    for k, use in enumerate(result.limits):
        rule = limit_rule(k, use.limit)
        side, bound = rule.room(use)
        step = (1.0 if side == "max" else -1.0) * rule.step()
        tasks.append(Task(TaskKind.LIMIT, k=k, side=side, bound=bound + step))
        tasks.append(Task(TaskKind.LIMIT, k=k, side=side, bound=bound + 0.1 * abs(bound) * step))
    return tasks


# --------------------------------------------------------------------------- running the solves


def _task(task: Task, state: dict) -> Outcome:
    # one solver thread per worker process: the workers already use every core
    threads = 1 if state.get("in_worker") else None
    deadline = state.get("deadline")
    plan = state["plan"]
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0.01:
            return Outcome(task, None, settled=False)
        limit = plan.settings.time_limit
        plan = plan.with_settings(time_limit=left if limit is None else min(limit, left))
    return solve_task(plan, state["coefs"], task, state["v_star"], threads, state["duals"])


def _by_use(tasks: Sequence[Task], result: Result, index: dict) -> list[Task]:
    """The most useful figures first: why each selected one is in (by rank), what more room
    in each limit is worth, then what each unselected one would take (closest first), its
    break-even cost (the longest solves) last."""
    rank = {index[r.id]: r.rank for r in result.initiatives}
    order = {TaskKind.OUT: 0, TaskKind.LIMIT: 1, TaskKind.IN: 2, TaskKind.COST: 3}
    return sorted(tasks, key=lambda t: (order[t.kind], rank.get(t.i, 0), t.k))


def run_tasks(
    plan: Plan, tasks: Sequence[Task], v_star: float, workers: int | None = None, time_budget: float | None = None
) -> list[Outcome]:
    """Solve every task, in worker processes when there are enough of them, within
    ``time_budget`` seconds in all (None: no limit)."""
    workers = pool.default_workers() if workers is None else workers
    coefs = objective_coefficients(plan)
    deadline = None if time_budget is None else time.monotonic() + time_budget
    state = {"plan": plan, "coefs": coefs, "v_star": v_star, "duals": plan_duals(plan, coefs), "deadline": deadline}
    with progress.stage("Explanations", len(tasks)) as step:
        return pool.pool_map(_task, list(tasks), workers, state, min_parallel=PARALLEL_FROM, on_done=step)


def plan_duals(plan: Plan, coefs: Sequence[float]) -> tuple[float, ...] | None:
    """Row prices of the plan's LP relaxation: every re-solve is a variant of it (same rows,
    other bounds), so one LP gives each of them a valid bound to reduce with."""
    lp = formulation.build(plan, coefs, break_ties=False)
    return solver.solve(lp, plan.settings.solver, 0.0, None, relax=True).duals


def solve_task(
    plan: Plan,
    coefs: Sequence[float],
    task: Task,
    v_star: float,
    threads: int | None = None,
    duals: Sequence[float] | None = None,
) -> Outcome:
    """One re-solve. Values are measured with the true coefficients (no tie-break term).

    ``duals`` (see :func:`plan_duals`) let the solve fix what no good answer changes first.
    """
    s = plan.settings
    if task.kind in (TaskKind.OUT, TaskKind.IN):
        out = [task.i] if task.kind is TaskKind.OUT else []
        lp = formulation.build(plan, coefs, break_ties=False, force_out=out, force_in=[] if out else [task.i])
    elif task.kind is TaskKind.LIMIT:
        lim = plan.all_limits()[task.k]
        lo, hi = lim.min, lim.max
        if task.side == "max":
            hi = task.bound
        else:
            lo = task.bound
        lp = formulation.build(plan, coefs, break_ties=False, limit_overrides={task.k: (lo, hi)})
    else:
        return _break_even_cost(plan, coefs, task, v_star, threads, duals)
    if duals is None:
        sol = solver.solve(lp, s.solver, s.gap, s.time_limit, threads=threads)
    else:
        sol = reduction.solve(lp, s.solver, s.gap, s.time_limit, threads=threads, duals=duals, presolve=bool(s.periods))
    if sol.status is not Status.OPTIMAL and sol.status is not Status.INFEASIBLE:
        return Outcome(task, None, settled=False)  # the time ran out first: no figure
    if not sol.has_solution or sol.values is None:
        return Outcome(task, None)
    picked = tuple(j for j in range(len(plan.initiatives)) if sol.values[j] > 0.5)
    measured = plan.with_limit(task.k, **{task.side: task.bound}) if task.kind is TaskKind.LIMIT else plan
    return Outcome(task, picked_value(measured, coefs, picked), picked)


def picked_value(plan: Plan, coefs: Sequence[float], picked: Sequence[int]) -> float:
    """The objective of the portfolio ``picked`` (positions), each valued at ``coefs``."""
    wanted = set(picked)
    return portfolio_value(plan, Chosen.of([j in wanted for j in range(len(coefs))]), coefs)


def _break_even_cost(
    plan: Plan, coefs: Sequence[float], task: Task, v_star: float, threads, duals: Sequence[float] | None = None
) -> Outcome:
    """Largest cost t at which a portfolio containing initiative i beats V* (None: never)."""
    i = task.i
    n = len(plan.initiatives)
    ini = plan.initiatives[i]
    base = formulation.build(plan, coefs, force_in=[i], break_ties=False)
    t = len(base.objective)  # the column of the new variable, after any overshoot columns
    eps = _epsilon(plan, v_star)
    rows = tuple(_with_cost_as_t(plan, base, i, t))
    npv = plan.settings.objective is Objective.NPV
    own = coefs[i] + (ini.cost if npv else 0.0)  # its score (coefs hold score − cost for npv)
    idx = [j for j in range(t) if j != i and base.objective[j] != 0]
    value_row = Row(
        tuple(idx) + ((t,) if npv else ()),
        tuple(base.objective[j] for j in idx) + ((-1.0,) if npv else ()),
        v_star + eps - own,
        None,
    )
    lp = LinearProgram(
        objective=(0.0,) * t + (1.0,),
        lower=base.lower + (0.0,),
        upper=base.upper + (float(ini.cost),),
        integer=base.integer + (False,),
        rows=rows + (value_row,),
    )
    s = plan.settings
    sol: solver.Solution | None
    if duals is None or n < reduction.SMALL:
        sol = solver.solve(lp, s.solver, s.gap, s.time_limit, threads=threads)
    else:
        # The portfolio's value as an objective over the same rows, to bound with the prices.
        value = LinearProgram(
            objective=tuple(base.objective[j] if j != i else own for j in range(t)) + ((-1.0,) if npv else (0.0,)),
            lower=lp.lower,
            upper=lp.upper,
            integer=lp.integer,
            rows=rows,
        )
        sol = _reduced_break_even(lp, value, duals, v_star + eps, plan.settings.gap, threads, s)
        if sol is None:
            return Outcome(task, None)
    if sol.status is not Status.OPTIMAL and sol.status is not Status.INFEASIBLE:
        return Outcome(task, None, settled=False)  # the time ran out first: not a proven "never"
    if not sol.has_solution or sol.values is None:
        return Outcome(task, None)
    picked = tuple(j for j in range(n) if sol.values[j] > 0.5)
    # The largest t the portfolio found allows, measured exactly on it (solver tolerances
    # could otherwise pass off a tie as a win): the portfolio's decisions as 0 or 1 and any
    # overshoot at the solver's values.
    x = [1.0 if j in set(picked) else 0.0 for j in range(n)] + list(sol.values[n:t])
    room = _room_for_t(lp.rows, t, x, float(ini.cost))
    if room < 0:
        return Outcome(task, None)
    return Outcome(task, max(0.0, room), picked)


def _room_for_t(rows: Iterable[Row], t: int, x: Sequence[float], cost: float) -> float:
    """The largest value of column t that every row holding it allows with the other columns at
    ``x``, and at most ``cost`` (below 0 when a row is broken whatever t is)."""
    room = [cost]
    for row in rows:
        if t not in row.index:
            continue
        a = row.coef[row.index.index(t)]
        rest = math.fsum(c * x[j] for j, c in zip(row.index, row.coef) if j != t)
        if a > 0 and row.hi is not None:
            room.append((row.hi - rest) / a)
        elif a < 0 and row.lo is not None:
            room.append((rest - row.lo) / -a)
    return min(room)


def _reduced_break_even(
    lp: LinearProgram, value: LinearProgram, duals, target: float, gap: float, threads, s
) -> solver.Solution | None:
    """Solve the break-even program on reduced programs (see :mod:`.reduction`).

    Only portfolios worth ``target`` count, so every initiative whose flip would cost more
    than the Lagrangian bound's lead over ``target`` is fixed. Guessing a floor ``t_g`` for
    the cost t tightens the bound further: a reduced program that finds any portfolio with
    t >= t_g holds the best one; one that finds none proves t < t_g, and the next guess is
    lower, down to 0. ``None``: no portfolio containing it is worth ``target`` (never).
    """
    t = len(lp.objective) - 1
    cost = lp.upper[t]
    whole = reduction.lagrangian(value, duals)
    if whole.value + whole.tolerance < target:
        return None
    slope = -whole.reduced[t]  # each unit of t costs the bound this much
    margin = max(gap * reduction.GUESS, reduction.MIN_MARGIN) * max(abs(target), 1.0)
    floors = []
    if slope > 0:
        top = min(cost, (whole.value - target) / slope)
        floors = [max(0.0, top - k * margin / slope) for k in (4, 20)]
    floors = [f for f in floors if f > 0] + [0.0]
    started = time.perf_counter()
    for floor in floors:
        remaining = None if s.time_limit is None else max(1e-3, s.time_limit - (time.perf_counter() - started))
        floored = replace(value, lower=value.lower[:t] + (floor,))
        bound = reduction.lagrangian(floored, duals)
        if bound.value + bound.tolerance < target:
            continue
        reduced, _ = reduction.fix(floored, bound, target)
        sol = solver.solve(
            replace(lp, lower=reduced.lower, upper=reduced.upper), s.solver, gap, remaining, threads=threads
        )
        if sol.has_solution or sol.status is not Status.INFEASIBLE:
            return sol
    return None


def _epsilon(plan: Plan, v_star: float) -> float:
    """How much a portfolio must beat V* by to count as better: above solver tolerances."""
    return max(1e-7 * abs(v_star), 1e-3)


def _with_cost_as_t(plan: Plan, lp: LinearProgram, i: int, t: int) -> Iterable[Row]:
    """The rows with initiative i's cost replaced by the variable t in every Cost limit it is in
    (a share limit's too: its term a·(in scope − s) becomes t·(in scope − s))."""
    limits = plan.all_limits()
    cost = plan.initiatives[i].cost
    for row, key in zip(lp.rows, lp.row_keys):
        if key[0] == "limit" and normalize_header(limits[int(key[1])].column) == "cost" and i in row.index and cost:
            at = row.index.index(i)
            per_unit = row.coef[at] / cost
            idx = row.index[:at] + row.index[at + 1 :]
            coef = row.coef[:at] + row.coef[at + 1 :]
            yield Row(idx + (t,), coef + (per_unit,), row.lo, row.hi)
        else:
            yield row


# --------------------------------------------------------------------------- assembling


def _explain_row(
    plan, r: InitiativeResult, i: int, selected, scores, coefs, reference, by_task, ids
) -> InitiativeResult:
    ini = plan.initiatives[i]
    if r.selected:
        if ini.decision is Decision.MUST:
            return replace(r, explained=True, flip_note="it is a Must")
        out = by_task.get(Task(TaskKind.OUT, i))
        if out is not None and not out.settled:
            return replace(r, explained=True, unsettled=("regret",))
        if out is None or out.value is None:
            return replace(
                r, explained=True, flip_note="dropping it leaves no feasible portfolio (a Min or a Must needs it)"
            )
        enters, leaves = _diff(selected, out.selected, ids, skip=i)
        return replace(
            r, explained=True, regret=max(0.0, reference - out.value), flip_enters=enters, flip_leaves=leaves
        )
    why = _ruled_out(plan, i)
    if why:
        return replace(r, explained=True, flip_note=why)
    inn = by_task.get(Task(TaskKind.IN, i))
    cost = by_task.get(Task(TaskKind.COST, i))
    if inn is not None and not inn.settled:
        late = ("regret", "break_even_score") + (("break_even_cost",) if cost is None or not cost.settled else ())
        be_cost = cost.value if cost is not None and cost.settled else None
        return replace(r, explained=True, unsettled=late, break_even_cost=be_cost)
    if inn is None or inn.value is None:
        return replace(
            r, explained=True, flip_note="forcing it in leaves no feasible portfolio (a rule or limit forbids it)"
        )
    regret = max(0.0, reference - inn.value)
    enters, leaves = _diff(selected, inn.selected, ids, skip=i)
    be_cost = cost.value if cost is not None else None
    return replace(
        r,
        explained=True,
        regret=regret,
        break_even_score=scores[i] + regret,
        break_even_cost=be_cost,
        flip_enters=enters,
        flip_leaves=leaves,
        unsettled=("break_even_cost",) if cost is not None and not cost.settled else (),
    )


def _reference(v_star: float, outcomes: Sequence[Outcome]) -> float:
    """The value regrets are measured from: V*, or the best portfolio a flip re-solve found.

    A re-solve can find a portfolio better than the one reported (within the gap): the best
    value seen is the reference, so no regret is negative."""
    seen = [o.value for o in outcomes if o.task.kind in (TaskKind.OUT, TaskKind.IN) and o.value is not None]
    return max([v_star] + seen)


def _explain_limit(use: LimitUse, k: int, tasks: Sequence[Task], by_task: dict, reference: float) -> LimitUse:
    """A limit's use with what one more unit and 10% more room are worth (none below 0)."""
    one, ten = (by_task[t] for t in tasks if t.kind is TaskKind.LIMIT and t.k == k)
    return replace(
        use,
        step=limit_rule(k, use.limit).step(),
        value_one_more=None if one.value is None else max(0.0, one.value - reference),
        value_ten_percent=None if ten.value is None else max(0.0, ten.value - reference),
        unsettled=tuple(name for name, o in (("value_one_more", one), ("value_ten_percent", ten)) if not o.settled),
    )


def _diff(
    before: Sequence[bool], after_idx: Sequence[int], ids: Sequence[str], skip: int
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    after = set(after_idx)
    enters = tuple(ids[j] for j in sorted(after) if not before[j] and j != skip)
    leaves = tuple(ids[j] for j in range(len(before)) if before[j] and j not in after and j != skip)
    return enters, leaves
