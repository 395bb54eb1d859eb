from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from budgets.models import Budget, Membership, Projection, Team, WorkloadPlan

User = get_user_model()


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_creates_the_staff_user_and_the_demo_member(settings):
    settings.DEBUG = True

    output = seed()

    admin = User.objects.get(username="admin")
    demo = User.objects.get(username="demo")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert (demo.is_staff, demo.is_superuser) == (False, False)
    assert admin.check_password("spendlane-admin")
    assert demo.check_password("spendlane-demo")
    assert Token.objects.filter(user=admin).exists()
    assert f"TOKEN={Token.objects.get(user=demo).key}" in output
    assert "password spendlane-admin" in output
    assert "password spendlane-demo" in output
    assert "Demo team 'Demo Studio' (/api/v1/teams/demo-studio/) created" in output


@pytest.mark.django_db
def test_it_is_idempotent_and_resets_the_passwords(settings):
    settings.DEBUG = True
    seed()
    token = Token.objects.get(user__username="demo").key
    demo = User.objects.get(username="demo")
    demo.set_password("changed-by-someone")
    demo.is_staff = True
    demo.save()

    output = seed()

    demo.refresh_from_db()
    assert User.objects.filter(username__in=["admin", "demo"]).count() == 2
    assert Token.objects.get(user=demo).key == token
    assert demo.check_password("spendlane-demo")
    assert demo.is_staff is False
    assert "'demo' (team member) reset" in output


@pytest.mark.django_db
def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_runs_without_debug_when_forced(settings):
    settings.DEBUG = False

    seed("--force")

    assert User.objects.filter(username__in=["admin", "demo"]).count() == 2


@pytest.mark.django_db
def test_it_gives_the_demo_member_a_team_with_a_budget_and_plans(settings, seed_catalog):
    settings.DEBUG = True

    seed()

    team = Team.objects.get(name="Demo Studio")
    assert list(Membership.objects.filter(team=team).values_list("user__username", "role")) == [
        ("demo", "owner")
    ]
    assert Budget.objects.get(team=team).monthly_amount == 750
    plans = WorkloadPlan.objects.filter(team=team)
    assert sorted(plans.values_list("name", flat=True)) == [
        "Hero banners",
        "Nightly catalog refresh",
        "Product thumbnails",
    ]
    assert plans.get(name="Nightly catalog refresh").pinned_model.slug == "gpt-image-1"


@pytest.mark.django_db
def test_it_seeds_the_demo_team_once(settings, seed_catalog, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    seed()
    WorkloadPlan.objects.get(name="Hero banners").delete()

    with django_capture_on_commit_callbacks(execute=True):
        output = seed()

    assert Team.objects.count() == 1
    assert WorkloadPlan.objects.count() == 3
    assert (
        "Demo team 'Demo Studio' (/api/v1/teams/demo-studio/) kept: owned by 'demo', 3 plans (1 added)"
        in output
    )
    assert Projection.objects.filter(plan__team__name="Demo Studio").exists()
