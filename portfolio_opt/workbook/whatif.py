"""Live what-if in a results workbook: edit ``In plan`` on the Ranking, and the Summary follows.

The Ranking gains an editable ``In plan`` column (a Yes/No drop-down, starting as the optimizer's
choice) and, in a multi-period plan, ``Your start`` (a drop-down of the plan's periods). The
Summary gains the "Your edits" tables: value, cost, budget left, every limit's use and slack, the
rules broken and the share of the optimizer's value, each computed by a formula from those cells.

The formulas use only SUMIFS, COUNTIFS, IF and arithmetic (Excel and LibreOffice compute them
alike) and read defined names over the Ranking's data rows, so sorting or filtering the Ranking
moves every figure with its row. What each initiative adds to each sum is worked out here by the
core's own functions (:func:`~portfolio_opt.core.rules.contribution`, :func:`~portfolio_opt.core.
schedule.demand`, :func:`~portfolio_opt.core.schedule.start_score`) and written into hidden
columns of the Ranking, so with no edits every figure is the optimizer's. Limits no sum can state
(a budget confidence, a limit kind registered by a plug-in) get a note instead of a figure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from portfolio_opt.core.lifecycle import objective_constant
from portfolio_opt.core.rules import (
    BudgetConfidence,
    Chosen,
    HardLimit,
    LimitRule,
    ShareLimit,
    SoftLimit,
    contribution,
    dependency_pairs,
    exclusive_groups,
    limit_offset,
    limit_rules,
    plan_rules,
)
from portfolio_opt.core.rules.limits import ChangeLimit, out_values
from portfolio_opt.core.schedule import build_periods, demand, start_score, start_value, timed_dependencies, window
from portfolio_opt.core.value import portfolio_value
from portfolio_opt.model.layout import OUTPUT, RANKING, SUMMARY, WHATIF, total_label
from portfolio_opt.model.plan import Decision, Limit, Plan
from portfolio_opt.model.result import Result
from portfolio_opt.workbook.style import (
    NUMBER,
    PERCENT,
    Formula,
    put,
    set_format,
    shown_format,
    unlock_cells,
    write_notes,
    write_table,
)

#: Plans with more initiatives get no what-if (a note on the Summary says so): thousands of
#: hidden figures per initiative would make the workbook slow to write and to open
WHATIF_MAX = 10_000
#: The longest formula written (Excel keeps 8,192 characters); a longer one is a note instead
MAX_FORMULA = 8_000
#: What ``In plan`` and ``Broken`` hold
YES, NO = "Yes", "No"
#: The fill and font of a broken limit or rule row, and of an ``In plan`` cell that was edited
BROKEN_FILL = PatternFill(bgColor="FFC7CE")
BROKEN_FONT = Font(color="9C0006")
EDITED_FILL = PatternFill(bgColor="FFEB9C")
CENTRED = Alignment(horizontal="center")  #: Broken, centred apart from the slack's digits

#: The defined names the formulas read: the Ranking's editable and hidden columns
IN_PLAN, START, START_NO, KEY, GROUP, COST = (
    "WhatIf_InPlan",
    "WhatIf_Start",
    "WhatIf_StartNo",
    "WhatIf_Key",
    "WhatIf_Group",
    "WhatIf_Cost",
)
#: The defined name of the periods ``Your start`` offers (on the hidden What-if lists sheet)
PERIOD_LIST = "WhatIf_Periods"
#: The defined names above (a hidden column's name never takes one)
_FIXED_NAMES = frozenset({IN_PLAN, START, START_NO, KEY, GROUP, COST, PERIOD_LIST})

#: The Summary's note on the what-if (``start``: :data:`START_TEXT` in a multi-period plan)
HOW_TEXT = (
    f"Your edits: change {RANKING.in_plan} (Yes or No) on the Ranking{{start}} and the '{WHATIF.title}' tables "
    "follow: value, cost, every limit's use and the rules broken (their rows turn red). With no edits they "
    "are the optimizer's figures. The Ranking and the {sheet} are protected without a password so the "
    f"formulas stay intact: only {RANKING.in_plan}{{start_cells}} can be changed. Filtering works as it is; to "
    "sort in Excel, unprotect the sheet first (Review > Unprotect Sheet). compare and review read an edited "
    f"workbook's {RANKING.in_plan} as a hand-made plan."
)
#: The title over :data:`HOW_TEXT` in a workbook whose notes are not the Summary's (review's)
TRY_TITLE = "Try your own plan"
#: What :data:`HOW_TEXT` says of the start in a multi-period plan
START_TEXT = f" (and {RANKING.your_start}, the period it starts in)"
#: What a figure no formula states shows (a note under the tables says why)
NOT_COMPUTED = "not computed here"
#: The title of the notes under the "Your edits" tables
NOTES_TITLE = "Notes on your edits"
#: The Summary's note when a plan is too big for the what-if
TOO_BIG_TEXT = (
    f"No what-if: plans of more than {WHATIF_MAX:,} initiatives get no {RANKING.in_plan} column or "
    f"'{WHATIF.title}' tables (the formulas would make the workbook slow to open)."
)

#: Why a workbook of several portfolios has no what-if, and how to try edits on one of them
NO_WHATIF_COMPARE = (
    f"No what-if in this workbook: it holds several portfolios (each plan, and the optimum at each plan's cost). "
    f"To try edits on one in Excel, optimize its plan (with --budget at the plan's cost for that optimum): the "
    f"results workbook's Ranking has {RANKING.in_plan} and its Summary the '{WHATIF.title}' tables, and the "
    "edited results workbook can be compared again as a hand-made plan."
)
NO_WHATIF_ALTERNATIVES = (
    "No what-if in this workbook: it holds several portfolios side by side. To try one in Excel, optimize the "
    f"plan and set {RANKING.in_plan} on the results workbook's Ranking to the alternative's initiatives (the "
    f"{OUTPUT.alternatives_matrix} sheet lists them): the Summary's '{WHATIF.title}' tables show its figures."
)
NO_WHATIF_SCENARIOS = (
    "No what-if in this workbook: it holds a portfolio per scenario, each under changed rules. To try edits in "
    "Excel, make a scenario's changes in the planning workbook and optimize it: the results workbook's Ranking "
    f"has {RANKING.in_plan} and its Summary the '{WHATIF.title}' tables."
)


class TooLong(Exception):
    """A formula longer than :data:`MAX_FORMULA`."""


def applies(result: Result) -> bool:
    """Whether ``result``'s workbook gets the what-if: a plan within :data:`WHATIF_MAX`."""
    return 0 < len(result.plan.initiatives) <= WHATIF_MAX


