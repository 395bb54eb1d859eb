"""Fixtures of the integration tests: a real Celery worker on Redis over the test database.

The worker is a separate process, so the tests use ``transactional_db``: it sees
only what the test process committed, and what it writes is read back here by
polling (``wait_until``). The test process itself queues to the same Redis
(``broker``); the worker mails into a folder (``mailbox``) and posts webhooks to a
local receiver (``webhook_receiver``). A test that breaks a service breaks one of its
own: a Redis it may crash (``private_redis``, with a ``broker_url`` fixture pointing
at it), a proxy in front of PostgreSQL it may make drop and refuse connections
(``postgres_proxy``).
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import kombu.pools
import pytest
import redis

from config.celery_app import app as celery_app
from conftest import need_service
from tests.budgets.integration.support import (
    DIE_WITH_THE_TESTS,
    LEASE_SECONDS,
    Mailbox,
    PostgresProxy,
    PrivateRedis,
    WebhookReceiver,
    database_address,
    free_port,
    wait_until,
    worker_database_url,
)

CELERY = str(Path(sys.executable).with_name("celery"))
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember whether a test failed, so that its teardown prints the workers' logs."""
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


# --- The web side's broker ------------------------------------------------------------------------


def _point_celery_at(url: str, *, eager: bool, queue: str) -> None:
    """Make this process's Celery app queue to ``url`` and ``queue`` (or run jobs in-process)."""
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = eager
    celery_app.conf.task_default_queue = queue
    # kombu keeps one connection pool per broker URL, process-wide: close and forget them all;
    # the app's AMQP helper caches the queues, the router and the producers: build it anew.
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


class Broker:
    """The test Redis, through a queue of this test's own.

    Several test runs may share the Redis database (CI, or engineers side by side): each test
    queues to and consumes from a fresh queue, so no worker takes another run's jobs and nothing
    needs flushing.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.queue = f"spendlane-int-{uuid.uuid4().hex[:12]}"
        self.redis = redis.Redis.from_url(url)

    def go_down(self) -> None:
        """This process can no longer reach a broker (the worker keeps its own connection)."""
        _point_celery_at(UNREACHABLE_BROKER, eager=False, queue=self.queue)

    def come_back(self) -> None:
        _point_celery_at(self.url, eager=False, queue=self.queue)

    def queued(self) -> int:
        return self.redis.llen(self.queue)

    def unacknowledged(self) -> set[bytes]:
        """Jobs of this queue a worker took and has not finished: kombu keeps each in the
        ``unacked`` hash, as ``[message, exchange, routing key]``, until it is acknowledged."""
        return {
            tag for tag, entry in self.redis.hgetall("unacked").items() if json.loads(entry)[2] == self.queue
        }

    def idle(self, *, lost: set[bytes] = frozenset()) -> bool:
        """Nothing waits in the queue and no live worker holds a job, a retry's countdown included.
        ``lost``: the jobs a killed worker held, which stay unacknowledged for the visibility timeout."""
        return self.queued() == 0 and not (self.unacknowledged() - lost)

    def clean_up(self) -> None:
        tags = self.unacknowledged()
        if tags:
            self.redis.hdel("unacked", *tags)
            self.redis.zrem("unacked_index", *tags)
        # The queue, and the binding tables of its exchange (named after it).
        self.redis.delete(
            self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}"
        )


@pytest.fixture
def broker_url(settings) -> str:
    """The Redis of ``broker`` and of the workers: the test Redis (a module may override this)."""
    return settings.TEST_REDIS_URL


@pytest.fixture
def broker(transactional_db, seed_catalog, settings, broker_url) -> Iterator[Broker]:
    """Queue to the test Redis instead of running jobs in-process.

    The seed catalog is published before, in-process: its announcement must not
    reach the worker as a second fan-out of whatever the test marks stale.
    """
    broker = Broker(broker_url)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker.url
    settings.CELERY_TASK_DEFAULT_QUEUE = broker.queue
    settings.SPENDLANE_RECOMPUTE_LEASE_SECONDS = LEASE_SECONDS
    conf = celery_app.conf
    original = (conf.broker_url, conf.task_always_eager, conf.task_default_queue)
    broker.come_back()
    yield broker
    _point_celery_at(original[0], eager=original[1], queue=original[2])
    # A Redis of the test's own that it left crashed holds nothing to clean up.
    with contextlib.suppress(redis.ConnectionError):
        broker.clean_up()


# --- Services a test may break ------------------------------------------------------------------------


@pytest.fixture
def private_redis(tmp_path, request) -> Iterator[PrivateRedis]:
    """A Redis of this test alone, which it may crash and restart; killed at teardown."""
    if not shutil.which("redis-server"):
        need_service("redis-server is not installed (apt-get install redis-server)")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = PrivateRedis(directory=directory)
    try:
        yield server.start()
    finally:
        server.close()
        if request.node.stash.get(_FAILED, False):
            print(f"--- private redis-server ---\n{server.log()[-3000:]}")


@pytest.fixture
def postgres_proxy(transactional_db) -> Iterator[PostgresProxy]:
    """A proxy in front of the test database that the test can make drop and refuse connections;
    give a worker ``worker_database_url(address=postgres_proxy.address)``. Closed at teardown."""
    proxy = PostgresProxy(upstream=database_address())
    try:
        yield proxy.come_back()
    finally:
        proxy.close()


# --- Where the worker's email and webhooks go --------------------------------------------------------


@pytest.fixture
def mailbox(tmp_path) -> Mailbox:
    path = tmp_path / "mail"
    path.mkdir()
    return Mailbox(path)


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


# --- The worker and the web server ------------------------------------------------------------------

PROJECT = Path(__file__).resolve().parents[3]


class ProcessGroup:
    """A command in its own process group, logging to a file."""

    def __init__(self, command: list[str], *, log_path: Path, env: dict[str, str]) -> None:
        self.log_path = log_path
        self._log_file = log_path.open("ab")
        self.process = subprocess.Popen(
            [*DIE_WITH_THE_TESTS, *command],
            cwd=PROJECT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def running(self) -> bool:
        return self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the main process and its children)."""
        if self.running():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        # Children outlive a killed parent for a moment; make sure none is left.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log_file.close()


