"""{{ record|history_changes:request.user }}: what a django-simple-history record changed against the one before
it. A personal field of the record's model (`personal_fields`, e.g. a household's citizen ID number) is shown
masked unless the user may see it (beneficiaries/personal_data.py); without a user, masked."""

from django import template

from ethnic_portal.formatting import format_vnd

register = template.Library()

MONEY_FIELDS = {"amount", "new_amount", "previous_amount"}
HIDDEN = {"updated_at", "created_at"}


def _show(field, value):
    if field in MONEY_FIELDS and isinstance(value, int):
        return format_vnd(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return "—" if value in (None, "") else value


@register.filter
def history_changes(record, user=None):
    from beneficiaries.personal_data import personal_fields, shown

    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous)
    personal = personal_fields(record)
    rows = []
    for change in delta.changes:
        if change.field in HIDDEN:
            continue
        field = record.instance_type._meta.get_field(change.field)
        old, new = change.old, change.new
        if change.field in personal:
            old, new = shown(user, record, change.field, old), shown(user, record, change.field, new)
        rows.append(
            {
                "field": field.verbose_name,
                "old": _show(change.field, old),
                "new": _show(change.field, new),
            }
        )
    return rows
