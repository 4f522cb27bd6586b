"""The page cache (ethnic_portal/page_cache.py) and the data version it is keyed by (ethnic_portal/versions.py):
a repeated read of a dashboard or of progress/ is served from the cache, and any committed change to program data
— through a service, a bulk update, the API — is on the next read, to the đồng.

These tests commit for real (transactional tests): the version grows after a commit, which the suite's usual
tests, run inside one transaction that is rolled back, never reach (the suite runs with the cache off)."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from disbursement import services
from disbursement.models import Allocation
from ethnic_portal import clock, page_cache, versions
from programs.models import Project, SubProject
from tests.factories import UserFactory, unit

TODAY = datetime.date(2024, 7, 15)
# What a cached read costs: the session, the user and the data version (the page itself comes from the cache).
CACHED_READ_QUERIES = 3


@pytest.mark.parametrize(
    ("sql", "watched"),
    [
        ('INSERT INTO "disbursement_disbursement" ("allocation_id", "amount") VALUES (%s, %s)', True),
        ('UPDATE "disbursement_allocation" SET "note" = %s WHERE "id" = %s', True),
        ('DELETE FROM "beneficiaries_household" WHERE "id" IN (%s)', True),
        ('INSERT INTO "disbursement_ledgersummary" (…) VALUES (…) ON CONFLICT (…) DO UPDATE SET "a" = 1', True),
        ('UPDATE "reports_reportjob" SET "status" = %s WHERE "id" = %s', True),
        ("WITH x AS (SELECT 1) INSERT INTO geography_administrativeunit SELECT * FROM x", True),
        ('SELECT "id" FROM "disbursement_allocation" WHERE "id" = %s FOR UPDATE OF "disbursement_allocation"', False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('UPDATE "accounts_user" SET "last_login" = %s', False),
        ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', False),
        ('INSERT INTO "beneficiaries_personaldataaccess" ("action") VALUES (%s)', False),
        ('UPDATE "reports_reportjob" SET "progress" = %s WHERE "id" = %s', False),
        ("INSERT INTO ethnic_portal_dataversion (id, counter) VALUES (1, 2)", False),
        ('SAVEPOINT "s1"', False),
    ],
)
def test_which_statements_change_program_data(sql, watched):
    assert versions.writes_program_data(sql) is watched


def _allocation(actor, code="061", amount=1_000_000_000):
    return services.allocation_create(
        actor=actor,
        year=2024,
        project=Project.objects.get(code="DA4"),
        subproject=SubProject.objects.get(code="DA4.TDA1"),
        unit=unit(code),
        capital_type="investment",
        source="central",
        origin_year=2024,
        amount=amount,
        decision_no=f"{code}/QĐ-UBND",
        decision_date=datetime.date(2024, 2, 1),
        decision_body="UBND tỉnh Bắc Kạn",
    )


@pytest.mark.django_db(transaction=True)
def test_the_version_grows_after_a_committed_write_and_only_then(reference_data):
    officer = UserFactory(username="huyen", role="district", unit=unit("061"))
    with clock.as_of(TODAY):
        start = versions.current()
        allocation = _allocation(officer)
        created = versions.current()
        assert created > start
        # Reads change nothing.
        list(Allocation.objects.all())
        assert versions.current() == created
        # A refused write (more than the allocation) writes nothing and bumps nothing.
        with pytest.raises(ValidationError):
            services.disbursement_create(
                actor=officer, allocation=allocation, date=TODAY, amount=2_000_000_000, voucher_no="KB-1"
            )
        assert versions.current() == created
        # A transaction rolled back bumps nothing, even after a bulk update inside it.
        with transaction.atomic():
            Allocation.objects.filter(pk=allocation.pk).update(note="rolled back")
            transaction.set_rollback(True)
        assert Allocation.objects.get(pk=allocation.pk).note != "rolled back"
        assert versions.current() == created
        # A bulk update (no model signal) that commits is seen.
        Allocation.objects.filter(pk=allocation.pk).update(note="committed")
        updated = versions.current()
        assert updated > created
        # One bump per transaction, however many rows it writes.
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            for note in ("a", "b", "c"):
                Allocation.objects.filter(pk=allocation.pk).update(note=note)
        assert sum("ethnic_portal_dataversion" in q["sql"] for q in queries.captured_queries) == 1
        assert versions.current() > updated


@pytest.fixture
def cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield settings
    cache.clear()


def _text(response) -> str:
    """The page without its CSRF tokens (masked anew at each drawing)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _stored_pages() -> int:
    """Entries of the page cache (the test settings' cache is the process's memory)."""
    return sum(page_cache.KEY_PREFIX in key for key in cache._cache)


def _get(client, path="/") -> tuple:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response, len(queries)


def _fresh(client, settings, path="/"):
    """The page drawn without the cache, as the reference."""
    settings.PAGE_CACHE_SECONDS = 0
    try:
        return _get(client, path)[0]
    finally:
        settings.PAGE_CACHE_SECONDS = 600


