"""Read an old binary Excel workbook (.xls, Excel 97-2003) into a RawWorkbook.

xlrd reads the file (with ``formatting_info``, so each cell's number format comes with it, as
the Excel format code). Every number in an .xls is stored as a float; a whole one reads as an
int, as Excel writes it in an .xlsx, and a number whose format shows a date or a time is the
datetime openpyxl would make of it, by the same rules as for .xlsx
(:mod:`~portfolio_opt.workbook.numfmt`), not xlrd's. Error cells are flagged with their text
(``#DIV/0!``). The file's saved date comes from its summary properties.
"""

from __future__ import annotations

import datetime as _dt
import os
import struct

from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.workbook import numfmt
from portfolio_opt.workbook.raw import Grid, RawWorkbook

#: a larger .xls is refused before it is parsed: the format holds at most 65,536 rows × 256
#: columns a sheet, and a plan of 10,000 initiatives is about 3 MB
MAX_XLS_BYTES = 64 * 1024 * 1024
_RESAVE = "Open it in Excel or LibreOffice and save it as 'Excel Workbook (.xlsx)'"
_WHOLE = 2**53  # floats above this are not all whole numbers an int can tell apart


def read(data: bytes, name: str, sha256: str) -> RawWorkbook:
    """Every worksheet of an .xls file."""
    if len(data) > MAX_XLS_BYTES:
        raise InvalidWorkbook(
            [Problem("too-large", name, f"is {len(data):,} bytes (an .xls is read up to {MAX_XLS_BYTES:,})", _RESAVE)],
            name,
        )
    import xlrd

    try:
        with open(os.devnull, "w") as quiet:  # xlrd reports oddities it reads past on a log
            book = xlrd.open_workbook(
                file_contents=data, formatting_info=True, ragged_rows=True, on_demand=True, logfile=quiet
            )
            try:
                epoch = numfmt.MAC_EPOCH if book.datemode == 1 else numfmt.WINDOWS_EPOCH
                sheets = [_sheet(book, book.sheet_by_index(k), epoch) for k in range(book.nsheets)]
            finally:
                book.release_resources()
    except InvalidWorkbook as exc:
        raise InvalidWorkbook(exc.problems, name) from None
    except Exception as exc:  # xlrd parses the whole binary format: whatever it trips on is the file's
        raise InvalidWorkbook([_problem(name, exc)], name) from None
    return RawWorkbook(sheets=sheets, name=name, sha256=sha256, saved=_saved(data))


def _problem(name: str, exc: Exception) -> Problem:
    text = str(exc)
    if "encrypted" in text.lower():
        return Problem(
            "encrypted",
            name,
            "is protected with a password",
            "Save a copy without a password (File > Info > Protect Workbook: clear it) and use that copy",
        )
    if "workbook in ole2" in text.lower() or "unsupported format" in text.lower():
        return Problem("not-xlsx", name, f"is not a workbook Excel or LibreOffice saved ({text[:120]})", _RESAVE)
    return Problem("damaged", name, f"is damaged and cannot be read ({type(exc).__name__}: {text[:200]})", _RESAVE)


def _sheet(book, sheet, epoch):
    """One worksheet, cell by cell."""
    import xlrd

    grid = Grid(sheet.name)
    formats = {}
    for r in range(sheet.nrows):
        for c in range(sheet.row_len(r)):
            ctype = sheet.cell_type(r, c)
            if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            xf = sheet.cell_xf_index(r, c)
            if xf not in formats:
                fmt = book.format_map[book.xf_list[xf].format_key].format_str or "General"
                formats[xf] = (fmt, numfmt.is_date_format(fmt), numfmt.is_timedelta_format(fmt))
            fmt, is_date, is_duration = formats[xf]
            value = sheet.cell_value(r, c)
            if ctype == xlrd.XL_CELL_ERROR:
                grid.put(r, c, xlrd.error_text_from_code.get(value, f"#ERROR {value}"), fmt)
                grid.sheet.errors.add((r, c))
            elif ctype in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_DATE):
                _number(grid, r, c, float(value), fmt, is_date, is_duration, epoch)
            elif ctype == xlrd.XL_CELL_BOOLEAN:
                grid.put(r, c, bool(value), fmt)
            else:
                grid.put(r, c, value or None, fmt)
    return grid.done()


def _number(grid: Grid, r: int, c: int, value: float, fmt: str, is_date: bool, is_duration: bool, epoch) -> None:
    """A number, or the date, time or duration its format says it is."""
    if is_date:
        try:
            stamp = numfmt.from_excel(int(value) if value.is_integer() else value, epoch, timedelta=is_duration)
        except (OverflowError, ValueError):  # as openpyxl does: a date it cannot hold is an error
            grid.put(r, c, "#VALUE!", fmt)
            grid.sheet.errors.add((r, c))
            return
        grid.put(r, c, stamp, fmt)
        serial = numfmt.serial_of(stamp, epoch)
        if serial is not None:
            grid.sheet.serials[(r, c)] = serial
        return
    grid.put(r, c, int(value) if value.is_integer() and abs(value) < _WHOLE else value, fmt)


_LAST_SAVED = 13  # the summary property set's "last saved" time (a FILETIME)


def _saved(data: bytes):
    """When the summary properties say the file was last saved (UTC), or None."""
    try:
        from xlrd.compdoc import CompDoc

        with open(os.devnull, "w") as quiet:
            stream = CompDoc(data, logfile=quiet).get_named_stream("\x05SummaryInformation")
        if not stream or len(stream) < 48:
            return None
        (section,) = struct.unpack_from("<I", stream, 44)
        _, count = struct.unpack_from("<II", stream, section)
        for k in range(min(count, 256)):
            pid, offset = struct.unpack_from("<II", stream, section + 8 + 8 * k)
            if pid == _LAST_SAVED:
                kind, ticks = struct.unpack_from("<IQ", stream, section + offset)
                if kind != 64 or not ticks:  # VT_FILETIME, set
                    return None
                return _dt.datetime(1601, 1, 1) + _dt.timedelta(microseconds=ticks // 10)
    except Exception:  # the summary is optional: a damaged one only means the date is unknown
        return None
    return None
