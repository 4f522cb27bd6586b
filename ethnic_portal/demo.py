"""The demo province of Bắc Kạn: what `load_demo` adds on top of the reference data.

Villages (thôn, bản) have no national list, so the demo makes a numbered set for every
Bắc Kạn commune ("Thôn 1", "Thôn 2"… marked as demo data), flags some of them in region III
communes as extremely difficult, and carries them over to the communes formed on 1 July
2025. Later issues add plans, allocations, disbursements, persons and households.
"""

import unicodedata

from django.db import transaction

from accounts.models import User
from accounts.services import portal_user_upsert
from geography.loaders import LAST_DAY_BEFORE_REFORM, REFORM_DATE
from geography.models import AdministrativeUnit, Level, MergeType, Region, UnitSuccession, UnitType

from .demo_ledger import load_demo_ledger
from .demo_people import load_demo_people

DEMO_SOURCE = "demo"
BAC_KAN = "06"
DEMO_PASSWORD = "Mtqg-1719-demo"

# (username, role, unit code, full name)
DEMO_USERS = [
    ("tinh.backan", "province", "06", "Cán bộ Ban Dân tộc tỉnh Bắc Kạn"),
    ("huyen.babe", "district", "061", "Cán bộ Phòng Dân tộc huyện Ba Bể"),
    ("xa.chora", "commune", "01888", "Cán bộ thị trấn Chợ Rã"),
    ("lanhdao.backan", "leader", "06", "Lãnh đạo UBND tỉnh Bắc Kạn"),
    ("quantri", "admin", "19", "Quản trị hệ thống"),
    ("tinh.thainguyen", "province", "19", "Cán bộ Sở Dân tộc và Tôn giáo tỉnh Thái Nguyên"),
    ("xa.chora2025", "commune", "01912", "Cán bộ xã Chợ Rã (từ 01/7/2025)"),
]


class DemoDataError(Exception):
    pass


def _village_count(commune: AdministrativeUnit) -> int:
    """4 to 9 villages, fixed by the commune code so that every run gives the same tree."""
    return 4 + int(commune.code) % 6


@transaction.atomic
def load_demo_villages() -> int:
    communes = list(
        AdministrativeUnit.objects.unscoped_for_system()
        .filter(level=Level.COMMUNE, path__startswith=f"{BAC_KAN}/")
        .order_by("code")
    )
    if not communes:
        raise DemoDataError("Chưa có đơn vị hành chính của Bắc Kạn: chạy load_reference_data trước.")
    created = 0
    old_villages: dict[int, list[AdministrativeUnit]] = {}
    for commune in communes:
        villages = []
        for number in range(1, _village_count(commune) + 1):
            # In region III communes the first two villages are extremely difficult (demo choice).
            difficult = commune.region == Region.III and number <= 2
            village, was_created = _village(
                commune, number, valid_from=None, valid_to=LAST_DAY_BEFORE_REFORM, difficult=difficult
            )
            created += was_created
            villages.append(village)
        old_villages[commune.pk] = villages

    # Villages move with their commune into the commune formed in 2025 (the first one where split).
    # "full" sorts before "partial": an old commune split in two hands its villages to the one it went into wholly.
    successions = (
        UnitSuccession.objects.filter(predecessor_id__in=old_villages.keys())
        .select_related("successor")
        .order_by("successor__code", "predecessor__code", "merge_type")
    )
    placed: set[int] = set()
    next_number: dict[int, int] = {}
    for succession in sorted(
        successions, key=lambda s: (s.merge_type != MergeType.FULL, s.successor.code, s.predecessor_id)
    ):
        if succession.predecessor_id in placed:
            continue
        placed.add(succession.predecessor_id)
        new_commune = succession.successor
        for old in old_villages[succession.predecessor_id]:
            number = next_number.get(new_commune.pk, 0) + 1
            next_number[new_commune.pk] = number
            new, was_created = _village(
                new_commune,
                number,
                valid_from=REFORM_DATE,
                valid_to=None,
                difficult=old.is_extremely_difficult,
                old=old,
            )
            created += was_created
            UnitSuccession.objects.update_or_create(
                predecessor=old,
                successor=new,
                defaults={"merge_type": MergeType.FULL, "effective_date": REFORM_DATE, "legal_basis": "demo"},
            )
    return created


def _village(commune, number, *, valid_from, valid_to, difficult, old=None):
    code = f"{commune.code}.{number:02d}"
    # A village carried into a 2025 commune keeps its name and says which old commune it came from.
    name = f"{old.name} ({old.parent.name})" if old is not None else f"Thôn {number}"
    village = AdministrativeUnit.objects.filter(code=code, valid_from=valid_from).first()
    if village is not None:
        return village, False
    village = AdministrativeUnit(
        code=code,
        name=name,
        level=Level.VILLAGE,
        unit_type=UnitType.VILLAGE,
        parent=commune,
        valid_from=valid_from,
        valid_to=valid_to,
        is_extremely_difficult=difficult,
        source=DEMO_SOURCE,
    )
    village.save()
    return village, True


def _slug(name: str) -> str:
    for prefix in ("Thành phố ", "Huyện ", "Thị xã "):
        name = name.removeprefix(prefix)
    text = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in text if ch.isalnum() and not unicodedata.combining(ch)).lower()


def district_officers() -> list[tuple[str, str, str, str]]:
    """One district officer per Bắc Kạn district (Ba Bể's is in DEMO_USERS): they submit the demo periods."""
    rows = []
    for district in AdministrativeUnit.objects.filter(parent__code=BAC_KAN, level=Level.DISTRICT).order_by("code"):
        username = f"huyen.{_slug(district.name)}"
        rows.append((username, "district", district.code, f"Cán bộ Phòng Dân tộc {district.name}"))
    return rows


def ensure_demo_users() -> dict[str, User]:
    users = {}
    listed = {row[0] for row in DEMO_USERS}
    for username, role, unit_code, full_name in DEMO_USERS + [
        row for row in district_officers() if row[0] not in listed
    ]:
        existing = User.objects.filter(username=username).select_related("unit").first()
        if existing is not None and existing.role == role and existing.unit and existing.unit.code == unit_code:
            users[username] = existing  # leave a password the user may have changed
            continue
        user, _token = portal_user_upsert(
            username=username, role=role, unit_code=unit_code, password=DEMO_PASSWORD, full_name=full_name
        )
        users[username] = user
    return users


def load_demo() -> dict:
    villages = load_demo_villages()
    users = ensure_demo_users()
    districts = {
        user.unit_id: user
        for user in users.values()
        if user.role == "district" and user.unit.path.startswith(f"{BAC_KAN}/")
    }
    ledger = load_demo_ledger(
        province_user=users["tinh.backan"], district_users=districts, new_province_user=users["tinh.thainguyen"]
    )
    people = load_demo_people(users=users)
    return {"villages_created": villages, **ledger, "prestigious_persons": people["prestigious_persons"]}
