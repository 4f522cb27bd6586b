"""The load test's data and its final tally, in the load test's own scratch database.

Run by tests/load/test_locust.py as a subprocess with the production settings (never inside pytest's process,
whose database connection stays on the tests' database):

    python -m tests.load.seed setup --users 50 --out plan.json   # migrate, reference + demo data, accounts, capital
    python -m tests.load.seed tally --plan plan.json             # what the database holds after the run (JSON)

Everything is written through the portal's own commands and services: `load_reference_data`, `load_demo`
(the Bắc Kạn ledger 2022–2026 and its people, so that dashboards and lists read real volumes),
`accounts.services.portal_user_upsert` and `disbursement.services.allocation_create`. Each simulated writer gets
its own allocation of the current budget year, dated today, in a commune of the new Thái Nguyên (19) that is open
for entry, with far more capital than a minute of posting can spend: a refusal is designed out, so any 4xx
during the run is a bug.
"""

import argparse
import json
import secrets
import sys
from pathlib import Path

WRITER_SHARE = 0.4  # commune officers posting disbursements (each to an allocation of its own)
PROVINCE_SHARE = 0.2  # province officers: dashboards, lists, reports; the rest are district officers
WRITER_COMMUNES = 20  # the communes the writers are spread over
ALLOCATION_AMOUNT = 50_000_000_000  # 50 tỷ đồng per writer; a post is at most 20 triệu
NEW_PROVINCE = "19"  # Thái Nguyên since 1/7/2025 (Bắc Kạn merged into it)
OLD_PROVINCE = "06"  # Bắc Kạn, the demo province until 30/6/2025
LOAD_PREFIX = "load."  # usernames of the load test's accounts
DECISION_PREFIX = "TAI-THU-"  # decision numbers of the load test's allocations


def split(users: int) -> dict[str, int]:
    """How many simulated users of each kind a run of `users` has (at least one of each)."""
    if users < 3:
        raise SystemExit("LOAD_USERS must be at least 3 (one writer, one province and one district officer).")
    writers = max(1, round(users * WRITER_SHARE))
    province = max(1, round(users * PROVINCE_SHARE))
    return {"writers": writers, "province": province, "district": users - writers - province}


def _password() -> str:
    # Upper, lower, digits and symbols: passes every validator of AUTH_PASSWORD_VALIDATORS.
    return f"Tai-{secrets.token_urlsafe(18)}-9z"


def _account(username, role, unit_code, password, full_name, cache):
    from accounts.services import portal_user_upsert

    if username not in cache:
        user, token = portal_user_upsert(
            username=username, role=role, unit_code=unit_code, password=password, full_name=full_name
        )
        cache[username] = (user, token.key)
    return cache[username]


def _recurrent_item(year: int):
    """(origin year, project, subproject) for recurrent capital spent in `year`: new capital when the phase that
    applies to `year` has its structure loaded, else the latest earlier year's capital carried over (phase II, from
    2026, has no published structure yet, so 2026 capital is phase I capital carried over, as in the demo)."""
    from programs.models import BudgetYear, Project

    for budget_year in BudgetYear.objects.filter(year__lte=year).select_related("program").order_by("-year"):
        projects = Project.objects.filter(program=budget_year.program).prefetch_related("subprojects")
        for project in projects.order_by("number"):
            subprojects = list(project.subprojects.all())
            if not subprojects and "recurrent" in project.capital_type_list:
                return budget_year.year, project, None
            for sub in subprojects:
                if "recurrent" in sub.capital_type_list:
                    return budget_year.year, project, sub
    raise SystemExit(f"No project of a phase up to {year} takes recurrent capital.")


def _report_keys(user, unit, today) -> list[dict]:
    """Reports the user may ask for without a refusal: the two latest years with capital in which the unit existed."""
    from disbursement.models import Allocation
    from geography.models import AdministrativeUnit

    years = sorted(
        {
            year
            for year in Allocation.objects.for_user(user)
            .filter(unit__path__startswith=unit.path, year__lte=today.year)
            .values_list("year", flat=True)
            if AdministrativeUnit.objects.filter(pk=unit.pk).valid_in_year(year).exists()
        }
    )[-2:]
    return [
        {"level": unit.level, "unit": unit.code, "year": year, "period": period}
        for year in years
        for period in ("H1", "year")
    ]


