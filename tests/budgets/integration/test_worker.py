"""The recompute pipeline end to end: a real ``celery -A config worker`` on Redis and PostgreSQL.

Each test starts its own worker on the test database and queues to it through
Redis, as the web process does; every wait is bounded and polls the database.
"""

import contextlib
import datetime
import os
import signal
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from budgets import services
from budgets.models import (
    Alert,
    AlertNotification,
    PlanRecommendation,
    Projection,
    RecomputeMark,
    TeamMonth,
    WebhookDelivery,
)
from budgets.months import add_months
from budgets.recompute import recompute_sweep
from catalog.models import ImageModel
from tests.budgets.factories import UserFactory
from tests.budgets.integration.support import (
    LEASE_SECONDS,
    LOAD_TEAMS,
    accepted_webhooks_per_opening,
    assert_done_once,
    assert_every_webhook_signed,
    expected_mail,
    load_many_teams_and_fan_out,
    marks_left,
    owners_emails,
    pipeline_state,
    publish_prices,
    settled,
    sweep_once_due,
    this_month,
    wait_until,
)
from tests.catalog.factories import StaffFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

D = Decimal


def horizon() -> list[datetime.date]:
    return [add_months(this_month(), n) for n in range(3)]


# --- 1. A staff publish moves several teams -------------------------------------------------------


def test_it_moves_projections_recommendations_and_alerts_of_several_teams_after_a_publish(
    start_worker, broker, mailbox, webhook_receiver
):
    worker = start_worker(wait=False)
    webhook_receiver.fail_first = 1  # every alert's first POST fails: retried with backoff
    staff = StaffFactory(username="stella")
    ana = UserFactory(username="ana")
    UserFactory(username="abe")
    bo, cy = UserFactory(username="bo"), UserFactory(username="cy")
    plan = {"images_per_month": 10_000, "size": "1024x1024", "quality": "medium", "start_month": this_month()}
    # Atlas: 110.00 a month on gpt-image-1-mini against 190.00, two owners and a webhook.
    atlas = services.team_create(name="Atlas", owner=ana, tier="tier2", webhook_url=webhook_receiver.url)
    services.membership_add(team=atlas, role="owner", username="abe")
    services.budget_set(team=atlas, monthly_amount=D("190"), overrides=[], thresholds=[80, 100])
    atlas_plan = services.plan_create(team=atlas, name="Atlas thumbnails", **plan)
    # Birch: the same plan against 1,000.00, no webhook.
    birch = services.team_create(name="Birch", owner=bo, tier="tier2")
    services.budget_set(team=birch, monthly_amount=D("1000"), overrides=[], thresholds=[80, 100])
    birch_plan = services.plan_create(team=birch, name="Birch thumbnails", **plan)
    # Cedar: pinned to gpt-image-1, 420.00 a month against 470.00: at 89%, its 80% alerts are open.
    cedar = services.team_create(name="Cedar", owner=cy, tier="tier2", webhook_url=webhook_receiver.url)
    services.budget_set(team=cedar, monthly_amount=D("470"), overrides=[], thresholds=[80, 100])
    cedar_plan = services.plan_create(
        team=cedar, name="Cedar posters", pinned_model=ImageModel.objects.get(slug="gpt-image-1"), **plan
    )
    worker.wait_ready()

    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))
    months = horizon()
    assert set(Alert.objects.values_list("team__slug", "month", "threshold", "state")) == {
        (cedar.slug, month, 80, "open") for month in months
    }
    assert PlanRecommendation.objects.get(plan=atlas_plan).recommended_model == "gpt-image-1-mini"
    assert PlanRecommendation.objects.get(plan=cedar_plan).quote["monthly_saving_by_switching"] == "310.00"

    # From the 1st of this month, mini's square medium image costs 0.040 and gpt-image-1's 0.020:
    # every unpinned plan moves to gpt-image-1 at 200.00 a month, Cedar's pinned plan drops to 200.00.
    publish_prices(
        staff=staff,
        effective_from=this_month(),
        prices=[
            {"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": "0.040"},
            {"model": "gpt-image-1", "quality": "medium", "size": "1024x1024", "price": "0.020"},
        ],
    )

    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))
    assert set(Projection.objects.values_list("plan__name", "month", "model", "total_cost")) == {
        (name, month, "gpt-image-1", D("200"))
        for name in ("Atlas thumbnails", "Birch thumbnails", "Cedar posters")
        for month in months
    }
    for plan_row in (atlas_plan, birch_plan, cedar_plan):
        assert PlanRecommendation.objects.get(plan=plan_row).recommended_model == "gpt-image-1"
    assert PlanRecommendation.objects.get(plan=cedar_plan).quote["monthly_saving_by_switching"] == "0.00"
    assert set(TeamMonth.objects.values_list("team__slug", "month", "status")) == {
        (slug, month, status)
        for slug, status in ((atlas.slug, "over"), (birch.slug, "ok"), (cedar.slug, "ok"))
        for month in months
    }
    assert set(
        Alert.objects.values_list("team__slug", "month", "threshold", "state", "projected_total", "openings")
    ) == {
        *(
            (atlas.slug, month, threshold, "open", D("200.00"), 1)
            for month in months
            for threshold in (80, 100)
        ),
        *((cedar.slug, month, 80, "resolved", D("200.00"), 1) for month in months),
    }
    assert not RecomputeMark.objects.exists()

    # Exactly one email per owner per opening (Atlas has two owners), one accepted webhook per opening.
    assert owners_emails(atlas) == ["abe@example.com", "ana@example.com"]
    assert mailbox.per_recipient_and_subject() == expected_mail()
    assert sum(expected_mail().values()) == 6 * 2 + 3
    openings = {(slug, alert_id, 1) for slug, alert_id in Alert.objects.values_list("team__slug", "pk")}
    assert accepted_webhooks_per_opening(webhook_receiver) == Counter(
        {key: 1 for key in openings if key[0] != birch.slug}
    )
    assert_every_webhook_signed(webhook_receiver)
    # Each webhook notification: a logged 500, then, after the retry's backoff, a logged 200.
    webhook_notifications = AlertNotification.objects.filter(channel="webhook")
    assert webhook_notifications.count() == 9
    for notification in webhook_notifications:
        deliveries = list(WebhookDelivery.objects.filter(notification=notification).order_by("attempt"))
        assert [(d.attempt, d.status_code, d.delivered) for d in deliveries] == [
            (1, 500, False),
            (2, 200, True),
        ]
        assert deliveries[1].created_at - deliveries[0].created_at >= datetime.timedelta(seconds=1.5)
        assert (notification.state, notification.attempts) == ("sent", 2)


