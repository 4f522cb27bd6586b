"""The ledger: allocations (kế hoạch vốn giao), disbursements (giải ngân), disbursement plans,
year settings, reporting periods and their approval.

Money is an integer number of đồng (BigIntegerField). Rows are written only by
disbursement/services.py, which validates, locks and records history.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import ScopedQuerySet
from ethnic_portal.excel_import import ImportStatus
from programs.models import CapitalType


class Source(models.TextChoices):
    CENTRAL = "central", _("Ngân sách trung ương")
    LOCAL = "local", _("Ngân sách địa phương")
    OTHER = "other", _("Nguồn khác")


SOURCE_SHORT = {Source.CENTRAL: "NSTW", Source.LOCAL: "NSĐP", Source.OTHER: _("Khác")}


class AllocationQuerySet(ScopedQuerySet):
    def carried_over(self):
        return self.filter(origin_year__lt=models.F("year"))

    def new_capital(self):
        return self.filter(origin_year=models.F("year"))


class Allocation(models.Model):
    """Capital assigned to a unit for a budget year, by project, capital type and source."""

    year = models.PositiveSmallIntegerField(_("năm ngân sách"), db_index=True)
    project = models.ForeignKey(
        "programs.Project", verbose_name=_("dự án"), on_delete=models.PROTECT, related_name="allocations"
    )
    subproject = models.ForeignKey(
        "programs.SubProject",
        verbose_name=_("tiểu dự án"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    unit = models.ForeignKey(
        "geography.AdministrativeUnit", verbose_name=_("đơn vị"), on_delete=models.PROTECT, related_name="allocations"
    )
    capital_type = models.CharField(_("loại vốn"), max_length=12, choices=CapitalType.choices)
    source = models.CharField(_("nguồn vốn"), max_length=10, choices=Source.choices)
    origin_year = models.PositiveSmallIntegerField(
        _("năm nguồn vốn"),
        help_text=_("Năm ngân sách của nguồn vốn; nhỏ hơn năm ngân sách là vốn năm trước chuyển sang."),
    )
    amount = models.BigIntegerField(_("số vốn giao (đồng)"))
    decision_no = models.CharField(_("số quyết định giao vốn"), max_length=60)
    decision_date = models.DateField(_("ngày quyết định"))
    decision_body = models.CharField(_("cơ quan ban hành"), max_length=150)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    carried_from = models.OneToOneField(
        "self",
        verbose_name=_("chuyển từ phân bổ"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_to",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = AllocationQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("phân bổ vốn")
        verbose_name_plural = _("phân bổ vốn")
        ordering = ["-year", "unit__path", "project__number", "capital_type"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(
                condition=Q(origin_year__lte=models.F("year")), name="allocation_origin_not_after_year"
            ),
            # The same decision does not allocate the same line twice (imports rely on it). Carried-over
            # rows are unique through carried_from instead: two old units may carry into one successor.
            models.UniqueConstraint(
                fields=[
                    "year",
                    "unit",
                    "project",
                    "subproject",
                    "capital_type",
                    "source",
                    "origin_year",
                    "decision_no",
                ],
                condition=Q(carried_from__isnull=True),
                name="allocation_natural_key",
            ),
        ]
        indexes = [models.Index(fields=["unit", "year"]), models.Index(fields=["year", "project"])]

    def __str__(self):
        item = self.subproject.code if self.subproject_id else self.project.code
        return f"{self.year} · {item} · {self.get_capital_type_display()} · {self.unit.name}"

    def get_absolute_url(self):
        return reverse("disbursement:allocation_detail", args=[self.pk])

    @property
    def is_carried_over(self) -> bool:
        return self.origin_year < self.year

    @property
    def source_short(self) -> str:
        return SOURCE_SHORT[self.source]


class AllocationAdjustment(models.Model):
    """An adjustment (điều chỉnh) of an allocation by a later decision: both decisions are kept."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="adjustments")
    previous_amount = models.BigIntegerField(_("số vốn trước điều chỉnh"))
    new_amount = models.BigIntegerField(_("số vốn sau điều chỉnh"))
    previous_decision_no = models.CharField(max_length=60)
    previous_decision_date = models.DateField()
    decision_no = models.CharField(_("số quyết định điều chỉnh"), max_length=60)
    decision_date = models.DateField(_("ngày quyết định điều chỉnh"))
    decision_body = models.CharField(_("cơ quan ban hành"), max_length=150)
    reason = models.CharField(_("lý do"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "allocation__unit"

    class Meta:
        verbose_name = _("điều chỉnh phân bổ")
        verbose_name_plural = _("điều chỉnh phân bổ")
        ordering = ["allocation", "at"]

    def __str__(self):
        return f"{self.decision_no}: {self.previous_amount} → {self.new_amount}"


class Disbursement(models.Model):
    allocation = models.ForeignKey(
        Allocation, verbose_name=_("phân bổ vốn"), on_delete=models.PROTECT, related_name="disbursements"
    )
    date = models.DateField(_("ngày giải ngân"))
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    voucher_no = models.CharField(
        _("số chứng từ"), max_length=60, help_text=_("Số chứng từ hoặc số hiệu chứng từ Kho bạc.")
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "allocation__unit"

    class Meta:
        verbose_name = _("giải ngân")
        verbose_name_plural = _("giải ngân")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
            models.UniqueConstraint(fields=["allocation", "voucher_no"], name="disbursement_voucher_per_allocation"),
        ]
        indexes = [models.Index(fields=["allocation", "date"]), models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.voucher_no} · {self.date:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("disbursement:allocation_detail", args=[self.allocation_id])


class PlanLine(models.Model):
    """Planned disbursement of an allocation in one month (a quarter's plan sits on its last month)."""

    allocation = models.ForeignKey(Allocation, on_delete=models.CASCADE, related_name="plan_lines")
    month = models.PositiveSmallIntegerField(_("tháng"))
    amount = models.BigIntegerField(_("kế hoạch giải ngân (đồng)"))

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "allocation__unit"

    class Meta:
        verbose_name = _("kế hoạch giải ngân")
        verbose_name_plural = _("kế hoạch giải ngân")
        ordering = ["allocation", "month"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="plan_amount_not_negative"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="plan_month_range"),
            models.UniqueConstraint(fields=["allocation", "month"], name="plan_month_per_allocation"),
        ]

    def __str__(self):
        return f"{self.allocation_id} · {self.month}"


class PeriodKind(models.TextChoices):
    H1 = "H1", _("6 tháng đầu năm")
    YEAR = "year", _("Cả năm")


class YearSetting(models.Model):
    """What the province sets for a budget year: entry deadlines and the carry-over extension."""

    province = models.ForeignKey("geography.AdministrativeUnit", on_delete=models.PROTECT, related_name="year_settings")
    year = models.PositiveSmallIntegerField(_("năm ngân sách"))
    h1_deadline = models.DateField(_("hạn nhập số liệu 6 tháng"))
    year_deadline = models.DateField(_("hạn nhập số liệu cả năm"))
    carryover_deadline = models.DateField(
        _("hạn giải ngân vốn chuyển sang"), help_text=_("Vốn năm trước chuyển sang được giải ngân đến hết ngày này.")
    )
    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "province"

    class Meta:
        verbose_name = _("thiết lập năm")
        verbose_name_plural = _("thiết lập năm")
        constraints = [models.UniqueConstraint(fields=["province", "year"], name="year_setting_per_province")]

    def __str__(self):
        return f"{self.province.name} {self.year}"

    @staticmethod
    def defaults(year: int) -> dict:
        """TT 01/2022/TT-UBDT: districts report the in-year figures by 20/9 and the full year by 05/02 next year."""
        return {
            "h1_deadline": datetime.date(year, 9, 20),
            "year_deadline": datetime.date(year + 1, 2, 5),
            "carryover_deadline": datetime.date(year, 12, 31),
        }


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Đang nhập")
    SUBMITTED = "submitted", _("Chờ phê duyệt")
    APPROVED = "approved", _("Đã phê duyệt")
    RETURNED = "returned", _("Trả lại")
    REOPENED = "reopened", _("Mở lại")


class Period(models.Model):
    """A reporting unit's figures for H1 or the whole year, and where they stand in approval."""

    unit = models.ForeignKey(
        "geography.AdministrativeUnit",
        verbose_name=_("đơn vị báo cáo"),
        on_delete=models.PROTECT,
        related_name="periods",
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    kind = models.CharField(_("kỳ"), max_length=4, choices=PeriodKind.choices)
    status = models.CharField(_("trạng thái"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("kỳ báo cáo")
        verbose_name_plural = _("kỳ báo cáo")
        ordering = ["-year", "kind", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "kind"], name="period_per_unit")]
        permissions = [("submit_period", "Gửi số liệu kỳ"), ("approve_period", "Phê duyệt số liệu kỳ")]

    def __str__(self):
        return f"{self.unit.name} · {self.get_kind_display()} {self.year}"

    def get_absolute_url(self):
        return reverse("disbursement:period_detail", args=[self.pk])

    @property
    def is_locked(self) -> bool:
        return self.status in {PeriodStatus.SUBMITTED, PeriodStatus.APPROVED}

    def date_range(self) -> tuple[datetime.date, datetime.date]:
        end = datetime.date(self.year, 6, 30) if self.kind == PeriodKind.H1 else datetime.date(self.year, 12, 31)
        return datetime.date(self.year, 1, 1), end


class PeriodAction(models.TextChoices):
    SUBMIT = "submit", _("Gửi phê duyệt")
    APPROVE = "approve", _("Phê duyệt")
    RETURN = "return", _("Trả lại")
    REOPEN = "reopen", _("Mở lại")


class PeriodEvent(models.Model):
    """One transition of a period, for its timeline: who, when, what, and the comment."""

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("thao tác"), max_length=10, choices=PeriodAction.choices)
    from_status = models.CharField(max_length=10, choices=PeriodStatus.choices)
    to_status = models.CharField(max_length=10, choices=PeriodStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    comment = models.CharField(_("ý kiến"), max_length=1000, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "period__unit"

    class Meta:
        verbose_name = _("diễn biến kỳ báo cáo")
        verbose_name_plural = _("diễn biến kỳ báo cáo")
        ordering = ["period", "at", "pk"]

    def __str__(self):
        return f"{self.period} · {self.get_action_display()}"


class ImportKind(models.TextChoices):
    ALLOCATIONS = "allocations", _("Phân bổ vốn")
    DISBURSEMENTS = "disbursements", _("Giải ngân")


def import_upload_to(batch, filename):
    return f"imports/{batch.uploaded_by_id}/{timezone.now():%Y%m%d%H%M%S}-{batch.kind}.xlsx"


class ImportBatch(models.Model):
    """An uploaded Excel file: checked first (dry run), written only when the officer confirms."""

    kind = models.CharField(_("loại dữ liệu"), max_length=20, choices=ImportKind.choices)
    file = models.FileField(_("tệp"), upload_to=import_upload_to)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("trạng thái"), max_length=10, choices=ImportStatus.choices)
    result = models.JSONField(_("kết quả"), default=dict)
    applied_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "uploaded_by__unit"

    class Meta:
        verbose_name = _("lần nhập Excel")
        verbose_name_plural = _("lần nhập Excel")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    def get_absolute_url(self):
        return reverse("disbursement:import_batch", args=[self.pk])


# --- Summaries (disbursement/summary.py keeps them) ---------------------------------------------


class LedgerSummary(models.Model):
    """The allocations of one budget line (year, project, sub-project, capital type, source, origin year) summed over
    a unit and everything below it: one row per line for every unit on the path of the allocation's unit, so the
    figures of a district, a province or the country are read from a few rows instead of summed from the ledger.

    Kept by disbursement/summary.py in the same transaction as each write of the services; `rebuild_all()`
    recomputes them from the raw rows. Money in integer đồng; "H1" means dated up to 30/06 of the budget year.
    """

    # The unique index below leads with the unit: no separate index on it (nor on the project) to keep up.
    # No database constraint either: the rows are derived from allocations, whose own keys protect the unit and the
    # project; and PostgreSQL checks a deferred key at commit by locking the unit's row, after the summary rows are
    # locked, against the lock order every writer follows (twenty concurrent writers deadlocked on it).
    unit = models.ForeignKey(
        "geography.AdministrativeUnit", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    year = models.PositiveSmallIntegerField()
    project = models.ForeignKey(
        "programs.Project", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    subproject_key = models.PositiveIntegerField(help_text="pk of the sub-project, 0 when the line has none")
    capital_type = models.CharField(max_length=12, choices=CapitalType.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    origin_year = models.PositiveSmallIntegerField()
    allocations = models.IntegerField(default=0)  # how many allocations the line sums
    allocated = models.BigIntegerField(default=0)
    disbursed = models.BigIntegerField(default=0)  # every disbursement, whatever its date
    disbursed_h1 = models.BigIntegerField(default=0)  # dated up to 30/06 of the year
    planned = models.BigIntegerField(default=0)  # the monthly plans, all months
    planned_h1 = models.BigIntegerField(default=0)  # months 1–6
    planned_disbursed = models.BigIntegerField(default=0)  # disbursed on allocations that have a plan
    planned_disbursed_h1 = models.BigIntegerField(default=0)  # dated up to 30/06, on allocations planned in 1–6
    active_h1 = models.IntegerField(default=0)  # allocations with a disbursement dated 01/01–30/06 of the year
    active_h2 = models.IntegerField(default=0)  # allocations with a disbursement dated 01/07–31/12 of the year
    last_date = models.DateField(null=True, blank=True)  # no disbursement of the line is dated after this day

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("tổng hợp vốn theo dòng")
        verbose_name_plural = _("tổng hợp vốn theo dòng")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "project", "subproject_key", "capital_type", "source", "origin_year"],
                name="ledger_summary_line",
            )
        ]

    def __str__(self):
        return f"{self.unit_id} · {self.year} · {self.project_id}/{self.subproject_key} · {self.capital_type}"


class LedgerMonthSummary(models.Model):
    """Planned and disbursed by month of a budget year, summed over a unit and everything below it.

    `month` counts from January of the budget year: 1–12 are its months (a plan's month, or the month of a
    disbursement's date); a date outside the year gets the month before 1 or after 12 it falls in.
    """

    unit = models.ForeignKey(  # no database constraint: see LedgerSummary.unit
        "geography.AdministrativeUnit", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    year = models.PositiveSmallIntegerField()
    month = models.SmallIntegerField()
    planned = models.BigIntegerField(default=0)
    disbursed = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("tổng hợp vốn theo tháng")
        verbose_name_plural = _("tổng hợp vốn theo tháng")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "month"], name="ledger_month_summary_month")]

    def __str__(self):
        return f"{self.unit_id} · {self.year} · {self.month}"
