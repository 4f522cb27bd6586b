import pytest
from django.urls import reverse

from accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory, unit


def test_the_login_page_speaks_vietnamese(client, reference_data):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"
    assert "Đăng nhập" in response.text
    assert "Tên đăng nhập" in response.text


def test_a_wrong_password_is_refused_in_vietnamese_and_no_session_opens(client, district_user):
    response = client.post(reverse("accounts:login"), {"username": "huyen_babe", "password": "sai-mat-khau"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.text
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client, district_user):
    response = client.post(reverse("accounts:login"), {"username": "huyen_babe", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.session["_auth_user_id"] == str(district_user.pk)
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_pages_need_a_login(client, reference_data):
    for name in ["home", "geography:unit_home", "programs:structure", "accounts:user_list", "accounts:password_change"]:
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("accounts:login"))


def test_password_change(client_as, district_user):
    client = client_as(district_user)
    new_password = "Mật-khẩu-mới-2026"
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    district_user.refresh_from_db()
    assert district_user.check_password(new_password)


def test_the_user_list_shows_only_accounts_in_scope(client_as, district_user, commune_user, reference_data):
    stranger = UserFactory(username="xa_chodon", role="commune", unit=unit("02020"))
    response = client_as(district_user).get(reverse("accounts:user_list"))
    assert response.status_code == 200
    usernames = {u.username for u in response.context["users"]}
    assert commune_user.username in usernames
    assert stranger.username not in usernames


@pytest.mark.parametrize("persona", ["leader", "commune_user", "national_user"])
def test_roles_without_account_management_are_refused(request, client_as, persona):
    user = request.getfixturevalue(persona)
    client = client_as(user)
    assert client.get(reverse("accounts:user_list")).status_code == 403
    before = User.objects.count()
    response = client.post(
        reverse("accounts:user_add"),
        {"username": "x", "role": "commune", "unit": unit("01888").pk, "password": TEST_PASSWORD},
    )
    assert response.status_code == 403
    assert User.objects.count() == before


def test_the_create_form_offers_only_manageable_roles_and_units(client_as, district_user):
    form = client_as(district_user).get(reverse("accounts:user_add")).context["form"]
    assert [value for value, _label in form.fields["role"].choices] == ["commune"]
    # Ba Bể's communes ended on 30/6/2025: the form offers units that exist today.
    assert not form.fields["unit"].queryset.exists()


def test_a_province_user_creates_an_account_through_the_form(client_as, new_province_user):
    commune = unit("01912", current=True)
    response = client_as(new_province_user).post(
        reverse("accounts:user_add"),
        {
            "username": "xa.chora.moi",
            "full_name": "Lý Thị B",
            "role": "commune",
            "unit": commune.pk,
            "password": TEST_PASSWORD,
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="xa.chora.moi")
    assert created.unit == commune
    assert created.created_by == new_province_user


def test_the_administrator_creates_an_account_in_their_province(client_as, admin_user):
    """The administrator reads no program data, yet manages the users of their province: the unit choices come
    from the scope for user management, not from the program-data scope."""
    form = client_as(admin_user).get(reverse("accounts:user_add")).context["form"]
    offered = set(form.fields["unit"].queryset.values_list("code", flat=True))
    assert {"19", "01912"} <= offered
    assert "06" not in offered  # Bắc Kạn ended on 30/6/2025
    assert "04" not in offered
    response = client_as(admin_user).post(
        reverse("accounts:user_add"),
        {"username": "tinh.tn.2", "role": "province", "unit": unit("19", current=True).pk, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(username="tinh.tn.2").created_by == admin_user
    outside = unit("04")  # Cao Bằng, not merged in 2025
    response = client_as(admin_user).post(
        reverse("accounts:user_add"),
        {"username": "tinh.cb", "role": "province", "unit": outside.pk, "password": TEST_PASSWORD},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="tinh.cb").exists()


def test_a_bad_form_names_the_field_in_vietnamese_and_writes_nothing(client_as, new_province_user):
    commune = unit("01912", current=True)
    before = User.objects.count()
    response = client_as(new_province_user).post(
        reverse("accounts:user_add"), {"username": "xa.moi", "role": "commune", "unit": commune.pk, "password": "123"}
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert "Mật khẩu" in response.text
    assert User.objects.count() == before


def test_a_unit_outside_scope_is_not_a_valid_choice(client_as, district_user):
    response = client_as(district_user).post(
        reverse("accounts:user_add"),
        {"username": "xa.la", "role": "commune", "unit": unit("02020").pk, "password": TEST_PASSWORD},
    )
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert not User.objects.filter(username="xa.la").exists()


def test_deactivating_another_districts_user_answers_404(client_as, district_user, reference_data):
    stranger = UserFactory(role="commune", unit=unit("02020"))
    response = client_as(district_user).post(reverse("accounts:user_deactivate", args=[stranger.pk]))
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.is_active


def test_deactivate_and_reactivate_through_the_page(client_as, province_user, district_user):
    client = client_as(province_user)
    client.post(reverse("accounts:user_deactivate", args=[district_user.pk]))
    district_user.refresh_from_db()
    assert not district_user.is_active
    client.post(reverse("accounts:user_activate", args=[district_user.pk]))
    district_user.refresh_from_db()
    assert district_user.is_active
