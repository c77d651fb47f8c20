"""Joint meetings on a real SQLite file: convening, conflicts, invites parsed back with
icalendar, the notice in Word, minutes with action items on the board, the calendar."""

import os
import time
from datetime import datetime, timedelta, timezone
from io import BytesIO

import pytest
from docx import Document
from icalendar import Calendar
from sqlmodel import select

from planner import deadlines as rules
from planner.documents.word import check_gbt9704
from planner.errors import Conflict, InvalidInput, PermissionDenied
from planner.models import (ActionItemStatus, AuditEntry, Draft, DraftKind, DraftStatus,
                            EventKind, MeetingStatus, ObligationStatus, User)
from planner.services import deadlines, drafts, events, meetings, review, schedule
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.office_setup import forwarded_item, make_office
from tests.review_ready import make_ready

START = datetime(2026, 12, 8, 15, 0, tzinfo=OFFICE_TZ)     # a Tuesday
LONG_TITLE = ("关于成都东站出租车拒载议价问题及春运期间综合交通枢纽运输保障工作的"
              "重大政务舆情会商联席会议（第三次）")
TRICKY_NAME = 'Li, Si; "Alex"'


@pytest.fixture
def office(session):
    return make_office(session)


def meeting_input(office, item_ids=(), **overrides) -> meetings.MeetingInput:
    values = dict(title="出租车拒载舆情会商联席会议", starts_at=START,
                  ends_at=START + timedelta(hours=1), venue="厅第三会议室",
                  agenda="一、通报舆情\n二、研究回应口径", opinion_ids=list(item_ids),
                  user_ids=[office.clerk.id, office.transport_head.id],
                  guests="王编辑 <wang@example.cn>、刘专家")
    values.update(overrides)
    return meetings.MeetingInput(**values)


def convened(session, office, **overrides):
    item = forwarded_item(session, office)
    meeting = meetings.convene(session, actor=office.clerk,
                               data=meeting_input(office, [item.id], **overrides))
    session.commit()
    return meeting


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    return calendar, calendar.walk("VEVENT")[0]


def actions(session):
    return [row.action for row in session.exec(select(AuditEntry).order_by(AuditEntry.id))]


# --- convening --------------------------------------------------------------------------

def test_convene_adds_default_and_item_units(session, office):
    meeting = convened(session, office)

    assert set(meetings.unit_ids_of(session, meeting.id)) == {
        office.publicity.id, office.information.id, office.transport.id, office.roads.id}
    assert meeting.status == MeetingStatus.SCHEDULED
    assert meeting.sequence == 0
    assert actions(session)[-1] == "meeting.convene"


def test_convene_invites_users_and_guests(session, office):
    meeting = convened(session, office)

    people = [(a.name, a.email) for a in meetings.attendees(session, meeting.id)]
    assert people == [("陈静", "chenjing@example.gov.cn"), ("孙处长", "sun@example.gov.cn"),
                      ("王编辑", "wang@example.cn"), ("刘专家", None)]


def test_convene_forbidden_for_drafter(session, office):
    with pytest.raises(PermissionDenied) as error:
        meetings.convene(session, actor=office.transport_drafter, data=meeting_input(office))

    assert "厅办公室" in error.value.message
    assert meetings.list_meetings(session) == []


@pytest.mark.parametrize("overrides, words", [
    ({"title": " "}, "会议名称不能为空"),
    ({"venue": "", "online_room": ""}, "会议地点或线上会议室"),
    ({"ends_at": START - timedelta(minutes=30)}, "必须晚于开始时间"),
])
def test_convene_invalid_input_named(session, office, overrides, words):
    with pytest.raises(InvalidInput) as error:
        meetings.convene(session, actor=office.clerk, data=meeting_input(office, **overrides))

    assert words in error.value.message


def test_suggested_people_are_unit_heads(session, office):
    people = meetings.suggested_people(session, [office.transport.id, office.roads.id])

    assert [user.display_name for user in people] == ["孙处长"]


