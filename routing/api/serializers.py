"""The quote's request and response, exactly as api.md fixes them."""

from decimal import Decimal

from rest_framework import serializers

from catalog.constants import Mode, Quality, Size, Tier
from catalog.costing import MAX_REJECTION_RATE
from catalog.selectors import image_model_slugs
from config.api import IdField, StrictInputSerializer

MAX_IMAGES_PER_MONTH = 1_000_000_000
MAX_TOKENS = 10_000_000
MAX_COST_PER_REJECTED_IMAGE = Decimal("1000000")
MAX_PEAK_IMAGES_PER_MINUTE = Decimal("100000000")


def rate_field(*, maximum: Decimal, **kwargs) -> serializers.DecimalField:
    """A rate or share: a decimal in [0, maximum], exact (up to 20 places, never rounded)."""
    return serializers.DecimalField(
        max_digits=30, decimal_places=20, min_value=Decimal(0), max_value=maximum, **kwargs
    )


def token_count_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_TOKENS, default=0, **kwargs)


class WorkloadFieldsSerializer(serializers.Serializer):
    """The workload fields a quote and a plan share."""

    images_per_month = serializers.IntegerField(
        min_value=1, max_value=MAX_IMAGES_PER_MONTH, help_text="Accepted images wanted per month (V)."
    )
    size = serializers.ChoiceField(choices=Size.choices)
    quality = serializers.ChoiceField(choices=Quality.choices)
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.INTERACTIVE)
    prompt_tokens = token_count_field(help_text="Prompt text tokens per request (Tt).")
    input_images = token_count_field(help_text="Input images per request (n).")
    tokens_per_input_image = token_count_field(help_text="Image tokens per input image (Ti).")
    cached_input_share = rate_field(
        maximum=Decimal(1), default=Decimal(0), help_text="Share of input tokens served from cache (c)."
    )
    rejection_rate = rate_field(
        maximum=MAX_REJECTION_RATE,
        default=Decimal(0),
        help_text="Share of outputs rejected, for every model without its own rate (r).",
    )
    rejection_rates = serializers.DictField(
        child=rate_field(maximum=MAX_REJECTION_RATE),
        default=dict,
        help_text="Rejection rate per model slug; overrides rejection_rate for that model.",
    )
    cost_per_rejected_image = serializers.DecimalField(
        max_digits=30,
        decimal_places=20,
        min_value=Decimal(0),
        max_value=MAX_COST_PER_REJECTED_IMAGE,
        default=Decimal(0),
        help_text="Human cost (USD) of one rejected output: review, cleanup (F).",
    )
    peak_images_per_minute = serializers.DecimalField(
        max_digits=30,
        decimal_places=20,
        min_value=Decimal(0),
        max_value=MAX_PEAK_IMAGES_PER_MINUTE,
        allow_null=True,
        default=None,
        help_text="Accepted images per minute at peak; checked against the tier's IPM in interactive mode.",
    )

    def validate_rejection_rates(self, value: dict) -> dict:
        if not value:
            return value
        # Compared in Python: a key is never put in a query (PostgreSQL refuses NUL, a 500).
        unknown = sorted(set(value) - image_model_slugs())
        if unknown:
            raise serializers.ValidationError(f"Unknown model: {', '.join(unknown)}.")
        return value


class StrictSerializer(StrictInputSerializer):
    """Fields not listed here are refused, and each field takes exactly its JSON type."""


class QuoteRequestSerializer(StrictSerializer, WorkloadFieldsSerializer):
    tier = serializers.ChoiceField(
        choices=Tier.choices, allow_null=True, default=None, help_text="Usage tier; null skips tier checks."
    )
    org_verified = serializers.BooleanField(default=True)
    models = serializers.ListField(
        child=serializers.CharField(max_length=100),
        allow_null=True,
        allow_empty=False,
        default=None,
        help_text="Limit the candidates to these model slugs (default: every model of the version).",
    )
    catalog_version = IdField(
        allow_null=True, default=None, help_text="Price with this catalog version (an id)."
    )
    as_of = serializers.DateField(
        allow_null=True, default=None, help_text="Price with the version in force on this date."
    )

    def validate_models(self, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        value = list(dict.fromkeys(value))
        known = image_model_slugs()
        unknown = [slug for slug in value if slug not in known]
        if unknown:
            raise serializers.ValidationError(f"Unknown model: {', '.join(unknown)}.")
        return value

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if attrs["catalog_version"] is not None and attrs["as_of"] is not None:
            raise serializers.ValidationError({"as_of": ["Give catalog_version or as_of, not both."]})
        return attrs


class CatalogVersionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    effective_from = serializers.DateField()


class QuoteOptionSerializer(serializers.Serializer):
    """One model of a quote; money fields are null when the model is ineligible (schema only)."""

    model = serializers.CharField()
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    rejection_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    attempts_per_month = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    output_cost = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    input_cost = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    batch_savings = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    api_cost = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    rework_cost = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    total_cost = serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True)
    cost_per_accepted_image = serializers.DecimalField(max_digits=30, decimal_places=6, allow_null=True)
    break_even_rejection_rate = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True)


class QuoteResponseSerializer(serializers.Serializer):
    """The quote's response; the body itself comes from ``routing.presenting.quote_as_dict``."""

    catalog_version = CatalogVersionRefSerializer()
    recommended = serializers.CharField(allow_null=True)
    options = QuoteOptionSerializer(many=True)
