"""Eligibility, ranking, tie-breaks and break-even on the seed catalog (domain.md, "Routing")."""

from decimal import Decimal

from catalog import money
from catalog.costing import ModelPricing, RateLimit, Workload
from routing.quoting import BATCH_TURNAROUND_WARNING, RoutingConstraints, quote_workload
from tests.routing.seed import FLAGSHIP, LEGACY, MINI, seed_pricings

D = Decimal
SQUARE_MEDIUM = {"size": "1024x1024", "quality": "medium"}


NO_CONSTRAINTS = RoutingConstraints()
NO_REJECTION = D(0)


def quote(constraints=NO_CONSTRAINTS, rejection_rates=None, default_rejection_rate=NO_REJECTION, **workload):
    return quote_workload(
        workload=Workload(**workload),
        pricings=seed_pricings().values(),
        constraints=constraints,
        rejection_rates=rejection_rates,
        default_rejection_rate=default_rejection_rate,
    )


def test_it_recommends_the_cheapest_total_and_orders_eligible_options_by_it():
    result = quote(images_per_month=10_000, **SQUARE_MEDIUM, rejection_rates={MINI: D("0.25")})

    assert result.recommended == MINI
    assert [o.model for o in result.options] == [MINI, FLAGSHIP, LEGACY]
    assert [money.money(o.cost.total) for o in result.options] == [D("146.67"), D("340.00"), D("420.00")]


def test_it_gives_the_break_even_rate_of_every_other_eligible_model():
    result = quote(images_per_month=10_000, **SQUARE_MEDIUM, rejection_rates={MINI: D("0.25")})

    # U_R = 146.67 / 13,333.33 = 0.011 per attempt; k = 0.034 and 0.042 per accepted image.
    assert result.option(MINI).break_even_rejection_rate is None
    assert result.option(FLAGSHIP).break_even_rejection_rate == (D("0.034") - D("0.011")) / D("0.034")
    assert result.option(LEGACY).break_even_rejection_rate == (D("0.042") - D("0.011")) / D("0.042")


def test_it_counts_rework_in_the_break_even_rate():
    result = quote(
        images_per_month=1_000,
        size="1024x1536",
        quality="high",
        cost_per_rejected_image=D("0.10"),
        default_rejection_rate=D("0.2"),
    )

    # mini: 65.00 API over 1,250 attempts = 0.052; 1.5: (250 + 25) / 1,000 = 0.275 per image.
    assert result.recommended == MINI
    assert result.option(FLAGSHIP).break_even_rejection_rate == (D("0.275") - D("0.052")) / (
        D("0.275") + D("0.10")
    )


def test_it_rules_out_models_the_free_tier_cannot_use():
    result = quote(images_per_month=100, **SQUARE_MEDIUM, constraints=RoutingConstraints(tier="free"))

    assert result.recommended == FLAGSHIP
    assert result.option(MINI).reasons == ("gpt-image-1-mini is not available on the free tier",)
    assert result.option(LEGACY).reasons == ("gpt-image-1 is not available on the free tier",)
    assert result.option(MINI).cost is None
    assert result.option(FLAGSHIP).warnings == (
        "gpt-image-1.5 lists no rate limits for free: throughput not checked",
    )
    assert [o.model for o in result.options] == [FLAGSHIP, LEGACY, MINI]


def test_it_rules_out_a_model_whose_ipm_is_below_the_peak_need():
    result = quote(
        images_per_month=10_000,
        **SQUARE_MEDIUM,
        default_rejection_rate=D("0.0566"),
        constraints=RoutingConstraints(tier="tier2", peak_images_per_minute=D("20")),
    )

    # 20 / (1 - 0.0566) = 21.1999... images per minute against tier2's 20.
    assert result.option(MINI).reasons == ("needs 21.2 images/min at peak; tier2 allows 20",)
    assert result.option(LEGACY).reasons == ("needs 21.2 images/min at peak; tier2 allows 20",)
    assert result.recommended == FLAGSHIP


def test_it_checks_the_average_need_when_no_peak_is_given():
    needs_231 = quote(
        images_per_month=10_000_000, **SQUARE_MEDIUM, constraints=RoutingConstraints(tier="tier3")
    )
    fits_tier5 = quote(
        images_per_month=10_000_000, **SQUARE_MEDIUM, constraints=RoutingConstraints(tier="tier5")
    )

    # 10,000,000 / 43,200 = 231.48 attempts per minute.
    assert needs_231.option(MINI).reasons == ("needs 231.5 images/min on average; tier3 allows 50",)
    assert fits_tier5.recommended == MINI


def test_it_skips_the_ipm_check_in_batch_mode_and_notes_the_turnaround():
    result = quote(
        images_per_month=10_000_000,
        **SQUARE_MEDIUM,
        mode="batch",
        constraints=RoutingConstraints(tier="tier1", peak_images_per_minute=D("1000")),
    )

    assert result.recommended == MINI
    assert all(option.eligible for option in result.options)
    assert BATCH_TURNAROUND_WARNING in result.option(MINI).warnings


