"""The documentation site says what the code does: its transcripts and Python examples are run
and compared. (The workbook tables are held to the layout in ``test_structure.py``.)
"""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT, run_cli
from test_readme import blocks, same_but_timing

DOCS = ROOT / "docs"


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def test_the_explain_transcript():
    block = next(b for b in blocks(page("explanations.md"), "## One initiative's story") if b.startswith("$ "))
    command, _, expected = block.partition("\n")
    args = command.removeprefix("$ portfolio-opt ").split()
    proc = run_cli(*args, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    same_but_timing(expected, proc.stdout)


def test_the_python_api_examples_run(tmp_path):
    """The two blocks in order, as a reader types them (the second uses the first's names)."""
    code = "\n".join(blocks(page("python-api.md"), "# Python API", "python")[:2])
    (tmp_path / "data").symlink_to(ROOT / "data")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), "the example prints what it shows"
