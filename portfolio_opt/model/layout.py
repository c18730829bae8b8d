"""The workbook's vocabulary, in one place: every sheet, column, setting and solver.

The reader, the validator, the template, the writers and the README's tables all take their
names from here (a test holds the README to it), and so do the workbooks the tool writes
(:data:`OUTPUT`, each table's header) and the leadership page that reads them back. Pure data:
no imports from the package.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

# --------------------------------------------------------------------------- sheets

INSTRUCTIONS = "Instructions"
INITIATIVES = "Initiatives"
CONSTRAINTS = "Constraints"
SETTINGS = "Settings"
SCENARIOS = "Scenarios"
CRITERIA = "Criteria"
PAIRWISE = "Pairwise"
BUDGETS = "Budgets"
#: the input sheets, in the order a planning workbook holds them
INPUT_SHEETS = (INSTRUCTIONS, INITIATIVES, CONSTRAINTS, SETTINGS, SCENARIOS, CRITERIA, PAIRWISE, BUDGETS)
#: how the Scoring setting scores an initiative (see portfolio_opt.criteria)
SCORINGS = ("expected value", "weighted", "blend", "wsjf", "rice")

#: the solvers, in order of preference
SOLVERS = ("highs", "cbc")
#: what the ``Count`` column of a limit means: the number of initiatives selected
COUNT = "Count"


# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class Column:
    """A column the tool understands: its header as written in the template, whether every
    workbook needs it, its number format in the template, and what to enter."""

    header: str
    required: bool = False
    number_format: str | None = None
    help: str = ""
    #: multi-period plans only (the template shows it only in such plans)
    timed: bool = False
    #: a risk input: the template's Instructions list it, its Initiatives sheet leaves it out
    #: (a plan that uses it adds the column)
    risk: bool = False
    #: a quarterly-review input: listed and left out alike
    review: bool = False

    @property
    def label(self) -> str:
        """The header without its unit in brackets: what error messages call it."""
        return self.header.split(" (")[0]


INITIATIVE_COLUMNS: tuple[Column, ...] = (
    Column("ID", True, None, "Unique text, e.g. INI-001."),
    Column("Name", True, None, "A short name."),
    Column("Owner", False, None, "Who is accountable."),
    Column("Theme", False, None, "E.g. Retention, Revenue, Cost, Platform, Risk (used in Scope)."),
    Column("Outcome metric", False, None, "What moves if it works."),
    Column("Impact (per year)", True, "#,##0", "Annual benefit once live, in currency per year."),
    Column("Probability", True, "0%", "Chance of success, 0 to 1 (type 70% or 0.7)."),
    Column("Time to value (months)", True, "0", "Months from the start until the benefit begins."),
    Column("Cost", True, "#,##0", "One-time cost."),
    Column("Run cost (per year)", False, "#,##0", "Annual operating cost once live (blank = 0)."),
    Column("Depends on", False, None, "IDs that must be selected too, separated by commas."),
    Column("Exclusive group", False, None, "At most one initiative of a group is selected."),
    Column("Decision", False, None, "Must (forced in), Exclude (forced out), or blank (optimizer decides)."),
    Column("Impact low (per year)", False, "#,##0", "Risk: the lowest plausible Impact (blank: Impact).", risk=True),
    Column("Impact high (per year)", False, "#,##0", "Risk: the highest plausible Impact (blank: Impact).", risk=True),
    Column(
        "Cost high",
        False,
        "#,##0",
        "Risk: the cost if it overruns; cost ranges from Cost to it (blank: no overrun).",
        risk=True,
    ),
    Column(
        "Time to value high (months)",
        False,
        "0",
        "Risk: the latest plausible time to value (blank: no delay).",
        risk=True,
    ),
    Column(
        "Risk group",
        False,
        None,
        "Risk: initiatives that tend to succeed or fail together share a group name.",
        risk=True,
    ),
    Column("Status", False, None, "Review: Proposed (blank), In progress, Live, Done or Stopped.", review=True),
    Column("Spent to date", False, "#,##0", "Review: money already spent (sunk: never counted again).", review=True),
    Column(
        "Remaining cost",
        False,
        "#,##0",
        "Review: what finishing an In progress one costs (blank: Cost − Spent to date).",
        review=True,
    ),
    Column(
        "Stop cost",
        False,
        "#,##0",
        "Review: the wind-down cost if an In progress one is stopped (blank: 0).",
        review=True,
    ),
    Column("Retire cost", False, "#,##0", "Review: the cost of retiring a Live one (blank: 0).", review=True),
    Column("Actual value to date", False, "#,##0", "Review: the benefit realized so far.", review=True),
    Column("Started", False, None, "Review: when it started, a date or a period label such as 2027-Q1.", review=True),
    Column("Live since", False, None, "Review: when its value began, a date or a period label.", review=True),
    Column("Duration (months)", False, "0", "Build time (blank: one period).", timed=True),
    Column(
        "Earliest start", False, None, "The first period it may start in: a label or number 1..Periods.", timed=True
    ),
    Column("Latest start", False, None, "The last period it may start in.", timed=True),
    Column(
        "Cost profile", False, None, "Shares of Cost per build period, e.g. 50%, 30%, 20% (blank: even).", timed=True
    ),
    Column(
        "<column> profile",
        False,
        None,
        "A numeric column's use in each build period, as multipliers, "
        "e.g. Data eng FTE profile: 100%, 50% (blank: flat).",
        timed=True,
    ),
)

CONSTRAINT_COLUMNS: tuple[Column, ...] = (
    Column("Column", True, None, "An Initiatives column header, or Count (the number selected)."),
    Column(
        "Scope",
        False,
        None,
        "All, <column>=<value> (Theme=Retention), or a comparison of a numeric "
        "column (Probability<0.5; <, <=, >, >= compare numbers).",
    ),
    Column("Min", False, "#,##0", "The least the scope's sum may be."),
    Column("Max", False, "#,##0", "The most the scope's sum may be."),
    Column("Min share", False, "0%", "The least share of the column's total over every selected initiative, e.g. 20%."),
    Column(
        "Max share", False, "0%", "The most share of that total, e.g. 30% (no more than 30% of spend on long shots)."
    ),
    Column(
        "Tolerance",
        False,
        "#,##0",
        "How far Min or Max may be passed: in the column's units, or a % of the bound (blank: a hard limit).",
    ),
    Column("Penalty", False, "#,##0", "Objective value lost per unit beyond the bound (blank: 0)."),
    Column("Period", False, None, "Multi-period plans: a period label, or each (blank: the whole plan).", timed=True),
    Column(
        "Max per period change",
        False,
        "#,##0",
        "Multi-period plans: how far the row's use may move from one period to the next, in the column's "
        "units or a % of the row's Max (e.g. 2,000,000: spend ramps up and down smoothly).",
        timed=True,
    ),
)

#: Constraints columns a row may use besides Column, Scope, Min and Max (and Period)
CONSTRAINT_OPTIONAL = ("Min share", "Max share", "Tolerance", "Penalty")


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Setting:
    """A row of the Settings sheet: its label, the Settings field, default, unit and meaning."""

    label: str
    attr: str
    default: object
    help: str
    choices: tuple[str, ...] = ()
    unit: str = ""
    aliases: tuple[str, ...] = ()  #: other names accepted (normalized)
    #: how the README's table shows the default
    shown_default: str = ""


SETTINGS_ROWS: tuple[Setting, ...] = (
    Setting(
        "Budget",
        "budget",
        None,
        "Maximum total Cost (blank: no budget). --budget overrides it.",
        unit="currency",
        shown_default="none",
    ),
    Setting(
        "Horizon (months)",
        "horizon_months",
        36,
        "Benefits after the horizon are not counted (default 36).",
        unit="months",
        shown_default="36",
    ),
    Setting(
        "Discount rate", "discount_rate", 0.10, "Annual, e.g. 10% (default).", unit="per year", shown_default="10%"
    ),
    Setting(
        "Objective",
        "objective",
        "value",
        "value: maximize expected benefit (default); npv: benefit minus cost.",
        ("value", "npv"),
        shown_default="`value`",
    ),
    Setting(
        "Solver", "solver", "highs", "highs (default) or cbc. --solver overrides it.", SOLVERS, shown_default="`highs`"
    ),
    Setting(
        "Time limit (s)",
        "time_limit",
        None,
        "Stop with the best portfolio found after this many seconds (blank: none).",
        unit="seconds",
        shown_default="none",
    ),
    Setting(
        "Gap",
        "gap",
        0.0001,
        "Relative optimality gap: 0.01% (default) stops within 0.01% of the best possible; 0 asks for a proof.",
        aliases=("optimalitygap",),
        shown_default="0.0001",
    ),
    Setting(
        "Currency",
        "currency",
        None,
        "A symbol for money in the results, e.g. € or $ (blank: none).",
        shown_default="none",
    ),
    Setting(
        "Periods",
        "periods",
        None,
        "Multi-period plans: how many periods (blank: one lump).",
        shown_default="none (one lump)",
    ),
    Setting(
        "Period length (months)",
        "period_length",
        3,
        "Multi-period plans: months per period (default 3).",
        unit="months",
        shown_default="3",
    ),
    Setting(
        "First period",
        "first_period",
        None,
        "Multi-period plans: the first label, e.g. 2027-Q1, or a date (default P1).",
        shown_default="`P1`",
    ),
    Setting(
        "Dependencies",
        "timed_dependencies",
        "timed",
        "Multi-period plans: timed (a dependent starts after its prerequisite finishes) "
        "or together (only selected together).",
        ("timed", "together"),
        shown_default="`timed`",
    ),
    Setting(
        "Scoring",
        "scoring",
        "expected value",
        "expected value (default): Probability × (Impact − Run cost) × D; "
        "weighted: the Criteria score; blend: expected value × (1 + Criteria weight × (criteria score − 0.5)); "
        "wsjf: (Business value + Time criticality + Risk reduction) / Job size; rice: Reach × Impact × "
        "Confidence / Effort.",
        ("expected value", "weighted", "blend", "wsjf", "rice"),
        shown_default="`expected value`",
    ),
    Setting(
        "Criteria weight",
        "criteria_weight",
        0.5,
        "With blend: how far the criteria score tilts the expected value, 0 to 1 (default 0.5: ±25%).",
        shown_default="0.5",
    ),
    Setting(
        "Value target",
        "value_target",
        None,
        "Risk: the portfolio value to reach; the chance of reaching it is reported (blank: none).",
        unit="currency",
        shown_default="none",
    ),
    Setting(
        "Risk level",
        "risk_level",
        0.10,
        "Risk: the share of worst outcomes CVaR averages, e.g. 10% (default).",
        shown_default="10%",
    ),
    Setting(
        "Risk objective",
        "risk_objective",
        "expected",
        "expected: maximize the expected value (default); cvar: weigh in the mean of the worst outcomes.",
        ("expected", "cvar"),
        shown_default="`expected`",
    ),
    Setting(
        "Risk weight",
        "risk_weight",
        0.5,
        "Risk: with cvar, maximize (1 − w) · expected value + w · CVaR; 0 to 1 (default 0.5).",
        shown_default="0.5",
    ),
    Setting(
        "Budget confidence",
        "budget_confidence",
        None,
        "Risk: the share of simulated worlds (costs drawn up to Cost high) in which the cost must stay "
        "within the budget, e.g. 80% (blank: the budget holds at the Cost).",
        shown_default="none",
    ),
    Setting(
        "Risk samples",
        "risk_samples",
        1000,
        "Risk: simulated worlds the cvar objective is taken over (default 1,000).",
        shown_default="1000",
    ),
    Setting(
        "Risk correlation",
        "risk_correlation",
        0.5,
        "Risk: how strongly initiatives of one Risk group succeed or fail together, 0 to 1 (default 0.5).",
        shown_default="0.5",
    ),
    Setting(
        "Seed", "seed", 1, "Risk: the random seed; the same seed gives the same numbers (default 1).", shown_default="1"
    ),
    Setting(
        "Review date",
        "review_date",
        None,
        "Review: the date the plan is reviewed on; elapsed months and "
        "realized value count to it (blank: the date the workbook was saved; never the clock).",
        shown_default="the file's saved date",
    ),
    Setting(
        "Run budget",
        "run_budget",
        None,
        "Review: the most the annual Run cost of everything kept live or selected may total (blank: none).",
        unit="currency",
        shown_default="none",
    ),
    Setting(
        "Cluster",
        "cluster",
        None,
        "A Dask scheduler address, e.g. tcp://10.0.0.5:8786: robustness, frontier, "
        "scenarios and explanations run their solves there (blank: on this machine). --cluster overrides it.",
        shown_default="none",
    ),
    Setting(
        "Record",
        "record",
        None,
        "Record every deciding run in the plan-of-record store: yes (PORTFOLIO_OPT_DB, else the default "
        "file), or a store URL such as postgresql://host/portfolio (blank: only with --db or PORTFOLIO_OPT_DB).",
        shown_default="none",
    ),
    Setting(
        "Distribution",
        "distribution",
        "triangular",
        "Risk: how a range is drawn: triangular (default) or pert.",
        ("triangular", "pert"),
        shown_default="`triangular`",
    ),
)


@functools.lru_cache(maxsize=4096)
def _normalized(text: str) -> str:
    out = text.strip()
    while True:
        stripped = re.sub(r"\s*[\(\[][^\(\)\[\]]*[\)\]]\s*$", "", out)
        if stripped == out:
            break
        out = stripped
    return re.sub(r"[\s_]+", "", out).casefold()


def normalize_header(text: object) -> str:
    """A header (or setting name) as matched: no case, spaces or underscores, no trailing
    ``(unit)``.

    >>> normalize_header("Time to value (months)")
    'timetovalue'
    """
    return _normalized(str(text if text is not None else ""))


#: The Settings sheet's names, normalized, -> (Settings field, label as documented). One table
#: for reading and writing, so a setting the reader knows is never dropped on the way out.
SETTING_NAMES: dict[str, tuple[str, str]] = {
    name: (s.attr, s.label) for s in SETTINGS_ROWS for name in (normalize_header(s.label),) + s.aliases
}


# --------------------------------------------------------------------------- outputs
#
# The workbooks the tool writes, sheet by sheet and table by table. The writers
# (portfolio_opt.workbook.results, .reports, .template) take every sheet name and header from
# here, and the leadership page (portfolio_opt.render.sections) reads them back by the same
# names. Each table's header is a named tuple: as a tuple it is the header in order, and each
# column is named (``FRONTIER.budget``). A header with a ``{...}`` field is completed when written.

ID, NAME, THEME, OWNER, OUTCOME_METRIC, COST = "ID", "Name", "Theme", "Owner", "Outcome metric", "Cost"


class OutputSheets(NamedTuple):
    """The sheets of the workbooks the tool writes, by name."""

    summary: str = "Summary"
    ranking: str = "Ranking"
    schedule: str = "Schedule"
    capacity: str = "Capacity"
    value_realization: str = "Value realization"
    realization_by_group: str = "Realization by group"
    robustness_summary: str = "Robustness summary"
    robustness: str = "Robustness"
    run_info: str = "Run info"
    frontier: str = "Frontier"
    scenario_summary: str = "Scenario summary"
    scenario_matrix: str = "Scenario matrix"
    scenario_changes: str = "Scenario changes"
    comparison: str = "Comparison"
    plan_matrix: str = "Plan matrix"
    risk_summary: str = "Risk summary"
    risk_by_initiative: str = "Risk by initiative"
    risk_by_theme: str = "Risk by theme"
    alternatives: str = "Alternatives"
    alternatives_matrix: str = "Alternatives matrix"
    quarter_review: str = "Quarter review"
    estimate_changes: str = "Estimate changes"
    whatif_lists: str = "What-if lists"


OUTPUT = OutputSheets()

#: the sheets a results workbook adds to its input sheets (and a risk workbook holds); reading
#: one back as a plan skips them (they are not input), so optimizing a results workbook again
#: gives the same portfolio
OUTPUT_SHEETS = (
    OUTPUT.summary,
    OUTPUT.ranking,
    OUTPUT.schedule,
    OUTPUT.capacity,
    OUTPUT.run_info,
    OUTPUT.risk_summary,
    OUTPUT.risk_by_initiative,
    OUTPUT.risk_by_theme,
    OUTPUT.robustness_summary,
    OUTPUT.robustness,
    OUTPUT.value_realization,
    OUTPUT.realization_by_group,
    OUTPUT.whatif_lists,
    OUTPUT.quarter_review,
    OUTPUT.estimate_changes,
)


class MeasureColumns(NamedTuple):
    """A sheet of figures, one per row (Summary, Robustness summary, Quarter review); the side by
    side sheets (Scenario summary, Alternatives) start with the same Measure column."""

    measure: str = "Measure"
    value: str = "Value"
    note: str = "Note"


MEASURES = MeasureColumns()


class SummaryMeasures(NamedTuple):
    """The figures of a results workbook's Summary the page reads back (see :func:`total_label`)."""

    status: str = "Status"
    gap: str = "Gap"
    objective: str = "Objective"
    objective_value: str = "Objective value"
    total_value: str = "Total expected value"
    total_score: str = "Total score ({scoring})"
    total_cost: str = "Total cost"
    budget: str = "Budget"
    budget_used: str = "Budget used"
    budget_left: str = "Budget left"
    selected: str = "Initiatives selected"
    penalty_cost: str = "Penalty cost"


