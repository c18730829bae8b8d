"""The Initiatives sheet: one row per initiative, its timing in multi-period plans, its
dependencies (cycles refused), and a Selected column marking a hand-made plan."""

from __future__ import annotations

import math
from dataclasses import replace

from portfolio_opt.core.lifecycle import months_between, parse_stage, parse_when
from portfolio_opt.model.ids import did_you_mean
from portfolio_opt.model.layout import INITIATIVES, OUTPUT, RANKING, WHATIF
from portfolio_opt.model.plan import Decision, Initiative, Stage, normalize_header, text_key
from portfolio_opt.workbook.parse import MAX_MAGNITUDE, Refusal, parse_list
from portfolio_opt.workbook.raw import RawSheet
from portfolio_opt.workbook.validate.problems import (
    _INVALID,
    _PLAIN,
    KNOWN_FIELDS,
    Collector,
    SheetContext,
    _Columns,
    _id_text,
    _show,
    _truthy,
    _unit_of,
    closest_header,
    parse_number,
    split_ids,
)

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
    "impactlow": "impact_low",
    "impacthigh": "impact_high",
    "costhigh": "cost_high",
    "timetovaluehigh": "time_to_value_high",
    "riskgroup": "risk_group",
    "status": "status",
    "spenttodate": "spent",
    "remainingcost": "remaining_cost",
    "stopcost": "stop_cost",
    "retirecost": "retire_cost",
    "actualvaluetodate": "actual_value",
    "started": "started",
    "livesince": "live_since",
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

KNOWN_FIELDS.update(FIELDS)


