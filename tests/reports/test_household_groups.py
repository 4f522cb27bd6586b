"""The report's household-support figures read in one pass on PostgreSQL (GROUPING SETS) equal the two grouped
queries of any database, row for row and to the đồng (reports/selectors.py)."""

import datetime

import pytest
from django.db import connection

from beneficiaries import services
from beneficiaries.models import EthnicGroup, HouseholdSupport
from ethnic_portal import clock
from reports.selectors import household_support_groups, household_support_groups_one_pass
from tests.beneficiaries.conftest import da1, household_fields
from tests.factories import VillageFactory, unit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="GROUPING SETS: PostgreSQL (CI runs it)")


def _rows(rows):
    return sorted((tuple(sorted(row.items())) for row in rows), key=repr)


def test_one_pass_equals_the_two_grouped_queries(reference_data, province_user):
    village = VillageFactory(parent=unit("01888"), code="01888.91", name="Bản Thử", valid_to=datetime.date(2025, 6, 30))
    other = VillageFactory(parent=unit("01891"), code="01891.91", name="Bản Khác", valid_to=datetime.date(2025, 6, 30))
    tay, dao = EthnicGroup.objects.get(code="02"), EthnicGroup.objects.get(code="07")
    with clock.as_of(datetime.date(2024, 7, 15)):
        households = [
            services.household_create(
                actor=province_user,
                **household_fields(
                    head_name=f"Hộ {n}", head_id_number=f"00618000{n:04d}", unit=place, ethnic_group=group
                ),
            )
            for n, (place, group) in enumerate(
                [(village, tay), (village, dao), (other, tay), (other, dao), (village, tay)]
            )
        ]
        plans = [
            {"kind": "water", "amount": 3_000_000, "date": datetime.date(2024, 5, 10)},
            {"kind": "housing", "amount": 40_000_000, "date": datetime.date(2024, 3, 1)},
            {
                "kind": "production_support",
                "funding_program": "other",
                "project": None,
                "scheme": "Quỹ",
                "amount": 1_234_567,
                "date": datetime.date(2024, 6, 1),
            },
        ]
        for index, household in enumerate(households[:4]):
            for plan in plans[: 1 + index % 3]:
                fields = {"year": 2024, "funding_program": "ntp_1719", "project": da1(), **plan}
                services.household_support_create(actor=province_user, household=household, **fields)
    supports = HouseholdSupport.objects.for_user_within(province_user, unit("06")).filter(
        year=2024, date__lte=datetime.date(2024, 12, 31)
    )
    items, ethnic = household_support_groups(supports)
    one_items, one_ethnic = household_support_groups_one_pass(supports)
    assert len(items) == 3  # three kinds of support
    assert len(ethnic) == 2  # two ethnic groups (the fifth household has no support)
    assert _rows(one_items) == _rows(items)
    assert _rows(one_ethnic) == _rows(ethnic)
    assert all(type(row["amount"]) is int for row in one_items + one_ethnic)
    assert sum(row["households"] for row in one_ethnic) == 4
