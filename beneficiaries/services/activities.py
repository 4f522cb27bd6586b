"""Writes about program activities: trainings, communication events, pilot models, contests, congresses."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from geography.models import AdministrativeUnit, Level
from programs.models import Project, SubProject

from ..choices import ActivityKind, Scheme
from ..models import ActivityEthnicCount, EthnicGroup, ProgramActivity
from ..text import clean_text
from .common import Errors, require_write

ACTIVITY_FIELDS = [
    "kind",
    "title",
    "unit",
    "start_date",
    "end_date",
    "project",
    "subproject",
    "scheme",
    "location",
    "participants_total",
    "participants_male",
    "participants_female",
    "note",
]


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _validate_activity(values: dict, ethnic_counts: dict) -> dict:
    errors = Errors()
    if values["kind"] not in ActivityKind.values:
        errors.add(
            "kind", _("Loại hoạt động phải là một trong: %(kinds)s.") % {"kinds": ", ".join(ActivityKind.values)}
        )
    title = clean_text(values["title"])
    if not title:
        errors.add("title", _("Phải nhập tên hoạt động."))
    unit = values["unit"]
    if not isinstance(unit, AdministrativeUnit):
        errors.add("unit", _("Phải chọn đơn vị tổ chức."))
    elif values["kind"] == ActivityKind.CONGRESS and unit.level not in {Level.PROVINCE, Level.DISTRICT, Level.COMMUNE}:
        errors.add("unit", _("Đại hội đại biểu các DTTS do tỉnh, huyện (hoặc xã) tổ chức."))
    start, end = values["start_date"], values["end_date"]
    if not isinstance(start, datetime.date):
        errors.add("start_date", _("Phải nhập ngày tổ chức / bắt đầu."))
    elif end is not None and (not isinstance(end, datetime.date) or end < start):
        errors.add("end_date", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
    elif isinstance(unit, AdministrativeUnit) and not unit.is_valid_on(start):
        errors.add(
            "unit",
            _("%(unit)s không tồn tại vào ngày %(day)s.") % {"unit": unit.name, "day": start.strftime("%d/%m/%Y")},
        )
    project, subproject = values["project"], values["subproject"]
    if subproject is not None and (not isinstance(project, Project) or subproject.project_id != project.pk):
        errors.add("subproject", _("Tiểu dự án không thuộc dự án đã chọn."))
    scheme = values["scheme"] or ""
    if scheme not in Scheme.values:
        errors.add("scheme", _("Đề án không có trong danh mục."))
    if project is None and not scheme:
        errors.add("scheme", _("Ghi dự án của Chương trình hoặc đề án mà hoạt động thuộc về."))
    total, male, female = values["participants_total"], values["participants_male"], values["participants_female"]
    if not all(_count(v) for v in (total, male, female)):
        errors.add("participants_total", _("Số người tham gia phải là số nguyên không âm."))
    elif male + female != total:
        errors.add(
            "participants_total",
            _("Tổng số người tham gia (%(total)s) phải bằng số nam (%(male)s) cộng số nữ (%(female)s).")
            % {"total": total, "male": male, "female": female},
        )
    else:
        for group, count in ethnic_counts.items():
            if not isinstance(group, EthnicGroup) or not _count(count):
                errors.add(
                    "ethnic_counts",
                    _("Số người theo dân tộc phải là số nguyên không âm của một dân tộc trong danh mục."),
                )
                break
        else:
            if sum(ethnic_counts.values()) > total:
                errors.add(
                    "ethnic_counts",
                    _("Tổng số người theo dân tộc (%(sum)s) vượt tổng số người tham gia (%(total)s).")
                    % {"sum": sum(ethnic_counts.values()), "total": total},
                )
    errors.raise_if_any()
    return {
        **values,
        "title": title,
        "scheme": scheme,
        "location": clean_text(values["location"]),
        "note": clean_text(values["note"]),
    }


def _save_counts(activity: ProgramActivity, ethnic_counts: dict, actor) -> None:
    existing = {row.ethnic_group_id: row for row in activity.ethnic_counts.select_for_update()}
    wanted = {group.pk: count for group, count in ethnic_counts.items() if count}
    for group_id, row in existing.items():
        if group_id not in wanted:
            row._history_user = actor
            row.delete()
        elif row.participants != wanted[group_id]:
            row.participants = wanted[group_id]
            row._history_user = actor
            row.save()
    for group_id, count in wanted.items():
        if group_id not in existing:
            row = ActivityEthnicCount(activity=activity, ethnic_group_id=group_id, participants=count)
            row._history_user = actor
            row.save()


@transaction.atomic
def program_activity_create(
    *,
    actor,
    kind: str,
    title: str,
    unit: AdministrativeUnit,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    project: Project | None = None,
    subproject: SubProject | None = None,
    scheme: str = "",
    location: str = "",
    participants_total: int = 0,
    participants_male: int = 0,
    participants_female: int = 0,
    ethnic_counts: dict | None = None,
    note: str = "",
) -> ProgramActivity:
    if isinstance(unit, AdministrativeUnit):
        require_write(actor, unit)
    ethnic_counts = ethnic_counts or {}
    values = {name: value for name, value in locals().items() if name in ACTIVITY_FIELDS}
    cleaned = _validate_activity(values, ethnic_counts)
    activity = ProgramActivity(**cleaned, created_by=actor)
    activity._history_user = actor
    activity.save()
    _save_counts(activity, ethnic_counts, actor)
    return activity


@transaction.atomic
def program_activity_update(
    *, actor, activity: ProgramActivity, ethnic_counts: dict | None = None, **changes
) -> ProgramActivity:
    activity = ProgramActivity.objects.select_for_update(of=("self",)).select_related("unit").get(pk=activity.pk)
    require_write(actor, activity.unit)
    values = {name: changes.get(name, getattr(activity, name)) for name in ACTIVITY_FIELDS}
    if isinstance(values["unit"], AdministrativeUnit) and values["unit"].pk != activity.unit_id:
        require_write(actor, values["unit"])
    if ethnic_counts is None:
        ethnic_counts = {
            row.ethnic_group: row.participants for row in activity.ethnic_counts.select_related("ethnic_group")
        }
    cleaned = _validate_activity(values, ethnic_counts)
    for name, value in cleaned.items():
        setattr(activity, name, value)
    activity._history_user = actor
    activity.save()
    _save_counts(activity, ethnic_counts, actor)
    return activity


@transaction.atomic
def program_activity_delete(*, actor, activity: ProgramActivity) -> None:
    activity = ProgramActivity.objects.select_for_update(of=("self",)).select_related("unit").get(pk=activity.pk)
    require_write(actor, activity.unit)
    for row in activity.ethnic_counts.all():
        row._history_user = actor
        row.delete()
    activity._history_user = actor
    activity.delete()
