"""Form pieces shared by every app: Bootstrap classes, money typed the Vietnamese way, values typed in a
request (years, ids), the units of a user's scope, and service errors put back on a form."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.scope import path_condition, visible_roots
from geography.models import AdministrativeUnit
from programs.models import BudgetYear

from .formatting import format_vnd

MAX_PK = 2**63 - 1  # a bigger number is no row, and would overflow the database's integer


def is_digits(text: str) -> bool:
    """Digits 0–9 only. `str.isdigit` also says yes to "²" or "١٢", which `int()` refuses or reads as a number."""
    return text.isascii() and text.isdigit()


def budget_year(value) -> int | None:
    """`value` as a budget year of the Program, or None (text, 0, 99999, "²"…)."""
    text = str(value if value is not None else "").strip()
    if not is_digits(text) or len(text) > 4:
        return None
    year = int(text)
    return year if BudgetYear.objects.filter(year=year).exists() else None


def pk_value(value) -> int | None:
    """A primary key typed in a request, or None when it cannot be one."""
    text = str(value if value is not None else "").strip()
    return int(text) if is_digits(text) and int(text) <= MAX_PK else None


def scoped_units(user):
    """The units inside the user's scope: their unit and everything below it (not the chain above it,
    which `AdministrativeUnit.objects.for_user` adds for navigation)."""
    roots = visible_roots(user)
    if not roots:
        return AdministrativeUnit.objects.none()
    return AdministrativeUnit.objects.filter(path_condition("", roots))


class BootstrapFormMixin:
    """Adds Bootstrap classes (and `is-invalid` on bound errors) to every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            self._mark_invalid(name)

    def add_error(self, field, error):
        # A service's refusal arrives after full_clean (run_service): mark its field too, or the message stays hidden.
        super().add_error(field, error)
        if hasattr(self, "cleaned_data"):
            for name in list(self.errors):
                self._mark_invalid(name)

    def _mark_invalid(self, name):
        if name in self.fields:
            attrs = self.fields[name].widget.attrs
            if "is-invalid" not in attrs.get("class", "").split():
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-describedby"] = f"id_{name}-error"


class PkModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that answers "not a valid choice" to text or to a number too big for a key."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, self.queryset.model) and pk_value(value) is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class VNDInput(forms.TextInput):
    """Shows `1234567` as `1.234.567` and lets people type it that way."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int):
            return format_vnd(value)
        return super().format_value(value)


class VNDAmountField(forms.Field):
    """Whole đồng. Accepts `1.234.567`, `1 234 567` or `1234567`; refuses decimals, signs and text."""

    widget = VNDInput
    default_error_messages = {
        "invalid": _("Số tiền phải là số nguyên đồng, ví dụ 1.234.567."),
        "decimal": _("Số tiền phải là số nguyên đồng, không có phần thập phân."),
        "negative": _("Số tiền phải lớn hơn 0."),
    }

    def __init__(self, *, allow_zero=False, **kwargs):
        self.allow_zero = allow_zero
        kwargs.setdefault("help_text", _("Đơn vị: đồng. Gõ 1.234.567 hoặc 1234567."))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            text = str(value).strip().replace("\u00a0", " ")
            text = re.sub(r"\s*(đồng|đ|VND|vnd)$", "", text)
            if text.startswith("-"):
                raise forms.ValidationError(self.error_messages["negative"], code="negative")
            if re.fullmatch(r"\d{1,3}(\.\d{3})+", text) or re.fullmatch(r"\d{1,3}( \d{3})+", text):
                text = text.replace(".", "").replace(" ", "")
            if re.fullmatch(r"\d+[,.]\d+", text):
                raise forms.ValidationError(self.error_messages["decimal"], code="decimal")
            if not re.fullmatch(r"\d+", text):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            number = int(text)
        if number < 0 or (number == 0 and not self.allow_zero):
            raise forms.ValidationError(self.error_messages["negative"], code="negative")
        return number


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def date_field(label, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), input_formats=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)


def apply_service_errors(form, error) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one, else on top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def run_service(form, action):
    """Run a service from a valid form; put its ValidationError back on the form. Returns the result or None."""
    try:
        return action()
    except ValidationError as error:
        apply_service_errors(form, error)
        return None
