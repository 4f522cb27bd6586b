"""Reads of the reports app: the figures a report shows, the report lists, the late units, the snapshot diff.

The capital figures come from `disbursement.selectors.progress_for_unit`, the selector of the dashboard and of
the `progress/` API, so a report's figures cannot differ from them. The other sections read the beneficiaries
models through `for_user` (and `beneficiaries.selectors.person_support_summary`/`activity_summary` where their
figures fit). Every function takes the user; the build task passes the job's requester.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import policy_for
from beneficiaries.choices import ActivityKind, FundedBy, FundingProgram, HouseholdSupportKind, SupportKind
from beneficiaries.models import EthnicGroup, HouseholdSupport, ProgramActivity, SupportActivity
from beneficiaries.selectors import activity_summary, person_support_summary
from disbursement.models import Allocation, Disbursement, LedgerSummary, Period, PeriodStatus, PlanLine
from disbursement.selectors import Figures, plan_figures, progress_for_unit, summary_readable
from geography.models import AdministrativeUnit, Level, is_nation, nation
from programs.models import CapitalType, Project, SubProject

from .models import (
    DEFAULT_LOW_RATE_THRESHOLD,
    OverdueSubmission,
    ReportDownload,
    ReportJob,
    ReportPeriod,
    ReportSetting,
    ReportStatus,
    period_end,
)

OWN = "own"  # the section of the capital a unit holds itself (not through a unit below it)


# --- Lists ---------------------------------------------------------------------------------------


def report_list(*, user):
    return ReportJob.objects.for_user(user).select_related("unit", "requested_by", "previous")


def latest_done_reports(*, user, limit: int = 8) -> list[ReportJob]:
    """The newest finished snapshot of each report (unit, level, year, period) the user may see: one click each."""
    seen, latest = set(), []
    # Not the snapshot's figures (a national report's is megabytes of JSON): the list shows names and dates.
    done = report_list(user=user).filter(status=ReportStatus.DONE).exclude(file="")
    done = done.defer("figures", "approvals", "previous__figures", "previous__approvals")
    for job in done.order_by("-finished_at")[:200]:
        key = (job.level, job.unit_id, job.year, job.period)
        if key not in seen:
            seen.add(key)
            latest.append(job)
        if len(latest) >= limit:
            break
    return latest


def download_list(*, user):
    return ReportDownload.objects.for_user(user).select_related("user", "job__unit")


def overdue_list(*, user):
    return OverdueSubmission.objects.for_user(user).select_related("unit", "province")


def low_rate_threshold(province: AdministrativeUnit) -> Decimal:
    setting = ReportSetting.objects.filter(province=province).first()
    return setting.low_rate_threshold if setting else DEFAULT_LOW_RATE_THRESHOLD


def has_capital(*, user, unit: AdministrativeUnit, year: int) -> bool:
    if is_nation(unit):
        return policy_for(user).nationwide and Allocation.objects.filter(year=year).exists()
    if summary_readable(user=user, unit=unit):
        return LedgerSummary.objects.filter(unit=unit, year=year, allocations__gt=0).exists()
    return Allocation.objects.for_user(user).filter(year=year, unit__path__startswith=unit.path).exists()


# --- The report's units ---------------------------------------------------------------------------


def sub_units(unit: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    """The units a report gives a section each, as they were in `year`: the districts of a province (the communes
    where the province has no districts, since 1/7/2025), the communes of a district, nothing below a commune."""
    if is_nation(unit):  # the provinces of the year (both trees in 2025)
        return list(AdministrativeUnit.objects.filter(parent__isnull=True).valid_in_year(year).order_by("code", "path"))
    if unit.level == Level.COMMUNE:
        return []
    children = list(
        AdministrativeUnit.objects.filter(parent=unit, level__in=[Level.DISTRICT, Level.COMMUNE])
        .valid_in_year(year)
        .order_by("code", "path")
    )
    districts = [u for u in children if u.level == Level.DISTRICT]
    return districts or children


def reporting_units(unit: AdministrativeUnit, year: int) -> list[AdministrativeUnit]:
    """The units that submit the figures a report covers: a province's districts (or its communes, two-level);
    a district itself; a commune itself where it reports to the province, else its district."""
    if unit.level == Level.PROVINCE:
        return sub_units(unit, year)
    if unit.level == Level.COMMUNE and unit.parent and unit.parent.level == Level.DISTRICT:
        return [unit.parent]
    return [unit]


def approval_states(*, user, unit: AdministrativeUnit, year: int, period: str) -> list[dict]:
    """Where each reporting unit's period stands in approval at this moment (an absent period is still open); for
    the country, one line per province counting its reporting units by state."""
    if is_nation(unit):
        return _national_approvals(user=user, year=year, period=period)
    units = reporting_units(unit, year)
    statuses = dict(
        Period.objects.for_user(user).filter(unit__in=units, year=year, kind=period).values_list("unit_id", "status")
    )
    return [
        {
            "unit": u.code,
            "name": u.name,
            "status": statuses.get(u.pk, PeriodStatus.OPEN),
            "label": str(PeriodStatus(statuses.get(u.pk, PeriodStatus.OPEN)).label),
        }
        for u in units
    ]


def _national_approvals(*, user, year: int, period: str) -> list[dict]:
    """Per province of the year: approved when all its reporting units approved, submitted when all sent, else
    open; the label counts them ("12/15 đơn vị đã phê duyệt"). Three queries whatever the number of provinces."""
    provinces = sub_units(nation(), year)
    below = (
        AdministrativeUnit.objects.filter(parent__in=provinces, level__in=[Level.DISTRICT, Level.COMMUNE])
        .valid_in_year(year)
        .values_list("pk", "parent_id", "level")
    )
    by_province: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pk, parent_id, level in below:
        by_province[parent_id][level].append(pk)
    reporting = {
        province_pk: levels.get(Level.DISTRICT) or levels.get(Level.COMMUNE, [])
        for province_pk, levels in by_province.items()
    }
    ids = [pk for units in reporting.values() for pk in units]
    statuses = dict(
        Period.objects.for_user(user).filter(unit_id__in=ids, year=year, kind=period).values_list("unit_id", "status")
    )
    rows = []
    for province in provinces:
        units = reporting.get(province.pk, [])
        states = [statuses.get(pk, PeriodStatus.OPEN) for pk in units]
        approved = sum(state == PeriodStatus.APPROVED for state in states)
        sent = sum(state in (PeriodStatus.SUBMITTED, PeriodStatus.APPROVED) for state in states)
        if units and approved == len(units):
            status = PeriodStatus.APPROVED
        elif units and sent == len(units):
            status = PeriodStatus.SUBMITTED
        else:
            status = PeriodStatus.OPEN
        label = _("%(approved)s/%(total)s đơn vị đã phê duyệt, %(sent)s đã gửi") % {
            "approved": approved,
            "total": len(units),
            "sent": sent,
        }
        rows.append(
            {"unit": province.code, "key": _segment(province), "name": province.name, "status": status, "label": label}
        )
    return rows


# --- The figures of a report ----------------------------------------------------------------------


@dataclass
class Amounts:
    """Money of one line, in đồng."""

    allocated: int = 0
    disbursed: int = 0
    planned: int = 0  # the disbursement plan up to the period's end
    planned_disbursed: int = 0  # disbursed on the allocations that have such a plan

    def add(self, other: Amounts) -> None:
        self.allocated += other.allocated
        self.disbursed += other.disbursed
        self.planned += other.planned
        self.planned_disbursed += other.planned_disbursed


@dataclass
class Section:
    key: str  # OWN, or the last segment of the sub-unit's path
    unit: AdministrativeUnit
    own: bool
    approval: dict | None = None

    @property
    def name(self) -> str:
        return self.unit.name


@dataclass
class ReportData:
    level: str
    unit: AdministrativeUnit
    year: int
    period: str
    as_of: datetime.date
    data_moment: datetime.datetime
    province: AdministrativeUnit
    threshold: Decimal
    requested_by_name: str = ""
    # (section key, capital_type, project code, sub-project code or "", origin_year, source) → Amounts
    lines: dict = field(default_factory=dict)
    sections: list = field(default_factory=list)
    names: dict = field(default_factory=dict)  # project / sub-project code → name
    progress_total: Figures = field(default_factory=Figures)
    by_type: dict = field(default_factory=dict)  # capital_type → Figures (from progress_for_unit)
    subunit_figures: dict = field(default_factory=dict)  # section key → {capital_type: Figures}
    persons: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    activities: dict = field(default_factory=dict)
    approvals: list = field(default_factory=list)

    @property
    def period_label(self) -> str:
        return str(ReportPeriod(self.period).label)

    @property
    def built_on(self) -> datetime.date:
        return timezone.localdate(self.data_moment)

    @property
    def cut_off(self) -> datetime.date:
        """The last day the figures count: the period's end, or the day of the data when that comes first."""
        return min(self.as_of, self.built_on)


