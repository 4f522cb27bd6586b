"""Program activities: trainings, communication events, pilot models, contests, congresses.

What the report counts: "8/8 districts held their congress", "4 pilot models maintained" (selectors).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import ScopedQuerySet

from ..choices import ActivityKind, Scheme


class ProgramActivity(models.Model):
    kind = models.CharField(_("loại hoạt động"), max_length=15, choices=ActivityKind.choices)
    title = models.CharField(_("tên hoạt động"), max_length=300)
    unit = models.ForeignKey(
        "geography.AdministrativeUnit",
        verbose_name=_("đơn vị tổ chức"),
        on_delete=models.PROTECT,
        related_name="program_activities",
    )
    start_date = models.DateField(_("ngày tổ chức / bắt đầu"))
    end_date = models.DateField(
        _("ngày kết thúc"), null=True, blank=True, help_text=_("Mô hình điểm đang duy trì: để trống.")
    )
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
    scheme = models.CharField(_("đề án"), max_length=20, choices=Scheme.choices, blank=True)
    location = models.CharField(_("địa điểm"), max_length=200, blank=True)
    participants_total = models.PositiveIntegerField(_("số người tham gia"), default=0)
    participants_male = models.PositiveIntegerField(_("nam"), default=0)
    participants_female = models.PositiveIntegerField(_("nữ"), default=0)
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
        verbose_name = _("hoạt động của Chương trình")
        verbose_name_plural = _("hoạt động của Chương trình")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="activity_dates_order",
            ),
            models.CheckConstraint(
                condition=Q(participants_total=models.F("participants_male") + models.F("participants_female")),
                name="activity_participants_by_gender",
            ),
        ]
        indexes = [models.Index(fields=["kind", "start_date"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("beneficiaries:activity_edit", args=[self.pk])


class ActivityEthnicCount(models.Model):
    """How many participants of an activity belong to an ethnic group."""

    activity = models.ForeignKey(ProgramActivity, on_delete=models.CASCADE, related_name="ethnic_counts")
    ethnic_group = models.ForeignKey("beneficiaries.EthnicGroup", on_delete=models.PROTECT, related_name="+")
    participants = models.PositiveIntegerField(_("số người"))

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "activity__unit"

    class Meta:
        verbose_name = _("người tham gia theo dân tộc")
        verbose_name_plural = _("người tham gia theo dân tộc")
        ordering = ["activity", "ethnic_group__code"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "ethnic_group"], name="activity_ethnic_once"),
        ]

    def __str__(self):
        return f"{self.activity_id} · {self.ethnic_group_id}: {self.participants}"
