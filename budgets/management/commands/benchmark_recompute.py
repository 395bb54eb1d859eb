"""Fill a scratch database with teams and plans, publish a price change, time the recompute.

    python manage.py benchmark_recompute --teams 1000 --plans-per-team 20

With a broker configured (REDIS_URL) the publish fans out to the running
workers and the command waits until every mark is gone; without one the
recompute runs in this process. It also times the bare minimum on the same
machine (the Decimal arithmetic for every plan and model, then a COPY and one
upsert of as many projection rows) and prints, last, one JSON line.
"""

import datetime
import json
import random
import resource
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from budgets.models import (
    Alert,
    AlertNotification,
    PlanRecommendation,
    Projection,
    RecomputeMark,
    Team,
    TeamMonth,
    WorkloadPlan,
)
from budgets.months import months_from
from budgets.recompute import CHUNK_SIZE, plan_workload
from budgets.scratch import scratch_teams_fill, scratch_teams_recompute
from catalog.costing import PriceNotListed, workload_cost
from catalog.models import CatalogVersion
from catalog.selectors import catalog_version_in_force, catalog_version_pricing
from catalog.services import (
    CellChanges,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)
from config.celery_app import app as celery_app

PREFIX = "bench-"


class QueryCounter:
    """Counts the queries this process sends (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class Command(BaseCommand):
    help = "Benchmark the recompute of N teams x M plans after a price change (scratch database only)."

    def add_arguments(self, parser):
        parser.add_argument("--teams", type=int, default=1000)
        parser.add_argument("--plans-per-team", type=int, default=20)
        parser.add_argument("--timeout", type=int, default=1800, help="Seconds to wait for the workers.")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, teams: int, plans_per_team: int, timeout: int, seed: int, **options):
        if teams < 1 or plans_per_team < 1:
            raise CommandError("--teams and --plans-per-team must be at least 1.")
        if Team.objects.exclude(slug__startswith=PREFIX).exists():
            raise CommandError("This database holds real teams; run the benchmark on a scratch database.")
        base = catalog_version_in_force(on=timezone.localdate())
        if base is None:
            raise CommandError("No catalog version in force: run `manage.py load_catalog` first.")
        # Alert emails of thousands of benchmark teams go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self._run(base=base, teams=teams, plans_per_team=plans_per_team, timeout=timeout, seed=seed)

    def _run(self, *, base: CatalogVersion, teams: int, plans_per_team: int, timeout: int, seed: int) -> None:
        random.seed(seed)
        started = time.perf_counter()
        self._fill(teams=teams, plans_per_team=plans_per_team)
        fill_seconds = time.perf_counter() - started
        self.stdout.write(f"filled {teams} teams x {plans_per_team} plans in {fill_seconds:.1f} s")
        # Start from a computed state, as production would be, so the publish is what is measured.
        self._recompute_in_process(list(Team.objects.values_list("pk", flat=True)))
        brokered = not settings.CELERY_TASK_ALWAYS_EAGER
        if brokered:
            # The alerts of that first state are mailed by the workers: not what is measured.
            waiting = self._notifications_undelivered().count()
            self.stdout.write(
                f"waiting for the workers to deliver {waiting} notifications of the first state"
            )
            self._wait_for(self._notifications_undelivered().exists, timeout=timeout, what="notifications")
        self._vacuum()

        started = time.perf_counter()
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            draft = self._price_change(base)
            if brokered:
                catalog_version_publish(version=draft, published_by=None)
            else:
                with transaction.atomic():
                    catalog_version_publish(version=draft, published_by=None)
                    # In-process: the marks are written; recompute them here, chunk by chunk.
                self._recompute_in_process(list(RecomputeMark.objects.values_list("team_id", flat=True)))
        if brokered:
            self._wait_for(RecomputeMark.objects.exists, timeout=timeout, what="marked teams")
        recompute_seconds = time.perf_counter() - started
        if brokered:
            # Every alert notification the change led to, delivered (in-process: done on commit).
            self._wait_for(self._notifications_undelivered().exists, timeout=timeout, what="notifications")
        notifications_seconds = time.perf_counter() - started

        baseline_seconds = self._baseline()
        rows = Projection.objects.filter(team__slug__startswith=PREFIX).count()
        plans = WorkloadPlan.objects.filter(team__slug__startswith=PREFIX).count()
        result = {
            "teams": teams,
            "plans": plans,
            "projection_rows": rows,
            "recompute_seconds": round(recompute_seconds, 3),
            "notifications_delivered_seconds": round(notifications_seconds, 3),
            "alerts_open": Alert.objects.filter(
                team__slug__startswith=PREFIX, state=Alert.State.OPEN
            ).count(),
            "rows_per_second": round(rows / recompute_seconds) if recompute_seconds else None,
            "baseline_seconds": round(baseline_seconds, 3),
            "ratio_to_baseline": round(recompute_seconds / baseline_seconds, 2) if baseline_seconds else None,
            "mode": "workers" if brokered else "in-process",
            "queries_per_team": None if brokered else round(queries.count / teams, 2),
            "peak_rss_mb_this_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "worker_peak_rss_mb": self._worker_peak_rss_mb() if brokered else None,
            "chunk_size": CHUNK_SIZE,
        }
        self.stdout.write(json.dumps(result))

    def _fill(self, *, teams: int, plans_per_team: int) -> None:
        owner, _ = get_user_model().objects.update_or_create(
            username="benchmark-owner", defaults={"email": "benchmark-owner@example.com"}
        )
        scratch_teams_fill(prefix=PREFIX, teams=teams, plans_per_team=plans_per_team, owners=[owner])

    def _price_change(self, base: CatalogVersion) -> CatalogVersion:
        draft = catalog_version_draft_create(
            created_by=None,
            clone_from=base,
            label=f"Benchmark price change {timezone.now():%Y-%m-%d %H:%M:%S}",
            effective_from=timezone.localdate() + datetime.timedelta(days=10),
        )
        pricing = catalog_version_pricing(version=base)
        changes = [
            {"model": slug, "quality": quality, "size": size, "price": price * Decimal("0.9")}
            for slug, model_pricing in pricing.items()
            for (quality, size), price in model_pricing.image_prices.items()
        ]
        catalog_version_draft_update(version=draft, changes=CellChanges(image_prices=tuple(changes)))
        return draft

    def _recompute_in_process(self, team_ids: list[int]) -> None:
        scratch_teams_recompute(team_ids)

    @staticmethod
    def _vacuum() -> None:
        """Clear what filling (and earlier runs) left behind and refresh the planner's statistics,
        as autovacuum does between two publishes in production: the publish then meets tables
        in their steady state, not hundreds of thousands of dead rows."""
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return  # VACUUM runs outside a transaction only (not inside a test's)
        tables = [model._meta.db_table for model in (Team, WorkloadPlan, Projection, PlanRecommendation)]
        tables += [model._meta.db_table for model in (TeamMonth, Alert, AlertNotification, RecomputeMark)]
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(connection.ops.quote_name(t) for t in tables)}")

    @staticmethod
    def _worker_peak_rss_mb() -> float | None:
        """The largest peak resident memory of any worker process on this machine (the pool
        processes do the recomputes), from /proc; None when no worker answers or none runs here."""
        try:
            stats = celery_app.control.inspect(timeout=3).stats() or {}
        except Exception:  # no broker, or no worker answering: nothing to report
            return None
        peaks = []
        for worker in stats.values():
            for pid in [worker.get("pid"), *worker.get("pool", {}).get("processes", [])]:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except (OSError, TypeError):
                    continue
                peaks.extend(
                    int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")
                )
        return round(max(peaks) / 1024, 1) if peaks else None

    @staticmethod
    def _notifications_undelivered():
        return AlertNotification.objects.filter(
            state__in=[AlertNotification.State.PENDING, AlertNotification.State.SENDING]
        )

    @staticmethod
    def _wait_for(still_busy, *, timeout: int, what: str) -> None:
        """Poll until ``still_busy()`` is false (the workers are done), at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while still_busy():
            if time.monotonic() > deadline:
                raise CommandError(f"{what} still waiting for the workers after {timeout} s.")
            time.sleep(0.1)

    def _baseline(self) -> float:
        """The bare minimum: the Decimal cost arithmetic of every plan (its whole workload) on
        every model, the cheapest kept, then a COPY and one upsert of as many projection rows
        (the cost columns; no breakdown by version, no JSON) into a table of their own."""
        version = catalog_version_in_force(on=timezone.localdate())
        pricings = list(catalog_version_pricing(version=version).values())
        plans = list(WorkloadPlan.objects.filter(team__slug__startswith=PREFIX))
        months = months_from(timezone.localdate(), settings.SPENDLANE_HORIZON_MONTHS)
        now = timezone.now()
        started = time.perf_counter()
        rows = []
        for plan in plans:
            workload = plan_workload(plan)
            options = []
            for pricing in pricings:
                try:
                    options.append(
                        (workload_cost(workload, pricing, rejection_rate=plan.rejection_rate), pricing)
                    )
                except PriceNotListed:
                    continue
            cost, pricing = min(options, key=lambda option: option[0].total)
            for month in months:
                rows.append(
                    (
                        *(plan.team_id, plan.pk, month, pricing.slug),
                        *(cost.output, cost.input, cost.batch_savings, cost.api, cost.rework, cost.total),
                        now,
                    )
                )
        if connection.vendor == "postgresql":
            columns = (
                "team_id, plan_id, month, model, output_cost, input_cost, batch_savings, api_cost,"
                " rework_cost, total_cost, computed_at"
            )
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMPORARY TABLE baseline (team_id bigint, plan_id bigint, month date,"
                    " model varchar(100), output_cost numeric(30,10), input_cost numeric(30,10),"
                    " batch_savings numeric(30,10),"
                    " api_cost numeric(30,10), rework_cost numeric(30,10), total_cost numeric(30,10),"
                    " computed_at timestamptz, PRIMARY KEY (plan_id, month)) ON COMMIT DROP"
                )
                with cursor.cursor.copy(f"COPY baseline ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns.split(", ")[3:])
                cursor.execute(
                    f"INSERT INTO baseline SELECT * FROM baseline ON CONFLICT (plan_id, month)"
                    f" DO UPDATE SET {updates}"
                )
        return time.perf_counter() - started
