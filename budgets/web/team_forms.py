"""The forms of a team's pages: exactly as strict as the API (``budgets.api.serializers``).

Same limits, the decimal places the columns store and never a rounding ("120.00" is
120, "120.001" is an error), ISO dates only. Writes go through ``budgets.services``;
a ``TeamRuleViolation`` it raises lands on the field it names.
"""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from budgets.api.serializers import MAX_BUDGET_OVERRIDES, MAX_RETRY_COUNT, MAX_THRESHOLDS
from budgets.models import Membership, Team, WorkloadPlan
from budgets.months import format_month
from budgets.notifications import webhook_url_validator
from budgets.services import TeamRuleViolation
from budgets.web.plan_forms import CountField, ExactDecimalField, MonthField
from catalog.api.serializers import decimal_string
from catalog.constants import Tier
from catalog.models import ImageModel

TEAM_NAME_MAX_LENGTH = 100
MIN_THRESHOLD, MAX_THRESHOLD = 1, 1000


class PageForm(forms.Form):
    """A form whose errors are listed above it, each linking to its field."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def error_summary(self) -> list[dict[str, str]]:
        """Every error with its field's label and the id to jump to, in the form's order."""
        summary = [{"label": "", "message": message, "anchor": ""} for message in self.non_field_errors()]
        for field in self:
            for message in field.errors:
                summary.append({"label": str(field.label), "message": message, "anchor": field.auto_id})
        return summary

    def add_rule_violation(self, violation: TeamRuleViolation) -> None:
        self.add_error(violation.field if violation.field in self.fields else None, violation.message)


def _more_than_zero(value: Decimal | None) -> None:
    if value is not None and value <= 0:
        raise ValidationError("Must be more than 0.", code="min_value")


def money_field(**kwargs: Any) -> ExactDecimalField:
    """USD to the cent, more than 0 (the API's ``MoneyField``)."""
    return ExactDecimalField(max_digits=16, decimal_places=2, validators=[_more_than_zero], **kwargs)


def _http_url(**kwargs: Any) -> forms.CharField:
    # A CharField: forms.URLField would add "http://" to "example.com", which the API refuses.
    return forms.CharField(
        max_length=500,
        required=False,
        validators=[webhook_url_validator],
        widget=forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"}),
        **kwargs,
    )


# --- Teams -------------------------------------------------------------------------------


class TeamForm(PageForm):
    """A team's name, tier and verification (``services.team_create`` / ``team_update``)."""

    name = forms.CharField(
        max_length=TEAM_NAME_MAX_LENGTH,
        help_text="Up to 100 characters; the team's address is made from it when created.",
    )
    tier = forms.ChoiceField(
        label="Usage tier",
        choices=Tier.choices,
        initial=Tier.TIER1,
        help_text="Your provider account's usage tier: it sets which models you can use and how fast.",
    )
    org_verified = forms.BooleanField(
        label="Organization verified",
        required=False,
        help_text="Tick when your provider organization is verified: some models require it.",
    )

    def team_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.fields}


class TeamSettingsForm(TeamForm):
    """The team form of the settings page, with the webhook."""

    webhook_url = _http_url(
        label="Webhook URL",
        help_text="Where alerts are POSTed as signed JSON, http:// or https://. Empty: no webhook.",
    )

    @staticmethod
    def data_from_team(team: Team) -> dict[str, Any]:
        return {
            "name": team.name,
            "tier": team.tier,
            "org_verified": team.org_verified,
            "webhook_url": team.webhook_url,
        }


# --- Budget ------------------------------------------------------------------------------


class ThresholdsField(forms.CharField):
    """Percentages of the month's budget, comma-separated: 1 to 5 distinct whole numbers, 1 to 1000."""

    MAX_TEXT_LENGTH = 200

    def to_python(self, value: Any) -> list[int]:
        text = super().to_python(value)
        if not text:
            return []  # "This field is required."
        if len(text) > self.MAX_TEXT_LENGTH:
            raise ValidationError(f"Write at most {self.MAX_TEXT_LENGTH} characters.", code="max_length")
        pieces = [piece.strip() for piece in text.split(",")]
        if not any(pieces):
            raise ValidationError("Give at least one threshold, e.g. 80, 100.", code="required")
        percent = forms.IntegerField(min_value=MIN_THRESHOLD, max_value=MAX_THRESHOLD)
        thresholds, problems = [], []
        for piece in pieces:
            if not piece:
                problems.append("Remove the empty entry between commas.")
                continue
            try:
                thresholds.append(percent.clean(piece))
            except ValidationError:
                problems.append(f"“{piece}” is not a whole number from {MIN_THRESHOLD} to {MAX_THRESHOLD}.")
        if problems:
            raise ValidationError(sorted(set(problems), key=problems.index))
        if len(thresholds) > MAX_THRESHOLDS:
            raise ValidationError(f"At most {MAX_THRESHOLDS} thresholds; you gave {len(thresholds)}.")
        repeated = sorted({p for p in thresholds if thresholds.count(p) > 1})
        if repeated:
            raise ValidationError(f"Each threshold at most once: {', '.join(map(str, repeated))} repeated.")
        return thresholds

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(map(str, value)) if isinstance(value, list | tuple) else value


class BudgetForm(PageForm):
    monthly_amount = money_field(
        label="Monthly budget (USD)",
        help_text="What the team may spend each month: more than 0, up to 2 decimal places. Empty: none.",
    )
    thresholds = ThresholdsField(
        label="Alert thresholds (%)",
        help_text=(
            "Percentages of the month's budget at which an alert opens, separated by commas, "
            "e.g. 80, 100: 1 to 5 different whole numbers from 1 to 1000."
        ),
    )

    @staticmethod
    def initial_from(monthly_amount: Decimal | None, thresholds: list[int]) -> dict[str, Any]:
        return {
            "monthly_amount": "" if monthly_amount is None else decimal_string(monthly_amount),
            "thresholds": thresholds,
        }


