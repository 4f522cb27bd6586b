"""The API's limits (issue 7, item 7): throttling (429 in Vietnamese with Retry-After) and a page-size cap on
every list, the lists discovered from the router so that a new endpoint cannot escape the cap (a list longer
than the cap: tests/test_api.py::test_page_size_is_capped_at_500)."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from ethnic_portal.api import Pagination
from ethnic_portal.api_urls import router
from tests.factories import TEST_PASSWORD

TOKEN = "/api/v1/auth/token/"
MAX_PAGE_SIZE = 500


# --- Throttling ----------------------------------------------------------------------------------------------


@pytest.fixture
def rates(settings):
    """`rates(anon=…, user=…, auth_token=…)` lowers the throttle rates for the test (settings_test raises them so
    that the suite never meets them), counting in a cache of the test's own."""

    def lower(**lowered):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-tests"}
        }
        cache.clear()
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **lowered},
        }

    yield lower
    cache.clear()


def assert_throttled(response):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    detail = response.json()["detail"]
    assert detail.startswith("Quá nhiều yêu cầu trong thời gian ngắn; hãy thử lại sau ")
    assert f"sau {response['Retry-After']} giây" in detail


def test_the_production_settings_throttle_every_api_view():
    from django.conf import settings

    from ethnic_portal import settings as production

    classes = production.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert {name.rsplit(".", 1)[1] for name in classes} == {
        "AnonRateThrottle",
        "UserRateThrottle",
        "ScopedRateThrottle",
    }
    assert set(production.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]) == {"anon", "user", "auth_token"}
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == classes  # the suite runs them, at high rates


def test_a_user_beyond_the_rate_gets_429_in_vietnamese_with_retry_after(rates, api_as, district_user, province_user):
    rates(user="3/min")
    api = api_as(district_user)
    for _ in range(3):
        assert api.get("/api/v1/units/").status_code == 200
    assert_throttled(api.get("/api/v1/units/"))
    assert_throttled(api.post("/api/v1/households/", {}, format="json"))  # writes count too
    # Counted per account: another officer is not held back.
    assert api_as(province_user).get("/api/v1/units/").status_code == 200


def test_the_token_endpoint_has_its_own_stricter_rate_per_address(rates, api_client, district_user):
    rates(auth_token="2/min")
    body = {"username": district_user.username, "password": TEST_PASSWORD}
    for _ in range(2):
        assert api_client.post(TOKEN, body, format="json", REMOTE_ADDR="10.1.0.1").status_code == 200
    assert_throttled(api_client.post(TOKEN, body, format="json", REMOTE_ADDR="10.1.0.1"))
    # Another address still gets its token.
    assert api_client.post(TOKEN, body, format="json", REMOTE_ADDR="10.1.0.2").status_code == 200


def test_an_anonymous_caller_is_counted_by_address(rates, api_client, district_user):
    rates(anon="2/min")
    body = {"username": district_user.username, "password": TEST_PASSWORD}
    for _ in range(2):
        assert api_client.post(TOKEN, body, format="json", REMOTE_ADDR="10.2.0.1").status_code == 200
    assert_throttled(api_client.post(TOKEN, body, format="json", REMOTE_ADDR="10.2.0.1"))


def test_a_malformed_rate_in_the_environment_stops_the_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from ethnic_portal.settings import env_rate

    monkeypatch.setenv("DJANGO_API_RATE_USER", "lots")
    with pytest.raises(ImproperlyConfigured, match="DJANGO_API_RATE_USER"):
        env_rate("DJANGO_API_RATE_USER", "1200/min")
    monkeypatch.setenv("DJANGO_API_RATE_USER", "300/hour")
    assert env_rate("DJANGO_API_RATE_USER", "1200/min") == "300/hour"


# --- Page size ------------------------------------------------------------------------------------------------


def list_endpoints():
    """Every list the router serves: (basename, viewset)."""
    return [(basename, viewset) for _prefix, viewset, basename in router.registry if hasattr(viewset, "list")]


def test_the_router_serves_the_contract_lists():
    names = {basename for basename, _viewset in list_endpoints()}
    assert names >= {"unit", "allocation", "disbursement", "household", "household-support", "report"}


@pytest.mark.parametrize(("basename", "viewset"), list_endpoints(), ids=[name for name, _ in list_endpoints()])
def test_every_list_caps_page_size_at_500(basename, viewset, api_as, province_user):
    """No list without pagination, none whose paginator lets `?page_size=` past 500; the endpoint answers a
    request for a million rows with at most 500."""
    assert viewset.pagination_class is not None, f"{basename}: a list without pagination is unbounded"
    paginator = viewset.pagination_class()
    assert isinstance(paginator, Pagination)
    assert paginator.max_page_size <= MAX_PAGE_SIZE
    request = Request(APIRequestFactory().get("/", {"page_size": "1000000"}))
    assert paginator.get_page_size(request) == MAX_PAGE_SIZE

    api = api_as(province_user)
    response = api.get(reverse(f"{basename}-list"), {"page_size": 1_000_000})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= MAX_PAGE_SIZE
    # A page size that is no number falls back to the default page, never to everything.
    for bad in ("-1", "0", "abc", "1e9", "²"):
        assert paginator.get_page_size(Request(APIRequestFactory().get("/", {"page_size": bad}))) == paginator.page_size
        assert api.get(reverse(f"{basename}-list"), {"page_size": bad}).status_code == 200
