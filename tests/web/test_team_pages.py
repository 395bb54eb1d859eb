"""The home page, team creation, and a team's retry statistics, alerts, settings and members.

An owner, a member and a viewer of "Pixels" (tier2, verified), and an outsider who owns
"Elsewhere"; today is frozen at 2026-11-24 (horizon: 2026-11 to 2027-01), the seed
catalog in force. A plan of 10,000 medium square images a month costs 110.00 on
gpt-image-1-mini, 340.00 on gpt-image-1.5.
"""

import datetime
import http.server
import re
import threading
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from budgets import selectors, services
from budgets.models import Alert, Membership, RetryStatistic, Team, WebhookDelivery
from budgets.recompute import teams_recompute
from catalog.models import ImageModel
from tests.budgets.factories import PlanFactory, UserFactory
from tests.web.conftest import signed_in

TODAY = datetime.date(2026, 11, 24)
NOV = datetime.date(2026, 11, 1)
DEC = datetime.date(2026, 12, 1)


pytestmark = pytest.mark.usefixtures("today")


@pytest.fixture
def mini():
    return ImageModel.objects.get(slug="gpt-image-1-mini")


def text(response) -> str:
    """The page's text with tags dropped and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def page_url(name: str, team, **kwargs) -> str:
    return reverse(name, kwargs={"slug": team.slug, **kwargs})


def field_errors(response, field_id: str) -> list[str]:
    """The error messages shown in place under one field (by its errorlist's id)."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="{re.escape(field_id)}_error">(.*?)</ul>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)] if match else []


def assert_field_error(response, field_id: str, message: str) -> None:
    """200, the message under the field, the field marked invalid, the summary announced."""
    assert response.status_code == 200
    errors = field_errors(response, field_id)
    assert any(message in error for error in errors), (field_id, errors)
    html = response.content.decode()
    field_tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{re.escape(field_id)}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field_tag
    assert f"{field_id}_error" in field_tag  # aria-describedby
    assert 'role="alert"' in html
    assert f'href="#{field_id}"' in html


def recompute(team) -> None:
    teams_recompute(team_ids=[team.pk], today=TODAY)


# --- Who may open the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["retry-stats", "alerts", "team-settings", "members", "webhook-test", "retry-stat-delete"]
)
def test_every_team_page_sends_anonymous_visitors_to_sign_in(client, team, name):
    url = page_url(name, team, **({"statistic_id": 1} if name == "retry-stat-delete" else {}))

    response = client.post(url) if name == "webhook-test" else client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_creating_a_team_needs_a_signed_in_user(client, db):
    response = client.post(reverse("team-create"), {"name": "Studio", "tier": "tier1"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Team.objects.exists()


# --- Home --------------------------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_of_home_to_sign_in(client, db):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_it_sends_a_user_with_one_team_to_its_dashboard(owner_client, team):
    response = owner_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == reverse("team-dashboard", args=[team.slug])


def test_it_invites_a_user_without_a_team_to_create_one(client, db):
    user = UserFactory(username="nina")

    response = signed_in(client, user).get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Your teams</h1>" in html
    assert "You are not in a team yet" in text(response)
    assert f'href="{reverse("team-create")}"' in html
    assert "nina@example.com" in html
    assert "Staff" not in html


def test_it_lists_the_teams_with_this_months_status_and_figures(owner_client, owner, team):
    services.budget_set(team=team, monthly_amount=Decimal("200.00"), overrides=[], thresholds=[80, 100])
    PlanFactory(team=team, start_month=NOV)
    recompute(team)
    posters = services.team_create(name="Posters", owner=owner)

    response = owner_client.get("/")

    assert response.status_code == 200
    page = text(response)
    assert "November 2026" in page
    assert "Pixels Your role: owner Within budget $110.00 projected of a $200.00 budget (55.0%)" in page
    assert "Posters Your role: owner No figures yet: they are being computed." in page
    html = response.content.decode()
    assert f'href="{reverse("team-dashboard", args=[team.slug])}"' in html
    assert f'href="{reverse("team-dashboard", args=[posters.slug])}"' in html
    assert 'class="status status-ok"' in html


def test_it_never_lists_a_team_the_user_is_not_in(owner_client, owner, team, other_team):
    services.team_create(name="Posters", owner=owner)

    page = text(owner_client.get("/"))

    assert "Elsewhere" not in page


def test_it_shows_staff_the_catalog_and_the_admin(client, db):
    staff = UserFactory(username="stella", is_staff=True)

    response = signed_in(client, staff).get("/")

    html = response.content.decode()
    assert 'id="staff-heading">Staff</h2>' in html
    assert f'href="{reverse("admin:index")}"' in html
    assert f'href="{reverse("catalog-web:prices")}">Price catalog</a>' in html


# --- Creating a team ---------------------------------------------------------------------------------


def test_it_creates_a_team_with_the_user_as_owner(client, db):
    user = signed_in(client, UserFactory(username="nina"))

    response = user.post(reverse("team-create"), {"name": "Studio", "tier": "tier3", "org_verified": "on"})

    team = Team.objects.get(name="Studio")
    assert response.status_code == 302
    assert response["Location"] == reverse("team-dashboard", args=[team.slug])
    assert (team.tier, team.org_verified) == ("tier3", True)
    assert Membership.objects.get(team=team).role == "owner"
    assert selectors.budget_get(team=team).thresholds == [80, 100]


def test_the_team_form_renders_with_its_labels(client, db):
    response = signed_in(client, UserFactory()).get(reverse("team-create"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Create a team</h1>" in html
    assert '<label for="id_name">Name</label>' in html
    assert '<label for="id_tier">Usage tier</label>' in html
    assert '<label for="id_org_verified">Organization verified</label>' in html
    assert '<button type="submit">Create team</button>' in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "", "tier": "tier1"}, "id_name", "This field is required."),
        ({"name": "   ", "tier": "tier1"}, "id_name", "This field is required."),
        ({"name": "x" * 101, "tier": "tier1"}, "id_name", "at most 100 characters"),
        ({"name": "Studio", "tier": "tier9"}, "id_tier", "Select a valid choice."),
        ({"name": "Studio"}, "id_tier", "This field is required."),
    ],
)
def test_it_shows_team_form_errors_in_place(client, db, data, field, message):
    response = signed_in(client, UserFactory()).post(reverse("team-create"), data)

    assert_field_error(response, field, message)
    assert not Team.objects.exists()


