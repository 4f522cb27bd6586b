"""The synthetic ledger: allocations, disbursements, monthly plans, year settings, periods and their events.

Three budget years. 2024 and 2025 (phase I) get new capital by the province's decisions of January (and a
supplementary decision in June); each year's unspent balances are carried into the next year by a decision of
February, as `disbursement.services.carry_over` does (same line and origin year, `carried_from` set, amount =
allocated − disbursed). 2026 is phase II, whose structure is not published: the services refuse new 2026 capital,
so 2026 holds only the balances carried from 2025 (some of them first carried from 2024).

Every allocation gets a disbursement rate before its rows are made: most units disburse 55–100 %, about a third
lag (0–60 %); a carried balance is disbursed faster. The disbursed total is split into a few vouchers dated
inside the allocation's window (after its decision, within the budget year or the carry-over deadline, never
after DATA_UNTIL), so no allocation is ever overspent. About a third of the new allocations have a monthly plan.
"""

import datetime
import math
from dataclasses import dataclass

from disbursement.models import (
    Allocation,
    Disbursement,
    PeriodAction,
    PeriodEvent,
    PeriodKind,
    PeriodStatus,
    PlanLine,
    Source,
    YearSetting,
)
from disbursement.models import Period as PeriodModel
from programs.models import BudgetYear, CapitalType, Project

from .common import ISO, NEW_CAPITAL_YEARS, UNTIL, YEARS, Context, ordinal, stamp
from .nation import Nation
from .writer import write


class LedgerError(Exception):
    pass


# Weights of the items (project or sub-project) a commune gets capital for, and their amounts.
ITEM_WEIGHT = {
    "DA1": 1.0,
    "DA2": 0.5,
    "DA3.TDA1": 0.6,
    "DA3.TDA2": 1.2,
    "DA4.TDA1": 2.5,
    "DA4.TDA2": 0.4,
    "DA5.TDA1": 0.8,
    "DA5.TDA2": 0.3,
    "DA5.TDA3": 0.7,
    "DA5.TDA4": 0.9,
    "DA6": 0.7,
    "DA7": 0.6,
    "DA8": 0.6,
    "DA9.TDA1": 0.3,
    "DA9.TDA2": 0.4,
    "DA10.TDA1": 0.5,
    "DA10.TDA2": 0.4,
    "DA10.TDA3": 0.8,
}
ITEM_AMOUNT = {"DA4.TDA1": 1.8, "DA2": 1.5, "DA1": 0.8, "DA5.TDA1": 1.3, "DA9.TDA1": 1.4}
CAPITAL_MEDIAN = {CapitalType.INVESTMENT: 1_200_000_000, CapitalType.RECURRENT: 220_000_000}
SOURCES = [(Source.CENTRAL.value, 0.72, 1.0), (Source.LOCAL.value, 0.23, 0.25), (Source.OTHER.value, 0.05, 0.15)]
REGION_AMOUNT = {"III": 1.3, "II": 1.0, "I": 0.7, "": 0.8}
PROVINCE_LINE_WEIGHT = 2.5  # the province's own capital, in commune-equivalents of lines
PROVINCE_AMOUNT = 3.0
MILLION = 1_000_000

# Disbursement behaviour: P(lagging unit), and the expected shares used to size the load.
LAG_SHARE = 0.3
P_FULL_NEW = (1 - LAG_SHARE) * (0.25 / 0.70)  # normal units: min(1, U(0.55, 1.25))
P_FULL_CARRIED = (1 - LAG_SHARE) * (0.40 / 0.80)  # normal units: min(1, U(0.60, 1.40))
P_ZERO_NEW = LAG_SHARE * (0.12 / 0.70)  # lagging: U(-0.10, 0.60) below 0.02 → nothing disbursed
PROGRESS_2026 = 0.85  # carried 2026 balances: as of DATA_UNTIL, not yet the year's end


@dataclass(slots=True)
class Spec:
    """One allocation and what is decided about it before its rows are written."""

    pk: int
    year: int
    project_pk: int
    subproject_pk: int | None
    unit_pk: int
    unit_name: str
    user_pk: int  # who records its disbursements: the commune's officer, or the province's
    capital_type: str
    source: str
    origin_year: int
    amount: int
    decision_no: str
    decision_day: int  # ordinal
    body: str
    carried_from: int | None
    province_user_pk: int
    province_code: str
    disbursed: int = 0
    start: int = 0  # first and last day its disbursements may carry (ordinals)
    end: int = 0


