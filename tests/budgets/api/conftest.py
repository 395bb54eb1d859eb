"""An owner, a member and a viewer of one team, an outsider with a team of their own, and
staff who belong to no team; today is frozen at 2026-11-24 (horizon: 2026-11 to 2027-01)."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from budgets import services
from budgets.models import Team
from tests.budgets.factories import UserFactory

TODAY = datetime.date(2026, 11, 24)
NOV, DEC, JAN = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1), datetime.date(2027, 1, 1)


def url(name: str, team: Team | str, **kwargs) -> str:
    slug = team if isinstance(team, str) else team.slug
    return reverse(f"teams:{name}", kwargs={"slug": slug, **kwargs})


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: TODAY)
    return TODAY


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia", email="olivia@example.com")


@pytest.fixture
def member(db):
    return UserFactory(username="mia", email="mia@example.com")


@pytest.fixture
def viewer(db):
    return UserFactory(username="victor", email="victor@example.com")


@pytest.fixture
def outsider(db):
    return UserFactory(username="oscar", email="oscar@example.com")


@pytest.fixture
def staff(db):
    return UserFactory(username="stella", email="stella@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def team(owner, member, viewer, seed_catalog):
    team = services.team_create(name="Pixels", owner=owner, tier="tier2", org_verified=True)
    services.membership_add(team=team, username=member.username, role="member")
    services.membership_add(team=team, username=viewer.username, role="viewer")
    return team


@pytest.fixture
def other_team(outsider, seed_catalog):
    return services.team_create(name="Elsewhere", owner=outsider)


@pytest.fixture
def owner_client(owner):
    return client_for(owner)


@pytest.fixture
def member_client(member):
    return client_for(member)


@pytest.fixture
def viewer_client(viewer):
    return client_for(viewer)


@pytest.fixture
def outsider_client(outsider, other_team):
    return client_for(outsider)


@pytest.fixture
def staff_client(staff):
    return client_for(staff)


@pytest.fixture
def anon_client():
    return APIClient()


def plan_body(**fields) -> dict:
    return {
        "name": "Thumbnails",
        "images_per_month": 10000,
        "size": "1024x1024",
        "quality": "medium",
        "start_month": "2026-11",
        **fields,
    }


def plan_create(team: Team, **fields):
    defaults = {
        "name": "Thumbnails",
        "images_per_month": 10_000,
        "size": "1024x1024",
        "quality": "medium",
        "start_month": NOV,
    }
    return services.plan_create(team=team, **{**defaults, **fields})


class WebhookReceiver:
    """A local HTTP server standing in for a team's webhook; answers ``status`` to every POST."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"headers": dict(self.headers), "body": body, "json": json.loads(body)}
                )
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
