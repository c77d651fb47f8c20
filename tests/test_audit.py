"""The audit trail (登记备案): hash chain, verification, tampering, concurrent writers,
filters, CSV export and who may read it; on SQLite and, where it runs, PostgreSQL."""

import codecs
import csv
import io
import json
import sqlite3
import threading
import time
import uuid
from contextlib import closing
from datetime import date, datetime, timedelta, timezone

import pytest
import streamlit as st
from alembic import command
from sqlalchemy import exc as sa_exc
from sqlalchemy import text, update
from sqlalchemy.engine import make_url
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner.__main__ import main
from planner.csvsafe import csv_bytes, safe_cell
from planner.db import alembic_config, make_engine, migrate
from planner.errors import InvalidInput, PermissionDenied
from planner.models import AuditEntry, AuditHead, Role
from planner.services import audit
from tests.factories import make_unit, make_user, sign_in_state

READERS = sorted({Role.ADMIN, Role.GENERAL_OFFICE})
NON_READERS = sorted(set(Role) - {Role.ADMIN, Role.GENERAL_OFFICE})
DENIED = "您没有权限查看或导出审计记录"

DROP_TRIGGERS = {
    "sqlite": ["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"],
    "postgresql": ["DROP TRIGGER audit_entry_no_change ON audit_entry"],
}


def append(session: Session, count: int, *, actor=None, action: str = "test.step",
           entity: str = "system") -> None:
    for step in range(count):
        audit.record(session, actor=actor, action=action, entity=entity, entity_id=step,
                     detail={"step": step, "note": "登记备案"})
    session.commit()


def stored(engine) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))


def verify(engine) -> audit.VerifyResult:
    with Session(engine) as session:
        return audit.verify_chain(session)


def tamper(engine, *statements: str) -> None:
    """Change the table as someone with direct database access: triggers dropped first."""
    with engine.begin() as connection:
        for statement in [*DROP_TRIGGERS[engine.dialect.name], *statements]:
            connection.exec_driver_sql(statement)


# --- the chain ---------------------------------------------------------------------------

def test_record_chains_each_row_to_the_previous(any_engine):
    with Session(any_engine) as session:
        append(session, 3)

    rows = stored(any_engine)
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert rows[1].prev_hash == rows[0].row_hash
    assert rows[2].prev_hash == rows[1].row_hash
    assert [audit.entry_hash(row) for row in rows] == [row.row_hash for row in rows]
    assert len({row.row_hash for row in rows}) == 3


def test_record_moves_the_head_to_the_newest_row(any_engine):
    with Session(any_engine) as session:
        append(session, 2)

    with Session(any_engine) as session:
        head = session.get(AuditHead, audit.HEAD_ID)
    newest = stored(any_engine)[-1]
    assert head.last_id == newest.id
    assert head.last_hash == newest.row_hash
    assert head.appended == 2


def test_record_takes_unit_from_actor(any_session):
    unit = make_unit(any_session, "综合规划处")
    author = make_user(any_session, "zhangsan", unit=unit, roles={Role.DRAFTER})

    entry = audit.record(any_session, actor=author, action="draft.create", entity="draft",
                         entity_id=5, detail={"title": "实施意见解读"})
    any_session.commit()

    assert entry.actor_id == author.id
    assert entry.unit_id == unit.id
    assert json.loads(entry.detail) == {"title": "实施意见解读"}


def test_record_rolled_back_leaves_chain_intact(any_engine):
    with Session(any_engine) as session:
        append(session, 1)
    with Session(any_engine) as session:
        audit.record(session, actor=None, action="test.lost", entity="system", entity_id=None)
        session.rollback()
    with Session(any_engine) as session:
        append(session, 1)

    result = verify(any_engine)
    assert result.ok
    assert result.checked == 2
    assert [row.action for row in stored(any_engine)] == ["test.step", "test.step"]


def test_row_hash_covers_every_field():
    base = dict(at=datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc), actor_id=1, unit_id=2,
                action="policy.create", entity="policy", entity_id=3, detail="{}")
    changes = [("at", datetime(2026, 3, 2, 1, 0, 0, 1, tzinfo=timezone.utc)),
               ("actor_id", 9), ("unit_id", None), ("action", "policy.update"),
               ("entity", "draft"), ("entity_id", 4), ("detail", '{"a": 1}')]

    original = audit.row_hash(audit.GENESIS_HASH, **base)
    for field, value in changes:
        assert audit.row_hash(audit.GENESIS_HASH, **{**base, field: value}) != original, field
    assert audit.row_hash("1" * 64, **base) != original


