"""Read an .xlsx or .xlsm workbook's cells straight from its XML: what openpyxl reads, faster.

openpyxl builds an object for every element of a sheet; a 10,000-initiative plan took it 1-2
seconds to read. This reader takes each sheet's cells apart with one regular-expression pass
over its XML and turns them into the same :class:`~portfolio_opt.workbook.raw.RawWorkbook`,
value for value: numbers written without a point or an exponent are ints, the others floats;
numbers in date or time formats are the datetimes (times, durations) openpyxl makes of them;
error cells are flagged; formulas count by their cached values; the number format of every
cell is its style's, by openpyxl's rules (:mod:`~portfolio_opt.workbook.numfmt`).

It reads what spreadsheet programs and libraries write. Anything else, valid or not (XML
comments or CDATA among the cells, a namespace declared inside a sheet, an encoding other than
UTF-8, a value that is not a number, a style that does not exist), raises :class:`Unusual`,
and :mod:`~portfolio_opt.workbook.reader` reads that file with openpyxl instead: the same
result, or the same problem, only slower. tests/test_reader_agreement.py checks the two
readers agree on every workbook the tests and the samples hold.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from operator import itemgetter
from typing import Any

from portfolio_opt.workbook import numfmt
from portfolio_opt.workbook.raw import EXCEL_ROWS, MAX_CELLS, RawSheet, RawWorkbook, far_cell, far_row

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_DCTERMS_NS = "http://purl.org/dc/terms/"
#: the workbook part's content types, in the order openpyxl looks for them
_WORKBOOK_TYPES = (
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


class Unusual(Exception):
    """The file holds something this reader does not take apart: read it with openpyxl."""


def read(data: bytes, name: str, sha256: str) -> RawWorkbook:
    """Every sheet of an (already checked) .xlsx archive, as openpyxl reads it.

    Raises :class:`Unusual` for anything it does not read exactly as openpyxl would.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return _read(zf, name, sha256)
    except (Unusual, MemoryError):
        raise
    except Exception as exc:  # a damaged part: openpyxl says how, in its words
        raise Unusual(f"{type(exc).__name__}: {exc}") from exc


def _read(zf: zipfile.ZipFile, name: str, sha256: str) -> RawWorkbook:
    names = set(zf.namelist())
    overrides, defaults = _content_types(zf)
    workbook = _workbook_part(overrides, defaults)
    epoch, listed = _sheets_listed(zf.read(workbook))
    rels = _relationships(zf, workbook)
    styles = _styles(zf.read("xl/styles.xml") if "xl/styles.xml" in names else None)
    strings_part = next((part for part, kind in overrides if kind == _SHARED_STRINGS), None)
    strings = shared_strings(zf.read(strings_part)) if strings_part is not None else []
    sheets = []
    for title, rid in listed:
        target, kind = rels[rid]
        if target not in names or "chartsheet" in kind:
            continue
        sheets.append(read_sheet(zf.read(target), title, strings, styles, epoch))
    saved = _saved(zf.read("docProps/core.xml")) if "docProps/core.xml" in names else None
    return RawWorkbook(sheets=sheets, name=name, sha256=sha256, saved=saved)


# --------------------------------------------------------------------------- the small parts


def _xml(data: bytes):
    """A small part's root element (the archive checks refused document types before this)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _content_types(zf: zipfile.ZipFile) -> tuple[list[tuple[str, str]], set[str]]:
    """The package's overrides (part, content type) in order, and its default content types."""
    root = _xml(zf.read("[Content_Types].xml"))
    overrides, defaults = [], set()
    for el in root:
        if _local(el.tag) == "Override":
            overrides.append((el.get("PartName", "")[1:], el.get("ContentType")))
        elif _local(el.tag) == "Default":
            defaults.add(el.get("ContentType"))
    return overrides, defaults


def _workbook_part(overrides: list[tuple[str, str]], defaults: set[str]) -> str:
    for kind in _WORKBOOK_TYPES:
        for part, found in overrides:
            if found == kind:
                return part
    if defaults & set(_WORKBOOK_TYPES):
        return "xl/workbook.xml"
    raise Unusual("the package names no workbook part")


