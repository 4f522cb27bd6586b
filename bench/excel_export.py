"""Benchmark: a 100.000-row Excel export against openpyxl itself on the same rows, and its peak memory.

    DATABASE_URL=postgres://…/ethnic_portal_bench python bench/excel_export.py [--rows 100000] [--memory-rows 100000,300000]
    DATABASE_URL=postgres://…/ep_export python bench/excel_export.py --seed 300000   # a scratch database of its own

Goal (issue 8): the portal's export at least 70 % of the rows per second of openpyxl write-only + lxml writing the
same rows, measured in the same run, with peak memory under 150 MB whatever the row count.

On the database it is pointed at (the synthetic nation of `generate_synthetic`, or a scratch database that
`--seed N` fills with N disbursements by bulk insert), the rows are the disbursement list as the ledger's export
writes it (disbursement/excel/exports.py: 13 columns, dates, money, text, choice labels), for a user who sees at
least that many (a national user when that role exists, else the province with the most disbursements, else every
row unscoped — printed), ordered as on the page:

(a) raw: openpyxl write-only (lxml) appending those rows, already in memory as Python lists, then saving — no
    header, no formats: the library's own speed on the same values;
(b) portal: `disbursement.excel.exports.disbursements(queryset)` written by `ethnic_portal.excel_export.write`,
    end to end from the queryset: the SELECT through a server-side cursor in chunks, labels, formats, text safety,
    header, frozen pane, widths, the file saved.

Each is run twice, alternately, and the faster run counts (other work on the machine slows either at random).
Peak memory of (b) is measured in a fresh child process per row count, as the kernel's peak resident set of that
process (VmHWM; `ru_maxrss` where there is no /proc): everything the process held, C allocations of lxml, zlib and
psycopg2 included, which tracemalloc does not see. It is printed next to the same process's peak before the export
(Django loaded and connected), so that growth with the row count shows.

`measure(rows=…, memory_rows=…)` returns the figures as a dict for the main benchmark (Django set up, connected to
the benchmark database).
"""

import argparse
import contextlib
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethnic_portal.settings_test")

GOAL_RATIO = 0.70
GOAL_PEAK_MIB = 150


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _peak_mib() -> float:
    """This process's peak resident set, MiB: VmHWM of /proc/self/status on Linux (the high-water mark of this
    program's own memory, which exec starts afresh), else ru_maxrss. (On Linux ru_maxrss of a child also counts
    the parent's resident set at the moment it forked: a parent holding the 100.000 rows would show in it.)"""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- The rows --------------------------------------------------------------------------------------------------


def _scope(rows: int):
    """(the queryset of the export, how it was scoped) with at least `rows` rows when the data has them."""
    from accounts.models import User
    from accounts.scope import ROLE_POLICIES
    from disbursement import selectors
    from disbursement.models import Disbursement
    from geography.models import AdministrativeUnit

    if "national" in ROLE_POLICIES:
        user = User.objects.filter(role="national", is_active=True).first()
        if user is None:
            user = User.objects.create(username="bench-export-national", role="national", full_name="Benchmark")
        queryset = selectors.disbursement_list(user=user)
        if queryset[rows - 1 : rows].exists():
            return queryset, f"national user {user.username}"
    counts = {}
    for province in AdministrativeUnit.objects.filter(level="province"):
        counts[province] = Disbursement.objects.filter(allocation__unit__path__startswith=province.path).count()
    if counts:
        province = max(counts, key=counts.get)
        if counts[province] >= rows:
            user = User.objects.filter(role="province", unit=province, is_active=True).first()
            if user is None:
                user = User.objects.create(
                    username=f"bench-export-{province.code}", role="province", unit=province, full_name="Benchmark"
                )
            return selectors.disbursement_list(user=user), f"province user {user.username} ({province.name})"
    return (
        Disbursement.objects.select_related("allocation__unit", "allocation__project", "allocation__subproject"),
        "unscoped (no user sees that many rows)",
    )


def export_for(rows: int):
    from disbursement.excel import exports

    queryset, scope = _scope(rows)
    return exports.disbursements(queryset.order_by("-date", "-pk")[:rows]), scope


# --- The three measurements -------------------------------------------------------------------------------------


