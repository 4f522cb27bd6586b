"""Support to prestigious persons: the policy table's amounts and limits, the Tết season, training courses."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beneficiaries import services
from beneficiaries.models import SupportActivity, SupportNorm, TetSeason
from ethnic_portal import clock
from tests.factories import unit

D = datetime.date


def support(person, actor, **fields):
    fields.setdefault("funded_by", "province")
    return services.support_activity_create(actor=actor, person=person, **fields)


def refused(person, actor, **fields) -> dict:
    with pytest.raises(ValidationError) as error:
        support(person, actor, **fields)
    return error.value.message_dict


def test_the_policy_amount_is_the_default_and_the_regime_follows_the_date(make_person, province_user):
    person = make_person()
    after = support(person, province_user, kind="illness_visit", date=D(2024, 3, 1), hospital_level="central")
    assert (after.amount, after.ceiling, after.regime.code) == (3_000_000, 3_000_000, "QD12_2018_28_2023")
    before = support(person, province_user, kind="illness_visit", date=D(2023, 11, 1), hospital_level="central")
    assert (before.amount, before.regime.code) == (2_000_000, "QD12_2018")


def test_the_amounts_are_data_not_constants(make_person, province_user):
    SupportNorm.objects.filter(regime__code="QD12_2018_28_2023", kind="tet_visit").update(ceiling=600_000)
    tet = support(make_person(), province_user, kind="tet_visit", date=D(2024, 2, 1))
    assert tet.amount == 600_000


def test_an_amount_above_the_ceiling_needs_a_reason(make_person, province_user):
    person = make_person()
    errors = refused(person, province_user, kind="tet_visit", date=D(2024, 2, 1), amount=700_000)
    assert errors == {
        "amount": [
            "Số tiền 700.000 đồng vượt mức tối đa 500.000 đồng/người/lần của QĐ 12/2018/QĐ-TTg (sửa đổi bởi "
            "QĐ 28/2023/QĐ-TTg): phải ghi lý do vượt mức, hoặc giảm số tiền."
        ]
    }
    assert not SupportActivity.objects.exists()
    ok = support(
        person,
        province_user,
        kind="tet_visit",
        date=D(2024, 2, 1),
        amount=700_000,
        over_ceiling_reason="Quà của tỉnh thêm",
    )
    assert (ok.amount, ok.over_ceiling_reason) == (700_000, "Quà của tỉnh thêm")


def test_a_reason_under_the_ceiling_is_not_kept(make_person, province_user):
    ok = support(
        make_person(), province_user, kind="tet_visit", date=D(2024, 2, 1), amount=300_000, over_ceiling_reason="x"
    )
    assert ok.over_ceiling_reason == ""


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "newspaper", "date": D(2024, 2, 1)}, "kind", None),
        ({"kind": "tet_visit", "date": D(2024, 2, 1), "amount": -1}, "amount", "Số tiền không được âm."),
        ({"kind": "tet_visit", "date": D(2024, 2, 1), "amount": "500000"}, "amount", "Số tiền phải là số nguyên đồng."),
        ({"kind": "tet_visit", "date": D(2024, 8, 1)}, "date", "Ngày hỗ trợ không được sau hôm nay (15/07/2024)."),
        (
            {"kind": "illness_visit", "date": D(2024, 2, 1)},
            "hospital_level",
            "Thăm hỏi khi ốm đau: phải chọn tuyến cơ sở khám chữa bệnh (trung ương, tỉnh, huyện, xã).",
        ),
        (
            {"kind": "condolence", "date": D(2024, 2, 1)},
            "condolence_for",
            "Thăm viếng: phải chọn người có uy tín qua đời hay thân nhân qua đời.",
        ),
        ({"kind": "tet_visit", "date": D(2024, 2, 1), "funded_by": "bank"}, "funded_by", None),
        (
            {"kind": "training", "date": D(2024, 2, 1)},
            "training_course",
            "Tập huấn: phải chọn lớp tập huấn người này tham gia.",
        ),
        (
            {"kind": "disaster_support", "date": D(2022, 9, 1)},
            "date",
            "Năm 2022 không thuộc nhiệm kỳ 2023–2027 của Hoàng Văn Thắng.",
        ),
    ],
)
def test_a_bad_support_is_refused_naming_the_field(make_person, province_user, fields, field, message):
    errors = refused(make_person(), province_user, **fields)
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert not SupportActivity.objects.exists()


def test_tet_gifts_at_most_twice_a_year(make_person, province_user):
    person = make_person()
    support(person, province_user, kind="tet_visit", date=D(2024, 1, 25))
    support(person, province_user, kind="tet_visit", date=D(2024, 2, 2), funded_by="central")
    errors = refused(person, province_user, kind="tet_visit", date=D(2024, 2, 5))
    assert errors == {
        "kind": [
            "Hoàng Văn Thắng đã được hỗ trợ “Thăm hỏi, tặng quà Tết” 2 lần trong năm 2024 (25/01/2024, "
            "02/02/2024); mỗi năm tối đa 2 lần."
        ]
    }
    assert SupportActivity.objects.count() == 2


def test_illness_support_once_a_year(make_person, province_user):
    person = make_person()
    support(person, province_user, kind="illness_visit", date=D(2024, 3, 1), hospital_level="district")
    errors = refused(person, province_user, kind="illness_visit", date=D(2024, 6, 1), hospital_level="province")
    assert "mỗi năm tối đa 1 lần" in errors["kind"][0]
    support(person, province_user, kind="illness_visit", date=D(2023, 6, 1), hospital_level="province")
    assert SupportActivity.objects.count() == 2


def test_a_tet_visit_outside_the_default_season_is_refused(make_person, province_user):
    errors = refused(make_person(), province_user, kind="tet_visit", date=D(2024, 3, 20))
    assert errors == {
        "date": [
            "Ngày thăm hỏi, tặng quà Tết phải trong mùa Tết năm 2024 do tỉnh đặt: 11/01/2024 – 25/02/2024 "
            "(đang là 20/03/2024)."
        ]
    }
    assert not SupportActivity.objects.exists()


def test_the_province_sets_the_season_and_a_festival_window(make_person, province_user):
    person = make_person()
    services.tet_season_save(
        actor=province_user,
        province=unit("06"),
        year=2024,
        start=D(2024, 1, 25),
        end=D(2024, 2, 20),
        festival_name="Lễ hội Lồng tồng",
        festival_start=D(2024, 3, 15),
        festival_end=D(2024, 3, 25),
    )
    assert "date" in refused(person, province_user, kind="tet_visit", date=D(2024, 1, 15))
    support(person, province_user, kind="tet_visit", date=D(2024, 3, 20))
    season = TetSeason.objects.get(province=unit("06"), year=2024)
    assert season.history.get().history_user == province_user


def test_a_season_that_starts_in_december_counts_for_the_next_year(make_person, province_user):
    person = make_person()
    services.tet_season_save(
        actor=province_user, province=unit("06"), year=2024, start=D(2023, 12, 20), end=D(2024, 2, 20)
    )
    support(person, province_user, kind="tet_visit", date=D(2023, 12, 22))
    support(person, province_user, kind="tet_visit", date=D(2024, 2, 1))
    assert "mỗi năm tối đa 2 lần" in refused(person, province_user, kind="tet_visit", date=D(2024, 2, 2))["kind"][0]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"start": D(2024, 2, 15), "end": D(2024, 3, 1)},
            "start",
            "Mùa Tết năm 2024 phải chứa mùng 1 Tết (10/02/2024).",
        ),
        ({"start": D(2024, 2, 1), "end": D(2024, 1, 1)}, "end", "Ngày kết thúc phải từ ngày bắt đầu trở đi."),
        (
            {"start": D(2024, 1, 20), "end": D(2024, 2, 20), "festival_name": "Lồng tồng"},
            "festival_name",
            "Tết, lễ hội khác: ghi đủ tên, ngày bắt đầu và ngày kết thúc, hoặc để trống cả ba.",
        ),
    ],
)
def test_a_bad_season_is_refused(today, province_user, fields, field, message):
    with pytest.raises(ValidationError) as error:
        services.tet_season_save(actor=province_user, province=unit("06"), year=2024, **fields)
    assert error.value.message_dict[field] == [message]
    assert not TetSeason.objects.exists()


def test_only_the_province_sets_the_season(today, district_user, leader):
    for user in (district_user, leader):
        with pytest.raises(PermissionDenied):
            services.tet_season_save(
                actor=user, province=unit("06"), year=2024, start=D(2024, 1, 20), end=D(2024, 2, 20)
            )


def test_no_support_after_a_person_died_except_the_condolence(make_person, province_user):
    person = make_person()
    services.person_update(actor=province_user, person=person, status="deceased", status_date=D(2024, 4, 2))
    errors = refused(person, province_user, kind="illness_visit", date=D(2024, 4, 10), hospital_level="district")
    assert errors["date"] == ["Hoàng Văn Thắng đã qua đời từ 02/04/2024: không ghi hỗ trợ sau ngày đó."]
    condolence = support(person, province_user, kind="condolence", condolence_for="person", date=D(2024, 4, 3))
    assert condolence.amount == 3_000_000


def test_a_district_records_support_in_its_district_only(make_person, district_user, other_district_user):
    person = make_person()
    support(person, district_user, kind="tet_visit", date=D(2024, 2, 1), funded_by="district")
    with pytest.raises(PermissionDenied):
        support(person, other_district_user, kind="tet_visit", date=D(2024, 2, 2))
    assert SupportActivity.objects.count() == 1


def course(actor, **fields):
    values = {
        "title": "Tập huấn người có uy tín 2024",
        "unit": unit("06"),
        "start_date": D(2024, 3, 12),
        "end_date": D(2024, 3, 14),
        "funded_by": "province",
    }
    values.update(fields)
    return services.training_course_create(actor=actor, **values)


def test_a_course_is_one_event_with_its_participants(make_person, province_user):
    first, second = make_person(), make_person(full_name="Lý Thị Mai", gender="female", birth_year=1966)
    training = course(province_user)
    created = services.training_course_add_participants(
        actor=province_user, course=training, persons=[first, second], amount=450_000
    )
    assert {s.person_id for s in created} == {first.pk, second.pk}
    assert set(training.participants.all()) == {first, second}
    assert all(s.kind == "training" and s.date == D(2024, 3, 12) and s.amount == 450_000 for s in created)
    assert SupportActivity.history.filter(training_course_id=training.pk).count() == 2
    with pytest.raises(ValidationError) as error:
        services.training_course_add_participants(actor=province_user, course=training, persons=[first])
    assert error.value.message_dict == {"persons": ["Hoàng Văn Thắng đã có trong lớp này."]}
    assert SupportActivity.objects.count() == 2


def test_a_course_refuses_a_person_who_died_before_it_and_writes_nobody(make_person, province_user):
    alive, dead = make_person(), make_person(full_name="Lý Văn Páo", birth_year=1950)
    services.person_update(actor=province_user, person=dead, status="deceased", status_date=D(2024, 3, 1))
    with pytest.raises(ValidationError) as error:
        services.training_course_add_participants(
            actor=province_user, course=course(province_user), persons=[alive, dead]
        )
    assert error.value.message_dict["persons"] == [
        "Lý Văn Páo (1950): Lý Văn Páo đã qua đời từ 01/03/2024: không ghi hỗ trợ sau ngày đó."
    ]
    assert not SupportActivity.objects.exists()


def test_a_bad_course_is_refused(today, province_user):
    with pytest.raises(ValidationError) as error:
        course(province_user, title="", end_date=D(2024, 3, 1))
    assert error.value.message_dict == {
        "title": ["Phải nhập tên lớp tập huấn."],
        "end_date": ["Ngày kết thúc phải từ ngày bắt đầu trở đi."],
    }


def test_a_batch_of_tet_visits_counts_the_batch_itself(make_person, province_user):
    person = make_person()
    rows = [
        {"person": person, "kind": "tet_visit", "date": D(2024, 1, 20 + n), "funded_by": "province"} for n in range(3)
    ]
    with pytest.raises(ValidationError, match="mỗi năm tối đa 2 lần"):
        services.support_activities_record(actor=province_user, rows=rows)
    assert not SupportActivity.objects.exists()
    created = services.support_activities_record(actor=province_user, rows=rows[:2])
    assert [s.amount for s in created] == [500_000, 500_000]
    assert SupportActivity.history.count() == 2


def test_the_support_update_rechecks_the_rules(make_person, province_user):
    person = make_person()
    tet = support(person, province_user, kind="tet_visit", date=D(2024, 2, 1))
    with pytest.raises(ValidationError, match="phải trong mùa Tết"):
        services.support_activity_update(actor=province_user, support=tet, date=D(2024, 5, 1))
    updated = services.support_activity_update(actor=province_user, support=tet, date=D(2024, 2, 3), amount=450_000)
    assert (updated.date, updated.amount) == (D(2024, 2, 3), 450_000)
    with clock.as_of(D(2024, 7, 15)):
        services.support_activity_delete(actor=province_user, support=updated)
    assert SupportActivity.history.filter(history_type="-").count() == 1
