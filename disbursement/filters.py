"""FilterSets shared by the HTML lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from geography.models import AdministrativeUnit
from programs.models import BudgetYear, CapitalType

from .models import Allocation, Disbursement, Source


def _years():
    return [(y, y) for y in BudgetYear.objects.values_list("year", flat=True)]


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


class AllocationFilterSet(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Năm ngân sách"))
    unit = UnitCodeFilter()
    project = django_filters.CharFilter(field_name="project__code", label=_("Mã dự án"))
    subproject = django_filters.CharFilter(field_name="subproject__code", label=_("Mã tiểu dự án"))
    capital_type = django_filters.ChoiceFilter(choices=CapitalType.choices, label=_("Loại vốn"))
    source = django_filters.ChoiceFilter(choices=Source.choices, label=_("Nguồn vốn"))
    origin_year = django_filters.NumberFilter(label=_("Năm nguồn vốn"))
    carried = django_filters.BooleanFilter(method="filter_carried", label=_("Vốn năm trước chuyển sang"))

    class Meta:
        model = Allocation
        fields = ["year", "unit", "project", "subproject", "capital_type", "source", "origin_year"]

    def filter_carried(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.carried_over() if value else queryset.new_capital()


class DisbursementFilterSet(django_filters.FilterSet):
    allocation = django_filters.NumberFilter(field_name="allocation_id", label=_("Mã phân bổ"))
    unit = UnitCodeFilter(unit_field="allocation__unit")
    year = django_filters.NumberFilter(field_name="allocation__year", label=_("Năm ngân sách"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("Từ ngày"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("Đến ngày"))

    class Meta:
        model = Disbursement
        fields = ["allocation", "unit", "year", "date_from", "date_to"]