# --- Retry statistics: who may do what ---------------------------------------------------------------

STAT = {
    "model": "gpt-image-1-mini",
    "plan": "",
    "period_start": "2026-10-01",
    "period_end": "2026-10-31",
    "attempts": "80",
    "accepted": "60",
}


def test_retry_stats_answer_404_to_outsiders(outsider_client, team, other_team):
    assert outsider_client.get(page_url("retry-stats", team)).status_code == 404
    assert outsider_client.post(page_url("retry-stats", team), STAT).status_code == 404
    assert outsider_client.get(page_url("retry-stats", other_team)).status_code == 200


def test_retry_stats_show_a_viewer_no_form_and_refuse_their_post(viewer_client, team, mini):
    statistic = record(team, mini, attempts=80, accepted=60)

    response = viewer_client.get(page_url("retry-stats", team))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Retry statistics</h1>" in html
    assert "Record observation" not in html
    assert page_url("retry-stat-delete", team, statistic_id=statistic.pk) not in html
    assert "gpt-image-1-mini" in text(response)
    assert viewer_client.post(page_url("retry-stats", team), STAT).status_code == 403
    assert RetryStatistic.objects.count() == 1


def test_it_records_an_observation_through_the_service(member_client, member, team, mini):
    plan = PlanFactory(team=team, name="Thumbnails")

    response = member_client.post(page_url("retry-stats", team), {**STAT, "plan": str(plan.pk)})

    assert response.status_code == 302
    assert response["Location"] == page_url("retry-stats", team)
    statistic = RetryStatistic.objects.get()
    assert (statistic.model, statistic.plan, statistic.created_by) == (mini, plan, member)
    assert (statistic.attempts, statistic.accepted) == (80, 60)
    assert (statistic.period_start, statistic.period_end) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 10, 31),
    )
    page = text(member_client.get(page_url("retry-stats", team)))
    assert "Observation recorded." in page
    assert "2026-10-01 to 2026-10-31 gpt-image-1-mini Thumbnails 80 60 25.0% mia Delete" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"model": ""}, "id_model", "This field is required."),
        ({"model": "gpt-image-9"}, "id_model", "Select a valid choice."),
        ({"plan": "999999"}, "id_plan", "Select a valid choice."),
        ({"period_start": "01/10/2026"}, "id_period_start", "Enter a valid date."),
        ({"period_start": "2026-02-30"}, "id_period_start", "Enter a valid date."),
        ({"period_end": ""}, "id_period_end", "This field is required."),
        ({"period_end": "2026-09-30"}, "id_period_end", "Must not be before the period start (2026-10-01)."),
        ({"attempts": ""}, "id_attempts", "This field is required."),
        ({"attempts": "-1"}, "id_attempts", "greater than or equal to 0"),
        ({"attempts": "1.5"}, "id_attempts", "Enter a whole number."),
        ({"attempts": "1000000000001"}, "id_attempts", "less than or equal to 1000000000000"),
        ({"accepted": "81"}, "id_accepted", "Must not be more than the attempts (80)."),
        ({"accepted": "abc"}, "id_accepted", "Enter a whole number."),
    ],
)
def test_it_shows_retry_statistic_errors_in_place(member_client, team, change, field, message):
    response = member_client.post(page_url("retry-stats", team), {**STAT, **change})

    assert_field_error(response, field, message)
    assert not RetryStatistic.objects.exists()


