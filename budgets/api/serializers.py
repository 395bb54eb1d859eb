"""The teams API's shapes (api.md, "Resources").

Input is exact: a decimal with more places than its column stores is a 400,
never a rounding; unknown fields are 400s; months are ``YYYY-MM`` strings.
"""

import re
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from budgets.models import Alert, Membership, Team, TeamMonth, WorkloadPlan
from budgets.months import MONTH_PATTERN, InvalidMonth, format_month, parse_month
from budgets.notifications import WEBHOOK_URL_MAX_LENGTH, WEBHOOK_URL_PATTERN, webhook_url_validator
from budgets.services import PLAN_FIELDS
from catalog import money
from catalog.api.serializers import CatalogDecimalField
from catalog.constants import Tier
from catalog.costing import MAX_REJECTION_RATE
from catalog.models import MODEL_SLUG_PATTERN, MODEL_SLUG_SCHEMA_PATTERN, ImageModel
from config.api import IdField, IdRelatedField, QuerySerializer, StrictInputSerializer
from routing.api.serializers import (
    MAX_COST_PER_REJECTED_IMAGE,
    MAX_PEAK_IMAGES_PER_MINUTE,
    CatalogVersionRefSerializer,
    QuoteOptionSerializer,
    StrictSerializer,
    WorkloadFieldsSerializer,
)

DEFAULT_THRESHOLDS = [80, 100]
MAX_THRESHOLDS = 5
MAX_BUDGET_OVERRIDES = 600
MAX_RETRY_COUNT = 10**12


# --- Fields ------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2026-12"})
class MonthField(serializers.Field):
    """A calendar month, ``YYYY-MM`` (``budgets.months``)."""

    def to_internal_value(self, data: Any):
        try:
            return parse_month(data)
        except InvalidMonth as error:
            raise serializers.ValidationError(str(error)) from error

    def to_representation(self, value) -> str:
        return format_month(value)


class ExactDecimalField(CatalogDecimalField):
    """A decimal as a JSON string, as exact as its column: "0.250000" is fine, "0.2500001"
    is a 400 when the column keeps 6 places. Written back without trailing zeros."""


class MoneyField(ExactDecimalField):
    """USD to the cent, more than 0; written with two places ("200.00")."""

    more_than_zero = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=16, decimal_places=2, **kwargs)
        self.validators.append(_more_than_zero)

    def to_representation(self, value: Any) -> str:
        return str(money.money(Decimal(value)))


def _more_than_zero(value: Decimal) -> None:
    if value <= 0:
        raise serializers.ValidationError("Must be more than 0.")


def stored_rate_field(*, maximum: Decimal, **kwargs: Any) -> ExactDecimalField:
    """A rate or share in [0, maximum], with at most the 6 places a plan stores."""
    return ExactDecimalField(
        max_digits=7, decimal_places=6, min_value=Decimal(0), max_value=maximum, **kwargs
    )