def _raw(data: list[list], path: str) -> float:
    from openpyxl import Workbook

    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("raw")
    for row in data:
        sheet.append(row)
    book.save(path)
    return time.perf_counter() - started


def _portal(rows: int, path: str) -> tuple[float, int]:
    from ethnic_portal.excel_export import write

    started = time.perf_counter()
    export, _scope_label = export_for(rows)
    written = write(export, path)
    return time.perf_counter() - started, written


def _child(rows: int) -> dict:
    """In a fresh process: the peak before the export and after it."""
    import django

    django.setup()
    from django.db import connection

    name = os.environ.get("BENCH_DB_NAME")
    if name:
        connection.settings_dict["NAME"] = name
    connection.ensure_connection()
    from disbursement.excel import exports  # noqa: F401 - loaded before the baseline, as in a web worker
    from ethnic_portal.excel_export import write

    baseline = _peak_mib()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        started = time.perf_counter()
        export, scope = export_for(rows)
        written = write(export, os.path.join(folder, "export.xlsx"))
        seconds = time.perf_counter() - started
        size = os.path.getsize(os.path.join(folder, "export.xlsx"))
    return {
        "rows": written,
        "seconds": seconds,
        "baseline_mib": baseline,
        "peak_mib": _peak_mib(),
        "file_kib": size / 1024,
        "scope": scope,
    }


def _memory(rows: int) -> dict:
    from django.db import connection

    env = dict(os.environ, BENCH_DB_NAME=str(connection.settings_dict["NAME"]))
    env["DJANGO_SETTINGS_MODULE"] = os.environ["DJANGO_SETTINGS_MODULE"]
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(rows)], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"export child ({rows} rows) failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(rows: int = 100_000, memory_rows=(100_000, 300_000), runs: int = 2) -> dict:
    """The figures for `rows` rows (Django set up and connected to the benchmark database)."""
    from django.db import connection

    memory = [_memory(count) for count in memory_rows]  # first: nothing of this process's work in the children
    export, scope = export_for(rows)
    data = [list(row) for row in export.rows]  # the very values the portal writes, as Python lists
    if len(data) < rows:
        raise RuntimeError(f"the database has {len(data)} disbursements for the export, {rows} needed")
    raw_times, portal_times = [], []
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        path = os.path.join(folder, "out.xlsx")
        for _run in range(runs):
            raw_times.append(_raw(data, path))
            raw_size = os.path.getsize(path)
            seconds, written = _portal(rows, path)
            portal_times.append(seconds)
            portal_size = os.path.getsize(path)
            assert written == rows, (written, rows)
    del data
    raw_s, portal_s = min(raw_times), min(portal_times)
    figures = {
        "database": connection.vendor,
        "scope": scope,
        "rows": rows,
        "columns": len(export.columns),
        "raw_seconds": raw_s,
        "raw_rows_per_s": rows / raw_s,
        "raw_file_kib": raw_size / 1024,
        "portal_seconds": portal_s,
        "portal_rows_per_s": rows / portal_s,
        "portal_file_kib": portal_size / 1024,
        "ratio": raw_s / portal_s,
        "runs": {"raw": raw_times, "portal": portal_times},
        "memory": memory,
    }
    figures["goal_speed_met"] = figures["ratio"] >= GOAL_RATIO
    figures["goal_memory_met"] = all(m["peak_mib"] < GOAL_PEAK_MIB for m in memory)
    return figures


def table(figures: dict) -> list[str]:
    lines = [
        f"Excel export: {figures['rows']:_} disbursement rows × {figures['columns']} columns; "
        f"{figures['database']}; {figures['scope']}".replace("_", "."),
        "",
        f"| {'step':<46} | {'seconds':>7} | {'rows/s':>7} | {'file':>9} |",
        f"|{'-' * 48}|{'-' * 9}|{'-' * 9}|{'-' * 11}|",
        f"| {'(a) openpyxl write-only + lxml, rows in memory':<46} | {figures['raw_seconds']:>7.2f} | "
        f"{figures['raw_rows_per_s']:>7.0f} | {figures['raw_file_kib']:>5.0f} KiB |",
        f"| {'(b) portal export from the queryset':<46} | {figures['portal_seconds']:>7.2f} | "
        f"{figures['portal_rows_per_s']:>7.0f} | {figures['portal_file_kib']:>5.0f} KiB |",
        "",
        f"(b)/(a): {figures['ratio']:.0%} of the library's rows/s (goal ≥ {GOAL_RATIO:.0%}): "
        f"{'met' if figures['goal_speed_met'] else 'MISSED'}",
        "",
        f"| {'rows (child process)':>20} | {'seconds':>7} | {'before export':>13} | {'peak':>9} |",
        f"|{'-' * 22}|{'-' * 9}|{'-' * 15}|{'-' * 11}|",
    ]
    for m in figures["memory"]:
        lines.append(
            f"| {format(m['rows'], '_').replace('_', '.'):>20} | {m['seconds']:>7.2f} | {m['baseline_mib']:>9.0f} MiB | {m['peak_mib']:>5.0f} MiB |"
        )
    lines.append(f"peak under {GOAL_PEAK_MIB} MB at every size: {'met' if figures['goal_memory_met'] else 'MISSED'}")
    return lines


