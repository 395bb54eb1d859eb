"""Recording audit events, in the transaction of the change they describe."""

import contextvars
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.http import HttpRequest, HttpResponse

from audit.models import AuditEvent

# The request being served: its user is read when an event is recorded, because DRF
# authenticates a token after the middleware ran (and then sets request.user).
_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("audit_request", default=None)


def audit_record(
    *,
    action: str,
    subject: models.Model,
    summary: str,
    team_id: int | None = None,
    changes: dict[str, Any] | None = None,
    actor: AbstractBaseUser | None = None,
) -> AuditEvent:
    """Record that ``action`` happened to ``subject``; the actor defaults to the signed-in user."""
    from config.logging import current_log_context

    request = _request.get()
    actor = actor or getattr(request, "user", None)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        team_id=team_id,
        summary=summary[:300],
        changes=_jsonable(changes or {}),
        request_id=current_log_context().get("request_id", ""),
    )


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class AuditActorMiddleware:
    """Makes the signed-in user the actor of what the request changes (after authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)
