"""Backups, restores and copying to another database, on real SQLite files and PostgreSQL."""

import functools
import io
import json
import shutil
import tarfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from planner import datacopy, operations
from planner.__main__ import main
from planner.db import make_engine, migrate
from planner.documents.parsing import parse_policy_text
from planner.errors import InvalidInput
from planner.models import (AuditEntry, HolidayOverride, Policy, PolicySection, Role,
                            UnitKind)
from planner.services import accounts, audit, policies, seed
from tests import factories
from tests.conftest import FIXTURES, SICHUAN
from tests.db_helpers import snapshot

WRITER_TITLE = "并发写入测试政策"
# argon2 is slow on purpose; the example staff all get the same password here.
_cached_hash = functools.cache(accounts.hash_password)


@pytest.fixture(autouse=True)
def fast_password_hash(monkeypatch):
    monkeypatch.setattr(accounts, "hash_password", _cached_hash)


# --- helpers -----------------------------------------------------------------------------

def office_with_examples(engine) -> dict[str, int]:
    """Load the example data (units, users and roles, policies with sections, drafts with
    sections, an event linked to drafts, audit rows) and a holiday override."""
    with Session(engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "厅办公室")
        admin = factories.make_user(session, "admin1", unit=unit,
                                    roles={Role.ADMIN, Role.DRAFTER, Role.SPOKESPERSON,
                                           Role.GENERAL_OFFICE})
        result = seed.load_examples(session, actor=admin, staff_password=factories.TEST_PASSWORD)
        session.add(HolidayOverride(day=date(2027, 2, 6), is_workday=False, name="春节",
                                    reference="国办发明电〔2026〕1号", created_by=admin.id))
        session.commit()
        return {"admin": admin.id, "policies": len(result.policy_ids)}


def drafter(engine):
    with Session(engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "综合规划处", UnitKind.DIVISION)
        return factories.make_user(session, f"writer{uuid.uuid4().hex[:6]}", unit=unit,
                                   roles={Role.DRAFTER})


SMALL_POLICY = "一、总则\n（一）适用范围。\n二、附则\n本意见自印发之日起施行。"


def section_count(sections) -> int:
    return sum(1 + section_count(section.children) for section in sections)


def save_small_policy(engine, actor, title: str) -> None:
    """One transaction: a policy, its sections and its audit row."""
    parsed = parse_policy_text(SMALL_POLICY)
    with Session(engine, expire_on_commit=False) as session:
        policies.save_policy(session, actor=actor, parsed=parsed,
                             fields=policies.PolicyFields(title=title), source_name="并发.txt",
                             raw_text="一、总则")
        session.commit()


class Writer(threading.Thread):
    """Saves policies one transaction after another until stopped."""

    def __init__(self, url: str, actor) -> None:
        super().__init__(daemon=True)
        self.engine = make_engine(url)
        self.actor = actor
        self.written = 0
        self.errors: list[Exception] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                save_small_policy(self.engine, self.actor, f"{WRITER_TITLE}{self.written}")
                self.written += 1
            except Exception as exc:  # collected and asserted on by the test
                self.errors.append(exc)
                return

    def wait_for(self, count: int, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while self.written < count and time.monotonic() < deadline and not self.errors:
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=30)
        self.engine.dispose()


def writer_rows(engine) -> tuple[int, int, int]:
    """(policies, their sections, their audit rows) written by the Writer."""
    with Session(engine) as session:
        ids = session.exec(select(Policy.id).where(Policy.title.startswith(WRITER_TITLE))).all()
        sections = session.exec(select(PolicySection.id)
                                .where(PolicySection.policy_id.in_(ids))).all()
        audits = session.exec(select(AuditEntry.id).where(AuditEntry.action == "policy.create",
                                                          AuditEntry.entity_id.in_(ids))).all()
    return len(ids), len(sections), len(audits)


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy a backup file member by member, letting `change(name, data)` alter any member."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = change(member.name, old.extractfile(member).read())
            member.size = len(data)
            new.addfile(member, io.BytesIO(data))


