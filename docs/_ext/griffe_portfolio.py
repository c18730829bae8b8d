"""How the API reference reads portfolio_opt's docstrings (a Griffe extension, used by mkdocs.yml).

Two things the package does for its own reasons that a static reader cannot see or would show
badly:

* ``portfolio_opt/__init__.py`` imports most public names on first use (``_LAZY``), so that
  ``portfolio-opt --help`` stays quick; Griffe reads the file without running it and would see
  only the names imported at the top. Each other name in ``__all__`` becomes an alias of the
  module the running package says defines it.
* The docstrings carry doctest examples (run as tests) and Sphinx-style roles
  (``:class:`Plan```). Markdown would read ``>>>`` as nested quotes and show the roles
  literally, so examples become ``pycon`` code blocks and a role becomes plain code.
"""

from __future__ import annotations

import importlib
import re

import griffe

DOCTEST_FLAG = re.compile(r"\s*# doctest:.*$")
ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|exc|obj|const):`~?\.?([^`]+)`")


def fence_examples(text: str) -> str:
    """``>>>`` examples, with their continuation and output lines, as fenced ``pycon`` blocks."""
    out: list[str] = []
    lines = text.splitlines()
    k = 0
    while k < len(lines):
        line = lines[k]
        if not line.lstrip().startswith(">>>"):
            out.append(line)
            k += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        block = []
        # an example runs to the first blank line, as doctest reads it
        while k < len(lines) and lines[k].strip():
            block.append(DOCTEST_FLAG.sub("", lines[k].removeprefix(indent)))
            k += 1
        if out and out[-1].strip():
            out.append("")
        out += [f"{indent}```pycon", *(indent + b for b in block), f"{indent}```"]
    return "\n".join(out)


def plain_roles(text: str) -> str:
    """``:class:`~pkg.mod.Name``` as ``Name`` in code; other roles as their target in code."""

    def code(match: re.Match[str]) -> str:
        target = match.group(1)
        return f"`{target.rsplit('.', 1)[-1]}`" if match.group(0).count("~") else f"`{target}`"

    return ROLE.sub(code, text)


class PortfolioDocs(griffe.Extension):
    """Lazy public names as aliases; doctest examples as code blocks; Sphinx roles as code."""

    def on_module_members(self, *, mod: griffe.Module, **kwargs) -> None:
        if mod.path != "portfolio_opt":
            return
        package = importlib.import_module("portfolio_opt")
        for name in package.__all__:
            if name in mod.members:
                continue
            # where the name is defined, as the running package says (however it imports it)
            obj = getattr(package, name)
            defined_in = getattr(obj, "__module__", None)
            if defined_in:  # a function or class, under the name it was defined by
                target = getattr(obj, "__qualname__", name)
                mod.set_member(name, griffe.Alias(name, f"{defined_in}.{target}", parent=mod))
            elif name in package._LAZY:  # a constant: where the lazy table says it lives
                where = package._LAZY[name]
                module, _, attr = where.partition(":")
                mod.set_member(name, griffe.Alias(name, f"portfolio_opt.{module}.{attr or name}", parent=mod))

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        # the whole tree once it is built (the per-object event did not reach the package's own docstring)
        todo: list[griffe.Object] = [pkg]
        while todo:
            obj = todo.pop()
            if obj.docstring is not None:
                obj.docstring.value = plain_roles(fence_examples(obj.docstring.value))
            todo += [m for m in obj.members.values() if not m.is_alias]
