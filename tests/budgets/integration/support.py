"""Helpers of the integration tests: bounded waits, snapshots of derived rows, bulk teams, and what
must hold once the pipeline is done."""

import contextlib
import datetime
import email
import hashlib
import hmac
import json
import random
import re
import shutil
import socket
import subprocess
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

import redis
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from budgets import tasks
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
    WebhookDelivery,
    WorkloadPlan,
)
from budgets.recompute import recompute_queue_marked, recompute_request, teams_recompute
from catalog.selectors import catalog_version_in_force
from catalog.services import (
    CellChanges,
    catalog_version_draft_create,
    catalog_version_draft_update,
    catalog_version_publish,
)

D = Decimal

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


def database_address() -> tuple[str, int]:
    """Where the test database's server listens."""
    db = connection.settings_dict
    return db["HOST"] or "localhost", int(db["PORT"] or 5432)


def worker_database_url(*, address: tuple[str, int] | None = None) -> str:
    """The URL of the database this test runs on (pytest-django's ``test_...`` one), for another process;
    through ``address`` (a proxy) instead of the server's own when given."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host, port = address or database_address()
    return f"postgres://{auth}{host}:{port}/{quote(db['NAME'], safe='')}"


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


# --- Services of one test, which it may break -------------------------------------------------------

# Should pytest itself be killed (a CI timeout), the processes it started go too instead of lingering;
# fixture teardown stops them in every other case.
DIE_WITH_THE_TESTS = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []


def free_port() -> int:
    """A free TCP port on 127.0.0.1 below the kernel's ephemeral range: no outgoing connection can be
    given it while the service that owns it is down for a restart, so the service gets it back."""
    try:
        ephemeral_low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_low = 32768
    for port in random.sample(range(10_000, ephemeral_low), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free TCP port on 127.0.0.1")


class PrivateRedis:
    """A ``redis-server`` of one test on a port of its own that keeps nothing on disk: killed and
    started again, it comes back empty, like a Redis without persistence after a crash. Every job
    queued or held in it is lost."""

    def __init__(self, *, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self.client = redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=2)

    def start(self) -> "PrivateRedis":
        self.starts += 1
        self.process = subprocess.Popen(
            [
                *DIE_WITH_THE_TESTS,
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.directory / f"redis-{self.starts}.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until(
            lambda: self.answers() or self.process.poll() is not None,
            timeout=30,
            describe=lambda: f"redis-server on port {self.port} did not answer",
        )
        assert self.answers(), f"redis-server on port {self.port} exited:\n{self.log()}"
        return self

    def answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def crash(self) -> None:
        """SIGKILL: no shutdown, nothing saved."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait(timeout=30)

    def log(self) -> str:
        return "".join(
            path.read_text(errors="replace") for path in sorted(self.directory.glob("redis-*.log"))
        )

    def close(self) -> None:
        self.crash()
        self.client.close()