# --- 2. A worker killed in the middle of a recompute ----------------------------------------------


def test_a_worker_killed_mid_recompute_leaves_nothing_undone_or_sent_twice_once_the_sweep_ran(
    start_worker, broker, mailbox, webhook_receiver
):
    team_ids, worker = load_many_teams_and_fan_out(start_worker, webhook_receiver)

    # The whole worker dies (its main process and pool). The queue is first in, first out, so the
    # notifications of committed chunks still wait behind the chunks not yet taken: no email or
    # webhook is half sent.
    worker.kill()
    assert 50 < marks_left() < LOAD_TEAMS, "the kill came too late to interrupt a chunk"
    assert not AlertNotification.objects.exclude(state="pending").exists()
    lost = broker.unacknowledged()
    assert lost, "the killed worker held no job"

    # A new worker does what was still queued, but the jobs the dead one held are lost...
    worker = start_worker()
    wait_until(lambda: broker.idle(lost=lost), describe=lambda: worker.log()[-3000:])
    assert marks_left() > 0
    # ... until the sweep finds their marks past the lease and queues them again.
    sweep_once_due()
    wait_until(lambda: settled(broker, lost=lost), describe=lambda: pipeline_state(broker, worker, lost=lost))

    assert_done_once(team_ids=team_ids, mailbox=mailbox, webhook_receiver=webhook_receiver)


