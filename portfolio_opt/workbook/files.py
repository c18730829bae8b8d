"""Files at the edges: read a planning workbook into a plan, write results and templates."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from portfolio_opt.model.errors import InvalidWorkbook
from portfolio_opt.model.plan import Plan
from portfolio_opt.model.result import Result
from portfolio_opt.workbook import read_workbook, write_planning_workbook, write_results
from portfolio_opt.workbook.style import collector_paused
from portfolio_opt.workbook.validate import load_plan


def read_plan(
    path: str | os.PathLike,
    solver_name: str | None = None,
    gap: float | None = None,
    time_limit: float | None = None,
    cluster: str | None = None,
) -> Plan:
    """Read and validate a planning workbook (.xlsx, .xlsm, .ods or .xls; a results workbook is one too).

    ``solver_name``, ``gap``, ``time_limit`` and ``cluster``, when given, replace the workbook's
    Solver, Gap, Time limit and Cluster settings (as the command line's options do).

    Raises :class:`~portfolio_opt.InvalidWorkbook` listing every problem found.
    """
    # every row, cell and initiative read lives on in the plan: a collection would free nothing
    # and walk them all again (a sixth of reading 100,000 initiatives)
    with collector_paused():
        plan = load_plan(read_workbook(path))
    given = {"solver": solver_name, "gap": gap, "time_limit": time_limit, "cluster": cluster}
    changes = {k: (float(v) if k in ("gap", "time_limit") else v) for k, v in given.items() if v is not None}
    return plan.with_settings(**changes) if changes else plan


def read_plans(
    paths: Sequence[str | os.PathLike],
    solver_name: str | None = None,
    gap: float | None = None,
    time_limit: float | None = None,
    cluster: str | None = None,
    marked: bool = False,
) -> list[tuple[str, Plan]]:
    """Read several workbooks (as :func:`read_plan`), each named by its file name without the
    extension: ``[("cto_plan", plan), ...]``, in the order given.

    Every workbook is read before anything is raised, so one
    :class:`~portfolio_opt.InvalidWorkbook` lists the problems of them all, each one's place
    starting with its file's name (``cfo_plan.xlsx: Initiatives!C7``). With ``marked`` a
    workbook that marks no selection (a Selected column, or a results workbook's Ranking) is
    one of the problems, as comparing plans needs.
    """
    plans: list[tuple[str, Plan]] = []
    problems = []
    files = [os.path.basename(os.fspath(path)) for path in paths]
    for path, file in zip(paths, files):
        try:
            plan = read_plan(path, solver_name, gap, time_limit, cluster)
        except InvalidWorkbook as exc:
            problems += [dataclasses.replace(p, where=f"{file}: {p.where}") for p in exc.problems]
            continue
        plans.append((os.path.splitext(file)[0], plan))
    if marked:
        from portfolio_opt.analyses.compare import unmarked

        problems += unmarked(plans)
    if problems:
        named = [file for file in files if any(p.where.startswith(f"{file}: ") for p in problems)]
        raise InvalidWorkbook(problems, ", ".join(named))
    return plans


def save_results(result: Result, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Write the results workbook to a new file (an existing one only with ``force``).

    ``run_id``, the run's id in the plan-of-record store (:meth:`Store.new_run_id
    <portfolio_opt.store.Store.new_run_id>`), goes in Run info, so the file and its record find
    each other; every ``save_*`` function takes it."""
    write_results(result, path, force=force, run_id=run_id)


def write_template(path: str | os.PathLike, example: bool = False, force: bool = False) -> None:
    """Write a blank planning workbook, or with ``example`` the shipped sample portfolio."""
    if example:
        from portfolio_opt.workbook.sample import write_sample

        write_sample(path, force=force)
    else:
        write_planning_workbook(path, force=force)


def save_frontier(frontier, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Write a :class:`~portfolio_opt.frontier.Frontier` as a workbook (table and live chart)."""
    from portfolio_opt.workbook.reports import write_frontier

    write_frontier(frontier, path, force=force, run_id=run_id)


def save_scenarios(run, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Write a :class:`~portfolio_opt.scenarios.ScenarioRun` as a workbook (summary, matrix, causes)."""
    from portfolio_opt.workbook.reports import write_scenarios

    write_scenarios(run, path, force=force, run_id=run_id)


def save_comparison(comparison, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Write a :class:`~portfolio_opt.compare.Comparison` as a workbook (plans, matrix, differences)."""
    from portfolio_opt.workbook.reports import write_comparison

    write_comparison(comparison, path, force=force, run_id=run_id)


def save_simulation(sim, path: str | os.PathLike, force: bool = False, warnings=(), run_id: str | None = None) -> None:
    """Write a :class:`~portfolio_opt.risk.Simulation` as a workbook (Risk summary with a
    histogram and an S-curve, Risk by initiative, Risk by theme)."""
    from portfolio_opt.workbook.reports import write_simulation

    write_simulation(sim, path, force=force, warnings=warnings, run_id=run_id)


def save_alternatives(alternatives, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Write an :class:`~portfolio_opt.alternatives.Alternatives` as a workbook (side by side, matrix)."""
    from portfolio_opt.workbook.reports import write_alternatives

    write_alternatives(alternatives, path, force=force, run_id=run_id)


def save_robustness(robustness, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Write a :class:`~portfolio_opt.robustness.Robustness` as the baseline's results workbook
    with the robustness sheets (summary, every initiative's frequency and class, a chart)."""
    from portfolio_opt.workbook.reports import write_robustness

    write_robustness(robustness, path, force=force, run_id=run_id)


def save_review(review, path: str | os.PathLike, force: bool = False, run_id: str | None = None) -> None:
    """Write a :class:`~portfolio_opt.quarter.QuarterReview` as a workbook (moves with causes,
    estimate changes, value realization)."""
    from portfolio_opt.workbook.reports import write_review

    write_review(review, path, force=force, run_id=run_id)
