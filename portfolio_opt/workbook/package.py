"""A workbook's bytes: openpyxl lays out every part, the cells are serialized here, in one pass.

openpyxl writes a cell as five nested lxml elements, one Python call each: at 10,000
initiatives that is most of the save (130,000 cells of the Ranking and the input copies). Here
the rows of each sheet are written as text, the same bytes openpyxl's lxml writer produces
(a test holds them equal, sheet by sheet, on every kind of workbook we write), into a spool
file beside the output; openpyxl still writes everything around them (views, columns, filters,
print setup, charts, styles). The zip is written once, with fixed dates, so the same content
gives the same bytes without a second compression pass.
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
from typing import BinaryIO

from openpyxl.cell._writer import write_cell
from openpyxl.comments.comment_sheet import CommentRecord
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel, to_ISO8601
from openpyxl.worksheet._writer import ALL_TEMP_FILES, WorksheetWriter, create_temporary_file
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
            size = len(head) + os.path.getsize(writer.rows) + len(tail)
            with open(writer.rows, "rb") as rows, self._archive.open(_entry(ws.path[1:], size), "w") as dst:
                dst.write(head)
                shutil.copyfileobj(rows, dst, 1 << 20)
                dst.write(tail)
            self.manifest.append(ws)
        finally:
            writer.cleanup()


class _SheetWriter(WorksheetWriter):
    """Writes the sheet as openpyxl does, its rows to a spool file of their own."""

    rows: str | None = None

    def write_rows(self):
        self.rows = create_temporary_file()
        with open(self.rows, "wb") as out:
            write_rows(self.ws, out)
        self.xf.send(Element("sheetData"))

    def cleanup(self):
        # either file may be gone already (a stop clears the spool folder while we write)
        for path in (self.out, self.rows):
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
                s = styles.get(key)
                if s is None:
                    s = styles[key] = f' s="{wb._cell_styles.add(StyleArray(style))}"' if any(style) else ""
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
