"""The plan form: exactly as strict as the API's plan (``budgets.api.serializers``).

Same limits, same decimal places as the columns store, never a rounding: "0.2500000"
is 0.25, "0.2500001" is an error. An empty optional box means what leaving the field
out of the API means (0, none, no end). Writes go through ``budgets.services``.
"""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from budgets.models import WorkloadPlan
from budgets.months import InvalidMonth, format_month, parse_month
from catalog.api.serializers import decimal_string
from catalog.constants import Mode, Quality, Size
from catalog.costing import MAX_REJECTION_RATE, Workload
from catalog.models import ImageModel
from routing.api.serializers import (
    MAX_COST_PER_REJECTED_IMAGE,
    MAX_IMAGES_PER_MONTH,
    MAX_PEAK_IMAGES_PER_MINUTE,
    MAX_TOKENS,
)

MODEL_RATE_PREFIX = "rejection_rate_for_"
# Workload fields only: what a live quote needs.
QUOTE_ONLY_LEAVES_OUT = ("name", "start_month", "end_month")


class ExactDecimalField(forms.DecimalField):
    """A decimal as exact as its column: trailing zeros are fine, more places is an error."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, *, default: Decimal | None = None, **kwargs: Any) -> None:
        self.default = default
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict:
        # No min/max/step: a text box, so the server's message is the one people see.
        return forms.Field.widget_attrs(self, widget)

    def to_python(self, value: Any) -> Decimal | None:
        value = super().to_python(value)
        if value is None:
            return self.default
        if not value.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return without_trailing_zeros(value)


def without_trailing_zeros(value: Decimal) -> Decimal:
    """The same number without trailing zeros, never rounded (``Decimal.normalize`` may round).

    >>> without_trailing_zeros(Decimal("0.2500000")), without_trailing_zeros(Decimal("100"))
    (Decimal('0.25'), Decimal('100'))
    """
    sign, digits, exponent = value.as_tuple()
    if not any(digits):
        return Decimal(0)
    while exponent < 0 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return Decimal((sign, digits, exponent))


class CountField(forms.IntegerField):
    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def __init__(self, *, default: int | None = None, **kwargs: Any) -> None:
        self.default = default
        kwargs.setdefault("required", default is None)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict:
        return forms.Field.widget_attrs(self, widget)

    def to_python(self, value: Any) -> int | None:
        value = super().to_python(value)
        return self.default if value is None else value


class MonthField(forms.CharField):
    """A calendar month, ``YYYY-MM`` (``budgets.months``)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> datetime.date | None:
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_month(value)
        except InvalidMonth as error:
            raise ValidationError(str(error), code="invalid") from error

    def prepare_value(self, value: Any) -> Any:
        return format_month(value) if isinstance(value, datetime.date) else value


def _rate_field(*, maximum: Decimal, **kwargs: Any) -> ExactDecimalField:
    return ExactDecimalField(
        max_digits=7, decimal_places=6, min_value=Decimal(0), max_value=maximum, **kwargs
    )


