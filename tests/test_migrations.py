"""Migrations. A database made by the first released schema (revision 0001) holds data of
every kind; upgraded to the newest revision, it reads back unchanged. The schema that the
migrations build matches the models.
"""

import uuid
from datetime import date, datetime, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect, select
from sqlmodel import Session, SQLModel

from planner import operations
from planner.db import alembic_config, make_engine, migrate
from planner.models import AuditHead, Draft, User
from planner.services import audit

FIRST_RELEASE = "0001"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)


# Rows as the walking skeleton (revision 0001) wrote them, in foreign-key order. Text with
# Chinese, full-width punctuation, line breaks, quotes and an emoji; empty and NULL values.
FIRST_RELEASE_ROWS = {
    "unit": [
        dict(id=1, name="厅办公室", kind="division", created_at=at(2026, 1, 5, 1)),
        dict(id=2, name="成都市交通运输局", kind="city_bureau", created_at=at(2026, 1, 5, 1, 5)),
    ],
    "user": [
        dict(id=1, username="admin", display_name="系统管理员", email=None, unit_id=1,
             is_builtin=True, created_at=at(2026, 1, 5, 1)),
        dict(id=2, username="wangming", display_name="王明", email="wangming@example.gov.cn",
             unit_id=2, is_builtin=False, created_at=at(2026, 2, 1, 8, 30)),
    ],
    "policy": [
        dict(id=1, title="四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见",
             doc_number="川交函〔2014〕15号", issuer="四川省交通运输厅",
             addressee="各市(州)交通运输局(委),厅直各单位、厅机关各处室",
             issue_date=date(2014, 1, 10), source_name="实施意见.txt",
             raw_text="一、加强平台建设\n（一）发挥政府网站作用。\n“回应关切”📰", created_by=1,
             created_at=at(2026, 3, 1, 2), updated_at=at(2026, 3, 2, 3)),
        dict(id=2, title="", doc_number="", issuer="", addressee="", issue_date=None,
             source_name="", raw_text="", created_by=None, created_at=at(2026, 3, 5),
             updated_at=at(2026, 3, 5)),
    ],
    "policy_section": [
        dict(id=1, policy_id=1, parent_id=None, position=0, level=1, kind="heading",
             label="一、", path="一、", heading="加强平台建设", text="", table_json=None),
        dict(id=2, policy_id=1, parent_id=1, position=1, level=2, kind="heading",
             label="（一）", path="一、（一）", heading="发挥政府网站作用",
             text="进一步发挥政府网站信息公开第一平台作用。", table_json=None),
        dict(id=3, policy_id=1, parent_id=1, position=2, level=2, kind="table", label="",
             path="一、", heading="", text="",
             table_json='[["序号", "举措"], ["1", "“三合一”审判"]]'),
    ],
    "draft": [
        dict(id=1, kind="interpretation", title="《实施意见》政策解读", policy_id=1,
             disclosure="public", disclosure_reason="", status="draft", template="interpretation",
             created_by=2, created_at=at(2026, 3, 3, 6), updated_at=at(2026, 3, 4, 7)),
        dict(id=2, kind="qa", title="答记者问", policy_id=1, disclosure="not_public",
             disclosure_reason="涉及尚未决定的事项，依据《政府信息公开条例》第十六条", status="draft",
             template="qa", created_by=1, created_at=at(2026, 3, 3, 6),
             updated_at=at(2026, 3, 3, 6)),
    ],
    "draft_section": [
        dict(id=1, draft_id=1, position=0, key="background", title="一、出台背景",
             body="为贯彻落实……\n第二段。", source_ref="一、", version=3, updated_by=2,
             updated_at=at(2026, 3, 4, 7)),
        dict(id=2, draft_id=2, position=0, key="q1", title="问：实施意见何时施行？",
             body="答：自印发之日起施行。", source_ref="", version=1, updated_by=None,
             updated_at=at(2026, 3, 3, 6)),
    ],
    "press_event": [
        dict(id=1, uid="20260310T020000Z-1@planner.local", sequence=2, kind="press_conference",
             status="planning", topic="《实施意见》新闻发布会", starts_at=at(2026, 3, 10, 2),
             ends_at=at(2026, 3, 10, 3), venue="厅新闻发布厅", online_room="",
             spokespeople="王明 <wangming@example.gov.cn>、张三", host="李华",
             invited_media="四川日报, 四川电视台; \"川观新闻\"", agenda="1. 发布\n2. 答问",
             policy_id=1, created_by=2, created_at=at(2026, 3, 5, 1), updated_at=at(2026, 3, 6, 1)),
    ],
    "event_draft_link": [dict(event_id=1, draft_id=1), dict(event_id=1, draft_id=2)],
    "audit_entry": [
        dict(id=1, at=at(2026, 3, 1, 2), actor_id=1, action="policy.create", entity="policy",
             entity_id=1, detail='{"title": "实施意见", "source": "实施意见.txt"}'),
        dict(id=2, at=at(2026, 3, 3, 6), actor_id=2, action="draft.create", entity="draft",
             entity_id=1, detail='{"kind": "interpretation"}'),
        dict(id=3, at=at(2026, 3, 5, 1), actor_id=None, action="event.create", entity="event",
             entity_id=1, detail="{}"),
    ],
}


