"""Backups and restores: what an operator runs with `python -m planner backup|restore`.

A backup is one .tar.gz file holding
  manifest.json        format, time, database kind, schema revision, row counts, checksums
  database.sqlite3     SQLite: a copy made with SQLite's online backup API, or
  database.pgdump      PostgreSQL: `pg_dump --format=custom`, from the snapshot counted
  uploads/...          the files under <data_dir>/uploads, if there are any

Both kinds are taken while the app runs: SQLite's backup API copies a consistent snapshot
while writers go on (WAL), and pg_dump reads one exported snapshot that the row counts in
the manifest come from as well. A restore goes into an empty database of the same kind
(or any database, with force), checks the checksums, the row counts and the audit chain,
and then migrates to the newest schema. Moving between SQLite and PostgreSQL is
planner.datacopy's job.

These functions take no acting user, because the operator who runs them already holds the
server's shell and the database credentials. Every run is logged.
"""

import hashlib
import io
import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from planner.config import get_settings
from planner.db import alembic_config, make_engine, migrate
from planner.errors import InvalidInput
from planner.i18n import has_key, t
from planner.models import BackupRecord
from planner.services.audit import verify_chain
from planner.timeutil import now_utc

logger = logging.getLogger(__name__)

BACKUP_FORMAT = "planner-backup-1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
UPLOADS = "uploads"
# Tables whose rows a migration creates (the audit chain's head row). These rows are not
# user data: a database with only them counts as empty, and a restore or copy replaces them.
SEEDED_TABLES = {"audit_head"}
PG_TOOL_TIMEOUT_S = 6 * 3600
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class BackupReport:
    path: Path
    database: str                  # "sqlite" or "postgresql"
    schema_revision: str
    row_counts: dict[str, int]
    files: int                     # uploaded files included
    size_bytes: int


@dataclass(frozen=True)
class RestoreReport:
    database: str
    schema_revision: str           # the backup's revision, before migrating to head
    row_counts: dict[str, int]
    files: int
    audit_rows: int                # rows the audit chain check covered


# --- facts about a database -------------------------------------------------------------

def database_kind(url: str) -> str:
    return make_url(url).get_backend_name()


def kind_label(kind: str) -> str:
    """Return the display name of a database kind (SQLite, PostgreSQL), or the kind itself."""
    key = f"operations.kind.{kind}"
    return t(key) if has_key(key) else kind


def masked_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def schema_revision(connection: Connection) -> str | None:
    """Return the database's alembic revision, or None before the first migration."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return _scripts().get_current_head()


def is_known_revision(revision: str) -> bool:
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def row_counts(connection: Connection) -> dict[str, int]:
    """Return the row count of every application table in the database, by table name."""
    present = set(inspect(connection).get_table_names())
    counts = {}
    for name in sorted(present & set(SQLModel.metadata.tables)):
        query = select(func.count()).select_from(table(name))
        counts[name] = connection.execute(query).scalar_one()
    return counts


def user_data_tables(counts: dict[str, int]) -> list[str]:
    """Return the tables in `counts` that contain user rows, leaving out SEEDED_TABLES."""
    return [name for name, count in counts.items() if count and name not in SEEDED_TABLES]


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(None))


# --- backup -----------------------------------------------------------------------------

def backup(target: Path, *, url: str | None = None, data_dir: Path | None = None) -> BackupReport:
    """Write a backup of the database at `url` (default: the configured one) to `target`."""
    url = url or get_settings().database_url
    uploads = (data_dir or get_settings().data_dir) / UPLOADS
    target = Path(target)
    if target.exists():
        raise InvalidInput("operations.backup_exists", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)

    with _work_dir(target.parent) as work:
        kind = database_kind(url)
        if kind == "sqlite":
            member, revision, counts = _dump_sqlite(url, work / SQLITE_MEMBER)
        else:
            member, revision, counts = _dump_postgresql(url, work / PG_MEMBER)
        files = _list_files(uploads)
        manifest = _manifest(kind, revision, counts, work / member, uploads, files)
        _write_archive(target, work / member, manifest, uploads, files)

    report = BackupReport(path=target, database=kind, schema_revision=revision,
                          row_counts=counts, files=len(files), size_bytes=target.stat().st_size)
    _record_backup(url, report)
    logger.info("backup of %s written to %s: %s rows, %s files, %s bytes", masked_url(url),
                target, sum(counts.values()), len(files), report.size_bytes)
    return report


def _dump_sqlite(url: str, copy_path: Path) -> tuple[str, str, dict[str, int]]:
    """Copy the live SQLite file with the online backup API; return its revision and counts."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise InvalidInput("operations.database_missing", path=str(source_path))

    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(copy_path)
    try:
        source.backup(copy)    # all pages in one step, so one consistent snapshot
        status = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if status != "ok":
        raise InvalidInput("operations.sqlite_damaged", path=str(source_path), detail=status)

    engine = make_engine(f"sqlite:///{copy_path}")
    try:
        with engine.connect() as connection:
            return SQLITE_MEMBER, schema_revision(connection) or "", row_counts(connection)
    finally:
        engine.dispose()


