"""A viewer reads every page of the team without a single edit control, and a write they
post anyway (with a valid CSRF token taken from the page) is refused."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from budgets.models import Budget, WorkloadPlan
from budgets.months import format_month, month_of
from budgets.services import plan_create
from tests.browser.conftest import signed_in_page

pytestmark = pytest.mark.browser

EDIT_LINKS = "a[href$='/plans/new/'], a[href$='/edit/'], a[href$='/delete/']"
WRITE_CONTROLS = re.compile(
    r"^(Create|New|Edit|Delete|Save|Record|Acknowledge|Change role|Remove|Add|Send test|Rotate)", re.I
)


def writes_offered(page: Page) -> int:
    main = page.get_by_role("main")
    return (
        main.locator(EDIT_LINKS).count()
        + main.get_by_role("link", name=WRITE_CONTROLS).count()
        + main.get_by_role("button", name=WRITE_CONTROLS).count()
    )


def test_a_viewer_sees_no_edit_controls_and_is_refused_when_posting_anyway(open_page, crew):
    plan = plan_create(
        team=crew.team,
        name="Thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=month_of(timezone.localdate()),
    )
    page = signed_in_page(open_page, username=crew.viewer.username)
    team_nav = page.get_by_role("navigation", name="Pixels")
    for link, heading in [
        ("Dashboard", "Pixels dashboard"),
        ("Plans", "Plans"),
        ("Retry statistics", "Retry statistics"),
        ("Alerts", "Alerts"),
        ("Settings", "Settings"),
        ("Members", "Members"),
    ]:
        team_nav.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert writes_offered(page) == 0, f"{heading}: a viewer is offered a write"
    team_nav.get_by_role("link", name="Plans").click()
    page.get_by_role("link", name="Thumbnails", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thumbnails")
    assert writes_offered(page) == 0, "plan detail: a viewer is offered a write"
    expect(page.get_by_role("main")).to_contain_text("$110.00")

    # The page's own CSRF token (the sign-out form's): these posts pass Django's CSRF check.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    slug = crew.team.slug
    writes = {
        f"/teams/{slug}/plans/new/": {
            "name": "Sneaky",
            "images_per_month": "5",
            "size": "1024x1024",
            "quality": "low",
            "mode": "interactive",
            "start_month": format_month(plan.start_month),
        },
        f"/teams/{slug}/plans/{plan.pk}/edit/": {
            "name": "Renamed",
            "images_per_month": "1",
            "size": "1024x1024",
            "quality": "low",
            "mode": "interactive",
            "start_month": format_month(plan.start_month),
        },
        f"/teams/{slug}/plans/{plan.pk}/delete/": {},
        f"/teams/{slug}/settings/": {"form": "budget", "monthly_amount": "1", "thresholds": "50"},
    }
    for path, fields in writes.items():
        response = page.request.post(path, form={**fields, "csrfmiddlewaretoken": token}, max_redirects=0)
        assert response.status == 403, f"POST {path} answered {response.status}"
        assert "CSRF" not in response.text(), f"POST {path} failed the CSRF check, not the role check"

    assert list(WorkloadPlan.objects.filter(team=crew.team).values_list("name", flat=True)) == ["Thumbnails"]
    assert Budget.objects.get(team=crew.team).monthly_amount is None
