"""Every page and every API read runs a fixed number of queries, however many rows it shows.

``READS`` names each one (every route of the site but the Django admin's) with who
reads it, what the grown page must show, and its ceiling. The test reads each twice:
in a small world (one plan, one statistic, one delivery, the seed catalog, the
horizon's three months...), then after the world has grown to ``MANY`` of everything
(teams, members, plans, retry statistics, budget overrides, alerts, webhook
deliveries, catalog versions, drafts, image models and their cells, and a twelve-month
horizon priced by several versions). Both counts stay under the ceiling and the
second is no larger than the first: a query per row fails whatever the ceiling.
Each count includes the session and its user (two queries); API lists are paginated
by 50, and ``MANY`` stays within one page.

The routes come from the URL resolver: a new page or endpoint fails
``test_every_route_is_counted_or_only_writes`` until it is in ``READS`` or, when a
GET of it answers 405, in ``WRITES``.
"""

import datetime
import json
import re
import traceback
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from budgets import services
from budgets.models import Alert, Team, WebhookDelivery
from budgets.months import months_from
from budgets.recompute import teams_recompute
from catalog.models import CatalogVersion, ImageModel
from catalog.selectors import catalog_version_cells
from catalog.services import (
    CellChanges,
    catalog_file_import,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)
from conftest import SEED_CATALOG
from tests.budgets.factories import UserFactory
from tests.catalog.factories import ImageModelFactory

# Marked so the test database is set up for the module's ``readings``.
pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 24)
NOV = datetime.date(2026, 11, 1)
MINI = "gpt-image-1-mini"
MANY = 25
# The grown horizon: 2026-11 to 2027-10, priced by the seed, an autumn and a spring version.
MANY_MONTHS = 12
PER_IMAGE_PLACES = Decimal("0.000001")

# --- The world ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """Who reads, what grows, and the URL arguments that point into it, by name."""

    users: dict[str, AbstractBaseUser]
    team: Team
    draft: CatalogVersion
    seed: CatalogVersion
    url_kwargs: dict[str, object]


def plan_fields(name: str, **fields) -> dict:
    return {
        "name": name,
        "images_per_month": 10_000,
        "size": "1024x1024",
        "quality": "medium",
        "start_month": NOV,
        **fields,
    }


def recompute_everything() -> None:
    teams_recompute(team_ids=list(Team.objects.values_list("pk", flat=True)), today=TODAY)


def small_world() -> World:
    """One of everything: a team with a plan, a statistic of its own and a team-wide one, a
    budget it exceeds (so alerts, one acknowledged), a webhook delivery, a second team, an
    API token, and a draft cloned from the seed catalog with one price changed."""
    seed, _ = catalog_file_import(data=json.loads(SEED_CATALOG.read_text()))
    owner = UserFactory(username="olivia")
    member = UserFactory(username="mia")
    staff = UserFactory(username="stella", is_staff=True)
    team = services.team_create(name="Pixels", owner=owner, tier="tier2", org_verified=True)
    services.membership_add(team=team, username="mia", role="member")
    services.team_create(name="Posters", owner=owner)
    mini = ImageModel.objects.get(slug="gpt-image-1-mini")
    plan = services.plan_create(
        team=team,
        **plan_fields(
            "Thumbnails",
            pinned_model=ImageModel.objects.get(slug="gpt-image-1"),
            rejection_rates={"gpt-image-1-mini": Decimal("0.1")},
        ),
    )
    statistic = services.retry_statistic_create(
        team=team,
        model=mini,
        plan=plan,
        period_start=NOV,
        period_end=datetime.date(2026, 11, 7),
        attempts=100,
        accepted=90,
        created_by=member,
    )
    services.retry_statistic_create(
        team=team,
        model=ImageModel.objects.get(slug="gpt-image-1.5"),
        period_start=NOV,
        period_end=datetime.date(2026, 11, 7),
        attempts=50,
        accepted=40,
        created_by=owner,
    )
    services.budget_set(
        team=team,
        monthly_amount=Decimal("100.00"),
        overrides=[(datetime.date(2026, 12, 1), Decimal("150.00"))],
        thresholds=[80, 100],
    )
    WebhookDelivery.objects.create(
        team=team, event="alert.opened", url="https://hooks.example.com/0", attempt=1, status_code=200
    )
    Token.objects.create(user=owner)
    draft = catalog_version_draft_create(
        created_by=staff, clone_from=seed, label="Winter prices", effective_from=datetime.date(2026, 12, 1)
    )
    price = {"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": Decimal("0.02")}
    catalog_version_draft_update(version=draft, changes=CellChanges(image_prices=(price,)))
    recompute_everything()
    alert = Alert.objects.filter(team=team).order_by("pk").first()
    services.alert_acknowledge(alert=alert, user=member)
    return World(
        users={"owner": owner, "staff": staff},
        team=team,
        draft=draft,
        seed=seed,
        url_kwargs={
            "slug": team.slug,
            "plan_id": plan.pk,
            "statistic_id": statistic.pk,
            "alert_id": alert.pk,
            "user_id": member.pk,
            "version_id": draft.pk,
            "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
            "token": default_token_generator.make_token(owner),
        },
    )


