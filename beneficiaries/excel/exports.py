"""Exports of people: the filtered lists of households and of prestigious persons as Excel files.

The rows come from the page's scoped selector (for_user), filtered and ordered as on the page, read with
`values_list` in chunks and written by ethnic_portal/excel_export.py (text as text, never as a formula). Personal
fields are written as the user may see them (beneficiaries/personal_data.py: a citizen ID number masked for
province staff and leaders), and every file that leaves the server writes the access-log row with the number of
records exported (`log_export`, Decree 13/2023/NĐ-CP) — a direct download or an export job's.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ethnic_portal.excel_export import DATE, NUMBER, Column, Export, ExportSpec, label, rows

from .. import selectors, services
from ..choices import CommunityRole, Gender, PersonStatus, PovertyStatus
from ..filters import HouseholdFilterSet, PersonFilterSet
from ..models import AccessAction, AccessSubject, Household
from ..personal_data import shown_by_unit

# The list pages' orderings (beneficiaries/views use these).
HOUSEHOLD_ORDERING = ("unit__path", "name_key", "pk")
PERSON_ORDERING = ("unit__path", "name_key", "pk")

HOUSEHOLD_FIELDS = (
    "pk",
    "head_name",
    "head_id_number",
    "ethnic_group__name",
    "unit__code",
    "unit__name",
    "unit__parent__name",
    "members",
    "export_poverty_status",
    "poverty_year",
    "note",
    "unit_id",
    "unit__path",
)

PERSON_FIELDS = (
    "pk",
    "full_name",
    "export_gender",
    "birth_year",
    "ethnic_group__name",
    "unit__code",
    "unit__name",
    "unit__parent__name",
    "export_community_role",
    "term_start",
    "term_end",
    "approval_decision_no",
    "approval_decision_date",
    "export_status",
    "note",
)


def household_columns() -> list[Column]:
    return [
        Column(_("Mã hộ"), 8, NUMBER),
        Column(_("Họ tên chủ hộ"), 26),
        Column(_("Số định danh (CCCD) chủ hộ"), 18),
        Column(_("Dân tộc"), 12),
        Column(_("Mã thôn hoặc xã"), 12),
        Column(_("Thôn hoặc xã"), 22),
        Column(_("Thuộc"), 22),
        Column(_("Số nhân khẩu"), 10, NUMBER),
        Column(_("Phân loại hộ"), 14),
        Column(_("Năm phân loại"), 10, NUMBER),
        Column(_("Ghi chú"), 30),
    ]


def person_columns() -> list[Column]:
    return [
        Column(_("Mã"), 8, NUMBER),
        Column(_("Họ và tên"), 26),
        Column(_("Giới tính"), 9),
        Column(_("Năm sinh"), 9, NUMBER),
        Column(_("Dân tộc"), 12),
        Column(_("Mã thôn hoặc xã"), 12),
        Column(_("Thôn hoặc xã"), 22),
        Column(_("Thuộc"), 22),
        Column(_("Vai trò trong cộng đồng"), 20),
        Column(_("Nhiệm kỳ từ năm"), 10, NUMBER),
        Column(_("Nhiệm kỳ đến năm"), 10, NUMBER),
        Column(_("Số quyết định công nhận"), 18),
        Column(_("Ngày quyết định"), 12, DATE),
        Column(_("Tình trạng"), 12),
        Column(_("Ghi chú"), 30),
    ]


def households(queryset, *, user, total: int | None = None) -> Export:
    """`queryset`: the scoped, filtered and ordered households (beneficiaries/selectors.household_list)."""
    queryset = queryset.annotate(export_poverty_status=label("poverty_status", PovertyStatus.choices))
    show = shown_by_unit(user, Household, "head_id_number")

    def masked(values):
        for pk, name, number, group, code, place, parent, members, status, year, note, unit_id, path in values:
            yield pk, name, show(unit_id, path, number), group, code, place, parent, members, status, year, note

    return Export(
        name="ho-thu-huong", columns=household_columns(), rows=masked(rows(queryset, HOUSEHOLD_FIELDS)), total=total
    )


def persons(queryset, *, user=None, total: int | None = None) -> Export:
    """`queryset`: the scoped, filtered and ordered persons (beneficiaries/selectors.person_list)."""
    queryset = queryset.annotate(
        export_gender=label("gender", Gender.choices),
        export_community_role=label("community_role", CommunityRole.choices),
        export_status=label("status", PersonStatus.choices),
    )
    return Export(name="nguoi-co-uy-tin", columns=person_columns(), rows=rows(queryset, PERSON_FIELDS), total=total)


def log_export(subject: str):
    """The access-log row of a file of `subject` leaving the server, with its number of records."""

    def record(request, count: int) -> None:
        services.record_access(request=request, action=AccessAction.EXPORT, subject=subject, count=count)

    return record


def _household_list(user):
    return selectors.household_list(user=user)


def _person_list(user):
    return selectors.person_list(user=user)


HOUSEHOLDS = ExportSpec(
    kind="households",
    title=gettext_lazy("danh sách hộ thụ hưởng"),
    list_url="beneficiaries:household_list",
    filterset_class=HouseholdFilterSet,
    base_queryset=_household_list,
    ordering=HOUSEHOLD_ORDERING,
    build=households,
    on_download=log_export(AccessSubject.HOUSEHOLD),
)

PERSONS = ExportSpec(
    kind="persons",
    title=gettext_lazy("danh sách người có uy tín"),
    list_url="beneficiaries:person_list",
    filterset_class=PersonFilterSet,
    base_queryset=_person_list,
    ordering=PERSON_ORDERING,
    build=persons,
    on_download=log_export(AccessSubject.PERSON),
)
