"""Reads of the budgets app, for the API: teams through the caller's memberships, plans,
budgets, retry statistics, projections and alerts.

Every function takes keyword arguments and reads a fixed number of queries,
however many rows there are, so list pages stay flat as a team grows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum

from budgets.models import (
    Alert,
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
from budgets.months import format_month, month_of, months_from
from budgets.projections import month_status
from budgets.smoothing import smoothed_rejection_rate
from catalog import money
from catalog.costing import MAX_REJECTION_RATE
from catalog.models import ImageModel

# --- Teams and members -------------------------------------------------------------------


def team_membership_get(*, user: AbstractBaseUser | AnonymousUser, slug: str) -> Membership | None:
    """The caller's membership of the team ``slug``, with the team, in one query; None when
    the caller does not belong to it (whoever they are, staff included).

    The membership carries ``team_stale``: whether a recompute of the team is pending.
    """
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("team")
        .annotate(team_stale=Exists(RecomputeMark.objects.filter(team_id=OuterRef("team_id"))))
        .filter(user=user, team__slug=slug)
        .first()
    )


def team_is_stale(*, team: Team) -> bool:
    """Whether a recompute of the team is pending."""
    return RecomputeMark.objects.filter(team=team).exists()


def team_list(*, user: AbstractBaseUser) -> QuerySet[Team]:
    """The caller's teams, each with the caller's ``role`` in it."""
    role = Membership.objects.filter(team_id=OuterRef("pk"), user=user).values("role")[:1]
    return Team.objects.filter(memberships__user=user).annotate(role=Subquery(role)).order_by("name", "pk")


def membership_list(*, team: Team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team).select_related("user").order_by("user__username", "pk")


def membership_get(*, team: Team, user_id: int) -> Membership | None:
    return Membership.objects.filter(team=team, user_id=user_id).select_related("user", "team").first()


def webhook_delivery_list(*, team: Team) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(team=team).order_by("-created_at", "-pk")


# --- Budget ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetSettings:
    monthly_amount: Decimal | None
    overrides: list[tuple[datetime.date, Decimal]]
    thresholds: list[int]


def budget_get(*, team: Team) -> BudgetSettings:
    amount = Budget.objects.filter(team=team).values_list("monthly_amount", flat=True).first()
    overrides = list(
        BudgetOverride.objects.filter(team=team).order_by("month").values_list("month", "amount")
    )
    thresholds = list(
        AlertThreshold.objects.filter(team=team).order_by("percent").values_list("percent", flat=True)
    )
    return BudgetSettings(monthly_amount=amount, overrides=overrides, thresholds=thresholds)


# --- Plans -------------------------------------------------------------------------------


def plan_list(
    *,
    team: Team,
    today: datetime.date,
    active_in: datetime.date | None = None,
    search: str | None = None,
    model: str | None = None,
) -> QuerySet[WorkloadPlan]:
    """The team's plans, each annotated with its recommendation and this month's projected cost:
    ``recommended_model_slug``, ``recommendation_computed_at`` and ``this_month_cost``."""
    this_month = Projection.objects.filter(plan_id=OuterRef("pk"), month=month_of(today)).values("total_cost")
    plans = (
        WorkloadPlan.objects.filter(team=team)
        .select_related("pinned_model")
        .annotate(
            recommended_model_slug=F("recommendation__recommended_model"),
            recommendation_computed_at=F("recommendation__computed_at"),
            this_month_cost=Subquery(this_month[:1]),
        )
        .order_by("name", "pk")
    )
    if active_in is not None:
        plans = plans.filter(
            Q(start_month__lte=active_in), Q(end_month__isnull=True) | Q(end_month__gte=active_in)
        )
    if search:
        plans = plans.filter(name__icontains=search)
    if model:
        plans = plans.filter(Q(pinned_model__slug=model) | Q(recommendation__recommended_model=model))
    return plans


def plan_get(*, team: Team, plan_id: int, today: datetime.date) -> WorkloadPlan | None:
    return plan_list(team=team, today=today).filter(pk=plan_id).first()


def plan_recommendation_get(*, team: Team, plan_id: int) -> tuple[bool, PlanRecommendation | None]:
    """Whether the team has the plan, and its stored recommendation if computed."""
    row = (
        WorkloadPlan.objects.filter(team=team, pk=plan_id)
        .annotate(has_recommendation=Exists(PlanRecommendation.objects.filter(plan_id=OuterRef("pk"))))
        .values_list("has_recommendation", flat=True)
        .first()
    )
    if row is None:
        return False, None
    if not row:
        return True, None
    return True, PlanRecommendation.objects.get(plan_id=plan_id)


# --- Retry statistics --------------------------------------------------------------------


def retry_statistic_list(
    *, team: Team, model: str | None = None, plan_id: int | None = None
) -> QuerySet[RetryStatistic]:
    statistics = RetryStatistic.objects.filter(team=team).select_related("model", "created_by")
    if model:
        statistics = statistics.filter(model__slug=model)
    if plan_id is not None:
        statistics = statistics.filter(plan_id=plan_id)
    return statistics.order_by("-period_end", "-pk")


def retry_statistic_get(*, team: Team, statistic_id: int) -> RetryStatistic | None:
    return retry_statistic_list(team=team).filter(pk=statistic_id).first()


@dataclass(frozen=True)
class ModelRejectionRate:
    """The rejection rate a plan (or, without a plan, the team) would use for one model."""

    model: str
    # Whose records were counted: "plan", "team", or "none" when nothing was observed.
    observed_from: str
    attempts: int
    accepted: int
    assumed: Decimal
    smoothed: Decimal

    @property
    def unreliable(self) -> bool:
        return self.smoothed >= MAX_REJECTION_RATE


def retry_rates_get(
    *, team: Team, plan: WorkloadPlan | None, weight: int | None = None
) -> list[ModelRejectionRate]:
    """Per model of the catalog: observed counts, assumed and smoothed rejection rate (domain.md).

    A plan's own records for a model take precedence over the team-wide ones; without
    a plan, only team-wide records count and the assumed rate is 0. ``weight``
    defaults to ``SPENDLANE_SMOOTHING_WEIGHT``, as the recompute uses it.
    """
    if weight is None:
        weight = settings.SPENDLANE_SMOOTHING_WEIGHT
    scope = Q(plan__isnull=True)
    if plan is not None:
        scope |= Q(plan=plan)
    records = RetryStatistic.objects.filter(scope, team=team)
    observed: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in records.values("plan_id", "model__slug").annotate(
        attempts=Sum("attempts"), accepted=Sum("accepted")
    ):
        whose = "team" if row["plan_id"] is None else "plan"
        observed[whose][row["model__slug"]] = (row["attempts"], row["accepted"])
    rates = []
    for slug in ImageModel.objects.order_by("slug").values_list("slug", flat=True):
        whose = "plan" if slug in observed["plan"] else "team" if slug in observed["team"] else "none"
        attempts, accepted = observed[whose].get(slug, (0, 0)) if whose != "none" else (0, 0)
        assumed = Decimal(0)
        if plan is not None:
            assumed = Decimal(plan.rejection_rates.get(slug, plan.rejection_rate))
        rates.append(
            ModelRejectionRate(
                model=slug,
                observed_from=whose,
                attempts=attempts,
                accepted=accepted,
                assumed=assumed,
                smoothed=smoothed_rejection_rate(
                    attempts=attempts, accepted=accepted, assumed=assumed, weight=weight
                ),
            )
        )
    return rates


# --- Projections -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanMonthCost:
    plan: int
    name: str
    model: str | None
    total_cost: Decimal


@dataclass(frozen=True)
class TeamMonthProjection:
    """api.md's projection of one month: money to the cent, the share of budget to 4 places."""

    month: datetime.date
    budget: Decimal | None
    projected_total: Decimal
    share_of_budget: Decimal | None
    status: str
    plans: list[PlanMonthCost]
    computed_at: datetime.datetime | None
    stale: bool


