"""Read a planning workbook (.xlsx, .xlsm, .ods or .xls) into plain tables: values, their cell
addresses, and what is odd about them.

What comes out is a :class:`RawWorkbook`, which the pure validation in
:mod:`portfolio_opt.workbook.validate` turns into a plan. The file is read once, into memory;
its kind is told from its bytes, not its name. A zip archive is checked before any XML in it
is parsed (:mod:`~portfolio_opt.workbook.archive`), then read as OpenDocument
(:mod:`~portfolio_opt.workbook.ods`) or Office Open XML (:mod:`~portfolio_opt.workbook.xlsx`,
with :mod:`~portfolio_opt.workbook.xlsx_openpyxl` for what that does not take apart); an old
binary workbook is read by :mod:`~portfolio_opt.workbook.xls`.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.workbook import archive
from portfolio_opt.workbook.raw import MAX_CELLS, RawSheet, RawWorkbook

__all__ = ["MAX_CELLS", "RawSheet", "RawWorkbook", "read_workbook"]

_RESAVE = "Open it in Excel or LibreOffice and save it as 'Excel Workbook (.xlsx)'"


def read_workbook(path: str | os.PathLike) -> RawWorkbook:
    """Read every sheet of a workbook (cached values of formulas, never the formulas).

    Raises :class:`InvalidWorkbook` when the file is not a readable .xlsx, .xlsm, .ods or .xls
    workbook, or is damaged or hostile.
    """
    path = os.fspath(path)
    name = os.path.basename(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InvalidWorkbook(
            [Problem("unreadable", name, f"cannot be read ({exc.strerror})", "Check the path and permissions")],
            name,
        ) from None
    sha = hashlib.sha256(data).hexdigest()
    if data[:8] == archive.OLE_SIGNATURE:
        return _read_ole(data, name, sha)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidWorkbook([_not_a_workbook(name, _format_hint(data))], name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            problems = archive.check(zf, name)
            kind = archive.package_kind(zf)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        problems = [_not_a_workbook(name, "", f"{type(exc).__name__}: {exc}")]
    if problems:
        raise InvalidWorkbook(problems, name)
    # From here on the archive is bounded and plain: what fails is a damaged part, not a bug.
    # The bytes already read are parsed, so the file is read once and never changed.
    if kind == "ods":
        from portfolio_opt.workbook import ods

        return ods.read(data, name, sha)
    return _read_xlsx(data, name, sha)


def _read_xlsx(data: bytes, name: str, sha: str) -> RawWorkbook:
    """An Office Open XML workbook: the fast reader, or openpyxl where that one steps back."""
    from portfolio_opt.workbook import xlsx

    try:
        return xlsx.read(data, name, sha)
    except xlsx.Unusual:
        from portfolio_opt.workbook import xlsx_openpyxl

        return xlsx_openpyxl.read(data, name, sha)


def _read_ole(data: bytes, name: str, sha: str) -> RawWorkbook:
    """An OLE (compound) file: a password-protected workbook, or an old .xls."""
    problem = archive.ole_problem(data, name)
    if problem is not None:
        raise InvalidWorkbook([problem], name)
    from portfolio_opt.workbook import xls

    return xls.read(data, name, sha)


def _not_a_workbook(name: str, hint: str, error: str = "") -> Problem:
    what = f"is not a readable .xlsx workbook ({error})" if error else f"is not an .xlsx workbook{hint}"
    return Problem("not-xlsx", name, what + "; .xlsx, .xlsm, .ods and .xls workbooks are read", _RESAVE)


def _format_hint(data: bytes) -> str:
    if not data.strip():
        return " (the file is empty)"
    head = data[:200].lower()
    if b"," in head or b";" in head or b"\t" in head:
        return " (it looks like a text/CSV file)"
    return ""
