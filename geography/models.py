"""Administrative units: one versioned tree that every scope hangs from.

province → district → commune → village, where a commune may hang directly under a
province (two-level local government since 1 July 2025). A unit that a merger replaced
keeps its code and gets `valid_to`; its successor may reuse the code with a new
`valid_from`, so a code alone is not unique over time: the materialised `path` is.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet, path_condition, visible_roots

PATH_SEPARATOR = "/"


class Level(models.TextChoices):
    PROVINCE = "province", _("Tỉnh")
    DISTRICT = "district", _("Huyện")
    COMMUNE = "commune", _("Xã")
    VILLAGE = "village", _("Thôn")


LEVEL_ORDER = {Level.PROVINCE: 1, Level.DISTRICT: 2, Level.COMMUNE: 3, Level.VILLAGE: 4}


class UnitType(models.TextChoices):
    PROVINCE = "tinh", _("Tỉnh")
    CENTRAL_CITY = "thanh_pho_tw", _("Thành phố trực thuộc Trung ương")
    RURAL_DISTRICT = "huyen", _("Huyện")
    URBAN_DISTRICT = "quan", _("Quận")
    TOWN = "thi_xa", _("Thị xã")
    PROVINCIAL_CITY = "thanh_pho", _("Thành phố thuộc tỉnh")
    COMMUNE = "xa", _("Xã")
    WARD = "phuong", _("Phường")
    TOWNSHIP = "thi_tran", _("Thị trấn")
    SPECIAL_ZONE = "dac_khu", _("Đặc khu")
    VILLAGE = "thon", _("Thôn, bản")


class Region(models.TextChoices):
    """Commune region of the program (QĐ 33/2020/QĐ-TTg; list QĐ 861/QĐ-TTg for 2021–2025)."""

    I = "I", _("Khu vực I")  # noqa: E741
    II = "II", _("Khu vực II")
    III = "III", _("Khu vực III")


class AdministrativeUnitQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Units a user may see: everything below their scope roots, and the chain above their own unit."""
        roots = visible_roots(user)
        if roots is None:
            return self.none()
        condition = path_condition("", roots)  # no condition at all for the nationwide root
        if not condition:
            return self.all()
        own = getattr(user, "unit", None)
        if own is not None:
            condition |= Q(path__in=own.ancestor_paths())
        return self.filter(condition)

    def valid_on(self, day: datetime.date):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def valid_in_year(self, year: int):
        """Units that existed on at least one day of `year`."""
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=datetime.date(year, 12, 31))).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(year, 1, 1))
        )

    def below(self, unit):
        """The unit and everything under it."""
        return self.filter(path__startswith=unit.path)


class AdministrativeUnit(models.Model):
    code = models.CharField(_("mã"), max_length=20, db_index=True)
    name = models.CharField(_("tên"), max_length=150)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices, db_index=True)
    unit_type = models.CharField(_("loại"), max_length=20, choices=UnitType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("đường dẫn"), max_length=255, unique=True, editable=False)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    region = models.CharField(_("khu vực"), max_length=3, choices=Region.choices, blank=True, default="")
    region_candidates = models.CharField(
        _("khu vực có thể"),
        max_length=20,
        blank=True,
        help_text=_("Khi chưa xác định được khu vực: các giá trị có thể, ví dụ I|II."),
    )
    region_decision = models.CharField(_("quyết định phân định khu vực"), max_length=60, blank=True)
    is_extremely_difficult = models.BooleanField(_("thôn đặc biệt khó khăn"), default=False)
    source = models.CharField(_("nguồn dữ liệu"), max_length=255, blank=True)

    scope_lookup = ""  # the unit itself
    objects = AdministrativeUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="unit_valid_range",
            ),
            models.UniqueConstraint(fields=["code", "valid_from"], name="unit_code_version_unique"),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.path = self.build_path()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("geography:unit_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        if self.valid_to:
            return _("%(name)s (đến %(date)s)") % {"name": self.name, "date": self.valid_to.strftime("%d/%m/%Y")}
        return self.name

    @staticmethod
    def path_segment(code: str, valid_from: datetime.date | None) -> str:
        return f"{code}@{valid_from:%Y%m%d}" if valid_from else code

    def build_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.path_segment(self.code, self.valid_from)}{PATH_SEPARATOR}"

    def ancestor_paths(self) -> list[str]:
        """Paths of this unit and every unit above it, from the top."""
        parts = self.path.rstrip(PATH_SEPARATOR).split(PATH_SEPARATOR)
        return [PATH_SEPARATOR.join(parts[: i + 1]) + PATH_SEPARATOR for i in range(len(parts))]

    def ancestors(self):
        return AdministrativeUnit.objects.filter(path__in=self.ancestor_paths()[:-1]).order_by("path")

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def is_within(self, other: "AdministrativeUnit") -> bool:
        return self.path.startswith(other.path)

    @property
    def province(self) -> "AdministrativeUnit":
        if self.level == Level.PROVINCE:
            return self
        return AdministrativeUnit.objects.get(path=self.ancestor_paths()[0])


NATION_CODE = "VN"


def nation() -> AdministrativeUnit:
    """The whole country, for national figures: an unsaved unit with no pk and the empty path, which every unit's
    path starts with. Its children are the top-level units (the provinces, before and after the 2025 reform)."""
    return AdministrativeUnit(code=NATION_CODE, name=str(_("Toàn quốc")), level="national", unit_type="", path="")


def is_nation(unit) -> bool:
    return unit is not None and unit.pk is None and unit.path == "" and unit.code == NATION_CODE


class MergeType(models.TextChoices):
    FULL = "full", _("Toàn bộ")
    PARTIAL = "partial", _("Một phần")


class UnitSuccession(models.Model):
    """A unit that went (wholly or partly) into another one, e.g. in the 2025 mergers.

    Scope follows it: a user of the successor also sees the predecessor's history.
    """

    predecessor = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị cũ"), on_delete=models.CASCADE, related_name="successions"
    )
    successor = models.ForeignKey(
        AdministrativeUnit, verbose_name=_("đơn vị mới"), on_delete=models.CASCADE, related_name="predecessions"
    )
    merge_type = models.CharField(_("hình thức"), max_length=10, choices=MergeType.choices, default=MergeType.FULL)
    effective_date = models.DateField(_("ngày hiệu lực"))
    legal_basis = models.CharField(_("căn cứ"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("sắp xếp đơn vị hành chính")
        verbose_name_plural = _("sắp xếp đơn vị hành chính")
        constraints = [models.UniqueConstraint(fields=["predecessor", "successor"], name="unit_succession_unique")]

    def __str__(self):
        return f"{self.predecessor.name} → {self.successor.name}"
