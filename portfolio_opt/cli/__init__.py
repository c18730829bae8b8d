"""The ``portfolio-opt`` command: a thin layer over the library.

Each command calls one library function, turns library errors into a clean message and the
documented exit code, and prints. No business logic lives here.
"""

from __future__ import annotations

import difflib
import os
import shutil
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import click

from portfolio_opt.model.defaults import AUTO, FULL_UP_TO, MIN_TIME, TIME_FACTOR, WORK
from portfolio_opt.model.errors import (
    EXIT_BUG,
    EXIT_CODES,
    Infeasible,
    InvalidWorkbook,
    PortfolioError,
    Problem,
    TextCut,
)
from portfolio_opt.model.version import __version__
from portfolio_opt.render.json import result_to_dict, to_json
from portfolio_opt.render.text import comparison_lines, frontier_lines, scenario_lines, story, summary_lines
from portfolio_opt.runtime import progress, stopping


# The library's heavy parts (openpyxl, PuLP, worker pools) load when a command runs, not for
# --help: each name below imports its module on first call.
def _later(module: str, name: str) -> Callable:
    def call(*args, **kwargs):
        import importlib

        return getattr(importlib.import_module(f"portfolio_opt.{module}"), name)(*args, **kwargs)

    call.__name__ = name
    return call


read_plan = _later("workbook.files", "read_plan")
save_results = _later("workbook.files", "save_results")
save_frontier = _later("workbook.files", "save_frontier")
save_scenarios = _later("workbook.files", "save_scenarios")
save_comparison = _later("workbook.files", "save_comparison")
write_template = _later("workbook.files", "write_template")
run_optimize = _later("core.optimize", "optimize")
apply_overrides = _later("core.optimize", "apply_overrides")
explain = _later("analyses.explain", "explain")
run_frontier = _later("analyses.frontier", "frontier")
frontier_to_dict = _later("render.json", "frontier_to_dict")
run_scenarios = _later("analyses.scenarios", "run_scenarios")
scenarios_to_dict = _later("render.json", "scenarios_to_dict")
run_compare = _later("analyses.compare", "compare")
comparison_to_dict = _later("render.json", "comparison_to_dict")
unmarked = _later("analyses.compare", "unmarked")
simulate_plan = _later("analyses.simulate", "simulate_plan")
simulation_to_dict = _later("render.json", "simulation_to_dict")
simulation_lines = _later("render.text", "simulation_lines")
save_simulation = _later("workbook.files", "save_simulation")
run_alternatives = _later("analyses.alternatives", "alternatives")
alternatives_to_dict = _later("render.json", "alternatives_to_dict")
alternatives_lines = _later("render.text", "alternatives_lines")
save_alternatives = _later("workbook.files", "save_alternatives")
run_robustness = _later("analyses.robustness", "robustness")
robustness_to_dict = _later("render.json", "robustness_to_dict")
robustness_lines = _later("render.text", "robustness_lines")
save_robustness = _later("workbook.files", "save_robustness")
on_cluster = _later("runtime.pool", "cluster")
run_review = _later("analyses.review", "review_quarters")
review_to_dict = _later("render.json", "review_to_dict")
review_lines = _later("render.text", "review_lines")
save_review = _later("workbook.files", "save_review")
write_report = _later("render.page", "write_report")

MAX_PROBLEMS_SHOWN = 200


class Context:
    """What every command shares from the group's options: whether ``--debug`` asks for
    tracebacks."""

    def __init__(self, debug: bool):
        self.debug = debug


def _echo_err(text: str = "") -> None:
    click.echo(text, err=True)


def _print_json(data: dict[str, Any]) -> None:
    click.echo(to_json(data))