def test_it_refuses_a_plan_of_another_team(member_client, team, other_team):
    foreign = PlanFactory(team=other_team)

    response = member_client.post(page_url("retry-stats", team), {**STAT, "plan": str(foreign.pk)})

    assert_field_error(response, "id_plan", "Select a valid choice.")


# --- Retry statistics: rates and what they move -------------------------------------------------------


def record(team, model, *, attempts, accepted, plan=None):
    return services.retry_statistic_create(
        team=team,
        model=model,
        plan=plan,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        attempts=attempts,
        accepted=accepted,
    )


def test_it_shows_the_smoothed_rate_next_to_the_assumed_one(viewer_client, team, mini):
    record(team, mini, attempts=80, accepted=60)  # (20 + 20 x 0) / (80 + 20) = 0.2

    page = text(viewer_client.get(page_url("retry-stats", team)))

    assert "the rate used is (rejected + 20 \N{MULTIPLICATION SIGN} assumed) ÷ (attempts + 20)" in page
    assert "Team-wide records, with an assumed rate of 0" in page
    assert "gpt-image-1-mini 80 60 0.00% 20.00%" in page
    assert "gpt-image-1.5 0 0 0.00% 0.00% no observations" in page


def test_it_shows_each_plan_with_its_own_records(viewer_client, team, mini):
    plan = PlanFactory(team=team, name="Heroes", rejection_rate=Decimal("0.1"))
    PlanFactory(team=team, name="Without records")
    record(team, mini, attempts=80, accepted=60, plan=plan)  # (20 + 20 x 0.1) / 100 = 0.22

    page = text(viewer_client.get(page_url("retry-stats", team)))

    assert "Plan “Heroes”: its own records first, then the team-wide ones" in page
    assert "gpt-image-1-mini the plan\N{RIGHT SINGLE QUOTATION MARK}s 80 60 10.00% 22.00%" in page
    assert "gpt-image-1.5 none 0 0 10.00% 10.00%" in page
    assert "Plan “Without records”" not in page


def test_it_flags_a_model_at_the_cap_and_shows_the_recommendation_flip(viewer_client, team, mini):
    plan = PlanFactory(team=team, name="Thumbnails")
    record(team, mini, attempts=1000, accepted=0)  # 1000 / 1020 -> capped at 0.95

    response = viewer_client.get(page_url("retry-stats", team))

    page = text(response)
    assert "gpt-image-1-mini 1,000 0 0.00% 95.00% Unreliable for this workload (at the 95% cap)" in page
    # Assumed rates only: mini at 110.00; observed: mini needs 200,000 attempts (2,200.00), 1.5 wins (340.00).
    assert (
        "Thumbnails gpt-image-1-mini $110.00 gpt-image-1.5 $340.00 +$230.00 "
        "Flipped from gpt-image-1-mini to gpt-image-1.5 gpt-image-1-mini: unreliable for this workload"
    ) in page
    assert f'href="{page_url("plan-detail", team, plan_id=plan.pk)}"' in response.content.decode()


def test_it_says_when_the_observations_change_nothing(viewer_client, team, mini):
    PlanFactory(team=team, name="Thumbnails")
    record(team, mini, attempts=100, accepted=100)  # 0 rejected: the rate stays 0

    page = text(viewer_client.get(page_url("retry-stats", team)))

    assert "Thumbnails gpt-image-1-mini $110.00 gpt-image-1-mini $110.00 $0.00 Unchanged" in page


def test_retry_stats_have_empty_states_that_say_what_to_do(member_client, viewer, team):
    member_page = text(member_client.get(page_url("retry-stats", team)))
    viewer_page = text(signed_in(Client(), viewer).get(page_url("retry-stats", team)))

    assert "No observations recorded yet. Use the form above" in member_page
    assert "No plans yet. Create a plan" in member_page
    assert "No observations recorded yet. Members and owners record them." in viewer_page


