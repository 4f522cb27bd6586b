"""Mass assignment: fields a role may not set are ignored or refused, in the forms and in the API alike.

Every form that writes (found from the URL configuration: each page route that takes a POST) and every writable
API endpoint (the router's POST, PUT and PATCH) is sent twice, each time rolled back: once with a valid body, once
with the same body plus forged fields — ids, the acting and recording users, statuses and approvals, history
fields, computed figures (disbursed, balances, rates, ceilings), other objects' ids, a unit outside the scope. The
second request must have exactly the same effect on the database as the first (the forged fields are ignored), or
be refused with a 400 naming the field in Vietnamese and write nothing.

Then every field that chooses a unit or another scoped object is given one outside the user's scope: refused,
naming the field in Vietnamese, nothing written.
"""

import datetime
import json
import re

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.urls import resolve, reverse
from rest_framework import serializers

from beneficiaries import services as people
from beneficiaries.models import Household, PrestigiousPerson, TrainingCourse
from disbursement import services as ledger
from disbursement.models import Allocation
from geography.models import AdministrativeUnit
from programs.models import Project, SubProject
from reports.models import ReportJob
from tests.factories import unit

from .conftest import BOOKKEEPING_TABLES, MARKER, YEAR, _sheet, scoped_models
from .routes import PAGE, PUBLIC, ROUTE_LIST, ROUTES, Caller, Ref, requests_for

pytestmark = pytest.mark.django_db

VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)

# Fields nobody may set through a form or the API, whatever the model: forged on every write.
FORGED = [
    "id",
    "pk",
    "created_by",
    "updated_by",
    "requested_by",
    "uploaded_by",
    "reviewed_by",
    "actor",
    "user",
    "history_user",
    "history_date",
    "history_type",
    "history_change_reason",
    "created_at",
    "updated_at",
    "status",
    "to_status",
    "from_status",
    "approved",
    "approvals",
    "is_staff",
    "is_superuser",
    "is_active",
    "role",
    "unit",
    "unit_id",
    "province",
    "allocation",
    "person",
    "household",
    "training_course",
    "carried_from",
    "previous",
    "regime",
    "ceiling",
    "disbursed",
    "remaining",
    "rate",
    "balance",
    "progress",
    "checksum",
    "file",
    "figures",
    "attempts",
    "scheduled",
    "name_key",
    "participants_total",
    "overlaps",
    "data_as_of",
    "code_version",
]

