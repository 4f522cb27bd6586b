"""Backup and restore of the whole portal: the database and MEDIA_ROOT (report files, uploaded import files) in
one `.tar.gz`, checked on the way in and on the way out.

The archive (`ethnic_portal-YYYYMMDD-HHMMSS.tar.gz` in settings.BACKUP_DIR, readable by its owner only: it holds
citizen ID numbers) contains

- `database.pgdump`: PostgreSQL, `pg_dump --format=custom` of the snapshot the manifest's figures were read in
  (the command exports its REPEATABLE READ snapshot and pg_dump imports it), or
  `database.sqlite3`: SQLite, a copy made through sqlite3's online backup API (never a copy of the live file);
- `media/…`: every file under MEDIA_ROOT (but unfinished `*.part` files and the restore's own folders);
- `manifest.json`, written last: format and version, when, the code version (reports.services.code_version),
  the database vendor and server, each table's row count and content fingerprint, and each file's size and
  SHA-256.

A restore reads the whole archive first, checking every member against the manifest, the vendor against the
configured database and (SQLite) the copy's integrity and fingerprints, before it changes anything. PostgreSQL
is restored by `pg_restore --clean --if-exists --no-owner --single-transaction`, SQLite through the backup API
onto the configured file (one step, one transaction: readers see the old database or the new one). Then the
restored tables are fingerprinted again and compared with the manifest, and only then is MEDIA_ROOT's content
swapped for the archive's (the old files are moved aside inside MEDIA_ROOT and removed once all is done; on a
failure they are moved back).

The checksums detect a damaged or edited archive, not a forged one: who can write the archive can rewrite its
manifest too. Keep backups where only the operators can write.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from django.utils.translation import gettext as _

from . import versions

FORMAT = "ethnic_portal-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
# Top-level folders of MEDIA_ROOT that a restore uses for the time it runs; never backed up.
RESTORE_FOLDER_PREFIX = ".restore-"
# Files being written (reports/services.py writes `*.xlsx.part` and renames it when done): never backed up.
UNFINISHED_SUFFIX = ".part"
CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 64 << 20


class BackupError(Exception):
    """A refusal or failure, with a message for the operator (Vietnamese)."""


@dataclasses.dataclass
class BackupResult:
    path: Path
    manifest: dict
    seconds: float


@dataclasses.dataclass
class RestoreResult:
    manifest: dict
    seconds: float
    notes: list[str]


# --- Fingerprints -------------------------------------------------------------------------------------


def _sqlite_value(value):
    if isinstance(value, bytes):
        return {"blob": value.hex()}
    if isinstance(value, float):
        return {"real": repr(value)}
    return value


def sqlite_fingerprints(db: sqlite3.Connection) -> dict[str, dict]:
    """{table: {"rows": n, "sha256": hex}} of every table of a SQLite database: its rows in the order of all their
    columns, each written as JSON."""
    tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    result = {}
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        width = len(db.execute(f"PRAGMA table_info({quoted})").fetchall())
        order = ", ".join(str(index) for index in range(1, width + 1))
        digest, rows = hashlib.sha256(), 0
        for row in db.execute(f"SELECT * FROM {quoted} ORDER BY {order}"):  # noqa: S608 (names from sqlite_master)
            digest.update(json.dumps([_sqlite_value(v) for v in row], ensure_ascii=False).encode() + b"\n")
            rows += 1
        result[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


# Settings that decide how a row is written as text; fixed so that the fingerprint of the same rows is the same
# whatever the connection's defaults.
_POSTGRES_TEXT_SETTINGS = (
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL bytea_output = 'hex'",
    "SET LOCAL extra_float_digits = 1",
)


def postgres_fingerprints(cursor) -> dict[str, dict]:
    """{table: {"rows": n, "sha256": hex}} of every ordinary table outside the system schemas: SHA-256 over the
    sorted SHA-256 digests of the rows as text. Must run inside a transaction (SET LOCAL)."""
    for statement in _POSTGRES_TEXT_SETTINGS:
        cursor.execute(statement)
    cursor.execute(
        """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
        ORDER BY 1, 2
        """
    )
    result = {}
    for schema, table in cursor.fetchall():
        qualified = f'"{schema.replace(chr(34), chr(34) * 2)}"."{table.replace(chr(34), chr(34) * 2)}"'
        cursor.execute(
            "SELECT count(*), encode(sha256(coalesce(string_agg(h, ''::bytea ORDER BY h), ''::bytea)), 'hex') "
            f"FROM (SELECT sha256(convert_to(t::text, 'UTF8')) AS h FROM {qualified} AS t) AS rows"  # noqa: S608
        )
        rows, digest = cursor.fetchone()
        result[table if schema == "public" else f"{schema}.{table}"] = {"rows": rows, "sha256": digest}
    return result


def _differences(expected: dict, found: dict) -> list[str]:
    lines = []
    for table in sorted(set(expected) | set(found)):
        if table not in found:
            lines.append(_("bảng %(table)s: không có") % {"table": table})
        elif table not in expected:
            continue  # a table the backup did not have: reported separately, it is not part of the comparison
        elif expected[table] != found[table]:
            lines.append(
                _("bảng %(table)s: %(found)s dòng, bản sao lưu có %(expected)s dòng (hoặc nội dung khác)")
                % {"table": table, "found": found[table]["rows"], "expected": expected[table]["rows"]}
            )
    return lines


# --- Files ----------------------------------------------------------------------------------------------


class _HashingReader:
    """Reads through to a file, hashing and counting what was read."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(name in the archive, path) of every regular file under MEDIA_ROOT, sorted; links are not followed."""
    if not root.is_dir():
        return
    for folder, subfolders, names in os.walk(root):
        here = Path(folder)
        if here == root:
            subfolders[:] = [name for name in subfolders if not name.startswith(RESTORE_FOLDER_PREFIX)]
        subfolders.sort()
        for name in sorted(names):
            path = here / name
            if name.endswith(UNFINISHED_SUFFIX) or path.is_symlink() or not path.is_file():
                continue
            yield MEDIA_PREFIX + path.relative_to(root).as_posix(), path


