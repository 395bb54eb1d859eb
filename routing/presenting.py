"""A quote in the shape of api.md's response, as plain JSON-ready values.

One function for the quote endpoint and for the recommendations the recompute
stores, so both read the same, rounded only here, at the edge.
"""

from decimal import Decimal
from typing import Any

from catalog import money
from catalog.models import CatalogVersion
from routing.quoting import ModelOption, Quote

_COST_FIELDS = (
    ("attempts_per_month", "attempts", money.attempts),
    ("output_cost", "output", money.money),
    ("input_cost", "input", money.money),
    ("batch_savings", "batch_savings", money.money),
    ("api_cost", "api", money.money),
    ("rework_cost", "rework", money.money),
    ("total_cost", "total", money.money),
    ("cost_per_accepted_image", "per_image", money.per_image),
)


def _text(value: Decimal | None, rounder) -> str | None:
    return None if value is None else str(rounder(value))


def option_as_dict(option: ModelOption) -> dict[str, Any]:
    cost = option.cost
    return {
        "model": option.model,
        "eligible": option.eligible,
        "reasons": list(option.reasons),
        "warnings": list(option.warnings),
        "rejection_rate": str(money.rate(option.rejection_rate)),
        **{
            name: None if cost is None else _text(getattr(cost, attribute), rounder)
            for name, attribute, rounder in _COST_FIELDS
        },
        "break_even_rejection_rate": _text(option.break_even_rejection_rate, money.rate),
    }


def quote_as_dict(*, catalog_version: CatalogVersion, quote: Quote) -> dict[str, Any]:
    return {
        "catalog_version": {
            "id": catalog_version.pk,
            "label": catalog_version.label,
            "effective_from": catalog_version.effective_from.isoformat(),
        },
        "recommended": quote.recommended,
        "options": [option_as_dict(option) for option in quote.options],
    }
