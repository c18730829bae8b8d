"""Random plans for the tests: one generator, with the knobs every test that draws plans needs.

A :class:`Recipe` says what a plan is made of; each knob is a plain value or a *spec*, a function
of the drawing context (:class:`At`) that draws one (``steps``, ``one_of``, ``between``, ...). The
same recipe draws from either kind of source of randomness:

- :func:`random_plan`, a seeded generator (Python's ``random.Random``, or NumPy's when the recipe
  says ``rng="numpy"``): the same seed gives the same plan, so a test may rely on what a seed
  makes (a reduction that fixes something, a figure worth checking);
- :func:`plans`, Hypothesis's ``draw``: a strategy, so a failing plan shrinks to the smallest
  plan that still fails.

An initiative's fields are drawn in one fixed order, the order of :class:`Initiative`'s own
fields (impact, probability, time to value, cost, run cost, dependencies, group, decision, theme,
then columns, duration, window, profiles and any other fields) except those a recipe draws
``first``; then the limits, then the settings. So a seed always gives the same plan.

>>> plan = random_plan(30, seed=4)
>>> plan == random_plan(30, seed=4), len(plan.initiatives), plan.initiatives[0].id
(True, 30, 'I000')
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from hypothesis import strategies as st

from portfolio_opt import Decision, Initiative, Limit, Objective, Plan, Settings

# --------------------------------------------------------------------------- sources of randomness


class Seeded:
    """Draws from ``random.Random(seed)``: the same seed, the same draws."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        """An integer from ``lo`` to ``hi``, both included."""
        return self.rng.randint(lo, hi)

    def pick(self, options: Sequence[Any]) -> Any:
        """One of ``options``, each as likely (list one twice to make it twice as likely)."""
        return self.rng.choice(options)

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.rng.random() < p

    def uniform(self, lo: float, hi: float) -> float:
        """A number between ``lo`` and ``hi``."""
        return self.rng.uniform(lo, hi)

    def lognormal(self, mu: float, sigma: float) -> float:
        """A number whose logarithm is normal with mean ``mu`` and deviation ``sigma``."""
        return self.rng.lognormvariate(mu, sigma)


class NumPySeeded:
    """Draws from ``numpy.random.default_rng(seed)``, with the draws of :class:`Seeded`'s shapes.

    The tests of risk, robustness and committee scoring drew their plans with NumPy; a recipe
    that asks for it (``rng="numpy"``) gives the very plans they were written against.
    """

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def integer(self, lo: int, hi: int) -> int:
        """An integer from ``lo`` to ``hi``, both included."""
        return int(self.rng.integers(lo, hi + 1))

    def pick(self, options: Sequence[Any]) -> Any:
        """One of ``options``, each as likely."""
        return options[int(self.rng.choice(len(options)))]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return bool(self.rng.random() < p)

    def uniform(self, lo: float, hi: float) -> float:
        """A number between ``lo`` and ``hi``."""
        return float(self.rng.uniform(lo, hi))

    def lognormal(self, mu: float, sigma: float) -> float:
        """A number whose logarithm is normal with mean ``mu`` and deviation ``sigma``."""
        return float(self.rng.lognormal(mu, sigma))


class Drawn:
    """Draws through Hypothesis, which explores the choices and shrinks a failing plan.

    The shapes follow :class:`Seeded`'s where Hypothesis has one; a chance of 1/k is a draw
    among k integers (so it shrinks towards True) and a chance of 1/2 a boolean (towards False).
    """

    def __init__(self, draw: Callable[[st.SearchStrategy], Any]) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        """An integer from ``lo`` to ``hi``, both included."""
        return self.draw(st.integers(lo, hi))

    def pick(self, options: Sequence[Any]) -> Any:
        """One of ``options``."""
        return self.draw(st.sampled_from(options))

    def chance(self, p: float) -> bool:
        """True or False, True about a share ``p`` of the time before shrinking."""
        if p == 0.5:
            return self.draw(st.booleans())
        k = round(1 / p)
        if abs(k * p - 1) < 1e-9:
            return self.draw(st.integers(0, k - 1)) == 0
        return self.draw(st.floats(0, 1)) < p

    def uniform(self, lo: float, hi: float) -> float:
        """A number between ``lo`` and ``hi``."""
        return self.draw(st.floats(lo, hi))

    def lognormal(self, mu: float, sigma: float) -> float:
        """A number whose logarithm lies within three deviations of ``mu``."""
        return math.exp(self.draw(st.floats(mu - 3 * sigma, mu + 3 * sigma)))


Source = Seeded | NumPySeeded | Drawn

# --------------------------------------------------------------------------- specs


@dataclass
class At:
    """What a spec draws with and may look at while a plan is drawn."""

    source: Source
    ids: Sequence[str]  #: every initiative's ID, known before any is drawn
    periods: int | None = None  #: the plan's periods (None: one lump)
    i: int = 0  #: the initiative being drawn
    drawn: dict[str, Any] = field(default_factory=dict)  #: its fields drawn so far
    initiatives: tuple[Initiative, ...] = ()  #: every initiative, once they are all drawn


Spec = Callable[[At], Any]


def value(spec: Any, at: At) -> Any:
    """What ``spec`` gives at ``at``: a spec is drawn, anything else is itself."""
    return spec(at) if callable(spec) and not isinstance(spec, type) else spec


def steps(lo: int, hi: int, unit: float = 1.0) -> Spec:
    """A whole number of ``unit`` from ``lo`` to ``hi`` (both included), as a float."""
    return lambda at: float(at.source.integer(lo, hi)) * unit


def one_of(*options: Any) -> Spec:
    """One of ``options``, each as likely (list one twice to make it twice as likely)."""
    return lambda at: at.source.pick(options)


def in_turn(*options: Any) -> Spec:
    """The options in turn, by the initiative's position: the first, the second, ..., the first again."""
    return lambda at: options[at.i % len(options)]


