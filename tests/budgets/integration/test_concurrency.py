"""Two recomputes of one team at once, on PostgreSQL: the row lock makes them one after the other."""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from budgets.models import Alert, AlertNotification, RecomputeMark, Team, WebhookDelivery
from budgets.recompute import RecomputeSummary, teams_recompute
from tests.budgets.integration.support import derived_rows, teams_bulk_create, wait_until

pytestmark = pytest.mark.postgres

D = Decimal


def rows_of(slug: str) -> dict[str, set[tuple]]:
    """The derived rows of one team, with its slug written as TEAM so that two teams compare."""

    def anonymous(value):
        return value.replace(slug, "TEAM") if isinstance(value, str) else value

    return {
        kind: {tuple(anonymous(value) for value in row) for row in rows if row[0] == slug}
        for kind, rows in derived_rows().items()
    }


def waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_two_recomputes_of_one_team_at_once_leave_the_rows_and_notifications_of_one(
    transactional_db, seed_catalog, webhook_receiver
):
    # Two identical teams, 20 plans of 110.00 against 2,000.00: over, at 80% and 100%, three months.
    both = teams_bulk_create(
        count=2,
        plans_per_team=20,
        budget_for=lambda i: D("2000"),
        webhook_url=webhook_receiver.url,
        start_month=timezone.localdate().replace(day=1),
    )
    twice, once = Team.objects.get(pk=both[0]), Team.objects.get(pk=both[1])

    # A third connection holds the team's row until both recomputes wait for it, then lets go:
    # they start at the same instant and the lock decides who goes first.
    locked, release = threading.Event(), threading.Event()
    barrier = threading.Barrier(2)
    summaries: list[RecomputeSummary] = []
    errors: list[BaseException] = []

    def hold_the_team() -> None:
        try:
            with transaction.atomic():
                Team.objects.select_for_update().get(pk=twice.pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def recompute() -> None:
        try:
            barrier.wait(timeout=30)
            summaries.append(teams_recompute(team_ids=[twice.pk]))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_team)
    holder.start()
    assert locked.wait(timeout=30)
    racers = [threading.Thread(target=recompute) for _ in range(2)]
    for racer in racers:
        racer.start()
    try:
        wait_until(lambda: waiting_for_a_lock() == 2)
    finally:
        release.set()
        holder.join(timeout=60)
        for racer in racers:
            racer.join(timeout=60)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in (holder, *racers))

    teams_recompute(team_ids=[once.pk])

    # The same rows as a single recompute, and what opened, opened (and notified) once.
    assert rows_of(twice.slug) == rows_of(once.slug)
    assert sorted(summary.alerts_opened for summary in summaries) == [0, 6]
    assert not RecomputeMark.objects.exists()
    for team in (twice, once):
        alerts = Alert.objects.filter(team=team)
        assert alerts.count() == 6
        assert set(alerts.values_list("state", "openings")) == {("open", 1)}
        notifications = AlertNotification.objects.filter(alert__team=team)
        assert sorted(notifications.values_list("alert_id", "channel", "state", "attempts")) == sorted(
            (alert.pk, channel, "sent", 1) for alert in alerts for channel in ("email", "webhook")
        )
        assert WebhookDelivery.objects.filter(team=team).count() == 6
        accepted = Counter(
            r.payload["alert"]["id"] for r in webhook_receiver.accepted() if r.payload["team"] == team.slug
        )
        assert accepted == Counter({alert.pk: 1 for alert in alerts})
        subjects = Counter(
            m.subject for m in mail.outbox if m.to == [f"load-owner-{team.slug[-4:]}@example.com"]
        )
        assert len(subjects) == 6
        assert set(subjects.values()) == {1}
    assert len(webhook_receiver.requests) == 12
    secrets = dict(Team.objects.values_list("slug", "webhook_secret"))
    for request in webhook_receiver.requests:
        assert request.signed_with(secrets[request.payload["team"]])
