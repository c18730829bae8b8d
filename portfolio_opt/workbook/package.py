"""A workbook's bytes: openpyxl lays out every part, the cells are serialized here, in one pass.

openpyxl writes a cell as five nested lxml elements, one Python call each: at 10,000
initiatives that is most of the save (130,000 cells of the Ranking and the input copies). Here
the rows of each sheet are written as text, the same bytes openpyxl's lxml writer produces
(a test holds them equal, sheet by sheet, on every kind of workbook we write), into a spool
file beside the output; openpyxl still writes everything around them (views, columns, filters,
print setup, charts, styles). The zip is written once, with fixed dates, so the same content
gives the same bytes without a second compression pass.

The big sheets (the Ranking, the input copies, the Schedule) never make an openpyxl cell at
all: their rows are kept as :class:`SheetRows`, each cell a value and a style id from the
workbook's one :class:`CellStyles`, and :func:`write_sheet_rows` writes them as the bytes
:func:`write_rows` makes of the same cells.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import os
import re
import shutil
import zipfile
from collections import defaultdict
from math import isinf, isnan
from typing import Any, BinaryIO

from openpyxl.cell._writer import write_cell
from openpyxl.cell.cell import Cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.relationship import RelationshipList
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel, to_ISO8601
from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter, create_temporary_file
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import Element, xmlfile

#: The date every entry of the zip carries (the earliest a zip can hold), so equal content
#: gives equal bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ROWS_MARK = b"<sheetData/>"  # what the sheet's own writer leaves where the rows go
_CHUNK_ROWS = 2000  # rows of text built before they are encoded and written
_SPECIAL = re.compile(r"[&<>\r]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def workbook_bytes(wb) -> bytes:
    """The .xlsx bytes of ``wb`` as openpyxl would save them, with every zip entry dated
    :data:`ZIP_DATE`. Spool files go to :func:`tempfile.gettempdir` (the caller points it
    beside the output)."""
    buffer = io.BytesIO()
    with _FixedDateZip(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        _Writer(wb, archive).save()
    return buffer.getvalue()


def _entry(name: str, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


class _FixedDateZip(zipfile.ZipFile):
    """A zip whose entries are all dated :data:`ZIP_DATE` (openpyxl names them by path)."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = _entry(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as src:
            self.writestr(_entry(arcname or os.path.basename(filename)), src.read())


class _Writer(ExcelWriter):
    """openpyxl's package writer, with the sheets' rows written by :func:`write_rows`."""

    _archive: zipfile.ZipFile  # openpyxl's writer keeps the zip here; the stubs leave it out

    def write_worksheet(self, ws):
        if self.workbook.write_only:
            return super().write_worksheet(ws)
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _SheetWriter(ws)
        try:
            writer.write()
            ws._rels = writer._rels
            with open(writer.out, "rb") as fh:
                head, tail = fh.read().split(_ROWS_MARK, 1)
            assert writer.spool is not None, "write() spools the rows"
            size = len(head) + os.path.getsize(writer.spool) + len(tail)
            with open(writer.spool, "rb") as rows, self._archive.open(_entry(ws.path[1:], size), "w") as dst:
                dst.write(head)
                shutil.copyfileobj(rows, dst, 1 << 20)
                dst.write(tail)
            self.manifest.append(ws)
        finally:
            writer.cleanup()


class _SheetWriter(WorksheetWriter):
    """Writes the sheet as openpyxl does, its rows to a spool file of their own."""

    out: str  # made without ``out``, the writer writes to a spool file of openpyxl's
    _rels: RelationshipList  # openpyxl's writer sets it; the stubs leave it out
    spool: str | None = None  #: the spool file of the rows (``rows`` is openpyxl's method)

    def write_dimensions(self):
        sheet = getattr(self.ws, "_streamed", None)
        if sheet is None:
            return super().write_dimensions()
        self.xf.send(SheetDimension(sheet.dimension()).to_tree())

    def write_rows(self):
        self.spool = create_temporary_file()
        sheet = getattr(self.ws, "_streamed", None)
        with open(self.spool, "wb") as out:
            if sheet is None:
                write_rows(self.ws, out)
            else:
                write_sheet_rows(self.ws, sheet, out)
        self.xf.send(Element("sheetData"))

    def cleanup(self):
        # either file may be gone already (a stop clears the spool folder while we write)
        for path in (self.out, self.spool):
            if path is not None:
                if os.path.exists(path):
                    os.remove(path)
                if path in ALL_TEMP_FILES:
                    ALL_TEMP_FILES.remove(path)


