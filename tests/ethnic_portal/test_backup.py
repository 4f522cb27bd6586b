"""`manage.py backup` / `manage.py restore` (make backup, make restore FILE=…) on a portal of their own.

The commands run as an operator runs them, in a subprocess whose DATABASE_URL names a scratch database (a SQLite
file always; a PostgreSQL database beside the test database when DATABASE_URL is postgres) and whose MEDIA_ROOT is
a temporary folder; never on the database pytest-django uses. Data is made through the services in the same kind
of subprocess. The proof that a restore gives back the original is computed here, independently of the
commands' own fingerprints: every table's rows (sorted) hashed, and every file of MEDIA_ROOT byte for byte.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import io
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from ethnic_portal import backup, versions

ROOT = Path(settings.BASE_DIR)
POSTGRES_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = urlsplit(POSTGRES_URL).scheme in {"postgres", "postgresql"}
# Variables of the test run that must not reach the scratch portal (it builds reports in-process, caches nothing).
NOT_PASSED = {
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "PORTAL_TEST_MEDIA_ROOT",
    "DJANGO_SETTINGS_MODULE",
    "PG_DUMP",
    "PG_RESTORE",
    "PORTAL_VERSION",
}
_names = itertools.count(1)


# --- What the scratch portal runs (`manage.py shell -c`), through the services ---------------------------


def scenario_migrate():
    """The schema and the reference data (manage.py migrate; manage.py load_reference_data)."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_reference_data", verbosity=0)


def scenario_make():
    """Three allocations and three disbursements of Ba Bể, two households with a support, a district report built
    with its file, an uploaded import file."""
    from beneficiaries import services as people
    from beneficiaries.models import EthnicGroup
    from disbursement import services as ledger
    from disbursement.excel.importer import for_kind
    from disbursement.models import ImportBatch
    from ethnic_portal import clock
    from ethnic_portal.excel_import import record_preview
    from programs.models import Project, SubProject
    from reports import services as reports
    from reports.models import ReportJob, ReportStatus
    from tests.disbursement.test_import import DISBURSEMENT_HEADERS, disbursement_row, xlsx
    from tests.factories import UserFactory, VillageFactory, unit

    with clock.as_of(datetime.date(2024, 7, 15)):
        province = UserFactory(username="tinh_saoluu", role="province", unit=unit("06"))
        district = UserFactory(username="huyen_saoluu", role="district", unit=unit("061"))
        da4, tda1 = Project.objects.get(code="DA4", program__phase=1), SubProject.objects.get(code="DA4.TDA1")
        lines = [
            ledger.allocation_create(
                actor=province,
                year=2024,
                project=da4,
                subproject=tda1,
                unit=unit("061"),
                capital_type="investment",
                source=source,
                origin_year=2024,
                amount=amount,
                decision_no=f"{number}/QĐ-UBND",
                decision_date=datetime.date(2024, 1, 22),
                decision_body="UBND tỉnh Bắc Kạn",
            )
            for number, source, amount in (
                (35, "central", 1_000_000_000),
                (36, "local", 300_000_123),
                (37, "other", 50_000_000),
            )
        ]
        for allocation, day, amount, voucher in (
            (lines[0], datetime.date(2024, 3, 1), 250_000_000, "KB-1"),
            (lines[0], datetime.date(2024, 6, 28), 125_000_000, "KB-2"),
            (lines[1], datetime.date(2024, 5, 2), 100_000_001, "KB-3"),
        ):
            ledger.disbursement_create(
                actor=district, allocation=allocation, date=day, amount=amount, voucher_no=voucher
            )
        village = VillageFactory(
            parent=unit("01888"), code="01888.81", name="Bản Sao Lưu", valid_to=datetime.date(2025, 6, 30)
        )
        tay = EthnicGroup.objects.get(code="02")
        households = [
            people.household_create(
                actor=province,
                head_name=name,
                head_id_number=number,
                ethnic_group=tay,
                unit=village,
                members=members,
                poverty_status="poor",
                poverty_year=2023,
            )
            for name, number, members in (("Nông Thị Lan", "006180001234", 5), ("Hoàng Văn Páo", "006085004321", 3))
        ]
        people.household_support_create(
            actor=province,
            household=households[0],
            year=2024,
            kind="water",
            amount=3_000_000,
            date=datetime.date(2024, 5, 10),
            project=Project.objects.get(code="DA1", program__phase=1),
        )
        job = reports.report_request(actor=province, level="district", unit="061", year=2024, period="H1")
        job.refresh_from_db()
        assert job.status == ReportStatus.DONE, (job.status, job.error)
        assert Path(job.file.path).is_file()
        content = xlsx(
            [disbursement_row(decision_no="35/QĐ-UBND", date=datetime.datetime(2024, 7, 10), voucher_no="KB-10")],  # noqa: DTZ001
            headers=DISBURSEMENT_HEADERS,
        )
        batch = record_preview(
            ImportBatch,
            for_kind("disbursements", actor=district),
            upload_name="giai-ngan-thang-7.xlsx",
            content=content,
        )
        assert Path(batch.file.path).read_bytes() == content
        assert ReportJob.objects.count() == 1