@dataclass
class Helper:
    """A hidden Ranking column: its header, defined name and one figure per initiative (plan order)."""

    header: str
    name: str
    values: Sequence[float]


@dataclass
class WhatIf:
    """A result's what-if: the hidden columns its formulas read, and the formulas' parts."""

    result: Result
    helpers: list[Helper] = field(default_factory=list)
    _keys: dict[tuple, str] = field(default_factory=dict)

    @property
    def plan(self) -> Plan:
        """The plan optimized."""
        return self.result.plan

    @property
    def timed(self) -> bool:
        """A multi-period plan: each initiative's start is edited too."""
        return bool(self.plan.settings.periods)

    @property
    def labels(self) -> list[str]:
        """The periods' labels (one, unnamed, in a single-period plan)."""
        return self.plan.settings.period_labels() if self.timed else [""]

    @classmethod
    def of(cls, result: Result) -> WhatIf:
        """The what-if of ``result``: every hidden column its Summary formulas need."""
        w = cls(result)
        plan = w.plan
        n = len(plan.initiatives)
        w.helpers.append(Helper(WHATIF.key, KEY, [i + 1 for i in range(n)]))
        groups = exclusive_groups(plan)
        number = [0] * n
        for g, members in enumerate((m for m in groups.values() if len(m) > 1), start=1):
            for i in members:
                number[i] = g
        if any(number):
            w.helpers.append(Helper(WHATIF.group, GROUP, number))
        w.cost_formula()
        for part in [lambda: w.value_formula(objective=False), lambda: w.value_formula(objective=True)] + [
            (lambda rule=rule: w.use_formula(rule)) for rule in limit_rules(plan)
        ]:
            try:
                part()
            except TooLong:  # the Summary says so where the figure would be
                pass
        return w

    # ---- hidden columns

    def helper(self, key: tuple, header: str, values: Sequence[float]) -> str:
        """The defined name of the hidden column ``key`` (made on first use)."""
        name = self._keys.get(key)
        if name is None:
            name = _defined_name(header, {h.name for h in self.helpers})
            self._keys[key] = name
            self.helpers.append(Helper(header, name, list(values)))
        return name

    def starts(self) -> list[int]:
        """Each initiative's start as written in ``Your start``: the optimizer's for one it
        selected, else the first period it may start in."""
        plan, res = self.plan, self.result
        labels = self.labels
        out = []
        for ini in plan.initiatives:
            allowed = window(ini, plan.settings)
            out.append(allowed[0] if len(allowed) else 0)
        for r in res.initiatives:
            if r.selected and self.timed and r.start in labels:
                out[plan.index(r.id)] = labels.index(r.start)
        return out

    # ---- formulas

    def _sumifs(self, name: str, t: int | None) -> str:
        """The named column summed over the initiatives in the plan (starting in period t)."""
        if t is None:
            return f'SUMIFS({name},{IN_PLAN},"{YES}")'
        return f'SUMIFS({name},{IN_PLAN},"{YES}",{START_NO},{t + 1})'

    def cost_formula(self) -> str:
        """The edited total cost, as a result counts it: the Cost of the initiatives in the plan,
        and the stop or retire cost of each running one left out (a review's)."""
        cost = f'SUMIFS({COST},{IN_PLAN},"{YES}")'
        outs = [ini.out_cost for ini in self.plan.initiatives]
        if not any(outs):
            return cost
        kept = self._sumifs(self.helper(("out",), WHATIF.out_cost, outs), None)
        return f"{cost}+{_number(math.fsum(outs))}-{kept}"

    def value_formula(self, objective: bool) -> str:
        """The edited total score (``objective``: the objective's coefficients, before penalties)."""
        plan, s = self.plan, self.plan.settings
        fn = start_value if objective else start_score
        key_word = "objective" if objective else "value"
        if not self.timed:
            values = [fn(ini, 0, s) for ini in plan.initiatives]
            header = WHATIF.objective if objective else WHATIF.value
            return _checked(self._sumifs(self._valued(key_word, 0, header, values), None))
        parts = []
        for t, label in enumerate(self.labels):
            values = [fn(ini, t, s) for ini in plan.initiatives]
            header = (WHATIF.objective_at if objective else WHATIF.value_at).format(period=label)
            parts.append(self._sumifs(self._valued(key_word, t, header, values), t))
        return _checked("+".join(parts))

    def _valued(self, key_word: str, t: int, header: str, values: list[float]) -> str:
        """A column of values; the objective's is the value's when they agree (no npv)."""
        if key_word == "objective" and ("value", t) in self._keys:
            same = self.helpers[[h.name for h in self.helpers].index(self._keys[("value", t)])]
            if list(same.values) == values:
                return same.name
        return self.helper((key_word, t), header, values)

    def sum_formula(self, limit: Limit, scoped: bool = True) -> str:
        """A limit's column summed over the edited selection, with what it holds whatever is chosen."""
        plan = self.plan
        scope = (limit.column, limit.scope, limit.scope_op, scoped)
        title = limit.family if scoped else f"{limit.column} (all)"
        if limit.period is None:
            values = [contribution(plan, limit, i, _first(plan, i), scoped) for i in range(len(plan.initiatives))]
            parts = [self._sumifs(self.helper(("whole", *scope), WHATIF.use.format(limit=title), values), None)]
        else:
            parts = self._period_parts(limit, scoped, scope, title)
        offset = limit_offset(plan, limit, scoped)
        if offset:
            parts.append(_number(offset))
        return _checked("+".join(parts) or "0")

    def _period_parts(self, limit: Limit, scoped: bool, scope: tuple, title: str) -> list[str]:
        """A per-period limit's sum: each build period's use of the initiatives that started that
        many periods before, less the stop or retire costs that selecting one in period 0 saves."""
        plan, p = self.plan, limit.period
        assert p is not None
        n = len(plan.initiatives)
        inside = [not scoped or limit.applies_to(ini) for ini in plan.initiatives]
        uses = [demand(plan, limit, i) if inside[i] else [] for i in range(n)]
        longest = max((len(u) for u in uses), default=0)
        parts = []
        for k in range(min(longest, p + 1)):
            values = [u[k] if k < len(u) else 0.0 for u in uses]
            if not any(values):
                continue
            name = self.helper(("build", *scope, k), WHATIF.use_at.format(limit=title, k=k + 1), values)
            parts.append(self._sumifs(name, p - k))
        outs = out_values(plan, limit.column)
        if p == 0 and outs is not None:
            saved = [o if inside[i] else 0.0 for i, o in enumerate(outs)]
            if any(saved):
                parts.append("-" + self._sumifs(self.helper(("saved", *scope), WHATIF.saved, saved), 0))
        return parts

    def use_formula(self, rule: LimitRule) -> str | None:
        """What the edited selection uses of a limit, as a formula; None for a kind no sum states."""
        lim = rule.limit
        kind = type(rule)
        if kind in (HardLimit, SoftLimit):
            return self.sum_formula(lim)
        if kind is ShareLimit:
            whole = self.sum_formula(lim, scoped=False)
            return _checked(f"IF(({whole})=0,0,({self.sum_formula(lim)})/({whole}))")
        if kind is ChangeLimit and lim.period is not None:  # the move from its period to the next
            first = replace(lim, kind="", min=None, max=None)
            second = replace(first, period=lim.period + 1)
            move = f"({self.sum_formula(second)})-({self.sum_formula(first)})"
            return _checked(f"IF({move}<0,-({move}),{move})")
        return None


