"""The cost of a workload on one model, as pure functions over plain values.

No ORM, no request: this module is the arithmetic of domain.md ("The cost of a
workload") and nothing else, so it can be tested exhaustively and run in bulk.
Every figure is an unrounded ``Decimal``; rounding happens where a figure leaves
the system (``catalog.money``).

The article's first example, 1,000 square low images on gpt-image-1-mini::

    >>> pricing = ModelPricing(
    ...     slug="gpt-image-1-mini",
    ...     image_prices={("low", "1024x1024"): Decimal("0.005")},
    ... )
    >>> workload = Workload(images_per_month=1000, size="1024x1024", quality="low")
    >>> workload_cost(workload, pricing, rejection_rate=Decimal("0")).total
    Decimal('5.000')
"""

from dataclasses import dataclass, field
from decimal import Decimal

from catalog.constants import Mode, TokenKind
from catalog.money import MILLION, ONE, ZERO

MAX_REJECTION_RATE = Decimal("0.95")


@dataclass(frozen=True, slots=True)
class Workload:
    """What a team wants generated each month (rejection rates are per model, apart)."""

    images_per_month: int
    size: str
    quality: str
    mode: str = Mode.INTERACTIVE
    prompt_tokens: int = 0
    input_images: int = 0
    tokens_per_input_image: int = 0
    cached_input_share: Decimal = ZERO
    cost_per_rejected_image: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class RateLimit:
    supported: bool
    tpm: int | None = None
    ipm: int | None = None


@dataclass(frozen=True, slots=True)
class ModelPricing:
    """Everything one catalog version lists for one model; absent cells are absent keys."""

    slug: str
    name: str = ""
    role: str = ""
    lifecycle: str = "current"
    requires_org_verification: bool = False
    image_prices: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (quality, size)
    token_rates: dict[str, Decimal] = field(default_factory=dict)  # kind -> USD per 1M tokens
    batch_discount: Decimal | None = None
    rate_limits: dict[str, RateLimit] = field(default_factory=dict)  # tier -> limits


class PriceNotListed(Exception):
    """The version lists no price the workload needs on this model; the model is ineligible."""


# Not frozen: built for every plan, model and month of a recompute, and a frozen dataclass
# takes about 2.5 times as long to build. Nothing changes one once built.
@dataclass(slots=True)
class CostBreakdown:
    """One month of a workload on one model, unrounded."""

    rejection_rate: Decimal
    attempts: Decimal
    output: Decimal
    input: Decimal
    batch_savings: Decimal
    api: Decimal
    rework: Decimal
    total: Decimal
    per_image: Decimal

    @property
    def api_per_attempt(self) -> Decimal:
        """``U``: the API cost of one attempt, accepted or not (0 when nothing is attempted)."""
        return self.api / self.attempts if self.attempts else ZERO


def expected_attempts(images_per_month: int, rejection_rate: Decimal) -> Decimal:
    """``A = V / (1 - r)``: rejected outputs are billed like accepted ones.

    >>> expected_attempts(10000, Decimal("0.25"))
    Decimal('13333.33333333333333333333333')
    """
    if not ZERO <= rejection_rate <= MAX_REJECTION_RATE:
        raise ValueError(f"rejection rate {rejection_rate} is outside [0, {MAX_REJECTION_RATE}]")
    return Decimal(images_per_month) / (ONE - rejection_rate)


# Members of the choices read once: reading one off its class costs more than the
# arithmetic it guards, and these are read for every plan and model of a recompute.
_BATCH = Mode.BATCH.value
_TEXT_KINDS = (TokenKind.TEXT_INPUT.value, TokenKind.CACHED_TEXT_INPUT.value)
_IMAGE_KINDS = (TokenKind.IMAGE_INPUT.value, TokenKind.CACHED_IMAGE_INPUT.value)


def input_cost_per_request(workload: Workload, pricing: ModelPricing) -> Decimal:
    """``I``: USD of prompt text and input image tokens for one request.

    A token rate is needed only when its tokens are billed: with no cached share
    the cached rates are never read, and with no tokens no rate is read at all.
    """
    image_tokens = workload.input_images * workload.tokens_per_input_image
    if not workload.prompt_tokens and not image_tokens:
        return ZERO
    cached = workload.cached_input_share
    fresh = ONE - cached
    text = _blended_rate(pricing, workload.prompt_tokens, fresh, cached, *_TEXT_KINDS)
    image = _blended_rate(pricing, image_tokens, fresh, cached, *_IMAGE_KINDS)
    return (workload.prompt_tokens * text + image_tokens * image) / MILLION


def _blended_rate(
    pricing: ModelPricing, tokens: int, fresh: Decimal, cached: Decimal, fresh_kind: str, cached_kind: str
) -> Decimal:
    if tokens == 0:
        return ZERO
    blended = ZERO
    for share, kind in ((fresh, fresh_kind), (cached, cached_kind)):
        if share:
            blended += share * _token_rate(pricing, kind)
    return blended


def _token_rate(pricing: ModelPricing, kind: str) -> Decimal:
    try:
        return pricing.token_rates[kind]
    except KeyError:
        raise PriceNotListed(f"{pricing.slug} lists no {kind.replace('_', ' ')} token rate") from None


def image_price(workload: Workload, pricing: ModelPricing) -> Decimal:
    """``P``: the per-image price of the workload's quality and size."""
    try:
        return pricing.image_prices[(workload.quality, workload.size)]
    except KeyError:
        raise PriceNotListed(
            f"{pricing.slug} lists no price for {workload.quality} {workload.size} images"
        ) from None


def workload_cost(workload: Workload, pricing: ModelPricing, *, rejection_rate: Decimal) -> CostBreakdown:
    """The month's cost of ``workload`` on one model (domain.md's formulas, in order).

    Raises ``PriceNotListed`` when the version lacks a price the workload needs.
    """
    price = image_price(workload, pricing)
    per_request_input = input_cost_per_request(workload, pricing)
    attempts = expected_attempts(workload.images_per_month, rejection_rate)

    output = attempts * price
    input_ = attempts * per_request_input
    if workload.mode == _BATCH:
        if pricing.batch_discount is None:
            raise PriceNotListed(f"{pricing.slug} lists no Batch API discount")
        savings = (output + input_) * pricing.batch_discount
    else:
        savings = ZERO
    api = output + input_ - savings
    rework = (attempts - workload.images_per_month) * workload.cost_per_rejected_image
    total = api + rework
    return CostBreakdown(
        rejection_rate=rejection_rate,
        attempts=attempts,
        output=output,
        input=input_,
        batch_savings=savings,
        api=api,
        rework=rework,
        total=total,
        per_image=total / workload.images_per_month,
    )


def break_even_rejection_rate(
    *, other_per_image: Decimal, recommended_api_per_attempt: Decimal, cost_per_rejected_image: Decimal
) -> Decimal | None:
    """How bad the recommended model's rejection rate would have to get before another model wins.

    ``(k_X - U_R) / (k_X + F)``: at that rate the recommended model's cost per
    accepted image, ``(U_R + F r) / (1 - r)``, equals the other model's ``k_X``.
    None when both are free (no rate makes a difference).

    >>> break_even_rejection_rate(
    ...     other_per_image=Decimal("0.034"),
    ...     recommended_api_per_attempt=Decimal("0.011"),
    ...     cost_per_rejected_image=Decimal("0"),
    ... )
    Decimal('0.6764705882352941176470588235')
    """
    denominator = other_per_image + cost_per_rejected_image
    if denominator == 0:
        return None
    return (other_per_image - recommended_api_per_attempt) / denominator
