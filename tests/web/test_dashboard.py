"""The team dashboard: budget against projected spend per month, open alerts, the plans."""

import pytest

from budgets import services
from budgets.models import TeamMonth
from budgets.recompute import teams_recompute
from catalog.models import ImageModel
from tests.budgets.factories import PlanFactory
from tests.web.test_plans_pages import NOV, TODAY, page_url, text

pytestmark = pytest.mark.usefixtures("today")


def dashboard(client, team):
    return client.get(page_url("team-dashboard", team))


def test_it_answers_404_to_outsiders(outsider_client, team, other_team):
    assert dashboard(outsider_client, team).status_code == 404
    assert outsider_client.get(page_url("team-dashboard", other_team)).status_code == 200


def test_it_answers_404_for_an_unknown_team(viewer_client, team):
    assert viewer_client.get("/teams/nobody/").status_code == 404


def test_it_shows_budget_against_projection_for_each_month(viewer_client, team):
    services.budget_set(team=team, monthly_amount="200.00", overrides=[], thresholds=[80, 100])
    PlanFactory(team=team, name="Thumbnails", start_month=NOV)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    response = dashboard(viewer_client, team)

    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    assert "<h1>Pixels dashboard</h1>" in html
    for month in ("November 2026", "December 2026", "January 2027"):
        assert f"{month} $200.00 $110.00 55.0% Within budget" in page
        assert f"{month}: Within budget, 55.0% of budget" in page  # the chart's heading
        assert f"{month}: projected $110.00 against a budget of $200.00; within budget." in page
    assert 'class="status status-ok"' in html
    title = "Budget and projected spend, November 2026 to January 2027"
    assert f'role="img" aria-label="{title}. November 2026: projected $110.00' in html
    assert f"<title>{title}</title>" in html
    assert "Figures are being updated" not in page


def test_it_draws_bars_to_one_scale(viewer_client, team):
    services.budget_set(team=team, monthly_amount="220.00", overrides=[], thresholds=[80, 100])
    PlanFactory(team=team, start_month=NOV)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    html = dashboard(viewer_client, team).content.decode()

    assert html.count('width="360.0" height="14" class="bar-budget"') == 3
    assert html.count('width="180.0" height="14" class="bar-projected"') == 3
    assert html.count(">Budget: $220.00</text>") == 3
    assert html.count(">Projected: $110.00</text>") == 3


def test_it_shows_open_alerts_as_a_banner(viewer_client, team):
    services.budget_set(team=team, monthly_amount="100.00", overrides=[], thresholds=[80, 100])
    PlanFactory(team=team, start_month=NOV, end_month=NOV)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    response = dashboard(viewer_client, team)

    page = text(response)
    assert "2 open alerts" in page
    assert "November 2026: projected spend of $110.00 reached 100% of the $100.00 budget." in page
    assert "November 2026: projected spend of $110.00 reached 80% of the $100.00 budget." in page
    assert f'href="{page_url("alerts", team)}"' in response.content.decode()
    assert "November 2026 $100.00 $110.00 110.0% Over budget" in page
    assert "December 2026 $100.00 $0.00 0.0% Within budget" in page
    assert 'class="bar-over"' in response.content.decode()


def test_it_says_when_no_budget_is_set(viewer_client, team):
    PlanFactory(team=team, start_month=NOV)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    page = text(dashboard(viewer_client, team))

    assert "November 2026 none set $110.00 — no budget No budget" in page
    assert "November 2026: projected $110.00 against no budget set; no budget." in page
    assert TeamMonth.objects.filter(team=team, status="no_budget").count() == 3


def test_it_says_figures_are_being_updated_while_a_recompute_is_pending(viewer_client, team):
    services.plan_create(
        team=team, name="Fresh", images_per_month=10, size="1024x1024", quality="low", start_month=NOV
    )

    page = text(dashboard(viewer_client, team))

    assert "Figures are being updated…" in page
    assert "Fresh being computed being computed being computed — nothing to compare" in page


def test_it_lists_plans_with_cost_recommendation_and_saving(viewer_client, team):
    PlanFactory(
        team=team, name="Covers", start_month=NOV, pinned_model=ImageModel.objects.get(slug="gpt-image-1.5")
    )
    PlanFactory(team=team, name="Thumbnails", start_month=NOV)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    response = dashboard(viewer_client, team)

    page = text(response)
    assert "Covers gpt-image-1.5 (pinned) $340.00 gpt-image-1-mini $230.00" in page
    assert "Thumbnails gpt-image-1-mini $110.00 gpt-image-1-mini — nothing to compare" in page
    assert f'href="{page_url("plan-create", team)}"' not in response.content.decode()


def test_it_invites_members_to_create_a_first_plan(member_client, team):
    response = dashboard(member_client, team)

    assert response.status_code == 200
    assert "No plans yet." in text(response)
    assert (
        f'<a class="button" href="{page_url("plan-create", team)}">Create a plan</a>'
        in response.content.decode()
    )


def test_it_tells_viewers_whom_to_ask_for_a_first_plan(viewer_client, team):
    response = dashboard(viewer_client, team)

    assert "Ask a member or an owner of Pixels to create one." in text(response)
    assert page_url("plan-create", team) not in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_only_reads(member_client, team, method):
    assert getattr(member_client, method)(page_url("team-dashboard", team)).status_code == 405
