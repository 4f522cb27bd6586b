"""Running totals of households and household supports by commune (models.HouseholdTotal, HouseholdSupportTotal),
kept in the same transaction as every household and household-support write.

The list pages count a province's 200.000 households and 300.000 supports by ethnic group, commune, status, kind,
program and year, and sum their members and amounts: from the raw rows that is 0,3 s a figure for one province of
the synthetic nation and 2 s for the country; from these totals (one row per commune and key) a few milliseconds.
The services add each write's difference (`ON CONFLICT … DO UPDATE SET n = n + excluded.n`, the rows in one order);
a file import adds its differences once at the end of the file (`deferred()`); `rebuild_all()` recomputes them after
a bulk load. Rows that fall to zero stay and are not shown (the readers keep sums above zero).
"""

from __future__ import annotations

import contextvars
from collections import defaultdict

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Sum, When

from ethnic_portal import running_totals
from geography.models import Level

from .models import Household, HouseholdSupport, HouseholdSupportTotal, HouseholdTotal, HouseholdYearTotal

HOUSEHOLD_KEY = ("commune_id", "ethnic_group_id", "poverty_status")
HOUSEHOLD_VALUES = ("households", "members", "supported")
SUPPORT_KEY = ("commune_id", "kind", "funding_program", "year", "project_key", "subproject_key")
SUPPORT_VALUES = ("supports", "amount")
YEAR_KEY = ("commune_id", "year")
YEAR_VALUES = ("households",)


def commune_of(unit) -> int:
    return unit.parent_id if unit.level == Level.VILLAGE else unit.pk


def household_key(household: Household, unit=None) -> tuple:
    return (commune_of(unit or household.unit), household.ethnic_group_id, household.poverty_status)


def support_key(support: HouseholdSupport, commune_id: int) -> tuple:
    return (
        commune_id,
        support.kind,
        support.funding_program,
        support.year,
        support.project_id or 0,
        support.subproject_id or 0,
    )


class _Pending:
    def __init__(self):
        self.households: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        self.supports: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        self.years: dict[tuple, list[int]] = defaultdict(lambda: [0])

    def flush(self) -> None:
        households, self.households = self.households, defaultdict(lambda: [0, 0, 0])
        supports, self.supports = self.supports, defaultdict(lambda: [0, 0])
        years, self.years = self.years, defaultdict(lambda: [0])
        _upsert(HouseholdTotal, HOUSEHOLD_KEY, HOUSEHOLD_VALUES, households)
        _upsert(HouseholdSupportTotal, SUPPORT_KEY, SUPPORT_VALUES, supports)
        _upsert(HouseholdYearTotal, YEAR_KEY, YEAR_VALUES, years)


_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("totals_pending", default=None)


def deferred():
    """Add the differences of the writes inside once, at the end (inside the caller's transaction); nothing when
    left by an exception (the transaction is being rolled back)."""
    return running_totals.deferred(_pending, _Pending)


def _apply(households: dict | None = None, supports: dict | None = None, years: dict | None = None) -> None:
    pending = _pending.get()
    if pending is None:
        _upsert(HouseholdTotal, HOUSEHOLD_KEY, HOUSEHOLD_VALUES, households or {})
        _upsert(HouseholdSupportTotal, SUPPORT_KEY, SUPPORT_VALUES, supports or {})
        _upsert(HouseholdYearTotal, YEAR_KEY, YEAR_VALUES, years or {})
        return
    for deltas, into in ((households, pending.households), (supports, pending.supports), (years, pending.years)):
        for key, values in (deltas or {}).items():
            row = into[key]
            for i, value in enumerate(values):
                row[i] += value


def _upsert(model, key_fields: tuple, value_fields: tuple, deltas: dict) -> None:
    """Add `deltas` (key → values) to the rows, inserting the missing ones; in key order."""
    rows = [(*key, *values) for key, values in sorted(deltas.items()) if any(values)]
    running_totals.add_to_rows(model, key_fields, value_fields, rows)


# --- What the services call -------------------------------------------------------------------------


def household_created(household: Household) -> None:
    _apply(households={household_key(household): [1, household.members, 0]})


def household_deleted(household: Household) -> None:
    """A household without support (the service refuses one with support)."""
    _apply(households={household_key(household): [-1, -household.members, 0]})


def household_changed(household: Household, *, before_key: tuple, before_members: int) -> None:
    """`household` was changed; `before_key`/`before_members` as they were (its unit's commune included)."""
    key = household_key(household)
    if key == before_key and household.members == before_members:
        return
    supported = 1 if HouseholdSupport.objects.filter(household=household).exists() else 0
    households = defaultdict(lambda: [0, 0, 0])
    for k, sign, members in ((before_key, -1, before_members), (key, 1, household.members)):
        row = households[k]
        row[0] += sign
        row[1] += sign * members
        row[2] += sign * supported
    supports = defaultdict(lambda: [0, 0])
    years = defaultdict(lambda: [0])
    if key[0] != before_key[0]:  # another commune: its supports (and the years it was supported) move with it
        seen_years = set()
        for row in (
            HouseholdSupport.objects.filter(household=household)
            .values("kind", "funding_program", "year", "project_id", "subproject_id")
            .annotate(n=Count("pk"), amount=Sum("amount"))
            .order_by()
        ):
            rest = (row["kind"], row["funding_program"], row["year"], row["project_id"] or 0, row["subproject_id"] or 0)
            for commune, sign in ((before_key[0], -1), (key[0], 1)):
                total = supports[(commune, *rest)]
                total[0] += sign * row["n"]
                total[1] += sign * row["amount"]
            seen_years.add(row["year"])
        for year in seen_years:
            years[(before_key[0], year)][0] -= 1
            years[(key[0], year)][0] += 1
    _apply(households=dict(households), supports=dict(supports), years=dict(years))


