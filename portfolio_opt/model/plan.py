"""The plan: what a planning workbook says (initiatives, limits, settings, scenarios, criteria).

Nothing here reads files or calls a solver. A :class:`Plan` is what a planning workbook says;
:mod:`portfolio_opt.model.result` holds what the optimizer decided about it.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from portfolio_opt.model.errors import UnknownInitiative
from portfolio_opt.model.ids import closest
from portfolio_opt.model.layout import COUNT

# re-exported: the readers and rules match headers as the layout says, through the plan's vocabulary
from portfolio_opt.model.layout import normalize_header as normalize_header

#: Initiatives fields that are numbers, by normalized header, and the attribute holding each.
NUMERIC_FIELDS = {
    "impact": "impact",
    "probability": "probability",
    "timetovalue": "time_to_value",
    "cost": "cost",
    "runcost": "run_cost",
}


def text_key(value: Any) -> str:
    """How IDs, themes, exclusive groups and scope values are compared: ignoring case and
    surrounding spaces (``" ini-017 "`` and ``"INI-017"`` are one key).

    >>> text_key(" Platform ") == text_key("platform")
    True
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split()).casefold()


def group_by_key(names: Iterable[Any]) -> dict[str, list[int]]:
    """Positions of ``names`` grouped as the optimizer groups themes, owners and metrics: by
    :func:`text_key`, each group shown as its first spelling (stripped); blanks are ``(none)``.

    Every output that groups initiatives by a text (the page's charts, the realization
    rollups) groups by this, so ``"Compliance "`` and ``"compliance"`` are one group everywhere.

    >>> group_by_key(["Compliance", "Growth", "compliance ", None])
    {'Compliance': [0, 2], 'Growth': [1], '(none)': [3]}
    """
    shown: dict[str, str] = {}
    out: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        blank = name is None or not str(name).strip()
        key = "" if blank else text_key(name)
        label = shown.setdefault(key, "(none)" if blank else " ".join(str(name).split()))
        out.setdefault(label, []).append(k)
    return out


class Decision(enum.Enum):
    """What the planner decided before the optimizer runs."""

    FREE = ""  #: the optimizer decides
    MUST = "Must"  #: forced in
    EXCLUDE = "Exclude"  #: forced out


class Stage(enum.Enum):
    """Where an initiative stands at a quarterly review."""

    PROPOSED = "Proposed"  #: a fresh proposal: start it or not
    IN_PROGRESS = "In progress"  #: half built: continue (its remaining cost) or stop (its stop cost)
    LIVE = "Live"  #: running: keep (earns from now) or retire (its retire cost)
    DONE = "Done"  #: finished: carried through, never selected
    STOPPED = "Stopped"  #: stopped earlier: carried through, never selected


class Objective(enum.Enum):
    """What the optimizer maximizes."""

    VALUE = "value"  #: sum of the selected scores (expected discounted benefit)
    NPV = "npv"  #: sum of (score - cost)


class Scoring(enum.StrEnum):
    """How an initiative is scored (the ``Scoring`` setting); each member is the setting's text."""

    EXPECTED_VALUE = "expected value"  #: Probability × (Impact − Run cost) × D
    WEIGHTED = "weighted"  #: the criteria score alone
    BLEND = "blend"  #: the expected value tilted by the criteria score
    WSJF = "wsjf"  #: (Business value + Time criticality + Risk reduction) / Job size
    RICE = "rice"  #: Reach × Impact × Confidence / Effort

    @property
    def is_money(self) -> bool:
        """Whether a score is money: an expected value, tilted or not (weighted, WSJF and RICE
        scores are figures of their own)."""
        return self in (Scoring.EXPECTED_VALUE, Scoring.BLEND)

    @property
    def uses_criteria(self) -> bool:
        """Whether the score is made from the Criteria sheet's weighted criteria."""
        return self in (Scoring.WEIGHTED, Scoring.BLEND)

    @property
    def is_formula(self) -> bool:
        """Whether the score is a published formula of named columns (WSJF or RICE)."""
        return self in (Scoring.WSJF, Scoring.RICE)


