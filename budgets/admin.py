"""Teams in the Django admin: where staff see them (they never do through the API).

Read-only: people change teams through the API and its services, and the
recompute owns everything derived. The one write is an action that marks teams
for a recompute, as any change does.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from budgets.models import (
    Alert,
    AlertNotification,
    AlertThreshold,
    Budget,
    BudgetOverride,
    Membership,
    PlanRecommendation,
    Projection,
    RecomputeMark,
    RetryStatistic,
    Team,
    TeamMonth,
    WebhookDelivery,
    WorkloadPlan,
)
from budgets.recompute import recompute_request


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        excluded = set(self.exclude or ())
        return [
            field.name
            for field in self.model._meta.concrete_fields
            if not field.auto_created and field.name not in excluded
        ]


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return list(self.fields)


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["user", "role", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("user")


class BudgetInline(ReadOnlyInline):
    model = Budget
    fields = ["monthly_amount", "updated_at"]


class BudgetOverrideInline(ReadOnlyInline):
    model = BudgetOverride
    fields = ["month", "amount"]


class AlertThresholdInline(ReadOnlyInline):
    model = AlertThreshold
    fields = ["percent"]


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "tier", "org_verified", "members", "stale", "created_at"]
    list_filter = ["tier", "org_verified"]
    search_fields = ["name", "slug", "memberships__user__username"]
    # The webhook secret signs the team's webhooks: not shown, even to staff.
    exclude = ["webhook_secret"]
    inlines = [MembershipInline, BudgetInline, BudgetOverrideInline, AlertThresholdInline]
    actions = ["recompute"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("recompute_mark")
            .annotate(member_count=Count("memberships", distinct=True))
        )

    @admin.display(description="members", ordering="member_count")
    def members(self, team: Team) -> int:
        return team.member_count

    @admin.display(description="recompute pending", boolean=True)
    def stale(self, team: Team) -> bool:
        return hasattr(team, "recompute_mark")

    @admin.action(description="Recompute projections, recommendations and alerts")
    def recompute(self, request: HttpRequest, queryset: QuerySet) -> None:
        team_ids = list(queryset.values_list("pk", flat=True))
        with transaction.atomic():
            recompute_request(team_ids=team_ids, reason=f"admin {request.user}")
        self.message_user(request, f"Recompute queued for {len(team_ids)} team(s).", messages.SUCCESS)


@admin.register(WorkloadPlan)
class WorkloadPlanAdmin(ReadOnlyAdmin):
    list_display = [
        "name",
        "team",
        "images_per_month",
        "size",
        "quality",
        "mode",
        "start_month",
        "end_month",
        "pinned_model",
    ]
    list_filter = ["size", "quality", "mode"]
    list_select_related = ["team", "pinned_model"]
    search_fields = ["name", "team__name", "team__slug"]


@admin.register(PlanRecommendation)
class PlanRecommendationAdmin(ReadOnlyAdmin):
    list_display = ["plan", "recommended_model", "catalog_version", "computed_at"]
    list_select_related = ["plan", "catalog_version"]
    search_fields = ["plan__name", "plan__team__slug"]


@admin.register(RetryStatistic)
class RetryStatisticAdmin(ReadOnlyAdmin):
    list_display = [
        "team",
        "model",
        "plan",
        "period_start",
        "period_end",
        "attempts",
        "accepted",
        "created_by",
    ]
    list_filter = ["model"]
    list_select_related = ["team", "model", "plan", "created_by"]
    search_fields = ["team__name", "team__slug", "plan__name"]


@admin.register(Projection)
class ProjectionAdmin(ReadOnlyAdmin):
    list_display = ["team", "plan", "month", "model", "total_cost", "computed_at"]
    list_filter = ["month", "model"]
    list_select_related = ["team", "plan"]
    search_fields = ["team__name", "team__slug", "plan__name"]


@admin.register(TeamMonth)
class TeamMonthAdmin(ReadOnlyAdmin):
    list_display = ["team", "month", "budget", "projected_total", "status", "computed_at"]
    list_filter = ["status", "month"]
    list_select_related = ["team"]
    search_fields = ["team__name", "team__slug"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = [
        "team",
        "month",
        "threshold",
        "state",
        "projected_total",
        "budget",
        "openings",
        "opened_at",
        "resolved_at",
        "acknowledged_by",
    ]
    list_filter = ["state", "month"]
    list_select_related = ["team", "acknowledged_by"]
    search_fields = ["team__name", "team__slug"]


@admin.register(AlertNotification)
class AlertNotificationAdmin(ReadOnlyAdmin):
    list_display = ["alert", "opening", "channel", "state", "attempts", "created_at", "sent_at"]
    list_filter = ["channel", "state"]
    list_select_related = ["alert"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "team",
        "event",
        "url",
        "attempt",
        "status_code",
        "delivered",
        "duration_ms",
        "created_at",
    ]
    list_filter = ["event", "delivered"]
    list_select_related = ["team"]
    search_fields = ["team__name", "team__slug", "url"]


@admin.register(RecomputeMark)
class RecomputeMarkAdmin(ReadOnlyAdmin):
    list_display = ["team", "reason", "requested_at", "queued_at"]
    list_select_related = ["team"]
