"""Excel exports (ethnic_portal/excel_export.py, export_jobs.py, export_views.py): every row of the list and
nothing else, amounts exact, cells of the right kind and text-safe, the list's filters kept, other units' rows and
other users' files out of reach, and a long list written by an export job."""

import datetime
import io
import os
from urllib.parse import urlencode

import pytest
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from beneficiaries import services as people
from beneficiaries.models import EthnicGroup, PersonalDataAccess
from beneficiaries.personal_data import mask_id_number
from disbursement import selectors, services
from disbursement.models import Disbursement
from ethnic_portal import clock, export_jobs
from ethnic_portal.excel_export import DATE, MONEY, NUMBER, Column, Export, write
from ethnic_portal.models import ExportJob, ExportStatus
from programs.models import Project, SubProject
from tests.factories import UserFactory, VillageFactory, unit

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 7, 15)
RISKY = ['=HYPERLINK("http://x")', "+84 912", "-5 triệu", "@SUM(A1)", "\tTab"]


@pytest.fixture
def today():
    with clock.as_of(TODAY):
        yield TODAY


def _allocation(actor, unit_code, *, amount, decision_no, project="DA4", subproject="DA4.TDA1", **fields):
    return services.allocation_create(
        actor=actor,
        year=fields.pop("year", 2024),
        project=Project.objects.get(code=project, program__phase=1),
        subproject=SubProject.objects.get(code=subproject) if subproject else None,
        unit=unit(unit_code),
        capital_type=fields.pop("capital_type", "investment"),
        source=fields.pop("source", "central"),
        origin_year=2024,
        amount=amount,
        decision_no=decision_no,
        decision_date=datetime.date(2024, 2, 1),
        decision_body="UBND tỉnh Bắc Kạn",
        **fields,
    )


@pytest.fixture
def ledger(today, province_user):
    """Two allocations in Ba Bể (one with three disbursements, so that a join would count it three times), one in
    Chợ Đồn; notes that could be read as formulas."""
    ba_be = _allocation(province_user, "061", amount=1_000_000_000, decision_no="12/QĐ-UBND", note=RISKY[0])
    cho_ra = _allocation(
        province_user,
        "01888",
        amount=777_777_777,
        decision_no="13/QĐ-UBND",
        project="DA1",
        subproject=None,
        capital_type="recurrent",
        source="local",
    )
    cho_don = _allocation(province_user, "064", amount=500_000_000, decision_no="14/QĐ-UBND")
    made = []
    for day, amount, voucher, note in [
        (datetime.date(2024, 3, 1), 123_456_789, "PC-01", RISKY[1]),
        (datetime.date(2024, 4, 2), 200_000_001, "PC-02", RISKY[2]),
        (datetime.date(2024, 5, 3), 99_999, "PC-03", "Tạm ứng đợt 1"),
    ]:
        made.append(
            services.disbursement_create(
                actor=province_user, allocation=ba_be, date=day, amount=amount, voucher_no=voucher, note=note
            )
        )
    made.append(
        services.disbursement_create(
            actor=province_user, allocation=cho_ra, date=datetime.date(2024, 6, 1), amount=5_000, voucher_no=RISKY[3]
        )
    )
    made.append(
        services.disbursement_create(
            actor=province_user,
            allocation=cho_don,
            date=datetime.date(2024, 6, 5),
            amount=300_000_000,
            voucher_no="PC-CD",
        )
    )
    return {"ba_be": ba_be, "cho_ra": cho_ra, "cho_don": cho_don, "disbursements": made}


def _book(response):
    assert response.status_code == 200, response
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    return load_workbook(io.BytesIO(response.getvalue()))


def _rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]


def _day(value):
    return value.date() if isinstance(value, datetime.datetime) else value


# --- The ledger's exports: every row of the list, exact ---------------------------------------------------------


