"""Biểu số 06/BC-1719: the units whose disbursement rate is under the threshold the province sets.

Rows: TỔNG SỐ of the listed lines; 1, 2… units; a, b… the capital types under the threshold.
"""

from __future__ import annotations

from ethnic_portal.formatting import compute_rate, format_rate
from programs.models import CapitalType

from ..selectors import low_rate_units
from .capital import context
from .common import MONEY, RATE, STT, TEXT, Column, Node, Row, SheetSpec, letter

FORM_NO = "06"
SHEET = "Biểu 06 - Giải ngân thấp"

COLUMNS = [
    Column("stt", ("STT",), 6, STT),
    Column("name", ("Đơn vị, loại vốn",), 44, TEXT),
    Column("allocated", ("Kế hoạch vốn",), 15, MONEY),
    Column("disbursed", ("Đã giải ngân",), 15, MONEY),
    Column("remaining", ("Còn lại",), 15, MONEY),
    Column("rate", ("Tỷ lệ giải ngân (%)",), 12, RATE),
]


def derive(values: dict) -> None:
    values["rate"] = compute_rate(values.get("disbursed") or 0, values.get("allocated") or 0)


def build_rows(data) -> list[Row]:
    total = Node(Row("total", "", "TỔNG SỐ", "total", {"allocated": 0, "disbursed": 0, "remaining": 0}))
    by_unit: dict = {}
    for unit, capital_type, figures in low_rate_units(data):
        if unit.pk not in by_unit:
            node = Node(Row(unit.path, str(len(by_unit) + 1), unit.name, "item"))
            by_unit[unit.pk] = node
            total.children.append(node)
        node = by_unit[unit.pk]
        row = Row(
            f"{unit.path}|{capital_type}",
            letter(len(node.children) + 1),
            str(CapitalType(capital_type).label),
            "detail",
            {"allocated": figures.allocated, "disbursed": figures.disbursed, "remaining": figures.remaining},
        )
        node.children.append(Node(row))
    total.finish(COLUMNS, derive)
    return total.flatten()


def spec(data) -> SheetSpec:
    return SheetSpec(
        form_no=FORM_NO,
        title=f"DANH SÁCH ĐƠN VỊ CÓ TỶ LỆ GIẢI NGÂN DƯỚI {format_rate(data.threshold)}",
        subtitle=f"{data.unit.name} – {data.period_label} {data.year}",
        unit_note="ĐVT: triệu đồng",
        columns=COLUMNS,
        context=context(data),
        notes=[
            f"Ghi chú: Ngưỡng {format_rate(data.threshold)} do Ban Dân tộc tỉnh thiết lập; tỷ lệ tính riêng cho "
            "từng loại vốn của từng đơn vị."
        ],
    )
