"""Excel import of persons, their support, households and theirs, on the generic engine: templates, preview
then confirm, all or nothing, every bad row with its row and column, twice → no duplicates, names kept NFC."""

import datetime
import io
import unicodedata
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from beneficiaries.excel.columns import (
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SUPPORT_COLUMNS,
    PERSON_COLUMNS,
    PERSON_SUPPORT_COLUMNS,
)
from beneficiaries.excel.importers import for_kind
from beneficiaries.models import Household, HouseholdSupport, ImportBatch, PrestigiousPerson, SupportActivity
from ethnic_portal.excel_import import Column, FileRefused, convert, run_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NFD_NAME = unicodedata.normalize("NFD", "Hoàng Thị Phượng")


def xlsx(columns, rows, *, headers=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or [c.header for c in columns])
    for row in rows:
        sheet.append(row if isinstance(row, list) else [row.get(c.key) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def person_row(**overrides):
    row = {
        "full_name": "Triệu Văn Phin",
        "gender": "Nam",
        "birth_year": 1960,
        "ethnic_group": "Dao",
        "unit": "01888.91",
        "community_role": "Già làng",
        "term_start": 2023,
        "term_end": 2027,
        "approval_decision_no": "2356/QĐ-UBND",
        "approval_decision_date": datetime.date(2022, 12, 12),
        "approval_level": "Tỉnh",
    }
    row.update(overrides)
    return row


def household_row(**overrides):
    row = {
        "head_name": "Nông Thị Lan",
        "head_id_number": "006180001234",
        "ethnic_group": "02",
        "unit": "01888.91",
        "members": 4,
        "poverty_status": "Hộ nghèo",
        "poverty_year": 2023,
    }
    row.update(overrides)
    return row


def run(kind, content, actor, dry_run=False):
    return run_import(for_kind(kind, actor=actor), content=content, dry_run=dry_run)


def upload(client, content, kind):
    return client.post(
        reverse("beneficiaries:import"),
        {"kind": kind, "file": SimpleUploadedFile("so-lieu.xlsx", content, content_type=XLSX)},
    )


def test_persons_preview_then_confirm_then_twice_creates_nothing(client_as, district_user, village, today):
    content = xlsx(
        PERSON_COLUMNS, [person_row(), person_row(full_name=NFD_NAME, gender="Nữ", birth_year=1972, ethnic_group="Tày")]
    )
    client = client_as(district_user)
    response = upload(client, content, "persons")
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == batch.get_absolute_url()
    assert (batch.status, batch.result["rows"], batch.result["created"]) == ("previewed", 2, 2)
    assert not PrestigiousPerson.objects.exists()
    page = client.get(batch.get_absolute_url())
    assert "Sẽ thêm" in page.content.decode()
    client.post(reverse("beneficiaries:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "applied"
    names = sorted(PrestigiousPerson.objects.values_list("full_name", flat=True))
    assert names == ["Hoàng Thị Phượng", "Triệu Văn Phin"]
    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    assert PrestigiousPerson.history.filter(history_user=district_user).count() == 2
    again = run("persons", content, district_user)
    assert (again.applied, again.created, again.skipped) == (True, 0, 2)
    assert PrestigiousPerson.objects.count() == 2


def test_broken_rows_are_named_by_row_and_column_and_nothing_is_written(district_user, village, today):
    content = xlsx(
        PERSON_COLUMNS,
        [
            person_row(),
            person_row(full_name="Ma Văn Sinh", birth_year=2015),
            person_row(full_name="Lý Văn Páo", ethnic_group="Kinh Tày", unit="02020.01"),
            person_row(full_name="Hà Văn Tài", gender="Khác", term_start="=2023"),
            person_row(),
        ],
    )
    result = run("persons", content, district_user)
    assert not result.applied
    assert result.created == 0
    errors = [(e.row, e.column, e.message) for e in result.errors]
    assert errors == [
        (3, "Năm sinh", "Người có uy tín phải từ đủ 18 tuổi: sinh năm 2006 trở về trước (đang là 2015)."),
        (4, "Dân tộc", "Không có dân tộc “Kinh Tày” trong danh mục 54 dân tộc."),
        (4, "Mã thôn hoặc xã", "Không có thôn hoặc xã mã “02020.01” trong địa bàn của bạn."),
        (5, "Giới tính", "“Khác” không hợp lệ; chọn một trong: Nam, Nữ."),
        (5, "Nhiệm kỳ từ năm", "Không chấp nhận công thức; hãy dán giá trị (Paste Values)."),
        (6, "", "Trùng với dòng 2 của tệp."),
    ]
    assert not PrestigiousPerson.objects.exists()


def test_the_header_must_be_the_templates(district_user):
    headers = [c.header for c in PERSON_COLUMNS]
    headers[2] = "Năm sinh (YYYY)"
    result = run("persons", xlsx(PERSON_COLUMNS, [person_row()], headers=headers + ["Thừa"]), district_user)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (1, "Năm sinh", "Cột 3 phải có tiêu đề “Năm sinh” (đang là “Năm sinh (YYYY)”)."),
        (1, "Thừa", "Cột thừa “Thừa”: hãy dùng đúng mẫu tải về."),
    ]


def test_an_empty_row_between_data_rows_is_reported_but_trailing_ones_are_not(district_user, village, today):
    content = xlsx(PERSON_COLUMNS, [person_row(), [], person_row(full_name="Ma Văn Sinh"), [], []])
    result = run("persons", content, district_user, dry_run=True)
    assert [(e.row, e.message) for e in result.errors] == [(3, "Dòng trống giữa các dòng dữ liệu: xóa dòng này.")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Tệp rỗng."),
        (b"name,year\nA,1960\n", "Tệp không phải Excel .xlsx"),
        (b"PK\x03\x04broken", "Tệp không phải Excel .xlsx hoặc đã hỏng."),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(district_user, content, message):
    with pytest.raises(FileRefused, match=message):
        run("persons", content, district_user)


def _zip_with(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO(xlsx(PERSON_COLUMNS, [person_row()]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def test_macros_and_zip_bombs_are_refused(district_user):
    with pytest.raises(FileRefused, match="macro"):
        run("persons", _zip_with("xl/vbaProject.bin", b"x"), district_user)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/huge.xml", b"0" * (101 * 1024 * 1024))
    with pytest.raises(FileRefused, match="giải nén ra quá lớn"):
        run("persons", bomb.getvalue(), district_user)


def test_a_refused_upload_shows_the_reason_and_stores_nothing(client_as, district_user):
    response = upload(client_as(district_user), b"not excel", "persons")
    assert response.status_code == 200
    assert "Tệp không phải Excel .xlsx" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_households_keep_the_leading_zero_of_the_id_and_refuse_a_taken_one(district_user, make_household, today):
    existing = make_household(head_id_number="006190009999", head_name="Lý Văn Páo")
    content = xlsx(
        HOUSEHOLD_COLUMNS,
        [
            household_row(head_id_number=6180001234),
            household_row(head_name="Người khác", head_id_number="006190009999"),
        ],
    )
    result = run("households", content, district_user)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (
            3,
            "Số định danh (CCCD) chủ hộ",
            f"Số định danh này đã được ghi cho hộ Lý Văn Páo ở Bản Thử Một (hộ số {existing.pk}): không nhập lại hộ này.",
        )
    ]
    assert Household.objects.count() == 1
    result = run("households", xlsx(HOUSEHOLD_COLUMNS, [household_row(head_id_number=6180001234)]), district_user)
    assert result.applied
    assert Household.objects.filter(head_id_number="006180001234").exists()


def test_a_household_row_costs_four_statements_and_a_taken_id_is_still_named(
    district_user, make_household, today, django_assert_max_num_queries
):
    """The import's hot path (issue 8: 10.000 rows under 30 s): a savepoint, the household, its history row and the
    release. The ID number's uniqueness is the database's constraint, answered with the same message as before."""
    rows = [household_row(head_id_number=f"00618000{n:04d}", head_name=f"Hộ số {n}") for n in range(20)]
    content = xlsx(HOUSEHOLD_COLUMNS, rows)
    with django_assert_max_num_queries(4 * len(rows) + 12):
        result = run("households", content, district_user)
    assert result.applied
    assert result.created == 20
    existing = Household.objects.get(head_id_number="006180000007")
    again = run("households", xlsx(HOUSEHOLD_COLUMNS, [household_row(head_id_number="006180000007")]), district_user)
    assert [(e.row, e.message) for e in again.errors] == [
        (
            2,
            f"Số định danh này đã được ghi cho hộ Hộ số 7 ở Bản Thử Một (hộ số {existing.pk}): không nhập lại hộ này.",
        )
    ]


def test_person_support_rows_find_their_person_and_default_to_the_policy(district_user, make_person):
    person = make_person()
    row = {
        "full_name": "hoàng văn thắng",
        "birth_year": 1958,
        "unit": "01888.91",
        "kind": "Tết",
        "date": datetime.date(2024, 2, 1),
        "funded_by": "Huyện",
    }
    content = xlsx(
        PERSON_SUPPORT_COLUMNS, [row, {**row, "kind": "Ốm đau", "hospital_level": "Tỉnh", "date": "05/03/2024"}]
    )
    result = run("person_supports", content, district_user)
    assert result.applied
    assert result.created == 2
    assert sorted(person.supports.values_list("kind", "amount")) == [
        ("illness_visit", 1_500_000),
        ("tet_visit", 500_000),
    ]
    assert run("person_supports", content, district_user).skipped == 2
    bad = xlsx(PERSON_SUPPORT_COLUMNS, [{**row, "date": datetime.date(2024, 5, 1)}, {**row, "full_name": "Không Có"}])
    result = run("person_supports", bad, district_user)
    assert [(e.row, e.column) for e in result.errors] == [(2, "Ngày"), (3, "Họ và tên người có uy tín")]
    assert SupportActivity.objects.count() == 2


def test_household_support_rows(district_user, make_household):
    household = make_household()
    row = {
        "head_id_number": "006180001234",
        "funding_program": "1719",
        "project": "DA1",
        "year": 2024,
        "kind": "Nước sinh hoạt",
        "amount": "3.000.000",
        "date": datetime.date(2024, 4, 1),
    }
    other = {**row, "funding_program": "Nông thôn mới", "project": None, "scheme": "Nước sạch NTM", "amount": 2_000_000}
    result = run("household_supports", xlsx(HOUSEHOLD_SUPPORT_COLUMNS, [row, other]), district_user)
    assert result.applied
    assert result.created == 2
    assert sorted(household.supports.values_list("funding_program", "amount")) == [
        ("ntp_1719", 3_000_000),
        ("ntp_rural", 2_000_000),
    ]
    assert run("household_supports", xlsx(HOUSEHOLD_SUPPORT_COLUMNS, [row, other]), district_user).skipped == 2
    bad = xlsx(
        HOUSEHOLD_SUPPORT_COLUMNS,
        [{**row, "amount": -5}, {**row, "project": "DA3"}, {**row, "head_id_number": "006180009999"}],
    )
    result = run("household_supports", bad, district_user)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Số tiền (đồng)", "Số tiền phải lớn hơn 0."),
        (3, "Mã tiểu dự án", "Dự án DA3 có tiểu dự án: phải chọn tiểu dự án."),
        (
            4,
            "Số định danh (CCCD) chủ hộ",
            # masked: the batch's stored result carries no ID number (Decree 13/2023/NĐ-CP)
            "Không có hộ nào có số định danh 0061******99 trong địa bàn của bạn: nhập hộ trước.",
        ),
    ]
    assert HouseholdSupport.objects.count() == 2


def test_templates_carry_the_headers_and_the_codes(client_as, district_user, village, today):
    client = client_as(district_user)
    for kind, columns in [
        ("persons", PERSON_COLUMNS),
        ("households", HOUSEHOLD_COLUMNS),
        ("person_supports", PERSON_SUPPORT_COLUMNS),
        ("household_supports", HOUSEHOLD_SUPPORT_COLUMNS),
    ]:
        response = client.get(reverse("beneficiaries:import_template", args=[kind]))
        assert response.status_code == 200
        workbook = load_workbook(io.BytesIO(response.content))
        assert [c.value for c in workbook.worksheets[0][1]] == [c.header for c in columns]
        units = workbook["Don vi"]
        assert "01888.91" in [row[0].value for row in units.iter_rows(min_row=2)]
    persons = load_workbook(io.BytesIO(client.get(reverse("beneficiaries:import_template", args=["persons"])).content))
    assert persons.worksheets[0]["E2"].number_format == "@"  # unit codes keep their leading zero
    assert client.get(reverse("beneficiaries:import_template", args=["bogus"])).status_code == 404


def test_a_leader_cannot_import(client_as, leader):
    assert client_as(leader).get(reverse("beneficiaries:import")).status_code == 403


def test_only_the_uploader_confirms(client_as, district_user, other_commune_user, village, today):
    upload(client_as(district_user), xlsx(PERSON_COLUMNS, [person_row()]), "persons")
    batch = ImportBatch.objects.get()
    client = client_as(other_commune_user)
    assert client.get(batch.get_absolute_url()).status_code == 404
    assert client.post(reverse("beneficiaries:import_confirm", args=[batch.pk])).status_code == 404
    assert not PrestigiousPerson.objects.exists()


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (Column("n", "N", "int"), 12.0, 12),
        (Column("n", "N", "int"), "12", 12),
        (Column("m", "M", "money"), "1.234.567", 1_234_567),
        (Column("m", "M", "money"), "1 234 567", 1_234_567),
        (Column("m", "M", "money", min_value=0), 0, 0),
        (Column("d", "D", "date"), "05/03/2024", datetime.date(2024, 3, 5)),
        (Column("t", "T", "text"), "  Lý   Thị  ", "Lý Thị"),
        (Column("i", "I", "digits", length=12), 6180001234, "006180001234"),
        (Column("o", "O", "text", required=False, empty=None), "  ", None),
    ],
)
def test_cells_convert(column, value, expected):
    assert convert(column, value) == expected


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (Column("n", "N", "int"), 1.5, "Phải là số nguyên, không có phần thập phân."),
        (Column("m", "M", "money"), -3, "Số tiền phải lớn hơn 0."),
        (Column("m", "M", "money"), "12,5", "Phải là số nguyên đồng, không có phần thập phân."),
        (Column("d", "D", "date"), "2024/13/45", "Ngày phải có dạng dd/mm/yyyy (đang là “2024/13/45”)."),
        (Column("t", "T", "text"), None, "Không được để trống."),
        (Column("t", "T", "text"), "=A1", "Không chấp nhận công thức; hãy dán giá trị (Paste Values)."),
        (Column("t", "T", "text", max_length=3), "Dài quá", "Dài quá 3 ký tự."),
    ],
)
def test_cells_are_refused_with_a_reason(column, value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        convert(column, value)
