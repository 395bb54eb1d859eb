"""Which model a workload should use: eligibility, ranking and break-even.

Pure functions over plain values (``catalog.costing``): no ORM, no request.
The rules are domain.md's "Routing" section.

Two eligible models, the cheaper one recommended, the other with the rejection
rate at which the recommended one would stop being cheaper::

    >>> mini = ModelPricing(slug="mini", image_prices={("medium", "1024x1024"): Decimal("0.011")})
    >>> flagship = ModelPricing(slug="flagship", image_prices={("medium", "1024x1024"): Decimal("0.034")})
    >>> quote = quote_workload(
    ...     workload=Workload(images_per_month=10000, size="1024x1024", quality="medium"),
    ...     pricings=[flagship, mini],
    ...     constraints=RoutingConstraints(),
    ... )
    >>> quote.recommended, quote.options[0].cost.total, quote.options[1].break_even_rejection_rate
    ('mini', Decimal('110.000'), Decimal('0.6764705882352941176470588235'))
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal

from catalog.constants import Lifecycle, Mode, Tier
from catalog.costing import (
    MAX_REJECTION_RATE,
    CostBreakdown,
    ModelPricing,
    PriceNotListed,
    Workload,
    break_even_rejection_rate,
    expected_attempts,
    workload_cost,
)
from catalog.money import ONE, ZERO

MINUTES_PER_MONTH = Decimal(43_200)  # a 30-day month of minutes (domain.md)
# Members of the choices read once (reading one off its class is slow; see catalog.costing).
_INTERACTIVE, _BATCH = Mode.INTERACTIVE.value, Mode.BATCH.value
_OUTDATED = frozenset({Lifecycle.LEGACY.value, Lifecycle.RETIRED.value})
BATCH_TURNAROUND_WARNING = "Batch API jobs finish asynchronously, within 24 hours: not for interactive use"


@dataclass(frozen=True, slots=True)
class RoutingConstraints:
    """What the team's account allows: its usage tier (None: not checked) and verification."""

    tier: str | None = None
    org_verified: bool = True
    peak_images_per_minute: Decimal | None = None


# Not frozen: built for every plan, model and month of a recompute, and a frozen dataclass
# takes about 2.5 times as long to build. Nothing changes one once built.
@dataclass(slots=True)
class ModelOption:
    """One candidate model for a workload: its cost, or the reasons it cannot serve it."""

    model: str
    rejection_rate: Decimal
    cost: CostBreakdown | None
    reasons: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    break_even_rejection_rate: Decimal | None = None

    @property
    def eligible(self) -> bool:
        return not self.reasons


@dataclass(frozen=True, slots=True)
class Quote:
    """Every candidate, eligible ones first from cheapest, then the ineligible ones."""

    options: tuple[ModelOption, ...] = field(default_factory=tuple)

    @property
    def recommended(self) -> str | None:
        first = self.options[0] if self.options else None
        return first.model if first is not None and first.eligible else None

    def option(self, model: str) -> ModelOption | None:
        return next((o for o in self.options if o.model == model), None)


def images_per_minute_needed(
    *, workload: Workload, rejection_rate: Decimal, peak_images_per_minute: Decimal | None
) -> Decimal:
    """Attempts per minute the rate limit must allow: at peak if given, else on average.

    >>> images_per_minute_needed(
    ...     workload=Workload(images_per_month=43200, size="1024x1024", quality="low"),
    ...     rejection_rate=Decimal("0.5"),
    ...     peak_images_per_minute=None,
    ... )
    Decimal('2')
    """
    if peak_images_per_minute is not None:
        return peak_images_per_minute / (ONE - rejection_rate)
    return expected_attempts(workload.images_per_month, rejection_rate) / MINUTES_PER_MONTH


def _tier_name(tier: str) -> str:
    return "the free tier" if tier == Tier.FREE else tier


def _per_minute(value: Decimal) -> str:
    # Rounded up, so a workload that needs a little more than the limit never reads as equal.
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_UP).normalize():f}"