def upgrade_to(engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def write_first_release_rows(engine) -> None:
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        for name, rows in FIRST_RELEASE_ROWS.items():
            # The database assigns the ids, as it did for the app, so PostgreSQL's sequences
            # move on. The rows are listed in id order, so the ids match the listed ones.
            fresh = [{key: value for key, value in row.items() if key != "id"} for row in rows]
            connection.execute(tables.tables[name].insert(), fresh)


def read_back(engine) -> dict[str, list[dict]]:
    """The first release's columns of every row, with times as aware UTC."""
    tables = MetaData()
    tables.reflect(engine)
    rows = {}
    with engine.connect() as connection:
        for name, written in FIRST_RELEASE_ROWS.items():
            table = tables.tables[name]
            columns = [table.c[column] for column in written[0]]
            query = select(*columns).order_by(*table.primary_key.columns)
            rows[name] = [{key: _utc(value) for key, value in row._mapping.items()}
                          for row in connection.execute(query)]
    return rows


def _utc(value):
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    return value


@pytest.fixture(params=["sqlite", "postgresql"])
def first_release(request, tmp_path):
    """An engine on a database at revision 0001 holding FIRST_RELEASE_ROWS."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'first-release.db'}")
    else:
        server = request.getfixturevalue("pg_server")
        name = f"first_release_{uuid.uuid4().hex[:10]}"
        engine = make_engine(server.create_database(name))
        request.addfinalizer(lambda: server.drop_database(name))
    upgrade_to(engine, FIRST_RELEASE)
    write_first_release_rows(engine)
    yield engine
    engine.dispose()


def test_upgrade_from_first_release_keeps_every_row(first_release):
    before = read_back(first_release)

    migrate(first_release)

    assert read_back(first_release) == before
    assert before["policy"][0]["raw_text"].endswith("“回应关切”📰")
    assert before["press_event"][0]["starts_at"] == at(2026, 3, 10, 2)


def test_upgrade_from_first_release_reaches_head(first_release):
    migrate(first_release)

    with first_release.connect() as connection:
        assert operations.schema_revision(connection) == operations.head_revision()
        counts = operations.row_counts(connection)
    assert {name: counts[name] for name in FIRST_RELEASE_ROWS} == \
        {name: len(rows) for name, rows in FIRST_RELEASE_ROWS.items()}


def test_upgrade_from_first_release_chains_old_audit_rows(first_release):
    migrate(first_release)

    with Session(first_release) as session:
        result = audit.verify_chain(session)
        head = session.get(AuditHead, 1)
    assert result.ok
    assert result.checked == 3
    assert (head.last_id, head.appended) == (3, 3)


def test_upgrade_from_first_release_fills_new_columns(first_release):
    migrate(first_release)

    with Session(first_release) as session:
        builtin, staff = session.get(User, 1), session.get(User, 2)
        drafts = {draft.id: draft for draft in session.exec(select(Draft)).scalars()}
    # 0003: the built-in administrator without a password can no longer act.
    assert (builtin.is_active, staff.is_active) == (False, True)
    assert staff.failed_sign_ins == 0
    # 0004: older drafts belong to their creator's unit.
    assert (drafts[1].unit_id, drafts[2].unit_id) == (2, 1)
    assert (drafts[1].review_round, drafts[1].disclosure_basis) == (0, "")


def test_upgrade_then_new_rows_get_fresh_ids(first_release):
    migrate(first_release)

    with Session(first_release) as session:
        entry = audit.record(session, actor=None, action="system.check", entity="system",
                             entity_id=None)
        session.commit()
        assert entry.id == 4
        assert audit.verify_chain(session).checked == 4


def test_schema_from_migrations_matches_models(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    assert differences == []


def test_database_tables_are_the_models(engine):
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())

    assert tables == set(SQLModel.metadata.tables) | {"alembic_version"}
