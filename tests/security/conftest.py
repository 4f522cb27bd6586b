"""One dataset for the security suites: an object of every scoped model, all of them in Ba Bể (061) / Thị trấn
Chợ Rã (01888), with a marker no other row carries, and users inside and outside that scope.

The dataset is built once per module, inside a transaction that is rolled back when the module ends; each test
runs in a savepoint inside it (pytest-django's `db`), so what one test writes the next one does not see.
"""

import contextlib
import datetime
import io
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from accounts.scope import path_condition
from beneficiaries import selectors as people_selectors
from beneficiaries import services as people
from beneficiaries.excel import importers as people_importers
from beneficiaries.excel.columns import PERSON_COLUMNS
from beneficiaries.models import EthnicGroup
from beneficiaries.models import ImportBatch as PeopleImportBatch
from disbursement import services as ledger
from disbursement.excel import importer as ledger_importers
from disbursement.excel.columns import DISBURSEMENT_COLUMNS
from disbursement.models import ImportBatch as LedgerImportBatch
from disbursement.models import PeriodEvent, PlanLine
from ethnic_portal import clock, export_jobs
from ethnic_portal.excel_import import record_preview
from geography.models import AdministrativeUnit
from programs.models import Project, SubProject
from reports import services as report_services
from reports.models import OverdueSubmission, ReportDownload
from tests.factories import UserFactory, unit

DAY = datetime.date(2024, 7, 15)  # the portal's clock while the dataset is built and used
YEAR = 2024
MARKER = "xyzzyq"  # in a name, note, number or file name of every object of the dataset; nowhere else


def other_province() -> AdministrativeUnit:
    """A province of the reference data that neither is Bắc Kạn (06) nor replaced it (new Thái Nguyên, 19)."""
    return AdministrativeUnit.objects.filter(code="04", level="province").order_by("pk").first()


@dataclass
class Dataset:
    insiders: dict = field(default_factory=dict)  # role → a user whose scope holds the dataset
    outsiders: dict = field(default_factory=dict)  # role → a user whose scope does not
    objects: dict = field(default_factory=dict)  # key → the object (see ROUTES in test_access_matrix.py)

    def __getitem__(self, key):
        return self.objects[key]


