"""Report jobs on a small ledger: requests and their refusals, joining, building, failures, retries, snapshots,
downloads, the threshold, the scheduled jobs. The demo-based tests are in tests/reports/demo."""

import datetime
import os
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.http import Http404
from django.utils import timezone

from disbursement import services as ledger
from disbursement.models import Period, PeriodKind, PeriodStatus, YearSetting
from disbursement.selectors import progress_for_unit
from reports import selectors, services
from reports.excel import capital, workbook
from reports.models import OverdueSubmission, ReportDownload, ReportJob, ReportSetting, ReportStatus
from reports.tasks import report_build_task
from tests.factories import UserFactory, unit
from tests.reports.conftest import as_decimal, check_sums, open_report, table


@pytest.fixture
def in_process(monkeypatch):
    """The task the services enqueue on commit runs here, whether or not a broker is configured (CI runs this
    module with one: the worker could not see this test's uncommitted rows)."""
    sent = []

    def delay(job_id):
        sent.append(job_id)
        return report_build_task.apply(args=[job_id])

    monkeypatch.setattr(report_build_task, "delay", delay)
    return sent


def request(actor, level="district", code="061", year=2024, period="H1"):
    return services.report_request(actor=actor, level=level, unit=code, year=year, period=period)


def build(actor, **kwargs):
    job = request(actor, **kwargs)
    return services.report_build(job_id=job.pk)


# --- The selector the report reads ------------------------------------------------------------------


def test_progress_lines_add_up_to_every_other_breakdown(small_ledger, province_user):
    progress = progress_for_unit(user=province_user, unit=unit("06"), year=2024, as_of=datetime.date(2024, 6, 30))
    assert sum(f.allocated for f in progress.by_line.values()) == progress.total.allocated == 2_000_000_123
    assert sum(f.disbursed for f in progress.by_line.values()) == progress.total.disbursed == 350_000_001
    ba_be = unit("061")
    assert progress.by_line[(ba_be.pk, "DA4", "DA4.TDA1", "investment", "local", 2024)].disbursed == 100_000_001
    assert progress.by_line[(ba_be.pk, "DA4", "DA4.TDA1", "investment", "central", 2023)].allocated == 200_000_000


# --- Requests -----------------------------------------------------------------------------------------


