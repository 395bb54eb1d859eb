"""The price catalog: providers, image models and versioned price snapshots.

A cell the source does not list is an absent row, never a zero. A published
catalog version is immutable: every write path of its cells goes through
``CatalogCell`` guards (``save``/``delete`` and the queryset's ``update`` and
``delete``), and the version row itself refuses changes once published.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from catalog.constants import Lifecycle, Quality, Role, Size, Tier, TokenKind


class PublishedVersionImmutable(Exception):
    """Raised on any attempt to change a published catalog version."""

    def __init__(self, version_id: int | None = None) -> None:
        self.version_id = version_id
        super().__init__(
            f"Catalog version {version_id} is published and cannot change; create a new draft instead."
        )


# Model slugs are the provider's model names, dots included ("gpt-image-1.5").
MODEL_SLUG_PATTERN = r"^[-a-zA-Z0-9_.]+\Z"
MODEL_SLUG_SCHEMA_PATTERN = r"^[-a-zA-Z0-9_.]+$"  # the same, for the OpenAPI schema
MODEL_SLUG_MESSAGE = "Enter a model slug: letters, numbers, hyphens, underscores or dots."
validate_model_slug = RegexValidator(MODEL_SLUG_PATTERN, MODEL_SLUG_MESSAGE)


class Provider(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class ImageModel(models.Model):
    slug = models.CharField(max_length=100, unique=True, validators=[validate_model_slug])
    name = models.CharField(max_length=100)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="image_models")
    role = models.CharField(max_length=20, choices=Role.choices)
    lifecycle = models.CharField(max_length=20, choices=Lifecycle.choices, default=Lifecycle.CURRENT)
    requires_org_verification = models.BooleanField(
        default=False, help_text="The provider serves this model only to verified organizations."
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class CatalogVersionQuerySet(models.QuerySet):
    """Bulk writes refuse to touch a published version (publishing itself updates drafts only)."""

    def published(self) -> "CatalogVersionQuerySet":
        return self.filter(status=CatalogVersion.Status.PUBLISHED)

    def drafts(self) -> "CatalogVersionQuerySet":
        return self.filter(status=CatalogVersion.Status.DRAFT)

    def _refuse_published(self) -> None:
        version_id = self.published().values_list("pk", flat=True).first()
        if version_id is not None:
            raise PublishedVersionImmutable(version_id)

    def update(self, **kwargs) -> int:
        self._refuse_published()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_published()
        return super().delete()


class CatalogVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    label = models.CharField(max_length=200)
    source = models.TextField(blank=True, help_text="Where these prices come from.")
    effective_from = models.DateField(help_text="The first day these prices are in force.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="clones"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = CatalogVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from", "-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="catalog_version_published_has_timestamp",
                condition=Q(status="draft", published_at__isnull=True)
                | Q(status="published", published_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display().lower()}, from {self.effective_from})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and _version_is_published(self.pk):
            raise PublishedVersionImmutable(self.pk)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk is not None and _version_is_published(self.pk):
            raise PublishedVersionImmutable(self.pk)
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


def _version_is_published(version_id: int) -> bool:
    return CatalogVersion.objects.filter(pk=version_id, status=CatalogVersion.Status.PUBLISHED).exists()


class CatalogCellQuerySet(models.QuerySet):
    """Bulk writes refuse to touch (or add) the cells of a published version."""

    def _refuse_published(self) -> None:
        published = self.filter(version__status=CatalogVersion.Status.PUBLISHED)
        version_id = published.values_list("version_id", flat=True).first()
        if version_id is not None:
            raise PublishedVersionImmutable(version_id)

    def update(self, **kwargs) -> int:
        self._refuse_published()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_published()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        version_ids = {obj.version_id for obj in objs}
        published = CatalogVersion.objects.published().filter(pk__in=version_ids)
        version_id = published.values_list("pk", flat=True).first()
        if version_id is not None:
            raise PublishedVersionImmutable(version_id)
        return super().bulk_create(objs, *args, **kwargs)


class CatalogCell(models.Model):
    """One listed value of a catalog version, for one model."""

    version = models.ForeignKey(CatalogVersion, on_delete=models.CASCADE, related_name="%(class)ss")
    model = models.ForeignKey(ImageModel, on_delete=models.PROTECT, related_name="+")

    objects = CatalogCellQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if _version_is_published(self.version_id):
            raise PublishedVersionImmutable(self.version_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _version_is_published(self.version_id):
            raise PublishedVersionImmutable(self.version_id)
        return super().delete(*args, **kwargs)


class ImagePrice(CatalogCell):
    """USD per output image, by quality and size."""

    quality = models.CharField(max_length=10, choices=Quality.choices)
    size = models.CharField(max_length=10, choices=Size.choices)
    price = models.DecimalField(max_digits=12, decimal_places=6)

    class Meta:
        ordering = ["model__slug", "quality", "size"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "model", "quality", "size"], name="image_price_unique_cell"
            ),
            models.CheckConstraint(name="image_price_non_negative", condition=Q(price__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.quality} {self.size}: {self.price}"


class TokenRate(CatalogCell):
    """USD per 1M tokens of one kind."""

    kind = models.CharField(max_length=30, choices=TokenKind.choices)
    per_million = models.DecimalField(max_digits=12, decimal_places=6)

    class Meta:
        ordering = ["model__slug", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["version", "model", "kind"], name="token_rate_unique_cell"),
            models.CheckConstraint(name="token_rate_non_negative", condition=Q(per_million__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.kind}: {self.per_million}/1M"


class BatchDiscount(CatalogCell):
    """Share taken off inputs and outputs on the Batch API (0.5 is half price)."""

    discount = models.DecimalField(max_digits=5, decimal_places=4)

    class Meta:
        ordering = ["model__slug"]
        constraints = [
            models.UniqueConstraint(fields=["version", "model"], name="batch_discount_unique_cell"),
            models.CheckConstraint(
                name="batch_discount_is_a_share", condition=Q(discount__gte=0, discount__lte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} batch: {self.discount}"


class RateLimit(CatalogCell):
    """Whether a usage tier may use the model, and its limits there (null: not listed)."""

    tier = models.CharField(max_length=10, choices=Tier.choices)
    supported = models.BooleanField()
    tpm = models.PositiveBigIntegerField(null=True, blank=True, help_text="Tokens per minute.")
    ipm = models.PositiveIntegerField(null=True, blank=True, help_text="Images per minute.")

    class Meta:
        ordering = ["model__slug", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["version", "model", "tier"], name="rate_limit_unique_cell"),
            models.CheckConstraint(
                name="rate_limit_non_negative",
                condition=(Q(tpm__isnull=True) | Q(tpm__gte=0)) & (Q(ipm__isnull=True) | Q(ipm__gte=0)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.tier}: supported={self.supported} tpm={self.tpm} ipm={self.ipm}"
