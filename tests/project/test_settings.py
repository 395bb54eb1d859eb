"""Settings come from the environment only; production refuses to start half-configured."""

import os
import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.ALLOWED_HOSTS, s.DATABASES['default']['ENGINE'], s.EMAIL_BACKEND)"
)
SPENDLANE_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
)


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SPENDLANE_VARIABLES}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_python(
        PRINT_SETTINGS, DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="example.com"
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set in the environment for production." in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_python(
        PRINT_SETTINGS, DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="x" * 50
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_reads_everything_from_the_environment():
    result = run_python(
        PRINT_SETTINGS,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="spendlane.example.com,api.example.com",
        DATABASE_URL="postgres://spendlane:secret@db.example.com:5432/spendlane",
        EMAIL_URL="smtp://mailer:secret@mail.example.com:587",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "['spendlane.example.com',",
        "'api.example.com']",
        "django.db.backends.postgresql",
        "django.core.mail.backends.smtp.EmailBackend",
    ]


def test_local_defaults_to_debug_sqlite_and_the_console_mailer():
    result = run_python(PRINT_SETTINGS, DJANGO_SETTINGS_MODULE="config.settings.local")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "['127.0.0.1',",
        "'localhost',",
        "'[::1]']",
        "django.db.backends.sqlite3",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_manage_py_defaults_to_local_settings():
    env = {k: v for k, v in os.environ.items() if k not in SPENDLANE_VARIABLES}
    code = "from django.conf import settings; print(settings.SETTINGS_MODULE)"

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "config.settings.local"


def test_production_settings_pass_the_deploy_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k not in SPENDLANE_VARIABLES},
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": "a-long-random-production-secret-key-" + "q8Zp3vN7" * 6,
            "ALLOWED_HOSTS": "spendlane.example.com",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
