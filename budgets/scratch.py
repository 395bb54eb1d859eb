"""Scratch populations of teams for ``benchmark_recompute`` and ``load_test`` (never real data).

Teams are named by a prefix (``bench-``, ``load-``) so that a command can tell its
own rows from real ones, refuse a database that holds real teams, and replace
its previous population on the next run.
"""

import datetime
import random
from collections.abc import Sequence
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from budgets.models import (
    AlertThreshold,
    Budget,
    Membership,
    RecomputeMark,
    RetryStatistic,
    Team,
    WorkloadPlan,
)
from budgets.months import months_from
from budgets.recompute import CHUNK_SIZE, teams_recompute
from catalog.models import ImageModel

SIZES = ["1024x1024", "1024x1536", "1536x1024"]
QUALITIES = ["low", "medium", "high"]


def scratch_teams_fill(
    *, prefix: str, teams: int, plans_per_team: int, owners: Sequence[AbstractBaseUser]
) -> list[Team]:
    """Replace the teams named ``prefix<n>`` by ``teams`` new ones, each with a budget, the
    thresholds 80 and 100, ``plans_per_team`` varied plans from next month and two team-wide
    retry statistics. Team ``n`` is owned by ``owners[n % len(owners)]``. Draws from
    ``random``: seed it for a repeatable population. Nothing is recomputed (and every
    recompute mark is dropped): call ``scratch_teams_recompute`` next."""
    with transaction.atomic():
        Team.objects.filter(slug__startswith=prefix).delete()
        created = Team.objects.bulk_create(
            Team(
                name=f"Scratch team {prefix}{n}",
                slug=f"{prefix}{n}",
                tier=random.choice(["tier1", "tier2", "tier3", "tier4", "tier5"]),
                org_verified=random.random() < 0.7,
            )
            for n in range(teams)
        )
        Membership.objects.bulk_create(
            Membership(team=team, user=owners[n % len(owners)], role=Membership.Role.OWNER)
            for n, team in enumerate(created)
        )
        Budget.objects.bulk_create(
            Budget(team=t, monthly_amount=Decimal(random.choice([50, 200, 1000, 5000, 20000])))
            for t in created
        )
        AlertThreshold.objects.bulk_create(
            AlertThreshold(team=t, percent=p) for t in created for p in (80, 100)
        )
        first_month = months_from(timezone.localdate(), 1)[0]
        WorkloadPlan.objects.bulk_create(
            (
                WorkloadPlan(
                    team=t,
                    name=f"Plan {n}",
                    images_per_month=random.choice([500, 2_000, 10_000, 50_000, 250_000]),
                    size=random.choice(SIZES),
                    quality=random.choice(QUALITIES),
                    mode=random.choice(["interactive", "batch"]),
                    prompt_tokens=random.choice([0, 0, 150, 800]),
                    input_images=random.choice([0, 0, 1]),
                    tokens_per_input_image=random.choice([0, 500]),
                    cached_input_share=Decimal(random.choice(["0", "0.25"])),
                    rejection_rate=Decimal(random.choice(["0", "0.05", "0.15", "0.3"])),
                    cost_per_rejected_image=Decimal(random.choice(["0", "0.02", "0.5"])),
                    start_month=first_month,
                )
                for t in created
                for n in range(plans_per_team)
            ),
            batch_size=5000,
        )
        models = list(ImageModel.objects.all())
        today = timezone.localdate()
        RetryStatistic.objects.bulk_create(
            RetryStatistic(
                team=t,
                model=random.choice(models),
                period_start=today - datetime.timedelta(days=30),
                period_end=today,
                attempts=(attempts := random.randint(10, 5000)),
                accepted=random.randint(attempts // 2, attempts),
            )
            for t in created
            for _ in range(2)
        )
        RecomputeMark.objects.all().delete()
    return created


def scratch_teams_recompute(team_ids: list[int]) -> None:
    """Recompute these teams in this process, chunk by chunk, as the workers would."""
    team_ids = sorted(team_ids)
    for start in range(0, len(team_ids), CHUNK_SIZE):
        teams_recompute(team_ids=team_ids[start : start + CHUNK_SIZE])
