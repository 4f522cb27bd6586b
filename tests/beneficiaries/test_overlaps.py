"""Overlaps and duplicates found exactly; which record stands and the excess; the review of a case."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from beneficiaries import selectors, services
from beneficiaries.models import CaseReview, HouseholdSupportNorm
from tests.beneficiaries.conftest import person_fields, subproject
from tests.factories import VillageFactory, unit

D = datetime.date


def keys(cases):
    return sorted(case.key for case in cases)


def test_a_once_only_kind_from_two_programs_keeps_the_highest_rate(make_household, make_support, province_user):
    household = make_household()
    da1 = make_support(household, amount=2_500_000)  # 1719: norm 3.000.000
    rural = make_support(household, funding_program="ntp_rural", project=None, scheme="Nước sạch NTM", amount=2_000_000)
    [case] = selectors.support_overlap_cases(user=province_user)
    assert case.key == f"support_overlap:{household.pk}:water:-"
    assert [(r.obj.pk, r.amount, r.norm, r.rate, r.stands) for r in case.records] == [
        (da1.pk, 2_500_000, 3_000_000, 3_000_000, True),
        (rural.pk, 2_000_000, None, 2_000_000, False),
    ]
    assert (case.standing.obj, case.excess) == (da1, 2_000_000)


def test_the_norm_table_decides_which_record_stands(make_household, make_support, province_user):
    household = make_household()
    make_support(household, amount=2_500_000)
    rural = make_support(household, funding_program="ntp_rural", project=None, scheme="NTM", amount=2_000_000)
    HouseholdSupportNorm.objects.create(kind="water", funding_program="ntp_rural", amount=4_000_000)
    [case] = selectors.support_overlap_cases(user=province_user)
    assert (case.standing.obj, case.excess) == (rural, 2_500_000)


def test_once_only_means_once_in_any_year(make_household, make_support, province_user):
    household = make_household()
    make_support(household, kind="job_conversion", amount=10_000_000, year=2023, date=D(2023, 6, 1))
    make_support(
        household, kind="job_conversion", amount=8_000_000, funding_program="ntp_poverty", project=None, scheme="DA2"
    )
    [case] = selectors.support_overlap_cases(user=province_user)
    assert (case.year, case.once_only, case.excess) == (None, True, 8_000_000)
    assert keys(selectors.support_overlap_cases(user=province_user, year=2023)) == [case.key]
    assert selectors.support_overlap_cases(user=province_user, year=2022) == []


def test_other_kinds_are_a_case_only_from_two_sources_in_one_year(make_household, make_support, province_user):
    household = make_household()
    tda32 = subproject("DA3.TDA2")
    fields = {"kind": "production_support", "project": tda32.project, "subproject": tda32}
    make_support(household, amount=5_000_000, **fields)
    make_support(household, amount=6_000_000, date=D(2024, 6, 1), **fields)  # two instalments, one source
    make_support(
        household,
        amount=4_000_000,
        year=2023,
        date=D(2023, 5, 1),
        funding_program="ntp_poverty",
        project=None,
        scheme="DA3",
    )
    assert selectors.support_overlap_cases(user=province_user) == []
    make_support(
        household,
        amount=7_000_000,
        funding_program="ntp_poverty",
        project=None,
        scheme="DA3 giảm nghèo",
        kind="production_support",
    )
    [case] = selectors.support_overlap_cases(user=province_user)
    assert (case.key, case.once_only, case.standing, case.excess) == (
        f"support_overlap:{household.pk}:production_support:2024",
        False,
        None,
        0,
    )
    assert len(case.records) == 3


def test_the_api_overlaps_are_the_same_kind_household_and_year(make_household, make_support):
    household, other = make_household(), make_household(head_id_number="006190004321", head_name="Lý Văn Páo")
    a = make_support(household)
    b = make_support(household, funding_program="ntp_rural", project=None, scheme="NTM", amount=1_000_000)
    c = make_support(household, year=2023, date=D(2023, 4, 1))
    d = make_support(other)
    e = make_support(household, kind="housing", amount=40_000_000)
    assert selectors.overlap_ids([a, b, c, d, e]) == {a.pk: [b.pk], b.pk: [a.pk], c.pk: [], d.pk: [], e.pk: []}


def test_a_district_sees_only_its_own_cases(make_household, make_support, district_user, other_district_user):
    household = make_household()
    make_support(household)
    make_support(household, funding_program="ntp_rural", project=None, scheme="NTM", amount=1_000_000)
    assert len(selectors.cases(user=district_user)) == 1
    assert selectors.cases(user=other_district_user) == []


def test_a_household_entered_twice_is_found(make_household, province_user, village):
    first = make_household(head_name="Hoàng Văn Dào")
    twin = make_household(head_name="HOÀNG VĂN DÀO", head_id_number="006180001235")
    make_household(
        head_name="Hoàng Văn Dào",
        head_id_number="006180001236",
        unit=VillageFactory(parent=village.parent, code="01888.93"),
    )
    at_commune = make_household(head_name="Lý Thị Chín", head_id_number="006170001111", unit=village.parent)
    in_village = make_household(head_name="Lý Thị Chín", head_id_number="006170001112")
    cases = selectors.household_duplicate_cases(user=province_user)
    assert keys(cases) == sorted(
        [
            f"household_duplicate:{first.pk}-{twin.pk}",
            f"household_duplicate:{at_commune.pk}-{in_village.pk}",
        ]
    )


def test_a_person_entered_twice_at_the_commune_and_the_village_is_found(make_person, province_user, village):
    person = make_person()
    twin = make_person(unit=village.parent)
    make_person(birth_year=1970, unit=village.parent)  # another birth year: another person
    [case] = selectors.person_duplicate_cases(user=province_user)
    assert case.key == f"person_duplicate:{person.pk}-{twin.pk}"
    assert case.title == "Hoàng Văn Thắng"


def test_province_staff_mark_a_case_reviewed_with_a_comment(make_household, make_support, province_user, district_user):
    household = make_household()
    make_support(household)
    make_support(household, funding_program="ntp_rural", project=None, scheme="NTM", amount=1_000_000)
    [case] = selectors.cases(user=province_user)
    with pytest.raises(PermissionDenied):
        services.case_review_save(actor=district_user, case=case, comment="Đã xem")
    with pytest.raises(ValidationError) as error:
        services.case_review_save(actor=province_user, case=case, comment="  ")
    assert error.value.message_dict["comment"][0].startswith("Phải ghi kết luận rà soát")
    assert not CaseReview.objects.exists()
    review = services.case_review_save(actor=province_user, case=case, comment="Hộ đã hoàn trả 1.000.000 đồng.")
    assert (review.reviewed_by, review.comment, review.history.get().history_user) == (
        province_user,
        "Hộ đã hoàn trả 1.000.000 đồng.",
        province_user,
    )
    [case] = selectors.cases(user=province_user)
    assert case.reviewed
    assert not case.changed_since_review
    assert selectors.cases(user=province_user, reviewed=False) == []


def test_a_case_that_changed_after_its_review_shows_as_changed(make_household, make_support, province_user):
    household = make_household()
    make_support(household)
    make_support(household, funding_program="ntp_rural", project=None, scheme="NTM", amount=1_000_000)
    services.case_review_save(actor=province_user, case=selectors.cases(user=province_user)[0], comment="OK")
    make_support(household, funding_program="other", project=None, scheme="Quỹ vì người nghèo", amount=500_000)
    [case] = selectors.cases(user=province_user)
    assert case.changed_since_review
    assert len(selectors.cases(user=province_user, reviewed=False)) == 1


def test_case_get_answers_none_outside_the_scope(make_household, make_support, other_district_user, province_user):
    household = make_household()
    make_support(household)
    make_support(household, funding_program="ntp_rural", project=None, scheme="NTM", amount=1_000_000)
    key = selectors.cases(user=province_user)[0].key
    assert selectors.case_get(user=province_user, key=key) is not None
    assert selectors.case_get(user=other_district_user, key=key) is None
    assert selectors.case_get(user=province_user, key="bogus:1") is None


def test_persons_in_two_villages_with_the_same_name_are_not_duplicates(today, province_user, village):
    other = VillageFactory(parent=unit("01888"), code="01888.94")
    services.person_create(actor=province_user, **person_fields(unit=village))
    services.person_create(actor=province_user, **person_fields(unit=other))
    assert selectors.person_duplicate_cases(user=province_user) == []
