"""Every main page, reached by clicking from the home page, as a team owner and as staff.

Each page has exactly one <h1>, is saved as a screenshot (test-artifacts/screenshots/),
and at phone width (390 x 844) does not scroll sideways.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from budgets.months import add_months, month_of
from budgets.services import budget_set, plan_create, retry_statistic_create, team_create
from catalog.models import ImageModel
from catalog.services import CellChanges, catalog_version_draft_create, catalog_version_draft_update
from tests.browser.conftest import PHONE, check_page, signed_in_page

pytestmark = pytest.mark.browser


@pytest.fixture
def busy_team(crew, seed_catalog):
    """Pixels with three plans, a budget they get close to (an open 80% alert), a retry statistic;
    its owner also owns a second team; staff have a draft that raises one price."""
    this_month = month_of(timezone.localdate())
    team = crew.team
    plan_create(
        team=team,
        name="Product thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=this_month,
    )
    plan_create(
        team=team,
        name="Hero banners",
        images_per_month=2_000,
        size="1536x1024",
        quality="high",
        rejection_rate=Decimal("0.2"),
        start_month=this_month,
        end_month=add_months(this_month, 1),
    )
    plan_create(
        team=team,
        name="Catalog edits",
        images_per_month=30_000,
        size="1024x1024",
        quality="low",
        mode="batch",
        prompt_tokens=120,
        start_month=add_months(this_month, 1),
    )
    budget_set(team=team, monthly_amount=Decimal("300.00"), overrides=[], thresholds=[80, 100])
    today = timezone.localdate()
    retry_statistic_create(
        team=team,
        model=ImageModel.objects.get(slug="gpt-image-1-mini"),
        period_start=today - datetime.timedelta(days=30),
        period_end=today - datetime.timedelta(days=1),
        attempts=1_200,
        accepted=1_020,
        created_by=crew.member,
    )
    team_create(name="Posters", owner=crew.owner, tier="tier1")
    draft = catalog_version_draft_create(created_by=crew.staff, clone_from=seed_catalog)
    catalog_version_draft_update(
        version=draft,
        label="OpenAI price change",
        changes=CellChanges(
            image_prices=(
                {"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": "0.0165"},
            )
        ),
    )
    return crew


def visit(page: Page, pages: dict[str, str], name: str, heading: str) -> None:
    """The page just reached: its heading, its checks and its screenshot; remembered for the phone."""
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    check_page(page, name)
    pages[name] = page.url


def on_a_phone(open_page, username: str, pages: dict[str, str]) -> None:
    phone = signed_in_page(open_page, username=username, viewport=PHONE)
    for name, url in pages.items():
        phone.goto(url)
        check_page(phone, f"{name}-phone", phone=True)


def test_every_page_of_a_team_is_reachable_from_home_and_fits_a_phone(open_page, busy_team):
    owner = signed_in_page(open_page, username=busy_team.owner.username)
    pages: dict[str, str] = {}
    main_nav = owner.get_by_role("navigation", name="Main")
    team_nav = owner.get_by_role("navigation", name="Pixels")

    visit(owner, pages, "home", "")
    owner.get_by_role("main").get_by_role("link", name="Pixels").click()
    visit(owner, pages, "dashboard", "Pixels")
    expect(owner.get_by_role("region", name=re.compile(r"\d+ open alerts?"))).to_contain_text("80%")

    team_nav.get_by_role("link", name="Plans").click()
    visit(owner, pages, "plans", "Plans")
    owner.get_by_role("link", name="Product thumbnails", exact=True).click()
    visit(owner, pages, "plan-detail", "Product thumbnails")
    owner.get_by_role("link", name="Edit plan").click()
    visit(owner, pages, "plan-edit", "Edit plan")
    team_nav.get_by_role("link", name="Plans").click()
    owner.get_by_role("main").get_by_role("link", name="Create a plan").click()
    owner.get_by_label("Name").fill("Stickers")
    owner.get_by_label("Images per month").fill("25000")
    expect(owner.get_by_role("region", name="Live quote")).to_contain_text("Cheapest: gpt-image-1-mini")
    visit(owner, pages, "plan-form", "Create a plan")

    team_nav.get_by_role("link", name="Retry statistics").click()
    visit(owner, pages, "retry-stats", "Retry statistics")
    team_nav.get_by_role("link", name="Alerts").click()
    visit(owner, pages, "alerts", "Alerts")
    team_nav.get_by_role("link", name="Settings").click()
    visit(owner, pages, "settings", "Settings")
    team_nav.get_by_role("link", name="Members").click()
    visit(owner, pages, "members", "Members")

    main_nav.get_by_role("link", name="Catalog").click()
    visit(owner, pages, "catalog-prices", "Prices in force")
    owner.get_by_role("navigation", name="Catalog").get_by_role("link", name="Version history").click()
    visit(owner, pages, "catalog-versions", "version history")
    main_nav.get_by_role("link", name=busy_team.owner.username).click()
    visit(owner, pages, "account", "")

    on_a_phone(open_page, busy_team.owner.username, pages)


def test_every_catalog_page_of_staff_is_reachable_from_home_and_fits_a_phone(open_page, busy_team):
    staff = signed_in_page(open_page, username=busy_team.staff.username)
    pages: dict[str, str] = {}

    visit(staff, pages, "home-staff", "")
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    staff.get_by_role("navigation", name="Catalog").get_by_role("link", name="Version history").click()
    visit(staff, pages, "catalog-versions-staff", "version history")
    staff.get_by_role("link", name="OpenAI price change", exact=True).click()
    visit(staff, pages, "draft", "OpenAI price change")
    staff.get_by_role("link", name="Edit draft").click()
    visit(staff, pages, "draft-edit", "Edit draft")
    staff.get_by_role("link", name="Back to the draft").click()
    staff.get_by_role("link", name="Compare with another version").click()
    visit(staff, pages, "diff", "Changes in OpenAI price change")
    expect(staff.locator("table.catalog-diff")).to_contain_text("▲ +50.00%")
    staff.get_by_role("link", name="Review impact and publish").click()
    visit(staff, pages, "publish-confirm", "Publish")

    on_a_phone(open_page, busy_team.staff.username, pages)
