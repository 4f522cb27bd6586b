"""What the live summaries share: the ledger's (disbursement/summary.py), the beneficiary list totals
(beneficiaries/totals.py) and the table of found cases (beneficiaries/cases.py).

- `add_to_rows`: add differences to stored rows, inserting the missing ones, in one INSERT … ON CONFLICT DO UPDATE
  per 500 rows; in the order given (callers sort by key: the one lock order, so two writers never wait on each
  other's rows in opposite orders).
- `deferred`: a block whose writes collect their work in a pending object and apply it once, at the block's end
  (a file import, the carry-over), inside the caller's transaction.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.db import connection

CHUNK = 500


def add_to_rows(model, key: tuple, measures: tuple, rows: list[tuple], latest: tuple = ()) -> None:
    """Add each row's measures (rows are `(*key, *measures)`) to the stored row of its key, inserting it if new.
    Columns in `latest` keep the later value (a date) instead of a sum."""
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    updates = []
    for name in measures:
        column = q(name)
        if name in latest:
            updates.append(
                f"{column} = CASE WHEN excluded.{column} IS NOT NULL AND ({table}.{column} IS NULL OR "
                f"excluded.{column} > {table}.{column}) THEN excluded.{column} ELSE {table}.{column} END"
            )
        else:
            updates.append(f"{column} = {table}.{column} + excluded.{column}")
    columns = ", ".join(q(c) for c in (*key, *measures))
    one_row = "(" + ", ".join(["%s"] * (len(key) + len(measures))) + ")"
    conflict = ", ".join(q(c) for c in key)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([one_row] * len(chunk))} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {', '.join(updates)}",
                [value for row in chunk for value in row],
            )


@contextlib.contextmanager
def deferred(pending: contextvars.ContextVar, make):
    """Run the block with `make()` as `pending`'s value, then call its `flush()` once, after the block (the
    variable reset first, so that the flush's own work applies at once). A block inside another joins the outer
    one; leaving by an exception drops the work (the transaction is being rolled back with it)."""
    if pending.get() is not None:
        yield
        return
    work = make()
    token = pending.set(work)
    try:
        yield
    finally:
        pending.reset(token)
    work.flush()
