"""Benchmark: import a 10.000-row household file through the Excel importer, with full validation.

    python bench/import_households.py [--rows 10000]

Makes a fresh database (Django's test database: a new SQLite file by default, a new PostgreSQL database
when DATABASE_URL=postgres://… is set), loads the reference data and the demo villages, generates a
deterministic file of households spread over the villages of the new Thái Nguyên, and imports it as a
province officer would: the preview (a dry run, everything checked and rolled back), then the confirmed
import (one transaction, a savepoint per row, every row through `household_create`, history written).
Prints rows, seconds, rows/s and the peak memory of the process; the goal (issue 8) is under 30 s for
10.000 rows. The database is dropped at the end.

`measure(rows=…)` runs the same two steps for the main benchmark on the database Django is connected to (the
synthetic nation): a province officer of the province with the most villages imports a file over its villages
(ID numbers the database does not hold yet), and the confirmed import is rolled back at the end (`keep=False`)
so that the benchmark's data stays as generated. It returns the figures as a dict.
"""

import argparse
import contextlib
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethnic_portal.settings_test")

SEED = 8
SURNAMES = ["Hoàng", "Nông", "Triệu", "Lý", "Ma", "Hà", "Lương", "Lục", "Bàn", "Đặng", "Dương", "Hứa", "Giàng", "Vàng"]
MIDDLE = {"male": ["Văn", "Đức", "Quang", "Seo"], "female": ["Thị", "Kim", "Ngọc"]}
GIVEN = {
    "male": ["Thắng", "Hùng", "Dũng", "Tài", "Sinh", "Phin", "Páo", "Chản", "Lìn", "Mềnh", "Quý", "Thường"],
    "female": ["Lan", "Mai", "Phượng", "Hoa", "Thu", "Chín", "Nhất", "Dung", "Mảy", "Xuân"],
}
ETHNIC = ["Tày", "02", "Nùng", "07", "Dao", "09", "Mông", "08", "Kinh", "01"]
POVERTY = ["Hộ nghèo", "Hộ cận nghèo", "Không"]


def out(line: str = "", *, stream=None) -> None:
    (stream or sys.stdout).write(line + "\n")


