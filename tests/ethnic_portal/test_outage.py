"""The database or the cache gone away, in-process (the real outages are in tests/faults, make faults): a lost
database connection answers a clean 503 (page or JSON), logged once, and leaves the session alone; other errors
are still errors; a Redis cache that cannot be reached is an empty cache."""

import logging
import socket
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client

from ethnic_portal.cache import ResilientRedisCache

MESSAGE = "Hệ thống tạm thời không kết nối được cơ sở dữ liệu"


@pytest.fixture
def database_down(monkeypatch):
    """Every read of a session (the first query of a signed-in request) fails as with the server stopped."""

    def refused(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(SessionStore, "load", refused)


@pytest.fixture
def browser(district_user):
    client = Client(raise_request_exception=False)
    client.force_login(district_user)
    return client


def test_a_page_answers_503_in_vietnamese_and_the_failure_is_logged_once(browser, database_down, caplog):
    with caplog.at_level(logging.WARNING):
        response = browser.get("/ledger/allocations/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert MESSAGE in body
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert [r.getMessage().split(" answered")[0] for r in caplog.records] == [
        "database unavailable: GET /ledger/allocations/"
    ]
    assert "sessionid" not in response.cookies  # the session is left as it is: signed in again once it is back


def test_the_api_answers_503_as_json(browser, database_down):
    response = browser.get("/api/v1/allocations/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith(MESSAGE)


def test_a_database_error_raised_outside_the_view_is_answered_503_too(browser, monkeypatch, caplog):
    """The session saved on the way out (after the view) loses the connection: Django has made a 500 of it by then;
    the middleware answers the 503 instead."""

    def lost(self, must_create=False):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(SessionStore, "save", lost)
    with caplog.at_level(logging.ERROR):
        response = browser.get("/ledger/allocations/")
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    assert len([r for r in caplog.records if r.name == "django.request"]) == 1


def test_other_errors_are_not_taken_for_an_outage(browser, monkeypatch):
    def broken(self):
        raise ValueError("not a database problem")

    monkeypatch.setattr(SessionStore, "load", broken)
    assert browser.get("/ledger/allocations/").status_code == 500


def test_a_wrapped_database_error_is_recognised():
    from ethnic_portal.outage import database_error

    cause = OperationalError("server closed the connection unexpectedly")
    wrapped = RuntimeError("while rendering")
    wrapped.__cause__ = cause
    assert database_error(wrapped) is cause
    assert database_error(ValueError("x")) is None


# --- The cache -----------------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def dead_cache():
    return ResilientRedisCache(
        f"redis://127.0.0.1:{closed_port()}/1", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    )


def test_an_unreachable_redis_cache_behaves_as_an_empty_one(dead_cache, caplog):
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="ethnic_portal.cache"):
        assert dead_cache.get("k", "default") == "default"
        dead_cache.set("k", "v")
        assert dead_cache.add("k", "v") is False
        assert dead_cache.get_many(["a", "b"]) == {}
        assert dead_cache.has_key("k") is False
        assert dead_cache.set_many({"a": 1}) == ["a"]
        dead_cache.delete("k")
        with pytest.raises(ValueError, match="not found"):
            dead_cache.incr("k")
    assert time.monotonic() - start < 3
    assert dead_cache.is_down()
    assert len(caplog.records) == 1  # the outage is logged once, not once per call


def test_pages_work_with_the_cache_down(client_as, district_user, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "ethnic_portal.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/1",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    from django.core.cache import cache

    cache.get("anything")  # the pages below use the cache that is down
    client = client_as(district_user)
    for path in ("/", "/ledger/allocations/", "/api/v1/allocations/"):
        assert client.get(path).status_code == 200, path
