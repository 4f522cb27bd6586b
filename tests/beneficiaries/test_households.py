"""Beneficiary households and their support: the citizen ID rule, the same ID twice, the support's source."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beneficiaries import services
from beneficiaries.citizen_id import citizen_id_errors
from beneficiaries.models import Household, HouseholdSupport
from tests.beneficiaries.conftest import da1, household_fields, subproject
from tests.factories import unit

D = datetime.date


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Phải nhập số định danh cá nhân (số CCCD, 12 chữ số)."),
        ("00618000123", "Số định danh cá nhân phải gồm đúng 12 chữ số (đang có 11)."),
        ("0061800012345", "Số định danh cá nhân phải gồm đúng 12 chữ số (đang có 13)."),
        ("00618000123A", "Số định danh cá nhân chỉ gồm chữ số (đang là “00618000123A”)."),
        ("０06180001234", "Số định danh cá nhân chỉ gồm chữ số (đang là “０06180001234”)."),
        ("000180001234", "Ba chữ số đầu là mã tỉnh nơi đăng ký khai sinh, từ 001 đến 096 (đang là 000)."),
        ("097180001234", "Ba chữ số đầu là mã tỉnh nơi đăng ký khai sinh, từ 001 đến 096 (đang là 097)."),
        (
            "006480001234",
            "Chữ số thứ 4 đến thứ 6 (mã thế kỷ, giới tính và năm sinh: 480) cho năm sinh 2180, không hợp lý.",
        ),
        (
            "006330001234",
            "Chữ số thứ 4 đến thứ 6 (mã thế kỷ, giới tính và năm sinh: 330) cho năm sinh 2030, không hợp lý.",
        ),
    ],
)
def test_a_malformed_citizen_id_is_explained(value, message):
    assert citizen_id_errors(value, today=D(2024, 7, 15)) == [message]


@pytest.mark.parametrize("value", ["006180001234", "001099123456", "096305987654", "019201000001"])
def test_a_well_formed_citizen_id_passes(value):
    assert citizen_id_errors(value, today=D(2024, 7, 15)) == []


def test_a_household_is_recorded_with_history(make_household, district_user):
    household = make_household(actor=district_user, head_name="Nông  Thị Lan ")
    assert household.head_name == "Nông Thị Lan"
    assert household.history.get().history_user == district_user


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"head_id_number": "12345"}, "head_id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số (đang có 5)."),
        ({"members": 0}, "members", "Số nhân khẩu phải là số nguyên từ 1 đến 60."),
        ({"poverty_status": "rich"}, "poverty_status", None),
        ({"poverty_year": None}, "poverty_year", "Hộ nghèo, cận nghèo: phải ghi năm rà soát xếp loại."),
        ({"poverty_year": 2031}, "poverty_year", "Năm phân loại phải từ 2016 đến 2024."),
        ({"ethnic_group": None}, "ethnic_group", "Phải chọn dân tộc trong danh mục 54 dân tộc."),
        ({"head_name": ""}, "head_name", "Phải nhập họ tên chủ hộ."),
    ],
)
def test_a_bad_household_is_refused_naming_the_field(today, village, province_user, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        services.household_create(actor=province_user, **household_fields(unit=village, **overrides))
    assert field in error.value.message_dict
    if message:
        assert error.value.message_dict[field] == [message]
    assert not Household.objects.exists()


def test_the_same_id_twice_is_refused_naming_the_existing_household(make_household):
    first = make_household()
    with pytest.raises(ValidationError) as error:
        make_household(head_name="Người khác")
    assert error.value.message_dict == {
        "head_id_number": [
            f"Số định danh này đã được ghi cho hộ Nông Thị Lan ở Bản Thử Một (hộ số {first.pk}): không nhập lại hộ này."
        ]
    }
    assert Household.objects.count() == 1


def test_the_same_id_in_another_district_is_named_without_its_content(
    make_household, other_district_user, other_village
):
    first = make_household()
    with pytest.raises(ValidationError) as error:
        make_household(actor=other_district_user, unit=other_village)
    message = error.value.message_dict["head_id_number"][0]
    assert f"hộ số {first.pk}" in message
    assert "địa bàn khác" in message
    assert "Nông Thị Lan" not in message


def test_a_household_outside_the_scope_is_refused(today, district_user, other_village, leader, village):
    with pytest.raises(PermissionDenied):
        services.household_create(actor=district_user, **household_fields(unit=other_village))
    with pytest.raises(PermissionDenied):
        services.household_create(actor=leader, **household_fields(unit=village))
    assert not Household.objects.exists()


def test_support_of_this_program_needs_its_project(make_household, make_support):
    household = make_household()
    with pytest.raises(ValidationError) as error:
        make_support(household, project=None)
    assert error.value.message_dict == {"project": ["Hỗ trợ của Chương trình 1719: phải chọn dự án."]}
    with pytest.raises(ValidationError) as error:
        make_support(household, project=subproject("DA3.TDA2").project)
    assert error.value.message_dict == {"subproject": ["Dự án DA3 có tiểu dự án: phải chọn tiểu dự án."]}
    assert not HouseholdSupport.objects.exists()


def test_support_of_another_program_names_its_scheme(make_household, make_support):
    household = make_household()
    with pytest.raises(ValidationError) as error:
        make_support(household, funding_program="ntp_poverty", project=None)
    assert error.value.message_dict == {
        "scheme": ["Hỗ trợ của chương trình khác: ghi tên dự án hoặc chính sách đã hỗ trợ."]
    }
    with pytest.raises(ValidationError) as error:
        make_support(household, funding_program="ntp_poverty", scheme="Dự án 5")
    assert error.value.message_dict == {"project": ["Dự án, tiểu dự án chỉ ghi cho hỗ trợ của Chương trình 1719."]}
    support = make_support(household, funding_program="ntp_poverty", project=None, scheme="Dự án 5")
    assert support.source_label == "CT MTQG giảm nghèo bền vững · Dự án 5"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"amount": -5}, "amount", "Số tiền không được âm."),
        ({"amount": 0}, "amount", "Số tiền phải lớn hơn 0."),
        ({"kind": "cash"}, "kind", None),
        ({"year": 2019}, "year", "Năm 2019 không thuộc Chương trình (2021–2030)."),
        ({"date": D(2022, 5, 1)}, "date", "Ngày hỗ trợ phải trong năm 2024 (hoặc năm 2025 với vốn chuyển sang)."),
        ({"date": D(2024, 9, 1)}, "date", "Ngày hỗ trợ không được sau hôm nay (15/07/2024)."),
    ],
)
def test_a_bad_household_support_is_refused(make_household, make_support, overrides, field, message):
    household = make_household()
    with pytest.raises(ValidationError) as error:
        make_support(household, **overrides)
    assert field in error.value.message_dict
    if message:
        assert error.value.message_dict[field] == [message]
    assert not HouseholdSupport.objects.exists()


def test_a_household_with_support_is_not_deleted(make_household, make_support, province_user):
    household = make_household()
    make_support(household)
    with pytest.raises(ValidationError, match="đã có 1 khoản hỗ trợ nên không xóa được"):
        services.household_delete(actor=province_user, household=household)
    assert Household.objects.filter(pk=household.pk).exists()


def test_support_update_and_delete_keep_history(make_household, make_support, province_user):
    support = make_support(make_household())
    services.household_support_update(actor=province_user, support=support, amount=2_500_000)
    services.household_support_delete(actor=province_user, support=support)
    assert list(HouseholdSupport.history.order_by("history_date").values_list("history_type", "amount")) == [
        ("+", 3_000_000),
        ("~", 2_500_000),
        ("-", 2_500_000),
    ]


def test_a_leader_cannot_record_household_support(make_household, make_support, leader):
    household = make_household()
    with pytest.raises(PermissionDenied):
        make_support(household, actor=leader)
    assert not HouseholdSupport.objects.exists()


def test_the_household_unit_must_be_a_village_or_commune(today, province_user):
    with pytest.raises(ValidationError) as error:
        services.household_create(actor=province_user, **household_fields(unit=unit("06")))
    assert error.value.message_dict["unit"] == ["Phải chọn thôn (bản) hoặc xã, không chọn tỉnh (Tỉnh Bắc Kạn)."]


def test_da1_is_a_project_of_the_first_phase(make_household, make_support):
    assert da1().program.phase == 1
    assert make_support(make_household()).project.code == "DA1"
