"""Reference data of the beneficiaries app, loaded by `load_reference_data` from beneficiaries/data/.

The policy amounts are data, not constants: a regime (the decision in force on a date), its ceilings
per kind of support and how often a person may receive it; the Tết Nguyên đán dates from which the
default Tết season is drawn; and, for households, which kinds of support are "once only, at the highest
rate" and each program's norm for them.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import FundingProgram, HouseholdSupportKind, SupportKind


class EthnicGroup(models.Model):
    """One of the 54 ethnic groups, with its GSO code (Quyết định 121-TCTK/PPCĐ)."""

    code = models.CharField(_("mã"), max_length=2, unique=True)
    name = models.CharField(_("tên dân tộc"), max_length=60)
    common_spelling = models.CharField(_("cách viết thông dụng"), max_length=60, blank=True)
    other_names = models.CharField(_("tên gọi khác"), max_length=255, blank=True)
    is_minority = models.BooleanField(_("dân tộc thiểu số"), default=True)

    class Meta:
        verbose_name = _("dân tộc")
        verbose_name_plural = _("dân tộc")
        ordering = ["code"]

    def __str__(self):
        return self.name


class SupportRegime(models.Model):
    """The legal regime of support to prestigious persons in force on a date (QĐ 12/2018; 12/2018 as amended by 28/2023)."""

    code = models.CharField(_("mã"), max_length=30, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    legal_basis = models.CharField(_("căn cứ"), max_length=300)
    valid_from = models.DateField(_("áp dụng từ"))
    valid_to = models.DateField(_("áp dụng đến"), null=True, blank=True)

    class Meta:
        verbose_name = _("chế độ chính sách người có uy tín")
        verbose_name_plural = _("chế độ chính sách người có uy tín")
        ordering = ["valid_from"]

    def __str__(self):
        return self.name


class SupportNorm(models.Model):
    """A regime's ceiling for one kind of support (and variant: hospital level, whose death) and its yearly limit."""

    regime = models.ForeignKey(SupportRegime, on_delete=models.CASCADE, related_name="norms")
    kind = models.CharField(_("loại hỗ trợ"), max_length=20, choices=SupportKind.choices)
    variant = models.CharField(
        _("trường hợp"), max_length=20, blank=True, help_text=_("Tuyến bệnh viện, hoặc người/thân nhân qua đời.")
    )
    ceiling = models.BigIntegerField(_("mức tối đa (đồng)"))
    per = models.CharField(_("tính theo"), max_length=60, help_text=_("Ví dụ: người/lần, người/năm, hộ/lần."))
    max_per_year = models.PositiveSmallIntegerField(_("số lần tối đa mỗi năm"), null=True, blank=True)
    confirmed = models.BooleanField(_("đã đối chiếu văn bản"), default=False)
    source = models.CharField(_("nguồn"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("định mức hỗ trợ người có uy tín")
        verbose_name_plural = _("định mức hỗ trợ người có uy tín")
        ordering = ["regime", "kind", "variant"]
        constraints = [
            models.UniqueConstraint(fields=["regime", "kind", "variant"], name="support_norm_per_regime"),
            models.CheckConstraint(condition=Q(ceiling__gte=0), name="support_norm_ceiling_not_negative"),
        ]

    def __str__(self):
        return f"{self.regime.code} · {self.kind} {self.variant}".strip()

    @property
    def variant_label(self) -> str:
        from ..choices import CondolenceFor, HospitalLevel

        labels = {**dict(HospitalLevel.choices), **dict(CondolenceFor.choices)}
        return str(labels.get(self.variant, self.variant))


class TetHoliday(models.Model):
    """The first day of Tết Nguyên đán (lunar new year) in a solar year."""

    year = models.PositiveSmallIntegerField(_("năm"), unique=True)
    date = models.DateField(_("mùng 1 Tết"))

    class Meta:
        verbose_name = _("ngày Tết Nguyên đán")
        verbose_name_plural = _("ngày Tết Nguyên đán")
        ordering = ["year"]

    def __str__(self):
        return f"{self.year}: {self.date:%d/%m/%Y}"


class HouseholdSupportKindRule(models.Model):
    """Whether a kind of household support is given once only, at the highest rate of the policies that apply."""

    kind = models.CharField(_("loại hỗ trợ"), max_length=20, choices=HouseholdSupportKind.choices, unique=True)
    once_only = models.BooleanField(_("chỉ hỗ trợ một lần, mức cao nhất"), default=False)
    legal_basis = models.CharField(_("căn cứ"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("quy tắc hưởng hỗ trợ hộ")
        verbose_name_plural = _("quy tắc hưởng hỗ trợ hộ")
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()


class HouseholdSupportNorm(models.Model):
    """One program's norm (đồng per household) for a kind of household support."""

    kind = models.CharField(_("loại hỗ trợ"), max_length=20, choices=HouseholdSupportKind.choices)
    funding_program = models.CharField(_("chương trình"), max_length=12, choices=FundingProgram.choices)
    amount = models.BigIntegerField(_("định mức (đồng/hộ)"))
    confirmed = models.BooleanField(_("đã đối chiếu văn bản"), default=False)
    source = models.CharField(_("nguồn"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("định mức hỗ trợ hộ theo chương trình")
        verbose_name_plural = _("định mức hỗ trợ hộ theo chương trình")
        ordering = ["kind", "funding_program"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "funding_program"], name="household_norm_per_program"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="household_norm_positive"),
        ]

    def __str__(self):
        return f"{self.kind} · {self.funding_program}"
