"""The demo's prestigious persons, households and program activities of Bắc Kạn, written through the
beneficiaries' services as on the day of each record.

The 2024 figures are those of the seed report (the 2024 half-year review, July 2024):

* 1.290 prestigious persons on the list were visited with Tết gifts by the province (funded_by `province`),
  and 362 of them a second time by the Committee for Ethnic Minority Affairs' delegation (`central`) — two
  Tết visits a year is the policy's limit; visits when ill, condolences (three persons died, relatives of
  others), support after Typhoon Yagi (September 2024), three training courses in the first half year;
* the gender-equality scheme's four pilot models maintained, with stage contests at the model sites;
* the ethnic-minority congresses held in 8 of 8 districts by June, the province's planned for October 2024.

Households (about 240, in Ba Bể, Chợ Đồn and Na Rì) received support from this program and, for some of
them, from the poverty-reduction and new-rural-development programs for the same purpose; one household
was entered twice. So the review page has cases. Everything is generated from a fixed seed: every run
writes the same data, and a second run finds the persons and writes nothing.
"""

import datetime
import random

from django.db import transaction

from accounts.models import User
from beneficiaries import services
from beneficiaries.choices import (
    ActivityKind,
    CommunityRole,
    CondolenceFor,
    FundedBy,
    FundingProgram,
    HospitalLevel,
    PersonStatus,
    Scheme,
    SupportKind,
)
from beneficiaries.models import EthnicGroup, Household, PrestigiousPerson, SupportActivity
from beneficiaries.selectors import support_overlap_cases
from ethnic_portal.clock import as_of
from geography.models import AdministrativeUnit, Level
from programs.models import Project, SubProject

SEED = 2024
PERSONS_2024 = 1290  # "thăm hỏi và tặng quà cho 1.290 người có uy tín nhân dịp Tết Nguyên đán"
CENTRAL_VISITS_2024 = 362  # "phối hợp với đoàn công tác của Ủy ban Dân tộc … cho 362 người có uy tín"
REPLACED_2023 = 8  # recognised in 2022, replaced during 2023: not visited in 2024
LIST_DECISION = ("2356/QĐ-UBND", datetime.date(2022, 12, 12))

SURNAMES = [
    "Hoàng",
    "Nông",
    "Triệu",
    "Lý",
    "Ma",
    "Hà",
    "Lương",
    "Lục",
    "Bàn",
    "Đặng",
    "Dương",
    "Lăng",
    "Hứa",
    "Đàm",
    "Mã",
    "Lộc",
    "Giàng",
    "Vàng",
]
MALE_MIDDLE = ["Văn", "Văn", "Văn", "Đức", "Quang", "Kim", "Seo", "Phúc", "Ngọc"]
FEMALE_MIDDLE = ["Thị", "Thị", "Thị", "Kim", "Ngọc"]
MALE_GIVEN = [
    "Thắng",
    "Hùng",
    "Dũng",
    "Tài",
    "Sinh",
    "Phin",
    "Páo",
    "Chản",
    "Lìn",
    "Mềnh",
    "Quý",
    "Thường",
    "Bảo",
    "Thịnh",
    "Chiến",
    "Nguyên",
    "Khang",
    "Sơn",
    "Vần",
    "Kiên",
    "Dào",
    "Hải",
]
FEMALE_GIVEN = ["Lan", "Mai", "Phượng", "Hoa", "Thu", "Chín", "Nhất", "Dung", "Ngân", "Hương", "Sáu", "Mảy", "Xuân"]
# Tày, Nùng, Dao, Mông, Kinh, Sán Chay: the groups of Bắc Kạn, roughly in their proportions.
ETHNIC_WEIGHTS = [("02", 52), ("07", 10), ("09", 17), ("08", 8), ("01", 11), ("14", 2)]
ROLE_WEIGHTS = [
    (CommunityRole.VILLAGE_ELDER, 35),
    (CommunityRole.VILLAGE_HEAD, 30),
    (CommunityRole.CLAN_HEAD, 18),
    (CommunityRole.ARTISAN, 7),
    (CommunityRole.RELIGIOUS_DIGNITARY, 3),
    (CommunityRole.OTHER, 7),
]
DISTRICT_CONGRESS_DATES = {
    "058": datetime.date(2024, 4, 9),
    "060": datetime.date(2024, 3, 28),
    "061": datetime.date(2024, 4, 18),
    "062": datetime.date(2024, 5, 7),
    "063": datetime.date(2024, 5, 16),
    "064": datetime.date(2024, 5, 28),
    "065": datetime.date(2024, 6, 5),
    "066": datetime.date(2024, 6, 13),
}
PROVINCE_CONGRESS = datetime.date(2024, 10, 17)  # "đại hội cấp tỉnh sẽ tổ chức vào tháng 10/2024"


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _name(rng: random.Random, gender: str) -> str:
    middle = MALE_MIDDLE if gender == "male" else FEMALE_MIDDLE
    given = MALE_GIVEN if gender == "male" else FEMALE_GIVEN
    return f"{rng.choice(SURNAMES)} {rng.choice(middle)} {rng.choice(given)}"


