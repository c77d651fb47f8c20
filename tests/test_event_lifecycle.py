"""The working cycle of a press event on a real SQLite file: every step from every state,
who may take it, cancel and postpone with their invites, and the after-event items."""

import os
import time
from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlmodel import select

from planner import deadlines as rules
from planner.errors import Conflict, InvalidInput, PermissionDenied
from planner.models import (AuditEntry, EventDraftLink, EventKind, EventStatus,
                            EventStatusChange, ObligationStatus, PressEvent, Role)
from planner.services import deadlines, event_flow, events, review
from planner.services.event_flow import Action
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.event_setup import (AFTER, BEFORE, START, approved_draft, book, event_input,
                               make_people)

S = EventStatus

# Written out by hand from the design, not read from event_flow.TRANSITIONS.
EXPECTED = {
    Action.APPROVE: {S.PLANNING: S.APPROVED},
    Action.ANNOUNCE: {S.APPROVED: S.ANNOUNCED},
    Action.HOLD: {S.APPROVED: S.HELD, S.ANNOUNCED: S.HELD},
    Action.ARCHIVE: {S.HELD: S.ARCHIVED},
    Action.CANCEL: {S.PLANNING: S.CANCELLED, S.APPROVED: S.CANCELLED,
                    S.ANNOUNCED: S.CANCELLED},
    Action.POSTPONE: {S.PLANNING: S.PLANNING, S.APPROVED: S.APPROVED,
                      S.ANNOUNCED: S.ANNOUNCED},
}
LATER = START + timedelta(days=2)


@pytest.fixture
def people(session):
    return make_people(session)


def take(session, people, action: Action, event_id: int, actor=None):
    """Take `action` with everything it needs (reason, new time, a moment after the start)."""
    who = actor or (people.leader if action == Action.APPROVE else people.speaker)
    calls = {
        Action.APPROVE: lambda: event_flow.approve(session, actor=who, event_id=event_id,
                                                   now=BEFORE),
        Action.ANNOUNCE: lambda: event_flow.announce(session, actor=who, event_id=event_id,
                                                     now=BEFORE),
        Action.HOLD: lambda: event_flow.hold(session, actor=who, event_id=event_id, now=AFTER),
        Action.ARCHIVE: lambda: event_flow.archive(session, actor=who, event_id=event_id,
                                                   override_reason="实录已另行公开",
                                                   now=AFTER),
        Action.CANCEL: lambda: event_flow.cancel(session, actor=who, event_id=event_id,
                                                 reason="主讲人公务冲突", now=BEFORE),
        Action.POSTPONE: lambda: event_flow.postpone(
            session, actor=who, event_id=event_id, starts_at=LATER,
            ends_at=LATER + timedelta(hours=1), reason="与省政府会议冲突", now=BEFORE),
    }
    return calls[action]()


def set_status(session, event_id: int, status: EventStatus) -> None:
    event = session.get(PressEvent, event_id)
    event.status = status
    session.add(event)
    session.commit()


def changes(session, event_id: int) -> list[EventStatusChange]:
    return list(session.exec(select(EventStatusChange)
                             .where(EventStatusChange.event_id == event_id)
                             .order_by(EventStatusChange.id)))


# --- the state table --------------------------------------------------------------------

@pytest.mark.parametrize("status", list(EventStatus))
@pytest.mark.parametrize("action", event_flow.STEPS)
def test_step_from_every_state(session, people, action, status):
    event = book(session, people)
    set_status(session, event.id, status)
    before = len(changes(session, event.id))

    target = EXPECTED[action].get(status)
    if target is None:
        with pytest.raises(Conflict) as refused:
            take(session, people, action, event.id)
        session.rollback()
        assert "不能" in refused.value.message
        assert session.get(PressEvent, event.id).status == status
        assert len(changes(session, event.id)) == before
    else:
        take(session, people, action, event.id)
        session.commit()
        assert session.get(PressEvent, event.id).status == target
        last = changes(session, event.id)[-1]
        assert (last.action, last.from_status, last.to_status) == (action, status, target)


