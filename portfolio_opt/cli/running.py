"""How every command runs: beside the main thread (so Ctrl-C and SIGTERM act at once), with its
progress on stderr, every library error said plainly with its fix and turned into its exit
code, and anything else called a bug."""

from __future__ import annotations

import os
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import click

import portfolio_opt as po
from portfolio_opt.cli.progress import ProgressLine

#: An invalid workbook lists at most this many problems on stderr (--json has them all)
MOST_PROBLEMS_SHOWN = 200


def echo_err(text: str = "") -> None:
    """A line for people on stderr (stdout is kept for results and JSON)."""
    click.echo(text, err=True)


def print_json(data: dict[str, Any]) -> None:
    """One JSON object on stdout."""
    click.echo(po.to_json(data))


def warn(texts) -> None:
    """Warnings on stderr, each on its own line."""
    for text in texts:
        echo_err(f"Warning: {text}")


def report_error(exc: po.PortfolioError, as_json: bool) -> None:
    """Say what went wrong and how to fix it: on stderr, and as JSON on stdout with --json."""
    if isinstance(exc, po.InvalidWorkbook):
        n = len(exc.problems)
        echo_err(f"{exc.source or 'workbook'}: {n} problem{'s' if n != 1 else ''} to fix:")
        for p in exc.problems[:MOST_PROBLEMS_SHOWN]:
            echo_err(f"  {p}")
        if n > MOST_PROBLEMS_SHOWN:
            echo_err(f"  ... and {n - MOST_PROBLEMS_SHOWN} more (all of them are in --json)")
        warn(exc.warnings)  # with the problems, not only once they are fixed
        if as_json:
            print_json(exc.to_dict())
        return
    if isinstance(exc, po.Infeasible):
        echo_err("Infeasible: no portfolio meets every limit and decision.")
        if exc.conflict:
            echo_err("These cannot all hold together (drop or move any one of them):")
            for item in exc.conflict:
                echo_err(f"  - {item.name}: {item.detail}")
        whole = [c.text for c in exc.changes if c.whole_plan]
        partial = [c.text for c in exc.changes if not c.whole_plan]
        if whole:
            echo_err("Any one of these changes makes the plan feasible:")
            for text in whole:
                echo_err(f"  - {text}")
        if partial:  # said once, as a heading, of every change that leaves other conflicts
            echo_err("Each of these resolves the conflict above, but the plan has other conflicts too:")
            for text in partial:
                echo_err(f"  - {text}")
        if exc.note:
            echo_err(f"Note: {exc.note}")
        if as_json:
            print_json(exc.to_dict())
        return
    echo_err(f"Error: {exc}")
    if as_json:
        print_json({"status": "error", "exit_code": exc.exit_code, "message": str(exc)})


def run(body: Callable[[], int | None], as_json: bool = False) -> None:
    """Run a command's ``body`` and exit with its code: 0, a library error's code (the error
    said on stderr, and as JSON on stdout with ``as_json``), 130 or 143 when stopped (nothing
    written), or 1 for a bug (a traceback with --debug)."""
    context = click.get_current_context()
    debug = context.find_root().params.get("debug", False)

    def job() -> int | None:
        # the command's click context goes with it into its thread (click keeps one per thread)
        with (
            context.scope(cleanup=False),
            po.on_progress(ProgressLine()),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always", po.TextCut)
            try:
                return body()
            finally:  # never silently: a cell whose text was cut is named
                warn(w.message for w in caught if issubclass(w.category, po.TextCut))

    def on_stop(code: int) -> None:
        echo_err("")
        echo_err(f"{'Interrupted' if code == po.EXIT_INTERRUPTED else 'Stopped'}: nothing was written.")
        if as_json:
            print_json({"status": "interrupted", "exit_code": code, "message": "nothing was written"})

    try:
        # the command runs beside the main thread, which stays free to act on Ctrl-C or SIGTERM
        # at once (a solver may hold the command inside C code for minutes)
        code = po.run_interruptibly(job, on_stop) or 0
    except po.PortfolioError as exc:
        if debug:
            traceback.print_exc()
        report_error(exc, as_json)
        sys.exit(exc.exit_code)
    except (click.exceptions.Exit, click.ClickException):
        raise
    except KeyboardInterrupt:
        echo_err("Interrupted: nothing was written.")
        sys.exit(po.EXIT_INTERRUPTED)
    except BrokenPipeError:
        # the reader of stdout went away (e.g. `| head`): what it wanted was printed
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # a bug: say so plainly
        if debug:
            traceback.print_exc()
        else:
            echo_err(f"Internal error: {type(exc).__name__}: {exc}")
            echo_err("This is a bug in portfolio_opt. Rerun with --debug and report the output.")
        sys.exit(po.EXIT_BUG)
    sys.exit(code)
