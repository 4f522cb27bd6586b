"""The year filter of the disbursement lists bounds the dates by the summaries' last date (a condition for the
index, disbursement/filters.py): it must never hide a row, whatever the writes did to the dates."""

import datetime

from disbursement import services
from disbursement.filters import DisbursementFilterSet
from disbursement.models import Disbursement


def _listed(user, year) -> set[int]:
    queryset = Disbursement.objects.for_user(user)
    return set(DisbursementFilterSet({"year": year}, queryset=queryset).qs.values_list("pk", flat=True))


def _expected(user, year) -> set[int]:
    return set(Disbursement.objects.for_user(user).filter(allocation__year=year).values_list("pk", flat=True))


def test_the_year_filter_lists_every_disbursement_of_the_year(make_allocation, province_user, clock):
    allocation = make_allocation()
    later_year = make_allocation(year=2025, origin_year=2025, decision_no="13/QĐ-UBND")
    posted = [
        services.disbursement_create(
            actor=province_user,
            allocation=allocation,
            date=datetime.date(2024, 3, day),
            amount=1_000,
            voucher_no=f"V{day}",
        )
        for day in (1, 2, 3)
    ]
    assert _listed(province_user, 2024) == _expected(province_user, 2024) == {d.pk for d in posted}
    # A date moved later, one moved earlier, one deleted: the list still holds exactly the year's rows.
    services.disbursement_update(actor=province_user, disbursement=posted[0], date=datetime.date(2024, 7, 10))
    services.disbursement_update(actor=province_user, disbursement=posted[1], date=datetime.date(2024, 1, 5))
    services.disbursement_delete(actor=province_user, disbursement=posted[2])
    assert _listed(province_user, 2024) == _expected(province_user, 2024) == {posted[0].pk, posted[1].pk}
    # The next year's disbursements are not the year's, and a year with none lists none.
    clock(datetime.date(2025, 7, 15))
    services.disbursement_create(
        actor=province_user, allocation=later_year, date=datetime.date(2025, 2, 1), amount=1_000, voucher_no="N1"
    )
    assert _listed(province_user, 2024) == {posted[0].pk, posted[1].pk}
    assert len(_listed(province_user, 2025)) == 1
    assert _listed(province_user, 2023) == set()
