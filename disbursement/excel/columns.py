"""The columns of the ledger's import templates, declared once as columns of the generic engine
(ethnic_portal/excel_import.py): the template writer and the importers both read them."""

from ethnic_portal.excel_import import CELL_MESSAGES, Column

CAPITAL_TYPE_WORDS = {
    "investment": "investment",
    "đầu tư": "investment",
    "vốn đầu tư": "investment",
    "vốn đầu tư phát triển": "investment",
    "đtpt": "investment",
    "recurrent": "recurrent",
    "sự nghiệp": "recurrent",
    "vốn sự nghiệp": "recurrent",
    "kinh phí sự nghiệp": "recurrent",
}
SOURCE_WORDS = {
    "central": "central",
    "trung ương": "central",
    "ngân sách trung ương": "central",
    "nstw": "central",
    "local": "local",
    "địa phương": "local",
    "ngân sách địa phương": "local",
    "nsđp": "local",
    "other": "other",
    "khác": "other",
    "nguồn khác": "other",
}

# The ledger's refusals read as they did before it moved onto the engine: a year or an amount with decimals
# "is not a whole number (it is …)", a formula asks for values only.
_WORDING = {"formula": "Không chấp nhận công thức; hãy dán giá trị."}
_WHOLE = {"fraction": CELL_MESSAGES["not_integer"], "decimal_text": CELL_MESSAGES["not_integer"]}
WORDING = {
    "int": {**_WORDING, **_WHOLE},
    "money": {
        **_WORDING,
        **_WHOLE,
        "fraction": "Số tiền phải là số nguyên đồng, không có phần thập phân.",
    },
}


def _column(key: str, header: str, kind: str, **options) -> Column:
    """A ledger column: text is formatted as text in the template (a unit code 061 or 01888 would otherwise
    become the number 61 or 1888)."""
    return Column(key, header, kind, as_text=kind == "text", messages=WORDING.get(kind, _WORDING), **options)


def _choice(key: str, header: str, words: dict, hint: str, **options) -> Column:
    return _column(key, header, "choice", choices=words, choice_hint=hint, **options)


ALLOCATION_COLUMNS = [
    _column("year", "Năm ngân sách", "int", help="Ví dụ 2024", width=12),
    _column("unit", "Mã đơn vị", "text", help="Mã thống kê: tỉnh 2 số, huyện 3 số, xã 5 số", width=12),
    _column("project", "Mã dự án", "text", help="DA1 … DA10", width=10),
    _column(
        "subproject",
        "Mã tiểu dự án",
        "text",
        required=False,
        empty=None,
        help="Ví dụ DA3.TDA2; trống nếu dự án không có tiểu dự án",
        width=14,
    ),
    _choice("capital_type", "Loại vốn", CAPITAL_TYPE_WORDS, "Đầu tư,Sự nghiệp", help="Đầu tư hoặc Sự nghiệp", width=12),
    _choice(
        "source",
        "Nguồn vốn",
        SOURCE_WORDS,
        "Trung ương,Địa phương,Khác",
        help="Trung ương, Địa phương hoặc Khác",
        width=12,
    ),
    _column(
        "origin_year",
        "Năm nguồn vốn",
        "int",
        help="Bằng năm ngân sách, hoặc năm trước nếu là vốn chuyển sang",
        width=12,
    ),
    _column("amount", "Số vốn (đồng)", "money", help="Số nguyên đồng", width=18),
    _column("decision_no", "Số quyết định", "text", help="Ví dụ 123/QĐ-UBND", width=18),
    _column("decision_date", "Ngày quyết định", "date", help="dd/mm/yyyy", width=14),
    _column("decision_body", "Cơ quan ban hành", "text", help="Ví dụ UBND tỉnh Bắc Kạn", width=22),
    _column("note", "Ghi chú", "text", required=False, width=24),
]

# A disbursement names its allocation by the allocation's own columns (officers do not know our ids).
DISBURSEMENT_COLUMNS = [
    *ALLOCATION_COLUMNS[:7],
    _column("decision_no", "Số quyết định giao vốn", "text", help="Quyết định của phân bổ được giải ngân", width=18),
    _column("date", "Ngày giải ngân", "date", help="dd/mm/yyyy", width=14),
    _column("amount", "Số tiền giải ngân (đồng)", "money", help="Số nguyên đồng", width=18),
    _column("voucher_no", "Số chứng từ", "text", help="Số chứng từ hoặc chứng từ Kho bạc", width=16),
    _column("note", "Ghi chú", "text", required=False, width=24),
]
