import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from accounts.models import User
from geography.models import AdministrativeUnit
from tests.factories import TEST_PASSWORD


def run(*args):
    out = io.StringIO()
    call_command("create_portal_user", *args, stdout=out)
    return out.getvalue()


def test_create_portal_user_prints_a_working_token_on_the_last_line(reference_data, api_client):
    output = run("can.bo", "--role", "district", "--unit", "061", "--password", TEST_PASSWORD)
    token = output.strip().splitlines()[-1]
    assert Token.objects.get(key=token).user.username == "can.bo"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/units/", {"level": "district"}).json()["count"] == 1


def test_create_portal_user_updates_an_existing_user(reference_data):
    first = run("can.bo", "--role", "district", "--unit", "061", "--password", TEST_PASSWORD).strip().splitlines()[-1]
    second = run("can.bo", "--role", "commune", "--unit", "01888", "--password", TEST_PASSWORD).strip().splitlines()[-1]
    user = User.objects.get(username="can.bo")
    assert (user.role, user.unit.code) == ("commune", "01888")
    assert first == second
    assert User.objects.filter(username="can.bo").count() == 1


def test_a_code_shared_by_two_versions_names_the_one_valid_today(reference_data):
    run("tn", "--role", "province", "--unit", "19", "--password", TEST_PASSWORD)
    assert User.objects.get(username="tn").unit.valid_from is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "boss", "--unit", "06"], "Vai trò 'boss' không hợp lệ"),
        (["--role", "district", "--unit", "999"], "Không có đơn vị hành chính mã '999'"),
        (["--role", "district", "--unit", "06"], "phải gắn với đơn vị cấp huyện"),
        (["--role", "district"], "phải gắn với một đơn vị"),
        (["--role", "national", "--unit", "06"], "không gắn với đơn vị nào"),
    ],
)
def test_bad_arguments_give_a_clear_error_and_write_nothing(reference_data, args, message):
    with pytest.raises(CommandError, match=message):
        run("sai", *args, "--password", TEST_PASSWORD)
    assert not User.objects.filter(username="sai").exists()


def test_a_weak_password_is_refused(reference_data):
    with pytest.raises(CommandError, match="password"):
        run("sai", "--role", "district", "--unit", "061", "--password", "12345678")
    assert not User.objects.filter(username="sai").exists()


@pytest.mark.parametrize("unit_args", [[], ["--unit", "VN"], ["--unit", "vn"]])
def test_a_national_officer_has_no_unit_and_reads_the_whole_country(reference_data, api_client, unit_args):
    output = run("bo.dttg", "--role", "national", *unit_args, "--password", TEST_PASSWORD)
    assert "Toàn quốc" in output
    user = User.objects.get(username="bo.dttg")
    assert (user.role, user.unit) == ("national", None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {output.strip().splitlines()[-1]}")
    provinces = api_client.get("/api/v1/units/", {"level": "province"}).json()["count"]
    assert provinces == AdministrativeUnit.objects.filter(level="province").count() > 60


def test_a_national_officer_can_become_a_province_officer_again(reference_data):
    run("bo.dttg", "--role", "national", "--password", TEST_PASSWORD)
    run("bo.dttg", "--role", "province", "--unit", "06", "--password", TEST_PASSWORD)
    user = User.objects.get(username="bo.dttg")
    assert (user.role, user.unit.code) == ("province", "06")