class RiskObjective(enum.StrEnum):
    """What a risk-aware plan maximizes (the ``Risk objective`` setting)."""

    EXPECTED = "expected"  #: the expected value alone
    CVAR = "cvar"  #: (1 − w) · expected value + w · CVaR of the worst outcomes


class Distribution(enum.StrEnum):
    """How a range (low, most likely, high) is drawn (the ``Distribution`` setting)."""

    TRIANGULAR = "triangular"  #: straight lines from low up to the most likely and down to high
    PERT = "pert"  #: a beta shape weighted towards the most likely value


@dataclass(frozen=True)
class Initiative:
    """One candidate initiative, one row of the ``Initiatives`` sheet."""

    id: str
    name: str
    impact: float
    probability: float
    time_to_value: float
    cost: float
    run_cost: float = 0.0
    depends_on: tuple[str, ...] = ()
    exclusive_group: str | None = None
    decision: Decision = Decision.FREE
    theme: str | None = None
    row: int = 0  #: the sheet row it came from (0 when built in code)
    values: Mapping[str, Any] = field(default_factory=dict)  #: every cell by sheet header
    #: multi-period plans: build time in months (None: one period), the start window as
    #: 0-based period positions (None: the whole plan), the share of Cost in each build period
    duration: float | None = None
    earliest: int | None = None
    latest: int | None = None
    cost_profile: tuple[float, ...] | None = None
    #: multi-period plans: ``<column> profile`` multipliers of a column's use in each build
    #: period, by normalized column header (e.g. ``dataengfte``: (1.0, 0.5))
    profiles: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    #: risk: the range of the Impact (low, high; None: the Impact itself), the Cost if it
    #: overruns, the latest Time to value, and the group it succeeds or fails with
    impact_low: float | None = None
    impact_high: float | None = None
    cost_high: float | None = None
    time_to_value_high: float | None = None
    risk_group: str | None = None
    #: quarterly review (see :mod:`portfolio_opt.review`): where it stands, what stopping or
    #: retiring it costs (``cost`` is then what selecting it costs now: the remaining cost of
    #: one in progress, nothing for one live), money sunk, value realized, the time to value
    #: as planned, and the months from its start and its value start to the review date
    status: Stage = None  # type: ignore[assignment]
    out_cost: float = 0.0
    spent: float = 0.0
    actual_value: float | None = None
    planned_time_to_value: float | None = None
    months_since_start: float | None = None
    months_live: float | None = None
    #: committee scoring (see :mod:`portfolio_opt.criteria`): the criteria score (0..1 for
    #: weighted and blend; the WSJF or RICE figure for those), and each criterion's share of it
    criteria_score: float | None = None
    criteria_parts: Mapping[str, float] = field(default_factory=dict)

    @property
    def stage(self) -> Stage:
        """Where it stands at a review: its Status, or Proposed when the sheet has none."""
        return Stage.PROPOSED if self.status is None else self.status

    @property
    def ranged(self) -> bool:
        """True when any of its figures is a range (its score is then the mean of its outcome)."""
        return any(x is not None for x in (self.impact_low, self.impact_high, self.cost_high, self.time_to_value_high))


#: How a Scope compares a column with its value: text equality, or numbers compared
SCOPE_OPERATORS = ("<=", ">=", "<", ">", "=")


