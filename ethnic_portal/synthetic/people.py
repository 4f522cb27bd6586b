"""The synthetic beneficiaries: prestigious persons and the support they receive (with the training courses they
attend), households and the support they receive from this program and others.

Placed by weight: a village of a mountainous province, of a region III commune, or an extremely difficult village
holds more of them. Names follow each ethnic group's tradition (names.py); no two persons or households of one
village or commune share a name. Support to persons stays within the policy (beneficiaries/data): a Tết visit
inside the default Tết season (30 days before to 15 days after the first day of Tết), at most two per Tết year;
an illness visit at most once a year; amounts at or below the ceiling of the regime in force on the day, which is
recorded with its ceiling as the service does. A household's citizen ID number is well formed (province of birth
registration, century and gender, year of birth) and unique: the six last digits are a fixed permutation of a
counter per prefix. Household support comes from the 1719 program's projects (years 2024–2025 of phase I, paid
in the year or the next) and from other programs; about 1 % of households get a second support of a kind given
once only, and about 1 % the same support from two programs in one year: the cases the overlap review finds.
"""

from array import array
from dataclasses import dataclass

from beneficiaries.models import (
    EthnicGroup,
    Household,
    HouseholdSupport,
    HouseholdSupportNorm,
    PrestigiousPerson,
    SupportActivity,
    SupportNorm,
    SupportRegime,
    TetHoliday,
    TrainingCourse,
)
from programs.models import BudgetYear, Project, SubProject

from . import names
from .common import ISO, NEW_CAPITAL_YEARS, UNTIL, YEARS, Context, ordinal, stamp, weighted_picker
from .nation import Nation
from .writer import write


class PeopleError(Exception):
    pass


@dataclass
class Reference:
    groups: dict  # GSO code → pk
    regimes: list  # [(pk, first ordinal, last ordinal)]
    norms: dict  # (regime pk, kind, variant) → ceiling
    tet: dict  # year → ordinal of the first day of Tết
    items: dict  # item code → (project pk, sub-project pk or None)
    household_norms: dict  # (kind, program) → amount


def reference() -> Reference:
    groups = dict(EthnicGroup.objects.values_list("code", "pk"))
    regimes = [
        (pk, start.toordinal(), end.toordinal() if end else 10**7)
        for pk, start, end in SupportRegime.objects.order_by("valid_from").values_list("pk", "valid_from", "valid_to")
    ]
    norms = {(r, k, v): c for r, k, v, c in SupportNorm.objects.values_list("regime_id", "kind", "variant", "ceiling")}
    tet = {year: day.toordinal() for year, day in TetHoliday.objects.values_list("year", "date")}
    phase = BudgetYear.objects.get(year=NEW_CAPITAL_YEARS[0]).program_id
    items = {code: (pk, None) for pk, code in Project.objects.filter(program_id=phase).values_list("pk", "code")}
    for pk, code, project_pk in SubProject.objects.filter(project__program_id=phase).values_list(
        "pk", "code", "project_id"
    ):
        items[code] = (project_pk, pk)
    household_norms = {
        (k, p): a for k, p, a in HouseholdSupportNorm.objects.values_list("kind", "funding_program", "amount")
    }
    missing = [name for name, value in (("dân tộc", groups), ("chế độ", regimes), ("ngày Tết", tet)) if not value]
    missing += [year for year in YEARS if year not in tet]
    if missing:
        raise PeopleError(f"Thiếu dữ liệu tham chiếu ({missing}): chạy `python manage.py load_reference_data`.")
    return Reference(groups, regimes, norms, tet, items, household_norms)


def _regime_on(ref: Reference, day: int) -> int | None:
    for pk, first, last in reversed(ref.regimes):
        if first <= day <= last:
            return pk
    return None


def _places(nation: Nation):
    """Every place a person or household may be recorded at, with its weight: (province, commune, unit pk, weight)."""
    for province in nation.provinces:
        for commune in province.communes:
            for village_pk, difficult in commune.villages:
                yield province, commune, village_pk, province.weight * commune.weight * (1.5 if difficult else 1.0)


def _counts(ctx: Context, nation: Nation, target: int, stream: str):
    """(province, commune, village pk, how many) by stochastic rounding of each village's share of `target`."""
    total = sum(weight for *_rest, weight in _places(nation))
    rng = ctx.rng(stream, "counts")
    for province, commune, village_pk, weight in _places(nation):
        expected = target * weight / total
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        if count:
            yield province, commune, village_pk, count


