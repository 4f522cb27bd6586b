"""The access matrix: every URL pattern the portal has (pages, the API router, everything `get_resolver()` knows),
found by walking the URL configuration, tried with every method its view accepts, as:

- anonymous: pages send to the login page, the API answers 401/403; only the public routes answer;
- each role from a unit outside the dataset's scope (tests/security/conftest.py): another unit's object answers
  exactly as an object that does not exist (404, or the 403 the role gets for that page anyway), lists never show
  it, and nothing outside the user's own unit is written;
- a read-only role (leader, the ministry) inside the scope: every write is refused (403/404), nothing is written;
- a commune officer: approving, returning or reopening a period is refused and the period stays as it was.

A route the tables of tests/security/routes.py do not know (its name is not in ROUTES, or a kwarg not in KWARGS)
fails the first test, so a page or endpoint added later cannot escape the matrix.
"""

import io
import json
import zipfile
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from accounts.scope import visible_roots
from disbursement import services
from disbursement.models import Period, PeriodEvent
from ethnic_portal import clock
from tests.factories import UserFactory, unit

from .conftest import DAY, MARKER, YEAR, changed, fingerprint, no_writes
from .routes import (
    API_ROUTES,
    KWARGS,
    PAGE,
    PUBLIC,
    ROUTE_LIST,
    ROUTES,
    TALLY,
    WRITE_METHODS,
    Caller,
    Ref,
    Route,
    requests_for,
)

pytestmark = pytest.mark.django_db

# Requests other than GET that a read-only role may make: its own session, language and password, asking for
# reports, and searches sent by POST (so that an ID number stays out of addresses and logs).
LEADER_MAY_POST = {
    "accounts:login",
    "accounts:logout",
    "set_language",
    "api-token",
    "accounts:password_change",
    "reports:request",
    "reports:regenerate",
    "report-list",
    "beneficiaries:household_search",
    "household-search",
}

# Lists that show the dataset to a user inside its scope: the same lists must not show it to anyone outside.
LISTS_SHOWING_THE_DATASET = {
    "disbursement:allocation_list",
    "disbursement:disbursement_list",
    "disbursement:allocation_export",
    "disbursement:disbursement_export",
    "beneficiaries:person_list",
    "beneficiaries:support_list",
    "beneficiaries:course_list",
    "beneficiaries:household_list",
    "beneficiaries:household_support_list",
    "beneficiaries:activity_list",
    "beneficiaries:review",
    "beneficiaries:person_export",
    "beneficiaries:household_export",
    "reports:list",
    "accounts:user_list",
    "allocation-list",
    "disbursement-list",
    "prestigious-person-list",
    "support-activity-list",
    "household-list",
    "household-support-list",
    "report-list",
}


def dataset_query(data) -> dict:
    """A query string naming the dataset's unit and objects the way list filters and pages take them."""
    return {
        "unit": data["unit"].code,
        "year": YEAR,
        "allocation": data["allocation"].pk,
        "person": data["person"].pk,
        "household": data["household"].pk,
        "course": data["course"].pk,
        "with": data["report_job"].pk,
    }


def is_page_or_json(response) -> bool:
    """An HTML page or a JSON answer (not a file, not the schema): one that may list rows filtered by unit."""
    kind = response.get("Content-Type", "").split(";")[0]
    return response.status_code == 200 and kind in {"text/html", "application/json"}


def body(response) -> str:
    """The answer as lower-case text; an Excel file's text (its XML parts) for a download."""
    # Reading a file answer to its end closes it (the test client's wrapper); close() again would fire
    # request_finished, which closes a connection inside a transaction on PostgreSQL.
    content = response.getvalue() if hasattr(response, "getvalue") else b""
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content = b"".join(archive.read(name) for name in archive.namelist() if name.endswith(".xml"))
    return content.decode("utf-8", "replace").lower()


def object_urls(data) -> set[str]:
    """The address of every page and endpoint of every dataset object: none may appear in an outsider's answer."""
    urls = set()
    for route in ROUTE_LIST:
        if route.target not in (PUBLIC, PAGE, None) and not isinstance(route.target, Ref):
            urls.update(url.split("?")[0] for _method, url in requests_for(route, data))
    return urls


def leaks(text: str, urls: set[str], asked: str = "") -> list[str]:
    """The marker and the dataset's addresses found in an answer (the address asked for aside: a 404 page may
    repeat it)."""
    if asked:
        text = text.replace(asked.lower(), "")
    found = [MARKER] if MARKER in text else []
    return found + sorted(url for url in urls if url in text)


def api_ids_leaked(route: Route, response, data) -> list:
    """An API list's rows that are dataset objects (by id, or by code for units)."""
    if not route.api or response.get("Content-Type", "").split(";")[0] != "application/json":
        return []
    payload = json.loads(response.content or b"null")
    rows = payload.get("results") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        return []
    model = getattr(route.view, "model", None) or getattr(getattr(route.view, "queryset", None), "model", None)
    ours = {obj.pk for obj in data.objects.values() if model is not None and isinstance(obj, model)}
    leaked = [row.get("id") for row in rows if isinstance(row, dict) and row.get("id") in ours]
    leaked += [row["code"] for row in rows if isinstance(row, dict) and row.get("code") == data["unit"].code]
    return leaked


