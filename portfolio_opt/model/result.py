"""What the optimizer decided about a plan: how the solve ended, each initiative's decision and
reason, each limit's use, and the totals. Plain data, made by :mod:`portfolio_opt.core.optimize`."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from portfolio_opt.model.plan import BudgetWorld, Limit, Plan, RiskObjective

if TYPE_CHECKING:  # pandas loads only when a ranking is asked for as a DataFrame
    import pandas as pd


class Status(enum.Enum):
    """How a solve ended. Only OPTIMAL means proven within the requested gap."""

    OPTIMAL = "optimal"  #: proven optimal within the requested relative gap
    FEASIBLE = "feasible"  #: stopped (time limit) with a portfolio; the gap says how far off
    INFEASIBLE = "infeasible"  #: no portfolio meets every limit and decision
    NO_SOLUTION = "no solution"  #: stopped before any portfolio was found
    ERROR = "error"  #: the solver failed


@dataclass(frozen=True)
class SolverInfo:
    """Which solver ran, how long, and how close to proven optimal it got."""

    name: str
    version: str
    seconds: float
    gap: float | None  #: relative gap between the portfolio and the best bound
    bound: float | None = None
    requested_gap: float = 1e-4
    time_limit: float | None = None
    fixed: int = 0  #: decisions the LP bound settled before the search
    columns: int = 0  #: decisions in the program


class ReasonCode(enum.StrEnum):
    """The kinds of :class:`Reason`: why an initiative is in, why it is out, or (at a quarterly
    review) what becomes of one already under way."""

    # selected
    MUST = "must"  #: the Decision column says Must
    MERIT = "merit"  #: the best portfolio within the limits includes it on its value
    NEEDED_BY = "needed-by"  #: selected initiatives (``items``) depend on it
    MEETS_MIN = "meets-min"  #: the limits (``items``) need it to reach their Min
    SELECTED = "selected"  #: selected, with nothing more to say
    # not selected
    EXCLUDED = "excluded"  #: the Decision column says Exclude
    NO_VALUE_HORIZON = "no-value-horizon"  #: its value starts after the horizon
    NO_VALUE_PROBABILITY = "no-value-probability"  #: its probability is 0
    NEGATIVE_NPV = "negative-npv"  #: its cost is above its expected value
    NEGATIVE_VALUE = "negative-value"  #: its value is below 0
    NEEDS = "needs"  #: it depends on initiatives (``items``) that are out
    EXCLUSIVE_WITH = "exclusive-with"  #: a selected initiative (``items``) shares its exclusive group
    LIMITS = "limits"  #: it does not fit within the limits (``items``) alongside the portfolio
    GAP = "gap"  #: it fits, but the search stopped within the optimality gap
    RISK = "risk"  #: it fits, but the risk-aware objective prefers a portfolio without it
    #: it fits at its Cost, but with it the budget would be exceeded in more worlds than the
    #: Budget confidence allows (``amounts``: how far its cost can run past its Cost, as a share;
    #: the share of worlds allowed over)
    CONFIDENCE = "confidence"
    # a quarterly review
    DONE = "done"  #: finished: carried through, not a decision
    STOPPED_EARLIER = "stopped-earlier"  #: stopped at an earlier review: carried through
    STOP = "stop"  #: in progress, and its remaining cost earns more elsewhere
    RETIRE = "retire"  #: live, and keeping it does not fit or does not pay
    RETIRE_COSTLY = "retire-costly"  #: live, and its run cost exceeds its benefit

    @property
    def no_value(self) -> bool:
        """Whether it is out because selecting it would lower the objective."""
        return self in (
            ReasonCode.NO_VALUE_HORIZON,
            ReasonCode.NO_VALUE_PROBABILITY,
            ReasonCode.NEGATIVE_NPV,
            ReasonCode.NEGATIVE_VALUE,
        )


@dataclass(frozen=True)
class Reason:
    """Why an initiative is in or out, as data: a :class:`ReasonCode` and what it names. Words
    are made once, at the edge (:func:`portfolio_opt.core.reasons.reason_text`), and never
    parsed back.

    ``items`` are IDs (or, for ``needs``, ``(ID, "Excluded"|"not selected")`` pairs) or limit
    names; ``also`` the selected dependents that need it; ``hot`` the soft limits it helps run
    past their bound; ``costly`` the soft limits it would fit within the tolerance of, but
    whose penalty outweighs its value.
    """

    code: ReasonCode
    items: tuple[Any, ...] = ()  # IDs or limit names; (ID, tag) pairs for needs: the code says which
    also: tuple[str, ...] = ()
    hot: tuple[str, ...] = ()
    costly: tuple[str, ...] = ()
    #: the figures a review reason names: ``stop`` (remaining cost,), ``retire-costly``
    #: (run cost, benefit); ``limits``: (its break-even score,) when it is known
    amounts: tuple[float, ...] = ()
    #: ``limits``: the one limit that keeps it out when several do (the first of ``items``): the
    #: one whose room it would take is worth the most
    main: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", ReasonCode(self.code))  # a misspelt code fails where it is made


@dataclass(frozen=True)
class InitiativeResult:
    """The optimizer's decision on one initiative, with its reason in words."""

    id: str
    name: str
    theme: str | None
    selected: bool
    score: float
    cost: float
    objective_value: float  #: what it adds to the objective (score, or score - cost for npv)
    rank: int
    reason: str
    row: int = 0
    #: value lost if its decision were flipped (forced out when selected, in when not);
    #: None when a rule forbids the flip or it was not explained
    regret: float | None = None
    #: not selected: the score above which it would be selected (None: never / not explained)
    break_even_score: float | None = None
    #: not selected: the cost below which it would be selected (None: never / not explained)
    break_even_cost: float | None = None
    explained: bool = False
    #: what the flip changes: initiatives that would enter and leave alongside it
    flip_enters: tuple[str, ...] = ()
    flip_leaves: tuple[str, ...] = ()
    flip_note: str = ""  #: why the flip is impossible, when it is
    #: multi-period plans: start and finish period labels, and the score lost by starting
    #: later than its earliest allowed period
    start: str | None = None
    finish: str | None = None
    delay_loss: float | None = None
    why: Reason | None = None  #: the reason as data (``reason`` is it in words)
    #: what selecting it (or not) means: start, continue, stop, keep, retire, not selected,
    #: done or stopped (see :func:`portfolio_opt.review.decision`)
    decision: str = ""
    #: committee scoring: the criteria score (0..1), or the WSJF / RICE figure
    criteria_score: float | None = None
    #: explanations the time allowed did not settle: ``regret``, ``break_even_score``,
    #: ``break_even_cost`` (their values are then None, which does not mean "never")
    unsettled: tuple[str, ...] = ()

    @property
    def value_per_cost(self) -> float | None:
        """Its score per unit of cost, or None when it costs nothing."""
        return self.score / self.cost if self.cost > 0 else None