@dataclass(frozen=True)
class Limit:
    """A bound on the sum of one numeric column over the selected initiatives.

    ``column`` is an Initiatives header or ``Count``; ``scope`` is ``None`` for all
    initiatives or ``(column, value)`` for those whose column equals value (``scope_op``:
    ``=``, or ``<``, ``<=``, ``>``, ``>=`` comparing numbers).

    A *share* limit bounds the scoped sum as a fraction of the same column's sum over every
    selected initiative: ``min``/``max`` are then fractions (0.2 = 20%). A *soft* limit may
    be passed by up to its tolerance (``tolerance``, in the column's units, or a fraction of
    the bound when ``tolerance_percent``), and the objective loses ``penalty`` per unit beyond.
    """

    column: str
    min: float | None = None
    max: float | None = None
    scope: tuple[str, Any] | None = None
    source: str = ""  #: where it was given: ``Constraints!A4``, ``Settings!B2`` or ``--budget``
    label: str = ""  #: a plain name for people, e.g. ``budget``
    period: int | None = None  #: multi-period plans: the 0-based period it bounds (None: whole plan)
    period_label: str = ""
    #: what tells it apart from another limit of the same column and scope, e.g. ``each
    #: quarter`` (a row whose Period is ``each``) or ``Max 14``; empty when nothing else shares its name
    qualifier: str = ""
    scope_op: str = "="
    share: bool = False
    tolerance: float | None = None
    tolerance_percent: bool = False
    penalty: float = 0.0
    #: the kind of rule that keeps it, by name, when it is neither a sum limit nor a share limit
    #: (those are told by ``share`` and ``tolerance``): a kind registered by
    #: :mod:`portfolio_opt.core.rules.limits`, e.g. ``change``. Its name ends with it.
    kind: str = ""

    @property
    def scope_text(self) -> str:
        """Its Scope as the Constraints sheet writes it, e.g. ``Theme=Platform`` or
        ``Probability<0.5``; ``All`` without one."""
        if self.scope is None:
            return "All"
        return f"{self.scope[0]}{self.scope_op}{_fmt_scope_value(self.scope[1])}"

    @property
    def soft(self) -> bool:
        """True when it may be passed by a tolerance at a penalty, False when it must hold."""
        return self.tolerance is not None and self.tolerance > 0

    def allowance(self, side: str) -> float:
        """How far past its ``min`` or ``max`` (``side``) the limit may be pushed: 0 when hard."""
        if not self.soft:
            return 0.0
        if self.tolerance_percent:
            bound = self.max if side == "max" else self.min
            return abs(bound or 0.0) * float(self.tolerance or 0.0)
        return float(self.tolerance or 0.0)

    @property
    def family(self) -> str:
        """Its name without the period: the Constraints row it comes from, e.g. ``Cost [each quarter]``."""
        return f"{self._base} [{self.qualifier}]" if self.qualifier else self._base

    @property
    def _base(self) -> str:
        base = self.label or (self.column if self.scope is None else f"{self.column} ({self.scope_text})")
        suffix = "share" if self.share else self.kind
        return f"{base} {suffix}" if suffix else base

    @property
    def name(self) -> str:
        """What people call it, unique in a plan: ``budget``, ``Data eng FTE``, ``Count
        (Theme=Retention)``, ``Cost [2027-Q1]``, ``Cost [each quarter, 2027-Q1]``."""
        if self.period is None:
            return self.family
        inside = f"{self.qualifier}, {self.period_label}" if self.qualifier else self.period_label
        return f"{self._base} [{inside}]"

    @staticmethod
    def family_of(name: str, period_label: str) -> str:
        """The family of the per-period limit named ``name`` in period ``period_label`` (the
        inverse of :attr:`name`, for readers of a written sheet that holds only the names).

        >>> Limit.family_of("Cost [each quarter, 2027-Q1]", "2027-Q1"), Limit.family_of("Cost [P1]", "P1")
        ('Cost [each quarter]', 'Cost')
        """
        for tail, family_tail in ((f", {period_label}]", "]"), (f" [{period_label}]", "")):
            if period_label and name.endswith(tail):
                return name[: -len(tail)] + family_tail
        return name

    def applies_to(self, initiative: Initiative) -> bool:
        """True when the initiative is in its Scope (every initiative is, without one)."""
        if self.scope is None:
            return True
        return scope_matches(initiative.values.get(self.scope[0]), self.scope[1], self.scope_op)


