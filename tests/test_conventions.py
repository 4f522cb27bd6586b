"""Meta-tests: the house rules hold for every model, viewset and URL, including future ones."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.mixins import ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewMixin
from accounts.scope import ScopedQuerySet
from ethnic_portal.api_urls import router
from geography.models import AdministrativeUnit

ROOT = Path(__file__).resolve().parents[1]
PROJECT_APPS = {"ethnic_portal", "geography", "accounts", "programs", "beneficiaries", "disbursement", "reports"}

# Models that reach a unit but are not program data, with the reason.
UNSCOPED_MODELS = {
    "geography.UnitSuccession": "reference data: the 2025 mergers, public",
}
# Viewsets over reference data that every logged-in user may read.
UNSCOPED_VIEWSETS = {
    "EthnicGroupViewSet": "reference data: the 54 ethnic groups",
    "ProjectViewSet": "reference data: the program structure",
}
# URL views that are not over scoped rows, with the reason; everything else must use ScopedViewMixin.
UNSCOPED_VIEWS = {
    "HomeView": "reads through selectors that take the user",
    "LoginView": "public: the login page",
    "LogoutView": "ends the session",
    "PasswordChangeView": "the user's own password",
    "PasswordChangeDoneView": "the user's own password",
    "UserListView": "User.objects.for_user",
    "UserCreateView": "the form's unit choices come from AdministrativeUnit.objects.for_user",
    "UserSetActiveView": "User.objects.for_user, 404 outside scope",
    "UnitHomeView": "redirects to the user's own unit",
    "ProgramStructureView": "reference data",
    "SystemStatusView": "administrator only, no program data",
    "health_view": "public liveness probe, says only ok/error",
    "set_language": "Django i18n",
    "ProgressView": "progress_for_unit(user=…) reads through for_user; the unit comes from for_user",
    "AllocationCreateView": "the form's choices come from for_user; allocation_create checks can_write",
    "SubprojectOptionsView": "reference data (sub-projects of a project)",
    "UnitOptionsView": "units from AdministrativeUnit.objects.for_user",
    "PeriodSubmitNewView": "only the user's own unit, checked with can_submit",
    "YearSettingView": "province staff, their own province",
    "CarryOverView": "province staff, their own province; carry_over checks scope",
    "ImportView": "rows go through the services, which check can_write",
    "ImportTemplateDownloadView": "the allocation sheet comes from allocation_list(user=…)",
}
PUBLIC_PATHS = {"/accounts/login/", "/health/", "/i18n/setlang/", "/api/v1/auth/token/"}


def _reaches_unit(model) -> bool:
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if field.many_to_one and related is AdministrativeUnit:
            return True
    return False


def test_every_model_with_a_unit_uses_a_scoped_queryset():
    offenders = []
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model is AdministrativeUnit:
            continue
        label = f"{model._meta.app_label}.{model.__name__}"
        if hasattr(model, "instance_type"):
            continue  # django-simple-history's audit rows: read only through their scoped record's page
        if not _reaches_unit(model) or label in UNSCOPED_MODELS:
            continue
        queryset = model._default_manager.all()
        if not (isinstance(queryset, ScopedQuerySet) or hasattr(queryset, "for_user")):
            offenders.append(label)
        elif not hasattr(model, "scope_lookup"):
            offenders.append(f"{label} (no scope_lookup)")
    assert offenders == []


def test_every_api_viewset_is_scoped_or_reference_data():
    offenders = [
        viewset.__name__
        for _prefix, viewset, _basename in router.registry
        if not issubclass(viewset, ScopedReadOnlyViewSet | ScopedModelViewSet)
        and viewset.__name__ not in UNSCOPED_VIEWSETS
    ]
    assert offenders == []


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_page_view_is_scoped_or_explained():
    offenders = []
    for route, callback in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/")):
            continue  # Django admin has its own permissions; the API is covered above
        view_class = getattr(callback, "view_class", None)
        name = view_class.__name__ if view_class else callback.__name__
        if view_class and issubclass(view_class, ScopedViewMixin):
            continue
        if name not in UNSCOPED_VIEWS:
            offenders.append(f"{route} → {name}")
    assert offenders == []


def test_every_role_has_a_policy_and_a_home_page(client, reference_data):
    """A role added to the table gets a policy and a working home page; a nationwide role has no unit, every other
    role one of its levels."""
    from accounts.scope import ROLE_POLICIES, Role
    from tests.factories import UserFactory

    assert set(ROLE_POLICIES) == set(Role.values)
    for role in Role.values:
        policy = ROLE_POLICIES[role]
        assert policy.nationwide == (not policy.unit_levels), role
        unit = None
        if not policy.nationwide:
            unit = AdministrativeUnit.objects.filter(level=sorted(policy.unit_levels)[0], valid_to__isnull=True).first()
        client.force_login(UserFactory(username=f"home_{role}", role=role, unit=unit))
        response = client.get("/")
        assert response.status_code == 200, role
        assert str(Role(role).label) in response.content.decode(), role


def test_a_view_cannot_override_get_queryset():
    with pytest.raises(TypeError, match="must not override get_queryset"):

        class Sneaky(ScopedViewMixin):
            def get_queryset(self):
                return AdministrativeUnit.objects.all()


def test_every_page_needs_a_login_except_the_public_ones(client, reference_data):
    for route, _callback in _walk(get_resolver().url_patterns):
        if "<" in route or route.startswith("admin/"):
            continue
        path = "/" + route.replace("^", "").replace("$", "")
        if path in PUBLIC_PATHS or path.startswith("/api/v1/"):
            continue
        response = client.get(path)
        assert response.status_code in {302, 405}, path
        if response.status_code == 302:
            assert "/accounts/login/" in response.url, path


def _manage(*args, env_extra=None):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "ethnic_portal.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k" * 20 + "a-long-and-random-production-secret-0123456789",
            "DJANGO_ALLOWED_HOSTS": "portal.example.gov.vn",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", env_extra={"DJANGO_SETTINGS_MODULE": "ethnic_portal.settings", "DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_migrations_match_the_models():
    result = _manage(
        "makemigrations", "--check", "--dry-run", env_extra={"DJANGO_SETTINGS_MODULE": "ethnic_portal.settings_test"}
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _catalogue_entries(path: Path) -> list[tuple[list[str], str, str]]:
    """(flags, msgid, msgstr) of each entry of a .po file; plural entries give their first form."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        flags, parts, current = [], {"msgid": [], "msgstr": []}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith(("msgid ", "msgstr ", "msgstr[0] ")):
                current = "msgid" if line.startswith("msgid ") else "msgstr"
                parts[current].append(line.split(" ", 1)[1])
            elif line.startswith(("msgid_plural ", "msgstr[")):
                current = None
            elif line.startswith('"') and current:
                parts[current].append(line)
        if parts["msgid"]:
            text = {key: "".join(eval(piece) for piece in pieces) for key, pieces in parts.items()}  # noqa: S307
            entries.append((flags, text["msgid"], text["msgstr"]))
    return entries


def test_the_english_catalogue_is_complete_and_compiled():
    """Every Vietnamese text has its English one, none is a guess (fuzzy), and the compiled .mo says the same."""
    import gettext

    po = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
    entries = [entry for entry in _catalogue_entries(po) if entry[1]]  # the header has an empty msgid
    assert len(entries) > 1000
    assert [msgid for flags, msgid, _ in entries if "fuzzy" in flags] == []
    assert [msgid for _flags, msgid, msgstr in entries if not msgstr] == []
    with open(po.with_suffix(".mo"), "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    assert [msgid for _flags, msgid, msgstr in entries if catalogue.gettext(msgid) != msgstr] == []
