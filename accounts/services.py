"""Writes to user accounts. Views, the API and create_portal_user all come through here."""

import datetime

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from geography.models import NATION_CODE, AdministrativeUnit, Level

from .models import User
from .scope import ROLE_POLICIES, Role, can_manage_user


def unit_by_code(code: str, *, on: datetime.date | None = None) -> AdministrativeUnit:
    """The unit with this code: the version valid on `on` (today by default), else the latest one."""
    code = (code or "").strip()
    versions = list(AdministrativeUnit.objects.filter(code=code))
    if not versions:
        raise ValidationError({"unit": _("Không có đơn vị hành chính mã '%(code)s'.") % {"code": code}})
    day = on or timezone.localdate()
    valid = [unit for unit in versions if unit.is_valid_on(day)]
    if valid:
        return valid[0]
    return max(versions, key=lambda unit: (unit.valid_to or datetime.date.max, unit.valid_from or datetime.date.min))


def _check_role_and_unit(role: str, unit: AdministrativeUnit | None) -> None:
    if role not in Role.values:
        raise ValidationError(
            {
                "role": _("Vai trò '%(role)s' không hợp lệ; chọn một trong: %(roles)s.")
                % {"role": role, "roles": ", ".join(Role.values)}
            }
        )
    if ROLE_POLICIES[role].nationwide:
        if unit is not None:
            raise ValidationError(
                {
                    "unit": _("Vai trò %(role)s xem số liệu cả nước nên không gắn với đơn vị nào (bỏ trống đơn vị).")
                    % {"role": Role(role).label}
                }
            )
        return
    if unit is None:
        raise ValidationError({"unit": _("Phải chọn đơn vị.")})
    if unit.level not in ROLE_POLICIES[role].unit_levels:
        raise ValidationError(
            {
                "unit": _("Vai trò %(role)s phải gắn với đơn vị cấp %(levels)s, không phải %(unit)s.")
                % {
                    "role": Role(role).label,
                    "levels": ", ".join(
                        str(Level(level).label).lower() for level in sorted(ROLE_POLICIES[role].unit_levels)
                    ),
                    "unit": unit.name,
                }
            }
        )


def _check_username(username: str) -> None:
    if not username:
        raise ValidationError({"username": _("Phải nhập tên đăng nhập.")})
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise ValidationError({"username": _("Tên đăng nhập chỉ gồm chữ, số và @ . + - _.")}) from exc


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def portal_user_create(
    *, actor: User, username: str, role: str, unit: AdministrativeUnit, password: str, full_name: str = ""
) -> User:
    """A province user creates district and commune users below it; a district user, commune users."""
    _check_username(username)
    _check_role_and_unit(role, unit)
    if not can_manage_user(actor, role, unit):
        raise PermissionDenied(_("Bạn không được tạo tài khoản với vai trò này cho đơn vị này."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("Tên đăng nhập '%(username)s' đã có người dùng.") % {"username": username}}
        )
    user = User(username=username, role=role, unit=unit, full_name=full_name.strip(), created_by=actor)
    user.is_staff = role == Role.ADMIN
    _check_password(password, user)
    user.set_password(password)
    user._history_user = actor
    user.save()
    return user


@transaction.atomic
def portal_user_set_active(*, actor: User, user: User, active: bool) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk:
        raise ValidationError({"user": _("Không thể tự khóa hoặc mở khóa tài khoản của chính mình.")})
    if not can_manage_user(actor, user.role, user.unit):
        raise PermissionDenied(_("Bạn không quản lý tài khoản này."))
    if user.is_active != active:
        user.is_active = active
        user._history_user = actor
        user.save(update_fields=["is_active"])
        if not active:
            Token.objects.filter(user=user).delete()
    return user


@transaction.atomic
def portal_user_upsert(
    *, username: str, role: str, unit_code: str | None, password: str, full_name: str = ""
) -> tuple[User, Token]:
    """Create or update a user as the system (management commands). Returns the user and their API token.

    A nationwide role takes no unit: `unit_code` empty or the country's code (VN)."""
    _check_username(username)
    if role not in Role.values:
        _check_role_and_unit(role, None)
    code = (unit_code or "").strip()
    if ROLE_POLICIES[role].nationwide and code.upper() in ("", NATION_CODE):
        unit = None
    elif not code:
        raise ValidationError(
            {"unit": _("Vai trò %(role)s phải gắn với một đơn vị: ghi mã đơn vị.") % {"role": Role(role).label}}
        )
    else:
        unit = unit_by_code(code)
    _check_role_and_unit(role, unit)
    user = User.objects.select_for_update().filter(username=username).first() or User(username=username)
    user.role = role
    user.unit = unit
    user.is_active = True
    user.is_staff = role == Role.ADMIN
    if full_name:
        user.full_name = full_name
    _check_password(password, user)
    user.set_password(password)
    user.save()
    token, _created = Token.objects.get_or_create(user=user)
    return user, token
