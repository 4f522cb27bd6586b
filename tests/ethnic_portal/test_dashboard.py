"""The home dashboards: figures, links, and a number of queries that does not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from disbursement import services
from ethnic_portal import clock
from programs.models import Project, SubProject
from tests.factories import UserFactory, unit

TODAY = datetime.date(2024, 7, 15)
DISTRICTS = ["061", "064"]
COMMUNES = ["01888", "01891"]
MAX_QUERIES = 40


@pytest.fixture
def on_today():
    with clock.as_of(TODAY):
        yield


def _add(province_user, unit_code, n, amount=1_000_000_000, source="central"):
    for i in range(n):
        allocation = services.allocation_create(
            actor=province_user,
            year=2024,
            project=Project.objects.get(code="DA4"),
            subproject=SubProject.objects.get(code="DA4.TDA1"),
            unit=unit(unit_code),
            capital_type="investment" if i % 2 == 0 else "recurrent",
            source=source,
            origin_year=2024 if i % 3 else 2023,
            amount=amount,
            decision_no=f"{i}-{source}/QĐ-UBND",
            decision_date=datetime.date(2024, 2, 1),
            decision_body="UBND tỉnh Bắc Kạn",
        )
        services.plan_set(actor=province_user, allocation=allocation, months={3: amount // 4, 6: amount // 4})
        for month in (3, 5):
            services.disbursement_create(
                actor=province_user,
                allocation=allocation,
                date=datetime.date(2024, month, 10),
                amount=amount // 10,
                voucher_no=f"{unit_code}-{source}-{i}-{month}",
            )


def _home_queries(client, user) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.usefixtures("on_today")
def test_province_dashboard_shows_the_figures_with_links(client, province_user):
    _add(province_user, "061", 2)
    _home_queries(client, province_user)
    client.force_login(province_user)
    html = client.get(reverse("home")).content.decode()
    assert "Tiến độ giải ngân năm 2024" in html
    assert "?year=2024&capital_type=investment&carried=true" in html
    assert 'id="chart-subunits"' in html
    assert 'type="application/json"' in html
    assert "80% tỷ lệ chung" in html  # no report setting: the page says which threshold it uses
    assert "<script>" not in html
    assert "style=" not in html


@pytest.mark.usefixtures("on_today")
def test_province_dashboard_queries_do_not_grow_with_the_data(client, province_user):
    _add(province_user, "061", 2)
    small, _html = _home_queries(client, province_user)
    for code in DISTRICTS + COMMUNES:
        _add(province_user, code, 6, source="local")
    larger, html = _home_queries(client, province_user)
    assert "Chợ Đồn" in html
    # One fixed bound for both: the queries depend on the page, not on how many rows or units there are.
    assert small <= MAX_QUERIES, small
    assert larger <= MAX_QUERIES, larger
    assert larger <= small, (small, larger)


@pytest.mark.usefixtures("on_today")
@pytest.mark.parametrize(("role", "code"), [("district", "061"), ("commune", "01888"), ("leader", "06")])
def test_other_dashboards_render(client, province_user, role, code):
    _add(province_user, "01888", 2)
    user = UserFactory(username=f"u_{role}", role=role, unit=unit(code))
    _count, html = _home_queries(client, user)
    assert "Tiến độ giải ngân năm 2024" in html
    if role == "leader":
        assert "Báo cáo mới nhất" in html
    else:
        assert "Việc còn phải nhập và gửi" in html


def _api_queries(api, params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/progress/", params)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


@pytest.mark.usefixtures("on_today")
@pytest.mark.parametrize("who", ["district", "national"])
def test_district_and_national_dashboards_queries_do_not_grow_with_the_data(client, province_user, national_user, who):
    user = national_user if who == "national" else UserFactory(username="u_district", role="district", unit=unit("061"))
    _add(province_user, "061", 2)
    small, _html = _home_queries(client, user)
    for code in ["061", *COMMUNES]:
        _add(province_user, code, 6, source="local")
    tn = UserFactory(username="tinh_tn", role="province", unit=unit("19"))
    _add(tn, "19", 3, source="local")
    larger, html = _home_queries(client, user)
    assert "Tiến độ giải ngân năm 2024" in html
    if who == "national":
        assert "Tỉnh Thái Nguyên" in html
        assert "Tỉnh Bắc Kạn" in html
    assert small <= MAX_QUERIES, small
    assert larger <= MAX_QUERIES, larger
    assert larger <= small, (small, larger)


@pytest.mark.usefixtures("on_today")
@pytest.mark.parametrize(("who", "code"), [("district", "061"), ("province", "06"), ("national", "VN")])
def test_the_progress_api_queries_do_not_grow_with_the_data(api_as, province_user, national_user, who, code):
    users = {
        "district": UserFactory(username="u_district", role="district", unit=unit("061")),
        "province": province_user,
        "national": national_user,
    }
    api = api_as(users[who])
    _add(province_user, "061", 2)
    small, _body = _api_queries(api, {"unit": code, "year": 2024})
    for place in ["061", *COMMUNES, "064"]:
        _add(province_user, place, 6, source="local")
    larger, body = _api_queries(api, {"unit": code, "year": 2024})
    assert body["investment"]["allocated"] > 0
    assert small <= 12, small
    assert larger <= small, (small, larger)


@pytest.mark.usefixtures("on_today")
def test_the_national_dashboard_and_progress_are_the_sums_of_the_provinces(
    client, api_as, province_user, national_user
):
    from django.db.models import Sum

    from disbursement.models import Allocation, Disbursement
    from ethnic_portal.dashboard import dashboard

    _add(province_user, "01888", 3)
    _add(UserFactory(username="tinh_tn", role="province", unit=unit("19")), "19", 2, amount=777_777_777)
    dash = dashboard(user=national_user, today=TODAY)
    allocated = Allocation.objects.filter(year=2024).aggregate(total=Sum("amount"))["total"]
    disbursed = Disbursement.objects.filter(allocation__year=2024).aggregate(total=Sum("amount"))["total"]
    assert (dash["progress"].total.allocated, dash["progress"].total.disbursed) == (allocated, disbursed)
    rows = {row["unit"].code: row["figures"] for row in dash["subunits"]}
    assert set(rows) == {"06", "19"}
    assert rows["19"].allocated == 2 * 777_777_777
    assert sum(f.allocated for f in rows.values()) == allocated
    assert dash["months"][-1].actual_cumulative == disbursed
    completeness = {row["unit"].code: (row["allocations"], row["active"]) for row in dash["completeness"]}
    assert completeness == {"06": (3, 0), "19": (2, 0)}  # July: the second half-year has no entry yet
    body = api_as(national_user).get("/api/v1/progress/", {"unit": "VN", "year": 2024}).json()
    assert body["investment"]["allocated"] + body["recurrent"]["allocated"] == allocated
    assert body["investment"]["disbursed"] + body["recurrent"]["disbursed"] == disbursed
    # The country is the nationwide user's only: anyone else asking for VN gets a 404.
    assert api_as(province_user).get("/api/v1/progress/", {"unit": "VN", "year": 2024}).status_code == 404


def test_a_disbursement_posted_is_at_once_on_the_dashboards_in_progress_and_in_the_next_report(
    client, api_as, province_user, national_user, district_user, monkeypatch
):
    """No cache and no overnight job: the summaries change in the write's own transaction."""
    from reports import services as report_services

    with clock.as_of(TODAY):
        _add(province_user, "01888", 1)
        allocation = services.allocation_create(
            actor=province_user,
            year=2024,
            project=Project.objects.get(code="DA4"),
            subproject=SubProject.objects.get(code="DA4.TDA1"),
            unit=unit("01888"),
            capital_type="investment",
            source="local",
            origin_year=2024,
            amount=900_000_009,
            decision_no="77/QĐ-UBND",
            decision_date=datetime.date(2024, 2, 1),
            decision_body="UBND tỉnh Bắc Kạn",
        )

        def figures():
            seen = {}
            for user, code in [(district_user, "061"), (province_user, "06"), (national_user, "VN")]:
                seen[code] = api_as(user).get("/api/v1/progress/", {"unit": code, "year": 2024}).json()
                client.force_login(user)
                html = client.get(reverse("home")).content.decode()
                seen[f"home-{code}"] = html.split('data-figure="disbursed-investment">', 1)[1].split("<", 1)[0]
            job = report_services.report_request(
                actor=province_user, level="province", unit="06", year=2024, period="H1"
            )
            job = report_services.report_build(job_id=job.pk)
            seen["report"] = job.figures["forms"]["01"]["rows"]["total"]["values"]["disbursed"]
            return seen

        before = figures()
        services.disbursement_create(
            actor=district_user,
            allocation=allocation,
            date=datetime.date(2024, 6, 28),
            amount=123_456_789,
            voucher_no="N-1",
        )
        after = figures()
    for code in ["061", "06", "VN"]:
        assert after[code]["investment"]["disbursed"] - before[code]["investment"]["disbursed"] == 123_456_789
        assert after[f"home-{code}"] != before[f"home-{code}"]
    assert after["report"] - before["report"] == 123_456_789


@pytest.mark.usefixtures("on_today")
def test_the_open_review_cases_are_counted_on_the_page(client, province_user):
    """The open cases are one count over the table of cases (beneficiaries/cases.py): on the page itself, and in
    the review page's fragment `?count=open`."""
    _add(province_user, "061", 1)
    client.force_login(province_user)
    html = client.get(reverse("home")).content.decode()
    assert 'data-figure="open-cases">0 trường hợp trùng lặp chờ rà soát' in html
    fragment = client.get("/beneficiaries/review/", {"count": "open"}).content.decode()
    assert 'data-figure="open-cases">0 trường hợp trùng lặp chờ rà soát' in fragment
