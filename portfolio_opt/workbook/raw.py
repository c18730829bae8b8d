"""A workbook as stored: plain grids of values with their cell addresses.

What the xlsx reader produces and the validator reads; neither side needs the other's
imports (the validator never imports the xlsx package).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