def between(lo: float, hi: float, digits: int | None = None) -> Spec:
    """A number between ``lo`` and ``hi``, rounded to ``digits`` when given."""
    return lambda at: _rounded(at.source.uniform(lo, hi), digits)


def lognormal(mu: float, sigma: float, digits: int | None = None) -> Spec:
    """A skewed amount, as costs are: its logarithm is normal around ``mu``."""
    return lambda at: _rounded(at.source.lognormal(mu, sigma), digits)


def maybe(chance: float, spec: Any) -> Spec:
    """``spec``'s value with probability ``chance``, else None."""
    return lambda at: value(spec, at) if at.source.chance(chance) else None


def times(name: str, factor: Any, digits: int | None = None) -> Spec:
    """The initiative's field ``name`` (drawn before) times ``factor``: an impact that pays back its cost."""
    return lambda at: _rounded(at.drawn[name] * value(factor, at), digits)


def of_total(share: Any, column: str = "cost", digits: int | None = None) -> Spec:
    """``share`` of ``column`` (``cost`` or a column in ``values``) over every initiative: a budget or cap
    that binds whatever the draws were."""

    def spec(at: At) -> float:
        total = sum(ini.cost if column == "cost" else ini.values[column] for ini in at.initiatives)
        return _rounded(value(share, at) * total, digits)

    return spec


def each_earlier(chance: float) -> Spec:
    """Dependencies on every initiative before this one, each with probability ``chance``."""
    return lambda at: tuple(at.ids[j] for j in range(at.i) if at.source.chance(chance))


def the_previous(chance: float) -> Spec:
    """A dependency on the initiative just before this one, with probability ``chance``: chains."""
    return lambda at: (at.ids[at.i - 1],) if at.i and at.source.chance(chance) else ()


