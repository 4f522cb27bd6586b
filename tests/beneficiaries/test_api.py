"""`prestigious-persons/`, `support-activities/`, `households/`, `household-supports/` as the contract says:
fields, filters, scope (another unit's id is a 404), roles (a leader's write is a 403 and writes nothing), and a
400 `{"field": ["…"]}` in Vietnamese for bad input."""

import datetime

import pytest
import yaml
from django.utils import timezone

from beneficiaries import services
from beneficiaries.models import Household, HouseholdSupport, PrestigiousPerson, SupportActivity

PERSONS = "/api/v1/prestigious-persons/"
SUPPORTS = "/api/v1/support-activities/"
HOUSEHOLDS = "/api/v1/households/"
HOUSEHOLD_SUPPORTS = "/api/v1/household-supports/"

PERSON_FIELDS = {
    "id",
    "full_name",
    "gender",
    "birth_year",
    "ethnic_group",
    "unit",
    "community_role",
    "term_start",
    "term_end",
    "status",
}
SUPPORT_FIELDS = {"id", "person", "kind", "date", "amount", "funded_by", "note"}
HOUSEHOLD_FIELDS = {"id", "head_name", "head_id_number", "ethnic_group", "unit", "members", "poverty_status"}
HOUSEHOLD_SUPPORT_FIELDS = {"id", "household", "project", "subproject", "year", "kind", "amount", "date", "overlaps"}


def person_body(village, **overrides):
    body = {
        "full_name": "Triệu Văn Phin",
        "gender": "male",
        "birth_year": 1960,
        "ethnic_group": "09",
        "unit": village.code,
        "community_role": "village_elder",
        "term_start": 2023,
        "term_end": 2027,
    }
    body.update(overrides)
    return body


def household_body(village, **overrides):
    body = {
        "head_name": "Nông Thị Lan",
        "head_id_number": "006180001234",
        "ethnic_group": "02",
        "unit": village.code,
        "members": 5,
        "poverty_status": "poor",
        "poverty_year": 2023,
    }
    body.update(overrides)
    return body


