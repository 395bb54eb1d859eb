"""The catalog API: any signed-in user reads published versions; staff write drafts.

Each view validates its input, calls one service or selector, and serializes the
result. A draft is invisible to non-staff (404, never 403). A published version is
immutable: writes answer 409 (``PublishedVersionImmutable``, see ``config.api``).
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from catalog import selectors, services
from catalog.api.serializers import (
    CatalogVersionCreateSerializer,
    CatalogVersionDetailSerializer,
    CatalogVersionDiffQuerySerializer,
    CatalogVersionDiffSerializer,
    CatalogVersionFilterSerializer,
    CatalogVersionSerializer,
    CatalogVersionUpdateSerializer,
)
from catalog.models import CatalogVersion, PublishedVersionImmutable
from config.openapi import BAD_REQUEST, NOT_SIGNED_IN, error, page_not_found

TAGS = ["catalog"]

NOT_STAFF = error("Signed in, but not staff.")
NOT_FOUND = error("No such version, or a draft and the caller is not staff.")
PUBLISHED = error("The version is published and cannot change.")


class IsStaffForWrites(BasePermission):
    """Reads for any signed-in user; writes for staff only."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_staff)


class CatalogApiView(APIView):
    permission_classes = [IsAuthenticated, IsStaffForWrites]

    def get_version(self, version_id: int) -> CatalogVersion:
        version = selectors.catalog_version_get(version_id=version_id, user=self.request.user)
        if version is None:
            raise NotFound(f"No catalog version {version_id}.")
        return version

    def version_detail_response(self, version_id: int, *, status_code: int = status.HTTP_200_OK) -> Response:
        version = selectors.catalog_version_detail(version_id=version_id, user=self.request.user)
        if version is None:
            raise NotFound(f"No catalog version {version_id}.")
        return Response(CatalogVersionDetailSerializer(version).data, status=status_code)