def test_transitions_table_matches_design():
    declared = {(tr.action, tr.source): tr.target for tr in event_flow.TRANSITIONS}
    expected = {(action, source): target for action, row in EXPECTED.items()
                for source, target in row.items()}

    assert declared == expected


@pytest.mark.parametrize("action", event_flow.STEPS)
@pytest.mark.parametrize("who", ["drafter", "expert", "leader", "speaker", "clerk"])
def test_step_roles(session, people, action, who):
    event = book(session, people)
    start_state = next(iter(EXPECTED[action]))
    set_status(session, event.id, start_state)
    actor = getattr(people, who)
    allowed = who == "leader" if action == Action.APPROVE else who in ("speaker", "clerk")

    if allowed:
        take(session, people, action, event.id, actor=actor)
        session.commit()
        assert session.get(PressEvent, event.id).status == EXPECTED[action][start_state]
    else:
        with pytest.raises(PermissionDenied) as refused:
            take(session, people, action, event.id, actor=actor)
        session.rollback()
        assert "您没有权限" in refused.value.message
        assert session.get(PressEvent, event.id).status == start_state


def test_approve_own_event_refused(session, people):
    factories.grant(session, people.speaker, Role.UNIT_HEAD, people.publicity)
    event = book(session, people)

    with pytest.raises(PermissionDenied) as refused:
        event_flow.approve(session, actor=people.speaker, event_id=event.id, now=BEFORE)

    assert "不能由您本人批准" in refused.value.message


def test_step_writes_history_and_audit(session, people):
    event = book(session, people)

    event_flow.approve(session, actor=people.leader, event_id=event.id, note="同意",
                       now=BEFORE)
    event_flow.announce(session, actor=people.speaker, event_id=event.id, now=BEFORE)
    session.commit()

    rows = event_flow.history(session, event.id)
    assert [(r.action, r.from_status, r.to_status, r.actor_name) for r in rows] == [
        ("create", "", S.PLANNING, "陈静"),
        ("approve", S.PLANNING, S.APPROVED, "赵丽"),
        ("announce", S.APPROVED, S.ANNOUNCED, "陈静")]
    assert rows[1].reason == "同意"
    actions = session.exec(select(AuditEntry.action).where(AuditEntry.entity == "press_event")
                           .order_by(AuditEntry.id)).all()
    assert actions == ["event.create", "event.approve", "event.announce"]


def test_available_actions_by_role(session, people):
    event = book(session, people)

    as_leader = event_flow.available_actions(session, actor=people.leader, event_id=event.id,
                                             now=BEFORE)
    as_speaker = event_flow.available_actions(session, actor=people.speaker,
                                              event_id=event.id, now=BEFORE)
    as_drafter = event_flow.available_actions(session, actor=people.drafter,
                                              event_id=event.id, now=BEFORE)

    assert as_leader == [Action.APPROVE]
    assert as_speaker == [Action.CANCEL, Action.POSTPONE]
    assert as_drafter == []


# --- rules on top of the table ----------------------------------------------------------

def test_hold_before_start_refused(session, people):
    event = book(session, people)
    set_status(session, event.id, S.ANNOUNCED)

    with pytest.raises(Conflict) as refused:
        event_flow.hold(session, actor=people.speaker, event_id=event.id,
                        now=START - timedelta(minutes=5))

    assert "尚未开始" in refused.value.message


def test_online_interview_needs_preview_before_hold(session, people):
    event = book(session, people, kind=EventKind.ONLINE_INTERVIEW)
    set_status(session, event.id, S.APPROVED)

    with pytest.raises(Conflict) as refused:
        event_flow.hold(session, actor=people.speaker, event_id=event.id, now=AFTER)

    assert "还没有发布预告" in refused.value.message


def test_online_interview_announce_needs_channel(session, people):
    event = book(session, people, kind=EventKind.ONLINE_INTERVIEW, question_channel="")
    set_status(session, event.id, S.APPROVED)

    with pytest.raises(InvalidInput) as refused:
        event_flow.announce(session, actor=people.speaker, event_id=event.id, now=BEFORE)

    assert "提问渠道" in refused.value.message