def test_a_request_queues_a_job_that_the_task_builds_after_commit(
    small_ledger, district_user, django_capture_on_commit_callbacks, in_process
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = request(district_user)
    assert len(callbacks) == 1
    assert in_process == []  # nothing is sent before the commit
    callbacks[0]()
    assert in_process == [job.pk]
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE
    assert job.progress == 100
    assert job.file.name == f"reports/2024/061-district-2024-H1-{job.pk}.xlsx"
    assert len(job.checksum) == 64
    assert job.file_size > 10_000
    assert job.code_version
    assert job.data_as_of
    assert job.started_at <= job.finished_at
    assert job.approvals == [{"unit": "061", "name": "Huyện Ba Bể", "status": "open", "label": "Đang nhập"}]


def test_an_unreachable_broker_leaves_the_job_queued_and_the_requeue_sends_it_when_it_is_back(
    small_ledger, district_user, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from kombu.exceptions import OperationalError as BrokerError

    broker = {"up": False}
    sent = []

    def delay(job_id):
        if not broker["up"]:
            raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        sent.append(job_id)
        return report_build_task.apply(args=[job_id])

    monkeypatch.setattr(report_build_task, "delay", delay)
    monkeypatch.setattr(services, "_broker_down_until", 0.0)  # restored after the test: no pause left for others
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as with a broker (pytest-django restores it)
    with django_capture_on_commit_callbacks(execute=True):
        job = request(district_user)
    assert job.waiting_for_queue  # the instance the view and the API answer with says so
    assert "sẽ được tạo tự động khi hàng đợi hoạt động trở lại" in job.error
    job.refresh_from_db()
    assert (job.status, job.enqueued_at, job.attempts) == (ReportStatus.QUEUED, None, 0)
    assert "Hàng đợi tác vụ tạm thời không hoạt động" in job.error
    again = request(district_user)  # the same report asked again joins the waiting job
    assert (again.pk, again.joined, again.waiting_for_queue) == (job.pk, True, True)

    assert services.requeue_waiting() == []  # still down: nothing sent, the job still waits
    job.refresh_from_db()
    assert job.status == ReportStatus.QUEUED

    broker["up"] = True
    assert services.requeue_waiting() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (ReportStatus.DONE, 1, "")
    assert job.enqueued_at is not None
    assert services.requeue_waiting() == []  # sent once


def test_after_a_broker_failure_requests_do_not_wait_on_it_again_for_a_while(
    small_ledger, district_user, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from kombu.exceptions import OperationalError as BrokerError

    tries = []

    def hung(job_id):
        tries.append(job_id)
        raise BrokerError("Timeout reading from socket")

    monkeypatch.setattr(report_build_task, "delay", hung)
    monkeypatch.setattr(services, "_broker_down_until", 0.0)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with django_capture_on_commit_callbacks(execute=True):
        first = request(district_user)
    with django_capture_on_commit_callbacks(execute=True):
        second = request(district_user, period="year")
    assert tries == [first.pk]  # the second request did not try the broker: it failed moments ago
    assert first.waiting_for_queue
    assert second.waiting_for_queue
    monkeypatch.setattr(services, "_broker_down_until", 0.0)  # the pause is over: the broker is tried again
    services._enqueue(second)
    assert tries == [first.pk, second.pk]


def test_a_queued_job_the_queue_lost_is_sent_again_and_one_waiting_a_day_is_failed(
    small_ledger, district_user, other_district_user, monkeypatch
):
    sent = []
    monkeypatch.setattr(report_build_task, "delay", sent.append)
    lost = request(district_user)
    waited = request(other_district_user, code="064")
    now = timezone.now()
    ReportJob.objects.filter(pk=lost.pk).update(
        enqueued_at=now - services.REQUEUE_AFTER - datetime.timedelta(seconds=1)
    )
    ReportJob.objects.filter(pk=waited.pk).update(
        created_at=now - services.QUEUE_WAIT - datetime.timedelta(minutes=1), enqueued_at=None
    )
    sent.clear()
    assert services.requeue_waiting(now=now) == [lost.pk]
    assert sent == [lost.pk]
    waited.refresh_from_db()
    assert waited.status == ReportStatus.FAILED
    assert "chờ hàng đợi tác vụ quá 24 giờ" in waited.error


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"level": "region"}, "level", "Cấp báo cáo phải là"),
        ({"period": "Q3"}, "period", "Kỳ báo cáo phải là “H1”"),
        ({"year": 2019}, "year", "Năm phải là một năm ngân sách"),
        ({"year": "hai nghìn"}, "year", "Năm phải là một năm ngân sách"),
        ({"year": 2021}, "year", "Chưa có số liệu vốn năm 2021 của Huyện Ba Bể"),
        ({"level": "province"}, "level", "Huyện Ba Bể là đơn vị cấp huyện: chọn cấp báo cáo “huyện” (district)."),
        ({"code": ""}, "unit", "Phải chọn đơn vị"),
        ({"year": 2026}, "year", "Huyện Ba Bể không tồn tại trong năm 2026"),
    ],
)
def test_bad_requests_are_refused_in_vietnamese_and_nothing_is_queued(
    small_ledger, district_user, body, field, message
):
    arguments = {"level": "district", "code": "061", "year": 2024, "period": "H1", **body}
    with pytest.raises(ValidationError) as refused:
        request(district_user, **arguments)
    assert message in refused.value.message_dict[field][0]
    assert not ReportJob.objects.exists()


