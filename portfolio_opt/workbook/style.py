"""Finance conventions for every sheet we write, and the safe, deterministic way to save.

Bold frozen headers, filters, number formats and readable widths; text that could run as a
formula written as plain text; files written to a temporary name and renamed, so a reader
never sees half a workbook; fixed timestamps inside the file, so the same result gives the
same bytes.

A sheet is written cell by cell (:func:`put`, an openpyxl cell each), or, for the big sheets,
streamed (:func:`stream`): the same rules give each cell a value and a style id, kept as
:class:`~portfolio_opt.workbook.package.SheetRows`, and the rows go straight to the
serializer. Either way the file holds the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import os
import sys
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portfolio_opt.model.errors import (  # noqa: F401  (TextCut: raised here, defined with the errors)
    OutputError,
    TextCut,
)
from portfolio_opt.runtime import atomic, stopping
from portfolio_opt.workbook import package
from portfolio_opt.workbook.package import (
    ABSENT,
    ALIGNMENT,
    FILL,
    FONT,
    NUMBER_FORMAT,
    PROTECTION,
    QUOTE_PREFIX,
    ZERO_STYLE,
    CellStyles,
    SheetRows,
    workbook_bytes,
)

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


class Look(NamedTuple):
    """How a cell looks beyond its value's number format: a font, fill and alignment (each
    optional), set in that order."""

    font: Font | None = None
    fill: PatternFill | None = None
    alignment: Alignment | None = None


HEADER_LOOK = Look(HEADER_FONT, HEADER_FILL, HEADER_ALIGN)  #: a table's header cells


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


class Formula:
    """A formula of our own, written as a formula (text from anywhere else never is): the
    what-if figures a spreadsheet computes from the cells a person edits. ``text`` is the
    formula without its leading ``=``."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


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


def first_sheet(wb: Workbook) -> Worksheet:
    """The sheet a new workbook opens with (openpyxl's stubs allow none, or a chartsheet)."""
    ws = wb.active
    assert isinstance(ws, Worksheet), "a new workbook opens with one worksheet"
    return ws


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
    _write(cell, value, number_format, exact)
    return cell


def _clean(text: str, ws, row: int, col: int) -> str:
    """``text`` as a cell of ``ws`` can hold it: characters a spreadsheet file cannot carry
    replaced, and cut to :data:`MAX_CELL_TEXT` with a :class:`TextCut` warning naming the cell."""
    if not text.isprintable():
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > MAX_CELL_TEXT:
        warnings.warn(  # noqa: B028  (the warning names the cell: where it was raised says nothing more)
            TextCut(
                f"{ws.title}!{get_column_letter(col)}{row} held {len(text):,} characters; cut to "
                f"{MAX_CELL_TEXT:,}, the most a spreadsheet cell holds"
            )
        )
        text = text[:MAX_CELL_TEXT]
    return text


def _quoted(text: str) -> bool:
    """Whether ``text`` is written with a quote prefix: it starts as a formula would, or with a
    control character (so a spreadsheet shows it as the text it is)."""
    return text[:1] in _RISKY_START or bool(text[:1] and (ord(text[0]) < 32 or text[0] == "\ufffd"))


def _write(cell, value: Any, number_format: str | None, exact: bool) -> None:
    """What :func:`put` writes into ``cell``."""
    if type(value) is Formula:
        cell._value = "=" + value.text
        cell.data_type = "f"
    elif isinstance(value, str):
        text = _clean(value, cell.parent, cell.row, cell.column)
        cell._value = text  # checked above: stored as text, never read as a formula
        cell.data_type = "s"
        if _quoted(text):
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
        _write(cell, str(value), None, False)
        return
    if number_format:
        style = cell._style
        if style is None:
            cell._style = style = StyleArray()
        style.numFmtId = _format_id(cell.parent.parent, number_format)


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
    ids: dict[str, int] | None = wb.__dict__.get("_format_ids")
    if ids is None:
        ids = wb.__dict__["_format_ids"] = {}
    idx = ids.get(number_format)
    if idx is None:
        if number_format in BUILTIN_FORMATS_REVERSE:
            idx = BUILTIN_FORMATS_REVERSE[number_format]
        else:
            # the stubs leave out the workbook's table of custom formats, which openpyxl keeps here
            idx = wb._number_formats.add(number_format) + BUILTIN_FORMATS_MAX_SIZE  # type: ignore[attr-defined]
        ids[number_format] = idx
    return idx


#: Write the big sheets' rows straight to the serializer (:func:`stream`); off, they are made
#: openpyxl cells like every other sheet's (tests hold the two to the same bytes)
STREAM = True