class MonthNotCovered(Exception):
    """Nothing is stored for the month and it lies outside the projections' horizon."""

    def __init__(self, month: datetime.date, horizon: list[datetime.date]) -> None:
        self.month = month
        self.horizon = horizon
        super().__init__(
            f"No projection for {format_month(month)}: projections cover "
            f"{format_month(horizon[0])} to {format_month(horizon[-1])}."
        )


def projection_horizon(*, today: datetime.date) -> list[datetime.date]:
    return months_from(today, settings.SPENDLANE_HORIZON_MONTHS)


def team_projection_get(
    *, team: Team, month: datetime.date, today: datetime.date, stale: bool
) -> TeamMonthProjection:
    """The team's projection for ``month``, as the last recompute stored it.

    A month of the horizon with nothing stored yet (its recompute is pending) reads
    as zero spend against the budget, stale; any other month with nothing stored
    raises ``MonthNotCovered``.
    """
    horizon = projection_horizon(today=today)
    projections = team_projections_for_months(team=team, months=[month], horizon=horizon, stale=stale)
    if not projections:
        raise MonthNotCovered(month, horizon)
    return projections[0]


def team_projections_horizon(*, team: Team, today: datetime.date, stale: bool) -> list[TeamMonthProjection]:
    """The projection of every month of the horizon, in order, in a fixed number of queries."""
    horizon = projection_horizon(today=today)
    return team_projections_for_months(team=team, months=horizon, horizon=horizon, stale=stale)


