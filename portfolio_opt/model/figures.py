"""How figures are written in words: in rules, reasons, charts and lines for people."""

from __future__ import annotations

import enum


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


def money(x: float | None) -> str:
    """A whole amount with thousands separators, or ``none``."""
    return "none" if x is None else f"{x:,.0f}"


def num(x: float) -> str:
    """A figure in a rule's words: whole numbers without decimals, others with two."""
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}"


def pct(x: float) -> str:
    """A share as a percentage with one decimal: ``12.5%``."""
    return f"{x:.1%}"
