"""The overlap and duplicate review as it was computed before issue 8 (every support and household of the scope
read into Python on each call), kept verbatim as the reference that the maintained table of cases
(beneficiaries/cases.py) and the selectors reading it must equal, case for case."""

from collections import defaultdict

from django.db.models import Count

from beneficiaries.choices import CaseType
from beneficiaries.models import (
    CaseReview,
    Household,
    HouseholdSupport,
    HouseholdSupportKindRule,
    HouseholdSupportNorm,
    PrestigiousPerson,
)
from beneficiaries.selectors import Case, CaseRecord
from geography.models import AdministrativeUnit, Level


def _commune_of(unit_id: int, level: str, parent_id: int | None) -> int:
    return parent_id if level == Level.VILLAGE else unit_id


def _source(support: HouseholdSupport) -> tuple:
    return (support.funding_program, support.project_id, support.subproject_id, support.scheme.casefold())


def _overlap_case(records: list[HouseholdSupport], *, once_only: bool, year: int | None, norms: dict) -> Case:
    household = records[0].household
    case = Case(
        key=f"{CaseType.SUPPORT_OVERLAP}:{household.pk}:{records[0].kind}:{year if year is not None else '-'}",
        case_type=CaseType.SUPPORT_OVERLAP,
        unit=household.unit,
        title=household.head_name,
        kind=records[0].kind,
        year=year,
        once_only=once_only,
    )
    for support in sorted(records, key=lambda s: (s.year, s.date, s.pk)):
        norm = norms.get((support.kind, support.funding_program))
        case.records.append(CaseRecord(obj=support, amount=support.amount, norm=norm, rate=norm or support.amount))
    if once_only:
        best = max(case.records, key=lambda r: (r.rate, r.amount, -r.obj.date.toordinal(), -r.obj.pk))
        best.stands = True
        case.excess = sum(r.amount for r in case.records if not r.stands)
    return case


def support_overlap_cases(*, user, year: int | None = None, unit: AdministrativeUnit | None = None) -> list[Case]:
    supports = HouseholdSupport.objects.for_user(user)
    if unit is not None:
        supports = supports.filter(household__unit__path__startswith=unit.path)
    once_only = set(HouseholdSupportKindRule.objects.filter(once_only=True).values_list("kind", flat=True))
    norms = {(n.kind, n.funding_program): n.amount for n in HouseholdSupportNorm.objects.all()}
    pairs = {
        (row["household_id"], row["kind"])
        for row in supports.values("household_id", "kind").annotate(n=Count("pk")).filter(n__gte=2).order_by()
    }
    households = sorted({household_id for household_id, _kind in pairs})
    grouped: dict[tuple, list[HouseholdSupport]] = defaultdict(list)
    for start in range(0, len(households), 2000):
        chunk = supports.filter(household_id__in=households[start : start + 2000]).select_related(
            "household", "household__unit", "household__unit__parent", "project", "subproject"
        )
        for support in chunk:
            if (support.household_id, support.kind) in pairs:
                grouped[(support.household_id, support.kind)].append(support)
    cases = []
    for (_household_id, kind), records in grouped.items():
        if kind in once_only:
            if year is None or any(r.year == year for r in records):
                cases.append(_overlap_case(records, once_only=True, year=None, norms=norms))
            continue
        by_year: dict[int, list[HouseholdSupport]] = defaultdict(list)
        for record in records:
            by_year[record.year].append(record)
        for record_year, rows in by_year.items():
            if (year is None or record_year == year) and len({_source(r) for r in rows}) > 1:
                cases.append(_overlap_case(rows, once_only=False, year=record_year, norms=norms))
    return cases


def _clusters(rows: list[dict]) -> list[list[dict]]:
    by_commune: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_commune[_commune_of(row["unit_id"], row["unit__level"], row["unit__parent_id"])].append(row)
    clusters = []
    for members in by_commune.values():
        if len(members) < 2:
            continue
        if any(m["unit__level"] != Level.VILLAGE for m in members):
            clusters.append(members)
            continue
        by_village: dict[int, list[dict]] = defaultdict(list)
        for member in members:
            by_village[member["unit_id"]].append(member)
        clusters.extend(group for group in by_village.values() if len(group) > 1)
    return clusters