# --- conflicts --------------------------------------------------------------------------

def test_check_booking_plain_tuesday_has_no_warning(session, office):
    assert meetings.check_booking(session, meeting_input(office)) == []


@pytest.mark.parametrize("day, words", [
    (datetime(2026, 12, 12, 15, 0, tzinfo=OFFICE_TZ), "周末"),
    (datetime(2026, 10, 1, 15, 0, tzinfo=OFFICE_TZ), "国庆节"),
])
def test_check_booking_warns_days_off(session, office, day, words):
    data = meeting_input(office, starts_at=day, ends_at=day + timedelta(hours=1))

    warnings = meetings.check_booking(session, data)

    assert any(words in message for message in warnings)


def test_check_booking_attendee_in_other_meeting(session, office):
    convened(session, office)
    later = START + timedelta(minutes=30)

    warnings = meetings.check_booking(session, meeting_input(
        office, title="另一场会", starts_at=later, ends_at=later + timedelta(hours=1),
        user_ids=[office.transport_head.id], guests=""))

    assert warnings == ["孙处长在 2026-12-08 15:00 已有会议：出租车拒载舆情会商联席会议。"
                        "如确需同时参加，请与相关会议协调。"]


def test_check_booking_attendee_at_press_event(session, office):
    events.create_event(session, actor=office.clerk, data=events.EventInput(
        kind=EventKind.PRESS_CONFERENCE, topic="春运新闻发布会", starts_at=START,
        ends_at=START + timedelta(hours=2), venue="新闻发布厅", spokespeople="孙处长"))
    session.commit()

    warnings = meetings.check_booking(session, meeting_input(office))

    assert len(warnings) == 1
    assert "孙处长在 2026-12-08 15:00 要参加新闻发布活动：春运新闻发布会" in warnings[0]


def test_check_booking_guest_expert_at_press_event(session, office):
    events.create_event(session, actor=office.clerk, data=events.EventInput(
        kind=EventKind.ONLINE_INTERVIEW, topic="网约车新政在线访谈", starts_at=START,
        ends_at=START + timedelta(hours=1), online_room="厅门户网站访谈间",
        spokespeople="赵处长", guests="王编辑 主任编辑", experts="刘专家 研究员"))
    session.commit()

    warnings = meetings.check_booking(session, meeting_input(office, user_ids=[]))

    assert len(warnings) == 2
    assert "刘专家在 2026-12-08 15:00 要参加新闻发布活动：网约车新政在线访谈" in warnings[0]
    assert "王编辑在 2026-12-08 15:00 要参加新闻发布活动：网约车新政在线访谈" in warnings[1]


def test_event_booking_sees_meeting(session, office):
    convened(session, office)

    warnings = events.check_booking(session, events.EventInput(
        kind=EventKind.BRIEFING, topic="通气会", starts_at=START + timedelta(minutes=15),
        ends_at=START + timedelta(hours=1), venue="新闻发布厅", spokespeople="孙处长",
        host="陈静"), now=START - timedelta(days=1))

    assert [w.message[:3] for w in warnings] == ["孙处长", "陈静在"]


def test_check_booking_ignores_cancelled_meeting(session, office):
    meeting = convened(session, office)
    meetings.cancel(session, actor=office.clerk, meeting_id=meeting.id, reason="改为书面会商")
    session.commit()

    assert meetings.check_booking(session, meeting_input(office, title="重新召集")) == []


# --- changes ----------------------------------------------------------------------------

def test_reschedule_keeps_uid_and_raises_sequence(session, office):
    meeting = convened(session, office)
    uid = meeting.uid

    moved = meetings.reschedule(session, actor=office.clerk, meeting_id=meeting.id,
                                starts_at=START + timedelta(days=1),
                                ends_at=START + timedelta(days=1, hours=1))
    session.commit()

    assert (moved.uid, moved.sequence) == (uid, 1)
    assert actions(session)[-1] == "meeting.reschedule"


