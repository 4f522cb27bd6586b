"""The overlap and duplicate cases kept in a table (beneficiaries/cases.py) equal, case for case, what the full scan
of the raw rows found before issue 8 (tests/beneficiaries/case_reference.py): on a scene with every kind of case,
for every persona, filter and review state, after each kind of write, after `rebuild_all()`, and through a file
import that defers its refreshes. The figures of the scene are pinned."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries import cases as found_cases
from beneficiaries import selectors, services
from beneficiaries.choices import CaseType
from beneficiaries.models import FoundCase, HouseholdSupport, HouseholdSupportKindRule, HouseholdSupportNorm
from tests.beneficiaries import case_reference as reference
from tests.beneficiaries.conftest import da1, household_fields, person_fields, subproject
from tests.factories import VillageFactory, unit

D = datetime.date
PERSONAS = [
    "province_user",
    "district_user",
    "other_district_user",
    "commune_user",
    "other_commune_user",
    "leader",
    "national_user",
    "new_commune_user",
]


class Scene:
    """Households and persons of Bắc Kạn with overlaps of every rule, namesakes that are and are not duplicates,
    one case reviewed and one changed after its review."""

    def __init__(self, actor):
        self.actor = actor
        self.n = 0
        chora = unit("01888")
        self.village_a = VillageFactory(parent=chora, code="01888.91", name="Bản A", valid_to=D(2025, 6, 30))
        self.village_b = VillageFactory(parent=chora, code="01888.92", name="Bản B", valid_to=D(2025, 6, 30))
        banhtrach = unit("01891")
        self.village_c = VillageFactory(parent=banhtrach, code="01891.91", name="Bản C", valid_to=D(2025, 6, 30))
        self.village_d = VillageFactory(parent=banhtrach, code="01891.92", name="Bản D", valid_to=D(2025, 6, 30))
        chodon = unit("064").children.order_by("code").first()
        self.village_e = VillageFactory(parent=chodon, code=f"{chodon.code}.91", name="Bản E", valid_to=D(2025, 6, 30))
        self.chora = chora

        h = self.household
        self.h1 = h("Nông Thị Lan", self.village_a)
        self.h2 = h("NÔNG THỊ LAN", self.village_a)  # the same name in one village: a duplicate
        self.h3 = h("Nông Thị Lan", self.village_b)  # a namesake in another village: not one
        self.h4 = h("Lý Thị Chín", chora)  # at the commune: with both villages' namesakes, one case of three
        self.h5 = h("Lý Thị Chín", self.village_a)
        self.h6 = h("Lý Thị Chín", self.village_b)
        self.h7 = h("Hà Văn Tư", self.village_c)
        self.h8 = h("Hà Văn Tư", self.village_c)
        self.h9 = h("Ma Văn Nam", self.village_e)
        self.h10 = h("Ma Văn Nam", self.village_e)

        s = self.support
        tda32 = subproject("DA3.TDA2")
        prod = {"kind": "production_support", "project": tda32.project, "subproject": tda32}
        # h1: water from two programs (once only: the highest rate stands); two instalments of one source; another
        # year's production support from another program (not a case).
        self.h1_water = s(self.h1, amount=2_500_000)
        self.h1_water_rural = s(
            self.h1, funding_program="ntp_rural", project=None, scheme="Nước sạch NTM", amount=2_000_000
        )
        s(self.h1, amount=5_000_000, **prod)
        s(self.h1, amount=6_000_000, date=D(2024, 6, 1), **prod)
        s(
            self.h1,
            kind="production_support",
            funding_program="ntp_poverty",
            project=None,
            scheme="DA3",
            amount=4_000_000,
            year=2023,
            date=D(2023, 5, 1),
        )
        # h5: schemes that differ only in case are one source (casefold: "Straße" = "STRASSE"); job conversion
        # across two years (once only).
        other = {"funding_program": "other", "project": None}
        s(self.h5, kind="vocational_training", scheme="Straße", amount=1_000_000, **other)
        s(self.h5, kind="vocational_training", scheme="STRASSE", amount=1_500_000, **other)
        s(self.h5, kind="production_support", funding_program="ntp_rural", project=None, scheme="NTM", amount=700_000)
        s(self.h5, kind="production_support", funding_program="ntp_rural", project=None, scheme="ntm", amount=800_000)
        s(self.h5, kind="job_conversion", amount=10_000_000, year=2023, date=D(2023, 6, 1))
        s(self.h5, kind="job_conversion", funding_program="ntp_poverty", project=None, scheme="DA2", amount=8_000_000)
        # h7 (Bành Trạch): production support from two sources in 2024; health from two sources in 2023.
        self.h7_prod = s(self.h7, amount=5_000_000, **prod)
        s(
            self.h7,
            kind="production_support",
            funding_program="ntp_poverty",
            project=None,
            scheme="DA3 giảm nghèo",
            amount=7_000_000,
        )
        s(self.h7, kind="health", amount=300_000, year=2023, date=D(2023, 3, 1))
        s(
            self.h7,
            kind="health",
            funding_program="other",
            project=None,
            scheme="BHYT",
            amount=200_000,
            year=2023,
            date=D(2023, 4, 1),
        )
        # h9 (Chợ Đồn): housing twice (once only), three records.
        s(self.h9, kind="housing", amount=40_000_000, year=2023, date=D(2023, 9, 1))
        s(self.h9, kind="housing", funding_program="other", project=None, scheme="QĐ 90/QĐ-TTg", amount=50_000_000)
        s(self.h9, kind="housing", amount=40_000_000, date=D(2024, 2, 1))

        p = self.person
        self.p1 = p("Hoàng Văn Thắng", 1958, self.village_a)
        self.p2 = p("Hoàng Văn Thắng", 1958, chora)  # at the commune: a case with p1 and p4
        self.p3 = p("Hoàng Văn Thắng", 1970, chora)  # another birth year: another person
        self.p4 = p("Hoàng Văn Thắng", 1958, self.village_b)
        self.p5 = p("Triệu Thị Mai", 1960, self.village_c)
        self.p6 = p("Triệu Thị Mai", 1960, self.village_d)  # namesakes of two villages: not a case

        # A review that holds, and one of a case that changed afterwards.
        services.case_review_save(
            actor=actor, case=self.case(f"support_overlap:{self.h1.pk}:water:-"), comment="Đã thu hồi."
        )
        services.case_review_save(
            actor=actor, case=self.case(f"support_overlap:{self.h7.pk}:production_support:2024"), comment="Hai nguồn."
        )
        s(self.h7, kind="production_support", funding_program="other", project=None, scheme="Quỹ", amount=100_000)

    def household(self, name, place):
        self.n += 1
        fields = household_fields(head_name=name, head_id_number=f"006180{self.n:06d}", unit=place)
        return services.household_create(actor=self.actor, **fields)

    def support(self, household, **overrides):
        fields = {
            "year": 2024,
            "kind": "water",
            "amount": 3_000_000,
            "date": D(2024, 5, 10),
            "funding_program": "ntp_1719",
            "project": da1(),
        }
        fields.update(overrides)
        return services.household_support_create(actor=self.actor, household=household, **fields)

    def person(self, name, year, place):
        return services.person_create(actor=self.actor, **person_fields(full_name=name, birth_year=year, unit=place))

    def case(self, key):
        return next(c for c in reference.cases(user=self.actor) if c.key == key)


@pytest.fixture
def scene(today, province_user):
    return Scene(province_user)


@pytest.fixture
def personas(request):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


def table_rows():
    return sorted(
        FoundCase.objects.values_list(
            "key", "case_type", "group", "unit_id", "kind", "year", "years", "signature", "excess"
        )
    )


def once_only(rule):
    rule.once_only = True
    rule.save()


def assert_same_as_reference(personas, *, thorough=True, step=None):
    """Every list the review shows equals the full scan's, for each persona, type, year and review state; and the
    table equals a rebuild from the raw rows."""
    if not thorough:
        personas = {name: personas[name] for name in ("province_user", "other_district_user", "new_commune_user")}
    for name, user in personas.items():
        for case_type in (None, *CaseType.values) if thorough else (None,):
            for year in (None, 2023, 2024, 2022) if thorough else (None, 2024):
                for reviewed in (None, True, False) if thorough else (None, False):
                    expected = reference.snapshot(
                        reference.cases(user=user, case_type=case_type, year=year, reviewed=reviewed)
                    )
                    found = reference.snapshot(
                        selectors.cases(user=user, case_type=case_type, year=year, reviewed=reviewed)
                    )
                    assert found == expected, (step, name, case_type, year, reviewed)
        for year in (None, 2023, 2024):
            by_key = lambda found: sorted(reference.snapshot(found))  # noqa: E731
            assert by_key(selectors.support_overlap_cases(user=user, year=year)) == by_key(
                reference.support_overlap_cases(user=user, year=year)
            ), name
        assert by_key(selectors.household_duplicate_cases(user=user)) == by_key(
            reference.household_duplicate_cases(user=user)
        )
        assert by_key(selectors.person_duplicate_cases(user=user)) == by_key(
            reference.person_duplicate_cases(user=user)
        )
        assert selectors.open_case_count(user=user) == len(reference.cases(user=user, reviewed=False)), name
    kept = table_rows()
    found_cases.rebuild_all()
    assert table_rows() == kept


def test_the_scene_figures_are_pinned(scene, province_user, district_user, other_district_user, commune_user):
    """The figures the full scan gives on the scene (counted before the table existed), and the table's."""
    for implementation in (reference, selectors):
        found = implementation.cases(user=province_user)
        assert [c.case_type for c in found].count(CaseType.SUPPORT_OVERLAP) == 5
        assert sorted(c.key for c in found if c.case_type != CaseType.SUPPORT_OVERLAP) == sorted(
            [
                f"household_duplicate:{scene.h1.pk}-{scene.h2.pk}",
                f"household_duplicate:{scene.h4.pk}-{scene.h5.pk}-{scene.h6.pk}",
                f"household_duplicate:{scene.h7.pk}-{scene.h8.pk}",
                f"household_duplicate:{scene.h9.pk}-{scene.h10.pk}",
                f"person_duplicate:{scene.p1.pk}-{scene.p2.pk}-{scene.p4.pk}",
            ]
        )
        # water of h1: 1719 stands (norm 3.000.000), 2.000.000 excess; job conversion of h5: 8.000.000;
        # housing of h9: 50.000.000 stands, 80.000.000 excess.
        assert sum(c.excess for c in found) == 2_000_000 + 8_000_000 + 80_000_000
        assert len(implementation.cases(user=province_user, reviewed=False)) == 9  # h7's changed case is open
        assert [c.key for c in implementation.cases(user=province_user, reviewed=True)] == [
            f"support_overlap:{scene.h1.pk}:water:-"
        ]
        assert len(implementation.cases(user=district_user)) == 8
        assert len(implementation.cases(user=other_district_user)) == 2
        assert len(implementation.cases(user=commune_user)) == 5
        assert len(implementation.cases(user=province_user, year=2023)) == 8
    assert selectors.open_case_count(user=province_user) == 9
    totals = selectors.case_totals(selectors.case_rows(user=province_user))
    assert totals == {"count": 10, "open": 9, "excess": 90_000_000}
    assert HouseholdSupport.objects.filter(household=scene.h5).count() == 6


