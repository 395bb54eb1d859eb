"""A member creates a plan, watching its live quote as they type, and finds it on the dashboard."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import signed_in_page

pytestmark = pytest.mark.browser


def test_it_creates_a_plan_with_a_live_quote_and_shows_it_on_the_dashboard(open_page, crew):
    page = signed_in_page(open_page, username=crew.member.username)
    # One team: home goes straight to its dashboard.
    expect(page).to_have_url(re.compile(rf"/teams/{crew.team.slug}/$"))
    team_nav = page.get_by_role("navigation", name=crew.team.name)
    team_nav.get_by_role("link", name="Plans").click()
    page.get_by_role("main").get_by_role("link", name="Create a plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a plan")

    live_quote = page.get_by_role("region", name="Live quote")
    mini = live_quote.get_by_role("article", name="gpt-image-1-mini")
    page.get_by_label("Name").fill("Thumbnails")
    page.get_by_label("Images per month").fill("10000")
    # 10,000 medium 1024x1024 images at $0.011 (the form's default size and quality).
    expect(mini).to_contain_text("$110.00")
    expect(live_quote).to_contain_text("Cheapest: gpt-image-1-mini at $110.00 a month")

    page.get_by_label("Images per month").fill("20000")
    expect(mini).to_contain_text("$220.00")
    expect(mini).not_to_contain_text("$110.00")
    expect(live_quote).to_contain_text("Cheapest: gpt-image-1-mini at $220.00 a month")

    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thumbnails")
    expect(page.get_by_role("status")).to_contain_text("Plan “Thumbnails” saved")

    page.get_by_role("navigation", name=crew.team.name).get_by_role("link", name="Dashboard").click()
    row = page.get_by_role("row", name="Thumbnails")
    expect(row).to_contain_text("gpt-image-1-mini")
    expect(row).to_contain_text("$220.00")
    this_month = (
        page.get_by_role("table", name="Budget and projected spend by month").locator("tbody tr").first
    )
    expect(this_month).to_contain_text("$220.00")
