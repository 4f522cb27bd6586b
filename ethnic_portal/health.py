"""Health of the portal's services, for the status page and container health checks."""

import concurrent.futures
import threading
import uuid
from decimal import Decimal
from time import monotonic, sleep

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.utils.translation import gettext

from .formatting import format_number

POLL_SECONDS = 0.1  # how often the status page looks for the worker's answer


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


def check_worker(timeout: float = 5.0) -> tuple[bool, str]:
    """Round trip of ping_task through the broker to a worker and back through the database (in-process when no
    broker is configured), given up after `timeout` seconds whatever the broker does.

    The task is sent from a thread of its own: on a Redis that accepts connections and never answers, the send
    gives up only after its tries (settings CELERY_TASK_PUBLISH_RETRY_POLICY), and the status page must not wait for
    them. The answer is read from the database (WorkerPing), not from Celery's result store: the store's
    subscriptions, left behind by an answer that never came, retried their reconnection to a frozen Redis for 12 s
    and more, in whichever request next collected them."""
    from .models import WorkerPing
    from .tasks import ping_task

    if settings.CELERY_TASK_ALWAYS_EAGER:
        try:
            result = ping_task.apply().get()
        except Exception as exc:  # noqa: BLE001 - the task failed in-process (its database): named, not a 500
            return False, exc.__class__.__name__
        return True, f"in-process ({result['units']})"
    end = monotonic() + timeout
    token = uuid.uuid4()
    sent: concurrent.futures.Future = concurrent.futures.Future()
    # A daemon thread: one still trying the broker neither holds up the process's exit nor the request.
    threading.Thread(target=_send_ping, args=(sent, token, timeout), name="health-ping", daemon=True).start()
    try:
        sent.result(timeout=max(0.0, end - monotonic()))
    except concurrent.futures.TimeoutError:
        return False, _no_answer(timeout)
    except Exception as exc:  # noqa: BLE001 - the broker refused the task: the queue is down
        return False, exc.__class__.__name__
    while True:
        try:
            answer = WorkerPing.objects.filter(token=token).values("units").first()
        except DatabaseError as exc:  # the answer cannot be read: the database check says why
            return False, exc.__class__.__name__
        if answer is not None:
            return True, f"worker ({answer['units']})"
        if monotonic() >= end:
            return False, _no_answer(timeout)
        sleep(min(POLL_SECONDS, max(0.0, end - monotonic())))


def _send_ping(sent: concurrent.futures.Future, token: uuid.UUID, timeout: float) -> None:
    from .tasks import ping_task

    try:
        ping_task.apply_async(kwargs={"token": str(token)}, expires=timeout)
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
        sent.set_exception(exc)
    else:
        sent.set_result(None)


def _no_answer(timeout: float) -> str:
    seconds = format_number(Decimal(str(timeout)), 0 if timeout == int(timeout) else 1)
    return gettext("không trả lời trong %(seconds)s giây") % {"seconds": seconds}
