"""Load-test the dashboard's API and the quote through gunicorn on loopback (scratch database only).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/spendlane_load python manage.py load_test

or ``make load-test``. On the configured PostgreSQL database (created when missing,
refused when it holds real teams or users, unless ``--force``): migrate, load the
seed catalog, fill ``--teams`` teams of ``--plans-per-team`` plans with budgets and
retry statistics (``budgets.scratch``, as ``benchmark_recompute`` does), recompute
them, and give each virtual user an account, an API token and teams of its own.
Then serve with gunicorn under ``config.settings.production`` and drive
``--users`` virtual users for ``--duration`` seconds (after ``--warmup`` seconds
not counted), at most ``--requests`` requests. Prints a table per endpoint and,
last, one JSON line; exits non-zero on any error.
"""

import json
import logging
import os
import random
import secrets
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection
from django.test.utils import override_settings
from django.utils import timezone

from budgets import services
from budgets.load_testing import Gunicorn, VirtualUser, dashboard_and_quote, drive, figures_table, run_figures
from budgets.models import Alert, Membership, Team
from budgets.months import format_month
from budgets.scratch import scratch_teams_fill, scratch_teams_recompute
from budgets.selectors import projection_horizon
from catalog.models import ImageModel

TEAM_PREFIX = "load-"
USER_PREFIX = "load-user-"
SERVER_SETTINGS = "config.settings.production"
# As .env.example has it for production.
CONN_MAX_AGE = "60"


