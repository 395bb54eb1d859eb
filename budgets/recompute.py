"""The recompute: projections, recommendations, team months and alerts, brought up to date.

Every change that moves the numbers writes a ``RecomputeMark`` in its own
transaction (``recompute_request``); the job is queued once that commits, and
a periodic sweep re-queues any mark whose job was lost. ``teams_recompute``
works on a chunk of teams at once: it locks their rows in id order (so two
recomputes of one team run one after the other), reads everything in a fixed
number of queries, computes in plain Python, writes with set-based upserts, and
deletes each mark only if no newer change arrived meanwhile. Running it twice,
or twice at once, leaves the same rows and opens, and so notifies, nothing twice.
"""

import datetime
import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import partial, reduce
from operator import or_

import orjson
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from budgets.bulk import upsert
from budgets.models import (
    Alert,
    AlertNotification,
    AlertThreshold,
    Budget,
    BudgetOverride,
    PlanRecommendation,
    Projection,
    RecomputeMark,
    RetryStatistic,
    Team,
    TeamMonth,
    WorkloadPlan,
)
from budgets.months import add_months, days_in_month, last_day, months_from
from budgets.projections import (
    MonthCost,
    PriceRange,
    month_cost,
    month_status,
    range_cost,
    thresholds_reached,
)
from budgets.smoothing import plan_rejection_rates
from catalog import money
from catalog.costing import ModelPricing, Workload
from catalog.models import CatalogVersion
from catalog.selectors import catalog_timeline, catalog_version_pricing, catalog_versions_pricing
from routing.presenting import quote_as_dict
from routing.quoting import Quote, RoutingConstraints, quote_workload

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50
PROJECTION_FIGURES = (
    "model",
    "output_cost",
    "input_cost",
    "batch_savings",
    "api_cost",
    "rework_cost",
    "total_cost",
    "priced_by",
)


# --- Marks -------------------------------------------------------------------------


def recompute_request(*, team_ids: Iterable[int], reason: str, queue: bool = True) -> None:
    """Mark teams stale in the caller's transaction; queue their recompute once it commits.

    With ``queue=False`` only the marks are written; whoever starts the work
    later (``recompute_queue_marked``) or the sweep queues them.
    """
    team_ids = sorted(set(team_ids))
    if not team_ids:
        return
    now = timezone.now()
    # Marks nobody will queue now are left for the very next sweep (queued_at null).
    queued_at = now if queue else None
    RecomputeMark.objects.bulk_create(
        [
            RecomputeMark(
                team_id=team_id, token=uuid.uuid4(), requested_at=now, queued_at=queued_at, reason=reason
            )
            for team_id in team_ids
        ],
        update_conflicts=True,
        unique_fields=["team"],
        update_fields=["token", "requested_at", "queued_at", "reason"],
        batch_size=1000,
    )
    if queue:
        transaction.on_commit(lambda: recompute_queue(team_ids=team_ids))


def recompute_request_all_teams(*, reason: str, queue: bool = True) -> int:
    """Mark every team stale (a published catalog version); returns how many."""
    team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    recompute_request(team_ids=team_ids, reason=reason, queue=queue)
    return len(team_ids)


def recompute_queue_marked() -> int:
    """Queue every marked team now, in chunks (the fan-out of a publish)."""
    team_ids = list(RecomputeMark.objects.order_by("team_id").values_list("team_id", flat=True))
    RecomputeMark.objects.filter(team_id__in=team_ids).update(queued_at=timezone.now())
    recompute_queue(team_ids=team_ids)
    return len(team_ids)


def recompute_queue(*, team_ids: Sequence[int]) -> None:
    """Queue recompute jobs in chunks. A broker that cannot be reached is not an error
    here: the marks are durable and the sweep queues them again."""
    from budgets import tasks

    try:
        for start in range(0, len(team_ids), CHUNK_SIZE):
            tasks.teams_recompute.delay(list(team_ids[start : start + CHUNK_SIZE]))
    except Exception as error:  # kombu raises a variety of connection errors
        logger.warning("could not queue the recompute of %d teams (%s); the sweep will", len(team_ids), error)
        RecomputeMark.objects.filter(team_id__in=team_ids).update(queued_at=None)


