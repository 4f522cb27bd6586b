"""Property tests of household support (hypothesis, stateful): any sequence of writes keeps the overlaps exact.

A `RuleBasedStateMachine` drives the real services of beneficiaries/services/households.py — households (create,
update, delete) and their support from this and other programs (create, update, delete) — as users of every role,
with random and invalid values (ID numbers, places, programs, projects, years, dates, amounts) and a moving clock,
against a plain Python model that predicts each outcome (accepted, ValidationError, PermissionDenied). After each
step:

- the database equals the model, row for row, and no two households share an ID number;
- history: every create, update and delete left a django-simple-history row naming the actor, with the values
  written;
- a refused write changes nothing (the tables and their history are fingerprinted) and says why in Vietnamese;
- overlaps: `support_overlap_cases` (for the province and for a district) and `overlap_ids` (the API's
  `overlaps`) equal the cases computed from the model: once-only kinds across years with the record that stands
  (the highest rate) and the excess, other kinds within a year from more than one source;
- the scoped lists (`household_list`, `household_support_list`) hold exactly the model's rows of the user's area,
  and their figures from the running totals (beneficiaries/totals.py) equal the figures counted from the rows.

Each example runs in a savepoint rolled back at its end. `HYPOTHESIS_PROFILE=thorough` runs longer.
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

from accounts.scope import unit_in_scope
from beneficiaries import selectors, services
from beneficiaries.models import (
    EthnicGroup,
    Household,
    HouseholdSupport,
    HouseholdSupportKindRule,
    HouseholdSupportNorm,
)
from ethnic_portal import clock
from ethnic_portal.formatting import MAX_AMOUNT
from programs.models import Project, SubProject
from tests.beneficiaries.test_list_totals import household_counted, support_counted
from tests.factories import UserFactory, VillageFactory, unit

D = datetime.date
DAY = datetime.timedelta(days=1)

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
PROFILES = {
    "default": settings(max_examples=15, stateful_step_count=30, deadline=None, suppress_health_check=_HEALTH),
    "thorough": settings(max_examples=150, stateful_step_count=50, deadline=None, suppress_health_check=_HEALTH),
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")

# Places: a village of Chợ Rã, two communes of Ba Bể, a commune of Chợ Đồn; Ba Bể itself is no place to live.
PLACES = ["village", "01888", "01891", "chodon", "061"]
ACTORS = {  # name → (role, unit code)
    "tinh": ("province", "06"),
    "huyen_babe": ("district", "061"),
    "huyen_chodon": ("district", "064"),
    "xa_chora": ("commune", "01888"),
    "xa_banhtrach": ("commune", "01891"),
    "lanhdao": ("leader", "06"),
}
START, END = D(2024, 3, 1), D(2025, 6, 30)  # the old units exist until 30/06/2025

GOOD_IDS = [f"00618000123{n}" for n in range(6)]
BAD_IDS = ["", "12345", "000180001234", "006390001234", "00618000123X"]
SOURCES = [  # (funding program, project, sub-project, scheme)
    ("ntp_1719", "DA1", None, ""),
    ("ntp_1719", "DA4", "DA4.TDA1", ""),
    ("ntp_poverty", None, None, "Dự án 2 giảm nghèo"),
    ("ntp_rural", None, None, "Nước sạch NTM"),
    ("other", None, None, "QĐ 90/QĐ-TTg"),
]
BAD_SOURCES = [
    ("ntp_1719", None, None, ""),  # 1719 needs a project
    ("ntp_1719", "DA4", None, ""),  # DA4 has sub-projects
    ("ntp_rural", None, None, "  "),  # another program needs its scheme
    ("ntp_rural", "DA1", None, "NTM"),  # and no 1719 project
    ("lottery", None, None, "x"),
]
KINDS = [
    "residential_land",
    "housing",
    "production_land",
    "job_conversion",
    "water",
    "production_support",
    "vocational_training",
    "other",
]
OK, INVALID, DENIED = "ok", "invalid", "denied"
VIETNAMESE = re.compile(r"[À-ỹđĐ]")


def mostly(good, bad, times: int = 6):
    """`good` `times` times as often as `bad` (st.one_of would merge equal branches and draw half and half)."""
    return st.integers(0, times).flatmap(lambda i: bad if i == times else good)


fit = st.tuples(st.just("fit"), st.integers(0, 5))
actors = mostly(fit, st.tuples(st.just("any"), st.sampled_from(list(ACTORS))))
picks = st.integers(0, 10_000)
ids = mostly(st.sampled_from(GOOD_IDS), st.sampled_from(BAD_IDS), times=4)
members = mostly(st.integers(1, 12), st.sampled_from([0, 61, True, "5"]))
poverty = mostly(
    st.sampled_from([("poor", 2023), ("near_poor", 2024), ("none", None), ("none", 2022)]),
    st.sampled_from([("poor", None), ("rich", None), ("near_poor", 2015), ("none", 2030)]),
)
names = mostly(st.sampled_from(["Nông Thị Lan", "Hoàng Văn Thắng", "  Lý Thị Mai "]), st.just("   "))
places = mostly(st.sampled_from(PLACES[:4]), st.just("061"))
sources = mostly(st.sampled_from(SOURCES), st.sampled_from(BAD_SOURCES))
# A few kinds more often, so that a household gets the same kind twice (the overlaps under test).
kinds = mostly(st.sampled_from(["water", "production_support", "housing", *KINDS]), st.just("bribe"), times=10)
# ("rel", n): the support's year is its date's year plus n (0, or -1 for capital carried over); else a year as is.
years = mostly(st.sampled_from([("rel", 0), ("rel", 0), ("rel", -1)]), st.sampled_from([2020, 2031, 2023, 2025]))
amounts = mostly(st.integers(1, 50_000_000), st.sampled_from([0, -1, MAX_AMOUNT + 1, 2.5, "10", True]))
days = mostly(
    st.tuples(st.just("rel"), st.integers(-200, 0)),
    st.one_of(st.tuples(st.just("rel"), st.integers(1, 30)), st.tuples(st.just("abs"), st.dates(D(2021, 1, 1), END))),
    times=3,
)


def valid_id(number, today) -> bool:
    text = "" if number is None else str(number).strip()
    if not (text.isdigit() and text.isascii() and len(text) == 12 and 1 <= int(text[:3]) <= 96):
        return False
    year = 1900 + 100 * (int(text[3]) // 2) + int(text[4:6])
    return today.year - 120 <= year <= today.year


@dataclasses.dataclass
class MHousehold:
    pk: int
    place: str
    head_name: str
    head_id_number: str
    members: int
    poverty_status: str
    poverty_year: int | None
    note: str


@dataclasses.dataclass
class MSupport:
    pk: int
    household: int
    source: tuple
    year: int
    kind: str
    amount: int
    date: datetime.date
    note: str


class Stats:
    examples = 0
    steps = 0
    outcomes: dict = defaultdict(int)
    cases = 0  # overlap cases compared


class World:
    def __init__(self, users: dict, places: dict):
        self.users = users
        self.places = places
        self.place_of = {u.pk: code for code, u in places.items()}
        self.ethnic_group = EthnicGroup.objects.get(code="02")
        self.projects = {p.code: p for p in Project.objects.filter(program__phase=1)}
        self.subprojects = {s.code: s for s in SubProject.objects.filter(project__program__phase=1)}
        self.once_only = set(HouseholdSupportKindRule.objects.filter(once_only=True).values_list("kind", flat=True))
        self.norms = {(n.kind, n.funding_program): n.amount for n in HouseholdSupportNorm.objects.all()}


class SupportMachine(RuleBasedStateMachine):
    world: World

    def __init__(self):
        super().__init__()
        Stats.examples += 1
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.today = START
        self.households: dict[int, MHousehold] = {}
        self.supports: dict[int, MSupport] = {}
        self.history: dict[tuple, list] = defaultdict(list)
        self.dirty = True

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- The model's rules --------------------------------------------------------------------------------

    def in_scope(self, actor: str, place: str) -> bool:
        return self.world.places[place].path.startswith(self.world.users[actor].unit.path)

    def can_write(self, actor: str, place: str) -> bool:
        return ACTORS[actor][0] != "leader" and self.in_scope(actor, place)

    def who(self, spec, allowed) -> str:
        kind, value = spec
        if kind == "any":
            return value
        fitting = [name for name in ACTORS if allowed(name)] or list(ACTORS)
        return fitting[value % len(fitting)]

    def day(self, spec) -> datetime.date:
        kind, value = spec
        return self.today + value * DAY if kind == "rel" else value

    def household_errors(self, h: MHousehold, *, exclude=None, place_unchanged=False) -> list[str]:
        errors = []
        if not (h.head_name or "").strip():
            errors.append("name")
        if not valid_id(h.head_id_number, self.today):
            errors.append("id")
        if not place_unchanged and h.place == "061":
            errors.append("place")
        if isinstance(h.members, bool) or not isinstance(h.members, int) or not 1 <= h.members <= 60:
            errors.append("members")
        status, year = h.poverty_status, h.poverty_year
        if status not in {"poor", "near_poor", "none"}:
            errors.append("poverty_status")
        if year is not None and not 2016 <= year <= self.today.year:
            errors.append("poverty_year")
        elif year is None and status in {"poor", "near_poor"}:
            errors.append("poverty_year missing")
        if not errors and any(
            o.head_id_number == str(h.head_id_number).strip() and o.pk != exclude for o in self.households.values()
        ):
            errors.append("ID number twice")
        return errors

    def support_errors(self, s: MSupport) -> list[str]:
        errors = []
        program, project, subproject, scheme = s.source
        if s.kind not in KINDS:
            errors.append("kind")
        if program not in {"ntp_1719", "ntp_poverty", "ntp_rural", "other"}:
            errors.append("program")
        if not 2021 <= s.year <= 2030:
            errors.append("year")
        if program == "ntp_1719" and (project is None or (project == "DA4" and subproject is None)):
            errors.append("1719 project")
        elif program in {"ntp_poverty", "ntp_rural", "other"} and (project is not None or not scheme.strip()):
            errors.append("other program's scheme")
        if isinstance(s.amount, bool) or not isinstance(s.amount, int) or not 0 < s.amount <= MAX_AMOUNT:
            errors.append("amount")
        if s.date > self.today:
            errors.append("date in the future")
        elif s.date.year not in {s.year, s.year + 1}:
            errors.append("date outside the year")
        return errors

    def source_objects(self, source: tuple) -> dict:
        program, project, subproject, scheme = source
        return {
            "funding_program": program,
            "project": self.world.projects[project] if project else None,
            "subproject": self.world.subprojects[subproject] if subproject else None,
            "scheme": scheme,
        }

    # --- Snapshots ---------------------------------------------------------------------------------------

    H_FIELDS = ("unit_id", "head_name", "head_id_number", "members", "poverty_status", "poverty_year", "note")
    S_FIELDS = (
        "household_id",
        "funding_program",
        "project_id",
        "subproject_id",
        "scheme",
        "year",
        "kind",
        "amount",
        "date",
        "note",
    )

    def h_values(self, h: MHousehold) -> tuple:
        return (
            self.world.places[h.place].pk,
            h.head_name,
            h.head_id_number,
            h.members,
            h.poverty_status,
            h.poverty_year,
            h.note,
        )

    def s_values(self, s: MSupport) -> tuple:
        program, project, subproject, scheme = s.source
        return (
            s.household,
            program,
            self.world.projects[project].pk if project else None,
            self.world.subprojects[subproject].pk if subproject else None,
            scheme,
            s.year,
            s.kind,
            s.amount,
            s.date,
            s.note,
        )

    def log(self, kind: str, pk: int, history_type: str, actor: str, values: tuple):
        self.history[(kind, pk)].append((history_type, self.world.users[actor].pk, values))

    def fingerprint(self) -> dict:
        models = [Household, HouseholdSupport, Household.history.model, HouseholdSupport.history.model]
        return {m._meta.label: list(m.objects.order_by("pk").values_list()) for m in models}

    def write(self, name: str, expected: tuple, call):
        expected_outcome, why = expected
        before = self.fingerprint()
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
            Stats.outcomes[(name, f"{outcome} {str(why)[:60]}")] += 1
        assert outcome == expected_outcome, (
            f"{name} on {self.today}: the model expected {expected_outcome} ({why}), the service answered "
            f"{outcome} {messages}"
        )
        if outcome != OK:
            assert messages, f"{name}: a refusal without a message"
            for message in messages:
                assert VIETNAMESE.search(message), f"{name}: {message!r} is not Vietnamese"
            assert self.fingerprint() == before, f"{name} was refused ({messages}) but wrote to the database"
        return result

    # --- Rules -------------------------------------------------------------------------------------------

    @initialize(
        start=st.dates(START, D(2024, 12, 31)),
        opening=st.lists(st.tuples(fit, st.sampled_from(PLACES[:4]), st.sampled_from(GOOD_IDS)), max_size=4),
    )
    def start(self, start, opening):
        """The clock's first day and the households recorded so far (through the service, like any write)."""
        self.today = start
        for actor, place, number in opening:
            self.household_create(
                actor=actor, place=place, head_name="Nông Thị Lan", number=number, size=5, status=("poor", 2023)
            )

    @rule(n=st.integers(1, 90))
    def time_passes(self, n):
        self.today = min(self.today + n * DAY, END)
        self.dirty = True

    @rule(actor=actors, place=places, head_name=names, number=ids, size=members, status=poverty)
    def household_create(self, actor, place, head_name, number, size, status):
        actor = self.who(actor, lambda name: self.can_write(name, place))
        h = MHousehold(0, place, head_name, number, size, status[0], status[1], "")
        if not self.can_write(actor, place):
            expected = (DENIED, "out of scope or read-only")
        elif errors := self.household_errors(h):
            expected = (INVALID, errors)
        else:
            expected = (OK, "")
        created = self.write(
            "household_create",
            expected,
            lambda: services.household_create(
                actor=self.world.users[actor],
                head_name=head_name,
                head_id_number=number,
                ethnic_group=self.world.ethnic_group,
                unit=self.world.places[place],
                members=size,
                poverty_status=status[0],
                poverty_year=status[1],
            ),
        )
        if created is not None:
            h.pk, h.head_name, h.head_id_number = created.pk, " ".join(head_name.split()), number.strip()
            self.households[h.pk] = h
            self.log("household", h.pk, "+", actor, self.h_values(h))

    @precondition(lambda self: self.households)
    @rule(
        actor=actors,
        index=picks,
        changes=st.fixed_dictionaries(
            {}, optional={"place": places, "number": ids, "size": members, "status": poverty, "note": st.just("sửa")}
        ),
    )
    def household_update(self, actor, index, changes):
        h = self.households[sorted(self.households)[index % len(self.households)]]
        actor = self.who(actor, lambda name: self.can_write(name, h.place))
        new = dataclasses.replace(h)
        kwargs = {}
        if "place" in changes:
            new.place = changes["place"]
            kwargs["unit"] = self.world.places[new.place]
        if "number" in changes:
            new.head_id_number = kwargs["head_id_number"] = changes["number"]
        if "size" in changes:
            new.members = kwargs["members"] = changes["size"]
        if "status" in changes:
            new.poverty_status, new.poverty_year = kwargs["poverty_status"], kwargs["poverty_year"] = changes["status"]
        if "note" in changes:
            new.note = kwargs["note"] = changes["note"]
        if not self.can_write(actor, h.place):
            expected = (DENIED, "out of scope or read-only")
        elif new.place != h.place and not self.can_write(actor, new.place):
            expected = (DENIED, "new place out of scope")
        elif errors := self.household_errors(new, exclude=h.pk, place_unchanged=new.place == h.place):
            expected = (INVALID, errors)
        else:
            expected = (OK, "")
        updated = self.write(
            "household_update",
            expected,
            lambda: services.household_update(
                actor=self.world.users[actor], household=Household.objects.get(pk=h.pk), **kwargs
            ),
        )
        if updated is not None:
            new.head_id_number = str(new.head_id_number).strip()
            self.households[h.pk] = new
            self.log("household", h.pk, "~", actor, self.h_values(new))

    @precondition(lambda self: self.households)
    @rule(actor=actors, index=picks)
    def household_delete(self, actor, index):
        h = self.households[sorted(self.households)[index % len(self.households)]]
        actor = self.who(actor, lambda name: self.can_write(name, h.place))
        if not self.can_write(actor, h.place):
            expected = (DENIED, "out of scope or read-only")
        elif any(s.household == h.pk for s in self.supports.values()):
            expected = (INVALID, "has support")
        else:
            expected = (OK, "")
        self.write(
            "household_delete",
            expected,
            lambda: services.household_delete(actor=self.world.users[actor], household=Household.objects.get(pk=h.pk)),
        )
        if expected[0] == OK:
            del self.households[h.pk]
            self.log("household", h.pk, "-", actor, self.h_values(h))

    @precondition(lambda self: self.households)
    @rule(actor=actors, index=picks, source=sources, kind=kinds, year=years, amount=amounts, day=days)
    def support_create(self, actor, index, source, kind, year, amount, day):
        h = self.households[sorted(self.households)[index % len(self.households)]]
        actor = self.who(actor, lambda name: self.can_write(name, h.place))
        day = self.day(day)
        year = day.year + year[1] if isinstance(year, tuple) else year
        s = MSupport(0, h.pk, source, year, kind, amount, day, "")
        if not self.can_write(actor, h.place):
            expected = (DENIED, "out of scope or read-only")
        elif errors := self.support_errors(s):
            expected = (INVALID, errors)
        else:
            expected = (OK, "")
        created = self.write(
            "support_create",
            expected,
            lambda: services.household_support_create(
                actor=self.world.users[actor],
                household=Household.objects.get(pk=h.pk),
                year=year,
                kind=kind,
                amount=amount,
                date=s.date,
                **self.source_objects(source),
            ),
        )
        if created is not None:
            s.pk = created.pk
            self.supports[s.pk] = s
            self.log("support", s.pk, "+", actor, self.s_values(s))

    @precondition(lambda self: self.supports)
    @rule(
        actor=actors,
        index=picks,
        changes=st.fixed_dictionaries(
            {}, optional={"source": sources, "kind": kinds, "year": years, "amount": amounts, "day": days}
        ),
    )
    def support_update(self, actor, index, changes):
        s = self.supports[sorted(self.supports)[index % len(self.supports)]]
        h = self.households[s.household]
        actor = self.who(actor, lambda name: self.can_write(name, h.place))
        new = dataclasses.replace(s)
        kwargs = {}
        if "source" in changes:
            new.source = changes["source"]
            kwargs.update(self.source_objects(new.source))
        if "day" in changes:
            new.date = kwargs["date"] = self.day(changes["day"])
        if "year" in changes:
            year = changes["year"]
            new.year = kwargs["year"] = new.date.year + year[1] if isinstance(year, tuple) else year
        for name in ("kind", "amount"):
            if name in changes:
                setattr(new, name, changes[name])
                kwargs[name] = changes[name]
        if not self.can_write(actor, h.place):
            expected = (DENIED, "out of scope or read-only")
        elif errors := self.support_errors(new):
            expected = (INVALID, errors)
        else:
            expected = (OK, "")
        updated = self.write(
            "support_update",
            expected,
            lambda: services.household_support_update(
                actor=self.world.users[actor], support=HouseholdSupport.objects.get(pk=s.pk), **kwargs
            ),
        )
        if updated is not None:
            self.supports[s.pk] = new
            self.log("support", s.pk, "~", actor, self.s_values(new))

    @precondition(lambda self: self.supports)
    @rule(actor=actors, index=picks)
    def support_delete(self, actor, index):
        s = self.supports[sorted(self.supports)[index % len(self.supports)]]
        h = self.households[s.household]
        actor = self.who(actor, lambda name: self.can_write(name, h.place))
        expected = (OK, "") if self.can_write(actor, h.place) else (DENIED, "out of scope or read-only")
        self.write(
            "support_delete",
            expected,
            lambda: services.household_support_delete(
                actor=self.world.users[actor], support=HouseholdSupport.objects.get(pk=s.pk)
            ),
        )
        if expected[0] == OK:
            del self.supports[s.pk]
            self.log("support", s.pk, "-", actor, self.s_values(s))

    # --- Invariants --------------------------------------------------------------------------------------

    def expected_cases(self, viewer: str) -> dict:
        """key → (record pks in order, the standing pk or None, excess), computed from the model."""
        grouped = defaultdict(list)
        for s in self.supports.values():
            if self.in_scope(viewer, self.households[s.household].place):
                grouped[(s.household, s.kind)].append(s)
        cases = {}
        for (household, kind), records in grouped.items():
            if len(records) < 2:
                continue
            if kind in self.world.once_only:
                groups = [(None, records)]
            else:
                by_year = defaultdict(list)
                for s in records:
                    by_year[s.year].append(s)
                groups = [
                    (year, rows)
                    for year, rows in by_year.items()
                    if len({(*r.source[:3], r.source[3].casefold()) for r in rows}) > 1
                ]
            for year, rows in groups:
                rows = sorted(rows, key=lambda r: (r.year, r.date, r.pk))
                standing, excess = None, 0
                if year is None:
                    rate = {r.pk: self.world.norms.get((r.kind, r.source[0])) or r.amount for r in rows}
                    best = max(rows, key=lambda r: (rate[r.pk], r.amount, -r.date.toordinal(), -r.pk))
                    standing, excess = best.pk, sum(r.amount for r in rows if r is not best)
                key = f"support_overlap:{household}:{kind}:{year if year is not None else '-'}"
                cases[key] = ([r.pk for r in rows], standing, excess)
        return cases

    @invariant()
    def every_invariant_holds(self):
        Stats.steps += 1
        if not self.dirty:
            return
        self.dirty = False
        # The database equals the model; ID numbers are unique.
        rows = {r[0]: r[1:] for r in Household.objects.values_list("pk", *self.H_FIELDS)}
        assert rows == {pk: self.h_values(h) for pk, h in self.households.items()}
        assert len({h.head_id_number for h in self.households.values()}) == len(self.households)
        rows = {r[0]: r[1:] for r in HouseholdSupport.objects.values_list("pk", *self.S_FIELDS)}
        assert rows == {pk: self.s_values(s) for pk, s in self.supports.items()}
        # History.
        found = defaultdict(list)
        for row in Household.history.order_by("history_id").values_list(
            "id", "history_type", "history_user_id", *self.H_FIELDS
        ):
            found[("household", row[0])].append((row[1], row[2], row[3:]))
        for row in HouseholdSupport.history.order_by("history_id").values_list(
            "id", "history_type", "history_user_id", *self.S_FIELDS
        ):
            found[("support", row[0])].append((row[1], row[2], row[3:]))
        assert dict(found) == dict(self.history)
        # Overlaps, for the province and for a district; the API's overlaps.
        for viewer in ("tinh", "huyen_babe"):
            user = self.world.users[viewer]
            with clock.as_of(self.today):
                cases = selectors.support_overlap_cases(user=user)
            shown = {
                c.key: ([r.obj.pk for r in c.records], c.standing.obj.pk if c.standing else None, c.excess)
                for c in cases
            }
            assert shown == self.expected_cases(viewer), viewer
            Stats.cases += len(shown)
            households = set(selectors.household_list(user=user).values_list("pk", flat=True))
            assert households == {pk for pk, h in self.households.items() if self.in_scope(viewer, h.place)}
            supports = set(selectors.household_support_list(user=user).values_list("pk", flat=True))
            assert supports == {
                pk for pk, s in self.supports.items() if self.in_scope(viewer, self.households[s.household].place)
            }
            # The lists' running totals (beneficiaries/totals.py) equal the rows' figures.
            filters, expected = household_counted(user, {})
            assert selectors.household_figures(user=user, filters=filters) == expected, viewer
            for data in ({}, {"year": "2024"}):
                filters, expected = support_counted(user, data)
                found = selectors.household_support_figures(user=user, filters=filters)
                assert found == expected, (viewer, data)
        overlaps = selectors.overlap_ids(HouseholdSupport.objects.all())
        for s in self.supports.values():
            twins = [
                o.pk
                for o in sorted(self.supports.values(), key=lambda o: o.pk)
                if (o.household, o.kind, o.year) == (s.household, s.kind, s.year) and o.pk != s.pk
            ]
            assert overlaps[s.pk] == twins