# Page routes whose POST writes no program data (or only the user's own session): not part of this test.
NOT_PROGRAM_DATA = {
    "accounts:login",
    "accounts:logout",
    "accounts:password_change",
    "set_language",
    "api-token",
}
# A form posted from another page: the route → (the page that shows it, its name in that page's context).
FORM_SHOWN_ON = {
    "disbursement:disbursement_add": ("disbursement:allocation_detail", "disbursement_form"),
    "disbursement:period_action": ("disbursement:period_detail", "form"),
    "beneficiaries:support_add": ("beneficiaries:person_detail", "form"),
    "beneficiaries:household_support_add": ("beneficiaries:household_detail", "form"),
    "beneficiaries:course_participants": ("beneficiaries:course_detail", "form"),
    "reports:request": ("reports:list", "form"),
}
# A create form takes its values from the edit form of the dataset's object, changed where a second row must differ.
VALUES_FROM = {
    "disbursement:allocation_add": "disbursement:allocation_edit",
    "beneficiaries:person_add": "beneficiaries:person_edit",
    "beneficiaries:course_add": "beneficiaries:course_edit",
    "beneficiaries:household_add": "beneficiaries:household_edit",
    "beneficiaries:activity_add": "beneficiaries:activity_edit",
}
# Values a form needs beyond what it shows (a create form's blanks, a second row's own number).
VALUES = {
    "accounts:user_add": lambda o: {
        "username": "xa_moi_ma",
        "role": "commune",
        "unit": unit("01912", current=True).pk,
        "password": "Mật-khẩu-dài-2026!",
    },
    "disbursement:allocation_add": lambda o: {"decision_no": "101/KHAC"},
    "disbursement:allocation_adjust": lambda o: {
        "new_amount": "1.300.000.000",
        "decision_no": "102/DC",
        "decision_date": "2024-06-03",
    },
    "disbursement:disbursement_add": lambda o: {"amount": "1.000.000", "voucher_no": "KB-KHAC", "date": "2024-06-04"},
    "disbursement:period_action": lambda o: {"comment": "Lý do"},
    "disbursement:carry_over": lambda o: {"from_year": "2023", "decision_no": "7/CN", "decision_date": "2024-01-15"},
    "disbursement:import": lambda o: {"kind": "disbursements"},
    "disbursement:year_setting": lambda o: {"year": YEAR},
    "disbursement:plan_edit": lambda o: {"month_3": "200.000.000", "month_10": "100.000.000"},
    "beneficiaries:tet_season": lambda o: {"year": YEAR},
    "beneficiaries:import": lambda o: {"kind": "persons"},
    "beneficiaries:person_add": lambda o: {"full_name": "Lý Văn Khác", "birth_year": "1961"},
    "beneficiaries:support_add": lambda o: {
        "kind": "illness_visit",
        "hospital_level": "district",
        "date": "2024-04-02",
        "funded_by": "province",
    },
    "beneficiaries:course_add": lambda o: {"title": "Lớp khác"},
    "beneficiaries:course_participants": lambda o: {"persons": [o["second_person"].pk]},
    "beneficiaries:household_add": lambda o: {"head_id_number": "006180099992", "head_name": "Nông Văn Khác"},
    "beneficiaries:household_support_add": lambda o: {
        "kind": "health",
        "amount": "10.000.000",
        "date": "2024-06-05",
        "year": "2024",
        "funding_program": "ntp_1719",
        "project": Project.objects.get(code="DA1", program__phase=1).pk,
    },
    "beneficiaries:activity_add": lambda o: {"title": "Hội nghị khác"},
    "beneficiaries:review": lambda o: {"case": o["review"].case_key, "comment": "Đã xem lại"},
    "beneficiaries:household_search": lambda o: {"head_id_number": o["household"].head_id_number},
    "reports:request": lambda o: {"period": "year"},
}
UPLOADS = {"disbursement:import", "beneficiaries:import"}
# Who posts a route, when the district officer of Ba Bể may not (province staff approve and set the province's
# settings; only the uploader confirms an import).
ACTOR = {
    "accounts:user_add": "new_province",  # units valid today: those of the 2025 reform
    "disbursement:period_action": "province",
    "disbursement:year_setting": "province",
    "disbursement:carry_over": "province",
    "beneficiaries:tet_season": "province",
    "beneficiaries:review": "province",
    "reports:settings": "province",
    "disbursement:import_confirm": "commune",
    "beneficiaries:import_confirm": "commune",
}
# The forms whose valid body writes something: the forged copy of it must write the same, no more.
MUST_WRITE = {
    "accounts:user_add",
    "accounts:user_deactivate",
    "disbursement:allocation_add",
    "disbursement:allocation_edit",
    "disbursement:allocation_adjust",
    "disbursement:plan_edit",
    "disbursement:disbursement_add",
    "disbursement:disbursement_edit",
    "disbursement:disbursement_delete",
    "disbursement:period_action",
    "disbursement:year_setting",
    "disbursement:import",
    "beneficiaries:person_add",
    "beneficiaries:person_edit",
    "beneficiaries:support_add",
    "beneficiaries:support_edit",
    "beneficiaries:support_delete",
    "beneficiaries:course_add",
    "beneficiaries:course_edit",
    "beneficiaries:course_participants",
    "beneficiaries:tet_season",
    "beneficiaries:household_add",
    "beneficiaries:household_edit",
    "beneficiaries:household_support_add",
    "beneficiaries:household_support_edit",
    "beneficiaries:household_support_delete",
    "beneficiaries:activity_add",
    "beneficiaries:activity_edit",
    "beneficiaries:activity_delete",
    "beneficiaries:review",
    "beneficiaries:import",
    "reports:request",
    "reports:regenerate",
    "reports:settings",
}
# API bodies for a second row (POST): the dataset object's own values, changed where a second row must differ.
API_CREATE = {
    "allocation-list": {"decision_no": "101/KHAC"},
    "disbursement-list": {"voucher_no": "KB-KHAC", "amount": 1_000_000},
    "prestigious-person-list": {"full_name": "Lý Văn Khác", "birth_year": 1961},
    "support-activity-list": {
        "kind": "illness_visit",
        "hospital_level": "district",
        "date": "2024-04-02",
        "amount": None,
    },
    "household-list": {"head_id_number": "006180099992", "head_name": "Nông Văn Khác"},
    "household-support-list": {"kind": "health", "amount": 10_000_000, "date": "2024-06-05"},
    "report-list": {"level": "commune", "unit": "01888", "year": YEAR, "period": "year"},
    "household-search": {},
}
API_MUST_WRITE = {name for name in API_CREATE if name != "household-search"} | {
    name.replace("-list", "-detail") for name in API_CREATE if name not in {"report-list", "household-search"}
}

