"""What every sheet's reader shares: a collector of problems and warnings, the helpers that
read a cell (a number, a header row, an error value), and what earlier sheets tell later ones.

Every problem is collected with a stable code and its ``Sheet!Cell``, so a planner fixes a
sheet in one pass. Pure: the sheets arrive as plain values (:mod:`portfolio_opt.raw`).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from portfolio_opt.model.errors import Problem
from portfolio_opt.model.plan import Table, normalize_header, text_key
from portfolio_opt.workbook import parse as _parse
from portfolio_opt.workbook.raw import RawSheet, RawWorkbook

#: a cell whose value was refused (its problem is recorded)
_INVALID = object()
#: normalized Initiatives headers the tool reads itself (filled by the initiatives module)
KNOWN_FIELDS: set[str] = set()


#: the cell types a number is read from as it is (bool, an int, is TRUE/FALSE: not these)
_PLAIN = (int, float)


def parse_number(value: Any, amount: bool = True) -> float | None:
    """A cell as a number by the rule of :mod:`portfolio_opt.parse`, or ``None`` when it is not one."""
    # a float within bounds is itself (what the rule makes of it): most cells of a big plan
    # are, and this is called for every cell of every numeric column
    if type(value) in _PLAIN and -_parse.MAX_MAGNITUDE <= value <= _parse.MAX_MAGNITUDE:
        return float(value)
    number = _parse.parse_number(value, amount=amount)
    return None if isinstance(number, _parse.Refusal) else number


def _unit_of(header: str) -> str:
    """A header's trailing ``(unit)`` with the space before it (kept when a header is renamed).

    >>> _unit_of("Time to valeu (months)"), _unit_of("Cots")
    (' (months)', '')
    """
    m = re.search(r"\s*\([^()]*\)\s*$", header)
    return m.group(0).rstrip() if m else ""


def closest_header(typed: str, headers: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The header ``typed`` most likely misspells, as written in the sheet; None when none is
    close or the closest tie (nothing says which was meant).

    Headers are compared as they are matched (:func:`normalize_header`: no case, spaces or
    ``(unit)``), so ``Data eng FET (people)`` is one letter swap from ``Data eng FTE``.

    >>> closest_header("Data eng FTE", ["ML eng FTE", "Data eng FET (people)"])
    'Data eng FET (people)'
    """
    stems: dict[str, str] = {}
    for h in headers:
        stems.setdefault(normalize_header(h), h)
    wanted = normalize_header(typed)
    scored = sorted(
        ((difflib.SequenceMatcher(None, wanted, stem).ratio(), stem) for stem in stems), key=lambda x: -x[0]
    )
    if not scored or scored[0][0] < cutoff or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return stems[scored[0][1]]


#: Where an amount belongs: a currency symbol or a k / M / bn suffix is understood there.
AMOUNT_LABELS = {
    "Impact",
    "Cost",
    "Run cost",
    "Budget",
    "Min",
    "Max",
    "Impact low",
    "Impact high",
    "Cost high",
    "Value target",
}


