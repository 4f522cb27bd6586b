import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from disbursement import services
from disbursement.models import Allocation, AllocationAdjustment, Disbursement, PeriodEvent, PlanLine, YearSetting
from programs.models import Project, SubProject
from tests.factories import unit


def messages_of(error) -> dict:
    return error.value.message_dict


# --- Allocations ---------------------------------------------------------------------------------


def test_a_district_officer_allocates_capital_and_history_names_them(make_allocation, district_user):
    allocation = make_allocation(actor=district_user)
    assert allocation.amount == 1_000_000_000
    assert not allocation.is_carried_over
    record = allocation.history.get()
    assert record.history_user == district_user
    assert record.history_type == "+"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-5, "Số tiền phải lớn hơn 0."),
        (0, "Số tiền phải lớn hơn 0."),
        (1.5, "Số tiền phải là số nguyên đồng."),
        ("10", "Số tiền phải là số nguyên đồng."),
        (True, "Số tiền phải là số nguyên đồng."),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(make_allocation, amount, message):
    with pytest.raises(ValidationError) as error:
        make_allocation(amount=amount)
    assert messages_of(error)["amount"] == [message]
    assert not Allocation.objects.exists()


def test_a_unit_outside_scope_is_refused(make_allocation, district_user):
    with pytest.raises(PermissionDenied):
        make_allocation(actor=district_user, unit=unit("064"))
    assert not Allocation.objects.exists()


def test_a_leader_writes_nothing(make_allocation, leader):
    with pytest.raises(PermissionDenied):
        make_allocation(actor=leader)
    assert not Allocation.objects.exists()


def test_a_unit_that_no_longer_exists_in_the_year_is_refused(make_allocation, clock, new_province_user):
    clock(datetime.date(2026, 11, 26))
    with pytest.raises(ValidationError) as error:
        make_allocation(actor=new_province_user, year=2026, origin_year=2025, decision_date=datetime.date(2026, 1, 10))
    assert "không còn tồn tại trong năm 2026" in messages_of(error)["unit"][0]


def test_the_project_tree_must_match(make_allocation):
    with pytest.raises(ValidationError) as error:
        make_allocation(subproject=None)
    assert messages_of(error)["subproject"] == ["Dự án DA4 có tiểu dự án: phải chọn tiểu dự án."]
    with pytest.raises(ValidationError) as error:
        make_allocation(subproject=SubProject.objects.get(code="DA3.TDA1"))
    assert "không thuộc DA4" in messages_of(error)["subproject"][0]
    with pytest.raises(ValidationError) as error:
        make_allocation(project=Project.objects.get(code="DA7"), subproject=None)
    assert messages_of(error)["capital_type"] == ["DA7 không có vốn đầu tư phát triển."]


def test_phase_two_years_take_only_carried_phase_one_capital(make_allocation, clock, new_province_user):
    clock(datetime.date(2026, 11, 26))
    commune = unit("01912", current=True)
    with pytest.raises(ValidationError) as error:
        make_allocation(
            actor=new_province_user, unit=commune, year=2026, origin_year=2026, decision_date=datetime.date(2026, 8, 1)
        )
    assert "không thuộc cơ cấu áp dụng cho vốn năm 2026" in messages_of(error)["project"][0]
    carried = make_allocation(
        actor=new_province_user, unit=commune, year=2026, origin_year=2025, decision_date=datetime.date(2026, 8, 1)
    )
    assert carried.is_carried_over


def test_the_same_decision_cannot_allocate_the_same_line_twice(make_allocation):
    first = make_allocation()
    with pytest.raises(ValidationError) as error:
        make_allocation(amount=5)
    assert f"phân bổ số {first.pk}" in messages_of(error)["decision_no"][0]
    assert Allocation.objects.count() == 1


