"""Property tests of the ledger: any sequence of writes keeps every invariant (hypothesis, stateful).

A `RuleBasedStateMachine` drives the real services of disbursement/services.py — allocations (create, update,
adjust, delete), disbursements (create, update, delete), monthly plans, carry-over, the period approval cycle
(submit, approve, return, reopen) and the province's deadlines — as eight users of every role, with amounts and
dates drawn at random (invalid ones, other units' capital, dates in locked periods and after deadlines included),
while the portal's clock (`ethnic_portal.clock.as_of`) moves forward. It keeps a plain Python model of the ledger:
before each write the model says whether the write must succeed, be refused as invalid (ValidationError) or be
forbidden (PermissionDenied), and after each step these hold:

- no overspend: no allocation has more disbursed than its amount (raw rows and `allocation_list` alike);
- the database equals the model, row for row;
- totals: `progress_for_unit` (what the dashboard and the API read) equals the sums of the raw rows and of the
  model, to the đồng, for a commune, a district and the province, by capital type, sub-unit and line;
- history: every create, update and delete left a django-simple-history row naming the actor, with the values
  it wrote (the model keeps the log each object must have);
- locked periods: a write never changes a record dated in a submitted or approved period;
- a refused write changes nothing at all (every ledger table and its history is fingerprinted), and says why in
  Vietnamese;
- carry-over: each balance is carried at most once, into the next year, for exactly its unspent amount;
- summaries: the live summary rows (disbursement/summary.py) equal what rebuild_all() computes and the sums of the
  raw rows, to the đồng (tests/disbursement/summaries.py).

Each example runs in a savepoint rolled back at its end, so every example starts from the reference data alone
(a savepoint costs 0.1 ms; a transactional database would flush and reload the reference data, over a second,
per example).
`make test` runs the bounded default (20 sequences of 25 steps); `HYPOTHESIS_PROFILE=thorough` runs 200 of 50.
Run with `-s` for the number of examples, steps and outcomes of each service; LEDGER_WHY=1 adds the model's
reason for each expected refusal.
"""

import dataclasses
import datetime
import os
import re
import sys
from collections import defaultdict

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient

from accounts.scope import unit_in_scope
from disbursement import selectors, services
from disbursement.models import (
    Allocation,
    AllocationAdjustment,
    Disbursement,
    Period,
    PeriodEvent,
    PlanLine,
    YearSetting,
)
from ethnic_portal import clock
from ethnic_portal.dashboard import dashboard
from ethnic_portal.formatting import MAX_AMOUNT
from programs.models import Project, SubProject
from tests.disbursement.summaries import assert_summaries_exact
from tests.factories import UserFactory, unit

D = datetime.date
DAY = datetime.timedelta(days=1)