def _held(household: Household, *years: int) -> dict:
    """How many supports the household has now: in all, and in each of `years` (one query)."""
    counts = {"all": Count("pk")}
    counts.update({f"y{year}": Count("pk", filter=Q(year=year)) for year in set(years)})
    return HouseholdSupport.objects.filter(household=household).aggregate(**counts)


def support_added(household: Household, support: HouseholdSupport) -> None:
    """`support` was created (the caller holds the household's row lock, so a first support is known)."""
    commune = commune_of(household.unit)
    held = _held(household, support.year)
    households = {household_key(household): [0, 0, 1]} if held["all"] == 1 else {}
    years = {(commune, support.year): [1]} if held[f"y{support.year}"] == 1 else {}
    _apply(households=households, supports={support_key(support, commune): [1, support.amount]}, years=years)


def support_changed(household: Household, before: tuple, before_amount: int, support: HouseholdSupport) -> None:
    commune = commune_of(household.unit)
    supports = defaultdict(lambda: [0, 0])
    supports[before][0] -= 1
    supports[before][1] -= before_amount
    supports[support_key(support, commune)][0] += 1
    supports[support_key(support, commune)][1] += support.amount
    years = {}
    old_year = before[3]
    if old_year != support.year:
        held = _held(household, old_year, support.year)
        if held[f"y{old_year}"] == 0:
            years[(commune, old_year)] = [-1]
        if held[f"y{support.year}"] == 1:
            years[(commune, support.year)] = [1]
    _apply(supports=dict(supports), years=years)


def support_deleted(household: Household, support: HouseholdSupport) -> None:
    commune = commune_of(household.unit)
    held = _held(household, support.year)
    households = {household_key(household): [0, 0, -1]} if held["all"] == 0 else {}
    years = {(commune, support.year): [-1]} if held[f"y{support.year}"] == 0 else {}
    _apply(households=households, supports={support_key(support, commune): [-1, -support.amount]}, years=years)


# --- Rebuilding from the rows ------------------------------------------------------------------------


def _commune(prefix: str):
    return Case(When(**{f"{prefix}level": Level.VILLAGE}, then=F(f"{prefix}parent_id")), default=F(f"{prefix}id"))


def rebuild_all() -> dict:
    """Both totals recomputed from the rows (after a bulk load). Returns how many rows each has."""
    HouseholdTotal.objects.all().delete()
    HouseholdSupportTotal.objects.all().delete()
    has_support = Exists(HouseholdSupport.objects.filter(household=OuterRef("pk")))
    households = (
        Household.objects.annotate(commune=_commune("unit__"), has=has_support)
        .values("commune", "ethnic_group_id", "poverty_status")
        .annotate(n=Count("pk"), members=Sum("members"), supported=Count("pk", filter=Q(has=True)))
        .order_by()
    )
    HouseholdTotal.objects.bulk_create(
        (
            HouseholdTotal(
                commune_id=r["commune"],
                ethnic_group_id=r["ethnic_group_id"],
                poverty_status=r["poverty_status"],
                households=r["n"],
                members=r["members"],
                supported=r["supported"],
            )
            for r in households.iterator(chunk_size=5000)
        ),
        batch_size=2000,
    )
    supports = (
        HouseholdSupport.objects.annotate(commune=_commune("household__unit__"))
        .values("commune", "kind", "funding_program", "year", "project_id", "subproject_id")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    HouseholdSupportTotal.objects.bulk_create(
        (
            HouseholdSupportTotal(
                commune_id=r["commune"],
                kind=r["kind"],
                funding_program=r["funding_program"],
                year=r["year"],
                project_key=r["project_id"] or 0,
                subproject_key=r["subproject_id"] or 0,
                supports=r["n"],
                amount=r["amount"],
            )
            for r in supports.iterator(chunk_size=5000)
        ),
        batch_size=2000,
    )
    HouseholdYearTotal.objects.all().delete()
    years = (
        HouseholdSupport.objects.annotate(commune=_commune("household__unit__"))
        .values("commune", "year")
        .annotate(n=Count("household_id", distinct=True))
        .order_by()
    )
    HouseholdYearTotal.objects.bulk_create(
        (HouseholdYearTotal(commune_id=r["commune"], year=r["year"], households=r["n"]) for r in years.iterator()),
        batch_size=2000,
    )
    return {
        "households": HouseholdTotal.objects.count(),
        "supports": HouseholdSupportTotal.objects.count(),
        "years": HouseholdYearTotal.objects.count(),
    }
