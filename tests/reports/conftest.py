"""Small ledgers for the report tests that do not need the demo (the demo is loaded once, in tests/reports/demo)."""

import datetime
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from disbursement import services as ledger
from ethnic_portal import clock as portal_clock
from programs.models import Project, SubProject
from tests.factories import unit

TODAY = datetime.date(2024, 7, 15)


@pytest.fixture
def clock(monkeypatch):
    """The portal's clock on 15/07/2024 (ethnic_portal.clock, which the ledger's rules ask)."""
    monkeypatch.setattr(portal_clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def small_ledger(clock, province_user):
    """Ba Bể (061) and Chợ Đồn (064), 2024: investment of DA4.TDA1 from two sources, a carried-over line, recurrent
    funds of DA1, some disbursed before 30/06 and some after, a monthly plan on one allocation."""
    da4, tda1 = Project.objects.get(code="DA4", program__phase=1), SubProject.objects.get(code="DA4.TDA1")
    da1 = Project.objects.get(code="DA1", program__phase=1)
    common = {"decision_no": "35/QĐ-UBND", "decision_date": datetime.date(2024, 1, 22), "decision_body": "UBND tỉnh"}

    def allocate(code, project, sub, capital_type, source, amount, origin_year=2024):
        return ledger.allocation_create(
            actor=province_user,
            year=2024,
            project=project,
            subproject=sub,
            unit=unit(code),
            capital_type=capital_type,
            source=source,
            origin_year=origin_year,
            amount=amount,
            **common,
        )

    lines = {
        "central": allocate("061", da4, tda1, "investment", "central", 1_000_000_000),
        "local": allocate("061", da4, tda1, "investment", "local", 300_000_123),
        "carried": allocate("061", da4, tda1, "investment", "central", 200_000_000, origin_year=2023),
        "recurrent": allocate("064", da1, None, "recurrent", "central", 500_000_000),
    }
    ledger.disbursement_create(
        actor=province_user,
        allocation=lines["central"],
        date=datetime.date(2024, 3, 1),
        amount=250_000_000,
        voucher_no="KB-1",
    )
    ledger.disbursement_create(
        actor=province_user,
        allocation=lines["local"],
        date=datetime.date(2024, 5, 2),
        amount=100_000_001,
        voucher_no="KB-2",
    )
    ledger.disbursement_create(
        actor=province_user,
        allocation=lines["recurrent"],
        date=datetime.date(2024, 7, 2),
        amount=50_000_000,
        voucher_no="KB-3",
    )
    ledger.plan_set(
        actor=province_user, allocation=lines["central"], months={3: 200_000_000, 6: 300_000_000, 9: 500_000_000}
    )
    return lines


# --- Reading a report back ------------------------------------------------------------------------


def as_decimal(value) -> Decimal:
    if value is None or value == "":
        return Decimal(0)
    return Decimal(str(value))


def depth(stt) -> int:
    """The level of a row from its STT, the Vietnamese way: total, I, 1, 1.1, a."""
    stt = "" if stt is None else str(stt)
    if stt == "":
        return 0
    if re.fullmatch(r"[IVXLC]+", stt):
        return 1
    if re.fullmatch(r"\d+", stt):
        return 2
    if re.fullmatch(r"\d+\.\d+", stt):
        return 3
    if re.fullmatch(r"[a-z]+", stt):
        return 4
    raise AssertionError(f"unexpected STT {stt!r}")


def table(ws) -> tuple[int, list[tuple]]:
    """(first data row, data rows as tuples) of a form: the rows under the column-number row (A, B, 1, 2…)."""
    start = None
    for row in ws.iter_rows(min_row=1, max_row=20):
        if row[0].value == "A" and row[1].value == "B":
            start = row[0].row + 1
            break
    assert start, f"{ws.title}: no column-number row"
    rows = []
    for values in ws.iter_rows(min_row=start, values_only=True):
        if values[0] is None and values[1] is None:
            break
        rows.append(values)
    return start, rows


def children_of(rows: list[tuple]) -> dict[int, list[int]]:
    """Row index → the indexes of the rows it totals (the next rows one level down, until a row at its level)."""
    result: dict[int, list[int]] = {}
    stack: list[int] = []
    for index, row in enumerate(rows):
        level = depth(row[0])
        while stack and depth(rows[stack[-1]][0]) >= level:
            stack.pop()
        if stack:
            result.setdefault(stack[-1], []).append(index)
        stack.append(index)
    return result


def check_sums(rows: list[tuple], columns: list[int]) -> int:
    """Every row that has lines under it equals their sum in `columns` (0-based). Returns how many were checked."""
    checked = 0
    for parent, kids in children_of(rows).items():
        for column in columns:
            total = sum((as_decimal(rows[k][column]) for k in kids), Decimal(0))
            assert as_decimal(rows[parent][column]) == total, (rows[parent][:2], column, rows[parent][column], total)
            checked += 1
    return checked


def open_report(job):
    with job.file.open("rb") as handle:
        return load_workbook(handle)
