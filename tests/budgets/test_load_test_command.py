"""``manage.py load_test``, bounded tightly so that it cannot rot: it serves, drives and reports.

No assertion on latency: the machines that run the tests are shared and noisy.
"""

import json
import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from budgets import services
from tests.budgets.factories import UserFactory

pytestmark = pytest.mark.postgres

LABELS = {
    "GET /api/v1/teams/{slug}/",
    "GET /api/v1/teams/{slug}/projections/?month=",
    "GET /api/v1/teams/{slug}/projections/months/",
    "GET /api/v1/teams/{slug}/alerts/",
    "GET /api/v1/teams/{slug}/plans/",
    "POST /api/v1/quote/",
}
FIGURES = {"requests", "errors", "p50_ms", "p95_ms", "p99_ms", "max_ms"}
KEYS = {"users", "requests", "errors", "requests_per_second", "overall", "endpoints", "server", "machine"}


def test_it_serves_with_gunicorn_drives_every_endpoint_and_prints_one_json_line(transactional_db, tmp_path):
    out = StringIO()

    call_command(
        "load_test",
        users=2,
        duration=3,
        requests=90,
        warmup=0,
        teams=3,
        plans_per_team=2,
        workers=2,
        server_log=str(tmp_path / "gunicorn.log"),
        stdout=out,
    )

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(result) >= KEYS
    assert (result["users"], result["errors"]) == (2, 0)
    assert 0 < result["requests"] <= 90
    assert set(result["endpoints"]) == LABELS
    for figures in [result["overall"], *result["endpoints"].values()]:
        assert set(figures) == FIGURES
        assert figures["requests"] > 0
        assert figures["errors"] == 0
    assert result["requests"] == sum(e["requests"] for e in result["endpoints"].values())
    assert result["server"]["settings"] == "config.settings.production"
    # gunicorn is gone.
    host, port = result["server"]["bind"].split(":")
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=2):
        pass


def test_it_refuses_a_database_with_real_teams(db):
    services.team_create(name="Real customers", owner=UserFactory(username="real"))

    with pytest.raises(CommandError, match="real data"):
        call_command("load_test", users=1, duration=1, stdout=StringIO())
