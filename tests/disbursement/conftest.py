import contextlib
import datetime

import pytest

from disbursement import services
from ethnic_portal import clock as portal_clock
from programs.models import Project, SubProject
from tests.factories import unit

TODAY = datetime.date(2024, 7, 15)


@pytest.fixture
def clock():
    """Sets the portal's clock, which the ledger reads, for the rest of the test: `clock(date)`; 15/07/2024
    unless told."""
    with contextlib.ExitStack() as days:

        def set_today(day):
            return days.enter_context(portal_clock.as_of(day))

        set_today(TODAY)
        yield set_today


@pytest.fixture
def make_allocation(clock, province_user):
    def make(actor=None, **overrides):
        fields = {
            "year": 2024,
            "project": Project.objects.get(code="DA4"),
            "subproject": SubProject.objects.get(code="DA4.TDA1"),
            "unit": unit("061"),
            "capital_type": "investment",
            "source": "central",
            "origin_year": 2024,
            "amount": 1_000_000_000,
            "decision_no": "12/QĐ-UBND",
            "decision_date": datetime.date(2024, 2, 1),
            "decision_body": "UBND tỉnh Bắc Kạn",
        }
        fields.update(overrides)
        return services.allocation_create(actor=actor or province_user, **fields)

    return make