class Command(BaseCommand):
    help = "Load-test the dashboard's API and the quote through gunicorn on loopback (scratch database only)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=20, help="Concurrent virtual users (default 20).")
        parser.add_argument("--duration", type=float, default=60, help="Seconds measured (default 60).")
        parser.add_argument("--warmup", type=float, default=5, help="Seconds first, not counted (default 5).")
        parser.add_argument("--requests", type=int, default=None, help="Stop after this many requests.")
        parser.add_argument("--teams", type=int, default=50)
        parser.add_argument("--plans-per-team", type=int, default=20)
        parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (production: 3).")
        parser.add_argument("--timeout", type=float, default=30, help="Seconds before a request fails.")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--server-log", help="gunicorn's output (default: a file in the temp folder).")
        parser.add_argument("--force", action="store_true", help="Run even on a database with real data.")

    def handle(self, *args, **options):
        for name in ("users", "teams", "plans_per_team", "workers"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        if options["duration"] <= 0 or options["warmup"] < 0:
            raise CommandError("--duration must be more than 0 and --warmup at least 0.")
        if connection.vendor != "postgresql":
            raise CommandError(
                "The load test needs PostgreSQL (gunicorn's workers share the database): set DATABASE_URL, "
                "e.g. postgres://postgres@127.0.0.1:5432/spendlane_load, or use `make load-test`."
            )
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError(
                "Run the load test without REDIS_URL: it recomputes its teams in this process, and their "
                "alert notifications must not reach the workers of another database."
            )
        self._database_ensure()
        if not options["force"] and self._holds_real_data():
            raise CommandError(
                f"{connection.settings_dict['NAME']} holds real data (teams or users not made by the load "
                "test); run it on a scratch database, or pass --force."
            )
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_catalog", stdout=self.stdout if options["verbosity"] > 1 else _Discard())
        users = self._populate(options)
        log_path = Path(options["server_log"] or _temporary_file(prefix="spendlane-load-", suffix=".log"))
        try:
            with _sigterm_as_exit():
                figures = self._run(users=users, log_path=log_path, options=options)
        except KeyboardInterrupt:
            raise CommandError(f"Interrupted; gunicorn stopped (log: {log_path}).", returncode=130) from None
        self.stdout.write(figures_table(figures))
        machine = figures["machine"]
        self.stdout.write(
            f"Machine: {machine['cpus']} CPUs, load average {machine['load_average_1m_before']} before, "
            f"{machine['load_average_1m_after']} after (this run included)."
        )
        self.stdout.write(f"gunicorn's log: {log_path}")
        self.stdout.write(json.dumps(figures))
        if figures["errors"] or figures["warmup"]["errors"]:
            raise CommandError(f"{figures['errors'] + figures['warmup']['errors']} requests failed.")

    # --- The database ------------------------------------------------------------------------------

    def _database_ensure(self) -> None:
        try:
            connection.ensure_connection()
        except OperationalError as error:
            if "does not exist" not in str(error):
                raise CommandError(f"Cannot reach {connection.settings_dict['NAME']}: {error}") from error
            name = connection.settings_dict["NAME"]
            # Django's own way in to the server without the database (the "postgres" one).
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            self.stdout.write(f"Created the database {name}.")

    def _holds_real_data(self) -> bool:
        tables = set(connection.introspection.table_names())
        if not tables:
            return False
        if not {"budgets_team", "auth_user"} <= tables:
            return True  # not Spendlane's
        return (
            Team.objects.exclude(slug__startswith=TEAM_PREFIX).exists()
            or get_user_model().objects.exclude(username__startswith=USER_PREFIX).exists()
        )

    def _populate(self, options: dict) -> list[VirtualUser]:
        random.seed(options["seed"])
        accounts = []
        for n in range(options["users"]):
            user, _ = get_user_model().objects.update_or_create(
                username=f"{USER_PREFIX}{n}", defaults={"email": f"{USER_PREFIX}{n}@example.com"}
            )
            token, _ = services.api_token_create(user=user)
            accounts.append((user, token.key))
        owners = [user for user, _ in accounts]
        # Alert emails of scratch teams go nowhere, and the recompute's job lines are not news here.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            _logs_below_warning_silenced(),
        ):
            teams = scratch_teams_fill(
                prefix=TEAM_PREFIX,
                teams=options["teams"],
                plans_per_team=options["plans_per_team"],
                owners=owners,
            )
            # More users than teams: the extra ones view a team someone else owns.
            Membership.objects.bulk_create(
                Membership(team=teams[n % len(teams)], user=user, role=Membership.Role.VIEWER)
                for n, user in enumerate(owners)
                if n >= len(teams)
            )
            scratch_teams_recompute([team.pk for team in teams])
        slugs_of: dict[int, list[str]] = {user.pk: [] for user in owners}
        for user_id, slug in Membership.objects.filter(team__in=teams).values_list("user_id", "team__slug"):
            slugs_of[user_id].append(slug)
        self.stdout.write(
            f"Population: {len(teams)} teams x {options['plans_per_team']} plans, budgets, retry statistics, "
            f"{Alert.objects.filter(team__in=teams).count()} alerts; {len(owners)} users with a token."
        )
        return [VirtualUser(token=token, team_slugs=slugs_of[user.pk]) for user, token in accounts]

    # --- The server and the virtual users ------------------------------------------------------------

    def _server_env(self) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items() if name not in {"REDIS_URL", "EMAIL_URL"}}
        env.update(
            DJANGO_SETTINGS_MODULE=SERVER_SETTINGS,
            SECRET_KEY=secrets.token_urlsafe(50),
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=database_url(connection.settings_dict),
            CONN_MAX_AGE=CONN_MAX_AGE,
        )
        return env

    def _run(self, *, users: list[VirtualUser], log_path: Path, options: dict) -> dict:
        months = [format_month(month) for month in projection_horizon(today=timezone.localdate())]
        models = list(ImageModel.objects.order_by("slug").values_list("slug", flat=True))

        def visit(rng: random.Random, team_slug: str):
            return dashboard_and_quote(rng=rng, team_slug=team_slug, months=months, models=models)

        # The server's workers open their own connections; this one is not needed meanwhile.
        connection.close()
        server = Gunicorn(
            env=self._server_env(), workers=options["workers"], log_path=log_path, cwd=Path(settings.BASE_DIR)
        )
        self.stdout.write(
            f"gunicorn {' '.join(server.command[3:])} ({SERVER_SETTINGS}, CONN_MAX_AGE={CONN_MAX_AGE}); "
            f"{len(users)} virtual users for {options['duration']:g} s "
            f"after a warm-up of {options['warmup']:g} s."
        )
        common = {"port": server.port, "users": users, "visit": visit, "timeout": options["timeout"]}
        load_before = os.getloadavg()[0]
        with server:
            warmup = None
            if options["warmup"]:
                warmup = drive(duration=options["warmup"], seed=options["seed"] + 1, **common)
            run = drive(
                duration=options["duration"], max_requests=options["requests"], seed=options["seed"], **common
            )
        figures = {
            "users": len(users),
            "duration_seconds": options["duration"],
            **run_figures(run),
            "warmup": {
                "seconds": options["warmup"],
                "requests": warmup.recorder.requests if warmup else 0,
                "errors": warmup.recorder.error_count if warmup else 0,
            },
            "error_samples": run.recorder.error_samples + (warmup.recorder.error_samples if warmup else []),
            "server": {
                "bind": f"127.0.0.1:{server.port}",
                "workers": options["workers"],
                "settings": SERVER_SETTINGS,
                "conn_max_age": int(CONN_MAX_AGE),
            },
            "population": {"teams": options["teams"], "plans_per_team": options["plans_per_team"]},
            # The machine may be shared: how busy it was, this run included, before and after.
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_1m_before": round(load_before, 2),
                "load_average_1m_after": round(os.getloadavg()[0], 2),
            },
        }
        return figures


def database_url(db: dict) -> str:
    """The URL of a Django database's settings, for another process (gunicorn)."""
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


def _temporary_file(**names: str) -> str:
    handle, path = tempfile.mkstemp(**names)
    os.close(handle)
    return path


@contextmanager
def _logs_below_warning_silenced():
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


@contextmanager
def _sigterm_as_exit():
    """A SIGTERM unwinds like a Ctrl-C, so gunicorn is stopped on the way out."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def exit_on_sigterm(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Discard:
    def write(self, *args, **kwargs) -> None:
        pass

    def flush(self) -> None:
        pass
