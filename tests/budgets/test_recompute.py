"""The recompute service: projections, recommendations, months and alerts, exactly."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from budgets import services
from budgets.models import Alert, AlertNotification, PlanRecommendation, Projection, RecomputeMark, TeamMonth
from budgets.months import months_from
from budgets.recompute import PricesInForce, recompute_request, teams_recompute
from catalog.services import (
    CellChanges,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)
from tests.budgets.factories import UserFactory

D = Decimal
TODAY = datetime.date(2026, 11, 24)
NOV, DEC, JAN = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1), datetime.date(2027, 1, 1)


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia", email="olivia@example.com")


@pytest.fixture
def team(owner, seed_catalog):
    return services.team_create(name="Pixels", owner=owner, tier="tier2", org_verified=True)


def plan(team, **fields):
    defaults = {
        "name": "Thumbnails",
        "images_per_month": 10_000,
        "size": "1024x1024",
        "quality": "medium",
        "start_month": NOV,
    }
    return services.plan_create(team=team, **{**defaults, **fields})


def test_it_projects_each_month_of_the_horizon_with_the_recommended_model(team):
    thumbnails = plan(team)

    summary = teams_recompute(team_ids=[team.pk], today=TODAY)

    assert summary.projections == 3
    projections = list(Projection.objects.filter(plan=thumbnails).order_by("month"))
    assert [(p.month, p.model, p.total_cost) for p in projections] == [
        (NOV, "gpt-image-1-mini", D("110.0000000000")),
        (DEC, "gpt-image-1-mini", D("110.0000000000")),
        (JAN, "gpt-image-1-mini", D("110.0000000000")),
    ]
    assert projections[0].priced_by[0]["label"] == "OpenAI 2026-03-27"
    recommendation = PlanRecommendation.objects.get(plan=thumbnails)
    assert recommendation.recommended_model == "gpt-image-1-mini"
    assert recommendation.quote["options"][0]["total_cost"] == "110.00"
    assert not RecomputeMark.objects.filter(team=team).exists()


def publish_price_change(*, by, effective_from, price, model="gpt-image-1-mini"):
    from catalog.selectors import catalog_version_in_force

    draft = catalog_version_draft_create(
        created_by=by,
        clone_from=catalog_version_in_force(on=effective_from),
        label=f"Change {effective_from}",
        effective_from=effective_from,
    )
    catalog_version_draft_update(
        version=draft,
        changes=CellChanges(
            image_prices=({"model": model, "quality": "medium", "size": "1024x1024", "price": price},)
        ),
    )
    return catalog_version_publish(version=draft, published_by=by)


def test_it_prorates_a_month_whose_price_changes_on_the_16th(team, owner):
    thumbnails = plan(team)
    publish_price_change(by=owner, effective_from=datetime.date(2026, 12, 16), price="0.0055")

    teams_recompute(team_ids=[team.pk], today=TODAY)

    december = Projection.objects.get(plan=thumbnails, month=DEC)
    # 15 days at 110.00 a month and 16 days at 55.00, of 31: 2,530 / 31 = 81.6129...
    assert december.total_cost.quantize(D("0.01")) == D("81.61")
    assert [(r["from"], r["to"], r["days"], r["monthly_cost"]) for r in december.priced_by] == [
        ("2026-12-01", "2026-12-15", 15, "110.00"),
        ("2026-12-16", "2026-12-31", 16, "55.00"),
    ]
    assert Projection.objects.get(plan=thumbnails, month=JAN).total_cost == D("55")
    assert Projection.objects.get(plan=thumbnails, month=NOV).total_cost == D("110")


def test_it_reads_the_prices_of_the_horizon_in_a_fixed_number_of_queries(
    team, owner, django_assert_num_queries
):
    with django_assert_num_queries(7):  # the timeline (2), then every version's prices (5)
        PricesInForce(today=TODAY, horizon=months_from(TODAY, 3))
    for n, price in enumerate(["0.0050", "0.0060", "0.0070", "0.0080"]):
        publish_price_change(by=owner, effective_from=datetime.date(2027, 1 + 2 * n, 16), price=price)

    with django_assert_num_queries(7):
        prices = PricesInForce(today=TODAY, horizon=months_from(TODAY, 12))

    assert [len(prices.ranges[month]) for month in months_from(TODAY, 12)] == [
        1,
        1,
        2,
        1,
        2,
        1,
        2,
        1,
        2,
        1,
        1,
        1,
    ]
    july = prices.ranges[datetime.date(2027, 7, 1)]
    assert [(r.first, r.version_label) for r in july] == [
        (datetime.date(2027, 7, 1), "Change 2027-05-16"),
        (datetime.date(2027, 7, 16), "Change 2027-07-16"),
    ]
    assert july[1].pricings["gpt-image-1-mini"].image_prices[("medium", "1024x1024")] == D("0.0080")


def test_it_opens_an_alert_once_and_notifies_once(team, django_capture_on_commit_callbacks):
    plan(team)
    services.budget_set(team=team, monthly_amount=D("120.00"), overrides=[], thresholds=[80, 100])

    with django_capture_on_commit_callbacks(execute=True):
        teams_recompute(team_ids=[team.pk], today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        teams_recompute(team_ids=[team.pk], today=TODAY)

    months = {m.month: m for m in TeamMonth.objects.filter(team=team)}
    assert months[NOV].status == "warning"
    assert Alert.objects.filter(team=team).count() == 3
    assert AlertNotification.objects.count() == 3
    assert len(mail.outbox) == 3


def test_it_resolves_an_alert_below_its_threshold_and_reopens_it_with_a_new_notification(
    team, django_capture_on_commit_callbacks
):
    thumbnails = plan(team)
    services.budget_set(team=team, monthly_amount=D("120.00"), overrides=[], thresholds=[90])

    with django_capture_on_commit_callbacks(execute=True):
        teams_recompute(team_ids=[team.pk], today=TODAY)
    services.plan_update(plan=thumbnails, images_per_month=5_000)
    with django_capture_on_commit_callbacks(execute=True):
        teams_recompute(team_ids=[team.pk], today=TODAY)
    resolved = Alert.objects.get(team=team, month=NOV)
    services.plan_update(plan=thumbnails, images_per_month=20_000)
    with django_capture_on_commit_callbacks(execute=True):
        teams_recompute(team_ids=[team.pk], today=TODAY)

    alert = Alert.objects.get(team=team, month=NOV)
    assert resolved.state == "resolved"
    assert resolved.resolved_at is not None
    assert (alert.pk, alert.state, alert.openings, alert.resolved_at) == (resolved.pk, "open", 2, None)
    assert alert.projected_total == D("220.00")
    assert list(
        AlertNotification.objects.filter(alert=alert).values_list("opening", "channel").order_by("opening")
    ) == [(1, "email"), (2, "email")]
    assert len([m for m in mail.outbox if "2026-11" in m.subject]) == 2


def test_it_reports_no_budget_and_opens_nothing_without_a_budget(team):
    plan(team)

    teams_recompute(team_ids=[team.pk], today=TODAY)

    assert set(TeamMonth.objects.filter(team=team).values_list("status", flat=True)) == {"no_budget"}
    assert not Alert.objects.exists()


def test_it_uses_the_override_of_a_month(team):
    plan(team)
    services.budget_set(
        team=team, monthly_amount=D("200.00"), overrides=[(DEC, D("100.00"))], thresholds=[80, 100]
    )

    teams_recompute(team_ids=[team.pk], today=TODAY)

    months = {m.month: (m.budget, m.status) for m in TeamMonth.objects.filter(team=team)}
    assert months == {NOV: (D("200.00"), "ok"), DEC: (D("100.00"), "over"), JAN: (D("200.00"), "ok")}
    assert sorted(Alert.objects.values_list("month", "threshold")) == [(DEC, 80), (DEC, 100)]


def test_it_resolves_alerts_whose_threshold_was_removed(team):
    plan(team)
    services.budget_set(team=team, monthly_amount=D("120.00"), overrides=[], thresholds=[80])
    teams_recompute(team_ids=[team.pk], today=TODAY)

    services.budget_set(team=team, monthly_amount=D("120.00"), overrides=[], thresholds=[100])
    teams_recompute(team_ids=[team.pk], today=TODAY)

    assert set(Alert.objects.filter(threshold=80).values_list("state", flat=True)) == {"resolved"}
    assert not Alert.objects.filter(threshold=100).exists()


def test_it_projects_a_pinned_plan_on_its_model_and_says_what_switching_saves(team, seed_catalog):
    from catalog.models import ImageModel

    pinned = plan(team, pinned_model=ImageModel.objects.get(slug="gpt-image-1.5"))

    teams_recompute(team_ids=[team.pk], today=TODAY)

    projection = Projection.objects.get(plan=pinned, month=NOV)
    recommendation = PlanRecommendation.objects.get(plan=pinned)
    assert (projection.model, projection.total_cost) == ("gpt-image-1.5", D("340"))
    assert recommendation.recommended_model == "gpt-image-1-mini"
    assert recommendation.quote["pinned_model"] == "gpt-image-1.5"
    assert recommendation.quote["monthly_saving_by_switching"] == "230.00"


def test_it_smooths_observed_retry_statistics_into_the_rate(team, owner, seed_catalog):
    from catalog.models import ImageModel

    thumbnails = plan(team, rejection_rate=D("0.1"))
    mini = ImageModel.objects.get(slug="gpt-image-1-mini")
    services.retry_statistic_create(
        team=team,
        model=mini,
        period_start=datetime.date(2026, 10, 1),
        period_end=datetime.date(2026, 10, 31),
        attempts=80,
        accepted=60,
    )

    teams_recompute(team_ids=[team.pk], today=TODAY)

    # (20 rejected + 20 x 0.1) / (80 + 20) = 0.22 on mini; 0.1 assumed elsewhere.
    quote = PlanRecommendation.objects.get(plan=thumbnails).quote
    rates = {option["model"]: option["rejection_rate"] for option in quote["options"]}
    assert rates == {"gpt-image-1-mini": "0.2200", "gpt-image-1.5": "0.1000", "gpt-image-1": "0.1000"}
    # 10,000 / 0.78 x 0.011 = 141.03
    assert Projection.objects.get(plan=thumbnails, month=NOV).total_cost.quantize(D("0.01")) == D("141.03")


def test_plan_records_take_precedence_over_team_wide_ones(team, seed_catalog):
    from catalog.models import ImageModel

    mini = ImageModel.objects.get(slug="gpt-image-1-mini")
    thumbnails, posters = plan(team, name="Thumbnails"), plan(team, name="Posters")
    period = {"period_start": datetime.date(2026, 10, 1), "period_end": datetime.date(2026, 10, 31)}
    services.retry_statistic_create(team=team, model=mini, attempts=100, accepted=50, **period)
    services.retry_statistic_create(
        team=team, model=mini, plan=thumbnails, attempts=180, accepted=180, **period
    )

    teams_recompute(team_ids=[team.pk], today=TODAY)

    def mini_rate(p):
        return PlanRecommendation.objects.get(plan=p).quote["options"][0]["rejection_rate"]

    assert mini_rate(thumbnails) == "0.0000"  # 0 rejected of 180, plan-specific
    assert mini_rate(posters) == "0.4167"  # 50 of 100 team-wide, smoothed: 50 / 120


def test_it_drops_projections_of_months_a_plan_no_longer_runs(team):
    thumbnails = plan(team)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    services.plan_update(plan=thumbnails, end_month=DEC)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    assert sorted(Projection.objects.filter(plan=thumbnails).values_list("month", flat=True)) == [NOV, DEC]
    assert TeamMonth.objects.get(team=team, month=JAN).projected_total == 0


def test_it_keeps_a_mark_written_while_it_ran(team, monkeypatch):
    import budgets.recompute as recompute_module

    plan(team)
    original = recompute_module._recompute_locked

    def change_arrives_meanwhile(**kwargs):
        result = original(**kwargs)
        recompute_module.recompute_request(team_ids=[team.pk], reason="a change during the recompute")
        return result

    monkeypatch.setattr(recompute_module, "_recompute_locked", change_arrives_meanwhile)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    assert RecomputeMark.objects.filter(team=team).exists()


def test_the_sweep_queues_marks_whose_job_was_lost(team, django_capture_on_commit_callbacks, settings):
    from budgets.recompute import recompute_sweep

    settings.SPENDLANE_RECOMPUTE_LEASE_SECONDS = 60
    plan(team)  # marked, queued_at now: its job is presumed on its way
    now = RecomputeMark.objects.get(team=team).queued_at

    with django_capture_on_commit_callbacks(execute=True):
        early = recompute_sweep(now=now + datetime.timedelta(seconds=30))
    with django_capture_on_commit_callbacks(execute=True):
        late = recompute_sweep(now=now + datetime.timedelta(seconds=61))

    assert (early, late) == (0, 1)
    assert not RecomputeMark.objects.filter(team=team).exists()  # the eager job ran
    assert Projection.objects.filter(team=team).count() == 3


def test_the_horizon_roll_marks_teams_without_the_current_month(team):
    from budgets.recompute import horizon_roll

    plan(team)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    assert horizon_roll(today=TODAY) == 0
    assert horizon_roll(today=datetime.date(2026, 12, 1)) == 1
    assert RecomputeMark.objects.get(team=team).reason == "month turned"


def test_a_recompute_with_no_catalog_stores_an_empty_recommendation(db, owner):
    lonely = services.team_create(name="No prices", owner=owner)
    thumbnails = plan(lonely)

    teams_recompute(team_ids=[lonely.pk], today=TODAY)

    assert PlanRecommendation.objects.get(plan=thumbnails).quote == {
        "catalog_version": None,
        "recommended": None,
        "options": [],
    }
    assert Projection.objects.get(plan=thumbnails, month=NOV).total_cost == 0


def test_the_sweep_leaves_a_notification_waiting_out_its_retry_alone(team):
    from django.utils import timezone

    import budgets.notifications as notifications_module
    from budgets.notifications import notification_claim, notifications_due

    plan(team)
    services.budget_set(team=team, monthly_amount=D("100.00"), overrides=[], thresholds=[80])
    teams_recompute(team_ids=[team.pk], today=TODAY)
    notification = AlertNotification.objects.first()
    now = timezone.now()
    later = now + datetime.timedelta(minutes=5)

    never_queued = notifications_due(now=later)
    notification_claim(notification_id=notification.pk, now=now)
    AlertNotification.objects.filter(pk=notification.pk).update(state="pending")  # a failed try, retry queued

    assert notification.pk in never_queued
    assert notification.pk not in notifications_due(now=later)
    assert notification.pk in notifications_due(now=now + notifications_module.LOST_RETRY_AFTER * 2)


def test_a_notification_is_never_tried_more_than_its_attempts(team):
    from budgets.notifications import MAX_DELIVERY_ATTEMPTS, notification_claim

    plan(team)
    services.budget_set(team=team, monthly_amount=D("100.00"), overrides=[], thresholds=[80])
    teams_recompute(team_ids=[team.pk], today=TODAY)
    notification = AlertNotification.objects.first()
    AlertNotification.objects.filter(pk=notification.pk).update(attempts=MAX_DELIVERY_ATTEMPTS)

    assert notification_claim(notification_id=notification.pk) is None
    notification.refresh_from_db()
    assert notification.state == "failed"


@pytest.mark.postgres
def test_it_leaves_projections_whose_figures_did_not_change_alone(team):
    thumbnails, posters = plan(team), plan(team, name="Posters", images_per_month=500)
    teams_recompute(team_ids=[team.pk], today=TODAY)
    first = dict(Projection.objects.values_list("pk", "computed_at"))

    services.plan_update(plan=posters, images_per_month=800)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    after = Projection.objects.all()
    assert {p.pk for p in after} == set(first)
    for projection in after:
        if projection.plan_id == thumbnails.pk:
            assert projection.computed_at == first[projection.pk]  # same figures: not rewritten
        else:
            assert projection.computed_at > first[projection.pk]


@pytest.mark.postgres
def test_the_migration_leaves_room_in_the_pages_of_the_rewritten_tables(db):
    from importlib import import_module

    from django.db import connection

    migration = import_module("budgets.migrations.0002_projection_lean_indexes")
    with connection.schema_editor() as editor:
        migration.set_fillfactors(None, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)", [list(migration.FILLFACTORS)]
        )
        options = dict(cursor.fetchall())
    assert options == {table: [f"fillfactor={value}"] for table, value in migration.FILLFACTORS.items()}


def test_it_rewrites_only_the_recommendations_whose_quote_changed(team):
    thumbnails, posters = plan(team), plan(team, name="Posters", images_per_month=500)
    teams_recompute(team_ids=[team.pk], today=TODAY)
    first = {r.plan_id: r for r in PlanRecommendation.objects.all()}

    services.plan_update(plan=posters, images_per_month=800)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    after = {r.plan_id: r for r in PlanRecommendation.objects.all()}
    assert after[thumbnails.pk].computed_at == first[thumbnails.pk].computed_at
    assert after[thumbnails.pk].quote == first[thumbnails.pk].quote
    assert after[posters.pk].computed_at > first[posters.pk].computed_at
    assert after[posters.pk].quote_digest != first[posters.pk].quote_digest
    assert (
        after[posters.pk].quote["options"][0]["total_cost"]
        != first[posters.pk].quote["options"][0]["total_cost"]
    )


def test_its_queries_do_not_grow_with_the_plans_of_a_team(team, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.models import ImageModel

    def recompute_queries() -> int:
        recompute_request(team_ids=[team.pk], reason="test", queue=False)  # a mark, as every change leaves
        with CaptureQueriesContext(connection) as queries:
            teams_recompute(team_ids=[team.pk], today=TODAY)
        return len(queries)

    plan(team)
    teams_recompute(team_ids=[team.pk], today=TODAY)
    few = recompute_queries()

    flagship = ImageModel.objects.get(slug="gpt-image-1.5")
    for n in range(12):
        plan(team, name=f"Plan {n}", images_per_month=1000 + n, pinned_model=flagship if n % 2 else None)
    teams_recompute(team_ids=[team.pk], today=TODAY)

    assert recompute_queries() == few
