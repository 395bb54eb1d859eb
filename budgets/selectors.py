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
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.fields.json import KT
from rest_framework.authtoken.models import Token

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
from budgets.recompute import plan_workload, saving_by_switching
from budgets.smoothing import plan_rejection_rates, smoothed_rejection_rate
from catalog import money
from catalog.costing import MAX_REJECTION_RATE, Workload
from catalog.models import ImageModel
from catalog.selectors import catalog_version_in_force, catalog_version_model_slugs, catalog_version_pricing
from routing.presenting import quote_as_dict
from routing.quoting import Quote, RoutingConstraints, quote_workload
from routing.selectors import catalog_quote

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
    statistics = RetryStatistic.objects.filter(team=team).select_related("model", "plan", "created_by")
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
    slugs = list(ImageModel.objects.order_by("slug").values_list("slug", flat=True))
    return _model_rejection_rates(
        slugs=slugs, plan_observed=observed["plan"], team_observed=observed["team"], plan=plan, weight=weight
    )


def _model_rejection_rates(
    *,
    slugs: list[str],
    plan_observed: dict[str, tuple[int, int]],
    team_observed: dict[str, tuple[int, int]],
    plan: WorkloadPlan | None,
    weight: int,
) -> list[ModelRejectionRate]:
    rates = []
    for slug in slugs:
        whose = "plan" if slug in plan_observed else "team" if slug in team_observed else "none"
        attempts, accepted = {"plan": plan_observed, "team": team_observed}.get(whose, {}).get(slug, (0, 0))
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


# --- Pages: the dashboard, the plan list and a plan's page -------------------------------


@dataclass(frozen=True)
class PlanRow:
    """One plan as the dashboard and the plan list show it: money to the cent.

    ``model_used`` is this month's projected model, else the pinned one, else the
    recommended one. ``monthly_saving_by_switching`` is what a pinned plan would
    save each month on the recommended model (None: not pinned, or not computed).
    """

    id: int
    name: str
    images_per_month: int
    size: str
    quality: str
    mode: str
    start_month: datetime.date
    end_month: datetime.date | None
    pinned_model: str | None
    recommended_model: str | None
    model_used: str | None
    this_month_cost: Decimal | None
    monthly_saving_by_switching: Decimal | None
    computed: bool


def plan_rows(*, team: Team, today: datetime.date) -> list[PlanRow]:
    """The team's plans by name, with this month's cost and what switching would save, in one query."""
    this_month = Projection.objects.filter(plan_id=OuterRef("pk"), month=month_of(today))
    plans = plan_list(team=team, today=today).annotate(
        this_month_model=Subquery(this_month.values("model")[:1]),
        saving_by_switching=Subquery(
            PlanRecommendation.objects.filter(plan_id=OuterRef("pk"))
            # As text, so the amount never passes through a float; SQLite gives "null" for null.
            .annotate(saving=KT("quote__monthly_saving_by_switching"))
            .values("saving")[:1]
        ),
    )
    rows = []
    for plan in plans:
        pinned = plan.pinned_model.slug if plan.pinned_model else None
        recommended = plan.recommended_model_slug or None
        saving = plan.saving_by_switching
        rows.append(
            PlanRow(
                id=plan.pk,
                name=plan.name,
                images_per_month=plan.images_per_month,
                size=plan.size,
                quality=plan.quality,
                mode=plan.mode,
                start_month=plan.start_month,
                end_month=plan.end_month,
                pinned_model=pinned,
                recommended_model=recommended,
                model_used=plan.this_month_model or pinned or recommended,
                this_month_cost=None if plan.this_month_cost is None else money.money(plan.this_month_cost),
                monthly_saving_by_switching=None if saving in (None, "", "null") else Decimal(saving),
                computed=plan.recommendation_computed_at is not None,
            )
        )
    return rows


@dataclass(frozen=True)
class PricedRange:
    """Part of a month priced by one catalog version (``Projection.priced_by``)."""

    catalog_version: int
    label: str
    first: datetime.date
    last: datetime.date
    days: int
    model: str | None
    monthly_cost: Decimal | None