# --- Retry statistics: deleting -------------------------------------------------------------------------


def test_it_deletes_an_observation_after_confirmation(member_client, team, mini):
    statistic = record(team, mini, attempts=80, accepted=60)
    url = page_url("retry-stat-delete", team, statistic_id=statistic.pk)

    confirm = member_client.get(url)

    assert confirm.status_code == 200
    assert "<h1>Delete this observation?</h1>" in confirm.content.decode()
    assert "Delete observation" in confirm.content.decode()
    response = member_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == page_url("retry-stats", team)
    assert not RetryStatistic.objects.exists()


def test_it_refuses_a_viewer_and_an_outsider_deletion(viewer_client, team, mini, outsider, client):
    statistic = record(team, mini, attempts=80, accepted=60)
    url = page_url("retry-stat-delete", team, statistic_id=statistic.pk)

    assert viewer_client.get(url).status_code == 403
    assert viewer_client.post(url).status_code == 403
    signed_in(client, outsider)
    assert client.post(url).status_code == 404
    assert RetryStatistic.objects.count() == 1


def test_it_answers_404_for_an_observation_of_another_team(member_client, team, other_team, mini):
    foreign = record(other_team, mini, attempts=1, accepted=1)

    response = member_client.post(page_url("retry-stat-delete", team, statistic_id=foreign.pk))

    assert response.status_code == 404
    assert RetryStatistic.objects.count() == 1


# --- Alerts ------------------------------------------------------------------------------------------


@pytest.fixture
def alert(team):
    """November at 80%: 110.00 of a 120.00 budget."""
    services.budget_set(team=team, monthly_amount=Decimal("120.00"), overrides=[], thresholds=[80, 100])
    PlanFactory(team=team, name="Thumbnails", start_month=NOV, end_month=NOV)
    recompute(team)
    return Alert.objects.get(team=team)


def test_alerts_answer_404_to_outsiders(outsider_client, alert):
    assert outsider_client.get(page_url("alerts", alert.team)).status_code == 404
    ack = page_url("alert-acknowledge", alert.team, alert_id=alert.pk)
    assert outsider_client.post(ack).status_code == 404


def test_it_lists_an_open_alert_with_what_crossed_which_threshold(viewer_client, alert):
    response = viewer_client.get(page_url("alerts", alert.team))

    assert response.status_code == 200
    page = text(response)
    assert "<h1>Alerts</h1>" in response.content.decode()
    assert "Open alerts (1)" in page
    assert "Crossed 80% of the November 2026 budget: $110.00 of $120.00 (91.7%)." in page
    assert f"Opened {alert.opened_at:%-d %B %Y, %H:%M} UTC" in page
    assert "Acknowledged not yet" in page
    assert "No resolved alerts yet." in page
    assert "Acknowledge" not in re.sub(r"Acknowledged", "", page)  # a viewer has no button


def test_a_member_acknowledges_an_alert(member_client, member, alert):
    list_page = member_client.get(page_url("alerts", alert.team)).content.decode()
    ack = page_url("alert-acknowledge", alert.team, alert_id=alert.pk)
    assert f'action="{ack}"' in list_page
    assert "Acknowledge<span" in list_page

    response = member_client.post(ack)

    assert response.status_code == 302
    assert response["Location"] == page_url("alerts", alert.team)
    alert.refresh_from_db()
    assert alert.acknowledged_by == member
    page = text(member_client.get(page_url("alerts", alert.team)))
    assert "acknowledged." in page
    assert f"Acknowledged by mia on {alert.acknowledged_at:%-d %B %Y}" in page
    assert f'action="{ack}"' not in member_client.get(page_url("alerts", alert.team)).content.decode()


def test_it_refuses_a_viewer_who_acknowledges_anyway(viewer_client, alert):
    response = viewer_client.post(page_url("alert-acknowledge", alert.team, alert_id=alert.pk))

    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_acknowledging_needs_a_post(member_client, alert):
    response = member_client.get(page_url("alert-acknowledge", alert.team, alert_id=alert.pk))

    assert response.status_code == 405


def test_it_answers_404_for_an_alert_of_another_team(member_client, alert, other_team):
    response = member_client.post(page_url("alert-acknowledge", other_team, alert_id=alert.pk))

    assert response.status_code == 404


