"""Read back a workbook this tool wrote, as plain tables, for the leadership page.

Every sheet becomes its tables (a table is a header row and the rows under it, up to a blank
row), each cell with its value and the text a spreadsheet shows for it (its number format
applied), so the page formats numbers as the workbook does.
"""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook

from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.workbook.style import PAD


@dataclass(frozen=True)
class Cell:
    """One cell of an output workbook: its value, and the text a spreadsheet shows for it."""

    value: Any
    text: str


@dataclass
class Table:
    """A header row and the rows below it (to the first blank row)."""

    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    def column(self, name: str) -> int | None:
        """The position of a header, ignoring case; None when absent."""
        wanted = name.casefold()
        return next((k for k, h in enumerate(self.header) if h.casefold() == wanted), None)

    def values(self, name: str) -> list[Any]:
        """The values of the column headed ``name`` (any case), one per row; empty when no
        column has it."""
        k = self.column(name)
        return [] if k is None else [row[k].value if k < len(row) else None for row in self.rows]

    def as_dicts(self) -> list[dict[str, Cell]]:
        """Each row as a mapping from header to cell (a short row's missing cells are blank)."""
        return [
            {h: (row[k] if k < len(row) else Cell(None, "")) for k, h in enumerate(self.header) if h}
            for row in self.rows
        ]


@dataclass
class OutputBook:
    """A workbook this tool wrote: its sheets' tables in order, and the file's facts."""

    name: str
    sheets: dict[str, list[Table]]
    modified: _dt.date | None = None  #: when the file was written (the file system's date)
    charts: dict[str, int] = field(default_factory=dict)  #: charts per sheet

    def table(self, sheet: str, first_header: str | None = None) -> Table | None:
        """The first table of a sheet (whose first header is ``first_header``, when given)."""
        for t in self.sheets.get(sheet, []):
            if first_header is None or (t.header and t.header[0].casefold() == first_header.casefold()):
                return t
        return None

    def has(self, sheet: str) -> bool:
        """True when the workbook has a sheet of this name."""
        return sheet in self.sheets


def shown(value: Any, number_format: str | None) -> str:
    """The text a spreadsheet shows for a value in a number format (the formats this tool writes:
    money with an optional symbol, counts, ratios, percentages, dates).

    >>> shown(1234567.8, '"€"#,##0_)'), shown(0.125, "0.0%"), shown(3, "#,##0.##"), shown(2.5, "0.00")
    ('€1,234,568', '12.5%', '3', '2.50')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, (_dt.datetime, _dt.date)):
        return (value.date() if isinstance(value, _dt.datetime) else value).isoformat()
    if not isinstance(value, (int, float)):
        return str(value)
    fmt = (number_format or "General").split(";")[0].replace(PAD, "").strip()
    if fmt in ("General", "@", ""):
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            value = int(value)
        return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"
    prefix = fmt.split('"')[1] if fmt.count('"') >= 2 else ""
    core = fmt.split('"')[-1] if fmt.count('"') >= 2 else fmt
    if "%" in core:
        decimals = len(core.split(".")[1].rstrip("%")) if "." in core else 0
        return f"{value * 100:,.{decimals}f}%"
    if "." in core:
        tail = core.split(".")[1]
        fixed, optional = tail.count("0"), tail.count("#")
        text = f"{value:,.{fixed + optional}f}"
        if optional:
            whole, _, frac = text.partition(".")
            frac = frac[:fixed] + frac[fixed:].rstrip("0")
            text = whole + ("." + frac if frac else "")
    else:
        text = f"{value:,.0f}" if "," in core else f"{value:.0f}"
    if text.startswith("-"):
        return "-" + prefix + text[1:]
    return prefix + text


def read_output(path: str | os.PathLike) -> OutputBook:
    """Every sheet of a workbook as its tables. Raises InvalidWorkbook when it cannot be read."""
    path = os.fspath(path)
    name = os.path.basename(path)
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # any failure to open is the file's: say so plainly
        raise InvalidWorkbook(
            [
                Problem(
                    "unreadable",
                    name,
                    f"cannot be read as a workbook ({type(exc).__name__})",
                    "Give a workbook portfolio-opt wrote, e.g. the -o file of optimize",
                )
            ],
            name,
        ) from None
    sheets: dict[str, list[Table]] = {}
    charts: dict[str, int] = {}
    for ws in wb.worksheets:
        tables: list[Table] = []
        current: Table | None = None
        for row in ws.iter_rows():
            cells = [Cell(c.value, shown(c.value, c.number_format)) for c in row]
            while cells and cells[-1].value is None:
                cells.pop()
            if not cells:
                current = None
                continue
            if current is None:
                current = Table([str(c.value) if c.value is not None else "" for c in cells])
                tables.append(current)
            else:
                current.rows.append(cells)
        sheets[ws.title] = tables
        charts[ws.title] = len(getattr(ws, "_charts", []))
    modified = _dt.date.fromtimestamp(os.path.getmtime(path))
    return OutputBook(name, sheets, modified, charts)