def _report_error(exc: PortfolioError, as_json: bool) -> None:
    """Say what went wrong and how to fix it: on stderr, and as JSON on stdout with --json."""
    if isinstance(exc, InvalidWorkbook):
        n = len(exc.problems)
        _echo_err(f"{exc.source or 'workbook'}: {n} problem{'s' if n != 1 else ''} to fix:")
        for p in exc.problems[:MAX_PROBLEMS_SHOWN]:
            _echo_err(f"  {p}")
        if n > MAX_PROBLEMS_SHOWN:
            _echo_err(f"  ... and {n - MAX_PROBLEMS_SHOWN} more (all of them are in --json)")
        if as_json:
            _print_json(exc.to_dict())
        return
    if isinstance(exc, Infeasible):
        _echo_err("Infeasible: no portfolio meets every limit and decision.")
        if exc.conflict:
            _echo_err("These cannot all hold together (drop or move any one of them):")
            for item in exc.conflict:
                _echo_err(f"  - {item.name}: {item.detail}")
        from portfolio_opt.core.diagnose import PARTIAL

        whole = [c.text for c in exc.changes if c.whole_plan]
        partial = [c.text.replace(PARTIAL, "") for c in exc.changes if not c.whole_plan]
        if whole:
            _echo_err("Any one of these changes makes the plan feasible:")
            for text in whole:
                _echo_err(f"  - {text}")
        if partial:
            _echo_err("Each of these resolves the conflict above, but the plan has other conflicts too:")
            for text in partial:
                _echo_err(f"  - {text}")
        for text in exc.relaxations[len(exc.changes) :]:
            _echo_err(f"Note: {text}")
        if as_json:
            _print_json(exc.to_dict())
        return
    _echo_err(f"Error: {exc}")
    if as_json:
        _print_json({"status": "error", "exit_code": exc.exit_code, "message": str(exc)})


