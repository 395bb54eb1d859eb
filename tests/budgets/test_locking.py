"""A running recompute holds its team's row lock; writes that reference the team never wait for it."""

import threading

import pytest
from django.db import connection, connections

from budgets import services
from budgets.recompute import teams_recompute
from tests.budgets.factories import UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_plan_can_be_created_while_its_team_recomputes(seed_catalog, monkeypatch):
    import budgets.recompute as recompute_module

    team = services.team_create(name="Busy", owner=UserFactory(username="busy"))
    inside, release = threading.Event(), threading.Event()
    original = recompute_module._recompute_locked

    def hold_the_lock(**kwargs):
        inside.set()
        release.wait(timeout=20)
        return original(**kwargs)

    monkeypatch.setattr(recompute_module, "_recompute_locked", hold_the_lock)

    def recompute_in_thread():
        try:
            teams_recompute(team_ids=[team.pk])
        finally:
            connections.close_all()

    worker = threading.Thread(target=recompute_in_thread)
    worker.start()
    try:
        assert inside.wait(timeout=20)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # a wait would fail the insert, not hang the test
        plan = services.plan_create(
            team=team, name="During", images_per_month=10, size="1024x1024", quality="low", start_month=_now()
        )
    finally:
        release.set()
        worker.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")

    assert plan.pk is not None
    assert not worker.is_alive()


def _now():
    from django.utils import timezone

    return timezone.localdate().replace(day=1)