def test_row_hash_naive_equals_aware_utc():
    fields = dict(actor_id=None, unit_id=None, action="a", entity="e", entity_id=None,
                  detail="{}")
    naive = audit.row_hash("", at=datetime(2026, 3, 2, 1, 0), **fields)
    beijing = timezone(timedelta(hours=8))
    aware = audit.row_hash("", at=datetime(2026, 3, 2, 9, 0, tzinfo=beijing), **fields)

    assert naive == aware


# --- verify ------------------------------------------------------------------------------

def test_verify_chain_ok_counts_rows(any_engine):
    with Session(any_engine) as session:
        append(session, 4)

    result = verify(any_engine)

    assert result.ok
    assert result.checked == 4
    assert result.first_broken_id is None
    assert result.head_hash == stored(any_engine)[-1].row_hash


def test_verify_chain_empty_trail_ok(any_engine):
    result = verify(any_engine)

    assert result.ok
    assert result.checked == 0


@pytest.mark.parametrize("statements, broken_id, reason, previous_id", [
    (["UPDATE audit_entry SET detail = '{\"step\": 99}' WHERE id = 2"], 2, "hash_mismatch", 1),
    (["UPDATE audit_entry SET action = 'policy.delete' WHERE id = 3"], 3, "hash_mismatch", 2),
    (["UPDATE audit_entry SET entity_id = 7 WHERE id = 4"], 4, "hash_mismatch", 3),
    (["DELETE FROM audit_entry WHERE id = 2"], 3, "prev_link_mismatch", 1),
    (["DELETE FROM audit_entry WHERE id = 1"], 2, "first_link_mismatch", None),
    (["DELETE FROM audit_entry WHERE id = 4"], 4, "head_mismatch", 3),
    (["DELETE FROM audit_entry"], 4, "head_mismatch", None),
], ids=["edit-detail", "edit-action", "edit-newest", "delete-middle", "delete-first",
        "delete-newest", "delete-all"])
def test_verify_chain_names_tampered_row(any_engine, statements, broken_id, reason,
                                         previous_id):
    with Session(any_engine) as session:
        append(session, 4)

    tamper(any_engine, *statements)
    result = verify(any_engine)

    assert not result.ok
    assert result.first_broken_id == broken_id
    assert result.reason == reason
    assert result.previous_id == previous_id


def test_verify_chain_rehashed_edit_detected(any_engine):
    with Session(any_engine) as session:
        append(session, 3)
    row = stored(any_engine)[1]
    forged = audit.row_hash(row.prev_hash, at=row.at, actor_id=row.actor_id,
                            unit_id=row.unit_id, action=row.action, entity=row.entity,
                            entity_id=row.entity_id, detail='{"step": 99}')

    tamper(any_engine, f"UPDATE audit_entry SET detail = '{{\"step\": 99}}', "
                       f"row_hash = '{forged}' WHERE id = 2")
    result = verify(any_engine)

    assert result.first_broken_id == 3
    assert result.reason == "prev_link_mismatch"


def test_verify_chain_row_added_behind_the_app_detected(any_engine):
    with Session(any_engine) as session:
        append(session, 2)
    last = stored(any_engine)[-1]
    at = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    forged = audit.row_hash(last.row_hash, at=at, actor_id=None, unit_id=None,
                            action="policy.create", entity="policy", entity_id=1, detail="{}")

    with Session(any_engine) as session:
        session.add(AuditEntry(at=at, action="policy.create", entity="policy", entity_id=1,
                               detail="{}", prev_hash=last.row_hash, row_hash=forged))
        session.commit()
    result = verify(any_engine)

    assert result.reason == "head_mismatch"
    assert result.first_broken_id == last.id + 1
    assert result.head_id == last.id


def test_verify_chain_head_missing_reported(any_engine):
    with Session(any_engine) as session:
        append(session, 1)
        session.exec(update(AuditHead).values(id=2))
        session.commit()

    result = verify(any_engine)

    assert result.reason == "head_missing"
    assert result.checked == 1


@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET detail = '{}' WHERE id = 1",
                                       "DELETE FROM audit_entry WHERE id = 1"],
                         ids=["update", "delete"])
