"""The demo: loaded once for this module (about a minute), inside a transaction rolled back at the end."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from accounts.models import User
from disbursement.models import Allocation, Disbursement, Period
from disbursement.selectors import progress_for_unit
from ethnic_portal.demo import DEMO_PASSWORD, DEMO_USERS
from geography.models import AdministrativeUnit, Level, UnitSuccession
from tests.conftest import _ensure_reference_data
from tests.factories import unit


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        _ensure_reference_data()
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.usefixtures("demo")


def test_load_demo_is_idempotent(db):
    counts = (
        AdministrativeUnit.objects.count(),
        UnitSuccession.objects.count(),
        Allocation.objects.count(),
        Disbursement.objects.count(),
    )
    call_command("load_demo", stdout=io.StringIO())
    assert (
        AdministrativeUnit.objects.count(),
        UnitSuccession.objects.count(),
        Allocation.objects.count(),
        Disbursement.objects.count(),
    ) == counts


def test_villages_are_carried_into_the_2025_communes(db):
    old_villages = AdministrativeUnit.objects.below(unit("06")).filter(level=Level.VILLAGE)
    new_villages = AdministrativeUnit.objects.below(unit("19", current=True)).filter(level=Level.VILLAGE)
    assert old_villages.count() == new_villages.count() > 108 * 4
    cho_ra = unit("01912", current=True)
    expected = sum(AdministrativeUnit.objects.filter(parent=unit(code)).count() for code in ["01888", "01912", "01915"])
    assert AdministrativeUnit.objects.filter(parent=cho_ra).count() == expected
    assert UnitSuccession.objects.filter(predecessor__in=old_villages).count() == old_villages.count()
    assert old_villages.filter(is_extremely_difficult=True, parent__region="III").exists()
    assert not old_villages.filter(is_extremely_difficult=True).exclude(parent__region="III").exists()


def test_the_2024_figures_are_the_seed_reports(db):
    province_user = User.objects.get(username="tinh.backan")
    mid_year = progress_for_unit(user=province_user, unit=unit("06"), year=2024, as_of=datetime.date(2024, 6, 30))
    investment, recurrent = mid_year.by_type["investment"], mid_year.by_type["recurrent"]
    assert investment.allocated == 478_635_000_000  # "trên 478 tỷ đồng"
    assert recurrent.allocated == 595_418_000_000  # "trên 595 tỷ đồng"
    assert investment.disbursed == 94_312_000_000  # "trên 94 tỷ đồng, đạt gần 20%"
    assert str(investment.rate) == "19.7"
    assert recurrent.disbursed == 16_076_000_000  # "16 tỷ đồng, đạt 2,7%"
    assert str(recurrent.rate) == "2.7"
    # 2022 and 2023 capital carried over is among it, and reported apart.
    origins = set(
        Allocation.objects.filter(year=2024, unit__path__startswith="06/").values_list("origin_year", flat=True)
    )
    assert origins == {2022, 2023, 2024}
    assert mid_year.by_type_origin[("investment", True)].allocated > 0
    assert len(mid_year.by_subunit) == 8


def test_the_demo_has_periods_in_every_state_and_the_current_year_open(db):
    statuses = set(Period.objects.filter(year=2024, kind="year").values_list("status", flat=True))
    assert statuses == {"approved", "submitted", "returned"}
    commune_user = User.objects.get(username="xa.chora2025")
    this_year = progress_for_unit(user=commune_user, unit=commune_user.unit, year=2026)
    assert this_year.total.allocated > this_year.total.disbursed > 0


def test_load_demo_without_its_province_says_what_to_do(db, monkeypatch):
    from ethnic_portal import demo

    monkeypatch.setattr(demo, "BAC_KAN", "98")  # a province that was never loaded
    with pytest.raises(CommandError, match="chạy load_reference_data trước"):
        call_command("load_demo", stdout=io.StringIO())


def test_demo_users_log_in_with_the_printed_password(db, client):
    out = io.StringIO()
    call_command("create_demo_users", stdout=out)
    assert {u[1] for u in DEMO_USERS} == {"province", "district", "commune", "leader", "admin"}
    for username, _role, _unit, _name in DEMO_USERS:
        response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        client.logout()
    assert DEMO_PASSWORD in out.getvalue()
    assert User.objects.get(username="quantri").is_staff
    assert User.objects.filter(role="district", unit__parent__code="06").count() == 8