def sqlite_url(tmp_path: Path, name: str) -> str:
    return f"sqlite:///{tmp_path / name}"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("PLANNER_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="module")
def office_template(tmp_path_factory) -> Path:
    """A SQLite file with the example data, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "office.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "hash_password", _cached_hash)
        office_with_examples(engine)
    engine.dispose()
    return path


@pytest.fixture
def office(db_url, office_template):
    """The test's database, holding the example data."""
    target = Path(db_url.removeprefix("sqlite:///"))
    shutil.copyfile(office_template, target)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


# --- backup taken during writes ----------------------------------------------------------

@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_backup_during_writes_restores_same_rows(kind, request, tmp_path, data_dir):
    if kind == "sqlite":
        engine, restore_url = request.getfixturevalue("office"), sqlite_url(tmp_path, "r.db")
        url = request.getfixturevalue("db_url")
    else:
        url, pg = request.getfixturevalue("pg_url"), request.getfixturevalue("pg_server")
        restore_url = pg.create_database(f"restored_{uuid.uuid4().hex[:10]}",
                                         template=request.getfixturevalue("pg_template"))
        engine = make_engine(url)
        office_with_examples(engine)
    writer = Writer(url, drafter(engine))

    writer.start()
    writer.wait_for(5)
    report = operations.backup(tmp_path / "during-writes.tar.gz", url=url)
    written_at_backup = writer.written
    writer.wait_for(written_at_backup + 5)
    writer.stop()

    assert writer.errors == []
    operations.restore(report.path, url=restore_url, data_dir=tmp_path / "restored-data")
    restored = make_engine(restore_url)
    policies_kept, sections_kept, audits_kept = writer_rows(restored)
    assert 5 <= policies_kept <= written_at_backup + 1 < writer.written
    assert sections_kept == section_count(parse_policy_text(SMALL_POLICY).sections) * policies_kept
    assert audits_kept == policies_kept
    assert operations.verify_audit_chain(restored) == report.row_counts["audit_entry"]
    source_rows, restored_rows = snapshot(engine), snapshot(restored)
    for name, rows in restored_rows.items():
        if name in ("backup_record", "audit_head"):
            continue    # written after the backup; the head is checked by the chain above
        assert len(rows) == report.row_counts[name], name
        assert set(rows) <= set(source_rows[name]), name
    restored.dispose()
    engine.dispose()


# --- restore refusals ---------------------------------------------------------------------

@pytest.fixture
def backed_up(office, db_url, tmp_path, data_dir):
    """A database with the example data, its backup file and one uploaded file."""
    (data_dir / "uploads" / "2026").mkdir(parents=True)
    (data_dir / "uploads" / "2026" / "实施意见.docx").write_bytes(b"PK\x03\x04 word")
    return operations.backup(tmp_path / "office.tar.gz", url=db_url)


def test_backup_manifest_counts_rows_and_files(backed_up, engine):
    manifest = operations.read_manifest(backed_up.path)

    assert manifest["database"] == "sqlite"
    assert manifest["schema_revision"] == operations.head_revision()
    assert manifest["row_counts"]["policy"] == 3
    assert manifest["row_counts"]["event_draft_link"] == backed_up.row_counts["event_draft_link"]
    assert sorted(manifest["checksums"]) == ["database.sqlite3", "uploads/2026/实施意见.docx"]
    assert backed_up.files == 1


def test_backup_recorded_for_admin_page(backed_up, session):
    record = operations.last_backup(session)

    assert record is not None
    assert record.path == str(backed_up.path.resolve())
    assert record.size_bytes == backed_up.size_bytes
    assert record.row_total == sum(backed_up.row_counts.values())
    assert record.schema_revision == operations.head_revision()


def test_backup_existing_file_refused(backed_up, db_url):
    before = backed_up.path.read_bytes()

    with pytest.raises(InvalidInput) as caught:
        operations.backup(backed_up.path, url=db_url)

    assert caught.value.key == "operations.backup_exists"
    assert str(backed_up.path) in caught.value.message
    assert backed_up.path.read_bytes() == before


def test_restore_into_non_empty_refused(backed_up, office, db_url):
    before = snapshot(office)

    with pytest.raises(InvalidInput) as caught:
        operations.restore(backed_up.path, url=db_url)

    assert caught.value.key == "operations.target_not_empty"
    assert "--force" in caught.value.message
    assert "（audit_entry、backup_record、draft、draft_section、draft_section_version 等表不为空）" in \
        caught.value.message
    assert snapshot(office) == before


def test_restore_into_migrated_empty_database_allowed(backed_up, office, tmp_path):
    url = sqlite_url(tmp_path, "fresh.db")
    migrate(make_engine(url))

    report = operations.restore(backed_up.path, url=url, data_dir=tmp_path / "fresh-data")

    assert report.row_counts["policy"] == 3
    assert (tmp_path / "fresh-data" / "uploads" / "2026" / "实施意见.docx").read_bytes() == \
        b"PK\x03\x04 word"


def test_restore_into_non_empty_uploads_refused(backed_up, tmp_path, data_dir):
    with pytest.raises(InvalidInput) as caught:
        operations.restore(backed_up.path, url=sqlite_url(tmp_path, "new.db"))

    assert caught.value.key == "operations.uploads_not_empty"
    assert not (tmp_path / "new.db").exists()


def test_restore_force_returns_to_backup_state(backed_up, office, db_url, data_dir):
    expected = snapshot(office)
    with Session(office) as session:
        session.add(Policy(title="备份之后新增的政策"))
        session.commit()
    (data_dir / "uploads" / "after.txt").write_text("新文件")

    operations.restore(backed_up.path, url=db_url, force=True)

    restored = snapshot(office)
    assert restored["policy"] == expected["policy"]
    assert {k: v for k, v in restored.items() if k != "backup_record"} == \
        {k: v for k, v in expected.items() if k != "backup_record"}
    kept_aside = list(data_dir.glob("uploads.before-restore-*"))
    assert len(kept_aside) == 1
    assert (kept_aside[0] / "after.txt").read_text() == "新文件"
    assert not (data_dir / "uploads" / "after.txt").exists()


@pytest.mark.parametrize(("change", "key"), [
    (lambda name, data: data + b"x" if name == "database.sqlite3" else data,
     "operations.checksum_mismatch"),
    (lambda name, data: data.replace(b'"schema_revision": "', b'"schema_revision": "9')
     if name == "manifest.json" else data, "operations.revision_unknown"),
    (lambda name, data: data.replace(b'"format": "planner-backup-1"', b'"format": "other"')
     if name == "manifest.json" else data, "operations.not_a_backup"),
])
def test_restore_altered_backup_refused(backed_up, tmp_path, change, key):
    altered = tmp_path / "altered.tar.gz"
    rewrite_archive(backed_up.path, altered, change)
    target = tmp_path / "target.db"

    with pytest.raises(InvalidInput) as caught:
        operations.restore(altered, url=f"sqlite:///{target}", data_dir=tmp_path / "t")

    assert caught.value.key == key
    assert str(altered) in caught.value.message
    assert not target.exists() or snapshot(make_engine(f"sqlite:///{target}"))["policy"] == []


def test_restore_archive_with_extra_member_refused(backed_up, tmp_path):
    altered = tmp_path / "extra.tar.gz"
    with tarfile.open(backed_up.path, "r:gz") as old, tarfile.open(altered, "w:gz") as new:
        for member in old.getmembers():
            new.addfile(member, old.extractfile(member))
        evil = tarfile.TarInfo("../../etc/cron.d/planner")
        evil.size = 4
        new.addfile(evil, io.BytesIO(b"evil"))

    with pytest.raises(InvalidInput) as caught:
        operations.restore(altered, url=sqlite_url(tmp_path, "x.db"), data_dir=tmp_path / "x")

    assert caught.value.key == "operations.unexpected_member"
    assert "../../etc/cron.d/planner" in caught.value.message
    assert not (tmp_path / "x.db").exists()


def test_restore_sqlite_backup_into_postgresql_refused(backed_up, tmp_path):
    with pytest.raises(InvalidInput) as caught:
        operations.restore(backed_up.path, url="postgresql+psycopg://planner@127.0.0.1:9/x",
                           data_dir=tmp_path / "x")

    assert caught.value.key == "operations.kind_mismatch"
    assert "SQLite 数据库的备份，而目标数据库是 PostgreSQL" in caught.value.message


def test_restore_not_a_backup_refused(tmp_path):
    bogus = tmp_path / "不是备份.tar.gz"
    bogus.write_bytes(SICHUAN.read_bytes())

    with pytest.raises(InvalidInput) as caught:
        operations.restore(bogus, url=sqlite_url(tmp_path, "x.db"), data_dir=tmp_path / "x")

    assert caught.value.key == "operations.not_a_backup"
    assert "不是备份.tar.gz" in caught.value.message


# --- command line -------------------------------------------------------------------------

def test_cli_backup_and_restore(office, db_url, tmp_path, data_dir, monkeypatch, capsys):
    file = tmp_path / "cli.tar.gz"

    assert main(["backup", str(file)]) == 0
    assert f"已备份到 {file}：SQLite 数据库" in capsys.readouterr().out

    assert main(["restore", str(file)]) == 2
    assert "为免覆盖，本次没有恢复任何内容" in capsys.readouterr().err

    monkeypatch.setenv("PLANNER_DATABASE_URL", sqlite_url(tmp_path, "cli-restored.db"))
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "cli-data"))
    from planner.config import get_settings
    get_settings.cache_clear()
    assert main(["restore", str(file)]) == 0
    assert "行数核对一致，审计链" in capsys.readouterr().out


