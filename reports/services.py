"""Writes of the reports app: request a report, build it (the Celery task calls `report_build`), record downloads,
the province's threshold, the nightly rebuild and the daily list of late submissions.

A build never leaves a half-written file: the workbook is written to a temporary file next to the storage
folder, its checksum taken, and only then moved into place (an atomic rename) in the same transaction that marks
the job done. Each run claims the job (`attempts` + 1); a run whose claim was taken over by a later one (a
redelivered task after a worker died) finishes nothing, so a job completes once.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import logging
import os
import subprocess
import tempfile
import time
import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scope import Role, can_request_reports, path_condition, policy_for, unit_in_scope, visible_roots
from disbursement.models import Allocation, Period, PeriodKind, PeriodStatus
from disbursement.services import year_setting
from ethnic_portal.forms import is_digits
from geography.models import NATION_CODE, AdministrativeUnit, Level, is_nation, nation
from programs.models import BudgetYear

from . import selectors
from .excel import workbook
from .models import (
    ACTIVE_STATUSES,
    OverdueSubmission,
    ReportDownload,
    ReportJob,
    ReportLevel,
    ReportPeriod,
    ReportSetting,
    ReportStatus,
    period_end,
)

logger = logging.getLogger(__name__)

# Errors worth another try (the database went away, a deadlock): the task retries them; anything else fails the
# job at once with its reason.
RETRYABLE = (OperationalError, InterfaceError)
# A running job older than this has lost its worker (the task time limit plus a margin): it is failed rather than
# joined.
STALE_AFTER = datetime.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 1800) + 300)
# A queued job is sent again (requeue_waiting) while it waits: at once when the queue never received it (it was
# down), and after REQUEUE_AFTER when it received it but no worker started it (Redis restarted and lost it). After
# QUEUE_WAIT it is failed: the user asks again.
REQUEUE_AFTER = datetime.timedelta(minutes=10)
QUEUE_WAIT = datetime.timedelta(hours=24)
REPORTS_DIR = "reports"


# --- Requesting -----------------------------------------------------------------------------------


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _scoped_units(user):
    """The user's unit and everything below it (not the chain above, which the unit pages list for navigation)."""
    roots = visible_roots(user)
    if not roots:
        return AdministrativeUnit.objects.none()
    return AdministrativeUnit.objects.filter(path_condition("", roots))


def _not_found(code) -> Http404:
    return Http404(_("Không có đơn vị mã “%(code)s” trong địa bàn của bạn.") % {"code": code})


def resolve_unit(*, actor, unit, year: int | None) -> AdministrativeUnit:
    """A unit (or its code) inside the actor's scope, in the version that existed in `year`; Http404 otherwise,
    the same answer for a unit that does not exist and one that is not the actor's. `VN` is the whole country
    (`geography.models.nation()`), for a nationwide user."""
    if isinstance(unit, AdministrativeUnit):
        if not unit_in_scope(actor, unit):
            raise _not_found(unit.code)
        return unit
    code = str(unit if unit is not None else "").strip()
    if code.upper() == NATION_CODE:
        if not policy_for(actor).nationwide:
            raise _not_found(code)
        return nation()
    versions = _scoped_units(actor).filter(code=code).order_by(F("valid_from").desc(nulls_last=True))
    found = (versions.valid_in_year(year).first() if year else None) or versions.first()
    if found is None or not code:
        raise _not_found(code)
    return found


def _budget_year(value) -> int | None:
    text = str(value if value is not None else "").strip()
    if not is_digits(text) or len(text) > 4:  # not str.isdigit: "²" passes it and int() refuses it
        return None
    year = int(text)
    return year if BudgetYear.objects.filter(year=year).exists() else None