def _sheets_listed(data: bytes):
    """The date system and the (title, relationship id) of every sheet the workbook lists."""
    root = _xml(data)
    if root.tag != f"{{{MAIN_NS}}}workbook":
        raise Unusual(f"the workbook part's root is {root.tag}")
    epoch = numfmt.WINDOWS_EPOCH
    listed = []
    for el in root:
        tag = _local(el.tag)
        if tag == "workbookPr" and el.get("date1904") is not None:
            epoch = numfmt.WINDOWS_EPOCH if el.get("date1904") in ("false", "f", "0") else numfmt.MAC_EPOCH
        elif tag == "sheets":
            for sheet in el:
                title = sheet.get("name")
                if title is None:
                    raise Unusual("a sheet without a name")
                if sheet.get(f"{{{REL_NS}}}id"):
                    listed.append((title, sheet.get(f"{{{REL_NS}}}id")))
    return epoch, listed


def _relationships(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """The workbook's relationships: id -> (the part it points to, its type)."""
    folder, base = posixpath.split(part)
    root = _xml(zf.read(posixpath.join(folder, "_rels", f"{base}.rels")))
    rels = {}
    for rel in root:
        if _local(rel.tag) != "Relationship":
            continue
        target = rel.get("Target")
        if rel.get("TargetMode") != "External":
            target = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        rels[rel.get("Id")] = (target, rel.get("Type"))
    return rels


def _styles(data: bytes | None) -> list[tuple[str, bool, bool]]:
    """Each cell style's number format, and whether it shows a date and a duration."""
    if data is None:
        return [("General", False, False)]
    root = _xml(data)
    custom: dict[int, str] = {}
    xfs: list[int] = []
    for el in root:
        tag = _local(el.tag)
        if tag == "numFmts":
            for fmt in el:
                if _local(fmt.tag) == "numFmt":
                    code = fmt.get("formatCode")
                    if code is None:
                        raise Unusual("a number format without a code")
                    custom[int(fmt.get("numFmtId"))] = code
        elif tag == "cellXfs":
            xfs = [int(xf.get("numFmtId", 0)) for xf in el if _local(xf.tag) == "xf"]
    if not xfs:
        return [("General", False, False)]
    styles = []
    for fmt_id in xfs:
        if fmt_id in custom:
            code = custom[fmt_id]
            styles.append((code, numfmt.is_date_format(code), numfmt.is_timedelta_format(code)))
        elif fmt_id < numfmt.BUILTIN_MAX:
            code = numfmt.BUILTIN_FORMATS.get(fmt_id)
            styles.append((code or "General", numfmt.is_date_format(code), numfmt.is_timedelta_format(code)))
        else:  # a custom id the file never defines: openpyxl would show another style's format
            raise Unusual(f"number format {fmt_id} is not defined")
    return styles


def _saved(data: bytes):
    """When the document properties say the file was last saved (None when they do not)."""
    root = _xml(data)
    for el in root:
        if el.tag == f"{{{_DCTERMS_NS}}}modified":
            value = numfmt.from_iso8601(el.text) if el.text else None
            if value is not None and not hasattr(value, "hour"):
                raise Unusual("a saved date without a time")
            return value
    return None


# --------------------------------------------------------------------------- text


_ENTITY = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def text_of(raw: bytes) -> str:
    """XML character data as a parser reports it: line ends as \\n, references replaced."""
    text = raw.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(_reference, text)
        if "&" in _ENTITY.sub("", raw.decode("utf-8")):
            raise Unusual("an unknown entity reference")
    return text


def _reference(match: re.Match) -> str:
    decimal, hexa, named = match.groups()
    if named:
        return _NAMED[named]
    code = int(decimal) if decimal else int(hexa, 16)
    if not (
        code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    ):
        raise Unusual(f"a reference to character {code}, which XML does not allow")
    return chr(code)


def _attribute(raw: bytes) -> str:
    """An attribute's value as a parser reports it (references replaced, white space as spaces)."""
    text = raw.decode("utf-8")
    if "\r\n" in text:
        text = text.replace("\r\n", " ")
    text = text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return text_of(text.encode("utf-8")) if "&" in text else text


# every control character XML 1.0 forbids (a parser refuses the part: openpyxl says so)
_FORBIDDEN = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])


