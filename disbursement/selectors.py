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
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from ethnic_portal.formatting import compute_rate
from geography.models import AdministrativeUnit
from programs.models import CapitalType, Project, SubProject

from .models import Allocation, Disbursement, Period, PeriodKind, PeriodStatus, PlanLine


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
    """The pace of each allocation of a page (annotated with `disbursed`), with two queries at most."""
    from .services import disbursement_window

    allocations = list(allocations)
    planned: dict[int, dict[int, int]] = defaultdict(dict)
    for allocation_id, month, amount in PlanLine.objects.filter(allocation__in=[a.pk for a in allocations]).values_list(
        "allocation_id", "month", "amount"
    ):
        planned[allocation_id][month] = amount
    result = {}
    for allocation in allocations:
        _start, end = disbursement_window(allocation)
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


def _child_of(unit: AdministrativeUnit, path: str, children: list[AdministrativeUnit]) -> AdministrativeUnit | None:
    for child in children:
        if path.startswith(child.path):
            return child
    return None


def progress_for_unit(*, user, unit: AdministrativeUnit, year: int, as_of: datetime.date | None = None) -> Progress:
    """Live figures of `unit` and everything below it for `year`, disbursed up to `as_of` (default: year end)."""
    as_of = as_of or datetime.date(year, 12, 31)
    allocations = Allocation.objects.for_user(user).filter(year=year, unit__path__startswith=unit.path)
    carried = ExpressionWrapper(Q(origin_year__lt=F("year")), output_field=BooleanField())
    keys = ["capital_type", "project__code", "subproject__code", "unit__path", "source", "origin_year"]
    allocated_rows = (
        allocations.annotate(carried=carried).values(*keys, "carried").annotate(total=Sum("amount")).order_by()
    )
    disbursed_rows = (
        Disbursement.objects.filter(allocation__in=allocations.values("pk"), date__lte=as_of)
        .annotate(
            carried=ExpressionWrapper(Q(allocation__origin_year__lt=F("allocation__year")), output_field=BooleanField())
        )
        .values(*[f"allocation__{k}" for k in keys], "carried")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    progress = Progress(unit=unit, year=year, as_of=as_of)
    for capital_type in CapitalType.values:
        progress.by_type[capital_type] = Figures()
        for flag in (False, True):
            progress.by_type_origin[(capital_type, flag)] = Figures()
    children = list(AdministrativeUnit.objects.for_user(user).filter(parent=unit).order_by("code"))
    subunits: dict[int, dict] = {}

    def add(row, prefix, attr):
        capital_type = row[f"{prefix}capital_type"]
        project = row[f"{prefix}project__code"]
        item = (project, row[f"{prefix}subproject__code"] or "", capital_type)
        for figures in (
            progress.total,
            progress.by_type[capital_type],
            progress.by_type_origin[(capital_type, bool(row["carried"]))],
            progress.by_project.setdefault((project, capital_type), Figures()),
            progress.by_item.setdefault(item, Figures()),
        ):
            setattr(figures, attr, getattr(figures, attr) + row["total"])
        child = _child_of(unit, row[f"{prefix}unit__path"], children)
        line = (
            child.pk if child else None,
            *item[:2],
            capital_type,
            row[f"{prefix}source"],
            row[f"{prefix}origin_year"],
        )
        figures = progress.by_line.setdefault(line, Figures())
        setattr(figures, attr, getattr(figures, attr) + row["total"])
        if child is not None:
            bucket = subunits.setdefault(child.pk, {"unit": child, "types": {t: Figures() for t in CapitalType.values}})
            figures = bucket["types"][capital_type]
            setattr(figures, attr, getattr(figures, attr) + row["total"])

    for row in allocated_rows:
        add(row, "", "allocated")
    for row in disbursed_rows:
        add(row, "allocation__", "disbursed")
    progress.by_subunit = {
        bucket["unit"]: bucket["types"] for bucket in sorted(subunits.values(), key=lambda b: b["unit"].code)
    }
    progress.by_project = dict(
        sorted(progress.by_project.items(), key=lambda kv: (_project_number(kv[0][0]), kv[0][1]))
    )
    progress.by_item = dict(
        sorted(progress.by_item.items(), key=lambda kv: (_project_number(kv[0][0]), kv[0][1], kv[0][2]))
    )
    codes = {code for key in progress.by_item for code in key[:2] if code}
    progress.project_names = dict(Project.objects.filter(code__in=codes).values_list("code", "name"))
    progress.project_names.update(SubProject.objects.filter(code__in=codes).values_list("code", "name"))
    return progress


def _project_number(code: str) -> int:
    return int(code[2:]) if code and code[2:].isdigit() else 99


# --- Periods ---------------------------------------------------------------------------------


def period_list(*, user):
    return Period.objects.for_user(user).select_related("unit")


def pending_submissions(*, user):
    return period_list(user=user).filter(status=PeriodStatus.SUBMITTED).order_by("year", "kind", "unit__code")


def period_kind_for(day: datetime.date) -> str:
    return PeriodKind.H1 if day.month <= 6 else PeriodKind.YEAR


def latest_year(*, user) -> int | None:
    """The latest budget year with capital in the user's scope (the home page links its progress)."""
    return Allocation.objects.for_user(user).order_by("-year").values_list("year", flat=True).first()


# --- The dashboards ----------------------------------------------------------------------------


def monthly_plan_vs_actual(*, user, unit: AdministrativeUnit, year: int) -> list[MonthRow]:
    """Plan against actual month by month for all capital of `unit` (and below) in `year`: two aggregates."""
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
    rows, plan_sum, actual_sum = [], 0, 0
    for month in range(1, 13):
        plan_sum += planned.get(month) or 0
        actual_sum += actual.get(month) or 0
        rows.append(MonthRow(month, planned.get(month) or 0, actual.get(month) or 0, plan_sum, actual_sum))
    return rows


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
