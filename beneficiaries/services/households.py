"""Writes about beneficiary households and the support they receive.

A household is known by its head's citizen ID number: the same number twice is refused, naming the
record that has it. Support from other programs is recorded as well (the program, and the project or
policy there), so that overlaps can be found and reviewed; a second support of the same kind is not
refused here — it is a fact to review (selectors.overlap_cases), not an input error.
"""

import datetime
import functools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.scope import unit_in_scope
from ethnic_portal import clock
from geography.models import AdministrativeUnit
from programs.models import BudgetYear, Project, SubProject

from .. import cases, totals
from ..choices import FundingProgram, HouseholdSupportKind, PovertyStatus
from ..citizen_id import citizen_id_errors
from ..models import EthnicGroup, Household, HouseholdSupport
from ..text import clean_text, name_key
from .common import Errors, check_amount, check_date, check_place, require_write

MAX_MEMBERS = 60

HOUSEHOLD_FIELDS = [
    "head_name",
    "head_id_number",
    "ethnic_group",
    "unit",
    "members",
    "poverty_status",
    "poverty_year",
    "note",
]


def _duplicate_id_message(actor, twin: Household) -> str:
    if unit_in_scope(actor, twin.unit):
        return _("Số định danh này đã được ghi cho hộ %(name)s ở %(unit)s (hộ số %(pk)s): không nhập lại hộ này.") % {
            "name": twin.head_name,
            "unit": twin.unit.name,
            "pk": twin.pk,
        }
    # The other unit's data does not exist for this user: name the record, not its content.
    return _(
        "Số định danh này đã được ghi cho một hộ thuộc địa bàn khác (hộ số %(pk)s); đề nghị Ban Dân tộc tỉnh kiểm tra."
    ) % {"pk": twin.pk}


def _validate_household(actor, values: dict, *, exclude_pk=None, place_unchanged=False, check_twin=True) -> dict:
    """The household's fields checked and cleaned. `check_twin=False` leaves the same ID number on another record
    to the unique constraint (the caller is wrapped in `_id_number_unique`, which answers it with the same
    message)."""
    errors = Errors()
    today = clock.today()
    head_name = clean_text(values["head_name"])
    if not head_name:
        errors.add("head_name", _("Phải nhập họ tên chủ hộ."))
    elif len(head_name) > 150:
        errors.add("head_name", _("Họ tên chủ hộ dài quá 150 ký tự."))
    id_number = "" if values["head_id_number"] is None else str(values["head_id_number"]).strip()
    for message in citizen_id_errors(id_number, today=today):
        errors.add("head_id_number", message)
    if not isinstance(values["ethnic_group"], EthnicGroup):
        errors.add("ethnic_group", _("Phải chọn dân tộc trong danh mục 54 dân tộc."))
    if not place_unchanged:
        check_place(errors, values["unit"])
    members = values["members"]
    if isinstance(members, bool) or not isinstance(members, int) or not 1 <= members <= MAX_MEMBERS:
        errors.add("members", _("Số nhân khẩu phải là số nguyên từ 1 đến %(max)s.") % {"max": MAX_MEMBERS})
    status, year = values["poverty_status"], values["poverty_year"]
    if status not in PovertyStatus.values:
        errors.add(
            "poverty_status", _("Phân loại hộ phải là hộ nghèo (poor), cận nghèo (near_poor) hoặc không (none).")
        )
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 2016 <= year <= today.year):
        errors.add("poverty_year", _("Năm phân loại phải từ 2016 đến %(year)s.") % {"year": today.year})
    elif year is None and status in {PovertyStatus.POOR, PovertyStatus.NEAR_POOR}:
        errors.add("poverty_year", _("Hộ nghèo, cận nghèo: phải ghi năm rà soát xếp loại."))
    errors.raise_if_any()
    if check_twin:
        twins = Household.objects.filter(head_id_number=id_number)
        if exclude_pk:
            twins = twins.exclude(pk=exclude_pk)
        twin_pk = next(iter(twins.order_by().values_list("pk", flat=True)[:1]), None)  # the common case, kept cheap
        if twin_pk is not None:
            twin = Household.objects.select_related("unit").get(pk=twin_pk)
            raise ValidationError({"head_id_number": _duplicate_id_message(actor, twin)})
    return {
        **values,
        "head_name": head_name,
        "name_key": name_key(head_name),
        "head_id_number": id_number,
        "note": clean_text(values["note"]),
    }


