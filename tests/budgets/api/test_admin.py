"""Staff see teams in the Django admin only: read-only pages, and a recompute action."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets import services
from budgets.models import (
    Alert,
    AlertNotification,
    PlanRecommendation,
    Projection,
    RecomputeMark,
    RetryStatistic,
    TeamMonth,
    WebhookDelivery,
    WorkloadPlan,
)
from budgets.recompute import teams_recompute
from catalog.models import ImageModel
from tests.budgets.api.conftest import NOV, plan_create

MODELS = [
    "team",
    "workloadplan",
    "planrecommendation",
    "retrystatistic",
    "projection",
    "teammonth",
    "alert",
    "alertnotification",
    "webhookdelivery",
    "recomputemark",
]


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def filled(team, member):
    services.budget_set(
        team=team, monthly_amount=Decimal("100"), overrides=[(NOV, Decimal("90"))], thresholds=[80]
    )
    plan = plan_create(team)
    services.retry_statistic_create(
        team=team,
        model=ImageModel.objects.get(slug="gpt-image-1"),
        plan=plan,
        period_start=NOV,
        period_end=NOV,
        attempts=5,
        accepted=4,
        created_by=member,
    )
    teams_recompute(team_ids=[team.pk])
    WebhookDelivery.objects.create(team=team, event="webhook.test", url="https://example.com/h", attempt=1)
    services.plan_update(plan=plan, name="Renamed")  # leaves a recompute mark
    return team


def test_it_shows_every_budgets_page_to_staff(admin_client, filled, django_assert_max_num_queries):
    objects = {
        "team": filled,
        "workloadplan": WorkloadPlan.objects.first(),
        "planrecommendation": PlanRecommendation.objects.first(),
        "retrystatistic": RetryStatistic.objects.first(),
        "projection": Projection.objects.first(),
        "teammonth": TeamMonth.objects.first(),
        "alert": Alert.objects.first(),
        "alertnotification": AlertNotification.objects.first(),
        "webhookdelivery": WebhookDelivery.objects.first(),
        "recomputemark": RecomputeMark.objects.first(),
    }

    for name in MODELS:
        changelist = admin_client.get(reverse(f"admin:budgets_{name}_changelist"))
        change = admin_client.get(reverse(f"admin:budgets_{name}_change", args=[objects[name].pk]))
        assert (name, changelist.status_code, change.status_code) == (name, 200, 200)
    team_page = admin_client.get(reverse("admin:budgets_team_change", args=[filled.pk])).content.decode()
    assert "olivia" in team_page
    assert filled.webhook_secret not in team_page


@pytest.mark.parametrize("name", MODELS)
def test_it_keeps_the_pages_read_only(admin_client, filled, name):
    response = admin_client.get(reverse(f"admin:budgets_{name}_add"))

    assert response.status_code == 403


def test_it_refuses_changes_through_the_admin(admin_client, filled):
    response = admin_client.post(reverse("admin:budgets_team_change", args=[filled.pk]), {"name": "Hijacked"})

    assert response.status_code == 403
    filled.refresh_from_db()
    assert filled.name == "Pixels"


def test_it_marks_teams_for_a_recompute(admin_client, team, other_team):
    RecomputeMark.objects.all().delete()

    response = admin_client.post(
        reverse("admin:budgets_team_changelist"),
        {"action": "recompute", "_selected_action": [team.pk, other_team.pk]},
    )

    assert response.status_code == 302
    assert set(RecomputeMark.objects.values_list("team_id", flat=True)) == {team.pk, other_team.pk}