def _plain_text(data: bytes) -> bytes:
    """Refuse what the fast path leaves to a real parser: comments, CDATA, processing
    instructions, namespace declarations and characters XML forbids."""
    if b"<!" in data or b"<?" in data or b"xmlns:" in data or b"xmlns=" in data or b"\xef\xbf\xbe" in data:
        raise Unusual("comments, CDATA, declarations or forbidden characters among the cells")
    if b"\xef\xbf\xbf" in data:
        raise Unusual("comments, CDATA, declarations or forbidden characters among the cells")
    if len(data.translate(None, _FORBIDDEN)) != len(data):
        raise Unusual("comments, CDATA, declarations or forbidden characters among the cells")
    return data


# --------------------------------------------------------------------------- shared strings


def shared_strings(data: bytes) -> list[str]:
    """The shared strings table: each entry's text (rich-text runs joined, phonetic runs left
    out), with openpyxl's one escape (``_x005F_`` becomes ``_``)."""
    prefix, body = _root_and_body(data, b"sst", None)
    if body is None:
        return []
    _plain_text(body)
    pattern = _simple_strings(prefix)
    found = pattern.findall(body)
    if any(junk for *_, junk in found):
        return _rich_strings(data)
    strings = []
    for plain, preserved, empty, _ in found:
        raw = plain or preserved
        text = text_of(raw) if (b"&" in raw or b"\r" in raw) else raw.decode("utf-8")
        strings.append(("" if empty else text).replace("x005F_", ""))
    return strings


def _simple_strings(prefix: bytes) -> re.Pattern:
    """Entries of one plain text run: ``<si><t>text</t></si>``; anything else is junk."""
    return _pattern(
        prefix,
        rb'\s*(?:<~si>(?:<~t>([^<]*)</~t>|<~t xml:space="preserve">([^<]*)</~t>|<~t(/)>)</~si>|(\S))',
    )


def _rich_strings(data: bytes) -> list[str]:
    """Every entry, taken apart by a real parser (rich text, phonetic runs, odd spacing)."""
    root = _xml(data)
    return [rich_text(si).replace("x005F_", "") for si in root.iter(f"{{{MAIN_NS}}}si")]


def rich_text(element) -> str:
    """The text of an ``<si>`` or ``<is>`` element as openpyxl takes it: its own ``<t>`` (the
    last one), then the ``<t>`` of each run; phonetic runs are left out."""
    plain, runs = None, []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            plain = child.text
        elif tag == "r":
            text = None
            for part in child:
                if _local(part.tag) == "t":
                    text = part.text
            if text is not None:
                runs.append(text)
    return "".join(([plain] if plain is not None else []) + runs)


# --------------------------------------------------------------------------- sheets


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s/>]")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']*)["']""")


