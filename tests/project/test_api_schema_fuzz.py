"""Schemathesis against the OpenAPI schema the app serves at ``/api/schema/``: every operation,
with every built-in check (no server error; status code, content type, headers and body as
documented; schema-valid input accepted and schema-invalid input refused; auth enforced).

In process (WSGI), inside the test's transaction, each request in a savepoint rolled back
after it, so every example meets the same world: a team with plans, a budget with an
override, retry statistics, projections, open and acknowledged alerts, webhook deliveries,
and a catalog of a published version in force, a published one from January and a draft.

- ``test_the_api_as_an_owner``: signed in (token) as the owner of that team, so every write
  of a team is reached; path ids are those of its rows.
- ``test_the_teams_as_a_member``: a team's writes as a member, refused (403) those of owners.
- ``test_the_api_with_ids_of_nothing``: the owner with generated ids (mostly 404s).
- ``test_the_catalog_as_staff``: the catalog's writes as staff, on the draft.

Bounded: a fixed number of examples per operation, derandomized, no example database.
"""

import datetime
from decimal import Decimal

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import negative_data_rejection

from budgets import notifications, services
from budgets.models import Alert, Membership
from budgets.recompute import teams_recompute
from catalog.api.serializers import CELL_KEYS
from catalog.models import ImageModel
from catalog.services import (
    CellChanges,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)
from tests.budgets.api.conftest import WebhookReceiver
from tests.budgets.factories import UserFactory

TODAY = datetime.date(2026, 11, 24)
NOV, DEC, JAN = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1), datetime.date(2027, 1, 1)
HORIZON = ["2026-11", "2026-12", "2027-01"]
MODELS = ["gpt-image-1-mini", "gpt-image-1.5", "gpt-image-1"]

# Stand-ins the fuzzer is given for the ids of path parameters, swapped for the ids of real
# rows when a request is sent (the rows are made per test, after the schema is loaded).
ROW_IDS = {
    "plan_id": 900_001,
    "statistic_id": 900_002,
    "alert_id": 900_003,
    "user_id": 900_004,
    "version_id": 900_005,
}
EXAMPLES = {"owner": 10, "member": 3, "ids of nothing": 4, "staff": 10}

APP = WSGIHandler()


def config(*, examples: int, pin_ids: bool, version_id: int = ROW_IDS["version_id"]) -> schemathesis.Config:
    pinned = {f"path.{name}": value for name, value in ROW_IDS.items()} if pin_ids else {}
    return schemathesis.Config.from_dict(
        {
            "seed": 20261124,
            "generation": {"max-examples": examples, "deterministic": True, "database": "none"},
            "parameters": {
                "path.slug": "pixels",
                **pinned,
                **({"path.version_id": version_id} if pin_ids else {}),
            },
        }
    )


# The schema as the app serves it, loaded once; each test reads it with its own settings.
SERVED = schemathesis.openapi.from_wsgi("/api/schema/", APP, config=config(examples=1, pin_ids=True))


def served(cfg: schemathesis.Config):
    schema = schemathesis.openapi.from_dict(SERVED.raw_schema, config=cfg)
    schema.app = APP
    return schema


as_owner = served(config(examples=EXAMPLES["owner"], pin_ids=True))
as_member = (
    served(config(examples=EXAMPLES["member"], pin_ids=True)).include(tag="teams").exclude(method="GET")
)
with_ids_of_nothing = served(config(examples=EXAMPLES["ids of nothing"], pin_ids=False)).include(
    path_regex=r"\{(plan_id|statistic_id|alert_id|user_id|version_id)\}"
)
STAFF_DRAFT = 900_006
as_staff = served(config(examples=EXAMPLES["staff"], pin_ids=True, version_id=STAFF_DRAFT)).include(
    tag="catalog"
)

# Hypothesis's health checks judge the generator's speed and sizes on this machine, and the
# one world per operation (function-scoped, reset by the savepoint of each example): not the API.
HYPOTHESIS = settings(
    deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck), print_blob=False
)


