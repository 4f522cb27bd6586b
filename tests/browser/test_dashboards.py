"""Three users through the browser on a small ledger: the district records, the province sees and approves,
leadership downloads the Excel report. The portal's clock is set to 15/07/2024 for the server thread too."""

import datetime

import openpyxl
import pytest

from disbursement import services
from ethnic_portal import clock
from ethnic_portal.templatetags.vn_format import ty
from programs.models import Project, SubProject
from tests.browser.test_login import log_in
from tests.factories import TEST_PASSWORD, UserFactory, unit

TODAY = datetime.date(2024, 7, 15)


@pytest.fixture
def ledger(reference_data, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    province = UserFactory(username="tinh.backan", role="province", unit=unit("06"), full_name="Triệu Thị Thu")
    district = UserFactory(username="huyen.babe", role="district", unit=unit("061"), full_name="Hoàng Văn Ba")
    leader = UserFactory(username="lanhdao.backan", role="leader", unit=unit("06"), full_name="Lý Văn Lãnh")
    allocation = services.allocation_create(
        actor=province,
        year=2024,
        project=Project.objects.get(code="DA4"),
        subproject=SubProject.objects.get(code="DA4.TDA1"),
        unit=unit("061"),
        capital_type="investment",
        source="central",
        origin_year=2024,
        amount=1_000_000_000,
        decision_no="12/QĐ-UBND",
        decision_date=datetime.date(2024, 2, 1),
        decision_body="UBND tỉnh Bắc Kạn",
    )
    services.disbursement_create(
        actor=district, allocation=allocation, date=datetime.date(2024, 3, 10), amount=100_000_000, voucher_no="UNC-00"
    )
    return {"province": province, "district": district, "leader": leader, "allocation": allocation}


def _switch_to(page, username):
    page.context.clear_cookies()
    log_in(page, username, TEST_PASSWORD)
    page.locator("#dash-heading").wait_for()


def test_district_records_province_sees_and_approves(page, screenshot, ledger):
    _switch_to(page, "tinh.backan")
    figure = page.locator('[data-figure="disbursed-investment"]')
    assert figure.inner_text() == ty(100_000_000, "3")
    screenshot("e2e-province-before")

    _switch_to(page, "huyen.babe")
    assert page.get_by_role("heading", name="Việc còn phải nhập và gửi").is_visible()
    screenshot("e2e-district-home")
    page.goto(page.base_url + f"/ledger/allocations/{ledger['allocation'].pk}/")
    page.get_by_label("Ngày giải ngân").fill("2024-07-10")
    page.get_by_label("Số tiền giải ngân (đồng)").fill("2000000000")
    page.get_by_label("Số chứng từ").fill("UNC-01")
    page.get_by_role("button", name="Ghi giải ngân").click()
    refusal = page.get_by_text("vượt số vốn còn lại của phân bổ")
    refusal.wait_for()
    assert "900.000.000" in refusal.inner_text()
    screenshot("disbursement-refused")
    page.get_by_label("Số tiền giải ngân (đồng)").fill("300000000")
    page.get_by_label("Số chứng từ").fill("UNC-02")
    page.get_by_role("button", name="Ghi giải ngân").click()
    page.get_by_role("cell", name="UNC-02", exact=True).wait_for()
    screenshot("disbursement-recorded")

    period = services.period_for(unit("061"), 2024, "year")
    services.period_submit(actor=ledger["district"], period=period)

    _switch_to(page, "tinh.backan")
    assert figure.inner_text() == ty(400_000_000, "3")
    page.get_by_role("link", name="Huyện Ba Bể – Cả năm 2024").click()
    page.get_by_role("button", name="Phê duyệt").click()
    page.get_by_text("Đã phê duyệt").first.wait_for()
    screenshot("period-approved")
    period.refresh_from_db()
    assert period.status == "approved"


def test_leadership_downloads_the_excel_report(page, screenshot, ledger, tmp_path):
    _switch_to(page, "lanhdao.backan")
    assert page.get_by_role("heading", name="Báo cáo mới nhất").is_visible()
    screenshot("e2e-leader-before-report")
    page.goto(page.base_url + "/reports/")
    page.get_by_label("Năm").first.select_option("2024")
    page.get_by_role("button", name="Tạo báo cáo").click()
    download_link = page.get_by_role("link", name="Tải Excel").first
    download_link.wait_for(timeout=30_000)
    screenshot("report-done")

    page.goto(page.base_url + "/")
    with page.expect_download() as info:
        page.locator(".dashboard").get_by_role("link").filter(has_text="Tỉnh Bắc Kạn").first.click()
    path = tmp_path / "report.xlsx"
    info.value.save_as(path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames
    text = " ".join(str(c) for ws in workbook for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "Bắc Kạn" in text
    screenshot("e2e-leader-after-report")