def _segment(unit: AdministrativeUnit) -> str:
    return unit.path.rstrip("/").rsplit("/", 1)[-1]


def _section_of(path: str, unit: AdministrativeUnit, children: list[AdministrativeUnit]) -> str:
    for child in children:
        if path.startswith(child.path):
            return _segment(child)
    return OWN


def report_data(*, user, level: str, unit: AdministrativeUnit, year: int, period: str, data_moment=None) -> ReportData:
    """Everything a report shows for `unit` and the units below it, read as `user` sees it."""
    as_of = period_end(year, period)
    province = None if is_nation(unit) else unit.province
    data = ReportData(
        level=level,
        unit=unit,
        year=year,
        period=period,
        as_of=as_of,
        data_moment=data_moment or timezone.now(),
        province=province,
        threshold=low_rate_threshold(province) if province else DEFAULT_LOW_RATE_THRESHOLD,
    )
    _capital(data, user)
    data.persons = _persons(user, unit, year, as_of)
    data.households = _households(user, unit, year, as_of)
    data.activities = _activities(user, unit, year, as_of)
    data.approvals = approval_states(user=user, unit=unit, year=year, period=period)
    # A province's line is found by its path segment: both trees use some codes (19, Thái Nguyên, in 2025).
    by_unit = {a.get("key", a["unit"]): a for a in data.approvals}
    for section in data.sections:
        section.approval = by_unit.get(section.key if is_nation(unit) else section.unit.code)
    return data