def _save_household(household: Household, actor) -> Household:
    household._history_user = actor
    household.save()
    return household


def _id_number_unique(service):
    """A concurrent twin of the same ID number passes the check and fails on the unique constraint: answer it
    as the check would. Outside the service's atomic block, whose savepoint has then been rolled back (one
    savepoint per call instead of two: this is the import's hot path)."""

    @functools.wraps(service)
    def wrapper(*, actor, **fields):
        try:
            return service(actor=actor, **fields)
        except IntegrityError as exc:
            number = str(fields.get("head_id_number") or "").strip()
            twin = Household.objects.filter(head_id_number=number).select_related("unit").first() if number else None
            if twin is None:
                raise
            raise ValidationError({"head_id_number": _duplicate_id_message(actor, twin)}) from exc

    return wrapper


@_id_number_unique
@transaction.atomic
def household_create(
    *,
    actor,
    head_name: str,
    head_id_number: str,
    ethnic_group: EthnicGroup,
    unit: AdministrativeUnit,
    members: int,
    poverty_status: str,
    poverty_year: int | None = None,
    note: str = "",
) -> Household:
    if isinstance(unit, AdministrativeUnit):
        require_write(actor, unit)
    cleaned = _validate_household(
        actor,
        {
            "head_name": head_name,
            "head_id_number": head_id_number,
            "ethnic_group": ethnic_group,
            "unit": unit,
            "members": members,
            "poverty_status": poverty_status,
            "poverty_year": poverty_year,
            "note": note,
        },
        # The unique constraint is the check of a new household's ID number: one statement less per row on the
        # import's hot path (a twin fails the INSERT inside this service's savepoint; _id_number_unique names it).
        check_twin=False,
    )
    household = _save_household(Household(**cleaned, created_by=actor), actor)
    cases.household_changed(household)
    totals.household_created(household)
    return household


def _lock_household(household: Household) -> Household:
    return Household.objects.select_for_update(of=("self",)).select_related("unit").get(pk=household.pk)


@_id_number_unique
@transaction.atomic
def household_update(*, actor, household: Household, **changes) -> Household:
    household = _lock_household(household)
    require_write(actor, household.unit)
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise TypeError(f"household_update: unknown fields {sorted(unknown)}")
    values = {name: changes.get(name, getattr(household, name)) for name in HOUSEHOLD_FIELDS}
    unchanged = isinstance(values["unit"], AdministrativeUnit) and values["unit"].pk == household.unit_id
    if isinstance(values["unit"], AdministrativeUnit) and not unchanged:
        require_write(actor, values["unit"])
    cleaned = _validate_household(actor, values, exclude_pk=household.pk, place_unchanged=unchanged)
    before = (household.unit, household.name_key)
    before_key, before_members = totals.household_key(household), household.members
    for name, value in cleaned.items():
        setattr(household, name, value)
    _save_household(household, actor)
    cases.household_changed(household, before=before)
    totals.household_changed(household, before_key=before_key, before_members=before_members)
    return household


@transaction.atomic
def household_delete(*, actor, household: Household) -> None:
    household = _lock_household(household)
    require_write(actor, household.unit)
    count = HouseholdSupport.objects.filter(household=household).count()
    if count:
        raise ValidationError(
            _("Hộ %(name)s đã có %(n)s khoản hỗ trợ nên không xóa được; xóa các khoản hỗ trợ trước.")
            % {"name": household.head_name, "n": count}
        )
    household._history_user = actor
    household.delete()
    cases.household_changed(household, deleted=True)
    totals.household_deleted(household)


# --- Household supports ----------------------------------------------------------------------------

SUPPORT_FIELDS = ["funding_program", "project", "subproject", "scheme", "year", "kind", "amount", "date", "note"]