def test_a_unit_outside_the_scope_is_not_found(small_ledger, district_user):
    for code in ("064", "06", "99999"):
        with pytest.raises(Http404, match="Không có đơn vị mã"):
            request(district_user, code=code, level="district" if code != "06" else "province")
    assert not ReportJob.objects.exists()


def test_roles_that_request_no_reports_are_refused(small_ledger, commune_user, admin_user):
    for user in (commune_user, admin_user):
        with pytest.raises(PermissionDenied, match="không được yêu cầu báo cáo"):
            request(user, level="commune", code="01888")


def test_a_commune_under_a_two_level_province_reports_at_commune_level(reference_data, new_province_user, clock):
    cho_ra = unit("01912", current=True)
    with pytest.raises(ValidationError) as refused:
        services.report_request(actor=new_province_user, level="district", unit=cho_ra, year=2026, period="H1")
    assert "báo cáo thẳng lên tỉnh: chọn cấp báo cáo “xã”" in refused.value.message_dict["level"][0]


def test_an_identical_request_joins_the_queued_job(small_ledger, district_user, province_user):
    first = request(district_user)
    second = request(province_user)
    assert second.pk == first.pk
    assert second.joined
    assert not first.joined
    assert ReportJob.objects.count() == 1
    other_period = request(district_user, period="year")
    assert other_period.pk != first.pk


def test_a_job_whose_worker_vanished_is_failed_instead_of_joined(small_ledger, district_user):
    stale = request(district_user)
    long_ago = timezone.now() - services.STALE_AFTER - datetime.timedelta(minutes=1)
    ReportJob.objects.filter(pk=stale.pk).update(status=ReportStatus.RUNNING, started_at=long_ago)
    fresh = request(district_user)
    stale.refresh_from_db()
    assert fresh.pk != stale.pk
    assert not fresh.joined
    assert stale.status == ReportStatus.FAILED
    assert "bị gián đoạn" in stale.error


# --- Building -------------------------------------------------------------------------------------------


def test_the_workbook_totals_equal_their_lines_and_the_ledger(small_ledger, district_user):
    job = build(district_user)
    sheet = open_report(job)[capital.SHEET]
    _start, rows = table(sheet)
    keys = [c.key for c in capital.COLUMNS]
    money = [i for i, c in enumerate(capital.COLUMNS) if c.additive]
    assert check_sums(rows, money) == 4 * len(money)  # total, I, DA4, TDA1 (II is empty for Ba Bể)
    total = dict(zip(keys, rows[0], strict=True))
    assert rows[0][1] == "TỔNG SỐ"
    assert as_decimal(total["allocated"]) == Decimal("1500.000123")  # đồng → triệu exactly
    assert as_decimal(total["disbursed"]) == Decimal("350.000001")
    assert as_decimal(total["allocated_local"]) == Decimal("300.000123")
    assert total["rate"] == 23.3
    # The plan to 30/06 (500 triệu) against what its allocation disbursed (250 triệu).
    assert as_decimal(total["planned"]) == 500
    assert as_decimal(total["planned_disbursed"]) == 250
    assert total["plan_rate"] == 50
    labels = [row[1] for row in rows]
    assert "Vốn năm 2023 chuyển sang" in labels
    assert "Vốn năm 2024" in labels
    assert sheet.cell(row=_start, column=3).number_format == '#,##0.000;-#,##0.000;"-"'


def test_the_snapshot_holds_what_the_sheets_show(small_ledger, district_user):
    job = build(district_user)
    rows = job.figures["forms"]["01"]["rows"]
    assert rows["total"]["values"]["allocated"] == 1_500_000_123
    assert rows["investment|DA4|DA4.TDA1|2023"]["values"]["allocated_central"] == 200_000_000
    assert rows["total"]["values"]["rate"] == "23.3"
    assert set(job.figures["forms"]) == {"01", "02", "03", "04", "05", "06"}


