"""Input as people type it: amounts, dates, period labels, keys and header typos."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from conftest import HEADERS, ROOT, SAMPLE, examples, ini, write_plan
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from portfolio_opt import InvalidWorkbook, read_plan
from portfolio_opt.cli import main
from portfolio_opt.workbook.parse import Refusal, first_period_label, parse_number

QUARTERLY = ROOT / "data" / "sample_quarterly.xlsx"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def problems(path):
    with pytest.raises(InvalidWorkbook) as info:
        read_plan(path)
    return info.value.problems


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "text, amount, expected",
    [
        ("1200000", False, 1_200_000),
        ("1,200,000", False, 1_200_000),
        ("1 200 000", False, 1_200_000),
        ("1,200", False, 1_200),
        ("1,200.50", False, 1_200.5),
        ("$1,200,000", True, 1_200_000),
        ("1,200,000 €", True, 1_200_000),
        ("€1,200,000", True, 1_200_000),
        ("EUR 250k", True, 250_000),
        ("1.2M", True, 1_200_000),
        ("250k", True, 250_000),
        ("3.5bn", True, 3_500_000_000),
        ("(5,000)", True, -5_000),
        ("-1,000", False, -1_000),
        ("70%", False, 0.7),
        ("0.125", False, 0.125),
        ("12.5", False, 12.5),
        (".5", False, 0.5),
        ("1.5e6", False, 1_500_000),
        (1_200_000, False, 1_200_000),
    ],
)
def test_amounts_as_finance_types_them(text, amount, expected):
    assert parse_number(text, amount=amount) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, amount, code, hint",
    [
        ("950.000", True, "ambiguous-separator", "950000"),
        ("1.200.000", True, "ambiguous-separator", "1200000"),
        ("2.125", False, "ambiguous-separator", "2.1250"),
        ("0,8", False, "decimal-comma", "Write 0.8"),
        ("1.234,56", True, "decimal-comma", "Write 1234.56"),
        ("0,125", False, "decimal-comma", "Write 0.125"),
        ("1.2M", False, "not-a-number", "number alone"),  # months are never in millions
        ("$5", False, "not-a-number", "number alone"),
        ("lots", True, "not-a-number", "Enter a number"),
        ("1,20,000", True, "not-a-number", "groups of three"),
        ("1e400", False, "not-a-number", "Enter a number"),
        ("1e16", True, "too-large", ""),
        (dt.datetime(2027, 1, 1), False, "date-in-number", "format the cell"),
        (True, False, "not-a-number", ""),
    ],
)
def test_what_the_rule_refuses_and_the_fix_it_names(text, amount, code, hint):
    refusal = parse_number(text, amount=amount)
    assert isinstance(refusal, Refusal)
    assert refusal.code == code
    assert hint in refusal.fix


def test_amount_cells_in_a_workbook(tmp_path):
    rows = [
        ini("A", "$1,200,000", impact="2.4M"),
        ini("B", "250k", impact="1,000,000 €"),
        ini("C", "1,000", probability="70%"),
    ]
    plan = read_plan(write_plan(tmp_path / "plan.xlsx", rows, settings=[("Budget", "€1.5M")]))
    assert [i.cost for i in plan.initiatives] == [1_200_000, 250_000, 1_000]
    assert [i.impact for i in plan.initiatives] == [2_400_000, 1_000_000, 1_000_000]
    assert plan.initiatives[2].probability == pytest.approx(0.7)
    assert plan.settings.budget == 1_500_000


def test_refused_amounts_name_cell_value_and_fix(tmp_path):
    rows = [ini("A", "950.000"), ini("B", 100, probability="0,8"), ini("C", 100, ttv="6m")]
    path = write_plan(tmp_path / "plan.xlsx", rows)
    found = {p.where: p for p in problems(path)}
    assert found["Initiatives!G2"].code == "ambiguous-separator"
    assert "950000" in found["Initiatives!G2"].fix
    assert found["Initiatives!E3"].code == "decimal-comma"
    assert "decimal separator" in found["Initiatives!E3"].fix
    assert "thousands separators" not in found["Initiatives!E3"].fix.split(":")[0]
    assert found["Initiatives!F4"].code == "not-a-number"


def test_a_date_where_months_belong_and_a_number_typed_into_a_date_cell(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", [ini("A", 100), ini("B", 100), ini("C", 100)])
    wb = load_workbook(path)
    ws = wb["Initiatives"]
    ws["F2"] = dt.datetime(2027, 3, 1)  # a real date where months belong
    ws["F2"].number_format = "yyyy-mm-dd"
    ws["F3"] = 6  # six typed into a cell formatted as a date (Excel shows 1900-01-06)
    ws["F3"].number_format = "yyyy-mm-dd"
    wb.save(path)
    found = problems(path)
    assert [p.where for p in found] == ["Initiatives!F2"]
    assert found[0].code == "date-in-number"
    assert "holds a date (2027-03-01), and Excel formats it as one" in found[0].message
    assert "number of months" in found[0].fix
    ws["F2"] = 3
    wb.save(path)
    plan = read_plan(path)
    assert plan.initiatives[1].time_to_value == 6
    assert any("Initiatives!F3 is formatted as a date" in w and "read as 6" in w for w in plan.warnings)


def test_numbers_typed_as_text_in_a_limited_column_count(tmp_path):
    headers = HEADERS + ("Data eng FTE",)
    rows = [ini("A", 100) + ("2",), ini("B", 100) + ("1,5",), ini("C", 100) + (1,)]
    path = write_plan(tmp_path / "plan.xlsx", rows, headers=headers, constraints=[("Data eng FTE", "All", None, 2)])
    assert problems(path)[0].where == "Constraints!A2"  # "1,5" makes the column non-numeric
    rows[1] = ini("B", 100) + ("1.5",)
    plan = read_plan(
        write_plan(tmp_path / "plan2.xlsx", rows, headers=headers, constraints=[("Data eng FTE", "All", None, 2)])
    )
    assert plan.column_values("Data eng FTE") == (2.0, 1.5, 1.0)


# --------------------------------------------------------------------------- period labels


@pytest.mark.parametrize(
    "value, length, expected",
    [
        (dt.datetime(2027, 1, 1), 3, "2027-Q1"),
        (dt.datetime(2027, 5, 1), 3, "2027-Q2"),
        (dt.date(2027, 1, 1), 1, "2027-01"),
        ("1/1/2027", 3, "2027-Q1"),
        ("2/1/2027", 3, "2027-Q1"),  # Feb 1 or Jan 2: the same quarter either way
        ("2027-01-01", 1, "2027-01"),
        ("2027-01-01 00:00:00", 3, "2027-Q1"),
        ("Q3 2027", 3, "2027-Q3"),
        ("2027Q3", 3, "2027-Q3"),
        ("2027-Q1", 3, "2027-Q1"),
        ("2027-04", 3, "2027-Q2"),
        ("P1", 3, "P1"),
        (None, 3, "P1"),
    ],
)
def test_first_period_labels(value, length, expected):
    assert first_period_label(value, length) == expected


@pytest.mark.parametrize(
    "value, length, code",
    [
        ("3/4/2027", 3, "ambiguous-date"),
        ("2/1/2027", 1, "ambiguous-date"),
        ("2027-Q1", 1, "bad-first-period"),
        (dt.datetime(2027, 1, 1), 6, "bad-first-period"),
        ("next year", 3, "bad-first-period"),
        ("31/31/2027", 3, "bad-first-period"),
    ],
)
def test_first_period_refusals(value, length, code):
    refusal = first_period_label(value, length)
    assert isinstance(refusal, Refusal) and refusal.code == code


def _quarterly_with_first_period(tmp_path, value, number_format=None):
    wb = load_workbook(QUARTERLY)
    ws = wb["Settings"]
    row = next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("First period"))
    ws.cell(row, 2).value = value
    if number_format:
        ws.cell(row, 2).number_format = number_format
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    return path, f"Settings!B{row}"


@pytest.mark.slow
def test_a_date_cell_as_first_period_gives_quarter_labels(tmp_path):
    path, _ = _quarterly_with_first_period(tmp_path, dt.datetime(2027, 1, 1), "dd/mm/yyyy")
    plan = read_plan(path)
    assert plan.settings.period_labels()[:3] == ["2027-Q1", "2027-Q2", "2027-Q3"]
    out = tmp_path / "result.xlsx"
    res = run("optimize", path, "-o", out, "--explain-limit", "0")
    assert res.exit_code == 0, res.output
    labels = [c.value for c in load_workbook(out)["Schedule"][1]][5:]
    assert labels[0] == "2027-Q1" and all(":" not in str(x) for x in labels)


def test_an_ambiguous_first_period_is_refused_at_its_own_cell(tmp_path):
    path, cell = _quarterly_with_first_period(tmp_path, "3/4/2027")
    found = problems(path)
    assert [p.where for p in found] == [cell], [str(p) for p in found]
    assert found[0].code == "ambiguous-date"


# --------------------------------------------------------------------------- keys


def test_ids_differing_by_case_or_spaces_are_duplicates(tmp_path):
    path = write_plan(tmp_path / "plan.xlsx", [ini("INI-001", 1), ini(" ini-001 ", 2), ini("C", 3)])
    found = problems(path)
    assert [(p.code, p.where) for p in found] == [("duplicate-id", "Initiatives!A3")]
    assert "'INI-001'" in found[0].message and "ignoring case" in found[0].message


def test_theme_and_group_variants_are_one_with_a_warning(tmp_path):
    rows = [
        ini("A", 100, theme="Platform", group="G1"),
        ini("B", 100, theme="platform ", group="g1 "),
        ini("C", 100, theme="Core", depends="a"),
    ]
    plan = read_plan(write_plan(tmp_path / "plan.xlsx", rows, constraints=[("Count", "Theme=PLATFORM", None, 5)]))
    assert [i.theme for i in plan.initiatives] == ["Platform", "Platform", "Core"]
    assert [i.exclusive_group for i in plan.initiatives] == ["G1", "G1", None]
    assert plan.initiatives[2].depends_on == ("A",)  # "a" resolves to the ID as written
    assert any("Initiatives!C3 Theme 'platform'" in w and "'Platform'" in w for w in plan.warnings)
    assert any("Exclusive group 'g1'" in w for w in plan.warnings)


def test_explain_finds_an_id_in_any_case_or_suggests_it():
    res = run("explain", SAMPLE, "ini-017")
    assert res.exit_code == 0, res.output
    assert res.output.startswith("INI-017 ")
    res = run("explain", SAMPLE, "ini-17")
    assert res.exit_code == 2
    assert "did you mean INI-017" in res.output


# --------------------------------------------------------------------------- header typos


@pytest.mark.parametrize(
    "cell, typo, where",
    [
        ("G1", "Probabilty", "Initiatives!G1"),  # a required column
        ("A1", "IDs", "Initiatives!A1"),  # the key column: no follow-on about Force in or limits
        ("N1", "Data eng FTEs", "Initiatives!N1"),  # a limited column named by Constraints and Scenarios
        ("D1", "Themes", "Initiatives!D1"),  # a column named by two Scope cells
    ],
)
def test_a_misspelled_header_is_one_problem_with_a_suggestion(tmp_path, cell, typo, where):
    wb = load_workbook(SAMPLE)
    wb["Initiatives"][cell] = typo
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    found = problems(path)
    assert [p.where for p in found] == [where], [str(p) for p in found]
    assert typo in found[0].message


def test_a_misspelled_setting_is_one_problem_with_a_suggestion(tmp_path):
    wb = load_workbook(SAMPLE)
    wb["Settings"]["A2"] = "Budgett"  # the Scenarios sheet changes the budget: no follow-on
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    found = problems(path)
    assert [p.where for p in found] == ["Settings!A2"]
    assert "did you mean 'Budget'" in found[0].message


# --------------------------------------------------------------------------- any corrupted cell

NASTY = [
    None,
    "",
    " ",
    "x",
    -1,
    0,
    1,
    1.5,
    1e300,
    "nan",
    "1e400",
    dt.datetime(2027, 1, 1),
    True,
    "70%",
    "$1,200,000",
    "950.000",
    "0,8",
    "INI-001",
    " ini-002 ",
    "Must",
    "Exclude",
    "each",
    "Theme=Platform",
    "Count",
    "=1+1",
    "2027-Q1",
    "P1",
    "Cost",
    "INI-001, INI-999",
    "platform ",
    "In progress",
    "Live",
    "Done",
    "1/3",
    "2027-13",
    "cvar",
    "blend",
    "Strategic fit",
    -0.5,
]
DATA_DIR = SAMPLE.parent
SHEETS = {
    SAMPLE: ("Initiatives", "Constraints", "Settings", "Scenarios"),
    QUARTERLY: ("Initiatives", "Constraints", "Settings"),
    DATA_DIR / "sample_risk.xlsx": ("Initiatives", "Settings"),
    DATA_DIR / "sample_q2.xlsx": ("Initiatives", "Settings"),
    DATA_DIR / "sample_criteria.xlsx": ("Initiatives", "Settings", "Criteria", "Pairwise"),
}


@pytest.mark.slow
@settings(max_examples=examples(50), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_corrupting_cells_never_crashes(tmp_path_factory, data):
    """Any cells of a valid plan, corrupted: exit 0, 3 or 4, never 1 (a bug)."""
    source = data.draw(st.sampled_from(sorted(SHEETS)))
    wb = load_workbook(source)
    for _ in range(data.draw(st.integers(1, 4))):
        ws = wb[data.draw(st.sampled_from(SHEETS[source]))]
        r = data.draw(st.integers(1, ws.max_row))
        c = data.draw(st.integers(1, ws.max_column))
        ws.cell(r, c).value = data.draw(st.sampled_from(NASTY))
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "plan.xlsx"
    wb.save(path)
    res = run("validate", path)
    assert res.exit_code in (0, 3), res.output
    res = run("optimize", path, "-o", folder / "out.xlsx", "--explain-limit", "0", "--json")
    assert res.exit_code in (0, 3, 4), res.output
    assert "Traceback" not in res.output
    json.loads(res.stdout)
