"""The leadership page: self-contained, true to the workbook, for every kind of
workbook, and rendered by a real headless browser (Chromium) to screen and PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from portfolio_opt.cli import main

pytest.importorskip("jinja2", reason='needs the report extra: pip install "portfolio-opt[report]"')
pytest.importorskip("matplotlib", reason='needs the report extra: pip install "portfolio-opt[report]"')

DATA = Path(__file__).resolve().parent.parent / "data"
CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")


def _cli(*args) -> str:
    r = CliRunner().invoke(main, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r.stdout


def _no_external_references(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page, re.I)
    assert "<script src" not in page.lower() and "<link" not in page.lower()


class _Tiles(HTMLParser):
    """The headline tiles: data-figure -> data-value."""

    def __init__(self):
        super().__init__()
        self.tiles: dict[str, str] = {}
        self.sections: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-figure" in a:
            self.tiles[a["data-figure"]] = a["data-value"]
        if tag == "section":
            self.sections.append(a.get("data-section"))


def test_the_page_of_a_results_workbook_is_self_contained_and_true_to_it(tmp_path):
    result, page = tmp_path / "result.xlsx", tmp_path / "report.html"
    _cli("optimize", DATA / "sample_plan.xlsx", "-o", result, "--report", page)
    text = page.read_text(encoding="utf-8")
    _no_external_references(text)
    parsed = _Tiles()
    parsed.feed(text)
    assert parsed.sections[:4] == ["headline", "buys", "ranking", "limits"]
    summary = openpyxl.load_workbook(result, data_only=True)["Summary"]
    measures = {summary.cell(row=r, column=1).value: summary.cell(row=r, column=2).value for r in range(2, 12)}
    for key in ("Total expected value", "Total cost", "Budget", "Budget used", "Initiatives selected"):
        assert float(parsed.tiles[key]) == pytest.approx(float(measures[key])), key
    assert parsed.tiles["Status"] == measures["Status"]
    assert "32,503,790" in text and "9,920,000" in text  # formatted as in the workbook
    # the page's charts are inline SVG: by theme and by owner, one for the limits; every selected
    # initiative has an outcome metric of its own, so that grouping is a table (issue 33)
    assert text.count("<svg") == 3 and "By outcome metric: each has one initiative" in text
    assert len(re.findall(r'id="bar-1-\d+"', text)) > 0  # cost bars beside the value bars


def test_a_workbook_the_tool_did_not_write_is_refused(tmp_path):
    r = CliRunner().invoke(main, ["report", str(DATA / "sample_plan.xlsx"), "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 3 and "not a workbook portfolio-opt wrote" in r.output
    assert not (tmp_path / "x.html").exists()


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """One workbook of every kind the tool writes."""
    d = tmp_path_factory.mktemp("kinds")
    runs = {
        "results": ("optimize", DATA / "sample_plan.xlsx"),
        "quarterly": ("optimize", DATA / "sample_quarterly.xlsx", "--explain-limit", "0"),
        "risk_result": ("optimize", DATA / "sample_risk.xlsx"),
        "q2": ("optimize", DATA / "sample_q2.xlsx", "--explain-limit", "0"),
        "scenarios": ("scenarios", DATA / "sample_plan.xlsx"),
        "frontier": ("frontier", DATA / "sample_plan.xlsx", "--steps", "6"),
        "comparison": ("compare", DATA / "plan_cto.xlsx", DATA / "plan_cfo.xlsx"),
        "risk": ("simulate", DATA / "sample_risk.xlsx", "--samples", "2000"),
        "robustness": ("robustness", DATA / "sample_plan.xlsx", "--samples", "10"),
        "alternatives": ("alternatives", DATA / "sample_plan.xlsx", "--count", "3"),
    }
    out = {}
    for name, args in runs.items():
        out[name] = d / f"{name}.xlsx"
        _cli(*args, "-o", out[name])
    out["review"] = d / "review.xlsx"
    _cli("review", out["results"], DATA / "sample_q2.xlsx", "-o", out["review"])
    return out


#: the sections each kind's page must hold
SECTIONS = {
    "results": {"headline", "buys", "ranking", "limits"},
    "quarterly": {"headline", "ranking", "schedule"},
    "risk_result": {"headline", "ranking", "riskchoice"},
    "q2": {"headline", "ranking", "realization"},
    "scenarios": {"headline", "scenarios"},
    "frontier": {"headline", "frontier"},
    "comparison": {"headline", "comparison"},
    "risk": {"headline", "risk"},
    "robustness": {"headline", "ranking", "robustness"},
    "review": {"headline", "review", "realization"},
    "alternatives": {"headline", "alternatives"},
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(SECTIONS))
def test_every_kind_of_workbook_gets_its_page(workbooks, tmp_path, kind):
    page = tmp_path / f"{kind}.html"
    _cli("report", workbooks[kind], "-o", page)
    text = page.read_text(encoding="utf-8")
    _no_external_references(text)
    parsed = _Tiles()
    parsed.feed(text)
    assert SECTIONS[kind] <= set(parsed.sections), parsed.sections
    assert "<svg" in text


@pytest.mark.slow
def test_a_thousand_initiatives_make_a_page_under_3_mb(tmp_path):
    import random

    from portfolio_opt.workbook.template import write_planning_workbook

    rng = random.Random(1)
    rows = [
        {
            "ID": f"I{k:04d}",
            "Name": f"Initiative {k}",
            "Theme": rng.choice("ABCDE"),
            "Owner": f"Owner {k % 37}",
            "Outcome metric": f"Metric {k % 53}",
            "Impact (per year)": rng.randrange(100_000, 3_000_000),
            "Probability": round(rng.uniform(0.3, 0.95), 2),
            "Time to value (months)": rng.randrange(1, 24),
            "Cost": rng.randrange(50_000, 1_500_000),
        }
        for k in range(1000)
    ]
    plan = tmp_path / "big.xlsx"
    write_planning_workbook(plan, initiatives=rows, settings=(("Budget", 100_000_000),))
    page = tmp_path / "big.html"
    _cli("optimize", plan, "-o", tmp_path / "big_result.xlsx", "--explain-limit", "0", "--report", page)
    assert page.stat().st_size < 3_000_000
    _no_external_references(page.read_text(encoding="utf-8"))


def _chromium(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
@needs_browser
@pytest.mark.parametrize("kind", ["results", "quarterly", "risk", "frontier"])
def test_a_real_browser_renders_the_page_with_its_charts(workbooks, tmp_path, kind):
    page = tmp_path / f"{kind}.html"
    _cli("report", workbooks[kind], "-o", page)
    profile = tmp_path / "profile"
    dom = _chromium(f"--user-data-dir={profile}", "--dump-dom", page.as_uri())
    assert dom.returncode == 0
    assert "CONSOLE" not in dom.stderr and "Uncaught" not in dom.stderr  # no console messages, no errors
    rendered = dom.stdout
    svgs = rendered.count("<svg")
    assert svgs >= 1
    if kind == "frontier":  # one point per budget, and the current budget marked
        data = openpyxl.load_workbook(workbooks[kind], data_only=True)["Frontier"]
        # the budgets column's numbers (notes on reading the frontier follow the table)
        points = sum(
            1 for r in range(2, data.max_row + 1) if isinstance(data.cell(row=r, column=1).value, (int, float))
        )
        group = rendered[rendered.index('id="points-0"') :]
        assert group[: group.index("</g>")].count("<use") == points
        assert 'id="mark"' in rendered
    if kind == "results":  # value and cost bars per theme: 5 themes
        themes = {
            openpyxl.load_workbook(workbooks[kind])["Initiatives"].cell(row=r, column=4).value for r in range(2, 42)
        }
        at = rendered.index("Expected value and cost by theme")
        chart = rendered[rendered.rindex("<svg", 0, at) : rendered.index("</svg>", at)]
        assert len(set(re.findall(r'id="bar-0-(\d+)"', chart))) == len(themes)
        assert len(set(re.findall(r'id="bar-1-(\d+)"', chart))) == len(themes)
    shot = tmp_path / "shot.png"
    _chromium(f"--user-data-dir={profile}", "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri())
    import matplotlib.image

    pixels = matplotlib.image.imread(str(shot))
    assert pixels.std() > 0.05  # not blank


@pytest.mark.slow
@needs_browser
def test_the_pdf_has_one_page_run_per_section(workbooks, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("needs poppler-utils")
    page, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    _cli("report", workbooks["results"], "-o", page, "--pdf", pdf, "--title", "FY27 ML portfolio")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    titles = ["At a glance", "What the portfolio buys", "The ranking: why in, why out", "The limits"]
    starts = [next(k for k, p in enumerate(pages) if t in p) for t in titles]
    assert starts == sorted(starts) and len(set(starts)) == len(titles)  # each section starts a page
    assert "FY27 ML portfolio" in pages[0]
