"""The ``portfolio-opt`` command: a thin layer over the library.

Each command calls one library function, turns library errors into a clean message and the
documented exit code, and prints. No business logic lives here.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import traceback
from typing import Any, Callable

import click

from . import __version__
from .errors import (
    EXIT_BUG,
    EXIT_CODES,
    EXIT_USAGE,
    Infeasible,
    InvalidWorkbook,
    PortfolioError,
)
from .explain import DEFAULT_MAX, explain
from .io import read_plan, save_results, write_template
from .optimize import optimize as run_optimize
from .report import result_to_dict, story, summary_lines

MAX_PROBLEMS_SHOWN = 200


class Context:
    def __init__(self, debug: bool):
        self.debug = debug


def _echo_err(text: str = "") -> None:
    click.echo(text, err=True)


def _print_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))


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
        if exc.relaxations:
            _echo_err("Any one of these changes makes the plan feasible:")
            for text in exc.relaxations:
                _echo_err(f"  - {text}")
        if as_json:
            _print_json(exc.to_dict())
        return
    _echo_err(f"Error: {exc}")
    if as_json:
        _print_json({"status": "error", "exit_code": exc.exit_code, "message": str(exc)})


def _run(ctx: Context, as_json: bool, body: Callable[[], int | None]) -> None:
    try:
        code = body() or 0
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
    except Exception as exc:  # a bug: say so plainly
        if ctx.debug:
            traceback.print_exc()
        else:
            _echo_err(f"Internal error: {type(exc).__name__}: {exc}")
            _echo_err("This is a bug in portfolio_opt. Rerun with --debug and report the output.")
        sys.exit(EXIT_BUG)
    sys.exit(code)


def _check_output(output: str, inputs: tuple[str, ...], force: bool) -> None:
    for path in inputs:
        if os.path.exists(output) and os.path.samefile(output, path):
            raise click.UsageError(f"the output {output} is the input workbook: results always go to a new file")
        if os.path.abspath(output) == os.path.abspath(path):
            raise click.UsageError(f"the output {output} is the input workbook: results always go to a new file")
    if os.path.exists(output) and not force:
        raise click.UsageError(f"{output} already exists: choose another name with -o, or pass --force to replace it")
    if not output.lower().endswith(".xlsx"):
        raise click.UsageError(f"the output {output} must end in .xlsx")


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
            _print_json({
                "status": "valid",
                "initiatives": len(plan.initiatives),
                "limits": [lim.name for lim in limits],
                "warnings": list(plan.warnings),
            })
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
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Results workbook to write (default: <input>_result.xlsx).")
@click.option("--budget", type=click.FloatRange(min=0), help="Budget (maximum total Cost); overrides Settings.")
@click.option("--solver", "solver_name", type=click.Choice(["highs", "cbc"]), help="Solver (default highs, or the Settings value).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Stop after this many seconds with the best portfolio found.")
@click.option("--gap", type=click.FloatRange(min=0, max=1, max_open=True), help="Relative optimality gap (default 0.0001 = 0.01%; 0 asks for a proof).")
@click.option("--explain-limit", type=click.IntRange(min=0), default=DEFAULT_MAX, show_default=True,
              help="Explain (regret, break-even) at most this many initiatives: the selected and the closest candidates first; 0 skips it.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout and nothing else there.")
@click.pass_obj
def optimize(ctx: Context, path: str, output: str | None, budget: float | None, solver_name: str | None,
             time_limit: float | None, gap: float | None, explain_limit: int, force: bool, as_json: bool) -> None:
    """Choose the portfolio of highest expected value within every limit.

    Writes the results workbook (Summary, Ranking, the input sheets as used, Run info) to a
    new file and prints a short summary.

    \b
    Example:
      portfolio-opt optimize plan.xlsx -o result.xlsx --budget 12000000
    """
    if output is None:
        stem, _ = os.path.splitext(path)
        output = f"{stem}_result.xlsx"
    _check_output(output, (path,), force)

    def body() -> None:
        plan = read_plan(path)
        result = run_optimize(plan, budget=budget, solver_name=solver_name, gap=gap, time_limit=time_limit)
        if explain_limit:
            result = explain(result, max_initiatives=explain_limit)
        save_results(result, output, force=force)
        if as_json:
            _print_json(result_to_dict(result, output))
        else:
            for line in summary_lines(result, output):
                click.echo(line)
        for w in result.warnings:
            _echo_err(f"Warning: {w}")

    _run(ctx, as_json, body)


@main.command(name="explain")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("initiative_id")
@click.option("--budget", type=click.FloatRange(min=0), help="Budget (maximum total Cost); overrides Settings.")
@click.option("--solver", "solver_name", type=click.Choice(["highs", "cbc"]), help="Solver (default highs).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Time limit per solve, seconds.")
@click.option("--gap", type=click.FloatRange(min=0, max=1, max_open=True), help="Relative optimality gap.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.pass_obj
def explain_command(ctx: Context, path: str, initiative_id: str, budget: float | None, solver_name: str | None,
                    time_limit: float | None, gap: float | None, as_json: bool) -> None:
    """Tell one initiative's story: why in or out, and what it would take.

    \b
    Example:
      portfolio-opt explain plan.xlsx INI-007
    """

    def body() -> None:
        plan = read_plan(path)
        if initiative_id not in plan:
            close = difflib.get_close_matches(initiative_id, [i.id for i in plan.initiatives], n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise click.BadParameter(f"{initiative_id!r} is not an ID in {os.path.basename(path)}{hint}",
                                     param_hint="INITIATIVE_ID")
        result = run_optimize(plan, budget=budget, solver_name=solver_name, gap=gap, time_limit=time_limit)
        result = explain(result, initiative_ids=[initiative_id], limits=False)
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
