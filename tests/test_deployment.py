"""The deployment files agree with each other.

docker-compose.yml and .ci/run start the same three processes (bin/web, bin/worker, bin/beat);
compose wires them to its own postgres and redis services, with health checks and named volumes;
the Dockerfile installs requirements.txt and collects the static files. Changing one side only
makes a test here fail. No Docker engine is needed: the files are parsed.
"""

import re
import shlex
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = {"web": "bin/web", "worker": "bin/worker", "beat": "bin/beat"}
LONG_RUNNING = ["postgres", "redis", *PROCESSES]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_of(service: dict) -> list[str]:
    command = service.get("command")
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def volume_mounts(service: dict) -> dict[str, str]:
    """target path → source (a named volume or a host path) of the service's volumes."""
    mounts = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            source, _, rest = volume.partition(":")
            mounts[rest.split(":")[0]] = source
        else:
            mounts[volume["target"]] = volume.get("source", "")
    return mounts


def depends_on(service: dict) -> dict[str, str]:
    """service name → condition."""
    dependencies = service.get("depends_on") or {}
    if isinstance(dependencies, list):
        return dict.fromkeys(dependencies, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in dependencies.items()}


def ci_started_commands() -> list[str]:
    """The commands .ci/run hands to start_proc (`start_proc NAME VAR=... -- COMMAND`)."""
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return re.findall(r"^\s*start_proc\s+\S+\s+.*?--\s+(\S+)\s*$", text, flags=re.MULTILINE)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    lines = []
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if raw.strip().startswith("#"):
            continue
        lines.append(raw)
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


# --- docker-compose.yml -------------------------------------------------------------------------


def test_compose_has_the_five_services(services):
    assert set(LONG_RUNNING) <= set(services)
    assert str(services["postgres"]["image"]).startswith("postgres:16")
    assert str(services["redis"]["image"]).startswith("redis:7")


@pytest.mark.parametrize(("name", "command"), PROCESSES.items())
def test_compose_runs_the_bin_scripts(services, name, command):
    assert command_of(services[name]) == [command]
    script = ROOT / command
    assert script.is_file()
    assert script.stat().st_mode & stat.S_IXUSR, f"{command} is not executable"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_every_long_running_service_has_a_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name} has no healthcheck"
    assert not healthcheck.get("disable")


def test_healthchecks_probe_what_they_should(services):
    def text(name):
        test = services[name]["healthcheck"]["test"]
        return test if isinstance(test, str) else " ".join(str(part) for part in test)

    assert "pg_isready" in text("postgres")
    assert "redis-cli ping" in text("redis")
    assert "/health/" in text("web")
    assert "inspect ping" in text("worker")
    assert "beat" in text("beat")


def test_named_volumes_hold_the_database_and_the_media(compose, services):
    declared = set(compose.get("volumes") or {})
    pgdata = volume_mounts(services["postgres"]).get("/var/lib/postgresql/data")
    assert pgdata in declared, "postgres data must live in a named volume"

    media_root = environment_of(services["web"]).get("MEDIA_ROOT")
    assert media_root, "web must set MEDIA_ROOT"
    media = volume_mounts(services["web"]).get(media_root)
    assert media in declared, "MEDIA_ROOT must be a named volume"
    assert media != pgdata
    # The worker writes files that the web process serves: same volume, same path.
    assert environment_of(services["worker"]).get("MEDIA_ROOT") == media_root
    assert volume_mounts(services["worker"]).get(media_root) == media


@pytest.mark.parametrize("name", PROCESSES)
def test_processes_reach_the_compose_database_and_broker(services, name):
    environment = environment_of(services[name])
    database = urlsplit(environment["DATABASE_URL"])
    broker = urlsplit(environment["CELERY_BROKER_URL"])
    assert database.scheme in {"postgres", "postgresql", "postgis"}
    assert database.hostname == "postgres"
    assert database.path.lstrip("/") == environment_of(services["postgres"])["POSTGRES_DB"]
    assert broker.scheme == "redis"
    assert broker.hostname == "redis"
    assert environment["DJANGO_DEBUG"] == "0"
    assert environment.get("DJANGO_SECRET_KEY"), "the secret key must come from the environment"
    assert {"postgres", "redis"} <= set(depends_on(services[name])) | {
        transitive
        for dependency in depends_on(services[name])
        for transitive in depends_on(services.get(dependency, {}))
    }


