import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from ethnic_portal.demo import DEMO_PASSWORD, DEMO_USERS
from geography.models import AdministrativeUnit, Level, UnitSuccession
from tests.factories import unit


def test_load_demo_is_idempotent_and_carries_villages_into_the_2025_communes(reference_data):
    call_command("load_demo", stdout=io.StringIO())
    counts = (AdministrativeUnit.objects.count(), UnitSuccession.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (AdministrativeUnit.objects.count(), UnitSuccession.objects.count()) == counts

    old_villages = AdministrativeUnit.objects.below(unit("06")).filter(level=Level.VILLAGE)
    new_villages = AdministrativeUnit.objects.below(unit("19", current=True)).filter(level=Level.VILLAGE)
    assert old_villages.count() == new_villages.count() > 108 * 4
    cho_ra = unit("01912", current=True)
    expected = sum(AdministrativeUnit.objects.filter(parent=unit(code)).count() for code in ["01888", "01912", "01915"])
    assert AdministrativeUnit.objects.filter(parent=cho_ra).count() == expected
    # Every old village has exactly one successor, and region III communes have difficult villages.
    assert UnitSuccession.objects.filter(predecessor__in=old_villages).count() == old_villages.count()
    assert old_villages.filter(is_extremely_difficult=True, parent__region="III").exists()
    assert not old_villages.filter(is_extremely_difficult=True).exclude(parent__region="III").exists()


def test_load_demo_without_reference_data_says_what_to_do(db):
    AdministrativeUnit.objects.filter(level=Level.VILLAGE).delete()
    User.objects.update(unit=None)
    UnitSuccession.objects.all().delete()
    # An empty tree: delete leaves first.
    for level in [Level.COMMUNE, Level.DISTRICT, Level.PROVINCE]:
        AdministrativeUnit.objects.filter(level=level).delete()
    with pytest.raises(CommandError, match="chạy load_reference_data trước"):
        call_command("load_demo", stdout=io.StringIO())


def test_demo_users_log_in_with_the_printed_password(reference_data, client):
    out = io.StringIO()
    call_command("create_demo_users", stdout=out)
    call_command("create_demo_users", stdout=io.StringIO())
    assert User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).count() == len(DEMO_USERS)
    roles = {u[1] for u in DEMO_USERS}
    assert roles == {"province", "district", "commune", "leader", "admin"}
    for username, _role, _unit, _name in DEMO_USERS:
        assert client.login(username=username, password=DEMO_PASSWORD), username
        client.logout()
    assert DEMO_PASSWORD in out.getvalue()
    assert User.objects.get(username="quantri").is_staff
