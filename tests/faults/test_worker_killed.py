"""A Celery worker killed in the middle of a report: the job is delivered again, completes once, and leaves neither a
corrupt file nor a temporary one.

The worker is bin/worker itself (test settings, the test database, a redis-server of the test's own), slowed down by
a test-only module it imports (tests/faults/slow_report.py) so that the test can kill it while the workbook is half
written. Two kills, both SIGKILL (no cleanup of any kind):

- the pool process that runs the build (what the out-of-memory killer does): the worker's main process sees it die
  and, with task_acks_late and task_reject_on_worker_lost, puts the task back at once;
- the whole worker (the machine or the container goes): nobody acknowledged the task, so Redis hands it out again
  after the visibility timeout (CELERY_VISIBILITY_TIMEOUT, short here), to the worker started in its place.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from openpyxl import load_workbook

from disbursement import services as ledger
from ethnic_portal import clock as portal_clock
from programs.models import Project, SubProject
from reports import services
from reports.models import ReportJob, ReportStatus
from tests.factories import UserFactory, unit

from .conftest import PYTHON, ROOT, Process, postgres_test_database_problem, wait_until

PROBLEM = postgres_test_database_problem()
pytestmark = [pytest.mark.faults, pytest.mark.skipif(bool(PROBLEM), reason=PROBLEM or "-")]

VISIBILITY_TIMEOUT = 6  # seconds; a build here takes about 3 (12 pieces × 0,25 s)


@pytest.fixture
def broker(redis_server, settings):
    """This process sends its tasks to the test's own redis-server (db 0), as the portal does with a broker."""
    from ethnic_portal.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=redis_server.url(0), task_always_eager=False)
    app._pool = None
    app.amqp._producer_pool = None
    yield redis_server.url(0)
    app.conf.update(**saved)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def start_worker(broker, fault_dir):
    """`start_worker()` → bin/worker on the test database and the test's broker; every worker is stopped at the end."""
    started: list[Process] = []
    db = connection.settings_dict
    env = {
        **os.environ,
        "PYTHON": PYTHON,
        "DJANGO_SETTINGS_MODULE": "ethnic_portal.settings_test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "PORTAL_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_CONCURRENCY": "1",
        "FAULTS_WRITE_CHUNKS": "12",
        "FAULTS_WRITE_PAUSE": "0.25",
    }

    def start() -> Process:
        worker = Process(
            "worker", [str(ROOT / "bin" / "worker"), "--include", "tests.faults.slow_report"], env, fault_dir
        )
        started.append(worker)
        wait_until(lambda: "ready." in worker.log.read_text(errors="replace") or not worker.alive(), 60, "worker ready")
        assert worker.alive(), worker.tail()
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def ledger_2024(transactional_db, reference_data, monkeypatch):
    """Committed rows the worker can see: Ba Bể's 2024 capital and a disbursement."""
    monkeypatch.setattr(portal_clock, "today", lambda: datetime.date(2024, 7, 15))
    province = UserFactory(username="tinh_faults", role="province", unit=unit("06"))
    allocation = ledger.allocation_create(
        actor=province,
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
        actor=province, allocation=allocation, date=datetime.date(2024, 4, 2), amount=234_567_891, voucher_no="KB-1"
    )
    return UserFactory(username="huyen_faults", role="district", unit=unit("061"))


def temp_folder() -> Path:
    return Path(settings.MEDIA_ROOT, services.REPORTS_DIR, "tmp")


def temp_files() -> list[Path]:
    return sorted(temp_folder().glob("*")) if temp_folder().is_dir() else []


def half_written(job: ReportJob):
    """The build's temporary file once it holds some bytes but the job is not done: the moment to kill."""
    job.refresh_from_db()
    assert job.status != ReportStatus.DONE, "the build finished before the test could kill it"
    files = [path for path in temp_files() if path.name.startswith(f"report-{job.pk}-1-")]
    return files[0] if files and files[0].stat().st_size > 0 else None


def wait_done(job: ReportJob, timeout: float) -> ReportJob:
    def finished():
        job.refresh_from_db()
        return job.status in (ReportStatus.DONE, ReportStatus.FAILED)

    wait_until(finished, timeout, f"report {job.pk} done", interval=0.3)
    return job


def request_report(officer) -> ReportJob:
    with transaction.atomic():  # committed: the worker, on its own connection, sees the job
        job = services.report_request(actor=officer, level="district", unit="061", year=2024, period="H1")
    job.refresh_from_db()
    assert job.enqueued_at is not None, job.error  # handed to the broker
    return job


def assert_complete_once(job: ReportJob) -> None:
    assert job.status == ReportStatus.DONE, job.error
    assert job.attempts == 2  # the killed run and the one that finished it
    assert job.progress == 100
    path = Path(job.file.path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == job.checksum
    assert path.stat().st_size == job.file_size
    book = load_workbook(path)  # a complete workbook, not a half-written one
    assert len(book.sheetnames) == 7
    total = job.figures["forms"]["01"]["rows"]["total"]["values"]
    assert (total["allocated"], total["disbursed"]) == (1_234_567_891, 234_567_891)
    assert [p.name for p in path.parent.iterdir() if f"-{job.pk}.xlsx" in p.name] == [path.name]  # one file
    assert temp_files() == []  # the killed run's temporary file was removed by the run that took over
    services.report_download(actor=job.requested_by, job=job)  # the checksum the download checks holds


def test_a_pool_process_killed_mid_build_is_replaced_and_the_report_completes_once(ledger_2024, start_worker, figure):
    worker = start_worker()
    job = request_report(ledger_2024)
    partial = wait_until(lambda: half_written(job), 60, "a half-written temporary file")
    children = worker.children()
    assert len(children) == 1, children  # concurrency 1: the pool process running the build
    os.kill(children[0], 9)  # SIGKILL, as the out-of-memory killer does
    killed_at = time.monotonic()
    assert partial.exists()  # left behind by the killed process

    job = wait_done(job, 60)
    recovery = time.monotonic() - killed_at
    assert worker.alive()  # the worker itself survived and forked a new pool process
    assert_complete_once(job)
    figure(f"pool process SIGKILLed mid-write → report done by the next run {recovery:.1f} s later, once")


def test_a_whole_worker_killed_mid_build_hands_the_report_to_the_next_worker(ledger_2024, start_worker, figure):
    first = start_worker()
    job = request_report(ledger_2024)
    partial = wait_until(lambda: half_written(job), 60, "a half-written temporary file")
    first.kill()  # SIGKILL to the worker and its pool process: no acknowledgement, no cleanup
    killed_at = time.monotonic()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ReportStatus.RUNNING, 1)
    assert partial.exists()

    start_worker()
    job = wait_done(job, VISIBILITY_TIMEOUT + 60)
    recovery = time.monotonic() - killed_at
    assert recovery >= VISIBILITY_TIMEOUT - 1  # Redis held the task back until the visibility timeout
    assert_complete_once(job)
    figure(
        f"whole worker SIGKILLed mid-write, new worker started → report done {recovery:.1f} s later, once "
        f"(visibility timeout {VISIBILITY_TIMEOUT} s)"
    )
