"""The ledger's summaries (disbursement/summary.py) stay exact: after random sequences of service writes the live
rows equal rebuild_all() and the sums of the raw rows, to the đồng; a bulk load is summed by rebuild_all(); the
progress read from them equals the progress summed from the ledger, for every moment."""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from disbursement import selectors, services, summary
from disbursement.models import Allocation, Disbursement, LedgerSummary, PlanLine
from ethnic_portal import clock
from programs.models import Project, SubProject
from tests.disbursement.summaries import assert_summaries_exact
from tests.factories import UserFactory, unit

D = datetime.date
UNITS = ["06", "061", "064", "01888", "01891", "19"]


@pytest.fixture
def officers(reference_data, province_user):
    """Province staff of Bắc Kạn and of Thái Nguyên, whose deadlines for 2023 and 2024 lie far ahead (every write
    of the random sequences is then judged by the ledger's other rules)."""
    officers = {"06": province_user, "19": UserFactory(username="tinh_tn", role="province", unit=unit("19"))}
    for code, officer in officers.items():
        for year in (2023, 2024):
            services.year_setting_save(
                actor=officer,
                province=unit(code),
                year=year,
                h1_deadline=D(2030, 1, 1),
                year_deadline=D(2030, 1, 1),
                carryover_deadline=D(year, 12, 31),
            )
    return officers


def _line(rng):
    """(project, sub-project or None, capital type) of a line the Program has."""
    da4, da1 = Project.objects.get(code="DA4", program__phase=1), Project.objects.get(code="DA1", program__phase=1)
    project, sub = rng.choice(
        [(da4, SubProject.objects.get(code="DA4.TDA1")), (da4, SubProject.objects.get(code="DA4.TDA2")), (da1, None)]
    )
    return project, sub, rng.choice((sub or project).capital_type_list)


