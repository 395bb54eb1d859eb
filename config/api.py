"""API-wide error handling: domain refusals become clear 4xx answers, never a 500."""

import logging
import re
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import pagination, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty
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


# Ids are BigAutoField keys. A larger number is no row's, and never reaches the database
# (SQLite cannot bind an integer past 64 bits: a 500).
MAX_ID = 2**63 - 1


class IdConverter:
    """``<id:name>`` in a URL: a row id of at most 18 digits; a longer one matches no path (404)."""

    regex = "[0-9]{1,18}"  # its schema: SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"]

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class IdField(serializers.IntegerField):
    """A row id in a query or a body: a whole number from 1 to ``MAX_ID``."""

    def __init__(self, **kwargs) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row by id; an id out of ``IdField``'s range is no row's, without a query."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


PAGE_NUMBER = re.compile(r"[1-9][0-9]*")


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers, read exactly: ``page`` is a whole number from 1, else a 400 on
    ``page`` (DRF would read "" as the first page and "x" as a missing one); a page past the
    last one is a 404, as in DRF."""

    last_page_strings = ()

    def paginate_queryset(self, queryset, request, view=None):
        page = request.query_params.get(self.page_query_param)
        if page is not None and not PAGE_NUMBER.fullmatch(page):
            raise ValidationError({self.page_query_param: ["A page number: a whole number from 1."]})
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return parameters


class QuerySerializer(serializers.Serializer):
    """Query parameters, read as exactly as a body: an empty value is an invalid one, not an
    absent one (DRF reads an empty form value as absent); a repeated parameter counts once, last."""

    def __init__(self, instance=None, data=empty, **kwargs):
        if isinstance(data, QueryDict):
            data = data.dict()
        super().__init__(instance, data, **kwargs)


# --- Input read as exactly as the schema states it ----------------------------------------
#
# DRF coerces: "true" and 1 pass as booleans, "12" as an integer, 12 as a string or a decimal,
# " 1.5" and "1E2" as decimals. The schema says what each field takes; ``JsonTypesMixin``
# makes the API take exactly that, so a client that follows the schema is understood, and
# one that does not gets a 400 rather than a guess.


def decimal_pattern(
    *,
    max_digits: int | None,
    decimal_places: int | None,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    more_than_zero: bool = False,
    trailing_zeros: bool = False,
) -> str | None:
    """The decimal strings a field takes, as a regular expression (OpenAPI ``pattern``).

    ASCII digits, no sign unless negatives are allowed, no leading zeros, at most
    ``decimal_places`` places (and any trailing zeros after them with ``trailing_zeros``),
    no more whole digits than ``max_digits`` leaves, and at most ``max_value``:

    >>> import re
    >>> rate = decimal_pattern(max_digits=5, decimal_places=4, min_value=0, max_value=Decimal("0.95"))
    >>> print(rate)
    ^(0(\\.(9|95|950|9500|[0-8][0-9]{0,3}|9[0-4][0-9]{0,2}))?)$
    >>> [bool(re.fullmatch(rate, s)) for s in ["0", "0.25", "0.95", "0.950", "0.9501", "1", "-0.1", ".5"]]
    [True, True, True, True, False, False, False, False]
    """
    if max_digits is None or decimal_places is None:
        return None
    whole_digits = max_digits - decimal_places
    zeros = "0*" if trailing_zeros else ""

    def fraction(limit: str | None) -> str:
        """``.digits`` up to ``decimal_places``, at most ``.limit`` when given."""
        if decimal_places == 0:
            return "(\\.0+)?" if trailing_zeros else ""
        if limit is None:
            return f"(\\.[0-9]{{1,{decimal_places}}}{zeros})?"
        limit = limit.ljust(decimal_places, "0")
        options = [limit[:i] for i in range(1, decimal_places + 1)]
        for i, digit in enumerate(limit):
            if digit != "0":
                rest = decimal_places - i - 1
                options.append(f"{limit[:i]}[0-{int(digit) - 1}]" + (f"[0-9]{{0,{rest}}}" if rest else ""))
        return f"(\\.({'|'.join(options)}){zeros})?"

    def whole(count: int) -> str:
        """A whole number of at most ``count`` digits."""
        return f"(0|[1-9][0-9]{{0,{count - 1}}})" if count > 0 else "0"

    if more_than_zero:
        if max_value is not None or decimal_places == 0:
            raise ValueError("more_than_zero is for amounts without a maximum and with places")
        # A non-zero whole part, or zero and a non-zero digit among the places.
        small = "|".join(
            f"0{{{zeros_before}}}[1-9][0-9]{{0,{decimal_places - zeros_before - 1}}}"
            for zeros_before in range(decimal_places)
        )
        number = f"([1-9][0-9]{{0,{whole_digits - 1}}}{fraction(None)}|0\\.({small}){zeros})"
    elif max_value is None:
        number = whole(whole_digits) + fraction(None)
    else:
        whole_limit, _, fraction_limit = format(max_value, "f").partition(".")
        branches = [f"{whole_limit}{fraction(fraction_limit)}"]
        size = len(whole_limit)
        if size > 1:
            branches.append(whole(size - 1) + fraction(None))
        for i, digit in enumerate(whole_limit):
            lowest = 1 if i == 0 and size > 1 else 0
            if int(digit) > lowest:
                rest = size - i - 1
                branches.append(
                    f"{whole_limit[:i]}[{lowest}-{int(digit) - 1}]"
                    + (f"[0-9]{{{rest}}}" if rest else "")
                    + fraction(None)
                )
        number = f"({'|'.join(branches)})"
    sign = "-?" if not more_than_zero and (min_value is None or min_value < 0) else ""
    return f"^{sign}{number}$"


def decimal_field_pattern(field: serializers.DecimalField) -> str | None:
    """The pattern of a DRF decimal field's strings: as written out, and as taken in."""
    return decimal_pattern(
        max_digits=field.max_digits,
        decimal_places=field.decimal_places,
        min_value=field.min_value,
        max_value=field.max_value,
        more_than_zero=getattr(field, "more_than_zero", False),
        trailing_zeros=getattr(field, "trailing_zeros", False),
    )


