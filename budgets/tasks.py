"""Thin Celery tasks: they take ids and call a service.

Every task is ``acks_late`` with ``reject_on_worker_lost`` (a job whose worker
dies goes back to the queue), retries only transient database and broker
errors (and a notification its failed deliveries), with backoff and a bound,
and has time limits.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError

from budgets import notifications, recompute

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerOperationalError)
COMMON = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**COMMON, time_limit=600, soft_time_limit=540)
def teams_recompute(team_ids: list[int]) -> dict:
    summary = recompute.teams_recompute(team_ids=team_ids)
    return summary.__dict__


@shared_task(**COMMON, time_limit=120, soft_time_limit=100)
def recompute_sweep() -> dict:
    queued = recompute.recompute_sweep()
    notifications_requeued = notifications.notifications_due()
    recompute.notifications_queue(notification_ids=notifications_requeued)
    return {"teams_queued": queued, "notifications_requeued": len(notifications_requeued)}


@shared_task(**COMMON, time_limit=300, soft_time_limit=240)
def horizon_roll() -> int:
    return recompute.horizon_roll()


# A notification counts its delivery attempts itself (the first and its retries); on top of those,
# its job is retried for transient errors as often as the other jobs.
DELIVERY = {**COMMON, "max_retries": notifications.MAX_DELIVERY_ATTEMPTS - 1 + COMMON["max_retries"]}


@shared_task(
    bind=True,
    **DELIVERY,
    time_limit=60,
    soft_time_limit=45,
)
def alert_notification_deliver(self, notification_id: int) -> str:
    notification = notifications.notification_claim(notification_id=notification_id)
    if notification is None:
        return "not pending"
    try:
        notifications.notification_deliver(notification=notification)
    except notifications.DeliveryFailed as failure:
        if notification.attempts >= notifications.MAX_DELIVERY_ATTEMPTS:
            notifications.notification_give_up(notification_id=notification_id, error=str(failure))
            return "failed"
        raise self.retry(countdown=min(2**notification.attempts, 300)) from failure
    return "sent"
