"""`generate_synthetic` at a tiny scale (SQLite and PostgreSQL): what it loads obeys the ledger's and the
beneficiaries' rules, the portal reads it (selectors, the progress API, the dashboard) with totals equal to plain
SQL sums, the services write on top of it, and the same seed gives the same rows."""

import datetime
import hashlib
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.urls import reverse

from accounts.models import User
from beneficiaries.citizen_id import citizen_id_errors
from beneficiaries.models import (
    Household,
    HouseholdSupport,
    PrestigiousPerson,
    SupportActivity,
)
from beneficiaries.selectors import household_duplicate_cases, person_duplicate_cases, support_overlap_cases
from beneficiaries.services import households as household_services
from beneficiaries.services.persons import PolicyBook, _validate_support
from disbursement import selectors
from disbursement import services as ledger
from disbursement.models import Allocation, Disbursement, Period, PeriodEvent, PlanLine, YearSetting
from ethnic_portal import clock
from ethnic_portal.synthetic import DATA_UNTIL, SYNTHETIC_SOURCE, USER_PREFIX, SyntheticError, generate
from ethnic_portal.synthetic import database as synthetic_database
from geography.models import AdministrativeUnit, Level
from programs.models import BudgetYear, Project

SCALE = 0.002
SEED = 8
TABLES = [
    AdministrativeUnit,
    User,
    Allocation,
    Disbursement,
    PlanLine,
    YearSetting,
    Period,
    PeriodEvent,
    PrestigiousPerson,
    SupportActivity,
    Household,
    HouseholdSupport,
]


def fingerprint() -> dict[str, str]:
    """A hash of every row the load writes, in pk order (units and users: the synthetic ones)."""
    result = {}
    for model in TABLES:
        rows = model._default_manager.order_by("pk")
        if model is AdministrativeUnit:
            rows = rows.filter(source=SYNTHETIC_SOURCE)
        if model is User:
            rows = rows.filter(username__startswith=USER_PREFIX)
        digest = hashlib.sha256()
        for row in rows.values_list():
            digest.update(repr(row).encode())
        result[model._meta.label] = digest.hexdigest()
    return result


@pytest.fixture(scope="module")
def nation(django_db_setup, django_db_blocker):
    """The tiny nation, loaded once for the module (committed) and removed after it."""
    with django_db_blocker.unblock():
        report = generate(scale=SCALE, seed=SEED)
        report.fingerprint = fingerprint()
        yield report
        from django.db import transaction

        with transaction.atomic():
            synthetic_database.empty()


@pytest.fixture
def province_user(nation, db):
    """The synthetic officer of the province with the most 2025 capital."""
    top = (
        Allocation.objects.filter(year=2025)
        .values("unit__path")
        .annotate(total=Sum("amount"))
        .order_by("-total")
        .first()["unit__path"]
        .split("/")[0]
    )
    province = AdministrativeUnit.objects.get(path=f"{top}/", level=Level.PROVINCE)
    return User.objects.get(username=f"{USER_PREFIX}tinh.{province.code}")


def test_the_nation_has_the_shape_asked(nation, db):
    provinces = AdministrativeUnit.objects.filter(level=Level.PROVINCE, valid_to__isnull=True)
    assert provinces.count() == 34
    for province in provinces:
        assert province.children.filter(level=Level.COMMUNE).count() >= 2
    communes = AdministrativeUnit.objects.filter(source=SYNTHETIC_SOURCE, level=Level.COMMUNE)
    assert communes.exists()
    assert set(communes.values_list("region", flat=True)) <= {"I", "II", "III"}
    assert set(communes.values_list("region", flat=True)) == {"I", "II", "III"}  # spread, not one value
    # Real codes run to about 32300: a generated commune's 9xxxx code is not one of them, nor any other unit's.
    generated = set(communes.values_list("code", flat=True))
    assert all(code.startswith("9") and len(code) == 5 for code in generated)
    others = AdministrativeUnit.objects.exclude(source=SYNTHETIC_SOURCE).filter(code__in=generated)
    assert not others.exists()
    # Thái Nguyên's real communes are used, with generated villages.
    assert AdministrativeUnit.objects.filter(code="01840.01", parent__code="01840").exists()
    counts = {label: rows for label, rows, _seconds in nation.steps if rows is not None}
    assert counts["disbursement_allocation"] == pytest.approx(200_000 * SCALE, rel=0.25)
    assert counts["disbursement_disbursement"] == pytest.approx(1_000_000 * SCALE, rel=0.25)
    assert counts["beneficiaries_household"] == pytest.approx(2_000_000 * SCALE, rel=0.1)
    assert counts["beneficiaries_householdsupport"] == pytest.approx(3_000_000 * SCALE, rel=0.1)
    assert counts["beneficiaries_prestigiousperson"] == pytest.approx(30_000 * SCALE, rel=0.25)
    assert counts["beneficiaries_supportactivity"] == pytest.approx(150_000 * SCALE, rel=0.3)
    assert nation.summaries is not None  # disbursement.summary.rebuild_all ran
    # Users: one per province and per commune, plus the national one where the role exists.
    assert User.objects.filter(username__startswith=f"{USER_PREFIX}tinh.").count() == 34
    assert (
        User.objects.filter(username__startswith=f"{USER_PREFIX}xa.").count()
        == AdministrativeUnit.objects.filter(
            level=Level.COMMUNE, valid_to__isnull=True, users__username__startswith=USER_PREFIX
        ).count()
    )


