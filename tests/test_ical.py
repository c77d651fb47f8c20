"""iCalendar invites: every file is parsed back with icalendar and checked field by field."""

import os
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from planner.errors import InvalidInput
from planner.ical import (
    Invite,
    Person,
    build_calendar,
    build_invite,
    invite_filename,
    new_uid,
)
from planner.timeutil import OFFICE_TZ

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=timezone.utc)
START = datetime(2026, 12, 8, 1, 30, tzinfo=timezone.utc)   # 09:30 in Asia/Shanghai
END = datetime(2026, 12, 8, 3, 0, tzinfo=timezone.utc)      # 11:00 in Asia/Shanghai
ORGANIZER = Person("四川省交通运输厅新闻办", "xwb@example.cn")


def make_invite(**changes) -> Invite:
    values = dict(uid="3f2b8c1e-0000-4000-8000-000000000001@planner.example.cn", sequence=0,
                  summary="新闻发布会：全省农村公路建设进展", starts_at=START, ends_at=END,
                  organizer=ORGANIZER,
                  attendees=[Person("王小明", "wang@example.cn"), Person("李四")],
                  description="议程：\n一、通报情况\n二、答记者问", location="厅新闻发布厅")
    values.update(changes)
    return Invite(**values)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def only_event(calendar: Calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


@pytest.fixture
def new_york_process_tz():
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


def test_build_invite_calendar_header():
    calendar = parse(build_invite(make_invite(), now=NOW))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["PRODID"].startswith("-//")


def test_build_invite_uid_and_sequence():
    event = only_event(parse(build_invite(make_invite(sequence=3), now=NOW)))

    assert event["UID"] == "3f2b8c1e-0000-4000-8000-000000000001@planner.example.cn"
    assert event.decoded("SEQUENCE") == 3


def test_build_invite_times_in_office_zone():
    data = build_invite(make_invite(), now=NOW)
    event = only_event(parse(data))

    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == END
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert b"DTSTART;TZID=Asia/Shanghai:20261208T093000\r\n" in data
    assert b"DTEND;TZID=Asia/Shanghai:20261208T110000\r\n" in data


def test_build_invite_dtstamp_is_utc_now():
    data = build_invite(make_invite(), now=NOW.astimezone(OFFICE_TZ))
    event = only_event(parse(data))

    assert event.decoded("DTSTAMP") == NOW
    assert b"DTSTAMP:20261204T020000Z\r\n" in data


def test_build_invite_vtimezone_single_standard():
    calendar = parse(build_invite(make_invite(), now=NOW))
    zones = calendar.walk("VTIMEZONE")

    assert len(zones) == 1
    assert zones[0]["TZID"] == "Asia/Shanghai"
    assert len(zones[0].walk("STANDARD")) == 1
    assert zones[0].walk("DAYLIGHT") == []
    standard = zones[0].walk("STANDARD")[0]
    assert standard.decoded("TZOFFSETFROM") == timedelta(hours=8)
    assert standard.decoded("TZOFFSETTO") == timedelta(hours=8)


def test_build_invite_summary_description_location():
    event = only_event(parse(build_invite(make_invite(url="https://example.cn/live/1"),
                                          now=NOW)))

    assert event["SUMMARY"] == "新闻发布会：全省农村公路建设进展"
    assert event["DESCRIPTION"] == "议程：\n一、通报情况\n二、答记者问"
    assert event["LOCATION"] == "厅新闻发布厅"
    assert event["URL"] == "https://example.cn/live/1"
    assert event["STATUS"] == "CONFIRMED"


def test_build_invite_organizer_cn_and_address():
    event = only_event(parse(build_invite(make_invite(), now=NOW)))

    assert event["ORGANIZER"] == "mailto:xwb@example.cn"
    assert event["ORGANIZER"].params["CN"] == "四川省交通运输厅新闻办"


@pytest.mark.parametrize("name", [
    "王小明",
    "欧阳娜娜",
    "李四,副处长;新闻发言人",
    "张三，“宣传处”;处长,发言人",
    "赵六：主持人:副厅长",
    "陈“老陈”,处长;委员",
])
def test_build_invite_attendee_cn_round_trip(name):
    invite = make_invite(organizer=Person(name, "org@example.cn"),
                         attendees=[Person(name, "guest@example.cn")])

    event = only_event(parse(build_invite(invite, now=NOW)))

    assert event["ORGANIZER"].params["CN"] == name
    assert event["ATTENDEE"].params["CN"] == name
    assert event["ATTENDEE"] == "mailto:guest@example.cn"


def test_build_invite_attendee_parameters():
    event = only_event(parse(build_invite(make_invite(), now=NOW)))
    attendees = event["ATTENDEE"]

    assert [a.params["CN"] for a in attendees] == ["王小明", "李四"]
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"


def test_build_invite_ascii_quote_replaced():
    invite = make_invite(attendees=[Person('王"小"明,处长', "wang@example.cn")])

    data = build_invite(invite, now=NOW)

    assert only_event(parse(data))["ATTENDEE"].params["CN"] == "王“小”明,处长"
    assert b"^'" not in data


def test_build_invite_name_line_break_replaced():
    invite = make_invite(attendees=[Person("王小明\r\n（主持人）\t", "wang@example.cn")])

    data = build_invite(invite, now=NOW)

    assert only_event(parse(data))["ATTENDEE"].params["CN"] == "王小明 （主持人）"
    assert b"^n" not in data


def test_build_invite_no_email_urn_uuid():
    first = only_event(parse(build_invite(make_invite(), now=NOW)))
    again = only_event(parse(build_invite(make_invite(sequence=1), now=NOW)))
    other = only_event(parse(build_invite(make_invite(attendees=[Person("李五")]), now=NOW)))

    address = str(first["ATTENDEE"][1])
    assert address.startswith("urn:uuid:")
    assert uuid.UUID(address.removeprefix("urn:uuid:")).version == 5
    assert str(again["ATTENDEE"][1]) == address
    assert str(other["ATTENDEE"]) != address
    assert first["ATTENDEE"][1].params["CN"] == "李四"


@pytest.mark.parametrize("email", [
    "wang at example",
    "wang@example",
    "<wang@example.cn>",
    "wang@example.cn\r\nATTENDEE:mailto:x@example.cn",
])
def test_build_invite_invalid_email_rejected(email):
    invite = make_invite(attendees=[Person("王小明", email)])

    with pytest.raises(InvalidInput) as caught:
        build_invite(invite, now=NOW)

    assert caught.value.key == "ical.email_invalid"
    assert email in caught.value.message
    assert "王小明" in caught.value.message


@pytest.mark.parametrize("minutes, raw", [(30, b"TRIGGER:-PT30M"), (15, b"TRIGGER:-PT15M")])
def test_build_invite_alarm_trigger(minutes, raw):
    data = build_invite(make_invite(reminder_minutes=minutes), now=NOW)
    alarms = only_event(parse(data)).walk("VALARM")

    assert len(alarms) == 1
    assert alarms[0]["ACTION"] == "DISPLAY"
    assert alarms[0].decoded("TRIGGER") == timedelta(minutes=-minutes)
    assert raw + b"\r\n" in data


def test_build_invite_cancel_sets_cancelled():
    calendar = parse(build_invite(make_invite(method="CANCEL", sequence=2), now=NOW))
    event = only_event(calendar)

    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event.decoded("SEQUENCE") == 2
    assert len(event["ATTENDEE"]) == 2
    assert event.walk("VALARM") == []


def test_build_invite_unknown_method_rejected():
    with pytest.raises(ValueError):
        build_invite(make_invite(method="PUBLISH"), now=NOW)


def test_build_invite_naive_time_rejected():
    with pytest.raises(ValueError):
        build_invite(make_invite(starts_at=datetime(2026, 12, 8, 9, 30)), now=NOW)


def test_build_invite_end_before_start_rejected():
    with pytest.raises(ValueError):
        build_invite(make_invite(starts_at=END, ends_at=START), now=NOW)


def test_build_invite_long_summary_folds():
    summary = "新闻发布会：关于进一步加强全省交通运输行业新闻发布和政策解读工作推动高质量发展的实施意见（2026年版）"

    data = build_invite(make_invite(summary=summary), now=NOW)
    lines = data.split(b"\r\n")

    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        line.decode("utf-8")  # raises if a fold split a character
    assert only_event(parse(data))["SUMMARY"] == summary


def test_build_invite_uses_crlf_line_endings():
    data = build_invite(make_invite(), now=NOW)

    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")


def test_build_invite_other_process_timezone(new_york_process_tz):
    assert time.localtime(START.timestamp()).tm_gmtoff == -5 * 3600

    data = build_invite(make_invite(), now=NOW)
    event = only_event(parse(data))

    assert b"DTSTART;TZID=Asia/Shanghai:20261208T093000\r\n" in data
    assert b"DTSTAMP:20261204T020000Z\r\n" in data
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == END


def test_build_invite_default_now_is_utc(new_york_process_tz):
    before = datetime.now(timezone.utc).replace(microsecond=0)

    event = only_event(parse(build_invite(make_invite())))

    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
    assert event.decoded("DTSTAMP") >= before


def test_build_calendar_publishes_many_events():
    invites = [make_invite(uid="a@planner.example.cn"),
               make_invite(uid="b@planner.example.cn", starts_at=START + timedelta(days=1),
                           ends_at=END + timedelta(days=1), method="CANCEL")]

    calendar = parse(build_calendar(invites, now=NOW))
    events = calendar.walk("VEVENT")

    assert calendar["METHOD"] == "PUBLISH"
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert [e["UID"] for e in events] == ["a@planner.example.cn", "b@planner.example.cn"]
    assert [e["STATUS"] for e in events] == ["CONFIRMED", "CANCELLED"]
    assert all("ATTENDEE" not in e for e in events)
    assert events[1].decoded("DTSTART") == START + timedelta(days=1)


def test_build_calendar_empty_list():
    calendar = parse(build_calendar([], now=NOW))

    assert calendar["METHOD"] == "PUBLISH"
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert calendar.walk("VEVENT") == []


@pytest.mark.parametrize("summary, starts_at, expected", [
    pytest.param("新闻发布会", START, "2026-12-08_新闻发布会.ics", id="plain"),
    pytest.param("答记者问/口径:第1版?", START, "2026-12-08_答记者问_口径_第1版.ics",
                 id="illegal characters"),
    pytest.param("新闻通气会", datetime(2026, 12, 7, 17, 0, tzinfo=timezone.utc),
                 "2026-12-08_新闻通气会.ics", id="office date, not UTC date"),
])
def test_invite_filename_cases(summary, starts_at, expected):
    assert invite_filename(summary, starts_at) == expected


def test_invite_filename_long_summary_shortened():
    name = invite_filename("关于进一步加强交通运输新闻发布工作的通知" * 10, START)

    assert name.startswith("2026-12-08_关于")
    assert name.endswith(".ics")
    assert len(name.encode("utf-8")) <= 255


def test_new_uid_unique_with_domain():
    first, second = new_uid("planner.example.cn"), new_uid("planner.example.cn")

    assert first != second
    assert first.endswith("@planner.example.cn")
    assert len(first) <= 128  # PressEvent.uid column length
