"""API fuzzing (issue 7, item 3): schemathesis generates requests from the portal's own OpenAPI schema
(`/api/v1/schema/`) for every operation — reads and writes — as a province officer, a district officer and an
anonymous caller, and sends them to the Django WSGI application in this process. Half the requests are valid by
the schema, half are not (schemathesis' positive and negative generation).

What must hold for every generated request:
- no 5xx (schemathesis' `not_a_server_error` check);
- a refused request (4xx) answers JSON with a message: `{"detail": "…"}` or field errors `{"field": ["…"]}`, the
  messages in Vietnamese.

The database holds a small Bắc Kạn world (allocations, disbursements, persons, support, households, household
support, report jobs; in Ba Bể and in Chợ Đồn). Now and then a generated id, unit code or project code is swapped
for one that exists (in the caller's scope or not), and a generated body is laid over a valid one, so that
requests also reach the serializers, the services and their writes rather than stopping at 404 or 400. Each
request runs in a savepoint that is rolled back: every case sees the same world.

Deterministic (`derandomize`), bounded (FUZZ_EXAMPLES, FUZZ_ANON_EXAMPLES per operation and kind). The number of
cases per role and operation is shown by `make fuzz` and written to FUZZ_REPORT (default `fuzz-report.txt` in
the temporary folder).
"""

import collections
import datetime
import json
import os
import re
import sys
import tempfile
import time
import traceback

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup

from beneficiaries import services as people
from beneficiaries.models import EthnicGroup
from disbursement import services as ledger
from ethnic_portal import clock
from programs.models import Project, SubProject
from reports import services as report_services
from tests.factories import VillageFactory, unit

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

DAY = datetime.date(2024, 7, 15)  # the ledger's rules (deadlines, "not in the future") as on this day
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))  # per operation and generation mode, for a signed-in role
ANON_EXAMPLES = int(os.environ.get("FUZZ_ANON_EXAMPLES", "6"))  # anonymous: each operation answers 401 at once
REPORT = os.environ.get("FUZZ_REPORT") or os.path.join(tempfile.gettempdir(), "fuzz-report.txt")
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

# A Vietnamese message carries at least one letter of the Vietnamese alphabet outside ASCII.
VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]", re.IGNORECASE)


# --- The world ---------------------------------------------------------------------------------------------


def _allocation(actor, unit_code, project, subproject, capital_type, amount, decision_no):
    return ledger.allocation_create(
        actor=actor,
        year=2024,
        project=Project.objects.get(code=project, program__phase=1),
        subproject=SubProject.objects.get(code=subproject, project__program__phase=1) if subproject else None,
        unit=unit(unit_code),
        capital_type=capital_type,
        source="central",
        origin_year=2024,
        amount=amount,
        decision_no=decision_no,
        decision_date=datetime.date(2024, 2, 1),
        decision_body="UBND tỉnh Bắc Kạn",
    )