def _root_and_body(data: bytes, root: bytes, content: bytes | None):
    """The prefix the main namespace has in a part, and the inside of its ``content`` element
    (of the root itself when None); None when that element is empty or absent."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    declared = _ENCODING.match(data)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise Unusual(f"the part is encoded in {declared.group(1).decode('ascii', 'replace')}")
    start = data.find(b"<", data.find(b"?>") + 2 if data.lstrip().startswith(b"<?") else 0)
    found = _ROOT.match(data, start)
    if found is None or found.group(2) != root:
        raise Unusual(f"the part's root is not {root.decode()}")
    prefix = found.group(1) or b""
    tag_end = data.index(b">", start)
    if prefix:
        declaration = b"xmlns:" + prefix[:-1] + b'="' + MAIN_NS.encode() + b'"'
    else:
        declaration = b'xmlns="' + MAIN_NS.encode() + b'"'
    if declaration not in data[start:tag_end]:
        raise Unusual("the main namespace is not declared where the fast path looks for it")
    closing = b"</" + prefix + root + b">"
    if not data.rstrip().endswith(closing):
        if data.rstrip().endswith(b"/>") and data.rstrip()[:-2].rfind(b"<") == start:
            return prefix, None
        raise Unusual("the part does not end where its root element ends")
    if content is None:
        return prefix, data[tag_end + 1 : len(data.rstrip()) - len(closing)]
    opening = re.compile(rb"<" + re.escape(prefix + content) + rb"\b[^>]*?(/?)>")
    found = opening.search(data, tag_end)
    if found is None or found.group(1):
        return prefix, None
    end = data.find(b"</" + prefix + content + b">", found.end())
    if end < 0:
        raise Unusual(f"the {content.decode()} element does not end")
    return prefix, data[found.end() : end]


def _tokens(prefix: bytes) -> re.Pattern:
    """The pieces of ``<sheetData>``: rows opening (their number taken apart at once) and
    closing, cells empty or with content (a lone ``<v>`` or plain inline string taken apart at
    once), and anything else as junk."""
    return _pattern(
        prefix,
        rb'\s*(?:<~row(?:\s+r="([0-9]{1,7})")?(\s[^/>]*)?(/?)>|(</~row\s*>)'
        rb'|<~c(?:\s+r="([A-Z]{1,3})([0-9]+)")?(\s[^/>]*)?(?:(/)>|(>)(?:<~v>([^<]+)</~v>'
        rb"|<~is><~t>([^<]+)</~t></~is>)?(.*?)</~c\s*>)|(\S))",
        re.S,
    )


_PATTERNS: dict[tuple[bytes, bytes, int], re.Pattern] = {}


def _pattern(prefix: bytes, template: bytes, flags: int = 0) -> re.Pattern:
    """A pattern over a part's elements, compiled once for each prefix of the main namespace
    (``~`` in the template stands for it: nothing, or ``x:``)."""
    key = (prefix, template, flags)
    if key not in _PATTERNS:
        _PATTERNS[key] = re.compile(template.replace(b"~", re.escape(prefix)), flags)
    return _PATTERNS[key]


_ATTRS = re.compile(rb"""\s+([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')|(\S)""")


def _attributes(raw: bytes) -> dict[str, str]:
    """A start tag's unprefixed attributes (a prefixed one belongs to another vocabulary)."""
    found = {}
    for key, double, single, junk in _ATTRS.findall(raw):
        if junk:
            raise Unusual("a start tag the fast path cannot take apart")
        if b":" not in key:
            found[key.decode("ascii")] = _attribute(double or single)
    return found


# cell kinds: what a cell's type and style make of its stored text
_NUMBER, _STRING, _DATE, _BOOL, _TEXT, _ERROR, _ISO, _INLINE, _OTHER = range(9)


class _Kinds(dict):
    """What each distinct cell attribute string means: (kind, number format, duration?)."""

    def __init__(self, styles: list[tuple[str, bool, bool]]):
        super().__init__()
        self.styles = styles

    def __missing__(self, rest: bytes):
        attrs = _attributes(rest)
        if "r" in attrs:
            raise Unusual("a cell reference after another attribute")
        kind = self.of(attrs)
        self[rest] = kind
        return kind

    def of(self, attrs: dict[str, str]) -> tuple[int, str, bool]:
        t = attrs.get("t", "n")
        style = attrs.get("s")  # s="" fails int(): read the file with openpyxl
        fmt, is_date, is_duration = self.styles[int(style) if style is not None else 0]
        if t == "n":
            return (_DATE if is_date else _NUMBER), fmt, is_duration
        code = {"s": _STRING, "b": _BOOL, "str": _TEXT, "e": _ERROR, "d": _ISO, "inlineStr": _INLINE}.get(t, _OTHER)
        return code, fmt, False


def _body_tokens(prefix: bytes) -> re.Pattern:
    """The elements a cell may hold besides a lone ``<v>``: a formula, a value, an inline
    string, extensions; anything else is junk."""
    return _pattern(
        prefix,
        rb"\s*(?:<~f(\s[^>]*?)?(?:(/)>|>([^<]*)</~f\s*>)|<~v(?:\s[^>]*?)?(?:(/)>|>([^<]*)</~v\s*>)"
        rb"|(<~is\s*>.*?</~is\s*>)|<~extLst\b.*?</~extLst\s*>|(\S))",
        re.S,
    )


def _cell_body(value: bytes | None, body: bytes, prefix: bytes):
    """A cell's first value, its formula (attributes, text) and its first inline string element."""
    formula = inline = None
    pos = 0
    for m in _body_tokens(prefix).finditer(body):
        f_attrs, f_empty, f_text, v_empty, v_text, is_xml, junk = m.groups()
        if junk is not None or m.start() != pos:
            raise Unusual("a cell holds an element the fast path does not know")
        pos = m.end()
        if is_xml is not None:
            inline = is_xml if inline is None else inline
        elif f_empty is not None or f_text is not None:
            if formula is None:
                formula = (f_attrs or b"", f_text)
        elif (v_empty is not None or v_text is not None) and value is None:
            value = v_text or b""
    if body[pos:].strip():
        raise Unusual("a cell holds an element the fast path does not know")
    return value, formula, inline


def read_sheet(data: bytes, title: str, strings: list[str], styles: list, epoch) -> RawSheet:
    """One worksheet part as openpyxl's read-only mode yields it, made into a :class:`RawSheet`."""
    prefix, body = _root_and_body(data, b"worksheet", b"sheetData")
    rows = Rows(title)
    if body is not None:
        _scan(_plain_text(body), prefix, rows, _Kinds(styles), strings, epoch)
    return rows.sheet()


def _scan(body: bytes, prefix: bytes, rows: Rows, kinds: _Kinds, strings: list[str], epoch) -> None:
    """Every row and cell of ``<sheetData>``.

    Most rows of a sheet are alike: the same columns, styles and types, only the values
    differ. A row of numbers and text is taken apart with one regular expression; what its
    cells mean (columns, formats, how to read each value) is worked out once for each shape of
    row and kept. Every ``<`` of the row must belong to the row or a cell taken apart, or the
    row is read token by token like any other (dates, formulas, errors, rich text).
    """
    head, cell = _row_patterns(prefix)
    close = b"</" + prefix + b"row>"
    plans: dict[tuple, _RowPlan | None] = {}
    number = 0  # the row number openpyxl's parser holds: the row's r, or one past the last
    chunks = body.split(close)
    for chunk in chunks[:-1]:
        found = head.match(chunk)
        if found is not None and not found.group(3):
            cells = cell.findall(chunk, found.end())
            key = tuple(map(_SHAPE, cells))
            plan = plans.get(key)
            if plan is None and key not in plans:
                plan = plans[key] = _RowPlan.make(key, kinds, strings)
            if plan is not None and (vals := plan.read(cells, chunk)) is not None:
                digits = found.group(1)
                number = int(digits) if digits else _row_number(found.group(2), number)
                rows.keep(number, vals, plan.formats)
                continue
        number = _scan_tokens(chunk + close, prefix, rows, kinds, strings, epoch, number)
    _scan_tokens(chunks[-1], prefix, rows, kinds, strings, epoch, number)
    rows.resolve_formulas()


_SHAPE = itemgetter(0, 1, 2)  # a cell's column letters, attributes after them, and whether it is empty
_VALUE, _TEXT_RUN = itemgetter(3), itemgetter(4)


def _row_patterns(prefix: bytes) -> tuple[re.Pattern, re.Pattern]:
    """A row's start tag (its number taken apart at once), and a cell of it: its column letters
    (its reference first, as spreadsheet programs write it), other attributes, whether it is
    empty (``/>``), and a lone value or plain inline string. A cell written any other way is
    not matched: its tags go unaccounted for, and its row is read token by token."""
    # possessive quantifiers: nothing they took is given back (a fifth faster, same matches)
    head = rb'\s*+<~row(?:\s+r="([0-9]{1,7})")?(\s[^/>]*+)?(/?)>'
    cell = rb'<~c r="([A-Z]{1,3})[0-9]++"([^/>]*+)(?:(/)>|>(?:<~v>([^<]++)</~v>|<~is><~t>([^<]++)</~t></~is>)?</~c>)'
    return _pattern(prefix, head), _pattern(prefix, cell)


class _RowPlan:
    """What a shape of row means: where each cell's value goes, how it is read, the formats."""

    __slots__ = ("numbers", "shared", "inline", "strings", "index", "formats", "base")

    def __init__(self, kinds: list[int], strings: list[str], index, formats: tuple[str, ...], base: int):
        self.numbers = [k for k, kind in enumerate(kinds) if kind == _NUMBER]
        self.shared = [k for k, kind in enumerate(kinds) if kind == _STRING]
        self.inline = [k for k, kind in enumerate(kinds) if kind == _INLINE]
        self.strings = strings
        self.index = index  #: for each column, the cell that stands there (-1: none); None: cells are the columns
        self.formats = formats
        self.base = base  #: the row's ``<`` when no cell holds a value: its start tag, each cell's tags

    @classmethod
    def make(cls, shape: tuple, kinds: _Kinds, strings: list[str]) -> _RowPlan | None:
        """The plan of a shape of row, or None when a cell needs reading token by token."""
        if not shape:
            return None
        cols, cell_kinds, fmts = [], [], []
        col = 0
        for letters, rest, _empty in shape:
            kind, fmt, _ = kinds[rest]
            if kind not in (_NUMBER, _STRING, _INLINE):
                return None
            col = _COLUMNS[letters] if letters else col + 1
            cols.append(col)
            cell_kinds.append(kind)
            fmts.append(fmt)
        width = cols[-1]  # openpyxl: a row ends at its last cell's column; later cells stand
        index = [-1] * width
        for k, c in enumerate(cols):
            if c <= width:
                index[c - 1] = k
        formats = tuple(fmts[k] if k >= 0 else "General" for k in index)
        dense = index == list(range(len(cols)))
        base = 1 + sum(1 if empty else 2 for _, _, empty in shape)
        return cls(cell_kinds, strings, None if dense else index, formats, base)

    def read(self, cells: list, chunk: bytes) -> list | None:
        """The row's values, one per column up to its last cell's, as openpyxl reads them (a
        number without a point or exponent is an int; an empty text is no value); None unless
        the cells taken apart are all the row holds, every ``<`` of it accounted for (its start
        tag, each cell's one or two, a value's two, an inline string's four)."""
        values, texts = list(map(_VALUE, cells)), list(map(_TEXT_RUN, cells))
        n = len(cells)
        if self.base + 2 * (n - values.count(b"")) + 4 * (n - texts.count(b"")) != chunk.count(b"<"):
            return None
        vals: list = [None] * n
        for k in self.numbers:
            v = values[k]
            if v:
                if v.isdigit():
                    vals[k] = int(v)
                else:
                    vals[k] = float(v) if (b"." in v or b"e" in v or b"E" in v) else int(v)
        for k in self.shared:
            v = values[k]
            if v:
                vals[k] = self.strings[int(v)] or None
        for k in self.inline:
            t = texts[k]
            if t:
                vals[k] = (text_of(t) if (b"&" in t or b"\r" in t) else t.decode("utf-8")) or None
        if self.index is None:
            return vals
        return [vals[k] if k >= 0 else None for k in self.index]


def _scan_tokens(body: bytes, prefix: bytes, rows: Rows, kinds: _Kinds, strings: list[str], epoch, number: int) -> int:
    """Rows and cells taken apart one token at a time: any cell a spreadsheet writes (dates,
    booleans, errors, formulas, rich text). ``number`` is the row number so far, and the
    return value the row number after."""
    vals: list[Any] | None = None  # the row being read: None between rows
    fmts: list[str] = []
    extras: dict[int, Any] = {}
    col = 0
    columns = _COLUMNS
    for r_digits, row_attrs, row_sc, row_close, letters, digits, rest, c_sc, c_open, v, t, inner, junk in _tokens(
        prefix
    ).findall(body):
        if c_open or c_sc:
            col = columns[letters] if letters else col + 1
            kind, fmt, duration = kinds[rest]
            value = extra = None
            if inner:
                value, extra = _value(kind, v, t, inner, prefix, strings, epoch, duration)
                if extra is not None and extra[2] is not None:
                    rows.formula(number, col, letters + digits, extra[2])
            elif kind == _NUMBER:
                if v:
                    value = float(v) if (b"." in v or b"e" in v or b"E" in v) else int(v)
            elif kind == _STRING:
                if v:
                    value = strings[int(v)] or None
            elif kind == _INLINE and t:
                value = (text_of(t) if (b"&" in t or b"\r" in t) else t.decode("utf-8")) or None
            else:
                value, extra = _value(kind, v, t, inner, prefix, strings, epoch, duration)
            if vals is None:
                raise Unusual("a cell outside a row")
            if col > len(vals):
                if col > len(vals) + 1:
                    vals.extend([None] * (col - 1 - len(vals)))
                    fmts.extend(["General"] * (col - 1 - len(fmts)))
                vals.append(value)
                fmts.append(fmt)
            else:  # a cell out of order, or twice: the later one stands, as in openpyxl
                vals[col - 1] = value
                fmts[col - 1] = fmt
                extras.pop(col, None)
            if extra is not None:
                extras[col] = extra
        elif row_close and vals is not None:
            rows.end(number, vals, fmts, col, extras)
            vals = None
        elif (r_digits or row_attrs or row_sc or not junk) and not row_close and vals is None:
            number = int(r_digits) if r_digits else _row_number(row_attrs, number)
            vals, fmts, extras, col = [], [], {}, 0
            if row_sc:
                rows.end(number, vals, fmts, col, extras)
                vals = None
        else:
            raise Unusual("sheet data the fast path does not take apart")
    if vals is not None:
        raise Unusual("a row that does not end")
    return number


class _Columns(dict):
    """1-based column numbers of reference letters (``AB`` -> 28), worked out once each."""

    def __missing__(self, letters: bytes) -> int:
        col = 0
        for ch in letters:
            col = col * 26 + ch - 64
        self[letters] = col
        return col


_COLUMNS = _Columns()


def _value(kind: int, v: bytes, t: bytes, inner: bytes, prefix: bytes, strings: list[str], epoch, duration: bool):
    """A cell's value the long way (dates, booleans, errors, text, formulas, inline strings),
    and what else it says: (error?, serial, formula) or None. ``t`` is the text of a plain
    inline string, ``inner`` what the cell holds besides."""
    formula = inline = None
    if inner:
        v, formula, inline = _cell_body(v or None, inner, prefix)
    error, serial = kind == _ERROR, None
    value: Any = None
    if kind == _INLINE:
        if t:  # the cell's first inline string, plain
            value = text_of(t)
        elif inline is not None:
            value = _inline_text(inline, prefix)
    elif not v:
        value = None
    elif kind == _NUMBER:
        value = numfmt.number(v)
    elif kind == _STRING:
        value = strings[int(v)]
    elif kind == _DATE:
        try:
            value = numfmt.from_excel(numfmt.number(v), epoch, timedelta=duration)
            serial = numfmt.serial_of(value, epoch)
        except (OverflowError, ValueError):  # openpyxl makes a date it cannot hold an error
            value, error = "#VALUE!", True
    elif kind == _BOOL:
        value = bool(int(v))
    elif kind == _ISO:
        value = numfmt.from_iso8601(text_of(v))
        serial = numfmt.serial_of(value, epoch) if value is not None else None
    else:
        value = text_of(v)
    if value == "":
        value = None
    if error or serial is not None or formula is not None:
        return value, (error, serial, formula)
    return value, None


def _inline_text(element: bytes, prefix: bytes) -> str:
    """The text of an inline string (``<is>...</is>``), as openpyxl takes it."""
    p = prefix
    for opening in (b"<" + p + b"is><" + p + b"t>", b"<" + p + b"is><" + p + b't xml:space="preserve">'):
        closing = b"</" + p + b"t></" + p + b"is>"
        if element.startswith(opening) and element.endswith(closing):
            inside = element[len(opening) : -len(closing)]
            if b"<" not in inside:
                return text_of(inside)
    declaration = b" xmlns:" + p[:-1] if p else b" xmlns"
    wrapped = b"<w" + declaration + b'="' + MAIN_NS.encode() + b'">' + element + b"</w>"
    return rich_text(_xml(wrapped)[0])


def _row_number(attrs: bytes | None, last: int) -> int:
    """A row's number: its r attribute (a whole number), or one past the row before."""
    found = _attributes(attrs) if attrs else {}
    if "r" not in found:
        return last + 1
    try:
        number = int(found["r"])
    except ValueError:
        as_float = float(found["r"])
        if not as_float.is_integer():
            raise Unusual(f"row number {found['r']!r}") from None
        number = int(as_float)
    return number


class Rows:
    """A sheet's rows as openpyxl's read-only mode yields them, gathered into a :class:`RawSheet`.

    A row numbered below one already read is skipped; a row's cells end at its last cell's
    column; trailing blanks are dropped and the grid is padded at the end, as the openpyxl
    reader does.
    """

    def __init__(self, title: str):
        self.title = title
        self.kept: list[tuple[int, list, list]] = []  #: (0-based row, values, formats)
        self.extras: dict[tuple[int, int], tuple] = {}  #: (r, c) -> (error?, serial, formula)
        self.formulas: list[tuple[int, int, bytes, tuple]] = []  #: every formula, in file order
        self.counter = 1  # the next row number openpyxl would yield
        self.width = 0

    def end(self, number: int, vals: list, fmts: list, last_col: int, extras: dict) -> None:
        """A row is complete: its cells end at its last cell's column (``last_col``)."""
        if last_col < len(vals):
            del vals[last_col:], fmts[last_col:]
        r = self.keep(number, vals, fmts)
        if r is not None and extras:
            for c, extra in extras.items():
                if c <= last_col:
                    self.extras[(r, c - 1)] = extra

    def keep(self, number: int, vals: list, fmts) -> int | None:
        """Keep a row where openpyxl would (its 0-based index; None when it is skipped), or
        refuse a sheet it stretches too far."""
        if number < self.counter:
            return None
        if number > EXCEL_ROWS:
            raise far_row(self.title, number)
        self.counter = number + 1
        r = number - 1
        if vals and number * max(self.width, len(vals)) > MAX_CELLS:
            raise far_cell(self.title, r, vals, self.width)
        if vals and vals[-1] is None:
            while vals and vals[-1] is None:
                vals.pop()
            fmts = fmts[: len(vals)]
        self.width = max(self.width, len(vals))
        self.kept.append((r, vals, fmts))
        return r

    def formula(self, number: int, col: int, coordinate: bytes, formula: tuple) -> None:
        """Note a formula cell (masters of shared formulas count even where the cell does not)."""
        self.formulas.append((number, col, coordinate, formula))

    def resolve_formulas(self) -> None:
        """Turn each kept formula cell's extra into its formula text, as openpyxl writes it."""
        if not self.formulas:
            return
        texts = _formula_texts(self.formulas)
        for (r, c), (error, serial, formula) in list(self.extras.items()):
            if formula is not None:
                self.extras[(r, c)] = (error, serial, texts[id(formula)])

    def sheet(self) -> RawSheet:
        """The rows kept, padded to one width, with their errors, serials and uncalculated formulas."""
        sheet = RawSheet(name=self.title, rows=[])
        while self.kept and not self.kept[-1][1]:
            self.kept.pop()
        height = self.kept[-1][0] + 1 if self.kept else 0
        width = self.width
        blank, general = (None,) * width, ("General",) * width
        rows, formats = [blank] * height, [general] * height
        for r, vals, fmts in self.kept:
            pad = width - len(vals)
            rows[r] = tuple(vals) + blank[:pad] if pad else tuple(vals)
            formats[r] = tuple(fmts) + general[:pad] if pad else tuple(fmts)
        sheet.rows, sheet.number_formats = rows, formats
        for (r, c), (error, serial, formula) in self.extras.items():
            if error:
                sheet.errors.add((r, c))
            if serial is not None:
                sheet.serials[(r, c)] = serial
            if formula is not None and (r >= height or c >= width or rows[r][c] is None):
                sheet.uncalculated[(r, c)] = formula
        return sheet


def _formula_texts(formulas: list[tuple[int, int, bytes, tuple]]) -> dict[int, str]:
    """Each formula's text as openpyxl gives it: ``=`` and the formula; a cell sharing a
    formula gets the first cell's, moved to its own address."""
    texts: dict[int, str] = {}
    shared: dict[str | None, Any] = {}  # by si: a shared formula without one is kept under None
    for _number, _col, coordinate, formula in formulas:
        attrs, raw = formula
        found = _attributes(attrs) if attrs else {}
        text = "=" + (text_of(raw) if raw is not None else "")
        if found.get("t") == "shared":
            key = found.get("si")
            if key in shared:
                text = shared[key].translate_formula(coordinate.decode("ascii"))
            elif text != "=":
                from openpyxl.formula.translate import Translator

                if not coordinate:
                    raise Unusual("a shared formula in a cell without a reference")
                shared[key] = Translator(text, coordinate.decode("ascii"))
        texts[id(formula)] = text
    return texts
