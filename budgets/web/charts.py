"""The dashboard's budget chart, as geometry: the template only draws what this computes.

Horizontal bars, two per month (budget, projected spend), each under a label with
its amount, and each month headed by its status in words, so the chart reads
without colour; narrow, so its text stays legible at phone width.

>>> import datetime
>>> from decimal import Decimal
>>> month = TeamMonthProjection(
...     month=datetime.date(2026, 11, 1), budget=Decimal("200.00"), projected_total=Decimal("110.00"),
...     share_of_budget=Decimal("0.5500"), status="ok", plans=[], computed_at=None, stale=False,
... )
>>> chart = budget_chart(months=[month])
>>> [(bar.text, bar.width) for bar in chart.months[0].bars]
[('Budget: $200.00', Decimal('360.0')), ('Projected: $110.00', Decimal('198.0'))]
>>> chart.months[0].heading
'November 2026: Within budget, 55.0% of budget'
"""

from dataclasses import dataclass
from decimal import Decimal

from budgets.models import TeamMonth
from budgets.selectors import TeamMonthProjection
from catalog.templatetags.spendlane import month_name, percent_of, usd

WIDTH = 360
BAR_MAX = WIDTH
BAR_HEIGHT = 14
LABEL_HEIGHT = 16  # a bar's label line, above it
BAR_GAP = 6
HEADING_HEIGHT = 24
MONTH_GAP = 18
POINT = Decimal("0.1")


@dataclass(frozen=True)
class ChartBar:
    text: str  # "Budget: $200.00"
    css_class: str
    text_y: Decimal
    y: Decimal
    width: Decimal


@dataclass(frozen=True)
class ChartMonth:
    """One month's bars, and the same figures for the table beside the chart."""

    projection: TeamMonthProjection
    status_label: str
    heading: str
    heading_y: Decimal
    bars: tuple[ChartBar, ...]
    sentence: str


@dataclass(frozen=True)
class BudgetChart:
    width: int
    height: int
    bar_height: int
    title: str
    description: str
    months: tuple[ChartMonth, ...]


def _status_text(month: TeamMonthProjection) -> str:
    text = TeamMonth.Status(month.status).label
    if month.share_of_budget is not None:
        text += f", {percent_of(month.share_of_budget)} of budget"
    return text


def _width(value: Decimal, scale: Decimal) -> Decimal:
    if scale == 0 or value <= 0:
        return Decimal(0)
    # A bar of a non-zero amount stays visible however small.
    return max(value * BAR_MAX / scale, Decimal(1)).quantize(POINT)


def budget_chart(*, months: list[TeamMonthProjection]) -> BudgetChart:
    """Budget against projected spend for each month, on one scale."""
    scale = max(
        [m.projected_total for m in months] + [m.budget for m in months if m.budget is not None],
        default=Decimal(0),
    )
    chart_months = []
    top = Decimal(0)
    for month in months:
        name = month_name(month.month)
        heading_y = top + 16
        bars = []
        y = top + HEADING_HEIGHT
        figures = [
            ("Budget", month.budget, "bar-budget"),
            ("Projected", month.projected_total, "bar-over" if month.status == "over" else "bar-projected"),
        ]
        for label, value, css_class in figures:
            bars.append(
                ChartBar(
                    text=f"{label}: {'no budget set' if value is None else usd(value)}",
                    css_class=css_class,
                    text_y=y + 12,
                    y=y + LABEL_HEIGHT,
                    width=_width(value if value is not None else Decimal(0), scale),
                )
            )
            y += LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP
        budget_text = "no budget set" if month.budget is None else f"a budget of {usd(month.budget)}"
        sentence = (
            f"{name}: projected {usd(month.projected_total)} against {budget_text}; "
            f"{TeamMonth.Status(month.status).label.lower()}."
        )
        chart_months.append(
            ChartMonth(
                projection=month,
                status_label=TeamMonth.Status(month.status).label,
                heading=f"{name}: {_status_text(month)}",
                heading_y=heading_y,
                bars=tuple(bars),
                sentence=sentence,
            )
        )
        top = y + MONTH_GAP - BAR_GAP
    first, last = (month_name(months[0].month), month_name(months[-1].month)) if months else ("", "")
    title = f"Budget and projected spend, {first} to {last}" if months else "Budget and projected spend"
    return BudgetChart(
        width=WIDTH,
        height=int(top),
        bar_height=BAR_HEIGHT,
        title=title,
        description=" ".join(m.sentence for m in chart_months),
        months=tuple(chart_months),
    )