@pytest.mark.slow
def test_any_sequence_of_household_support_writes_keeps_the_overlaps_exact(reference_data):
    users = {
        name: UserFactory(username=f"prop_b_{name}", role=role, unit=unit(code))
        for name, (role, code) in ACTORS.items()
    }
    commune = unit("01888")
    places = {
        "village": VillageFactory(parent=commune, code="01888.95", name="Bản Thử", valid_to=D(2025, 6, 30)),
        "01888": commune,
        "01891": unit("01891"),
        "chodon": unit("064").children.order_by("code").first(),
        "061": unit("061"),
    }
    world = World(users, places)
    for name, user in users.items():
        for code, place in places.items():
            assert unit_in_scope(user, place) == place.path.startswith(user.unit.path), (name, code)
    SupportMachine.world = world
    Stats.examples, Stats.steps, Stats.outcomes, Stats.cases = 0, 0, defaultdict(int), 0
    run_state_machine_as_test(SupportMachine, settings=PROFILES[PROFILE])
    accepted = sum(n for (_name, outcome), n in Stats.outcomes.items() if outcome == OK)
    refused = sum(n for (_name, outcome), n in Stats.outcomes.items() if outcome in {INVALID, DENIED})
    sys.stdout.write(
        f"\nhousehold support properties ({PROFILE}): {Stats.examples} examples, {Stats.steps - Stats.examples} steps, "
        f"{accepted} writes accepted, {refused} refused, {Stats.cases} overlap cases compared\n"
    )
    for (name, outcome), n in sorted(Stats.outcomes.items()):
        sys.stdout.write(f"  {name} {outcome}: {n}\n")
