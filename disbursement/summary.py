"""Summaries of the ledger, kept live: the figures of the dashboards, the `progress/` API and the reports are read
from them, so a national page sums a few hundred rows instead of a million disbursements.

Two tables (disbursement/models.py):

- `LedgerSummary`: per unit and budget line (year, project, sub-project, capital type, source, origin year), the
  allocations of that line at the unit *and everything below it*: count, allocated, disbursed (all, and up to
  30/06), planned (all months, and months 1–6), disbursed on planned allocations, allocations with a disbursement
  in each half-year, and an upper bound of the last disbursement date. An allocation of a commune counts in the
  rows of the commune, its district and its province: the country is the sum of the top-level units.
- `LedgerMonthSummary`: per unit, year and month, planned and disbursed (plan against actual by month).

Both are kept by the services (disbursement/services.py) in the same transaction as every write: a service locks
the allocation, takes its `snapshot` (its contribution to the summaries, from its own raw rows), writes, takes the
snapshot again and hands both to `record`, which adds the difference to every row the allocation counts in.
Nothing else is cached and nothing runs overnight: a disbursement posted is in the next read.

Locks: a service locks the allocation row first (as it always did), then the summary rows, in one fixed order
(the tables in turn, rows sorted by key) by one INSERT … ON CONFLICT DO UPDATE per table, which adds to the
row under its row lock: concurrent writers queue on a shared row and none loses an update. A transaction that
writes several allocations (an Excel import, the year-end carry-over) runs them inside `deferred()`: their
differences are summed in memory and applied once at the end, after every allocation lock, so it never holds a
summary row while it waits for an allocation.

`rebuild_all()` recomputes everything from the raw rows with set-based SQL (bulk loads call it; the tests compare
it with the live rows). `district_progress_sql` and `district_progress_summary_sql` are the hand-written queries a
benchmark times against the ORM path (`disbursement.selectors.progress_for_unit`).
"""

from __future__ import annotations

import contextvars
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max, Sum
from django.db.models.functions import ExtractMonth, ExtractYear

from ethnic_portal import running_totals
from geography.models import AdministrativeUnit

from .models import Allocation, Disbursement, LedgerMonthSummary, LedgerSummary, PlanLine

LINE_KEY = ("unit_id", "year", "project_id", "subproject_key", "capital_type", "source", "origin_year")
# Summed columns of LedgerSummary, in the order of the SQL below.
LINE_MEASURES = (
    "allocations",
    "allocated",
    "disbursed",
    "disbursed_h1",
    "planned",
    "planned_h1",
    "planned_disbursed",
    "planned_disbursed_h1",
    "active_h1",
    "active_h2",
)
MONTH_KEY = ("unit_id", "year", "month")
MONTH_MEASURES = ("planned", "disbursed")


# --- One allocation's part in the summaries ------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What one allocation adds to the summaries, computed from its own rows (its disbursements and plan)."""

    unit_id: int
    unit_path: str
    line: tuple  # (year, project_id, subproject_key, capital_type, source, origin_year)
    measures: dict  # LINE_MEASURES → int
    last_date: datetime.date | None
    months: dict = field(default_factory=dict)  # month counted from January of the year → (planned, disbursed)


