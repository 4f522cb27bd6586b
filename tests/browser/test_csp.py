"""The Content-Security-Policy (no inline script or style) breaks nothing: a real Chromium reports no violation
on the pages each role uses, and the dashboard's charts and htmx still work under it."""

import datetime

from django.urls import reverse

from disbursement import services
from ethnic_portal import clock
from programs.models import Project, SubProject
from tests.factories import TEST_PASSWORD, UserFactory, unit

from .test_login import log_in

PAGES = {
    "province": [
        "/",
        reverse("disbursement:allocation_list"),
        reverse("disbursement:disbursement_list"),
        reverse("disbursement:period_list"),
        reverse("beneficiaries:household_list"),
        reverse("beneficiaries:person_list"),
        reverse("reports:list"),
        reverse("accounts:user_list"),
    ],
    "admin": ["/", "/admin/", "/admin/geography/administrativeunit/", "/system/"],
}


def _watch(page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return violations


def test_no_page_breaks_the_content_security_policy(page, reference_data):
    province = UserFactory(username="tinh.csp", role="province", unit=unit("06"))
    UserFactory(username="quantri.csp", role="admin", unit=unit("19", current=True), is_staff=True)
    with clock.as_of(datetime.date(2024, 6, 1)):
        services.allocation_create(
            actor=province,
            unit=unit("061"),
            year=2024,
            project=Project.objects.get(code="DA4"),
            subproject=SubProject.objects.get(code="DA4.TDA1"),
            capital_type="investment",
            source="central",
            origin_year=2024,
            amount=1_000_000_000,
            decision_no="12/QĐ-UBND",
            decision_date=datetime.date(2024, 2, 1),
            decision_body="UBND tỉnh Bắc Kạn",
        )
    violations = _watch(page)
    for username, role in (("tinh.csp", "province"), ("quantri.csp", "admin")):
        log_in(page, username, TEST_PASSWORD)
        page.wait_for_url(page.base_url + "/")
        for path in PAGES[role]:
            response = page.goto(page.base_url + path)
            assert response.status == 200, path
            assert "Content-Security-Policy" in {name.title() for name in response.headers}, path
        page.context.clear_cookies()
    assert violations == []


def test_charts_and_htmx_work_under_the_policy(page, reference_data):
    UserFactory(username="tinh.csp2", role="province", unit=unit("06"))
    violations = _watch(page)
    log_in(page, "tinh.csp2", TEST_PASSWORD)
    page.wait_for_url(page.base_url + "/")
    # dashboard.js draws into the canvases from the JSON in the page: a drawn chart has a non-zero size.
    canvases = page.locator("canvas")
    if canvases.count():
        assert canvases.first.bounding_box()["width"] > 0
    # An htmx request (the cascading selects of the allocation form) still goes out and swaps its target.
    page.goto(page.base_url + reverse("disbursement:allocation_add"))
    with page.expect_response(lambda r: "/ledger/subprojects/" in r.url):
        page.locator("#id_project").select_option(str(Project.objects.get(code="DA4").pk))
    page.locator("#id_subproject option").nth(1).wait_for(state="attached")
    assert violations == []
