"""Numbers and period labels as people type them into a spreadsheet, read one documented way.

Pure: a cell value in, a number (or label) out, or a :class:`Refusal` that says what the cell
holds, what was expected and how to fix it. The validator turns refusals into problems at
their cells.

**The rule for numbers typed as text** (cells that hold real numbers are taken as they are):

- the decimal separator is a point, the thousands separator a comma (or a space), in groups of
  three: ``1,200,000``, ``1 200 000`` and ``1200000.50`` are read; ``0,8`` is refused with a
  hint about the decimal separator;
- a point followed by exactly three digits after a leading 1-3 digit group (``950.000``,
  ``1.200.000``) is refused as ambiguous: in much of Europe it is a thousands separator;
- a currency symbol or code before or after the number is ignored: ``$1,200,000``,
  ``1,200,000 €``, ``EUR 250k``;
- a suffix scales amounts: ``k`` thousand, ``M`` (or ``m``, ``mn``, ``MM``) million, ``bn``
  billion: ``1.2M`` is 1,200,000 (only where an amount belongs, never a number of months);
- ``70%`` is 0.7; a minus sign or accounting parentheses make it negative: ``(5,000)``.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Any

#: Magnitudes beyond this are refused at their cell: no plan is measured in quadrillions, and
#: the solvers lose precision long before.
MAX_MAGNITUDE = 1e15

_CURRENCY = r"(?:[$€£¥₹₩₽₺₪฿]|CHF|USD|EUR|GBP|JPY|CAD|AUD|SEK|NOK|DKK|INR|CNY|R\$|US\$|A\$|C\$)"
_SUFFIX = {
    "k": 1e3,
    "K": 1e3,
    "m": 1e6,
    "M": 1e6,
    "mn": 1e6,
    "MM": 1e6,
    "mm": 1e6,
    "bn": 1e9,
    "Bn": 1e9,
    "BN": 1e9,
    "b": 1e9,
    "B": 1e9,
}
_AMOUNT = re.compile(
    rf"^(?P<sign1>[-+−])?\s*(?P<cur1>{_CURRENCY})?\s*(?P<sign2>[-+−])?\s*"
    r"(?P<num>[\d.,' \u00a0\u202f\u2009]*\d[\d.,' \u00a0\u202f\u2009]*|\.\d+)"
    r"\s*(?P<exp>[eE][+-]?\d+)?"
    rf"\s*(?P<suffix>k|K|mn|MM|mm|m|M|bn|Bn|BN|b|B)?\s*(?P<cur2>{_CURRENCY})?\s*(?P<pct>%)?$"
)
_PLAIN = re.compile(r"^\d+(\.\d*)?$|^\.\d+$")
_THOUSANDS = re.compile(r"^[1-9]\d{0,2}([, \u00a0\u202f\u2009']\d{3})+(\.\d*)?$")
_EURO_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^\d+(\.\d{3})*,\d+$")


@dataclass(frozen=True)
class Refusal:
    """Why a cell is not read as a number: ``reason`` follows the value, ``fix`` says what to do."""

    code: str
    reason: str
    fix: str


def is_date(value: Any) -> bool:
    """True for a date, time or duration cell (what a spreadsheet may show in place of a number)."""
    return isinstance(value, (_dt.date, _dt.time, _dt.timedelta))


def parse_number(value: Any, amount: bool = False) -> float | Refusal:
    """A cell as a number, by the rule in this module's docstring.

    ``amount`` allows currency symbols and the k / M / bn suffixes. Dates are refused here
    (see :func:`date_as_typed_number`): a date where a number belongs is a formatting accident
    the validator explains.

    >>> parse_number("$1,200,000", amount=True)
    1200000.0
    >>> parse_number("70%")
    0.7
    >>> parse_number("950.000").code
    'ambiguous-separator'
    """
    if isinstance(value, str):
        return _parse_text(value, amount)
    return _parse_cell(value)


def _parse_cell(value: Any) -> float | Refusal:
    """A cell that holds something other than text: a real number is taken as it is."""
    if isinstance(value, bool):
        return Refusal("not-a-number", "is TRUE/FALSE, not a number", "Enter a number")
    if isinstance(value, (int, float)):
        f = float(value)
        if not math.isfinite(f):
            return Refusal("not-a-number", "is not a finite number", "Enter a number")
        return _bounded(f)
    if is_date(value):
        return Refusal(
            "date-in-number",
            "holds a date (the cell is formatted as one)",
            "Enter a number, and format the cell as Number or General",
        )
    return Refusal("not-a-number", "must be a number", "Enter a number")


def _parse_text(value: str, amount: bool) -> float | Refusal:
    """A number typed as text: its sign, currency, digits, exponent, suffix and percent sign."""
    text = value.strip().replace("\u2212", "-")
    negative = False
    if text.startswith("(") and text.endswith(")"):  # accounting parentheses
        negative, text = True, text[1:-1].strip()
    m = _AMOUNT.match(text)
    if m is None:
        return Refusal("not-a-number", "must be a number", "Enter a number")
    refusal = _refused_units(m, amount)
    if refusal is not None:
        return refusal
    number = _digits(m["num"].strip())
    if isinstance(number, Refusal):
        return number
    return _scaled(number, m, negative)


def _refused_units(m: re.Match, amount: bool) -> Refusal | None:
    """The refusal when the signs, currencies, suffix and percent sign around the digits clash."""
    if (m["cur1"] or m["cur2"] or m["suffix"]) and not amount:
        return Refusal(
            "not-a-number", "must be a plain number here (no currency or k/M suffix)", "Enter the number alone, e.g. 6"
        )
    if m["sign1"] and m["sign2"]:
        return Refusal("not-a-number", "has two signs", "Enter one number")
    if (m["cur1"] and m["cur2"]) or (m["pct"] and (m["cur1"] or m["cur2"] or m["suffix"])):
        return Refusal("not-a-number", "mixes units", "Enter one number with at most one unit")
    return None


def _digits(digits: str) -> float | Refusal:
    """The digits of a number as its value, by the separator rule; a separator that could mean
    either thing is refused, with the way to write it."""
    if _EURO_THOUSANDS.match(digits):
        return _points_refusal(digits)
    if _PLAIN.match(digits):
        return float(digits)
    if _THOUSANDS.match(digits):
        return float(re.sub(r"[, \u00a0\u202f\u2009']", "", digits))
    if _DECIMAL_COMMA.match(digits):
        fixed = digits.replace(".", "").replace(",", ".")
        return Refusal(
            "decimal-comma",
            "uses a comma as the decimal separator",
            f"Write {fixed}: the decimal separator is a point (commas separate thousands, in groups of three)",
        )
    return Refusal(
        "not-a-number",
        "must be a number",
        "Enter a number; separate thousands with commas in groups of three, decimals with a point",
    )


def _points_refusal(digits: str, listed: bool = False) -> Refusal:
    """Digits whose points come before groups of three (``950.000``, ``1.200.000``): thousands
    separators in much of Europe, so the number is not guessed. ``listed``: the number is an
    item of a comma-separated list, where a comma cannot separate thousands."""
    whole = digits.replace(".", "")
    commas = "" if listed else f" (or {int(whole):,})"
    if digits.count(".") > 1:
        return Refusal(
            "ambiguous-separator",
            "uses points to separate thousands",
            f"Write {whole}{commas}: the decimal separator is a point"
            + ("" if listed else ", thousands are separated by commas"),
        )
    return Refusal(
        "ambiguous-separator",
        "is ambiguous: a point followed by three digits reads as a thousands separator in many countries",
        f"Write {digits}0 if the point is a decimal point, or {whole}{commas} if it separates thousands",
    )


#: What separates the items of a list cell (a profile: ``50%, 30%, 20%``)
_LIST_SEPARATORS = re.compile(r"[,;/]")


def parse_list(value: Any, amount: bool = False) -> tuple[float, ...] | tuple[str, Refusal]:
    """A list cell (items separated by commas, semicolons or slashes) as its numbers, or the
    first item that is not one with its own refusal (why, and how to write it).

    >>> parse_list("50%, 30%; 20%")
    (0.5, 0.3, 0.2)
    >>> item, refusal = parse_list("5.044, 1.839, 0.0")
    >>> item, refusal.code, refusal.fix
    ('5.044', 'ambiguous-separator', 'Write 5.0440 if the point is a decimal point, or 5044 if it separates thousands')
    """
    if not isinstance(value, str):
        number = _parse_cell(value)
        return (str(value), number) if isinstance(number, Refusal) else (number,)
    out: list[float] = []
    for item in (p.strip() for p in _LIST_SEPARATORS.split(value)):
        if not item:
            continue
        number = _parse_text(item, amount)
        if isinstance(number, Refusal) and number.code == "ambiguous-separator":
            digits = _AMOUNT.match(item.replace("\u2212", "-").strip("() "))
            number = _points_refusal(digits["num"].strip(), listed=True) if digits else number
        if isinstance(number, Refusal):
            return item, number
        out.append(number)
    return tuple(out)


def _scaled(number: float, m: re.Match, negative: bool) -> float | Refusal:
    """The digits' value with the exponent, suffix, percent sign and sign around them applied."""
    if m["exp"]:
        number = float(f"{number!r}{m['exp']}")
    if m["suffix"]:
        number *= _SUFFIX[m["suffix"]]
    if m["pct"]:
        number /= 100.0
    if negative or "-" in ((m["sign1"] or "") + (m["sign2"] or "")):
        number = -number
    if not math.isfinite(number):
        return Refusal("not-a-number", "is not a finite number", "Enter a number")
    return _bounded(number)