# --- A scratch database ---------------------------------------------------------------------------------------


def seed(count: int) -> int:
    """Fill the database with at least `count` disbursements by bulk insert (reference data loaded if missing):
    allocations over the communes of Bắc Kạn, 2022–2024, and their disbursements. Deterministic."""
    from django.core.management import call_command
    from django.db import transaction

    from disbursement.models import Allocation, Disbursement
    from geography.models import AdministrativeUnit
    from programs.models import Project

    if not AdministrativeUnit.objects.exists():
        call_command("load_reference_data", verbosity=0)
    have = Disbursement.objects.count()
    if have >= count:
        return have
    rng = random.Random(8)
    province = AdministrativeUnit.objects.get(code="06", level="province")
    communes = list(AdministrativeUnit.objects.filter(path__startswith=province.path, level="commune"))
    projects = list(Project.objects.prefetch_related("subprojects"))
    notes = ["", "", "", "Tạm ứng", "Thanh toán đợt 2", "=SUM(A1:A9)", "-Hoàn ứng", "Quyết toán"]
    per_allocation = 50
    needed = (count - have + per_allocation - 1) // per_allocation
    start = Allocation.objects.count()
    with transaction.atomic():
        allocations = []
        for index in range(start, start + needed):
            project = rng.choice(projects)
            subprojects = list(project.subprojects.all())
            year = rng.choice([2022, 2023, 2024])
            allocations.append(
                Allocation(
                    year=year,
                    project=project,
                    subproject=rng.choice(subprojects) if subprojects else None,
                    unit=rng.choice(communes),
                    capital_type=rng.choice(["investment", "recurrent"]),
                    source=rng.choice(["central", "local", "other"]),
                    origin_year=year,
                    amount=rng.randint(10**9, 50 * 10**9),
                    decision_no=f"{index}/QĐ-UBND",
                    decision_date=datetime.date(year, 1, 15),
                    decision_body="UBND tỉnh Bắc Kạn",
                )
            )
        allocations = Allocation.objects.bulk_create(allocations, batch_size=2000)
        batch = []
        for allocation in allocations:
            for n in range(per_allocation):
                batch.append(
                    Disbursement(
                        allocation=allocation,
                        date=datetime.date(allocation.year, 1, 1) + datetime.timedelta(days=rng.randint(20, 360)),
                        amount=rng.randint(1, 2 * 10**7) * 1000,
                        voucher_no=f"PC-{allocation.pk}-{n:03d}",
                        note=rng.choice(notes),
                    )
                )
            if len(batch) >= 10_000:
                Disbursement.objects.bulk_create(batch, batch_size=5000)
                batch = []
        Disbursement.objects.bulk_create(batch, batch_size=5000)
    return Disbursement.objects.count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", default="100000,300000")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0, help="first fill the database with this many disbursements")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        out(json.dumps(_child(args.child)))
        return 0

    import django

    django.setup()
    from django.core.management import call_command

    if args.seed:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        total = seed(args.seed)
        out(f"database seeded: {total} disbursements ({time.perf_counter() - started:.0f} s)")
    memory_rows = [int(value) for value in args.memory_rows.split(",") if value.strip()]
    figures = measure(rows=args.rows, memory_rows=memory_rows, runs=args.runs)
    for line in table(figures):
        out(line)
    return 0 if figures["goal_speed_met"] and figures["goal_memory_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