def test_every_unit_path_is_built_from_its_parent(nation, db):
    paths = dict(AdministrativeUnit.objects.values_list("pk", "path"))
    units = AdministrativeUnit.objects.values_list("pk", "code", "parent_id", "path", "valid_from", "source", "level")
    checked = 0
    for _pk, code, parent_id, path, valid_from, source, level in units:
        expected = (paths[parent_id] if parent_id else "") + AdministrativeUnit.path_segment(code, valid_from) + "/"
        assert path == expected, code
        if source == SYNTHETIC_SOURCE:
            checked += 1
            assert valid_from == datetime.date(2025, 7, 1)
            if level == Level.VILLAGE:
                parent_code = AdministrativeUnit.objects.get(pk=parent_id).code
                assert code.startswith(f"{parent_code}.")
                assert len(code) == len(parent_code) + 3
    assert checked > 100
    # The model builds the same path.
    village = AdministrativeUnit.objects.filter(source=SYNTHETIC_SOURCE, level=Level.VILLAGE).first()
    assert village.build_path() == village.path


def test_no_allocation_is_overspent_and_every_voucher_lies_in_its_window(nation, db):
    spent = dict(Disbursement.objects.values_list("allocation").annotate(total=Sum("amount")).order_by())
    planned = dict(PlanLine.objects.values_list("allocation").annotate(total=Sum("amount")).order_by())
    allocations = {a.pk: a for a in Allocation.objects.all()}
    for allocation in allocations.values():
        assert spent.get(allocation.pk, 0) <= allocation.amount
        assert planned.get(allocation.pk, 0) <= allocation.amount
        assert allocation.amount > 0
        assert allocation.amount % 1000 == 0
        if allocation.year == 2026:  # phase II: no new capital, only balances carried from 2025
            assert allocation.carried_from_id is not None
        if allocation.carried_from_id:
            source = allocations[allocation.carried_from_id]
            assert allocation.origin_year == source.origin_year < allocation.year == source.year + 1
            assert allocation.amount == source.amount - spent.get(source.pk, 0)
            assert (allocation.project_id, allocation.subproject_id, allocation.capital_type, allocation.source) == (
                source.project_id,
                source.subproject_id,
                source.capital_type,
                source.source,
            )
        else:
            assert allocation.origin_year == allocation.year in (2024, 2025)
    carried_from = set(Allocation.objects.exclude(carried_from=None).values_list("carried_from", flat=True))
    for allocation in allocations.values():  # every unspent balance of 2024 and 2025 is carried, once
        if allocation.year < 2026 and spent.get(allocation.pk, 0) < allocation.amount:
            assert allocation.pk in carried_from
    for disbursement in Disbursement.objects.select_related("allocation"):
        allocation = disbursement.allocation
        start, end = datetime.date(allocation.year, 1, 1), datetime.date(allocation.year, 12, 31)
        assert allocation.decision_date <= disbursement.date <= min(end, DATA_UNTIL)
        assert start <= disbursement.date
    assert Allocation.objects.filter(year=2026).exists()
    assert set(Allocation.objects.values_list("year", flat=True)) == {2024, 2025, 2026}


