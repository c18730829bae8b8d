"""The commands of ``portfolio-opt``, each a few calls of the public library
(:data:`portfolio_opt.__all__`) between its options and what it prints."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

import click

import portfolio_opt as po
from portfolio_opt.cli.options import (
    Output,
    Share,
    budget_option,
    check_page,
    cluster_option,
    db_option,
    force_option,
    json_option,
    options,
    output_option,
    solving,
    writes,
)
from portfolio_opt.cli.running import print_json, run, warn

EPILOG = "\b\nExit codes:\n" + "\n".join(f"  {k}  {v}" for k, v in po.EXIT_CODES.items())
INPUT = click.Path(exists=True, dir_okay=False)


@click.group(epilog=EPILOG)
@click.version_option(po.__version__, prog_name="portfolio-opt")
@click.option("--debug", is_flag=True, help="Show a traceback for errors (for bug reports).")
def main(debug: bool) -> None:
    """Choose which initiatives to fund: exact portfolio optimization from Excel.

    \b
    Example:
      portfolio-opt template plan.xlsx --example
      portfolio-opt optimize plan.xlsx -o result.xlsx --budget 12000000
    """


def command(name: str | None = None) -> Callable[[Callable], click.Command]:
    """A command of ``portfolio-opt`` whose function is all it does: it runs as every command
    runs (:func:`portfolio_opt.cli.running.run`), answering in JSON when it has --json."""

    def decorate(f: Callable) -> click.Command:
        @functools.wraps(f)
        def body(**kwargs) -> None:
            run(lambda: f(**kwargs), as_json=kwargs.get("as_json", False))

        return main.command(name=name)(body)

    return decorate


def _on_cluster(option: str | None, plan: po.Plan):
    """Where a sweep runs: --cluster, else the plan's Cluster setting, else this machine."""
    return po.cluster(option or plan.settings.cluster)


@command()
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--example", is_flag=True, help="Fill it with the shipped sample portfolio.")
@options(force_option("Replace the file if it exists."))
def template(path: str, example: bool, force: bool) -> None:
    """Write a blank planning workbook (instructions, drop-downs, units).

    \b
    Example:
      portfolio-opt template plan.xlsx --example
    """
    if os.path.exists(path) and not force:
        raise click.UsageError(f"{path} already exists: choose another name, or pass --force to replace it")
    if not path.lower().endswith(".xlsx"):
        raise click.UsageError(f"{path} must end in .xlsx")
    po.write_template(path, example=example, force=force)
    what = "sample planning workbook" if example else "blank planning workbook"
    click.echo(f"Wrote {what} {path}")
    click.echo(f"Next: portfolio-opt validate {path}")