class _ProgressLine:
    """Progress on stderr: a line redrawn in place on a terminal; elsewhere (CI logs, files) one
    line per stage that took a second or more, when it ends. Never anything on stdout."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.depth = 0
        self.shown = 0
        self.last = 0.0
        self.outer: progress.Event | None = None  # the outermost open stage, as it began
        self.began = 0.0

    def __call__(self, e: progress.Event) -> None:
        if e.note:
            # how a long solve stands: said on the line of a single job (Solving, Finding the
            # budget range), never on a sweep's count, whose solves each have their own
            if self.tty and self.outer is not None and not self.outer.total:
                self._draw(
                    progress.Event(
                        self.outer.stage, self.outer.done, None, time.perf_counter() - self.began, note=e.note
                    )
                )
            return
        if e.done == 0 and not e.finished:
            self.depth += 1
            if self.depth == 1:
                self.outer, self.began = e, time.perf_counter()
        outer = self.depth == 1
        if e.finished:
            self.depth -= 1
        if not outer:
            return  # a stage inside another (a solve within a sweep): the outer one speaks
        if e.finished:
            self.outer = None
        if not self.tty:
            if e.finished and e.seconds >= 1.0:
                count = f" {e.done:,}/{e.total:,}" if e.total else ""
                self.stream.write(f"{e.stage}:{count} done in {e.seconds:.1f} s\n")
                self.stream.flush()
            return
        if e.finished:
            self.stream.write("\r" + " " * self.shown + "\r")
            self.stream.flush()
        elif e.done == 0 or e.seconds - self.last >= 0.1 or e.done == e.total:
            self._draw(e)

    def _draw(self, e: progress.Event) -> None:
        self.last = e.seconds
        count = f" {e.done:,}/{e.total:,}" if e.total else ""
        # a stage that never steps (one long solve) is drawn when it begins and when its solve
        # says how it stands: a clock drawn only once would stand at 0 s, so then it has none
        if e.note:
            text = f"{e.stage}:{count} {e.seconds:.0f} s, {e.note}"
        else:
            clock = f"  {e.seconds:.0f} s" if e.total or e.done else ""
            text = f"{e.stage}:{count}" + ("" if e.total else " ...") + clock
        # a line longer than the terminal wraps, and "\r" then redraws only its last part: a
        # closing aside goes first, then the end of the line
        width = max(20, shutil.get_terminal_size().columns - 1)
        if len(text) > width and text.endswith(")") and " (" in text:
            text = text.rsplit(" (", 1)[0]
        text = text[:width]
        self.stream.write("\r" + text.ljust(self.shown))
        self.shown = len(text)
        self.stream.flush()


def _run(ctx: Context, as_json: bool, body: Callable[[], int | None]) -> None:
    def job() -> int | None:
        with progress.listening(_ProgressLine()), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TextCut)
            try:
                return body()
            finally:  # never silently: a cell whose text was cut is named
                for w in caught:
                    if issubclass(w.category, TextCut):
                        _echo_err(f"Warning: {w.message}")

    def on_stop(code: int) -> None:
        _echo_err("")
        _echo_err(f"{'Interrupted' if code == 130 else 'Stopped'}: nothing was written.")
        if as_json:
            _print_json({"status": "interrupted", "exit_code": code, "message": "nothing was written"})

    try:
        # the command runs beside the main thread, which stays free to act on Ctrl-C or SIGTERM
        # at once (a solver may hold the command inside C code for minutes)
        code = stopping.run_interruptibly(job, on_stop) or 0
    except PortfolioError as exc:
        if ctx.debug:
            traceback.print_exc()
        _report_error(exc, as_json)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit:
        raise
    except click.ClickException:
        raise
    except KeyboardInterrupt:
        _echo_err("Interrupted: nothing was written.")
        sys.exit(130)
    except BrokenPipeError:
        # the reader of stdout went away (e.g. `| head`): what it wanted was printed
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # a bug: say so plainly
        if ctx.debug:
            traceback.print_exc()
        else:
            _echo_err(f"Internal error: {type(exc).__name__}: {exc}")
            _echo_err("This is a bug in portfolio_opt. Rerun with --debug and report the output.")
        sys.exit(EXIT_BUG)
    sys.exit(code)


def _check_output(output: str, inputs: tuple[str, ...], force: bool, report_path: str | None = None) -> None:
    """-o (and --report, when given) are checked before any work: new files, never an input."""
    for path in inputs:
        if os.path.exists(output) and os.path.samefile(output, path):
            raise click.UsageError(f"the output {output} is the input workbook: results always go to a new file")
        if os.path.abspath(output) == os.path.abspath(path):
            raise click.UsageError(f"the output {output} is the input workbook: results always go to a new file")
    if os.path.exists(output) and not force:
        raise click.UsageError(f"{output} already exists: choose another name with -o, or pass --force to replace it")
    if not output.lower().endswith(".xlsx"):
        raise click.UsageError(f"the output {output} must end in .xlsx")
    _check_report(report_path, force, output)


def _report_option(f):
    return click.option(
        "--report",
        "report_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Also write the leadership page (one self-contained HTML file) of the output workbook.",
    )(f)


def _check_report(report_path: str | None, force: bool, output: str) -> None:
    """A --report path is checked before any work, like -o."""
    if not report_path:
        return
    if not report_path.lower().endswith((".html", ".htm")):
        raise click.UsageError(f"the report {report_path} must end in .html")
    if os.path.abspath(report_path) == os.path.abspath(output):
        raise click.UsageError("the report and the output workbook must be two files")
    if os.path.exists(report_path) and not force:
        raise click.UsageError(f"{report_path} already exists: choose another name, or pass --force to replace it")


def _deliver(
    output: str, report_path: str | None, force: bool, as_json: bool, data: dict[str, Any], lines: list[str]
) -> None:
    """What a command that wrote a workbook does next: the page when asked (--report), then one
    JSON object on stdout (--json) or the lines for people."""
    _add_report(output, report_path, force)
    if as_json:
        _print_json(data | {"output": output})
        return
    for line in lines:
        click.echo(line)


def _add_report(output: str, report_path: str | None, force: bool) -> None:
    """The page of what was just written, when asked (--report)."""
    if report_path:
        write_report(output, report_path, force=force)
        _echo_err(f"Wrote the report {report_path}")


EPILOG = "\b\nExit codes:\n" + "\n".join(f"  {k}  {v}" for k, v in EXIT_CODES.items())


@click.group(epilog=EPILOG)
@click.version_option(__version__, prog_name="portfolio-opt")
@click.option("--debug", is_flag=True, help="Show a traceback for errors (for bug reports).")
@click.pass_context
def main(click_ctx: click.Context, debug: bool) -> None:
    """Choose which initiatives to fund: exact portfolio optimization from Excel.

    \b
    Example:
      portfolio-opt template plan.xlsx --example
      portfolio-opt optimize plan.xlsx -o result.xlsx --budget 12000000
    """
    click_ctx.obj = Context(debug)


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--example", is_flag=True, help="Fill it with the shipped sample portfolio.")
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
@click.pass_obj
def template(ctx: Context, path: str, example: bool, force: bool) -> None:
    """Write a blank planning workbook (instructions, drop-downs, units).

    \b
    Example:
      portfolio-opt template plan.xlsx --example
    """
    if os.path.exists(path) and not force:
        raise click.UsageError(f"{path} already exists: choose another name, or pass --force to replace it")
    if not path.lower().endswith(".xlsx"):
        raise click.UsageError(f"{path} must end in .xlsx")

    def body() -> None:
        write_template(path, example=example, force=force)
        what = "sample planning workbook" if example else "blank planning workbook"
        click.echo(f"Wrote {what} {path}")
        click.echo(f"Next: portfolio-opt validate {path}")

    _run(ctx, False, body)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as one JSON object.")
@click.pass_obj
def validate(ctx: Context, path: str, as_json: bool) -> None:
    """Check a planning workbook and list every problem by sheet and cell.

    \b
    Example:
      portfolio-opt validate plan.xlsx
    """

    def body() -> None:
        plan = read_plan(path)
        for w in plan.warnings:
            _echo_err(f"Warning: {w}")
        limits = plan.all_limits()
        if as_json:
            _print_json(
                {
                    "status": "valid",
                    "initiatives": len(plan.initiatives),
                    "limits": [lim.name for lim in limits],
                    "warnings": list(plan.warnings),
                }
            )
            return
        budget = plan.settings.budget
        click.echo(
            f"{os.path.basename(path)} is valid: {len(plan.initiatives)} initiatives, "
            f"{len(limits)} limit{'s' if len(limits) != 1 else ''}"
            + (f", budget {budget:,.0f}" if budget is not None else ", no budget set")
        )

    _run(ctx, as_json, body)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Results workbook to write (default: <input>_result.xlsx)."
)
@click.option("--budget", type=click.FloatRange(min=0), help="Budget (maximum total Cost); overrides Settings.")
@click.option(
    "--solver",
    "solver_name",
    type=click.Choice(["highs", "cbc"]),
    help="Solver (default highs, or the Settings value).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after this many seconds with the best portfolio found.",
)
@click.option(
    "--gap",
    type=click.FloatRange(min=0, max=1, max_open=True),
    help="Relative optimality gap (default 0.0001 = 0.01%; 0 asks for a proof).",
)
@click.option(
    "--explain-limit",
    type=click.IntRange(min=0),
    default=None,
    help=f"Explain (regret, break-even) at most this many initiatives: the selected and the closest "
    f"candidates first; 0 skips it. Default: all up to {FULL_UP_TO}, beyond that {WORK:,} / initiatives.",
)
@click.option(
    "--explain-time",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help=f"Seconds the explanations may take in all (default: {TIME_FACTOR}x the solve, at least "
    f"{MIN_TIME:g} s); figures not settled in time say so.",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    default=None,
    help="Run the explanations' re-solves on the Dask cluster at ADDRESS (default: the Settings Cluster, "
    "else this machine).",
)
@_report_option
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout and nothing else there.")
@click.pass_obj
def optimize(
    ctx: Context,
    path: str,
    output: str | None,
    budget: float | None,
    solver_name: str | None,
    time_limit: float | None,
    gap: float | None,
    explain_limit: int | None,
    explain_time: float | None,
    cluster: str | None,
    report_path: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Choose the portfolio of highest expected value within every limit.

    Writes the results workbook (Summary, Ranking, the input sheets as used, Run info) to a
    new file and prints a short summary.

    \b
    Example:
      portfolio-opt optimize plan.xlsx -o result.xlsx --budget 12000000
    """
    output = output or _default_output(path, "result")
    _check_output(output, (path,), force, report_path)

    def body() -> None:
        plan = read_plan(path)
        result = run_optimize(plan, budget=budget, solver_name=solver_name, gap=gap, time_limit=time_limit)
        if explain_limit is None or explain_limit > 0:
            with on_cluster(_where(cluster, plan)):
                result = explain(
                    result, max_initiatives=AUTO if explain_limit is None else explain_limit, time_budget=explain_time
                )
        save_results(result, output, force=force)
        _add_report(output, report_path, force)
        if as_json:
            _print_json(result_to_dict(result, output))
        else:
            for line in summary_lines(result, output):
                click.echo(line)
        for w in result.warnings:
            _echo_err(f"Warning: {w}")

    _run(ctx, as_json, body)


