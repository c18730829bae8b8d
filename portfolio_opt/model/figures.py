"""How figures are written in words: in rules, reasons, charts and lines for people."""

from __future__ import annotations

import enum
import math


class Unit(enum.Enum):
    """What a figure measures, which decides how it is shown: money, a share, or a plain number."""

    MONEY = "money"  #: an amount of the plan's currency
    SHARE = "share"  #: a fraction shown as a percentage
    NUMBER = "number"  #: anything else: FTE, a count, a score

    def words(self, x: float) -> str:
        """A figure of this unit in words: a share as ``12.5%``, others as :func:`num`."""
        return pct(x) if self is Unit.SHARE else num(x)


def short_amount(x: float) -> str:
    """An amount in a few characters, for a chart's axis: 32.1M, 850k, -1.2M.

    >>> short_amount(32_140_000), short_amount(-850_000), short_amount(420)
    ('32.1M', '-850k', '420')
    """
    if abs(x) >= 1e6:
        return f"{x / 1e6:,.1f}M"
    if abs(x) >= 1e3:
        return f"{x / 1e3:,.0f}k"
    return f"{x:,.0f}"


def readable_step(x: float) -> float:
    """The largest round amount (1, 2 or 5 times a power of ten) not above ``x``, at least 1:
    a step a reader takes in at a glance (1% of a budget of 10.8M: 100,000).

    >>> readable_step(108_000), readable_step(25_000), readable_step(0.4)
    (100000.0, 20000.0, 1.0)
    """
    if x < 1:
        return 1.0
    power = 10.0 ** math.floor(math.log10(x))
    return max(m * power for m in (1, 2, 5) if m * power <= x * (1 + 1e-12))


def money(x: float | None, currency: str = "") -> str:
    """A whole amount with thousands separators, or ``none``; with the plan's Currency setting
    before it when given (a symbol joined, a code spaced).

    >>> money(1_200_000), money(-5_000, "€"), money(30_000, "EUR")
    ('1,200,000', '-€5,000', 'EUR 30,000')
    """
    if x is None:
        return "none"
    if not currency:
        return f"{x:,.0f}"
    sign, body = ("-" if x < 0 else ""), f"{abs(x):,.0f}"
    return f"{sign}{currency} {body}" if currency[-1].isalpha() else f"{sign}{currency}{body}"


def num(x: float) -> str:
    """A figure in a rule's words: whole numbers without decimals, others with two."""
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}"


def pct(x: float) -> str:
    """A share as a percentage with one decimal: ``12.5%``."""
    return f"{x:.1%}"