def test_periods_settings_and_events_are_consistent(nation, db):
    assert YearSetting.objects.count() == 34 * 3
    for period in Period.objects.prefetch_related("events"):
        events = list(period.events.order_by("at", "pk"))
        status = "open"
        for event in events:
            assert event.from_status == status
            status = event.to_status
            assert event.actor is not None
            assert event.at.date() <= DATA_UNTIL
        assert period.status == status
        assert period.unit.level == Level.COMMUNE
        assert period.unit.parent.level == Level.PROVINCE
    statuses = set(Period.objects.values_list("status", flat=True))
    assert {"approved", "submitted"} <= statuses
    assert not Period.objects.filter(year=2026, kind="year").exists()  # this year's figures are still open


def test_support_to_persons_passes_the_services_rules(nation, db):
    """Every support activity, re-checked by the service's own validation (Tết season, yearly limits, term,
    status, ceilings of the regime in force): none refused, none over its ceiling."""
    book = PolicyBook()
    supports = list(SupportActivity.objects.select_related("person__unit", "training_course"))
    book.preload({s.person_id for s in supports})
    kinds = Counter()
    with clock.as_of(DATA_UNTIL):
        for support in supports:
            values = {
                "kind": support.kind,
                "date": support.date,
                "amount": support.amount,
                "funded_by": support.funded_by,
                "note": support.note,
                "hospital_level": support.hospital_level,
                "condolence_for": support.condolence_for,
                "over_ceiling_reason": "",
                "training_course": support.training_course,
            }
            cleaned = _validate_support(support.person, values, book=book, exclude_pk=support.pk)
            assert cleaned["regime"].pk == support.regime_id
            assert cleaned["ceiling"] == support.ceiling
            kinds[support.kind] += 1
    assert kinds["tet_visit"] > len({s.person_id for s in supports})  # some persons get two a Tết
    assert person_duplicate_cases(user=User.objects.get(username=f"{USER_PREFIX}tinh.04")) == []


def test_households_have_valid_unique_citizen_ids_and_some_overlaps(nation, db):
    numbers = list(Household.objects.values_list("head_id_number", flat=True))
    assert len(numbers) == len(set(numbers))
    today = clock.today()
    for number in numbers:
        assert citizen_id_errors(number, today=today) == [], number
    # The supports are what the service would accept (program, project of the year's phase, dates).
    with clock.as_of(DATA_UNTIL):
        for support in HouseholdSupport.objects.select_related("project", "subproject")[::25]:
            values = {name: getattr(support, name) for name in household_services.SUPPORT_FIELDS}
            household_services._validate_support(values)
    # The overlap review finds cases of both kinds, and no household was entered twice.
    once_only = yearly = 0
    for province in User.objects.filter(username__startswith=f"{USER_PREFIX}tinh."):
        for case in support_overlap_cases(user=province):
            if case.once_only:
                once_only += 1
            else:
                yearly += 1
        assert household_duplicate_cases(user=province) == []
    assert once_only > 0
    assert yearly > 0


def _sql_sums(path: str, year: int) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(a.amount), 0) FROM disbursement_allocation a "
            "JOIN geography_administrativeunit u ON u.id = a.unit_id WHERE a.year = %s AND u.path LIKE %s",
            [year, f"{path}%"],
        )
        allocated = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COALESCE(SUM(d.amount), 0) FROM disbursement_disbursement d "
            "JOIN disbursement_allocation a ON a.id = d.allocation_id "
            "JOIN geography_administrativeunit u ON u.id = a.unit_id WHERE a.year = %s AND u.path LIKE %s",
            [year, f"{path}%"],
        )
        return allocated, cursor.fetchone()[0]