@dataclass(frozen=True)
class PlanMonth:
    """One month of the horizon for one plan; costs None when the plan does not run
    that month or its projection is not computed yet."""

    month: datetime.date
    runs: bool
    computed: bool
    model: str | None = None
    output_cost: Decimal | None = None
    input_cost: Decimal | None = None
    batch_savings: Decimal | None = None
    api_cost: Decimal | None = None
    rework_cost: Decimal | None = None
    total_cost: Decimal | None = None
    priced_by: tuple[PricedRange, ...] = ()


@dataclass(frozen=True)
class PlanProjections:
    months: list[PlanMonth]
    total: Decimal  # the horizon's total, to the cent


def plan_projections_horizon(*, plan: WorkloadPlan, today: datetime.date) -> PlanProjections:
    """The plan's projection for each month of the horizon, with the versions that priced it.

    The total sums unrounded figures and rounds once, so it may differ from the sum of
    the rounded months by a cent.
    """
    horizon = projection_horizon(today=today)
    stored = {row.month: row for row in Projection.objects.filter(plan=plan, month__in=horizon)}
    months = []
    total = Decimal(0)
    for month in horizon:
        runs = plan.start_month <= month and (plan.end_month is None or plan.end_month >= month)
        row = stored.get(month)
        if row is None:
            months.append(PlanMonth(month=month, runs=runs, computed=False))
            continue
        total += row.total_cost
        months.append(
            PlanMonth(
                month=month,
                runs=runs,
                computed=True,
                model=row.model or None,
                output_cost=money.money(row.output_cost),
                input_cost=money.money(row.input_cost),
                batch_savings=money.money(row.batch_savings),
                api_cost=money.money(row.api_cost),
                rework_cost=money.money(row.rework_cost),
                total_cost=money.money(row.total_cost),
                priced_by=tuple(_priced_range(part) for part in row.priced_by),
            )
        )
    return PlanProjections(months=months, total=money.money(total))


def _priced_range(part: dict) -> PricedRange:
    cost = part.get("monthly_cost")
    return PricedRange(
        catalog_version=part["catalog_version"],
        label=part["label"],
        first=datetime.date.fromisoformat(part["from"]),
        last=datetime.date.fromisoformat(part["to"]),
        days=part["days"],
        model=part.get("model") or None,
        monthly_cost=None if cost is None else Decimal(cost),
    )


@dataclass(frozen=True)
class PlanDeletion:
    """What deleting a plan takes with it."""

    projections: int
    retry_statistics: int
    has_recommendation: bool


def plan_deletion_get(*, plan: WorkloadPlan) -> PlanDeletion:
    counts = WorkloadPlan.objects.filter(pk=plan.pk).aggregate(
        projections=Count("projections", distinct=True),
        retry_statistics=Count("retry_statistics", distinct=True),
        recommendations=Count("recommendation", distinct=True),
    )
    return PlanDeletion(
        projections=counts["projections"],
        retry_statistics=counts["retry_statistics"],
        has_recommendation=bool(counts["recommendations"]),
    )


def plan_draft_quote(
    *,
    team: Team,
    plan: WorkloadPlan | None,
    workload: Workload,
    peak_images_per_minute: Decimal | None,
    rejection_rate: Decimal,
    rejection_rates: dict[str, Decimal],
    pinned_model: str | None,
    today: datetime.date,
) -> dict | None:
    """A plan being written, quoted as its recommendation would be once saved, in the stored
    recommendation's shape (``PlanRecommendation.quote``); None when no version is in force.

    The prices in force ``today``, the team's tier and verification, and the assumed
    rejection rates smoothed with the team's retry statistics (and, for a saved
    plan, its own), as the recompute does.
    """
    version = catalog_version_in_force(on=today)
    if version is None:
        return None
    scope = Q(plan__isnull=True) if plan is None else Q(plan__isnull=True) | Q(plan=plan)
    observed: dict[str, dict[str, tuple[int, int]]] = {"plan": {}, "team": {}}
    for row in (
        RetryStatistic.objects.filter(scope, team=team)
        .values("plan_id", "model__slug")
        .annotate(attempts=Sum("attempts"), accepted=Sum("accepted"))
    ):
        whose = "team" if row["plan_id"] is None else "plan"
        observed[whose][row["model__slug"]] = (row["attempts"], row["accepted"])
    rates = plan_rejection_rates(
        models=list(ImageModel.objects.values_list("slug", flat=True)),
        assumed=rejection_rate,
        assumed_per_model=rejection_rates,
        plan_observed=observed["plan"],
        team_observed=observed["team"],
        weight=settings.SPENDLANE_SMOOTHING_WEIGHT,
    )
    priced = catalog_quote(
        version=version,
        workload=workload,
        constraints=RoutingConstraints(
            tier=team.tier, org_verified=team.org_verified, peak_images_per_minute=peak_images_per_minute
        ),
        rejection_rates=rates,
    )
    body = quote_as_dict(catalog_version=version, quote=priced.quote)
    body["pinned_model"] = pinned_model
    # The recompute's own rule, so a draft quote and the stored recommendation agree.
    body["monthly_saving_by_switching"] = saving_by_switching(quote=priced.quote, pinned=pinned_model)
    return body


