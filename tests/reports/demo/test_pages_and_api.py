"""The reports pages and the `reports/` API on the demo: scope, bad input, joining, downloads and their audit,
regenerate and diff, polling, late submissions, the threshold."""

import pytest

from reports import services
from reports.models import OverdueSubmission, ReportDownload, ReportJob, ReportStatus
from tests.factories import unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- API ------------------------------------------------------------------------------------------------


def test_the_list_has_the_contract_fields_and_is_scoped(jobs, api_as, demo_user):
    body = api_as(demo_user("huyen.babe")).get("/api/v1/reports/").json()
    ids = {row["id"] for row in body["results"]}
    assert ids == {jobs["district"].pk, jobs["commune"].pk}  # its district and its communes only
    row = next(r for r in body["results"] if r["id"] == jobs["district"].pk)
    assert set(row) == {
        "id",
        "level",
        "unit",
        "year",
        "period",
        "status",
        "progress",
        "created_at",
        "finished_at",
        "error",
        "download_url",
    }
    assert (row["level"], row["unit"], row["year"], row["period"]) == ("district", "061", 2024, "year")
    assert (row["status"], row["progress"], row["error"]) == ("done", 100, "")
    assert row["download_url"] == f"http://testserver/api/v1/reports/{jobs['district'].pk}/download/"
    everything = api_as(demo_user("tinh.backan")).get("/api/v1/reports/").json()
    assert {jobs["province"].pk, jobs["district"].pk} <= {r["id"] for r in everything["results"]}


def test_a_post_answers_202_and_an_identical_post_joins_it(jobs, api_as, demo_user):
    body = {"level": "district", "unit": "064", "year": 2024, "period": "H1"}
    first = api_as(demo_user("tinh.backan")).post("/api/v1/reports/", body, format="json")
    assert first.status_code == 202
    assert first.json()["status"] == "queued"  # built after commit (never, inside this test's transaction)
    assert first.json()["download_url"] is None
    second = api_as(demo_user("lanhdao.backan")).post("/api/v1/reports/", {**body, "year": "2024"}, format="json")
    assert second.status_code == 202
    assert second.json()["id"] == first.json()["id"]
    assert ReportJob.objects.filter(unit__code="064", year=2024, period="H1").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"unit": "064"}, 404, "detail", "Không có đơn vị mã “064” trong địa bàn của bạn."),
        ({"unit": "06", "level": "province"}, 404, "detail", "Không có đơn vị mã “06”"),
        ({"unit": "abc"}, 404, "detail", "Không có đơn vị mã “abc”"),
        ({"year": 2019}, 400, "year", "Năm phải là một năm ngân sách"),
        ({"year": 2021}, 400, "year", "Chưa có số liệu vốn năm 2021 của Huyện Ba Bể"),
        ({"period": "Q3"}, 400, "period", "Kỳ báo cáo phải là “H1”"),
        ({"period": ["H1"]}, 400, "period", "Giá trị không hợp lệ."),
        ({"level": "commune"}, 400, "level", "Huyện Ba Bể là đơn vị cấp huyện"),
        ({"unit": None}, 400, "unit", "Phải chọn đơn vị"),
    ],
)
def test_bad_requests_answer_a_clear_message(jobs, api_as, demo_user, body, status, field, message):
    before = ReportJob.objects.count()
    payload = {"level": "district", "unit": "061", "year": 2024, "period": "H1", **body}
    response = api_as(demo_user("huyen.babe")).post("/api/v1/reports/", payload, format="json")
    assert response.status_code == status
    answer = response.json()[field]
    assert message in (answer if isinstance(answer, str) else answer[0])
    assert ReportJob.objects.count() == before


def test_a_body_that_is_not_an_object_is_refused(jobs, api_as, demo_user):
    response = api_as(demo_user("huyen.babe")).post("/api/v1/reports/", ["061"], format="json")
    assert response.status_code == 400
    assert "đối tượng JSON" in response.json()["non_field_errors"][0]