SUMMARY = SummaryMeasures()


def total_label(scoring: str) -> str:
    """The Summary's name for the sum of the selected scores: an expected value, or a score.

    >>> total_label("expected value"), total_label("wsjf")
    ('Total expected value', 'Total score (wsjf)')
    """
    return SUMMARY.total_value if scoring == "expected value" else SUMMARY.total_score.format(scoring=scoring)


class LimitColumns(NamedTuple):
    """The Summary's table of limits, one row per limit (nine columns: one page wide)."""

    limit: str = "Limit"
    min: str = "Min"
    max: str = "Max"
    used: str = "Used"
    slack: str = "Slack"
    binding: str = "Binding"
    value_one_more: str = "Value of 1 more unit"
    value_ten_percent: str = "Value of 10% more"
    source: str = "Source"


LIMITS = LimitColumns()


class RiskChoiceColumns(NamedTuple):
    """The Summary's table of a risk-aware choice beside the expected-value optimum."""

    judged: str = "Risk: judged on {samples:,} fresh worlds"
    risk_aware: str = "Risk-aware portfolio"
    expected: str = "Expected-value portfolio"
    difference: str = "Difference"


RISK_CHOICE = RiskChoiceColumns()


class CostRiskMeasures(NamedTuple):
    """The Summary's table of the portfolio's cost on fresh worlds: the confidence the budget holds
    with, and the reserve it needs (the contingency)."""

    title: str = "Cost risk: judged on {samples:,} fresh worlds"
    figure: str = "Value"
    note: str = "Note"
    target: str = "Budget confidence asked"
    within: str = "Within the budget"
    overrun: str = "Cost could overrun by up to"
    contingency: str = "Contingency for {q}% confidence"