def plan_form_models(*, today: datetime.date, plan: WorkloadPlan | None = None) -> list[str]:
    """The models a plan form offers (per-model rejection rates, pinning): those of the
    version in force ``today`` (every model when none is), and any the plan already names."""
    version = catalog_version_in_force(on=today)
    if version is None:
        slugs = set(ImageModel.objects.values_list("slug", flat=True))
    else:
        slugs = set(catalog_version_model_slugs(version=version))
    if plan is not None:
        slugs.update(plan.rejection_rates)
        if plan.pinned_model_id is not None:
            slugs.add(plan.pinned_model.slug)
    return sorted(slugs)


# --- Pages: home, retry statistics, alerts, account ---------------------------------------


@dataclass(frozen=True)
class HomeTeam:
    """One of the user's teams on the home page, with this month's stored figures
    (``status`` None: no figures stored yet)."""

    slug: str
    name: str
    role: str
    status: str | None
    status_label: str | None
    projected_total: Decimal | None
    budget: Decimal | None
    share_of_budget: Decimal | None
    stale: bool


def home_teams(*, user: AbstractBaseUser, today: datetime.date) -> list[HomeTeam]:
    """The user's teams by name, each with its figures for ``today``'s month, in one query."""
    this_month = TeamMonth.objects.filter(team_id=OuterRef("pk"), month=month_of(today))
    teams = team_list(user=user).annotate(
        month_status=Subquery(this_month.values("status")[:1]),
        month_total=Subquery(this_month.values("projected_total")[:1]),
        month_budget=Subquery(this_month.values("budget")[:1]),
        stale=Exists(RecomputeMark.objects.filter(team_id=OuterRef("pk"))),
    )
    rows = []
    for team in teams:
        total = None if team.month_total is None else money.money(team.month_total)
        budget = None if team.month_budget is None else money.money(team.month_budget)
        status = team.month_status
        rows.append(
            HomeTeam(
                slug=team.slug,
                name=team.name,
                role=team.role,
                status=status,
                status_label=None if status is None else TeamMonth.Status(status).label,
                projected_total=total,
                budget=budget,
                share_of_budget=None if total is None or budget is None else money.rate(total / budget),
                stale=team.stale,
            )
        )
    return rows


@dataclass(frozen=True)
class RetryStatisticRow:
    """One recorded observation; ``rejected_share`` None when it counts no attempts."""

    id: int
    model: str
    plan_id: int | None
    plan_name: str | None
    period_start: datetime.date
    period_end: datetime.date
    attempts: int
    accepted: int
    rejected_share: Decimal | None
    recorded_by: str | None
    recorded_at: datetime.datetime


