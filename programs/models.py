"""The program tree as versioned reference data.

A Program row is one phase of a national target program (phase I of Decision 1719 for
2021–2025; phase II from 2026, whose structure is published separately). Projects and
sub-projects belong to a phase, so a new phase can bring a new tree without touching the
old one. Each budget year points at the phase whose structure applies to its new capital.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CapitalType(models.TextChoices):
    INVESTMENT = "investment", _("Vốn đầu tư phát triển")
    RECURRENT = "recurrent", _("Vốn sự nghiệp")


class Program(models.Model):
    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=400)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    phase = models.PositiveSmallIntegerField(_("giai đoạn"))
    start_year = models.PositiveSmallIntegerField(_("từ năm"))
    end_year = models.PositiveSmallIntegerField(_("đến năm"))
    decision_no = models.CharField(_("số quyết định"), max_length=60, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)

    class Meta:
        verbose_name = _("chương trình (giai đoạn)")
        verbose_name_plural = _("chương trình (giai đoạn)")
        ordering = ["start_year"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_year__gte=models.F("start_year")), name="program_years"),
        ]

    def __str__(self):
        return f"{self.short_name or self.code} ({self.start_year}–{self.end_year})"


class Project(models.Model):
    program = models.ForeignKey(
        Program, verbose_name=_("chương trình"), on_delete=models.PROTECT, related_name="projects"
    )
    code = models.CharField(_("mã"), max_length=20)
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    name = models.CharField(_("tên"), max_length=400)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=400, blank=True)
    lead_agency = models.CharField(_("cơ quan chủ trì"), max_length=255, blank=True)
    capital_types = models.CharField(
        _("loại vốn"), max_length=40, help_text=_("Các loại vốn được giao, cách nhau bởi dấu phẩy.")
    )

    class Meta:
        verbose_name = _("dự án")
        verbose_name_plural = _("dự án")
        ordering = ["program", "number"]
        constraints = [models.UniqueConstraint(fields=["program", "code"], name="project_code_per_program")]

    def __str__(self):
        return f"{self.code}. {self.name}"

    @property
    def capital_type_list(self) -> list[str]:
        return [c for c in self.capital_types.split(",") if c]


class SubProject(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("dự án"), on_delete=models.PROTECT, related_name="subprojects")
    code = models.CharField(_("mã"), max_length=30)
    number = models.PositiveSmallIntegerField(_("số thứ tự"))
    name = models.CharField(_("tên"), max_length=400)
    name_en = models.CharField(_("tên tiếng Anh"), max_length=400, blank=True)
    lead_agency = models.CharField(_("cơ quan chủ trì"), max_length=255, blank=True)
    capital_types = models.CharField(_("loại vốn"), max_length=40)

    class Meta:
        verbose_name = _("tiểu dự án")
        verbose_name_plural = _("tiểu dự án")
        ordering = ["project", "number"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="subproject_code_per_project")]

    def __str__(self):
        return f"{self.code}. {self.name}"

    @property
    def capital_type_list(self) -> list[str]:
        return [c for c in self.capital_types.split(",") if c]


class BudgetYear(models.Model):
    year = models.PositiveSmallIntegerField(_("năm ngân sách"), unique=True)
    program = models.ForeignKey(
        Program,
        verbose_name=_("giai đoạn áp dụng"),
        on_delete=models.PROTECT,
        related_name="budget_years",
        help_text=_("Giai đoạn có cơ cấu dự án áp dụng cho vốn giao mới của năm."),
    )

    class Meta:
        verbose_name = _("năm ngân sách")
        verbose_name_plural = _("năm ngân sách")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)