COST_RISK = CostRiskMeasures()


class FundingColumns(NamedTuple):
    """The Summary's table of the funding order's worlds (with a Budgets sheet), one per budget."""

    world: str = "World"
    probability: str = "Probability"
    budget: str = "Budget"
    funded: str = "Funded (first of the order)"
    value: str = "Value funded"
    own: str = "Its own optimum"
    price: str = "Price of one order"


FUNDING = FundingColumns()


class CriteriaWeightColumns(NamedTuple):
    """The Summary's table of a committee's criteria and weights."""

    criterion: str = "Criterion"
    weight: str = "Weight"
    scale: str = "Scale"
    direction: str = "Direction (better)"


CRITERIA_WEIGHTS = CriteriaWeightColumns()


class RankingColumns(NamedTuple):
    """Every column a Ranking may hold; a plan's features choose which, and in which order."""

    rank: str = "Rank"
    id: str = ID
    name: str = NAME
    theme: str = THEME
    selected: str = "Selected"
    in_plan: str = "In plan"
    your_start: str = "Your start"
    decision: str = "Decision"
    score: str = "Score"
    cost: str = COST
    value_per_cost: str = "Value per cost"
    score_minus_cost: str = "Score − cost"
    start: str = "Start"
    finish: str = "Finish"
    value_from: str = "Value from"
    delay_loss: str = "Value lost to delay"
    weighted: str = "{column} (weighted)"
    criteria_score: str = "Criteria score"
    reason: str = "Reason"
    order: str = "Funding order"
    funded_from: str = "Funded if the budget is at least"
    selected_in_versions: str = "Selected in versions"
    robustness: str = "Robustness"
    regret: str = "Value lost if flipped"
    break_even_score: str = "Break-even score"
    break_even_cost: str = "Break-even cost"
    if_flipped: str = "If flipped"


