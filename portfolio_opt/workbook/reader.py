"""Read an .xlsx file into plain tables: values, their cell addresses, and what is odd about them.

Only this package touches openpyxl. What comes out is a :class:`RawWorkbook`, which the pure
validation in :mod:`portfolio_opt.validate` turns into a plan.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io
import os
import re
import zipfile
import zlib
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import InvalidFileException

from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.workbook import archive
from portfolio_opt.workbook.raw import RawSheet, RawWorkbook


def read_workbook(path: str | os.PathLike) -> RawWorkbook:
    """Read every sheet of an .xlsx file (cached values of formulas, never the formulas).

    Raises :class:`InvalidWorkbook` when the file is not a readable .xlsx workbook.
    """
    path = os.fspath(path)
    name = os.path.basename(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InvalidWorkbook(
            [Problem("unreadable", name, f"cannot be read ({exc.strerror})", "Check the path and permissions")],
            name,
        ) from None
    sha = hashlib.sha256(data).hexdigest()
    ole = archive.ole_problem(data, name)
    if ole is not None:
        raise InvalidWorkbook([ole], name)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        hint = _format_hint(data)
        raise InvalidWorkbook(
            [
                Problem(
                    "not-xlsx",
                    name,
                    f"is not an .xlsx workbook{hint}",
                    "Open it in Excel and save it as 'Excel Workbook (.xlsx)'",
                )
            ],
            name,
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            problems = archive.check(zf, name)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        problems = [
            Problem(
                "not-xlsx",
                name,
                f"is not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                "Open it in Excel and save it as 'Excel Workbook (.xlsx)'",
            )
        ]
    if problems:
        raise InvalidWorkbook(problems, name)
    # From here on the archive is bounded and plain: what fails is a damaged part, not a bug.
    # The bytes already read are parsed, so the file is read once and never changed.
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
    except _DAMAGE as exc:
        raise InvalidWorkbook(
            [
                Problem(
                    "damaged",
                    name,
                    f"is damaged and cannot be read ({type(exc).__name__}: {str(exc)[:200]})",
                    "Open it in Excel or LibreOffice and save a copy as 'Excel Workbook (.xlsx)'",
                )
            ],
            name,
        ) from None
    finally:
        for wb in (values_wb, formulas_wb):
            if wb is not None:
                wb.close()
    return RawWorkbook(sheets=sheets, name=name, sha256=sha, saved=saved)


#: What a damaged part raises inside the spreadsheet library (after the archive checks)
_DAMAGE = (
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


def _format_hint(data: bytes) -> str:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return " (it looks like an old .xls file)"
    if not data.strip():
        return " (the file is empty)"
    head = data[:200].lower()
    if b"," in head or b";" in head or b"\t" in head:
        return " (it looks like a text/CSV file)"
    return ""


#: The most cells a sheet's table may span (rows × columns, from A1 to its farthest value). A
#: value far outside the table (say at XFD1048576) would make a dense grid of billions of cells:
#: the sheet is refused at that cell instead.
MAX_CELLS = 10_000_000


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
                try:
                    sheet.serials[(r, cell.column - 1)] = float(to_excel(value, epoch))
                except (TypeError, ValueError, OverflowError):
                    pass
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
    present = [c for c in row if c.__class__.__name__ != "EmptyCell" and c.value not in (None, "")]
    cell = max(present, key=lambda c: c.column) if present else None
    where = sheet.address(r, (cell.column - 1) if cell is not None else 0)
    shown = repr(cell.value)[:40] if cell is not None else "a value"
    raise InvalidWorkbook(
        [
            Problem(
                "far-cell",
                where,
                f"holds {shown}, far outside the table: the sheet would span {r + 1:,} rows × "
                f"{max(width, len(row)):,} columns (at most {MAX_CELLS:,} cells)",
                "Delete that cell (and anything else far below or right of the table), then save",
                cell.value if cell is not None else None,
            )
        ],
        "",
    )
