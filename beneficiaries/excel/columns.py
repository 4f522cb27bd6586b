"""The columns of the beneficiaries' import templates, declared once: the template writer and the importers
both read them."""

from ethnic_portal.excel_import import Column, choice_words

from ..choices import (
    ApprovalLevel,
    CommunityRole,
    CondolenceFor,
    FundedBy,
    FundingProgram,
    Gender,
    HospitalLevel,
    HouseholdSupportKind,
    PersonStatus,
    PovertyStatus,
    SupportKind,
)

GENDER = choice_words(Gender.choices)
ROLE = choice_words(
    CommunityRole.choices,
    {
        "Trưởng thôn": "village_head",
        "Trưởng bản": "village_head",
        "Chức sắc": "religious_dignitary",
        "Chức sắc tôn giáo": "religious_dignitary",
    },
)
APPROVAL = choice_words(ApprovalLevel.choices, {"Tỉnh": "province", "Huyện": "district", "Xã": "commune"})
STATUS = choice_words(
    PersonStatus.choices,
    {"Đang hoạt động": "active", "Thay thế": "replaced", "Đã thay thế": "replaced", "Qua đời": "deceased"},
)
SUPPORT_KIND = choice_words(
    [c for c in SupportKind.choices if c[0] != SupportKind.TRAINING],
    {
        "Tết": "tet_visit",
        "Quà Tết": "tet_visit",
        "Ốm đau": "illness_visit",
        "Thăm viếng": "condolence",
        "Thiên tai": "disaster_support",
        "Tham quan": "study_tour",
        "Khác": "other",
    },
)
FUNDED_BY = choice_words(FundedBy.choices, {"Trung ương": "central", "Đoàn Ủy ban Dân tộc": "central"})
HOSPITAL = choice_words(
    HospitalLevel.choices, {"Trung ương": "central", "Tỉnh": "province", "Huyện": "district", "Xã": "commune"}
)
CONDOLENCE = choice_words(CondolenceFor.choices, {"Người có uy tín": "person", "Thân nhân": "relative"})
POVERTY = choice_words(
    PovertyStatus.choices, {"Nghèo": "poor", "Cận nghèo": "near_poor", "Không nghèo": "none", "Không": "none"}
)
HOUSEHOLD_KIND = choice_words(
    HouseholdSupportKind.choices,
    {
        "Đất ở": "residential_land",
        "Nhà ở": "housing",
        "Đất sản xuất": "production_land",
        "Chuyển đổi nghề": "job_conversion",
        "Nước sinh hoạt": "water",
    },
)
PROGRAM = choice_words(
    FundingProgram.choices,
    {"1719": "ntp_1719", "Giảm nghèo": "ntp_poverty", "Nông thôn mới": "ntp_rural", "Khác": "other"},
)

UNIT_HELP = "Mã thôn (ví dụ 01888.03) hoặc mã xã (5 chữ số), xem trang “Don vi”"
ETHNIC_HELP = "Mã 2 chữ số (02 = Tày) hoặc tên dân tộc, xem trang “Dan toc”"

PERSON_COLUMNS = [
    Column("full_name", "Họ và tên", max_length=150, width=26, help="Viết đủ dấu tiếng Việt"),
    Column("gender", "Giới tính", "choice", choices=GENDER, choice_hint="Nam,Nữ", width=9),
    Column("birth_year", "Năm sinh", "int", min_value=1900, max_value=2100, width=9),
    Column("ethnic_group", "Dân tộc", width=12, help=ETHNIC_HELP, as_text=True),
    Column("unit", "Mã thôn hoặc xã", width=14, help=UNIT_HELP, as_text=True),
    Column(
        "community_role",
        "Vai trò",
        "choice",
        choices=ROLE,
        choice_hint="Già làng,Trưởng thôn,Trưởng dòng họ,Chức sắc tôn giáo,Nghệ nhân,Khác",
        width=16,
    ),
    Column("term_start", "Nhiệm kỳ từ năm", "int", min_value=2000, max_value=2100, width=10),
    Column("term_end", "Nhiệm kỳ đến năm", "int", min_value=2000, max_value=2100, width=10),
    Column("approval_decision_no", "Số QĐ công nhận", required=False, max_length=60, width=16),
    Column("approval_decision_date", "Ngày QĐ công nhận", "date", required=False, empty=None, width=12),
    Column(
        "approval_level",
        "Cấp phê duyệt",
        "choice",
        required=False,
        choices=APPROVAL,
        choice_hint="Tỉnh,Huyện,Xã",
        width=10,
    ),
    Column(
        "status",
        "Tình trạng",
        "choice",
        required=False,
        choices=STATUS,
        choice_hint="Đang hoạt động,Thay thế,Qua đời",
        empty="active",
        width=14,
        help="Trống = đang là người có uy tín",
    ),
    Column("status_date", "Ngày thay thế / qua đời", "date", required=False, empty=None, width=12),
    Column("note", "Ghi chú", required=False, max_length=500, width=24),
]

