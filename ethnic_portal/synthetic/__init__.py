"""A synthetic nation for benchmarks: `python manage.py generate_synthetic` (issue 8).

Deterministic: the same seed and scale on the same reference data give the same rows, byte for byte (pks
included: the program tables are emptied and filled from pk 1; units and users continue after the reference
data's). Loaded with COPY on PostgreSQL, with executemany on SQLite (small scales), in one transaction: a
failure leaves the database as it was.

The parts: nation.py (units, users), ledger.py (allocations, disbursements, plans, settings, periods),
people.py (persons, courses, support, households, household support), writer.py (the streams), database.py
(guard, emptying, sequences, statistics).
"""

import time
from dataclasses import dataclass, field

from django.db import connection, transaction

from ethnic_portal import clock, versions

from . import database, ledger, nation, people
from .common import DATA_UNTIL, SYNTHETIC_SOURCE, USER_PREFIX, Context
from .database import SyntheticError
from .nation import PASSWORD

__all__ = ["DATA_UNTIL", "PASSWORD", "SYNTHETIC_SOURCE", "USER_PREFIX", "Report", "SyntheticError", "generate"]


@dataclass
class Report:
    steps: list = field(default_factory=list)  # (label, rows or None, seconds)
    total_seconds: float = 0.0
    summaries: dict | None = None
    cases: dict | None = None  # overlap and duplicate cases found (beneficiaries/cases.py), by type
    users: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def rows(self, label: str) -> int:
        return next(rows for name, rows, _s in self.steps if name == label)


class _Steps:
    def __init__(self, report: Report, echo):
        self.report = report
        self.echo = echo

    def run(self, label: str, function, *args):
        started = time.perf_counter()
        result = function(*args)
        seconds = time.perf_counter() - started
        rows = result[0] if isinstance(result, tuple) else None
        self.report.steps.append((label, rows, seconds))
        if self.echo:
            self.echo(label, rows, seconds)
        return result


def _check_ready() -> None:
    if clock.today() < DATA_UNTIL:
        raise SyntheticError(
            f"Dữ liệu tổng hợp có ngày đến {DATA_UNTIL:%d/%m/%Y}; hôm nay của hệ thống là {clock.today():%d/%m/%Y}: "
            "không ghi số liệu ở tương lai."
        )
    tables = set(connection.introspection.table_names())
    needed = [m._meta.db_table for m in database.program_models()]
    missing = [t for t in needed if t not in tables]
    if missing:
        raise SyntheticError(f"Cơ sở dữ liệu chưa có bảng {missing[0]}: chạy `python manage.py migrate` trước.")


def _reference_data_missing() -> bool:
    from geography.models import AdministrativeUnit

    return not AdministrativeUnit.objects.filter(level="province", valid_to__isnull=True).exists()


def _load_reference_data() -> None:
    import io

    from django.core.management import call_command

    call_command("load_reference_data", verbosity=0, stdout=io.StringIO())