class Namer:
    """Names of one ethnic group's tradition, never twice in one place."""

    def __init__(self, rng):
        self.rng = rng

    def name(self, culture: str, female: bool, taken: set) -> tuple[str, str]:
        pool = names.POOLS[culture]
        rand = self.rng.random
        family, middle, given = pool["family"], pool["middle"][female], pool["given"][female]
        for _attempt in range(30):
            full = (
                f"{family[int(rand() * len(family))]} {middle[int(rand() * len(middle))]} "
                f"{given[int(rand() * len(given))]}"
            )
            key = full.casefold()
            if key not in taken:
                taken.add(key)
                return full, key
        full = f"{full} {len(taken)}"
        key = full.casefold()
        taken.add(key)
        return full, key


def _ethnic_pickers(ctx: Context, ref: Reference, stream: str, minority_only: bool):
    pickers = {}

    def picker(province_code: str):
        if province_code not in pickers:
            profile = names.PROVINCE_ETHNIC.get(province_code, names.DELTA)
            if minority_only:
                profile = [(code, weight) for code, weight in profile if code != "01"]
            pickers[province_code] = weighted_picker(ctx.rng(stream, "ethnic", province_code), profile)
        return pickers[province_code]

    return picker


# --- Prestigious persons ---------------------------------------------------------------------------------------

PERSON_FIELDS = [
    "id",
    "full_name",
    "name_key",
    "gender",
    "birth_year",
    "ethnic_group_id",
    "unit_id",
    "community_role",
    "term_start",
    "term_end",
    "approval_decision_no",
    "approval_decision_date",
    "approval_level",
    "status",
    "status_date",
    "note",
    "created_by_id",
    "created_at",
    "updated_at",
]
ROLES = [
    ("village_elder", 35),
    ("village_head", 20),
    ("clan_head", 20),
    ("religious_dignitary", 5),
    ("artisan", 8),
    ("other", 12),
]


@dataclass(slots=True)
class Person:
    pk: int
    province_code: str
    province_pk: int
    user_pk: int
    status: str
    status_day: int | None  # ordinal


def person_rows(ctx: Context, nation: Nation, ref: Reference, persons: list):
    """The persons' rows; appends to `persons` what their support needs (30.000 small records at full scale)."""
    rng = ctx.rng("persons")
    namer = Namer(ctx.rng("persons", "names"))
    ethnic = _ethnic_pickers(ctx, ref, "persons", minority_only=True)
    role = weighted_picker(ctx.rng("persons", "roles"), ROLES)
    pk = 1
    current, taken = None, {}
    for province, commune, village_pk, count in _counts(ctx, nation, ctx.target("persons"), "persons"):
        if commune.pk != current:  # names are unique per commune (and birth year): no near-duplicate cases
            current, taken = commune.pk, {}
        pick_group = ethnic(province.code)
        for _index in range(count):
            at_commune = rng.random() < 0.1
            unit_pk = commune.pk if at_commune else village_pk
            group = pick_group()
            female = rng.random() < 0.15
            birth_year = rng.randint(1940, 1985)
            full, key = namer.name(names.CULTURE_OF.get(group, "kinh"), female, taken.setdefault(birth_year, set()))
            term_start = 2022 if rng.random() < 0.65 else 2023
            approval_day = ordinal(term_start, 3, 1) + rng.randint(0, 45)
            draw = rng.random()
            if draw < 0.04:
                status, status_day = "replaced", ordinal(2025, 1, 1) + rng.randint(0, 364)
            elif draw < 0.06:
                status, status_day = "deceased", ordinal(2025, 3, 1) + rng.randint(0, 550)
            else:
                status, status_day = "active", None
            created = stamp(ordinal(2023, 12, 1) + rng.randint(0, 30), pk)
            updated = stamp(status_day + 3, pk) if status_day else created
            yield (
                pk,
                full,
                key,
                "female" if female else "male",
                birth_year,
                ref.groups[group],
                unit_pk,
                role(),
                term_start,
                term_start + 4,
                f"{rng.randint(100, 900)}/QĐ-UBND",
                ISO[approval_day],
                "province",
                status,
                ISO[status_day] if status_day else None,
                "",
                commune.user_pk,
                created,
                updated,
            )
            persons.append(Person(pk, province.code, province.pk, commune.user_pk, status, status_day))
            pk += 1


def write_persons(ctx: Context, nation: Nation, ref: Reference, persons: list):
    return write(PrestigiousPerson, PERSON_FIELDS, person_rows(ctx, nation, ref, persons), fresh=True)


