"""The pages: lists with filters and counts, a person's and a household's page with the whole history, forms
that show the service's refusal, scope (another district's record is a 404), roles (a leader enters nothing)."""

import datetime

import pytest
from django.urls import reverse

from beneficiaries import services
from beneficiaries.models import CaseReview, Household, PrestigiousPerson, ProgramActivity, SupportActivity, TetSeason
from tests.factories import unit

D = datetime.date


@pytest.fixture
def data(make_person, make_household, make_support, province_user):
    person = make_person()
    services.support_activity_create(
        actor=province_user, person=person, kind="tet_visit", date=D(2024, 2, 1), funded_by="province"
    )
    household = make_household()
    make_support(household)
    make_support(household, funding_program="ntp_rural", project=None, scheme="Nước sạch NTM", amount=2_000_000)
    return person, household


def test_lists_show_counts_and_filter(client_as, district_user, data):
    client = client_as(district_user)
    page = client.get(reverse("beneficiaries:person_list"), {"ethnic_group": "02", "status": "active"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Hoàng Văn Thắng" in html
    assert "Theo dân tộc" in html
    assert "Thị trấn Chợ Rã" in html
    assert (
        "Hoàng Văn Thắng"
        not in client.get(reverse("beneficiaries:person_list"), {"ethnic_group": "09"}).content.decode()
    )
    households = client.get(reverse("beneficiaries:household_list"), {"poverty_status": "poor"}).content.decode()
    assert "Nông Thị Lan" in households
    assert "Theo phân loại" in households
    supports = client.get(
        reverse("beneficiaries:household_support_list"), {"kind": "water", "year": 2024}
    ).content.decode()
    assert "Nước sạch NTM" in supports
    assert "5.000.000" in supports
    assert client.get(reverse("beneficiaries:support_list"), {"kind": "tet_visit"}).status_code == 200


def test_a_persons_page_has_the_whole_support_history(client_as, district_user, data):
    person, _household = data
    html = client_as(district_user).get(person.get_absolute_url()).content.decode()
    assert "Thăm hỏi, tặng quà Tết" in html
    assert "500.000" in html
    assert "Lịch sử thay đổi" in html
    assert "Tạo mới" in html
    assert "Mức hỗ trợ theo chế độ hiện hành" in html


def test_a_households_page_shows_its_overlap_case(client_as, district_user, data):
    _person, household = data
    html = client_as(district_user).get(household.get_absolute_url()).content.decode()
    assert "Hỗ trợ trùng cần rà soát" in html
    assert "Giữ (mức cao nhất)" in html
    assert "2.000.000" in html


def test_another_districts_records_are_404_in_pages(client_as, other_district_user, data):
    person, household = data
    client = client_as(other_district_user)
    for url in [
        person.get_absolute_url(),
        reverse("beneficiaries:person_edit", args=[person.pk]),
        household.get_absolute_url(),
        reverse("beneficiaries:household_edit", args=[household.pk]),
        reverse("beneficiaries:support_edit", args=[person.supports.get().pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("beneficiaries:person_delete", args=[person.pk])).status_code == 404
    assert client.post(reverse("beneficiaries:household_support_add", args=[household.pk]), {}).status_code == 404
    assert "Hoàng Văn Thắng" not in client.get(reverse("beneficiaries:person_list")).content.decode()
    assert PrestigiousPerson.objects.filter(pk=person.pk).exists()


def test_a_leader_reads_but_enters_nothing(client_as, leader, data, village):
    person, household = data
    client = client_as(leader)
    assert client.get(person.get_absolute_url()).status_code == 200
    assert client.get(reverse("beneficiaries:person_add")).status_code == 403
    response = client.post(
        reverse("beneficiaries:support_add", args=[person.pk]),
        {"kind": "tet_visit", "date": "2024-02-02", "funded_by": "province"},
    )
    assert response.status_code == 403
    assert client.post(reverse("beneficiaries:household_delete", args=[household.pk])).status_code == 403
    assert SupportActivity.objects.count() == 1
    assert Household.objects.count() == 1


def test_a_refused_support_shows_the_reason_on_the_form_and_writes_nothing(client_as, district_user, data):
    person, _household = data
    response = client_as(district_user).post(
        reverse("beneficiaries:support_add", args=[person.pk]),
        {"kind": "tet_visit", "date": "2024-04-02", "funded_by": "district", "amount": "600.000"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "phải trong mùa Tết năm 2024 do tỉnh đặt" in html
    assert SupportActivity.objects.count() == 1


def test_a_support_entered_on_the_persons_page(client_as, district_user, data):
    person, _household = data
    response = client_as(district_user).post(
        reverse("beneficiaries:support_add", args=[person.pk]),
        {"kind": "illness_visit", "date": "2024-03-02", "funded_by": "district", "hospital_level": "district"},
    )
    assert response.status_code == 302
    assert person.supports.get(kind="illness_visit").amount == 800_000


def test_a_person_added_through_the_form(client_as, district_user, village, today):
    client = client_as(district_user)
    form = client.get(reverse("beneficiaries:person_add")).content.decode()
    assert "Bản Thử Một" in form
    body = {
        "full_name": "Lục Thị Xuân",
        "gender": "female",
        "birth_year": "2010",
        "ethnic_group": "",
        "unit": village.pk,
        "community_role": "artisan",
        "term_start": "2023",
        "term_end": "2027",
        "status": "active",
    }
    response = client.post(reverse("beneficiaries:person_add"), body)
    assert response.status_code == 200
    assert not PrestigiousPerson.objects.exists()
    body.update(
        birth_year="1970",
        ethnic_group=PrestigiousPerson._meta.get_field("ethnic_group").related_model.objects.get(code="02").pk,
    )
    response = client.post(reverse("beneficiaries:person_add"), body)
    assert response.status_code == 302
    assert PrestigiousPerson.objects.get().full_name == "Lục Thị Xuân"


def test_the_review_page_lists_cases_and_province_staff_mark_them(client_as, province_user, district_user, data):
    client = client_as(province_user)
    html = client.get(reverse("beneficiaries:review")).content.decode()
    assert "Hỗ trợ trùng" in html
    assert "Đánh dấu đã rà soát" in html
    assert "Nông Thị Lan" in html
    key = f"support_overlap:{data[1].pk}:water:-"
    response = client.post(reverse("beneficiaries:review"), {"case": key, "comment": "Đã thu hồi 2.000.000 đồng."})
    assert response.status_code == 302
    assert CaseReview.objects.get().comment == "Đã thu hồi 2.000.000 đồng."
    assert "Đã rà soát bởi" in client.get(reverse("beneficiaries:review")).content.decode()
    district = client_as(district_user)
    assert "Đánh dấu đã rà soát" not in district.get(reverse("beneficiaries:review")).content.decode()
    assert district.post(reverse("beneficiaries:review"), {"case": key, "comment": "x"}).status_code == 403


def test_an_empty_review_comment_is_refused_on_the_page(client_as, province_user, data):
    key = f"support_overlap:{data[1].pk}:water:-"
    response = client_as(province_user).post(reverse("beneficiaries:review"), {"case": key, "comment": ""})
    assert response.status_code == 200
    assert "Phải ghi kết luận rà soát" in response.content.decode()
    assert not CaseReview.objects.exists()


def test_the_tet_season_page_is_the_provinces(client_as, province_user, district_user, today):
    client = client_as(province_user)
    page = client.get(reverse("beneficiaries:tet_season"), {"year": 2024}).content.decode()
    assert "11/01/2024" in page
    response = client.post(
        reverse("beneficiaries:tet_season"), {"year": 2024, "start": "2024-01-20", "end": "2024-02-25"}
    )
    assert response.status_code == 302
    assert TetSeason.objects.get().start == D(2024, 1, 20)
    assert client_as(district_user).get(reverse("beneficiaries:tet_season")).status_code == 403


def test_the_navbar_has_the_beneficiaries_menu_for_readers_only(client_as, district_user, admin_user):
    assert "Đối tượng" in client_as(district_user).get(reverse("home")).content.decode()
    assert "Đối tượng" not in client_as(admin_user).get(reverse("home")).content.decode()


def test_a_course_page_enrols_participants(client_as, province_user, make_person):
    person = make_person()
    client = client_as(province_user)
    response = client.post(
        reverse("beneficiaries:course_add"),
        {
            "title": "Lớp 1",
            "unit": unit("06").pk,
            "start_date": "2024-03-12",
            "end_date": "2024-03-14",
            "funded_by": "province",
        },
    )
    assert response.status_code == 302
    course_url = response.url
    assert person.full_name in client.get(course_url).content.decode()
    course_id = int(course_url.rstrip("/").rsplit("/", 1)[1])
    client.post(
        reverse("beneficiaries:course_participants", args=[course_id]), {"persons": [person.pk], "amount": "450.000"}
    )
    assert person.supports.get(kind="training").amount == 450_000


def test_an_activity_through_the_form_with_ethnic_counts(client_as, district_user, today):
    client = client_as(district_user)
    body = {
        "kind": "congress",
        "title": "Đại hội đại biểu các DTTS huyện Ba Bể lần thứ IV",
        "unit": unit("061").pk,
        "start_date": "2024-04-18",
        "scheme": "ethnic_congress",
        "participants_male": "90",
        "participants_female": "60",
        "ethnic_counts": "02=100, 9=30, 07=20",
    }
    assert client.post(reverse("beneficiaries:activity_add"), body).status_code == 302
    activity = ProgramActivity.objects.get()
    assert activity.participants_total == 150
    assert sorted(activity.ethnic_counts.values_list("ethnic_group__code", "participants")) == [
        ("02", 100),
        ("07", 20),
        ("09", 30),
    ]
    bad = client.post(reverse("beneficiaries:activity_add"), {**body, "ethnic_counts": "02=200"})
    assert "vượt tổng số người tham gia (150)" in bad.content.decode()
    assert ProgramActivity.objects.count() == 1


@pytest.mark.parametrize(
    ("page", "max_queries"),
    [
        ("person_list", 14),
        ("support_list", 14),
        ("household_list", 15),
        ("household_support_list", 16),
        ("review", 16),
        ("activity_list", 11),
    ],
)
def test_lists_do_not_query_per_row(
    client_as,
    province_user,
    make_person,
    make_household,
    make_support,
    django_assert_max_num_queries,
    page,
    max_queries,
):
    for n in range(12):
        person = make_person(birth_year=1950 + n)
        services.support_activity_create(
            actor=province_user, person=person, kind="tet_visit", date=D(2024, 2, 1), funded_by="province"
        )
        household = make_household(head_id_number=f"0061800{n:05d}", head_name=f"Hộ thử {n}")
        make_support(household)
        make_support(household, funding_program="ntp_rural", project=None, scheme="NTM", amount=1_000_000)
    client = client_as(province_user)
    with django_assert_max_num_queries(max_queries):
        assert client.get(reverse(f"beneficiaries:{page}")).status_code == 200
