from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from ethnic_portal.forms import BootstrapFormMixin
from geography.models import AdministrativeUnit

from .scope import ROLE_POLICIES, Role, manageable_units, policy_for


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý chữ hoa và chữ thường."),
        "inactive": _("Tài khoản này đã bị khóa. Liên hệ Ban Dân tộc tỉnh."),
    }


class UserCreateForm(BootstrapFormMixin, forms.Form):
    """Shape only; the rules (who may create what, where) live in portal_user_create."""

    username = forms.CharField(label=_("Tên đăng nhập"), max_length=150)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Vai trò"))
    unit = forms.ModelChoiceField(label=_("Đơn vị"), queryset=AdministrativeUnit.objects.none())
    password = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, actor, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "new-password"
        managed = policy_for(actor).manages_roles
        self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in managed]
        levels = set().union(*(ROLE_POLICIES[role].unit_levels for role in managed)) if managed else set()
        units = manageable_units(actor).filter(level__in=levels)
        if today:
            units = units.valid_on(today)
        self.fields["unit"].queryset = units.order_by("path")
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.code} – {unit.display_name}"


class PortalPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass
