"""Services on a real SQLite file: import a policy, make drafts, edit, book an event."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from icalendar import Calendar
from sqlmodel import Session, select

from planner.errors import Conflict, InvalidInput, NotFound
from planner.models import AuditEntry, Disclosure, DraftKind, EventKind, PolicySection, Role
from planner.services import accounts, drafts, events, policies, seed, users
from planner.timeutil import OFFICE_TZ
from tests.conftest import SICHUAN

SICHUAN_TITLE = "四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"
STAFF_PASSWORD = "示例-Password-2026"


def import_sichuan(session, actor, title=SICHUAN_TITLE):
    parsed, raw_text = policies.parse_upload(SICHUAN.name, SICHUAN.read_bytes())
    fields = policies.PolicyFields(title=title, doc_number=parsed.doc_number,
                                   issuer=parsed.issuer, addressee=parsed.addressee,
                                   issue_date=parsed.date)
    policy = policies.save_policy(session, actor=actor, parsed=parsed, fields=fields,
                                  source_name=SICHUAN.name, raw_text=raw_text)
    session.commit()
    return policy


def event_input(**overrides):
    start = datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)   # a Tuesday
    values = dict(kind=EventKind.PRESS_CONFERENCE, topic="实施意见新闻发布会",
                  starts_at=start, ends_at=start + timedelta(hours=1), venue="厅新闻发布厅",
                  spokespeople="王明 <wangming@example.gov.cn>、张三", host="李华")
    values.update(overrides)
    return events.EventInput(**values)


def test_save_policy_keeps_tree_and_fields(session, actor):
    policy = import_sichuan(session, actor)

    stored = policies.load_parsed(session, policy.id)
    assert stored.title == SICHUAN_TITLE
    assert stored.issuer == "四川省交通运输厅"
    assert stored.date == date(2014, 1, 10)
    assert [len(s.children) for s in stored.sections] == [4, 6, 0]
    assert stored.sections[1].children[2].label in ("(三)", "（三）")


def test_save_policy_stores_citation_paths(session, actor):
    policy = import_sichuan(session, actor)

    paths = session.exec(select(PolicySection.path)
                         .where(PolicySection.policy_id == policy.id)).all()
    assert any(path.startswith("二、") and "三" in path for path in paths)


def test_save_policy_without_title_rejected(session, actor):
    with pytest.raises(InvalidInput) as error:
        import_sichuan(session, actor, title="  ")

    assert "标题" in error.value.message
    assert policies.list_policies(session) == []


def test_update_policy_fields_audited(session, actor):
    policy = import_sichuan(session, actor)

    policies.update_fields(session, actor=actor, policy_id=policy.id,
                           fields=policies.PolicyFields(title="新标题", issuer="四川省交通运输厅"))
    session.commit()

    assert policies.get_policy(session, policy.id).title == "新标题"
    actions = session.exec(select(AuditEntry.action)).all()
    assert actions == ["policy.create", "policy.update"]


def test_get_policy_not_found(session):
    with pytest.raises(NotFound):
        policies.get_policy(session, 999)


@pytest.mark.parametrize("kind", [DraftKind.INTERPRETATION, DraftKind.QA])
def test_create_draft_from_policy_prefills_sections(session, actor, kind):
    policy = import_sichuan(session, actor)

    draft = drafts.create_from_policy(session, actor=actor, policy_id=policy.id, kind=kind,
                                      disclosure=Disclosure.PUBLIC)
    session.commit()

    sections = drafts.list_sections(session, draft.id)
    assert draft.disclosure == Disclosure.PUBLIC
    assert len(sections) >= 5
    assert all(section.body.strip() for section in sections)
    assert any(section.source_ref for section in sections)


def test_create_draft_not_public_needs_reason(session, actor):
    policy = import_sichuan(session, actor)

    with pytest.raises(InvalidInput):
        drafts.create_from_policy(session, actor=actor, policy_id=policy.id,
                                  kind=DraftKind.QA, disclosure=Disclosure.NOT_PUBLIC)


def test_save_section_stale_version_conflicts(session, actor):
    policy = import_sichuan(session, actor)
    draft = drafts.create_from_policy(session, actor=actor, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION,
                                      disclosure=Disclosure.PUBLIC)
    section = drafts.list_sections(session, draft.id)[0]
    drafts.save_section(session, actor=actor, section_id=section.id, title=section.title,
                        body="第一位专家的修改", base_version=1)
    session.commit()

    with pytest.raises(Conflict):
        drafts.save_section(session, actor=actor, section_id=section.id, title=section.title,
                            body="第二位专家的修改", base_version=1)
    session.rollback()

    assert drafts.list_sections(session, draft.id)[0].body == "第一位专家的修改"


def test_export_docx_reopens_with_edited_text(session, actor, tmp_path):
    policy = import_sichuan(session, actor)
    draft = drafts.create_from_policy(session, actor=actor, policy_id=policy.id,
                                      kind=DraftKind.INTERPRETATION,
                                      disclosure=Disclosure.PUBLIC)
    section = drafts.list_sections(session, draft.id)[0]
    drafts.save_section(session, actor=actor, section_id=section.id, title=section.title,
                        body="专家改写的出台背景。", base_version=1)
    session.commit()

    name, data = drafts.export_docx(session, draft.id, actor=actor)
    path = tmp_path / name
    path.write_bytes(data)

    assert name.endswith(".docx")
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert "专家改写的出台背景。" in text


def test_book_event_on_saturday_warns(session, actor):
    saturday = datetime(2026, 12, 12, 10, 0, tzinfo=OFFICE_TZ)
    data = event_input(starts_at=saturday, ends_at=saturday + timedelta(hours=1))

    warnings = events.check_booking(session, data, now=saturday - timedelta(days=7))

    assert any("周末" in warning.message for warning in warnings)


def test_book_event_in_2027_warns_but_saves(session, actor):
    start = datetime(2027, 3, 3, 10, 0, tzinfo=OFFICE_TZ)
    data = event_input(starts_at=start, ends_at=start + timedelta(hours=1))

    warnings = events.check_booking(session, data)
    event = events.create_event(session, actor=actor, data=data)
    session.commit()

    assert any("2027" in warning.message for warning in warnings)
    assert events.get_event(session, event.id).topic == data.topic


def test_book_event_same_spokesperson_warns(session, actor):
    events.create_event(session, actor=actor, data=event_input())
    session.commit()

    later = datetime(2026, 12, 8, 10, 30, tzinfo=OFFICE_TZ)
    warnings = events.check_booking(session, event_input(
        topic="另一场采访", venue="第二会议室", spokespeople="张三", host="",
        starts_at=later, ends_at=later + timedelta(hours=1)), now=later - timedelta(days=7))

    assert len(warnings) == 1
    assert "张三" in warnings[0].message


def test_book_event_same_venue_warns(session, actor):
    events.create_event(session, actor=actor, data=event_input())
    session.commit()

    warnings = events.check_booking(session, event_input(spokespeople="赵六"))

    assert any("厅新闻发布厅" in warning.message for warning in warnings)


def test_book_event_end_before_start_rejected(session, actor):
    start = datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)

    with pytest.raises(InvalidInput):
        events.create_event(session, actor=actor,
                            data=event_input(ends_at=start - timedelta(minutes=5)))


def test_invite_file_parses_back(session, actor):
    event = events.create_event(session, actor=actor, data=event_input())
    session.commit()

    name, data = events.invite_file(session, event.id, actor=actor)
    calendar = Calendar.from_ical(data)
    vevent = next(iter(calendar.walk("VEVENT")))

    assert name.endswith(".ics")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == event.uid
    assert vevent.decoded("DTSTART") == datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)
    names = sorted(str(a.params["CN"]) for a in vevent.get("ATTENDEE"))
    assert names == ["张三", "李华", "王明"]


def test_reschedule_keeps_uid_raises_sequence(session, actor):
    event = events.create_event(session, actor=actor, data=event_input())
    session.commit()
    uid = event.uid
    later = datetime(2026, 12, 9, 15, 0, tzinfo=OFFICE_TZ)

    events.update_event(session, actor=actor, event_id=event.id,
                        data=event_input(starts_at=later, ends_at=later + timedelta(hours=1)))
    session.commit()

    vevent = next(iter(Calendar.from_ical(events.invite_file(session, event.id, actor=actor)[1])
                       .walk("VEVENT")))
    assert str(vevent["UID"]) == uid
    assert int(vevent["SEQUENCE"]) == 1
    assert vevent.decoded("DTSTART") == later


def test_data_survives_new_engine(engine, session, actor, db_url):
    policy = import_sichuan(session, actor)
    session.close()
    engine.dispose()

    from planner.db import make_engine
    with Session(make_engine(db_url)) as fresh:
        assert policies.get_policy(fresh, policy.id).title == SICHUAN_TITLE


def test_load_examples_builds_office(session, actor):
    assert seed.is_empty(session)

    result = seed.load_examples(session, actor=actor, staff_password=STAFF_PASSWORD,
                                today=date(2026, 12, 4))
    session.commit()

    assert not seed.is_empty(session)
    assert len(result.policy_ids) == 3
    assert len(result.draft_ids) == 2
    event = events.get_event(session, result.event_id)
    assert event.starts_at.date() == date(2026, 12, 7)   # Monday after Friday 2026-12-04


def test_load_examples_creates_staff_for_every_role(session, actor):
    result = seed.load_examples(session, actor=actor, staff_password=STAFF_PASSWORD,
                                today=date(2026, 12, 4))
    session.commit()

    held = {(users.get_user(session, user_id).display_name, role.unit_name, role.role)
            for user_id in result.staff_ids.values()
            for role in users.roles_held(session, users.get_user(session, user_id))}
    assert ("张明", "政策法规处", Role.DRAFTER) in held
    assert ("李华", "政策法规处", Role.DRAFTER) in held
    assert ("王强", "政策法规处", Role.DEPARTMENT_HEAD) in held
    assert {role for _, _, role in held} >= set(Role) - {Role.ADMIN}


def test_load_examples_staff_sign_in_with_typed_password(session, actor):
    seed.load_examples(session, actor=actor, staff_password=STAFF_PASSWORD,
                       today=date(2026, 12, 4))
    session.commit()

    user = accounts.sign_in(session, username="zhangming", password=STAFF_PASSWORD)

    assert user.display_name == "张明"


def test_load_examples_drafts_belong_to_example_drafter(session, actor):
    result = seed.load_examples(session, actor=actor, staff_password=STAFF_PASSWORD,
                                today=date(2026, 12, 4))
    session.commit()

    authors = {drafts.get_draft(session, draft_id).created_by for draft_id in result.draft_ids}
    event = events.get_event(session, result.event_id)
    assert authors == {result.staff_ids["zhangming"]}
    assert event.created_by == result.staff_ids["chenjing"]


def test_load_examples_short_password_rejected(session, actor):
    with pytest.raises(InvalidInput) as error:
        seed.load_examples(session, actor=actor, staff_password="short")

    assert "至少需要 10 个字符" in error.value.message