def test_every_list_equals_the_full_scan(scene, personas):
    assert_same_as_reference(personas)


def test_each_kind_of_write_keeps_the_table_exact(scene, personas, province_user):
    actor = province_user
    steps = [
        # a household moves to another village (its overlaps and its name's cases follow it)
        lambda: services.household_update(actor=actor, household=scene.h2, unit=scene.village_b),
        # renamed: out of one name's case, into another's
        lambda: services.household_update(actor=actor, household=scene.h3, head_name="Lý thị chín"),
        # a support changes kind, then amount; one is deleted
        lambda: services.household_support_update(actor=actor, support=scene.h7_prod, kind="education"),
        lambda: services.household_support_update(actor=actor, support=scene.h1_water_rural, amount=2_900_000),
        lambda: services.household_support_delete(
            actor=actor, support=HouseholdSupport.objects.get(pk=scene.h1_water.pk)
        ),
        # a household without support is deleted; a person moves, another is deleted
        lambda: services.household_delete(actor=actor, household=scene.h10),
        lambda: services.person_update(actor=actor, person=scene.p4, unit=scene.village_c),
        lambda: services.person_delete(actor=actor, person=scene.p2),
        lambda: services.person_update(actor=actor, person=scene.p3, birth_year=1958),
        # the norms and the once-only rules (reference data) change
        lambda: HouseholdSupportNorm.objects.create(kind="housing", funding_program="other", amount=60_000_000),
        lambda: once_only(HouseholdSupportKindRule.objects.get(kind="health")),
        lambda: HouseholdSupportKindRule.objects.get(kind="water").delete(),
    ]
    for n, step in enumerate(steps):
        step()
        assert_same_as_reference(personas, thorough=False, step=n)
    assert_same_as_reference(personas)