@dataclass(frozen=True)
class LimitUse:
    """How much of a limit the portfolio uses."""

    limit: Limit
    used: float
    #: objective gained by one more unit of room (Max + 1, or Min − 1), by re-solving
    value_one_more: float | None = None
    #: objective gained by 10% more room (Max × 1.1, or Min × 0.9), by re-solving
    value_ten_percent: float | None = None
    #: soft limits: how far past its bound the portfolio runs it, and what that costs
    overshoot: float = 0.0
    penalty_cost: float = 0.0
    #: ``value_one_more`` / ``value_ten_percent`` when the time allowed did not settle them
    unsettled: tuple[str, ...] = ()
    #: the room ``value_one_more`` is for: 1 in the limit's units, or for money a readable step
    #: of about 1% of its bound (100,000 of a budget of 10.8M)
    step: float = 1.0

    @property
    def slack(self) -> float | None:
        """Room left to the nearest bound (negative when broken)."""
        gaps = []
        if self.limit.max is not None:
            gaps.append(self.limit.max - self.used)
        if self.limit.min is not None:
            gaps.append(self.used - self.limit.min)
        return min(gaps) if gaps else None

    @property
    def binding(self) -> bool:
        """True when the portfolio uses the limit to its bound (or past it, for a soft limit)."""
        slack = self.slack
        if slack is None:
            return False
        scale = max(1.0, abs(self.limit.max or 0.0), abs(self.limit.min or 0.0))
        return slack <= 1e-9 * scale or self.overshoot > 0


@dataclass(frozen=True)
class RiskChoice:
    """What a risk-aware objective changed: the chosen portfolio against the expected-value
    optimum, both judged on a fresh sample of worlds (not the one it was chosen on).

    ``chosen`` and ``expected`` map ``mean``, ``p10``, ``cvar``, ``prob_target`` (None
    without a Value target) to their values; ``entered`` are in the risk-aware portfolio and
    not the expected-value one, ``left`` the other way round."""

    objective: RiskObjective
    weight: float
    level: float
    samples: int  #: the fresh worlds both were judged on
    chosen: Mapping[str, float | None]
    expected: Mapping[str, float | None]
    expected_selected: tuple[str, ...]
    entered: tuple[str, ...]
    left: tuple[str, ...]


