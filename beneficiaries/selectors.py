"""Reads of the beneficiaries app. Every function that returns program data takes the user and starts from
`for_user`: lists, counts, the overlap and duplicate cases, and the figures the report quotes.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case as DbCase
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Collate

from geography.models import NATION_CODE, AdministrativeUnit, Level
from programs.models import Project, SubProject

from .choices import ActivityKind, CaseType, FundedBy, FundingProgram, HouseholdSupportKind, PovertyStatus, SupportKind
from .models import (
    CaseReview,
    FoundCase,
    Household,
    HouseholdSupport,
    HouseholdSupportKindRule,
    HouseholdSupportNorm,
    HouseholdSupportTotal,
    HouseholdTotal,
    HouseholdYearTotal,
    PrestigiousPerson,
    ProgramActivity,
    SupportActivity,
    TrainingCourse,
)

# --- Lists ------------------------------------------------------------------------------------------


def person_list(*, user):
    return PrestigiousPerson.objects.for_user(user).select_related("unit", "unit__parent", "ethnic_group")


def support_list(*, user):
    return SupportActivity.objects.for_user(user).select_related(
        "person", "person__unit", "person__unit__parent", "regime", "training_course"
    )


def course_list(*, user):
    return TrainingCourse.objects.for_user(user).select_related("unit").annotate(participant_count=Count("attendances"))


def household_list(*, user):
    return Household.objects.for_user(user).select_related("unit", "unit__parent", "ethnic_group")


def household_support_list(*, user):
    return HouseholdSupport.objects.for_user(user).select_related(
        "household", "household__unit", "household__unit__parent", "project", "subproject"
    )


def activity_list(*, user):
    return ProgramActivity.objects.for_user(user).select_related("unit", "project", "subproject")


# --- Counts for the lists (by ethnic group, commune, status, kind, year) ------------------------------


def _commune_of(unit_id: int, level: str, parent_id: int | None) -> int:
    return parent_id if level == Level.VILLAGE else unit_id


def counts_by_commune(
    queryset, unit_lookup: str = "unit", limit: int | None = None
) -> list[tuple[AdministrativeUnit, int]]:
    """Rows per commune (a village's rows count for its commune), largest first (then by the commune's path);
    the first `limit` of them."""
    counter: Counter = Counter()
    for unit_id, level, parent_id, n in (
        queryset.values_list(unit_lookup, f"{unit_lookup}__level", f"{unit_lookup}__parent")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counter[_commune_of(unit_id, level, parent_id)] += n
    return _communes_ranked(counter, limit)


def _communes_ranked(counter: Counter, limit: int | None = None) -> list[tuple[AdministrativeUnit, int]]:
    items = [(pk, n) for pk, n in counter.items() if n]
    if limit is not None and len(items) > limit:  # only the communes that can be among the first (ties included)
        cutoff = sorted((n for _pk, n in items), reverse=True)[limit - 1]
        items = [(pk, n) for pk, n in items if n >= cutoff]
    units = AdministrativeUnit.objects.select_related("parent").in_bulk([pk for pk, _n in items])
    ranked = sorted(((units[pk], n) for pk, n in items if pk in units), key=lambda r: (-r[1], r[0].path))
    return ranked[:limit] if limit is not None else ranked


def counts_by(queryset, field_name: str, choices=None) -> list[tuple[str, str, int]]:
    """(value, label, count) of a field, largest first; labels from `choices` or the related row's name."""
    rows = queryset.values_list(field_name).annotate(n=Count("pk")).order_by("-n", field_name)
    labels = dict(choices) if choices is not None else {}
    return [(value, str(labels.get(value, value)), n) for value, n in rows]