@extend_schema_field({"type": "string", "pattern": MODEL_SLUG_SCHEMA_PATTERN})
class ModelSlugField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "An image model's slug.")
        super().__init__(
            slug_field="slug",
            queryset=ImageModel.objects.all(),
            error_messages={"does_not_exist": "Unknown model {value}.", "invalid": "Give a model slug."},
            **kwargs,
        )

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # DRF reads "" as null on relations (for HTML forms); in JSON it is a mistake.
        if data == "":
            self.fail("invalid")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Any:
        # Checked before any query: PostgreSQL refuses a NUL in a text parameter (a 500).
        if not isinstance(data, str) or not re.fullmatch(MODEL_SLUG_PATTERN, data):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Teams -------------------------------------------------------------------------------


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": WEBHOOK_URL_PATTERN, "maxLength": WEBHOOK_URL_MAX_LENGTH},
            {"type": "string", "enum": [""]},
        ]
    }
)
class WebhookUrlField(serializers.CharField):
    """An http(s) URL matching ``WEBHOOK_URL_PATTERN``, or "" for none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=WEBHOOK_URL_MAX_LENGTH, allow_blank=True, trim_whitespace=False, **kwargs)
        self.validators.append(webhook_url_validator)


def webhook_url_field(**kwargs: Any) -> serializers.CharField:
    return WebhookUrlField(help_text="Where alerts are POSTed as signed JSON; empty for none.", **kwargs)


class TeamSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True, help_text="Made from the name; never changes.")
    name = serializers.CharField(read_only=True)
    tier = serializers.ChoiceField(choices=Tier.choices, read_only=True)
    org_verified = serializers.BooleanField(read_only=True)
    webhook_url = WebhookUrlField(read_only=True, help_text="Where alerts are POSTed; empty for none.")
    role = serializers.ChoiceField(
        choices=Membership.Role.choices, read_only=True, help_text="The caller's role."
    )
    webhook_secret = serializers.SerializerMethodField(
        help_text="The key of the webhook's HMAC-SHA256 signature; shown to owners only (null for others)."
    )
    created_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_webhook_secret(self, team: Team) -> str | None:
        return team.webhook_secret if team.role == Membership.Role.OWNER else None


class TeamCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    tier = serializers.ChoiceField(choices=Tier.choices, default=Tier.TIER1)
    org_verified = serializers.BooleanField(default=False)
    webhook_url = webhook_url_field(default="")


class TeamUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    org_verified = serializers.BooleanField(required=False)
    webhook_url = webhook_url_field(required=False)


class WebhookTestResultSerializer(serializers.Serializer):
    delivered = serializers.BooleanField(help_text="The webhook answered 2xx.")
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    delivery_id = serializers.IntegerField(help_text="The attempt's entry in the delivery log.")


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField()
    url = serializers.URLField()
    attempt = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    duration_ms = serializers.IntegerField()
    delivered = serializers.BooleanField()
    alert_notification = serializers.IntegerField(source="notification_id", allow_null=True)
    created_at = serializers.DateTimeField()


# --- Members -----------------------------------------------------------------------------


class MembershipSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    joined_at = serializers.DateTimeField(source="created_at")


class MembershipCreateSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150, required=False)
    email = serializers.EmailField(required=False)
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if ("username" in attrs) == ("email" in attrs):
            raise serializers.ValidationError({"username": ["Give a username or an email (one of them)."]})
        return attrs


class MembershipByUsernameSerializer(StrictSerializer):
    """Schema only: ``MembershipCreateSerializer`` naming the user by username."""

    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)


class MembershipByEmailSerializer(StrictSerializer):
    """Schema only: ``MembershipCreateSerializer`` naming the user by email."""

    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)


MEMBERSHIP_CREATE_SCHEMA = PolymorphicProxySerializer(
    component_name="MembershipCreate",
    serializers=[MembershipByUsernameSerializer, MembershipByEmailSerializer],
    resource_type_field_name=None,
)


class MembershipUpdateSerializer(StrictSerializer):
    role = serializers.ChoiceField(
        choices=Membership.Role.choices, required=False, help_text="Left out: the role stays."
    )


# --- Budget ------------------------------------------------------------------------------


class StrictNestedSerializer(StrictInputSerializer):
    """A nested object that refuses unknown fields and values not in their JSON type."""


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": 1000},
        "minItems": 1,
        "maxItems": MAX_THRESHOLDS,
        "uniqueItems": True,
    }
)
class ThresholdsField(serializers.ListField):
    """Alert thresholds, in percent: distinct (``BudgetSerializer.validate_thresholds``)."""


class BudgetOverrideSerializer(StrictNestedSerializer):
    month = MonthField()
    amount = MoneyField()


class BudgetSerializer(StrictSerializer):
    monthly_amount = MoneyField(allow_null=True, help_text="USD per month; null: no budget.")
    overrides = BudgetOverrideSerializer(
        many=True,
        default=list,
        max_length=MAX_BUDGET_OVERRIDES,
        help_text="A different amount for single months, each month at most once.",
    )
    thresholds = ThresholdsField(
        child=serializers.IntegerField(min_value=1, max_value=1000),
        min_length=1,
        max_length=MAX_THRESHOLDS,
        default=lambda: list(DEFAULT_THRESHOLDS),
        help_text="Percentages of the month's budget at which an alert opens: 1 to 5, distinct.",
    )

    def validate_overrides(self, value: list[dict]) -> list[dict]:
        months = [override["month"] for override in value]
        repeated = sorted({format_month(m) for m in months if months.count(m) > 1})
        if repeated:
            raise serializers.ValidationError(f"Each month at most once: {', '.join(repeated)} repeated.")
        return value

    def validate_thresholds(self, value: list[int]) -> list[int]:
        repeated = sorted({p for p in value if value.count(p) > 1})
        if repeated:
            raise serializers.ValidationError(
                f"Each threshold at most once: {', '.join(map(str, repeated))} repeated."
            )
        return value


# --- Plans -------------------------------------------------------------------------------

PLAN_FIELD_ORDER = (
    "id",
    *PLAN_FIELDS,
    "recommended_model",
    "projected_monthly_cost",
    "computed_at",
    "stale",
)


class WorkloadPlanSerializer(StrictSerializer, WorkloadFieldsSerializer):
    """A plan: the quote's workload fields, as exact as the plan stores them, and its months."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    cached_input_share = stored_rate_field(
        maximum=Decimal(1), default=Decimal(0), help_text="Share of input tokens served from cache (c)."
    )
    rejection_rate = stored_rate_field(
        maximum=MAX_REJECTION_RATE,
        default=Decimal(0),
        help_text="Assumed share of outputs rejected, for every model without its own rate (r0).",
    )
    rejection_rates = serializers.DictField(
        child=stored_rate_field(maximum=MAX_REJECTION_RATE),
        default=dict,
        help_text="Assumed rejection rate per model slug; overrides rejection_rate for that model.",
    )
    cost_per_rejected_image = ExactDecimalField(
        max_digits=16,
        decimal_places=6,
        min_value=Decimal(0),
        max_value=MAX_COST_PER_REJECTED_IMAGE,
        default=Decimal(0),
        help_text="Human cost (USD) of one rejected output: review, cleanup (F).",
    )
    peak_images_per_minute = ExactDecimalField(
        max_digits=16,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=MAX_PEAK_IMAGES_PER_MINUTE,
        allow_null=True,
        default=None,
        help_text="Accepted images per minute at peak; checked against the tier's IPM in interactive mode.",
    )
    start_month = MonthField(help_text="The first month the plan runs, YYYY-MM.")
    end_month = MonthField(
        allow_null=True, default=None, help_text="The last month the plan runs, YYYY-MM; null: no end."
    )
    pinned_model = ModelSlugField(
        allow_null=True,
        default=None,
        help_text="Project with this model instead of the recommended one; null: follow the recommendation.",
    )
    recommended_model = serializers.CharField(
        source="recommended_model_slug",
        read_only=True,
        allow_null=True,
        help_text="The cheapest eligible model under today's prices; null until computed or if none is.",
    )
    projected_monthly_cost = serializers.SerializerMethodField(
        help_text="This month's projected cost in USD; null when not computed or not running this month."
    )
    computed_at = serializers.DateTimeField(
        source="recommendation_computed_at", read_only=True, allow_null=True
    )
    stale = serializers.SerializerMethodField(help_text="A recompute of the team is pending.")

    def to_representation(self, plan: WorkloadPlan) -> dict:
        body = super().to_representation(plan)
        # Stored blank when no model was eligible.
        body["recommended_model"] = body["recommended_model"] or None
        return {name: body[name] for name in PLAN_FIELD_ORDER}

    @extend_schema_field(serializers.DecimalField(max_digits=30, decimal_places=2, allow_null=True))
    def get_projected_monthly_cost(self, plan: WorkloadPlan) -> str | None:
        cost = getattr(plan, "this_month_cost", None)
        return None if cost is None else str(money.money(cost))

    def get_stale(self, plan: WorkloadPlan) -> bool:
        return bool(self.context.get("stale", False))

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        plan = self.instance
        start = attrs.get("start_month", plan.start_month if plan else None)
        end = attrs.get("end_month", plan.end_month if plan else None)
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError(
                {"end_month": [f"Must not be before start_month ({format_month(start)})."]}
            )
        return attrs


