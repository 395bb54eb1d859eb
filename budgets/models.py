"""Teams, their plans and budgets, and what the recompute pipeline derives from them.

Written by people (through ``budgets.services``): teams, memberships, budgets,
thresholds, workload plans, retry statistics. Derived by the recompute
(``budgets.recompute``): recommendations, projections, team months, alerts and
their notifications. ``RecomputeMark`` is the durable "needs recompute" mark
written in the same transaction as every change that moves the numbers.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from catalog.constants import Mode, Quality, Size, Tier
from catalog.models import CatalogVersion, ImageModel

MONEY_DIGITS = {"max_digits": 16, "decimal_places": 2}
# Derived money keeps precision well past the cent so sums round only at the edge.
PRECISE_MONEY_DIGITS = {"max_digits": 30, "decimal_places": 10}
RATE_DIGITS = {"max_digits": 7, "decimal_places": 6}


def _new_webhook_secret() -> str:
    return secrets.token_hex(32)


class Team(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.TIER1)
    org_verified = models.BooleanField(default=False)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, default=_new_webhook_secret)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"
        VIEWER = "viewer", "Viewer"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team_id", "user__username"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="membership_unique_user")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} of {self.team_id}"


class Budget(models.Model):
    """A team's monthly budget (null: none set) and, apart, its per-month overrides."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, primary_key=True, related_name="budget")
    monthly_amount = models.DecimalField(null=True, blank=True, **MONEY_DIGITS)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="budget_amount_positive",
                condition=Q(monthly_amount__isnull=True) | Q(monthly_amount__gt=0),
            )
        ]

    def __str__(self) -> str:
        return f"budget of team {self.team_id}: {self.monthly_amount}"


class BudgetOverride(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="budget_overrides")
    month = models.DateField(help_text="First day of the month.")
    amount = models.DecimalField(**MONEY_DIGITS)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month"], name="budget_override_unique_month"),
            models.CheckConstraint(name="budget_override_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="budget_override_first_of_month", condition=Q(month__day=1)),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.amount}"


class AlertThreshold(models.Model):
    """A percentage of the month's budget at which an alert opens."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alert_thresholds")
    percent = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["percent"]
        constraints = [
            models.UniqueConstraint(fields=["team", "percent"], name="alert_threshold_unique_percent"),
            models.CheckConstraint(
                name="alert_threshold_in_range", condition=Q(percent__gte=1, percent__lte=1000)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent}%"


class WorkloadPlan(models.Model):
    """A named, stored workload of a team, active from ``start_month`` to ``end_month``."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="plans")
    name = models.CharField(max_length=200)
    images_per_month = models.PositiveBigIntegerField()
    size = models.CharField(max_length=10, choices=Size.choices)
    quality = models.CharField(max_length=10, choices=Quality.choices)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.INTERACTIVE)
    prompt_tokens = models.PositiveBigIntegerField(default=0)
    input_images = models.PositiveBigIntegerField(default=0)
    tokens_per_input_image = models.PositiveBigIntegerField(default=0)
    cached_input_share = models.DecimalField(default=0, **RATE_DIGITS)
    rejection_rate = models.DecimalField(default=0, **RATE_DIGITS)
    # {model slug: rate as a decimal string}; overrides rejection_rate per model.
    rejection_rates = models.JSONField(default=dict, blank=True)
    cost_per_rejected_image = models.DecimalField(default=0, max_digits=16, decimal_places=6)
    peak_images_per_minute = models.DecimalField(null=True, blank=True, max_digits=16, decimal_places=4)
    start_month = models.DateField(help_text="First day of the first month the plan runs.")
    end_month = models.DateField(null=True, blank=True, help_text="First day of the last month, if any.")
    pinned_model = models.ForeignKey(
        ImageModel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["team", "start_month"])]
        constraints = [
            models.CheckConstraint(name="plan_images_positive", condition=Q(images_per_month__gte=1)),
            models.CheckConstraint(
                name="plan_cached_share_in_range",
                condition=Q(cached_input_share__gte=0, cached_input_share__lte=1),
            ),
            models.CheckConstraint(
                name="plan_rejection_rate_in_range",
                condition=Q(rejection_rate__gte=0, rejection_rate__lte=0.95),
            ),
            models.CheckConstraint(
                name="plan_rework_non_negative", condition=Q(cost_per_rejected_image__gte=0)
            ),
            models.CheckConstraint(
                name="plan_peak_non_negative",
                condition=Q(peak_images_per_minute__isnull=True) | Q(peak_images_per_minute__gte=0),
            ),
            models.CheckConstraint(name="plan_start_first_of_month", condition=Q(start_month__day=1)),
            models.CheckConstraint(
                name="plan_end_not_before_start",
                condition=Q(end_month__isnull=True) | Q(end_month__gte=F("start_month")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RetryStatistic(models.Model):
    """Observed attempts and accepted outputs of one model over a period."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="retry_statistics")
    model = models.ForeignKey(ImageModel, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(
        WorkloadPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="retry_statistics"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    attempts = models.PositiveBigIntegerField()
    accepted = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-id"]
        indexes = [models.Index(fields=["team", "model"])]
        constraints = [
            models.CheckConstraint(
                name="retry_accepted_within_attempts", condition=Q(accepted__lte=F("attempts"))
            ),
            models.CheckConstraint(
                name="retry_period_in_order", condition=Q(period_start__lte=F("period_end"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_id}: {self.accepted}/{self.attempts} accepted"


class PlanRecommendation(models.Model):
    """A plan quoted under the prices in force today, as the quote's response."""

    plan = models.OneToOneField(
        WorkloadPlan, on_delete=models.CASCADE, primary_key=True, related_name="recommendation"
    )
    catalog_version = models.ForeignKey(
        CatalogVersion, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recommended_model = models.CharField(max_length=100, blank=True)
    quote = models.JSONField()
    # A digest of ``quote``: a recompute that comes to the same quote skips the row (see
    # ``budgets.recompute``), so ``computed_at`` says when this quote was last written.
    quote_digest = models.CharField(max_length=32, blank=True)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"plan {self.plan_id}: {self.recommended_model or 'nothing eligible'}"


class Projection(models.Model):
    """The cost of one plan for one calendar month under the prices in force during it."""

    # No single-column indexes: (team, month) and (plan, month) lead with them, and every
    # index is one more write for each of the rows a recompute rewrites.
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="projections", db_index=False)
    plan = models.ForeignKey(
        WorkloadPlan, on_delete=models.CASCADE, related_name="projections", db_index=False
    )
    month = models.DateField()
    # The model of the month's last range; blank when no model could price the plan.
    model = models.CharField(max_length=100, blank=True)
    output_cost = models.DecimalField(**PRECISE_MONEY_DIGITS)
    input_cost = models.DecimalField(**PRECISE_MONEY_DIGITS)
    batch_savings = models.DecimalField(**PRECISE_MONEY_DIGITS)
    api_cost = models.DecimalField(**PRECISE_MONEY_DIGITS)
    rework_cost = models.DecimalField(**PRECISE_MONEY_DIGITS)
    total_cost = models.DecimalField(**PRECISE_MONEY_DIGITS)
    # [{"catalog_version", "label", "from", "to", "days", "model", "monthly_cost"}], one per range.
    priced_by = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "plan_id"]
        indexes = [models.Index(fields=["team", "month"])]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="projection_unique_plan_month"),
            models.CheckConstraint(name="projection_first_of_month", condition=Q(month__day=1)),
        ]

    def __str__(self) -> str:
        return f"plan {self.plan_id} {self.month:%Y-%m}: {self.total_cost}"


