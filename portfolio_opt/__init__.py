"""portfolio_opt: choose which initiatives to fund, exactly, from an Excel planning workbook.

This module is the public API: every face (the command line, a web app, a notebook) calls the
names in ``__all__``. Below it the package is folders by layer, each importing only from the
layers before it in :data:`LAYERS`.

>>> from portfolio_opt import read_plan, optimize, save_results   # doctest: +SKIP
>>> result = optimize(read_plan("plan.xlsx"), budget=12_000_000)  # doctest: +SKIP
>>> result.status, result.objective, result.selected              # doctest: +SKIP
"""

from portfolio_opt.model.errors import (
    ConflictItem,
    Infeasible,
    InvalidWorkbook,
    NoPortfolioFound,
    NoSolver,
    OutputError,
    PortfolioError,
    Problem,
)
from portfolio_opt.model.plan import (
    Change,
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
#: page; cli: the ``portfolio-opt`` command.
LAYERS = ("model", "runtime", "core", "analyses", "workbook", "render", "cli")


#: Everything that solves, reads or writes is imported on first use: the reading and saving
#: functions pull in openpyxl, the solving ones the program builder and numpy. So
#: ``portfolio-opt --help`` and ``import portfolio_opt`` stay quick. Name -> the module defining it.
_LAZY = {
    name: "workbook.files"
    for name in (
        "read_plan",
        "save_comparison",
        "save_frontier",
        "save_results",
        "save_scenarios",
        "save_simulation",
        "write_template",
    )
}
_LAZY.update(simulate_plan="analyses.simulate", Simulation="core.simulation")  # numpy: loaded when simulating
_LAZY.update(
    Comparison="analyses.compare",
    PlanReport="analyses.compare",
    compare="analyses.compare",
    explain="analyses.explain",
    Frontier="analyses.frontier",
    FrontierPoint="analyses.frontier",
    frontier="analyses.frontier",
    optimize="core.optimize",
    ScenarioResult="analyses.scenarios",
    ScenarioRun="analyses.scenarios",
    run_scenarios="analyses.scenarios",
    discounted_years="core.scoring",
    score="core.scoring",
)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Change",
    "Comparison",
    "ConflictItem",
    "Decision",
    "Distribution",
    "Frontier",
    "FrontierPoint",
    "Infeasible",
    "Initiative",
    "InitiativeResult",
    "InvalidWorkbook",
    "Limit",
    "LimitUse",
    "NoPortfolioFound",
    "NoSolver",
    "Objective",
    "OutputError",
    "Plan",
    "PlanReport",
    "PortfolioError",
    "Problem",
    "Result",
    "RiskChoice",
    "RiskObjective",
    "Scenario",
    "ScenarioResult",
    "ScenarioRun",
    "Scoring",
    "Settings",
    "Simulation",
    "SolverInfo",
    "Status",
    "__version__",
    "compare",
    "discounted_years",
    "explain",
    "frontier",
    "optimize",
    "read_plan",
    "run_scenarios",
    "save_comparison",
    "save_frontier",
    "save_results",
    "save_scenarios",
    "save_simulation",
    "score",
    "simulate_plan",
    "write_template",
]