COURSE_FIELDS = [
    "id",
    "title",
    "unit_id",
    "start_date",
    "end_date",
    "location",
    "funded_by",
    "project_id",
    "subproject_id",
    "note",
    "created_by_id",
    "created_at",
]


def plan_courses(ctx: Context, nation: Nation, ref: Reference) -> dict:
    """Two training courses a year in each province: (province code, year) → [(pk, start ordinal, end ordinal)]."""
    rng = ctx.rng("courses")
    courses = {}
    pk = 1
    for province in nation.provinces:
        for year in YEARS:
            for number in (1, 2):
                start = ordinal(year, 4 if number == 1 else 8, 1) + rng.randint(0, 80)
                start = min(start, UNTIL - 3)
                courses.setdefault((province.code, year), []).append((pk, start, start + rng.randint(1, 3)))
                pk += 1
    return courses


def course_rows(ctx: Context, nation: Nation, ref: Reference, courses: dict):
    project_pk, sub_pk = ref.items.get("DA10.TDA1", (None, None))
    for province in nation.provinces:
        for year in YEARS:
            for number, (pk, start, end) in enumerate(courses[(province.code, year)], start=1):
                yield (
                    pk,
                    f"Bồi dưỡng, tập huấn kiến thức cho người có uy tín năm {year} (đợt {number})",
                    province.pk,
                    ISO[start],
                    ISO[end],
                    f"Hội trường {province.body}",
                    "province",
                    project_pk,
                    sub_pk,
                    "",
                    province.user_pk,
                    stamp(start - 10, pk),
                )


def write_courses(ctx: Context, nation: Nation, ref: Reference, courses: dict):
    return write(TrainingCourse, COURSE_FIELDS, course_rows(ctx, nation, ref, courses), fresh=True)


ACTIVITY_FIELDS = [
    "id",
    "person_id",
    "kind",
    "date",
    "amount",
    "funded_by",
    "hospital_level",
    "condolence_for",
    "regime_id",
    "ceiling",
    "over_ceiling_reason",
    "training_course_id",
    "note",
    "created_by_id",
    "created_at",
    "updated_at",
]
HOSPITALS = [("district", 45), ("province", 30), ("commune", 15), ("central", 10)]
# Yearly chances of each kind of support beyond the Tết visit (the first Tết visit every person gets).
CHANCES = {
    "second_tet": 0.35,
    "illness_visit": 0.12,
    "disaster_support": 0.03,
    "condolence": 0.02,
    "training": 0.10,
    "study_tour": 0.03,
    "other": 0.08,
}


def activity_rows(ctx: Context, ref: Reference, persons: list, courses: dict):
    rng = ctx.rng("activities")
    hospital = weighted_picker(ctx.rng("activities", "hospital"), HOSPITALS)
    pk = 1

    def row(person, kind, day, amount, funded_by, *, hospital_level="", condolence_for="", course=None, note=""):
        regime = _regime_on(ref, day)
        variant = hospital_level or condolence_for
        ceiling = ref.norms.get((regime, kind, variant))
        if ceiling is not None:
            amount = min(amount, ceiling)
        created = stamp(min(day + rng.randint(0, 7), UNTIL), person.pk)
        return [
            person.pk,
            kind,
            ISO[day],
            amount,
            funded_by,
            hospital_level,
            condolence_for,
            regime,
            ceiling,
            "",
            course,
            note,
            person.user_pk,
            created,
            created,
        ]

    for person in persons:
        rows = []
        for year in YEARS:
            tet = ref.tet[year]
            first, last = tet - 30, min(tet + 15, UNTIL)
            rows.append(row(person, "tet_visit", rng.randint(first, last), 500_000, "province"))
            if rng.random() < CHANCES["second_tet"]:
                rows.append(
                    row(person, "tet_visit", rng.randint(first, last), rng.choice((300_000, 500_000)), "central")
                )
            year_first, year_last = ordinal(year, 1, 1), min(ordinal(year, 12, 31), UNTIL)
            if rng.random() < CHANCES["illness_visit"]:
                level = hospital()
                rows.append(
                    row(
                        person,
                        "illness_visit",
                        rng.randint(year_first, year_last),
                        rng.choice((300_000, 500_000, 800_000, 1_500_000, 3_000_000)),
                        "province",
                        hospital_level=level,
                    )
                )
            if rng.random() < CHANCES["disaster_support"]:
                rows.append(row(person, "disaster_support", rng.randint(year_first, year_last), 2_000_000, "province"))
            if rng.random() < CHANCES["condolence"]:
                rows.append(
                    row(
                        person,
                        "condolence",
                        rng.randint(year_first, year_last),
                        2_000_000,
                        "province",
                        condolence_for="relative",
                    )
                )
            if rng.random() < CHANCES["training"]:
                course_pk, start, end = rng.choice(courses[(person.province_code, year)])
                rows.append(row(person, "training", rng.randint(start, end), 0, "province", course=course_pk))
            if rng.random() < CHANCES["study_tour"]:
                rows.append(row(person, "study_tour", rng.randint(year_first, year_last), 0, "central"))
            if rng.random() < CHANCES["other"]:
                rows.append(
                    row(
                        person,
                        "other",
                        rng.randint(year_first, year_last),
                        rng.choice((500_000, 800_000, 1_000_000)),
                        "province",
                        note="Gặp mặt, biểu dương người có uy tín",
                    )
                )
        if person.status_day is not None:
            rows = [r for r in rows if r[2] <= ISO[person.status_day]]
            if person.status == "deceased":
                day = min(person.status_day + rng.randint(1, 10), UNTIL)
                rows.append(row(person, "condolence", day, 3_000_000, "province", condolence_for="person"))
        rows.sort(key=lambda r: r[2])
        for values in rows:
            yield (pk, *values)
            pk += 1


