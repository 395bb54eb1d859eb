"""Who may call what: every route under /api/v1/teams/, every method it allows.

The routes are read from the URL resolver, so a new endpoint (or a new method on
one) without an entry in ``LEAST_ROLE`` fails ``test_every_route_and_method_has_an_expectation``.
For each one: anonymous 401; an outsider and staff who are not members 404 (the
team does not exist for them); below the least role 403, and nothing changes;
at or above it, the request gets through.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from budgets import services
from budgets.models import Alert, Budget, Membership, RetryStatistic, Team, WebhookDelivery, WorkloadPlan
from budgets.recompute import teams_recompute
from catalog.models import ImageModel
from tests.budgets.api.conftest import client_for, plan_body, plan_create
from tests.budgets.factories import UserFactory

ANY = "any signed-in user"
VIEWER, MEMBER, OWNER = "viewer", "member", "owner"

# (URL name, method): the least role that may call it.
LEAST_ROLE = {
    ("team-list", "GET"): ANY,
    ("team-list", "POST"): ANY,
    ("team-detail", "GET"): VIEWER,
    ("team-detail", "PATCH"): OWNER,
    ("webhook-test", "POST"): OWNER,
    ("webhook-delivery-list", "GET"): OWNER,
    ("webhook-rotate-secret", "POST"): OWNER,
    ("member-list", "GET"): VIEWER,
    ("member-list", "POST"): OWNER,
    ("member-detail", "GET"): VIEWER,
    ("member-detail", "PATCH"): OWNER,
    ("member-detail", "DELETE"): OWNER,
    ("budget", "GET"): VIEWER,
    ("budget", "PUT"): OWNER,
    ("plan-list", "GET"): VIEWER,
    ("plan-list", "POST"): MEMBER,
    ("plan-detail", "GET"): VIEWER,
    ("plan-detail", "PUT"): MEMBER,
    ("plan-detail", "PATCH"): MEMBER,
    ("plan-detail", "DELETE"): MEMBER,
    ("plan-recommendation", "GET"): VIEWER,
    ("retry-stat-list", "GET"): VIEWER,
    ("retry-stat-list", "POST"): MEMBER,
    ("retry-stat-rates", "GET"): VIEWER,
    ("retry-stat-detail", "GET"): VIEWER,
    ("retry-stat-detail", "DELETE"): MEMBER,
    ("projection", "GET"): VIEWER,
    ("projection-months", "GET"): VIEWER,
    ("alert-list", "GET"): VIEWER,
    ("alert-acknowledge", "POST"): MEMBER,
}

BODIES = {
    ("team-list", "POST"): {"name": "Another"},
    ("team-detail", "PATCH"): {"tier": "tier3"},
    ("member-list", "POST"): {"username": "newcomer", "role": "viewer"},
    ("member-detail", "PATCH"): {"role": "member"},
    ("budget", "PUT"): {"monthly_amount": "300.00"},
    ("plan-list", "POST"): plan_body(name="Another"),
    ("plan-detail", "PUT"): plan_body(name="Replaced"),
    ("plan-detail", "PATCH"): {"name": "Renamed"},
    (
        "retry-stat-list",
        "POST",
    ): {
        "model": "gpt-image-1",
        "period_start": "2026-11-01",
        "period_end": "2026-11-02",
        "attempts": 2,
        "accepted": 1,
    },
}

ROLE_RANK = {VIEWER: 0, MEMBER: 1, OWNER: 2}
REFUSED = {401, 403, 404, 405}


def team_routes() -> dict[tuple[str, str], str]:
    """(URL name, method) -> route, for every pattern under api/v1/teams/ in the resolver."""
    found: dict[tuple[str, str], str] = {}

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/v1/teams/"):
                view = pattern.callback.view_class
                for method in view.http_method_names:
                    if method not in ("head", "options") and hasattr(view, method):
                        found[(pattern.name, method.upper())] = route

    walk(get_resolver().url_patterns, "")
    return found


def test_every_route_and_method_has_an_expectation(db):
    routes = team_routes()

    assert set(routes) - set(LEAST_ROLE) == set(), "add the new endpoint to LEAST_ROLE"
    assert set(LEAST_ROLE) - set(routes) == set(), "LEAST_ROLE names an endpoint that is gone"
    assert all(
        route.startswith("api/v1/teams/<slug:slug>/")
        for (name, _), route in routes.items()
        if name != "team-list"
    )


@pytest.fixture
def world(team, owner, member, viewer, outsider, other_team, staff):
    """The team with a plan, a retry statistic, a budget it exceeds (so alerts) and a fourth
    member to manage; everything computed."""
    target = UserFactory(username="tara")
    services.membership_add(team=team, username="tara", role="viewer")
    UserFactory(username="newcomer")
    plan = plan_create(team)
    statistic = services.retry_statistic_create(
        team=team,
        model=ImageModel.objects.get(slug="gpt-image-1-mini"),
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 7),
        attempts=10,
        accepted=9,
    )
    services.budget_set(team=team, monthly_amount=Decimal("100"), overrides=[], thresholds=[80])
    teams_recompute(team_ids=[team.pk])
    alert = Alert.objects.filter(team=team).first()
    kwargs = {
        "slug": team.slug,
        "plan_id": plan.pk,
        "user_id": target.pk,
        "statistic_id": statistic.pk,
        "alert_id": alert.pk,
    }
    users = {"owner": owner, "member": member, "viewer": viewer, "outsider": outsider, "staff": staff}
    return {"team": team, "kwargs": kwargs, "users": users}


def url_for(name: str, route: str, kwargs: dict) -> str:
    wanted = re.findall(r"<(?:\w+:)?(\w+)>", route)
    return reverse(f"teams:{name}", kwargs={key: kwargs[key] for key in wanted})


def call(client, method: str, path: str, body: dict | None):
    return getattr(client, method.lower())(path, body if body is not None else {}, format="json")


def state(team: Team) -> tuple:
    """What a refused request must not change."""
    team.refresh_from_db()
    return (
        (team.name, team.tier, team.webhook_secret),
        sorted(Membership.objects.filter(team=team).values_list("user_id", "role")),
        Budget.objects.get(team=team).monthly_amount,
        sorted(WorkloadPlan.objects.filter(team=team).values_list("pk", "name")),
        RetryStatistic.objects.filter(team=team).count(),
        sorted(Alert.objects.filter(team=team).values_list("pk", "acknowledged_at")),
        WebhookDelivery.objects.count(),
        Team.objects.count(),
    )


@pytest.mark.parametrize(
    ("name", "method"), sorted(LEAST_ROLE), ids=[f"{m} {n}" for n, m in sorted(LEAST_ROLE)]
)
def test_each_role_gets_what_it_may(world, anon_client, name, method):
    route = team_routes()[(name, method)]
    path = url_for(name, route, world["kwargs"])
    body = BODIES.get((name, method))
    least = LEAST_ROLE[(name, method)]
    users = world["users"]
    before = state(world["team"])

    assert call(anon_client, method, path, body).status_code == 401
    if least == ANY:
        response = call(client_for(users["outsider"]), method, path, body)
        assert response.status_code in (200, 201), response.json()
        return
    for stranger in ("outsider", "staff"):
        response = call(client_for(users[stranger]), method, path, body)
        assert response.status_code == 404, (stranger, response.status_code)
        assert response.json() == {"detail": "No such team."}
    for role in (VIEWER, MEMBER, OWNER):
        if ROLE_RANK[role] < ROLE_RANK[least]:
            response = call(client_for(users[role]), method, path, body)
            assert response.status_code == 403, (role, response.status_code)
    assert state(world["team"]) == before, "a refused request changed something"

    allowed = [role for role in (VIEWER, MEMBER, OWNER) if ROLE_RANK[role] >= ROLE_RANK[least]]
    # An allowed write may consume what it acts on (a delete): only the least role writes.
    for role in allowed if method == "GET" else allowed[:1]:
        response = call(client_for(users[role]), method, path, body)
        assert response.status_code not in REFUSED, (role, response.status_code, response.content)
        if method == "GET":
            assert response.status_code == 200, (role, response.content)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_it_answers_404_for_a_team_that_does_not_exist(member_client, team, method):
    response = call(member_client, method, "/api/v1/teams/no-such-team/plans/", {})

    assert response.status_code == 404


def test_it_answers_405_to_a_member_using_a_method_the_route_lacks(member_client, outsider_client, team):
    path = reverse("teams:projection", kwargs={"slug": team.slug})

    assert member_client.post(path, {}, format="json").status_code == 405
    assert outsider_client.post(path, {}, format="json").status_code == 404