def _sheet(columns) -> bytes:
    """An upload whose one row the importer refuses (the batch is kept, with its errors)."""
    workbook = Workbook()
    workbook.active.append([column.header for column in columns])
    workbook.active.append([MARKER] * len(columns))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _build() -> Dataset:
    data = Dataset()
    bac_kan, ba_be, cho_ra = unit("06"), unit("061"), unit("01888")
    elsewhere = other_province()
    province = UserFactory(username="sec_tinh", role="province", unit=bac_kan)
    district = UserFactory(username="sec_huyen", role="district", unit=ba_be)
    commune = UserFactory(username="sec_xa", role="commune", unit=cho_ra)
    data.insiders = {
        "province": province,
        "district": district,
        "commune": commune,
        "leader": UserFactory(username="sec_lanhdao", role="leader", unit=bac_kan),
        "admin": UserFactory(username="sec_quantri", role="admin", unit=bac_kan, is_staff=True),
        # New Thái Nguyên (19, since 1 July 2025), which Bắc Kạn became a part of.
        "new_province": UserFactory(username="sec_tinh_moi", role="province", unit=unit("19", current=True)),
        # The ministry (no unit): reads every province, writes nothing.
        "national": UserFactory(username="sec_bo", role="national", unit=None),
    }
    data.outsiders = {
        "province": UserFactory(username="sec_tinh_khac", role="province", unit=elsewhere),
        "district": UserFactory(username="sec_huyen_khac", role="district", unit=unit("064")),
        "commune": UserFactory(username="sec_xa_khac", role="commune", unit=unit("01891")),
        "leader": UserFactory(username="sec_lanhdao_khac", role="leader", unit=elsewhere),
        "admin": UserFactory(username="sec_quantri_khac", role="admin", unit=elsewhere, is_staff=True),
    }
    o = data.objects
    o["unit"] = cho_ra
    o["user"] = UserFactory(username=f"{MARKER}_xa", full_name=f"Cán bộ {MARKER.title()}", role="commune", unit=cho_ra)
    o["ethnic_group"] = EthnicGroup.objects.get(code="02")
    o["project"] = Project.objects.get(code="DA4", program__phase=1)

    # The ledger: an allocation to the commune, its plan, a disbursement, an adjustment.
    o["allocation"] = ledger.allocation_create(
        actor=province,
        year=YEAR,
        project=o["project"],
        subproject=SubProject.objects.get(code="DA4.TDA1"),
        unit=cho_ra,
        capital_type="investment",
        source="central",
        origin_year=YEAR,
        amount=1_000_000_000,
        decision_no=f"99/{MARKER.upper()}",
        decision_date=datetime.date(YEAR, 2, 1),
        decision_body="UBND tỉnh Bắc Kạn",
        note=f"Ghi chú {MARKER}",
    )
    ledger.plan_set(actor=province, allocation=o["allocation"], months={3: 300_000_000, 9: 700_000_000})
    o["plan_line"] = PlanLine.objects.filter(allocation=o["allocation"]).order_by("month").first()
    o["disbursement"] = ledger.disbursement_create(
        actor=district,
        allocation=o["allocation"],
        date=datetime.date(YEAR, 3, 1),
        amount=250_000_000,
        voucher_no=f"{MARKER.upper()}-KB1",
        note=f"Chi {MARKER}",
    )
    o["adjustment"] = ledger.allocation_adjust(
        actor=province,
        allocation=o["allocation"],
        new_amount=1_200_000_000,
        decision_no=f"100/{MARKER.upper()}-DC",
        decision_date=datetime.date(YEAR, 5, 2),
        decision_body="UBND tỉnh Bắc Kạn",
        reason=f"Bổ sung {MARKER}",
    )
    o["allocation"].refresh_from_db()
    # The district's year of 2023, submitted for approval.
    o["period"] = ledger.period_for(ba_be, YEAR - 1, "year")
    ledger.period_submit(actor=district, period=o["period"], comment=f"Gửi số liệu {MARKER}")
    o["period"].refresh_from_db()
    o["period_event"] = PeriodEvent.objects.get(period=o["period"])
    o["year_setting"] = ledger.year_setting_save(
        actor=province,
        province=bac_kan,
        year=YEAR,
        h1_deadline=datetime.date(YEAR, 7, 31),
        year_deadline=datetime.date(YEAR + 1, 1, 31),
        carryover_deadline=datetime.date(YEAR, 12, 31),
    )
    o["ledger_import"] = record_preview(
        LedgerImportBatch,
        ledger_importers.for_kind("disbursements", actor=commune),
        upload_name=f"{MARKER}-giai-ngan.xlsx",
        content=_sheet(DISBURSEMENT_COLUMNS),
    )

    # People: a prestigious person and their support, a course, a household and two supports that overlap
    # (a case the province reviewed), an activity.
    tay = o["ethnic_group"]
    o["person"] = people.person_create(
        actor=commune,
        full_name=f"Hoàng Văn {MARKER.title()}",
        gender="male",
        birth_year=1958,
        ethnic_group=tay,
        unit=cho_ra,
        community_role="village_elder",
        term_start=2023,
        term_end=2027,
        note=f"Ghi chú {MARKER}",
    )
    o["support"] = people.support_activity_create(
        actor=commune,
        person=o["person"],
        kind="tet_visit",
        date=datetime.date(YEAR, 2, 1),
        funded_by="province",
        note=f"Thăm Tết {MARKER}",
    )
    o["course"] = people.training_course_create(
        actor=district,
        title=f"Tập huấn {MARKER.title()}",
        unit=cho_ra,
        start_date=datetime.date(YEAR, 3, 12),
        end_date=datetime.date(YEAR, 3, 14),
        funded_by="district",
        note=MARKER,
    )
    people.training_course_add_participants(actor=district, course=o["course"], persons=[o["person"]])
    o["tet_season"] = people.tet_season_save(
        actor=province,
        province=bac_kan,
        year=YEAR,
        start=datetime.date(YEAR - 1, 12, 15),
        end=datetime.date(YEAR, 2, 25),
    )
    o["household"] = people.household_create(
        actor=commune,
        head_name=f"Nông Thị {MARKER.title()}",
        head_id_number="006180099991",
        ethnic_group=tay,
        unit=cho_ra,
        members=5,
        poverty_status="poor",
        poverty_year=2023,
        note=MARKER,
    )
    o["household_support"] = people.household_support_create(
        actor=commune,
        household=o["household"],
        year=YEAR,
        kind="water",
        amount=3_000_000,
        date=datetime.date(YEAR, 5, 10),
        funding_program="ntp_1719",
        project=Project.objects.get(code="DA1", program__phase=1),
        note=f"Nước {MARKER}",
    )
    people.household_support_create(
        actor=commune,
        household=o["household"],
        year=YEAR,
        kind="water",
        amount=2_000_000,
        date=datetime.date(YEAR, 6, 10),
        funding_program="ntp_rural",
        scheme=f"Nước sạch NTM {MARKER}",
    )
    [case] = people_selectors.cases(user=province, case_type="support_overlap")
    o["review"] = people.case_review_save(actor=province, case=case, comment=f"Đã thu hồi {MARKER}")
    o["activity"] = people.program_activity_create(
        actor=commune,
        kind="congress",
        title=f"Đại hội {MARKER.title()}",
        unit=cho_ra,
        start_date=datetime.date(YEAR, 4, 18),
        scheme="ethnic_congress",
        participants_total=10,
        participants_male=6,
        participants_female=4,
        ethnic_counts={tay: 10},
        note=MARKER,
    )
    o["activity_count"] = o["activity"].ethnic_counts.get()
    o["people_import"] = record_preview(
        PeopleImportBatch,
        people_importers.for_kind("persons", actor=commune),
        upload_name=f"{MARKER}-nguoi-co-uy-tin.xlsx",
        content=_sheet(PERSON_COLUMNS),
    )

    # Reports: a finished report of the commune, downloaded once; a late submission; the province's threshold.
    job = report_services.report_request(actor=province, level="commune", unit=cho_ra, year=YEAR, period="H1")
    report_services.report_build(job_id=job.pk)
    job.refresh_from_db()
    o["report_job"] = job
    o["report_download"] = report_services.report_download(actor=province, job=job)
    o["overdue"] = OverdueSubmission.objects.create(
        unit=ba_be,
        province=bac_kan,
        year=YEAR,
        period="H1",
        deadline=datetime.date(YEAR, 7, 10),
        status="open",
        days_late=5,
        computed_on=DAY,
    )
    o["report_setting"] = report_services.report_setting_save(
        actor=province, province=bac_kan, low_rate_threshold="12.5"
    )
    # An export job (a list too long for one request) of the province officer: the ledger with the marker in it.
    export = export_jobs.export_request(actor=province, kind="disbursements", query="")
    o["export_job"] = export_jobs.export_build(job_id=export.pk)
    assert o["export_job"].is_done, o["export_job"].error
    assert o["report_job"].is_done, o["report_job"].error
    assert ReportDownload.objects.filter(job=job).exists()
    return data


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic(), clock.as_of(DAY):
        data = _build()
        yield data
        transaction.set_rollback(True)


