"""Load test: 50 officers at once against gunicorn and PostgreSQL, with no error and no lost write.

`make loadtest` (pytest -m load). Self-contained, on 127.0.0.1 only:

1. a scratch database on the PostgreSQL server of DATABASE_URL (skipped when DATABASE_URL is not postgres://):
   migrated, reference and demo data loaded, the load accounts and one allocation per writer made through the
   services (tests/load/seed.py), static files collected into a temporary folder;
2. `bin/web` (gunicorn) with the production settings — DEBUG off, only the three HTTPS switches off as in
   .ci/run, on a free port of 127.0.0.1, GUNICORN_WORKERS / GUNICORN_THREADS from the environment — and
   `bin/worker` (Celery) on a Redis database of its own (LOAD_REDIS_URL, by default redis://127.0.0.1:6379/13;
   skipped when Redis does not answer), which builds the reports the users ask for, and `bin/beat` beside them
   (it sends again a report whose hand-over to Redis failed), as docker-compose.yml runs them;
3. `locust --headless` (tests/load/locustfile.py) with LOAD_USERS (50) users, each logging in through the login
   page as it starts, LOAD_SPAWN_RATE (5) a second, then LOAD_SECONDS (60) with all of them at work;
4. the checks: no failed request (no 5xx, no 4xx: every refusal is designed out; a request that went out on a
   kept-alive connection gunicorn had just closed is sent once more, as browsers do, and counted), no 5xx, no
   traceback and no gunicorn error in the server's logs, every disbursement the portal confirmed is stored with its amount and history, and nothing else
   was stored (count and sum equal), every report asked for was built (none failed) within LOAD_DRAIN_SECONDS.

A table of the requests (count, rate, p50/p95/max in ms) and the machine's figures is printed, and kept with the
logs in the test's temporary folder. Every process started here is stopped and the scratch database dropped,
also when the test fails.
"""

import contextlib
import json
import math
import os
import platform
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dj_database_url
import pytest

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
USERS = int(os.environ.get("LOAD_USERS", "50"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "5"))
DRAIN_SECONDS = int(os.environ.get("LOAD_DRAIN_SECONDS", "180"))
RAMP = math.ceil(USERS / SPAWN_RATE)  # every user has logged in after this many seconds; then SECONDS at full strength
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13")
# The request types the mix must have exercised for the run to count.
REQUIRED = [
    "POST /accounts/login/",
    "GET / (trang chủ tỉnh)",
    "GET / (trang chủ huyện)",
    "GET / (trang chủ xã)",
    "GET /ledger/allocations/?[bộ lọc]",
    "GET /ledger/disbursements/?[bộ lọc]",
    "GET /beneficiaries/households/?[bộ lọc]",
    "POST /api/v1/disbursements/",
    "POST /ledger/allocations/[id]/disburse/",
    "POST /api/v1/reports/",
]
# Environment variables of the portal that must not leak in from the calling shell (as in .ci/run).
PORTAL_PREFIXES = ("DJANGO_", "PORTAL_", "CELERY_", "DATABASE_", "CACHE_URL", "MEDIA_ROOT", "STATIC_ROOT")
PASSED_THROUGH = ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "CELERY_CONCURRENCY")


def _server():
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the load test needs PostgreSQL: set DATABASE_URL=postgres://… (it makes a scratch database there)")
    return dj_database_url.parse(url)


def _redis_or_skip():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"the load test's Celery worker needs Redis at {REDIS_URL} (LOAD_REDIS_URL): {error}")
    return client


def _admin_connection(server):
    import psycopg2

    connection = psycopg2.connect(
        dbname="postgres",
        user=server["USER"],
        password=server["PASSWORD"] or None,
        host=server["HOST"] or None,
        port=server["PORT"] or None,
    )
    connection.autocommit = True
    return connection


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Processes started by the test, each leading its own process group, stopped together at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.running[name] = process
        return process

    def alive(self, name: str) -> bool:
        return self.running[name].poll() is None

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            # the group's other members (gunicorn workers, celery pool children) go with their leader
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        self.running.clear()


def _run(command: list[str], env: dict, *, timeout: int, log: Path) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    log.write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(command[:4])}… failed ({result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}"
        )
    return result


