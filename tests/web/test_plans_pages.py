"""The plan pages: list, detail, create, edit, delete, and the live quote.

An owner, a member and a viewer of one team, and an outsider; today is frozen at
2026-11-24 (horizon: 2026-11 to 2027-01), the seed catalog in force.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets import services
from budgets.models import Projection, WorkloadPlan
from budgets.recompute import teams_recompute
from catalog.models import ImageModel
from tests.budgets.factories import PlanFactory

TODAY = datetime.date(2026, 11, 24)
NOV = datetime.date(2026, 11, 1)

# A valid form: 10,000 medium square images a month from November (the seed's 110.00 on mini).
FORM = {
    "name": "Thumbnails",
    "images_per_month": "10000",
    "size": "1024x1024",
    "quality": "medium",
    "mode": "interactive",
    "prompt_tokens": "",
    "input_images": "",
    "tokens_per_input_image": "",
    "cached_input_share": "",
    "rejection_rate": "",
    "cost_per_rejected_image": "",
    "peak_images_per_minute": "",
    "start_month": "2026-11",
    "end_month": "",
    "pinned_model": "",
}


pytestmark = pytest.mark.usefixtures("today")


@pytest.fixture
def plan(team):
    plan = PlanFactory(team=team, name="Thumbnails", start_month=NOV)
    teams_recompute(team_ids=[team.pk], today=TODAY)
    return plan


def text(response) -> str:
    """The page's text with tags dropped and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def page_url(name: str, team, **kwargs) -> str:
    return reverse(name, kwargs={"slug": team.slug, **kwargs})