def write_activities(ctx: Context, ref: Reference, persons: list, courses: dict):
    return write(SupportActivity, ACTIVITY_FIELDS, activity_rows(ctx, ref, persons, courses), fresh=True)


# --- Households ----------------------------------------------------------------------------------------------

HOUSEHOLD_FIELDS = [
    "id",
    "head_name",
    "name_key",
    "head_id_number",
    "ethnic_group_id",
    "unit_id",
    "members",
    "poverty_status",
    "poverty_year",
    "note",
    "created_by_id",
    "created_at",
    "updated_at",
]
MEMBERS = [(1, 5), (2, 10), (3, 15), (4, 22), (5, 20), (6, 13), (7, 8), (8, 4), (9, 2), (10, 1)]
POVERTY = {"III": (0.35, 0.20), "II": (0.25, 0.17), "I": (0.12, 0.12), "": (0.12, 0.12)}
STATUS_CODE = {"none": 0, "poor": 1, "near_poor": 2}


class Households:
    """What the supports need to know of each household, by pk: its commune's officer and its poverty status."""

    def __init__(self):
        self.users = array("l")
        self.status = bytearray()

    def __len__(self):
        return len(self.users)


def household_rows(ctx: Context, nation: Nation, ref: Reference, known: Households):
    rng = ctx.rng("households")
    namer = Namer(ctx.rng("households", "names"))
    ethnic = _ethnic_pickers(ctx, ref, "households", minority_only=False)
    members = weighted_picker(ctx.rng("households", "members"), MEMBERS)
    all_old_codes = sorted({code for province in nation.provinces for code in province.old_codes})
    counters: dict[str, int] = {}
    rand = rng.random
    first_day = ordinal(2024, 1, 5)
    years = (2022, 2023, 2024, 2025)
    pk = 1
    current, taken = None, set()
    for province, commune, village_pk, count in _counts(ctx, nation, ctx.target("households"), "households"):
        if commune.pk != current:  # head names are unique per commune: no near-duplicate cases
            current, taken = commune.pk, set()
        pick_group = ethnic(province.code)
        poor, near = POVERTY[commune.region or ""]
        old_codes = province.old_codes
        for _index in range(count):
            unit_pk = commune.pk if rand() < 0.05 else village_pk
            group = pick_group()
            female = rand() < 0.22
            full, key = namer.name(names.CULTURE_OF.get(group, "kinh"), female, taken)
            birth_year = int(rng.triangular(1946, 2004.999, 1978))
            if rand() < 0.97:
                old = old_codes[int(rand() * len(old_codes))]
            else:
                old = all_old_codes[int(rand() * len(all_old_codes))]
            century_gender = (0 if birth_year < 2000 else 2) + (1 if female else 0)
            prefix = f"0{old}{century_gender}{birth_year % 100:02d}"
            serial = counters.get(prefix, 0)
            counters[prefix] = serial + 1
            # 7919 is prime to 10^6: serial → tail is one-to-one over a million serials per prefix.
            tail = (serial * 7919 + int(prefix) * 104729) % 1_000_000
            draw = rand()
            status = "poor" if draw < poor else "near_poor" if draw < poor + near else "none"
            created = stamp(first_day + int(rand() * 56), pk)
            yield (
                pk,
                full,
                key,
                f"{prefix}{tail:06d}",
                ref.groups[group],
                unit_pk,
                members(),
                status,
                years[int(rand() * 4)] if status != "none" else None,
                "",
                commune.user_pk,
                created,
                created,
            )
            known.users.append(commune.user_pk)
            known.status.append(STATUS_CODE[status])
            pk += 1


