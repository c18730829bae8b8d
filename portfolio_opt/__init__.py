"""portfolio_opt: choose which initiatives to fund, exactly, from an Excel planning workbook.

>>> from portfolio_opt import read_plan, optimize, save_results   # doctest: +SKIP
>>> result = optimize(read_plan("plan.xlsx"), budget=12_000_000)  # doctest: +SKIP
>>> result.status, result.objective, result.selected              # doctest: +SKIP
"""

__version__ = "0.1.0"

from .errors import (
    ConflictItem,
    Infeasible,
    InvalidWorkbook,
    NoPortfolioFound,
    NoSolver,
    OutputError,
    PortfolioError,
    Problem,
)
from .model import (
    Change,
    Decision,
    Initiative,
    InitiativeResult,
    Limit,
    LimitUse,
    Objective,
    Plan,
    Result,
    RiskChoice,
    Scenario,
    Settings,
    SolverInfo,
    Status,
)

from .compare import Comparison, PlanReport, compare
from .explain import explain
from .frontier import Frontier, FrontierPoint, frontier
from .optimize import optimize
from .scenarios import ScenarioResult, ScenarioRun, run_scenarios
from .scoring import discounted_years, score

#: The reading and saving functions pull in openpyxl: they are imported on first use, so
#: ``portfolio-opt --help`` and ``import portfolio_opt`` stay quick.
_LAZY = {name: "io" for name in ("read_plan", "save_comparison", "save_frontier", "save_results", "save_scenarios",
                                  "save_simulation", "write_template")}
_LAZY.update(simulate_plan="simulation", Simulation="risk")  # numpy: loaded when simulating


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
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
    "Scenario",
    "ScenarioResult",
    "ScenarioRun",
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
