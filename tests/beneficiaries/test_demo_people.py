"""The demo's persons, households and activities reproduce the seed report's 2024 figures, and the review
page has cases. Loaded once for the module on the demo's villages and users (without the ledger)."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from beneficiaries import selectors
from beneficiaries.models import Household, PrestigiousPerson, SupportActivity
from ethnic_portal.demo import ensure_demo_users, load_demo_villages
from ethnic_portal.demo_people import load_demo_people
from tests.conftest import _ensure_reference_data
from tests.factories import unit

H1 = datetime.date(2024, 6, 30)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        _ensure_reference_data()
        load_demo_villages()
        result = load_demo_people(users=ensure_demo_users())
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def province(db, demo):
    return User.objects.get(username="tinh.backan")


def test_the_2024_figures_are_the_seed_reports(province):
    people = selectors.person_support_summary(user=province, unit=unit("06"), year=2024, as_of=H1)
    tet = {value: n for value, _label, n in people["tet_persons_by_funder"]}
    assert (tet["province"], tet["central"]) == (1290, 362)  # "1.290 người có uy tín … 362 người có uy tín"
    assert people["courses"] == 3  # "tổ chức 03 lớp tập huấn"
    by_kind = {value: n for value, _label, n, _persons, _amount in people["by_kind"]}
    assert by_kind["illness_visit"] > 0
    assert by_kind["condolence"] > 0
    year = selectors.person_support_summary(user=province, unit=unit("06"), year=2024)
    assert {row[0]: row[2] for row in year["by_kind"]}["disaster_support"] == 25  # Typhoon Yagi, September
    activities = selectors.activity_summary(user=province, unit=unit("06"), year=2024, as_of=H1)
    assert (activities["congress_held"], activities["congress_total"]) == (8, 8)  # "8/8 huyện, thành phố"
    assert not activities["own_congress_held"]
    assert activities["own_congress"].start_date.month == 10
    assert activities["pilot_models"] == 4  # "duy trì 04 mô hình điểm"


def test_every_visited_person_got_at_most_two_tet_gifts(province):
    per_person = SupportActivity.objects.filter(kind="tet_visit", date__year=2024).values("person").distinct().count()
    assert per_person == 1290
    assert SupportActivity.objects.filter(kind="tet_visit").count() == 1290 + 362


def test_the_review_page_has_the_demos_cases(province, client):
    cases = selectors.cases(user=province)
    types = {c.case_type for c in cases}
    assert types == {"support_overlap", "household_duplicate", "person_duplicate"}
    once_only = [c for c in cases if c.once_only]
    assert len(once_only) >= 5
    assert all(c.excess > 0 and c.standing for c in once_only)
    assert sum(1 for c in cases if c.reviewed) == 1
    client.force_login(province)
    html = client.get(reverse("beneficiaries:review")).content.decode()
    assert "Giữ (mức cao nhất)" in html
    assert "Hộ nhập hai lần" in html


def test_load_demo_people_is_idempotent(province):
    counts = (PrestigiousPerson.objects.count(), Household.objects.count(), SupportActivity.objects.count())
    assert load_demo_people(users=ensure_demo_users()) == {"prestigious_persons": 0}
    assert (PrestigiousPerson.objects.count(), Household.objects.count(), SupportActivity.objects.count()) == counts


def test_the_summary_page_says_it_as_the_report_does(province, client):
    client.force_login(province)
    html = client.get(reverse("beneficiaries:summary"), {"year": 2024, "as_of": "2024-06-30"}).content.decode()
    assert "8/8 huyện, thành phố đã tổ chức xong đại hội" in html
    assert "đại hội của Tỉnh Bắc Kạn sẽ tổ chức vào tháng 10/2024" in html
    assert "Thăm hỏi, tặng quà Tết cho 1.290 người có uy tín (Tỉnh)" in html
    assert "4 mô hình điểm" in html