def team_projections_for_months(
    *, team: Team, months: list[datetime.date], horizon: list[datetime.date], stale: bool
) -> list[TeamMonthProjection]:
    """Projections of ``months`` that are stored or lie in the horizon (others are left out)."""
    stored = {row.month: row for row in TeamMonth.objects.filter(team=team, month__in=months)}
    plans: dict[datetime.date, list[PlanMonthCost]] = defaultdict(list)
    rows = (
        Projection.objects.filter(team=team, month__in=months)
        .order_by("month", "plan__name", "plan_id")
        .values_list("month", "plan_id", "plan__name", "model", "total_cost")
    )
    for month, plan_id, name, model, total in rows:
        plans[month].append(
            PlanMonthCost(plan=plan_id, name=name, model=model or None, total_cost=money.money(total))
        )
    missing = [month for month in months if month not in stored and month in horizon]
    budgets = _month_budgets(team=team, months=missing) if missing else {}
    thresholds = _thresholds(team=team) if missing else []

    projections = []
    for month in months:
        row = stored.get(month)
        if row is not None:
            projections.append(
                _projection(
                    month=month,
                    budget=row.budget,
                    total=row.projected_total,
                    status=row.status,
                    plans=plans[month],
                    computed_at=row.computed_at,
                    stale=stale and month in horizon,
                )
            )
        elif month in horizon:
            budget = budgets[month]
            projections.append(
                _projection(
                    month=month,
                    budget=budget,
                    total=Decimal(0),
                    status=month_status(projected_total=Decimal(0), budget=budget, thresholds=thresholds),
                    plans=plans[month],
                    computed_at=None,
                    stale=True,
                )
            )
    return projections


def _projection(*, month, budget, total, status, plans, computed_at, stale) -> TeamMonthProjection:
    total = money.money(total)
    share = None if budget is None else money.rate(total / budget)
    return TeamMonthProjection(
        month=month,
        budget=None if budget is None else money.money(budget),
        projected_total=total,
        share_of_budget=share,
        status=status,
        plans=plans,
        computed_at=computed_at,
        stale=stale,
    )


def _month_budgets(*, team: Team, months: list[datetime.date]) -> dict[datetime.date, Decimal | None]:
    amount = Budget.objects.filter(team=team).values_list("monthly_amount", flat=True).first()
    overrides = dict(
        BudgetOverride.objects.filter(team=team, month__in=months).values_list("month", "amount")
    )
    return {month: overrides.get(month, amount) for month in months}


def _thresholds(*, team: Team) -> list[int]:
    return list(AlertThreshold.objects.filter(team=team).values_list("percent", flat=True))


# --- Alerts ------------------------------------------------------------------------------


def alert_list(
    *, team: Team, state: str | None = None, month: datetime.date | None = None
) -> QuerySet[Alert]:
    """The team's alerts, newest opening first."""
    alerts = Alert.objects.filter(team=team).select_related("acknowledged_by")
    if state:
        alerts = alerts.filter(state=state)
    if month is not None:
        alerts = alerts.filter(month=month)
    return alerts.order_by("-opened_at", "-pk")


def alert_get(*, team: Team, alert_id: int) -> Alert | None:
    return alert_list(team=team).filter(pk=alert_id).first()