def retry_statistic_rows(*, team: Team) -> list[RetryStatisticRow]:
    """The team's observations, newest period first, in one query."""
    return [
        RetryStatisticRow(
            id=statistic.pk,
            model=statistic.model.slug,
            plan_id=statistic.plan_id,
            plan_name=statistic.plan.name if statistic.plan_id else None,
            period_start=statistic.period_start,
            period_end=statistic.period_end,
            attempts=statistic.attempts,
            accepted=statistic.accepted,
            rejected_share=(
                money.rate(Decimal(statistic.attempts - statistic.accepted) / statistic.attempts)
                if statistic.attempts
                else None
            ),
            recorded_by=statistic.created_by.get_username() if statistic.created_by_id else None,
            recorded_at=statistic.created_at,
        )
        for statistic in retry_statistic_list(team=team)
    ]


@dataclass(frozen=True)
class PlanRejectionRates:
    """The rates one plan uses, per model: its own records first, then the team-wide ones."""

    plan_id: int
    plan_name: str
    rates: list[ModelRejectionRate]


@dataclass(frozen=True)
class RecommendationShift:
    """What the observed retry statistics do to one plan's recommendation under today's prices.

    The cheapest eligible model and its monthly total with the smoothed rates (as the
    recompute uses them) against the plan's assumed rates alone; a model is None when
    none is eligible. ``difference`` is observed minus assumed, to the cent.
    """

    plan_id: int
    plan_name: str
    assumed_model: str | None
    assumed_cost: Decimal | None
    observed_model: str | None
    observed_cost: Decimal | None
    difference: Decimal | None
    flipped: bool
    unreliable_models: tuple[str, ...]


@dataclass(frozen=True)
class RetryRatesOverview:
    """The retry statistics page's figures. ``catalog_version`` is the label of the version
    in force today; without one there are no ``shifts``."""

    weight: int
    team_rates: list[ModelRejectionRate]
    plan_rates: list[PlanRejectionRates]
    shifts: list[RecommendationShift]
    catalog_version: str | None


def retry_rates_overview(
    *, team: Team, today: datetime.date, weight: int | None = None
) -> RetryRatesOverview:
    """Smoothed against assumed rejection rates, team-wide and for each plan with its own
    records, and how they move each plan's recommendation; a fixed number of queries.

    Both quotes of a plan use ``routing.quoting.quote_workload`` with the team's tier and
    verification, as the recompute does: once with the smoothed rates, once with the
    plan's assumed rates only (what the team would see without any statistics).
    """
    if weight is None:
        weight = settings.SPENDLANE_SMOOTHING_WEIGHT
    per_plan: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    team_wide: dict[str, tuple[int, int]] = {}
    for row in (
        RetryStatistic.objects.filter(team=team)
        .values("plan_id", "model__slug")
        .annotate(attempts=Sum("attempts"), accepted=Sum("accepted"))
    ):
        counts = (row["attempts"], row["accepted"])
        if row["plan_id"] is None:
            team_wide[row["model__slug"]] = counts
        else:
            per_plan[row["plan_id"]][row["model__slug"]] = counts
    slugs = list(ImageModel.objects.order_by("slug").values_list("slug", flat=True))
    plans = list(WorkloadPlan.objects.filter(team=team).order_by("name", "pk"))

    team_rates = _model_rejection_rates(
        slugs=slugs, plan_observed={}, team_observed=team_wide, plan=None, weight=weight
    )
    plan_rates = [
        PlanRejectionRates(
            plan_id=plan.pk,
            plan_name=plan.name,
            rates=_model_rejection_rates(
                slugs=slugs,
                plan_observed=per_plan[plan.pk],
                team_observed=team_wide,
                plan=plan,
                weight=weight,
            ),
        )
        for plan in plans
        if per_plan.get(plan.pk)
    ]

    version = catalog_version_in_force(on=today)
    shifts = []
    if version is not None:
        pricings = list(catalog_version_pricing(version=version).values())
        for plan in plans:
            shifts.append(
                _recommendation_shift(
                    team=team,
                    plan=plan,
                    pricings=pricings,
                    slugs=slugs,
                    plan_observed=per_plan.get(plan.pk, {}),
                    team_observed=team_wide,
                    weight=weight,
                )
            )
    return RetryRatesOverview(
        weight=weight,
        team_rates=team_rates,
        plan_rates=plan_rates,
        shifts=shifts,
        catalog_version=None if version is None else version.label,
    )