def test_it_lists_resolved_alerts_apart(viewer_client, alert):
    services.budget_set(
        team=alert.team, monthly_amount=Decimal("1000.00"), overrides=[], thresholds=[80, 100]
    )
    recompute(alert.team)

    page = text(viewer_client.get(page_url("alerts", alert.team)))

    assert "Open alerts (0)" in page
    assert "No open alerts" in page
    assert "Resolved alerts (1)" in page
    assert (
        "Crossed 80% of the November 2026 budget of $120.00; resolved with the projection at $110.00." in page
    )
    assert "Resolved " in page


def test_alerts_have_an_empty_state(viewer_client, team):
    page = text(viewer_client.get(page_url("alerts", team)))

    assert (
        "Open alerts (0) No open alerts: every month\N{RIGHT SINGLE QUOTATION MARK}s projected spend "
        "is below its thresholds."
    ) in page


# --- Settings: who sees what -------------------------------------------------------------------------


def test_settings_answer_404_to_outsiders(outsider_client, team):
    assert outsider_client.get(page_url("team-settings", team)).status_code == 404
    assert outsider_client.post(page_url("team-settings", team), {"form": "rotate-secret"}).status_code == 404
    assert outsider_client.post(page_url("webhook-test", team)).status_code == 404


def test_an_owner_sees_the_settings_forms_and_the_secret(owner_client, team):
    services.team_update(team=team, webhook_url="https://hooks.example.com/spendlane")
    team.refresh_from_db()

    response = owner_client.get(page_url("team-settings", team))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Settings</h1>" in html
    for label in ("Save budget", "Save team settings", "Send test webhook", "Rotate secret"):
        assert f">{label}</button>" in html, label
    assert team.webhook_secret in html
    assert '<label for="id_monthly_amount">Monthly budget (USD)</label>' in html
    assert '<label for="id_thresholds">Alert thresholds (%)</label>' in html
    assert 'value="80, 100"' in html
    assert "No deliveries yet. Send a test webhook to check your endpoint." in text(response)


@pytest.mark.parametrize("client_fixture", ["member_client", "viewer_client"])
def test_others_see_the_settings_read_only(request, team, client_fixture):
    client = request.getfixturevalue(client_fixture)
    services.budget_set(
        team=team,
        monthly_amount=Decimal("200.00"),
        overrides=[(DEC, Decimal("350.00"))],
        thresholds=[80, 100],
    )

    response = client.get(page_url("team-settings", team))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<form" not in html.split('id="content"')[1].replace('action="/accounts/logout/"', "")
    assert team.webhook_secret not in html
    assert "Rotate secret" not in html
    page = text(response)
    assert "Only the team\N{RIGHT SINGLE QUOTATION MARK}s owners change these settings" in page
    assert "Monthly budget $200.00 Months with their own budget December 2026: $350.00" in page
    assert "Alert thresholds 80%, 100%" in page
    assert "Usage tier Tier 2" in page or "Usage tier tier2" in page


@pytest.mark.parametrize("client_fixture", ["member_client", "viewer_client"])
@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("team-settings", {"form": "budget", "monthly_amount": "1", "thresholds": "80"}),
        ("team-settings", {"form": "team", "name": "Hacked", "tier": "tier5"}),
        ("team-settings", {"form": "rotate-secret"}),
        ("webhook-test", {}),
    ],
)
def test_it_refuses_settings_posts_from_non_owners(request, team, client_fixture, url_name, data):
    client = request.getfixturevalue(client_fixture)
    secret = team.webhook_secret

    response = client.post(page_url(url_name, team), data)

    assert response.status_code == 403
    team.refresh_from_db()
    assert (team.name, team.tier, team.webhook_secret) == ("Pixels", "tier2", secret)
    assert selectors.budget_get(team=team).monthly_amount is None


def test_it_refuses_an_unknown_settings_form(owner_client, team):
    assert owner_client.post(page_url("team-settings", team), {"form": "other"}).status_code == 400


# --- Settings: the budget ----------------------------------------------------------------------------


def budget_data(*, monthly="200.00", thresholds="80, 100", overrides=(), initial=0, extra=3) -> dict:
    rows = list(overrides) + [("", "")] * extra
    data = {
        "form": "budget",
        "monthly_amount": monthly,
        "thresholds": thresholds,
        "overrides-TOTAL_FORMS": str(len(rows)),
        "overrides-INITIAL_FORMS": str(initial),
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "600",
    }
    for index, (month, amount) in enumerate(rows):
        data[f"overrides-{index}-month"] = month
        data[f"overrides-{index}-amount"] = amount
    return data


