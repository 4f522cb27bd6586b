"""The household and support lists' figures from the running totals (beneficiaries/totals.py) equal the figures
counted from the rows — for every persona and filter the totals answer, after each kind of write, through a file
import that adds its differences at the end, and after `rebuild_all()`."""

import pytest
from django.urls import reverse

from beneficiaries import selectors, services
from beneficiaries import totals as running_totals
from beneficiaries.choices import FundingProgram, HouseholdSupportKind, PovertyStatus
from beneficiaries.excel.exports import HOUSEHOLD_ORDERING
from beneficiaries.filters import HouseholdFilterSet, HouseholdSupportFilterSet
from beneficiaries.models import HouseholdSupport, HouseholdSupportTotal, HouseholdTotal, HouseholdYearTotal
from tests.beneficiaries.test_found_cases import PERSONAS, Scene

HOUSEHOLD_FILTERS = [
    {},
    {"unit": "01888"},
    {"unit": "061"},
    {"unit": "064"},
    {"unit": "VN"},
    {"unit": "99999"},
    {"ethnic_group": "02"},
    {"poverty_status": "poor"},
    {"unit": "01891", "poverty_status": "poor", "ethnic_group": "02"},
]
SUPPORT_FILTERS = [
    {},
    {"year": "2023"},
    {"year": "2024", "unit": "01888"},
    {"unit": "01888"},
    {"unit": "064"},
    {"year": "2024"},
    {"year": "2023", "unit": "061"},
    {"kind": "water"},
    {"funding_program": "ntp_rural"},
    {"project": "DA1"},
    {"subproject": "DA3.TDA2"},
    {"project": "DA3", "kind": "production_support", "year": "2024"},
]


@pytest.fixture
def scene(today, province_user):
    return Scene(province_user)


@pytest.fixture
def personas(request):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


def household_counted(user, data):
    filterset = HouseholdFilterSet(data, queryset=selectors.household_list(user=user))
    assert filterset.is_valid()
    rows = filterset.qs
    return filterset.form.cleaned_data, {
        "count": rows.count(),
        "members": sum(rows.values_list("members", flat=True)),
        "by_status": selectors.counts_by(rows, "poverty_status", PovertyStatus.choices),
        "by_ethnic_group": selectors.counts_by_ethnic_group(rows)[:12],
        "by_commune": selectors.counts_by_commune(rows, limit=12),
    }


def support_counted(user, data):
    filterset = HouseholdSupportFilterSet(data, queryset=selectors.household_support_list(user=user))
    assert filterset.is_valid()
    rows = filterset.qs
    return filterset.form.cleaned_data, {
        "count": rows.count(),
        "total": selectors.amount_total(rows),
        "by_kind": selectors.counts_by(rows, "kind", HouseholdSupportKind.choices),
        "by_program": selectors.counts_by(rows, "funding_program", FundingProgram.choices),
        "by_year": sorted(selectors.counts_by(rows, "year"), reverse=True),
        "households": rows.values("household").distinct().count(),
    }


def totals_rows():
    return (
        sorted(
            HouseholdTotal.objects.filter(households__gt=0).values_list(
                "commune_id", "ethnic_group_id", "poverty_status", "households", "members", "supported"
            )
        ),
        sorted(
            HouseholdSupportTotal.objects.filter(supports__gt=0).values_list(
                "commune_id", "kind", "funding_program", "year", "project_key", "subproject_key", "supports", "amount"
            )
        ),
        sorted(HouseholdYearTotal.objects.filter(households__gt=0).values_list("commune_id", "year", "households")),
    )


def assert_totals_exact(personas, names=None):
    for name in names or personas:
        user = personas[name]
        for data in HOUSEHOLD_FILTERS:
            filters, expected = household_counted(user, data)
            assert selectors.household_figures(user=user, filters=filters) == expected, (name, data)
        for data in SUPPORT_FILTERS:
            filters, expected = support_counted(user, data)
            found = selectors.household_support_figures(user=user, filters=filters)
            if found["households"] is None:  # narrowed by a support's key: the rows count the households
                found["households"] = expected["households"]
            assert found == expected, (name, data)
    kept = totals_rows()
    running_totals.rebuild_all()
    assert totals_rows() == kept


def test_the_list_figures_equal_the_rows(scene, personas):
    assert_totals_exact(personas)


def test_a_village_or_a_name_is_counted_from_the_rows(scene, province_user):
    for data in ({"unit": "01888.91"}, {"q": "lan"}, {"poverty_year": "2023"}):
        filters, _expected = household_counted(province_user, data)
        assert selectors.household_figures(user=province_user, filters=filters) is None
    filters, _expected = support_counted(province_user, {"household": str(scene.h1.pk)})
    assert selectors.household_support_figures(user=province_user, filters=filters) is None
    # Households supported in a year come from the year totals; with a kind or a program, from the rows.
    filters, expected = support_counted(province_user, {"year": "2024", "unit": "061"})
    assert (
        selectors.household_support_figures(user=province_user, filters=filters)["households"] == expected["households"]
    )
    filters, _expected = support_counted(province_user, {"year": "2024", "kind": "water"})
    assert selectors.household_support_figures(user=province_user, filters=filters)["households"] is None