def test_a_future_decision_date_is_refused(make_allocation):
    with pytest.raises(ValidationError) as error:
        make_allocation(decision_date=datetime.date(2024, 8, 1))
    assert messages_of(error)["decision_date"] == ["Ngày quyết định không được sau hôm nay."]


def test_an_adjustment_keeps_both_decisions(make_allocation, province_user):
    allocation = make_allocation()
    services.disbursement_create(
        actor=province_user,
        allocation=allocation,
        date=datetime.date(2024, 3, 1),
        amount=300_000_000,
        voucher_no="KB-1",
    )
    adjustment = services.allocation_adjust(
        actor=province_user,
        allocation=allocation,
        new_amount=800_000_000,
        decision_no="45/QĐ-UBND",
        decision_date=datetime.date(2024, 6, 1),
        decision_body="UBND tỉnh Bắc Kạn",
        reason="Điều chuyển vốn",
    )
    allocation.refresh_from_db()
    assert allocation.amount == 800_000_000
    assert allocation.decision_no == "12/QĐ-UBND"
    assert (adjustment.previous_amount, adjustment.previous_decision_no, adjustment.decision_no) == (
        1_000_000_000,
        "12/QĐ-UBND",
        "45/QĐ-UBND",
    )
    assert allocation.history.first().history_change_reason == "Điều chỉnh theo quyết định 45/QĐ-UBND"
    with pytest.raises(ValidationError) as error:
        services.allocation_adjust(
            actor=province_user,
            allocation=allocation,
            new_amount=200_000_000,
            decision_no="46",
            decision_date=datetime.date(2024, 7, 1),
            decision_body="UBND",
        )
    assert "không được nhỏ hơn số đã giải ngân (300.000.000 đồng)" in messages_of(error)["new_amount"][0]
    assert AllocationAdjustment.objects.count() == 1


def test_an_allocation_with_disbursements_is_not_deleted(make_allocation, province_user):
    allocation = make_allocation()
    services.disbursement_create(
        actor=province_user, allocation=allocation, date=datetime.date(2024, 3, 1), amount=1, voucher_no="KB-1"
    )
    with pytest.raises(ValidationError, match="xóa các khoản giải ngân trước"):
        services.allocation_delete(actor=province_user, allocation=allocation)
    assert Allocation.objects.filter(pk=allocation.pk).exists()


# --- Disbursements -------------------------------------------------------------------------------


def test_a_disbursement_is_recorded_with_history(make_allocation, district_user):
    allocation = make_allocation()
    disbursement = services.disbursement_create(
        actor=district_user,
        allocation=allocation,
        date=datetime.date(2024, 5, 20),
        amount=250_000_000,
        voucher_no="KB-0001",
    )
    assert disbursement.history.get().history_user == district_user


def test_a_disbursement_above_the_remaining_balance_is_refused(make_allocation, district_user):
    allocation = make_allocation(amount=100)
    services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 5, 1), amount=60, voucher_no="A"
    )
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=district_user, allocation=allocation, date=datetime.date(2024, 5, 2), amount=41, voucher_no="B"
        )
    assert messages_of(error)["amount"] == ["Số tiền 41 đồng vượt số vốn còn lại của phân bổ (40 đồng)."]
    assert Disbursement.objects.count() == 1


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (datetime.date(2023, 12, 31), "Ngày giải ngân phải trong năm ngân sách 2024 (từ 01/01/2024 đến 31/12/2024)."),
        (datetime.date(2024, 7, 16), "Ngày giải ngân không được sau hôm nay."),
    ],
)
def test_the_date_must_lie_in_the_allocations_year(make_allocation, district_user, day, message):
    allocation = make_allocation()
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(actor=district_user, allocation=allocation, date=day, amount=1, voucher_no="X")
    assert messages_of(error)["date"] == [message]