def test_reschedule_forbidden_for_drafter(session, office):
    meeting = convened(session, office)

    with pytest.raises(PermissionDenied):
        meetings.reschedule(session, actor=office.transport_drafter, meeting_id=meeting.id,
                            starts_at=START, ends_at=START + timedelta(hours=2))


def test_cancel_needs_reason(session, office):
    meeting = convened(session, office)

    with pytest.raises(InvalidInput):
        meetings.cancel(session, actor=office.clerk, meeting_id=meeting.id, reason=" ")


def test_cancelled_meeting_cannot_be_rescheduled(session, office):
    meeting = convened(session, office)
    meetings.cancel(session, actor=office.clerk, meeting_id=meeting.id, reason="舆情已平息")

    with pytest.raises(Conflict) as error:
        meetings.reschedule(session, actor=office.clerk, meeting_id=meeting.id,
                            starts_at=START, ends_at=START + timedelta(hours=2))

    assert "已取消" in error.value.message


def test_invite_more_adds_people_and_raises_sequence(session, office):
    meeting = convened(session, office)

    meetings.invite_more(session, actor=office.clerk, meeting_id=meeting.id,
                         unit_ids=[office.outside.id], user_ids=[office.outsider.id],
                         guests="刘专家")
    session.commit()

    names = [a.name for a in meetings.attendees(session, meeting.id)]
    assert names.count("刘专家") == 1
    assert "法规" in names
    assert office.outside.id in meetings.unit_ids_of(session, meeting.id)
    assert meetings.get_meeting(session, meeting.id).sequence == 1


def test_invite_more_without_new_people_keeps_sequence(session, office):
    meeting = convened(session, office)
    present = [a.user_id for a in meetings.attendees(session, meeting.id) if a.user_id]
    units = meetings.unit_ids_of(session, meeting.id)

    with pytest.raises(InvalidInput) as error:
        meetings.invite_more(session, actor=office.clerk, meeting_id=meeting.id,
                             unit_ids=units, user_ids=present)

    assert "没有新增" in error.value.message
    assert meetings.get_meeting(session, meeting.id).sequence == 0


# --- invites, parsed back ---------------------------------------------------------------

def test_invite_request_fields(session, office):
    meeting = convened(session, office)

    name, data = meetings.invite_file(session, meeting.id, actor=office.clerk)
    calendar, event = parse(data)

    attendees = {str(a.params["CN"]): a for a in event.get("ATTENDEE")}
    assert name == "2026-12-08_出租车拒载舆情会商联席会议.ics"
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == START
    assert str(event["DTSTART"].params["TZID"]) == "Asia/Shanghai"
    assert str(event["ORGANIZER"]) == "mailto:chenjing@example.gov.cn"
    assert str(event["ORGANIZER"].params["CN"]) == "陈静（厅办公室）"
    assert sorted(attendees) == ["刘专家", "孙处长", "王编辑", "陈静"]
    assert str(attendees["孙处长"]) == "mailto:sun@example.gov.cn"
    assert attendees["孙处长"].params["ROLE"] == "REQ-PARTICIPANT"
    assert attendees["孙处长"].params["RSVP"] == "TRUE"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert len(event.walk("VALARM")) == 1


def test_invite_reschedule_updates_same_entry(session, office):
    meeting = convened(session, office)
    _, before = parse(meetings.invite_file(session, meeting.id, actor=office.clerk)[1])
    new_start = START + timedelta(days=2, hours=-6)

    meetings.reschedule(session, actor=office.clerk, meeting_id=meeting.id,
                        starts_at=new_start, ends_at=new_start + timedelta(hours=2))
    calendar, after = parse(meetings.invite_file(session, meeting.id, actor=office.clerk)[1])

    assert calendar["METHOD"] == "REQUEST"
    assert str(after["UID"]) == str(before["UID"])
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("DTSTART") == datetime(2026, 12, 10, 9, 0, tzinfo=OFFICE_TZ)
    assert after.decoded("DTEND") == datetime(2026, 12, 10, 11, 0, tzinfo=OFFICE_TZ)