def test_announce_interview_without_approved_preview_refused(session, people):
    event = book(session, people, kind=EventKind.ONLINE_INTERVIEW)
    set_status(session, event.id, S.APPROVED)

    with pytest.raises(Conflict) as refused:
        event_flow.announce(session, actor=people.speaker, event_id=event.id, now=BEFORE)

    assert "访谈预告还没有通过审发" in refused.value.message
    session.rollback()
    assert session.get(PressEvent, event.id).status == S.APPROVED


def test_announce_closes_interview_preview_item(session, people):
    event = book(session, people, kind=EventKind.ONLINE_INTERVIEW)
    set_status(session, event.id, S.APPROVED)
    preview = approved_draft(session, people, "春运在线访谈预告")
    session.add(EventDraftLink(event_id=event.id, draft_id=preview, role="preview"))
    session.commit()

    event_flow.announce(session, actor=people.speaker, event_id=event.id, now=BEFORE)
    session.commit()

    rows = {r.rule_key: r for r in deadlines.obligations_for(session, "press_event", event.id)}
    assert rows[rules.INTERVIEW_PREVIEW].status == ObligationStatus.DONE


# --- cancel -----------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_without_reason_refused(session, people, reason):
    event = book(session, people)

    with pytest.raises(InvalidInput) as refused:
        event_flow.cancel(session, actor=people.speaker, event_id=event.id, reason=reason)

    assert "取消活动" in refused.value.message
    session.rollback()
    assert session.get(PressEvent, event.id).status == S.PLANNING


def test_cancel_invite_is_method_cancel(session, people):
    event = book(session, people)
    uid = event.uid

    event_flow.cancel(session, actor=people.speaker, event_id=event.id,
                      reason="主讲人公务冲突", now=BEFORE)
    session.commit()
    _name, data = events.invite_file(session, event.id, actor=people.speaker)

    calendar = Calendar.from_ical(data)
    [vevent] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert str(vevent["UID"]) == uid
    assert int(vevent["SEQUENCE"]) == 1
    assert "主讲人公务冲突" in str(vevent["DESCRIPTION"])
    assert not vevent.walk("VALARM")


def test_cancel_withdraws_board_items(session, people):
    event = book(session, people, kind=EventKind.ONLINE_INTERVIEW)

    event_flow.cancel(session, actor=people.speaker, event_id=event.id, reason="选题调整")
    session.commit()

    statuses = {r.rule_key: r.status
                for r in deadlines.obligations_for(session, "press_event", event.id)}
    assert statuses == {rules.ACTIVITY_INFO: ObligationStatus.CANCELLED,
                        rules.INTERVIEW_PREVIEW: ObligationStatus.CANCELLED}


# --- postpone ---------------------------------------------------------------------------

def test_postpone_keeps_history_and_raises_sequence(session, people):
    event = book(session, people)
    uid = event.uid
    set_status(session, event.id, S.ANNOUNCED)

    event_flow.postpone(session, actor=people.speaker, event_id=event.id, starts_at=LATER,
                        ends_at=LATER + timedelta(hours=1), reason="与省政府会议冲突",
                        now=BEFORE)
    session.commit()

    last = changes(session, event.id)[-1]
    assert last.action == "postpone"
    assert (last.from_status, last.to_status) == (S.ANNOUNCED, S.ANNOUNCED)
    assert last.reason == "与省政府会议冲突"
    assert events.as_utc(last.old_starts_at) == events.as_utc(START)
    assert events.as_utc(last.new_starts_at) == events.as_utc(LATER)
    [vevent] = Calendar.from_ical(events.invite_file(session, event.id,
                                                     actor=people.speaker)[1]).walk("VEVENT")
    assert str(vevent["UID"]) == uid
    assert int(vevent["SEQUENCE"]) == 1
    assert vevent.decoded("DTSTART") == LATER


def test_postpone_twice_raises_sequence_each_time(session, people):
    event = book(session, people)

    for days in (1, 2):
        moved = START + timedelta(days=days)
        event_flow.postpone(session, actor=people.speaker, event_id=event.id,
                            starts_at=moved, ends_at=moved + timedelta(hours=1),
                            reason=f"第{days}次调整", now=BEFORE)
    session.commit()

    assert session.get(PressEvent, event.id).sequence == 2
    assert [r.reason for r in event_flow.history(session, event.id)][1:] == ["第1次调整",
                                                                           "第2次调整"]