def test_an_owner_saves_the_budget_through_the_service(owner_client, team):
    data = budget_data(
        monthly="200.5", thresholds="50,90, 100", overrides=[("2026-12", "350.00"), ("2027-01", "99.99")]
    )

    response = owner_client.post(page_url("team-settings", team), data)

    assert response.status_code == 302
    assert response["Location"] == page_url("team-settings", team)
    budget = selectors.budget_get(team=team)
    assert budget.monthly_amount == Decimal("200.50")
    assert budget.overrides == [(DEC, Decimal("350.00")), (datetime.date(2027, 1, 1), Decimal("99.99"))]
    assert budget.thresholds == [50, 90, 100]
    page = owner_client.get(page_url("team-settings", team))
    html = page.content.decode()
    assert "Budget saved." in text(page)
    assert 'value="200.5"' in html
    assert 'value="2026-12"' in html and 'value="350"' in html
    assert 'value="50, 90, 100"' in html
    assert 'name="overrides-TOTAL_FORMS" value="5"' in html  # the two months and room for three more


def test_an_owner_removes_the_budget_and_an_override(owner_client, team):
    services.budget_set(
        team=team, monthly_amount=Decimal("200.00"), overrides=[(DEC, Decimal("350.00"))], thresholds=[80]
    )

    response = owner_client.post(
        page_url("team-settings", team), budget_data(monthly="", overrides=[("", "")], initial=1)
    )

    assert response.status_code == 302
    budget = selectors.budget_get(team=team)
    assert (budget.monthly_amount, budget.overrides, budget.thresholds) == (None, [], [80, 100])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"monthly": "0"}, "id_monthly_amount", "Must be more than 0."),
        ({"monthly": "-5"}, "id_monthly_amount", "Must be more than 0."),
        ({"monthly": "12.345"}, "id_monthly_amount", "no more than 2 decimal places"),
        ({"monthly": "abc"}, "id_monthly_amount", "Enter a number."),
        ({"monthly": "NaN"}, "id_monthly_amount", "Enter a number."),
        ({"monthly": "1e20"}, "id_monthly_amount", "no more than 16 digits"),
        ({"thresholds": ""}, "id_thresholds", "This field is required."),
        ({"thresholds": " , "}, "id_thresholds", "Give at least one threshold"),
        ({"thresholds": "0"}, "id_thresholds", "“0” is not a whole number from 1 to 1000."),
        ({"thresholds": "1001"}, "id_thresholds", "“1001” is not a whole number from 1 to 1000."),
        ({"thresholds": "80.5"}, "id_thresholds", "“80.5” is not a whole number from 1 to 1000."),
        ({"thresholds": "eighty"}, "id_thresholds", "“eighty” is not a whole number"),
        ({"thresholds": "80,,100"}, "id_thresholds", "Remove the empty entry between commas."),
        ({"thresholds": "80, 80"}, "id_thresholds", "Each threshold at most once: 80 repeated."),
        ({"thresholds": "1,2,3,4,5,6"}, "id_thresholds", "At most 5 thresholds; you gave 6."),
        ({"overrides": [("2026-13", "10")]}, "id_overrides-0-month", "is not a month"),
        ({"overrides": [("December", "10")]}, "id_overrides-0-month", "write it as YYYY-MM"),
        ({"overrides": [("2026-12", "")]}, "id_overrides-0-amount", "Give the budget of this month"),
        ({"overrides": [("", "10")]}, "id_overrides-0-month", "Give the month of this budget"),
        ({"overrides": [("2026-12", "0.001")]}, "id_overrides-0-amount", "no more than 2 decimal places"),
        ({"overrides": [("2026-12", "0")]}, "id_overrides-0-amount", "Must be more than 0."),
        (
            {"overrides": [("2026-12", "10"), ("2026-12", "20")]},
            "id_overrides-1-month",
            "2026-12 has another row: each month at most once.",
        ),
    ],
)
def test_it_shows_budget_errors_in_place(owner_client, team, change, field, message):
    response = owner_client.post(page_url("team-settings", team), budget_data(**change))

    assert_field_error(response, field, message)
    budget = selectors.budget_get(team=team)
    assert (budget.monthly_amount, budget.overrides) == (None, [])


def test_it_keeps_trailing_zeros_without_rounding(owner_client, team):
    response = owner_client.post(page_url("team-settings", team), budget_data(monthly="120.000"))

    assert response.status_code == 302
    assert selectors.budget_get(team=team).monthly_amount == Decimal("120.00")


def test_a_missing_management_form_is_an_error_not_a_crash(owner_client, team):
    response = owner_client.post(
        page_url("team-settings", team), {"form": "budget", "monthly_amount": "10", "thresholds": "80"}
    )

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert selectors.budget_get(team=team).monthly_amount is None


