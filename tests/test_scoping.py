"""The scope rule itself: one mechanism, the same answer in querysets, pages and the API."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts.scope import (
    ROLE_POLICIES,
    ScopedQuerySet,
    can_approve,
    can_manage_user,
    can_read_access_log,
    can_request_reports,
    can_see_personal_data,
    can_submit,
    can_write,
    policy_for,
    unit_in_scope,
    visible_roots,
)
from geography.models import AdministrativeUnit, Level
from tests.factories import UserFactory, VillageFactory, unit


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_a_district_officer_sees_their_district_its_communes_and_the_province_above(district_user):
    visible = AdministrativeUnit.objects.for_user(district_user)
    assert {"06", "061"} <= codes(visible)
    ba_be_communes = codes(AdministrativeUnit.objects.filter(parent=unit("061")))
    assert ba_be_communes <= codes(visible)
    assert "064" not in codes(visible)
    assert not (codes(AdministrativeUnit.objects.filter(parent=unit("064"))) & codes(visible))
    assert not visible.filter(level=Level.DISTRICT).exclude(code="061").exists()


def test_a_district_officer_sees_nothing_of_another_district_in_pages_and_api(district_user, client_as, api_as):
    cho_don = unit("064")
    cho_don_commune = AdministrativeUnit.objects.filter(parent=cho_don).first()
    client = client_as(district_user)
    assert client.get(reverse("geography:unit_detail", args=[cho_don.pk])).status_code == 404
    assert client.get(reverse("geography:unit_detail", args=[cho_don_commune.pk])).status_code == 404
    assert client.get(reverse("geography:unit_detail", args=[unit("061").pk])).status_code == 200

    api = api_as(district_user)
    assert api.get("/api/v1/units/064/").status_code == 404
    assert api.get(f"/api/v1/units/{cho_don_commune.code}/").status_code == 404
    listed = api.get("/api/v1/units/", {"level": "district", "parent": "06"}).json()
    assert [row["code"] for row in listed["results"]] == ["061"]
    children = api.get("/api/v1/units/", {"parent": "064"}).json()
    assert children["count"] == 0


def test_a_commune_officer_sees_their_commune_and_its_villages_only(commune_user, other_commune_user):
    village = VillageFactory(parent=unit("01888"))
    other_village = VillageFactory(parent=unit("01891"))
    visible = AdministrativeUnit.objects.for_user(commune_user)
    assert village in visible
    assert other_village not in visible
    assert unit("01891") not in visible
    assert {"06", "061", "01888"} <= codes(visible)


def test_a_user_of_a_unit_formed_in_2025_sees_the_history_of_the_units_it_replaced(new_commune_user, new_province_user):
    commune_scope = AdministrativeUnit.objects.for_user(new_commune_user)
    assert {"01888", "01912", "01915"} <= codes(commune_scope.filter(valid_to__isnull=False))
    assert "01891" not in codes(commune_scope)  # went into another commune
    assert len(visible_roots(new_commune_user)) == 4

    province_scope = AdministrativeUnit.objects.for_user(new_province_user)
    assert AdministrativeUnit.objects.below(unit("06")).count() == province_scope.below(unit("06")).count()
    assert unit("01", current=False) not in province_scope  # Hà Nội is not Thái Nguyên


@pytest.mark.parametrize("who", ["anonymous", "inactive", "no_unit"])
def test_the_scope_fails_closed(reference_data, who):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "inactive":
        user = UserFactory(role="province", unit=unit("06"), is_active=False)
    else:
        user = UserFactory(role="province", unit=None)
    assert not AdministrativeUnit.objects.for_user(user).exists()
    assert not ScopedQuerySet(model=AdministrativeUnit).for_user(user).exists()
    assert visible_roots(user) is None
    assert not can_write(user, unit("06"))


def test_program_data_scope_excludes_the_admin_role_but_includes_the_leader(admin_user, leader):
    """ScopedQuerySet is what every program-data model uses; the admin maintains reference data only."""
    assert not ScopedQuerySet(model=AdministrativeUnit).for_user(admin_user).exists()
    leader_rows = ScopedQuerySet(model=AdministrativeUnit).for_user(leader)
    assert leader_rows.count() == AdministrativeUnit.objects.below(unit("06")).count()


def test_a_leader_writes_nothing(leader):
    for code in ["06", "061", "01888"]:
        assert not can_write(leader, unit(code))
    assert not can_approve(leader, unit("061"))
    assert not can_submit(leader, unit("061"))
    assert not can_manage_user(leader, "commune", unit("01888"))


def test_who_may_write(province_user, district_user, commune_user):
    assert can_write(province_user, unit("01888"))
    assert can_write(district_user, unit("01888"))
    assert not can_write(district_user, unit("02020"))  # Chợ Đồn
    assert can_write(commune_user, unit("01888"))
    assert not can_write(commune_user, unit("01891"))
    assert not can_write(commune_user, unit("061"))


def test_only_the_province_approves_and_not_its_own_unit(province_user, district_user, commune_user):
    assert can_approve(province_user, unit("061"))
    assert not can_approve(province_user, unit("06"))
    assert not can_approve(district_user, unit("01888"))
    assert not can_approve(commune_user, unit("01888"))


def test_a_district_submits_and_a_commune_submits_only_under_a_two_level_province(
    district_user, commune_user, new_commune_user
):
    assert can_submit(district_user, unit("061"))
    assert not can_submit(commune_user, unit("01888"))  # reports through its district
    assert can_submit(new_commune_user, unit("01912", current=True))


# --- The nationwide role ------------------------------------------------------------------------------------------


def test_a_national_officer_reads_every_unit_of_both_trees_and_writes_nothing(national_user):
    everything = AdministrativeUnit.objects.count()
    assert visible_roots(national_user) == [""]
    assert AdministrativeUnit.objects.for_user(national_user).count() == everything
    assert ScopedQuerySet(model=AdministrativeUnit).for_user(national_user).count() == everything
    for code, current in [("06", False), ("061", False), ("01888", False), ("19", True), ("01912", True)]:
        place = unit(code, current=current)
        assert unit_in_scope(national_user, place)
        assert not can_write(national_user, place)
        assert not can_approve(national_user, place)
        assert not can_submit(national_user, place)
        assert not can_see_personal_data(national_user, place)  # masked, as for province staff
        for role in ["province", "district", "commune", "leader", "admin", "national"]:
            assert not can_manage_user(national_user, role, place)
    assert can_request_reports(national_user)
    assert not can_read_access_log(national_user)


def test_a_nationwide_role_given_a_unit_gets_nothing(reference_data):
    misfiled = UserFactory(role="national", unit=unit("06"))
    assert visible_roots(misfiled) is None
    assert not AdministrativeUnit.objects.for_user(misfiled).exists()
    assert not ScopedQuerySet(model=AdministrativeUnit).for_user(misfiled).exists()


def test_a_nationwide_account_is_made_by_the_system_not_by_a_units_administrator(admin_user):
    assert "national" not in policy_for(admin_user).manages_roles
    assert not can_manage_user(admin_user, "national", None)
    assert ROLE_POLICIES["national"].unit_levels == frozenset()
    assert all(policy.unit_levels for role, policy in ROLE_POLICIES.items() if not policy.nationwide)


def test_the_national_home_and_progress_pages_show_the_country(client_as, national_user):
    client = client_as(national_user)
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Toàn quốc" in home.content.decode()
    progress = client.get(reverse("disbursement:progress"), {"year": 2024})
    assert progress.status_code == 200
    assert progress.context["unit"].code == "VN"
    assert client.get(reverse("disbursement:progress"), {"year": 2024, "unit": "061"}).context["unit"].code == "061"