def test_roles_without_reports_get_403(jobs, api_as, demo_user):
    for username in ("xa.chora", "quantri"):
        response = api_as(demo_user(username)).get("/api/v1/reports/")
        assert response.status_code == 403
        assert response.json()["detail"] == "Vai trò của bạn không dùng chức năng báo cáo."


def test_the_download_gives_the_file_and_records_who(jobs, api_as, demo_user):
    job = jobs["district"]
    response = api_as(demo_user("huyen.babe")).get(f"/api/v1/reports/{job.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    content = b"".join(response.streaming_content)
    assert content.startswith(b"PK")
    assert len(content) == job.file_size
    assert response["X-Report-Checksum"] == job.checksum
    audit = ReportDownload.objects.get(job=job)
    assert (audit.user.username, audit.via_api) == ("huyen.babe", True)


def test_another_districts_report_is_not_found(jobs, api_as, client_as, demo_user):
    province_job = jobs["province"]
    other = demo_user("huyen.chodon")
    assert api_as(other).get(f"/api/v1/reports/{province_job.pk}/download/").status_code == 404
    assert api_as(other).get(f"/api/v1/reports/{jobs['district'].pk}/").status_code == 404
    client = client_as(other)
    for suffix in ("", "row/", "download/", "diff/"):
        assert client.get(f"/reports/{jobs['district'].pk}/{suffix}").status_code == 404, suffix
    assert client.post(f"/reports/{jobs['district'].pk}/regenerate/").status_code == 404
    assert not ReportDownload.objects.exists()


@pytest.mark.parametrize("state", ["running", "failed"])
def test_a_report_without_a_file_answers_409_with_the_reason(jobs, api_as, client_as, demo_user, state):
    job = services.report_request(actor=demo_user("huyen.babe"), level="district", unit="061", year=2023, period="H1")
    if state == "running":
        ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.RUNNING, progress=40)
        expected = "Báo cáo đang được tạo (40%)"
    else:
        ReportJob.objects.filter(pk=job.pk).update(status=ReportStatus.FAILED, error="Lỗi khi tạo báo cáo (X).")
        expected = "Báo cáo bị lỗi khi tạo nên không có tệp: Lỗi khi tạo báo cáo (X)."
    response = api_as(demo_user("huyen.babe")).get(f"/api/v1/reports/{job.pk}/download/")
    assert response.status_code == 409
    assert expected in response.json()["detail"]
    page = client_as(demo_user("huyen.babe")).get(f"/reports/{job.pk}/download/")
    assert page.status_code == 409
    assert expected in page.content.decode()
    assert not ReportDownload.objects.filter(job=job).exists()


# --- Pages ----------------------------------------------------------------------------------------------