TALLY = {"forms": 0, "api": 0, "forged fields": 0, "scope fields": 0}


# --- What a request did to the database -----------------------------------------------------------------------


def _tables():
    """Every scoped model and its history; the bookkeeping (the access log of personal data) left out."""
    result = []
    for model in scoped_models():
        if model._meta.db_table.startswith(BOOKKEEPING_TABLES):
            continue
        result.append(model)
        if getattr(model, "history", None) is not None:
            result.append(model.history.model)
    return result


def _kept(field) -> bool:
    """Fields compared between two runs: not the timestamps, the stored file's name or a password's salt."""
    return not isinstance(field, models.DateTimeField | models.FileField) and field.attname not in {
        "password",
        "last_login",
    }


def snapshot() -> dict:
    state = {}
    for model in _tables():
        names = [f.attname for f in model._meta.concrete_fields if _kept(f) and not f.primary_key]
        state[model._meta.label] = {
            row[0]: row[1:] for row in model._default_manager.order_by("pk").values_list("pk", *names)
        }
    return state


def effect(before: dict, after: dict) -> dict:
    """What changed, comparable between two runs: rows added (new ids replaced by a placeholder), changed, deleted."""
    new = {label: set(after[label]) - set(before[label]) for label in after}
    result = {}
    for model in _tables():
        label = model._meta.label
        fields = [f for f in model._meta.concrete_fields if _kept(f) and not f.primary_key]
        targets = []
        for f in fields:
            target = f.related_model if f.is_relation else None
            if target is None and f.attname == "id" and hasattr(model, "instance_type"):
                target = model.instance_type  # a history row's id is its record's
            targets.append(target._meta.label if target is not None else None)

        def norm(row, targets=targets):
            return tuple("<new>" if t and v in new.get(t, ()) else v for t, v in zip(targets, row, strict=True))

        added = sorted((norm(after[label][pk]) for pk in new[label]), key=repr)
        changed = {
            pk: norm(after[label][pk])
            for pk in before[label]
            if pk in after[label] and before[label][pk] != after[label][pk]
        }
        deleted = sorted(set(before[label]) - set(after[label]))
        if added or changed or deleted:
            result[label] = {"added": added, "changed": changed, "deleted": deleted}
    return result


def attempt(send, *args) -> tuple:
    """(response, effect) of `send(*args)`, rolled back."""
    with transaction.atomic():
        before = snapshot()
        response = send(*args)
        after = snapshot()
        transaction.set_rollback(True)
    return response, effect(before, after)


