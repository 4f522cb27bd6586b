"""A report job run by the real Celery worker, on rows committed for it (not the demo: a small ledger of its own).

Runs only when CELERY_BROKER_URL is set, i.e. under `bash .ci/run`, which starts bin/worker on the test database
(see tests/test_worker.py). When the worker shares the media folder (PORTAL_TEST_MEDIA_ROOT, as .ci/run sets it),
the test also opens the file the worker wrote.
"""

import datetime
import os
import time
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from openpyxl import load_workbook

from disbursement import services as ledger
from ethnic_portal import clock as portal_clock
from programs.models import Project, SubProject
from reports import services
from reports.excel import capital
from reports.models import ReportStatus
from tests.factories import UserFactory, unit
from tests.reports.conftest import as_decimal, check_sums, table

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"),
        reason="needs CELERY_BROKER_URL and a running worker on the test database (bash .ci/run)",
    ),
]

TIMEOUT = 90


def wait_for(job):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return job
        time.sleep(0.5)
    raise AssertionError(f"the worker did not finish report {job.pk} in {TIMEOUT} s (status {job.status})")


def test_a_report_job_runs_in_the_worker(transactional_db, reference_data, monkeypatch):
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    monkeypatch.setattr(portal_clock, "today", lambda: datetime.date(2024, 7, 15))
    province_user = UserFactory(username="tinh_worker", role="province", unit=unit("06"))
    officer = UserFactory(username="huyen_worker", role="district", unit=unit("061"))
    allocation = ledger.allocation_create(
        actor=province_user,
        year=2024,
        project=Project.objects.get(code="DA4", program__phase=1),
        subproject=SubProject.objects.get(code="DA4.TDA1"),
        unit=unit("061"),
        capital_type="investment",
        source="central",
        origin_year=2024,
        amount=1_234_567_891,
        decision_no="35/QĐ-UBND",
        decision_date=datetime.date(2024, 1, 22),
        decision_body="UBND tỉnh Bắc Kạn",
    )
    ledger.disbursement_create(
        actor=province_user,
        allocation=allocation,
        date=datetime.date(2024, 4, 2),
        amount=234_567_891,
        voucher_no="KB-1",
    )

    with transaction.atomic():  # committed: the worker, on its own connection, sees the job and the ledger
        job = services.report_request(actor=officer, level="district", unit="061", year=2024, period="H1")
    job = wait_for(job)

    assert job.status == ReportStatus.DONE, job.error
    assert job.attempts == 1
    assert job.progress == 100
    assert len(job.checksum) == 64
    total = job.figures["forms"]["01"]["rows"]["total"]["values"]
    assert (total["allocated"], total["disbursed"], total["rate"]) == (1_234_567_891, 234_567_891, "19.0")
    assert job.started_at >= job.created_at

    if os.environ.get("PORTAL_TEST_MEDIA_ROOT"):
        with job.file.open("rb") as handle:
            book = load_workbook(handle)
        _start, rows = table(book[capital.SHEET])
        assert check_sums(rows, [i for i, c in enumerate(capital.COLUMNS) if c.additive]) > 0
        assert as_decimal(rows[0][2]) == Decimal("1234.567891")
        services.report_download(actor=officer, job=job)  # the checksum of the worker's file holds here