RANKING = RankingColumns()


class WhatIfColumns(NamedTuple):
    """The what-if in a results workbook: the Summary's "Your edits" tables, computed by formulas
    from the Ranking's ``In plan`` (and ``Your start``) cells, and the Ranking's hidden columns
    those formulas read (each header completed when written)."""

    title: str = "Your edits"
    optimizer: str = "Optimizer's plan"
    edited: str = "With your edits"
    difference: str = "Difference"
    share: str = "Share of the optimizer's value"
    rules_broken: str = "Rules broken"
    limits_broken: str = "Limits broken"
    limit: str = "Limit (your edits)"
    min: str = "Min"
    max: str = "Max"
    optimizer_used: str = "Optimizer's use"
    used: str = "Used"
    slack: str = "Slack"
    broken: str = "Broken"
    rule: str = "Rule (your edits)"
    key: str = "What-if: row"
    group: str = "What-if: exclusive group"
    start_number: str = "What-if: start number"
    value: str = "What-if: value"
    value_at: str = "What-if: value starting {period}"
    objective: str = "What-if: objective"
    objective_at: str = "What-if: objective starting {period}"
    use: str = "What-if: {limit}"
    use_at: str = "What-if: {limit}, build period {k}"
    saved: str = "What-if: stop or retire cost saved"
    out_cost: str = "What-if: stop or retire cost"
    period: str = "Period"
    number: str = "Number"