# --- Settings: the team and its webhook ---------------------------------------------------------------


def team_data(**change) -> dict:
    return {
        "form": "team",
        "name": "Pixels",
        "tier": "tier2",
        "org_verified": "on",
        "webhook_url": "",
        **change,
    }


def test_an_owner_changes_the_team_through_the_service(owner_client, team):
    response = owner_client.post(
        page_url("team-settings", team),
        team_data(
            name="Pixels Studio", tier="tier4", org_verified="", webhook_url="https://example.com/hook"
        ),
    )

    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.tier, team.org_verified, team.webhook_url) == (
        "Pixels Studio",
        "tier4",
        False,
        "https://example.com/hook",
    )
    assert team.slug == "pixels"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "id_name", "This field is required."),
        ({"name": "x" * 101}, "id_name", "at most 100 characters"),
        ({"tier": "gold"}, "id_tier", "Select a valid choice."),
        ({"webhook_url": "example.com/hook"}, "id_webhook_url", "Enter a valid URL."),
        ({"webhook_url": "ftp://example.com/hook"}, "id_webhook_url", "Enter a valid URL."),
        ({"webhook_url": "https://example.com/" + "x" * 500}, "id_webhook_url", "at most 500 characters"),
    ],
)
def test_it_shows_team_settings_errors_in_place(owner_client, team, change, field, message):
    response = owner_client.post(page_url("team-settings", team), team_data(**change))

    assert_field_error(response, field, message)
    team.refresh_from_db()
    assert (team.name, team.tier, team.webhook_url) == ("Pixels", "tier2", "")


def test_an_owner_rotates_the_webhook_secret(owner_client, team):
    old = team.webhook_secret

    response = owner_client.post(page_url("team-settings", team), {"form": "rotate-secret"})

    assert response.status_code == 302
    team.refresh_from_db()
    assert team.webhook_secret != old
    assert "New webhook secret drawn" in text(owner_client.get(page_url("team-settings", team)))


class _Receiver(http.server.BaseHTTPRequestHandler):
    status = 204
    bodies: list[bytes] = []

    def do_POST(self):
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    """A webhook endpoint on localhost that answers ``status``."""
    _Receiver.bodies = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (204, "Test webhook delivered: the endpoint answered HTTP 204."),
        (500, "Test webhook not delivered: the endpoint answered HTTP 500."),
    ],
)
def test_an_owner_sends_a_test_webhook(owner_client, team, receiver, monkeypatch, status, message):
    monkeypatch.setattr(_Receiver, "status", status)
    services.team_update(team=team, webhook_url=f"http://127.0.0.1:{receiver.server_port}/hook")

    response = owner_client.post(page_url("webhook-test", team))

    assert response.status_code == 302
    assert response["Location"] == page_url("team-settings", team)
    assert len(_Receiver.bodies) == 1
    page = owner_client.get(page_url("team-settings", team))
    assert message in text(page)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status_code == status
    assert "webhook.test" in text(page)  # the delivery log


def test_a_test_webhook_that_cannot_connect_says_why(owner_client, team):
    services.team_update(team=team, webhook_url="http://127.0.0.1:9/hook")

    owner_client.post(page_url("webhook-test", team))

    page = text(owner_client.get(page_url("team-settings", team)))
    assert "Test webhook not delivered: URLError" in page
    assert "Failed" in page


def test_a_test_webhook_needs_a_url(owner_client, team):
    response = owner_client.post(page_url("webhook-test", team))

    assert response.status_code == 302
    assert "The team has no webhook URL: set one first." in text(
        owner_client.get(page_url("team-settings", team))
    )
    assert not WebhookDelivery.objects.exists()


# --- Members -----------------------------------------------------------------------------------------


def role_of(team, user) -> str | None:
    return Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()


def test_members_answer_404_to_outsiders(outsider_client, team, member):
    assert outsider_client.get(page_url("members", team)).status_code == 404
    response = outsider_client.post(page_url("members", team), {"action": "remove", "user": member.pk})
    assert response.status_code == 404
    assert outsider_client.post(page_url("members", team), {"action": "leave"}).status_code == 404


def test_a_viewer_sees_the_members_read_only(viewer_client, team):
    response = viewer_client.get(page_url("members", team))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Members</h1>" in html
    page = text(response)
    assert "3 members" in page
    assert "mia mia@example.com Member" in page
    assert "olivia olivia@example.com Owner" in page
    assert "victor (you) victor@example.com Viewer" in page
    assert "Change role" not in html
    assert "Add member" not in html
    assert ">Remove<" not in html
    assert ">Leave team</button>" in html