def test_selectors_and_progress_api_give_the_sql_sums_to_a_province_user(nation, province_user, api_as, client):
    province = province_user.unit
    api = api_as(province_user)
    for year in (2025, 2026):
        allocated, disbursed = _sql_sums(province.path, year)
        assert allocated > 0
        assert 0 < disbursed < allocated
        progress = selectors.progress_for_unit(user=province_user, unit=province, year=year)
        assert (progress.total.allocated, progress.total.disbursed) == (allocated, disbursed)
        assert sum(f.allocated for f in progress.by_line.values()) == allocated
        by_commune = sum(t.allocated for types in progress.by_subunit.values() for t in types.values())
        own = sum(f.allocated for line, f in progress.by_line.items() if line[0] is None)
        assert by_commune + own == allocated
        body = api.get("/api/v1/progress/", {"unit": province.code, "year": year}).json()
        assert body["investment"]["allocated"] + body["recurrent"]["allocated"] == allocated
        assert body["investment"]["disbursed"] + body["recurrent"]["disbursed"] == disbursed
        assert sum(row["allocated"] for row in body["by_project"]) == allocated
        # A commune's figures, as its officer reads them.
        commune = AdministrativeUnit.objects.filter(parent=province, allocations__year=year).first()
        officer = User.objects.get(username=f"{USER_PREFIX}xa.{commune.code}")
        allocated, disbursed = _sql_sums(commune.path, year)
        body = api_as(officer).get("/api/v1/progress/", {"unit": commune.code, "year": year}).json()
        assert body["investment"]["allocated"] + body["recurrent"]["allocated"] == allocated
        assert body["investment"]["disbursed"] + body["recurrent"]["disbursed"] == disbursed
    # The allocation list's totals (its disbursed column is a subquery per allocation).
    rows = selectors.allocation_list(user=province_user).filter(year=2025)
    totals = selectors.totals(rows)
    assert totals["allocated"] == _sql_sums(province.path, 2025)[0]
    assert totals["disbursed"] == _sql_sums(province.path, 2025)[1]
    # Today's dashboard shows this year's carried capital.
    client.force_login(province_user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "2026" in response.content.decode()


def test_the_services_write_on_top_of_it(nation, province_user, db):
    """Sequences were reset after COPY: a new disbursement, household and allocation get fresh pks. New 2026
    capital is refused (phase II has no projects yet); carried 2025 capital takes a disbursement."""
    allocation = next(
        a
        for a in Allocation.objects.filter(year=2026, unit__parent=province_user.unit).order_by("pk")
        if a.amount > (ledger.disbursed_total(a) + 1_000_000)
    )
    officer = User.objects.get(username=f"{USER_PREFIX}xa.{allocation.unit.code}")
    top = Disbursement.objects.order_by("-pk").first().pk
    with clock.as_of(datetime.date(2026, 11, 20)):
        disbursement = ledger.disbursement_create(
            actor=officer,
            allocation=allocation,
            date=datetime.date(2026, 11, 20),
            amount=1_000_000,
            voucher_no="THU-MOI-01",
        )
        assert disbursement.pk == top + 1
        with pytest.raises(ValidationError) as refused:
            ledger.allocation_create(
                actor=province_user,
                year=2026,
                project=Project.objects.get(code="DA1", program=BudgetYear.objects.get(year=2025).program),
                subproject=None,
                unit=allocation.unit,
                capital_type="investment",
                source="central",
                origin_year=2026,
                amount=5_000_000,
                decision_no="999/QĐ-UBND",
                decision_date=datetime.date(2026, 11, 1),
                decision_body="UBND tỉnh",
            )
        assert "project" in refused.value.message_dict
        village = allocation.unit.children.first()
        household = household_services.household_create(
            actor=officer,
            head_name="Nông Văn Thử",
            head_id_number="006080999999",
            ethnic_group=Household.objects.first().ethnic_group,
            unit=village,
            members=4,
            poverty_status="none",
        )
        assert household.pk == Household.objects.exclude(pk=household.pk).order_by("-pk").first().pk + 1
    # The live summaries moved with the write.
    progress = selectors.progress_for_unit(user=province_user, unit=province_user.unit, year=2026)
    assert progress.total.disbursed == _sql_sums(province_user.unit.path, 2026)[1]


def test_same_seed_same_rows(nation, db):
    assert fingerprint() == nation.fingerprint
    generate(scale=SCALE, seed=SEED)
    assert fingerprint() == nation.fingerprint
    generate(scale=SCALE, seed=SEED + 1)
    assert fingerprint() != nation.fingerprint


def test_refuses_a_database_with_real_program_data(nation, db):
    allocation = Allocation.objects.first()
    Allocation.objects.filter(pk=allocation.pk).update(created_by=None)  # as if a real officer had entered it
    with pytest.raises(SyntheticError) as refused:
        generate(scale=SCALE, seed=SEED)
    assert "--force" in str(refused.value)
    assert "phân bổ vốn: 1" in str(refused.value)
    assert Allocation.objects.filter(pk=allocation.pk, created_by=None).exists()  # nothing changed
    generate(scale=SCALE, seed=SEED, force=True)
    assert fingerprint() == nation.fingerprint


def test_command_prints_each_table(nation, db, capsys):
    call_command("generate_synthetic", scale=SCALE, seed=SEED, no_check=False)
    out = capsys.readouterr().out
    for table in ("disbursement_allocation", "beneficiaries_household", "tổng cộng", "Tonghop-1719-bench"):
        assert table in out