def test_the_disbursement_export_is_the_list_of_the_users_scope_exactly(client_as, district_user, ledger):
    sheet = _book(client_as(district_user).get(reverse("disbursement:disbursement_export"))).active
    expected = list(selectors.disbursement_list(user=district_user).order_by("-date", "-pk"))
    assert {d.allocation.unit.code for d in expected} == {"061", "01888"}  # Chợ Đồn's is not in Ba Bể's scope
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["Ngày giải ngân", "Số chứng từ", "Mã phân bổ"]
    got = _rows(sheet)
    assert [
        [
            _day(row[0]),
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
            row[9],
            row[10],
            row[11],
            row[12],
        ]
        for row in got
    ] == [
        [
            d.date,
            d.voucher_no,
            d.allocation_id,
            d.allocation.year,
            d.allocation.unit.code,
            d.allocation.unit.name,
            d.allocation.project.code,
            d.allocation.subproject.code if d.allocation.subproject_id else None,
            d.allocation.get_capital_type_display(),
            d.allocation.get_source_display(),
            d.allocation.origin_year,
            d.amount,
            d.note or None,
        ]
        for d in expected
    ]
    total = selectors.disbursement_list(user=district_user).aggregate(total=Sum("amount"))["total"]
    assert sum(row[11] for row in got) == total == 123_456_789 + 200_000_001 + 99_999 + 5_000
    assert all(type(row[11]) is int for row in got)


def test_the_allocation_export_has_each_allocation_once_with_exact_figures(client_as, province_user, ledger):
    sheet = _book(client_as(province_user).get(reverse("disbursement:allocation_export"))).active
    header = [cell.value for cell in sheet[1]]
    amount, disbursed, remaining = (
        header.index(name) for name in ("Vốn giao (đồng)", "Đã giải ngân (đồng)", "Còn lại (đồng)")
    )
    got = _rows(sheet)
    allocations = selectors.allocation_list(user=province_user)
    assert sorted(row[0] for row in got) == sorted(allocations.values_list("pk", flat=True))
    totals = selectors.totals(allocations)
    assert sum(row[amount] for row in got) == totals["allocated"] == 2_277_777_777
    assert sum(row[disbursed] for row in got) == totals["disbursed"] == 623_561_789
    assert sum(row[remaining] for row in got) == totals["remaining"]
    by_pk = {row[0]: row for row in got}
    ba_be = by_pk[ledger["ba_be"].pk]
    assert (ba_be[amount], ba_be[disbursed], ba_be[remaining]) == (1_000_000_000, 323_556_789, 676_443_211)
    assert _day(ba_be[header.index("Ngày quyết định")]) == datetime.date(2024, 2, 1)
    assert by_pk[ledger["cho_ra"].pk][header.index("Tiểu dự án")] is None
    assert by_pk[ledger["cho_ra"].pk][header.index("Loại vốn")] == "Vốn sự nghiệp"
    assert by_pk[ledger["cho_ra"].pk][header.index("Nguồn vốn")] == "Ngân sách địa phương"


def test_the_exports_keep_the_lists_filters_and_order(client_as, province_user, ledger):
    client = client_as(province_user)
    sheet = _book(client.get(reverse("disbursement:disbursement_export"), {"unit": "064", "page": "2"})).active
    assert [row[1] for row in _rows(sheet)] == ["PC-CD"]
    query = {"date_from": "2024-03-15", "date_to": "2024-06-01"}
    sheet = _book(client.get(reverse("disbursement:disbursement_export"), query)).active
    assert [row[1] for row in _rows(sheet)] == [RISKY[3], "PC-03", "PC-02"]  # newest first, as on the page
    sheet = _book(client.get(reverse("disbursement:allocation_export"), {"capital_type": "recurrent"})).active
    assert [row[0] for row in _rows(sheet)] == [ledger["cho_ra"].pk]


