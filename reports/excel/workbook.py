"""The report workbook: the six forms in order, an information sheet, and the snapshot of what they show.

`build(data)` computes every form's rows once; the snapshot (`snapshot(built)`) and the sheets (`write`) both come
from those rows, so the figures stored with a job are exactly those of its file.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ethnic_portal import excel_safe

from . import activities, capital, households, low_rate, persons, subunits
from .common import FONT_NAME, MONEY, Row, vn_date, write_sheet

FORMS = [capital, subunits, persons, households, activities, low_rate]
SNAPSHOT_VERSION = 1


def build(data) -> list[tuple]:
    """(form module, sheet spec, rows) of every form."""
    built = []
    for form in FORMS:
        rows = form.build_rows(data)
        keys = [row.key for row in rows]
        if len(keys) != len(set(keys)):
            raise ValueError(f"Biểu {form.FORM_NO}: khóa dòng bị trùng")
        built.append((form, form.spec(data), rows))
    return built


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(built: list[tuple]) -> dict:
    """What the sheets show, as JSON: per form, its columns and, per row key, the STT and label and the values
    (money in whole đồng, counts, rates as decimal strings)."""
    forms = {}
    for form, spec, rows in built:
        columns = {c.key: " – ".join(c.header).format(**spec.context) for c in spec.columns}
        forms[form.FORM_NO] = {
            "title": spec.title,
            "columns": {k: v for k, v in columns.items() if k not in ("stt", "name")},
            "rows": {row.key: _row(row, path) for row, path in _with_parents(rows)},
        }
    return {"version": SNAPSHOT_VERSION, "forms": forms}


LEVELS = {"total": 0, "group": 1, "item": 2, "sub": 3, "detail": 4}


def _title(row: Row, limit: int | None = None) -> str:
    label = row.label if limit is None or len(row.label) <= limit else row.label[: limit - 1] + "…"
    return f"{row.stt}. {label}" if row.stt else label


def _with_parents(rows: list[Row]):
    """Each row with the rows above it in the tree (not the total), so that "1. Vốn đầu tư phát triển" of the
    diff says which section it belongs to."""
    stack: list[Row] = []
    for row in rows:
        while stack and LEVELS[stack[-1].level] >= LEVELS[row.level]:
            stack.pop()
        yield row, [parent for parent in stack if parent.level != "total"]
        stack.append(row)


def _row(row: Row, parents: list[Row]) -> dict:
    label = " › ".join([*(_title(p, 40) for p in parents), _title(row)])
    return {"label": label, "values": {k: _plain(v) for k, v in row.values.items() if v is not None and k != "note"}}


def write(
    data,
    built: list[tuple],
    path: str,
    *,
    meta: dict,
    on_section: Callable[[int, int], None] | None = None,
) -> None:
    """Write the workbook to `path` (a temporary file: the caller moves it into place once it is complete)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for index, (form, spec, rows) in enumerate(built, start=1):
        sheet = workbook.create_sheet(form.SHEET)
        write_sheet(sheet, spec, rows, unit=data.unit, signed_on=data.built_on, prepared_by=data.requested_by_name)
        if on_section:
            on_section(index, len(built) + 1)
    _info_sheet(workbook.create_sheet("Thông tin"), data, meta)
    workbook.active = 0
    workbook.properties.creator = "Cổng Chương trình MTQG DTTS&MN"
    workbook.properties.title = f"Báo cáo {data.unit.name} {data.period_label} {data.year}"
    workbook.properties.created = timezone.now().replace(tzinfo=None, microsecond=0)
    workbook.save(path)


def _info_sheet(ws, data, meta: dict) -> None:
    """Where the figures come from: the moment of the data, who asked, the code version, approval states."""
    bold = Font(name=FONT_NAME, size=11, bold=True)
    regular = Font(name=FONT_NAME, size=11)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 24
    rows = [
        ("Đơn vị", data.unit.name),
        ("Cấp báo cáo", meta.get("level_label", data.level)),
        ("Kỳ báo cáo", f"{data.period_label} {data.year}"),
        ("Giải ngân tính đến hết ngày", vn_date(data.cut_off)),
        ("Thời điểm lấy số liệu", timezone.localtime(data.data_moment).strftime("%H:%M:%S %d/%m/%Y")),
        ("Người yêu cầu", data.requested_by_name or "Hệ thống (tạo tự động)"),
        ("Mã báo cáo", str(meta.get("job_id", ""))),
        ("Bản trước", str(meta.get("previous_id") or "—")),
        ("Phiên bản phần mềm", meta.get("code_version", "")),
        ("Ngưỡng giải ngân thấp", f"{data.threshold}%"),
    ]
    for index, (label, value) in enumerate(rows, start=1):
        excel_safe.put(ws, index, 1, label).font = bold
        excel_safe.put(ws, index, 2, value).font = regular
    row = len(rows) + 2
    excel_safe.put(ws, row, 1, "Tình trạng phê duyệt số liệu kỳ").font = bold
    for approval in data.approvals:
        row += 1
        excel_safe.put(ws, row, 1, approval["unit"]).font = regular
        excel_safe.put(ws, row, 2, approval["name"]).font = regular
        excel_safe.put(ws, row, 3, approval["label"]).font = regular
    row += 2
    note = ws.cell(
        row=row,
        column=1,
        value="Số tiền trong các biểu là triệu đồng (giá trị chính xác đến đồng); tổng và tổng phụ là số cộng các "
        "dòng của nó. Mã kiểm tra SHA-256 của tệp xem ở trang báo cáo trên Cổng.",
    )
    note.font = Font(name=FONT_NAME, size=10, italic=True)
    note.alignment = Alignment(wrap_text=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
    ws.row_dimensions[row].height = 30


__all__ = ["FORMS", "MONEY", "build", "snapshot", "write"]
