"""The commands of the plan of record: ``approve``, ``reject``, ``policy``, ``history``,
``diff`` and ``audit verify``, each a few calls of the public library's :class:`~portfolio_opt.Store`."""

from __future__ import annotations

import os

import click

import portfolio_opt as po
from portfolio_opt.cli.commands import INPUT, command, main
from portfolio_opt.cli.options import db_option, force_option, json_option, options, output_option
from portfolio_opt.cli.running import print_json, run

STORE_HELP = "The plan-of-record store: a URL or a file (default: PORTFOLIO_OPT_DB, else the default store)."
WHO = (
    click.Option(
        ["--by", "by"], required=True, metavar="NAME", help="Who decides (self-declared: the store does not check it)."
    ),
    click.Option(["--role"], required=True, metavar="ROLE", help="In which role, e.g. Finance (self-declared too)."),
    click.Option(
        ["--period"],
        default=None,
        metavar="PERIOD",
        help="The period it is the plan of record for, e.g. 2027-Q1 (default: the plan's Review date's quarter, "
        "else its First period).",
    ),
)


def _answer(found, as_json: bool) -> None:
    """Print what the store answered: its JSON, or its lines."""
    if as_json:
        print_json(found.to_dict())
    else:
        for line in found.lines():
            click.echo(line)


@command()
@click.argument("path", metavar="RESULT", type=INPUT)
@options(*WHO)
@click.option("--note", default="", help="Why, or on what condition.")
@options(db_option(STORE_HELP), json_option())
def approve(path: str, by: str, role: str, period: str | None, note: str, db: str | None, as_json: bool) -> None:
    """Approve the portfolio of a results workbook for a period; once every role the policy
    requires has approved, it is the period's plan of record and never changes.

    The run is the one the workbook's Run info names (Run ID and Input SHA-256); a workbook
    changed after it was written is refused, saying which sheets changed.

    \b
    Example:
      portfolio-opt approve result.xlsx --by "Ann Lee" --role Finance --period 2027-Q1
    """
    with po.open_store(db) as store:
        _answer(store.approve(path, by, role, period, note), as_json)


@command()
@click.argument("path", metavar="RESULT", type=INPUT)
@options(*WHO)
@click.option("--note", required=True, help="Why it is rejected.")
@options(db_option(STORE_HELP), json_option())
def reject(path: str, by: str, role: str, period: str | None, note: str, db: str | None, as_json: bool) -> None:
    """Reject the portfolio of a results workbook for a period, saying why; it withdraws that
    role's approval of it.

    \b
    Example:
      portfolio-opt reject result.xlsx --by "Bo Chen" --role Product --note "No churn work in Q1"
    """
    with po.open_store(db) as store:
        _answer(store.reject(path, by, role, period, note), as_json)


@command()
@click.option(
    "--require", "roles", multiple=True, metavar="ROLE", help="A role that must approve (repeat it for each)."
)
@click.option("--any-role", is_flag=True, help="Back to the default: one approval, by any role.")
@click.option("--by", "by", default="", metavar="NAME", help="Who sets the policy (self-declared).")
@options(db_option(STORE_HELP), json_option())
def policy(roles: tuple[str, ...], any_role: bool, by: str, db: str | None, as_json: bool) -> None:
    """Say which roles must approve a portfolio for it to become a period's plan of record, or
    show the policy in force (default: one approval, by any role).

    \b
    Example:
      portfolio-opt policy --require Finance --require Product --by "PMO"
    """
    if roles and any_role:
        raise click.UsageError("--require and --any-role say different things: give one")
    with po.open_store(db) as store:
        found = store.set_policy(roles if roles else (), by) if (roles or any_role) else store.policy()
    if as_json:
        print_json(found.to_dict())
    else:
        click.echo(f"Policy: {found.words()}")


@command()
@click.option(
    "--period", default=None, metavar="PERIOD", help="Only this period: its plan of record, approvals and runs."
)
@options(output_option("Also write the record as a workbook (plans of record by period, approvals, runs)."))
@options(force_option(), db_option(STORE_HELP), json_option())
def history(period: str | None, output: str | None, force: bool, db: str | None, as_json: bool) -> None:
    """List the plans of record, approvals, runs and plans in the store.

    \b
    Example:
      portfolio-opt history --period 2027-Q1
      portfolio-opt history -o record.xlsx
    """
    if output is not None:
        if not output.lower().endswith(".xlsx"):
            raise click.UsageError(f"the output {output} must end in .xlsx")
        if os.path.exists(output) and not force:
            raise click.UsageError(f"{output} already exists: choose another name, or pass --force to replace it")
    with po.open_store(db) as store:
        found = store.history(period)
        if output is not None:
            store.write_history(output, period, force=force)
    _answer(found, as_json)
    if output is not None and not as_json:
        click.echo(f"Wrote {output}")


@command(name="diff")
@click.argument("a")
@click.argument("b")
@options(db_option(STORE_HELP), json_option())
def diff_command(a: str, b: str, db: str | None, as_json: bool) -> None:
    """Say what changed between two portfolios and why: which initiatives entered and left, and
    for each the change that made it (its own inputs, a rule, the budget or a limit).

    A and B are periods (their plans of record), run ids, or workbooks.

    \b
    Example:
      portfolio-opt diff 2027-Q1 2027-Q2
      portfolio-opt diff q1_result.xlsx q2_result.xlsx
    """
    if os.path.isfile(a) and os.path.isfile(b):
        (a_name, a_plan), (b_name, b_plan) = po.read_plans([a, b])
        found = po.diff_portfolios(a_plan, b_plan, a_name=a_name, b_name=b_name)
    else:
        with po.open_store(db) as store:
            found = store.diff(a, b)
    if as_json:
        print_json(po.to_dict(found))
    else:
        for line in po.to_lines(found):
            click.echo(line)


@main.group(name="audit")
def audit() -> None:
    """Check the plan of record.

    \b
    Example:
      portfolio-opt audit verify
    """


@audit.command(name="verify")
@options(db_option(STORE_HELP), json_option())
def verify(db: str | None, as_json: bool) -> None:
    """Walk the record's hash chain and name the first event that does not match (exit 11), or
    say that every event and row verifies.

    \b
    Example:
      portfolio-opt audit verify --db postgresql://pmo@db/portfolio
    """

    def body() -> int:
        with po.open_store(db) as store:
            found = store.verify()
        _answer(found, as_json)
        return found.exit_code

    run(body, as_json=as_json)
