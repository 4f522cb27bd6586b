"""Biểu số 03/BC-1719: prestigious persons, and the support given to them by kind and by who paid.

Rows: TỔNG SỐ; 1, 2… kinds of support (QĐ 12/2018/QĐ-TTg, QĐ 28/2023/QĐ-TTg). Columns: times and amount in all
and by the paying level. "Số người" (persons helped) counts each person once per kind, so it does not add up over
the kinds and the total row leaves it empty; the number of persons on the list is in the note.
"""

from __future__ import annotations

from .capital import context
from .common import COUNT, MONEY, STT, TEXT, Column, Node, Row, SheetSpec

FORM_NO = "03"
SHEET = "Biểu 03 - Người có uy tín"
FUNDERS = [("province", "Tỉnh"), ("central", "Trung ương"), ("district", "Huyện"), ("other", "Khác")]
BY_FUNDER = "Chia theo cấp chi"

COLUMNS = [
    Column("stt", ("STT",), 6, STT),
    Column("name", ("Nội dung hỗ trợ",), 40, TEXT),
    Column("count", ("Tổng số", "Số lượt"), 10, COUNT),
    Column("persons", ("Tổng số", "Số người"), 10, COUNT, sums=False),
    Column("amount", ("Tổng số", "Kinh phí"), 13, MONEY),
]
for _value, _label in FUNDERS:
    COLUMNS += [
        Column(f"count_{_value}", (BY_FUNDER, _label, "Số lượt"), 9, COUNT),
        Column(f"amount_{_value}", (BY_FUNDER, _label, "Kinh phí"), 12, MONEY),
    ]


def build_rows(data) -> list[Row]:
    persons = data.persons
    total = Node(Row("total", "", "TỔNG SỐ", "total"))
    for index, (kind, label) in enumerate(persons["kinds"], start=1):
        row = Row(kind, str(index), label, "sub", {"count": 0, "amount": 0})
        row.values["persons"] = persons["persons_by_kind"].get(kind, 0)
        for funder, _label in FUNDERS:
            count, amount = persons["cells"].get((kind, funder), (0, 0))
            row.values[f"count_{funder}"] = count
            row.values[f"amount_{funder}"] = amount
            row.values["count"] += count
            row.values["amount"] += amount
        total.children.append(Node(row))
    total.finish(COLUMNS, lambda values: None)
    return total.flatten()


def spec(data) -> SheetSpec:
    persons = data.persons
    return SheetSpec(
        form_no=FORM_NO,
        title="KẾT QUẢ THỰC HIỆN CHÍNH SÁCH ĐỐI VỚI NGƯỜI CÓ UY TÍN TRONG ĐỒNG BÀO DÂN TỘC THIỂU SỐ",
        subtitle=f"{data.unit.name} – {data.period_label} {data.year}",
        unit_note="ĐVT: lượt, người; kinh phí: triệu đồng",
        columns=COLUMNS,
        context=context(data),
        notes=[
            f"Ghi chú: Số người có uy tín trong danh sách năm {data.year}: {persons['persons_on_list']} người. "
            f"Lớp tập huấn, bồi dưỡng: {persons['courses']} lớp, {persons['course_participants']} lượt người dự. "
            "Số người ở mỗi dòng tính mỗi người một lần trong dòng đó, nên không cộng thành tổng."
        ],
    )
