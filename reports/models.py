"""Report jobs and their snapshots, download audit, the province's report settings, and the daily list of
units late with their submissions.

A `ReportJob` is one snapshot: once done, its figures, its file and its checksum never change.
"Regenerate" makes a new job that points at the one before (`previous`). Rows are written only by
reports/services.py.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import ScopedQuerySet
from disbursement.models import PeriodStatus


class ReportLevel(models.TextChoices):
    NATIONAL = "national", _("Toàn quốc")
    PROVINCE = "province", _("Tỉnh")
    DISTRICT = "district", _("Huyện")
    COMMUNE = "commune", _("Xã")


class ReportPeriod(models.TextChoices):
    H1 = "H1", _("6 tháng đầu năm")
    YEAR = "year", _("Cả năm")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")


ACTIVE_STATUSES = (ReportStatus.QUEUED, ReportStatus.RUNNING)


def period_end(year: int, period: str) -> datetime.date:
    """The last day a period's figures count: 30/06 for the half year, 31/12 for the year (as `progress/`)."""
    return datetime.date(year, 6, 30) if period == ReportPeriod.H1 else datetime.date(year, 12, 31)


class ReportJob(models.Model):
    """A report requested for a unit, a year and a period, built by a Celery task into an .xlsx snapshot."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người yêu cầu"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("cấp báo cáo"), max_length=10, choices=ReportLevel.choices)
    unit = models.ForeignKey(
        "geography.AdministrativeUnit",
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        related_name="report_jobs",
        null=True,
        blank=True,
        help_text=_("Trống với báo cáo toàn quốc."),
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.CharField(_("kỳ báo cáo"), max_length=4, choices=ReportPeriod.choices)
    scheduled = models.BooleanField(_("tạo tự động"), default=False, help_text=_("Do lịch chạy hằng đêm tạo."))
    status = models.CharField(_("trạng thái"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(
        _("tiến độ (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    error = models.CharField(_("lý do lỗi"), max_length=1000, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    created_at = models.DateTimeField(_("thời điểm yêu cầu"), auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(
        _("gửi vào hàng đợi lúc"),
        null=True,
        blank=True,
        help_text=_("Lần gần nhất yêu cầu được gửi tới hàng đợi tác vụ; trống khi hàng đợi chưa nhận được."),
    )
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)
    file = models.FileField(_("tệp báo cáo"), max_length=255, blank=True)
    file_size = models.PositiveIntegerField(_("dung lượng (byte)"), null=True, blank=True)
    checksum = models.CharField(_("mã kiểm tra SHA-256"), max_length=64, blank=True)
    code_version = models.CharField(_("phiên bản phần mềm"), max_length=80, blank=True)
    data_as_of = models.DateTimeField(_("thời điểm số liệu"), null=True, blank=True)
    approvals = models.JSONField(_("tình trạng phê duyệt kỳ của từng đơn vị"), default=list, blank=True)
    figures = models.JSONField(_("số liệu của báo cáo"), default=dict, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("bản trước"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_versions",
    )

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("báo cáo")
        verbose_name_plural = _("báo cáo")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A second identical request while one is queued or running joins it (reports.services).
            models.UniqueConstraint(
                fields=["level", "unit", "year", "period"],
                condition=Q(status__in=["queued", "running"]),
                name="report_job_one_active_per_report",
            ),
            # The country's report has no unit (NULLs never clash in the constraint above).
            models.UniqueConstraint(
                fields=["level", "year", "period"],
                condition=Q(status__in=["queued", "running"], unit__isnull=True),
                name="report_job_one_active_national_report",
            ),
            models.CheckConstraint(
                condition=Q(level="national", unit__isnull=True) | (~Q(level="national") & Q(unit__isnull=False)),
                name="report_job_unit_unless_national",
            ),
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="report_job_progress_range"),
        ]
        indexes = [models.Index(fields=["unit", "year", "period", "status"])]

    def __str__(self):
        return f"{self.report_unit.name} · {self.get_period_display()} {self.year}"

    def get_absolute_url(self):
        return reverse("reports:detail", args=[self.pk])

    @property
    def report_unit(self):
        """The unit the report is about; the whole country (`geography.models.nation()`) for a national report."""
        from geography.models import nation

        return self.unit if self.unit_id else nation()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def waiting_for_queue(self) -> bool:
        """Queued, but the task queue has not received it yet (it was down): sent again when it is back."""
        return self.status == ReportStatus.QUEUED and self.enqueued_at is None

    @property
    def is_done(self) -> bool:
        return self.status == ReportStatus.DONE and bool(self.file)

    @property
    def as_of(self) -> datetime.date:
        return period_end(self.year, self.period)

    @property
    def download_name(self) -> str:
        from django.utils.text import slugify

        period = "6-thang" if self.period == ReportPeriod.H1 else "ca-nam"
        unit = self.report_unit
        return f"BC-1719_{slugify(unit.name) or unit.code}_{self.year}_{period}_{self.pk}.xlsx"


class ReportDownload(models.Model):
    """Who downloaded which report, and when."""

    job = models.ForeignKey(ReportJob, verbose_name=_("báo cáo"), on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người tải"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    via_api = models.BooleanField(_("qua API"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "job__unit"

    class Meta:
        verbose_name = _("lượt tải báo cáo")
        verbose_name_plural = _("lượt tải báo cáo")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.user} · {self.job_id}"


DEFAULT_LOW_RATE_THRESHOLD = Decimal("30.0")


class ReportSetting(models.Model):
    """What the province sets for its reports: the disbursement rate under which a unit is listed as slow."""

    province = models.OneToOneField(
        "geography.AdministrativeUnit", verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="report_setting"
    )
    low_rate_threshold = models.DecimalField(
        _("ngưỡng tỷ lệ giải ngân thấp (%)"),
        max_digits=4,
        decimal_places=1,
        default=DEFAULT_LOW_RATE_THRESHOLD,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Đơn vị có tỷ lệ giải ngân dưới ngưỡng này được liệt kê trong báo cáo."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "province"

    class Meta:
        verbose_name = _("thiết lập báo cáo")
        verbose_name_plural = _("thiết lập báo cáo")
        constraints = [
            models.CheckConstraint(
                condition=Q(low_rate_threshold__gte=0, low_rate_threshold__lte=100), name="report_threshold_range"
            )
        ]

    def __str__(self):
        return f"{self.province.name}: {self.low_rate_threshold}%"


class OverdueSubmission(models.Model):
    """A reporting unit that has not submitted a period whose deadline has passed (computed daily)."""

    unit = models.ForeignKey(
        "geography.AdministrativeUnit", verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="+"
    )
    province = models.ForeignKey(
        "geography.AdministrativeUnit", verbose_name=_("tỉnh"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    period = models.CharField(_("kỳ"), max_length=4, choices=ReportPeriod.choices)
    deadline = models.DateField(_("hạn gửi"))
    status = models.CharField(_("tình trạng kỳ"), max_length=10, choices=PeriodStatus.choices)
    days_late = models.PositiveIntegerField(_("số ngày quá hạn"))
    computed_on = models.DateField(_("ngày tính"))

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("đơn vị chậm gửi số liệu")
        verbose_name_plural = _("đơn vị chậm gửi số liệu")
        ordering = ["deadline", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "period"], name="overdue_once_per_unit_period"),
        ]

    def __str__(self):
        return f"{self.unit.name} · {self.get_period_display()} {self.year}"
