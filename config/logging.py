"""Structured logs: one JSON object per line, with the request, team and task they belong to.

The request id comes from the ``X-Request-ID`` header when a proxy sets one (else
a new one); it is echoed in the response. Views that resolve a team set it with
``log_context(team=slug)``; Celery tasks carry their task id.

>>> record = logging.LogRecord("spendlane", logging.INFO, __file__, 1, "hello %s", ("world",), None)
>>> json.loads(JsonFormatter().format(record))["message"]
'hello world'
"""

import contextvars
import json
import logging
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("spendlane_log_context", default={})  # noqa: B039


def log_context(**values: str | int | None) -> None:
    """Add fields (request_id, team, task_id) to every log line of the current request or task."""
    _context.set({**_context.get(), **{k: v for k, v in values.items() if v is not None}})


def current_log_context() -> dict:
    return dict(_context.get())


def clear_log_context() -> None:
    _context.set({})


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "team", "task_id", "task_name", "method", "path", "status", "duration_ms", "user")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


JsonFormatter.converter = time.gmtime
request_logger = logging.getLogger("spendlane.request")


class RequestIdMiddleware:
    """Gives every request an id (``X-Request-ID``), logs it, and puts it on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if 0 < len(incoming) <= 100 and incoming.isprintable() else uuid.uuid4().hex
        token = _context.set({"request_id": request_id})
        started = time.monotonic()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user": user.pk if user is not None and user.is_authenticated else None,
                },
            )
        finally:
            _context.reset(token)
        response["X-Request-ID"] = request_id
        return response
