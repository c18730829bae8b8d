"""The planning template: a blank (or example) planning workbook with instructions, drop-downs
and units, from the layout's vocabulary (:mod:`portfolio_opt.model.layout`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from portfolio_opt.core.changes import headers_help
from portfolio_opt.model import layout
from portfolio_opt.model.layout import (
    BUDGETS,
    CONSTRAINTS,
    CRITERIA,
    CRITERIA_TABLE,
    INITIATIVES,
    INSTRUCTIONS,
    INSTRUCTIONS_TABLE,
    PAIRWISE,
    SCENARIOS,
    SETTING_NAMES,
    SETTINGS,
    SETTINGS_TABLE,
)
from portfolio_opt.model.plan import Settings, normalize_header
from portfolio_opt.workbook.results import setting_format
from portfolio_opt.workbook.style import (
    HEADER_FONT,
    NUMBER,
    TITLE_FONT,
    WRAP,
    first_sheet,
    fit_widths,
    put,
    save_atomic,
    set_format,
    write_table,
)

SCORING_TEXT = (
    "Score = Probability × (Impact − Run cost) × D, where D = (e^(−δT/12) − e^(−δH/12)) / δ "
    "are the discounted years of benefit between the time to value T and the horizon H "
    "(months), δ = ln(1 + discount rate); D = (H − T)/12 when the rate is 0 and 0 when T ≥ H."
)
RANKING_TEXT = (
    "Ranking: selected initiatives first, then the rest; within each, by contribution to the "
    "objective (score, or score − cost for npv), highest first; ties in sheet order."
)

EXPLAIN_TEXT = (
    "Value lost if flipped: what the objective loses if the decision is reversed (forced out if "
    "selected, forced in if not), by re-solving. Break-even score / cost: the score above which, "
    "or the cost below which, an unselected initiative would be selected, all else equal; 'never' "
    "when no such value exists. Value of 1 more unit / 10% more: what one more unit of a limit's "
    "room (Max up, or Min down) would add, by re-solving; for money the unit is a round step of "
    "about 1% of the bound, and the cell says it (per 100,000)."
)


# --------------------------------------------------------------------------- templates


#: The Initiatives columns of a template: header (with unit), number format, help text.
#: The template's Initiatives columns (header, number format, help), from the layout.
TEMPLATE_COLUMNS: tuple[tuple[str, str | None, str], ...] = tuple(
    (c.header, c.number_format, ("Required. " if c.required else "Optional. ") + c.help)
    for c in layout.INITIATIVE_COLUMNS
    if not c.timed and not c.risk and not c.review
)
#: The risk and review columns: listed in the Instructions, added to Initiatives by a plan that uses them
RISK_COLUMNS: tuple[tuple[str, str | None, str], ...] = tuple(
    (c.header, c.number_format, "Optional. " + c.help) for c in layout.INITIATIVE_COLUMNS if c.risk or c.review
)


def write_planning_workbook(
    path: str | os.PathLike,
    initiatives: Sequence[dict[str, Any]] = (),
    extra_columns: Sequence[tuple[str, str | None, str]] = (),
    constraints: Sequence[dict[str, Any]] = (),
    settings: Sequence[tuple[str, Any]] = (),
    force: bool = False,
    scenarios: Sequence[dict[str, Any]] = (),
    criteria: Sequence[dict[str, Any]] | None = None,
    pairwise: Sequence[Sequence[Any]] = (),
    budgets: Sequence[dict[str, Any]] = (),
) -> None:
    """Write a planning workbook: Instructions, Initiatives, Constraints, Settings (and Scenarios,
    Criteria and Budgets when given).

    ``initiatives`` are dicts keyed by the template headers (and ``extra_columns``);
    ``constraints`` dicts keyed Column/Scope/Min/Max; ``settings`` (name, value) pairs
    (the defaults when empty). Drop-downs help people; validation happens on reading.
    """
    risk_used = [c for c in RISK_COLUMNS if any(ini.get(c[0]) is not None for ini in initiatives)]
    columns = list(TEMPLATE_COLUMNS) + risk_used + list(extra_columns)
    wb = Workbook()
    ws_help = first_sheet(wb)
    ws_help.title = INSTRUCTIONS
    _instructions(ws_help, columns + [c for c in RISK_COLUMNS if c not in risk_used])
    _initiatives_sheet(wb.create_sheet(INITIATIVES), columns, initiatives)
    _constraints_sheet(wb.create_sheet(CONSTRAINTS), constraints)
    _settings_sheet(wb.create_sheet(SETTINGS), settings)
    if criteria is not None or not initiatives:
        _criteria_sheets(wb, criteria or [], pairwise)
    if scenarios:
        _scenarios_sheet(wb.create_sheet(SCENARIOS), scenarios)
    if budgets:
        _budgets_sheet(wb.create_sheet(BUDGETS), budgets)
    wb.active = 1
    save_atomic(wb, path, force)


#: Rows below the given initiatives that keep the Initiatives checks, to add initiatives by hand
_ROOM_ROWS = 500
#: How many rows under the header carry the columns' number formats: enough to type into, not a bloated file
_FORMATTED_ROWS = 200
#: The text columns a person reads most, at least this wide (header: width in characters)
_TEXT_WIDTHS = (("Name", 36), ("Owner", 16), ("Theme", 14), ("Outcome metric", 26), ("Depends on", 18))


def _initiatives_sheet(
    ws, columns: Sequence[tuple[str, str | None, str]], initiatives: Sequence[dict[str, Any]]
) -> None:
    """The Initiatives sheet: a row per initiative, and below them room to add more with the
    same checks and number formats."""
    header = [c[0] for c in columns]
    rows = [[ini.get(h) for h in header] for ini in initiatives]
    write_table(ws, header, rows, [c[1] for c in columns])
    for k, column in enumerate(columns, start=1):
        if column[2].startswith("Required"):  # marked on screen and on paper (see the Instructions)
            cell = ws.cell(row=1, column=k)
            cell.fill, cell.font = _REQUIRED_FILL, _REQUIRED_FONT
    checked = max(len(rows), 1) + _ROOM_ROWS  # rows under the header that keep the checks
    letters = {h: ws.cell(row=1, column=k + 1).column_letter for k, h in enumerate(header)}
    _initiative_checks(ws, letters, checked + 1)
    for k, (_, fmt, _) in enumerate(columns, start=1):
        if fmt:
            for r in range(len(rows) + 2, min(checked, _FORMATTED_ROWS) + 2):
                set_format(ws.cell(row=r, column=k), fmt)
    fit_widths(ws, minimum=10)
    for h, width in _TEXT_WIDTHS:
        letter = letters.get(h)
        if letter and (ws.column_dimensions[letter].width or 0) < width:
            ws.column_dimensions[letter].width = width


def _initiative_checks(ws, letters: dict[str, str], last_row: int) -> None:
    """Drop-downs and number checks on the Decision, Probability and amount columns, down to
    ``last_row``: they say what is wrong as a wrong value is typed."""
    decision = _validation(
        type="list",
        formula1='"Must,Exclude"',
        error="Use Must, Exclude or leave blank",
        errorTitle="Decision",
        prompt="Must (forced in), Exclude (forced out) or blank",
    )
    decision.add(f"{letters['Decision']}2:{letters['Decision']}{last_row}")
    # Number checks warn and never stop: the reader accepts more than Excel's rules can say
    # (a Probability typed "0,7"), and checks every cell itself when the plan is read.
    probability = _validation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="1",
        error="A probability between 0% and 100% (type 70% or 0.7). Keep it anyway? The check on reading will say.",
        errorTitle="Probability",
        errorStyle="warning",
    )
    probability.add(f"{letters['Probability']}2:{letters['Probability']}{last_row}")
    checks = [decision, probability]
    # Amounts and months get no rule at all, only a prompt: an Excel rule cannot accept 450k or
    # $1.5M, which the reader reads (see portfolio_opt.workbook.parse)
    for h, prompt in _AMOUNT_PROMPTS:
        v = _validation(type=None, errorTitle=h, prompt=prompt, showErrorMessage=False)
        v.add(f"{letters[h]}2:{letters[h]}{last_row}")
        checks.append(v)
    for v in checks:
        ws.add_data_validation(v)


#: The amount and month columns' prompts (they have no Excel rule: see _initiative_checks)
_AMOUNT_PROMPTS = (
    ("Time to value (months)", "Months from start until the value begins, e.g. 6 (not negative)"),
    ("Cost", "The one-time cost, not negative: 1200000, 450k or $1.5M are all read"),
    ("Run cost (per year)", "The yearly running cost, not negative: 80000, 80k or $0.1M are all read"),
)


def _constraints_sheet(ws, constraints: Sequence[dict[str, Any]]) -> None:
    """The Constraints sheet: Column, Scope, Min, Max, and the optional columns a row uses (all
    of them in a blank template, so a person finds them)."""
    optional = [h for h in CONSTRAINT_OPTIONAL if not constraints or any(h in c for c in constraints)]
    bounds = [c.header for c in layout.CONSTRAINT_COLUMNS if c.header not in CONSTRAINT_OPTIONAL and not c.timed]
    # a multi-period column (Period, and any the layout adds) appears when a row uses it
    timed = [c.header for c in layout.CONSTRAINT_COLUMNS if c.timed and any(c.header in row for row in constraints)]
    header = bounds + optional + timed
    write_table(
        ws,
        header,
        [[c.get(header[0]), c.get(header[1], "All")] + [c.get(h) for h in header[2:]] for c in constraints],
        tuple(
            {"Min share": "0%", "Max share": "0%", "Period": None}.get(h, NUMBER) if k >= 2 else None
            for k, h in enumerate(header)
        ),
    )
    fit_widths(ws, minimum=14)


def _settings_rows(settings: Sequence[tuple[str, Any]]) -> list[tuple[str, Any, str]]:
    """The Settings rows (label, value, meaning): every setting at its default in a blank
    template, else the settings given, plus Gap and Currency."""
    given = {normalize_header(name): value for name, value in settings}
    return [
        (label, given.get(normalize_header(label), default) if settings else default, help_text)
        for label, default, help_text, _ in TEMPLATE_SETTINGS
        if not settings or normalize_header(label) in given or label in ("Gap", "Currency")
    ]


def _settings_sheet(ws, settings: Sequence[tuple[str, Any]]) -> None:
    """The Settings sheet: each value in its setting's number format, a drop-down where the
    setting has choices, and its meaning beside it."""
    pairs = _settings_rows(settings)
    write_table(ws, SETTINGS_TABLE, pairs, autofilter=False)
    shown = Settings()
    for r, (label, value, _) in enumerate(pairs, start=2):
        attr = SETTING_NAMES[normalize_header(label)][0]
        changed: dict[str, Any] = {attr: value}  # whichever field the label names, of its own type
        fmt = setting_format(replace(shown, **changed) if isinstance(value, float) else shown, attr)
        set_format(ws.cell(row=r, column=2), fmt)
        choices = next(c for lab, _, _, c in TEMPLATE_SETTINGS if lab == label)
        if choices:
            v = _validation(
                type="list",
                formula1=f'"{",".join(choices)}"',
                errorTitle=label,
                error=f"Use one of: {', '.join(choices)} (or leave blank for the default)",
            )
            v.add(f"B{r}")
            ws.add_data_validation(v)
        ws.cell(row=r, column=3).alignment = WRAP
    fit_widths(ws, minimum=18)
    ws.column_dimensions["C"].width = 70


def _scenarios_sheet(ws, scenarios: Sequence[dict[str, Any]]) -> None:
    """The Scenarios sheet: a row per scenario, a column per key any scenario uses (changes
    and rates as percentages)."""
    header = list(dict.fromkeys(k for row in scenarios for k in row))
    fmts = ["0%" if "change" in h.casefold() or "rate" in h.casefold() else NUMBER for h in header]
    write_table(ws, header, [[row.get(h) for h in header] for row in scenarios], fmts)
    fit_widths(ws, minimum=12)


def _budgets_sheet(ws, budgets: Sequence[dict[str, Any]]) -> None:
    """The Budgets sheet: a row per world (World, Probability, Budget), then a column per
    initiative whose Impact differs in some world, headed by its ID."""
    header = list(dict.fromkeys(["World", "Probability", "Budget"] + [k for row in budgets for k in row]))
    fmts = [None, "0%", NUMBER] + [NUMBER] * (len(header) - 3)
    write_table(ws, header, [[row.get(h) for h in header] for row in budgets], fmts)
    fit_widths(ws, minimum=12)


def _criteria_sheets(wb: Workbook, criteria: Sequence[dict[str, Any]], pairwise: Sequence[Sequence[Any]]) -> None:
    """The optional Criteria sheet (an example above its header when it has no rows), and a
    Pairwise matrix when given."""
    wc = wb.create_sheet(CRITERIA)
    start = 1
    if not criteria:
        put(
            wc,
            1,
            1,
            "Optional: score by weighted criteria (Settings: Scoring weighted or blend). One row per "
            "criterion, a numeric Initiatives column, e.g. Strategic fit | 40% | 1-5 | higher. Leave Weight "
            "blank to take the weights from a Pairwise sheet (Saaty's 1-9 judgments).",
        ).alignment = WRAP
        wc.merge_cells("A1:D1")
        wc.row_dimensions[1].height = 48
        start = 2
    header = CRITERIA_TABLE
    write_table(
        wc,
        header,
        [[c.get(h) for h in header] for c in criteria],
        (None, "0%", None, None),
        start_row=start,
        freeze=start == 1,
    )
    fit_widths(wc, minimum=14)
    direction = _validation(
        type="list", formula1='"higher,lower"', errorTitle="Direction", error="Use higher (more is better) or lower"
    )
    direction.add(f"D{start + 1}:D{start + 50}")
    wc.add_data_validation(direction)
    if pairwise:
        wp = wb.create_sheet(PAIRWISE)
        for r, row in enumerate(pairwise, start=1):
            for c, value in enumerate(row, start=1):
                cell = put(wp, r, c, value, "0.###" if isinstance(value, float) else None)
                if r == 1 or c == 1:
                    cell.font = HEADER_FONT
        fit_widths(wp, minimum=12)


#: The template's Settings rows: label, default value, meaning, drop-down choices. Every
#: setting the reader knows (SETTING_NAMES) is here; a blank value means the default.
TEMPLATE_SETTINGS: tuple[tuple[str, Any, str, tuple[str, ...]], ...] = tuple(
    (s.label, s.default, s.help, s.choices) for s in layout.SETTINGS_ROWS
)


CONSTRAINT_OPTIONAL = layout.CONSTRAINT_OPTIONAL


def _validation(**kwargs) -> DataValidation:
    """A drop-down or number check that says what is wrong when a wrong value is typed."""
    prompt = kwargs.pop("prompt", None)
    kwargs = {"showErrorMessage": True, "errorStyle": "stop", **kwargs}
    v = DataValidation(allow_blank=True, **kwargs)
    if prompt:
        v.prompt, v.promptTitle, v.showInputMessage = prompt, kwargs.get("errorTitle"), True
    return v


def _instructions(ws, columns) -> None:
    """The Instructions sheet: how to fill in each sheet, then every column with what to enter."""
    put(ws, 1, 1, "portfolio_opt planning workbook").font = TITLE_FONT
    ws.merge_cells("A1:C1")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 70
    ws.column_dimensions["C"].width = 28
    # each line of the guide across the whole page, wrapped there: in column A alone (26
    # characters) print wrapped every sentence over three rows
    lines = [_REQUIRED_NOTE] + _guide()
    for k, line in enumerate(lines, start=3):
        put(ws, k, 1, line).alignment = WRAP
        ws.merge_cells(start_row=k, start_column=1, end_row=k, end_column=3)
        if len(line) > _GUIDE_CHARS:
            ws.row_dimensions[k].height = 15 * (1 + len(line) // _GUIDE_CHARS) + 2
    r = len(lines) + 4
    write_table(
        ws,
        INSTRUCTIONS_TABLE,
        [(c[0], c[2], _EXAMPLE.get(c[0])) for c in columns],
        start_row=r,
        freeze=False,
        autofilter=False,
    )
    for row in ws.iter_rows(min_row=r + 1, max_row=r + len(columns), min_col=1, max_col=3):
        for cell in row:
            cell.alignment = WRAP
            if cell.column == 1 and str(columns[cell.row - r - 1][2]).startswith("Required"):
                cell.font = HEADER_FONT


#: The header of a required Initiatives column: dark, so a required column shows in print too
_REQUIRED_FILL = PatternFill("solid", fgColor="1F4E78")
_REQUIRED_FONT = Font(bold=True, color="FFFFFF")
#: The guide's lines are merged across the Instructions' three columns: this many characters a line
_GUIDE_CHARS = 130
#: How the template marks the columns a plan must fill in
_REQUIRED_NOTE = (
    "Required columns have a dark header in Initiatives (and read 'Required.' below); the Example "
    "column shows one row filled in, as the reader reads it (450k and $1.5M are amounts too)."
)
#: One Initiatives row filled in, as the Instructions' Example column shows it
_EXAMPLE: dict[str, Any] = {
    "ID": "INI-001",
    "Name": "Churn prediction model v2",
    "Owner": "A. Okafor",
    "Theme": "Retention",
    "Outcome metric": "Monthly churn rate",
    "Impact (per year)": "2.4M",
    "Probability": "65%",
    "Time to value (months)": "6",
    "Cost": "850k",
    "Run cost (per year)": "120k",
    "Depends on": "INI-004",
    "Exclusive group": "(blank)",
    "Decision": "(blank)",
}


def _guide() -> list[str]:
    """The Instructions' lines: how each sheet is filled in and which command runs it."""
    return [
        "Fill in one row per initiative in the Initiatives sheet, limits in Constraints and the budget in Settings.",
        "Then run:  portfolio-opt validate plan.xlsx   and   portfolio-opt optimize plan.xlsx -o result.xlsx",
        "Headers match ignoring case, spaces, underscores and a trailing unit in brackets.",
        "Any other numeric column (e.g. Data eng FTE) can be limited in Constraints; "
        "other columns are carried through.",
        "",
        "Constraints: each row bounds the sum of one numeric Initiatives column over the selected initiatives.",
        "  Column: an Initiatives column header, or Count (the number selected).",
        "  Scope: All, <column>=<value> such as Theme=Retention, or a comparison such as Probability<0.5",
        "  (<, <=, >, >= compare numbers).  Min and/or Max: the bounds.",
        "  Min share / Max share (optional): the scope's share of the column's total over every selected",
        "  initiative, e.g. Cost, Theme=Platform, Min share 20%. A row may hold only a share.",
        "  Tolerance (optional): how far Min/Max may be passed, in the column's units or as a % of the bound;",
        "  Penalty: the value lost per unit beyond the bound (blank tolerance: a hard limit).",
        "Settings: Budget (maximum total Cost), Horizon (months, default 36), Discount rate (default 10%),",
        "  Objective (value = expected benefit, npv = benefit minus cost), Solver (highs or cbc), Time limit (s).",
        "Multi-period plans: set Periods, Period length (months) and First period (e.g. 2027-Q1) in Settings;",
        "  give Initiatives a Duration (months), Earliest start and Latest start; give Constraints rows a Period",
        "  (a label, or 'each' for every period). The optimizer then chooses when each initiative starts.",
        "  A column '<column> profile' (e.g. Data eng FTE profile: 100%, 50%) scales that column's use in each",
        "  build period; Cost profile spreads the Cost (shares of it).",
        "Scenarios (optional sheet): Scenario, then any of these columns:",
        f"  {headers_help()} (Max share: / Min share: <limit> for a share limit).",
        "  Run: portfolio-opt scenarios plan.xlsx",
        "Risk (optional): add Impact low / Impact high, Cost high, Time to value high (months) and Risk group columns",
        "  to Initiatives for ranges, and Value target, Risk objective (cvar) and Risk weight to Settings.",
        "  Run: portfolio-opt simulate plan.xlsx -o risk.xlsx  for the spread of outcomes, P10, CVaR "
        "and their drivers.",
        "  Budget confidence (Settings, e.g. 80%): the cost stays within the Budget in that share of the",
        "  simulated worlds, each Cost drawn up to its Cost high; the Summary gives the contingency it needs.",
        "Budgets (optional sheet): World, Probability, Budget, one row per budget the plan may get (the",
        "  probabilities sum to 100%), and a column headed by an initiative's ID for its Impact in a world",
        "  where it differs. optimize then gives a funding order: one ranking, a cut line in every budget.",
        "Committee scoring (optional): a Criteria sheet (Criterion, Weight, Scale, Direction) and Scoring in Settings",
        "  (weighted, blend, wsjf or rice); leave the weights blank to derive them from a Pairwise sheet.",
        "Quarterly review (optional): add Status (In progress, Live, Done, Stopped), Spent to date, Remaining cost,",
        "  Stop cost, Retire cost, Actual value to date, Started and Live since, and Review date / Run budget "
        "in Settings:",
        "  the optimizer then decides continue or stop, keep or retire. Run: portfolio-opt review last.xlsx this.xlsx",
        "",
        SCORING_TEXT,
    ]
