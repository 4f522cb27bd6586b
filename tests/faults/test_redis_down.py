"""Redis down (it is both the task queue and the cache): the pages still work, a report asked for answers at once that
it is queued and will be made when the queue is back, and it is made then, once, with nobody asking again.

The portal is gunicorn (bin/web) with production settings, CELERY_BROKER_URL and CACHE_URL on a redis-server of the
test's own, which the test stops (and, in the second test, freezes with SIGSTOP: a Redis that accepts connections
and never answers) and starts again. The worker started afterwards runs beat too (`bin/worker --beat`), whose
requeue task (every CELERY_REQUEUE_SECONDS, 2 s here) sends the waiting reports.
"""

from __future__ import annotations

import re
import signal
import time

import pytest
import requests

from .conftest import wait_until

pytestmark = pytest.mark.faults

PAGES = ["/", "/ledger/allocations/", "/ledger/progress/", "/reports/", "/beneficiaries/persons/"]
QUEUED = "Hàng đợi tác vụ tạm thời không hoạt động"
FAST = 5.0  # seconds: no page and no report request waits longer on a Redis that is stopped
FROZEN = 8.0  # seconds: the first report request on a Redis that hangs (its tries, each a 2 s socket timeout)
CACHE_TIMEOUT = 2.0  # seconds: the cache's socket timeout (settings CACHES OPTIONS)
WORKER_TIMEOUT = 5.0  # seconds: the status page's wait for the worker's answer (ethnic_portal.health.check_worker)


