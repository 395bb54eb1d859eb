"""The catalog API's shapes (api.md, "Resources"), and the catalog file's.

Input cells are validated here, once, for the API's PATCH and for
``load_catalog``: unknown models and identifiers, negative or absurd values, more
decimal places than stored (never rounded), duplicates in one request.
"""

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from catalog import selectors
from catalog.constants import Lifecycle, Quality, Role, Size, Tier, TokenKind
from catalog.models import (
    MODEL_SLUG_MESSAGE,
    MODEL_SLUG_PATTERN,
    BatchDiscount,
    CatalogVersion,
    ImageModel,
    ImagePrice,
    RateLimit,
    TokenRate,
)
from catalog.services import CATALOG_FILE_FORMAT, CELL_PRESENCE_FIELDS, CellChanges
from config.api import IdField, IdRelatedField, JsonTypesMixin, QuerySerializer

# The largest values the columns hold (PositiveBigIntegerField, PositiveIntegerField).
MAX_TPM = 9_223_372_036_854_775_807
MAX_IPM = 2_147_483_647
# A request listing more cells than this in one section is a mistake, not a catalog.
MAX_CELLS_PER_SECTION = 10_000

# Model slugs are the provider's names, dots included ("gpt-image-1.5"): Django's slug plus ".".

# The fields that identify a cell of each section (a request may set a cell only once).
CELL_KEYS: dict[str, tuple[str, ...]] = {
    "image_prices": ("model", "quality", "size"),
    "token_rates": ("model", "kind"),
    "batch_discounts": ("model",),
    "rate_limits": ("model", "tier"),
}