def stream(ws):
    """Make ``ws`` a streamed sheet and return it: the rows written to it (:func:`put_row`,
    :func:`write_table`) are kept as values and style ids, never an openpyxl cell each, and go
    straight to the serializer. For the big sheets; only the functions of this module write to
    one, each row once and in order."""
    if STREAM:
        ws._streamed = SheetRows()
    return ws


def put_row(
    ws,
    row: int,
    values: Sequence[Any],
    formats: Sequence[str | None] = (),
    look: Look | None = None,
    skip_empty: bool = False,
) -> None:
    """Write ``values`` along ``row`` from column A, each as :func:`put` writes it with its
    format (``formats`` may be shorter: no format), then given ``look``; ``skip_empty``: an
    empty cell without a format is not written at all."""
    sheet = getattr(ws, "_streamed", None)
    if sheet is not None:
        _stream_row(ws, sheet, row, values, formats, look, skip_empty)
        return
    count = len(formats)
    for c, value in enumerate(values, start=1):
        fmt = formats[c - 1] if c <= count else None
        if skip_empty and value is None and fmt is None:
            continue
        cell = put(ws, row, c, value, fmt)
        if look is not None:
            if look.font is not None:
                cell.font = look.font
            if look.fill is not None:
                cell.fill = look.fill
            if look.alignment is not None:
                cell.alignment = look.alignment


#: The kinds of value a streamed cell's style depends on, with its format: empty, a number, a
#: quantity (:data:`NUMBER`) whole or not, text, text with a quote prefix
_EMPTY, _NUMBER, _WHOLE, _FRACTION, _TEXT, _QUOTED = range(6)


def _stream_row(ws, sheet: SheetRows, row: int, values, formats, look: Look | None, skip_empty: bool) -> None:
    """:func:`put_row` on a streamed sheet: each value cleaned as :func:`put` cleans it, and the
    style id of the cell :func:`put` would make, looked up once per format and kind of value."""
    styles = CellStyles.of(ws.parent)
    known = styles.by_value
    if len(formats) < len(values):
        formats = [*formats, *([None] * (len(values) - len(formats)))]
    kept: list[Any] = []
    style_ids: list[int] = []
    keep, mark = kept.append, style_ids.append
    skipped = False
    for k, (value, fmt) in enumerate(zip(values, formats)):
        kind = type(value)
        if kind is str:
            if len(value) > MAX_CELL_TEXT or not value.isprintable():
                value = _clean(value, ws, row, k + 1)
            lead = value[:1]  # text from "A" up (but U+FFFD) never takes a quote prefix: skip the test
            key = (fmt, _QUOTED if (lead <= "@" or lead == "\ufffd") and _quoted(value) else _TEXT)
        elif kind is float or kind is int:
            key = (fmt, _NUMBER if fmt != NUMBER else _WHOLE if float(value).is_integer() else _FRACTION)
        elif value is None:
            if skip_empty and fmt is None:
                keep(ABSENT)
                mark(0)
                skipped = True
                continue
            key = (fmt, _EMPTY)
        else:
            value, sid = _rare_value(ws, row, k + 1, value, fmt)
            keep(value)
            mark(sid)
            continue
        found = known.get(key)
        if found is None:
            found = known[key] = _value_style(styles, key, value)
        keep(value)
        mark(found)
    if look is not None:
        style_ids = [sid if v is ABSENT else _looked(styles, sid, look) for v, sid in zip(kept, style_ids)]
    first, last = 1, len(kept)
    if skipped:
        while first <= last and kept[first - 1] is ABSENT:
            first += 1
        while last >= first and kept[last - 1] is ABSENT:
            last -= 1
    if first <= last:
        sheet.add(row, kept, style_ids, first, last)


def _value_style(styles: CellStyles, key: tuple[str | None, int], value: Any) -> int:
    """The style id of the cell :func:`put` makes of a value of this format and kind: a quote
    prefix for risky text, a number's format as :func:`shown_format` makes it, any other
    value's format as given."""
    fmt, kind = key
    sid = styles.replaced(0, QUOTE_PREFIX, 1) if kind == _QUOTED else 0
    if fmt:
        shown = _shown(fmt, value) if kind in (_NUMBER, _WHOLE, _FRACTION) else fmt
        sid = styles.replaced(sid, NUMBER_FORMAT, _format_id(styles.wb, shown))
    return sid


