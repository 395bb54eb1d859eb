"""Reads that price workloads against the catalog."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from catalog.costing import Workload
from catalog.models import CatalogVersion
from catalog.selectors import catalog_version_in_force, catalog_version_pricing
from routing.quoting import Quote, RoutingConstraints, quote_workload


@dataclass(frozen=True)
class PricedQuote:
    catalog_version: CatalogVersion
    quote: Quote


def catalog_quote(
    *,
    version: CatalogVersion,
    workload: Workload,
    constraints: RoutingConstraints,
    models: list[str] | None = None,
    rejection_rates: Mapping[str, Decimal] | None = None,
    default_rejection_rate: Decimal = Decimal(0),
) -> PricedQuote:
    """Quote ``workload`` on every model of ``version`` (or only on ``models``)."""
    pricings = catalog_version_pricing(version=version, models=models)
    quote = quote_workload(
        workload=workload,
        pricings=pricings.values(),
        constraints=constraints,
        rejection_rates=rejection_rates,
        default_rejection_rate=default_rejection_rate,
    )
    return PricedQuote(catalog_version=version, quote=quote)


def quote_catalog_version(
    *, catalog_version: int | None, as_of: datetime.date | None, today: datetime.date, include_drafts: bool
) -> CatalogVersion | None:
    """The version a quote is priced with: by id, in force on ``as_of``, or in force ``today``."""
    if catalog_version is not None:
        versions = CatalogVersion.objects.all() if include_drafts else CatalogVersion.objects.published()
        return versions.filter(pk=catalog_version).first()
    return catalog_version_in_force(on=as_of or today)
