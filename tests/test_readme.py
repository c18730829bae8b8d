"""The README's transcripts and examples are what the tool does: each is run and compared."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(after: str, lang: str = "") -> list[str]:
    """The fenced code blocks that follow the first line containing ``after``."""
    start = README.index(after)
    return re.findall(rf"```{lang}\n(.*?)```", README[start:], re.S)


def same_but_timing(expected: str, actual: str) -> None:
    """Equal line by line, except a solve time such as "0.02 s", which varies run to run."""
    clock = re.compile(r"\d+\.\d+ s\)")
    exp = [clock.sub("? s)", line.rstrip()) for line in expected.strip().splitlines()]
    act = [clock.sub("? s)", line.rstrip()) for line in actual.strip().splitlines()]
    assert act == exp


def test_what_the_first_command_prints(tmp_path):
    expected = blocks("What the first command prints")[0]
    proc = run_cli("optimize", ROOT / "data" / "sample_plan.xlsx", "-o", tmp_path / "result.xlsx")
    assert proc.returncode == 0, proc.stderr
    same_but_timing(expected, proc.stdout.replace(str(tmp_path / "result.xlsx"), "result.xlsx"))


def test_the_explain_transcript():
    block = next(b for b in blocks("### Why in, why out") if b.startswith("$ portfolio-opt explain"))
    command, _, expected = block.partition("\n")
    args = command.removeprefix("$ portfolio-opt ").split()
    proc = run_cli(*args, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    same_but_timing(expected, proc.stdout)


def test_the_python_api_examples_run(tmp_path):
    """The two blocks in order, as a reader types them (the second uses the first's names)."""
    code = "\n".join(blocks("## Python API", "python")[:2])
    (tmp_path / "data").symlink_to(ROOT / "data")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600, env=env
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), "the example prints what it shows"