def vietnamese_errors(errors, name) -> bool:
    messages = errors.get(name) if isinstance(errors, dict) else None
    return bool(messages) and all(VIETNAMESE.search(str(m)) for m in messages)


# --- The dataset, and objects of another district -----------------------------------------------------------------


@pytest.fixture(scope="module")
def objects(dataset):
    """The dataset's objects, a second person in Chợ Rã (for a course), and objects of a commune of Chợ Đồn (064),
    outside the Ba Bể officer's scope."""
    province = dataset.insiders["province"]
    o = dict(dataset.objects)
    elsewhere = AdministrativeUnit.objects.filter(parent=unit("064"), valid_to__isnull=False).order_by("code").first()
    o["second_person"] = people.person_create(
        actor=province,
        full_name="Lý Thị Hai",
        gender="female",
        birth_year=1965,
        ethnic_group=o["ethnic_group"],
        unit=o["unit"],
        community_role="village_elder",
        term_start=2023,
        term_end=2027,
    )
    outside = {"unit": elsewhere, "user": dataset.outsiders["province"]}
    outside["allocation"] = ledger.allocation_create(
        actor=province,
        year=YEAR,
        project=o["project"],
        subproject=SubProject.objects.get(code="DA4.TDA1"),
        unit=elsewhere,
        capital_type="investment",
        source="central",
        origin_year=YEAR,
        amount=500_000_000,
        decision_no="55/CD",
        decision_date=datetime.date(YEAR, 2, 1),
        decision_body="UBND tỉnh Bắc Kạn",
    )
    outside["person"] = people.person_create(
        actor=province,
        full_name="Hà Văn Ngoài",
        gender="male",
        birth_year=1955,
        ethnic_group=o["ethnic_group"],
        unit=elsewhere,
        community_role="village_elder",
        term_start=2023,
        term_end=2027,
    )
    outside["household"] = people.household_create(
        actor=province,
        head_name="Hà Thị Ngoài",
        head_id_number="006180088881",
        ethnic_group=o["ethnic_group"],
        unit=elsewhere,
        members=3,
        poverty_status="poor",
        poverty_year=2023,
    )
    outside["course"] = people.training_course_create(
        actor=province,
        title="Lớp Chợ Đồn",
        unit=elsewhere,
        start_date=datetime.date(YEAR, 3, 12),
        end_date=datetime.date(YEAR, 3, 14),
        funded_by="province",
    )
    o["second_allocation"] = ledger.allocation_create(
        actor=province,
        year=YEAR,
        project=o["project"],
        subproject=SubProject.objects.get(code="DA4.TDA1"),
        unit=o["unit"],
        capital_type="investment",
        source="local",
        origin_year=YEAR,
        amount=100_000_000,
        decision_no="56/CR",
        decision_date=datetime.date(YEAR, 2, 1),
        decision_body="UBND tỉnh Bắc Kạn",
    )
    o["second_household"] = people.household_create(
        actor=province,
        head_name="Nông Văn Hai",
        head_id_number="006180099993",
        ethnic_group=o["ethnic_group"],
        unit=o["unit"],
        members=4,
        poverty_status="near_poor",
        poverty_year=2023,
    )
    o["outside"] = outside
    return o


def outside_value(model, outside, *, api: bool):
    """An object of `model` outside the Ba Bể officer's scope, as a form or the API names it."""
    if model is AdministrativeUnit:
        return outside["unit"].code if api else outside["unit"].pk
    by_model = {
        Allocation: "allocation",
        PrestigiousPerson: "person",
        Household: "household",
        TrainingCourse: "course",
        type(outside["user"]): "user",
    }
    key = by_model.get(model)
    return outside[key].pk if key else None


