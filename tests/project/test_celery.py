"""The Celery app follows REDIS_URL; without it, jobs run in-process."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

CELERY = str(Path(sys.executable).with_name("celery"))
PRINT_CONF = (
    "from config.celery_app import app; print(app.conf.broker_url, app.conf.task_always_eager, app.main)"
)


def environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(values)
    return env


def test_the_broker_follows_redis_url():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_CONF],
        cwd=settings.BASE_DIR,
        env=environment(REDIS_URL="redis://broker.example.com:6380/3"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis://broker.example.com:6380/3", "False", "spendlane"]


def test_without_redis_url_jobs_run_in_process():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_CONF],
        cwd=settings.BASE_DIR,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["memory://localhost/", "True", "spendlane"]


def test_the_celery_command_loads_the_app():
    result = subprocess.run(
        [CELERY, "-A", "config", "report"],
        cwd=settings.BASE_DIR,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "settings -> transport:memory results:disabled" in result.stdout
    assert "SETTINGS_MODULE: 'config.settings.local'" in result.stdout


@pytest.mark.redis
def test_a_worker_starts_and_answers_a_ping(tmp_path):
    name = f"spendlane-test-{uuid.uuid4().hex[:8]}@localhost"
    worker = subprocess.Popen(
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "-n",
            name,
        ],
        cwd=settings.BASE_DIR,
        env=environment(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            REDIS_URL=settings.TEST_REDIS_URL,
            DATABASE_URL=f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        ),
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    probe = Celery("probe", broker=settings.TEST_REDIS_URL)
    try:
        replies = []
        deadline = time.monotonic() + 60
        while not replies and time.monotonic() < deadline and worker.poll() is None:
            replies = probe.control.ping(destination=[name], timeout=1.0)
        log = (tmp_path / "worker.log").read_text()
        assert replies == [{name: {"ok": "pong"}}], log
    finally:
        probe.close()
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
