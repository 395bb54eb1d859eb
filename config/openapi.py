"""The error answers of the API, as the OpenAPI schema declares them (drf-spectacular).

Every error body has one of two shapes:

- ``{"detail": "..."}`` (``Error``): not signed in (401), a role too low (403), nothing there
  for the caller (404), a published version (409), unsupported media type (415), a body that
  is not JSON (400), the database briefly unavailable (503, see ``config.api``);
- field errors (``ValidationError``, 400): ``{"field": ["message", ...]}``, nested like the
  input: an object's errors by field (``{"overrides": [{}, {"month": ["..."]}]}``, a list's
  by position), a dict's or a list field's by key (``{"thresholds": {"1": ["..."]}}``);
  errors of no single field under ``non_field_errors``.

``BAD_REQUEST`` is either shape; the other responses are ``Error``.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from config.api import decimal_field_pattern

SCHEMAS = "#/components/schemas/"


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence.")


FIELD_ERRORS = {
    "description": (
        "The errors of one field: its messages, the errors of each item of a list of objects "
        "(an empty object for a valid item), or the errors of a nested object by key."
    ),
    "oneOf": [
        {"type": "array", "items": {"type": "string"}},
        {"type": "array", "items": {"$ref": f"{SCHEMAS}ValidationError"}},
        {"$ref": f"{SCHEMAS}ValidationError"},
    ],
}
VALIDATION_ERROR = {
    "type": "object",
    "description": 'Invalid input, by field: {"field": ["message"]}.',
    "additionalProperties": {"$ref": f"{SCHEMAS}FieldErrors"},
    "example": {"images_per_month": ["Ensure this value is greater than or equal to 1."]},
}
BAD_REQUEST_BODY = {
    "description": "Field errors, or a detail when the body is not JSON at all.",
    "oneOf": [{"$ref": f"{SCHEMAS}Error"}, {"$ref": f"{SCHEMAS}ValidationError"}],
}

BAD_REQUEST = OpenApiResponse(
    {"$ref": f"{SCHEMAS}BadRequest"},
    description='Invalid input, in DRF\'s field-error shape: {"field": ["message"]}.',
)
NOT_SIGNED_IN = OpenApiResponse(ErrorSerializer, description="Not signed in.")
UNAVAILABLE = {
    "description": "The database is briefly unavailable; nothing was changed. Try again.",
    "headers": {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
    },
    "content": {"application/json": {"schema": {"$ref": f"{SCHEMAS}Error"}}},
}
UNSUPPORTED_MEDIA_TYPE = {
    "description": "The body is not `application/json`.",
    "content": {"application/json": {"schema": {"$ref": f"{SCHEMAS}Error"}}},
}


def error(description: str) -> OpenApiResponse:
    """A ``{"detail": "..."}`` answer."""
    return OpenApiResponse(ErrorSerializer, description=description)


def page_not_found(description: str = "") -> OpenApiResponse:
    """The 404 of a list: ``description``, or a ``page`` past the last one."""
    return error(
        " ".join(
            filter(
                None,
                [
                    description,
                    "Or a `page` past the last one." if description else "A `page` past the last one.",
                ],
            )
        )
    )


def postprocess_schema(result: dict, generator, request, public) -> dict:
    """Adds the error components, and the answers every API operation may give: 503 while the
    database is unavailable, and 415 for a body that is not JSON."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(FieldErrors=FIELD_ERRORS, ValidationError=VALIDATION_ERROR, BadRequest=BAD_REQUEST_BODY)
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for operation in operations.values():
            answers = operation["responses"]
            answers.setdefault("503", UNAVAILABLE)
            if "requestBody" in operation:
                answers.setdefault("415", UNSUPPORTED_MEDIA_TYPE)
                if _requires_fields(operation["requestBody"], schemas):
                    operation["requestBody"]["required"] = True
    return result


def _requires_fields(body: dict, schemas: dict) -> bool:
    """A body whose schema (or each of whose alternatives) has a required field cannot be left out."""

    def requires(schema: dict) -> bool:
        if "$ref" in schema:
            return requires(schemas[schema["$ref"].removeprefix(SCHEMAS)])
        if "oneOf" in schema:
            return all(requires(option) for option in schema["oneOf"])
        return bool(schema.get("required"))

    return any(requires(media["schema"]) for media in body.get("content", {}).values() if "schema" in media)


class DecimalFieldSchema(OpenApiSerializerFieldExtension):
    """A decimal's pattern says exactly which strings it takes and writes: its range and places
    included (``config.api.decimal_pattern``), where DRF's schema only bounds the digits."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        pattern = decimal_field_pattern(self.target)
        if pattern is not None:
            schema["pattern"] = pattern
        return schema


# DRF refuses NUL characters in every string, and a string of only whitespace where blank is
# not allowed (it trims first). ASCII classes, so every regex engine reads them alike.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\x00\t\n\v\f\r ][^\x00]*$"


class CharFieldSchema(OpenApiSerializerFieldExtension):
    """A string says that NUL is refused, and whitespace alone where a blank is."""

    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        # Email and URI formats leave out NUL and blanks already.
        plain_string = schema.get("type") == "string" and not {"pattern", "format"} & set(schema)
        if direction == "request" and plain_string:
            blank_refused = not self.target.allow_blank and self.target.trim_whitespace
            schema["pattern"] = NOT_BLANK if blank_refused else NO_NUL
        return schema


class ListFieldSchema(OpenApiSerializerFieldExtension):
    """A list that may not be empty says so (DRF's ``allow_empty=False``)."""

    target_class = "rest_framework.fields.ListField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if not self.target.allow_empty:
            schema["minItems"] = max(schema.get("minItems", 0), 1)
        return schema


class StrictInputSchema(OpenApiSerializerExtension):
    """A strict serializer refuses fields it does not take: no additional properties in requests."""

    target_class = "config.api.StrictInputSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema
