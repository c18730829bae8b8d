"""Read an OpenDocument spreadsheet (.ods, what LibreOffice saves) into a RawWorkbook.

Every sheet lives in one part, ``content.xml``, read here in one streaming pass (lxml's
iterparse, each row dropped once read, entities never expanded). A cell says what it holds:
``office:value-type`` is float, percentage, currency, date, time, boolean or string, and its
value is an attribute (``office:value``, ``office:date-value``, ...) or, for text, its
paragraphs. Its number format comes from its style's data style, written out as the Excel
format code that means the same (``0%``, ``#,##0``, ``yyyy-mm-dd``), so the validator tells
dates, percentages and numbers apart exactly as for .xlsx: a date is the datetime openpyxl
would make of the same serial, a whole number is an int, an error cell (``#DIV/0!``) is
flagged, a formula without a value is uncalculated.

Repeated rows and columns (``table:number-rows-repeated``) are counted, not unrolled, unless
they hold a value; a value that would stretch a sheet past the cell limit is refused at its
cell before anything is made of it.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import io
import re
import zipfile

from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.workbook import numfmt
from portfolio_opt.workbook.raw import EXCEL_ROWS, Grid, RawSheet, RawWorkbook, far_row, far_value

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_NUMBER = "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_DC = "http://purl.org/dc/elements/1.1/"

_ROW, _CELL, _COVERED = f"{{{_TABLE}}}table-row", f"{{{_TABLE}}}table-cell", f"{{{_TABLE}}}covered-table-cell"
_SHEET, _COLUMN = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-column"
_STYLES, _NULL_DATE = f"{{{_OFFICE}}}automatic-styles", f"{{{_TABLE}}}null-date"
_RESAVE = "Open it in LibreOffice and save a copy (File > Save As, ODF Spreadsheet)"


def read(data: bytes, name: str, sha256: str) -> RawWorkbook:
    """Every sheet of an (already checked) .ods archive."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        try:
            styles = DataStyles()
            if "styles.xml" in names:
                styles.read(zf.read("styles.xml"))
            sheets = _Content(styles).read(zf.read("content.xml"))
            saved = _saved(zf.read("meta.xml")) if "meta.xml" in names else None
        except InvalidWorkbook as exc:
            raise InvalidWorkbook(exc.problems, name) from None
        except _DAMAGE as exc:
            raise InvalidWorkbook(
                [Problem("damaged", name, f"is damaged and cannot be read ({type(exc).__name__}: {exc})", _RESAVE)],
                name,
            ) from None
    return RawWorkbook(sheets=sheets, name=name, sha256=sha256, saved=saved)


def _damage() -> tuple[type[BaseException], ...]:
    from lxml import etree

    return (
        etree.XMLSyntaxError,
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
        OverflowError,
        zipfile.BadZipFile,
        OSError,
        EOFError,
    )


_DAMAGE = _damage()