def _dump_postgresql(url: str, dump_path: Path) -> tuple[str, str, dict[str, int]]:
    """Run pg_dump on an exported snapshot and count the rows in that same snapshot."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                revision = schema_revision(connection) or ""
                counts = row_counts(connection)
                _run_pg_tool("pg_dump", url, "--format=custom", "--no-owner", "--no-privileges",
                             f"--snapshot={snapshot}", f"--file={dump_path}")
    finally:
        engine.dispose()
    return PG_MEMBER, revision, counts


def _manifest(kind: str, revision: str, counts: dict[str, int], database_file: Path,
              uploads: Path, files: list[Path]) -> dict:
    checksums = {database_file.name: _sha256(database_file)}
    for path in files:
        checksums[_upload_member(uploads, path)] = _sha256(path)
    return {
        "format": BACKUP_FORMAT,
        "created_at": now_utc().isoformat(),
        "database": kind,
        "schema_revision": revision,
        "row_counts": counts,
        "checksums": checksums,
    }


def _write_archive(target: Path, database_file: Path, manifest: dict, uploads: Path,
                   files: list[Path]) -> None:
    """Write the archive next to `target` and move it into place only when complete."""
    partial = target.with_name(f".{target.name}.partial")
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    try:
        with tarfile.open(partial, "w:gz") as archive:
            _add_bytes(archive, MANIFEST, manifest_bytes)
            archive.add(database_file, arcname=database_file.name)
            for path in files:
                archive.add(path, arcname=_upload_member(uploads, path), recursive=False)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _record_backup(url: str, report: BackupReport) -> None:
    """Record the backup in the database it came from, for the administrator page."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            session.add(BackupRecord(path=str(report.path.resolve()), host=socket.gethostname(),
                                     size_bytes=report.size_bytes,
                                     schema_revision=report.schema_revision,
                                     row_total=sum(report.row_counts.values())))
            session.commit()
    except Exception:  # the backup file is complete, so a failed record must not fail it
        logger.warning("backup written but not recorded in %s", masked_url(url), exc_info=True)
    finally:
        engine.dispose()


def last_backup(session: Session) -> BackupRecord | None:
    query = select(BackupRecord).order_by(BackupRecord.at.desc(), BackupRecord.id.desc())
    return session.scalars(query).first()


# --- restore ----------------------------------------------------------------------------