@command()
@click.argument("path", type=INPUT)
@options(json_option("Print the problems as one JSON object."))
def validate(path: str, as_json: bool) -> None:
    """Check a planning workbook and list every problem by sheet and cell.

    \b
    Example:
      portfolio-opt validate plan.xlsx
    """
    plan = po.read_plan(path)
    warn(plan.warnings)
    limits = plan.all_limits()
    if as_json:
        print_json(
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


@command()
@click.argument("path", type=INPUT)
@writes(
    "Results workbook to write", suffix="result", json_help="Print one JSON object on stdout and nothing else there."
)
@options(budget_option())
@solving(
    solver="Solver (default highs, or the Settings value).",
    time_limit="Stop after this many seconds with the best portfolio found.",
    gap="Relative optimality gap (default 0.0001 = 0.01%; 0 asks for a proof).",
)
@click.option(
    "--explain-limit",
    type=click.IntRange(min=0),
    default=None,
    help=f"Explain (regret, break-even) at most this many initiatives: the selected and the closest "
    f"candidates first; 0 skips it. Default: all up to {po.FULL_UP_TO}, beyond that {po.WORK:,} / initiatives.",
)
@click.option(
    "--explain-time",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help=f"Seconds the explanations may take in all (default: {po.TIME_FACTOR}x the solve, at least "
    f"{po.MIN_TIME:g} s); figures not settled in time say so.",
)
@options(
    cluster_option(
        "Run the explanations' re-solves on the Dask cluster at ADDRESS (default: the Settings Cluster, "
        "else this machine)."
    )
)
def optimize(
    path: str,
    out: Output,
    budget: float | None,
    solve: dict,
    explain_limit: int | None,
    explain_time: float | None,
    cluster: str | None,
) -> int:
    """Choose the portfolio of highest expected value within every limit.

    Writes the results workbook (Summary, Ranking, the input sheets as used, Run info) to a
    new file and prints a short summary.

    \b
    Example:
      portfolio-opt optimize plan.xlsx -o result.xlsx --budget 12000000
    """
    plan = po.read_plan(path)
    record = out.recording(plan)
    result = po.optimize(plan, budget=budget, **solve)
    if explain_limit is None or explain_limit > 0:
        with _on_cluster(cluster, plan):
            limit = po.AUTO if explain_limit is None else explain_limit
            result = po.explain(result, max_initiatives=limit, time_budget=explain_time)
    po.save_results(result, out.path, force=out.force, run_id=record.ready())
    record.record("optimize", result, out.path)
    code = out.deliver(result, record=record)
    warn(result.warnings)
    return code


@command(name="frontier")
@click.argument("path", type=INPUT)
@writes("Frontier workbook", suffix="frontier")
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
@solving()
@options(cluster_option())
def frontier_command(
    path: str, out: Output, steps: int, lo: float | None, hi: float | None, solve: dict, cluster: str | None
) -> int:
    """Re-optimize at every budget: the true efficient frontier, with a live chart.

    \b
    Example:
      portfolio-opt frontier plan.xlsx -o frontier.xlsx --steps 25 --from 2000000 --to 20000000
    """
    if lo is not None and hi is not None and lo > hi:
        raise click.BadParameter("--from must not be above --to", param_hint="--from")
    plan = po.read_plan(path, **solve)
    record = out.recording(plan)
    with _on_cluster(cluster, plan):
        f = po.frontier(plan, steps=steps, lo=lo, hi=hi)
    po.save_frontier(f, out.path, force=out.force, run_id=record.ready())
    record.record("frontier", f, out.path)
    return out.deliver(f, warnings=f.warnings, record=record)


@command(name="scenarios")
@click.argument("path", type=INPUT)
@writes("Scenarios workbook", suffix="scenarios")
@solving()
@options(cluster_option())
def scenarios_command(path: str, out: Output, solve: dict, cluster: str | None) -> int:
    """Run every scenario of the Scenarios sheet against the baseline and say what moved, and why.

    \b
    Example:
      portfolio-opt scenarios plan.xlsx -o scenarios.xlsx
    """
    plan = po.read_plan(path, **solve)
    record = out.recording(plan)
    with _on_cluster(cluster, plan):
        scenarios = po.run_scenarios(plan)
    po.save_scenarios(scenarios, out.path, force=out.force, run_id=record.ready())
    record.record("scenarios", scenarios, out.path)
    return out.deliver(scenarios, record=record)


@command(name="compare")
@click.argument("paths", nargs=-1, required=True, type=INPUT)
@writes("Comparison workbook", default="comparison.xlsx")
@solving()
def compare_command(paths: tuple[str, ...], out: Output, solve: dict) -> int:
    """Compare plans (workbooks with a Selected column, or results workbooks): value, cost,
    broken rules, and efficiency against the optimum at the same cost.

    \b
    Example:
      portfolio-opt compare cto_plan.xlsx cfo_plan.xlsx -o comparison.xlsx
    """
    plans = po.read_plans(paths, **solve, marked=True)
    record = out.recording(*(plan for _, plan in plans))
    comparison = po.compare(plans)
    po.save_comparison(comparison, out.path, force=out.force, run_id=record.ready())
    record.record("compare", comparison, out.path)
    return out.deliver(comparison, record=record)


@command(name="simulate")
@click.argument("path", type=INPUT)
@writes("Risk workbook", suffix="risk")
@click.option(
    "--samples", type=click.IntRange(min=100, max=10_000_000), default=None, help="Simulated worlds (default 10,000)."
)
@click.option(
    "--seed",
    type=click.IntRange(min=0, max=2**32 - 1),
    default=None,
    help="Random seed (default: the Seed setting, else 1); the same seed gives the same numbers.",
)
@solving()
def simulate_command(path: str, out: Output, samples: int | None, seed: int | None, solve: dict) -> int:
    """Simulate a portfolio's outcomes: the spread, P10/P90, CVaR, the chance of reaching the
    Value target, and which bets drive the downside.

    The portfolio is the one the workbook marks (a Selected column, or a results workbook's
    Ranking); a planning workbook is optimized first.

    \b
    Example:
      portfolio-opt simulate plan.xlsx -o risk.xlsx --samples 20000 --seed 7
    """
    plan = po.read_plan(path, **solve)
    record = out.recording(plan)
    simulation, warnings = po.simulate_plan(plan, samples, seed)
    po.save_simulation(simulation, out.path, force=out.force, warnings=warnings, run_id=record.ready())
    record.record("simulate", simulation, out.path)
    return out.deliver(simulation, warnings=list(plan.warnings) + warnings, record=record)


@command(name="alternatives")
@click.argument("path", type=INPUT)
@writes("Alternatives workbook", suffix="alternatives")
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
@solving()
def alternatives_command(path: str, out: Output, count: int, within: float, min_difference: int, solve: dict) -> int:
    """Portfolios almost as good as the best that differ in what matters: up to --count, each
    within --within of the optimum, every two differing in at least --min-difference initiatives.

    \b
    Example:
      portfolio-opt alternatives plan.xlsx -o alternatives.xlsx --count 5 --within 1% --min-difference 3
    """
    plan = po.read_plan(path, **solve)
    record = out.recording(plan)
    found = po.alternatives(plan, count, within, min_difference)
    po.save_alternatives(found, out.path, force=out.force, run_id=record.ready())
    record.record("alternatives", found, out.path)
    return out.deliver(found, record=record)


@command(name="robustness")
@click.argument("path", type=INPUT)
@writes("Robustness workbook", suffix="robustness")
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
@solving()
@options(cluster_option())
def robustness_command(
    path: str, out: Output, samples: int, spread: float, seed: int | None, solve: dict, cluster: str | None
) -> int:
    """Re-optimize many versions of the estimates: which choices are solid (core), which hinge
    on a guess (borderline), the baseline's regret, and its value corrected for the optimizer's curse.

    \b
    Example:
      portfolio-opt robustness plan.xlsx -o robustness.xlsx --samples 200 --spread 20%
      portfolio-opt robustness plan.xlsx --cluster tcp://scheduler:8786
    """
    plan = po.read_plan(path, **solve)
    record = out.recording(plan)
    with _on_cluster(cluster, plan):
        robust = po.robustness(plan, samples=samples, spread=spread, seed=seed)
    po.save_robustness(robust, out.path, force=out.force, run_id=record.ready())
    record.record("robustness", robust, out.path)
    return out.deliver(robust, record=record)


@command(name="review")
@click.argument("workbooks", nargs=-1, required=True, type=INPUT, metavar="[LAST] THIS")
@writes("Review workbook", default="review.xlsx")
@click.option(
    "--against",
    metavar="PERIOD",
    default=None,
    help="Without LAST: review against this period's plan of record (default: the latest before THIS's "
    "period, else the latest).",
)
@solving()
def review_command(workbooks: tuple[str, ...], out: Output, against: str | None, solve: dict) -> int:
    """The quarterly review: what changed since last quarter (estimates, status, added and
    dropped initiatives, settings), what each change did to the portfolio, and the value realized.

    LAST is last quarter's results workbook (or plan); THIS is this quarter's planning workbook.
    Without LAST, last quarter is its plan of record in the store (--db, PORTFOLIO_OPT_DB, the
    Settings Record, else the default store).

    \b
    Example:
      portfolio-opt review q1_result.xlsx q2_plan.xlsx -o review.xlsx
      portfolio-opt review q2_plan.xlsx -o review.xlsx
    """
    if len(workbooks) > 2:
        raise click.UsageError("review takes last quarter's workbook (optional) and this quarter's: two at most")
    if len(workbooks) == 2:
        (last_name, before), (this_name, now) = po.read_plans(workbooks, **solve)
    else:
        ((this_name, now),) = po.read_plans(workbooks, **solve)
        last_name, before = _plan_of_record(out.db, now, against)
    record = out.recording(now)
    review = po.review_quarters(before, now, last_name, this_name)
    po.save_review(review, out.path, force=out.force, run_id=record.ready())
    record.record("review", review, out.path)
    return out.deliver(review, record=record)


def _plan_of_record(db: str | None, now: po.Plan, against: str | None) -> tuple[str, po.Plan]:
    """Last quarter's plan of record from the store: ``against``'s, else the latest before the
    period ``now`` is for."""
    with po.open_store(po.store_for_run(db, [now])) as store:
        found = store.plan_of_record(against) if against else store.last_plan_of_record(now)
        return f"{found.period} plan of record", store.portfolio_plan(found.run)


@command(name="report")
@click.argument("path", type=INPUT)
@options(output_option("The page to write (default: <input>.html)."))
@click.option(
    "--pdf",
    "pdf",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also print it to PDF with headless Chromium (apt-get install chromium).",
)
@click.option("--title", default=None, help="The page's title (default: from the workbook's name).")
@options(force_option("Replace the output files if they exist."))
def report_command(path: str, output: str | None, pdf: str | None, title: str | None, force: bool) -> None:
    """One self-contained page leadership reads (HTML, offline, prints cleanly) from any workbook
    this tool writes: results, scenarios, frontier, comparison, risk, robustness, review, alternatives.

    \b
    Example:
      portfolio-opt report result.xlsx -o report.html --pdf report.pdf --title "FY27 ML portfolio"
    """
    output = output or os.path.splitext(path)[0] + ".html"
    check_page(output, force, path)
    if pdf is not None:
        if not pdf.lower().endswith(".pdf"):
            raise click.UsageError(f"the PDF {pdf} must end in .pdf")
        if os.path.exists(pdf) and not force:
            raise click.UsageError(f"{pdf} already exists: choose another name, or pass --force to replace it")
    po.write_report(path, output, title=title, pdf=pdf, force=force)
    click.echo(f"Wrote {output}" + (f" and {pdf}" if pdf else ""))


@command(name="explain")
@click.argument("path", type=INPUT)
@click.argument("wanted_id", metavar="INITIATIVE_ID")
@options(budget_option())
@solving(gap="Relative optimality gap.")
@click.option(
    "--explain-time",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help=f"Seconds the re-solves may take (default: {po.TIME_FACTOR}x the solve, at least {po.MIN_TIME:g} s).",
)
@options(json_option())
def explain_command(
    path: str, wanted_id: str, budget: float | None, solve: dict, explain_time: float | None, as_json: bool
) -> None:
    """Tell one initiative's story: why in or out, and what it would take.

    \b
    Example:
      portfolio-opt explain plan.xlsx INI-007
    """
    plan = po.read_plan(path)
    try:
        initiative_id = plan.find(wanted_id)
    except po.UnknownInitiative as exc:
        raise click.BadParameter(str(exc), param_hint="INITIATIVE_ID") from None
    result = po.optimize(plan, budget=budget, **solve)
    result = po.explain(result, initiative_ids=[initiative_id], limits=False, time_budget=explain_time)
    lines = po.story(result, initiative_id)
    if as_json:
        data = po.to_dict(result)
        entry = next(i for i in data["initiatives"] if i["id"] == initiative_id)
        print_json({"status": data["status"], "objective": data["objective"], "initiative": entry, "story": lines})
    else:
        for line in lines:
            click.echo(line)


@command(name="serve")
@click.argument("workbooks", nargs=-1, type=INPUT, metavar="[WORKBOOK ...]")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on; any other than this machine's needs a token of at least 128 bits in "
    "PORTFOLIO_OPT_TOKEN.",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True, help="The port to listen on.")
@options(
    db_option(
        "The plan-of-record store where scenarios are saved: a URL or a file (default: PORTFOLIO_OPT_DB, "
        "else the default store)."
    )
)
@click.option("--no-browser", is_flag=True, help="Print the address but do not open a browser.")
def serve_command(workbooks: tuple[str, ...], host: str, port: int, db: str | None, no_browser: bool) -> None:
    """Open the portfolio room: live, exact what-ifs in the browser (needs the web extra).

    Prints the address with its token (PORTFOLIO_OPT_TOKEN, else a random one) and opens it.

    \b
    Example:
      portfolio-opt serve plan.xlsx
    """
    try:
        po.serve(workbooks, host=host, port=port, db=db, open_browser=not no_browser, say=click.echo)
    except ValueError as exc:
        if isinstance(exc, po.PortfolioError):  # an invalid workbook is the library's to report
            raise
        raise click.UsageError(str(exc)) from None
