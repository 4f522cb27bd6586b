"""reports/excel/common._put reuses a style combination's index array: same look as setting each style, and text
that could read as a formula keeps its quote prefix (ethnic_portal/excel_safe.py)."""

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from reports.excel import common


def test_shared_styles_look_the_same_and_a_risky_text_keeps_its_quote_prefix():
    sheet = Workbook().active
    font, fill = Font(name=common.FONT_NAME, bold=True), PatternFill("solid", fgColor="DDEBF7")
    values = ["a", "b", '=HYPERLINK("x")', "c", "+1", 12]
    for row, value in enumerate(values, start=1):
        common._put(sheet, row, 1, value, font=font, fill=fill, border=common.BORDER, number_format="#,##0")
        common._put(sheet, row, 2, value, alignment=Alignment(horizontal="right"))
    for row, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=1)
        assert cell.value == value
        assert cell.font.b
        assert cell.fill.fgColor.rgb.endswith("DDEBF7")
        assert cell.border == common.BORDER
        assert cell.number_format == "#,##0"
        risky = isinstance(value, str) and value[0] in "=+"
        assert cell.quotePrefix == risky, row
        assert (cell.data_type == "s") if risky else True
        assert sheet.cell(row=row, column=2).alignment.horizontal == "right"
        assert sheet.cell(row=row, column=2).quotePrefix == risky