def test_carried_over_capital_is_disbursed_inside_the_provinces_extension(
    make_allocation, district_user, province_user, clock
):
    carried = make_allocation(origin_year=2023)
    clock(datetime.date(2024, 12, 20))
    services.year_setting_save(
        actor=province_user,
        province=unit("06"),
        year=2024,
        h1_deadline=datetime.date(2024, 9, 20),
        year_deadline=datetime.date(2025, 2, 5),
        carryover_deadline=datetime.date(2024, 9, 30),
    )
    services.disbursement_create(
        actor=district_user, allocation=carried, date=datetime.date(2024, 9, 30), amount=1, voucher_no="A"
    )
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=district_user, allocation=carried, date=datetime.date(2024, 10, 1), amount=1, voucher_no="B"
        )
    assert messages_of(error)["date"] == [
        "Vốn năm 2023 chuyển sang chỉ được giải ngân từ 01/01/2024 đến 30/09/2024 (hạn do tỉnh quy định)."
    ]


def test_a_voucher_is_recorded_once_per_allocation(make_allocation, district_user):
    allocation = make_allocation()
    services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 5, 1), amount=1, voucher_no="KB-9"
    )
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=district_user, allocation=allocation, date=datetime.date(2024, 5, 2), amount=1, voucher_no="KB-9"
        )
    assert messages_of(error)["voucher_no"] == ["Chứng từ KB-9 đã được ghi cho phân bổ này."]


def test_an_edit_checks_the_balance_without_counting_itself(make_allocation, district_user):
    allocation = make_allocation(amount=100)
    disbursement = services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 5, 1), amount=60, voucher_no="A"
    )
    services.disbursement_update(actor=district_user, disbursement=disbursement, amount=100)
    with pytest.raises(ValidationError):
        services.disbursement_update(actor=district_user, disbursement=disbursement, amount=101)
    disbursement.refresh_from_db()
    assert disbursement.amount == 100
    assert disbursement.history.count() == 2


# --- Plans ---------------------------------------------------------------------------------------


def test_a_monthly_plan_is_kept_with_history_and_capped_by_the_allocation(make_allocation, district_user):
    allocation = make_allocation(amount=1_000)
    services.plan_set(actor=district_user, allocation=allocation, months={3: 200, 6: 300, 9: 500})
    assert dict(PlanLine.objects.values_list("month", "amount")) == {3: 200, 6: 300, 9: 500}
    services.plan_set(actor=district_user, allocation=allocation, months={3: 200, 6: 400, 9: 400})
    assert PlanLine.history.filter(allocation_id=allocation.pk).count() == 5
    with pytest.raises(ValidationError) as error:
        services.plan_set(actor=district_user, allocation=allocation, months={3: 600, 6: 600})
    assert messages_of(error)["months"] == ["Tổng kế hoạch 1.200 đồng vượt số vốn giao 1.000 đồng."]
    with pytest.raises(ValidationError) as error:
        services.plan_set(actor=district_user, allocation=allocation, months={3: -1})
    assert "month_3" in messages_of(error)


# --- Carry-over ----------------------------------------------------------------------------------


def test_carry_over_moves_each_remaining_balance_exactly_once(make_allocation, province_user, clock):
    a = make_allocation(amount=1_000)
    b = make_allocation(amount=500, decision_no="13/QĐ-UBND")
    make_allocation(amount=300, decision_no="14/QĐ-UBND", unit=unit("064"))
    services.disbursement_create(
        actor=province_user, allocation=a, date=datetime.date(2024, 6, 1), amount=400, voucher_no="A"
    )
    services.disbursement_create(
        actor=province_user, allocation=b, date=datetime.date(2024, 6, 1), amount=500, voucher_no="B"
    )
    clock(datetime.date(2025, 1, 10))
    decision = {
        "decision_no": "01/QĐ-UBND",
        "decision_date": datetime.date(2025, 1, 5),
        "decision_body": "UBND tỉnh Bắc Kạn",
    }
    created = services.carry_over(actor=province_user, province=unit("06"), from_year=2024, **decision)
    assert sorted(c.amount for c in created) == [300, 600]
    assert all(c.year == 2025 and c.origin_year == 2024 and c.is_carried_over for c in created)
    assert services.carry_over(actor=province_user, province=unit("06"), from_year=2024, **decision) == []
    assert Allocation.objects.filter(year=2025).count() == 2
    with pytest.raises(ValidationError, match="đã chuyển nguồn sang năm 2025"):
        services.disbursement_create(
            actor=province_user, allocation=a, date=datetime.date(2024, 12, 30), amount=1, voucher_no="late"
        )
    assert Disbursement.objects.filter(allocation__year=2024).count() == 2


