"""Liveness and readiness.

``/healthz``: the process answers and its database (and Redis, when configured)
answer. ``/readyz``: also a Celery worker has run the heartbeat task recently,
so queued recomputes will actually be worked off (skipped when jobs run
in-process, with no broker).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

HEARTBEAT_KEY = "spendlane:worker-heartbeat"
HEARTBEAT_EVERY_SECONDS = 30
HEARTBEAT_STALE_AFTER_SECONDS = 120


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


class NotReady(Exception):
    """A readiness failure whose message is ours and safe to show."""


def worker_heartbeat_record() -> None:
    cache.set(HEARTBEAT_KEY, time.time(), timeout=HEARTBEAT_STALE_AFTER_SECONDS * 10)


def check_worker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    beat = cache.get(HEARTBEAT_KEY)
    if beat is None:
        raise NotReady("no worker heartbeat yet")
    age = time.time() - float(beat)
    if age > HEARTBEAT_STALE_AFTER_SECONDS:
        raise NotReady(f"last worker heartbeat {age:.0f} s ago")
    return f"ok ({age:.0f} s ago)"


LIVENESS_CHECKS = (("database", check_database), ("redis", check_redis))
READINESS_CHECKS = (*LIVENESS_CHECKS, ("worker", check_worker))


def run_checks(checks) -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    healthy = True
    for name, check in checks:
        try:
            results[name] = check()
        except NotReady as reason:
            results[name] = f"error: {reason}"
            healthy = False
        except Exception as error:  # any failure of a dependency is a 503, never a 500
            # Only the kind of error: these endpoints are public, messages may name hosts.
            results[name] = f"error: {error.__class__.__name__}"
            healthy = False
    return healthy, results