def snapshot(allocation: Allocation, *, new: bool = False) -> Snapshot:
    """The allocation's contribution as the database holds it now (two small queries on its own rows; none for a
    `new` allocation, which has no disbursement and no plan yet).

    Call it with the allocation locked (the services do), before and after a write."""
    year = allocation.year
    rows = (
        []
        if new
        else Disbursement.objects.filter(allocation_id=allocation.pk)
        .annotate(y=ExtractYear("date"), m=ExtractMonth("date"))
        .values("y", "m")
        .annotate(total=Sum("amount"), last=Max("date"))
        .order_by()
    )
    months: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    disbursed = disbursed_h1 = 0
    active_h1 = active_h2 = 0
    last_date = None
    for row in rows:
        month = (row["y"] - year) * 12 + row["m"]
        months[month][1] += row["total"]
        disbursed += row["total"]
        if month <= 6:
            disbursed_h1 += row["total"]
        if 1 <= month <= 6:
            active_h1 = 1
        elif 7 <= month <= 12:
            active_h2 = 1
        if last_date is None or row["last"] > last_date:
            last_date = row["last"]
    planned = planned_h1 = 0
    has_plan = has_plan_h1 = False
    plan = [] if new else PlanLine.objects.filter(allocation_id=allocation.pk).values_list("month", "amount")
    for month, amount in plan:
        months[month][0] += amount
        planned += amount
        has_plan = True
        if month <= 6:
            planned_h1 += amount
            has_plan_h1 = True
    measures = {
        "allocations": 1,
        "allocated": allocation.amount,
        "disbursed": disbursed,
        "disbursed_h1": disbursed_h1,
        "planned": planned,
        "planned_h1": planned_h1,
        "planned_disbursed": disbursed if has_plan else 0,
        "planned_disbursed_h1": disbursed_h1 if has_plan_h1 else 0,
        "active_h1": active_h1,
        "active_h2": active_h2,
    }
    return Snapshot(
        unit_id=allocation.unit_id,
        unit_path=allocation.unit.path,
        line=(
            year,
            allocation.project_id,
            allocation.subproject_id or 0,
            allocation.capital_type,
            allocation.source,
            allocation.origin_year,
        ),
        measures=measures,
        last_date=last_date,
        months={m: tuple(v) for m, v in months.items()},
    )


# --- Applying differences -------------------------------------------------------------------------


class _Changes:
    """Differences to add, summed by row: {line key: [measures…, last_date]}, {month key: [planned, disbursed]}."""

    def __init__(self):
        self.lines: dict[tuple, list] = {}
        self.months: dict[tuple, list] = {}

    def add(self, unit_ids, item: Snapshot, sign: int) -> None:
        for unit_id in unit_ids:
            row = self.lines.setdefault((unit_id, *item.line), [0] * len(LINE_MEASURES) + [None])
            for i, name in enumerate(LINE_MEASURES):
                row[i] += sign * item.measures[name]
            if sign > 0 and item.last_date is not None and (row[-1] is None or item.last_date > row[-1]):
                row[-1] = item.last_date
            for month, (planned, disbursed) in item.months.items():
                cell = self.months.setdefault((unit_id, item.line[0], month), [0, 0])
                cell[0] += sign * planned
                cell[1] += sign * disbursed

    def merge(self, other: _Changes) -> None:
        for key, values in other.lines.items():
            row = self.lines.setdefault(key, [0] * len(LINE_MEASURES) + [None])
            for i in range(len(LINE_MEASURES)):
                row[i] += values[i]
            if values[-1] is not None and (row[-1] is None or values[-1] > row[-1]):
                row[-1] = values[-1]
        for key, values in other.months.items():
            cell = self.months.setdefault(key, [0, 0])
            cell[0] += values[0]
            cell[1] += values[1]

    def flush(self) -> None:
        lines = [
            (*key, *values)
            for key, values in sorted(self.lines.items())
            if any(values[: len(LINE_MEASURES)]) or values[-1] is not None
        ]
        months = [(*key, *values) for key, values in sorted(self.months.items()) if any(values)]
        running_totals.add_to_rows(LedgerSummary, LINE_KEY, (*LINE_MEASURES, "last_date"), lines, latest=("last_date",))
        running_totals.add_to_rows(LedgerMonthSummary, MONTH_KEY, MONTH_MEASURES, months)


_deferred: contextvars.ContextVar[_Changes | None] = contextvars.ContextVar("ledger_summary_deferred", default=None)


def deferred():
    """Collect the summary differences of every write inside the block and apply them once, at its end.

    For a transaction that writes several allocations (an Excel import, the carry-over): it takes each allocation's
    lock as it goes and the summary rows only at the end, in key order, so it never waits for an allocation while
    it holds a summary row another writer needs. Nested blocks join the outer one. Leaving the block by an
    exception drops the differences (the transaction rolls back with them)."""
    return running_totals.deferred(_deferred, _Changes)


