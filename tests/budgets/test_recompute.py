"""The recompute service: projections, recommendations, months and alerts, exactly."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from budgets import services
from budgets.models import Alert, AlertNotification, PlanRecommendation, Projection, RecomputeMark, TeamMonth
from budgets.recompute import teams_recompute
from catalog.services import (
    CellChanges,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)
from tests.budgets.factories import UserFactory

D = Decimal
TODAY = datetime.date(2026, 11, 24)
NOV, DEC, JAN = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1), datetime.date(2027, 1, 1)


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia", email="olivia@example.com")


@pytest.fixture
def team(owner, seed_catalog):
    return services.team_create(name="Pixels", owner=owner, tier="tier2", org_verified=True)


def plan(team, **fields):
    defaults = {
        "name": "Thumbnails",
        "images_per_month": 10_000,
        "size": "1024x1024",
        "quality": "medium",
        "start_month": NOV,
    }
    return services.plan_create(team=team, **{**defaults, **fields})


def test_it_projects_each_month_of_the_horizon_with_the_recommended_model(team):
    thumbnails = plan(team)

    summary = teams_recompute(team_ids=[team.pk], today=TODAY)

    assert summary.projections == 3
    projections = list(Projection.objects.filter(plan=thumbnails).order_by("month"))
    assert [(p.month, p.model, p.total_cost) for p in projections] == [
        (NOV, "gpt-image-1-mini", D("110.0000000000")),
        (DEC, "gpt-image-1-mini", D("110.0000000000")),
        (JAN, "gpt-image-1-mini", D("110.0000000000")),
    ]
    assert projections[0].priced_by[0]["label"] == "OpenAI 2026-03-27"
    recommendation = PlanRecommendation.objects.get(plan=thumbnails)
    assert recommendation.recommended_model == "gpt-image-1-mini"
    assert recommendation.quote["options"][0]["total_cost"] == "110.00"
    assert not RecomputeMark.objects.filter(team=team).exists()


def publish_price_change(*, by, effective_from, price, model="gpt-image-1-mini"):
    from catalog.selectors import catalog_version_in_force

    draft = catalog_version_draft_create(
        created_by=by,
        clone_from=catalog_version_in_force(on=effective_from),
        label=f"Change {effective_from}",
        effective_from=effective_from,
    )
    catalog_version_draft_update(
        version=draft,
        changes=CellChanges(
            image_prices=({"model": model, "quality": "medium", "size": "1024x1024", "price": price},)
        ),
    )
    return catalog_version_publish(version=draft, published_by=by)


def test_it_prorates_a_month_whose_price_changes_on_the_16th(team, owner):
    thumbnails = plan(team)
    publish_price_change(by=owner, effective_from=datetime.date(2026, 12, 16), price="0.0055")

    teams_recompute(team_ids=[team.pk], today=TODAY)

    december = Projection.objects.get(plan=thumbnails, month=DEC)
    # 15 days at 110.00 a month and 16 days at 55.00, of 31: 2,530 / 31 = 81.6129...
    assert december.total_cost.quantize(D("0.01")) == D("81.61")
    assert [(r["from"], r["to"], r["days"], r["monthly_cost"]) for r in december.priced_by] == [
        ("2026-12-01", "2026-12-15", 15, "110.00"),
        ("2026-12-16", "2026-12-31", 16, "55.00"),
    ]
    assert Projection.objects.get(plan=thumbnails, month=JAN).total_cost == D("55")
    assert Projection.objects.get(plan=thumbnails, month=NOV).total_cost == D("110")


def test_it_opens_an_alert_once_and_notifies_once(team, django_capture_on_commit_callbacks):
    plan(team)
    services.budget_set(team=team, monthly_amount=D("120.00"), overrides=[], thresholds=[80, 100])

    with django_capture_on_commit_callbacks(execute=True):
        teams_recompute(team_ids=[team.pk], today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        teams_recompute(team_ids=[team.pk], today=TODAY)

    months = {m.month: m for m in TeamMonth.objects.filter(team=team)}
    assert months[NOV].status == "warning"
    assert Alert.objects.filter(team=team).count() == 3
    assert AlertNotification.objects.count() == 3
    assert len(mail.outbox) == 3
