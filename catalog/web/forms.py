"""The forms of the catalog pages: a draft's fields, its cells as a grid of inputs, the diff's choice.

The grid has one input per cell a draft may list: a price per quality and size, a
rate per token kind, the batch discount, and per tier whether it is supported, its
TPM and IPM. An empty input means the cell is not listed. Only the cells whose
input differs from the value the page was rendered with (posted back as a hidden
``initial:`` input) are saved, so a save never undoes someone else's edit of
another cell. They are validated by the API's own serializer
(``CatalogCellsSerializer``), so a page and the API accept exactly the same values.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from rest_framework.exceptions import ErrorDetail

from catalog.api.serializers import CatalogCellsSerializer, decimal_string
from catalog.constants import Lifecycle, Quality, Size, Tier, TokenKind
from catalog.models import CatalogVersion, ImageModel
from catalog.selectors import CELL_SECTIONS
from catalog.services import CellChanges
from catalog.web.display import model_order

INITIAL_PREFIX = "initial:"
# The select of a rate limit's ``supported``: "" is "not listed" (the tier's row is removed).
SUPPORTED_CHOICES = [("", "not listed"), ("yes", "yes"), ("no", "no")]
_SUPPORTED_VALUES = {"": None, "yes": "true", "no": "false"}


class VersionFieldsForm(forms.Form):
    """A draft's label, first day in force and source; the same limits as the API's."""

    label = forms.CharField(max_length=200, show_hidden_initial=True)
    effective_from = forms.DateField(
        label="Effective from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The first day these prices are in force (YYYY-MM-DD).",
        show_hidden_initial=True,
    )
    source = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where these prices come from: a price page, an announcement, a date.",
        show_hidden_initial=True,
    )

    def __init__(self, *args, version: CatalogVersion, **kwargs) -> None:
        kwargs.setdefault(
            "initial",
            {"label": version.label, "effective_from": version.effective_from, "source": version.source},
        )
        super().__init__(*args, **kwargs)

    def full_clean(self) -> None:
        super().full_clean()
        # Screen readers read a field's errors with it (catalog/_field.html gives them these ids).
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                described_by = [f"{bound.auto_id}_error"]
                if self.fields[name].help_text:
                    described_by.append(f"{bound.auto_id}_helptext")
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(described_by)

    def changed_values(self) -> dict:
        """The fields the user changed, for ``catalog_version_draft_update`` (others stay ``None``)."""
        return {name: self.cleaned_data[name] for name in self.changed_data}


class DiffAgainstForm(forms.Form):
    against = forms.TypedChoiceField(
        label="Compare with",
        coerce=int,
        error_messages={"invalid_choice": "Choose one of the listed versions."},
    )

    def __init__(self, *args, versions: Iterable[CatalogVersion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["against"].choices = [(version.pk, _version_choice(version)) for version in versions]


def _version_choice(version: CatalogVersion) -> str:
    return f"{version.label} ({version.get_status_display().lower()}, from {version.effective_from})"


def editable_image_models(*, listed_slugs: Iterable[str]) -> list[ImageModel]:
    """The models a draft's grid offers: those it lists, and every model not retired."""
    image_models = ImageModel.objects.filter(Q(slug__in=list(listed_slugs)) | ~Q(lifecycle=Lifecycle.RETIRED))
    return sorted(image_models, key=model_order)


@dataclass
class CellInput:
    """One input of the grid."""

    name: str
    field: str  # the serializer's field: price, per_million, discount, supported, tpm or ipm
    kind: str  # "decimal", "integer" or "supported" (a select)
    label: str
    html_id: str
    initial: str
    value: str
    errors: list[str] = field(default_factory=list)

    @property
    def initial_name(self) -> str:
        return INITIAL_PREFIX + self.name

    @property
    def error_id(self) -> str:
        return f"{self.html_id}-error"

    @property
    def changed(self) -> bool:
        return not _same_value(self.value, self.initial)

    def raw(self) -> str | None:
        """The value as the API would receive it (an empty input is a null: not listed)."""
        value = self.value.strip()
        if self.kind == "supported":
            return _SUPPORTED_VALUES.get(value, value)
        return value or None


@dataclass
class CellUnit:
    """What one row of the API's cell lists sets: one input, or a tier's three."""

    key: str
    section: str
    row: dict[str, str]  # the model's slug and the cell's key fields
    inputs: list[CellInput]
    label: str

    @property
    def changed(self) -> bool:
        return any(cell_input.changed for cell_input in self.inputs)

    @property
    def errors(self) -> list[str]:
        return [error for cell_input in self.inputs for error in cell_input.errors]

    @property
    def hx_vals(self) -> str:
        return json.dumps({"unit": self.key})

    def payload(self) -> dict:
        return {**self.row, **{cell_input.field: cell_input.raw() for cell_input in self.inputs}}

    def __getitem__(self, field_name: str) -> CellInput:
        """``unit.tpm`` in a template: the input of that field."""
        for cell_input in self.inputs:
            if cell_input.field == field_name:
                return cell_input
        raise KeyError(field_name)


@dataclass
class ModelGrid:
    image_model: ImageModel
    price_rows: list[tuple[str, list[CellUnit]]]
    token_rates: list[tuple[str, CellUnit]]
    batch_discount: CellUnit
    rate_limits: list[tuple[str, CellUnit]]


