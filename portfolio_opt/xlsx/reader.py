"""Read an .xlsx file into plain tables: values, their cell addresses, and what is odd about them.

Only this package touches openpyxl. What comes out is a :class:`RawWorkbook`, which the pure
validation in :mod:`portfolio_opt.validate` turns into a plan.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import InvalidFileException

from ..errors import InvalidWorkbook, Problem


@dataclass
class RawSheet:
    """One sheet as stored: a grid of values, with the address of every cell."""

    name: str
    rows: list[tuple[Any, ...]]  #: every row from row 1, padded to the same width
    number_formats: list[tuple[str, ...]] = field(default_factory=list)
    uncalculated: dict[tuple[int, int], str] = field(default_factory=dict)  #: (r, c) -> formula
    errors: set[tuple[int, int]] = field(default_factory=set)  #: cells holding #DIV/0! etc.
    #: date- or time-formatted cells: the serial number the cell stores (what was typed, when
    #: a number went into a cell formatted as a date)
    serials: dict[tuple[int, int], float] = field(default_factory=dict)

    def address(self, r: int, c: int) -> str:
        """``Sheet!B7`` for 0-based row ``r`` and column ``c``."""
        return f"{self.name}!{get_column_letter(c + 1)}{r + 1}"


@dataclass
class RawWorkbook:
    """Every sheet of a workbook, in order, with the file's name and SHA-256."""

    sheets: list[RawSheet]
    name: str
    sha256: str

    def sheet(self, wanted: str) -> RawSheet | None:
        """The sheet named ``wanted``, ignoring case and surrounding spaces."""
        folded = wanted.strip().casefold()
        for sheet in self.sheets:
            if sheet.name.strip().casefold() == folded:
                return sheet
        return None


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
    if not zipfile.is_zipfile(path):
        hint = _format_hint(data)
        raise InvalidWorkbook(
            [Problem("not-xlsx", name, f"is not an .xlsx workbook{hint}", "Open it in Excel and save it as 'Excel Workbook (.xlsx)'")],
            name,
        )
    try:
        values_wb = load_workbook(path, read_only=True, data_only=True)
        formulas_wb = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidWorkbook(
            [Problem("not-xlsx", name, f"is not a readable .xlsx workbook ({type(exc).__name__}: {exc})", "Open it in Excel and save it as 'Excel Workbook (.xlsx)'")],
            name,
        ) from None
    try:
        sheets = [
            _read_sheet(values_wb[title], formulas_wb[title], values_wb.epoch)
            for title in values_wb.sheetnames
            if values_wb[title].__class__.__name__ != "ReadOnlyChartsheet"
        ]
    finally:
        values_wb.close()
        formulas_wb.close()
    return RawWorkbook(sheets=sheets, name=name, sha256=sha)


def _format_hint(data: bytes) -> str:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return " (it looks like an old .xls file)"
    if not data.strip():
        return " (the file is empty)"
    head = data[:200].lower()
    if b"," in head or b";" in head or b"\t" in head:
        return " (it looks like a text/CSV file)"
    return ""


def _read_sheet(values_ws, formulas_ws, epoch) -> RawSheet:
    sheet = RawSheet(name=values_ws.title, rows=[])
    width = 0
    raw_rows: list[list[Any]] = []
    formats: list[list[str]] = []
    for r, row in enumerate(values_ws.iter_rows()):
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
    for r, row in enumerate(formulas_ws.iter_rows()):
        for cell in row:
            if cell.__class__.__name__ == "EmptyCell" or cell.data_type != "f":
                continue
            c = cell.column - 1
            if r >= len(sheet.rows) or c >= width or sheet.rows[r][c] is None:
                sheet.uncalculated[(r, c)] = str(cell.value)
    return sheet
