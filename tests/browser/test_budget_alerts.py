"""An owner sets a budget below the projection and sees the alert it opens."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from budgets.months import month_of
from budgets.services import plan_create
from tests.browser.conftest import signed_in_page

pytestmark = pytest.mark.browser


def test_it_opens_an_alert_when_the_owner_sets_a_budget_below_the_projection(open_page, crew):
    # $110.00 a month on gpt-image-1-mini, from this month on; no budget yet.
    plan_create(
        team=crew.team,
        name="Thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=month_of(timezone.localdate()),
    )
    page = signed_in_page(open_page, username=crew.owner.username)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pixels dashboard")
    expect(page.get_by_role("region", name=re.compile("open alert"))).to_have_count(0)

    page.get_by_role("navigation", name="Pixels").get_by_role("link", name="Settings").click()
    budget = page.get_by_role("region", name="Budget and alert thresholds")
    budget.get_by_label("Monthly budget (USD)").fill("100")
    expect(budget.get_by_label("Alert thresholds (%)")).to_have_value("80, 100")
    budget.get_by_role("button", name="Save budget").click()
    expect(page.get_by_role("status")).to_contain_text("Budget saved")

    # $110.00 reaches both thresholds of a $100.00 budget, in each of the three months.
    page.get_by_role("navigation", name="Pixels").get_by_role("link", name="Dashboard").click()
    banner = page.get_by_role("region", name="6 open alerts")
    expect(banner).to_contain_text("projected spend of $110.00 reached 100% of the $100.00 budget")
    expect(banner).to_contain_text("projected spend of $110.00 reached 80% of the $100.00 budget")
    this_month = (
        page.get_by_role("table", name="Budget and projected spend by month").locator("tbody tr").first
    )
    expect(this_month).to_contain_text("Over budget")

    banner.get_by_role("link", name="See alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alerts")
    open_alerts = page.get_by_role("region", name="Open alerts (6)")
    expect(open_alerts.get_by_role("listitem").filter(has_text="Crossed 100%")).to_have_count(3)
    expect(open_alerts).to_contain_text("Crossed 100% of the")
    expect(open_alerts).to_contain_text("budget: $110.00 of $100.00 (110.0%)")