class Writer:
    """Random service writes over a few units of two provinces; refusals (a rule of the ledger) are skipped."""

    def __init__(self, rng, officers):
        self.rng = rng
        self.officers = officers
        self.done = 0

    def actor(self, code):
        return self.officers["19" if code == "19" else "06"]

    def pick(self, queryset):
        rows = list(queryset.order_by("pk"))
        return self.rng.choice(rows) if rows else None

    def step(self):
        rng = self.rng
        action = rng.choice(
            ["create", "create", "update", "adjust", "delete", "pay", "pay", "pay", "repay", "unpay", "plan", "plan"]
        )
        try:
            getattr(self, action)()
            self.done += 1
        except (ValidationError, PermissionDenied):
            pass

    def create(self):
        rng = self.rng
        code = rng.choice(UNITS)
        project, sub, capital_type = _line(rng)
        services.allocation_create(
            actor=self.actor(code),
            year=rng.choice([2023, 2024]),
            project=project,
            subproject=sub,
            unit=unit(code),
            capital_type=capital_type,
            source=rng.choice(["central", "local", "other"]),
            origin_year=2023,
            amount=rng.randrange(1, 5_000_000_000),
            decision_no=f"{rng.randrange(10**6)}/QĐ",
            decision_date=D(2023, 2, 1),
            decision_body="UBND tỉnh",
        )

    def update(self):
        allocation = self.pick(Allocation.objects.all())
        if allocation is None:
            return
        code = self.rng.choice([c for c in UNITS if (c == "19") == (allocation.unit.code == "19")])
        project, sub, capital_type = _line(self.rng)
        services.allocation_update(
            actor=self.actor(code),
            allocation=allocation,
            unit=unit(code),
            project=project,
            subproject=sub,
            source=self.rng.choice(["central", "local"]),
            capital_type=capital_type,
        )

    def adjust(self):
        allocation = self.pick(Allocation.objects.all())
        if allocation is None:
            return
        services.allocation_adjust(
            actor=self.actor(allocation.unit.code),
            allocation=allocation,
            new_amount=allocation.amount + self.rng.randrange(-(10**8), 10**9),
            decision_no=f"ĐC-{self.rng.randrange(10**6)}",
            decision_date=D(2023, 3, 1),
            decision_body="UBND tỉnh",
        )

    def delete(self):
        allocation = self.pick(Allocation.objects.filter(disbursements__isnull=True))
        if allocation is not None and self.rng.random() < 0.5:
            services.allocation_delete(actor=self.actor(allocation.unit.code), allocation=allocation)

    def _day(self, allocation):
        return D(allocation.year, self.rng.randrange(1, 13), self.rng.randrange(1, 29))

    def pay(self):
        allocation = self.pick(Allocation.objects.all())
        if allocation is None:
            return
        services.disbursement_create(
            actor=self.actor(allocation.unit.code),
            allocation=allocation,
            date=self._day(allocation),
            amount=self.rng.randrange(1, max(2, allocation.amount // 3)),
            voucher_no=f"KB-{self.rng.randrange(10**8)}",
        )

    def repay(self):
        disbursement = self.pick(Disbursement.objects.select_related("allocation__unit"))
        if disbursement is None:
            return
        services.disbursement_update(
            actor=self.actor(disbursement.allocation.unit.code),
            disbursement=disbursement,
            date=self._day(disbursement.allocation),
            amount=self.rng.randrange(1, disbursement.amount * 2 + 2),
        )

    def unpay(self):
        disbursement = self.pick(Disbursement.objects.select_related("allocation__unit"))
        if disbursement is not None:
            services.disbursement_delete(actor=self.actor(disbursement.allocation.unit.code), disbursement=disbursement)

    def plan(self):
        allocation = self.pick(Allocation.objects.all())
        if allocation is None:
            return
        months = {m: self.rng.randrange(0, allocation.amount // 12 + 1) for m in self.rng.sample(range(1, 13), 3)}
        services.plan_set(actor=self.actor(allocation.unit.code), allocation=allocation, months=months)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_writes_keep_the_summaries_equal_to_the_rebuild_and_the_raw_sums(officers, seed):
    writer = Writer(random.Random(seed), officers)
    with clock.as_of(D(2024, 12, 20)):
        for step in range(60):
            writer.step()
            if step % 15 == 14:
                assert assert_summaries_exact() > 0
        # the year-end carry-over of 2023 into 2024, then more writes on the carried capital
        services.carry_over(
            actor=officers["06"],
            province=unit("06"),
            from_year=2023,
            decision_no="CN/QĐ",
            decision_date=D(2024, 1, 5),
            decision_body="UBND tỉnh",
        )
        assert_summaries_exact()
        for _step in range(20):
            writer.step()
    assert writer.done > 30
    assert assert_summaries_exact() > 0


def test_a_deferred_block_applies_its_writes_once_at_its_end_or_not_at_all(officers):
    writer = Writer(random.Random(7), officers)
    with clock.as_of(D(2024, 12, 20)):
        for _step in range(10):
            writer.create()
        before = list(LedgerSummary.objects.order_by("pk").values())
        with transaction.atomic(), summary.deferred():
            for _step in range(10):
                writer.step()
            with summary.deferred():  # a nested block joins the outer one
                writer.pay()
            assert list(LedgerSummary.objects.order_by("pk").values()) == before  # nothing applied yet
        assert_summaries_exact()

        def failing_file():
            with transaction.atomic(), summary.deferred():
                writer.pay()
                writer.plan()
                raise RuntimeError("the file is rolled back")

        with pytest.raises(RuntimeError):
            failing_file()
        assert_summaries_exact()


def test_a_summary_difference_is_refused_outside_the_writes_transaction(officers):
    with clock.as_of(D(2024, 12, 20)):
        Writer(random.Random(3), officers).create()
    allocation = Allocation.objects.select_related("unit").get()
    item = summary.snapshot(allocation)
    connection = transaction.get_connection()
    connection.in_atomic_block = False  # as in autocommit
    try:
        with pytest.raises(RuntimeError, match="inside the transaction"):
            summary.record(None, item)
    finally:
        connection.in_atomic_block = True


def test_rebuild_all_sums_a_bulk_load_exactly(officers):
    """Rows written without the services (bulk_create, as generate_synthetic does), odd ones included: a date
    outside the budget year, a plan line of 0, a province's own capital, a sub-project, a carried line."""
    da4 = Project.objects.get(code="DA4", program__phase=1)
    tda1 = SubProject.objects.get(code="DA4.TDA1")
    rng = random.Random(11)
    allocations = Allocation.objects.bulk_create(
        [
            Allocation(
                year=2024,
                project=da4,
                subproject=rng.choice([tda1, None]),
                unit=unit(rng.choice(UNITS)),
                capital_type=rng.choice(["investment", "recurrent"]),
                source=rng.choice(["central", "local"]),
                origin_year=rng.choice([2023, 2024]),
                amount=rng.randrange(10**6, 10**10),
                decision_no=f"B-{i}",
                decision_date=D(2024, 1, 2),
                decision_body="UBND",
            )
            for i in range(40)
        ]
    )
    Disbursement.objects.bulk_create(
        [
            Disbursement(
                allocation=a,
                date=rng.choice([D(2024, rng.randrange(1, 13), 15), D(2025, 1, 20), D(2023, 12, 31)]),
                amount=rng.randrange(1, 10**8),
                voucher_no=f"V-{a.pk}-{n}",
            )
            for a in allocations
            for n in range(rng.randrange(0, 6))
        ]
    )
    PlanLine.objects.bulk_create(
        [PlanLine(allocation=a, month=m, amount=rng.choice([0, 10**7])) for a in allocations[::3] for m in (2, 8)]
    )
    counts = summary.rebuild_all()
    assert counts["lines"] > 0
    assert assert_summaries_exact() == counts["lines"]


@pytest.mark.parametrize(
    "as_of", [None, D(2024, 6, 30), D(2024, 5, 31), D(2024, 3, 15), D(2023, 12, 31), D(2024, 12, 31)]
)
def test_progress_from_the_summaries_equals_progress_from_the_ledger_at_every_moment(
    officers, national_user, district_user, as_of, monkeypatch
):
    writer = Writer(random.Random(5), officers)
    with clock.as_of(D(2024, 12, 20)):
        for _step in range(80):
            writer.step()
    from geography.models import nation

    for user, place in [(national_user, nation()), (officers["06"], unit("06")), (district_user, unit("061"))]:
        fast = selectors.progress_for_unit(user=user, unit=place, year=2024, as_of=as_of)
        months = selectors.monthly_plan_vs_actual(user=user, unit=place, year=2024)
        with monkeypatch.context() as patch:
            patch.setattr(selectors, "summary_readable", lambda **kwargs: False)
            slow = selectors.progress_for_unit(user=user, unit=place, year=2024, as_of=as_of)
            assert selectors.monthly_plan_vs_actual(user=user, unit=place, year=2024) == months
        assert fast.by_line == slow.by_line, place.code
        assert fast.total == slow.total
        assert fast.by_subunit == slow.by_subunit
        assert fast.by_type_origin == slow.by_type_origin
        assert list(fast.by_project) == list(slow.by_project)
        assert fast.total.allocated > 0 or place.code == "061"
        # the dashboards' and the API's read (no lines): every other view the same, ordering included
        views = selectors.progress_for_unit(user=user, unit=place, year=2024, as_of=as_of, lines=False)
        assert views.by_line in ({}, slow.by_line)  # the ledger path (a moment inside the year) has its lines
        for name in ("total", "by_type", "by_type_origin", "by_project", "by_item", "by_subunit", "project_names"):
            assert getattr(views, name) == getattr(slow, name), (place.code, name)
        assert list(views.by_project) == list(slow.by_project)
        assert list(views.by_item) == list(slow.by_item)
        assert list(views.by_subunit) == list(slow.by_subunit)
        if views.activity is not None and fast.activity is not None:
            assert views.activity == fast.activity
    # 30/06 and the year's end come from the summaries; a day inside the year's disbursements from the ledger
    rows = selectors.summary_rows(unit=unit("06"), children=[], year=2024)
    used = selectors.summary_column(selectors.latest_date(rows), year=2024, as_of=as_of or D(2024, 12, 31))
    if as_of in (None, D(2024, 6, 30), D(2024, 12, 31)):
        assert used is not None
    elif as_of == D(2024, 3, 15):
        assert used is None


def test_a_district_officer_reading_the_province_sees_only_its_district(officers, district_user):
    """A unit only partly in the user's scope (the province above a district officer) is summed from the ledger's
    rows of what the user sees, as before the summaries."""
    writer = Writer(random.Random(9), officers)
    with clock.as_of(D(2024, 12, 20)):
        for _step in range(40):
            writer.step()
    progress = selectors.progress_for_unit(user=district_user, unit=unit("06"), year=2024)
    ba_be = Allocation.objects.filter(year=2024, unit__path__startswith=unit("061").path)
    assert progress.total.allocated == sum(ba_be.values_list("amount", flat=True))
    assert progress.activity is None


@pytest.mark.parametrize("code", ["061", "06", "01888"])
def test_the_hand_written_queries_of_the_benchmark_say_what_progress_says(officers, code):
    """bench/ times progress_for_unit against district_progress_sql (raw rows) and district_progress_summary_sql
    (summary rows): all three must give the same lines to the đồng."""
    writer = Writer(random.Random(13), officers)
    with clock.as_of(D(2024, 12, 20)):
        for _step in range(60):
            writer.step()
    place = unit(code)
    progress = selectors.progress_for_unit(user=officers["06"], unit=place, year=2024)
    expected = summary.lines_by_segment(progress)
    assert summary.district_progress_sql(place.path, 2024) == expected
    assert summary.district_progress_summary_sql(place.pk, 2024) == expected
    assert expected or code == "01888"


def test_an_excel_import_adds_its_rows_to_the_summaries_once_at_the_end_and_a_dry_run_not_at_all(
    officers, district_user
):
    """The importers defer the summary rows to the end of the file (summary.deferred): the result is exact; a dry
    run or a file with a bad row leaves them as they were."""
    from disbursement.excel.importer import run_import
    from tests.disbursement.test_import import DISBURSEMENT_HEADERS, allocation_row, disbursement_row, xlsx

    allocations = [
        allocation_row(unit=code, decision_no=f"{n}/QĐ", amount=700_000_000 + n)
        for n, code in enumerate(["061", "01888", "01891", "01888"])
    ]
    with clock.as_of(D(2024, 7, 15)):
        before = list(LedgerSummary.objects.values())
        preview = run_import(actor=district_user, kind="allocations", content=xlsx(allocations), dry_run=True)
        assert preview.ok
        assert list(LedgerSummary.objects.values()) == before
        assert run_import(actor=district_user, kind="allocations", content=xlsx(allocations), dry_run=False).applied
        assert_summaries_exact()
        payments = [
            disbursement_row(unit=code, decision_no=f"{n}/QĐ", voucher_no=f"KB-{n}", amount=100_000_000 + n)
            for n, code in enumerate(["061", "01888", "01891", "01888"])
        ]
        bad = [*payments, disbursement_row(unit="01888", decision_no="3/QĐ", voucher_no="X", amount=10**15)]
        refused = run_import(
            actor=district_user, kind="disbursements", content=xlsx(bad, DISBURSEMENT_HEADERS), dry_run=False
        )
        assert not refused.applied
        assert_summaries_exact()
        done = run_import(
            actor=district_user, kind="disbursements", content=xlsx(payments, DISBURSEMENT_HEADERS), dry_run=False
        )
        assert done.applied, done.errors
    assert assert_summaries_exact() > 0
    district = LedgerSummary.objects.get(unit=unit("061"), year=2024, source="central", capital_type="investment")
    assert district.allocated == sum(700_000_000 + n for n in range(4))
    assert district.disbursed == sum(100_000_000 + n for n in range(4))