class CatalogVersionListApi(CatalogApiView):
    pagination_class = api_settings.DEFAULT_PAGINATION_CLASS

    @extend_schema(
        operation_id="catalog_versions_list",
        tags=TAGS,
        summary="Catalog versions",
        description=(
            "Published versions, newest `effective_from` first; staff also see drafts. "
            "Cells are left out: read one version for them."
        ),
        parameters=[CatalogVersionFilterSerializer],
        responses={
            200: CatalogVersionSerializer(many=True),
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
            404: page_not_found(),
        },
    )
    def get(self, request: Request) -> Response:
        filters = CatalogVersionFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        versions = selectors.catalog_version_list(
            user=request.user, status=filters.validated_data.get("status")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(versions, request, view=self)
        return paginator.get_paginated_response(CatalogVersionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="catalog_versions_create",
        tags=TAGS,
        summary="Create a draft (staff)",
        description="A new draft, empty or a copy of every cell of `clone_from`.",
        request=CatalogVersionCreateSerializer,
        responses={
            201: CatalogVersionDetailSerializer,
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
            403: NOT_STAFF,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = CatalogVersionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = services.catalog_version_draft_create(created_by=request.user, **serializer.validated_data)
        return self.version_detail_response(draft.pk, status_code=status.HTTP_201_CREATED)


class CatalogVersionCurrentApi(CatalogApiView):
    @extend_schema(
        operation_id="catalog_versions_current",
        tags=TAGS,
        summary="The version in force today",
        description=(
            "The published version with the latest `effective_from` on or before today, with every cell."
        ),
        responses={200: CatalogVersionDetailSerializer, 401: NOT_SIGNED_IN, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        today = timezone.localdate()
        version = selectors.catalog_version_in_force(on=today)
        if version is None:
            raise NotFound(f"No catalog version is in force on {today.isoformat()}.")
        return self.version_detail_response(version.pk)


class CatalogVersionDetailApi(CatalogApiView):
    @extend_schema(
        operation_id="catalog_versions_retrieve",
        tags=TAGS,
        summary="One version with every cell",
        responses={200: CatalogVersionDetailSerializer, 401: NOT_SIGNED_IN, 404: NOT_FOUND},
    )
    def get(self, request: Request, version_id: int) -> Response:
        return self.version_detail_response(version_id)

    @extend_schema(
        operation_id="catalog_versions_partial_update",
        tags=TAGS,
        summary="Edit a draft (staff)",
        description=(
            "Sets the given fields and cells; cells not listed stay as they are. A null `price`, "
            "`per_million` or `discount` removes the cell; a null `supported` removes the tier's row."
        ),
        request=CatalogVersionUpdateSerializer,
        responses={
            200: CatalogVersionDetailSerializer,
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
            403: NOT_STAFF,
            404: NOT_FOUND,
            409: PUBLISHED,
        },
    )
    def patch(self, request: Request, version_id: int) -> Response:
        version = self.get_version(version_id)
        if version.is_published:
            raise PublishedVersionImmutable(version.pk)
        serializer = CatalogVersionUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            services.catalog_version_draft_update(
                version=version,
                label=data.get("label"),
                effective_from=data.get("effective_from"),
                source=data.get("source"),
                changes=serializer.cell_changes(),
            )
        except services.UnknownModel as exc:  # removed since validation
            raise ValidationError({"model": [str(exc)]}) from exc
        except CatalogVersion.DoesNotExist as exc:  # deleted since
            raise NotFound(f"No catalog version {version_id}.") from exc
        return self.version_detail_response(version.pk)

    @extend_schema(
        operation_id="catalog_versions_destroy",
        tags=TAGS,
        summary="Delete a draft (staff)",
        responses={204: None, 401: NOT_SIGNED_IN, 403: NOT_STAFF, 404: NOT_FOUND, 409: PUBLISHED},
    )
    def delete(self, request: Request, version_id: int) -> Response:
        version = self.get_version(version_id)
        try:
            services.catalog_version_draft_delete(version=version)
        except CatalogVersion.DoesNotExist as exc:
            raise NotFound(f"No catalog version {version_id}.") from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class CatalogVersionPublishApi(CatalogApiView):
    @extend_schema(
        operation_id="catalog_versions_publish",
        tags=TAGS,
        summary="Publish a draft (staff)",
        description=(
            "Publishes the draft, which can no longer change, and queues the recompute of "
            "every team's projections once committed. A draft without any per-image price is a 400."
        ),
        request=None,
        responses={
            200: CatalogVersionDetailSerializer,
            400: BAD_REQUEST,
            401: NOT_SIGNED_IN,
            403: NOT_STAFF,
            404: NOT_FOUND,
            409: PUBLISHED,
        },
    )
    def post(self, request: Request, version_id: int) -> Response:
        version = self.get_version(version_id)
        try:
            services.catalog_version_publish(version=version, published_by=request.user)
        except services.EmptyCatalogVersion as exc:
            raise ValidationError({"image_prices": [str(exc)]}) from exc
        except CatalogVersion.DoesNotExist as exc:
            raise NotFound(f"No catalog version {version_id}.") from exc
        return self.version_detail_response(version.pk)


class CatalogVersionDiffApi(CatalogApiView):
    @extend_schema(
        operation_id="catalog_versions_diff",
        tags=TAGS,
        summary="Cell-by-cell changes",
        description=(
            "The cells of this version that were added, removed or changed relative to `against`. "
            "Unchanged cells are not listed; a rate limit row counts as three cells "
            "(`supported`, `tpm`, `ipm`)."
        ),
        parameters=[CatalogVersionDiffQuerySerializer],
        responses={200: CatalogVersionDiffSerializer, 400: BAD_REQUEST, 401: NOT_SIGNED_IN, 404: NOT_FOUND},
    )
    def get(self, request: Request, version_id: int) -> Response:
        query = CatalogVersionDiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        version = self.get_version(version_id)
        against_id = query.validated_data.get("against")
        if against_id is not None:
            against = self.get_version(against_id)
        else:
            against = selectors.catalog_version_diff_base(
                version=version, user=request.user, on=timezone.localdate()
            )
            if against is None:
                raise ValidationError(
                    {
                        "against": [
                            f"Version {version.pk} was not cloned from another one and no other "
                            "version is in force today: say which version to compare with."
                        ]
                    }
                )
        diff = selectors.catalog_version_diff(version=version, against=against)
        return Response(CatalogVersionDiffSerializer(diff).data)
