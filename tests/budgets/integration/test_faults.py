"""The pipeline when its services fail under it: Redis restarted empty during a publish's fan-out,
PostgreSQL refusing connections for a few seconds during a recompute.

A real ``celery -A config worker`` recomputes a publish's fan-out over 300 teams; in the middle, a
service it depends on fails. Once the worker has done what it could and the sweep has run (what beat
does every minute), every team is exactly as a clean recompute leaves it, no mark is left, and every
alert opening was notified exactly once, by email and webhook.

The web server, which keeps its database connection between requests in production, must likewise
answer its next request after PostgreSQL dropped that connection.

The pipeline tests of this module run on a Redis of their own (``private_redis``), which they may crash.
"""

import json
import time

import pytest

from budgets.models import AlertNotification
from config.celery_app import app as celery_app
from tests.budgets.integration.support import (
    LOAD_TEAMS,
    assert_done_once,
    jobs_in_hand,
    load_many_teams_and_fan_out,
    marks_left,
    pipeline_state,
    publish_prices,
    retries_and_failures,
    settled,
    sweep_once_due,
    this_month,
    wait_until,
    worker_database_url,
)
from tests.catalog.factories import StaffFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def broker_url(private_redis) -> str:
    return private_redis.url


def publish_a_price_change() -> None:
    """Staff publish a dearer gpt-image-1-mini (0.012 a square medium image): the worker hears of it
    and fans the recompute of every team out in six chunks. Every 20th team is still over budget."""
    publish_prices(
        staff=StaffFactory(username="stella"),
        effective_from=this_month(),
        prices=[{"model": "gpt-image-1-mini", "quality": "medium", "size": "1024x1024", "price": "0.012"}],
    )


def test_redis_restarted_empty_during_a_publish_fan_out_loses_no_team_and_notifies_each_opening_once(
    private_redis, start_worker, broker, mailbox, webhook_receiver
):
    team_ids, worker = load_many_teams_and_fan_out(
        start_worker, webhook_receiver, fan_out=publish_a_price_change
    )

    # Redis crashes while the worker runs two chunks; the three chunks not yet taken and the
    # notifications of the committed one were in its queue. It comes back empty (no persistence).
    private_redis.crash()
    wait_until(
        lambda: "Connection to broker lost" in worker.log(),
        describe=lambda: f"the worker did not notice:\n{worker.log()[-3000:]}",
    )
    private_redis.start()

    # The worker reconnects by itself and finishes the chunks it was running...
    wait_until(
        lambda: worker.log().count("Connected to redis://") == 2,
        describe=lambda: f"the worker did not reconnect:\n{worker.log()[-3000:]}",
    )
    wait_until(
        lambda: jobs_in_hand(worker.log()) == 0 and broker.idle(),
        describe=lambda: pipeline_state(broker, worker),
    )
    assert worker.running()
    # ... but what Redis lost stays undone, durably marked, until the sweep queues it again.
    assert 0 < marks_left() < LOAD_TEAMS
    assert AlertNotification.objects.filter(state="pending", attempts=0).exists()
    sweep_once_due()
    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))

    assert_done_once(team_ids=team_ids, mailbox=mailbox, webhook_receiver=webhook_receiver)


# Long enough for every job that runs meanwhile to fail and retry; what the task's backoff, which is
# random, does not cover, the sweep does.
OUTAGE_SECONDS = 3


def test_postgresql_refusing_connections_for_seconds_mid_recompute_loses_nothing_and_sends_nothing_twice(
    postgres_proxy, start_worker, broker, mailbox, webhook_receiver
):
    team_ids, worker = load_many_teams_and_fan_out(
        start_worker,
        webhook_receiver,
        fan_out=publish_a_price_change,
        # Persistent connections, as in production (.env.example).
        env={"DATABASE_URL": worker_database_url(address=postgres_proxy.address), "CONN_MAX_AGE": "60"},
    )

    # The database goes away under the chunks being recomputed (their connections drop, their
    # transactions roll back) and refuses every connection for a few seconds: the chunks taken
    # meanwhile, and the notifications queued behind them, fail at once.
    wait_until(lambda: postgres_proxy.open_connections > 0)
    assert postgres_proxy.go_down() > 0
    time.sleep(OUTAGE_SECONDS)
    postgres_proxy.come_back()

    # The worker lives on, and every job that failed is retried with backoff until it gets through...
    wait_until(lambda: broker.idle(), describe=lambda: pipeline_state(broker, worker))
    assert worker.running()
    assert "WorkerLostError" not in worker.log()
    retries, failures = retries_and_failures(worker.log())
    assert any(task == "budgets.tasks.teams_recompute" for task, _ in retries), worker.log()[-3000:]
    # ... or, the rare one whose random backoff all fell in the outage, until its retries ran out:
    # no job fails for good on an error its task does not retry. Its team is left to the sweep.
    for task, job in failures:
        assert retries[(task, job)] == celery_app.tasks[task].max_retries, (task, job)
    sweep_once_due()
    wait_until(lambda: settled(broker), describe=lambda: pipeline_state(broker, worker))

    assert_done_once(team_ids=team_ids, mailbox=mailbox, webhook_receiver=webhook_receiver)


def test_the_web_server_answers_its_next_request_after_postgresql_dropped_its_persistent_connection(
    postgres_proxy, start_web_server
):
    web = start_web_server(
        env={"DATABASE_URL": worker_database_url(address=postgres_proxy.address), "CONN_MAX_AGE": "60"}
    )
    assert web.get("/healthz")[0] == 200
    assert postgres_proxy.open_connections == 1  # kept for the next request

    # PostgreSQL restarts between two requests: the connection the web process keeps is dead.
    postgres_proxy.go_down()
    postgres_proxy.come_back()

    status, body = web.get("/healthz")
    assert status == 200, body  # a load balancer would have taken the server out on a 503
    assert json.loads(body)["checks"]["database"] == "ok"
    assert postgres_proxy.open_connections == 1