def generate(rows: int, village_codes: list[str], *, serial_base: int = 0) -> bytes:
    """A deterministic household file in the importer's template (the same file on every run); `serial_base`
    shifts the serial part of the ID numbers (away from numbers a database already holds)."""
    from openpyxl import Workbook

    from beneficiaries.excel.columns import HOUSEHOLD_COLUMNS

    rng = random.Random(SEED)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhap lieu")
    sheet.append([column.header for column in HOUSEHOLD_COLUMNS])
    for index in range(rows):
        gender = "male" if rng.random() < 0.8 else "female"
        born = rng.randint(1950, 2004)
        century = 0 if born < 2000 else 2
        serial = (serial_base + index) % 1_000_000
        id_number = f"{rng.randint(1, 96):03d}{century + (gender == 'female')}{born % 100:02d}{serial:06d}"
        status = rng.choice(POVERTY)
        sheet.append(
            [
                f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}",
                id_number,
                rng.choice(ETHNIC),
                village_codes[index % len(village_codes)],
                rng.randint(1, 9),
                status,
                None if status == "Không" else rng.choice([2023, 2024, 2025]),
                None,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOAL_SECONDS = 30


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _server_cpu() -> float | None:
    """CPU seconds the database server process of this connection has used (PostgreSQL on this machine, read from
    /proc), else None. With the portal's own CPU time it tells what a step costs apart from waiting for the two
    cores: on a busy machine wall time mostly measures the other work."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _numbers(content: bytes) -> list[str]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [str(row[1]) for row in sheet.iter_rows(min_row=2, values_only=True)]


def _province_and_villages():
    """The province whose officer imports: new Thái Nguyên when its villages are loaded (the demo), else the
    province with the most villages."""

    from geography.models import AdministrativeUnit

    def villages_of(province):
        return list(
            AdministrativeUnit.objects.filter(level="village", path__startswith=province.path)
            .order_by("path")
            .values_list("code", flat=True)
        )

    current = AdministrativeUnit.objects.filter(code="19", level="province", valid_from__isnull=False).first()
    if current is not None and (villages := villages_of(current)):
        return current, villages
    provinces = AdministrativeUnit.objects.filter(level="province", valid_to__isnull=True)
    counts = {
        province: AdministrativeUnit.objects.filter(level="village", path__startswith=province.path).count()
        for province in provinces
    }
    if not counts or not max(counts.values()):
        raise RuntimeError("no villages in the database: load the reference data and the demo villages first")
    province = max(counts, key=counts.get)
    return province, villages_of(province)


def _file(rows: int, villages: list[str]) -> bytes:
    """The file, with ID numbers none of which the database holds yet (a big database may hold some)."""
    from beneficiaries.models import Household

    for attempt in range(20):
        content = generate(rows, villages, serial_base=attempt * 100_003)
        numbers = _numbers(content)
        taken = any(
            Household.objects.filter(head_id_number__in=numbers[start : start + 5000]).exists()
            for start in range(0, len(numbers), 5000)
        )
        if not taken:
            return content
    raise RuntimeError("could not make ID numbers the database does not hold")


def measure(rows: int = 10_000, *, keep: bool = False) -> dict:
    """The preview and the confirmed import of `rows` households on the connected database (reference data and
    villages loaded). With keep=False the confirmed import is rolled back afterwards (an outer transaction, so the
    importer's own transaction is a savepoint there; nothing else changes)."""
    from django.db import connection, transaction

    from accounts.models import User
    from beneficiaries.excel.importers import HouseholdImporter
    from beneficiaries.models import Household
    from ethnic_portal import excel_import

    province, villages = _province_and_villages()
    content = _file(rows, villages)
    before = Household.objects.count()
    steps = []
    with transaction.atomic() if not keep else contextlib.nullcontext():
        actor, _created = User.objects.get_or_create(
            username=f"bench-import-{province.pk}",
            defaults={"role": "province", "unit": province, "full_name": "Benchmark"},
        )
        for label, dry_run in (("xem trước (dry run)", True), ("ghi (confirm)", False)):
            statements = [0]

            def count(execute, sql, params, many, context, statements=statements):
                statements[0] += 1
                return execute(sql, params, many, context)

            server = _server_cpu()
            started = time.perf_counter()
            cpu = time.process_time()
            with connection.execute_wrapper(count):
                result = excel_import.run_import(
                    HouseholdImporter(actor), content=content, dry_run=dry_run, max_rows=max(rows, 20_000)
                )
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            server = None if server is None else _server_cpu() - server
            if result.errors:
                problems = [(e.row, e.column, e.message) for e in result.errors[:5]]
                raise RuntimeError(f"the import refused rows: {problems}")
            steps.append(
                {
                    "step": label,
                    "rows": result.rows,
                    "seconds": seconds,
                    "cpu_seconds": cpu,
                    "server_cpu_seconds": server,
                    "statements": statements[0],
                }
            )
        written = Household.objects.count() - before
        history = Household.history.filter(history_user=actor).count()
        if not keep:
            transaction.set_rollback(True)
    return {
        "database": connection.vendor,
        "province": province.name,
        "villages": len(villages),
        "rows": rows,
        "file_kib": len(content) / 1024,
        "written": written,
        "history": history,
        "kept": keep,
        "steps": steps,
        "peak_mib": _peak_mib(),
        "goal_met": all(step["seconds"] < GOAL_SECONDS for step in steps) and written == rows,
    }


def table(figures: dict) -> list[str]:
    lines = [
        f"Excel import: {figures['rows']} households, {figures['database']}, {figures['province']} "
        f"({figures['villages']} villages); file {figures['file_kib']:.0f} KiB; written {figures['written']} "
        f"households, {figures['history']} history rows{'' if figures['kept'] else ' (rolled back after)'}",
        "",
        f"| {'step':<22} | {'rows':>6} | {'seconds':>7} | {'rows/s':>6} | {'CPU portal + db':>15} | "
        f"{'SQL/row':>7} | {'peak memory':>11} |",
        f"|{'-' * 24}|{'-' * 8}|{'-' * 9}|{'-' * 8}|{'-' * 17}|{'-' * 9}|{'-' * 13}|",
    ]
    for step in figures["steps"]:
        server = step["server_cpu_seconds"]
        cpu = f"{step['cpu_seconds']:.1f} + {server:.1f} s" if server is not None else f"{step['cpu_seconds']:.1f} s"
        lines.append(
            f"| {step['step']:<22} | {step['rows']:>6} | {step['seconds']:>7.1f} | "
            f"{step['rows'] / step['seconds']:>6.0f} | {cpu:>15} | {step['statements'] / step['rows']:>7.1f} | "
            f"{figures['peak_mib']:>7.0f} MiB |"
        )
    lines.append(f"under {GOAL_SECONDS} s each: {'met' if figures['goal_met'] else 'MISSED'}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        # A real file, as in production's embedded mode (an in-memory database would flatter the figures).
        connection.settings_dict["TEST"]["NAME"] = os.path.join(tempfile.mkdtemp(prefix="bench-"), "bench.sqlite3")
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from ethnic_portal.demo import load_demo_villages

        call_command("load_reference_data", verbosity=0)
        load_demo_villages()
        out(
            f"database: {connection.vendor}; setup (migrate, reference data, villages): {time.perf_counter() - started:.1f} s"
        )
        figures = measure(args.rows, keep=True)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    for line in table(figures):
        out(line)
    return 0 if figures["written"] == args.rows else 1


if __name__ == "__main__":
    sys.exit(main())
