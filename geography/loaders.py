"""Loading the administrative-unit tree from the files in geography/data.

- vn_provinces_2025.csv: the 34 provinces since 1 July 2025 and the 63 before, with who merged into whom;
- bac_kan_districts_pre2025.csv, bac_kan_communes_pre2025.csv: Bắc Kạn's 8 districts and 108 communes
  (valid until 30 June 2025);
- bac_kan_commune_regions.csv: their region (khu vực I/II/III) under QĐ 861/QĐ-TTg;
- thai_nguyen_communes_2025.csv: the 92 communes of the new Thái Nguyên, straight under the province,
  with the old communes each was formed from.
"""

import datetime
import re
from pathlib import Path

from ethnic_portal.reference_data import ReferenceDataError, data_file, read_csv, require

from .models import AdministrativeUnit, Level, MergeType, Region, UnitSuccession, UnitType

DATA_DIR = Path(__file__).resolve().parent / "data"
REFORM_DATE = datetime.date(2025, 7, 1)
LAST_DAY_BEFORE_REFORM = datetime.date(2025, 6, 30)
PROVINCE_MERGER_BASIS = "Nghị quyết 202/2025/QH15"
THAI_NGUYEN_COMMUNES_BASIS = "Nghị quyết 1683/NQ-UBTVQH15"
REGION_DECISION = "861/QĐ-TTg"

PROVINCE_TYPES = {"Tỉnh": UnitType.PROVINCE, "Thành phố": UnitType.CENTRAL_CITY}
DISTRICT_TYPES = {
    "Huyện": UnitType.RURAL_DISTRICT,
    "Quận": UnitType.URBAN_DISTRICT,
    "Thị xã": UnitType.TOWN,
    "Thành phố": UnitType.PROVINCIAL_CITY,
}
COMMUNE_TYPES = {
    "Xã": UnitType.COMMUNE,
    "Phường": UnitType.WARD,
    "Thị trấn": UnitType.TOWNSHIP,
    "Đặc khu": UnitType.SPECIAL_ZONE,
}


def _upsert(*, code, valid_from, **fields) -> tuple[AdministrativeUnit, bool]:
    unit = AdministrativeUnit.objects.filter(code=code, valid_from=valid_from).first()
    created = unit is None
    if created:
        unit = AdministrativeUnit(code=code, valid_from=valid_from)
    changed = created
    for name, value in fields.items():
        if getattr(unit, name) != value:
            setattr(unit, name, value)
            changed = True
    if changed:
        unit.save()
    return unit, created


def _succession(predecessor, successor, merge_type, basis) -> None:
    UnitSuccession.objects.update_or_create(
        predecessor=predecessor,
        successor=successor,
        defaults={"merge_type": merge_type, "effective_date": REFORM_DATE, "legal_basis": basis},
    )


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(";") if item.strip()]


def _province_type(name: str) -> str:
    return UnitType.CENTRAL_CITY if name.startswith("Thành phố") else UnitType.PROVINCE


def load_provinces(data_dir=None) -> dict[str, AdministrativeUnit]:
    """Create the provinces before and after the 2025 reform. Returns the old ones by code."""
    path = data_file(DATA_DIR / "vn_provinces_2025.csv", data_dir)
    rows = read_csv(path, ["code", "name_vi", "type", "merged_from_old_codes", "merged_from_old_names"])
    old_by_code: dict[str, AdministrativeUnit] = {}
    source = "Cục Thống kê, Công văn 915/CTK-CSCL (qua dvhcvn/20250701)"
    for line, row in rows:
        code, name = row["code"], row["name_vi"]
        require(bool(re.fullmatch(r"\d{2}", code)), path, line, f"mã tỉnh '{code}' phải gồm 2 chữ số")
        require(bool(name), path, line, "thiếu tên tỉnh")
        require(row["type"] in PROVINCE_TYPES, path, line, f"loại đơn vị '{row['type']}' không hợp lệ")
        old_codes, old_names = _split(row["merged_from_old_codes"]), _split(row["merged_from_old_names"])
        require(len(old_codes) == len(old_names) and old_codes, path, line, "danh sách tỉnh cũ không khớp mã và tên")
        for old_code in old_codes:
            require(bool(re.fullmatch(r"\d{2}", old_code)), path, line, f"mã tỉnh cũ '{old_code}' không hợp lệ")
        if old_codes == [code]:
            # Not merged: one unit throughout.
            unit, _created = _upsert(
                code=code,
                valid_from=None,
                name=name,
                level=Level.PROVINCE,
                unit_type=PROVINCE_TYPES[row["type"]],
                parent=None,
                valid_to=None,
                source=source,
            )
            old_by_code[code] = unit
            continue
        new_unit, _created = _upsert(
            code=code,
            valid_from=REFORM_DATE,
            name=name,
            level=Level.PROVINCE,
            unit_type=PROVINCE_TYPES[row["type"]],
            parent=None,
            valid_to=None,
            source=source,
        )
        for old_code, old_name in zip(old_codes, old_names, strict=True):
            old_unit, _created = _upsert(
                code=old_code,
                valid_from=None,
                name=old_name,
                level=Level.PROVINCE,
                unit_type=_province_type(old_name),
                parent=None,
                valid_to=LAST_DAY_BEFORE_REFORM,
                source=source,
            )
            old_by_code[old_code] = old_unit
            _succession(old_unit, new_unit, MergeType.FULL, PROVINCE_MERGER_BASIS)
    return old_by_code


