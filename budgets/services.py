"""Writes of the budgets app: teams, members, budgets, plans, retry statistics, alerts.

Every write that moves the numbers also records, in the same transaction, that
the team needs a recompute (``recompute_request``); the job is queued on commit.
"""

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AbstractUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from audit.services import audit_record, field_changes
from budgets.models import (
    Alert,
    AlertThreshold,
    Budget,
    BudgetOverride,
    Membership,
    RetryStatistic,
    Team,
    WorkloadPlan,
)
from budgets.recompute import recompute_request
from catalog.constants import Tier
from catalog.models import ImageModel


@dataclass(frozen=True)
class DemoAccount:
    user: AbstractUser
    password: str
    token: str
    created: bool


@transaction.atomic
def demo_account_ensure(*, username: str, password: str, is_staff: bool) -> DemoAccount:
    """Create or reset a demo account so that ``password`` signs in, and give it an API token.

    Running it again keeps the user and its token but sets the password and the
    staff flags back, so the credentials ``make run`` prints always work.
    """
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username)
    # An address, so alert emails of the demo team show on the console backend.
    user.email = user.email or f"{username}@example.com"
    user.is_staff = is_staff
    user.is_superuser = is_staff
    user.is_active = True
    user.set_password(password)
    user.save()
    token, _ = Token.objects.get_or_create(user=user)
    return DemoAccount(user=user, password=password, token=token.key, created=created)


@transaction.atomic
def api_token_create(*, user: AbstractBaseUser) -> tuple[Token, bool]:
    """The user's API token, drawn now (``True``) or the one they already have (``False``):
    a user holds at most one, so a new one needs the old one revoked first."""
    return Token.objects.get_or_create(user=user)


def api_token_revoke(*, user: AbstractBaseUser) -> bool:
    """Delete the user's API token; whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0


# --- Teams and members ----------------------------------------------------------------


class TeamRuleViolation(Exception):
    """A write that would break a rule of teams (e.g. leave a team with no owner)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


DEFAULT_THRESHOLDS = (80, 100)


def _unique_team_slug(name: str) -> str:
    base = slugify(name)[:50] or "team"
    slug, suffix = base, 2
    while Team.objects.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


@transaction.atomic
def team_create(
    *,
    name: str,
    owner: AbstractBaseUser,
    tier: str = Tier.TIER1,
    org_verified: bool = False,
    webhook_url: str = "",
) -> Team:
    """A team with ``owner`` as its owner, no budget yet, and the default thresholds."""
    team = Team.objects.create(
        name=name, slug=_unique_team_slug(name), tier=tier, org_verified=org_verified, webhook_url=webhook_url
    )
    Membership.objects.create(team=team, user=owner, role=Membership.Role.OWNER)
    Budget.objects.create(team=team, monthly_amount=None)
    AlertThreshold.objects.bulk_create(AlertThreshold(team=team, percent=p) for p in DEFAULT_THRESHOLDS)
    recompute_request(team_ids=[team.pk], reason="team created")
    audit_record(
        action="team.create",
        subject=team,
        team_id=team.pk,
        actor=owner,
        summary=f"Team {team.name!r} created",
        changes={"tier": tier, "org_verified": org_verified, "webhook_url": webhook_url},
    )
    return team


TEAM_FIELDS_THAT_MOVE_NUMBERS = {"tier", "org_verified", "webhook_url"}


@transaction.atomic
def team_update(*, team: Team, **fields) -> Team:
    """Change a team's name, tier, verification or webhook; numbers move with tier and verification."""
    allowed = {"name", "tier", "org_verified", "webhook_url"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"team_update() cannot change {', '.join(sorted(unknown))}")
    team = Team.objects.select_for_update(no_key=True).get(pk=team.pk)
    changed = [name for name, value in fields.items() if getattr(team, name) != value]
    before = {name: getattr(team, name) for name in changed}
    for name in changed:
        setattr(team, name, fields[name])
    if changed:
        team.save(update_fields=changed)
        audit_record(
            action="team.update",
            subject=team,
            team_id=team.pk,
            summary=f"Team settings changed: {', '.join(changed)}",
            changes=field_changes(before, {name: fields[name] for name in changed}),
        )
    if TEAM_FIELDS_THAT_MOVE_NUMBERS & set(changed):
        recompute_request(team_ids=[team.pk], reason="team settings changed")
    return team


