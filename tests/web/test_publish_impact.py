"""Publishing a catalog version, behind a confirmation that shows its impact on teams first."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets import services as budget_services
from budgets.months import months_from
from catalog.models import CatalogVersion, ImagePrice
from catalog.services import (
    CellChanges,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)
from catalog.templatetags.spendlane import month_name
from tests.catalog.factories import StaffFactory, UserFactory


@pytest.fixture
def staff(db):
    return StaffFactory(username="stella")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def horizon():
    return months_from(timezone.localdate(), 3)


@pytest.fixture
def team(seed_catalog, horizon):
    """A team whose plan (10,000 medium squares a month, 110.00 on gpt-image-1-mini) runs all horizon."""
    owner = UserFactory(username="olive")
    team = budget_services.team_create(name="Pixel Works", owner=owner)
    budget_services.plan_create(
        team=team,
        name="Thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=horizon[0],
    )
    budget_services.budget_set(
        team=team, monthly_amount=Decimal("300.00"), overrides=[], thresholds=[80, 100]
    )
    return team


@pytest.fixture
def dearer_mini(seed_catalog, staff, horizon):
    """A draft, from next month, in which gpt-image-1-mini's medium square costs more than 1.5's."""
    draft = catalog_version_draft_create(
        created_by=staff, clone_from=seed_catalog, label="Dearer mini", effective_from=horizon[1]
    )
    catalog_version_draft_update(
        version=draft,
        changes=CellChanges(
            image_prices=(
                {"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": "0.05"},
            )
        ),
    )
    return draft


def _url(version) -> str:
    return reverse("catalog-publish", args=[version.pk])


def test_it_shows_the_impact_before_publishing(staff_client, team, dearer_mini, horizon):
    response = staff_client.get(_url(dearer_mini))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Publish “Dearer mini”?</h1>" in html
    assert '<h3>Teams affected</h3><p class="figure">1 <span class="muted">of 1</span></p>' in html
    assert '<h3>Plans affected</h3><p class="figure">1</p>' in html
    # The current month is unchanged; from next month the plan moves to gpt-image-1.5 at 0.034: 340.00.
    assert (
        f'<th scope="row">{month_name(horizon[0])}</th>\n          <td class="num">$110.00</td>\n'
        '          <td class="num">$110.00</td>\n          <td class="num">no change</td>'
    ) in html
    assert (
        f'<th scope="row">{month_name(horizon[1])}</th>\n          <td class="num">$110.00</td>\n'
        '          <td class="num">$340.00</td>\n          <td class="num">▲ +$230.00</td>'
    ) in html
    # Whose recommendation flips, and which budget would cross a threshold.
    assert (
        "<td>Pixel Works</td>\n          <td>Thumbnails</td>\n"
        "          <td><code>gpt-image-1-mini</code></td>\n          <td>→ <code>gpt-image-1.5</code></td>"
    ) in html
    assert (
        f"<td>Pixel Works</td>\n          <td>{month_name(horizon[1])}</td>\n"
        '          <td class="num">$300.00</td>\n          <td class="num">$110.00</td>\n'
        '          <td class="num">▲ $340.00</td>\n          <td>80%, 100%</td>'
    ) in html
    # The changed price, and the button.
    assert (
        '<td class="num">$0.011</td> <td class="num">$0.050</td> <td class="num">▲ +354.55%</td>'
        in " ".join(html.split())
    )
    assert ">Publish version</button>" in html
    dearer_mini.refresh_from_db()
    assert dearer_mini.status == "draft"


def test_it_says_when_nothing_changes_for_teams(staff_client, seed_catalog, staff):
    draft = catalog_version_draft_create(created_by=staff, clone_from=seed_catalog, label="Same")

    response = staff_client.get(_url(draft))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<p class="figure">0 <span class="muted">of 0</span></p>' in html
    assert "No plan's recommended model changes." in html
    assert "No team's projection would newly reach an alert threshold." in html
    assert "No cell differs" in html


def test_it_publishes_on_confirmation(staff_client, staff, team, dearer_mini):
    response = staff_client.post(_url(dearer_mini))

    assert response.status_code == 302
    assert response["Location"] == reverse("catalog-web:version", args=[dearer_mini.pk])
    dearer_mini.refresh_from_db()
    assert dearer_mini.status == "published"
    assert dearer_mini.published_by == staff
    page = staff_client.get(response["Location"]).content.decode()
    assert "Published “Dearer mini”" in page


def test_publishing_twice_says_it_is_already_published(staff_client, staff, dearer_mini):
    catalog_version_publish(version=dearer_mini, published_by=staff)

    posted = staff_client.post(_url(dearer_mini))
    shown = staff_client.get(_url(dearer_mini))

    assert posted.status_code == 302
    assert posted["Location"] == reverse("catalog-web:version", args=[dearer_mini.pk])
    assert "is already published" in staff_client.get(posted["Location"]).content.decode()
    assert shown.status_code == 302


def test_an_empty_draft_is_not_published(staff_client, staff, seed_catalog):
    draft = catalog_version_draft_create(
        created_by=staff, label="Empty", effective_from=datetime.date(2026, 3, 28)
    )

    response = staff_client.post(_url(draft))

    assert response.status_code == 302
    assert response["Location"] == _url(draft)
    draft.refresh_from_db()
    assert draft.status == "draft"
    page = staff_client.get(response["Location"]).content.decode()
    assert "lists no per-image price" in page
    assert not ImagePrice.objects.filter(version=draft).exists()


def test_only_staff_publish(client, dearer_mini):
    client.force_login(UserFactory(username="mel"))

    assert client.get(_url(dearer_mini)).status_code == 403
    assert client.post(_url(dearer_mini)).status_code == 403
    dearer_mini.refresh_from_db()
    assert dearer_mini.status == "draft"


def test_strangers_are_sent_to_sign_in(client, dearer_mini):
    response = client.post(_url(dearer_mini))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert CatalogVersion.objects.get(pk=dearer_mini.pk).status == "draft"


def test_a_missing_version_is_404(staff_client, db):
    assert staff_client.get(reverse("catalog-publish", args=[999])).status_code == 404