def _rare_value(ws, row: int, col: int, value: Any, fmt: str | None) -> tuple[Any, int]:
    """A value of a rarer kind (a date, a truth value, anything shown as text) for a streamed
    sheet, and its style id: made an openpyxl cell by :func:`put`'s rules, kept as that cell
    (or as its text)."""
    cell = Cell(ws, row=row, column=col)
    _write(cell, value, fmt, False)
    # the stubs name a cell's _style and _value in its __slots__ but do not declare them
    sid = CellStyles.of(ws.parent).id_of(cell._style or ZERO_STYLE)  # type: ignore[attr-defined]
    if cell.data_type == "s" and type(cell._value) is str:  # type: ignore[attr-defined]
        return cell._value, sid  # type: ignore[attr-defined]
    return cell, sid


def _looked(styles: CellStyles, sid: int, look: Look) -> int:
    """Style ``sid`` given ``look``'s font, fill and alignment, in that order."""
    if look.font is not None:
        sid = styles.with_object(sid, FONT, look.font)
    if look.fill is not None:
        sid = styles.with_object(sid, FILL, look.fill)
    if look.alignment is not None:
        sid = styles.with_object(sid, ALIGNMENT, look.alignment)
    return sid


def fill_cell(ws, row: int, col: int, fill: PatternFill) -> None:
    """Give one cell a fill (an empty cell is made there if none was written)."""
    sheet = getattr(ws, "_streamed", None)
    if sheet is None:
        ws.cell(row=row, column=col).fill = fill
        return
    _values, style_ids, k = sheet.place(row, col)
    style_ids[k] = CellStyles.of(ws.parent).with_object(style_ids[k], FILL, fill)


#: The protection of a cell a person may edit on a protected sheet
UNLOCKED = Protection(locked=False)


def unlock_cells(ws, column: int, first_row: int, last_row: int) -> None:
    """Leave the cells of ``column`` from ``first_row`` to ``last_row`` editable when the sheet
    is protected (an empty cell is made where none was written)."""
    sheet = getattr(ws, "_streamed", None)
    if sheet is None:
        for r in range(first_row, last_row + 1):
            ws.cell(row=r, column=column).protection = UNLOCKED
        return
    styles = CellStyles.of(ws.parent)
    idx = ws.parent._protections.add(UNLOCKED)
    for r in range(first_row, last_row + 1):
        _values, style_ids, k = sheet.place(r, column)
        style_ids[k] = styles.replaced(style_ids[k], PROTECTION, idx)


def freeze_below(ws, row: int) -> None:
    """Keep the rows above ``row`` in view as the sheet scrolls."""
    sheet = getattr(ws, "_streamed", None)
    if sheet is None:
        ws.freeze_panes = ws.cell(row=row, column=1)
    else:
        sheet.place(row, 1)  # the empty cell openpyxl's ws.cell makes there, kept for the same bytes
        ws.freeze_panes = f"A{row}"


def fill_column(ws, column: int, first_row: int, fills: Sequence[PatternFill]) -> None:
    """Give the cells of ``column`` from ``first_row`` down their fills, one per row (each
    distinct fill registered with the workbook once, not hashed again for every cell)."""
    if getattr(ws, "_streamed", None) is not None:
        for r, fill in enumerate(fills, start=first_row):
            fill_cell(ws, r, column, fill)
        return
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
    put_row(ws, start_row, header, (), HEADER_LOOK)
    ws._header_rows = getattr(ws, "_header_rows", set()) | {start_row}
    r = start_row
    formats = list(formats or ())
    for r, row in enumerate(rows, start=start_row + 1):
        put_row(ws, r, row, formats)
    if freeze and start_row == 1:
        freeze_below(ws, 2)
    if autofilter and header:
        ws.auto_filter.ref = f"A{start_row}:{get_column_letter(len(header))}{max(r, start_row)}"
    return r


def fit_widths(ws, minimum: int = 8, maximum: int = 60, sample: int = 500) -> None:
    """Column widths that fit the content (looking at the first rows), within bounds.

    Header cells wrap at their spaces, so a long header ("Value of 1 more unit") asks only for
    its longest word; longer text in the body wraps within ``maximum`` when printed.
    """
    widths: dict[int, int] = {}
    headers: set[int] = getattr(ws, "_header_rows", set())
    merged = merged_cells(ws)
    for r, c, value, number_format in _sampled(ws, sample):
        if (r, c) in merged:
            continue
        if number_format is not None:
            text = _as_shown(value, number_format or "General")
        else:
            text = str(value)
        if r in headers:
            longest = max((len(word) for word in text.split()), default=0) + 1
        else:
            longest = max((len(line) for line in text.splitlines()), default=0) + 1
        widths[c] = max(widths.get(c, 0), longest)
    for c, w in widths.items():
        ws.column_dimensions[get_column_letter(c)].width = max(minimum, min(maximum, w + 1))


