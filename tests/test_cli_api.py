"""One public API under every face: the command line calls only names in ``portfolio_opt.__all__``
(no submodule, no private name), declares each option its commands share once, and leaves to the
library what is not parsing or printing."""

from __future__ import annotations

import ast
import json

import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLE, write_plan

import portfolio_opt
from portfolio_opt.cli import main

CLI = ROOT / "portfolio_opt" / "cli"


def _outside_the_api(source: str) -> list[str]:
    """What a module takes from portfolio_opt that is not in ``__all__``: submodule imports
    (the command line's own modules aside), private or unlisted names, imported or reached as
    attributes of the package."""
    public = set(portfolio_opt.__all__)
    tree = ast.parse(source)
    package_names = set()
    wrong = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "portfolio_opt":
                    package_names.add(alias.asname or alias.name)
                elif alias.name.startswith("portfolio_opt."):
                    wrong.append(f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and not node.level:
            module = node.module or ""
            if module == "portfolio_opt":
                wrong += [f"from portfolio_opt import {a.name}" for a in node.names if a.name not in public]
            elif module.startswith("portfolio_opt.") and not module.startswith("portfolio_opt.cli"):
                wrong.append(f"from {module} import ...")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in package_names:
            if node.attr not in public:
                wrong.append(f"{node.value.id}.{node.attr}")
    return wrong


def test_the_command_line_calls_only_the_public_api():
    modules = sorted(CLI.rglob("*.py"))
    assert {p.name for p in modules} >= {"__init__.py", "commands.py", "options.py", "running.py", "progress.py"}
    for path in modules:
        assert _outside_the_api(path.read_text()) == [], path.name


def test_the_check_sees_every_way_around_the_api():
    bad = """
import portfolio_opt as po
import portfolio_opt.core.optimize
from portfolio_opt import read_plan, _LAZY
from portfolio_opt.workbook.files import read_plan
from portfolio_opt.model import errors

def f():
    from portfolio_opt.render.json import to_json
    return po.optimize, po.apply_overrides, po._LAZY
"""
    assert _outside_the_api(bad) == [
        "import portfolio_opt.core.optimize",
        "from portfolio_opt import _LAZY",
        "from portfolio_opt.workbook.files import ...",
        "from portfolio_opt.model import ...",
        "from portfolio_opt.render.json import ...",
        "po.apply_overrides",
        "po._LAZY",
    ]


def _declarations(option: str) -> int:
    """How many times the command line's source declares ``option``."""
    count = 0
    for path in CLI.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and any(
                isinstance(a, ast.Constant) and a.value == option for a in ast.walk(node) if a is not node
            ):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("option", "Option"):
                    count += 1
    return count


@pytest.mark.parametrize(
    "option",
    ["--output", "--force", "--json", "--report", "--solver", "--time-limit", "--gap", "--budget", "--cluster"],
)
def test_every_shared_option_is_declared_once(option):
    assert _declarations(option) == 1


def test_every_writing_command_has_the_shared_options():
    shared = {"output", "force", "as_json", "report_path", "solver_name", "time_limit", "gap"}
    for name in ("optimize", "frontier", "scenarios", "compare", "simulate", "alternatives", "robustness", "review"):
        params = {p.name for p in main.commands[name].params}
        assert shared <= params, (name, shared - params)


def test_explain_offers_the_id_meant():
    res = CliRunner().invoke(main, ["explain", str(SAMPLE), "ini-7"])
    assert res.exit_code == 2
    assert "'ini-7' is not an ID in sample_plan.xlsx (did you mean INI-007?)" in res.output


def test_compare_and_review_report_the_problems_of_both_workbooks_at_once(tmp_path):
    a = write_plan(tmp_path / "a.xlsx", [("A", "x", "T", 100, 1.7, 0, 10, None, None, None, None)])
    b = write_plan(tmp_path / "b.xlsx", [("B", "y", "T", 100, 0.5, 0, -10, None, None, None, None)])
    for args in (["compare", a, b], ["review", a, b]):
        res = CliRunner().invoke(main, [*map(str, args), "-o", str(tmp_path / "out.xlsx"), "--json"])
        assert res.exit_code == 3, res.output
        wheres = [p["where"] for p in json.loads(res.stdout)["problems"]]
        assert any(w.startswith("a.xlsx: ") for w in wheres) and any(w.startswith("b.xlsx: ") for w in wheres)
        assert "a.xlsx, b.xlsx: " in res.stderr