class PlanFilterSerializer(QuerySerializer):
    active_in = MonthField(required=False, help_text="Only plans running in this month, YYYY-MM.")
    search = serializers.CharField(required=False, max_length=200, help_text="Part of the plan's name.")
    model = serializers.CharField(
        required=False, max_length=100, help_text="Only plans pinned to, or recommended, this model slug."
    )


class PlanRecommendationSerializer(serializers.Serializer):
    """The stored plan quoted under today's prices, in the quote's shape."""

    catalog_version = CatalogVersionRefSerializer(allow_null=True, help_text="Null: no version in force.")
    recommended = serializers.CharField(allow_null=True)
    options = QuoteOptionSerializer(many=True)
    pinned_model = serializers.CharField(allow_null=True)
    monthly_saving_by_switching = serializers.DecimalField(
        max_digits=30,
        decimal_places=2,
        allow_null=True,
        help_text="What the pinned plan would save each month on the recommended model.",
    )
    computed_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text="A recompute of the team is pending.")


# --- Retry statistics --------------------------------------------------------------------


class RetryStatisticSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    model = ModelSlugField()
    plan = IdRelatedField(
        queryset=WorkloadPlan.objects.all(),
        allow_null=True,
        default=None,
        error_messages={"does_not_exist": "No plan {pk_value} in this team."},
        help_text="The plan observed (an id); null: team-wide.",
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    attempts = serializers.IntegerField(min_value=0, max_value=MAX_RETRY_COUNT)
    accepted = serializers.IntegerField(min_value=0, max_value=MAX_RETRY_COUNT)
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.CharField(
        source="created_by.username", read_only=True, allow_null=True, help_text="Who recorded it."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = self.context.get("team")
        if team is not None:
            self.fields["plan"].queryset = WorkloadPlan.objects.filter(team=team)

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        if attrs["period_start"] > attrs["period_end"]:
            raise serializers.ValidationError({"period_end": ["Must not be before period_start."]})
        if attrs["accepted"] > attrs["attempts"]:
            raise serializers.ValidationError({"accepted": ["Must not be more than attempts."]})
        return attrs


class RetryStatisticFilterSerializer(QuerySerializer):
    model = serializers.CharField(required=False, max_length=100, help_text="A model slug.")
    plan = IdField(required=False, help_text="A plan id.")


class RetryRatesQuerySerializer(QuerySerializer):
    plan = IdField(required=False, help_text="A plan id; without it, the team-wide rates (assumed 0).")


class RetryRateSerializer(serializers.Serializer):
    model = serializers.CharField()
    observed_from = serializers.ChoiceField(
        choices=["plan", "team", "none"],
        help_text="Whose records were counted: the plan's own, the team-wide ones, or none.",
    )
    attempts = serializers.IntegerField()
    accepted = serializers.IntegerField()
    assumed_rejection_rate = serializers.DecimalField(max_digits=5, decimal_places=4, source="assumed")
    rejection_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, source="smoothed", help_text="Smoothed, as the recompute uses it."
    )
    unreliable = serializers.BooleanField(help_text="The rate is at the 0.95 cap.")


# --- Projections -------------------------------------------------------------------------


class ProjectionQuerySerializer(QuerySerializer):
    month = MonthField(required=False, help_text="YYYY-MM; default: the current month.")


class ProjectionPlanSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    name = serializers.CharField()
    model = serializers.CharField(allow_null=True, help_text="The model of the month's last price range.")
    total_cost = serializers.DecimalField(max_digits=30, decimal_places=2)


class ProjectionSerializer(serializers.Serializer):
    month = MonthField()
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    projected_total = serializers.DecimalField(max_digits=30, decimal_places=2)
    share_of_budget = serializers.DecimalField(
        max_digits=30, decimal_places=4, allow_null=True, help_text="Null without a budget."
    )
    status = serializers.ChoiceField(choices=TeamMonth.Status.choices)
    plans = ProjectionPlanSerializer(many=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField(help_text="A recompute of the team is pending.")


# --- Alerts ------------------------------------------------------------------------------


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = MonthField()
    threshold = serializers.IntegerField(help_text="Percent of the month's budget.")
    state = serializers.ChoiceField(choices=Alert.State.choices)
    projected_total = serializers.DecimalField(max_digits=16, decimal_places=2)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2)
    opened_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", allow_null=True)


class AlertFilterSerializer(QuerySerializer):
    state = serializers.ChoiceField(choices=Alert.State.choices, required=False)
    month = MonthField(required=False, help_text="YYYY-MM.")