def test_a_balance_of_a_unit_abolished_in_2025_goes_to_its_successor(make_allocation, new_province_user, clock):
    clock(datetime.date(2025, 6, 1))
    allocation = make_allocation(
        actor=new_province_user,
        year=2025,
        origin_year=2025,
        unit=unit("01888"),
        decision_date=datetime.date(2025, 2, 1),
    )
    clock(datetime.date(2026, 1, 10))
    created = services.carry_over(
        actor=new_province_user,
        province=unit("19", current=True),
        from_year=2025,
        decision_no="02/QĐ-UBND",
        decision_date=datetime.date(2026, 1, 5),
        decision_body="UBND tỉnh Thái Nguyên",
    )
    assert [c.unit for c in created] == []  # old Bắc Kạn is not under the new province's path
    created = services.carry_over(
        actor=new_province_user,
        province=unit("06"),
        from_year=2025,
        decision_no="02/QĐ-UBND",
        decision_date=datetime.date(2026, 1, 5),
        decision_body="UBND tỉnh Thái Nguyên",
    )
    assert [c.unit for c in created] == [unit("01912", current=True)]
    assert created[0].carried_from == allocation


def test_only_the_province_carries_over(make_allocation, district_user):
    with pytest.raises(PermissionDenied):
        services.carry_over(
            actor=district_user,
            province=unit("06"),
            from_year=2024,
            decision_no="x",
            decision_date=datetime.date(2025, 1, 1),
            decision_body="x",
        )


# --- Periods -------------------------------------------------------------------------------------


def test_submit_approve_lock_and_reopen_for_that_unit_alone(
    make_allocation, district_user, other_district_user, province_user
):
    allocation = make_allocation()
    other = make_allocation(unit=unit("064"), decision_no="99/QĐ-UBND")
    h1 = services.period_for(unit("061"), 2024, "H1")
    services.period_submit(actor=district_user, period=h1, comment="Số liệu 6 tháng")
    services.period_approve(actor=province_user, period=h1)
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=district_user, allocation=allocation, date=datetime.date(2024, 6, 30), amount=1, voucher_no="L"
        )
    message = error.value.messages[0]
    assert "6 tháng đầu năm năm 2024 của Huyện Ba Bể đã được phê duyệt" in message
    assert "Ban Dân tộc tỉnh có thể mở lại kỳ này cho riêng đơn vị" in message
    # July is outside H1: still open. Another district is untouched.
    services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 7, 1), amount=1, voucher_no="J"
    )
    services.disbursement_create(
        actor=other_district_user, allocation=other, date=datetime.date(2024, 6, 30), amount=1, voucher_no="O"
    )
    with pytest.raises(ValidationError, match="đã được phê duyệt"):
        services.allocation_update(actor=province_user, allocation=allocation, note="sửa")
    later = make_allocation(decision_no="7/QĐ", decision_date=datetime.date(2024, 7, 2))  # decided after H1: open
    services.allocation_update(actor=province_user, allocation=later, note="sửa")
    services.period_reopen(actor=province_user, period=h1, comment="Bổ sung chứng từ tháng 6")
    services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 6, 30), amount=1, voucher_no="L"
    )
    actions = list(PeriodEvent.objects.filter(period=h1).values_list("action", "actor__username"))
    assert actions == [("submit", "huyen_babe"), ("approve", "tinh"), ("reopen", "tinh")]


