"""Project-level pages: health and readiness."""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
