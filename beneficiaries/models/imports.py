"""Excel uploads of beneficiaries data: checked first (dry run), written only when the officer confirms."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet
from ethnic_portal.excel_import import ImportStatus


class ImportKind(models.TextChoices):
    PERSONS = "persons", _("Người có uy tín")
    PERSON_SUPPORTS = "person_supports", _("Hỗ trợ người có uy tín")
    HOUSEHOLDS = "households", _("Hộ thụ hưởng")
    HOUSEHOLD_SUPPORTS = "household_supports", _("Hỗ trợ hộ")


def import_upload_to(batch, filename):
    return f"imports/beneficiaries/{batch.uploaded_by_id}/{timezone.now():%Y%m%d%H%M%S}-{batch.kind}.xlsx"


class ImportBatch(models.Model):
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
        verbose_name = _("lần nhập Excel đối tượng")
        verbose_name_plural = _("lần nhập Excel đối tượng")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    def get_absolute_url(self):
        return reverse("beneficiaries:import_batch", args=[self.pk])