def load_bac_kan(old_provinces: dict[str, AdministrativeUnit], data_dir=None) -> None:
    """Bắc Kạn's districts and communes as they were until 30 June 2025, with their regions."""
    source = "daohoangson/dvhcvn v20250301"
    path = data_file(DATA_DIR / "bac_kan_districts_pre2025.csv", data_dir)
    districts: dict[str, AdministrativeUnit] = {}
    for line, row in read_csv(path, ["province_code", "district_code", "district_name", "district_type"]):
        province = old_provinces.get(row["province_code"])
        require(province is not None, path, line, f"không có tỉnh mã '{row['province_code']}'")
        require(bool(re.fullmatch(r"\d{3}", row["district_code"])), path, line, "mã huyện phải gồm 3 chữ số")
        require(row["district_type"] in DISTRICT_TYPES, path, line, f"loại huyện '{row['district_type']}' không hợp lệ")
        require(bool(row["district_name"]), path, line, "thiếu tên huyện")
        districts[row["district_code"]], _created = _upsert(
            code=row["district_code"],
            valid_from=None,
            name=row["district_name"],
            level=Level.DISTRICT,
            unit_type=DISTRICT_TYPES[row["district_type"]],
            parent=province,
            valid_to=LAST_DAY_BEFORE_REFORM,
            source=source,
        )

    regions = _read_regions(data_dir)
    path = data_file(DATA_DIR / "bac_kan_communes_pre2025.csv", data_dir)
    for line, row in read_csv(path, ["district_code", "commune_code", "commune_name", "commune_type"]):
        district = districts.get(row["district_code"])
        require(district is not None, path, line, f"không có huyện mã '{row['district_code']}'")
        require(bool(re.fullmatch(r"\d{5}", row["commune_code"])), path, line, "mã xã phải gồm 5 chữ số")
        require(row["commune_type"] in COMMUNE_TYPES, path, line, f"loại xã '{row['commune_type']}' không hợp lệ")
        require(bool(row["commune_name"]), path, line, "thiếu tên xã")
        region, candidates = regions.get(row["commune_code"], ("", ""))
        _upsert(
            code=row["commune_code"],
            valid_from=None,
            name=row["commune_name"],
            level=Level.COMMUNE,
            unit_type=COMMUNE_TYPES[row["commune_type"]],
            parent=district,
            valid_to=LAST_DAY_BEFORE_REFORM,
            region=region,
            region_candidates=candidates,
            region_decision=REGION_DECISION if (region or candidates) else "",
            source=source,
        )


def _read_regions(data_dir) -> dict[str, tuple[str, str]]:
    path = data_file(DATA_DIR / "bac_kan_commune_regions.csv", data_dir)
    regions = {}
    for line, row in read_csv(path, ["commune_code", "region", "region_candidates", "status"]):
        region = row["region"]
        require(not region or region in Region.values, path, line, f"khu vực '{region}' không hợp lệ")
        candidates = row["region_candidates"]
        require(
            all(value in Region.values for value in candidates.split("|") if value),
            path,
            line,
            f"khu vực có thể '{candidates}' không hợp lệ",
        )
        known = bool(region) and row["status"] != "unknown"
        regions[row["commune_code"]] = (region if known else "", "" if known else candidates)
    return regions


def load_thai_nguyen_2025(data_dir=None) -> None:
    """The 92 communes of the new Thái Nguyên (two-level government), linked to the communes they replaced."""
    path = data_file(DATA_DIR / "thai_nguyen_communes_2025.csv", data_dir)
    rows = read_csv(
        path, ["province_code", "commune_code", "commune_name", "commune_type", "old_units_codes", "merge_types"]
    )
    for line, row in rows:
        province = AdministrativeUnit.objects.filter(code=row["province_code"], valid_from=REFORM_DATE).first()
        require(province is not None, path, line, f"không có tỉnh mới mã '{row['province_code']}'")
        require(bool(re.fullmatch(r"\d{5}", row["commune_code"])), path, line, "mã xã phải gồm 5 chữ số")
        require(row["commune_type"] in COMMUNE_TYPES, path, line, f"loại xã '{row['commune_type']}' không hợp lệ")
        commune, _created = _upsert(
            code=row["commune_code"],
            valid_from=REFORM_DATE,
            name=row["commune_name"],
            level=Level.COMMUNE,
            unit_type=COMMUNE_TYPES[row["commune_type"]],
            parent=province,
            valid_to=None,
            source="dvhcvn/20250701 (Công văn 1027/CTK-CSCL)",
        )
        old_codes, merge_types = _split(row["old_units_codes"]), _split(row["merge_types"])
        require(len(old_codes) == len(merge_types), path, line, "số đơn vị cũ và hình thức sắp xếp không khớp")
        for old_code, merge_type in zip(old_codes, merge_types, strict=True):
            require(merge_type in MergeType.values, path, line, f"hình thức '{merge_type}' không hợp lệ")
            old = AdministrativeUnit.objects.filter(
                code=old_code, level=Level.COMMUNE, valid_to=LAST_DAY_BEFORE_REFORM
            ).first()
            if old is not None:  # communes of the former Thái Nguyên are not shipped yet
                _succession(old, commune, merge_type, THAI_NGUYEN_COMMUNES_BASIS)


def load_units(data_dir=None) -> None:
    old_provinces = load_provinces(data_dir)
    load_bac_kan(old_provinces, data_dir)
    load_thai_nguyen_2025(data_dir)


__all__ = ["ReferenceDataError", "load_units"]