def test_a_file_import_refreshes_once_at_the_end(scene, personas, province_user):
    """Inside `deferred()` (the importers' `writing()`), the writes refresh nothing until the end; then all at once.
    Left by an exception, nothing is refreshed (the file is rolled back)."""
    before = table_rows()
    with found_cases.deferred():
        twin = scene.household("Ma Văn Nam", scene.village_e)
        scene.support(scene.h8, kind="health", amount=100_000)
        scene.support(scene.h8, kind="health", funding_program="other", project=None, scheme="BHYT", amount=90_000)
        assert table_rows() == before
    assert any(r[0].endswith(f"-{twin.pk}") for r in table_rows())
    assert any(r[0] == f"support_overlap:{scene.h8.pk}:health:2024" for r in table_rows())
    assert_same_as_reference(personas)
    before = table_rows()

    def rolled_back_file():
        with found_cases.deferred():
            scene.household("Ma Văn Nam", scene.village_e)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        rolled_back_file()
    assert table_rows() == before


def test_the_review_page_reads_one_page_of_cases_in_the_same_queries(scene, client_as, province_user):
    """The page lists 25 cases at a time from the table: its totals cover every case, the queries do not grow
    with the number of cases."""
    client = client_as(province_user)
    client.get(reverse("beneficiaries:review"))  # the session's first write
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("beneficiaries:review"))
    assert page.status_code == 200
    assert [c.key for c in page.context["cases"]] == [c.key for c in reference.cases(user=province_user)][:25]
    assert (page.context["total_count"], page.context["open_count"], page.context["excess_total"]) == (
        10,
        9,
        90_000_000,
    )
    for n in range(30):
        h = scene.household(f"Hộ Thử {n}", scene.village_c)
        scene.support(h)
        scene.support(h, funding_program="ntp_rural", project=None, scheme="NTM", amount=1_000_000)
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("beneficiaries:review"))
    assert page.context["total_count"] == 40
    assert [c.key for c in page.context["cases"]] == [c.key for c in reference.cases(user=province_user)][:25]
    # At most one read per kind of case on the page, whatever their number (this page: support overlaps only).
    assert len(many) <= len(few)
    second = client.get(reverse("beneficiaries:review"), {"page": 2})
    assert [c.key for c in second.context["cases"]] == [c.key for c in reference.cases(user=province_user)][25:]
    count = client.get(reverse("beneficiaries:review"), {"count": "open"})
    assert "39 trường hợp trùng lặp chờ rà soát" in count.content.decode()
