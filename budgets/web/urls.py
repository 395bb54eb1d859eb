"""The team pages. Views live in two modules: plans and the dashboard (plan_views),
and everything else of a team (team_views)."""

from django.urls import path

from budgets.web import impact_views, plan_views, team_views

urlpatterns = [
    path("", team_views.home, name="home"),
    path("teams/new/", team_views.team_create, name="team-create"),
    path("teams/<slug:slug>/", plan_views.dashboard, name="team-dashboard"),
    path("teams/<slug:slug>/plans/", plan_views.plan_list, name="plan-list"),
    path("teams/<slug:slug>/plans/new/", plan_views.plan_create, name="plan-create"),
    # The live quote of the plan form (the team comes with the form's fields).
    path("quote/preview/", plan_views.quote_preview, name="quote-preview"),
    path("teams/<slug:slug>/plans/<id:plan_id>/", plan_views.plan_detail, name="plan-detail"),
    path("teams/<slug:slug>/plans/<id:plan_id>/edit/", plan_views.plan_edit, name="plan-edit"),
    path("teams/<slug:slug>/plans/<id:plan_id>/delete/", plan_views.plan_delete, name="plan-delete"),
    path("teams/<slug:slug>/retry-stats/", team_views.retry_stats, name="retry-stats"),
    path(
        "teams/<slug:slug>/retry-stats/<id:statistic_id>/delete/",
        team_views.retry_stat_delete,
        name="retry-stat-delete",
    ),
    path("teams/<slug:slug>/alerts/", team_views.alerts, name="alerts"),
    path(
        "teams/<slug:slug>/alerts/<id:alert_id>/acknowledge/",
        team_views.alert_acknowledge,
        name="alert-acknowledge",
    ),
    path("teams/<slug:slug>/settings/", team_views.team_settings, name="team-settings"),
    path("teams/<slug:slug>/settings/webhook-test/", team_views.webhook_test, name="webhook-test"),
    path("teams/<slug:slug>/members/", team_views.members, name="members"),
    path("catalog/versions/<id:version_id>/publish/", impact_views.publish_confirm, name="catalog-publish"),
]