def _defined_name(header: str, taken: set[str]) -> str:
    """A defined name a person reads in the formulas, from a hidden column's header:
    ``What-if: Data eng FTE, build period 2`` -> ``WhatIf_Data_eng_FTE_build_period_2`` (a
    number added when taken; the prefix keeps it from reading as a cell address)."""
    words = re.findall(r"[A-Za-z0-9]+", header.partition(":")[2] or header)
    base = "WhatIf_" + "_".join(words)[:200]
    name, k = base, 1
    used = {n.casefold() for n in taken | _FIXED_NAMES}  # a spreadsheet's names ignore case
    while name.casefold() in used:
        k += 1
        name = f"{base}_{k}"
    return name


def _first(plan: Plan, i: int) -> int:
    """The first period initiative i may start in (0 when none: what it adds is then the same)."""
    allowed = window(plan.initiatives[i], plan.settings)
    return allowed[0] if len(allowed) else 0


def _number(x: float) -> str:
    """A number as a formula writes it, exactly (17 significant digits)."""
    text = f"{x:.17g}"
    return f"({text})" if x < 0 else text


def _checked(text: str) -> str:
    """``text``, when a spreadsheet keeps a formula that long (else :class:`TooLong`)."""
    if len(text) > MAX_FORMULA:
        raise TooLong(text[:40])
    return text


