"""Turn the sheets of a planning workbook into a :class:`~portfolio_opt.model.Plan`.

Every problem is collected, with a stable code and its ``Sheet!Cell``, so a planner fixes a
sheet in one pass; :class:`~portfolio_opt.errors.InvalidWorkbook` carries them all. Pure:
the sheets arrive as plain values (see :mod:`portfolio_opt.xlsx.reader`).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from . import parse as _parse
from .errors import InvalidWorkbook, Problem
from .layout import CONSTRAINTS, COUNT, INITIATIVES, OUTPUT_SHEETS, SCENARIOS, SETTING_NAMES, SETTINGS
from .model import (
    Change,
    Decision,
    Initiative,
    Limit,
    Objective,
    Plan,
    Scenario,
    Settings,
    Table,
    normalize_header,
    text_key,
    unique_limit_names,
)
from .raw import RawSheet, RawWorkbook

#: normalized header -> field, for the Initiatives columns the tool understands
FIELDS = {
    "id": "id",
    "name": "name",
    "owner": "owner",
    "theme": "theme",
    "outcomemetric": "outcome_metric",
    "impact": "impact",
    "probability": "probability",
    "timetovalue": "time_to_value",
    "cost": "cost",
    "runcost": "run_cost",
    "dependson": "depends_on",
    "exclusivegroup": "exclusive_group",
    "decision": "decision",
    "duration": "duration",
    "earlieststart": "earliest",
    "lateststart": "latest",
    "costprofile": "cost_profile",
}
REQUIRED = ("id", "name", "impact", "probability", "timetovalue", "cost")
REQUIRED_LABELS = {
    "id": "ID",
    "name": "Name",
    "impact": "Impact",
    "probability": "Probability",
    "timetovalue": "Time to value",
    "cost": "Cost",
}

DECISIONS = {
    "": Decision.FREE,
    "must": Decision.MUST,
    "exclude": Decision.EXCLUDE,
    "excluded": Decision.EXCLUDE,
}

MAX_LISTED = 200


def load_plan(raw: RawWorkbook) -> Plan:
    """Validate a workbook's sheets and return its plan, or raise InvalidWorkbook with all problems."""
    v = _Validator(raw)
    plan = v.run()
    if v.problems:
        raise InvalidWorkbook(v.problems, raw.name)
    assert plan is not None
    return plan


# --------------------------------------------------------------------------- numbers


def parse_number(value: Any, amount: bool = True) -> float | None:
    """A cell as a number by the rule of :mod:`portfolio_opt.parse`, or ``None`` when it is not one."""
    number = _parse.parse_number(value, amount=amount)
    return None if isinstance(number, _parse.Refusal) else number


#: Where an amount belongs: a currency symbol or a k / M / bn suffix is understood there.
AMOUNT_LABELS = {"Impact", "Cost", "Run cost", "Budget", "Min", "Max"}


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


# --------------------------------------------------------------------------- the validator


@dataclass
class _Columns:
    by_norm: dict[str, int] = field(default_factory=dict)  #: normalized header -> column
    headers: list[str] = field(default_factory=list)  #: header text per column ("" when blank)