def _level_message(unit: AdministrativeUnit) -> str:
    if is_nation(unit):
        return _("Báo cáo của cả nước: chọn cấp báo cáo “toàn quốc” (national).")
    if unit.level == Level.COMMUNE and unit.parent and unit.parent.level == Level.PROVINCE:
        return _("%(unit)s là đơn vị cấp xã báo cáo thẳng lên tỉnh: chọn cấp báo cáo “xã” (commune).") % {
            "unit": unit.name
        }
    if unit.level not in ReportLevel.values:
        return _("Không lập báo cáo cho %(unit)s: chỉ lập cho tỉnh, huyện hoặc xã.") % {"unit": unit.name}
    return _("%(unit)s là đơn vị cấp %(level)s: chọn cấp báo cáo “%(level)s” (%(value)s).") % {
        "unit": unit.name,
        "level": str(ReportLevel(unit.level).label).lower(),
        "value": unit.level,
    }


def _expire_stale(jobs) -> int:
    """Fail the active jobs whose worker is gone (running far beyond the task's time limit) or that waited for the
    queue too long (QUEUE_WAIT)."""
    now = timezone.now()
    running = jobs.filter(status=ReportStatus.RUNNING, started_at__lt=now - STALE_AFTER).update(
        status=ReportStatus.FAILED,
        finished_at=now,
        error=_("Tác vụ tạo báo cáo bị gián đoạn (quá %(minutes)s phút chưa xong). Hãy yêu cầu lại.")
        % {"minutes": int(STALE_AFTER.total_seconds() // 60)},
    )
    queued = jobs.filter(status=ReportStatus.QUEUED, created_at__lt=now - QUEUE_WAIT).update(
        status=ReportStatus.FAILED,
        finished_at=now,
        error=_("Báo cáo chờ hàng đợi tác vụ quá %(hours)s giờ mà chưa được tạo. Hãy yêu cầu lại.")
        % {"hours": int(QUEUE_WAIT.total_seconds() // 3600)},
    )
    return running + queued


@transaction.atomic
def report_request(*, actor, level, unit, year, period, scheduled: bool = False) -> ReportJob:
    """Ask for a report. Returns the new job (built after commit by the Celery task), or the identical job already
    queued or running, which the request joins (`job.joined` is True then).

    Refusals: PermissionDenied for a role that requests no reports; Http404 for a unit outside the actor's scope;
    ValidationError({field: message}) in Vietnamese for a bad level, year or period, a year without capital.
    """
    if not can_request_reports(actor):
        raise PermissionDenied(_("Vai trò của bạn không được yêu cầu báo cáo."))
    errors: dict[str, str] = {}
    if level not in ReportLevel.values:
        errors["level"] = _(
            "Cấp báo cáo phải là “national” (toàn quốc), “province” (tỉnh), “district” (huyện) hoặc “commune” (xã)."
        )
    if period not in ReportPeriod.values:
        errors["period"] = _("Kỳ báo cáo phải là “H1” (6 tháng đầu năm) hoặc “year” (cả năm).")
    budget_year = _budget_year(year)
    if budget_year is None:
        errors["year"] = _("Năm phải là một năm ngân sách của Chương trình (2021–2030), ví dụ 2024.")
    if unit in (None, "") and level == ReportLevel.NATIONAL:
        unit = NATION_CODE  # the country's report names no unit
    if unit in (None, ""):
        errors["unit"] = _("Phải chọn đơn vị (mã đơn vị).")
    if errors:
        raise ValidationError(errors)
    unit = resolve_unit(actor=actor, unit=unit, year=budget_year)
    if unit.level != level:
        raise ValidationError({"level": _level_message(unit)})
    if not is_nation(unit) and not AdministrativeUnit.objects.filter(pk=unit.pk).valid_in_year(budget_year).exists():
        raise ValidationError(
            {
                "year": _(
                    "%(unit)s không tồn tại trong năm %(year)s (hiệu lực %(range)s): báo cáo năm này lập cho đơn vị "
                    "kế thừa."
                )
                % {
                    "unit": unit.name,
                    "year": budget_year,
                    "range": f"{_d(unit.valid_from) if unit.valid_from else '…'} – "
                    f"{_d(unit.valid_to) if unit.valid_to else '…'}",
                }
            }
        )
    if not selectors.has_capital(user=actor, unit=unit, year=budget_year):
        raise ValidationError(
            {
                "year": _("Chưa có số liệu vốn năm %(year)s của %(unit)s: không lập được báo cáo.")
                % {"year": budget_year, "unit": unit.name}
            }
        )
    job_unit = None if is_nation(unit) else unit
    same = ReportJob.objects.filter(level=level, unit=job_unit, year=budget_year, period=period)
    _expire_stale(same)
    active = same.filter(status__in=ACTIVE_STATUSES).first()
    if active is not None:
        active.joined = True
        return active
    previous = same.filter(status=ReportStatus.DONE).order_by("-finished_at", "-pk").first()
    try:
        with transaction.atomic():
            job = ReportJob.objects.create(
                requested_by=actor,
                level=level,
                unit=job_unit,
                year=budget_year,
                period=period,
                scheduled=scheduled,
                previous=previous,
            )
    except IntegrityError:
        # Another request created the same job between our check and our insert: join it.
        active = same.filter(status__in=ACTIVE_STATUSES).first()
        if active is None:
            raise
        active.joined = True
        return active
    job.joined = False
    transaction.on_commit(lambda: _enqueue(job))
    return job


def queue_unavailable_message() -> str:
    return _(
        "Hàng đợi tác vụ tạm thời không hoạt động: yêu cầu đã được ghi nhận và báo cáo sẽ được tạo tự động khi hàng "
        "đợi hoạt động trở lại."
    )


# After a failed hand-over, this process does not try the broker again for this many seconds: while Redis hangs,
# each try costs its timeouts, and the web threads must not all wait on it. The job waits queued either way.
BROKER_RETRY_SECONDS = 15.0
_broker_down_until = 0.0


class _BrokerSkipped(Exception):
    """Not sent: the broker failed moments ago in this process."""


def _enqueue(job: ReportJob) -> None:
    """Hand the build to Celery after the commit, and note when (`enqueued_at`).

    If the broker cannot be reached (settings bound that to a few seconds, and for BROKER_RETRY_SECONDS after a
    failure this process does not try again), the job stays queued with a note for the user in `error` (cleared when
    a run claims it), and `requeue_waiting` sends it once the broker is back: the request that asked for it still
    answers. In-process (no broker), a failure the build did not catch fails the job with its reason."""
    global _broker_down_until
    from .tasks import report_build_task

    sent_at = timezone.now()
    try:
        if not settings.CELERY_TASK_ALWAYS_EAGER and time.monotonic() < _broker_down_until:
            raise _BrokerSkipped("the task queue failed moments ago")
        report_build_task.delay(job.pk)
    except Exception as error:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.exception("report %s failed in-process", job.pk)
            message = _("Lỗi khi tạo báo cáo (%(error)s). Hãy tạo lại; nếu vẫn lỗi, báo quản trị hệ thống.")
            failed = _fail(job.pk, message % {"error": type(error).__name__})
            if failed is not None:
                job.status, job.error, job.finished_at = failed.status, failed.error, failed.finished_at
            return
        if not isinstance(error, _BrokerSkipped):
            _broker_down_until = time.monotonic() + BROKER_RETRY_SECONDS
        logger.warning(
            "report %s waits for the task queue (%s: %s); it is sent again when the queue is back",
            job.pk,
            type(error).__name__,
            error,
        )
        note = queue_unavailable_message()
        ReportJob.objects.filter(pk=job.pk, status=ReportStatus.QUEUED).update(error=note, enqueued_at=None)
        job.error, job.enqueued_at = note, None
        return
    # Only while nothing has claimed it yet: a fast worker may already be running it.
    ReportJob.objects.filter(pk=job.pk).update(enqueued_at=sent_at)
    job.enqueued_at = sent_at


def requeue_waiting(*, now: datetime.datetime | None = None) -> list[int]:
    """Send the queued jobs again that the queue never received (it was down when they were asked for) or that no
    worker started within REQUEUE_AFTER (the queue lost them). A job sent twice still completes once: each run
    claims it (`attempts`) and a done job is not built again. Returns the ids sent; stops at the first broker
    failure (the next run tries again)."""
    from .tasks import report_build_task

    now = now or timezone.now()
    _expire_stale(ReportJob.objects.unscoped_for_system())
    waiting = (
        ReportJob.objects.unscoped_for_system()
        .filter(status=ReportStatus.QUEUED)
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - REQUEUE_AFTER))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = []
    for job_id in list(waiting[:500]):
        sent_at = timezone.now()
        try:
            report_build_task.delay(job_id)
        except Exception as error:  # noqa: BLE001 - any broker failure: leave the rest for the next run
            logger.warning("requeue stopped: the task queue is still unavailable (%s: %s)", type(error).__name__, error)
            break
        ReportJob.objects.filter(pk=job_id).update(enqueued_at=sent_at)
        ReportJob.objects.filter(pk=job_id, status=ReportStatus.QUEUED).update(error="")  # a run may have begun
        sent.append(job_id)
    if sent:
        logger.info("requeued %s waiting report(s): %s", len(sent), sent)
    return sent


def report_regenerate(*, actor, job: ReportJob) -> ReportJob:
    """A new snapshot of the same report; the old one stays, and the new one points at the latest done one."""
    if not unit_in_scope(actor, job.report_unit):
        raise _not_found(job.report_unit.code)
    return report_request(actor=actor, level=job.level, unit=job.report_unit, year=job.year, period=job.period)


# --- Building -------------------------------------------------------------------------------------


@functools.cache
def code_version() -> str:
    """The git commit of the running code if there is one, else the package version (pyproject.toml)."""
    explicit = os.environ.get("PORTAL_VERSION", "").strip()
    if explicit:
        return explicit[:80]
    base = Path(settings.BASE_DIR)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=base, capture_output=True, text=True, timeout=5, check=False
        )
        if result.returncode == 0 and result.stdout.strip():
            return f"git {result.stdout.strip()[:40]}"
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError, KeyError), open(base / "pyproject.toml", "rb") as handle:
        return f"ethnic_portal {tomllib.load(handle)['project']['version']}"
    return "ethnic_portal"


@contextlib.contextmanager
def _consistent_read():
    """On PostgreSQL, read every figure in one REPEATABLE READ, READ ONLY transaction: all sections see the data
    as of one moment even while officers keep entering disbursements. (SQLite serialises writers anyway.)"""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        yield


def _claim(job_id: int) -> tuple[ReportJob | None, int | None]:
    """Mark the job running for this run. Returns (job, attempt), attempt None when there is nothing to do."""
    with transaction.atomic():
        job = ReportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ReportStatus.DONE, ReportStatus.FAILED):
            return job, None
        job.status = ReportStatus.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.progress = 5
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "progress", "error"])
        return job, job.attempts


