"""The columns of the import templates, declared once: the template writer and the importer both read them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str  # the service's field name
    header: str  # the Vietnamese header in row 1 of the sheet
    kind: str  # int, money, date, text, choice
    required: bool = True
    help: str = ""
    width: int = 16


ALLOCATION_COLUMNS = [
    Column("year", "Năm ngân sách", "int", help="Ví dụ 2024", width=12),
    Column("unit", "Mã đơn vị", "text", help="Mã thống kê: tỉnh 2 số, huyện 3 số, xã 5 số", width=12),
    Column("project", "Mã dự án", "text", help="DA1 … DA10", width=10),
    Column(
        "subproject",
        "Mã tiểu dự án",
        "text",
        required=False,
        help="Ví dụ DA3.TDA2; trống nếu dự án không có tiểu dự án",
        width=14,
    ),
    Column("capital_type", "Loại vốn", "choice", help="Đầu tư hoặc Sự nghiệp", width=12),
    Column("source", "Nguồn vốn", "choice", help="Trung ương, Địa phương hoặc Khác", width=12),
    Column(
        "origin_year",
        "Năm nguồn vốn",
        "int",
        help="Bằng năm ngân sách, hoặc năm trước nếu là vốn chuyển sang",
        width=12,
    ),
    Column("amount", "Số vốn (đồng)", "money", help="Số nguyên đồng", width=18),
    Column("decision_no", "Số quyết định", "text", help="Ví dụ 123/QĐ-UBND", width=18),
    Column("decision_date", "Ngày quyết định", "date", help="dd/mm/yyyy", width=14),
    Column("decision_body", "Cơ quan ban hành", "text", help="Ví dụ UBND tỉnh Bắc Kạn", width=22),
    Column("note", "Ghi chú", "text", required=False, width=24),
]

# A disbursement names its allocation by the allocation's own columns (officers do not know our ids).
DISBURSEMENT_COLUMNS = [
    *ALLOCATION_COLUMNS[:7],
    Column("decision_no", "Số quyết định giao vốn", "text", help="Quyết định của phân bổ được giải ngân", width=18),
    Column("date", "Ngày giải ngân", "date", help="dd/mm/yyyy", width=14),
    Column("amount", "Số tiền giải ngân (đồng)", "money", help="Số nguyên đồng", width=18),
    Column("voucher_no", "Số chứng từ", "text", help="Số chứng từ hoặc chứng từ Kho bạc", width=16),
    Column("note", "Ghi chú", "text", required=False, width=24),
]

COLUMNS = {"allocations": ALLOCATION_COLUMNS, "disbursements": DISBURSEMENT_COLUMNS}

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
CHOICES = {"capital_type": CAPITAL_TYPE_WORDS, "source": SOURCE_WORDS}
CHOICE_LISTS = {"capital_type": "Đầu tư,Sự nghiệp", "source": "Trung ương,Địa phương,Khác"}
