"""What a publish would change, computed before anyone confirms it."""

import datetime
from decimal import Decimal

import pytest

from budgets import services
from budgets.impact import catalog_version_impact
from budgets.models import Projection
from budgets.recompute import teams_recompute
from catalog.models import ImageModel
from catalog.services import CellChanges, catalog_version_draft_create, catalog_version_draft_update
from tests.budgets.factories import UserFactory

D = Decimal
TODAY = datetime.date(2026, 11, 24)
NOV, DEC, JAN = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1), datetime.date(2027, 1, 1)


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)


def _draft(seed_catalog, staff, *, effective_from, prices):
    draft = catalog_version_draft_create(
        created_by=staff, clone_from=seed_catalog, label="Draft", effective_from=effective_from
    )
    catalog_version_draft_update(
        version=draft,
        changes=CellChanges(
            image_prices=tuple(
                {"model": model, "quality": "medium", "size": "1024x1024", "price": price}
                for model, price in prices.items()
            )
        ),
    )
    return draft


def test_it_counts_changed_teams_and_plans_and_the_monthly_delta(seed_catalog, staff):
    owner = UserFactory(username="owner")
    busy = services.team_create(name="Busy", owner=owner)
    services.plan_create(
        team=busy, name="Medium", images_per_month=10_000, size="1024x1024", quality="medium", start_month=NOV
    )
    quiet = services.team_create(name="Quiet", owner=owner)
    services.plan_create(
        team=quiet, name="Low", images_per_month=1_000, size="1024x1024", quality="low", start_month=NOV
    )
    draft = _draft(
        seed_catalog, staff, effective_from=datetime.date(2026, 12, 16), prices={"gpt-image-1-mini": "0.0055"}
    )

    impact = catalog_version_impact(version=draft, today=TODAY)

    assert (impact.teams_total, impact.teams_changed, impact.plans_changed) == (2, 1, 1)
    assert [(m.month, m.total_before, m.total_after, m.delta) for m in impact.months] == [
        (NOV, D("115.00"), D("115.00"), D("0.00")),
        (DEC, D("115.00"), D("86.61"), D("-28.39")),  # 81.61 for Busy's prorated December, 5.00 for Quiet
        (JAN, D("115.00"), D("60.00"), D("-55.00")),
    ]
    assert Projection.objects.count() == 0  # nothing written


def test_it_lists_flipped_recommendations_and_budgets_that_would_cross_a_threshold(seed_catalog, staff):
    owner = UserFactory(username="owner")
    team = services.team_create(name="Pixels", owner=owner)
    services.plan_create(
        team=team,
        name="Thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=NOV,
        pinned_model=ImageModel.objects.get(slug="gpt-image-1-mini"),
    )
    services.budget_set(team=team, monthly_amount=D("150.00"), overrides=[], thresholds=[80, 100])
    teams_recompute(team_ids=[team.pk], today=TODAY)
    # Mini becomes dearer than 1.5 from December 1st.
    draft = _draft(seed_catalog, staff, effective_from=DEC, prices={"gpt-image-1-mini": "0.040"})

    impact = catalog_version_impact(version=draft, today=TODAY)

    assert [(f.plan_name, f.before, f.after) for f in impact.flips] == [
        ("Thumbnails", "gpt-image-1-mini", "gpt-image-1.5")
    ]
    # Pinned to mini: 400.00 a month from December, past 80% and 100% of 150.00.
    assert [(c.month, c.total_before, c.total_after, c.thresholds) for c in impact.threshold_crossings] == [
        (DEC, D("110.00"), D("400.00"), [80, 100]),
        (JAN, D("110.00"), D("400.00"), [80, 100]),
    ]