def _bounded(number: float) -> float | Refusal:
    """The number, or its refusal when it is beyond :data:`MAX_MAGNITUDE`."""
    if abs(number) > MAX_MAGNITUDE:
        return Refusal(
            "too-large",
            f"is beyond the largest magnitude accepted ({MAX_MAGNITUDE:,.0e})",
            "Enter the figure in the sheet's units; no plan needs numbers this large",
        )
    return number


#: A date-formatted cell holding a serial below this is a number typed into a cell that was
#: formatted as a date (serial 999 is 1902-09-25, a date no plan speaks of).
TYPED_SERIAL_BELOW = 1000


def date_as_typed_number(serial: float | None) -> float | None:
    """The number a user typed into a date-formatted cell, when that is unambiguous."""
    if serial is None or not 0 <= serial < TYPED_SERIAL_BELOW:
        return None
    return float(serial)


# --------------------------------------------------------------------------- period labels

_QUARTER = re.compile(r"^(?:(\d{4})\s*[-/ ]?\s*Q([1-4])|Q([1-4])\s*[-/ ]?\s*(\d{4}))$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_SLASH_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")


def first_period_label(value: Any, period_length: float) -> str | Refusal:
    """``First period`` as its documented label: ``2027-Q1`` for quarters, ``2027-01`` for months.

    A date (a real date cell, or text such as ``2027-01-01`` or ``1/1/2027``) becomes the label
    of the period holding it; text like ``Q1 2027`` becomes ``2027-Q1``; ``P1`` and other text
    ending in a number is kept.
    """
    if value is None:
        return "P1"
    if isinstance(value, _dt.datetime):
        when = value.date()
    elif isinstance(value, _dt.date):
        when = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer():
            return str(int(value))
        return Refusal("bad-first-period", "is not a period label", _label_fix(period_length))
    else:
        read = _text_period(str(value).strip(), period_length)
        if not isinstance(read, _dt.date):
            return read
        when = read
    label = _date_label(when, period_length)
    if label is None:
        return Refusal(
            "bad-first-period",
            f"is a date, but dates name periods of 1 or 3 months only (periods are {_months(period_length)})",
            "Write a label such as P1",
        )
    return label


