from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .scope import Role, path_condition, policy_for, visible_roots

# Models whose rows the admin role maintains in Django admin (reference data only).
REFERENCE_MODELS = {
    "geography": {"administrativeunit", "unitsuccession"},
    "programs": {"program", "project", "subproject", "budgetyear"},
    "beneficiaries": {
        "ethnicgroup",
        "supportregime",
        "supportnorm",
        "tetholiday",
        "householdsupportkindrule",
        "householdsupportnorm",
    },
}


class UserQuerySet(models.QuerySet):
    def for_user(self, user):
        """Accounts an actor may see: those attached to units in the actor's scope."""
        if not policy_for(user).manages_roles:
            return self.filter(pk=user.pk) if getattr(user, "is_authenticated", False) else self.none()
        roots = visible_roots(user)
        if not roots:
            return self.none()
        return self.filter(path_condition("unit", roots) | Q(pk=user.pk))


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A portal user: one role, one administrative unit (and everything below it)."""

    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.COMMUNE)
    unit = models.ForeignKey(
        "geography.AdministrativeUnit",
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    created_by = models.ForeignKey(
        "self", verbose_name=_("người tạo"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    objects = PortalUserManager()

    scope_lookup = "unit"

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        ordering = ["username"]

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def policy(self):
        return policy_for(self)

    def _is_reference_perm(self, app_label: str, codename: str | None = None) -> bool:
        if not (self.is_active and self.policy.manages_reference_data):
            return False
        models_of_app = REFERENCE_MODELS.get(app_label)
        if not models_of_app:
            return False
        if codename is None:
            return True
        return codename.split("_", 1)[-1] in models_of_app

    def has_perm(self, perm, obj=None):
        app_label, _sep, codename = perm.partition(".")
        if self._is_reference_perm(app_label, codename):
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        return self._is_reference_perm(app_label) or super().has_module_perms(app_label)
