"""The portal's routes for the security suites: every URL pattern `get_resolver()` knows (pages and the API
router), what each one is about (ROUTES), how to fill each URL kwarg (KWARGS), the methods each view accepts, and
a client that calls them as one user."""

from collections import Counter
from dataclasses import dataclass

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from disbursement.models import PeriodKind

from .conftest import YEAR

PUBLIC = "public"  # answers without a login
PAGE = "page"  # needs a login; about no one object (lists, forms, the user's own unit)


@dataclass(frozen=True)
class Ref:
    """An object of the reference data (ethnic groups, projects): the same for every logged-in user."""

    key: str


# Every named route → what it is about: PUBLIC, PAGE, the key of a dataset object (conftest.Dataset.objects) whose
# id or code the route takes, or a Ref. A new route must be added here, deciding which it is.
ROUTES = {
    "home": PAGE,
    "health": PUBLIC,
    "set_language": PUBLIC,
    "system_status": PAGE,
    "accounts:login": PUBLIC,
    "accounts:logout": PUBLIC,  # ends whatever session there is
    "accounts:password_change": PAGE,
    "accounts:password_change_done": PAGE,
    "accounts:user_list": PAGE,
    "accounts:user_add": PAGE,
    "accounts:user_deactivate": "user",
    "accounts:user_activate": "user",
    "geography:unit_home": PAGE,
    "geography:unit_detail": "unit",
    "programs:structure": PAGE,
    "disbursement:progress": PAGE,
    "disbursement:allocation_list": PAGE,
    "disbursement:allocation_export": PAGE,
    "disbursement:allocation_add": PAGE,
    "disbursement:allocation_detail": "allocation",
    "disbursement:allocation_edit": "allocation",
    "disbursement:allocation_adjust": "allocation",
    "disbursement:allocation_delete": "allocation",
    "disbursement:plan_edit": "allocation",
    "disbursement:disbursement_add": "allocation",
    "disbursement:disbursement_list": PAGE,
    "disbursement:disbursement_export": PAGE,
    "disbursement:disbursement_edit": "disbursement",
    "disbursement:disbursement_delete": "disbursement",
    "disbursement:subproject_options": PAGE,
    "disbursement:unit_options": PAGE,
    "disbursement:period_list": PAGE,
    "disbursement:period_detail": "period",
    "disbursement:period_action": "period",
    "disbursement:period_open": PAGE,  # the user's own unit only
    "disbursement:year_setting": PAGE,  # the user's own province only
    "disbursement:carry_over": PAGE,
    "disbursement:import": PAGE,
    "disbursement:import_batch": "ledger_import",
    "disbursement:import_confirm": "ledger_import",
    "disbursement:import_template": PAGE,
    "beneficiaries:person_list": PAGE,
    "beneficiaries:person_add": PAGE,
    "beneficiaries:person_detail": "person",
    "beneficiaries:person_edit": "person",
    "beneficiaries:person_delete": "person",
    "beneficiaries:support_add": "person",
    "beneficiaries:support_list": PAGE,
    "beneficiaries:support_edit": "support",
    "beneficiaries:support_delete": "support",
    "beneficiaries:course_list": PAGE,
    "beneficiaries:course_add": PAGE,
    "beneficiaries:course_detail": "course",
    "beneficiaries:course_edit": "course",
    "beneficiaries:course_participants": "course",
    "beneficiaries:tet_season": PAGE,  # the user's own province only
    "beneficiaries:household_list": PAGE,
    "beneficiaries:household_add": PAGE,
    "beneficiaries:household_detail": "household",
    "beneficiaries:household_edit": "household",
    "beneficiaries:household_delete": "household",
    "beneficiaries:household_support_add": "household",
    "beneficiaries:household_support_list": PAGE,
    "beneficiaries:household_support_edit": "household_support",
    "beneficiaries:household_support_delete": "household_support",
    "beneficiaries:activity_list": PAGE,
    "beneficiaries:activity_add": PAGE,
    "beneficiaries:activity_edit": "activity",
    "beneficiaries:activity_delete": "activity",
    "beneficiaries:summary": PAGE,
    "beneficiaries:review": PAGE,  # a case is posted by its key, checked with case_get(user=…)
    "beneficiaries:import": PAGE,
    "beneficiaries:import_batch": "people_import",
    "beneficiaries:import_confirm": "people_import",
    "beneficiaries:import_template": PAGE,
    "beneficiaries:person_export": PAGE,
    "beneficiaries:household_export": PAGE,
    "beneficiaries:household_search": PAGE,
    "beneficiaries:access_log": PAGE,
    "reports:list": PAGE,
    "reports:request": PAGE,
    "reports:overdue": PAGE,
    "reports:settings": PAGE,  # the user's own province only
    "reports:detail": "report_job",
    "reports:row": "report_job",
    "reports:download": "report_job",
    "reports:regenerate": "report_job",
    "reports:diff": "report_job",
    "exports:detail": "export_job",  # an export job: its requester's alone
    "exports:status": "export_job",
    "exports:download": "export_job",
    "api-token": PUBLIC,
    "api-schema": PAGE,
    "api-progress": PAGE,
    "api-root": PAGE,
    "unit-list": PAGE,
    "unit-detail": "unit",
    "ethnic-group-list": PAGE,
    "ethnic-group-detail": Ref("ethnic_group"),
    "project-list": PAGE,
    "project-detail": Ref("project"),
    "allocation-list": PAGE,
    "allocation-detail": "allocation",
    "disbursement-list": PAGE,
    "disbursement-detail": "disbursement",
    "prestigious-person-list": PAGE,
    "prestigious-person-detail": "person",
    "support-activity-list": PAGE,
    "support-activity-detail": "support",
    "household-list": PAGE,
    "household-search": PAGE,
    "household-detail": "household",
    "household-support-list": PAGE,
    "household-support-detail": "household_support",
    "report-list": PAGE,
    "report-detail": "report_job",
    "report-download": "report_job",
}

