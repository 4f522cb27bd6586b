"""Thin Celery tasks: ids in, a service call, a small JSON answer out."""

from celery import shared_task
from django.utils.translation import gettext as _

from . import services

MAX_RETRIES = 3


@shared_task(
    bind=True,
    name="reports.report_build_task",
    acks_late=True,  # a worker that dies mid-build leaves the message to be delivered again
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
    default_retry_delay=15,
    # The job's row holds the outcome; a result in Redis would only make sending wait on the result store.
    ignore_result=True,
)
def report_build_task(self, job_id: int) -> dict:
    """Build one report job. A lost database connection is retried by the worker (in-process, without a broker,
    there is no one to retry later); any other error fails the job with its reason."""
    try:
        job = services.report_build(job_id=job_id)
    except services.RETRYABLE as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            job = services.report_fail(
                job_id=job_id,
                error=_("Không kết nối được cơ sở dữ liệu sau %(n)s lần thử; hãy tạo lại báo cáo.")
                % {"n": self.request.retries + 1},
            )
            return {"job": job_id, "status": job.status if job else None}
        raise self.retry(exc=error, countdown=15 * (self.request.retries + 1)) from error
    return {"job": job_id, "status": job.status if job else None}


@shared_task(name="reports.report_nightly_rebuild_task")
def report_nightly_rebuild_task() -> dict:
    jobs = services.nightly_rebuild()
    return {"jobs": [job.pk for job in jobs]}


@shared_task(name="reports.overdue_compute_task")
def overdue_compute_task() -> dict:
    return {"overdue": services.overdue_compute()}


@shared_task(name="reports.report_requeue_task", ignore_result=True)
def report_requeue_task() -> dict:
    """Every CELERY_REQUEUE_SECONDS (beat): send again the reports still waiting for the queue."""
    return {"requeued": services.requeue_waiting()}
