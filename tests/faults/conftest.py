"""What the fault tests start and break: their own redis-server, their own PostgreSQL cluster, a real Celery worker
(bin/worker) and gunicorn (bin/web), each a subprocess on a free port of 127.0.0.1, stopped by its own pid at the
end. The shared servers of the machine are never touched.

Marker `faults` (make faults). A test skips with the reason when what it needs is missing: the redis-server
binary, PostgreSQL's initdb, or (for the worker tests) DATABASE_URL=postgres://… for the test database the worker
shares with the test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable


# --- Figures for docs/reliability.md ----------------------------------------------------------------------

FIGURES: list[str] = []


@pytest.fixture
def figure(request):
    """`figure("…")`: a measured figure (what the user saw, how long recovery took), printed at the end of the run."""

    def record(text: str) -> None:
        FIGURES.append(f"{request.node.name}: {text}")

    return record


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("fault figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


# --- Small helpers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
        return True
    return False


def wait_until(check: Callable[[], object], timeout: float, what: str, interval: float = 0.2):
    """The first truthy value of `check()` within `timeout` seconds, else AssertionError naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Process:
    """A subprocess in its own process group (its children die with it), output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.log = log_dir / f"{name}-{int(time.time() * 1000)}.log"
        self._handle = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill(self) -> None:
        """SIGKILL the whole group: no cleanup of any kind, as when the machine or the OOM killer takes it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):  # children left in the group
            os.killpg(self.pid, signal.SIGKILL)
        self._handle.close()

    def tail(self, lines: int = 40) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