def _progress(job_id: int, attempt: int, value: int) -> None:
    ReportJob.objects.filter(pk=job_id, attempts=attempt, status=ReportStatus.RUNNING).update(progress=min(value, 99))


def _fail(job_id: int, message: str, attempt: int | None = None) -> ReportJob | None:
    jobs = ReportJob.objects.filter(pk=job_id, status__in=ACTIVE_STATUSES)
    if attempt is not None:
        jobs = jobs.filter(attempts=attempt)
    jobs.update(status=ReportStatus.FAILED, error=message[:1000], finished_at=timezone.now())
    return ReportJob.objects.filter(pk=job_id).first()


def report_fail(*, job_id: int, error: str) -> ReportJob | None:
    """Fail a job for good (the task gave up retrying)."""
    return _fail(job_id, error)


def _storage():
    return ReportJob._meta.get_field("file").storage


def _final_name(job: ReportJob) -> str:
    """The same name on every run of a job, so a retried build overwrites its own file and nothing else."""
    return f"{REPORTS_DIR}/{job.year}/{job.report_unit.code}-{job.level}-{job.year}-{job.period}-{job.pk}.xlsx"


def _temp_folder() -> Path:
    storage = _storage()
    if isinstance(storage, FileSystemStorage):
        return Path(storage.path(f"{REPORTS_DIR}/tmp"))
    return Path(tempfile.gettempdir())


