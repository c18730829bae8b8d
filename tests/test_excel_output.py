"""What finance sees in the written workbooks: each number in its own format, one font family,
the same Run info from every command, a template whose checks speak up."""

from __future__ import annotations

import pytest
from conftest import ROOT, SAMPLE, run_cli
from openpyxl import load_workbook

from portfolio_opt.model.layout import SETTING_NAMES
from portfolio_opt.model.plan import normalize_header

CTO = ROOT / "data" / "plan_cto.xlsx"
CFO = ROOT / "data" / "plan_cfo.xlsx"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Every kind of output workbook, written once from the shipped samples."""
    folder = tmp_path_factory.mktemp("outputs")
    runs = {
        "result": ("optimize", SAMPLE, "--explain-limit", "0"),
        "scenarios": ("scenarios", SAMPLE),
        "frontier": ("frontier", SAMPLE, "--steps", "4"),
        "comparison": ("compare", CTO, CFO),
    }
    paths = {}
    for name, args in runs.items():
        path = folder / f"{name}.xlsx"
        proc = run_cli(*args, "-o", path)
        assert proc.returncode == 0, proc.stderr
        paths[name] = path
    return paths


def _rows(ws):
    return {row[0].value: row[1] for row in ws.iter_rows(min_row=2) if row[0].value is not None}


def test_settings_show_rates_as_percentages(outputs):
    settings = _rows(load_workbook(outputs["result"])["Settings"])
    assert settings["Discount rate"].value == pytest.approx(0.1)
    assert settings["Discount rate"].number_format.startswith("0%")
    assert settings["Gap"].value == pytest.approx(0.0001)
    assert settings["Gap"].number_format.startswith("0.00%")
    assert settings["Budget"].number_format.startswith("#,##0")
    assert settings["Horizon (months)"].number_format.startswith("#,##0")
    assert "." not in settings["Horizon (months)"].number_format  # 36, never "36."


def test_copied_sheets_keep_each_cells_format(outputs):
    ws = load_workbook(outputs["result"])["Scenarios"]
    header = [c.value for c in ws[1]]
    by_name = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    budget = by_name["Next million"][header.index("Budget")]
    assert budget.value == 11_000_000 and budget.number_format.startswith("#,##0")
    change = by_name["Budget cut 15%"][header.index("Budget change")]
    assert change.value == pytest.approx(-0.15) and "%" in change.number_format
    halved = by_name["Data team halved"][header.index("Change: Data eng FTE")]
    assert halved.value == pytest.approx(-0.5) and "%" in halved.number_format


def test_run_info_is_the_same_in_every_output(outputs):
    shared = (
        "Tool",
        "Tool version",
        "Input file",
        "Objective",
        "Horizon (months)",
        "Discount rate",
        "Budget",
        "Budget from",
        "Solver",
        "Requested gap",
        "Time limit (s)",
    )
    seen = {}
    for name, path in outputs.items():
        info = _rows(load_workbook(path)["Run info"])
        for key in shared:
            assert key in info, (name, key)
        seen[name] = {k: info[k].number_format for k in shared}
        assert info["Discount rate"].number_format.startswith("0%")
        assert info["Requested gap"].number_format.startswith("0.00%")
        assert info["Budget"].number_format.startswith("#,##0")
    first = seen.pop("result")
    for name, formats in seen.items():
        assert formats == first, name


def test_every_written_cell_uses_one_font_family(outputs):
    for name, path in outputs.items():
        wb = load_workbook(path)
        families = {
            cell.font.name for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None
        }
        assert families == {"Calibri"}, (name, families)


def test_numbers_are_padded_from_the_next_columns_text(outputs):
    ranking = load_workbook(outputs["result"])["Ranking"]
    header = [c.value for c in ranking[1]]
    for col in ("Score", "Cost", "Value per cost"):
        cell = ranking.cell(row=2, column=header.index(col) + 1)
        assert cell.number_format.endswith("_)"), (col, cell.number_format)


def test_template_has_every_setting_and_checks_that_speak(tmp_path):
    path = tmp_path / "plan.xlsx"
    assert run_cli("template", path).returncode == 0
    wb = load_workbook(path)
    names = {normalize_header(r[0]) for r in wb["Settings"].iter_rows(min_row=2, values_only=True)}
    assert {SETTING_NAMES[n][0] for n in names} == {attr for attr, _ in SETTING_NAMES.values()}
    ws = wb["Initiatives"]
    checks = ws.data_validations.dataValidation + wb["Settings"].data_validations.dataValidation
    # a check speaks by its error, or (the amounts, which have no rule: issue 33) by its prompt
    assert checks and all((v.showErrorMessage and v.error) or (v.showInputMessage and v.prompt) for v in checks)
    name_col = [c.value for c in ws[1]].index("Name") + 1
    assert ws.column_dimensions[ws.cell(1, name_col).column_letter].width >= 30
    # a blank template validates its defaults: blank settings mean the default
    ws.append(["INI-001", "First", None, None, None, 1000, 0.5, 6, 100])
    wb.save(path)
    proc = run_cli("validate", path)
    assert proc.returncode == 0, proc.stderr


QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"


@pytest.mark.slow
def test_multi_period_ranking_has_no_always_empty_column_and_says_when_value_starts(tmp_path):
    out = tmp_path / "q.xlsx"
    proc = run_cli("optimize", QUARTERLY, "-o", out, "--explain-limit", "0")
    assert proc.returncode == 0, proc.stderr
    ws = load_workbook(out)["Ranking"]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    for k, name in enumerate(header):
        assert any(r[k] not in (None, "") for r in rows), f"column {name!r} is always empty"
    starts, values = header.index("Start"), header.index("Value from")
    labels = load_workbook(out)["Schedule"][1]
    order = [c.value for c in labels][5:]
    for r in rows:
        if r[starts] is not None and r[values] in order:
            assert order.index(r[values]) > order.index(r[starts])  # value begins after the build starts


def test_reasons_say_both_merit_and_who_needs_it():
    from portfolio_opt import optimize, read_plan

    reasons = {r.id: r.reason for r in optimize(read_plan(SAMPLE)).initiatives}
    assert reasons["INI-004"].startswith("on merit; also needed by INI-001")


@pytest.mark.slow
def test_scenario_matrix_shows_a_moved_start(tmp_path):
    out = tmp_path / "s.xlsx"
    proc = run_cli("scenarios", QUARTERLY, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    ws = load_workbook(out)["Scenario matrix"]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2))
    moved = [
        r
        for r in rows
        if r[3].value.startswith("In ") and any(c.value.startswith("In ") and c.value != r[3].value for c in r[4:])
    ]
    assert moved, "some scenario moves a start without dropping the initiative"
    cell = next(c for c in moved[0][4:] if c.value.startswith("In ") and c.value != moved[0][3].value)
    assert cell.font.b, "a moved start is highlighted like a move in or out"
    assert header[3] == "Baseline"


def test_limit_names_are_unique_and_never_a_cell_reference(tmp_path):
    from conftest import write_plan

    from portfolio_opt import read_plan

    headers = ("ID", "Name", "Impact", "Probability", "Time to value", "Cost", "Data eng FTE")
    rows = [(f"I{k}", f"n{k}", 1000 * (k + 1), 1, 0, 100, 1) for k in range(6)]
    path = write_plan(
        tmp_path / "plan.xlsx",
        rows,
        headers=headers,
        constraints=[
            ("Cost", "All", None, 300, "each"),
            ("Cost", "All", None, 100, "P1"),
            ("Data eng FTE", "All", 1, None, None),
            ("Data eng FTE", "All", None, 4, None),
        ],
        constraint_headers=("Column", "Scope", "Min", "Max", "Period"),
        settings=[("Periods", 3), ("Period length (months)", 3)],
    )
    plan = read_plan(path)
    names = [lim.name for lim in plan.all_limits()]
    assert len(set(names)) == len(names), names
    assert "Cost [each quarter, P1]" in names and "Cost [P1]" in names
    assert "Data eng FTE [Min 1]" in names and "Data eng FTE [Max 4]" in names
    assert not any("!" in n for n in names)
    out = tmp_path / "r.xlsx"
    proc = run_cli("optimize", path, "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    assert [c["name"] for c in json.loads(proc.stdout)["constraints"]] == names
    wb = load_workbook(out)
    capacity = {r[0] for r in wb["Capacity"].iter_rows(min_row=2, values_only=True) if r[0]}
    # one name per limit in every sheet (issue 33): Capacity names each period's limit as the Summary does
    assert capacity == {lim.name for lim in plan.all_limits() if lim.period is not None}
    summary = [r[0] for r in wb["Summary"].iter_rows(values_only=True)]
    assert all(n in summary for n in names)