@pytest.fixture(scope="session")
def fault_dir():
    folder = Path(tempfile.mkdtemp(prefix="ethnic_portal_faults_"))
    os.chmod(folder, 0o755)  # the postgres user reaches its cluster inside
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# --- Redis ----------------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free port (no persistence), which a test may stop and start again."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: Process | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.folder)]
        self.process = Process("redis", command, dict(os.environ), self.folder)
        wait_until(self.ping, 20, f"redis-server on port {self.port}")

    def ping(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
        return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
        wait_until(lambda: not port_open(self.port), 10, "redis-server stopped")


@pytest.fixture
def redis_server(fault_dir):
    if not shutil.which("redis-server"):
        pytest.skip("needs the redis-server binary (apt-get install redis-server)")
    folder = Path(tempfile.mkdtemp(prefix="redis-", dir=fault_dir))
    server = RedisServer(folder)
    server.start()
    yield server
    server.stop()


# --- PostgreSQL -----------------------------------------------------------------------------------------


def pg_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class PostgresCluster:
    """A throwaway cluster (initdb into a temporary folder, trust auth, loopback, a free port) that a test may stop
    (pg_ctl -m fast, as a restart does) and start again."""

    def __init__(self, folder: Path):
        self.bindir = pg_bindir()
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()

    def _run(self, *args: str, timeout: float = 120) -> None:
        result = subprocess.run(
            as_postgres([str(self.bindir / args[0]), *args[1:]]), capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, f"{args[0]} failed: {result.stdout}\n{result.stderr}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "postgres.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)


def postgres_test_database_problem() -> str:
    """Why the worker tests cannot run ("" when they can). They share pytest-django's test database with a worker
    process: it must be PostgreSQL, and reachable (checked at collection, before pytest-django creates it)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "needs DATABASE_URL=postgres://… (the worker shares the test database with the test)"
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2).close()
    except OSError as error:
        return f"PostgreSQL of DATABASE_URL is not reachable ({error})"
    return ""


# --- The served portal: gunicorn (bin/web) with production settings on its own PostgreSQL and Redis ----------

PORTAL_PASSWORD = "Thử-lỗi-2026-an-toàn"
# Variables of the caller's environment that would point the served portal elsewhere.
FOREIGN = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "PORTAL_TEST_MEDIA_ROOT",
    "PORTAL_LIVE_URL",
    "DJANGO_SETTINGS_MODULE",
    "MEDIA_ROOT",
    "STATIC_ROOT",
)


class ServedPortal:
    def __init__(self, folder: Path, cluster: PostgresCluster, redis: RedisServer):
        self.folder = folder
        self.cluster = cluster
        self.redis = redis
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web: Process | None = None
        self.seed: dict = {}
        self.env = {key: value for key, value in os.environ.items() if key not in FOREIGN}
        self.env.update(
            {
                "PYTHON": PYTHON,
                "DJANGO_SETTINGS_MODULE": "ethnic_portal.settings",
                "DATABASE_URL": cluster.url("portal"),
                "CELERY_BROKER_URL": redis.url(0),
                "CACHE_URL": redis.url(1),
                "DJANGO_SECRET_KEY": "faults-" + os.urandom(24).hex(),
                "DJANGO_DEBUG": "0",
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Plain HTTP on loopback: the three HTTPS switches off, everything else as in production.
                "DJANGO_SECURE_SSL_REDIRECT": "0",
                "DJANGO_SESSION_COOKIE_SECURE": "0",
                "DJANGO_CSRF_COOKIE_SECURE": "0",
                "MEDIA_ROOT": str(folder / "media"),
                "STATIC_ROOT": str(folder / "static"),
                "PORTAL_BIND": f"127.0.0.1:{self.port}",
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "4",
                "CELERY_REQUEUE_SECONDS": "2",
                "CELERY_CONCURRENCY": "1",
                "FAULTS_PASSWORD": PORTAL_PASSWORD,
            }
        )

    def manage(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}: {result.stdout}\n{result.stderr}"
        return result.stdout

    def prepare(self) -> None:
        self.manage("migrate", "--noinput")
        self.manage("load_reference_data")
        self.manage("collectstatic", "--noinput")
        result = subprocess.run(
            [PYTHON, "-m", "tests.faults.seed"], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        import json

        self.seed = json.loads(result.stdout.strip().splitlines()[-1])

    def start_web(self) -> None:
        self.web = Process("web", [str(ROOT / "bin" / "web")], self.env, self.folder)
        wait_until(lambda: self.health() == 200 or not self.web.alive(), 90, "gunicorn answering /health/")
        assert self.web.alive(), self.web.tail()

    def start_worker(self, *extra: str) -> Process:
        worker = Process("portal-worker", [str(ROOT / "bin" / "worker"), *extra], self.env, self.folder)
        wait_until(lambda: "ready." in worker.log.read_text(errors="replace") or not worker.alive(), 60, "worker")
        assert worker.alive(), worker.tail()
        return worker

    def health(self) -> int | None:
        import requests

        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{self.url}/health/", timeout=5).status_code
        return None

    def login(self, username: str | None = None):
        """A requests.Session logged in through the login form, as a browser would (the district officer unless
        another username is given)."""
        import re

        import requests

        session = requests.Session()
        page = session.get(f"{self.url}/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = session.post(
            f"{self.url}/accounts/login/",
            data={
                "csrfmiddlewaretoken": token,
                "username": username or self.seed["username"],
                "password": PORTAL_PASSWORD,
            },
            headers={"Referer": f"{self.url}/accounts/login/"},
            timeout=10,
            allow_redirects=False,
        )
        assert answer.status_code == 302, answer.text[:500]
        return session

    def api_headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.seed['token']}", "Accept": "application/json"}

    def query(self, sql: str, *params):
        import psycopg2

        with contextlib.closing(
            psycopg2.connect(host="127.0.0.1", port=self.cluster.port, user="postgres", dbname="portal")
        ) as conn:
            with conn.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall() if cursor.description else []
            conn.commit()
        return rows


@pytest.fixture(scope="session")
def served_portal(fault_dir):
    """gunicorn serving the portal under production settings, on a PostgreSQL cluster and a redis-server of its own
    (both may be stopped and started by a test). Set up once per run: initdb, migrate, reference data, static files."""
    if pg_bindir() is None:
        pytest.skip("needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb)")
    if not shutil.which("redis-server"):
        pytest.skip("needs the redis-server binary (apt-get install redis-server)")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("needs runuser to run PostgreSQL as the postgres user")
    pg_folder = fault_dir / "pg"
    pg_folder.mkdir()
    cluster = PostgresCluster(pg_folder)
    cluster.init()
    cluster.start()
    redis_folder = fault_dir / "portal-redis"
    redis_folder.mkdir()
    redis = RedisServer(redis_folder)
    redis.start()
    portal = ServedPortal(fault_dir, cluster, redis)
    try:
        cluster.create_database("portal")
        portal.prepare()
        portal.start_web()
        yield portal
    finally:
        if portal.web is not None:
            portal.web.stop()
        if redis.process is not None:
            redis.stop()
        if cluster.running():
            cluster.stop()
