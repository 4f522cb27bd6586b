"""The demo ledger of Bắc Kạn, 2022–2026, written through the ledger's services as on the day of each record.

The 2024 figures are those of the seed report (the 2024 half-year review, July 2024): capital of the
year including 2022 and 2023 capital carried over, investment 478.635.000.000 đồng and recurrent
595.418.000.000 đồng, all assigned to units; disbursed by 30/06/2024 94.312.000.000 đồng of
investment (19,7%) and 16.076.000.000 đồng of recurrent funds (2,7%). Everything else (how the
capital splits over districts and projects, the other years) is generated from a fixed seed, so
every run writes the same ledger.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from disbursement import services
from disbursement.models import Allocation, Disbursement, PeriodKind, YearSetting
from ethnic_portal import clock
from geography.models import AdministrativeUnit, Level
from programs.models import Project, SubProject

SEED = 1719
MILLION = 1_000_000

# The seed report's figures for 2024 (đồng).
TARGET_2024 = {"investment": 478_635_000_000, "recurrent": 595_418_000_000}
DISBURSED_H1_2024 = {"investment": 94_312_000_000, "recurrent": 16_076_000_000}

# New capital of the other years, per capital type (đồng), and the share disbursed by year end.
NEW_CAPITAL = {
    2022: {"investment": 310_000_000_000, "recurrent": 420_000_000_000},
    2023: {"investment": 330_000_000_000, "recurrent": 430_000_000_000},
    2025: {"investment": 290_000_000_000, "recurrent": 380_000_000_000},
}
DISBURSED_SHARE = {2022: {"investment": 0.62, "recurrent": 0.48}, 2023: {"investment": 0.66, "recurrent": 0.52}}
DISBURSED_SHARE_2024 = {"investment": 0.78, "recurrent": 0.57}
DISBURSED_SHARE_H1_2025 = {"investment": 0.31, "recurrent": 0.12}

# What districts implement, by capital type (projects of Decision 1719).
DISTRICT_ITEMS = {
    "investment": ["DA1", "DA2", "DA3.TDA2", "DA4.TDA1", "DA5.TDA1", "DA6"],
    "recurrent": ["DA1", "DA3.TDA1", "DA3.TDA2", "DA4.TDA1", "DA5.TDA3", "DA5.TDA4", "DA6", "DA7", "DA8", "DA9.TDA2"],
}
COMMUNE_ITEMS = [("investment", "DA4.TDA1"), ("recurrent", "DA4.TDA1"), ("recurrent", "DA1")]
PROVINCE_ITEMS = {
    "investment": ["DA9.TDA1", "DA10.TDA2"],
    "recurrent": ["DA5.TDA2", "DA9.TDA1", "DA10.TDA1", "DA10.TDA3"],
}
DECISION_BODY = "UBND tỉnh Bắc Kạn"


@dataclass(frozen=True)
class Line:
    unit: AdministrativeUnit
    project: Project
    subproject: SubProject | None
    capital_type: str
    source: str


def _item(code: str) -> tuple[Project, SubProject | None]:
    if ".TDA" in code:
        sub = SubProject.objects.select_related("project").get(code=code, project__program__phase=1)
        return sub.project, sub
    return Project.objects.get(code=code, program__phase=1), None


def _lines(province: AdministrativeUnit) -> list[Line]:
    districts = list(AdministrativeUnit.objects.filter(parent=province, level=Level.DISTRICT).order_by("code"))
    lines = []
    for capital_type, codes in DISTRICT_ITEMS.items():
        for district in districts:
            for code in codes:
                project, sub = _item(code)
                lines.append(Line(district, project, sub, capital_type, "central"))
                if capital_type == "investment" and code in {"DA4.TDA1", "DA1"}:
                    lines.append(Line(district, project, sub, capital_type, "local"))  # vốn đối ứng
    # Communes that are their own investors: the first two of each district, and the three that became Xã Chợ Rã.
    communes = []
    for district in districts:
        communes += list(AdministrativeUnit.objects.filter(parent=district).order_by("code")[:2])
    communes += [
        c
        for c in AdministrativeUnit.objects.filter(code__in=["01888", "01912", "01915"], parent__parent=province)
        if c not in communes
    ]
    for commune in communes:
        for capital_type, code in COMMUNE_ITEMS:
            project, sub = _item(code)
            lines.append(Line(commune, project, sub, capital_type, "central"))
    for capital_type, codes in PROVINCE_ITEMS.items():
        for code in codes:
            project, sub = _item(code)
            lines.append(Line(province, project, sub, capital_type, "central"))
    return lines


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` đồng over the weights, in whole millions, summing exactly to `total`."""
    scale = sum(weights)
    parts = [int(total * w / scale) // MILLION * MILLION for w in weights]
    parts[parts.index(max(parts))] += total - sum(parts)
    return parts


class DemoLedger:
    def __init__(self, province_user: User, district_users: dict[int, User], new_province_user: User):
        self.rng = random.Random(SEED)
        self.province = province_user.unit
        self.province_user = province_user
        self.district_users = district_users
        self.new_province_user = new_province_user
        self.lines = _lines(self.province)
        self.voucher = 0

    # --- writing ------------------------------------------------------------------------------

    def actor_for(self, unit: AdministrativeUnit) -> User:
        for district_id, user in self.district_users.items():
            if unit.pk == district_id or unit.parent_id == district_id:
                return user
        return self.province_user if unit.path.startswith(self.province.path) else self.new_province_user

    def allocate(
        self, year: int, totals: dict[str, int], decision_date: datetime.date, decision_no: str
    ) -> list[Allocation]:
        created = []
        with clock.as_of(decision_date):
            for capital_type, total in totals.items():
                lines = [line for line in self.lines if line.capital_type == capital_type]
                weights = [self.rng.uniform(0.4, 1.6) * (0.35 if line.source == "local" else 1.0) for line in lines]
                for line, amount in zip(lines, _split(total, weights), strict=True):
                    created.append(
                        services.allocation_create(
                            actor=self.province_user,
                            year=year,
                            project=line.project,
                            subproject=line.subproject,
                            unit=line.unit,
                            capital_type=capital_type,
                            source=line.source,
                            origin_year=year,
                            amount=amount,
                            decision_no=decision_no,
                            decision_date=decision_date,
                            decision_body=DECISION_BODY,
                        )
                    )
        return created

    def disburse(
        self, allocations: list[Allocation], total: int, start: datetime.date, end: datetime.date, per_row: int = 2
    ) -> int:
        """Spread exactly `total` đồng over the allocations' remaining balances, dated between start and end."""
        room = {a.pk: a.amount - services.disbursed_total(a) for a in allocations}
        open_rows = [a for a in allocations if room[a.pk] > 0]
        if not open_rows or total <= 0:
            return 0
        shares = _split(total, [room[a.pk] * self.rng.uniform(0.2, 1.8) for a in open_rows])
        amounts = {a.pk: min(share, room[a.pk]) for a, share in zip(open_rows, shares, strict=True)}
        leftover = total - sum(amounts.values())
        for allocation in sorted(open_rows, key=lambda a: room[a.pk] - amounts[a.pk], reverse=True):
            if leftover <= 0:
                break
            take = min(leftover, room[allocation.pk] - amounts[allocation.pk])
            amounts[allocation.pk] += take
            leftover -= take
        span = (end - start).days
        written = 0
        for allocation in open_rows:
            share = amounts[allocation.pk]
            if share <= 0:
                continue
            pieces = (
                _split(share, [self.rng.uniform(0.5, 1.5) for _ in range(per_row)])
                if share >= per_row * MILLION
                else [share]
            )
            days = sorted(start + datetime.timedelta(days=self.rng.randint(0, span)) for _ in pieces)
            for day, amount in zip(days, pieces, strict=True):
                if amount <= 0:
                    continue
                self.voucher += 1
                with clock.as_of(day):
                    services.disbursement_create(
                        actor=self.actor_for(allocation.unit),
                        allocation=allocation,
                        date=day,
                        amount=amount,
                        voucher_no=f"KB-{day.year}-{self.voucher:05d}",
                    )
                written += amount
        return written

    def carry(self, from_year: int, actor: User, province: AdministrativeUnit) -> list[Allocation]:
        day = datetime.date(from_year + 1, 1, 5)
        with clock.as_of(day):
            return services.carry_over(
                actor=actor,
                province=province,
                from_year=from_year,
                decision_no=f"{from_year % 100:02d}/QĐ-UBND-CN",
                decision_date=day,
                decision_body=DECISION_BODY,
            )

    def close_periods(self, year: int, kinds, *, held_back: dict[str, str] | None = None) -> None:
        """Districts submit and the province approves; `held_back` maps a district code to the state it stays in."""
        held_back = held_back or {}
        for user in self.district_users.values():
            district = user.unit
            for kind in kinds:
                period = services.period_for(district, year, kind)
                deadline = services.deadline_of(period)
                with clock.as_of(deadline - datetime.timedelta(days=3)):
                    services.period_submit(actor=user, period=period, comment="Số liệu đã đối chiếu với Kho bạc.")
                    state = held_back.get(district.code) if kind == PeriodKind.YEAR else None
                    if state == "submitted":
                        continue
                    if state == "returned":
                        services.period_return(
                            actor=self.province_user,
                            period=period,
                            comment="Thiếu chứng từ giải ngân Dự án 4 tháng 12; đề nghị bổ sung.",
                        )
                        continue
                    services.period_approve(actor=self.province_user, period=period)

    def plans(self, allocations: list[Allocation], year: int) -> None:
        """Monthly plans for Ba Bể's allocations: the plan the seed report says districts lack."""
        with clock.as_of(datetime.date(year, 3, 1)):
            for allocation in allocations:
                if not allocation.unit.path.startswith(self.province.path + "061/"):
                    continue
                weights = [0, 0, 1, 1, 1, 2, 1, 1, 2, 2, 2, 3]
                months = dict(enumerate(_split(int(allocation.amount * 0.9) // MILLION * MILLION, weights), start=1))
                services.plan_set(
                    actor=self.actor_for(allocation.unit),
                    allocation=allocation,
                    months={m: a for m, a in months.items() if a},
                )


def _by_type(allocations) -> dict[str, list[Allocation]]:
    grouped = {"investment": [], "recurrent": []}
    for allocation in allocations:
        grouped[allocation.capital_type].append(allocation)
    return grouped


@transaction.atomic
def load_demo_ledger(*, province_user: User, district_users: dict[int, User], new_province_user: User) -> dict:
    """Write the demo ledger once: a second run finds the 2024 allocations and does nothing."""
    province = province_user.unit
    if Allocation.objects.filter(year=2024, unit__path__startswith=province.path).exists():
        return {"allocations": 0, "disbursements": 0}
    demo = DemoLedger(province_user, district_users, new_province_user)
    before = (Allocation.objects.count(), Disbursement.objects.count())

    for year in (2022, 2023):
        new = demo.allocate(year, NEW_CAPITAL[year], datetime.date(year, 1, 18), f"{year % 100 + 100}/QĐ-UBND")
        rows = new + list(
            Allocation.objects.filter(year=year, carried_from__isnull=False, unit__path__startswith=province.path)
        )
        grouped = _by_type(rows)
        for capital_type, allocations in grouped.items():
            total = sum(a.amount for a in allocations)
            share = DISBURSED_SHARE[year][capital_type]
            demo.disburse(
                allocations, int(total * share * 0.4), datetime.date(year, 2, 1), datetime.date(year, 6, 28), per_row=1
            )
            demo.disburse(
                allocations, int(total * share * 0.6), datetime.date(year, 7, 1), datetime.date(year, 12, 28), per_row=1
            )
        demo.close_periods(year, [PeriodKind.H1, PeriodKind.YEAR])
        demo.carry(year, province_user, province)

    # 2024: new capital sized so that, with the carried-over 2022 and 2023 capital, the year holds the seed figures.
    carried_2024 = list(
        Allocation.objects.filter(year=2024, carried_from__isnull=False, unit__path__startswith=province.path)
    )
    carried_totals = {t: sum(a.amount for a in carried_2024 if a.capital_type == t) for t in TARGET_2024}
    new_2024 = demo.allocate(
        2024, {t: TARGET_2024[t] - carried_totals[t] for t in TARGET_2024}, datetime.date(2024, 1, 22), "35/QĐ-UBND"
    )
    demo.plans(new_2024, 2024)
    grouped = _by_type(new_2024 + carried_2024)
    for capital_type, allocations in grouped.items():
        demo.disburse(
            allocations, DISBURSED_H1_2024[capital_type], datetime.date(2024, 2, 1), datetime.date(2024, 6, 28)
        )
    demo.close_periods(2024, [PeriodKind.H1])
    for capital_type, allocations in grouped.items():
        total = sum(a.amount for a in allocations)
        demo.disburse(
            allocations,
            int(total * DISBURSED_SHARE_2024[capital_type]) - DISBURSED_H1_2024[capital_type],
            datetime.date(2024, 7, 2),
            datetime.date(2024, 12, 27),
        )
    demo.close_periods(2024, [PeriodKind.YEAR], held_back={"061": "submitted", "066": "returned"})
    demo.carry(2024, province_user, province)

    # 2025: Bắc Kạn's last half year before the merger into Thái Nguyên.
    new_2025 = demo.allocate(2025, NEW_CAPITAL[2025], datetime.date(2025, 1, 20), "12/QĐ-UBND")
    rows_2025 = new_2025 + list(
        Allocation.objects.filter(year=2025, carried_from__isnull=False, unit__path__startswith=province.path)
    )
    for capital_type, allocations in _by_type(rows_2025).items():
        total = sum(a.amount for a in allocations)
        demo.disburse(
            allocations,
            int(total * DISBURSED_SHARE_H1_2025[capital_type]),
            datetime.date(2025, 2, 3),
            datetime.date(2025, 6, 27),
            per_row=1,
        )
    demo.close_periods(2025, [PeriodKind.H1])

    # 2026: the new Thái Nguyên carries Bắc Kạn's remaining balances to the communes that replaced its units.
    new_province = new_province_user.unit
    carried_2026 = demo.carry(2025, new_province_user, province)
    today = clock.today()
    _keep_current_year_open(new_province, today)
    if carried_2026 and today > datetime.date(2026, 2, 1):
        communes = [a for a in carried_2026 if a.unit.level == Level.COMMUNE]
        end = min(today, datetime.date(2026, 12, 31))
        for capital_type, allocations in _by_type(communes).items():
            total = sum(a.amount for a in allocations)
            share = 0.35 if capital_type == "investment" else 0.2
            demo.disburse(
                allocations, int(total * share), datetime.date(2026, 2, 2), end - datetime.timedelta(days=1), per_row=1
            )
    after = (Allocation.objects.count(), Disbursement.objects.count())
    return {"allocations": after[0] - before[0], "disbursements": after[1] - before[1]}


def _keep_current_year_open(province: AdministrativeUnit, today: datetime.date) -> None:
    """The demo's province gives the current year's first half a deadline a month ahead, so a newcomer can enter data at once."""
    defaults = YearSetting.defaults(today.year)
    h1 = max(defaults["h1_deadline"], today + datetime.timedelta(days=30))
    YearSetting.objects.update_or_create(
        province=province,
        year=today.year,
        defaults={
            "h1_deadline": h1,
            "year_deadline": max(defaults["year_deadline"], h1),
            "carryover_deadline": defaults["carryover_deadline"],
        },
    )
