"""Health of the portal's services, for the status page and container health checks."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return False, exc.__class__.__name__
    return True, connection.vendor


def check_cache() -> tuple[bool, str]:
    try:
        cache.set("health-check", "ok", 10)
        ok = cache.get("health-check") == "ok"
    except Exception as exc:  # noqa: BLE001
        return False, exc.__class__.__name__
    return ok, cache.__class__.__name__


def check_worker(timeout: float = 3.0) -> tuple[bool, str]:
    """Round trip of ping_task through the broker (in-process when no broker is configured)."""
    from .tasks import ping_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        result = ping_task.apply().get()
        return True, f"in-process ({result['units']})"
    try:
        result = ping_task.apply_async(expires=timeout).get(timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        return False, exc.__class__.__name__
    return True, f"worker ({result['units']})"
