"""Exports of people: the filtered lists of households and of prestigious persons as Excel files.

The rows come from the page's scoped selector (for_user); personal fields are written as the user may see them
(beneficiaries/personal_data.py: a citizen ID number masked for province staff and leaders); text is written
as text, never as a formula (ethnic_portal/excel_safe.py); and `download` writes the access-log row with the
number of records exported (Decree 13/2023/NĐ-CP).
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ethnic_portal.excel_import import XLSX_CONTENT_TYPE
from ethnic_portal.excel_safe import append_row

from .. import services
from ..choices import CommunityRole, Gender, PersonStatus, PovertyStatus
from ..models import AccessAction
from ..personal_data import shown


@dataclass
class Export:
    name: str  # the file name's stem and the sheet's title
    header: list[str]
    widths: list[int]
    rows: Iterable[list]


def _place(unit) -> tuple[str, str]:
    parent = unit.parent.name if unit.parent_id and unit.parent else ""
    return unit.name, parent


def _labels(choices) -> dict:
    """A choice's label once per export, not once per row (lazy translations are costly by the thousand)."""
    return {value: str(label) for value, label in choices}


def households(queryset, *, user) -> Export:
    poverty = _labels(PovertyStatus.choices)

    def rows():
        for h in queryset.iterator(chunk_size=1000):
            place, parent = _place(h.unit)
            yield [
                h.pk,
                h.head_name,
                shown(user, h, "head_id_number"),
                h.ethnic_group.name,
                h.unit.code,
                place,
                parent,
                h.members,
                poverty.get(h.poverty_status, h.poverty_status),
                h.poverty_year,
                h.note,
            ]

    return Export(
        name="ho-thu-huong",
        header=[
            _("Mã hộ"),
            _("Họ tên chủ hộ"),
            _("Số định danh (CCCD) chủ hộ"),
            _("Dân tộc"),
            _("Mã thôn hoặc xã"),
            _("Thôn hoặc xã"),
            _("Thuộc"),
            _("Số nhân khẩu"),
            _("Phân loại hộ"),
            _("Năm phân loại"),
            _("Ghi chú"),
        ],
        widths=[8, 26, 18, 12, 12, 22, 22, 10, 14, 10, 30],
        rows=rows(),
    )


def persons(queryset, *, user) -> Export:
    gender, role, status = _labels(Gender.choices), _labels(CommunityRole.choices), _labels(PersonStatus.choices)

    def rows():
        for p in queryset.iterator(chunk_size=1000):
            place, parent = _place(p.unit)
            yield [
                p.pk,
                p.full_name,
                gender.get(p.gender, p.gender),
                p.birth_year,
                p.ethnic_group.name,
                p.unit.code,
                place,
                parent,
                role.get(p.community_role, p.community_role),
                p.term_start,
                p.term_end,
                p.approval_decision_no,
                p.approval_decision_date.strftime("%d/%m/%Y") if p.approval_decision_date else "",
                status.get(p.status, p.status),
                p.note,
            ]

    return Export(
        name="nguoi-co-uy-tin",
        header=[
            _("Mã"),
            _("Họ và tên"),
            _("Giới tính"),
            _("Năm sinh"),
            _("Dân tộc"),
            _("Mã thôn hoặc xã"),
            _("Thôn hoặc xã"),
            _("Thuộc"),
            _("Vai trò trong cộng đồng"),
            _("Nhiệm kỳ từ năm"),
            _("Nhiệm kỳ đến năm"),
            _("Số quyết định công nhận"),
            _("Ngày quyết định"),
            _("Tình trạng"),
            _("Ghi chú"),
        ],
        widths=[8, 26, 9, 9, 12, 12, 22, 22, 20, 10, 10, 18, 12, 12, 30],
        rows=rows(),
    )


def workbook(export: Export) -> tuple[bytes, int]:
    """The file and the number of data rows in it."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(export.name[:31])
    for index, width in enumerate(export.widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in export.header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in export.rows:
        append_row(sheet, row)
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def download(export: Export, *, request, subject: str) -> HttpResponse:
    content, count = workbook(export)
    services.record_access(request=request, action=AccessAction.EXPORT, subject=subject, count=count)
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{export.name}-{stamp}.xlsx"'
    return response