def test_who_may_move_a_period(district_user, commune_user, province_user, leader):
    period = services.period_for(unit("061"), 2024, "H1")
    with pytest.raises(PermissionDenied):
        services.period_submit(actor=commune_user, period=period)
    with pytest.raises(PermissionDenied):
        services.period_submit(actor=leader, period=period)
    services.period_submit(actor=district_user, period=period)
    with pytest.raises(PermissionDenied):
        services.period_approve(actor=district_user, period=period)
    with pytest.raises(ValidationError) as error:
        services.period_return(actor=province_user, period=period, comment="  ")
    assert messages_of(error)["comment"] == ["Phải ghi lý do trả lại để đơn vị biết cần sửa gì."]
    services.period_return(actor=province_user, period=period, comment="Thiếu chứng từ")
    with pytest.raises(ValidationError, match="Không thể phê duyệt"):
        services.period_approve(actor=province_user, period=period)


def test_late_entry_needs_the_provinces_reopening(make_allocation, district_user, province_user, clock):
    allocation = make_allocation()
    clock(datetime.date(2024, 9, 21))  # H1 deadline 20/09 by default
    with pytest.raises(ValidationError) as error:
        services.disbursement_create(
            actor=district_user, allocation=allocation, date=datetime.date(2024, 6, 10), amount=1, voucher_no="late"
        )
    assert "Đã quá hạn nhập số liệu 6 tháng đầu năm năm 2024 (hạn 20/09/2024)" in error.value.messages[0]
    services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 9, 1), amount=1, voucher_no="ok"
    )
    services.period_reopen(
        actor=province_user, period=services.period_for(unit("061"), 2024, "H1"), comment="Cho nhập bổ sung"
    )
    services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 6, 10), amount=1, voucher_no="late"
    )


def test_year_settings_are_checked(province_user):
    with pytest.raises(ValidationError) as error:
        services.year_setting_save(
            actor=province_user,
            province=unit("06"),
            year=2024,
            h1_deadline=datetime.date(2024, 6, 1),
            year_deadline=datetime.date(2024, 12, 1),
            carryover_deadline=datetime.date(2025, 3, 1),
        )
    assert set(messages_of(error)) == {"h1_deadline", "year_deadline", "carryover_deadline"}
    assert not YearSetting.objects.exists()


def test_the_first_year_setting_is_one_history_row_naming_the_actor(province_user):
    deadlines = {
        "h1_deadline": datetime.date(2024, 9, 30),
        "year_deadline": datetime.date(2025, 2, 15),
        "carryover_deadline": datetime.date(2024, 11, 30),
    }
    services.year_setting_save(actor=province_user, province=unit("06"), year=2024, **deadlines)
    assert list(YearSetting.history.values_list("history_type", "history_user", "h1_deadline")) == [
        ("+", province_user.pk, datetime.date(2024, 9, 30))
    ]
    services.year_setting_save(
        actor=province_user, province=unit("06"), year=2024, **{**deadlines, "h1_deadline": datetime.date(2024, 10, 5)}
    )
    assert YearSetting.objects.get().h1_deadline == datetime.date(2024, 10, 5)
    assert list(YearSetting.history.order_by("history_id").values_list("history_type", "history_user")) == [
        ("+", province_user.pk),
        ("~", province_user.pk),
    ]


# --- Found by the property tests (test_properties.py) --------------------------------------------


def test_deleting_an_allocation_records_who_deleted_its_plan(make_allocation, district_user):
    allocation = make_allocation(amount=1_000)
    services.plan_set(actor=district_user, allocation=allocation, months={3: 200, 9: 500})
    services.allocation_delete(actor=district_user, allocation=allocation)
    deleted = PlanLine.history.filter(history_type="-").values_list("month", "history_user")
    assert sorted(deleted) == [(3, district_user.pk), (9, district_user.pk)]


