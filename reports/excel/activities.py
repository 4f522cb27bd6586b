"""Biểu số 05/BC-1719: program activities held in the period, by kind: how many, and who took part."""

from __future__ import annotations

from .capital import context
from .common import COUNT, STT, TEXT, Column, Node, Row, SheetSpec

FORM_NO = "05"
SHEET = "Biểu 05 - Hoạt động"
PEOPLE = "Số người tham gia"

COLUMNS = [
    Column("stt", ("STT",), 6, STT),
    Column("name", ("Loại hoạt động",), 46, TEXT),
    Column("count", ("Số hoạt động",), 14, COUNT),
    Column("participants", (PEOPLE, "Tổng số"), 14, COUNT),
    Column("male", (PEOPLE, "Nam"), 13, COUNT),
    Column("female", (PEOPLE, "Nữ"), 13, COUNT),
]


def build_rows(data) -> list[Row]:
    total = Node(Row("total", "", "TỔNG SỐ", "total"))
    for index, (kind, label, count, participants, male, female) in enumerate(data.activities["by_kind"], start=1):
        values = {"count": count, "participants": participants, "male": male, "female": female}
        total.children.append(Node(Row(kind, str(index), label, "sub", values)))
    total.finish(COLUMNS, lambda values: None)
    return total.flatten()


def spec(data) -> SheetSpec:
    activities = data.activities
    return SheetSpec(
        form_no=FORM_NO,
        title="KẾT QUẢ TỔ CHỨC CÁC HOẠT ĐỘNG CỦA CHƯƠNG TRÌNH",
        subtitle=f"{data.unit.name} – {data.period_label} {data.year}",
        unit_note="ĐVT: hoạt động, người",
        columns=COLUMNS,
        context=context(data),
        notes=[
            f"Ghi chú: Đại hội đại biểu các dân tộc thiểu số: {activities['congress_held']}/"
            f"{activities['congress_total']} đơn vị cấp dưới đã tổ chức; mô hình điểm đang duy trì: "
            f"{activities['pilot_models']}."
        ],
    )