def _temp_path(job_id: int, attempt: int) -> str:
    """A temporary file named after the job and the run (`report-<job>-<attempt>-….xlsx.part`)."""
    folder = _temp_folder()
    folder.mkdir(parents=True, exist_ok=True)
    handle, path = tempfile.mkstemp(prefix=f"report-{job_id}-{attempt}-", suffix=".xlsx.part", dir=folder)
    os.close(handle)
    return path


def _remove_earlier_temp_files(job_id: int, attempt: int) -> int:
    """The temporary files of this job's earlier runs: a run killed while writing (out of memory, SIGKILL) leaves
    its file behind; the run that takes the job over removes it (any run before it is dead or superseded)."""
    folder = _temp_folder()
    removed = 0
    for path in folder.glob(f"report-{job_id}-*.xlsx.part") if folder.is_dir() else []:
        parts = path.name.split("-")
        if len(parts) >= 3 and parts[2].isdigit() and int(parts[2]) < attempt:
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed


def _sha256(path: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _place(temp_path: str, name: str) -> str:
    """Move the finished temporary file to `name` in the storage: an atomic rename on the file system."""
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


def _finish(job: ReportJob, attempt: int, temp_path: str, **fields) -> ReportJob:
    with transaction.atomic():
        locked = ReportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ReportStatus.RUNNING or locked.attempts != attempt:
            return locked  # a later run took the job over; it finishes it
        locked.file.name = _place(temp_path, _final_name(locked))
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.status = ReportStatus.DONE
        locked.progress = 100
        locked.finished_at = timezone.now()
        locked.error = ""
        locked.save()
        return locked


def report_build(*, job_id: int) -> ReportJob | None:
    """Build a report job's figures and workbook as its requester sees the data (re-scoped with `for_user`)."""
    job, attempt = _claim(job_id)
    if attempt is None:
        return job
    if attempt > 1 and (removed := _remove_earlier_temp_files(job.pk, attempt)):
        logger.warning("report %s: run %s removed %s temporary file(s) of an interrupted run", job.pk, attempt, removed)
    temp_path = None
    try:
        user = job.requested_by
        if not (can_request_reports(user) and unit_in_scope(user, job.report_unit)):
            return _fail(
                job.pk,
                _("Người yêu cầu không còn quyền xem số liệu của %(unit)s.") % {"unit": job.report_unit.name},
                attempt,
            )
        _progress(job.pk, attempt, 10)
        data_moment = timezone.now()
        with _consistent_read():
            data = selectors.report_data(
                user=user,
                level=job.level,
                unit=job.report_unit,
                year=job.year,
                period=job.period,
                data_moment=data_moment,
            )
            data.requested_by_name = "" if job.scheduled else user.display_name
            built = workbook.build(data)
        _progress(job.pk, attempt, 50)
        figures = workbook.snapshot(built)
        temp_path = _temp_path(job.pk, attempt)
        meta = {
            "job_id": job.pk,
            "previous_id": job.previous_id,
            "code_version": code_version(),
            "level_label": str(ReportLevel(job.level).label),
        }
        workbook.write(
            data,
            built,
            temp_path,
            meta=meta,
            on_section=lambda done, total: _progress(job.pk, attempt, 50 + 45 * done // total),
        )
        checksum, size = _sha256(temp_path)
        return _finish(
            job,
            attempt,
            temp_path,
            checksum=checksum,
            file_size=size,
            figures=figures,
            approvals=data.approvals,
            data_as_of=data_moment,
            code_version=meta["code_version"],
        )
    except RETRYABLE:
        raise
    except SoftTimeLimitExceeded:
        return _fail(job.pk, _("Quá thời gian cho phép khi tạo báo cáo. Hãy thử lại sau."), attempt)
    except Exception as error:
        logger.exception("report %s failed", job_id)
        return _fail(
            job.pk,
            _("Lỗi khi tạo báo cáo (%(error)s). Hãy tạo lại; nếu vẫn lỗi, báo quản trị hệ thống.")
            % {"error": type(error).__name__},
            attempt,
        )
    finally:
        if temp_path and os.path.exists(temp_path):
            os.unlink(temp_path)


# --- Downloads --------------------------------------------------------------------------------------


class ReportNotReady(ValidationError):
    """The report cannot be downloaded yet (or any more): running, failed, or its file is gone."""


def report_file_check(job: ReportJob) -> None:
    if job.status in ACTIVE_STATUSES:
        raise ReportNotReady(
            _("Báo cáo đang được tạo (%(progress)s%%). Hãy tải khi trạng thái là “Hoàn thành”.")
            % {"progress": job.progress}
        )
    if job.status == ReportStatus.FAILED:
        raise ReportNotReady(
            _("Báo cáo bị lỗi khi tạo nên không có tệp: %(error)s") % {"error": job.error or _("không rõ lý do")}
        )
    if not job.file or not job.file.storage.exists(job.file.name):
        raise ReportNotReady(_("Tệp của báo cáo này không còn trên máy chủ. Hãy tạo lại báo cáo."))
    with job.file.open("rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    if digest != job.checksum:
        raise ReportNotReady(_("Tệp báo cáo không khớp mã kiểm tra đã lưu (có thể đã bị thay đổi). Hãy tạo lại."))


@transaction.atomic
def report_download(*, actor, job: ReportJob, via_api: bool = False) -> ReportDownload:
    """Record that `actor` downloads `job`; refuses (ReportNotReady) when there is no complete file to give."""
    if not unit_in_scope(actor, job.report_unit):
        raise _not_found(job.report_unit.code)
    report_file_check(job)
    return ReportDownload.objects.create(job=job, user=actor, via_api=via_api)


# --- Province settings ------------------------------------------------------------------------------


def can_edit_report_settings(user, province: AdministrativeUnit) -> bool:
    """Province staff of that province (the role that approves, on a province unit)."""
    return (
        policy_for(user).approves
        and province.level == Level.PROVINCE
        and user.unit_id is not None
        and user.unit.level == Level.PROVINCE
        and unit_in_scope(user, province)
    )


@transaction.atomic
def report_setting_save(*, actor, province: AdministrativeUnit, low_rate_threshold) -> ReportSetting:
    if not can_edit_report_settings(actor, province):
        raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh được thiết lập ngưỡng giải ngân thấp."))
    try:
        value = Decimal(str(low_rate_threshold).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or not (0 <= value <= 100) or value != value.quantize(Decimal("0.1")):
        raise ValidationError(
            {"low_rate_threshold": _("Ngưỡng phải là số phần trăm từ 0 đến 100, tối đa một chữ số thập phân.")}
        )
    setting = ReportSetting.objects.select_for_update().filter(province=province).first()
    setting = setting or ReportSetting(province=province)
    setting.low_rate_threshold = value
    setting._history_user = actor
    setting.save()
    return setting


# --- Scheduled jobs ---------------------------------------------------------------------------------


def system_actor_for(province: AdministrativeUnit) -> User:
    """The account the nightly rebuild requests a province's reports as: a leader of that province (reads
    everything in it, writes nothing), with no password, so nobody can sign in as it."""
    segment = province.path.rstrip("/").rsplit("/", 1)[-1].replace("@", "-")
    username = f"he-thong.bao-cao.{segment}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, full_name=f"Hệ thống – báo cáo tự động ({province.name})")
        user.set_unusable_password()
    if user.role != Role.LEADER or user.unit_id != province.pk or not user.is_active:
        user.role = Role.LEADER
        user.unit = province
        user.is_active = True
        user.save()
    return user


def current_periods(province: AdministrativeUnit, today: datetime.date) -> list[tuple[int, str]]:
    """The periods a province is working on: the one today falls in, and earlier ones whose deadline is still
    ahead (the year just ended, until its February deadline)."""
    periods = [(today.year, ReportPeriod.H1 if today.month <= 6 else ReportPeriod.YEAR)]
    candidates = [(today.year, ReportPeriod.H1), (today.year - 1, ReportPeriod.YEAR)]
    for year, period in candidates:
        if (year, period) in periods or period_end(year, period) >= today:
            continue
        setting = year_setting(province, year)
        deadline = setting.h1_deadline if period == ReportPeriod.H1 else setting.year_deadline
        if deadline >= today:
            periods.append((year, period))
    return periods


def _provinces_with_capital(year: int):
    provinces = AdministrativeUnit.objects.filter(level=Level.PROVINCE)
    paths = set(
        Allocation.objects.unscoped_for_system().filter(year=year).values_list("unit__path", flat=True).distinct()
    )
    return [p for p in provinces.order_by("path") if any(path.startswith(p.path) for path in paths)]


def _clean_temp_files(older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    """Remove the temporary files of builds that were killed while writing (a finished build moves or removes its
    own). Only files well older than any running build."""
    storage = _storage()
    if not isinstance(storage, FileSystemStorage):
        return 0
    folder = Path(storage.path(f"{REPORTS_DIR}/tmp"))
    limit = time.time() - older_than.total_seconds()
    removed = 0
    for path in folder.glob("report-*.xlsx.part") if folder.is_dir() else []:
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
    return removed


def nightly_rebuild(*, today: datetime.date | None = None) -> list[ReportJob]:
    """Rebuild each province's current-period reports (province level) as the province's system actor."""
    today = today or timezone.localdate()
    _expire_stale(ReportJob.objects.unscoped_for_system())
    _clean_temp_files()
    jobs = []
    for province in AdministrativeUnit.objects.filter(level=Level.PROVINCE).valid_on(today).order_by("path"):
        for year, period in current_periods(province, today):
            if (
                not Allocation.objects.unscoped_for_system()
                .filter(year=year, unit__path__startswith=province.path)
                .exists()
            ):
                continue
            actor = system_actor_for(province)
            try:
                jobs.append(
                    report_request(
                        actor=actor, level=ReportLevel.PROVINCE, unit=province, year=year, period=period, scheduled=True
                    )
                )
            except (ValidationError, Http404) as error:
                logger.warning("nightly report of %s %s %s not requested: %s", province.code, year, period, error)
    return jobs


@transaction.atomic
def overdue_compute(*, today: datetime.date | None = None) -> int:
    """Store, for every province, the reporting units that have not submitted a period whose deadline has passed.

    A unit is expected to report a period when it existed on the period's last day and had capital that year;
    a period submitted or approved is not late, one open, returned or reopened is.
    """
    today = today or timezone.localdate()
    rows = []
    years = sorted(set(Allocation.objects.unscoped_for_system().values_list("year", flat=True).distinct()))
    for year in years:
        paths = set(
            Allocation.objects.unscoped_for_system().filter(year=year).values_list("unit__path", flat=True).distinct()
        )
        for province in _provinces_with_capital(year):
            setting = year_setting(province, year)
            for kind, deadline in ((PeriodKind.H1, setting.h1_deadline), (PeriodKind.YEAR, setting.year_deadline)):
                if deadline >= today:
                    continue
                end = period_end(year, kind)
                units = [
                    u
                    for u in selectors.reporting_units(province, year)
                    if u.is_valid_on(end) and any(path.startswith(u.path) for path in paths)
                ]
                statuses = dict(
                    Period.objects.filter(unit__in=units, year=year, kind=kind).values_list("unit_id", "status")
                )
                for unit in units:
                    status = statuses.get(unit.pk, PeriodStatus.OPEN)
                    if status in (PeriodStatus.SUBMITTED, PeriodStatus.APPROVED):
                        continue
                    rows.append(
                        OverdueSubmission(
                            unit=unit,
                            province=province,
                            year=year,
                            period=kind,
                            deadline=deadline,
                            status=status,
                            days_late=(today - deadline).days,
                            computed_on=today,
                        )
                    )
    OverdueSubmission.objects.unscoped_for_system().delete()
    OverdueSubmission.objects.bulk_create(rows)
    return len(rows)
