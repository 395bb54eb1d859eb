"""Invariants of the cost arithmetic and routing, over generated workloads (hypothesis)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.costing import MAX_REJECTION_RATE, Workload, workload_cost
from routing.quoting import RoutingConstraints, quote_workload
from tests.routing.seed import MINI, seed_pricings

D = Decimal
MODELS = sorted(seed_pricings())


def decimals(low: str, high: str, places: int = 4):
    return st.decimals(
        min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False
    )


rejection_rates = decimals("0", str(MAX_REJECTION_RATE))
workloads = st.builds(
    Workload,
    images_per_month=st.integers(min_value=1, max_value=1_000_000_000),
    size=st.sampled_from(["1024x1024", "1024x1536", "1536x1024"]),
    quality=st.sampled_from(["low", "medium", "high"]),
    mode=st.sampled_from(["interactive", "batch"]),
    prompt_tokens=st.integers(min_value=0, max_value=10_000_000),
    input_images=st.integers(min_value=0, max_value=16),
    tokens_per_input_image=st.integers(min_value=0, max_value=10_000),
    cached_input_share=decimals("0", "1"),
    cost_per_rejected_image=decimals("0", "100", places=2),
)
constraints = st.builds(
    RoutingConstraints,
    tier=st.none() | st.sampled_from(["free", "tier1", "tier2", "tier3", "tier4", "tier5"]),
    org_verified=st.booleans(),
    peak_images_per_minute=st.none() | decimals("0", "1000", places=1),
)


@given(
    workload=workloads, model=st.sampled_from(MODELS), rates=st.lists(rejection_rates, min_size=2, max_size=2)
)
def test_more_rejection_never_costs_less(workload, model, rates):
    low, high = sorted(rates)
    pricing = seed_pricings()[model]

    assert (
        workload_cost(workload, pricing, rejection_rate=low).total
        <= workload_cost(workload, pricing, rejection_rate=high).total
    )


@given(workload=workloads, model=st.sampled_from(MODELS), rate=rejection_rates)
def test_batch_halves_the_api_cost_and_leaves_rework_alone(workload, model, rate):
    pricing = seed_pricings()[model]
    interactive = workload_cost(
        Workload(**{**_fields(workload), "mode": "interactive"}), pricing, rejection_rate=rate
    )
    batch = workload_cost(Workload(**{**_fields(workload), "mode": "batch"}), pricing, rejection_rate=rate)

    assert batch.api == interactive.api - interactive.api * D("0.5")
    assert batch.rework == interactive.rework
    assert batch.total == batch.api + batch.rework


@given(
    workload=workloads,
    constraints=constraints,
    rates=st.fixed_dictionaries(dict.fromkeys(MODELS, rejection_rates)),
)
def test_the_recommended_option_is_never_dearer_than_an_eligible_one(workload, constraints, rates):
    quote = quote_workload(
        workload=workload, pricings=seed_pricings().values(), constraints=constraints, rejection_rates=rates
    )

    eligible = [option for option in quote.options if option.eligible]
    if quote.recommended is None:
        assert eligible == []
    else:
        recommended = quote.option(quote.recommended)
        assert all(recommended.cost.total <= option.cost.total for option in eligible)
        assert all(option.cost is None for option in quote.options if not option.eligible)


@settings(max_examples=200)
@given(workload=workloads, rates=st.fixed_dictionaries(dict.fromkeys(MODELS, rejection_rates)))
def test_at_the_break_even_rate_the_recommended_model_costs_the_same(workload, rates):
    quote = quote_workload(
        workload=workload,
        pricings=seed_pricings().values(),
        constraints=RoutingConstraints(),
        rejection_rates=rates,
    )
    recommended = quote.option(quote.recommended)

    for other in quote.options[1:]:
        rate = other.break_even_rejection_rate
        assert D(0) <= rate < D(1)
        if rate > MAX_REJECTION_RATE:
            continue  # beyond the cap the recommended model cannot be priced; the formula still holds
        at_break_even = workload_cost(workload, seed_pricings()[recommended.model], rejection_rate=rate)
        assert abs(at_break_even.per_image - other.cost.per_image) <= other.cost.per_image * D("1e-20")


@given(workload=workloads, rate=rejection_rates)
def test_figures_are_consistent_with_each_other(workload, rate):
    breakdown = workload_cost(workload, seed_pricings()[MINI], rejection_rate=rate)

    assert breakdown.attempts >= workload.images_per_month
    assert breakdown.api == breakdown.output + breakdown.input - breakdown.batch_savings
    assert breakdown.total == breakdown.api + breakdown.rework
    assert breakdown.per_image * workload.images_per_month - breakdown.total <= breakdown.total * D("1e-25")


def _fields(workload: Workload) -> dict:
    return {name: getattr(workload, name) for name in Workload.__dataclass_fields__}
