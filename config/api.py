"""API-wide error handling: domain refusals become clear 4xx answers, never a 500."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from catalog.models import PublishedVersionImmutable

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, PublishedVersionImmutable):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is unreachable or refused this transaction (a lock timeout, a
        # deadlock): nothing was written, and the same request may succeed again.
        logger.warning("database unavailable for %s: %s", context["request"].path, exc)
        return Response(
            {"detail": "The database is briefly unavailable; nothing was changed. Try again."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "2"},
        )
    return drf_exception_handler(exc, context)