def _parser_args() -> dict:
    # entities are never expanded nor fetched (the archive checks refused declarations already)
    return {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def _saved(data: bytes):
    """When meta.xml says the file was last saved (``dc:date``), without its time zone."""
    from lxml import etree

    root = etree.fromstring(data, etree.XMLParser(**_parser_args()))
    for el in root.iter(f"{{{_DC}}}date"):
        found = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?", (el.text or "").strip())
        if found:
            year, month, day, hour, minute, second = (int(p) for p in found.groups()[:6])
            micro = int((found.group(7) or "0").ljust(6, "0"))
            return _dt.datetime(year, month, day, hour, minute, second, micro)
    return None


# --------------------------------------------------------------------------- number formats


class DataStyles:
    """The file's data styles (number formats) as Excel format codes, and which data style
    each cell style uses (its own or its parent's)."""

    def __init__(self):
        self.codes: dict[str, str] = {}  #: data style name -> Excel format code
        self.cell_styles: dict[str, tuple[str | None, str | None]] = {}  #: name -> (data style, parent)

    def read(self, data: bytes) -> None:
        """Take the data and cell styles of a styles part (styles.xml)."""
        from lxml import etree

        for _, el in etree.iterparse(io.BytesIO(data), events=("end",), **_parser_args()):
            self.take(el)

    def take(self, el) -> None:
        """Note one element if it is a data style or a cell style."""
        if el.tag == f"{{{_STYLE}}}style" and el.get(f"{{{_STYLE}}}family") == "table-cell":
            name = el.get(f"{{{_STYLE}}}name")
            self.cell_styles[name] = (el.get(f"{{{_STYLE}}}data-style-name"), el.get(f"{{{_STYLE}}}parent-style-name"))
        elif isinstance(el.tag, str) and el.tag.startswith(f"{{{_NUMBER}}}") and el.tag.endswith("-style"):
            self.codes[el.get(f"{{{_STYLE}}}name")] = excel_code(el)

    def code(self, cell_style: str | None) -> str:
        """The Excel format code of a cell style (General when it has no data style)."""
        seen = 0
        while cell_style is not None and seen < 32:  # a parent chain, never a loop
            data_style, parent = self.cell_styles.get(cell_style, (None, None))
            if data_style is not None:
                return self.codes.get(data_style, "General")
            cell_style, seen = parent, seen + 1
        return "General"


_SEPARATORS = set(" -/:.,")


def _literal(text: str, percent: bool) -> str:
    """Literal text of a data style as it stands in an Excel format code."""
    if percent and "%" in text:
        return "%".join(_literal(part, False) for part in text.split("%"))
    if not text or set(text) <= _SEPARATORS:
        return text
    return '"' + text.replace('"', "") + '"'


def excel_code(style) -> str:
    """The Excel format code that shows a number as an OpenDocument data style does."""
    kind = style.tag.rsplit("}", 1)[1]
    if kind == "boolean-style":
        return "General"
    if kind == "text-style":
        return "@"
    parts = []
    for part in style:
        tag = part.tag.rsplit("}", 1)[-1] if isinstance(part.tag, str) else ""
        if tag == "text":
            parts.append(_literal(part.text or "", kind == "percentage-style"))
        elif tag == "currency-symbol":
            parts.append(_literal(part.text or "", False))
        elif tag in ("number", "scientific-number", "fraction"):
            parts.append(_number_code(part, tag))
        elif tag in _DATE_PARTS:
            parts.append(_DATE_PARTS[tag](part, style))
    code = "".join(parts)
    if kind == "percentage-style" and "%" not in code:
        code += "%"
    if kind == "time-style" and style.get(f"{{{_NUMBER}}}truncate-on-overflow") == "false":
        code = re.sub(r"^(h+)", r"[\1]", code)
    return code or "General"


def _number_code(part, tag: str) -> str:
    def attr(key: str, default: int) -> int:
        return int(part.get(f"{{{_NUMBER}}}{key}", default) or default)

    places = attr("decimal-places", 0)
    fixed = min(places, attr("min-decimal-places", places))
    integer = "0" * max(1, attr("min-integer-digits", 1))
    if part.get(f"{{{_NUMBER}}}grouping") == "true":
        integer = "#,##" + integer if len(integer) < 4 else integer
    code = integer + ("." + "0" * fixed + "#" * (places - fixed) if places else "")
    if tag == "scientific-number":
        code += "E+" + "0" * max(1, attr("min-exponent-digits", 2))
    elif tag == "fraction":
        code = (
            "# " + "?" * max(1, attr("min-numerator-digits", 1)) + "/" + "?" * max(1, attr("min-denominator-digits", 1))
        )
    return code


def _long(part) -> bool:
    return part.get(f"{{{_NUMBER}}}style") == "long"


_DATE_PARTS = {
    "year": lambda p, s: "yyyy" if _long(p) else "yy",
    "month": lambda p, s: (
        ("mmmm" if _long(p) else "mmm") if p.get(f"{{{_NUMBER}}}textual") == "true" else ("mm" if _long(p) else "m")
    ),
    "day": lambda p, s: "dd" if _long(p) else "d",
    "day-of-week": lambda p, s: "dddd" if _long(p) else "ddd",
    "hours": lambda p, s: "hh" if _long(p) else "h",
    "minutes": lambda p, s: "mm" if _long(p) else "m",
    "seconds": lambda p, s: (
        ("ss" if _long(p) else "s")
        + (
            "." + "0" * int(p.get(f"{{{_NUMBER}}}decimal-places", 0))
            if int(p.get(f"{{{_NUMBER}}}decimal-places", 0) or 0)
            else ""
        )
    ),
    "am-pm": lambda p, s: "AM/PM",
}


# --------------------------------------------------------------------------- cells

# attribute names, qualified once
_CALCEXT_VALUE_TYPE = f"{{{_CALCEXT}}}value-type"
_OFFICE_ANNOTATION = f"{{{_OFFICE}}}annotation"
_OFFICE_ANNOTATION_END = f"{{{_OFFICE}}}annotation-end"
_OFFICE_BOOLEAN_VALUE = f"{{{_OFFICE}}}boolean-value"
_OFFICE_DATE_VALUE = f"{{{_OFFICE}}}date-value"
_OFFICE_STRING_VALUE = f"{{{_OFFICE}}}string-value"
_OFFICE_TIME_VALUE = f"{{{_OFFICE}}}time-value"
_OFFICE_VALUE = f"{{{_OFFICE}}}value"
_OFFICE_VALUE_TYPE = f"{{{_OFFICE}}}value-type"
_TABLE_DATE_VALUE = f"{{{_TABLE}}}date-value"
_TABLE_DEFAULT_CELL_STYLE_NAME = f"{{{_TABLE}}}default-cell-style-name"
_TABLE_FORMULA = f"{{{_TABLE}}}formula"
_TABLE_NAME = f"{{{_TABLE}}}name"
_TABLE_STYLE_NAME = f"{{{_TABLE}}}style-name"
_TEXT_C = f"{{{_TEXT}}}c"
_TEXT_H = f"{{{_TEXT}}}h"
_TEXT_LINE_BREAK = f"{{{_TEXT}}}line-break"
_TEXT_NOTE = f"{{{_TEXT}}}note"
_TEXT_P = f"{{{_TEXT}}}p"
_TEXT_S = f"{{{_TEXT}}}s"
_TEXT_TAB = f"{{{_TEXT}}}tab"


class _Content:
    """content.xml, read in one pass: the automatic styles, then each table row by row."""

    def __init__(self, styles: DataStyles):
        self.styles = styles
        self.epoch = numfmt.WINDOWS_EPOCH
        self.sheets: list[RawSheet] = []
        self.grid: Grid | None = None
        self.r = 0
        self.columns: list[tuple[int, int, str | None]] = []  #: (first column, how many, default cell style)
        self.formats: dict[tuple, str] = {}  #: (cell style, value type) -> the cell's number format

    def read(self, data: bytes) -> list:
        """Every sheet of the content part, in order."""
        from lxml import etree

        # only these elements are reported; a row's cells are read from the row when it ends
        wanted = (_SHEET, _ROW, _COLUMN, _STYLES, _NULL_DATE)
        events = etree.iterparse(io.BytesIO(data), events=("start", "end"), tag=wanted, **_parser_args())
        for event, el in events:
            if event == "start":
                if el.tag == _SHEET:
                    if self.grid is not None:
                        raise ValueError("a table inside a table")
                    self.grid, self.r, self.columns = Grid(el.get(_TABLE_NAME, "")), 0, []
                continue
            if el.tag == _ROW and self.grid is not None:
                self.row(el)
                el.clear()
                while el.getprevious() is not None:  # rows read are dropped: memory stays flat
                    del el.getparent()[0]
            elif el.tag == _COLUMN:
                start = self.columns[-1][0] + self.columns[-1][1] if self.columns else 0
                repeat = _repeat(el, "number-columns-repeated")
                self.columns.append((start, repeat, el.get(_TABLE_DEFAULT_CELL_STYLE_NAME)))
            elif el.tag == _SHEET and self.grid is not None:
                self.sheets.append(self.grid.done())
                self.grid = None
                el.clear()
            elif el.tag == _NULL_DATE:
                self.epoch = _dt.datetime.fromisoformat(el.get(_TABLE_DATE_VALUE, "1899-12-30")[:10])
            elif el.tag == _STYLES:
                for style in el:
                    self.styles.take(style)
        return self.sheets

    def row(self, row) -> None:
        """One table row (repeated as it says), cell by cell."""
        grid = self.grid
        assert grid is not None, "a table row is read inside its table"
        repeat = _repeat(row, "number-rows-repeated")
        cells = []
        c = 0
        for cell in row:
            if cell.tag not in (_CELL, _COVERED):
                continue
            span = _repeat(cell, "number-columns-repeated")
            read = (
                self.cell(cell, c)
                if len(cell) or _OFFICE_VALUE_TYPE in cell.attrib or _TABLE_FORMULA in cell.attrib
                else None
            )
            if read is not None:
                cells.append((c, span, read))
            c += span
        if cells:
            last = max(c + span - 1 for c, span, _ in cells)
            if not grid.fits(self.r + repeat - 1, last):
                c, _, read = cells[-1]
                raise far_value(grid.sheet.name, self.r + repeat - 1, last, read[0], last + 1)
            for k in range(repeat):
                for c, span, read in cells:
                    for j in range(span):
                        self.put(self.r + k, c + j, read)
        self.r += repeat
        if self.r > EXCEL_ROWS and cells:
            raise far_row(grid.sheet.name, self.r)

    def put(self, r: int, c: int, read: tuple) -> None:
        value, fmt, error, serial, formula = read
        grid = self.grid
        assert grid is not None, "a cell is put inside its table"
        grid.put(r, c, value, fmt)
        sheet = grid.sheet
        if error:
            sheet.errors.add((r, c))
        if serial is not None:
            sheet.serials[(r, c)] = serial
        if formula is not None:
            sheet.uncalculated[(r, c)] = formula

    def cell(self, cell, c: int):
        """(value, format, error?, serial, formula) of a cell, or None for a blank one."""
        kind = cell.get(_OFFICE_VALUE_TYPE)
        formula = cell.get(_TABLE_FORMULA)
        if formula is not None:
            namespace, _, rest = formula.partition(":")
            formula = "=" + (rest if rest and namespace in ("of", "oooc", "msoxl") else formula).lstrip("=")
        style = cell.get(_TABLE_STYLE_NAME) or self._column_style(c)
        fmt = self.formats.get((style, kind))
        if fmt is None:
            fmt = self.formats[(style, kind)] = _format_for(kind, self.styles.code(style))
        error = cell.get(_CALCEXT_VALUE_TYPE) == "error"
        value, serial = self._value(cell, kind, fmt) if not error else (_text(cell), None)
        # a formula with a value (even an empty text) was calculated; one without was not
        uncalculated = formula if kind in (None, "void") and not error and value is None else None
        if value is None and uncalculated is None and not error:
            return None
        return value, fmt, error, serial, uncalculated

    def _value(self, cell, kind: str | None, fmt: str):
        """The value and, for dates and times, the serial it stores."""
        if kind in ("float", "percentage", "currency"):
            return numfmt.number(cell.get(_OFFICE_VALUE).strip()), None
        if kind == "date":
            stamp = _dt.datetime.fromisoformat(cell.get(_OFFICE_DATE_VALUE).strip()[:26])
            serial = numfmt.to_excel(stamp.replace(tzinfo=None), self.epoch)
            return numfmt.from_excel(serial, self.epoch), float(serial)
        if kind == "time":
            serial = _duration(cell.get(_OFFICE_TIME_VALUE)) / 86400
            duration = numfmt.is_timedelta_format(fmt)
            return numfmt.from_excel(serial, self.epoch, timedelta=duration), serial
        if kind == "boolean":
            return cell.get(_OFFICE_BOOLEAN_VALUE, "").strip().lower() == "true", None
        if kind == "string" and cell.get(_OFFICE_STRING_VALUE) is not None:
            return cell.get(_OFFICE_STRING_VALUE) or None, None
        return _text(cell) or None, None

    def _column_style(self, c: int) -> str | None:
        """The default cell style of column ``c`` (found by bisection: a sheet may list many)."""
        k = bisect.bisect_right(self.columns, (c, float("inf"))) - 1
        if k < 0:
            return None
        start, repeat, style = self.columns[k]
        return style if c < start + repeat else None


def _format_for(kind: str | None, fmt: str) -> str:
    """The cell's format, made to agree with what it holds (a percentage shows %, a date a date)."""
    if kind == "percentage" and "%" not in fmt:
        return "0%"
    if kind == "date" and not numfmt.is_date_format(fmt):
        return "yyyy-mm-dd"
    if kind == "time" and not numfmt.is_date_format(fmt):
        return "hh:mm:ss"
    if kind in ("float", "currency") and numfmt.is_date_format(fmt):
        return "General"
    return fmt


def _repeat(el, attr: str) -> int:
    text = el.get(f"{{{_TABLE}}}{attr}")
    if text is None:
        return 1
    value = int(text)
    if value < 1:
        raise ValueError(f"{attr} is {value}")
    return value


_DURATION = re.compile(
    r"^-?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def _duration(text: str | None) -> float:
    """Seconds in an ISO 8601 duration (``PT36H00M00S``)."""
    clean = (text or "").strip()
    found = _DURATION.match(clean)
    if not found or not any(found.groups()):
        raise ValueError(f"time value {text!r}")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return -total if clean.startswith("-") else total


_SKIP = {_OFFICE_ANNOTATION, _TEXT_NOTE, _OFFICE_ANNOTATION_END}


def _text(cell) -> str:
    """A cell's text: its paragraphs joined by line breaks (comments left out)."""
    return "\n".join(_inline(p) for p in cell if p.tag in (_TEXT_P, _TEXT_H))


def _inline(el) -> str:
    parts = [_collapse(el.text)]
    for child in el:
        if child.tag == _TEXT_S:
            parts.append(" " * int(child.get(_TEXT_C, "1") or "1"))
        elif child.tag == _TEXT_TAB:
            parts.append("\t")
        elif child.tag == _TEXT_LINE_BREAK:
            parts.append("\n")
        elif child.tag not in _SKIP and isinstance(child.tag, str):
            parts.append(_inline(child))
        parts.append(_collapse(child.tail))
    return "".join(parts)


_WHITE = re.compile(r"[ \t\r\n]{2,}|[\t\r\n]")


def _collapse(text: str | None) -> str:
    """Character data as OpenDocument shows it: runs of white space are one space."""
    if not text:
        return ""
    return _WHITE.sub(" ", text) if ("  " in text or "\n" in text or "\t" in text or "\r" in text) else text