def recompute_sweep(*, now: datetime.datetime | None = None) -> int:
    """Queue every mark whose job is not known to be queued, or was queued long ago and
    never finished (lost by the broker, or its worker died). Returns how many."""
    now = now or timezone.now()
    lease = datetime.timedelta(seconds=settings.SPENDLANE_RECOMPUTE_LEASE_SECONDS)
    due = Q(queued_at__isnull=True) | Q(queued_at__lt=now - lease)
    with transaction.atomic():
        team_ids = list(
            RecomputeMark.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("team_id")
            .values_list("team_id", flat=True)
        )
        if not team_ids:
            return 0
        RecomputeMark.objects.filter(team_id__in=team_ids).update(queued_at=now)
        transaction.on_commit(lambda: recompute_queue(team_ids=team_ids))
    return len(team_ids)


def horizon_roll(*, today: datetime.date | None = None) -> int:
    """Mark the teams whose months do not yet reach the end of the horizon (a month turned)."""
    horizon = months_from(today or timezone.localdate(), settings.SPENDLANE_HORIZON_MONTHS)
    with transaction.atomic():
        stale = list(
            Team.objects.exclude(months__month=horizon[-1])
            .exclude(recompute_mark__isnull=False)
            .values_list("pk", flat=True)
        )
        recompute_request(team_ids=stale, reason="month turned")
    return len(stale)


# --- The recompute -----------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeSummary:
    teams: int = 0
    plans: int = 0
    projections: int = 0
    alerts_opened: int = 0
    alerts_resolved: int = 0
    notifications: int = 0


class PricesInForce:
    """The catalog as a chunk of recomputes sees it: ranges per month, prices per version.

    Read in a fixed number of queries, however many months the horizon has and however
    many versions take effect during it: the versions in force once for the whole
    period (``catalog_timeline``), then the prices of all of them at once.
    """

    def __init__(
        self,
        *,
        today: datetime.date,
        horizon: list[datetime.date],
        assume_published: CatalogVersion | None = None,
    ) -> None:
        end = last_day(horizon[-1]) if horizon else today
        timeline = catalog_timeline(
            start=min([today, *horizon]), end=max(today, end), assume_published=assume_published
        )
        today_ranges = timeline.in_force_during(start=today, end=today)
        self.today_version: CatalogVersion | None = today_ranges[0][1] if today_ranges else None
        in_force = {month: timeline.in_force_during(start=month, end=last_day(month)) for month in horizon}
        versions = [version for ranges in in_force.values() for _, version in ranges]
        if self.today_version is not None:
            versions.append(self.today_version)
        self._pricings: dict[int, dict[str, ModelPricing]] = catalog_versions_pricing(versions=versions)
        self.ranges: dict[datetime.date, list[PriceRange]] = {
            month: self._month_ranges(month, in_force[month]) for month in horizon
        }

    def pricings(self, version: CatalogVersion) -> dict[str, ModelPricing]:
        if version.pk not in self._pricings:
            self._pricings[version.pk] = catalog_version_pricing(version=version)
        return self._pricings[version.pk]

    def _month_ranges(
        self, month: datetime.date, in_force: list[tuple[datetime.date, CatalogVersion]]
    ) -> list[PriceRange]:
        ranges = []
        for index, (first, version) in enumerate(in_force):
            following = in_force[index + 1][0] if index + 1 < len(in_force) else add_months(month, 1)
            ranges.append(
                PriceRange(
                    first=first,
                    last=following - datetime.timedelta(days=1),
                    version_id=version.pk,
                    version_label=version.label,
                    pricings=self.pricings(version),
                )
            )
        return ranges

    def model_slugs(self) -> list[str]:
        slugs = set()
        for pricings in self._pricings.values():
            slugs.update(pricings)
        return sorted(slugs)


@dataclass(frozen=True, slots=True)
class PricedPlan:
    """What pricing reads of a plan: read as plain values, not model instances (a chunk
    prices a thousand plans, and building a model instance costs more than pricing it)."""

    pk: int
    team_id: int
    name: str
    images_per_month: int
    size: str
    quality: str
    mode: str
    prompt_tokens: int
    input_images: int
    tokens_per_input_image: int
    cached_input_share: Decimal
    rejection_rate: Decimal
    rejection_rates: dict[str, str]
    cost_per_rejected_image: Decimal
    peak_images_per_minute: Decimal | None
    start_month: datetime.date
    end_month: datetime.date | None
    pinned_model: str | None  # the slug


