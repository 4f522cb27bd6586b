"""The national report level: the Ministry's officer asks for the country's report (rows = provinces), built from
the ledger's summaries exactly as from the raw rows; nobody else sees or asks for it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from disbursement import selectors as ledger_selectors
from disbursement import services as ledger
from geography.models import nation
from programs.models import Project
from reports import selectors, services
from reports.excel import capital, subunits
from reports.models import ReportJob, ReportStatus
from reports.tasks import report_build_task
from tests.factories import UserFactory, unit
from tests.reports.conftest import as_decimal, check_sums, open_report, table


@pytest.fixture
def two_provinces(small_ledger, reference_data):
    """Bắc Kạn's small ledger, and Thái Nguyên (19, before the reform) holding recurrent DA1 capital of its own."""
    officer = UserFactory(username="tinh_tn", role="province", unit=unit("19"))
    allocation = ledger.allocation_create(
        actor=officer,
        year=2024,
        project=Project.objects.get(code="DA1", program__phase=1),
        subproject=None,
        unit=unit("19"),
        capital_type="recurrent",
        source="local",
        origin_year=2024,
        amount=700_000_007,
        decision_no="9/QĐ-UBND",
        decision_date=datetime.date(2024, 1, 22),
        decision_body="UBND tỉnh Thái Nguyên",
    )
    ledger.disbursement_create(
        actor=officer, allocation=allocation, date=datetime.date(2024, 6, 3), amount=70_000_003, voucher_no="TN-1"
    )
    ledger.plan_set(actor=officer, allocation=allocation, months={5: 100_000_000, 11: 600_000_007})
    return small_ledger


def national_job(user, period="H1", **overrides):
    values = {"level": "national", "unit": "VN", "year": 2024, "period": period, **overrides}
    job = services.report_request(actor=user, **values)
    return services.report_build(job_id=job.pk)


@pytest.mark.parametrize("period", ["H1", "year"])
def test_the_national_report_has_a_section_per_province_and_adds_up(two_provinces, national_user, period):
    job = national_job(national_user, period=period)
    assert job.status == ReportStatus.DONE, job.error
    assert job.unit is None
    assert job.report_unit.code == "VN"
    assert job.file.name.startswith(f"reports/2024/VN-national-2024-{period}-")
    workbook = open_report(job)
    _start, rows = table(workbook[subunits.SHEET])
    names = [row[1] for row in rows if row[0] in ("I", "II", "III")]
    assert names == ["Tỉnh Bắc Kạn", "Tỉnh Thái Nguyên"]
    money = [i for i, c in enumerate(subunits.COLUMNS) if c.additive]
    assert check_sums(rows, money) > 0
    keys = [c.key for c in capital.COLUMNS]
    total = dict(zip(keys, table(workbook[capital.SHEET])[1][0], strict=True))
    assert as_decimal(total["allocated"]) * 1_000_000 == 2_000_000_123 + 700_000_007
    disbursed = 350_000_001 + 70_000_003 if period == "H1" else 400_000_001 + 70_000_003
    assert as_decimal(total["disbursed"]) * 1_000_000 == disbursed
    # plans to 30/06: Bắc Kạn 500 triệu on an allocation that disbursed 250; Thái Nguyên 100 on one that did 70
    planned = 500_000_000 + 100_000_000 if period == "H1" else 1_000_000_000 + 700_000_007
    assert as_decimal(total["planned"]) * 1_000_000 == planned
    assert as_decimal(total["planned_disbursed"]) * 1_000_000 == 250_000_000 + 70_000_003
    assert workbook[capital.SHEET].cell(row=2, column=1).value == "BỘ DÂN TỘC VÀ TÔN GIÁO"
    approvals = {a["name"]: a for a in job.approvals}
    assert approvals["Tỉnh Bắc Kạn"]["label"].startswith("0/")


