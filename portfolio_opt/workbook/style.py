"""Finance conventions for every sheet we write, and the safe, deterministic way to save.

Bold frozen headers, filters, number formats and readable widths; text that could run as a
formula written as plain text; files written to a temporary name and renamed, so a reader
never sees half a workbook; fixed timestamps inside the file, so the same result gives the
same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import os
import sys
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE
from openpyxl.utils import get_column_letter

from portfolio_opt.model.errors import (  # noqa: F401  (TextCut: raised here, defined with the errors)
    OutputError,
    TextCut,
)
from portfolio_opt.runtime import atomic, stopping
from portfolio_opt.workbook.package import workbook_bytes

#: One font family for every cell we write: headers, body and highlights differ in weight and
#: colour only. Calibri is Excel's default; LibreOffice shows it as the metric-compatible Carlito.
FONT_NAME = "Calibri"
BODY_FONT = Font(name=FONT_NAME, size=11)
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True)
TITLE_FONT = Font(name=FONT_NAME, size=13, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
YES_FILL = PatternFill("solid", fgColor="E2EFDA")
NO_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center")


def font(bold: bool = False, color: str | None = None, size: float = 11) -> Font:
    """A font of the one family, e.g. bold green for a highlighted cell."""
    return Font(name=FONT_NAME, size=size, bold=bold, color=color)


MONEY = "#,##0"
MONEY2 = "#,##0.00"
PERCENT = "0.0%"
PERCENT2 = "0.00%"
RATIO = "0.00"
#: A quantity (FTE, months, a count): :func:`put` shows whole numbers without decimals and
#: others with one or two, cell by cell (Excel's ``#,##0.##`` would show 36 as "36.").
NUMBER = "#,##0.##"
#: Appended to every number format we write: a space the width of ")" after the number, so a
#: right-aligned figure never touches the text of the column to its right.
PAD = "_)"

FIXED_TIME = _dt.datetime(2000, 1, 1)
MAX_CELL_TEXT = 32_767  #: the most characters Excel keeps in a cell


_RISKY_START = ("=", "+", "-", "@")


def percent_format(value: float | None) -> str:
    """The fewest decimals that show a rate as it is: 10% as ``0%``, 12.5% as ``0.0%``,
    a gap of 0.0001 as ``0.00%``."""
    if value is None or not isinstance(value, (int, float)):
        return PERCENT
    for places in range(0, 4):
        if abs(round(value * 100, places) - value * 100) < 1e-9:
            return "0%" if places == 0 else "0." + "0" * places + "%"
    return "0.0000%"


def money_format(currency: str = "") -> str:
    """``#,##0``, or with the currency symbol from Settings, e.g. ``"€"#,##0``."""
    if not currency:
        return MONEY
    return f'"{currency.replace(chr(34), "")}"#,##0'


def safe_title(title: str) -> str:
    """A valid sheet title: at most 31 characters, none of ``\\ * ? : / [ ]``."""
    cleaned = "".join("_" if ch in "\\*?:/[]" else ch for ch in str(title)).strip("'")
    return (cleaned or "Sheet")[:31]


def shown_format(number_format: str, value: Any) -> str:
    """The format a number is written with: quantities by their own decimals, then padded."""
    if number_format == NUMBER:
        number_format = "#,##0" if float(value).is_integer() else "#,##0.0#"
    if number_format in ("General", "@") or number_format.endswith(PAD) or ";" in number_format:
        return number_format
    return number_format + PAD


def set_format(cell, number_format: str) -> None:
    """Give a written cell its number format as :func:`shown_format` makes it for its value."""
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        cell.number_format = shown_format(number_format, value)
    elif value is None:  # an empty cell to type into: General for a quantity, padded otherwise
        cell.number_format = "General" if number_format == NUMBER else shown_format(number_format, 0)
    else:
        cell.number_format = number_format