def test_database_refuses_to_change_audit_rows(any_engine, statement):
    with Session(any_engine) as session:
        append(session, 1)

    with pytest.raises(sa_exc.DBAPIError) as error:
        with any_engine.begin() as connection:
            connection.exec_driver_sql(statement)

    assert "append-only" in str(error.value)
    assert verify(any_engine).ok


def test_user_named_in_trail_cannot_be_deleted(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        unit = make_unit(session, "综合规划处")
        author = make_user(session, "zhangsan", unit=unit, roles={Role.DRAFTER})
        append(session, 1, actor=author)

    with pytest.raises(sa_exc.DBAPIError) as error:
        with any_engine.begin() as connection:
            connection.execute(text('DELETE FROM "user" WHERE id = :id'), {"id": author.id})

    assert "append-only" in str(error.value)
    assert stored(any_engine)[0].actor_id == author.id
    assert verify(any_engine).ok


# --- the command line (a row changed with the sqlite3 module, as an intruder would) ------

def sqlite_path(db_url: str) -> str:
    return make_url(db_url).database


def test_cli_verify_reports_rows_checked(engine, capsys):
    with Session(engine) as session:
        append(session, 3)

    code = main(["audit", "verify"])

    assert code == 0
    assert "共校验 3 条记录" in capsys.readouterr().out


def test_cli_verify_names_row_changed_in_sqlite(engine, db_url, capsys):
    with Session(engine) as session:
        append(session, 3)

    with closing(sqlite3.connect(sqlite_path(db_url))) as db:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE audit_entry SET detail = '{}' WHERE id = 2")
        db.execute("DROP TRIGGER audit_entry_no_update")
        db.execute("UPDATE audit_entry SET detail = ? WHERE id = 2", ('{"step": 99}',))
        db.commit()
    code = main(["audit", "verify"])

    message = capsys.readouterr().err
    assert code == 1
    assert "第 2 号记录处断开" in message
    assert "内容与它的哈希不符" in message


def test_cli_verify_names_row_after_deleted_one(engine, db_url, capsys):
    with Session(engine) as session:
        append(session, 3)

    with closing(sqlite3.connect(sqlite_path(db_url))) as db:
        db.execute("DROP TRIGGER audit_entry_no_delete")
        db.execute("DELETE FROM audit_entry WHERE id = 2")
        db.commit()
    code = main(["audit", "verify"])

    message = capsys.readouterr().err
    assert code == 1
    assert "第 3 号记录处断开" in message
    assert "与第 1 号记录不符" in message


# --- concurrent writers ------------------------------------------------------------------

def run_writers(engine, per_writer: int = 8, hold_s: float = 0.02) -> list[Exception]:
    """Two threads, each with its own connection, append rows at the same time.

    Each keeps its transaction open for a moment after appending, so the other one
    arrives while the head is locked.
    """
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def writer(name: str) -> None:
        try:
            start.wait()
            for step in range(per_writer):
                with Session(engine) as session:
                    audit.record(session, actor=None, action=f"test.{name}", entity="system",
                                 entity_id=step)
                    time.sleep(hold_s)
                    session.commit()
        except Exception as exc:   # reported by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_appends_keep_one_chain(any_engine):
    errors = run_writers(any_engine)

    rows = stored(any_engine)
    result = verify(any_engine)
    assert errors == []
    assert result.ok
    assert result.checked == 16
    assert len({row.prev_hash for row in rows}) == 16   # no two rows share a predecessor
    assert {row.action for row in rows} == {"test.a", "test.b"}


def test_concurrent_appends_fork_without_the_head_lock(any_engine, monkeypatch):
    """The test above can fail: reading the head without taking it forks the chain."""
    def unlocked_head(session):
        return session.exec(select(AuditHead.last_hash)).one()
    monkeypatch.setattr(audit, "_lock_head", unlocked_head)

    errors = run_writers(any_engine)

    rows = stored(any_engine)
    assert errors == []
    assert len({row.prev_hash for row in rows}) < len(rows)
    assert not verify(any_engine).ok


# --- CSV ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1:A3)", "'=SUM(A1:A3)"),
    ("+86 28 8888 0000", "'+86 28 8888 0000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("政策解读", "政策解读"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (-3, "-3"),
    (12, "12"),
])
def test_safe_cell_neutralises_formula_starts(value, expected):
    assert safe_cell(value) == expected


