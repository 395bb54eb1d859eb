"""Writes of the price catalog: drafts, their cells, publishing, import and export.

Every change of a catalog version goes through these functions. A published
version is immutable; these functions check it under a row lock, and the model
layer refuses it again (``PublishedVersionImmutable``).
"""

import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, field_changes
from catalog import signals
from catalog.models import (
    CatalogVersion,
    ImageModel,
    ImagePrice,
    Provider,
    PublishedVersionImmutable,
)
from catalog.selectors import CELL_SECTIONS, catalog_version_cells

logger = logging.getLogger(__name__)

CATALOG_FILE_FORMAT = "spendlane-catalog/1"


@dataclass(frozen=True)
class CellChanges:
    """Cells to set on a draft; a ``None`` value removes the cell.

    Each list holds dicts in the API's shape, with ``model`` as a slug:
    ``image_prices`` {model, quality, size, price}; ``token_rates`` {model, kind,
    per_million}; ``batch_discounts`` {model, discount}; ``rate_limits`` {model,
    tier, supported, tpm, ipm} (``supported`` None removes the tier's row).
    """

    image_prices: tuple[dict, ...] = ()
    token_rates: tuple[dict, ...] = ()
    batch_discounts: tuple[dict, ...] = ()
    rate_limits: tuple[dict, ...] = ()


class UnknownModel(Exception):
    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"No image model with slug {slug!r}.")


def _lock_draft(version_id: int) -> CatalogVersion:
    version = CatalogVersion.objects.select_for_update().get(pk=version_id)
    if version.is_published:
        raise PublishedVersionImmutable(version.pk)
    return version


def _models_by_slug(slugs: set[str]) -> dict[str, ImageModel]:
    found = {m.slug: m for m in ImageModel.objects.filter(slug__in=slugs)}
    for slug in sorted(slugs - found.keys()):
        raise UnknownModel(slug)
    return found


# The value whose None removes a cell, per section of ``CELL_SECTIONS``.
CELL_PRESENCE_FIELDS = {
    "image_prices": "price",
    "token_rates": "per_million",
    "batch_discounts": "discount",
    "rate_limits": "supported",
}
# (cell class, key fields besides model, value fields, the value whose None removes the cell)
_CELL_KINDS: dict[str, tuple[type, tuple[str, ...], tuple[str, ...], str]] = {
    section: (*spec, CELL_PRESENCE_FIELDS[section]) for section, spec in CELL_SECTIONS.items()
}


def _apply_cell_changes(version: CatalogVersion, changes: CellChanges) -> None:
    slugs = {cell["model"] for section in _CELL_KINDS for cell in getattr(changes, section)}
    models_by_slug = _models_by_slug(slugs)
    for section, (cell_class, key_fields, value_fields, presence_field) in _CELL_KINDS.items():
        cells = getattr(changes, section)
        if not cells:
            continue
        existing = {
            (cell.model_id, *(getattr(cell, f) for f in key_fields)): cell
            for cell in cell_class.objects.filter(version=version)
        }
        to_create, to_update, to_delete = [], [], []
        for change in cells:
            image_model = models_by_slug[change["model"]]
            key = (image_model.pk, *(change[f] for f in key_fields))
            current = existing.get(key)
            if change.get(presence_field) is None:
                if current is not None:
                    to_delete.append(current.pk)
                continue
            values = {f: change.get(f) for f in value_fields}
            if current is None:
                to_create.append(
                    cell_class(
                        version=version,
                        model=image_model,
                        **{f: change[f] for f in key_fields},
                        **values,
                    )
                )
            else:
                for name, value in values.items():
                    setattr(current, name, value)
                to_update.append(current)
        # The version is a locked draft: bulk writes are safe and avoid a query per cell.
        if to_delete:
            cell_class.objects.filter(pk__in=to_delete).delete()
        if to_update:
            cell_class.objects.bulk_update(to_update, list(value_fields))
        if to_create:
            cell_class.objects.bulk_create(to_create)