def test_an_invalid_filter_goes_back_to_the_list_with_the_reason(client_as, province_user, ledger):
    response = client_as(province_user).get(reverse("disbursement:disbursement_export"), {"date_from": "31/02/x"})
    assert response.status_code == 302
    assert response["Location"] == reverse("disbursement:disbursement_list")
    page = client_as(province_user).get(response["Location"]).content.decode()
    assert "alert" in page


def test_outside_the_scope_the_export_is_empty(client_as, other_district_user, ledger):
    sheet = _book(client_as(other_district_user).get(reverse("disbursement:allocation_export"), {"unit": "061"})).active
    assert _rows(sheet) == []
    sheet = _book(client_as(other_district_user).get(reverse("disbursement:disbursement_export"))).active
    assert [row[1] for row in _rows(sheet)] == ["PC-CD"]


def test_a_role_that_reads_no_program_data_exports_nothing(client_as, admin_user, ledger):
    sheet = _book(client_as(admin_user).get(reverse("disbursement:disbursement_export"))).active
    assert _rows(sheet) == []


@pytest.mark.parametrize(
    ("list_name", "export_name"),
    [
        ("disbursement:disbursement_list", "disbursement:disbursement_export"),
        ("disbursement:allocation_list", "disbursement:allocation_export"),
    ],
)
def test_the_list_pages_export_button_keeps_the_filters(client_as, province_user, ledger, list_name, export_name):
    query = {"unit": "061", "year": "2024", "page": "1"}
    page = client_as(province_user).get(reverse(list_name), query).content.decode()
    expected = f'href="{reverse(export_name)}?{urlencode({"unit": "061", "year": "2024"}).replace("&", "&amp;")}"'
    assert expected in page
    assert "Xuất Excel" in page
    bare = client_as(province_user).get(reverse(list_name)).content.decode()
    assert f'href="{reverse(export_name)}"' in bare


# --- Cells: kinds, formats, text safety --------------------------------------------------------------------------


def test_cells_have_their_kind_and_text_is_never_a_formula(client_as, province_user, ledger):
    book = _book(client_as(province_user).get(reverse("disbursement:disbursement_export")))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["A"].width == 12
    assert sheet.column_dimensions["L"].width == 16
    for row in sheet.iter_rows(min_row=2):
        assert row[0].is_date
        assert row[0].number_format == "dd/mm/yyyy"
        assert row[11].data_type == "n"
        assert row[11].number_format == "#,##0"
        assert row[2].number_format == "General"
        assert row[2].data_type == "n"
    texts = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row if isinstance(cell.value, str)}
    for value in RISKY[1:4]:
        cell = texts[value]
        assert cell.data_type == "s", value
        assert cell.quotePrefix, value
    assert not texts["PC-01"].quotePrefix
    allocations = _book(client_as(province_user).get(reverse("disbursement:allocation_export"))).active
    notes = [cell for row in allocations.iter_rows(min_row=2) for cell in row if cell.value == RISKY[0]]
    assert notes
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in notes)


def test_the_writer_takes_every_kind_of_value(tmp_path):
    columns = [Column("Ngày", kind=DATE), Column("Tiền", kind=MONEY), Column("Năm", kind=NUMBER), Column("=Chữ")]
    values = [
        (datetime.date(2024, 1, 2), 10**15 + 1, 2024, "=1+1"),
        (None, None, None, None),
        (datetime.date(2025, 12, 31), 0, 1, ""),
        (datetime.datetime(2024, 5, 6, 7, 8), -5, 3, "Đắk Lắk"),  # noqa: DTZ001 - Excel has no time zones
    ]
    path = tmp_path / "x.xlsx"
    assert write(Export(name="thu", columns=columns, rows=iter(values)), path) == 4
    sheet = load_workbook(path).active
    assert sheet.title == "thu"
    header = sheet[1][3]
    assert header.value == "=Chữ"
    assert header.data_type == "s"
    assert header.quotePrefix
    rows = list(sheet.iter_rows(min_row=2))
    assert [c.value for c in rows[0]] == [datetime.datetime(2024, 1, 2), 10**15 + 1, 2024, "=1+1"]  # noqa: DTZ001
    assert rows[0][3].data_type == "s"
    assert [c.value for c in rows[1]] == [None, None, None, None]
    assert rows[2][1].value == 0
    assert rows[2][1].number_format == "#,##0"
    assert rows[3][0].value == datetime.datetime(2024, 5, 6, 7, 8)  # noqa: DTZ001
    assert rows[3][1].value == -5