def _show_date(value: Any) -> str:
    if isinstance(value, _dt.datetime) and value.time() == _dt.time(0):
        return value.date().isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _show(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _id_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def split_ids(value: Any) -> list[str]:
    """``"INI-001, INI-002"`` -> ``["INI-001", "INI-002"]`` (commas or semicolons)."""
    if value is None:
        return []
    return [part.strip() for part in re.split(r"[,;\n]", _id_text(value)) if part.strip()]


@dataclass
class _Columns:
    by_norm: dict[str, int] = field(default_factory=dict)  #: normalized header -> column
    headers: list[str] = field(default_factory=list)  #: header text per column ("" when blank)


class Collector:
    """Problems and warnings as the sheets are read, and the cell helpers that record them.

    ``initiatives_sheet`` (sheet, header row, columns, data rows) is where a misspelled
    Initiatives header named by another sheet is reported, once (:meth:`header_typos`).
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self._spellings: dict[str, dict[str, tuple[str, str]]] = {}
        self._header_typos: dict[tuple[str, str], list[str]] = {}  #: (header, name used) -> cells
        self.initiatives_sheet: tuple | None = None
        #: Initiatives headers reported as a misspelled required column -> that column's label
        self.renamed: dict[str, str] = {}

    def add(self, code: str, where: str, message: str, fix: str = "", value: Any = None) -> None:
        """Record a problem at ``where``: its code, what is wrong with the value, and the fix."""
        self.problems.append(Problem(code, where, message, fix, value))

    def header(self, sheet: RawSheet, key: str) -> tuple[int, _Columns]:
        """Find the header row (the first of the first ten rows holding ``key``) and its columns."""
        header_row = 0
        for r, row in enumerate(sheet.rows[:10]):
            if any(normalize_header(v) == key for v in row if v is not None):
                header_row = r
                break
        cols = _Columns()
        row = sheet.rows[header_row] if sheet.rows else ()
        for c, v in enumerate(row):
            text = "" if v is None else str(v).strip()
            cols.headers.append(text)
            if not text:
                continue
            norm = normalize_header(text)
            if norm in cols.by_norm:
                first = cols.by_norm[norm]
                self.add(
                    "duplicate-column",
                    sheet.address(header_row, c),
                    f"column {text!r} repeats {sheet.address(header_row, first)}",
                    "Rename or delete one of the two columns",
                    text,
                )
                continue
            cols.by_norm[norm] = c
        return header_row, cols

    def cell_ok(self, sheet: RawSheet, r: int, c: int, label: str) -> bool:
        """False (and a problem) for uncalculated formulas and Excel error values."""
        if not sheet.uncalculated and not sheet.errors:
            return True  # the usual sheet: no cell to look up (called for every cell read)
        if (r, c) in sheet.uncalculated:
            self.add(
                "uncalculated-formula",
                sheet.address(r, c),
                f"{label} is a formula ({sheet.uncalculated[(r, c)]}) that was never calculated",
                "Open the file in Excel or LibreOffice and save it, or type the value",
                sheet.uncalculated[(r, c)],
            )
            return False
        if (r, c) in sheet.errors:
            self.add(
                "error-value",
                sheet.address(r, c),
                f"{label} holds the Excel error {sheet.rows[r][c]}",
                "Fix the formula or type the value",
                sheet.rows[r][c],
            )
            return False
        return True

    def number(
        self,
        sheet: RawSheet,
        r: int,
        c: int,
        label: str,
        required: bool,
        check: Callable[[float], str | None] | None = None,
        default: float | None = None,
        amount: bool = False,
    ) -> float | None:
        """The number in a cell; ``default`` when it is blank (with a problem added when it is
        ``required``); None, with the problem added, when it is not a number or ``check`` refuses
        it. A date that was typed as a number is read as that number, with a warning."""
        value = sheet.rows[r][c] if c < len(sheet.rows[r]) else None
        if not self.cell_ok(sheet, r, c, label):
            return None
        if (type(value) is float or type(value) is int) and -_parse.MAX_MAGNITUDE <= value <= _parse.MAX_MAGNITUDE:
            # what parse_number makes of a number within bounds, without its calls: most cells
            # of a big plan are numbers, and each is read here (a refusal takes the long way)
            plain = float(value)
            if check is None or not check(plain):
                return plain
        if value is None:
            if required:
                self.add(
                    "missing-value",
                    sheet.address(r, c),
                    f"{label} is blank: a number is required",
                    f"Enter the {label.lower()}",
                )
            return default
        number = _parse.parse_number(value, amount=label.split(" [")[0] in AMOUNT_LABELS or amount)
        if isinstance(number, _parse.Refusal) and number.code == "date-in-number":
            typed = _parse.date_as_typed_number(sheet.serials.get((r, c)))
            if typed is not None:
                self.warnings.append(
                    f"{sheet.address(r, c)} is formatted as a date; its {label} is read as "
                    f"{_show(typed)}, the number typed (format the cell as Number)"
                )
                number = typed
            else:
                unit = "a number of months" if "month" in label.casefold() or label == "Time to value" else "a number"
                number = _parse.Refusal(
                    "date-in-number",
                    f"holds a date ({_show_date(value)}), and Excel formats it as one",
                    f"Enter {unit}, and format the cell as Number or General",
                )
        if isinstance(number, _parse.Refusal):
            self.add(number.code, sheet.address(r, c), f"{label} {_show(value)}: {number.reason}", number.fix, value)
            return None
        if check is not None:
            message = check(number)
            if message:
                self.add("out-of-range", sheet.address(r, c), f"{label} {_show(value)}: {message}", "", value)
                return None
        return number

    def header_typo(self, header: str, named: str, where: str) -> bool:
        """Note that ``where`` names ``named``, close to the Initiatives header ``header``.

        Every such reference to one header is reported once, at the header (see
        :meth:`header_typos`): one misspelling, one problem. False when the Initiatives
        header row cannot be told (the reference is reported where it stands).
        """
        if not self.initiatives_sheet or normalize_header(header) in KNOWN_FIELDS:
            return False  # a header the tool knows is spelled right: the reference is not
        if difflib.SequenceMatcher(None, normalize_header(header), normalize_header(named)).ratio() < 0.75:
            return False
        self._header_typos.setdefault((header, named.strip()), []).append(where)
        return True

    def header_typos(self) -> None:
        """Report every misspelled Initiatives header, once, at the header (see :meth:`header_typo`)."""
        if not self._header_typos or self.initiatives_sheet is None:
            return
        sheet, header_row, cols, _ = self.initiatives_sheet
        for (header, named), cells in self._header_typos.items():
            c = cols.headers.index(header)
            if normalize_header(self.renamed.get(header, "")) == normalize_header(named):
                self._also_named(sheet.address(header_row, c), named, cells)
                continue  # one misspelling, one problem: the missing column's rename fixes both
            self.add(
                "misspelled-column",
                sheet.address(header_row, c),
                f"the header {header!r} is named {named!r} by {', '.join(cells)}",
                f"Rename the header to {named + _unit_of(header)!r}, or correct the name where it is used",
                header,
            )

    def _also_named(self, where: str, named: str, cells: list[str]) -> None:
        """Add to the problem at ``where`` (a misspelled required column) the cells that name it."""
        for k, p in enumerate(self.problems):
            if p.where == where and p.code == "missing-column":
                self.problems[k] = replace(p, message=f"{p.message} ({', '.join(cells)} names it {named!r})")

    def canonical(self, label: str, text: str, where: str) -> str:
        """One spelling per key: ``platform `` after ``Platform`` is read as ``Platform``, with a warning."""
        spellings = self._spellings.setdefault(label, {})
        first = spellings.setdefault(text_key(text), (text, where))
        if first[0] != text:
            self.warnings.append(
                f"{where} {label} {text!r} is read as {first[0]!r} (as at {first[1]}): "
                f"{label.lower()}s are compared ignoring case and spaces"
            )
        return first[0]


@dataclass
class SheetContext:
    """What earlier sheets tell later ones, passed on explicitly."""

    raw: RawWorkbook
    labels: list[str] = field(default_factory=list)  #: the period labels (multi-period plans)
    period_length: float = 3.0
    refused_settings: set[str] = field(default_factory=set)  #: settings whose row has a problem
    refused_limits: set[str] = field(default_factory=set)  #: folded names of refused Constraints rows
    all_ids: dict[str, tuple[str, str]] = field(default_factory=dict)  #: every ID key in the sheet -> (ID, cell)
    rows_unread: bool = False  #: Initiatives could not be read row by row (a required column is missing)
    numeric_norm: dict[str, str] = field(default_factory=dict)  #: numeric Initiatives headers, normalized
    review_date: Any = None  #: the Review date (a datetime.date), set or taken from the file's saved date
    review_date_needed: str = ""  #: the first cell that needs a review date when there is none
    run_budget_at: str = ""  #: the Settings cell of the Run budget

    def period(self, col: Collector, sheet, r, c, value, label) -> int | None | object:
        """A period label (or number 1..Periods) as a 0-based position; _INVALID if unknown."""
        if value is None:
            return None
        labels = self.labels
        if self.refused_settings & {"first_period", "period_length", "periods"}:
            return _INVALID  # the labels cannot be known: the Settings problem is reported there
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            k = int(value) - 1
            if 0 <= k < len(labels):
                return k
        text = str(value).strip().casefold()
        for k, lab in enumerate(labels):
            if lab.casefold() == text:
                return k
        shown = ", ".join(labels[:4]) + (" ..." if len(labels) > 4 else "")
        col.add(
            "unknown-period",
            sheet.address(r, c),
            f"{label} {_show(value)} is not a period of the plan ({shown})",
            f"Use a label from {labels[0]} to {labels[-1]}, or a period number 1 to {len(labels)}",
            value,
        )
        return _INVALID


def _percent(sheet: RawSheet, r: int, c: int) -> bool:
    """True when a cell says a percentage: typed with %, or formatted as one."""
    raw = sheet.rows[r][c] if c < len(sheet.rows[r]) else None
    if isinstance(raw, str):
        return raw.strip().endswith("%")
    formats = sheet.number_formats[r] if r < len(sheet.number_formats) else ()
    return c < len(formats) and "%" in (formats[c] or "")


def _fold_name(text: str) -> str:
    """A limit's name as matched: like headers, but ``[2027-Q2]`` is part of the name, not a unit."""
    return re.sub(r"[\s_]+", "", str(text)).casefold()


def _truthy(value: Any) -> bool | None:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return True if value == 1 else False if value == 0 else None
    text = str(value).strip().casefold()
    if text in ("yes", "y", "x", "1", "true", "selected", "in"):
        return True
    if text in ("no", "n", "0", "false", "", "-", "out"):
        return False
    return None


def _table(sheet: RawSheet) -> Table:
    return Table(name=sheet.name, rows=tuple(sheet.rows), number_formats=tuple(sheet.number_formats))
