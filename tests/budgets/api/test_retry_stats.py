"""Retry statistics: list, record, read, delete; and the smoothed rates they make."""

import datetime

import pytest

from budgets import services
from budgets.models import RecomputeMark, RetryStatistic
from catalog.models import ImageModel
from tests.budgets.api.conftest import plan_create, url

WEEK = {"model": "gpt-image-1-mini", "period_start": "2026-11-01", "period_end": "2026-11-07", "attempts": 80}


def record(team, *, model="gpt-image-1-mini", plan=None, attempts=80, accepted=60, by=None):
    return services.retry_statistic_create(
        team=team,
        model=ImageModel.objects.get(slug=model),
        plan=plan,
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 7),
        attempts=attempts,
        accepted=accepted,
        created_by=by,
    )


def test_it_records_a_team_wide_statistic(member_client, team, member):
    RecomputeMark.objects.filter(team=team).delete()

    response = member_client.post(url("retry-stat-list", team), {**WEEK, "accepted": 60}, format="json")

    assert response.status_code == 201
    statistic = RetryStatistic.objects.get(team=team)
    assert response.json() == {
        "id": statistic.pk,
        "model": "gpt-image-1-mini",
        "plan": None,
        "period_start": "2026-11-01",
        "period_end": "2026-11-07",
        "attempts": 80,
        "accepted": 60,
        "created_at": response.json()["created_at"],
        "created_by": "mia",
    }
    assert (statistic.attempts, statistic.accepted, statistic.created_by) == (80, 60, member)
    assert RecomputeMark.objects.filter(team=team).exists()


