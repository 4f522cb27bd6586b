"""What every beneficiaries service shares: the scope check, a collector of field errors, the unit rule."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from accounts.scope import can_write
from ethnic_portal import clock
from ethnic_portal.formatting import MAX_AMOUNT
from geography.models import AdministrativeUnit, Level


def d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


class Errors:
    """Collects `{"field": ["message", …]}` and raises them together as one ValidationError."""

    def __init__(self):
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)


def require_write(actor, unit) -> None:
    if not can_write(actor, unit):
        raise PermissionDenied(_("Bạn không được ghi số liệu của đơn vị này."))


def check_place(errors: Errors, unit, *, field: str = "unit", on: datetime.date | None = None) -> None:
    """A person or household lives in a village or a commune that exists on `on` (default today)."""
    if not isinstance(unit, AdministrativeUnit):
        errors.add(field, _("Phải chọn thôn hoặc xã."))
        return
    if unit.level not in {Level.VILLAGE, Level.COMMUNE}:
        errors.add(
            field,
            _("Phải chọn thôn (bản) hoặc xã, không chọn %(level)s (%(unit)s).")
            % {"level": unit.get_level_display().lower(), "unit": unit.name},
        )
        return
    day = on or clock.today()
    if not unit.is_valid_on(day):
        errors.add(
            field,
            _("%(unit)s không tồn tại vào ngày %(day)s (hiệu lực %(start)s – %(end)s).")
            % {
                "unit": unit.name,
                "day": d(day),
                "start": d(unit.valid_from) if unit.valid_from else "…",
                "end": d(unit.valid_to) if unit.valid_to else "…",
            },
        )


def check_amount(errors: Errors, amount, *, field: str = "amount", allow_zero: bool = False) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int):
        errors.add(field, _("Số tiền phải là số nguyên đồng."))
    elif amount < 0:
        errors.add(field, _("Số tiền không được âm."))
    elif amount == 0 and not allow_zero:
        errors.add(field, _("Số tiền phải lớn hơn 0."))
    elif amount > MAX_AMOUNT:
        errors.add(field, _("Số tiền quá lớn."))


def check_choice(errors: Errors, value, choices, field: str, message: str) -> None:
    if value not in choices.values:
        errors.add(field, message)


def check_date(errors: Errors, value, field: str, *, label: str, not_future: bool = True) -> bool:
    if not isinstance(value, datetime.date):
        errors.add(field, _("Phải nhập %(label)s.") % {"label": label})
        return False
    if not_future and value > clock.today():
        errors.add(
            field,
            _("%(label)s không được sau hôm nay (%(today)s).")
            % {"label": label.capitalize(), "today": d(clock.today())},
        )
        return False
    return True


def province_pk(unit: AdministrativeUnit) -> int:
    """The province above `unit` (its first path segment)."""
    return AdministrativeUnit.objects.filter(path=unit.ancestor_paths()[0]).values_list("pk", flat=True).get()
