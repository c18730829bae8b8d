"""The README is the front door: its Quickstart transcript is what the tool prints, and its links
into the documentation lead somewhere. (The guide's transcripts and examples are held true in
``test_docs.py``.)"""

from __future__ import annotations

import re

from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(text: str, after: str, lang: str = "") -> list[str]:
    """The fenced code blocks of ``text`` that follow the first line containing ``after``."""
    start = text.index(after)
    return re.findall(rf"```{lang}\n(.*?)```", text[start:], re.S)


def same_but_timing(expected: str, actual: str) -> None:
    """Equal line by line, except a solve time such as "0.02 s", which varies run to run."""
    clock = re.compile(r"\d+\.\d+ s\)")
    exp = [clock.sub("? s)", line.rstrip()) for line in expected.strip().splitlines()]
    act = [clock.sub("? s)", line.rstrip()) for line in actual.strip().splitlines()]
    assert act == exp


def check_first_command_transcript(text: str, tmp_path) -> None:
    """The transcript after "What the first command prints" is what optimizing the sample prints."""
    expected = blocks(text, "What the first command prints")[0]
    proc = run_cli("optimize", ROOT / "data" / "sample_plan.xlsx", "-o", tmp_path / "result.xlsx")
    assert proc.returncode == 0, proc.stderr
    same_but_timing(expected, proc.stdout.replace(str(tmp_path / "result.xlsx"), "result.xlsx"))


def test_what_the_first_command_prints(tmp_path):
    check_first_command_transcript(README, tmp_path)


def relative_links(text: str) -> list[str]:
    """The targets of the Markdown links in ``text`` that point inside the repository."""
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]


def test_the_readme_links_into_the_docs_resolve():
    links = relative_links(README)
    assert any(link.startswith("docs/") for link in links), "the README links into the docs"
    missing = [link for link in links if not (ROOT / link.split("#")[0]).exists()]
    assert missing == [], f"README links to files that do not exist: {missing}"
