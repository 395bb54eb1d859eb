"""Precision of every figure that leaves the system, and the one place that rounds.

Arithmetic keeps full ``Decimal`` precision; figures are rounded only at the
edge (domain.md): monthly money to cents, per-image money to 6 places, rates to
4 places, always ROUND_HALF_UP.

>>> money(Decimal("146.666666"))
Decimal('146.67')
>>> per_image(Decimal("0.0146666666"))
Decimal('0.014667')
>>> rate(Decimal("0.25"))
Decimal('0.2500')
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
PER_IMAGE_QUANTUM = Decimal("0.000001")
RATE_QUANTUM = Decimal("0.0001")
ATTEMPTS_QUANTUM = Decimal("0.01")
PERCENT_QUANTUM = Decimal("0.01")

ZERO = Decimal("0")
ONE = Decimal("1")
MILLION = Decimal("1000000")


# Each rounder calls quantize itself, with the rounding passed by position: the recompute
# rounds several hundred thousand figures, and C decimal parses a keyword ``rounding`` at
# twice the cost of the rounding itself.


def money(value: Decimal) -> Decimal:
    """Monthly money, to the cent."""
    return value.quantize(CENT, ROUND_HALF_UP)


def per_image(value: Decimal) -> Decimal:
    """Money per image, to 6 places."""
    return value.quantize(PER_IMAGE_QUANTUM, ROUND_HALF_UP)


def rate(value: Decimal) -> Decimal:
    """A rate or share, to 4 places."""
    return value.quantize(RATE_QUANTUM, ROUND_HALF_UP)


def attempts(value: Decimal) -> Decimal:
    """Expected attempts per month, to 2 places."""
    return value.quantize(ATTEMPTS_QUANTUM, ROUND_HALF_UP)


def percent(value: Decimal) -> Decimal:
    """A percentage, to 2 places.

    >>> percent(Decimal("12.505"))
    Decimal('12.51')
    >>> percent(Decimal("-8.3333333"))
    Decimal('-8.33')
    """
    return value.quantize(PERCENT_QUANTUM, ROUND_HALF_UP)
