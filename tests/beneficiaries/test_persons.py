"""Prestigious persons: each rule with its bad input and its Vietnamese message; nothing written on refusal."""

import datetime
import unicodedata

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beneficiaries import services
from beneficiaries.models import PrestigiousPerson
from ethnic_portal import clock
from tests.beneficiaries.conftest import person_fields
from tests.factories import unit


def refused(call, **kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


def test_a_person_is_recorded_with_history_of_who_entered_it(make_person, province_user):
    person = make_person(full_name="  Hoàng  Văn   Thắng ")
    assert person.full_name == "Hoàng Văn Thắng"
    assert person.name_key == "hoàng văn thắng"
    record = person.history.get()
    assert record.history_type == "+"
    assert record.history_user == province_user
    assert person.created_by == province_user


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"birth_year": 2030}, "birth_year", "Năm sinh 2030 ở tương lai."),
        (
            {"birth_year": 2010},
            "birth_year",
            "Người có uy tín phải từ đủ 18 tuổi: sinh năm 2006 trở về trước (đang là 2010).",
        ),
        ({"ethnic_group": None}, "ethnic_group", "Phải chọn dân tộc trong danh mục 54 dân tộc."),
        ({"gender": "other"}, "gender", "Giới tính phải là nam (male) hoặc nữ (female)."),
        ({"full_name": "   "}, "full_name", "Phải nhập họ và tên."),
        ({"community_role": "chief"}, "community_role", None),
        ({"term_start": 2023, "term_end": 2022}, "term_end", "Năm kết thúc nhiệm kỳ phải từ năm 2023 trở đi."),
        (
            {"term_start": 2020, "term_end": 2030},
            "term_end",
            "Nhiệm kỳ của người có uy tín là 5 năm: từ 2020 đến chậm nhất 2025.",
        ),
        ({"status": "replaced"}, "status_date", "Phải nhập ngày thay thế / qua đời."),
        (
            {"status_date": datetime.date(2024, 1, 1)},
            "status_date",
            "Người đang là người có uy tín thì không ghi ngày thay thế / qua đời.",
        ),
        (
            {"approval_decision_no": "12/QĐ-UBND"},
            "approval_decision_date",
            "Có số quyết định công nhận thì phải có ngày quyết định.",
        ),
    ],
)
def test_a_bad_person_is_refused_naming_the_field(today, village, province_user, overrides, field, message):
    fields = person_fields(unit=village, **overrides)
    errors = refused(services.person_create, actor=province_user, **fields)
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert not PrestigiousPerson.objects.exists()


def test_the_place_must_be_a_village_or_commune_that_exists(today, province_user, village):
    errors = refused(services.person_create, actor=province_user, **person_fields(unit=unit("061")))
    assert errors["unit"] == ["Phải chọn thôn (bản) hoặc xã, không chọn huyện (Huyện Ba Bể)."]
    with clock.as_of(datetime.date(2025, 8, 1)):
        errors = refused(services.person_create, actor=province_user, **person_fields(unit=village))
    assert errors["unit"] == ["Bản Thử Một không tồn tại vào ngày 01/08/2025 (hiệu lực … – 30/06/2025)."]
    assert not PrestigiousPerson.objects.exists()


def test_a_place_outside_the_writers_scope_is_refused(today, district_user, other_village):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=district_user, **person_fields(unit=other_village))
    assert not PrestigiousPerson.objects.exists()


def test_a_leader_writes_no_person(today, leader, village):
    with pytest.raises(PermissionDenied):
        services.person_create(actor=leader, **person_fields(unit=village))
    assert not PrestigiousPerson.objects.exists()


@pytest.mark.parametrize(
    "spelling", ["HOÀNG VĂN THẮNG", "hoàng văn  thắng", unicodedata.normalize("NFD", "Hoàng Văn Thắng")]
)
def test_the_same_person_twice_is_refused_naming_the_existing_record(make_person, spelling):
    first = make_person()
    errors = refused(make_person, full_name=spelling)
    assert errors["full_name"] == [
        f"Đã có người có uy tín Hoàng Văn Thắng, sinh năm 1958, ở Bản Thử Một (bản ghi số {first.pk}): "
        "không nhập lại; muốn thay đổi thì sửa bản ghi đó."
    ]
    assert PrestigiousPerson.objects.count() == 1


def test_namesakes_of_another_birth_year_or_village_are_different_persons(make_person, reference_data):
    from tests.factories import VillageFactory

    make_person()
    make_person(birth_year=1961)
    make_person(unit=VillageFactory(parent=unit("01888"), code="01888.92"))
    assert PrestigiousPerson.objects.count() == 3


def test_an_nfd_name_is_stored_as_nfc(make_person):
    person = make_person(full_name=unicodedata.normalize("NFD", "Triệu Thị Mảy"))
    person.refresh_from_db()
    assert person.full_name == "Triệu Thị Mảy"
    assert unicodedata.is_normalized("NFC", person.full_name)


def test_an_update_keeps_the_village_a_merger_ended_and_records_the_change(make_person, province_user):
    person = make_person()
    with clock.as_of(datetime.date(2025, 9, 1)):
        services.person_update(
            actor=province_user, person=person, status="deceased", status_date=datetime.date(2025, 8, 20)
        )
    person.refresh_from_db()
    assert (person.status, person.status_date) == ("deceased", datetime.date(2025, 8, 20))
    assert person.history.count() == 2


def test_a_person_with_support_is_not_deleted(make_person, province_user):
    person = make_person()
    services.support_activity_create(
        actor=province_user, person=person, kind="tet_visit", date=datetime.date(2024, 2, 1), funded_by="province"
    )
    with pytest.raises(ValidationError, match="đã có 1 lần được hỗ trợ nên không xóa được"):
        services.person_delete(actor=province_user, person=person)
    assert PrestigiousPerson.objects.filter(pk=person.pk).exists()


def test_a_batch_of_persons_is_all_or_nothing(today, village, province_user):
    rows = [person_fields(unit=village), person_fields(unit=village, full_name="Nông Văn Dũng", birth_year=2015)]
    with pytest.raises(ValidationError) as error:
        services.persons_record(actor=province_user, rows=rows)
    assert error.value.message_dict["rows"] == [
        "Nông Văn Dũng: Người có uy tín phải từ đủ 18 tuổi: sinh năm 2006 trở về trước (đang là 2015)."
    ]
    assert not PrestigiousPerson.objects.exists()
    rows[1]["birth_year"] = 1970
    created = services.persons_record(actor=province_user, rows=rows)
    assert [p.full_name for p in created] == ["Hoàng Văn Thắng", "Nông Văn Dũng"]


def test_a_batch_refuses_a_twin_inside_the_batch(today, village, province_user):
    rows = [person_fields(unit=village), person_fields(unit=village, full_name="HOÀNG VĂN THẮNG")]
    with pytest.raises(ValidationError, match="Đã có người có uy tín Hoàng Văn Thắng"):
        services.persons_record(actor=province_user, rows=rows)
    assert not PrestigiousPerson.objects.exists()


def test_a_batch_writes_history_for_every_person(today, village, province_user):
    rows = [person_fields(unit=village, birth_year=1950 + n) for n in range(3)]
    created = services.persons_record(actor=province_user, rows=rows)
    assert len(created) == PrestigiousPerson.objects.count() == 3
    assert PrestigiousPerson.history.filter(history_user=province_user).count() == 3
