"""Project-level pages: health, readiness, and the user's account."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from budgets import selectors, services
from config import health

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database (and Redis, when configured) answer; 503 naming what failed."""
    return _health_response(*health.run_checks(health.LIVENESS_CHECKS))


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Like /healthz, and a Celery worker ran the heartbeat recently (when jobs use a broker)."""
    return _health_response(*health.run_checks(health.READINESS_CHECKS))


def _health_response(healthy: bool, checks: dict[str, str]) -> JsonResponse:
    if not healthy:
        logger.warning("health check failed: %s", checks)
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The user's account: their API token (create, revoke) and a link to change the password.

    A new token is shown in full once, in the answer to the POST that created it (not
    stored for a later page, not cached); afterwards only its first characters.
    """
    new_token = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create-token":
            token, created = services.api_token_create(user=request.user)
            if not created:
                messages.error(request, "You already have a token: revoke it first to create a new one.")
                return redirect("account")
            new_token = token.key
        elif action == "revoke-token":
            if services.api_token_revoke(user=request.user):
                messages.success(request, "Token revoked: requests that use it are refused from now on.")
            else:
                messages.info(request, "You had no token to revoke.")
            return redirect("account")
        else:
            return HttpResponseBadRequest("Unknown action.")
    return render(
        request,
        "account/account.html",
        {
            "token": selectors.api_token_preview(user=request.user),
            "new_token": new_token,
            "nav_section": "account",
        },
    )


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A path no view answers: JSON under /api/ (as every API error is), the HTML page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