def _items():
    """(project pk, sub-project pk or None, item code, capital type, weight) of phase I."""
    phase = BudgetYear.objects.select_related("program").filter(year=NEW_CAPITAL_YEARS[0]).first()
    later = BudgetYear.objects.filter(year=YEARS[-1]).first()
    if phase is None or later is None:
        raise LedgerError(
            f"Thiếu năm ngân sách {NEW_CAPITAL_YEARS[0]} hoặc {YEARS[-1]}: chạy `python manage.py load_reference_data`."
        )
    items = []
    for project in Project.objects.filter(program=phase.program).order_by("number").prefetch_related("subprojects"):
        subs = sorted(project.subprojects.all(), key=lambda s: s.number)
        for item, sub_pk in [(s, s.pk) for s in subs] or [(project, None)]:
            for capital_type in item.capital_type_list:
                weight = ITEM_WEIGHT.get(item.code, 0.5)
                items.append((project.pk, sub_pk, item.code, capital_type, weight))
    if not items:
        raise LedgerError("Chưa có cơ cấu dự án giai đoạn I: chạy `python manage.py load_reference_data`.")
    return items


def _new_lines_per_year(ctx: Context) -> int:
    """New lines per year such that new + carried allocations of the three years come to the target."""
    carried_share = 1 - P_FULL_NEW
    again = 1 - P_FULL_CARRIED
    per_new_line = 2 + carried_share + carried_share * again + carried_share
    return max(1, round(ctx.target("allocations") / per_new_line))


def _rate(rng, lagging: bool, carried: bool) -> float:
    if lagging:
        rate = rng.uniform(0.10, 0.80) if carried else rng.uniform(-0.10, 0.60)
        return 0.0 if rate < 0.02 else rate
    return min(1.0, rng.uniform(0.60, 1.40) if carried else rng.uniform(0.55, 1.25))


def _decisions(ctx: Context, nation: Nation) -> dict:
    """The province's decisions: (province code, year, kind) → (number, day ordinal)."""
    decisions = {}
    for province in nation.provinces:
        rng = ctx.rng("decisions", province.code)
        for year in YEARS:
            decisions[(province.code, year, "main")] = (
                f"{rng.randint(20, 180)}/QĐ-UBND",
                ordinal(year, 1, rng.randint(5, 28)),
            )
            decisions[(province.code, year, "extra")] = (
                f"{rng.randint(900, 1500)}/QĐ-UBND",
                ordinal(year, 6, rng.randint(1, 30)),
            )
            decisions[(province.code, year, "carry")] = (
                f"{rng.randint(200, 400)}/QĐ-UBND",
                ordinal(year, 2, rng.randint(1, 28)),
            )
    return decisions


