"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ethnic_portal.filters import PortalFilterSet
from geography.models import AdministrativeUnit
from programs.models import CapitalType

from .models import Allocation, Disbursement, Source

MAX_ID = 2**63 - 1
MAX_YEAR = 32767  # PositiveSmallIntegerField


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
        paths = list(AdministrativeUnit.objects.filter(code=value.strip()).values_list("path", flat=True))
        if not paths:
            return qs.none()
        from django.db.models import Q

        condition = Q()
        for path in paths:
            condition |= Q(**{f"{self.unit_field}__path__startswith": path})
        return qs.filter(condition)


class AllocationFilterSet(PortalFilterSet):
    year = IntegerFilter(label=_("Năm ngân sách"), min_value=0, max_value=MAX_YEAR)
    unit = UnitCodeFilter()
    project = django_filters.CharFilter(field_name="project__code", label=_("Mã dự án"))
    subproject = django_filters.CharFilter(field_name="subproject__code", label=_("Mã tiểu dự án"))
    capital_type = django_filters.ChoiceFilter(choices=CapitalType.choices, label=_("Loại vốn"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Nguồn vốn"))
    origin_year = IntegerFilter(label=_("Năm nguồn vốn"), min_value=0, max_value=MAX_YEAR)
    carried = django_filters.BooleanFilter(
        method="filter_carried",
        label=_("Vốn chuyển sang"),
        widget=django_filters.widgets.BooleanWidget(),
    )

    class Meta:
        model = Allocation
        fields = ["year", "unit", "project", "subproject", "capital_type", "source", "origin_year"]

    def filter_carried(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.carried_over() if value else queryset.new_capital()


class DisbursementFilterSet(PortalFilterSet):
    allocation = IntegerFilter(field_name="allocation_id", label=_("Mã phân bổ"), min_value=1, max_value=MAX_ID)
    unit = UnitCodeFilter(unit_field="allocation__unit")
    year = IntegerFilter(field_name="allocation__year", label=_("Năm ngân sách"), min_value=0, max_value=MAX_YEAR)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("Từ ngày"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("Đến ngày"))

    class Meta:
        model = Disbursement
        fields = ["allocation", "unit", "year", "date_from", "date_to"]
