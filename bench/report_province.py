"""Benchmark: the province report job, end to end, on the demo data.

    python bench/report_province.py [--runs 3]

Makes a fresh database (Django's test database: a new SQLite file by default, a new PostgreSQL database when
DATABASE_URL=postgres://… is set), loads the reference data and the demo (Bắc Kạn 2022–2026, about a minute, not
timed), then times report jobs as the portal runs them: `report_request` (validation, the job row) and the build
the Celery task runs (`report_build`: figures from the same selectors as the dashboard, six forms, the workbook
written to a temporary file, checksum, moved into place). The Bắc Kạn province report of the 2024 half year (the
seed report) is the headline; the year report, a district's and the two-level Thái Nguyên's of 2026 are beside it.
Then one build is split into its phases. Prints tables; the database is dropped at the end.
"""

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethnic_portal.settings_test")

CASES = [
    # label, username, level, unit code, current version?, year, period
    ("Tỉnh Bắc Kạn, 6 tháng 2024", "tinh.backan", "province", "06", False, 2024, "H1"),
    ("Tỉnh Bắc Kạn, cả năm 2024", "tinh.backan", "province", "06", False, 2024, "year"),
    ("Huyện Ba Bể, cả năm 2024", "huyen.babe", "district", "061", False, 2024, "year"),
    ("Tỉnh Thái Nguyên, cả năm 2026", "tinh.thainguyen", "province", "19", True, 2026, "year"),
]


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor == "sqlite":
        # A real file, as in production's embedded mode (an in-memory database would flatter the figures).
        connection.settings_dict["TEST"]["NAME"] = os.path.join(tempfile.mkdtemp(prefix="bench-"), "bench.sqlite3")
    started = time.perf_counter()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        import io

        from accounts.models import User
        from reports import selectors, services
        from reports.excel import workbook
        from reports.models import ReportStatus
        from tests.factories import unit

        call_command("load_reference_data", verbosity=0, stdout=io.StringIO())
        call_command("load_demo", stdout=io.StringIO())
        setup = time.perf_counter() - started

        results = []
        for label, username, level, code, current, year, period in CASES:
            actor = User.objects.get(username=username)
            target = unit(code, current=current)
            seconds, queries = [], 0
            for _run in range(args.runs):
                begin = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    job = services.report_request(actor=actor, level=level, unit=target, year=year, period=period)
                    job = services.report_build(job_id=job.pk)
                seconds.append(time.perf_counter() - begin)
                queries = len(captured)
                if job.status != ReportStatus.DONE:
                    out(f"{label}: {job.status} {job.error}")
                    return 1
            rows = sum(len(form["rows"]) for form in job.figures["forms"].values())
            results.append((label, rows, job.file_size, queries, min(seconds), statistics.median(seconds)))

        # One build of the headline report, phase by phase.
        _label, username, level, code, current, year, period = CASES[0]
        actor = User.objects.get(username=username)
        target = unit(code, current=current)
        phases = []
        begin = time.perf_counter()
        data = selectors.report_data(user=actor, level=level, unit=target, year=year, period=period)
        phases.append(("số liệu (selectors)", time.perf_counter() - begin))
        begin = time.perf_counter()
        built = workbook.build(data)
        workbook.snapshot(built)
        phases.append(("dòng của 6 biểu + snapshot", time.perf_counter() - begin))
        begin = time.perf_counter()
        path = os.path.join(tempfile.mkdtemp(prefix="bench-xlsx-"), "report.xlsx")
        workbook.write(data, built, path, meta={"job_id": 0, "code_version": services.code_version()})
        phases.append(("ghi tệp .xlsx (openpyxl)", time.perf_counter() - begin))
        begin = time.perf_counter()
        services._sha256(path)
        phases.append(("SHA-256", time.perf_counter() - begin))
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    out(
        f"database: {connection.vendor}; setup (migrate, reference data, demo): {setup:.1f} s; runs per report: {args.runs}"
    )
    out()
    out(f"| {'report':<30} | {'rows':>5} | {'file':>8} | {'queries':>7} | {'best':>6} | {'median':>6} |")
    out(f"|{'-' * 32}|{'-' * 7}|{'-' * 10}|{'-' * 9}|{'-' * 8}|{'-' * 8}|")
    for label, rows, size, queries, best, median in results:
        out(f"| {label:<30} | {rows:>5} | {size / 1024:>4.0f} KiB | {queries:>7} | {best:>4.2f} s | {median:>4.2f} s |")
    out()
    out(f"| {'phase (' + CASES[0][0] + ')':<44} | {'seconds':>7} |")
    out(f"|{'-' * 46}|{'-' * 9}|")
    for label, seconds in phases:
        out(f"| {label:<44} | {seconds:>7.3f} |")
    out()
    out(f"peak memory of the process: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
