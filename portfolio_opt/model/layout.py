"""The workbook's vocabulary, in one place: every sheet, column, setting and solver.

The reader, the validator, the template, the writers and the README's tables all take their
names from here (a test holds the README to it). Pure data: no imports from the package.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# --------------------------------------------------------------------------- sheets

INSTRUCTIONS = "Instructions"
INITIATIVES = "Initiatives"
CONSTRAINTS = "Constraints"
SETTINGS = "Settings"
SCENARIOS = "Scenarios"
CRITERIA = "Criteria"
PAIRWISE = "Pairwise"
#: the input sheets, in the order a planning workbook holds them
INPUT_SHEETS = (INSTRUCTIONS, INITIATIVES, CONSTRAINTS, SETTINGS, SCENARIOS, CRITERIA, PAIRWISE)
#: how the Scoring setting scores an initiative (see portfolio_opt.criteria)
SCORINGS = ("expected value", "weighted", "blend", "wsjf", "rice")
#: the sheets a results workbook adds; reading one back skips them (they are not input)
OUTPUT_SHEETS = (
    "Summary",
    "Ranking",
    "Schedule",
    "Capacity",
    "Run info",
    "Risk summary",
    "Risk by initiative",
    "Risk by theme",
    "Robustness summary",
    "Robustness",
    "Value realization",
    "Realization by group",
)

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
