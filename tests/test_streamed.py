"""The big sheets of a results workbook (the Ranking, the Schedule, the input copies) are
streamed: no openpyxl cell per cell, one shared record per style, and the file is the same
bytes as when every cell was an openpyxl cell (``style.STREAM`` off), whatever the plan holds."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import shutil
import subprocess
import warnings

import pytest
from conftest import HEADERS, ROOT, ini
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment

from portfolio_opt import Initiative, Plan, optimize, read_plan, save_results
from portfolio_opt.workbook import package, style
from portfolio_opt.workbook.results import write_results


def _both_ways(monkeypatch, folder, save) -> tuple[bytes, bytes]:
    """The bytes ``save(path)`` writes with the big sheets streamed, and cell by cell."""
    save(folder / "streamed.xlsx")
    with monkeypatch.context() as m:
        m.setattr(style, "STREAM", False)
        save(folder / "cells.xlsx")
    return (folder / "streamed.xlsx").read_bytes(), (folder / "cells.xlsx").read_bytes()


@pytest.mark.parametrize(
    "sample",
    [
        pytest.param("sample_quarterly", marks=pytest.mark.slow),  # multi-period: the Schedule, its build, live fills
        "sample_risk",  # risk: ranges in the copies, the risk columns
        "sample_q2",  # a review: decisions, dates in the copies, the realization sheets
        "sample_criteria",  # committee scoring: criteria columns, several input sheets
    ],
)
def test_streamed_sheets_are_the_bytes_written_cell_by_cell(tmp_path, monkeypatch, sample):
    result = optimize(read_plan(ROOT / "data" / f"{sample}.xlsx"))
    streamed, cells = _both_ways(monkeypatch, tmp_path, lambda path: save_results(result, path))
    assert streamed == cells


def test_the_big_sheets_hold_no_openpyxl_cells_and_share_their_styles(tmp_path):
    result = optimize(read_plan(ROOT / "data" / "sample_quarterly.xlsx"))
    books = []
    write_results(result, tmp_path / "r.xlsx", extra=books.append)
    wb = books[0]
    written = 0
    for name in ("Ranking", "Schedule", "Initiatives", "Constraints"):
        assert wb[name]._cells == {}, name
        written += sum(len(values) for values, _ in wb[name]._streamed.rows.values())
    assert wb["Summary"]._cells and not hasattr(wb["Summary"], "_streamed")
    styles = package.CellStyles.of(wb)
    assert written > 1_000 and len(styles.arrays) < 40  # a record per style, not per cell
    assert len(set(styles.arrays)) == len(styles.arrays)
    ranking = load_workbook(tmp_path / "r.xlsx")["Ranking"]
    selected = [row[4] for row in ranking.iter_rows(min_row=2) if row[4].value == "Yes"]
    assert selected and {c.fill.fgColor.rgb[-6:] for c in selected} == {style.YES_FILL.fgColor.rgb[-6:]}
    assert ranking.freeze_panes == "A2" and ranking.auto_filter.ref.startswith("A1:")


def _hostile_workbook(path):
    """A planning workbook typed by hand: a title above the header, an empty row, dates, truth
    values, a cell formatted its own way, text that looks like a formula, long names."""
    names = [
        "=cmd|' /C calc'!A0",
        "\ttab first",
        "two\nlines",
        "  padded ",
        "café & <tag> 😀",
        "A very long name that will need wrapping in its column of the Ranking and of the copy too",
        "-1",
        "+x",
        "@at",
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Initiatives"
    ws.append(["Portfolio 2027 (draft)"])
    ws.append([])
    ws.append([*HEADERS, "Approved on", "Flagged", "Notes"])
    for k, name in enumerate(names):
        ws.append(
            [*ini(f"I{k}", 100 + 10 * k, name=name), dt.datetime(2026, 1, 1 + k), k % 2 == 1, f"note {k}" * (k % 3)]
        )
        if k == 4:
            ws.append([])
    ws.cell(row=4, column=2).data_type = "s"  # the formula-like name typed as text
    ws.cell(row=6, column=7).number_format = "#,##0.00"
    wb.save(path)
    return path


def test_a_hand_typed_workbook_streams_to_the_same_bytes_and_reads_back(tmp_path, monkeypatch):
    result = optimize(read_plan(_hostile_workbook(tmp_path / "plan.xlsx")))
    streamed, cells = _both_ways(monkeypatch, tmp_path, lambda path: save_results(result, path))
    assert streamed == cells
    back = load_workbook(tmp_path / "streamed.xlsx")
    copy = back["Initiatives"]
    assert copy["A1"].value == "Portfolio 2027 (draft)" and copy["A2"].value is None
    assert copy["B4"].value == "=cmd|' /C calc'!A0" and copy["B4"].data_type == "s" and copy["B4"].quotePrefix
    assert copy["L4"].value == dt.datetime(2026, 1, 1) and copy["M5"].value is True
    assert copy["G6"].number_format.startswith("#,##0.00")
    ranking = {row[1].value: row for row in back["Ranking"].iter_rows(min_row=2)}
    assert ranking["I0"][2].data_type == "s" and ranking["I0"][2].quotePrefix
    assert ranking["I2"][2].value == "two\nlines" and ranking["I4"][2].value == "café & <tag> 😀"
    assert ranking["I5"][2].alignment.wrap_text  # long text wraps within its column


def test_control_characters_and_overlong_text_streamed_as_cell_by_cell(tmp_path, monkeypatch):
    names = ["\x07=bell", "x" * 40_000, "y\ny\ny", "=1+1", "\x00nul", "-", "plain"]
    plan = Plan(tuple(Initiative(f"I{k}", name, 1000 * (k + 1), 0.9, 0, 10 + k) for k, name in enumerate(names)))
    result = optimize(plan)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        streamed, cells = _both_ways(monkeypatch, tmp_path, lambda path: save_results(result, path))
    assert streamed == cells
    cuts = [str(w.message) for w in caught if issubclass(w.category, style.TextCut)]
    assert len(cuts) == 2 and cuts[0] == cuts[1]  # once each way, naming the same cell
    assert cuts[0].startswith("Ranking!C") and "held 40,000 characters; cut to 32,767" in cuts[0]
    ranking = {
        row[1].value: row[2] for row in load_workbook(tmp_path / "streamed.xlsx")["Ranking"].iter_rows(min_row=2)
    }
    assert ranking["I0"].value == "\ufffd=bell" and ranking["I0"].quotePrefix
    assert ranking["I3"].value == "=1+1" and ranking["I3"].data_type == "s" and ranking["I3"].quotePrefix
    assert len(ranking["I1"].value) == 32_767
    assert b"<f>" not in streamed  # text that looks like a formula is never written as one


class _Label(str):
    """A str subclass (openpyxl writes it by its own route)."""


def _every_streamed_case(ws) -> None:
    """One sheet exercising each thing a streamed sheet does, written through style's functions."""
    style.write_table(
        ws,
        ["Amount", "Quantity", "Note", "When", "Flag", "Odd", "Share"],
        [
            (1234.5, 3, "short", dt.date(2026, 2, 1), True, decimal.Decimal("1.25"), 0.125),
            (float("nan"), 2.5, "x " * 80, None, False, _Label("label"), float("inf")),
            (None, None, None, None, None, None, None),
            (-0.0, 10**20, "two\nlines\nhere", dt.datetime(2026, 2, 1, 9, 30), None, "", 1),
        ],
        [style.MONEY, style.NUMBER, None, "yyyy-mm-dd", None, None, style.PERCENT],
    )
    style.fill_column(ws, 3, 2, [style.YES_FILL, style.NO_FILL, style.YES_FILL, style.NO_FILL, style.NO_FILL])
    style.fill_cell(ws, 9, 9, style.YES_FILL)  # a place with no cell: one is made there
    style.put_row(ws, 11, [None, "after a gap", None, 7, None], [None, None, None, "0.0"], skip_empty=True)
    style.put_row(ws, 12, [None, None], skip_empty=True)  # nothing to write: no row
    style.put_row(ws, 13, ["looked", 1.5], ["@", style.MONEY2], style.Look(style.font(bold=True), None, style.WRAP))
    style.fit_widths(ws, maximum=30)


