"""Projections: a month's budget, projected total, share, status and plans."""

import datetime
from decimal import Decimal

import pytest

from budgets import services
from budgets.recompute import teams_recompute
from tests.budgets.api.conftest import DEC, JAN, plan_create, url


@pytest.fixture
def budgeted(team):
    """200 a month (100 in December); Thumbnails 110.00 and Banners 52.00 a month on mini."""
    services.budget_set(
        team=team, monthly_amount=Decimal("200"), overrides=[(DEC, Decimal("100"))], thresholds=[80, 100]
    )
    plan_create(team, name="Thumbnails")
    plan_create(team, name="Banners", images_per_month=1000, quality="high", size="1536x1024", end_month=DEC)
    teams_recompute(team_ids=[team.pk])
    return team


def test_it_answers_the_current_month_by_default(viewer_client, budgeted):
    response = viewer_client.get(url("projection", budgeted))

    assert response.status_code == 200
    body = response.json()
    plans = {plan.name: plan.pk for plan in budgeted.plans.all()}
    assert body == {
        "month": "2026-11",
        "budget": "200.00",
        "projected_total": "162.00",
        "share_of_budget": "0.8100",
        "status": "warning",
        "plans": [
            {"plan": plans["Banners"], "name": "Banners", "model": "gpt-image-1-mini", "total_cost": "52.00"},
            {
                "plan": plans["Thumbnails"],
                "name": "Thumbnails",
                "model": "gpt-image-1-mini",
                "total_cost": "110.00",
            },
        ],
        "computed_at": body["computed_at"],
        "stale": False,
    }
    assert body["computed_at"] is not None


def test_it_answers_a_month_with_its_override_and_plans(viewer_client, budgeted):
    december = viewer_client.get(url("projection", budgeted), {"month": "2026-12"}).json()
    january = viewer_client.get(url("projection", budgeted), {"month": "2027-01"}).json()

    assert (december["budget"], december["projected_total"], december["share_of_budget"]) == (
        "100.00",
        "162.00",
        "1.6200",
    )
    assert december["status"] == "over"
    assert (january["budget"], january["projected_total"], january["status"]) == ("200.00", "110.00", "ok")
    assert [plan["name"] for plan in january["plans"]] == ["Thumbnails"]


def test_it_says_stale_while_a_recompute_is_pending(viewer_client, budgeted):
    services.budget_set(team=budgeted, monthly_amount=Decimal("1000"), overrides=[], thresholds=[80])

    response = viewer_client.get(url("projection", budgeted))

    assert response.status_code == 200
    assert response.json()["stale"] is True
    assert response.json()["budget"] == "200.00"


def test_it_answers_a_month_not_computed_yet_as_zero_and_stale(viewer_client, team):
    services.budget_set(
        team=team, monthly_amount=Decimal("50"), overrides=[(JAN, Decimal("75.5"))], thresholds=[80]
    )
    plan_create(team)

    november = viewer_client.get(url("projection", team))
    january = viewer_client.get(url("projection", team), {"month": "2027-01"})

    assert november.status_code == 200
    assert november.json() == {
        "month": "2026-11",
        "budget": "50.00",
        "projected_total": "0.00",
        "share_of_budget": "0.0000",
        "status": "ok",
        "plans": [],
        "computed_at": None,
        "stale": True,
    }
    assert january.json()["budget"] == "75.50"


def test_it_says_no_budget_without_one(viewer_client, team):
    plan_create(team)
    teams_recompute(team_ids=[team.pk])

    response = viewer_client.get(url("projection", team))

    assert response.status_code == 200
    assert (response.json()["budget"], response.json()["share_of_budget"]) == (None, None)
    assert (response.json()["status"], response.json()["projected_total"]) == ("no_budget", "110.00")


def test_it_answers_a_stored_month_before_the_horizon(viewer_client, budgeted):
    plan_create(budgeted, name="Since September", start_month=datetime.date(2026, 9, 1))
    teams_recompute(team_ids=[budgeted.pk], today=datetime.date(2026, 10, 5))

    response = viewer_client.get(url("projection", budgeted), {"month": "2026-10"})

    assert response.status_code == 200
    assert (response.json()["month"], response.json()["projected_total"]) == ("2026-10", "110.00")
    assert response.json()["stale"] is False


@pytest.mark.parametrize("month", ["2027-02", "2026-10", "1999-01"])
def test_it_answers_400_for_a_month_not_covered(viewer_client, budgeted, month):
    response = viewer_client.get(url("projection", budgeted), {"month": month})

    assert response.status_code == 400
    assert response.json() == {"month": [f"No projection for {month}: projections cover 2026-11 to 2027-01."]}


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "2026-11-01", "november", "0000-01"])
def test_it_answers_400_for_a_bad_month(viewer_client, team, month):
    response = viewer_client.get(url("projection", team), {"month": month})

    assert response.status_code == 400
    assert "month" in response.json()


def test_it_answers_every_month_of_the_horizon(viewer_client, budgeted):
    response = viewer_client.get(url("projection-months", budgeted))

    assert response.status_code == 200
    assert [(m["month"], m["projected_total"], m["status"]) for m in response.json()] == [
        ("2026-11", "162.00", "warning"),
        ("2026-12", "162.00", "over"),
        ("2027-01", "110.00", "ok"),
    ]


def test_it_answers_months_not_computed_yet_as_stale(viewer_client, team):
    response = viewer_client.get(url("projection-months", team))

    assert response.status_code == 200
    assert [(m["month"], m["status"], m["stale"]) for m in response.json()] == [
        ("2026-11", "no_budget", True),
        ("2026-12", "no_budget", True),
        ("2027-01", "no_budget", True),
    ]


def test_it_reads_uncomputed_months_in_a_fixed_number_of_queries(
    viewer_client, team, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = viewer_client.get(url("projection-months", team))

    assert response.status_code == 200