class BudgetOverrideForm(PageForm):
    """One month with its own budget; a row left empty is no override."""

    # No help text: the overrides' fieldset explains both columns once.
    month = MonthField(label="Month", required=False)
    amount = money_field(label="Budget (USD)")

    def clean(self) -> dict:
        data = super().clean()
        month, amount = data.get("month"), data.get("amount")
        if month is None and amount is not None and "month" not in self.errors:
            self.add_error("month", "Give the month of this budget, or empty the row.")
        if amount is None and month is not None and "amount" not in self.errors:
            self.add_error("amount", "Give the budget of this month, or empty the row.")
        return data

    def override(self) -> tuple[datetime.date, Decimal] | None:
        month, amount = self.cleaned_data.get("month"), self.cleaned_data.get("amount")
        return None if month is None or amount is None else (month, amount)


class BaseOverrideFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        months = [form.cleaned_data["month"] for form in self.forms if form.override() is not None]
        repeated = sorted({format_month(m) for m in months if months.count(m) > 1})
        if repeated:
            for form in self.forms:
                month = form.cleaned_data.get("month")
                if month is not None and format_month(month) in repeated:
                    form.add_error(
                        "month", f"{format_month(month)} has another row: each month at most once."
                    )
            raise ValidationError(f"Each month at most once: {', '.join(repeated)} repeated.")

    def overrides(self) -> list[tuple[datetime.date, Decimal]]:
        return [override for form in self.forms if (override := form.override()) is not None]

    def error_summary(self) -> list[dict[str, str]]:
        summary = [{"label": "", "message": message, "anchor": ""} for message in self.non_form_errors()]
        for index, form in enumerate(self.forms, start=1):
            for entry in form.error_summary():
                summary.append({**entry, "label": f"Override {index}, {entry['label'].lower()}"})
        return summary


# Room for a few more months than the team has; more after saving.
EXTRA_OVERRIDE_ROWS = 3

OverrideFormSet = forms.formset_factory(
    BudgetOverrideForm,
    formset=BaseOverrideFormSet,
    extra=EXTRA_OVERRIDE_ROWS,
    max_num=MAX_BUDGET_OVERRIDES,
    validate_max=True,
    absolute_max=MAX_BUDGET_OVERRIDES + EXTRA_OVERRIDE_ROWS,
)


def override_formset(
    data: Any = None, *, overrides: list[tuple[datetime.date, Decimal]] = ()
) -> BaseOverrideFormSet:
    initial = [{"month": month, "amount": decimal_string(amount)} for month, amount in overrides]
    return OverrideFormSet(data, initial=initial or None, prefix="overrides")


# --- Retry statistics --------------------------------------------------------------------


class RetryStatisticForm(PageForm):
    """An observation (``services.retry_statistic_create``): the API's retry statistic."""

    model = forms.ModelChoiceField(
        queryset=ImageModel.objects.order_by("slug"),
        to_field_name="slug",
        empty_label="Choose a model",
        help_text="The model whose outputs you counted.",
    )
    plan = forms.ModelChoiceField(
        queryset=WorkloadPlan.objects.none(),
        required=False,
        empty_label="Team-wide (every plan)",
        help_text="Only for this plan, or team-wide. A plan's own records come before the team-wide ones.",
    )
    period_start = forms.DateField(
        label="Period start",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="First day observed, YYYY-MM-DD.",
    )
    period_end = forms.DateField(
        label="Period end",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Last day observed, YYYY-MM-DD; not before the start.",
    )
    attempts = CountField(
        min_value=0,
        max_value=MAX_RETRY_COUNT,
        help_text="Outputs generated in the period, accepted or not: a whole number, 0 or more.",
    )
    accepted = CountField(
        min_value=0,
        max_value=MAX_RETRY_COUNT,
        help_text="Of those, the outputs you kept: not more than the attempts.",
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = WorkloadPlan.objects.filter(team=team).order_by("name", "pk")

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start is not None and end is not None and start > end:
            self.add_error("period_end", f"Must not be before the period start ({start.isoformat()}).")
        attempts, accepted = data.get("attempts"), data.get("accepted")
        if attempts is not None and accepted is not None and accepted > attempts:
            self.add_error("accepted", f"Must not be more than the attempts ({attempts}).")
        return data

    def add_service_error(self, error: ValidationError) -> None:
        """A model's ``full_clean`` error, each message on its field (else above the form)."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for name, messages in error.message_dict.items():
            self.add_error(name if name in self.fields else None, messages)


# --- Members -----------------------------------------------------------------------------


class MemberAddForm(PageForm):
    """An existing user, by username or by email (one of them), with a role."""

    username = forms.CharField(
        max_length=150,
        required=False,
        help_text="Their Spendlane username; or leave it empty and give an email.",
    )
    email = forms.EmailField(
        required=False, help_text="The email address of their Spendlane account, if you gave no username."
    )
    role = forms.ChoiceField(
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        help_text="Viewers read; members also edit plans and retry statistics; owners also manage the team.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if "username" in self.errors or "email" in self.errors:
            return data
        if bool(data.get("username")) == bool(data.get("email")):
            self.add_error("username", "Give a username or an email (one of them).")
        return data

    def member_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"username": data["username"] or None, "email": data["email"] or None, "role": data["role"]}


class MemberRoleForm(PageForm):
    role = forms.ChoiceField(choices=Membership.Role.choices)
