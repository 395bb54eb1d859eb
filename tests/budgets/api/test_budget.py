"""The budget: a monthly amount, per-month overrides and alert thresholds; owners write."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.models import AlertThreshold, Budget, BudgetOverride, RecomputeMark
from tests.budgets.api.conftest import JAN, url
from tests.routing.test_quote_api import json_values

GOOD = {
    "monthly_amount": "200.00",
    "overrides": [{"month": "2027-01", "amount": "350.00"}],
    "thresholds": [80, 100],
}


def test_it_reads_a_new_teams_budget(viewer_client, team):
    response = viewer_client.get(url("budget", team))

    assert response.status_code == 200
    assert response.json() == {"monthly_amount": None, "overrides": [], "thresholds": [80, 100]}


def test_it_replaces_the_budget_and_marks_the_team_stale(owner_client, team):
    RecomputeMark.objects.filter(team=team).delete()

    response = owner_client.put(url("budget", team), GOOD, format="json")

    assert response.status_code == 200
    assert response.json() == GOOD
    assert Budget.objects.get(team=team).monthly_amount == Decimal("200.00")
    assert list(BudgetOverride.objects.filter(team=team).values_list("month", "amount")) == [
        (JAN, Decimal("350.00"))
    ]
    assert RecomputeMark.objects.filter(team=team).exists()


def test_it_writes_amounts_with_two_places_and_sorts_thresholds(owner_client, team):
    response = owner_client.put(
        url("budget", team), {"monthly_amount": "1200", "thresholds": [150, 50, 90]}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"monthly_amount": "1200.00", "overrides": [], "thresholds": [50, 90, 150]}
    assert sorted(AlertThreshold.objects.filter(team=team).values_list("percent", flat=True)) == [50, 90, 150]


def test_it_clears_the_budget_with_null(owner_client, team):
    owner_client.put(url("budget", team), GOOD, format="json")

    response = owner_client.put(url("budget", team), {"monthly_amount": None}, format="json")

    assert response.status_code == 200
    assert response.json() == {"monthly_amount": None, "overrides": [], "thresholds": [80, 100]}
    assert Budget.objects.get(team=team).monthly_amount is None
    assert not BudgetOverride.objects.filter(team=team).exists()


def test_it_accepts_trailing_zeros_beyond_the_cent(owner_client, team):
    response = owner_client.put(url("budget", team), {"monthly_amount": "99.9900"}, format="json")

    assert response.status_code == 200
    assert response.json()["monthly_amount"] == "99.99"


BAD_BUDGETS = [
    ({"monthly_amount": "0"}, "monthly_amount"),
    ({"monthly_amount": "-5.00"}, "monthly_amount"),
    ({"monthly_amount": "200.001"}, "monthly_amount"),
    ({"monthly_amount": "1e20"}, "monthly_amount"),
    ({"monthly_amount": "NaN"}, "monthly_amount"),
    ({"monthly_amount": "lots"}, "monthly_amount"),
    ({"monthly_amount": ""}, "monthly_amount"),
    ({"monthly_amount": [200]}, "monthly_amount"),
    ({"overrides": [{"month": "2027-13", "amount": "1.00"}]}, "overrides"),
    ({"overrides": [{"month": "2027-1", "amount": "1.00"}]}, "overrides"),
    ({"overrides": [{"month": "2027-01-01", "amount": "1.00"}]}, "overrides"),
    ({"overrides": [{"month": "2027-01", "amount": "0"}]}, "overrides"),
    ({"overrides": [{"month": "2027-01", "amount": "1.005"}]}, "overrides"),
    ({"overrides": [{"month": "2027-01"}]}, "overrides"),
    ({"overrides": [{"month": "2027-01", "amount": "1.00", "note": "x"}]}, "overrides"),
    (
        {"overrides": [{"month": "2027-01", "amount": "1.00"}, {"month": "2027-01", "amount": "2.00"}]},
        "overrides",
    ),
    ({"overrides": {"2027-01": "1.00"}}, "overrides"),
    ({"thresholds": []}, "thresholds"),
    ({"thresholds": [10, 20, 30, 40, 50, 60]}, "thresholds"),
    ({"thresholds": [80, 80]}, "thresholds"),
    ({"thresholds": [0]}, "thresholds"),
    ({"thresholds": [1001]}, "thresholds"),
    ({"thresholds": [80.5]}, "thresholds"),
    ({"thresholds": [True]}, "thresholds"),
    ({"thresholds": ["eighty"]}, "thresholds"),
    ({"thresholds": 80}, "thresholds"),
    ({"currency": "EUR"}, "currency"),
]


@pytest.mark.parametrize(("change", "field"), BAD_BUDGETS, ids=[repr(c) for c, _ in BAD_BUDGETS])
def test_it_answers_400_naming_the_field_for_a_bad_budget(owner_client, team, change, field):
    response = owner_client.put(url("budget", team), {"monthly_amount": "200.00", **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Budget.objects.get(team=team).monthly_amount is None
    assert sorted(AlertThreshold.objects.filter(team=team).values_list("percent", flat=True)) == [80, 100]


def test_it_requires_the_monthly_amount(owner_client, team):
    response = owner_client.put(url("budget", team), {"thresholds": [50]}, format="json")

    assert response.status_code == 400
    assert response.json() == {"monthly_amount": ["This field is required."]}


def test_it_refuses_the_budget_to_members(member_client, team):
    response = member_client.put(url("budget", team), GOOD, format="json")

    assert response.status_code == 403
    assert Budget.objects.get(team=team).monthly_amount is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.dictionaries(
        st.sampled_from(["monthly_amount", "overrides", "thresholds"]), json_values, max_size=3
    )
)
def test_no_budget_input_gets_a_server_error(owner_client, team, changes):
    response = owner_client.put(url("budget", team), {"monthly_amount": "1.00", **changes}, format="json")

    assert response.status_code in (200, 400)
