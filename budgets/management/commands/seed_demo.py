"""``manage.py seed_demo``: the demo accounts of ``make run`` (local development only)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from budgets.services import demo_account_ensure

# Well-known on purpose: they are printed by `make run` and written in the README.
ADMIN_USERNAME, ADMIN_PASSWORD = "admin", "spendlane-admin"
DEMO_USERNAME, DEMO_PASSWORD = "demo", "spendlane-demo"


class Command(BaseCommand):
    help = (
        "Create (or reset) the demo accounts 'admin' (staff, superuser) and 'demo' (ordinary user) "
        "with well-known passwords and API tokens. Refuses to run unless DEBUG is on."
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
        admin = demo_account_ensure(username=ADMIN_USERNAME, password=ADMIN_PASSWORD, is_staff=True)
        demo = demo_account_ensure(username=DEMO_USERNAME, password=DEMO_PASSWORD, is_staff=False)

        for account, role in ((admin, "staff, superuser"), (demo, "team member")):
            state = "created" if account.created else "reset"
            self.stdout.write(f"Demo account {account.user.username!r} ({role}) {state}.")
        self.stdout.write(
            "The demo member belongs to no team yet: teams arrive in a later version of Spendlane."
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Sign in at http://127.0.0.1:8000/accounts/login/ with:"))
        self.stdout.write(f"  staff:  username {ADMIN_USERNAME}  password {ADMIN_PASSWORD}")
        self.stdout.write(f"  member: username {DEMO_USERNAME}  password {DEMO_PASSWORD}")
        self.stdout.write(f"API token of {DEMO_USERNAME!r} (header 'Authorization: Token <key>'):")
        self.stdout.write(f"  TOKEN={demo.token}")
