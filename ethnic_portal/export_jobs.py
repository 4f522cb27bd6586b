"""Writes of export jobs: ask for a long export, build it (the Celery task calls `export_build`), download it,
and remove old files.

The pattern of the report jobs (reports/services.py): a job row with status and progress; the task re-scopes with
the requester's `for_user` and the page's filters when it runs; each run claims the job (`attempts` + 1) and a run
whose claim a later one took over (a redelivered task after a worker died) finishes nothing; the workbook is written
to a temporary file and moved into place (an atomic rename) in the transaction that marks the job done, so a failed
or killed build leaves no file. A file holds personal data for some lists: it is downloaded only by its requester,
each download goes to the access log like a direct export, and it is removed after EXPORT_KEEP_HOURS.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import tempfile
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import InterfaceError, OperationalError, transaction
from django.http import FileResponse, QueryDict
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.scope import can_read_program_data

from .excel_export import ExportSpec, write
from .excel_import import XLSX_CONTENT_TYPE
from .models import ACTIVE_STATUSES, ExportJob, ExportKind, ExportStatus

logger = logging.getLogger(__name__)

SPECS = {
    ExportKind.DISBURSEMENTS: "disbursement.excel.exports.DISBURSEMENTS",
    ExportKind.ALLOCATIONS: "disbursement.excel.exports.ALLOCATIONS",
    ExportKind.HOUSEHOLDS: "beneficiaries.excel.exports.HOUSEHOLDS",
    ExportKind.PERSONS: "beneficiaries.excel.exports.PERSONS",
}
EXPORTS_DIR = "exports"
RETRYABLE = (OperationalError, InterfaceError)
# A running job older than this has lost its worker (the task time limit plus a margin).
STALE_AFTER = datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800) + 300)


def spec_for(kind: str) -> ExportSpec:
    return import_string(SPECS[ExportKind(kind)])


def keep_for() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "EXPORT_KEEP_HOURS", 24))


# --- Asking -----------------------------------------------------------------------------------------------------


def export_request(*, actor, kind: str, query: str, total: int | None = None) -> ExportJob:
    """A job for `actor`'s list `kind` with the page's filters `query` (a query string); the build is handed to
    the task queue after the commit. Filters are checked now (ValidationError, in Vietnamese)."""
    if not can_read_program_data(actor):
        raise PermissionDenied(_("Vai trò của bạn không xem số liệu của chương trình."))
    spec = spec_for(kind)
    data = QueryDict(query)
    data = data.copy()
    data.pop("page", None)
    spec.queryset(actor, data)  # the filters, checked as the page checks them
    job = ExportJob.objects.create(requested_by=actor, kind=spec.kind, query=data.urlencode()[:2000], total=total)
    transaction.on_commit(lambda: _enqueue(job))
    return job


def queue_unavailable_message() -> str:
    return _("Hàng đợi tác vụ tạm thời không hoạt động nên chưa tạo được tệp. Hãy xuất lại sau ít phút.")


def _enqueue(job: ExportJob) -> None:
    """Hand the build to Celery. If the queue cannot be reached the job fails with a note (the user asks again: an
    export is cheap to ask for, unlike a report nobody should have to ask for twice)."""
    from .tasks import export_build_task

    try:
        export_build_task.delay(job.pk)
    except Exception as error:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.exception("export %s failed in-process", job.pk)
            message = _("Lỗi khi tạo tệp (%(error)s). Hãy xuất lại; nếu vẫn lỗi, báo quản trị hệ thống.") % {
                "error": type(error).__name__
            }
        else:
            logger.warning("export %s: the task queue is unavailable (%s: %s)", job.pk, type(error).__name__, error)
            message = queue_unavailable_message()
        _fail(job.pk, message)


# --- Building ---------------------------------------------------------------------------------------------------


def _claim(job_id: int) -> tuple[ExportJob | None, int | None]:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in ACTIVE_STATUSES:
            return job, None
        job.status = ExportStatus.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.progress = 1
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "progress", "error"])
        return job, job.attempts


def _progress(job_id: int, attempt: int, **fields) -> None:
    ExportJob.objects.filter(pk=job_id, attempts=attempt, status=ExportStatus.RUNNING).update(**fields)


def _fail(job_id: int, message: str, attempt: int | None = None) -> ExportJob | None:
    jobs = ExportJob.objects.filter(pk=job_id, status__in=ACTIVE_STATUSES)
    if attempt is not None:
        jobs = jobs.filter(attempts=attempt)
    jobs.update(status=ExportStatus.FAILED, error=message[:1000], finished_at=timezone.now())
    return ExportJob.objects.filter(pk=job_id).first()


def export_fail(*, job_id: int, error: str) -> ExportJob | None:
    """Fail a job for good (the task gave up retrying)."""
    return _fail(job_id, error)


def _storage():
    return ExportJob._meta.get_field("file").storage


def _final_name(job: ExportJob, stem: str) -> str:
    return f"{EXPORTS_DIR}/{job.created_at:%Y%m}/{stem}-{job.pk}.xlsx"


def _temp_folder() -> Path:
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        return Path(storage.path(f"{EXPORTS_DIR}/tmp"))
    return Path(tempfile.gettempdir())


def _temp_path(job_id: int, attempt: int) -> str:
    folder = _temp_folder()
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix=f"export-{job_id}-{attempt}-", suffix=".xlsx.part", dir=folder)
    os.close(handle)
    return path


def _remove_earlier_temp_files(job_id: int, attempt: int) -> int:
    """A run killed while writing leaves its temporary file; the run that takes the job over removes it."""
    folder = _temp_folder()
    removed = 0
    for path in folder.glob(f"export-{job_id}-*.xlsx.part") if folder.is_dir() else []:
        parts = path.name.split("-")
        if len(parts) >= 3 and parts[2].isdigit() and int(parts[2]) < attempt:
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


def _place(temp_path: str, name: str) -> str:
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        final = Path(storage.path(name))
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp_path, final)
        return name
    if storage.exists(name):
        storage.delete(name)
    with open(temp_path, "rb") as handle:
        return storage.save(name, File(handle))


def _finish(job: ExportJob, attempt: int, temp_path: str, stem: str, rows: int) -> ExportJob:
    with transaction.atomic():
        locked = ExportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ExportStatus.RUNNING or locked.attempts != attempt:
            return locked  # a later run took the job over; it finishes it
        locked.file_size = os.path.getsize(temp_path)
        locked.file.name = _place(temp_path, _final_name(locked, stem))
        locked.rows = rows
        locked.status = ExportStatus.DONE
        locked.progress = 100
        locked.finished_at = timezone.now()
        locked.error = ""
        locked.save()
        return locked


def export_build(*, job_id: int) -> ExportJob | None:
    """Write a job's file as its requester sees the list now (re-scoped with `for_user`, the page's filters)."""
    job, attempt = _claim(job_id)
    if attempt is None:
        return job
    if attempt > 1 and (removed := _remove_earlier_temp_files(job.pk, attempt)):
        logger.warning("export %s: run %s removed %s temporary file(s) of an interrupted run", job.pk, attempt, removed)
    temp_path = None
    try:
        user = job.requested_by
        if not can_read_program_data(user):
            return _fail(job.pk, _("Người yêu cầu không còn quyền xem số liệu này."), attempt)
        spec = spec_for(job.kind)
        queryset = spec.queryset(user, QueryDict(job.query))
        total = queryset.order_by().values("pk").count()
        _progress(job.pk, attempt, total=total, progress=2)
        export = spec.build(queryset, user=user, total=total)
        temp_path = _temp_path(job.pk, attempt)
        step = max(1, total)
        rows = write(
            export,
            temp_path,
            on_progress=lambda done: _progress(job.pk, attempt, progress=min(99, 2 + 97 * done // step)),
        )
        return _finish(job, attempt, temp_path, export.name, rows)
    except RETRYABLE:
        raise
    except ValidationError as error:
        return _fail(job.pk, " ".join(error.messages), attempt)
    except SoftTimeLimitExceeded:
        return _fail(job.pk, _("Quá thời gian cho phép khi tạo tệp. Hãy lọc bớt danh sách rồi xuất lại."), attempt)
    except Exception as error:
        logger.exception("export %s failed", job_id)
        return _fail(
            job.pk,
            _("Lỗi khi tạo tệp (%(error)s). Hãy xuất lại; nếu vẫn lỗi, báo quản trị hệ thống.")
            % {"error": type(error).__name__},
            attempt,
        )
    finally:
        if temp_path and os.path.exists(temp_path):
            os.unlink(temp_path)


# --- Downloading and removing -----------------------------------------------------------------------------------


class ExportNotReady(ValidationError):
    """The file cannot be downloaded (yet, or any more)."""


def export_download(*, request, job: ExportJob) -> FileResponse:
    """The job's file as a streamed download; recorded like a direct export (the access log of personal data)."""
    if job.is_active:
        raise ExportNotReady(
            _("Tệp đang được tạo (%(progress)s%%). Hãy tải khi trạng thái là “Hoàn thành”.")
            % {"progress": job.progress}
        )
    if job.status == ExportStatus.FAILED:
        raise ExportNotReady(_("Lần xuất này bị lỗi nên không có tệp: %(error)s") % {"error": job.error})
    if job.status == ExportStatus.EXPIRED or not job.file or not job.file.storage.exists(job.file.name):
        raise ExportNotReady(
            _("Tệp đã được xóa khỏi máy chủ sau %(hours)s giờ. Hãy xuất lại từ trang danh sách.")
            % {"hours": int(keep_for().total_seconds() // 3600)}
        )
    spec = spec_for(job.kind)
    if spec.on_download is not None:
        spec.on_download(request, job.rows)
    name = f"{Path(job.file.name).stem}-{timezone.localtime(job.finished_at):%Y%m%d-%H%M}.xlsx"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)


def export_cleanup(*, now: datetime.datetime | None = None) -> int:
    """Remove the files of jobs finished more than EXPORT_KEEP_HOURS ago (they may hold personal data), fail jobs
    whose worker was lost, and remove temporary files of killed builds. Returns the number of files removed."""
    now = now or timezone.now()
    removed = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lt=now - keep_for()):
        if job.file:
            with contextlib.suppress(OSError):
                job.file.storage.delete(job.file.name)
                removed += 1
        ExportJob.objects.filter(pk=job.pk, status=ExportStatus.DONE).update(status=ExportStatus.EXPIRED, file="")
    ExportJob.objects.filter(status=ExportStatus.RUNNING, started_at__lt=now - STALE_AFTER).update(
        status=ExportStatus.FAILED,
        error=_("Tiến trình tạo tệp đã dừng giữa chừng. Hãy xuất lại."),
        finished_at=now,
    )
    ExportJob.objects.filter(status=ExportStatus.QUEUED, created_at__lt=now - STALE_AFTER).update(
        status=ExportStatus.FAILED, error=queue_unavailable_message(), finished_at=now
    )
    folder = _temp_folder()
    if folder.is_dir() and isinstance(_storage(), FileSystemStorage):
        cutoff = (now - STALE_AFTER).timestamp()
        for path in folder.glob("export-*.xlsx.part"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
    return removed
