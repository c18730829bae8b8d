"""The fast .xlsx reader and openpyxl read the same RawWorkbook: value for value (type too),
format for format, error cell for error cell, serial for serial, uncalculated formula for
uncalculated formula, on every workbook the tests and the samples hold, on odd but valid files
written by openpyxl, XlsxWriter, LibreOffice and by hand, and on random grids.

(conftest.py also reads every .xlsx any test reads in-process with openpyxl, and fails that test
if the two disagree.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import DATA, ROOT, SAMPLE, convert, differences, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from portfolio_opt.model.errors import InvalidWorkbook
from portfolio_opt.workbook import numfmt, xlsx, xlsx_openpyxl
from portfolio_opt.workbook.reader import read_workbook

SHIPPED = sorted((ROOT / "data").glob("*.xlsx")) + sorted(DATA.rglob("*.xlsx"))


def agree(data: bytes, name: str = "plan.xlsx", fast_path: bool = True):
    """Read ``data`` both ways; the fast reader must take it (``fast_path``) and agree."""
    sha = hashlib.sha256(data).hexdigest()
    reference = xlsx_openpyxl.read(data, name, sha)
    if fast_path:
        fast = xlsx.read(data, name, sha)
    else:
        with pytest.raises(xlsx.Unusual):
            xlsx.read(data, name, sha)
        fast = read_workbook_bytes(data, name)
    assert differences(fast, reference) == []
    return fast


def read_workbook_bytes(data: bytes, name: str):
    """``read_workbook`` of a file holding ``data`` and named ``name``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return read_workbook(path)