def _empty_table(ws) -> None:
    """A table with a header and no rows: the frozen pane's cell is made below the header."""
    style.write_table(ws, ["Only", "A header"], [])


@pytest.mark.parametrize("build", [_every_streamed_case, _empty_table])
def test_each_streamed_case_is_the_bytes_written_cell_by_cell(tmp_path, build):
    def save(path, streamed: bool) -> bytes:
        wb = Workbook()
        ws = wb.active
        ws.title = "Big"
        build(style.stream(ws) if streamed else ws)
        assert not (streamed and ws._cells)
        style.save_atomic(wb, path)
        return path.read_bytes()

    assert save(tmp_path / "a.xlsx", True) == save(tmp_path / "b.xlsx", False)
    back = load_workbook(tmp_path / "a.xlsx")["Big"]
    assert back.calculate_dimension() == load_workbook(tmp_path / "b.xlsx")["Big"].calculate_dimension()


def test_a_streamed_sheet_wraps_and_grows_rows_as_a_sheet_of_cells_does(tmp_path):
    wb = Workbook()
    ws = style.stream(wb.active)
    style.write_table(ws, ["ID", "Why"], [("A", "word " * 40), ("B", "short"), ("C", "one\ntwo\nthree")])
    ws.column_dimensions["B"].width = 20
    ws._print_laid_out = False
    style.print_layout(ws)
    style.save_atomic(wb, tmp_path / "w.xlsx")
    back = load_workbook(tmp_path / "w.xlsx").active
    assert back["B2"].alignment == Alignment(wrap_text=True, vertical="top")
    assert back.row_dimensions[2].height == style.LINE_HEIGHT * style.wrapped_lines("word " * 40, 20) + 2
    assert back["A2"].alignment.vertical == "top"  # the whole tall row reads from its top
    assert not back["B3"].alignment.wrap_text and back.row_dimensions[3].height is None


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.slow
def test_libreoffice_reads_the_streamed_sheets(tmp_path):
    result = optimize(read_plan(ROOT / "data" / "sample_quarterly.xlsx"))
    save_results(result, tmp_path / "r.xlsx")
    proc = subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(tmp_path / "csv"),
            str(tmp_path / "r.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    book = load_workbook(tmp_path / "r.xlsx")
    for sheet, column in (("Ranking", 1), ("Schedule", 0), ("Initiatives", 0)):
        with open(tmp_path / "csv" / f"r-{sheet}.csv", newline="", encoding="utf-8") as fh:
            seen = [row[column] for row in csv.reader(fh) if row]
        written = [str(row[column].value) for row in book[sheet].iter_rows() if row[column].value is not None]
        assert seen == written and len(seen) > 10, sheet


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_pauses_while_writing_and_is_left_as_it_was_whole_or_failed(tmp_path, monkeypatch, enabled):
    import gc

    from portfolio_opt import OutputError

    result = optimize(read_plan(ROOT / "data" / "sample_plan.xlsx"))
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        during = []
        write_results(result, tmp_path / "r.xlsx", extra=lambda wb: during.append(gc.isenabled()))
        assert during == [False] and gc.isenabled() is enabled
        with pytest.raises(OutputError):
            save_results(result, tmp_path / "missing" / "r.xlsx")
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