# --------------------------------------------------------------------------- the Ranking


def ranking_columns(w: WhatIf) -> tuple[list[str], list[str | None]]:
    """The editable columns' headers and formats, as inserted after ``Selected``."""
    if w.timed:
        return [RANKING.in_plan, RANKING.your_start], [None, "@"]
    return [RANKING.in_plan], [None]


def ranking_cells(w: WhatIf, r: Any, starts: Sequence[int]) -> list[Any]:
    """One Ranking row's editable cells: In plan as the optimizer chose, and its start."""
    cells: list[Any] = [YES if r.selected else NO]
    if w.timed:
        cells.append(w.labels[starts[w.plan.index(r.id)]])
    return cells


def helper_headers(w: WhatIf) -> list[str]:
    """The hidden columns' headers, at the Ranking's right (a start number first when timed)."""
    return ([WHATIF.start_number] if w.timed else []) + [h.header for h in w.helpers]


def helper_cells(w: WhatIf, r: Any, row: int, start_col: int) -> list[Any]:
    """One Ranking row's hidden cells: its start number (a formula of its own row's start, 0
    when it is not a period) and its figure in every hidden column."""
    i = w.plan.index(r.id)
    cells: list[Any] = []
    if w.timed:
        cell = f"{get_column_letter(start_col)}{row}"
        terms = "+".join(f'({cell}="{_text(label)}")*{t + 1}' for t, label in enumerate(w.labels))
        cells.append(Formula(terms))
    return cells + [h.values[i] for h in w.helpers]


def _text(label: str) -> str:
    """Text inside a formula's quotes."""
    return label.replace('"', '""')


