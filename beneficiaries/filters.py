"""FilterSets shared by the HTML lists and the API (the contract's filters, plus a few for the pages)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ethnic_portal.filters import MAX_YEAR, IntegerFilter, PortalFilterSet, UnitCodeFilter
from ethnic_portal.forms import MAX_PK

from .choices import (
    ActivityKind,
    CommunityRole,
    FundedBy,
    FundingProgram,
    Gender,
    HouseholdSupportKind,
    PersonStatus,
    PovertyStatus,
    Scheme,
    SupportKind,
)
from .models import Household, HouseholdSupport, PrestigiousPerson, ProgramActivity, SupportActivity
from .text import name_key


class NameFilter(django_filters.CharFilter):
    """Part of a name, whatever its case or Unicode form ("nông văn" finds "Nông Văn Dũng")."""

    def __init__(self, *args, key_field="name_key", extra_fields=(), **kwargs):
        self.key_field = key_field
        self.extra_fields = extra_fields
        kwargs.setdefault("label", _("Tìm theo tên"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value or not value.strip():
            return qs
        condition = Q(**{f"{self.key_field}__contains": name_key(value)})
        for field_name in self.extra_fields:
            condition |= Q(**{field_name: value.strip()})
        return qs.filter(condition)


class PersonFilterSet(PortalFilterSet):
    q = NameFilter()
    unit = UnitCodeFilter(label=_("Mã đơn vị"))
    ethnic_group = django_filters.CharFilter(field_name="ethnic_group__code", label=_("Mã dân tộc"))
    status = django_filters.ChoiceFilter(choices=PersonStatus.choices, label=_("Tình trạng"))
    community_role = django_filters.ChoiceFilter(choices=CommunityRole.choices, label=_("Vai trò"))
    gender = django_filters.ChoiceFilter(choices=Gender.choices, label=_("Giới tính"))
    year = IntegerFilter(method="filter_year", label=_("Trong danh sách năm"), min_value=0, max_value=MAX_YEAR)

    class Meta:
        model = PrestigiousPerson
        fields = ["q", "unit", "ethnic_group", "status", "community_role", "gender", "year"]

    def filter_year(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(term_start__lte=value, term_end__gte=value)


class SupportActivityFilterSet(PortalFilterSet):
    person = IntegerFilter(field_name="person_id", label=_("Mã người có uy tín"), min_value=1, max_value=MAX_PK)
    unit = UnitCodeFilter(unit_field="person__unit")
    kind = django_filters.ChoiceFilter(choices=SupportKind.choices, label=_("Loại hỗ trợ"))
    year = IntegerFilter(field_name="date__year", label=_("Năm"), min_value=0, max_value=MAX_YEAR)
    funded_by = django_filters.ChoiceFilter(choices=FundedBy.choices, label=_("Đơn vị chi"))
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("Từ ngày"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("Đến ngày"))

    class Meta:
        model = SupportActivity
        fields = ["person", "unit", "kind", "year", "funded_by", "date_from", "date_to"]


class HouseholdFilterSet(PortalFilterSet):
    q = NameFilter(extra_fields=("head_id_number",), label=_("Tên chủ hộ hoặc số định danh"))
    unit = UnitCodeFilter()
    ethnic_group = django_filters.CharFilter(field_name="ethnic_group__code", label=_("Mã dân tộc"))
    poverty_status = django_filters.ChoiceFilter(choices=PovertyStatus.choices, label=_("Phân loại hộ"))
    poverty_year = IntegerFilter(label=_("Năm phân loại"), min_value=0, max_value=MAX_YEAR)

    class Meta:
        model = Household
        fields = ["q", "unit", "ethnic_group", "poverty_status", "poverty_year"]


class HouseholdSupportFilterSet(PortalFilterSet):
    household = IntegerFilter(field_name="household_id", label=_("Mã hộ"), min_value=1, max_value=MAX_PK)
    unit = UnitCodeFilter(unit_field="household__unit")
    project = django_filters.CharFilter(field_name="project__code", label=_("Mã dự án"))
    subproject = django_filters.CharFilter(field_name="subproject__code", label=_("Mã tiểu dự án"))
    year = IntegerFilter(label=_("Năm"), min_value=0, max_value=MAX_YEAR)
    kind = django_filters.ChoiceFilter(choices=HouseholdSupportKind.choices, label=_("Nội dung hỗ trợ"))
    funding_program = django_filters.ChoiceFilter(choices=FundingProgram.choices, label=_("Chương trình"))

    class Meta:
        model = HouseholdSupport
        fields = ["household", "unit", "project", "subproject", "year", "kind", "funding_program"]


class ActivityFilterSet(PortalFilterSet):
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("Loại hoạt động"))
    unit = UnitCodeFilter()
    year = IntegerFilter(field_name="start_date__year", label=_("Năm"), min_value=0, max_value=MAX_YEAR)
    scheme = django_filters.ChoiceFilter(choices=[c for c in Scheme.choices if c[0]], label=_("Đề án"))

    class Meta:
        model = ProgramActivity
        fields = ["kind", "unit", "year", "scheme"]