def forged_value(name, model, outside, *, api: bool):
    """A value for a forged field: another unit's object for a relation, a status the row does not have…"""
    field = None
    if model is not None:
        field = next((f for f in model._meta.concrete_fields if name in {f.name, f.attname}), None)
    if name in {"id", "pk"}:
        return 987_654_321
    if name in {
        "created_by",
        "updated_by",
        "requested_by",
        "uploaded_by",
        "reviewed_by",
        "actor",
        "user",
        "history_user",
    }:
        return outside["user"].pk
    if name in {"unit", "unit_id", "province"}:
        return outside_value(AdministrativeUnit, outside, api=api)
    if name in {"status", "to_status"}:
        return "approved"
    if name in {"is_staff", "is_superuser", "is_active", "approved", "scheduled"}:
        return True if api else "on"
    if name == "role":
        return "admin"
    if field is not None and field.is_relation:
        return outside_value(field.related_model, outside, api=api) or 987_654
    if field is not None and field.choices:
        return field.choices[-1][0]
    if isinstance(field, models.DateTimeField) or name in {"created_at", "updated_at", "history_date", "data_as_of"}:
        return "2001-01-01T00:00:00"
    if isinstance(field, models.DateField):
        return "2001-01-02"
    if isinstance(field, models.DecimalField) or name == "rate":
        return "99.9"
    if isinstance(field, models.JSONField) or name in {"approvals", "figures"}:
        return {"forged": True} if api else json.dumps({"forged": True})
    if isinstance(field, models.CharField | models.TextField) or name in {"checksum", "file", "code_version"}:
        return f"FORGED-{MARKER}"
    return 987_654


def extras(names, model, outside, *, api: bool) -> dict:
    values = {name: forged_value(name, model, outside, api=api) for name in names}
    TALLY["forged fields"] += len(values)
    return values


# --- Forms ---------------------------------------------------------------------------------------------------------


