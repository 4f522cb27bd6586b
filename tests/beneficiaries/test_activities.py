"""Program activities: their rules, and the figures the report quotes (congresses held, pilot models maintained)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beneficiaries import selectors, services
from beneficiaries.models import EthnicGroup, ProgramActivity
from tests.factories import unit

D = datetime.date


def activity(actor, **fields):
    values = {
        "kind": "congress",
        "title": "Đại hội",
        "unit": unit("061"),
        "start_date": D(2024, 4, 18),
        "scheme": "ethnic_congress",
        "participants_total": 10,
        "participants_male": 6,
        "participants_female": 4,
    }
    values.update(fields)
    return services.program_activity_create(actor=actor, **values)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"participants_total": 11},
            "participants_total",
            "Tổng số người tham gia (11) phải bằng số nam (6) cộng số nữ (4).",
        ),
        ({"title": " "}, "title", "Phải nhập tên hoạt động."),
        ({"kind": "party"}, "kind", None),
        ({"scheme": ""}, "scheme", "Ghi dự án của Chương trình hoặc đề án mà hoạt động thuộc về."),
        ({"end_date": D(2024, 4, 1)}, "end_date", "Ngày kết thúc phải từ ngày bắt đầu trở đi."),
        ({"start_date": D(2025, 8, 1)}, "unit", "Huyện Ba Bể không tồn tại vào ngày 01/08/2025."),
    ],
)
def test_a_bad_activity_is_refused(today, district_user, fields, field, message):
    with pytest.raises(ValidationError) as error:
        activity(district_user, **fields)
    assert field in error.value.message_dict
    if message:
        assert error.value.message_dict[field] == [message]
    assert not ProgramActivity.objects.exists()


def test_participants_by_ethnic_group_cannot_exceed_the_total(today, district_user):
    tay = EthnicGroup.objects.get(code="02")
    with pytest.raises(ValidationError) as error:
        activity(district_user, ethnic_counts={tay: 11})
    assert error.value.message_dict["ethnic_counts"] == [
        "Tổng số người theo dân tộc (11) vượt tổng số người tham gia (10)."
    ]
    created = activity(district_user, ethnic_counts={tay: 7})
    assert list(created.ethnic_counts.values_list("participants", flat=True)) == [7]
    services.program_activity_update(actor=district_user, activity=created, ethnic_counts={})
    assert not created.ethnic_counts.exists()


def test_an_activity_outside_the_scope_is_refused(today, other_district_user, leader):
    for user in (other_district_user, leader):
        with pytest.raises(PermissionDenied):
            activity(user)
    assert not ProgramActivity.objects.exists()


def test_the_summary_counts_congresses_and_pilot_models(today, province_user):
    districts = list(unit("06").children.filter(level="district").order_by("code"))
    for number, district in enumerate(districts[:7]):
        activity(province_user, unit=district, start_date=D(2024, 3, 1 + number))
    activity(province_user, unit=districts[7], start_date=D(2024, 7, 2))  # after the half-year cut-off
    activity(province_user, unit=unit("06"), start_date=D(2024, 10, 17))
    commune = unit("01888")
    for year in (2019, 2020, 2021):
        activity(province_user, kind="pilot_model", unit=commune, start_date=D(year, 9, 1), scheme="gender_equality")
    activity(
        province_user,
        kind="pilot_model",
        unit=commune,
        start_date=D(2019, 9, 1),
        end_date=D(2023, 12, 31),
        scheme="gender_equality",
    )
    h1 = selectors.activity_summary(user=province_user, unit=unit("06"), year=2024, as_of=D(2024, 6, 30))
    assert (h1["congress_held"], h1["congress_total"], h1["own_congress_held"]) == (7, 8, False)
    assert h1["own_congress"].start_date == D(2024, 10, 17)
    assert h1["pilot_models"] == 3
    year = selectors.activity_summary(user=province_user, unit=unit("06"), year=2024)
    assert (year["congress_held"], year["congress_total"], year["own_congress_held"]) == (8, 8, True)


def test_the_summary_of_a_district_is_its_own(today, district_user, province_user):
    activity(province_user, unit=unit("064"))
    summary = selectors.activity_summary(user=district_user, unit=unit("061"), year=2024)
    assert summary["congress_held"] == 0
    assert summary["congress_total"] == unit("061").children.exclude(level="village").count()