def test_it_records_a_statistic_of_a_plan(member_client, team):
    plan = plan_create(team)

    response = member_client.post(
        url("retry-stat-list", team), {**WEEK, "accepted": 80, "plan": plan.pk}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["plan"] == plan.pk
    assert RetryStatistic.objects.get(team=team).plan == plan


def test_it_refuses_a_plan_of_another_team(member_client, team, other_team):
    elsewhere = plan_create(other_team)

    response = member_client.post(
        url("retry-stat-list", team), {**WEEK, "accepted": 1, "plan": elsewhere.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"plan": [f"No plan {elsewhere.pk} in this team."]}
    assert not RetryStatistic.objects.exists()


BAD_STATISTICS = [
    ({"model": "gpt-image-9"}, "model"),
    ({"model": None}, "model"),
    ({"model": ""}, "model"),
    ({"plan": 999999}, "plan"),
    ({"plan": "first"}, "plan"),
    ({"period_start": "2026-11-31"}, "period_start"),
    ({"period_start": "2026-11"}, "period_start"),
    ({"period_end": None}, "period_end"),
    ({"period_start": "2026-11-08"}, "period_end"),
    ({"attempts": -1}, "attempts"),
    ({"attempts": 10**12 + 1, "accepted": 0}, "attempts"),
    ({"attempts": 1.5}, "attempts"),
    ({"attempts": "many"}, "attempts"),
    ({"accepted": -1}, "accepted"),
    ({"accepted": 81}, "accepted"),
    ({"accepted": True}, "accepted"),
    ({"rejected": 5}, "rejected"),
]


@pytest.mark.parametrize(("change", "field"), BAD_STATISTICS, ids=[repr(c) for c, _ in BAD_STATISTICS])
def test_it_answers_400_naming_the_field_for_a_bad_statistic(member_client, team, change, field):
    response = member_client.post(
        url("retry-stat-list", team), {**WEEK, "accepted": 60, **change}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not RetryStatistic.objects.exists()


@pytest.mark.parametrize("missing", ["model", "period_start", "period_end", "attempts", "accepted"])
def test_it_requires_the_statistics_fields(member_client, team, missing):
    body = {k: v for k, v in {**WEEK, "accepted": 60}.items() if k != missing}

    response = member_client.post(url("retry-stat-list", team), body, format="json")

    assert response.status_code == 400
    assert response.json() == {missing: ["This field is required."]}


def test_it_accepts_the_largest_counts(member_client, team):
    response = member_client.post(
        url("retry-stat-list", team), {**WEEK, "attempts": 10**12, "accepted": 10**12}, format="json"
    )

    assert response.status_code == 201
    assert RetryStatistic.objects.get().attempts == 10**12


def test_it_lists_and_filters_statistics(viewer_client, team, member):
    plan = plan_create(team)
    team_wide = record(team, by=member)
    of_plan = record(team, plan=plan, model="gpt-image-1")

    def ids(**params):
        response = viewer_client.get(url("retry-stat-list", team), params)
        assert response.status_code == 200
        return [statistic["id"] for statistic in response.json()["results"]]

    assert ids() == [of_plan.pk, team_wide.pk]
    assert ids(model="gpt-image-1-mini") == [team_wide.pk]
    assert ids(plan=plan.pk) == [of_plan.pk]
    assert ids(plan=999999) == []
    assert viewer_client.get(url("retry-stat-list", team), {"plan": "x"}).status_code == 400


def test_it_reads_and_deletes_a_statistic(member_client, team):
    statistic = record(team)
    RecomputeMark.objects.filter(team=team).delete()

    read = member_client.get(url("retry-stat-detail", team, statistic_id=statistic.pk))
    deleted = member_client.delete(url("retry-stat-detail", team, statistic_id=statistic.pk))

    assert read.status_code == 200
    assert read.json()["created_by"] is None
    assert deleted.status_code == 204
    assert not RetryStatistic.objects.exists()
    assert RecomputeMark.objects.filter(team=team).exists()


def test_it_answers_404_for_another_teams_statistic(member_client, team, other_team):
    elsewhere = record(other_team)

    response = member_client.delete(url("retry-stat-detail", team, statistic_id=elsewhere.pk))

    assert response.status_code == 404
    assert RetryStatistic.objects.filter(pk=elsewhere.pk).exists()


def test_it_smooths_the_observed_rates(viewer_client, team):
    plan = plan_create(team, rejection_rate="0.1", rejection_rates={"gpt-image-1": "0.2"})
    record(team, attempts=80, accepted=60)  # team-wide, mini
    record(team, plan=plan, model="gpt-image-1", attempts=20, accepted=20)
    record(team, model="gpt-image-1", attempts=1000, accepted=0)  # ignored: the plan has its own

    team_wide = viewer_client.get(url("retry-stat-rates", team))
    of_plan = viewer_client.get(url("retry-stat-rates", team), {"plan": plan.pk})

    assert team_wide.status_code == 200
    assert {
        r["model"]: (r["observed_from"], r["rejection_rate"], r["unreliable"]) for r in team_wide.json()
    } == {
        "gpt-image-1": ("team", "0.9500", True),  # 1000/1020, capped
        "gpt-image-1-mini": ("team", "0.2000", False),
        "gpt-image-1.5": ("none", "0.0000", False),
    }
    by_model = {r["model"]: r for r in of_plan.json()}
    # (20 + 20 x 0.1) / (80 + 20) = 0.22; (0 + 20 x 0.2) / (20 + 20) = 0.1
    assert by_model["gpt-image-1-mini"] == {
        "model": "gpt-image-1-mini",
        "observed_from": "team",
        "attempts": 80,
        "accepted": 60,
        "assumed_rejection_rate": "0.1000",
        "rejection_rate": "0.2200",
        "unreliable": False,
    }
    assert (by_model["gpt-image-1"]["observed_from"], by_model["gpt-image-1"]["rejection_rate"]) == (
        "plan",
        "0.1000",
    )
    assert by_model["gpt-image-1.5"]["rejection_rate"] == "0.1000"


def test_it_refuses_rates_of_another_teams_plan(viewer_client, team, other_team):
    elsewhere = plan_create(other_team)

    response = viewer_client.get(url("retry-stat-rates", team), {"plan": elsewhere.pk})

    assert response.status_code == 400
    assert "plan" in response.json()
