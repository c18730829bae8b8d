"""portfolio_opt: choose which initiatives to fund, exactly, from an Excel planning workbook.

This module is the public API: every face (the command line, a web app, a notebook) calls the
names in ``__all__``. Below it the package is folders by layer, each importing only from the
layers before it in :data:`LAYERS`.

>>> from portfolio_opt import read_plan, optimize, save_results   # doctest: +SKIP
>>> result = optimize(read_plan("plan.xlsx"), budget=12_000_000)  # doctest: +SKIP
>>> result.status, result.objective, result.selected              # doctest: +SKIP
"""

from portfolio_opt.model.defaults import AUTO, FULL_UP_TO, MIN_TIME, TIME_FACTOR, WORK
from portfolio_opt.model.errors import (
    EXIT_BUG,
    EXIT_CODES,
    EXIT_INTERRUPTED,
    ConflictItem,
    Infeasible,
    InvalidWorkbook,
    NoPortfolioFound,
    NoSolver,
    OutputError,
    PortfolioError,
    Problem,
    RecordRefused,
    Relaxation,
    StoreError,
    TextCut,
    Unavailable,
    UnknownInitiative,
)
from portfolio_opt.model.plan import (
    Change,
    ChangeKind,
    Decision,
    Distribution,
    Initiative,
    Limit,
    Objective,
    Plan,
    RiskObjective,
    Scenario,
    Scoring,
    Settings,
)
from portfolio_opt.model.result import InitiativeResult, LimitUse, Result, RiskChoice, SolverInfo, Status
from portfolio_opt.model.version import __version__

#: The package's layers, lowest first: a module imports only from its own layer and those
#: before it (``tests/test_structure.py`` holds every import to this).
#: model: plain data, errors, the workbook's vocabulary; runtime: progress, stopping, worker
#: pools; core: scores, rules, the program, the solver, the optimum and its reasons; analyses:
#: explanations, frontier, scenarios, comparison, alternatives, robustness, simulation, review;
#: workbook: reading, validating and writing spreadsheets; render: JSON, text, the leadership
#: page; store: the plan of record (plans, runs, approvals, history in SQLite or PostgreSQL);
#: web: the portfolio room (``portfolio-opt serve``: live what-ifs in the browser, a JSON API);
#: cli: the ``portfolio-opt`` command.
LAYERS = ("model", "runtime", "core", "analyses", "workbook", "render", "store", "web", "cli")


#: Everything that solves, reads or writes is imported on first use: the reading and saving
#: functions pull in openpyxl, the solving ones the program builder and numpy. So
#: ``portfolio-opt --help`` and ``import portfolio_opt`` stay quick. Name -> the module defining
#: it, and its name there when the public name differs (``module:name``).
_LAZY = {
    name: "workbook.files"
    for name in (
        "read_plan",
        "read_plans",
        "save_alternatives",
        "save_comparison",
        "save_frontier",
        "save_results",
        "save_review",
        "save_robustness",
        "save_scenarios",
        "save_simulation",
        "write_template",
    )
}
_LAZY.update(simulate_plan="analyses.simulate", Simulation="core.simulation")  # numpy: loaded when simulating
_LAZY.update(
    Alternatives="analyses.alternatives",
    alternatives="analyses.alternatives",
    Comparison="analyses.compare",
    PlanReport="analyses.compare",
    compare="analyses.compare",
    explain="analyses.explain",
    Frontier="analyses.frontier",
    FrontierPoint="analyses.frontier",
    frontier="analyses.frontier",
    QuarterReview="analyses.review",
    review_quarters="analyses.review",
    Robustness="analyses.robustness",
    robustness="analyses.robustness",
    optimize="core.optimize",
    WarmPlan="core.warm",
    ScenarioResult="analyses.scenarios",
    ScenarioRun="analyses.scenarios",
    run_scenarios="analyses.scenarios",
    discounted_years="core.scoring",
    score="core.scoring",
)
# what results look like to people and pipelines, and the leadership page (jinja2, matplotlib)
_LAZY.update(to_dict="render.json", to_json="render.json", to_lines="render.text", story="render.text")
_LAZY.update(write_report="render.page")
# the plan of record (SQLAlchemy, Alembic; psycopg for PostgreSQL): loaded when a store is used
_LAZY.update(
    PortfolioDiff="analyses.diff",
    diff_portfolios="analyses.diff",
    Store="store.api",
    default_store="store.connect",
    open_store="store.api",
    store_for_run="store.connect",
    Approval="store.records",
    ApprovalOutcome="store.records",
    History="store.records",
    PlanOfRecord="store.records",
    Policy="store.records",
    RunRecord="store.records",
    ScenarioRecord="store.records",
    Verification="store.records",
)
# the portfolio room (FastAPI, uvicorn: the web extra): loaded when served
_LAZY.update(create_app="web.app", serve="web.server")
# how a run is watched, stopped and spread: progress events, a stop that leaves nothing behind,
# a Dask cluster for the sweeps
_LAZY.update(
    ProgressEvent="runtime.progress:Event",
    on_progress="runtime.progress:listening",
    run_interruptibly="runtime.stopping",
    stop_when="runtime.stopping",
    cluster="runtime.pool",
    before_workers="runtime.pool",
)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, _, defined = _LAZY[name].partition(":")
        value = getattr(importlib.import_module(f"{__name__}.{module}"), defined or name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AUTO",
    "Alternatives",
    "Approval",
    "ApprovalOutcome",
    "Change",
    "ChangeKind",
    "Comparison",
    "ConflictItem",
    "Decision",
    "Distribution",
    "EXIT_BUG",
    "EXIT_CODES",
    "EXIT_INTERRUPTED",
    "FULL_UP_TO",
    "Frontier",
    "FrontierPoint",
    "History",
    "Infeasible",
    "Initiative",
    "InitiativeResult",
    "InvalidWorkbook",
    "Limit",
    "LimitUse",
    "MIN_TIME",
    "NoPortfolioFound",
    "NoSolver",
    "Objective",
    "OutputError",
    "Plan",
    "PlanOfRecord",
    "PlanReport",
    "Policy",
    "PortfolioDiff",
    "PortfolioError",
    "Problem",
    "ProgressEvent",
    "QuarterReview",
    "RecordRefused",
    "Relaxation",
    "Result",
    "RiskChoice",
    "RiskObjective",
    "Robustness",
    "RunRecord",
    "Scenario",
    "ScenarioRecord",
    "ScenarioResult",
    "ScenarioRun",
    "Scoring",
    "Settings",
    "Simulation",
    "SolverInfo",
    "Status",
    "Store",
    "StoreError",
    "TIME_FACTOR",
    "TextCut",
    "Unavailable",
    "UnknownInitiative",
    "Verification",
    "WORK",
    "WarmPlan",
    "__version__",
    "alternatives",
    "before_workers",
    "cluster",
    "compare",
    "create_app",
    "default_store",
    "diff_portfolios",
    "discounted_years",
    "explain",
    "frontier",
    "on_progress",
    "open_store",
    "optimize",
    "read_plan",
    "read_plans",
    "review_quarters",
    "robustness",
    "run_interruptibly",
    "run_scenarios",
    "save_alternatives",
    "save_comparison",
    "save_frontier",
    "save_results",
    "save_review",
    "save_robustness",
    "save_scenarios",
    "save_simulation",
    "score",
    "serve",
    "simulate_plan",
    "stop_when",
    "store_for_run",
    "story",
    "to_dict",
    "to_json",
    "to_lines",
    "write_report",
    "write_template",
]
