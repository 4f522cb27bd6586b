import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.services import portal_user_create, portal_user_set_active
from tests.factories import TEST_PASSWORD, UserFactory, unit


def test_a_province_user_creates_a_district_officer_with_history(province_user):
    user = portal_user_create(
        actor=province_user,
        username="pdt.babe",
        role="district",
        unit=unit("061"),
        password=TEST_PASSWORD,
        full_name="Hoàng Văn A",
    )
    assert user.unit.code == "061"
    assert user.check_password(TEST_PASSWORD)
    assert user.created_by == province_user
    record = user.history.get()
    assert record.history_type == "+"
    assert record.history_user == province_user


@pytest.mark.parametrize(
    ("actor_fixture", "role", "unit_code"),
    [
        ("province_user", "leader", "06"),  # only the administrator creates leaders
        ("province_user", "province", "06"),
        ("district_user", "district", "061"),
        ("district_user", "commune", "02020"),  # a commune of Chợ Đồn
        ("commune_user", "commune", "01888"),
        ("leader", "commune", "01888"),
    ],
)
def test_refused_account_creations_write_nothing(request, actor_fixture, role, unit_code):
    actor = request.getfixturevalue(actor_fixture)
    before = User.objects.count()
    with pytest.raises(PermissionDenied):
        portal_user_create(actor=actor, username="moi", role=role, unit=unit(unit_code), password=TEST_PASSWORD)
    assert User.objects.count() == before


def test_a_district_officer_creates_commune_officers_of_its_own_communes(district_user):
    user = portal_user_create(
        actor=district_user, username="xa.moi", role="commune", unit=unit("01891"), password=TEST_PASSWORD
    )
    assert user.role == "commune"


def test_a_role_on_a_unit_of_the_wrong_level_is_refused_with_the_field_named(province_user):
    with pytest.raises(ValidationError) as error:
        portal_user_create(
            actor=province_user, username="sai", role="district", unit=unit("01888"), password=TEST_PASSWORD
        )
    assert "unit" in error.value.message_dict
    assert "phải gắn với đơn vị cấp" in error.value.message_dict["unit"][0]
    assert not User.objects.filter(username="sai").exists()


def test_a_weak_password_is_refused_in_vietnamese(province_user):
    with pytest.raises(ValidationError) as error:
        portal_user_create(actor=province_user, username="yeu", role="district", unit=unit("061"), password="123")
    assert "password" in error.value.message_dict
    assert not User.objects.filter(username="yeu").exists()


def test_a_taken_username_is_refused(province_user, district_user):
    with pytest.raises(ValidationError) as error:
        portal_user_create(
            actor=province_user, username="HUYEN_BABE", role="district", unit=unit("061"), password=TEST_PASSWORD
        )
    assert "đã có người dùng" in error.value.message_dict["username"][0]


def test_deactivating_ends_api_access_and_is_recorded(province_user, district_user):
    Token.objects.create(user=district_user)
    portal_user_set_active(actor=province_user, user=district_user, active=False)
    district_user.refresh_from_db()
    assert district_user.is_active is False
    assert not Token.objects.filter(user=district_user).exists()
    latest = district_user.history.first()
    assert latest.is_active is False
    assert latest.history_user == province_user


def test_a_district_cannot_deactivate_a_commune_officer_of_another_district(district_user, reference_data):
    stranger = UserFactory(role="commune", unit=unit("02020"))
    with pytest.raises(PermissionDenied):
        portal_user_set_active(actor=district_user, user=stranger, active=False)
    stranger.refresh_from_db()
    assert stranger.is_active


def test_nobody_locks_themselves_out(province_user):
    with pytest.raises(ValidationError):
        portal_user_set_active(actor=province_user, user=province_user, active=False)