PERSON_SUPPORT_COLUMNS = [
    Column("full_name", "Họ và tên người có uy tín", max_length=150, width=26),
    Column("birth_year", "Năm sinh", "int", min_value=1900, max_value=2100, width=9),
    Column("unit", "Mã thôn hoặc xã", width=14, help=UNIT_HELP, as_text=True),
    Column(
        "kind",
        "Loại hỗ trợ",
        "choice",
        choices=SUPPORT_KIND,
        choice_hint="Tết,Ốm đau,Thăm viếng,Thiên tai,Tham quan,Khác",
        width=14,
        help="Tập huấn ghi trên trang lớp tập huấn",
    ),
    Column("date", "Ngày", "date", width=12, help="dd/mm/yyyy"),
    Column(
        "amount",
        "Số tiền (đồng)",
        "money",
        required=False,
        min_value=0,
        empty=None,
        width=14,
        help="Trống = mức chính sách của loại hỗ trợ vào ngày đó",
    ),
    Column("funded_by", "Đơn vị chi", "choice", choices=FUNDED_BY, choice_hint="Tỉnh,Trung ương,Huyện,Khác", width=12),
    Column(
        "hospital_level",
        "Tuyến bệnh viện (ốm đau)",
        "choice",
        required=False,
        choices=HOSPITAL,
        choice_hint="Trung ương,Tỉnh,Huyện,Xã",
        width=12,
    ),
    Column(
        "condolence_for",
        "Người qua đời (thăm viếng)",
        "choice",
        required=False,
        choices=CONDOLENCE,
        choice_hint="Người có uy tín,Thân nhân",
        width=14,
    ),
    Column("over_ceiling_reason", "Lý do vượt mức", required=False, max_length=500, width=20),
    Column("note", "Ghi chú", required=False, max_length=500, width=24),
]

# The refusal of a malformed ID number does not repeat it: the batch's result is stored (Decree 13/2023/NĐ-CP).
ID_NUMBER_MESSAGES = {"not_digits": "Số định danh chỉ gồm chữ số."}

HOUSEHOLD_COLUMNS = [
    Column("head_name", "Họ tên chủ hộ", max_length=150, width=26, help="Viết đủ dấu tiếng Việt"),
    Column(
        "head_id_number",
        "Số định danh (CCCD) chủ hộ",
        "digits",
        length=12,
        width=16,
        help="12 chữ số",
        messages=ID_NUMBER_MESSAGES,
    ),
    Column("ethnic_group", "Dân tộc", width=12, help=ETHNIC_HELP, as_text=True),
    Column("unit", "Mã thôn hoặc xã", width=14, help=UNIT_HELP, as_text=True),
    Column("members", "Số nhân khẩu", "int", min_value=1, max_value=60, width=9),
    Column(
        "poverty_status", "Phân loại hộ", "choice", choices=POVERTY, choice_hint="Hộ nghèo,Hộ cận nghèo,Không", width=14
    ),
    Column(
        "poverty_year", "Năm phân loại", "int", required=False, empty=None, min_value=2000, max_value=2100, width=10
    ),
    Column("note", "Ghi chú", required=False, max_length=500, width=24),
]

HOUSEHOLD_SUPPORT_COLUMNS = [
    Column(
        "head_id_number",
        "Số định danh (CCCD) chủ hộ",
        "digits",
        length=12,
        width=16,
        help="Hộ đã có trong hệ thống",
        messages=ID_NUMBER_MESSAGES,
    ),
    Column(
        "funding_program",
        "Chương trình",
        "choice",
        choices=PROGRAM,
        choice_hint="1719,Giảm nghèo,Nông thôn mới,Khác",
        width=14,
    ),
    Column("project", "Mã dự án", required=False, empty=None, width=10, help="Chương trình 1719: DA1 … DA10"),
    Column("subproject", "Mã tiểu dự án", required=False, empty=None, width=12, help="Ví dụ DA3.TDA2"),
    Column("scheme", "Dự án, chính sách (chương trình khác)", required=False, max_length=200, width=26),
    Column("year", "Năm", "int", min_value=2000, max_value=2100, width=8),
    Column(
        "kind",
        "Nội dung hỗ trợ",
        "choice",
        choices=HOUSEHOLD_KIND,
        choice_hint="Đất ở,Nhà ở,Đất sản xuất,Chuyển đổi nghề,Nước sinh hoạt,Hỗ trợ phát triển sản xuất,Đào tạo nghề,Y tế,Giáo dục,Khác",
        width=18,
    ),
    Column("amount", "Số tiền (đồng)", "money", width=14),
    Column("date", "Ngày hỗ trợ", "date", width=12, help="dd/mm/yyyy"),
    Column("note", "Ghi chú", required=False, max_length=500, width=24),
]
