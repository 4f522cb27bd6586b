from celery import shared_task
from django.db import connection

from geography.models import AdministrativeUnit


@shared_task(name="ethnic_portal.ping_task")
def ping_task() -> dict:
    """Health check of the worker: it answers and reaches the same database as the web process."""
    return {
        "database": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "units": AdministrativeUnit.objects.unscoped_for_system().count(),
    }
