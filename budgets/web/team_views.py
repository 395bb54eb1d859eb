"""The home page, team creation, and a team's retry statistics, alerts, settings and members.

Reads come from ``budgets.selectors``, writes go through ``budgets.services``; a view
only checks who may do what (``access``: 404 for outsiders, 403 for a role too low),
binds the form and picks the template. A form with errors is shown again (200) with
each error in place and a summary above it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from budgets import notifications, selectors, services
from budgets.models import Team
from budgets.months import month_of
from budgets.services import TeamRuleViolation
from budgets.web.access import MEMBER, OWNER, VIEWER, can_write, team_for_member
from budgets.web.team_forms import (
    BudgetForm,
    MemberAddForm,
    MemberRoleForm,
    RetryStatisticForm,
    TeamForm,
    TeamSettingsForm,
    override_formset,
)

RECENT_DELIVERIES = 20


def _team_context(team: Team, role: str, section: str) -> dict:
    return {
        "team": team,
        "role": role,
        "section": section,
        "can_write": can_write(role),
        "is_owner": role == OWNER,
        "stale": team.team_stale,
    }


# --- Home and new teams ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    """The user's teams with this month's figures; one team: straight to its dashboard."""
    today = timezone.localdate()
    teams = selectors.home_teams(user=request.user, today=today)
    if len(teams) == 1:
        return redirect("team-dashboard", teams[0].slug)
    return render(
        request, "budgets/home.html", {"teams": teams, "month": month_of(today), "nav_section": "home"}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST) if request.method == "POST" else TeamForm()
    if form.is_bound and form.is_valid():
        team = services.team_create(owner=request.user, **form.team_fields())
        messages.success(
            request, f"Team “{team.name}” created: you are its owner. Add a plan to see its spend."
        )
        return redirect("team-dashboard", team.slug)
    return render(
        request,
        "budgets/team_create.html",
        {
            "form": form,
            "error_summary": form.error_summary() if form.is_bound else [],
            "nav_section": "home",
        },
    )


# --- Retry statistics --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def retry_stats(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = team_for_member(request, slug, minimum_role=MEMBER if request.method == "POST" else VIEWER)
    form = RetryStatisticForm(team=team) if can_write(role) else None
    if request.method == "POST":
        form = RetryStatisticForm(request.POST, team=team)
        if form.is_valid():
            try:
                services.retry_statistic_create(team=team, created_by=request.user, **form.cleaned_data)
            except TeamRuleViolation as violation:
                form.add_rule_violation(violation)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, "Observation recorded. Projections and recommendations are being updated."
                )
                return redirect("retry-stats", team.slug)
    return render(
        request,
        "budgets/retry_stats.html",
        {
            **_team_context(team, role, "retry-stats"),
            "form": form,
            "error_summary": form.error_summary() if form is not None and form.is_bound else [],
            "statistics": selectors.retry_statistic_rows(team=team),
            "overview": selectors.retry_rates_overview(team=team, today=timezone.localdate()),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def retry_stat_delete(request: HttpRequest, slug: str, statistic_id: int) -> HttpResponse:
    team, role = team_for_member(request, slug, minimum_role=MEMBER)
    statistic = selectors.retry_statistic_get(team=team, statistic_id=statistic_id)
    if statistic is None:
        raise Http404("No such retry statistic in this team.")
    if request.method == "POST":
        services.retry_statistic_delete(statistic=statistic)
        messages.success(request, "Observation deleted. Projections and recommendations are being updated.")
        return redirect("retry-stats", team.slug)
    return render(
        request,
        "budgets/retry_stats_confirm_delete.html",
        {**_team_context(team, role, "retry-stats"), "statistic": statistic},
    )


# --- Alerts ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def alerts(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = team_for_member(request, slug)
    return render(
        request,
        "budgets/alerts.html",
        {**_team_context(team, role, "alerts"), "alerts": selectors.team_alerts(team=team)},
    )


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, slug: str, alert_id: int) -> HttpResponse:
    team, _role = team_for_member(request, slug, minimum_role=MEMBER)
    alert = selectors.alert_get(team=team, alert_id=alert_id)
    if alert is None:
        raise Http404("No such alert in this team.")
    alert = services.alert_acknowledge(alert=alert, user=request.user)
    if alert.acknowledged_by_id == request.user.pk:
        messages.success(
            request, f"Alert at {alert.threshold}% of the {alert.month:%B %Y} budget acknowledged."
        )
    else:
        messages.info(request, "Someone had already acknowledged this alert.")
    return redirect("alerts", team.slug)


# --- Settings ----------------------------------------------------------------------------


SETTINGS_FORMS = ("budget", "team", "rotate-secret")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def team_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Owners change the budget, the team and its webhook; everyone else reads them.

    The page holds two forms, told apart by ``form`` (``budget`` or ``team``); a third
    POST, ``rotate-secret``, draws a new webhook secret.
    """
    team, role = team_for_member(request, slug, minimum_role=OWNER if request.method == "POST" else VIEWER)
    budget = selectors.budget_get(team=team)
    budget_form = BudgetForm(initial=BudgetForm.initial_from(budget.monthly_amount, budget.thresholds))
    overrides = override_formset(overrides=budget.overrides)
    team_form = TeamSettingsForm(initial=TeamSettingsForm.data_from_team(team))
    error_summary: list[dict[str, str]] = []

    if request.method == "POST":
        submitted = request.POST.get("form")
        if submitted not in SETTINGS_FORMS:
            return HttpResponseBadRequest("Unknown form.")
        if submitted == "rotate-secret":
            services.team_webhook_secret_rotate(team=team)
            messages.success(request, "New webhook secret drawn: signatures use it from now on.")
            return redirect("team-settings", team.slug)
        if submitted == "budget":
            budget_form = BudgetForm(request.POST)
            overrides = override_formset(request.POST, overrides=budget.overrides)
            if budget_form.is_valid() and overrides.is_valid():
                services.budget_set(
                    team=team,
                    monthly_amount=budget_form.cleaned_data["monthly_amount"],
                    overrides=overrides.overrides(),
                    thresholds=budget_form.cleaned_data["thresholds"],
                )
                messages.success(request, "Budget saved. Projections and alerts are being updated.")
                return redirect("team-settings", team.slug)
            error_summary = budget_form.error_summary() + overrides.error_summary()
        else:
            team_form = TeamSettingsForm(request.POST)
            if team_form.is_valid():
                services.team_update(team=team, **team_form.team_fields())
                messages.success(request, "Team settings saved.")
                return redirect("team-settings", team.slug)
            error_summary = team_form.error_summary()

    is_owner = role == OWNER
    return render(
        request,
        "budgets/settings.html",
        {
            **_team_context(team, role, "settings"),
            "budget": budget,
            "budget_form": budget_form if is_owner else None,
            "overrides": overrides if is_owner else None,
            "team_form": team_form if is_owner else None,
            "error_summary": error_summary,
            "deliveries": (
                selectors.webhook_delivery_recent(team=team, limit=RECENT_DELIVERIES) if is_owner else []
            ),
        },
    )