def _fmt_scope_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def scope_matches(cell: Any, wanted: Any, op: str = "=") -> bool:
    """True when a cell equals a scope value (numbers numerically, text ignoring case), or
    compares with it as ``op`` says (numbers only; ``<`` is strict).

    >>> scope_matches(0.4, 0.5, "<"), scope_matches(0.5, 0.5, "<"), scope_matches("Risk", "risk")
    (True, False, True)
    """
    if cell is None:
        return False
    if op != "=":
        try:
            a, b = float(cell), float(wanted)
        except (TypeError, ValueError):
            return False
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool):
        try:
            return math.isclose(float(cell), float(wanted), rel_tol=0, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return text_key(cell) == text_key(wanted)


def unique_limit_names(limits: tuple[Limit, ...] | list[Limit], period_length: float = 3.0) -> list[Limit]:
    """The limits with qualifiers where two would share a name: told apart by what they bound
    (a row for each period against a row for one, then Min / Max), never by a cell reference."""
    out = list(limits)
    each = {1.0: "each month", 3.0: "each quarter", 12.0: "each year"}.get(period_length, "each period")

    def clashes() -> dict[str, list[int]]:
        names: dict[str, list[int]] = {}
        for k, lim in enumerate(out):
            names.setdefault(lim.name.casefold(), []).append(k)
        return {n: ks for n, ks in names.items() if len(ks) > 1}

    for ks in clashes().values():  # a row for every period against a row for one of them:
        for k in ks:  # the whole row's limits are told apart, so the row keeps one family name
            if out[k].period is not None and out[k].source and _from_each_row(out, k):
                source = out[k].source
                out = [
                    replace(lim, qualifier=each) if lim.source == source and lim.period is not None else lim
                    for lim in out
                ]
    for ks in clashes().values():
        for k in ks:
            lim = out[k]
            bounds = ", ".join(
                f"{side} {_fmt_scope_value(v)}" for side, v in (("Min", lim.min), ("Max", lim.max)) if v is not None
            )
            out[k] = replace(lim, qualifier=", ".join(x for x in (lim.qualifier, bounds) if x))
    for ks in clashes().values():  # identical rows: numbered in sheet order
        for n, k in enumerate(ks, start=1):
            out[k] = replace(out[k], qualifier=", ".join(x for x in (out[k].qualifier, f"#{n}") if x))
    return out


def _from_each_row(limits: list[Limit], k: int) -> bool:
    """True when limit k comes from a Constraints row that bounds more than one period."""
    return sum(1 for lim in limits if lim.source == limits[k].source and lim.period is not None) > 1


@dataclass(frozen=True)
class Settings:
    """The ``Settings`` sheet, after defaults and command-line overrides."""

    budget: float | None = None
    horizon_months: float = 36.0
    discount_rate: float = 0.10
    objective: Objective = Objective.VALUE
    solver: str = "highs"
    time_limit: float | None = None
    gap: float = 1e-4
    currency: str = ""
    budget_source: str = "Settings"  #: the cell the budget came from, or ``--budget``
    periods: int | None = None  #: multi-period plans: how many periods (None: one lump)
    period_length: float = 3.0  #: months per period
    first_period: str = "P1"  #: the first period's label; later labels follow
    timed_dependencies: bool = True  #: a dependent starts after its prerequisite finishes
    #: risk (see :mod:`portfolio_opt.risk`): the value to reach, the share of worst worlds
    #: CVaR averages, what to maximize and the weight of CVaR, the worlds the cvar objective
    #: is taken over, the correlation within a risk group, the random seed, and how ranges
    #: are drawn
    value_target: float | None = None
    risk_level: float = 0.10
    risk_objective: RiskObjective = RiskObjective.EXPECTED
    risk_weight: float = 0.5
    risk_samples: int = 1000
    risk_correlation: float = 0.5
    seed: int = 1
    distribution: Distribution = Distribution.TRIANGULAR
    cluster: str | None = None  #: a Dask scheduler address sweeps run on (None: this machine)
    scoring: Scoring = Scoring.EXPECTED_VALUE
    criteria_weight: float = 0.5  #: with blend: how far the criteria score tilts the expected value
    review_date: Any = None  #: quarterly review: the date (a datetime.date) the plan is reviewed on
    run_budget: float | None = None  #: the most the annual Run cost of what is live or selected may total
    #: the share of the simulated worlds (costs drawn up to Cost high) in which the portfolio's cost
    #: must stay within the budget (None: the budget holds at the Cost)
    budget_confidence: float | None = None
    #: where deciding runs are recorded: a store URL, or ``yes`` for the default store (None: not
    #: recorded unless ``--db`` or ``PORTFOLIO_OPT_DB`` says so)
    record: str | None = None

    def __post_init__(self) -> None:
        # the settings that are kinds may be given as their text (``scoring="blend"``), as the
        # workbook and the command line give them; held as members, so a misspelt kind fails here
        kinds: tuple[tuple[str, type[enum.Enum]], ...] = (
            ("objective", Objective),
            ("scoring", Scoring),
            ("risk_objective", RiskObjective),
            ("distribution", Distribution),
        )
        for name, kind in kinds:
            object.__setattr__(self, name, kind(getattr(self, name)))

    def period_labels(self) -> list[str]:
        """The label of every period, e.g. 2027-Q1, 2027-Q2, ..."""
        return period_labels(self.first_period, self.periods or 1, self.period_length)


def period_labels(first: str, count: int, length_months: float = 3.0) -> list[str]:
    """Labels that follow ``first``: 2027-Q4 -> 2028-Q1, 2027-11 -> 2027-12, P1 -> P2."""
    first = str(first).strip()
    m = re.fullmatch(r"(\d{4})\s*-?\s*Q([1-4])", first, re.I)
    if m and length_months == 3:
        y, q = int(m.group(1)), int(m.group(2)) - 1
        return [f"{y + (q + k) // 4}-Q{(q + k) % 4 + 1}" for k in range(count)]
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", first)
    if m and length_months == 1:
        y, mo = int(m.group(1)), int(m.group(2)) - 1
        return [f"{y + (mo + k) // 12}-{(mo + k) % 12 + 1:02d}" for k in range(count)]
    m = re.fullmatch(r"(.*?)(\d+)", first)
    if m:
        return [f"{m.group(1)}{int(m.group(2)) + k}" for k in range(count)]
    return [first] + [f"{first}+{k}" for k in range(1, count)]


@dataclass(frozen=True)
class Table:
    """A sheet as read: its header row and data rows as plain values (for copying through)."""

    name: str
    rows: tuple[tuple[Any, ...], ...]  #: the first row is the header
    number_formats: tuple[tuple[str, ...], ...] = ()  #: each cell's number format, row by row


class ChangeKind(enum.StrEnum):
    """The kinds of input change a scenario (or a what-if) makes; each is one class in
    :mod:`portfolio_opt.core.changes` that reads it from a Scenarios cell and applies it."""

    BUDGET = "budget"  #: a new budget (value: the amount)
    BUDGET_CHANGE = "budget_change"  #: the budget moved by a share (value: e.g. -0.15)
    FORCE_IN = "force_in"  #: an initiative made a Must (target: its ID)
    FORCE_OUT = "force_out"  #: an initiative excluded (target: its ID)
    CLEAR = "clear"  #: an initiative's Must or Exclude dropped: the optimizer decides (target: its ID)
    SETTING = "setting"  #: a setting changed (target: its Settings field; value: the new value)
    LIMIT_MAX = "limit_max"  #: a limit's Max set (target: limit positions in ``Plan.limits``)
    LIMIT_MIN = "limit_min"  #: a limit's Min set
    LIMIT_CHANGE = "limit_change"  #: a limit's Max (or its Min, without a Max) moved by a share
    LIMIT_TOLERANCE = "limit_tolerance"  #: a limit's tolerance set (value: amount, is a percentage)


@dataclass(frozen=True)
class Change:
    """One input change of a scenario, e.g. ``Budget change -15%`` or ``Force in INI-003``.

    ``kind`` says which (:class:`ChangeKind`; its text is accepted too); ``target`` the
    initiative ID, setting attribute or limit positions in ``Plan.limits``; ``label`` how the
    change is named in attributions; ``where`` the cell it came from.
    """

    kind: ChangeKind
    value: Any
    label: str
    target: Any = None
    where: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ChangeKind(self.kind))