# --- People: masking and the access log ------------------------------------------------------------------------


@pytest.fixture
def households(today, commune_user, other_commune_user):
    village = VillageFactory(
        parent=unit("01888"), code="01888.93", name="Bản Xuất", valid_to=datetime.date(2025, 6, 30)
    )
    other = VillageFactory(parent=unit("01891"), code="01891.93", name="Bản Khác", valid_to=datetime.date(2025, 6, 30))
    group = EthnicGroup.objects.get(code="02")
    made = []
    for actor, place, name, number, note in [
        (commune_user, village, "Nông Thị Lan", "006180001234", "=cmd|' /C calc'!A0"),
        (other_commune_user, other, "Hoàng Văn Pò", "006180005678", ""),
    ]:
        made.append(
            people.household_create(
                actor=actor,
                head_name=name,
                head_id_number=number,
                ethnic_group=group,
                unit=place,
                members=4,
                poverty_status="poor",
                poverty_year=2023,
                note=note,
            )
        )
    return made


@pytest.mark.parametrize(
    ("name", "masked"), [("district_user", False), ("commune_user", False), ("province_user", True)]
)
def test_the_household_export_masks_as_the_role_may_see(request, client_as, households, name, masked):
    user = request.getfixturevalue(name)
    sheet = _book(client_as(user).get(reverse("beneficiaries:household_export"))).active
    rows = _rows(sheet)
    visible = [h for h in households if h.unit.path.startswith(user.unit.path)]
    assert [row[0] for row in rows] == [h.pk for h in sorted(visible, key=lambda h: (h.unit.path, h.name_key, h.pk))]
    for row in rows:
        number = next(h.head_id_number for h in households if h.pk == row[0])
        assert row[2] == (mask_id_number(number) if masked else number)
    note = next(cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value == "=cmd|' /C calc'!A0")
    assert note.data_type == "s"
    assert note.quotePrefix
    [log] = PersonalDataAccess.objects.filter(user=user, action="export")
    assert (log.subject, log.record_count) == ("household", len(rows))


# --- A long list: an export job ------------------------------------------------------------------------------------


@pytest.fixture
def small_limit(settings):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    return settings