WHATIF = WhatIfColumns()


def whatif_column(header: str) -> bool:
    """True for a Ranking column of the what-if (``In plan``, ``Your start`` and the hidden
    columns its formulas read): the page shows what the optimizer chose, not these."""
    return header in (RANKING.in_plan, RANKING.your_start) or header.startswith(WHATIF.key.partition(":")[0] + ":")


class ScheduleColumns(NamedTuple):
    """The Schedule (a period label per column follows)."""

    id: str = ID
    name: str = NAME
    theme: str = THEME
    start: str = "Start"
    finish: str = "Finish"


SCHEDULE = ScheduleColumns()


class CapacityColumns(NamedTuple):
    """Capacity: each per-period limit by period."""

    limit: str = "Limit"
    period: str = "Period"
    min: str = "Min"
    max: str = "Max"
    used: str = "Used"
    surplus: str = "Surplus (deficit)"
    limit_value: str = "Limit value"


CAPACITY = CapacityColumns()


class RealizationColumns(NamedTuple):
    """Value realization: each initiative's value realized against its forecast."""

    id: str = ID
    name: str = NAME
    status: str = "Status"
    outcome_metric: str = OUTCOME_METRIC
    owner: str = OWNER
    theme: str = THEME
    forecast: str = "Forecast to date"
    actual: str = "Actual to date"
    rate: str = "Realization rate"
    flag: str = "Flag"