def one_earlier(chance: float, after: int = 0) -> Spec:
    """With probability ``chance``, a dependency on one earlier initiative (the first ``after`` + 1 have none)."""
    return lambda at: (at.ids[at.source.integer(0, at.i - 1)],) if at.i > after and at.source.chance(chance) else ()


def profile(key: str, multiplier: Any, length: tuple[int, int], chance: float = 1.0) -> Spec:
    """With probability ``chance``, a ``<column> profile`` under its normalized key (e.g. ``fte``):
    from ``length[0]`` to ``length[1]`` multipliers, one per build period."""

    def spec(at: At) -> dict[str, tuple[float, ...]]:
        if chance < 1 and not at.source.chance(chance):
            return {}
        return {key: tuple(value(multiplier, at) for _ in range(at.source.integer(*length)))}

    return spec


def apart(spec: Any, step: float) -> Spec:
    """``spec``'s value plus ``step`` times the initiative's position, so that no two tie."""
    return lambda at: value(spec, at) + step * at.i


def _rounded(x: float, digits: int | None) -> float:
    """``x`` rounded to ``digits`` (None: as it is; 0: to a whole number, an int)."""
    if digits is None:
        return x
    return round(x) if digits == 0 else round(x, digits)


# --------------------------------------------------------------------------- limits


def limit(
    column: Any,
    *,
    min: Any = None,
    max: Any = None,
    scope: Any = None,
    period: Any = None,
    tolerance: Any = None,
    penalty: Any = 0.0,
    share: bool = False,
    kind: str = "",
    chance: float = 1.0,
) -> Callable[[At], list[Limit]]:
    """A limit on ``column``, present with probability ``chance``; every argument may be a spec.

    ``min`` and ``max`` are swapped when drawn the wrong way round, and no limit is made when
    both are None. ``scope`` is ``(column, value)`` or ``(column, op, value)``. ``period`` is
    None (the whole plan), a period's position, or ``"each"``: one limit per period, all with
    the same bound. ``tolerance`` makes it soft: an amount, or a text such as ``"25%"`` for a
    share of the bound. ``kind="change"`` is a Max per period change: one limit per pair of
    periods that follow each other (``period`` is then ignored).
    """

    def make(at: At) -> list[Limit]:
        if chance < 1 and not at.source.chance(chance):
            return []
        lo, hi = value(min, at), value(max, at)
        if lo is None and hi is None:
            return []
        if lo is not None and hi is not None and lo > hi:
            lo, hi = hi, lo
        fields: dict[str, Any] = {"min": lo, "max": hi, "share": share}
        where = value(scope, at)
        if where is not None:
            where = tuple(value(part, at) for part in where)
            fields["scope"] = (where[0], where[-1])
            if len(where) == 3:
                fields["scope_op"] = where[1]
        slack = value(tolerance, at)
        if slack is not None:
            percent = isinstance(slack, str)
            fields.update(
                tolerance=float(slack.rstrip("%")) / 100 if percent else slack,
                tolerance_percent=percent,
                penalty=value(penalty, at),
            )
        name, which = value(column, at), value(period, at)
        if kind == "change":
            return [
                Limit(name, period=p, period_label=f"P{p + 1} to P{p + 2}", kind=kind, **fields)
                for p in range((at.periods or 1) - 1)
            ]
        if which is None:
            return [Limit(name, **fields)]
        ps = range(at.periods or 1) if which == "each" else [which]
        return [Limit(name, period=p, period_label=f"P{p + 1}", **fields) for p in ps]

    return make


# --------------------------------------------------------------------------- the recipe

#: The fields every initiative draws, in :class:`Initiative`'s order
FIELDS = (
    "impact",
    "probability",
    "time_to_value",
    "cost",
    "run_cost",
    "depends_on",
    "exclusive_group",
    "decision",
    "theme",
)


