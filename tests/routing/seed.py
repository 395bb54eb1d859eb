"""The seed catalog as plain ``ModelPricing`` values, for tests that need no database."""

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from catalog.costing import ModelPricing, RateLimit

SEED_FILE = Path(__file__).resolve().parents[2] / "catalog" / "data" / "openai-2026-03-27.json"

MINI = "gpt-image-1-mini"
FLAGSHIP = "gpt-image-1.5"
LEGACY = "gpt-image-1"


@cache
def seed_pricings() -> dict[str, ModelPricing]:
    data = json.loads(SEED_FILE.read_text())
    pricings = {}
    for model in data["models"]:
        slug = model["slug"]
        pricings[slug] = ModelPricing(
            slug=slug,
            name=model["name"],
            role=model["role"],
            lifecycle=model["lifecycle"],
            requires_org_verification=model["requires_org_verification"],
            image_prices={
                (row["quality"], row["size"]): Decimal(row["price"])
                for row in data["image_prices"]
                if row["model"] == slug
            },
            token_rates={
                row["kind"]: Decimal(row["per_million"])
                for row in data["token_rates"]
                if row["model"] == slug
            },
            batch_discount=next(
                (Decimal(row["discount"]) for row in data["batch_discounts"] if row["model"] == slug), None
            ),
            rate_limits={
                row["tier"]: RateLimit(supported=row["supported"], tpm=row["tpm"], ipm=row["ipm"])
                for row in data["rate_limits"]
                if row["model"] == slug
            },
        )
    return pricings