def counts_by_ethnic_group(queryset) -> list[tuple[str, str, int]]:
    rows = (
        queryset.values_list("ethnic_group__code", "ethnic_group__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "ethnic_group__code")
    )
    return [(code, name, n) for code, name, n in rows]


def amount_total(queryset) -> int:
    return queryset.aggregate(total=Sum("amount"))["total"] or 0


# --- The lists' figures from the running totals (beneficiaries/totals.py) -----------------------------


def _totals_in_unit(rows, code: str | None):
    """`rows` of a totals table narrowed as UnitCodeFilter narrows the raw rows; None where the totals cannot
    answer (a village: the totals are by commune)."""
    if not code or code.strip().upper() == NATION_CODE:
        return rows
    units = list(AdministrativeUnit.objects.filter(code=code.strip()).values_list("path", "level"))
    if any(level == Level.VILLAGE for _path, level in units):
        return None
    condition = Q(pk__in=[])
    for path, _level in units:
        condition |= Q(commune__path__startswith=path)
    return rows.filter(condition)


def _household_totals(user, filters: dict):
    if filters.get("q") or filters.get("poverty_year") is not None:
        return None
    rows = _totals_in_unit(HouseholdTotal.objects.for_user(user), filters.get("unit"))
    if rows is None:
        return None
    if filters.get("ethnic_group"):
        rows = rows.filter(ethnic_group__code=filters["ethnic_group"])
    if filters.get("poverty_status"):
        rows = rows.filter(poverty_status=filters["poverty_status"])
    return rows


def household_count(*, user, filters: dict) -> int | None:
    """How many households the list holds, from the running totals (None: the filters need the rows)."""
    rows = _household_totals(user, filters)
    return None if rows is None else rows.aggregate(n=Sum("households"))["n"] or 0


def household_figures(*, user, filters: dict) -> dict | None:
    """The household list's figures (count, members, by ethnic group, commune and status) from the running
    totals, for the filters they hold (unit down to a commune, ethnic group, status); None for the others (a
    name, a classification year, a village): the list then counts its rows."""
    rows = _household_totals(user, filters)
    if rows is None:
        return None
    # One read of the cells (ethnic group × status, a few hundred at most), summed here both ways.
    statuses: Counter = Counter()
    groups: Counter = Counter()
    names = {}
    members = 0
    for code, name, status, n, m in (
        rows.values_list("ethnic_group__code", "ethnic_group__name", "poverty_status")
        .annotate(n=Sum("households"), m=Sum("members"))
        .order_by()
    ):
        if n:
            statuses[status] += n
            groups[code] += n
            names[code] = name
            members += m
    labels = dict(PovertyStatus.choices)
    communes = Counter(dict(rows.values_list("commune").annotate(n=Sum("households")).filter(n__gt=0).order_by()))
    return {
        "count": sum(statuses.values()),
        "members": members,
        "by_status": [(v, str(labels.get(v, v)), n) for v, n in _largest_first(statuses)],
        "by_ethnic_group": [(code, names[code], n) for code, n in _largest_first(groups)][:12],
        "by_commune": _communes_ranked(communes, 12),
    }


def _largest_first(counter: Counter) -> list[tuple]:
    """(value, count), largest first, then by value: the order of counts_by's ORDER BY -n, value."""
    return sorted(((value, n) for value, n in counter.items() if n), key=lambda r: (-r[1], r[0]))


SUPPORT_KEY_FILTERS = ("project", "subproject", "year", "kind", "funding_program")


def _support_totals(user, filters: dict):
    if filters.get("household") is not None:
        return None
    rows = _totals_in_unit(HouseholdSupportTotal.objects.for_user(user), filters.get("unit"))
    if rows is None:
        return None
    for name, model in (("project", Project), ("subproject", SubProject)):
        if filters.get(name):
            codes = model.objects.filter(code=filters[name]).values_list("pk", flat=True)
            rows = rows.filter(**{f"{name}_key__in": list(codes)})
    for name in ("year", "kind", "funding_program"):
        if filters.get(name) not in (None, ""):
            rows = rows.filter(**{name: filters[name]})
    return rows


def household_support_count(*, user, filters: dict) -> int | None:
    """How many supports the list holds, from the running totals (None: the filters need the rows)."""
    rows = _support_totals(user, filters)
    return None if rows is None else rows.aggregate(n=Sum("supports"))["n"] or 0


def household_support_figures(*, user, filters: dict) -> dict | None:
    """The support list's figures (count, amount, by kind, program and year, households supported) from the
    running totals, for the filters they hold; None for the others (one household, a village). Households
    supported come from the totals when only the place (and a year) is chosen; else None: the rows count them."""
    rows = _support_totals(user, filters)
    if rows is None:
        return None
    narrowed = any(filters.get(name) not in (None, "") for name in SUPPORT_KEY_FILTERS)
    # One read of the cells (year × kind × program, a hundred or so), summed here three ways.
    years: Counter = Counter()
    kinds: Counter = Counter()
    programs: Counter = Counter()
    amount = 0
    for year, kind, program, n, total in (
        rows.values_list("year", "kind", "funding_program").annotate(n=Sum("supports"), total=Sum("amount")).order_by()
    ):
        if n:
            years[year] += n
            kinds[kind] += n
            programs[program] += n
            amount += total
    kind_labels, program_labels = dict(HouseholdSupportKind.choices), dict(FundingProgram.choices)
    figures = {
        "count": sum(years.values()),
        "total": amount,
        "by_kind": [(v, str(kind_labels.get(v, v)), n) for v, n in _largest_first(kinds)],
        "by_program": [(v, str(program_labels.get(v, v)), n) for v, n in _largest_first(programs)],
        "by_year": [(year, str(year), n) for year, n in sorted(years.items(), reverse=True) if n],
        "households": None,
    }
    if not narrowed:
        households = _totals_in_unit(HouseholdTotal.objects.for_user(user), filters.get("unit"))
        figures["households"] = households.aggregate(n=Sum("supported"))["n"] or 0
    elif filters.get("year") is not None and not any(
        filters.get(name) for name in SUPPORT_KEY_FILTERS if name != "year"
    ):
        households = _totals_in_unit(HouseholdYearTotal.objects.for_user(user), filters.get("unit"))
        figures["households"] = households.filter(year=filters["year"]).aggregate(n=Sum("households"))["n"] or 0
    return figures


# --- Overlaps of household support -------------------------------------------------------------------


def overlap_ids(supports) -> dict[int, list[int]]:
    """For each support: the ids of the other supports of the same kind to the same household in the same
    year, from any project or program (the API's `overlaps`). One query for a page of supports."""
    supports = list(supports)
    if not supports:
        return {}
    households = {s.household_id for s in supports}
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, household_id, kind, year in (
        HouseholdSupport.objects.filter(household_id__in=households)
        .values_list("pk", "household_id", "kind", "year")
        .order_by("pk")
    ):
        groups[(household_id, kind, year)].append(pk)
    return {s.pk: [pk for pk in groups[(s.household_id, s.kind, s.year)] if pk != s.pk] for s in supports}


@dataclass
class CaseRecord:
    """One record of a case, with the rate the policy gives it and whether it is the one that stands."""

    obj: object
    amount: int | None = None
    rate: int | None = None
    norm: int | None = None
    stands: bool = False


@dataclass
class Case:
    key: str
    case_type: str
    unit: AdministrativeUnit
    title: str
    records: list[CaseRecord] = field(default_factory=list)
    kind: str = ""
    year: int | None = None
    once_only: bool = False
    excess: int = 0
    review: CaseReview | None = None

    @property
    def signature(self) -> str:
        return "|".join(f"{r.obj.pk}:{r.amount if r.amount is not None else ''}" for r in self.records)[:1000]

    @property
    def standing(self) -> CaseRecord | None:
        return next((r for r in self.records if r.stands), None)

    @property
    def reviewed(self) -> bool:
        return self.review is not None

    @property
    def changed_since_review(self) -> bool:
        return self.review is not None and self.review.signature != self.signature

    @property
    def type_label(self) -> str:
        return str(CaseType(self.case_type).label)

    @property
    def kind_label(self) -> str:
        from .choices import HouseholdSupportKind

        return str(HouseholdSupportKind(self.kind).label) if self.kind in HouseholdSupportKind.values else ""


def _source(support: HouseholdSupport) -> tuple:
    return (support.funding_program, support.project_id, support.subproject_id, support.scheme.casefold())


def once_only_kinds() -> set[str]:
    """The kinds of household support given once only, at the highest rate (the rules table)."""
    return set(HouseholdSupportKindRule.objects.filter(once_only=True).values_list("kind", flat=True))


def support_norms() -> dict:
    """(kind, funding program) → the norm in đồng per household."""
    return {(n.kind, n.funding_program): n.amount for n in HouseholdSupportNorm.objects.all()}


def _overlap_case(
    records: list[HouseholdSupport], *, once_only: bool, year: int | None, norms: dict, household=None
) -> Case:
    """One case from its records. `household` (with its unit) names it on a page; without it (cases.py keeping
    the table) the case has its key, records, signature and excess only."""
    case = Case(
        key=f"{CaseType.SUPPORT_OVERLAP}:{records[0].household_id}:{records[0].kind}:{year if year is not None else '-'}",
        case_type=CaseType.SUPPORT_OVERLAP,
        unit=household.unit if household is not None else None,
        title=household.head_name if household is not None else "",
        kind=records[0].kind,
        year=year,
        once_only=once_only,
    )
    for support in sorted(records, key=lambda s: (s.year, s.date, s.pk)):
        norm = norms.get((support.kind, support.funding_program))
        # The rate of a support is its program's norm; where the norms table has none, what was paid.
        case.records.append(CaseRecord(obj=support, amount=support.amount, norm=norm, rate=norm or support.amount))
    if once_only:
        # "Once, at the highest rate": the record of the highest rate stands (then the larger amount, then the
        # earlier one); the others are the excess.
        best = max(case.records, key=lambda r: (r.rate, r.amount, -r.obj.date.toordinal(), -r.obj.pk))
        best.stands = True
        case.excess = sum(r.amount for r in case.records if not r.stands)
    return case


def household_overlap_cases(
    supports, *, once_only: set[str], norms, year: int | None = None, named: bool = False
) -> list[Case]:
    """The support overlaps among `supports`, which hold every support of their households:

    * kinds given once only (the rules table): two or more records in any years — one case per household and
      kind, saying which record stands (the highest rate) and the excess (the sum of the others);
    * other kinds: the same year, from more than one project, sub-project or program.

    `norms` is the norms table or a function giving it (read only when there is a case). `year`: the cases of
    that year (a once-only case with a record in it). `named`: each support's household (with its unit) is loaded
    and names the case."""
    grouped: dict[tuple, list[HouseholdSupport]] = defaultdict(list)
    for support in supports:
        grouped[(support.household_id, support.kind)].append(support)
    found = []
    table = None
    for (_household_id, kind), records in grouped.items():
        if len(records) < 2:
            continue
        if kind in once_only:
            groups = [(None, records)] if year is None or any(r.year == year for r in records) else []
        else:
            by_year: dict[int, list[HouseholdSupport]] = defaultdict(list)
            for record in records:
                by_year[record.year].append(record)
            groups = [
                (record_year, rows)
                for record_year, rows in by_year.items()
                if (year is None or record_year == year) and len({_source(r) for r in rows}) > 1
            ]
        for case_year, rows in groups:
            if table is None:
                table = norms() if callable(norms) else norms
            household = rows[0].household if named else None
            found.append(
                _overlap_case(rows, once_only=kind in once_only, year=case_year, norms=table, household=household)
            )
    return found


def support_overlap_cases(
    *, user, year: int | None = None, unit: AdministrativeUnit | None = None, household: Household | None = None
) -> list[Case]:
    """Every household that received the same kind of support more than once where that is a case to review
    (household_overlap_cases). Of one household (its page): computed from its supports."""
    if household is not None:
        supports = (
            HouseholdSupport.objects.for_user(user)
            .filter(household=household)
            .select_related("household", "household__unit", "household__unit__parent", "project", "subproject")
        )
        return household_overlap_cases(
            supports, once_only=once_only_kinds(), norms=support_norms, year=year, named=True
        )
    rows = case_rows(user=user, case_type=CaseType.SUPPORT_OVERLAP, year=year)
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    return materialize(rows, user=user, year=year, reviews=False)


# --- Records entered twice ---------------------------------------------------------------------------


def commune_of_row(row: dict) -> int:
    return _commune_of(row["unit_id"], row["unit__level"], row["unit__parent_id"])


def duplicate_clusters(rows: list[dict]) -> list[list[dict]]:
    """Rows with the same key (name…) in one commune: the same village, or one of them recorded at the
    commune itself (it may be any of its villages). Two namesakes in two different villages are not a case."""
    by_commune: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_commune[commune_of_row(row)].append(row)
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
    """Households entered twice: the same head's name in the same village (or one at the commune). The same ID
    number twice cannot be stored (household_id_number_unique)."""
    rows = case_rows(user=user, case_type=CaseType.HOUSEHOLD_DUPLICATE)
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    return materialize(rows, user=user, reviews=False)


def person_duplicate_cases(*, user, unit: AdministrativeUnit | None = None) -> list[Case]:
    """Prestigious persons entered twice: the same name and birth year in the same village (one may be
    recorded at the commune). The service refuses the exact twin; these are the near ones."""
    rows = case_rows(user=user, case_type=CaseType.PERSON_DUPLICATE)
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    return materialize(rows, user=user, reviews=False)


# --- The cases to review, from the table kept by beneficiaries/cases.py -------------------------------


def _ordered(expression):
    """Sorted by code point, as Python sorts the keys and paths (PostgreSQL's database collation may not)."""
    return Collate(expression, "C") if connection.vendor == "postgresql" else expression


def case_rows(*, user, case_type: str | None = None, year: int | None = None, reviewed: bool | None = None):
    """The FoundCase rows the user may see, with `settled` (reviewed and unchanged since), in the review page's
    order: open cases first, then by type, unit and key. `year` narrows the support overlaps (a once-only case:
    one of its records in that year); duplicates have no year."""
    settled = Exists(
        CaseReview.objects.for_user(user).filter(case_key=OuterRef("key"), signature=OuterRef("signature"))
    )
    rows = FoundCase.objects.for_user(user).annotate(settled=settled)
    if case_type is not None:
        rows = rows.filter(case_type=case_type)
    if year is not None:
        rows = rows.filter(
            ~Q(case_type=CaseType.SUPPORT_OVERLAP) | Q(year=year) | Q(year__isnull=True, years__contains=f",{year},")
        )
    if reviewed is not None:  # "reviewed" means reviewed and unchanged since; a changed case is open again
        rows = rows.filter(settled=reviewed)
    order = DbCase(
        *[When(case_type=value, then=Value(n)) for n, value in enumerate(CASE_ORDER)], output_field=IntegerField()
    )
    return rows.order_by("settled", order, _ordered(F("unit__path")), _ordered(F("key")))


CASE_ORDER = [CaseType.SUPPORT_OVERLAP, CaseType.HOUSEHOLD_DUPLICATE, CaseType.PERSON_DUPLICATE]


def case_totals(rows) -> dict:
    """How many cases, how many open (not reviewed, or changed since), and the excess they add up to."""
    totals = rows.order_by().aggregate(
        count=Count("pk"), open=Count("pk", filter=Q(settled=False)), excess=Sum("excess")
    )
    return {"count": totals["count"], "open": totals["open"], "excess": totals["excess"] or 0}


def open_case_count(*, user) -> int:
    """The dashboard's "N cases to review": one count over the table."""
    return case_rows(user=user, reviewed=False).order_by().count()


def materialize(rows, *, user, year: int | None = None, reviews: bool = True) -> list[Case]:
    """The cases of these FoundCase rows, in their order, with their records read from the raw rows (a few
    queries whatever their number): a household's supports, the households or persons of a duplicate."""
    rows = list(rows)
    households = sorted({int(r.group[2:]) for r in rows if r.case_type == CaseType.SUPPORT_OVERLAP})
    found: dict[str, Case] = {}
    if households:
        supports = (
            HouseholdSupport.objects.for_user(user)
            .filter(household_id__in=households)
            .select_related("household", "household__unit", "household__unit__parent", "project", "subproject")
        )
        for case in household_overlap_cases(
            supports, once_only=once_only_kinds(), norms=support_norms, year=year, named=True
        ):
            found[case.key] = case
    for case_type, model, title in (
        (CaseType.HOUSEHOLD_DUPLICATE, Household, lambda h: h.head_name),
        (CaseType.PERSON_DUPLICATE, PrestigiousPerson, lambda p: p.full_name),
    ):
        groups = [[int(pk) for pk in r.key.split(":", 1)[1].split("-")] for r in rows if r.case_type == case_type]
        if not groups:
            continue
        objects = model.objects.select_related("unit", "unit__parent", "ethnic_group").in_bulk(
            [pk for group in groups for pk in group]
        )
        for group in groups:
            if all(pk in objects for pk in group):
                case = _duplicate_case(case_type, [objects[pk] for pk in group], title(objects[group[0]]))
                found[case.key] = case
    result = [found[r.key] for r in rows if r.key in found]
    if reviews and result:
        by_key = {
            r.case_key: r
            for r in CaseReview.objects.for_user(user)
            .select_related("reviewed_by")
            .filter(case_key__in=[c.key for c in result])
        }
        for case in result:
            case.review = by_key.get(case.key)
    return result


def cases(*, user, case_type: str | None = None, year: int | None = None, reviewed: bool | None = None) -> list[Case]:
    """Every overlap and duplicate case the user may see, with its review (if any), open cases first."""
    return materialize(case_rows(user=user, case_type=case_type, year=year, reviewed=reviewed), user=user, year=year)


def case_get(*, user, key: str) -> Case | None:
    """One case by its key, if the user may see it (and it still exists)."""
    case_type = key.split(":", 1)[0]
    if case_type not in CaseType.values:
        return None
    found = materialize(case_rows(user=user, case_type=case_type).filter(key=key)[:1], user=user)
    return found[0] if found else None


# --- The figures the report quotes -------------------------------------------------------------------


def _year_end(year: int, as_of: datetime.date | None) -> datetime.date:
    end = datetime.date(year, 12, 31)
    return min(as_of, end) if as_of else end


def person_support_summary(*, user, unit: AdministrativeUnit, year: int, as_of: datetime.date | None = None) -> dict:
    """Prestigious persons of `unit` (and below) helped in `year` up to `as_of`: persons visited at Tết by who
    paid, visits when ill, condolences, disaster support, training courses."""
    end = _year_end(year, as_of)
    supports = SupportActivity.objects.for_user_within(user, unit).filter(
        date__gte=datetime.date(year, 1, 1), date__lte=end
    )
    by_kind = {
        row["kind"]: row
        for row in supports.values("kind")
        .annotate(n=Count("pk"), persons=Count("person", distinct=True), amount=Sum("amount"))
        .order_by()
    }
    tet_by_funder = dict(
        supports.filter(kind=SupportKind.TET_VISIT)
        .values_list("funded_by")
        .annotate(persons=Count("person", distinct=True))
        .order_by()
    )
    courses = TrainingCourse.objects.for_user(user).filter(
        unit__path__startswith=unit.path, start_date__gte=datetime.date(year, 1, 1), start_date__lte=end
    )
    persons = PrestigiousPerson.objects.for_user_within(user, unit)
    return {
        "unit": unit,
        "year": year,
        "as_of": end,
        "persons_on_list": persons.filter(term_start__lte=year, term_end__gte=year)
        .exclude(status_date__lt=datetime.date(year, 1, 1))
        .count(),
        "tet_persons_by_funder": [
            (value, str(label), tet_by_funder.get(value, 0)) for value, label in FundedBy.choices
        ],
        "by_kind": [
            (
                value,
                str(label),
                by_kind.get(value, {}).get("n", 0),
                by_kind.get(value, {}).get("persons", 0),
                by_kind.get(value, {}).get("amount") or 0,
            )
            for value, label in SupportKind.choices
        ],
        "courses": courses.count(),
        "course_participants": SupportActivity.objects.for_user(user).filter(training_course__in=courses).count(),
    }


def _subunits(unit: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    """The units directly below `unit` that report for themselves in `year`: districts, or (two-level) communes;
    below the whole country (`geography.models.nation()`, no pk), the provinces."""
    children = AdministrativeUnit.objects.filter(**({"parent": unit} if unit.pk else {"parent__isnull": True}))
    children = children.valid_in_year(year).exclude(level=Level.VILLAGE)
    districts = [u for u in children if u.level == Level.DISTRICT]
    return sorted(districts or list(children), key=lambda u: u.code)


def activity_summary(*, user, unit: AdministrativeUnit, year: int, as_of: datetime.date | None = None) -> dict:
    """What the report says of program activities: which sub-units held their ethnic-minority congress (and the
    unit's own), the pilot models maintained in the year by scheme, and activities by kind."""
    end = _year_end(year, as_of)
    activities = ProgramActivity.objects.for_user(user).filter(unit__path__startswith=unit.path)
    in_year = activities.filter(start_date__gte=datetime.date(year, 1, 1), start_date__lte=datetime.date(year, 12, 31))
    congresses = list(in_year.filter(kind=ActivityKind.CONGRESS).select_related("unit"))
    subunits = _subunits(unit, year)
    held = {a.unit_id: a for a in congresses if a.start_date <= end}
    own = next((a for a in congresses if a.unit_id == unit.pk), None)
    pilots = activities.filter(kind=ActivityKind.PILOT_MODEL, start_date__lte=end).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=datetime.date(year, 1, 1))
    )
    pilots_by_scheme = counts_by(pilots, "scheme", choices=ProgramActivity._meta.get_field("scheme").choices)
    return {
        "unit": unit,
        "year": year,
        "as_of": end,
        "congress_subunits": [(u, held.get(u.pk)) for u in subunits],
        "congress_held": sum(1 for u in subunits if u.pk in held),
        "congress_total": len(subunits),
        "congress_level": subunits[0].level if subunits else "",
        "own_congress": own,
        "own_congress_held": own is not None and own.start_date <= end,
        "pilot_models": pilots.count(),
        "pilot_models_by_scheme": pilots_by_scheme,
        "by_kind": counts_by(in_year.filter(start_date__lte=end), "kind", choices=ActivityKind.choices),
    }


def funding_program_label(value: str) -> str:
    return str(dict(FundingProgram.choices).get(value, value))