def _text_period(text: str, period_length: float) -> str | _dt.date | Refusal:
    """A period typed as text: a quarter's label, the date it names, or the text itself when it
    ends in a number (``P1``, ``Sprint 4``)."""
    q = _QUARTER.match(text)
    if q:
        return _quarter_label(q, period_length)
    when = _text_date(text, period_length)
    if when is not None:
        return when
    if text and re.search(r"\d+$", text) and not re.search(r"[:/]", text):
        return text
    return Refusal("bad-first-period", "is not a period label", _label_fix(period_length))


def _quarter_label(q: re.Match, period_length: float) -> str | Refusal:
    """``2027-Q1`` for a quarter written either way round, when periods are quarters."""
    year, quarter = (q[1], q[2]) if q[1] else (q[4], q[3])
    if period_length != 3:
        return Refusal(
            "bad-first-period",
            f"is a quarter, but periods are {_months(period_length)}",
            _label_fix(period_length),
        )
    return f"{year}-Q{quarter}"


def _text_date(text: str, period_length: float) -> _dt.date | Refusal | None:
    """The date a text names (``2027-01``, ``2027-01-01``, ``1/1/2027``), a refusal when it has a
    date's shape but is none, or None when it has no date's shape."""
    mo = _MONTH.match(text)
    if mo and 1 <= int(mo[2]) <= 12:
        return _dt.date(int(mo[1]), int(mo[2]), 1)
    iso = _ISO_DATE.match(text)
    if iso:
        when = _safe_date(int(iso[1]), int(iso[2]), int(iso[3]))
        return Refusal("bad-first-period", "is not a date", _label_fix(period_length)) if when is None else when
    sl = _SLASH_DATE.match(text)
    if sl:
        return _slash_date(int(sl[1]), int(sl[2]), int(sl[3]), period_length)
    return None


def _slash_date(a: int, b: int, year: int, period_length: float) -> _dt.date | Refusal:
    """``a/b/year`` as a date, read month/day or day/month; refused when the two readings name
    different periods."""
    readings = {d for d in (_safe_date(year, a, b), _safe_date(year, b, a)) if d is not None}
    labels = {_date_label(d, period_length) for d in readings}
    if not readings:
        return Refusal("bad-first-period", "is not a date", _label_fix(period_length))
    if len(labels) > 1:
        return Refusal(
            "ambiguous-date",
            "is ambiguous: month/day or day/month give different periods",
            f"Write the date as year-month-day (e.g. {year}-{a:02d}-{b:02d}), or a label such as "
            + ("2027-Q1" if period_length == 3 else "2027-01"),
        )
    return min(readings)


def _safe_date(year: int, month: int, day: int) -> _dt.date | None:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def _date_label(when: _dt.date, period_length: float) -> str | None:
    if period_length == 3:
        return f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    if period_length == 1:
        return f"{when.year}-{when.month:02d}"
    return None


def _label_fix(period_length: float) -> str:
    if period_length == 3:
        return "Write a quarter such as 2027-Q1, a date such as 2027-01-01, or P1"
    if period_length == 1:
        return "Write a month such as 2027-01, a date such as 2027-01-01, or P1"
    return "Write a label that ends in a number, such as P1"


def _months(n: float) -> str:
    return f"{n:g} month" + ("" if n == 1 else "s")
