"""Personas and shared fixtures.

The reference data (units, ethnic groups, program) is loaded once per test database; a
test that flushes the database (transactional tests) gets it back through `reference_data`.
"""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from geography.models import AdministrativeUnit
from tests.factories import UserFactory, unit

PASSWORD = "Mật-khẩu-thử-2026"

# Suites with their own make target (make fuzz / faults / loadtest): left out of `make test`
# unless the -m expression names them.
SEPARATE_SUITES = ("fuzz", "faults", "load")


def pytest_collection_modifyitems(config, items):
    markexpr = config.getoption("markexpr") or ""
    kept, deselected = [], []
    for item in items:
        own = [name for name in SEPARATE_SUITES if item.get_closest_marker(name)]
        (deselected if own and not any(name in markexpr for name in own) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _ensure_reference_data():
    if not AdministrativeUnit.objects.filter(code="06").exists():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        _ensure_reference_data()


@pytest.fixture
def reference_data(db):
    _ensure_reference_data()


@pytest.fixture
def province_user(reference_data):
    return UserFactory(username="tinh", role="province", unit=unit("06"))


@pytest.fixture
def district_user(reference_data):
    """Ba Bể (061)."""
    return UserFactory(username="huyen_babe", role="district", unit=unit("061"))


@pytest.fixture
def other_district_user(reference_data):
    """Chợ Đồn (064)."""
    return UserFactory(username="huyen_chodon", role="district", unit=unit("064"))


@pytest.fixture
def commune_user(reference_data):
    """Thị trấn Chợ Rã (01888), in Ba Bể."""
    return UserFactory(username="xa_chora", role="commune", unit=unit("01888"))


@pytest.fixture
def other_commune_user(reference_data):
    """Xã Bành Trạch (01891), also in Ba Bể."""
    return UserFactory(username="xa_banhtrach", role="commune", unit=unit("01891"))


@pytest.fixture
def leader(reference_data):
    return UserFactory(username="lanhdao", role="leader", unit=unit("06"))


@pytest.fixture
def national_user(reference_data):
    """Bộ Dân tộc và Tôn giáo: the whole country, no unit."""
    return UserFactory(username="bo_dttg", role="national", unit=None)


@pytest.fixture
def admin_user(reference_data):
    return UserFactory(username="quantri", role="admin", unit=unit("19", current=True))


@pytest.fixture
def new_province_user(reference_data):
    """New Thái Nguyên (19, since 1 July 2025)."""
    return UserFactory(username="tinh_tn", role="province", unit=unit("19", current=True))


@pytest.fixture
def new_commune_user(reference_data):
    """Xã Chợ Rã (01912, since 1 July 2025), formed from 01888, 01912 and 01915."""
    return UserFactory(username="xa_chora_moi", role="commune", unit=unit("01912", current=True))


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as():
    """`api_as(user)` → an APIClient authenticated with the user's token."""

    def make(user):
        from rest_framework.authtoken.models import Token

        client = APIClient()
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def client_as(client):
    """`client_as(user)` → the Django test client logged in as the user."""

    def make(user):
        client.force_login(user)
        return client

    return make