def decimal_string(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent, exactly: 0.011000 -> "0.011", 1E+2 -> "100"."""
    return format(_without_trailing_zeros(value), "f")


def _without_trailing_zeros(value: Decimal) -> Decimal:
    # Decimal.normalize() would round to the context's precision; this never rounds.
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # NaN or infinity
        return value
    if not any(digits):
        return Decimal(0)
    while exponent < 0 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return Decimal((sign, digits, exponent))


class CatalogDecimalField(serializers.DecimalField):
    """A decimal as a JSON string.

    Input is exact: trailing zeros are fine ("0.5000" is 0.5), more significant
    decimal places than the column stores is an error, never a rounding; "" is
    not a null. Output has no trailing zeros ("0.011", not "0.011000").
    """

    trailing_zeros = True

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        return serializers.Field.validate_empty_values(self, data)

    def validate_precision(self, value: Decimal) -> Decimal:
        return super().validate_precision(_without_trailing_zeros(value))

    def to_representation(self, value: Any) -> str:
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        return decimal_string(value)


def price_field(**kwargs: Any) -> CatalogDecimalField:
    """USD, as ``ImagePrice.price`` and ``TokenRate.per_million`` store it."""
    return CatalogDecimalField(max_digits=12, decimal_places=6, min_value=Decimal(0), **kwargs)


def discount_field(**kwargs: Any) -> CatalogDecimalField:
    """A share in [0, 1], as ``BatchDiscount.discount`` stores it."""
    return CatalogDecimalField(
        max_digits=5, decimal_places=4, min_value=Decimal(0), max_value=Decimal(1), **kwargs
    )


# --- Cells, as written (PATCH, catalog files) -------------------------------------------


class ModelSlugField(serializers.CharField):
    """An image model's slug: one in the database, or one the request itself defines."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("help_text", "An image model's slug.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        slug = super().to_internal_value(data)
        if slug not in self.root.known_model_slugs():
            raise serializers.ValidationError(f"Unknown model {slug!r}.")
        return slug


class ImagePriceInputSerializer(serializers.Serializer):
    model = ModelSlugField()
    quality = serializers.ChoiceField(choices=Quality.choices)
    size = serializers.ChoiceField(choices=Size.choices)
    price = price_field(allow_null=True, help_text="USD per image; null removes the cell.")


class TokenRateInputSerializer(serializers.Serializer):
    model = ModelSlugField()
    kind = serializers.ChoiceField(choices=TokenKind.choices)
    per_million = price_field(allow_null=True, help_text="USD per 1M tokens; null removes the cell.")


class BatchDiscountInputSerializer(serializers.Serializer):
    model = ModelSlugField()
    discount = discount_field(
        allow_null=True, help_text="Share taken off on the Batch API, in [0, 1]; null removes the cell."
    )


class RateLimitInputSerializer(serializers.Serializer):
    model = ModelSlugField()
    tier = serializers.ChoiceField(choices=Tier.choices)
    supported = serializers.BooleanField(
        allow_null=True, help_text="Whether the tier may use the model; null removes the tier's row."
    )
    tpm = serializers.IntegerField(
        min_value=0, max_value=MAX_TPM, allow_null=True, default=None, help_text="Tokens per minute."
    )
    ipm = serializers.IntegerField(
        min_value=0, max_value=MAX_IPM, allow_null=True, default=None, help_text="Images per minute."
    )

    def validate(self, attrs: dict) -> dict:
        if attrs["supported"] is None:
            for field in ("tpm", "ipm"):
                if attrs.get(field) is not None:
                    raise serializers.ValidationError(
                        {field: ["Must be null when supported is null (the row is removed)."]}
                    )
        return attrs


class CatalogCellsSerializer(serializers.Serializer):
    """The four cell lists of a catalog version, as written.

    Each slug must name a known model; a cell may appear once per request.
    """

    image_prices = ImagePriceInputSerializer(many=True, required=False, max_length=MAX_CELLS_PER_SECTION)
    token_rates = TokenRateInputSerializer(many=True, required=False, max_length=MAX_CELLS_PER_SECTION)
    batch_discounts = BatchDiscountInputSerializer(
        many=True, required=False, max_length=MAX_CELLS_PER_SECTION
    )
    rate_limits = RateLimitInputSerializer(many=True, required=False, max_length=MAX_CELLS_PER_SECTION)

    def known_model_slugs(self) -> set[str]:
        if not hasattr(self, "_known_model_slugs"):
            self._known_model_slugs = selectors.image_model_slugs()
        return self._known_model_slugs

    def validate(self, attrs: dict) -> dict:
        row_errors = self.row_errors(attrs)
        if row_errors:
            raise serializers.ValidationError(
                {section: _list_errors(errors, len(attrs[section])) for section, errors in row_errors.items()}
            )
        return attrs

    def row_errors(self, attrs: dict) -> dict[str, dict[int, dict]]:
        """Errors of whole rows, by section and row index: here, cells set twice."""
        errors: dict[str, dict[int, dict]] = {}
        for section, key_fields in CELL_KEYS.items():
            section_errors = _duplicate_row_errors(attrs.get(section, []), key_fields, "cell")
            if section_errors:
                errors[section] = section_errors
        return errors

    def cell_changes(self) -> CellChanges:
        return CellChanges(**{section: tuple(self.validated_data.get(section, ())) for section in CELL_KEYS})


def _duplicate_row_errors(rows: list[dict], key_fields: tuple[str, ...], noun: str) -> dict[int, dict]:
    """An error for each row whose key an earlier row already had, by row index."""
    seen: set[tuple] = set()
    errors: dict[int, dict] = {}
    for index, row in enumerate(rows):
        key = tuple(row[field] for field in key_fields)
        if key in seen:
            errors[index] = {
                api_settings.NON_FIELD_ERRORS_KEY: [f"Duplicate {noun} {' '.join(key)}: list it once."]
            }
        seen.add(key)
    return errors


def _list_errors(errors: dict[int, dict], length: int) -> dict | list:
    """Errors of some rows of a list, in the shape DRF gives them (by index, or a full list)."""
    if api_settings.LIST_SERIALIZER_ERRORS_AS_DICT:
        return errors
    return [errors.get(index, {}) for index in range(length)]


class CatalogVersionUpdateSerializer(JsonTypesMixin, CatalogCellsSerializer):
    """PATCH of a draft: its fields, and the cells to set (a null value removes a cell).

    The cells are read as leniently as the catalog pages' forms and catalog files have them
    (``CatalogCellsSerializer``): a decimal may come as a JSON number or in any spelling
    Python's ``Decimal`` reads ("1e2"); the schema shows the canonical decimal string.
    """

    label = serializers.CharField(max_length=200, required=False)
    effective_from = serializers.DateField(required=False)
    source = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class CatalogVersionCreateSerializer(JsonTypesMixin, serializers.Serializer):
    clone_from = IdRelatedField(
        queryset=CatalogVersion.objects.all(),
        required=False,
        allow_null=True,
        help_text="A version to copy every cell from.",
    )
    label = serializers.CharField(max_length=200, required=False)
    effective_from = serializers.DateField(required=False, help_text="Default: today.")
    source = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class CatalogVersionFilterSerializer(QuerySerializer):
    status = serializers.ChoiceField(
        choices=CatalogVersion.Status.choices, required=False, help_text="Drafts are listed to staff only."
    )


class CatalogVersionDiffQuerySerializer(QuerySerializer):
    against = IdField(
        required=False,
        help_text=(
            "The version to compare with. Default: the version this one was cloned from, "
            "else the version in force today."
        ),
    )


# --- Catalog files (load_catalog) -------------------------------------------------------


class ProviderFileSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=50)
    name = serializers.CharField(max_length=100)