@dataclass(frozen=True)
class Recipe:
    """What a random plan is made of: every knob a plain value or a spec.

    The defaults make plain bets: independent initiatives with an impact, a probability, a time
    to value and a cost, no rules, no limits, no budget.
    """

    size: tuple[int, int] = (1, 5)  #: how many initiatives :func:`plans` draws (``random_plan`` is told)
    rng: str = "random"  #: what :func:`random_plan` draws with: ``random`` (Python's) or ``numpy``
    periods: Any = None  #: None for one lump, else how many periods
    ids: str = "I{i}"  #: the ID of the i-th initiative (a format)
    first: tuple[str, ...] = ()  #: fields drawn before the others, e.g. the cost an impact is a multiple of
    cost: Any = steps(1, 9, 100_000)
    depends_on: Any = ()  #: e.g. ``each_earlier(1 / 6)``
    impact: Any = between(200_000, 3_000_000)
    probability: Any = between(0.3, 0.95)
    time_to_value: Any = steps(0, 11)
    run_cost: Any = 0.0
    exclusive_group: Any = None
    decision: Any = Decision.FREE
    theme: Any = None
    columns: Mapping[str, Any] = field(default_factory=dict)  #: numeric columns, e.g. ``{"FTE": steps(0, 3)}``
    #: fields copied into ``values`` (when set) so that a limit's Scope can name them
    mirror: tuple[str, ...] = ("Theme",)
    duration: Any = None  #: months of build (multi-period plans)
    windows: bool = False  #: draw start windows (Earliest, Latest) in plans of several periods
    profiles: Any = None  #: e.g. ``profile("fte", one_of(0.5, 1.0), (1, 2))``
    fields: Mapping[str, Any] = field(default_factory=dict)  #: any other Initiative field, e.g. ranges
    limits: tuple[Callable[[At], list[Limit]], ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)  #: Settings fields, e.g. ``budget``

    def but(self, **knobs: Any) -> Recipe:
        """The same recipe with ``knobs`` changed."""
        return replace(self, **knobs)


def random_plan(n: int, seed: int = 0, recipe: Recipe | None = None, **settings: Any) -> Plan:
    """``n`` initiatives drawn from ``recipe`` (a realistic mix by default) by the recipe's generator
    seeded with ``seed``; ``settings`` (Settings fields, values or specs) override the recipe's."""
    recipe = REALISTIC if recipe is None else recipe
    source = NumPySeeded(seed) if recipe.rng == "numpy" else Seeded(seed)
    return draw_plan(source, n, recipe, settings)


def plans(recipe: Recipe | None = None, **settings: Any) -> st.SearchStrategy[Plan]:
    """A Hypothesis strategy for plans drawn from ``recipe`` (small brute-forceable ones by default)."""
    recipe = SMALL if recipe is None else recipe

    @st.composite
    def strategy(draw) -> Plan:
        source = Drawn(draw)
        return draw_plan(source, source.integer(*recipe.size), recipe, settings)

    return strategy()


def draw_plan(source: Source, n: int, recipe: Recipe, settings: Mapping[str, Any] | None = None) -> Plan:
    """A plan of ``n`` initiatives drawn from ``recipe`` with ``source``."""
    at = At(source, [recipe.ids.format(i=i) for i in range(n)])
    at.periods = value(recipe.periods, at)
    initiatives = []
    for i in range(n):
        at.i, at.drawn = i, {}
        d = at.drawn
        for name in recipe.first + tuple(f for f in FIELDS if f not in recipe.first):
            d[name] = value(getattr(recipe, name), at)
        values = {column: value(spec, at) for column, spec in recipe.columns.items()}
        for name in recipe.mirror:
            if d.get(name.lower()) is not None:
                values[name] = d[name.lower()]
        d["duration"] = value(recipe.duration, at)
        if recipe.windows and (at.periods or 1) > 1:
            lo = at.source.pick([None, 0, 1])
            hi = at.source.pick([None, at.periods - 1, 0])
            if lo is not None and hi is not None and lo > hi:
                lo, hi = hi, lo
            d["earliest"], d["latest"] = lo, hi
        d["profiles"] = value(recipe.profiles, at) or {}
        d.update({name: value(spec, at) for name, spec in recipe.fields.items()})
        initiatives.append(Initiative(id=at.ids[i], name=f"initiative {i}", values=values, **d))
    at.initiatives = tuple(initiatives)
    limits = tuple(lim for make in recipe.limits for lim in make(at))
    chosen = {**recipe.settings, **(settings or {})}
    return Plan(at.initiatives, limits, Settings(periods=at.periods, **{k: value(v, at) for k, v in chosen.items()}))