def model_option(
    *,
    workload: Workload,
    pricing: ModelPricing,
    rejection_rate: Decimal,
    constraints: RoutingConstraints,
) -> ModelOption:
    """Price one model for the workload and say whether, and why not, it can serve it."""
    reasons: list[str] = []
    warnings: list[str] = []
    slug = pricing.slug

    try:
        cost = workload_cost(workload, pricing, rejection_rate=rejection_rate)
    except PriceNotListed as missing:
        cost = None
        reasons.append(str(missing))

    tier = constraints.tier
    if tier is not None:
        limits = pricing.rate_limits.get(tier)
        if limits is None:
            warnings.append(f"{slug} lists no rate limits for {tier}: throughput not checked")
        elif not limits.supported:
            reasons.append(f"{slug} is not available on {_tier_name(tier)}")
        elif workload.mode == _INTERACTIVE:
            if limits.ipm is None:
                warnings.append(f"{slug} lists no images-per-minute limit for {tier}: throughput not checked")
            else:
                needed = images_per_minute_needed(
                    workload=workload,
                    rejection_rate=rejection_rate,
                    peak_images_per_minute=constraints.peak_images_per_minute,
                )
                if limits.ipm < needed:
                    when = "at peak" if constraints.peak_images_per_minute is not None else "on average"
                    reasons.append(
                        f"needs {_per_minute(needed)} images/min {when}; {tier} allows {limits.ipm}"
                    )

    if pricing.requires_org_verification and not constraints.org_verified:
        reasons.append(f"{slug} requires a verified organization")

    if workload.mode == _BATCH:
        warnings.append(BATCH_TURNAROUND_WARNING)
    if rejection_rate >= MAX_REJECTION_RATE:
        warnings.append(f"{slug} is unreliable for this workload: its rejection rate is at the 95% cap")
    if pricing.lifecycle in _OUTDATED:
        warnings.append(f"{slug} is a {pricing.lifecycle} model")

    return ModelOption(
        model=slug,
        rejection_rate=rejection_rate,
        cost=cost if not reasons else None,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
    )


def quote_workload(
    *,
    workload: Workload,
    pricings: Iterable[ModelPricing],
    constraints: RoutingConstraints,
    rejection_rates: Mapping[str, Decimal] | None = None,
    default_rejection_rate: Decimal = ZERO,
) -> Quote:
    """Every candidate model priced and ranked; the first option is the recommendation.

    Ranking: eligible models by ``total``, ties to the lower ``api``, then to the
    slug; ineligible ones after, by slug. Every eligible model but the
    recommended one gets its break-even rejection rate.
    """
    rejection_rates = rejection_rates or {}
    options = [
        model_option(
            workload=workload,
            pricing=pricing,
            rejection_rate=rejection_rates.get(pricing.slug, default_rejection_rate),
            constraints=constraints,
        )
        for pricing in pricings
    ]
    eligible = sorted((o for o in options if o.eligible), key=lambda o: (o.cost.total, o.cost.api, o.model))
    ineligible = sorted((o for o in options if not o.eligible), key=lambda o: o.model)
    if eligible:
        recommended = eligible[0].cost
        eligible[1:] = [
            _with_break_even(option, recommended, workload.cost_per_rejected_image) for option in eligible[1:]
        ]
    return Quote(options=tuple(eligible + ineligible))


def _with_break_even(option: ModelOption, recommended: CostBreakdown, rework_cost: Decimal) -> ModelOption:
    return ModelOption(
        model=option.model,
        rejection_rate=option.rejection_rate,
        cost=option.cost,
        reasons=option.reasons,
        warnings=option.warnings,
        break_even_rejection_rate=break_even_rejection_rate(
            other_per_image=option.cost.per_image,
            recommended_api_per_attempt=recommended.api_per_attempt,
            cost_per_rejected_image=rework_cost,
        ),
    )
