"""Beneficiary households and the support they receive, from this program and from others.

Support from other programs (the poverty-reduction NTP, the new-rural-development NTP, other policies) is
recorded too, so that a household supported twice for the same purpose can be found and reviewed.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.scope import ScopedQuerySet

from ..choices import CaseType, FundingProgram, HouseholdSupportKind, PovertyStatus


class Household(models.Model):
    head_name = models.CharField(_("họ tên chủ hộ"), max_length=150)
    name_key = models.CharField(max_length=150, editable=False, db_index=True)
    head_id_number = models.CharField(
        _("số định danh cá nhân của chủ hộ"), max_length=12, help_text=_("Số căn cước công dân, 12 chữ số.")
    )
    ethnic_group = models.ForeignKey(
        "beneficiaries.EthnicGroup", verbose_name=_("dân tộc"), on_delete=models.PROTECT, related_name="households"
    )
    unit = models.ForeignKey(
        "geography.AdministrativeUnit",
        verbose_name=_("thôn hoặc xã"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    members = models.PositiveSmallIntegerField(_("số nhân khẩu"))
    poverty_status = models.CharField(_("phân loại hộ"), max_length=10, choices=PovertyStatus.choices)
    poverty_year = models.PositiveSmallIntegerField(_("năm phân loại"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"
    # Shown masked to roles that may not see them (beneficiaries/personal_data.py, accounts.scope).
    personal_fields = ("head_id_number",)

    class Meta:
        verbose_name = _("hộ thụ hưởng")
        verbose_name_plural = _("hộ thụ hưởng")
        ordering = ["unit__path", "name_key", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["head_id_number"], name="household_id_number_unique"),
            models.CheckConstraint(condition=Q(members__gte=1), name="household_members_positive"),
        ]
        indexes = [models.Index(fields=["unit", "poverty_status"]), models.Index(fields=["unit", "name_key"])]

    def __str__(self):
        return self.head_name

    def get_absolute_url(self):
        return reverse("beneficiaries:household_detail", args=[self.pk])


class HouseholdSupport(models.Model):
    household = models.ForeignKey(Household, verbose_name=_("hộ"), on_delete=models.PROTECT, related_name="supports")
    funding_program = models.CharField(
        _("chương trình"), max_length=12, choices=FundingProgram.choices, default=FundingProgram.NTP_1719
    )
    project = models.ForeignKey(
        "programs.Project",
        verbose_name=_("dự án"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="household_supports",
    )
    subproject = models.ForeignKey(
        "programs.SubProject",
        verbose_name=_("tiểu dự án"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="household_supports",
    )
    scheme = models.CharField(
        _("dự án, chính sách của chương trình khác"),
        max_length=200,
        blank=True,
        help_text=_("Với chương trình khác: tên dự án hoặc chính sách, ví dụ “Dự án 5 – hỗ trợ nhà ở (QĐ 90/QĐ-TTg)”."),
    )
    year = models.PositiveSmallIntegerField(_("năm"), db_index=True)
    kind = models.CharField(_("nội dung hỗ trợ"), max_length=20, choices=HouseholdSupportKind.choices)
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    date = models.DateField(_("ngày hỗ trợ"))
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "household__unit"

    class Meta:
        verbose_name = _("hỗ trợ hộ")
        verbose_name_plural = _("hỗ trợ hộ")
        ordering = ["-year", "-date", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="household_support_amount_positive")]
        indexes = [
            models.Index(fields=["household", "kind", "year"]),
            # The lists' order (newest year, date, record; the page and the API), read backwards from the index
            # and stopped at a page instead of sorting every support of a province.
            models.Index(fields=["year", "date", "id"], name="household_support_list_order"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.year}"

    def get_absolute_url(self):
        return reverse("beneficiaries:household_detail", args=[self.household_id])

    @property
    def source_label(self) -> str:
        if self.funding_program == FundingProgram.NTP_1719:
            item = self.subproject or self.project
            return f"1719 · {item.code}" if item else "1719"
        return (
            f"{self.get_funding_program_display()} · {self.scheme}"
            if self.scheme
            else self.get_funding_program_display()
        )


class CaseReview(models.Model):
    """Province staff's review of one overlap or duplicate case: who, when, and what they concluded.

    `case_key` names the case (e.g. `support_overlap:12:water:-`); `signature` is what the case held when it
    was reviewed (its record ids and amounts), so a case that changed afterwards shows as changed.
    """

    case_key = models.CharField(_("trường hợp"), max_length=200, unique=True)
    case_type = models.CharField(_("loại"), max_length=20, choices=CaseType.choices)
    unit = models.ForeignKey(
        "geography.AdministrativeUnit", verbose_name=_("địa bàn"), on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(max_length=1000)
    comment = models.CharField(_("kết luận rà soát"), max_length=1000)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("thời điểm"))

    history = HistoricalRecords()
    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("kết quả rà soát trùng lặp")
        verbose_name_plural = _("kết quả rà soát trùng lặp")
        ordering = ["-reviewed_at"]

    def __str__(self):
        return self.case_key


class FoundCase(models.Model):
    """One overlap or duplicate case as it stands now: what the review page lists and the dashboard counts.

    Kept by beneficiaries/cases.py in the same transaction as every write that can make, change or end a case
    (household supports, households, prestigious persons, the once-only rules and the norms), so it is never
    stale; `cases.rebuild_all()` recomputes it from the rows after a bulk load. The records of a case are read
    when it is shown (selectors.cases), from `group`: `h:<household>` (its supports), `hn:<commune>:<name key>`
    (its households of that name), `pn:<commune>:<birth year>:<name key>` (its persons).
    """

    key = models.CharField(max_length=200, unique=True)
    case_type = models.CharField(max_length=20, choices=CaseType.choices)
    group = models.CharField(max_length=200, db_index=True)
    # The case's unit (a household's unit; the first record's for a duplicate), for the scope. No database
    # constraint: a commit's key-share lock on the unit row could meet a unit row locked by another writer.
    unit = models.ForeignKey(
        "geography.AdministrativeUnit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)  # a support overlap within one year
    years = models.CharField(max_length=200, blank=True)  # ",2023,2024,": the years of its records (overlaps)
    signature = models.CharField(max_length=1000)
    excess = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("trường hợp trùng lặp")
        verbose_name_plural = _("trường hợp trùng lặp")
        indexes = [models.Index(fields=["unit", "case_type"])]

    def __str__(self):
        return self.key