@pytest.mark.django_db(transaction=True)
def test_a_dashboard_is_served_from_the_cache_until_a_write_commits(reference_data, cache_on):
    settings = cache_on
    officer = UserFactory(username="huyen", role="district", unit=unit("061"))
    with clock.as_of(TODAY):
        allocation = _allocation(officer)
        services.disbursement_create(
            actor=officer, allocation=allocation, date=datetime.date(2024, 7, 1), amount=100_000_000, voucher_no="K1"
        )
        client = Client()
        client.force_login(officer)
        first, drawn = _get(client)  # sets the CSRF cookie the page's forms need: not stored without it
        second, _queries = _get(client)  # drawn and stored
        third, cached = _get(client)
        assert _text(third) == _text(second) == _text(first)
        assert cached == CACHED_READ_QUERIES < drawn
        assert "100.000.000" in _text(third) or "10,0%" in _text(third)

        # A disbursement committed: the next read is drawn anew and equals a page drawn without the cache.
        services.disbursement_create(
            actor=officer, allocation=allocation, date=datetime.date(2024, 7, 2), amount=150_000_000, voucher_no="K2"
        )
        stored = _stored_pages()
        after, queries = _get(client)
        assert queries > CACHED_READ_QUERIES
        assert _text(after) != _text(third)
        assert _text(after) == _text(_fresh(client, settings))
        assert "25,0%" in _text(after)  # 250 million of a milliard
        again, queries = _get(client)
        assert queries == CACHED_READ_QUERIES
        assert _text(again) == _text(after)
        assert _stored_pages() == stored == 1  # the page drawn after the write replaced the one before

        # Another officer of another district, the same address: their own page, never the first one's.
        other = UserFactory(username="huyen_khac", role="district", unit=unit("064"))
        other_client = Client()
        other_client.force_login(other)
        _get(other_client)
        theirs, _queries = _get(other_client)
        assert _text(theirs) != _text(after)
        assert _text(theirs) == _text(_fresh(other_client, settings))

        # English: another page, not the Vietnamese one from the cache.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english, _queries = _get(client)
        assert '<html lang="en"' in english.content.decode()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
        assert '<html lang="vi"' in _get(client)[0].content.decode()


@pytest.mark.django_db(transaction=True)
def test_progress_api_is_served_from_the_cache_and_live_after_a_post(reference_data, cache_on):
    officer = UserFactory(username="huyen", role="district", unit=unit("061"))
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    path = "/api/v1/progress/?unit=061&year=2024"
    with clock.as_of(TODAY):
        allocation = _allocation(officer)
        before, drawn = _get(client, path)
        again, cached = _get(client, path)
        assert again.json() == before.json()
        assert cached < drawn
        assert before.json()["investment"]["disbursed"] == 0

        posted = client.post(
            "/api/v1/disbursements/",
            {"allocation": allocation.pk, "date": "2024-07-01", "amount": 123_456_789, "voucher_no": "KB-9"},
            format="json",
        )
        assert posted.status_code == 201, posted.content
        after = client.get(path).json()
        assert after["investment"]["disbursed"] == 123_456_789
        assert after["investment"]["allocated"] == before.json()["investment"]["allocated"] == 1_000_000_000
        # A unit outside the scope: 404, and nothing stored for it.
        assert client.get("/api/v1/progress/?unit=064&year=2024").status_code == 404


@pytest.mark.django_db
def test_nothing_is_cached_for_a_user_with_messages_waiting_or_without_a_csrf_secret(reference_data, cache_on):
    officer = UserFactory(username="huyen", role="district", unit=unit("061"))
    request = RequestFactory().get("/")
    request.user = officer
    request.session = {}
    request.META["CSRF_COOKIE"] = "x" * 32  # the secret CsrfViewMiddleware read from the cookie
    assert page_cache.cache_key(request, "home", with_csrf=True) is not None
    request.session = {"_messages": "[]"}
    assert page_cache.cache_key(request, "home", with_csrf=True) is None
    request.session = {}
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # a malformed cookie replaced by a new secret: draw, send it
    assert page_cache.cache_key(request, "home", with_csrf=True) is None
    del request.META["CSRF_COOKIE_NEEDS_UPDATE"], request.META["CSRF_COOKIE"]
    assert page_cache.cache_key(request, "home", with_csrf=True) is None
    assert page_cache.cache_key(request, "api", with_csrf=False) is not None
    cache_on.PAGE_CACHE_SECONDS = 0
    assert page_cache.cache_key(request, "api", with_csrf=False) is None


@pytest.mark.django_db
def test_a_failing_cache_draws_the_page(reference_data, cache_on, monkeypatch):
    officer = UserFactory(username="huyen", role="district", unit=unit("061"))
    client = Client()
    client.force_login(officer)
    client.get("/")

    class Broken:
        def get(self, *args, **kwargs):
            raise RuntimeError("cache unreachable")

        set = get

    monkeypatch.setattr(page_cache, "cache", Broken())  # the page cache's only (throttling keeps its own)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/progress/?unit=061&year=2024").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_failing_bump_neither_fails_the_committed_write_nor_the_callbacks_after_it(reference_data, monkeypatch):
    officer = UserFactory(username="huyen", role="district", unit=unit("061"))

    def broken(using="default"):
        raise versions.DatabaseError("connection lost")

    monkeypatch.setattr(versions, "bump", broken)
    after = []
    with clock.as_of(TODAY), transaction.atomic():
        allocation = _allocation(officer)
        transaction.on_commit(lambda: after.append("queued"))
    assert Allocation.objects.filter(pk=allocation.pk).exists()
    assert after == ["queued"]
    Allocation.objects.filter(pk=allocation.pk).update(note="autocommit")  # the immediate bump fails too: logged
    assert Allocation.objects.get(pk=allocation.pk).note == "autocommit"
