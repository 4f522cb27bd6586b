"""FilterSets shared by the HTML lists and the API (the contract's filters, plus a few for the pages)."""

import re

import django_filters
from django.core.exceptions import ValidationError
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
from .models import (
    AccessAction,
    AccessSubject,
    Household,
    HouseholdSupport,
    PersonalDataAccess,
    PrestigiousPerson,
    ProgramActivity,
    SupportActivity,
)
from .text import name_key


class NameFilter(django_filters.CharFilter):
    """Part of a name, whatever its case or Unicode form ("nông văn" finds "Nông Văn Dũng")."""

    def __init__(self, *args, key_field="name_key", **kwargs):
        self.key_field = key_field
        kwargs.setdefault("label", _("Tìm theo tên"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value or not value.strip():
            return qs
        return qs.filter(**{f"{self.key_field}__contains": name_key(value)})


def not_an_id_number(value):
    """A citizen ID number never goes into a query string (it would sit in the address bar, the browser's
    history and the server's access log): it is searched by POST (Decree 13/2023/NĐ-CP)."""
    if value and re.search(r"\d{6,}", value):
        raise ValidationError(
            _(
                "Không tìm số định danh ở ô này (số sẽ hiện trên địa chỉ trang và nhật ký máy chủ): dùng ô "
                "“Tìm theo số định danh” trên trang Hộ thụ hưởng, hoặc POST /api/v1/households/search/."
            ),
            code="id_number_in_url",
        )


def chosen_filters(filterset) -> dict | None:
    """The filters chosen ({} for none), or None when they are not valid (the list then shows what its rows give)."""
    if not filterset.is_bound:
        return {}
    return dict(filterset.form.cleaned_data) if filterset.is_valid() else None


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
    q = NameFilter(label=_("Tên chủ hộ"), validators=[not_an_id_number])
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


class AccessLogFilterSet(PortalFilterSet):
    username = django_filters.CharFilter(field_name="username", lookup_expr="icontains", label=_("Tên đăng nhập"))
    action = django_filters.ChoiceFilter(choices=AccessAction.choices, label=_("Thao tác"))
    subject = django_filters.ChoiceFilter(choices=AccessSubject.choices, label=_("Loại hồ sơ"))
    object_id = IntegerFilter(label=_("Mã hồ sơ"), min_value=1, max_value=MAX_PK)
    unit = UnitCodeFilter(label=_("Mã đơn vị người truy cập"))
    date_from = django_filters.DateFilter(field_name="at__date", lookup_expr="gte", label=_("Từ ngày"))
    date_to = django_filters.DateFilter(field_name="at__date", lookup_expr="lte", label=_("Đến ngày"))

    class Meta:
        model = PersonalDataAccess
        fields = ["username", "action", "subject", "object_id", "unit", "date_from", "date_to"]
