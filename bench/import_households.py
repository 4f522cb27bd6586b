"""Benchmark: import a 10.000-row household file through the Excel importer, with full validation.

    python bench/import_households.py [--rows 10000]

Makes a fresh database (Django's test database: a new SQLite file by default, a new PostgreSQL database
when DATABASE_URL=postgres://… is set), loads the reference data and the demo villages, generates a
deterministic file of households spread over the villages of the new Thái Nguyên, and imports it as a
province officer would: the preview (a dry run, everything checked and rolled back), then the confirmed
import (one transaction, a savepoint per row, every row through `household_create`, history written).
Prints rows, seconds, rows/s and the peak memory of the process; the goal (issue 8) is under 30 s for
10.000 rows. The database is dropped at the end.
"""

import argparse
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


def generate(rows: int, village_codes: list[str]) -> bytes:
    """A deterministic household file in the importer's template (the same file on every run)."""
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
        id_number = f"{rng.randint(1, 96):03d}{century + (gender == 'female')}{born % 100:02d}{index:06d}"
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
        from accounts.models import User
        from beneficiaries.excel.importers import HouseholdImporter
        from beneficiaries.models import Household
        from ethnic_portal import excel_import
        from ethnic_portal.demo import load_demo_villages
        from geography.models import AdministrativeUnit

        call_command("load_reference_data", verbosity=0)
        load_demo_villages()
        province = AdministrativeUnit.objects.get(code="19", valid_from__isnull=False)
        actor = User.objects.create(username="bench", role="province", unit=province, full_name="Benchmark")
        villages = list(
            AdministrativeUnit.objects.filter(level="village", path__startswith=province.path)
            .order_by("path")
            .values_list("code", flat=True)
        )
        content = generate(args.rows, villages)
        setup = time.perf_counter() - started

        results = []
        for label, dry_run in (("xem trước (dry run)", True), ("ghi (confirm)", False)):
            begin = time.perf_counter()
            result = excel_import.run_import(
                HouseholdImporter(actor), content=content, dry_run=dry_run, max_rows=max(args.rows, 20_000)
            )
            seconds = time.perf_counter() - begin
            if result.errors:
                out(f"errors: {[(e.row, e.column, e.message) for e in result.errors[:5]]}", stream=sys.stderr)
                return 1
            results.append((label, result.rows, seconds))
        written = Household.objects.count()
        history = Household.history.count()
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    out(f"database: {connection.vendor}; setup (migrate, reference data, villages, file): {setup:.1f} s")
    out(f"file: {len(content) / 1024:.0f} KiB, {args.rows} rows; written: {written} households, {history} history rows")
    out()
    out(f"| {'step':<22} | {'rows':>6} | {'seconds':>7} | {'rows/s':>6} | {'peak memory':>11} |")
    out(f"|{'-' * 24}|{'-' * 8}|{'-' * 9}|{'-' * 8}|{'-' * 13}|")
    for label, rows, seconds in results:
        out(f"| {label:<22} | {rows:>6} | {seconds:>7.1f} | {rows / seconds:>6.0f} | {peak:>8.0f} MiB |")
    return 0 if written == args.rows else 1


if __name__ == "__main__":
    sys.exit(main())