def put(ws, row: int, col: int, value: Any, number_format: str | None = None, exact: bool = False):
    """Write one cell; text is always text (never a formula), illegal characters replaced.

    A number gets ``number_format`` as :func:`shown_format` makes it (``exact``: as given, for
    the input sheets copied as they were read).
    """
    cell = ws._cells.get((row, col))
    if cell is None:  # what ws.cell() does, without its checks (this runs once per cell written)
        cell = Cell(ws, row=row, column=col)
        ws._cells[(row, col)] = cell
        if row > ws._current_row:
            ws._current_row = row
    if isinstance(value, str):
        text = value if value.isprintable() else ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(text) > MAX_CELL_TEXT:
            warnings.warn(  # noqa: B028  (the warning names the cell: where it was raised says nothing more)
                TextCut(
                    f"{ws.title}!{cell.coordinate} held {len(text):,} characters; cut to "
                    f"{MAX_CELL_TEXT:,}, the most a spreadsheet cell holds"
                )
            )
            text = text[:MAX_CELL_TEXT]
        cell._value = text  # checked above: stored as text, never read as a formula
        cell.data_type = "s"
        if text[:1] in _RISKY_START or (text[:1] and (ord(text[0]) < 32 or text[0] == "\ufffd")):
            cell.quotePrefix = True
    elif value is None:  # what the setter does with None, without its type checks
        cell._value = None
        cell.data_type = "n"
    elif isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
        cell.value = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        cell._value = value
        cell.data_type = "n"
        if number_format and not exact:
            number_format = _shown(number_format, value)
    elif isinstance(value, bool):
        cell.value = value
    else:
        put(ws, row, col, str(value))
        return cell
    if number_format:
        style = cell._style
        if style is None:
            cell._style = style = StyleArray()
        style.numFmtId = _format_id(ws.parent, number_format)
    return cell


_SHOWN: dict[tuple[str, bool], str] = {}


def _shown(number_format: str, value: float) -> str:
    """:func:`shown_format`, made once per format (and, for quantities, per whole or not)."""
    key = (number_format, number_format == NUMBER and float(value).is_integer())
    shown = _SHOWN.get(key)
    if shown is None:
        shown = _SHOWN[key] = shown_format(number_format, value)
    return shown


def _format_id(wb: Workbook, number_format: str) -> int:
    """The id ``cell.number_format = number_format`` would give, looked up once per workbook
    (openpyxl hashes the format on every assignment, a large part of writing a big Ranking)."""
    try:
        ids = wb._format_ids
    except AttributeError:
        ids = wb._format_ids = {}
    idx = ids.get(number_format)
    if idx is None:
        if number_format in BUILTIN_FORMATS_REVERSE:
            idx = BUILTIN_FORMATS_REVERSE[number_format]
        else:
            idx = wb._number_formats.add(number_format) + BUILTIN_FORMATS_MAX_SIZE
        ids[number_format] = idx
    return idx


def fill_column(ws, column: int, first_row: int, fills: Sequence[PatternFill]) -> None:
    """Give the cells of ``column`` from ``first_row`` down their fills, one per row (each
    distinct fill registered with the workbook once, not hashed again for every cell)."""
    ids: dict[int, int] = {}
    for r, fill in enumerate(fills, start=first_row):
        cell = ws.cell(row=r, column=column)
        idx = ids.get(id(fill))
        if idx is None:
            cell.fill = fill
            idx = ids[id(fill)] = cell._style.fillId
        else:
            if cell._style is None:
                cell._style = StyleArray()
            cell._style.fillId = idx


def write_table(
    ws,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    formats: Sequence[str | None] | None = None,
    start_row: int = 1,
    freeze: bool = True,
    autofilter: bool = True,
) -> int:
    """A table with a bold header, optional frozen header and filter; returns the last row."""
    for c, text in enumerate(header, start=1):
        cell = put(ws, start_row, c, text)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = HEADER_ALIGN
    ws._header_rows = getattr(ws, "_header_rows", set()) | {start_row}
    r = start_row
    formats = list(formats or ())
    for r, row in enumerate(rows, start=start_row + 1):
        if len(row) > len(formats):
            formats += [None] * (len(row) - len(formats))
        for c, (value, fmt) in enumerate(zip(row, formats), start=1):
            put(ws, r, c, value, fmt)
    if freeze and start_row == 1:
        ws.freeze_panes = ws.cell(row=2, column=1)
    if autofilter and header:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(header))}{max(r, start_row)}"
    return r


def fit_widths(ws, minimum: int = 8, maximum: int = 60, sample: int = 500) -> None:
    """Column widths that fit the content (looking at the first rows), within bounds.

    Header cells wrap at their spaces, so a long header ("Value of 1 more unit") asks only for
    its longest word; longer text in the body wraps within ``maximum`` when printed.
    """
    widths: dict[int, int] = {}
    headers = getattr(ws, "_header_rows", set())
    merged = merged_cells(ws)
    for (r, c), cell in ws._cells.items():  # the cells written, not every place in the sheet
        value = cell._value
        if r > sample or value is None or (r, c) in merged:
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = _as_shown(value, cell.number_format or "General")
        else:
            text = str(value)
        if r in headers:
            longest = max((len(word) for word in text.split()), default=0) + 1
        else:
            longest = max((len(line) for line in text.splitlines()), default=0) + 1
        widths[c] = max(widths.get(c, 0), longest)
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = max(minimum, min(maximum, w + 1))


