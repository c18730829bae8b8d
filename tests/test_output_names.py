"""The names of every output sheet and header live in one place (model/layout.py): renamed there,
and only there, every workbook the tool writes carries the new names and the leadership page
still finds everything in it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from portfolio_opt.model import layout

pytest.importorskip("matplotlib", reason='the page\'s sections draw charts: pip install "portfolio-opt[report]"')

MARK = " ×"


def _renamed_package(folder: Path) -> Path:
    """A copy of the package whose layout renames every output sheet, header and figure: each
    name spelled in the outputs part of layout.py gets MARK at its end."""
    target = folder / "portfolio_opt"
    shutil.copytree(ROOT / "portfolio_opt", target, ignore=shutil.ignore_patterns("__pycache__"))
    path = target / "model" / "layout.py"
    text = path.read_text()
    head, marker, outputs = text.partition(
        "# --------------------------------------------------------------------------- outputs"
    )
    assert marker, "layout.py has an outputs part"
    renamed, count = re.subn(r'^(    \w+: str = ")([^"]+)(")$', rf"\1\2{MARK}\3", outputs, flags=re.M)
    assert count > 100, count
    path.write_text(head + marker + renamed)
    return folder


SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import portfolio_opt as po
    from portfolio_opt.render.sections import kind_of, sections
    from portfolio_opt.workbook.outputs import read_output

    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    plan = po.read_plan(data / "sample_plan.xlsx")
    result = po.optimize(plan)
    po.save_results(result, out / "results.xlsx")
    po.save_frontier(po.frontier(plan, steps=3), out / "frontier.xlsx")
    plans = [(n, po.read_plan(data / f"plan_{n}.xlsx")) for n in ("cto", "cfo")]
    po.save_comparison(po.compare(plans), out / "comparison.xlsx")
    sim, warns = po.simulate_plan(po.read_plan(data / "sample_risk.xlsx"), 500, 1)
    po.save_simulation(sim, out / "risk.xlsx", warnings=warns)
    (q1, last), (q2, this) = po.read_plans([out / "results.xlsx", data / "sample_q2.xlsx"])
    po.save_review(po.review_quarters(last, this, q1, q2), out / "review.xlsx")
    seen = {}
    for path in sorted(out.glob("*.xlsx")):
        book = read_output(path)
        parts = sections(book)
        seen[path.stem] = {
            "kind": kind_of(book),
            "sheets": {name: [t.header for t in tables] for name, tables in book.sheets.items()},
            "sections": [s.id for s in parts],
            "tiles": [t["key"] for s in parts for i in s.items for t in i.tiles],
            "items": sum(len(s.items) for s in parts),
        }
    print(json.dumps(seen))
    """
)


def _run(package: Path, out: Path) -> dict:
    out.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(ROOT / "data"), str(out)],
        capture_output=True,
        text=True,
        cwd=package,
        env={"PYTHONPATH": str(package), "PATH": "/usr/bin:/bin"},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _vocabulary() -> set[str]:
    """Every name the outputs part of the layout spells (the names shared with the Initiatives
    sheet, such as ID and Name, are the input's and stay as they are)."""
    names = set()
    for value in vars(layout).values():
        if isinstance(value, tuple) and hasattr(value, "_fields"):
            names |= {v for v in value if isinstance(v, str) and "{" not in v}
    return names - {layout.ID, layout.NAME, layout.THEME, layout.OWNER, layout.OUTCOME_METRIC, layout.COST}


@pytest.mark.slow
def test_the_writers_and_the_page_take_every_output_name_from_the_layout(tmp_path):
    plain = _run(ROOT, tmp_path / "plain")
    renamed = _run(_renamed_package(tmp_path / "copy"), tmp_path / "renamed")
    inputs = set(layout.INPUT_SHEETS)
    vocabulary = _vocabulary()
    assert set(plain) == set(renamed) == {"comparison", "frontier", "results", "review", "risk"}
    for name, book in renamed.items():
        before = plain[name]
        # the page finds the same sections, figures and tables in the renamed workbook
        assert book["kind"] == before["kind"], name
        assert book["sections"] == before["sections"], name
        assert book["items"] == before["items"], name
        assert book["tiles"] == [t + MARK for t in before["tiles"]], name
        # every sheet the writer names is renamed, and so is every header it takes from the layout
        for sheet, tables in book["sheets"].items():
            assert sheet in inputs or sheet.endswith(MARK), (name, sheet)
            if sheet in inputs:
                continue
            for header in tables:
                stale = [h for h in header if h in vocabulary]
                assert stale == [], (name, sheet, stale)
    assert plain["results"]["tiles"] == ["Total expected value", "Total cost", "Budget", "Budget used",
                                         "Initiatives selected", "Status", "Gap"]  # fmt: skip


def test_a_results_workbook_adds_only_sheets_the_reader_skips(tmp_path):
    """``layout.OUTPUT_SHEETS`` is what a plan read from a results workbook leaves out: every
    sheet the results writer adds (robustness's too, review's and the risk workbook's) is in it, and no
    input sheet is."""
    from openpyxl import load_workbook

    from portfolio_opt import (
        optimize,
        read_plan,
        review_quarters,
        save_results,
        save_review,
        save_simulation,
        simulate_plan,
    )
    from portfolio_opt.analyses.robustness import robustness
    from portfolio_opt.workbook.files import save_robustness

    written = set()
    for name in ("sample_plan", "sample_quarterly", "sample_q2", "sample_risk"):
        plan = read_plan(ROOT / "data" / f"{name}.xlsx")
        out = tmp_path / f"{name}.xlsx"
        save_results(optimize(plan), out)
        written |= set(load_workbook(out, read_only=True).sheetnames) - {t.name for t in plan.tables}
        again = read_plan(out)
        assert [t.name for t in again.tables] == [t.name for t in plan.tables], name
    out = tmp_path / "robust.xlsx"
    save_robustness(robustness(read_plan(ROOT / "data" / "sample_plan.xlsx"), samples=3), out)
    written |= set(load_workbook(out, read_only=True).sheetnames) - set(layout.INPUT_SHEETS)
    out = tmp_path / "review.xlsx"  # review's, with its new optimum's Ranking and input sheets (the what-if)
    save_review(
        review_quarters(read_plan(tmp_path / "sample_plan.xlsx"), read_plan(ROOT / "data" / "sample_q2.xlsx")), out
    )
    written |= set(load_workbook(out, read_only=True).sheetnames) - set(layout.INPUT_SHEETS)
    out = tmp_path / "risk.xlsx"
    save_simulation(simulate_plan(read_plan(ROOT / "data" / "sample_risk.xlsx"), 200, 1)[0], out)
    written |= set(load_workbook(out, read_only=True).sheetnames)
    assert written == set(layout.OUTPUT_SHEETS)
    assert not set(layout.OUTPUT_SHEETS) & set(layout.INPUT_SHEETS)
