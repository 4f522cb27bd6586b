"""The ledger's web pages: lists with filters and totals, entry forms, scope, roles, periods, progress."""

import datetime

import pytest
from django.urls import reverse

from disbursement import services
from disbursement.models import (
    Allocation,
    AllocationAdjustment,
    Disbursement,
    Period,
    PeriodEvent,
    PlanLine,
    YearSetting,
)
from programs.models import Project, SubProject
from tests.factories import unit


def page(response) -> str:
    return response.content.decode()


def disburse(allocation, *, actor, day=datetime.date(2024, 5, 20), amount=1_000, voucher="KB-1"):
    return services.disbursement_create(actor=actor, allocation=allocation, date=day, amount=amount, voucher_no=voucher)


def allocation_post_data(**overrides):
    data = {
        "year": "2024",
        "unit": str(unit("061").pk),
        "project": str(Project.objects.get(code="DA4").pk),
        "subproject": str(SubProject.objects.get(code="DA4.TDA1").pk),
        "capital_type": "investment",
        "source": "central",
        "origin_year": "2024",
        "amount": "1.234.567.000",
        "decision_no": "25/QĐ-UBND",
        "decision_date": "2024-03-01",
        "decision_body": "UBND tỉnh Bắc Kạn",
        "note": "",
    }
    data.update(overrides)
    return data


# --- The list: filters, totals, pagination -------------------------------------------------------


@pytest.fixture
def ledger(make_allocation, province_user, clock):
    """Five allocations in Bắc Kạn, each a different line, with some disbursements."""
    clock(datetime.date(2023, 3, 15))
    chora_2023 = make_allocation(
        amount=9_999,
        year=2023,
        origin_year=2023,
        unit=unit("01888"),
        decision_no="33/QĐ-UBND",
        decision_date=datetime.date(2023, 3, 1),
    )
    clock(datetime.date(2024, 7, 15))
    rows = {
        "babe_inv": make_allocation(amount=1_234_567),
        "babe_rec": make_allocation(
            amount=2_000_000,
            capital_type="recurrent",
            source="local",
            project=Project.objects.get(code="DA3"),
            subproject=SubProject.objects.get(code="DA3.TDA1"),
            decision_no="30/QĐ-UBND",
        ),
        "babe_carried": make_allocation(amount=500_000, origin_year=2023, decision_no="31/QĐ-UBND"),
        "chodon": make_allocation(
            amount=7_000_000,
            unit=unit("064"),
            project=Project.objects.get(code="DA1"),
            subproject=None,
            decision_no="32/QĐ-UBND",
        ),
        "chora_2023": chora_2023,
    }
    disburse(rows["babe_inv"], actor=province_user, amount=34_567, voucher="A")
    disburse(rows["babe_inv"], actor=province_user, amount=200_000, voucher="B", day=datetime.date(2024, 6, 1))
    disburse(rows["chodon"], actor=province_user, amount=700_000, voucher="C")
    return rows


def listed(response) -> set[int]:
    return {allocation.pk for allocation in response.context["allocations"]}


@pytest.mark.parametrize(
    ("query", "names", "allocated", "disbursed"),
    [
        ({}, {"babe_inv", "babe_rec", "babe_carried", "chodon", "chora_2023"}, 10_744_566, 934_567),
        ({"year": "2024"}, {"babe_inv", "babe_rec", "babe_carried", "chodon"}, 10_734_567, 934_567),
        ({"unit": "061"}, {"babe_inv", "babe_rec", "babe_carried", "chora_2023"}, 3_744_566, 234_567),
        ({"unit": "01888"}, {"chora_2023"}, 9_999, 0),
        ({"project": "DA4"}, {"babe_inv", "babe_carried", "chora_2023"}, 1_744_566, 234_567),
        ({"project": "DA4", "year": "2024"}, {"babe_inv", "babe_carried"}, 1_734_567, 234_567),
        ({"subproject": "DA3.TDA1"}, {"babe_rec"}, 2_000_000, 0),
        ({"capital_type": "recurrent"}, {"babe_rec"}, 2_000_000, 0),
        ({"source": "central"}, {"babe_inv", "babe_carried", "chodon", "chora_2023"}, 8_744_566, 934_567),
        ({"origin_year": "2023", "year": "2024"}, {"babe_carried"}, 500_000, 0),
        ({"year": "2024", "unit": "064", "capital_type": "investment"}, {"chodon"}, 7_000_000, 700_000),
        ({"unit": "99999"}, set(), 0, 0),
    ],
)
def test_the_list_filters_and_totals_the_filtered_rows(
    client_as, province_user, ledger, query, names, allocated, disbursed
):
    response = client_as(province_user).get(reverse("disbursement:allocation_list"), query)
    assert response.status_code == 200
    assert listed(response) == {ledger[name].pk for name in names}
    totals = response.context["totals"]
    assert (totals["allocated"], totals["disbursed"], totals["remaining"]) == (
        allocated,
        disbursed,
        allocated - disbursed,
    )