def test_an_allocation_whose_plan_lies_in_a_locked_period_is_not_deleted(make_allocation, district_user):
    allocation = make_allocation(amount=1_000, decision_date=datetime.date(2024, 7, 2))
    services.plan_set(actor=district_user, allocation=allocation, months={3: 200})
    services.period_submit(actor=district_user, period=services.period_for(unit("061"), 2024, "H1"))
    with pytest.raises(ValidationError, match="đã được gửi phê duyệt"):
        services.allocation_delete(actor=district_user, allocation=allocation)
    assert PlanLine.objects.filter(allocation=allocation).exists()


def test_moving_an_allocation_does_not_take_disbursements_out_of_a_locked_period(
    make_allocation, district_user, other_district_user, province_user
):
    # Decided in July (outside H1), disbursed in June (inside H1), then H1 is approved.
    allocation = make_allocation(decision_date=datetime.date(2024, 7, 2))
    services.disbursement_create(
        actor=district_user, allocation=allocation, date=datetime.date(2024, 6, 10), amount=5, voucher_no="KB-6"
    )
    h1 = services.period_for(unit("061"), 2024, "H1")
    services.period_submit(actor=district_user, period=h1)
    services.period_approve(actor=province_user, period=h1)
    with pytest.raises(ValidationError, match="Huyện Ba Bể đã được phê duyệt"):
        services.allocation_update(actor=province_user, allocation=allocation, unit=unit("064"))
    allocation.refresh_from_db()
    assert allocation.unit == unit("061")
    # Nor into another district's locked period.
    services.period_reopen(actor=province_user, period=h1, comment="Chuyển phân bổ sang Chợ Đồn")
    other_h1 = services.period_for(unit("064"), 2024, "H1")
    services.period_submit(actor=other_district_user, period=other_h1)
    with pytest.raises(ValidationError, match="Huyện Chợ Đồn đã được gửi phê duyệt"):
        services.allocation_update(actor=province_user, allocation=allocation, unit=unit("064"))
    services.period_return(actor=province_user, period=other_h1, comment="Nhận thêm phân bổ")
    services.allocation_update(actor=province_user, allocation=allocation, unit=unit("064"))
    allocation.refresh_from_db()
    assert allocation.unit == unit("064")


def _carry(actor, **overrides):
    decision = {
        "decision_no": "01/QĐ-UBND",
        "decision_date": datetime.date(2025, 1, 5),
        "decision_body": "UBND tỉnh Bắc Kạn",
        **overrides,
    }
    return services.carry_over(actor=actor, province=unit("06"), from_year=2024, **decision)


def test_carry_over_refuses_a_locked_next_year_a_future_date_and_no_issuing_body(
    make_allocation, district_user, province_user, clock
):
    make_allocation(amount=1_000)
    clock(datetime.date(2025, 1, 10))
    with pytest.raises(ValidationError) as error:
        _carry(province_user, decision_date=datetime.date(2025, 1, 11), decision_body=" ")
    assert messages_of(error) == {
        "decision_date": ["Ngày quyết định không được sau hôm nay."],
        "decision_body": ["Phải nhập cơ quan ban hành quyết định."],
    }
    services.period_submit(actor=district_user, period=services.period_for(unit("061"), 2025, "H1"))
    with pytest.raises(ValidationError, match="6 tháng đầu năm năm 2025 của Huyện Ba Bể đã được gửi phê duyệt"):
        _carry(province_user)
    assert not Allocation.objects.filter(year=2025).exists()


