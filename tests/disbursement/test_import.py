"""Excel import of allocations and disbursements: templates, dry run then confirm, idempotence, every bad
row reported (row, column, reason) with nothing written, and files refused as a whole."""

import datetime
import io
import unicodedata
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from disbursement import services
from disbursement.excel.columns import ALLOCATION_COLUMNS, DISBURSEMENT_COLUMNS
from disbursement.excel.importer import run_import
from disbursement.models import Allocation, Disbursement, ImportBatch
from programs.models import Project
from tests.factories import UserFactory, unit

ALLOCATION_HEADERS = [column.header for column in ALLOCATION_COLUMNS]
DISBURSEMENT_HEADERS = [column.header for column in DISBURSEMENT_COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_date(year, month, day):
    """A date as openpyxl gives it back from a cell: a naive datetime (Excel knows no time zones)."""
    return datetime.datetime(year, month, day)  # noqa: DTZ001


def allocation_row(**overrides):
    values = {
        "year": 2024,
        "unit": "061",
        "project": "DA4",
        "subproject": "DA4.TDA1",
        "capital_type": "Đầu tư",
        "source": "Trung ương",
        "origin_year": 2024,
        "amount": 1_000_000_000,
        "decision_no": "12/QĐ-UBND",
        "decision_date": cell_date(2024, 2, 1),
        "decision_body": "UBND tỉnh Bắc Kạn",
        "note": None,
    }
    values.update(overrides)
    return [values[column.key] for column in ALLOCATION_COLUMNS]


def disbursement_row(**overrides):
    values = {
        "year": 2024,
        "unit": "061",
        "project": "DA4",
        "subproject": "DA4.TDA1",
        "capital_type": "Đầu tư",
        "source": "Trung ương",
        "origin_year": 2024,
        "decision_no": "12/QĐ-UBND",
        "date": cell_date(2024, 5, 20),
        "amount": 250_000_000,
        "voucher_no": "KB-0001",
        "note": "Tạm ứng",
    }
    values.update(overrides)
    return [values[column.key] for column in DISBURSEMENT_COLUMNS]


def xlsx(rows, headers=ALLOCATION_HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, content: bytes, kind="allocations", name="so-lieu.xlsx"):
    return client.post(
        reverse("disbursement:import"), {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=XLSX)}
    )


def batch_of(response) -> ImportBatch:
    assert response.status_code == 302, response.content.decode()[-2000:]
    batch = ImportBatch.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert response["Location"] == reverse("disbursement:import_batch", args=[batch.pk])
    return batch