PROFILES = {
    # make test: about half a minute on SQLite.
    "default": settings(
        max_examples=20,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    ),
    "thorough": settings(
        max_examples=200,
        stateful_step_count=50,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    ),
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")

# --- The world: units, users, project lines ---------------------------------------------------------------

# Bắc Kạn (06), two of its districts, two communes of Ba Bể, and Cao Bằng (04), another province.
UNITS = ["06", "061", "064", "01888", "01891", "04"]
PATHS = {
    "06": "06/",
    "061": "06/061/",
    "064": "06/064/",
    "01888": "06/061/01888/",
    "01891": "06/061/01891/",
    "04": "04/",
}
# Who submits each unit's figures (services.reporting_unit): the district; a province's own capital has no period.
REPORTER = {"06": None, "061": "061", "064": "064", "01888": "061", "01891": "061", "04": None}
PROVINCE = {"06": "06", "061": "06", "064": "06", "01888": "06", "01891": "06", "04": "04"}
PERIOD_UNITS = ["061", "064", "01888"]  # a commune inside a district has a period row but never submits


@dataclasses.dataclass(frozen=True)
class Role:
    writes: bool
    submits: bool
    approves: bool


ROLES = {
    "province": Role(writes=True, submits=False, approves=True),
    "district": Role(writes=True, submits=True, approves=False),
    "commune": Role(writes=True, submits=True, approves=False),
    "leader": Role(writes=False, submits=False, approves=False),
}

# name → (role, unit code, current version?, the path prefixes of this world the user reaches)
ACTORS = {
    "tinh": ("province", "06", False, ("06/",)),
    "tinh_moi": ("province", "19", True, ("06/",)),  # new Thái Nguyên (2025) took over Bắc Kạn
    "huyen_babe": ("district", "061", False, ("06/061/",)),
    "huyen_chodon": ("district", "064", False, ("06/064/",)),
    "xa_chora": ("commune", "01888", False, ("06/061/01888/",)),
    "xa_banhtrach": ("commune", "01891", False, ("06/061/01891/",)),
    "lanhdao": ("leader", "06", False, ("06/",)),
    "tinh_caobang": ("province", "04", False, ("04/",)),
}

# (project, sub-project, capital type): lines the program has, and lines it does not.
LINES = [
    ("DA4", "DA4.TDA1", "investment"),
    ("DA4", "DA4.TDA2", "investment"),
    ("DA1", None, "recurrent"),
    ("DA7", None, "recurrent"),
]
BAD_LINES = [("DA7", None, "investment"), ("DA4", None, "investment"), ("DA4", "DA3.TDA1", "recurrent")]
BUDGET_YEARS = range(2021, 2031)

OPEN, SUBMITTED, APPROVED, RETURNED, REOPENED = "open", "submitted", "approved", "returned", "reopened"
LOCKED = {SUBMITTED, APPROVED}
H1, YEAR = "H1", "year"

START, END = D(2024, 1, 2), D(2026, 2, 28)

OK, INVALID, DENIED = "ok", "invalid", "denied"
VIETNAMESE = re.compile(r"[À-ỹđĐ]")

# --- Strategies ------------------------------------------------------------------------------------------
# Each value is good most of the time and bad (of every kind the services refuse) now and then, so that most
# writes are accepted and the ledger grows, while every refusal is still tried.


def mostly(good, bad, times: int = 6):
    """`good` `times` times as often as `bad` (st.one_of would merge equal branches and draw half and half)."""
    return st.integers(0, times).flatmap(lambda i: bad if i == times else good)


BAD_AMOUNTS = [0, -1, -1_000_000, MAX_AMOUNT + 1, 1.5, "100", True, None]
good_amounts = st.integers(1, 10**9)
allocation_amounts = mostly(good_amounts, st.sampled_from(BAD_AMOUNTS))
# ("rem", d): the allocation's remaining balance plus d, to hit the boundary exactly.
money = mostly(
    st.one_of(st.integers(1, 6 * 10**8), st.integers(1, 10**7), st.tuples(st.just("rem"), st.integers(-1, 1))),
    st.sampled_from(BAD_AMOUNTS),
)
# ("rel", n): n days from the clock's today; ("abs", day): any day of the two years under test.
recent_days = st.tuples(st.just("rel"), st.integers(-45, 0))
days = mostly(
    recent_days,
    st.one_of(
        st.tuples(st.just("rel"), st.integers(-400, 3)),
        st.tuples(st.just("abs"), st.dates(D(2023, 11, 1), D(2026, 3, 1))),
    ),
    times=2,
)
decision_numbers = mostly(st.sampled_from(["1/QĐ-UBND", "2/QĐ-UBND", " 3/QĐ-UBND "]), st.sampled_from(["", "  "]))
bodies = mostly(st.sampled_from(["UBND tỉnh Bắc Kạn", "UBND huyện Ba Bể"]), st.sampled_from(["", " "]))
vouchers = mostly(st.integers(1, 40).map(lambda n: f"KB-{n}"), st.sampled_from([" KB-1 ", "", "  "]))
notes = st.sampled_from(["", "ghi chú", "  sửa số liệu  "])
comments = mostly(st.sampled_from(["Đủ hồ sơ", "Thiếu chứng từ tháng 6"]), st.sampled_from(["", "   "]), times=3)
viewers = st.sampled_from(list(ACTORS))
# Mostly someone the rule allows ("fit": the n-th such user), else anyone at all.
fit = st.tuples(st.just("fit"), st.integers(0, 7))
actors = mostly(fit, st.tuples(st.just("any"), viewers))
picks = st.integers(0, 10_000)
ALLOCATION_ARGS = {
    "actor": actors,
    "code": st.sampled_from(UNITS),
    "year": st.sampled_from([2024, 2024, 2025]),
    "origin_back": mostly(st.just(0), st.sampled_from([1, -1])),
    "line": mostly(st.sampled_from(LINES), st.sampled_from(BAD_LINES)),
    "source": st.sampled_from(["central", "local"]),
    "amount": allocation_amounts,
    "decision_no": decision_numbers,
    "decision_day": days,
    "decision_body": bodies,
    "note": notes,
}
DISBURSEMENT_ARGS = {
    "actor": actors,
    "index": picks,
    "day": mostly(st.tuples(st.just("rel"), st.integers(-30, 0)), days, times=3),
    "amount": money,
    "voucher": vouchers,
    "note": notes,
}
plan_months = st.dictionaries(
    mostly(st.integers(1, 12), st.sampled_from([0, 13])),
    mostly(st.integers(0, 2 * 10**8), st.sampled_from([-1, 1.5, True])),
    max_size=4,
)


@dataclasses.dataclass
class MAlloc:
    pk: int
    unit: str
    year: int
    origin_year: int
    line: tuple
    source: str
    amount: int
    decision_no: str
    decision_date: datetime.date
    decision_body: str
    note: str
    carried_from: int | None = None
    carried_to: int | None = None


@dataclasses.dataclass
class MDisb:
    pk: int
    allocation: int
    date: datetime.date
    amount: int
    voucher_no: str
    note: str


@dataclasses.dataclass
class MSetting:
    h1_deadline: datetime.date
    year_deadline: datetime.date
    carryover_deadline: datetime.date


def default_setting(year: int) -> MSetting:
    return MSetting(D(year, 9, 20), D(year + 1, 2, 5), D(year, 12, 31))


def valid_amount(amount) -> bool:
    return isinstance(amount, int) and not isinstance(amount, bool) and 0 < amount <= MAX_AMOUNT


def blank(text) -> bool:
    return not (text or "").strip()


class Stats:
    examples = 0
    steps = 0
    outcomes: dict = defaultdict(int)
    reasons: dict = defaultdict(int)  # LEDGER_WHY=1: why the model expected each outcome


class World:
    """What every example shares: the reference data's units and projects, and one user per persona."""

    def __init__(self, users: dict):
        self.users = users
        self.units = {code: unit(code) for code in UNITS}
        self.unit_ids = {code: u.pk for code, u in self.units.items()}
        self.code_of = {pk: code for code, pk in self.unit_ids.items()}
        self.projects = {p.code: p for p in Project.objects.filter(program__phase=1)}
        self.subprojects = {s.code: s for s in SubProject.objects.filter(project__program__phase=1)}


class LedgerMachine(RuleBasedStateMachine):
    world: World

    def __init__(self):
        super().__init__()
        Stats.examples += 1
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.today = START
        self.allocs: dict[int, MAlloc] = {}
        self.disbs: dict[int, MDisb] = {}
        self.plans: dict[int, dict[int, int]] = defaultdict(dict)
        self.periods: dict[tuple, str] = {}
        self.settings: dict[tuple, MSetting] = {}
        # The history each object must have: (history_type, user pk, values) in order.
        self.history: dict[tuple, list] = defaultdict(list)
        self.dirty = True  # something changed since the invariants were last checked

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- The model's rules --------------------------------------------------------------------------------

    def in_scope(self, actor: str, code: str) -> bool:
        return any(PATHS[code].startswith(root) for root in ACTORS[actor][3])

    def role(self, actor: str) -> Role:
        return ROLES[ACTORS[actor][0]]

    def can_write(self, actor, code) -> bool:
        return self.role(actor).writes and self.in_scope(actor, code)

    def can_submit(self, actor, code) -> bool:
        return self.role(actor).submits and self.in_scope(actor, code) and code in {"061", "064"}

    def can_approve(self, actor, code) -> bool:
        return self.role(actor).approves and self.in_scope(actor, code) and ACTORS[actor][1] != code

    def setting(self, province: str, year: int) -> MSetting:
        return self.settings.get((province, year)) or default_setting(year)

    def blocked(self, code: str, year: int, day: datetime.date) -> str | None:
        """Why a record of `code` dated `day` in `year` may not be written now (check_period_open), or None."""
        reporter = REPORTER[code]
        if reporter is None:
            return None
        kinds = [H1, YEAR] if day.year == year and day.month <= 6 else [YEAR]
        setting = self.setting(PROVINCE[code], year)
        for kind in kinds:
            status = self.periods.get((reporter, year, kind), OPEN)
            if status in LOCKED:
                return f"{reporter} {kind} {year} {status}"
            deadline = setting.h1_deadline if kind == H1 else setting.year_deadline
            if self.today > deadline and status != REOPENED:
                return f"{reporter} {kind} {year} past its deadline {deadline}"
        return None

    def records_blocked(self, a: MAlloc, code: str, year: int) -> str | None:
        """Why the allocation's disbursements and plan may not move into or out of `code`'s `year` now."""
        days = [d.date for d in self.disbs.values() if d.allocation == a.pk]
        days += [D(year, month, 1) for month in self.plans.get(a.pk, {})]
        return next((reason for day in days if (reason := self.blocked(code, year, day))), None)

    def spent(self, alloc_pk: int, exclude: int | None = None) -> int:
        return sum(d.amount for d in self.disbs.values() if d.allocation == alloc_pk and d.pk != exclude)

    def window(self, a: MAlloc) -> tuple[datetime.date, datetime.date]:
        if a.origin_year < a.year:
            return D(a.year, 1, 1), self.setting(PROVINCE[a.unit], a.year).carryover_deadline
        return D(a.year, 1, 1), D(a.year, 12, 31)

    def allocation_errors(self, v: dict) -> list[str]:
        errors = []
        if v["year"] not in BUDGET_YEARS:
            errors.append("year")
        if not (2021 <= v["origin_year"] <= v["year"]):
            errors.append("origin_year")
        if v["line"] not in LINES:
            errors.append("line")
        if not valid_amount(v["amount"]):
            errors.append("amount")
        if blank(v["decision_no"]):
            errors.append("decision_no")
        if v["decision_date"] > self.today:
            errors.append("decision_date in the future")
        if blank(v["decision_body"]):
            errors.append("decision_body")
        return errors

    def duplicate(self, v: dict, exclude: int | None = None) -> bool:
        key = (v["year"], v["unit"], v["line"], v["source"], v["origin_year"], (v["decision_no"] or "").strip())
        return any(
            (a.year, a.unit, a.line, a.source, a.origin_year, a.decision_no) == key
            for a in self.allocs.values()
            if a.carried_from is None and a.pk != exclude
        )

    def disbursement_errors(self, a: MAlloc, day, amount, voucher, exclude=None) -> list[str]:
        errors = []
        if not valid_amount(amount):
            errors.append("amount")
        start, end = self.window(a)
        if day > self.today:
            errors.append("date in the future")
        elif not start <= day <= end:
            errors.append("date outside the window")
        if blank(voucher):
            errors.append("voucher blank")
        elif any(
            d.allocation == a.pk and d.voucher_no == voucher.strip() and d.pk != exclude for d in self.disbs.values()
        ):
            errors.append("voucher twice")
        return errors

    # --- Drawing values ----------------------------------------------------------------------------------

    def day(self, spec) -> datetime.date:
        kind, value = spec
        return self.today + value * DAY if kind == "rel" else value

    def amount(self, spec, remaining: int):
        if isinstance(spec, tuple) and spec and spec[0] == "rem":
            return remaining + spec[1]
        return spec

    def pick(self, mapping: dict, index: int):
        keys = sorted(mapping)
        return mapping[keys[index % len(keys)]]

    def who(self, spec: tuple, allowed) -> str:
        kind, value = spec
        if kind == "any":
            return value
        fitting = [name for name in ACTORS if allowed(name)] or list(ACTORS)
        return fitting[value % len(fitting)]

    def user(self, actor: str):
        return self.world.users[actor]

    def unit_obj(self, code: str):
        return self.world.units[code]

    def line_objects(self, line) -> dict:
        project, subproject, capital_type = line
        return {
            "project": self.world.projects[project],
            "subproject": self.world.subprojects[subproject] if subproject else None,
            "capital_type": capital_type,
        }

    # --- Snapshots ---------------------------------------------------------------------------------------

    def alloc_values(self, a: MAlloc) -> tuple:
        project, subproject, capital_type = a.line
        return (
            a.year,
            self.world.unit_ids[a.unit],
            self.world.projects[project].pk,
            self.world.subprojects[subproject].pk if subproject else None,
            capital_type,
            a.source,
            a.origin_year,
            a.amount,
            a.decision_no,
            a.decision_date,
            a.decision_body,
            a.note,
            a.carried_from,
        )

    ALLOC_FIELDS = (
        "year",
        "unit_id",
        "project_id",
        "subproject_id",
        "capital_type",
        "source",
        "origin_year",
        "amount",
        "decision_no",
        "decision_date",
        "decision_body",
        "note",
        "carried_from_id",
    )
    DISB_FIELDS = ("allocation_id", "date", "amount", "voucher_no", "note")

    @staticmethod
    def disb_values(d: MDisb) -> tuple:
        return (d.allocation, d.date, d.amount, d.voucher_no, d.note)

    def log(self, kind: str, pk, history_type: str, actor: str | None, values: tuple):
        self.history[(kind, pk)].append((history_type, self.user(actor).pk if actor else None, values))

    def fingerprint(self) -> dict:
        """Every row of every ledger table and of their history, to prove a refused write wrote nothing."""
        models = [Allocation, AllocationAdjustment, Disbursement, PlanLine, Period, PeriodEvent, YearSetting]
        models += [m.history.model for m in (Allocation, Disbursement, PlanLine, Period, YearSetting)]
        return {m._meta.label: list(m.objects.order_by("pk").values_list()) for m in models}

    def locked_records(self) -> dict:
        """The records dated in each submitted or approved period, as the database has them."""
        records = {}
        reporter_of = {self.world.unit_ids[c]: REPORTER[c] for c in UNITS}
        allocations = list(Allocation.objects.values_list("pk", "unit_id", "year", "decision_date", *self.ALLOC_FIELDS))
        by_pk = {row[0]: row for row in allocations}
        disbursements = list(Disbursement.objects.values_list("pk", "allocation_id", "date", "amount", "voucher_no"))
        plan = list(PlanLine.objects.values_list("allocation_id", "month", "amount"))
        for p in Period.objects.filter(status__in=LOCKED).select_related("unit"):
            code = self.world.code_of.get(p.unit_id)

            def dated_in(day, year, kind=p.kind, period_year=p.year):
                return year == period_year and (kind == YEAR or (day.year == year and day.month <= 6))

            mine = [r for r in allocations if reporter_of.get(r[1]) == code]
            records[(code, p.year, p.kind)] = (
                sorted(r for r in mine if dated_in(r[3], r[2])),
                sorted(
                    (d, by_pk[d[1]][1])
                    for d in disbursements
                    if reporter_of.get(by_pk[d[1]][1]) == code and dated_in(d[2], by_pk[d[1]][2])
                ),
                sorted(
                    (pl, by_pk[pl[0]][1])
                    for pl in plan
                    if reporter_of.get(by_pk[pl[0]][1]) == code
                    and dated_in(D(by_pk[pl[0]][2], pl[1], 1), by_pk[pl[0]][2])
                ),
            )
        return records

    # --- Running a write ---------------------------------------------------------------------------------

    def write(self, name: str, expected: tuple, call, *, amount_may_change: bool = False):
        """Run one service call against the model's expectation; on a refusal, prove nothing was written."""
        expected_outcome, why = expected
        before = self.fingerprint()
        locked_before = self.locked_records()
        with clock.as_of(self.today):
            try:
                result = call()
            except PermissionDenied as error:
                outcome, messages, result = DENIED, [str(error)], None
            except ValidationError as error:
                outcome, messages, result = INVALID, error.messages, None
            else:
                outcome, messages = OK, []
                self.dirty = True
        Stats.outcomes[(name, outcome)] += 1
        if os.environ.get("LEDGER_WHY"):
            Stats.reasons[(name, outcome, str(why)[:70])] += 1
        assert outcome == expected_outcome, (
            f"{name} on {self.today}: the model expected {expected_outcome} ({why}), the service answered "
            f"{outcome} {messages}"
        )
        if outcome != OK:
            assert messages, f"{name}: a refusal without a message"
            for message in messages:
                assert VIETNAMESE.search(message), f"{name}: {message!r} is not Vietnamese"
                assert "%(" not in message, f"{name}: {message!r}"
            assert self.fingerprint() == before, f"{name} was refused ({messages}) but wrote to the database"
        locked_after = self.locked_records()
        for key, (allocs, disbs, plan) in locked_before.items():
            if key not in locked_after:
                continue  # the step itself reopened or returned the period
            after = locked_after[key]
            if amount_may_change:  # an adjustment dated outside the period changes an amount decided inside it
                allocs, after = _without_amounts(allocs), (_without_amounts(after[0]), *after[1:])
            assert (allocs, disbs, plan) == tuple(after), f"{name} changed records of the locked period {key}"
        return result

    # --- Rules -------------------------------------------------------------------------------------------

    @initialize(
        start=st.one_of(st.dates(START, D(2024, 9, 15)), st.dates(START, D(2024, 12, 31))),
        opening=st.lists(
            st.tuples(fit, st.sampled_from(UNITS[:5]), st.sampled_from(LINES), good_amounts, st.integers(0, 200)),
            min_size=1,
            max_size=4,
        ),
        spending=st.lists(st.tuples(fit, picks, st.integers(1, 10**8), st.integers(0, 60)), max_size=4),
        plans=st.lists(st.tuples(fit, picks, st.dictionaries(st.integers(1, 12), st.integers(1, 10**8))), max_size=2),
    )
    def start(self, start, opening, spending, plans):
        """The clock's first day, and this year's capital so far: allocations, disbursements, monthly plans (through
        the services, like any write)."""
        self.today = start
        for number, (actor, code, line, amount, back) in enumerate(opening):
            self.allocation_create(
                actor=actor,
                code=code,
                year=2024,
                origin_back=0,
                line=line,
                source="central",
                amount=amount,
                decision_no=f"{number + 1}/QĐ-UBND",
                decision_day=("abs", max(D(2024, 1, 1), start - back * DAY)),
                decision_body="UBND tỉnh Bắc Kạn",
                note="",
            )
        for number, (actor, index, amount, back) in enumerate(spending):
            if self.allocs:
                self.disbursement_create(
                    actor=actor, index=index, day=("rel", -back), amount=amount, voucher=f"KB-{number}", note=""
                )
        for actor, index, months in plans:
            if self.allocs:
                self.plan_set(actor=actor, index=index, months=months)

    @rule(n=st.integers(1, 120))
    def time_passes(self, n):
        self.today = min(self.today + n * DAY, END)
        self.dirty = True

    @rule(**ALLOCATION_ARGS)
    def allocation_create(
        self, actor, code, year, origin_back, line, source, amount, decision_no, decision_day, decision_body, note
    ):
        actor = self.who(actor, lambda name: self.can_write(name, code))
        values = {
            "unit": code,
            "year": year,
            "origin_year": year - origin_back,
            "line": line,
            "source": source,
            "amount": amount,
            "decision_no": decision_no,
            "decision_date": self.day(decision_day),
            "decision_body": decision_body,
        }
        if not self.can_write(actor, code):
            expected = (DENIED, "out of scope or read-only")
        elif errors := self.allocation_errors(values):
            expected = (INVALID, errors)
        elif reason := self.blocked(code, year, values["decision_date"]):
            expected = (INVALID, reason)
        elif self.duplicate(values):
            expected = (INVALID, "same decision, same line")
        else:
            expected = (OK, "")
        created = self.write(
            "allocation_create",
            expected,
            lambda: services.allocation_create(
                actor=self.user(actor),
                unit=self.unit_obj(code),
                year=year,
                origin_year=values["origin_year"],
                source=source,
                amount=amount,
                decision_no=decision_no,
                decision_date=values["decision_date"],
                decision_body=decision_body,
                note=note,
                **self.line_objects(line),
            ),
        )
        if created is not None:
            a = MAlloc(
                pk=created.pk,
                **{**values, "decision_no": decision_no.strip(), "decision_body": decision_body.strip()},
                note=note.strip(),
            )
            self.allocs[a.pk] = a
            self.log("allocation", a.pk, "+", actor, self.alloc_values(a))

    @precondition(lambda self: self.allocs)
    @rule(
        actor=actors,
        index=picks,
        changes=st.fixed_dictionaries(
            {},
            optional={
                "amount": st.one_of(allocation_amounts, st.tuples(st.just("rem"), st.integers(-1, 1))),
                "note": notes,
                "decision_day": days,
                "unit": st.sampled_from(UNITS),
                "year": st.sampled_from([2024, 2025]),
                "decision_no": decision_numbers,
                "decision_body": bodies,
            },
        ),
    )
    def allocation_update(self, actor, index, changes):
        a = self.pick(self.allocs, index)
        actor = self.who(actor, lambda name: self.can_write(name, a.unit))
        spent = self.spent(a.pk)
        new = dataclasses.replace(a)
        kwargs = {}
        if "amount" in changes:
            new.amount = kwargs["amount"] = self.amount(changes["amount"], spent)
        if "decision_day" in changes:
            new.decision_date = kwargs["decision_date"] = self.day(changes["decision_day"])
        if "unit" in changes:
            new.unit = changes["unit"]
            kwargs["unit"] = self.unit_obj(new.unit)
        for name in ("note", "year", "decision_no", "decision_body"):
            if name in changes:
                setattr(new, name, changes[name])
                kwargs[name] = changes[name]
        values = dataclasses.asdict(new)
        if not self.can_write(actor, a.unit):
            expected = (DENIED, "out of scope or read-only")
        elif a.carried_to:
            expected = (INVALID, "carried over")
        elif reason := self.blocked(a.unit, a.year, a.decision_date):
            expected = (INVALID, reason)
        elif a.carried_from and any(
            getattr(new, name) != getattr(a, name) for name in ("year", "line", "source", "origin_year", "amount")
        ):
            expected = (INVALID, "a carried balance keeps its line, year and amount")
        elif not self.can_write(actor, new.unit):
            expected = (DENIED, "new unit out of scope")
        elif errors := self.allocation_errors(values):
            expected = (INVALID, errors)
        elif reason := self.blocked(new.unit, new.year, new.decision_date):
            expected = (INVALID, reason)
        elif new.amount < spent:
            expected = (INVALID, "below the disbursed total")
        elif new.amount < sum(self.plans.get(a.pk, {}).values()):
            expected = (INVALID, "below the monthly plan")
        elif spent and new.year != a.year:
            expected = (INVALID, "year of a disbursed allocation")
        elif (new.unit, new.year) != (a.unit, a.year) and (
            reason := self.records_blocked(a, a.unit, a.year) or self.records_blocked(a, new.unit, new.year)
        ):
            expected = (INVALID, f"moves records: {reason}")
        elif a.carried_from is None and self.duplicate(values, exclude=a.pk):
            expected = (INVALID, "same decision, same line")
        else:
            expected = (OK, "")
        updated = self.write(
            "allocation_update",
            expected,
            lambda: services.allocation_update(
                actor=self.user(actor), allocation=Allocation.objects.get(pk=a.pk), **kwargs
            ),
        )
        if updated is not None:
            new.decision_no, new.decision_body = new.decision_no.strip(), new.decision_body.strip()
            new.note = new.note.strip()
            self.allocs[a.pk] = new
            self.log("allocation", a.pk, "~", actor, self.alloc_values(new))

    @precondition(lambda self: self.allocs)
    @rule(
        actor=actors,
        index=picks,
        # ("plan", d): the monthly plan's total plus d, to hit that boundary too.
        new_amount=st.one_of(allocation_amounts, st.tuples(st.sampled_from(["rem", "plan"]), st.integers(-1, 1))),
        decision_no=decision_numbers,
        decision_day=days,
        decision_body=bodies,
    )
    def allocation_adjust(self, actor, index, new_amount, decision_no, decision_day, decision_body):
        a = self.pick(self.allocs, index)
        actor = self.who(actor, lambda name: self.can_write(name, a.unit))
        spent = self.spent(a.pk)
        planned = sum(self.plans.get(a.pk, {}).values())
        if isinstance(new_amount, tuple) and new_amount[0] == "plan":
            new_amount = planned + new_amount[1]
        new_amount = self.amount(new_amount, spent)
        day = self.day(decision_day)
        errors = []
        if not valid_amount(new_amount):
            errors.append("amount")
        if blank(decision_no):
            errors.append("decision_no")
        if day < a.decision_date:
            errors.append("before the allocation's decision")
        elif day > self.today:
            errors.append("in the future")
        if blank(decision_body):
            errors.append("decision_body")
        if not self.can_write(actor, a.unit):
            expected = (DENIED, "out of scope or read-only")
        elif errors:
            expected = (INVALID, errors)
        elif a.carried_to:
            expected = (INVALID, "carried over")
        elif reason := self.blocked(a.unit, a.year, day):
            expected = (INVALID, reason)
        elif new_amount < spent:
            expected = (INVALID, "below the disbursed total")
        elif new_amount < planned:
            expected = (INVALID, "below the monthly plan")
        else:
            expected = (OK, "")
        adjustment = self.write(
            "allocation_adjust",
            expected,
            lambda: services.allocation_adjust(
                actor=self.user(actor),
                allocation=Allocation.objects.get(pk=a.pk),
                new_amount=new_amount,
                decision_no=decision_no,
                decision_date=day,
                decision_body=decision_body,
            ),
            amount_may_change=True,
        )
        if adjustment is not None:
            assert (adjustment.previous_amount, adjustment.new_amount) == (a.amount, new_amount)
            a.amount = new_amount
            self.log("allocation", a.pk, "~", actor, self.alloc_values(a))

    @precondition(lambda self: self.allocs)
    @rule(actor=actors, index=picks)
    def allocation_delete(self, actor, index):
        a = self.pick(self.allocs, index)
        actor = self.who(actor, lambda name: self.can_write(name, a.unit))
        if not self.can_write(actor, a.unit):
            expected = (DENIED, "out of scope or read-only")
        elif any(d.allocation == a.pk for d in self.disbs.values()):
            expected = (INVALID, "has disbursements")
        elif a.carried_to:
            expected = (INVALID, "carried over")
        elif reason := self.blocked(a.unit, a.year, a.decision_date) or self.records_blocked(a, a.unit, a.year):
            expected = (INVALID, reason)
        else:
            expected = (OK, "")
        self.write(
            "allocation_delete",
            expected,
            lambda: services.allocation_delete(actor=self.user(actor), allocation=Allocation.objects.get(pk=a.pk)),
        )
        if expected[0] == OK:
            del self.allocs[a.pk]
            self.log("allocation", a.pk, "-", actor, self.alloc_values(a))
            for month, amount in sorted(self.plans.pop(a.pk, {}).items()):
                self.log("plan", (a.pk, month), "-", actor, (amount,))
            if a.carried_from:
                self.allocs[a.carried_from].carried_to = None

    @precondition(lambda self: self.allocs)
    @rule(**DISBURSEMENT_ARGS)
    def disbursement_create_again(self, **args):
        """Disbursements are the commonest write: this rule and the next make them twice as likely."""
        self.disbursement_create(**args)

    @precondition(lambda self: self.allocs)
    @rule(**DISBURSEMENT_ARGS)
    def disbursement_create(self, actor, index, day, amount, voucher, note):
        a = self.pick(self.allocs, index)
        actor = self.who(actor, lambda name: self.can_write(name, a.unit))
        remaining = a.amount - self.spent(a.pk)
        amount = self.amount(amount, remaining)
        day = self.day(day)
        if not self.can_write(actor, a.unit):
            expected = (DENIED, "out of scope or read-only")
        elif a.carried_to:
            expected = (INVALID, "carried over")
        elif errors := self.disbursement_errors(a, day, amount, voucher):
            expected = (INVALID, errors)
        elif reason := self.blocked(a.unit, a.year, day):
            expected = (INVALID, reason)
        elif amount > remaining:
            expected = (INVALID, "overspend")
        else:
            expected = (OK, "")
        created = self.write(
            "disbursement_create",
            expected,
            lambda: services.disbursement_create(
                actor=self.user(actor),
                allocation=Allocation.objects.get(pk=a.pk),
                date=day,
                amount=amount,
                voucher_no=voucher,
                note=note,
            ),
        )
        if created is not None:
            d = MDisb(created.pk, a.pk, day, amount, voucher.strip(), note.strip())
            self.disbs[d.pk] = d
            self.log("disbursement", d.pk, "+", actor, self.disb_values(d))

    @precondition(lambda self: self.disbs)
    @rule(
        actor=actors,
        index=picks,
        changes=st.fixed_dictionaries({}, optional={"day": days, "amount": money, "voucher": vouchers, "note": notes}),
    )
    def disbursement_update(self, actor, index, changes):
        d = self.pick(self.disbs, index)
        a = self.allocs[d.allocation]
        actor = self.who(actor, lambda name: self.can_write(name, a.unit))
        remaining = a.amount - self.spent(a.pk, exclude=d.pk)
        new = dataclasses.replace(d)
        kwargs = {}
        if "day" in changes:
            new.date = kwargs["date"] = self.day(changes["day"])
        if "amount" in changes:
            new.amount = kwargs["amount"] = self.amount(changes["amount"], remaining)
        if "voucher" in changes:
            new.voucher_no = kwargs["voucher_no"] = changes["voucher"]
        if "note" in changes:
            new.note = kwargs["note"] = changes["note"]
        if not self.can_write(actor, a.unit):
            expected = (DENIED, "out of scope or read-only")
        elif a.carried_to:
            expected = (INVALID, "carried over")
        elif reason := self.blocked(a.unit, a.year, d.date):
            expected = (INVALID, reason)
        elif errors := self.disbursement_errors(a, new.date, new.amount, new.voucher_no, exclude=d.pk):
            expected = (INVALID, errors)
        elif reason := self.blocked(a.unit, a.year, new.date):
            expected = (INVALID, reason)
        elif new.amount > remaining:
            expected = (INVALID, "overspend")
        else:
            expected = (OK, "")
        updated = self.write(
            "disbursement_update",
            expected,
            lambda: services.disbursement_update(
                actor=self.user(actor), disbursement=Disbursement.objects.get(pk=d.pk), **kwargs
            ),
        )
        if updated is not None:
            new.voucher_no, new.note = new.voucher_no.strip(), new.note.strip()
            self.disbs[d.pk] = new
            self.log("disbursement", d.pk, "~", actor, self.disb_values(new))

    @precondition(lambda self: self.disbs)
    @rule(actor=actors, index=picks)
    def disbursement_delete(self, actor, index):
        d = self.pick(self.disbs, index)
        a = self.allocs[d.allocation]
        actor = self.who(actor, lambda name: self.can_write(name, a.unit))
        if not self.can_write(actor, a.unit):
            expected = (DENIED, "out of scope or read-only")
        elif a.carried_to:
            expected = (INVALID, "carried over")
        elif reason := self.blocked(a.unit, a.year, d.date):
            expected = (INVALID, reason)
        else:
            expected = (OK, "")
        self.write(
            "disbursement_delete",
            expected,
            lambda: services.disbursement_delete(
                actor=self.user(actor), disbursement=Disbursement.objects.get(pk=d.pk)
            ),
        )
        if expected[0] == OK:
            del self.disbs[d.pk]
            self.log("disbursement", d.pk, "-", actor, self.disb_values(d))

    @precondition(lambda self: self.allocs)
    @rule(actor=actors, index=picks, months=plan_months)
    def plan_set(self, actor, index, months):
        a = self.pick(self.allocs, index)
        actor = self.who(actor, lambda name: self.can_write(name, a.unit))
        existing = self.plans.get(a.pk, {})
        bad = [
            m for m, v in months.items() if not 1 <= m <= 12 or isinstance(v, bool) or not isinstance(v, int) or v < 0
        ]
        changed = sorted(m for m in set(existing) | set(months) if existing.get(m, 0) != months.get(m, 0))
        if not self.can_write(actor, a.unit):
            expected = (DENIED, "out of scope or read-only")
        elif a.carried_to:
            expected = (INVALID, "carried over: the plan belongs to the next year's row")
        elif bad:
            expected = (INVALID, f"bad months {bad}")
        elif sum(months.values()) > a.amount:
            expected = (INVALID, "plan above the allocation")
        elif reasons := [r for m in changed if (r := self.blocked(a.unit, a.year, D(a.year, m, 1)))]:
            expected = (INVALID, reasons)
        else:
            expected = (OK, "")
        self.write(
            "plan_set",
            expected,
            lambda: services.plan_set(
                actor=self.user(actor), allocation=Allocation.objects.get(pk=a.pk), months=dict(months)
            ),
        )
        if expected[0] == OK:
            for m in changed:
                kind = "+" if m not in existing else ("-" if not months.get(m) else "~")
                self.log("plan", (a.pk, m), kind, actor, (months.get(m, 0) or existing[m],))
            self.plans[a.pk] = {m: v for m, v in months.items() if v}

    @rule(
        actor=actors,
        from_year=st.sampled_from([2024, 2024, 2024, 2023, 2030]),
        decision_no=decision_numbers,
        # ("next", n): n days into the year the balances go to (a carry-over is decided once its year has ended).
        decision_day=mostly(st.tuples(st.just("next"), st.integers(0, 90)), days, times=2),
        decision_body=bodies,
    )
    def carry_over(self, actor, from_year, decision_no, decision_day, decision_body):
        actor = self.who(actor, lambda name: self.role(name).approves and self.in_scope(name, "06"))
        next_year = decision_day[0] == "next"
        day = D(from_year + 1, 1, 1) + decision_day[1] * DAY if next_year else self.day(decision_day)
        errors = []
        if blank(decision_no):
            errors.append("decision_no")
        if day > self.today:
            errors.append("decision_date in the future")
        elif day.year != from_year + 1:
            errors.append("decision_date outside the year the balances go to")
        if blank(decision_body):
            errors.append("decision_body")
        if from_year + 1 not in BUDGET_YEARS:
            errors.append("from_year")
        if not (self.can_approve(actor, "06") or (ACTORS[actor][1] == "06" and self.role(actor).approves)):
            expected = (DENIED, "only the province carries over")
        elif errors:
            expected = (INVALID, errors)
        else:
            expected = (OK, "")
        sources = [
            a
            for a in sorted(self.allocs.values(), key=lambda a: a.pk)
            if a.year == from_year
            and PATHS[a.unit].startswith("06/")
            and a.carried_to is None
            and a.amount - self.spent(a.pk) > 0
        ]
        if expected[0] == OK:  # the carried rows are records of the next year, dated on the decision
            reasons = [r for s in sources if (r := self.blocked(s.unit, from_year + 1, day))]
            expected = (INVALID, reasons) if reasons else expected
        created = self.write(
            "carry_over",
            expected,
            lambda: services.carry_over(
                actor=self.user(actor),
                province=self.unit_obj("06"),
                from_year=from_year,
                decision_no=decision_no,
                decision_date=day,
                decision_body=decision_body,
            ),
        )
        if created is None:
            return
        assert [c.carried_from_id for c in created] == [s.pk for s in sources]
        for c, s in zip(created, sources, strict=True):
            carried = MAlloc(
                pk=c.pk,
                unit=s.unit,
                year=from_year + 1,
                origin_year=s.origin_year,
                line=s.line,
                source=s.source,
                amount=s.amount - self.spent(s.pk),
                decision_no=decision_no.strip(),
                decision_date=day,
                decision_body=decision_body.strip(),
                note=c.note,
                carried_from=s.pk,
            )
            assert f"phân bổ {s.pk} năm {from_year}" in c.note
            s.carried_to = c.pk
            self.allocs[c.pk] = carried
            self.log("allocation", c.pk, "+", actor, self.alloc_values(carried))

    @rule(
        actor=actors,
        action=st.sampled_from(["submit", "submit", "approve", "approve", "return", "reopen"]),
        # Mostly a period the action suits (the n-th one whose status allows it), else any period at all.
        which=mostly(
            st.tuples(st.just("fit"), picks),
            st.tuples(
                st.just("any"),
                st.sampled_from(PERIOD_UNITS),
                st.sampled_from([2024, 2025]),
                st.sampled_from([H1, YEAR]),
            ),
            times=2,
        ),
        code=st.sampled_from(["061", "061", "064"]),
        year=st.sampled_from([2024, 2025]),
        kind=st.sampled_from([H1, YEAR]),
        comment=comments,
    )
    def period_move(self, actor, action, which, code, year, kind, comment):
        from_statuses = {
            "submit": {OPEN, RETURNED, REOPENED},
            "approve": {SUBMITTED},
            "return": {SUBMITTED},
            "reopen": {APPROVED, OPEN, RETURNED},
        }[action]
        if which[0] == "any":
            code, year, kind = which[1:]
        else:
            suited = [k for k in sorted(self.periods) if self.periods[k] in from_statuses]
            if suited:
                code, year, kind = suited[which[1] % len(suited)]
        checks = {"submit": self.can_submit, "approve": self.can_approve, "return": self.can_approve}
        actor = self.who(actor, lambda name: checks.get(action, self.can_approve)(name, code))
        key = (code, year, kind)
        status = self.periods.get(key, OPEN)
        if key not in self.periods:  # the row is made on first use, with no actor (a request's user, on a page)
            self.periods[key] = OPEN
            self.history[("period", key)].append(("+", None, (OPEN,)))
        period = services.period_for(self.unit_obj(code), year, kind)
        rules = {
            "submit": (self.can_submit, False, {OPEN, RETURNED, REOPENED}, SUBMITTED),
            "approve": (self.can_approve, False, {SUBMITTED}, APPROVED),
            "return": (self.can_approve, True, {SUBMITTED}, RETURNED),
            "reopen": (self.can_approve, True, {APPROVED, OPEN, RETURNED}, REOPENED),
        }
        allowed, needs_comment, from_statuses, to = rules[action]
        if not allowed(actor, code):
            expected = (DENIED, f"may not {action}")
        elif needs_comment and blank(comment):
            expected = (INVALID, "no comment")
        elif status not in from_statuses:
            expected = (INVALID, f"cannot {action} from {status}")
        else:
            expected = (OK, "")
        service = getattr(services, f"period_{action}")
        self.write(
            f"period_{action}",
            expected,
            lambda: service(actor=self.user(actor), period=Period.objects.get(pk=period.pk), comment=comment),
        )
        if expected[0] == OK:
            self.periods[key] = to
            self.history[("period", key)].append(("~", self.user(actor).pk, (to,)))

    @rule(
        actor=actors,
        code=mostly(st.just("06"), st.sampled_from(["061", "04"]), times=3),
        year=st.sampled_from([2024, 2025]),
        h1=st.integers(-20, 120),
        year_end=st.integers(-10, 90),
        carry=st.integers(-400, 5),
    )
    def year_setting_save(self, actor, code, year, h1, year_end, carry):
        actor = self.who(actor, lambda name: self.role(name).approves and ACTORS[name][1] == code)
        new = MSetting(D(year, 7, 1) + h1 * DAY, D(year + 1, 1, 1) + year_end * DAY, D(year, 12, 31) + carry * DAY)
        errors = []
        if new.h1_deadline < D(year, 7, 1):
            errors.append("h1")
        if new.year_deadline < D(year + 1, 1, 1):
            errors.append("year")
        if not D(year, 1, 1) <= new.carryover_deadline <= D(year, 12, 31):
            errors.append("carry-over")
        if not (code in {"06", "04"} and self.role(actor).approves and ACTORS[actor][1] == code):
            expected = (DENIED, "only the province's own staff")
        elif errors:
            expected = (INVALID, errors)
        else:
            expected = (OK, "")
        self.write(
            "year_setting_save",
            expected,
            lambda: services.year_setting_save(
                actor=self.user(actor), province=self.unit_obj(code), year=year, **dataclasses.asdict(new)
            ),
        )
        if expected[0] == OK:
            first = (code, year) not in self.settings
            self.settings[(code, year)] = new
            self.history[("setting", (code, year))].append(
                ("+" if first else "~", self.user(actor).pk, tuple(dataclasses.astuple(new)))
            )

    # --- Reads: the API and the dashboard ---------------------------------------------------------------

    def expected_figures(self, viewer: str, code: str, year: int, as_of: datetime.date) -> dict:
        """capital type → [allocated, disbursed] of `code` and below in `year`, as `viewer` may see them."""
        figures = {"investment": [0, 0], "recurrent": [0, 0]}
        for a in self.allocs.values():
            if a.year == year and PATHS[a.unit].startswith(PATHS[code]) and self.in_scope(viewer, a.unit):
                figures[a.line[2]][0] += a.amount
                figures[a.line[2]][1] += sum(
                    d.amount for d in self.disbs.values() if d.allocation == a.pk and d.date <= as_of
                )
        return figures

    @rule(viewer=viewers, code=st.sampled_from(["06", "061", "064", "01888"]), year=st.sampled_from([2024, 2025]))
    def read_progress_api(self, viewer, code, year):
        client = APIClient()
        client.force_authenticate(self.user(viewer))
        response = client.get("/api/v1/progress/", {"unit": code, "year": year})
        Stats.outcomes[("api_progress", response.status_code)] += 1
        if not self.in_scope(viewer, code):
            assert response.status_code == 404, response.content
            return
        assert response.status_code == 200, response.content
        body = response.json()
        expected = self.expected_figures(viewer, code, year, D(year, 12, 31))
        for capital_type, (allocated, disbursed) in expected.items():
            assert (body[capital_type]["allocated"], body[capital_type]["disbursed"]) == (allocated, disbursed)
        by_project = defaultdict(lambda: [0, 0])
        for row in body["by_project"]:
            by_project[row["capital_type"]][0] += row["allocated"]
            by_project[row["capital_type"]][1] += row["disbursed"]
        assert {t: f for t, f in by_project.items() if f != [0, 0]} == {
            t: f for t, f in expected.items() if f != [0, 0]
        }

    @rule(viewer=viewers)
    def read_dashboard(self, viewer):
        user = self.user(viewer)
        with clock.as_of(self.today):
            context = dashboard(user=user, today=self.today)
        visible_years = [a.year for a in self.allocs.values() if self.in_scope(viewer, a.unit)]
        if not visible_years:
            assert context is None
            return
        year = max(visible_years)
        assert context["year"] == year
        as_of = min(self.today, D(year, 12, 31))
        code = ACTORS[viewer][1]
        if code in PATHS:
            expected = self.expected_figures(viewer, code, year, as_of)
        else:  # new Thái Nguyên's dashboard shows its own (post-reform) units' capital: none in this world
            expected = {"investment": [0, 0], "recurrent": [0, 0]}
        shown = {row["type"]: [row["figures"].allocated, row["figures"].disbursed] for row in context["capital"]}
        assert shown == expected
        for row in context["capital"]:
            assert row["new"].allocated + row["carried"].allocated == row["figures"].allocated
            assert row["new"].disbursed + row["carried"].disbursed == row["figures"].disbursed
        for row in context["subunits"]:
            sub = self.world.code_of.get(row["unit"].pk)
            if sub is not None:
                figures = self.expected_figures(viewer, sub, year, as_of)
                assert [row["figures"].allocated, row["figures"].disbursed] == [
                    sum(f[0] for f in figures.values()),
                    sum(f[1] for f in figures.values()),
                ]

    # --- Invariants --------------------------------------------------------------------------------------

    @invariant()
    def every_invariant_holds(self):
        Stats.steps += 1
        if not self.dirty:  # a refused write was proven to change nothing, and a read changes nothing
            return
        self.dirty = False
        self.no_allocation_is_overspent()
        self.the_database_equals_the_model()
        self.the_figures_add_up()
        self.history_is_complete()
        self.each_balance_is_carried_once_and_exactly()
        assert_summaries_exact()  # the live summaries == rebuild_all() == the raw rows' sums

    def no_allocation_is_overspent(self):
        spent = dict(Disbursement.objects.values_list("allocation").annotate(total=Sum("amount")).order_by())
        for pk, amount in Allocation.objects.values_list("pk", "amount"):
            assert spent.get(pk, 0) <= amount, f"allocation {pk}: {spent.get(pk, 0)} disbursed of {amount}"
        planned = dict(PlanLine.objects.values_list("allocation").annotate(total=Sum("amount")).order_by())
        for pk, amount in Allocation.objects.values_list("pk", "amount"):
            assert planned.get(pk, 0) <= amount, f"allocation {pk}: {planned.get(pk, 0)} planned of {amount}"
        listed = selectors.allocation_list(user=self.user("tinh"))
        assert not listed.filter(remaining__lt=0).exists()

    def the_database_equals_the_model(self):
        rows = {row[0]: row[1:] for row in Allocation.objects.values_list("pk", *self.ALLOC_FIELDS)}
        assert rows == {pk: self.alloc_values(a) for pk, a in self.allocs.items()}
        rows = {row[0]: row[1:] for row in Disbursement.objects.values_list("pk", *self.DISB_FIELDS)}
        assert rows == {pk: self.disb_values(d) for pk, d in self.disbs.items()}
        plan = {(a, m): v for a, m, v in PlanLine.objects.values_list("allocation_id", "month", "amount")}
        assert plan == {(a, m): v for a, months in self.plans.items() for m, v in months.items()}
        periods = {
            (self.world.code_of[u], y, k): s
            for u, y, k, s in Period.objects.values_list("unit", "year", "kind", "status")
        }
        assert periods == self.periods
        year_settings = {
            (self.world.code_of[p], y): MSetting(h1, yd, cd)
            for p, y, h1, yd, cd in YearSetting.objects.values_list(
                "province", "year", "h1_deadline", "year_deadline", "carryover_deadline"
            )
        }
        assert year_settings == self.settings

    def the_figures_add_up(self):
        checks = [("xa_chora", "01888"), ("huyen_babe", "061"), ("tinh", "06"), ("lanhdao", "06")]
        for year in sorted({a.year for a in self.allocs.values()} | {2024}):
            # What the dashboards and the API read (lines=False, from the live summaries where they answer the
            # moment exactly: the year's end, 30/06; from the ledger's rows for another day).
            for viewer, code, as_of, lines in (
                ("tinh", "06", D(year, 6, 30), False),
                ("tinh", "06", self.today, False),
                ("huyen_babe", "061", D(year, 12, 31), False),
                ("huyen_babe", "061", D(year, 6, 30), True),
            ):
                progress = selectors.progress_for_unit(
                    user=self.user(viewer), unit=self.unit_obj(code), year=year, as_of=as_of, lines=lines
                )
                shown = {t: [f.allocated, f.disbursed] for t, f in progress.by_type.items()}
                assert shown == self.expected_figures(viewer, code, year, as_of), (viewer, code, year, as_of, lines)
                for child, types in progress.by_subunit.items():
                    if (sub := self.world.code_of.get(child.pk)) is not None:
                        assert {t: [f.allocated, f.disbursed] for t, f in types.items()} == self.expected_figures(
                            viewer, sub, year, as_of
                        ), (viewer, sub, year, as_of, lines)
            for viewer, code in checks:
                as_of = min(self.today, D(year, 12, 31)) if viewer == "tinh" else None
                progress = selectors.progress_for_unit(
                    user=self.user(viewer), unit=self.unit_obj(code), year=year, as_of=as_of
                )
                expected = self.expected_figures(viewer, code, year, as_of or D(year, 12, 31))
                shown = {t: [f.allocated, f.disbursed] for t, f in progress.by_type.items()}
                assert shown == expected, (viewer, code, year)
                allocations = Allocation.objects.filter(year=year, unit__path__startswith=PATHS[code])
                raw_allocated = allocations.aggregate(total=Sum("amount"))["total"] or 0
                raw_disbursed = (
                    Disbursement.objects.filter(allocation__in=allocations, date__lte=progress.as_of).aggregate(
                        total=Sum("amount")
                    )["total"]
                    or 0
                )
                assert (progress.total.allocated, progress.total.disbursed) == (raw_allocated, raw_disbursed)
                for grouping in (progress.by_type_origin, progress.by_project, progress.by_item, progress.by_line):
                    assert sum(f.allocated for f in grouping.values()) == raw_allocated
                    assert sum(f.disbursed for f in grouping.values()) == raw_disbursed
                for child, types in progress.by_subunit.items():
                    sub = self.world.code_of.get(child.pk)
                    if sub is not None:
                        assert {t: [f.allocated, f.disbursed] for t, f in types.items()} == self.expected_figures(
                            viewer, sub, year, progress.as_of
                        )
                own = [a for a in self.allocs.values() if a.unit == code and a.year == year]
                children_allocated = sum(f.allocated for types in progress.by_subunit.values() for f in types.values())
                assert children_allocated + sum(a.amount for a in own) == raw_allocated
        totals = selectors.totals(Allocation.objects.all())
        assert totals["allocated"] == sum(a.amount for a in self.allocs.values())
        assert totals["disbursed"] == sum(d.amount for d in self.disbs.values())

    def history_is_complete(self):
        found: dict[tuple, list] = defaultdict(list)
        for row in Allocation.history.order_by("history_id").values_list(
            "id", "history_type", "history_user_id", *self.ALLOC_FIELDS
        ):
            found[("allocation", row[0])].append((row[1], row[2], row[3:]))
        for row in Disbursement.history.order_by("history_id").values_list(
            "id", "history_type", "history_user_id", *self.DISB_FIELDS
        ):
            found[("disbursement", row[0])].append((row[1], row[2], row[3:]))
        for a, m, kind, user, amount in PlanLine.history.order_by("history_id").values_list(
            "allocation_id", "month", "history_type", "history_user_id", "amount"
        ):
            found[("plan", (a, m))].append((kind, user, (amount,)))
        for u, y, k, kind, user, status in Period.history.order_by("history_id").values_list(
            "unit_id", "year", "kind", "history_type", "history_user_id", "status"
        ):
            found[("period", (self.world.code_of[u], y, k))].append((kind, user, (status,)))
        for p, y, kind, user, *values in YearSetting.history.order_by("history_id").values_list(
            "province_id",
            "year",
            "history_type",
            "history_user_id",
            "h1_deadline",
            "year_deadline",
            "carryover_deadline",
        ):
            found[("setting", (self.world.code_of[p], y))].append((kind, user, tuple(values)))
        expected = {key: log for key, log in self.history.items() if log}
        assert dict(found) == expected

    def each_balance_is_carried_once_and_exactly(self):
        for c in self.allocs.values():
            if c.carried_from is None:
                continue
            s = self.allocs[c.carried_from]
            assert s.carried_to == c.pk
            assert (c.year, c.origin_year, c.line, c.source) == (s.year + 1, s.origin_year, s.line, s.source)
            first = self.history[("allocation", c.pk)][0]
            assert first[2][7] == s.amount - self.spent(s.pk), "carried amount is not the unspent balance"
        carried = list(Allocation.objects.filter(carried_from__isnull=False).values_list("carried_from", flat=True))
        assert len(carried) == len(set(carried))


def _without_amounts(rows):
    amount_at = 4 + LedgerMachine.ALLOC_FIELDS.index("amount")
    return sorted(row[:amount_at] + row[amount_at + 1 :] for row in rows)


@pytest.mark.slow
def test_any_sequence_of_ledger_writes_keeps_every_invariant(reference_data):
    users = {}
    for name, (role, code, current, _roots) in ACTORS.items():
        users[name] = UserFactory(username=f"prop_{name}", role=role, unit=unit(code, current=current))
    world = World(users)
    # The model's idea of scope agrees with accounts.scope for every user and unit of this world.
    for name, user in users.items():
        for code in UNITS:
            assert unit_in_scope(user, world.units[code]) == any(PATHS[code].startswith(r) for r in ACTORS[name][3])
    LedgerMachine.world = world
    Stats.examples, Stats.steps, Stats.outcomes = 0, 0, defaultdict(int)
    run_state_machine_as_test(LedgerMachine, settings=PROFILES[PROFILE])
    accepted = sum(n for (_name, outcome), n in Stats.outcomes.items() if outcome == OK)
    refused = sum(n for (_name, outcome), n in Stats.outcomes.items() if outcome in {INVALID, DENIED})
    sys.stdout.write(
        f"\nledger properties ({PROFILE}): {Stats.examples} examples, {Stats.steps - Stats.examples} steps, "
        f"{accepted} writes accepted, {refused} refused\n"
    )
    for key, n in sorted([*Stats.outcomes.items(), *Stats.reasons.items()], key=str):
        sys.stdout.write(f"  {' '.join(map(str, key))}: {n}\n")