def test_the_list_shows_totals_the_vietnamese_way(client_as, province_user, ledger):
    response = client_as(province_user).get(
        reverse("disbursement:allocation_list"), {"year": "2024", "unit": "061", "project": "DA4"}
    )
    html = page(response)
    assert "1.734.567" in html  # allocated
    assert "234.567" in html  # disbursed
    assert "1.500.000" in html  # remaining
    assert "13,5%" in html  # 234.567 / 1.734.567


def test_a_district_officer_lists_only_its_district(client_as, district_user, ledger):
    response = client_as(district_user).get(reverse("disbursement:allocation_list"))
    assert listed(response) == {ledger[n].pk for n in ("babe_inv", "babe_rec", "babe_carried", "chora_2023")}
    assert response.context["totals"]["allocated"] == 3_744_566
    response = client_as(district_user).get(reverse("disbursement:allocation_list"), {"unit": "064"})
    assert listed(response) == set()
    assert response.context["totals"]["allocated"] == 0


def test_a_bad_filter_value_shows_an_error_not_a_crash(client_as, province_user, ledger):
    response = client_as(province_user).get(reverse("disbursement:allocation_list"), {"year": "abc"})
    assert response.status_code == 200
    assert "Phải là số nguyên, ví dụ 2024." in page(response)
    response = client_as(province_user).get(reverse("disbursement:allocation_list"), {"capital_type": "gold"})
    assert response.status_code == 200


def test_the_list_paginates_and_keeps_the_filters_and_totals(make_allocation, client_as, province_user):
    for number in range(55):
        make_allocation(amount=1_000 + number, decision_no=f"{number}/QĐ-UBND")
    make_allocation(amount=5, unit=unit("064"), decision_no="khác")
    client = client_as(province_user)
    first = client.get(reverse("disbursement:allocation_list"), {"unit": "061"})
    assert len(first.context["allocations"]) == 50
    assert first.context["paginator"].count == 55
    assert 'href="?unit=061&amp;page=2"' in page(first)
    second = client.get(reverse("disbursement:allocation_list"), {"unit": "061", "page": 2})
    assert len(second.context["allocations"]) == 5
    assert second.context["totals"]["allocated"] == sum(1_000 + n for n in range(55))
    assert 'href="?unit=061&amp;page=1"' in page(second)


def test_the_list_reads_the_year_settings_once_however_many_carried_over_rows(
    make_allocation, client_as, province_user
):
    """make bench found the allocation list reading a province's year settings once per carried-over row (each
    row's pace needs its carry-over deadline): the count grew with the rows of the page."""
    client = client_as(province_user)
    url = reverse("disbursement:allocation_list")

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(url, {"year": "2025"})  # the unit chains of the page are cached per process
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {"year": "2025"})
        assert response.status_code == 200
        return len(captured)

    def carried(number, code="061"):
        return make_allocation(
            year=2025, origin_year=2024, unit=unit(code), amount=1_000 + number, decision_no=f"{number}/QĐ-UBND"
        )

    carried(0)
    one = queries()
    for number in range(1, 8):
        carried(number, "061" if number % 2 else "064")
    assert queries() == one


def test_the_disbursement_list_filters_and_totals(client_as, province_user, ledger):
    client = client_as(province_user)
    response = client.get(reverse("disbursement:disbursement_list"), {"unit": "061"})
    assert {d.voucher_no for d in response.context["disbursements"]} == {"A", "B"}
    assert response.context["total"] == 234_567
    assert "234.567" in page(response)
    response = client.get(reverse("disbursement:disbursement_list"), {"date_from": "2024-05-21"})
    assert {d.voucher_no for d in response.context["disbursements"]} == {"B"}
    assert response.context["total"] == 200_000


# --- Entering an allocation ------------------------------------------------------------------------