def plan_workload(plan: PricedPlan | WorkloadPlan) -> Workload:
    """The workload a plan describes, for the cost arithmetic."""
    return Workload(
        images_per_month=plan.images_per_month,
        size=plan.size,
        quality=plan.quality,
        mode=plan.mode,
        prompt_tokens=plan.prompt_tokens,
        input_images=plan.input_images,
        tokens_per_input_image=plan.tokens_per_input_image,
        cached_input_share=plan.cached_input_share,
        cost_per_rejected_image=plan.cost_per_rejected_image,
    )


def _plan_is_active(plan: PricedPlan, month: datetime.date) -> bool:
    return plan.start_month <= month and (plan.end_month is None or plan.end_month >= month)


def _observed_counts(team_ids: list[int]) -> tuple[dict, dict]:
    """Sums of attempts and accepted outputs: per (plan, model) and per (team, model) team-wide."""
    per_plan: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    per_team: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    rows = (
        RetryStatistic.objects.filter(team_id__in=team_ids)
        .values("team_id", "plan_id", "model__slug")
        .annotate(attempts=Sum("attempts"), accepted=Sum("accepted"))
    )
    for row in rows:
        counts = (row["attempts"], row["accepted"])
        if row["plan_id"] is None:
            per_team[row["team_id"]][row["model__slug"]] = counts
        else:
            per_plan[row["plan_id"]][row["model__slug"]] = counts
    return per_plan, per_team


def teams_recompute(*, team_ids: Sequence[int], today: datetime.date | None = None) -> RecomputeSummary:
    """Recompute a chunk of teams, under their row locks, in one transaction."""
    today = today or timezone.localdate()
    horizon = months_from(today, settings.SPENDLANE_HORIZON_MONTHS)
    with transaction.atomic():
        # NO KEY UPDATE: serializes recomputes of a team without blocking inserts that
        # reference it (their foreign key check takes KEY SHARE, which this does not conflict with).
        teams = list(Team.objects.select_for_update(no_key=True).filter(pk__in=team_ids).order_by("pk"))
        if not teams:
            return RecomputeSummary()
        ids = [team.pk for team in teams]
        marks = dict(RecomputeMark.objects.filter(team_id__in=ids).values_list("team_id", "token"))
        now = timezone.now()
        summary, notification_ids = _recompute_locked(teams=teams, today=today, horizon=horizon, now=now)
        if marks:
            RecomputeMark.objects.filter(
                reduce(or_, (Q(team_id=team_id, token=token) for team_id, token in marks.items()))
            ).delete()
        if notification_ids:
            transaction.on_commit(lambda: notifications_queue(notification_ids=notification_ids))
    return summary


@dataclass(frozen=True)
class PlanOutlook:
    """One plan as a set of prices sees it: its cost for each active month of the
    horizon and its quote under the version in force today (None: no version)."""

    plan: PricedPlan
    months: dict[datetime.date, MonthCost]
    quote: Quote | None
    pinned_model: str | None


def plan_outlooks(
    *, teams: list[Team], plans: list[PricedPlan], prices: PricesInForce, horizon: list[datetime.date]
) -> list[PlanOutlook]:
    """Price every plan of ``teams`` for the horizon: plain computation, nothing written.

    Each plan is priced once per catalog version that covers part of the horizon,
    whatever the number of months and ranges it spans.
    """
    per_plan_observed, per_team_observed = _observed_counts([team.pk for team in teams])
    weight = settings.SPENDLANE_SMOOTHING_WEIGHT
    teams_by_id = {team.pk: team for team in teams}
    model_slugs = prices.model_slugs()
    # The versions that price some day of the horizon, and the one in force today (which
    # may lie beyond it, for an impact preview): each plan is quoted once under each.
    versions = {r.version_id: r.pricings for month in horizon for r in prices.ranges[month]}
    today_version = prices.today_version
    month_days = {month: days_in_month(month) for month in horizon}
    outlooks = []
    for plan in plans:
        team = teams_by_id[plan.team_id]
        workload = plan_workload(plan)
        constraints = RoutingConstraints(
            tier=team.tier, org_verified=team.org_verified, peak_images_per_minute=plan.peak_images_per_minute
        )
        rates = plan_rejection_rates(
            models=model_slugs,
            assumed=plan.rejection_rate,
            assumed_per_model={slug: Decimal(rate) for slug, rate in plan.rejection_rates.items()},
            plan_observed=per_plan_observed.get(plan.pk, {}),
            team_observed=per_team_observed.get(plan.team_id, {}),
            weight=weight,
        )
        pinned = plan.pinned_model

        quote_under = partial(
            quote_workload, workload=workload, constraints=constraints, rejection_rates=rates
        )
        # A pinned plan is priced on its model; only today's quote (what switching would save) is whole.
        quotes = (
            {}
            if pinned
            else {
                version_id: quote_under(pricings=pricings.values())
                for version_id, pricings in versions.items()
            }
        )
        by_version = {
            version_id: range_cost(
                workload=workload,
                pricings=pricings,
                rejection_rates=rates,
                pinned_model=pinned,
                quote=quotes.get(version_id),
            )
            for version_id, pricings in versions.items()
        }
        months = {
            month: month_cost(
                month=month,
                days_in_month=month_days[month],
                ranges=[(r, *by_version[r.version_id]) for r in prices.ranges[month]],
            )
            for month in horizon
            if _plan_is_active(plan, month)
        }
        quote = None
        if today_version is not None:
            quote = quotes.get(today_version.pk) or quote_under(
                pricings=prices.pricings(today_version).values()
            )
        outlooks.append(PlanOutlook(plan=plan, months=months, quote=quote, pinned_model=pinned))
    return outlooks


