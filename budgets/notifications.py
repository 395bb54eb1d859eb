"""Delivering alert notifications: email to the team's owners and a signed webhook.

Each notification is an outbox row written with the alert's opening. Delivery
claims it with a conditional UPDATE (pending -> sending) that must touch one
row, so two workers never send the same notification; a claim left behind by a
dead worker expires after the lease and is taken again by the sweep.
"""

import datetime
import hashlib
import hmac
import json
import logging
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone

from budgets.models import Alert, AlertNotification, Membership, Team, WebhookDelivery
from budgets.months import format_month

logger = logging.getLogger(__name__)

WEBHOOK_URL_MAX_LENGTH = 500
# An http(s) URL: lowercase host names or IPv4 addresses, an optional port, then any printable
# ASCII (percent-encode the rest). Django's URLValidator is wider in places (IDN hosts, IPv6,
# user info) and narrower in others (single-label hosts); a webhook needs neither.
WEBHOOK_URL_PATTERN = (
    r"^https?://([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
    r"(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    r"([/?#][!-~]*)?$"
)


def webhook_url_validator(value: str) -> None:
    # fullmatch: with search, "$" would let a trailing newline through.
    if value and not re.fullmatch(WEBHOOK_URL_PATTERN, value):
        raise ValidationError("Enter a valid URL.", code="invalid")


WEBHOOK_TIMEOUT_SECONDS = 5
# Attempts per notification in all, the first and its retries (budgets.tasks) together.
MAX_DELIVERY_ATTEMPTS = 7
# A retry waits at most 300 s (budgets.tasks); one not taken well after that was lost.
LOST_RETRY_AFTER = datetime.timedelta(minutes=10)
SIGNATURE_HEADER = "X-Spendlane-Signature"


class DeliveryFailed(Exception):
    """A delivery attempt failed in a way worth retrying."""


def webhook_signature(*, secret: str, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of the raw body>``, as the receiver recomputes it:
    ``hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()``."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass(frozen=True)
class WebhookResult:
    delivered: bool
    status_code: int | None
    error: str
    delivery: WebhookDelivery


def webhook_post(
    *,
    team: Team,
    event: str,
    payload: dict[str, Any],
    attempt: int,
    notification: AlertNotification | None = None,
) -> WebhookResult:
    """POST ``payload`` to the team's webhook, signed, within 5 s; log the attempt."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    request = urllib.request.Request(
        team.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Spendlane-Webhook/1",
            SIGNATURE_HEADER: webhook_signature(secret=team.webhook_secret, body=body),
            "X-Spendlane-Event": event,
        },
    )
    started = time.monotonic()
    status_code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as http_error:
        status_code, error = http_error.code, f"HTTP {http_error.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as failure:
        error = f"{failure.__class__.__name__}: {getattr(failure, 'reason', failure)}"
    delivered = status_code is not None and 200 <= status_code < 300
    delivery = WebhookDelivery.objects.create(
        team=team,
        notification=notification,
        event=event,
        url=team.webhook_url,
        attempt=attempt,
        status_code=status_code,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
        delivered=delivered,
    )
    return WebhookResult(delivered=delivered, status_code=status_code, error=error, delivery=delivery)


def alert_payload(alert: Alert) -> dict[str, Any]:
    return {
        "event": "alert.opened",
        "team": alert.team.slug,
        "alert": {
            "id": alert.pk,
            "month": format_month(alert.month),
            "threshold": alert.threshold,
            "projected_total": str(alert.projected_total),
            "budget": str(alert.budget),
            "opened_at": alert.opened_at.isoformat(),
            "opening": alert.openings,
        },
    }


def notification_claim(
    *, notification_id: int, now: datetime.datetime | None = None
) -> AlertNotification | None:
    """Take a pending notification (or one whose claim expired) for delivery, or None.

    A notification that used up its attempts is not taken again: it ends ``failed``.
    """
    now = now or timezone.now()
    expired = now - datetime.timedelta(seconds=settings.SPENDLANE_RECOMPUTE_LEASE_SECONDS)
    AlertNotification.objects.filter(
        pk=notification_id, attempts__gte=MAX_DELIVERY_ATTEMPTS, state=AlertNotification.State.PENDING
    ).update(state=AlertNotification.State.FAILED)
    claimed = (
        AlertNotification.objects.filter(pk=notification_id, attempts__lt=MAX_DELIVERY_ATTEMPTS)
        .filter(
            Q(state=AlertNotification.State.PENDING)
            | Q(state=AlertNotification.State.SENDING, claimed_at__lt=expired)
        )
        .update(state=AlertNotification.State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return None
    return AlertNotification.objects.select_related("alert__team").get(pk=notification_id)


def notification_deliver(*, notification: AlertNotification) -> None:
    """Send one claimed notification; raises ``DeliveryFailed`` (and releases it) to retry."""
    alert = notification.alert
    try:
        if notification.channel == AlertNotification.Channel.EMAIL:
            _send_email(alert)
        else:
            result = webhook_post(
                team=alert.team,
                event="alert.opened",
                payload=alert_payload(alert),
                attempt=notification.attempts,
                notification=notification,
            )
            if not result.delivered:
                raise DeliveryFailed(result.error or f"HTTP {result.status_code}")
    except DeliveryFailed as failure:
        _release(notification, str(failure))
        raise
    except Exception as failure:  # SMTP and socket errors: retry the same way
        _release(notification, f"{failure.__class__.__name__}: {failure}")
        raise DeliveryFailed(str(failure)) from failure
    AlertNotification.objects.filter(pk=notification.pk).update(
        state=AlertNotification.State.SENT, sent_at=timezone.now(), last_error=""
    )


def notification_give_up(*, notification_id: int, error: str) -> None:
    AlertNotification.objects.filter(pk=notification_id).exclude(state=AlertNotification.State.SENT).update(
        state=AlertNotification.State.FAILED, last_error=error
    )


def _release(notification: AlertNotification, error: str) -> None:
    AlertNotification.objects.filter(pk=notification.pk, state=AlertNotification.State.SENDING).update(
        state=AlertNotification.State.PENDING, last_error=error[:2000]
    )


def _send_email(alert: Alert) -> None:
    owners = list(
        Membership.objects.filter(team_id=alert.team_id, role=Membership.Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not owners:
        logger.warning("alert %s: no owner of team %s has an email address", alert.pk, alert.team_id)
        return
    month = format_month(alert.month)
    subject = f"[Spendlane] {alert.team.name}: {month} projected at {alert.threshold}% of budget"
    body = (
        f"The projected spend of {alert.team.name} for {month} is {alert.projected_total} USD, "
        f"which reaches {alert.threshold}% of its budget of {alert.budget} USD.\n\n"
        "Open Spendlane to see which plans drive the spend and what switching models would save.\n"
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, owners, fail_silently=False)


def notifications_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Notifications whose job was lost: never taken after a lease (not queued), a retry
    not taken long after its backoff, or a claim left behind by a dead worker. A
    pending one waiting out its retry backoff is not due: its retry is queued."""
    now = now or timezone.now()
    expired = now - datetime.timedelta(seconds=settings.SPENDLANE_RECOMPUTE_LEASE_SECONDS)
    pending = AlertNotification.State.PENDING
    return list(
        AlertNotification.objects.filter(
            Q(state=pending, claimed_at__isnull=True, created_at__lt=expired)
            | Q(state=pending, claimed_at__lt=now - LOST_RETRY_AFTER)
            | Q(state=AlertNotification.State.SENDING, claimed_at__lt=expired)
        ).values_list("pk", flat=True)[:1000]
    )


def webhook_test_send(*, team: Team) -> WebhookResult:
    """One signed test POST to the team's webhook, logged like any delivery."""
    payload = {"event": "webhook.test", "team": team.slug, "sent_at": timezone.now().isoformat()}
    attempt = WebhookDelivery.objects.filter(team=team, event="webhook.test").count() + 1
    return webhook_post(team=team, event="webhook.test", payload=payload, attempt=attempt)
