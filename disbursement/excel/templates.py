"""The import templates an officer downloads: headers, a help row, drop-down lists, and a sheet of the
allocations in their scope (so a disbursement row can copy its allocation's columns)."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from disbursement import selectors

from .columns import CHOICE_LISTS, COLUMNS

KINDS = set(COLUMNS)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SOURCE_LABEL = {"central": "Trung ương", "local": "Địa phương", "other": "Khác"}
TYPE_LABEL = {"investment": "Đầu tư", "recurrent": "Sự nghiệp"}


def build_template(kind: str, *, user) -> bytes:
    columns = COLUMNS[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Nhap lieu"
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
        letter = get_column_letter(index)
        if column.key in CHOICE_LISTS:
            validation = DataValidation(
                type="list", formula1=f'"{CHOICE_LISTS[column.key]}"', allow_blank=not column.required
            )
            validation.error = f"Chọn một giá trị: {CHOICE_LISTS[column.key]}"
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}5000")
        if column.kind == "money":
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "#,##0"
        if column.kind == "date":
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "DD/MM/YYYY"
        if column.kind == "text":
            # Text cells keep what is typed: a unit code 061 or 01888 would otherwise become the number 61 or 1888.
            for row in range(2, 502):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("Huong dan")
    guide.append(["Cột", "Bắt buộc", "Cách ghi"])
    for column in columns:
        guide.append([column.header, "có" if column.required else "không", column.help])
    guide.append([])
    guide.append(
        [
            "Mỗi dòng một khoản. Tệp có bất kỳ dòng lỗi nào thì không dòng nào được ghi; dòng đã có trong hệ thống được bỏ qua."
        ]
    )
    for letter, width in (("A", 26), ("B", 10), ("C", 70)):
        guide.column_dimensions[letter].width = width

    if kind == "disbursements":
        reference = workbook.create_sheet("Phan bo hien co")
        reference.append([c.header for c in columns[:8]] + ["Còn lại (đồng)"])
        allocations = (
            selectors.allocation_list(user=user)
            .filter(carried_to__isnull=True, remaining__gt=0)
            .order_by("-year", "unit__path", "project__number", "pk")[:5000]
        )
        for allocation in allocations:
            reference.append(
                [
                    allocation.year,
                    allocation.unit.code,
                    allocation.project.code,
                    allocation.subproject.code if allocation.subproject else "",
                    TYPE_LABEL[allocation.capital_type],
                    SOURCE_LABEL[allocation.source],
                    allocation.origin_year,
                    allocation.decision_no,
                    allocation.remaining,
                ]
            )
            reference.cell(row=reference.max_row, column=9).number_format = "#,##0"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