def finish_ranking(ws, w: WhatIf, header: Sequence[str], rows: int) -> None:
    """The Ranking's what-if: drop-downs on the editable cells (unlocked, the rest locked),
    the hidden columns hidden, defined names over the data rows, the sheet protected without a
    password (sorting and filtering allowed)."""
    wb = ws.parent
    last = rows + 1
    col = {h: k for k, h in enumerate(header, start=1)}
    in_col = col[RANKING.in_plan]
    letter = get_column_letter(in_col)
    yes_no = DataValidation(type="list", formula1=f'"{YES},{NO}"', allow_blank=False)
    yes_no.error, yes_no.errorTitle = "Choose Yes or No", "In plan"
    yes_no.add(f"{letter}2:{letter}{last}")
    ws.add_data_validation(yes_no)
    unlock_cells(ws, in_col, 2, last)
    sel = get_column_letter(col[RANKING.selected])
    ws.conditional_formatting.add(
        f"{letter}2:{letter}{last}", FormulaRule(formula=[f"${letter}2<>${sel}2"], fill=EDITED_FILL)
    )
    names = {IN_PLAN: in_col, COST: col[RANKING.cost]}
    if w.timed:
        s_col = col[RANKING.your_start]
        s_letter = get_column_letter(s_col)
        periods = DataValidation(type="list", formula1=PERIOD_LIST, allow_blank=False)
        periods.error, periods.errorTitle = "Choose one of the plan's periods", RANKING.your_start
        periods.add(f"{s_letter}2:{s_letter}{last}")
        ws.add_data_validation(periods)
        unlock_cells(ws, s_col, 2, last)
        names[START] = s_col
        names[START_NO] = col[WHATIF.start_number]
        _periods_sheet(wb, w.labels)
    for h in w.helpers:
        names[h.name] = col[h.header]
    for name, c in names.items():
        ref = f"{quote_sheetname(ws.title)}!${get_column_letter(c)}$2:${get_column_letter(c)}${last}"
        wb.defined_names[name] = DefinedName(name, attr_text=ref)
    for hidden in helper_headers(w):
        ws.column_dimensions[get_column_letter(col[hidden])].hidden = True
    protect(ws)


def protect(ws) -> None:
    """Protect ``ws`` without a password: its formulas stay as written, and sorting,
    filtering and resizing stay allowed."""
    p = ws.protection
    p.sheet = True
    p.sort = p.autoFilter = p.formatColumns = p.formatRows = False


def _periods_sheet(wb, labels: Sequence[str]) -> None:
    """The hidden list of the plan's periods that ``Your start``'s drop-down offers."""
    ws = wb.create_sheet(OUTPUT.whatif_lists)
    put(ws, 1, 1, WHATIF.period)
    for r, label in enumerate(labels, start=2):
        put(ws, r, 1, label)
    ws.sheet_state = "hidden"
    wb.defined_names[PERIOD_LIST] = DefinedName(
        PERIOD_LIST, attr_text=f"{quote_sheetname(ws.title)}!$A$2:$A${len(labels) + 1}"
    )
    protect(ws)


# --------------------------------------------------------------------------- the Summary


#: How a limit's figures are shown: its number format, given the money format
LimitFormat = Callable[[Limit, str], str]


@dataclass(frozen=True)
class _Layout:
    """Where the "Your edits" tables sit on the Summary: each table's header row."""

    top: int
    measures: tuple[str, ...]
    limits: int
    rules: int

    def at(self, label: str) -> int:
        """The row of a headline figure."""
        return self.top + 1 + self.measures.index(label)


def write_summary(ws, w: WhatIf, money: str, r: int, limit_format: LimitFormat) -> int:
    """The Summary's "Your edits" tables from row ``r``, on a page of their own: the headline
    figures, every limit and every rule with the edited selection (each limit's figures as
    ``limit_format`` shows them), and notes on what no formula states; the last row written."""
    plan = w.plan
    rules = limit_rules(plan)
    rule_rows, notes = _rule_rows(w)
    labels = [total_label(plan.settings.scoring), SUMMARY.objective_value, SUMMARY.total_cost]
    if plan.settings.budget is not None:
        labels.append(SUMMARY.budget_left)
    labels += [SUMMARY.selected, WHATIF.share, WHATIF.limits_broken, WHATIF.rules_broken]
    ws.row_breaks.append(Break(id=r - 1))  # on a page of its own when printed: never cut from its title
    limits_at = r + len(labels) + 2
    lay = _Layout(r, tuple(labels), limits_at, limits_at + max(1, len(rules)) + 2)
    _measure_table(ws, w, money, lay, rules, len(rule_rows))
    notes += _limit_table(ws, w, money, lay, rules, limit_format)
    end = _rule_table(ws, lay, rule_rows)
    if notes:
        end = write_notes(ws, end + 2, notes, title=NOTES_TITLE, last_column=7)
    return end


