"""What every report form shares: the national header, the reporting body, the merged multi-row column header
built from a form's declared columns, Vietnamese row numbering, number formats, print setup and the signature block.

A form declares its columns once (`Column`: key, header path from top to bottom, width, kind) and builds its rows
(`Row`: key, STT, label, level, values). Money in a `Row` is an integer number of đồng; it becomes a number of
triệu đồng (an exact Decimal) only in the cell. Totals and subtotals are computed in đồng by the form and written
as values, never as formulas, so the file shows the same figures in every program and in the snapshot.

Why openpyxl's normal mode rather than write_only: the header needs merged cells, and a report is a few hundred
rows per sheet (the province report of the demo: about 1.000 rows in all), which normal mode writes in well under
a second; write_only would save memory we do not need and make merges and print titles awkward.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ethnic_portal import excel_safe
from geography.models import AdministrativeUnit, Level, is_nation

TRIEU = Decimal(1_000_000)

# Number formats: the cell keeps the number, the reader's Excel/LibreOffice shows the separators of its locale
# (1.234,567 in Vietnamese). Zero shows as "-", as in the official tables.
MONEY_FORMAT = '#,##0.000;-#,##0.000;"-"'
COUNT_FORMAT = '#,##0;-#,##0;"-"'
RATE_FORMAT = '0.0"%"'

FONT_NAME = "Times New Roman"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TOTAL_FILL = PatternFill("solid", fgColor="E7E6E6")
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")

# Style of a row by its level: bold and fill for totals and groups, italic for the detail lines (a, b…).
ROW_FONTS = {
    "total": Font(name=FONT_NAME, size=11, bold=True),
    "group": Font(name=FONT_NAME, size=11, bold=True),
    "item": Font(name=FONT_NAME, size=11, bold=True),
    "sub": Font(name=FONT_NAME, size=11),
    "detail": Font(name=FONT_NAME, size=11, italic=True),
}
ROW_FILLS = {"total": TOTAL_FILL, "group": GROUP_FILL}


def trieu(amount: int | None) -> Decimal | None:
    """Đồng → triệu đồng, exactly: one division of an integer, done only for the cell."""
    return None if amount is None else Decimal(amount) / TRIEU


def roman(number: int) -> str:
    values = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC")]
    values += [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    text = ""
    for value, letters in values:
        while number >= value:
            text += letters
            number -= value
    return text


def letter(number: int) -> str:
    """1 → a, 26 → z, 27 → aa (the sub-items of a form)."""
    text = ""
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def vn_date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def vn_long_date(day: datetime.date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


# --- Columns and rows ------------------------------------------------------------------------------

TEXT, STT, MONEY, COUNT, RATE = "text", "stt", "money", "count", "rate"
NUMBER_FORMATS = {MONEY: MONEY_FORMAT, COUNT: COUNT_FORMAT, RATE: RATE_FORMAT}


@dataclass(frozen=True)
class Column:
    key: str
    header: tuple[str, ...]  # labels from the top header row down; placeholders {year}, {as_of}, {cut_off}
    width: float
    kind: str = MONEY
    sums: bool | None = None  # None: money and counts add up over the lines; rates and text do not

    @property
    def additive(self) -> bool:
        return self.kind in (MONEY, COUNT) if self.sums is None else self.sums


@dataclass
class Row:
    key: str  # stable across snapshots: what the diff compares
    stt: str
    label: str
    level: str  # total, group, item, sub, detail
    values: dict = field(default_factory=dict)  # column key → int (đồng, count) | Decimal (rate) | str | None


def header_cells(columns: list[Column]) -> list[tuple[int, int, int, int, str]]:
    """(first row offset, first column, last row offset, last column, label) of each header cell, 0-based.

    A label shared by consecutive columns under the same parent spans them; a column's last label spans down to
    the bottom header row. Declared once per form, so changing the layout is changing the column list.
    """
    depth = max(len(c.header) for c in columns)
    cells = []
    for level in range(depth):
        col = 0
        while col < len(columns):
            path = columns[col].header
            if len(path) <= level:
                col += 1
                continue
            if len(path) == level + 1:
                cells.append((level, col, depth - 1, col, path[level]))
                col += 1
                continue
            end = col
            while (
                end + 1 < len(columns)
                and len(columns[end + 1].header) > level + 1
                and columns[end + 1].header[: level + 1] == path[: level + 1]
            ):
                end += 1
            cells.append((level, col, level, end, path[level]))
            col = end + 1
    return cells


def sum_rows(rows: Iterable[Row], columns: list[Column]) -> dict:
    """The additive columns of `rows`, summed (integers: đồng and counts); None where no line has a value."""
    totals: dict = {c.key: None for c in columns if c.additive}
    for row in rows:
        for key in totals:
            value = row.values.get(key)
            if value is not None:
                totals[key] = (totals[key] or 0) + value
    return totals


@dataclass
class Node:
    """A row and the rows it totals. `finish` fills a parent from its children, bottom up."""

    row: Row
    children: list = field(default_factory=list)

    def finish(self, columns: list[Column], derive: Callable[[dict], None]) -> Row:
        if self.children:
            for child in self.children:
                child.finish(columns, derive)
            self.row.values.update(sum_rows((c.row for c in self.children), columns))
        derive(self.row.values)
        return self.row

    def flatten(self) -> list[Row]:
        rows = [self.row]
        for child in self.children:
            rows.extend(child.flatten())
        return rows


# --- The reporting body --------------------------------------------------------------------------

# Who issues a report at each level [R: the usual practice; the official forms were not retrieved]. The
# provincial ethnic-affairs committee became a department (Sở Dân tộc và Tôn giáo) in the 2025 reorganisation.
AGENCY_BY_LEVEL = {
    Level.PROVINCE: "BAN DÂN TỘC",
    Level.DISTRICT: "PHÒNG DÂN TỘC",
}
PROVINCE_AGENCY_SINCE_2025 = "SỞ DÂN TỘC VÀ TÔN GIÁO"
REORGANISED_ON = datetime.date(2025, 3, 1)
PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "Huyện ", "Thị xã ", "Thị trấn ", "Xã ", "Phường ", "Quận ")


def place_name(unit: AdministrativeUnit) -> str:
    """`Tỉnh Bắc Kạn` → `Bắc Kạn`, for "Bắc Kạn, ngày … tháng … năm …"."""
    for prefix in PLACE_PREFIXES:
        if unit.name.startswith(prefix):
            return unit.name[len(prefix) :]
    return unit.name


# The national report is the Ministry's, which runs the Program since 1/3/2025 (formerly Ủy ban Dân tộc); a
# ministry's heading has no authority line above it. It is signed in Hà Nội.
NATIONAL_AGENCY = "BỘ DÂN TỘC VÀ TÔN GIÁO"
NATIONAL_PLACE = "Hà Nội"


def signing_place(unit: AdministrativeUnit) -> str:
    """Where the report is signed: the province's name, Hà Nội for the country's report."""
    return NATIONAL_PLACE if is_nation(unit) else place_name(unit.province)


def reporting_body(unit: AdministrativeUnit) -> tuple[str, str]:
    """(the authority above, the body that issues the report), upper case, for the top left of the sheet."""
    if is_nation(unit):
        return "", NATIONAL_AGENCY
    authority = f"UBND {unit.name.upper()}"
    if unit.level == Level.PROVINCE:
        reorganised = unit.valid_from is not None and unit.valid_from >= REORGANISED_ON
        return authority, PROVINCE_AGENCY_SINCE_2025 if reorganised else AGENCY_BY_LEVEL[Level.PROVINCE]
    if unit.level == Level.DISTRICT:
        return authority, AGENCY_BY_LEVEL[Level.DISTRICT]
    parent = unit.parent
    return (f"UBND {parent.name.upper()}" if parent else authority), authority


# --- Writing a sheet -----------------------------------------------------------------------------


@dataclass
class SheetSpec:
    form_no: str  # "01"
    title: str
    subtitle: str
    unit_note: str  # "ĐVT: triệu đồng"
    columns: list[Column]
    context: dict  # header placeholders
    notes: list[str] = field(default_factory=list)


RIGHT_BLOCK_WIDTH = 50  # characters: "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in bold 12 pt on one line


def _right_block(columns: list[Column], split: int) -> int:
    """The first column of the right block (national motto, place and date, head of unit): the right half of the
    sheet, widened leftwards until the motto fits on one line."""
    right = len(columns) // 2 + 1
    while right > split + 1 and sum(c.width for c in columns[right - 1 :]) < RIGHT_BLOCK_WIDTH:
        right -= 1
    return max(right, split + 1)


def _merge(ws: Worksheet, row1: int, col1: int, row2: int, col2: int) -> None:
    if (row1, col1) != (row2, col2):
        ws.merge_cells(start_row=row1, start_column=col1, end_row=row2, end_column=col2)


def _put(ws, row, col, value, *, font=None, alignment=None, border=None, fill=None, number_format=None):
    """One cell, text-safe, with its style. openpyxl looks each style object up in the workbook's tables by hashing
    it, which cost a province report (135 communes, 60.000 cells) seven of its nine seconds: a combination is
    looked up once per sheet and its index array copied to the next new cells (the objects are kept with it, so
    their ids stay theirs). A quote-prefixed cell (text that could read as a formula) keeps the slow path, so its
    prefix, part of the style, is never overwritten."""
    cell = excel_safe.put(ws, row, col, value)
    if font is None and alignment is None and border is None and fill is None and number_format is None:
        return cell
    styles = ws.__dict__.setdefault("_portal_styles", {})
    key = (id(font), id(alignment), id(border), id(fill), number_format)
    cached = styles.get(key)
    fresh = not cell.has_style  # a new cell, not quote-prefixed: its whole style is the one asked for
    if cached is not None and fresh:
        cell._style = copy.copy(cached[0])
        return cell
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if cached is None and fresh:
        styles[key] = (copy.copy(cell._style), font, alignment, border, fill)
    return cell


def write_sheet(
    ws: Worksheet,
    spec: SheetSpec,
    rows: list[Row],
    *,
    unit: AdministrativeUnit,
    signed_on: datetime.date,
    prepared_by: str = "",
    on_rows: Callable[[int], None] | None = None,
) -> dict:
    """Write one form on `ws`. Returns where things went: header rows, first and last data row."""
    columns = spec.columns
    width = len(columns)
    split = 2  # the left block (reporting body, "Người lập biểu") spans the STT and name columns
    right = _right_block(columns, split)
    regular = Font(name=FONT_NAME, size=12)
    bold = Font(name=FONT_NAME, size=12, bold=True)
    bold_underlined = Font(name=FONT_NAME, size=12, bold=True, underline="single")
    italic = Font(name=FONT_NAME, size=12, italic=True)

    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width

    authority, body = reporting_body(unit)
    _put(ws, 1, 1, authority, font=regular, alignment=CENTER)
    _merge(ws, 1, 1, 1, split)
    _put(ws, 2, 1, body, font=bold_underlined, alignment=CENTER)
    _merge(ws, 2, 1, 2, split)
    _put(ws, 1, right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=bold, alignment=CENTER)
    _merge(ws, 1, right, 1, width)
    _put(ws, 2, right, "Độc lập - Tự do - Hạnh phúc", font=bold_underlined, alignment=CENTER)
    _merge(ws, 2, right, 2, width)
    _put(ws, 3, right, f"Biểu số {spec.form_no}/BC-1719", font=italic, alignment=Alignment(horizontal="right"))
    _merge(ws, 3, right, 3, width)
    _put(ws, 4, 1, spec.title, font=Font(name=FONT_NAME, size=14, bold=True), alignment=CENTER)
    _merge(ws, 4, 1, 4, width)
    ws.row_dimensions[4].height = 36
    _put(ws, 5, 1, spec.subtitle, font=bold, alignment=CENTER)
    _merge(ws, 5, 1, 5, width)
    _put(ws, 6, 1, spec.context.get("moment_note", ""), font=italic, alignment=CENTER)
    _merge(ws, 6, 1, 6, width)
    unit_col = max(1, width - 2)
    _put(ws, 7, unit_col, spec.unit_note, font=italic, alignment=Alignment(horizontal="right"))
    _merge(ws, 7, unit_col, 7, width)

    header_top = 8
    depth = max(len(c.header) for c in columns)
    header_font = Font(name=FONT_NAME, size=11, bold=True)
    for row_offset, col, row_end, col_end, label in header_cells(columns):
        for r in range(header_top + row_offset, header_top + row_end + 1):
            for c in range(col + 1, col_end + 2):
                _put(ws, r, c, None, border=BORDER)
        _put(ws, header_top + row_offset, col + 1, label.format(**spec.context), font=header_font, alignment=CENTER)
        _merge(ws, header_top + row_offset, col + 1, header_top + row_end, col_end + 1)
    numbers_row = header_top + depth
    number = 0
    for index in range(1, width + 1):
        if index <= split:
            label = "AB"[index - 1]
        else:
            number += 1
            label = str(number)
        _put(ws, numbers_row, index, label, font=Font(name=FONT_NAME, size=10, italic=True), alignment=CENTER)
        ws.cell(row=numbers_row, column=index).border = BORDER

    first = numbers_row + 1
    current = first
    for count, row in enumerate(rows, start=1):
        font = ROW_FONTS.get(row.level, ROW_FONTS["sub"])
        fill = ROW_FILLS.get(row.level)
        for index, column in enumerate(columns, start=1):
            if column.key == "stt":
                value, alignment = row.stt, CENTER
            elif column.key == "name":
                value, alignment = row.label, LEFT
            else:
                value = row.values.get(column.key)
                if column.kind == MONEY:
                    value = trieu(value)
                alignment = LEFT if column.kind == TEXT else RIGHT
            _put(
                ws,
                current,
                index,
                value,
                font=font,
                alignment=alignment,
                border=BORDER,
                fill=fill,
                number_format=NUMBER_FORMATS.get(column.kind),
            )
        current += 1
        if on_rows and count % 200 == 0:
            on_rows(count)
    last = current - 1

    current += 1
    for note in spec.notes:
        _put(ws, current, 1, note, font=Font(name=FONT_NAME, size=11, italic=True), alignment=LEFT)
        _merge(ws, current, 1, current, width)
        ws.row_dimensions[current].height = 30
        current += 1

    current += 1
    _put(ws, current, right, f"{signing_place(unit)}, {vn_long_date(signed_on)}", font=italic, alignment=CENTER)
    _merge(ws, current, right, current, width)
    current += 1
    _put(ws, current, 1, "NGƯỜI LẬP BIỂU", font=bold, alignment=CENTER)
    _merge(ws, current, 1, current, split)
    _put(ws, current, right, "THỦ TRƯỞNG ĐƠN VỊ", font=bold, alignment=CENTER)
    _merge(ws, current, right, current, width)
    current += 1
    _put(ws, current, 1, "(Ký, ghi rõ họ tên)", font=italic, alignment=CENTER)
    _merge(ws, current, 1, current, split)
    _put(ws, current, right, "(Ký, ghi rõ họ tên, đóng dấu)", font=italic, alignment=CENTER)
    _merge(ws, current, right, current, width)
    current += 5
    if prepared_by:
        _put(ws, current, 1, prepared_by, font=bold, alignment=CENTER)
        _merge(ws, current, 1, current, split)

    ws.freeze_panes = ws.cell(row=first, column=split + 1)
    ws.print_title_rows = f"{header_top}:{numbers_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Trang &P / &N"
    return {"header_top": header_top, "numbers_row": numbers_row, "first": first, "last": last}
