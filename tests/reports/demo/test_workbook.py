"""The reports built on the demo, read back with openpyxl: every total and subtotal equals the sum of its lines, the
figures equal the progress API, the layout is the official one, and LibreOffice opens the file."""

import datetime
import re
import shutil
import subprocess
from decimal import Decimal
from itertools import combinations

import pytest

from beneficiaries.models import HouseholdSupport
from disbursement.models import Period
from ethnic_portal.formatting import compute_rate
from reports.excel import activities, capital, households, low_rate, persons, subunits
from reports.excel.common import COUNT_FORMAT, MONEY_FORMAT, RATE_FORMAT
from tests.factories import unit
from tests.reports.conftest import as_decimal, check_sums, children_of, depth, open_report, table

FORMS = [capital, subunits, persons, households, activities, low_rate]
MILLION = Decimal(1_000_000)


def additive(form) -> list[int]:
    return [index for index, column in enumerate(form.COLUMNS) if column.additive]


def column(form, key: str) -> int:
    return [c.key for c in form.COLUMNS].index(key)


def money(value) -> int:
    """A cell in triệu đồng back to whole đồng (exact: the cell holds the Decimal's digits)."""
    amount = as_decimal(value) * MILLION
    assert amount == amount.to_integral_value(), value
    return int(amount)


@pytest.mark.parametrize("name", ["province", "district", "commune", "province_2026", "commune_2026"])
def test_every_total_and_subtotal_equals_the_sum_of_its_lines(jobs, name):
    job = jobs[name]
    assert job.status == "done", job.error
    book = open_report(job)
    checked = 0
    for form in FORMS:
        _start, rows = table(book[form.SHEET])
        checked += check_sums(rows, additive(form))
        if form in (capital, subunits, low_rate):
            rate, allocated, disbursed = column(form, "rate"), column(form, "allocated"), column(form, "disbursed")
            for row in rows:  # the rate of every row from its own sums, never an average of rates
                expected = compute_rate(money(row[disbursed]), money(row[allocated]))
                assert as_decimal(row[rate]) == expected, row[:2]
        if form in (capital, subunits):
            for row in rows:  # the sources add up to the total, and remaining = plan − disbursed
                for measure in ("allocated", "disbursed"):
                    parts = sum(as_decimal(row[column(form, f"{measure}_{s}")]) for s in ("central", "local", "other"))
                    assert as_decimal(row[column(form, measure)]) == parts, row[:2]
                remaining = as_decimal(row[column(form, "allocated")]) - as_decimal(row[column(form, "disbursed")])
                assert as_decimal(row[column(form, "remaining")]) == remaining
    assert checked > 100


def test_the_province_half_year_equals_the_progress_api(jobs, api_as, demo_user):
    """The seed report's figures: investment 478.635 triệu allocated, 94.312 triệu disbursed by 30/06/2024."""
    _start, rows = table(open_report(jobs["province"])[capital.SHEET])
    by_stt = {}
    group = None
    for row in rows:
        if depth(row[0]) == 1:
            group = row[0]
        by_stt.setdefault((group, row[0]), row)
    allocated, disbursed, rate = column(capital, "allocated"), column(capital, "disbursed"), column(capital, "rate")
    investment, recurrent = by_stt[("I", "I")], by_stt[("II", "II")]
    assert as_decimal(investment[allocated]) == Decimal("478635")
    assert as_decimal(investment[disbursed]) == Decimal("94312")
    assert as_decimal(recurrent[allocated]) == Decimal("595418")
    assert as_decimal(recurrent[disbursed]) == Decimal("16076")

    api = api_as(demo_user("tinh.backan")).get("/api/v1/progress/?unit=06&year=2024&as_of=2024-06-30").json()
    for stt, capital_type in (("I", "investment"), ("II", "recurrent")):
        row = by_stt[(stt, stt)]
        assert money(row[allocated]) == api[capital_type]["allocated"]
        assert money(row[disbursed]) == api[capital_type]["disbursed"]
        assert as_decimal(row[rate]) == Decimal(str(api[capital_type]["rate"]))
    # Project by project: the sheet's rows 1, 2… under I and II are the API's by_project.
    sheet_projects = {}
    group = None
    for row in rows:
        if depth(row[0]) == 1:
            group = "investment" if row[0] == "I" else "recurrent"
        elif depth(row[0]) == 2:
            number = int(re.match(r"Dự án (\d+):", row[1]).group(1))
            sheet_projects[(f"DA{number}", group)] = (money(row[allocated]), money(row[disbursed]))
    api_projects = {(p["project"], p["capital_type"]): (p["allocated"], p["disbursed"]) for p in api["by_project"]}
    assert sheet_projects == api_projects
    assert jobs["province"].figures["forms"]["01"]["rows"]["investment"]["values"]["allocated"] == 478_635_000_000