def csrf_token(page: requests.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def request_on_the_page(portal, browser, period: str) -> tuple[requests.Response, float]:
    form = browser.get(f"{portal.url}/reports/", timeout=30)
    start = time.monotonic()
    response = browser.post(
        f"{portal.url}/reports/new/",
        data={
            "csrfmiddlewaretoken": csrf_token(form),
            "level": "district",
            "unit": portal.seed["unit_pk"],
            "year": 2024,
            "period": period,
        },
        headers={"Referer": f"{portal.url}/reports/"},
        timeout=30,
    )
    return response, time.monotonic() - start


def request_by_api(portal, period: str) -> tuple[requests.Response, float]:
    start = time.monotonic()
    response = requests.post(
        f"{portal.url}/api/v1/reports/",
        json={"level": "district", "unit": "061", "year": 2024, "period": period},
        headers=portal.api_headers(),
        timeout=30,
    )
    return response, time.monotonic() - start


def jobs(portal) -> dict[int, tuple]:
    rows = portal.query("SELECT id, status, attempts, enqueued_at IS NULL, error FROM reports_reportjob ORDER BY id")
    return {row[0]: row[1:] for row in rows}


_LAST_FAILURE = [0.0]  # monotonic time of the last Redis outage a test ended


def fresh_web_process() -> None:
    """The web process stops trying the broker for a while after a failure (reports.services.BROKER_RETRY_SECONDS):
    wait that out, so that each test measures the first request of an outage as a user would meet it."""
    from reports.services import BROKER_RETRY_SECONDS

    time.sleep(max(0.0, _LAST_FAILURE[0] + BROKER_RETRY_SECONDS + 1 - time.monotonic()))


def pages_answer(portal, browser) -> float:
    slowest = 0.0
    for path in PAGES:
        start = time.monotonic()
        response = browser.get(portal.url + path, timeout=30)
        seconds = time.monotonic() - start
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        assert "/accounts/login/" not in response.url
        assert seconds < FAST, (path, seconds)
        slowest = max(slowest, seconds)
    return slowest


def system_status(portal, admin) -> tuple[list[str], float]:
    """The administrator's status page: the state of the database, the cache and the task queue, in that order."""
    start = time.monotonic()
    page = admin.get(f"{portal.url}/system/", timeout=30)
    seconds = time.monotonic() - start
    assert page.status_code == 200, page.text[:300]
    return re.findall(r"text-bg-(success|danger)", page.text), seconds


def queue_comes_back(portal, waiting: list[int], figure, what: str, admin=None) -> None:
    """Redis answers again; a worker with beat starts: the waiting reports are sent by the requeue task and made."""
    back = time.monotonic()
    worker = portal.start_worker("--beat", "--schedule", str(portal.folder / f"beat-{time.time_ns()}"))
    try:
        wait_until(lambda: all(jobs(portal)[pk][0] == "done" for pk in waiting), 90, "the waiting reports made")
        if admin is not None:  # the same gunicorn process finds the cache and the queue again, without a restart
            wait_until(lambda: system_status(portal, admin)[0] == ["success"] * 3, 30, "status page all green")
    finally:
        worker.stop()
    recovery = time.monotonic() - back
    for pk in waiting:
        status, attempts, _never_sent, error = jobs(portal)[pk]
        # Made once, the note cleared. (A task sent into a frozen Redis may reach it after all once it thaws, and the
        # requeue may send it again: the second delivery finds the job done.)
        assert (status, attempts, error) == ("done", 1, "")
    figure(f"{what}: the queued reports were made {recovery:.1f} s after Redis and a worker were back, once each")


def test_redis_stopped_pages_work_and_reports_wait_in_the_queue(served_portal, figure):
    portal = served_portal
    browser = portal.login()
    admin = portal.login(portal.seed["admin"])
    pages_answer(portal, browser)
    before = set(jobs(portal))
    fresh_web_process()

    portal.redis.stop()
    try:
        slowest = pages_answer(portal, browser)
        page, page_seconds = request_on_the_page(portal, browser, "H1")
        assert page.status_code == 200, page.text[:300]  # followed to the report's own page
        assert re.search(r"/reports/\d+/$", page.url)
        assert QUEUED in page.text  # the message, and the note on the job's row
        api, api_seconds = request_by_api(portal, "year")
        assert api.status_code == 202, api.text
        body = api.json()
        assert body["status"] == "queued"
        assert body["error"].startswith(QUEUED)
        assert "sẽ được tạo tự động khi hàng đợi hoạt động trở lại" in body["error"]
        assert max(page_seconds, api_seconds) < FAST
        again, _seconds = request_by_api(portal, "year")  # asked again: joins the waiting job
        assert again.json()["id"] == body["id"]
        assert portal.health() == 200  # the database is fine
        states, status_seconds = system_status(portal, admin)
        assert states == ["success", "danger", "danger"]  # database up, cache and task queue down
        assert status_seconds < FAST
        waiting = sorted(set(jobs(portal)) - before)
        assert len(waiting) == 2
        for pk in waiting:
            status, attempts, never_sent, _error = jobs(portal)[pk]
            assert (status, attempts, never_sent) == ("queued", 0, True)
    finally:
        portal.redis.start()
        _LAST_FAILURE[0] = time.monotonic()
    figure(
        f"Redis stopped: {len(PAGES)} pages answered in at most {slowest:.2f} s; a report request answered "
        f"“queued” in {page_seconds:.2f} s (page) and {api_seconds:.2f} s (API)"
    )
    queue_comes_back(portal, waiting, figure, "Redis stopped", admin)


def test_redis_frozen_nothing_hangs_longer_than_a_few_seconds(served_portal, figure):
    """A Redis that accepts connections and never answers (SIGSTOP): every call to it gives up on its timeout."""
    portal = served_portal
    browser = portal.login()
    admin = portal.login(portal.seed["admin"])
    system_status(portal, admin)  # the web process holds open connections to Redis, which now stops answering
    before = set(jobs(portal))
    fresh_web_process()
    portal.redis.process.popen.send_signal(signal.SIGSTOP)
    try:
        slowest = pages_answer(portal, browser)
        page, page_seconds = request_on_the_page(portal, browser, "H1")
        assert page.status_code == 200
        assert QUEUED in page.text
        assert page_seconds < FROZEN  # the first request pays the timeouts of two tries…
        api, api_seconds = request_by_api(portal, "year")
        assert api.status_code == 202
        assert api.json()["error"].startswith(QUEUED)
        # …the next ones do not try a broker that failed moments ago (the API's throttling may wait once on the cache)
        assert api_seconds < CACHE_TIMEOUT + 1, portal.web.tail()
        waiting = sorted(set(jobs(portal)) - before)
        assert len(waiting) == 2
        states, status_seconds = system_status(portal, admin)
        assert states == ["success", "danger", "danger"]
        # It asks the cache (bounded by its socket timeout) and the queue (bounded by the check's own timeout, whatever
        # the broker's tries would cost).
        assert status_seconds < CACHE_TIMEOUT + WORKER_TIMEOUT + 1
    finally:
        portal.redis.process.popen.send_signal(signal.SIGCONT)
        _LAST_FAILURE[0] = time.monotonic()
    figure(
        f"Redis frozen (SIGSTOP): pages answered in at most {slowest:.2f} s; report requests answered “queued” in "
        f"{page_seconds:.2f} s (the first, page) and {api_seconds:.2f} s (the next, API); the administrator's status "
        f"page in {status_seconds:.2f} s"
    )
    queue_comes_back(portal, waiting, figure, "Redis frozen", admin)
