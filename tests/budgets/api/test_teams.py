"""Teams: list, create, read, change; the webhook's test, log and secret."""

import hashlib
import hmac

import pytest
from django.urls import reverse

from budgets import services
from budgets.models import AlertThreshold, Budget, Membership, RecomputeMark, Team, WebhookDelivery
from tests.budgets.api.conftest import client_for, url
from tests.budgets.factories import UserFactory

LIST_URL = reverse("teams:team-list")


def test_it_lists_only_the_callers_teams_with_their_role(owner_client, viewer_client, team, other_team):
    response = owner_client.get(LIST_URL)
    as_viewer = viewer_client.get(LIST_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    (item,) = body["results"]
    assert item["slug"] == "pixels"
    assert item["role"] == "owner"
    assert item["webhook_secret"] == team.webhook_secret
    assert as_viewer.json()["results"][0]["role"] == "viewer"
    assert as_viewer.json()["results"][0]["webhook_secret"] is None


def test_it_lists_no_team_for_staff_who_belong_to_none(staff_client, team):
    response = staff_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_it_creates_a_team_owned_by_the_caller(db, seed_catalog):
    user = UserFactory(username="newbie")

    response = client_for(user).post(
        LIST_URL,
        {"name": "Night Owls", "tier": "tier3", "webhook_url": "https://example.com/h"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "night-owls"
    assert body["role"] == "owner"
    assert body["tier"] == "tier3"
    assert body["org_verified"] is False
    assert len(body["webhook_secret"]) == 64
    team = Team.objects.get(slug="night-owls")
    assert Membership.objects.get(team=team).user == user
    assert Membership.objects.get(team=team).role == "owner"
    assert Budget.objects.get(team=team).monthly_amount is None
    assert sorted(AlertThreshold.objects.filter(team=team).values_list("percent", flat=True)) == [80, 100]


def test_it_makes_a_unique_slug(owner_client, team):
    response = owner_client.post(LIST_URL, {"name": "Pixels"}, format="json")

    assert response.status_code == 201
    assert response.json()["slug"] == "pixels-2"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "A", "tier": "tier9"}, "tier"),
        ({"name": "A", "org_verified": "maybe"}, "org_verified"),
        ({"name": "A", "webhook_url": "not a url"}, "webhook_url"),
        ({"name": "A", "webhook_url": "ftp://example.com/hook"}, "webhook_url"),
        ({"name": "A", "slug": "chosen"}, "slug"),
    ],
)
def test_it_refuses_a_bad_team(owner_client, db, body, field):
    response = owner_client.post(LIST_URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Team.objects.filter(name="A").exists()


def test_it_reads_a_team(member_client, team):
    response = member_client.get(url("team-detail", team))

    assert response.status_code == 200
    assert response.json() == {
        "slug": "pixels",
        "name": "Pixels",
        "tier": "tier2",
        "org_verified": True,
        "webhook_url": "",
        "role": "member",
        "webhook_secret": None,
        "created_at": response.json()["created_at"],
    }


def test_it_lets_an_owner_change_the_team_and_marks_it_stale(owner_client, team):
    RecomputeMark.objects.filter(team=team).delete()

    response = owner_client.patch(
        url("team-detail", team), {"name": "Pixels Inc", "tier": "tier4"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Pixels Inc"
    assert response.json()["slug"] == "pixels"
    assert response.json()["role"] == "owner"
    team.refresh_from_db()
    assert (team.name, team.tier) == ("Pixels Inc", "tier4")
    assert RecomputeMark.objects.filter(team=team).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tier": "gold"}, "tier"),
        ({"name": ""}, "name"),
        ({"webhook_url": "javascript:alert(1)"}, "webhook_url"),
        ({"slug": "other"}, "slug"),
        ({"webhook_secret": "mine"}, "webhook_secret"),
    ],
)
def test_it_refuses_a_bad_change(owner_client, team, body, field):
    response = owner_client.patch(url("team-detail", team), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    team.refresh_from_db()
    assert (team.name, team.tier, team.slug) == ("Pixels", "tier2", "pixels")


def test_it_refuses_changes_to_members(member_client, team):
    response = member_client.patch(url("team-detail", team), {"tier": "tier5"}, format="json")

    assert response.status_code == 403
    team.refresh_from_db()
    assert team.tier == "tier2"


# --- Webhook -----------------------------------------------------------------------------


def test_it_sends_a_signed_test_webhook_and_logs_it(owner_client, team, webhook_receiver):
    services.team_update(team=team, webhook_url=webhook_receiver.url)

    response = owner_client.post(url("webhook-test", team))

    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get(team=team)
    assert response.json() == {"delivered": True, "status_code": 200, "error": "", "delivery_id": delivery.pk}
    assert (delivery.event, delivery.delivered, delivery.attempt) == ("webhook.test", True, 1)
    (received,) = webhook_receiver.requests
    assert received["json"]["event"] == "webhook.test"
    assert received["json"]["team"] == "pixels"
    expected = hmac.new(team.webhook_secret.encode(), received["body"], hashlib.sha256).hexdigest()
    assert received["headers"]["X-Spendlane-Signature"] == f"sha256={expected}"


def test_it_reports_a_failing_webhook(owner_client, team, webhook_receiver):
    webhook_receiver.status = 500
    services.team_update(team=team, webhook_url=webhook_receiver.url)

    response = owner_client.post(url("webhook-test", team))

    assert response.status_code == 200
    assert response.json()["delivered"] is False
    assert response.json()["status_code"] == 500
    assert response.json()["error"] == "HTTP 500"
    assert WebhookDelivery.objects.get(team=team).delivered is False


def test_it_answers_400_to_a_test_without_a_webhook(owner_client, team):
    response = owner_client.post(url("webhook-test", team))

    assert response.status_code == 400
    assert "webhook_url" in response.json()
    assert not WebhookDelivery.objects.exists()


def test_it_lists_webhook_deliveries_newest_first(owner_client, team, webhook_receiver):
    services.team_update(team=team, webhook_url=webhook_receiver.url)
    owner_client.post(url("webhook-test", team))
    webhook_receiver.status = 503
    owner_client.post(url("webhook-test", team))

    response = owner_client.get(url("webhook-delivery-list", team))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(d["attempt"], d["status_code"], d["delivered"]) for d in results] == [
        (2, 503, False),
        (1, 200, True),
    ]
    assert results[0]["url"] == webhook_receiver.url
    assert results[0]["alert_notification"] is None


def test_it_rotates_the_webhook_secret(owner_client, team):
    before = team.webhook_secret

    response = owner_client.post(url("webhook-rotate-secret", team))

    assert response.status_code == 200
    team.refresh_from_db()
    assert team.webhook_secret != before
    assert response.json()["webhook_secret"] == team.webhook_secret