def test_the_sections_are_the_units_of_that_year_and_add_up_to_the_report(jobs):
    book = open_report(jobs["province"])
    _s, capital_rows = table(book[capital.SHEET])
    _s, section_rows = table(book[subunits.SHEET])
    assert section_rows[0][1] == capital_rows[0][1] == "TỔNG SỐ"
    assert section_rows[0][2:-1] == capital_rows[0][2:-1]  # every figure of the two totals
    sections = [row[1] for row in section_rows if depth(row[0]) == 1]
    # Bắc Kạn's districts as they were in 2024 (they ended on 30/06/2025), after the province's own capital.
    districts = [u.name for u in unit("06").children.filter(level="district").order_by("code")]
    assert sections == ["Cấp tỉnh trực tiếp thực hiện", *districts]
    assert len(districts) == 8
    notes = {row[1]: row[-1] for row in section_rows if depth(row[0]) == 1}
    assert notes["Huyện Ba Bể"] == "Số liệu kỳ: Đã phê duyệt"  # H1 2024 was approved
    approvals = {a["unit"]: a["status"] for a in jobs["province"].approvals}
    assert approvals == dict(
        Period.objects.filter(year=2024, kind="H1", unit__parent__code="06").values_list("unit__code", "status")
    )


def test_the_two_level_province_has_a_section_per_commune(jobs, api_as, demo_user):
    job = jobs["province_2026"]
    _s, rows = table(open_report(job)[subunits.SHEET])
    sections = [row[1] for row in rows if depth(row[0]) == 1]
    communes = set(unit("19", current=True).children.filter(level="commune").values_list("name", flat=True))
    # The province's own capital (carried over from Bắc Kạn's provincial projects), then a section per commune.
    assert sections[0] == "Cấp tỉnh trực tiếp thực hiện"
    assert len(sections) > 10
    assert set(sections[1:]) <= communes
    _s, capital_rows = table(open_report(job)[capital.SHEET])
    api = api_as(demo_user("tinh.thainguyen")).get("/api/v1/progress/?unit=19&year=2026").json()
    allocated, disbursed = column(capital, "allocated"), column(capital, "disbursed")
    assert money(capital_rows[0][allocated]) == api["investment"]["allocated"] + api["recurrent"]["allocated"]
    assert money(capital_rows[0][disbursed]) == api["investment"]["disbursed"] + api["recurrent"]["disbursed"]


def test_a_commune_report_stands_alone(jobs):
    job = jobs["commune"]
    _s, rows = table(open_report(job)[subunits.SHEET])
    assert [row[1] for row in rows if depth(row[0]) == 1] == ["Cấp xã trực tiếp thực hiện"]
    # Chợ Rã's figures are submitted by its district, Ba Bể, whose 2024 year was still waiting for approval.
    assert job.approvals == [{"unit": "061", "name": "Huyện Ba Bể", "status": "submitted", "label": "Chờ phê duyệt"}]


def test_persons_households_and_activities_add_up(jobs):
    job = jobs["province"]
    book = open_report(job)
    _s, rows = table(book[persons.SHEET])
    assert rows[0][1] == "TỔNG SỐ"
    assert rows[0][column(persons, "persons")] is None  # persons per kind are not additive
    for row in rows:
        funders = [column(persons, f"count_{f}") for f, _label in persons.FUNDERS]
        assert as_decimal(row[column(persons, "count")]) == sum(as_decimal(row[i]) for i in funders)
        funders = [column(persons, f"amount_{f}") for f, _label in persons.FUNDERS]
        assert as_decimal(row[column(persons, "amount")]) == sum(as_decimal(row[i]) for i in funders)
    assert as_decimal(rows[0][column(persons, "count")]) > 0

    _s, rows = table(book[households.SHEET])
    parts = [row for row in rows if depth(row[0]) == 1]
    assert [p[1] for p in parts] == ["THEO DỰ ÁN VÀ NỘI DUNG HỖ TRỢ", "THEO DÂN TỘC"]
    for key in ("supports", "amount"):
        assert as_decimal(parts[0][column(households, key)]) == as_decimal(parts[1][column(households, key)]) > 0
    supported = (
        HouseholdSupport.objects.filter(
            household__unit__path__startswith=unit("06").path, year=2024, date__lte=datetime.date(2024, 6, 30)
        )
        .values("household")
        .distinct()
        .count()
    )
    assert as_decimal(parts[1][column(households, "households")]) == supported

    _s, rows = table(book[activities.SHEET])
    assert rows[0][1] == "TỔNG SỐ"
    for row in rows:
        total, male, female = (as_decimal(row[column(activities, k)]) for k in ("participants", "male", "female"))
        assert total == male + female


