"""The simulated users of the load test (run by tests/load/test_locust.py as `locust --headless`).

Three kinds of officer, in the numbers the plan gives (tests/load/seed.py writes it; LOAD_PLAN names the file):

- `CommuneWriter`: a commune officer of the new Thái Nguyên who records disbursements against an allocation of its
  own — through the API (`POST /api/v1/disbursements/`, token) and through the web form on the allocation's page
  (session, CSRF) — and looks at the home page and the ledger lists.
- `ProvinceOfficer` and `DistrictOfficer`: the home dashboard, the allocation, disbursement and household lists
  with filters, the reports page, and report requests through the API (`POST /api/v1/reports/`, then the job).

Every user logs in through the login page first. Each request states the one answer it expects (redirects are
not followed, so a lost session cannot pass for a page); anything else is a failure, with the start of the body.
Every write the portal confirmed (201 from the API, the redirect after the form) is written to LOAD_RESULTS when
the run stops, so that the test can compare it with what the database holds.
"""

import json
import os
import random
import re
from http.client import RemoteDisconnected
from pathlib import Path

from locust import HttpUser, between, events, task
from locust.clients import LocustHttpAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util.retry import Retry

if not os.environ.get("LOAD_PLAN") or not os.environ.get("LOAD_RESULTS"):
    raise RuntimeError("Run through tests/load/test_locust.py (make loadtest): LOAD_PLAN and LOAD_RESULTS are unset.")

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
RESULTS = Path(os.environ["LOAD_RESULTS"])
TODAY = PLAN["today"]
TIMEOUT = 60  # seconds, as gunicorn's worker timeout (bin/web): an answer later than that is a failure
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# The writes the portal confirmed, one dict each; and the ones whose outcome is unknown (no usable answer).
CONFIRMED: list[dict] = []
UNCONFIRMED: list[dict] = []
# Requests sent again because the server had closed the kept-alive connection they went out on (see KeptAliveRetry).
RESENT: list[dict] = []
_SLOTS = {kind: iter(PLAN[kind]) for kind in ("writers", "province", "district")}


class KeptAliveRetry(Retry):
    """Send a request once more when the connection it went out on was reset or closed without an answer, and
    only then — as browsers do when gunicorn (bin/web, keep-alive 2 s) closes an idle kept-alive connection just as
    a request goes out on it: the server never read that request. Anything else (refused connection, timeout, an
    answer with any status) is not retried. A resent write that had in fact been stored would be refused as a
    duplicate voucher (a failure), so a resend can never hide a lost or doubled write; each one is counted."""

    RESETS = (ConnectionResetError, RemoteDisconnected, BrokenPipeError)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        reset = isinstance(error, ProtocolError) and any(isinstance(arg, self.RESETS) for arg in error.args)
        if not reset:
            return Retry(0, read=False).increment(method, url, response, error, _pool, _stacktrace)
        RESENT.append({"method": method, "url": url, "error": repr(error)})
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _snippet(response) -> str:
    if response is None:
        return ""
    if not response.status_code:  # no answer at all: say why (connection refused, reset, timeout…)
        return repr(response.error)
    return " ".join((response.text or "")[:300].split())


