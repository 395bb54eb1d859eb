"""The writes people make: teams, members, budgets, plans, retry statistics."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budgets import services
from budgets.models import AlertThreshold, Budget, Membership, RecomputeMark
from catalog.models import ImageModel
from tests.budgets.factories import UserFactory

NOV = datetime.date(2026, 11, 1)


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia")


@pytest.fixture
def team(owner):
    return services.team_create(name="Pixel Studio", owner=owner)


def test_it_creates_a_team_with_its_owner_default_thresholds_and_no_budget(team, owner):
    assert team.slug == "pixel-studio"
    assert Membership.objects.get(team=team).user == owner
    assert Membership.objects.get(team=team).role == "owner"
    assert Budget.objects.get(team=team).monthly_amount is None
    assert list(AlertThreshold.objects.filter(team=team).values_list("percent", flat=True)) == [80, 100]
    assert len(team.webhook_secret) == 64


def test_it_makes_team_slugs_unique(team, owner):
    second = services.team_create(name="Pixel Studio", owner=owner)

    assert second.slug == "pixel-studio-2"


def test_it_marks_the_team_stale_in_the_same_transaction_as_a_change(team):
    RecomputeMark.objects.all().delete()

    services.team_update(team=team, name="Renamed")
    assert not RecomputeMark.objects.exists()  # a name moves no number

    services.team_update(team=team, tier="tier3")
    assert RecomputeMark.objects.get(team=team).reason == "team settings changed"


def test_a_team_never_loses_its_last_owner(team, owner):
    membership = Membership.objects.get(team=team, user=owner)

    with pytest.raises(services.TeamRuleViolation):
        services.membership_role_change(membership=membership, role="member")
    with pytest.raises(services.TeamRuleViolation):
        services.membership_remove(membership=membership)

    second = services.membership_add(team=team, username=UserFactory(username="sam").username, role="owner")
    services.membership_role_change(membership=membership, role="viewer")
    membership.refresh_from_db()
    assert (membership.role, second.role) == ("viewer", "owner")


def test_it_adds_members_by_username_or_email_once(team):
    UserFactory(username="sam", email="Sam@Example.com")

    added = services.membership_add(team=team, email="sam@example.com", role="viewer")

    assert added.user.username == "sam"
    with pytest.raises(services.TeamRuleViolation) as duplicate:
        services.membership_add(team=team, username="sam", role="member")
    with pytest.raises(services.TeamRuleViolation) as unknown:
        services.membership_add(team=team, username="nobody", role="member")
    assert duplicate.value.field == "username"
    assert unknown.value.message == "No user is called 'nobody'."


def test_it_replaces_the_budget_overrides_and_thresholds(team):
    services.budget_set(
        team=team,
        monthly_amount=Decimal("200.00"),
        overrides=[(datetime.date(2027, 1, 1), Decimal("350.00"))],
        thresholds=[50, 90, 100],
    )
    services.budget_set(team=team, monthly_amount=Decimal("250.00"), overrides=[], thresholds=[75])

    assert Budget.objects.get(team=team).monthly_amount == Decimal("250.00")
    assert not team.budget_overrides.exists()
    assert list(team.alert_thresholds.values_list("percent", flat=True)) == [75]


def test_the_database_refuses_a_plan_that_ends_before_it_starts(team):
    with pytest.raises(ValidationError) as error:
        services.plan_create(
            team=team,
            name="Backwards",
            images_per_month=10,
            size="1024x1024",
            quality="low",
            start_month=NOV,
            end_month=datetime.date(2026, 10, 1),
        )

    assert "plan_end_not_before_start" in str(error.value) or "end" in str(error.value).lower()


def test_the_database_refuses_more_accepted_than_attempted(team, seed_catalog):
    with pytest.raises(ValidationError):
        services.retry_statistic_create(
            team=team,
            model=ImageModel.objects.get(slug="gpt-image-1"),
            period_start=NOV,
            period_end=NOV,
            attempts=5,
            accepted=6,
        )


def test_it_refuses_retry_statistics_for_another_teams_plan(team, owner, seed_catalog):
    other = services.team_create(name="Other", owner=owner)
    foreign_plan = services.plan_create(
        team=other, name="Theirs", images_per_month=10, size="1024x1024", quality="low", start_month=NOV
    )

    with pytest.raises(services.TeamRuleViolation) as error:
        services.retry_statistic_create(
            team=team,
            model=ImageModel.objects.get(slug="gpt-image-1"),
            plan=foreign_plan,
            period_start=NOV,
            period_end=NOV,
            attempts=5,
            accepted=4,
        )
    assert error.value.field == "plan"


def test_the_first_acknowledgement_wins(team, owner):
    from django.utils import timezone

    from budgets.models import Alert

    alert = Alert.objects.create(
        team=team,
        month=NOV,
        threshold=80,
        projected_total=Decimal("90"),
        budget=Decimal("100"),
        opened_at=timezone.now(),
    )
    later = UserFactory(username="late")

    services.alert_acknowledge(alert=alert, user=owner)
    services.alert_acknowledge(alert=alert, user=later)

    alert.refresh_from_db()
    assert alert.acknowledged_by == owner
