"""Damaged and hostile workbooks, built at test time: each ends in bounded time and memory with
exit 3 and its reason, the input untouched and nothing written. Nothing binary is committed."""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLE

MEMORY_LIMIT = 1536 * 1024 * 1024  # address space for the whole CLI process (Python, numpy, HiGHS)
TIME_LIMIT = 60


def run_bounded(*args, cwd=None) -> tuple[subprocess.CompletedProcess, float]:
    """The CLI in a process limited in memory, timed."""

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "portfolio_opt", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT * 2,
        preexec_fn=limit,
        cwd=cwd,
    )
    return proc, time.perf_counter() - started


def parts(source: Path = SAMPLE) -> dict[str, bytes]:
    with zipfile.ZipFile(source) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def build(path: Path, contents: dict[str, bytes], raw: dict[str, tuple[bytes, int]] | None = None) -> Path:
    """A zip of ``contents``; ``raw`` parts are stored with a forged declared size."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in contents.items():
            zf.writestr(name, data)
    return path


def refused(tmp_path: Path, path: Path, code_text: str, *more: str):
    before = path.read_bytes()
    out = tmp_path / "out.xlsx"
    proc, seconds = run_bounded("optimize", path, "-o", out)
    assert proc.returncode == 3, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "Internal error" not in proc.stderr
    for text in (code_text,) + more:
        assert text in proc.stderr, (text, proc.stderr)
    assert seconds < TIME_LIMIT
    assert path.read_bytes() == before, "the input is never changed"
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".portfolio-opt-")], "no temporary file left"
    return proc


@pytest.mark.slow
def test_a_bomb_by_size_is_refused_before_it_is_inflated(tmp_path):
    contents = parts()
    contents["xl/worksheets/sheet2.xml"] = contents["xl/worksheets/sheet2.xml"].replace(
        b"</sheetData>", b"</sheetData>" + b"<!-- " + b" " * (300 * 1024 * 1024) + b" -->"
    )
    path = build(tmp_path / "plan.xlsx", contents)
    assert path.stat().st_size < 20 * 1024 * 1024
    refused(tmp_path, path, "sheet2.xml", "inflates")


def test_a_bomb_by_ratio_is_refused(tmp_path):
    contents = parts()
    contents["xl/media/filler.xml"] = b"<a>" + b"0" * (40 * 1024 * 1024) + b"</a>"
    path = build(tmp_path / "plan.xlsx", contents)
    refused(tmp_path, path, "xl/media/filler.xml", "inflates")


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (k, (b"&lol%d;" % (k - 1) if k > 1 else b"&lol;") * 10) for k in range(1, 10))
    + b"]>"
)
EXTERNAL = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("attack", [LAUGHS, EXTERNAL], ids=["entity-expansion", "external-entity"])
@pytest.mark.parametrize(
    "part",
    ["xl/worksheets/sheet2.xml"]
    + [
        pytest.param(p, marks=pytest.mark.slow)
        for p in (
            "xl/workbook.xml",
            "xl/styles.xml",
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/_rels/workbook.xml.rels",
            "docProps/core.xml",
            "xl/sharedStrings.xml",
        )
    ],
)
def test_xml_declarations_in_any_part_are_refused(tmp_path, attack, part):
    contents = parts()
    body = contents.get(part, b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')
    body = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
    contents[part] = attack + body
    path = build(tmp_path / "plan.xlsx", contents)
    proc = refused(tmp_path, path, "XML document type or entity declarations", part)
    assert "root:" not in proc.stderr and "lollol" not in proc.stderr  # nothing read, nothing leaked


def test_a_listed_sheet_whose_part_is_missing_is_refused(tmp_path):
    contents = parts()
    del contents["xl/worksheets/sheet3.xml"]  # the Constraints sheet: its limits would vanish
    path = build(tmp_path / "plan.xlsx", contents)
    refused(tmp_path, path, "Constraints", "not in the file")


@pytest.mark.parametrize("damage", ["truncated-xml", pytest.param("garbage-part", marks=pytest.mark.slow)])
def test_a_corrupt_part_is_refused(tmp_path, damage):
    contents = parts()
    sheet = contents["xl/worksheets/sheet2.xml"]
    contents["xl/worksheets/sheet2.xml"] = sheet[: len(sheet) // 2] if damage == "truncated-xml" else b"\x00\xff" * 500
    path = build(tmp_path / "plan.xlsx", contents)
    refused(tmp_path, path, "damaged")


def test_a_password_protected_workbook_is_named_as_such(tmp_path):
    ole = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    ole[600 : 600 + 28] = "EncryptionInfo".encode("utf-16-le")
    path = tmp_path / "plan.xlsx"
    path.write_bytes(bytes(ole))
    refused(tmp_path, path, "protected with a password", "without a password")


def test_strict_open_xml_is_refused_with_the_fix(tmp_path):
    contents = parts()
    contents["xl/workbook.xml"] = contents["xl/workbook.xml"].replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    )
    path = build(tmp_path / "plan.xlsx", contents)
    refused(tmp_path, path, "Strict Open XML")


def test_a_macro_enabled_workbook_is_read(tmp_path):
    path = tmp_path / "plan.xlsm"
    path.write_bytes(SAMPLE.read_bytes())
    proc, _ = run_bounded("validate", path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["XFD1048576", "A1048576", "ZZZ100000"])
def test_a_far_stray_cell_costs_nothing_or_is_refused_at_its_cell(tmp_path, cell):
    from openpyxl import load_workbook

    wb = load_workbook(SAMPLE)
    wb["Initiatives"][cell] = "stray"
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    refused(tmp_path, path, f"Initiatives!{cell}", "far outside the table")


def test_a_far_cell_near_the_table_is_read(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(SAMPLE)
    wb["Initiatives"]["XFD3"] = "note"
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    proc, seconds = run_bounded("validate", path)
    assert proc.returncode == 0 and "XFD1 has no header" in proc.stderr


@pytest.mark.parametrize("value", [1e16, pytest.param(-1e300, marks=pytest.mark.slow), "1e20"])
def test_numbers_beyond_the_documented_range_are_refused_at_their_cell(tmp_path, value):
    from openpyxl import load_workbook

    wb = load_workbook(SAMPLE)
    wb["Initiatives"]["I5"] = value
    path = tmp_path / "plan.xlsx"
    wb.save(path)
    refused(tmp_path, path, "Initiatives!I5", "largest magnitude")


@pytest.mark.slow
def test_mutated_workbooks_never_crash(tmp_path):
    """Bytes and XML of valid workbooks, mutated: any exit but 1, never a traceback."""
    rng = random.Random(7)
    original = parts()
    raw = SAMPLE.read_bytes()
    for k in range(24):
        path = tmp_path / f"m{k}.xlsx"
        if k % 3 == 0:  # flip bytes of the archive itself
            data = bytearray(raw)
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            path.write_bytes(bytes(data))
        else:  # mutate the XML of one part: cut, duplicate or scramble a slice
            contents = dict(original)
            name = rng.choice(sorted(n for n in contents if n.endswith((".xml", ".rels"))))
            body = bytearray(contents[name])
            a = rng.randrange(len(body))
            b = min(len(body), a + rng.randint(1, 200))
            choice = k % 3
            if choice == 1:
                del body[a:b]
            else:
                body[a:b] = bytes(rng.choice(b"<>/=\"' abcxyz0123&;") for _ in range(b - a))
            contents[name] = bytes(body)
            build(path, contents)
        proc, seconds = run_bounded("optimize", path, "-o", tmp_path / f"o{k}.xlsx", "--explain-limit", "0")
        assert proc.returncode in (0, 3, 4), (k, proc.returncode, proc.stderr[-1500:])
        assert "Traceback" not in proc.stderr
        assert seconds < TIME_LIMIT


def test_text_longer_than_a_cell_is_cut_with_a_warning_naming_the_cell(tmp_path):
    from openpyxl import Workbook, load_workbook

    from portfolio_opt.workbook.style import TextCut, put, save_atomic

    wb = Workbook()
    ws = wb.active
    ws.title = "Ranking"
    with pytest.warns(TextCut, match=r"Ranking!B3 held 40,000 characters; cut to 32,767"):
        put(ws, 3, 2, "x" * 40_000)
    save_atomic(wb, tmp_path / "out.xlsx")
    assert len(load_workbook(tmp_path / "out.xlsx")["Ranking"]["B3"].value) == 32_767


def test_the_command_line_names_a_cut_cell(tmp_path, monkeypatch):
    """A plan whose If flipped text outgrows a cell: the warning reaches stderr."""
    from click.testing import CliRunner

    from portfolio_opt import cli
    from portfolio_opt.workbook import results as writer

    monkeypatch.setattr(writer, "RANKING_TEXT", "r" * 33_000)  # a Summary note far too long
    res = CliRunner().invoke(
        cli.main, ["optimize", str(SAMPLE), "-o", str(tmp_path / "o.xlsx"), "--explain-limit", "0"]
    )
    assert res.exit_code == 0, res.output
    assert "Warning: Summary!A" in res.stderr and "cut to 32,767" in res.stderr
