"""PostgreSQL stopped and started again under a portal in use: while it is down every request answers a clean 503
(a Vietnamese page, or JSON under /api/; no traceback, no 500) within a moment, /health/ says the database is
down; once it is back the same browser session carries on, with no restart of gunicorn.

The portal is gunicorn (bin/web) with production settings (DJANGO_DEBUG=0) on a PostgreSQL cluster of the test's
own (tests/faults/conftest.py); the machine's shared server is not touched.
"""

from __future__ import annotations

import time

import pytest
import requests

from .conftest import wait_until

pytestmark = pytest.mark.faults

PAGES = [
    "/",
    "/ledger/allocations/",
    "/ledger/disbursements/",
    "/ledger/progress/",
    "/reports/",
    "/beneficiaries/persons/",
    "/beneficiaries/households/",
]
API = ["/api/v1/allocations/", "/api/v1/disbursements/", "/api/v1/reports/"]
MESSAGE = "Hệ thống tạm thời không kết nối được cơ sở dữ liệu"
FAST = 5.0  # seconds: a request while the database is down answers within this


def timed(call, *args, **kwargs) -> tuple[requests.Response, float]:
    start = time.monotonic()
    response = call(*args, timeout=30, **kwargs)
    return response, time.monotonic() - start


def assert_clean_503(response: requests.Response, seconds: float, *, api: bool) -> None:
    assert response.status_code == 503, (response.request.url, response.status_code, response.text[:300])
    assert seconds < FAST, (response.request.url, seconds)
    assert response.headers.get("Retry-After") == "30"
    assert "Traceback" not in response.text
    assert "OperationalError" not in response.text
    if api:
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json()["detail"].startswith(MESSAGE)
    else:
        assert response.headers["Content-Type"].startswith("text/html")
        assert MESSAGE in response.text
        assert "Lỗi hệ thống" not in response.text  # not the 500 page


def test_a_postgresql_restart_answers_503_then_the_same_session_carries_on(served_portal, figure):
    portal = served_portal
    browser = portal.login()
    api_headers = portal.api_headers()
    web_pid = portal.web.pid
    for path in PAGES:
        assert browser.get(portal.url + path, timeout=30).status_code == 200, path
    for path in API:
        assert requests.get(portal.url + path, headers=api_headers, timeout=30).status_code == 200, path
    disbursements = portal.query("SELECT count(*) FROM disbursement_disbursement")[0][0]

    log_start = portal.web.log.stat().st_size
    portal.cluster.stop()  # pg_ctl -m fast: sessions cut, as a restart or a crash of the server does
    slowest = 0.0
    try:
        for path in PAGES:
            response, seconds = timed(browser.get, portal.url + path)
            assert_clean_503(response, seconds, api=False)
            slowest = max(slowest, seconds)
        for path in API:
            response, seconds = timed(requests.get, portal.url + path, headers=api_headers)
            assert_clean_503(response, seconds, api=True)
            slowest = max(slowest, seconds)
        # A write while the database is down: refused the same way, nothing half-done.
        response, seconds = timed(
            requests.post,
            portal.url + "/api/v1/disbursements/",
            headers=api_headers,
            json={"allocation": portal.seed["allocation"], "date": "2024-05-02", "amount": 1000, "voucher_no": "KB-9"},
        )
        assert_clean_503(response, seconds, api=True)
        # The session API as the pages' scripts use it.
        response, seconds = timed(browser.get, portal.url + "/api/v1/allocations/")
        assert_clean_503(response, seconds, api=True)
        # Signing in needs the database too.
        response, seconds = timed(browser.get, portal.url + "/accounts/login/")
        assert response.status_code in (200, 503)
        assert "Traceback" not in response.text
        health = requests.get(portal.url + "/health/", timeout=30)
        assert (health.status_code, health.json()) == (503, {"status": "error"})
    finally:
        portal.cluster.start()
    started = time.monotonic()
    with open(portal.web.log, "rb") as handle:
        handle.seek(log_start)
        log = handle.read().decode(errors="replace")
    failed = [line for line in log.splitlines() if "database unavailable" in line]
    assert len(failed) >= len(PAGES) + len(API) + 2, log[-3000:]  # one line per refused request…
    assert "Traceback" not in log, log[-3000:]  # …and no traceback

    # Back: the same session (cookie) works again without restarting gunicorn; conn_health_checks drops the dead
    # connections and opens new ones.
    wait_until(lambda: browser.get(portal.url + "/", timeout=30).status_code == 200, 30, "the portal back")
    recovery = time.monotonic() - started
    for path in PAGES:
        response = browser.get(portal.url + path, timeout=30)
        assert response.status_code == 200, path
        assert "/accounts/login/" not in response.url  # still signed in
    for path in API:
        assert requests.get(portal.url + path, headers=api_headers, timeout=30).status_code == 200, path
    assert portal.health() == 200
    assert portal.web.alive()
    assert portal.web.pid == web_pid
    assert portal.query("SELECT count(*) FROM disbursement_disbursement")[0][0] == disbursements
    figure(
        f"PostgreSQL stopped: {len(PAGES)} pages and {len(API) + 2} API calls answered 503 in at most {slowest:.2f} s; "
        f"started again: the same session answered 200 {recovery:.1f} s later, gunicorn not restarted"
    )