def test_postpone_moves_activity_info_due(session, people):
    event = book(session, people)

    event_flow.postpone(session, actor=people.speaker, event_id=event.id, starts_at=LATER,
                        ends_at=LATER + timedelta(hours=1), reason="改期", now=BEFORE)
    session.commit()

    [row] = [r for r in deadlines.obligations_for(session, "press_event", event.id)
             if r.rule_key == rules.ACTIVITY_INFO]
    assert deadlines.due_of(session, row).at == LATER + timedelta(hours=25)


def test_postpone_without_reason_refused(session, people):
    event = book(session, people)

    with pytest.raises(InvalidInput):
        event_flow.postpone(session, actor=people.speaker, event_id=event.id,
                            starts_at=LATER, ends_at=LATER + timedelta(hours=1), reason=" ")


def test_postpone_same_time_refused(session, people):
    event = book(session, people)

    with pytest.raises(InvalidInput) as refused:
        event_flow.postpone(session, actor=people.speaker, event_id=event.id,
                            starts_at=START, ends_at=START + timedelta(hours=1), reason="改期")

    assert "相同" in refused.value.message


def test_edit_time_recorded_as_reschedule(session, people):
    event = book(session, people)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(starts_at=LATER, ends_at=LATER + timedelta(hours=1)))
    session.commit()

    last = changes(session, event.id)[-1]
    assert last.action == "reschedule"
    assert session.get(PressEvent, event.id).sequence == 1


def test_edit_time_records_end_times(session, people):
    event = book(session, people)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(ends_at=START + timedelta(hours=2)))
    session.commit()

    [row] = [r for r in event_flow.history(session, event.id) if r.action == "reschedule"]
    assert events.as_utc(row.old_ends_at) == events.as_utc(START + timedelta(hours=1))
    assert events.as_utc(row.new_ends_at) == events.as_utc(START + timedelta(hours=2))
    assert row.change == "2026-12-08 10:00—11:00 → 2026-12-08 10:00—12:00"
    assert session.get(PressEvent, event.id).sequence == 1


def test_edit_start_shows_both_times(session, people):
    event = book(session, people)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(starts_at=LATER, ends_at=LATER + timedelta(hours=1)))
    session.commit()

    [row] = [r for r in event_flow.history(session, event.id) if r.action == "reschedule"]
    assert row.change == "2026-12-08 10:00—11:00 → 2026-12-10 10:00—11:00"


def test_edit_title_only_is_not_reschedule(session, people):
    event = book(session, people)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(topic="春运交通保障工作", venue="厅三楼会议室"))
    session.commit()

    rows = event_flow.history(session, event.id)
    assert [r.action for r in rows] == ["create", "edit"]
    assert rows[-1].changed_fields == ("topic", "venue")
    assert rows[-1].change == ("主题：春运交通保障新闻发布会 → 春运交通保障工作；"
                               "地点：厅新闻发布厅 → 厅三楼会议室"
                               "（日历邀请随之更新，请重新发送或下载）")
    assert rows[-1].old_starts_at is None
    assert session.get(PressEvent, event.id).sequence == 1     # a new place and title


def test_edit_time_and_title_writes_two_rows(session, people):
    event = book(session, people)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(topic="春运交通保障工作",
                                         ends_at=START + timedelta(hours=2)))
    session.commit()

    rows = event_flow.history(session, event.id)
    assert [r.action for r in rows] == ["create", "reschedule", "edit"]
    assert rows[-1].change == "主题：春运交通保障新闻发布会 → 春运交通保障工作"


def test_edit_without_change_writes_no_row(session, people):
    event = book(session, people)

    events.update_event(session, actor=people.speaker, event_id=event.id,
                        data=event_input(topic="  春运交通保障新闻发布会 "))
    session.commit()

    assert [r.action for r in event_flow.history(session, event.id)] == ["create"]


def test_postpone_records_end_times(session, people):
    event = book(session, people)

    take(session, people, Action.POSTPONE, event.id)
    session.commit()

    row = event_flow.history(session, event.id)[-1]
    assert row.change == "2026-12-08 10:00—11:00 → 2026-12-10 10:00—11:00"


