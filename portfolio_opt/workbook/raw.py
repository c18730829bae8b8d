"""A workbook as stored: plain grids of values with their cell addresses.

What the xlsx reader produces and the validator reads; neither side needs the other's
imports (the validator never imports the xlsx package).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from portfolio_opt.model.errors import InvalidWorkbook, Problem


@functools.lru_cache(maxsize=1024)
def column_letter(n: int) -> str:
    """The letters of 1-based column ``n``: 1 -> A, 27 -> AA.

    >>> column_letter(1), column_letter(26), column_letter(28), column_letter(16384)
    ('A', 'Z', 'AB', 'XFD')
    """
    letters = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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
        return f"{self.name}!{column_letter(c + 1)}{r + 1}"


@dataclass
class RawWorkbook:
    """Every sheet of a workbook, in order, with the file's name and SHA-256."""

    sheets: list[RawSheet]
    name: str
    sha256: str
    #: when the file says it was last saved (its document properties), if it says so
    saved: Any = None

    def sheet(self, wanted: str) -> RawSheet | None:
        """The sheet named ``wanted``, ignoring case and surrounding spaces."""
        folded = wanted.strip().casefold()
        for sheet in self.sheets:
            if sheet.name.strip().casefold() == folded:
                return sheet
        return None


#: The most cells a sheet's table may span (rows × columns, from A1 to its farthest value). A
#: value far outside the table (say at XFD1048576) would make a dense grid of billions of cells:
#: the sheet is refused at that cell instead.
MAX_CELLS = 10_000_000
#: The most rows a sheet can have (Excel's and LibreOffice's limit); a row numbered past it was
#: forged, and counting up to it would take as long as the number is large.
EXCEL_ROWS = 1_048_576


def far_cell(sheet: str, r: int, values: list, width: int) -> InvalidWorkbook:
    """The refusal of a sheet whose row ``r`` (its ``values``, blanks as None) stretches the
    table past :data:`MAX_CELLS`, at that row's last value; ``width`` is the table's so far."""
    c = max((k for k, v in enumerate(values) if v is not None and v != ""), default=None)
    return far_value(sheet, r, c, values[c] if c is not None else None, max(width, len(values)))


def far_value(sheet: str, r: int, c: int | None, value: Any, columns: int) -> InvalidWorkbook:
    """The refusal of a sheet that ``value`` at (``r``, ``c``) would stretch to ``r + 1`` rows ×
    ``columns`` columns, past :data:`MAX_CELLS` (``c`` None: the row holds no value)."""
    where = RawSheet(sheet, []).address(r, c if c is not None else 0)
    shown = repr(value)[:40] if c is not None else "a value"
    return InvalidWorkbook(
        [
            Problem(
                "far-cell",
                where,
                f"holds {shown}, far outside the table: the sheet would span {r + 1:,} rows × "
                f"{columns:,} columns (at most {MAX_CELLS:,} cells)",
                "Delete that cell (and anything else far below or right of the table), then save",
                value if c is not None else None,
            )
        ],
        "",
    )


def far_row(sheet: str, number: int) -> InvalidWorkbook:
    """The refusal of a sheet holding a row numbered past the last row a sheet can have."""
    return InvalidWorkbook(
        [
            Problem(
                "damaged",
                f"{sheet}!{number}",
                f"has a row numbered {number:,}, past the last row a sheet can have ({EXCEL_ROWS:,})",
                "The file is damaged: open it in Excel or LibreOffice and save a copy",
            )
        ],
        "",
    )


class Grid:
    """A sheet gathered cell by cell, in any order, into a :class:`RawSheet` (the .ods and
    .xls readers use it): blank cells are None in General format, each row's trailing blanks
    and the sheet's trailing blank rows are dropped, and a value that would stretch the table
    past :data:`MAX_CELLS` is refused at its cell before the table is made."""

    def __init__(self, name: str):
        self.sheet = RawSheet(name=name, rows=[])
        self.cells: dict[int, dict[int, tuple[Any, str]]] = {}
        self.height = self.width = 0

    def put(self, r: int, c: int, value: Any, fmt: str = "General") -> None:
        """Put a value (None for a blank) with its number format at 0-based row ``r``, column ``c``."""
        if value is None or value == "":
            return
        height, width = max(self.height, r + 1), max(self.width, c + 1)
        if height * width > MAX_CELLS:
            raise far_value(self.sheet.name, r, c, value, width)
        self.height, self.width = height, width
        self.cells.setdefault(r, {})[c] = (value, fmt)

    def fits(self, r: int, c: int) -> bool:
        """Whether a value at (r, c) keeps the table within :data:`MAX_CELLS`."""
        return max(self.height, r + 1) * max(self.width, c + 1) <= MAX_CELLS

    def done(self) -> RawSheet:
        """The sheet: every row padded to the table's width."""
        blank, general = [None] * self.width, ["General"] * self.width
        rows, formats = [], []
        for r in range(self.height):
            vals, fmts = list(blank), list(general)
            for c, (value, fmt) in self.cells.get(r, {}).items():
                vals[c], fmts[c] = value, fmt
            rows.append(tuple(vals))
            formats.append(tuple(fmts))
        self.sheet.rows, self.sheet.number_formats = rows, formats
        return self.sheet