@login_required
@require_POST
def webhook_test(request: HttpRequest, slug: str) -> HttpResponse:
    team, _role = team_for_member(request, slug, minimum_role=OWNER)
    if not team.webhook_url:
        messages.error(request, "The team has no webhook URL: set one first.")
        return redirect("team-settings", team.slug)
    result = notifications.webhook_test_send(team=team)
    if result.delivered:
        messages.success(request, f"Test webhook delivered: the endpoint answered HTTP {result.status_code}.")
    elif result.status_code is not None:
        messages.error(
            request, f"Test webhook not delivered: the endpoint answered HTTP {result.status_code}."
        )
    else:
        messages.error(request, f"Test webhook not delivered: {result.error}.")
    return redirect("team-settings", team.slug)


# --- Members -----------------------------------------------------------------------------


MEMBER_ACTIONS = {"add": OWNER, "role": OWNER, "remove": OWNER, "leave": VIEWER}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """Everyone sees the members and may leave; owners add, change roles and remove.

    POSTs carry ``action`` (add, role, remove, leave) and, for role and remove, ``user``.
    """
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in MEMBER_ACTIONS:
        team_for_member(request, slug)  # outsiders get 404 before anything else
        return HttpResponseBadRequest("Unknown action.")
    team, role = team_for_member(request, slug, minimum_role=MEMBER_ACTIONS.get(action, VIEWER))
    add_form = MemberAddForm() if role == OWNER else None
    row_errors: dict[int, str] = {}
    error_summary: list[dict[str, str]] = []

    if action == "add":
        add_form = MemberAddForm(request.POST)
        if add_form.is_valid():
            try:
                membership = services.membership_add(team=team, **add_form.member_fields())
            except TeamRuleViolation as violation:
                add_form.add_rule_violation(violation)
            else:
                messages.success(
                    request,
                    f"{membership.user.get_username()} added as {membership.get_role_display().lower()}.",
                )
                return redirect("members", team.slug)
        error_summary = add_form.error_summary()
    elif action:
        user_id = request.user.pk if action == "leave" else _user_id(request.POST.get("user", ""))
        membership = selectors.membership_get(team=team, user_id=user_id) if user_id else None
        if membership is None:
            raise Http404("No such member in this team.")
        name = membership.user.get_username()
        try:
            if action == "role":
                role_form = MemberRoleForm(request.POST)
                if not role_form.is_valid():
                    raise TeamRuleViolation("role", role_form.errors["role"][0])
                services.membership_role_change(membership=membership, role=role_form.cleaned_data["role"])
                messages.success(request, f"{name} is now {membership.get_role_display().lower()}.")
            else:
                services.membership_remove(membership=membership)
        except TeamRuleViolation as violation:
            row_errors[membership.user_id] = violation.message
            error_summary = [
                {"label": name, "message": violation.message, "anchor": f"member-{membership.user_id}"}
            ]
        else:
            if action == "leave":
                messages.success(request, f"You left {team.name}.")
                return redirect("home")
            if action == "remove":
                messages.success(request, f"{name} removed from {team.name}.")
            return redirect("members", team.slug)

    rows = [
        {
            "membership": membership,
            "is_you": membership.user_id == request.user.pk,
            "error": row_errors.get(membership.user_id, ""),
        }
        for membership in selectors.membership_list(team=team)
    ]
    return render(
        request,
        "budgets/members.html",
        {
            **_team_context(team, role, "members"),
            "rows": rows,
            "add_form": add_form,
            "role_choices": MemberRoleForm.base_fields["role"].choices,
            "error_summary": error_summary,
        },
    )


def _user_id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None
