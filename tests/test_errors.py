"""Bad input: exit 3 naming the cell; infeasible plans: exit 4 naming the conflict; no output left."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import HEADERS, ini, write_plan
from openpyxl import Workbook, load_workbook

from portfolio_opt import InvalidWorkbook, read_plan
from portfolio_opt.cli import main

GOOD = [ini("A", 100), ini("B", 200), ini("C", 300)]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def check_invalid(tmp_path, path, *expected, code=None):
    out = tmp_path / "result.xlsx"
    before = path.read_bytes() if path.exists() else None
    res = run("optimize", path, "-o", out)
    assert res.exit_code == 3, res.output
    for text in expected:
        assert text in res.stderr, (text, res.stderr)
    assert "Traceback" not in res.output
    assert not out.exists(), "no output file on failure"
    if before is not None:
        assert path.read_bytes() == before, "the input is never changed"
    if code:
        with pytest.raises(InvalidWorkbook) as info:
            read_plan(path)
        assert code in [p.code for p in info.value.problems]
    return res


def test_not_an_xlsx_file(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_text("ID,Name,Impact\nA,x,1\n")
    check_invalid(tmp_path, path, "plan.xlsx", "not an .xlsx workbook", "CSV", code="not-xlsx")


def test_missing_sheet(tmp_path):
    wb = Workbook()
    wb.active.title = "Projects"
    wb.save(tmp_path / "plan.xlsx")
    check_invalid(tmp_path, tmp_path / "plan.xlsx", "Initiatives", "Projects", code="missing-sheet")


def test_missing_required_column(tmp_path):
    headers = [h for h in HEADERS if h != "Probability"]
    rows = [[v for h, v in zip(HEADERS, r) if h != "Probability"] for r in GOOD]
    path = write_plan(tmp_path / "plan.xlsx", rows, headers=headers)
    check_invalid(tmp_path, path, "Initiatives!1", "'Probability'", code="missing-column")


def test_text_where_a_number_belongs(tmp_path):
    rows = [ini("A", 100), ini("B", "lots")]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    check_invalid(tmp_path, path, "Initiatives!G3", "Cost 'lots': must be a number", code="not-a-number")


def test_probability_outside_range(tmp_path):
    rows = [ini("A", 100), ini("B", 100, probability=1.4)]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    check_invalid(tmp_path, path, "Initiatives!E3  Probability 1.4: must be between 0 and 1", code="out-of-range")


def test_negative_cost_and_time_to_value(tmp_path):
    rows = [ini("A", -5), ini("B", 100, ttv=-2)]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    check_invalid(
        tmp_path,
        path,
        "Initiatives!G2  Cost -5: must not be negative",
        "Initiatives!F3  Time to value -2: must not be negative",
    )


def test_duplicate_and_blank_ids(tmp_path):
    rows = [ini("A", 1), ini("A", 2), ini(None, 3)]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    res = check_invalid(
        tmp_path, path, "Initiatives!A3", "'A' is already used at Initiatives!A2", "Initiatives!A4  ID is blank"
    )
    assert "2 problems" in res.stderr


def test_unknown_dependency_names_the_id(tmp_path):
    rows = [ini("INI-001", 1), ini("INI-002", 2, depends="INI-001, INI-009")]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    check_invalid(tmp_path, path, "Initiatives!I3", "'INI-009'", code="unknown-dependency")


def test_dependency_cycle_is_named(tmp_path):
    rows = [ini("A", 1, depends="C"), ini("B", 1, depends="A"), ini("C", 1, depends="B"), ini("D", 1)]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    check_invalid(tmp_path, path, "dependency cycle: A -> C -> B -> A", code="dependency-cycle")


def test_unknown_decision(tmp_path):
    rows = [ini("A", 1, decision="Maybe")]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    check_invalid(tmp_path, path, "Initiatives!K2  Decision 'Maybe'", code="unknown-decision")


def test_constraint_on_unknown_column(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", GOOD, constraints=[["Data eng FTE", "All", None, 3]])
    check_invalid(
        tmp_path, path, "Constraints!A2", "'Data eng FTE' is not a column of Initiatives", code="unknown-column"
    )


def test_constraint_on_text_column(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", GOOD, constraints=[["Theme", "All", None, 3]])
    check_invalid(tmp_path, path, "Constraints!A2", "not numeric", "Initiatives!C2", code="not-numeric-column")


def test_bad_scope_column(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", GOOD, constraints=[["Count", "Team=Core", None, 3]])
    check_invalid(tmp_path, path, "Constraints!B2", "'Team' is not a column", code="unknown-column")


def test_uncalculated_formula_is_reported_not_read_as_blank(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", [ini("A", 100), ini("B", "=G2*2")])
    check_invalid(tmp_path, path, "Initiatives!G3", "never calculated", code="uncalculated-formula")


def test_unknown_setting_and_bad_value(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", GOOD, settings=[["Budjet", 100], ["Discount rate", 10]])
    check_invalid(tmp_path, path, "Settings!A2", "Budjet", "Settings!B3  Discount rate 10: must be between 0 and 1")


def test_every_problem_in_one_run(tmp_path):
    rows = [ini("A", "x", probability=2), ini("A", -1, decision="Later"), ini("B", 1, depends="Z")]
    path = write_plan(tmp_path / "plan.xlsx", rows, constraints=[["Nope", "All", None, 1]])
    with pytest.raises(InvalidWorkbook) as info:
        read_plan(path)
    codes = sorted(p.code for p in info.value.problems)
    assert codes == sorted(
        [
            "not-a-number",
            "out-of-range",
            "duplicate-id",
            "out-of-range",
            "unknown-decision",
            "unknown-dependency",
            "unknown-column",
        ]
    )


def test_validate_json_lists_problems(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", [ini("A", 1, probability=7)])
    res = run("validate", path, "--json")
    assert res.exit_code == 3
    data = json.loads(res.stdout)
    assert data["status"] == "invalid"
    assert data["problems"][0]["where"] == "Initiatives!E2"


# --------------------------------------------------------------------------- infeasible (exit 4)


def check_infeasible(tmp_path, path, names, relaxation_contains):
    out = tmp_path / "result.xlsx"
    res = run("optimize", path, "-o", out, "--json")
    assert res.exit_code == 4, res.output
    assert not out.exists()
    data = json.loads(res.stdout)
    assert data["status"] == "infeasible"
    assert sorted(c["name"] for c in data["conflict"]) == sorted(names)
    assert any(relaxation_contains in r for r in data["relaxations"]), data["relaxations"]
    assert "Infeasible" in res.stderr
    return data


def test_musts_over_the_budget(tmp_path):
    rows = [ini("A", 3_000_000, decision="Must"), ini("B", 1_200_000, decision="Must"), ini("C", 500)]
    path = write_plan(tmp_path / "plan.xlsx", rows, settings=[["Budget", 4_000_000]])
    data = check_infeasible(
        tmp_path, path, ["Must A", "Must B", "Max budget"], "raise the budget by 200,000 to 4,200,000"
    )
    assert any("drop Must on A" in r for r in data["relaxations"])


def test_musts_over_a_max(tmp_path):
    headers = list(HEADERS) + ["FTE"]
    rows = [list(ini("A", 1, decision="Must")) + [3], list(ini("B", 1, decision="Must")) + [2], list(ini("C", 1)) + [1]]
    path = write_plan(tmp_path / "plan.xlsx", rows, headers=headers, constraints=[["FTE", "All", None, 4]])
    check_infeasible(tmp_path, path, ["Must A", "Must B", "Max FTE"], "raise the FTE Max by 1 to 5")


def test_must_needs_an_excluded_initiative(tmp_path):
    rows = [ini("A", 1, depends="B", decision="Must"), ini("B", 1, decision="Exclude"), ini("C", 1)]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    check_infeasible(tmp_path, path, ["Must A", "Exclude B", "A needs B"], "allow the Excluded B")


def test_two_musts_in_one_exclusive_group(tmp_path):
    rows = [
        ini("A", 1, group="Pricing", decision="Must"),
        ini("B", 1, group="Pricing", decision="Must"),
        ini("C", 1, group="Pricing"),
    ]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    check_infeasible(
        tmp_path,
        path,
        ["Must A", "Must B", "exclusive group Pricing"],
        "allow more than one of exclusive group Pricing",
    )


def test_min_that_cannot_be_reached(tmp_path):
    rows = [ini("A", 1, theme="Risk"), ini("B", 1, theme="Risk"), ini("C", 1)]
    path = write_plan(tmp_path / "plan.xlsx", rows, constraints=[["Count", "Theme=Risk", 3, None]])
    check_infeasible(tmp_path, path, ["Min Count (Theme=Risk)"], "lower the Count (Theme=Risk) Min by 1 to 2")


# --------------------------------------------------------------------------- output rules


def test_output_must_be_new(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", GOOD)
    out = tmp_path / "result.xlsx"
    out.write_bytes(b"keep me")
    res = run("optimize", path, "-o", out)
    assert res.exit_code == 2
    assert "already exists" in res.stderr and "--force" in res.stderr
    assert out.read_bytes() == b"keep me"
    res = run("optimize", path, "-o", path, "--force")
    assert res.exit_code == 2 and "is the input" in res.stderr
    assert load_workbook(path).sheetnames == ["Initiatives"]
    res = run("optimize", path, "-o", out, "--force")
    assert res.exit_code == 0, res.output
    assert load_workbook(out)["Ranking"]["B1"].value == "ID"


def test_usage_error_is_exit_2(tmp_path):
    res = run("optimize", tmp_path / "missing.xlsx")
    assert res.exit_code == 2
    res = run("optimize", write_plan(tmp_path / "plan.xlsx", GOOD), "--solver", "gurobi")
    assert res.exit_code == 2


def test_missing_solver_is_exit_5_and_says_what_to_install(tmp_path, monkeypatch):
    import portfolio_opt.core.solver as solver

    monkeypatch.setattr(solver, "_available", lambda name: False)
    path = write_plan(tmp_path / "plan.xlsx", GOOD)
    res = run("optimize", path, "-o", tmp_path / "r.xlsx")
    assert res.exit_code == 5
    assert "pip install highspy" in res.stderr and "--solver cbc" in res.stderr
    res = run("optimize", path, "-o", tmp_path / "r.xlsx", "--solver", "cbc", "--json")
    assert res.exit_code == 5
    assert json.loads(res.stdout)["exit_code"] == 5
    assert not (tmp_path / "r.xlsx").exists()


def test_debug_shows_the_traceback_for_a_user_error(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", [ini("A", "x")])
    res = CliRunner().invoke(main, ["--debug", "validate", str(path)])
    assert res.exit_code == 3
    assert "Traceback" in res.stderr


def test_infeasible_text_never_promises_what_a_change_does_not_do(tmp_path):
    """Two conflicts: dropping one Must resolves the one shown, not the plan."""
    rows = [
        ini("A", 1, decision="Must", group="X"),
        ini("B", 1, decision="Must", group="X"),
        ini("C", 1, decision="Must", group="Y"),
        ini("D", 1, decision="Must", group="Y"),
    ]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    res = run("optimize", path, "-o", tmp_path / "out.xlsx")
    assert res.exit_code == 4
    assert "Any one of these changes makes the plan feasible" not in res.stderr
    assert "Each of these resolves the conflict above, but the plan has other conflicts too:" in res.stderr
    assert "  - drop Must on A\n" in res.stderr


def test_a_suggested_budget_names_what_drives_it(tmp_path):
    rows = [ini("A", 2_000_000, decision="Must"), ini("B", 2_200_000, decision="Must"), ini("C", 100)]
    path = write_plan(tmp_path / "plan.xlsx", rows, settings=[("Budget", 4_000_000)])
    res = run("optimize", path, "-o", tmp_path / "out.xlsx")
    assert res.exit_code == 4
    assert "Any one of these changes makes the plan feasible:" in res.stderr
    assert "raise the budget by 200,000 to 4,200,000 (what Must A and Must B need together)" in res.stderr
