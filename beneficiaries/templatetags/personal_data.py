"""`{% id_number household %}`: a household's citizen ID number as the viewer may see it (masked for roles that
may not, beneficiaries/personal_data.py). Templates never print `head_id_number` directly:
tests/security/test_personal_data.py fails on any template that does."""

from django import template

from ..personal_data import shown

register = template.Library()


def _viewer(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def id_number(context, obj, field="head_id_number"):
    """The personal field `field` of `obj` for the user of the request; masked when they may not see it (and
    when there is no user at all: it fails closed)."""
    if obj is None:
        return ""
    return shown(_viewer(context), obj, field)