def test_invite_cancel_method_and_status(session, office):
    meeting = convened(session, office)
    meetings.reschedule(session, actor=office.clerk, meeting_id=meeting.id,
                        starts_at=START, ends_at=START + timedelta(hours=2))

    meetings.cancel(session, actor=office.clerk, meeting_id=meeting.id, reason="舆情已平息")
    calendar, event = parse(meetings.invite_file(session, meeting.id, actor=office.clerk)[1])

    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == meeting.uid
    assert event["SEQUENCE"] == 2
    assert "舆情已平息" in str(event["DESCRIPTION"])
    assert event.walk("VALARM") == []


def test_invite_long_summary_and_tricky_name_survive(session, office):
    tricky = factories.make_user(session, "tricky", unit=office.roads, roles=set(),
                                 display_name=TRICKY_NAME, email="li.si@example.cn")
    meeting = convened(session, office, title=LONG_TITLE, user_ids=[tricky.id], guests="")

    data = meetings.invite_file(session, meeting.id, actor=office.clerk)[1]
    _, event = parse(data)

    attendee = event.get("ATTENDEE")
    attendee = attendee[0] if isinstance(attendee, list) else attendee
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    assert str(event["SUMMARY"]) == LONG_TITLE
    assert str(attendee.params["CN"]) == "Li, Si; “Alex”"
    assert str(attendee) == "mailto:li.si@example.cn"


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "UTC"])
def test_invite_times_ignore_server_tz(session, office, clean_tz, zone):
    meeting = convened(session, office)
    os.environ["TZ"] = zone
    time.tzset()

    try:
        _, event = parse(meetings.invite_file(session, meeting.id, actor=office.clerk)[1])
    finally:
        os.environ.pop("TZ", None)
        time.tzset()

    assert event.decoded("DTSTART") == START
    assert event.decoded("DTSTART").astimezone(timezone.utc).hour == 7


# --- the notice -------------------------------------------------------------------------

def test_notice_word_file(session, office):
    meeting = convened(session, office)

    name, data = meetings.notice_docx(session, meeting.id, actor=office.clerk)

    text = "\n".join(p.text for p in Document(BytesIO(data)).paragraphs)
    assert name == "关于召开出租车拒载舆情会商联席会议的通知.docx"
    assert "定于2026年12月8日 15:00—16:00召开出租车拒载舆情会商联席会议" in text
    assert "四、参会人员" in text
    assert "省交通宣传中心" in text
    assert "网民反映成都东站出租车拒载" in text
    assert "厅办公室" in text
    assert check_gbt9704(data) == []


# --- minutes and action items -----------------------------------------------------------

def minutes(session, office, meeting):
    due = datetime(2026, 12, 15, 18, 0, tzinfo=OFFICE_TZ)
    draft = meetings.record_minutes(
        session, actor=office.clerk, meeting_id=meeting.id, summary="会议由陈静主持。",
        decisions=["由运输服务处牵头核查", "", "24小时内发布权威信息"],
        actions=[meetings.ActionInput(task="核查东站出租车拒载情况并形成报告",
                                      unit_id=office.transport.id, due_at=due,
                                      owner_id=office.transport_head.id)])
    session.commit()
    return draft


def test_record_minutes_makes_internal_draft(session, office):
    meeting = convened(session, office)

    draft = minutes(session, office, meeting)

    stored = session.get(Draft, draft.id)
    text = "\n".join(f"{s.title}|{s.body}" for s in drafts.list_sections(session, draft.id))
    assert stored.kind == DraftKind.MEETING_MINUTES
    assert stored.disclosure == "not_public"
    assert meetings.get_meeting(session, meeting.id).status == MeetingStatus.HELD
    assert "议定事项|1. 由运输服务处牵头核查\n2. 24小时内发布权威信息" in text
    assert "责任单位：运输服务处；责任人：孙处长；完成时限：2026年12月15日" in text


