"""Every output workbook, printed by a real spreadsheet program (LibreOffice headless), is
readable: no page shrunk below 70%, long text wrapped, the Summary on one page wide.

Skipped where LibreOffice is not installed (``.ci/run`` installs it)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT, SAMPLE, run_cli

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = [
    pytest.mark.slow,  # a real spreadsheet program prints every output: CI runs it (--slow)
    pytest.mark.skipif(
        not (SOFFICE and PDFTOTEXT),
        reason="needs LibreOffice and poppler-utils (apt-get install libreoffice-calc-nogui poppler-utils)",
    ),
]

#: pdftotext's word box for 11-point body text printed at 100% is 14.3 points tall
BODY_BOX_AT_100 = 14.3


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Each kind of output workbook, converted to PDF by LibreOffice: name -> list of pages,
    each a list of (word, box height)."""
    folder = tmp_path_factory.mktemp("printed")
    runs = {
        "result": ("optimize", SAMPLE),
        "quarterly": ("optimize", ROOT / "data" / "sample_quarterly.xlsx", "--explain-limit", "0"),
        "scenarios": ("scenarios", SAMPLE),
        "frontier": ("frontier", SAMPLE, "--steps", "6"),
        "comparison": ("compare", ROOT / "data" / "plan_cto.xlsx", ROOT / "data" / "plan_cfo.xlsx"),
        "risk": ("simulate", ROOT / "data" / "sample_risk.xlsx", "--samples", "2000"),
        "risk_result": ("optimize", ROOT / "data" / "sample_risk.xlsx"),
        "q2": ("optimize", ROOT / "data" / "sample_q2.xlsx", "--explain-limit", "0"),
        "review": ("review", folder / "result.xlsx", ROOT / "data" / "sample_q2.xlsx"),
    }
    for name, args in runs.items():
        proc = run_cli(*args, "-o", folder / f"{name}.xlsx")
        assert proc.returncode == 0, proc.stderr
    profile = folder / "profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *[str(folder / f"{n}.xlsx") for n in runs],
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    out = {}
    for name in runs:
        html = subprocess.run(
            [PDFTOTEXT, "-bbox", str(folder / f"{name}.pdf"), "-"], check=True, capture_output=True, text=True
        ).stdout
        pages = []
        for page in html.split("<page ")[1:]:
            words = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', page)
            pages.append([(w, float(y1) - float(y0)) for y0, y1, w in words])
        out[name] = pages
    return out


@pytest.mark.parametrize(
    "name", ["result", "quarterly", "scenarios", "frontier", "comparison", "risk", "risk_result", "q2", "review"]
)
def test_no_page_is_printed_below_70_percent(printed, name):
    pages = printed[name]
    assert pages
    for k, page in enumerate(pages, start=1):
        if not page:
            continue
        smallest = min(h for _, h in page)
        assert smallest >= 0.7 * BODY_BOX_AT_100 - 0.05, (name, k, smallest)


def test_the_summary_prints_on_one_page_wide_with_its_notes(printed):
    first = [w for w, _ in printed["result"][0]]
    for word in ("Measure", "Limit", "Source", "Binding", "Notes", "Score"):
        assert word in first, word
    # the long notes wrap inside the table's width instead of stretching the page
    assert "horizon" in first and "Ranking:" in first


def test_wide_tables_repeat_their_header_and_key_columns(printed):
    pages = [[w for w, _ in p] for p in printed["result"]]
    ranking_pages = [p for p in pages if p[:2] == ["Rank", "ID"] or ("Rank" in p[:6] and "ID" in p[:8])]
    assert len(ranking_pages) >= 2
    for page in ranking_pages:
        assert any(w.startswith("INI-") for w in page)


def test_merged_notes_keep_the_height_their_lines_need(tmp_path):
    """The Summary's notes span the table's columns: their rows are sized for that width, not
    for column A alone."""
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    assert run_cli("optimize", SAMPLE, "-o", out, "--explain-limit", "0").returncode == 0
    ws = load_workbook(out)["Summary"]
    note = next(r for r in ws.merged_cells.ranges if str(ws.cell(r.min_row, 1).value).startswith("Score ="))
    assert ws.row_dimensions[note.min_row].height <= 3 * 15 + 2  # two lines across the table, not ten in column A