def _solver_options(f):
    f = click.option(
        "--gap", type=click.FloatRange(min=0, max=1, max_open=True), help="Relative optimality gap per solve."
    )(f)
    f = click.option(
        "--time-limit", type=click.FloatRange(min=0, min_open=True), help="Time limit per solve, seconds."
    )(f)
    f = click.option("--solver", "solver_name", type=click.Choice(["highs", "cbc"]), help="Solver (default highs).")(f)
    return f


def _cluster_option(f):
    return click.option(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="Run the solves on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786; "
        "default: the Settings Cluster, else this machine).",
    )(f)


def _where(cluster: str | None, plan) -> str | None:
    """The cluster a sweep runs on: --cluster, else the plan's Cluster setting, else none."""
    return cluster or plan.settings.cluster


def _read_with_overrides(path: str, solver_name, gap, time_limit):
    return apply_overrides(read_plan(path), solver_name=solver_name, gap=gap, time_limit=time_limit)


@main.command(name="frontier")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Frontier workbook (default: <input>_frontier.xlsx)."
)
@click.option("--steps", type=click.IntRange(min=2, max=1000), default=25, show_default=True, help="Number of budgets.")
@click.option(
    "--from", "lo", type=click.FloatRange(min=0), help="Lowest budget (default: the cheapest feasible portfolio)."
)
@click.option(
    "--to",
    "hi",
    type=click.FloatRange(min=0),
    help="Highest budget (default: the first budget at which value stops growing, the cost of the best "
    "portfolio with no budget; on a multi-period plan that is the longest solve of all, which a value here skips).",
)
@_solver_options
@_cluster_option
@_report_option
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def frontier_command(
    ctx: Context,
    path: str,
    output: str | None,
    steps: int,
    lo: float | None,
    hi: float | None,
    solver_name,
    time_limit,
    gap,
    cluster: str | None,
    report_path: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Re-optimize at every budget: the true efficient frontier, with a live chart.

    \b
    Example:
      portfolio-opt frontier plan.xlsx -o frontier.xlsx --steps 25 --from 2000000 --to 20000000
    """
    output = output or _default_output(path, "frontier")
    _check_output(output, (path,), force, report_path)
    if lo is not None and hi is not None and lo > hi:
        raise click.BadParameter("--from must not be above --to", param_hint="--from")

    def body() -> None:
        plan = _read_with_overrides(path, solver_name, gap, time_limit)
        with on_cluster(_where(cluster, plan)):
            f = run_frontier(plan, steps=steps, lo=lo, hi=hi)
        save_frontier(f, output, force=force)
        for w in f.warnings:
            _echo_err(f"Warning: {w}")
        _deliver(output, report_path, force, as_json, frontier_to_dict(f), frontier_lines(f, output))

    _run(ctx, as_json, body)


@main.command(name="scenarios")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Scenarios workbook (default: <input>_scenarios.xlsx)."
)
@_solver_options
@_cluster_option
@_report_option
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def scenarios_command(
    ctx: Context,
    path: str,
    output: str | None,
    solver_name,
    time_limit,
    gap,
    cluster: str | None,
    report_path: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Run every scenario of the Scenarios sheet against the baseline and say what moved, and why.

    \b
    Example:
      portfolio-opt scenarios plan.xlsx -o scenarios.xlsx
    """
    output = output or _default_output(path, "scenarios")
    _check_output(output, (path,), force, report_path)

    def body() -> None:
        plan = _read_with_overrides(path, solver_name, gap, time_limit)
        with on_cluster(_where(cluster, plan)):
            run = run_scenarios(plan)
        save_scenarios(run, output, force=force)
        _deliver(output, report_path, force, as_json, scenarios_to_dict(run), scenario_lines(run, output))

    _run(ctx, as_json, body)


@main.command(name="compare")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="comparison.xlsx",
    show_default=True,
    help="Comparison workbook.",
)
@_solver_options
@_report_option
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def compare_command(
    ctx: Context,
    paths: tuple[str, ...],
    output: str,
    solver_name,
    time_limit,
    gap,
    report_path: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Compare plans (workbooks with a Selected column, or results workbooks): value, cost,
    broken rules, and efficiency against the optimum at the same cost.

    \b
    Example:
      portfolio-opt compare cto_plan.xlsx cfo_plan.xlsx -o comparison.xlsx
    """
    _check_output(output, paths, force, report_path)

    def body() -> None:
        plans = []
        problems = []
        for path in paths:
            try:
                plan = _read_with_overrides(path, solver_name, gap, time_limit)
            except InvalidWorkbook as exc:
                problems.extend(
                    Problem(p.code, f"{os.path.basename(path)}: {p.where}", p.message, p.fix, p.value)
                    for p in exc.problems
                )
                continue
            plans.append((os.path.splitext(os.path.basename(path))[0], plan))
        if problems:  # with the plans read that mark no selection: every problem in one list
            raise InvalidWorkbook(problems + unmarked(plans), "compare")
        c = run_compare(plans)
        save_comparison(c, output, force=force)
        _deliver(output, report_path, force, as_json, comparison_to_dict(c), comparison_lines(c, output))

    _run(ctx, as_json, body)


@main.command(name="simulate")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Risk workbook (default: <input>_risk.xlsx).")
@click.option(
    "--samples", type=click.IntRange(min=100, max=10_000_000), default=None, help="Simulated worlds (default 10,000)."
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**32 - 1),
    default=None,
    help="Random seed (default: the Seed setting, else 1); the same seed gives the same numbers.",
)
@_solver_options
@_report_option
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def simulate_command(
    ctx: Context,
    path: str,
    output: str | None,
    samples: int | None,
    seed: int | None,
    solver_name,
    time_limit,
    gap,
    report_path: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Simulate a portfolio's outcomes: the spread, P10/P90, CVaR, the chance of reaching the
    Value target, and which bets drive the downside.

    The portfolio is the one the workbook marks (a Selected column, or a results workbook's
    Ranking); a planning workbook is optimized first.

    \b
    Example:
      portfolio-opt simulate plan.xlsx -o risk.xlsx --samples 20000 --seed 7
    """
    output = output or _default_output(path, "risk")
    _check_output(output, (path,), force, report_path)

    def body() -> None:
        plan = _read_with_overrides(path, solver_name, gap, time_limit)
        sim, warns = simulate_plan(plan, samples, seed)
        save_simulation(sim, output, force=force, warnings=warns)
        for w in list(plan.warnings) + warns:
            _echo_err(f"Warning: {w}")
        _deliver(output, report_path, force, as_json, simulation_to_dict(sim), simulation_lines(sim, output))

    _run(ctx, as_json, body)


class Share(click.ParamType):
    """A share typed as a percentage (``1%``) or a fraction (``0.01``), from 0 up to 1."""

    name = "share"

    def convert(self, value, param, ctx):
        """The typed share as a fraction from 0 up to (not including) 1; a clear usage error
        otherwise."""
        if isinstance(value, float):
            return value
        text = str(value).strip()
        try:
            x = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            self.fail(f"{value!r} is not a share: type e.g. 1% or 0.01", param, ctx)
        if not 0 <= x < 1:
            self.fail(f"{value!r} must be from 0% up to 100% (e.g. 1% or 0.01)", param, ctx)
        return x


@main.command(name="alternatives")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Alternatives workbook (default: <input>_alternatives.xlsx).",
)
@click.option(
    "--count",
    type=click.IntRange(min=1, max=100),
    default=5,
    show_default=True,
    help="Portfolios to find, the optimum included.",
)
@click.option(
    "--within",
    type=Share(),
    default="1%",
    show_default=True,
    help="How far below the optimum an alternative may be, e.g. 1% or 0.01.",
)
@click.option(
    "--min-difference",
    type=click.IntRange(min=1),
    default=3,
    show_default=True,
    help="Initiatives (in or out) in which every two portfolios must differ.",
)
@_solver_options
@_report_option
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def alternatives_command(
    ctx: Context,
    path: str,
    output: str | None,
    count: int,
    within: float,
    min_difference: int,
    solver_name,
    time_limit,
    gap,
    report_path: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Portfolios almost as good as the best that differ in what matters: up to --count, each
    within --within of the optimum, every two differing in at least --min-difference initiatives.

    \b
    Example:
      portfolio-opt alternatives plan.xlsx -o alternatives.xlsx --count 5 --within 1% --min-difference 3
    """
    output = output or _default_output(path, "alternatives")
    _check_output(output, (path,), force, report_path)

    def body() -> None:
        a = run_alternatives(_read_with_overrides(path, solver_name, gap, time_limit), count, within, min_difference)
        save_alternatives(a, output, force=force)
        _deliver(output, report_path, force, as_json, alternatives_to_dict(a), alternatives_lines(a, output))

    _run(ctx, as_json, body)


@main.command(name="robustness")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Robustness workbook (default: <input>_robustness.xlsx)."
)
@click.option(
    "--samples",
    type=click.IntRange(min=2, max=100_000),
    default=200,
    show_default=True,
    help="Versions of the estimates to re-optimize.",
)
@click.option(
    "--spread",
    type=Share(),
    default="20%",
    show_default=True,
    help="± around an estimate without a range, e.g. 20% or 0.2.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**32 - 1),
    default=None,
    help="Random seed (default: the Seed setting, else 1); the same seed gives the same report.",
)
@_solver_options
@_cluster_option
@_report_option
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def robustness_command(
    ctx: Context,
    path: str,
    output: str | None,
    samples: int,
    spread: float,
    seed: int | None,
    solver_name,
    time_limit,
    gap,
    cluster: str | None,
    report_path: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Re-optimize many versions of the estimates: which choices are solid (core), which hinge
    on a guess (borderline), the baseline's regret, and its value corrected for the optimizer's curse.

    \b
    Example:
      portfolio-opt robustness plan.xlsx -o robustness.xlsx --samples 200 --spread 20%
      portfolio-opt robustness plan.xlsx --cluster tcp://scheduler:8786
    """
    output = output or _default_output(path, "robustness")
    _check_output(output, (path,), force, report_path)

    def body() -> None:
        plan = _read_with_overrides(path, solver_name, gap, time_limit)
        with on_cluster(_where(cluster, plan)):
            r = run_robustness(plan, samples=samples, spread=spread, seed=seed)
        save_robustness(r, output, force=force)
        _deliver(output, report_path, force, as_json, robustness_to_dict(r), robustness_lines(r, output))

    _run(ctx, as_json, body)


@main.command(name="review")
@click.argument("last", type=click.Path(exists=True, dir_okay=False))
@click.argument("this", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default="review.xlsx", show_default=True, help="Review workbook."
)
@_solver_options
@_report_option
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def review_command(
    ctx: Context,
    last: str,
    this: str,
    output: str,
    solver_name,
    time_limit,
    gap,
    report_path: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """The quarterly review: what changed since last quarter (estimates, status, added and
    dropped initiatives, settings), what each change did to the portfolio, and the value realized.

    LAST is last quarter's results workbook (or plan); THIS is this quarter's planning workbook.

    \b
    Example:
      portfolio-opt review q1_result.xlsx q2_plan.xlsx -o review.xlsx
    """
    _check_output(output, (last, this), force, report_path)

    def body() -> None:
        before = _read_with_overrides(last, solver_name, gap, time_limit)
        now = _read_with_overrides(this, solver_name, gap, time_limit)
        r = run_review(
            before, now, os.path.splitext(os.path.basename(last))[0], os.path.splitext(os.path.basename(this))[0]
        )
        save_review(r, output, force=force)
        _deliver(output, report_path, force, as_json, review_to_dict(r), review_lines(r, output))

    _run(ctx, as_json, body)


@main.command(name="report")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="The page to write (default: <input>.html).")
@click.option(
    "--pdf",
    "pdf",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also print it to PDF with headless Chromium (apt-get install chromium).",
)
@click.option("--title", default=None, help="The page's title (default: from the workbook's name).")
@click.option("--force", is_flag=True, help="Replace the output files if they exist.")
@click.pass_obj
def report_command(
    ctx: Context, path: str, output: str | None, pdf: str | None, title: str | None, force: bool
) -> None:
    """One self-contained page leadership reads (HTML, offline, prints cleanly) from any workbook
    this tool writes: results, scenarios, frontier, comparison, risk, robustness, review, alternatives.

    \b
    Example:
      portfolio-opt report result.xlsx -o report.html --pdf report.pdf --title "FY27 ML portfolio"
    """
    output = output or os.path.splitext(path)[0] + ".html"
    _check_report(output, force, path)
    if pdf is not None:
        if not pdf.lower().endswith(".pdf"):
            raise click.UsageError(f"the PDF {pdf} must end in .pdf")
        if os.path.exists(pdf) and not force:
            raise click.UsageError(f"{pdf} already exists: choose another name, or pass --force to replace it")

    def body() -> None:
        write_report(path, output, title=title, pdf=pdf, force=force)
        click.echo(f"Wrote {output}" + (f" and {pdf}" if pdf else ""))

    _run(ctx, False, body)


def _default_output(path: str, what: str) -> str:
    stem, _ = os.path.splitext(path)
    return f"{stem}_{what}.xlsx"


@main.command(name="explain")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("wanted_id", metavar="INITIATIVE_ID")
@click.option("--budget", type=click.FloatRange(min=0), help="Budget (maximum total Cost); overrides Settings.")
@click.option("--solver", "solver_name", type=click.Choice(["highs", "cbc"]), help="Solver (default highs).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Time limit per solve, seconds.")
@click.option("--gap", type=click.FloatRange(min=0, max=1, max_open=True), help="Relative optimality gap.")
@click.option(
    "--explain-time",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help=f"Seconds the re-solves may take (default: {TIME_FACTOR}x the solve, at least {MIN_TIME:g} s).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def explain_command(
    ctx: Context,
    path: str,
    wanted_id: str,
    budget: float | None,
    solver_name: str | None,
    time_limit: float | None,
    gap: float | None,
    explain_time: float | None,
    as_json: bool,
) -> None:
    """Tell one initiative's story: why in or out, and what it would take.

    \b
    Example:
      portfolio-opt explain plan.xlsx INI-007
    """

    def body() -> None:
        plan = read_plan(path)
        initiative_id = plan.resolve(wanted_id) or wanted_id
        if initiative_id not in plan:
            folded = {i.id.casefold(): i.id for i in plan.initiatives}
            close = [folded[c] for c in difflib.get_close_matches(initiative_id.casefold(), list(folded), n=3)]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise click.BadParameter(
                f"{initiative_id!r} is not an ID in {os.path.basename(path)}{hint}", param_hint="INITIATIVE_ID"
            )
        result = run_optimize(plan, budget=budget, solver_name=solver_name, gap=gap, time_limit=time_limit)
        result = explain(result, initiative_ids=[initiative_id], limits=False, time_budget=explain_time)
        lines = story(result, initiative_id)
        if as_json:
            data = result_to_dict(result)
            entry = next(i for i in data["initiatives"] if i["id"] == initiative_id)
            _print_json({"status": data["status"], "objective": data["objective"], "initiative": entry, "story": lines})
        else:
            for line in lines:
                click.echo(line)

    _run(ctx, as_json, body)


if __name__ == "__main__":  # pragma: no cover
    main()
