"""Template filters that show figures as the rest of Spendlane rounds them (catalog.money).

>>> usd(Decimal("1234.5"))
'$1,234.50'
>>> usd_per_image(Decimal("0.0146666"))
'$0.014667'
>>> percent_of(Decimal("0.9167"))
'91.7%'
"""

import datetime
from decimal import Decimal, InvalidOperation

from django import template

from catalog import money

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def usd(value) -> str:
    """Monthly money: ``$1,234.56`` (negative: ``-$12.00``); empty for no value."""
    amount = _decimal(value)
    if amount is None:
        return ""
    rounded = money.money(amount)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


@register.filter
def usd_per_image(value) -> str:
    amount = _decimal(value)
    return "" if amount is None else f"${money.per_image(amount):,.6f}"


@register.filter
def percent_of(value, places: int = 1) -> str:
    """A share (0.9167) as a percentage ("91.7%")."""
    share = _decimal(value)
    if share is None:
        return ""
    return f"{(share * 100).quantize(Decimal(1).scaleb(-int(places)), rounding='ROUND_HALF_UP')}%"


@register.filter
def month_name(value) -> str:
    """``2026-11`` or a date as "November 2026"."""
    if isinstance(value, str):
        year, month = value.split("-")[:2]
        value = datetime.date(int(year), int(month), 1)
    return value.strftime("%B %Y") if value else ""
