"""Booking warnings for press events, each with its kind: people booked twice (events and
meetings), places taken, weekends, holidays, unpublished years, over-long conferences and
bookings in the past."""

from datetime import datetime, timedelta

import pytest

from planner.config import get_settings
from planner.models import EventKind
from planner.services import event_flow, events, meetings
from planner.services.event_people import EventRole, parse_guests
from planner.services.events import IssueKind
from planner.timeutil import OFFICE_TZ
from planner.workdays import WarningLevel
from tests.event_setup import BEFORE, START, book, event_input, make_people

HOUR = timedelta(hours=1)


@pytest.fixture
def people(session):
    return make_people(session)


def kinds(issues) -> list[IssueKind]:
    return [issue.kind for issue in issues]


def at(year, month, day, hour=10) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=OFFICE_TZ)


def quiet_input(start: datetime, **overrides) -> events.EventInput:
    """A booking with its own people and room, so only the day can raise a warning."""
    values = dict(starts_at=start, ends_at=start + HOUR, venue="第三会议室", spokespeople="赵六",
                  host="", guests="", experts="")
    values.update(overrides)
    return event_input(**values)


def test_clean_booking_has_no_warnings(session, people):
    assert events.check_booking(session, quiet_input(START), now=BEFORE) == []


# --- people -----------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "text", "name", "their_role"), [
    ("spokespeople", "陈静", "陈静", "新闻发言人"),
    ("host", "孙伟", "孙伟", "主持人"),
    ("guests", "王强 省公路局局长", "王强", "嘉宾"),
    ("experts", "李娜（教授）", "李娜", "嘉宾"),         # an expert here, a guest there
    ("guests", "刘洋 西南交通大学教授", "刘洋", "专家"),   # a guest here, an expert there
])
def test_person_on_overlapping_event(session, people, field, text, name, their_role):
    book(session, people)
    data = quiet_input(START + timedelta(minutes=30), **{field: text})

    issues = events.check_booking(session, data, now=BEFORE)

    assert kinds(issues) == [IssueKind.PERSON_AT_EVENT]
    assert name in issues[0].message
    assert their_role in issues[0].message
    assert "春运交通保障新闻发布会" in issues[0].message


def test_each_person_reported(session, people):
    book(session, people)
    data = quiet_input(START, spokespeople="陈静", host="孙伟", guests="王强 局长\n李娜 副主任",
                       experts="刘洋 教授")

    issues = events.check_booking(session, data, now=BEFORE)

    assert kinds(issues) == [IssueKind.PERSON_AT_EVENT] * 5
    assert [i.message[:2] for i in issues] == ["陈静", "孙伟", "王强", "李娜", "刘洋"]


def test_person_after_other_event_ends_is_free(session, people):
    book(session, people)

    issues = events.check_booking(session, quiet_input(START + HOUR, spokespeople="陈静"),
                                  now=BEFORE)

    assert issues == []


def test_cancelled_event_blocks_nobody(session, people):
    event = book(session, people)
    event_flow.cancel(session, actor=people.speaker, event_id=event.id, reason="取消")
    session.commit()

    issues = events.check_booking(session, quiet_input(START, spokespeople="陈静",
                                                       venue="厅新闻发布厅"), now=BEFORE)

    assert issues == []


def convene(session, people, **overrides):
    values = dict(title="春运舆情会商会", starts_at=START - timedelta(minutes=30),
                  ends_at=START + timedelta(minutes=30), venue="厅三楼会议室",
                  user_ids=[people.leader.id], guests="王强 <wangqiang@example.gov.cn>")
    values.update(overrides)
    meeting = meetings.convene(session, actor=people.clerk, data=meetings.MeetingInput(**values))
    session.commit()
    return meeting


@pytest.mark.parametrize(("field", "text", "name"), [
    ("spokespeople", "赵丽", "赵丽"),              # an attendee with an account
    ("guests", "王强 省公路局局长", "王强"),        # a guest attendee, here a guest too
    ("experts", "王强 教授", "王强"),
])
def test_person_in_overlapping_meeting(session, people, field, text, name):
    convene(session, people)

    issues = events.check_booking(session, quiet_input(START, **{field: text}), now=BEFORE)

    assert kinds(issues) == [IssueKind.PERSON_AT_MEETING]
    assert name in issues[0].message
    assert "春运舆情会商会" in issues[0].message


# --- places -----------------------------------------------------------------------------

def test_venue_taken_by_event(session, people):
    book(session, people)

    issues = events.check_booking(session, quiet_input(START, venue="厅新闻发布厅"),
                                  now=BEFORE)

    assert kinds(issues) == [IssueKind.VENUE_AT_EVENT]
    assert "厅新闻发布厅" in issues[0].message


def test_online_room_taken_by_event(session, people):
    book(session, people, venue="", online_room="https://live.example.gov.cn/room/1")

    issues = events.check_booking(session, quiet_input(
        START, venue="", online_room="https://live.example.gov.cn/room/1"), now=BEFORE)

    assert kinds(issues) == [IssueKind.VENUE_AT_EVENT]