def _recommendation_shift(
    *,
    team: Team,
    plan: WorkloadPlan,
    pricings: list,
    slugs: list[str],
    plan_observed: dict[str, tuple[int, int]],
    team_observed: dict[str, tuple[int, int]],
    weight: int,
) -> RecommendationShift:
    workload = plan_workload(plan)
    constraints = RoutingConstraints(
        tier=team.tier, org_verified=team.org_verified, peak_images_per_minute=plan.peak_images_per_minute
    )
    assumed_per_model = {slug: Decimal(rate) for slug, rate in plan.rejection_rates.items()}

    def quote(plan_counts: dict, team_counts: dict) -> tuple[Quote, dict[str, Decimal]]:
        rates = plan_rejection_rates(
            models=slugs,
            assumed=plan.rejection_rate,
            assumed_per_model=assumed_per_model,
            plan_observed=plan_counts,
            team_observed=team_counts,
            weight=weight,
        )
        return quote_workload(
            workload=workload, pricings=pricings, constraints=constraints, rejection_rates=rates
        ), rates

    assumed, _ = quote({}, {})
    observed, observed_rates = quote(plan_observed, team_observed)
    assumed_total = _recommended_total(assumed)
    observed_total = _recommended_total(observed)
    return RecommendationShift(
        plan_id=plan.pk,
        plan_name=plan.name,
        assumed_model=assumed.recommended,
        assumed_cost=None if assumed_total is None else money.money(assumed_total),
        observed_model=observed.recommended,
        observed_cost=None if observed_total is None else money.money(observed_total),
        difference=(
            None
            if assumed_total is None or observed_total is None
            else money.money(observed_total - assumed_total)
        ),
        flipped=assumed.recommended != observed.recommended,
        unreliable_models=tuple(
            option.model
            for option in observed.options
            if observed_rates.get(option.model, 0) >= MAX_REJECTION_RATE
        ),
    )


def _recommended_total(quote: Quote) -> Decimal | None:
    if quote.recommended is None:
        return None
    return quote.option(quote.recommended).cost.total


@dataclass(frozen=True)
class AlertRow:
    """One alert as the alerts page shows it; ``acknowledged_by`` None with an
    ``acknowledged_at``: the user who acknowledged it is gone."""

    id: int
    month: datetime.date
    threshold: int
    is_open: bool
    projected_total: Decimal
    budget: Decimal
    share_of_budget: Decimal
    opened_at: datetime.datetime
    openings: int
    resolved_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    acknowledged_by: str | None


@dataclass(frozen=True)
class TeamAlerts:
    open: list[AlertRow]
    resolved: list[AlertRow]


def team_alerts(*, team: Team) -> TeamAlerts:
    """The team's alerts, open and resolved apart, each newest opening first, in one query."""
    alerts = TeamAlerts(open=[], resolved=[])
    for alert in alert_list(team=team):
        row = AlertRow(
            id=alert.pk,
            month=alert.month,
            threshold=alert.threshold,
            is_open=alert.state == Alert.State.OPEN,
            projected_total=alert.projected_total,
            budget=alert.budget,
            share_of_budget=money.rate(alert.projected_total / alert.budget),
            opened_at=alert.opened_at,
            openings=alert.openings,
            resolved_at=alert.resolved_at,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by.get_username() if alert.acknowledged_by_id else None,
        )
        (alerts.open if row.is_open else alerts.resolved).append(row)
    return alerts


def webhook_delivery_recent(*, team: Team, limit: int = 20) -> list[WebhookDelivery]:
    """The team's latest webhook deliveries, newest first."""
    return list(webhook_delivery_list(team=team)[:limit])


API_TOKEN_PREFIX_LENGTH = 6


@dataclass(frozen=True)
class ApiTokenPreview:
    """A user's API token as shown after its creation: only its first characters."""

    prefix: str
    created: datetime.datetime


def api_token_preview(*, user: AbstractBaseUser) -> ApiTokenPreview | None:
    row = Token.objects.filter(user=user).values_list("key", "created").first()
    if row is None:
        return None
    key, created = row
    return ApiTokenPreview(prefix=key[:API_TOKEN_PREFIX_LENGTH], created=created)