def write_households(ctx: Context, nation: Nation, ref: Reference, known: Households):
    return write(Household, HOUSEHOLD_FIELDS, household_rows(ctx, nation, ref, known), fresh=True)


SUPPORT_FIELDS = [
    "id",
    "household_id",
    "funding_program",
    "project_id",
    "subproject_id",
    "scheme",
    "year",
    "kind",
    "amount",
    "date",
    "note",
    "created_by_id",
    "created_at",
    "updated_at",
]
ONCE_ONLY = {"residential_land", "housing", "production_land", "job_conversion", "water"}
# (program, kind) → weight
PROGRAM_KINDS = [
    *[
        (("ntp_1719", kind), 55 * weight)
        for kind, weight in (
            ("housing", 0.08),
            ("water", 0.12),
            ("production_support", 0.30),
            ("job_conversion", 0.05),
            ("residential_land", 0.03),
            ("production_land", 0.03),
            ("vocational_training", 0.10),
            ("education", 0.10),
            ("health", 0.14),
            ("other", 0.05),
        )
    ],
    *[
        (("ntp_poverty", kind), 20 * weight)
        for kind, weight in (
            ("housing", 0.15),
            ("production_support", 0.45),
            ("vocational_training", 0.25),
            ("health", 0.05),
            ("education", 0.10),
        )
    ],
    *[
        (("ntp_rural", kind), 10 * weight)
        for kind, weight in (("production_support", 0.6), ("water", 0.3), ("other", 0.1))
    ],
    *[
        (("other", kind), 15 * weight)
        for kind, weight in (("health", 0.4), ("education", 0.4), ("housing", 0.1), ("other", 0.1))
    ],
]
ITEM_OF_KIND = {
    "residential_land": "DA1",
    "housing": "DA1",
    "production_land": "DA1",
    "job_conversion": "DA1",
    "water": "DA1",
    "production_support": "DA3.TDA2",
    "vocational_training": "DA5.TDA3",
    "education": "DA5.TDA1",
    "health": "DA7",
    "other": "DA8",
}
SCHEMES = {
    ("ntp_poverty", "housing"): "Dự án 5 – hỗ trợ nhà ở (QĐ 90/QĐ-TTg)",
    ("ntp_poverty", "production_support"): "Dự án 2 – đa dạng hóa sinh kế (QĐ 90/QĐ-TTg)",
    ("ntp_poverty", "vocational_training"): "Dự án 4 – phát triển giáo dục nghề nghiệp (QĐ 90/QĐ-TTg)",
    ("ntp_poverty", "health"): "Dự án 3 – hỗ trợ dinh dưỡng, chăm sóc sức khỏe (QĐ 90/QĐ-TTg)",
    ("ntp_poverty", "education"): "Hỗ trợ học sinh nghèo (QĐ 90/QĐ-TTg)",
    ("ntp_rural", "production_support"): "Hỗ trợ phát triển sản xuất (QĐ 263/QĐ-TTg)",
    ("ntp_rural", "water"): "Nước sạch nông thôn (QĐ 263/QĐ-TTg)",
    ("ntp_rural", "other"): "Nội dung khác của Chương trình nông thôn mới (QĐ 263/QĐ-TTg)",
    ("other", "health"): "Thẻ bảo hiểm y tế người DTTS vùng khó khăn (NĐ 146/2018/NĐ-CP)",
    ("other", "education"): "Hỗ trợ học sinh bán trú (NĐ 116/2016/NĐ-CP)",
    ("other", "housing"): "Hỗ trợ nhà ở hộ nghèo (QĐ 33/2015/QĐ-TTg)",
    ("other", "other"): "Cho vay tín dụng chính sách (Ngân hàng Chính sách xã hội)",
}
RANGES = {  # millions of đồng, where the norms table has no amount
    "residential_land": (20, 40),
    "housing": (25, 50),
    "production_land": (10, 22),
    "job_conversion": (5, 10),
    "water": (1, 3),
    "production_support": (3, 15),
    "vocational_training": (2, 6),
    "health": (1, 3),
    "education": (1, 5),
    "other": (1, 5),
}
SUPPORTS_PER_HOUSEHOLD = [(0, 15), (1, 37.5), (2, 35), (3, 7.5), (4, 5)]  # 1.5 on average


