"""``manage.py recompute`` from the shell, and a webhook delivery retried until it gets through."""

import datetime
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from budgets import notifications, tasks
from budgets.models import Alert, AlertNotification, Projection, RecomputeMark, WebhookDelivery
from config.celery_app import app as celery_app
from tests.budgets.factories import TeamFactory
from tests.budgets.integration.support import Mailbox, teams_bulk_create, worker_database_url

D = Decimal


def manage(*args: str, mailbox: Mailbox) -> subprocess.CompletedProcess:
    """``python manage.py ...`` as someone types it, on this test's database, jobs in-process."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DATABASE_URL": worker_database_url(),
            "EMAIL_URL": mailbox.email_url,
            "DEBUG": "false",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.postgres
def test_the_recompute_command_recomputes_one_team_and_sends_its_alerts(
    transactional_db, seed_catalog, mailbox
):
    # Two plans of 110.00 a month: load-0001 is over its 200.00, load-0000 within its 1,000.00.
    teams_bulk_create(
        count=2,
        plans_per_team=2,
        budget_for=lambda i: D("200") if i == 1 else D("1000"),
        start_month=timezone.localdate().replace(day=1),
    )

    result = manage("recompute", "--team", "load-0001", mailbox=mailbox)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Recomputed 1 teams: 2 plans, 6 projections, 6 alerts opened, 0 resolved."
    )
    assert set(Projection.objects.values_list("team__slug", "total_cost")) == {("load-0001", D("110"))}
    assert list(RecomputeMark.objects.values_list("team__slug", flat=True)) == ["load-0000"]
    assert Alert.objects.filter(team__slug="load-0001").count() == 6
    assert set(AlertNotification.objects.values_list("channel", "state")) == {("email", "sent")}
    assert sorted(m["To"] for m in mailbox.messages()) == ["load-owner-0001@example.com"] * 6


@pytest.mark.postgres
def test_the_recompute_command_refuses_a_team_that_does_not_exist(transactional_db, mailbox):
    result = manage("recompute", "--team", "nobody", mailbox=mailbox)

    assert result.returncode == 1
    assert "No team has the slug 'nobody'." in result.stderr


@pytest.fixture
def retries_in_process():
    """``apply()`` runs a task's retries one after the other, here, unless errors propagate
    (the tests' eager setting), which would stop it at the first retry."""
    conf = celery_app.conf
    propagates = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = propagates


def webhook_notification(url: str) -> AlertNotification:
    team = TeamFactory(webhook_url=url)
    alert = Alert.objects.create(
        team=team,
        month=datetime.date(2026, 12, 1),
        threshold=80,
        projected_total=D("170.00"),
        budget=D("200.00"),
        opened_at=timezone.now(),
    )
    return AlertNotification.objects.create(alert=alert, opening=1, channel="webhook")


def test_a_webhook_that_fails_twice_is_sent_at_the_third_attempt_and_each_attempt_is_logged(
    db, webhook_receiver, retries_in_process
):
    notification = webhook_notification(webhook_receiver.url)
    webhook_receiver.fail_first = 2

    result = tasks.alert_notification_deliver.apply(args=[notification.pk])

    assert result.get() == "sent"
    notification.refresh_from_db()
    assert (notification.state, notification.attempts, notification.last_error) == ("sent", 3, "")
    deliveries = WebhookDelivery.objects.filter(notification=notification).order_by("attempt")
    assert [(d.attempt, d.status_code, d.delivered, d.error, d.event) for d in deliveries] == [
        (1, 500, False, "HTTP 500", "alert.opened"),
        (2, 500, False, "HTTP 500", "alert.opened"),
        (3, 200, True, "", "alert.opened"),
    ]
    secret = notification.alert.team.webhook_secret
    assert [(r.answered, r.signed_with(secret)) for r in webhook_receiver.requests] == [
        (500, True),
        (500, True),
        (200, True),
    ]
    assert webhook_receiver.requests[0].payload == {
        "event": "alert.opened",
        "team": notification.alert.team.slug,
        "alert": {
            "id": notification.alert_id,
            "month": "2026-12",
            "threshold": 80,
            "projected_total": "170.00",
            "budget": "200.00",
            "opened_at": notification.alert.opened_at.isoformat(),
            "opening": 1,
        },
    }


def test_a_webhook_that_keeps_failing_is_given_up_after_the_last_retry(
    db, webhook_receiver, retries_in_process
):
    notification = webhook_notification(webhook_receiver.url)
    webhook_receiver.fail_first = 100

    result = tasks.alert_notification_deliver.apply(args=[notification.pk])

    assert result.get() == "failed"
    notification.refresh_from_db()
    attempts = notifications.MAX_DELIVERY_ATTEMPTS
    assert (notification.state, notification.attempts, notification.last_error) == (
        "failed",
        attempts,
        "HTTP 500",
    )
    assert WebhookDelivery.objects.filter(notification=notification).count() == attempts
    assert len(webhook_receiver.requests) == attempts


def test_a_notification_that_loses_its_database_connection_is_retried_and_sent_once(
    db, webhook_receiver, retries_in_process, monkeypatch
):
    notification = webhook_notification(webhook_receiver.url)
    claim = notifications.notification_claim
    claims = []

    def connection_lost_at_first(**kwargs):
        claims.append(kwargs)
        if len(claims) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return claim(**kwargs)

    monkeypatch.setattr(notifications, "notification_claim", connection_lost_at_first)

    result = tasks.alert_notification_deliver.apply(args=[notification.pk])

    assert result.get() == "sent"
    assert len(claims) == 2
    notification.refresh_from_db()
    assert (notification.state, notification.attempts) == ("sent", 1)  # a lost connection is no attempt
    assert [r.answered for r in webhook_receiver.requests] == [200]