def grow(world: World) -> None:
    """``MANY`` of everything; under a twelve-month horizon, priced by three versions."""
    owner, staff, team = world.users["owner"], world.users["staff"], world.team
    new_models = [ImageModelFactory(slug=f"grown-model-{n:02d}", role="budget") for n in range(1, MANY + 1)]
    seed_cells = catalog_version_cells(version=world.seed)

    def cells_for(slugs: list[str], price_factor: Decimal) -> CellChanges:
        """The seed's cells of gpt-image-1-mini copied onto each of ``slugs``, prices scaled."""

        def copy(row: dict, slug: str) -> dict:
            copied = {**row, "model": slug}
            if "price" in row:
                copied["price"] = (row["price"] * price_factor).quantize(PER_IMAGE_PLACES)
            return copied

        return CellChanges(
            **{
                section: tuple(copy(row, slug) for slug in slugs for row in rows if row["model"] == MINI)
                for section, rows in seed_cells.items()
            }
        )

    slugs = [m.slug for m in new_models]
    # Past versions, then an autumn one in force today (mid-November) and a spring one.
    for n in range(1, MANY + 1):
        old = catalog_version_draft_create(
            created_by=staff,
            clone_from=world.seed,
            label=f"Grown version {n:02d}",
            effective_from=datetime.date(2026, 4, 1) + datetime.timedelta(days=7 * n),
        )
        catalog_version_publish(version=old, published_by=staff)
    for label, effective_from, factor in (
        ("Autumn prices", datetime.date(2026, 11, 10), Decimal("1.1")),
        ("Spring prices", datetime.date(2027, 3, 15), Decimal("0.9")),
    ):
        version = catalog_version_draft_create(
            created_by=staff, clone_from=world.seed, label=label, effective_from=effective_from
        )
        catalog_version_draft_update(version=version, changes=cells_for(slugs, factor))
        catalog_version_publish(version=version, published_by=staff)
    for n in range(1, MANY + 1):
        catalog_version_draft_create(created_by=staff, label=f"Grown draft {n:02d}")
    catalog_version_draft_update(version=world.draft, changes=cells_for(slugs, Decimal("1.2")))
    catalog_version_draft_update(
        version=world.draft,
        changes=CellChanges(
            image_prices=tuple(
                {**row, "price": row["price"] * 2}
                for row in seed_cells["image_prices"]
                if row["model"] != MINI
            )
        ),
    )

    users = []
    for n in range(1, MANY + 1):
        user = UserFactory(username=f"grown{n:02d}")
        services.membership_add(team=team, username=user.username, role=("member", "viewer", "owner")[n % 3])
        users.append(user)
        other = services.team_create(name=f"Grown team {n:02d}", owner=owner, tier="tier2")
        services.plan_create(team=other, **plan_fields(f"Plan of team {n:02d}"))
        services.budget_set(team=other, monthly_amount=Decimal("50.00"), overrides=[], thresholds=[80])

    models = list(ImageModel.objects.order_by("slug"))
    for n in range(1, MANY + 1):
        plan = services.plan_create(
            team=team,
            **plan_fields(
                f"Grown plan {n:02d}",
                images_per_month=1_000 * n,
                quality=("low", "medium", "high")[n % 3],
                start_month=NOV if n % 2 else datetime.date(2027, 2, 1),
                end_month=datetime.date(2027, 6, 1) if n % 4 == 0 else None,
                pinned_model=models[n % len(models)] if n % 3 == 0 else None,
                rejection_rates={slugs[n - 1]: Decimal("0.2"), "gpt-image-1": Decimal("0.05")},
            ),
        )
        for whose in (plan, None):
            services.retry_statistic_create(
                team=team,
                model=models[n % len(models)],
                plan=whose,
                period_start=NOV,
                period_end=datetime.date(2026, 11, 7) + datetime.timedelta(days=n),
                attempts=100 + n,
                accepted=80,
                created_by=users[n - 1],
            )
    services.budget_set(
        team=team,
        monthly_amount=Decimal("40.00"),
        overrides=[(month, Decimal(60 + m)) for m, month in enumerate(months_from(TODAY, MANY_MONTHS))],
        thresholds=[50, 80, 100, 120, 150],
    )
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            team=team,
            event="alert.opened",
            url=f"https://hooks.example.com/{n:02d}",
            attempt=1 + n % 3,
            status_code=500 if n % 2 else None,
            error="" if n % 2 else "timed out",
            duration_ms=1000 + n,
        )
        for n in range(1, MANY + 1)
    )
    recompute_everything()
    for n, alert in enumerate(Alert.objects.filter(team=team, acknowledged_at__isnull=True)):
        services.alert_acknowledge(alert=alert, user=users[n % len(users)])