def test_leadership_downloads_the_latest_reports_in_one_click(jobs, client_as, demo_user):
    client = client_as(demo_user("lanhdao.backan"))
    page = client.get("/reports/").content.decode()
    assert f'href="/reports/{jobs["province"].pk}/download/"' in page
    assert ">Báo cáo</a>" in page  # the navbar item
    response = client.get(f"/reports/{jobs['province'].pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "BC-1719_tinh-bac-kan_2024_6-thang" in response["Content-Disposition"]
    assert ReportDownload.objects.get(job=jobs["province"]).user.username == "lanhdao.backan"


def test_the_reports_area_is_closed_to_roles_without_reports(jobs, client_as, demo_user):
    client = client_as(demo_user("xa.chora"))
    assert client.get("/reports/").status_code == 403
    assert ">Báo cáo</a>" not in client.get("/").content.decode()


def test_a_district_officer_requests_from_the_page_and_watches_it(jobs, client_as, demo_user):
    officer = demo_user("huyen.babe")
    client = client_as(officer)
    response = client.post("/reports/new/", {"level": "district", "unit": unit("061").pk, "year": 2023, "period": "H1"})
    assert response.status_code == 302
    job = ReportJob.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    assert (job.requested_by, job.status) == (officer, "queued")
    row = client.get(f"/reports/{job.pk}/row/").content.decode()
    assert f'hx-get="/reports/{job.pk}/row/"' in row  # still polling
    assert 'hx-trigger="every 2s"' in row
    services.report_build(job_id=job.pk)
    row = client.get(f"/reports/{job.pk}/row/").content.decode()
    assert "hx-get" not in row  # done: the returned row stops the polling
    assert f"/reports/{job.pk}/download/" in row
    finished = client.get(f"/reports/{job.pk}/row/?detail=1", headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"  # the report's own page reloads to show the snapshot
    assert "<script" not in client.get(f"/reports/{job.pk}/").content.decode().split("</main>")[0]


def test_the_request_form_refuses_units_of_others_and_years_without_data(jobs, client_as, demo_user):
    client = client_as(demo_user("huyen.babe"))
    other = client.post("/reports/new/", {"level": "district", "unit": unit("064").pk, "year": 2024, "period": "H1"})
    assert other.status_code == 400
    assert "Hãy chọn một lựa chọn hợp lệ" in other.content.decode() or "valid choice" in other.content.decode()
    wrong = client.post("/reports/new/", {"level": "province", "unit": unit("061").pk, "year": 2024, "period": "H1"})
    assert wrong.status_code == 400
    assert "Huyện Ba Bể là đơn vị cấp huyện" in wrong.content.decode()


def test_regenerate_keeps_the_old_snapshot_and_the_diff_page_compares_them(jobs, client_as, demo_user):
    old = jobs["commune"]
    client = client_as(demo_user("huyen.babe"))
    response = client.post(f"/reports/{old.pk}/regenerate/")
    new = ReportJob.objects.get(pk=int(response["Location"].strip("/").split("/")[-1]))
    assert new.pk != old.pk
    assert new.previous_id == old.pk
    services.report_build(job_id=new.pk)
    old.refresh_from_db()
    assert old.status == "done"
    assert old.file.storage.exists(old.file.name)
    page = client.get(f"/reports/{new.pk}/diff/")
    assert page.status_code == 200
    assert "Hai bản có số liệu giống hệt nhau." in page.content.decode()  # nothing changed in 2024's ledger since
    assert client.get(f"/reports/{new.pk}/diff/?with=abc").status_code == 404


def test_late_submissions_are_listed_for_the_province(jobs, client_as, demo_user):
    services.overdue_compute()
    # The demo's 2024 year: Ba Bể submitted (waiting), Na Rì's was returned: late since 05/02/2025.
    late = {(r.unit.code, r.year, r.period, r.status) for r in OverdueSubmission.objects.filter(year=2024)}
    assert late == {("066", 2024, "year", "returned")}
    page = client_as(demo_user("tinh.backan")).get("/reports/overdue/").content.decode()
    assert "Huyện Na Rì" in page
    home = client_as(demo_user("tinh.backan")).get("/").content.decode()
    assert "Đơn vị chưa gửi số liệu kỳ đã quá hạn" in home
    assert "Huyện Na Rì" not in client_as(demo_user("huyen.babe")).get("/reports/overdue/").content.decode()


def test_province_staff_edit_the_threshold_from_the_page(jobs, client_as, demo_user):
    client = client_as(demo_user("tinh.backan"))
    assert client.get("/reports/settings/").status_code == 200
    assert client.post("/reports/settings/", {"low_rate_threshold": "150"}).status_code == 400
    assert client.post("/reports/settings/", {"low_rate_threshold": "25,5"}).status_code == 302
    assert str(unit("06").report_setting.low_rate_threshold) == "25.5"
    assert client_as(demo_user("lanhdao.backan")).get("/reports/settings/").status_code == 403
