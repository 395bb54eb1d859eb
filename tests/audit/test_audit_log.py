"""Who changed a catalog version or a team's settings, when, and what."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEvent
from budgets import services
from catalog.services import catalog_version_draft_create


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_it_records_catalog_edits_and_the_publish_with_the_token_user(seed_catalog):
    staff = get_user_model().objects.create_user("pricing-admin", is_staff=True)
    draft = catalog_version_draft_create(created_by=staff, clone_from=seed_catalog, label="Cheaper mini")
    client = _token_client(staff)

    edit = client.patch(
        f"/api/v1/catalog/versions/{draft.pk}/",
        {
            "image_prices": [
                {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", "price": "0.004"}
            ]
        },
        format="json",
        HTTP_X_REQUEST_ID="req-edit-1",
    )
    publish = client.post(f"/api/v1/catalog/versions/{draft.pk}/publish/")

    assert (edit.status_code, publish.status_code) == (200, 200)
    events = list(AuditEvent.objects.filter(subject_id=draft.pk).order_by("id"))
    assert [(e.action, e.actor) for e in events] == [
        ("catalog_version.draft_create", staff),
        ("catalog_version.draft_update", staff),
        ("catalog_version.publish", staff),
    ]
    assert events[1].request_id == "req-edit-1"
    assert Decimal(events[1].changes["cells"]["image_prices"][0]["price"]) == Decimal("0.004")


def test_it_records_team_settings_and_budget_changes_with_old_and_new_values(db):
    owner = get_user_model().objects.create_user("olivia")
    team = services.team_create(name="Pixels", owner=owner)
    client = _token_client(owner)

    client.patch(f"/api/v1/teams/{team.slug}/", {"tier": "tier3"}, format="json")
    client.put(
        f"/api/v1/teams/{team.slug}/budget/",
        {"monthly_amount": "200.00", "overrides": [], "thresholds": [80, 100]},
        format="json",
    )

    update = AuditEvent.objects.get(action="team.update")
    budget = AuditEvent.objects.get(action="budget.set")
    assert (update.actor, update.team_id, update.changes) == (owner, team.pk, {"tier": ["tier1", "tier3"]})
    assert budget.changes == {"monthly_amount": [None, "200.00"]}
    assert budget.actor == owner


def test_a_change_outside_a_request_is_the_systems(db):
    owner = get_user_model().objects.create_user("olivia")
    team = services.team_create(name="Pixels", owner=owner)

    services.budget_set(team=team, monthly_amount=Decimal("50.00"), overrides=[], thresholds=[100])

    event = AuditEvent.objects.get(action="budget.set")
    assert event.actor is None
    assert event.changes["thresholds"] == [[80, 100], [100]]


def test_members_changes_are_recorded(db):
    owner = get_user_model().objects.create_user("olivia")
    get_user_model().objects.create_user("sam")
    team = services.team_create(name="Pixels", owner=owner)

    membership = services.membership_add(team=team, username="sam", role="viewer")
    services.membership_role_change(membership=membership, role="member")
    services.membership_remove(membership=membership)

    assert list(
        AuditEvent.objects.filter(team_id=team.pk).order_by("id").values_list("action", "summary")
    ) == [
        ("team.create", "Team 'Pixels' created"),
        ("membership.add", "sam added as viewer"),
        ("membership.role_change", "sam: viewer -> member"),
        ("membership.remove", "sam (member) removed"),
    ]
