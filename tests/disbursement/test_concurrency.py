"""Twenty officers post at the same moment: the allocation is never overspent (PostgreSQL, row locks)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Sum

from disbursement import services
from disbursement.models import Allocation, Disbursement
from ethnic_portal import clock
from programs.models import Project, SubProject
from tests.factories import UserFactory, unit

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL (CI runs it)"
)

WRITERS = 20
AMOUNT = 70_000_000


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_writers_never_overspend(reference_data, monkeypatch):
    # The writers run in threads, which do not see a context variable set here (clock.as_of): patch the clock.
    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 7, 15))
    officer = UserFactory(username="huyen", role="district", unit=unit("061"))
    allocation = services.allocation_create(
        actor=officer,
        year=2024,
        project=Project.objects.get(code="DA4"),
        subproject=SubProject.objects.get(code="DA4.TDA1"),
        unit=unit("061"),
        capital_type="investment",
        source="central",
        origin_year=2024,
        amount=10 * AMOUNT + AMOUNT // 2,  # room for ten and a half postings
        decision_no="1/QĐ",
        decision_date=datetime.date(2024, 2, 1),
        decision_body="UBND tỉnh",
    )
    barrier = threading.Barrier(WRITERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def post(number):
        try:
            barrier.wait(timeout=30)
            services.disbursement_create(
                actor=officer,
                allocation=Allocation.objects.get(pk=allocation.pk),
                date=datetime.date(2024, 7, 1),
                amount=AMOUNT,
                voucher_no=f"KB-{number}",
            )
            result = "ok"
        except ValidationError as error:
            result = "refused: " + " ".join(error.messages)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == WRITERS
    assert outcomes.count("ok") == 10
    assert all("vượt số vốn còn lại" in o for o in outcomes if o != "ok")
    total = Disbursement.objects.filter(allocation=allocation).aggregate(total=Sum("amount"))["total"]
    assert total == 10 * AMOUNT <= allocation.amount


@pytest.mark.django_db(transaction=True)
def test_twenty_writers_on_shared_summary_rows_neither_deadlock_nor_lose_a_dong(reference_data, monkeypatch):
    """Twenty officers write at the same moment into allocations of one district, one line, so every write adds to
    the same summary rows (the commune's, the district's, the province's): each allocation is locked first, the
    summary rows after it in key order, and a transaction that writes several allocations (a file) defers them to
    its end. No deadlock, no lost update: the summaries equal the raw rows and rebuild_all() to the đồng."""
    from disbursement import summary
    from tests.disbursement.summaries import assert_summaries_exact

    monkeypatch.setattr(clock, "today", lambda: datetime.date(2024, 7, 15))
    officer = UserFactory(username="huyen", role="district", unit=unit("061"))
    line = {
        "year": 2024,
        "project": Project.objects.get(code="DA4"),
        "subproject": SubProject.objects.get(code="DA4.TDA1"),
        "capital_type": "investment",
        "source": "central",
        "origin_year": 2024,
        "decision_date": datetime.date(2024, 2, 1),
        "decision_body": "UBND tỉnh",
    }
    allocations = [
        services.allocation_create(actor=officer, unit=unit(code), amount=50 * AMOUNT, decision_no=f"{n}/QĐ", **line)
        for n, code in enumerate(["061", "01888", "01891", "01888", "061", "01891"])
    ]
    barrier = threading.Barrier(WRITERS)
    errors: list[str] = []
    lock = threading.Lock()

    def work(number):
        try:
            barrier.wait(timeout=30)
            for step in range(6):
                allocation = Allocation.objects.get(pk=allocations[(number + step) % len(allocations)].pk)
                kind = (number + step) % 5
                if number % 5 == 4 and step == 0:  # a file: several allocations in one transaction, deferred
                    with transaction.atomic(), summary.deferred():
                        for other in allocations[:3]:
                            services.disbursement_create(
                                actor=officer,
                                allocation=Allocation.objects.get(pk=other.pk),
                                date=datetime.date(2024, 6, 1),
                                amount=AMOUNT // 7,
                                voucher_no=f"F-{number}-{other.pk}",
                            )
                elif kind in (0, 1, 2):
                    services.disbursement_create(
                        actor=officer,
                        allocation=allocation,
                        date=datetime.date(2024, 1 + (number + step) % 7, 1 + step),
                        amount=AMOUNT // (3 + step),
                        voucher_no=f"KB-{number}-{step}",
                    )
                elif kind == 3:
                    services.plan_set(
                        actor=officer, allocation=allocation, months={1 + step: AMOUNT, 7 + number % 5: AMOUNT}
                    )
                else:
                    mine = Disbursement.objects.filter(allocation=allocation, voucher_no__startswith=f"KB-{number}-")
                    victim = mine.first()
                    if victim is not None:
                        services.disbursement_delete(actor=officer, disbursement=victim)
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            with lock:
                errors.append(f"{type(error).__name__}: {error}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == [], "\n".join(errors)
    assert Disbursement.objects.count() > 60
    assert assert_summaries_exact() > 0