@pytest.fixture
def world(province_user, district_user):
    """Rows in Ba Bể (061, the district officer's) and in Chợ Đồn (064, the province's only): ids that resolve
    for one role and answer 404 for the other."""
    ids = collections.defaultdict(list)
    tay = EthnicGroup.objects.get(code="02")
    with clock.as_of(DAY):
        for district, commune_code in (("061", "01888"), ("064", None)):
            commune = unit(commune_code) if commune_code else unit(district).children.order_by("code").first()
            village = VillageFactory(parent=commune, code=f"{commune.code}.91", valid_to=datetime.date(2025, 6, 30))
            investment = _allocation(
                province_user, district, "DA4", "DA4.TDA1", "investment", 900_000_000, f"{district}/QĐ-UBND"
            )
            recurrent = _allocation(
                province_user, commune.code, "DA1", None, "recurrent", 300_000_000, f"{commune.code}/QĐ-UBND"
            )
            ids["allocations"] += [investment.pk, recurrent.pk]
            for allocation, day, amount in (
                (investment, datetime.date(2024, 3, 10), 120_000_000),
                (investment, datetime.date(2024, 5, 20), 80_000_000),
                (recurrent, datetime.date(2024, 4, 2), 25_000_000),
            ):
                ids["disbursements"].append(
                    ledger.disbursement_create(
                        actor=province_user, allocation=allocation, date=day, amount=amount, voucher_no=f"PC-{day}"
                    ).pk
                )
            person = people.person_create(
                actor=province_user,
                full_name="Hoàng Văn Thắng",
                gender="male",
                birth_year=1958,
                ethnic_group=tay,
                unit=village,
                community_role="village_elder",
                term_start=2023,
                term_end=2027,
            )
            ids["prestigious-persons"].append(person.pk)
            ids["support-activities"].append(
                people.support_activity_create(
                    actor=province_user,
                    person=person,
                    kind="illness_visit",
                    date=datetime.date(2024, 3, 5),
                    funded_by="province",
                    hospital_level="district",
                ).pk
            )
            household = people.household_create(
                actor=province_user,
                head_name="Nông Thị Lan",
                head_id_number=f"0061800{commune.code}",
                ethnic_group=tay,
                unit=village,
                members=5,
                poverty_status="poor",
                poverty_year=2023,
            )
            ids["households"].append(household.pk)
            ids["household-supports"].append(
                people.household_support_create(
                    actor=province_user,
                    household=household,
                    year=2024,
                    kind="water",
                    amount=3_000_000,
                    date=datetime.date(2024, 5, 10),
                    project=Project.objects.get(code="DA1", program__phase=1),
                ).pk
            )
            ids["units"] += [district, commune.code, village.code]
            ids["reports"].append(
                report_services.report_request(
                    actor=province_user, level="district", unit=district, year=2024, period="year"
                ).pk
            )
    ids["units"] += ["06", "19", "01912"]
    ids["projects"] = ["DA1", "DA4", "DA10"]
    ids["ethnic-groups"] = ["01", "02", "54"]
    # A write each role may make in Ba Bể (the first rows above are Ba Bể's): a generated body is laid over one of
    # these now and then, so that writes also pass and reach the services' locks, history and checks.
    ids["bodies"] = {
        "allocations": {
            **{"year": 2024, "project": "DA4", "subproject": "DA4.TDA1", "unit": "061", "origin_year": 2024},
            **{"capital_type": "investment", "source": "local", "amount": 950_000_000, "decision_no": "77/QĐ-UBND"},
            **{"decision_date": "2024-03-01", "decision_body": "UBND huyện Ba Bể"},
        },
        "disbursements": {
            **{"allocation": ids["allocations"][0], "date": "2024-06-01", "amount": 1_000_000},
            **{"voucher_no": "PC-77"},
        },
        "prestigious-persons": {
            **{"full_name": "Lý Văn Pao", "gender": "male", "birth_year": 1960, "ethnic_group": "02"},
            **{"unit": "01888.91", "community_role": "village_elder", "term_start": 2023, "term_end": 2027},
        },
        "support-activities": {
            **{"person": ids["prestigious-persons"][0], "kind": "disaster_support", "date": "2024-04-01"},
            **{"funded_by": "province", "amount": 1_000_000},
        },
        "households": {
            **{"head_name": "Hà Thị Mai", "head_id_number": "006190004321", "ethnic_group": "02"},
            **{"unit": "01888.91", "members": 4, "poverty_status": "near_poor", "poverty_year": 2023},
        },
        "household-supports": {
            **{"household": ids["households"][0], "year": 2024, "kind": "housing", "amount": 2_000_000},
            **{"date": "2024-05-02", "project": "DA1"},
        },
        "reports": {"level": "district", "unit": "061", "year": 2024, "period": "H1"},
    }
    return ids


# --- Making a generated case realistic ---------------------------------------------------------------------

# Body fields that name another row, and where the world keeps the values that exist.
REFERENCES = {
    "allocation": "allocations",
    "person": "prestigious-persons",
    "household": "households",
    "unit": "units",
    "project": "projects",
    "ethnic_group": "ethnic-groups",
}
EXTRA_VALUES = {"subproject": ["DA4.TDA1", "DA3.TDA1"], "year": [2024, 2025], "origin_year": [2024]}