# --- The tables know every route -------------------------------------------------------------------------------


def test_every_route_and_kwarg_is_in_the_tables():
    unknown_routes = sorted(f"{r.name} ({r.pattern})" for r in ROUTE_LIST if r.name not in ROUTES)
    unknown_kwargs = sorted({f"{k} in {r.name}" for r in ROUTE_LIST for k in r.kwargs if k not in KWARGS})
    stale = sorted(set(ROUTES) - {r.name for r in ROUTE_LIST})
    object_routes_without_id = sorted(
        r.name for r in ROUTE_LIST if r.target not in (PUBLIC, PAGE, None) and r.object_kwarg is None
    )
    assert (unknown_routes, unknown_kwargs, stale, object_routes_without_id) == ([], [], [], [])
    assert all(r.methods for r in ROUTE_LIST), [r.name for r in ROUTE_LIST if not r.methods]
    # The router's endpoints are all here, with their writes: the discovery cannot have missed the API.
    assert {"allocation-list", "report-download", "household-support-detail", "api-progress"} <= {
        r.name for r in API_ROUTES
    }
    assert set(next(r for r in API_ROUTES if r.name == "allocation-detail").methods) == {
        "GET",
        "PUT",
        "PATCH",
        "DELETE",
    }


# --- Anonymous ----------------------------------------------------------------------------------------------------


def test_anonymous_gets_the_login_page_or_401_everywhere_but_the_public_routes(dataset):
    anonymous = Caller()
    login = reverse("accounts:login")
    wrong = []
    for route in ROUTE_LIST:
        for method, url in requests_for(route, dataset):
            response = anonymous(route, method, url, tally="anonymous")
            status = response.status_code
            if route.target == PUBLIC:
                ok = status < 500 and not (status == 302 and response["Location"].startswith(login + "?"))
            elif route.api:
                ok = status in {401, 403}
            else:
                ok = status == 302 and response["Location"].startswith(f"{login}?next=")
            if not ok:
                wrong.append(f"{method} {url} → {status}")
            body(response)
    assert wrong == []
    assert anonymous.client.get(login).status_code == 200


def test_static_files_are_public():
    assert finders.find("css/portal.css")
    # WhiteNoise serves from STATIC_ROOT, which the tests leave empty: let it read the source folders instead.
    with override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        response = Client().get("/static/css/portal.css")
    assert response.status_code == 200
    assert b"{" in body(response).encode()


def test_admin_needs_its_own_login(dataset):
    """Django admin (reference data, kept by the administrator): anyone but staff is sent to its login page, and
    the administrator role (staff, not superuser) sees no account there (they manage accounts in the portal)."""
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    users = [None, *dataset.outsiders.values(), *dataset.insiders.values()]
    wrong = []
    for user in users:
        client = Client()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            TALLY["admin"] += 1
            if user is not None and user.is_staff:
                ok = response.status_code in {200, 403} and MARKER not in body(response)
            else:
                ok = response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
            if not ok:
                wrong.append(f"{getattr(user, 'username', 'anonymous')} {url} → {response.status_code}")
    assert wrong == []


# --- Outside the scope ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["province", "district", "commune", "leader", "admin"])
def test_outside_the_scope_nothing_is_seen_and_nothing_is_written(dataset, role):
    user = dataset.outsiders[role]
    caller = Caller(user)
    own = visible_roots(user)
    urls = object_urls(dataset)
    tally = f"outsider:{role}"
    problems = []
    before = fingerprint(except_roots=own)
    for route in ROUTE_LIST:
        if route.target == PUBLIC or isinstance(route.target, Ref):
            continue
        if route.target == PAGE:
            # Lists, forms and the user's own unit: no 5xx, nothing of the dataset (also when asked for its unit).
            for method, url in requests_for(route, dataset):
                queries = [""]
                while queries:
                    query = queries.pop()
                    response = caller(route, method, url, query=query, tally=tally)
                    if method == "GET" and not query and is_page_or_json(response):
                        queries.append(urlencode(dataset_query(dataset)))
                    text = body(response)
                    if response.status_code >= 500:
                        problems.append(f"{method} {url}?{query} → {response.status_code}")
                    elif found := leaks(text, urls) + api_ids_leaked(route, response, dataset):
                        problems.append(f"{method} {url}?{query} shows {found}")
            continue
        # The dataset's object: the same answer as for an id that names no row, nothing shown, nothing written.
        real = requests_for(route, dataset)
        missing = requests_for(route, dataset, missing=True)
        for (method, url), (_same, missing_url) in zip(real, missing, strict=True):
            reference = caller(route, method, missing_url, tally="missing-id probes").status_code
            with no_writes(problems, f"{method} {url}"):
                response = caller(route, method, url, tally=tally)
            status = response.status_code
            text = body(response)
            if status != reference or status not in {403, 404}:
                problems.append(f"{method} {url} → {status} (an id that names no row: {reference})")
            elif found := leaks(text, urls, asked=url):
                problems.append(f"{method} {url} shows {found}")
    after = fingerprint(except_roots=own)
    assert problems == []
    assert changed(before, after) == []


