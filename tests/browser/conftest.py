"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

One Chromium for the whole package, a fresh context (cookies, storage) for every
page a test opens. Every page is watched: a request to another host than the live
server, a console error or an uncaught page error fails the test that made it.

The live server runs in a thread of this process over the transactional test
database; Celery is eager in the test settings, so the recompute a page's write
queues runs in that thread as soon as the write commits.
"""

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, expect, sync_playwright

from budgets.models import Membership, Team
from budgets.services import membership_add, team_create
from conftest import need_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "browser-test-password"
# Bounded waits: Playwright's actions and expect() give up after these.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 20_000
expect.set_options(timeout=10_000)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        need_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API keeps an asyncio loop running in this thread while it is
    # started, and Django refuses ORM calls from a thread with a running loop. The ORM
    # calls here are plain synchronous ones (fixtures, the test database's flush), so
    # the check is lifted for as long as Playwright runs: this package only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class PageWatch:
    """What a page did that a test should fail for."""

    origin: str
    problems: list[str] = field(default_factory=list)

    def on_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"data", "blob", "about"}:
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.problems.append(f"loaded from another host: {request.method} {request.url}")

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url") or (message.page.url if message.page else "?")
            self.problems.append(f"console error at {where}: {message.text}")

    def on_page_error(self, error: Exception) -> None:
        self.problems.append(f"page error: {error}")


@pytest.fixture
def open_page(browser: Browser, live_server) -> Iterator[Callable[..., Page]]:
    """``open_page(viewport=...)``: a page in a fresh context, watched until the test ends."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(live_server.url))
    opened = []

    def open_(*, viewport: dict | None = None) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport=viewport or DESKTOP)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        watch = PageWatch(origin=origin)
        context.on("request", watch.on_request)
        page = context.new_page()
        page.on("console", watch.on_console)
        page.on("pageerror", watch.on_page_error)
        opened.append((context, watch))
        return page

    yield open_
    problems = [problem for _, watch in opened for problem in watch.problems]
    for context, _ in opened:
        context.close()
    if problems:
        pytest.fail("the browser saw:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def page(open_page) -> Page:
    return open_page()


def sign_in(page: Page, *, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def signed_in_page(open_page, *, username: str, viewport: dict | None = None) -> Page:
    page = open_page(viewport=viewport)
    sign_in(page, username=username)
    return page


def check_page(page: Page, name: str, *, phone: bool = False) -> None:
    """Every page has exactly one <h1> and, on a phone, no sideways scrolling; screenshot it."""
    expect(page.locator("h1")).to_have_count(1)
    if phone:
        widths = page.evaluate(
            "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
        )
        assert widths["scroll"] <= widths["inner"], f"{name} overflows sideways on a phone: {widths}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


# --- People and a team ------------------------------------------------------------------


@dataclass
class Crew:
    team: Team
    owner: object
    member: object
    viewer: object
    staff: object


def make_user(username: str, *, is_staff: bool = False):
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, is_staff=is_staff
    )


@pytest.fixture
def crew(transactional_db, seed_catalog) -> Crew:
    """A team "Pixels" on the seed catalog with an owner, a member and a viewer; and staff."""
    owner = make_user("olivia")
    member = make_user("mia")
    viewer = make_user("victor")
    staff = make_user("stella", is_staff=True)
    team = team_create(name="Pixels", owner=owner, tier="tier2")
    membership_add(team=team, username=member.username, role=Membership.Role.MEMBER)
    membership_add(team=team, username=viewer.username, role=Membership.Role.VIEWER)
    return Crew(team=team, owner=owner, member=member, viewer=viewer, staff=staff)
