"""The public surface is explicit: __all__ is sorted and everything in it exists."""

import portfolio_opt


def test_all_is_sorted_and_real():
    names = portfolio_opt.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(portfolio_opt, name), name


def test_errors_carry_exit_codes():
    from portfolio_opt import errors

    assert errors.InvalidWorkbook([]).exit_code == 3
    assert errors.Infeasible().exit_code == 4
    assert errors.NoSolver("x").exit_code == 5
    assert issubclass(errors.InvalidWorkbook, ValueError)


def test_every_public_function_and_its_result_types_are_exported():
    """What the public functions return, and how to save it, is importable from the package."""
    import inspect

    for name in ("save_frontier", "save_scenarios", "save_comparison", "Frontier", "FrontierPoint",
                 "ScenarioRun", "ScenarioResult", "Comparison", "PlanReport"):
        assert name in portfolio_opt.__all__, name
    for name in ("optimize", "explain", "frontier", "run_scenarios", "compare"):
        returned = inspect.signature(getattr(portfolio_opt, name)).return_annotation
        assert str(returned).strip("'") in portfolio_opt.__all__, (name, returned)


def test_the_saving_functions_write_workbooks(tmp_path):
    from openpyxl import load_workbook

    from conftest import ROOT, SAMPLE

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

    from portfolio_opt.report import to_json

    class Kind(enum.Enum):
        A = "a"

    data = json.loads(to_json({"x": float("nan"), "y": [float("inf"), -float("inf"), 1.5], "k": Kind.A, "t": (1, 2)}))
    assert data == {"x": None, "y": [None, None, 1.5], "k": "a", "t": [1, 2]}
