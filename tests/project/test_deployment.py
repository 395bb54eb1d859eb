"""The deployment files name things that exist: services, modules, variables."""

import importlib
import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml
from celery import Celery
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = {"migrate", "web", "worker", "beat"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def variables_read_by_settings() -> set[str]:
    source = "\n".join(p.read_text() for p in (ROOT / "config" / "settings").glob("*.py"))
    return set(re.findall(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", source))


def variables_of_env_example() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


def test_compose_has_every_service(compose):
    assert set(compose["services"]) == {"postgres", "redis"} | APP_SERVICES


def test_postgres_keeps_its_data_in_a_named_volume_and_has_a_healthcheck(compose):
    postgres = compose["services"]["postgres"]

    assert "postgres-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "postgres-data" in compose["volumes"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_redis_has_a_healthcheck(compose):
    assert compose["services"]["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_every_service_reads_the_env_file(compose):
    for name in {"postgres"} | APP_SERVICES:
        assert compose["services"][name]["env_file"] == ".env", name


def test_application_services_wait_for_healthy_services_and_migrations(compose):
    services = compose["services"]
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["postgres"] == {"condition": "service_healthy"}, name
        assert depends_on["redis"] == {"condition": "service_healthy"}, name
    for name in APP_SERVICES - {"migrate"}:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["migrate"]["restart"] == "no"


def test_web_serves_the_wsgi_application_with_gunicorn(compose):
    command = compose["services"]["web"]["command"]

    assert command[:2] == ["gunicorn", "config.wsgi:application"]
    module_name, attribute = command[1].split(":")
    assert callable(getattr(importlib.import_module(module_name), attribute))


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_worker_and_beat_run_the_celery_app(compose, service):
    command = compose["services"][service]["command"]

    assert command[:4] == ["celery", "-A", "config", service]
    assert isinstance(importlib.import_module("config").celery_app, Celery)


def test_migrate_runs_the_migrations(compose):
    assert compose["services"]["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert (ROOT / "manage.py").is_file()


def test_the_image_is_slim_and_runs_as_an_ordinary_user():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert "config.settings.production" in dockerfile


def test_the_image_installs_the_runtime_requirements_with_gunicorn():
    requirements = (ROOT / "requirements.txt").read_text()
    runtime, marker, tooling = requirements.partition("# Tests and tooling")

    assert marker, "the Dockerfile cuts requirements.txt at this line"
    assert re.search(r"^gunicorn==[\d.]+$", runtime, re.MULTILINE)
    assert "pytest" in tooling
    assert "pytest" not in runtime


def test_env_example_names_every_variable_the_settings_read():
    assert variables_read_by_settings() <= variables_of_env_example()
    assert {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"} <= (
        variables_read_by_settings()
    )


def test_the_readme_documents_every_variable():
    readme = (ROOT / "README.md").read_text()

    for name in variables_of_env_example():
        assert f"`{name}`" in readme, name


def test_ci_run_is_an_executable_strict_bash_script():
    script = ROOT / ".ci" / "run"

    assert script.stat().st_mode & stat.S_IXUSR
    lines = script.read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines


@pytest.mark.parametrize(
    ("target", "steps"),
    [
        (
            "run",
            [
                "manage.py migrate",
                "manage.py load_catalog",
                "manage.py seed_demo",
                "runserver 127.0.0.1:8000",
            ],
        ),
        ("test", ["ruff check .", "ruff format --check .", "pytest"]),
    ],
)
def test_the_makefile_targets_run_their_steps_in_order(target, steps):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    positions = [result.stdout.find(step) for step in steps]
    assert -1 not in positions, result.stdout
    assert positions == sorted(positions), result.stdout