def read_manifest(source: Path) -> dict:
    """Return the manifest of a backup file; raise InvalidInput for any other file."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            manifest = json.loads(member.read().decode("utf-8"))
    except (OSError, tarfile.TarError, KeyError, AttributeError, ValueError) as exc:
        raise InvalidInput("operations.not_a_backup", path=str(source)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != BACKUP_FORMAT:
        raise InvalidInput("operations.not_a_backup", path=str(source))
    return manifest


def restore(source: Path, *, url: str | None = None, data_dir: Path | None = None,
            force: bool = False) -> RestoreReport:
    """Restore the backup in `source` into the database at `url` (default: the configured one).

    Without `force`, the database must contain no user rows and the uploads folder no files.
    """
    url = url or get_settings().database_url
    uploads = (data_dir or get_settings().data_dir) / UPLOADS
    source = Path(source)
    if not source.is_file():
        raise InvalidInput("operations.backup_missing", path=str(source))
    manifest = read_manifest(source)
    _check_restorable(manifest, url, source)
    if not force:
        _reject_non_empty(url, uploads)

    with _work_dir(Path(tempfile.gettempdir())) as work:
        files = _extract(source, manifest, work)
        if manifest["database"] == "sqlite":
            _restore_sqlite(work / SQLITE_MEMBER, url)
        else:
            _restore_postgresql(work / PG_MEMBER, url)
        _check_counts(url, manifest["row_counts"])
        _put_uploads(work / UPLOADS, uploads, force)

    audit_rows = _migrate_and_verify(url)
    logger.info("backup %s (revision %s, made %s) restored into %s", source,
                manifest["schema_revision"], manifest["created_at"], masked_url(url))
    return RestoreReport(database=manifest["database"], schema_revision=manifest["schema_revision"],
                         row_counts=manifest["row_counts"], files=files, audit_rows=audit_rows)


def _check_restorable(manifest: dict, url: str, source: Path) -> None:
    kind = database_kind(url)
    if manifest.get("database") != kind:
        raise InvalidInput("operations.kind_mismatch", path=str(source),
                           backup_kind=kind_label(str(manifest.get("database"))),
                           target_kind=kind_label(kind))
    revision = manifest.get("schema_revision") or ""
    if revision and not is_known_revision(revision):
        raise InvalidInput("operations.revision_unknown", path=str(source), revision=revision)


def _reject_non_empty(url: str, uploads: Path) -> None:
    occupied = _occupied_tables(url)
    if occupied:
        raise InvalidInput("operations.target_not_empty", target=masked_url(url),
                           tables="、".join(occupied[:5]))
    if _list_files(uploads):
        raise InvalidInput("operations.uploads_not_empty", path=str(uploads))


def _occupied_tables(url: str) -> list[str]:
    if database_kind(url) == "sqlite" and not sqlite_path(url).exists():
        return []
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return user_data_tables(row_counts(connection))
    finally:
        engine.dispose()


def _extract(source: Path, manifest: dict, work: Path) -> int:
    """Unpack the database and uploads, checking every member against the manifest."""
    expected = dict(manifest.get("checksums") or {})
    with tarfile.open(source, "r:gz") as archive:
        for member in archive.getmembers():
            if member.name == MANIFEST:
                continue
            if member.name not in expected or not member.isfile():
                raise InvalidInput("operations.unexpected_member", path=str(source),
                                   member=member.name)
            archive.extract(member, work, filter="data")
            if _sha256(work / member.name) != expected.pop(member.name):
                raise InvalidInput("operations.checksum_mismatch", path=str(source),
                                   member=member.name)
    if expected:
        raise InvalidInput("operations.member_missing", path=str(source),
                           member=sorted(expected)[0])
    return sum(1 for name in manifest["checksums"] if name.startswith(f"{UPLOADS}/"))


def _restore_sqlite(copy_path: Path, url: str) -> None:
    """Overwrite the target database with the copy, page by page, through the backup API."""
    target_path = sqlite_path(url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(copy_path)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump_path: Path, url: str) -> None:
    """Drop the application's tables and trigger functions, then pg_restore in one transaction.

    Dropping them first, rather than pg_restore --clean, also removes the tables a newer
    schema added, so the migration after the restore does not collide with them.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            SQLModel.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            for function in connection.execute(text(_TRIGGER_FUNCTIONS)).scalars():
                connection.execute(text(f"DROP FUNCTION IF EXISTS {function} CASCADE"))
    finally:
        engine.dispose()
    _run_pg_tool("pg_restore", url, "--no-owner", "--no-privileges", "--single-transaction",
                 "--exit-on-error", str(dump_path))