def support_rows(ctx: Context, ref: Reference, known: Households):
    rng = ctx.rng("household-supports")
    pick = weighted_picker(ctx.rng("household-supports", "kinds"), PROGRAM_KINDS, resolution=10_000)
    how_many = weighted_picker(ctx.rng("household-supports", "count"), SUPPORTS_PER_HOUSEHOLD)
    ratio = ctx.target("household_supports") / max(1, ctx.target("households")) / 1.5
    items = {kind: ref.items.get(code, (None, None)) for kind, code in ITEM_OF_KIND.items()}
    rand = rng.random
    # Days a support of a year may carry: (first, days) in the year, and in the next (paid from carried capital).
    in_year = {y: (ordinal(y, 3, 1), min(ordinal(y, 12, 20), UNTIL) - ordinal(y, 3, 1) + 1) for y in YEARS}
    next_year = {
        y: (ordinal(y + 1, 1, 15), min(ordinal(y + 1, 6, 30), UNTIL) - ordinal(y + 1, 1, 15) + 1)
        for y in NEW_CAPITAL_YEARS
    }
    pk = 1

    def record(program, kind, year):
        if program == "ntp_1719":
            project_pk, sub_pk = items[kind]
            scheme = ""
            first, days = next_year[year] if rand() < 0.12 else in_year[year]  # 12 %: paid from carried capital
        else:
            project_pk = sub_pk = None
            scheme = SCHEMES.get((program, kind), "Chính sách hỗ trợ khác của địa phương")
            first, days = in_year[year]
        day = first + int(rand() * days)
        norm = ref.household_norms.get((kind, program))
        if norm and rand() < 0.85:
            amount = norm
        else:
            low, high = RANGES[kind]
            amount = (low * 10 + int(rand() * ((high - low) * 10 + 1))) * 100_000
            if norm:
                amount = min(amount, norm)
        return program, project_pk, sub_pk, scheme, year, kind, amount, day

    def year_of(program):
        draw = rand()
        if program == "ntp_1719":
            return NEW_CAPITAL_YEARS[0] if draw < 0.5 else NEW_CAPITAL_YEARS[1]
        return YEARS[0] if draw < 0.35 else YEARS[1] if draw < 0.75 else YEARS[2]

    for index in range(len(known)):
        household_pk = index + 1
        count = how_many()
        if ratio != 1.0:
            count = max(0, round(count * ratio))
        if not count:
            continue
        poor = known.status[index] != 0
        records = []
        once, yearly = set(), set()
        draw = rng.random()
        if count >= 2 and draw < 0.006:
            # A kind given once only, twice: a house from 1719 and again from the poverty program.
            records.append(record("ntp_1719", "housing", YEARS[0]))
            records.append(record("ntp_poverty" if poor else "other", "housing", YEARS[1]))
            once.add("housing")
            yearly.update({("housing", YEARS[0]), ("housing", YEARS[1])})
        elif count >= 2 and draw < 0.016:
            # The same support in one year from two programs.
            year = rng.choice(NEW_CAPITAL_YEARS)
            records.append(record("ntp_1719", "production_support", year))
            records.append(record("ntp_poverty" if poor else "ntp_rural", "production_support", year))
            yearly.add(("production_support", year))
        while len(records) < count:
            for _attempt in range(6):
                program, kind = pick()
                if program == "ntp_poverty" and not poor:
                    continue
                year = year_of(program)
                if (kind in ONCE_ONLY and kind in once) or (kind, year) in yearly:
                    continue
                break
            else:
                break
            records.append(record(program, kind, year))
            if kind in ONCE_ONLY:
                once.add(kind)
            yearly.add((kind, year))
        user_pk = known.users[index]
        for program, project_pk, sub_pk, scheme, year, kind, amount, day in records:
            created = stamp(min(day + 3, UNTIL), pk)
            yield (
                pk,
                household_pk,
                program,
                project_pk,
                sub_pk,
                scheme,
                year,
                kind,
                amount,
                ISO[day],
                "",
                user_pk,
                created,
                created,
            )
            pk += 1


def write_household_supports(ctx: Context, ref: Reference, known: Households):
    return write(HouseholdSupport, SUPPORT_FIELDS, support_rows(ctx, ref, known), fresh=True)