def merged_cells(ws) -> set[tuple[int, int]]:
    """The (row, column) of every cell inside a merged range of ``ws``."""
    return {cell for rng in ws.merged_cells.ranges for cell in rng.cells}


def _as_shown(value: float, number_format: str) -> str:
    """Roughly what a spreadsheet shows for a number in a format (for column widths)."""
    core = number_format.split(";")[0].replace(PAD, "")
    decimals = len(core.split(".")[1].rstrip('%_)" ')) if "." in core else 0
    if "%" in core:
        return f"{value * 100:,.{decimals}f}% "
    if core == "General":
        return f"{value:,.6g}" if isinstance(value, float) else f"{value:,}"
    prefix = core.split('"')[1] if core.count('"') >= 2 else ""
    return f"{prefix}{value:,.{decimals}f} "


#: Printable width of a landscape and a portrait page (A4 or Letter, default margins) in
#: column-width units (the width of one digit of the body font), and the smallest print scale
#: that keeps 11-point text readable.
LANDSCAPE_UNITS = 100
PORTRAIT_UNITS = 72
MIN_SCALE = 0.7
DEFAULT_WIDTH = 8.43


CHARS_PER_UNIT = 1.15  #: characters of ordinary text per column-width unit
LINE_HEIGHT = 15  #: points per line of 11-point text


def wrapped_lines(text: str, width: float) -> int:
    """How many lines ``text`` takes when wrapped at its spaces in a column ``width`` wide."""
    room = max(1, int(width * CHARS_PER_UNIT) - 1)
    count = 0
    for paragraph in str(text).splitlines() or [""]:
        used = 0
        count += 1
        for word in paragraph.split(" "):
            need = len(word) + (1 if used else 0)
            if used and used + need > room:
                count += 1 + (len(word) - 1) // room
                used = len(word) % room or room
            else:
                used += need
    return count


def column_widths(ws) -> list[float]:
    """The width of every used column, as set or Excel's default."""
    return [
        ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH for c in range(1, (ws.max_column or 0) + 1)
    ]


def print_layout(ws, header_row: int | None = None, title_columns: str | None = None) -> None:
    """Make a sheet readable on paper and in a PDF, whatever it holds.

    Text longer than its column wraps within the column (the column keeps its width, the row
    grows); a sheet wider than a portrait page prints landscape; it is fitted to one page wide
    only where that keeps the print scale at 70% or more, otherwise it runs on to further pages
    with ``title_columns`` repeated; the header row repeats on every page.
    """
    widths = column_widths(ws)
    merged = merged_cells(ws)
    tall: dict[int, int] = {}  # row: the lines its longest text takes
    for (r, c), cell in ws._cells.items():
        value = cell._value
        if not isinstance(value, str) or c > len(widths):
            continue
        width = widths[c - 1]
        if len(value) < int(width * CHARS_PER_UNIT) and "\n" not in value:
            continue  # one line however it is aligned (checked first: styles are slow to read)
        if (r, c) in merged:
            continue
        if not cell.alignment.wrap_text:
            if len(value) <= width * CHARS_PER_UNIT:
                continue
            cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal=cell.alignment.horizontal)
        tall[r] = max(tall.get(r, 1), wrapped_lines(value, width))
    for r, lines in sorted(tall.items()):
        if lines > 1 and ws.row_dimensions[r].height is None:
            # spreadsheets do not grow a row for wrapped text they did not lay out themselves;
            # every cell of a tall row reads from its top, so figures sit beside their text
            ws.row_dimensions[r].height = LINE_HEIGHT * lines + 2
            for c in range(1, len(widths) + 1):
                cell = ws._cells.get((r, c))
                if (
                    cell is not None
                    and cell._value is not None
                    and cell.alignment.vertical != "top"
                    and (r, c) not in merged
                ):
                    cell.alignment = Alignment(
                        wrap_text=cell.alignment.wrap_text, vertical="top", horizontal=cell.alignment.horizontal
                    )
    total = sum(widths)
    ws.page_setup.orientation = "portrait" if total <= PORTRAIT_UNITS else "landscape"
    room = PORTRAIT_UNITS if total <= PORTRAIT_UNITS else LANDSCAPE_UNITS
    ws.sheet_properties.pageSetUpPr.fitToPage = room < total <= room / MIN_SCALE
    if ws.sheet_properties.pageSetUpPr.fitToPage:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    elif total > room and title_columns:
        ws.print_title_cols = title_columns
    if header_row is None and ws.freeze_panes and ws.freeze_panes != "A1":
        header_row = int("".join(ch for ch in ws.freeze_panes if ch.isdigit())) - 1
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def write_notes(ws, first_row: int, notes: Sequence[str], title: str = "Notes", last_column: int | None = None) -> int:
    """Paragraphs under a table: each in one row merged across the table's columns, wrapped,
    the row as tall as its lines (so a long note never stretches a column or the page).
    Returns the last row written."""
    last_column = last_column or max(ws.max_column, 1)
    width = sum(column_widths(ws)[:last_column]) or DEFAULT_WIDTH
    put(ws, first_row, 1, title).font = HEADER_FONT
    r = first_row
    for r, note in enumerate(notes, start=first_row + 1):
        cell = put(ws, r, 1, note)
        cell.alignment = WRAP
        if last_column > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last_column)
        ws.row_dimensions[r].height = LINE_HEIGHT * wrapped_lines(note, width) + 2
    return r