def test_it_ignores_the_tier_when_none_is_given():
    result = quote(images_per_month=10_000_000, **SQUARE_MEDIUM)

    assert all(option.eligible for option in result.options)
    assert result.option(MINI).warnings == ()


def test_it_rules_out_a_model_that_needs_verification_the_team_lacks():
    verified_only = ModelPricing(slug="verified-only", image_prices={("low", "1024x1024"): D("0.001")})
    verified_only = ModelPricing(**{**_fields(verified_only), "requires_org_verification": True})
    workload = Workload(images_per_month=10, size="1024x1024", quality="low")

    unverified = quote_workload(
        workload=workload, pricings=[verified_only], constraints=RoutingConstraints(org_verified=False)
    )
    verified = quote_workload(workload=workload, pricings=[verified_only], constraints=RoutingConstraints())

    assert unverified.recommended is None
    assert unverified.option("verified-only").reasons == ("verified-only requires a verified organization",)
    assert verified.recommended == "verified-only"


def test_it_flags_a_model_at_the_rejection_cap_as_unreliable():
    result = quote(images_per_month=100, **SQUARE_MEDIUM, rejection_rates={MINI: D("0.95")})

    assert "gpt-image-1-mini is unreliable for this workload: its rejection rate is at the 95% cap" in (
        result.option(MINI).warnings
    )
    assert result.option(MINI).cost.attempts == D("2000")


def test_it_warns_that_a_limit_is_not_listed_but_never_rules_a_model_out_for_it():
    no_ipm = ModelPricing(
        slug="no-ipm",
        image_prices={("low", "1024x1024"): D("0.01")},
        rate_limits={"tier1": RateLimit(supported=True, tpm=1000, ipm=None)},
    )
    result = quote_workload(
        workload=Workload(images_per_month=10**9, size="1024x1024", quality="low"),
        pricings=[no_ipm],
        constraints=RoutingConstraints(tier="tier1"),
    )

    assert result.recommended == "no-ipm"
    assert result.option("no-ipm").warnings == (
        "no-ipm lists no images-per-minute limit for tier1: throughput not checked",
    )


def test_it_breaks_a_tie_on_total_by_the_lower_api_cost_then_by_slug():
    workload = Workload(
        images_per_month=1_000, size="1024x1024", quality="low", cost_per_rejected_image=D("0.01")
    )
    # zeta: 1,250 attempts x 0.006 = 7.50 API + 250 x 0.01 rework = 10.00; alpha: 10.00 API.
    zeta = ModelPricing(slug="zeta", image_prices={("low", "1024x1024"): D("0.006")})
    alpha = ModelPricing(slug="alpha", image_prices={("low", "1024x1024"): D("0.010")})
    alpha_twin = ModelPricing(slug="alpha-twin", image_prices={("low", "1024x1024"): D("0.010")})

    result = quote_workload(
        workload=workload,
        pricings=[alpha_twin, alpha, zeta],
        constraints=RoutingConstraints(),
        rejection_rates={"zeta": D("0.2")},
    )

    assert [o.model for o in result.options] == ["zeta", "alpha", "alpha-twin"]
    assert result.options[0].cost.total == result.options[1].cost.total


def test_it_recommends_nothing_when_no_model_is_eligible():
    result = quote(images_per_month=100, **SQUARE_MEDIUM, constraints=RoutingConstraints(tier="free"))
    missing = quote_workload(
        workload=Workload(images_per_month=1, size="1024x1024", quality="high"),
        pricings=[ModelPricing(slug="low-only", image_prices={("low", "1024x1024"): D("0.01")})],
        constraints=RoutingConstraints(),
    )

    assert result.recommended == FLAGSHIP
    assert missing.recommended is None
    assert missing.option("low-only").reasons == ("low-only lists no price for high 1024x1024 images",)
    assert missing.option("low-only").break_even_rejection_rate is None


def test_it_gives_every_reason_a_model_is_ruled_out():
    result = quote(
        images_per_month=10_000,
        **SQUARE_MEDIUM,
        constraints=RoutingConstraints(tier="free", org_verified=False),
    )
    legacy = ModelPricing(**{**_fields(seed_pricings()[LEGACY]), "requires_org_verification": True})
    both = quote_workload(
        workload=Workload(images_per_month=10, **SQUARE_MEDIUM),
        pricings=[legacy],
        constraints=RoutingConstraints(tier="free", org_verified=False),
    )

    assert result.option(MINI).reasons == ("gpt-image-1-mini is not available on the free tier",)
    assert both.option(LEGACY).reasons == (
        "gpt-image-1 is not available on the free tier",
        "gpt-image-1 requires a verified organization",
    )


def test_it_warns_about_legacy_models():
    result = quote(images_per_month=10, **SQUARE_MEDIUM)

    assert result.option(LEGACY).warnings == ("gpt-image-1 is a legacy model",)


def _fields(pricing: ModelPricing) -> dict:
    return {name: getattr(pricing, name) for name in ModelPricing.__dataclass_fields__}
