"""What a workbook archive (.xlsx, .xlsm, .ods) must be before any XML in it is parsed: bounded,
plain, whole.

A workbook arrives by e-mail or from a shared drive and may be damaged or hostile. Before the
spreadsheet library reads it, this module checks, from the archive's directory and the first
bytes of each part, everything that could make reading hang, eat memory, fetch something or
silently drop a sheet:

* every part inflates to at most :data:`MAX_PART` bytes, all together to :data:`MAX_TOTAL`,
  and a large part compresses at most :data:`MAX_RATIO` to 1 (zip bombs). The sizes come from
  the archive's directory, and reading never inflates a part past its declared size;
* no XML part declares a document type or entities (entity expansion, external entities):
  spreadsheet programs never write them, and the check needs only the part's prolog, which
  must end within :data:`PROLOG_BYTES`;
* the workbook is not encrypted (a password-protected .xlsx is an OLE container, not a zip; a
  password-protected .ods lists its encrypted parts in its manifest), not in Strict Open XML,
  and every sheet it lists has its part in the archive (an .ods holds its sheets in one part,
  ``content.xml``, which must be there).

Each refusal is a :class:`~portfolio_opt.errors.Problem` naming the part and the fix.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from xml.etree import ElementTree

from portfolio_opt.model.errors import Problem

MAX_PART = 256 * 1024 * 1024  #: largest inflated size of one part (bytes)
MAX_TOTAL = 512 * 1024 * 1024  #: largest inflated size of all parts together (bytes)
MAX_RATIO = 200  #: largest inflated/compressed ratio of a part over RATIO_FROM bytes
RATIO_FROM = 8 * 1024 * 1024
MAX_PARTS = 10_000
PROLOG_BYTES = 64 * 1024  #: the root element must start within this many bytes of a part

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RESAVE = "Open it in Excel or LibreOffice and save it as 'Excel Workbook (.xlsx)'"
_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.I)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.I)


def ole_problem(data: bytes, name: str) -> Problem | None:
    """An OLE (compound) file that is a password-protected .xlsx; None for anything else (an
    old .xls is an OLE file too, and says for itself when it is encrypted)."""
    if data[:8] != OLE_SIGNATURE:
        return None
    if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data.replace(b"\x00", b""):
        return Problem(
            "encrypted",
            name,
            "is protected with a password",
            "Save a copy without a password (File > Info > Protect Workbook > Encrypt with Password: "
            "clear it) and use that copy",
        )
    return None


def check(zf: zipfile.ZipFile, name: str) -> list[Problem]:
    """Every reason not to parse this archive (empty when it is safe to read)."""
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        return [Problem("too-many-parts", name, f"has {len(infos):,} parts (at most {MAX_PARTS:,})", _RESAVE)]
    total = 0
    for info in infos:
        total += info.file_size
        part = f"{name}:{info.filename}"
        if info.file_size > MAX_PART:
            return [
                Problem(
                    "too-large",
                    part,
                    f"inflates to {info.file_size:,} bytes (at most {MAX_PART:,} a part)",
                    "This is not a planning workbook; if it is, split it or remove unused sheets",
                )
            ]
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(1, info.compress_size):
            return [
                Problem(
                    "compression-bomb",
                    part,
                    f"inflates {info.file_size / max(1, info.compress_size):,.0f} times "
                    f"({info.compress_size:,} to {info.file_size:,} bytes; at most {MAX_RATIO} times)",
                    "The file is damaged or built to exhaust memory: do not use it",
                )
            ]
        if info.flag_bits & 0x1:
            return [Problem("encrypted", part, "is encrypted inside the archive", "Save a copy without a password")]
    if total > MAX_TOTAL:
        return [
            Problem(
                "too-large",
                name,
                f"inflates to {total:,} bytes (at most {MAX_TOTAL:,})",
                "This is not a planning workbook; if it is, split it or remove unused sheets",
            )
        ]
    if package_kind(zf) != "xlsx":
        encrypted = _odf_problems(zf, name, before_parsing=True)
        if encrypted:
            return encrypted
    problems: list[Problem] = []
    for info in infos:
        if _XML_PART.search(info.filename):
            problem = _prolog_problem(zf, info, name)
            if problem is not None:
                problems.append(problem)
    if problems:
        return problems
    if package_kind(zf) != "xlsx":
        return _odf_problems(zf, name, before_parsing=False)
    return _structure_problems(zf, name)


ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ODF_MIMETYPE = b"application/vnd.oasis.opendocument."


def package_kind(zf: zipfile.ZipFile) -> str:
    """``ods`` for an OpenDocument spreadsheet, ``odf`` for another OpenDocument file (a text
    document, a presentation), ``xlsx`` for anything else (an Office Open XML package)."""
    try:
        info = zf.getinfo("mimetype")
    except KeyError:
        return "xlsx"
    if info.file_size > 256:
        return "odf"
    with zf.open(info) as fh:
        mimetype = fh.read(257).strip()
    if mimetype == ODS_MIMETYPE:
        return "ods"
    return "odf" if mimetype.startswith(_ODF_MIMETYPE) else "xlsx"


def _odf_problems(zf: zipfile.ZipFile, name: str, before_parsing: bool) -> list[Problem]:
    """An OpenDocument file that is encrypted (before any part is parsed), or not a
    spreadsheet, or has no content part (after the parts' prologs were checked)."""
    names = set(zf.namelist())
    if before_parsing:
        if "META-INF/manifest.xml" in names and b"encryption-data" in zf.read("META-INF/manifest.xml"):
            return [
                Problem(
                    "encrypted",
                    name,
                    "is protected with a password",
                    "Save a copy without a password (File > Save As, clear 'Save with password') and use that copy",
                )
            ]
        return []
    if package_kind(zf) != "ods":
        return [
            Problem(
                "not-xlsx",
                name,
                "is an OpenDocument file but not a spreadsheet (a text document or a presentation?)",
                "Give the planning workbook: an .ods, .xlsx, .xlsm or .xls spreadsheet",
            )
        ]
    if "content.xml" not in names:
        return [
            Problem(
                "missing-part",
                f"{name}:content.xml",
                "the spreadsheet's content (content.xml, which holds every sheet) is not in the file",
                "The file is damaged: open it in LibreOffice and save a copy",
            )
        ]
    return []


def _prolog_problem(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> Problem | None:
    """A document type or entity declaration before the root element, or no root in sight."""
    part = f"{name}:{info.filename}"
    try:
        with zf.open(info) as fh:
            head = fh.read(PROLOG_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        return Problem("damaged", part, f"cannot be read ({type(exc).__name__}: {exc})", _RESAVE)
    except Exception as exc:  # zlib.error and kin: a damaged stream is the file's fault
        return Problem("damaged", part, f"cannot be read ({type(exc).__name__})", _RESAVE)
    root = _ROOT_START.search(head)
    prolog = head[: root.start()] if root else head
    if _DECLARATION.search(prolog.replace(b"\x00", b"")):
        return Problem(
            "xml-entities",
            part,
            "contains an XML document type or entity declarations, which spreadsheet programs never write",
            "The file was altered after it was saved; do not use it, or re-save the data in a new workbook",
        )
    if root is None and len(head) >= PROLOG_BYTES:
        return Problem("damaged", part, f"has no XML element in its first {PROLOG_BYTES:,} bytes", _RESAVE)
    return None


def _structure_problems(zf: zipfile.ZipFile, name: str) -> list[Problem]:
    """Strict Open XML, and sheets the workbook lists whose parts are missing."""
    names = set(zf.namelist())
    workbook = _main_part(zf, names)
    if workbook is None:
        return [
            Problem("not-xlsx", name, "has no workbook part: it is a zip file, not an .xlsx or .ods workbook", _RESAVE)
        ]
    try:
        with zf.open(workbook) as fh:
            tree = ElementTree.parse(fh)
    except Exception as exc:  # a damaged or truncated part: the file's fault, said as such
        return [Problem("damaged", f"{name}:{workbook}", f"cannot be read ({type(exc).__name__})", _RESAVE)]
    root = tree.getroot()
    if root.tag.startswith("{" + STRICT_NS):
        return [
            Problem(
                "strict-ooxml",
                name,
                "is saved as Strict Open XML, which this tool does not read",
                "Save it as 'Excel Workbook (.xlsx)' (not 'Strict Open XML Spreadsheet')",
            )
        ]
    rels_path = posixpath.join(posixpath.dirname(workbook), "_rels", posixpath.basename(workbook) + ".rels")
    targets: dict[str, str] = {}
    if rels_path in names:
        try:
            with zf.open(rels_path) as fh:
                for rel in ElementTree.parse(fh).getroot():
                    target = rel.get("Target", "")
                    if rel.get("TargetMode") == "External":
                        continue
                    base = "" if target.startswith("/") else posixpath.dirname(workbook)
                    targets[rel.get("Id", "")] = posixpath.normpath(posixpath.join(base, target.lstrip("/")))
        except Exception as exc:
            return [Problem("damaged", f"{name}:{rels_path}", f"cannot be read ({type(exc).__name__})", _RESAVE)]
    problems = []
    for sheet in root.iter(f"{{{_MAIN_NS}}}sheet"):
        rid = sheet.get(f"{{{_REL_NS}}}id", "")
        title = sheet.get("name", "?")
        found = targets.get(rid)
        if found is None or found not in names:
            where = f" ({found} is missing)" if found else ""
            problems.append(
                Problem(
                    "missing-part",
                    f"{name}:{title}",
                    f"the workbook lists the sheet {title!r}, but its content is not in the file{where}",
                    "The file is damaged: open it in Excel or LibreOffice, check the sheet, and save a copy",
                )
            )
    return problems


def _main_part(zf: zipfile.ZipFile, names: set[str]) -> str | None:
    """The workbook part named by the package relationships (usually xl/workbook.xml)."""
    if "_rels/.rels" in names:
        try:
            with zf.open("_rels/.rels") as fh:
                for rel in ElementTree.parse(fh).getroot():
                    if rel.get("Type", "").endswith("/officeDocument"):
                        target = rel.get("Target", "").lstrip("/")
                        return target if target in names else None
        except Exception:
            return None
    return "xl/workbook.xml" if "xl/workbook.xml" in names else None