CANONICAL_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")


def _in_json_type(field: serializers.Field, value) -> bool:
    if isinstance(field, serializers.BooleanField):
        return isinstance(value, bool)
    if isinstance(field, serializers.DecimalField):
        if not isinstance(value, str) or not CANONICAL_DECIMAL.fullmatch(value):
            return False
        return not (value.startswith("-") and field.min_value is not None and field.min_value >= 0)
    if isinstance(field, (serializers.IntegerField, serializers.PrimaryKeyRelatedField)):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(
        field,
        (serializers.CharField, serializers.ChoiceField, serializers.DateField, serializers.SlugRelatedField),
    ):
        return isinstance(value, str)
    return True


def _refusal(field: serializers.Field, value) -> str:
    messages = field.error_messages
    if isinstance(field, serializers.DecimalField) and isinstance(value, str) and value.startswith("-"):
        return messages["min_value"].format(min_value=field.min_value)  # "-0", which DRF takes
    if isinstance(field, serializers.ChoiceField):
        return messages["invalid_choice"].format(input=value)
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return messages["incorrect_type"].format(data_type=type(value).__name__)
    if isinstance(field, serializers.DateField):
        return "Date has wrong format: write it as YYYY-MM-DD."
    return messages.get("invalid", "Invalid value.")


def json_type_error(field: serializers.Field, value) -> str | dict | None:
    """Why ``value`` is refused although DRF would take it, or None.

    A value DRF refuses anyway is left to DRF (and its message); null is the field's to judge.
    """
    if value is None:
        return None
    if isinstance(field, serializers.ListField) and isinstance(value, list):
        errors = {str(i): [e] for i, item in enumerate(value) if (e := json_type_error(field.child, item))}
        return errors or None
    if isinstance(field, serializers.DictField) and isinstance(value, dict):
        errors = {key: [e] for key, item in value.items() if (e := json_type_error(field.child, item))}
        return errors or None
    if _in_json_type(field, value):
        return None
    try:
        field.run_validation(value)
    except (ValidationError, DjangoValidationError):
        return None
    return _refusal(field, value)


class JsonTypesMixin:
    """A serializer that takes each field in the JSON type its schema states, nothing coerced:
    a boolean as true or false, a whole number as a number, a string (dates, choices and
    decimals included) as a string, a decimal in plain digits ("0.25", not " .25" nor "2.5E-1");
    DRF's own checks then bound its digits, places and range, as its schema pattern says."""

    def input_errors(self, data: dict) -> dict:
        errors = {}
        for field in self._writable_fields:
            if field.field_name in data:
                error = json_type_error(field, data[field.field_name])
                if error:
                    errors[field.field_name] = error if isinstance(error, dict) else [error]
        return errors

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = self.input_errors(data)
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)


class StrictInputSerializer(JsonTypesMixin, serializers.Serializer):
    """Also refuses fields it does not take (read-only ones included), so a typo is a 400 rather
    than a silently ignored input; its request schema says ``additionalProperties: false``."""

    def input_errors(self, data: dict) -> dict:
        writable = {field.field_name for field in self._writable_fields}
        unknown = {name: ["Unknown field."] for name in sorted(set(data) - writable)}
        return {**unknown, **super().input_errors(data)}
