"""The units of the synthetic nation and its users.

The 34 provinces after the 2025 reform come from the reference data. Under each: the real communes where the
reference data has them (Thái Nguyên's 92) and generated ones elsewhere, as many as the province has since
1 July 2025 (vn_provinces_2025.csv) times the scale. A generated commune's code is `9` and four digits: real
commune codes run from 00001 to about 32300, so none can collide. Every generated unit is valid from 1 July 2025,
carries `source = "synthetic"` and the materialised path that AdministrativeUnit.build_path makes
(`08@20250701/90001@20250701/90001.03@20250701/`). Villages (thôn, bản, buôn, ấp) are `<commune code>.<nn>`.
"""

import csv
import datetime
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db.models import Max

from accounts.models import User
from accounts.scope import Role
from geography.loaders import DATA_DIR as GEOGRAPHY_DATA
from geography.models import PATH_SEPARATOR, AdministrativeUnit, Level, Region, UnitType

from . import names
from .common import REFORM_DATE, SYNTHETIC_SOURCE, USER_PREFIX, Context, ordinal, stamp
from .writer import write

PASSWORD = "Tonghop-1719-bench"
REGION_DECISION = "861/QĐ-TTg"


class NationError(Exception):
    pass


@dataclass(slots=True)
class Commune:
    pk: int
    code: str
    name: str
    path: str
    province: "Province"
    region: str
    real: bool
    villages: list = field(default_factory=list)  # [(pk, difficult)]
    user_pk: int = 0
    weight: float = 1.0
    villages_loaded: bool = False  # a real commune whose villages were in the database before the load


@dataclass(slots=True)
class Province:
    pk: int
    code: str
    name: str
    path: str
    terrain: str
    old_codes: list
    commune_total: int
    communes: list = field(default_factory=list)
    user_pk: int = 0
    weight: float = 1.0

    @property
    def body(self) -> str:
        """The issuing body of the province's decisions: "UBND tỉnh Cao Bằng", "UBND thành phố Hà Nội"."""
        for prefix, label in (("Tỉnh ", "tỉnh "), ("Thành phố ", "thành phố ")):
            if self.name.startswith(prefix):
                return f"UBND {label}{self.name.removeprefix(prefix)}"
        return f"UBND {self.name}"


@dataclass
class Nation:
    provinces: list
    national_user_pk: int | None = None

    @property
    def communes(self):
        return [c for p in self.provinces for c in p.communes]


def _segment(code: str, valid_from: datetime.date | None) -> str:
    return AdministrativeUnit.path_segment(code, valid_from) + PATH_SEPARATOR


def _reform_file() -> dict[str, tuple[list[str], int]]:
    with open(GEOGRAPHY_DATA / "vn_provinces_2025.csv", encoding="utf-8") as handle:
        return {
            row["code"]: ([c.strip() for c in row["merged_from_old_codes"].split(";")], int(row["commune_level_units"]))
            for row in csv.DictReader(handle)
        }


