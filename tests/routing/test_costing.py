"""The cost arithmetic of domain.md, to the exact Decimal, on the seed catalog."""

from decimal import Decimal

import pytest

from catalog import money
from catalog.costing import ModelPricing, PriceNotListed, Workload, expected_attempts, workload_cost
from tests.routing.seed import FLAGSHIP, LEGACY, MINI, seed_pricings

D = Decimal


def cost(model: str, rejection_rate: str = "0", **workload):
    return workload_cost(Workload(**workload), seed_pricings()[model], rejection_rate=D(rejection_rate))


def rounded(breakdown) -> dict[str, Decimal]:
    return {
        "attempts": money.attempts(breakdown.attempts),
        "output": money.money(breakdown.output),
        "input": money.money(breakdown.input),
        "batch_savings": money.money(breakdown.batch_savings),
        "api": money.money(breakdown.api),
        "rework": money.money(breakdown.rework),
        "total": money.money(breakdown.total),
        "per_image": money.per_image(breakdown.per_image),
    }


@pytest.mark.parametrize(
    ("model", "images", "quality", "expected_total"),
    [
        (MINI, 1_000, "low", D("5.00")),
        (FLAGSHIP, 10_000, "high", D("1330.00")),
        (MINI, 10_000, "medium", D("110.00")),
    ],
)
def test_it_matches_the_articles_examples(model, images, quality, expected_total):
    breakdown = cost(model, images_per_month=images, size="1024x1024", quality=quality)

    assert money.money(breakdown.total) == expected_total
    assert breakdown.input == 0
    assert breakdown.rework == 0


def test_it_bills_rejected_attempts_like_accepted_ones():
    breakdown = cost(MINI, "0.25", images_per_month=10_000, size="1024x1024", quality="medium")

    assert rounded(breakdown) == {
        "attempts": D("13333.33"),
        "output": D("146.67"),
        "input": D("0.00"),
        "batch_savings": D("0.00"),
        "api": D("146.67"),
        "rework": D("0.00"),
        "total": D("146.67"),
        "per_image": D("0.014667"),
    }


TOKEN_WORKLOAD = {
    "images_per_month": 1_000,
    "size": "1024x1024",
    "quality": "medium",
    "prompt_tokens": 500,
    "input_images": 1,
    "tokens_per_input_image": 1_000,
    "cached_input_share": D("0.2"),
}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # text 500 x (0.8 x 2.00 + 0.2 x 0.20) + image 1000 x (0.8 x 2.50 + 0.2 x 0.25) = 2870 per 1M
        (MINI, {"output": D("11.00"), "input": D("2.87"), "total": D("13.87"), "per_image": D("0.01387")}),
        # 500 x 4.25 + 1000 x 6.80 = 8925 per 1M: 8.925 rounds half up to 8.93
        (
            FLAGSHIP,
            {"output": D("34.00"), "input": D("8.93"), "total": D("42.93"), "per_image": D("0.042925")},
        ),
        # 500 x 4.25 + 1000 x 8.50 = 10625 per 1M
        (
            LEGACY,
            {"output": D("42.00"), "input": D("10.63"), "total": D("52.63"), "per_image": D("0.052625")},
        ),
    ],
)
def test_it_prices_prompt_and_input_image_tokens_with_the_cached_share(model, expected):
    figures = rounded(cost(model, **TOKEN_WORKLOAD))

    assert {name: figures[name] for name in expected} == expected


def test_it_takes_the_batch_discount_off_inputs_and_outputs():
    breakdown = cost(MINI, **TOKEN_WORKLOAD, mode="batch")

    # (11.00 + 2.87) x 0.5 = 6.935 off, 6.935 left; both round half up.
    assert rounded(breakdown)["batch_savings"] == D("6.94")
    assert breakdown.api == D("6.935")
    assert rounded(breakdown)["total"] == D("6.94")


def test_it_adds_rework_for_every_rejected_output_and_never_discounts_it():
    workload = {
        "images_per_month": 1_000,
        "size": "1024x1536",
        "quality": "high",
        "cost_per_rejected_image": D("0.10"),
    }

    interactive = cost(MINI, "0.2", **workload)
    batch = cost(MINI, "0.2", **workload, mode="batch")

    # 1,250 attempts at 0.052; 250 rejected at 0.10 each.
    assert rounded(interactive) == {
        "attempts": D("1250.00"),
        "output": D("65.00"),
        "input": D("0.00"),
        "batch_savings": D("0.00"),
        "api": D("65.00"),
        "rework": D("25.00"),
        "total": D("90.00"),
        "per_image": D("0.090000"),
    }
    assert rounded(batch)["api"] == D("32.50")
    assert rounded(batch)["rework"] == D("25.00")
    assert rounded(batch)["total"] == D("57.50")


def test_it_keeps_full_precision_until_the_edge():
    breakdown = cost(MINI, "0.3", images_per_month=7, size="1024x1024", quality="low")

    # 7 / 0.7 = 10 attempts exactly, so 10 x 0.005 = 0.05, not a sum of rounded parts.
    assert breakdown.attempts == D("10")
    assert breakdown.total == D("0.05")


def test_it_refuses_a_rejection_rate_outside_the_cap():
    with pytest.raises(ValueError):
        expected_attempts(10, D("0.96"))


def test_it_raises_when_the_size_and_quality_are_not_listed():
    pricing = ModelPricing(slug="sparse", image_prices={("low", "1024x1024"): D("0.01")})

    with pytest.raises(PriceNotListed, match="sparse lists no price for high 1024x1024 images"):
        workload_cost(
            Workload(images_per_month=1, size="1024x1024", quality="high"), pricing, rejection_rate=D(0)
        )


def test_it_needs_a_token_rate_only_when_those_tokens_are_billed():
    pricing = ModelPricing(
        slug="no-cache",
        image_prices={("low", "1024x1024"): D("0.01")},
        token_rates={"text_input": D("2")},
    )
    uncached = Workload(images_per_month=10, size="1024x1024", quality="low", prompt_tokens=1_000_000)
    cached = Workload(
        images_per_month=10,
        size="1024x1024",
        quality="low",
        prompt_tokens=1_000_000,
        cached_input_share=D("0.5"),
    )

    assert workload_cost(uncached, pricing, rejection_rate=D(0)).input == D("20")
    with pytest.raises(PriceNotListed, match="no-cache lists no cached text input token rate"):
        workload_cost(cached, pricing, rejection_rate=D(0))


def test_it_needs_a_batch_discount_for_batch_mode():
    pricing = ModelPricing(slug="online-only", image_prices={("low", "1024x1024"): D("0.01")})
    workload = Workload(images_per_month=10, size="1024x1024", quality="low", mode="batch")

    with pytest.raises(PriceNotListed, match="online-only lists no Batch API discount"):
        workload_cost(workload, pricing, rejection_rate=D(0))
