import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from accounts.models import User
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