def test_each_kind_of_write_keeps_the_totals_exact(scene, personas, province_user):
    actor = province_user
    steps = [
        lambda: services.household_update(actor=actor, household=scene.h2, unit=scene.village_c),  # another commune
        lambda: services.household_update(actor=actor, household=scene.h3, poverty_status="none", poverty_year=None),
        lambda: services.household_update(actor=actor, household=scene.h4, members=9),
        lambda: services.household_support_update(actor=actor, support=scene.h7_prod, kind="education", amount=1),
        lambda: services.household_support_delete(
            actor=actor, support=HouseholdSupport.objects.get(pk=scene.h1_water.pk)
        ),
        lambda: [
            services.household_support_delete(actor=actor, support=s)
            for s in HouseholdSupport.objects.filter(household=scene.h9)
        ],
        lambda: services.household_delete(actor=actor, household=scene.h9),
        lambda: scene.support(scene.h10, kind="health", amount=123_456),
    ]
    for step in steps:
        step()
        assert_totals_exact(personas, names=["province_user", "other_district_user", "new_commune_user"])
    assert_totals_exact(personas)


def test_a_file_import_adds_its_differences_at_the_end(scene, personas, province_user):
    before = totals_rows()
    with running_totals.deferred():
        household = scene.household("Hộ Nhập Tệp", scene.village_d)
        scene.support(household, amount=1_000)
        assert totals_rows() == before
    assert totals_rows() != before
    assert_totals_exact(personas, names=["province_user", "commune_user", "other_commune_user"])


def test_the_list_pages_show_the_totals(scene, client_as, province_user):
    client = client_as(province_user)
    page = client.get(reverse("beneficiaries:household_list"))
    _filters, expected = household_counted(province_user, {})
    assert page.context["paginator"].count == expected["count"] == 10
    assert [page.context[k] for k in ("members", "by_status", "by_ethnic_group", "by_commune")] == [
        expected[k] for k in ("members", "by_status", "by_ethnic_group", "by_commune")
    ]
    page = client.get(reverse("beneficiaries:household_support_list"), {"year": "2024"})
    _filters, expected = support_counted(province_user, {"year": "2024"})
    assert page.context["paginator"].count == expected["count"]
    assert [page.context[k] for k in ("total", "by_kind", "by_program", "by_year", "households")] == [
        expected[k] for k in ("total", "by_kind", "by_program", "by_year", "households")
    ]
    village = client.get(reverse("beneficiaries:household_list"), {"unit": "01888.91"})
    assert village.context["paginator"].count == 3  # h1, h2, h5 (counted from the rows)


def test_the_api_counts_from_the_totals(scene, api_as, province_user, other_district_user):
    """`count` of /api/v1/households/ and /household-supports/ is the totals' where the filters allow, the rows'
    otherwise; the same numbers either way."""
    for user in (province_user, other_district_user):
        client = api_as(user)
        for path, filterset, queryset, params in (
            ("/api/v1/households/", HouseholdFilterSet, selectors.household_list, {}),
            ("/api/v1/households/", HouseholdFilterSet, selectors.household_list, {"unit": "061"}),
            ("/api/v1/households/", HouseholdFilterSet, selectors.household_list, {"q": "lan"}),
            ("/api/v1/household-supports/", HouseholdSupportFilterSet, selectors.household_support_list, {}),
            (
                "/api/v1/household-supports/",
                HouseholdSupportFilterSet,
                selectors.household_support_list,
                {"year": "2023"},
            ),
            (
                "/api/v1/household-supports/",
                HouseholdSupportFilterSet,
                selectors.household_support_list,
                {"household": str(scene.h1.pk)},
            ),
        ):
            answer = client.get(path, {**params, "page_size": 2})
            assert answer.status_code == 200, answer.content
            rows = filterset(params, queryset=queryset(user=user)).qs
            assert answer.json()["count"] == rows.count(), (path, params)
            assert [r["id"] for r in answer.json()["results"]] == list(
                rows.order_by(
                    *(HOUSEHOLD_ORDERING if "households/" in path else ("-year", "-date", "-pk"))
                ).values_list("pk", flat=True)[:2]
            )
        assert client.get("/api/v1/households/", {"page": 99}).status_code == 404


def test_the_first_communes_are_ranked_as_the_whole_list(reference_data):
    """Only the communes that can be among the first are read; ties at the cut are ranked by path as in the
    whole ranking."""
    from collections import Counter

    from geography.models import AdministrativeUnit, Level

    communes = list(AdministrativeUnit.objects.filter(level=Level.COMMUNE).order_by("-code")[:20])
    counter = Counter({u.pk: (i % 5) + (3 if i < 4 else 0) for i, u in enumerate(communes)})
    whole = selectors._communes_ranked(counter)
    for limit in (1, 3, 5, 12, 19, 20, 25):
        assert selectors._communes_ranked(counter, limit) == whole[:limit]