@dataclass(frozen=True)
class CostRisk:
    """The chosen portfolio's cost over fresh simulated worlds (not the ones it was chosen on),
    every Cost drawn up to its Cost high: the share of worlds within the budget and its sampling
    error (one standard error), the Budget confidence asked for (None: none), and the reserve
    the budget needs to hold with 50, 80 and 90% confidence (``contingency``: the cost's
    quantile less the budget; negative when the budget already holds with room to spare)."""

    samples: int
    budget: float
    within: float  #: the share of worlds whose cost stays within the budget
    se: float
    target: float | None
    contingency: Mapping[str, float]  #: ``p50``, ``p80``, ``p90``
    #: the most the portfolio's cost can run past its Cost, as a share of it (Cost high)
    overrun_max: float = 0.0


@dataclass(frozen=True)
class WorldFunding:
    """What the order funds in one world: the IDs (a prefix of the order), their value there
    (as the objective counts it) and cost, and the world's own optimum (``alone``)."""

    world: BudgetWorld
    funded: tuple[str, ...]
    value: float
    cost: float
    alone: float

    @property
    def price(self) -> float:
        """What funding by the order costs this world against its own optimum (0 or more)."""
        return max(0.0, self.alone - self.value)


@dataclass(frozen=True)
class FundingOrder:
    """The funding order: the ranking, each world's cut line and what it funds (the worlds from
    the smallest budget up), the expected value over the worlds, and its CVaR and objective
    when the plan asks for the cvar objective."""

    order: tuple[str, ...]
    worlds: tuple[WorldFunding, ...]
    expected_value: float
    objective: float
    cvar: float | None
    status: Status
    gap: float | None

    @property
    def lines(self) -> tuple[int, ...]:
        """How many of the order each world funds (its cut line), the smallest budget first."""
        return tuple(len(w.funded) for w in self.worlds)

    @property
    def funded_from(self) -> Mapping[str, float]:
        """ID -> the smallest budget that funds it (initiatives no world funds are absent)."""
        out: dict[str, float] = {}
        for w in self.worlds:
            for i in w.funded:
                out.setdefault(i, w.world.budget)
        return out

    @property
    def price(self) -> float:
        """The expected value an order costs against every world funding its own optimum."""
        return math.fsum(w.world.probability * w.price for w in self.worlds)


@dataclass(frozen=True)
class Result:
    """What the optimizer decided about a plan."""

    status: Status
    objective: float
    total_value: float  #: sum of the selected scores
    total_cost: float
    initiatives: tuple[InitiativeResult, ...]  #: in ranking order
    limits: tuple[LimitUse, ...]
    solver: SolverInfo
    plan: Plan
    warnings: tuple[str, ...] = ()
    explain_note: str = ""  #: what the explanations cover, their precision, what was left out
    #: multi-period plans: the start period (0-based) of each selected initiative, by ID
    starts: Mapping[str, int] = field(default_factory=dict)
    #: with ``Risk objective`` = cvar: the risk-aware portfolio against the expected-value one
    risk: RiskChoice | None = None
    #: committee scoring other than expected value: the portfolio the expected value alone
    #: would choose, and what entered and left against it
    scoring_change: Mapping[str, tuple[str, ...]] | None = None
    #: quarterly review: each row's value realized against the forecast (see :mod:`portfolio_opt.review`)
    realization: tuple[Any, ...] = ()  # core.lifecycle.Realization rows: a layer above, so not named here
    #: when robustness was run: ID -> (share of versions selecting it, core/borderline/exterior)
    robustness: Mapping[str, tuple[float, str]] | None = None
    #: when the budget holds at a confidence, or costs have ranges: the portfolio's cost on fresh worlds
    cost_risk: CostRisk | None = None
    #: with a Budgets sheet: the funding order for the budget not yet known
    funding: FundingOrder | None = None

    @property
    def selected(self) -> tuple[str, ...]:
        """IDs of the selected initiatives, in ranking order."""
        return tuple(r.id for r in self.initiatives if r.selected)

    @property
    def budget(self) -> float | None:
        """The plan's budget, or None when it has none."""
        return self.plan.settings.budget

    def by_id(self, initiative_id: str) -> InitiativeResult:
        """The decision on the initiative with this ID; ``KeyError`` when the plan has none."""
        for r in self.initiatives:
            if r.id == initiative_id:
                return r
        raise KeyError(initiative_id)

    def to_frame(self) -> pd.DataFrame:
        """The ranking as a pandas DataFrame, one row per initiative."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "rank": r.rank,
                    "id": r.id,
                    "name": r.name,
                    "theme": r.theme,
                    "selected": r.selected,
                    "score": r.score,
                    "cost": r.cost,
                    "value_per_cost": r.value_per_cost,
                    "reason": r.reason,
                }
                for r in self.initiatives
            ]
        ).set_index("rank")