def test_processes_share_one_environment(services):
    web = environment_of(services["web"])
    for name in ("worker", "beat"):
        assert environment_of(services[name]) == web, f"{name} and web must see the same settings"


def test_compose_sets_every_variable_of_env_example(services):
    documented = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert documented, ".env.example lists no variable"
    missing = documented - set(environment_of(services["web"]))
    assert missing == set(), f"variables of .env.example that docker-compose.yml does not pass: {sorted(missing)}"


def test_web_starts_after_migrate_and_initial_data(services):
    web_dependencies = depends_on(services["web"])
    jobs = [
        name
        for name, condition in web_dependencies.items()
        if condition == "service_completed_successfully" and "manage.py migrate" in " ".join(command_of(services[name]))
    ]
    assert jobs, "web must wait for a one-shot service that runs manage.py migrate"
    job = " ".join(command_of(services[jobs[0]]))
    assert "--noinput" in job
    assert job.index("migrate") < job.index("load_if_empty")
    assert str(services[jobs[0]].get("restart", "no")) == "no"
    assert services[jobs[0]].get("image") == services["web"].get("image")


def test_web_publishes_the_port_the_image_exposes(services):
    ports = [str(port) for port in services["web"].get("ports") or []]
    assert any(port.endswith(":8000") for port in ports)
    assert ("EXPOSE", "8000") in dockerfile_instructions()


# --- .ci/run ------------------------------------------------------------------------------------


def test_ci_starts_the_same_three_processes_as_compose(services):
    ci = ci_started_commands()
    compose_commands = [command_of(services[name])[0] for name in PROCESSES]
    assert sorted(ci) == sorted(compose_commands)
    assert sorted(ci) == sorted(PROCESSES.values())


def test_ci_is_strict_bash():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash") or text.startswith("#!/bin/bash")
    assert "set -euo pipefail" in text
    assert re.search(r"^trap \S+ EXIT", text, flags=re.MULTILINE)
    assert not re.search(r"^[^#]*\bdocker\b", text, flags=re.MULTILINE), "CI machines have no Docker engine"


# --- Dockerfile and .dockerignore ---------------------------------------------------------------


def test_dockerfile_builds_a_non_root_image_from_requirements():
    instructions = dockerfile_instructions()
    keywords = [keyword for keyword, _ in instructions]
    assert instructions[0][0] == "FROM"
    assert instructions[0][1].startswith("python:3.11-slim")
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    install = [run for run in runs if "pip install" in run and "-r requirements.txt" in run]
    assert install, "the image must pip install -r requirements.txt"
    # requirements.txt is copied before the install (and the code after it, for the layer cache).
    copies = [arguments for keyword, arguments in instructions if keyword == "COPY"]
    assert any("requirements.txt" in copy for copy in copies)
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users, "the image must switch to an unprivileged user"
    assert users[-1] not in {"root", "0", "0:0"}, "the image must run as an unprivileged user"
    assert "CMD" in keywords


def test_dockerfile_collects_static_with_a_build_time_key_only():
    instructions = dockerfile_instructions()
    collect = [arguments for keyword, arguments in instructions if keyword == "RUN" and "collectstatic" in arguments]
    assert collect, "the image must run collectstatic at build time"
    assert "--noinput" in collect[0]
    assert "DJANGO_SECRET_KEY=" in collect[0], "collectstatic needs a (dummy) key when DEBUG is off"
    baked = [arguments for keyword, arguments in instructions if keyword in {"ENV", "ARG"}]
    assert not any("DJANGO_SECRET_KEY" in arguments for arguments in baked), "no key may stay in the image"
    order = [keyword for keyword, arguments in instructions if keyword == "USER" or "collectstatic" in arguments]
    assert order.index("RUN") < order.index("USER"), "collectstatic runs before dropping root"


def test_dockerfile_default_command_is_bin_web():
    cmd = [arguments for keyword, arguments in dockerfile_instructions() if keyword in {"CMD", "ENTRYPOINT"}]
    assert cmd[-1].replace(" ", "") in {'["bin/web"]', "bin/web"}


def test_dockerignore_keeps_local_state_out_of_the_image():
    # A copied .venv would make bin/* run the host's interpreter inside the container.
    patterns = {
        line.strip().strip("/")
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for required in (".venv", ".git", "db.sqlite3*", ".env", "staticfiles", "media"):
        assert required in patterns, f".dockerignore must exclude {required}"