# The app's trigger functions (the append-only audit trail, frozen releases), by signature.
_TRIGGER_FUNCTIONS = """
    SELECT p.oid::regprocedure::text FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema() AND p.prorettype = 'trigger'::regtype
"""


def _check_counts(url: str, expected: dict[str, int]) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            actual = row_counts(connection)
    finally:
        engine.dispose()
    for name, count in sorted(expected.items()):
        if actual.get(name) != count:
            raise InvalidInput("operations.count_mismatch", table=name, expected=count,
                               actual=actual.get(name, 0))


def _put_uploads(extracted: Path, uploads: Path, force: bool) -> None:
    """Move the restored uploads into place; with `force`, rename the old folder first."""
    if not extracted.exists():
        return
    if force and uploads.exists() and _list_files(uploads):
        aside = uploads.with_name(f"{UPLOADS}.before-restore-{datetime.now():%Y%m%d%H%M%S}")
        uploads.rename(aside)
        logger.warning("uploads folder %s moved to %s before the restore", uploads, aside)
    uploads.mkdir(parents=True, exist_ok=True)
    for path in _list_files(extracted):
        destination = uploads / path.relative_to(extracted)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, destination)


def _migrate_and_verify(url: str) -> int:
    """Migrate the restored database to head, verify its audit chain, return the rows checked."""
    engine = make_engine(url)
    try:
        migrate(engine)
        return verify_audit_chain(engine)
    finally:
        engine.dispose()


def verify_audit_chain(engine: Engine) -> int:
    """Verify the audit chain, return the rows checked, and raise InvalidInput if it is broken."""
    with Session(engine) as session:
        result = verify_chain(session)
    if not result.ok:
        raise InvalidInput("operations.audit_broken", id=result.first_broken_id,
                           reason=result.reason)
    return result.checked


# --- PostgreSQL tools -------------------------------------------------------------------

def pg_tool_command(tool: str, url: str, *args: str) -> tuple[list[str], dict[str, str]]:
    """Build the command line and environment to run pg_dump or pg_restore against `url`.

    The password goes in PGPASSWORD, not on the command line, where `ps` would show it.
    """
    parsed = make_url(url)
    libpq_url = parsed.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = str(parsed.password)
    return [tool, f"--dbname={libpq_url}", *args], environment


def _run_pg_tool(tool: str, url: str, *args: str) -> None:
    if shutil.which(tool) is None:
        raise InvalidInput("operations.pg_tool_missing", tool=tool)
    command, environment = pg_tool_command(tool, url, *args)
    done = subprocess.run(command, env=environment, capture_output=True, text=True,
                          timeout=PG_TOOL_TIMEOUT_S, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        logger.error("%s failed with code %s: %s", tool, done.returncode, done.stderr.strip())
        raise InvalidInput("operations.pg_tool_failed", tool=tool,
                           detail=detail[-1] if detail else done.returncode)


# --- files ------------------------------------------------------------------------------

def sqlite_path(url: str) -> Path:
    """Return the file of a SQLite URL; raise InvalidInput for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise InvalidInput("operations.sqlite_not_file", target=url)
    return Path(database)


def _list_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(path for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def _upload_member(uploads: Path, path: Path) -> str:
    return str(PurePosixPath(UPLOADS, *path.relative_to(uploads).parts))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(now_utc().timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


@contextmanager
def _work_dir(parent: Path) -> Iterator[Path]:
    """Create a private scratch folder in `parent` (so on its disk) and remove it afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=".planner-", dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