def _ancestor_ids(path: str, cache: dict) -> list[int]:
    """Pks of the unit at `path` and of every unit above it."""
    if path not in cache:
        paths = AdministrativeUnit(path=path).ancestor_paths()
        cache[path] = list(AdministrativeUnit.objects.filter(path__in=paths).values_list("pk", flat=True))
    return cache[path]


def record(before: Snapshot | None, after: Snapshot | None) -> None:
    """Add the difference between an allocation's contribution before a write and after it to the summaries.

    Call it inside the write's transaction, with the allocation still locked; `None` for an allocation that did
    not exist before (created) or does not after (deleted)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("summary.record must run inside the transaction of the write")
    if before == after:
        return
    changes = _Changes()
    cache: dict[str, list[int]] = {}
    if before is not None:
        changes.add(_ancestor_ids(before.unit_path, cache), before, -1)
    if after is not None:
        changes.add(_ancestor_ids(after.unit_path, cache), after, +1)
    pending = _deferred.get()
    if pending is not None:
        pending.merge(changes)
    else:
        changes.flush()


# --- Rebuilding from the raw rows -----------------------------------------------------------------


def _sql_parts() -> dict[str, str]:
    if connection.vendor == "postgresql":
        return {
            "year_of": "CAST(EXTRACT(YEAR FROM {0}) AS integer)",
            "month_of": "CAST(EXTRACT(MONTH FROM {0}) AS integer)",
        }
    return {
        # No parameters go with these statements, so a single % reaches SQLite as it is.
        "year_of": "CAST(strftime('%Y', {0}) AS integer)",
        "month_of": "CAST(strftime('%m', {0}) AS integer)",
    }


def _tables() -> dict[str, str]:
    q = connection.ops.quote_name
    return {
        "unit": q(AdministrativeUnit._meta.db_table),
        "allocation": q(Allocation._meta.db_table),
        "disbursement": q(Disbursement._meta.db_table),
        "plan": q(PlanLine._meta.db_table),
        "line": q(LedgerSummary._meta.db_table),
        "month": q(LedgerMonthSummary._meta.db_table),
    }


def _ancestors_sql(t: dict) -> str:
    """(unit_id, ancestor_id) for every unit and each unit on its path, itself included (the tree by parent)."""
    return (
        f"WITH RECURSIVE anc(unit_id, ancestor_id) AS ("
        f"SELECT id, id FROM {t['unit']} "
        f"UNION ALL SELECT anc.unit_id, u.parent_id FROM anc JOIN {t['unit']} u ON u.id = anc.ancestor_id "
        f"WHERE u.parent_id IS NOT NULL) SELECT unit_id, ancestor_id FROM anc"
    )


def _month_sql(parts: dict) -> str:
    """The month of a disbursement's date (`d`) counted from January of its allocation's (`a`) year."""
    return f"(({parts['year_of'].format('d.date')} - a.year) * 12 + {parts['month_of'].format('d.date')})"


def rebuild_all() -> dict[str, int]:
    """Recompute both summaries from the raw rows (set-based SQL, exact to the đồng). Returns the row counts.

    Runs in one transaction; on PostgreSQL it first locks the summary tables against writers (EXCLUSIVE: reads go
    on), so a write either lands before the rebuild reads the ledger or adds its difference after it."""
    t = _tables()
    parts = _sql_parts()
    month = _month_sql(parts)
    line_columns = ", ".join(connection.ops.quote_name(c) for c in (*LINE_KEY, *LINE_MEASURES, "last_date"))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {t['line']}, {t['month']} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {t['line']}")
        cursor.execute(f"DELETE FROM {t['month']}")
        cursor.execute(
            f"INSERT INTO {t['line']} ({line_columns}) "
            f"SELECT anc.ancestor_id, a.year, a.project_id, COALESCE(a.subproject_id, 0), a.capital_type, a.source, "
            f"a.origin_year, COUNT(*), SUM(a.amount), SUM(COALESCE(d.total, 0)), SUM(COALESCE(d.h1, 0)), "
            f"SUM(COALESCE(p.total, 0)), SUM(COALESCE(p.h1, 0)), "
            f"SUM(CASE WHEN p.allocation_id IS NOT NULL THEN COALESCE(d.total, 0) ELSE 0 END), "
            f"SUM(CASE WHEN p.h1_lines > 0 THEN COALESCE(d.h1, 0) ELSE 0 END), "
            f"SUM(COALESCE(d.active_h1, 0)), SUM(COALESCE(d.active_h2, 0)), MAX(d.last_date) "
            f"FROM {t['allocation']} a "
            f"JOIN ({_ancestors_sql(t)}) anc ON anc.unit_id = a.unit_id "
            f"LEFT JOIN (SELECT x.allocation_id, SUM(x.amount) AS total, "
            f"SUM(CASE WHEN x.m <= 6 THEN x.amount ELSE 0 END) AS h1, "
            f"MAX(CASE WHEN x.m BETWEEN 1 AND 6 THEN 1 ELSE 0 END) AS active_h1, "
            f"MAX(CASE WHEN x.m BETWEEN 7 AND 12 THEN 1 ELSE 0 END) AS active_h2, MAX(x.date) AS last_date "
            f"FROM (SELECT d.allocation_id, d.amount, d.date, {month} AS m FROM {t['disbursement']} d "
            f"JOIN {t['allocation']} a ON a.id = d.allocation_id) x GROUP BY x.allocation_id) d "
            f"ON d.allocation_id = a.id "
            f"LEFT JOIN (SELECT allocation_id, SUM(amount) AS total, "
            f"SUM(CASE WHEN month <= 6 THEN amount ELSE 0 END) AS h1, "
            f"SUM(CASE WHEN month <= 6 THEN 1 ELSE 0 END) AS h1_lines "
            f"FROM {t['plan']} GROUP BY allocation_id) p ON p.allocation_id = a.id "
            f"GROUP BY anc.ancestor_id, a.year, a.project_id, COALESCE(a.subproject_id, 0), a.capital_type, "
            f"a.source, a.origin_year"
        )
        cursor.execute(
            f"INSERT INTO {t['month']} (unit_id, year, month, planned, disbursed) "
            f"SELECT anc.ancestor_id, x.year, x.month, SUM(x.planned), SUM(x.disbursed) FROM ("
            f"SELECT a.unit_id, a.year, p.month AS month, SUM(p.amount) AS planned, 0 AS disbursed "
            f"FROM {t['plan']} p JOIN {t['allocation']} a ON a.id = p.allocation_id "
            f"GROUP BY a.unit_id, a.year, p.month "
            f"UNION ALL "
            f"SELECT a.unit_id, a.year, {month} AS month, 0 AS planned, SUM(d.amount) AS disbursed "
            f"FROM {t['disbursement']} d JOIN {t['allocation']} a ON a.id = d.allocation_id "
            f"GROUP BY a.unit_id, a.year, {month}"
            f") x JOIN ({_ancestors_sql(t)}) anc ON anc.unit_id = x.unit_id "
            f"GROUP BY anc.ancestor_id, x.year, x.month"
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {t['line']}")
            cursor.execute(f"ANALYZE {t['month']}")
    return {"lines": LedgerSummary.objects.count(), "months": LedgerMonthSummary.objects.count()}


# --- Hand-written SQL, for the benchmark ----------------------------------------------------------


def _child_segment_sql(column: str, length: int) -> str:
    """SQL for the first path segment of `column` after a unit's own path of `length` characters (an integer,
    written into the statement): the child the row is under, '' for the unit's own."""
    start = int(length) + 1
    if connection.vendor == "postgresql":
        return f"split_part(substr({column}, {start}), '/', 1)"
    return f"substr({column}, {start}, instr(substr({column}, {start}) || '/', '/') - 1)"


