"""What publishing a catalog version would change, before anyone confirms it.

The same computation as the recompute (``budgets.recompute.plan_outlooks``) runs
twice over every team, once with the prices in force and once as if the version
were published, and the two are compared. Nothing is written.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from budgets.models import Team
from budgets.months import months_from
from budgets.projections import thresholds_reached
from budgets.recompute import PricesInForce, plan_outlooks, team_budgets, team_month_totals, teams_plans
from catalog import money
from catalog.models import CatalogVersion

CHUNK_SIZE = 200


@dataclass(frozen=True)
class MonthImpact:
    month: datetime.date
    total_before: Decimal
    total_after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.total_after - self.total_before


@dataclass(frozen=True)
class RecommendationFlip:
    team_name: str
    team_slug: str
    plan_name: str
    plan_id: int
    before: str | None
    after: str | None


@dataclass(frozen=True)
class ThresholdCrossing:
    team_name: str
    team_slug: str
    month: datetime.date
    budget: Decimal
    total_before: Decimal
    total_after: Decimal
    thresholds: list[int]


@dataclass(frozen=True)
class CatalogVersionImpact:
    teams_total: int
    teams_changed: int
    plans_changed: int
    months: list[MonthImpact]
    flips: list[RecommendationFlip] = field(default_factory=list)
    threshold_crossings: list[ThresholdCrossing] = field(default_factory=list)


def catalog_version_impact(*, version: CatalogVersion, today: datetime.date) -> CatalogVersionImpact:
    """Compare every team's horizon with and without ``version`` published.

    Money is compared to the cent, as teams see it. A recommendation "flips" when
    the model recommended under the prices in force today differs from the one
    the version would recommend once it takes effect.
    """
    horizon = months_from(today, settings.SPENDLANE_HORIZON_MONTHS)
    before_prices = PricesInForce(today=today, horizon=horizon)
    after_prices = PricesInForce(
        today=max(today, version.effective_from), horizon=horizon, assume_published=version
    )
    totals_before = dict.fromkeys(horizon, Decimal(0))
    totals_after = dict.fromkeys(horizon, Decimal(0))
    teams_changed = plans_changed = teams_total = 0
    flips: list[RecommendationFlip] = []
    crossings: list[ThresholdCrossing] = []

    team_ids = list(Team.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(team_ids), CHUNK_SIZE):
        teams = list(Team.objects.filter(pk__in=team_ids[start : start + CHUNK_SIZE]).order_by("pk"))
        teams_total += len(teams)
        plans = teams_plans([team.pk for team in teams])
        before = plan_outlooks(teams=teams, plans=plans, prices=before_prices, horizon=horizon)
        after = plan_outlooks(teams=teams, plans=plans, prices=after_prices, horizon=horizon)
        teams_by_id = {team.pk: team for team in teams}
        changed_team_ids = set()
        for old, new in zip(before, after, strict=True):
            if _plan_changed(old, new):
                plans_changed += 1
                changed_team_ids.add(old.plan.team_id)
            old_model = old.quote.recommended if old.quote else None
            new_model = new.quote.recommended if new.quote else None
            if old_model != new_model:
                team = teams_by_id[old.plan.team_id]
                flips.append(
                    RecommendationFlip(
                        team_name=team.name,
                        team_slug=team.slug,
                        plan_name=old.plan.name,
                        plan_id=old.plan.pk,
                        before=old_model,
                        after=new_model,
                    )
                )
        teams_changed += len(changed_team_ids)

        month_before, month_after = team_month_totals(before), team_month_totals(after)
        budgets = team_budgets(team_ids=[team.pk for team in teams], horizon=horizon)
        for team in teams:
            for month in horizon:
                total_before = month_before.get((team.pk, month), Decimal(0))
                total_after = month_after.get((team.pk, month), Decimal(0))
                totals_before[month] += total_before
                totals_after[month] += total_after
                budget = budgets.budget(team.pk, month)
                thresholds = budgets.thresholds.get(team.pk, [])
                newly = thresholds_reached(
                    projected_total=total_after, budget=budget, thresholds=thresholds
                ) - thresholds_reached(projected_total=total_before, budget=budget, thresholds=thresholds)
                if newly:
                    crossings.append(
                        ThresholdCrossing(
                            team_name=team.name,
                            team_slug=team.slug,
                            month=month,
                            budget=budget,
                            total_before=money.money(total_before),
                            total_after=money.money(total_after),
                            thresholds=sorted(newly),
                        )
                    )

    return CatalogVersionImpact(
        teams_total=teams_total,
        teams_changed=teams_changed,
        plans_changed=plans_changed,
        months=[
            MonthImpact(
                month=month,
                total_before=money.money(totals_before[month]),
                total_after=money.money(totals_after[month]),
            )
            for month in horizon
        ],
        flips=flips,
        threshold_crossings=crossings,
    )


def _plan_changed(before, after) -> bool:
    for month, cost in before.months.items():
        other = after.months[month]
        if money.money(cost.total) != money.money(other.total) or cost.model != other.model:
            return True
    return False
