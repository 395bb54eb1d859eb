"""Calendar months: the one place that turns a month into dates and back.

A month is a ``datetime.date`` on its first day; ``YYYY-MM`` is how it is
written everywhere outside.

>>> parse_month("2026-12")
datetime.date(2026, 12, 1)
>>> format_month(add_months(datetime.date(2026, 12, 1), 2))
'2027-02'
>>> days_in_month(datetime.date(2028, 2, 1))
29
"""

import calendar
import datetime
import re

# YYYY-MM from 0001-01 to 9999-12, in ASCII digits (as an OpenAPI pattern, too).
MONTH_PATTERN = r"^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN)


class InvalidMonth(ValueError):
    pass


def parse_month(value: str) -> datetime.date:
    """``YYYY-MM`` to the month's first day; anything else raises ``InvalidMonth``."""
    # fullmatch: "$" alone would let a trailing newline through.
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidMonth(f"{value!r} is not a month: write it as YYYY-MM.")
    return datetime.date(int(match[1]), int(match[2]), 1)


def format_month(month: datetime.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_of(day: datetime.date) -> datetime.date:
    """The month ``day`` falls in."""
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def days_in_month(month: datetime.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def last_day(month: datetime.date) -> datetime.date:
    return month.replace(day=days_in_month(month))


def months_from(first: datetime.date, count: int) -> list[datetime.date]:
    """``count`` consecutive months starting at ``first``'s month.

    >>> [format_month(m) for m in months_from(datetime.date(2026, 11, 24), 3)]
    ['2026-11', '2026-12', '2027-01']
    """
    start = month_of(first)
    return [add_months(start, offset) for offset in range(count)]