def generate(*, scale: float = 1.0, seed: int = 1719, force: bool = False, verify: bool = True, echo=None) -> Report:
    """Empty the program data and load the synthetic nation. `echo(label, rows, seconds)` hears each step."""
    if not 0 < scale <= 3:
        raise SyntheticError("Tỷ lệ (--scale) phải lớn hơn 0 và không quá 3.")
    report = Report()
    started = time.perf_counter()
    _check_ready()
    steps = _Steps(report, echo)
    if _reference_data_missing():
        steps.run("load_reference_data", _load_reference_data)
    ctx = Context(seed=seed, scale=scale)
    with transaction.atomic():
        if connection.vendor == "postgresql":  # the indexes are built after each table is copied: sort in memory
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        foreign = database.foreign_rows()
        if foreign and not force:
            listed = "; ".join(f"{name}: {count:,}".replace(",", ".") for name, count in foreign)
            raise SyntheticError(
                "Cơ sở dữ liệu này đang có dữ liệu chương trình không phải dữ liệu tổng hợp "
                f"({listed}). generate_synthetic XÓA toàn bộ dữ liệu chương trình (phân bổ, giải ngân, người có uy "
                "tín, hộ, báo cáo…) trước khi nạp. Hãy trỏ DATABASE_URL vào một cơ sở dữ liệu riêng (ví dụ "
                "ethnic_portal_bench), hoặc chạy lại với --force nếu chắc chắn muốn xóa."
            )
        steps.run("xóa dữ liệu chương trình cũ", database.empty)
        from accounts.models import User
        from geography.models import AdministrativeUnit

        the_nation = steps.run("lập danh sách đơn vị", nation.plan_nation, ctx)
        nation.plan_users(ctx, the_nation)
        steps.run(AdministrativeUnit._meta.db_table, nation.write_units, ctx, the_nation)
        steps.run(User._meta.db_table, nation.write_users, ctx, the_nation)
        specs = steps.run("lập kế hoạch phân bổ", ledger.plan_ledger, ctx, the_nation)
        for label, function, args in (
            ("disbursement_allocation", ledger.write_allocations, (ctx, specs)),
            ("disbursement_disbursement", ledger.write_disbursements, (ctx, specs)),
            ("disbursement_planline", ledger.write_plans, (ctx, specs)),
            ("disbursement_yearsetting", ledger.write_settings, (ctx, the_nation)),
            ("disbursement_period", ledger.write_periods, (ctx, the_nation)),
            ("disbursement_periodevent", ledger.write_events, (ctx, the_nation)),
        ):
            steps.run(label, function, *args)
        del specs
        ref = people.reference()
        courses = people.plan_courses(ctx, the_nation, ref)
        persons: list = []
        known = people.Households()
        for label, function, args in (
            ("beneficiaries_prestigiousperson", people.write_persons, (ctx, the_nation, ref, persons)),
            ("beneficiaries_trainingcourse", people.write_courses, (ctx, the_nation, ref, courses)),
            ("beneficiaries_supportactivity", people.write_activities, (ctx, ref, persons, courses)),
            ("beneficiaries_household", people.write_households, (ctx, the_nation, ref, known)),
            ("beneficiaries_householdsupport", people.write_household_supports, (ctx, ref, known)),
        ):
            steps.run(label, function, *args)
        filled = _filled_models()
        steps.run("đặt lại sequence", database.reset_sequences, filled)
        report.summaries = steps.run("bảng tổng hợp (rebuild_all)", _rebuild_summaries)
        report.cases = steps.run("trường hợp trùng lặp, tổng hợp hộ (cases, totals)", _rebuild_cases)
        if verify:
            report.problems = steps.run("kiểm tra", check)
            if report.problems:
                raise SyntheticError("Dữ liệu vừa sinh sai: " + "; ".join(report.problems))
    steps.run("VACUUM ANALYZE", database.analyze, [*_filled_models(), *_summary_models()])
    # COPY bypasses the portal's watch on writes: say that the data changed (cached pages are not served again).
    versions.bump()
    report.users = {
        "password": PASSWORD,
        "national": f"{USER_PREFIX}bo" if the_nation.national_user_pk else None,
        "province": [f"{USER_PREFIX}tinh.{p.code}" for p in the_nation.provinces],
        "commune_count": len(the_nation.communes),
        "commune_example": f"{USER_PREFIX}xa.{the_nation.provinces[0].communes[0].code}",
    }
    report.total_seconds = time.perf_counter() - started
    return report


def _summary_models() -> list:
    """The tables rebuild_all() fills from the loaded rows."""
    from beneficiaries.models import FoundCase, HouseholdSupportTotal, HouseholdTotal, HouseholdYearTotal
    from disbursement.models import LedgerMonthSummary, LedgerSummary

    return [LedgerSummary, LedgerMonthSummary, FoundCase, HouseholdTotal, HouseholdSupportTotal, HouseholdYearTotal]


