"""Loading the beneficiaries' reference data from beneficiaries/data: the 54 ethnic groups (GSO codes), the
regimes of support to prestigious persons with their ceilings and yearly limits, the Tết Nguyên đán dates,
and which household supports are "once only, at the highest rate" with each program's norm."""

import datetime
import re
from pathlib import Path

from ethnic_portal.reference_data import data_file, read_csv, require

from .choices import FundingProgram, HouseholdSupportKind, SupportKind
from .models import (
    EthnicGroup,
    HouseholdSupportKindRule,
    HouseholdSupportNorm,
    SupportNorm,
    SupportRegime,
    TetHoliday,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
NORM_VARIANTS = {
    SupportKind.ILLNESS_VISIT: {"central", "province", "district", "commune"},
    SupportKind.CONDOLENCE: {"person", "relative"},
}


def load_ethnic_groups(data_dir=None) -> None:
    path = data_file(DATA_DIR / "ethnic_groups_vn.csv", data_dir)
    for line, row in read_csv(path, ["code", "name_vi", "name_vi_common_spelling", "other_names", "is_minority"]):
        require(bool(re.fullmatch(r"\d{2}", row["code"])), path, line, f"mã dân tộc '{row['code']}' phải gồm 2 chữ số")
        require(bool(row["name_vi"]), path, line, "thiếu tên dân tộc")
        require(row["is_minority"] in {"yes", "no"}, path, line, "cột is_minority phải là yes hoặc no")
        EthnicGroup.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name_vi"],
                "common_spelling": row["name_vi_common_spelling"],
                "other_names": row["other_names"],
                "is_minority": row["is_minority"] == "yes",
            },
        )


def _file(name: str, data_dir) -> Path:
    """`data_dir`'s copy of the file when it has one, else the shipped file (a directory with only the
    shared domain files still loads the policy tables)."""
    candidate = data_file(DATA_DIR / name, data_dir)
    return candidate if candidate.exists() else DATA_DIR / name


def _date(value: str, path, line, what) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        require(False, path, line, f"{what} '{value}' phải có dạng YYYY-MM-DD")
    return None


def _int(value: str, path, line, what) -> int:
    require(value.isdigit(), path, line, f"{what} '{value}' phải là số nguyên không âm")
    return int(value)


def _flag(value: str, path, line, what) -> bool:
    require(value in {"yes", "no"}, path, line, f"cột {what} phải là yes hoặc no")
    return value == "yes"


def load_support_policies(data_dir=None) -> None:
    path = _file("support_regimes.csv", data_dir)
    regimes = {}
    for line, row in read_csv(path, ["code", "name", "legal_basis", "valid_from", "valid_to"]):
        require(bool(row["code"]) and bool(row["name"]), path, line, "thiếu mã hoặc tên chế độ")
        valid_from = _date(row["valid_from"], path, line, "ngày áp dụng")
        require(valid_from is not None, path, line, "thiếu ngày áp dụng")
        valid_to = _date(row["valid_to"], path, line, "ngày hết áp dụng")
        require(valid_to is None or valid_to >= valid_from, path, line, "ngày hết áp dụng trước ngày áp dụng")
        regimes[row["code"]], _created = SupportRegime.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "legal_basis": row["legal_basis"],
                "valid_from": valid_from,
                "valid_to": valid_to,
            },
        )
    ordered = sorted(regimes.values(), key=lambda r: r.valid_from)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        require(
            earlier.valid_to is not None and earlier.valid_to < later.valid_from,
            path,
            0,
            f"chế độ {earlier.code} và {later.code} chồng thời gian áp dụng",
        )

    path = _file("support_norms.csv", data_dir)
    columns = ["regime", "kind", "variant", "ceiling", "per", "max_per_year", "confirmed", "source"]
    for line, row in read_csv(path, columns):
        require(row["regime"] in regimes, path, line, f"không có chế độ '{row['regime']}'")
        require(row["kind"] in SupportKind.values, path, line, f"loại hỗ trợ '{row['kind']}' không hợp lệ")
        variants = NORM_VARIANTS.get(row["kind"], {""})
        require(row["variant"] in variants, path, line, f"trường hợp '{row['variant']}' không hợp lệ với {row['kind']}")
        SupportNorm.objects.update_or_create(
            regime=regimes[row["regime"]],
            kind=row["kind"],
            variant=row["variant"],
            defaults={
                "ceiling": _int(row["ceiling"], path, line, "mức tối đa"),
                "per": row["per"],
                "max_per_year": _int(row["max_per_year"], path, line, "số lần") if row["max_per_year"] else None,
                "confirmed": _flag(row["confirmed"], path, line, "confirmed"),
                "source": row["source"],
            },
        )

    path = _file("tet_nguyen_dan.csv", data_dir)
    for line, row in read_csv(path, ["year", "date"]):
        year = _int(row["year"], path, line, "năm")
        day = _date(row["date"], path, line, "ngày Tết")
        require(
            day is not None and day.year == year and day.month in {1, 2},
            path,
            line,
            "mùng 1 Tết phải trong tháng 1 hoặc 2 của năm",
        )
        TetHoliday.objects.update_or_create(year=year, defaults={"date": day})

    path = _file("household_support_rules.csv", data_dir)
    for line, row in read_csv(path, ["kind", "once_only", "legal_basis"]):
        require(row["kind"] in HouseholdSupportKind.values, path, line, f"nội dung hỗ trợ '{row['kind']}' không hợp lệ")
        HouseholdSupportKindRule.objects.update_or_create(
            kind=row["kind"],
            defaults={"once_only": _flag(row["once_only"], path, line, "once_only"), "legal_basis": row["legal_basis"]},
        )

    path = _file("household_support_norms.csv", data_dir)
    for line, row in read_csv(path, ["kind", "funding_program", "amount", "confirmed", "source"]):
        require(row["kind"] in HouseholdSupportKind.values, path, line, f"nội dung hỗ trợ '{row['kind']}' không hợp lệ")
        require(
            row["funding_program"] in FundingProgram.values,
            path,
            line,
            f"chương trình '{row['funding_program']}' không hợp lệ",
        )
        amount = _int(row["amount"], path, line, "định mức")
        require(amount > 0, path, line, "định mức phải lớn hơn 0")
        HouseholdSupportNorm.objects.update_or_create(
            kind=row["kind"],
            funding_program=row["funding_program"],
            defaults={
                "amount": amount,
                "confirmed": _flag(row["confirmed"], path, line, "confirmed"),
                "source": row["source"],
            },
        )