def test_an_allocation_is_entered_with_a_vietnamese_amount(client_as, district_user, clock):
    client = client_as(district_user)
    form_page = client.get(reverse("disbursement:allocation_add"))
    assert form_page.status_code == 200
    assert "Số vốn giao (đồng)" in page(form_page)
    response = client.post(reverse("disbursement:allocation_add"), allocation_post_data())
    allocation = Allocation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("disbursement:allocation_detail", args=[allocation.pk])
    assert allocation.amount == 1_234_567_000
    assert (allocation.unit.code, allocation.subproject.code, allocation.created_by) == (
        "061",
        "DA4.TDA1",
        district_user,
    )
    detail = client.get(response["Location"])
    assert "1.234.567.000" in page(detail)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12,5", "Số tiền phải là số nguyên đồng, không có phần thập phân."),
        ("-3", "Số tiền phải lớn hơn 0."),
        ("0", "Số tiền phải lớn hơn 0."),
        ("abc", "Số tiền phải là số nguyên đồng, ví dụ 1.234.567."),
        ("1.234.56", "Số tiền phải là số nguyên đồng, ví dụ 1.234.567."),
        ("99999999999999999999", "Số tiền quá lớn."),
    ],
)
def test_a_bad_amount_is_shown_on_the_field_and_nothing_is_written(client_as, district_user, clock, typed, message):
    response = client_as(district_user).post(reverse("disbursement:allocation_add"), allocation_post_data(amount=typed))
    assert response.status_code == 200
    assert response.context["form"].errors["amount"] == [message]
    assert f'<div class="invalid-feedback" id="id_amount-error">{message}</div>' in page(response)
    assert not Allocation.objects.exists()