def scenario_mutate():
    """What happens after the backup: a disbursement deleted, an allocation edited, a household added, the report
    and its file deleted, the uploaded file overwritten, a file added."""
    from accounts.models import User
    from beneficiaries import services as people
    from beneficiaries.models import Household
    from disbursement import services as ledger
    from disbursement.models import Allocation, Disbursement, ImportBatch
    from ethnic_portal import clock
    from reports.models import ReportJob

    with clock.as_of(datetime.date(2024, 7, 20)):
        province = User.objects.get(username="tinh_saoluu")
        ledger.disbursement_delete(actor=province, disbursement=Disbursement.objects.order_by("pk").first())
        ledger.allocation_update(
            actor=province, allocation=Allocation.objects.order_by("pk").last(), decision_no="99/QĐ-UBND"
        )
        first = Household.objects.order_by("pk").first()
        people.household_create(
            actor=province,
            head_name="Người Mới Thêm",
            head_id_number="006190007777",
            ethnic_group=first.ethnic_group,
            unit=first.unit,
            members=2,
            poverty_status="near_poor",
            poverty_year=2024,
        )
        job = ReportJob.objects.get()
        Path(job.file.path).unlink()
        job.delete()
        Path(ImportBatch.objects.get().file.path).write_bytes(b"not the uploaded workbook")
        Path(settings.MEDIA_ROOT, "reports", "added-later.xlsx").write_bytes(b"a file the backup did not have")


def scenario_write_after_restore():
    """The restored portal takes new writes (PostgreSQL's sequences came back with the rows)."""
    from accounts.models import User
    from beneficiaries import services as people
    from beneficiaries.models import Household
    from disbursement import services as ledger
    from disbursement.models import Allocation
    from ethnic_portal import clock

    with clock.as_of(datetime.date(2024, 7, 25)):
        province = User.objects.get(username="tinh_saoluu")
        allocation = Allocation.objects.order_by("pk").first()
        ledger.disbursement_create(
            actor=province, allocation=allocation, date=datetime.date(2024, 7, 24), amount=1_000, voucher_no="KB-9"
        )
        first = Household.objects.order_by("pk").first()
        people.household_create(
            actor=province,
            head_name="Hộ Sau Khôi Phục",
            head_id_number="006190008888",
            ethnic_group=first.ethnic_group,
            unit=first.unit,
            members=4,
            poverty_status="poor",
            poverty_year=2024,
        )


# --- A portal of its own -------------------------------------------------------------------------------


def _postgres_admin():
    import psycopg2

    parts = urlsplit(POSTGRES_URL)
    admin = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "postgres",
        password=parts.password,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
    )
    admin.autocommit = True
    return admin


def _postgres_url(name: str) -> str:
    parts = urlsplit(POSTGRES_URL)
    return parts._replace(path=f"/{name}").geturl()