def teams_plans(ids: list[int]) -> list[PricedPlan]:
    """The plans of these teams, in id order."""
    columns = [field.name for field in fields(PricedPlan)]
    columns[columns.index("pinned_model")] = "pinned_model__slug"
    rows = WorkloadPlan.objects.filter(team_id__in=ids).order_by("pk").values_list(*columns)
    return [PricedPlan(*row) for row in rows]


def _recompute_locked(
    *, teams: list[Team], today: datetime.date, horizon: list[datetime.date], now: datetime.datetime
) -> tuple[RecomputeSummary, list[int]]:
    ids = [team.pk for team in teams]
    prices = PricesInForce(today=today, horizon=horizon)
    plans = teams_plans(ids)
    outlooks = plan_outlooks(teams=teams, plans=plans, prices=prices, horizon=horizon)

    # What each row's priced_by says of a range, written out once per range, not once per row.
    range_fields = {
        (r.version_id, r.first): {
            "catalog_version": r.version_id,
            "label": r.version_label,
            "from": r.first.isoformat(),
            "to": r.last.isoformat(),
            "days": r.days,
        }
        for month in horizon
        for r in prices.ranges[month]
    }
    projection_rows = [
        _projection_row(outlook.plan, cost, now, range_fields)
        for outlook in outlooks
        for cost in outlook.months.values()
    ]
    recommendation_rows = [_recommendation_row(outlook, prices.today_version, now) for outlook in outlooks]
    inactive_plan_ids: dict[datetime.date, list[int]] = defaultdict(list)
    for outlook in outlooks:
        for month in horizon:
            if month not in outlook.months:
                inactive_plan_ids[month].append(outlook.plan.pk)

    _write_projections(rows=projection_rows, inactive_plan_ids=inactive_plan_ids)
    upsert(
        PlanRecommendation,
        _changed_recommendations(recommendation_rows),
        unique_fields=["plan"],
        update_fields=["catalog_version", "recommended_model", "quote", "quote_digest", "computed_at"],
    )
    opened, resolved, notification_ids = _write_months_and_alerts(
        teams=teams, horizon=horizon, team_totals=team_month_totals(outlooks), now=now
    )
    summary = RecomputeSummary(
        teams=len(teams),
        plans=len(plans),
        projections=len(projection_rows),
        alerts_opened=opened,
        alerts_resolved=resolved,
        notifications=len(notification_ids),
    )
    return summary, notification_ids


def team_month_totals(outlooks: list[PlanOutlook]) -> dict[tuple[int, datetime.date], Decimal]:
    """Unrounded projected totals per (team id, month)."""
    totals: dict[tuple[int, datetime.date], Decimal] = defaultdict(Decimal)
    for outlook in outlooks:
        for month, cost in outlook.months.items():
            totals[(outlook.plan.team_id, month)] += cost.total
    return totals


