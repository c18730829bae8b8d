"""Results workbooks follow finance conventions, keep hostile text inert, and are deterministic."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import zipfile

import pytest
from conftest import SAMPLE, ini, write_plan
from openpyxl import load_workbook

from portfolio_opt import Initiative, Plan, optimize, read_plan, save_results


@pytest.fixture(scope="module")
def sample_result():
    return optimize(read_plan(SAMPLE))


def test_finance_conventions(tmp_path, sample_result):
    out = tmp_path / "r.xlsx"
    save_results(sample_result, out)
    wb = load_workbook(out)
    ranking = wb["Ranking"]
    assert ranking.freeze_panes == "A2"
    assert ranking.auto_filter.ref.startswith("A1:")
    assert all(c.font.b for c in ranking[1])
    headers = [c.value for c in ranking[1]]
    # In plan (the what-if's editable copy of Selected) follows Selected
    assert headers[:9] == ["Rank", "ID", "Name", "Theme", "Selected", "In plan", "Score", "Cost", "Value per cost"]
    assert ranking.cell(row=2, column=7).number_format == "#,##0_)"
    assert ranking.column_dimensions["C"].width > 20
    # selected rows first, each block by score, high to low
    rows = list(ranking.iter_rows(min_row=2, values_only=True))
    flags = [r[4] for r in rows]
    assert flags == sorted(flags, key=lambda f: f != "Yes")
    yes = [r[6] for r in rows if r[4] == "Yes"]
    assert yes == sorted(yes, reverse=True)
    summary = wb["Summary"]
    assert summary["A1"].value == "Measure" and summary["A2"].value == "Status"
    assert summary["B2"].value == "optimal"
    run_info = {r[0]: r[1] for r in wb["Run info"].iter_rows(min_row=2, values_only=True)}
    assert run_info["Input file"] == "sample_plan.xlsx"
    assert len(run_info["Input SHA-256"]) == 64
    assert run_info["Solver"] == "highs"
    # plain values, never formulas, in what a program reads back: the what-if's "Your edits"
    # tables, below everything else on the Summary, are the only formulas
    what_if = next(r for r in range(1, summary.max_row + 1) if summary.cell(r, 1).value == "Your edits")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f" or (ws.title == "Summary" and cell.row > what_if), cell.coordinate


def test_same_result_same_bytes(tmp_path, sample_result):
    save_results(sample_result, tmp_path / "a.xlsx")
    save_results(sample_result, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_no_clock_in_the_file(tmp_path, sample_result):
    # openpyxl stamps "modified" with the time of saving: two saves a second apart differed
    save_results(sample_result, tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as zf:
        core = zf.read("docProps/core.xml").decode()
    assert "<dcterms:modified" in core
    stamps = re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
    assert stamps == ["2000-01-01T00:00:00Z"] * 2, core


def test_two_runs_differ_only_in_the_solve_time(tmp_path):
    first, second = (optimize(read_plan(SAMPLE)) for _ in range(2))
    second = dataclasses.replace(second, solver=dataclasses.replace(second.solver, seconds=first.solver.seconds))
    save_results(first, tmp_path / "a.xlsx")
    save_results(second, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_same_input_same_portfolio():
    runs = {optimize(read_plan(SAMPLE)).selected for _ in range(3)}
    assert len(runs) == 1


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1:A3)", "-2+3", "@cmd", '\t=HYPERLINK("x")'])
def test_formula_like_text_from_a_workbook_stays_text(tmp_path, text):
    path = write_plan(tmp_path / "p.xlsx", [ini("A", 1, name="placeholder"), ini("B", 2)])
    wb = load_workbook(path)
    cell = wb["Initiatives"]["B2"]
    cell.value = text
    cell.data_type = "s"  # a text cell in the input, as Excel stores '=1+2 typed with a quote
    wb.save(path)
    save_results(optimize(read_plan(path)), tmp_path / "r.xlsx")
    out = load_workbook(tmp_path / "r.xlsx")
    ranking_name = [r for r in out["Ranking"].iter_rows(min_row=2) if r[1].value == "A"][0][2]
    copied = out["Initiatives"]["B2"]
    assert copied.value == text  # the input sheet is carried through exactly
    assert ranking_name.value == text.strip()  # names are trimmed in the ranking
    for written in (ranking_name, copied):
        assert written.data_type == "s"
    assert b"<f>" not in (tmp_path / "r.xlsx").read_bytes()


def test_control_characters_never_break_the_file(tmp_path):
    plan = Plan((Initiative("A", "\x07=bell", 1000, 1.0, 0, 1), Initiative("B", "ok", 10, 1.0, 0, 1)))
    save_results(optimize(plan), tmp_path / "r.xlsx")
    name = [r for r in load_workbook(tmp_path / "r.xlsx")["Ranking"].iter_rows(min_row=2) if r[1].value == "A"][0][2]
    assert name.value == "\ufffd=bell" and name.data_type == "s"


def test_nothing_half_written_on_failure(tmp_path, sample_result, monkeypatch):
    import portfolio_opt.workbook.style as style

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(style.os, "fsync", boom)
    from portfolio_opt import OutputError

    with pytest.raises(OutputError):
        save_results(sample_result, tmp_path / "r.xlsx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_results(tmp_path, sample_result):
    save_results(sample_result, tmp_path / "r.xlsx")
    proc = subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2",
            "--outdir",
            str(tmp_path / "csv"),
            str(tmp_path / "r.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    ranking = (tmp_path / "csv" / "r-Ranking.csv").read_text()
    assert "INI-011" in ranking and "Must" in ranking


def test_formulas_are_looked_for_only_where_the_file_holds_some(tmp_path):
    """A plan typed by hand holds no formula: it is read once (values); one formula anywhere
    and the formulas are read too, so an uncalculated one is still caught."""
    from openpyxl import Workbook

    from portfolio_opt.workbook.xlsx_openpyxl import _has_formulas

    assert not _has_formulas(SAMPLE.read_bytes())
    wb = Workbook()
    wb.active["A1"] = "=1+1"
    path = tmp_path / "f.xlsx"
    wb.save(path)
    assert _has_formulas(path.read_bytes())