@dataclasses.dataclass
class Portal:
    vendor: str
    database_url: str
    media: Path
    backups: Path

    @property
    def database(self) -> str:
        return urlsplit(self.database_url).path.lstrip("/") if self.vendor == "postgresql" else self.sqlite_file

    @property
    def sqlite_file(self) -> str:
        return "/" + self.database_url.split(":///", 1)[1].lstrip("/")

    def environment(self, **extra) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if key not in NOT_PASSED}
        environment.update(
            DJANGO_SETTINGS_MODULE="ethnic_portal.settings",
            DJANGO_SECRET_KEY="backup-test-only-" + "k" * 40,
            DJANGO_DEBUG="0",
            DATABASE_URL=self.database_url,
            MEDIA_ROOT=str(self.media),
            BACKUP_DIR=str(self.backups),
            **extra,
        )
        return environment

    def manage(self, *arguments, expect_ok=True, **extra) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=ROOT,
            env=self.environment(**extra),
            stdin=subprocess.DEVNULL,  # no terminal, as in cron or CI
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if expect_ok:
            assert result.returncode == 0, f"{arguments}: {result.stdout}\n{result.stderr}"
        return result

    def run(self, scenario) -> None:
        """Run a function of this module in the portal (as `manage.py shell -c` would, without its imports)."""
        code = f"import django; django.setup(); from tests.ethnic_portal.test_backup import {scenario.__name__}; {scenario.__name__}()"
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, f"{scenario.__name__}: {result.stdout}\n{result.stderr}"

    def backup(self) -> Path:
        before = set(self.backups.glob("*.tar.gz"))
        self.manage("backup")
        (made,) = set(self.backups.glob("*.tar.gz")) - before
        return made

    def restore(self, archive: Path, *options, expect_ok=True, **extra) -> subprocess.CompletedProcess:
        return self.manage("restore", str(archive), *options, expect_ok=expect_ok, **extra)

    def connect(self):
        """A DB-API connection of its own to the portal's database (autocommit)."""
        if self.vendor == "sqlite":
            return sqlite3.connect(self.sqlite_file, timeout=60, isolation_level=None, check_same_thread=False)
        import psycopg2

        parts = urlsplit(self.database_url)
        db = psycopg2.connect(
            dbname=self.database, user=parts.username, password=parts.password, host=parts.hostname, port=parts.port
        )
        db.autocommit = True
        return db

    # The proof, independent of ethnic_portal.backup: each table's rows, sorted, hashed.
    def fingerprints(self) -> dict[str, tuple[int, str]]:
        db = self.connect()
        if self.vendor == "sqlite":
            tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            read = lambda table: db.execute(f'SELECT * FROM "{table}"').fetchall()  # noqa: E731
        else:
            cursor = db.cursor()
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
            tables = [row[0] for row in cursor.fetchall()]

            def read(table):
                cursor.execute(f'SELECT * FROM "{table}"')
                return cursor.fetchall()

        try:
            result = {}
            for table in tables:
                rows = sorted(repr(row) for row in read(table))
                result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
            return result
        finally:
            db.close()

    def data_version(self) -> int:
        db = self.connect()
        try:
            cursor = db.cursor()
            cursor.execute(f"SELECT counter FROM {versions.TABLE}")
            row = cursor.fetchone()
            return int(row[0]) if row else 0
        finally:
            db.close()

    def media_files(self) -> dict[str, bytes]:
        return {
            path.relative_to(self.media).as_posix(): path.read_bytes()
            for path in sorted(self.media.rglob("*"))
            if path.is_file()
        }

    def state(self):
        return self.fingerprints(), self.media_files()

    def clone(self, folder: Path) -> Portal:
        folder.mkdir(parents=True)
        media, backups = folder / "media", folder / "backups"
        shutil.copytree(self.media, media)
        backups.mkdir()
        if self.vendor == "sqlite":
            shutil.copyfile(self.sqlite_file, folder / "portal.sqlite3")  # not live: no process has it open
            return Portal("sqlite", f"sqlite:///{folder / 'portal.sqlite3'}", media, backups)
        name = _scratch_name()
        admin = _postgres_admin()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.database}"')
        finally:
            admin.close()
        return Portal("postgresql", _postgres_url(name), media, backups)

    def drop(self) -> None:
        if self.vendor == "postgresql":
            admin = _postgres_admin()
            try:
                with admin.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            finally:
                admin.close()


def _scratch_name() -> str:
    base = urlsplit(POSTGRES_URL).path.lstrip("/") or "ethnic_portal"
    return f"{base}_backup_{os.getpid()}_{next(_names)}"[:63]