def _filled_models() -> list:
    from accounts.models import User
    from beneficiaries.models import (
        Household,
        HouseholdSupport,
        PrestigiousPerson,
        SupportActivity,
        TrainingCourse,
    )
    from disbursement.models import Allocation, Disbursement, Period, PeriodEvent, PlanLine, YearSetting
    from geography.models import AdministrativeUnit

    return [
        AdministrativeUnit,
        User,
        Allocation,
        Disbursement,
        PlanLine,
        YearSetting,
        Period,
        PeriodEvent,
        PrestigiousPerson,
        TrainingCourse,
        SupportActivity,
        Household,
        HouseholdSupport,
    ]


def _rebuild_summaries():
    """The summary tables of disbursement/summary.py, where that module exists: rebuilt from the rows just loaded."""
    try:
        from disbursement import summary
    except ImportError:
        return None
    rebuild = getattr(summary, "rebuild_all", None)
    return rebuild() if rebuild else None


def _rebuild_cases() -> dict:
    """The table of overlap and duplicate cases (beneficiaries/cases.py) and the lists' running totals
    (beneficiaries/totals.py), from the rows just loaded."""
    from beneficiaries import cases, totals

    return {**cases.rebuild_all(), **totals.rebuild_all()}


def check() -> list[str]:
    """Set-based checks of what was loaded (cheap next to the load): no allocation overspent, carried balances
    exact, every synthetic unit's path built from its parent's, citizen ID numbers of 12 digits."""
    from disbursement.models import Allocation, Disbursement
    from geography.models import AdministrativeUnit

    q = connection.ops.quote_name
    allocation, disbursement = q(Allocation._meta.db_table), q(Disbursement._meta.db_table)
    problems = []
    with connection.cursor() as cursor:
        spent = f"(SELECT allocation_id, SUM(amount) AS total FROM {disbursement} GROUP BY allocation_id)"
        cursor.execute(
            f"SELECT COUNT(*) FROM {allocation} a JOIN {spent} d ON d.allocation_id = a.id WHERE d.total > a.amount"
        )
        if (n := cursor.fetchone()[0]) != 0:
            problems.append(f"{n} phân bổ bị giải ngân vượt số vốn")
        cursor.execute(
            f"SELECT COUNT(*) FROM {allocation} c JOIN {allocation} s ON s.id = c.carried_from_id "
            f"LEFT JOIN {spent} d ON d.allocation_id = s.id "
            f"WHERE c.amount <> s.amount - COALESCE(d.total, 0) OR c.origin_year <> s.origin_year "
            f"OR c.year <> s.year + 1"
        )
        if (n := cursor.fetchone()[0]) != 0:
            problems.append(f"{n} phân bổ chuyển nguồn không khớp số dư năm trước")
        cursor.execute(f"SELECT COUNT(*) FROM {disbursement} WHERE date > %s", [DATA_UNTIL])
        if (n := cursor.fetchone()[0]) != 0:
            problems.append(f"{n} khoản giải ngân sau ngày {DATA_UNTIL:%d/%m/%Y}")
    paths = dict(AdministrativeUnit.objects.values_list("pk", "path"))
    synthetic = AdministrativeUnit.objects.filter(source=SYNTHETIC_SOURCE)
    for code, parent_id, path, valid_from in synthetic.values_list("code", "parent_id", "path", "valid_from"):
        expected = paths.get(parent_id, "") + AdministrativeUnit.path_segment(code, valid_from) + "/"
        if path != expected:
            problems.append(f"đường dẫn của đơn vị {code} là {path}, phải là {expected}")
            break
    from beneficiaries.models import Household

    bad = Household.objects.exclude(head_id_number__regex=r"^0[0-9]{11}$").count()
    if bad:
        problems.append(f"{bad} số định danh không đúng dạng")
    return problems
