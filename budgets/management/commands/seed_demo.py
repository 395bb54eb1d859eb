"""``manage.py seed_demo``: the demo accounts of ``make run`` and the demo member's team
(local development only)."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from budgets import services
from budgets.models import Membership, Team
from budgets.months import month_of
from catalog.models import ImageModel

# Well-known on purpose: they are printed by `make run` and written in the README.
ADMIN_USERNAME, ADMIN_PASSWORD = "admin", "spendlane-admin"
DEMO_USERNAME, DEMO_PASSWORD = "demo", "spendlane-demo"

DEMO_TEAM_NAME = "Demo Studio"
DEMO_BUDGET = Decimal("750.00")
# Plans by name; one is pinned to a dearer model so the recommendation shows a saving.
DEMO_PLANS = (
    {"name": "Product thumbnails", "images_per_month": 10_000, "size": "1024x1024", "quality": "medium"},
    {
        "name": "Hero banners",
        "images_per_month": 800,
        "size": "1536x1024",
        "quality": "high",
        "rejection_rate": Decimal("0.15"),
        "cost_per_rejected_image": Decimal("0.05"),
    },
    {
        "name": "Nightly catalog refresh",
        "images_per_month": 50_000,
        "size": "1024x1536",
        "quality": "low",
        "mode": "batch",
        "pinned": "gpt-image-1",
    },
)


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo accounts 'admin' (staff, superuser) and 'demo' (ordinary user) "
        f"with well-known passwords and API tokens, and the demo user's team '{DEMO_TEAM_NAME}' "
        "with a budget and a few plans. Refuses to run unless DEBUG is on."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even though DEBUG is off. Never do this on a server anyone else can reach.",
        )

    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with well-known passwords, so it only runs with DEBUG on "
                "(local development). Pass --force if you really mean it."
            )
        admin = services.demo_account_ensure(username=ADMIN_USERNAME, password=ADMIN_PASSWORD, is_staff=True)
        demo = services.demo_account_ensure(username=DEMO_USERNAME, password=DEMO_PASSWORD, is_staff=False)

        for account, role in ((admin, "staff, superuser"), (demo, "team member")):
            state = "created" if account.created else "reset"
            self.stdout.write(f"Demo account {account.user.username!r} ({role}) {state}.")
        team, created, added = demo_team_ensure(owner=demo.user)
        self.stdout.write(
            f"Demo team {team.name!r} (/api/v1/teams/{team.slug}/) {'created' if created else 'kept'}: "
            f"owned by {DEMO_USERNAME!r}, {team.plans.count()} plans ({added} added)."
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Sign in at http://127.0.0.1:8000/accounts/login/ with:"))
        self.stdout.write(f"  staff:  username {ADMIN_USERNAME}  password {ADMIN_PASSWORD}")
        self.stdout.write(f"  member: username {DEMO_USERNAME}  password {DEMO_PASSWORD}")
        self.stdout.write(f"API token of {DEMO_USERNAME!r} (header 'Authorization: Token <key>'):")
        self.stdout.write(f"  TOKEN={demo.token}")


def demo_team_ensure(*, owner: AbstractBaseUser) -> tuple[Team, bool, int]:
    """The demo team owned by ``owner``, created with its budget on the first run; any demo
    plan missing by name is added (from this month). Returns the team, whether it was
    created, and how many plans were added. Plans and budgets someone changed stay as they are."""
    team = Team.objects.filter(
        name=DEMO_TEAM_NAME, memberships__user=owner, memberships__role=Membership.Role.OWNER
    ).first()
    created = team is None
    if created:
        team = services.team_create(name=DEMO_TEAM_NAME, owner=owner, tier="tier2", org_verified=True)
        services.budget_set(team=team, monthly_amount=DEMO_BUDGET, overrides=[], thresholds=[80, 100])
    existing = set(team.plans.values_list("name", flat=True))
    models = {model.slug: model for model in ImageModel.objects.all()}
    added = 0
    for fields in DEMO_PLANS:
        if fields["name"] in existing:
            continue
        fields = dict(fields)
        pinned = models.get(fields.pop("pinned", None))
        services.plan_create(
            team=team, start_month=month_of(timezone.localdate()), pinned_model=pinned, **fields
        )
        added += 1
    return team, created, added