def _validate_support(values: dict) -> dict:
    errors = Errors()
    program = values["funding_program"]
    kind = values["kind"]
    year = values["year"]
    if kind not in HouseholdSupportKind.values:
        errors.add(
            "kind",
            _("Nội dung hỗ trợ “%(kind)s” không có; chọn một trong: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(HouseholdSupportKind.values)},
        )
    if program not in FundingProgram.values:
        errors.add("funding_program", _("Chương trình phải là ntp_1719, ntp_poverty, ntp_rural hoặc other."))
    budget_year = (
        BudgetYear.objects.filter(year=year).first() if isinstance(year, int) and not isinstance(year, bool) else None
    )
    if budget_year is None:
        errors.add("year", _("Năm %(year)s không thuộc Chương trình (2021–2030).") % {"year": year})
    project, subproject = values["project"], values["subproject"]
    scheme = clean_text(values["scheme"])
    if program == FundingProgram.NTP_1719:
        if not isinstance(project, Project):
            errors.add("project", _("Hỗ trợ của Chương trình 1719: phải chọn dự án."))
        else:
            if budget_year is not None and project.program_id != budget_year.program_id:
                errors.add(
                    "project",
                    _("Dự án %(project)s không thuộc cơ cấu Chương trình áp dụng cho năm %(year)s.")
                    % {"project": project.code, "year": year},
                )
            if subproject is not None and subproject.project_id != project.pk:
                errors.add(
                    "subproject",
                    _("Tiểu dự án %(sub)s không thuộc %(project)s.")
                    % {"sub": subproject.code, "project": project.code},
                )
            elif subproject is None and project.subprojects.exists():
                errors.add(
                    "subproject",
                    _("Dự án %(project)s có tiểu dự án: phải chọn tiểu dự án.") % {"project": project.code},
                )
    elif program in FundingProgram.values:
        if project is not None or subproject is not None:
            errors.add("project", _("Dự án, tiểu dự án chỉ ghi cho hỗ trợ của Chương trình 1719."))
        if not scheme:
            errors.add("scheme", _("Hỗ trợ của chương trình khác: ghi tên dự án hoặc chính sách đã hỗ trợ."))
    check_amount(errors, values["amount"])
    day = values["date"]
    if (
        check_date(errors, day, "date", label=_("ngày hỗ trợ"))
        and isinstance(year, int)
        and day.year not in {year, year + 1}
    ):
        errors.add(
            "date",
            _("Ngày hỗ trợ phải trong năm %(year)s (hoặc năm %(next)s với vốn chuyển sang).")
            % {"year": year, "next": year + 1},
        )
    errors.raise_if_any()
    return {**values, "scheme": scheme, "note": clean_text(values["note"])}


@transaction.atomic
def household_support_create(
    *,
    actor,
    household: Household,
    year: int,
    kind: str,
    amount: int,
    date: datetime.date,
    funding_program: str = FundingProgram.NTP_1719,
    project: Project | None = None,
    subproject: SubProject | None = None,
    scheme: str = "",
    note: str = "",
) -> HouseholdSupport:
    household = _lock_household(household)
    require_write(actor, household.unit)
    cleaned = _validate_support(
        {
            "funding_program": funding_program,
            "project": project,
            "subproject": subproject,
            "scheme": scheme,
            "year": year,
            "kind": kind,
            "amount": amount,
            "date": date,
            "note": note,
        }
    )
    support = HouseholdSupport(household=household, created_by=actor, **cleaned)
    support._history_user = actor
    support.save()
    cases.supports_changed(household)
    totals.support_added(household, support)
    return support


@transaction.atomic
def household_support_update(*, actor, support: HouseholdSupport, **changes) -> HouseholdSupport:
    household = _lock_household(support.household)
    require_write(actor, household.unit)
    support = HouseholdSupport.objects.select_for_update().get(pk=support.pk)
    unknown = set(changes) - set(SUPPORT_FIELDS)
    if unknown:
        raise TypeError(f"household_support_update: unknown fields {sorted(unknown)}")
    values = {name: changes.get(name, getattr(support, name)) for name in SUPPORT_FIELDS}
    cleaned = _validate_support(values)
    before, before_amount = totals.support_key(support, totals.commune_of(household.unit)), support.amount
    for name, value in cleaned.items():
        setattr(support, name, value)
    support._history_user = actor
    support.save()
    cases.supports_changed(household)
    totals.support_changed(household, before, before_amount, support)
    return support


@transaction.atomic
def household_support_delete(*, actor, support: HouseholdSupport) -> None:
    household = _lock_household(support.household)
    require_write(actor, household.unit)
    support = HouseholdSupport.objects.select_for_update().get(pk=support.pk)  # history records the row as stored
    support._history_user = actor
    support.delete()
    cases.supports_changed(household)
    totals.support_deleted(household, support)