def _resource(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/")[0]


def make_realistic(case, data, world):
    """Swap, now and then, a generated id or code for one that exists (some inside the caller's scope, some not);
    lay a generated body over a valid one, now and then, keeping some of its fields."""
    valid = world["bodies"].get(_resource(case.path))
    over_valid = valid and case.method in ("POST", "PUT", "PATCH") and data.draw(st.booleans(), label="valid body")
    if over_valid:
        generated = case.body if isinstance(case.body, dict) else {}
        kept = {name: value for name, value in generated.items() if data.draw(st.integers(0, 3), label=name) == 0}
        case.body = {**valid, **kept}
    for name in case.path_parameters:
        values = world.get(_resource(case.path))
        if values and data.draw(st.booleans(), label=f"real {name}"):
            case.path_parameters[name] = str(data.draw(st.sampled_from(values)))
    if not over_valid and isinstance(case.body, dict):
        for name in list(case.body):
            values = world.get(REFERENCES.get(name, ""), EXTRA_VALUES.get(name))
            if values and data.draw(st.booleans(), label=f"real {name}"):
                case.body[name] = data.draw(st.sampled_from(values))
    for name in list(case.query or {}):
        values = world.get(REFERENCES.get(name, ""), EXTRA_VALUES.get(name))
        if values and data.draw(st.booleans(), label=f"real ?{name}"):
            case.query[name] = str(data.draw(st.sampled_from(values)))


# --- Checks ------------------------------------------------------------------------------------------------


def messages_in(body) -> list[str]:
    """The messages of a DRF error body: `detail`, or the strings of field errors (nested for list fields)."""
    if isinstance(body, str):
        return [body]
    if isinstance(body, list):
        return [text for item in body for text in messages_in(item)]
    if isinstance(body, dict):
        return [text for value in body.values() for text in messages_in(value)]
    return []


def refusal_problem(response) -> str | None:
    """Why a 4xx answer does not carry a message in Vietnamese; None when it does."""
    content_type = (response.headers.get("content-type") or [""])[0]
    if "json" not in content_type:
        return f"not JSON ({content_type or 'no content type'})"
    try:
        body = json.loads(response.content)
    except ValueError:
        return "invalid JSON"
    if not isinstance(body, dict) or not body:
        return f"no message: {response.content[:200]!r}"
    texts = messages_in(body.get("detail", body))  # beside `detail` may come data (a 409's status)
    if not texts or not all(isinstance(text, str) and text.strip() for text in texts):
        return f"empty message: {body!r:.200}"
    english = [text for text in texts if not VIETNAMESE.search(text)]
    if english:
        return f"not in Vietnamese: {english[0]!r:.200}"
    return None


# --- The run -----------------------------------------------------------------------------------------------


SERVER_TRACEBACKS = []  # the last server-side traceback, for the failure report


def _keep_traceback(sender, request=None, **kwargs):
    SERVER_TRACEBACKS[:] = [traceback.format_exc()]


@pytest.fixture
def wsgi_app():
    """The portal's WSGI application in this thread. Django closes a connection it finds inside a transaction at
    the start and end of a request; the test database lives in one, so (as Django's test client does) that
    handler is off for the run."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(_keep_traceback)
    try:
        yield WSGIHandler()
    finally:
        signals.got_request_exception.disconnect(_keep_traceback)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def load_schema(wsgi_app, token):
    return schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app, headers={"Authorization": f"Token {token}"})


def run_mode(operation, mode, *, wsgi_app, headers, world, examples, counts, failures):
    """`examples` generated requests of one kind (valid by the schema, or not) to one operation."""

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # failures are collected, not shrunk
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def fuzz(case, data):
        make_realistic(case, data, world)
        counts[mode.value] += 1
        SERVER_TRACEBACKS.clear()
        with transaction.atomic():
            response = case.call(app=wsgi_app, headers=headers)
            transaction.set_rollback(True)
        key = None
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except FailureGroup as error:  # the failure with the request as curl
            key = (operation.label, response.status_code, "server error")
            server_side = SERVER_TRACEBACKS[0][-2500:] if SERVER_TRACEBACKS else ""
            failures.setdefault(key, f"{str(error)[:2000]}\n{server_side}")
        if key is None and 400 <= response.status_code < 500:
            problem = refusal_problem(response)
            if problem:
                key = (operation.label, response.status_code, problem.split(":")[0])
                failures.setdefault(key, f"{problem}\n{case.as_curl_command(headers=headers)}")
        counts[response.status_code // 100 * 100] += 1

    try:
        fuzz()
    except Unsatisfiable:  # no input violates the schema (a path whose only parameter is any string, for example)
        counts[f"{mode.value} impossible"] += 1


def fuzz_as(*, role, headers, schema, wsgi_app, world, examples, capsys):
    started = time.monotonic()
    table, failures = {}, {}
    with clock.as_of(DAY):
        for result in schema.get_all_operations():
            operation = result.ok()
            counts = table[operation.label] = collections.Counter()
            for mode in MODES:
                run_mode(
                    operation,
                    mode,
                    wsgi_app=wsgi_app,
                    headers=headers,
                    world=world,
                    examples=examples(operation),
                    counts=counts,
                    failures=failures,
                )
    seconds = time.monotonic() - started
    total = sum(counts["positive"] + counts["negative"] for counts in table.values())
    lines = [f"{role}: {total} cases, {len(table)} operations, {seconds:.0f} s"]
    for label, counts in table.items():
        lines.append(
            f"  {label:<44} {counts['positive'] + counts['negative']:>4} cases "
            f"(valid {counts['positive']}, invalid {counts['negative']}; "
            f"2xx {counts[200]}, 4xx {counts[400]}, 5xx {counts[500]})"
        )
    text = "\n".join(lines)
    with capsys.disabled():  # the figures for docs/security.md, shown by `make fuzz`
        sys.stdout.write(f"\n{text}\n")
    with open(REPORT, "a", encoding="utf-8") as report:
        report.write(text + "\n")
    problems = "\n\n".join(f"{key}:\n{detail}" for key, detail in failures.items())
    assert not failures, f"{len(failures)} kinds of failure as {role}:\n\n{problems}"


@pytest.fixture(scope="module", autouse=True)
def fresh_report():
    with open(REPORT, "w", encoding="utf-8") as report:
        report.write(f"API fuzzing: {EXAMPLES} examples per operation and kind, anonymous {ANON_EXAMPLES}\n")


@pytest.fixture
def token_of():
    def token(user):
        from rest_framework.authtoken.models import Token

        return Token.objects.get_or_create(user=user)[0].key

    return token


def test_the_schema_is_valid_openapi(wsgi_app, province_user, token_of):
    schema = load_schema(wsgi_app, token_of(province_user))
    schema.validate()  # the OpenAPI 3 meta-schema (jsonschema)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 48
    assert all(operation.path.startswith("/api/v1/") for operation in operations)


@pytest.mark.parametrize("role", ["province", "district"])
def test_fuzz_as_an_officer(role, request, world, wsgi_app, token_of, capsys):
    user = request.getfixturevalue(f"{role}_user")
    token = token_of(user)
    schema = load_schema(wsgi_app, token)
    fuzz_as(
        role=role,
        headers={"Authorization": f"Token {token}"},
        schema=schema,
        wsgi_app=wsgi_app,
        world=world,
        examples=lambda operation: EXAMPLES,
        capsys=capsys,
    )


def test_fuzz_anonymous(world, wsgi_app, province_user, token_of, capsys):
    schema = load_schema(wsgi_app, token_of(province_user))
    fuzz_as(
        role="anonymous",
        headers={},
        schema=schema,
        wsgi_app=wsgi_app,
        world=world,
        # The token endpoint is the one an anonymous caller reaches: it gets an officer's share.
        examples=lambda operation: EXAMPLES if operation.path.endswith("/auth/token/") else ANON_EXAMPLES,
        capsys=capsys,
    )
