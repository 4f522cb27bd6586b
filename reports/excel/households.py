"""Biểu số 04/BC-1719: households supported in the year, by program/project and kind of support, and by ethnic group.

Part I: 1, 2… the projects of the Program (and the other programs whose support is recorded), a, b… the kinds of
support: times supported and amount. Part II: 1, 2… ethnic groups: households (each household has one ethnic
group, so they add up), times supported, amount. Both parts total the same times and amount.
"""

from __future__ import annotations

from collections import defaultdict

from beneficiaries.choices import FundingProgram

from .capital import context, project_label, project_number
from .common import COUNT, MONEY, STT, TEXT, Column, Node, Row, SheetSpec, letter, roman

FORM_NO = "04"
SHEET = "Biểu 04 - Hộ được hỗ trợ"

COLUMNS = [
    Column("stt", ("STT",), 6, STT),
    Column("name", ("Nội dung",), 54, TEXT),
    Column("households", ("Số hộ",), 12, COUNT),
    Column("supports", ("Số lượt hộ được hỗ trợ",), 14, COUNT),
    Column("amount", ("Kinh phí hỗ trợ",), 16, MONEY),
    Column("note", ("Ghi chú",), 18, TEXT),
]


def _source(program: str, project: str) -> tuple:
    """The order of part I: the Program's projects first (by number), then the other programs."""
    if program == FundingProgram.NTP_1719:
        return (0, project_number(project) if project else 0, project)
    return (1, list(FundingProgram.values).index(program), "")


def build_rows(data) -> list[Row]:
    households = data.households
    kinds = households["kinds"]
    grouped: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (program, project, _sub, kind), (count, amount) in households["by_item"].items():
        key = (program, project if program == FundingProgram.NTP_1719 else "")
        grouped[key][kind][0] += count
        grouped[key][kind][1] += amount
    part_one = Node(Row("I", roman(1), "THEO DỰ ÁN VÀ NỘI DUNG HỖ TRỢ", "group"))
    for index, (program, project) in enumerate(sorted(grouped, key=lambda k: _source(*k)), start=1):
        if program == FundingProgram.NTP_1719:
            label = project_label(data, project) if project else "Chương trình 1719 (chưa ghi dự án)"
        else:
            label = households["programs"].get(program, program)
        item = Node(Row(f"I|{program}|{project}", str(index), str(label), "item"))
        ordered = sorted(grouped[(program, project)].items(), key=lambda kv: list(kinds).index(kv[0]))
        for k_index, (kind, (count, amount)) in enumerate(ordered, start=1):
            row = Row(f"I|{program}|{project}|{kind}", letter(k_index), str(kinds.get(kind, kind)), "detail")
            row.values.update({"supports": count, "amount": amount})
            item.children.append(Node(row))
        part_one.children.append(item)
    part_two = Node(Row("II", roman(2), "THEO DÂN TỘC", "group"))
    for index, (code, name, count_households, count, amount) in enumerate(households["by_ethnic"], start=1):
        row = Row(f"II|{code}", str(index), f"Dân tộc {name}", "sub")
        row.values.update({"households": count_households, "supports": count, "amount": amount})
        part_two.children.append(Node(row))
    rows = []
    for part in (part_one, part_two):
        part.finish(COLUMNS, lambda values: None)
        rows += part.flatten()
    return rows


def spec(data) -> SheetSpec:
    return SheetSpec(
        form_no=FORM_NO,
        title="KẾT QUẢ HỖ TRỢ HỘ GIA ĐÌNH THEO DỰ ÁN, NỘI DUNG HỖ TRỢ VÀ DÂN TỘC",
        subtitle=f"{data.unit.name} – {data.period_label} {data.year}",
        unit_note="ĐVT: hộ, lượt; kinh phí: triệu đồng",
        columns=COLUMNS,
        context=context(data),
        notes=[
            f"Ghi chú: Số hộ được hỗ trợ trong kỳ (mỗi hộ tính một lần): {data.households['households']} hộ. "
            "Một hộ có thể được hỗ trợ nhiều nội dung, nên ở phần I chỉ ghi số lượt hỗ trợ."
        ],
    )