REALIZATION = RealizationColumns()


class RealizationGroupColumns(NamedTuple):
    """Realization by group: one table per grouping, headed by the grouping's name (one of
    :data:`REALIZATION_GROUPS`), then these columns."""

    initiatives: str = "Initiatives"
    forecast: str = "Forecast to date"
    actual: str = "Actual to date"
    rate: str = "Realization rate"


REALIZATION_BY_GROUP = RealizationGroupColumns()
#: the groupings of Realization by group, in order: the Initiatives column each sums by
REALIZATION_GROUPS = (OUTCOME_METRIC, OWNER, THEME)


class RunInfoColumns(NamedTuple):
    """Run info: what ran, on what, and how (one item per row)."""

    item: str = "Item"
    value: str = "Value"


RUN_INFO = RunInfoColumns()


class RunInfoItems(NamedTuple):
    """The items every output's Run info starts with."""

    tool: str = "Tool"
    tool_version: str = "Tool version"
    input_file: str = "Input file"
    input_sha256: str = "Input SHA-256"
    run_id: str = "Run ID"
    objective: str = "Objective"
    horizon: str = "Horizon (months)"
    discount_rate: str = "Discount rate"
    budget: str = "Budget"
    budget_from: str = "Budget from"
    solver: str = "Solver"
    requested_gap: str = "Requested gap"
    time_limit: str = "Time limit (s)"


