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