class CellGrid:
    """Every cell a draft may list for ``image_models``, as inputs.

    ``cells`` is ``selectors.catalog_version_cells``'s answer (the stored values);
    ``data`` a POST, whose values (and hidden initial values) the inputs then hold.
    """

    def __init__(
        self,
        *,
        image_models: list[ImageModel],
        cells: Mapping[str, list[dict]],
        data: Mapping[str, str] | None = None,
    ) -> None:
        self._data = data
        self._stored = {
            section: {_row_key(section, row): row for row in cells.get(section, [])}
            for section in CELL_SECTIONS
        }
        self._ids = 0
        self.errors: list[str] = []
        self.units: dict[str, CellUnit] = {}
        self.models = [self._model_grid(image_model) for image_model in image_models]

    # --- building ---

    def _model_grid(self, image_model: ImageModel) -> ModelGrid:
        slug = image_model.slug
        price_rows = [
            (
                quality_label,
                [
                    self._unit(
                        "image_prices",
                        {"model": slug, "quality": quality, "size": size},
                        f"{slug} {quality} {size}",
                        [("price", "decimal", "price (USD per image)")],
                    )
                    for size in Size.values
                ],
            )
            for quality, quality_label in Quality.choices
        ]
        token_rates = [
            (
                kind_label,
                self._unit(
                    "token_rates",
                    {"model": slug, "kind": kind},
                    f"{slug} {kind}",
                    [("per_million", "decimal", "(USD per 1M tokens)")],
                ),
            )
            for kind, kind_label in TokenKind.choices
        ]
        batch_discount = self._unit(
            "batch_discounts",
            {"model": slug},
            f"{slug} batch discount",
            [("discount", "decimal", "(share, 0 to 1)")],
        )
        rate_limits = [
            (
                tier_label,
                self._unit(
                    "rate_limits",
                    {"model": slug, "tier": tier},
                    f"{slug} {tier}",
                    [
                        ("supported", "supported", "supported"),
                        ("tpm", "integer", "TPM"),
                        ("ipm", "integer", "IPM"),
                    ],
                ),
            )
            for tier, tier_label in Tier.choices
        ]
        return ModelGrid(
            image_model=image_model,
            price_rows=price_rows,
            token_rates=token_rates,
            batch_discount=batch_discount,
            rate_limits=rate_limits,
        )

    def _unit(self, section: str, row: dict, label: str, fields: list[tuple[str, str, str]]) -> CellUnit:
        key = ":".join([section, *row.values()])
        stored = self._stored[section].get(_row_key(section, row))
        inputs = []
        for field_name, kind, field_label in fields:
            self._ids += 1
            name = key if len(fields) == 1 else f"{key}:{field_name}"
            initial = _as_text(stored.get(field_name) if stored else None)
            if self._data is not None:
                value = self._data.get(name, "")
                initial = self._data.get(INITIAL_PREFIX + name, initial)
            else:
                value = initial
            inputs.append(
                CellInput(
                    name=name,
                    field=field_name,
                    kind=kind,
                    label=f"{label} {field_label}",
                    html_id=f"cell-{self._ids}",
                    initial=initial,
                    value=value,
                )
            )
        unit = CellUnit(key=key, section=section, row=row, inputs=inputs, label=label)
        self.units[key] = unit
        return unit

    # --- validating ---

    def changed_units(self) -> list[CellUnit]:
        return [unit for unit in self.units.values() if unit.changed]

    def validate(self, units: list[CellUnit]) -> CellChanges | None:
        """The changes ``units`` make, validated as the API validates them; ``None`` on errors,
        which are then on the inputs (and, when they are about no input, on ``errors``)."""
        by_section: dict[str, list[CellUnit]] = {}
        for unit in units:
            by_section.setdefault(unit.section, []).append(unit)
        serializer = CatalogCellsSerializer(
            data={section: [unit.payload() for unit in rows] for section, rows in by_section.items()}
        )
        if serializer.is_valid():
            return serializer.cell_changes()
        for section, section_errors in serializer.errors.items():
            rows = by_section.get(section)
            if rows is None or not isinstance(section_errors, (list, dict)) or _is_messages(section_errors):
                self.errors.extend(_messages(section_errors))
                continue
            if isinstance(section_errors, dict):
                indexed = section_errors.items()
            else:
                indexed = enumerate(section_errors)
            for index, row_errors in indexed:
                if row_errors:
                    self._attach(rows[int(index)], row_errors)
        return None

    def _attach(self, unit: CellUnit, row_errors: dict) -> None:
        fields = {cell_input.field: cell_input for cell_input in unit.inputs}
        for field_name, messages in row_errors.items():
            cell_input = fields.get(field_name, unit.inputs[0])
            cell_input.errors.extend(_messages(messages))

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(unit.errors for unit in self.units.values())

    def inputs_with_errors(self) -> list[CellInput]:
        return [cell_input for unit in self.units.values() for cell_input in unit.inputs if cell_input.errors]


def _row_key(section: str, row: Mapping) -> tuple:
    _, key_fields, _ = CELL_SECTIONS[section]
    return (row["model"], *(row[name] for name in key_fields))


def _as_text(value) -> str:
    """A stored value as an input shows it: 0.011000 -> "0.011", True -> "yes", None -> ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return decimal_string(value)
    return str(value)


def _same_value(value: str, initial: str) -> bool:
    value, initial = value.strip(), initial.strip()
    if value == initial:
        return True
    try:
        return Decimal(value) == Decimal(initial)  # "0.0110" is the 0.011 the page showed
    except (InvalidOperation, ValueError):
        return False


def _is_messages(errors) -> bool:
    return isinstance(errors, list) and all(isinstance(error, (str, ErrorDetail)) for error in errors)


def _messages(errors) -> list[str]:
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in _messages(value)]
    if isinstance(errors, list):
        return [message for value in errors for message in _messages(value)]
    return [str(errors)]
