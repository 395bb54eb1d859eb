"""Members: owners add, change and remove them; anyone may leave; a team keeps an owner."""

import pytest

from budgets import services
from budgets.models import Membership
from tests.budgets.api.conftest import client_for, url
from tests.budgets.factories import UserFactory


@pytest.fixture
def newcomer(db):
    return UserFactory(username="nina", email="Nina@Example.com")


def test_it_lists_the_members(viewer_client, team, owner, member, viewer):
    response = viewer_client.get(url("member-list", team))

    assert response.status_code == 200
    assert [(m["username"], m["role"], m["user_id"]) for m in response.json()["results"]] == [
        ("mia", "member", member.pk),
        ("olivia", "owner", owner.pk),
        ("victor", "viewer", viewer.pk),
    ]
    assert response.json()["results"][0]["email"] == "mia@example.com"


def test_it_adds_a_member_by_username(owner_client, team, newcomer):
    response = owner_client.post(
        url("member-list", team), {"username": "nina", "role": "viewer"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["user_id"] == newcomer.pk
    assert response.json()["role"] == "viewer"
    assert Membership.objects.get(team=team, user=newcomer).role == "viewer"


def test_it_adds_a_member_by_email_whatever_its_case(owner_client, team, newcomer):
    response = owner_client.post(url("member-list", team), {"email": "nina@example.com"}, format="json")

    assert response.status_code == 201
    assert Membership.objects.get(team=team, user=newcomer).role == "member"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "username"),
        ({"username": "nina", "email": "nina@example.com"}, "username"),
        ({"username": "nobody"}, "username"),
        ({"email": "nobody@example.com"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"username": "mia"}, "username"),
        ({"username": "nina", "role": "admin"}, "role"),
        ({"username": "nina", "team": "other"}, "team"),
        ({"username": ""}, "username"),
    ],
)
def test_it_refuses_a_bad_member(owner_client, team, newcomer, body, field):
    response = owner_client.post(url("member-list", team), body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Membership.objects.filter(team=team, user=newcomer).exists()


def test_it_changes_a_role(owner_client, team, viewer):
    response = owner_client.patch(
        url("member-detail", team, user_id=viewer.pk), {"role": "owner"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["role"] == "owner"
    assert Membership.objects.get(team=team, user=viewer).role == "owner"


def test_it_refuses_a_bad_role(owner_client, team, viewer):
    response = owner_client.patch(
        url("member-detail", team, user_id=viewer.pk), {"role": "boss"}, format="json"
    )

    assert response.status_code == 400
    assert "role" in response.json()
    assert Membership.objects.get(team=team, user=viewer).role == "viewer"


def test_it_keeps_the_last_owner_an_owner(owner_client, team, owner):
    response = owner_client.patch(
        url("member-detail", team, user_id=owner.pk), {"role": "member"}, format="json"
    )

    assert response.status_code == 400
    assert "role" in response.json()
    assert Membership.objects.get(team=team, user=owner).role == "owner"


def test_it_lets_an_owner_step_down_when_another_owner_remains(owner_client, team, owner, member):
    services.membership_role_change(membership=Membership.objects.get(team=team, user=member), role="owner")

    response = owner_client.patch(
        url("member-detail", team, user_id=owner.pk), {"role": "viewer"}, format="json"
    )

    assert response.status_code == 200
    assert Membership.objects.get(team=team, user=owner).role == "viewer"


def test_it_removes_a_member(owner_client, team, member):
    response = owner_client.delete(url("member-detail", team, user_id=member.pk))

    assert response.status_code == 204
    assert not Membership.objects.filter(team=team, user=member).exists()
    assert client_for(member).get(url("team-detail", team)).status_code == 404


def test_it_never_removes_the_last_owner(owner_client, team, owner):
    response = owner_client.delete(url("member-detail", team, user_id=owner.pk))

    assert response.status_code == 400
    assert "role" in response.json()
    assert Membership.objects.filter(team=team, user=owner, role="owner").exists()


@pytest.mark.parametrize("role", ["viewer", "member"])
def test_it_lets_anyone_leave(team, viewer, member, role):
    user = viewer if role == "viewer" else member

    response = client_for(user).delete(url("member-detail", team, user_id=user.pk))

    assert response.status_code == 204
    assert not Membership.objects.filter(team=team, user=user).exists()


def test_it_refuses_a_viewer_removing_someone_else(viewer_client, team, member):
    response = viewer_client.delete(url("member-detail", team, user_id=member.pk))

    assert response.status_code == 403
    assert Membership.objects.filter(team=team, user=member).exists()


def test_it_answers_404_for_a_user_not_in_the_team(owner_client, team, outsider):
    responses = [
        owner_client.get(url("member-detail", team, user_id=outsider.pk)),
        owner_client.patch(url("member-detail", team, user_id=outsider.pk), {"role": "owner"}, format="json"),
        owner_client.delete(url("member-detail", team, user_id=outsider.pk)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert not Membership.objects.filter(team=team, user=outsider).exists()
