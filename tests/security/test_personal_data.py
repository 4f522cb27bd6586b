"""Personal data (Decree 13/2023/NĐ-CP): citizen ID numbers masked for the roles that do not need them, on every
page, in the API and in exports; searched by POST only, never in a URL or a log; every view, search and export
written to an append-only access log that province staff and administrators read for their scope."""

import datetime
import io
import json
import logging
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.scope import can_read_access_log, can_see_personal_data
from beneficiaries import append_only, services
from beneficiaries.excel.columns import HOUSEHOLD_COLUMNS
from beneficiaries.models import EthnicGroup, ImportBatch, PersonalDataAccess
from beneficiaries.personal_data import mask_id_number
from ethnic_portal import clock
from tests.factories import UserFactory, VillageFactory, unit

pytestmark = pytest.mark.django_db

NUMBER = "006180001234"
MASKED = "0061******34"
OTHER_NUMBER = "006190004321"
TODAY = datetime.date(2024, 7, 15)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

SEES = ["district_user", "commune_user"]  # enter and verify people: the full number
MASKED_FOR = ["province_user", "leader", "national_user"]  # figures and reviews: the number masked


@pytest.fixture
def today():
    with clock.as_of(TODAY):
        yield TODAY


@pytest.fixture
def village(reference_data):
    return VillageFactory(
        parent=unit("01888"), code="01888.91", name="Bản Thử Một", valid_to=datetime.date(2025, 6, 30)
    )


@pytest.fixture
def household(today, village, commune_user):
    return services.household_create(
        actor=commune_user,
        head_name="Nông Thị Lan",
        head_id_number=NUMBER,
        ethnic_group=EthnicGroup.objects.get(code="02"),
        unit=village,
        members=5,
        poverty_status="poor",
        poverty_year=2023,
        note="",
    )


@pytest.fixture
def person(today, village, commune_user):
    return services.person_create(
        actor=commune_user,
        full_name="Hoàng Văn Thắng",
        gender="male",
        birth_year=1958,
        ethnic_group=EthnicGroup.objects.get(code="02"),
        unit=village,
        community_role="village_elder",
        term_start=2023,
        term_end=2027,
    )


def persona(request, name):
    return request.getfixturevalue(name)


def log_rows(**filters):
    return list(PersonalDataAccess.objects.filter(**filters).order_by("pk"))


def no_number_anywhere_in_the_log():
    rows = PersonalDataAccess.objects.values()
    assert NUMBER not in json.dumps(list(rows), default=str)


# --- The policy, stated once ----------------------------------------------------------------------------------------


def test_masking_keeps_enough_to_tell_records_apart():
    assert mask_id_number(NUMBER) == MASKED
    assert mask_id_number("006180001235") != MASKED
    assert mask_id_number("") == ""
    assert mask_id_number(None) == ""
    assert mask_id_number("12345") == "***45"
    assert set(mask_id_number("1234")) == {"*"}


@pytest.mark.parametrize(
    ("name", "sees", "reads_log"),
    [
        ("commune_user", True, False),
        ("district_user", True, False),
        ("province_user", False, True),
        ("leader", False, False),
        ("admin_user", False, True),
        ("other_commune_user", False, False),  # another commune's record: outside the scope
        ("other_district_user", False, False),
    ],
)
def test_who_sees_personal_data_and_who_reads_the_log(request, village, name, sees, reads_log):
    user = persona(request, name)
    assert can_see_personal_data(user, village) is sees
    assert can_read_access_log(user) is reads_log


