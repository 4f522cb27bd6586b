"""Filter pieces for every list: a FilterSet base whose form gets the Bootstrap classes of the portal's other
forms, whole numbers within a column's range, and unit codes."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geography.models import NATION_CODE, AdministrativeUnit

from .forms import BootstrapFormMixin

MAX_YEAR = 32767  # PositiveSmallIntegerField


class PortalFilterSet(django_filters.FilterSet):
    def get_form_class(self):
        base = super().get_form_class()
        return type(base.__name__, (BootstrapFormMixin, base), {})


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within the column's range: `2024.5` or an id too big for the database is a form error
    (400 from the API), not a silent rounding or a database overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": _("Phải là số nguyên, ví dụ 2024.")})
        super().__init__(*args, **kwargs)


class UnitCodeFilter(django_filters.CharFilter):
    """A unit code: the rows of that unit and everything below it (all versions of the code)."""

    def __init__(self, *args, unit_field="unit", **kwargs):
        self.unit_field = unit_field
        kwargs.setdefault("label", _("Mã đơn vị"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        if value.strip().upper() == NATION_CODE:
            return qs  # the whole country (the user's scope still applies)
        paths = list(AdministrativeUnit.objects.filter(code=value.strip()).values_list("path", flat=True))
        if not paths:
            return qs.none()
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{self.unit_field}__path__startswith": path})
        return qs.filter(condition)
