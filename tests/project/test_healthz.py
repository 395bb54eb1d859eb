import pytest
from django.conf import settings


@pytest.mark.django_db
def test_it_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "not configured"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.redis
@pytest.mark.django_db
def test_it_checks_redis_when_configured(client, settings):
    settings.REDIS_URL = settings.TEST_REDIS_URL

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_it_answers_503_naming_redis_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error: ")


@pytest.mark.django_db
def test_it_answers_503_naming_the_database_when_it_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise ConnectionRefusedError("database is down")

    monkeypatch.setattr("config.health.connection.cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: ConnectionRefusedError"


def test_it_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


def test_the_test_settings_leave_redis_unconfigured_for_the_app():
    assert settings.REDIS_URL == ""


def test_readyz_answers_200_when_jobs_run_in_process(client, db):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == "in-process"


def test_readyz_needs_a_recent_worker_heartbeat_when_jobs_use_a_broker(client, db, settings):
    import time

    from django.core.cache import cache

    from config.health import HEARTBEAT_KEY, worker_heartbeat_record

    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete(HEARTBEAT_KEY)

    never = client.get("/readyz")
    worker_heartbeat_record()
    fresh = client.get("/readyz")
    cache.set(HEARTBEAT_KEY, time.time() - 600)
    stale = client.get("/readyz")

    assert never.status_code == 503
    assert "no worker heartbeat" in never.json()["checks"]["worker"]
    assert fresh.status_code == 200
    assert stale.status_code == 503
    assert "600 s ago" in stale.json()["checks"]["worker"]