def write_rows(ws, out: BinaryIO) -> None:
    """The ``<sheetData>`` element of ``ws``, byte for byte as openpyxl's lxml writer makes it.

    Cells are written in row order, styled empty cells kept, empty rows that carry a height
    kept; comments and hyperlinks are collected for the parts written after the rows.
    """
    wb = ws.parent
    cells = ws._cells
    by_row: dict[int, list[int]] = defaultdict(list)
    for row, col in sorted(cells):
        by_row[row].append(col)
    for row in ws.row_dimensions.keys() - by_row.keys():
        by_row[row] = []
    letters = [""] + [get_column_letter(c) for c in range(1, max((c for _, c in cells), default=0) + 1)]
    styles: dict[bytes, str] = {}
    dims = ws.row_dimensions
    parts: list[str] = ["<sheetData>"]
    for count, row in enumerate(sorted(by_row), start=1):
        attrs = "".join(f' {k}="{_attr(v)}"' for k, v in dims.get(row, {}))
        parts.append(f'<row r="{row}"{attrs}>')
        for col in by_row[row]:
            cell = cells[(row, col)]
            if cell._comment is not None:
                ws._comments.append(CommentRecord.from_cell(cell))
            style = cell._style
            if style is None:  # never styled
                s = ""
            else:
                key = style.tobytes()
                found = styles.get(key)
                if found is None:
                    found = styles[key] = f' s="{wb._cell_styles.add(StyleArray(style))}"' if any(style) else ""
                s = found
            value = cell._value
            if value is None and not s and cell._comment is None:
                continue
            if cell._hyperlink is not None:
                ws._hyperlinks.append(cell.hyperlink)
            parts.append(_cell(cell, f"{letters[col]}{row}", s, value, wb))
        parts.append("</row>")
        if count % _CHUNK_ROWS == 0:
            out.write("".join(parts).encode("ascii", "xmlcharrefreplace"))
            parts.clear()
    parts.append("</sheetData>")
    out.write("".join(parts).encode("ascii", "xmlcharrefreplace"))


def _cell(cell, ref: str, s: str, value, wb) -> str:
    """One ``<c>`` element as text (non-ASCII is made character references by the caller)."""
    kind = cell.data_type
    if kind == "s" and type(value) is str:
        if value == "":
            return f'<c r="{ref}"{s} t="inlineStr"></c>'
        if _SPECIAL.search(value):
            text = value.translate(_ESCAPES)
        else:
            text = value
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if kind in ("n", "b") and isinstance(value, (int, float)):
        number = "" if math.isnan(value) or math.isinf(value) else f"{value:.16g}"
        return f'<c r="{ref}"{s} t="{kind}"><v>{number}</v></c>'
    if value is None or (kind == "n" and value == ""):
        return f'<c r="{ref}"{s} t="{kind}"></c>' if kind != "s" else f'<c r="{ref}"{s} t="inlineStr"></c>'
    if kind == "d" and not (isinstance(value, _dt.datetime) and value.tzinfo is not None):
        if wb.iso_dates and not isinstance(value, _dt.timedelta):
            return f'<c r="{ref}"{s} t="d"><v>{to_ISO8601(value)}</v></c>'
        number = to_excel(value, wb.epoch)
        return f'<c r="{ref}"{s} t="n"><v>{number:.16g}</v></c>'
    return _openpyxl_cell(cell, bool(s))


def _openpyxl_cell(cell, styled: bool) -> str:
    """A cell of a rarer kind (a formula, rich text, an error) as openpyxl writes it."""
    buffer = io.BytesIO()
    with xmlfile(buffer) as xf:
        write_cell(xf, cell.parent, cell, styled)
    return buffer.getvalue().decode("ascii")


def _attr(value) -> str:
    text = str(value)
    if _SPECIAL.search(text) or '"' in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return text


# --------------------------------------------------------------------------- streamed sheets


class _Absent:
    """The marker of a place in a streamed row where no cell was written."""

    def __repr__(self) -> str:
        return "ABSENT"


#: A place in a streamed row where no cell was written, not even an empty one (openpyxl would
#: have no cell there: the row and the sheet's dimension do not count it)
ABSENT = _Absent()
ZERO_STYLE = (0,) * 9  #: the style array of a cell never styled
#: Places in a style array (openpyxl's ``StyleArray``): font, fill, number format, protection,
#: alignment, quote prefix ids
FONT, FILL, NUMBER_FORMAT, PROTECTION, ALIGNMENT, QUOTE_PREFIX = 0, 1, 3, 4, 5, 7