class ImageModelFileSerializer(serializers.Serializer):
    slug = serializers.RegexField(
        MODEL_SLUG_PATTERN, max_length=100, error_messages={"invalid": MODEL_SLUG_MESSAGE}
    )
    name = serializers.CharField(max_length=100)
    provider = serializers.SlugField(max_length=50)
    role = serializers.ChoiceField(choices=Role.choices)
    lifecycle = serializers.ChoiceField(choices=Lifecycle.choices, default=Lifecycle.CURRENT)
    requires_org_verification = serializers.BooleanField(default=False)

    def validate_provider(self, value: str) -> str:
        if value not in self.root.known_provider_slugs():
            raise serializers.ValidationError(f"Unknown provider {value!r}.")
        return value


class CatalogFileSerializer(CatalogCellsSerializer):
    """A catalog file (``catalog_file_export``'s shape), checked before ``catalog_file_import``.

    Its models and providers count as known, besides those in the database.
    """

    format = serializers.ChoiceField(choices=[CATALOG_FILE_FORMAT])
    label = serializers.CharField(max_length=200)
    effective_from = serializers.DateField()
    source = serializers.CharField(max_length=10_000, required=False, allow_blank=True, default="")
    providers = ProviderFileSerializer(many=True, required=False, default=list)
    models = ImageModelFileSerializer(many=True, required=False, default=list)

    def _listed_slugs(self, section: str) -> set[str]:
        rows = self.initial_data.get(section) if isinstance(self.initial_data, dict) else None
        if not isinstance(rows, list):
            return set()
        return {row["slug"] for row in rows if isinstance(row, dict) and isinstance(row.get("slug"), str)}

    def known_model_slugs(self) -> set[str]:
        if not hasattr(self, "_known_model_slugs"):
            self._known_model_slugs = selectors.image_model_slugs() | self._listed_slugs("models")
        return self._known_model_slugs

    def known_provider_slugs(self) -> set[str]:
        if not hasattr(self, "_known_provider_slugs"):
            self._known_provider_slugs = selectors.provider_slugs() | self._listed_slugs("providers")
        return self._known_provider_slugs

    def row_errors(self, attrs: dict) -> dict[str, dict[int, dict]]:
        """Besides cells set twice: providers and models listed twice, and null cells."""
        errors = super().row_errors(attrs)
        for section in ("providers", "models"):
            section_errors = _duplicate_row_errors(attrs.get(section, []), ("slug",), "slug")
            if section_errors:
                errors[section] = section_errors
        for section, field in CELL_PRESENCE_FIELDS.items():
            # A null removes a cell in a PATCH; a file simply leaves absent cells out.
            for index, row in enumerate(attrs.get(section, [])):
                if row[field] is None:
                    errors.setdefault(section, {}).setdefault(index, {})[field] = [
                        "A catalog file leaves absent cells out instead of listing them as null."
                    ]
        return errors


# --- Output ------------------------------------------------------------------------------


