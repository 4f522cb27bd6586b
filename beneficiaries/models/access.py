"""The log of access to personal data (Decree 13/2023/NĐ-CP): who opened which person's or household's record,
searched by a citizen ID number, or exported a list of people — when, in which role, from which address.

Append-only, at three levels: the model refuses to save an existing row or delete one, its queryset refuses
bulk update and delete, and the database refuses UPDATE and DELETE with a trigger (migration 0003, PostgreSQL
and SQLite). Only a flush of the whole database (tests, a restore) empties it: see
`beneficiaries/management/commands/flush.py`. Rows are written by `services.personal_data.record_access`.
The searched number itself is never stored.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import Role, ScopedQuerySet, can_read_access_log, path_condition, visible_roots

APPEND_ONLY = _("Nhật ký truy cập dữ liệu cá nhân chỉ được ghi thêm, không được sửa hay xóa.")


class AccessAction(models.TextChoices):
    VIEW = "view", _("Xem hồ sơ")
    SEARCH = "search", _("Tìm theo số định danh")
    EXPORT = "export", _("Xuất danh sách")
    API_VIEW = "api_view", _("Xem qua API")
    API_SEARCH = "api_search", _("Tìm qua API")


class AccessSubject(models.TextChoices):
    HOUSEHOLD = "household", _("Hộ thụ hưởng")
    PERSON = "person", _("Người có uy tín")


class AccessLogQuerySet(ScopedQuerySet):
    """Read by the roles that read the log (province staff, administrators), for the units in their scope:
    the unit of a row is the unit of the user who accessed the data."""

    def for_user(self, user):
        if not can_read_access_log(user):
            return self.none()
        roots = visible_roots(user)
        if not roots:
            return self.none()
        return self.filter(path_condition(self.model.scope_lookup, roots))

    def update(self, **kwargs):
        raise PermissionDenied(APPEND_ONLY)

    def delete(self):
        raise PermissionDenied(APPEND_ONLY)

    delete.alters_data = True
    delete.queryset_only = True


class PersonalDataAccess(models.Model):
    at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người truy cập"), on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(_("tên đăng nhập"), max_length=150)
    role = models.CharField(_("vai trò"), max_length=20)
    unit = models.ForeignKey(
        "geography.AdministrativeUnit",
        verbose_name=_("đơn vị của người truy cập"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text=_("Trống: cán bộ cấp Bộ, xem số liệu cả nước."),
    )
    action = models.CharField(_("thao tác"), max_length=12, choices=AccessAction.choices)
    subject = models.CharField(_("loại hồ sơ"), max_length=12, choices=AccessSubject.choices)
    object_id = models.PositiveBigIntegerField(_("mã hồ sơ"), null=True, blank=True)
    record_count = models.PositiveIntegerField(_("số bản ghi"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()
    scope_lookup = "unit"

    class Meta:
        verbose_name = _("truy cập dữ liệu cá nhân")
        verbose_name_plural = _("nhật ký truy cập dữ liệu cá nhân")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["subject", "object_id"]), models.Index(fields=["unit", "at"])]

    def __str__(self):
        return f"{self.at:%d/%m/%Y %H:%M} {self.username} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionDenied(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(APPEND_ONLY)

    def role_label(self) -> str:
        return dict(Role.choices).get(self.role, self.role)

    def object_url(self):
        from django.urls import reverse

        if self.object_id is None:
            return ""
        name = "household_detail" if self.subject == AccessSubject.HOUSEHOLD else "person_detail"
        return reverse(f"beneficiaries:{name}", args=[self.object_id])
