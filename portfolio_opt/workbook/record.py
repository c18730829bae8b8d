"""The workbook of the record (``portfolio-opt history -o record.xlsx``): plans of record by
period, the portfolio of each, every approval and every run, as plain tables the store hands
over (this layer knows nothing of the store)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook

from portfolio_opt.workbook.style import first_sheet, fit_widths, safe_title, save_atomic, write_table


@dataclass(frozen=True)
class Sheet:
    """One sheet of the record's workbook: its name, header, rows and each column's number format."""

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    formats: Sequence[str | None] = ()


def write_record(sheets: Sequence[Sheet], path: str | os.PathLike, force: bool = False) -> None:
    """Write ``sheets`` to a new workbook at ``path`` (an existing one only with ``force``), each a
    table with a frozen header and a filter; a sheet with no rows says so under its header."""
    wb = Workbook()
    wb.remove(first_sheet(wb))
    for sheet in sheets:
        ws = wb.create_sheet(safe_title(sheet.name))
        rows = list(sheet.rows) or [("(none yet)",)]
        write_table(ws, sheet.header, rows, formats=sheet.formats)
        fit_widths(ws)
    save_atomic(wb, path, force)
