"""The options commands share, each declared once, and what a command that writes a workbook
does before and after its work (:class:`Output`), its run recorded when a store is configured."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

import portfolio_opt as po
from portfolio_opt.cli.recording import DB_HELP, Recording
from portfolio_opt.cli.running import echo_err, print_json, warn

JSON_HELP = "Print one JSON object on stdout."


def json_option(help: str = JSON_HELP) -> click.Option:
    """--json: the answer as one JSON object on stdout (errors too)."""
    return click.Option(["--json", "as_json"], is_flag=True, help=help)


def force_option(help: str = "Replace the output file if it exists.") -> click.Option:
    """--force: an existing output file is replaced."""
    return click.Option(["--force"], is_flag=True, help=help)


def output_option(help: str, default: str | None = None) -> click.Option:
    """-o/--output: the file to write."""
    return click.Option(
        ["-o", "--output"], type=click.Path(dir_okay=False), default=default, show_default=bool(default), help=help
    )


def report_option() -> click.Option:
    """--report: the leadership page of the workbook written, as well."""
    return click.Option(
        ["--report", "report_path"],
        type=click.Path(dir_okay=False),
        default=None,
        help="Also write the leadership page (one self-contained HTML file) of the output workbook.",
    )


def db_option(help: str = DB_HELP) -> click.Option:
    """--db: the plan-of-record store (a URL or a file)."""
    return click.Option(["--db"], metavar="URL", default=None, help=help)


def _add(f: Callable, *options: click.Option) -> Callable:
    """Declare ``options`` on a command function, shown in the order given, after the options
    declared above this and before those declared below (click lists them in reverse)."""
    params = f.__dict__.setdefault("__click_params__", [])
    params.extend(reversed(options))
    return f


def options(*declared: click.Option) -> Callable[[Callable], Callable]:
    """A decorator declaring ready-made options where it stands."""
    return lambda f: _add(f, *declared)


def budget_option() -> click.Option:
    """--budget: the budget, instead of the workbook's."""
    return click.Option(
        ["--budget"], type=click.FloatRange(min=0), help="Budget (maximum total Cost); overrides Settings."
    )


def cluster_option(
    help: str = "Run the solves on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786; "
    "default: the Settings Cluster, else this machine).",
) -> click.Option:
    """--cluster: where the solves run (see :func:`portfolio_opt.cluster`)."""
    return click.Option(["--cluster"], metavar="ADDRESS", default=None, help=help)


def solving(
    solver: str = "Solver (default highs).",
    time_limit: str = "Time limit per solve, seconds.",
    gap: str = "Relative optimality gap per solve.",
) -> Callable[[Callable], Callable]:
    """--solver, --time-limit and --gap (with these helps), given to the command as one
    ``solve`` dict: what :func:`portfolio_opt.read_plan` and :func:`portfolio_opt.optimize`
    take as ``solver_name``, ``time_limit`` and ``gap`` (None keeps the workbook's setting)."""

    def decorate(f: Callable) -> Callable:
        @functools.wraps(f)
        def command(*args, solver_name, time_limit, gap, **kwargs):
            return f(*args, solve={"solver_name": solver_name, "time_limit": time_limit, "gap": gap}, **kwargs)

        return _add(
            command,
            click.Option(["--solver", "solver_name"], type=click.Choice(["highs", "cbc"]), help=solver),
            click.Option(["--time-limit"], type=click.FloatRange(min=0, min_open=True), help=time_limit),
            click.Option(["--gap"], type=click.FloatRange(min=0, max=1, max_open=True), help=gap),
        )

    return decorate