def _measure_table(ws, w: WhatIf, money: str, lay: _Layout, rules: list[LimitRule], rule_count: int) -> None:
    """The headline figures: the optimizer's, with your edits, and the difference."""
    plan, res = w.plan, w.result
    s = plan.settings
    chosen = _chosen(res)
    opt_objective = portfolio_value(plan, chosen)
    penalties = "".join(
        f"-{_number(rule.limit.penalty)}*({_overshoot(f'$E${lay.limits + 1 + k}', rule)})"
        for k, rule in enumerate(rules)
        if isinstance(rule, SoftLimit) and rule.limit.penalty
    )
    constant = objective_constant(plan)
    cost = f"C{lay.at(SUMMARY.total_cost)}"
    value_fmt = money if s.scoring.is_money else "#,##0.000"
    value, objective = (
        _or_none(lambda: w.value_formula(objective=False)),
        _or_none(
            lambda: _checked(
                w.value_formula(objective=True) + penalties + (f"+{_number(constant)}" if constant else "")
            )
        ),
    )
    rows: dict[str, tuple[Any, str | None, str | None]] = {
        total_label(s.scoring): (res.total_value, value, value_fmt),
        SUMMARY.objective_value: (opt_objective, objective, money),
        SUMMARY.total_cost: (res.total_cost, w.cost_formula(), money),
        SUMMARY.budget_left: ((s.budget or 0.0) - res.total_cost, f"{_number(s.budget or 0.0)}-{cost}", money),
        SUMMARY.selected: (len(res.selected), f'COUNTIFS({IN_PLAN},"{YES}")', "0"),
        WHATIF.share: (
            1.0,
            f'IF(B{lay.at(SUMMARY.objective_value)}=0,"",C{lay.at(SUMMARY.objective_value)}/B{lay.at(SUMMARY.objective_value)})',
            PERCENT,
        ),
        WHATIF.limits_broken: (0, _count_yes("G", lay.limits, len(rules)), "0"),
        WHATIF.rules_broken: (0, _count_yes("B", lay.rules, rule_count), "0"),
    }
    header = (WHATIF.title, WHATIF.optimizer, WHATIF.edited, WHATIF.difference)
    write_table(ws, header, [], start_row=lay.top, freeze=False, autofilter=False)
    for label in lay.measures:
        k = lay.at(label)
        optimizer, formula, fmt = rows[label]
        put(ws, k, 1, label)
        _figure(ws, k, 2, optimizer, fmt)
        if formula is None:
            put(ws, k, 3, NOT_COMPUTED)
            continue
        _figure(ws, k, 3, Formula(formula), fmt)
        if label != WHATIF.share:
            _figure(ws, k, 4, Formula(f"C{k}-B{k}"), fmt)
        if label in (WHATIF.limits_broken, WHATIF.rules_broken):
            _red_when(ws, f"A{k}:D{k}", f"$C{k}>0")


def _or_none(make: Callable[[], str]) -> str | None:
    """The formula ``make`` gives, or None when it is too long for a spreadsheet."""
    try:
        return make()
    except TooLong:
        return None


def _count_yes(column: str, header_row: int, count: int) -> str:
    """How many of a table's Broken cells say Yes."""
    if not count:
        return "0"
    return f'COUNTIFS(${column}${header_row + 1}:${column}${header_row + count},"{YES}")'


def _red_when(ws, cells: str, condition: str) -> None:
    """Conditional formatting: ``cells`` turn red while ``condition`` holds (a formula of its first row)."""
    ws.conditional_formatting.add(cells, FormulaRule(formula=[condition], fill=BROKEN_FILL, font=BROKEN_FONT))


def _figure(ws, row: int, col: int, value: Any, fmt: str | None) -> None:
    """A figure (a number, or one of our formulas) in its number format."""
    cell = put(ws, row, col, value)
    if fmt is None:
        return
    if type(value) is Formula:
        # a quantity's decimals are unknown until computed: General shows 14 and 9.5 as they are
        cell.number_format = "General" if fmt == NUMBER else shown_format(fmt, 0.5)
    else:
        set_format(cell, fmt)


def _chosen(res: Result) -> Chosen:
    """The optimizer's portfolio, each selected initiative at its start."""
    plan = res.plan
    labels = plan.settings.period_labels() if plan.settings.periods else []
    mask = [False] * len(plan.initiatives)
    starts = {}
    for r in res.initiatives:
        if r.selected:
            i = plan.index(r.id)
            mask[i] = True
            starts[i] = labels.index(r.start) if labels and r.start in labels else 0
    return Chosen.of(mask, starts)