def _capital(data: ReportData, user) -> None:
    unit, year, as_of = data.unit, data.year, data.as_of
    progress = progress_for_unit(user=user, unit=unit, year=year, as_of=as_of)
    data.progress_total = progress.total
    data.by_type = progress.by_type
    children = sub_units(unit, year)
    by_pk = {child.pk: child for child in children}
    # progress_for_unit knows every child ever; one that is not a section of the year still gets its own.
    for (child_pk, project, subproject, capital_type, source, origin_year), figures in progress.by_line.items():
        section = OWN
        if child_pk is not None:
            if child_pk not in by_pk:
                by_pk[child_pk] = AdministrativeUnit.objects.get(pk=child_pk)
                children.append(by_pk[child_pk])
            section = _segment(by_pk[child_pk])
        amounts = data.lines.setdefault((section, capital_type, project, subproject, origin_year, source), Amounts())
        amounts.allocated += figures.allocated
        amounts.disbursed += figures.disbursed
    plans = plan_figures(user=user, unit=unit, year=year, as_of=as_of)
    if plans is None:
        _plans(data, user, children)
    else:
        for (child_pk, project, subproject, capital_type, source, origin_year), (planned, spent) in plans.items():
            section = OWN
            if child_pk is not None:
                if child_pk not in by_pk:
                    by_pk[child_pk] = AdministrativeUnit.objects.get(pk=child_pk)
                    children.append(by_pk[child_pk])
                section = _segment(by_pk[child_pk])
            amounts = data.lines.setdefault(
                (section, capital_type, project, subproject, origin_year, source), Amounts()
            )
            amounts.planned += planned
            amounts.planned_disbursed += spent
    data.names = dict(progress.project_names)
    codes = {code for key in data.lines for code in key[2:4] if code}
    missing = codes - set(data.names)
    if missing:
        data.names.update(Project.objects.filter(code__in=missing).values_list("code", "name"))
        data.names.update(SubProject.objects.filter(code__in=missing).values_list("code", "name"))
    used = {key[0] for key in data.lines}
    sections = []
    if OWN in used:
        sections.append(Section(key=OWN, unit=unit, own=True))
    for child in sorted(children, key=lambda u: (u.code, u.path)):
        if _segment(child) in used:
            sections.append(Section(key=_segment(child), unit=child, own=False))
    data.sections = sections
    for child, types in progress.by_subunit.items():
        data.subunit_figures[_segment(child)] = types


