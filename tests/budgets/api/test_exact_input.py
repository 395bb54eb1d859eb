"""Input is read exactly as the OpenAPI schema states it: JSON only, each field in its JSON type,
decimals in plain digits, query values and page numbers checked, never a 500."""

import pytest

from budgets.models import Membership, WorkloadPlan
from tests.budgets.api.conftest import plan_body, plan_create, url


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rejection_rate", 0.25, "A valid number is required."),
        ("rejection_rate", " 0.25", "A valid number is required."),
        ("rejection_rate", "2.5E-1", "A valid number is required."),
        ("rejection_rate", ".25", "A valid number is required."),
        ("rejection_rate", "-0", "Ensure this value is greater than or equal to 0."),
        ("images_per_month", "10000", "A valid integer is required."),
        ("images_per_month", 10000.0, "A valid integer is required."),
        ("name", 7, "Not a valid string."),
        ("size", 1024, '"1024" is not a valid choice.'),
    ],
)
def test_it_refuses_a_plan_field_in_another_json_type(member_client, team, field, value, message):
    response = member_client.post(url("plan-list", team), plan_body(**{field: value}), format="json")

    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not WorkloadPlan.objects.filter(team=team).exists()


def test_it_refuses_a_boolean_written_as_a_string(owner_client, team):
    response = owner_client.patch(url("team-detail", team), {"org_verified": "false"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"org_verified": ["Must be a valid boolean."]}
    team.refresh_from_db()
    assert team.org_verified is True


def test_it_refuses_a_read_only_field_in_a_body(member_client, team):
    response = member_client.post(url("plan-list", team), plan_body(id=5), format="json")

    assert response.status_code == 400
    assert response.json() == {"id": ["Unknown field."]}


def test_it_refuses_a_form_encoded_body(member_client, team):
    response = member_client.post(url("plan-list", team), plan_body())

    assert response.status_code == 415
    assert "detail" in response.json()


@pytest.mark.parametrize("slug", ["gpt\x00image", "", "not a slug"])
def test_it_refuses_a_bad_model_slug_without_asking_the_database(member_client, team, slug):
    response = member_client.post(
        url("plan-list", team), plan_body(pinned_model=slug, rejection_rates={slug: "0.1"}), format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"pinned_model", "rejection_rates"}


def test_it_refuses_a_month_with_a_trailing_newline(viewer_client, team):
    response = viewer_client.get(url("projection", team), {"month": "2026-11\n"})

    assert response.status_code == 400
    assert list(response.json()) == ["month"]


def test_it_refuses_an_empty_filter_value(viewer_client, team):
    response = viewer_client.get(url("alert-list", team), {"state": ""})

    assert response.status_code == 400
    assert response.json() == {"state": ['"" is not a valid choice.']}


@pytest.mark.parametrize("page", ["", "0", "x", "1.0", "last"])
def test_it_refuses_a_page_that_is_not_a_whole_number_from_1(viewer_client, team, page):
    response = viewer_client.get(url("plan-list", team), {"page": page})

    assert response.status_code == 400
    assert response.json() == {"page": ["A page number: a whole number from 1."]}


def test_it_answers_404_past_the_last_page(viewer_client, team):
    plan_create(team)

    assert viewer_client.get(url("plan-list", team), {"page": "1"}).status_code == 200
    response = viewer_client.get(url("plan-list", team), {"page": "2"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_it_leaves_a_role_as_it_is_when_a_patch_names_none(owner_client, team, viewer):
    response = owner_client.patch(url("member-detail", team, user_id=viewer.pk), {}, format="json")

    assert response.status_code == 200
    assert response.json()["role"] == "viewer"
    assert Membership.objects.get(team=team, user=viewer).role == "viewer"


@pytest.mark.parametrize(
    "webhook_url", ["ftp://hooks.example.com/x", "https://Hooks.example.com/", "https://example.com/\n"]
)
def test_it_refuses_a_webhook_url_outside_its_pattern(owner_client, team, webhook_url):
    response = owner_client.patch(url("team-detail", team), {"webhook_url": webhook_url}, format="json")

    assert response.status_code == 400
    assert response.json() == {"webhook_url": ["Enter a valid URL."]}


def test_an_unknown_api_path_answers_json(member_client):
    response = member_client.get("/api/v1/teams/pixels/plans/-1/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_id_past_64_bits_is_no_rows_without_asking_the_database(member_client, team):
    huge = 2**70

    assert member_client.get(f"/api/v1/teams/{team.slug}/plans/{huge}/").json() == {"detail": "Not found."}
    rates = member_client.get(url("retry-stat-rates", team), {"plan": str(huge)})
    assert rates.status_code == 400
    assert list(rates.json()) == ["plan"]
    statistic = {
        "model": "gpt-image-1-mini",
        "plan": huge,
        "period_start": "2026-11-01",
        "period_end": "2026-11-07",
        "attempts": 10,
        "accepted": 9,
    }
    response = member_client.post(url("retry-stat-list", team), statistic, format="json")
    assert response.status_code == 400
    assert response.json() == {"plan": [f"No plan {huge} in this team."]}