def test_no_template_prints_an_id_number_without_the_masking_tag():
    """`{{ x.head_id_number }}` anywhere in a template would show the number to every role: use {% id_number x %}."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\{\{[^}]*head_id_number", line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{number}")
    assert offenders == []


# --- Masking on pages -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEES + MASKED_FOR)
def test_household_page_and_list_show_the_number_as_the_role_may_see_it(request, client_as, household, name):
    client = client_as(persona(request, name))
    for url in (household.get_absolute_url(), reverse("beneficiaries:household_list")):
        text = client.get(url).content.decode()
        assert "Nông Thị Lan" in text
        if name in SEES:
            assert NUMBER in text, url
        else:
            assert NUMBER not in text, url
            assert MASKED in text, url


def test_history_rows_mask_an_old_and_a_new_number(client_as, household, district_user, province_user, today):
    services.household_update(
        actor=district_user,
        household=household,
        **{
            **{f: getattr(household, f) for f in services.households.HOUSEHOLD_FIELDS},
            "head_id_number": OTHER_NUMBER,
        },
    )
    province_page = client_as(province_user).get(household.get_absolute_url()).content.decode()
    assert NUMBER not in province_page
    assert OTHER_NUMBER not in province_page
    assert MASKED in province_page
    assert mask_id_number(OTHER_NUMBER) in province_page
    district_page = client_as(district_user).get(household.get_absolute_url()).content.decode()
    assert NUMBER in district_page
    assert OTHER_NUMBER in district_page


def test_the_review_page_masks_the_numbers_of_duplicate_households(
    client_as, household, village, commune_user, province_user, district_user
):
    services.household_create(
        actor=commune_user,
        head_name="NÔNG THỊ LAN",  # the same name in the same village: a duplicate case
        head_id_number="006180001235",
        ethnic_group=household.ethnic_group,
        unit=village,
        members=4,
        poverty_status="near_poor",
        poverty_year=2023,
        note="",
    )
    url = reverse("beneficiaries:review") + "?type=household_duplicate"
    page = client_as(province_user).get(url).content.decode()
    assert MASKED in page
    assert "0061******35" in page
    assert NUMBER not in page
    assert "006180001235" not in page
    assert NUMBER in client_as(district_user).get(url).content.decode()


def test_the_edit_form_shows_province_staff_the_masked_number_and_keeps_it(client_as, household, province_user):
    client = client_as(province_user)
    url = reverse("beneficiaries:household_edit", args=[household.pk])
    page = client.get(url).content.decode()
    assert NUMBER not in page
    assert MASKED in page
    form = {
        "head_name": household.head_name,
        "head_id_number": MASKED,  # sent back as shown: unchanged
        "ethnic_group": household.ethnic_group_id,
        "unit": household.unit_id,
        "members": 6,
        "poverty_status": "poor",
        "poverty_year": 2023,
        "note": "",
    }
    assert client.post(url, form).status_code == 302
    household.refresh_from_db()
    assert (household.head_id_number, household.members) == (NUMBER, 6)
    assert client.post(url, {**form, "head_id_number": OTHER_NUMBER}).status_code == 302
    household.refresh_from_db()
    assert household.head_id_number == OTHER_NUMBER


def test_the_import_result_and_its_stored_record_carry_no_id_number(client_as, commune_user, village, today):
    workbook = Workbook()
    workbook.active.append([c.header for c in HOUSEHOLD_COLUMNS])
    workbook.active.append(["Lý Văn Páo", NUMBER, "02", village.code, 4, "Hộ nghèo", 2023, ""])
    workbook.active.append(["Lý Văn Sáu", "00618000123A", "02", village.code, 4, "Hộ nghèo", 2023, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_as(commune_user)
    upload = SimpleUploadedFile("ho.xlsx", buffer.getvalue())
    response = client.post(reverse("beneficiaries:import"), {"kind": "households", "file": upload}, follow=True)
    batch = ImportBatch.objects.get()
    stored = json.dumps(batch.result, ensure_ascii=False)
    assert "00618000123" not in stored  # neither the good number nor the malformed one
    assert "Số định danh chỉ gồm chữ số." in stored
    assert "00618000123" not in response.content.decode()
    # the good row alone: previewed with the number masked
    workbook.active.delete_rows(3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("ho.xlsx", buffer.getvalue())
    page = client.post(reverse("beneficiaries:import"), {"kind": "households", "file": upload}, follow=True)
    batch = ImportBatch.objects.latest("pk")
    assert batch.result["ok"]
    assert MASKED in json.dumps(batch.result, ensure_ascii=False)
    assert NUMBER not in json.dumps(batch.result)
    assert NUMBER not in page.content.decode()


# --- Masking in the API ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SEES + MASKED_FOR)
def test_the_api_shows_the_number_as_the_role_may_see_it(request, api_as, household, name):
    api = api_as(persona(request, name))
    detail = api.get(f"/api/v1/households/{household.pk}/").json()
    listed = api.get("/api/v1/households/").json()["results"]
    expected = NUMBER if name in SEES else MASKED
    assert detail["head_id_number"] == expected
    assert [row["head_id_number"] for row in listed] == [expected]


def test_province_staff_may_send_the_masked_number_back_unchanged(api_as, household, province_user):
    api = api_as(province_user)
    body = api.get(f"/api/v1/households/{household.pk}/").json()
    response = api.put(f"/api/v1/households/{household.pk}/", {**body, "members": 7}, format="json")
    assert response.status_code == 200, response.content
    household.refresh_from_db()
    assert (household.head_id_number, household.members) == (NUMBER, 7)
    bad = api.patch(f"/api/v1/households/{household.pk}/", {"head_id_number": "0061******99"}, format="json")
    assert bad.status_code == 400
    assert "chữ số" in bad.json()["head_id_number"][0]


# --- Masking in exports ---------------------------------------------------------------------------------------------


def _sheet_rows(response):
    book = load_workbook(io.BytesIO(response.getvalue()), read_only=True)  # a streamed FileResponse
    return [list(row) for row in book.active.iter_rows(values_only=True)]


@pytest.mark.parametrize("name", SEES + MASKED_FOR)
def test_the_household_export_is_scoped_masked_and_logged(request, client_as, household, other_district_user, name):
    elsewhere = unit("064").children.order_by("code").first()
    services.household_create(
        actor=other_district_user,
        head_name="Hộ Chợ Đồn",
        head_id_number=OTHER_NUMBER,
        ethnic_group=household.ethnic_group,
        unit=elsewhere,
        members=3,
        poverty_status="none",
        poverty_year=None,
        note="",
    )
    user = persona(request, name)
    response = client_as(user).get(reverse("beneficiaries:household_export"), {"poverty_status": "poor"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = _sheet_rows(response)
    numbers = [row[header.index("Số định danh (CCCD) chủ hộ")] for row in rows]
    names = [row[header.index("Họ tên chủ hộ")] for row in rows]
    assert names == ["Nông Thị Lan"]  # the other district's household is not exported, even by the province
    assert numbers == [NUMBER if name in SEES else MASKED]
    assert [row[header.index("Phân loại hộ")] for row in rows] == ["Hộ nghèo"]
    [row] = log_rows(user=user, action="export")
    assert (row.subject, row.record_count, row.object_id) == ("household", 1, None)


def test_the_person_export_and_the_support_template_are_logged(client_as, person, province_user, district_user):
    response = client_as(province_user).get(reverse("beneficiaries:person_export"))
    header, *rows = _sheet_rows(response)
    assert [row[header.index("Họ và tên")] for row in rows] == ["Hoàng Văn Thắng"]
    assert [(row[header.index("Giới tính")], row[header.index("Năm sinh")]) for row in rows] == [("Nam", 1958)]
    [row] = log_rows(user=province_user, action="export")
    assert (row.subject, row.record_count) == ("person", 1)
    # The support template lists the persons of the scope on a reference sheet: an export of people too.
    template = client_as(district_user).get(reverse("beneficiaries:import_template", args=["person_supports"]))
    assert template.status_code == 200
    [row] = log_rows(user=district_user, action="export")
    assert (row.subject, row.record_count) == ("person", 1)
    client_as(district_user).get(reverse("beneficiaries:import_template", args=["households"]))
    assert len(log_rows(user=district_user, action="export")) == 1  # no people in that template


# --- Search by POST only: no number in any URL or log ---------------------------------------------------------------


def _addresses(response) -> list[str]:
    """Everything an access log writes of the requests of a response: method, path, query string and Referer
    (gunicorn's `%(r)s` and `%(f)s`), for the response and every redirect it followed."""
    seen = [f"{url} {code}" for url, code in getattr(response, "redirect_chain", [])]
    environ = response.request
    seen.append(
        " ".join(str(environ.get(key, "")) for key in ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "HTTP_REFERER"))
    )
    return seen


