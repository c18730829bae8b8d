"""Read an .xlsx archive with openpyxl: the reference for the fast reader, and its fallback.

:mod:`~portfolio_opt.workbook.xlsx` reads what spreadsheet programs write; a file holding
anything else (valid or damaged) is read here, cell by cell through openpyxl's read-only mode,
and a damaged part is refused with openpyxl's own words for what is wrong with it.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
import zlib
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.workbook import numfmt
from portfolio_opt.workbook.raw import EXCEL_ROWS, MAX_CELLS, RawSheet, RawWorkbook, far_cell, far_row


def read(data: bytes, name: str, sha256: str) -> RawWorkbook:
    """Every sheet of an (already checked) .xlsx archive: cached values of formulas, never the
    formulas, with uncalculated ones noted. Raises :class:`InvalidWorkbook` for a damaged part."""
    values_wb = formulas_wb = None
    try:
        values_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # the formulas are read only where the file holds any: a plan typed by hand has none,
        # and reading it a second time cost a quarter of reading a 10,000-initiative plan
        if _has_formulas(data):
            formulas_wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        saved = getattr(values_wb.properties, "modified", None)
        sheets = [
            _read_sheet(values_wb[title], formulas_wb[title] if formulas_wb is not None else None, values_wb.epoch)
            for title in values_wb.sheetnames
            if values_wb[title].__class__.__name__ != "ReadOnlyChartsheet"
        ]
    except InvalidWorkbook as exc:
        raise InvalidWorkbook(exc.problems, name) from None
    except DAMAGE as exc:
        raise InvalidWorkbook([damaged(name, exc)], name) from None
    finally:
        for wb in (values_wb, formulas_wb):
            if wb is not None:
                wb.close()
    return RawWorkbook(sheets=sheets, name=name, sha256=sha256, saved=saved)


def damaged(name: str, exc: BaseException) -> Problem:
    """The problem of a part that a parser could not read."""
    return Problem(
        "damaged",
        name,
        f"is damaged and cannot be read ({type(exc).__name__}: {str(exc)[:200]})",
        "Open it in Excel or LibreOffice and save a copy as 'Excel Workbook (.xlsx)'",
    )


#: What a damaged part raises inside the spreadsheet library (after the archive checks)
DAMAGE = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    zlib.error,
    SyntaxError,
    OverflowError,
    UnicodeError,
)


#: a formula element in a worksheet part (``<f>``, ``<f t="shared" .../>``, ``<x:f>``)
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _has_formulas(data: bytes) -> bool:
    """True when any worksheet of the (already checked) archive holds a formula."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                if _FORMULA.search(zf.read(info.filename)):
                    return True
    return False


def _reset(ws) -> None:
    """Read only the cells the sheet holds, not the area its header claims (a stray or forged
    dimension would make every row as wide as the claim)."""
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()


def _read_sheet(values_ws, formulas_ws, epoch) -> RawSheet:
    sheet = RawSheet(name=values_ws.title, rows=[])
    width = 0
    raw_rows: list[list[Any]] = []
    formats: list[list[str]] = []
    _reset(values_ws)
    _reset(formulas_ws)
    for r, row in enumerate(values_ws.iter_rows()):
        if r >= EXCEL_ROWS:
            raise far_row(sheet.name, r + 1)
        if row and (r + 1) * max(width, len(row)) > MAX_CELLS:
            _too_far(sheet, r, row, width)
        vals: list[Any] = []
        fmts: list[str] = []
        for cell in row:
            if cell.__class__.__name__ == "EmptyCell":
                vals.append(None)
                fmts.append("General")
                continue
            value = cell.value
            if cell.data_type == "e":
                sheet.errors.add((r, cell.column - 1))
            if isinstance(value, str) and value == "":
                value = None
            elif isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
                serial = numfmt.serial_of(value, epoch)
                if serial is not None:
                    sheet.serials[(r, cell.column - 1)] = serial
            vals.append(value)
            fmts.append(cell.number_format or "General")
        while vals and vals[-1] is None:
            vals.pop()
            fmts.pop()
        width = max(width, len(vals))
        raw_rows.append(vals)
        formats.append(fmts)
    while raw_rows and not raw_rows[-1]:
        raw_rows.pop()
        formats.pop()
    sheet.rows = [tuple(v + [None] * (width - len(v))) for v in raw_rows]
    sheet.number_formats = [tuple(f + ["General"] * (width - len(f))) for f in formats]

    # A formula whose cached value is missing was never calculated (written by a program
    # and not opened in a spreadsheet since): flag it rather than read it as blank.
    if formulas_ws is None:
        return sheet
    for r, row in enumerate(formulas_ws.iter_rows()):
        if r >= len(sheet.rows) and not row:
            continue
        if (r + 1) * max(width, len(row)) > MAX_CELLS:
            _too_far(sheet, r, row, width)
        for cell in row:
            if cell.__class__.__name__ == "EmptyCell" or cell.data_type != "f":
                continue
            c = cell.column - 1
            if r >= len(sheet.rows) or c >= width or sheet.rows[r][c] is None:
                sheet.uncalculated[(r, c)] = str(cell.value)
    return sheet


def _too_far(sheet: RawSheet, r: int, row, width: int) -> None:
    """Refuse the sheet at the value that stretches it past :data:`MAX_CELLS`."""
    values = [None if c.__class__.__name__ == "EmptyCell" or c.value == "" else c.value for c in row]
    raise far_cell(sheet.name, r, values, width)
