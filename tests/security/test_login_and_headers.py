"""Login and session protection, security headers under production settings, CSRF, error pages."""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone, translation

from ethnic_portal.middleware import SessionRefreshMiddleware
from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


def _post_login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


# --- lockout -------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_from_that_address(district_user):
    client = Client()
    for _attempt in range(4):
        response = _post_login(client, district_user.username, "sai-mat-khau")
        assert response.status_code == 200  # the form again, with its error
    response = _post_login(client, district_user.username, "sai-mat-khau")
    assert response.status_code == 429
    assert "quá nhiều lần" in response.content.decode()
    assert int(response["Retry-After"]) == 15 * 60
    # The right password does not get in while locked ...
    response = _post_login(client, district_user.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # ... but the officer is not locked out from another computer.
    assert _post_login(Client(), district_user.username, TEST_PASSWORD, address="10.0.0.2").status_code == 302


def test_the_lock_ends_after_the_cool_off(district_user):
    client = Client()
    for _attempt in range(5):
        _post_login(client, district_user.username, "sai-mat-khau")
    assert _post_login(client, district_user.username, TEST_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert _post_login(client, district_user.username, TEST_PASSWORD).status_code == 302


def test_a_successful_login_clears_the_count(district_user):
    client = Client()
    for _attempt in range(4):
        _post_login(client, district_user.username, "sai-mat-khau")
    assert _post_login(client, district_user.username, TEST_PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert _post_login(client, district_user.username, "sai-mat-khau").status_code == 200
    assert _post_login(client, district_user.username, TEST_PASSWORD).status_code == 302


def test_the_token_endpoint_locks_out_too_and_answers_json(district_user):
    client = Client()
    for _attempt in range(5):
        response = client.post(TOKEN, {"username": district_user.username, "password": "sai"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    assert "quá nhiều lần" in response.json()["detail"]
    response = client.post(
        TOKEN, {"username": district_user.username, "password": TEST_PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429


# --- passwords -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("ngan-1A", "ít nhất 12"),
        ("12345678901234", "hoàn toàn là số"),
        ("matkhaudaikhongcoso", "4 loại ký tự"),
        ("password1234", "quá phổ biến"),
    ],
)
def test_weak_passwords_are_refused_in_vietnamese(password, why):
    with translation.override("vi"):
        with pytest.raises(ValidationError) as refused:
            validate_password(password)
        messages = [str(message) for message in refused.value.messages]
    assert any(why in message for message in messages), messages


@pytest.mark.parametrize("password", ["Mtqg-1719-demo", TEST_PASSWORD, "Bản-đồ-xã-Chợ-Rã-2026"])
def test_strong_passwords_pass(password):
    validate_password(password)


# --- session ---------------------------------------------------------------------------------------


def test_a_session_ends_after_two_idle_hours(district_user, settings):
    client = Client()
    login = _post_login(client, district_user.username, TEST_PASSWORD)
    assert login.status_code == 302
    cookie = login.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE == 2 * 60 * 60
    assert cookie["httponly"]
    key = cookie.value
    stored = Session.objects.get(session_key=key)
    # A request soon after writes nothing (no save on every request) …
    response = client.get("/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.get(session_key=key).expire_date == stored.expire_date
    # … one after SESSION_REFRESH_SECONDS renews the stored expiry and the cookie.
    assert settings.SESSION_REFRESH_SECONDS == 5 * 60
    session = SessionStore(session_key=key)
    session[SessionRefreshMiddleware.KEY] -= settings.SESSION_REFRESH_SECONDS
    session.save()
    Session.objects.filter(session_key=key).update(expire_date=stored.expire_date - datetime.timedelta(minutes=5))
    response = client.get("/")
    assert response.status_code == 200
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 2 * 60 * 60
    assert Session.objects.get(session_key=key).expire_date > stored.expire_date - datetime.timedelta(minutes=5)
    # Idle past the limit: the stored session has expired, the next request goes to the login page.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_logged_in_answers_are_not_cached(client_as, district_user):
    response = client_as(district_user).get("/")
    assert response["Cache-Control"] == "private, no-store"
    assert "Permissions-Policy" in response


# --- CSRF ------------------------------------------------------------------------------------------


def _walk(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield pattern


def test_no_page_view_is_csrf_exempt():
    """DRF's views are marked exempt but enforce CSRF themselves for session-authenticated calls (tested below)."""
    offenders = []
    for pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        if getattr(callback, "csrf_exempt", False) and not hasattr(callback, "cls"):
            offenders.append(str(pattern.pattern))
    assert offenders == []


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for form in re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
            opening = form.split(">", 1)[0]
            if re.search(r"method=[\"']?post", opening, flags=re.I) and "csrf_token" not in form:
                offenders.append(template.relative_to(ROOT).as_posix())
    assert offenders == []


def test_a_post_without_the_csrf_token_is_refused(district_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(district_user)
    assert client.post("/accounts/password/", {"old_password": "x"}).status_code == 403
    # The API with the session cookie (a browser) needs the token too; with a Token header it does not.
    response = client.post("/api/v1/disbursements/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- production settings in a real process ------------------------------------------------------------

PRODUCTION_PROBE = r"""
import json, django
django.setup()
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
from accounts.models import User
User.objects.create_user(username="probe", password="Mtqg-1719-probe", role="admin")
client = Client(raise_request_exception=False)
out = {}
login_page = client.get("/accounts/login/", secure=True)
out["login_headers"] = dict(login_page.headers)
out["csrf_cookie"] = {k: login_page.cookies["csrftoken"][k] for k in ("secure", "httponly", "samesite")}
out["plain_http"] = client.get("/accounts/login/").status_code
response = client.post("/accounts/login/", {"username": "probe", "password": "Mtqg-1719-probe"}, secure=True)
out["login_status"] = response.status_code
out["session_cookie"] = {k: response.cookies["sessionid"][k] for k in ("secure", "httponly", "samesite")}
missing = client.get("/khong-co-trang-nay/", secure=True)
out["missing"] = [missing.status_code, missing.content.decode()]
import ethnic_portal.views, disbursement.api
def boom(*args, **kwargs):
    raise RuntimeError("secret-internal-detail")
ethnic_portal.views.HomeView.get_context_data = boom
disbursement.api.DisbursementViewSet.list = boom
page = client.get("/", secure=True)
out["page_error"] = [page.status_code, page.content.decode()]
api = client.get("/api/v1/disbursements/", secure=True)
out["api_error"] = [api.status_code, api.content.decode()]
print("PROBE" + json.dumps(out))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prod")
    database = folder / "probe.sqlite3"
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ethnic_portal.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="probe-" + "s" * 60,
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL=f"sqlite:///{database}",
        STATIC_ROOT=str(folder / "static"),
        DJANGO_LOG_LEVEL="CRITICAL",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("PROBE")), None)
    assert line, result.stdout[-2000:] + result.stderr[-4000:]
    return json.loads(line[len("PROBE") :])


def test_production_sends_the_security_headers(production):
    headers = production["login_headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp


def test_production_redirects_plain_http_and_sets_secure_cookies(production):
    assert production["plain_http"] == 301
    assert production["login_status"] == 302
    assert production["session_cookie"]["secure"] is True
    assert production["session_cookie"]["httponly"] is True
    assert production["session_cookie"]["samesite"] == "Lax"
    assert production["csrf_cookie"]["secure"] is True
    assert production["csrf_cookie"]["httponly"] is True


def test_production_error_pages_show_no_traceback(production):
    status, body = production["missing"]
    assert status == 404
    assert "Traceback" not in body
    status, body = production["page_error"]
    assert status == 500
    assert "Lỗi hệ thống" in body
    assert "secret-internal-detail" not in body
    assert "Traceback" not in body
    status, body = production["api_error"]
    assert status == 500
    assert "Lỗi hệ thống" in json.loads(body)["detail"]
    assert "secret-internal-detail" not in body
