"""The pure pieces of `make bench` (bench/run.py, bench/harness.py): percentiles, the live-figure comparison, the
figures read from a page, the result table. The benchmark itself runs against a generated nation (make bench)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402
import run  # noqa: E402


def test_percentile_interpolates_between_ranks():
    values = list(range(1, 51))  # 1..50, shuffled order must not matter
    values.reverse()
    assert harness.percentile(values, 50) == pytest.approx(25.5)
    assert harness.percentile(values, 95) == pytest.approx(47.55)
    assert harness.percentile(values, 100) == 50
    assert harness.percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError, match="no values"):
        harness.percentile([], 50)


def test_vietnamese_numbers():
    assert harness.vn_number(1234567) == "1.234.567"
    assert harness.vn_number(1234.56, 1) == "1.234,6"
    assert harness.ms(0.1234) == "123 ms"
    assert harness.ms(0.00234) == "2,3 ms"
    assert harness.secs(2.26) == "2,3 s"
    assert harness.secs(612.4) == "612 s"


def _response(text: str, content_type: str = "text/html; charset=utf-8"):
    return SimpleNamespace(
        text=text, headers={"Content-Type": content_type}, json=lambda: __import__("json").loads(text)
    )


def test_numbers_of_a_page_are_its_shown_figures_not_its_attributes():
    page = _response(
        '<input name="csrfmiddlewaretoken" value="a1b2c3"><div class="col-12">'
        '<td class="num">1.657.706.000</td><td>3,376 tỷ</td><td>49,1%</td><span>2026</span></div>'
    )
    assert run._numbers(page) == [1657706000, 2026]


def test_numbers_of_json_by_path():
    body = _response(
        '{"unit": "52", "investment": {"allocated": 10, "disbursed": 4, "rate": 40.0}, "ok": true}',
        "application/json",
    )
    assert run._numbers(body) == [10, 4]


def test_grew_by_needs_the_exact_amount_at_the_same_place():
    assert run._grew_by([5, 100, 7], [5, 107, 7], 7)
    assert not run._grew_by([5, 100, 7], [5, 106, 8], 7)
    assert not run._grew_by([107, 5], [100, 5], 7)  # fell by the amount
    assert not run._grew_by([100], [100, 7], 7)  # a figure more on the page is not a figure that grew
    assert run._grew_by({"/a": 1, "/b": 2}, {"/a": 1, "/b": 9}, 7)
    assert run._grew_by({"/a": 1}, {"/a": 1, "/new": 7}, 7)  # a new line holding the amount
    assert not run._grew_by({"/a": 1}, {"/a": 1}, 7)


def test_tables_say_which_goals_are_missed():
    rows = [
        harness.Row("Bare page", "p95 10 ms"),
        harness.Row("Province dashboard | GET /", "p95 250 ms", "p95 < 200 ms", False),
        harness.Row("Import", "12 s", "< 30 s", True),
    ]
    markdown = harness.markdown_table(rows)
    assert markdown[0] == "| measure | value | goal | met? |"
    assert markdown[2] == "| Bare page | p95 10 ms | — | — |"
    assert markdown[3] == "| Province dashboard \\| GET / | p95 250 ms | p95 < 200 ms | **NO** |"
    assert markdown[4].endswith("| yes |")
    text = "\n".join(harness.text_table(rows, width=100))
    assert "NO" in text
    assert "**" not in text
    assert all(len(line) <= 100 for line in text.splitlines())


def test_steps_always_include_the_databases():
    args = run.parse_args(["--scale", "0.01", "--steps", "pages, writers"])
    assert args.steps == {"generate", "pages", "writers"}
    assert run.parse_args([]).steps == set()
    assert run.parse_args([]).scale == 1.0
