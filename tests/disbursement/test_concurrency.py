"""Twenty officers post at the same moment: the allocation is never overspent (PostgreSQL, row locks)."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
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
