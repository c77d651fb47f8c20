"""Every export checks the roles of the person exporting and leaves one audit row naming
the file: meeting invites and notices, the calendar range and a person's feed, and the
舆情监测报告 Word file."""

import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from planner import reports
from planner.errors import PermissionDenied
from planner.models import AuditEntry
from planner.services import meetings, schedule
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.office_setup import forwarded_item, make_office

START = datetime(2026, 12, 8, 15, 0, tzinfo=OFFICE_TZ)     # a Tuesday
DAY = START.date()


@pytest.fixture
def office(session):
    return make_office(session)


@pytest.fixture
def meeting(session, office):
    """A meeting on an item forwarded to 运输服务处 and 省公路局; 孙处长 is invited."""
    item = forwarded_item(session, office)
    convened = meetings.convene(session, actor=office.clerk, data=meetings.MeetingInput(
        title="出租车拒载舆情会商联席会议", starts_at=START, ends_at=START + timedelta(hours=1),
        venue="厅第三会议室", opinion_ids=[item.id], user_ids=[office.transport_head.id]))
    session.commit()
    return convened


@pytest.fixture
def report(session, office, meeting):
    # The meeting's own item falls in November, so the report has something to count.
    return reports.build(session, actor=office.clerk, start=date(2026, 11, 1),
                         end=date(2026, 11, 30))


def audit_rows(session):
    return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)))


def last_row(session):
    return audit_rows(session)[-1]


EXPORTS = {
    "meeting_invite": lambda s, o, m, r: meetings.invite_file(s, m.id, actor=o.clerk),
    "meeting_notice": lambda s, o, m, r: meetings.notice_docx(s, m.id, actor=o.clerk),
    "calendar_range": lambda s, o, m, r: schedule.export_ics(s, actor=o.clerk, start=DAY,
                                                             end=DAY),
    "calendar_feed": lambda s, o, m, r: schedule.person_feed(s, actor=o.clerk),
    "opinion_report": lambda s, o, m, r: reports.to_docx(s, r, actor=o.clerk),
}


@pytest.mark.parametrize("export, action, entity, file_name", [
    ("meeting_invite", "meeting.invite_export", "meeting",
     "2026-12-08_出租车拒载舆情会商联席会议.ics"),
    ("meeting_notice", "meeting.notice_export", "meeting",
     "关于召开出租车拒载舆情会商联席会议的通知.docx"),
    ("calendar_range", "schedule.export", "calendar", "日程_2026-12-08_2026-12-08.ics"),
    ("calendar_feed", "schedule.export", "calendar", "我的日程_陈静.ics"),
    ("opinion_report", "opinion_report.export", "opinion_report",
     "政务舆情监测报告（2026年11月1日至2026年11月30日）.docx"),
])
def test_export_writes_one_audit_row(session, office, meeting, report, export, action,
                                     entity, file_name):
    before = len(audit_rows(session))

    name, data = EXPORTS[export](session, office, meeting, report)

    row = last_row(session)
    assert len(audit_rows(session)) == before + 1
    assert name == file_name
    assert len(data) > 0
    assert row.action == action
    assert row.actor_id == office.clerk.id
    assert row.unit_id == office.office_unit.id
    assert row.entity == entity
    assert row.entity_id == (meeting.id if entity == "meeting" else None)
    assert json.loads(row.detail)["file"] == file_name


def test_export_file_name_known_before_click(session, office, meeting, report):
    assert meetings.invite_file_name(meeting) == "2026-12-08_出租车拒载舆情会商联席会议.ics"
    assert meetings.notice_filename(meeting) == "关于召开出租车拒载舆情会商联席会议的通知.docx"
    assert schedule.export_filename(DAY, DAY) == "日程_2026-12-08_2026-12-08.ics"
    assert schedule.feed_filename(office.clerk) == "我的日程_陈静.ics"
    assert reports.export_filename(report) == "政务舆情监测报告（2026年11月1日至2026年11月30日）.docx"


def test_calendar_export_audit_names_range_and_filters(session, office, meeting):
    filters = schedule.CalendarFilter(person="孙处长")

    schedule.export_ics(session, actor=office.transport_drafter, start=DAY, end=DAY,
                        filters=filters)

    detail = json.loads(last_row(session).detail)
    assert detail["start"] == "2026-12-08"
    assert detail["end"] == "2026-12-08"
    assert detail["entries"] == 1
    assert detail["filters"]["person"] == "孙处长"


@pytest.mark.parametrize("who", ["transport_head", "transport_drafter", "roads_drafter"])
def test_meeting_invite_export_allowed_for_participant(session, office, meeting, who):
    actor = getattr(office, who)

    name, _ = meetings.invite_file(session, meeting.id, actor=actor)

    row = last_row(session)
    assert name.endswith(".ics")
    assert row.action == "meeting.invite_export"
    assert row.actor_id == actor.id


@pytest.mark.parametrize("export", [
    lambda s, o, m: meetings.invite_file(s, m.id, actor=o.outsider),
    lambda s, o, m: meetings.notice_docx(s, m.id, actor=o.outsider),
], ids=["meeting_invite", "meeting_notice"])
def test_meeting_export_forbidden_for_non_participant(session, office, meeting, export):
    before = len(audit_rows(session))

    with pytest.raises(PermissionDenied) as error:
        export(session, office, meeting)

    assert "查看这次会商会议" in error.value.message
    assert "厅办公室" in error.value.message
    assert len(audit_rows(session)) == before


def test_meeting_export_forbidden_for_deactivated_attendee(session, office, meeting):
    office.transport_head.is_active = False
    session.add(office.transport_head)
    session.flush()

    with pytest.raises(PermissionDenied):
        meetings.invite_file(session, meeting.id, actor=office.transport_head)


@pytest.mark.parametrize("export", [
    lambda s, user: schedule.export_ics(s, actor=user, start=DAY, end=DAY),
    lambda s, user: schedule.person_feed(s, actor=user),
], ids=["calendar_range", "calendar_feed"])
def test_calendar_export_forbidden_without_role(session, office, export):
    nobody = factories.make_user(session, "norole", unit=office.outside, roles=set(),
                                 display_name="无角色")
    before = len(audit_rows(session))

    with pytest.raises(PermissionDenied) as error:
        export(session, nobody)

    assert "导出日程" in error.value.message
    assert len(audit_rows(session)) == before


def test_report_export_forbidden_outside_office(session, office, report):
    before = len(audit_rows(session))

    with pytest.raises(PermissionDenied) as error:
        reports.to_docx(session, report, actor=office.transport_drafter)

    assert "舆情监测报告" in error.value.message
    assert len(audit_rows(session)) == before


def test_write_feeds_audits_run_without_actor(session, office, meeting, tmp_path):
    folder = tmp_path / "feeds"

    written = schedule.write_feeds(session, folder=folder, now=START - timedelta(days=1))

    row = last_row(session)
    assert row.action == "schedule.export"
    assert row.actor_id is None
    assert row.entity == "calendar"
    assert json.loads(row.detail)["files"] == [path.name for path in written]
    assert json.loads(row.detail)["folder"] == str(folder)
