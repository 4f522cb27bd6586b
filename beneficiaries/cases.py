"""The table of overlap and duplicate cases (models.FoundCase), kept exact in the same transaction as each write.

Finding the cases from the raw rows reads every support and every household of a scope (300.000 supports of one
province of the synthetic nation: 11 s); the review page and the dashboard read this table instead, one row per
case. Whatever can make, change or end a case refreshes the rows of its group, recomputed from the raw rows with
the selectors' own rules (selectors.household_overlap_cases, selectors.duplicate_clusters):

- a household's supports written, or the household moved: its support overlaps (group `h:<household>`), under the
  household's row lock that every household-support service takes;
- a household created, renamed, moved or deleted: the households of that name in its commune (`hn:…`), and a
  prestigious person likewise (`pn:…`, with the birth year), under a transaction-level advisory lock of the group
  on PostgreSQL, so two writers of one name in one commune cannot both miss the pair they make;
- the once-only rules and the norms (reference data): the overlaps of that kind (signals below);
- a bulk load (generate_synthetic): `rebuild_all()`, set-based candidates in SQL, each recomputed in Python.

A file import defers the refreshes to the end of the file (`deferred()`, in the importer's transaction): one
read and one write for all its groups instead of a few statements per row.

The household duplicates of one ID number that the old full scan also looked for cannot exist: the ID number is
unique in the database (household_id_number_unique).
"""

from __future__ import annotations

import contextvars
import hashlib
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from ethnic_portal import running_totals
from geography.models import AdministrativeUnit, Level

from . import selectors
from .choices import CaseType
from .models import (
    FoundCase,
    Household,
    HouseholdSupport,
    HouseholdSupportKindRule,
    HouseholdSupportNorm,
    PrestigiousPerson,
)

CHUNK = 2000


def commune_of(unit: AdministrativeUnit) -> int:
    """The commune a household or person of `unit` is counted in (a village's commune)."""
    return unit.parent_id if unit.level == Level.VILLAGE else unit.pk


def household_group(commune_id: int, key: str) -> str:
    return f"hn:{commune_id}:{key}"


def person_group(commune_id: int, birth_year: int, key: str) -> str:
    return f"pn:{commune_id}:{birth_year}:{key}"


# --- What the services call -------------------------------------------------------------------------


class _Pending:
    def __init__(self):
        self.households: dict[int, int] = {}  # household pk → its unit pk
        self.household_names: set[tuple[int, str]] = set()
        self.person_names: set[tuple[int, int, str]] = set()

    def flush(self) -> None:
        households, self.households = self.households, {}
        names, self.household_names = self.household_names, set()
        persons, self.person_names = self.person_names, set()
        if households:
            refresh_overlaps(households)
        if names:
            refresh_household_names(names)
        if persons:
            refresh_person_names(persons)


_pending: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("found_cases_pending", default=None)


def deferred():
    """Collect the refreshes of the writes inside and make them once at the end (inside the caller's
    transaction). Left by an exception, nothing is refreshed: the transaction is being rolled back."""
    return running_totals.deferred(_pending, _Pending)


def supports_changed(household: Household) -> None:
    """A support of `household` was created, changed or deleted (the caller holds the household's row lock)."""
    pending = _pending.get()
    if pending is not None:
        pending.households[household.pk] = household.unit_id
    else:
        refresh_overlaps({household.pk: household.unit_id})


def household_changed(
    household: Household, *, before: tuple[AdministrativeUnit, str] | None = None, deleted: bool = False
) -> None:
    """`household` was created (before=None), changed (before=(unit, name key) as they were) or deleted."""
    names = set()
    if before is not None:
        unit, key = before
        if unit.pk == household.unit_id and key == household.name_key:
            return  # neither its place nor its name: no case can have changed
        names.add((commune_of(unit), key))
    names.add((commune_of(household.unit), household.name_key))
    pending = _pending.get()
    if pending is not None:
        pending.household_names |= names
        if before is not None and not deleted:
            pending.households[household.pk] = household.unit_id
        return
    refresh_household_names(names)
    if before is not None and not deleted:
        refresh_overlaps({household.pk: household.unit_id})  # its overlaps belong to its new unit


def persons_changed(changes: Iterable[tuple[PrestigiousPerson, tuple | None]]) -> None:
    """Persons created (None), changed ((unit, name key, birth year) as they were) or deleted."""
    names = set()
    for person, before in changes:
        if before is not None:
            unit, key, year = before
            if unit.pk == person.unit_id and key == person.name_key and year == person.birth_year:
                continue
            names.add((commune_of(unit), year, key))
        names.add((commune_of(person.unit), person.birth_year, person.name_key))
    if not names:
        return
    pending = _pending.get()
    if pending is not None:
        pending.person_names |= names
    else:
        refresh_person_names(names)