def test_edit_history_sqlite_and_postgresql(any_session):
    people = make_people(any_session)
    event = book(any_session, people)

    events.update_event(any_session, actor=people.speaker, event_id=event.id,
                        data=event_input(topic="春运交通保障工作",
                                         ends_at=START + timedelta(hours=2)))
    any_session.commit()

    rows = event_flow.history(any_session, event.id)
    assert [r.action for r in rows] == ["create", "reschedule", "edit"]
    assert rows[1].change == "2026-12-08 10:00—11:00 → 2026-12-08 10:00—12:00"
    assert rows[2].change == "主题：春运交通保障新闻发布会 → 春运交通保障工作"


def test_history_row_without_end_times_shows_starts(session, people):
    # A 改期 row written before the end times were recorded.
    event = book(session, people)
    session.add(EventStatusChange(event_id=event.id, action="reschedule", from_status="planning",
                                  to_status="planning", old_starts_at=events.as_utc(START),
                                  new_starts_at=events.as_utc(LATER),
                                  actor_id=people.speaker.id))
    session.commit()

    row = event_flow.history(session, event.id)[-1]
    assert row.change == "2026-12-08 10:00 → 2026-12-10 10:00"


def test_edit_after_held_refused(session, people):
    event = book(session, people)
    set_status(session, event.id, S.HELD)

    with pytest.raises(InvalidInput) as refused:
        events.update_event(session, actor=people.speaker, event_id=event.id,
                            data=event_input(topic="改过的主题"))

    assert "不能再修改" in refused.value.message


# --- after the event --------------------------------------------------------------------

def held_event(session, people, **overrides):
    event = book(session, people, **overrides)
    set_status(session, event.id, S.APPROVED)
    event_flow.hold(session, actor=people.speaker, event_id=event.id, now=AFTER)
    session.commit()
    return event


def test_hold_puts_transcript_on_board(session, people):
    event = held_event(session, people)

    rows = {r.rule_key: r for r in deadlines.obligations_for(session, "press_event", event.id)}
    assert set(rows) == {rules.ACTIVITY_INFO, rules.TRANSCRIPT}
    # Ends Tuesday 2026-12-08 11:00: 3 working days are Wednesday to Friday.
    assert deadlines.due_of(session, rows[rules.TRANSCRIPT]).day.isoformat() == "2026-12-11"
    assert rows[rules.TRANSCRIPT].owner_id == people.speaker.id
    assert session.get(PressEvent, event.id).held_at is not None


def test_written_qa_needs_no_transcript(session, people):
    event = held_event(session, people, kind=EventKind.WRITTEN_QA)

    rules_found = {r.rule_key for r in deadlines.obligations_for(session, "press_event",
                                                                  event.id)}
    assert rules_found == {rules.ACTIVITY_INFO}


def test_release_closes_linked_items(session, people):
    event = held_event(session, people)
    transcript = approved_draft(session, people, "春运发布会文字实录")
    info = approved_draft(session, people, "春运发布会重要政务活动信息")
    session.add(EventDraftLink(event_id=event.id, draft_id=transcript, role="transcript"))
    session.add(EventDraftLink(event_id=event.id, draft_id=info, role="activity_info"))
    session.commit()

    review.release(session, actor=people.speaker, draft_id=transcript)
    session.commit()
    statuses = {r.rule_key: r.status
                for r in deadlines.obligations_for(session, "press_event", event.id)}
    assert statuses == {rules.TRANSCRIPT: ObligationStatus.DONE,
                        rules.ACTIVITY_INFO: ObligationStatus.OPEN}

    review.release(session, actor=people.speaker, draft_id=info)
    session.commit()
    statuses = {r.rule_key: r.status
                for r in deadlines.obligations_for(session, "press_event", event.id)}
    assert statuses[rules.ACTIVITY_INFO] == ObligationStatus.DONE