def _reader_filters(user, unit, years: list[int]) -> dict[str, list[str]]:
    """Query strings for the list pages that return rows for this user (figures from the data, not invented)."""
    from beneficiaries.models import Household
    from disbursement.models import Allocation

    allocations = Allocation.objects.for_user(user)
    filters = {"allocations": [], "disbursements": [], "households": []}
    for year in years:
        project = allocations.filter(year=year).values_list("project__code", flat=True).order_by("project__code")[:1]
        filters["allocations"] += [f"year={year}", f"year={year}&capital_type=investment"]
        if project:
            filters["allocations"].append(f"year={year}&project={project[0]}")
        filters["disbursements"] += [f"year={year}", f"year={year}&date_from={year}-01-01&date_to={year}-06-30"]
    households = Household.objects.for_user(user)
    filters["households"] = ["poverty_status=poor", "poverty_status=near_poor"]
    commune = households.values_list("unit__parent__code", flat=True).order_by("unit__path")[:1]
    if commune and commune[0]:
        filters["households"].append(f"unit={commune[0]}&poverty_status=poor")
    return filters


def setup(users: int, out: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count

    from accounts.models import User
    from disbursement import services
    from disbursement.models import Allocation, Disbursement
    from ethnic_portal import clock
    from geography.models import AdministrativeUnit, Level
    from programs.models import BudgetYear

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_reference_data", verbosity=0)
    call_command("load_demo", verbosity=0)

    today = clock.today()
    year = today.year
    if not BudgetYear.objects.filter(year=year).exists():
        raise SystemExit(f"{year} is not a budget year of the program: no capital can be allocated today.")
    counts = split(users)
    password = _password()
    accounts: dict = {}

    province = AdministrativeUnit.objects.get(code=NEW_PROVINCE, valid_from__isnull=False)
    province_user, _token = _account(
        f"{LOAD_PREFIX}tinh.{NEW_PROVINCE}", "province", NEW_PROVINCE, password, "Tải thử – tỉnh", accounts
    )
    communes = list(
        AdministrativeUnit.objects.filter(parent=province, level=Level.COMMUNE)
        .filter(valid_from__lte=today)
        .exclude(valid_to__lt=today)
        .order_by("code")[:WRITER_COMMUNES]
    )
    if not communes:
        raise SystemExit("The new province has no communes in the reference data.")
    origin_year, project, subproject = _recurrent_item(year)

    writers = []
    for slot in range(counts["writers"]):
        commune = communes[slot % len(communes)]
        user, token = _account(
            f"{LOAD_PREFIX}xa.{commune.code}", "commune", commune.code, password, f"Tải thử – {commune.name}", accounts
        )
        allocation = services.allocation_create(
            actor=province_user,
            year=year,
            project=project,
            subproject=subproject,
            unit=commune,
            capital_type="recurrent",
            source="central",
            origin_year=origin_year,
            amount=ALLOCATION_AMOUNT,
            decision_no=f"{DECISION_PREFIX}{slot:03d}",
            decision_date=today,
            decision_body="UBND tỉnh Thái Nguyên (tải thử)",
        )
        start, end = services.disbursement_window(allocation)
        if not start <= today <= end:
            raise SystemExit(f"Allocation {allocation.pk} takes disbursements from {start} to {end}, not today.")
        writers.append(
            {
                "slot": slot,
                "username": user.username,
                "token": token,
                "unit": commune.code,
                "allocation": allocation.pk,
                "amount": allocation.amount,
                "filters": {
                    "allocations": [f"year={year}", f"year={year}&capital_type=recurrent"],
                    "disbursements": [f"allocation={allocation.pk}", f"year={year}&date_from={today.isoformat()}"],
                    "households": ["poverty_status=poor", "poverty_status=near_poor"],
                },
            }
        )

    def readers(kind: str, role: str, label: str, units: list) -> list[dict]:
        slots = []
        for slot in range(counts[kind]):
            unit = units[slot % len(units)]
            user, token = _account(
                f"{LOAD_PREFIX}{label}.{unit.code}", role, unit.code, password, f"Tải thử – {unit.name}", accounts
            )
            user = User.objects.select_related("unit").get(pk=user.pk)
            reports = _report_keys(user, unit, today)
            if not reports:
                raise SystemExit(f"{unit.name} has no capital to report on: the demo data did not load.")
            years = sorted({key["year"] for key in reports})
            slots.append(
                {
                    "slot": slot,
                    "username": user.username,
                    "token": token,
                    "unit": unit.code,
                    "reports": reports,
                    "filters": _reader_filters(user, unit, years),
                }
            )
        return slots

    old_province = AdministrativeUnit.objects.get(code=OLD_PROVINCE, valid_from__isnull=True)
    districts = list(AdministrativeUnit.objects.filter(parent=old_province, level=Level.DISTRICT).order_by("code"))
    plan = {
        "today": today.isoformat(),
        "year": year,
        "password": password,
        "writers": writers,
        "province": readers("province", "province", "tinh", [province, old_province]),
        "district": readers("district", "district", "huyen", districts),
        "disbursements_before": Disbursement.objects.count(),
        "volumes": {
            "allocations": Allocation.objects.count(),
            "disbursements": Disbursement.objects.count(),
            "households": _household_count(),
            "units": AdministrativeUnit.objects.count(),
            "accounts": User.objects.filter(username__startswith=LOAD_PREFIX).count(),
            "writer_communes": len({w["unit"] for w in writers}),
            "allocations_by_year": dict(
                Allocation.objects.values_list("year").annotate(n=Count("pk")).order_by("year").values_list("year", "n")
            ),
        },
    }
    out.write_text(json.dumps(plan, ensure_ascii=False, indent=1), encoding="utf-8")


def _household_count() -> int:
    from beneficiaries.models import Household

    return Household.objects.count()


def tally(plan_path: Path) -> dict:
    """What the database holds: the run's disbursements (with their history), every disbursement, the report jobs."""
    import django

    django.setup()
    from django.db.models import Count

    from disbursement.models import Allocation, Disbursement
    from reports.models import ReportJob

    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    allocation_ids = [w["allocation"] for w in plan["writers"]]
    rows = list(
        Disbursement.objects.filter(allocation_id__in=allocation_ids)
        .order_by("pk")
        .values("pk", "allocation_id", "voucher_no", "amount", "date", "created_by__username")
    )
    created = Disbursement.history.filter(history_type="+", allocation_id__in=allocation_ids)
    history_users = dict(created.values_list("id", "history_user__username"))
    allocations = {
        a.pk: {"amount": a.amount, "decision_no": a.decision_no}
        for a in Allocation.objects.filter(pk__in=allocation_ids)
    }
    return {
        "disbursements": [
            {
                "id": row["pk"],
                "allocation": row["allocation_id"],
                "voucher": row["voucher_no"],
                "amount": row["amount"],
                "date": row["date"].isoformat(),
                "created_by": row["created_by__username"],
                "history_user": history_users.get(row["pk"]),
            }
            for row in rows
        ],
        "history_created": created.count(),
        "allocations": allocations,
        "disbursements_total": Disbursement.objects.count(),
        "reports": dict(ReportJob.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")),
        "report_errors": list(ReportJob.objects.exclude(error="").values_list("pk", "error")[:10]),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    setup_parser = sub.add_parser("setup")
    setup_parser.add_argument("--users", type=int, required=True)
    setup_parser.add_argument("--out", type=Path, required=True)
    tally_parser = sub.add_parser("tally")
    tally_parser.add_argument("--plan", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "setup":
        setup(args.users, args.out)
    else:
        json.dump(tally(args.plan), sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