def test_the_national_figures_from_the_summaries_equal_those_from_the_raw_rows(
    two_provinces, national_user, province_user, monkeypatch
):
    """report_data reads the summaries; forced onto the ledger's rows it must say the same, line by line."""
    moment = datetime.datetime(2024, 7, 15, 12, tzinfo=datetime.UTC)
    for user, place, period in [
        (national_user, nation(), "H1"),
        (national_user, nation(), "year"),
        (province_user, unit("06"), "H1"),
        (province_user, unit("06"), "year"),
    ]:
        level = "national" if place.code == "VN" else "province"
        fast = selectors.report_data(user=user, level=level, unit=place, year=2024, period=period, data_moment=moment)
        with monkeypatch.context() as patch:
            patch.setattr(ledger_selectors, "summary_readable", lambda **kwargs: False)
            patch.setattr(selectors, "summary_readable", lambda **kwargs: False)
            patch.setattr(selectors, "plan_figures", lambda **kwargs: None)
            slow = selectors.report_data(
                user=user, level=level, unit=place, year=2024, period=period, data_moment=moment
            )
        assert fast.lines == slow.lines, (place.code, period)
        assert fast.lines
        assert [s.key for s in fast.sections] == [s.key for s in slow.sections]
        assert fast.progress_total == slow.progress_total


def test_only_a_nationwide_user_asks_for_or_sees_the_national_report(
    two_provinces, national_user, province_user, leader
):
    job = national_job(national_user)
    for other in (province_user, leader):
        with pytest.raises(Http404):
            services.report_request(actor=other, level="national", unit="VN", year=2024, period="H1")
        with pytest.raises(ValidationError) as refused:
            services.report_request(actor=other, level="national", unit="06", year=2024, period="H1")
        assert "cấp báo cáo" in str(refused.value)
        assert not ReportJob.objects.for_user(other).filter(pk=job.pk).exists()
        with pytest.raises(Http404):
            services.report_download(actor=other, job=job)
    # The country's report is asked for with the national level only; its unit may be left out.
    with pytest.raises(ValidationError, match="toàn quốc"):
        services.report_request(actor=national_user, level="province", unit="VN", year=2024, period="H1")
    again = services.report_request(actor=national_user, level="national", unit=None, year=2024, period="year")
    assert again.unit is None
    assert again.level == "national"
    # The national officer also asks for a province's report, and sees all of them.
    province_job = services.report_request(actor=national_user, level="province", unit="06", year=2024, period="H1")
    assert ReportJob.objects.for_user(national_user).filter(pk__in=[job.pk, province_job.pk]).count() == 2


def test_an_identical_national_request_joins_the_running_one(two_provinces, national_user, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda job: None)
    first = services.report_request(actor=national_user, level="national", unit="VN", year=2024, period="H1")
    second = services.report_request(actor=national_user, level="national", unit="VN", year=2024, period="H1")
    assert second.pk == first.pk
    assert second.joined


def test_the_api_asks_for_and_lists_the_national_report(
    two_provinces, national_user, api_as, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(report_build_task, "delay", lambda job_id: report_build_task.apply(args=[job_id]))
    api = api_as(national_user)
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("/api/v1/reports/", {"level": "national", "unit": "VN", "year": 2024, "period": "H1"})
    assert answer.status_code == 202, answer.content
    assert answer.json()["unit"] == "VN"
    listed = api.get("/api/v1/reports/").json()["results"]
    assert listed[0]["unit"] == "VN"
    assert listed[0]["status"] == "done"
    download = api.get(f"/api/v1/reports/{listed[0]['id']}/download/")
    assert download.status_code == 200


def test_the_reports_page_offers_the_country_to_a_nationwide_user_only(
    two_provinces, national_user, province_user, client_as
):
    page = client_as(national_user).get("/reports/")
    form = page.context["form"]
    assert form.initial["level"] == "national"
    assert "VN – Toàn quốc" in dict(form.fields["unit"].choices).values()
    assert {u.level for u in form.units.values()} == {"national", "province"}
    response = client_as(national_user).post(
        "/reports/new/", {"level": "national", "unit": 0, "year": 2024, "period": "H1"}
    )
    assert response.status_code == 302
    other = client_as(province_user).get("/reports/").context["form"]
    assert "national" not in dict(other.fields["level"].choices)
