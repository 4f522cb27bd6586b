import datetime

import factory

from accounts.models import User
from geography.models import AdministrativeUnit, Level, UnitType

TEST_PASSWORD = "Mật-khẩu-thử-2026"


def unit(code: str, *, current: bool = False) -> AdministrativeUnit:
    """A loaded unit by code; `current=True` picks the version created by the 2025 reform."""
    versions = AdministrativeUnit.objects.filter(code=code)
    if current:
        return versions.get(valid_from=datetime.date(2025, 7, 1))
    return versions.get(valid_from__isnull=True)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Faker("name", locale="vi_VN")
    role = "commune"
    password = factory.django.Password(TEST_PASSWORD)


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeUnit

    parent = None
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}.{n:02d}")
    name = factory.Sequence(lambda n: f"Thôn thử {n}")
    level = Level.VILLAGE
    unit_type = UnitType.VILLAGE
