"""The package's shape: folders by layer, no upward imports or cycles, the IO boundary closed, the docs' tables equal
to the layout module that names every sheet, column and setting."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

import portfolio_opt
from portfolio_opt.model import layout
from portfolio_opt.model.plan import Settings

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "portfolio_opt"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of a module's syntax tree, parsed once per run (the checks below each walk
    every module: parsing them anew for each check was most of this file's time)."""
    return tuple(ast.walk(ast.parse(path.read_text())))


def _imports(path: Path) -> set[str]:
    """Every package module a module imports, at the top or inside a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in _nodes(path):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("portfolio_opt"):
                continue
            for alias in node.names:  # ``from . import batch`` imports a module
                candidate = f"{target}.{alias.name}"
                out.add(candidate if _exists(candidate) else target)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("portfolio_opt"))
    out.discard(name)
    return {m for m in out if _exists(m)}


@functools.cache
def _exists(module: str) -> bool:
    rel = Path(*module.split("."))
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists()


def graph() -> dict[str, set[str]]:
    # the package's __init__ is the public face: it re-exports every layer by design
    return {name: set(targets) for name, targets in _graph().items()}


@functools.cache
def _graph() -> dict[str, frozenset[str]]:
    return {
        _module_name(p): frozenset(m for m in _imports(p) if m != "portfolio_opt")
        for p in PACKAGE.rglob("*.py")
        if _module_name(p) != "portfolio_opt"
    }


def layer(module: str) -> int:
    """A module's layer: its folder's place in ``portfolio_opt.LAYERS`` (the package's own
    ``__main__`` is the command line's)."""
    parts = module.split(".")
    folder = "cli" if parts[1:] == ["__main__"] else parts[1]
    return portfolio_opt.LAYERS.index(folder)


def test_every_module_lives_in_a_layer_folder():
    stray = sorted(
        name for name in graph() if name != "portfolio_opt.__main__" and name.split(".")[1] not in portfolio_opt.LAYERS
    )
    assert stray == [], f"modules outside the layer folders {portfolio_opt.LAYERS}: {stray}"
    folders = sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())
    assert folders == sorted(portfolio_opt.LAYERS)


def test_a_layer_never_imports_a_higher_one():
    upward = sorted(f"{name} -> {m}" for name, targets in graph().items() for m in targets if layer(m) > layer(name))
    assert upward == [], "imports from a higher layer: " + "; ".join(upward)


def test_the_layer_check_sees_an_upward_import():
    g = graph()
    assert "portfolio_opt.core.formulation" in g["portfolio_opt.core.optimize"], "function-level imports are seen"
    assert layer("portfolio_opt.cli") > layer("portfolio_opt.core.optimize") > layer("portfolio_opt.model.plan")


def test_no_import_cycles():
    g = graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(g):
        if node not in state:
            visit(node, [node])
    assert cycles == [], "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _imports_library(path: Path, library: str) -> bool:
    return library in _libraries(path)


@functools.cache
def _libraries(path: Path) -> frozenset[str]:
    """The top-level names a module imports absolutely, at the top or inside a function."""
    found = set()
    for node in _nodes(path):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        if isinstance(node, ast.ImportFrom) and not node.level:
            found.add((node.module or "").split(".")[0])
    return frozenset(found)


def test_only_the_solver_module_imports_pulp_and_only_the_workbook_layer_touches_spreadsheet_libraries():
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        if name != "portfolio_opt.core.solver":
            assert not _imports_library(path, "pulp"), f"{name} imports PuLP"
        for library in ("openpyxl", "xlsxwriter", "python_calamine", "xlrd"):
            if not name.startswith("portfolio_opt.workbook"):
                assert not _imports_library(path, library), f"{name} imports {library}"


# --------------------------------------------------------------------------- the docs' tables


def _table(page: str, after: str) -> list[list[str]]:
    """The rows of the first Markdown table after the line holding ``after`` on a page of ``docs/``."""
    lines = (ROOT / "docs" / page).read_text(encoding="utf-8").splitlines()
    start = next(k for k, line in enumerate(lines) if after in line)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]


def _names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_docs_initiatives_columns_are_the_layout():
    rows = _table("workbook.md", "## Initiatives")
    documented = {name: row[1] for row in rows for name in _names(row[0])}
    wanted = {c.label: ("yes" if c.required else "no") for c in layout.INITIATIVE_COLUMNS if not c.timed}
    assert documented == wanted


def test_docs_constraints_columns_are_the_layout():
    rows = _table("workbook.md", "## Constraints")
    documented = {name: row[1] for row in rows for name in _names(row[0])}
    wanted = {c.header: ("yes" if c.required else "no") for c in layout.CONSTRAINT_COLUMNS if not c.timed}
    assert documented == wanted


def test_docs_settings_are_the_layout_and_its_defaults_are_the_settings_defaults():
    rows = _table("workbook.md", "## Settings")
    documented = {_names(row[0])[0]: row[1] for row in rows}
    single = [s for s in layout.SETTINGS_ROWS if not s.help.startswith("Multi-period")]
    assert documented == {s.label: s.shown_default for s in single}
    timed_names = {
        _names(row[1])[0]: row[2] for row in _table("multi-period.md", "# Multi-period plans") if row[0] == "Settings"
    }
    assert timed_names == {s.label: s.shown_default for s in layout.SETTINGS_ROWS if s.help.startswith("Multi-period")}
    defaults = Settings()
    for s in layout.SETTINGS_ROWS:
        if s.attr in ("objective", "timed_dependencies", "first_period"):
            continue
        if s.default is not None:
            assert (
                getattr(defaults, s.attr) == pytest.approx(s.default)
                if isinstance(s.default, float)
                else getattr(defaults, s.attr) == s.default
            ), s.label


def test_docs_multi_period_columns_are_the_layout():
    rows = _table("multi-period.md", "# Multi-period plans")
    initiatives = {name for row in rows if row[0] == "Initiatives" for name in _names(row[1])[:1]}
    wanted = {c.header for c in layout.INITIATIVE_COLUMNS if c.timed}
    assert initiatives == wanted
    constraints = {name for row in rows if row[0] == "Constraints" for name in _names(row[1])[:1]}
    assert constraints == {c.header for c in layout.CONSTRAINT_COLUMNS if c.timed}


#: the longest a function of the package may be, in lines (its docstring included)
LONGEST = 60


def test_no_function_in_the_package_is_longer_than_a_screen():
    """Readable units: every function, method and nested function of the package (tests aside)
    fits in LONGEST lines, so each does one job a reader takes in at once."""
    long = []
    for path in PACKAGE.rglob("*.py"):
        for node in _nodes(path):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST:
                    long.append(f"{_module_name(path)}.{node.name} ({lines} lines)")
    assert long == [], "functions over a screen: " + ", ".join(sorted(long))


def test_only_the_store_layer_touches_a_database():
    for path in PACKAGE.rglob("*.py"):
        name = _module_name(path)
        for library in ("sqlalchemy", "alembic", "psycopg", "sqlite3"):
            if not name.startswith("portfolio_opt.store"):
                assert not _imports_library(path, library), f"{name} imports {library}"