def _sampled(ws, sample: int) -> Iterator[tuple[int, int, Any, str | None]]:
    """Row, column, value and, for a number, number format of every cell written in the first
    ``sample`` rows of ``ws`` that holds a value, in the order written."""
    sheet = getattr(ws, "_streamed", None)
    if sheet is None:
        for (r, c), cell in ws._cells.items():  # the cells written, not every place in the sheet
            value = cell._value
            if r > sample or value is None or cell.data_type == "f":  # a formula shows its result, not its text
                continue
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            yield r, c, value, cell.number_format if number else None
        return
    styles = CellStyles.of(ws.parent)
    for r, (values, style_ids) in sheet.rows.items():
        if r > sample:
            continue
        for k, value in enumerate(values):
            if type(value) is Cell:
                if value.data_type == "f":
                    continue
                value = value._value  # type: ignore[attr-defined]  # stubs: Cell's slots undeclared
            if value is None or value is ABSENT:
                continue
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            yield r, k + 1, value, styles.number_format(style_ids[k]) if number else None


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
    dims = ws.column_dimensions
    return [
        0.0 if dims[letter].hidden else dims[letter].width or DEFAULT_WIDTH  # a hidden column is not printed
        for letter in map(get_column_letter, range(1, (max_column(ws) or 0) + 1))
    ]


def max_column(ws) -> int:
    """The last column holding a cell, streamed or not (1 for an empty sheet, as openpyxl says)."""
    sheet = getattr(ws, "_streamed", None)
    if sheet is not None and sheet.max_col:
        return sheet.max_col
    return ws.max_column


def print_layout(ws, header_row: int | None = None, title_columns: str | None = None) -> None:
    """Make a sheet readable on paper and in a PDF, whatever it holds.

    Text longer than its column wraps within the column (the column keeps its width, the row
    grows); a sheet wider than a portrait page prints landscape; it is fitted to one page wide
    only where that keeps the print scale at 70% or more, otherwise it runs on to further pages
    with ``title_columns`` repeated; the header row repeats on every page.
    """
    widths = _widen_later_pages(ws, column_widths(ws), title_columns)
    sheet = getattr(ws, "_streamed", None)
    if sheet is None:
        _wrap_cells(ws, widths)
    else:
        _wrap_streamed(ws, sheet, widths)
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


def _widen_later_pages(ws, widths: list[float], title_columns: str | None) -> list[float]:
    """The column widths with the text columns printed after the first page widened to their
    longest text, as far as a page holds them beside the title columns.

    A row is one height on every page: a column wrapped on page 3 made the rows of pages 1 and
    2 three lines tall with nothing in them. A column on a later page has the room to be read
    on one line, so it takes it (and wraps only past that). A sheet printed one page wide
    keeps its widths.
    """
    if sum(widths) <= LANDSCAPE_UNITS / MIN_SCALE:
        return widths
    used, first_page = 0.0, 0
    for width in widths:
        if used + width > LANDSCAPE_UNITS:
            break
        used, first_page = used + width, first_page + 1
    cap = LANDSCAPE_UNITS - (sum(widths[:2]) if title_columns else 0.0) - 1
    longest = _longest_texts(ws, len(widths))
    out = list(widths)
    for k in range(first_page, len(widths)):
        need = longest.get(k, 0) / CHARS_PER_UNIT + 1
        if need > out[k] and cap > out[k]:
            out[k] = round(min(need, cap), 1)
            ws.column_dimensions[get_column_letter(k + 1)].width = out[k]
    return out


def _longest_texts(ws, columns: int) -> dict[int, int]:
    """Each column's longest text below the header row (the header wraps at its spaces on
    purpose): column index (from 0) -> characters in its longest line."""
    header = int("".join(ch for ch in ws.freeze_panes if ch.isdigit())) - 1 if ws.freeze_panes else 1
    top = max(header, 1)
    sheet = getattr(ws, "_streamed", None)
    longest: dict[int, int] = {}
    if sheet is None:
        for (r, c), cell in ws._cells.items():
            value = cell._value
            if r > top and c <= columns and isinstance(value, str):
                longest[c - 1] = max(longest.get(c - 1, 0), _longest_line(value))
        return longest
    # a streamed sheet row by row (its 100,000 rows are most of a big results workbook)
    for r, (values, _) in sheet.rows.items():
        if r <= top:
            continue
        for k, v in enumerate(values[:columns]):
            if type(v) is Cell:
                v = v._value  # type: ignore[attr-defined]  # stubs: Cell slots
            if isinstance(v, str):
                size = len(v) if v.isprintable() else _longest_line(v)
                if size > longest.get(k, 0):
                    longest[k] = size
                elif k not in longest:
                    longest[k] = size
    return longest


