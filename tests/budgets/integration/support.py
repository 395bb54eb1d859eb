"""Helpers of the integration tests: bounded waits, snapshots of derived rows, bulk teams."""

import datetime
import email
import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from budgets.models import (
    Alert,
    AlertNotification,
    AlertThreshold,
    Budget,
    Membership,
    PlanRecommendation,
    Projection,
    RecomputeMark,
    Team,
    TeamMonth,
    WorkloadPlan,
)
from budgets.recompute import recompute_request, teams_recompute

# Every wait is bounded by this; nothing asserts how fast the worker is.
WAIT_SECONDS = 60
# The recompute lease of the workers and of this process: the sweep re-queues a job this old.
LEASE_SECONDS = 2


def wait_until(
    predicate: Callable[[], Any],
    *,
    timeout: float = WAIT_SECONDS,
    interval: float = 0.1,
    describe: Callable[[], str] = lambda: "",
) -> Any:
    """Poll ``predicate`` (which reads the database) until it is truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s. {describe()}")
        time.sleep(interval)


def worker_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's ``test_...`` one), for another process."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


# --- What the recompute derives, as sets of plain tuples ------------------------------------------


def derived_rows() -> dict[str, set[tuple]]:
    """Every row the recompute writes, without ids and timestamps, comparable between runs."""
    return {
        "projections": {
            (*row[:-1], json.dumps(row[-1], sort_keys=True))
            for row in Projection.objects.values_list(
                "team__slug",
                "plan__name",
                "month",
                "model",
                "output_cost",
                "input_cost",
                "batch_savings",
                "api_cost",
                "rework_cost",
                "total_cost",
                "priced_by",
            )
        },
        "recommendations": {
            (slug, name, model, json.dumps(quote, sort_keys=True))
            for slug, name, model, quote in PlanRecommendation.objects.values_list(
                "plan__team__slug", "plan__name", "recommended_model", "quote"
            )
        },
        "months": set(
            TeamMonth.objects.values_list("team__slug", "month", "budget", "projected_total", "status")
        ),
        "alerts": set(
            Alert.objects.values_list(
                "team__slug", "month", "threshold", "state", "projected_total", "budget", "openings"
            )
        ),
        "notifications": set(
            AlertNotification.objects.values_list(
                "alert__team__slug", "alert__month", "alert__threshold", "opening", "channel"
            )
        ),
    }


def recompute_in_process_rows(team_ids: list[int], *, chunk: int = 50) -> dict[str, set[tuple]]:
    """What a clean recompute, run here, would leave; rolled back so nothing is sent or kept."""

    class _Rollback(Exception):
        pass

    rows: dict[str, set[tuple]] = {}
    try:
        with transaction.atomic():
            for start in range(0, len(team_ids), chunk):
                teams_recompute(team_ids=team_ids[start : start + chunk])
            rows = derived_rows()
            raise _Rollback
    except _Rollback:
        pass
    return rows


# --- Many teams at once ------------------------------------------------------------------------


def teams_bulk_create(
    *,
    count: int,
    plans_per_team: int,
    budget_for: Callable[[int], Decimal],
    webhook_url: str = "",
    start_month: datetime.date,
) -> list[int]:
    """``count`` teams, each with an owner, a budget, thresholds 80 and 100, and identical plans;
    all marked stale, not queued. Written in bulk: a few queries however many teams."""
    user_model = get_user_model()
    with transaction.atomic():
        owners = user_model.objects.bulk_create(
            user_model(username=f"load-owner-{i:04d}", email=f"load-owner-{i:04d}@example.com")
            for i in range(count)
        )
        teams = Team.objects.bulk_create(
            Team(name=f"Load {i:04d}", slug=f"load-{i:04d}", tier="tier2", webhook_url=webhook_url)
            for i in range(count)
        )
        Membership.objects.bulk_create(
            Membership(team=team, user=owner, role=Membership.Role.OWNER)
            for team, owner in zip(teams, owners, strict=True)
        )
        Budget.objects.bulk_create(
            Budget(team=team, monthly_amount=budget_for(i)) for i, team in enumerate(teams)
        )
        AlertThreshold.objects.bulk_create(
            AlertThreshold(team=team, percent=percent) for team in teams for percent in (80, 100)
        )
        WorkloadPlan.objects.bulk_create(
            WorkloadPlan(
                team=team,
                name=f"{team.slug} plan {p}",
                images_per_month=10_000,
                size="1024x1024",
                quality="medium",
                start_month=start_month,
            )
            for team in teams
            for p in range(plans_per_team)
        )
        team_ids = [team.pk for team in teams]
        recompute_request(team_ids=team_ids, reason="teams loaded", queue=False)
    return team_ids


def marks_left() -> int:
    return RecomputeMark.objects.count()


# --- Email written by the worker's file backend -----------------------------------------------

_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass
class Mailbox:
    """The folder Django's file-based email backend writes into (``EMAIL_URL=filemail://...``)."""

    path: Path

    @property
    def email_url(self) -> str:
        # The path after "filemail://" is read from its second slash on: four slashes for an absolute one.
        return f"filemail:///{self.path}"

    def messages(self) -> list[Message]:
        messages = []
        for file in sorted(self.path.glob("*.log")):
            for chunk in file.read_bytes().split(_SEPARATOR):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk))
        return messages

    def per_recipient_and_subject(self) -> Counter:
        counts: Counter = Counter()
        for message in self.messages():
            for recipient in message["To"].split(","):
                counts[(recipient.strip(), message["Subject"])] += 1
        return counts


def alert_subject(team: Team, alert: Alert) -> str:
    return f"[Spendlane] {team.name}: {alert.month:%Y-%m} projected at {alert.threshold}% of budget"


# --- A team's webhook ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookRequest:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    answered: int
    received_at: float

    @property
    def payload(self) -> dict:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """The receiver's own check: ``sha256=<hex HMAC-SHA256 of the raw body>``."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("x-spendlane-signature", ""), expected)


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers as scripted.

    ``fail_first`` makes it answer 500 to the first N deliveries of each alert opening.
    """

    def __init__(self) -> None:
        self.fail_first = 0
        self._requests: list[WebhookRequest] = []
        self._attempts: Counter = Counter()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._record(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hooks/spendlane"

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        try:
            payload = json.loads(body)
            key = (
                payload.get("team"),
                payload.get("alert", {}).get("id"),
                payload.get("alert", {}).get("opening"),
            )
        except ValueError:
            key = None
        with self._lock:
            self._attempts[key] += 1
            status = 500 if self._attempts[key] <= self.fail_first else 200
            self._requests.append(WebhookRequest(path, headers, body, status, time.monotonic()))
        return status

    @property
    def requests(self) -> list[WebhookRequest]:
        with self._lock:
            return list(self._requests)

    def accepted(self) -> list[WebhookRequest]:
        return [request for request in self.requests if request.answered == 200]

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._attempts.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
