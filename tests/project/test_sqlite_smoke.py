"""`make run`'s embedded default, SQLite with in-process jobs: every main page and API list answers.

CI runs the suite on PostgreSQL; this runs the newcomer's path in a subprocess on
a fresh SQLite file, as `make run` sets it up (migrate, load_catalog, seed_demo).
"""

import os
import subprocess
import sys

from django.conf import settings

PAGES_SCRIPT = r"""
import django
django.setup()
from django.test import Client
from budgets.models import Team, WorkloadPlan
from catalog.models import CatalogVersion

client = Client()
from django.contrib.auth import get_user_model
client.force_login(get_user_model().objects.get(username="demo"))
team = Team.objects.get(slug="demo-studio")
plan = WorkloadPlan.objects.filter(team=team).first()
version = CatalogVersion.objects.first()
team_pages = ["", "plans/", "plans/new/", f"plans/{plan.pk}/", f"plans/{plan.pk}/edit/", "retry-stats/",
              "alerts/", "settings/", "members/"]
team_api = ["", "plans/", "projections/", "alerts/", "retry-stats/", "budget/", "members/"]
paths = [
    "/", "/catalog/", "/catalog/versions/", f"/catalog/versions/{version.pk}/", "/accounts/",
    "/api/v1/catalog/versions/", "/api/v1/catalog/versions/current/",
    *(f"/teams/{team.slug}/{page}" for page in team_pages),
    *(f"/api/v1/teams/{team.slug}/{endpoint}" for endpoint in team_api),
]
failures = []
for path in paths:
    status = client.get(path, follow=True).status_code
    if status != 200:
        failures.append(f"{path}: {status}")
quote = client.post("/api/v1/quote/", {"images_per_month": 10000, "size": "1024x1024", "quality": "medium"},
                    content_type="application/json")
if quote.status_code != 200 or quote.json()["options"][0]["total_cost"] != "110.00":
    failures.append(f"quote: {quote.status_code}")
print("FAILURES:", failures)
assert not failures, failures
"""


def test_the_main_pages_work_on_sqlite_with_in_process_jobs(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "EMAIL_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        EMAIL_URL="dummymail://",
    )

    def manage(*args: str) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    manage("migrate", "--noinput")
    manage("load_catalog")
    manage("seed_demo")
    pages = subprocess.run(
        [sys.executable, "-c", PAGES_SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert pages.returncode == 0, pages.stdout + pages.stderr[-3000:]