def test_minutes_go_through_review(session, office):
    draft = minutes(session, office, convened(session, office))
    make_ready(session, office.clerk, draft.id)

    review.submit(session, actor=office.clerk, draft_id=draft.id)
    session.commit()

    assert session.get(Draft, draft.id).status == DraftStatus.PENDING_FIRST


def test_action_item_appears_on_board(session, office):
    meeting = convened(session, office)
    minutes(session, office, meeting)

    board = deadlines.board(session, now=datetime(2026, 12, 9, tzinfo=OFFICE_TZ))

    listed = [item for state in board.items.values() for item in state
              if item.rule_key == rules.MEETING_ACTION]
    assert [(i.title, i.unit_name, i.owner_name) for i in listed] == [
        ("核查东站出租车拒载情况并形成报告", "运输服务处", "孙处长")]


def test_close_action_by_owner_leaves_board(session, office):
    meeting = convened(session, office)
    minutes(session, office, meeting)
    action = meetings.actions_of(session, meeting.id)[0]

    meetings.close_action(session, actor=office.transport_head, action_id=action.id,
                          note="已形成核查报告")
    session.commit()

    rows = deadlines.obligations_for(session, "meeting_action", action.id)
    assert meetings.get_action(session, action.id).status == ActionItemStatus.CLOSED
    assert [row.status for row in rows] == [ObligationStatus.DONE]
    assert meetings.open_action_count(session, meeting.id) == 0


def test_close_action_forbidden_for_other_person(session, office):
    meeting = convened(session, office)
    minutes(session, office, meeting)
    action = meetings.actions_of(session, meeting.id)[0]

    with pytest.raises(PermissionDenied):
        meetings.close_action(session, actor=office.roads_drafter, action_id=action.id)


def test_close_action_twice_refused(session, office):
    meeting = convened(session, office)
    minutes(session, office, meeting)
    action = meetings.actions_of(session, meeting.id)[0]
    meetings.close_action(session, actor=office.clerk, action_id=action.id)

    with pytest.raises(Conflict):
        meetings.close_action(session, actor=office.clerk, action_id=action.id)


def test_minutes_for_cancelled_meeting_refused(session, office):
    meeting = convened(session, office)
    meetings.cancel(session, actor=office.clerk, meeting_id=meeting.id, reason="改期另议")

    with pytest.raises(Conflict):
        minutes(session, office, meeting)


def test_minutes_action_without_task_named(session, office):
    meeting = convened(session, office)

    with pytest.raises(InvalidInput) as error:
        meetings.record_minutes(session, actor=office.clerk, meeting_id=meeting.id, summary="",
                                decisions=[], actions=[meetings.ActionInput(
                                    task=" ", unit_id=office.transport.id, due_at=START)])

    assert "第 1 项" in error.value.message


# --- the calendar -----------------------------------------------------------------------

@pytest.fixture
def busy_december(session, office):
    """A press event, a meeting and a cancelled meeting in the week of 2026-12-07."""
    events.create_event(session, actor=office.clerk, data=events.EventInput(
        kind=EventKind.PRESS_CONFERENCE, topic="春运新闻发布会",
        starts_at=START - timedelta(hours=5), ends_at=START - timedelta(hours=4),
        venue="新闻发布厅", spokespeople="孙处长、王明 <wangming@example.gov.cn>"))
    meeting = convened(session, office)
    other = meetings.convene(session, actor=office.clerk, data=meeting_input(
        office, title="已取消的会", starts_at=START + timedelta(days=1),
        ends_at=START + timedelta(days=1, hours=1), user_ids=[office.roads_drafter.id],
        guests=""))
    meetings.cancel(session, actor=office.clerk, meeting_id=other.id, reason="不再需要")
    session.commit()
    return meeting


def titles(found):
    return [entry.title for entry in found]