def _duplicate_case(case_type: str, objects: list, title: str) -> Case:
    objects = sorted(objects, key=lambda o: o.pk)
    return Case(
        key=f"{case_type}:{'-'.join(str(o.pk) for o in objects)}",
        case_type=case_type,
        unit=objects[0].unit,
        title=title,
        records=[CaseRecord(obj=o) for o in objects],
    )


def household_duplicate_cases(*, user, unit: AdministrativeUnit | None = None) -> list[Case]:
    households = Household.objects.for_user(user)
    if unit is not None:
        households = households.filter(unit__path__startswith=unit.path)
    rows = list(households.values("pk", "name_key", "head_id_number", "unit_id", "unit__level", "unit__parent_id"))
    groups: list[set[int]] = []
    by_id: dict[str, list[int]] = defaultdict(list)
    by_name: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_id[row["head_id_number"]].append(row["pk"])
        by_name[row["name_key"]].append(row)
    groups += [set(pks) for pks in by_id.values() if len(pks) > 1]
    for members in by_name.values():
        if len(members) > 1:
            groups += [{m["pk"] for m in cluster} for cluster in _clusters(members)]
    return _build_duplicates(groups, Household, CaseType.HOUSEHOLD_DUPLICATE, lambda h: h.head_name)


def person_duplicate_cases(*, user, unit: AdministrativeUnit | None = None) -> list[Case]:
    persons = PrestigiousPerson.objects.for_user(user)
    if unit is not None:
        persons = persons.filter(unit__path__startswith=unit.path)
    rows = list(persons.values("pk", "name_key", "birth_year", "unit_id", "unit__level", "unit__parent_id"))
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        by_key[(row["name_key"], row["birth_year"])].append(row)
    groups = []
    for members in by_key.values():
        if len(members) > 1:
            groups += [{m["pk"] for m in cluster} for cluster in _clusters(members)]
    return _build_duplicates(groups, PrestigiousPerson, CaseType.PERSON_DUPLICATE, lambda p: p.full_name)


def _build_duplicates(groups: list[set[int]], model, case_type: str, title) -> list[Case]:
    unique = {tuple(sorted(group)) for group in groups}
    objects = model.objects.select_related("unit", "unit__parent", "ethnic_group").in_bulk(
        [pk for group in unique for pk in group]
    )
    return [
        _duplicate_case(case_type, [objects[pk] for pk in group], title(objects[group[0]])) for group in sorted(unique)
    ]


def cases(*, user, case_type: str | None = None, year: int | None = None, reviewed: bool | None = None) -> list[Case]:
    found: list[Case] = []
    if case_type in (None, CaseType.SUPPORT_OVERLAP):
        found += support_overlap_cases(user=user, year=year)
    if case_type in (None, CaseType.HOUSEHOLD_DUPLICATE):
        found += household_duplicate_cases(user=user)
    if case_type in (None, CaseType.PERSON_DUPLICATE):
        found += person_duplicate_cases(user=user)
    reviews = {
        r.case_key: r
        for r in CaseReview.objects.for_user(user)
        .select_related("reviewed_by")
        .filter(case_key__in=[c.key for c in found])
    }
    for case in found:
        case.review = reviews.get(case.key)
    if reviewed is not None:
        found = [c for c in found if (c.reviewed and not c.changed_since_review) == reviewed]
    order = {CaseType.SUPPORT_OVERLAP: 0, CaseType.HOUSEHOLD_DUPLICATE: 1, CaseType.PERSON_DUPLICATE: 2}
    found.sort(key=lambda c: (c.reviewed and not c.changed_since_review, order[c.case_type], c.unit.path, c.key))
    return found


def snapshot(found: list[Case]) -> list[tuple]:
    """What a list of cases shows, comparable across implementations: key, type, unit, title, kind, year, the
    records (pk, amount, norm, rate, stands), excess, signature, review state."""
    return [
        (
            c.key,
            c.case_type,
            c.unit.pk,
            c.title,
            c.kind,
            c.year,
            c.once_only,
            [(r.obj.pk, r.amount, r.norm, r.rate, r.stands) for r in c.records],
            c.excess,
            c.signature,
            c.review.pk if c.review else None,
            c.changed_since_review,
        )
        for c in found
    ]