def test_an_owner_sees_the_member_controls(owner_client, team):
    html = owner_client.get(page_url("members", team)).content.decode()

    assert '<label class="visually-hidden" for="role-' in html
    assert 'Change role<span class="visually-hidden"> of mia</span>' in html
    assert 'Remove<span class="visually-hidden"> mia</span>' in html
    assert '<button type="submit">Add member</button>' in html


@pytest.mark.parametrize("client_fixture", ["member_client", "viewer_client"])
@pytest.mark.parametrize("action", ["add", "role", "remove"])
def test_it_refuses_member_changes_from_non_owners(request, team, owner, client_fixture, action):
    client = request.getfixturevalue(client_fixture)
    UserFactory(username="newbie")
    data = {"action": action, "user": owner.pk, "role": "viewer", "username": "newbie"}

    response = client.post(page_url("members", team), data)

    assert response.status_code == 403
    assert role_of(team, owner) == "owner"
    assert Membership.objects.filter(team=team).count() == 3


@pytest.mark.parametrize("how", [{"username": "newbie"}, {"email": "NEWBIE@example.com"}])
def test_an_owner_adds_a_member_by_username_or_email(owner_client, team, how):
    newbie = UserFactory(username="newbie")

    response = owner_client.post(page_url("members", team), {"action": "add", "role": "viewer", **how})

    assert response.status_code == 302
    assert role_of(team, newbie) == "viewer"
    assert "newbie added as viewer." in text(owner_client.get(page_url("members", team)))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"username": "nobody"}, "id_username", "No user is called 'nobody'."),
        ({"email": "nobody@example.com"}, "id_email", "No single user has the email"),
        ({"username": "mia"}, "id_username", "mia is already a member of Pixels."),
        ({}, "id_username", "Give a username or an email (one of them)."),
        ({"username": "mia", "email": "mia@example.com"}, "id_username", "Give a username or an email"),
        ({"email": "not-an-email"}, "id_email", "Enter a valid email address."),
        ({"username": "x" * 151}, "id_username", "at most 150 characters"),
        ({"username": "newbie", "role": "admin"}, "id_role", "Select a valid choice."),
    ],
)
def test_it_shows_member_form_errors_in_place(owner_client, team, data, field, message):
    UserFactory(username="newbie")

    response = owner_client.post(page_url("members", team), {"action": "add", "role": "member", **data})

    assert_field_error(response, field, message)
    assert Membership.objects.filter(team=team).count() == 3


def test_an_owner_changes_a_role(owner_client, team, member):
    response = owner_client.post(
        page_url("members", team), {"action": "role", "user": member.pk, "role": "owner"}
    )

    assert response.status_code == 302
    assert role_of(team, member) == "owner"
    assert "mia is now owner." in text(owner_client.get(page_url("members", team)))


def test_the_last_owner_cannot_step_down(owner_client, team, owner):
    response = owner_client.post(
        page_url("members", team), {"action": "role", "user": owner.pk, "role": "viewer"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "A team needs at least one owner: make someone else owner first." in text(response)
    assert f'id="member-{owner.pk}-error"' in html
    assert f'aria-describedby="member-{owner.pk}-error"' in html
    assert role_of(team, owner) == "owner"


def test_an_owner_removes_a_member(owner_client, team, member):
    response = owner_client.post(page_url("members", team), {"action": "remove", "user": member.pk})

    assert response.status_code == 302
    assert role_of(team, member) is None


def test_removing_someone_not_in_the_team_is_404(owner_client, team, outsider):
    response = owner_client.post(page_url("members", team), {"action": "remove", "user": outsider.pk})

    assert response.status_code == 404


@pytest.mark.parametrize("client_fixture", ["member_client", "viewer_client"])
def test_anyone_may_leave(request, team, client_fixture):
    client = request.getfixturevalue(client_fixture)
    user = client.session["_auth_user_id"]

    response = client.post(page_url("members", team), {"action": "leave"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(team=team, user_id=user).exists()
    assert client.get(page_url("members", team)).status_code == 404


def test_the_last_owner_cannot_leave(owner_client, team, owner):
    response = owner_client.post(page_url("members", team), {"action": "leave"})

    assert response.status_code == 200
    assert "A team needs at least one owner" in text(response)
    assert role_of(team, owner) == "owner"


def test_an_unknown_member_action_is_refused(owner_client, team):
    assert owner_client.post(page_url("members", team), {"action": "promote"}).status_code == 400