@transaction.atomic
def catalog_version_draft_create(
    *,
    created_by: AbstractBaseUser | None,
    clone_from: CatalogVersion | None = None,
    label: str | None = None,
    effective_from: datetime.date | None = None,
    source: str | None = None,
) -> CatalogVersion:
    """A new draft, empty or holding a copy of every cell of ``clone_from``."""
    draft = CatalogVersion.objects.create(
        label=label or (f"{clone_from.label} (draft)" if clone_from else "New draft"),
        source=source if source is not None else (clone_from.source if clone_from else ""),
        effective_from=effective_from or datetime.date.today(),
        cloned_from=clone_from,
        created_by=created_by,
    )
    if clone_from is not None:
        for cell_class, key_fields, value_fields, _ in _CELL_KINDS.values():
            cell_class.objects.bulk_create(
                cell_class(
                    version=draft,
                    model_id=cell.model_id,
                    **{f: getattr(cell, f) for f in key_fields + value_fields},
                )
                for cell in cell_class.objects.filter(version=clone_from)
            )
    audit_record(
        action="catalog_version.draft_create",
        subject=draft,
        actor=created_by,
        summary=f"Draft {draft.label!r} created" + (f" from {clone_from.label!r}" if clone_from else ""),
        changes={"cloned_from": clone_from.pk if clone_from else None},
    )
    return draft


@transaction.atomic
def catalog_version_draft_update(
    *,
    version: CatalogVersion,
    label: str | None = None,
    effective_from: datetime.date | None = None,
    source: str | None = None,
    changes: CellChanges = CellChanges(),
) -> CatalogVersion:
    """Edit a draft's fields and cells; a published version raises ``PublishedVersionImmutable``."""
    draft = _lock_draft(version.pk)
    fields = {"label": label, "effective_from": effective_from, "source": source}
    update_fields = [name for name, value in fields.items() if value is not None]
    before = {name: getattr(draft, name) for name in update_fields}
    for name in update_fields:
        setattr(draft, name, fields[name])
    if update_fields:
        draft.save(update_fields=update_fields)
    _apply_cell_changes(draft, changes)
    cells = {section: list(getattr(changes, section)) for section in _CELL_KINDS if getattr(changes, section)}
    edited = field_changes(before, {name: fields[name] for name in update_fields})
    if edited or cells:
        audit_record(
            action="catalog_version.draft_update",
            subject=draft,
            summary=f"Draft {draft.label!r} edited: {len(edited)} fields, "
            f"{sum(len(c) for c in cells.values())} cells",
            changes={"fields": edited, "cells": cells},
        )
    return draft


@transaction.atomic
def catalog_version_draft_delete(*, version: CatalogVersion) -> None:
    """Delete a draft and its cells; a published version raises ``PublishedVersionImmutable``."""
    draft = _lock_draft(version.pk)
    audit_record(
        action="catalog_version.draft_delete", subject=draft, summary=f"Draft {draft.label!r} deleted"
    )
    draft.delete()


def catalog_file_export(*, version: CatalogVersion) -> dict[str, Any]:
    """A version in the catalog file format that ``catalog_file_import`` reads back.

    Providers and models are included so the file stands on its own.
    """
    cells = catalog_version_cells(version=version)
    slugs = sorted({cell["model"] for section in cells.values() for cell in section})
    image_models = ImageModel.objects.filter(slug__in=slugs).select_related("provider").order_by("slug")
    providers = sorted({m.provider for m in image_models}, key=lambda p: p.slug)
    return {
        "format": CATALOG_FILE_FORMAT,
        "label": version.label,
        "effective_from": version.effective_from.isoformat(),
        "source": version.source,
        "providers": [{"slug": p.slug, "name": p.name} for p in providers],
        "models": [
            {
                "slug": m.slug,
                "name": m.name,
                "provider": m.provider.slug,
                "role": m.role,
                "lifecycle": m.lifecycle,
                "requires_org_verification": m.requires_org_verification,
            }
            for m in image_models
        ],
        **{section: _jsonable(rows) for section, rows in cells.items()},
    }


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()} for row in rows]


class CatalogFileConflict(Exception):
    """A published version with the file's label and date exists with other prices."""


