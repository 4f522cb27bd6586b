"""The database's own refusal to change or delete a row of the personal-data access log (append-only).

Installed by migration 0003 on PostgreSQL (a trigger function raising on UPDATE and DELETE) and on SQLite
(two triggers that abort). TRUNCATE and DROP, which only a database owner runs, are not rows and pass: a
restore or a test flush empties the log that way (`flush` lifts the SQLite triggers for the time of the flush,
see management/commands/flush.py). A later migration that rebuilds the table on SQLite must call
`create_triggers` again; tests/security/test_personal_data.py fails if the triggers are missing.
"""

TABLE = "beneficiaries_personaldataaccess"

_POSTGRES_CREATE = [
    """
    CREATE OR REPLACE FUNCTION beneficiaries_access_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'the personal data access log is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    f"DROP TRIGGER IF EXISTS access_log_append_only ON {TABLE}",
    f"""
    CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION beneficiaries_access_log_append_only()
    """,
]
_POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS access_log_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS beneficiaries_access_log_append_only()",
]
_SQLITE_CREATE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the personal data access log is append-only: UPDATE refused'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'the personal data access log is append-only: DELETE refused'); END
    """,
]
_SQLITE_DROP = ["DROP TRIGGER IF EXISTS access_log_no_update", "DROP TRIGGER IF EXISTS access_log_no_delete"]

_CREATE = {"postgresql": _POSTGRES_CREATE, "sqlite": _SQLITE_CREATE}
_DROP = {"postgresql": _POSTGRES_DROP, "sqlite": _SQLITE_DROP}


def _run(connection, statements):
    with connection.cursor() as cursor:
        for sql in statements.get(connection.vendor, []):
            cursor.execute(sql)


def create_triggers(connection):
    _run(connection, _CREATE)


def drop_triggers(connection):
    _run(connection, _DROP)


def trigger_names(connection) -> set[str]:
    """The append-only triggers present on the table (for the tests and system checks)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE])
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}
