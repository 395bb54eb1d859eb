"""Reads of the price catalog."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Prefetch, QuerySet

from catalog import money
from catalog.costing import ModelPricing, RateLimit
from catalog.models import BatchDiscount, CatalogVersion, ImageModel, ImagePrice, Provider, TokenRate
from catalog.models import RateLimit as RateLimitRow

# Each section of a catalog version, in the API's order:
# (cell class, key fields besides the model, value fields).
CELL_SECTIONS: dict[str, tuple[type, tuple[str, ...], tuple[str, ...]]] = {
    "image_prices": (ImagePrice, ("quality", "size"), ("price",)),
    "token_rates": (TokenRate, ("kind",), ("per_million",)),
    "batch_discounts": (BatchDiscount, (), ("discount",)),
    "rate_limits": (RateLimitRow, ("tier",), ("supported", "tpm", "ipm")),
}

# Where ``catalog_version_detail`` puts each section's prefetched cells on the version.
CELL_ATTRIBUTES: dict[str, str] = {section: f"{section}_cells" for section in CELL_SECTIONS}


def catalog_version_in_force(*, on: datetime.date) -> CatalogVersion | None:
    """The published version with the latest ``effective_from`` on or before ``on``.

    Ties go to the version published later (domain.md, "The price catalog").
    """
    return (
        CatalogVersion.objects.published()
        .filter(effective_from__lte=on)
        .order_by("-effective_from", "-published_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class CatalogTimeline:
    """The published versions that may be in force on some day of ``[start, end]``, read at
    once: what is in force during any days of that period then costs no query.

    ``assume_published`` counts a draft as if it were published now (so it wins a tie on
    its day): what publishing it would change.
    """

    start: datetime.date
    end: datetime.date
    versions: tuple[CatalogVersion, ...]
    assume_published: CatalogVersion | None = None

    def in_force_during(
        self, *, start: datetime.date, end: datetime.date
    ) -> list[tuple[datetime.date, CatalogVersion]]:
        """Each version in force on some day of ``[start, end]``, with the first such day, in order.

        Ties on a day go to the version published later (domain.md, "The price catalog").
        """
        if start < self.start or end > self.end:
            raise ValueError(f"{start} to {end} is outside the timeline's {self.start} to {self.end}.")
        candidates = [*self.versions]
        if self.assume_published is not None:
            candidates.append(self.assume_published)

        def precedence(version: CatalogVersion) -> tuple:
            newest = version is self.assume_published
            published = version.published_at.timestamp() if version.published_at else 0.0
            return (version.effective_from, newest, published, version.pk)

        ranges: list[tuple[datetime.date, CatalogVersion]] = []
        at_start = [v for v in candidates if v.effective_from <= start]
        if at_start:
            ranges.append((start, max(at_start, key=precedence)))
        later_days = sorted({v.effective_from for v in candidates if start < v.effective_from <= end})
        for day in later_days:
            ranges.append((day, max((v for v in candidates if v.effective_from == day), key=precedence)))
        return ranges


def catalog_timeline(
    *, start: datetime.date, end: datetime.date, assume_published: CatalogVersion | None = None
) -> CatalogTimeline:
    """The versions in force during ``[start, end]`` (``CatalogTimeline``), in two queries:
    the one in force on ``start`` and those taking effect after it, up to ``end``."""
    in_force = catalog_version_in_force(on=start)
    later = CatalogVersion.objects.published().filter(effective_from__gt=start, effective_from__lte=end)
    return CatalogTimeline(
        start=start,
        end=end,
        versions=tuple(v for v in (in_force, *later) if v is not None),
        assume_published=assume_published,
    )


def catalog_version_model_slugs(*, version: CatalogVersion) -> list[str]:
    """The models that have at least one cell in ``version``, by slug."""
    slugs: set[str] = set()
    for cell_model in (ImagePrice, TokenRate, BatchDiscount, RateLimitRow):
        slugs.update(cell_model.objects.filter(version=version).values_list("model__slug", flat=True))
    return sorted(slugs)


def catalog_version_pricing(
    *, version: CatalogVersion, models: list[str] | None = None
) -> dict[str, ModelPricing]:
    """Every price ``version`` lists, as plain values keyed by model slug.

    Models listed in ``models`` but absent from the version come back with no
    cells, so routing can say why they are ineligible. Five queries in all.
    """
    return catalog_versions_pricing(versions=[version], models=models)[version.pk]


def catalog_versions_pricing(
    *, versions: Iterable[CatalogVersion], models: list[str] | None = None
) -> dict[int, dict[str, ModelPricing]]:
    """Every price each of ``versions`` lists, keyed by version id, then by model slug in order.

    A version prices the models it lists a cell of, or, given ``models``, exactly those
    (a model it does not list comes back with no cells, so routing can say why it is
    ineligible). Five queries in all, however many versions.
    """
    version_ids = sorted({version.pk for version in versions})
    if not version_ids:
        return {}
    listed: dict[int, set[str]] = defaultdict(set)
    image_prices: dict[tuple[int, str], dict] = defaultdict(dict)
    token_rates: dict[tuple[int, str], dict] = defaultdict(dict)
    discounts: dict[tuple[int, str], Decimal] = {}
    rate_limits: dict[tuple[int, str], dict] = defaultdict(dict)

    for version_id, slug, quality, size, price in ImagePrice.objects.filter(
        version_id__in=version_ids
    ).values_list("version_id", "model__slug", "quality", "size", "price"):
        listed[version_id].add(slug)
        image_prices[version_id, slug][(quality, size)] = price
    for version_id, slug, kind, per_million in TokenRate.objects.filter(
        version_id__in=version_ids
    ).values_list("version_id", "model__slug", "kind", "per_million"):
        listed[version_id].add(slug)
        token_rates[version_id, slug][kind] = per_million
    for version_id, slug, discount in BatchDiscount.objects.filter(version_id__in=version_ids).values_list(
        "version_id", "model__slug", "discount"
    ):
        listed[version_id].add(slug)
        discounts[version_id, slug] = discount
    for version_id, slug, tier, supported, tpm, ipm in RateLimitRow.objects.filter(
        version_id__in=version_ids
    ).values_list("version_id", "model__slug", "tier", "supported", "tpm", "ipm"):
        listed[version_id].add(slug)
        rate_limits[version_id, slug][tier] = RateLimit(supported=supported, tpm=tpm, ipm=ipm)

    priced = {
        version_id: set(models) if models is not None else listed[version_id] for version_id in version_ids
    }
    image_models = list(ImageModel.objects.filter(slug__in=set().union(*priced.values())).order_by("slug"))
    return {
        version_id: {
            image_model.slug: ModelPricing(
                slug=image_model.slug,
                name=image_model.name,
                role=image_model.role,
                lifecycle=image_model.lifecycle,
                requires_org_verification=image_model.requires_org_verification,
                image_prices=image_prices.get((version_id, image_model.slug), {}),
                token_rates=token_rates.get((version_id, image_model.slug), {}),
                batch_discount=discounts.get((version_id, image_model.slug)),
                rate_limits=rate_limits.get((version_id, image_model.slug), {}),
            )
            for image_model in image_models
            if image_model.slug in priced[version_id]
        }
        for version_id in version_ids
    }


def catalog_version_cells(*, version: CatalogVersion) -> dict[str, list[dict]]:
    """Every cell of ``version`` in the API's list shape, sorted, values as stored. Four queries."""
    cells: dict[str, list[dict]] = {}
    for section, (cell_class, key_fields, value_fields) in CELL_SECTIONS.items():
        rows = cell_class.objects.filter(version=version).values_list(
            "model__slug", *key_fields, *value_fields
        )
        cells[section] = sorted(
            (dict(zip(("model", *key_fields, *value_fields), row, strict=True)) for row in rows),
            key=lambda row, key_fields=key_fields: tuple(str(row[f]) for f in ("model", *key_fields)),
        )
    return cells


