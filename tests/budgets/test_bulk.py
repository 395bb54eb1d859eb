"""Set-based upserts on PostgreSQL when the database connection is lost in the middle of one."""

import pytest
from django.db import OperationalError, connection, connections
from django.utils import timezone

from budgets import bulk, services, tasks
from budgets.models import Projection, RecomputeMark
from budgets.recompute import recompute_request, teams_recompute
from tests.budgets.factories import UserFactory


@pytest.mark.postgres
def test_a_connection_lost_during_the_copy_is_an_error_the_tasks_retry(
    transactional_db, seed_catalog, monkeypatch
):
    team = services.team_create(name="Pixels", owner=UserFactory(username="olivia"), tier="tier2")
    services.plan_create(
        team=team,
        name="Thumbnails",
        images_per_month=10_000,
        size="1024x1024",
        quality="medium",
        start_month=timezone.localdate().replace(day=1),
    )
    recompute_request(team_ids=[team.pk], reason="tier changed", queue=False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()

    # The server ends this connection (as a restart or a failover does) while the projections stream
    # in through COPY: psycopg's own cursor, which Django does not wrap.
    def terminated_first(value, original=bulk.Jsonb, **options):
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
        finally:
            other.close()
        monkeypatch.setattr(bulk, "Jsonb", original)
        return original(value, **options)

    monkeypatch.setattr(bulk, "Jsonb", terminated_first)
    with pytest.raises(OperationalError) as raised:
        teams_recompute(team_ids=[team.pk])

    # django.db's error, as for any other query: the tasks retry it, and the connection is known broken.
    assert isinstance(raised.value, tasks.TRANSIENT_ERRORS)
    connection.close_if_unusable_or_obsolete()  # what the worker does before its next job
    assert RecomputeMark.objects.filter(team=team).exists()  # rolled back: still to do
    teams_recompute(team_ids=[team.pk])  # the retry
    assert not RecomputeMark.objects.exists()
    assert Projection.objects.filter(team=team).count() == 3
