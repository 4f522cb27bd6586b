"""Choices whose values are the API contract's slugs and whose labels are Vietnamese.

Shared by the models, the services, the API and the Excel importers.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class CommunityRole(models.TextChoices):
    VILLAGE_ELDER = "village_elder", _("Già làng")
    VILLAGE_HEAD = "village_head", _("Trưởng thôn, bản")
    CLAN_HEAD = "clan_head", _("Trưởng dòng họ")
    RELIGIOUS_DIGNITARY = "religious_dignitary", _("Chức sắc, chức việc tôn giáo")
    ARTISAN = "artisan", _("Nghệ nhân")
    OTHER = "other", _("Khác")


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("Đang là người có uy tín")
    REPLACED = "replaced", _("Đã thay thế, đưa ra khỏi danh sách")
    DECEASED = "deceased", _("Đã qua đời")


class ApprovalLevel(models.TextChoices):
    """Who approved the list: the province chairman under QĐ 12/2018, the district chairman from 15/01/2024
    (QĐ 28/2023); after 1/7/2025 the competence is not confirmed, so the level is data."""

    PROVINCE = "province", _("Chủ tịch UBND tỉnh")
    DISTRICT = "district", _("Chủ tịch UBND huyện")
    COMMUNE = "commune", _("Chủ tịch UBND xã")


class SupportKind(models.TextChoices):
    TET_VISIT = "tet_visit", _("Thăm hỏi, tặng quà Tết")
    ILLNESS_VISIT = "illness_visit", _("Thăm hỏi khi ốm đau")
    CONDOLENCE = "condolence", _("Thăm viếng khi qua đời")
    DISASTER_SUPPORT = "disaster_support", _("Hỗ trợ khi gặp thiên tai, sự cố")
    TRAINING = "training", _("Tập huấn, bồi dưỡng")
    STUDY_TOUR = "study_tour", _("Tham quan, học tập kinh nghiệm")
    OTHER = "other", _("Khác (cấp báo, gặp mặt, biểu dương…)")


class FundedBy(models.TextChoices):
    PROVINCE = "province", _("Tỉnh")
    CENTRAL = "central", _("Trung ương (đoàn công tác của Ủy ban Dân tộc)")
    DISTRICT = "district", _("Huyện")
    OTHER = "other", _("Khác")


class HospitalLevel(models.TextChoices):
    CENTRAL = "central", _("Tuyến trung ương và tương đương")
    PROVINCE = "province", _("Tuyến tỉnh và tương đương")
    DISTRICT = "district", _("Tuyến huyện và tương đương")
    COMMUNE = "commune", _("Tuyến xã và tương đương")


class CondolenceFor(models.TextChoices):
    PERSON = "person", _("Người có uy tín qua đời")
    RELATIVE = "relative", _("Thân nhân (bố, mẹ, vợ/chồng, con) qua đời")


class PovertyStatus(models.TextChoices):
    POOR = "poor", _("Hộ nghèo")
    NEAR_POOR = "near_poor", _("Hộ cận nghèo")
    NONE = "none", _("Không")


class HouseholdSupportKind(models.TextChoices):
    RESIDENTIAL_LAND = "residential_land", _("Hỗ trợ đất ở")
    HOUSING = "housing", _("Hỗ trợ nhà ở")
    PRODUCTION_LAND = "production_land", _("Hỗ trợ đất sản xuất")
    JOB_CONVERSION = "job_conversion", _("Hỗ trợ chuyển đổi nghề")
    WATER = "water", _("Hỗ trợ nước sinh hoạt")
    PRODUCTION_SUPPORT = "production_support", _("Hỗ trợ phát triển sản xuất")
    VOCATIONAL_TRAINING = "vocational_training", _("Đào tạo nghề")
    HEALTH = "health", _("Y tế")
    EDUCATION = "education", _("Giáo dục")
    OTHER = "other", _("Khác")


class FundingProgram(models.TextChoices):
    NTP_1719 = "ntp_1719", _("CT MTQG vùng đồng bào DTTS&MN (1719)")
    NTP_POVERTY = "ntp_poverty", _("CT MTQG giảm nghèo bền vững")
    NTP_RURAL = "ntp_rural", _("CT MTQG xây dựng nông thôn mới")
    OTHER = "other", _("Chương trình, chính sách khác")


class ActivityKind(models.TextChoices):
    TRAINING = "training", _("Tập huấn, bồi dưỡng")
    COMMUNICATION = "communication", _("Tuyên truyền, truyền thông")
    PILOT_MODEL = "pilot_model", _("Mô hình điểm")
    CONTEST = "contest", _("Hội thi, cuộc thi")
    CONGRESS = "congress", _("Đại hội đại biểu các dân tộc thiểu số")
    OTHER = "other", _("Khác")


class Scheme(models.TextChoices):
    """Schemes (đề án) and campaigns an activity may belong to besides the projects of Decision 1719."""

    NONE = "", _("(theo dự án của Chương trình)")
    GENDER_EQUALITY = "gender_equality", _("Đề án hỗ trợ hoạt động bình đẳng giới vùng DTTS 2018–2025")
    ICT = "ict", _("Đề án tăng cường ứng dụng CNTT hỗ trợ đồng bào DTTS")
    ETHNIC_CONGRESS = "ethnic_congress", _("Đại hội đại biểu các DTTS lần thứ IV (2024)")
    LEGAL_EDUCATION = "legal_education", _("Phổ biến, giáo dục pháp luật vùng DTTS")
    OTHER = "other", _("Đề án, kế hoạch khác")


class CaseType(models.TextChoices):
    SUPPORT_OVERLAP = "support_overlap", _("Hỗ trợ trùng")
    HOUSEHOLD_DUPLICATE = "household_duplicate", _("Hộ nhập hai lần")
    PERSON_DUPLICATE = "person_duplicate", _("Người có uy tín nhập hai lần")
