import datetime

import pytest
import yaml

from tests.factories import TEST_PASSWORD, VillageFactory, unit


def test_a_token_is_issued_for_the_right_password(api_client, district_user):
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "huyen_babe", "password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert set(response.json()) == {"token"}


def test_a_wrong_password_gets_400_with_a_vietnamese_message(api_client, district_user):
    response = api_client.post("/api/v1/auth/token/", {"username": "huyen_babe", "password": "sai"}, format="json")
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["Không thể đăng nhập với thông tin đã nhập."]


@pytest.mark.parametrize("path", ["/api/v1/units/", "/api/v1/projects/", "/api/v1/ethnic-groups/", "/api/v1/schema/"])
def test_the_api_needs_authentication(api_client, reference_data, path):
    assert api_client.get(path).status_code == 401


def test_a_province_user_lists_the_eight_districts_of_bac_kan(api_as, province_user):
    body = api_as(province_user).get("/api/v1/units/", {"level": "district", "parent": "06"}).json()
    assert body["count"] == 8
    assert body["results"][0] == {
        "code": "058",
        "name": "Thành phố Bắc Kạn",
        "level": "district",
        "parent": "06",
        "region": None,
        "unit_type": "thanh_pho",
        "valid_from": None,
        "valid_to": "2025-06-30",
        "is_extremely_difficult": False,
    }


def test_units_carry_their_region(api_as, province_user):
    body = api_as(province_user).get("/api/v1/units/", {"parent": "060"}).json()
    assert body["count"] == 10
    assert {row["region"] for row in body["results"]} == {"III"}  # Pác Nặm: all region III


def test_units_valid_on_a_date(api_as, new_province_user):
    api = api_as(new_province_user)
    assert (
        api.get("/api/v1/units/", {"parent": "19", "valid_on": "2026-01-01", "level": "commune"}).json()["count"] == 92
    )
    assert api.get("/api/v1/units/", {"parent": "061", "valid_on": "2026-01-01"}).json()["count"] == 0
    assert api.get("/api/v1/units/", {"parent": "061", "valid_on": "2024-06-30"}).json()["count"] == 15


def test_a_unit_code_names_the_version_valid_today(api_as, new_province_user):
    body = api_as(new_province_user).get("/api/v1/units/19/").json()
    assert body["valid_from"] == "2025-07-01"


def test_bad_filter_values_get_400_naming_the_field(api_as, province_user):
    response = api_as(province_user).get("/api/v1/units/", {"level": "galaxy", "valid_on": "hôm qua"})
    assert response.status_code == 400
    assert set(response.json()) == {"level", "valid_on"}


def test_projects_list_ten_with_their_subprojects(api_as, commune_user):
    body = api_as(commune_user).get("/api/v1/projects/").json()
    assert body["count"] == 10
    assert [p["code"] for p in body["results"]] == [f"DA{n}" for n in range(1, 11)]
    da3 = body["results"][2]
    assert da3["name"].startswith("Phát triển sản xuất nông, lâm nghiệp bền vững")
    assert [s["code"] for s in da3["subprojects"]] == ["DA3.TDA1", "DA3.TDA2"]
    assert set(da3["subprojects"][0]) == {"code", "name", "capital_types"}
    assert body["results"][0]["subprojects"] == []


def test_ethnic_groups_list_54(api_as, leader):
    body = api_as(leader).get("/api/v1/ethnic-groups/").json()
    assert body["count"] == 54
    assert len(body["results"]) == 54
    assert body["results"][1]["code"] == "02"
    assert body["results"][1]["name"] == "Tày"


def test_page_size_is_capped_at_500(api_as, new_province_user):
    commune = unit("01912", current=True)
    for _n in range(300):
        VillageFactory(parent=commune)
    body = api_as(new_province_user).get("/api/v1/units/", {"page_size": 10000}).json()
    assert body["count"] > 500
    assert len(body["results"]) == 500
    assert body["next"]


def test_the_schema_is_openapi_3_and_names_the_contract_paths(api_as, leader):
    response = api_as(leader).get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    for path in ["/api/v1/units/", "/api/v1/ethnic-groups/", "/api/v1/projects/", "/api/v1/auth/token/"]:
        assert path in schema["paths"]


def test_reference_endpoints_are_read_only(api_as, province_user):
    api = api_as(province_user)
    assert api.post("/api/v1/projects/", {"code": "DA11"}, format="json").status_code == 405
    assert api.delete("/api/v1/units/06/").status_code == 405


def test_a_body_that_is_not_json_gets_a_vietnamese_400(api_as, province_user):
    response = api_as(province_user).post("/api/v1/allocations/", data="{năm: 2024", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Nội dung gửi lên không phải JSON hợp lệ."}


# --- Found by the fuzz run (tests/security/test_fuzz.py): every refusal is JSON with a Vietnamese message -----


def test_an_address_no_route_matches_is_a_json_404(api_as, province_user):
    """An id that is not a number (the routes take digits only) answered Django's HTML 404 page."""
    api = api_as(province_user)
    for path in ["/api/v1/allocations/abc/", "/api/v1/households/-1/", "/api/v1/không-có/"]:
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "Không tìm thấy địa chỉ này trong API."}