def _longest_line(text: str) -> int:
    """The characters in the longest line of ``text`` (a printable text is one line: every
    character :meth:`str.splitlines` breaks at is unprintable)."""
    return max((len(line) for line in text.splitlines()), default=0)


def _wrap_cells(ws, widths: list[float]) -> None:
    """:func:`print_layout`'s wrapping of the text longer than its column, on a sheet of cells."""
    merged = merged_cells(ws)
    tall: dict[int, int] = {}  # row: the lines its longest text takes
    for (r, c), cell in ws._cells.items():
        value = cell._value
        if not isinstance(value, str) or c > len(widths) or cell.data_type == "f":
            continue
        width = widths[c - 1]
        if not width:  # a hidden column: never printed
            continue
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


def _wrap_streamed(ws, sheet: SheetRows, widths: list[float]) -> None:
    """:func:`_wrap_cells` on a streamed sheet (which has no merged cells): the same cells
    wrapped and rows grown, each style's wrapped and top-aligned forms worked out once."""
    styles = CellStyles.of(ws.parent)
    room = [width * CHARS_PER_UNIT for width in widths]
    one_line = [int(x) for x in room]
    tall: dict[int, int] = {}  # row: the lines its longest text takes
    for r, (values, style_ids) in sheet.rows.items():
        for k, value in enumerate(values):
            if type(value) is not str:
                # the stubs name a cell's _value in its __slots__ but do not declare it
                if type(value) is not Cell or not isinstance(value._value, str) or value.data_type == "f":  # type: ignore[attr-defined]
                    continue
                value = value._value  # type: ignore[attr-defined]
            if k >= len(widths) or not widths[k] or (len(value) < one_line[k] and "\n" not in value):
                continue  # one line, or a hidden column (never printed)
            sid = style_ids[k]
            if not styles.alignment(sid).wrap_text:
                if len(value) <= room[k]:
                    continue
                style_ids[k] = styles.derived(("wrap", sid), lambda sid=sid: _aligned(styles, sid, True))
            tall[r] = max(tall.get(r, 1), wrapped_lines(value, widths[k]))
    for r, lines in sorted(tall.items()):
        if lines > 1 and ws.row_dimensions[r].height is None:
            ws.row_dimensions[r].height = LINE_HEIGHT * lines + 2
            values, style_ids = sheet.rows[r]
            for k in range(min(len(values), len(widths))):
                sid = style_ids[k]
                if values[k] is ABSENT or values[k] is None or styles.alignment(sid).vertical == "top":
                    continue
                style_ids[k] = styles.derived(("top", sid), lambda sid=sid: _aligned(styles, sid, False))


def _aligned(styles: CellStyles, sid: int, wrap: bool) -> int:
    """Style ``sid`` read from the top (``wrap``: and wrapped), as :func:`_wrap_cells` aligns a
    cell; the alignment registered with the workbook as setting it on a cell does."""
    now = styles.alignment(sid)
    alignment = Alignment(wrap_text=True if wrap else now.wrap_text, vertical="top", horizontal=now.horizontal)
    return styles.replaced(sid, ALIGNMENT, styles.wb._alignments.add(alignment))


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
            print_layout(ws, title_columns="A:B" if max_column(ws) > 6 else None)


def bar_chart(kind: str = "col", lowest: float = 0.0):
    """A bar chart (``col``: upright, ``bar``: across) whose value axis starts at zero, or at
    ``lowest`` when a bar is negative.

    A bar's length is read as its value: an axis left to start where the spreadsheet likes
    (10.8M) made a plan at 96% of the optimum look like half of it. Every bar chart the tool
    writes is made here.
    """
    from openpyxl.chart import BarChart

    chart = BarChart()
    chart.type = kind
    chart.y_axis.scaling.min = min(0.0, lowest)
    return chart


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


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with Python's cycle collector paused, and leave it as it was.

    Writing a big workbook makes hundreds of thousands of rows that all live until the save,
    so each collection their making sets off frees nothing and walks every object of the
    process again, the plan and the result among them: a fifth of writing 100,000
    initiatives. Writing leaves little in cycles to free (its peak memory is the same either
    way), and that is freed after.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


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
        if workbook_bytes is not package.workbook_bytes:
            # another writer (tests hold ours to openpyxl's own) knows only openpyxl's cells
            package.as_cells(wb)
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
