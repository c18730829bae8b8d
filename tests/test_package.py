"""Our sheet serializer writes the same bytes as openpyxl's own, for every kind of cell and of
workbook we write; the file opens, reads back and stays deterministic."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from conftest import ROOT, SAMPLE, ini, write_plan
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from portfolio_opt import optimize, read_plan, save_results
from portfolio_opt.workbook import package, style

CORE = "docProps/core.xml"  # the one part that carries openpyxl's clock when it saves


def _openpyxl_bytes(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name != CORE}


def _every_kind_of_cell() -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "Cells"
    texts = [
        "plain",
        "€ café naïve",
        "<b>&amp; \"quoted\" 'single' ]]>",
        " leading",
        "trailing ",
        "line\nbreak\r\nwindows",
        "\ttab",
        "emoji 😀 beyond the BMP",
        "=1+2 as text",
        "",
    ]
    for r, text in enumerate(texts, start=1):
        style.put(ws, r, 1, text)
    numbers = [
        0,
        -0.0,
        1,
        -17,
        0.1 + 0.2,
        1e20,
        1.5e-12,
        12345678901234567890,
        3.141592653589793,
        float("nan"),
        float("inf"),
        True,
        False,
    ]
    for r, number in enumerate(numbers, start=1):
        ws.cell(row=r, column=2, value=number)
    ws.cell(row=1, column=3, value=dt.date(2026, 11, 30))
    ws.cell(row=2, column=3, value=dt.datetime(2026, 11, 30, 13, 45, 7))
    ws.cell(row=3, column=3, value=dt.time(9, 30))
    ws.cell(row=4, column=3, value=dt.timedelta(days=2, hours=6))
    ws.cell(row=5, column=3, value="=SUM(B1:B4)")  # a formula (we never write one; openpyxl can)
    error = ws.cell(row=6, column=3, value="#N/A")
    error.data_type = "e"
    ws.cell(row=7, column=3).value = CellRichText(["plain ", TextBlock(InlineFont(b=True), "bold")])
    styled_empty = ws.cell(row=8, column=3)
    styled_empty.fill = PatternFill("solid", fgColor="E2EFDA")
    money = style.put(ws, 9, 3, 1234567.891, style.MONEY)
    money.font = Font(name="Calibri", bold=True, color="C00000")
    money.alignment = Alignment(wrap_text=True, vertical="top")
    ws.cell(row=10, column=3, value="see the comment").comment = Comment("a note", "tester")
    ws.cell(row=11, column=3, value="a link").hyperlink = "https://example.org/?a=1&b=2"
    ws.row_dimensions[3].height = 30
    ws.row_dimensions[40].height = 20  # a row with a height and no cells
    ws.merge_cells("E1:G2")
    ws["E1"] = "merged"
    ws.cell(row=30, column=30, value="far")  # a sparse cell beyond the rest (AD30)
    wide = wb.create_sheet("Second")
    for r in range(1, 2501):  # more rows than one chunk of the serializer
        wide.append([r, f"row {r}", r * 0.5, None, "x" if r % 3 else None])
    wb.create_sheet("Empty")
    return wb


def test_rows_are_the_bytes_openpyxl_writes_for_every_kind_of_cell():
    ours = _parts(package.workbook_bytes(_every_kind_of_cell()))
    theirs = _parts(_openpyxl_bytes(_every_kind_of_cell()))
    assert list(ours) == list(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], name


def _fixed_clock(wb: Workbook) -> Workbook:
    """The workbook's created and modified times fixed, as :func:`style.save_atomic` fixes them
    (two workbooks made a second apart otherwise differ in docProps/core.xml)."""
    wb.properties.created = wb.properties.modified = style.FIXED_TIME
    return wb


def test_every_entry_is_dated_1980_and_the_same_content_gives_the_same_bytes():
    first = package.workbook_bytes(_fixed_clock(_every_kind_of_cell()))
    assert first == package.workbook_bytes(_fixed_clock(_every_kind_of_cell()))
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {info.date_time for info in zf.infolist()} == {package.ZIP_DATE}
        assert zf.testzip() is None


def test_what_we_write_reads_back_cell_for_cell(tmp_path):
    path = tmp_path / "cells.xlsx"
    style.save_atomic(_every_kind_of_cell(), path)
    back = load_workbook(path)
    ws = back["Cells"]
    assert ws["A2"].value == "€ café naïve"
    assert ws["A3"].value == "<b>&amp; \"quoted\" 'single' ]]>"
    assert ws["A4"].value == " leading" and ws["A6"].value == "line\nbreak\r\nwindows"
    assert ws["A8"].value == "emoji 😀 beyond the BMP"
    assert ws["A9"].value == "=1+2 as text" and ws["A9"].data_type == "s"
    assert ws["B9"].value == 3.141592653589793 and ws["B12"].value is True
    assert ws["C2"].value == dt.datetime(2026, 11, 30, 13, 45, 7)
    assert ws["C5"].value == "=SUM(B1:B4)" and ws["C5"].data_type == "f"
    assert ws["C8"].fill.fgColor.rgb.endswith("E2EFDA")
    assert ws["C9"].number_format == style.MONEY + style.PAD and ws["C9"].font.bold
    assert ws["C10"].comment.text == "a note"
    assert ws["C11"].hyperlink.target == "https://example.org/?a=1&b=2"
    assert ws.row_dimensions[40].height == 20 and "E1:G2" in ws.merged_cells
    assert ws["AD30"].value == "far" and ws.max_row == 30
    second = back["Second"]
    assert second.max_row == 2500 and second["B2500"].value == "row 2500" and second["E3"].value is None


def _assert_same_as_openpyxl(monkeypatch, folder, save):
    """``save(path)`` writes the same content twice: through our serializer and through
    openpyxl's own (each on a workbook built afresh, as openpyxl changes one it has saved)."""
    save(folder / "ours.xlsx")
    with monkeypatch.context() as m:
        m.setattr(style, "workbook_bytes", _openpyxl_bytes)
        save(folder / "theirs.xlsx")
    ours, theirs = _parts((folder / "ours.xlsx").read_bytes()), _parts((folder / "theirs.xlsx").read_bytes())
    assert list(ours) == list(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], name
    (folder / "ours.xlsx").unlink()
    (folder / "theirs.xlsx").unlink()