# --- copy to another database -------------------------------------------------------------

def test_copy_data_sqlite_to_sqlite_same_content(office, db_url, tmp_path):
    target = sqlite_url(tmp_path, "copy.db")

    report = datacopy.copy_data(target, source_url=db_url)

    copied = make_engine(target)
    assert snapshot(copied) == snapshot(office)
    assert report.row_counts["policy_section"] > 100
    assert report.audit_rows == report.row_counts["audit_entry"]
    copied.dispose()


def test_copy_data_parent_with_higher_id(engine, db_url, tmp_path):
    with Session(engine) as session:
        policy = Policy(title="倒序结构")
        session.add(policy)
        session.flush()
        session.add(PolicySection(id=10, policy_id=policy.id, label="（一）", parent_id=None))
        session.add(PolicySection(id=20, policy_id=policy.id, label="一、"))
        session.flush()
        session.exec(text("UPDATE policy_section SET parent_id = 20 WHERE id = 10"))
        session.commit()
    target = sqlite_url(tmp_path, "copy.db")

    datacopy.copy_data(target, source_url=db_url)

    rows = snapshot(make_engine(target))["policy_section"]
    assert [(row[0], row[2]) for row in rows] == [(10, 20), (20, None)]


def test_copy_data_into_non_empty_target_refused(office, db_url, tmp_path):
    target = sqlite_url(tmp_path, "copy.db")
    datacopy.copy_data(target, source_url=db_url)
    before = snapshot(make_engine(target))

    with pytest.raises(InvalidInput) as caught:
        datacopy.copy_data(target, source_url=db_url)

    assert caught.value.key == "operations.copy_target_not_empty"
    assert snapshot(make_engine(target)) == before