# --- Recomputing groups ------------------------------------------------------------------------------


def _lock_groups(groups: Iterable[str]) -> None:
    """Transaction-level advisory locks of the groups, in one order (PostgreSQL; SQLite writes one at a time)."""
    if connection.vendor != "postgresql":
        return
    ids = sorted(
        {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big", signed=True) for g in groups}
    )
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT k FROM unnest(%s::bigint[]) AS k ORDER BY k) AS s",
                [ids],
            )


def _replace(groups: list[str], rows: list[FoundCase]) -> None:
    for start in range(0, len(groups), CHUNK):
        FoundCase.objects.filter(group__in=groups[start : start + CHUNK]).delete()
    FoundCase.objects.bulk_create(rows, batch_size=1000)


SUPPORT_FIELDS = (
    "pk",
    "household_id",
    "kind",
    "year",
    "date",
    "amount",
    "funding_program",
    "project_id",
    "subproject_id",
    "scheme",
)


def _overlap_rows(
    supports: list[HouseholdSupport], units: dict[int, int], once_only: set[str], norms
) -> list[FoundCase]:
    rows = []
    for case in selectors.household_overlap_cases(supports, once_only=once_only, norms=norms):
        household_id = case.records[0].obj.household_id
        rows.append(
            FoundCase(
                key=case.key,
                case_type=case.case_type,
                group=f"h:{household_id}",
                unit_id=units[household_id],
                kind=case.kind,
                year=case.year,
                years="," + ",".join(str(y) for y in sorted({r.obj.year for r in case.records})) + ",",
                signature=case.signature,
                excess=case.excess,
            )
        )
    return rows


def refresh_overlaps(households: dict[int, int]) -> None:
    """Recompute the support overlaps of these households (pk → unit pk)."""
    ids = sorted(households)
    once_only = selectors.once_only_kinds()
    norms: dict = {}

    def norms_once() -> dict:  # read once, and only when there is a case
        if "table" not in norms:
            norms["table"] = selectors.support_norms()
        return norms["table"]

    rows = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        supports = list(HouseholdSupport.objects.filter(household_id__in=chunk).only(*SUPPORT_FIELDS).order_by())
        rows += _overlap_rows(supports, households, once_only, norms_once)
    _replace([f"h:{pk}" for pk in ids], rows)


def _duplicate_rows(case_type: str, group: str, clusters: list[list[dict]]) -> list[FoundCase]:
    rows = []
    for cluster in clusters:
        members = sorted(cluster, key=lambda m: m["pk"])
        case = selectors.Case(
            key=f"{case_type}:{'-'.join(str(m['pk']) for m in members)}",
            case_type=case_type,
            unit=None,
            title="",
            records=[selectors.CaseRecord(obj=_Pk(m["pk"])) for m in members],
        )
        rows.append(
            FoundCase(
                key=case.key,
                case_type=case_type,
                group=group,
                unit_id=members[0]["unit_id"],
                signature=case.signature,
            )
        )
    return rows


class _Pk:
    __slots__ = ("pk",)

    def __init__(self, pk):
        self.pk = pk


MEMBER_FIELDS = ("pk", "name_key", "unit_id", "unit__level", "unit__parent_id")


def _members(model, communes: set[int], keys: set[str], extra: tuple = ()):
    in_communes = Q(unit_id__in=communes) | Q(unit__parent_id__in=communes, unit__level=Level.VILLAGE)
    return model.objects.filter(in_communes, name_key__in=keys).values(*MEMBER_FIELDS, *extra).order_by()


def refresh_household_names(names: set[tuple[int, str]]) -> None:
    """Recompute the household duplicates of these (commune pk, name key) groups."""
    groups = {household_group(c, k): (c, k) for c, k in names}
    _lock_groups(groups)
    found: dict[str, list[dict]] = defaultdict(list)
    items = sorted(names)
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        for row in _members(Household, {c for c, _k in chunk}, {k for _c, k in chunk}):
            group = household_group(selectors.commune_of_row(row), row["name_key"])
            if group in groups:
                found[group].append(row)
    rows = []
    for group, members in found.items():
        if len(members) > 1:
            rows += _duplicate_rows(CaseType.HOUSEHOLD_DUPLICATE, group, selectors.duplicate_clusters(members))
    _replace(sorted(groups), rows)


