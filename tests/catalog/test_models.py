"""A published version and its cells refuse every ORM write; a draft takes them."""

from decimal import Decimal

import pytest
from django.db import transaction

from catalog.models import (
    BatchDiscount,
    CatalogVersion,
    ImageModel,
    ImagePrice,
    PublishedVersionImmutable,
    RateLimit,
    TokenRate,
)

CELL_CLASSES = [ImagePrice, TokenRate, BatchDiscount, RateLimit]


def test_it_refuses_to_save_a_published_version(seed_catalog):
    seed_catalog.label = "Changed"

    with pytest.raises(PublishedVersionImmutable):
        seed_catalog.save()

    seed_catalog.refresh_from_db()
    assert seed_catalog.label == "OpenAI 2026-03-27"


def test_it_refuses_to_delete_a_published_version(seed_catalog):
    with pytest.raises(PublishedVersionImmutable):
        seed_catalog.delete()

    assert CatalogVersion.objects.filter(pk=seed_catalog.pk).exists()


def test_it_refuses_queryset_updates_and_deletes_of_published_versions(seed_catalog, draft):
    with pytest.raises(PublishedVersionImmutable):
        CatalogVersion.objects.filter(pk=seed_catalog.pk).update(label="Changed")
    with pytest.raises(PublishedVersionImmutable):
        CatalogVersion.objects.all().update(source="")
    with pytest.raises(PublishedVersionImmutable):
        CatalogVersion.objects.all().delete()

    seed_catalog.refresh_from_db()
    draft.refresh_from_db()
    assert seed_catalog.label == "OpenAI 2026-03-27"
    assert draft.source == seed_catalog.source
    assert CatalogVersion.objects.count() == 2
    assert ImagePrice.objects.filter(version=seed_catalog).count() == 27


def test_it_allows_queryset_writes_of_drafts(seed_catalog, draft):
    assert CatalogVersion.objects.drafts().update(label="Renamed") == 1
    draft.refresh_from_db()
    assert draft.label == "Renamed"

    CatalogVersion.objects.drafts().delete()

    assert not CatalogVersion.objects.filter(pk=draft.pk).exists()
    assert not ImagePrice.objects.filter(version_id=draft.pk).exists()
    assert ImagePrice.objects.filter(version=seed_catalog).count() == 27


@pytest.mark.parametrize("cell_class", CELL_CLASSES)
def test_it_refuses_to_save_or_delete_a_cell_of_a_published_version(seed_catalog, cell_class):
    cell = cell_class.objects.filter(version=seed_catalog).first()

    with pytest.raises(PublishedVersionImmutable):
        cell.save()
    with pytest.raises(PublishedVersionImmutable):
        cell.delete()

    assert cell_class.objects.filter(pk=cell.pk).exists()


@pytest.mark.parametrize("cell_class", CELL_CLASSES)
def test_it_refuses_queryset_writes_of_cells_of_a_published_version(seed_catalog, draft, cell_class):
    count = cell_class.objects.filter(version=seed_catalog).count()

    with pytest.raises(PublishedVersionImmutable):
        cell_class.objects.filter(version=seed_catalog).update(model=ImageModel.objects.first())
    with pytest.raises(PublishedVersionImmutable):
        cell_class.objects.all().delete()
    with pytest.raises(PublishedVersionImmutable):
        cell_class.objects.filter(version=seed_catalog).delete()

    assert cell_class.objects.filter(version=seed_catalog).count() == count
    assert cell_class.objects.filter(version=draft).count() == count


def test_it_refuses_a_new_cell_in_a_published_version(seed_catalog):
    mini = ImageModel.objects.get(slug="gpt-image-1-mini")

    with pytest.raises(PublishedVersionImmutable):
        TokenRate.objects.create(version=seed_catalog, model=mini, kind="image_output", per_million=1)
    with pytest.raises(PublishedVersionImmutable):
        ImagePrice.objects.bulk_create(
            [ImagePrice(version=seed_catalog, model=mini, quality="low", size="1024x1024", price=1)],
            ignore_conflicts=True,
        )
    # bulk_update runs in its own atomic block, which the refusal marks for rollback.
    with pytest.raises(PublishedVersionImmutable), transaction.atomic():
        ImagePrice.objects.bulk_update([ImagePrice.objects.filter(version=seed_catalog).first()], ["price"])

    assert ImagePrice.objects.get(
        version=seed_catalog, model=mini, quality="low", size="1024x1024"
    ).price == Decimal("0.005")


def test_it_allows_cell_writes_in_a_draft(draft):
    cell = ImagePrice.objects.filter(version=draft, model__slug="gpt-image-1-mini").first()
    cell.price = Decimal("0.001")
    cell.save()

    ImagePrice.objects.filter(version=draft).update(price=Decimal("0.002"))
    RateLimit.objects.filter(version=draft).delete()

    assert set(ImagePrice.objects.filter(version=draft).values_list("price", flat=True)) == {Decimal("0.002")}
    assert not RateLimit.objects.filter(version=draft).exists()