def test_release_of_plain_link_closes_nothing(session, people):
    event = held_event(session, people)
    draft_id = approved_draft(session, people, "春运发布会新闻通稿")
    session.add(EventDraftLink(event_id=event.id, draft_id=draft_id, role=""))
    session.commit()

    review.release(session, actor=people.speaker, draft_id=draft_id)
    session.commit()

    assert {r.status for r in deadlines.obligations_for(session, "press_event", event.id)} \
        == {ObligationStatus.OPEN}


def test_archive_without_drafts_refused(session, people):
    event = held_event(session, people)

    with pytest.raises(Conflict) as refused:
        event_flow.archive(session, actor=people.speaker, event_id=event.id, now=AFTER)

    assert "文字实录、重要政务活动信息尚未发布" in refused.value.message
    session.rollback()
    assert session.get(PressEvent, event.id).status == S.HELD


def test_archive_with_override_keeps_reason(session, people):
    event = held_event(session, people)

    event_flow.archive(session, actor=people.speaker, event_id=event.id,
                       override_reason="实录已由省政府新闻办发布", now=AFTER)
    session.commit()

    last = changes(session, event.id)[-1]
    assert (last.action, last.to_status) == ("archive", S.ARCHIVED)
    assert last.reason == "实录已由省政府新闻办发布"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "event.archive")).one()
    assert '"override": true' in entry.detail


def test_archive_after_release_needs_no_reason(session, people):
    event = held_event(session, people)
    for role in ("transcript", "activity_info"):
        draft_id = approved_draft(session, people, f"春运发布会{role}")
        session.add(EventDraftLink(event_id=event.id, draft_id=draft_id, role=role))
        session.commit()
        review.release(session, actor=people.speaker, draft_id=draft_id)
        session.commit()

    event_flow.archive(session, actor=people.speaker, event_id=event.id, now=AFTER)
    session.commit()

    assert session.get(PressEvent, event.id).status == S.ARCHIVED
    assert changes(session, event.id)[-1].reason == ""


def test_followups_report_release(session, people):
    event = held_event(session, people, kind=EventKind.WRITTEN_QA)
    draft_id = approved_draft(session, people, "答记者问重要政务活动信息")
    session.add(EventDraftLink(event_id=event.id, draft_id=draft_id, role="activity_info"))
    session.commit()

    before = {f.document: (f.required, f.released) for f in event_flow.followups(session,
                                                                                 event.id)}
    review.release(session, actor=people.speaker, draft_id=draft_id)
    session.commit()
    after = {f.document: (f.required, f.released) for f in event_flow.followups(session,
                                                                                event.id)}

    assert before == {"transcript": (False, False), "activity_info": (True, False)}
    assert after == {"transcript": (False, False), "activity_info": (True, True)}


# --- the invite -------------------------------------------------------------------------

def test_invite_lists_guests_and_experts(session, people):
    event = book(session, people)

    [vevent] = Calendar.from_ical(events.invite_file(session, event.id,
                                                     actor=people.speaker)[1]).walk("VEVENT")

    names = [str(a.params["CN"]) for a in vevent.get("ATTENDEE")]
    assert names == ["陈静", "孙伟", "王强", "李娜", "刘洋"]


@pytest.mark.parametrize(("who", "allowed"), [
    ("speaker", True), ("clerk", True), ("leader", True), ("drafter", False),
    ("expert", True),    # 刘洋 is on the event as an expert
])
def test_invite_download_permission(session, people, who, allowed):
    event = book(session, people)
    actor = getattr(people, who)

    if allowed:
        name, _data = events.invite_file(session, event.id, actor=actor)
        assert name.endswith(".ics")
    else:
        with pytest.raises(PermissionDenied) as refused:
            events.invite_file(session, event.id, actor=actor)
        assert "组织者或出席人员" in refused.value.message


@pytest.fixture
def new_york_clock():
    """Run the process in America/New_York, so nothing may rely on the server's zone."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_invite_in_second_time_zone(session, people, new_york_clock):
    event = book(session, people)

    [vevent] = Calendar.from_ical(events.invite_file(session, event.id,
                                                     actor=people.speaker)[1]).walk("VEVENT")

    assert vevent.decoded("DTSTART") == datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)
    assert vevent["DTSTART"].params["TZID"] == "Asia/Shanghai"