# --- PostgreSQL -----------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    """The pg_dump / pg_restore to run: $PG_DUMP / $PG_RESTORE if set (e.g. /usr/lib/postgresql/16/bin/pg_dump),
    else the one on PATH."""
    return os.environ.get(name.upper(), "").strip() or name


def _tool_version(tool: str) -> tuple[int, str]:
    """(major version, the tool's own words) of pg_dump or pg_restore."""
    try:
        result = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise BackupError(
            _(
                "Không chạy được %(tool)s (%(error)s). Cài gói postgresql-client đúng phiên bản máy chủ PostgreSQL, "
                "hoặc đặt biến môi trường %(variable)s là đường dẫn tới chương trình."
            )
            % {"tool": tool, "error": error, "variable": Path(tool).name.upper()}
        ) from error
    words = result.stdout.strip()
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", words)
    if result.returncode != 0 or not match:
        raise BackupError(
            _("Không đọc được phiên bản của %(tool)s: %(output)s") % {"tool": tool, "output": words or result.stderr}
        )
    return int(match.group(1)), words


def check_pg_dump_version(tool_major: int, server_major: int, tool: str = "pg_dump") -> None:
    """pg_dump refuses to dump a server newer than itself: say so before it does, and what to install."""
    if tool_major < server_major:
        raise BackupError(
            _(
                "%(tool)s phiên bản %(tool_major)s cũ hơn máy chủ PostgreSQL %(server_major)s: pg_dump không sao lưu "
                "được máy chủ mới hơn nó. Cài postgresql-client-%(server_major)s (hoặc mới hơn) rồi chạy lại; "
                "có thể chỉ đúng chương trình bằng biến môi trường PG_DUMP, ví dụ "
                "PG_DUMP=/usr/lib/postgresql/%(server_major)s/bin/pg_dump."
            )
            % {"tool": tool, "tool_major": tool_major, "server_major": server_major}
        )


def _libpq_environment() -> dict[str, str]:
    """The configured database as libpq environment variables (the password stays off the command line)."""
    database = connection.settings_dict
    environment = dict(os.environ)
    for key, variable in (("NAME", "PGDATABASE"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if database.get(key):
            environment[variable] = str(database[key])
    if database.get("HOST"):
        environment["PGHOST"] = str(database["HOST"])
    if database.get("PORT"):
        environment["PGPORT"] = str(database["PORT"])
    options = database.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("connect_timeout", "PGCONNECT_TIMEOUT"),
        ("service", "PGSERVICE"),
        ("passfile", "PGPASSFILE"),
    ):
        if options.get(option):
            environment[variable] = str(options[option])
    return environment


def _server_version() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version_num')::int, current_setting('server_version')")
        number, words = cursor.fetchone()
    return number // 10000, words


def _stderr_tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _dump_postgres(work: Path) -> tuple[Path, dict, dict]:
    tool = _tool("pg_dump")
    tool_major, tool_words = _tool_version(tool)
    server_major, server_words = _server_version()
    check_pg_dump_version(tool_major, server_major, tool)
    target = work / DATABASE_FILES["postgresql"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        # pg_dump reads the snapshot this transaction exported, so the dump and the figures below are of one
        # moment; it runs while the figures are computed.
        process = subprocess.Popen(
            [tool, "--format=custom", "--compress=0", f"--snapshot={snapshot}", f"--file={target}"],
            env=_libpq_environment(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            tables = postgres_fingerprints(cursor)
        finally:
            _, errors = process.communicate()
    if process.returncode != 0:
        raise BackupError(_("pg_dump thất bại, không có bản sao lưu nào được tạo:\n%s") % _stderr_tail(errors))
    info = {"server_version": server_words, "dump_tool": tool_words, "name": connection.settings_dict["NAME"]}
    return target, info, tables


# --- SQLite ---------------------------------------------------------------------------------------------


def sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError(_("Cơ sở dữ liệu SQLite trong bộ nhớ (%s) không sao lưu hay khôi phục được.") % name)
    return Path(name)


def _dump_sqlite(work: Path) -> tuple[Path, dict, dict]:
    source_path = sqlite_path()
    if not source_path.is_file():
        raise BackupError(_("Không có tệp cơ sở dữ liệu SQLite %s.") % source_path)
    target = work / DATABASE_FILES["sqlite"]
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # one step: a consistent copy even while the portal writes
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        tables = sqlite_fingerprints(copy)
    except sqlite3.Error as error:
        raise BackupError(_("Không sao chép được cơ sở dữ liệu SQLite: %s") % error) from error
    finally:
        copy.close()
        source.close()
    info = {"server_version": sqlite3.sqlite_version, "dump_tool": "sqlite3 backup API", "name": source_path.name}
    return target, info, tables


# --- Backup ---------------------------------------------------------------------------------------------


def _vendor() -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(_("Chỉ sao lưu, khôi phục được PostgreSQL và SQLite, không phải %s.") % vendor)
    return vendor


def _archive_name(directory: Path, moment: datetime.datetime) -> Path:
    stem = f"ethnic_portal-{moment:%Y%m%d-%H%M%S}"
    candidate, number = directory / f"{stem}.tar.gz", 1
    while candidate.exists():
        number += 1
        candidate = directory / f"{stem}-{number}.tar.gz"
    return candidate


def _tar_info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def create_backup(directory: str | Path | None = None) -> BackupResult:
    """Write one archive of the database and MEDIA_ROOT into `directory` (settings.BACKUP_DIR unless given) and
    read it back to check it. Raises BackupError; leaves no partial archive behind."""
    started = time.monotonic()
    vendor = _vendor()
    directory = Path(directory or settings.BACKUP_DIR)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        work_folder = tempfile.TemporaryDirectory(prefix=".backup-", dir=directory)
    except OSError as error:
        raise BackupError(
            _("Không ghi được vào thư mục sao lưu %(folder)s (%(error)s): đặt BACKUP_DIR hoặc --output-dir.")
            % {"folder": directory, "error": error}
        ) from error
    moment = timezone.localtime()
    from reports.services import code_version

    with work_folder as work:
        if vendor == "postgresql":
            database_path, database_info, tables = _dump_postgres(Path(work))
        else:
            database_path, database_info, tables = _dump_sqlite(Path(work))
        final = _archive_name(directory, moment)
        partial = directory / f".{final.name}.part"
        files: dict[str, dict] = {}
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
                    entries = [(DATABASE_FILES[vendor], database_path), *_media_files(media_root())]
                    for name, path in entries:
                        try:
                            handle = open(path, "rb")  # noqa: SIM115 (closed below)
                        except FileNotFoundError:
                            continue  # removed since it was listed
                        with handle:
                            status = os.fstat(handle.fileno())
                            reader = _HashingReader(handle)
                            tar.addfile(_tar_info(name, status.st_size, status.st_mtime), reader)
                        files[name] = {"size": reader.size, "sha256": reader.digest.hexdigest()}
                    manifest = {
                        "format": FORMAT,
                        "format_version": FORMAT_VERSION,
                        "created_at": moment.isoformat(),
                        "code_version": code_version(),
                        "database": {"vendor": vendor, "file": DATABASE_FILES[vendor], **database_info},
                        "tables": tables,
                        "media_root": str(media_root()),
                        "files": files,
                    }
                    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                    tar.addfile(_tar_info(MANIFEST, len(data), time.time()), io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
            read_archive(partial)  # the archive as written can be read back and matches its manifest
            os.replace(partial, final)
        except BaseException as error:
            with contextlib.suppress(OSError):
                partial.unlink()
            if isinstance(error, OSError):
                raise BackupError(
                    _("Không ghi được bản sao lưu vào %(folder)s (%(error)s); không có tệp nào được tạo.")
                    % {"folder": directory, "error": error}
                ) from error
            raise
    return BackupResult(final, manifest, time.monotonic() - started)


# --- Reading an archive -------------------------------------------------------------------------------


def _corrupt(reason) -> BackupError:
    return BackupError(
        _("Tệp sao lưu hỏng hoặc không phải bản sao lưu của cổng (%(reason)s): không có gì thay đổi.")
        % {"reason": reason}
    )


def _member_name(member: tarfile.TarInfo) -> str:
    name = member.name
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or path.is_absolute()
        or any(part in {"", ".", ".."} for part in name.split("/"))
        or not (name in {MANIFEST, *DATABASE_FILES.values()} or name.startswith(MEDIA_PREFIX))
    ):
        raise _corrupt(_("tên tệp không hợp lệ trong bản sao lưu: %s") % name)
    return name


def _copy(reader, handle) -> None:
    while chunk := reader.read(CHUNK):
        if handle is not None:
            handle.write(chunk)


def read_archive(
    archive: str | Path, *, database_dir: Path | None = None, media_dir: Path | None = None
) -> tuple[dict, dict[str, Path]]:
    """Read every member of `archive`, check it against the manifest and return (manifest, {name: extracted
    path}). The database file is extracted into `database_dir`, media files (without `media/`) into `media_dir`;
    a member whose folder is None is only checked. Raises BackupError on anything unexpected."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("Không thấy tệp sao lưu %s.") % archive)
    found: dict[str, dict] = {}
    extracted: dict[str, Path] = {}
    manifest = None
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                if member.isdir():
                    continue
                name = _member_name(member)
                if not member.isfile():
                    raise _corrupt(_("%s không phải tệp thường") % name)
                if name in found or (name == MANIFEST and manifest is not None):
                    raise _corrupt(_("%s xuất hiện hai lần") % name)
                source = tar.extractfile(member)
                if name == MANIFEST:
                    if member.size > MAX_MANIFEST_BYTES:
                        raise _corrupt(_("manifest.json quá lớn"))
                    try:
                        manifest = json.loads(source.read().decode("utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError) as error:
                        raise _corrupt(_("manifest.json không đọc được: %s") % error) from error
                    continue
                if name.startswith(MEDIA_PREFIX):
                    folder, relative = media_dir, name[len(MEDIA_PREFIX) :]
                else:
                    folder, relative = database_dir, name
                reader = _HashingReader(source)
                if folder is None:
                    _copy(reader, None)
                else:
                    destination = folder / relative
                    try:
                        destination.parent.mkdir(parents=True, exist_ok=True)
                        with open(destination, "wb") as handle:
                            _copy(reader, handle)
                        os.utime(destination, (member.mtime, member.mtime))
                    except gzip.BadGzipFile:
                        raise
                    except OSError as error:
                        raise BackupError(
                            _("Không ghi được %(path)s khi đọc bản sao lưu (%(error)s): không có gì thay đổi.")
                            % {"path": destination, "error": error}
                        ) from error
                    extracted[name] = destination
                found[name] = {"size": reader.size, "sha256": reader.digest.hexdigest()}
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as error:
        raise _corrupt(f"{type(error).__name__}: {error}") from error
    _check_manifest(manifest, found)
    return manifest, extracted


def _check_manifest(manifest, found: dict[str, dict]) -> None:
    if not isinstance(manifest, dict):
        raise _corrupt(_("thiếu manifest.json"))
    if manifest.get("format") != FORMAT:
        raise _corrupt(_("manifest.json không phải của bản sao lưu ethnic_portal"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("Bản sao lưu theo định dạng phiên bản %(found)s; chương trình này đọc phiên bản %(known)s.")
            % {"found": manifest.get("format_version"), "known": FORMAT_VERSION}
        )
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("vendor") not in DATABASE_FILES:
        raise _corrupt(_("manifest.json không ghi loại cơ sở dữ liệu"))
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not isinstance(manifest.get("tables"), dict):
        raise _corrupt(_("manifest.json thiếu danh sách tệp hoặc bảng"))
    if DATABASE_FILES[database["vendor"]] not in listed:
        raise _corrupt(_("manifest.json không ghi tệp cơ sở dữ liệu"))
    missing = sorted(set(listed) - set(found))
    if missing:
        raise _corrupt(_("thiếu tệp ghi trong manifest: %s") % ", ".join(missing[:5]))
    unlisted = sorted(set(found) - set(listed))
    if unlisted:
        raise _corrupt(_("có tệp không ghi trong manifest: %s") % ", ".join(unlisted[:5]))
    for name, actual in found.items():
        if actual != listed[name]:
            raise BackupError(
                _(
                    "Mã kiểm tra SHA-256 của %(name)s không khớp manifest (%(size)s byte, sha256 %(found)s…, manifest "
                    "ghi %(expected)s…): bản sao lưu đã bị sửa hoặc hỏng. Không có gì thay đổi."
                )
                % {
                    "name": name,
                    "size": actual["size"],
                    "found": actual["sha256"][:12],
                    "expected": str(listed[name].get("sha256", ""))[:12],
                }
            )


def check_vendor(manifest: dict) -> None:
    vendor, here = manifest["database"]["vendor"], _vendor()
    if vendor != here:
        raise BackupError(
            _(
                "Bản sao lưu là của %(theirs)s, còn cổng đang dùng %(ours)s: không khôi phục chéo được. Chạy lệnh "
                "với DATABASE_URL trỏ tới cơ sở dữ liệu %(theirs)s. Không có gì thay đổi."
            )
            % {"theirs": VENDOR_NAMES[vendor], "ours": VENDOR_NAMES[here]}
        )


def verify_archive(archive: str | Path) -> dict:
    """Check an archive without changing anything: members against the manifest, the vendor against the
    configured database, the database file itself (SQLite: integrity and fingerprints; PostgreSQL: pg_restore
    can read it). Returns the manifest."""
    with tempfile.TemporaryDirectory(prefix="ethnic_portal-verify-") as work:
        manifest, extracted = read_archive(archive, database_dir=Path(work))
        check_vendor(manifest)
        _check_database_file(manifest, extracted[manifest["database"]["file"]])
    return manifest


def _check_database_file(manifest: dict, path: Path) -> None:
    if manifest["database"]["vendor"] == "sqlite":
        try:
            copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                (status,) = copy.execute("PRAGMA integrity_check").fetchone()
                tables = sqlite_fingerprints(copy) if status == "ok" else {}
            finally:
                copy.close()
        except sqlite3.Error as error:
            raise _corrupt(_("tệp SQLite không mở được: %s") % error) from error
        if status != "ok":
            raise _corrupt(_("tệp SQLite hỏng: %s") % status)
        differences = _differences(manifest["tables"], tables)
        if differences:
            raise _corrupt(_("dữ liệu trong tệp SQLite khác manifest: %s") % "; ".join(differences[:5]))
        return
    tool = _tool("pg_restore")
    tool_major, _words = _tool_version(tool)
    made_by = re.search(r"\(PostgreSQL\)\s+(\d+)", str(manifest["database"].get("dump_tool", "")))
    if made_by and int(made_by.group(1)) > tool_major:
        raise BackupError(
            _(
                "Bản dump do pg_dump %(made_by)s tạo, %(tool)s là phiên bản %(tool_major)s: pg_restore không đọc được "
                "bản dump của phiên bản mới hơn. Cài postgresql-client-%(made_by)s (hoặc đặt biến môi trường "
                "PG_RESTORE) rồi chạy lại. Không có gì thay đổi."
            )
            % {"made_by": made_by.group(1), "tool": tool, "tool_major": tool_major}
        )
    result = subprocess.run(
        [tool, "--list", str(path)], capture_output=True, text=True, timeout=600, check=False, env=dict(os.environ)
    )
    if result.returncode != 0:
        raise _corrupt(
            _("%(tool)s không đọc được bản dump: %(error)s") % {"tool": tool, "error": _stderr_tail(result.stderr)}
        )


# --- Restore --------------------------------------------------------------------------------------------


def _restore_postgres(dump: Path) -> None:
    tool = _tool("pg_restore")
    connections.close_all()  # nothing of ours holds a lock on a table pg_restore drops
    command = [
        tool,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={connection.settings_dict['NAME']}",
        str(dump),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=_libpq_environment())
    if result.returncode != 0:
        raise BackupError(
            _("pg_restore thất bại; giao dịch đã được huỷ, cơ sở dữ liệu giữ nguyên như trước:\n%s")
            % _stderr_tail(result.stderr)
        )


def _restore_sqlite(copy: Path) -> None:
    target = sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    connections.close_all()
    source = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    destination = sqlite3.connect(target, timeout=60)
    try:
        # One step (pages=-1) inside one write transaction of the destination: other connections see the old
        # database or the restored one, never a mix; an error rolls it back.
        source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(
            _("Không ghi được vào cơ sở dữ liệu SQLite %(path)s (%(error)s): cơ sở dữ liệu giữ nguyên như trước.")
            % {"path": target, "error": error}
        ) from error
    finally:
        destination.close()
        source.close()


def current_fingerprints() -> dict[str, dict]:
    """The configured database's fingerprints, computed the way the backup computed them."""
    if _vendor() == "sqlite":
        db = sqlite3.connect(f"file:{sqlite_path()}?mode=ro", uri=True)
        try:
            return sqlite_fingerprints(db)
        finally:
            db.close()
    connections.close_all()
    with transaction.atomic(), connection.cursor() as cursor:
        return postgres_fingerprints(cursor)


def _swap_media(staged: Path, root: Path, stamp: str) -> None:
    """Replace MEDIA_ROOT's content by `staged`'s with renames inside MEDIA_ROOT (it may be a mount point, so it
    is never renamed itself). The old content waits in a folder beside until the new is in place."""
    aside = root / f"{RESTORE_FOLDER_PREFIX}{stamp}-old"
    aside.mkdir()
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for entry in sorted(os.listdir(root)):
            if not entry.startswith(RESTORE_FOLDER_PREFIX):
                os.rename(root / entry, aside / entry)
                moved_aside.append(entry)
        for entry in sorted(os.listdir(staged)):
            os.rename(staged / entry, root / entry)
            moved_in.append(entry)
    except OSError as error:
        for entry in moved_in:
            with contextlib.suppress(OSError):
                os.rename(root / entry, staged / entry)
        for entry in moved_aside:
            with contextlib.suppress(OSError):
                os.rename(aside / entry, root / entry)
        raise BackupError(
            _(
                "Cơ sở dữ liệu đã được khôi phục nhưng không thay được các tệp trong %(root)s (%(error)s); các tệp "
                "cũ đã được trả lại chỗ cũ. Sửa lỗi rồi chạy lại lệnh khôi phục."
            )
            % {"root": root, "error": error}
        ) from error
    shutil.rmtree(aside, ignore_errors=True)


def _migration_notes() -> list[str]:
    notes = []
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        notes.append(
            _("Bản sao lưu có %(count)s migration chưa áp dụng so với mã nguồn đang chạy: chạy `manage.py migrate`.")
            % {"count": len(pending)}
        )
    unknown = sorted(set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations))
    if unknown:
        notes.append(
            _("Bản sao lưu được tạo bởi mã nguồn mới hơn (migration lạ: %s): cập nhật mã nguồn cho khớp.")
            % ", ".join(".".join(key) for key in unknown[:5])
        )
    return notes


def restore_backup(archive: str | Path, *, confirm: Callable[[dict], bool]) -> RestoreResult:
    """Check `archive` completely, ask `confirm(manifest)`, then restore the database and MEDIA_ROOT. Raises
    BackupError (nothing changed unless the message says otherwise)."""
    started = time.monotonic()
    _vendor()
    root = media_root()
    stamp = f"{timezone.localtime():%Y%m%d-%H%M%S}-{os.getpid()}"
    staged = root / f"{RESTORE_FOLDER_PREFIX}{stamp}-new"
    try:
        root.mkdir(parents=True, exist_ok=True)
        staged.mkdir()
    except OSError as error:
        raise BackupError(
            _("Không ghi được vào MEDIA_ROOT %(folder)s (%(error)s): không có gì thay đổi.")
            % {"folder": root, "error": error}
        ) from error
    try:
        with tempfile.TemporaryDirectory(prefix="ethnic_portal-restore-") as work:
            manifest, extracted = read_archive(archive, database_dir=Path(work), media_dir=staged)
            check_vendor(manifest)
            database_file = extracted[manifest["database"]["file"]]
            _check_database_file(manifest, database_file)
            if not confirm(manifest):
                raise BackupError(_("Đã huỷ: không có gì thay đổi."))
            if manifest["database"]["vendor"] == "postgresql":
                _restore_postgres(database_file)
            else:
                _restore_sqlite(database_file)
        try:
            restored = current_fingerprints()
        except DatabaseError as error:
            raise BackupError(
                _("Đã khôi phục cơ sở dữ liệu nhưng không đọc lại được để kiểm tra (%s); MEDIA_ROOT chưa bị thay.")
                % error
            ) from error
        differences = _differences(manifest["tables"], restored)
        if differences:
            raise BackupError(
                _(
                    "Cơ sở dữ liệu sau khi khôi phục khác bản sao lưu (%s). Các tệp trong MEDIA_ROOT chưa bị thay. "
                    "Hãy kiểm tra máy chủ cơ sở dữ liệu rồi khôi phục lại."
                )
                % "; ".join(differences[:5])
            )
        _swap_media(staged, root, stamp)
        # The restored data is older than pages cached since the backup: a new data version retires them all
        # (ethnic_portal/versions.py; it grows past any version the restored copy may hold).
        versions.bump()
        notes = _migration_notes()
        extra = sorted(set(restored) - set(manifest["tables"]))
        if extra:
            notes.append(
                _("Các bảng không có trong bản sao lưu vẫn còn trong cơ sở dữ liệu: %s.") % ", ".join(extra[:10])
            )
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return RestoreResult(manifest, time.monotonic() - started, notes)
