"""Workload plans: list, create, read, replace, change, delete; and their recommendation."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgets.models import RecomputeMark, WorkloadPlan
from budgets.recompute import teams_recompute
from catalog.models import ImageModel
from tests.budgets.api.conftest import DEC, NOV, TODAY, plan_body, plan_create, url
from tests.routing.test_quote_api import BAD_INPUTS, json_values


def test_it_creates_a_plan_and_marks_the_team_stale(member_client, team):
    response = member_client.post(
        url("plan-list", team),
        plan_body(rejection_rates={"gpt-image-1-mini": "0.250000"}, end_month="2027-06"),
        format="json",
    )

    assert response.status_code == 201
    plan = WorkloadPlan.objects.get(team=team)
    assert response.json() == {
        "id": plan.pk,
        "name": "Thumbnails",
        "images_per_month": 10000,
        "size": "1024x1024",
        "quality": "medium",
        "mode": "interactive",
        "prompt_tokens": 0,
        "input_images": 0,
        "tokens_per_input_image": 0,
        "cached_input_share": "0",
        "rejection_rate": "0",
        "rejection_rates": {"gpt-image-1-mini": "0.25"},
        "cost_per_rejected_image": "0",
        "peak_images_per_minute": None,
        "start_month": "2026-11",
        "end_month": "2027-06",
        "pinned_model": None,
        "recommended_model": None,
        "projected_monthly_cost": None,
        "computed_at": None,
        "stale": True,
    }
    assert (plan.start_month, plan.end_month) == (NOV, datetime.date(2027, 6, 1))
    assert plan.rejection_rates == {"gpt-image-1-mini": "0.250000"}
    assert RecomputeMark.objects.filter(team=team).exists()


def test_it_shows_the_recompute_once_it_ran(member_client, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = member_client.post(url("plan-list", team), plan_body(), format="json")

    response = member_client.get(url("plan-detail", team, plan_id=created.json()["id"]))

    assert created.status_code == 201
    assert response.status_code == 200
    body = response.json()
    assert body["recommended_model"] == "gpt-image-1-mini"
    assert body["projected_monthly_cost"] == "110.00"
    assert body["computed_at"] is not None
    assert body["stale"] is False
    assert not RecomputeMark.objects.filter(team=team).exists()


def test_it_stores_every_workload_field_exactly(member_client, team):
    response = member_client.post(
        url("plan-list", team),
        plan_body(
            mode="batch",
            prompt_tokens=500,
            input_images=2,
            tokens_per_input_image=1000,
            cached_input_share="0.125000",
            rejection_rate="0.05",
            cost_per_rejected_image="0.123456",
            peak_images_per_minute="12.3456",
            pinned_model="gpt-image-1.5",
        ),
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["cached_input_share"], body["cost_per_rejected_image"]) == ("0.125", "0.123456")
    assert (body["peak_images_per_minute"], body["pinned_model"]) == ("12.3456", "gpt-image-1.5")
    plan = WorkloadPlan.objects.get(pk=body["id"])
    assert plan.mode == "batch"
    assert (plan.prompt_tokens, plan.input_images, plan.tokens_per_input_image) == (500, 2, 1000)
    assert plan.cached_input_share == Decimal("0.125")
    assert plan.rejection_rate == Decimal("0.05")
    assert plan.cost_per_rejected_image == Decimal("0.123456")
    assert plan.peak_images_per_minute == Decimal("12.3456")
    assert plan.pinned_model == ImageModel.objects.get(slug="gpt-image-1.5")


PLAN_BAD_INPUTS = [
    *BAD_INPUTS,
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"cached_input_share": "0.0000001"}, "cached_input_share"),
    ({"rejection_rate": "0.1234567"}, "rejection_rate"),
    ({"rejection_rates": {"gpt-image-1-mini": "0.1234567"}}, "rejection_rates"),
    ({"cost_per_rejected_image": "0.0000001"}, "cost_per_rejected_image"),
    ({"peak_images_per_minute": "1.00001"}, "peak_images_per_minute"),
    ({"peak_images_per_minute": "100000001"}, "peak_images_per_minute"),
    ({"start_month": None}, "start_month"),
    ({"start_month": "2026-13"}, "start_month"),
    ({"start_month": "2026-1"}, "start_month"),
    ({"start_month": "2026-11-01"}, "start_month"),
    ({"start_month": "November"}, "start_month"),
    ({"start_month": 202611}, "start_month"),
    ({"end_month": "2026-10"}, "end_month"),
    ({"end_month": "2026"}, "end_month"),
    ({"end_month": "2026-00"}, "end_month"),
    ({"pinned_model": "gpt-image-9"}, "pinned_model"),
    ({"pinned_model": ""}, "pinned_model"),
    ({"pinned_model": 5}, "pinned_model"),
    ({"pinned_model": ["gpt-image-1"]}, "pinned_model"),
    ({"team": "elsewhere"}, "team"),
]


@pytest.mark.parametrize(("change", "field"), PLAN_BAD_INPUTS, ids=[repr(c) for c, _ in PLAN_BAD_INPUTS])
def test_it_answers_400_naming_the_field_for_a_bad_plan(member_client, team, change, field):
    response = member_client.post(url("plan-list", team), {**plan_body(), **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not WorkloadPlan.objects.exists()


@pytest.mark.parametrize("missing", ["name", "images_per_month", "size", "quality", "start_month"])
def test_it_requires_the_plans_fields(member_client, team, missing):
    body = {k: v for k, v in plan_body().items() if k != missing}

    response = member_client.post(url("plan-list", team), body, format="json")

    assert response.status_code == 400
    assert response.json() == {missing: ["This field is required."]}


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json", b"null", b'"text"'])
def test_it_answers_400_to_a_body_that_is_not_an_object(member_client, team, body):
    response = member_client.post(url("plan-list", team), body, content_type="application/json")

    assert response.status_code == 400


def test_it_lists_and_filters_plans(viewer_client, team):
    thumbnails = plan_create(team, name="Thumbnails")
    banners = plan_create(team, name="Banners", start_month=DEC, quality="high", size="1536x1024")
    ended = plan_create(team, name="Old banners", start_month=datetime.date(2026, 1, 1), end_month=NOV)
    pinned = plan_create(team, name="Pinned", pinned_model=ImageModel.objects.get(slug="gpt-image-1"))
    teams_recompute(team_ids=[team.pk])

    def names(**params):
        response = viewer_client.get(url("plan-list", team), params)
        assert response.status_code == 200
        return [plan["name"] for plan in response.json()["results"]]

    assert names() == ["Banners", "Old banners", "Pinned", "Thumbnails"]
    assert names(active_in="2026-12") == ["Banners", "Pinned", "Thumbnails"]
    assert names(active_in="2026-11") == ["Old banners", "Pinned", "Thumbnails"]
    assert names(search="BANNER") == ["Banners", "Old banners"]
    assert names(model="gpt-image-1") == ["Pinned"]
    # Pinned to gpt-image-1, yet recommended mini: it matches both.
    assert names(model="gpt-image-1-mini") == ["Banners", "Old banners", "Pinned", "Thumbnails"]
    assert names(model="gpt-image-1.5") == []
    listed = {plan["id"]: plan for plan in viewer_client.get(url("plan-list", team)).json()["results"]}
    assert listed[thumbnails.pk]["projected_monthly_cost"] == "110.00"
    assert listed[banners.pk]["projected_monthly_cost"] is None  # starts next month
    assert listed[ended.pk]["projected_monthly_cost"] == "110.00"  # ends this month
    assert listed[pinned.pk]["recommended_model"] == "gpt-image-1-mini"
    assert listed[pinned.pk]["projected_monthly_cost"] == "420.00"


@pytest.mark.parametrize(
    ("params", "field"), [({"active_in": "2026-13"}, "active_in"), ({"active_in": "x"}, "active_in")]
)
def test_it_refuses_a_bad_filter(viewer_client, team, params, field):
    response = viewer_client.get(url("plan-list", team), params)

    assert response.status_code == 400
    assert field in response.json()


def test_it_replaces_a_plan_with_put(member_client, team):
    plan = plan_create(team, mode="batch", prompt_tokens=100, end_month=DEC)
    RecomputeMark.objects.filter(team=team).delete()

    response = member_client.put(
        url("plan-detail", team, plan_id=plan.pk), plan_body(name="Renamed", quality="low"), format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Renamed"
    plan.refresh_from_db()
    assert (plan.name, plan.quality, plan.mode, plan.prompt_tokens, plan.end_month) == (
        "Renamed",
        "low",
        "interactive",
        0,
        None,
    )
    assert RecomputeMark.objects.filter(team=team).exists()


def test_it_changes_a_plan_with_patch(member_client, team):
    plan = plan_create(team, mode="batch")

    response = member_client.patch(
        url("plan-detail", team, plan_id=plan.pk),
        {"end_month": "2027-02", "pinned_model": "gpt-image-1"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["end_month"] == "2027-02"
    plan.refresh_from_db()
    assert (plan.mode, plan.end_month, plan.pinned_model.slug) == (
        "batch",
        datetime.date(2027, 2, 1),
        "gpt-image-1",
    )


def test_it_checks_a_patched_month_against_the_stored_one(member_client, team):
    plan = plan_create(team, start_month=DEC)

    response = member_client.patch(
        url("plan-detail", team, plan_id=plan.pk), {"end_month": "2026-11"}, format="json"
    )
    moved = member_client.patch(
        url("plan-detail", team, plan_id=plan.pk), {"start_month": "2027-01"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["end_month"]
    assert moved.status_code == 200
    plan.refresh_from_db()
    assert (plan.start_month, plan.end_month) == (datetime.date(2027, 1, 1), None)


def test_it_unpins_a_plan_with_null(member_client, team):
    plan = plan_create(team, pinned_model=ImageModel.objects.get(slug="gpt-image-1"))

    response = member_client.patch(
        url("plan-detail", team, plan_id=plan.pk), {"pinned_model": None}, format="json"
    )

    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.pinned_model is None


def test_it_refuses_an_unknown_field_on_patch(member_client, team):
    plan = plan_create(team)

    response = member_client.patch(
        url("plan-detail", team, plan_id=plan.pk), {"imagesPerMonth": 5}, format="json"
    )

    assert response.status_code == 400
    assert "imagesPerMonth" in response.json()


def test_it_deletes_a_plan(member_client, team):
    plan = plan_create(team)
    RecomputeMark.objects.filter(team=team).delete()

    response = member_client.delete(url("plan-detail", team, plan_id=plan.pk))

    assert response.status_code == 204
    assert not WorkloadPlan.objects.filter(pk=plan.pk).exists()
    assert RecomputeMark.objects.filter(team=team).exists()


def test_it_answers_404_for_another_teams_plan(member_client, team, other_team):
    elsewhere = plan_create(other_team)

    responses = [
        member_client.get(url("plan-detail", team, plan_id=elsewhere.pk)),
        member_client.patch(url("plan-detail", team, plan_id=elsewhere.pk), {"name": "Mine"}, format="json"),
        member_client.delete(url("plan-detail", team, plan_id=elsewhere.pk)),
        member_client.get(url("plan-recommendation", team, plan_id=elsewhere.pk)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    elsewhere.refresh_from_db()
    assert elsewhere.name == "Thumbnails"


def test_it_returns_the_stored_recommendation(viewer_client, team):
    plan = plan_create(team, rejection_rates={"gpt-image-1-mini": Decimal("0.25")})
    teams_recompute(team_ids=[team.pk])

    response = viewer_client.get(url("plan-recommendation", team, plan_id=plan.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["recommended"] == "gpt-image-1-mini"
    assert body["catalog_version"]["label"] == "OpenAI 2026-03-27"
    # Smoothed with no observations, the assumed rate stays as it is.
    assert body["options"][0]["rejection_rate"] == "0.2500"
    assert body["options"][0]["total_cost"] == "146.67"
    assert body["pinned_model"] is None
    assert body["monthly_saving_by_switching"] is None
    assert body["stale"] is False
    assert body["computed_at"].endswith("Z")


def test_it_says_what_switching_from_a_pinned_model_saves(viewer_client, team):
    plan = plan_create(team, pinned_model=ImageModel.objects.get(slug="gpt-image-1"))
    teams_recompute(team_ids=[team.pk])

    response = viewer_client.get(url("plan-recommendation", team, plan_id=plan.pk))

    assert response.status_code == 200
    assert response.json()["pinned_model"] == "gpt-image-1"
    assert response.json()["monthly_saving_by_switching"] == "310.00"


def test_it_marks_a_recommendation_stale_while_a_recompute_is_pending(member_client, team):
    plan = plan_create(team)
    teams_recompute(team_ids=[team.pk])
    member_client.patch(url("plan-detail", team, plan_id=plan.pk), {"quality": "high"}, format="json")

    response = member_client.get(url("plan-recommendation", team, plan_id=plan.pk))

    assert response.status_code == 200
    assert response.json()["stale"] is True
    assert response.json()["options"][0]["total_cost"] == "110.00"


def test_it_answers_404_until_the_first_recommendation_is_computed(viewer_client, team):
    plan = plan_create(team)

    response = viewer_client.get(url("plan-recommendation", team, plan_id=plan.pk))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not computed yet; try again in a few seconds."}


def test_it_lists_plans_in_a_fixed_number_of_queries(viewer_client, team, django_assert_max_num_queries):
    plan_create(team, pinned_model=ImageModel.objects.get(slug="gpt-image-1"))
    teams_recompute(team_ids=[team.pk], today=TODAY)
    with django_assert_max_num_queries(3):
        assert viewer_client.get(url("plan-list", team)).status_code == 200
    for n in range(30):
        plan_create(team, name=f"Plan {n}", pinned_model=ImageModel.objects.get(slug="gpt-image-1"))
    teams_recompute(team_ids=[team.pk], today=TODAY)

    with django_assert_max_num_queries(3):
        response = viewer_client.get(url("plan-list", team), {"model": "gpt-image-1"})

    assert response.json()["count"] == 31


plan_fields = st.sampled_from(
    sorted({*plan_body(), *(field for _, field in BAD_INPUTS), "end_month", "pinned_model"})
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(plan_fields, json_values, max_size=4))
def test_no_plan_input_gets_a_server_error(member_client, team, changes):
    response = member_client.post(url("plan-list", team), {**plan_body(), **changes}, format="json")

    assert response.status_code in (201, 400)