def _plans(data: ReportData, user, children: list[AdministrativeUnit]) -> None:
    """The disbursement plan up to the period's end, and what was disbursed on the allocations that have one."""
    month = data.as_of.month
    keys = ["capital_type", "project__code", "subproject__code", "unit__path", "origin_year", "source"]
    lines = (
        PlanLine.objects.for_user(user)
        .filter(allocation__year=data.year, allocation__unit__path__startswith=data.unit.path, month__lte=month)
        .values(*[f"allocation__{k}" for k in keys])
        .annotate(total=Sum("amount"))
        .order_by()
    )
    planned_ids = (
        PlanLine.objects.for_user(user)
        .filter(allocation__year=data.year, allocation__unit__path__startswith=data.unit.path, month__lte=month)
        .values("allocation_id")
    )
    spent = (
        Disbursement.objects.for_user(user)
        .filter(allocation_id__in=planned_ids, date__lte=data.as_of)
        .values(*[f"allocation__{k}" for k in keys])
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for rows, attr in ((lines, "planned"), (spent, "planned_disbursed")):
        for row in rows:
            key = (
                _section_of(row["allocation__unit__path"], data.unit, children),
                row["allocation__capital_type"],
                row["allocation__project__code"],
                row["allocation__subproject__code"] or "",
                row["allocation__origin_year"],
                row["allocation__source"],
            )
            amounts = data.lines.setdefault(key, Amounts())
            setattr(amounts, attr, getattr(amounts, attr) + row["total"])


def _persons(user, unit, year, as_of) -> dict:
    summary = person_support_summary(user=user, unit=unit, year=year, as_of=as_of)
    supports = SupportActivity.objects.for_user_within(user, unit).filter(
        date__gte=datetime.date(year, 1, 1), date__lte=as_of
    )
    cells = {
        (row["kind"], row["funded_by"]): (row["n"], row["amount"] or 0)
        for row in supports.values("kind", "funded_by").annotate(n=Count("pk"), amount=Sum("amount")).order_by()
    }
    persons_by_kind = {value: persons for value, _label, _n, persons, _amount in summary["by_kind"]}
    return {
        "persons_on_list": summary["persons_on_list"],
        "courses": summary["courses"],
        "course_participants": summary["course_participants"],
        "kinds": [(value, str(label)) for value, label in SupportKind.choices],
        "funders": [(value, str(label)) for value, label in FundedBy.choices],
        "cells": cells,  # (kind, funder) → (count, amount đồng)
        "persons_by_kind": persons_by_kind,
    }


ITEM_KEYS = ("funding_program", "project_id", "subproject_id", "kind")


def household_support_groups(supports) -> tuple[list[dict], list[dict]]:
    """The supports grouped by item (program, project, sub-project, kind: n, amount) and by the household's ethnic
    group (households, n, amount), in two grouped queries (any database)."""
    item_rows = list(supports.values(*ITEM_KEYS).annotate(n=Count("pk"), amount=Sum("amount")).order_by())
    ethnic_rows = list(
        supports.values("household__ethnic_group_id")
        .annotate(households=Count("household", distinct=True), n=Count("pk"), amount=Sum("amount"))
        .order_by()
    )
    return item_rows, ethnic_rows


def household_support_groups_one_pass(supports) -> tuple[list[dict], list[dict]]:
    """The same as household_support_groups in one pass over the rows (PostgreSQL's GROUPING SETS): a province's
    supports are found once — a scan of the households and a probe per household — instead of twice."""
    base, params = (
        supports.values(*ITEM_KEYS, "household_id", "amount", ethnic=F("household__ethnic_group_id"))
        .order_by()
        .query.sql_with_params()
    )
    items = ", ".join(f't."{key}"' for key in ITEM_KEYS)
    sql = (
        f'SELECT {items}, t."ethnic", GROUPING(t."ethnic") AS by_item, COUNT(*), SUM(t."amount"), '
        f'COUNT(DISTINCT t."household_id") FROM ({base}) t GROUP BY GROUPING SETS (({items}), (t."ethnic"))'
    )
    item_rows, ethnic_rows = [], []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for *item, ethnic, by_item, n, amount, households in cursor.fetchall():
            amount = int(amount or 0)  # SUM of a bigint is a numeric (Decimal) in PostgreSQL: đồng are integers
            if by_item:
                item_rows.append({**dict(zip(ITEM_KEYS, item, strict=True)), "n": n, "amount": amount})
            else:
                ethnic_rows.append(
                    {"household__ethnic_group_id": ethnic, "households": households, "n": n, "amount": amount}
                )
    return item_rows, ethnic_rows


def _households(user, unit, year, as_of) -> dict:
    """Household support of the year up to `as_of`. Grouped on the support rows' own keys (ids, mapped to codes
    and names after): a national report sums 1,3 million rows a year, and joins to the project, sub-project and
    ethnic group tables only widened what PostgreSQL sorts. A household has one ethnic group, so the households of
    the groups add up to all households: no third pass over the rows for that."""
    supports = HouseholdSupport.objects.for_user_within(user, unit).filter(year=year, date__lte=as_of)
    if connection.vendor == "postgresql" and not is_nation(unit):
        # A unit's supports are found through its households (a scan and a probe each): once, not twice. The
        # country's are all the rows: two parallel scans beat one pass there (1,4 s against 2,5 s on the nation).
        item_rows, ethnic_rows = household_support_groups_one_pass(supports)
    else:
        item_rows, ethnic_rows = household_support_groups(supports)
    project_codes = dict(Project.objects.filter(pk__in={r["project_id"] for r in item_rows}).values_list("pk", "code"))
    sub_codes = dict(
        SubProject.objects.filter(pk__in={r["subproject_id"] for r in item_rows}).values_list("pk", "code")
    )
    by_item = defaultdict(lambda: [0, 0])
    for row in item_rows:
        key = (
            row["funding_program"],
            project_codes.get(row["project_id"], ""),
            sub_codes.get(row["subproject_id"], ""),
            row["kind"],
        )
        by_item[key][0] += row["n"]
        by_item[key][1] += row["amount"] or 0
    groups = {
        pk: (code, name)
        for pk, code, name in EthnicGroup.objects.filter(
            pk__in={r["household__ethnic_group_id"] for r in ethnic_rows}
        ).values_list("pk", "code", "name")
    }
    by_ethnic = sorted(
        (
            (*groups[row["household__ethnic_group_id"]], row["households"], row["n"], row["amount"] or 0)
            for row in ethnic_rows
        ),
        key=lambda row: row[0],
    )
    return {
        "by_item": dict(by_item),  # (program, project, sub-project, kind) → [supports, amount đồng]
        "by_ethnic": by_ethnic,  # (code, name, households, supports, amount đồng)
        "households": sum(row[2] for row in by_ethnic),
        "kinds": dict(HouseholdSupportKind.choices),
        "programs": dict(FundingProgram.choices),
    }


def _activities(user, unit, year, as_of) -> dict:
    summary = activity_summary(user=user, unit=unit, year=year, as_of=as_of)
    rows = {
        row["kind"]: row
        for row in ProgramActivity.objects.for_user(user)
        .filter(unit__path__startswith=unit.path, start_date__gte=datetime.date(year, 1, 1), start_date__lte=as_of)
        .values("kind")
        .annotate(
            n=Count("pk"),
            total=Sum("participants_total"),
            male=Sum("participants_male"),
            female=Sum("participants_female"),
        )
        .order_by()
    }
    return {
        "by_kind": [
            (
                value,
                str(label),
                rows.get(value, {}).get("n", 0),
                rows.get(value, {}).get("total") or 0,
                rows.get(value, {}).get("male") or 0,
                rows.get(value, {}).get("female") or 0,
            )
            for value, label in ActivityKind.choices
        ],
        "congress_held": summary["congress_held"],
        "congress_total": summary["congress_total"],
        "pilot_models": summary["pilot_models"],
    }


def low_rate_units(data: ReportData) -> list[tuple[AdministrativeUnit, str, Figures]]:
    """(unit, capital type or "" for both, figures) of each sub-unit whose rate is under the province's threshold;
    in a commune's report, the commune itself."""
    rows = []
    candidates = [(s.unit, data.subunit_figures.get(s.key, {})) for s in data.sections if not s.own]
    if data.unit.level == Level.COMMUNE:
        candidates = [(data.unit, data.by_type)]
    for unit, types in candidates:
        for capital_type in CapitalType.values:
            figures = types.get(capital_type)
            if figures and figures.allocated and figures.rate < data.threshold:
                rows.append((unit, capital_type, figures))
    return rows


# --- Snapshots --------------------------------------------------------------------------------------


@dataclass
class Change:
    form: str
    key: str
    label: str
    column: str
    column_key: str
    old: object
    new: object

    @property
    def is_rate(self) -> bool:
        return "rate" in self.column_key

    @property
    def delta(self):
        if isinstance(self.old, int | Decimal) and isinstance(self.new, int | Decimal):
            return self.new - self.old
        return None


def snapshot_diff(old: ReportJob, new: ReportJob) -> list[Change]:
    """What changed between two snapshots of a report: every figure the sheets show, row by row."""
    changes = []
    old_forms, new_forms = old.figures.get("forms", {}), new.figures.get("forms", {})
    for form in sorted(set(old_forms) | set(new_forms)):
        old_rows, new_rows = old_forms.get(form, {}).get("rows", {}), new_forms.get(form, {}).get("rows", {})
        columns = new_forms.get(form, old_forms.get(form, {})).get("columns", {})
        order = list(new_rows) + [key for key in old_rows if key not in new_rows]
        for key in order:
            before, after = old_rows.get(key, {}), new_rows.get(key, {})
            label = (after or before).get("label", key)
            values_before, values_after = before.get("values", {}), after.get("values", {})
            for column in list(values_after) + [c for c in values_before if c not in values_after]:
                a, b = _number(values_before.get(column)), _number(values_after.get(column))
                if a != b:
                    changes.append(Change(form, key, label, columns.get(column, column), column, a, b))
    return changes


def _number(value):
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value
