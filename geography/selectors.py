"""Reads of the unit tree, always through the user's scope."""

import datetime
from collections import Counter

from django.db.models import Count

from accounts.scope import path_condition, visible_roots

from .models import LEVEL_ORDER, AdministrativeUnit, Level


def unit_get(*, user, pk) -> AdministrativeUnit:
    """A unit the user may see (AdministrativeUnit.DoesNotExist otherwise)."""
    return AdministrativeUnit.objects.for_user(user).select_related("parent").get(pk=pk)


def unit_children(*, user, unit):
    return (
        AdministrativeUnit.objects.for_user(user)
        .filter(parent=unit)
        .annotate(child_count=Count("children"))
        .order_by("valid_to", "code")
    )


def summary_date(unit: AdministrativeUnit, today: datetime.date) -> datetime.date:
    """The day a unit's figures describe: today, or its last day when a merger ended it."""
    return unit.valid_to if unit.valid_to and unit.valid_to < today else today


def scope_summary(*, user, on: datetime.date) -> dict:
    """Units in the user's scope that exist on `on`, counted by level; communes by region; units ended before `on`."""
    own = user.unit
    roots = visible_roots(user) or []
    units = AdministrativeUnit.objects.for_user(user).filter(path_condition("", roots))
    by_level = Counter(dict(units.valid_on(on).values_list("level").annotate(n=Count("id")).values_list("level", "n")))
    historical = units.filter(valid_to__lt=on).count()
    regions = Counter(
        dict(units.filter(level=Level.COMMUNE).values_list("region").annotate(n=Count("id")).values_list("region", "n"))
    )
    return {
        "on": on,
        "levels": [
            (level, by_level.get(level.value, 0))
            for level in Level
            if own is None or LEVEL_ORDER[level] > LEVEL_ORDER[Level(own.level)]
        ],
        "historical": historical,
        "regions": [(value, regions.get(value, 0)) for value in ("III", "II", "I", "")],
    }
