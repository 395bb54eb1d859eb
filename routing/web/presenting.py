"""A quote, as the pages show it: every model side by side and the break-even in words.

Reads the quote's JSON shape (``routing.presenting.quote_as_dict``), so a live quote
and a stored recommendation (``PlanRecommendation.quote``) read the same.

>>> view = quote_view(
...     {
...         "catalog_version": {"id": 1, "label": "OpenAI", "effective_from": "2026-03-27"},
...         "recommended": "mini",
...         "options": [
...             {"model": "mini", "eligible": True, "break_even_rejection_rate": None},
...             {"model": "flagship", "eligible": True, "break_even_rejection_rate": "0.6765"},
...         ],
...     }
... )
>>> view.options[0].break_even
'mini stays cheaper until it rejects 68% of its outputs'
>>> view.options[1].break_even
'flagship wins only if mini rejects more than 68% of its outputs'
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_MONEY_FIELDS = (
    "output_cost",
    "input_cost",
    "batch_savings",
    "api_cost",
    "rework_cost",
    "total_cost",
    "cost_per_accepted_image",
)


@dataclass(frozen=True)
class OptionView:
    model: str
    eligible: bool
    recommended: bool
    pinned: bool
    reasons: tuple[str, ...]
    warnings: tuple[str, ...]
    rejection_rate: Decimal | None
    output_cost: Decimal | None
    input_cost: Decimal | None
    batch_savings: Decimal | None
    api_cost: Decimal | None
    rework_cost: Decimal | None
    total_cost: Decimal | None
    cost_per_accepted_image: Decimal | None
    # The break-even rejection rate in words; None when there is nothing to compare.
    break_even: str | None


@dataclass(frozen=True)
class QuoteView:
    catalog_version_label: str | None
    effective_from: datetime.date | None
    recommended: OptionView | None
    options: tuple[OptionView, ...]
    pinned_model: str | None
    monthly_saving_by_switching: Decimal | None

    @property
    def pinned_option(self) -> OptionView | None:
        return next((o for o in self.options if o.pinned), None)


def whole_percent(share: Decimal) -> str:
    """A share as a whole percentage, half up.

    >>> whole_percent(Decimal("0.6765")), whole_percent(Decimal("0.005")), whole_percent(Decimal("1"))
    ('68%', '1%', '100%')
    """
    return f"{(share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def _decimal(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def quote_view(quote: dict[str, Any]) -> QuoteView:
    """The quote's figures as decimals, each option with its break-even sentence."""
    recommended = quote.get("recommended")
    pinned = quote.get("pinned_model")
    rates = {
        option["model"]: _decimal(option.get("break_even_rejection_rate"))
        for option in quote.get("options", [])
        if option.get("eligible") and option["model"] != recommended
    }
    nearest = min((rate for rate in rates.values() if rate is not None), default=None)
    options = []
    for option in quote.get("options", []):
        model = option["model"]
        if model == recommended:
            if nearest is not None:
                sentence = f"{model} stays cheaper until it rejects {whole_percent(nearest)} of its outputs"
            elif not rates:
                sentence = f"{model} is the only model that can serve this workload"
            else:
                sentence = None
        elif rates.get(model) is not None:
            sentence = (
                f"{model} wins only if {recommended} rejects more than "
                f"{whole_percent(rates[model])} of its outputs"
            )
        else:
            sentence = None
        options.append(
            OptionView(
                model=model,
                eligible=bool(option.get("eligible")),
                recommended=model == recommended,
                pinned=model == pinned,
                reasons=tuple(option.get("reasons", ())),
                warnings=tuple(option.get("warnings", ())),
                rejection_rate=_decimal(option.get("rejection_rate")),
                **{name: _decimal(option.get(name)) for name in _MONEY_FIELDS},
                break_even=sentence,
            )
        )
    version = quote.get("catalog_version") or {}
    effective_from = version.get("effective_from")
    return QuoteView(
        catalog_version_label=version.get("label"),
        effective_from=datetime.date.fromisoformat(effective_from) if effective_from else None,
        recommended=next((o for o in options if o.recommended), None),
        options=tuple(options),
        pinned_model=pinned,
        monthly_saving_by_switching=_decimal(quote.get("monthly_saving_by_switching")),
    )