class Worker(ProcessGroup):
    """``celery -A config worker`` with its pool."""

    def __init__(self, *, log_path: Path, env: dict[str, str], queue: str, concurrency: int) -> None:
        self.name = f"spendlane-int-{uuid.uuid4().hex[:8]}@localhost"
        super().__init__(
            [
                CELERY,
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                queue,
                "--loglevel=INFO",
                "-n",
                self.name,
            ],
            log_path=log_path,
            env=env,
        )

    def wait_ready(self) -> "Worker":
        wait_until(
            lambda: f"{self.name} ready." in self.log() or not self.running(),
            describe=lambda: f"the worker did not start:\n{self.log()}",
        )
        assert self.running(), f"the worker exited:\n{self.log()}"
        return self


def child_environment() -> dict[str, str]:
    """This process's environment without what configures Spendlane, for a process the test starts."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CONN_", "REDIS_", "EMAIL_", "SPENDLANE_", "CELERY_"))
    }


@pytest.fixture
def start_worker(transactional_db, broker, mailbox, tmp_path, request) -> Iterator[Callable[..., Worker]]:
    """Start real workers on the test Redis and the test database; ``env`` adds to or changes their
    environment (``DATABASE_URL`` through a proxy, say). All are killed at teardown."""
    workers: list[Worker] = []
    environment = child_environment()
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=worker_database_url(),
        REDIS_URL=broker.url,
        CELERY_TASK_DEFAULT_QUEUE=broker.queue,
        SPENDLANE_RECOMPUTE_LEASE_SECONDS=str(LEASE_SECONDS),
        EMAIL_URL=mailbox.email_url,
        DEBUG="false",
        PYTHONUNBUFFERED="1",
    )

    def start(*, concurrency: int = 2, wait: bool = True, env: Mapping[str, str] | None = None) -> Worker:
        worker = Worker(
            log_path=tmp_path / f"worker-{len(workers) + 1}.log",
            env={**environment, **(env or {})},
            queue=broker.queue,
            concurrency=concurrency,
        )
        workers.append(worker)
        return worker.wait_ready() if wait else worker

    yield start

    for worker in workers:
        worker.kill()
    if request.node.stash.get(_FAILED, False):
        for worker in workers:
            print(f"--- {worker.log_path.name} ---\n{worker.log()}")


class WebServer(ProcessGroup):
    """``gunicorn config.wsgi`` with the production settings and one sync worker: one process, one
    thread, whose database connection lasts from request to request for ``CONN_MAX_AGE``."""

    def __init__(self, *, log_path: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        super().__init__(
            [GUNICORN, "config.wsgi:application", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            log_path=log_path,
            env=env,
        )

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def answers(self) -> bool:
        try:
            self.get("/healthz")
        except OSError:  # not listening yet
            return False
        return True

    def wait_ready(self) -> "WebServer":
        wait_until(
            lambda: self.answers() or not self.running(),
            describe=lambda: f"the web server did not start:\n{self.log()}",
        )
        assert self.running(), f"the web server exited:\n{self.log()}"
        return self


@pytest.fixture
def start_web_server(transactional_db, tmp_path, request) -> Iterator[Callable[..., WebServer]]:
    """Start gunicorn as production runs it, on the test database, with ``env`` added (``DATABASE_URL``
    through a proxy, say); no Redis. Killed at teardown."""
    servers: list[WebServer] = []
    environment = child_environment()
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="integration-test-secret-key-not-for-production",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=worker_database_url(),
        LOG_FORMAT="plain",
        PYTHONUNBUFFERED="1",
    )

    def start(*, env: Mapping[str, str] | None = None) -> WebServer:
        server = WebServer(
            log_path=tmp_path / f"web-{len(servers) + 1}.log", env={**environment, **(env or {})}
        )
        servers.append(server)
        return server.wait_ready()

    yield start

    for server in servers:
        server.kill()
    if request.node.stash.get(_FAILED, False):
        for server in servers:
            print(f"--- {server.log_path.name} ---\n{server.log()}")