def district_progress_sql(unit_path: str, year: int, as_of: datetime.date | None = None) -> dict[tuple, list[int]]:
    """The progress of one unit (a district, say) for `year`, by hand over the ledger's raw rows: allocations and
    disbursements summed apart, then joined per line. {(child segment or "", project code, sub-project code or "",
    capital type, source, origin year): [allocated, disbursed up to as_of]}. What an experienced developer would
    write without summaries; the benchmark times progress_for_unit against it and against the summary query."""
    as_of = as_of or datetime.date(year, 12, 31)
    t = _tables()
    q = connection.ops.quote_name
    project, subproject = q("programs_project"), q("programs_subproject")
    child = _child_segment_sql("u.path", len(unit_path))
    sql = (
        f"SELECT {child} AS child, p.code, COALESCE(s.code, ''), a.capital_type, a.source, a.origin_year, "
        f"SUM(a.amount), SUM(COALESCE(d.total, 0)) "
        f"FROM {t['allocation']} a JOIN {t['unit']} u ON u.id = a.unit_id "
        f"JOIN {project} p ON p.id = a.project_id LEFT JOIN {subproject} s ON s.id = a.subproject_id "
        f"LEFT JOIN (SELECT d.allocation_id, SUM(d.amount) AS total FROM {t['disbursement']} d "
        f"JOIN {t['allocation']} a2 ON a2.id = d.allocation_id JOIN {t['unit']} u2 ON u2.id = a2.unit_id "
        f"WHERE a2.year = %s AND u2.path LIKE %s AND d.date <= %s GROUP BY d.allocation_id) d "
        f"ON d.allocation_id = a.id "
        f"WHERE a.year = %s AND u.path LIKE %s "
        f"GROUP BY 1, p.code, COALESCE(s.code, ''), a.capital_type, a.source, a.origin_year"
    )
    prefix = unit_path + "%"
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, prefix, as_of, year, prefix])
        return {tuple(row[:6]): [int(row[6]), int(row[7])] for row in cursor.fetchall()}


