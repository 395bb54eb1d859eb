"""Reading the catalog: lists, one version with every cell, the version in force."""

import datetime

import pytest
from django.urls import reverse

from catalog.models import CatalogVersion
from catalog.services import CellChanges, catalog_version_draft_update, catalog_version_publish
from tests.catalog.factories import CatalogVersionFactory, ImageModelFactory, ImagePriceFactory

LIST_URL = reverse("catalog:version-list")
CURRENT_URL = reverse("catalog:version-current")


def detail_url(version_id: int) -> str:
    return reverse("catalog:version-detail", args=[version_id])


def published(*, effective_from: datetime.date, label: str = "Published") -> CatalogVersion:
    version = CatalogVersionFactory(label=label, effective_from=effective_from)
    ImagePriceFactory(version=version, model=ImageModelFactory(slug="gpt-image-1-mini"))
    return catalog_version_publish(version=version, published_by=None)


def test_it_refuses_anonymous_reads(anon_client, seed_catalog):
    for url in (LIST_URL, CURRENT_URL, detail_url(seed_catalog.pk)):
        response = anon_client.get(url)
        assert response.status_code == 401, url


def test_it_lists_published_versions_only_to_members(member_client, seed_catalog, draft):
    response = member_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    [row] = response.json()["results"]
    assert row == {
        "id": seed_catalog.pk,
        "label": "OpenAI 2026-03-27",
        "source": seed_catalog.source,
        "effective_from": "2026-03-27",
        "status": "published",
        "cloned_from": None,
        "created_at": row["created_at"],
        "published_at": row["published_at"],
        "published_by": None,
    }
    assert row["published_at"] is not None


def test_it_lists_drafts_to_staff_and_filters_by_status(staff_client, seed_catalog, draft):
    everything = staff_client.get(LIST_URL)
    drafts = staff_client.get(LIST_URL, {"status": "draft"})
    published_only = staff_client.get(LIST_URL, {"status": "published"})

    assert everything.status_code == drafts.status_code == published_only.status_code == 200
    assert {row["id"] for row in everything.json()["results"]} == {seed_catalog.pk, draft.pk}
    assert [row["id"] for row in drafts.json()["results"]] == [draft.pk]
    assert [row["id"] for row in published_only.json()["results"]] == [seed_catalog.pk]
    [draft_row] = drafts.json()["results"]
    assert draft_row["cloned_from"] == seed_catalog.pk
    assert draft_row["published_at"] is None


def test_it_hides_drafts_from_members_even_when_filtering(member_client, draft):
    response = member_client.get(LIST_URL, {"status": "draft"})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_it_rejects_an_unknown_status_filter(staff_client, db):
    response = staff_client.get(LIST_URL, {"status": "archived"})

    assert response.status_code == 400
    assert "status" in response.json()


def test_it_lists_newest_first_and_paginates(member_client, db):
    for day in range(1, 56):
        published(effective_from=datetime.date(2026, 1, 1) + datetime.timedelta(days=day), label=f"v{day}")

    first = member_client.get(LIST_URL)
    second = member_client.get(LIST_URL, {"page": 2})

    assert first.status_code == second.status_code == 200
    assert first.json()["count"] == 55
    assert len(first.json()["results"]) == 50
    assert first.json()["results"][0]["label"] == "v55"
    assert [row["label"] for row in second.json()["results"]] == ["v5", "v4", "v3", "v2", "v1"]
    assert first.json()["next"] is not None


def test_it_shows_a_version_with_every_cell(member_client, seed_catalog):
    response = member_client.get(detail_url(seed_catalog.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == seed_catalog.pk
    assert body["status"] == "published"
    assert len(body["image_prices"]) == 27
    assert len(body["token_rates"]) == 15
    assert len(body["batch_discounts"]) == 3
    assert len(body["rate_limits"]) == 12
    mini, flagship, legacy = "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-1"
    assert {"model": mini, "quality": "low", "size": "1024x1024", "price": "0.005"} in body["image_prices"]
    assert {"model": flagship, "quality": "high", "size": "1024x1536", "price": "0.2"} in body["image_prices"]
    assert {"model": legacy, "kind": "image_output", "per_million": "40"} in body["token_rates"]
    assert {"model": mini, "discount": "0.5"} in body["batch_discounts"]
    free_row = {"model": mini, "tier": "free", "supported": False, "tpm": None, "ipm": None}
    assert free_row in body["rate_limits"]
    tier5_row = {"model": legacy, "tier": "tier5", "supported": True, "tpm": None, "ipm": 250}
    assert tier5_row in body["rate_limits"]
    assert body["models"] == [
        {
            "slug": "gpt-image-1",
            "name": "GPT Image 1",
            "provider": "openai",
            "role": "legacy",
            "lifecycle": "legacy",
            "requires_org_verification": False,
        },
        {
            "slug": "gpt-image-1-mini",
            "name": "GPT Image 1 Mini",
            "provider": "openai",
            "role": "budget",
            "lifecycle": "current",
            "requires_org_verification": False,
        },
        {
            "slug": "gpt-image-1.5",
            "name": "GPT Image 1.5",
            "provider": "openai",
            "role": "flagship",
            "lifecycle": "current",
            "requires_org_verification": False,
        },
    ]


def test_it_writes_every_decimal_as_an_exact_string(staff_client, draft):
    catalog_version_draft_update(
        version=draft,
        changes=CellChanges(
            image_prices=(
                {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", "price": "100"},
                {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1536", "price": "0.000001"},
                {"model": "gpt-image-1-mini", "quality": "low", "size": "1536x1024", "price": "0"},
            )
        ),
    )

    response = staff_client.get(detail_url(draft.pk))

    assert response.status_code == 200
    prices = {
        (c["model"], c["size"]): c["price"] for c in response.json()["image_prices"] if c["quality"] == "low"
    }
    assert prices[("gpt-image-1-mini", "1024x1024")] == "100"
    assert prices[("gpt-image-1-mini", "1024x1536")] == "0.000001"
    assert prices[("gpt-image-1-mini", "1536x1024")] == "0"


def test_it_answers_404_to_a_member_asking_for_a_draft(member_client, draft):
    response = member_client.get(detail_url(draft.pk))

    assert response.status_code == 404


def test_it_shows_a_draft_to_staff(staff_client, draft):
    response = staff_client.get(detail_url(draft.pk))

    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.json()["label"] == "Spring prices"
    assert len(response.json()["image_prices"]) == 27


@pytest.mark.parametrize("version_id", [999_999, 2**63, 10**30])
def test_it_answers_404_for_a_missing_version(member_client, db, version_id):
    response = member_client.get(f"/api/v1/catalog/versions/{version_id}/")

    assert response.status_code == 404


def test_it_shows_the_version_in_force_today(member_client, seed_catalog):
    today = datetime.date.today()
    published(effective_from=today - datetime.timedelta(days=1), label="Yesterday")
    published(effective_from=today + datetime.timedelta(days=1), label="Tomorrow")

    response = member_client.get(CURRENT_URL)

    assert response.status_code == 200
    assert response.json()["label"] == "Yesterday"
    assert len(response.json()["image_prices"]) == 1


def test_it_answers_404_with_a_clear_detail_when_nothing_is_published(member_client, db):
    CatalogVersionFactory()

    response = member_client.get(CURRENT_URL)

    assert response.status_code == 404
    assert response.json()["detail"].startswith("No catalog version is in force on ")
