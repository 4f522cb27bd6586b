"""Two officers enter the same name in one village at the same moment, each in a transaction that has not committed
when the other refreshes its name's cases: the case they make together is found (PostgreSQL, advisory locks of
beneficiaries/cases.py). Without the lock each would see only its own household and the case would be missing."""

import contextlib
import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from beneficiaries import services
from beneficiaries.models import FoundCase, Household, PrestigiousPerson
from ethnic_portal import clock
from tests.beneficiaries import case_reference as reference
from tests.beneficiaries.conftest import household_fields, person_fields
from tests.factories import UserFactory, VillageFactory, unit

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="advisory locks are tested on PostgreSQL (CI runs it)"
)


def _together(write, n=2):
    """Run `write(i)` in n threads, each in its own transaction held open until all have written (or 3 s)."""
    barrier = threading.Barrier(n)
    errors = []

    def run(i):
        try:
            with transaction.atomic():
                write(i)
                # A writer blocked on the other's lock never comes: go on and commit.
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=3)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_namesakes_entered_at_the_same_moment_make_a_case(reference_data, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 7, 15))
    officer = UserFactory(username="xa_chora", role="commune", unit=unit("01888"))
    province = UserFactory(username="tinh", role="province", unit=unit("06"))
    village = VillageFactory(parent=unit("01888"), code="01888.91", valid_to=datetime.date(2025, 6, 30))

    def household(i):
        fields = household_fields(head_name="Nông Văn Sáu", head_id_number=f"00618000990{i}", unit=village)
        services.household_create(actor=officer, **fields)

    def person(i):
        place = village if i == 0 else village.parent  # one at the village, one at the commune: one person
        services.person_create(actor=officer, **person_fields(full_name="Lục Văn Bảy", unit=place))

    _together(household)
    _together(person)
    assert Household.objects.count() == 2
    assert PrestigiousPerson.objects.count() == 2
    expected = sorted(c.key for c in reference.cases(user=province))
    assert len(expected) == 2
    assert sorted(FoundCase.objects.values_list("key", flat=True)) == expected