class InitiativesSheet:
    """Reads the Initiatives sheet (and a Selected column, here or in a results Ranking)."""

    def __init__(self, c: Collector, ctx: SheetContext):
        self.c, self.ctx = c, ctx
        #: starts edited in a results workbook's ``Your start``: ID -> (0-based period, its cell)
        self.starts: dict[str, tuple[int, str]] = {}
        self._headed: list[tuple[int, str]] = []  #: the columns with a header: (column, header)
        self._custom: list[str] = []  #: the numeric columns the tool does not read itself

    def read(self, sheet: RawSheet) -> tuple[list[Initiative], list[str], list[str]]:
        """The Initiatives rows as initiatives, with the sheet's headers and its numeric columns;
        every problem with a row or column is added to the collector at its cell."""
        header_row, cols = self.c.header(sheet, "id")
        missing = self._missing_columns(sheet, header_row, cols)
        data_rows = _data_rows(sheet, header_row)
        numeric = _numeric_columns(sheet, cols, data_rows)
        self.c.initiatives_sheet = (sheet, header_row, cols, data_rows)
        if self.ctx.labels:
            self.profile_headers(sheet, header_row, cols, numeric)
        headers = [h for h in cols.headers if h]
        if missing:
            # The other sheets are still checked against the columns there are, but nothing
            # that names an initiative is: the rows could not be read.
            self.ctx.rows_unread = True
            return [], headers, numeric
        self._warn_headerless(sheet, header_row, cols)
        seen: dict[str, tuple[str, str]] = {}  #: ID key -> (the ID as written first, its cell)
        dep_cells: dict[str, tuple[int, int]] = {}
        self.ctx.all_ids = seen  # every ID in the sheet, kept or dropped, for lookups in other sheets
        if not data_rows:
            self.c.add(
                "no-initiatives",
                f"{INITIATIVES}!A{header_row + 2}",
                "the sheet has a header but no initiatives",
                "Add one row per initiative below the header",
            )
        out = self._rows(sheet, cols, data_rows, seen, dep_cells, numeric)
        out = self.dependencies(sheet, out, seen, dep_cells)
        return _without_done_prerequisites(out), headers, numeric

    def _missing_columns(self, sheet: RawSheet, header_row: int, cols: _Columns) -> list[str]:
        """The required columns the header row lacks, each reported (at a header that looks
        like a misspelling of it, if one does)."""
        missing = [key for key in REQUIRED if key not in cols.by_norm]
        unknown = [h for h in cols.headers if h and normalize_header(h) not in FIELDS]
        for key in missing:
            label = REQUIRED_LABELS[key]
            # headers are matched as read, without case, spaces or a (unit): "Time to valeu
            # (months)" is a misspelling of Time to value as much as "Time to valeu" is
            typo = closest_header(label, unknown, cutoff=0.7)
            if typo:
                self.c.renamed[typo] = label
                self.c.add(
                    "missing-column",
                    sheet.address(header_row, cols.headers.index(typo)),
                    f"required column {label!r} is missing; the header {typo!r} looks like a misspelling of it",
                    f"Rename the header {typo!r} to {label + _unit_of(typo)!r}",
                    typo,
                )
            else:
                self.c.add(
                    "missing-column",
                    f"{INITIATIVES}!{header_row + 1}",
                    f"required column {label!r} is missing "
                    f"(headers: {', '.join(h for h in cols.headers if h) or 'none'})",
                    f"Add a column headed {label!r} to the header row",
                )
        return missing

    def _warn_headerless(self, sheet: RawSheet, header_row: int, cols: _Columns) -> None:
        """Warn of every column that holds cells below a blank header: they are not read."""
        for c, text in enumerate(cols.headers):
            if not text and any(
                r < len(sheet.rows) and c < len(sheet.rows[r]) and sheet.rows[r][c] is not None
                for r in range(header_row + 1, len(sheet.rows))
            ):
                self.c.warnings.append(f"{sheet.address(header_row, c)} has no header: the cells below it are ignored")

    def _rows(
        self, sheet: RawSheet, cols: _Columns, data_rows: list[int], seen: dict, dep_cells: dict, numeric: list[str]
    ) -> list[Initiative]:
        """Every data row that reads without a problem, as an initiative (the others reported).

        An initiative's ``values`` hold every cell by header, the numbers typed as text ("2",
        "1,200") in the sheet's own numeric columns read as the numbers they are."""
        # the other columns are carried through: only error values and uncalculated formulas count
        carried = [(c, text) for c, text in enumerate(cols.headers) if text and normalize_header(text) not in FIELDS]
        odd_rows = {r for r, _ in sheet.uncalculated} | {r for r, _ in sheet.errors}
        # worked out once for the sheet, not once a row: the headered columns, and the numeric
        # columns the tool does not read itself (their values are kept as numbers)
        self._headed = [(c, h) for c, h in enumerate(cols.headers) if h]
        self._custom = [h for h in numeric if normalize_header(h) not in FIELDS]
        out: list[Initiative] = []
        for r in data_rows:
            if r in odd_rows:
                for c, text in carried:
                    self.c.cell_ok(sheet, r, c, text)
            ini = self._initiative(sheet, r, cols, seen, dep_cells)
            if ini is not None:
                out.append(ini)
        return out

    def _values(self, row: tuple) -> dict:
        """A row's cells by header, the sheet's own numeric columns as numbers."""
        width = len(row)
        values = {h: row[c] for c, h in self._headed if c < width}
        for h in self._custom:
            values[h] = parse_number(values.get(h))
        return values

    def _initiative(self, sheet: RawSheet, r: int, cols: _Columns, seen: dict, dep_cells: dict) -> Initiative | None:
        """One row as an initiative, or None when a cell of it has a problem (reported).

        Its ID goes into ``seen`` and the cell of its Depends on into ``dep_cells``, for the
        dependencies to be resolved once every row is read.
        """
        row, col = sheet.rows[r], cols.by_norm
        ini_id = self._id(sheet, r, row, col["id"], seen)
        name = row[col["name"]] if self.c.cell_ok(sheet, r, col["name"], "Name") else "?"
        if name is None or not str(name).strip():
            self.c.add("blank-name", sheet.address(r, col["name"]), "Name is blank", "Give the initiative a name")
        stage = self.stage(sheet, r, row, col)
        figures = self._figures(sheet, r, col, stage)
        depends = self._depends_on(sheet, r, row, col)
        if depends:
            dep_cells[ini_id] = (r, col["dependson"])
        group = self._exclusive_group(sheet, r, row, col)
        decision = self._decision(sheet, r, row, col)
        impact, cost, ttv = figures["impact"], figures["cost"], figures["time_to_value"]
        timing = self.timing(sheet, r, row, col)
        ranges = self.ranges(sheet, r, row, col, impact, cost, ttv)
        review = self.review(sheet, r, row, col, stage, cost, ttv)
        theme = self._theme(sheet, r, row, col)
        if review is None or None in (*figures.values(), stage) or not ini_id:
            return None
        review_decision, window = review.pop("decision", None), review.pop("window", None)
        if window is not None:
            timing.update(window)
        fields = dict(
            id=ini_id,
            name=str(name).strip() if name is not None else "",
            **figures,
            depends_on=tuple(dict.fromkeys(depends)),
            exclusive_group=group,
            decision=decision if review_decision is None else review_decision,
            theme=theme,
            row=r + 1,
            values=self._values(row),
        )
        fields.update(timing)
        fields.update(ranges)
        fields.update(review)  # a review's status turns Cost and Time to value into what is left
        return Initiative(**fields)

    def _id(self, sheet: RawSheet, r: int, row: tuple, c: int, seen: dict[str, tuple[str, str]]) -> str:
        """The row's ID, recorded in ``seen``; "" when it is blank or repeats an earlier one (reported)."""
        raw_id = row[c] if self.c.cell_ok(sheet, r, c, "ID") else "?"
        ini_id = "" if raw_id is None else _id_text(raw_id)
        if not ini_id:
            self.c.add(
                "blank-id", sheet.address(r, c), "ID is blank", "Give every initiative a unique ID, e.g. INI-001"
            )
            return ""
        key = text_key(ini_id)
        if key in seen:
            first_id, first_at = seen[key]
            same = "" if first_id == ini_id else f" as {first_id!r} (IDs are compared ignoring case and spaces)"
            self.c.add(
                "duplicate-id",
                sheet.address(r, c),
                f"ID {ini_id!r} is already used at {first_at}{same}",
                "Give every initiative a unique ID",
                ini_id,
            )
            return ""  # a duplicate row is dropped: nothing may look it up later
        seen[key] = (ini_id, sheet.address(r, c))
        return ini_id

    def _figures(self, sheet: RawSheet, r: int, col: dict[str, int], stage: Stage | None) -> dict:
        """Impact, Probability, Time to value, Cost and Run cost of a row, each None when refused
        (a Live initiative's Probability may be blank: it has arrived)."""
        nonneg = lambda x: "must not be negative" if x < 0 else None  # noqa: E731
        live = stage is Stage.LIVE
        out = {
            "impact": self.c.number(sheet, r, col["impact"], "Impact", True),
            "probability": self.c.number(
                sheet,
                r,
                col["probability"],
                "Probability",
                not live,
                lambda p: None if 0 <= p <= 1 else "must be between 0 and 1 (70% is 0.7)",
                1.0 if live else None,
            ),
            "time_to_value": self.c.number(sheet, r, col["timetovalue"], "Time to value", True, nonneg),
            "cost": self.c.number(sheet, r, col["cost"], "Cost", True, nonneg),
            "run_cost": 0.0,
        }
        if "runcost" in col:
            out["run_cost"] = self.c.number(sheet, r, col["runcost"], "Run cost", False, nonneg, 0.0)
        return out

    def _depends_on(self, sheet: RawSheet, r: int, row: tuple, col: dict[str, int]) -> list[str]:
        """The IDs a row's Depends on names, as written (resolved in :meth:`dependencies`)."""
        if "dependson" in col and self.c.cell_ok(sheet, r, col["dependson"], "Depends on"):
            return split_ids(row[col["dependson"]])
        return []

    def _exclusive_group(self, sheet: RawSheet, r: int, row: tuple, col: dict[str, int]) -> str | None:
        """A row's Exclusive group, spelled as where the group first appears; None when blank."""
        if "exclusivegroup" not in col or not self.c.cell_ok(sheet, r, col["exclusivegroup"], "Exclusive group"):
            return None
        g = row[col["exclusivegroup"]]
        group = _id_text(g) if g is not None and _id_text(g) else None
        if group is None:
            return None
        return self.c.canonical("Exclusive group", group, sheet.address(r, col["exclusivegroup"]))

    def _decision(self, sheet: RawSheet, r: int, row: tuple, col: dict[str, int]) -> Decision:
        """A row's Decision (Must, Exclude, or free when blank); an unknown word is reported."""
        if "decision" not in col or not self.c.cell_ok(sheet, r, col["decision"], "Decision"):
            return Decision.FREE
        d = row[col["decision"]]
        key = "" if d is None else str(d).strip().casefold()
        if key in DECISIONS:
            return DECISIONS[key]
        self.c.add(
            "unknown-decision",
            sheet.address(r, col["decision"]),
            f"Decision {_show(d)}: must be Must, Exclude or blank",
            "Use Must to force it in, Exclude to force it out, or leave it blank",
            d,
        )
        return Decision.FREE

    def _theme(self, sheet: RawSheet, r: int, row: tuple, col: dict[str, int]) -> str | None:
        """A row's Theme, spelled as where the theme first appears; None when blank."""
        if "theme" not in col or row[col["theme"]] is None:
            return None
        theme = _id_text(row[col["theme"]]) or None
        if theme is None:
            return None
        return self.c.canonical("Theme", theme, sheet.address(r, col["theme"]))

    def stage(self, sheet, r, row, col):
        """The Status cell (Proposed when there is none); None when it cannot be read."""
        if "status" not in col or not self.c.cell_ok(sheet, r, col["status"], "Status"):
            return Stage.PROPOSED
        value = row[col["status"]]
        stage = parse_stage(value)
        if stage is None:
            self.c.add(
                "bad-status",
                sheet.address(r, col["status"]),
                f"Status {_show(value)}: must be Proposed, In progress, Live, Done or Stopped",
                "Use one of those, or leave it blank for Proposed",
                value,
            )
        return stage

    def review(self, sheet, r, row, col, stage, cost, ttv) -> dict | None:
        """The quarterly review's fields of one row, and what its status makes of its Cost and
        Time to value (see :mod:`portfolio_opt.core.lifecycle`); None when a cell was refused."""
        if stage is None:
            return None
        amounts, amounts_ok = self._review_amounts(sheet, r, row, col)
        months, dates_ok = self._months_to_review(sheet, r, row, col)
        spent = amounts.get("spenttodate") or 0.0
        spent_ok = True
        if cost is not None and spent > cost + 1e-9 and amounts.get("remainingcost") is None:
            self.c.add(
                "spent-above-cost",
                sheet.address(r, col["spenttodate"]),
                f"Spent to date {_show(spent)} is above Cost {_show(cost)}",
                "Raise Cost to what it will cost in all, or give the Remaining cost",
                spent,
            )
            spent_ok = False
        if not (amounts_ok and dates_ok and spent_ok):
            return None
        if cost is None or ttv is None:
            return {}
        return self._status_fields(stage, "status" in col, amounts, months, spent, cost, ttv)

    def _review_amounts(self, sheet, r, row, col) -> tuple[dict[str, float | None], bool]:
        """A row's review amounts (Spent to date, Remaining, Stop and Retire cost, Actual value
        to date) by key, and False when one was refused (reported)."""
        nonneg = lambda x: "must not be negative" if x < 0 else None  # noqa: E731
        amounts = {}
        ok = True
        for key, label in (
            ("spenttodate", "Spent to date"),
            ("remainingcost", "Remaining cost"),
            ("stopcost", "Stop cost"),
            ("retirecost", "Retire cost"),
            ("actualvaluetodate", "Actual value to date"),
        ):
            if key in col:
                x = self.c.number(
                    sheet, r, col[key], label, False, nonneg if key != "actualvaluetodate" else None, amount=True
                )
                if x is None and row[col[key]] is not None:
                    ok = False
                amounts[key] = x
        return amounts, ok

    def _months_to_review(self, sheet, r, row, col) -> tuple[dict[str, float], bool]:
        """The months from a row's Started and Live since to the Review date, by key, and False
        when a date was refused (reported). Without a Review date there are none: the first
        cell that needs one is noted, for the problem to name it."""
        months = {}
        ok = True
        review_date = self.ctx.review_date
        for key, label in (("started", "Started"), ("livesince", "Live since")):
            if key not in col or row[col[key]] is None or not self.c.cell_ok(sheet, r, col[key], label):
                continue
            value = row[col[key]]
            date = parse_when(value)
            if date is None:
                self.c.add(
                    "bad-date",
                    sheet.address(r, col[key]),
                    f"{label} {_show(value)}: must be a date or a period label such as 2027-Q1 or 2027-03",
                    "Enter a date (2027-01-15), a quarter (2027-Q1) or a month (2027-01)",
                    value,
                )
                ok = False
                continue
            if review_date is None:
                self.ctx.review_date_needed = self.ctx.review_date_needed or sheet.address(r, col[key])
                continue
            if date > review_date:
                self.c.add(
                    "after-review",
                    sheet.address(r, col[key]),
                    f"{label} {date.isoformat()} is after the review date {review_date.isoformat()}",
                    f"Correct {label}, or the Review date in Settings",
                    value,
                )
                ok = False
                continue
            months[key] = months_between(date, review_date)
        return months, ok

    def _status_fields(self, stage, has_status, amounts, months, spent, cost, ttv) -> dict:
        """The review's fields of a row that reads, with what its status makes of it: an
        initiative in progress costs what is left and its value comes sooner, a live one costs
        nothing more, a done or stopped one is out; one that is running starts now."""
        out: dict = {
            "status": stage if stage is not Stage.PROPOSED or has_status else None,
            "spent": spent,
            "actual_value": amounts.get("actualvaluetodate"),
            "planned_time_to_value": ttv,
            "months_since_start": months.get("started"),
            "months_live": months.get("livesince"),
            "decision": None,
            "window": None,
        }
        if stage is Stage.IN_PROGRESS:
            remaining = amounts.get("remainingcost")
            out["cost"] = max(0.0, cost - spent) if remaining is None else remaining
            out["out_cost"] = amounts.get("stopcost") or 0.0
            out["time_to_value"] = max(0.0, ttv - (months.get("started") or 0.0))
        elif stage is Stage.LIVE:
            out["cost"] = 0.0
            out["out_cost"] = amounts.get("retirecost") or 0.0
            out["time_to_value"] = 0.0
        elif stage in (Stage.DONE, Stage.STOPPED):
            out["decision"] = Decision.EXCLUDE
        if stage in (Stage.IN_PROGRESS, Stage.LIVE) and self.ctx.labels:
            out["window"] = {"earliest": 0, "latest": 0}  # it is running now
        return out

    def ranges(self, sheet, r, row, col, impact, cost, ttv) -> dict:
        """Risk inputs: the Impact's range around it, the Cost if it overruns, the latest Time
        to value, and the risk group. A range must hold the figure it is around."""
        out: dict = {}
        nonneg = lambda x: "must not be negative" if x < 0 else None  # noqa: E731
        specs = (
            ("impactlow", "impact_low", "Impact low", None, impact, "below", "Impact"),
            ("impacthigh", "impact_high", "Impact high", None, impact, "above", "Impact"),
            ("costhigh", "cost_high", "Cost high", nonneg, cost, "above", "Cost"),
            ("timetovaluehigh", "time_to_value_high", "Time to value high", nonneg, ttv, "above", "Time to value"),
        )
        for key, attr, label, check, base, side, base_label in specs:
            if key not in col:
                continue
            x = self.c.number(sheet, r, col[key], label, False, check)
            if x is None:
                continue
            if base is not None and ((side == "below" and x > base) or (side == "above" and x < base)):
                where = "below" if side == "above" else "above"
                self.c.add(
                    "bad-range",
                    sheet.address(r, col[key]),
                    f"{label} {_show(x)} is {where} {base_label} {_show(base)}: a range must hold the "
                    f"most likely value",
                    f"Make {label} {'at least' if side == 'above' else 'at most'} "
                    f"{base_label}, or leave it blank for no range",
                    x,
                )
                continue
            out[attr] = x
        low, high = out.get("impact_low"), out.get("impact_high")
        if low is not None and high is not None and low > high:  # (only when Impact itself was refused)
            self.c.add(
                "bad-range",
                sheet.address(r, col["impactlow"]),
                f"Impact low {_show(low)} is above Impact high {_show(high)}",
                "Swap them",
                low,
            )
        if (
            "riskgroup" in col
            and row[col["riskgroup"]] is not None
            and self.c.cell_ok(sheet, r, col["riskgroup"], "Risk group")
        ):
            g = _id_text(row[col["riskgroup"]])
            if g:
                out["risk_group"] = self.c.canonical("Risk group", g, sheet.address(r, col["riskgroup"]))
        return out

    def timing(self, sheet, r, row, col) -> dict:
        """Duration, start window and cost profile of one initiative (multi-period plans)."""
        if not self.ctx.labels:
            return {}
        out: dict = {}
        if "duration" in col:
            d = self.c.number(
                sheet, r, col["duration"], "Duration", False, lambda x: "must be more than 0 months" if x <= 0 else None
            )
            out["duration"] = d
        for key, attr, label in (
            ("earlieststart", "earliest", "Earliest start"),
            ("lateststart", "latest", "Latest start"),
        ):
            if key in col and self.c.cell_ok(sheet, r, col[key], label):
                k = self.ctx.period(self.c, sheet, r, col[key], row[col[key]], label)
                out[attr] = None if k is _INVALID else k
        if out.get("earliest") is not None and out.get("latest") is not None and out["earliest"] > out["latest"]:
            self.c.add(
                "bad-window",
                sheet.address(r, col["lateststart"]),
                f"Latest start {self.ctx.labels[out['latest']]} is before "
                f"Earliest start {self.ctx.labels[out['earliest']]}",
                "Swap them or correct one",
            )
        if (
            "costprofile" in col
            and row[col["costprofile"]] is not None
            and self.c.cell_ok(sheet, r, col["costprofile"], "Cost profile")
        ):
            shares = self.listed(
                sheet, r, col["costprofile"], "Cost profile", "bad-cost-profile", "share", "e.g. 50%, 30%, 20%"
            )
            if shares is not None:
                total = sum(shares)
                out["cost_profile"] = tuple(x / total for x in shares)
        profiles = self.profiles(sheet, r, row, col, out.get("duration"))
        if profiles:
            out["profiles"] = profiles
        return out

    def listed(self, sheet, r, c, label, code, noun, example) -> tuple[float, ...] | None:
        """A profile cell's numbers, one per build period; None, with a problem that names the
        item at fault, its own reason and its fix, when one is not a non-negative number (or,
        for shares, when they add up to nothing)."""
        value = sheet.rows[r][c]
        parsed = parse_list(value, amount=True)  # as every number the checks read
        fix = f"List one non-negative {noun} per build period, separated by commas ({example})"
        if parsed and isinstance(parsed[-1], Refusal):
            item, refusal = parsed
            why, fix = f"its item {item!r} {refusal.reason}", f"{refusal.fix}; {fix[0].lower()}{fix[1:]}"
        elif not parsed:
            why = f"is empty: it must be one {noun} per build period"
        elif any(x < 0 for x in parsed):
            why = f"its item {_show(next(x for x in parsed if x < 0))} is negative"
        elif noun == "share" and sum(parsed) <= 0:
            why = "its shares add up to 0: a cost must be spread over some period"
        else:
            return tuple(float(x) for x in parsed)
        self.c.add(code, sheet.address(r, c), f"{label} {_show(value)}: {why}", fix, value)
        return None

    def profiles(self, sheet, r, row, col, duration) -> dict[str, tuple[float, ...]]:
        """``<column> profile`` cells: the column's use in each build period, as multipliers
        (``100%, 50%``), not rescaled; blank is flat."""
        out: dict[str, tuple[float, ...]] = {}
        numeric = self.ctx.numeric_norm
        read = self.c.initiatives_sheet
        assert read is not None, "profiles are read with the Initiatives sheet's rows"
        for norm, c in col.items():
            if not norm.endswith("profile") or norm == "costprofile" or c >= len(row) or row[c] is None:
                continue
            header = read[2].headers[c]
            base = norm[: -len("profile")]
            if base not in numeric:
                continue  # the header itself is reported once, in profile_headers
            if not self.c.cell_ok(sheet, r, c, header):
                continue
            factors = self.listed(sheet, r, c, header, "bad-profile", "multiplier", "e.g. 100%, 50%")
            if factors is None:
                continue
            periods = max(1, math.ceil((duration or 0) / self.ctx.period_length - 1e-9)) if duration else 1
            if len(factors) != periods:
                fate = "the extra are ignored" if len(factors) > periods else "the periods after them count 100%"
                self.c.warnings.append(
                    f"{sheet.address(r, c)} {header} has {len(factors)} entries for "
                    f"{periods} build period{'s' if periods != 1 else ''}: {fate}"
                )
            out[base] = tuple(factors)
        return out

    def profile_headers(self, sheet, header_row, cols, numeric) -> None:
        """A ``<column> profile`` header must name a numeric Initiatives column."""
        self.ctx.numeric_norm = {normalize_header(h): h for h in numeric}
        for norm, c in cols.by_norm.items():
            if (
                norm.endswith("profile")
                and norm != "costprofile"
                and norm[: -len("profile")] not in self.ctx.numeric_norm
            ):
                header = cols.headers[c]
                self.c.add(
                    "unknown-profile-column",
                    sheet.address(header_row, c),
                    f"column {header!r} is a profile of {header[: -len('profile')].strip()!r}, "
                    "which is not a numeric column of Initiatives",
                    f"Name it after a numeric column, e.g. '{(numeric or ['Data eng FTE'])[0]} profile', or rename it",
                    header,
                )

    def dependencies(self, sheet, initiatives, seen, dep_cells) -> list[Initiative]:
        """Resolve every Depends on to the ID as written in the ID column, and refuse cycles.

        Only the initiatives kept (rows without problems) enter the graph: a reference to a
        row that has its own problem is not looked up again.
        """
        kept = {text_key(ini.id) for ini in initiatives}
        graph: dict[str, tuple[str, ...]] = {}
        resolved: list[Initiative] = []
        for ini in initiatives:
            if not ini.depends_on:  # most initiatives: nothing to resolve
                resolved.append(ini)
                graph[ini.id] = ()
                continue
            r, c = dep_cells.get(ini.id, (ini.row - 1, 0))
            deps = tuple(dict.fromkeys(seen[text_key(d)][0] for d in ini.depends_on if text_key(d) in seen))
            resolved.append(replace(ini, depends_on=deps) if deps != ini.depends_on else ini)
            for dep in ini.depends_on:
                if text_key(dep) not in seen:
                    hint = did_you_mean(dep, [v[0] for v in seen.values()])
                    self.c.add(
                        "unknown-dependency",
                        sheet.address(r, c),
                        f"Depends on names {dep!r}, which is not an ID in the sheet{hint}",
                        "Use IDs from the ID column, separated by commas",
                        dep,
                    )
            graph[ini.id] = tuple(d for d in deps if text_key(d) in kept)
        for cycle in _cycles(graph):
            r, c = dep_cells.get(cycle[0], (0, 0))
            self.c.add(
                "dependency-cycle",
                sheet.address(r, c),
                f"dependency cycle: {' -> '.join(cycle + [cycle[0]])}",
                "Remove one of these dependencies; an initiative cannot need itself",
                " -> ".join(cycle),
            )
        return resolved

    def selection(self, sheet: RawSheet, initiatives: list[Initiative]) -> tuple[str, ...] | None:
        """IDs marked in a results workbook's Ranking ``In plan`` (what a person tried in Excel),
        else in a ``Selected`` column of Initiatives (or of a results workbook's Ranking).

        A results workbook of a hand-made plan copies its Selected column: that stays the plan
        until ``In plan`` is edited (differs from the optimizer's Selected)."""
        marked = self.in_plan(initiatives)
        if marked is not None:
            chosen, optimizer = marked
            own = any(normalize_header(v) == "selected" for row in sheet.rows[:10] for v in row if v is not None)
            if not own or set(chosen) != set(optimizer) or self.starts:
                return chosen
        self.starts = {}  # the plan is a Selected column: no start of it was edited
        source = sheet
        header_row, cols = self.c.header(sheet, "id")
        if "selected" not in cols.by_norm:
            ranking = self.ctx.raw.sheet(OUTPUT.ranking)
            if ranking is None:
                return None
            header_row, cols = self.c.header(ranking, "id")
            if "selected" not in cols.by_norm or "id" not in cols.by_norm:
                return None
            source = ranking
        if "id" not in cols.by_norm:  # the missing ID column is reported where the initiatives are read
            return None
        sc, ic = cols.by_norm["selected"], cols.by_norm["id"]
        known = {text_key(i.id): i.id for i in initiatives}
        picked: list[str] = []
        for r in range(header_row + 1, len(source.rows)):
            row = source.rows[r]
            if all(v is None for v in row):
                continue
            raw_id = row[ic] if ic < len(row) else None
            value = row[sc] if sc < len(row) else None
            flag = _truthy(value)
            if flag is None:
                self.c.add(
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
                    picked.append(ini_id)
        return tuple(picked)

    def in_plan(self, initiatives: list[Initiative]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
        """IDs a results workbook's Ranking has Yes in ``In plan`` for, and in ``Selected`` (the
        optimizer's choice); None without an In plan column. A damaged column is a problem
        naming its cell."""
        ranking = self.ctx.raw.sheet(OUTPUT.ranking)
        found = None if ranking is None else self._in_plan_columns(ranking)
        if ranking is None or found is None:
            return None
        header_row, cols, pc, ic = found
        known = {text_key(i.id): i.id for i in initiatives}
        by_id = {i.id: i for i in initiatives}
        sc = cols.by_norm.get("selected")
        timed = bool(self.ctx.labels) and normalize_header(RANKING.your_start) in cols.by_norm
        chosen, optimizer = [], []
        for r in range(header_row + 1, len(ranking.rows)):
            row = ranking.rows[r]
            if all(v is None for v in row):
                continue
            raw_id, value = (row[ic] if ic < len(row) else None), (row[pc] if pc < len(row) else None)
            flag = _truthy(value)
            if flag is None:
                self.c.add(
                    "bad-in-plan",
                    ranking.address(r, pc),
                    f"{RANKING.in_plan} {_show(value)}: must be Yes or No",
                    "Choose Yes or No from the cell's drop-down",
                    value,
                )
                continue
            ini_id = known.get(text_key(_id_text(raw_id))) if raw_id is not None else None
            if ini_id is None:
                self.c.add(
                    "bad-in-plan",
                    ranking.address(r, ic),
                    f"ID {_show(raw_id)} on the Ranking is not an initiative of this plan",
                    "Keep the Ranking's ID column as it was written (edit only In plan)",
                    raw_id,
                )
                continue
            picked = sc is not None and sc < len(row) and bool(_truthy(row[sc]))
            if flag:
                chosen.append(ini_id)
                if timed:
                    self._your_start(ranking, r, cols, by_id[ini_id], picked)
            if picked:
                optimizer.append(ini_id)
        return tuple(chosen), tuple(optimizer)

    def _in_plan_columns(self, ranking: RawSheet) -> tuple[int, _Columns, int, int] | None:
        """The Ranking's header row, columns, and its In plan and ID columns; None without an
        In plan column (a problem when the what-if's other columns show it was lost)."""
        header_row, cols = self.c.header(ranking, "id")
        key = normalize_header(RANKING.in_plan)
        if key not in cols.by_norm:
            if normalize_header(WHATIF.key) in cols.by_norm:  # written with the what-if, its column lost
                self.c.add(
                    "no-in-plan",
                    ranking.address(header_row, 0),
                    f"the Ranking has no {RANKING.in_plan!r} column (its header was changed or the column removed)",
                    f"Put the header {RANKING.in_plan!r} back over the Yes/No column, or optimize again",
                )
            return None
        pc, ic = cols.by_norm[key], cols.by_norm.get("id")
        if ic is None:
            self.c.add(
                "no-in-plan",
                ranking.address(header_row, pc),
                f"the Ranking has an {RANKING.in_plan!r} column but no ID column to say which initiative each row is",
                "Put the ID column back, or optimize again",
            )
            return None
        return header_row, cols, pc, ic

    def _your_start(self, ranking: RawSheet, r: int, cols: _Columns, ini: Initiative, picked: bool) -> None:
        """Keep row r's ``Your start`` in :attr:`starts` when a person changed it: it differs from
        the start it was written with (the optimizer's for an initiative it selected, else the
        first period of its start window). A start outside that window is a problem at its cell."""
        row, labels = ranking.rows[r], self.ctx.labels
        yc = cols.by_norm[normalize_header(RANKING.your_start)]
        value = row[yc] if yc < len(row) else None
        if value is None or not self.c.cell_ok(ranking, r, yc, RANKING.your_start):
            return
        k = self.ctx.period(self.c, ranking, r, yc, value, RANKING.your_start)
        if not isinstance(k, int):
            return
        lo = max(0, ini.earliest or 0)
        hi = len(labels) - 1 if ini.latest is None else min(len(labels) - 1, ini.latest)
        start_col = cols.by_norm.get(normalize_header(RANKING.start))
        written = row[start_col] if picked and start_col is not None and start_col < len(row) else None
        was = labels.index(str(written)) if str(written) in labels else lo
        if k == was:
            return
        if not lo <= k <= hi:
            self.c.add(
                "start-outside-window",
                ranking.address(r, yc),
                f"{RANKING.your_start} {labels[k]} of {ini.id} is outside its start window, "
                f"{labels[lo]} to {labels[hi]} (Earliest start and Latest start on Initiatives)",
                f"Choose a period from {labels[lo]} to {labels[hi]}, or widen the window on Initiatives "
                "and optimize again",
                value,
            )
            return
        self.starts[ini.id] = (k, ranking.address(r, yc))

    def with_starts(self, initiatives: list[Initiative]) -> list[Initiative]:
        """The initiatives with each edited start (:attr:`starts`) as its whole start window, so
        a hand-made plan starts them where the person said (as Earliest start = Latest start)."""
        if not self.starts:
            return initiatives
        labels = self.ctx.labels
        for ini_id, (k, cell) in self.starts.items():
            self.c.warnings.append(
                f"{cell} {RANKING.your_start} {labels[k]}: {ini_id} starts in {labels[k]} in this plan "
                "(read as its Earliest start and Latest start)"
            )
        return [
            replace(ini, earliest=self.starts[ini.id][0], latest=self.starts[ini.id][0])
            if ini.id in self.starts
            else ini
            for ini in initiatives
        ]


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
                cycle = path[path.index(nxt) :]
                k = min(range(len(cycle)), key=lambda i: order[cycle[i]])
                cycles.append(cycle[k:] + cycle[:k])
            elif colour[nxt] == WHITE:
                colour[nxt] = GREY
                stack.append((nxt, iter(graph[nxt])))
                path.append(nxt)
    return cycles


def _data_rows(sheet: RawSheet, header_row: int) -> list[int]:
    """The rows below the header that hold anything (an uncalculated formula counts)."""
    return [
        r
        for r in range(header_row + 1, len(sheet.rows))
        if any(v is not None for v in sheet.rows[r]) or any(k[0] == r for k in sheet.uncalculated)
    ]


def _numeric_columns(sheet: RawSheet, cols: _Columns, data_rows: list[int]) -> list[str]:
    """The headers of the columns whose every cell reads as a number (and one at least holds
    one), apart from the columns the tool reads as text and the ``<column> profile`` columns."""
    rows = sheet.rows
    numeric = []
    for c, h in enumerate(cols.headers):
        if not h or normalize_header(h) in ("id", "name", "dependson", "exclusivegroup", "decision"):
            continue
        cells = [v for v in (rows[r][c] for r in data_rows) if v is not None]
        # a number cell within bounds reads as itself: only the others need the parser
        if cells and all(
            (type(v) in _PLAIN and -MAX_MAGNITUDE <= v <= MAX_MAGNITUDE) or parse_number(v) is not None for v in cells
        ):
            numeric.append(h)
    return [h for h in numeric if not (normalize_header(h).endswith("profile") and normalize_header(h) != "profile")]


def _without_done_prerequisites(initiatives: list[Initiative]) -> list[Initiative]:
    """The initiatives with their Done prerequisites dropped: a Done prerequisite is met, so
    what needs it is free to go."""
    done = {ini.id for ini in initiatives if ini.stage is Stage.DONE}
    if not done:
        return initiatives
    return [
        replace(ini, depends_on=tuple(d for d in ini.depends_on if d not in done)) if ini.depends_on else ini
        for ini in initiatives
    ]
