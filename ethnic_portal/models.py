"""Export jobs: a list too long to write during a web request, written by a Celery worker instead.

A job belongs to the user who asked for it and to no one else: it holds that user's list (their scope, their
filters, personal data as they may see it). Rows are written only by ethnic_portal/export_jobs.py.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.scope import policy_for


class ExportKind(models.TextChoices):
    DISBURSEMENTS = "disbursements", _("Danh sách giải ngân")
    ALLOCATIONS = "allocations", _("Danh sách phân bổ vốn")
    HOUSEHOLDS = "households", _("Danh sách hộ thụ hưởng")
    PERSONS = "persons", _("Danh sách người có uy tín")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")
    EXPIRED = "expired", _("Đã xóa tệp")


ACTIVE_STATUSES = (ExportStatus.QUEUED, ExportStatus.RUNNING)


class ExportJobQuerySet(models.QuerySet):
    def for_user(self, user):
        """A user's own jobs; nothing for anonymous, inactive or unit-less users (accounts.scope.policy_for)."""
        if not policy_for(user).reads_program_data:
            return self.none()
        return self.filter(requested_by=user)


class ExportJob(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người yêu cầu"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("danh sách"), max_length=20, choices=ExportKind.choices)
    query = models.CharField(_("bộ lọc"), max_length=2000, blank=True, help_text=_("Bộ lọc của trang danh sách."))
    status = models.CharField(_("trạng thái"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0, validators=[MaxValueValidator(100)])
    total = models.PositiveIntegerField(_("số dòng dự kiến"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("số dòng đã xuất"), null=True, blank=True)
    error = models.CharField(_("lý do lỗi"), max_length=1000, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    created_at = models.DateTimeField(_("thời điểm yêu cầu"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    file = models.FileField(_("tệp"), max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("dung lượng (byte)"), null=True, blank=True)

    objects = ExportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("lần xuất Excel")
        verbose_name_plural = _("lần xuất Excel")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="export_job_progress_range"),
        ]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%d/%m/%Y %H:%M}"

    def get_absolute_url(self):
        return reverse("exports:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file)


class DataVersion(models.Model):
    """One row: the number that grows after every committed change to program data (ethnic_portal/versions.py).
    Written only by versions.bump(), in raw SQL."""

    counter = models.BigIntegerField(_("phiên bản dữ liệu"), default=0)

    class Meta:
        verbose_name = _("phiên bản dữ liệu")
        verbose_name_plural = _("phiên bản dữ liệu")

    def __str__(self):
        return str(self.counter)


class WorkerPing(models.Model):
    """A Celery worker's answer to the status page's ping (ethnic_portal.health.check_worker), written by
    ethnic_portal.tasks.ping_task. The answer goes through the database the web process and the worker share, not
    through Celery's result store, whose subscriptions a frozen Redis can hold for many seconds. Rows live minutes."""

    token = models.UUIDField(_("mã lần kiểm tra"), unique=True)
    answered_at = models.DateTimeField(_("thời điểm trả lời"), auto_now_add=True, db_index=True)
    worker = models.CharField(_("tiến trình xử lý"), max_length=255, blank=True)
    database_name = models.CharField(_("cơ sở dữ liệu"), max_length=255, blank=True)
    units = models.PositiveIntegerField(_("số đơn vị hành chính"))

    class Meta:
        verbose_name = _("trả lời kiểm tra hàng đợi")
        verbose_name_plural = _("trả lời kiểm tra hàng đợi")

    def __str__(self):
        return f"{self.worker} {self.answered_at:%Y-%m-%d %H:%M:%S}"