def test_venue_taken_by_meeting(session, people):
    convene(session, people, user_ids=[], guests="")

    issues = events.check_booking(session, quiet_input(START, venue="厅三楼会议室"),
                                  now=BEFORE)

    assert kinds(issues) == [IssueKind.VENUE_AT_MEETING]
    assert "春运舆情会商会" in issues[0].message


# --- days -------------------------------------------------------------------------------

def test_weekend_warned(session, people):
    issues = events.check_booking(session, quiet_input(at(2026, 12, 12)), now=BEFORE)

    assert kinds(issues) == [IssueKind.WEEKEND]
    assert "周末" in issues[0].message
    assert issues[0].level == WarningLevel.WARNING


def test_national_day_warned(session, people):
    issues = events.check_booking(session, quiet_input(at(2026, 10, 1)),
                                  now=at(2026, 9, 1))

    assert kinds(issues) == [IssueKind.HOLIDAY]
    assert "国庆节" in issues[0].message


def test_makeup_workday_is_information(session, people):
    issues = events.check_booking(session, quiet_input(at(2026, 10, 10)), now=at(2026, 9, 1))

    assert kinds(issues) == [IssueKind.MAKEUP_WORKDAY]
    assert issues[0].level == WarningLevel.INFO


def test_uncovered_year_warned(session, people):
    issues = events.check_booking(session, quiet_input(at(2027, 3, 3)), now=BEFORE)

    assert kinds(issues) == [IssueKind.YEAR_NOT_COVERED]
    assert "2027" in issues[0].message


def test_uncovered_year_holiday_estimated(session, people):
    issues = events.check_booking(session, quiet_input(at(2027, 10, 1)), now=BEFORE)

    assert kinds(issues) == [IssueKind.YEAR_NOT_COVERED, IssueKind.HOLIDAY]


# --- length and time --------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "minutes", "flagged"), [
    (EventKind.PRESS_CONFERENCE, 60, False),
    (EventKind.PRESS_CONFERENCE, 61, True),
    (EventKind.PRESS_CONFERENCE, 90, True),
    (EventKind.BRIEFING, 90, False),
    (EventKind.ONLINE_INTERVIEW, 120, False),
])
def test_conference_over_norm_flagged(session, people, kind, minutes, flagged):
    data = quiet_input(START, kind=kind, ends_at=START + timedelta(minutes=minutes))

    issues = events.check_booking(session, data, now=BEFORE)

    assert kinds(issues) == ([IssueKind.OVER_NORM] if flagged else [])
    if flagged:
        assert f"{minutes} 分钟" in issues[0].message


def test_norm_follows_setting(session, people, monkeypatch):
    monkeypatch.setenv("PLANNER_EVENT_NORM_MINUTES", "120")
    get_settings.cache_clear()
    data = quiet_input(START, ends_at=START + timedelta(minutes=90))

    issues = events.check_booking(session, data, now=BEFORE)

    get_settings.cache_clear()
    assert issues == []


def test_booking_in_past_warned(session, people):
    issues = events.check_booking(session, quiet_input(START), now=START + timedelta(days=1))

    assert kinds(issues) == [IssueKind.IN_PAST]
    assert "2026-12-08 10:00" in issues[0].message


# --- editing ----------------------------------------------------------------------------

def test_existing_event_does_not_conflict_with_itself(session, people):
    event = book(session, people)

    assert events.check_event(session, event.id, now=BEFORE) == []


def test_edit_rechecks_against_others(session, people):
    book(session, people)
    other = book(session, people, topic="另一场通气会", kind=EventKind.BRIEFING,
                 starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=1, hours=1),
                 venue="第二会议室", spokespeople="陈静", host="", guests="", experts="")
    assert events.check_event(session, other.id, now=BEFORE) == []

    moved = events.input_from_event(session, events.get_event(session, other.id))
    moved.starts_at, moved.ends_at = START, START + HOUR
    issues = events.check_booking(session, moved, exclude_id=other.id, now=BEFORE)

    assert kinds(issues) == [IssueKind.PERSON_AT_EVENT]
    assert "春运交通保障新闻发布会" in issues[0].message


# --- reading people ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("王强 省公路局局长", [("王强", "省公路局局长")]),
    ("王强 省公路局局长\n李娜 副主任", [("王强", "省公路局局长"), ("李娜", "副主任")]),
    ("王强、李娜", [("王强", ""), ("李娜", "")]),
    ("王强 党组成员、副厅长", [("王强", "党组成员、副厅长")]),
    ("王强 局长、李娜 副主任", [("王强", "局长"), ("李娜", "副主任")]),
    ("王强（省公路局局长）", [("王强", "省公路局局长")]),
    ("王强\u3000局长", [("王强", "局长")]),
    ("\n  \n", []),
])
def test_parse_guests(text, expected):
    assert [(p.name, p.title) for p in parse_guests(text)] == expected


def test_parse_guests_email_after_title():
    [person] = parse_guests("王强 局长 <wangqiang@example.gov.cn>", EventRole.EXPERT)

    assert (person.name, person.title, person.email, person.role) == (
        "王强", "局长", "wangqiang@example.gov.cn", EventRole.EXPERT)
