"""The load test's moving parts: gunicorn on loopback, virtual users, latency figures.

``manage.py load_test`` prepares the scratch database and calls these. Virtual
users are threads, each with its own ``http.client`` connection and token,
looping without think time over what the team dashboard reads (the team, this
month's projection, every month of the horizon, alerts, plans) and a quote with
a varied body. Every request carries the headers the TLS proxy of production
sets (``X-Forwarded-Proto: https``, ``X-Forwarded-For``), so the production
settings serve it unchanged, HTTPS redirect included. Any answer outside 2xx,
and any exception (timeout, refused connection), is an error.
"""

import contextlib
import http.client
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.urls import reverse

from catalog.constants import Mode, Quality, Size, Tier

HOST = "127.0.0.1"
# Should the command be killed outright, gunicorn goes with it instead of lingering on the database.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
ERROR_SAMPLES = 5


def percentile(values: Sequence[float], percent: float) -> float | None:
    """The nearest-rank percentile of ``values`` (sorted): the smallest value that at least
    ``percent`` % of the values do not exceed.

    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)
    (5, 10)
    >>> percentile([], 99) is None
    True
    """
    if not values:
        return None
    rank = max(1, math.ceil(percent / 100 * len(values)))
    return values[rank - 1]


# --- gunicorn -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Gunicorn:
    """``gunicorn config.wsgi:application`` on a free loopback port, as production starts it
    (``docker-compose.yml``: sync workers, access log), with its output in ``log_path``;
    stopped gracefully on leaving the ``with`` block, whatever happened inside it.
    """

    def __init__(self, *, env: dict[str, str], workers: int, log_path: Path, cwd: Path) -> None:
        self.env, self.workers, self.log_path, self.cwd = env, workers, log_path, cwd
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--access-logfile",
            "-",
            # Not production's, but its default path is one per machine user: runs side by side clash.
            "--no-control-socket",
        ]

    def __enter__(self) -> "Gunicorn":
        with open(self.log_path, "wb") as log:
            # Its own session: a Ctrl-C in the terminal reaches this process, which then stops
            # gunicorn gracefully, rather than gunicorn directly.
            self.process = subprocess.Popen(
                [*DIE_WITH_PARENT, *self.command],
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_ready(timeout=60)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_until_ready(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                try:
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        return
                finally:
                    connection.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn: no /healthz in {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.2)

    def stop(self, *, grace: float = 35) -> None:
        """SIGTERM to the master (it lets the workers finish their request, gunicorn's 30 s
        graceful timeout), SIGKILL to the whole group if it is still there after ``grace``."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self._kill()
        except KeyboardInterrupt:  # a second Ctrl-C: no more patience
            self._kill()
            raise

    def _kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


# --- What a virtual user asks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    label: str
    method: str
    path: str
    body: dict | None = None


@dataclass(frozen=True)
class VirtualUser:
    token: str
    team_slugs: Sequence[str]


def dashboard_and_quote(
    *, rng: random.Random, team_slug: str, months: Sequence[str], models: Sequence[str]
) -> list[Call]:
    """One visit of a team's dashboard through the API, then a quote of a varied workload."""
    month = rng.choice(months)

    def path(name: str) -> str:
        return reverse(f"teams:{name}", kwargs={"slug": team_slug})

    return [
        Call("GET /api/v1/teams/{slug}/", "GET", path("team-detail")),
        Call("GET /api/v1/teams/{slug}/projections/?month=", "GET", f"{path('projection')}?month={month}"),
        Call("GET /api/v1/teams/{slug}/projections/months/", "GET", path("projection-months")),
        Call("GET /api/v1/teams/{slug}/alerts/", "GET", path("alert-list")),
        Call("GET /api/v1/teams/{slug}/plans/", "GET", path("plan-list")),
        Call("POST /api/v1/quote/", "POST", reverse("quote"), quote_body(rng=rng, models=models)),
    ]


def quote_body(*, rng: random.Random, models: Sequence[str]) -> dict:
    """A valid quote request: the three required fields, and a random mix of the optional ones."""
    body: dict = {
        "images_per_month": rng.choice([100, 1_000, 10_000, 50_000, 250_000, 1_000_000]) + rng.randint(0, 99),
        "size": rng.choice(Size.values),
        "quality": rng.choice(Quality.values),
    }
    if rng.random() < 0.5:
        body["mode"] = rng.choice(Mode.values)
    if rng.random() < 0.3:
        body["prompt_tokens"] = rng.choice([50, 150, 800])
    if rng.random() < 0.2:
        body["input_images"] = rng.choice([1, 2])
        body["tokens_per_input_image"] = rng.choice([300, 500])
        body["cached_input_share"] = rng.choice(["0", "0.25", "0.5"])
    if rng.random() < 0.4:
        body["rejection_rate"] = rng.choice(["0.05", "0.15", "0.3"])
    if models and rng.random() < 0.3:
        body["rejection_rates"] = {rng.choice(models): rng.choice(["0.1", "0.25"])}
    if rng.random() < 0.2:
        body["cost_per_rejected_image"] = rng.choice(["0.02", "0.5"])
    if rng.random() < 0.3:
        body["tier"] = rng.choice(Tier.values)
        body["org_verified"] = rng.random() < 0.7
    if rng.random() < 0.2:
        body["peak_images_per_minute"] = rng.choice(["5", "50", "500"])
    if models and rng.random() < 0.1:
        body["models"] = rng.sample(list(models), k=min(2, len(models)))
    return body


# --- Driving them -------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Latencies (seconds) and errors per label, from every virtual user's thread."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, label: str, seconds: float, error: str | None) -> None:
        with self._lock:
            self.latencies[label].append(seconds)
            if error is not None:
                self.errors[label] += 1
                if len(self.error_samples) < ERROR_SAMPLES:
                    self.error_samples.append(f"{label}: {error}")

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


class RequestBudget:
    """At most ``limit`` requests in all (no limit: ``None``), shared by the threads."""

    def __init__(self, limit: int | None) -> None:
        self.left, self._lock = limit, threading.Lock()

    def take(self) -> bool:
        if self.left is None:
            return True
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


@dataclass(frozen=True)
class Run:
    recorder: Recorder
    elapsed_seconds: float


def drive(
    *,
    port: int,
    users: Sequence[VirtualUser],
    visit: Callable[[random.Random, str], list[Call]],
    duration: float,
    max_requests: int | None = None,
    timeout: float = 30,
    seed: int = 0,
) -> Run:
    """Run every virtual user in its own thread until ``duration`` seconds have passed or
    ``max_requests`` were sent; a request under way at the deadline is waited for."""
    recorder, budget, stop = Recorder(), RequestBudget(max_requests), threading.Event()
    threads = [
        threading.Thread(
            target=_user_loop,
            kwargs={
                "port": port,
                "user": user,
                "visit": visit,
                "rng": random.Random(seed * 1_000 + n),
                "stop": stop,
                "budget": budget,
                "recorder": recorder,
                "timeout": timeout,
            },
            name=f"virtual-user-{n}",
            daemon=True,
        )
        for n, user in enumerate(users)
    ]
    started = time.perf_counter()
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + duration
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        stop.set()
        for thread in threads:
            thread.join(timeout=timeout + 5)
    finally:
        stop.set()
    return Run(recorder=recorder, elapsed_seconds=time.perf_counter() - started)


def _user_loop(
    *,
    port: int,
    user: VirtualUser,
    visit: Callable[[random.Random, str], list[Call]],
    rng: random.Random,
    stop: threading.Event,
    budget: RequestBudget,
    recorder: Recorder,
    timeout: float,
) -> None:
    headers = {
        "Authorization": f"Token {user.token}",
        "Accept": "application/json",
        "Content-Type": "application/json",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": HOST,
    }
    # gunicorn's sync workers close the connection after each answer; http.client reopens it.
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        while not stop.is_set():
            for call in visit(rng, rng.choice(user.team_slugs)):
                if stop.is_set() or not budget.take():
                    return
                body = None if call.body is None else json.dumps(call.body)
                started = time.perf_counter()
                error = None
                try:
                    connection.request(call.method, call.path, body=body, headers=headers)
                    response = connection.getresponse()
                    payload = response.read()
                    if not 200 <= response.status < 300:
                        error = f"{response.status} {payload[:300]!r}"
                except (OSError, http.client.HTTPException) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    connection.close()
                recorder.record(call.label, time.perf_counter() - started, error)
    finally:
        connection.close()


# --- Figures -------------------------------------------------------------------------------------------


def latency_figures(seconds: list[float]) -> dict[str, float | None]:
    ordered = sorted(seconds)

    def ms(value: float | None) -> float | None:
        return None if value is None else round(value * 1000, 1)

    return {
        "p50_ms": ms(percentile(ordered, 50)),
        "p95_ms": ms(percentile(ordered, 95)),
        "p99_ms": ms(percentile(ordered, 99)),
        "max_ms": ms(ordered[-1] if ordered else None),
    }


def run_figures(run: Run) -> dict:
    """Counts, errors, throughput and latency percentiles, per label and overall."""
    recorder = run.recorder
    endpoints = {
        label: {"requests": len(values), "errors": recorder.errors.get(label, 0), **latency_figures(values)}
        for label, values in recorder.latencies.items()
    }
    every = [value for values in recorder.latencies.values() for value in values]
    return {
        "requests": recorder.requests,
        "errors": recorder.error_count,
        "elapsed_seconds": round(run.elapsed_seconds, 2),
        "requests_per_second": round(recorder.requests / run.elapsed_seconds, 1),
        "overall": {"requests": recorder.requests, "errors": recorder.error_count, **latency_figures(every)},
        "endpoints": endpoints,
    }


def figures_table(figures: dict) -> str:
    """The figures as a fixed-width table, one line per endpoint, then the whole run."""
    header = ("endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms")
    rows = [(label, figures["endpoints"][label]) for label in figures["endpoints"]]
    rows.append(("all", figures["overall"]))
    width = max(len(header[0]), *(len(label) for label, _ in rows))
    lines = [f"{header[0]:<{width}}" + "".join(f"{title:>10}" for title in header[1:])]
    for label, values in rows:
        numbers = [values["requests"], values["errors"]] + [
            values[key] for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")
        ]
        lines.append(f"{label:<{width}}" + "".join(f"{'-' if n is None else n:>10}" for n in numbers))
    lines.append(
        f"{figures['requests']} requests in {figures['elapsed_seconds']} s: "
        f"{figures['requests_per_second']} requests/s, {figures['errors']} errors"
    )
    return "\n".join(lines)
