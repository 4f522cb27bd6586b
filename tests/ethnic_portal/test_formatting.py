from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from ethnic_portal.formatting import compute_rate, format_rate, format_trieu, format_ty, format_vnd


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "0"), (999, "999"), (1000, "1.000"), (1234567, "1.234.567"), (-1234567, "-1.234.567"), (None, "")],
)
def test_money_in_whole_dong_with_dots(amount, text):
    assert format_vnd(amount) == text


def test_rates_with_a_decimal_comma():
    assert format_rate(Decimal("2.7")) == "2,7%"
    assert format_rate(Decimal("100")) == "100,0%"
    assert format_rate(0) == "0,0%"


def test_the_seed_report_figures_read_the_vietnamese_way():
    assert format_ty(478_000_000_000) == "478 tỷ đồng"
    assert format_ty(343_769_000_000, 3) == "343,769 tỷ đồng"
    assert format_rate(compute_rate(16_000_000_000, 595_000_000_000)) == "2,7%"
    assert format_trieu(1_500_000) == "2"  # half-up in triệu
    assert format_trieu(1_234_567_890, 3) == "1.234,568"


def test_rate_is_half_up_to_one_decimal_and_zero_when_nothing_is_allocated():
    assert compute_rate(1, 40) == Decimal("2.5")
    assert compute_rate(1, 80) == Decimal("1.3")  # 1.25 → 1.3, not banker's 1.2
    assert compute_rate(5, 0) == Decimal("0.0")
    assert compute_rate(94_000_000_000, 478_000_000_000) == Decimal("19.7")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_formatted_money_reads_back_to_the_same_integer(amount):
    text = format_vnd(amount)
    assert int(text.replace(".", "")) == amount
    assert "," not in text


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=10**15))
def test_rate_is_within_half_a_tenth_of_the_exact_ratio(part, whole):
    exact = Decimal(part) * 100 / Decimal(whole)
    assert abs(compute_rate(part, whole) - exact) <= Decimal("0.05")


def test_template_filters():
    html = Template("{% load vn_format %}{{ a|vnd }} {{ r|rate }} {{ a|ty }}").render(
        Context({"a": 478_123_000_000, "r": Decimal("19.7")})
    )
    assert html == "478.123.000.000 19,7% 478 tỷ đồng"