def pool_processes(worker) -> list[int]:
    """The pids of the worker's pool children (whose parent is its main process)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == worker.process.pid:
                children.append(int(stat.parent.name))
    return children


def test_a_pool_process_killed_mid_recompute_gives_its_job_back_to_the_queue(
    start_worker, broker, mailbox, webhook_receiver
):
    team_ids, worker = load_many_teams_and_fan_out(start_worker, webhook_receiver)

    # Only the pool processes die (say, the kernel's out-of-memory killer): the main process sees
    # its jobs' workers lost and, the tasks being reject_on_worker_lost, queues them again.
    children = pool_processes(worker)
    assert len(children) == 2
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    assert not AlertNotification.objects.exclude(state="pending").exists()

    wait_until(lambda: marks_left() == 0, describe=lambda: pipeline_state(broker, worker))
    assert "WorkerLostError" in worker.log()
    assert worker.running()
    # A pool process killed between its commit and queueing the notifications it opened leaves
    # them in the outbox, for the sweep.
    sweep_once_due()
    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))

    assert_done_once(team_ids=team_ids, mailbox=mailbox, webhook_receiver=webhook_receiver)


# --- 3. A change committed while the broker is unreachable ----------------------------------------


def test_a_change_made_while_the_broker_is_down_is_applied_by_the_sweep_once_it_is_back(
    start_worker, broker, mailbox
):
    worker = start_worker(wait=False)
    owner = UserFactory(username="olivia")
    team = services.team_create(name="Pixels", owner=owner, tier="tier2")
    services.budget_set(team=team, monthly_amount=D("200"), overrides=[], thresholds=[80, 100])
    plan = services.plan_create(
        team=team,
        name="Thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=this_month(),
    )
    worker.wait_ready()
    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))
    assert set(Projection.objects.values_list("month", "total_cost")) == {(m, D("110")) for m in horizon()}

    broker.go_down()
    started = time.monotonic()
    services.plan_update(plan=plan, images_per_month=20_000)  # a member saves the plan: no error
    # Not a speed test: a bound that only a request hanging on the broker would break.
    assert time.monotonic() - started < 30

    mark = RecomputeMark.objects.get(team=team)
    assert mark.queued_at is None  # known not to be queued: the next sweep queues it
    assert broker.queued() == 0
    assert set(Projection.objects.values_list("total_cost", flat=True)) == {D("110")}  # stale

    broker.come_back()
    assert recompute_sweep() == 1  # what beat runs every minute

    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))
    assert set(Projection.objects.values_list("month", "total_cost")) == {(m, D("220")) for m in horizon()}
    assert set(TeamMonth.objects.values_list("status", flat=True)) == {"over"}
    assert Alert.objects.filter(team=team, state="open").count() == 6
    assert mailbox.per_recipient_and_subject() == expected_mail()


def test_a_publish_made_while_the_broker_is_down_reaches_every_team_through_the_sweep(start_worker, broker):
    worker = start_worker(wait=False)
    staff = StaffFactory(username="stella")
    teams = [
        services.team_create(name=name, owner=UserFactory(username=name.lower()), tier="tier2")
        for name in ("Atlas", "Birch")
    ]
    for team in teams:
        services.plan_create(
            team=team,
            name=f"{team.name} thumbnails",
            images_per_month=10_000,
            size="1024x1024",
            quality="medium",
            start_month=this_month(),
        )
    worker.wait_ready()
    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))

    broker.go_down()
    publish_prices(  # the publish commits; its announcement cannot be queued
        staff=staff,
        effective_from=this_month(),
        prices=[{"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": "0.005"}],
    )
    assert marks_left() == 2
    assert set(Projection.objects.values_list("total_cost", flat=True)) == {D("110")}

    broker.come_back()
    lease = datetime.timedelta(seconds=LEASE_SECONDS)
    wait_until(lambda: not RecomputeMark.objects.filter(queued_at__gt=timezone.now() - lease).exists())
    assert recompute_sweep() == 2

    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))
    assert set(Projection.objects.values_list("plan__team__slug", "model", "total_cost")) == {
        (team.slug, "gpt-image-1-mini", D("50")) for team in teams
    }
