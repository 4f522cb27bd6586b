"""Reads of the ledger. Every function takes the user and starts from `for_user`.

Sums of allocations and of disbursements are taken in separate aggregate queries (or a
correlated subquery), never over a join of the two: an allocation joined to its N
disbursements would count its amount N times.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.scope import can_read_program_data, path_condition, unit_in_scope, visible_roots
from ethnic_portal.formatting import compute_rate
from geography.models import AdministrativeUnit, Level, is_nation
from programs.models import CapitalType, Project, SubProject

from .models import (
    Allocation,
    Disbursement,
    LedgerMonthSummary,
    LedgerSummary,
    Period,
    PeriodKind,
    PeriodStatus,
    PlanLine,
)


def _disbursed_subquery(as_of: datetime.date | None = None):
    rows = Disbursement.objects.filter(allocation=OuterRef("pk"))
    if as_of:
        rows = rows.filter(date__lte=as_of)
    total = rows.values("allocation").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0), output_field=BigIntegerField())


def allocation_list(*, user, as_of: datetime.date | None = None):
    """Allocations the user may see, each with `disbursed` and `remaining` (đồng)."""
    return (
        Allocation.objects.for_user(user)
        .select_related("unit", "project", "subproject", "carried_to")
        .annotate(disbursed=_disbursed_subquery(as_of))
        .annotate(remaining=F("amount") - F("disbursed"))
    )


def allocation_get(*, user, pk) -> Allocation:
    return allocation_list(user=user).get(pk=pk)


def totals(allocations) -> dict:
    """Allocated and disbursed over a (filtered) allocation queryset, with the rate."""
    allocated = allocations.aggregate(total=Sum("amount"))["total"] or 0
    disbursed = (
        Disbursement.objects.filter(allocation__in=allocations.values("pk")).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return {
        "allocated": allocated,
        "disbursed": disbursed,
        "remaining": allocated - disbursed,
        "rate": compute_rate(disbursed, allocated),
    }


def disbursement_list(*, user):
    return Disbursement.objects.for_user(user).select_related(
        "allocation__unit", "allocation__project", "allocation__subproject"
    )


# --- Plan against actual and the early warning ------------------------------------------------


@dataclass
class MonthRow:
    month: int
    planned: int
    actual: int
    planned_cumulative: int
    actual_cumulative: int


def plan_vs_actual(allocation: Allocation) -> list[MonthRow]:
    planned = dict(PlanLine.objects.filter(allocation=allocation).values_list("month", "amount"))
    actual: dict[int, int] = defaultdict(int)
    for day, amount in Disbursement.objects.filter(allocation=allocation).values_list("date", "amount"):
        if day.year == allocation.year:
            actual[day.month] += amount
    rows, plan_sum, actual_sum = [], 0, 0
    for month in range(1, 13):
        plan_sum += planned.get(month, 0)
        actual_sum += actual.get(month, 0)
        rows.append(MonthRow(month, planned.get(month, 0), actual.get(month, 0), plan_sum, actual_sum))
    return rows


# A unit is behind when its disbursed share is below this part of the share of the year gone,
# or below this part of what its own plan foresaw by now.
PACE_TOLERANCE = 0.6
PLAN_TOLERANCE = 0.8


@dataclass
class Pace:
    year_share: float  # share of the disbursement window gone, 0–1
    disbursed_share: float
    planned_share: float | None
    behind_time: bool
    behind_plan: bool

    @property
    def warning(self) -> bool:
        return self.behind_time or self.behind_plan


def pace(
    *, year: int, end: datetime.date, amount: int, disbursed: int, planned_to_date: int | None, today: datetime.date
) -> Pace:
    """Will this allocation miss its deadline at the pace it has? Past deadlines compare against 100%."""
    start = datetime.date(year, 1, 1)
    span = (end - start).days + 1
    gone = min(max((today - start).days + 1, 0), span)
    year_share = gone / span if span else 1.0
    disbursed_share = disbursed / amount if amount else 1.0
    planned_share = (planned_to_date / amount) if (planned_to_date and amount) else None
    remaining = amount - disbursed
    behind_time = remaining > 0 and year_share >= 0.25 and disbursed_share < year_share * PACE_TOLERANCE
    behind_plan = planned_share is not None and remaining > 0 and disbursed_share < planned_share * PLAN_TOLERANCE
    return Pace(year_share, disbursed_share, planned_share, behind_time, behind_plan)


def paces(allocations, *, today: datetime.date) -> dict[int, Pace]:
    """The pace of each allocation of a page (annotated with `disbursed`), with two queries at most (the plans, the
    year settings of its carried-over allocations)."""
    from .services import disbursement_window, year_settings

    allocations = list(allocations)
    planned: dict[int, dict[int, int]] = defaultdict(dict)
    for allocation_id, month, amount in PlanLine.objects.filter(allocation__in=[a.pk for a in allocations]).values_list(
        "allocation_id", "month", "amount"
    ):
        planned[allocation_id][month] = amount
    settings = year_settings(allocations)
    result = {}
    for allocation in allocations:
        _start, end = disbursement_window(allocation, settings=settings)
        if today.year < allocation.year:
            month = 0
        elif today.year == allocation.year:
            month = today.month - 1  # the plan up to the last complete month
        else:
            month = 12
        plan = planned.get(allocation.pk)
        planned_to_date = sum(amount for m, amount in plan.items() if m <= month) if plan else None
        result[allocation.pk] = pace(
            year=allocation.year,
            end=end,
            amount=allocation.amount,
            disbursed=allocation.disbursed,
            planned_to_date=planned_to_date,
            today=min(today, end),
        )
    return result


def planned_to(allocation_ids, *, month: int) -> dict[int, int]:
    rows = (
        PlanLine.objects.filter(allocation_id__in=allocation_ids, month__lte=month)
        .values_list("allocation")
        .annotate(total=Sum("amount"))
    )
    return dict(rows)


# --- Progress (the figures of the dashboard, the API and the reports) --------------------------


@dataclass
class Figures:
    allocated: int = 0
    disbursed: int = 0

    @property
    def remaining(self) -> int:
        return self.allocated - self.disbursed

    @property
    def rate(self):
        return compute_rate(self.disbursed, self.allocated)

    def as_dict(self) -> dict:
        return {"allocated": self.allocated, "disbursed": self.disbursed, "rate": self.rate}


@dataclass
class Progress:
    unit: AdministrativeUnit
    year: int
    as_of: datetime.date
    by_type: dict = field(default_factory=dict)  # capital_type → Figures (all capital)
    by_type_origin: dict = field(default_factory=dict)  # (capital_type, carried: bool) → Figures
    by_project: dict = field(default_factory=dict)  # (project code, capital_type) → Figures
    by_item: dict = field(default_factory=dict)  # (project code, subproject code or "", capital_type) → Figures
    by_subunit: dict = field(default_factory=dict)  # child unit → {capital_type: Figures}
    # The finest grain, for the reports: (child unit pk or None for the unit's own capital, project code,
    # sub-project code or "", capital_type, source, origin_year) → Figures. Sums to every dict above.
    by_line: dict = field(default_factory=dict)
    total: Figures = field(default_factory=Figures)
    project_names: dict = field(default_factory=dict)
    # From the summaries only (None when the figures were summed from the ledger): child pk or None for the unit's
    # own capital → [allocations, allocations with a disbursement dated in H1, in the second half-year].
    activity: dict | None = None


def _child_of(unit: AdministrativeUnit, path: str, children: list[AdministrativeUnit]) -> AdministrativeUnit | None:
    for child in children:
        if path.startswith(child.path):
            return child
    return None


def children_of(*, user, unit: AdministrativeUnit):
    """The units directly below `unit` the user sees; below the country (`geography.models.nation()`), the
    top-level units."""
    units = AdministrativeUnit.objects.for_user(user)
    return units.filter(parent__isnull=True) if is_nation(unit) else units.filter(parent=unit)


def summary_readable(*, user, unit: AdministrativeUnit) -> bool:
    """Can the figures of `unit` be read from the summaries? When the user sees all of it (the summaries sum a
    unit's whole subtree). A unit only partly in scope (the province above a district officer) reads the ledger."""
    return can_read_program_data(user) and unit_in_scope(user, unit)


def summary_column(latest: datetime.date | None, *, year: int, as_of: datetime.date) -> str | None:
    """Which disbursed column of LedgerSummary answers "disbursed up to `as_of`" exactly for rows whose latest
    `last_date` is `latest` (each row's bounds its disbursements' dates): all of it when none is dated after
    `as_of`, the half-year column on 30/06; None when only the ledger can say (a day inside the year's
    disbursements, e.g. a past moment)."""
    if latest is None or as_of >= latest:
        return "disbursed"
    if as_of == datetime.date(year, 6, 30):
        return "disbursed_h1"
    return None


SUMMARY_KEY = (
    "unit_id",
    "project_id",
    "subproject_key",
    "capital_type",
    "source",
    "origin_year",
    "allocations",
    "last_date",
)
PROGRESS_MEASURES = ("allocated", "disbursed", "disbursed_h1", "active_h1", "active_h2")


def summary_rows(*, unit: AdministrativeUnit, children, year: int, measures=PROGRESS_MEASURES) -> list[tuple]:
    """The summary lines of `unit` (none for the country, which is the sum of its top-level units) and of its
    children, for `year`, as tuples (*SUMMARY_KEY, *measures): one indexed read (a province and its communes:
    thousands of rows, tuples rather than dicts)."""
    ids = [child.pk for child in children]
    if unit.pk is not None:
        ids.append(unit.pk)
    rows = LedgerSummary.objects.filter(unit_id__in=ids, year=year, allocations__gt=0)
    return list(rows.values_list(*SUMMARY_KEY, *measures).order_by())


def latest_date(rows: list[tuple]) -> datetime.date | None:
    """The latest `last_date` of summary_rows' rows."""
    return max((row[7] for row in rows if row[7] is not None), default=None)


def progress_for_unit(
    *, user, unit: AdministrativeUnit, year: int, as_of: datetime.date | None = None, lines: bool = True
) -> Progress:
    """Live figures of `unit` and everything below it for `year`, disbursed up to `as_of` (default: year end).

    Read from the summaries (disbursement/summary.py, kept in the transaction of every write) when the user sees
    the whole unit and the moment is one they answer exactly; otherwise summed from the ledger's rows.
    `lines=False` (the dashboards, the API) leaves `by_line` empty: the other views are then summed by the database
    from the unit's own summary rows and one row per child and capital type, so the work does not grow with the
    number of units below (a province's hundred communes, the country's provinces)."""
    as_of = as_of or datetime.date(year, 12, 31)
    children = list(children_of(user=user, unit=unit).order_by("code"))
    if summary_readable(user=user, unit=unit):
        if not lines:
            progress = _progress_views_from_summary(unit, year, as_of, children)
            if progress is not None:
                return progress
        else:
            rows = summary_rows(unit=unit, children=children, year=year)
            column = summary_column(latest_date(rows), year=year, as_of=as_of)
            if column is not None:
                return _progress_from_summary(unit, year, as_of, children, rows, column)
    return _progress_from_ledger(user, unit, year, as_of, children)


_SUMS = {
    "allocations": Sum("allocations"),
    "allocated": Sum("allocated"),
    "disbursed": Sum("disbursed"),
    "disbursed_h1": Sum("disbursed_h1"),
    "active_h1": Sum("active_h1"),
    "active_h2": Sum("active_h2"),
    "last": Max("last_date"),
}


def _progress_views_from_summary(unit, year, as_of, children) -> Progress | None:
    """Every view but by_line, in two grouped reads: the unit's own rows (for the country, its top-level units'
    rows) by item and origin, and its children's rows by capital type. None when the moment needs the ledger."""
    child_ids = [child.pk for child in children]
    top = LedgerSummary.objects.filter(year=year, allocations__gt=0)
    top = top.filter(unit_id=unit.pk) if unit.pk is not None else top.filter(unit_id__in=child_ids)
    carried = ExpressionWrapper(Q(origin_year__lt=year), output_field=BooleanField())
    items = list(
        top.annotate(carried=carried)
        .values("project_id", "subproject_key", "capital_type", "carried")
        .annotate(**_SUMS)
        .order_by()
    )
    column = summary_column(
        max((row["last"] for row in items if row["last"] is not None), default=None), year=year, as_of=as_of
    )
    if column is None:
        return None
    per_child = list(
        LedgerSummary.objects.filter(year=year, allocations__gt=0, unit_id__in=child_ids)
        .values("unit_id", "capital_type")
        .annotate(**_SUMS)
        .order_by()
    )
    named, sub_named = program_names(
        {row["project_id"] for row in items}, {row["subproject_key"] for row in items if row["subproject_key"]}
    )
    projects = {pk: code for pk, (code, _name) in named.items()}
    subprojects = {pk: code for pk, (code, _name) in sub_named.items()}
    progress = _new_progress(unit, year, as_of)
    total = [0, 0]
    by_item: dict = {}
    activity: dict = {}
    own = [0, 0, 0]  # allocations, active in H1, in H2 of the whole unit, less its children's below
    for row in items:
        allocated, disbursed = row["allocated"], row[column]
        capital_type = row["capital_type"]
        item = (projects[row["project_id"]], subprojects.get(row["subproject_key"], ""), capital_type)
        cell = by_item.setdefault(item, [0, 0])
        cell[0] += allocated
        cell[1] += disbursed
        origin = progress.by_type_origin[(capital_type, bool(row["carried"]))]
        origin.allocated += allocated
        origin.disbursed += disbursed
        progress.by_type[capital_type].allocated += allocated
        progress.by_type[capital_type].disbursed += disbursed
        total[0] += allocated
        total[1] += disbursed
        for i, name in enumerate(("allocations", "active_h1", "active_h2")):
            own[i] += row[name]
    progress.total = Figures(*total)
    progress.by_item = {key: Figures(*values) for key, values in by_item.items()}
    by_project: dict = {}
    for (project, _sub, capital_type), figures in progress.by_item.items():
        cell = by_project.setdefault((project, capital_type), [0, 0])
        cell[0] += figures.allocated
        cell[1] += figures.disbursed
    progress.by_project = {key: Figures(*values) for key, values in by_project.items()}
    by_pk = {child.pk: child for child in children}
    subunits: dict = {}
    for row in per_child:
        bucket = subunits.get(row["unit_id"])
        if bucket is None:
            bucket = subunits[row["unit_id"]] = {
                "unit": by_pk[row["unit_id"]],
                "types": {t: Figures() for t in _TYPES},
            }
        bucket["types"][row["capital_type"]] = Figures(row["allocated"], row[column])
        counts = activity.setdefault(row["unit_id"], [0, 0, 0])
        for i, name in enumerate(("allocations", "active_h1", "active_h2")):
            counts[i] += row[name]
            own[i] -= row[name]
    if unit.pk is not None and own[0]:
        activity[None] = own
    progress.activity = activity
    return _finish_progress(progress, subunits, dict([*named.values(), *sub_named.values()]))


_TYPES = tuple(CapitalType.values)


def _new_progress(unit, year, as_of) -> Progress:
    progress = Progress(unit=unit, year=year, as_of=as_of)
    for capital_type in CapitalType.values:
        progress.by_type[capital_type] = Figures()
        for flag in (False, True):
            progress.by_type_origin[(capital_type, flag)] = Figures()
    return progress


def _progress_from_lines(progress: Progress, lines: dict, by_pk: dict) -> dict:
    """Fill every view of the progress from its lines ({(child pk or None, project code, sub-project code or "",
    capital type, source, origin year): [allocated, disbursed]}), summing plain lists (a national page has a few
    thousand lines); returns the sub-units' buckets for _finish_progress."""
    total = [0, 0]
    by_type = {t: [0, 0] for t in _TYPES}
    by_origin: dict = {}
    by_project: dict = {}
    by_item: dict = {}
    subunits: dict = {}
    year = progress.year
    for line, (allocated, disbursed) in lines.items():
        child_pk, project, subproject, capital_type, _source, origin_year = line
        for views, key in (
            (by_origin, (capital_type, origin_year < year)),
            (by_project, (project, capital_type)),
            (by_item, (project, subproject, capital_type)),
        ):
            cell = views.get(key)
            if cell is None:
                cell = views[key] = [0, 0]
            cell[0] += allocated
            cell[1] += disbursed
        cell = by_type.setdefault(capital_type, [0, 0])
        cell[0] += allocated
        cell[1] += disbursed
        total[0] += allocated
        total[1] += disbursed
        if child_pk is not None:
            bucket = subunits.get(child_pk)
            if bucket is None:
                bucket = subunits[child_pk] = {"unit": by_pk[child_pk], "types": {t: [0, 0] for t in _TYPES}}
            cell = bucket["types"].setdefault(capital_type, [0, 0])
            cell[0] += allocated
            cell[1] += disbursed
    progress.total = Figures(*total)
    progress.by_type.update({t: Figures(*v) for t, v in by_type.items()})
    progress.by_type_origin.update({k: Figures(*v) for k, v in by_origin.items()})
    progress.by_project = {k: Figures(*v) for k, v in by_project.items()}
    progress.by_item = {k: Figures(*v) for k, v in by_item.items()}
    progress.by_line = {k: Figures(*v) for k, v in lines.items()}
    for bucket in subunits.values():
        bucket["types"] = {t: Figures(*v) for t, v in bucket["types"].items()}
    return subunits


def _finish_progress(progress: Progress, subunits: dict, names: dict | None = None) -> Progress:
    progress.by_subunit = {
        bucket["unit"]: bucket["types"] for bucket in sorted(subunits.values(), key=lambda b: b["unit"].code)
    }
    progress.by_project = dict(
        sorted(progress.by_project.items(), key=lambda kv: (_project_number(kv[0][0]), kv[0][1]))
    )
    progress.by_item = dict(
        sorted(progress.by_item.items(), key=lambda kv: (_project_number(kv[0][0]), kv[0][1], kv[0][2]))
    )
    if names is None:
        codes = {code for key in progress.by_item for code in key[:2] if code}
        names = dict(Project.objects.filter(code__in=codes).values_list("code", "name"))
        names.update(SubProject.objects.filter(code__in=codes).values_list("code", "name"))
    progress.project_names = names
    return progress


def program_names(project_ids, subproject_ids) -> tuple[dict, dict]:
    """({pk: (code, name)} of the projects, the same of the sub-projects) in one round trip (UNION ALL)."""
    if not project_ids and not subproject_ids:
        return {}, {}
    kind = Value(0, output_field=IntegerField())
    rows = (
        Project.objects.filter(pk__in=project_ids)
        .annotate(kind=kind)
        .values_list("kind", "pk", "code", "name")
        .order_by()
        .union(
            SubProject.objects.filter(pk__in=subproject_ids)
            .annotate(kind=Value(1, output_field=IntegerField()))
            .values_list("kind", "pk", "code", "name")
            .order_by(),
            all=True,
        )
    )
    found: tuple[dict, dict] = ({}, {})
    for which, pk, code, name in rows:
        found[which][pk] = (code, name)
    return found


def summary_lines(rows, *, unit: AdministrativeUnit, children) -> tuple[dict, dict]:
    """The summary rows of `unit` and its children (summary_rows' tuples) as lines: ({(child pk or None for the
    unit's own capital, project code, sub-project code or "", capital type, source, origin year): [allocations,
    *measures]}, {code: name} of the projects and sub-projects named). A child's line is its own row; the unit's
    own capital is its row less its children's rows (every allocation below it is below exactly one child), kept
    when it counts an allocation."""
    projects, subprojects = program_names({row[1] for row in rows}, {row[2] for row in rows if row[2]})
    project_code = {pk: code for pk, (code, _name) in projects.items()}
    sub_code = {pk: code for pk, (code, _name) in subprojects.items()}
    sub_code[0] = ""
    unit_pk = unit.pk
    child_pks = {child.pk for child in children}
    lines: dict[tuple, list[int]] = {}
    own: dict[tuple, list[int]] = {}
    for unit_id, project_id, sub_key, capital_type, source, origin_year, allocations, _last, *measures in rows:
        key = (project_code[project_id], sub_code[sub_key], capital_type, source, origin_year)
        if unit_id == unit_pk:
            cell = own.get(key)
            if cell is None:
                own[key] = [allocations, *measures]
            else:
                cell[0] += allocations
                for i, value in enumerate(measures, start=1):
                    cell[i] += value
        elif unit_id in child_pks:
            lines[(unit_id, *key)] = [allocations, *measures]
            if unit_pk is not None:
                cell = own.get(key)
                if cell is None:
                    cell = own[key] = [0] * (len(measures) + 1)
                cell[0] -= allocations
                for i, value in enumerate(measures, start=1):
                    cell[i] -= value
    for key, values in own.items():
        if values[0]:
            lines[(None, *key)] = values
    return lines, dict([*projects.values(), *subprojects.values()])


def _progress_from_summary(unit, year, as_of, children, rows, column: str) -> Progress:
    """The progress from the summary lines of `unit` and its children (summary_lines)."""
    progress = _new_progress(unit, year, as_of)
    lines, names = summary_lines(rows, unit=unit, children=children)
    paid = 1 + PROGRESS_MEASURES.index(column)
    activity: dict = {}
    by_line = {}
    for line, values in lines.items():
        counts = activity.get(line[0])
        if counts is None:
            counts = activity[line[0]] = [0, 0, 0]
        counts[0] += values[0]
        counts[1] += values[4]
        counts[2] += values[5]
        by_line[line] = [values[1], values[paid]]
    subunits = _progress_from_lines(progress, by_line, {child.pk: child for child in children})
    progress.activity = activity
    return _finish_progress(progress, subunits, names)


def plan_figures(*, user, unit: AdministrativeUnit, year: int, as_of: datetime.date) -> dict | None:
    """For a report: per line (as progress.by_line), (the plan up to the month of `as_of`, disbursed up to `as_of`
    on the allocations that have such a plan), from the summaries; None when they cannot answer exactly (a unit
    only partly in scope, a moment other than 30/06 or a year's end past its last disbursement)."""
    if not summary_readable(user=user, unit=unit):
        return None
    children = list(children_of(user=user, unit=unit))
    measures = ("planned", "planned_disbursed", "planned_h1", "planned_disbursed_h1")
    rows = summary_rows(unit=unit, children=children, year=year, measures=measures)
    if as_of == datetime.date(year, 6, 30):
        first = 3  # planned_h1, planned_disbursed_h1
    elif as_of >= datetime.date(year, 12, 31) and summary_column(latest_date(rows), year=year, as_of=as_of):
        first = 1  # planned, planned_disbursed: no disbursement dated after the year's end
    else:
        return None
    lines, _named = summary_lines(rows, unit=unit, children=children)
    return {
        line: (values[first], values[first + 1]) for line, values in lines.items() if values[first] or values[first + 1]
    }


def _progress_from_ledger(user, unit, year, as_of, children) -> Progress:
    """The progress summed from the ledger's rows (two aggregates, allocations and disbursements apart)."""
    allocations = Allocation.objects.for_user(user).filter(year=year, unit__path__startswith=unit.path)
    carried = ExpressionWrapper(Q(origin_year__lt=F("year")), output_field=BooleanField())
    keys = ["capital_type", "project__code", "subproject__code", "unit__path", "source", "origin_year"]
    allocated_rows = (
        allocations.annotate(carried=carried).values(*keys, "carried").annotate(total=Sum("amount")).order_by()
    )
    disbursed_rows = (
        Disbursement.objects.filter(allocation__in=allocations.values("pk"), date__lte=as_of)
        .values(*[f"allocation__{k}" for k in keys])
        .annotate(total=Sum("amount"))
        .order_by()
    )
    progress = _new_progress(unit, year, as_of)
    lines: dict[tuple, list[int]] = {}
    for rows, prefix, index in ((allocated_rows, "", 0), (disbursed_rows, "allocation__", 1)):
        for row in rows:
            child = _child_of(unit, row[f"{prefix}unit__path"], children)
            line = (
                child.pk if child else None,
                row[f"{prefix}project__code"],
                row[f"{prefix}subproject__code"] or "",
                row[f"{prefix}capital_type"],
                row[f"{prefix}source"],
                row[f"{prefix}origin_year"],
            )
            lines.setdefault(line, [0, 0])[index] += row["total"]
    subunits = _progress_from_lines(progress, lines, {child.pk: child for child in children})
    return _finish_progress(progress, subunits)


def _project_number(code: str) -> int:
    return int(code[2:]) if code and code[2:].isdigit() else 99


# --- Periods ---------------------------------------------------------------------------------


def period_list(*, user):
    return Period.objects.for_user(user).select_related("unit")


def pending_submissions(*, user):
    periods = period_list(user=user).filter(status=PeriodStatus.SUBMITTED)
    roots = visible_roots(user)
    if roots and "" not in roots:
        # The scope alone (a join to every unit, filtered by OR'ed path prefixes) lets PostgreSQL walk the whole unit
        # table in key order (13 ms for Hồ Chí Minh City's 16.000 periods); the ids of the scope's reporting units,
        # read first through the path index, make it an index lookup (1 ms). The scope condition stays.
        reporting = AdministrativeUnit.objects.filter(
            path_condition("", roots), level__in=[Level.DISTRICT, Level.COMMUNE]
        )
        periods = periods.filter(unit_id__in=list(reporting.values_list("pk", flat=True)))
    return periods.order_by("year", "kind", "unit__code")


def period_kind_for(day: datetime.date) -> str:
    return PeriodKind.H1 if day.month <= 6 else PeriodKind.YEAR


def latest_year(*, user) -> int | None:
    """The latest budget year with capital in the user's scope (the home page links its progress): from the summary
    rows of the user's scope roots (each root is a unit whose rows sum everything below it)."""
    roots = visible_roots(user)
    if not can_read_program_data(user) or not roots:
        return None
    if "" in roots:  # the whole country: the newest year of the ledger (its year index answers at once)
        return Allocation.objects.order_by("-year").values_list("year", flat=True).first()
    rows = LedgerSummary.objects.filter(unit__path__in=roots, allocations__gt=0)
    return rows.order_by("-year").values_list("year", flat=True).first()


# --- The dashboards ----------------------------------------------------------------------------


def monthly_plan_vs_actual(*, user, unit: AdministrativeUnit, year: int) -> list[MonthRow]:
    """Plan against actual month by month for all capital of `unit` (and below) in `year`: twelve summary rows (the
    country: those of its top-level units), or two aggregates of the ledger when the user sees only part of it."""
    if summary_readable(user=user, unit=unit):
        months = LedgerMonthSummary.objects.filter(year=year, month__gte=1, month__lte=12)
        # the country: its top-level units' rows
        months = months.filter(unit_id=unit.pk) if unit.pk is not None else months.filter(unit__parent__isnull=True)
        rows = months.values("month").annotate(planned=Sum("planned"), actual=Sum("disbursed")).order_by()
        planned = {row["month"]: row["planned"] for row in rows}
        actual = {row["month"]: row["actual"] for row in rows}
    else:
        planned, actual = _monthly_from_ledger(user, unit, year)
    rows, plan_sum, actual_sum = [], 0, 0
    for month in range(1, 13):
        plan_sum += planned.get(month) or 0
        actual_sum += actual.get(month) or 0
        rows.append(MonthRow(month, planned.get(month) or 0, actual.get(month) or 0, plan_sum, actual_sum))
    return rows


def _monthly_from_ledger(user, unit, year) -> tuple[dict, dict]:
    from django.db.models.functions import ExtractMonth

    allocations = Allocation.objects.for_user(user).filter(year=year, unit__path__startswith=unit.path)
    planned = dict(
        PlanLine.objects.filter(allocation__in=allocations.values("pk"))
        .values_list("month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    actual = dict(
        Disbursement.objects.filter(allocation__in=allocations.values("pk"), date__year=year)
        .annotate(month=ExtractMonth("date"))
        .values_list("month")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return planned, actual


def entry_counts(*, user, unit: AdministrativeUnit, year: int, kind: str, progress: Progress | None = None) -> dict:
    """Per child of `unit` (pk; None for the unit's own capital): (allocations of `year`, those with a disbursement
    dated in the half-year `kind` — H1: 01/01–30/06, else 01/07–31/12). From the progress's summary rows when it
    has them, else from the ledger."""
    if progress is not None and progress.activity is not None:
        index = 1 if kind == PeriodKind.H1 else 2
        return {pk: (counts[0], counts[index]) for pk, counts in progress.activity.items()}
    if kind == PeriodKind.H1:
        start, end = datetime.date(year, 1, 1), datetime.date(year, 6, 30)
    else:
        start, end = datetime.date(year, 7, 1), datetime.date(year, 12, 31)
    activity = entry_activity(user=user, unit=unit, year=year, start=start, end=end)
    children = list(children_of(user=user, unit=unit))
    result: dict = {}
    for key in ("allocations", "active"):
        for path, n in activity[key].items():
            child = _child_of(unit, path, children)
            cell = result.setdefault(child.pk if child else None, [0, 0])
            cell[0 if key == "allocations" else 1] += n
    return {pk: tuple(cell) for pk, cell in result.items()}


def entry_activity(*, user, unit: AdministrativeUnit, year: int, start: datetime.date, end: datetime.date) -> dict:
    """Per unit path below `unit`: allocations of `year`, and how many have a disbursement dated in [start, end]."""
    allocations = Allocation.objects.for_user(user).filter(year=year, unit__path__startswith=unit.path)
    counts = dict(allocations.values_list("unit__path").annotate(n=Count("pk")).order_by())
    active = dict(
        allocations.filter(disbursements__date__gte=start, disbursements__date__lte=end)
        .values_list("unit__path")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return {"allocations": counts, "active": active}
