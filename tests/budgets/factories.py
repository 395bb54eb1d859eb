import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from budgets.models import Membership, Team, WorkloadPlan


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    tier = "tier2"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkloadPlan

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Plan {n}")
    images_per_month = 10_000
    size = "1024x1024"
    quality = "medium"
    mode = "interactive"
    rejection_rate = Decimal("0")
    start_month = datetime.date(2026, 11, 1)
