"""The date-range export writes its events line by line. Parsed back with icalendar, they
must carry exactly the values of an invite built through icalendar's object model."""

from datetime import datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from planner.ical import Invite, Person, build_calendar, build_invite
from planner.timeutil import OFFICE_TZ

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=timezone.utc)
START = datetime(2026, 12, 8, 9, 30, tzinfo=OFFICE_TZ)
TRICKY = "关于“高速收费”的说明; 第一部分, 第二部分\\附件 🚄"
LONG = "关于成都东站出租车拒载议价问题及春运期间综合交通枢纽运输保障工作的重大政务舆情会商" * 3


def invite(**changes) -> Invite:
    values = dict(uid="a1@planner.example.cn", sequence=3, summary="新闻发布会：春运保障",
                  starts_at=START, ends_at=START + timedelta(hours=1, minutes=30),
                  organizer=Person("四川省交通运输厅, 新闻办", "xwb@example.cn"),
                  description="议程：\r\n一、通报情况\n二、答记者问", location="厅新闻发布厅, 三楼")
    values.update(changes)
    return Invite(**values)


def exported(item: Invite):
    return Calendar.from_ical(build_calendar([item], now=NOW)).walk("VEVENT")[0]


def reference(item: Invite):
    return Calendar.from_ical(build_invite(item, now=NOW)).walk("VEVENT")[0]


@pytest.mark.parametrize("item", [
    pytest.param(invite(), id="plain"),
    pytest.param(invite(summary=TRICKY, description=TRICKY, location=TRICKY), id="escapes"),
    pytest.param(invite(summary=LONG, description=LONG * 2), id="folded"),
    pytest.param(invite(method="CANCEL"), id="cancelled"),
    pytest.param(invite(organizer=Person("厅办公室")), id="organizer without e-mail"),
    pytest.param(invite(url="https://www.example.gov.cn/a?b=1,2;c", reminder_minutes=90),
                 id="url and reminder"),
])
def test_export_event_matches_invite(item):
    ours, theirs = exported(item), reference(item)

    for name in ("UID", "SEQUENCE", "SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "URL",
                 "DTSTAMP", "DTSTART", "DTEND"):
        assert ours.get(name) and ours.decoded(name) == theirs.decoded(name) or \
            ours.get(name) is theirs.get(name) is None, name
    assert str(ours["ORGANIZER"]) == str(theirs["ORGANIZER"])
    assert ours["ORGANIZER"].params["CN"] == theirs["ORGANIZER"].params["CN"]
    assert [a.decoded("TRIGGER") for a in ours.walk("VALARM")] == \
        [a.decoded("TRIGGER") for a in theirs.walk("VALARM")]


def test_export_lines_fold_within_75_octets():
    data = build_calendar([invite(summary=LONG, description=TRICKY * 20)], now=NOW)

    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")   # raises if a fold cut a character in two


@pytest.mark.parametrize("minutes, trigger", [(0, timedelta(0)), (30, timedelta(minutes=-30)),
                                              (120, timedelta(hours=-2))])
def test_export_reminder(minutes, trigger):
    alarm = exported(invite(reminder_minutes=minutes)).walk("VALARM")[0]

    assert alarm.decoded("TRIGGER") == trigger


def test_export_rejects_end_before_start():
    with pytest.raises(ValueError):
        build_calendar([invite(ends_at=START - timedelta(minutes=1))], now=NOW)
