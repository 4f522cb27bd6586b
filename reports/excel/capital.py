"""Biểu số 01/BC-1719: capital allocated and disbursed, by capital type, project, sub-project, source and origin year.

Layout: the design baseline of `shared/domain/forms.md` §4 (the official biểu mẫu of TT 01/2022/TT-UBDT was not
retrieved): plan of the year by source, disbursed to date by source, remaining, rate, and disbursed against the
disbursement plan. Rows: TỔNG SỐ; I Vốn đầu tư phát triển, II Vốn sự nghiệp; 1, 2… projects; 1.1, 1.2…
sub-projects; a, b… the origin years (capital of the year, capital of earlier years carried over).
"""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from disbursement.models import Source
from ethnic_portal.formatting import compute_rate
from programs.models import CapitalType

from .common import RATE, STT, TEXT, Column, Node, Row, SheetSpec, letter, roman, vn_date

FORM_NO = "01"
SHEET = "Biểu 01 - Vốn"
SOURCES = [Source.CENTRAL, Source.LOCAL, Source.OTHER]
PLAN = "Kế hoạch vốn năm {year} (gồm vốn năm trước chuyển sang)"
SPENT = "Giải ngân đến ngày {cut_off}"
AGAINST_PLAN = "Giải ngân so với kế hoạch giải ngân đến {as_of}"

# The columns of the capital tables (this form and Biểu 02), declared once.
COLUMNS = [
    Column("stt", ("STT",), 6, STT),
    Column("name", ("Nội dung",), 46, TEXT),
    Column("allocated", (PLAN, "Tổng số"), 14),
    Column("allocated_central", (PLAN, "Trong đó", "NSTW"), 13),
    Column("allocated_local", (PLAN, "Trong đó", "NSĐP"), 13),
    Column("allocated_other", (PLAN, "Trong đó", "Nguồn khác"), 11),
    Column("disbursed", (SPENT, "Tổng số"), 14),
    Column("disbursed_central", (SPENT, "Trong đó", "NSTW"), 13),
    Column("disbursed_local", (SPENT, "Trong đó", "NSĐP"), 13),
    Column("disbursed_other", (SPENT, "Trong đó", "Nguồn khác"), 11),
    Column("remaining", ("Còn lại chưa giải ngân",), 14),
    Column("rate", ("Tỷ lệ giải ngân (%)",), 10, RATE),
    Column("planned", (AGAINST_PLAN, "Kế hoạch giải ngân"), 13),
    Column("planned_disbursed", (AGAINST_PLAN, "Đã giải ngân"), 13),
    Column("plan_rate", (AGAINST_PLAN, "Tỷ lệ (%)"), 9, RATE),
    Column("note", ("Ghi chú",), 16, TEXT),
]


def line_values(by_source: dict) -> dict:
    """The additive values of one line from its Amounts by source (đồng)."""
    values = {
        "allocated": 0,
        "disbursed": 0,
        "remaining": 0,
        "planned": 0,
        "planned_disbursed": 0,
    }
    for source in SOURCES:
        amounts = by_source.get(source)
        values[f"allocated_{source}"] = amounts.allocated if amounts else 0
        values[f"disbursed_{source}"] = amounts.disbursed if amounts else 0
        if amounts:
            values["allocated"] += amounts.allocated
            values["disbursed"] += amounts.disbursed
            values["planned"] += amounts.planned
            values["planned_disbursed"] += amounts.planned_disbursed
    values["remaining"] = values["allocated"] - values["disbursed"]
    return values


def derive(values: dict) -> None:
    """Rates from the integer sums of the row itself (never averaged over lines), half-up to one decimal."""
    values["rate"] = compute_rate(values.get("disbursed") or 0, values.get("allocated") or 0)
    planned = values.get("planned") or 0
    values["plan_rate"] = compute_rate(values.get("planned_disbursed") or 0, planned) if planned else None


def project_number(code: str) -> int:
    return int(code[2:]) if code[2:].isdigit() else 99


def sub_number(code: str) -> int:
    tail = code.rsplit("TDA", 1)[-1]
    return int(tail) if tail.isdigit() else 99


def project_label(data, code: str) -> str:
    return f"Dự án {project_number(code)}: {data.names.get(code, code)}"


def sub_label(data, code: str) -> str:
    return f"Tiểu dự án {sub_number(code)}: {data.names.get(code, code)}"


def origin_label(origin_year: int, year: int) -> str:
    return f"Vốn năm {origin_year}" if origin_year == year else f"Vốn năm {origin_year} chuyển sang"