def test_a_failing_build_fails_the_job_with_its_reason_and_leaves_no_file(
    small_ledger, district_user, monkeypatch, settings
):
    written = []

    def broken(data, built, path, **kwargs):
        Path(path).write_bytes(b"PK half a workbook")  # killed halfway through writing
        written.append(path)
        raise ValueError("boom")

    monkeypatch.setattr(workbook, "write", broken)
    job = build(district_user)
    assert job.status == ReportStatus.FAILED
    assert "Lỗi khi tạo báo cáo (ValueError)" in job.error
    assert not job.file
    assert not job.checksum
    assert written
    assert written[0].endswith(".xlsx.part")
    assert not Path(written[0]).exists()  # the half-written temporary file is gone


def test_a_run_taken_over_by_a_redelivered_task_finishes_nothing(small_ledger, district_user, monkeypatch):
    """A worker dies mid-build; the task is delivered again and a second run claims the job. The first run, if it
    ever gets to the end, must not overwrite the second's result: the job completes once."""
    job = request(district_user)
    real_write = workbook.write
    runs = []

    def write_and_get_overtaken(*args, **kwargs):
        real_write(*args, **kwargs)
        if not runs:
            runs.append("second")
            services.report_build(job_id=job.pk)  # the redelivered task, while the first run is still going

    monkeypatch.setattr(workbook, "write", write_and_get_overtaken)
    result = services.report_build(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE
    assert job.attempts == 2
    assert result.attempts == 2  # the first run returned the job as the second one finished it
    assert services.report_build(job_id=job.pk).attempts == 2  # a done job is not built again


def test_the_run_that_takes_a_job_over_removes_the_temporary_file_of_the_killed_run(small_ledger, district_user):
    job = request(district_user)
    services._claim(job.pk)  # the first run: claimed, then killed while writing its temporary file
    killed = Path(services._temp_path(job.pk, 1))
    killed.write_bytes(b"PK half a workbook")
    other_job = Path(services._temp_path(job.pk + 1, 1))  # another job's build, still writing
    try:
        job = services.report_build(job_id=job.pk)
        assert (job.status, job.attempts) == (ReportStatus.DONE, 2)
        assert not killed.exists()
        assert other_job.exists()
        assert sorted(p.name for p in killed.parent.iterdir()) == [other_job.name]
    finally:
        other_job.unlink(missing_ok=True)


def test_a_lost_database_connection_is_retried_by_the_worker(small_ledger, district_user, monkeypatch):
    job = request(district_user)
    real = selectors.report_data
    calls, retries = [], []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    class Retry(Exception):
        pass

    def retry(exc, countdown):
        retries.append((exc, countdown))
        return Retry()

    monkeypatch.setattr(selectors, "report_data", flaky)
    monkeypatch.setattr(report_build_task, "retry", retry)
    with pytest.raises(Retry):
        report_build_task(job.pk)  # as the worker runs it: not eager, first try
    job.refresh_from_db()
    assert job.status == ReportStatus.RUNNING
    assert not job.error
    assert retries[0][1] == 15
    assert report_build_task(job.pk) == {"job": job.pk, "status": "done"}  # the retry
    job.refresh_from_db()
    assert job.status == ReportStatus.DONE
    assert job.attempts == 2


@pytest.mark.parametrize("how", ["eager", "retries exhausted"])
def test_the_task_gives_up_and_says_why(small_ledger, district_user, monkeypatch, how):
    job = request(district_user)

    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(selectors, "report_data", down)
    if how == "eager":
        report_build_task.apply(args=[job.pk])
    else:
        monkeypatch.setattr(report_build_task, "max_retries", 0)
        report_build_task(job.pk)
    job.refresh_from_db()
    assert job.status == ReportStatus.FAILED
    assert "Không kết nối được cơ sở dữ liệu sau 1 lần thử" in job.error
    assert not job.file


def test_a_requester_who_lost_the_scope_gets_a_failed_job(small_ledger, district_user):
    job = request(district_user)
    district_user.unit = unit("064")
    district_user.save()
    district_user._scope_roots = None
    job = services.report_build(job_id=job.pk)
    assert job.status == ReportStatus.FAILED
    assert "không còn quyền xem" in job.error


# --- Snapshots and regeneration -----------------------------------------------------------------------


def test_regenerate_keeps_the_old_snapshot_and_shows_what_changed(small_ledger, district_user, province_user):
    old = build(district_user)
    old_checksum, old_name = old.checksum, old.file.name
    ledger.disbursement_create(
        actor=province_user,
        allocation=small_ledger["carried"],
        date=datetime.date(2024, 6, 20),
        amount=40_000_000,
        voucher_no="KB-9",
    )
    new = services.report_regenerate(actor=district_user, job=old)
    assert new.pk != old.pk
    assert new.previous_id == old.pk
    new = services.report_build(job_id=new.pk)
    old.refresh_from_db()
    assert (old.checksum, old.file.name, old.status) == (old_checksum, old_name, ReportStatus.DONE)
    assert old.file.storage.exists(old.file.name)
    assert new.file.name != old.file.name
    changes = {(c.form, c.key, c.column_key): c for c in selectors.snapshot_diff(old, new)}
    carried = changes[("01", "investment|DA4|DA4.TDA1|2023", "disbursed")]
    assert (carried.old, carried.new, carried.delta) == (0, 40_000_000, 40_000_000)
    assert changes[("01", "total", "disbursed")].delta == 40_000_000
    assert changes[("02", "own|investment", "disbursed_central")].delta == 40_000_000
    assert ("01", "investment|DA4|DA4.TDA1|2024", "disbursed") not in changes  # unchanged lines are not listed
    assert selectors.snapshot_diff(new, new) == []


# --- Downloads -------------------------------------------------------------------------------------------


def test_a_download_is_recorded_and_refused_before_the_file_exists(small_ledger, district_user):
    job = request(district_user)
    with pytest.raises(services.ReportNotReady, match="Báo cáo đang được tạo"):
        services.report_download(actor=district_user, job=job)
    job = services.report_build(job_id=job.pk)
    services.report_download(actor=district_user, job=job)
    assert ReportDownload.objects.filter(job=job, user=district_user, via_api=False).count() == 1


def test_a_file_changed_on_disk_is_not_served(small_ledger, district_user):
    job = build(district_user)
    with open(job.file.path, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(services.ReportNotReady, match="không khớp mã kiểm tra"):
        services.report_download(actor=district_user, job=job)
    assert not ReportDownload.objects.exists()


# --- The threshold ---------------------------------------------------------------------------------------


def test_province_staff_set_the_threshold_and_the_report_lists_units_under_it(small_ledger, province_user, leader):
    assert selectors.low_rate_threshold(unit("06")) == Decimal("30.0")
    with pytest.raises(PermissionDenied):
        services.report_setting_save(actor=leader, province=unit("06"), low_rate_threshold="20")
    for bad in ("120", "-1", "12.34", "abc"):
        with pytest.raises(ValidationError) as refused:
            services.report_setting_save(actor=province_user, province=unit("06"), low_rate_threshold=bad)
        assert "từ 0 đến 100" in refused.value.message_dict["low_rate_threshold"][0]
    services.report_setting_save(actor=province_user, province=unit("06"), low_rate_threshold="20,5")
    assert ReportSetting.objects.get().low_rate_threshold == Decimal("20.5")
    assert ReportSetting.history.get().history_user == province_user
    job = build(province_user, level="province", code="06")
    rows = job.figures["forms"]["06"]["rows"]
    # Ba Bể's investment: 350.000.001 of 1.500.000.123 = 23,3% (above 20,5%); Chợ Đồn's recurrent: 0% by 30/06.
    assert [r["label"] for r in rows.values()] == ["TỔNG SỐ", "1. Huyện Chợ Đồn", "1. Huyện Chợ Đồn › a. Vốn sự nghiệp"]


# --- Scheduled jobs ---------------------------------------------------------------------------------------


def test_the_nightly_rebuild_requests_each_province_report_as_its_system_account(
    small_ledger, django_capture_on_commit_callbacks, in_process
):
    # Bắc Kạn existed on 15/07/2024; its current period is the year, and H1 until its deadline (20/09/2024).
    with django_capture_on_commit_callbacks(execute=True):
        jobs = services.nightly_rebuild(today=datetime.date(2024, 7, 15))
    assert sorted((j.year, j.period) for j in jobs) == [(2024, "H1"), (2024, "year")]
    for job in jobs:
        job.refresh_from_db()
        assert job.status == ReportStatus.DONE
        assert job.scheduled
        assert job.level == "province"
        assert job.requested_by.username == "he-thong.bao-cao.06"
        assert job.requested_by.role == "leader"
        assert not job.requested_by.has_usable_password()
    assert services.nightly_rebuild(today=datetime.date(2024, 10, 1))[0].period == "year"


def test_the_nightly_run_removes_temporary_files_of_killed_builds(settings, reference_data):
    folder = Path(settings.MEDIA_ROOT, "reports", "tmp")
    folder.mkdir(parents=True, exist_ok=True)
    old, fresh = folder / "report-old.xlsx.part", folder / "report-fresh.xlsx.part"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    try:
        services.nightly_rebuild(today=datetime.date(2030, 7, 1))
        assert not old.exists()
        assert fresh.exists()  # possibly a build still writing
    finally:
        fresh.unlink(missing_ok=True)
        old.unlink(missing_ok=True)


def test_units_late_with_a_period_are_listed_daily(small_ledger, province_user, district_user, other_district_user):
    YearSetting.objects.create(
        province=unit("06"),
        year=2024,
        h1_deadline=datetime.date(2024, 7, 10),
        year_deadline=datetime.date(2025, 2, 5),
        carryover_deadline=datetime.date(2024, 12, 31),
    )
    ledger.period_submit(actor=district_user, period=ledger.period_for(unit("061"), 2024, PeriodKind.H1))
    assert services.overdue_compute(today=datetime.date(2024, 7, 15)) == 1
    late = OverdueSubmission.objects.get()
    assert (late.unit.code, late.period, late.status, late.days_late) == ("064", "H1", PeriodStatus.OPEN, 5)
    assert list(selectors.overdue_list(user=other_district_user)) == [late]
    assert list(selectors.overdue_list(user=district_user)) == []
    Period.objects.filter(unit=unit("064")).delete()
    ledger.period_submit(actor=other_district_user, period=ledger.period_for(unit("064"), 2024, PeriodKind.H1))
    assert services.overdue_compute(today=datetime.date(2024, 7, 16)) == 0
    assert not OverdueSubmission.objects.exists()


def test_the_beat_schedule_names_the_report_tasks(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"reports.report_nightly_rebuild_task", "reports.overdue_compute_task"} <= tasks
    from ethnic_portal.celery import app

    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)


def test_code_version_names_the_commit_or_the_package(monkeypatch):
    services.code_version.cache_clear()
    monkeypatch.setenv("PORTAL_VERSION", "v1.2.3")
    assert services.code_version() == "v1.2.3"
    services.code_version.cache_clear()
    monkeypatch.delenv("PORTAL_VERSION")
    assert services.code_version().startswith(("git ", "ethnic_portal"))
    services.code_version.cache_clear()


def test_other_users_of_the_district_see_its_reports(small_ledger, district_user):
    colleague = UserFactory(username="huyen_babe_2", role="district", unit=unit("061"))
    job = request(district_user)
    assert list(selectors.report_list(user=colleague)) == [job]