def test_service_errors_come_back_on_their_fields(client_as, district_user, clock):
    response = client_as(district_user).post(
        reverse("disbursement:allocation_add"), allocation_post_data(subproject="", decision_date="2024-08-01")
    )
    form = response.context["form"]
    assert form.errors["subproject"] == ["Dự án DA4 có tiểu dự án: phải chọn tiểu dự án."]
    assert form.errors["decision_date"] == ["Ngày quyết định không được sau hôm nay."]
    assert not Allocation.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"unit": lambda: str(unit("064").pk)},  # another district
        {"unit": lambda: "999999999"},
        {"year": lambda: "99999"},
        {"year": lambda: "abc"},
        {"project": lambda: "99999999999999999999999"},
        {"origin_year": lambda: "2030"},
        {"decision_date": lambda: "30/02/2024"},
    ],
)
def test_bad_choices_are_form_errors_never_a_crash(client_as, district_user, clock, overrides):
    data = allocation_post_data(**{key: make() for key, make in overrides.items()})
    response = client_as(district_user).post(reverse("disbursement:allocation_add"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Allocation.objects.exists()


def test_the_subproject_select_follows_the_project(client_as, district_user):
    client = client_as(district_user)
    da4 = Project.objects.get(code="DA4")
    html = page(client.get(reverse("disbursement:subproject_options"), {"project": da4.pk}))
    values = {sub.pk for sub in SubProject.objects.filter(project=da4)}
    assert html.count("<option") == len(values) + 1  # and the blank one
    for sub in SubProject.objects.all():
        assert (f'value="{sub.pk}"' in html) == (sub.pk in values)
    assert "DA4.TDA1." in html
    assert page(client.get(reverse("disbursement:subproject_options"), {"project": "x"})).count("<option") == 1


def test_the_unit_select_offers_units_in_scope_valid_in_the_year(client_as, district_user, new_commune_user):
    html = page(client_as(district_user).get(reverse("disbursement:unit_options"), {"year": 2024}))
    assert f'value="{unit("061").pk}"' in html
    assert f'value="{unit("01888").pk}"' in html
    assert f'value="{unit("064").pk}"' not in html
    assert f'value="{unit("06").pk}"' not in html
    assert (
        page(client_as(district_user).get(reverse("disbursement:unit_options"), {"year": 2026})).count("<option") == 1
    )  # Ba Bể and its communes ended on 30/06/2025
    html_2026 = page(client_as(new_commune_user).get(reverse("disbursement:unit_options"), {"year": 2026}))
    assert f'value="{unit("01912", current=True).pk}"' in html_2026
    assert f'value="{unit("01888").pk}"' not in html_2026
    html_2024 = page(client_as(new_commune_user).get(reverse("disbursement:unit_options"), {"year": 2024}))
    assert f'value="{unit("01888").pk}"' in html_2024  # the commune it was made of, in its own years
    assert client_as(district_user).get(reverse("disbursement:unit_options"), {"year": 99999}).status_code == 200


# --- Disbursements on the allocation's page ----------------------------------------------------------


def test_a_disbursement_is_posted_from_the_allocation_page(make_allocation, client_as, district_user):
    allocation = make_allocation()
    response = client_as(district_user).post(
        reverse("disbursement:disbursement_add", args=[allocation.pk]),
        {"date": "2024-05-20", "amount": "250.000.000", "voucher_no": "KB-0001", "note": "Tạm ứng"},
    )
    assert response.status_code == 302
    disbursement = Disbursement.objects.get()
    assert (disbursement.amount, disbursement.date, disbursement.voucher_no, disbursement.created_by) == (
        250_000_000,
        datetime.date(2024, 5, 20),
        "KB-0001",
        district_user,
    )


def test_a_disbursement_above_the_balance_is_refused_on_the_page(make_allocation, client_as, district_user):
    allocation = make_allocation(amount=1_000_000)
    disburse(allocation, actor=district_user, amount=600_000)
    response = client_as(district_user).post(
        reverse("disbursement:disbursement_add", args=[allocation.pk]),
        {"date": "2024-05-21", "amount": "400.001", "voucher_no": "KB-2"},
    )
    assert response.status_code == 200
    html = page(response)
    assert "Số tiền 400.001 đồng vượt số vốn còn lại của phân bổ (400.000 đồng)." in html
    assert response.context["disbursement_form"].errors["amount"]
    assert Disbursement.objects.count() == 1
    assert response.context["allocation"].pk == allocation.pk


def test_a_disbursement_with_a_bad_date_or_amount_writes_nothing(make_allocation, client_as, district_user):
    allocation = make_allocation()
    client = client_as(district_user)
    url = reverse("disbursement:disbursement_add", args=[allocation.pk])
    response = client.post(url, {"date": "2023-12-31", "amount": "5", "voucher_no": "X"})
    assert response.context["disbursement_form"].errors["date"] == [
        "Ngày giải ngân phải trong năm ngân sách 2024 (từ 01/01/2024 đến 31/12/2024)."
    ]
    response = client.post(url, {"date": "2024-05-01", "amount": "5,5", "voucher_no": "X"})
    assert response.context["disbursement_form"].errors["amount"] == [
        "Số tiền phải là số nguyên đồng, không có phần thập phân."
    ]
    assert not Disbursement.objects.exists()


# --- The allocation's page ---------------------------------------------------------------------------


def test_the_allocation_page_shows_figures_plan_warning_and_history(make_allocation, client_as, district_user):
    allocation = make_allocation(actor=district_user)
    disburse(allocation, actor=district_user, amount=27_000_000, day=datetime.date(2024, 3, 10))
    client = client_as(district_user)
    response = client.post(
        reverse("disbursement:plan_edit", args=[allocation.pk]),
        {"month_3": "100.000.000", "month_6": "300.000.000", "month_9": "", "month_12": "600.000.000"},
    )
    assert response.status_code == 302
    assert dict(PlanLine.objects.values_list("month", "amount")) == {3: 100_000_000, 6: 300_000_000, 12: 600_000_000}

    response = client.get(reverse("disbursement:allocation_detail", args=[allocation.pk]))
    html = page(response)
    context = response.context
    assert (context["allocation"].disbursed, context["allocation"].remaining) == (27_000_000, 973_000_000)
    assert "27.000.000" in html
    assert "973.000.000" in html
    assert "2,7%" in html
    rows = {row.month: (row.planned_cumulative, row.actual_cumulative) for row in context["plan_rows"]}
    assert rows[3] == (100_000_000, 27_000_000)
    assert rows[6] == (400_000_000, 27_000_000)
    assert rows[12] == (1_000_000_000, 27_000_000)
    assert "400.000.000" in html
    # 15/07: 54% of the year gone, 2,7% disbursed, and far below its own plan.
    assert context["pace"].behind_time
    assert context["pace"].behind_plan
    assert "Cảnh báo tiến độ:" in html
    assert "Giải ngân thấp hơn kế hoạch của chính đơn vị." in html
    # History names who did what.
    assert district_user.full_name in html
    assert "Tạo mới" in html
    assert html.count("<td>Kế hoạch tháng") == 3


def test_an_allocation_on_pace_has_no_warning(make_allocation, client_as, district_user):
    allocation = make_allocation()
    disburse(allocation, actor=district_user, amount=600_000_000)
    response = client_as(district_user).get(reverse("disbursement:allocation_detail", args=[allocation.pk]))
    assert not response.context["pace"].warning
    assert "Cảnh báo tiến độ" not in page(response)
    assert "60,0%" in page(response)


def test_an_edit_appears_in_the_history_with_old_and_new_values(make_allocation, client_as, district_user):
    allocation = make_allocation()
    client = client_as(district_user)
    data = allocation_post_data(amount="2.000.000.000", decision_no="12/QĐ-UBND", decision_date="2024-02-01")
    response = client.post(reverse("disbursement:allocation_edit", args=[allocation.pk]), data)
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.amount == 2_000_000_000
    html = page(client.get(reverse("disbursement:allocation_detail", args=[allocation.pk])))
    assert "<del>1.000.000.000</del> → 2.000.000.000" in html
    assert district_user.full_name in html


def test_an_adjustment_through_its_page_keeps_both_decisions(make_allocation, client_as, district_user):
    allocation = make_allocation()
    client = client_as(district_user)
    response = client.post(
        reverse("disbursement:allocation_adjust", args=[allocation.pk]),
        {
            "new_amount": "800.000.000",
            "decision_no": "45/QĐ-UBND",
            "decision_date": "2024-06-01",
            "decision_body": "UBND tỉnh Bắc Kạn",
            "reason": "Điều chuyển",
        },
    )
    assert response.status_code == 302
    allocation.refresh_from_db()
    assert allocation.amount == 800_000_000
    adjustment = AllocationAdjustment.objects.get()
    assert (adjustment.previous_decision_no, adjustment.decision_no) == ("12/QĐ-UBND", "45/QĐ-UBND")
    html = page(client.get(reverse("disbursement:allocation_detail", args=[allocation.pk])))
    assert "1.000.000.000 → <strong>800.000.000</strong>" in html


def test_deleting_goes_through_the_service(make_allocation, client_as, district_user):
    allocation = make_allocation()
    disbursement = disburse(allocation, actor=district_user)
    client = client_as(district_user)
    response = client.post(reverse("disbursement:allocation_delete", args=[allocation.pk]), follow=True)
    assert "xóa các khoản giải ngân trước" in page(response)
    assert Allocation.objects.filter(pk=allocation.pk).exists()
    client.post(reverse("disbursement:disbursement_delete", args=[disbursement.pk]))
    assert not Disbursement.objects.exists()
    response = client.post(reverse("disbursement:allocation_delete", args=[allocation.pk]))
    assert response.status_code == 302
    assert not Allocation.objects.exists()


# --- Scope and roles ----------------------------------------------------------------------------------


@pytest.fixture
def babe_allocation(make_allocation, province_user):
    allocation = make_allocation(amount=1_000_000)
    disbursement = disburse(allocation, actor=province_user, amount=100_000)
    services.plan_set(actor=province_user, allocation=allocation, months={6: 500_000})
    return allocation, disbursement


def write_requests(allocation, disbursement):
    pk, dpk = allocation.pk, disbursement.pk
    return [
        ("get", reverse("disbursement:allocation_edit", args=[pk]), {}),
        ("post", reverse("disbursement:allocation_edit", args=[pk]), allocation_post_data(amount="5")),
        ("get", reverse("disbursement:allocation_adjust", args=[pk]), {}),
        (
            "post",
            reverse("disbursement:allocation_adjust", args=[pk]),
            {"new_amount": "5", "decision_no": "x", "decision_date": "2024-06-01", "decision_body": "x"},
        ),
        ("get", reverse("disbursement:plan_edit", args=[pk]), {}),
        ("post", reverse("disbursement:plan_edit", args=[pk]), {"month_1": "1"}),
        ("post", reverse("disbursement:allocation_delete", args=[pk]), {}),
        (
            "post",
            reverse("disbursement:disbursement_add", args=[pk]),
            {"date": "2024-05-02", "amount": "1", "voucher_no": "Z"},
        ),
        ("get", reverse("disbursement:disbursement_edit", args=[dpk]), {}),
        (
            "post",
            reverse("disbursement:disbursement_edit", args=[dpk]),
            {"date": "2024-05-02", "amount": "1", "voucher_no": "Z"},
        ),
        ("post", reverse("disbursement:disbursement_delete", args=[dpk]), {}),
    ]


def ledger_state():
    return (
        list(Allocation.objects.values_list("pk", "amount", "note", "decision_no")),
        list(Disbursement.objects.values_list("pk", "amount", "date", "voucher_no")),
        list(PlanLine.objects.values_list("allocation", "month", "amount")),
        AllocationAdjustment.objects.count(),
    )


def test_another_districts_allocation_is_404_on_every_page(babe_allocation, client_as, other_district_user):
    allocation, disbursement = babe_allocation
    before = ledger_state()
    client = client_as(other_district_user)
    assert client.get(reverse("disbursement:allocation_detail", args=[allocation.pk])).status_code == 404
    for method, url, data in write_requests(allocation, disbursement):
        assert getattr(client, method)(url, data).status_code == 404, (method, url)
    assert ledger_state() == before


def test_a_commune_sees_only_its_commune(babe_allocation, client_as, commune_user):
    allocation, _disbursement = babe_allocation
    assert (
        client_as(commune_user).get(reverse("disbursement:allocation_detail", args=[allocation.pk])).status_code == 404
    )


def test_a_leader_reads_but_every_write_is_403(babe_allocation, client_as, leader):
    allocation, disbursement = babe_allocation
    before = ledger_state()
    client = client_as(leader)
    detail = client.get(reverse("disbursement:allocation_detail", args=[allocation.pk]))
    assert detail.status_code == 200
    assert "Ghi giải ngân" not in page(detail)
    assert client.get(reverse("disbursement:allocation_list")).status_code == 200
    requests = [
        *write_requests(allocation, disbursement),
        ("get", reverse("disbursement:allocation_add"), {}),
        ("post", reverse("disbursement:allocation_add"), allocation_post_data()),
        ("get", reverse("disbursement:import"), {}),
        ("post", reverse("disbursement:import"), {"kind": "allocations"}),
        ("get", reverse("disbursement:carry_over"), {}),
        ("get", reverse("disbursement:year_setting"), {}),
    ]
    for method, url, data in requests:
        assert getattr(client, method)(url, data).status_code == 403, (method, url)
    period = services.period_for(unit("061"), 2024, "H1")
    for action in ("submit", "approve", "reopen"):
        response = client.post(reverse("disbursement:period_action", args=[period.pk, action]), {"comment": "x"})
        assert response.status_code == 403
    assert client.post(reverse("disbursement:period_open", args=[2024, "H1"])).status_code == 404
    assert ledger_state() == before
    assert not PeriodEvent.objects.exists()


def test_pages_need_a_login(client, babe_allocation):
    allocation, _disbursement = babe_allocation
    for url in (
        reverse("disbursement:allocation_list"),
        reverse("disbursement:allocation_detail", args=[allocation.pk]),
        reverse("disbursement:progress"),
        reverse("disbursement:subproject_options"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


# --- Periods: submit, approve, lock, reopen -----------------------------------------------------------


def test_a_period_is_submitted_approved_locked_and_reopened(make_allocation, client_as, district_user, province_user):
    allocation = make_allocation()
    disbursement = disburse(allocation, actor=district_user, amount=100_000, day=datetime.date(2024, 5, 20))
    client = client_as(district_user)

    listing = client.get(reverse("disbursement:period_list"))
    open_url = reverse("disbursement:period_open", args=[2024, "H1"])
    assert f'action="{open_url}"' in page(listing)
    response = client.post(open_url)
    period = Period.objects.get(unit=unit("061"), year=2024, kind="H1")
    assert response["Location"] == reverse("disbursement:period_detail", args=[period.pk])
    detail = client.get(response["Location"])
    assert "Gửi phê duyệt" in page(detail)
    client.post(reverse("disbursement:period_action", args=[period.pk, "submit"]), {"comment": "Số liệu 6 tháng"})
    period.refresh_from_db()
    assert period.status == "submitted"
    # A district does not approve its own figures.
    assert client.post(reverse("disbursement:period_action", args=[period.pk, "approve"])).status_code == 403

    client = client_as(province_user)
    client.post(reverse("disbursement:period_action", args=[period.pk, "approve"]), {"comment": ""})
    period.refresh_from_db()
    assert period.status == "approved"

    client = client_as(district_user)
    edit_url = reverse("disbursement:disbursement_edit", args=[disbursement.pk])
    edit = {"date": "2024-05-20", "amount": "150.000", "voucher_no": "KB-1", "note": ""}
    response = client.post(edit_url, edit)
    assert response.status_code == 200
    html = page(response)
    assert "Số liệu 6 tháng đầu năm năm 2024 của Huyện Ba Bể đã được phê duyệt" in html
    assert "Ban Dân tộc tỉnh có thể mở lại kỳ này cho riêng đơn vị." in html
    disbursement.refresh_from_db()
    assert disbursement.amount == 100_000
    response = client.post(reverse("disbursement:disbursement_delete", args=[disbursement.pk]), follow=True)
    assert "đã được phê duyệt" in page(response)
    assert Disbursement.objects.filter(pk=disbursement.pk).exists()

    client = client_as(province_user)
    response = client.post(reverse("disbursement:period_action", args=[period.pk, "reopen"]), {"comment": ""})
    period.refresh_from_db()
    assert period.status == "approved"  # a reopening needs its reason
    client.post(reverse("disbursement:period_action", args=[period.pk, "reopen"]), {"comment": "Bổ sung chứng từ"})
    period.refresh_from_db()
    assert period.status == "reopened"

    client = client_as(district_user)
    assert client.post(edit_url, edit).status_code == 302
    disbursement.refresh_from_db()
    assert disbursement.amount == 150_000
    timeline = page(client.get(reverse("disbursement:period_detail", args=[period.pk])))
    assert district_user.full_name in timeline
    assert province_user.full_name in timeline
    assert list(PeriodEvent.objects.values_list("action", "actor__username")) == [
        ("submit", "huyen_babe"),
        ("approve", "tinh"),
        ("reopen", "tinh"),
    ]


def test_another_districts_period_is_404(client_as, other_district_user):
    period = services.period_for(unit("061"), 2024, "H1")
    client = client_as(other_district_user)
    assert client.get(reverse("disbursement:period_detail", args=[period.pk])).status_code == 404
    assert client.post(reverse("disbursement:period_action", args=[period.pk, "submit"])).status_code == 404
    period.refresh_from_db()
    assert period.status == "open"


def test_an_unknown_period_kind_or_action_is_404(client_as, district_user):
    client = client_as(district_user)
    assert client.post(reverse("disbursement:period_open", args=[2024, "Q3"])).status_code == 404
    period = services.period_for(unit("061"), 2024, "H1")
    assert client.post(reverse("disbursement:period_action", args=[period.pk, "delete"])).status_code == 404


# --- Year settings and carry-over -----------------------------------------------------------------------


def test_the_province_sets_a_years_deadlines(client_as, province_user, district_user, clock):
    client = client_as(province_user)
    response = client.get(reverse("disbursement:year_setting"), {"year": 2024})
    assert response.status_code == 200
    assert response.context["form"].initial["h1_deadline"] == datetime.date(2024, 9, 20)
    response = client.post(
        reverse("disbursement:year_setting"),
        {
            "year": "2024",
            "h1_deadline": "2024-09-30",
            "year_deadline": "2025-01-31",
            "carryover_deadline": "2024-10-31",
        },
    )
    assert response.status_code == 302
    setting = YearSetting.objects.get()
    assert (setting.year, setting.h1_deadline, setting.carryover_deadline) == (
        2024,
        datetime.date(2024, 9, 30),
        datetime.date(2024, 10, 31),
    )
    response = client.post(
        reverse("disbursement:year_setting"),
        {
            "year": "2024",
            "h1_deadline": "2024-06-01",
            "year_deadline": "2025-01-31",
            "carryover_deadline": "2024-10-31",
        },
    )
    assert response.context["form"].errors["h1_deadline"] == ["Hạn nhập số liệu 6 tháng phải sau ngày 30/6/2024."]
    for year in ("abc", "99999", "0"):
        assert client.get(reverse("disbursement:year_setting"), {"year": year}).status_code == 404
        assert client.post(reverse("disbursement:year_setting"), {"year": year}).status_code == 404
    assert YearSetting.objects.get().h1_deadline == datetime.date(2024, 9, 30)

    district = client_as(district_user)
    assert district.get(reverse("disbursement:year_setting")).status_code == 403
    assert (
        district.post(
            reverse("disbursement:year_setting"),
            {
                "year": "2024",
                "h1_deadline": "2024-12-30",
                "year_deadline": "2025-01-31",
                "carryover_deadline": "2024-10-31",
            },
        ).status_code
        == 403
    )
    assert YearSetting.objects.get().h1_deadline == datetime.date(2024, 9, 30)


def test_carry_over_runs_once(make_allocation, client_as, province_user, district_user, clock):
    a = make_allocation(amount=1_000)
    make_allocation(amount=500, decision_no="13/QĐ-UBND", unit=unit("064"))
    disburse(a, actor=province_user, amount=400)
    clock(datetime.date(2025, 1, 10))
    client = client_as(province_user)
    assert client.get(reverse("disbursement:carry_over")).status_code == 200
    data = {
        "from_year": "2024",
        "decision_no": "01/QĐ-UBND",
        "decision_date": "2025-01-05",
        "decision_body": "UBND tỉnh Bắc Kạn",
    }
    response = client.post(reverse("disbursement:carry_over"), data, follow=True)
    assert "Đã chuyển 2 khoản, tổng 1.100 đồng, sang năm 2025." in page(response)
    carried = Allocation.objects.filter(year=2025)
    assert sorted(carried.values_list("unit__code", "amount", "origin_year")) == [
        ("061", 600, 2024),
        ("064", 500, 2024),
    ]
    assert listed(response) == set(carried.values_list("pk", flat=True))  # the list of what was carried
    response = client.post(reverse("disbursement:carry_over"), data, follow=True)
    assert "Đã chuyển 0 khoản, tổng 0 đồng, sang năm 2025." in page(response)
    assert Allocation.objects.filter(year=2025).count() == 2
    assert client_as(district_user).post(reverse("disbursement:carry_over"), data).status_code == 403
    assert Allocation.objects.filter(year=2025).count() == 2


def test_a_carry_over_decided_before_the_year_ended_is_refused_on_its_field(
    make_allocation, client_as, province_user, clock
):
    a = make_allocation(amount=1_000)
    clock(datetime.date(2025, 1, 10))
    client = client_as(province_user)
    data = {
        "from_year": "2024",
        "decision_no": "01/QĐ-UBND",
        "decision_date": "2024-12-31",
        "decision_body": "UBND tỉnh Bắc Kạn",
    }
    response = client.post(reverse("disbursement:carry_over"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["decision_date"] == [
        "Quyết định chuyển nguồn của năm 2024 phải ban hành trong năm 2025."
    ]
    assert not Allocation.objects.filter(year=2025).exists()
    client.post(reverse("disbursement:carry_over"), {**data, "decision_date": "2025-01-05"})
    detail = client.get(a.get_absolute_url()).text
    assert "Số dư đã chuyển nguồn sang năm 2025." in detail
    for name in ("plan_edit", "allocation_adjust", "allocation_edit", "allocation_delete"):
        assert reverse(f"disbursement:{name}", args=[a.pk]) not in detail  # the balance lives on next year's row
    carried = Allocation.objects.get(year=2025)
    assert reverse("disbursement:plan_edit", args=[carried.pk]) in client.get(carried.get_absolute_url()).text


# --- Progress --------------------------------------------------------------------------------------


def test_the_progress_page_shows_the_figures_of_the_data(make_allocation, client_as, province_user, leader, clock):
    clock(datetime.date(2023, 3, 15))
    make_allocation(amount=77_000, year=2023, origin_year=2023, decision_date=datetime.date(2023, 2, 1))
    clock(datetime.date(2024, 7, 15))
    investment = make_allocation(amount=1_000_000_000)
    recurrent = make_allocation(
        amount=500_000_000,
        unit=unit("064"),
        capital_type="recurrent",
        project=Project.objects.get(code="DA1"),
        subproject=None,
        decision_no="40/QĐ-UBND",
    )
    carried = make_allocation(amount=300_000_000, origin_year=2023, decision_no="41/QĐ-UBND")
    disburse(investment, actor=province_user, amount=200_000_000, day=datetime.date(2024, 6, 30))
    disburse(investment, actor=province_user, amount=100_000_000, day=datetime.date(2024, 7, 1), voucher="after")
    disburse(recurrent, actor=province_user, amount=13_500_000, day=datetime.date(2024, 4, 1))
    disburse(carried, actor=province_user, amount=30_000_000, day=datetime.date(2024, 2, 1))

    for user in (province_user, leader):
        response = client_as(user).get(
            reverse("disbursement:progress"), {"unit": "06", "year": "2024", "as_of": "2024-06-30"}
        )
        assert response.status_code == 200
        progress = response.context["progress"]
        assert progress.by_type["investment"].as_dict() == {
            "allocated": 1_300_000_000,
            "disbursed": 230_000_000,
            "rate": progress.by_type["investment"].rate,
        }
        assert str(progress.by_type["investment"].rate) == "17.7"
        assert (progress.by_type["recurrent"].allocated, progress.by_type["recurrent"].disbursed) == (
            500_000_000,
            13_500_000,
        )
        assert progress.by_type_origin[("investment", True)].allocated == 300_000_000
        html = page(response)
        assert "17,7%" in html
        assert "2,7%" in html
        assert "1.800.000.000" in html  # total allocated
        assert "243.500.000" in html  # total disbursed by 30/06
        assert "Huyện Ba Bể" in html
        assert "Huyện Chợ Đồn" in html


def test_the_progress_page_stays_in_scope_and_survives_bad_parameters(client_as, district_user, clock):
    client = client_as(district_user)
    assert client.get(reverse("disbursement:progress"), {"unit": "06", "year": "2024"}).status_code == 404
    assert client.get(reverse("disbursement:progress"), {"unit": "064"}).status_code == 404
    response = client.get(reverse("disbursement:progress"))
    assert response.status_code == 200
    assert response.context["unit"] == unit("061")
    for query in ({"year": "abc"}, {"year": "99999"}, {"year": "0"}, {"as_of": "2024-02-30"}, {"as_of": "x"}):
        assert client.get(reverse("disbursement:progress"), query).status_code == 200, query


def test_the_progress_page_names_projects_and_subprojects(client_as, province_user, make_allocation):
    make_allocation()
    page = client_as(province_user).get("/ledger/progress/?unit=06&year=2024")
    assert "Đầu tư cơ sở hạ tầng thiết yếu" in page.text  # DA4.TDA1's name
    assert "None" not in page.text
