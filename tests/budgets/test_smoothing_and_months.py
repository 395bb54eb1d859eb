import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets.months import InvalidMonth, add_months, days_in_month, format_month, months_from, parse_month
from budgets.projections import month_status, thresholds_reached
from budgets.smoothing import smoothed_rejection_rate

D = Decimal


def test_it_smooths_exactly_as_domain_md_says():
    # (rejected + w r0) / (attempts + w) with w = 20
    assert smoothed_rejection_rate(attempts=5, accepted=0, assumed=D("0"), weight=20) == D("0.2")
    assert smoothed_rejection_rate(attempts=1000, accepted=900, assumed=D("0.5"), weight=20) == D(110) / D(
        1020
    )


def test_it_caps_the_smoothed_rate():
    assert smoothed_rejection_rate(attempts=1000, accepted=0, assumed=D("0"), weight=20) == D("0.95")


@given(
    attempts=st.integers(min_value=0, max_value=10**9),
    share=st.fractions(min_value=0, max_value=1),
    assumed=st.decimals(min_value=0, max_value=D("0.95"), places=4),
)
def test_the_smoothed_rate_stays_in_range(attempts, share, assumed):
    accepted = int(attempts * share)
    rate = smoothed_rejection_rate(attempts=attempts, accepted=accepted, assumed=assumed, weight=20)

    assert D(0) <= rate <= D("0.95")


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-1", "26-01", "2026-00", "", "2026-01-01", "abcd-ef", "0000-01"]
)
def test_it_refuses_what_is_not_a_month(text):
    with pytest.raises(InvalidMonth):
        parse_month(text)


def test_month_arithmetic_crosses_years_and_leap_days():
    assert add_months(datetime.date(2026, 11, 1), 3) == datetime.date(2027, 2, 1)
    assert add_months(datetime.date(2027, 1, 1), -1) == datetime.date(2026, 12, 1)
    assert days_in_month(datetime.date(2028, 2, 1)) == 29
    assert days_in_month(datetime.date(2027, 2, 1)) == 28
    assert [format_month(m) for m in months_from(datetime.date(2026, 12, 31), 3)] == [
        "2026-12",
        "2027-01",
        "2027-02",
    ]


@pytest.mark.parametrize(
    ("total", "budget", "status", "reached"),
    [
        ("0", None, "no_budget", set()),
        ("79.99", "100", "ok", set()),
        ("79.995", "100", "warning", {80}),  # 80.00 to the cent
        ("80", "100", "warning", {80}),
        ("99.99", "100", "warning", {80}),
        ("100", "100", "over", {80, 100}),
        ("250", "100", "over", {80, 100}),
    ],
)
def test_month_status_and_thresholds(total, budget, status, reached):
    budget = None if budget is None else D(budget)

    assert month_status(projected_total=D(total), budget=budget, thresholds=[80, 100]) == status
    assert thresholds_reached(projected_total=D(total), budget=budget, thresholds=[80, 100]) == reached