def refresh_person_names(names: set[tuple[int, int, str]]) -> None:
    """Recompute the prestigious-person duplicates of these (commune pk, birth year, name key) groups."""
    groups = {person_group(c, y, k): (c, y, k) for c, y, k in names}
    _lock_groups(groups)
    found: dict[str, list[dict]] = defaultdict(list)
    items = sorted(names)
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        rows = _members(PrestigiousPerson, {c for c, _y, _k in chunk}, {k for _c, _y, k in chunk}, ("birth_year",))
        for row in rows.filter(birth_year__in={y for _c, y, _k in chunk}):
            group = person_group(selectors.commune_of_row(row), row["birth_year"], row["name_key"])
            if group in groups:
                found[group].append(row)
    rows = []
    for group, members in found.items():
        if len(members) > 1:
            rows += _duplicate_rows(CaseType.PERSON_DUPLICATE, group, selectors.duplicate_clusters(members))
    _replace(sorted(groups), rows)


# --- Rebuilding from the raw rows ------------------------------------------------------------------


def _source_text():
    """A support's source as one text, its scheme as typed: two sources that differ here may still be one after
    case folding (Python decides), never the reverse, so the SQL candidates are a superset of the cases."""
    return Concat(
        "funding_program",
        Value("|"),
        Coalesce(Cast("project_id", CharField()), Value("")),
        Value("|"),
        Coalesce(Cast("subproject_id", CharField()), Value("")),
        Value("|"),
        "scheme",
        output_field=CharField(),
    )


def overlap_candidates(kinds: set[str] | None = None) -> set[int]:
    """Households that may have a support overlap (of `kinds`, default every kind), found in SQL: two supports
    of a once-only kind, or two sources (scheme as typed) of another kind in one year."""
    once_only = selectors.once_only_kinds()
    supports = HouseholdSupport.objects.all()
    if kinds is not None:
        supports = supports.filter(kind__in=kinds)
    once = (
        supports.filter(kind__in=once_only)
        .values("household_id", "kind")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .values_list("household_id", flat=True)
        .order_by()
    )
    other = (
        supports.exclude(kind__in=once_only)
        .values("household_id", "kind", "year")
        .annotate(sources=Count(_source_text(), distinct=True))
        .filter(sources__gte=2)
        .values_list("household_id", flat=True)
        .order_by()
    )
    return set(once) | set(other)


def _units_of(household_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(household_ids)
    units: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK * 5):
        units.update(Household.objects.filter(pk__in=ids[start : start + CHUNK * 5]).values_list("pk", "unit_id"))
    return units


def _name_candidates(model, extra: tuple = ()) -> list[tuple]:
    """(commune pk, *extra, name key) of the names that appear twice in one commune."""
    from django.db.models import Case, F, When

    commune = Case(When(unit__level=Level.VILLAGE, then=F("unit__parent_id")), default=F("unit_id"))
    rows = (
        model.objects.annotate(commune=commune)
        .values("commune", *extra, "name_key")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .values_list("commune", *extra, "name_key")
        .order_by()
    )
    return list(rows)


def rebuild_all() -> dict:
    """Every case recomputed from the raw rows (after a bulk load). Returns the count of each type."""
    FoundCase.objects.all().delete()
    refresh_overlaps(_units_of(overlap_candidates()))
    refresh_household_names(set(_name_candidates(Household)))
    refresh_person_names(set(_name_candidates(PrestigiousPerson, ("birth_year",))))
    return dict(FoundCase.objects.values_list("case_type").annotate(n=Count("pk")).order_by())


def refresh_kind(kind: str) -> None:
    """The overlaps of one kind of support again (its once-only rule or one of its norms changed): the
    households that may have one now, and those that had one."""
    had = FoundCase.objects.filter(case_type=CaseType.SUPPORT_OVERLAP, kind=kind).values_list("group", flat=True)
    households = overlap_candidates({kind}) | {int(group[2:]) for group in had}
    if households:
        refresh_overlaps(_units_of(households))


# --- Reference data: the once-only rules and the norms ----------------------------------------------


@receiver(pre_save, sender=HouseholdSupportKindRule)
@receiver(pre_save, sender=HouseholdSupportNorm)
def _remember(sender, instance, **kwargs):
    old = sender.objects.filter(pk=instance.pk).values().first() if instance.pk else None
    instance._found_cases_before = old


@receiver(post_save, sender=HouseholdSupportKindRule)
@receiver(post_save, sender=HouseholdSupportNorm)
def _reference_saved(sender, instance, **kwargs):
    before = getattr(instance, "_found_cases_before", None)
    now = {f.attname: getattr(instance, f.attname) for f in sender._meta.concrete_fields}
    if before == now:
        return  # saved unchanged (load_reference_data saves every row)
    kinds = {instance.kind} | ({before["kind"]} if before else set())
    for kind in sorted(kinds):
        refresh_kind(kind)


@receiver(post_delete, sender=HouseholdSupportKindRule)
@receiver(post_delete, sender=HouseholdSupportNorm)
def _reference_deleted(sender, instance, **kwargs):
    refresh_kind(instance.kind)
