import datetime

import pytest

from beneficiaries import services
from beneficiaries.models import EthnicGroup
from ethnic_portal import clock
from programs.models import Project, SubProject
from tests.factories import VillageFactory, unit

TODAY = datetime.date(2024, 7, 15)


@pytest.fixture
def today():
    """The portal's clock on 15/07/2024 for the whole test."""
    with clock.as_of(TODAY):
        yield TODAY


@pytest.fixture
def village(reference_data):
    """A village of Thị trấn Chợ Rã (01888, Ba Bể), existing until the 2025 merger."""
    return VillageFactory(
        parent=unit("01888"), code="01888.91", name="Bản Thử Một", valid_to=datetime.date(2025, 6, 30)
    )


@pytest.fixture
def other_village(reference_data):
    """A village of Chợ Đồn (064): another district."""
    commune = unit("064").children.order_by("code").first()
    return VillageFactory(
        parent=commune, code=f"{commune.code}.91", name="Bản Chợ Đồn", valid_to=datetime.date(2025, 6, 30)
    )


@pytest.fixture
def tay(reference_data):
    return EthnicGroup.objects.get(code="02")


def person_fields(**overrides):
    fields = {
        "full_name": "Hoàng Văn Thắng",
        "gender": "male",
        "birth_year": 1958,
        "ethnic_group": EthnicGroup.objects.get(code="02"),
        "unit": None,
        "community_role": "village_elder",
        "term_start": 2023,
        "term_end": 2027,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_person(today, village, province_user):
    def make(actor=None, **overrides):
        overrides.setdefault("unit", village)
        return services.person_create(actor=actor or province_user, **person_fields(**overrides))

    return make


def household_fields(**overrides):
    fields = {
        "head_name": "Nông Thị Lan",
        "head_id_number": "006180001234",
        "ethnic_group": EthnicGroup.objects.get(code="02"),
        "unit": None,
        "members": 5,
        "poverty_status": "poor",
        "poverty_year": 2023,
    }
    fields.update(overrides)
    return fields


@pytest.fixture
def make_household(today, village, province_user):
    def make(actor=None, **overrides):
        overrides.setdefault("unit", village)
        return services.household_create(actor=actor or province_user, **household_fields(**overrides))

    return make


def da1():
    return Project.objects.get(code="DA1", program__phase=1)


def subproject(code):
    return SubProject.objects.get(code=code, project__program__phase=1)


@pytest.fixture
def make_support(today, province_user):
    def make(household, actor=None, **overrides):
        fields = {
            "year": 2024,
            "kind": "water",
            "amount": 3_000_000,
            "date": datetime.date(2024, 5, 10),
            "funding_program": "ntp_1719",
            "project": da1(),
        }
        fields.update(overrides)
        return services.household_support_create(actor=actor or province_user, household=household, **fields)

    return make
