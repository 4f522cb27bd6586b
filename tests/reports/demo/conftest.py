"""The demo, loaded once for every test in this folder (about a minute) inside a transaction rolled back at the end,
and the reports the tests read, built once: each level, a past year and the two-level province of 2026.

Kept in its own folder so that tests/reports/test_worker.py (a transactional test, whose rows the worker must see)
never runs inside this transaction.
"""

import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction

from accounts.models import User
from reports import services
from tests.conftest import _ensure_reference_data
from tests.factories import unit

REPORTS = {
    # name: (username, level, unit code, current version?, year, period)
    "province": ("tinh.backan", "province", "06", False, 2024, "H1"),
    "district": ("huyen.babe", "district", "061", False, 2024, "year"),
    "commune": ("huyen.babe", "commune", "01888", False, 2024, "year"),
    "province_2026": ("tinh.thainguyen", "province", "19", True, 2026, "year"),
    "commune_2026": ("tinh.thainguyen", "commune", "01912", True, 2026, "year"),
}


def build(username, level, code, current, year, period):
    actor = User.objects.get(username=username)
    job = services.report_request(actor=actor, level=level, unit=unit(code, current=current), year=year, period=period)
    return services.report_build(job_id=job.pk)


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        _ensure_reference_data()
        call_command("load_demo", stdout=io.StringIO())
        jobs = {name: build(*spec) for name, spec in REPORTS.items()}
        yield SimpleNamespace(jobs=jobs)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _demo_loaded(demo):
    return demo


@pytest.fixture
def jobs(demo, db):
    return demo.jobs


@pytest.fixture
def demo_user(db):
    return lambda username: User.objects.get(username=username)