def _empty_portal(vendor: str, folder: Path) -> Portal:
    """A portal migrated by manage.py, with the reference data and nothing else yet."""
    folder.mkdir(parents=True)
    (folder / "media").mkdir()
    (folder / "backups").mkdir()
    if vendor == "sqlite":
        portal = Portal("sqlite", f"sqlite:///{folder / 'portal.sqlite3'}", folder / "media", folder / "backups")
    else:
        name = _scratch_name()
        portal = Portal("postgresql", _postgres_url(name), folder / "media", folder / "backups")
        admin = _postgres_admin()
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cursor.execute(f'CREATE DATABASE "{name}"')
        finally:
            admin.close()
    portal.run(scenario_migrate)
    return portal


@dataclasses.dataclass
class Scene:
    portal: Portal  # the portal after the changes that followed the backup
    archive: Path
    original: tuple  # (fingerprints, media) at the backup
    changed: tuple  # (fingerprints, media) after the changes
    folder: Path
    original_version: int = 0  # the data version (ethnic_portal/versions.py) at the backup
    changed_version: int = 0  # … and after the changes


def _scene(vendor, folder):
    portal = _empty_portal(vendor, folder / "portal")
    clones: list[Portal] = []
    try:
        portal.run(scenario_make)
        original, original_version = portal.state(), portal.data_version()
        archive = portal.backup()
        portal.run(scenario_mutate)
        changed, changed_version = portal.state(), portal.data_version()
        assert changed_version > original_version  # the changes were seen by the watch on writes

        def clone():
            copy = portal.clone(folder / f"clone{len(clones) + 1}")
            clones.append(copy)
            return copy

        yield Scene(portal, archive, original, changed, folder, original_version, changed_version), clone
    finally:
        for copy in [portal, *clones]:
            copy.drop()


@pytest.fixture(scope="module")
def sqlite_scene(tmp_path_factory):
    """A SQLite portal with data, backed up, then changed. A test that restores works on a clone of it."""
    yield from _scene("sqlite", tmp_path_factory.mktemp("backup-sqlite"))


@pytest.fixture(scope="module")
def postgres_scene(tmp_path_factory):
    """The same on PostgreSQL, in scratch databases beside the test database (DATABASE_URL's server)."""
    if not ON_POSTGRES:
        pytest.skip("needs DATABASE_URL=postgres://…")
    yield from _scene("postgresql", tmp_path_factory.mktemp("backup-postgres"))


@pytest.fixture(params=["sqlite", "postgresql"])
def scene(request):
    return request.getfixturevalue({"sqlite": "sqlite_scene", "postgresql": "postgres_scene"}[request.param])


# --- Backup, change, restore: the original comes back --------------------------------------------------


def test_restore_gives_back_every_table_row_and_every_file(scene):
    scene, clone = scene
    original_tables, original_media = scene.original
    changed_tables, changed_media = scene.changed
    # The changes reached the tables and the files the test is about (else the comparison below proves nothing).
    for table in (
        "disbursement_disbursement",
        "disbursement_allocation",
        "disbursement_historicalallocation",
        "beneficiaries_household",
        "reports_reportjob",
    ):
        assert changed_tables[table] != original_tables[table], table
    assert original_tables["disbursement_disbursement"][0] == 3
    assert original_tables["beneficiaries_household"][0] == 2
    assert original_tables["reports_reportjob"][0] == 1
    report_files = [name for name in original_media if name.startswith("reports/2024/")]
    uploads = [name for name in original_media if name.startswith("imports/")]
    assert len(report_files) == 1
    assert len(uploads) == 1
    assert report_files[0] not in changed_media
    assert changed_media[uploads[0]] != original_media[uploads[0]]
    assert "reports/added-later.xlsx" in changed_media

    portal = clone()
    result = portal.restore(scene.archive, "--yes")
    assert "dữ liệu khớp manifest từng bảng" in result.stdout

    tables, media = portal.state()
    assert {name: rows for name, (rows, _) in tables.items()} == {
        name: rows for name, (rows, _) in original_tables.items()
    }
    # Every table as it was, but the data version, which the restore makes grow past any version seen before
    # (ethnic_portal/versions.py: a page cached since the backup is never served again).
    assert portal.data_version() > max(scene.original_version, scene.changed_version)
    version = versions.TABLE
    assert {k: v for k, v in tables.items() if k != version} == {
        k: v for k, v in original_tables.items() if k != version
    }
    assert media == original_media  # byte for byte; the file added later is gone, none of the restore's folders left
    # The commands' own row counts agree with this independent count.
    manifest = _manifest(scene.archive)
    assert {name: table["rows"] for name, table in manifest["tables"].items()} == {
        name: rows for name, (rows, _) in tables.items()
    }
    # ... and the restored portal takes new writes (sequences restored with the rows).
    portal.run(scenario_write_after_restore)
    after = portal.fingerprints()
    assert after["disbursement_disbursement"][0] == 3 + 1
    assert after["beneficiaries_household"][0] == 2 + 1