@pytest.mark.parametrize(
    "sample",
    [
        "sample_plan",
        "sample_criteria",
        "sample_q2",
        pytest.param("sample_risk", marks=pytest.mark.slow),
        pytest.param("sample_quarterly", marks=pytest.mark.slow),
    ],
)
def test_results_workbooks_are_the_bytes_openpyxl_writes(tmp_path, monkeypatch, sample):
    result = optimize(read_plan(ROOT / "data" / f"{sample}.xlsx"))
    _assert_same_as_openpyxl(monkeypatch, tmp_path, lambda path: save_results(result, path))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_results_of_random_plans_are_the_bytes_openpyxl_writes(tmp_path, monkeypatch, seed):
    from random_plans import random_plan

    result = optimize(random_plan(120, seed).with_settings(gap=1e-4))
    _assert_same_as_openpyxl(monkeypatch, tmp_path, lambda path: save_results(result, path))


def test_hostile_text_from_a_plan_is_written_as_openpyxl_writes_it(tmp_path, monkeypatch):
    names = ["@SUM(1)+cmd|' /C calc'!A0", "café & <tag>", "  padded  ", "two\r\nlines", "tab\there", "😀"]
    rows = [ini(f"I{k}", 100 + k, name=name) for k, name in enumerate(names)]
    result = optimize(read_plan(write_plan(tmp_path / "p.xlsx", rows)))
    _assert_same_as_openpyxl(monkeypatch, tmp_path, lambda path: save_results(result, path))
    save_results(result, tmp_path / "r.xlsx")
    ranking = load_workbook(tmp_path / "r.xlsx")["Ranking"]
    written = {row[1].value: row[2].value for row in ranking.iter_rows(min_row=2)}
    assert written["I1"] == "café & <tag>" and written["I3"] == "two\r\nlines"
    assert written["I0"] == "@SUM(1)+cmd|' /C calc'!A0"


def test_templates_and_reports_are_the_bytes_openpyxl_writes(tmp_path, monkeypatch):
    from portfolio_opt.analyses.frontier import frontier
    from portfolio_opt.analyses.scenarios import run_scenarios
    from portfolio_opt.workbook.files import save_frontier, save_scenarios, write_template

    plan = read_plan(SAMPLE)
    points, run = frontier(plan, steps=3), run_scenarios(plan)
    for save in (
        write_template,
        lambda path: write_template(path, example=True),
        lambda path: save_frontier(points, path),
        lambda path: save_scenarios(run, path),
    ):
        _assert_same_as_openpyxl(monkeypatch, tmp_path, save)
