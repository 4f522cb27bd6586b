"""A real Celery worker runs the tasks, on the very database the tests use.

Runs only when CELERY_BROKER_URL is set, i.e. under `bash .ci/run`, which starts bin/worker with
DATABASE_URL pointing at the test database pytest-django creates (test_<NAME>). Without a broker,
tasks run in-process and these tests are skipped.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

from ethnic_portal.health import check_worker
from ethnic_portal.models import WorkerPing
from geography.models import AdministrativeUnit

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("CELERY_BROKER_URL"),
        reason="needs CELERY_BROKER_URL and a running worker on the test database (bash .ci/run)",
    ),
]

TIMEOUT = 30


def run_in_worker() -> WorkerPing:
    """The status page's check: ping_task through the broker, its answer back through the database."""
    before = set(WorkerPing.objects.values_list("pk", flat=True))
    ok, detail = check_worker(timeout=TIMEOUT)
    assert ok, detail
    [answer] = WorkerPing.objects.exclude(pk__in=before)
    assert detail == f"worker ({answer.units})"
    return answer


def test_tasks_go_through_the_broker():
    assert settings.CELERY_BROKER_URL
    assert settings.CELERY_TASK_ALWAYS_EAGER is False


def test_worker_reads_the_test_database(transactional_db):
    before = run_in_worker()
    assert before.database_name == str(connection.settings_dict["NAME"])
    assert before.worker  # the answering worker's name: the task ran there, not in-process

    # Committed here (transactional_db), so visible to the worker's own connection.
    AdministrativeUnit(code="99", name="Tỉnh thử", level="province", unit_type="tinh").save()

    after = run_in_worker()
    assert after.units == AdministrativeUnit.objects.count()
    assert after.units == before.units + 1


def test_check_worker_reports_the_worker(transactional_db):
    ok, detail = check_worker(timeout=TIMEOUT)
    assert ok, detail
    assert detail == f"worker ({AdministrativeUnit.objects.count()})"
