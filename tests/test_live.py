"""The portal as served by gunicorn (bin/web) with production settings, over HTTP.

Runs only when PORTAL_LIVE_URL is set, i.e. under `bash .ci/run`, which serves a database loaded
with the reference data, the Bắc Kạn demo and the demo users. These tests talk HTTP only (urllib):
they never touch the Django test database, so none of them requests `db`.
"""

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest

BASE_URL = os.environ.get("PORTAL_LIVE_URL", "").rstrip("/")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not BASE_URL, reason="needs PORTAL_LIVE_URL, the portal served by bin/web (bash .ci/run)"),
]

TIMEOUT = 15


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to check (e.g. an unwanted HTTPS redirect), not something to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(path: str, *, data: dict | None = None, token: str | None = None, headers: dict | None = None) -> Response:
    request = urllib.request.Request(
        BASE_URL + path,
        data=urllib.parse.urlencode(data).encode() if data is not None else None,
        headers={"Accept-Language": "vi", **(headers or {})},
    )
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return Response(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, error.headers, error.read())


class _Stylesheets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and (attributes.get("rel") or "").lower() == "stylesheet" and attributes.get("href"):
            self.hrefs.append(attributes["href"])


@pytest.fixture(scope="module")
def password() -> str:
    from ethnic_portal.demo import DEMO_PASSWORD

    return os.environ.get("PORTAL_LIVE_PASSWORD") or DEMO_PASSWORD


@pytest.fixture(scope="module")
def province_token(password) -> str:
    response = fetch("/api/v1/auth/token/", data={"username": "tinh.backan", "password": password})
    assert response.status == 200, response.body[:500]
    token = response.json()["token"]
    assert re.fullmatch(r"[0-9a-f]{40}", token)
    return token


def test_health_answers_ok():
    response = fetch("/health/")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response.headers.get("Cache-Control", "")


def test_login_page_is_vietnamese_with_security_headers():
    response = fetch("/accounts/login/")
    assert response.status == 200
    assert "Đăng nhập" in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_debug_is_off():
    response = fetch("/no-such-page-here/")
    assert response.status == 404
    assert "URLconf" not in response.text
    assert "DEBUG = True" not in response.text


def test_static_files_come_hashed_from_whitenoise():
    parser = _Stylesheets()
    parser.feed(fetch("/accounts/login/").text)
    assert parser.hrefs, "the login page links no stylesheet"
    href = parser.hrefs[0]
    # The manifest storage (DEBUG off) names files by their content hash.
    assert re.search(r"\.[0-9a-f]{12}\.css$", href), href
    response = fetch(urllib.parse.urlsplit(href).path, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert "immutable" in response.headers.get("Cache-Control", "")
    assert response.headers.get("Content-Encoding") == "gzip"


def test_token_needs_the_right_password():
    response = fetch("/api/v1/auth/token/", data={"username": "tinh.backan", "password": "not-the-password"})
    assert response.status == 400
    assert "token" not in response.json()


def test_api_needs_authentication():
    assert fetch("/api/v1/projects/").status in {401, 403}


def test_districts_of_bac_kan(province_token):
    response = fetch("/api/v1/units/?level=district&parent=06", token=province_token)
    assert response.status == 200
    body = response.json()
    assert body["count"] == 8
    assert {unit["parent"] for unit in body["results"]} == {"06"}
    assert {unit["level"] for unit in body["results"]} == {"district"}


def test_projects_of_the_program(province_token):
    response = fetch("/api/v1/projects/", token=province_token)
    assert response.status == 200
    assert response.json()["count"] == 10


def test_ethnic_groups(province_token):
    response = fetch("/api/v1/ethnic-groups/", token=province_token)
    assert response.status == 200
    assert response.json()["count"] == 54