def confirm(client, batch: ImportBatch) -> ImportBatch:
    response = client.post(reverse("disbursement:import_confirm", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    return batch


def errors_of(batch) -> list[tuple]:
    return [(e["row"], e["column"], e["message"]) for e in batch.result["errors"]]


def ledger_state():
    return (
        list(Allocation.objects.order_by("pk").values_list("pk", "amount", "decision_no")),
        list(Disbursement.objects.order_by("pk").values_list("pk", "amount", "voucher_no")),
    )


# --- Templates -------------------------------------------------------------------------------------------------


def download(client, kind):
    response = client.get(reverse("disbursement:import_template", args=[kind]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert f'filename="mau-nhap-{kind}.xlsx"' in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_the_allocation_template_has_the_importers_headers(client_as, district_user):
    workbook = download(client_as(district_user), "allocations")
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == ALLOCATION_HEADERS
    assert sheet["B2"].number_format == "@"  # unit codes keep their leading zero (061) when typed
    guide = workbook["Huong dan"]
    assert [row[0] for row in guide.iter_rows(min_row=2, max_row=len(ALLOCATION_HEADERS) + 1, values_only=True)] == (
        ALLOCATION_HEADERS
    )


def test_the_disbursement_template_lists_the_users_allocations(make_allocation, client_as, district_user, clock):
    babe = make_allocation(amount=1_000_000)
    services.disbursement_create(
        actor=district_user, allocation=babe, date=datetime.date(2024, 3, 1), amount=400_000, voucher_no="A"
    )
    spent = make_allocation(amount=10, decision_no="hết vốn")
    services.disbursement_create(
        actor=district_user, allocation=spent, date=datetime.date(2024, 3, 1), amount=10, voucher_no="B"
    )
    make_allocation(unit=unit("064"), decision_no="Chợ Đồn")
    workbook = download(client_as(district_user), "disbursements")
    assert [cell.value for cell in workbook.worksheets[0][1]] == DISBURSEMENT_HEADERS
    reference = workbook["Phan bo hien co"]
    rows = list(reference.iter_rows(values_only=True))
    assert list(rows[0]) == DISBURSEMENT_HEADERS[:8] + ["Còn lại (đồng)"]
    assert rows[1:] == [(2024, "061", "DA4", "DA4.TDA1", "Đầu tư", "Trung ương", 2024, "12/QĐ-UBND", 600_000)]


def test_an_unknown_template_is_404(client_as, district_user):
    assert client_as(district_user).get(reverse("disbursement:import_template", args=["users"])).status_code == 404


def test_a_filled_in_template_imports(client_as, district_user, clock):
    client = client_as(district_user)
    response = client.get(reverse("disbursement:import_template", args=["allocations"]))
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    for column, value in enumerate(allocation_row(), start=1):
        sheet.cell(row=2, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = batch_of(upload(client, buffer.getvalue()))
    assert (batch.status, errors_of(batch), batch.result["created"]) == ("previewed", [], 1)


# --- Dry run, confirm, idempotence ------------------------------------------------------------------------------


def test_an_allocation_file_is_previewed_then_written_on_confirmation(client_as, district_user, clock):
    client = client_as(district_user)
    content = xlsx(
        [
            allocation_row(),
            allocation_row(
                unit="01888",
                project="DA1",
                subproject=None,
                capital_type="Sự nghiệp",
                source="Địa phương",
                amount="1.234.567",
                decision_date="05/03/2024",
                decision_no="13/QĐ-UBND",
                note="Xã Chợ Rã",
            ),
            allocation_row(origin_year=2023, amount=500_000.0, decision_no="14/QĐ-UBND"),
        ]
    )
    batch = batch_of(upload(client, content))
    assert batch.status == "previewed"
    assert (batch.result["rows"], batch.result["created"], batch.result["skipped"]) == (3, 3, 0)
    assert [(p["row"], p["action"]) for p in batch.result["preview"]] == [
        (2, "created"),
        (3, "created"),
        (4, "created"),
    ]
    assert not Allocation.objects.exists()  # a dry run writes nothing
    page = client.get(reverse("disbursement:import_batch", args=[batch.pk])).content.decode()
    assert "Ghi vào hệ thống" in page
    assert "Sẽ thêm" in page

    batch = confirm(client, batch)
    assert batch.status == "applied"
    assert batch.applied_at is not None
    rows = list(
        Allocation.objects.order_by("decision_no").values_list(
            "unit__code",
            "project__code",
            "subproject__code",
            "capital_type",
            "source",
            "origin_year",
            "amount",
            "decision_date",
            "note",
            "created_by__username",
        )
    )
    assert rows == [
        (
            "061",
            "DA4",
            "DA4.TDA1",
            "investment",
            "central",
            2024,
            1_000_000_000,
            datetime.date(2024, 2, 1),
            "",
            "huyen_babe",
        ),
        (
            "01888",
            "DA1",
            None,
            "recurrent",
            "local",
            2024,
            1_234_567,
            datetime.date(2024, 3, 5),
            "Xã Chợ Rã",
            "huyen_babe",
        ),
        ("061", "DA4", "DA4.TDA1", "investment", "central", 2023, 500_000, datetime.date(2024, 2, 1), "", "huyen_babe"),
    ]
    assert Allocation.history.filter(history_user=district_user).count() == 3
    # Confirming again writes nothing more.
    response = client.post(reverse("disbursement:import_confirm", args=[batch.pk]), follow=True)
    assert "Tệp này không ở trạng thái chờ ghi." in response.content.decode()
    assert Allocation.objects.count() == 3


def test_the_same_file_twice_doubles_nothing(client_as, district_user, clock):
    client = client_as(district_user)
    content = xlsx([allocation_row(), allocation_row(decision_no="13/QĐ-UBND", amount=7)])
    confirm(client, batch_of(upload(client, content)))
    assert Allocation.objects.count() == 2
    again = batch_of(upload(client, content))
    assert again.status == "previewed"
    assert (again.result["created"], again.result["skipped"]) == (0, 2)
    assert {p["action"] for p in again.result["preview"]} == {"skipped"}
    again = confirm(client, again)
    assert (again.status, again.result["created"], again.result["skipped"]) == ("applied", 0, 2)
    assert Allocation.objects.count() == 2


def test_a_changed_amount_under_an_existing_decision_is_an_error_not_a_second_row(client_as, district_user, clock):
    client = client_as(district_user)
    confirm(client, batch_of(upload(client, xlsx([allocation_row()]))))
    batch = batch_of(upload(client, xlsx([allocation_row(amount=2_000_000_000)])))
    assert batch.status == "rejected"
    [(row, column, message)] = errors_of(batch)
    assert (row, column) == (2, "Số vốn (đồng)")
    assert "theo quyết định này với số vốn 1.000.000.000 đồng" in message
    assert Allocation.objects.get().amount == 1_000_000_000


def test_a_disbursement_file_finds_its_allocation_by_its_columns(make_allocation, client_as, district_user):
    target = make_allocation(amount=1_000_000_000)
    make_allocation(amount=1_000_000_000, decision_no="99/QĐ-UBND")  # same line, another decision
    make_allocation(amount=1_000_000_000, source="local")  # same decision, another source
    client = client_as(district_user)
    content = xlsx(
        [
            disbursement_row(),
            disbursement_row(voucher_no="KB-0002", amount="100.000.000", date="01/06/2024", note=None),
        ],
        headers=DISBURSEMENT_HEADERS,
    )
    batch = batch_of(upload(client, content, kind="disbursements"))
    assert (batch.status, batch.result["created"]) == ("previewed", 2)
    assert not Disbursement.objects.exists()
    batch = confirm(client, batch)
    assert batch.status == "applied"
    assert list(Disbursement.objects.order_by("date").values_list("allocation", "date", "amount", "voucher_no")) == [
        (target.pk, datetime.date(2024, 5, 20), 250_000_000, "KB-0001"),
        (target.pk, datetime.date(2024, 6, 1), 100_000_000, "KB-0002"),
    ]
    again = confirm(client, batch_of(upload(client, content, kind="disbursements")))
    assert (again.result["created"], again.result["skipped"]) == (0, 2)
    assert Disbursement.objects.count() == 2


def test_a_file_that_turned_bad_before_confirmation_writes_nothing(make_allocation, client_as, district_user):
    allocation = make_allocation(amount=1_000)
    client = client_as(district_user)
    content = xlsx(
        [disbursement_row(amount=600, voucher_no="X1"), disbursement_row(amount=400, voucher_no="X2")],
        headers=DISBURSEMENT_HEADERS,
    )
    batch = batch_of(upload(client, content, kind="disbursements"))
    assert batch.status == "previewed"
    services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 5, 2), amount=1, voucher_no="meanwhile"
    )
    response = client.post(reverse("disbursement:import_confirm", args=[batch.pk]), follow=True)
    assert "Số liệu đã thay đổi từ lúc kiểm tra: có dòng lỗi nên không ghi gì." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "rejected"
    assert errors_of(batch) == [
        (3, "Số tiền giải ngân (đồng)", "Số tiền 400 đồng vượt số vốn còn lại của phân bổ (399 đồng).")
    ]
    assert list(Disbursement.objects.values_list("voucher_no", flat=True)) == ["meanwhile"]


def test_only_the_uploader_confirms_and_other_districts_do_not_see_the_batch(
    client_as, district_user, other_district_user, clock
):
    client = client_as(district_user)
    batch = batch_of(upload(client, xlsx([allocation_row()])))
    colleague = UserFactory(username="huyen_babe_2", role="district", unit=unit("061"))
    assert client_as(colleague).get(reverse("disbursement:import_batch", args=[batch.pk])).status_code == 200
    assert client_as(colleague).post(reverse("disbursement:import_confirm", args=[batch.pk])).status_code == 403
    other = client_as(other_district_user)
    assert other.get(reverse("disbursement:import_batch", args=[batch.pk])).status_code == 404
    assert other.post(reverse("disbursement:import_confirm", args=[batch.pk])).status_code == 404
    assert not Allocation.objects.exists()


# --- Bad rows: every one reported, nothing written -------------------------------------------------------------


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


BAD_ALLOCATION_FILES = {
    "wrong header": (
        [h if h != "Năm ngân sách" else "Năm" for h in ALLOCATION_HEADERS],
        [allocation_row()],
        [(1, "Năm ngân sách", "Cột 1 phải có tiêu đề “Năm ngân sách” (đang là “Năm”).")],
    ),
    "missing column": (
        ALLOCATION_HEADERS[:-1],
        [allocation_row()[:-1]],
        [(1, "Ghi chú", "Cột 12 phải có tiêu đề “Ghi chú” (đang là “trống”).")],
    ),
    "extra column": (
        [*ALLOCATION_HEADERS, "Người lập"],
        [[*allocation_row(), "Nguyễn Văn A"]],
        [(1, "Người lập", "Cột thừa “Người lập”: hãy dùng đúng mẫu tải về.")],
    ),
    "a value outside the template's columns": (
        ALLOCATION_HEADERS,
        [[*allocation_row(), "lạc cột"]],
        [(2, "Cột M", "Ô M2 nằm ngoài các cột của mẫu: xóa hoặc chép vào đúng cột.")],
    ),
    "empty row between data rows": (
        ALLOCATION_HEADERS,
        [allocation_row(), [None] * 12, allocation_row(decision_no="13")],
        [(3, "", "Dòng trống giữa các dòng dữ liệu: xóa dòng này.")],
    ),
    "text in a number cell": (
        ALLOCATION_HEADERS,
        [allocation_row(decision_no="1"), allocation_row(amount="một tỷ")],
        [(3, "Số vốn (đồng)", "Phải là số nguyên đồng (đang là “một tỷ”).")],
    ),
    "text in a year cell": (
        ALLOCATION_HEADERS,
        [allocation_row(year="năm nay")],
        [(2, "Năm ngân sách", "Phải là số nguyên (đang là “năm nay”).")],
    ),
    "a fractional amount": (
        ALLOCATION_HEADERS,
        [allocation_row(amount=1_000.5)],
        [(2, "Số vốn (đồng)", "Số tiền phải là số nguyên đồng, không có phần thập phân.")],
    ),
    "a negative amount": (
        ALLOCATION_HEADERS,
        [allocation_row(amount=-5)],
        [(2, "Số vốn (đồng)", "Số tiền phải lớn hơn 0.")],
    ),
    "a formula": (
        ALLOCATION_HEADERS,
        [allocation_row(amount="=A1*2")],
        [(2, "Số vốn (đồng)", "Không chấp nhận công thức; hãy dán giá trị.")],
    ),
    "a bad date": (
        ALLOCATION_HEADERS,
        [allocation_row(decision_date="31/02/2024")],
        [(2, "Ngày quyết định", "Ngày phải có dạng dd/mm/yyyy (đang là “31/02/2024”).")],
    ),
    "an unknown capital type": (
        ALLOCATION_HEADERS,
        [allocation_row(capital_type="Vàng")],
        [(2, "Loại vốn", "“Vàng” không hợp lệ; chọn một trong: Đầu tư, Sự nghiệp.")],
    ),
    "an empty required cell": (
        ALLOCATION_HEADERS,
        [allocation_row(decision_no=None)],
        [(2, "Số quyết định", "Không được để trống.")],
    ),
    "an unknown unit": (
        ALLOCATION_HEADERS,
        [allocation_row(unit="99999")],
        [(2, "Mã đơn vị", "Không có đơn vị mã “99999” trong địa bàn của bạn.")],
    ),
    "a unit of another district": (
        ALLOCATION_HEADERS,
        [allocation_row(unit="064")],
        [(2, "Mã đơn vị", "Không có đơn vị mã “064” trong địa bàn của bạn.")],
    ),
    "the province above the district": (
        ALLOCATION_HEADERS,
        [allocation_row(unit="06")],
        [(2, "Mã đơn vị", "Không có đơn vị mã “06” trong địa bàn của bạn.")],
    ),
    "an unknown project": (
        ALLOCATION_HEADERS,
        [allocation_row(project="DA11", subproject=None)],
        [(2, "Mã dự án", "Không có dự án mã “DA11”.")],
    ),
    "a sub-project of another project": (
        ALLOCATION_HEADERS,
        [allocation_row(subproject="DA5.TDA1")],
        [(2, "Mã tiểu dự án", "Không có tiểu dự án “DA5.TDA1” thuộc DA4.")],
    ),
    "a rule of the service": (
        ALLOCATION_HEADERS,
        [allocation_row(decision_date=cell_date(2024, 8, 1))],
        [(2, "Ngày quyết định", "Ngày quyết định không được sau hôm nay.")],
    ),
    "duplicate rows": (
        ALLOCATION_HEADERS,
        [allocation_row(), allocation_row(decision_no="13"), allocation_row(amount=5)],
        [
            (
                4,
                "Số quyết định",
                "Trùng với dòng 2 (cùng năm, đơn vị, dự án, tiểu dự án, loại vốn, nguồn vốn, năm nguồn và số quyết định).",
            )
        ],
    ),
    "several bad rows": (
        ALLOCATION_HEADERS,
        [allocation_row(amount="x", unit="064"), allocation_row(decision_no="2"), allocation_row(year=2024.5)],
        [
            (2, "Số vốn (đồng)", "Phải là số nguyên đồng (đang là “x”)."),
            (4, "Năm ngân sách", "Phải là số nguyên (đang là “2024.5”)."),
        ],
    ),
}


@pytest.mark.parametrize("case", list(BAD_ALLOCATION_FILES), ids=list(BAD_ALLOCATION_FILES))
def test_every_bad_row_is_reported_and_nothing_is_written(client_as, district_user, clock, case):
    headers, rows, expected = BAD_ALLOCATION_FILES[case]
    client = client_as(district_user)
    batch = batch_of(upload(client, xlsx(rows, headers=headers)))
    assert batch.status == "rejected"
    assert errors_of(batch) == expected
    assert batch.result["created"] == 0
    page = client.get(reverse("disbursement:import_batch", args=[batch.pk])).content.decode()
    assert "Không dòng nào được ghi." in page
    row, column, message = expected[0]
    assert f"<td>{row}</td><td>{column or '—'}</td><td>{message}</td>" in page.replace("&#x27;", "'")
    assert "Ghi vào hệ thống" not in page
    response = client.post(reverse("disbursement:import_confirm", args=[batch.pk]), follow=True)
    assert "Tệp này không ở trạng thái chờ ghi." in response.content.decode()
    assert not Allocation.objects.exists()


def test_a_disbursement_above_the_balance_fails_the_whole_file(make_allocation, client_as, district_user):
    make_allocation(amount=1_000)
    other = make_allocation(amount=1_000, decision_no="13/QĐ-UBND")
    client = client_as(district_user)
    content = xlsx(
        [
            disbursement_row(decision_no="13/QĐ-UBND", amount=1_000, voucher_no="OK"),
            disbursement_row(amount=700, voucher_no="A"),
            disbursement_row(amount=301, voucher_no="B"),
        ],
        headers=DISBURSEMENT_HEADERS,
    )
    batch = batch_of(upload(client, content, kind="disbursements"))
    assert batch.status == "rejected"
    assert errors_of(batch) == [
        (4, "Số tiền giải ngân (đồng)", "Số tiền 301 đồng vượt số vốn còn lại của phân bổ (300 đồng).")
    ]
    assert not Disbursement.objects.exists()
    assert other.disbursements.count() == 0


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"decision_no": "không có"},
            (
                2,
                "Số quyết định giao vốn",
                "Không tìm thấy phân bổ vốn khớp các cột năm, đơn vị, dự án, loại vốn, nguồn, năm nguồn và quyết định.",
            ),
        ),
        (
            {"date": cell_date(2023, 12, 31)},
            (2, "Ngày giải ngân", "Ngày giải ngân phải trong năm ngân sách 2024 (từ 01/01/2024 đến 31/12/2024)."),
        ),
        ({"voucher_no": None}, (2, "Số chứng từ", "Không được để trống.")),
        ({"amount": "2,5"}, (2, "Số tiền giải ngân (đồng)", "Phải là số nguyên đồng (đang là “2,5”).")),
        ({"unit": "064"}, (2, "Mã đơn vị", "Không có đơn vị mã “064” trong địa bàn của bạn.")),
    ],
)
def test_bad_disbursement_rows_are_reported(make_allocation, client_as, district_user, overrides, expected):
    make_allocation()
    batch = batch_of(
        upload(
            client_as(district_user),
            xlsx([disbursement_row(**overrides)], headers=DISBURSEMENT_HEADERS),
            kind="disbursements",
        )
    )
    assert batch.status == "rejected"
    assert errors_of(batch) == [expected]
    assert not Disbursement.objects.exists()


