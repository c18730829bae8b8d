"""Every public name says what it is: each name in ``portfolio_opt.__all__``, each module, and each
public class, function, method and property of the package has a docstring that starts with a
sentence; and the rule contract is documented on :class:`portfolio_opt.core.rules.Rule` itself,
where whoever adds a kind of rule reads it.

Docstrings are found in the source (a dataclass without one has a generated signature for a
docstring, which says nothing). A method that overrides a documented one says what that one
says, as ``help()`` shows it, and needs none of its own.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import portfolio_opt

PACKAGE = ROOT / "portfolio_opt"

#: What every kind of rule fills in, and what the program builder, the checker and the
#: diagnosis call on each
RULE_CONTRACT = ("parts", "add_to", "check", "words", "describe", "relaxation", "relax")

#: Definitions allowed without a docstring of their own, by module (none today); the list may
#: only shrink (a test fails when one of them gets its docstring, so it is taken off).
NOT_YET: dict[str, set[str]] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _tree(path: Path) -> ast.Module:
    """A package module's syntax tree, parsed once per run (the checks only read it)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def definitions():
    """(module, qualified name, node) of every module and every public definition in it: its
    classes and functions, and the methods, properties and classes of its public classes."""
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        tree = _tree(path)
        yield module, "", tree
        for node in tree.body:
            if not _public(node):
                continue
            yield module, node.name, node
            if isinstance(node, ast.ClassDef):
                for member in node.body:
                    if _public(member) and not _accessor(member):
                        yield module, f"{node.name}.{member.name}", member


def _public(node: ast.AST) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_")


def _accessor(node: ast.AST) -> bool:
    """A property's setter or deleter: the property's own docstring covers it."""
    return any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter") for d in node.decorator_list)


def inherited(module: str, qualname: str) -> bool:
    """Whether a method without a docstring overrides one that has it (``inspect.getdoc`` then
    finds that one, as ``help()`` does)."""
    if "." not in qualname or module == "portfolio_opt.__main__":
        return False
    owner, name = qualname.split(".")
    cls = getattr(importlib.import_module(module), owner)
    return any(name in vars(base) for base in cls.__mro__[1:]) and bool(inspect.getdoc(getattr(cls, name)))


def missing() -> dict[str, set[str]]:
    """Every definition without a docstring (own or inherited), by module."""
    out: dict[str, set[str]] = {}
    for module, qualname, node in definitions():
        if ast.get_docstring(node) is None and not inherited(module, qualname):
            out.setdefault(module, set()).add(qualname or "(the module)")
    return out


def test_every_module_and_public_definition_has_a_docstring():
    undocumented = missing()
    for module, names in NOT_YET.items():
        undocumented[module] = undocumented.get(module, set()) - names
    listed = sorted(f"{module}.{name}" for module, names in undocumented.items() for name in names)
    assert not listed, "no docstring: " + ", ".join(listed)


def test_the_list_of_names_not_yet_documented_only_shrinks():
    known = {(module, qualname) for module, qualname, _ in definitions()}
    undocumented = missing()
    for module, names in NOT_YET.items():
        for name in sorted(names):
            assert (module, name) in known, f"{module}.{name} is gone: take it off NOT_YET"
            assert name in undocumented.get(module, ()), f"{module}.{name} has its docstring: take it off NOT_YET"


def test_every_docstring_starts_with_a_sentence():
    """At least three words before the first line ends: a name or "TODO" says nothing."""
    short = []
    for module, qualname, node in definitions():
        doc = ast.get_docstring(node)
        if doc is not None and len(doc.strip().splitlines()[0].split()) < 3:
            short.append(f"{module}.{qualname or '(the module)'}: {doc.strip().splitlines()[0]!r}")
    assert not short, short


@functools.cache
def documented_constants() -> frozenset[str]:
    """Names assigned at the top of a package module under a ``#:`` comment (or with one at the end of the line)."""
    out = set()
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in _tree(path).body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            above = node.lineno >= 2 and lines[node.lineno - 2].lstrip().startswith("#:")
            if above or "  #: " in lines[node.end_lineno - 1]:
                out.update(t.id for t in targets if isinstance(t, ast.Name))
    return frozenset(out)


@functools.cache
def _module_tree(name: str) -> ast.Module:
    """An imported module's syntax tree, from its source, parsed once per run."""
    return ast.parse(inspect.getsource(importlib.import_module(name)))


@pytest.mark.parametrize("name", [n for n in portfolio_opt.__all__ if not n.startswith("__")])
def test_every_exported_name_has_a_docstring_of_its_own(name):
    obj = getattr(portfolio_opt, name)
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):  # a constant: a ``#:`` comment says what it is
        assert name in documented_constants(), f"{name} has no ``#:`` comment where it is defined"
        return
    tree = _module_tree(obj.__module__)
    node = next(
        n
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and n.name == obj.__qualname__
    )
    doc = ast.get_docstring(node)
    assert doc and len(doc.split()) >= 3, f"{name} ({obj.__module__}) has no docstring"


@pytest.mark.parametrize("method", RULE_CONTRACT)
def test_the_rule_contract_is_documented_on_the_base_class(method):
    """Each kind of rule fills these in without repeating what they mean; the base class says it."""
    from portfolio_opt.core.rules import Rule

    own = vars(Rule)[method].__doc__
    assert own and len(own.split()) >= 8, f"Rule.{method} says too little: {own!r}"


def test_an_undocumented_definition_is_caught(tmp_path, monkeypatch):
    """The check reads the source: a public function, method or dataclass without a docstring is
    named; a private one, and an override of a documented method, are not."""
    pkg = tmp_path / "fakepkg"
    (pkg / "model").mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""A package for the test of the test."""\n', encoding="utf-8")
    (pkg / "model" / "__init__.py").write_text('"""Its model layer, documented."""\n', encoding="utf-8")
    (pkg / "model" / "shapes.py").write_text(
        '"""A module for the test of the test."""\n'
        "from dataclasses import dataclass\n\n\n"
        "@dataclass\nclass Figures:\n    total: float\n\n\n"
        "def plain():\n    return 1\n\n\n"
        "def _private():\n    return 2\n\n\n"
        'class Shown:\n    """A class with a documented and an undocumented method."""\n\n'
        '    def told(self):\n        """Says what it does, at some length."""\n\n'
        "    def untold(self):\n        return 3\n\n\n"
        'class Again(Shown):\n    """A subclass that overrides the documented method."""\n\n'
        "    def told(self):\n        return 4\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert missing() == {"fakepkg.model.shapes": {"Figures", "plain", "Shown.untold"}}
