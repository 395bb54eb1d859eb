"""Fixtures of the page tests: an owner, a member and a viewer of "Pixels" (tier2, verified),
an outsider who owns "Elsewhere", each signed in on demand; today frozen at 2026-11-24."""

import datetime

import pytest
from django.utils import timezone

from budgets import services
from tests.budgets.factories import UserFactory

TODAY = datetime.date(2026, 11, 24)


@pytest.fixture
def today(monkeypatch):
    """Freezes timezone.localdate() at 2026-11-24 (horizon: 2026-11 to 2027-01)."""
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: TODAY)
    return TODAY


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia")


@pytest.fixture
def member(db):
    return UserFactory(username="mia")


@pytest.fixture
def viewer(db):
    return UserFactory(username="victor")


@pytest.fixture
def outsider(db):
    return UserFactory(username="oscar")


@pytest.fixture
def team(owner, member, viewer, seed_catalog):
    team = services.team_create(name="Pixels", owner=owner, tier="tier2", org_verified=True)
    services.membership_add(team=team, username=member.username, role="member")
    services.membership_add(team=team, username=viewer.username, role="viewer")
    return team


@pytest.fixture
def other_team(outsider, seed_catalog):
    return services.team_create(name="Elsewhere", owner=outsider)


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(client, owner):
    return signed_in(client, owner)


@pytest.fixture
def member_client(client, member):
    return signed_in(client, member)


@pytest.fixture
def viewer_client(client, viewer):
    return signed_in(client, viewer)


@pytest.fixture
def outsider_client(client, outsider):
    return signed_in(client, outsider)