# --- What the database holds -------------------------------------------------------------------------------

VOLATILE = {"last_login", "updated_at"}


def scoped_models() -> list:
    """Every model that belongs to a unit (its rows are program data), history rows left out."""
    return [
        model
        for model in apps.get_models()
        if hasattr(model, "scope_lookup")
        and hasattr(model._default_manager.all(), "for_user")
        and not hasattr(model, "instance_type")
        and model is not AdministrativeUnit
    ]


def fingerprint(*, except_roots: list[str] | None = None) -> dict[str, tuple]:
    """The rows of every scoped model and of their history, as tuples (rows inside `except_roots` left out, for
    a user's writes to their own unit). Two equal fingerprints: nothing was written."""
    result = {}
    for model in scoped_models():
        queryset = model._default_manager.all()
        if except_roots:
            queryset = queryset.exclude(path_condition(model.scope_lookup, except_roots))
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE]
        result[model._meta.label] = tuple(queryset.order_by("pk").values_list(*names))
        history = getattr(model, "history", None)
        if history is not None:
            rows = history.model.objects.all()
            if except_roots:
                rows = rows.exclude(path_condition(model.scope_lookup, except_roots))
            result[f"{model._meta.label}.history"] = rows.count()
    return result


def changed(before: dict, after: dict) -> list[str]:
    return sorted(label for label in before if before[label] != after[label])


# Tables a request may write to without writing program data: the session and token of the user making it, the
# login lockout's records, the append-only log of who viewed personal data.
BOOKKEEPING_TABLES = ("django_session", "authtoken_token", "axes_", "beneficiaries_personaldataaccess")
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.IGNORECASE)


@contextlib.contextmanager
def no_writes(problems: list, what: str):
    """Records in `problems` every table the block wrote to (bookkeeping aside)."""
    with CaptureQueriesContext(connection) as queries:
        yield
    tables = set()
    for query in queries.captured_queries:
        match = _WRITE.match(query["sql"])
        if match and not match.group(2).lower().startswith(BOOKKEEPING_TABLES):
            tables.add(match.group(2))
    if tables:
        problems.append(f"{what} wrote to {sorted(tables)}")