def _overshoot(used: str, rule: LimitRule) -> str:
    """How far past its bounds the use in cell ``used`` runs, as a formula."""
    lim = rule.limit
    parts = []
    if lim.max is not None:
        parts.append(f"IF({used}>{_number(lim.max)},{used}-{_number(lim.max)},0)")
    if lim.min is not None:
        parts.append(f"IF({used}<{_number(lim.min)},{_number(lim.min)}-{used},0)")
    return "+".join(parts) or "0"


def _limit_table(
    ws, w: WhatIf, money: str, lay: _Layout, rules: list[LimitRule], limit_format: LimitFormat
) -> list[str]:
    """Every limit with your edits: its bounds, the optimizer's use, yours, the slack and
    whether it is broken (the row red); returns notes on limits no formula states."""
    header = (WHATIF.limit, WHATIF.min, WHATIF.max, WHATIF.optimizer_used, WHATIF.used, WHATIF.slack, WHATIF.broken)
    write_table(ws, header, [], start_row=lay.limits, freeze=False, autofilter=False)
    notes = []
    uses = {id(rule): u for rule, u in zip(rules, w.result.limits) if u.limit.name == rule.limit.name}
    for k, rule in enumerate(rules, start=lay.limits + 1):
        lim = rule.limit
        fmt = limit_format(lim, money)
        put(ws, k, 1, lim.name)
        _figure(ws, k, 2, lim.min, fmt)
        _figure(ws, k, 3, lim.max, fmt)
        use = uses.get(id(rule))
        _figure(ws, k, 4, use.used if use is not None else None, fmt)
        try:
            formula = w.use_formula(rule)
        except TooLong:
            formula = None
        if formula is None:
            put(ws, k, 5, NOT_COMPUTED)
            notes.append(
                f"{lim.name}: a {rule.name} limit no spreadsheet sum states; check an edited plan with "
                "compare (its use is not computed in these formulas)."
            )
            continue
        _figure(ws, k, 5, Formula(formula), fmt)
        _figure(ws, k, 6, Formula(_slack(f"E{k}", lim)), fmt)
        put(ws, k, 7, Formula(_broken(f"E{k}", rule))).alignment = CENTRED  # apart from the slack's digits
        _red_when(ws, f"A{k}:G{k}", f'$G{k}="{YES}"')
    if not rules:
        put(ws, lay.limits + 1, 1, "No limits")
    return notes


def _slack(used: str, lim: Limit) -> str:
    """Room left to the nearest bound (negative when broken), as :class:`LimitUse` counts it."""
    gaps = []
    if lim.max is not None:
        gaps.append(f"{_number(lim.max)}-{used}")
    if lim.min is not None:
        gaps.append(f"{used}-{_number(lim.min)}")
    if len(gaps) == 2:
        return f"IF({gaps[0]}<{gaps[1]},{gaps[0]},{gaps[1]})"
    return gaps[0] if gaps else '""'


def _broken(used: str, rule: LimitRule) -> str:
    """Yes when the use in cell ``used`` runs past a bound and its tolerance, as the rule checks."""
    lim, tol = rule.limit, rule.tolerance()
    tests = []
    if lim.max is not None:
        tests.append(f"({used}>{_number(lim.max + rule.allowance('max') + tol)})")
    if lim.min is not None:
        tests.append(f"({used}<{_number(lim.min - rule.allowance('min') - tol)})")
    if not tests:
        return f'"{NO}"'
    return f'IF({"+".join(tests)}>0,"{YES}","{NO}")'


def _in(i: int) -> str:
    """1 when initiative i (plan order) is in the edited plan, else 0."""
    return f'COUNTIFS({KEY},{i + 1},{IN_PLAN},"{YES}")'


