import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from budgets import services
from budgets.models import Projection, RecomputeMark
from tests.budgets.factories import UserFactory


def test_it_fills_publishes_recomputes_and_prints_one_json_line(seed_catalog):
    out = StringIO()

    call_command("benchmark_recompute", teams=3, plans_per_team=2, stdout=out)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (result["teams"], result["plans"], result["projection_rows"]) == (3, 6, 18)
    assert result["mode"] == "in-process"
    assert result["recompute_seconds"] > 0
    assert not RecomputeMark.objects.exists()
    assert Projection.objects.count() == 18


def test_it_refuses_a_database_with_real_teams(seed_catalog):
    services.team_create(name="Real customers", owner=UserFactory(username="real"))

    with pytest.raises(CommandError, match="scratch database"):
        call_command("benchmark_recompute", teams=1, plans_per_team=1, stdout=StringIO())
