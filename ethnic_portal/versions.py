"""The data version: one number that grows after every committed change to program data.

The page cache (ethnic_portal/page_cache.py) keys the dashboards and `progress/` by it, so that a cached page is
served only while nothing it could show has changed: a disbursement posted bumps the version before the poster
gets its answer, and the next read of any page computes its figures anew from the live summaries.

How a change is seen, in one place: every database connection of the portal (web, worker, commands) runs its
statements through `_watch` (a Django execute wrapper installed when the connection opens). An INSERT, UPDATE or
DELETE on a table of the program's apps (`WATCHED_PREFIXES`) marks the transaction; when it commits, `bump()` runs
(`transaction.on_commit`); a statement outside a transaction bumps at once. So nothing that writes — services,
imports, bulk_create, queryset.update, the summaries' raw SQL — can forget it, and a rolled-back transaction bumps
nothing. Writes that change no figure a cached page shows are not watched (the personal-data access log, a report
job's progress percentage); sessions, users and login records are other apps' tables.

Why after the commit and not inside the transaction: one row bumped inside every writing transaction would be a
lock that all writers of the country queue on until they commit. After the commit the order is still safe: a
reader that sees the new version started after the data was committed, so it reads the new data; a reader that
saw the old version may store what it read under the old version, which no one asks for any more. The one gap —
a process killed between its commit and its bump, a bump that fails, or a PostgreSQL crash that loses the last
bumps (they do not wait for the disk) — is bounded by the cache's timeout (PAGE_CACHE_SECONDS) or the next write.

The number is `max(previous + 1, now in microseconds)`: it grows across a flush of the table (tests) or a restore
of an older backup (`restore` bumps it at the end), so a page cached before can never match again.
"""

from __future__ import annotations

import logging
import re
import time

from django.db import DatabaseError, connections, transaction
from django.db import connection as default_connection

logger = logging.getLogger("ethnic_portal.versions")
WATCHED_PREFIXES = ("geography_", "programs_", "disbursement_", "beneficiaries_", "reports_")
# The table a write statement starts with; a statement that starts with WITH is searched whole.
_LEADING_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)', re.I)
_ANY_WRITE = re.compile(r'\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)', re.I)
# Writes to a watched table that change no figure a page shows: the personal-data access log, and a report job's
# progress percentage alone (reports.services._progress).
_IGNORED_TABLES = {"beneficiaries_personaldataaccess"}
_PROGRESS_ONLY = re.compile(r'\s*UPDATE\s+"?reports_reportjob"?\s+SET\s+"?progress"?\s*=\s*%s\s+WHERE', re.I)
TABLE = "ethnic_portal_dataversion"
ROW_ID = 1


def writes_program_data(sql: str) -> bool:
    """Does this statement change a table of the program's data (one whose change a cached page may show)?
    Cheap: most statements are SELECTs, told by their first letters; a write is told by the table it names."""
    head = sql[:8].lstrip()[:6].upper()
    if head in ("INSERT", "UPDATE", "DELETE"):
        found = _LEADING_WRITE.match(sql)
        table = found.group(1).lower() if found else ""
        return table.startswith(WATCHED_PREFIXES) and table not in _IGNORED_TABLES and not _PROGRESS_ONLY.match(sql)
    if head.startswith("WITH"):
        return any(table.lower().startswith(WATCHED_PREFIXES) for table in _ANY_WRITE.findall(sql))
    return False


def current(using: str = "default") -> int:
    """The version now (0 before the first change), one primary-key read."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT counter FROM {TABLE} WHERE id = %s", [ROW_ID])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def bump(using: str = "default") -> None:
    """Make the version grow (its own statement: call it outside a transaction, as on_commit does). Before the
    table exists (`migrate` writing reference data) there is no page cache to keep live: nothing to do."""
    now = time.time_ns() // 1000
    conn = connections[using]
    upsert = (
        f"INSERT INTO {TABLE} (id, counter) VALUES (%s, %s) ON CONFLICT (id) DO UPDATE SET counter = "
        f"CASE WHEN {TABLE}.counter + 1 > %s THEN {TABLE}.counter + 1 ELSE %s END"
    )
    try:
        if conn.vendor == "sqlite" and conn.get_autocommit() and not conn.in_atomic_block:
            # One autocommit statement. (An explicit COMMIT here could fail while the write that called us still
            # has rows to hand back — INSERT … RETURNING; SQLite commits this one when that statement is done.)
            with conn.cursor() as cursor:
                cursor.execute(upsert, [ROW_ID, now, now, now])
            return
        with transaction.atomic(using=using), conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                # Not worth a wait for the disk: lost in a crash, the next bump moves past it (now in µs).
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(upsert, [ROW_ID, now, now, now])
    except DatabaseError:
        if TABLE in connections[using].introspection.table_names():
            raise


def _bump_on_commit(using: str) -> None:
    def callback():
        bump(using)

    callback.ethnic_portal_version_bump = True
    return callback


def _pending(conn) -> bool:
    """Is a bump already waiting for this transaction's commit? O(1) in the usual case: the place of the last
    registration is remembered; a savepoint rolled back since (which drops callbacks) makes it look again."""
    place = getattr(conn, "_portal_bump_place", None)
    waiting = conn.run_on_commit
    if place is not None and place < len(waiting) and getattr(waiting[place][1], "ethnic_portal_version_bump", False):
        return True
    for index, entry in enumerate(waiting):
        if getattr(entry[1], "ethnic_portal_version_bump", False):
            conn._portal_bump_place = index
            return True
    return False


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and writes_program_data(sql):
        conn = context["connection"]
        if conn.in_atomic_block:
            if not _pending(conn):
                conn._portal_bump_place = len(conn.run_on_commit)
                # robust: a bump that fails (a dropped connection) neither fails the committed write nor stops the
                # callbacks queued after it (a report job's enqueue); the cache's timeout bounds what it leaves.
                transaction.on_commit(_bump_on_commit(conn.alias), using=conn.alias, robust=True)
        else:  # autocommit (committed already), or manual transaction management: the cache's timeout bounds that
            try:
                bump(conn.alias)
            except DatabaseError:
                logger.exception("data version not bumped after a write; cached pages may lag until they expire")
    return result


def install(sender=None, connection=None, **kwargs) -> None:
    """Watch a connection's statements (connected to `connection_created`; idempotent). First in the list, so
    that a test's own `execute_wrapper()` block, which pops the last wrapper, leaves this one in place."""
    conn = connection or default_connection
    if _watch not in conn.execute_wrappers:
        conn.execute_wrappers.insert(0, _watch)