# --- The world ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def world(db, monkeypatch, seed_catalog, webhook_receiver):
    monkeypatch.setattr(timezone, "localdate", lambda value=None, timezone=None: TODAY)
    owner = UserFactory(username="olivia")
    member = UserFactory(username="mia")
    UserFactory(username="victor")
    newcomer = UserFactory(username="nina")
    staff = UserFactory(username="stella", is_staff=True, is_superuser=True)
    outsider = UserFactory(username="oscar")
    services.team_create(name="Elsewhere", owner=outsider)

    january = catalog_version_draft_create(
        created_by=staff, clone_from=seed_catalog, label="Prices from January", effective_from=JAN
    )
    mini_low = {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", "price": Decimal("0.004")}
    catalog_version_draft_update(
        version=january,
        label=None,
        effective_from=None,
        source=None,
        changes=CellChanges(image_prices=(mini_low,)),
    )
    catalog_version_publish(version=january, published_by=staff)
    draft = catalog_version_draft_create(created_by=staff, clone_from=january, label="Spring prices")

    team = services.team_create(
        name="Pixels", owner=owner, tier="tier2", org_verified=True, webhook_url=webhook_receiver.url
    )
    # A second owner: the signed-in one may step down or leave (the last owner may not, a
    # 400 that only the data decides), whichever user id the fuzzer draws.
    UserFactory(username="otto")
    services.membership_add(team=team, username="otto", role=Membership.Role.OWNER)
    services.membership_add(team=team, username="mia", role=Membership.Role.MEMBER)
    services.membership_add(team=team, username="victor", role=Membership.Role.VIEWER)
    services.budget_set(
        team=team, monthly_amount=Decimal("100"), overrides=[(DEC, Decimal("350"))], thresholds=[80, 100]
    )
    mini = ImageModel.objects.get(slug="gpt-image-1-mini")
    plan = services.plan_create(
        team=team,
        name="Thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=NOV,
        rejection_rates={"gpt-image-1-mini": Decimal("0.25")},
    )
    services.plan_create(
        team=team,
        name="Posters",
        images_per_month=2_000,
        size="1024x1536",
        quality="high",
        mode="batch",
        start_month=NOV,
        end_month=DEC,
        pinned_model=ImageModel.objects.get(slug="gpt-image-1"),
    )
    statistic = services.retry_statistic_create(
        team=team,
        model=mini,
        plan=plan,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 7),
        attempts=1200,
        accepted=1000,
        created_by=member,
    )
    services.retry_statistic_create(
        team=team,
        model=mini,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        attempts=500,
        accepted=450,
    )
    teams_recompute(team_ids=[team.pk])
    alert = Alert.objects.filter(team=team).order_by("pk").first()
    services.alert_acknowledge(alert=alert, user=member)
    notifications.webhook_test_send(team=team)
    return {
        "owner": owner,
        "member": member,
        "staff": staff,
        "newcomer": newcomer,
        "plan": plan,
        "version_ids": [seed_catalog.pk, january.pk],
        "ids": {
            ROW_IDS["plan_id"]: plan.pk,
            ROW_IDS["statistic_id"]: statistic.pk,
            ROW_IDS["alert_id"]: alert.pk,
            ROW_IDS["user_id"]: member.pk,
            ROW_IDS["version_id"]: january.pk,
            STAFF_DRAFT: draft.pk,
        },
    }