def test_a_person_reads_and_writes_as_the_contract_says(api_as, province_user, village, today):
    api = api_as(province_user)
    created = api.post(PERSONS, person_body(village), format="json")
    assert created.status_code == 201
    row = created.json()
    assert set(row) >= PERSON_FIELDS
    assert {k: row[k] for k in PERSON_FIELDS - {"id"}} == {
        "full_name": "Triệu Văn Phin",
        "gender": "male",
        "birth_year": 1960,
        "ethnic_group": "09",
        "unit": "01888.91",
        "community_role": "village_elder",
        "term_start": 2023,
        "term_end": 2027,
        "status": "active",
    }
    listed = api.get(PERSONS).json()
    assert set(listed) == {"count", "next", "previous", "results"}
    assert listed["results"] == [row]
    patched = api.patch(f"{PERSONS}{row['id']}/", {"status": "replaced", "status_date": "2024-05-01"}, format="json")
    assert patched.status_code == 200, patched.json()
    assert (patched.json()["status"], patched.json()["status_date"]) == ("replaced", "2024-05-01")
    assert api.delete(f"{PERSONS}{row['id']}/").status_code == 204
    assert not PrestigiousPerson.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"birth_year": 2030}, {"birth_year": ["Năm sinh 2030 ở tương lai."]}),
        ({"ethnic_group": "99"}, {"ethnic_group": ["Không có dân tộc mã “99” trong danh mục 54 dân tộc."]}),
        ({"unit": "02020"}, {"unit": ["Không có đơn vị mã “02020” trong địa bàn của bạn."]}),
        ({"unit": "99999"}, {"unit": ["Không có đơn vị mã “99999” trong địa bàn của bạn."]}),
        (
            {"gender": "x"},
            {"gender": ["“x” không hợp lệ cho giới tính; chọn một trong: male, female."]},
        ),
    ],
)
def test_a_bad_person_is_a_400_in_vietnamese_and_writes_nothing(
    api_as, district_user, village, today, overrides, errors
):
    response = api_as(district_user).post(PERSONS, person_body(village, **overrides), format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not PrestigiousPerson.objects.exists()


def test_the_same_person_twice_is_a_400_naming_the_first(api_as, province_user, village, today):
    api = api_as(province_user)
    first = api.post(PERSONS, person_body(village), format="json").json()
    again = api.post(PERSONS, person_body(village, full_name="TRIỆU VĂN PHIN"), format="json")
    assert again.status_code == 400
    assert f"bản ghi số {first['id']}" in again.json()["full_name"][0]


def test_filters_of_the_person_list(api_as, province_user, make_person, other_village):
    make_person()
    make_person(
        full_name="Lý Thị Mai",
        gender="female",
        ethnic_group=PrestigiousPerson._meta.get_field("ethnic_group").related_model.objects.get(code="09"),
    )
    make_person(full_name="Ma Văn Sinh", unit=other_village)
    api = api_as(province_user)

    def names(**params):
        return sorted(r["full_name"] for r in api.get(PERSONS, params).json()["results"])

    assert names(unit="061") == ["Hoàng Văn Thắng", "Lý Thị Mai"]
    assert names(unit="01888.91") == ["Hoàng Văn Thắng", "Lý Thị Mai"]
    assert names(ethnic_group="09") == ["Lý Thị Mai"]
    assert names(status="active") == ["Hoàng Văn Thắng", "Lý Thị Mai", "Ma Văn Sinh"]
    assert names(status="deceased") == []
    assert api.get(PERSONS, {"status": "dead"}).status_code == 400


def test_another_districts_records_are_404(api_as, make_person, make_household, make_support, other_district_user):
    person = make_person()
    household = make_household()
    support = make_support(household)
    api = api_as(other_district_user)
    assert api.get(PERSONS).json()["count"] == 0
    assert api.get(f"{PERSONS}{person.pk}/").status_code == 404
    assert api.get(f"{HOUSEHOLDS}{household.pk}/").status_code == 404
    assert api.get(f"{HOUSEHOLD_SUPPORTS}{support.pk}/").status_code == 404
    assert api.patch(f"{PERSONS}{person.pk}/", {"note": "x"}, format="json").status_code == 404
    assert api.delete(f"{HOUSEHOLDS}{household.pk}/").status_code == 404
    body = {"person": person.pk, "kind": "tet_visit", "date": "2024-02-01", "funded_by": "district"}
    response = api.post(SUPPORTS, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"person": [f"Không có người có uy tín số {person.pk} trong địa bàn của bạn."]}
    assert Household.objects.count() == 1
    assert not SupportActivity.objects.exists()


def test_a_leader_reads_but_every_write_is_a_403_and_writes_nothing(api_as, leader, make_person, village):
    person = make_person()
    api = api_as(leader)
    assert api.get(f"{PERSONS}{person.pk}/").status_code == 200
    assert api.post(PERSONS, person_body(village, full_name="Khác"), format="json").status_code == 403
    assert api.patch(f"{PERSONS}{person.pk}/", {"note": "x"}, format="json").status_code == 403
    assert api.delete(f"{PERSONS}{person.pk}/").status_code == 403
    assert api.post(HOUSEHOLDS, household_body(village), format="json").status_code == 403
    assert PrestigiousPerson.objects.get().note == ""
    assert not Household.objects.exists()


def test_support_activities_follow_the_contract(api_as, province_user, make_person):
    person = make_person()
    api = api_as(province_user)
    body = {"person": person.pk, "kind": "tet_visit", "date": "2024-02-01", "funded_by": "province"}
    created = api.post(SUPPORTS, body, format="json")
    assert created.status_code == 201
    row = created.json()
    assert set(row) >= SUPPORT_FIELDS
    assert (row["amount"], row["kind"], row["funded_by"], row["regime"], row["ceiling"]) == (
        500_000,
        "tet_visit",
        "province",
        "QD12_2018_28_2023",
        500_000,
    )
    api.post(
        SUPPORTS, {**body, "kind": "illness_visit", "hospital_level": "commune", "date": "2024-03-01"}, format="json"
    )
    assert [r["kind"] for r in api.get(SUPPORTS, {"kind": "tet_visit"}).json()["results"]] == ["tet_visit"]
    assert api.get(SUPPORTS, {"person": person.pk, "year": 2024}).json()["count"] == 2
    assert api.get(SUPPORTS, {"unit": "064"}).json()["count"] == 0
    assert api.get(SUPPORTS, {"year": 2023}).json()["count"] == 0


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"kind": "newspapers"},
            {
                "kind": [
                    "“newspapers” không hợp lệ cho loại hỗ trợ; chọn một trong: tet_visit, illness_visit, condolence, disaster_support, training, study_tour, other."
                ]
            },
        ),
        ({"amount": -1}, {"amount": ["Số tiền không được âm."]}),
        ({"amount": 1.5}, {"amount": ["Số tiền phải là số nguyên đồng."]}),
        (
            {"date": "2024-04-01"},
            {
                "date": [
                    "Ngày thăm hỏi, tặng quà Tết phải trong mùa Tết năm 2024 do tỉnh đặt: 11/01/2024 – 25/02/2024 (đang là 01/04/2024)."
                ]
            },
        ),
        ({"person": "abc"}, {"person": ["Phải là một mã số (số nguyên)."]}),
    ],
)
def test_a_bad_support_is_a_400(api_as, province_user, make_person, changes, errors):
    person = make_person()
    body = {"person": person.pk, "kind": "tet_visit", "date": "2024-02-01", "funded_by": "province", **changes}
    response = api_as(province_user).post(SUPPORTS, body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not SupportActivity.objects.exists()


def test_households_follow_the_contract(api_as, district_user, village, today):
    api = api_as(district_user)
    created = api.post(HOUSEHOLDS, household_body(village), format="json")
    assert created.status_code == 201
    row = created.json()
    assert set(row) >= HOUSEHOLD_FIELDS
    assert (row["head_id_number"], row["unit"], row["poverty_status"], row["members"]) == (
        "006180001234",
        "01888.91",
        "poor",
        5,
    )
    twin = api.post(HOUSEHOLDS, household_body(village, head_name="Người khác"), format="json")
    assert twin.status_code == 400
    assert twin.json() == {
        "head_id_number": [
            f"Số định danh này đã được ghi cho hộ Nông Thị Lan ở Bản Thử Một (hộ số {row['id']}): không nhập lại hộ này."
        ]
    }
    bad = api.post(HOUSEHOLDS, household_body(village, head_id_number="06180001234"), format="json")
    assert bad.json() == {"head_id_number": ["Số định danh cá nhân phải gồm đúng 12 chữ số (đang có 11)."]}
    assert Household.objects.count() == 1
    assert api.get(HOUSEHOLDS, {"poverty_status": "poor", "ethnic_group": "02", "unit": "01888"}).json()["count"] == 1
    assert api.get(HOUSEHOLDS, {"poverty_status": "near_poor"}).json()["count"] == 0


def test_household_supports_follow_the_contract_with_overlaps(api_as, province_user, make_household):
    household = make_household()
    api = api_as(province_user)
    body = {
        "household": household.pk,
        "project": "DA1",
        "year": 2024,
        "kind": "water",
        "amount": 3_000_000,
        "date": "2024-04-01",
    }
    first = api.post(HOUSEHOLD_SUPPORTS, body, format="json").json()
    assert set(first) >= HOUSEHOLD_SUPPORT_FIELDS
    assert (first["project"], first["subproject"], first["funding_program"], first["overlaps"]) == (
        "DA1",
        None,
        "ntp_1719",
        [],
    )
    second = api.post(
        HOUSEHOLD_SUPPORTS,
        {**body, "project": None, "funding_program": "ntp_rural", "scheme": "NTM", "amount": 2_000_000},
        format="json",
    ).json()
    assert second["overlaps"] == [first["id"]]
    listed = {r["id"]: r["overlaps"] for r in api.get(HOUSEHOLD_SUPPORTS).json()["results"]}
    assert listed == {first["id"]: [second["id"]], second["id"]: [first["id"]]}
    assert api.get(f"{HOUSEHOLD_SUPPORTS}{first['id']}/").json()["overlaps"] == [second["id"]]
    for params, count in [
        ({"household": household.pk}, 2),
        ({"project": "DA1"}, 1),
        ({"year": 2023}, 0),
        ({"kind": "water", "unit": "061"}, 2),
        ({"unit": "064"}, 0),
    ]:
        assert api.get(HOUSEHOLD_SUPPORTS, params).json()["count"] == count, params


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": -5}, "amount"),
        ({"kind": "cash"}, "kind"),
        ({"project": "DA99"}, "project"),
        ({"year": 2019}, "year"),
    ],
)
def test_a_bad_household_support_is_a_400(api_as, province_user, make_household, changes, field):
    household = make_household()
    body = {
        "household": household.pk,
        "project": "DA1",
        "year": 2024,
        "kind": "water",
        "amount": 3_000_000,
        "date": "2024-04-01",
    }
    response = api_as(province_user).post(HOUSEHOLD_SUPPORTS, {**body, **changes}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not HouseholdSupport.objects.exists()


def test_the_schema_has_the_four_endpoints(api_as, province_user):
    response = api_as(province_user).get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    for path in (PERSONS, SUPPORTS, HOUSEHOLDS, HOUSEHOLD_SUPPORTS):
        assert f"{path}" in schema["paths"] or path.removeprefix("/api/v1") in str(schema["paths"].keys())
    overlaps = schema["components"]["schemas"]["HouseholdSupport"]["properties"]["overlaps"]
    assert overlaps["type"] == "array"
    assert overlaps["readOnly"] is True


def test_the_api_clock_is_the_real_date(api_as, new_commune_user):
    """Without a backfill clock a support dated tomorrow is refused as in the future."""
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    person = services.person_create(
        actor=new_commune_user,
        full_name="Lục Văn Hải",
        gender="male",
        birth_year=1970,
        ethnic_group=PrestigiousPerson._meta.get_field("ethnic_group").related_model.objects.get(code="02"),
        unit=new_commune_user.unit,
        community_role="other",
        term_start=tomorrow.year - 1,
        term_end=tomorrow.year + 2,
    )
    response = api_as(new_commune_user).post(
        SUPPORTS,
        {"person": person.pk, "kind": "other", "date": tomorrow.isoformat(), "funded_by": "province"},
        format="json",
    )
    assert response.status_code == 400
    assert "không được sau hôm nay" in response.json()["date"][0]


# --- Found by the fuzz run (tests/security/test_fuzz.py) ----------------------------------------------------


def test_a_household_or_person_is_put_with_its_unit_code(api_as, province_user, make_household, make_person, village):
    """A unit code in a PUT looked for the row's `year`, which households and persons do not have (500)."""
    api = api_as(province_user)
    household = make_household()
    response = api.put(f"{HOUSEHOLDS}{household.pk}/", household_body(village, members=6), format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["unit"], response.json()["members"]) == (village.code, 6)
    person = make_person()
    response = api.put(f"{PERSONS}{person.pk}/", person_body(village, unit="không-có"), format="json")
    assert response.status_code == 400
    assert response.json() == {"unit": ["Không có đơn vị mã “không-có” trong địa bàn của bạn."]}