class PlanForm(forms.Form):
    """A plan's fields; ``model_slugs`` are the models offered for per-model rates and pinning."""

    name = forms.CharField(
        max_length=200,
        help_text="What this workload is, e.g. “Product thumbnails”. Up to 200 characters.",
    )
    images_per_month = CountField(
        label="Images per month",
        min_value=1,
        max_value=MAX_IMAGES_PER_MONTH,
        help_text="Accepted images wanted each month (V), 1 to 1,000,000,000. Rejected outputs come on top.",
    )
    size = forms.ChoiceField(choices=Size.choices, help_text="Output size in pixels.")
    quality = forms.ChoiceField(
        choices=Quality.choices, help_text="Output quality: higher costs more per image."
    )
    mode = forms.ChoiceField(
        choices=Mode.choices,
        initial=Mode.INTERACTIVE,
        help_text=(
            "Interactive: answered at once, within your tier's images-per-minute limit. "
            "Batch: the Batch API's discount, results within 24 hours."
        ),
    )
    prompt_tokens = CountField(
        label="Prompt tokens",
        default=0,
        min_value=0,
        max_value=MAX_TOKENS,
        help_text="Prompt text tokens per request (Tt), 0 to 10,000,000. Empty: 0.",
    )
    input_images = CountField(
        label="Input images",
        default=0,
        min_value=0,
        max_value=MAX_TOKENS,
        help_text="Images sent with each request, e.g. to edit them (n), 0 to 10,000,000. Empty: 0.",
    )
    tokens_per_input_image = CountField(
        label="Tokens per input image",
        default=0,
        min_value=0,
        max_value=MAX_TOKENS,
        help_text="Image tokens each input image is billed as (Ti), 0 to 10,000,000. Empty: 0.",
    )
    cached_input_share = _rate_field(
        label="Cached input share",
        maximum=Decimal(1),
        default=Decimal(0),
        help_text=(
            "Share of input tokens served from cache (c), 0 to 1: 0.25 is a quarter. "
            "Up to 6 decimal places. Empty: 0."
        ),
    )
    rejection_rate = _rate_field(
        label="Rejection rate (assumed)",
        maximum=MAX_REJECTION_RATE,
        default=Decimal(0),
        help_text=(
            "Share of outputs you expect to reject (r), 0 to 0.95: 0.1 is 10%. Up to 6 decimal places. "
            "Used for every model without its own rate below; recorded retry statistics adjust it. Empty: 0."
        ),
    )
    cost_per_rejected_image = ExactDecimalField(
        label="Cost per rejected image (USD)",
        max_digits=16,
        decimal_places=6,
        min_value=Decimal(0),
        max_value=MAX_COST_PER_REJECTED_IMAGE,
        default=Decimal(0),
        help_text=(
            "Human cost in USD of one rejected output: review, cleanup (F). "
            "0 to 1,000,000, up to 6 decimal places. Empty: 0."
        ),
    )
    peak_images_per_minute = ExactDecimalField(
        label="Peak images per minute",
        max_digits=16,
        decimal_places=4,
        min_value=Decimal(0),
        max_value=MAX_PEAK_IMAGES_PER_MINUTE,
        help_text=(
            "Accepted images per minute at your busiest, checked against your tier's images-per-minute "
            "limit in interactive mode. Up to 4 decimal places. Empty: the monthly average is checked."
        ),
    )
    start_month = MonthField(label="Start month", help_text="The first month the plan runs, YYYY-MM.")
    end_month = MonthField(
        label="End month", required=False, help_text="The last month the plan runs, YYYY-MM. Empty: no end."
    )
    pinned_model = forms.ModelChoiceField(
        label="Pinned model",
        queryset=ImageModel.objects.none(),
        to_field_name="slug",
        required=False,
        empty_label="None: follow the recommendation",
        help_text=(
            "Project with this model instead of the cheapest one; the plan shows what switching would save."
        ),
    )

    def __init__(self, *args: Any, model_slugs: list[str], quote_only: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.model_slugs = list(model_slugs)
        self.fields["pinned_model"].queryset = ImageModel.objects.filter(slug__in=self.model_slugs)
        for slug in self.model_slugs:
            self.fields[MODEL_RATE_PREFIX + slug] = _rate_field(
                label=f"Rejection rate on {slug}",
                maximum=MAX_REJECTION_RATE,
                help_text=f"Overrides the assumed rate for {slug}, 0 to 0.95. Empty: the rate above.",
            )
        if quote_only:
            for name in QUOTE_ONLY_LEAVES_OUT:
                del self.fields[name]

    @staticmethod
    def data_from_plan(plan: WorkloadPlan) -> dict[str, str]:
        """A saved plan as the form's submitted data."""
        data = {
            "name": plan.name,
            "images_per_month": str(plan.images_per_month),
            "size": plan.size,
            "quality": plan.quality,
            "mode": plan.mode,
            "prompt_tokens": str(plan.prompt_tokens),
            "input_images": str(plan.input_images),
            "tokens_per_input_image": str(plan.tokens_per_input_image),
            "cached_input_share": decimal_string(plan.cached_input_share),
            "rejection_rate": decimal_string(plan.rejection_rate),
            "cost_per_rejected_image": decimal_string(plan.cost_per_rejected_image),
            "peak_images_per_minute": (
                "" if plan.peak_images_per_minute is None else decimal_string(plan.peak_images_per_minute)
            ),
            "start_month": format_month(plan.start_month),
            "end_month": "" if plan.end_month is None else format_month(plan.end_month),
            "pinned_model": plan.pinned_model.slug if plan.pinned_model_id else "",
        }
        for slug, rate in plan.rejection_rates.items():
            data[MODEL_RATE_PREFIX + slug] = decimal_string(Decimal(rate))
        return data

    @property
    def model_rate_fields(self) -> list[forms.BoundField]:
        return [self[MODEL_RATE_PREFIX + slug] for slug in self.model_slugs]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(MODEL_RATE_PREFIX)]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_month"), data.get("end_month")
        if start is not None and end is not None and end < start:
            self.add_error("end_month", f"Must not be before the start month ({format_month(start)}).")
        return data

    def rejection_rates(self) -> dict[str, Decimal]:
        return {
            slug: self.cleaned_data[MODEL_RATE_PREFIX + slug]
            for slug in self.model_slugs
            if self.cleaned_data.get(MODEL_RATE_PREFIX + slug) is not None
        }

    def plan_fields(self) -> dict[str, Any]:
        """The cleaned form as ``services.plan_create``/``plan_update`` take it."""
        data = self.cleaned_data
        names = (
            "name",
            "images_per_month",
            "size",
            "quality",
            "mode",
            "prompt_tokens",
            "input_images",
            "tokens_per_input_image",
            "cached_input_share",
            "rejection_rate",
            "cost_per_rejected_image",
            "peak_images_per_minute",
            "start_month",
            "end_month",
            "pinned_model",
        )
        return {**{name: data[name] for name in names}, "rejection_rates": self.rejection_rates()}

    def workload(self) -> Workload:
        data = self.cleaned_data
        return Workload(
            images_per_month=data["images_per_month"],
            size=data["size"],
            quality=data["quality"],
            mode=data["mode"],
            prompt_tokens=data["prompt_tokens"],
            input_images=data["input_images"],
            tokens_per_input_image=data["tokens_per_input_image"],
            cached_input_share=data["cached_input_share"],
            cost_per_rejected_image=data["cost_per_rejected_image"],
        )

    def add_service_error(self, error: ValidationError) -> None:
        """A model's ``full_clean`` error, each message on its field (else above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, errors in error.message_dict.items():
            if name == "rejection_rates" and self.model_slugs:
                self.add_error(self.model_rate_fields[0].name, errors)
            elif name in self.fields and name != NON_FIELD_ERRORS:
                self.add_error(name, errors)
            else:
                self.add_error(None, errors)

    def error_summary(self) -> list[dict[str, str]]:
        """Every error with its field's label and the id to jump to, in the form's order."""
        summary = [{"label": "", "message": message, "anchor": ""} for message in self.non_field_errors()]
        for field in self:
            for message in field.errors:
                summary.append({"label": str(field.label), "message": message, "anchor": field.auto_id})
        return summary