def _projection_row(plan: PricedPlan, cost: MonthCost, now: datetime.datetime, range_fields: dict) -> dict:
    costs = cost.costs
    return {
        "team_id": plan.team_id,
        "plan_id": plan.pk,
        "month": cost.month,
        "model": cost.model or "",
        "output_cost": costs["output"],
        "input_cost": costs["input"],
        "batch_savings": costs["batch_savings"],
        "api_cost": costs["api"],
        "rework_cost": costs["rework"],
        "total_cost": costs["total"],
        "priced_by": [
            {
                **range_fields[(rc.range.version_id, rc.range.first)],
                "model": rc.model,
                "monthly_cost": None if rc.cost is None else str(money.money(rc.cost.total)),
            }
            for rc in cost.ranges
        ],
        "computed_at": now,
    }


def _recommendation_row(outlook: PlanOutlook, version: CatalogVersion | None, now: datetime.datetime) -> dict:
    if version is None or outlook.quote is None:
        body = {"catalog_version": None, "recommended": None, "options": []}
        return {
            "plan_id": outlook.plan.pk,
            "catalog_version_id": None,
            "recommended_model": "",
            "quote": body,
            "computed_at": now,
        }
    body = quote_as_dict(catalog_version=version, quote=outlook.quote)
    body["pinned_model"] = outlook.pinned_model
    body["monthly_saving_by_switching"] = saving_by_switching(
        quote=outlook.quote, pinned=outlook.pinned_model
    )
    return {
        "plan_id": outlook.plan.pk,
        "catalog_version_id": version.pk,
        "recommended_model": outlook.quote.recommended or "",
        "quote": body,
        "computed_at": now,
    }


def _changed_recommendations(rows: list[dict]) -> list[dict]:
    """The rows whose quote differs from the stored one, each with its digest.

    Most recomputes leave most quotes as they were (a price change effective later, an edit
    of one plan); a quote is a kilobyte or more of JSON, and writing it costs the database
    more than anything else the recompute writes. The digest is of the JSON as written.
    """
    stored = dict(
        PlanRecommendation.objects.filter(plan_id__in=[row["plan_id"] for row in rows]).values_list(
            "plan_id", "quote_digest"
        )
    )
    changed = []
    for row in rows:
        digest = hashlib.blake2b(orjson.dumps(row["quote"]), digest_size=16).hexdigest()
        if stored.get(row["plan_id"]) != digest:
            changed.append({**row, "quote_digest": digest})
    return changed


def saving_by_switching(*, quote, pinned: str | None) -> str | None:
    """What a pinned plan would save each month on the recommended model (None: nothing to compare)."""
    if pinned is None or quote.recommended is None or pinned == quote.recommended:
        return None if pinned is None or quote.recommended is None else "0.00"
    pinned_option = quote.option(pinned)
    if pinned_option is None or pinned_option.cost is None:
        return None
    saving = pinned_option.cost.total - quote.option(quote.recommended).cost.total
    return str(money.money(saving))


def _write_projections(*, rows: list[dict], inactive_plan_ids: dict[datetime.date, list[int]]) -> None:
    upsert(
        Projection,
        rows,
        unique_fields=["plan", "month"],
        update_fields=[*PROJECTION_FIGURES, "computed_at"],
        # computed_at says when the figures were last written: a recompute that finds them
        # unchanged leaves the row, and its computed_at, alone.
        compare_fields=PROJECTION_FIGURES,
    )
    # A plan that does not run in a month of the horizon (any more) has no projection for it;
    # a deleted plan's projections went with it.
    for month, plan_ids in inactive_plan_ids.items():
        Projection.objects.filter(month=month, plan_id__in=plan_ids).delete()


@dataclass(frozen=True)
class TeamBudgets:
    """The budgets of some teams over the horizon: amount per month (override or monthly) and thresholds."""

    amounts: dict[int, Decimal | None]
    overrides: dict[tuple[int, datetime.date], Decimal]
    thresholds: dict[int, list[int]]

    def budget(self, team_id: int, month: datetime.date) -> Decimal | None:
        return self.overrides.get((team_id, month), self.amounts.get(team_id))


def team_budgets(*, team_ids: list[int], horizon: list[datetime.date]) -> TeamBudgets:
    overrides = {
        (team_id, month): amount
        for team_id, month, amount in BudgetOverride.objects.filter(
            team_id__in=team_ids, month__in=horizon
        ).values_list("team_id", "month", "amount")
    }
    thresholds: dict[int, list[int]] = defaultdict(list)
    for team_id, percent in AlertThreshold.objects.filter(team_id__in=team_ids).values_list(
        "team_id", "percent"
    ):
        thresholds[team_id].append(percent)
    return TeamBudgets(
        amounts=dict(Budget.objects.filter(team_id__in=team_ids).values_list("team_id", "monthly_amount")),
        overrides=overrides,
        thresholds=thresholds,
    )


