"""What the catalog pages show: a version's cells laid out per model, and a diff's rows, as text.

Figures are formatted here rather than with the shared money filters because a
per-image price keeps every decimal place it is stored with: the seed's 0.011 is
"$0.011", neither "$0.01" nor "$0.011000". A cell the version does not list is
``None`` here and "not listed" on the page, never zero.
"""

from dataclasses import dataclass
from decimal import Decimal

from catalog.api.serializers import decimal_string
from catalog.constants import Lifecycle, Quality, Role, Size, Tier, TokenKind
from catalog.models import CatalogVersion
from catalog.selectors import CELL_ATTRIBUTES, CatalogVersionDiff, CellChange

SECTION_LABELS = {
    "image_prices": "Per-image price",
    "token_rates": "Token rate",
    "batch_discounts": "Batch discount",
    "rate_limits": "Rate limit",
}
RATE_LIMIT_FIELD_LABELS = {"supported": "supported", "tpm": "TPM", "ipm": "IPM"}
# Price lists write per-image prices to a tenth of a cent: 0.200, not 0.20.
PER_IMAGE_MIN_PLACES = 3


def usd_exact(value: Decimal, min_places: int = 2) -> str:
    """USD with every stored decimal place, and at least ``min_places``.

    >>> usd_exact(Decimal("0.011000"))
    '$0.011'
    >>> usd_exact(Decimal("2.000000"))
    '$2.00'
    >>> usd_exact(Decimal("1234.5"))
    '$1,234.50'
    >>> usd_exact(Decimal("0.200000"), PER_IMAGE_MIN_PLACES)
    '$0.200'
    """
    text = decimal_string(value)
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    return f"{sign}${int(whole):,}.{fraction.ljust(min_places, '0')}"


def usd_per_image(value: Decimal) -> str:
    """A per-image price: every stored place, at least a tenth of a cent, as price lists write them."""
    return usd_exact(value, PER_IMAGE_MIN_PLACES)


def count(value: int) -> str:
    """A whole number with thousands separators: 3000000 -> "3,000,000"."""
    return f"{value:,}"


def discount_text(value: Decimal) -> str:
    """A batch discount as the share and its percentage: 0.5000 -> "0.5 (50% off)"."""
    return f"{decimal_string(value)} ({decimal_string(value * 100)}% off)"


def yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def model_order(image_model) -> tuple:
    """Current models first, then legacy, then retired; by slug within each."""
    lifecycles = list(Lifecycle.values)
    rank = lifecycles.index(image_model.lifecycle) if image_model.lifecycle in lifecycles else len(lifecycles)
    return (rank, image_model.slug)


def size_labels() -> list[str]:
    return [label for _, label in Size.choices]


@dataclass(frozen=True)
class PriceRow:
    quality: str
    cells: list[str | None]  # by size, in ``Size`` order


@dataclass(frozen=True)
class LabelledValue:
    label: str
    value: str | None


@dataclass(frozen=True)
class RateLimitRow:
    tier: str
    supported: str | None
    tpm: str | None
    ipm: str | None


@dataclass(frozen=True)
class ModelSheet:
    """Every cell one version lists for one model, laid out as the pages show it."""

    slug: str
    name: str
    provider: str
    role: str
    lifecycle: str
    requires_org_verification: bool
    price_rows: list[PriceRow]
    token_rates: list[LabelledValue]
    batch_discount: str | None
    rate_limits: list[RateLimitRow]