def group_label(capital_type: str) -> str:
    return str(CapitalType(capital_type).label).upper()


def capital_tree(data, lines: dict, *, key_prefix: str = "", details: bool = True) -> list[Node]:
    """Nodes I, II (capital types) → projects → sub-projects → origin years, from lines keyed
    (capital_type, project, sub-project, origin_year, source) → Amounts."""
    tree: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: defaultdict(dict))))
    for (capital_type, project, sub, origin_year, source), amounts in lines.items():
        tree[capital_type][project][sub][origin_year][source] = amounts
    groups = []
    for number, capital_type in enumerate(CapitalType.values, start=1):
        group = Node(Row(f"{key_prefix}{capital_type}", roman(number), group_label(capital_type), "group"))
        projects = sorted(tree.get(capital_type, {}).items(), key=lambda kv: project_number(kv[0]))
        for p_index, (project, subs) in enumerate(projects, start=1):
            p_key = f"{key_prefix}{capital_type}|{project}"
            p_node = Node(Row(p_key, str(p_index), project_label(data, project), "item"))
            named = sorted((s for s in subs if s), key=sub_number)
            for s_index, sub in enumerate(named, start=1):
                s_node = Node(Row(f"{p_key}|{sub}", f"{p_index}.{s_index}", sub_label(data, sub), "sub"))
                _origins(s_node, subs[sub], data.year, details)
                p_node.children.append(s_node)
            if "" in subs:
                if named:  # capital of a project with sub-projects given without one (not allowed by the ledger)
                    s_node = Node(Row(f"{p_key}|-", f"{p_index}.{len(named) + 1}", "Chưa phân theo tiểu dự án", "sub"))
                    _origins(s_node, subs[""], data.year, details)
                    p_node.children.append(s_node)
                else:
                    _origins(p_node, subs[""], data.year, details)
            group.children.append(p_node)
        groups.append(group)
    return groups


def _origins(node: Node, by_origin: dict, year: int, details: bool) -> None:
    """Detail rows a, b… per origin year; none when the only capital is the year's own (the row says it all)."""
    origins = sorted(by_origin, reverse=True)
    if not details or origins == [year]:
        for origin in origins:
            for key, value in line_values(by_origin[origin]).items():
                node.row.values[key] = node.row.values.get(key, 0) + value
        return
    for index, origin in enumerate(origins, start=1):
        row = Row(f"{node.row.key}|{origin}", letter(index), origin_label(origin, year), "detail")
        row.values.update(line_values(by_origin[origin]))
        node.children.append(Node(row))


def build_rows(data) -> list[Row]:
    lines = {}
    for (_section, capital_type, project, sub, origin_year, source), amounts in data.lines.items():
        key = (capital_type, project, sub, origin_year, source)
        if key not in lines:
            lines[key] = type(amounts)()
        lines[key].add(amounts)
    total = Node(Row("total", "", "TỔNG SỐ", "total"), capital_tree(data, lines))
    total.finish(COLUMNS, derive)
    return total.flatten()


def context(data) -> dict:
    moment = timezone.localtime(data.data_moment)
    return {
        "year": data.year,
        "as_of": vn_date(data.as_of),
        "cut_off": vn_date(data.cut_off),
        "moment_note": (
            f"(Số liệu trên Cổng đến {moment:%H:%M} ngày {vn_date(moment.date())}; "
            f"giải ngân tính đến hết ngày {vn_date(data.cut_off)})"
        ),
    }


def spec(data) -> SheetSpec:
    return SheetSpec(
        form_no=FORM_NO,
        title=(
            "BÁO CÁO TÌNH HÌNH PHÂN BỔ, GIẢI NGÂN VỐN CHƯƠNG TRÌNH MỤC TIÊU QUỐC GIA PHÁT TRIỂN KINH TẾ - XÃ HỘI "
            "VÙNG ĐỒNG BÀO DÂN TỘC THIỂU SỐ VÀ MIỀN NÚI"
        ),
        subtitle=f"{data.unit.name} – {data.period_label} {data.year}",
        unit_note="ĐVT: triệu đồng",
        columns=COLUMNS,
        context=context(data),
        notes=[
            "Ghi chú: Kế hoạch vốn gồm vốn năm trước chuyển sang (kéo dài); NSTW: ngân sách trung ương, NSĐP: ngân "
            "sách địa phương. Tỷ lệ giải ngân = giải ngân / kế hoạch vốn × 100. Giải ngân so với kế hoạch giải ngân "
            "chỉ tính các khoản vốn đã có kế hoạch giải ngân theo tháng."
        ],
    )