def _write_months_and_alerts(*, teams, horizon, team_totals, now) -> tuple[int, int, list[int]]:
    ids = [team.pk for team in teams]
    budgets = team_budgets(team_ids=ids, horizon=horizon)
    thresholds = budgets.thresholds
    alerts: dict[tuple[int, datetime.date], dict[int, Alert]] = defaultdict(dict)
    for alert in Alert.objects.filter(team_id__in=ids, month__in=horizon):
        alerts[(alert.team_id, alert.month)][alert.threshold] = alert

    month_rows, new_alerts, changed_alerts, openings = [], [], [], []
    resolved = 0
    for team in teams:
        for month in horizon:
            total = team_totals.get((team.pk, month), Decimal(0))
            budget = budgets.budget(team.pk, month)
            month_rows.append(
                {
                    "team_id": team.pk,
                    "month": month,
                    "budget": budget,
                    "projected_total": total,
                    "status": month_status(
                        projected_total=total, budget=budget, thresholds=thresholds[team.pk]
                    ),
                    "computed_at": now,
                }
            )
            reached = thresholds_reached(projected_total=total, budget=budget, thresholds=thresholds[team.pk])
            rounded_total = money.money(total)
            month_alerts = alerts[(team.pk, month)]
            for percent in sorted(reached):
                alert = month_alerts.get(percent)
                if alert is None:
                    alert = Alert(
                        team_id=team.pk,
                        month=month,
                        threshold=percent,
                        state=Alert.State.OPEN,
                        projected_total=rounded_total,
                        budget=budget,
                        opened_at=now,
                        openings=1,
                    )
                    new_alerts.append(alert)
                    openings.append((alert, team))
                elif alert.state == Alert.State.RESOLVED:
                    alert.state = Alert.State.OPEN
                    alert.openings += 1
                    alert.opened_at = now
                    alert.resolved_at = None
                    alert.acknowledged_at = None
                    alert.acknowledged_by = None
                    alert.projected_total, alert.budget = rounded_total, budget
                    changed_alerts.append(alert)
                    openings.append((alert, team))
                elif (alert.projected_total, alert.budget) != (rounded_total, budget):
                    alert.projected_total, alert.budget = rounded_total, budget
                    changed_alerts.append(alert)
            # Below its threshold again, or its threshold or budget is gone: it resolves.
            for percent, alert in month_alerts.items():
                if percent not in reached and alert.state == Alert.State.OPEN:
                    alert.state = Alert.State.RESOLVED
                    alert.resolved_at = now
                    alert.projected_total = rounded_total
                    changed_alerts.append(alert)
                    resolved += 1

    upsert(
        TeamMonth,
        month_rows,
        unique_fields=["team", "month"],
        update_fields=["budget", "projected_total", "status", "computed_at"],
    )
    Alert.objects.bulk_create(new_alerts, batch_size=500)
    if changed_alerts:
        Alert.objects.bulk_update(
            changed_alerts,
            [
                "state",
                "openings",
                "opened_at",
                "resolved_at",
                "acknowledged_at",
                "acknowledged_by",
                "projected_total",
                "budget",
            ],
            batch_size=500,
        )
    notifications = [
        AlertNotification(alert=alert, opening=alert.openings, channel=channel)
        for alert, team in openings
        for channel in _channels(team)
    ]
    created = AlertNotification.objects.bulk_create(notifications, batch_size=500)
    return len(openings), resolved, [n.pk for n in created]


def _channels(team: Team) -> list[str]:
    channels = [AlertNotification.Channel.EMAIL]
    if team.webhook_url:
        channels.append(AlertNotification.Channel.WEBHOOK)
    return channels


def notifications_queue(*, notification_ids: Sequence[int]) -> None:
    from budgets import tasks

    try:
        for notification_id in notification_ids:
            tasks.alert_notification_deliver.delay(notification_id)
    except Exception as error:  # the sweep delivers what could not be queued
        logger.warning("could not queue %d notifications (%s); the sweep will", len(notification_ids), error)