def test_a_long_list_is_written_by_an_export_job(
    client_as, province_user, ledger, settings, django_capture_on_commit_callbacks, monkeypatch
):
    # The job runs in this process, also where CI gives the suite a broker and a worker (eager, whatever the broker).
    from ethnic_portal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    client = client_as(province_user)
    direct = _rows(_book(client.get(reverse("disbursement:disbursement_export"), {"unit": "061"})).active)
    assert len(direct) == 4
    settings.EXPORT_SYNC_MAX_ROWS = 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("disbursement:disbursement_export"), {"unit": "061", "page": "3"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.status, job.progress, job.total, job.rows, job.query) == ("done", 100, 4, 4, "unit=061")
    assert job.attempts == 1
    assert job.file_size == os.path.getsize(job.file.path)
    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("exports:download", args=[job.pk]) in page
    downloaded = client.get(reverse("exports:download", args=[job.pk]))
    assert _rows(_book(downloaded).active) == direct  # the same rows as the direct export, in the same order
    status = client.get(reverse("exports:status", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"
    assert not list((export_jobs._temp_folder()).glob(f"export-{job.pk}-*"))


def test_an_export_job_is_its_requesters_alone(client_as, province_user, leader, ledger, small_limit):
    job = export_jobs.export_request(actor=province_user, kind="allocations", query="")
    export_jobs.export_build(job_id=job.pk)
    for name in ("exports:detail", "exports:status", "exports:download"):
        assert client_as(leader).get(reverse(name, args=[job.pk])).status_code == 404
    assert client_as(province_user).get(reverse("exports:download", args=[job.pk])).status_code == 200


def test_a_household_export_job_masks_and_logs_each_download(client_as, province_user, households, small_limit):
    small_limit.EXPORT_SYNC_MAX_ROWS = 1
    client = client_as(province_user)
    response = client.get(reverse("beneficiaries:household_export"))
    job = ExportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert PersonalDataAccess.objects.filter(action="export").count() == 0  # nothing has left the server yet
    export_jobs.export_build(job_id=job.pk)
    for _download in range(2):
        rows = _rows(_book(client.get(reverse("exports:download", args=[job.pk]))).active)
        assert sorted(row[2] for row in rows) == sorted(mask_id_number(h.head_id_number) for h in households)
    logs = PersonalDataAccess.objects.filter(user=province_user, action="export", subject="household")
    assert [log.record_count for log in logs] == [2, 2]


def test_an_export_job_not_finished_or_failed_says_why(client_as, province_user, ledger):
    job = export_jobs.export_request(actor=province_user, kind="disbursements", query="")
    response = client_as(province_user).get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 409
    assert "đang được tạo" in response.content.decode()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED, error="Lỗi thử")
    response = client_as(province_user).get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 409
    assert "Lỗi thử" in response.content.decode()


def test_a_failing_build_fails_the_job_and_leaves_no_file(province_user, ledger, monkeypatch):
    job = export_jobs.export_request(actor=province_user, kind="disbursements", query="")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(export_jobs, "write", broken)
    job = export_jobs.export_build(job_id=job.pk)
    assert job.status == "failed"
    assert "RuntimeError" in job.error
    assert not job.file
    assert not list(export_jobs._temp_folder().glob(f"export-{job.pk}-*"))
    assert export_jobs.export_build(job_id=job.pk).status == "failed"  # a redelivered task does nothing more


def test_a_job_asked_by_a_user_who_lost_the_right_fails(province_user, ledger):
    job = export_jobs.export_request(actor=province_user, kind="disbursements", query="")
    province_user.is_active = False
    province_user.save()
    assert export_jobs.export_build(job_id=job.pk).status == "failed"


def test_invalid_filters_are_refused_when_asking_for_a_job(province_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        export_jobs.export_request(actor=province_user, kind="disbursements", query="year=abc")
    assert not ExportJob.objects.exists()


def test_old_files_are_removed(province_user, ledger):
    job = export_jobs.export_build(
        job_id=export_jobs.export_request(actor=province_user, kind="allocations", query="").pk
    )
    path = job.file.path
    assert os.path.exists(path)
    assert export_jobs.export_cleanup(now=job.finished_at + datetime.timedelta(hours=1)) == 0
    assert export_jobs.export_cleanup(now=job.finished_at + datetime.timedelta(hours=25)) == 1
    job.refresh_from_db()
    assert job.status == "expired"
    assert not job.file
    assert not os.path.exists(path)


def test_the_export_reads_values_not_model_instances(province_user, ledger, django_assert_max_num_queries):
    from disbursement.excel import exports

    export = exports.disbursements(selectors.disbursement_list(user=province_user).order_by("-date", "-pk"))
    with django_assert_max_num_queries(2):
        rows = list(export.rows)
    assert len(rows) == Disbursement.objects.count()
    assert all(type(row) is tuple for row in rows)


def test_an_unscoped_user_made_by_hand_sees_nothing(client, ledger):
    nobody = UserFactory(username="khong_don_vi", role="province", unit=None)
    client.force_login(nobody)
    sheet = _book(client.get(reverse("disbursement:disbursement_export"))).active
    assert _rows(sheet) == []