@pytest.mark.parametrize("name", SEES + MASKED_FOR)
def test_search_by_id_number_is_a_post_with_the_number_in_no_url(request, client_as, household, name, caplog):
    user = persona(request, name)
    client = client_as(user)
    list_page = client.get(reverse("beneficiaries:household_list")).content.decode()
    search_url = reverse("beneficiaries:household_search")
    assert re.search(rf'<form method="post" action="{search_url}"', list_page)
    with caplog.at_level(logging.DEBUG):
        response = client.post(search_url, {"head_id_number": NUMBER}, follow=True, HTTP_REFERER="http://testserver/")
    assert response.status_code == 200
    assert response.redirect_chain == []  # answered in place, not redirected to an address carrying the number
    assert not any(NUMBER in seen for seen in _addresses(response))
    page = response.content.decode()
    assert household.get_absolute_url() in page
    assert (NUMBER if name in SEES else MASKED) in page
    if name not in SEES:
        assert NUMBER not in page  # the number typed is not echoed back into the form
    [row] = log_rows(user=user, action="search")
    assert (row.subject, row.record_count, row.object_id) == ("household", 1, None)
    assert NUMBER not in caplog.text
    no_number_anywhere_in_the_log()


def test_search_outside_the_scope_finds_nothing_and_is_logged(client_as, household, other_district_user):
    response = client_as(other_district_user).post(
        reverse("beneficiaries:household_search"), {"head_id_number": NUMBER}
    )
    assert household.get_absolute_url() not in response.content.decode()
    assert "Không có hộ nào có số định danh này trong địa bàn của bạn." in response.content.decode()
    [row] = log_rows(user=other_district_user, action="search")
    assert row.record_count == 0