def field_errors(response, field: str) -> list[str]:
    """The error messages shown in place under one field (by its errorlist's id)."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{re.escape(field)}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


# --- Who may see what --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["plan-list", "plan-create"])
def test_it_answers_404_to_outsiders_on_team_pages(outsider_client, team, other_team, name):
    assert outsider_client.get(page_url(name, team)).status_code == 404


@pytest.mark.parametrize("name", ["plan-detail", "plan-edit", "plan-delete"])
def test_it_answers_404_to_outsiders_on_plan_pages(outsider_client, plan, name):
    assert outsider_client.get(page_url(name, plan.team, plan_id=plan.pk)).status_code == 404
    assert outsider_client.post(page_url(name, plan.team, plan_id=plan.pk), FORM).status_code in (404, 405)


def test_it_answers_404_for_a_plan_of_another_team(member_client, plan, other_team):
    foreign = PlanFactory(team=other_team)

    response = member_client.get(page_url("plan-detail", plan.team, plan_id=foreign.pk))

    assert response.status_code == 404


def test_it_sends_anonymous_users_to_sign_in(client, plan):
    response = client.get(page_url("plan-list", plan.team))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_a_viewer_the_plans_without_edit_controls(viewer_client, plan):
    team = plan.team
    responses = [
        viewer_client.get(page_url("plan-list", team)),
        viewer_client.get(page_url("plan-detail", team, plan_id=plan.pk)),
    ]

    for response in responses:
        assert response.status_code == 200
        html = response.content.decode()
        assert page_url("plan-edit", team, plan_id=plan.pk) not in html
        assert page_url("plan-delete", team, plan_id=plan.pk) not in html
        assert page_url("plan-create", team) not in html


@pytest.mark.parametrize(
    ("name", "needs_plan"),
    [("plan-create", False), ("plan-edit", True), ("plan-delete", True)],
)
def test_it_refuses_a_viewer_who_posts_anyway(viewer_client, plan, name, needs_plan):
    kwargs = {"plan_id": plan.pk} if needs_plan else {}

    response = viewer_client.post(page_url(name, plan.team, **kwargs), {**FORM, "name": "Sneaky"})

    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.name == "Thumbnails"
    assert WorkloadPlan.objects.filter(team=plan.team).count() == 1


def test_it_refuses_a_viewer_the_form_pages(viewer_client, plan):
    assert viewer_client.get(page_url("plan-create", plan.team)).status_code == 403
    assert viewer_client.get(page_url("plan-edit", plan.team, plan_id=plan.pk)).status_code == 403


# --- The list ---------------------------------------------------------------------------------------


def test_it_lists_plans_with_this_months_cost(viewer_client, plan):
    response = viewer_client.get(page_url("plan-list", plan.team))

    assert response.status_code == 200
    page = text(response)
    assert "<h1>Plans</h1>" in response.content.decode()
    workload = "10,000 \N{MULTIPLICATION SIGN} 1024x1024, medium, interactive"
    assert f"Thumbnails {workload} Nov 2026 \N{EN DASH} no end" in page
    assert "gpt-image-1-mini $110.00 gpt-image-1-mini" in page


def test_it_shows_members_what_to_do_when_there_are_no_plans(member_client, team):
    response = member_client.get(page_url("plan-list", team))

    assert response.status_code == 200
    assert "No plans yet." in text(response)
    assert f'href="{page_url("plan-create", team)}"' in response.content.decode()


def test_it_tells_viewers_whom_to_ask_when_there_are_no_plans(viewer_client, team):
    response = viewer_client.get(page_url("plan-list", team))

    assert "Ask a member or an owner of Pixels to create one." in text(response)


# --- The detail -------------------------------------------------------------------------------------


def test_it_shows_the_recommendation_and_projections(viewer_client, plan, seed_catalog):
    response = viewer_client.get(page_url("plan-detail", plan.team, plan_id=plan.pk))

    assert response.status_code == 200
    page = text(response)
    assert "Recommended model: gpt-image-1-mini , $110.00 a month." in page
    assert "gpt-image-1-mini stays cheaper until it rejects 68% of its outputs." in page
    assert "gpt-image-1.5 wins only if gpt-image-1-mini rejects more than 68% of its outputs." in page
    assert "gpt-image-1 wins only if gpt-image-1-mini rejects more than 74% of its outputs." in page
    # November, December and January, each priced by the seed catalog for the whole month.
    assert page.count("$110.00 $0.00 $0.00 $110.00 $0.00 $110.00") == 3
    label = seed_catalog.label
    assert f"{label}: 1 Nov\N{EN DASH}30 Nov 2026 (30 days), gpt-image-1-mini, $110.00 a month" in page
    assert f"{label}: 1 Jan\N{EN DASH}31 Jan 2027 (31 days), gpt-image-1-mini, $110.00 a month" in page
    assert "Total over these months $330.00" in page


def test_it_shows_what_a_pinned_plan_would_save(viewer_client, team):
    plan = PlanFactory(team=team, start_month=NOV, pinned_model=ImageModel.objects.get(slug="gpt-image-1.5"))
    teams_recompute(team_ids=[team.pk], today=TODAY)

    response = viewer_client.get(page_url("plan-detail", team, plan_id=plan.pk))

    page = text(response)
    assert "Pinned to gpt-image-1.5 . Switching to the recommended model would save $230.00 a month." in page
    assert page.count("gpt-image-1.5 $340.00") >= 1


def test_it_says_figures_are_being_updated_before_the_recompute(viewer_client, team):
    plan = services.plan_create(
        team=team, name="Fresh", images_per_month=10, size="1024x1024", quality="low", start_month=NOV
    )

    response = viewer_client.get(page_url("plan-detail", team, plan_id=plan.pk))

    assert response.status_code == 200
    page = text(response)
    assert "Figures are being updated…" in page
    assert "Not computed yet." in page
    assert "Being computed." in page


# --- Create, edit, delete ---------------------------------------------------------------------------


def test_it_shows_the_form_with_help_and_the_live_quote_region(member_client, team):
    response = member_client.get(page_url("plan-create", team))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Create a plan</h1>" in html
    assert '<h2 id="live-quote-heading">Live quote</h2>' in html
    assert 'id="live-quote" class="loading" aria-live="polite"' in html
    assert f'hx-post="{reverse("quote-preview")}"' in html
    assert 'hx-trigger="input changed delay:400ms from:form, change from:form"' in html
    assert ">Save plan</button>" in html
    for label in ["Rejection rate on gpt-image-1-mini", "Rejection rate on gpt-image-1.5", "Pinned model"]:
        assert f">{label}</label>" in html
    assert 'aria-describedby="id_images_per_month_helptext"' in html
    assert 'value="2026-11"' in html  # the start month defaults to this one


def test_it_creates_a_plan(member_client, team):
    response = member_client.post(
        page_url("plan-create", team),
        {
            **FORM,
            "rejection_rate": "0.100000",
            "rejection_rate_for_gpt-image-1.5": "0.05",
            "cost_per_rejected_image": "0.5",
            "peak_images_per_minute": "3.25",
            "end_month": "2027-06",
            "pinned_model": "gpt-image-1",
        },
    )

    plan = WorkloadPlan.objects.get(team=team)
    assert response.status_code == 302
    assert response["Location"] == page_url("plan-detail", team, plan_id=plan.pk)
    assert (plan.name, plan.images_per_month, plan.rejection_rate) == ("Thumbnails", 10000, Decimal("0.1"))
    assert plan.rejection_rates == {"gpt-image-1.5": "0.05"}
    assert (plan.cost_per_rejected_image, plan.peak_images_per_minute) == (Decimal("0.5"), Decimal("3.25"))
    assert (plan.start_month, plan.end_month) == (NOV, datetime.date(2027, 6, 1))
    assert plan.pinned_model.slug == "gpt-image-1"
    assert (plan.prompt_tokens, plan.cached_input_share) == (0, Decimal(0))


def test_a_created_plan_shows_on_its_page_once_computed(
    member_client, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = member_client.post(page_url("plan-create", team), FORM)

    response = member_client.get(created["Location"])

    assert response.status_code == 200
    page = text(response)
    assert "Plan “Thumbnails” saved." in page
    assert "Recommended model: gpt-image-1-mini , $110.00 a month." in page


def test_it_edits_a_plan(member_client, plan):
    edit = page_url("plan-edit", plan.team, plan_id=plan.pk)
    form = member_client.get(edit)
    assert form.status_code == 200
    assert 'value="Thumbnails"' in form.content.decode()
    assert "gpt-image-1-mini stays cheaper until it rejects 68% of its outputs" in text(form)

    response = member_client.post(edit, {**FORM, "name": "Covers", "images_per_month": "20000"})

    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.name, plan.images_per_month) == ("Covers", 20000)


def test_editing_keeps_a_rate_for_a_model_outside_the_current_catalog(member_client, plan):
    plan.rejection_rates = {"gpt-image-1": "0.2"}
    plan.save()

    form = member_client.get(page_url("plan-edit", plan.team, plan_id=plan.pk))

    assert 'name="rejection_rate_for_gpt-image-1" value="0.2"' in form.content.decode()


def test_it_deletes_a_plan_after_confirmation(member_client, plan):
    url = page_url("plan-delete", plan.team, plan_id=plan.pk)

    confirm = member_client.get(url)
    assert confirm.status_code == 200
    assert "Delete plan “Thumbnails”?" in text(confirm)
    assert "its 3 monthly projections and its recommendation;" in text(confirm)
    assert WorkloadPlan.objects.filter(pk=plan.pk).exists()

    response = member_client.post(url)

    assert response.status_code == 302
    assert response["Location"] == page_url("plan-list", plan.team)
    assert not WorkloadPlan.objects.filter(pk=plan.pk).exists()
    assert not Projection.objects.filter(plan_id=plan.pk).exists()


BAD_INPUTS = [
    ({"name": ""}, "name", "This field is required."),
    ({"name": "x" * 201}, "name", "Ensure this value has at most 200 characters (it has 201)."),
    ({"images_per_month": ""}, "images_per_month", "This field is required."),
    ({"images_per_month": "0"}, "images_per_month", "Ensure this value is greater than or equal to 1."),
    ({"images_per_month": "-5"}, "images_per_month", None),
    ({"images_per_month": "1000000001"}, "images_per_month", None),
    ({"images_per_month": "10.5"}, "images_per_month", "Enter a whole number."),
    ({"images_per_month": "many"}, "images_per_month", "Enter a whole number."),
    ({"images_per_month": "9" * 5000}, "images_per_month", None),
    ({"size": "512x512"}, "size", None),
    ({"quality": "ultra"}, "quality", None),
    ({"mode": "overnight"}, "mode", None),
    ({"prompt_tokens": "-1"}, "prompt_tokens", None),
    ({"prompt_tokens": "10000001"}, "prompt_tokens", None),
    ({"input_images": "two"}, "input_images", None),
    ({"tokens_per_input_image": "10000001"}, "tokens_per_input_image", None),
    ({"cached_input_share": "1.01"}, "cached_input_share", None),
    ({"cached_input_share": "-0.1"}, "cached_input_share", None),
    ({"cached_input_share": "NaN"}, "cached_input_share", None),
    ({"cached_input_share": "0.1234567"}, "cached_input_share", None),
    ({"rejection_rate": "0.96"}, "rejection_rate", "Ensure this value is less than or equal to 0.95."),
    ({"rejection_rate": "Infinity"}, "rejection_rate", None),
    ({"rejection_rate": "1e-30"}, "rejection_rate", None),
    ({"rejection_rate": "1e999999999"}, "rejection_rate", None),
    (
        {"rejection_rate": "0.1000001"},
        "rejection_rate",
        "Ensure that there are no more than 6 decimal places.",
    ),
    ({"rejection_rate": "abc"}, "rejection_rate", "Enter a number."),
    ({"rejection_rate_for_gpt-image-1-mini": "0.99"}, "rejection_rate_for_gpt-image-1-mini", None),
    ({"cost_per_rejected_image": "-1"}, "cost_per_rejected_image", None),
    ({"cost_per_rejected_image": "1000001"}, "cost_per_rejected_image", None),
    ({"cost_per_rejected_image": "0.0000001"}, "cost_per_rejected_image", None),
    ({"peak_images_per_minute": "-3"}, "peak_images_per_minute", None),
    ({"peak_images_per_minute": "fast"}, "peak_images_per_minute", None),
    ({"peak_images_per_minute": "1.00001"}, "peak_images_per_minute", None),
    ({"start_month": ""}, "start_month", "This field is required."),
    ({"start_month": "2026-13"}, "start_month", "'2026-13' is not a month: write it as YYYY-MM."),
    ({"start_month": "November"}, "start_month", None),
    ({"end_month": "2026-10"}, "end_month", "Must not be before the start month (2026-11)."),
    ({"pinned_model": "gpt-image-9"}, "pinned_model", None),
]


@pytest.mark.parametrize(
    ("change", "field", "message"), BAD_INPUTS, ids=[repr(c)[:60] for c, _, _ in BAD_INPUTS]
)
def test_it_shows_the_error_on_the_field_for_bad_input(member_client, plan, change, field, message):
    for url in (page_url("plan-create", plan.team), page_url("plan-edit", plan.team, plan_id=plan.pk)):
        response = member_client.post(url, {**FORM, **change})

        assert response.status_code == 200
        errors = field_errors(response, field)
        assert errors, f"no error shown on {field}"
        if message is not None:
            assert errors == [message.replace("'", "&#x27;")]
        html = response.content.decode()
        assert 'role="alert"' in html
        assert f'href="#id_{field}"' in html
        assert re.search(rf'<[^>]*aria-invalid="true"[^>]*id="id_{re.escape(field)}"', html) or re.search(
            rf'<[^>]*id="id_{re.escape(field)}"[^>]*aria-invalid="true"', html
        )
    assert WorkloadPlan.objects.filter(team=plan.team).count() == 1
    plan.refresh_from_db()
    assert plan.name == "Thumbnails"


def test_a_model_level_error_shows_on_its_field(member_client, team, monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(**fields):
        raise ValidationError({"images_per_month": ["Too many for this team."], "__all__": ["Not now."]})

    monkeypatch.setattr(services, "plan_create", refuse)

    response = member_client.post(page_url("plan-create", team), FORM)

    assert response.status_code == 200
    assert field_errors(response, "images_per_month") == ["Too many for this team."]
    assert "Not now." in text(response)


def test_the_no_script_update_quote_button_quotes_without_saving(member_client, team):
    response = member_client.post(page_url("plan-create", team), {**FORM, "update_quote": "1"})

    assert response.status_code == 200
    assert "gpt-image-1-mini stays cheaper until it rejects 68% of its outputs" in text(response)
    assert not WorkloadPlan.objects.filter(team=team).exists()


# --- The live quote ---------------------------------------------------------------------------------


def preview(client, team, data, **extra):
    return client.post(reverse("quote-preview"), {**data, "team": team.slug, **extra})


def test_the_live_quote_compares_every_model(member_client, team):
    response = preview(member_client, team, FORM)

    assert response.status_code == 200
    page = text(response)
    assert "Cheapest: gpt-image-1-mini at $110.00 a month ($0.011000 per accepted image)." in page
    assert "gpt-image-1-mini stays cheaper until it rejects 68% of its outputs." in page
    assert "gpt-image-1.5 wins only if gpt-image-1-mini rejects more than 68% of its outputs." in page
    assert "gpt-image-1.5 Eligible $340.00 a month" in page
    assert "gpt-image-1 Eligible $420.00 a month" in page
    assert (
        "Output $110.00 Input $0.00 Batch savings $0.00 API cost $110.00 Rework $0.00 Total $110.00" in page
    )
    assert "<html" not in response.content.decode()  # a fragment, not a page


def test_the_live_quote_says_why_a_model_is_not_eligible(member_client, team):
    team.tier = "free"
    team.save()

    response = preview(member_client, team, FORM)

    page = text(response)
    assert "Not eligible Why not: gpt-image-1-mini is not available on the free tier" in page
    assert "Not eligible Why not: gpt-image-1 is not available on the free tier" in page
    assert "Cheapest: gpt-image-1.5" in page


def test_the_live_quote_uses_the_rejection_rates_typed(member_client, team):
    response = preview(
        member_client, team, {**FORM, "rejection_rate": "0.5", "rejection_rate_for_gpt-image-1.5": "0"}
    )

    page = text(response)
    assert "Cheapest: gpt-image-1-mini at $220.00 a month" in page
    assert "gpt-image-1.5 Eligible $340.00 a month" in page


def test_the_live_quote_shows_what_a_pinned_model_would_save(member_client, team):
    response = preview(member_client, team, {**FORM, "pinned_model": "gpt-image-1.5"})

    assert "Switching from the pinned gpt-image-1.5 would save $230.00 a month." in text(response)


@pytest.mark.parametrize(
    "change",
    [
        {"images_per_month": ""},
        {"images_per_month": "lots"},
        {"images_per_month": "9" * 5000},
        {"rejection_rate": "0.99"},
        {"rejection_rate": "1e999999999"},
        {"cached_input_share": "NaN"},
        {"size": "huge"},
        {"pinned_model": "nope"},
        {"peak_images_per_minute": "-1"},
    ],
)
def test_the_live_quote_answers_garbage_with_a_short_message(member_client, team, change):
    response = preview(member_client, team, {**FORM, **change})

    assert response.status_code == 200
    assert "No quote yet: fix what is listed here to see every model side by side." in text(response)


def test_the_live_quote_ignores_name_and_months(member_client, team):
    response = preview(member_client, team, {**FORM, "name": "", "start_month": "", "end_month": "nope"})

    assert "Cheapest: gpt-image-1-mini" in text(response)


def test_the_live_quote_refuses_outsiders_and_unknown_teams(outsider_client, team, other_team):
    assert preview(outsider_client, team, FORM).status_code == 404
    assert outsider_client.post(reverse("quote-preview"), FORM).status_code == 404
    assert outsider_client.get(reverse("quote-preview")).status_code == 405


def test_the_live_quote_of_a_plan_of_another_team_is_404(member_client, team, other_team):
    foreign = PlanFactory(team=other_team)

    assert preview(member_client, team, FORM, plan=str(foreign.pk)).status_code == 404
    assert preview(member_client, team, FORM, plan="99999999999999999999").status_code == 404


def test_a_form_with_errors_still_quotes_a_valid_workload(member_client, team):
    response = member_client.post(page_url("plan-create", team), {**FORM, "name": "", "start_month": "soon"})

    assert response.status_code == 200
    assert field_errors(response, "name") == ["This field is required."]
    assert "gpt-image-1-mini stays cheaper until it rejects 68% of its outputs" in text(response)
    assert "No quote yet" not in text(response)


def test_it_accepts_what_the_api_accepts_without_rounding(member_client, team):
    response = member_client.post(
        page_url("plan-create", team),
        {
            **FORM,
            "images_per_month": " 1000000000 ",
            "cached_input_share": "0.2500000",
            "rejection_rate": "0.950000",
            "cost_per_rejected_image": "1000000.000000",
            "peak_images_per_minute": "0.0001",
            "prompt_tokens": "10000000",
        },
    )

    assert response.status_code == 302
    plan = WorkloadPlan.objects.get(team=team)
    assert plan.images_per_month == 1_000_000_000
    assert (plan.cached_input_share, plan.rejection_rate) == (Decimal("0.25"), Decimal("0.95"))
    assert plan.cost_per_rejected_image == Decimal(1_000_000)
    assert plan.peak_images_per_minute == Decimal("0.0001")