@dataclass(frozen=True)
class Output:
    """Where a command's workbook goes (``path``), the page to add (``report``), and how the
    command answers: replacing files (``force``), one JSON object on stdout (``as_json``)."""

    path: str
    report: str | None = None
    force: bool = False
    as_json: bool = False
    db: str | None = None  #: --db: the plan-of-record store to record the run in

    def recording(self, *plans: po.Plan) -> Recording:
        """Start recording the run decided on ``plans`` (when a store is configured)."""
        return Recording(self.db, plans)

    def check(self, inputs: tuple[str, ...]) -> None:
        """Before any work: the output and the page are new files of their kind, never an input."""
        for path in inputs:
            same = os.path.exists(self.path) and os.path.samefile(self.path, path)
            if same or os.path.abspath(self.path) == os.path.abspath(path):
                raise click.UsageError(f"the output {self.path} is the input workbook: results always go to a new file")
        if os.path.exists(self.path) and not self.force:
            raise click.UsageError(
                f"{self.path} already exists: choose another name with -o, or pass --force to replace it"
            )
        if not self.path.lower().endswith(".xlsx"):
            raise click.UsageError(f"the output {self.path} must end in .xlsx")
        check_page(self.report, self.force, self.path)

    def deliver(self, result: Any, warnings=(), record: Recording | None = None) -> int:
        """What a command does once ``result`` is saved to :attr:`path`: its ``warnings`` on
        stderr, the page when asked (--report), then one JSON object on stdout (--json) or the
        lines for people, and what became of its ``record``. Returns the exit code: 0, or the
        store's when the run could not be recorded (its output is written all the same)."""
        warn(warnings)
        if self.report:
            po.write_report(self.path, self.report, force=self.force)
            echo_err(f"Wrote the report {self.report}")
        entry = record.to_dict() if record is not None else None
        if self.as_json:
            print_json(po.to_dict(result, self.path) | ({"record": entry} if entry else {}))
        else:
            for line in po.to_lines(result, self.path):
                click.echo(line)
        if record is not None and not (self.as_json and record.error is None):
            record.say(self.path)
        return record.exit_code if record is not None else 0


def check_page(page: str | None, force: bool, workbook: str) -> None:
    """A page to write (--report, or report's -o) is checked before any work, as -o is."""
    if not page:
        return
    if not page.lower().endswith((".html", ".htm")):
        raise click.UsageError(f"the report {page} must end in .html")
    if os.path.abspath(page) == os.path.abspath(workbook):
        raise click.UsageError("the report and the output workbook must be two files")
    if os.path.exists(page) and not force:
        raise click.UsageError(f"{page} already exists: choose another name, or pass --force to replace it")


def default_output(path: str, what: str) -> str:
    """``plan.xlsx`` -> ``plan_<what>.xlsx``, beside it."""
    stem, _ = os.path.splitext(path)
    return f"{stem}_{what}.xlsx"


def writes(
    what: str, suffix: str | None = None, default: str | None = None, json_help: str = JSON_HELP
) -> Callable[[Callable], Callable]:
    """The options every command that writes a workbook shares, declared once: -o/--output
    first (``what`` the workbook is; by default ``default``, or ``<input>_<suffix>.xlsx``), and
    --report, --force and --json last. The command gets them as one ``out`` (:class:`Output`),
    checked before any work against its inputs (its arguments)."""

    def decorate(f: Callable) -> Callable:
        @functools.wraps(f)
        def command(*args, output, report_path, force, as_json, db, **kwargs):
            inputs = _inputs(kwargs)
            if not output:  # not given (click gives the ``default``), or given empty
                if default:
                    output = default
                else:
                    assert suffix is not None, f"{what}: writes() needs a default or a suffix"
                    output = default_output(inputs[0], suffix)
            out = Output(output, report_path, force, as_json, db)
            out.check(inputs)
            return f(*args, out=out, **kwargs)

        hint = f"{what}." if default else f"{what} (default: <input>_{suffix}.xlsx)."
        params = command.__dict__.setdefault("__click_params__", [])
        # -o leads, before the options the command declares below this; the rest close the list
        params[:0] = reversed([report_option(), force_option(), json_option(json_help), db_option()])
        return _add(command, output_option(hint, default))

    return decorate


def _inputs(kwargs: dict[str, Any]) -> tuple[str, ...]:
    """The workbooks a command reads: the values of its arguments, in order."""
    out: list[str] = []
    for param in click.get_current_context().command.params:
        if isinstance(param, click.Argument):
            value = kwargs[param.name]
            out += list(value) if isinstance(value, tuple) else [value]
    return tuple(out)


class Share(click.ParamType):
    """A share typed as a percentage (``1%``) or a fraction (``0.01``), from 0 up to 1."""

    name = "share"

    def convert(self, value, param, ctx):
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