def form_data(form) -> dict:
    """What the form would post as shown: each field's value as its widget renders it."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.FileField) or value in (None, "", []):
            continue
        if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
            data[name] = [str(v.pk if isinstance(v, models.Model) else v) for v in value]
        elif isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        else:
            shown = field.widget.format_value(value)
            data[name] = shown[0] if isinstance(shown, list) else shown
    return data


def post_routes():
    return [
        r
        for r in ROUTE_LIST
        if not r.api and "POST" in r.methods and r.target != PUBLIC and r.name not in NOT_PROGRAM_DATA
    ]


def target_model(route):
    target = ROUTES.get(route.name)
    if target in (PAGE, PUBLIC, None) or isinstance(target, Ref):
        return getattr(route.view, "model", None)
    return None


def _page_form(caller, route_name, context_key, objects, url_kwargs):
    route = next(r for r in ROUTE_LIST if r.name == route_name)
    url = reverse(route_name, kwargs=url_kwargs) if route.kwargs else reverse(route_name)
    response = caller.client.get(url)
    assert response.status_code == 200, (route_name, response.status_code)
    return response.context[context_key]


def form_request(route, url, caller, objects):
    """(the form or None, a valid body) for a page route."""
    url_kwargs = resolve(url).kwargs
    form = None
    if route.name in FORM_SHOWN_ON:
        page, key = FORM_SHOWN_ON[route.name]
        page_kwargs = {"pk": url_kwargs["pk"]} if "pk" in url_kwargs else {}
        form = _page_form(caller, page, key, objects, page_kwargs)
    elif "GET" in route.methods:
        response = caller.client.get(url)
        if response.status_code == 200 and response.context is not None:
            form = response.context.get("form")
    data = form_data(form) if form is not None else {}
    if route.name in VALUES_FROM:
        source = VALUES_FROM[route.name]
        data = {**data, **form_data(_page_form(caller, source, "form", objects, {"pk": objects[ROUTES[source]].pk}))}
    data.update(
        {k: v if isinstance(v, list) else str(v) for k, v in VALUES.get(route.name, lambda o: {})(objects).items()}
    )
    return form, data


def _post(caller, url, data, upload):
    if upload:
        data = {**data, "file": SimpleUploadedFile(f"{MARKER}.xlsx", _upload_bytes(data.get("kind")))}
    return caller.client.post(url, data)


def _upload_bytes(kind):
    from beneficiaries.excel.columns import PERSON_COLUMNS
    from disbursement.excel.columns import DISBURSEMENT_COLUMNS

    return _sheet(PERSON_COLUMNS if kind == "persons" else DISBURSEMENT_COLUMNS)


def _actor(dataset, route):
    return dataset.insiders[ACTOR.get(route.name, "district")]


def test_forged_fields_in_forms_change_nothing(dataset, objects):
    outside = objects["outside"]
    problems, wrote = [], set()
    callers = {}
    for route in post_routes():
        actor = _actor(dataset, route)
        caller = callers.setdefault(actor.pk, Caller(actor))
        for _method, url in requests_for(route, dataset):
            if _method != "POST":
                continue
            form, data = form_request(route, url, caller, objects)
            upload = route.name in UPLOADS
            base, base_effect = attempt(_post, caller, url, data, upload)
            fields = set(form.fields) if form is not None else set()
            model = target_model(route) or _model_of(route, dataset)
            names = set(FORGED) | {f.name for f in model._meta.concrete_fields} if model else set(FORGED)
            forged_data = {**data, **extras(sorted(names - fields - set(data)), model, outside, api=False)}
            forged, forged_effect = attempt(_post, caller, url, forged_data, upload)
            TALLY["forms"] += 1
            if base.status_code >= 500 or forged.status_code != base.status_code or forged_effect != base_effect:
                problems.append(
                    f"POST {url}: {base.status_code} → {forged.status_code}; "
                    f"{sorted(base_effect)} → {sorted(forged_effect)}"
                )
            if base_effect:
                wrote.add(route.name)
    assert problems == []
    assert MUST_WRITE - wrote == set()


def _model_of(route, dataset):
    target = ROUTES.get(route.name)
    if target in (PAGE, PUBLIC, None) or isinstance(target, Ref):
        return None
    return type(dataset[target])


def _scoped_choice_fields(form):
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        model = queryset.model if queryset is not None else None
        if model is not None and hasattr(model, "scope_lookup"):
            yield name, model
        elif name == "unit":
            yield name, AdministrativeUnit


def test_a_form_refuses_a_unit_or_an_object_outside_the_scope(dataset, objects):
    outside = objects["outside"]
    problems, tried = [], []
    callers = {}
    for route in post_routes():
        actor = _actor(dataset, route)
        caller = callers.setdefault(actor.pk, Caller(actor))
        for method, url in requests_for(route, dataset):
            if method != "POST":
                continue
            form, data = form_request(route, url, caller, objects)
            if form is None:
                continue
            for name, model in _scoped_choice_fields(form):
                value = outside_value(model, outside, api=False)
                bad = {
                    **data,
                    name: [str(value)] if isinstance(form.fields[name], forms.ModelMultipleChoiceField) else str(value),
                }
                response, done = attempt(caller.client.post, url, bad)
                TALLY["scope fields"] += 1
                tried.append(f"{route.name}.{name}")
                errors = response.context["form"].errors if response.context and "form" in response.context else {}
                key = FORM_SHOWN_ON.get(route.name, (None, "form"))[1]
                if response.context and key in response.context:
                    errors = response.context[key].errors
                if done or response.status_code >= 500 or not vietnamese_errors(errors, name):
                    problems.append(f"POST {url} {name}={value}: {response.status_code} {dict(errors)} {sorted(done)}")
    assert problems == []
    assert {
        "disbursement:allocation_add.unit",
        "beneficiaries:person_add.unit",
        "accounts:user_add.unit",
        "beneficiaries:course_participants.persons",
        "reports:request.unit",
    } <= set(tried)


def test_a_user_cannot_give_a_role_it_does_not_manage(dataset, objects):
    district = Caller(dataset.insiders["district"])
    url = reverse("accounts:user_add")
    for role in ("admin", "province", "leader", "district"):
        data = {
            "username": f"nguoi_{role}",
            "role": role,
            "unit": objects["unit"].pk,
            "password": "Mật-khẩu-dài-2026!",
            "is_staff": "on",
            "is_superuser": "on",
        }
        response, done = attempt(district.client.post, url, data)
        assert response.status_code == 200, role
        assert vietnamese_errors(response.context["form"].errors, "role"), role
        assert done == {}, role


# --- API -----------------------------------------------------------------------------------------------------------


def api_routes():
    return [r for r in ROUTE_LIST if r.api and r.target != PUBLIC and {"POST", "PUT", "PATCH"} & set(r.methods)]


def _serializer_fields(route):
    serializer_class = getattr(route.view, "serializer_class", None)
    if serializer_class is None:
        return {}, set()
    fields = serializer_class().fields
    writable = {name: f for name, f in fields.items() if not f.read_only}
    return writable, {name for name, f in fields.items() if f.read_only}


def _detail_of(route):
    name = route.name.replace("-list", "-detail")
    return next((r for r in ROUTE_LIST if r.name == name and "format" not in r.kwargs), None)


def api_body(route, caller, objects):
    """A valid body: the dataset object's own writable values (as the API shows them), changed for a second row."""
    writable, _read_only = _serializer_fields(route)
    if route.name in {"report-list", "household-search"}:
        return (
            dict(API_CREATE[route.name])
            if route.name == "report-list"
            else {"head_id_number": objects["household"].head_id_number}
        )
    detail = _detail_of(route) if route.name.endswith("-list") else route
    obj = objects[ROUTES[detail.name]]
    shown = caller.client.get(reverse(detail.name, kwargs={"pk": obj.pk}), headers=caller.api_headers).json()
    body = {name: shown[name] for name in writable if name in shown}
    if route.name.endswith("-list"):
        body.update(API_CREATE.get(route.name, {}))
    return body