# --- What each route reads ---------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """A route read by ``user`` (``owner`` of Pixels, or ``staff``) in at most ``ceiling``
    queries; its grown answer shows every text of ``shows``. A quote is a POST that only
    reads: of ``json`` (the API) or of ``form`` (the live quote of the plan form)."""

    ceiling: int
    user: str = "owner"
    shows: tuple[str, ...] = ()
    json: dict | None = None
    form: dict | None = None
    follow: bool = False


QUOTE = {"images_per_month": 10000, "size": "1024x1024", "quality": "medium"}
PLAN_FORM = {"team": "pixels", **QUOTE, "mode": "interactive", "start_month": "2026-11"}

READS: dict[str, Read] = {
    # Team pages
    "home": Read(3, shows=("Grown team 25",)),
    "team-create": Read(2),
    "team-dashboard": Read(7, shows=("Grown plan 25", "October 2027")),
    "plan-list": Read(4, shows=("Grown plan 25",)),
    "plan-create": Read(9, shows=("grown-model-25",)),
    "plan-detail": Read(7, shows=("October 2027", "Autumn prices", "Spring prices")),
    "plan-edit": Read(20, shows=("grown-model-25",)),
    "plan-delete": Read(5, shows=("its 12 monthly projections",)),
    "quote-preview": Read(16, form=PLAN_FORM, shows=("grown-model-25",)),
    "retry-stats": Read(19, shows=("Grown plan 25", "grown-model-25", "grown25")),
    "retry-stat-delete": Read(4),
    "alerts": Read(4, shows=("October 2027", "grown25")),
    "team-settings": Read(7, shows=("1025 ms", "2027-10")),
    "members": Read(4, shows=("grown25",)),
    # budgets.impact reads the teams 200 at a time (CHUNK_SIZE): 7 more queries per 200 more teams.
    "catalog-publish": Read(34, user="staff", shows=("of 27", "October 2027", "grown-model-25")),
    # Catalog pages
    "catalog-web:prices": Read(8, user="staff", shows=("grown-model-25",)),
    "catalog-web:versions": Read(4, user="staff", shows=("Grown version 25", "Grown draft 25")),
    "catalog-web:version": Read(9, user="staff", shows=("grown-model-25",)),
    "catalog-web:edit": Read(8, user="staff", shows=("grown-model-25",)),
    "catalog-web:delete": Read(3, user="staff"),
    "catalog-web:diff": Read(13, user="staff", shows=("grown-model-25", "Grown version 25")),
    # Account pages
    "account": Read(3),
    "login": Read(2),
    "password_change": Read(2),
    "password_change_done": Read(2),
    "password_reset": Read(2),
    "password_reset_done": Read(2),
    "password_reset_confirm": Read(3, follow=True),
    "password_reset_complete": Read(2),
    # Health and the API's documentation
    "healthz": Read(3),
    "readyz": Read(3),
    "schema": Read(2),
    "api-docs": Read(2),
    "api-redoc": Read(2),
    # The API
    "quote": Read(8, json=QUOTE, shows=("grown-model-25",)),
    "catalog:version-list": Read(4, user="staff", shows=("Grown version 25", "Grown draft 25")),
    "catalog:version-current": Read(8, shows=("grown-model-25",)),
    "catalog:version-detail": Read(7, user="staff", shows=("grown-model-25",)),
    "catalog:version-diff": Read(12, user="staff", shows=("grown-model-25",)),
    "teams:team-list": Read(4, shows=("Grown team 25",)),
    "teams:team-detail": Read(3),
    "teams:webhook-delivery-list": Read(5, shows=("hooks.example.com/25",)),
    "teams:member-list": Read(5, shows=("grown25",)),
    "teams:member-detail": Read(4),
    "teams:budget": Read(6, shows=("2027-10",)),
    "teams:plan-list": Read(5, shows=("Grown plan 25",)),
    "teams:plan-detail": Read(4),
    "teams:plan-recommendation": Read(5, shows=("grown-model-25",)),
    "teams:retry-stat-list": Read(5, shows=("grown25",)),
    "teams:retry-stat-rates": Read(5, shows=("grown-model-25",)),
    "teams:retry-stat-detail": Read(4),
    "teams:projection": Read(5, shows=("Grown plan 25",)),
    "teams:projection-months": Read(5, shows=("2027-10", "Grown plan 25")),
    "teams:alert-list": Read(5, shows=("2027-10",)),
}

# Routes that only write, with who asks for them: a GET answers 405 (checked below).
WRITES: dict[str, str] = {
    "alert-acknowledge": "owner",
    "webhook-test": "owner",
    "catalog-web:draft-create": "staff",
    "catalog-web:cell-save": "staff",
    "logout": "owner",
    "catalog:version-publish": "staff",
    "teams:webhook-test": "owner",
    "teams:webhook-rotate-secret": "owner",
    "teams:alert-acknowledge": "owner",
}


def site_routes() -> dict[str, str]:
    """Every named route of the site but the Django admin's: name (with namespace) -> route."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # Django's own pages, read-only for budgets (tests/budgets/api/test_admin.py)
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"the route {route} has no name"
                found[namespace + pattern.name] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def url_of(name: str, world: World) -> str:
    wanted = re.findall(r"<(?:\w+:)?(\w+)>", site_routes()[name])
    return reverse(name, kwargs={key: world.url_kwargs[key] for key in wanted})


