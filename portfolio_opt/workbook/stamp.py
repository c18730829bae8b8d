"""What ties a written workbook to its record: the run id and input hash in its ``Run info``, and
a digest of each sheet as written, so a workbook edited after it was written is told apart.

A sheet's digest is the SHA-256 of its part in the file (the sheet's XML as the writer wrote
it), so reading is cheap (no spreadsheet parsing) and any change to a sheet shows: an edited
cell, an added row, a sheet saved again by a spreadsheet program (which rewrites every sheet,
edited or not).
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from portfolio_opt.model.errors import InvalidWorkbook, Problem
from portfolio_opt.model.layout import OUTPUT, RUN_INFO_ITEMS

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
#: text kept once for the whole workbook (a spreadsheet program writes cells' text there)
SHARED_TEXT = "(shared text)"


@dataclass(frozen=True)
class Stamp:
    """A written workbook as its record sees it: the file's name and SHA-256, the run id and
    input hash its Run info carries (None when absent), and each sheet's digest by name."""

    name: str
    sha256: str
    run_id: str | None
    input_sha256: str | None
    sheets: dict[str, str] = field(default_factory=dict)


def sheet_digests(data: bytes) -> dict[str, str]:
    """Each sheet's digest by its name, in the workbook's order (and :data:`SHARED_TEXT` when the
    file keeps shared text), from an .xlsx file's bytes."""
    out: dict[str, str] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        for title, part in _sheet_parts(zf):
            if part in names:
                out[title] = hashlib.sha256(zf.read(part)).hexdigest()
        if "xl/sharedStrings.xml" in names:
            out[SHARED_TEXT] = hashlib.sha256(zf.read("xl/sharedStrings.xml")).hexdigest()
    return out


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, its part in the archive) for every sheet, in order."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_RELS}Relationship")}
    out = []
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(_REL_ID), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out.append((sheet.get("name", ""), part))
    return out


def written_stamp(path: str | os.PathLike) -> Stamp:
    """The stamp of a workbook this tool has just written: its bytes' digests (its Run info is
    known to the writer, so it is not read back)."""
    path = os.fspath(path)
    with open(path, "rb") as fh:
        data = fh.read()
    return Stamp(os.path.basename(path), hashlib.sha256(data).hexdigest(), None, None, sheet_digests(data))


def read_stamp(path: str | os.PathLike) -> Stamp:
    """Read a results workbook's stamp: its Run info's run id and input hash, and its sheets'
    digests. Raises :class:`~portfolio_opt.InvalidWorkbook` when it is not a workbook this tool
    wrote (no readable Run info)."""
    from portfolio_opt.workbook.reader import read_workbook

    raw = read_workbook(path)  # the archive is checked before any part is parsed
    info = raw.sheet(OUTPUT.run_info)
    items: dict[str, object] = {}
    if info is not None:
        items = {str(row[0]).strip(): row[1] for row in info.rows[1:] if len(row) > 1 and row[0] is not None}
    if RUN_INFO_ITEMS.input_sha256 not in items:
        raise InvalidWorkbook(
            [
                Problem(
                    "not-a-result",
                    raw.name,
                    f"has no '{OUTPUT.run_info}' sheet with an '{RUN_INFO_ITEMS.input_sha256}' item: it is not a "
                    "workbook portfolio_opt wrote",
                    "Give the results workbook that optimize (or another deciding command) wrote",
                )
            ],
            raw.name,
        )
    with open(path, "rb") as fh:
        data = fh.read()
    run_id = items.get(RUN_INFO_ITEMS.run_id)
    return Stamp(
        raw.name,
        raw.sha256,
        str(run_id).strip() if run_id else None,
        str(items[RUN_INFO_ITEMS.input_sha256] or "").strip() or None,
        sheet_digests(data),
    )
