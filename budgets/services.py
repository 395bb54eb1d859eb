"""Writes of the budgets app. For now only the demo accounts of ``make run``."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from rest_framework.authtoken.models import Token


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
    user.is_staff = is_staff
    user.is_superuser = is_staff
    user.is_active = True
    user.set_password(password)
    user.save()
    token, _ = Token.objects.get_or_create(user=user)
    return DemoAccount(user=user, password=password, token=token.key, created=created)