class PostgresProxy:
    """A TCP proxy in front of PostgreSQL, on a port of its own, that can fail like the database.

    ``go_down`` drops every connection it carries (both ends see the socket close: the client's query
    fails, the server rolls the transaction back and lets its locks go) and refuses new ones (its port
    is closed: connection refused); ``come_back`` listens on the same port again.
    """

    def __init__(self, *, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = free_port()
        self.address = ("127.0.0.1", self.port)
        self.connections = 0
        self.dropped = 0
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._pairs)

    def come_back(self) -> "PostgresProxy":
        if self._listener is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(self.address)
        listener.listen(64)
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()
        return self

    def go_down(self) -> int:
        """Refuse new connections and drop the open ones; returns how many were dropped."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the acceptor's accept()
            listener.close()
            self._acceptor.join(timeout=10)
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._drop(pair)
        self.dropped += len(pairs)
        return len(pairs)

    def close(self) -> None:
        self.go_down()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # closed by go_down
                return
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            pair = (client, server)
            with self._lock:
                if self._listener is not listener:  # went down meanwhile
                    client.close()
                    server.close()
                    return
                self._pairs.add(pair)
                self.connections += 1
            for source, target in (pair, pair[::-1]):
                threading.Thread(target=self._pump, args=(source, target, pair), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, pair) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(pair)

    def _drop(self, pair) -> None:
        with self._lock:
            if pair not in self._pairs:
                return
            self._pairs.discard(pair)
        for end in pair:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked on it
            end.close()


# --- The pipeline at work: a publish, its state, and the sweep -------------------------------------


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def pipeline_state(broker, worker, *, lost: set[bytes] = frozenset()) -> str:
    """What is still under way, for a wait that timed out."""
    states = Counter(AlertNotification.objects.values_list("state", flat=True))
    return (
        f"marks left: {marks_left()}, notifications: {dict(states)}, queued: {broker.queued()}, "
        f"unacknowledged: {len(broker.unacknowledged() - lost)}\n{worker.log()[-3000:]}"
    )


def settled(broker, *, lost: set[bytes] = frozenset()) -> bool:
    """No team is stale, no notification waits, and no live worker holds a job (not even a retry)."""
    return (
        not RecomputeMark.objects.exists()
        and not AlertNotification.objects.exclude(state=AlertNotification.State.SENT).exists()
        and broker.idle(lost=lost)
    )


def publish_prices(*, staff, prices: list[dict], effective_from: datetime.date):
    """What staff do in the admin or the API: clone the version in force, change cells, publish."""
    draft = catalog_version_draft_create(
        created_by=staff,
        clone_from=catalog_version_in_force(on=effective_from),
        label=f"Repriced {effective_from}",
        effective_from=effective_from,
    )
    catalog_version_draft_update(version=draft, changes=CellChanges(image_prices=tuple(prices)))
    return catalog_version_publish(version=draft, published_by=staff)


def owners_emails(team: Team) -> list[str]:
    return sorted(team.memberships.filter(role="owner").values_list("user__email", flat=True))


def expected_mail() -> Counter:
    """One email per owner per alert opening."""
    expected: Counter = Counter()
    for alert in Alert.objects.select_related("team"):
        for address in owners_emails(alert.team):
            expected[(address, alert_subject(alert.team, alert))] += alert.openings
    return expected


def accepted_webhooks_per_opening(receiver) -> Counter:
    return Counter(
        (r.payload["team"], r.payload["alert"]["id"], r.payload["alert"]["opening"])
        for r in receiver.accepted()
    )


def assert_every_webhook_signed(receiver) -> None:
    secrets = dict(Team.objects.values_list("slug", "webhook_secret"))
    assert receiver.requests
    for request in receiver.requests:
        assert request.signed_with(secrets[request.payload["team"]]), request.headers
        assert request.headers["content-type"] == "application/json"


# --- A fan-out caught in the middle, and what must hold once it is done ----------------------------

LOAD_TEAMS = 300  # six chunks of 50 teams
LOAD_PLANS = 20  # 1,000 plans a chunk: long enough to be caught in the middle
RECEIVED_CHUNK = re.compile(r"Task budgets\.tasks\.teams_recompute\[[0-9a-f-]+\] received")
# What a worker logs of each job: taken, done, failed, or failed and queued again (with the same id).
JOB_EVENT = re.compile(
    r"Task (?P<task>[\w.]+)\[(?P<id>[0-9a-f-]+)\] (?P<event>received|succeeded|retry|raised unexpected)"
)


def load_many_teams_and_fan_out(
    start_worker, webhook_receiver, *, fan_out: Callable[[], Any] = recompute_queue_marked, **worker_options
):
    """300 teams of 20 plans of 110.00; every 20th is over its 2,000.00 (80% and 100%, three months).
    Returns their ids and the worker, once it took its third chunk of the fan-out: one chunk
    committed, the third has just started, far from its commit.

    ``fan_out`` starts the work (by default what a publish's announcement does: queue every marked
    team in six chunks); ``worker_options`` go to ``start_worker``."""
    worker = start_worker(wait=False, **worker_options)
    team_ids = teams_bulk_create(
        count=LOAD_TEAMS,
        plans_per_team=LOAD_PLANS,
        budget_for=lambda i: D("2000") if i % 20 == 0 else D("10000"),
        webhook_url=webhook_receiver.url,
        start_month=this_month(),
    )
    worker.wait_ready()
    fan_out()
    wait_until(
        lambda: len(RECEIVED_CHUNK.findall(worker.log())) >= 3,
        interval=0.01,
        describe=lambda: f"no third chunk started:\n{worker.log()[-3000:]}",
    )
    return team_ids, worker


def jobs_in_hand(log: str) -> int:
    """Jobs a worker took and has not finished, from its log (a retry is taken again: received twice)."""
    events = Counter(match["event"] for match in JOB_EVENT.finditer(log))
    return events["received"] - events["succeeded"] - events["retry"] - events["raised unexpected"]


def retries_and_failures(log: str) -> tuple[Counter, Counter]:
    """How many times each job was retried, and which failed for good, by (task, id), from a worker's log."""
    retries, failures = Counter(), Counter()
    for match in JOB_EVENT.finditer(log):
        if match["event"] == "retry":
            retries[(match["task"], match["id"])] += 1
        elif match["event"] == "raised unexpected":
            failures[(match["task"], match["id"])] += 1
    return retries, failures


def assert_done_once(*, team_ids, mailbox, webhook_receiver) -> None:
    """Every team as a clean recompute leaves it; one notification, email and webhook per opening."""
    rows = derived_rows()
    assert rows == recompute_in_process_rows(team_ids)
    assert len(rows["projections"]) == LOAD_TEAMS * LOAD_PLANS * 3
    alerts = Alert.objects.select_related("team")
    assert alerts.count() == LOAD_TEAMS // 20 * 6
    assert set(alerts.values_list("state", "openings")) == {("open", 1)}
    assert sorted(
        AlertNotification.objects.values_list("alert_id", "channel", "state", "attempts")
    ) == sorted((alert.pk, channel, "sent", 1) for alert in alerts for channel in ("email", "webhook"))
    assert mailbox.per_recipient_and_subject() == expected_mail()
    assert accepted_webhooks_per_opening(webhook_receiver) == Counter(
        {(alert.team.slug, alert.pk, 1): 1 for alert in alerts}
    )
    assert len(webhook_receiver.requests) == WebhookDelivery.objects.count() == alerts.count()
    assert_every_webhook_signed(webhook_receiver)


def sweep_once_due() -> None:
    """What beat does every minute, once every mark and unsent notification is past the lease: queue
    the sweep, which queues again their jobs (lost with a dead worker, or never queued at all)."""
    lease = datetime.timedelta(seconds=LEASE_SECONDS)
    wait_until(
        lambda: (
            not RecomputeMark.objects.filter(queued_at__gt=timezone.now() - lease).exists()
            and not AlertNotification.objects.filter(
                state="pending", created_at__gt=timezone.now() - lease
            ).exists()
        )
    )
    tasks.recompute_sweep.delay()