# Every URL kwarg → the values to try, from the route and its object. A new kwarg must be added here.
KWARGS = {
    "pk": lambda route, obj: [obj.pk],
    "code": lambda route, obj: [obj.code],
    "format": lambda route, obj: ["json"],
    "year": lambda route, obj: [YEAR],
    # an import's kinds (its importers), else a period's kinds (H1, year)
    "kind": lambda route, obj: list(getattr(route.view, "importers", None) or PeriodKind.values),
    "action": lambda route, obj: list(route.view.actions),  # PeriodActionView: submit, approve, return, reopen
}
# The value of the object's kwarg that names no row.
MISSING = {"pk": 999_999_999, "code": "99999"}

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
TALLY: Counter = Counter()


# --- Discovery ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    kwargs: tuple
    view: object  # the view class, the viewset class or the function
    methods: tuple
    api: bool

    @property
    def target(self):
        return ROUTES.get(self.name)

    @property
    def object_kwarg(self) -> str | None:
        return next((k for k in ("pk", "code") if k in self.kwargs), None)


def _methods(callback) -> tuple:
    actions = getattr(callback, "actions", None)  # a DRF viewset's route: {"get": "list", "post": "create"}
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if actions:
        allowed = set(getattr(view, "http_method_names", actions))
        names = [m for m in actions if m in allowed]
    elif view is not None:
        names = [m for m in view.http_method_names if m not in {"head", "options"} and hasattr(view, m)]
    else:  # a function view answers any method
        names = ["get", "post"]
    return tuple(m.upper() for m in names if m not in {"head", "options", "trace"})


def _walk(patterns, prefix="", namespace="", kwargs=()):
    for pattern in patterns:
        names = tuple(pattern.pattern.regex.groupindex)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner, kwargs + names)
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback
            route = prefix + str(pattern.pattern)
            yield Route(
                name=f"{namespace}{pattern.name}" if pattern.name else route,
                pattern=route,
                kwargs=kwargs + names,
                view=view,
                methods=_methods(callback),
                api=route.startswith("api/"),
            )


def discover() -> list[Route]:
    """Every route but Django admin's (which has its own login: test_admin_needs_its_own_login)."""
    return [r for r in _walk(get_resolver().url_patterns) if not r.pattern.startswith("admin/")]


def requests_for(route: Route, data, *, missing=False) -> list[tuple[str, str]]:
    """(method, URL) pairs to try on a route: every method, every value of every kwarg; with `missing`, the object's
    kwarg names no row."""
    target = route.target
    if target is None and route.object_kwarg:
        return []  # not in ROUTES: test_every_route_and_kwarg_is_in_the_tables names it
    obj = data[target.key if isinstance(target, Ref) else target] if target not in (PUBLIC, PAGE, None) else None
    combos = [{}]
    for name in route.kwargs:
        values = [MISSING[name]] if missing and name == route.object_kwarg else KWARGS[name](route, obj)
        combos = [{**combo, name: value} for combo in combos for value in values]
    urls = [reverse(route.name, kwargs=combo) for combo in combos]
    return [(method, url) for url in urls for method in route.methods]


ROUTE_LIST = discover()
API_ROUTES = [r for r in ROUTE_LIST if r.api]


# --- Requests ---------------------------------------------------------------------------------------------------


class Caller:
    """A test client for one user (or anonymous): the session for pages, the user's token for the API."""

    def __init__(self, user=None):
        self.user = user
        self.client = Client(raise_request_exception=False)
        self.token = None
        if user is not None:
            self.client.force_login(user)
            self.token = Token.objects.get_or_create(user=user)[0].key
        self.api_headers = {"authorization": f"Token {self.token}"} if self.token else {}

    def __call__(self, route: Route, method: str, url: str, *, query: str = "", tally: str = ""):
        headers = self.api_headers if route.api else {}
        if query:
            url = f"{url}?{query}"
        if method == "GET":
            response = self.client.get(url, headers=headers)
        elif route.api:
            response = self.client.generic(method, url, "{}", content_type="application/json", headers=headers)
        elif method == "POST":
            response = self.client.post(url, {}, headers=headers)
        else:
            response = self.client.generic(method, url, "", headers=headers)
        if tally:
            TALLY[tally] += 1
        if route.name == "accounts:logout" and self.user is not None:
            self.client.force_login(self.user)
        return response