def plan_ledger(ctx: Context, nation: Nation) -> list[Spec]:
    """Every allocation of the three years, in pk order, with its disbursed total and its window."""
    items = _items()
    decisions = _decisions(ctx, nation)
    per_year = _new_lines_per_year(ctx)
    units = []  # (province, unit pk, name, region, user pk, line weight, amount factor)
    for province in nation.provinces:
        units.append(
            (province, province.pk, province.name, "", province.user_pk, PROVINCE_LINE_WEIGHT, PROVINCE_AMOUNT)
        )
        for commune in province.communes:
            units.append((province, commune.pk, commune.name, commune.region, commune.user_pk, commune.weight, 1.0))
    total_weight = sum(u[5] * u[0].weight for u in units)
    combos = [(item, source) for item in items for source in SOURCES]
    specs: list[Spec] = []
    pk = 1
    by_year: dict[int, list[Spec]] = {}
    for year in YEARS:
        rng = ctx.rng("allocations", year)
        rates = ctx.rng("rates", year)
        this_year = []
        # Balances carried from the year before, by the province's carry-over decision.
        for source in by_year.get(year - 1, []):
            remaining = source.amount - source.disbursed
            if remaining <= 0:
                continue
            number, day = decisions[(source.province_code, year, "carry")]
            spec = Spec(
                pk=pk,
                year=year,
                project_pk=source.project_pk,
                subproject_pk=source.subproject_pk,
                unit_pk=source.unit_pk,
                unit_name=source.unit_name,
                user_pk=source.user_pk,
                capital_type=source.capital_type,
                source=source.source,
                origin_year=source.origin_year,
                amount=remaining,
                decision_no=number,
                decision_day=day,
                body=source.body,
                carried_from=source.pk,
                province_user_pk=source.province_user_pk,
                province_code=source.province_code,
            )
            pk += 1
            this_year.append(spec)
        # New capital of the year (phase I only).
        if year in NEW_CAPITAL_YEARS:
            for province, unit_pk, unit_name, region, user_pk, line_weight, amount_factor in units:
                expected = per_year * line_weight * province.weight / total_weight
                count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
                if count == 0:
                    continue
                count = min(len(combos), max(1, round(count * rng.uniform(0.7, 1.3))))
                ranked = sorted(
                    range(len(combos)),
                    key=lambda i: rng.random() ** (1.0 / (combos[i][0][4] * combos[i][1][1])),
                    reverse=True,
                )
                for index in sorted(ranked[:count]):
                    (project_pk, sub_pk, code, capital_type, _w), (source, _sw, source_factor) = combos[index]
                    median = CAPITAL_MEDIAN[capital_type] * ITEM_AMOUNT.get(code, 1.0) * source_factor
                    median *= REGION_AMOUNT[region] * amount_factor
                    amount = max(10, round(median * math.exp(rng.gauss(0, 0.7)) / MILLION)) * MILLION
                    kind = "extra" if rng.random() < 0.2 else "main"
                    number, day = decisions[(province.code, year, kind)]
                    this_year.append(
                        Spec(
                            pk=pk,
                            year=year,
                            project_pk=project_pk,
                            subproject_pk=sub_pk,
                            unit_pk=unit_pk,
                            unit_name=unit_name,
                            user_pk=user_pk,
                            capital_type=capital_type,
                            source=source,
                            origin_year=year,
                            amount=amount,
                            decision_no=number,
                            decision_day=day,
                            body=province.body,
                            carried_from=None,
                            province_user_pk=province.user_pk,
                            province_code=province.code,
                        )
                    )
                    pk += 1
        # What each allocation of the year disburses, and when it may.
        lagging = {}
        for spec in this_year:
            if spec.unit_pk not in lagging:
                lagging[spec.unit_pk] = rates.random() < LAG_SHARE
            carried = spec.carried_from is not None
            rate = _rate(rates, lagging[spec.unit_pk], carried)
            if year == YEARS[-1]:
                rate *= PROGRESS_2026
            spec.disbursed = min(spec.amount, round(spec.amount * rate / 1000) * 1000)
            spec.start = spec.decision_day + rates.randint(3, 20)
            spec.end = min(ordinal(year, 12, 31), UNTIL)
            if spec.start > spec.end:
                spec.start = spec.end
        by_year[year] = this_year
        specs.extend(this_year)
    return specs


ALLOCATION_FIELDS = [
    "id",
    "year",
    "project_id",
    "subproject_id",
    "unit_id",
    "capital_type",
    "source",
    "origin_year",
    "amount",
    "decision_no",
    "decision_date",
    "decision_body",
    "note",
    "carried_from_id",
    "created_by_id",
    "created_at",
    "updated_at",
]


def allocation_rows(specs: list[Spec]):
    years = {spec.pk: spec.year for spec in specs}
    names = {spec.pk: spec.unit_name for spec in specs}
    for spec in specs:
        note = ""
        if spec.carried_from is not None:
            note = f"Chuyển nguồn từ phân bổ {spec.carried_from} năm {years[spec.carried_from]} ({names[spec.carried_from]})"
        created = stamp(spec.decision_day + 2, spec.pk)
        yield (
            spec.pk,
            spec.year,
            spec.project_pk,
            spec.subproject_pk,
            spec.unit_pk,
            spec.capital_type,
            spec.source,
            spec.origin_year,
            spec.amount,
            spec.decision_no,
            ISO[spec.decision_day],
            spec.body,
            note,
            spec.carried_from,
            spec.province_user_pk,
            created,
            created,
        )


