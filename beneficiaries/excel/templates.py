"""The import templates an officer downloads, with the codes they may use on reference sheets."""

from ethnic_portal import clock
from ethnic_portal.excel_import import build_template
from ethnic_portal.forms import scoped_units
from geography.models import Level
from programs.models import SubProject

from ..models import EthnicGroup, ImportKind, PrestigiousPerson
from .importers import IMPORTERS

MAX_REFERENCE_ROWS = 5000


def _units(user):
    units = (
        scoped_units(user)
        .filter(level__in=[Level.VILLAGE, Level.COMMUNE])
        .valid_on(clock.today())
        .select_related("parent")
        .order_by("path")[:MAX_REFERENCE_ROWS]
    )
    return ("Don vi", ["Mã", "Tên", "Thuộc"], ([u.code, u.name, u.parent.name if u.parent else ""] for u in units))


def _groups():
    return (
        "Dan toc",
        ["Mã", "Tên", "Cách viết thông dụng"],
        ([g.code, g.name, g.common_spelling] for g in EthnicGroup.objects.order_by("code")),
    )


def reference_persons(user):
    """The persons listed on the support template's reference sheet (an export of people: the view logs it)."""
    return (
        PrestigiousPerson.objects.for_user(user)
        .select_related("unit")
        .order_by("unit__path", "name_key")[:MAX_REFERENCE_ROWS]
    )


def build(kind: str, *, user) -> bytes:
    columns = IMPORTERS[kind].columns
    sheets = [_units(user)]
    if kind in {ImportKind.PERSONS, ImportKind.HOUSEHOLDS}:
        sheets.append(_groups())
    if kind == ImportKind.PERSON_SUPPORTS:
        persons = reference_persons(user)
        sheets.append(
            (
                "Nguoi co uy tin",
                ["Họ và tên", "Năm sinh", "Mã thôn hoặc xã", "Tình trạng"],
                ([p.full_name, p.birth_year, p.unit.code, p.get_status_display()] for p in persons),
            )
        )
    if kind == ImportKind.HOUSEHOLD_SUPPORTS:
        subs = SubProject.objects.select_related("project__program").order_by(
            "project__program__start_year", "project__number", "number"
        )
        sheets.append(
            (
                "Du an",
                ["Mã dự án", "Mã tiểu dự án", "Giai đoạn", "Tên"],
                (
                    [s.project.code, s.code, s.project.program.short_name or s.project.program.code, s.name]
                    for s in subs
                ),
            )
        )
    return build_template(columns, reference_sheets=sheets)
