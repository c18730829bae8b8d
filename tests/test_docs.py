"""The documentation site says what the code does.

Its transcripts and Python examples are run and compared; every ``portfolio-opt`` command and
each of its options is on the Commands page; every page is in the navigation; every module,
name and file the pages name exists; the site builds with nothing fetched from the internet.
(The workbook tables are held to the layout in ``test_structure.py``.)
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT, run_cli
from test_readme import README, blocks, check_first_command_transcript, relative_links, same_but_timing

from portfolio_opt.cli import main

DOCS = ROOT / "docs"


def page(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def pages() -> list[str]:
    """Every Markdown page of the site, relative to ``docs/`` (the Griffe extension's folder is code)."""
    return sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "_ext" not in p.parts)


def nav_pages() -> list[str]:
    """Every page the navigation in ``mkdocs.yml`` lists, in order."""

    def walk(entry):
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            for value in entry.values():
                yield from walk(value)
        elif isinstance(entry, list):
            for item in entry:
                yield from walk(item)

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return list(walk(config["nav"]))


# --------------------------------------------------------------------------- the site's shape


def test_every_page_is_in_the_nav_once_and_every_nav_entry_is_a_page():
    nav = nav_pages()
    assert len(nav) == len(set(nav)), "a page is listed twice"
    assert sorted(nav) == pages()


def test_the_site_is_configured_to_fetch_nothing_and_fail_on_any_warning():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True
    assert config["theme"]["name"] == "material"
    assert config["theme"]["font"] is False, "Material's default fonts come from Google"
    assert not config.get("extra_javascript") and not config.get("extra_css")


def test_the_public_api_page_lists_every_public_name():
    import portfolio_opt

    listed = re.findall(r"^::: portfolio_opt\.(\w+)$", page("reference/api.md"), re.M)
    assert len(listed) == len(set(listed)), "a name is listed twice"
    assert sorted(listed) == sorted(portfolio_opt.__all__)


def section(text: str, heading: str) -> str:
    """The text under a ``## `` heading, up to the next one."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_every_command_and_each_of_its_options_is_on_the_commands_page():
    text = page("commands.md")
    screen = blocks(text, "# Commands")[0]
    for name, command in sorted(main.commands.items()):
        assert f"portfolio-opt {name} " in screen, f"{name} is on the one screen of commands"
        body = section(text, f"`{name}`")
        assert f"portfolio-opt {name} " in body, f"the {name} section shows how it is called"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert f"`{opt}`" in body, f"{name} {opt} is documented in its section"
    for param in main.params:
        for opt in param.opts:
            assert f"`{opt}`" in section(text, "Options every command knows"), opt


def test_the_one_screen_of_commands_is_the_readmes():
    assert blocks(page("commands.md"), "# Commands")[0] == blocks(README, "## Commands")[0]


def test_the_readme_names_every_command():
    screen = blocks(README, "## Commands")[0]
    for name in main.commands:
        assert f"portfolio-opt {name} " in screen, f"{name} is in the README's screen of commands"


# --------------------------------------------------------------------------- what the pages say runs


def test_the_getting_started_transcript(tmp_path):
    check_first_command_transcript(page("getting-started.md"), tmp_path)


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


# --------------------------------------------------------------------------- names and files


def _resolves(dotted: str) -> bool:
    """``portfolio_opt.a.b.name`` is a module, or a name in the longest module prefix."""
    parts = dotted.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ModuleNotFoundError:
            continue
        for attr in parts[k:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def _texts() -> dict[str, str]:
    out = {f"docs/{name}": page(name) for name in pages()}
    out["README.md"] = README
    out["CHANGELOG.md"] = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return out


def test_every_module_and_name_the_docs_name_exists():
    named = {
        (where, m)
        for where, text in _texts().items()
        for m in re.findall(r"(?:`|^::: )(portfolio_opt(?:\.\w+)+)", text, re.M)
    }
    assert len(named) > 20, "the pattern finds the names the pages use"
    missing = sorted(f"{where}: {dotted}" for where, dotted in named if not _resolves(dotted))
    assert missing == [], "names that no longer exist: " + "; ".join(missing)


def test_every_file_the_docs_name_exists():
    folders = "portfolio_opt|benchmarks|scripts|data|tests|docs"
    named = {
        (where, m)
        for where, text in _texts().items()
        for m in re.findall(rf"(?<![\w/.<-])((?:{folders})/[\w./-]*)", text)
    }
    assert any(path == "data/sample_plan.xlsx" for _, path in named), "the pattern finds the paths the pages use"
    missing = sorted(f"{where}: {path}" for where, path in named if not (ROOT / path.rstrip(".")).exists())
    assert missing == [], "files that no longer exist: " + "; ".join(missing)


def test_the_readme_and_the_docs_link_to_headings_that_exist():
    """A link to ``page.md#anchor`` finds a heading whose slug is the anchor (mkdocs checks the
    links between pages; this checks the README's, which mkdocs does not read)."""

    def slugs(text: str) -> set[str]:
        heads = re.findall(r"^#+ (.+)$", text, re.M)
        return {re.sub(r"[\s]+", "-", re.sub(r"[^\w\s-]", "", h.lower()).strip()) for h in heads}

    for link in relative_links(README):
        path, _, anchor = link.partition("#")
        if anchor and path.endswith(".md"):
            assert anchor in slugs((ROOT / path).read_text(encoding="utf-8")), link


# --------------------------------------------------------------------------- the site itself


@pytest.mark.slow
def test_the_site_builds_strictly_and_fetches_nothing(tmp_path):
    """As CI builds it; then no page, stylesheet or script the pages load comes from a network."""
    site = tmp_path / "site"
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)]
    proc = subprocess.run(mkdocs, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (site / "reference" / "api" / "index.html").exists()
    remote = re.compile(r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)
    remote_css = re.compile(r"""@import\s+["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I)
    fetched = [str(p.relative_to(site)) for p in site.rglob("*.html") if remote.search(p.read_text(encoding="utf-8"))]
    fetched += [
        str(p.relative_to(site)) for p in site.rglob("*.css") if remote_css.search(p.read_text(encoding="utf-8"))
    ]
    assert fetched == []
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    import portfolio_opt

    for name in portfolio_opt.__all__:
        assert f'id="portfolio_opt.{name}"' in api, f"{name} is on the public API page"