def read(client: Client, name: str, world: World) -> HttpResponse:
    spec = READS[name]
    path = url_of(name, world)
    if spec.json is not None:
        return client.post(path, spec.json, content_type="application/json")
    if spec.form is not None:
        return client.post(path, spec.form)
    return client.get(path, follow=spec.follow)


# --- Reading everything, once ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    content: str
    queries: list[str]


def answer(client: Client, name: str, world: World) -> Answer:
    with CaptureQueriesContext(connection) as captured:
        try:
            response = read(client, name, world)
        except Exception:  # shown by the route's own test, never hiding the others'
            return Answer(status=0, content=traceback.format_exc(), queries=[])
    queries = [query["sql"] for query in captured.captured_queries]
    return Answer(status=response.status_code, content=response.content.decode(), queries=queries)


@dataclass(frozen=True)
class Readings:
    few: dict[str, Answer]
    many: dict[str, Answer]
    get_of_writes: dict[str, int]


@pytest.fixture(scope="module")
def readings(django_db_setup, django_db_blocker) -> Readings:
    """Every route of ``READS`` read in the small world, then in the grown one, and every
    route of ``WRITES`` asked for with a GET.

    Growing the world takes seconds, so it is built once for the whole module, in a
    transaction rolled back before any test runs; the tests only look at the answers.
    """
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setattr(timezone, "localdate", lambda value=None, timezone=None: TODAY)
        world = small_world()
        clients = {}
        for role, user in world.users.items():
            clients[role] = Client()
            clients[role].force_login(user)
        for name, spec in READS.items():
            answer(clients[spec.user], name, world)  # warms up what a process caches once
        few = {name: answer(clients[spec.user], name, world) for name, spec in READS.items()}
        get_of_writes = {
            name: clients[role].get(url_of(name, world)).status_code for name, role in WRITES.items()
        }
        with override_settings(SPENDLANE_HORIZON_MONTHS=MANY_MONTHS):
            grow(world)
            many = {name: answer(clients[spec.user], name, world) for name, spec in READS.items()}
        transaction.set_rollback(True)
    return Readings(few=few, many=many, get_of_writes=get_of_writes)


# --- Tests -------------------------------------------------------------------------------------


def test_every_route_is_counted_or_only_writes():
    routes = set(site_routes())

    assert routes - set(READS) - set(WRITES) == set(), "add the new route to READS (or WRITES)"
    assert (set(READS) | set(WRITES)) - routes == set(), "READS or WRITES names a route that is gone"
    assert set(READS) & set(WRITES) == set()


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_route_that_only_writes_refuses_a_get(readings, name):
    assert readings.get_of_writes[name] == 405


@pytest.mark.parametrize("name", sorted(READS))
def test_it_reads_a_fixed_number_of_queries(readings, name):
    few, many = readings.few[name], readings.many[name]
    ceiling = READS[name].ceiling

    assert (few.status, many.status) == (200, 200), (few.content or many.content)[:3000]
    for text in READS[name].shows:
        assert text in many.content, f"the grown answer does not show {text!r}"
    assert len(many.queries) <= len(few.queries), "\n".join(["more queries with more rows:", *many.queries])
    assert len(few.queries) <= ceiling, "\n".join([f"over {ceiling} queries:", *few.queries])
