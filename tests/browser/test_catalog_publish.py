"""Staff change a price in a draft, see its diff and its impact, publish; teams see the new figures."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from budgets.months import month_of
from budgets.services import plan_create
from tests.browser.conftest import signed_in_page

pytestmark = pytest.mark.browser

MINI_MEDIUM_SQUARE = "gpt-image-1-mini medium 1024x1024 price (USD per image)"


def test_it_publishes_a_changed_price_after_showing_its_diff_and_impact(open_page, crew):
    # 10,000 medium 1024x1024 images a month on gpt-image-1-mini at $0.011: $110.00.
    plan_create(
        team=crew.team,
        name="Thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=month_of(timezone.localdate()),
    )
    member = signed_in_page(open_page, username=crew.member.username)
    expect(member.get_by_role("heading", level=1)).to_have_text("Pixels dashboard")
    months = member.get_by_role("table", name="Budget and projected spend by month").locator("tbody tr")
    expect(months.nth(1)).to_contain_text("$110.00")

    staff = signed_in_page(open_page, username=crew.staff.username)
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Prices in force today")
    staff.get_by_role("button", name="New draft from the current version").click()

    expect(staff.get_by_role("heading", level=1)).to_contain_text("Edit draft")
    # The cell saves itself when it changes (htmx), and says so.
    cell = staff.get_by_label(MINI_MEDIUM_SQUARE, exact=True)
    expect(cell).to_have_value("0.011")
    cell.fill("0.0165")
    cell.press("Tab")
    expect(staff.locator("#cell-save-status")).to_contain_text("Saved gpt-image-1-mini medium 1024x1024")

    staff.get_by_role("link", name="Back to the draft").click()
    staff.get_by_role("link", name="Compare with another version").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Changes in")
    changed = staff.locator("table.catalog-diff tbody tr")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("gpt-image-1-mini")
    expect(changed).to_contain_text("▲ +50.00%")

    staff.get_by_role("link", name="Review impact and publish").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Publish")
    impact = staff.get_by_role("region", name="Impact on teams")
    expect(impact.locator(".card", has_text="Teams affected")).to_contain_text(re.compile(r"1\s+of 1"))
    expect(impact.locator(".card", has_text="Plans affected")).to_contain_text("1")
    # Next month is priced at the new price all month long: $165.00 instead of $110.00.
    totals = impact.get_by_role("table", name=re.compile("Projected spend of all teams")).locator("tbody tr")
    expect(totals.nth(1)).to_contain_text(re.compile(r"\$110\.00\s+\$165\.00\s+▲ \+\$55\.00"))
    staff.get_by_role("button", name="Publish version").click()
    expect(staff.get_by_role("status")).to_contain_text("Published “OpenAI 2026-03-27 (draft)”")

    member.reload()
    expect(months.nth(1)).to_contain_text("$165.00")
    expect(months.nth(2)).to_contain_text("$165.00")
