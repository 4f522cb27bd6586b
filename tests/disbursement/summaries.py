"""The check that the ledger's summaries are exact: the live rows (kept by the services), the rows `rebuild_all()`
computes, and the sums this module computes in Python from the raw rows must be the same, to the đồng.

`assert_summaries_exact()` is called after random sequences of writes (tests/disbursement/test_summary.py and the
state machine of tests/disbursement/test_properties.py).
"""

import datetime
from collections import defaultdict

from django.db import transaction

from disbursement import summary
from disbursement.models import Allocation, Disbursement, LedgerMonthSummary, LedgerSummary, PlanLine
from geography.models import AdministrativeUnit

MEASURES = summary.LINE_MEASURES


def expected_summaries() -> tuple[dict, dict, dict]:
    """(lines, last dates, months) summed from the raw rows: every allocation counted once in the row of its
    line for its unit and each unit above it."""
    pk_of_path = dict(AdministrativeUnit.objects.values_list("path", "pk"))
    unit_path = dict(AdministrativeUnit.objects.values_list("pk", "path"))
    paid = defaultdict(list)
    for allocation_id, day, amount in Disbursement.objects.values_list("allocation_id", "date", "amount"):
        paid[allocation_id].append((day, amount))
    plans = defaultdict(list)
    for allocation_id, month, amount in PlanLine.objects.values_list("allocation_id", "month", "amount"):
        plans[allocation_id].append((month, amount))
    lines: dict = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    last: dict = {}
    months: dict = defaultdict(lambda: [0, 0])
    fields = ("pk", "unit_id", "year", "project_id", "subproject_id", "capital_type", "source", "origin_year", "amount")
    for pk, unit_id, year, project, sub, capital_type, source, origin, amount in Allocation.objects.values_list(
        *fields
    ):
        path = unit_path[unit_id]
        parts = path.rstrip("/").split("/")
        ancestors = [pk_of_path["/".join(parts[: i + 1]) + "/"] for i in range(len(parts))]
        h1_end = datetime.date(year, 6, 30)
        rows = paid.get(pk, [])
        disbursed = sum(a for _d, a in rows)
        disbursed_h1 = sum(a for d, a in rows if d <= h1_end)
        has_plan = bool(plans.get(pk))
        has_plan_h1 = any(m <= 6 for m, _a in plans.get(pk, []))
        values = {
            "allocations": 1,
            "allocated": amount,
            "disbursed": disbursed,
            "disbursed_h1": disbursed_h1,
            "planned": sum(a for _m, a in plans.get(pk, [])),
            "planned_h1": sum(a for m, a in plans.get(pk, []) if m <= 6),
            "planned_disbursed": disbursed if has_plan else 0,
            "planned_disbursed_h1": disbursed_h1 if has_plan_h1 else 0,
            "active_h1": int(any(datetime.date(year, 1, 1) <= d <= h1_end for d, _a in rows)),
            "active_h2": int(any(datetime.date(year, 7, 1) <= d <= datetime.date(year, 12, 31) for d, _a in rows)),
        }
        latest = max((d for d, _a in rows), default=None)
        for ancestor in ancestors:
            key = (ancestor, year, project, sub or 0, capital_type, source, origin)
            for name, value in values.items():
                lines[key][name] += value
            if latest is not None and (last.get(key) is None or latest > last[key]):
                last[key] = latest
            for day, paid_amount in rows:
                months[(ancestor, year, (day.year - year) * 12 + day.month)][1] += paid_amount
            for month, planned in plans.get(pk, []):
                months[(ancestor, year, month)][0] += planned
    return dict(lines), last, {key: tuple(v) for key, v in months.items() if any(v)}


def stored_summaries() -> tuple[dict, dict, dict]:
    """(lines, last dates, months) as the summary tables hold them, rows that sum nothing left out."""
    lines, last = {}, {}
    for row in LedgerSummary.objects.values(*summary.LINE_KEY, *MEASURES, "last_date"):
        key = tuple(row[name] for name in summary.LINE_KEY)
        values = {name: row[name] for name in MEASURES}
        if any(values.values()):
            lines[key] = values
            if row["last_date"] is not None:
                last[key] = row["last_date"]
    months = {
        (unit_id, year, month): (planned, disbursed)
        for unit_id, year, month, planned, disbursed in LedgerMonthSummary.objects.values_list(
            "unit_id", "year", "month", "planned", "disbursed"
        )
        if planned or disbursed
    }
    return lines, last, months


class _Rollback(Exception):
    pass


def rebuilt_summaries() -> tuple[dict, dict, dict]:
    """What rebuild_all() computes from the raw rows, rolled back afterwards (the live rows stay as they were)."""
    result = None
    try:
        with transaction.atomic():
            summary.rebuild_all()
            result = stored_summaries()
            raise _Rollback
    except _Rollback:
        pass
    return result


def assert_summaries_exact() -> int:
    """Live summaries == rebuild_all() == the sums of the raw rows (last dates: the live one bounds the real one).
    Returns the number of summary lines checked."""
    lines, last, months = expected_summaries()
    live_lines, live_last, live_months = stored_summaries()
    assert live_lines == lines, _diff(live_lines, lines)
    assert live_months == months, _diff(live_months, months)
    for key, day in last.items():
        assert live_last.get(key) is not None, key
        assert live_last[key] >= day, (key, live_last[key], day)
    rebuilt_lines, rebuilt_last, rebuilt_months = rebuilt_summaries()
    assert rebuilt_lines == lines, _diff(rebuilt_lines, lines)
    assert rebuilt_last == last
    assert rebuilt_months == months, _diff(rebuilt_months, months)
    assert LedgerSummary.objects.count() >= len(lines)
    return len(lines)


def _diff(got: dict, want: dict) -> list:
    keys = sorted(set(got) | set(want), key=str)
    return [(key, got.get(key), want.get(key)) for key in keys if got.get(key) != want.get(key)][:5]
