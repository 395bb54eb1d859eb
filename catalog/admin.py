"""The catalog in the Django admin: staff edit drafts and their cells; published versions are read-only.

Publishing and cloning go through the services, as the API does.
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from catalog.models import (
    BatchDiscount,
    CatalogVersion,
    ImageModel,
    ImagePrice,
    Provider,
    PublishedVersionImmutable,
    RateLimit,
    TokenRate,
)
from catalog.services import EmptyCatalogVersion, catalog_version_draft_create, catalog_version_publish


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]


@admin.register(ImageModel)
class ImageModelAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "provider", "role", "lifecycle", "requires_org_verification"]
    list_filter = ["provider", "role", "lifecycle", "requires_org_verification"]
    list_select_related = ["provider"]
    search_fields = ["slug", "name"]


def _is_published(version: CatalogVersion | None) -> bool:
    return version is not None and version.is_published


class CatalogCellInline(admin.TabularInline):
    """Cells of a draft are edited in place; those of a published version are only shown."""

    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("model")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "model":
            kwargs["queryset"] = ImageModel.objects.order_by("slug")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj: CatalogVersion | None = None) -> bool:
        return not _is_published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: CatalogVersion | None = None) -> bool:
        return not _is_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: CatalogVersion | None = None) -> bool:
        return not _is_published(obj) and super().has_delete_permission(request, obj)


class ImagePriceInline(CatalogCellInline):
    model = ImagePrice
    fields = ["model", "quality", "size", "price"]


class TokenRateInline(CatalogCellInline):
    model = TokenRate
    fields = ["model", "kind", "per_million"]


class BatchDiscountInline(CatalogCellInline):
    model = BatchDiscount
    fields = ["model", "discount"]


class RateLimitInline(CatalogCellInline):
    model = RateLimit
    fields = ["model", "tier", "supported", "tpm", "ipm"]


@admin.register(CatalogVersion)
class CatalogVersionAdmin(admin.ModelAdmin):
    list_display = ["label", "effective_from", "status", "published_at", "published_by", "cloned_from"]
    list_filter = ["status"]
    list_select_related = ["published_by", "cloned_from"]
    search_fields = ["label", "source"]
    date_hierarchy = "effective_from"
    fields = [
        "label",
        "effective_from",
        "source",
        "status",
        "cloned_from",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
    ]
    readonly_fields = [
        "status",
        "cloned_from",
        "created_at",
        "created_by",
        "published_at",
        "published_by",
    ]
    inlines = [ImagePriceInline, TokenRateInline, BatchDiscountInline, RateLimitInline]
    actions = ["publish_drafts", "clone_into_draft"]

    def has_change_permission(self, request: HttpRequest, obj: CatalogVersion | None = None) -> bool:
        return not _is_published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: CatalogVersion | None = None) -> bool:
        return not _is_published(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: CatalogVersion, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Publish selected drafts", permissions=["change"])
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet) -> None:
        published = 0
        for version in queryset.order_by("effective_from", "pk"):
            try:
                catalog_version_publish(version=version, published_by=request.user)
            except (PublishedVersionImmutable, EmptyCatalogVersion) as exc:
                self.message_user(request, f"{version.label}: {exc}", messages.ERROR)
            else:
                published += 1
        if published:
            self.message_user(request, f"Published {published} version(s).", messages.SUCCESS)

    @admin.action(description="Clone into a new draft", permissions=["add"])
    def clone_into_draft(self, request: HttpRequest, queryset: QuerySet) -> None:
        drafts = [
            catalog_version_draft_create(created_by=request.user, clone_from=version)
            for version in queryset.order_by("effective_from", "pk")
        ]
        labels = ", ".join(draft.label for draft in drafts)
        self.message_user(request, f"Created {len(drafts)} draft(s): {labels}.", messages.SUCCESS)
