"""Files at the edges: read a planning workbook into a plan, write results and templates."""

from __future__ import annotations

import os

from portfolio_opt.model.plan import Plan
from portfolio_opt.model.result import Result
from portfolio_opt.workbook import read_workbook, write_planning_workbook, write_results
from portfolio_opt.workbook.validate import load_plan


def read_plan(path: str | os.PathLike) -> Plan:
    """Read and validate a planning workbook (.xlsx, .xlsm, .ods or .xls).

    Raises :class:`~portfolio_opt.errors.InvalidWorkbook` listing every problem found.
    """
    return load_plan(read_workbook(path))


def save_results(result: Result, path: str | os.PathLike, force: bool = False) -> None:
    """Write the results workbook to a new file (an existing one only with ``force``)."""
    write_results(result, path, force=force)


def write_template(path: str | os.PathLike, example: bool = False, force: bool = False) -> None:
    """Write a blank planning workbook, or with ``example`` the shipped sample portfolio."""
    if example:
        from portfolio_opt.workbook.sample import write_sample

        write_sample(path, force=force)
    else:
        write_planning_workbook(path, force=force)


def save_frontier(frontier, path: str | os.PathLike, force: bool = False) -> None:
    """Write a :class:`~portfolio_opt.frontier.Frontier` as a workbook (table and live chart)."""
    from portfolio_opt.workbook.reports import write_frontier

    write_frontier(frontier, path, force=force)


def save_scenarios(run, path: str | os.PathLike, force: bool = False) -> None:
    """Write a :class:`~portfolio_opt.scenarios.ScenarioRun` as a workbook (summary, matrix, causes)."""
    from portfolio_opt.workbook.reports import write_scenarios

    write_scenarios(run, path, force=force)


def save_comparison(comparison, path: str | os.PathLike, force: bool = False) -> None:
    """Write a :class:`~portfolio_opt.compare.Comparison` as a workbook (plans, matrix, differences)."""
    from portfolio_opt.workbook.reports import write_comparison

    write_comparison(comparison, path, force=force)


def save_simulation(sim, path: str | os.PathLike, force: bool = False, warnings=()) -> None:
    """Write a :class:`~portfolio_opt.risk.Simulation` as a workbook (Risk summary with a
    histogram and an S-curve, Risk by initiative, Risk by theme)."""
    from portfolio_opt.workbook.reports import write_simulation

    write_simulation(sim, path, force=force, warnings=warnings)


def save_alternatives(alternatives, path: str | os.PathLike, force: bool = False) -> None:
    """Write an :class:`~portfolio_opt.alternatives.Alternatives` as a workbook (side by side, matrix)."""
    from portfolio_opt.workbook.reports import write_alternatives

    write_alternatives(alternatives, path, force=force)


def save_robustness(robustness, path: str | os.PathLike, force: bool = False) -> None:
    """Write a :class:`~portfolio_opt.robustness.Robustness` as the baseline's results workbook
    with the robustness sheets (summary, every initiative's frequency and class, a chart)."""
    from portfolio_opt.workbook.reports import write_robustness

    write_robustness(robustness, path, force=force)


def save_review(review, path: str | os.PathLike, force: bool = False) -> None:
    """Write a :class:`~portfolio_opt.quarter.QuarterReview` as a workbook (moves with causes,
    estimate changes, value realization)."""
    from portfolio_opt.workbook.reports import write_review

    write_review(review, path, force=force)
