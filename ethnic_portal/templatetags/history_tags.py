"""{{ record|history_changes }}: what a django-simple-history record changed against the one before it."""

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
def history_changes(record):
    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous)
    rows = []
    for change in delta.changes:
        if change.field in HIDDEN:
            continue
        field = record.instance_type._meta.get_field(change.field)
        rows.append(
            {
                "field": field.verbose_name,
                "old": _show(change.field, change.old),
                "new": _show(change.field, change.new),
            }
        )
    return rows