class CellStyles:
    """Every style the streamed cells of one workbook carry, each known by a small id.

    A style is openpyxl's style array (font, fill, border, number format, protection,
    alignment, pivot button, quote prefix and named style ids). Every cell of one style shares
    its one record, so a cell costs an id and a style is worked out once, not once per cell.
    The style's index in the file (a cell's ``s``) is given when the rows are written, in the
    order the cells are written, as openpyxl gives it to the same cells.
    """

    def __init__(self, wb) -> None:
        self.wb = wb
        self.arrays: list[tuple[int, ...]] = [ZERO_STYLE]
        self._ids: dict[tuple[int, ...], int] = {ZERO_STYLE: 0}
        self._derived: dict[tuple, int] = {}
        #: a writer's own lookup of the style a value gets: (number format, kind of value) -> id
        self.by_value: dict[tuple[str | None, int], int] = {}
        self._objects: dict[tuple[int, int, int], tuple[Any, int]] = {}

    @classmethod
    def of(cls, wb) -> CellStyles:
        """The registry of workbook ``wb`` (made on first use)."""
        try:
            return wb._cell_style_ids
        except AttributeError:
            registry = wb._cell_style_ids = cls(wb)
            return registry

    def id_of(self, array) -> int:
        """The id of a style array, given the first time it is seen."""
        key = tuple(array)
        sid = self._ids.get(key)
        if sid is None:
            sid = self._ids[key] = len(self.arrays)
            self.arrays.append(key)
        return sid

    def replaced(self, sid: int, place: int, value: int) -> int:
        """The id of style ``sid`` with ``place`` of its array set to ``value``."""
        array = list(self.arrays[sid])
        array[place] = value
        return self.id_of(array)

    def derived(self, key: tuple, make) -> int:
        """The style ``make()`` gives, worked out once per ``key`` (a style id and what is done
        to it)."""
        sid = self._derived.get(key)
        if sid is None:
            sid = self._derived[key] = make()
        return sid

    def with_object(self, sid: int, place: int, obj) -> int:
        """Style ``sid`` with a font, fill or alignment (``place``): the object registered with
        the workbook when first used, as setting it on a cell does, once per style and object."""
        key = (sid, place, id(obj))
        hit = self._objects.get(key)
        if hit is None:
            collection = {FONT: self.wb._fonts, FILL: self.wb._fills, ALIGNMENT: self.wb._alignments}[place]
            # the object is kept with its answer, so its id is not another object's while this holds
            hit = self._objects[key] = (obj, self.replaced(sid, place, collection.add(obj)))
        return hit[1]

    def alignment(self, sid: int):
        """The alignment of style ``sid``."""
        return self.wb._alignments[self.arrays[sid][ALIGNMENT]]

    def number_format(self, sid: int) -> str:
        """The number format of style ``sid``, as a cell's ``number_format`` reads it."""
        idx = self.arrays[sid][NUMBER_FORMAT]
        if idx < BUILTIN_FORMATS_MAX_SIZE:
            return BUILTIN_FORMATS.get(idx, "General")
        return self.wb._number_formats[idx - BUILTIN_FORMATS_MAX_SIZE]

    def xf_attribute(self, sid: int) -> str:
        """The ``s`` attribute of a cell of style ``sid`` (none for a cell never styled), its
        index given now if this is the style's first cell written."""
        array = self.arrays[sid]
        return f' s="{self.wb._cell_styles.add(StyleArray(array))}"' if any(array) else ""


class SheetRows:
    """A streamed sheet's cells, row by row: the values as written and a style id each.

    ``rows[r]`` is ``(values, style_ids)``, column 1 first; :data:`ABSENT` marks a place where
    no cell was written. A value is text, a number, None (an empty cell, written only when
    styled) or, for the rarer kinds (dates, truth values), the openpyxl cell that holds it.
    The sheet itself holds no openpyxl cell; its rows are written by :func:`write_sheet_rows`.
    """

    def __init__(self) -> None:
        self.rows: dict[int, tuple[list, list[int]]] = {}
        self.min_row = self.max_row = self.min_col = self.max_col = 0

    def add(self, r: int, values: list, style_ids: list[int], first: int, last: int) -> None:
        """Row ``r`` (each row added once), with cells from column ``first`` to ``last``."""
        self.rows[r] = (values, style_ids)
        self._extend(r, first, last)

    def _extend(self, r: int, first: int, last: int) -> None:
        """Widen the sheet's bounds to hold row ``r`` from column ``first`` to ``last``."""
        if not self.max_row:
            self.min_row, self.max_row, self.min_col, self.max_col = r, r, first, last
            return
        self.min_row, self.max_row = min(self.min_row, r), max(self.max_row, r)
        self.min_col, self.max_col = min(self.min_col, first), max(self.max_col, last)

    def place(self, r: int, c: int) -> tuple[list, list[int], int]:
        """Row ``r``'s values, style ids and the index of column ``c`` in them; an empty,
        unstyled cell is made there if none was written (as openpyxl's ``ws.cell`` does)."""
        row = self.rows.get(r)
        if row is None:
            row = self.rows[r] = ([], [])
        values, style_ids = row
        k = c - 1
        if k >= len(values):
            values.extend([ABSENT] * (k + 1 - len(values)))
            style_ids.extend([0] * (k + 1 - len(style_ids)))
        if values[k] is ABSENT:
            values[k] = None
            self._extend(r, c, c)
        return values, style_ids, k

    def dimension(self) -> str:
        """The range the cells span, as openpyxl's ``calculate_dimension`` gives it."""
        if not self.max_row:
            return "A1:A1"
        return f"{get_column_letter(self.min_col)}{self.min_row}:{get_column_letter(self.max_col)}{self.max_row}"