def _wait_until(what: str, check, seconds: int, processes: Processes, name: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not processes.alive(name):
            log = (processes.folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")
            pytest.fail(f"{name} exited during start-up:\n{log[-3000:]}")
        if check():
            return
        time.sleep(1)
    pytest.fail(f"{what} not ready within {seconds} s")


def _health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health/", timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


def _machine(server_version: str, env: dict) -> list[str]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor() or "?",
    )
    memory = next(
        (int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")),
        0,
    )  # fmt: skip
    return [
        f"machine: {os.cpu_count()} CPU ({model}), {memory} GiB RAM, {platform.system()} {platform.release()}",
        f"PostgreSQL {server_version}, Python {platform.python_version()}, "
        f"gunicorn workers={env.get('GUNICORN_WORKERS', '3 (bin/web default)')} "
        f"threads={env.get('GUNICORN_THREADS', '2 (bin/web default)')}, "
        f"celery concurrency={env.get('CELERY_CONCURRENCY', '2 (bin/worker default)')}",
    ]


def _stats_table(stats: dict) -> str:
    lines = [
        "| request | n | failures | req/s | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [*stats["requests"], stats["total"]]:
        lines.append(
            f"| {row['name']} | {row['requests']} | {row['failures']} | {row['rps']:.1f} | "
            f"{row['p50']} | {row['p95']} | {row['max']} |"
        )
    return "\n".join(lines)


def _cpu_seconds(group: int) -> float:
    """CPU time (user + system, with reaped children) of the processes of a process group, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != group:
                continue
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / ticks


def _cpu_snapshot(processes: "Processes") -> dict[str, float]:
    """CPU seconds so far of web, worker and beat (their process groups) and of the children waited for (locust)."""
    snapshot = {name: _cpu_seconds(process.pid) for name, process in processes.running.items()}
    snapshot["locust"] = (
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime
    )
    return snapshot


SERVER_TROUBLE = ("Traceback", "[ERROR]", "[CRITICAL]", " ERROR ", " CRITICAL ")


def _server_errors(log: Path) -> list[str]:
    """Lines of the gunicorn log that show a 5xx answer (access log), a traceback, or an error of gunicorn (a worker
    timed out or died) or of Django."""
    found = []
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split('" ')
        status = parts[1].split(" ", 1)[0] if len(parts) > 1 else ""
        if (status.startswith("5") and status.isdigit()) or any(mark in line for mark in SERVER_TROUBLE):
            found.append(line)
    return found


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def test_fifty_officers_for_a_minute_lose_nothing(tmp_path, capsys):
    server = _server()
    redis_client = _redis_or_skip()
    folder = tmp_path
    scratch = f"ethnic_portal_load_{os.getpid()}_{secrets.token_hex(3)}"
    admin = _admin_connection(server)
    with admin.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    scratch_url = dj_database_url.parse(os.environ["DATABASE_URL"])  # the same server, our database
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    credentials = scratch_url["USER"] + (f":{scratch_url['PASSWORD']}" if scratch_url["PASSWORD"] else "")
    env = {k: v for k, v in os.environ.items() if not k.startswith(PORTAL_PREFIXES) or k in PASSED_THROUGH}
    env.update(
        DJANGO_SETTINGS_MODULE="ethnic_portal.settings",
        DATABASE_URL=f"postgres://{credentials}@{scratch_url['HOST']}:{scratch_url['PORT'] or 5432}/{scratch}",
        CELERY_BROKER_URL=REDIS_URL,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SESSION_COOKIE_SECURE="0",
        DJANGO_CSRF_COOKIE_SECURE="0",
        DJANGO_LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        PORTAL_BIND=f"127.0.0.1:{port}",
        CELERY_BEAT_SCHEDULE_FILE=str(folder / "celerybeat-schedule"),
        PYTHONUNBUFFERED="1",
    )
    processes = Processes(folder)
    redis_client.flushdb()  # our own database number only
    try:
        started = time.monotonic()
        plan_path = folder / "plan.json"
        _run([PY, "-m", "tests.load.seed", "setup", "--users", str(USERS), "--out", str(plan_path)], env,
             timeout=900, log=folder / "seed.log")  # fmt: skip
        _run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, timeout=300, log=folder / "static.log")
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        setup_seconds = time.monotonic() - started

        processes.start("web", [str(ROOT / "bin" / "web")], env)
        processes.start("worker", [str(ROOT / "bin" / "worker")], env)
        processes.start("beat", [str(ROOT / "bin" / "beat")], env)
        _wait_until(f"{base_url}/health/", lambda: _health(base_url), 60, processes, "web")
        ping = [PY, "-m", "celery", "-A", "ethnic_portal", "inspect", "ping", "--timeout", "2"]
        _wait_until(
            "the Celery worker",
            lambda: subprocess.run(ping, cwd=ROOT, env=env, capture_output=True, timeout=30).returncode == 0,
            60,
            processes,
            "worker",
        )

        results_path = folder / "results.json"
        load_avg_before = os.getloadavg()
        cpu_before = _cpu_snapshot(processes)
        run_started = time.monotonic()
        locust = subprocess.run(
            [
                PY, "-m", "locust", "-f", str(ROOT / "tests" / "load" / "locustfile.py"), "--headless",
                "--users", str(USERS), "--spawn-rate", str(SPAWN_RATE), "--run-time", f"{RAMP + SECONDS}s",
                "--host", base_url, "--csv", str(folder / "locust"), "--stop-timeout", "30",
                "--only-summary", "--loglevel", "WARNING",
            ],
            cwd=ROOT,
            env={**env, "LOAD_PLAN": str(plan_path), "LOAD_RESULTS": str(results_path)},
            capture_output=True,
            text=True,
            timeout=RAMP + SECONDS + 180,
        )  # fmt: skip
        run_seconds = time.monotonic() - run_started
        load_avg_after = os.getloadavg()
        cpu_after = _cpu_snapshot(processes)
        cpu = {name: cpu_after[name] - cpu_before.get(name, 0) for name in cpu_after}
        (folder / "locust.out").write_text(locust.stdout + locust.stderr, encoding="utf-8")
        results = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else {}
        assert "stats" in results, f"locust wrote no results (exit {locust.returncode}):\n{locust.stderr[-3000:]}"

        # Reports: every job asked for must be built; wait (bounded) for the worker to finish the queue.
        tally_command = [PY, "-m", "tests.load.seed", "tally", "--plan", str(plan_path)]
        drain_started = time.monotonic()
        while True:
            tally = json.loads(_run(tally_command, env, timeout=120, log=folder / "tally.log").stdout)
            active = tally["reports"].get("queued", 0) + tally["reports"].get("running", 0)
            if not active or time.monotonic() - drain_started > DRAIN_SECONDS:
                break
            time.sleep(2)
        drain_seconds = time.monotonic() - drain_started
        died = [name for name in ("web", "worker", "beat") if not processes.alive(name)]
    finally:
        processes.stop_all()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()
        redis_client.flushdb()

    # --- what happened ------------------------------------------------------------------------------------
    stats = results["stats"]
    total = stats["total"]
    by_name = {row["name"]: row for row in stats["requests"]}
    table = _stats_table(stats)
    confirmed, resent = results["confirmed"], results["resent"]
    stored = tally["disbursements"]
    posted_sum = sum(w["amount"] for w in confirmed)
    stored_sum = sum(d["amount"] for d in stored)
    via_api = sum(1 for w in confirmed if w["via"] == "api")
    reports = tally["reports"]
    summary = [
        f"Load test: {USERS} users ({len(plan['writers'])} commune writers over {plan['volumes']['writer_communes']} "
        f"communes, {len(plan['province'])} province and {len(plan['district'])} district officers), "
        f"{RAMP} s ramp-up ({SPAWN_RATE:g} logins/s) then {SECONDS} s at full strength, "
        "against gunicorn + PostgreSQL, with a Celery worker and beat on Redis",
        *_machine(server_version, env),
        f"data: {plan['volumes']['units']} units, {plan['volumes']['allocations']} allocations, "
        f"{plan['volumes']['disbursements']} disbursements, {plan['volumes']['households']} households before the run; "
        f"setup {setup_seconds:.0f} s",
        f"load average (1 min) before {load_avg_before[0]:.2f}, after {load_avg_after[0]:.2f}; CPU seconds used in the "
        f"{run_seconds:.0f} s of the run ({os.cpu_count()} CPU = {run_seconds * (os.cpu_count() or 1):.0f} CPU-s): "
        + ", ".join(f"{name} {value:.0f}" for name, value in cpu.items())
        + " (PostgreSQL's and other programs' not counted)",
        "",
        table,
        "",
        f"writes confirmed: {len(confirmed)} ({via_api} API 201, {len(confirmed) - via_api} form 302), "
        f"{_vnd(posted_sum)} đồng; stored: {len(stored)}, {_vnd(stored_sum)} đồng",
        f"requests resent once after gunicorn closed the kept-alive connection they went out on: {len(resent)} "
        f"({sum(1 for r in resent if r['method'] == 'POST')} POST)",
        f"reports: {json.dumps(reports)} (queue drained {drain_seconds:.0f} s after the run)",
    ]
    report_text = "\n".join(summary)
    (folder / "load-report.md").write_text(report_text + "\n", encoding="utf-8")
    with capsys.disabled():
        sys.stdout.write("\n" + report_text + f"\n(logs and CSV in {folder})\n")

    problems = []
    if total["failures"]:
        failures = "\n".join(
            f"{f['occurrences']} × {f['method']} {f['name']}: {f['error']}" for f in stats["failures"][:40]
        )
        problems.append(f"{total['failures']} failed requests:\n{failures}")
    if locust.returncode != 0:
        problems.append(f"locust exited {locust.returncode}:\n{locust.stderr[-2000:]}")
    missing = [name for name in REQUIRED if not by_name.get(name, {}).get("requests")]
    if missing:
        problems.append(f"request types never sent (the mix did not run): {missing}")
    if died:
        problems.append(f"stopped during the run: {died} (logs in {folder})")
    errors = _server_errors(folder / "web.log")
    if errors:
        problems.append(f"{len(errors)} 5xx answers or tracebacks in the gunicorn log:\n" + "\n".join(errors[:20]))
    worker_log = (folder / "worker.log").read_text(encoding="utf-8", errors="replace")
    if "Traceback" in worker_log:
        problems.append("a traceback in the worker's log:\n" + worker_log[worker_log.index("Traceback") :][:3000])

    # No lost write, no phantom write: the confirmed writes are exactly the stored ones.
    def key(row):
        return (row["allocation"], row["voucher"], row["amount"])

    if sorted(map(key, confirmed)) != sorted(map(key, stored)):
        lost = set(map(key, confirmed)) - set(map(key, stored))
        phantom = set(map(key, stored)) - set(map(key, confirmed))
        problems.append(
            f"confirmed and stored writes differ: lost {sorted(lost)[:20]}, not confirmed {sorted(phantom)[:20]} "
            f"(writes without a usable answer: {results['unconfirmed'][:20]})"
        )
    if posted_sum != stored_sum or len(confirmed) != len(stored):
        problems.append(f"posted {len(confirmed)} writes / {posted_sum} đồng, stored {len(stored)} / {stored_sum} đồng")
    api_ids = sorted(w["id"] for w in confirmed if w["via"] == "api")
    stored_api_ids = sorted(d["id"] for d in stored if "-A" in d["voucher"])
    if api_ids != stored_api_ids:
        problems.append("the ids the API answered are not the stored rows' ids")
    if tally["disbursements_total"] - plan["disbursements_before"] != len(stored):
        problems.append(
            f"{tally['disbursements_total'] - plan['disbursements_before']} disbursements were added in all, "
            f"{len(stored)} by the writers"
        )
    if tally["history_created"] != len(stored):
        problems.append(
            f"{len(stored)} disbursements stored but {tally['history_created']} creation records in history"
        )
    writer_of = {w["allocation"]: w["username"] for w in plan["writers"]}
    unattributed = [
        d
        for d in stored
        if d["created_by"] != writer_of[d["allocation"]] or d["history_user"] != writer_of[d["allocation"]]
    ]
    if unattributed:
        problems.append(f"disbursements not attributed to their writer: {unattributed[:5]}")
    overspent = [
        pk
        for pk, a in tally["allocations"].items()
        if sum(d["amount"] for d in stored if str(d["allocation"]) == str(pk)) > a["amount"]
    ]
    if overspent:
        problems.append(f"allocations overspent: {overspent}")
    if not confirmed:
        problems.append("no write was confirmed: the posting users did not run")

    # Reports: asked for, built, none failed.
    if not reports.get("done"):
        problems.append("no report was built")
    if reports.get("failed") or reports.get("queued") or reports.get("running"):
        problems.append(f"reports not all built: {reports}; errors {tally['report_errors']}")

    assert not problems, "\n\n".join(problems)