# --------------------------------------------------------------------------- the recipes tests share


def _realistic_decision(at: At) -> Decision:
    """A Must now and then (never one that depends on another), an Exclude now and then."""
    if not at.drawn["depends_on"] and at.i % 37 == 5:
        return Decision.MUST
    return Decision.EXCLUDE if at.i % 41 == 7 else Decision.FREE


#: Plans as people write them, at any size: skewed costs, teams' FTE, chains of dependencies,
#: exclusive pairs and triples, a Must and an Exclude now and then, a team cap and a theme's
#: minimum count, a budget that buys about a third.
REALISTIC = Recipe(
    ids="I{i:03d}",
    first=("cost", "depends_on"),
    cost=lognormal(12.5, 0.8, digits=-3),
    depends_on=one_earlier(0.1, after=5),
    impact=times("cost", between(0.3, 2.5), digits=-3),
    probability=between(0.3, 0.95, digits=2),
    time_to_value=steps(1, 23),
    exclusive_group=maybe(0.08, lambda at: f"G{at.i // 3}"),
    decision=_realistic_decision,
    theme=one_of("Growth", "Risk", "Platform"),
    columns={"FTE": one_of(0, 0.5, 1, 2, 3)},
    limits=(limit("FTE", max=of_total(0.3, "FTE", digits=0)), limit("Count", min=3, scope=("Theme", "Risk"))),
    settings={"budget": of_total(0.3, digits=-3), "gap": 0.0},
)

THEMES = ("Retention", "Revenue", "Risk")

#: Plans small enough to enumerate (up to 7 initiatives, 128 portfolios) with every rule kind:
#: dependencies, exclusive groups, Must and Exclude, a team cap, a theme's count between bounds,
#: a theme's cost floor, a budget or none, value or NPV, any discount rate; solved to gap 0.
SMALL = Recipe(
    size=(1, 7),
    cost=steps(0, 100, 10_000),
    depends_on=each_earlier(1 / 6),
    impact=steps(0, 2_000, 1_000),
    probability=one_of(0.0, 0.3, 0.5, 0.7, 0.9, 1.0),
    time_to_value=steps(0, 40),
    run_cost=one_of(0.0, 0.0, 100_000.0, 900_000.0),
    exclusive_group=one_of(None, None, None, "G1", "G2"),
    decision=one_of(*[Decision.FREE] * 8, Decision.MUST, Decision.EXCLUDE),
    theme=one_of(*THEMES),
    columns={"FTE": one_of(0, 0.5, 1, 2, 3)},
    limits=(
        limit("FTE", max=steps(0, 8), chance=0.5),
        limit("Count", min=one_of(None, 1, 2), max=one_of(None, 2, 3), scope=("Theme", one_of(*THEMES)), chance=0.5),
        limit("Cost", min=steps(0, 3, 100_000), scope=("Theme", "Revenue"), chance=0.5),
    ),
    settings={
        "budget": one_of(None, 200_000.0, 500_000.0, 1_000_000.0),
        "horizon_months": 36,
        "discount_rate": one_of(0.0, 0.1, 0.25),
        "objective": one_of(Objective.VALUE, Objective.VALUE, Objective.NPV),
        "gap": 0.0,
    },
)

#: Independent bets with no rules (the defaults), drawn with NumPy: what the robustness and
#: scoring tests perturb or re-score; solved to gap 0.
BETS = Recipe(rng="numpy", settings={"gap": 0.0})
