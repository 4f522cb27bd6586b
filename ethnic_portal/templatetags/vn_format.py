"""Template filters over ethnic_portal.formatting: {{ amount|vnd }}, {{ rate|rate }}, {{ amount|ty }}."""

from django import template

from ethnic_portal import formatting

register = template.Library()


@register.filter
def vnd(value):
    return formatting.format_vnd(value)


@register.filter
def rate(value):
    return formatting.format_rate(value)


@register.filter
def ty(value, decimals=0):
    return formatting.format_ty(value, int(decimals))


@register.filter
def number(value):
    return formatting.format_number(value)


@register.filter
def get_item(mapping, key):
    """{{ dict|get_item:key }} for dicts keyed by ids."""
    return mapping.get(key) if mapping else None
