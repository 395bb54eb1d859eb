from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.costing import Workload
from config.openapi import BAD_REQUEST, NOT_SIGNED_IN
from routing.api.serializers import QuoteRequestSerializer, QuoteResponseSerializer
from routing.presenting import quote_as_dict
from routing.quoting import RoutingConstraints
from routing.selectors import catalog_quote, quote_catalog_version

WORKLOAD_FIELDS = tuple(Workload.__dataclass_fields__)


class QuoteView(APIView):
    """The cost of a workload on every model of a catalog version. Stateless: stores nothing."""

    @extend_schema(
        operation_id="quote_create",
        summary="Quote a workload on every model",
        request=QuoteRequestSerializer,
        responses={
            200: QuoteResponseSerializer,
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
        },
        examples=[
            OpenApiExample(
                "10,000 medium square images, a quarter rejected on mini",
                value={
                    "images_per_month": 10000,
                    "size": "1024x1024",
                    "quality": "medium",
                    "rejection_rates": {"gpt-image-1-mini": "0.25"},
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        params = QuoteRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data

        today = timezone.localdate()
        version = quote_catalog_version(
            catalog_version=data["catalog_version"],
            as_of=data["as_of"],
            today=today,
            include_drafts=request.user.is_staff,
        )
        if version is None:
            raise serializers.ValidationError(_no_version_error(data, today))

        priced = catalog_quote(
            version=version,
            workload=Workload(**{name: data[name] for name in WORKLOAD_FIELDS}),
            constraints=RoutingConstraints(
                tier=data["tier"],
                org_verified=data["org_verified"],
                peak_images_per_minute=data["peak_images_per_minute"],
            ),
            models=data["models"],
            rejection_rates=data["rejection_rates"],
            default_rejection_rate=data["rejection_rate"],
        )
        body = quote_as_dict(catalog_version=priced.catalog_version, quote=priced.quote)
        return Response(body, status=status.HTTP_200_OK)


def _no_version_error(data: dict, today) -> dict[str, list[str]]:
    if data["catalog_version"] is not None:
        return {"catalog_version": [f"No published catalog version has id {data['catalog_version']}."]}
    if data["as_of"] is not None:
        return {"as_of": [f"No catalog version was in force on {data['as_of'].isoformat()}."]}
    return {"catalog_version": [f"No catalog version is in force today ({today.isoformat()})."]}
