"""Fixtures shared by every test, and the rule that CI never skips for a missing service."""

import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from catalog.services import catalog_file_import

SEED_CATALOG = Path(settings.BASE_DIR) / "catalog" / "data" / "openai-2026-03-27.json"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need_service(reason: str) -> None:
    """Skip a test whose service is missing, or fail it under CI=true."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _services_for_markers(request):
    if request.node.get_closest_marker("redis") and not settings.TEST_REDIS_URL:
        need_service("Redis is not reachable (set REDIS_URL or start it on 127.0.0.1:6379)")
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        need_service("PostgreSQL is not configured (set DATABASE_URL or start it on 127.0.0.1:5432)")


def pytest_report_header(config):
    return [
        f"spendlane: database={settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]} "
        f"redis={settings.TEST_REDIS_URL or 'unreachable'} ci={IN_CI}"
    ]


def pytest_sessionstart(session):
    if IN_CI and "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        raise pytest.UsageError("CI=true needs PostgreSQL: set DATABASE_URL or start it on 127.0.0.1:5432")


@pytest.fixture
def seed_catalog_data() -> dict:
    return json.loads(SEED_CATALOG.read_text())


@pytest.fixture
def seed_catalog(db, seed_catalog_data):
    """The seed catalog of domain.md, loaded and published."""
    version, _ = catalog_file_import(data=seed_catalog_data)
    return version
