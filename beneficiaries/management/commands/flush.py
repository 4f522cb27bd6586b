"""Django's `flush`, able to empty the append-only personal-data access log.

Emptying the whole database (the test runner between transactional tests, a restore) is the one sanctioned way
to remove log rows. PostgreSQL flushes with TRUNCATE, which the row trigger does not see; SQLite flushes with
DELETE, which its trigger refuses. So the triggers are lifted for the flush and put back in the same
transaction: a failed flush leaves them in place.
"""

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from beneficiaries import append_only


class Command(flush.Command):
    def handle(self, **options):
        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        with transaction.atomic(using=database):
            lifted = connection.vendor == "sqlite" and append_only.TABLE in connection.introspection.table_names()
            if lifted:
                append_only.drop_triggers(connection)
            super().handle(**options)
            if lifted:
                append_only.create_triggers(connection)