RUN_INFO_ITEMS = RunInfoItems()


class RecordSheets(NamedTuple):
    """The sheets of the workbook of the record (``history -o``)."""

    plans_of_record: str = "Plans of record"
    portfolios: str = "Portfolio by period"
    approvals: str = "Approvals"
    runs: str = "Runs"


RECORD_SHEETS = RecordSheets()


class PlanOfRecordColumns(NamedTuple):
    """Plans of record: one row per period, in period order."""

    period: str = "Period"
    run: str = "Run"
    settled: str = "Settled on"
    approvals: str = "Approved by"
    value: str = "Expected value"
    cost: str = COST
    selected: str = "Initiatives"
    input_file: str = "Input file"
    input_sha256: str = "Input SHA-256"


PLAN_OF_RECORD = PlanOfRecordColumns()


class ApprovalColumns(NamedTuple):
    """Approvals: every approval and rejection, oldest first."""

    when: str = "When (UTC)"
    period: str = "Period"
    verdict: str = "Verdict"
    by: str = "By"
    role: str = "Role"
    run: str = "Run"
    note: str = "Note"


APPROVALS = ApprovalColumns()


class RunColumns(NamedTuple):
    """Runs: every recorded run, oldest first."""

    when: str = "When (UTC)"
    run: str = "Run"
    command: str = "Command"
    input_file: str = "Input file"
    status: str = "Status"
    objective: str = "Objective"
    gap: str = "Gap"
    solver: str = "Solver"
    selected: str = "Initiatives"
    output: str = "Output"


RUNS = RunColumns()


class FrontierColumns(NamedTuple):
    """The Frontier: one row per budget."""

    budget: str = "Budget"
    value: str = "Expected value"
    lp_bound: str = "LP bound"
    cost: str = COST
    selected_count: str = "Count"
    marginal_value: str = "Marginal value per unit"
    entered: str = "Entered"
    left: str = "Left"
    current: str = "Current budget"
    status: str = "Status"
    #: with a Budgets sheet: what the funding order funds at that budget, for comparison
    order_value: str = "Funding order value"


FRONTIER = FrontierColumns()


class SideBySideMeasures(NamedTuple):
    """The figures of the side by side sheets (Scenario summary, Alternatives), one per row
    under :attr:`MeasureColumns.measure`, a column per scenario or portfolio."""

    status: str = "Status"
    value: str = "Expected value"
    below_optimum: str = "Below the optimum"
    total_cost: str = "Total cost"
    budget: str = "Budget"
    selected_count: str = "Count"
    vs_baseline: str = "Value vs baseline"
    entered: str = "Entered"
    left: str = "Left"
    budget_used: str = "Budget used"
    limit_used: str = "{limit} used"
    changes: str = "Changes"
    conflict: str = "Conflict (if infeasible)"
    adds: str = "Adds (against the optimum)"
    drops: str = "Drops (against the optimum)"
    description: str = "Description"


SIDE_BY_SIDE = SideBySideMeasures()


class MatrixColumns(NamedTuple):
    """Scenario matrix and Alternatives matrix: each initiative in or out (a column per
    scenario or portfolio follows; Alternatives matrix ends with Differs)."""

    id: str = ID
    name: str = NAME
    theme: str = THEME
    differs: str = "Differs"


MATRIX = MatrixColumns()


class ScenarioChangeColumns(NamedTuple):
    """Scenario changes: who moved in each scenario, and why."""

    scenario: str = "Scenario"
    move: str = "Move"
    id: str = ID
    name: str = NAME
    cause: str = "Cause"


SCENARIO_CHANGES = ScenarioChangeColumns()


class ComparisonColumns(NamedTuple):
    """Comparison: one row per plan."""

    plan: str = "Plan"
    value: str = "Expected value"
    cost: str = COST
    selected_count: str = "Count"
    efficiency: str = "Efficiency"
    optimal_value: str = "Optimal value at this cost"
    left_on_table: str = "Value left on the table"
    broken: str = "Rules broken"
    adds: str = "Optimum adds"
    drops: str = "Optimum drops"