def test_csv_bytes_utf8_with_bom_and_crlf():
    data = csv_bytes(["名称", "备注"], [["=1+1", "新闻通稿"], ["川办发〔2013〕81号", "@x"]])

    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(b"\r\n") == 3
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig")))) == [
        ["名称", "备注"], ["'=1+1", "新闻通稿"], ["川办发〔2013〕81号", "'@x"]]


def read_export(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_export_csv_neutralises_cells(any_session):
    unit = make_unit(any_session, "@综合处")
    office = make_user(any_session, "office", unit=unit, roles={Role.GENERAL_OFFICE},
                       display_name='=HYPERLINK("http://example.cn")')
    audit.record(any_session, actor=office, action="policy.create", entity="policy",
                 entity_id=7, detail={"title": "-2+3 实施意见"})
    any_session.commit()

    rows = read_export(audit.export_csv(any_session, actor=office))

    header, row = rows[0], rows[1]
    assert len(rows) == 2
    assert header[:5] == ["记录编号", "时间（北京时间）", "操作人", "用户名", "所在单位"]
    assert row[2] == "'=HYPERLINK(\"http://example.cn\")"
    assert row[4] == "'@综合处"
    assert row[5] == "导入政策文件"
    assert json.loads(row[9]) == {"title": "-2+3 实施意见"}


def test_export_csv_starts_with_bom(any_session):
    unit = make_unit(any_session, "厅办公室")
    admin = make_user(any_session, "admin1", unit=unit, roles={Role.ADMIN})

    data = audit.export_csv(any_session, actor=admin)

    assert data.startswith(codecs.BOM_UTF8)
    assert data[3:].decode("utf-8").startswith("记录编号,")


def test_export_csv_is_itself_audited(any_session):
    unit = make_unit(any_session, "厅办公室")
    admin = make_user(any_session, "admin1", unit=unit, roles={Role.ADMIN})
    append(any_session, 3, actor=admin, entity="policy")

    audit.export_csv(any_session, actor=admin, entity="policy")
    any_session.commit()

    newest = any_session.exec(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert newest.action == "audit.export"
    assert newest.actor_id == admin.id
    assert json.loads(newest.detail)["rows"] == 3
    assert json.loads(newest.detail)["entity"] == "policy"


def test_export_csv_applies_filters(any_session):
    unit = make_unit(any_session, "厅办公室")
    admin = make_user(any_session, "admin1", unit=unit, roles={Role.ADMIN})
    append(any_session, 2, actor=admin, entity="policy")
    append(any_session, 3, actor=admin, entity="draft")

    rows = read_export(audit.export_csv(any_session, actor=admin, entity="draft"))

    assert len(rows) == 4
    assert {row[7] for row in rows[1:]} == {"稿件"}


def test_export_filename_names_the_dates():
    assert audit.export_filename() == "审计记录.csv"
    assert audit.export_filename(date(2026, 3, 1), date(2026, 3, 31)) == \
        "审计记录_2026-03-01至2026-03-31.csv"


# --- who may read ------------------------------------------------------------------------

READ_CALLS = {
    "query": lambda session, actor: audit.query(session, actor=actor),
    "filter_options": lambda session, actor: audit.filter_options(session, actor=actor),
    "export_csv": lambda session, actor: audit.export_csv(session, actor=actor),
}


@pytest.mark.parametrize("call", READ_CALLS)
@pytest.mark.parametrize("role", READERS)
def test_read_audit_allowed(any_session, role, call):
    unit = make_unit(any_session, "厅办公室")
    reader = make_user(any_session, "reader", unit=unit, roles={role})
    append(any_session, 2, actor=reader)

    result = READ_CALLS[call](any_session, reader)

    assert result is not None


@pytest.mark.parametrize("call", READ_CALLS)
@pytest.mark.parametrize("role", NON_READERS)
def test_read_audit_forbidden(any_session, role, call):
    unit = make_unit(any_session, "综合规划处")
    user = make_user(any_session, "someone", unit=unit, roles={role})
    append(any_session, 2, actor=user)

    with pytest.raises(PermissionDenied) as error:
        READ_CALLS[call](any_session, user)
    any_session.rollback()

    assert DENIED in error.value.message
    assert "管理员" in error.value.message
    assert len(stored(any_session.get_bind())) == 2   # a refused export is not written


def test_read_audit_forbidden_for_deactivated_admin(any_session):
    unit = make_unit(any_session, "厅办公室")
    admin = make_user(any_session, "former", unit=unit, roles={Role.ADMIN}, is_active=False)

    with pytest.raises(PermissionDenied) as error:
        audit.query(any_session, actor=admin)

    assert DENIED in error.value.message


# --- query: filters and pages ------------------------------------------------------------

@pytest.fixture
def office(any_session):
    """An administrator and a drafter in two units, with rows from both."""
    general = make_unit(any_session, "厅办公室")
    division = make_unit(any_session, "综合规划处")
    admin = make_user(any_session, "admin1", unit=general, roles={Role.ADMIN},
                      display_name="王管理")
    drafter = make_user(any_session, "drafter1", unit=division, roles={Role.DRAFTER},
                        display_name="李承办")
    append(any_session, 2, actor=admin, entity="policy")
    append(any_session, 3, actor=drafter, entity="draft")
    return admin, drafter, general, division


def test_query_filters_by_person(any_session, office):
    admin, drafter, _, _ = office

    page = audit.query(any_session, actor=admin, user_id=drafter.id)

    assert page.total == 3
    assert {row.actor_name for row in page.rows} == {"李承办"}


def test_query_filters_by_unit(any_session, office):
    admin, _, general, _ = office

    page = audit.query(any_session, actor=admin, unit_id=general.id)

    assert page.total == 2
    assert {row.unit_name for row in page.rows} == {"厅办公室"}


def test_query_filters_by_entity(any_session, office):
    admin = office[0]

    page = audit.query(any_session, actor=admin, entity="draft")

    assert page.total == 3
    assert {row.entity for row in page.rows} == {"draft"}


def test_query_newest_first_with_offset(any_session, office):
    admin = office[0]

    first = audit.query(any_session, actor=admin, limit=2, offset=0)
    last = audit.query(any_session, actor=admin, limit=2, offset=4)

    assert first.total == 5
    assert [row.id for row in first.rows] == [5, 4]
    assert [row.id for row in last.rows] == [1]


def test_query_page_size_is_capped(any_session, office):
    admin = office[0]
    append(any_session, audit.MAX_PAGE_SIZE, actor=admin)

    page = audit.query(any_session, actor=admin, limit=100_000)

    assert len(page.rows) == audit.MAX_PAGE_SIZE
    assert page.total == audit.MAX_PAGE_SIZE + 5


@pytest.mark.parametrize("date_from, date_to, expected", [
    (date(2026, 3, 2), date(2026, 3, 2), ["b", "c"]),
    (date(2026, 3, 1), date(2026, 3, 1), ["a"]),
    (date(2026, 3, 3), None, ["d"]),
    (None, date(2026, 3, 1), ["a"]),
    (None, None, ["a", "b", "c", "d"]),
])
def test_query_date_range_uses_office_days(any_session, monkeypatch, date_from, date_to,
                                           expected):
    unit = make_unit(any_session, "厅办公室")
    admin = make_user(any_session, "admin1", unit=unit, roles={Role.ADMIN})
    moments = {  # UTC; Beijing is 8 hours ahead
        "a": datetime(2026, 3, 1, 15, 59, tzinfo=timezone.utc),   # 3月1日 23:59
        "b": datetime(2026, 3, 1, 16, 0, tzinfo=timezone.utc),    # 3月2日 00:00
        "c": datetime(2026, 3, 2, 15, 59, tzinfo=timezone.utc),   # 3月2日 23:59
        "d": datetime(2026, 3, 2, 16, 0, tzinfo=timezone.utc),    # 3月3日 00:00
    }
    for name, moment in moments.items():
        monkeypatch.setattr(audit, "now_utc", lambda moment=moment: moment)
        audit.record(any_session, actor=admin, action=f"test.{name}", entity="system",
                     entity_id=None)
    any_session.commit()

    page = audit.query(any_session, actor=admin, date_from=date_from, date_to=date_to)

    assert sorted(row.action.removeprefix("test.") for row in page.rows) == expected


def test_query_reversed_dates_rejected(any_session, office):
    admin = office[0]

    with pytest.raises(InvalidInput) as error:
        audit.query(any_session, actor=admin, date_from=date(2026, 3, 5),
                    date_to=date(2026, 3, 1))

    assert "2026-03-05" in error.value.message
    assert "晚于结束日期" in error.value.message


def test_filter_options_lists_people_units_entities(any_session, office):
    admin, drafter, general, division = office

    options = audit.filter_options(any_session, actor=admin)

    assert options.users[drafter.id] == "李承办（drafter1）"
    assert options.units == {general.id: "厅办公室", division.id: "综合规划处"}
    assert options.entities == ["draft", "policy"]


# --- migration 0005: chaining rows written before the chain existed ----------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def blank_engine(request, tmp_path):
    """An engine on an empty database (no migrations run)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
        yield engine
        engine.dispose()
        return

    server = request.getfixturevalue("pg_server")
    name = f"planner_blank_{uuid.uuid4().hex[:12]}"
    engine = make_engine(server.create_database(name))
    yield engine
    engine.dispose()
    server.drop_database(name)


def alembic_to(engine, revision: str, *, down: bool = False) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_migration_chains_rows_written_before_it(blank_engine):
    alembic_to(blank_engine, "0004")
    with blank_engine.begin() as connection:
        for step in range(3):
            connection.execute(AuditEntry.__table__.insert().values(
                at=datetime(2026, 12, 1, 8, step, tzinfo=timezone.utc), action="policy.create",
                entity="policy", entity_id=step, detail="{}"))

    migrate(blank_engine)

    rows = stored(blank_engine)
    result = verify(blank_engine)
    assert result.ok
    assert result.checked == 3
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert rows[2].prev_hash == rows[1].row_hash


def test_migration_chained_trail_accepts_new_rows(blank_engine):
    alembic_to(blank_engine, "0004")
    with blank_engine.begin() as connection:
        connection.execute(AuditEntry.__table__.insert().values(
            at=datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc), action="examples.load",
            entity="system", detail="{}"))
    migrate(blank_engine)

    with Session(blank_engine) as session:
        append(session, 2)

    result = verify(blank_engine)
    assert result.ok
    assert result.checked == 3


def test_migration_0005_downgrades_and_upgrades_again(blank_engine):
    migrate(blank_engine)
    with Session(blank_engine) as session:
        append(session, 2)

    alembic_to(blank_engine, "0004", down=True)
    with blank_engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_entry SET detail = '{}' WHERE id = 1")
    migrate(blank_engine)

    result = verify(blank_engine)
    assert result.ok   # the upgrade re-chains whatever it finds
    assert result.checked == 2


# --- the page ----------------------------------------------------------------------------

@pytest.fixture
def app_db(db_url):
    st.cache_resource.clear()
    yield db_url
    st.cache_resource.clear()


def open_audit_page(user) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=30)
    sign_in_state(app, user)
    app.run()
    app.switch_page("views/audit.py").run()
    return app


def test_audit_page_shows_rows_for_general_office(app_db, engine):
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session, "厅办公室")
        office_user = make_user(session, "office", unit=unit, roles={Role.GENERAL_OFFICE})
        append(session, 3, actor=office_user, entity="policy")

    app = open_audit_page(office_user)

    assert not app.exception
    assert not app.error
    assert any("共 3 条记录" in caption.value for caption in app.caption)
    assert len(app.dataframe) == 1
    assert [b.label for b in app.button if b.label == "导出 CSV"] == ["导出 CSV"]


def test_audit_page_refuses_drafter(app_db, engine):
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session, "综合规划处")
        drafter = make_user(session, "drafter1", unit=unit, roles={Role.DRAFTER})
        append(session, 2, actor=drafter)

    # The navigation does not offer the page to a drafter; run the page file on its own.
    app = AppTest.from_file("../views/audit.py", default_timeout=30)
    sign_in_state(app, drafter)
    app.run()

    assert not app.exception
    assert DENIED in app.error[0].value
    assert len(app.dataframe) == 0


def test_audit_page_entity_filter_narrows_rows(app_db, engine):
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session, "厅办公室")
        admin = make_user(session, "admin1", unit=unit, roles={Role.ADMIN})
        append(session, 2, actor=admin, entity="policy")
        append(session, 3, actor=admin, entity="draft")
    app = open_audit_page(admin)

    app.selectbox(key="audit_filter_entity").select("policy").run()

    assert not app.exception
    assert any("共 2 条记录" in caption.value for caption in app.caption)


def test_audit_page_export_offers_download_and_audits(app_db, engine):
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session, "厅办公室")
        admin = make_user(session, "admin1", unit=unit, roles={Role.ADMIN})
        append(session, 2, actor=admin)
    app = open_audit_page(admin)

    [b for b in app.button if b.label == "导出 CSV"][0].click().run()

    downloads = app.get("download_button")
    assert not app.exception
    assert [d.proto.label for d in downloads] == ["下载 CSV 文件"]
    assert stored(engine)[-1].action == "audit.export"
