"""portfolio_opt: choose which initiatives to fund, exactly, from an Excel planning workbook.

>>> from portfolio_opt import read_plan, optimize, save_results   # doctest: +SKIP
>>> result = optimize(read_plan("plan.xlsx"), budget=12_000_000)  # doctest: +SKIP
>>> result.status, result.objective, result.selected              # doctest: +SKIP
"""

__version__ = "0.1.0"

import sys as _sys
import types as _types

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

#: Everything that solves, reads or writes is imported on first use: the reading and saving
#: functions pull in openpyxl, the solving ones the program builder and numpy. So
#: ``portfolio-opt --help`` and ``import portfolio_opt`` stay quick.
_LAZY = {name: "io" for name in ("read_plan", "save_comparison", "save_frontier", "save_results", "save_scenarios",
                                  "save_simulation", "write_template")}
_LAZY.update(simulate_plan="simulation", Simulation="risk")  # numpy: loaded when simulating
_LAZY.update(Comparison="compare", PlanReport="compare", compare="compare", explain="explain",
             Frontier="frontier", FrontierPoint="frontier", frontier="frontier", optimize="optimize",
             ScenarioResult="scenarios", ScenarioRun="scenarios", run_scenarios="scenarios",
             discounted_years="scoring", score="scoring")


class _Package(_types.ModuleType):
    """This package's module type. Four modules share their name with the function they define
    (compare, explain, frontier, optimize); importing one sets the package's attribute of that
    name to the module, which would hide the function from ``portfolio_opt.frontier(...)``. The
    function keeps the name, as it did when these were imported eagerly; the module is still
    ``sys.modules["portfolio_opt.frontier"]``."""

    def __setattr__(self, name: str, value) -> None:
        if name in _LAZY and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package


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