@dataclass(frozen=True)
class Scenario:
    """A named set of changes to the plan (a row of the ``Scenarios`` sheet)."""

    name: str
    changes: tuple[Change, ...]
    where: str = ""
    description: str = ""  #: the row's Description (or Notes) cell, kept for the outputs


@dataclass(frozen=True)
class BudgetWorld:
    """A budget the plan may get (a row of the ``Budgets`` sheet): its name, its probability, the
    budget, and the Impact of initiatives whose impact differs in that world (by ID; the others
    keep their own)."""

    name: str
    probability: float
    budget: float
    impacts: Mapping[str, float] = field(default_factory=dict)
    where: str = ""


@dataclass(frozen=True)
class CriterionSpec:
    """A row of the ``Criteria`` sheet: a numeric Initiatives column, its weight, its scale
    (``(low, high)``, None for the column's own min..max over the plan) and direction."""

    column: str
    weight: float
    scale: tuple[float, float] | None = None
    higher: bool = True


@dataclass(frozen=True)
class Criteria:
    """The committee's criteria, with their weights normalized to sum to 1, where the weights
    came from (``weights`` or ``pairwise``), and the pairwise judgments' consistency ratio."""

    criteria: tuple[CriterionSpec, ...]
    source: str = "weights"
    consistency_ratio: float | None = None

    @property
    def weights(self) -> dict[str, float]:
        """Each criterion's weight by its column, normalized to add up to 1."""
        return {c.column: c.weight for c in self.criteria}