class CatalogVersionSerializer(serializers.ModelSerializer):
    published_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who published it (username); null for a draft, or when loaded from a file.",
    )

    class Meta:
        model = CatalogVersion
        fields = [
            "id",
            "label",
            "source",
            "effective_from",
            "status",
            "cloned_from",
            "created_at",
            "published_at",
            "published_by",
        ]
        read_only_fields = fields


class ImageModelSerializer(serializers.ModelSerializer):
    provider = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ImageModel
        fields = ["slug", "name", "provider", "role", "lifecycle", "requires_org_verification"]
        read_only_fields = fields


class _CellOutputSerializer(serializers.ModelSerializer):
    model = serializers.SlugRelatedField(slug_field="slug", read_only=True)


class ImagePriceSerializer(_CellOutputSerializer):
    price = price_field(read_only=True)

    class Meta:
        model = ImagePrice
        fields = ["model", "quality", "size", "price"]
        read_only_fields = fields


class TokenRateSerializer(_CellOutputSerializer):
    per_million = price_field(read_only=True)

    class Meta:
        model = TokenRate
        fields = ["model", "kind", "per_million"]
        read_only_fields = fields


class BatchDiscountSerializer(_CellOutputSerializer):
    discount = discount_field(read_only=True)

    class Meta:
        model = BatchDiscount
        fields = ["model", "discount"]
        read_only_fields = fields


class RateLimitSerializer(_CellOutputSerializer):
    class Meta:
        model = RateLimit
        fields = ["model", "tier", "supported", "tpm", "ipm"]
        read_only_fields = fields


class CatalogVersionDetailSerializer(CatalogVersionSerializer):
    """A version with every cell; its instance comes from ``selectors.catalog_version_detail``."""

    models = serializers.SerializerMethodField(help_text="The models the version lists, by slug.")
    image_prices = ImagePriceSerializer(
        many=True, read_only=True, source=selectors.CELL_ATTRIBUTES["image_prices"]
    )
    token_rates = TokenRateSerializer(
        many=True, read_only=True, source=selectors.CELL_ATTRIBUTES["token_rates"]
    )
    batch_discounts = BatchDiscountSerializer(
        many=True, read_only=True, source=selectors.CELL_ATTRIBUTES["batch_discounts"]
    )
    rate_limits = RateLimitSerializer(
        many=True, read_only=True, source=selectors.CELL_ATTRIBUTES["rate_limits"]
    )

    class Meta(CatalogVersionSerializer.Meta):
        fields = [
            *CatalogVersionSerializer.Meta.fields,
            "models",
            "image_prices",
            "token_rates",
            "batch_discounts",
            "rate_limits",
        ]
        read_only_fields = fields

    @extend_schema_field(ImageModelSerializer(many=True))
    def get_models(self, version: CatalogVersion) -> list[dict]:
        image_models = {
            cell.model.slug: cell.model
            for attribute in selectors.CELL_ATTRIBUTES.values()
            for cell in getattr(version, attribute)
        }
        return ImageModelSerializer([image_models[slug] for slug in sorted(image_models)], many=True).data


@extend_schema_field(OpenApiTypes.STR)
class CellValueField(serializers.Field):
    """A cell's value as a string: decimals without trailing zeros, booleans as true/false."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return decimal_string(value)
        return str(value)


class CellChangeSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=list(CELL_KEYS))
    model = serializers.CharField()
    cell = serializers.DictField(
        child=serializers.CharField(),
        help_text=(
            'Which cell of the model: {"quality", "size"}, {"kind"}, {} for the batch discount, '
            'or {"tier", "field"} with field "supported", "tpm" or "ipm".'
        ),
    )
    change = serializers.ChoiceField(choices=["added", "removed", "changed"])
    old = CellValueField(help_text="The value in `against`; null when absent there.")
    new = CellValueField(help_text="The value in `version`; null when absent there.")
    percent_change = serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        allow_null=True,
        help_text="(new - old) / old * 100, to 2 places; null unless both are numbers and old is not 0.",
    )


class DiffSummarySerializer(serializers.Serializer):
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    changed = serializers.IntegerField()


class CatalogVersionDiffSerializer(serializers.Serializer):
    version = CatalogVersionSerializer()
    against = CatalogVersionSerializer()
    changes = CellChangeSerializer(many=True)
    summary = DiffSummarySerializer()