@transaction.atomic
def team_webhook_secret_rotate(*, team: Team) -> Team:
    team = Team.objects.select_for_update(no_key=True).get(pk=team.pk)
    team.webhook_secret = secrets.token_hex(32)
    team.save(update_fields=["webhook_secret"])
    audit_record(
        action="team.webhook_secret_rotate", subject=team, team_id=team.pk, summary="Webhook secret rotated"
    )
    return team


def _find_user(*, username: str | None, email: str | None) -> AbstractBaseUser:
    users = get_user_model().objects.filter(is_active=True)
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise TeamRuleViolation("username", f"No user is called {username!r}.")
        return user
    matches = list(users.filter(email__iexact=email)[:2]) if email else []
    if len(matches) != 1:
        raise TeamRuleViolation(
            "email", f"No single user has the email {email!r}." if email else "Give a username or an email."
        )
    return matches[0]


@transaction.atomic
def membership_add(
    *, team: Team, role: str, username: str | None = None, email: str | None = None
) -> Membership:
    user = _find_user(username=username, email=email)
    if Membership.objects.filter(team=team, user=user).exists():
        raise TeamRuleViolation("username" if username else "email", f"{user} is already a member of {team}.")
    membership = Membership.objects.create(team=team, user=user, role=role)
    audit_record(
        action="membership.add",
        subject=membership,
        team_id=team.pk,
        summary=f"{user.get_username()} added as {role}",
        changes={"user": user.get_username(), "role": role},
    )
    return membership


