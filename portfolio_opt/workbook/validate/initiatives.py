"""The Initiatives sheet: one row per initiative, its timing in multi-period plans, its
dependencies (cycles refused), and a Selected column marking a hand-made plan."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import replace

from portfolio_opt.core.lifecycle import months_between, parse_stage, parse_when
from portfolio_opt.model.layout import INITIATIVES, OUTPUT
from portfolio_opt.model.plan import Decision, Initiative, Stage, normalize_header, text_key
from portfolio_opt.workbook.raw import RawSheet
from portfolio_opt.workbook.validate.problems import (
    _INVALID,
    KNOWN_FIELDS,
    Collector,
    SheetContext,
    _id_text,
    _show,
    _truthy,
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

    def read(self, sheet: RawSheet) -> tuple[list[Initiative], list[str], list[str]]:
        """The Initiatives rows as initiatives, with the sheet's headers and its numeric columns;
        every problem with a row or column is added to the collector at its cell."""
        header_row, cols = self.c.header(sheet, "id")
        missing = [key for key in REQUIRED if key not in cols.by_norm]
        unknown = [h for h in cols.headers if h and normalize_header(h) not in FIELDS]
        for key in missing:
            label = REQUIRED_LABELS[key]
            close = difflib.get_close_matches(label.casefold(), [h.casefold() for h in unknown], n=1, cutoff=0.7)
            if close:
                typo = next(h for h in unknown if h.casefold() == close[0])
                c = cols.headers.index(typo)
                self.c.add(
                    "missing-column",
                    sheet.address(header_row, c),
                    f"required column {label!r} is missing; the header {typo!r} looks like a misspelling of it",
                    f"Rename the header {typo!r} to {label!r}",
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
        data_rows = [
            r
            for r in range(header_row + 1, len(sheet.rows))
            if any(v is not None for v in sheet.rows[r]) or any(k[0] == r for k in sheet.uncalculated)
        ]
        numeric = [
            h
            for c, h in enumerate(cols.headers)
            if h
            and normalize_header(h) not in ("id", "name", "dependson", "exclusivegroup", "decision")
            and all(sheet.rows[r][c] is None or parse_number(sheet.rows[r][c]) is not None for r in data_rows)
            and any(sheet.rows[r][c] is not None for r in data_rows)
        ]
        self.c.initiatives_sheet = (sheet, header_row, cols, data_rows)
        numeric = [
            h for h in numeric if not (normalize_header(h).endswith("profile") and normalize_header(h) != "profile")
        ]
        if self.ctx.labels:
            self.profile_headers(sheet, header_row, cols, numeric)
        if missing:
            # The other sheets are still checked against the columns there are, but nothing
            # that names an initiative is: the rows could not be read.
            self.ctx.rows_unread = True
            return [], [h for h in cols.headers if h], numeric
        for c, text in enumerate(cols.headers):
            if not text and any(
                r < len(sheet.rows) and c < len(sheet.rows[r]) and sheet.rows[r][c] is not None
                for r in range(header_row + 1, len(sheet.rows))
            ):
                self.c.warnings.append(f"{sheet.address(header_row, c)} has no header: the cells below it are ignored")
        col = cols.by_norm
        headers = [h for h in cols.headers if h]
        out: list[Initiative] = []
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
        nonneg = lambda x: "must not be negative" if x < 0 else None  # noqa: E731
        # the other columns are carried through: only error values and uncalculated formulas count
        carried = [(c, text) for c, text in enumerate(cols.headers) if text and normalize_header(text) not in FIELDS]
        odd_rows = {r for r, _ in sheet.uncalculated} | {r for r, _ in sheet.errors}
        for r in data_rows:
            row = sheet.rows[r]
            if r in odd_rows:
                for c, text in carried:
                    self.c.cell_ok(sheet, r, c, text)
            id_c = col["id"]
            raw_id = row[id_c] if self.c.cell_ok(sheet, r, id_c, "ID") else "?"
            ini_id = "" if raw_id is None else _id_text(raw_id)
            if not ini_id:
                self.c.add(
                    "blank-id", sheet.address(r, id_c), "ID is blank", "Give every initiative a unique ID, e.g. INI-001"
                )
            elif text_key(ini_id) in seen:
                first_id, first_at = seen[text_key(ini_id)]
                same = "" if first_id == ini_id else f" as {first_id!r} (IDs are compared ignoring case and spaces)"
                self.c.add(
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
            name = row[name_c] if self.c.cell_ok(sheet, r, name_c, "Name") else "?"
            if name is None or not str(name).strip():
                self.c.add("blank-name", sheet.address(r, name_c), "Name is blank", "Give the initiative a name")
            stage = self.stage(sheet, r, row, col)
            impact = self.c.number(sheet, r, col["impact"], "Impact", True)
            probability = self.c.number(
                sheet,
                r,
                col["probability"],
                "Probability",
                stage is not Stage.LIVE,
                lambda p: None if 0 <= p <= 1 else "must be between 0 and 1 (70% is 0.7)",
                1.0 if stage is Stage.LIVE else None,
            )
            ttv = self.c.number(sheet, r, col["timetovalue"], "Time to value", True, nonneg)
            cost = self.c.number(sheet, r, col["cost"], "Cost", True, nonneg)
            run_cost = 0.0
            if "runcost" in col:
                run_cost = self.c.number(sheet, r, col["runcost"], "Run cost", False, nonneg, 0.0)
            depends: list[str] = []
            if "dependson" in col and self.c.cell_ok(sheet, r, col["dependson"], "Depends on"):
                depends = split_ids(row[col["dependson"]])
                if depends:
                    dep_cells[ini_id] = (r, col["dependson"])
            group = None
            if "exclusivegroup" in col and self.c.cell_ok(sheet, r, col["exclusivegroup"], "Exclusive group"):
                g = row[col["exclusivegroup"]]
                group = _id_text(g) if g is not None and _id_text(g) else None
                if group is not None:
                    group = self.c.canonical("Exclusive group", group, sheet.address(r, col["exclusivegroup"]))
            decision = Decision.FREE
            if "decision" in col and self.c.cell_ok(sheet, r, col["decision"], "Decision"):
                d = row[col["decision"]]
                key = "" if d is None else str(d).strip().casefold()
                if key in DECISIONS:
                    decision = DECISIONS[key]
                else:
                    self.c.add(
                        "unknown-decision",
                        sheet.address(r, col["decision"]),
                        f"Decision {_show(d)}: must be Must, Exclude or blank",
                        "Use Must to force it in, Exclude to force it out, or leave it blank",
                        d,
                    )
            timing = self.timing(sheet, r, row, col)
            ranges = self.ranges(sheet, r, row, col, impact, cost, ttv)
            review = self.review(sheet, r, row, col, stage, cost, ttv)
            theme = None
            if "theme" in col and row[col["theme"]] is not None:
                theme = _id_text(row[col["theme"]]) or None
                if theme is not None:
                    theme = self.c.canonical("Theme", theme, sheet.address(r, col["theme"]))
            values = {h: row[c] for c, h in enumerate(cols.headers) if h and c < len(row)}
            if None in (impact, probability, ttv, cost, run_cost, stage, review) or not ini_id:
                continue
            if review.get("decision") is not None:
                decision = review.pop("decision")
            else:
                review.pop("decision", None)
            if review.get("window") is not None:
                timing.update(review.pop("window"))
            else:
                review.pop("window", None)
            fields = dict(
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
            )
            fields.update(timing)
            fields.update(ranges)
            fields.update(review)  # a review's status turns Cost and Time to value into what is left
            out.append(Initiative(**fields))
        out = self.dependencies(sheet, out, seen, dep_cells)
        done = {ini.id for ini in out if ini.stage is Stage.DONE}
        if done:  # a Done prerequisite is met: what needs it is free to go
            out = [
                replace(ini, depends_on=tuple(d for d in ini.depends_on if d not in done)) if ini.depends_on else ini
                for ini in out
            ]
        custom = [h for h in numeric if normalize_header(h) not in FIELDS]
        if custom:  # numbers typed as text ("2", "1,200") count as the numbers they are
            out = [
                replace(ini, values={**ini.values, **{h: parse_number(ini.values.get(h)) for h in custom}})
                for ini in out
            ]
        return out, headers, numeric

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
        Time to value (see :mod:`portfolio_opt.review`); None when a cell was refused."""
        if stage is None:
            return None
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
        when = {}
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
            when[key] = months_between(date, review_date)
        spent = amounts.get("spenttodate") or 0.0
        if cost is not None and spent > cost + 1e-9 and amounts.get("remainingcost") is None:
            self.c.add(
                "spent-above-cost",
                sheet.address(r, col["spenttodate"]),
                f"Spent to date {_show(spent)} is above Cost {_show(cost)}",
                "Raise Cost to what it will cost in all, or give the Remaining cost",
                spent,
            )
            ok = False
        if not ok or cost is None or ttv is None:
            return None if not ok else {}
        out: dict = {
            "status": stage if stage is not Stage.PROPOSED or "status" in col else None,
            "spent": spent,
            "actual_value": amounts.get("actualvaluetodate"),
            "planned_time_to_value": ttv,
            "months_since_start": when.get("started"),
            "months_live": when.get("livesince"),
            "decision": None,
            "window": None,
        }
        if stage is Stage.IN_PROGRESS:
            remaining = amounts.get("remainingcost")
            out["cost"] = max(0.0, cost - spent) if remaining is None else remaining
            out["out_cost"] = amounts.get("stopcost") or 0.0
            out["time_to_value"] = max(0.0, ttv - (when.get("started") or 0.0))
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
            parts = [p.strip() for p in re.split(r"[,;/]", str(row[col["costprofile"]])) if p.strip()]
            shares = [parse_number(p) for p in parts]
            if not shares or any(x is None or x < 0 for x in shares) or sum(shares) <= 0:
                self.c.add(
                    "bad-cost-profile",
                    sheet.address(r, col["costprofile"]),
                    f"Cost profile {_show(row[col['costprofile']])}: must be shares per build period, "
                    "e.g. 50%, 30%, 20%",
                    "List one non-negative share per build period, separated by commas",
                )
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
        numeric = self.ctx.numeric_norm
        for norm, c in col.items():
            if not norm.endswith("profile") or norm == "costprofile" or c >= len(row) or row[c] is None:
                continue
            header = self.c.initiatives_sheet[2].headers[c]
            base = norm[: -len("profile")]
            if base not in numeric:
                continue  # the header itself is reported once, in profile_headers
            if not self.c.cell_ok(sheet, r, c, header):
                continue
            parts = [p.strip() for p in re.split(r"[,;/]", str(row[c])) if p.strip()]
            factors = [parse_number(p) for p in parts]
            if not factors or any(x is None or x < 0 for x in factors):
                self.c.add(
                    "bad-profile",
                    sheet.address(r, c),
                    f"{header} {_show(row[c])}: must be one multiplier per build period, e.g. 100%, 50%",
                    "List one non-negative percentage per build period, separated by commas",
                    row[c],
                )
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
            r, c = dep_cells.get(ini.id, (ini.row - 1, 0))
            deps = tuple(dict.fromkeys(seen[text_key(d)][0] for d in ini.depends_on if text_key(d) in seen))
            resolved.append(replace(ini, depends_on=deps) if deps != ini.depends_on else ini)
            for dep in ini.depends_on:
                if text_key(dep) not in seen:
                    close = difflib.get_close_matches(dep, sorted(v[0] for v in seen.values()), n=1)
                    hint = f" (did you mean {close[0]}?)" if close else ""
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
        """IDs marked in a ``Selected`` column of Initiatives (or of a results workbook's Ranking)."""
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
                    chosen.append(ini_id)
        return tuple(chosen)


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