def _rule_rows(w: WhatIf) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Every rule but the limits, in words, with the formula that says Yes when it is broken;
    and notes on rules no formula states."""
    plan = w.plan
    ids = [ini.id for ini in plan.initiatives]
    rows: list[tuple[str, str | None]] = []
    notes = []
    for i, ini in enumerate(plan.initiatives):
        if ini.decision is Decision.MUST:
            rows.append((f"Must {ini.id} in the plan", f'IF({_in(i)}=0,"{YES}","{NO}")'))
        elif ini.decision is Decision.EXCLUDE:
            rows.append((f"Excluded {ini.id} left out", f'IF({_in(i)}>0,"{YES}","{NO}")'))
    timed = timed_dependencies(plan.settings)
    for i, j in dependency_pairs(plan):
        if not timed:
            rows.append((f"{ids[i]} needs {ids[j]}", f'IF({_in(i)}=0,"{NO}",IF({_in(j)}=0,"{YES}","{NO}"))'))
            continue
        d = build_periods(plan.initiatives[j], plan.settings)
        early = f"SUMIFS({START_NO},{KEY},{i + 1})<SUMIFS({START_NO},{KEY},{j + 1})+{d}"
        rows.append(
            (
                f"{ids[i]} needs {ids[j]}, finished before it starts",
                f'IF({_in(i)}=0,"{NO}",IF({_in(j)}=0,"{YES}",IF({early},"{YES}","{NO}")))',
            )
        )
    groups = [(g, m) for g, m in exclusive_groups(plan).items() if len(m) > 1]
    for number, (g, members) in enumerate(groups, start=1):
        rows.append(
            (
                f"At most one of exclusive group {g} ({', '.join(ids[i] for i in members)})",
                f'IF(COUNTIFS({GROUP},{number},{IN_PLAN},"{YES}")>1,"{YES}","{NO}")',
            )
        )
    if w.timed:
        rows.append(
            (
                f"Every initiative in the plan starts in one of its periods ({RANKING.your_start})",
                f'IF(COUNTIFS({IN_PLAN},"{YES}",{START_NO},0)>0,"{YES}","{NO}")',
            )
        )
        rows += _window_rows(w)
    for rule in plan_rules(plan):
        if isinstance(rule, BudgetConfidence):
            rows.append((f"Budget kept with {rule.confidence:.0%} confidence", None))
            notes.append(
                "The budget's confidence needs simulated worlds, which no spreadsheet formula runs: "
                "check an edited plan with compare."
            )
    return rows, notes


def _window_rows(w: WhatIf) -> list[tuple[str, str]]:
    """A rule per initiative whose Earliest or Latest start narrows its start: Yes when it is in
    the edited plan and its ``Your start`` is a period before or after that window (a start that
    is no period at all is the rule above)."""
    plan, labels = w.plan, w.labels
    rows = []
    for i, ini in enumerate(plan.initiatives):
        allowed = window(ini, plan.settings)
        if not len(allowed) or (allowed[0] == 0 and allowed[-1] == len(labels) - 1):
            continue
        this = f'{KEY},{i + 1},{IN_PLAN},"{YES}"'
        outside = []
        if allowed[0] > 0:  # a period number (1-based) below its first allowed one
            outside.append(f'COUNTIFS({this},{START_NO},">0",{START_NO},"<{allowed[0] + 1}")')
        if allowed[-1] < len(labels) - 1:
            outside.append(f'COUNTIFS({this},{START_NO},">{allowed[-1] + 1}")')
        span = (
            f"in {labels[allowed[0]]}"
            if len(allowed) == 1
            else f"between {labels[allowed[0]]} and {labels[allowed[-1]]}"
        )
        rows.append(
            (
                f"{ini.id} starts {span} (its Earliest and Latest start)",
                f'IF({"+".join(outside)}>0,"{YES}","{NO}")',
            )
        )
    return rows


def _rule_table(ws, lay: _Layout, rows: list[tuple[str, str | None]]) -> int:
    """Every rule with Yes in Broken (the row red) when the edited plan breaks it; the last row."""
    write_table(ws, (WHATIF.rule, WHATIF.broken), [], start_row=lay.rules, freeze=False, autofilter=False)
    k = lay.rules
    for k, (text, formula) in enumerate(rows, start=lay.rules + 1):
        put(ws, k, 1, text)
        if formula is None:
            put(ws, k, 2, NOT_COMPUTED)
            continue
        put(ws, k, 2, Formula(_checked(formula)))
        _red_when(ws, f"A{k}:B{k}", f'$B{k}="{YES}"')
    if not rows:
        k = lay.rules + 1
        put(ws, k, 1, "No rules beyond the limits")
    return k


def how_text(w: WhatIf, sheet: str = OUTPUT.summary) -> str:
    """The note on how to use the what-if, over its tables on ``sheet``."""
    if w.timed:
        return HOW_TEXT.format(start=START_TEXT, start_cells=f" and {RANKING.your_start}", sheet=sheet)
    return HOW_TEXT.format(start="", start_cells="", sheet=sheet)