#: Settings that change how the solver runs, not the program it is given.
_SOLVE_ONLY = frozenset({"time_limit", "gap", "solver"})


@dataclass(frozen=True)
class Plan:
    """Everything a planning workbook says: initiatives, limits and settings."""

    initiatives: tuple[Initiative, ...]
    limits: tuple[Limit, ...] = ()
    settings: Settings = Settings()
    columns: tuple[str, ...] = ()  #: the Initiatives headers in sheet order
    numeric_columns: tuple[str, ...] = ()  #: headers whose cells are all numbers or blank
    tables: tuple[Table, ...] = ()  #: the input sheets as read
    source_name: str = ""
    source_sha256: str = ""
    warnings: tuple[str, ...] = ()  #: things worth a look that do not stop a run
    scenarios: tuple[Scenario, ...] = ()  #: the ``Scenarios`` sheet, if any
    selection: tuple[str, ...] | None = None  #: IDs marked in a ``Selected`` column, if any
    criteria: Criteria | None = None  #: the ``Criteria`` sheet (and ``Pairwise``), if any
    #: the ``Budgets`` sheet: the budgets the plan may get, for a funding order (empty: none)
    worlds: tuple[BudgetWorld, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {ini.id: k for k, ini in enumerate(self.initiatives)})

    def resolve(self, text: str) -> str | None:
        """The ID a user means by ``text`` (``ini-017`` finds ``INI-017``), or None."""
        if text in self.__dict__["_index"]:
            return text
        wanted = text_key(text)
        return next((ini.id for ini in self.initiatives if text_key(ini.id) == wanted), None)

    def find(self, typed: str) -> str:
        """The ID of the initiative a user means by ``typed`` (found as :meth:`resolve` finds it).

        Raises :class:`~portfolio_opt.UnknownInitiative` when no ID is meant, its suggestions
        the IDs most likely meant (``ini-7`` suggests ``INI-007``; see
        :func:`portfolio_opt.model.ids.closest`).
        """
        found = self.resolve(typed)
        if found is None:
            raise UnknownInitiative(typed, closest(typed, [ini.id for ini in self.initiatives]), self.source_name)
        return found

    def index(self, initiative_id: str) -> int:
        """Position of an initiative by ID (KeyError when unknown)."""
        position: int = self.__dict__["_index"][initiative_id]  # made in __post_init__, off the fields
        return position

    def __contains__(self, initiative_id: object) -> bool:
        return initiative_id in self.__dict__["_index"]

    @property
    def budget_limit(self) -> Limit | None:
        """The Budget setting as a Max on Cost (labelled ``budget``), or None without a budget."""
        if self.settings.budget is None:
            return None
        return Limit(
            column="Cost",
            max=self.settings.budget,
            source=self.settings.budget_source,
            label="budget",
        )

    def all_limits(self) -> tuple[Limit, ...]:
        """The budget (when set) first, then the ``Constraints`` rows."""
        budget = self.budget_limit
        return ((budget,) if budget is not None else ()) + self.limits

    def with_limit(self, k: int, **changes: Any) -> Plan:
        """A copy with limit ``k`` (a position in :meth:`all_limits`, budget included) changed;
        the budget's ``max`` is the Budget setting."""
        if self.budget_limit is not None and k == 0:
            unknown = set(changes) - {"max"}
            if unknown:
                raise ValueError(f"the budget has only a Max, not {sorted(unknown)}")
            return self.with_settings(budget=changes["max"]) if "max" in changes else self
        offset = 1 if self.budget_limit is not None else 0
        limits = list(self.limits)
        limits[k - offset] = replace(limits[k - offset], **changes)
        return replace(self, limits=tuple(limits))

    def column_values(self, column: str) -> tuple[float, ...]:
        """The numbers of one column, one per initiative (blank counts as 0). Worked out once
        per plan and column (a plan is frozen; schedules ask for them per initiative)."""
        cache: dict[str, tuple[float, ...]] = self.__dict__.setdefault("_column_cache", {})
        if column not in cache:
            cache[column] = self._column_values(column)
        return cache[column]

    def _column_values(self, column: str) -> tuple[float, ...]:
        if column == COUNT:
            return (1.0,) * len(self.initiatives)
        attribute = NUMERIC_FIELDS.get(normalize_header(column))
        if attribute is not None:
            return tuple(float(getattr(ini, attribute)) for ini in self.initiatives)
        return tuple(
            float(v) if isinstance(v := ini.values.get(column), (int, float)) else 0.0 for ini in self.initiatives
        )

    def with_settings(self, **changes: Any) -> Plan:
        """A copy of the plan with some settings changed.

        When only how the solver runs changes (its time, gap or name), the copy keeps what
        building the plan's program worked out (:func:`portfolio_opt.core.rules._cache`): the
        program is the same. Explanations give every re-solve the time left, so each re-solve
        would otherwise rebuild every limit's terms.
        """
        plan = replace(self, settings=replace(self.settings, **changes))
        if "_column_cache" in self.__dict__:  # the same initiatives, so the same columns
            object.__setattr__(plan, "_column_cache", self.__dict__["_column_cache"])
        cache = self.__dict__.get("_build_cache")
        if cache is not None and set(changes) <= _SOLVE_ONLY:
            object.__setattr__(plan, "_build_cache", cache)
        return plan

    def with_initiatives(self, initiatives: tuple[Initiative, ...]) -> Plan:
        """A copy of the plan with other initiatives, its limits and settings kept."""
        return replace(self, initiatives=tuple(initiatives))