def test_a_malformed_search_is_refused_in_vietnamese_and_not_run(client_as, household, commune_user):
    response = client_as(commune_user).post(reverse("beneficiaries:household_search"), {"head_id_number": "123"})
    assert response.status_code == 400
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số (đang có 3)." in response.content.decode()
    assert log_rows(action="search") == []


def test_get_on_the_search_address_goes_back_to_the_list(client_as, commune_user):
    response = client_as(commune_user).get(reverse("beneficiaries:household_search"))
    assert response.status_code == 302
    assert response.url == reverse("beneficiaries:household_list")


def test_the_list_filter_refuses_an_id_number_in_its_query_string(client_as, api_as, household, commune_user):
    page = client_as(commune_user).get(reverse("beneficiaries:household_list"), {"q": NUMBER}).content.decode()
    assert "Không tìm số định danh ở ô này" in page
    api = api_as(commune_user)
    for params in ({"q": NUMBER}, {"head_id_number": NUMBER}):
        response = api.get("/api/v1/households/", params)
        assert response.status_code == 400, params
        assert "POST /api/v1/households/search/" in json.dumps(response.json(), ensure_ascii=False)
    assert api.get("/api/v1/households/", {"q": "nông thị"}).json()["count"] == 1  # names still filter


@pytest.mark.parametrize("name", SEES + MASKED_FOR)
def test_the_api_searches_by_post(request, api_as, household, name, caplog):
    user = persona(request, name)
    api = api_as(user)
    with caplog.at_level(logging.DEBUG):
        response = api.post("/api/v1/households/search/", {"head_id_number": NUMBER}, format="json")
        refused = api.post("/api/v1/households/search/", {"head_id_number": NUMBER[:-1]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == household.pk
    assert body["results"][0]["head_id_number"] == (NUMBER if name in SEES else MASKED)
    assert NUMBER not in response.request["PATH_INFO"] + response.request["QUERY_STRING"]
    assert refused.status_code == 400
    assert refused.json() == {"head_id_number": ["Số định danh cá nhân phải gồm đúng 12 chữ số (đang có 11)."]}
    [row] = log_rows(user=user, action="api_search")
    assert (row.subject, row.record_count) == ("household", 1)
    assert NUMBER not in caplog.text
    assert NUMBER[:-1] not in caplog.text
    no_number_anywhere_in_the_log()


def test_the_api_search_answers_with_the_format_suffix_too(api_as, household, district_user):
    api = api_as(district_user)
    response = api.post("/api/v1/households/search.json", {"head_id_number": NUMBER}, format="json")
    assert response.status_code == 200
    assert response.json()["results"][0]["head_id_number"] == NUMBER
    assert api.post("/api/v1/households/search.json").status_code == 400


def test_the_api_search_is_refused_to_roles_that_read_no_program_data(api_as, admin_user, api_client, household):
    assert (
        api_as(admin_user).post("/api/v1/households/search/", {"head_id_number": NUMBER}, format="json").status_code
        == 403
    )
    assert api_client.post("/api/v1/households/search/", {"head_id_number": NUMBER}, format="json").status_code in {
        401,
        403,
    }
    assert log_rows() == []


def test_the_schema_documents_the_search_as_a_post(api_as, commune_user):
    schema = api_as(commune_user).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert set(schema["paths"]["/api/v1/households/search/"]) == {"post"}
    listing = schema["paths"]["/api/v1/households/"]["get"]["parameters"]
    assert "head_id_number" not in {p["name"] for p in listing}


# --- The access log: a row for every view, search and export --------------------------------------------------------


def test_viewing_a_record_writes_a_log_row(client_as, api_as, household, person, commune_user, province_user):
    client = client_as(commune_user)
    client.get(household.get_absolute_url())
    client.get(person.get_absolute_url())
    client.get(reverse("beneficiaries:household_edit", args=[household.pk]))
    api = api_as(province_user)
    api.get(f"/api/v1/households/{household.pk}/")
    api.get(f"/api/v1/prestigious-persons/{person.pk}/")
    api.get("/api/v1/households/")  # a list is not a record view (an export is logged as one)
    rows = [(r.username, r.role, r.unit.code, r.action, r.subject, r.object_id) for r in log_rows()]
    assert rows == [
        ("xa_chora", "commune", "01888", "view", "household", household.pk),
        ("xa_chora", "commune", "01888", "view", "person", person.pk),
        ("xa_chora", "commune", "01888", "view", "household", household.pk),
        ("tinh", "province", "06", "api_view", "household", household.pk),
        ("tinh", "province", "06", "api_view", "person", person.pk),
    ]
    assert {r.ip_address for r in log_rows()} == {"127.0.0.1"}
    assert all(r.at is not None for r in log_rows())


def test_a_record_outside_the_scope_answers_404_and_logs_nothing(client_as, api_as, household, other_district_user):
    assert client_as(other_district_user).get(household.get_absolute_url()).status_code == 404
    assert api_as(other_district_user).get(f"/api/v1/households/{household.pk}/").status_code == 404
    assert log_rows() == []


# --- Append-only ----------------------------------------------------------------------------------------------------


@pytest.fixture
def entry(client_as, household, commune_user):
    client_as(commune_user).get(household.get_absolute_url())
    return PersonalDataAccess.objects.get()


def test_the_model_refuses_to_change_or_delete_a_row(entry):
    entry.record_count = 99
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        PersonalDataAccess.objects.filter(pk=entry.pk).update(record_count=5)
    with pytest.raises(PermissionDenied):
        PersonalDataAccess.objects.all().delete()
    entry.refresh_from_db()
    assert entry.record_count is None


def test_the_database_refuses_update_and_delete(entry):
    """Raw SQL, past the ORM: the trigger of migration 0003 (PostgreSQL and SQLite) refuses it."""
    assert append_only.trigger_names(connection), "the append-only triggers are missing"
    table = PersonalDataAccess._meta.db_table
    for sql in (f"UPDATE {table} SET record_count = 5 WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert PersonalDataAccess.objects.filter(pk=entry.pk, record_count__isnull=True).exists()


def test_the_admin_is_read_only(client, entry, reference_data):
    superuser = UserFactory(username="root", role="admin", unit=unit("06"), is_staff=True, is_superuser=True)
    client.force_login(superuser)
    base = "/admin/beneficiaries/personaldataaccess/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{entry.pk}/change/").status_code == 200  # the view page, no save button
    assert "_save" not in client.get(f"{base}{entry.pk}/change/").content.decode()
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PersonalDataAccess.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_only_a_flush_of_the_whole_database_empties_the_log(reference_data, client_as, household, commune_user):
    """The test runner and a restore flush the database: the triggers are lifted for it and put back."""
    from django.core.management import call_command

    client_as(commune_user).get(household.get_absolute_url())
    assert PersonalDataAccess.objects.count() == 1
    call_command("flush", interactive=False, verbosity=0)
    assert PersonalDataAccess.objects.count() == 0
    assert append_only.trigger_names(connection)


# --- Who reads the log, for which scope -----------------------------------------------------------------------------


def test_the_log_page_shows_each_reader_their_scope(
    client_as, household, commune_user, new_commune_user, province_user, new_province_user, admin_user
):
    client_as(commune_user).get(household.get_absolute_url())  # Chợ Rã (01888), Bắc Kạn
    client_as(new_commune_user).get(reverse("beneficiaries:person_export"))  # the new Chợ Rã (01912), Thái Nguyên
    url = reverse("beneficiaries:access_log")
    bac_kan = client_as(province_user).get(url).content.decode()
    assert household.get_absolute_url() in bac_kan
    assert "xa_chora_moi" not in bac_kan  # not the units of the new province
    for reader in (new_province_user, admin_user):  # 19 replaced 06: its staff see Bắc Kạn's past too
        page = client_as(reader).get(url).content.decode()
        assert household.get_absolute_url() in page
        assert "xa_chora_moi" in page
    filtered = client_as(admin_user).get(url, {"action": "export"}).content.decode()
    assert "xa_chora_moi" in filtered
    assert household.get_absolute_url() not in filtered


@pytest.mark.parametrize("name", ["district_user", "commune_user", "leader"])
def test_other_roles_may_not_read_the_log(request, client_as, name):
    assert client_as(persona(request, name)).get(reverse("beneficiaries:access_log")).status_code == 403


def test_the_log_page_needs_a_login(client, reference_data):
    response = client.get(reverse("beneficiaries:access_log"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_the_log_is_scoped_through_for_user(household, client_as, commune_user, province_user, leader, district_user):
    client_as(commune_user).get(household.get_absolute_url())
    assert PersonalDataAccess.objects.for_user(province_user).count() == 1
    assert PersonalDataAccess.objects.for_user(leader).count() == 0
    assert PersonalDataAccess.objects.for_user(district_user).count() == 0  # reads no log, though in scope


@pytest.mark.parametrize(("name", "shown"), [("province_user", True), ("admin_user", True), ("district_user", False)])
def test_the_navbar_links_the_log_for_its_readers(request, client_as, name, shown):
    page = client_as(persona(request, name)).get(reverse("home")).content.decode()
    assert (reverse("beneficiaries:access_log") in page) is shown
