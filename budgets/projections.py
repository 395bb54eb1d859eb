"""A plan's cost for one calendar month, prorated across the versions in force.

Pure functions over plain values. When a catalog version takes effect
mid-month, the month splits into day ranges, one per version in force; each
range costs ``days / days_in_month`` of the monthly cost under its version, with
the model that version would choose (pinned, or recommended). The month
reports the model of its last range (domain.md, "Plans, projections").
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from catalog import money
from catalog.costing import CostBreakdown, ModelPricing, PriceNotListed, Workload, workload_cost
from catalog.money import ZERO
from routing.quoting import Quote

COST_FIELDS = ("output", "input", "batch_savings", "api", "rework", "total")


@dataclass(frozen=True, slots=True)
class PriceRange:
    """Days ``first..last`` of a month, priced by one catalog version."""

    first: datetime.date
    last: datetime.date
    version_id: int
    version_label: str
    pricings: dict[str, ModelPricing]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


# Not frozen: built for every plan, model and month of a recompute, and a frozen dataclass
# takes about 2.5 times as long to build. Nothing changes one once built.
@dataclass(slots=True)
class RangeCost:
    range: PriceRange
    model: str | None  # None: no model could price the plan in this range
    cost: CostBreakdown | None


# Not frozen: built for every plan, model and month of a recompute, and a frozen dataclass
# takes about 2.5 times as long to build. Nothing changes one once built.
@dataclass(slots=True)
class MonthCost:
    month: datetime.date
    model: str | None
    costs: dict[str, Decimal] = field(default_factory=dict)  # COST_FIELDS, prorated, unrounded
    ranges: tuple[RangeCost, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.costs.get("total", ZERO)


def range_cost(
    *,
    workload: Workload,
    pricings: dict[str, ModelPricing],
    rejection_rates: dict[str, Decimal],
    pinned_model: str | None,
    quote: Quote | None,
) -> tuple[str | None, CostBreakdown | None]:
    """The model a version would use for the plan and its monthly cost under it.

    A pinned model is used whenever the version prices it, eligible or not: the
    team chose it, and the recommendation shows what switching would save.
    Otherwise the version's ``quote`` of the workload decides.
    """
    if pinned_model is not None:
        pricing = pricings.get(pinned_model)
        if pricing is None:
            return pinned_model, None
        try:
            return pinned_model, workload_cost(
                workload, pricing, rejection_rate=rejection_rates[pinned_model]
            )
        except PriceNotListed:
            return pinned_model, None
    recommended = quote.recommended
    return recommended, (quote.option(recommended).cost if recommended else None)


def month_cost(
    *,
    month: datetime.date,
    days_in_month: int,
    ranges: list[tuple[PriceRange, str | None, CostBreakdown | None]],
) -> MonthCost:
    """Prorate each range's monthly cost by its share of the month's days and add them up."""
    totals = dict.fromkeys(COST_FIELDS, ZERO)
    range_costs = []
    for price_range, model, cost in ranges:
        range_costs.append(RangeCost(range=price_range, model=model, cost=cost))
        if cost is None:
            continue
        days = price_range.days
        for name in COST_FIELDS:
            value = getattr(cost, name)
            # A range of the whole month is the month: no proration, and no rounding from one.
            totals[name] += value if days == days_in_month else value * days / days_in_month
    last_model = range_costs[-1].model if range_costs else None
    return MonthCost(month=month, model=last_model, costs=totals, ranges=tuple(range_costs))


def month_status(*, projected_total: Decimal, budget: Decimal | None, thresholds: list[int]) -> str:
    """``over`` at or past 100% of the budget, ``warning`` at or past the lowest threshold.

    The comparison uses the total as the team sees it, to the cent.

    >>> month_status(projected_total=Decimal("160"), budget=Decimal("200"), thresholds=[80, 100])
    'warning'
    >>> month_status(projected_total=Decimal("159.994"), budget=Decimal("200"), thresholds=[80, 100])
    'ok'
    """
    if budget is None:
        return "no_budget"
    total = money.money(projected_total)
    if total >= budget:
        return "over"
    if thresholds and total * 100 >= budget * min(thresholds):
        return "warning"
    return "ok"


def thresholds_reached(
    *, projected_total: Decimal, budget: Decimal | None, thresholds: list[int]
) -> set[int]:
    """The thresholds (percent of budget) the month's total, to the cent, has reached."""
    if budget is None:
        return set()
    total = money.money(projected_total)
    return {percent for percent in thresholds if total * 100 >= budget * percent}
