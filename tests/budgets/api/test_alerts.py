"""Alerts: newest first, filtered by state and month; members acknowledge them."""

from decimal import Decimal

import pytest

from budgets import services
from budgets.models import Alert
from budgets.recompute import teams_recompute
from tests.budgets.api.conftest import NOV, plan_create, url


@pytest.fixture
def alerted(team):
    """100 a month against 110.00 projected: the 80 and 100 alerts open for each month."""
    services.budget_set(team=team, monthly_amount=Decimal("100"), overrides=[], thresholds=[80, 100])
    plan_create(team)
    teams_recompute(team_ids=[team.pk])
    return team


def test_it_lists_alerts_newest_first(viewer_client, alerted):
    response = viewer_client.get(url("alert-list", alerted))

    assert response.status_code == 200
    results = response.json()["results"]
    assert response.json()["count"] == 6
    assert [a["id"] for a in results] == sorted((a["id"] for a in results), reverse=True)
    alert = Alert.objects.get(team=alerted, month=NOV, threshold=100)
    (listed,) = [a for a in results if a["id"] == alert.pk]
    assert listed == {
        "id": alert.pk,
        "month": "2026-11",
        "threshold": 100,
        "state": "open",
        "projected_total": "110.00",
        "budget": "100.00",
        "opened_at": listed["opened_at"],
        "resolved_at": None,
        "acknowledged_at": None,
        "acknowledged_by": None,
    }


def test_it_filters_alerts_by_state_and_month(viewer_client, alerted):
    services.budget_set(team=alerted, monthly_amount=Decimal("130"), overrides=[], thresholds=[80, 100])
    teams_recompute(team_ids=[alerted.pk])

    def thresholds(**params):
        response = viewer_client.get(url("alert-list", alerted), params)
        assert response.status_code == 200
        return sorted((a["month"], a["threshold"], a["state"]) for a in response.json()["results"])

    assert thresholds(month="2026-11") == [("2026-11", 80, "open"), ("2026-11", 100, "resolved")]
    assert thresholds(state="resolved") == [
        ("2026-11", 100, "resolved"),
        ("2026-12", 100, "resolved"),
        ("2027-01", 100, "resolved"),
    ]
    assert thresholds(state="open", month="2027-01") == [("2027-01", 80, "open")]


@pytest.mark.parametrize(
    ("params", "field"), [({"state": "closed"}, "state"), ({"month": "2026-13"}, "month")]
)
def test_it_refuses_a_bad_filter(viewer_client, alerted, params, field):
    response = viewer_client.get(url("alert-list", alerted), params)

    assert response.status_code == 400
    assert field in response.json()


def test_it_lets_a_member_acknowledge_an_alert(member_client, owner_client, alerted, member):
    alert = Alert.objects.get(team=alerted, month=NOV, threshold=80)

    response = member_client.post(url("alert-acknowledge", alerted, alert_id=alert.pk))
    again = owner_client.post(url("alert-acknowledge", alerted, alert_id=alert.pk))

    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "mia"
    assert response.json()["acknowledged_at"] is not None
    assert again.status_code == 200
    assert again.json()["acknowledged_by"] == "mia"
    alert.refresh_from_db()
    assert alert.acknowledged_by == member


def test_it_refuses_acknowledgements_to_viewers(viewer_client, alerted):
    alert = Alert.objects.filter(team=alerted).first()

    response = viewer_client.post(url("alert-acknowledge", alerted, alert_id=alert.pk))

    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_it_answers_404_for_another_teams_alert(member_client, alerted, other_team, outsider):
    services.budget_set(team=other_team, monthly_amount=Decimal("1"), overrides=[], thresholds=[100])
    plan_create(other_team)
    teams_recompute(team_ids=[other_team.pk])
    elsewhere = Alert.objects.filter(team=other_team).first()

    response = member_client.post(url("alert-acknowledge", alerted, alert_id=elsewhere.pk))

    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.acknowledged_at is None