def _send(caller, method, url, body):
    return caller.client.generic(
        method, url, json.dumps(body), content_type="application/json", headers=caller.api_headers
    )


def _api_model(route):
    return getattr(route.view, "model", None)


def test_forged_fields_in_the_api_change_nothing(dataset, objects):
    caller = Caller(dataset.insiders["district"])
    outside = objects["outside"]
    problems, wrote = [], set()
    for route in api_routes():
        writable, read_only = _serializer_fields(route)
        model = _api_model(route)
        names = set(FORGED) | read_only | ({f.name for f in model._meta.concrete_fields} if model else set())
        for method, url in requests_for(route, dataset):
            if method not in {"POST", "PUT", "PATCH"}:
                continue
            body = api_body(route, caller, objects)
            base, base_effect = attempt(_send, caller, method, url, body)
            forged_body = {**body, **extras(sorted(names - set(writable) - set(body)), model, outside, api=True)}
            forged, forged_effect = attempt(_send, caller, method, url, forged_body)
            TALLY["api"] += 1
            same = forged.status_code == base.status_code and forged_effect == base_effect
            refused = (
                forged.status_code == 400
                and not forged_effect
                and any(vietnamese_errors(forged.json(), name) for name in forged_body if name not in body)
            )
            if base.status_code >= 500 or not (same or refused):
                problems.append(
                    f"{method} {url}: {base.status_code} → {forged.status_code} {forged.content[:300]!r}; "
                    f"{sorted(base_effect)} → {sorted(forged_effect)}"
                )
            if base_effect:
                wrote.add(route.name)
    assert problems == []
    assert API_MUST_WRITE - wrote == set()