def test_a_missing_or_wrong_token_is_a_401_in_vietnamese(api_client, reference_data):
    response = api_client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"].startswith("Chưa xác thực: gửi kèm tiêu đề “Authorization: Token <mã>”")
    response = api_client.get("/api/v1/units/", HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Mã xác thực (token) không hợp lệ")


def test_a_nul_character_in_a_filter_or_a_field_is_refused_in_vietnamese(api_as, province_user):
    api = api_as(province_user)
    response = api.get("/api/v1/units/", {"parent": "06\x00"})
    assert response.status_code == 400
    assert response.json() == {"parent": ["Không được chứa ký tự NUL (\\x00)."]}
    response = api.post("/api/v1/households/", {"head_name": "Nông\x00Lan"}, format="json")
    assert response.status_code == 400
    assert response.json()["head_name"] == ["Không được chứa ký tự NUL (\\x00)."]


def test_a_page_past_the_end_and_an_unsupported_body_are_refused_in_vietnamese(api_as, province_user):
    api = api_as(province_user)
    response = api.get("/api/v1/units/", {"page": 999})
    assert response.status_code == 404
    assert response.json() == {"detail": "Không có trang này (page phải là số trang từ 1 đến trang cuối)."}
    response = api.post("/api/v1/households/", data="<xml/>", content_type="application/xml")
    assert response.status_code == 415
    assert response.json()["detail"].startswith("Kiểu nội dung này không được hỗ trợ")


@pytest.mark.parametrize(
    "body", [{"username": ["tinh"], "password": "x"}, {"username": "tinh", "password": {"mật khẩu": 1}}]
)
def test_a_token_request_with_a_value_that_is_not_text_is_a_vietnamese_400(api_client, province_user, body):
    response = api_client.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert list(response.json().values()) == [["Phải là chuỗi ký tự."]]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/progress/?unit=06&year=²", None),
        ("/api/v1/allocations/", {"year": "²", "unit": "061"}),
        ("/api/v1/disbursements/", {"allocation": "²", "date": "2024-01-01", "amount": 5}),
        (
            "/api/v1/support-activities/",
            {"person": "²", "kind": "other", "date": "2024-01-01", "funded_by": "province"},
        ),
        ("/api/v1/household-supports/", {"household": "¹²", "kind": "water", "year": 2024, "amount": 5}),
        ("/api/v1/reports/", {"level": "province", "unit": "06", "year": "²", "period": "H1"}),
    ],
)
def test_a_superscript_digit_is_not_a_number_and_not_a_500(api_as, province_user, path, body):
    """`"²".isdigit()` is true but `int("²")` raises: years and ids read that way answered 500."""
    api = api_as(province_user)
    response = api.get(path) if body is None else api.post(path, body, format="json")
    assert response.status_code == 400
    assert all(isinstance(messages, list) for messages in response.json().values())


def test_the_report_pages_read_a_superscript_digit_as_no_number(client_as, province_user):
    import datetime

    from disbursement import services as ledger
    from ethnic_portal import clock
    from programs.models import Project
    from reports import services as report_services

    with clock.as_of(datetime.date(2024, 7, 15)):
        ledger.allocation_create(
            actor=province_user,
            **{"year": 2024, "project": Project.objects.get(code="DA1", program__phase=1), "subproject": None},
            **{"unit": unit("06"), "capital_type": "recurrent", "source": "central", "origin_year": 2024},
            **{"amount": 1_000_000, "decision_no": "1/QĐ", "decision_date": datetime.date(2024, 2, 1)},
            decision_body="UBND tỉnh Bắc Kạn",
        )
    job = report_services.report_request(actor=province_user, level="province", unit="06", year=2024, period="year")
    client = client_as(province_user)
    assert client.get("/reports/", {"year": "²"}).status_code == 200
    assert client.get(f"/reports/{job.pk}/diff/", {"with": "²"}).status_code == 404
    assert client.get(f"/reports/{job.pk}/diff/", {"with": "9" * 30}).status_code == 404


def test_a_village_is_read_by_its_code_and_a_nul_is_no_code(api_as, province_user):
    """A village's code has a dot: `units/01888.91/` was read as the commune 01888 in the format “91” (404)."""
    village = VillageFactory(parent=unit("01888"), code="01888.91", valid_to=datetime.date(2025, 6, 30))
    api = api_as(province_user)
    response = api.get(f"/api/v1/units/{village.code}/")
    assert response.status_code == 200
    assert (response.json()["code"], response.json()["parent"]) == ("01888.91", "01888")
    assert api.get("/api/v1/units/06.json").json()["code"] == "06"  # the format suffix still works
    response = api.get("/api/v1/units/06%00/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy địa chỉ này trong API."}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/households/", {"unit": "01888\x00"}),
        ("/api/v1/allocations/", {"project": "DA1\x00", "unit": "061"}),
    ],
)
def test_a_nul_in_a_code_is_an_invalid_code(api_as, province_user, path, body):
    """PostgreSQL refuses a NUL in a query: the unit and project code fields looked the code up anyway (500)."""
    response = api_as(province_user).post(path, body, format="json")
    assert response.status_code == 400
    field = next(name for name in body if "\x00" in str(body[name]))
    assert response.json()[field] in (["Mã đơn vị không hợp lệ."], ["Mã dự án không hợp lệ."])
