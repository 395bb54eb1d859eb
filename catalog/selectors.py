"""Reads of the price catalog."""

import datetime

from catalog.costing import ModelPricing, RateLimit
from catalog.models import BatchDiscount, CatalogVersion, ImageModel, ImagePrice, TokenRate
from catalog.models import RateLimit as RateLimitRow


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


def catalog_versions_in_force_during(
    *, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, CatalogVersion]]:
    """Each version in force on some day of ``[start, end]``, with the first such day, in order."""
    ranges: list[tuple[datetime.date, CatalogVersion]] = []
    first = catalog_version_in_force(on=start)
    if first is not None:
        ranges.append((start, first))
    later = (
        CatalogVersion.objects.published()
        .filter(effective_from__gt=start, effective_from__lte=end)
        .order_by("effective_from", "-published_at", "-id")
    )
    seen_days: set[datetime.date] = set()
    for version in later:
        if version.effective_from in seen_days:
            continue  # a tie on that day: the later published one came first
        seen_days.add(version.effective_from)
        ranges.append((version.effective_from, version))
    return ranges


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
    slugs = set(catalog_version_model_slugs(version=version))
    if models is not None:
        slugs = set(models)

    image_prices: dict[str, dict] = {slug: {} for slug in slugs}
    token_rates: dict[str, dict] = {slug: {} for slug in slugs}
    discounts: dict[str, object] = {}
    rate_limits: dict[str, dict] = {slug: {} for slug in slugs}

    for slug, quality, size, price in ImagePrice.objects.filter(
        version=version, model__slug__in=slugs
    ).values_list("model__slug", "quality", "size", "price"):
        image_prices[slug][(quality, size)] = price
    for slug, kind, per_million in TokenRate.objects.filter(
        version=version, model__slug__in=slugs
    ).values_list("model__slug", "kind", "per_million"):
        token_rates[slug][kind] = per_million
    for slug, discount in BatchDiscount.objects.filter(version=version, model__slug__in=slugs).values_list(
        "model__slug", "discount"
    ):
        discounts[slug] = discount
    for slug, tier, supported, tpm, ipm in RateLimitRow.objects.filter(
        version=version, model__slug__in=slugs
    ).values_list("model__slug", "tier", "supported", "tpm", "ipm"):
        rate_limits[slug][tier] = RateLimit(supported=supported, tpm=tpm, ipm=ipm)

    return {
        image_model.slug: ModelPricing(
            slug=image_model.slug,
            name=image_model.name,
            role=image_model.role,
            lifecycle=image_model.lifecycle,
            requires_org_verification=image_model.requires_org_verification,
            image_prices=image_prices[image_model.slug],
            token_rates=token_rates[image_model.slug],
            batch_discount=discounts.get(image_model.slug),
            rate_limits=rate_limits[image_model.slug],
        )
        for image_model in ImageModel.objects.filter(slug__in=slugs).order_by("slug")
    }