def test_the_low_rate_sheet_lists_the_units_under_the_threshold(jobs):
    _s, rows = table(open_report(jobs["province"])[low_rate.SHEET])
    assert rows[0][1] == "TỔNG SỐ"
    lines = [row for row in rows if depth(row[0]) == 4]
    assert lines
    assert all(as_decimal(row[column(low_rate, "rate")]) < 30 for row in lines)
    listed = {row[1] for row in rows if depth(row[0]) == 2}
    assert listed <= {u.name for u in unit("06").children.all()}


def test_the_sheets_follow_the_official_layout(jobs):
    book = open_report(jobs["province"])
    names = book.sheetnames
    assert names == [f.SHEET for f in FORMS] + ["Thông tin"]
    assert len(set(names)) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    for form in FORMS:
        ws = book[form.SHEET]
        texts = {cell.value for row in ws.iter_rows(max_row=8) for cell in row if isinstance(cell.value, str)}
        assert {"UBND TỈNH BẮC KẠN", "BAN DÂN TỘC", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"} <= texts
        assert "Độc lập - Tự do - Hạnh phúc" in texts
        assert f"Biểu số {form.FORM_NO}/BC-1719" in texts
        assert "Tỉnh Bắc Kạn – 6 tháng đầu năm 2024" in texts
        motto = next(c for row in ws.iter_rows(max_row=2) for c in row if c.value == "Độc lập - Tự do - Hạnh phúc")
        assert motto.font.underline == "single"
        assert motto.font.bold
        # Merged ranges never overlap (an overlap is what makes Excel offer to repair the file).
        ranges = list(ws.merged_cells.ranges)
        for a, b in combinations(ranges, 2):
            assert a.isdisjoint(b), (ws.title, a, b)
        start, rows = table(ws)
        header_top = 8
        assert ws.print_title_rows == f"${header_top}:${start - 1}"
        assert ws.freeze_panes == f"C{start}"
        assert ws.page_setup.orientation == "landscape"
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0
        if max(len(c.header) for c in form.COLUMNS) > 1:  # the merged multi-row header
            assert any(r.min_row == header_top and r.max_row > header_top for r in ranges)
            assert any(r.min_row == header_top and r.max_col > r.min_col for r in ranges)
        below = [cell.value for row in ws.iter_rows(min_row=start + len(rows)) for cell in row if cell.value]
        assert "NGƯỜI LẬP BIỂU" in below
        assert "THỦ TRƯỞNG ĐƠN VỊ" in below
        assert any(re.fullmatch(r"Bắc Kạn, ngày \d\d tháng \d\d năm \d{4}", str(v)) for v in below)
        for index, spec in enumerate(form.COLUMNS, start=1):
            cell = ws.cell(row=start, column=index)
            if spec.kind in ("money", "count", "rate"):
                expected = {"money": MONEY_FORMAT, "count": COUNT_FORMAT, "rate": RATE_FORMAT}[spec.kind]
                assert cell.number_format == expected, (ws.title, spec.key)
                assert cell.value is None or isinstance(cell.value, int | float), (ws.title, spec.key, cell.value)
    unit_notes = [c.value for row in book[capital.SHEET].iter_rows(max_row=8) for c in row if c.value]
    assert "ĐVT: triệu đồng" in unit_notes
    stts = [row[0] for row in table(book[capital.SHEET])[1]]
    assert {"I", "II", "1", "a", "4.1"} <= set(stts)
    assert all(children_of(table(book[capital.SHEET])[1]).get(0))  # TỔNG SỐ has lines


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_libreoffice_opens_and_converts_the_report(jobs, tmp_path):
    source = tmp_path / "report.xlsx"
    with jobs["province"].file.open("rb") as handle:
        source.write_bytes(handle.read())
    result = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    pdf = tmp_path / "report.pdf"
    assert result.returncode == 0, result.stdout + result.stderr
    assert pdf.exists(), result.stdout + result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 20_000