def district_progress_summary_sql(unit_id: int, year: int) -> dict[tuple, list[int]]:
    """The same figures (disbursed: all of the year's) by hand over the summary rows of the unit and its children:
    the unit's own capital is its rows less its children's. Same keys as district_progress_sql."""
    t = _tables()
    q = connection.ops.quote_name
    project, subproject = q("programs_project"), q("programs_subproject")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT path FROM {t['unit']} WHERE id = %s", [unit_id])
        (path,) = cursor.fetchone()
        child = _child_segment_sql("u.path", len(path))
        cursor.execute(
            f"SELECT CASE WHEN r.unit_id = %s THEN '' ELSE {child} END AS child, p.code, COALESCE(s.code, ''), "
            f"r.capital_type, r.source, r.origin_year, r.allocations, r.allocated, r.disbursed "
            f"FROM {t['line']} r JOIN {t['unit']} u ON u.id = r.unit_id "
            f"JOIN {project} p ON p.id = r.project_id LEFT JOIN {subproject} s ON s.id = r.subproject_key "
            f"WHERE r.year = %s AND r.allocations > 0 "
            f"AND r.unit_id IN (SELECT id FROM {t['unit']} WHERE id = %s OR parent_id = %s)",
            [unit_id, year, unit_id, unit_id],
        )
        rows = cursor.fetchall()
    result: dict[tuple, list[int]] = {}
    own: dict[tuple, list[int]] = {}
    for child_segment, *key, allocations, allocated, disbursed in rows:
        if child_segment == "":
            cell = own.setdefault(tuple(key), [0, 0, 0])
            cell[0] += allocations
            cell[1] += allocated
            cell[2] += disbursed
        else:
            result[(child_segment, *key)] = [int(allocated), int(disbursed)]
            cell = own.setdefault(tuple(key), [0, 0, 0])
            cell[0] -= allocations
            cell[1] -= allocated
            cell[2] -= disbursed
    for key, (allocations, allocated, disbursed) in own.items():
        if allocations:
            result[("", *key)] = [allocated, disbursed]
    return result


def lines_by_segment(progress) -> dict[tuple, list[int]]:
    """progress_for_unit's by_line with the child as its path segment ('' for the unit's own): the keys of the
    hand-written queries above, to compare them."""
    segments = {child.pk: child.path.rstrip("/").rsplit("/", 1)[-1] for child in progress.by_subunit}
    return {
        (segments.get(line[0], "") if line[0] is not None else "", *line[1:]): [f.allocated, f.disbursed]
        for line, f in progress.by_line.items()
    }
