"""The cell-by-cell diff of two versions: selector and endpoint."""

import datetime
from decimal import Decimal

from django.urls import reverse

from catalog.models import CatalogVersion
from catalog.selectors import catalog_version_diff
from catalog.services import (
    CellChanges,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)
from tests.catalog.factories import CatalogVersionFactory, ImageModelFactory, ImagePriceFactory

MINI = "gpt-image-1-mini"


def diff_url(version_id: int, **query) -> str:
    url = reverse("catalog:version-diff", args=[version_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def edit(version: CatalogVersion, **sections) -> None:
    catalog_version_draft_update(version=version, changes=CellChanges(**sections))


def test_it_finds_no_change_in_a_plain_clone(seed_catalog, draft):
    diff = catalog_version_diff(version=draft, against=seed_catalog)

    assert diff.changes == []
    assert diff.summary == {"added": 0, "removed": 0, "changed": 0}


def test_it_lists_added_removed_and_changed_cells_in_order(seed_catalog, draft):
    edit(
        draft,
        image_prices=(
            {"model": MINI, "quality": "low", "size": "1024x1024", "price": "0.0045"},
            {"model": "gpt-image-1", "quality": "high", "size": "1536x1024", "price": None},
        ),
        token_rates=({"model": MINI, "kind": "text_input", "per_million": "2.000"},),  # same value
        batch_discounts=({"model": "gpt-image-1", "discount": "0.4"},),
        rate_limits=(
            {"model": "gpt-image-1.5", "tier": "tier1", "supported": True, "tpm": None, "ipm": 5},
            {"model": MINI, "tier": "tier2", "supported": True, "tpm": 300_000, "ipm": None},
            {"model": MINI, "tier": "free", "supported": None},
        ),
    )

    diff = catalog_version_diff(version=draft, against=seed_catalog)

    rows = [(c.section, c.model, c.cell, c.change, c.old, c.new, c.percent_change) for c in diff.changes]
    assert rows == [
        (
            "image_prices",
            "gpt-image-1",
            {"quality": "high", "size": "1536x1024"},
            "removed",
            Decimal("0.25"),
            None,
            None,
        ),
        (
            "image_prices",
            MINI,
            {"quality": "low", "size": "1024x1024"},
            "changed",
            Decimal("0.005"),
            Decimal("0.0045"),
            Decimal("-10.00"),
        ),
        ("batch_discounts", "gpt-image-1", {}, "changed", Decimal("0.5"), Decimal("0.4"), Decimal("-20.00")),
        ("rate_limits", MINI, {"tier": "free", "field": "supported"}, "removed", False, None, None),
        (
            "rate_limits",
            MINI,
            {"tier": "tier2", "field": "tpm"},
            "changed",
            250_000,
            300_000,
            Decimal("20.00"),
        ),
        ("rate_limits", MINI, {"tier": "tier2", "field": "ipm"}, "removed", 20, None, None),
        ("rate_limits", "gpt-image-1.5", {"tier": "tier1", "field": "supported"}, "added", None, True, None),
        ("rate_limits", "gpt-image-1.5", {"tier": "tier1", "field": "ipm"}, "added", None, 5, None),
    ]
    assert diff.summary == {"added": 2, "removed": 3, "changed": 3}


def test_it_rounds_the_percent_change_half_up_to_two_places(seed_catalog, draft):
    edit(
        draft,
        image_prices=(
            # 0.036 -> 0.0361: +0.2777...%; 0.133 -> 0.2: +50.375...%
            {"model": MINI, "quality": "high", "size": "1024x1024", "price": "0.0361"},
            {"model": "gpt-image-1.5", "quality": "high", "size": "1024x1024", "price": "0.2"},
            # 0.006 -> 0.006003: +0.05%, exactly
            {"model": MINI, "quality": "low", "size": "1024x1536", "price": "0.006003"},
        ),
    )

    changes = {
        (c.model, c.cell["quality"], c.cell["size"]): c.percent_change
        for c in catalog_version_diff(version=draft, against=seed_catalog).changes
    }

    assert changes == {
        (MINI, "high", "1024x1024"): Decimal("0.28"),
        ("gpt-image-1.5", "high", "1024x1024"): Decimal("50.38"),
        (MINI, "low", "1024x1536"): Decimal("0.05"),
    }


def test_it_gives_no_percent_change_from_zero(seed_catalog, draft):
    edit(draft, image_prices=({"model": MINI, "quality": "low", "size": "1024x1024", "price": "0"},))
    again = catalog_version_draft_create(created_by=None, clone_from=draft)
    edit(again, image_prices=({"model": MINI, "quality": "low", "size": "1024x1024", "price": "0.01"},))

    [change] = catalog_version_diff(version=again, against=draft).changes

    assert (change.change, change.old, change.new, change.percent_change) == (
        "changed",
        Decimal("0"),
        Decimal("0.01"),
        None,
    )


# --- Endpoint ----------------------------------------------------------------------


def test_it_refuses_anonymous_diffs(anon_client, seed_catalog):
    response = anon_client.get(diff_url(seed_catalog.pk))

    assert response.status_code == 401


def test_it_diffs_a_draft_against_its_source_by_default(staff_client, seed_catalog, draft):
    edit(draft, image_prices=({"model": MINI, "quality": "low", "size": "1024x1024", "price": "0.0055"},))

    response = staff_client.get(diff_url(draft.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["version"]["id"] == draft.pk
    assert body["version"]["status"] == "draft"
    assert body["against"]["id"] == seed_catalog.pk
    assert body["against"]["label"] == "OpenAI 2026-03-27"
    assert body["changes"] == [
        {
            "section": "image_prices",
            "model": MINI,
            "cell": {"quality": "low", "size": "1024x1024"},
            "change": "changed",
            "old": "0.005",
            "new": "0.0055",
            "percent_change": "10.00",
        }
    ]
    assert body["summary"] == {"added": 0, "removed": 0, "changed": 1}


def test_it_writes_booleans_and_integers_as_strings(staff_client, seed_catalog, draft):
    edit(draft, rate_limits=({"model": MINI, "tier": "free", "supported": True, "tpm": 1000, "ipm": 1},))

    response = staff_client.get(diff_url(draft.pk))

    assert response.status_code == 200
    assert [
        (c["cell"], c["change"], c["old"], c["new"], c["percent_change"]) for c in response.json()["changes"]
    ] == [
        ({"tier": "free", "field": "supported"}, "changed", "false", "true", None),
        ({"tier": "free", "field": "tpm"}, "added", None, "1000", None),
        ({"tier": "free", "field": "ipm"}, "added", None, "1", None),
    ]


def test_it_diffs_against_the_version_in_force_when_not_cloned(member_client, seed_catalog):
    newer = CatalogVersionFactory(effective_from=datetime.date.today() + datetime.timedelta(days=10))
    ImagePriceFactory(version=newer, model=ImageModelFactory(slug=MINI), price=Decimal("0.004"))
    catalog_version_publish(version=newer, published_by=None)

    response = member_client.get(diff_url(newer.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["against"]["id"] == seed_catalog.pk
    assert body["summary"] == {"added": 0, "removed": 71, "changed": 1}


def test_it_diffs_against_a_given_version(member_client, seed_catalog, draft):
    edit(draft, image_prices=({"model": MINI, "quality": "low", "size": "1024x1024", "price": "0.006"},))
    catalog_version_publish(version=draft, published_by=None)

    response = member_client.get(diff_url(seed_catalog.pk, against=draft.pk))

    assert response.status_code == 200
    [change] = response.json()["changes"]
    assert (change["old"], change["new"], change["percent_change"]) == ("0.006", "0.005", "-16.67")


def test_it_answers_400_when_there_is_nothing_to_compare(member_client, seed_catalog):
    response = member_client.get(diff_url(seed_catalog.pk))

    assert response.status_code == 400
    assert list(response.json()) == ["against"]


def test_it_answers_400_for_a_bad_against(member_client, seed_catalog):
    response = member_client.get(diff_url(seed_catalog.pk, against="latest"))

    assert response.status_code == 400
    assert list(response.json()) == ["against"]


def test_it_hides_drafts_from_members_on_either_side(member_client, seed_catalog, draft):
    of_draft = member_client.get(diff_url(draft.pk))
    against_draft = member_client.get(diff_url(seed_catalog.pk, against=draft.pk))
    missing = member_client.get(diff_url(seed_catalog.pk, against=999_999))

    assert of_draft.status_code == against_draft.status_code == missing.status_code == 404


def test_it_does_not_default_a_member_to_a_draft_source(member_client, seed_catalog, draft):
    edit(draft, image_prices=({"model": MINI, "quality": "low", "size": "1024x1024", "price": "0.007"},))
    published_clone = catalog_version_draft_create(
        created_by=None, clone_from=draft, effective_from=datetime.date.today() + datetime.timedelta(days=5)
    )
    catalog_version_publish(version=published_clone, published_by=None)

    response = member_client.get(diff_url(published_clone.pk))

    assert response.status_code == 200
    assert response.json()["against"]["id"] == seed_catalog.pk
    assert response.json()["summary"] == {"added": 0, "removed": 0, "changed": 1}