def write_allocations(ctx: Context, specs: list[Spec]):
    return write(Allocation, ALLOCATION_FIELDS, allocation_rows(specs), fresh=True)


DISBURSEMENT_FIELDS = [
    "id",
    "allocation_id",
    "date",
    "amount",
    "voucher_no",
    "note",
    "created_by_id",
    "created_at",
    "updated_at",
]


def _mean_vouchers(ctx: Context, specs: list[Spec]) -> float:
    paying = sum(1 for spec in specs if spec.disbursed > 0) or 1
    return max(1.0, ctx.target("disbursements") / paying)


def disbursement_rows(ctx: Context, specs: list[Spec]):
    rng = ctx.rng("disbursements")
    mean = _mean_vouchers(ctx, specs)
    spread = 2 * (mean - 1)
    counters: dict[tuple[int, int], int] = {}
    pk = 1
    for spec in specs:
        total = spec.disbursed
        if total <= 0:
            continue
        thousands = total // 1000
        count = max(1, min(thousands, 1 + int(rng.random() * spread + 0.5), 40))
        cuts = sorted(rng.sample(range(1, thousands), count - 1)) if count > 1 else []
        bounds = [0, *cuts, thousands]
        carried = spec.carried_from is not None
        if carried:
            days = sorted(rng.randint(spec.start, spec.end) for _ in range(count))
        else:
            days = sorted(int(rng.triangular(spec.start, spec.end + 0.999, spec.end + 0.999)) for _ in range(count))
        yy = spec.year % 100
        investment = spec.capital_type == CapitalType.INVESTMENT
        for index in range(count):
            amount = (bounds[index + 1] - bounds[index]) * 1000
            key = (spec.unit_pk, spec.year)
            counters[key] = counters.get(key, 0) + 1
            if investment:
                note = "Tạm ứng hợp đồng" if index == 0 and count > 1 else "Thanh toán khối lượng hoàn thành"
            else:
                note = "Chi theo danh sách được duyệt" if index % 3 == 0 else ""
            day = min(days[index], UNTIL)
            created = stamp(day, pk)
            yield (pk, spec.pk, ISO[day], amount, f"{counters[key]:04d}/UNC-{yy}", note, spec.user_pk, created, created)
            pk += 1


def write_disbursements(ctx: Context, specs: list[Spec]):
    return write(Disbursement, DISBURSEMENT_FIELDS, disbursement_rows(ctx, specs), fresh=True)


PLAN_FIELDS = ["id", "allocation_id", "month", "amount"]