def test_the_amount_may_not_fall_below_the_monthly_plan(make_allocation, district_user, province_user):
    allocation = make_allocation(amount=1_000)
    services.plan_set(actor=district_user, allocation=allocation, months={3: 200, 9: 500})
    decision = {"decision_no": "45/QĐ-UBND", "decision_date": datetime.date(2024, 6, 1), "decision_body": "UBND tỉnh"}
    with pytest.raises(ValidationError) as error:
        services.allocation_adjust(actor=province_user, allocation=allocation, new_amount=699, **decision)
    assert messages_of(error) == {
        "new_amount": [
            "Số vốn 699 đồng nhỏ hơn tổng kế hoạch giải ngân theo tháng (700 đồng): giảm kế hoạch tháng trước."
        ]
    }
    with pytest.raises(ValidationError) as error:
        services.allocation_update(actor=district_user, allocation=allocation, amount=600)
    assert list(messages_of(error)) == ["amount"]
    allocation.refresh_from_db()
    assert allocation.amount == 1_000
    assert not AllocationAdjustment.objects.exists()
    services.allocation_adjust(actor=province_user, allocation=allocation, new_amount=700, **decision)  # equal: fits
    services.plan_set(actor=district_user, allocation=allocation, months={3: 200})
    services.allocation_update(actor=district_user, allocation=allocation, amount=200)
    assert Allocation.objects.get(pk=allocation.pk).amount == 200


def test_carry_over_is_decided_after_the_year_and_for_a_whole_province(make_allocation, province_user, clock):
    source = make_allocation(amount=1_000)
    clock(datetime.date(2025, 1, 10))
    with pytest.raises(ValidationError) as error:
        _carry(province_user, decision_date=datetime.date(2024, 12, 31))  # the year has not ended
    assert messages_of(error) == {
        "decision_date": ["Quyết định chuyển nguồn của năm 2024 phải ban hành trong năm 2025."]
    }
    with pytest.raises(ValidationError) as error:
        services.carry_over(
            actor=province_user,
            province=unit("061"),
            from_year=2024,
            decision_no="01/QĐ-UBND",
            decision_date=datetime.date(2025, 1, 5),
            decision_body="UBND tỉnh Bắc Kạn",
        )
    assert list(messages_of(error)) == ["province"]
    assert not Allocation.objects.filter(year=2025).exists()
    [carried] = _carry(province_user)
    assert carried.carried_from == source


def test_the_monthly_plan_of_a_carried_balance_is_set_on_the_next_year_row(
    make_allocation, district_user, province_user, clock
):
    source = make_allocation(amount=1_000)
    clock(datetime.date(2025, 1, 10))
    [carried] = _carry(province_user)
    with pytest.raises(ValidationError, match="đã chuyển nguồn sang năm 2025: lập kế hoạch tháng cho phân bổ năm 2025"):
        services.plan_set(actor=district_user, allocation=source, months={12: 100})
    assert not PlanLine.objects.exists()
    services.plan_set(actor=district_user, allocation=carried, months={3: 1_000})
    assert list(PlanLine.objects.values_list("allocation_id", "amount")) == [(carried.pk, 1_000)]


def test_a_carried_balance_keeps_its_year_line_and_amount(make_allocation, province_user, clock):
    make_allocation(amount=1_000)
    clock(datetime.date(2025, 1, 10))
    (carried,) = _carry(province_user)
    for change in ({"year": 2024}, {"amount": 5_000}, {"source": "local"}, {"origin_year": 2025}):
        with pytest.raises(ValidationError) as error:
            services.allocation_update(actor=province_user, allocation=carried, **change)
        assert "là số dư chuyển nguồn từ phân bổ số" in messages_of(error)[next(iter(change))][0]
    services.allocation_update(actor=province_user, allocation=carried, note="Số dư năm 2024")
    carried.refresh_from_db()
    assert (carried.year, carried.amount, carried.note) == (2025, 1_000, "Số dư năm 2024")
    services.allocation_adjust(
        actor=province_user,
        allocation=carried,
        new_amount=800,
        decision_no="02/QĐ-UBND",
        decision_date=datetime.date(2025, 1, 8),
        decision_body="UBND tỉnh Bắc Kạn",
    )