def test_a_backup_taken_while_the_portal_writes_is_of_one_moment(scene):
    """Rows keep arriving while the backup runs: the archive holds the database of one moment (PostgreSQL: pg_dump
    reads the snapshot the figures were read in; SQLite: the backup API copies in one step), so the restore's own
    comparison with the manifest succeeds and the rows are those the manifest counted."""
    scene, clone = scene
    portal = clone()
    stop, written = threading.Event(), []
    placeholder = "?" if portal.vendor == "sqlite" else "%s"

    def write():
        db = portal.connect()
        cursor = db.cursor()
        try:
            while not stop.is_set():
                cursor.execute(
                    "INSERT INTO django_session (session_key, session_data, expire_date) "
                    f"VALUES ({placeholder}, 'x', {placeholder})",
                    (f"during-backup-{len(written)}", "2030-01-01 00:00:00"),
                )
                written.append(1)
                time.sleep(0.002)
        finally:
            db.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while not written:
            time.sleep(0.01)
        archive = portal.backup()
    finally:
        stop.set()
        writer.join()
    counted = _manifest(archive)["tables"]["django_session"]["rows"]
    assert 0 < counted <= len(written)
    result = portal.restore(archive, "--yes")
    assert "dữ liệu khớp manifest từng bảng" in result.stdout
    assert portal.fingerprints()["django_session"][0] == counted


def test_the_archive_holds_the_database_the_files_and_a_manifest(scene):
    scene, _clone = scene
    assert scene.archive.name.startswith("ethnic_portal-")
    assert scene.archive.name.endswith(".tar.gz")
    assert scene.archive.stat().st_mode & 0o777 == 0o600  # holds citizen ID numbers
    manifest = _manifest(scene.archive)
    assert manifest["format"] == "ethnic_portal-backup"
    assert manifest["format_version"] == 1
    assert datetime.datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert manifest["code_version"]
    assert manifest["database"]["vendor"] == scene.portal.vendor
    database_file = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[scene.portal.vendor]
    original_media = scene.original[1]
    assert set(manifest["files"]) == {database_file} | {f"media/{name}" for name in original_media}
    with tarfile.open(scene.archive) as tar:
        for name, listed in manifest["files"].items():
            content = tar.extractfile(name).read()
            assert listed == {"size": len(content), "sha256": hashlib.sha256(content).hexdigest()}
            if name.startswith("media/"):
                assert content == original_media[name[len("media/") :]]
        if scene.portal.vendor == "postgresql":
            assert tar.extractfile(database_file).read(5) == b"PGDMP"  # pg_dump's custom format
        else:
            assert tar.extractfile(database_file).read(16) == b"SQLite format 3\x00"
    checked = scene.portal.manage("restore", "--check", str(scene.archive))
    assert "đầy đủ và khôi phục được" in checked.stdout


# --- Refusals: a clear message, a non-zero exit, nothing changed ---------------------------------------


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


def _members(archive: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive) as tar:
        return [(member, tar.extractfile(member).read()) for member in tar.getmembers()]


def _write(path: Path, members) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for member, content in members:
            if member.isfile():
                member.size = len(content)
                tar.addfile(member, io.BytesIO(content))
            else:
                tar.addfile(member)
    return path


def _rewritten(archive: Path, target: Path, change) -> Path:
    """A copy of `archive` whose members (TarInfo, bytes) went through `change`; the manifest is kept unless
    `change` edits it."""
    return _write(target, change(_members(archive)))


def _edit_manifest(members, edit):
    result = []
    for member, content in members:
        if member.name == "manifest.json":
            manifest = json.loads(content)
            edit(manifest)
            content = json.dumps(manifest).encode()
        result.append((member, content))
    return result


