"""Prestigious persons (người có uy tín, QĐ 12/2018/QĐ-TTg as amended by QĐ 28/2023/QĐ-TTg), the support
they receive, the training courses they attend, and the Tết season each province sets.

Rows are written only by beneficiaries/services/, which validates, locks and records history.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import ScopedQuerySet

from ..choices import (
    ApprovalLevel,
    CommunityRole,
    CondolenceFor,
    FundedBy,
    Gender,
    HospitalLevel,
    PersonStatus,
    SupportKind,
)


class PrestigiousPerson(models.Model):
    full_name = models.CharField(_("họ và tên"), max_length=150)
    name_key = models.CharField(max_length=150, editable=False, db_index=True)
    gender = models.CharField(_("giới tính"), max_length=6, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("năm sinh"))
    ethnic_group = models.ForeignKey(
        "beneficiaries.EthnicGroup", verbose_name=_("dân tộc"), on_delete=models.PROTECT, related_name="persons"
    )
    unit = models.ForeignKey(
        "geography.AdministrativeUnit",
        verbose_name=_("thôn hoặc xã"),
        on_delete=models.PROTECT,
        related_name="prestigious_persons",
    )
    community_role = models.CharField(_("vai trò trong cộng đồng"), max_length=20, choices=CommunityRole.choices)
    term_start = models.PositiveSmallIntegerField(_("nhiệm kỳ từ năm"))
    term_end = models.PositiveSmallIntegerField(_("nhiệm kỳ đến năm"))
    approval_decision_no = models.CharField(_("số quyết định công nhận"), max_length=60, blank=True)
    approval_decision_date = models.DateField(_("ngày quyết định công nhận"), null=True, blank=True)
    approval_level = models.CharField(
        _("cấp phê duyệt danh sách"), max_length=10, choices=ApprovalLevel.choices, blank=True
    )
    status = models.CharField(_("tình trạng"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    status_date = models.DateField(
        _("ngày thay thế / qua đời"), null=True, blank=True, help_text=_("Bắt buộc khi đã thay thế hoặc đã qua đời.")
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("người có uy tín")
        verbose_name_plural = _("người có uy tín")
        ordering = ["unit__path", "name_key", "pk"]
        constraints = [
            # The same person (name, birth year, village) once; the service names the existing row.
            models.UniqueConstraint(fields=["name_key", "birth_year", "unit"], name="person_once_per_unit"),
            models.CheckConstraint(condition=Q(term_end__gte=models.F("term_start")), name="person_term_order"),
            models.CheckConstraint(
                condition=Q(status="active", status_date__isnull=True)
                | (~Q(status="active") & Q(status_date__isnull=False)),
                name="person_status_date",
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"])]

    def __str__(self):
        return f"{self.full_name} ({self.birth_year})"

    def get_absolute_url(self):
        return reverse("beneficiaries:person_detail", args=[self.pk])

    def in_term(self, year: int) -> bool:
        return self.term_start <= year <= self.term_end


class TrainingCourse(models.Model):
    """One training course (lớp tập huấn) and the prestigious persons who attended it.

    A participant is a SupportActivity of kind `training` linked to the course, so the course's list of
    participants and each person's support history are the same rows.
    """

    title = models.CharField(_("tên lớp"), max_length=300)
    unit = models.ForeignKey(
        "geography.AdministrativeUnit",
        verbose_name=_("đơn vị tổ chức"),
        on_delete=models.PROTECT,
        related_name="training_courses",
    )
    start_date = models.DateField(_("từ ngày"))
    end_date = models.DateField(_("đến ngày"))
    location = models.CharField(_("địa điểm"), max_length=200, blank=True)
    funded_by = models.CharField(_("nguồn kinh phí"), max_length=10, choices=FundedBy.choices)
    project = models.ForeignKey(
        "programs.Project", verbose_name=_("dự án"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subproject = models.ForeignKey(
        "programs.SubProject",
        verbose_name=_("tiểu dự án"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    participants = models.ManyToManyField(
        PrestigiousPerson, through="SupportActivity", related_name="training_courses", verbose_name=_("học viên")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("lớp tập huấn người có uy tín")
        verbose_name_plural = _("lớp tập huấn người có uy tín")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="course_dates_order")
        ]

    def __str__(self):
        return f"{self.title} ({self.start_date:%d/%m/%Y})"

    def get_absolute_url(self):
        return reverse("beneficiaries:course_detail", args=[self.pk])


class SupportActivity(models.Model):
    """One support to one prestigious person: a Tết gift, a visit when ill, a condolence, a course…"""

    person = models.ForeignKey(
        PrestigiousPerson, verbose_name=_("người có uy tín"), on_delete=models.PROTECT, related_name="supports"
    )
    kind = models.CharField(_("loại hỗ trợ"), max_length=20, choices=SupportKind.choices)
    date = models.DateField(_("ngày"))
    amount = models.BigIntegerField(_("số tiền (đồng)"), help_text=_("Tiền hoặc giá trị quà; 0 nếu không có."))
    funded_by = models.CharField(_("đơn vị chi, thực hiện"), max_length=10, choices=FundedBy.choices)
    hospital_level = models.CharField(
        _("tuyến khám chữa bệnh"), max_length=10, choices=HospitalLevel.choices, blank=True
    )
    condolence_for = models.CharField(_("người qua đời"), max_length=10, choices=CondolenceFor.choices, blank=True)
    regime = models.ForeignKey(
        "beneficiaries.SupportRegime",
        verbose_name=_("chế độ áp dụng"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ceiling = models.BigIntegerField(_("mức tối đa theo chế độ (đồng)"), null=True, blank=True)
    over_ceiling_reason = models.CharField(_("lý do vượt mức"), max_length=500, blank=True)
    training_course = models.ForeignKey(
        TrainingCourse,
        verbose_name=_("lớp tập huấn"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "person__unit"

    class Meta:
        verbose_name = _("hỗ trợ người có uy tín")
        verbose_name_plural = _("hỗ trợ người có uy tín")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="support_amount_not_negative"),
            models.UniqueConstraint(
                fields=["training_course", "person"],
                condition=Q(training_course__isnull=False),
                name="support_once_per_course",
            ),
            models.CheckConstraint(
                condition=Q(kind="training") | Q(training_course__isnull=True), name="support_course_only_for_training"
            ),
        ]
        indexes = [models.Index(fields=["person", "kind", "date"]), models.Index(fields=["date"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.date:%d/%m/%Y}"

    def get_absolute_url(self):
        return reverse("beneficiaries:person_detail", args=[self.person_id])


class TetSeason(models.Model):
    """What a province sets for a year: when Tết visits may be dated (and a second window for a traditional
    festival of the ethnic minorities, which the policy also allows). Unset: 30 days before to 15 days after
    the first day of Tết Nguyên đán."""

    DAYS_BEFORE = 30
    DAYS_AFTER = 15

    province = models.ForeignKey("geography.AdministrativeUnit", on_delete=models.PROTECT, related_name="tet_seasons")
    year = models.PositiveSmallIntegerField(_("năm"))
    start = models.DateField(_("thăm hỏi Tết từ ngày"))
    end = models.DateField(_("đến ngày"))
    festival_name = models.CharField(_("tết, lễ hội truyền thống khác"), max_length=150, blank=True)
    festival_start = models.DateField(_("lễ hội từ ngày"), null=True, blank=True)
    festival_end = models.DateField(_("lễ hội đến ngày"), null=True, blank=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "province"

    class Meta:
        verbose_name = _("mùa Tết")
        verbose_name_plural = _("mùa Tết")
        constraints = [
            models.UniqueConstraint(fields=["province", "year"], name="tet_season_per_province"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="tet_season_order"),
        ]

    def __str__(self):
        return f"{self.year}: {self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}"

    @classmethod
    def default_window(cls, tet_day: datetime.date) -> tuple[datetime.date, datetime.date]:
        return tet_day - datetime.timedelta(days=cls.DAYS_BEFORE), tet_day + datetime.timedelta(days=cls.DAYS_AFTER)

    def windows(self) -> list[tuple[datetime.date, datetime.date]]:
        windows = [(self.start, self.end)]
        if self.festival_start and self.festival_end:
            windows.append((self.festival_start, self.festival_end))
        return windows

    def contains(self, day: datetime.date) -> bool:
        return any(start <= day <= end for start, end in self.windows())
