"""POST /api/v1/quote/ as api.md fixes it."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.services import CellChanges, catalog_version_draft_create, catalog_version_draft_update

URL = "/api/v1/quote/"
MEDIUM_SQUARE = {"images_per_month": 10000, "size": "1024x1024", "quality": "medium"}


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("member", password="pw-not-used")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("staff", password="pw-not-used", is_staff=True)


@pytest.fixture
def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_it_quotes_every_model_with_the_api_md_example(client, seed_catalog):
    response = client.post(
        URL, {**MEDIUM_SQUARE, "rejection_rates": {"gpt-image-1-mini": "0.25"}}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["catalog_version"] == {
        "id": seed_catalog.pk,
        "label": "OpenAI 2026-03-27",
        "effective_from": "2026-03-27",
    }
    assert body["recommended"] == "gpt-image-1-mini"
    assert body["options"][0] == {
        "model": "gpt-image-1-mini",
        "eligible": True,
        "reasons": [],
        "warnings": [],
        "rejection_rate": "0.2500",
        "attempts_per_month": "13333.33",
        "output_cost": "146.67",
        "input_cost": "0.00",
        "batch_savings": "0.00",
        "api_cost": "146.67",
        "rework_cost": "0.00",
        "total_cost": "146.67",
        "cost_per_accepted_image": "0.014667",
        "break_even_rejection_rate": None,
    }
    assert [(o["model"], o["total_cost"], o["break_even_rejection_rate"]) for o in body["options"][1:]] == [
        ("gpt-image-1.5", "340.00", "0.6765"),
        ("gpt-image-1", "420.00", "0.7381"),
    ]


def test_it_lists_ineligible_models_last_with_reasons_and_null_money(client, seed_catalog):
    response = client.post(
        URL,
        {**MEDIUM_SQUARE, "tier": "tier2", "peak_images_per_minute": "20", "rejection_rate": "0.0566"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["recommended"] == "gpt-image-1.5"
    assert [o["model"] for o in body["options"]] == ["gpt-image-1.5", "gpt-image-1", "gpt-image-1-mini"]
    mini = body["options"][2]
    assert mini["eligible"] is False
    assert mini["reasons"] == ["needs 21.2 images/min at peak; tier2 allows 20"]
    money_fields = [
        "attempts_per_month",
        "output_cost",
        "input_cost",
        "batch_savings",
        "api_cost",
        "rework_cost",
        "total_cost",
        "cost_per_accepted_image",
        "break_even_rejection_rate",
    ]
    assert all(mini[name] is None for name in money_fields)
    assert mini["rejection_rate"] == "0.0566"


def test_it_prices_tokens_batch_and_rework(client, seed_catalog):
    response = client.post(
        URL,
        {
            "images_per_month": 1000,
            "size": "1024x1024",
            "quality": "medium",
            "mode": "batch",
            "prompt_tokens": 500,
            "input_images": 1,
            "tokens_per_input_image": 1000,
            "cached_input_share": "0.2",
            "rejection_rate": "0.2",
            "cost_per_rejected_image": "0.10",
            "models": ["gpt-image-1.5"],
        },
        format="json",
    )

    assert response.status_code == 200
    (option,) = response.json()["options"]
    # 1,250 attempts: output 42.50, input 1,250 x 0.008925 = 11.15625; half off; 250 x 0.10 rework.
    assert option == {
        "model": "gpt-image-1.5",
        "eligible": True,
        "reasons": [],
        "warnings": ["Batch API jobs finish asynchronously, within 24 hours: not for interactive use"],
        "rejection_rate": "0.2000",
        "attempts_per_month": "1250.00",
        "output_cost": "42.50",
        "input_cost": "11.16",
        "batch_savings": "26.83",
        "api_cost": "26.83",
        "rework_cost": "25.00",
        "total_cost": "51.83",
        "cost_per_accepted_image": "0.051828",
        "break_even_rejection_rate": None,
    }


def test_it_says_why_no_model_is_eligible(client, seed_catalog):
    response = client.post(
        URL, {**MEDIUM_SQUARE, "tier": "free", "models": ["gpt-image-1-mini", "gpt-image-1"]}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["recommended"] is None
    assert [o["reasons"] for o in body["options"]] == [
        ["gpt-image-1 is not available on the free tier"],
        ["gpt-image-1-mini is not available on the free tier"],
    ]


def test_it_prices_with_the_version_in_force_on_as_of(client, seed_catalog, staff):
    later = catalog_version_draft_create(
        created_by=staff,
        clone_from=seed_catalog,
        label="Cheaper mini",
        effective_from=datetime.date(2026, 6, 1),
    )
    catalog_version_draft_update(
        version=later,
        changes=CellChanges(
            image_prices=(
                {"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": "0.010"},
            )
        ),
    )
    from catalog.services import catalog_version_publish

    catalog_version_publish(version=later, published_by=staff)

    before = client.post(
        URL, {**MEDIUM_SQUARE, "as_of": "2026-05-31", "models": ["gpt-image-1-mini"]}, format="json"
    )
    after = client.post(
        URL, {**MEDIUM_SQUARE, "as_of": "2026-06-01", "models": ["gpt-image-1-mini"]}, format="json"
    )
    by_id = client.post(
        URL,
        {**MEDIUM_SQUARE, "catalog_version": seed_catalog.pk, "models": ["gpt-image-1-mini"]},
        format="json",
    )

    assert (before.status_code, after.status_code, by_id.status_code) == (200, 200, 200)
    assert before.json()["options"][0]["total_cost"] == "110.00"
    assert after.json()["catalog_version"]["label"] == "Cheaper mini"
    assert after.json()["options"][0]["total_cost"] == "100.00"
    assert by_id.json()["options"][0]["total_cost"] == "110.00"


def test_it_lets_only_staff_quote_a_draft(client, seed_catalog, staff):
    draft = catalog_version_draft_create(created_by=staff, clone_from=seed_catalog)
    staff_client = APIClient()
    staff_client.force_authenticate(staff)

    member = client.post(URL, {**MEDIUM_SQUARE, "catalog_version": draft.pk}, format="json")
    as_staff = staff_client.post(URL, {**MEDIUM_SQUARE, "catalog_version": draft.pk}, format="json")

    assert member.status_code == 400
    assert member.json() == {"catalog_version": [f"No published catalog version has id {draft.pk}."]}
    assert as_staff.status_code == 200
    assert as_staff.json()["catalog_version"]["id"] == draft.pk


def test_it_answers_400_when_no_version_is_in_force(client, seed_catalog):
    response = client.post(URL, {**MEDIUM_SQUARE, "as_of": "2026-03-26"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"as_of": ["No catalog version was in force on 2026-03-26."]}


def test_it_answers_400_with_an_empty_catalog(client):
    response = client.post(URL, MEDIUM_SQUARE, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["catalog_version"]


def test_it_refuses_anonymous_callers(db, seed_catalog):
    response = APIClient().post(URL, MEDIUM_SQUARE, format="json")

    assert response.status_code == 401


def test_it_accepts_a_token(user, seed_catalog):
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.post(URL, MEDIUM_SQUARE, format="json")

    assert response.status_code == 200
    assert response.json()["recommended"] == "gpt-image-1-mini"


BAD_INPUTS = [
    ({"images_per_month": None}, "images_per_month"),
    ({"images_per_month": 0}, "images_per_month"),
    ({"images_per_month": -5}, "images_per_month"),
    ({"images_per_month": 1_000_000_001}, "images_per_month"),
    ({"images_per_month": 10.5}, "images_per_month"),
    ({"images_per_month": "many"}, "images_per_month"),
    ({"images_per_month": True}, "images_per_month"),
    ({"images_per_month": [10]}, "images_per_month"),
    ({"size": "512x512"}, "size"),
    ({"size": None}, "size"),
    ({"quality": "ultra"}, "quality"),
    ({"mode": "overnight"}, "mode"),
    ({"prompt_tokens": -1}, "prompt_tokens"),
    ({"prompt_tokens": 10_000_001}, "prompt_tokens"),
    ({"input_images": "two"}, "input_images"),
    ({"tokens_per_input_image": 10_000_001}, "tokens_per_input_image"),
    ({"cached_input_share": "1.01"}, "cached_input_share"),
    ({"cached_input_share": "-0.1"}, "cached_input_share"),
    ({"cached_input_share": "NaN"}, "cached_input_share"),
    ({"rejection_rate": "0.96"}, "rejection_rate"),
    ({"rejection_rate": "-0.01"}, "rejection_rate"),
    ({"rejection_rate": "Infinity"}, "rejection_rate"),
    ({"rejection_rate": "1e-30"}, "rejection_rate"),
    ({"rejection_rate": "abc"}, "rejection_rate"),
    ({"rejection_rates": {"gpt-image-9": "0.1"}}, "rejection_rates"),
    ({"rejection_rates": {"gpt-image-1-mini": "0.99"}}, "rejection_rates"),
    ({"rejection_rates": ["gpt-image-1-mini"]}, "rejection_rates"),
    ({"cost_per_rejected_image": "-1"}, "cost_per_rejected_image"),
    ({"cost_per_rejected_image": "1000001"}, "cost_per_rejected_image"),
    ({"tier": "tier9"}, "tier"),
    ({"tier": 2}, "tier"),
    ({"org_verified": "maybe"}, "org_verified"),
    ({"peak_images_per_minute": "-3"}, "peak_images_per_minute"),
    ({"peak_images_per_minute": "fast"}, "peak_images_per_minute"),
    ({"models": []}, "models"),
    ({"models": ["gpt-image-9"]}, "models"),
    ({"models": "gpt-image-1"}, "models"),
    ({"catalog_version": 999999}, "catalog_version"),
    ({"catalog_version": "latest"}, "catalog_version"),
    ({"as_of": "2026-13-01"}, "as_of"),
    ({"as_of": "2026-06-01", "catalog_version": 1}, "as_of"),
    ({"imagesPerMonth": 5}, "imagesPerMonth"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUTS, ids=[repr(c) for c, _ in BAD_INPUTS])
def test_it_answers_400_naming_the_field_for_bad_input(client, seed_catalog, change, field):
    response = client.post(URL, {**MEDIUM_SQUARE, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("missing", ["images_per_month", "size", "quality"])
def test_it_requires_the_three_workload_fields(client, seed_catalog, missing):
    body = {k: v for k, v in MEDIUM_SQUARE.items() if k != missing}

    response = client.post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {missing: ["This field is required."]}


@pytest.mark.parametrize(
    "body",
    [
        b"[1, 2]",
        b'"text"',
        b"{not json",
        b"",
        b"null",
        b'{"images_per_month": Infinity, "size": "1024x1024", "quality": "low"}',
        b'{"images_per_month": 10, "size": "1024x1024", "quality": "low", "rejection_rate": NaN}',
    ],
)
def test_it_answers_400_to_a_body_that_is_not_an_object(client, seed_catalog, body):
    response = client.post(URL, body, content_type="application/json")

    assert response.status_code == 400


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=5,
)
quote_fields = st.sampled_from(
    [
        "images_per_month",
        "size",
        "quality",
        "mode",
        "prompt_tokens",
        "input_images",
        "tokens_per_input_image",
        "cached_input_share",
        "rejection_rate",
        "rejection_rates",
        "cost_per_rejected_image",
        "tier",
        "org_verified",
        "peak_images_per_minute",
        "models",
        "catalog_version",
        "as_of",
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(quote_fields, json_values, max_size=4))
def test_no_input_gets_a_server_error(client, seed_catalog, changes):
    response = client.post(URL, {**MEDIUM_SQUARE, **changes}, format="json")

    assert response.status_code in (200, 400)


def test_it_prices_the_largest_valid_workload_without_overflow(client, seed_catalog):
    response = client.post(
        URL,
        {
            "images_per_month": 1_000_000_000,
            "size": "1536x1024",
            "quality": "high",
            "prompt_tokens": 10_000_000,
            "input_images": 10_000_000,
            "tokens_per_input_image": 10_000_000,
            "cached_input_share": "0.00000000000000000001",
            "rejection_rate": "0.95",
            "cost_per_rejected_image": "1000000",
            "peak_images_per_minute": "100000000",
            "tier": "tier5",
        },
        format="json",
    )

    assert response.status_code == 200
    flagship = response.json()["options"][0]
    assert flagship["model"] == "gpt-image-1.5"
    assert flagship["attempts_per_month"] == "20000000000.00"
    assert flagship["rework_cost"] == "19000000000000000.00"
