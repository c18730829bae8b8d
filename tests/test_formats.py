"""Planning workbooks saved as .ods (LibreOffice) and .xls (old Excel) read as the .xlsx does:
the shipped samples, converted by LibreOffice in the test, give the same portfolio and the same
problems; hostile files of each format end in bounded time with a clear problem."""

from __future__ import annotations

import datetime as dt
import random
import shutil
import zipfile
from pathlib import Path

import conftest
import pytest
from conftest import ROOT, SAMPLE, convert, run_cli
from openpyxl import load_workbook
from test_hostile import refused, run_bounded

from portfolio_opt import InvalidWorkbook, optimize, read_plan
from portfolio_opt.workbook.raw import MAX_CELLS
from portfolio_opt.workbook.reader import read_workbook

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
SAMPLES = sorted((ROOT / "data").glob("*.xlsx"))
#: the samples checked with --slow only (CI): those whose solve takes seconds, and the two plans
#: made like the first sample (the default run converts that one, a review and a committee's)
LONG_SOLVES = {"sample_quarterly", "sample_risk", "sample_budgets", "plan_cfo", "plan_cto"}


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> dict[str, dict[str, Path]]:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    folder = tmp_path_factory.mktemp("converted")
    # the broken sample rides along: one LibreOffice start per kind converts every workbook (the
    # samples whose cases run only with --slow are converted only then)
    samples = [p for p in SAMPLES if conftest.FULL or p.stem not in LONG_SOLVES]
    sources = samples + [broken_sample(tmp_path_factory.mktemp("broken") / "broken.xlsx")]
    found = {p.stem: {"xlsx": p} for p in sources}
    for kind in ("ods", "xls"):
        for path in convert(sources, kind, folder):
            found[path.stem][kind] = path
    return found


@needs_soffice
@pytest.mark.parametrize("kind", ["ods", "xls"])
@pytest.mark.parametrize(
    "stem", [pytest.param(p.stem, marks=pytest.mark.slow) if p.stem in LONG_SOLVES else p.stem for p in SAMPLES]
)
def test_a_converted_sample_gives_the_same_portfolio(converted, stem, kind):
    original = read_plan(converted[stem]["xlsx"])
    other = read_plan(converted[stem][kind])
    assert other.initiatives == original.initiatives
    assert other.limits == original.limits
    assert other.settings == original.settings
    first, second = optimize(original), optimize(other)
    assert second.selected == first.selected
    assert second.objective == pytest.approx(first.objective, rel=1e-9)


def broken_sample(path: Path) -> Path:
    """The sample with a problem of each kind the cells can have."""
    wb = load_workbook(SAMPLE)
    ws = wb["Initiatives"]
    headers = {c.value: c.column for c in ws[1]}
    ws.cell(row=3, column=headers["Cost"], value="lots")
    ws.cell(row=4, column=headers["Probability"], value=1.4)
    date = ws.cell(row=6, column=headers["Time to value (months)"], value=dt.datetime(2027, 3, 1))
    date.number_format = "yyyy-mm-dd"
    percent = ws.cell(row=7, column=headers["Cost"], value=0.25)
    percent.number_format = "0%"
    ws.cell(row=8, column=headers["ID"], value=ws.cell(row=2, column=headers["ID"]).value)
    wb.save(path)
    return path


@needs_soffice
@pytest.mark.parametrize("kind", ["ods", "xls"])
def test_a_broken_workbook_has_the_same_problems_by_sheet_and_cell(converted, kind):
    path, other = converted["broken"]["xlsx"], converted["broken"][kind]
    problems = {}
    for source in (path, other):
        with pytest.raises(InvalidWorkbook) as info:
            read_plan(source)
        problems[source.suffix] = [(p.code, p.where, p.message) for p in info.value.problems]
    assert problems[f".{kind}"] == problems[".xlsx"]
    codes = {code for code, _, _ in problems[".xlsx"]}
    assert {"not-a-number", "out-of-range", "date-in-number", "duplicate-id"} <= codes


@needs_soffice
def test_the_command_line_reads_an_ods_and_writes_xlsx(converted, tmp_path):
    plan = tmp_path / "plan.ods"
    plan.write_bytes(converted["sample_plan"]["ods"].read_bytes())
    proc = run_cli("optimize", plan, "--explain-limit", "0")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "plan_result.xlsx").exists()
    assert run_cli("validate", converted["sample_plan"]["xls"]).returncode == 0


# --------------------------------------------------------------------------- hostile .ods


@pytest.fixture(scope="module")
def ods_parts(converted) -> dict[str, bytes]:
    with zipfile.ZipFile(converted["sample_plan"]["ods"]) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def ods(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), parts.get("mimetype", b""))  # stored, first
        for name, data in parts.items():
            if name != "mimetype":
                zf.writestr(name, data)
    return path


ROWS_END = b"</table:table>"


