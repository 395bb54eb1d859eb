"""A quote in the shape of api.md's response, as plain JSON-ready values.

One function for the quote endpoint and for the recommendations the recompute
stores, so both read the same, rounded only here, at the edge.
"""

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


_NO_COST = {name: None for name, _, _ in _COST_FIELDS}


def option_as_dict(option: ModelOption) -> dict[str, Any]:
    cost = option.cost
    break_even = option.break_even_rejection_rate
    return {
        "model": option.model,
        "eligible": option.eligible,
        "reasons": list(option.reasons),
        "warnings": list(option.warnings),
        "rejection_rate": str(money.rate(option.rejection_rate)),
        **(
            _NO_COST
            if cost is None
            else {name: str(rounder(getattr(cost, attribute))) for name, attribute, rounder in _COST_FIELDS}
        ),
        "break_even_rejection_rate": None if break_even is None else str(money.rate(break_even)),
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