class TeamMonth(models.Model):
    """A team's budget against its projected total for one month."""

    class Status(models.TextChoices):
        OK = "ok", "Within budget"
        WARNING = "warning", "Warning"
        OVER = "over", "Over budget"
        NO_BUDGET = "no_budget", "No budget"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="months")
    month = models.DateField()
    budget = models.DecimalField(null=True, blank=True, **MONEY_DIGITS)
    projected_total = models.DecimalField(**PRECISE_MONEY_DIGITS)
    status = models.CharField(max_length=10, choices=Status.choices)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["team", "month"], name="team_month_unique"),
            models.CheckConstraint(name="team_month_first_of_month", condition=Q(month__day=1)),
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} {self.month:%Y-%m}: {self.status}"


class Alert(models.Model):
    """One per team, month and threshold: opens, resolves and reopens by itself."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alerts")
    month = models.DateField()
    threshold = models.PositiveSmallIntegerField(help_text="Percent of the month's budget.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    projected_total = models.DecimalField(**MONEY_DIGITS)
    budget = models.DecimalField(**MONEY_DIGITS)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How many times it opened; each opening notifies once.
    openings = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["team", "-opened_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "month", "threshold"], name="alert_unique_team_month_threshold"
            ),
            models.CheckConstraint(
                name="alert_resolved_has_timestamp",
                condition=Q(state="open") | Q(resolved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"team {self.team_id} {self.month:%Y-%m} at {self.threshold}%: {self.state}"


class AlertNotification(models.Model):
    """The outbox: one row per alert opening and channel, written with the opening itself."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    opening = models.PositiveIntegerField()
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "opening", "channel"], name="alert_notification_once_per_opening"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} for alert {self.alert_id} opening {self.opening}: {self.state}"


class WebhookDelivery(models.Model):
    """Every attempt to POST to a team's webhook, for the team to see."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_deliveries")
    notification = models.ForeignKey(
        AlertNotification, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    url = models.URLField(max_length=500)
    attempt = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    delivered = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} to {self.url} attempt {self.attempt}: {self.status_code or self.error}"


class RecomputeMark(models.Model):
    """A team's projections are stale: written with the change, deleted by the recompute.

    Each marking draws a new ``token``; the recompute deletes the mark only if
    the token is still the one it started from, so a change made during a
    recompute leaves its mark for the next one.
    """

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, primary_key=True, related_name="recompute_mark"
    )
    token = models.UUIDField(default=uuid.uuid4)
    requested_at = models.DateTimeField()
    # When its job was last queued; null: not queued (the broker was down), so the sweep will.
    queued_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"team {self.team_id} stale since {self.requested_at}"