@pytest.fixture
def requests_keep_the_connection():
    """Like Django's test client: requests keep the test's connection, and so its transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def token_header(user) -> dict:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


# --- What the schema cannot say ------------------------------------------------------------
#
# A schema-valid request must be accepted (``positive_data_acceptance``). Some inputs are
# valid only against the data (a model slug, a plan id, a user to add, a month with a
# projection, a date with a version in force) or against another field of the same request
# (``accepted`` at most ``attempts``, ``end_month`` not before ``start_month``); JSON Schema
# cannot state either, and the API answers such input with a documented 400 (api.md; each rule
# has its own unit tests). So a schema-valid example is completed before it is sent: references
# point at real rows and cross-field rules hold. Schema-invalid examples are sent as generated.


def _models(value):
    return [MODELS[i % len(MODELS)] for i, _ in enumerate(value)]


def _rates_of_known_models(rates: dict) -> dict:
    return dict(zip(_models(rates), rates.values(), strict=True)) if isinstance(rates, dict) else rates


def _workload(body: dict, world: dict, *, plan: bool) -> None:
    if "rejection_rates" in body:
        body["rejection_rates"] = _rates_of_known_models(body["rejection_rates"])
    if plan:
        if body.get("pinned_model") is not None:
            body["pinned_model"] = MODELS[0]
        start = body.get("start_month", "2026-11")
        if body.get("end_month") is not None and body["end_month"] < start:
            body["end_month"] = None


def _quote(body: dict, world: dict) -> None:
    _workload(body, world, plan=False)
    if body.get("models") is not None:
        body["models"] = _models(body["models"])
    if body.get("catalog_version") is not None:
        body["catalog_version"] = world["version_ids"][0]
        body["as_of"] = None
    elif body.get("as_of") is not None:
        body["as_of"] = TODAY.isoformat()


def _budget(body: dict, world: dict) -> None:
    seen = set()
    overrides = body.get("overrides")
    if isinstance(overrides, list):
        body["overrides"] = [o for o in overrides if not (o["month"] in seen or seen.add(o["month"]))]


def _retry_statistic(body: dict, world: dict) -> None:
    body["model"] = MODELS[0]
    if body.get("plan") is not None:
        body["plan"] = world["plan"].pk
    if body["period_end"] < body["period_start"]:
        body["period_start"], body["period_end"] = body["period_end"], body["period_start"]
    if body["accepted"] > body["attempts"]:
        body["accepted"], body["attempts"] = body["attempts"], body["accepted"]


def _member(body: dict, world: dict) -> None:
    if "username" in body:
        body["username"] = world["newcomer"].username
    if "email" in body:
        body["email"] = world["newcomer"].email


def _catalog_draft(body: dict, world: dict) -> None:
    if body.get("clone_from") is not None:
        body["clone_from"] = world["version_ids"][0]


def _catalog_cells(body: dict, world: dict) -> None:
    for section, key_fields in CELL_KEYS.items():
        cells = body.get(section)
        if not isinstance(cells, list):
            continue
        for cell in cells:
            cell["model"] = MODELS[0]
            if section == "rate_limits" and cell.get("supported") is None:
                cell.pop("tpm", None)
                cell.pop("ipm", None)
        # A cell may be set once per request: keep the first of each.
        seen = set()
        body[section] = [
            cell
            for cell in cells
            if not ((key := tuple(cell[f] for f in key_fields)) in seen or seen.add(key))
        ]


BODIES = {
    "POST /api/v1/quote/": _quote,
    "POST /api/v1/teams/{slug}/plans/": lambda body, world: _workload(body, world, plan=True),
    "PUT /api/v1/teams/{slug}/plans/{plan_id}/": lambda body, world: _workload(body, world, plan=True),
    "PATCH /api/v1/teams/{slug}/plans/{plan_id}/": lambda body, world: _workload(body, world, plan=True),
    "PUT /api/v1/teams/{slug}/budget/": _budget,
    "POST /api/v1/teams/{slug}/retry-stats/": _retry_statistic,
    "POST /api/v1/teams/{slug}/members/": _member,
    "POST /api/v1/catalog/versions/": _catalog_draft,
    "PATCH /api/v1/catalog/versions/{version_id}/": _catalog_cells,
}
QUERIES = {
    "GET /api/v1/teams/{slug}/projections/": {"month": lambda world: HORIZON[0]},
    "GET /api/v1/teams/{slug}/retry-stats/rates/": {"plan": lambda world: world["plan"].pk},
}


def complete(case, world: dict) -> None:
    for name, value in case.path_parameters.items():
        if value in world["ids"]:
            case.path_parameters[name] = world["ids"][value]
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    label = f"{case.method.upper()} {case.operation.path}"
    if label in BODIES and isinstance(case.body, dict):
        BODIES[label](case.body, world)
    for name, value in QUERIES.get(label, {}).items():
        if case.query and name in case.query:
            case.query[name] = value(world)


# The one check left out, for one operation: a draft's cells are read as leniently as the
# catalog pages' forms and catalog files read them (``CatalogCellsSerializer``): a decimal as
# a JSON number or in any spelling ``Decimal`` reads ("1e2"), a count as "5". The catalog's
# tests pin that; the schema shows the canonical strings, so a number where it says string is
# accepted there, and negative_data_rejection would fail on it. Every other check still runs.
LENIENT_CELLS = "PATCH /api/v1/catalog/versions/{version_id}/"


def send(case, world: dict, user) -> None:
    complete(case, world)
    label = f"{case.method.upper()} {case.operation.path}"
    lenient = user.is_staff and label == LENIENT_CELLS
    with transaction.atomic():
        case.call_and_validate(
            headers=token_header(user), excluded_checks=[negative_data_rejection] if lenient else None
        )
        transaction.set_rollback(True)


# --- The runs ------------------------------------------------------------------------------


@as_owner.parametrize()
@HYPOTHESIS
def test_the_api_as_an_owner(case, world, requests_keep_the_connection):
    send(case, world, world["owner"])


@as_member.parametrize()
@HYPOTHESIS
def test_the_teams_as_a_member(case, world, requests_keep_the_connection):
    send(case, world, world["member"])


@with_ids_of_nothing.parametrize()
@HYPOTHESIS
def test_the_api_with_ids_of_nothing(case, world, requests_keep_the_connection):
    send(case, world, world["owner"])


@as_staff.parametrize()
@HYPOTHESIS
def test_the_catalog_as_staff(case, world, requests_keep_the_connection):
    send(case, world, world["staff"])