def test_the_api_refuses_a_unit_or_an_object_outside_the_scope(dataset, objects):
    caller = Caller(dataset.insiders["district"])
    outside = objects["outside"]
    problems, tried = [], set()
    for route in api_routes():
        if not route.name.endswith(("-list", "-detail")):
            continue  # an action with its own body (the household search)
        writable, _read_only = _serializer_fields(route)
        for name, field in writable.items():
            related = field if isinstance(field, serializers.RelatedField) else None
            model = related.queryset.model if related is not None and related.queryset is not None else None
            model = getattr(field, "scoped_model", model)
            if model is None and type(field).__name__ == "ScopedUnitField":
                model = AdministrativeUnit
            if model is None or not hasattr(model, "scope_lookup"):
                continue
            value = outside_value(model, outside, api=True)
            for method, url in requests_for(route, dataset):
                if method not in {"POST", "PUT", "PATCH"}:
                    continue
                body = {**api_body(route, caller, objects), name: value}
                response, done = attempt(_send, caller, method, url, body)
                TALLY["scope fields"] += 1
                tried.add(f"{route.name}.{name}")
                payload = response.json() if response.status_code == 400 else {}
                if response.status_code != 400 or done or not vietnamese_errors(payload, name):
                    problems.append(f"{method} {url} {name}={value}: {response.status_code} {payload} {sorted(done)}")
    assert problems == []
    assert {
        "allocation-list.unit",
        "disbursement-list.allocation",
        "support-activity-detail.person",
        "household-support-list.household",
        "support-activity-list.training_course",
    } <= tried


@pytest.mark.parametrize(
    ("name", "field", "other"),
    [
        ("disbursement-detail", "allocation", "second_allocation"),
        ("support-activity-detail", "person", "second_person"),
        ("household-support-detail", "household", "second_household"),
    ],
)
def test_an_entry_cannot_be_moved_to_another_record_of_the_scope(dataset, objects, name, field, other):
    """A disbursement stays on its allocation, a support on its person or household: another one of the same unit
    is refused with a 400 that names the field (delete and record again), nothing written."""
    caller = Caller(dataset.insiders["district"])
    route = next(r for r in ROUTE_LIST if r.name == name and "format" not in r.kwargs)
    url = reverse(name, kwargs={"pk": objects[ROUTES[name]].pk})
    for method in ("PUT", "PATCH"):
        body = {**api_body(route, caller, objects), field: objects[other].pk}
        response, done = attempt(_send, caller, method, url, body)
        assert response.status_code == 400, response.content
        assert vietnamese_errors(response.json(), field)
        assert done == {}


def test_a_case_of_another_province_cannot_be_reviewed(dataset, objects):
    """The review form names its case by key, not by a choice: another province's officer posting the key of a case
    of Ba Bể gets a 404 (as for a key that names no case), and nothing is written."""
    caller = Caller(dataset.outsiders["province"])
    url = reverse("beneficiaries:review")
    for key in (objects["review"].case_key, "support_overlap:987654321"):
        response, done = attempt(caller.client.post, url, {"case": key, "comment": "Đã xem"})
        assert response.status_code == 404, key
        assert done == {}


def test_a_report_of_a_unit_outside_the_scope_is_not_found(dataset, objects):
    caller = Caller(dataset.insiders["district"])
    body = {
        "level": "commune",
        "unit": objects["outside"]["unit"].code,
        "year": YEAR,
        "period": "year",
        "status": "done",
        "requested_by": objects["outside"]["user"].pk,
    }
    response, done = attempt(_send, caller, "POST", reverse("report-list"), body)
    assert response.status_code == 404
    assert VIETNAMESE.search(response.json()["detail"])
    assert done == {}
    assert not ReportJob.objects.filter(unit=objects["outside"]["unit"]).exists()


@pytest.fixture(scope="module", autouse=True)
def summary():
    yield
    line = (
        f"mass assignment: {TALLY['forms']} form posts and {TALLY['api']} API writes sent twice (valid, then with "
        f"{TALLY['forged fields']} forged fields in all), {TALLY['scope fields']} out-of-scope choices refused"
    )
    print("\n" + line)  # noqa: T201 - the figure docs/security.md quotes (pytest -s shows it)