def test_a_voucher_twice_in_one_file_is_a_duplicate(make_allocation, client_as, district_user):
    make_allocation()
    content = xlsx([disbursement_row(), disbursement_row(amount=5)], headers=DISBURSEMENT_HEADERS)
    batch = batch_of(upload(client_as(district_user), content, kind="disbursements"))
    assert errors_of(batch) == [(3, "Số chứng từ", "Trùng với dòng 2 (cùng phân bổ và số chứng từ).")]
    assert not Disbursement.objects.exists()


def test_a_locked_period_is_reported_on_its_row(make_allocation, client_as, district_user, province_user):
    make_allocation()
    h1 = services.period_for(unit("061"), 2024, "H1")
    services.period_submit(actor=district_user, period=h1)
    batch = batch_of(
        upload(client_as(district_user), xlsx([disbursement_row()], headers=DISBURSEMENT_HEADERS), kind="disbursements")
    )
    [(row, column, message)] = errors_of(batch)
    assert (row, column) == (2, "")
    assert "đã được gửi phê duyệt" in message
    assert not Disbursement.objects.exists()


def test_text_typed_with_combining_accents_is_read(client_as, district_user, clock):
    """Vietnamese keyboards (Unikey's "Unicode tổ hợp") type decomposed letters: they mean the same words."""
    headers = [nfd(header) for header in ALLOCATION_HEADERS]
    row = allocation_row(capital_type=nfd("Sự nghiệp"), source=nfd("Địa phương"), project="DA1", subproject=None)
    batch = batch_of(upload(client_as(district_user), xlsx([row], headers=headers)))
    assert (batch.status, errors_of(batch)) == ("previewed", [])