class Officer(HttpUser):
    abstract = True
    kind = ""
    role_label = ""
    wait_time = between(1, 4)

    def on_start(self):
        try:
            self.slot = next(_SLOTS[self.kind])
        except StopIteration:
            raise RuntimeError(f"More {self.kind} users than the plan has slots for.") from None
        self.api_headers = {"Authorization": f"Token {self.slot['token']}", "Accept": "application/json"}
        retry = KeptAliveRetry(total=1, connect=0, read=1, other=0, status=0, redirect=0, allowed_methods=None)
        self.client.mount("http://", LocustHttpAdapter(pool_manager=None, max_retries=retry))
        self.login()

    # --- requests with their one expected answer ---------------------------------------------------------

    def expect(self, method, path, *, name, status, location=None, **kwargs):
        """One request; a failure unless it answers `status` (and, for a redirect, goes to `location`)."""
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", TIMEOUT)
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != status:
                response.failure(f"{response.status_code} instead of {status}: {_snippet(response)}")
            elif location is not None and not response.headers.get("Location", "").endswith(location):
                response.failure(f"redirected to {response.headers.get('Location')!r}, not {location!r}")
            else:
                response.success()
                return response
        return None

    def page(self, path, name):
        return self.expect("GET", path, name=name, status=200)

    def csrf_from(self, response) -> str | None:
        match = CSRF_INPUT.search(response.text or "") if response is not None else None
        return match.group(1) if match else None

    def login(self):
        page = self.page("/accounts/login/", "GET /accounts/login/")
        token = self.csrf_from(page)
        if token is None:
            return
        self.expect(
            "POST",
            "/accounts/login/",
            name="POST /accounts/login/",
            status=302,
            location="/",
            data={
                "username": self.slot["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": token,
                "next": "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
        )

    # --- what every officer does -------------------------------------------------------------------------

    @task(2)
    def home(self):
        self.page("/", f"GET / (trang chủ {self.role_label})")

    @task(2)
    def allocation_list(self):
        query = random.choice(self.slot["filters"]["allocations"])
        self.page(f"/ledger/allocations/?{query}", "GET /ledger/allocations/?[bộ lọc]")

    @task(2)
    def disbursement_list(self):
        query = random.choice(self.slot["filters"]["disbursements"])
        self.page(f"/ledger/disbursements/?{query}", "GET /ledger/disbursements/?[bộ lọc]")

    @task(1)
    def household_list(self):
        query = random.choice(self.slot["filters"]["households"])
        self.page(f"/beneficiaries/households/?{query}", "GET /beneficiaries/households/?[bộ lọc]")


class CommuneWriter(Officer):
    kind = "writers"
    role_label = "xã"
    fixed_count = len(PLAN["writers"])

    def on_start(self):
        super().on_start()
        self.sequence = 0

    def _voucher(self, via: str) -> str:
        self.sequence += 1
        return f"TT{self.slot['slot']:03d}-{via}{self.sequence:05d}"

    @task(6)
    def post_disbursement_api(self):
        amount = random.randint(1_000, 20_000) * 1_000
        voucher = self._voucher("A")
        body = {
            "allocation": self.slot["allocation"],
            "date": TODAY,
            "amount": amount,
            "voucher_no": voucher,
            "note": "Tải thử qua API",
        }
        record = {"via": "api", "allocation": self.slot["allocation"], "voucher": voucher, "amount": amount}
        with self.client.post(
            "/api/v1/disbursements/",
            json=body,
            headers=self.api_headers,
            name="POST /api/v1/disbursements/",
            catch_response=True,
            timeout=TIMEOUT,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code} instead of 201: {_snippet(response)}")
                UNCONFIRMED.append({**record, "status": response.status_code})
                return
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            if answer.get("amount") != amount or answer.get("voucher_no") != voucher or not answer.get("id"):
                response.failure(f"201 with a body that does not echo the write: {_snippet(response)}")
            CONFIRMED.append({**record, "id": answer.get("id")})

    @task(2)
    def post_disbursement_form(self):
        detail = f"/ledger/allocations/{self.slot['allocation']}/"
        page = self.page(detail, "GET /ledger/allocations/[id]/")
        token = self.csrf_from(page)
        if token is None:
            if page is not None:
                page.failure("the allocation page has no form with a CSRF token")
            return
        amount = random.randint(1_000, 20_000) * 1_000
        voucher = self._voucher("F")
        record = {"via": "form", "allocation": self.slot["allocation"], "voucher": voucher, "amount": amount}
        answer = self.expect(
            "POST",
            f"{detail}disburse/",
            name="POST /ledger/allocations/[id]/disburse/",
            status=302,
            location=detail,
            data={
                "date": TODAY,
                "amount": _vnd(amount),
                "voucher_no": voucher,
                "note": "Tải thử qua biểu mẫu",
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{self.host}{detail}"},
        )
        (CONFIRMED if answer is not None else UNCONFIRMED).append({**record, "id": None})


class Reader(Officer):
    abstract = True

    @task(1)
    def report_list(self):
        self.page("/reports/", "GET /reports/")

    @task(1)
    def request_report(self):
        key = random.choice(self.slot["reports"])
        answer = self.expect(
            "POST",
            "/api/v1/reports/",
            name="POST /api/v1/reports/",
            status=202,
            json=key,
            headers=self.api_headers,
        )
        if answer is None:
            return
        job = answer.json().get("id")
        self.expect(
            "GET", f"/api/v1/reports/{job}/", name="GET /api/v1/reports/[id]/", status=200, headers=self.api_headers
        )


class ProvinceOfficer(Reader):
    kind = "province"
    role_label = "tỉnh"
    fixed_count = len(PLAN["province"])


class DistrictOfficer(Reader):
    kind = "district"
    role_label = "huyện"
    fixed_count = len(PLAN["district"])


def _final_stats(environment) -> dict:
    """The run's figures once every user has stopped (the --csv files are written on a timer and may miss the last
    second): per request type and in all, the count, failures, rate and p50/p95/max in ms; and the failures."""

    def figures(entry, name):
        return {
            "name": name,
            "method": entry.method or "",
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": round(entry.total_rps, 2),
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "max": round(entry.max_response_time or 0),
        }

    stats = environment.stats
    return {
        "requests": [figures(entry, entry.name) for entry in sorted(stats.entries.values(), key=lambda e: e.name)],
        "total": figures(stats.total, "all requests"),
        "failures": [error.to_dict() for error in stats.errors.values()],
    }


def _write_results(environment=None, **_kwargs):
    results = {"confirmed": CONFIRMED, "unconfirmed": UNCONFIRMED, "resent": RESENT}
    if environment is not None and environment.stats is not None:
        results["stats"] = _final_stats(environment)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")


events.test_stop.add_listener(_write_results)
events.quitting.add_listener(_write_results)
