"""The public surface is explicit: __all__ is sorted and everything in it exists."""

import portfolio_opt


def test_all_is_sorted_and_real():
    names = portfolio_opt.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(portfolio_opt, name), name


def test_errors_carry_exit_codes():
    from portfolio_opt.model import errors

    assert errors.InvalidWorkbook([]).exit_code == 3
    assert errors.Infeasible().exit_code == 4
    assert errors.NoSolver("x").exit_code == 5
    assert issubclass(errors.InvalidWorkbook, ValueError)


def test_every_public_function_and_its_result_types_are_exported():
    """What the public functions return, and how to save it, is importable from the package."""
    import inspect

    for name in (
        "save_frontier",
        "save_scenarios",
        "save_comparison",
        "Frontier",
        "FrontierPoint",
        "ScenarioRun",
        "ScenarioResult",
        "Comparison",
        "PlanReport",
    ):
        assert name in portfolio_opt.__all__, name
    for name in ("optimize", "explain", "frontier", "run_scenarios", "compare"):
        returned = inspect.signature(getattr(portfolio_opt, name)).return_annotation
        assert str(returned).strip("'") in portfolio_opt.__all__, (name, returned)


def test_the_saving_functions_write_workbooks(tmp_path):
    from conftest import ROOT, SAMPLE
    from openpyxl import load_workbook

    plan = portfolio_opt.read_plan(SAMPLE)
    portfolio_opt.save_frontier(portfolio_opt.frontier(plan, steps=3), tmp_path / "f.xlsx")
    portfolio_opt.save_scenarios(portfolio_opt.run_scenarios(plan), tmp_path / "s.xlsx")
    plans = [(n, portfolio_opt.read_plan(ROOT / "data" / f"plan_{n}.xlsx")) for n in ("cto", "cfo")]
    portfolio_opt.save_comparison(portfolio_opt.compare(plans), tmp_path / "c.xlsx")
    assert load_workbook(tmp_path / "f.xlsx").sheetnames[0] == "Frontier"
    assert "Scenario matrix" in load_workbook(tmp_path / "s.xlsx").sheetnames
    assert "Plan matrix" in load_workbook(tmp_path / "c.xlsx").sheetnames


def test_json_has_no_nan_or_infinity():
    import enum
    import json

    from portfolio_opt.render.json import to_json

    class Kind(enum.Enum):
        A = "a"

    data = json.loads(to_json({"x": float("nan"), "y": [float("inf"), -float("inf"), 1.5], "k": Kind.A, "t": (1, 2)}))
    assert data == {"x": None, "y": [None, None, 1.5], "k": "a", "t": [1, 2]}


def test_no_public_function_shares_its_name_with_a_module_of_the_package():
    """The package's own modules live in its layer folders, so loading one never replaces a
    public function of the same name (``portfolio_opt.optimize`` stays the function after
    ``portfolio_opt.core.optimize`` loads): no workaround in ``__init__`` is needed."""
    import subprocess
    import sys

    code = (
        "import importlib, pkgutil, portfolio_opt\n"
        "top = {m.name for m in pkgutil.iter_modules(portfolio_opt.__path__)}\n"
        "clash = sorted(set(portfolio_opt.__all__) & top)\n"
        "assert not clash, clash\n"
        "for name in ('compare', 'explain', 'frontier', 'optimize'):\n"
        "    fn = getattr(portfolio_opt, name)\n"
        "    importlib.import_module(fn.__module__)\n"
        "    assert callable(getattr(portfolio_opt, name)), name\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_the_package_and_its_cli_load_nothing_heavy():
    """``import portfolio_opt`` and ``portfolio-opt --help`` stay quick: the solver, the
    spreadsheet libraries and numpy load when a command needs them (see benchmarks/bench_startup.py)."""
    import subprocess
    import sys

    heavy = ("numpy", "pandas", "openpyxl", "pulp", "highspy", "xlsxwriter", "dask", "distributed")
    code = (
        "import sys, portfolio_opt, portfolio_opt.cli\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", proc.stdout
