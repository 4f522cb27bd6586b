"""The status page's worker check: a round trip through the broker and back through the database, bounded by its
timeout whatever the broker does.

No broker here: the task's send is replaced by stubs that answer as a worker would (by running the task, which
writes its answer), hang (a Redis that accepts connections and never answers) or fail."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ethnic_portal import health
from ethnic_portal.models import WorkerPing
from ethnic_portal.tasks import ping_task
from geography.models import AdministrativeUnit


@pytest.fixture
def broker(settings, monkeypatch):
    """Installs a stand-in for the send; gives the list of what was sent."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []

    def install(send):
        def apply_async(*, kwargs, expires):
            sent.append((kwargs, expires))
            return send(kwargs)

        monkeypatch.setattr(ping_task, "apply_async", apply_async)
        return sent

    return install


def test_a_worker_that_answers_through_the_database(broker, db, monkeypatch):
    # The worker's side, while the status page waits: the task runs and writes its answer.
    sent = broker(lambda kwargs: None)
    monkeypatch.setattr(health, "sleep", lambda seconds: [ping_task.run(**kwargs) for kwargs, _expires in sent])
    ok, detail = health.check_worker(timeout=10)
    assert (ok, detail) == (True, f"worker ({AdministrativeUnit.objects.count()})")
    [(kwargs, expires)] = sent
    assert expires == 10  # a ping that waited longer in the queue is dropped by the worker
    assert WorkerPing.objects.get().token.hex == kwargs["token"].replace("-", "")


def test_no_answer_costs_the_timeout(broker, db):
    broker(lambda kwargs: None)  # sent, and no worker takes it
    start = time.monotonic()
    assert health.check_worker(timeout=0.5) == (False, "không trả lời trong 0,5 giây")
    assert 0.5 <= time.monotonic() - start < 3


def test_a_broker_that_refuses_is_named(broker, db):
    def refuse(kwargs):
        from kombu.exceptions import OperationalError

        raise OperationalError("Timeout reading from socket")

    broker(refuse)
    assert health.check_worker(timeout=5) == (False, "OperationalError")


def test_a_hanging_broker_costs_the_timeout_and_the_request_goes_on(broker, db):
    release = threading.Event()
    sent = broker(lambda kwargs: release.wait(30))
    try:
        start = time.monotonic()
        assert health.check_worker(timeout=1) == (False, "không trả lời trong 1 giây")
        assert 1 <= time.monotonic() - start < 4
        assert len(sent) == 1
    finally:
        release.set()


def test_the_worker_clears_old_answers(db):
    old = WorkerPing.objects.create(token="00000000-0000-0000-0000-000000000001", units=1)
    WorkerPing.objects.filter(pk=old.pk).update(answered_at=old.answered_at - health_minutes(11))
    recent = WorkerPing.objects.create(token="00000000-0000-0000-0000-000000000002", units=1)
    ping_task.run(token="00000000-0000-0000-0000-000000000003")
    assert not WorkerPing.objects.filter(pk=old.pk).exists()
    assert WorkerPing.objects.filter(pk=recent.pk).exists()
    assert WorkerPing.objects.filter(token="00000000-0000-0000-0000-000000000003").exists()


def test_no_result_store_even_when_the_environment_names_one():
    """Celery reads CELERY_RESULT_BACKEND before the settings; the app drops it (ethnic_portal/celery.py)."""
    code = "import django; django.setup(); from ethnic_portal.celery import app; print(type(app.backend).__name__)"
    env = {
        **os.environ,
        "CELERY_RESULT_BACKEND": "redis://127.0.0.1:1/0",
        "DJANGO_SETTINGS_MODULE": "ethnic_portal.settings_test",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True
    )
    assert result.stdout.strip() == "DisabledBackend", result.stderr


def health_minutes(minutes):
    from datetime import timedelta

    return timedelta(minutes=minutes)


def test_a_database_that_cannot_be_read_is_named(broker, db, monkeypatch):
    from django.db import OperationalError

    def fail(**lookups):
        raise OperationalError("the database went away")

    broker(lambda kwargs: None)
    monkeypatch.setattr(WorkerPing.objects, "filter", fail)
    assert health.check_worker(timeout=5) == (False, "OperationalError")


def test_in_process_a_failing_task_is_named(settings, db, monkeypatch):
    from django.db import OperationalError

    def fail(*args, **kwargs):
        raise OperationalError("the database went away")

    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setattr(AdministrativeUnit.objects, "unscoped_for_system", fail)
    assert health.check_worker() == (False, "OperationalError")