@transaction.atomic
def catalog_file_import(
    *, data: dict[str, Any], published_by: AbstractBaseUser | None = None
) -> tuple[CatalogVersion, bool]:
    """Load a catalog file (already validated) and publish it; ``(version, created)``.

    Idempotent: when a published version with the same label and
    ``effective_from`` already holds exactly the file's cells, nothing changes.
    Providers and models are created or updated by slug.
    """
    for provider in data.get("providers", []):
        Provider.objects.update_or_create(slug=provider["slug"], defaults={"name": provider["name"]})
    providers = {p.slug: p for p in Provider.objects.all()}
    for image_model in data.get("models", []):
        ImageModel.objects.update_or_create(
            slug=image_model["slug"],
            defaults={
                "name": image_model["name"],
                "provider": providers[image_model["provider"]],
                "role": image_model["role"],
                "lifecycle": image_model.get("lifecycle", "current"),
                "requires_org_verification": image_model.get("requires_org_verification", False),
            },
        )

    changes = CellChanges(**{section: tuple(data.get(section, ())) for section in _CELL_KINDS})
    existing = CatalogVersion.objects.published().filter(
        label=data["label"], effective_from=data["effective_from"]
    )
    for version in existing:
        if _same_cells(catalog_version_cells(version=version), changes):
            return version, False
    if existing.exists():
        raise CatalogFileConflict(
            f"A published version {data['label']!r} from {data['effective_from']} already exists "
            "with other prices; give the file a new label."
        )
    draft = catalog_version_draft_create(
        created_by=published_by,
        label=data["label"],
        effective_from=data["effective_from"],
        source=data.get("source", ""),
    )
    catalog_version_draft_update(version=draft, changes=changes)
    return catalog_version_publish(version=draft, published_by=published_by), True


def _same_cells(stored: dict[str, list[dict]], changes: CellChanges) -> bool:
    for section, (_, key_fields, value_fields, _) in _CELL_KINDS.items():
        fields = ("model", *key_fields, *value_fields)

        def normalized(rows, fields=fields):
            return sorted(tuple(_normal(row.get(f)) for f in fields) for row in rows)

        if normalized(stored[section]) != normalized(getattr(changes, section)):
            return False
    return True


def _normal(value: Any) -> Any:
    if isinstance(value, (Decimal, float, str)) and not isinstance(value, bool):
        try:
            return Decimal(str(value)).normalize()
        except ArithmeticError:
            return value
    return value


class EmptyCatalogVersion(Exception):
    """A version with no per-image price cannot be published: it would price nothing."""


@transaction.atomic
def catalog_version_publish(
    *, version: CatalogVersion, published_by: AbstractBaseUser | None
) -> CatalogVersion:
    """Publish a draft, atomically, recording who and when; announce it once committed.

    The claim is a conditional ``UPDATE ... WHERE status = 'draft'`` that must
    touch exactly one row, so two publishes at once cannot both succeed.
    """
    draft = _lock_draft(version.pk)
    if not ImagePrice.objects.filter(version=draft).exists():
        raise EmptyCatalogVersion(f"Catalog version {draft.pk} lists no per-image price.")
    claimed = CatalogVersion.objects.filter(pk=draft.pk, status=CatalogVersion.Status.DRAFT).update(
        status=CatalogVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        published_by=published_by,
    )
    if claimed != 1:
        raise PublishedVersionImmutable(draft.pk)
    draft.refresh_from_db()
    audit_record(
        action="catalog_version.publish",
        subject=draft,
        actor=published_by,
        summary=f"Version {draft.label!r} published, in force from {draft.effective_from.isoformat()}",
    )
    signals.catalog_version_publishing.send(sender=CatalogVersion, version=draft)
    transaction.on_commit(lambda: _announce_published(draft.pk))
    return draft


def _announce_published(version_id: int) -> None:
    from catalog import tasks

    try:
        tasks.catalog_version_published.delay(version_id)
    except Exception as error:  # an unreachable broker must not fail a committed publish
        logger.warning("could not announce catalog version %s (%s)", version_id, error)