def plan_nation(ctx: Context) -> Nation:
    """Decide every unit (pks included) from the reference data, the seed and the scale."""
    reform = _reform_file()
    provinces_qs = (
        AdministrativeUnit.objects.unscoped_for_system()
        .filter(level=Level.PROVINCE, valid_to__isnull=True)
        .exclude(source=SYNTHETIC_SOURCE)
        .order_by("code")
    )
    provinces = []
    for unit in provinces_qs:
        if unit.code not in reform:
            continue
        old_codes, total = reform[unit.code]
        terrain = names.PROVINCE_TERRAIN.get(unit.code, names.LOWLAND)
        provinces.append(
            Province(
                pk=unit.pk,
                code=unit.code,
                name=unit.name,
                path=unit.path,
                terrain=terrain,
                old_codes=old_codes,
                commune_total=total,
                weight=names.TERRAIN[terrain]["weight"],
            )
        )
    if len(provinces) != len(reform):
        raise NationError(
            f"Chỉ có {len(provinces)}/{len(reform)} tỉnh sau sắp xếp 2025 trong cơ sở dữ liệu: "
            "chạy `python manage.py load_reference_data` trước."
        )
    real = {}
    for commune in (
        AdministrativeUnit.objects.unscoped_for_system()
        .filter(level=Level.COMMUNE, valid_to__isnull=True, parent__level=Level.PROVINCE)
        .exclude(source=SYNTHETIC_SOURCE)
        .order_by("code")
    ):
        real.setdefault(commune.parent_id, []).append(commune)
    villages_of_real = {}
    for village in (
        AdministrativeUnit.objects.unscoped_for_system()
        .filter(level=Level.VILLAGE, valid_to__isnull=True, parent__parent__level=Level.PROVINCE)
        .exclude(source=SYNTHETIC_SOURCE)
        .order_by("path")
    ):
        villages_of_real.setdefault(village.parent_id, []).append((village.pk, village.is_extremely_difficult))

    next_pk = (AdministrativeUnit.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    code_number = 1
    for province in provinces:
        rng = ctx.rng("communes", province.code)
        shares = names.TERRAIN[province.terrain]
        wanted = max(2, round(province.commune_total * ctx.scale))
        used_names = set()
        for unit in real.get(province.pk, [])[:wanted]:
            commune = Commune(unit.pk, unit.code, unit.name, unit.path, province, unit.region, True)
            commune.villages = list(villages_of_real.get(unit.pk, []))
            commune.villages_loaded = bool(commune.villages)
            # A real commune whose region the reference data does not give weighs as its province's communes do.
            commune.weight = names.REGION_WEIGHT[unit.region or _draw_region(rng, shares)]
            province.communes.append(commune)
            used_names.add(unit.name)
        while len(province.communes) < wanted:
            code = f"9{code_number:04d}"
            code_number += 1
            region = _draw_region(rng, shares)
            ward = rng.random() < (0.35 if province.terrain == names.LOWLAND else 0.1)
            name = _commune_name(rng, "Phường" if ward else "Xã", used_names)
            path = province.path + _segment(code, REFORM_DATE)
            commune = Commune(next_pk, code, name, path, province, region, False, weight=names.REGION_WEIGHT[region])
            next_pk += 1
            province.communes.append(commune)
    # Villages after every commune, so that a commune's pk does not depend on the villages before it.
    for province in provinces:
        rng = ctx.rng("villages", province.code)
        for commune in province.communes:
            if commune.villages:
                continue  # a real commune whose villages are already loaded
            count = rng.randint(5, 16)
            difficult_share = {"III": 0.55, "II": 0.2}.get(commune.region, 0.03)
            commune.villages = []
            for _number in range(count):
                commune.villages.append((next_pk, rng.random() < difficult_share))
                next_pk += 1
    return Nation(provinces)


def _draw_region(rng, shares: dict) -> str:
    draw = rng.random()
    if draw < shares["III"]:
        return Region.III.value
    return Region.II.value if draw < shares["III"] + shares["II"] else Region.I.value


def _commune_name(rng, kind: str, used: set) -> str:
    for _attempt in range(20):
        name = f"{kind} {rng.choice(names.PLACES)} {rng.choice(names.PLACES)}"
        if name not in used:
            break
    else:
        name = f"{kind} {rng.choice(names.PLACES)} {len(used) + 1}"
    used.add(name)
    return name


def _village_name(rng, terrain: str, province_code: str, number: int) -> str:
    if rng.random() < 0.4:
        return f"Thôn {number}"
    if province_code in {"52", "66", "68"}:
        prefix = rng.choice(("Buôn", "Plei", "Bon"))
    elif province_code in {"82", "86", "91", "92", "96", "79", "80", "75"}:
        prefix = rng.choice(("Ấp", "Phum", "Sóc"))
    elif terrain == names.MOUNTAIN:
        prefix = "Bản"
    else:
        prefix = rng.choice(("Thôn", "Xóm"))
    return f"{prefix} {rng.choice(names.VILLAGE_FIRST)} {rng.choice(names.VILLAGE_LAST)}"


UNIT_FIELDS = [
    "id",
    "code",
    "name",
    "level",
    "unit_type",
    "parent_id",
    "path",
    "valid_from",
    "valid_to",
    "region",
    "region_candidates",
    "region_decision",
    "is_extremely_difficult",
    "source",
]


def unit_rows(ctx: Context, nation: Nation):
    reform = REFORM_DATE.isoformat()
    for province in nation.provinces:
        for commune in province.communes:
            if commune.real:
                continue
            unit_type = UnitType.WARD if commune.name.startswith("Phường") else UnitType.COMMUNE
            yield (
                commune.pk,
                commune.code,
                commune.name,
                Level.COMMUNE.value,
                unit_type.value,
                province.pk,
                commune.path,
                reform,
                None,
                commune.region,
                "",
                REGION_DECISION,
                0,
                SYNTHETIC_SOURCE,
            )
    for province in nation.provinces:
        rng = ctx.rng("village-names", province.code)
        for commune in province.communes:
            if commune.villages_loaded:
                continue
            for number, (pk, difficult) in enumerate(commune.villages, start=1):
                code = f"{commune.code}.{number:02d}"
                yield (
                    pk,
                    code,
                    _village_name(rng, province.terrain, province.code, number),
                    Level.VILLAGE.value,
                    UnitType.VILLAGE.value,
                    commune.pk,
                    commune.path + _segment(code, REFORM_DATE),
                    reform,
                    None,
                    "",
                    "",
                    "",
                    1 if difficult else 0,
                    SYNTHETIC_SOURCE,
                )


def write_units(ctx: Context, nation: Nation):
    return write(AdministrativeUnit, UNIT_FIELDS, unit_rows(ctx, nation))


# --- Users ---------------------------------------------------------------------------------------------------

USER_FIELDS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "full_name",
    "role",
    "unit_id",
    "created_by_id",
]