def test_inside_the_scope_the_same_routes_find_the_objects(dataset):
    """The other side of the matrix, so that its 404s mean something: the province's own officer reaches every
    object route (no 404) and sees the dataset on its lists. Writes are rolled back."""
    caller = Caller(dataset.insiders["province"])
    urls = object_urls(dataset)
    not_found, lists_without_data = [], []
    for route in ROUTE_LIST:
        if route.target == PUBLIC or route.name == "accounts:password_change":
            continue
        for method, url in requests_for(route, dataset):
            with transaction.atomic():
                response = caller(route, method, url, tally="insider")
                transaction.set_rollback(True)
            status = response.status_code
            text = body(response)
            if status >= 500 or (route.target != PAGE and status == 404):
                not_found.append(f"{method} {url} → {status}")
            shown = leaks(text, urls) or (route.api and api_ids_leaked(route, response, dataset))
            if route.name in LISTS_SHOWING_THE_DATASET and method == "GET" and not shown:
                lists_without_data.append(url)
    assert not_found == []
    assert lists_without_data == []


# --- A read-only role inside the scope ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "national"])
def test_a_read_only_role_cannot_write_anything(dataset, role):
    """Inside its scope, every POST, PUT, PATCH and DELETE of a leader (or of the ministry) is refused and writes
    nothing (an empty body, so that a missing role check would show as a form's 200 or a 400 rather than a 403)."""
    caller = Caller(dataset.insiders[role])
    problems = []
    before = fingerprint()
    for route in ROUTE_LIST:
        if route.target == PUBLIC or route.name in LEADER_MAY_POST:
            continue
        for method, url in requests_for(route, dataset):
            if method not in WRITE_METHODS:
                continue
            with no_writes(problems, f"{method} {url}"):
                response = caller(route, method, url, tally=f"read-only writes:{role}")
            if response.status_code not in {403, 404}:
                problems.append(f"{method} {url} → {response.status_code}")
            body(response)
    after = fingerprint()
    assert problems == []
    assert changed(before, after) == []


# --- A commune officer and the approval of a period ------------------------------------------------------------------


def _period_state(period):
    period.refresh_from_db()
    return period.status, PeriodEvent.objects.filter(period=period).count(), period.history.count()


def test_a_commune_officer_cannot_approve_return_or_reopen(dataset):
    """The new Chợ Rã (01912, since 1/7/2025) reports straight to the province: its officer submits, and may not
    approve, return or reopen — neither its own submission nor an approved period."""
    with clock.as_of(DAY.replace(year=2025, month=8)):
        commune = UserFactory(username="sec_xa_moi", role="commune", unit=unit("01912", current=True))
        province = UserFactory(username="sec_tinh_moi", role="province", unit=unit("19", current=True))
        submitted = services.period_for(commune.unit, 2025, "H1")
        services.period_submit(actor=commune, period=submitted, comment="Gửi")
        approved = services.period_for(commune.unit, 2024 + 1, "year")
        services.period_submit(actor=commune, period=approved, comment="Gửi")
        services.period_approve(actor=province, period=approved, comment="Duyệt")
        caller = Caller(commune)
        refused = []
        for period in (submitted, approved):
            state = _period_state(period)
            for action in ("approve", "return", "reopen"):
                url = reverse("disbursement:period_action", kwargs={"pk": period.pk, "action": action})
                route = next(r for r in ROUTE_LIST if r.name == "disbursement:period_action")
                response = caller.client.post(url, {"comment": "Tự duyệt"})
                TALLY["commune approvals"] += 1
                refused.append((period.status, action, response.status_code))
                assert _period_state(period) == state, (period.status, action)
                assert action in KWARGS["action"](route, period)
    assert {status for _period, _action, status in refused} == {403}, refused
    assert Period.objects.get(pk=approved.pk).status == "approved"


# --- The figures for docs/security.md -------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    pages = [r for r in ROUTE_LIST if not r.api]
    combos = sum(len(r.methods) for r in ROUTE_LIST)
    outsiders = sum(v for k, v in TALLY.items() if k.startswith("outsider:"))
    line = (
        f"access matrix: {len(ROUTE_LIST)} routes ({len(pages)} pages, {len(API_ROUTES)} API), "
        f"{combos} route×method pairs; requests: anonymous {TALLY['anonymous']}, "
        f"outsiders {outsiders} ({len([k for k in TALLY if k.startswith('outsider:')])} roles), "
        f"same with an id that names no row {TALLY['missing-id probes']}, insider {TALLY['insider']}, "
        f"leader and ministry writes {sum(v for k, v in TALLY.items() if k.startswith('read-only'))}, "
        f"commune approvals {TALLY['commune approvals']}, "
        f"admin site {TALLY['admin']}; total {sum(TALLY.values())}"
    )
    print("\n" + line)  # noqa: T201 - the figure docs/security.md quotes (pytest -s shows it)
