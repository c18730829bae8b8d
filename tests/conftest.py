"""Shared helpers: build planning workbooks cell by cell, and run the CLI (in this process, or in
a real one where the process is the point)."""

from __future__ import annotations

import contextlib
import io
import json
import locale
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "data" / "sample_plan.xlsx"

# a store named in the environment would record every command the tests run: the tests that
# record name their own stores
os.environ.pop("PORTFOLIO_OPT_DB", None)

HEADERS = (
    "ID",
    "Name",
    "Theme",
    "Impact",
    "Probability",
    "Time to value",
    "Cost",
    "Run cost",
    "Depends on",
    "Exclusive group",
    "Decision",
)


def pytest_addoption(parser):
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="also run the long cases marked slow (CI and the README's test command do)",
    )


#: whether this run is the full one (``--slow``, as CI runs): set when pytest starts, before any
#: test module is imported, so a module's ``@settings(max_examples=examples(n))`` sees it
FULL = False

#: the share of a property test's examples the default run draws (``--slow`` draws every one)
DEFAULT_SHARE = 0.25


def pytest_configure(config):
    global FULL
    config.addinivalue_line("markers", "slow: a long case, run with --slow (CI runs every one)")
    FULL = bool(config.getoption("--slow"))


def examples(n: int) -> int:
    """How many examples a hypothesis test draws: all ``n`` with --slow (CI), a quarter of them
    (at least 5) in a developer's default run, which keeps every property test but not its full
    search."""
    return n if FULL else max(5, round(n * DEFAULT_SHARE))


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="long case: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def write_plan(
    path: os.PathLike | str,
    rows: Sequence[Sequence[Any]],
    headers: Sequence[str] = HEADERS,
    constraints: Sequence[Sequence[Any]] = (),
    settings: Sequence[Sequence[Any]] = (),
    constraint_headers: Sequence[str] = ("Column", "Scope", "Min", "Max"),
) -> Path:
    """A planning workbook written cell by cell with openpyxl (no help from the library)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Initiatives"
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    if constraints:
        wc = wb.create_sheet("Constraints")
        wc.append(list(constraint_headers))
        for row in constraints:
            wc.append(list(row))
    if settings:
        wsx = wb.create_sheet("Settings")
        wsx.append(["Setting", "Value"])
        for row in settings:
            wsx.append(list(row))
    wb.save(path)
    return Path(path)


def ini(
    id_,
    cost,
    impact=1_000_000,
    probability=1.0,
    ttv=0,
    theme="Core",
    run_cost=None,
    depends=None,
    group=None,
    decision=None,
    name=None,
):
    """One Initiatives row in HEADERS order."""
    return (id_, name or f"Initiative {id_}", theme, impact, probability, ttv, cost, run_cost, depends, group, decision)


def run_process(*args: str, cwd: os.PathLike | str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m portfolio_opt`` in a real process: for a test whose point is the process
    (its start, its imports, its signals, what a fresh interpreter reads)."""
    return subprocess.run(
        [sys.executable, "-m", "portfolio_opt", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def run_cli(*args: str, cwd: os.PathLike | str | None = None) -> subprocess.CompletedProcess:
    """Run the command line in this process as ``python -m portfolio_opt`` runs it, and answer
    as :func:`run_process` does: its exit code, and what it wrote to stdout and stderr.

    Starting an interpreter and importing the package costs a second or two a call, which a
    test that checks only output, exit codes and files does not need. File descriptors 1 and 2
    are captured, so C-level output (the solver's, a forked worker's) is seen as a process's
    would be; ``cwd`` is the working directory for the run; a SystemExit is the exit code, and
    an exception escaping the command is a traceback on stderr and exit code 1, as Python ends
    a process."""
    from portfolio_opt.cli import main

    argv = [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args]
    here = os.getcwd()
    with _captured() as said:
        try:
            if cwd is not None:
                os.chdir(cwd)
            main(args=argv, prog_name="portfolio-opt")
            code = 0
        except SystemExit as exc:
            code = _exit_code(exc.code)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            os.chdir(here)
    return subprocess.CompletedProcess([sys.executable, "-m", "portfolio_opt", *argv], code, *said)


def _exit_code(code: object) -> int:
    """The exit code a process ends with for ``sys.exit(code)`` (a text is said, then 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _decoded(file: Any) -> str:
    """A captured stream as ``subprocess.run(text=True)`` reads it (universal newlines)."""
    file.seek(0)
    return io.TextIOWrapper(io.BytesIO(file.read()), encoding=locale.getpreferredencoding(False)).read()


@contextlib.contextmanager
def _captured():
    """File descriptors 1 and 2 (and ``sys.stdout``, ``sys.stderr`` on them) written to two
    temporary files, as a process's are to the pipes of ``subprocess.run``, and put back after;
    the list yielded holds what was written to each, as text, once the block ends."""
    encoding = locale.getpreferredencoding(False)
    streams = sys.stdout, sys.stderr
    for stream in streams:
        stream.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding=encoding)
        sys.stderr = io.TextIOWrapper(
            io.FileIO(2, "w", closefd=False), encoding=encoding, errors="backslashreplace", line_buffering=True
        )
        said: list[str] = []
        try:
            yield said
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            sys.stdout, sys.stderr = streams
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
            said.extend((_decoded(out), _decoded(err)))


def run_json(*args: str) -> tuple[int, dict]:
    proc = run_cli(*args, "--json")
    return proc.returncode, json.loads(proc.stdout)


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    target = tmp_path / "plan.xlsx"
    target.write_bytes(SAMPLE.read_bytes())
    return target


@contextlib.contextmanager
def reduced(on: bool = True):
    """Run solves through the reduction (``portfolio_opt.reduction``) even on the tiny plans
    brute force can check, which it otherwise leaves whole."""
    from portfolio_opt.core import reduction

    saved = reduction.SMALL
    reduction.SMALL = 0 if on else saved
    try:
        yield
    finally:
        reduction.SMALL = saved


def differences(fast, reference) -> list[str]:
    """Where two RawWorkbooks differ: each sheet's values (and their types), number formats,
    error cells, date serials and uncalculated formulas, and the saved date (when the file
    says one: openpyxl says 'now' when it does not)."""
    found = []
    if [s.name for s in fast.sheets] != [s.name for s in reference.sheets]:
        return [f"sheets {[s.name for s in fast.sheets]} != {[s.name for s in reference.sheets]}"]
    for a, b in zip(fast.sheets, reference.sheets):
        typed = [[(type(v), v) for v in row] for row in a.rows]
        if typed != [[(type(v), v) for v in row] for row in b.rows]:
            found.append(f"{a.name}: values differ")
        for name in ("number_formats", "errors", "serials", "uncalculated"):
            if getattr(a, name) != getattr(b, name):
                found.append(f"{a.name}: {name} {getattr(a, name)!r:.300} != {getattr(b, name)!r:.300}")
    if fast.saved is not None and fast.saved != reference.saved:
        found.append(f"saved {fast.saved} != {reference.saved}")
    return found


@pytest.fixture(autouse=True, scope="session")
def every_xlsx_read_agrees_with_openpyxl():
    """Every .xlsx a test reads in this process is read by openpyxl too, and the two must agree
    (tests/test_reader_agreement.py checks the workbooks the tests keep; this, every workbook
    the tests write and read)."""
    from portfolio_opt.model.errors import InvalidWorkbook
    from portfolio_opt.workbook import reader, xlsx_openpyxl

    original = reader._read_xlsx

    def checked(data: bytes, name: str, sha: str):
        result = original(data, name, sha)
        try:
            reference = xlsx_openpyxl.read(data, name, sha)
        except InvalidWorkbook as exc:
            raise AssertionError(f"{name}: openpyxl refuses it ({exc.problems}), the fast reader read it") from None
        wrong = differences(result, reference)
        assert not wrong, f"{name}: the fast reader and openpyxl disagree: {wrong}"
        return result

    reader._read_xlsx = checked
    yield
    reader._read_xlsx = original


def convert(paths: list[Path], kind: str, folder: Path) -> list[Path]:
    """The files saved as ``kind`` (ods, xls, xlsx) by LibreOffice, headless, with a profile of
    its own (LibreOffice runs one instance per profile: another running would take the job)."""
    profile = folder / ".libreoffice-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", kind]
        + ["--outdir", str(folder), *map(str, paths)],
        capture_output=True,
        timeout=300,
        check=True,
    )
    return [folder / f"{p.stem}.{kind}" for p in paths]