class DemoPeople:
    def __init__(self, users: dict[str, User]):
        self.rng = random.Random(SEED)
        self.province_user = users["tinh.backan"]
        self.province = self.province_user.unit
        self.districts = {
            user.unit.code: user
            for user in users.values()
            if user.role == "district" and user.unit.path.startswith(self.province.path)
        }
        self.groups = {g.code: g for g in EthnicGroup.objects.filter(code__in=[c for c, _w in ETHNIC_WEIGHTS])}
        self.villages = list(
            AdministrativeUnit.objects.filter(
                level=Level.VILLAGE, path__startswith=self.province.path, valid_from__isnull=True
            ).order_by("path")
        )
        self.counts: dict[str, int] = {}

    def district_user(self, unit: AdministrativeUnit) -> User:
        code = unit.path.split("/")[1].split("@")[0]
        return self.districts.get(code, self.province_user)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    # --- Persons and the 2024 list ----------------------------------------------------------------

    def persons(self) -> list[PrestigiousPerson]:
        """The list approved in December 2022 for the 2023–2027 term, recorded in one batch."""
        rng = self.rng
        total = PERSONS_2024 + REPLACED_2023
        seen = set()
        rows = []
        for index in range(total):
            village = self.villages[index % len(self.villages)]
            gender = "male" if rng.random() < 0.86 else "female"
            while True:
                name = _name(rng, gender)
                birth_year = rng.randint(1942, 1985)
                if (name, birth_year, village.pk) not in seen:
                    seen.add((name, birth_year, village.pk))
                    break
            row = {
                "full_name": name,
                "gender": gender,
                "birth_year": birth_year,
                "ethnic_group": self.groups[_weighted(rng, ETHNIC_WEIGHTS)],
                "unit": village,
                "community_role": _weighted(rng, ROLE_WEIGHTS),
                "term_start": 2023,
                "term_end": 2027,
                "approval_decision_no": LIST_DECISION[0],
                "approval_decision_date": LIST_DECISION[1],
                "approval_level": "province",
            }
            rows.append(row)
            if index == 40:
                # Entered twice by mistake: the same person again at the commune, besides his village.
                rows.append(
                    {**row, "unit": village.parent, "note": "Nhập trùng (dữ liệu mẫu): cùng người ở thôn của xã."}
                )
        with as_of(LIST_DECISION[1]):
            created = services.persons_record(actor=self.province_user, rows=rows)
        self.count("persons", len(created))
        # Replaced during 2023: moved away, or no longer meeting the criteria.
        for number, person in enumerate(created[-REPLACED_2023:]):
            day = datetime.date(2023, 3 + number, 10)
            with as_of(day):
                services.person_update(
                    actor=self.province_user, person=person, status=PersonStatus.REPLACED, status_date=day
                )
        twin = created[41]  # the duplicate stays on the list until someone reviews it; it was not visited
        return [p for p in created[:-REPLACED_2023] if p.pk != twin.pk]

    # --- Support to them --------------------------------------------------------------------------

    def support(self, person, *, kind, day, funded_by, actor=None, **extra) -> SupportActivity:
        with as_of(day):
            support = services.support_activity_create(
                actor=actor or self.province_user, person=person, kind=kind, date=day, funded_by=funded_by, **extra
            )
        self.count(kind)
        return support

    def tet_2024(self, persons: list[PrestigiousPerson]) -> None:
        rng = self.rng
        rows = [
            {
                "person": person,
                "kind": SupportKind.TET_VISIT,
                "date": datetime.date(2024, 1, 20) + datetime.timedelta(days=rng.randint(0, 19)),
                "funded_by": FundedBy.PROVINCE,
            }
            for person in persons
        ]
        # The delegation of the Committee for Ethnic Minority Affairs visited Pác Nặm, Ba Bể and Na Rì first.
        order = sorted(persons, key=lambda p: (p.unit.path.split("/")[1] not in {"060", "061", "066"}, p.pk))
        rows += [
            {
                "person": person,
                "kind": SupportKind.TET_VISIT,
                "date": datetime.date(2024, 1, 29) + datetime.timedelta(days=rng.randint(0, 4)),
                "funded_by": FundedBy.CENTRAL,
                "note": "Đoàn công tác Ủy ban Dân tộc",
            }
            for person in order[:CENTRAL_VISITS_2024]
        ]
        with as_of(datetime.date(2024, 2, 9)):
            services.support_activities_record(actor=self.province_user, rows=rows)
        self.count(SupportKind.TET_VISIT, len(rows))

    def other_support_2024(self, persons: list[PrestigiousPerson]) -> None:
        rng = self.rng
        pool = list(persons)
        rng.shuffle(pool)
        ill, pool = pool[:45], pool[45:]
        levels = (
            [HospitalLevel.DISTRICT] * 20
            + [HospitalLevel.PROVINCE] * 14
            + [HospitalLevel.CENTRAL] * 6
            + [HospitalLevel.COMMUNE] * 5
        )
        for person, level in zip(ill, levels, strict=True):
            day = datetime.date(2024, 3, 1) + datetime.timedelta(days=rng.randint(0, 240))
            self.support(
                person, kind=SupportKind.ILLNESS_VISIT, day=day, funded_by=FundedBy.PROVINCE, hospital_level=level
            )
        # One visit above the ceiling, with the reason the policy asks for.
        self.support(
            pool.pop(),
            kind=SupportKind.ILLNESS_VISIT,
            day=datetime.date(2024, 5, 6),
            funded_by=FundedBy.PROVINCE,
            hospital_level=HospitalLevel.CENTRAL,
            amount=3_500_000,
            over_ceiling_reason="Phẫu thuật tại Bệnh viện Bạch Mai; Thường trực UBND tỉnh đồng ý hỗ trợ thêm từ ngân sách tỉnh.",
        )
        relatives, pool = pool[:18], pool[18:]
        for person in relatives:
            day = datetime.date(2024, 2, 20) + datetime.timedelta(days=rng.randint(0, 250))
            self.support(
                person,
                kind=SupportKind.CONDOLENCE,
                day=day,
                funded_by=FundedBy.DISTRICT,
                condolence_for=CondolenceFor.RELATIVE,
                actor=self.district_user(person.unit),
            )
        deceased, pool = pool[:3], pool[3:]
        for number, person in enumerate(deceased):
            died = datetime.date(2024, 4 + 2 * number, 12)
            with as_of(died):
                services.person_update(
                    actor=self.province_user, person=person, status=PersonStatus.DECEASED, status_date=died
                )
            person.refresh_from_db()
            self.support(
                person,
                kind=SupportKind.CONDOLENCE,
                day=died + datetime.timedelta(days=1),
                funded_by=FundedBy.PROVINCE,
                condolence_for=CondolenceFor.PERSON,
            )
        # Typhoon Yagi (September 2024): households of prestigious persons damaged by floods and landslides.
        for person in [p for p in pool if p.unit.path.split("/")[1] in {"061", "064", "060"}][:25]:
            day = datetime.date(2024, 9, 15) + datetime.timedelta(days=rng.randint(0, 20))
            self.support(
                person,
                kind=SupportKind.DISASTER_SUPPORT,
                day=day,
                funded_by=FundedBy.PROVINCE,
                note="Thiệt hại do bão số 3 (Yagi)",
            )

    def courses_2024(self, persons: list[PrestigiousPerson]) -> None:
        """Three training courses in the first half of 2024 (the seed report's "03 lớp tập huấn")."""
        da10 = Project.objects.get(code="DA10", program__phase=1)
        tda1 = SubProject.objects.get(code="DA10.TDA1", project=da10)
        by_district: dict[str, list] = {}
        for person in persons:
            if person.status == PersonStatus.ACTIVE:
                by_district.setdefault(person.unit.path.split("/")[1], []).append(person)
        plan = [
            ("Lớp 1: Ba Bể, Pác Nặm, Ngân Sơn", datetime.date(2024, 3, 12), ["061", "060", "062"]),
            ("Lớp 2: Chợ Đồn, Bạch Thông, Thành phố", datetime.date(2024, 4, 9), ["064", "063", "058"]),
            ("Lớp 3: Na Rì, Chợ Mới", datetime.date(2024, 5, 14), ["066", "065"]),
        ]
        for title, start, districts in plan:
            with as_of(start):
                course = services.training_course_create(
                    actor=self.province_user,
                    title=f"Tập huấn nâng cao năng lực cho người có uy tín năm 2024 – {title}",
                    unit=self.province,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=2),
                    location="Hội trường Ban Dân tộc tỉnh, thành phố Bắc Kạn",
                    funded_by=FundedBy.PROVINCE,
                    project=da10,
                    subproject=tda1,
                )
                participants = [p for code in districts for p in by_district.get(code, [])[:34]][:100]
                services.training_course_add_participants(
                    actor=self.province_user, course=course, persons=participants, amount=450_000
                )
            self.count("courses")
            self.count(SupportKind.TRAINING, len(participants))
        tour = [p for p in persons if p.status == PersonStatus.ACTIVE][:30]
        for person in tour:
            self.support(
                person,
                kind=SupportKind.STUDY_TOUR,
                day=datetime.date(2024, 10, 24),
                funded_by=FundedBy.PROVINCE,
                amount=0,
                note="Tham quan, học tập kinh nghiệm tại tỉnh Tuyên Quang",
            )

    # --- Program activities -----------------------------------------------------------------------

    def _split_gender(self, total: int, female_share: float) -> tuple[int, int]:
        female = int(total * female_share)
        return total - female, female

    def _ethnic(self, total: int) -> dict:
        counts, left = {}, total
        for code, weight in ETHNIC_WEIGHTS[:-1]:
            n = total * weight // 100
            counts[self.groups[code]] = n
            left -= n
        counts[self.groups[ETHNIC_WEIGHTS[-1][0]]] = max(left, 0)
        return counts

    def activity(self, *, actor=None, **fields):
        total = fields.pop("total")
        male, female = self._split_gender(total, fields.pop("female_share", 0.45))
        with as_of(fields["start_date"]):
            services.program_activity_create(
                actor=actor or self.province_user,
                participants_total=total,
                participants_male=male,
                participants_female=female,
                ethnic_counts=self._ethnic(total),
                **fields,
            )
        self.count(f"activity_{fields['kind']}")

    def activities(self) -> None:
        districts = {
            d.code: d
            for d in AdministrativeUnit.objects.filter(parent=self.province, level=Level.DISTRICT).order_by("code")
        }
        da8 = Project.objects.get(code="DA8", program__phase=1)
        # Four pilot models of the gender-equality scheme (2018–2025), set up 2019–2021 and still maintained.
        sites = [("061", 2019), ("060", 2020), ("066", 2020), ("064", 2021)]
        for number, (code, year) in enumerate(sites):
            commune = AdministrativeUnit.objects.filter(parent=districts[code]).order_by("code").first()
            self.activity(
                kind=ActivityKind.PILOT_MODEL,
                title=f"Mô hình điểm “Bình đẳng giới vùng đồng bào DTTS” {commune.name}",
                unit=commune,
                start_date=datetime.date(year, 9, 15),
                scheme=Scheme.GENDER_EQUALITY,
                location=commune.name,
                total=30,
                female_share=0.6,
                actor=self.district_user(commune),
            )
            self.activity(
                kind=ActivityKind.CONTEST,
                title=f"Hội thi sân khấu hóa về bình đẳng giới tại mô hình điểm {commune.name}",
                unit=commune,
                start_date=datetime.date(2024, 5, 20) + datetime.timedelta(days=7 * number),
                scheme=Scheme.GENDER_EQUALITY,
                location=commune.name,
                total=120,
                female_share=0.55,
                actor=self.district_user(commune),
            )
        # Congresses of the ethnic minorities, 4th time: 8 of 8 districts by June, the province in October.
        for code, day in DISTRICT_CONGRESS_DATES.items():
            district = districts[code]
            self.activity(
                kind=ActivityKind.CONGRESS,
                title=f"Đại hội đại biểu các dân tộc thiểu số {district.name} lần thứ IV",
                unit=district,
                start_date=day,
                scheme=Scheme.ETHNIC_CONGRESS,
                total=150,
                female_share=0.4,
                actor=self.districts.get(code, self.province_user),
            )
        self.activity(
            kind=ActivityKind.CONGRESS,
            title="Đại hội đại biểu các dân tộc thiểu số tỉnh Bắc Kạn lần thứ IV",
            unit=self.province,
            start_date=PROVINCE_CONGRESS,
            end_date=PROVINCE_CONGRESS + datetime.timedelta(days=1),
            scheme=Scheme.ETHNIC_CONGRESS,
            location="Trung tâm Hội nghị tỉnh Bắc Kạn",
            total=250,
            female_share=0.38,
        )
        for number, (code, day) in enumerate(
            [
                ("061", datetime.date(2024, 3, 21)),
                ("066", datetime.date(2024, 4, 25)),
                ("064", datetime.date(2024, 6, 20)),
            ],
            start=1,
        ):
            district = districts[code]
            self.activity(
                kind=ActivityKind.COMMUNICATION,
                title=f"Tuyên truyền phòng, chống tảo hôn và hôn nhân cận huyết thống tại {district.name} (đợt {number})",
                unit=district,
                start_date=day,
                project=Project.objects.get(code="DA9", program__phase=1),
                subproject=SubProject.objects.get(code="DA9.TDA2", project__program__phase=1),
                total=200,
                actor=self.districts.get(code, self.province_user),
            )
        self.activity(
            kind=ActivityKind.TRAINING,
            title="Tập huấn kiến thức về bình đẳng giới, kỹ năng lồng ghép giới cho cán bộ cơ sở",
            unit=self.province,
            start_date=datetime.date(2024, 6, 25),
            end_date=datetime.date(2024, 6, 26),
            project=da8,
            total=80,
            female_share=0.5,
        )

    # --- Households -------------------------------------------------------------------------------

    def households(self) -> list[Household]:
        rng = self.rng
        villages = [v for v in self.villages if v.path.split("/")[1] in {"061", "064", "066"}]
        created, ids = [], set()
        with as_of(datetime.date(2022, 3, 1)):
            for index in range(240):
                village = villages[(index * 7) % len(villages)]
                gender = "male" if rng.random() < 0.8 else "female"
                born = rng.randint(1955, 1998)
                while True:
                    number = f"006{(0 if gender == 'male' else 1)}{born % 100:02d}{rng.randint(0, 999999):06d}"
                    if number not in ids:
                        ids.add(number)
                        break
                status = _weighted(rng, [("poor", 55), ("near_poor", 30), ("none", 15)])
                created.append(
                    services.household_create(
                        actor=self.district_user(village),
                        head_name=_name(rng, gender),
                        head_id_number=number,
                        ethnic_group=self.groups[_weighted(rng, ETHNIC_WEIGHTS)],
                        unit=village,
                        members=rng.randint(2, 8),
                        poverty_status=status,
                        poverty_year=2021 if status != "none" else None,
                    )
                )
            # Entered twice: the same head in the same village, the ID number mistyped the second time.
            first = created[12]
            typo = first.head_id_number[:-1] + str((int(first.head_id_number[-1]) + 1) % 10)
            created.append(
                services.household_create(
                    actor=self.district_user(first.unit),
                    head_name=first.head_name,
                    head_id_number=typo,
                    ethnic_group=first.ethnic_group,
                    unit=first.unit,
                    members=first.members,
                    poverty_status=first.poverty_status,
                    poverty_year=first.poverty_year,
                    note="Nhập trùng (dữ liệu mẫu): số định danh gõ sai một chữ số.",
                )
            )
        self.count("households", len(created))
        return created[:-1]

    def household_support(self, household, **fields):
        with as_of(fields["date"]):
            services.household_support_create(actor=self.district_user(household.unit), household=household, **fields)
        self.count("household_supports")

    def household_supports(self, households: list[Household]) -> None:
        rng = self.rng
        da1 = Project.objects.get(code="DA1", program__phase=1)
        da3 = Project.objects.get(code="DA3", program__phase=1)
        da5 = Project.objects.get(code="DA5", program__phase=1)
        tda32 = SubProject.objects.get(code="DA3.TDA2", project=da3)
        tda53 = SubProject.objects.get(code="DA5.TDA3", project=da5)

        def day(year, month_from=3, month_to=11):
            return datetime.date(year, rng.randint(month_from, month_to), rng.randint(1, 28))

        poor = [h for h in households if h.poverty_status != "none"]
        housing, water, jobs = poor[:40], poor[40:120], poor[120:140]
        for h in housing:
            year = rng.choice([2022, 2023, 2024])
            self.household_support(h, year=year, kind="housing", amount=40_000_000, date=day(year), project=da1)
        for h in water:
            year = rng.choice([2022, 2023, 2024])
            self.household_support(
                h, year=year, kind="water", amount=rng.choice([2_500_000, 3_000_000]), date=day(year), project=da1
            )
        for h in jobs:
            self.household_support(h, year=2023, kind="job_conversion", amount=10_000_000, date=day(2023), project=da1)
        for h in households[::4]:
            year = rng.choice([2023, 2024])
            self.household_support(
                h,
                year=year,
                kind="production_support",
                amount=rng.randrange(5_000_000, 15_000_001, 500_000),
                date=day(year),
                project=da3,
                subproject=tda32,
            )
        for h in households[1::12]:
            self.household_support(
                h,
                year=2024,
                kind="vocational_training",
                amount=3_600_000,
                date=day(2024),
                project=da5,
                subproject=tda53,
            )

        # The same purpose from other programs: what the seed report calls "households compare and choose".
        for h in water[:3]:
            support = h.supports.get(kind="water")
            self.household_support(
                h,
                year=support.year,
                kind="water",
                amount=2_000_000,
                date=min(support.date + datetime.timedelta(days=40), datetime.date(support.year, 12, 20)),
                funding_program=FundingProgram.NTP_RURAL,
                scheme="Hỗ trợ nước sạch hộ gia đình (tiêu chí 17, CT MTQG nông thôn mới)",
            )
        for h in housing[:2]:
            support = h.supports.get(kind="housing")
            self.household_support(
                h,
                year=support.year,
                kind="housing",
                amount=36_000_000,
                date=min(support.date + datetime.timedelta(days=20), datetime.date(support.year, 12, 20)),
                funding_program=FundingProgram.NTP_POVERTY,
                scheme="Dự án 5 – Hỗ trợ nhà ở cho hộ nghèo, hộ cận nghèo (QĐ 90/QĐ-TTg)",
            )
        self.household_support(
            jobs[0],
            year=2024,
            kind="job_conversion",
            amount=8_000_000,
            date=datetime.date(2024, 8, 12),
            funding_program=FundingProgram.NTP_POVERTY,
            scheme="Dự án 2 – Đa dạng hóa sinh kế, phát triển mô hình giảm nghèo",
        )
        for h in [h for h in households[::4] if h.supports.filter(kind="production_support").exists()][:2]:
            support = h.supports.get(kind="production_support")
            self.household_support(
                h,
                year=support.year,
                kind="production_support",
                amount=7_000_000,
                date=min(support.date + datetime.timedelta(days=15), datetime.date(support.year, 12, 20)),
                funding_program=FundingProgram.NTP_POVERTY,
                scheme="Dự án 3 – Hỗ trợ phát triển sản xuất (CT MTQG giảm nghèo bền vững)",
            )

    def review_one(self) -> None:
        """The province has already looked at one case: the rural-program water support to be recovered."""
        cases = [c for c in support_overlap_cases(user=self.province_user) if c.kind == "water"]
        if cases:
            services.case_review_save(
                actor=self.province_user,
                case=cases[0],
                comment="Đã làm việc với UBND xã: hộ hoàn trả 2.000.000 đồng hỗ trợ nước sạch của CT nông thôn mới.",
            )
            self.count("reviews")


@transaction.atomic
def load_demo_people(*, users: dict) -> dict:
    """Write the demo's persons, households and activities once: a second run finds the persons and does nothing."""
    province = users["tinh.backan"].unit
    if PrestigiousPerson.objects.filter(unit__path__startswith=province.path).exists():
        return {"prestigious_persons": 0}
    demo = DemoPeople(users)
    persons = demo.persons()
    demo.tet_2024(persons)
    demo.other_support_2024(persons)
    demo.courses_2024(persons)
    demo.activities()
    households = demo.households()
    demo.household_supports(households)
    demo.review_one()
    return {"prestigious_persons": demo.counts.get("persons", 0), **{f"demo_{k}": v for k, v in demo.counts.items()}}