def test_copy_data_same_database_refused(db_url, engine):
    with pytest.raises(InvalidInput) as caught:
        datacopy.copy_data(db_url, source_url=db_url)

    assert caught.value.key == "operations.copy_same"


def test_copy_data_sqlite_to_postgresql_verified(office, db_url, pg_server, monkeypatch,
                                                 capsys):
    name = f"copy_{uuid.uuid4().hex[:10]}"
    target = pg_server.create_database(name)    # a new, unmigrated database

    assert main(["copy-data", "--to", target]) == 0

    output = capsys.readouterr().out
    copied = make_engine(target)
    with copied.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            with office.connect() as source:
                assert datacopy.table_digest(connection, table) == \
                    datacopy.table_digest(source, table), table.name
    assert operations.verify_audit_chain(copied) > 20
    assert "各表行数和内容与源数据库一致" in output
    assert_new_rows_get_fresh_ids(copied)
    copied.dispose()
    pg_server.drop_database(name)


def assert_new_rows_get_fresh_ids(engine) -> None:
    """After the copy the sequences are past the copied ids: new rows insert cleanly."""
    actor = drafter(engine)
    save_small_policy(engine, actor, "迁移后新增的政策")
    with Session(engine) as session:
        newest = session.exec(select(Policy).order_by(Policy.id.desc())).first()
        assert newest.title == "迁移后新增的政策"
        assert audit.verify_chain(session).ok


def test_copy_data_to_postgresql_times_unchanged(office, db_url, pg_server):
    name = f"copy_{uuid.uuid4().hex[:10]}"
    target = pg_server.create_database(name)

    datacopy.copy_data(target, source_url=db_url)

    with Session(office) as before, Session(make_engine(target)) as after:
        first = before.exec(select(AuditEntry).order_by(AuditEntry.id)).first()
        copied = after.exec(select(AuditEntry).order_by(AuditEntry.id)).first()
        assert copied.at.utcoffset() is not None
        assert copied.at.replace(tzinfo=None) - copied.at.utcoffset() == first.at
    pg_server.drop_database(name)


def test_manifest_is_json_with_utc_time(backed_up):
    manifest = operations.read_manifest(backed_up.path)

    assert manifest["created_at"].endswith("+00:00")
    assert json.loads(json.dumps(manifest)) == manifest


def test_cli_output_into_closed_pipe_ends_quietly():
    # `python -m planner parse FILE | head -1`: the reader closes the pipe early.
    import subprocess
    import sys

    project = Path(__file__).resolve().parent.parent
    process = subprocess.Popen([sys.executable, "-m", "planner", "parse", str(FIXTURES / "P08_guoling-711_zhengfu-xinxi-gongkai-tiaoli-2019.txt")],
                               cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(16)
    process.stdout.close()
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.wait(timeout=60)

    assert "Traceback" not in stderr
    assert "BrokenPipeError" not in stderr
