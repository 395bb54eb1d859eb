"""The teams API: a team and everything in it, reached through the caller's membership.

Each view validates its input, calls one service or selector, and serializes the
result. ``TeamApiView`` resolves the team once per request, in one query, from the
caller's membership: a team the caller does not belong to answers 404 on every
path and method (staff included: they see teams in the Django admin only); a
role too low for the method answers 403 (``budgets.api.permissions``).
"""

import contextlib
from collections.abc import Iterator

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from budgets import notifications, selectors, services
from budgets.api.permissions import MEMBER, OWNER, VIEWER, HasTeamRole
from budgets.api.serializers import (
    MEMBERSHIP_CREATE_SCHEMA,
    AlertFilterSerializer,
    AlertSerializer,
    BudgetSerializer,
    MembershipCreateSerializer,
    MembershipSerializer,
    MembershipUpdateSerializer,
    PlanFilterSerializer,
    PlanRecommendationSerializer,
    ProjectionQuerySerializer,
    ProjectionSerializer,
    RetryRateSerializer,
    RetryRatesQuerySerializer,
    RetryStatisticFilterSerializer,
    RetryStatisticSerializer,
    TeamCreateSerializer,
    TeamSerializer,
    TeamUpdateSerializer,
    WebhookDeliverySerializer,
    WebhookTestResultSerializer,
    WorkloadPlanSerializer,
)
from budgets.models import Membership, Team
from budgets.months import month_of
from config.logging import log_context
from config.openapi import BAD_REQUEST, NOT_SIGNED_IN, error, page_not_found

TAGS = ["teams"]

NOT_FOUND_TEXT = "No such team among the caller's, or no such item in it."
NOT_FOUND = error(NOT_FOUND_TEXT)


def responses(ok: dict, *, role: str = VIEWER, bad_request: bool = False, paginated: bool = False) -> dict:
    """A team endpoint's responses: ``ok`` plus 401, 404, 403 (unless any member may) and 400
    (a paginated list always has one: its ``page``)."""
    answers = {**ok, 401: NOT_SIGNED_IN, 404: page_not_found(NOT_FOUND_TEXT) if paginated else NOT_FOUND}
    if role != VIEWER:
        answers[403] = error(f"The caller's role in the team is below {role}.")
    if bad_request or paginated:
        answers[400] = BAD_REQUEST
    return answers


@contextlib.contextmanager
def team_rules() -> Iterator[None]:
    """A write that breaks a rule of teams is a 400 naming the field."""
    try:
        yield
    except services.TeamRuleViolation as violation:
        raise ValidationError({violation.field: [violation.message]}) from violation


def paginated(view: APIView, items: QuerySet | list, serializer_class, **context) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(items, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context=context).data)


def team_with_role(team: Team, role: str) -> Team:
    team.role = role
    return team


# --- Teams -------------------------------------------------------------------------------


class TeamListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        operation_id="teams_list",
        tags=TAGS,
        summary="The caller's teams",
        description="Only teams the caller belongs to, with the caller's role in each, by name.",
        responses={
            200: TeamSerializer(many=True),
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
            404: page_not_found(),
        },
    )
    def get(self, request: Request) -> Response:
        return paginated(self, selectors.team_list(user=request.user), TeamSerializer)

    @extend_schema(
        operation_id="teams_create",
        tags=TAGS,
        summary="Create a team",
        description=(
            "Any signed-in user; the caller becomes its owner. The slug is made from the name. "
            "The team starts without a budget and with the thresholds 80 and 100."
        ),
        request=TeamCreateSerializer,
        responses={201: TeamSerializer, 400: BAD_REQUEST, 401: NOT_SIGNED_IN},
        examples=[OpenApiExample("A team", value={"name": "Pixels", "tier": "tier2"}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        serializer = TeamCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = services.team_create(owner=request.user, **serializer.validated_data)
        return Response(
            TeamSerializer(team_with_role(team, Membership.Role.OWNER)).data, status=status.HTTP_201_CREATED
        )


class TeamApiView(APIView):
    """A view of one team's resources, at ``/api/v1/teams/<slug>/...``.

    ``roles`` names the least role each method needs; a handler without an
    entry is a configuration error, so a new endpoint cannot forget it.
    """

    permission_classes = [IsAuthenticated, HasTeamRole]
    roles: dict[str, str] = {}

    membership: Membership | None
    team: Team
    team_stale: bool

    def resolve_team(self, request: Request) -> Membership | None:
        if not hasattr(self, "membership"):
            self.membership = selectors.team_membership_get(user=request.user, slug=self.kwargs["slug"])
            if self.membership is not None:
                self.team = self.membership.team
                self.team_stale = self.membership.team_stale
                log_context(team=self.team.slug)
        return self.membership

    def required_role(self, request: Request) -> str:
        method = "GET" if request.method == "HEAD" else request.method
        if method in self.roles:
            return self.roles[method]
        if method != "OPTIONS" and hasattr(self, method.lower()):
            raise ImproperlyConfigured(f"{type(self).__name__}.roles has no entry for {method}.")
        return VIEWER  # OPTIONS, and methods without a handler (405 once the team is found)

    @property
    def today(self):
        return timezone.localdate()

    def team_response(self, team: Team, *, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(TeamSerializer(team_with_role(team, self.membership.role)).data, status=status_code)


class TeamDetailApi(TeamApiView):
    roles = {"GET": VIEWER, "PATCH": OWNER}

    @extend_schema(
        operation_id="teams_retrieve",
        tags=TAGS,
        summary="One team",
        description="`webhook_secret` is shown to owners only.",
        responses=responses({200: TeamSerializer}),
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.team_response(self.team)

    @extend_schema(
        operation_id="teams_partial_update",
        tags=TAGS,
        summary="Change a team (owners)",
        description="A new tier or verification recomputes the team's projections and recommendations.",
        request=TeamUpdateSerializer,
        responses=responses({200: TeamSerializer}, role=OWNER, bad_request=True),
    )
    def patch(self, request: Request, slug: str) -> Response:
        serializer = TeamUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = services.team_update(team=self.team, **serializer.validated_data)
        return self.team_response(team)


class TeamWebhookTestApi(TeamApiView):
    roles = {"POST": OWNER}

    @extend_schema(
        operation_id="teams_webhook_test",
        tags=TAGS,
        summary="Send a test webhook (owners)",
        description=(
            "One signed POST (`X-Spendlane-Signature`, event `webhook.test`) to the team's webhook, "
            "within 5 s, logged with the deliveries. A team without a webhook URL answers 400."
        ),
        request=None,
        responses=responses({200: WebhookTestResultSerializer}, role=OWNER, bad_request=True),
    )
    def post(self, request: Request, slug: str) -> Response:
        if not self.team.webhook_url:
            raise ValidationError({"webhook_url": ["The team has no webhook URL: set one first."]})
        result = notifications.webhook_test_send(team=self.team)
        body = {
            "delivered": result.delivered,
            "status_code": result.status_code,
            "error": result.error,
            "delivery_id": result.delivery.pk,
        }
        return Response(WebhookTestResultSerializer(body).data)


class TeamWebhookDeliveryListApi(TeamApiView):
    roles = {"GET": OWNER}
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        operation_id="teams_webhook_deliveries_list",
        tags=TAGS,
        summary="The webhook's delivery log (owners)",
        description="Every attempt to POST to the team's webhook, newest first.",
        responses=responses({200: WebhookDeliverySerializer(many=True)}, role=OWNER, paginated=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        return paginated(self, selectors.webhook_delivery_list(team=self.team), WebhookDeliverySerializer)


class TeamWebhookSecretRotateApi(TeamApiView):
    roles = {"POST": OWNER}

    @extend_schema(
        operation_id="teams_webhook_rotate_secret",
        tags=TAGS,
        summary="Draw a new webhook secret (owners)",
        description="Signatures use the new secret from now on; the team, with it, is returned.",
        request=None,
        responses=responses({200: TeamSerializer}, role=OWNER),
    )
    def post(self, request: Request, slug: str) -> Response:
        return self.team_response(services.team_webhook_secret_rotate(team=self.team))


# --- Members -----------------------------------------------------------------------------


class MembershipListApi(TeamApiView):
    roles = {"GET": VIEWER, "POST": OWNER}
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        operation_id="teams_members_list",
        tags=TAGS,
        summary="The team's members",
        responses=responses({200: MembershipSerializer(many=True)}, paginated=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        return paginated(self, selectors.membership_list(team=self.team), MembershipSerializer)

    @extend_schema(
        operation_id="teams_members_create",
        tags=TAGS,
        summary="Add a member (owners)",
        description="An existing user, by `username` or by `email` (one of them), with a role.",
        request=MEMBERSHIP_CREATE_SCHEMA,
        responses=responses({201: MembershipSerializer}, role=OWNER, bad_request=True),
        examples=[OpenApiExample("By email", value={"email": "ann@example.com", "role": "viewer"})],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = MembershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with team_rules():
            membership = services.membership_add(team=self.team, **serializer.validated_data)
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailApi(TeamApiView):
    roles = {"GET": VIEWER, "PATCH": OWNER, "DELETE": OWNER}

    def required_role(self, request: Request) -> str:
        # Anyone may leave a team (the last owner excepted, see membership_remove).
        if request.method == "DELETE" and self.kwargs["user_id"] == request.user.pk:
            return VIEWER
        return super().required_role(request)

    def get_membership(self, user_id: int) -> Membership:
        membership = selectors.membership_get(team=self.team, user_id=user_id)
        if membership is None:
            raise NotFound(f"User {user_id} is not a member of this team.")
        return membership

    @extend_schema(
        operation_id="teams_members_retrieve",
        tags=TAGS,
        summary="One member",
        responses=responses({200: MembershipSerializer}),
    )
    def get(self, request: Request, slug: str, user_id: int) -> Response:
        return Response(MembershipSerializer(self.get_membership(user_id)).data)

    @extend_schema(
        operation_id="teams_members_partial_update",
        tags=TAGS,
        summary="Change a member's role (owners)",
        description="The last owner cannot stop being one (400 on `role`).",
        request=MembershipUpdateSerializer,
        responses=responses({200: MembershipSerializer}, role=OWNER, bad_request=True),
    )
    def patch(self, request: Request, slug: str, user_id: int) -> Response:
        membership = self.get_membership(user_id)
        serializer = MembershipUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with team_rules():
            if "role" in serializer.validated_data:
                membership = services.membership_role_change(
                    membership=membership, role=serializer.validated_data["role"]
                )
        return Response(MembershipSerializer(membership).data)

    @extend_schema(
        operation_id="teams_members_destroy",
        tags=TAGS,
        summary="Remove a member (owners), or leave the team (anyone)",
        description="The last owner cannot be removed nor leave (400 on `role`).",
        responses=responses({204: None}, role=OWNER, bad_request=True),
    )
    def delete(self, request: Request, slug: str, user_id: int) -> Response:
        membership = self.get_membership(user_id)
        with team_rules():
            services.membership_remove(membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Budget ------------------------------------------------------------------------------


def budget_body(settings: selectors.BudgetSettings) -> dict:
    return BudgetSerializer(
        {
            "monthly_amount": settings.monthly_amount,
            "overrides": [{"month": month, "amount": amount} for month, amount in settings.overrides],
            "thresholds": settings.thresholds,
        }
    ).data


class BudgetApi(TeamApiView):
    roles = {"GET": VIEWER, "PUT": OWNER}

    @extend_schema(
        operation_id="teams_budget_retrieve",
        tags=TAGS,
        summary="The team's budget",
        responses=responses({200: BudgetSerializer}),
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(budget_body(selectors.budget_get(team=self.team)))

    @extend_schema(
        operation_id="teams_budget_update",
        tags=TAGS,
        summary="Replace the team's budget (owners)",
        description=(
            "Replaces the monthly amount, every override and the thresholds (`overrides` defaults to "
            "none, `thresholds` to 80 and 100). Amounts are USD, more than 0, at most 2 decimal places."
        ),
        request=BudgetSerializer,
        responses=responses({200: BudgetSerializer}, role=OWNER, bad_request=True),
        examples=[
            OpenApiExample(
                "200 a month, 350 in January",
                value={
                    "monthly_amount": "200.00",
                    "overrides": [{"month": "2027-01", "amount": "350.00"}],
                    "thresholds": [80, 100],
                },
                request_only=True,
            )
        ],
    )
    def put(self, request: Request, slug: str) -> Response:
        serializer = BudgetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.budget_set(
            team=self.team,
            monthly_amount=data["monthly_amount"],
            overrides=[(override["month"], override["amount"]) for override in data["overrides"]],
            thresholds=data["thresholds"],
        )
        return Response(budget_body(selectors.budget_get(team=self.team)))


# --- Plans -------------------------------------------------------------------------------


class PlanApiView(TeamApiView):
    def plan_response(self, plan_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        plan = selectors.plan_get(team=self.team, plan_id=plan_id, today=self.today)
        if plan is None:  # deleted meanwhile
            raise NotFound(f"No plan {plan_id} in this team.")
        stale = selectors.team_is_stale(team=self.team)
        return Response(WorkloadPlanSerializer(plan, context={"stale": stale}).data, status=status_code)


class PlanListApi(PlanApiView):
    roles = {"GET": VIEWER, "POST": MEMBER}
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        operation_id="teams_plans_list",
        tags=TAGS,
        summary="The team's workload plans",
        description=(
            "By name. `projected_monthly_cost` is this month's; `stale` while a recompute is pending."
        ),
        parameters=[PlanFilterSerializer],
        responses=responses({200: WorkloadPlanSerializer(many=True)}, paginated=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = PlanFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        plans = selectors.plan_list(team=self.team, today=self.today, **filters.validated_data)
        return paginated(self, plans, WorkloadPlanSerializer, stale=self.team_stale)

    @extend_schema(
        operation_id="teams_plans_create",
        tags=TAGS,
        summary="Create a plan (members)",
        description=(
            "Validated as strictly as a quote, plus the months (`end_month` not before `start_month`) "
            "and the pinned model. Its projections and recommendation are computed in the background."
        ),
        request=WorkloadPlanSerializer,
        responses=responses({201: WorkloadPlanSerializer}, role=MEMBER, bad_request=True),
        examples=[
            OpenApiExample(
                "Thumbnails",
                value={
                    "name": "Thumbnails",
                    "images_per_month": 10000,
                    "size": "1024x1024",
                    "quality": "medium",
                    "start_month": "2026-11",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = WorkloadPlanSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_create(team=self.team, **serializer.validated_data)
        return self.plan_response(plan.pk, status_code=status.HTTP_201_CREATED)


class PlanDetailApi(PlanApiView):
    roles = {"GET": VIEWER, "PUT": MEMBER, "PATCH": MEMBER, "DELETE": MEMBER}

    def get_plan(self, plan_id: int):
        plan = selectors.plan_get(team=self.team, plan_id=plan_id, today=self.today)
        if plan is None:
            raise NotFound(f"No plan {plan_id} in this team.")
        return plan

    @extend_schema(
        operation_id="teams_plans_retrieve",
        tags=TAGS,
        summary="One plan",
        responses=responses({200: WorkloadPlanSerializer}),
    )
    def get(self, request: Request, slug: str, plan_id: int) -> Response:
        plan = self.get_plan(plan_id)
        return Response(WorkloadPlanSerializer(plan, context={"stale": self.team_stale}).data)

    def _update(self, request: Request, plan_id: int, *, partial: bool) -> Response:
        plan = self.get_plan(plan_id)
        serializer = WorkloadPlanSerializer(plan, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.plan_update(plan=plan, **serializer.validated_data)
        return self.plan_response(plan.pk)

    @extend_schema(
        operation_id="teams_plans_update",
        tags=TAGS,
        summary="Replace a plan (members)",
        description="Fields left out take their defaults.",
        request=WorkloadPlanSerializer,
        responses=responses({200: WorkloadPlanSerializer}, role=MEMBER, bad_request=True),
    )
    def put(self, request: Request, slug: str, plan_id: int) -> Response:
        return self._update(request, plan_id, partial=False)

    @extend_schema(
        operation_id="teams_plans_partial_update",
        tags=TAGS,
        summary="Change a plan (members)",
        request=WorkloadPlanSerializer,
        responses=responses({200: WorkloadPlanSerializer}, role=MEMBER, bad_request=True),
    )
    def patch(self, request: Request, slug: str, plan_id: int) -> Response:
        return self._update(request, plan_id, partial=True)

    @extend_schema(
        operation_id="teams_plans_destroy",
        tags=TAGS,
        summary="Delete a plan (members)",
        description="Its projections, recommendation and plan-specific retry statistics go with it.",
        responses=responses({204: None}, role=MEMBER),
    )
    def delete(self, request: Request, slug: str, plan_id: int) -> Response:
        services.plan_delete(plan=self.get_plan(plan_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


NOT_COMPUTED_YET = "Not computed yet; try again in a few seconds."


class PlanRecommendationApi(TeamApiView):
    roles = {"GET": VIEWER}

    @extend_schema(
        operation_id="teams_plans_recommendation",
        tags=TAGS,
        summary="The plan quoted under today's prices",
        description=(
            "The stored recommendation, in the quote's response shape, with the team's smoothed "
            "rejection rates, tier and verification, plus `pinned_model` and what switching from it "
            "would save each month. A plan whose first recompute is still pending answers 404 with "
            f'`{{"detail": "{NOT_COMPUTED_YET}"}}`; a recommendation being recomputed is returned '
            "with `stale: true`."
        ),
        responses=responses({200: PlanRecommendationSerializer}),
    )
    def get(self, request: Request, slug: str, plan_id: int) -> Response:
        found, recommendation = selectors.plan_recommendation_get(team=self.team, plan_id=plan_id)
        if not found:
            raise NotFound(f"No plan {plan_id} in this team.")
        if recommendation is None:
            raise NotFound(NOT_COMPUTED_YET)
        body = dict(recommendation.quote)
        # Stored without them when no catalog version was in force.
        body.setdefault("pinned_model", None)
        body.setdefault("monthly_saving_by_switching", None)
        body["computed_at"] = serializers.DateTimeField().to_representation(recommendation.computed_at)
        body["stale"] = self.team_stale
        return Response(body)


# --- Retry statistics --------------------------------------------------------------------


class RetryStatisticListApi(TeamApiView):
    roles = {"GET": VIEWER, "POST": MEMBER}
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        operation_id="teams_retry_stats_list",
        tags=TAGS,
        summary="Observed retry statistics",
        description="Newest period first.",
        parameters=[RetryStatisticFilterSerializer],
        responses=responses({200: RetryStatisticSerializer(many=True)}, paginated=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = RetryStatisticFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        statistics = selectors.retry_statistic_list(
            team=self.team, model=data.get("model"), plan_id=data.get("plan")
        )
        return paginated(self, statistics, RetryStatisticSerializer)

    @extend_schema(
        operation_id="teams_retry_stats_create",
        tags=TAGS,
        summary="Record retry statistics (members)",
        description=(
            "Attempts and accepted outputs of one model over a period, for one plan or team-wide. "
            "The smoothed rejection rates, and so projections and recommendations, are recomputed."
        ),
        request=RetryStatisticSerializer,
        responses=responses({201: RetryStatisticSerializer}, role=MEMBER, bad_request=True),
        examples=[
            OpenApiExample(
                "A week on mini",
                value={
                    "model": "gpt-image-1-mini",
                    "plan": None,
                    "period_start": "2026-11-01",
                    "period_end": "2026-11-07",
                    "attempts": 1200,
                    "accepted": 1000,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = RetryStatisticSerializer(data=request.data, context={"team": self.team})
        serializer.is_valid(raise_exception=True)
        with team_rules():
            statistic = services.retry_statistic_create(
                team=self.team, created_by=request.user, **serializer.validated_data
            )
        return Response(RetryStatisticSerializer(statistic).data, status=status.HTTP_201_CREATED)


class RetryStatisticDetailApi(TeamApiView):
    roles = {"GET": VIEWER, "DELETE": MEMBER}

    def get_statistic(self, statistic_id: int):
        statistic = selectors.retry_statistic_get(team=self.team, statistic_id=statistic_id)
        if statistic is None:
            raise NotFound(f"No retry statistic {statistic_id} in this team.")
        return statistic

    @extend_schema(
        operation_id="teams_retry_stats_retrieve",
        tags=TAGS,
        summary="One retry statistic",
        responses=responses({200: RetryStatisticSerializer}),
    )
    def get(self, request: Request, slug: str, statistic_id: int) -> Response:
        return Response(RetryStatisticSerializer(self.get_statistic(statistic_id)).data)

    @extend_schema(
        operation_id="teams_retry_stats_destroy",
        tags=TAGS,
        summary="Delete a retry statistic (members)",
        responses=responses({204: None}, role=MEMBER),
    )
    def delete(self, request: Request, slug: str, statistic_id: int) -> Response:
        services.retry_statistic_delete(statistic=self.get_statistic(statistic_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class RetryRatesApi(TeamApiView):
    roles = {"GET": VIEWER}

    @extend_schema(
        operation_id="teams_retry_stats_rates",
        tags=TAGS,
        summary="Smoothed rejection rates per model",
        description=(
            "For each model: the counted attempts and accepted outputs (a plan's own records take "
            "precedence over team-wide ones), the assumed rate and the smoothed rate "
            "`(rejected + w * assumed) / (attempts + w)`, capped at 0.95."
        ),
        parameters=[RetryRatesQuerySerializer],
        responses=responses({200: RetryRateSerializer(many=True)}, bad_request=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        query = RetryRatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        plan = None
        plan_id = query.validated_data.get("plan")
        if plan_id is not None:
            plan = selectors.plan_get(team=self.team, plan_id=plan_id, today=self.today)
            if plan is None:
                raise ValidationError({"plan": [f"No plan {plan_id} in this team."]})
        rates = selectors.retry_rates_get(team=self.team, plan=plan)
        return Response(RetryRateSerializer(rates, many=True).data)


# --- Projections -------------------------------------------------------------------------


class ProjectionApi(TeamApiView):
    roles = {"GET": VIEWER}

    @extend_schema(
        operation_id="teams_projections_retrieve",
        tags=TAGS,
        summary="The team's projection for a month",
        description=(
            "The month's budget, projected total, share of budget and status, with each plan's cost. "
            "A month of the horizon (the current month and the next ones) not computed yet reads as "
            "zero spend with `stale: true`; any other month not stored is a 400 on `month`."
        ),
        parameters=[ProjectionQuerySerializer],
        responses=responses({200: ProjectionSerializer}, bad_request=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        query = ProjectionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = self.today
        month = query.validated_data.get("month") or month_of(today)
        try:
            projection = selectors.team_projection_get(
                team=self.team, month=month, today=today, stale=self.team_stale
            )
        except selectors.MonthNotCovered as error:
            raise ValidationError({"month": [str(error)]}) from error
        return Response(ProjectionSerializer(projection).data)


class ProjectionMonthsApi(TeamApiView):
    roles = {"GET": VIEWER}

    @extend_schema(
        operation_id="teams_projections_months",
        tags=TAGS,
        summary="The projections of every month of the horizon",
        description="The current month and the next ones, in order, each as `GET .../projections/` has it.",
        responses=responses({200: ProjectionSerializer(many=True)}),
    )
    def get(self, request: Request, slug: str) -> Response:
        projections = selectors.team_projections_horizon(
            team=self.team, today=self.today, stale=self.team_stale
        )
        return Response(ProjectionSerializer(projections, many=True).data)


# --- Alerts ------------------------------------------------------------------------------


class AlertListApi(TeamApiView):
    roles = {"GET": VIEWER}
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        operation_id="teams_alerts_list",
        tags=TAGS,
        summary="The team's alerts",
        description="Newest opening first.",
        parameters=[AlertFilterSerializer],
        responses=responses({200: AlertSerializer(many=True)}, paginated=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        filters = AlertFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return paginated(
            self, selectors.alert_list(team=self.team, **filters.validated_data), AlertSerializer
        )


class AlertAcknowledgeApi(TeamApiView):
    roles = {"POST": MEMBER}

    @extend_schema(
        operation_id="teams_alerts_acknowledge",
        tags=TAGS,
        summary="Acknowledge an alert (members)",
        description="Records who saw it; the first acknowledgement of an opening stays.",
        request=None,
        responses=responses({200: AlertSerializer}, role=MEMBER),
    )
    def post(self, request: Request, slug: str, alert_id: int) -> Response:
        alert = selectors.alert_get(team=self.team, alert_id=alert_id)
        if alert is None:
            raise NotFound(f"No alert {alert_id} in this team.")
        services.alert_acknowledge(alert=alert, user=request.user)
        return Response(AlertSerializer(selectors.alert_get(team=self.team, alert_id=alert_id)).data)
