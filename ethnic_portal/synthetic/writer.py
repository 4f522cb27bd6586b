"""Streaming rows into a table: COPY on PostgreSQL, executemany on SQLite.

A generator yields one tuple per row, in the order of the columns named; values are already in their database
form (int, str, None; dates as 'YYYY-MM-DD', timestamps as 'YYYY-MM-DD HH:MM:SS' in UTC, booleans as 0/1), so the
same tuples serve both backends. Rows travel in chunks: nothing holds a table in memory.

PostgreSQL: `COPY … FROM STDIN` (text format) fed by a file-like object that pulls the next chunk from the
generator, so Python builds rows while the server parses the previous chunk. The generated strings never hold a
tab, a newline or a backslash (ethnic_portal/synthetic/names.py), and each chunk is checked for that before it is
sent: a stray one would shift columns silently.

A table emptied by this load (`fresh=True`) is filled the way bulk loads are done on PostgreSQL: its secondary
indexes, unique constraints and foreign keys are dropped, the rows copied with FREEZE (no hint bits to set on the
first reads, the visibility map already set), then each index is built in one sort and each foreign key re-added,
which PostgreSQL validates in one set-based query over the whole table: a dangling reference fails the load as
it would have failed row by row. All of it inside the load's transaction, so a failure restores every index.
"""

import io
import time

from django.db import connection

CHUNK_ROWS = 20_000


class ColumnError(Exception):
    pass


def columns_of(model, fields: list[str]) -> list[str]:
    """The database columns of `fields` (attnames or names); every concrete column not named must be nullable,
    or the load would miss a value someone added to the model."""
    opts = model._meta
    named = [opts.get_field(name).column for name in fields]  # get_field knows attnames too (unit_id)
    missing = [
        f.column
        for f in opts.concrete_fields
        if f.column not in named and not f.null and getattr(f, "db_default", None) is None and not f.primary_key
    ]
    if missing:
        raise ColumnError(
            f"{opts.label}: generate_synthetic does not fill {', '.join(missing)}; add them to ethnic_portal/synthetic"
        )
    return named


class _Stream(io.RawIOBase):
    """A read-only text stream over an iterator of str chunks (what copy_expert reads)."""

    def __init__(self, chunks):
        self.chunks = iter(chunks)

    def readable(self):
        return True

    def read(self, size=-1):
        return next(self.chunks, "")


def _pg_chunks(rows, width: int, counter: list):
    buffer = []
    append = buffer.append
    for row in rows:
        append("\t".join(["\\N" if value is None else str(value) for value in row]))
        if len(buffer) >= CHUNK_ROWS:
            yield _checked(buffer, width)
            counter[0] += len(buffer)
            buffer.clear()
    if buffer:
        yield _checked(buffer, width)
        counter[0] += len(buffer)


def _checked(lines: list[str], width: int) -> str:
    chunk = "\n".join(lines) + "\n"
    if chunk.count("\t") != len(lines) * (width - 1) or chunk.count("\n") != len(lines):
        raise ValueError("a generated value holds a tab or a newline")
    if chunk.count("\\") != chunk.count("\\N"):
        raise ValueError("a generated value holds a backslash")
    return chunk


def _secondary(cursor, table: str) -> tuple[list, list]:
    """The unique and foreign-key constraints, and the other non-primary indexes, of a table: their definitions."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) ORDER BY i.relname",
        [table],
    )
    return constraints, cursor.fetchall()


def write(model, fields: list[str], rows, *, fresh: bool = False) -> tuple[int, float]:
    """Insert the rows; returns (rows written, seconds). `fresh`: the table was emptied by this transaction."""
    started = time.perf_counter()
    columns = columns_of(model, fields)
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = ", ".join(q(c) for c in columns)
    counter = [0]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            constraints, indexes = _secondary(cursor, table) if fresh else ([], [])
            if constraints:
                # Checks deferred by earlier statements (the users' foreign keys…) run now: a table with pending
                # trigger events cannot be altered, and dropping a foreign key alters the table it points to.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _definition in constraints:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {q(name)}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {q(name)}")
            freeze = " WITH (FREEZE)" if fresh else ""
            stream = _Stream(_pg_chunks(rows, len(columns), counter))
            cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN{freeze}", stream)
            for _name, definition in indexes:
                cursor.execute(definition)
            for name, definition in constraints:  # unique constraints first, then foreign keys
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {q(name)} {definition}")
            if constraints:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
            chunk = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= CHUNK_ROWS:
                    cursor.executemany(sql, chunk)
                    counter[0] += len(chunk)
                    chunk = []
            if chunk:
                cursor.executemany(sql, chunk)
                counter[0] += len(chunk)
    return counter[0], time.perf_counter() - started
