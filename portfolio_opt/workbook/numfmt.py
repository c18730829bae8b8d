"""Number formats and date serials: what a cell's format says its number is.

A spreadsheet stores a date as a number of days (a serial) and says it is a date only through
the cell's number format. Every reader of a planning workbook (.xlsx, .ods, .xls) tells dates,
times and durations from plain numbers here, the way openpyxl does, so a plan reads the same
whatever it was saved as. The rules and the table of built-in formats are openpyxl's
(``openpyxl.styles.numbers``, ``openpyxl.utils.datetime``), kept here so that reading needs no
openpyxl import; tests/test_reader_agreement.py checks them against openpyxl's own.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

#: Excel's built-in number formats by id, as openpyxl names them (ids 23-36 and 50+ are
#: locale-specific: a file that uses them without defining them reads as General)
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
#: ids below this are built in; custom formats are numbered from it
BUILTIN_MAX = 164

WINDOWS_EPOCH = _dt.datetime(1899, 12, 30)  #: day 0 of the 1900 date system (Windows Excel, LibreOffice)
MAC_EPOCH = _dt.datetime(1904, 1, 1)  #: day 0 of the 1904 date system (old Mac Excel)
_SECONDS_PER_DAY = 86400

# text in quotes and bracketed locale or colour codes say nothing about dates ([h], [mm], [ss] do)
_STRIP = re.compile(r'".*?"|\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]')
_DATE_CHAR = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)


def is_date_format(fmt: str | None) -> bool:
    """True when a number format shows a date or a time (its first section has d, m, y, h or s).

    >>> is_date_format("yyyy-mm-dd"), is_date_format("0.0%"), is_date_format('"days"0')
    (True, False, False)
    """
    if fmt is None:
        return False
    return _DATE_CHAR.search(_STRIP.sub("", fmt.split(";")[0])) is not None


def is_timedelta_format(fmt: str | None) -> bool:
    """True when a number format shows a duration ([h]:mm and kin).

    >>> is_timedelta_format("[h]:mm:ss"), is_timedelta_format("h:mm")
    (True, False)
    """
    if fmt is None:
        return False
    return _TIMEDELTA.search(fmt.split(";")[0]) is not None


def from_excel(value: float, epoch: _dt.datetime = WINDOWS_EPOCH, timedelta: bool = False):
    """The date, time or duration a serial stands for, to the millisecond.

    Raises OverflowError or ValueError for a serial outside the dates Python has.

    >>> from_excel(46388), from_excel(0.5), from_excel(1.5, timedelta=True)
    (datetime.datetime(2027, 1, 1, 0, 0), datetime.time(12, 0), datetime.timedelta(days=1, seconds=43200))
    """
    if timedelta:
        td = _dt.timedelta(days=value)
        if td.microseconds:
            td = _dt.timedelta(seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3))
        return td
    day, fraction = divmod(value, 1)
    diff = _dt.timedelta(milliseconds=round(fraction * _SECONDS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return _dt.time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1  # Excel counts 29 February 1900, which never was
    return epoch + _dt.timedelta(days=day) + diff


def to_excel(value, epoch: _dt.datetime = WINDOWS_EPOCH) -> float:
    """The serial of a date, datetime, time or duration (the inverse of :func:`from_excel`).

    >>> to_excel(_dt.datetime(2027, 1, 1)), to_excel(_dt.time(6)), to_excel(_dt.timedelta(hours=36))
    (46388.0, 0.25, 1.5)
    """
    if isinstance(value, _dt.time):
        return _time_to_days(value)
    if isinstance(value, _dt.timedelta):
        return value.total_seconds() / _SECONDS_PER_DAY
    if not isinstance(value, _dt.datetime):
        value = _dt.datetime.combine(value, _dt.time())
    days = (value - epoch).days
    if 0 < days <= 60 and epoch == WINDOWS_EPOCH:
        days -= 1
    return days + _time_to_days(value)


def _time_to_days(value) -> float:
    return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 10**6) / _SECONDS_PER_DAY


def serial_of(value, epoch: _dt.datetime = WINDOWS_EPOCH) -> float | None:
    """The serial a date-like cell value stores, or None when it has none."""
    try:
        return float(to_excel(value, epoch))
    except (TypeError, ValueError, OverflowError):
        return None


_ISO = re.compile(
    r"(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?"
    r"(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<microsecond>\.\d{1,3})?)?)?Z?"
)
_ISO_DURATION = re.compile(r"PT((?P<hours>\d+)H)?((?P<minutes>\d+)M)?((?P<seconds>\d+(\.\d{1,3})?)S)?")


def from_iso8601(text: str | None):
    """A date, time, datetime or duration written in ISO 8601 (a ``t="d"`` cell, a saved date).

    Raises ValueError for text that is none of them.

    >>> from_iso8601("2027-04-01T09:30:00Z"), from_iso8601("2027-04-01")
    (datetime.datetime(2027, 4, 1, 9, 30), datetime.date(2027, 4, 1))
    """
    if not text:
        return None
    match = _ISO.match(text)
    if match and any(match.groups()):
        parts: dict[str, Any] = match.groupdict(0)  # text, then numbers
        for key in ("year", "month", "day", "hour", "minute", "second"):
            if parts[key]:
                parts[key] = int(parts[key])
        if parts["microsecond"]:
            parts["microsecond"] = int(float(parts["microsecond"]) * 1_000_000)
        if not parts["date"]:
            return _dt.time(parts["hour"], parts["minute"], parts["second"], parts["microsecond"])
        if not parts["time"]:
            return _dt.date(parts["year"], parts["month"], parts["day"])
        del parts["time"], parts["date"]
        return _dt.datetime(**parts)
    match = _ISO_DURATION.match(text)
    if match and any(match.groups()):
        return _dt.timedelta(**{k: float(v) for k, v in match.groupdict(0).items() if v})
    raise ValueError(f"Invalid datetime value {text}")


def number(text: str | bytes) -> int | float:
    """A stored number as its type says: int when written without a point or exponent.

    A whole number stays an int, as typed (``5``); ``5.0`` and ``5E0`` are floats.

    >>> number("5"), number("0.85"), number(b"1E+16")
    (5, 0.85, 1e+16)
    """
    if isinstance(text, bytes):
        if b"." in text or b"e" in text or b"E" in text:
            return float(text)
        return int(text)
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)