def _flip_a_media_byte(members):
    result, done = [], False
    for member, content in members:
        if not done and member.name.startswith("media/reports/"):
            content = content[:100] + bytes([content[100] ^ 1]) + content[101:]
            done = True
        result.append((member, content))
    assert done
    return result


def _as_other_vendor(members):
    """The archive of the other vendor, consistent in itself (its checksums still match)."""
    names = {"database.sqlite3": "database.pgdump", "database.pgdump": "database.sqlite3"}
    result = []
    for member, content in members:
        if member.name in names:
            member.name = names[member.name]
        result.append((member, content))

    def edit(manifest):
        database = manifest["database"]
        other = {"sqlite": "postgresql", "postgresql": "sqlite"}[database["vendor"]]
        database["vendor"], database["file"] = other, names[database["file"]]
        manifest["files"] = {names.get(name, name): value for name, value in manifest["files"].items()}

    return _edit_manifest(result, edit)


def _truncated(archive: Path, target: Path) -> Path:
    target.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return target


REFUSALS = {
    "truncated": (_truncated, "Tệp sao lưu hỏng"),
    "tampered media file": (
        lambda archive, target: _rewritten(archive, target, _flip_a_media_byte),
        "Mã kiểm tra SHA-256 của media/reports/",
    ),
    "other database vendor": (
        lambda archive, target: _rewritten(archive, target, _as_other_vendor),
        "không khôi phục chéo được",
    ),
    "no terminal and no --yes": (lambda archive, target: archive, "thêm --yes"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_archive_or_an_unconfirmed_restore_changes_nothing(scene, case, tmp_path):
    scene, _clone = scene
    make, message = REFUSALS[case]
    archive = make(scene.archive, tmp_path / "bad.tar.gz")
    portal = scene.portal  # a refusal changes nothing, so the tests share the portal (no clone)
    before = portal.state()
    assert before == scene.changed
    options = () if case == "no terminal and no --yes" else ("--yes",)
    result = portal.restore(archive, *options, expect_ok=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert portal.state() == before  # tables and files as they were, and no folder of the restore left behind
    assert not any(path.name.startswith(".restore-") for path in portal.media.iterdir())


def test_sqlite_restore_checks_the_copy_against_the_manifest_before_writing(sqlite_scene, tmp_path):
    scene, _clone = sqlite_scene

    def edit(manifest):
        manifest["tables"]["disbursement_disbursement"]["rows"] += 1

    archive = _rewritten(scene.archive, tmp_path / "edited.tar.gz", lambda members: _edit_manifest(members, edit))
    before = scene.portal.state()
    result = scene.portal.restore(archive, "--yes", expect_ok=False)
    assert result.returncode != 0
    assert "dữ liệu trong tệp SQLite khác manifest: bảng disbursement_disbursement" in result.stderr
    assert scene.portal.state() == before


# --- Refusals of the archive reader, without a portal (fast) -------------------------------------------


def _tar_member(name, content=b"x", kind=tarfile.REGTYPE, link=""):
    member = tarfile.TarInfo(name)
    member.type, member.linkname, member.size = kind, link, len(content)
    return member, content


ARCHIVE_REFUSALS = {
    "no file": (lambda members: "missing", "Không thấy tệp sao lưu"),
    "not a gzip file": (lambda members: None, "Tệp sao lưu hỏng"),
    "a member not in the manifest": (
        lambda members: [*members, _tar_member("media/extra.txt")],
        "có tệp không ghi trong manifest: media/extra.txt",
    ),
    "a member missing": (
        lambda members: [(m, c) for m, c in members if not m.name.startswith("media/imports/")],
        "thiếu tệp ghi trong manifest: media/imports/",
    ),
    "a path out of the folder": (
        lambda members: [_tar_member("media/../../escaped.txt"), *members],
        "tên tệp không hợp lệ trong bản sao lưu: media/../../escaped.txt",
    ),
    "an absolute path": (lambda members: [_tar_member("/tmp/escaped.txt"), *members], "tên tệp không hợp lệ"),
    "a symbolic link": (
        lambda members: [_tar_member("media/link", b"", tarfile.SYMTYPE, "/etc/passwd"), *members],
        "media/link không phải tệp thường",
    ),
    "the database file edited": (
        lambda members: [(m, c + b"\0" if m.name.startswith("database.") else c) for m, c in members],
        "Mã kiểm tra SHA-256 của database.",
    ),
    "no manifest": (lambda members: [(m, c) for m, c in members if m.name != "manifest.json"], "thiếu manifest.json"),
    "a later format": (
        lambda members: _edit_manifest(members, lambda manifest: manifest.update(format_version=2)),
        "định dạng phiên bản 2",
    ),
}


@pytest.mark.parametrize("case", ARCHIVE_REFUSALS)
def test_the_reader_refuses_a_damaged_or_unsafe_archive_before_writing_outside_its_folders(
    sqlite_scene, case, tmp_path
):
    scene, _clone = sqlite_scene
    change, message = ARCHIVE_REFUSALS[case]
    bad = tmp_path / "bad.tar.gz"
    changed = change(_members(scene.archive))
    if changed is None:
        bad.write_bytes(b"PK\x03\x04 an xlsx, not a backup")
    elif changed == "missing":
        pass
    else:
        _write(bad, changed)
    work = tmp_path / "work"
    (work / "database").mkdir(parents=True)
    (work / "media").mkdir()
    with pytest.raises(backup.BackupError) as refused:
        backup.read_archive(bad, database_dir=work / "database", media_dir=work / "media")
    assert message in str(refused.value)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (work / "escaped.txt").exists()
    assert not Path("/tmp/escaped.txt").exists()


# --- PostgreSQL tools ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "server", "refused"), [(14, 15, True), (15, 16, True), (15, 15, False), (16, 15, False)]
)
def test_a_pg_dump_older_than_the_server_is_refused_naming_both_versions(tool, server, refused):
    if not refused:
        backup.check_pg_dump_version(tool, server)
        return
    with pytest.raises(backup.BackupError) as error:
        backup.check_pg_dump_version(tool, server)
    message = str(error.value)
    assert f"pg_dump phiên bản {tool} cũ hơn máy chủ PostgreSQL {server}" in message
    assert f"postgresql-client-{server}" in message


def _fake_tool(folder: Path, name: str, version: str) -> Path:
    script = folder / name
    script.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\nexit 0\n")
    script.chmod(0o755)
    return script


def test_postgres_backup_refuses_a_pg_dump_older_than_the_server(postgres_scene, tmp_path):
    the_scene, _clone = postgres_scene
    before = set(the_scene.portal.backups.iterdir())
    result = the_scene.portal.manage("backup", expect_ok=False, PG_DUMP=str(_fake_tool(tmp_path, "pg_dump", "9.6.24")))
    assert result.returncode != 0
    assert "pg_dump phiên bản 9 cũ hơn máy chủ PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
    assert set(the_scene.portal.backups.iterdir()) == before  # no archive, no partial file


def test_postgres_restore_refuses_a_dump_newer_than_its_pg_restore(postgres_scene, tmp_path):
    the_scene, _clone = postgres_scene
    archive = _rewritten(
        the_scene.archive,
        tmp_path / "newer.tar.gz",
        lambda members: _edit_manifest(
            members, lambda manifest: manifest["database"].update(dump_tool="pg_dump (PostgreSQL) 99.1")
        ),
    )
    portal = the_scene.portal
    before = portal.state()
    result = portal.restore(archive, "--yes", expect_ok=False)
    assert result.returncode != 0
    assert "Bản dump do pg_dump 99 tạo" in result.stderr
    assert portal.state() == before


# --- make ---------------------------------------------------------------------------------------------


def _make(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-n", *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_make_targets_run_the_commands_and_restore_needs_a_file():
    assert "manage.py backup" in _make("backup").stdout
    asking = _make("restore", "FILE=backups/a.tar.gz").stdout
    assert 'manage.py restore "backups/a.tar.gz"\n' in asking
    assert 'manage.py restore "backups/a.tar.gz" --yes' in _make("restore", "FILE=backups/a.tar.gz", "YES=1").stdout
    missing = _make("restore")
    assert missing.returncode != 0
    assert "Cách dùng: make restore FILE=" in missing.stderr
    assert "manage.py restore" not in missing.stdout