@needs_soffice
@pytest.mark.parametrize(
    "attack, expected",
    [
        ("entities", ("XML document type or entity declarations", "content.xml")),
        pytest.param("ratio-bomb", ("inflates", "content.xml"), marks=pytest.mark.slow),
        ("repeated-rows", ("far outside the table", f"{MAX_CELLS:,}")),
        pytest.param("repeated-columns", ("far outside the table",), marks=pytest.mark.slow),
        ("truncated", ("damaged",)),
        ("encrypted", ("protected with a password",)),
        pytest.param("no-content", ("content.xml", "not in the file"), marks=pytest.mark.slow),
        pytest.param("a-text-document", ("not a spreadsheet",), marks=pytest.mark.slow),
        pytest.param("not-a-number", ("damaged",), marks=pytest.mark.slow),
    ],
)
def test_a_hostile_ods_is_refused(tmp_path, ods_parts, attack, expected):
    parts = dict(ods_parts)
    content = parts["content.xml"]
    if attack == "entities":
        parts["content.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + content.split(b"?>", 1)[1]
    elif attack == "ratio-bomb":
        parts["content.xml"] = content.replace(ROWS_END, b"<!--" + b" " * (40 * 1024 * 1024) + b"-->" + ROWS_END, 1)
    elif attack == "repeated-rows":  # one value, repeated down a hundred million rows
        row = b'<table:table-row table:number-rows-repeated="100000000"><table:table-cell office:value-type="float" '
        parts["content.xml"] = content.replace(
            ROWS_END, row + b'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>' + ROWS_END, 1
        )
    elif attack == "repeated-columns":
        cell = (
            b'<table:table-row><table:table-cell table:number-columns-repeated="2000000000" office:value-type="string">'
        )
        parts["content.xml"] = content.replace(
            ROWS_END, cell + b"<text:p>x</text:p></table:table-cell></table:table-row>" + ROWS_END, 1
        )
    elif attack == "truncated":
        parts["content.xml"] = content[: len(content) // 2]
    elif attack == "encrypted":
        parts["META-INF/manifest.xml"] = parts["META-INF/manifest.xml"].replace(
            b"</manifest:manifest>", b"<manifest:encryption-data/></manifest:manifest>"
        )
        parts["content.xml"] = random.Random(1).randbytes(len(content))
    elif attack == "no-content":
        del parts["content.xml"]
    elif attack == "a-text-document":
        parts["mimetype"] = b"application/vnd.oasis.opendocument.text"
    elif attack == "not-a-number":
        parts["content.xml"] = content.replace(b'office:value="', b'office:value="x', 1)
    path = ods(tmp_path / "plan.ods", parts)
    refused(tmp_path, path, *expected)


# --------------------------------------------------------------------------- hostile .xls


@needs_soffice
def test_a_damaged_xls_is_refused(tmp_path, converted):
    data = bytearray(converted["sample_plan"]["xls"].read_bytes())
    data[600:4000] = random.Random(3).randbytes(3400)
    path = tmp_path / "plan.xls"
    path.write_bytes(bytes(data))
    proc, _ = run_bounded("validate", path)
    assert proc.returncode in (0, 3), proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_ole_file_that_is_no_workbook_is_refused(tmp_path):
    path = tmp_path / "plan.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)
    refused(tmp_path, path, "plan.xls")


@pytest.mark.slow
@needs_soffice
def test_mutated_ods_and_xls_never_crash(tmp_path, converted):
    """Bytes of valid .ods and .xls files, flipped: any exit but 1, never a traceback."""
    rng = random.Random(11)
    for k in range(16):
        kind = "ods" if k % 2 else "xls"
        data = bytearray(converted["sample_plan"][kind].read_bytes())
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path = tmp_path / f"m{k}.{kind}"
        path.write_bytes(bytes(data))
        proc, seconds = run_bounded("optimize", path, "-o", tmp_path / f"o{k}.xlsx", "--explain-limit", "0")
        assert proc.returncode in (0, 3, 4), (k, proc.returncode, proc.stderr[-1500:])
        assert "Traceback" not in proc.stderr


def test_a_macro_enabled_name_and_an_ods_name_read_by_content(tmp_path):
    """The kind is told from the bytes: an .xlsx saved under another name still reads."""
    for suffix in (".xlsm", ".ods", ".xls"):
        path = tmp_path / f"plan{suffix}"
        path.write_bytes(SAMPLE.read_bytes())
        assert read_plan(path).initiatives == read_plan(SAMPLE).initiatives


def test_the_sample_as_an_ods_made_by_hand_reads(tmp_path):
    """A minimal .ods (one sheet, typed cells) with no LibreOffice involved."""
    content = (
        b'<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        b'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
        b'<table:table table:name="Initiatives">'
        + b"<table:table-row>"
        + b"".join(
            b'<table:table-cell office:value-type="string"><text:p>%s</text:p></table:table-cell>' % h
            for h in (b"ID", b"Name", b"Impact", b"Probability", b"Time to value", b"Cost")
        )
        + b"</table:table-row><table:table-row>"
        + b'<table:table-cell office:value-type="string"><text:p>A</text:p></table:table-cell>'
        + b'<table:table-cell office:value-type="string">'
        + b'<text:p>Alpha<text:s text:c="2"/>one</text:p></table:table-cell>'
        + b'<table:table-cell office:value-type="float" office:value="5000"/>'
        + b'<table:table-cell office:value-type="percentage" office:value="0.8"/>'
        + b'<table:table-cell office:value-type="float" office:value="3"/>'
        + b'<table:table-cell office:value-type="currency" office:value="1000.5"/>'
        + b"</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = ods(
        tmp_path / "plan.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": content}
    )
    plan = read_plan(path)
    (only,) = plan.initiatives
    assert (only.id, only.name, only.impact, only.probability, only.cost) == ("A", "Alpha  one", 5000, 0.8, 1000.5)
    raw_types = [type(v) for v in read_workbook(path).sheets[0].rows[1]]
    assert raw_types == [str, str, int, float, int, float]