COMPARISON = ComparisonColumns()


class PlanMatrixColumns(NamedTuple):
    """Plan matrix: each initiative in or out of each plan (a column per plan before Differs)."""

    id: str = ID
    name: str = NAME
    cost: str = COST
    value: str = "Value (first plan's scoring)"
    differs: str = "Differs"


PLAN_MATRIX = PlanMatrixColumns()


class RiskFigureColumns(NamedTuple):
    """Risk summary: the simulated figures."""

    figure: str = "Figure"
    value: str = "Value"
    sampling_error: str = "Sampling error (±1 s.e.)"
    meaning: str = "Meaning"


RISK_FIGURES = RiskFigureColumns()


class RiskHistogramColumns(NamedTuple):
    """Risk summary: the histogram's table, under its chart."""

    value_from: str = "Value from"
    value_to: str = "Value to"
    share: str = "Share of worlds"
    middle: str = "Middle"


RISK_HISTOGRAM = RiskHistogramColumns()


class RiskCurveColumns(NamedTuple):
    """Risk summary: the S-curve's table, under its chart."""

    value: str = "Portfolio value"
    probability: str = "Cumulative probability"


RISK_CURVE = RiskCurveColumns()


class RiskByInitiativeColumns(NamedTuple):
    """Risk by initiative: what drives a bad year."""

    id: str = ID
    name: str = NAME
    theme: str = THEME
    success_rate: str = "Success rate"
    mean_contribution: str = "Mean contribution"
    tail_mean: str = "Mean in the worst {level:.0%}"
    downside_share: str = "Share of the downside"


RISK_BY_INITIATIVE = RiskByInitiativeColumns()


class RiskByThemeColumns(NamedTuple):
    """Risk by theme."""

    theme: str = THEME
    initiatives: str = "Initiatives"
    mean: str = "Mean"
    std: str = "Standard deviation"
    p10: str = "P10"
    p90: str = "P90"
    downside_share: str = "Share of the downside"


RISK_BY_THEME = RiskByThemeColumns()


class RobustnessColumns(NamedTuple):
    """Robustness: every initiative's selection frequency and class."""

    id: str = ID
    name: str = NAME
    theme: str = THEME
    in_baseline: str = "In the baseline"
    frequency: str = "Selected in versions"
    klass: str = "Class"


ROBUSTNESS = RobustnessColumns()


class MoveColumns(NamedTuple):
    """Quarter review: the moves between last quarter's optimum and this one's, with causes."""

    id: str = ID
    name: str = NAME
    move: str = "Move"
    cause: str = "Cause"


REVIEW_MOVES = MoveColumns()


class AttributionColumns(NamedTuple):
    """Quarter review: each change once, with the moves it makes on its own."""

    change: str = "Change"
    moved: str = "Moves it makes on its own"


REVIEW_ATTRIBUTION = AttributionColumns()


class EstimateChangeColumns(NamedTuple):
    """Estimate changes (a column per quarter, named by its workbook, follows)."""

    id: str = ID
    name: str = NAME
    what: str = "What"


ESTIMATE_CHANGES = EstimateChangeColumns()


# the planning template's own tables (its Initiatives and Constraints headers are the columns above)


class InstructionsColumns(NamedTuple):
    """The template's Instructions: what to enter in each Initiatives column."""

    column: str = "Initiatives column"
    help: str = "What to enter"
    example: str = "Example"


INSTRUCTIONS_TABLE = InstructionsColumns()


class SettingsColumns(NamedTuple):
    """The Settings sheet (the reader needs Setting and Value; the template adds the meaning)."""

    setting: str = "Setting"
    value: str = "Value"
    meaning: str = "What it means"


SETTINGS_TABLE = SettingsColumns()


class CriteriaColumns(NamedTuple):
    """The Criteria sheet a committee fills in."""

    criterion: str = "Criterion"
    weight: str = "Weight"
    scale: str = "Scale"
    direction: str = "Direction"


CRITERIA_TABLE = CriteriaColumns()
