"""The catalog admin: drafts are editable, published versions read-only, actions use the services."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from catalog.models import CatalogVersion, ImageModel, ImagePrice, Provider
from tests.catalog.factories import CatalogVersionFactory

CHANGELIST = reverse("admin:catalog_catalogversion_changelist")


def change_url(version: CatalogVersion) -> str:
    return reverse("admin:catalog_catalogversion_change", args=[version.pk])


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.com", "correct horse battery")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def management_form(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def version_form(version: CatalogVersion, **fields) -> dict:
    """The change form of ``version``'s fields; inlines submit no rows, so their cells stay."""
    data = {
        "label": version.label,
        "effective_from": version.effective_from.isoformat(),
        "source": version.source,
        **fields,
    }
    for prefix in ("imageprices", "tokenrates", "batchdiscounts", "ratelimits"):
        data.update(management_form(prefix, 0, 0))
    return data


def test_it_lists_providers_models_and_versions(admin_client, seed_catalog, draft):
    pages = [
        reverse("admin:catalog_provider_changelist"),
        reverse("admin:catalog_imagemodel_changelist"),
        CHANGELIST,
        reverse("admin:catalog_provider_change", args=[Provider.objects.get().pk]),
        reverse("admin:catalog_imagemodel_change", args=[ImageModel.objects.first().pk]),
        reverse("admin:catalog_catalogversion_add"),
        change_url(draft),
        change_url(seed_catalog),
    ]

    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_it_shows_a_published_version_read_only(admin_client, seed_catalog):
    response = admin_client.get(change_url(seed_catalog))

    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="label"' not in content
    assert 'name="imageprices-0-price"' not in content
    assert "0.005" in content
    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False


def test_it_refuses_to_save_a_published_version(admin_client, seed_catalog):
    response = admin_client.post(change_url(seed_catalog), version_form(seed_catalog, label="Changed"))

    assert response.status_code == 403
    seed_catalog.refresh_from_db()
    assert seed_catalog.label == "OpenAI 2026-03-27"


def test_it_refuses_to_delete_a_published_version(admin_client, seed_catalog):
    url = reverse("admin:catalog_catalogversion_delete", args=[seed_catalog.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 403
    assert CatalogVersion.objects.filter(pk=seed_catalog.pk).exists()


def test_it_refuses_bulk_deletion_of_published_versions(admin_client, seed_catalog, draft):
    response = admin_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [seed_catalog.pk, draft.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert CatalogVersion.objects.count() == 2


def test_it_edits_a_draft_and_its_cells(admin_client, draft):
    cell = ImagePrice.objects.get(
        version=draft, model__slug="gpt-image-1-mini", quality="low", size="1024x1024"
    )
    cells = list(ImagePrice.objects.filter(version=draft).order_by("model__slug", "quality", "size"))
    data = version_form(draft, label="Edited in the admin")
    data.update(management_form("imageprices", len(cells), len(cells)))
    for index, row in enumerate(cells):
        data.update(
            {
                f"imageprices-{index}-id": str(row.pk),
                f"imageprices-{index}-version": str(draft.pk),
                f"imageprices-{index}-model": str(row.model_id),
                f"imageprices-{index}-quality": row.quality,
                f"imageprices-{index}-size": row.size,
                f"imageprices-{index}-price": "0.0042" if row.pk == cell.pk else str(row.price),
            }
        )

    response = admin_client.post(change_url(draft), data)

    assert response.status_code == 302
    draft.refresh_from_db()
    cell.refresh_from_db()
    assert draft.label == "Edited in the admin"
    assert str(cell.price) == "0.004200"


def test_it_publishes_selected_drafts(
    admin_client, superuser, seed_catalog, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            CHANGELIST, {"action": "publish_drafts", "_selected_action": [draft.pk]}, follow=True
        )

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_by == superuser
    assert len(callbacks) == 1
    assert "Published 1 version(s)." in [str(m) for m in response.context["messages"]]


def test_it_reports_drafts_it_cannot_publish(
    admin_client, seed_catalog, draft, django_capture_on_commit_callbacks
):
    empty = CatalogVersionFactory(label="Empty")

    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(
            CHANGELIST,
            {"action": "publish_drafts", "_selected_action": [seed_catalog.pk, empty.pk, draft.pk]},
            follow=True,
        )

    assert response.status_code == 200
    draft.refresh_from_db()
    empty.refresh_from_db()
    assert draft.status == "published"
    assert empty.status == "draft"
    assert len(callbacks) == 1
    texts = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("error", f"Empty: Catalog version {empty.pk} lists no per-image price.") in texts
    assert any(tag == "error" and text.startswith("OpenAI 2026-03-27: ") for tag, text in texts)
    assert ("success", "Published 1 version(s).") in texts


def test_it_clones_selected_versions_into_drafts(admin_client, superuser, seed_catalog):
    response = admin_client.post(
        CHANGELIST, {"action": "clone_into_draft", "_selected_action": [seed_catalog.pk]}, follow=True
    )

    assert response.status_code == 200
    clone = CatalogVersion.objects.drafts().get()
    assert clone.cloned_from == seed_catalog
    assert clone.created_by == superuser
    assert ImagePrice.objects.filter(version=clone).count() == 27
    assert [str(m) for m in response.context["messages"]] == [
        "Created 1 draft(s): OpenAI 2026-03-27 (draft)."
    ]


def test_it_saves_a_model_whose_slug_has_a_dot(admin_client, seed_catalog):
    flagship = ImageModel.objects.get(slug="gpt-image-1.5")

    response = admin_client.post(
        reverse("admin:catalog_imagemodel_change", args=[flagship.pk]),
        {
            "slug": "gpt-image-1.5",
            "name": "GPT Image 1.5 (renamed)",
            "provider": str(flagship.provider_id),
            "role": "flagship",
            "lifecycle": "current",
        },
    )

    assert response.status_code == 302
    flagship.refresh_from_db()
    assert flagship.name == "GPT Image 1.5 (renamed)"
    assert flagship.requires_org_verification is False