def write_sheet_rows(ws, sheet: SheetRows, out: BinaryIO) -> None:
    """The ``<sheetData>`` of a streamed sheet: the bytes :func:`write_rows` writes for the same
    cells, each style's index given in the same order."""
    styles = CellStyles.of(ws.parent)
    letters = [get_column_letter(c) for c in range(1, sheet.max_col + 1)]
    attrs: dict[int, str] = {}  # style id: its s attribute
    dims = ws.row_dimensions
    parts: list[str] = ["<sheetData>"]
    for count, row in enumerate(sorted(sheet.rows.keys() | dims.keys()), start=1):
        extra = "".join(f' {k}="{_attr(v)}"' for k, v in dims.get(row, {}))
        parts.append(f'<row r="{row}"{extra}>')
        cells = sheet.rows.get(row)
        if cells is not None:
            _row_cells(parts, cells, str(row), letters, attrs, styles)
        parts.append("</row>")
        if count % _CHUNK_ROWS == 0:
            out.write("".join(parts).encode("ascii", "xmlcharrefreplace"))
            parts.clear()
    parts.append("</sheetData>")
    out.write("".join(parts).encode("ascii", "xmlcharrefreplace"))


def _row_cells(parts: list[str], cells, row: str, letters: list[str], attrs: dict[int, str], styles) -> None:
    """One streamed row's ``<c>`` elements, appended to ``parts`` (as :func:`_cell` writes them)."""
    values, style_ids = cells
    append = parts.append
    # letters run to the sheet's last written column: a row's places past it are all ABSENT
    for value, sid, letter in zip(values, style_ids, letters):
        if value is ABSENT:
            continue
        s = attrs.get(sid)
        if s is None:
            s = attrs[sid] = styles.xf_attribute(sid)
        kind = type(value)
        if kind is str:
            if not value:
                append(f'<c r="{letter}{row}"{s} t="inlineStr"></c>')
                continue
            text = value.translate(_ESCAPES) if _SPECIAL.search(value) else value
            space = ' xml:space="preserve"' if value != value.strip() else ""
            append(f'<c r="{letter}{row}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>')
        elif kind is float or kind is int:
            number = "" if isnan(value) or isinf(value) else f"{value:.16g}"
            append(f'<c r="{letter}{row}"{s} t="n"><v>{number}</v></c>')
        elif value is None:
            if s:
                append(f'<c r="{letter}{row}"{s} t="n"></c>')
        else:  # an openpyxl cell of a rarer kind: written as such, in its style as it is now
            value._style = StyleArray(styles.arrays[sid])
            append(_cell(value, f"{letter}{row}", s, value._value, styles.wb))


def as_cells(wb) -> None:
    """Turn every streamed sheet of ``wb`` into ordinary openpyxl cells, for a writer that knows
    only those (openpyxl's own ``save``); the cells are the ones :func:`write_sheet_rows`
    writes."""
    styles = CellStyles.of(wb)
    for ws in wb.worksheets:
        sheet = ws.__dict__.pop("_streamed", None)
        if sheet is None:
            continue
        for r, (values, style_ids) in sheet.rows.items():
            for k, value in enumerate(values):
                if value is ABSENT:
                    continue
                if type(value) is Cell:
                    cell = value
                else:
                    cell = Cell(ws, row=r, column=k + 1)
                    # the stubs name a cell's _value and _style in its __slots__ but do not declare them
                    cell._value = value  # type: ignore[attr-defined]
                    cell.data_type = "s" if type(value) is str else "n"
                array = styles.arrays[style_ids[k]]
                cell._style = StyleArray(array) if any(array) else None  # type: ignore[attr-defined]
                ws._cells[(r, k + 1)] = cell