def test_calendar_week_shows_events_and_meetings(session, office, busy_december):
    period = schedule.week_period(START.date())

    found = schedule.entries(session, start=period.start, end=period.end)

    assert (period.start.isoformat(), period.end.isoformat()) == ("2026-12-07", "2026-12-13")
    assert titles(found) == ["新闻发布会：春运新闻发布会", "出租车拒载舆情会商联席会议"]
    assert [entry.kind for entry in found] == ["event", "meeting"]


def test_calendar_month_covers_whole_weeks():
    period = schedule.month_period(START.date())

    assert (period.start.isoformat(), period.end.isoformat()) == ("2026-11-30", "2027-01-03")
    assert len(period.days) == 35


@pytest.mark.parametrize("filters, expected", [
    (schedule.CalendarFilter(person="孙处长"),
     ["新闻发布会：春运新闻发布会", "出租车拒载舆情会商联席会议"]),
    (schedule.CalendarFilter(person="王明"), ["新闻发布会：春运新闻发布会"]),
    (schedule.CalendarFilter(person="王"), []),
    (schedule.CalendarFilter(person="路明", include_cancelled=True), ["已取消的会"]),
    (schedule.CalendarFilter(unit_id=-1), []),
])
def test_calendar_filters(session, office, busy_december, filters, expected):
    found = schedule.entries(session, start=START.date() - timedelta(days=3),
                             end=START.date() + timedelta(days=3), filters=filters)

    assert titles(found) == expected


def test_calendar_unit_filter(session, office, busy_december):
    transport = schedule.CalendarFilter(unit_id=office.transport.id)

    found = schedule.entries(session, start=START.date(), end=START.date(), filters=transport)

    assert titles(found) == ["新闻发布会：春运新闻发布会", "出租车拒载舆情会商联席会议"]


def test_calendar_export_parses_back(session, office, busy_december):
    name, data = schedule.export_ics(session, actor=office.clerk, start=START.date(),
                                     end=START.date())

    calendar = Calendar.from_ical(data)
    found = calendar.walk("VEVENT")
    assert name == "日程_2026-12-08_2026-12-08.ics"
    assert calendar["METHOD"] == "PUBLISH"
    assert sorted(str(e["SUMMARY"]) for e in found) == ["出租车拒载舆情会商联席会议",
                                                        "新闻发布会：春运新闻发布会"]
    assert busy_december.uid in [str(e["UID"]) for e in found]
    assert all(e.get("ATTENDEE") is None for e in found)


def test_calendar_export_reversed_range_refused(session, office):
    with pytest.raises(InvalidInput):
        schedule.export_ics(session, actor=office.clerk, start=START.date(),
                            end=START.date() - timedelta(days=1))


def test_person_feed_includes_cancelled(session, office, busy_december):
    user = session.get(User, office.roads_drafter.id)

    name, data = schedule.person_feed(session, actor=user, now=START - timedelta(days=1))

    found = Calendar.from_ical(data).walk("VEVENT")
    assert name == "我的日程_路明.ics"
    assert [(str(e["SUMMARY"]), str(e["STATUS"])) for e in found] == [
        ("已取消的会", "CANCELLED")]


def test_by_day_spreads_two_day_entry(session, office):
    meeting = convened(session, office, ends_at=START + timedelta(days=1))
    period = schedule.week_period(START.date())

    days = schedule.by_day(schedule.entries(session, start=period.start, end=period.end), period)

    assert sorted(day.isoformat() for day in days) == ["2026-12-08", "2026-12-09"]
    assert days[START.date()][0].id == meeting.id


def test_write_feeds_one_file_per_user(session, office, busy_december, tmp_path):
    written = schedule.write_feeds(session, folder=tmp_path / "feeds",
                                   now=START - timedelta(days=1))

    lu = Calendar.from_ical((tmp_path / "feeds" / "lu.ics").read_bytes())
    assert [path.name for path in written] == ["clerk.ics", "fa.ics", "head.ics", "lu.ics",
                                               "root.ics", "yun.ics"]
    assert [str(e["SUMMARY"]) for e in lu.walk("VEVENT")] == ["已取消的会"]
    assert list((tmp_path / "feeds").glob("*.partial")) == []
