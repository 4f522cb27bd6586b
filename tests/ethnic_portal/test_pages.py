import datetime

import pytest
from django.urls import reverse

from tests.factories import unit


@pytest.mark.parametrize(
    "persona",
    ["province_user", "district_user", "commune_user", "leader", "admin_user", "new_province_user", "new_commune_user"],
)
def test_every_role_has_a_home_page_in_vietnamese(request, client_as, persona):
    user = request.getfixturevalue(persona)
    response = client_as(user).get(reverse("home"))
    assert response.status_code == 200
    assert "Xin chào" in response.text
    assert user.unit.name in response.text
    assert "Việc của bạn" in response.text


def test_the_province_home_counts_its_units_as_they_were_before_the_reform(client_as, province_user):
    response = client_as(province_user).get(reverse("home"))
    summary = response.context["summary"]
    # Bắc Kạn ended on 30/6/2025: its page describes it as it was on its last day.
    assert summary["on"] == datetime.date(2025, 6, 30)
    assert dict(summary["levels"])["district"] == 8
    assert dict(summary["levels"])["commune"] == 108
    assert dict(summary["regions"])["III"] == 39
    assert "tại ngày 30/06/2025" in response.text
    assert "hiệu lực đến 30/06/2025" in response.text
    assert "Tỉnh Thái Nguyên" in response.text  # the successor is named


def test_the_new_province_home_counts_communes_in_force(client_as, new_province_user):
    summary = client_as(new_province_user).get(reverse("home")).context["summary"]
    assert dict(summary["levels"])["commune"] == 92
    assert dict(summary["levels"])["district"] == 0
    assert summary["historical"] == 2 + 8 + 108  # old Bắc Kạn and old Thái Nguyên with Bắc Kạn's tree


def test_navigation_follows_the_role(client_as, province_user, leader, admin_user):
    assert "Tài khoản" in client_as(province_user).get(reverse("home")).text
    leader_page = client_as(leader).get(reverse("home")).text
    assert reverse("accounts:user_list") not in leader_page
    admin_page = client_as(admin_user).get(reverse("home")).text
    assert reverse("admin:index") in admin_page
    assert reverse("system_status") in admin_page


def test_the_unit_page_shows_children_and_the_2025_successor(client_as, province_user):
    response = client_as(province_user).get(reverse("geography:unit_detail", args=[unit("061").pk]))
    assert response.status_code == 200
    assert len(response.context["children"]) == 15
    commune = client_as(province_user).get(reverse("geography:unit_detail", args=[unit("01888").pk]))
    assert [s.code for s in commune.context["successors"]] == []  # the new commune is outside 06's scope
    new = client_as(province_user).get(reverse("geography:unit_home"))
    assert new.status_code == 302


def test_the_program_page_lists_projects_and_subprojects(client_as, commune_user):
    response = client_as(commune_user).get(reverse("programs:structure"))
    assert response.status_code == 200
    for code in ["DA1", "DA10", "DA3.TDA2", "DA10.TDA3"]:
        assert f">{code}<" in response.text
    assert "Cơ cấu dự án của giai đoạn này chưa được nạp" in response.text  # phase II


def test_the_system_page_is_for_the_administrator_only(client_as, admin_user, province_user):
    response = client_as(admin_user).get(reverse("system_status"))
    assert response.status_code == 200
    assert [ok for _name, ok, _detail in response.context["checks"]] == [True, True, True]
    assert client_as(province_user).get(reverse("system_status")).status_code == 403


def test_health_answers_without_login(client, db):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_admin_role_edits_reference_data_in_django_admin(client_as, admin_user):
    admin_user.is_staff = True  # as portal_user_create sets it for the admin role
    admin_user.save()
    client = client_as(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:geography_administrativeunit_changelist")).status_code == 200
    assert client.get(reverse("admin:beneficiaries_ethnicgroup_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403


def test_other_roles_do_not_reach_django_admin(client_as, province_user):
    response = client_as(province_user).get(reverse("admin:index"))
    assert response.status_code == 302


def test_english_is_one_click_away(client_as, district_user):
    client = client_as(district_user)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    page = client.get(reverse("home"))
    assert page.headers["Content-Language"] == "en"
    assert "Hello" in page.text
    assert "Your tasks" in page.text
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("home")})
    assert "Xin chào" in client.get(reverse("home")).text


def test_an_english_browser_still_gets_vietnamese_until_the_switch(client, reference_data):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "vi"
    assert "Đăng nhập" in response.text


def test_the_province_home_counts_submissions_waiting_for_approval(client_as, province_user, district_user):
    from disbursement import services

    period = services.period_for(unit("061"), 2024, "H1")
    services.period_submit(actor=district_user, period=period)
    page = client_as(province_user).get(reverse("home"))
    assert page.context["pending"] == 1
    assert "Số liệu chờ phê duyệt" in page.text
    assert "pending" not in client_as(district_user).get(reverse("home")).context


def test_the_administrator_keeps_the_support_amounts(client_as, admin_user):
    admin_user.is_staff = True
    admin_user.save()
    client = client_as(admin_user)
    for name in ["supportregime", "tetholiday", "householdsupportnorm", "householdsupportkindrule"]:
        assert client.get(reverse(f"admin:beneficiaries_{name}_changelist")).status_code == 200, name
    assert client.get("/admin/beneficiaries/household/").status_code == 404  # program data is not in admin
