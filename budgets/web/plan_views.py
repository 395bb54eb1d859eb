"""A team's dashboard and its plans: list, detail, create, edit, delete, and the live quote.

Reads come from ``budgets.selectors``, writes go through ``budgets.services``; a view
only checks who may do what (``access``), binds the form and picks the template.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from budgets import selectors, services
from budgets.models import Alert, Team, WorkloadPlan
from budgets.web.access import MEMBER, can_write, team_for_member
from budgets.web.charts import budget_chart
from budgets.web.plan_forms import PlanForm
from routing.web.presenting import quote_view


def _team_context(team: Team, role: str, section: str) -> dict:
    return {
        "team": team,
        "role": role,
        "section": section,
        "can_write": can_write(role),
        "stale": team.team_stale,
    }


def _plan_or_404(team: Team, plan_id: int) -> WorkloadPlan:
    plan = selectors.plan_get(team=team, plan_id=plan_id, today=timezone.localdate())
    if plan is None:
        raise Http404("No such plan in this team.")
    return plan


@login_required
@require_http_methods(["GET", "HEAD"])
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = team_for_member(request, slug)
    today = timezone.localdate()
    months = selectors.team_projections_horizon(team=team, today=today, stale=team.team_stale)
    return render(
        request,
        "budgets/dashboard.html",
        {
            **_team_context(team, role, "dashboard"),
            "months": months,
            "chart": budget_chart(months=months),
            "open_alerts": list(selectors.alert_list(team=team, state=Alert.State.OPEN)),
            "plans": selectors.plan_rows(team=team, today=today),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def plan_list(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = team_for_member(request, slug)
    plans = selectors.plan_rows(team=team, today=timezone.localdate())
    return render(request, "budgets/plan_list.html", {**_team_context(team, role, "plans"), "plans": plans})


@login_required
@require_http_methods(["GET", "HEAD"])
def plan_detail(request: HttpRequest, slug: str, plan_id: int) -> HttpResponse:
    team, role = team_for_member(request, slug)
    plan = _plan_or_404(team, plan_id)
    _, recommendation = selectors.plan_recommendation_get(team=team, plan_id=plan.pk)
    return render(
        request,
        "budgets/plan_detail.html",
        {
            **_team_context(team, role, "plans"),
            "plan": plan,
            "recommendation": recommendation,
            "quote": quote_view(recommendation.quote) if recommendation is not None else None,
            "projections": selectors.plan_projections_horizon(plan=plan, today=timezone.localdate()),
        },
    )


def _draft_quote(team: Team, plan: WorkloadPlan | None, form: PlanForm):
    """The live quote of a valid form (None: no prices in force)."""
    data = form.cleaned_data
    pinned = data.get("pinned_model")
    body = selectors.plan_draft_quote(
        team=team,
        plan=plan,
        workload=form.workload(),
        peak_images_per_minute=data["peak_images_per_minute"],
        rejection_rate=data["rejection_rate"],
        rejection_rates=form.rejection_rates(),
        pinned_model=pinned.slug if pinned is not None else None,
        today=timezone.localdate(),
    )
    return None if body is None else quote_view(body)


def _plan_form_page(
    request: HttpRequest, *, team: Team, role: str, plan: WorkloadPlan | None, form: PlanForm
) -> HttpResponse:
    quote, quote_errors = None, []
    if form.is_bound:
        # The quote needs only the workload: a missing name or month does not hold it back.
        workload = PlanForm(form.data, model_slugs=form.model_slugs, quote_only=True)
        if workload.is_valid():
            quote = _draft_quote(team, plan, workload)
        else:
            quote_errors = workload.error_summary()
    return render(
        request,
        "budgets/plan_form.html",
        {
            **_team_context(team, role, "plans"),
            "plan": plan,
            "form": form,
            "quote": quote,
            "bound": form.is_bound,
            "quote_errors": quote_errors,
            "error_summary": form.error_summary() if form.is_bound else [],
        },
    )


def _save(request: HttpRequest, *, team: Team, role: str, plan: WorkloadPlan | None) -> HttpResponse:
    """Validate and save the submitted form, or show it again with its errors in place.

    "Update quote" (for browsers without JavaScript) shows the quote without saving.
    """
    slugs = selectors.plan_form_models(today=timezone.localdate(), plan=plan)
    form = PlanForm(request.POST, model_slugs=slugs)
    if "update_quote" in request.POST:
        form.full_clean()
        return _plan_form_page(request, team=team, role=role, plan=plan, form=form)
    if form.is_valid():
        try:
            if plan is None:
                saved = services.plan_create(team=team, **form.plan_fields())
            else:
                saved = services.plan_update(plan=plan, **form.plan_fields())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Plan “{saved.name}” saved. Its figures are being updated.")
            return redirect("plan-detail", team.slug, saved.pk)
    return _plan_form_page(request, team=team, role=role, plan=plan, form=form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_create(request: HttpRequest, slug: str) -> HttpResponse:
    team, role = team_for_member(request, slug, minimum_role=MEMBER)
    if request.method == "POST":
        return _save(request, team=team, role=role, plan=None)
    today = timezone.localdate()
    form = PlanForm(
        model_slugs=selectors.plan_form_models(today=today),
        initial={"start_month": today.replace(day=1), "size": "1024x1024", "quality": "medium"},
    )
    return _plan_form_page(request, team=team, role=role, plan=None, form=form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request: HttpRequest, slug: str, plan_id: int) -> HttpResponse:
    team, role = team_for_member(request, slug, minimum_role=MEMBER)
    plan = _plan_or_404(team, plan_id)
    if request.method == "POST":
        return _save(request, team=team, role=role, plan=plan)
    form = PlanForm(
        PlanForm.data_from_plan(plan),
        model_slugs=selectors.plan_form_models(today=timezone.localdate(), plan=plan),
    )
    return _plan_form_page(request, team=team, role=role, plan=plan, form=form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_delete(request: HttpRequest, slug: str, plan_id: int) -> HttpResponse:
    team, role = team_for_member(request, slug, minimum_role=MEMBER)
    plan = _plan_or_404(team, plan_id)
    if request.method == "POST":
        services.plan_delete(plan=plan)
        messages.success(request, f"Plan “{plan.name}” deleted.")
        return redirect("plan-list", team.slug)
    return render(
        request,
        "budgets/plan_confirm_delete.html",
        {
            **_team_context(team, role, "plans"),
            "plan": plan,
            "deletion": selectors.plan_deletion_get(plan=plan),
        },
    )


@login_required
@require_POST
def quote_preview(request: HttpRequest) -> HttpResponse:
    """The live quote panel (htmx) of a plan form being typed: every model side by side.

    POST the form's fields with ``team`` (its slug) and, when editing, ``plan`` (its id).
    Invalid input answers 200 with a short message in place of the quote.
    """
    team, _role = team_for_member(request, request.POST.get("team", ""))
    plan_id = request.POST.get("plan", "")
    plan = _plan_or_404(team, int(plan_id)) if plan_id.isascii() and plan_id.isdigit() else None
    form = PlanForm(
        request.POST,
        model_slugs=selectors.plan_form_models(today=timezone.localdate(), plan=plan),
        quote_only=True,
    )
    valid = form.is_valid()
    return render(
        request,
        "routing/quote_panel.html",
        {
            "team": team,
            "quote": _draft_quote(team, plan, form) if valid else None,
            "quote_errors": [] if valid else form.error_summary(),
            "bound": True,
        },
    )