def print_setup(wb: Workbook) -> None:
    """Every sheet laid out for printing (see :func:`print_layout`), unless it was already."""
    for ws in wb.worksheets:
        if not getattr(ws, "_print_laid_out", False):
            print_layout(ws, title_columns="A:B" if ws.max_column > 6 else None)


def save_atomic(wb: Workbook, path: str | os.PathLike, force: bool = False) -> None:
    """Save so the file at ``path`` is either the whole new workbook or untouched.

    Refuses an existing file unless ``force``. Timestamps inside the file are fixed, so the
    same workbook content gives the same bytes. The file part (a registered folder beside the
    output, then a link into place) is :func:`portfolio_opt.runtime.atomic.save`'s.
    """
    path = os.fspath(path)

    def produce(work: str) -> bytes:
        print_setup(wb)
        wb.properties.created = FIXED_TIME
        wb.properties.modified = FIXED_TIME
        wb.properties.creator = "portfolio_opt"
        # the library's spool files go in the folder beside the output too: a full disk is
        # this output's problem (reported as one), and a stop removes them with the rest
        return _archive(wb, path, work)

    atomic.save(path, produce, force)


def remove_spool_files() -> None:
    """Remove the spreadsheet library's spool files now (it would only at exit)."""
    from openpyxl.worksheet import _writer

    for spooled in list(_writer.ALL_TEMP_FILES):
        with contextlib.suppress(OSError):
            os.unlink(spooled)
        with contextlib.suppress(ValueError):
            _writer.ALL_TEMP_FILES.remove(spooled)


stopping.also_remove(remove_spool_files)


def _archive(wb: Workbook, path: str, spool: str) -> bytes:
    """The workbook's bytes, with fixed dates; the sheets' rows are spooled in ``spool``."""
    saved_tempdir, saved_hook = tempfile.tempdir, sys.unraisablehook
    failure = None
    try:
        tempfile.tempdir = spool
        data = workbook_bytes(wb)
    except Exception as exc:
        # its half-written archive would try to finish itself when collected and print the
        # same error again as a traceback: collect it here, quietly. lxml (which openpyxl
        # writes through) reports a failed write as its own error, named by the OS error:
        # IO_EFBIG (a file-size limit), IO_ENOSPC (a full disk)
        if isinstance(exc, OSError):
            failure = f"cannot write {path}: {exc.strerror or exc}"
        elif type(exc).__name__ == "SerialisationError":
            reason = {
                "IO_EFBIG": "the file is too large for this disk or account (file-size limit)",
                "IO_ENOSPC": "the disk is full",
            }.get(str(exc), str(exc))
            failure = f"cannot write {path}: {reason}"
        else:
            raise
        sys.unraisablehook = lambda unraisable: None
    finally:
        tempfile.tempdir = saved_tempdir
        remove_spool_files()
    if failure is not None:
        gc.collect()
        sys.unraisablehook = saved_hook
        raise OutputError(failure)
    return data