def _lock_owners(team: Team) -> list[int]:
    # Locking the team row serializes every change of its members.
    Team.objects.select_for_update(no_key=True).filter(pk=team.pk).first()
    return list(Membership.objects.filter(team=team, role=Membership.Role.OWNER).values_list("pk", flat=True))


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str) -> Membership:
    owners = _lock_owners(membership.team)
    if (
        membership.role == Membership.Role.OWNER
        and role != Membership.Role.OWNER
        and owners == [membership.pk]
    ):
        raise TeamRuleViolation("role", "A team needs at least one owner: make someone else owner first.")
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if previous != role:
        audit_record(
            action="membership.role_change",
            subject=membership,
            team_id=membership.team_id,
            summary=f"{membership.user.get_username()}: {previous} -> {role}",
            changes={"role": [previous, role]},
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    owners = _lock_owners(membership.team)
    if owners == [membership.pk]:
        raise TeamRuleViolation("role", "A team needs at least one owner: make someone else owner first.")
    audit_record(
        action="membership.remove",
        subject=membership,
        team_id=membership.team_id,
        summary=f"{membership.user.get_username()} ({membership.role}) removed",
    )
    membership.delete()


# --- Budget ----------------------------------------------------------------------------


@transaction.atomic
def budget_set(
    *,
    team: Team,
    monthly_amount: Decimal | None,
    overrides: Sequence[tuple[datetime.date, Decimal]],
    thresholds: Sequence[int],
) -> Budget:
    """Replace the team's budget, its per-month overrides and its alert thresholds."""
    Team.objects.select_for_update(no_key=True).filter(pk=team.pk).first()
    before = _budget_snapshot(team)
    budget, _ = Budget.objects.update_or_create(team=team, defaults={"monthly_amount": monthly_amount})
    BudgetOverride.objects.filter(team=team).delete()
    BudgetOverride.objects.bulk_create(BudgetOverride(team=team, month=m, amount=a) for m, a in overrides)
    AlertThreshold.objects.filter(team=team).delete()
    AlertThreshold.objects.bulk_create(AlertThreshold(team=team, percent=p) for p in sorted(set(thresholds)))
    recompute_request(team_ids=[team.pk], reason="budget changed")
    changes = field_changes(before, _budget_snapshot(team))
    if changes:
        audit_record(
            action="budget.set",
            subject=budget,
            team_id=team.pk,
            summary=f"Budget changed: {', '.join(changes)}",
            changes=changes,
        )
    return budget


def _budget_snapshot(team: Team) -> dict:
    amount = Budget.objects.filter(team=team).values_list("monthly_amount", flat=True).first()
    return {
        "monthly_amount": None if amount is None else str(amount),
        "overrides": [
            [m.strftime("%Y-%m"), str(a)]
            for m, a in BudgetOverride.objects.filter(team=team).values_list("month", "amount")
        ],
        "thresholds": list(AlertThreshold.objects.filter(team=team).values_list("percent", flat=True)),
    }


# --- Plans and retry statistics ----------------------------------------------------------------


PLAN_FIELDS = (
    "name",
    "images_per_month",
    "size",
    "quality",
    "mode",
    "prompt_tokens",
    "input_images",
    "tokens_per_input_image",
    "cached_input_share",
    "rejection_rate",
    "rejection_rates",
    "cost_per_rejected_image",
    "peak_images_per_minute",
    "start_month",
    "end_month",
    "pinned_model",
)


@transaction.atomic
def plan_create(*, team: Team, **fields) -> WorkloadPlan:
    plan = WorkloadPlan(team=team, **_plan_fields(fields))
    plan.full_clean(exclude=["team"])
    plan.save()
    recompute_request(team_ids=[team.pk], reason="plan created")
    return plan


@transaction.atomic
def plan_update(*, plan: WorkloadPlan, **fields) -> WorkloadPlan:
    plan = WorkloadPlan.objects.select_for_update(no_key=True).get(pk=plan.pk)
    for name, value in _plan_fields(fields).items():
        setattr(plan, name, value)
    plan.full_clean(exclude=["team"])
    plan.save()
    recompute_request(team_ids=[plan.team_id], reason="plan changed")
    return plan


@transaction.atomic
def plan_delete(*, plan: WorkloadPlan) -> None:
    team_id = plan.team_id
    plan.delete()
    recompute_request(team_ids=[team_id], reason="plan deleted")


def _plan_fields(fields: dict) -> dict:
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"a plan has no field {', '.join(sorted(unknown))}")
    if "rejection_rates" in fields:
        fields = {
            **fields,
            "rejection_rates": {slug: str(rate) for slug, rate in fields["rejection_rates"].items()},
        }
    return fields


@transaction.atomic
def retry_statistic_create(
    *,
    team: Team,
    model: ImageModel,
    period_start: datetime.date,
    period_end: datetime.date,
    attempts: int,
    accepted: int,
    plan: WorkloadPlan | None = None,
    created_by: AbstractBaseUser | None = None,
) -> RetryStatistic:
    if plan is not None and plan.team_id != team.pk:
        raise TeamRuleViolation("plan", "That plan belongs to another team.")
    statistic = RetryStatistic(
        team=team,
        model=model,
        plan=plan,
        period_start=period_start,
        period_end=period_end,
        attempts=attempts,
        accepted=accepted,
        created_by=created_by,
    )
    statistic.full_clean(exclude=["team"])
    statistic.save()
    recompute_request(team_ids=[team.pk], reason="retry statistics recorded")
    return statistic


@transaction.atomic
def retry_statistic_delete(*, statistic: RetryStatistic) -> None:
    team_id = statistic.team_id
    statistic.delete()
    recompute_request(team_ids=[team_id], reason="retry statistics deleted")


# --- Alerts ------------------------------------------------------------------------------


def alert_acknowledge(*, alert: Alert, user: AbstractBaseUser) -> Alert:
    """Record who saw the alert; the first acknowledgement of an opening wins."""
    Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=user
    )
    alert.refresh_from_db()
    return alert