def saved(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_workbook_reads_the_same(path):
    raw = agree(path.read_bytes(), path.name)
    assert raw.sheets and any(sheet.rows for sheet in raw.sheets)


def test_the_sample_keeps_ints_floats_percentages_and_dates():
    raw = agree(SAMPLE.read_bytes())
    initiatives = raw.sheet("Initiatives")
    kinds = {type(v) for row in initiatives.rows[1:] for v in row if v is not None}
    assert int in kinds and float in kinds and str in kinds
    assert any("%" in f for row in initiatives.number_formats for f in row)


def odd_cells() -> Workbook:
    """Every kind of cell openpyxl writes: numbers of each shape, text that needs escaping,
    booleans, errors, dates and times in many formats, durations, formulas never calculated."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Odd"
    values = [
        0, -7, 2**40, 10**17, 0.5, -1e-9, 1e16, 1.0, 3.0e5, float("inf"),
        "text", "", " padded ", "a&b<c>d\"e'f", "line\nbreak", "tab\there", "crlf\r\nend", "_x000D_ kept",
        "x005F_ gone", "ünïcødé ✓ 日本", "=1+2", True, False,
    ]  # fmt: skip
    for k, value in enumerate(values, start=1):
        ws.cell(row=k, column=1, value=value)
    formats = ["0%", "0.00%", "yyyy-mm-dd", "d-mmm-yy", "h:mm", "[h]:mm:ss", "mm:ss", '"days" 0', "#,##0_)", "@"]
    for k, fmt in enumerate(formats, start=1):
        cell = ws.cell(row=k, column=3, value=46_000.25 + k)
        cell.number_format = fmt
        small = ws.cell(row=k, column=4, value=0.75)
        small.number_format = fmt
    ws.cell(row=1, column=5, value=dt.datetime(2027, 4, 1, 9, 30))
    ws.cell(row=2, column=5, value=dt.date(2026, 12, 31))
    ws.cell(row=3, column=5, value=dt.time(13, 45, 10))
    ws.cell(row=4, column=5, value=dt.timedelta(hours=36, minutes=5))
    ws.cell(row=5, column=5, value=dt.datetime(1900, 1, 15))
    huge = ws.cell(row=6, column=5, value=10**9)
    huge.number_format = "yyyy-mm-dd"  # a date Python cannot hold: openpyxl makes it #VALUE!
    for k, code in enumerate(["#DIV/0!", "#N/A", "#REF!", "#VALUE!"], start=1):
        cell = ws.cell(row=k, column=6, value=code)
        cell.data_type = "e"
    ws["G1"] = "=SUM(A1:A3)"  # never calculated: no cached value
    ws["G2"] = "=G1*2"
    blank = ws.cell(row=3, column=7)
    blank.number_format = "0.0%"  # a styled blank between values
    ws["H3"] = "after the blank"
    ws["XFD4"] = "far right, near the table"
    other = wb.create_sheet("  Spaced & <odd> name ")
    other.append(["ID", "Probability"])
    other.append(["A", 0.7])
    wb.create_sheet("Empty")
    hidden = wb.create_sheet("Hidden")
    hidden.sheet_state = "hidden"
    hidden["B2"] = 5
    return wb


def test_odd_cells_written_by_openpyxl():
    raw = agree(saved(odd_cells()))
    odd = raw.sheet("Odd")
    assert odd.rows[0][0] == 0 and type(odd.rows[0][0]) is int
    assert type(odd.rows[4][0]) is float and type(odd.rows[7][0]) is int  # openpyxl writes 1.0 as 1
    assert (5, 4) in odd.errors and odd.rows[5][4] == "#VALUE!"
    assert {(0, 5), (1, 5), (2, 5), (3, 5)} <= odd.errors
    assert set(odd.uncalculated) == {(0, 6), (1, 6), (20, 0)}  # "=1+2" is a formula to openpyxl
    assert isinstance(odd.rows[0][4], dt.datetime) and odd.serials[(0, 4)] == pytest.approx(46478.395833)
    assert isinstance(odd.rows[3][4], dt.timedelta)
    assert odd.number_formats[2][6] == "0.0%" and odd.rows[2][6] is None


def test_a_1904_workbook_reads_its_dates_from_1904():
    wb = odd_cells()
    wb.epoch = numfmt.MAC_EPOCH
    raw = agree(saved(wb))
    assert raw.sheet("Odd").rows[0][4] == dt.datetime(2027, 4, 1, 9, 30)


@pytest.mark.parametrize("strings", ["inline", "shared"])
def test_workbooks_written_by_xlsxwriter(tmp_path, strings):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "x.xlsx"
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "in_memory": True})
    ws = book.add_worksheet("Initiatives")
    pct = book.add_format({"num_format": "0%"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ["ID", "Name", "Impact", "Probability", "Start", "Done", "Formula"])
    for r in range(1, 40):
        ws.write_string(r, 0, f"I{r:03d}")
        ws.write_string(r, 1, f"Initiative & <{r}>" if r % 3 else "")
        ws.write_number(r, 2, r * 1000.5 if r % 2 else r * 1000)
        ws.write_number(r, 3, r / 50, pct)
        ws.write_datetime(r, 4, dt.datetime(2027, 1, 1) + dt.timedelta(days=r), day)
        ws.write_boolean(r, 5, r % 2 == 0)
        ws.write_formula(r, 6, f"=C{r + 1}*2", None, (r * 2000) if r % 5 else "")
    ws.write_rich_string(41, 1, "plain ", book.add_format({"bold": True}), "bold", " tail")
    ws.write_formula(42, 6, "=1/0", None, "#DIV/0!")
    ws.write_array_formula(43, 6, 43, 6, "{=SUM(C2:C5*D2:D5)}", None, 7)
    book.close()
    data = path.read_bytes()
    if strings == "inline":  # XlsxWriter always shares strings: the other form, made by hand
        assert b"sharedStrings" in data
    raw = agree(data)
    sheet = raw.sheet("Initiatives")
    assert sheet.rows[41][1] == "plain bold tail"
    assert type(sheet.rows[2][2]) is int and type(sheet.rows[1][2]) is float


SHEET = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b"<sheetData>%s</sheetData></worksheet>"
)


def by_hand(sheet_data: bytes, shared: bytes | None = None, sheet: bytes = SHEET) -> bytes:
    """The sample's archive with its Initiatives sheet (and shared strings) replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(SAMPLE) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                body = sheet % sheet_data
            if shared is None or info.filename not in ("xl/sharedStrings.xml", "[Content_Types].xml"):
                dst.writestr(info.filename, body)
        if shared is not None:
            dst.writestr("xl/sharedStrings.xml", shared)
            types = src.read("[Content_Types].xml").replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
            dst.writestr("[Content_Types].xml", types)
    return out.getvalue()


SST = (
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<si><t>zero</t></si><si><t xml:space="preserve"> one </t></si><si><t/></si>'
    b'<si><r><rPr><b/></rPr><t>rich </t></r><r><t>text</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>'
    b"<si><t>a &amp; b &#x41;&#66;</t></si><si><t>x005F_x000D_</t></si></sst>"
)


@pytest.mark.parametrize(
    "cells, fast_path",
    [
        (
            b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
            b'<c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>',
            True,
        ),
        (b'<row><c t="inlineStr"><is><t>no refs</t></is></c><c><v>2</v></c></row><row><c><v>3.5</v></c></row>', True),
        (b'<row r="2"><c r="C2"><v>1</v></c><c r="A2"><v>2</v></c></row>', True),  # out of order: C dropped
        (
            b'<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row><row r="1"><c r="B1"><v>9</v></c></row>',
            True,
        ),  # a cell twice, a row twice: the later cell stands, the later row is skipped
        (
            b'<row r="5" spans="1:3" ht="20" customHeight="1"><c r="A5" s="0" t="n"><v>1E+3</v></c></row>'
            b'<row r="3"><c r="A3"><v>4</v></c></row>',
            True,
        ),  # a row below one read is skipped
        (
            b'<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="str"><v>cached &lt;text&gt;</v></c>'
            b'<c r="C1" t="e"><v>#N/A</v></c><c r="D1" t="d"><v>2027-03-01T12:00:00</v></c>'
            b'<c r="E1" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c><c r="F1" t="e"/>'
            b'<c r="G1" t="weird"><v>kept as text</v></c><c r="H1"><v></v></c><c r="I1" t="inlineStr"/></row>',
            True,
        ),
        (
            b'<row r="1"><c r="A1"><f>B1*2</f></c><c r="B1"><f t="shared" ref="B1:B3" si="0">C1+1</f><v>2</v></c>'
            b'</row><row r="2"><c r="B2"><f t="shared" si="0"/></c><c r="C2"><f>1/0</f><v>0</v></c></row>',
            True,
        ),
        (
            b'<row r="1"><c r="A1"><v>1</v></c></row><!-- a comment --><row r="2"><c r="A2"><v>2</v></c></row>',
            False,
        ),  # comments are left to openpyxl
        (b'<row r="1"><c r="A1" t="inlineStr"><is><t><![CDATA[<cdata>]]></t></is></c></row>', False),
        (b'<row r="1"><c s="0" r="A1"><v>1</v></c></row>', False),  # a reference after another attribute
        (b'<row r="1"><c r="A1"><v>12abc</v></c></row>', False),  # not a number: openpyxl says damaged
    ],
)
def test_hand_made_sheets(cells, fast_path):
    data = by_hand(cells, SST)
    if fast_path:
        agree(data)
        return
    sha = hashlib.sha256(data).hexdigest()
    with pytest.raises(xlsx.Unusual):
        xlsx.read(data, "plan.xlsx", sha)
    try:
        reference = xlsx_openpyxl.read(data, "plan.xlsx", sha)
    except InvalidWorkbook as exc:
        with pytest.raises(InvalidWorkbook) as info:
            read_workbook_bytes(data, "plan.xlsx")
        assert info.value.problems == exc.problems  # the same refusal, from the same reader
        return
    assert differences(read_workbook_bytes(data, "plan.xlsx"), reference) == []


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_rows_read_at_once_and_token_by_token_agree(path, monkeypatch):
    """The two ways the fast reader takes a row apart give the same sheet."""
    data = path.read_bytes()
    at_once = xlsx.read(data, path.name, "")
    monkeypatch.setattr(xlsx._RowPlan, "make", classmethod(lambda cls, *args: None))
    assert differences(xlsx.read(data, path.name, ""), at_once) == []


def test_a_prefixed_namespace_reads_the_same():
    sheet = SHEET.replace(b"<worksheet xmlns=", b"<x:worksheet xmlns:x=").replace(b"</worksheet>", b"</x:worksheet>")
    sheet = sheet.replace(b"<sheetData>", b"<x:sheetData>").replace(b"</sheetData>", b"</x:sheetData>")
    cells = (
        b'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>ID</x:t></x:is></x:c><x:c r="B1"><x:v>7</x:v></x:c></x:row>'
    )
    raw = agree(by_hand(cells, sheet=sheet))
    assert raw.sheet("Initiatives").rows == [("ID", 7)]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_workbooks_saved_by_libreoffice(tmp_path):
    """LibreOffice writes shared strings, its own styles and every formula's cached value."""
    src = tmp_path / "odd.xlsx"
    src.write_bytes(saved(odd_cells()))
    paths = [SAMPLE, ROOT / "data" / "sample_quarterly.xlsx", src]
    # one LibreOffice start per direction, for every file at once (a start is most of the cost)
    odss = convert(paths, "ods", tmp_path / "ods")
    for path, saved_again in zip(paths, convert(odss, "xlsx", tmp_path / "xlsx"), strict=True):
        agree(saved_again.read_bytes(), path.name)


CELL_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
)
FORMATS = st.sampled_from(["General", "0%", "0.00", "yyyy-mm-dd", "h:mm:ss", "[h]:mm", "#,##0_)", '"x"0', "@"])


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(1, 12), CELL_VALUES, FORMATS), max_size=60))
def test_random_grids(cells):
    wb = Workbook()
    ws = wb.active
    ws.title = "Random"
    for r, c, value, fmt in cells:
        cell = ws.cell(row=r, column=c, value=value)
        cell.number_format = fmt
    agree(saved(wb))