def version_sheets(version: CatalogVersion) -> list[ModelSheet]:
    """One sheet per model the version lists, current models first (``model_order``).

    ``version`` comes from ``selectors.catalog_version_detail`` (cells prefetched
    with their model and provider), so this runs no query.
    """
    cells = {section: getattr(version, attribute) for section, attribute in CELL_ATTRIBUTES.items()}
    image_models = {cell.model.slug: cell.model for rows in cells.values() for cell in rows}
    prices = {(c.model.slug, c.quality, c.size): c.price for c in cells["image_prices"]}
    rates = {(c.model.slug, c.kind): c.per_million for c in cells["token_rates"]}
    discounts = {c.model.slug: c.discount for c in cells["batch_discounts"]}
    limits = {(c.model.slug, c.tier): c for c in cells["rate_limits"]}
    listed_kinds = {kind for _, kind in rates}
    kinds = [*TokenKind.choices, *((kind, kind) for kind in sorted(listed_kinds - set(TokenKind.values)))]

    sheets = []
    for image_model in sorted(image_models.values(), key=model_order):
        slug = image_model.slug
        price_rows = [
            PriceRow(
                quality=quality_label,
                cells=[_or_none(prices.get((slug, quality, size)), usd_per_image) for size in Size.values],
            )
            for quality, quality_label in Quality.choices
        ]
        token_rates = [
            LabelledValue(label=label, value=_or_none(rates.get((slug, kind)), usd_exact))
            for kind, label in kinds
        ]
        rate_limits = []
        for tier, tier_label in Tier.choices:
            limit = limits.get((slug, tier))
            rate_limits.append(
                RateLimitRow(
                    tier=tier_label,
                    supported=yes_no(limit.supported) if limit else None,
                    tpm=_or_none(limit.tpm, count) if limit else None,
                    ipm=_or_none(limit.ipm, count) if limit else None,
                )
            )
        sheets.append(
            ModelSheet(
                slug=slug,
                name=image_model.name,
                provider=image_model.provider.name,
                role=Role(image_model.role).label if image_model.role in Role.values else image_model.role,
                lifecycle=(
                    Lifecycle(image_model.lifecycle).label
                    if image_model.lifecycle in Lifecycle.values
                    else image_model.lifecycle
                ),
                requires_org_verification=image_model.requires_org_verification,
                price_rows=price_rows,
                token_rates=token_rates,
                batch_discount=_or_none(discounts.get(slug), discount_text),
                rate_limits=rate_limits,
            )
        )
    return sheets


def _or_none(value, formatter) -> str | None:
    return None if value is None else formatter(value)


# --- Diffs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    section: str
    model: str
    cell: str
    old: str | None
    new: str | None
    change: str  # what changed, readable without colour: "▲ +20.00%", "newly listed", ...
    direction: str  # "up", "down" or "" (for the .diff-up / .diff-down highlight)


def diff_rows(diff: CatalogVersionDiff) -> list[DiffRow]:
    """Each changed cell of ``diff`` as a row of text, in the diff's order."""
    return [_diff_row(change) for change in diff.changes]


def _diff_row(change: CellChange) -> DiffRow:
    field = change.cell.get("field")
    return DiffRow(
        section=SECTION_LABELS.get(change.section, change.section),
        model=change.model,
        cell=_cell_text(change),
        old=_value_text(change.section, field, change.old),
        new=_value_text(change.section, field, change.new),
        change=_change_text(change),
        direction=_direction(change),
    )


def _cell_text(change: CellChange) -> str:
    cell = change.cell
    if change.section == "image_prices":
        return f"{cell['quality']} · {cell['size']}"
    if change.section == "token_rates":
        kind = cell["kind"]
        return TokenKind(kind).label if kind in TokenKind.values else kind
    if change.section == "rate_limits":
        tier = Tier(cell["tier"]).label if cell["tier"] in Tier.values else cell["tier"]
        return f"{tier} · {RATE_LIMIT_FIELD_LABELS.get(cell['field'], cell['field'])}"
    return "share off on the Batch API"


def _value_text(section: str, field: str | None, value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return yes_no(value)
    if section == "image_prices":
        return usd_per_image(value)
    if section == "token_rates":
        return usd_exact(value)
    if section == "batch_discounts":
        return discount_text(value)
    return count(value)


def _direction(change: CellChange) -> str:
    old, new = change.old, change.new
    if old is None or new is None or isinstance(old, bool) or isinstance(new, bool) or old == new:
        return ""
    return "up" if new > old else "down"


def _change_text(change: CellChange) -> str:
    if change.change == "added":
        return "newly listed"
    if change.change == "removed":
        return "no longer listed"
    direction = _direction(change)
    arrow = {"up": "▲", "down": "▼"}.get(direction, "")
    if change.percent_change is not None:
        sign = "+" if change.percent_change > 0 else "-" if change.percent_change < 0 else ""
        return f"{arrow} {sign}{abs(change.percent_change)}%".strip()
    if direction:
        return f"{arrow} {'up' if direction == 'up' else 'down'}"
    return "changed"
