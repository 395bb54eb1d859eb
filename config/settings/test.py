"""Tests: PostgreSQL and Redis when reachable (or named by DATABASE_URL / REDIS_URL).

Without them the suite falls back to SQLite and skips what needs Redis; with
``CI=true`` such a fallback fails the run instead (see ``conftest.py``).
"""

import os
import socket

from config.settings.base import *  # noqa: F403
from config.settings.base import env


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


if "DATABASE_URL" not in os.environ and _reachable("127.0.0.1", 5432):
    DATABASES = {"default": env.db_url_config("postgres://postgres@127.0.0.1:5432/spendlane")}

# The broker the integration tests use; unit tests run jobs in-process.
TEST_REDIS_URL = env("REDIS_URL", default="")
if not TEST_REDIS_URL and _reachable("127.0.0.1", 6379):
    TEST_REDIS_URL = "redis://127.0.0.1:6379/15"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = ""
CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False
ALLOWED_HOSTS = ["*"]
