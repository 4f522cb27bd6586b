"""Personal data on screen, in the API and in exports (Decree 13/2023/NĐ-CP on personal data protection).

Who sees a field unmasked is decided once, by `accounts.scope.can_see_personal_data(user, unit)`. A model names
its personal fields in `personal_fields`; everything that shows a row to a user goes through `shown(user, obj,
field)` (templates: `{% id_number obj %}` of `beneficiaries/templatetags/personal_data.py`; history rows:
`history_changes`; the API: `MaskedPersonalFieldsMixin`; exports: `beneficiaries/excel/exports.py`). A user
who may not see it gets the value masked, keeping enough to tell two records apart: `0061******34`.
"""

from accounts.scope import can_see_personal_data

MASK = "*"
_OWN = object()


def mask_id_number(value) -> str:
    """`006180001234` → `0061******34`: the first four digits (province of birth, century and sex) and the
    last two stay; shorter or odd values keep at most their last two characters."""
    text = "" if value is None else str(value)
    if not text:
        return ""
    if len(text) >= 10:
        return text[:4] + MASK * (len(text) - 6) + text[-2:]
    if len(text) > 4:
        return MASK * (len(text) - 2) + text[-2:]
    return MASK * len(text)


def personal_fields(obj) -> tuple[str, ...]:
    """The personal fields of a row, or of the model of a django-simple-history record."""
    model = getattr(type(obj), "instance_type", type(obj))
    return tuple(getattr(model, "personal_fields", ()))


def unit_of(obj):
    """The unit a row belongs to, through its model's `scope_lookup` (`unit`, `household__unit`…)."""
    model = getattr(type(obj), "instance_type", type(obj))
    current = obj
    for name in getattr(model, "scope_lookup", "unit").split("__"):
        current = getattr(current, name, None)
        if current is None:
            return None
    return current


def may_see(user, obj) -> bool:
    return can_see_personal_data(user, unit_of(obj))


def shown(user, obj, field: str, value=_OWN):
    """The value of `obj.field` (or `value`, a value that field had) as `user` may see it: masked when the field
    is personal and they may not."""
    if value is _OWN:
        value = getattr(obj, field)
    if value is None:
        return None
    if field in personal_fields(obj) and not may_see(user, obj):
        return mask_id_number(value)
    return value


def kept_if_masked(value, current: str) -> str:
    """A form or API body that sends back the masked number it was shown means "unchanged"."""
    text = "" if value is None else str(value).strip()
    if current and text == mask_id_number(current):
        return current
    return value


def shown_by_unit(user, model, field: str):
    """For exports of many rows read as values: a function (unit_id, unit_path, value) → the value as `user` may
    see it, by the same rule as `shown` (accounts.scope.can_see_personal_data, which decides by the unit's path),
    asked once per unit instead of once per row."""
    if field not in getattr(model, "personal_fields", ()):
        return lambda unit_id, unit_path, value: value
    from geography.models import AdministrativeUnit

    allowed: dict = {}

    def show(unit_id, unit_path, value):
        if value is None:
            return None
        may = allowed.get(unit_id)
        if may is None:
            may = allowed[unit_id] = can_see_personal_data(user, AdministrativeUnit(pk=unit_id, path=unit_path))
        return value if may else mask_id_number(value)

    return show
