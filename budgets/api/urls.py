"""``/api/v1/teams/``: a team and everything in it (api.md, "Resources")."""

from django.urls import path

from budgets.api import views

app_name = "teams"

urlpatterns = [
    path("", views.TeamListApi.as_view(), name="team-list"),
    path("<slug:slug>/", views.TeamDetailApi.as_view(), name="team-detail"),
    path("<slug:slug>/webhook/test/", views.TeamWebhookTestApi.as_view(), name="webhook-test"),
    path(
        "<slug:slug>/webhook/deliveries/",
        views.TeamWebhookDeliveryListApi.as_view(),
        name="webhook-delivery-list",
    ),
    path(
        "<slug:slug>/webhook/rotate-secret/",
        views.TeamWebhookSecretRotateApi.as_view(),
        name="webhook-rotate-secret",
    ),
    path("<slug:slug>/members/", views.MembershipListApi.as_view(), name="member-list"),
    path("<slug:slug>/members/<id:user_id>/", views.MembershipDetailApi.as_view(), name="member-detail"),
    path("<slug:slug>/budget/", views.BudgetApi.as_view(), name="budget"),
    path("<slug:slug>/plans/", views.PlanListApi.as_view(), name="plan-list"),
    path("<slug:slug>/plans/<id:plan_id>/", views.PlanDetailApi.as_view(), name="plan-detail"),
    path(
        "<slug:slug>/plans/<id:plan_id>/recommendation/",
        views.PlanRecommendationApi.as_view(),
        name="plan-recommendation",
    ),
    path("<slug:slug>/retry-stats/", views.RetryStatisticListApi.as_view(), name="retry-stat-list"),
    path("<slug:slug>/retry-stats/rates/", views.RetryRatesApi.as_view(), name="retry-stat-rates"),
    path(
        "<slug:slug>/retry-stats/<id:statistic_id>/",
        views.RetryStatisticDetailApi.as_view(),
        name="retry-stat-detail",
    ),
    path("<slug:slug>/projections/", views.ProjectionApi.as_view(), name="projection"),
    path("<slug:slug>/projections/months/", views.ProjectionMonthsApi.as_view(), name="projection-months"),
    path("<slug:slug>/alerts/", views.AlertListApi.as_view(), name="alert-list"),
    path(
        "<slug:slug>/alerts/<id:alert_id>/acknowledge/",
        views.AlertAcknowledgeApi.as_view(),
        name="alert-acknowledge",
    ),
]