def plan_rows(ctx: Context, specs: list[Spec]):
    rng = ctx.rng("plans")
    pk = 1
    for spec in specs:
        carried = spec.carried_from is not None
        if rng.random() >= (0.2 if carried else 0.35):
            continue
        first = datetime.date.fromordinal(spec.decision_day).month + 1
        quarterly = rng.random() < 0.6  # a quarter's plan sits on its last month
        months = [m for m in (3, 6, 9, 12) if m >= first] if quarterly else list(range(first, 13))
        if not months:
            continue
        planned = min(spec.amount, round(spec.amount * rng.uniform(0.85, 1.0) / MILLION) * MILLION) or spec.amount
        weights = [index + 1 for index in range(len(months))]  # later months plan more, as the money moves late
        total_weight = sum(weights)
        left = planned
        for index, month in enumerate(months):
            amount = left if index == len(months) - 1 else (planned * weights[index] // total_weight) // 1000 * 1000
            left -= amount
            yield (pk, spec.pk, month, amount)
            pk += 1


def write_plans(ctx: Context, specs: list[Spec]):
    return write(PlanLine, PLAN_FIELDS, plan_rows(ctx, specs), fresh=True)


# --- Year settings, periods and their events ------------------------------------------------------------------

SETTING_FIELDS = ["id", "province_id", "year", "h1_deadline", "year_deadline", "carryover_deadline"]


def setting_rows(ctx: Context, nation: Nation):
    rng = ctx.rng("settings")
    pk = 1
    for province in nation.provinces:
        for year in YEARS:
            h1 = ordinal(year, 9, 20) if rng.random() < 0.7 else ordinal(year, 8, rng.choice((15, 31)))
            full = ordinal(year + 1, 2, 5) if rng.random() < 0.7 else ordinal(year + 1, 1, 31)
            # The carried balances may be disbursed to the year's end (the default); a few provinces say so
            # explicitly, none shortens it (the load's 2026 vouchers run to DATA_UNTIL).
            yield (pk, province.pk, year, ISO[h1], ISO[full], ISO[ordinal(year, 12, 31)])
            pk += 1


def write_settings(ctx: Context, nation: Nation):
    return write(YearSetting, SETTING_FIELDS, setting_rows(ctx, nation), fresh=True)


PERIOD_FIELDS = ["id", "unit_id", "year", "kind", "status", "updated_at"]
EVENT_FIELDS = ["id", "period_id", "action", "from_status", "to_status", "actor_id", "at", "comment"]

RETURN_COMMENTS = (
    "Đề nghị rà soát lại số liệu giải ngân Dự án 4.",
    "Số liệu vốn chuyển sang chưa khớp quyết định chuyển nguồn, đề nghị kiểm tra.",
    "Thiếu số chứng từ của một số khoản giải ngân, đề nghị bổ sung.",
)

# (year, kind) → [(share, path of statuses after OPEN)]: where the communes' periods stand.
PERIOD_PATHS = {
    (2024, PeriodKind.H1): [(0.93, "SA"), (0.07, "SRSA")],
    (2024, PeriodKind.YEAR): [(0.90, "SA"), (0.10, "SRSA")],
    (2025, PeriodKind.H1): [(0.92, "SA"), (0.05, "SRSA"), (0.03, "S")],
    (2025, PeriodKind.YEAR): [(0.68, "SA"), (0.04, "SRSA"), (0.18, "S"), (0.05, "SR"), (0.05, "")],
    (2026, PeriodKind.H1): [(0.50, "SA"), (0.05, "SRSA"), (0.25, "S"), (0.05, "SR"), (0.15, "")],
}
STEP = {
    "S": (PeriodAction.SUBMIT, PeriodStatus.SUBMITTED),
    "A": (PeriodAction.APPROVE, PeriodStatus.APPROVED),
    "R": (PeriodAction.RETURN, PeriodStatus.RETURNED),
}


def _period_plan(ctx: Context, nation: Nation):
    """Each reporting unit's periods (every commune reports straight to its province since 1/7/2025) with the
    events that brought them where they stand. 2026's full year is still open: no row."""
    rng = ctx.rng("periods")
    period_pk = 1
    for province in nation.provinces:
        for commune in province.communes:
            for (year, kind), paths in PERIOD_PATHS.items():
                draw, path = rng.random(), paths[-1][1]
                for share, candidate in paths:
                    if draw < share:
                        path = candidate
                        break
                    draw -= share
                if kind == PeriodKind.H1:
                    day = ordinal(year, 7, 5) + rng.randint(0, 70)
                else:
                    day = ordinal(year + 1, 1, 5) + rng.randint(0, 25)
                events = []
                status = PeriodStatus.OPEN
                for letter in path:
                    action, to = STEP[letter]
                    actor = commune.user_pk if letter == "S" else province.user_pk
                    comment = rng.choice(RETURN_COMMENTS) if letter == "R" else ""
                    day = min(day, UNTIL)
                    events.append(
                        (action.value, status.value, to.value, actor, stamp(day, rng.randint(0, 599)), comment)
                    )
                    status = to
                    day += rng.randint(2, 12)
                updated = events[-1][4] if events else stamp(ordinal(year, 1, 2), 0)
                yield (period_pk, commune.pk, year, kind.value, status.value, updated), events
                period_pk += 1


def write_periods(ctx: Context, nation: Nation):
    return write(PeriodModel, PERIOD_FIELDS, (period for period, _events in _period_plan(ctx, nation)), fresh=True)


def write_events(ctx: Context, nation: Nation):
    def rows():
        pk = 1
        for period, events in _period_plan(ctx, nation):
            for event in events:
                yield (pk, period[0], *event)
                pk += 1

    return write(PeriodEvent, EVENT_FIELDS, rows(), fresh=True)
