"""Biểu số 02/BC-1719: the same capital columns, a section per unit below the report's unit.

Sections: the capital the unit holds itself (cấp tỉnh / cấp huyện trực tiếp thực hiện), then each district of a
province (each commune where the province has no districts, since 1/7/2025), or each commune of a district, as
they were in the report's year. Rows: TỔNG SỐ; I, II… sections; 1, 2 capital types; 1.1, 1.2… projects and
sub-projects. The note of a section says where its period stands in approval.
"""

from __future__ import annotations

from collections import defaultdict

from geography.models import Level
from programs.models import CapitalType

from . import capital
from .common import Node, Row, SheetSpec, roman

FORM_NO = "02"
SHEET = "Biểu 02 - Theo đơn vị"
COLUMNS = capital.COLUMNS

OWN_LABELS = {
    Level.PROVINCE: "Cấp tỉnh trực tiếp thực hiện",
    Level.DISTRICT: "Cấp huyện trực tiếp thực hiện",
    Level.COMMUNE: "Cấp xã trực tiếp thực hiện",
}


def item_key(project: str, sub: str) -> tuple[int, int]:
    return capital.project_number(project), capital.sub_number(sub) if sub else 0


def build_rows(data) -> list[Row]:
    by_section: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for (section, capital_type, project, sub, _origin, source), amounts in data.lines.items():
        cell = by_section[section][capital_type][(project, sub)]
        if source not in cell:
            cell[source] = type(amounts)()
        cell[source].add(amounts)
    total = Node(Row("total", "", "TỔNG SỐ", "total"))
    for s_index, section in enumerate(data.sections, start=1):
        label = OWN_LABELS.get(data.unit.level, section.name) if section.own else section.name
        s_row = Row(section.key, roman(s_index), label, "group")
        if section.approval:
            s_row.values["note"] = f"Số liệu kỳ: {section.approval['label']}"
        s_node = Node(s_row)
        types = by_section.get(section.key, {})
        for t_index, capital_type in enumerate(CapitalType.values, start=1):
            t_node = Node(
                Row(f"{section.key}|{capital_type}", str(t_index), str(CapitalType(capital_type).label), "item")
            )
            items = sorted(types.get(capital_type, {}).items(), key=lambda kv: item_key(*kv[0]))
            for i_index, ((project, sub), by_source) in enumerate(items, start=1):
                code = sub or project
                row = Row(
                    f"{section.key}|{capital_type}|{code}",
                    f"{t_index}.{i_index}",
                    f"{code} – {data.names.get(code, code)}",
                    "sub",
                )
                row.values.update(capital.line_values(by_source))
                t_node.children.append(Node(row))
            s_node.children.append(t_node)
        total.children.append(s_node)
    total.finish(COLUMNS, capital.derive)
    return total.flatten()


def spec(data) -> SheetSpec:
    levels = {s.unit.level for s in data.sections if not s.own}
    below = "tỉnh" if Level.PROVINCE in levels else "huyện" if Level.DISTRICT in levels else "xã"
    return SheetSpec(
        form_no=FORM_NO,
        title=f"TÌNH HÌNH PHÂN BỔ, GIẢI NGÂN VỐN CHƯƠNG TRÌNH THEO ĐƠN VỊ CẤP {below.upper()}",
        subtitle=f"{data.unit.name} – {data.period_label} {data.year}",
        unit_note="ĐVT: triệu đồng",
        columns=COLUMNS,
        context=capital.context(data),
        notes=[
            "Ghi chú: Mỗi mục I, II… là một đơn vị theo địa giới hành chính của năm báo cáo; tình trạng phê duyệt "
            "số liệu kỳ của đơn vị ghi ở cột Ghi chú, tại thời điểm lập báo cáo."
        ],
    )