class _Validator:
    def __init__(self, raw: RawWorkbook):
        self.raw = raw
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self._spellings: dict[str, dict[str, tuple[str, str]]] = {}
        self.all_ids: dict[str, tuple[str, str]] = {}
        self._period_length = 3.0
        self.rows_unread = False  #: Initiatives could not be read row by row (a required column is missing)
        self._header_typos: dict[tuple[str, str], list[str]] = {}
        self.refused_limits: set[str] = set()  #: folded names of Constraints rows with problems
        self.refused_settings: set[str] = set()  #: settings whose row has a problem (or a misspelled name)

    def add(self, code: str, where: str, message: str, fix: str = "", value: Any = None) -> None:
        self.problems.append(Problem(code, where, message, fix, value))

    # -- shared helpers

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
        value = sheet.rows[r][c] if c < len(sheet.rows[r]) else None
        if not self.cell_ok(sheet, r, c, label):
            return None
        if value is None:
            if required:
                self.add("missing-value", sheet.address(r, c), f"{label} is blank: a number is required", f"Enter the {label.lower()}")
            return default
        number = _parse.parse_number(value, amount=label.split(" [")[0] in AMOUNT_LABELS or amount)
        if isinstance(number, _parse.Refusal) and number.code == "date-in-number":
            typed = _parse.date_as_typed_number(sheet.serials.get((r, c)))
            if typed is not None:
                self.warnings.append(f"{sheet.address(r, c)} is formatted as a date; its {label} is read as "
                                     f"{_show(typed)}, the number typed (format the cell as Number)")
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

    # -- the sheets

    def run(self) -> Plan | None:
        sheet = self.raw.sheet(INITIATIVES)
        if sheet is None:
            names = ", ".join(s.name for s in self.raw.sheets) or "none"
            self.add(
                "missing-sheet",
                INITIATIVES,
                f"the workbook has no sheet named 'Initiatives' (sheets: {names})",
                "Rename the sheet holding the initiatives to 'Initiatives', or start from `portfolio-opt template`",
            )
            return None
        settings = self.settings()
        self.labels = settings.period_labels() if settings.periods else []
        initiatives, columns, numeric = self.initiatives(sheet)
        limits = unique_limit_names(self.constraints(initiatives, columns, numeric), settings.period_length)
        self.header_typos()
        scenarios = self.scenarios({k: v[0] for k, v in self.all_ids.items()}, limits, settings)
        selection = self.selection(sheet, initiatives)
        if self.problems:
            return None
        tables = tuple(
            _table(s)
            for s in self.raw.sheets
            if s.name.strip().casefold() not in {n.casefold() for n in OUTPUT_SHEETS}
        )
        return Plan(
            initiatives=tuple(initiatives),
            limits=tuple(limits),
            settings=settings,
            columns=tuple(columns),
            numeric_columns=tuple(numeric),
            tables=tables,
            source_name=self.raw.name,
            source_sha256=self.raw.sha256,
            warnings=tuple(self.warnings),
            scenarios=tuple(scenarios),
            selection=selection,
        )

    def initiatives(self, sheet: RawSheet) -> tuple[list[Initiative], list[str], list[str]]:
        header_row, cols = self.header(sheet, "id")
        missing = [key for key in REQUIRED if key not in cols.by_norm]
        unknown = [h for h in cols.headers if h and normalize_header(h) not in FIELDS]
        for key in missing:
            label = REQUIRED_LABELS[key]
            close = difflib.get_close_matches(label.casefold(), [h.casefold() for h in unknown], n=1, cutoff=0.7)
            if close:
                typo = next(h for h in unknown if h.casefold() == close[0])
                c = cols.headers.index(typo)
                self.add("missing-column", sheet.address(header_row, c),
                         f"required column {label!r} is missing; the header {typo!r} looks like a misspelling of it",
                         f"Rename the header {typo!r} to {label!r}", typo)
            else:
                self.add(
                    "missing-column",
                    f"{INITIATIVES}!{header_row + 1}",
                    f"required column {label!r} is missing (headers: {', '.join(h for h in cols.headers if h) or 'none'})",
                    f"Add a column headed {label!r} to the header row",
                )
        data_rows = [
            r for r in range(header_row + 1, len(sheet.rows))
            if any(v is not None for v in sheet.rows[r]) or any(k[0] == r for k in sheet.uncalculated)
        ]
        numeric = [
            h for c, h in enumerate(cols.headers)
            if h
            and normalize_header(h) not in ("id", "name", "dependson", "exclusivegroup", "decision")
            and all(sheet.rows[r][c] is None or parse_number(sheet.rows[r][c]) is not None for r in data_rows)
            and any(sheet.rows[r][c] is not None for r in data_rows)
        ]
        self._sheet_cols = (sheet, header_row, cols, data_rows)
        numeric = [h for h in numeric if not (normalize_header(h).endswith("profile") and normalize_header(h) != "profile")]
        if self.labels:
            self.profile_headers(sheet, header_row, cols, numeric)
        if missing:
            # The other sheets are still checked against the columns there are, but nothing
            # that names an initiative is: the rows could not be read.
            self.rows_unread = True
            return [], [h for h in cols.headers if h], numeric
        for c, text in enumerate(cols.headers):
            if not text and any(
                r < len(sheet.rows) and c < len(sheet.rows[r]) and sheet.rows[r][c] is not None
                for r in range(header_row + 1, len(sheet.rows))
            ):
                self.warnings.append(
                    f"{sheet.address(header_row, c)} has no header: the cells below it are ignored"
                )
        col = cols.by_norm
        headers = [h for h in cols.headers if h]
        out: list[Initiative] = []
        seen: dict[str, tuple[str, str]] = {}  #: ID key -> (the ID as written first, its cell)
        dep_cells: dict[str, tuple[int, int]] = {}
        self.all_ids = seen  # every ID in the sheet, kept or dropped, for lookups in other sheets
        if not data_rows:
            self.add(
                "no-initiatives",
                f"{INITIATIVES}!A{header_row + 2}",
                "the sheet has a header but no initiatives",
                "Add one row per initiative below the header",
            )
        nonneg = lambda x: "must not be negative" if x < 0 else None  # noqa: E731
        for r in data_rows:
            row = sheet.rows[r]
            for c, text in enumerate(cols.headers):
                if text and normalize_header(text) not in FIELDS:
                    self.cell_ok(sheet, r, c, text)
            id_c = col["id"]
            raw_id = row[id_c] if self.cell_ok(sheet, r, id_c, "ID") else "?"
            ini_id = "" if raw_id is None else _id_text(raw_id)
            if not ini_id:
                self.add("blank-id", sheet.address(r, id_c), "ID is blank", "Give every initiative a unique ID, e.g. INI-001")
            elif text_key(ini_id) in seen:
                first_id, first_at = seen[text_key(ini_id)]
                same = "" if first_id == ini_id else f" as {first_id!r} (IDs are compared ignoring case and spaces)"
                self.add(
                    "duplicate-id",
                    sheet.address(r, id_c),
                    f"ID {ini_id!r} is already used at {first_at}{same}",
                    "Give every initiative a unique ID",
                    ini_id,
                )
                ini_id = ""  # a duplicate row is dropped: nothing may look it up later
            else:
                seen[text_key(ini_id)] = (ini_id, sheet.address(r, id_c))
            name_c = col["name"]
            name = row[name_c] if self.cell_ok(sheet, r, name_c, "Name") else "?"
            if name is None or not str(name).strip():
                self.add("blank-name", sheet.address(r, name_c), "Name is blank", "Give the initiative a name")
            impact = self.number(sheet, r, col["impact"], "Impact", True)
            probability = self.number(
                sheet, r, col["probability"], "Probability", True,
                lambda p: None if 0 <= p <= 1 else "must be between 0 and 1 (70% is 0.7)",
            )
            ttv = self.number(sheet, r, col["timetovalue"], "Time to value", True, nonneg)
            cost = self.number(sheet, r, col["cost"], "Cost", True, nonneg)
            run_cost = 0.0
            if "runcost" in col:
                run_cost = self.number(sheet, r, col["runcost"], "Run cost", False, nonneg, 0.0)
            depends: list[str] = []
            if "dependson" in col and self.cell_ok(sheet, r, col["dependson"], "Depends on"):
                depends = split_ids(row[col["dependson"]])
                if depends:
                    dep_cells[ini_id] = (r, col["dependson"])
            group = None
            if "exclusivegroup" in col and self.cell_ok(sheet, r, col["exclusivegroup"], "Exclusive group"):
                g = row[col["exclusivegroup"]]
                group = _id_text(g) if g is not None and _id_text(g) else None
                if group is not None:
                    group = self.canonical("Exclusive group", group, sheet.address(r, col["exclusivegroup"]))
            decision = Decision.FREE
            if "decision" in col and self.cell_ok(sheet, r, col["decision"], "Decision"):
                d = row[col["decision"]]
                key = "" if d is None else str(d).strip().casefold()
                if key in DECISIONS:
                    decision = DECISIONS[key]
                else:
                    self.add(
                        "unknown-decision",
                        sheet.address(r, col["decision"]),
                        f"Decision {_show(d)}: must be Must, Exclude or blank",
                        "Use Must to force it in, Exclude to force it out, or leave it blank",
                        d,
                    )
            timing = self.timing(sheet, r, row, col)
            theme = None
            if "theme" in col and row[col["theme"]] is not None:
                theme = _id_text(row[col["theme"]]) or None
                if theme is not None:
                    theme = self.canonical("Theme", theme, sheet.address(r, col["theme"]))
            values = {h: row[c] for c, h in enumerate(cols.headers) if h and c < len(row)}
            if None in (impact, probability, ttv, cost, run_cost) or not ini_id:
                continue
            out.append(
                Initiative(
                    id=ini_id,
                    name=str(name).strip() if name is not None else "",
                    impact=impact,
                    probability=probability,
                    time_to_value=ttv,
                    cost=cost,
                    run_cost=run_cost,
                    depends_on=tuple(dict.fromkeys(depends)),
                    exclusive_group=group,
                    decision=decision,
                    theme=theme,
                    row=r + 1,
                    values=values,
                    **timing,
                )
            )
        out = self.dependencies(sheet, out, seen, dep_cells)
        custom = [h for h in numeric if normalize_header(h) not in FIELDS]
        if custom:  # numbers typed as text ("2", "1,200") count as the numbers they are
            out = [replace(ini, values={**ini.values, **{h: parse_number(ini.values.get(h)) for h in custom}})
                   for ini in out]
        return out, headers, numeric

    def header_typo(self, header: str, named: str, where: str) -> bool:
        """Note that ``where`` names ``named``, close to the Initiatives header ``header``.

        Every such reference to one header is reported once, at the header (see
        :meth:`header_typos`): one misspelling, one problem. False when the Initiatives
        header row cannot be told (the reference is reported where it stands).
        """
        if not getattr(self, "_sheet_cols", None) or normalize_header(header) in FIELDS:
            return False  # a header the tool knows is spelled right: the reference is not
        if difflib.SequenceMatcher(None, header.casefold(), named.casefold()).ratio() < 0.75:
            return False
        self._header_typos.setdefault((header, named.strip()), []).append(where)
        return True

    def header_typos(self) -> None:
        sheet, header_row, cols, _ = self._sheet_cols
        for (header, named), cells in self._header_typos.items():
            c = cols.headers.index(header)
            self.add("misspelled-column", sheet.address(header_row, c),
                     f"the header {header!r} is named {named!r} by {', '.join(cells)}",
                     f"Rename the header to {named!r}, or correct the name where it is used", header)

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

    def period(self, sheet, r, c, value, label) -> int | None | object:
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
        self.add("unknown-period", sheet.address(r, c), f"{label} {_show(value)} is not a period of the plan ({shown})",
                 f"Use a label from {labels[0]} to {labels[-1]}, or a period number 1 to {len(labels)}", value)
        return _INVALID

    def timing(self, sheet, r, row, col) -> dict:
        """Duration, start window and cost profile of one initiative (multi-period plans)."""
        if not self.labels:
            return {}
        out: dict = {}
        if "duration" in col:
            d = self.number(sheet, r, col["duration"], "Duration", False,
                            lambda x: "must be more than 0 months" if x <= 0 else None)
            out["duration"] = d
        for key, attr, label in (("earlieststart", "earliest", "Earliest start"), ("lateststart", "latest", "Latest start")):
            if key in col and self.cell_ok(sheet, r, col[key], label):
                k = self.period(sheet, r, col[key], row[col[key]], label)
                out[attr] = None if k is _INVALID else k
        if out.get("earliest") is not None and out.get("latest") is not None and out["earliest"] > out["latest"]:
            self.add("bad-window", sheet.address(r, col["lateststart"]),
                     f"Latest start {self.labels[out['latest']]} is before Earliest start {self.labels[out['earliest']]}",
                     "Swap them or correct one")
        if "costprofile" in col and row[col["costprofile"]] is not None and self.cell_ok(sheet, r, col["costprofile"], "Cost profile"):
            parts = [p.strip() for p in re.split(r"[,;/]", str(row[col["costprofile"]])) if p.strip()]
            shares = [parse_number(p) for p in parts]
            if not shares or any(x is None or x < 0 for x in shares) or sum(shares) <= 0:
                self.add("bad-cost-profile", sheet.address(r, col["costprofile"]),
                         f"Cost profile {_show(row[col['costprofile']])}: must be shares per build period, e.g. 50%, 30%, 20%",
                         "List one non-negative share per build period, separated by commas")
            else:
                total = sum(shares)
                out["cost_profile"] = tuple(x / total for x in shares)
        profiles = self.profiles(sheet, r, row, col, out.get("duration"))
        if profiles:
            out["profiles"] = profiles
        return out

    def profiles(self, sheet, r, row, col, duration) -> dict[str, tuple[float, ...]]:
        """``<column> profile`` cells: the column's use in each build period, as multipliers
        (``100%, 50%``), not rescaled; blank is flat."""
        out: dict[str, tuple[float, ...]] = {}
        numeric = getattr(self, "_numeric_norm", {})
        for norm, c in col.items():
            if not norm.endswith("profile") or norm == "costprofile" or c >= len(row) or row[c] is None:
                continue
            header = self._sheet_cols[2].headers[c]
            base = norm[: -len("profile")]
            if base not in numeric:
                continue  # the header itself is reported once, in profile_headers
            if not self.cell_ok(sheet, r, c, header):
                continue
            parts = [p.strip() for p in re.split(r"[,;/]", str(row[c])) if p.strip()]
            factors = [parse_number(p) for p in parts]
            if not factors or any(x is None or x < 0 for x in factors):
                self.add("bad-profile", sheet.address(r, c),
                         f"{header} {_show(row[c])}: must be one multiplier per build period, e.g. 100%, 50%",
                         "List one non-negative percentage per build period, separated by commas", row[c])
                continue
            periods = max(1, math.ceil((duration or 0) / self._period_length - 1e-9)) if duration else 1
            if len(factors) != periods:
                fate = "the extra are ignored" if len(factors) > periods else "the periods after them count 100%"
                self.warnings.append(f"{sheet.address(r, c)} {header} has {len(factors)} entries for "
                                     f"{periods} build period{'s' if periods != 1 else ''}: {fate}")
            out[base] = tuple(factors)
        return out

    def profile_headers(self, sheet, header_row, cols, numeric) -> None:
        """A ``<column> profile`` header must name a numeric Initiatives column."""
        self._numeric_norm = {normalize_header(h): h for h in numeric}
        for norm, c in cols.by_norm.items():
            if norm.endswith("profile") and norm != "costprofile" and norm[: -len("profile")] not in self._numeric_norm:
                header = cols.headers[c]
                self.add("unknown-profile-column", sheet.address(header_row, c),
                         f"column {header!r} is a profile of {header[: -len('profile')].strip()!r}, which is not a numeric column of Initiatives",
                         f"Name it after a numeric column, e.g. '{(numeric or ['Data eng FTE'])[0]} profile', or rename it", header)

    def dependencies(self, sheet, initiatives, seen, dep_cells) -> list[Initiative]:
        """Resolve every Depends on to the ID as written in the ID column, and refuse cycles.

        Only the initiatives kept (rows without problems) enter the graph: a reference to a
        row that has its own problem is not looked up again.
        """
        kept = {text_key(ini.id) for ini in initiatives}
        graph: dict[str, tuple[str, ...]] = {}
        resolved: list[Initiative] = []
        for ini in initiatives:
            r, c = dep_cells.get(ini.id, (ini.row - 1, 0))
            deps = tuple(dict.fromkeys(seen[text_key(d)][0] for d in ini.depends_on if text_key(d) in seen))
            resolved.append(replace(ini, depends_on=deps) if deps != ini.depends_on else ini)
            for dep in ini.depends_on:
                if text_key(dep) not in seen:
                    close = difflib.get_close_matches(dep, sorted(v[0] for v in seen.values()), n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    self.add(
                        "unknown-dependency",
                        sheet.address(r, c),
                        f"Depends on names {dep!r}, which is not an ID in the sheet{hint}",
                        "Use IDs from the ID column, separated by commas",
                        dep,
                    )
            graph[ini.id] = tuple(d for d in deps if text_key(d) in kept)
        for cycle in _cycles(graph):
            r, c = dep_cells.get(cycle[0], (0, 0))
            self.add(
                "dependency-cycle",
                sheet.address(r, c),
                f"dependency cycle: {' -> '.join(cycle + [cycle[0]])}",
                "Remove one of these dependencies; an initiative cannot need itself",
                " -> ".join(cycle),
            )
        return resolved

    def settings(self) -> Settings:
        sheet = self.raw.sheet(SETTINGS)
        s = Settings()
        if sheet is None or not sheet.rows:
            return s
        header_row, cols = self.header(sheet, "setting")
        if "setting" not in cols.by_norm or "value" not in cols.by_norm:
            self.add(
                "missing-column",
                f"{SETTINGS}!{header_row + 1}",
                "the Settings sheet needs the columns 'Setting' and 'Value'",
                "Put 'Setting' and 'Value' in the header row",
            )
            return s
        sc, vc = cols.by_norm["setting"], cols.by_norm["value"]
        self._period_length = 3.0  # First period's label depends on it, wherever its row is
        for row in sheet.rows[header_row + 1:]:
            if sc < len(row) and SETTING_NAMES.get(normalize_header(row[sc]), ("",))[0] == "period_length":
                length = parse_number(row[vc] if vc < len(row) else None, amount=False)
                if length is not None and length > 0:
                    self._period_length = length
        changes: dict[str, Any] = {}
        seen: dict[str, str] = {}
        for r in range(header_row + 1, len(sheet.rows)):
            row = sheet.rows[r]
            name = row[sc] if sc < len(row) else None
            if name is None or not str(name).strip():
                if vc < len(row) and row[vc] is not None:
                    self.add("blank-setting", sheet.address(r, sc), "a value has no setting name", "Name the setting or delete the value")
                continue
            norm = normalize_header(name)
            if norm not in SETTING_NAMES:
                known = ", ".join(sorted({label for _, label in SETTING_NAMES.values()}))
                close = difflib.get_close_matches(norm, list(SETTING_NAMES), n=1, cutoff=0.7)
                hint = ""
                if close:
                    attr, label = SETTING_NAMES[close[0]]
                    self.refused_settings.add(attr)
                    hint = f" (did you mean {label!r}?)"
                self.add(
                    "unknown-setting",
                    sheet.address(r, sc),
                    f"Setting {_show(str(name).strip())} is not known{hint}",
                    f"Use one of: {known}",
                    name,
                )
                continue
            attr, label = SETTING_NAMES[norm]
            if attr in seen:
                self.add("duplicate-setting", sheet.address(r, sc), f"{label} is already set at {seen[attr]}", "Keep one of the two rows")
                continue
            seen[attr] = sheet.address(r, vc)
            if not self.cell_ok(sheet, r, vc, label):
                continue
            value = row[vc] if vc < len(row) else None
            parsed = self.setting_value(sheet, r, vc, attr, label, value)
            if parsed is _INVALID:
                self.refused_settings.add(attr)
            else:
                changes[attr] = parsed
                if attr == "budget":
                    changes["budget_source"] = sheet.address(r, vc)
        if changes:
            s = replace(s, **changes)
        return s

    def setting_value(self, sheet, r, c, attr, label, value):
        where = sheet.address(r, c)
        if value is None:  # a blank value means the default, as the template says
            return getattr(Settings(), attr)
        if attr == "currency":
            return "" if value is None else str(value).strip()
        if attr == "first_period":
            label_ = _parse.first_period_label(value, self._period_length)
            if isinstance(label_, _parse.Refusal):
                self.add(label_.code, where, f"First period {_show(value) if not _parse.is_date(value) else _show_date(value)}: "
                         f"{label_.reason}", label_.fix, value)
                return _INVALID
            return label_
        if attr == "timed_dependencies":
            text = "" if value is None else str(value).strip().casefold()
            if text in ("", "timed", "in time", "finish to start", "sequence"):
                return True
            if text in ("together", "selected together", "selection"):
                return False
            self.add("bad-setting", where, f"Dependencies {_show(value)}: must be timed or together",
                     "Use 'timed' (a dependent starts after its prerequisite finishes) or 'together'", value)
            return _INVALID
        if attr == "periods":
            if value is None:
                return None
            number = self.number(sheet, r, c, label, True,
                                 lambda x: None if x >= 1 and float(x).is_integer() and x <= 240 else "must be a whole number from 1 to 240")
            return _INVALID if number is None else int(number)
        if attr == "objective":
            text = "" if value is None else str(value).strip().casefold()
            for o in Objective:
                if text == o.value:
                    return o
            self.add("bad-setting", where, f"Objective {_show(value)}: must be value or npv", "Use 'value' (expected benefit) or 'npv' (benefit minus cost)", value)
            return _INVALID
        if attr == "solver":
            text = "" if value is None else str(value).strip().casefold()
            if text in ("highs", "cbc"):
                return text
            self.add("bad-setting", where, f"Solver {_show(value)}: must be highs or cbc", "Use 'highs' (default) or 'cbc'", value)
            return _INVALID
        checks = {
            "budget": lambda x: "must not be negative" if x < 0 else None,
            "horizon_months": lambda x: "must be more than 0 months" if x <= 0 else None,
            "discount_rate": lambda x: None if 0 <= x <= 1 else "must be between 0 and 1 (10% is 0.1)",
            "time_limit": lambda x: "must be more than 0 seconds" if x <= 0 else None,
            "gap": lambda x: None if 0 <= x < 1 else "must be between 0 and 1 (0.01% is 0.0001)",
            "period_length": lambda x: "must be more than 0 months" if x <= 0 else None,
        }
        number = self.number(sheet, r, c, label, True, checks[attr])
        return _INVALID if number is None else number

    def constraints(self, initiatives, columns, numeric) -> list[Limit]:
        sheet = self.raw.sheet(CONSTRAINTS)
        if sheet is None or not sheet.rows:
            return []
        header_row, cols = self.header(sheet, "column")
        if "column" not in cols.by_norm or not ({"min", "max", "minshare", "maxshare"} & set(cols.by_norm)):
            self.add(
                "missing-column",
                f"{CONSTRAINTS}!{header_row + 1}",
                "the Constraints sheet needs the columns 'Column', 'Scope', 'Min' and 'Max'",
                "Put Column, Scope, Min and Max in the header row (Min share, Max share, Tolerance "
                "and Penalty are optional)",
            )
            return []
        by_norm = {normalize_header(h): h for h in columns}
        numeric_norm = {normalize_header(h): h for h in numeric}
        init_sheet, _, init_cols, data_rows = getattr(self, "_sheet_cols", (None, 0, _Columns(), []))
        out: list[Limit] = []
        cc = cols.by_norm["column"]
        for r in range(header_row + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if all(v is None for v in row):
                continue
            if not all(self.cell_ok(sheet, r, c, cols.headers[c] or "cell") for c in range(len(row)) if c < len(cols.headers)):
                continue
            name = row[cc] if cc < len(row) else None
            if name is None:
                self.add("missing-value", sheet.address(r, cc), "Column is blank", "Name the Initiatives column to limit, or Count")
                continue
            norm = normalize_header(name)
            if norm == "count":
                column = COUNT
            elif norm in numeric_norm:
                column = numeric_norm[norm]
            elif norm in by_norm:
                column = by_norm[norm]
                bad = self._first_text_cell(init_sheet, init_cols, column, data_rows)
                self.add(
                    "not-numeric-column",
                    sheet.address(r, cc),
                    f"Column {_show(str(name))} is not numeric{bad}",
                    "Limit a column that holds numbers, or fix its text cells",
                    name,
                )
                continue
            else:
                close = difflib.get_close_matches(str(name), list(numeric) + [COUNT], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                if close and close[0] != COUNT and self.header_typo(close[0], str(name), sheet.address(r, cc)):
                    continue
                self.add(
                    "unknown-column",
                    sheet.address(r, cc),
                    f"Column {_show(str(name))} is not a column of Initiatives{hint}",
                    f"Use Count or one of the numeric columns: {', '.join(numeric) or 'none'}",
                    name,
                )
                continue
            scope = None
            if "scope" in cols.by_norm:
                sc = cols.by_norm["scope"]
                scope = self.scope(sheet, r, sc, row[sc] if sc < len(row) else None, by_norm, numeric_norm, initiatives)
                if scope is _INVALID:
                    continue
            bounds = self.limit_bounds(sheet, r, row, cols, column)
            if bounds is None:
                continue
            lo, hi, slo, shi, soft = bounds
            periods: list[int | None] = [None]
            if "period" in cols.by_norm and row[cols.by_norm["period"]] is not None:
                pc = cols.by_norm["period"]
                pv = row[pc]
                if not self.labels:
                    self.add("no-periods", sheet.address(r, pc), f"Period {_show(pv)} given, but the plan has no Periods",
                             "Set Periods (and First period) in Settings, or clear the Period cell")
                    continue
                if str(pv).strip().casefold() in ("each", "every", "all periods", "per period"):
                    periods = list(range(len(self.labels)))
                else:
                    k = self.period(sheet, r, pc, pv, "Period")
                    if k is _INVALID:
                        continue
                    periods = [k]
            op = "="
            if scope is not None:
                scope, op = (scope[0], scope[1]), scope[2]
            for p in periods:
                common = dict(column=column, scope=scope, scope_op=op, source=sheet.address(r, cc), period=p,
                              period_label=self.labels[p] if p is not None else "")
                if lo is not None or hi is not None:
                    out.append(Limit(min=lo, max=hi, **common, **soft))
                if slo is not None or shi is not None:
                    out.append(Limit(min=slo, max=shi, share=True, **common))
        # A scenario that names a refused row is not reported again (the row's problem is).
        flagged = [p.where for p in self.problems] + [w for ws in self._header_typos.values() for w in ws]
        bad_rows = {int(m.group(1)) - 1 for where in flagged
                    if (m := re.fullmatch(rf"{re.escape(sheet.name)}![A-Z]+(\d+)", where))}
        for r in bad_rows:
            if r < len(sheet.rows) and cc < len(sheet.rows[r]) and sheet.rows[r][cc] is not None:
                column = str(sheet.rows[r][cc]).strip()
                scope = sheet.rows[r][cols.by_norm["scope"]] if "scope" in cols.by_norm else None
                self.refused_limits.add(_fold_name(column))
                if scope is not None and str(scope).strip().casefold() not in ("", "all"):
                    self.refused_limits.add(_fold_name(f"{column} ({str(scope).strip()})"))
        return out

    def limit_bounds(self, sheet, r, row, cols, column):
        """(Min, Max, Min share, Max share, soft settings) of a Constraints row, or None when
        a cell has a problem (reported)."""
        cell = {}
        ok = True
        for key, label in (("min", "Min"), ("max", "Max"), ("minshare", "Min share"), ("maxshare", "Max share"),
                           ("tolerance", "Tolerance"), ("penalty", "Penalty")):
            if key not in cols.by_norm:
                cell[key] = None
                continue
            c = cols.by_norm[key]
            share = key.endswith("share")
            check = (lambda x: "must be a share from 0% to 100%, e.g. 20%" if not 0 <= x <= 1 else None) if share \
                else (lambda x, label=label: f"{label} must not be negative" if x < 0 else None) \
                if key in ("tolerance", "penalty") else None
            cell[key] = self.number(sheet, r, c, label, False, check, amount=key == "penalty")
            ok &= not (cell[key] is None and c < len(row) and row[c] is not None)
        if not ok:
            return None
        lo, hi, slo, shi = cell["min"], cell["max"], cell["minshare"], cell["maxshare"]
        cc = cols.by_norm["column"]
        if lo is None and hi is None and slo is None and shi is None:
            self.add("no-bounds", sheet.address(r, cc), f"the limit on {column} has neither Min nor Max",
                     "Enter a Min, a Max or both (or a Min share or Max share)")
            return None
        for a, b, key, label in ((lo, hi, "min", "Min"), (slo, shi, "minshare", "Min share")):
            if a is not None and b is not None and a > b:
                shown = (lambda x: f"{x:.0%}") if key == "minshare" else _show
                self.add("min-above-max", sheet.address(r, cols.by_norm[key]),
                         f"{label} {shown(a)} is above {label.replace('Min', 'Max')} {shown(b)}", "Swap them or correct one")
                return None
        soft: dict = {}
        tol = cell["tolerance"]
        if tol is not None and tol > 0:
            tc = cols.by_norm["tolerance"]
            if lo is None and hi is None:
                self.add("tolerance-on-share", sheet.address(r, tc),
                         f"Tolerance {_show(row[tc])} on a row with only a share: a share limit is kept exactly",
                         "Put the Tolerance on a row with a Min or Max, or clear it")
                return None
            soft = dict(tolerance=tol, tolerance_percent=_percent(sheet, r, tc), penalty=cell["penalty"] or 0.0)
        elif cell["penalty"]:
            self.warnings.append(f"{sheet.address(r, cols.by_norm['penalty'])} Penalty without a Tolerance: "
                                 "the limit is hard, so the penalty never applies")
        return lo, hi, slo, shi, soft

    def _first_text_cell(self, sheet, cols, column, data_rows) -> str:
        if sheet is None:
            return ""
        c = cols.headers.index(column)
        for r in data_rows:
            v = sheet.rows[r][c]
            if v is not None and parse_number(v) is None:
                return f": {sheet.address(r, c)} holds {_show(v)}"
        return ""

    def scope(self, sheet, r, c, value, by_norm, numeric_norm, initiatives):
        """(column, value, operator) of a Scope cell, None for All, _INVALID (reported)."""
        if value is None or str(value).strip().casefold() in ("", "all"):
            return None
        text = str(value).strip()
        m = re.match(r"^(.*?)(<=|>=|<|>|=)(.*)$", text)
        if m is None:
            self.add(
                "bad-scope",
                sheet.address(r, c),
                f"Scope {_show(text)}: must be All, <column>=<value> or a comparison such as Probability<0.5",
                "Write e.g. Theme=Retention, Probability<0.5, or All",
                value,
            )
            return _INVALID
        left, op, right = m.group(1).strip(), m.group(2), m.group(3).strip()
        norm = normalize_header(left)
        if norm not in by_norm:
            close = difflib.get_close_matches(left, list(by_norm.values()), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if close and self.header_typo(close[0], left, sheet.address(r, c)):
                return _INVALID
            self.add(
                "unknown-column",
                sheet.address(r, c),
                f"Scope {_show(text)}: {left!r} is not a column of Initiatives{hint}",
                "Use a column header from the Initiatives sheet",
                value,
            )
            return _INVALID
        column = by_norm[norm]
        wanted: Any = right
        number = parse_number(right) if right else None
        if op != "=" and (norm not in numeric_norm or number is None):
            what = f"{column!r} is not a numeric column" if norm not in numeric_norm else f"{right!r} is not a number"
            self.add("bad-scope", sheet.address(r, c),
                     f"Scope {_show(text)}: {op} compares numbers, and {what}",
                     "Compare a numeric column with a number (e.g. Probability<0.5), or use = for text", value)
            return _INVALID
        if norm in numeric_norm and number is not None:
            wanted = number
        limit = Limit(column="Count", scope=(column, wanted), scope_op=op)
        if initiatives and not any(limit.applies_to(ini) for ini in initiatives):
            self.warnings.append(f"{sheet.address(r, c)} Scope {text} matches no initiative")
        return (column, wanted, op)


    # -- plans marked by hand, and scenarios

    def selection(self, sheet: RawSheet, initiatives: list[Initiative]) -> tuple[str, ...] | None:
        """IDs marked in a ``Selected`` column of Initiatives (or of a results workbook's Ranking)."""
        source = sheet
        header_row, cols = self.header(sheet, "id")
        if "selected" not in cols.by_norm:
            ranking = self.raw.sheet("Ranking")
            if ranking is None:
                return None
            header_row, cols = self.header(ranking, "id")
            if "selected" not in cols.by_norm or "id" not in cols.by_norm:
                return None
            source = ranking
        sc, ic = cols.by_norm["selected"], cols.by_norm["id"]
        known = {text_key(i.id): i.id for i in initiatives}
        chosen = []
        for r in range(header_row + 1, len(source.rows)):
            row = source.rows[r]
            if all(v is None for v in row):
                continue
            raw_id = row[ic] if ic < len(row) else None
            value = row[sc] if sc < len(row) else None
            flag = _truthy(value)
            if flag is None:
                self.add(
                    "bad-selected",
                    source.address(r, sc),
                    f"Selected {_show(value)}: must be Yes/No, 1/0, x or blank",
                    "Mark selected initiatives with Yes (or 1, x) and leave the rest blank or No",
                    value,
                )
                continue
            if flag and raw_id is not None:
                ini_id = known.get(text_key(_id_text(raw_id)))
                if ini_id is not None:
                    chosen.append(ini_id)
        return tuple(chosen)

    def scenarios(self, ids: dict[str, str], limits: list[Limit], settings: Settings) -> list[Scenario]:
        sheet = self.raw.sheet(SCENARIOS)
        if sheet is None or not sheet.rows:
            return []
        header_row, cols = self.header(sheet, "scenario")
        if "scenario" not in cols.by_norm:
            self.add("missing-column", f"Scenarios!{header_row + 1}", "the Scenarios sheet needs a 'Scenario' column (the name)",
                     "Put 'Scenario' in the header row, one scenario per row below")
            return []
        # a limit by its full name (``Data eng FTE [2027-Q2]``), or a per-period limit's base name
        # for every period at once (``Data eng FTE``)
        fold = _fold_name

        limit_names: dict[str, tuple[tuple[int, ...], Limit]] = {}
        for k, lim in enumerate(limits):  # names first: they are unique
            limit_names[fold(lim.name)] = ((k,), lim)
        exact = set(limit_names)
        for k, lim in enumerate(limits):
            keys = []
            if lim.period is not None:  # every period of its row, and of every row on its column
                keys.append(fold(lim.family))
                keys.append(fold(lim.name.split(" [", 1)[0]))
                # "Cost [2027-Q2]" for a row of every quarter whose name says "each quarter"
                keys.append(fold(f"{lim.name.split(' [', 1)[0]} [{lim.period_label}]"))
            for key in dict.fromkeys(keys):
                if key in exact:
                    continue
                ks, first = limit_names.get(key, ((), lim))
                limit_names[key] = (ks + (k,), first)
        known_settings = {k: v for k, v in SETTING_NAMES.items() if v[0] != "budget"}
        parsers: dict[int, tuple[str, Any]] = {}
        for c, text in enumerate(cols.headers):
            if not text:
                continue
            norm = normalize_header(text)
            low = text.strip().casefold()
            if norm in ("scenario", "description", "notes", "note", "comment"):
                continue
            if norm in ("budget", "budgetchange", "forcein", "forceout"):
                parsers[c] = (norm, None)
            elif norm in known_settings:
                parsers[c] = ("setting", known_settings[norm])
            elif low.startswith(("max:", "min:", "change:", "max share:", "min share:", "tolerance:")):
                kind, _, name = text.partition(":")
                kind = kind.strip().casefold()
                if kind.endswith("share"):  # the share limit of the row named
                    match = limit_names.get(fold(name + " share"))
                    if match is None and fold(name).endswith(" share"):
                        match = limit_names.get(fold(name))
                    kind = kind.split()[0]
                else:
                    match = limit_names.get(fold(name))
                if kind == "tolerance" and match is not None and any(limits[k].share for k in match[0]):
                    match = None  # a share limit is kept exactly: it has no tolerance
                if match is None and (fold(name) in self.refused_limits or
                                      ("[" in name and self.refused_settings & {"first_period", "period_length", "periods"})):
                    continue  # its Constraints row (or the period labels) has a problem, reported there
                if match is None:
                    names = ", ".join(lim.name for lim in limits) or "none"
                    self.add("unknown-limit", sheet.address(header_row, c),
                             f"column {text!r} names no limit of the Constraints sheet",
                             f"Write Max:, Min:, Change:, Max share:, Min share: or Tolerance: followed by one of: {names}",
                             text)
                    continue
                parsers[c] = ("limit_" + kind, match)
            else:
                self.add("unknown-scenario-column", sheet.address(header_row, c),
                         f"column {text!r} is not a scenario input",
                         "Use Budget, Budget change, Force in, Force out, a Settings name "
                         "(e.g. Discount rate), or Max:/Min:/Change:/Max share:/Min share:/Tolerance: "
                         "followed by a limit name", text)
        out: list[Scenario] = []
        names_seen: dict[str, str] = {}
        nc = cols.by_norm["scenario"]
        for r in range(header_row + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if all(v is None for v in row):
                continue
            name = row[nc] if nc < len(row) else None
            if name is None or not str(name).strip():
                self.add("blank-scenario", sheet.address(r, nc), "the scenario has no name", "Name every scenario")
                continue
            name = str(name).strip()
            if name.casefold() in names_seen or name.casefold() == "baseline":
                self.add("duplicate-scenario", sheet.address(r, nc), f"scenario {name!r} is named twice (or 'Baseline')",
                         "Give every scenario its own name; the workbook as it stands is the Baseline")
                continue
            names_seen[name.casefold()] = sheet.address(r, nc)
            changes: list[Change] = []
            for c, (kind, extra) in parsers.items():
                value = row[c] if c < len(row) else None
                if value is None or not self.cell_ok(sheet, r, c, cols.headers[c]):
                    continue
                changes.extend(self.scenario_change(sheet, r, c, kind, extra, value, ids, cols.headers[c]))
            kinds = {ch.kind for ch in changes}
            if {"budget", "budget_change"} <= kinds:
                self.add("conflicting-budget", sheet.address(r, nc), f"scenario {name!r} sets both Budget and Budget change",
                         "Give one of the two")
            if "budget_change" in kinds and settings.budget is None and "budget" not in self.refused_settings:
                self.add("no-budget", sheet.address(r, nc), f"scenario {name!r} changes a budget the plan does not set",
                         "Set a Budget in Settings, or give the scenario a Budget instead")
            out.append(Scenario(name, tuple(changes), sheet.address(r, nc)))
        return out

    def scenario_change(self, sheet, r, c, kind, extra, value, ids, header) -> list[Change]:
        where = sheet.address(r, c)
        if kind in ("forcein", "forceout"):
            out = []
            for written in split_ids(value):
                ini_id = ids.get(text_key(written), written)
                if self.rows_unread:
                    continue  # the Initiatives rows could not be read: no ID can be checked
                if text_key(written) not in ids:
                    close = difflib.get_close_matches(ini_id, sorted(ids.values()), n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
                    self.add("unknown-id", where, f"{'Force in' if kind == 'forcein' else 'Force out'} names {ini_id!r}, which is not an ID{hint}",
                             "Use IDs from the Initiatives sheet, separated by commas", ini_id)
                    continue
                label = f"{'Force in' if kind == 'forcein' else 'Force out'} {ini_id}"
                out.append(Change("force_in" if kind == "forcein" else "force_out", None, label, ini_id, where))
            return out
        if kind == "setting":
            attr, label = extra
            parsed = self.setting_value(sheet, r, c, attr, label, value)
            if parsed is _INVALID:
                return []
            shown = parsed.value if isinstance(parsed, Objective) else (f"{parsed:.4g}" if isinstance(parsed, float) else parsed)
            if attr == "discount_rate":
                shown = f"{parsed:.4g}".rstrip() if parsed >= 1 else f"{parsed:.1%}".replace(".0%", "%")
            return [Change("setting", parsed, f"{label} {shown}", attr, where)]
        number = self.number(sheet, r, c, header, True, amount=kind in ("budget", "limit_max", "limit_min"))
        if number is None:
            return []
        if kind == "budget":
            if number < 0:
                self.add("out-of-range", where, f"Budget {_show(number)}: must not be negative", "")
                return []
            return [Change("budget", number, f"Budget {number:,.0f}", None, where)]
        if kind == "budgetchange":
            if number <= -1:
                self.add("out-of-range", where, f"Budget change {_show(value)}: must be above -100%", "Write e.g. -15% or 0.1")
                return []
            return [Change("budget_change", number, f"Budget change {number:+.0%}", None, where)]
        ks, lim = extra
        name = header.split(":", 1)[1].strip()
        if kind == "limit_tolerance":
            if number < 0:
                self.add("out-of-range", where, f"{header} {_show(value)}: must not be negative", "")
                return []
            percent = _percent(sheet, r, c)
            shown = f"{number:.0%}" if percent else _show(number)
            return [Change("limit_tolerance", (number, percent), f"Tolerance {name} {shown}", ks, where)]
        if lim.share:
            if not 0 <= number <= 1:
                self.add("out-of-range", where, f"{header} {_show(value)}: must be a share from 0% to 100%, e.g. 20%", "")
                return []
            side = "Max" if kind == "limit_max" else "Min"
            return [Change(kind, number, f"{side} share {name} {number:.0%}", ks, where)]
        if kind == "limit_change":
            return [Change("limit_change", number, f"{name} change {number:+.0%}", ks, where)]
        side = "Max" if kind == "limit_max" else "Min"
        return [Change(kind, number, f"{side} {name} {_show(number)}", ks, where)]


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


_INVALID = object()


def _table(sheet: RawSheet) -> Table:
    return Table(name=sheet.name, rows=tuple(sheet.rows), number_formats=tuple(sheet.number_formats))


def _cycles(graph: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """One cycle per strongly connected knot, each starting at its first ID in sheet order."""
    order = {node: k for k, node in enumerate(graph)}
    WHITE, GREY, BLACK = 0, 1, 2
    colour = {node: WHITE for node in graph}
    cycles: list[list[str]] = []
    for start in graph:
        if colour[start] != WHITE:
            continue
        stack = [(start, iter(graph[start]))]
        path = [start]
        colour[start] = GREY
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = BLACK
                stack.pop()
                path.pop()
                continue
            if colour[nxt] == GREY:
                cycle = path[path.index(nxt):]
                k = min(range(len(cycle)), key=lambda i: order[cycle[i]])
                cycles.append(cycle[k:] + cycle[:k])
            elif colour[nxt] == WHITE:
                colour[nxt] = GREY
                stack.append((nxt, iter(graph[nxt])))
                path.append(nxt)
    return cycles
