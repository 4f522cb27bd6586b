"""The pieces of `make bench` (bench/run.py) that do not depend on Django: the machine, the processes it starts,
the HTTP load of one page through gunicorn, percentiles and the result table.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import os
import platform
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# --- Figures ---------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between the closest ranks (numpy's default): of 50
    values, p95 lies between the 47th and the 48th smallest."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def vn_number(value: float, decimals: int = 0) -> str:
    """1234567.8 → '1.234.567,8' (the portal's Vietnamese number format)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def ms(seconds: float) -> str:
    return f"{vn_number(seconds * 1000, 1 if seconds < 0.01 else 0)} ms"


def secs(seconds: float) -> str:
    return f"{vn_number(seconds, 1 if seconds < 100 else 0)} s"


@dataclass
class Row:
    """One line of the result table. `met` is True, False, or None for a figure without a goal."""

    measure: str
    value: str
    goal: str = "—"
    met: bool | None = None

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "**NO**", None: "—"}[self.met]


def markdown_table(rows: list[Row]) -> list[str]:
    lines = ["| measure | value | goal | met? |", "|---|---|---|---|"]
    for row in rows:
        cells = [row.measure, row.value, row.goal, row.verdict]
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    return lines


def text_table(rows: list[Row], width: int = 150) -> list[str]:
    """The same table for a terminal: columns padded, long values wrapped inside their cell."""
    import textwrap

    cells = [("measure", "value", "goal", "met?")] + [
        (row.measure, row.value, row.goal, row.verdict.replace("*", "")) for row in rows
    ]
    measure_w = min(44, max(len(c[0]) for c in cells))
    goal_w = min(30, max(len(c[2]) for c in cells))
    met_w = 4
    value_w = max(30, width - measure_w - goal_w - met_w - 13)
    out = []
    rule = f"+-{'-' * measure_w}-+-{'-' * value_w}-+-{'-' * goal_w}-+-{'-' * met_w}-+"
    out.append(rule)
    for index, (measure, value, goal, met) in enumerate(cells):
        columns = [
            textwrap.wrap(measure, measure_w) or [""],
            textwrap.wrap(value, value_w) or [""],
            textwrap.wrap(goal, goal_w) or [""],
            [met],
        ]
        for line in range(max(len(c) for c in columns)):
            parts = [c[line] if line < len(c) else "" for c in columns]
            out.append(
                f"| {parts[0]:<{measure_w}} | {parts[1]:<{value_w}} | {parts[2]:<{goal_w}} | {parts[3]:<{met_w}} |"
            )
        if index == 0:
            out.append(rule.replace("-", "="))
    out.append(rule)
    return out


# --- The machine -------------------------------------------------------------------------------------------------


def machine(postgres_version: str) -> dict:
    cpu = platform.processor() or "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = 0.0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "ram_gib": ram,
        "os": f"{platform.system()} {platform.release()}",
        "postgres": postgres_version,
        "python": platform.python_version(),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %z"),
    }


def load_average() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Processes ---------------------------------------------------------------------------------------------------


class Processes:
    """The processes the benchmark starts, each leading its own process group (its gunicorn workers and Celery pool
    children are in the group), stopped together at the end: TERM to the group, KILL after 30 s."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.running: dict[str, subprocess.Popen] = {}
        self._lock = threading.Lock()

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        with self._lock:
            self.running[name] = process
        return process

    def alive(self, name: str) -> bool:
        return name in self.running and self.running[name].poll() is None

    def log_tail(self, name: str, chars: int = 3000) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace")[-chars:] if path.exists() else ""

    def stop_all(self) -> list[str]:
        """Stop every process started here; returns what was stopped (for the log)."""
        stopped = []
        with self._lock:
            running = dict(self.running)
            self.running.clear()
        for process in running.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for name, process in running.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            # what is left of the group (a worker that outlived its master) goes with it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            stopped.append(f"{name} (pid {process.pid})")
        return stopped


def wait_until(what: str, check, seconds: float, alive=lambda: True, interval: float = 0.5) -> float:
    """Wait for check() to be true; returns the seconds waited. Raises when `alive()` turns false or time runs out."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if not alive():
            raise RuntimeError(f"{what}: the process exited during start-up")
        if check():
            return time.monotonic() - started
        time.sleep(interval)
    raise RuntimeError(f"{what}: not ready within {seconds:.0f} s")


# --- HTTP through gunicorn -----------------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def new_session():
    """A persistent HTTP connection of its own (one pool slot), as a browser tab keeps alive."""
    import requests

    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=1, max_retries=0)
    session.mount("http://", adapter)
    return session


def login(session, base_url: str, username: str, password: str) -> None:
    """Sign in through the login page, as a user does (the CSRF token of the form, then the POST)."""
    page = session.get(f"{base_url}/accounts/login/", timeout=60)
    page.raise_for_status()
    match = CSRF_INPUT.search(page.text)
    if not match:
        raise RuntimeError("the login page has no CSRF token")
    answer = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)},
        headers={"Referer": f"{base_url}/accounts/login/"},
        allow_redirects=False,
        timeout=60,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login of {username} answered {answer.status_code}, not the redirect to the home page")


@dataclass
class PageLoad:
    """The figures of one page under load."""

    label: str
    path: str
    requests: int
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    wall_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    body_bytes: int = 0

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 95)

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.wall_seconds if self.wall_seconds else 0.0


def measure_page(
    sessions: list, base_url: str, label: str, path: str, *, requests: int, warmup: int, check=None
) -> PageLoad:
    """`requests` GETs of `path` through `len(sessions)` connections at once (each thread keeps its own connection
    and sends its next request as soon as the last one answered), after `warmup` untimed GETs spread over the same
    connections. Latency is from sending to the whole body read; requests per second over the measured phase's
    wall time. `check(response)` returns an error text or None; a non-200 is an error."""
    load = PageLoad(label=label, path=path, requests=requests, concurrency=len(sessions))
    url = f"{base_url}{path}"
    lock = threading.Lock()

    def one(session) -> None:
        started = time.perf_counter()
        try:
            response = session.get(url, timeout=120, allow_redirects=False)
            body = response.content
        except Exception as error:  # a connection reset or timeout is a failed request, counted
            with lock:
                load.errors.append(f"{type(error).__name__}: {error}")
            return
        elapsed = time.perf_counter() - started
        problem = None if response.status_code == 200 else f"HTTP {response.status_code}"
        if problem is None and check is not None:
            problem = check(response)
        with lock:
            if problem:
                load.errors.append(problem)
            else:
                load.latencies.append(elapsed)
                load.body_bytes = len(body)

    def run(count: int) -> float:
        queue = list(range(count))
        queue_lock = threading.Lock()

        def worker(session) -> None:
            while True:
                with queue_lock:
                    if not queue:
                        return
                    queue.pop()
                one(session)

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(sessions)) as pool:
            for future in [pool.submit(worker, s) for s in sessions]:
                future.result()
        return time.perf_counter() - started

    run(warmup)
    load.latencies.clear()
    load.errors.clear()
    load.wall_seconds = run(requests)
    return load


def parallel(function, items: list, workers: int) -> list:
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, items))
