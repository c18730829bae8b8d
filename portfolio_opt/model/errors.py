"""Everything portfolio_opt raises on purpose, and the exit code each one means.

    PortfolioError                      base class; ``exit_code`` is what the CLI exits with
    ├── UnknownInitiative (LookupError) 2  no initiative has the ID a user typed (``suggestions``)
    ├── InvalidWorkbook (ValueError)    3  the planning workbook has problems (``problems``)
    ├── Infeasible                      4  no portfolio satisfies every limit and decision
    ├── NoSolver (RuntimeError)         5  the requested solver is not installed
    ├── OutputError (OSError)           6  the results workbook could not be written
    ├── NoPortfolioFound                7  the time limit ran out before any portfolio was found
    ├── Unavailable                     8  an optional part cannot be used (an extra, a browser, a cluster)
    │   └── ClusterError                    the Dask cluster does not answer, or its extra is missing
    ├── StoreError                      9  the plan-of-record store cannot be used (unreachable, locked, newer)
    └── RecordRefused                  10  the record refuses a request (an edited workbook, a closed period)

``audit verify`` exits 11 when the record does not verify (nothing is raised: it is an answer).

Other usage errors (bad options, an output file that already exists) are click's and exit 2 too.
Anything else that escapes is a bug and exits 1.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from typing import Any


def pip_install(requirement: str) -> str:
    """The command that installs ``requirement`` into the Python running this program: its own
    ``python -m pip`` (a bare ``pip`` may belong to another Python than the venv's), quoted
    for the shell the user types it in.

    >>> pip_install("portfolio-opt[report]").endswith(' -m pip install "portfolio-opt[report]"')
    True
    """
    python = sys.executable or "python"
    # a requirement with [] or a version bound in double quotes, as the README writes it: []
    # is a shell pattern, > a redirection
    wanted = requirement if requirement.replace("-", "").replace("_", "").isalnum() else f'"{requirement}"'
    if os.name == "nt":  # cmd and PowerShell quote with double quotes only
        shown = f'"{python}"' if " " in python else python
    else:
        shown = shlex.quote(python)
    return f"{shown} -m pip install {wanted}"


EXIT_OK = 0  #: solved
EXIT_BUG = 1  #: a bug: an error nobody raised on purpose
EXIT_USAGE = 2  #: a usage error (click's)
EXIT_INVALID = 3  #: the planning workbook has problems
EXIT_INFEASIBLE = 4  #: no portfolio keeps every rule
EXIT_NO_SOLVER = 5  #: the solver asked for is missing
EXIT_OUTPUT = 6  #: an output could not be written
EXIT_NO_PORTFOLIO = 7  #: the time limit ran out before any portfolio
EXIT_UNAVAILABLE = 8  #: an optional part (an extra, a program, a cluster) cannot be used
EXIT_STORE = 9  #: the store of the plan of record cannot be used
EXIT_REFUSED = 10  #: the record refuses what was asked of it
EXIT_TAMPERED = 11  #: the record does not verify (``audit verify``)
EXIT_INTERRUPTED = 130  #: Ctrl-C
EXIT_TERMINATED = 143  #: SIGTERM

#: every exit code and what it means, as the help and the docs print them
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "solved (optimal, or stopped at the time limit with a portfolio and a warning)",
    EXIT_BUG: "unexpected internal error (a bug; rerun with --debug and report it)",
    EXIT_USAGE: "usage error (unknown option, missing file, output exists without --force)",
    EXIT_INVALID: "invalid workbook (every problem listed with its Sheet!Cell)",
    EXIT_INFEASIBLE: "infeasible (the conflicting limits and decisions are named)",
    EXIT_NO_SOLVER: "the requested solver is not available (the message says what to install)",
    EXIT_OUTPUT: "the results workbook could not be written (permissions, disk)",
    EXIT_NO_PORTFOLIO: "the time limit ran out before any portfolio was found",
    EXIT_UNAVAILABLE: "an optional part could not be used: a Dask cluster that does not answer, or an extra or "
    "program that is not installed (the message names it)",
    EXIT_STORE: "the plan-of-record store could not be used (unreachable, wrong URL, locked or read-only, a "
    "newer schema); a command's own output is still written",
    EXIT_REFUSED: "the record refused the request (a workbook edited after it was written, an unknown run, a "
    "period whose plan of record is settled); nothing was recorded",
    EXIT_TAMPERED: "audit verify: the record does not verify (the first event that does not match is named)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C): nothing was written",
    EXIT_TERMINATED: "stopped by SIGTERM: nothing was written",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a planning workbook.

    ``code`` is stable (tests and tools match on it); ``where`` is ``Sheet!Cell`` or a sheet
    name; ``message`` names the value and what was expected; ``fix`` says what to do.
    """

    code: str
    where: str
    message: str
    fix: str = ""
    value: Any = None

    def __str__(self) -> str:
        text = f"{self.where}  {self.message}"
        return f"{text}. {self.fix}" if self.fix else text

    def to_dict(self) -> dict[str, Any]:
        """The problem as JSON data: its code, where, message, fix and the value found."""
        return {
            "code": self.code,
            "where": self.where,
            "message": self.message,
            "fix": self.fix,
            "value": _jsonable(self.value),
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class PortfolioError(Exception):
    """Base of every error portfolio_opt raises on purpose."""

    exit_code = EXIT_BUG


class InvalidWorkbook(PortfolioError, ValueError):
    """The planning workbook cannot be used as it is; ``problems`` lists every reason, and
    ``warnings`` what the reading would also have said (themes merged, ...), so a planner sees
    both in one run rather than the warnings only once the problems are fixed."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], source: str = "", warnings: tuple[str, ...] = ()):
        self.problems = tuple(problems)
        self.source = source
        self.warnings = tuple(warnings)
        head = f"{source}: " if source else ""
        n = len(self.problems)
        super().__init__(f"{head}{n} problem{'s' if n != 1 else ''} in the planning workbook")

    def to_dict(self) -> dict[str, Any]:
        """The error as the ``--json`` output reports it: status ``invalid`` and every problem."""
        out: dict[str, Any] = {"status": "invalid", "problems": [p.to_dict() for p in self.problems]}
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True)
class ConflictItem:
    """One limit, rule or decision that takes part in an infeasibility conflict."""

    kind: str  # "limit", "must", "exclude", "dependency", "exclusive group"
    name: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """The item as JSON data: its kind, name and detail."""
        return {"kind": self.kind, "name": self.name, "detail": self.detail}


#: Said after a change that resolves the conflict found but not the whole plan, where the
#: change stands alone (:attr:`Relaxation.sentence`); a face that groups changes by
#: :attr:`Relaxation.whole_plan` says it once, in a heading of its own
PARTIAL = " (this resolves the conflict above; the plan has others too)"


@dataclass(frozen=True)
class Relaxation:
    """One change that resolves an infeasibility conflict; ``text`` says the change in words.

    ``rule`` is the key of the rule part it changes (see ``formulation.parts``); ``bound`` the new
    Min or Max for a limit. ``whole_plan`` is True when this change alone makes the whole
    plan feasible (checked by solving), False when other conflicts remain.
    """

    text: str
    rule: tuple[str | int, ...]
    bound: float | None = None
    whole_plan: bool = True

    @property
    def sentence(self) -> str:
        """The change as a sentence that stands alone: one that leaves other conflicts says so.

        >>> Relaxation("drop Must on A", ("must", 0), whole_plan=False).sentence
        'drop Must on A (this resolves the conflict above; the plan has others too)'
        """
        return self.text if self.whole_plan else self.text + PARTIAL

    def to_dict(self) -> dict[str, Any]:
        """The change as JSON data: its words, the rule part, the new bound and whether it is enough alone."""
        return {"text": self.text, "rule": list(self.rule), "bound": self.bound, "whole_plan": self.whole_plan}


class Infeasible(PortfolioError):
    """No portfolio satisfies every limit and decision.

    ``conflict`` is a smallest set of limits, rules and decisions that cannot hold together
    (removing any one of them resolves this conflict); ``changes`` are the single changes
    that resolve it (:class:`Relaxation`), ``note`` what the diagnosis could not settle (or ""),
    and ``relaxations`` the changes as sentences that stand alone, then the note.
    """

    exit_code = EXIT_INFEASIBLE

    def __init__(
        self,
        conflict: tuple[ConflictItem, ...] = (),
        changes: tuple[Relaxation, ...] = (),
        note: str = "",
    ):
        self.conflict = tuple(conflict)
        self.changes = tuple(changes)
        self.note = note
        self.relaxations = tuple(c.sentence for c in self.changes) + ((note,) if note else ())
        super().__init__("no portfolio satisfies every limit and decision")

    def to_dict(self) -> dict[str, Any]:
        """The error as the ``--json`` output reports it: status ``infeasible``, the conflict,
        and the changes that resolve it."""
        return {
            "status": "infeasible",
            "conflict": [c.to_dict() for c in self.conflict],
            "relaxations": list(self.relaxations),
            "changes": [c.to_dict() for c in self.changes],
        }


class NoSolver(PortfolioError, RuntimeError):
    """The requested solver cannot be used; the message says what to install."""

    exit_code = EXIT_NO_SOLVER


class OutputError(PortfolioError, OSError):
    """The results workbook could not be written; nothing was left behind."""

    exit_code = EXIT_OUTPUT


class NoPortfolioFound(PortfolioError):
    """The solver stopped (time limit) before it found any portfolio."""

    exit_code = EXIT_NO_PORTFOLIO


class UnknownInitiative(PortfolioError, LookupError):
    """No initiative of the plan has the ID a user typed.

    ``typed`` is what was typed, ``source`` the workbook's name, ``suggestions`` the IDs the user
    most likely meant, closest first (none when no ID stands out); the message offers them.
    """

    exit_code = EXIT_USAGE

    def __init__(self, typed: str, suggestions: tuple[str, ...] = (), source: str = ""):
        self.typed = typed
        self.suggestions = tuple(suggestions)
        self.source = source
        hint = f" (did you mean {', '.join(self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"{typed!r} is not an ID in {source or 'the plan'}{hint}")


class Unavailable(PortfolioError):
    """An optional part cannot be used: an extra or a program is not installed, or a cluster
    does not answer. The message says what to install or start."""

    exit_code = EXIT_UNAVAILABLE


class ClusterError(Unavailable):
    """The Dask cluster could not be reached, or the extra that talks to it is not installed."""


class StoreError(PortfolioError):
    """The store of the plan of record cannot be used: it cannot be reached, its URL is not one,
    its file is locked or read-only, or its schema is newer than this version knows. Nothing
    was recorded; the message says what to check."""

    exit_code = EXIT_STORE


class RecordRefused(PortfolioError):
    """The record refuses a request and records nothing: a results workbook edited after it was
    written, a run it does not hold, a period whose plan of record is already settled. The
    message says why and what to do instead."""

    exit_code = EXIT_REFUSED


class TextCut(UserWarning):
    """A warning, not an error: text longer than a cell holds (32,767 characters) was cut;
    the message names the cell."""