def plan_users(ctx: Context, nation: Nation) -> None:
    next_pk = (User.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    if "national" in Role.values:  # the nationwide role of issue 8
        nation.national_user_pk = next_pk
        next_pk += 1
    for province in nation.provinces:
        province.user_pk = next_pk
        next_pk += 1
    for province in nation.provinces:
        for commune in province.communes:
            commune.user_pk = next_pk
            next_pk += 1


def user_rows(ctx: Context, nation: Nation):
    # One hash for every account (a fixed salt: the same seed gives the same rows).
    password = make_password(PASSWORD, salt=f"synthetic{ctx.seed}")
    joined = stamp(ordinal(2024, 1, 2), 0)
    if nation.national_user_pk:
        yield (
            nation.national_user_pk,
            password,
            None,
            0,
            f"{USER_PREFIX}bo",
            "",
            "",
            "",
            0,
            1,
            joined,
            "Cán bộ Bộ Dân tộc và Tôn giáo (tổng hợp)",
            "national",
            None,
            None,
        )
    for province in nation.provinces:
        yield (
            province.user_pk,
            password,
            None,
            0,
            f"{USER_PREFIX}tinh.{province.code}",
            "",
            "",
            "",
            0,
            1,
            joined,
            f"Cán bộ Sở Dân tộc và Tôn giáo {province.name} (tổng hợp)",
            "province",
            province.pk,
            None,
        )
    for province in nation.provinces:
        for commune in province.communes:
            yield (
                commune.user_pk,
                password,
                None,
                0,
                f"{USER_PREFIX}xa.{commune.code}",
                "",
                "",
                "",
                0,
                1,
                joined,
                f"Cán bộ {commune.name} (tổng hợp)",
                "commune",
                commune.pk,
                province.user_pk,
            )


def write_users(ctx: Context, nation: Nation):
    return write(User, USER_FIELDS, user_rows(ctx, nation))
