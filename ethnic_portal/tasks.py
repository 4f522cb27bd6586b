from datetime import timedelta

from celery import shared_task
from django.db import connection
from django.utils import timezone

from geography.models import AdministrativeUnit

PING_KEEP_MINUTES = 10


@shared_task(bind=True, name="ethnic_portal.ping_task", ignore_result=True)
def ping_task(self, token: str | None = None) -> dict:
    """Health check of the worker: it answers and reaches the same database as the web process. With a token (the
    status page's check), the answer is written to the database (WorkerPing), where the asking process reads it."""
    from .models import WorkerPing

    answer = {
        "database": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "units": AdministrativeUnit.objects.unscoped_for_system().count(),
    }
    if token:
        WorkerPing.objects.filter(answered_at__lt=timezone.now() - timedelta(minutes=PING_KEEP_MINUTES)).delete()
        WorkerPing.objects.create(
            token=token,
            worker=self.request.hostname or "",
            database_name=answer["database_name"][:255],
            units=answer["units"],
        )
    return answer


@shared_task(
    bind=True,
    name="ethnic_portal.export_build_task",
    acks_late=True,  # a worker that dies mid-build leaves the message to be delivered again
    reject_on_worker_lost=True,
    max_retries=3,
    default_retry_delay=15,
    ignore_result=True,
)
def export_build_task(self, job_id: int) -> dict:
    """Write one export job's file (ethnic_portal/export_jobs.py). A lost database connection is retried; any other
    error fails the job with its reason."""
    from django.utils.translation import gettext as _

    from . import export_jobs

    try:
        job = export_jobs.export_build(job_id=job_id)
    except export_jobs.RETRYABLE as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            job = export_jobs.export_fail(
                job_id=job_id,
                error=_("Không kết nối được cơ sở dữ liệu sau %(n)s lần thử; hãy xuất lại.")
                % {"n": self.request.retries + 1},
            )
            return {"job": job_id, "status": job.status if job else None}
        raise self.retry(exc=error, countdown=15 * (self.request.retries + 1)) from error
    return {"job": job_id, "status": job.status if job else None}


@shared_task(name="ethnic_portal.export_cleanup_task", ignore_result=True)
def export_cleanup_task() -> dict:
    """Hourly (beat): export files older than EXPORT_KEEP_HOURS removed, lost builds failed."""
    from . import export_jobs

    return {"removed": export_jobs.export_cleanup()}