def image_model_slugs() -> set[str]:
    return set(ImageModel.objects.values_list("slug", flat=True))


def provider_slugs() -> set[str]:
    return set(Provider.objects.values_list("slug", flat=True))


def catalog_versions_visible(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[CatalogVersion]:
    """Published versions; staff also see drafts."""
    versions = CatalogVersion.objects.all()
    if not getattr(user, "is_staff", False):
        versions = versions.published()
    return versions


def catalog_version_list(
    *, user: AbstractBaseUser | AnonymousUser, status: str | None = None
) -> QuerySet[CatalogVersion]:
    """The versions ``user`` may see, newest ``effective_from`` first, optionally of one status."""
    versions = catalog_versions_visible(user=user).select_related("published_by")
    if status:
        versions = versions.filter(status=status)
    return versions.order_by("-effective_from", "-published_at", "-id")


def catalog_version_get(*, version_id: int, user: AbstractBaseUser | AnonymousUser) -> CatalogVersion | None:
    """The version if ``user`` may see it (a draft is hidden from non-staff), else ``None``."""
    return catalog_versions_visible(user=user).select_related("published_by").filter(pk=version_id).first()


def catalog_version_detail(
    *, version_id: int, user: AbstractBaseUser | AnonymousUser
) -> CatalogVersion | None:
    """Like ``catalog_version_get``, with every cell prefetched (five queries, whatever the size).

    The cells of each section are on the attribute named in ``CELL_ATTRIBUTES``, with
    their image model and its provider.
    """
    prefetches = [
        Prefetch(
            cell_class._meta.get_field("version").remote_field.get_accessor_name(),
            queryset=cell_class.objects.select_related("model__provider").order_by(
                "model__slug", *key_fields
            ),
            to_attr=CELL_ATTRIBUTES[section],
        )
        for section, (cell_class, key_fields, _) in CELL_SECTIONS.items()
    ]
    return (
        catalog_versions_visible(user=user)
        .select_related("published_by")
        .prefetch_related(*prefetches)
        .filter(pk=version_id)
        .first()
    )


def catalog_version_diff_base(
    *, version: CatalogVersion, user: AbstractBaseUser | AnonymousUser, on: datetime.date
) -> CatalogVersion | None:
    """What ``version`` is compared with by default: the version it was cloned from (when
    ``user`` may see it), else the version in force on ``on``; ``None`` when that is itself."""
    if version.cloned_from_id is not None:
        cloned_from = catalog_version_get(version_id=version.cloned_from_id, user=user)
        if cloned_from is not None:
            return cloned_from
    in_force = catalog_version_in_force(on=on)
    if in_force is None or in_force.pk == version.pk:
        return None
    return in_force


CellValue = Decimal | int | bool


@dataclass(frozen=True)
class CellChange:
    """One cell that differs between two versions; ``old`` or ``new`` is None when absent."""

    section: str
    model: str
    cell: dict[str, str]
    change: str  # "added", "removed" or "changed"
    old: CellValue | None
    new: CellValue | None
    percent_change: Decimal | None


@dataclass(frozen=True)
class CatalogVersionDiff:
    version: CatalogVersion
    against: CatalogVersion
    changes: list[CellChange]

    @property
    def summary(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "changed": 0}
        for change in self.changes:
            counts[change.change] += 1
        return counts


def catalog_version_diff(*, version: CatalogVersion, against: CatalogVersion) -> CatalogVersionDiff:
    """The cells of ``version`` that differ from ``against``, in section, model and cell order.

    Every listed value is its own cell; a rate limit row holds three (``supported``,
    ``tpm``, ``ipm``), each compared on its own. Values compare as numbers, so 0.5 and
    0.5000 are the same price. ``percent_change`` is ``(new - old) / old * 100`` to 2
    places, when both are numbers and ``old`` is not zero. Eight queries.

    With ``against`` pricing gpt-image-1-mini low 1024x1024 at 0.005 and ``version`` at
    0.006, the one change is ``changed``, old 0.005, new 0.006, percent_change 20.00.
    """
    old_cells = _flat_cells(catalog_version_cells(version=against))
    new_cells = _flat_cells(catalog_version_cells(version=version))
    changes = []
    for key in sorted(old_cells.keys() | new_cells.keys()):
        _, section, model, cell = key
        old, new = old_cells.get(key), new_cells.get(key)
        if old is not None and new is not None and old == new:
            continue
        changes.append(
            CellChange(
                section=section,
                model=model,
                cell=dict(cell_field[1:] for cell_field in cell),
                change="added" if old is None else "removed" if new is None else "changed",
                old=old,
                new=new,
                percent_change=_percent_change(old=old, new=new),
            )
        )
    return CatalogVersionDiff(version=version, against=against, changes=changes)


def _flat_cells(cells: dict[str, list[dict]]) -> dict[tuple, CellValue]:
    """Each listed value keyed by ``(section position, section, model, cell)``, sortable.

    ``cell`` is a tuple of ``(position, name, value)`` so that rate limit fields sort
    as supported, tpm, ipm rather than alphabetically.
    """
    flat: dict[tuple, Any] = {}
    for position, (section, (_, key_fields, value_fields)) in enumerate(CELL_SECTIONS.items()):
        for row in cells[section]:
            cell_keys = tuple((0, name, row[name]) for name in key_fields)
            for field_position, field in enumerate(value_fields):
                if row[field] is None:
                    continue  # not listed
                cell = cell_keys
                if len(value_fields) > 1:
                    cell = (*cell_keys, (1 + field_position, "field", field))
                flat[(position, section, row["model"], cell)] = row[field]
    return flat


def _percent_change(*, old: CellValue | None, new: CellValue | None) -> Decimal | None:
    if old is None or new is None or isinstance(old, bool) or isinstance(new, bool) or old == 0:
        return None
    return money.percent((Decimal(new) - Decimal(old)) * 100 / Decimal(old))