def test_a_leader_cannot_import(client_as, leader, clock):
    client = client_as(leader)
    assert client.get(reverse("disbursement:import")).status_code == 403
    assert upload(client, xlsx([allocation_row()])).status_code == 403
    assert not ImportBatch.objects.exists()


# --- Files refused as a whole --------------------------------------------------------------------------------------


def valid_xlsx() -> bytes:
    return xlsx([allocation_row()])


def with_member(content: bytes, name: str, data: bytes = b"x") -> bytes:
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A real workbook plus a member that unpacks to 150 MB from about 150 KB."""
    buffer = io.BytesIO(valid_xlsx())
    with (
        zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/image1.bin", "w", force_zip64=True) as member,
    ):
        chunk = b"\0" * (1024 * 1024)
        for _ in range(150):
            member.write(chunk)
    return buffer.getvalue()


def broken_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "không phải bảng tính")
    return buffer.getvalue()


REFUSED_FILES = {
    "plain text renamed .xlsx": (
        lambda: "Năm ngân sách;Mã đơn vị\n2024;061\n".encode(),
        "Tệp không phải Excel .xlsx (hãy lưu lại dưới dạng Excel Workbook .xlsx).",
    ),
    "an old .xls (OLE) file": (
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
        "Tệp không phải Excel .xlsx (hãy lưu lại dưới dạng Excel Workbook .xlsx).",
    ),
    "an empty file": (lambda: b"", "Tệp rỗng."),
    "a file over 5 MB": (lambda: b"PK\x03\x04" + b"\0" * (5 * 1024 * 1024), "Tệp lớn hơn 5 MB."),
    "a zip bomb": (zip_bomb, "Tệp giải nén ra quá lớn, không xử lý."),
    "a workbook with macros": (
        lambda: with_member(valid_xlsx(), "xl/vbaProject.bin"),
        "Tệp có macro (VBA): hãy lưu lại dưới dạng .xlsx không có macro.",
    ),
    "a zip that is not a workbook": (broken_workbook, "Tệp Excel hỏng, không đọc được."),
    "a truncated workbook": (lambda: valid_xlsx()[:-200], "Tệp không phải Excel .xlsx hoặc đã hỏng."),
    "headers only": (lambda: xlsx([]), "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."),
}


@pytest.mark.parametrize("case", list(REFUSED_FILES), ids=list(REFUSED_FILES))
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_message(client_as, district_user, clock, case):
    make, message = REFUSED_FILES[case]
    response = upload(client_as(district_user), make())
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [message]
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not Allocation.objects.exists()


def test_a_missing_kind_or_file_is_a_form_error(client_as, district_user):
    client = client_as(district_user)
    response = client.post(
        reverse("disbursement:import"), {"kind": "users", "file": SimpleUploadedFile("a.xlsx", valid_xlsx())}
    )
    assert response.context["form"].non_field_errors() == ["Chọn loại dữ liệu: phân bổ vốn hoặc giải ngân."]
    response = client.post(reverse("disbursement:import"), {"kind": "allocations"})
    assert response.context["form"].errors["file"]
    assert not ImportBatch.objects.exists()


# --- Volume ------------------------------------------------------------------------------------------------------------


def test_two_thousand_allocation_rows_import(district_user, clock):
    """One writing pass over 2.000 rows (the page's dry run is the same code with dry_run=True, covered above).

    Each row goes through services.allocation_create (about ten queries), which sets the pace.
    """
    communes = ["01888", "01891", "01894", "01897", "01900"]
    projects = [("DA4", "DA4.TDA1"), ("DA4", "DA4.TDA2"), ("DA1", None), ("DA2", None)]
    rows = [
        allocation_row(
            unit=communes[n % len(communes)],
            project=projects[n % len(projects)][0],
            subproject=projects[n % len(projects)][1],
            amount=1_000_000 + n,
            decision_no=f"{n}/QĐ-UBND",
        )
        for n in range(2_000)
    ]
    result = run_import(actor=district_user, kind="allocations", content=xlsx(rows), dry_run=False)
    assert (result.ok, result.applied, result.rows, result.created) == (True, True, 2_000, 2_000)
    assert len(result.preview) == 200  # the page shows the first rows only
    assert Allocation.objects.count() == 2_000
    assert sum(Allocation.objects.values_list("amount", flat=True)) == sum(1_000_000 + n for n in range(2_000))
    assert Project.objects.get(code="DA2").allocations.count() == 500
    assert Allocation.objects.filter(unit__code="01900").count() == 400
