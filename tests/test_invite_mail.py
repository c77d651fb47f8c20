"""Meeting requests sent to a local SMTP server (aiosmtpd on 127.0.0.1) and read back:
the MIME parts, the calendar method, the invite inside, and the notice attached."""

import socket
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from io import BytesIO

import pytest
from aiosmtpd.controller import Controller
from docx import Document
from icalendar import Calendar
from sqlmodel import select

from planner.config import MailSettings
from planner.errors import InvalidInput, PermissionDenied
from planner.mail_invites import send_invites
from planner.models import AuditEntry
from planner.services import meetings
from planner.timeutil import OFFICE_TZ
from tests.office_setup import forwarded_item, make_office

START = datetime(2026, 12, 8, 15, 0, tzinfo=OFFICE_TZ)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Inbox:
    """Keeps every message the test server accepts, with its envelope recipients."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                    policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = MailSettings(smtp_host="127.0.0.1", smtp_port=controller.port,
                            smtp_from="厅办公室 <office@example.gov.cn>", smtp_starttls=False)
    yield settings, inbox
    controller.stop()


@pytest.fixture
def office(session):
    return make_office(session)


@pytest.fixture
def meeting(session, office):
    item = forwarded_item(session, office)
    convened = meetings.convene(session, actor=office.clerk, data=meetings.MeetingInput(
        title="出租车拒载舆情会商联席会议", starts_at=START, ends_at=START + timedelta(hours=1),
        venue="厅第三会议室", opinion_ids=[item.id],
        user_ids=[office.clerk.id, office.transport_head.id],
        guests="王编辑 <wang@example.cn>、刘专家"))
    session.commit()
    return convened


def received(inbox, address):
    found = [message for recipients, message in inbox.messages if recipients == [address]]
    assert len(found) == 1, f"{len(found)} messages to {address}"
    return found[0]


def calendar_part(message):
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]


def test_send_invites_one_message_per_address(session, office, meeting, smtp):
    settings, inbox = smtp

    result = send_invites(session, actor=office.clerk, meeting_id=meeting.id, settings=settings)
    session.commit()

    assert sorted(recipients[0] for recipients, _ in inbox.messages) == [
        "chenjing@example.gov.cn", "sun@example.gov.cn", "wang@example.cn"]
    assert result.without_email == ["刘专家"]
    assert session.exec(select(AuditEntry.action)).all()[-1] == "meeting.invites_sent"


def test_invite_message_mime_structure(session, office, meeting, smtp):
    settings, inbox = smtp

    send_invites(session, actor=office.clerk, meeting_id=meeting.id, settings=settings)
    message = received(inbox, "sun@example.gov.cn")

    body, attachment = message.iter_parts()
    assert message.get_content_type() == "multipart/mixed"
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/calendar"]
    assert attachment.get_content_type() == DOCX
    assert message["Subject"] == "会议邀请：出租车拒载舆情会商联席会议"
    assert message["To"].addresses[0].display_name == "孙处长"


def test_invite_message_calendar_part(session, office, meeting, smtp):
    settings, inbox = smtp

    send_invites(session, actor=office.clerk, meeting_id=meeting.id, settings=settings)
    part = calendar_part(received(inbox, "sun@example.gov.cn"))

    calendar = Calendar.from_ical(part.get_content())
    event = calendar.walk("VEVENT")[0]
    assert part.get_param("method") == "REQUEST"
    assert part.get_param("charset") == "UTF-8"
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    assert event.decoded("DTSTART") == START
    assert str(event["ORGANIZER"]) == "mailto:chenjing@example.gov.cn"
    assert b"END:VCALENDAR\r\n" in part.get_payload(decode=True)


def test_invite_message_notice_attachment(session, office, meeting, smtp):
    settings, inbox = smtp

    send_invites(session, actor=office.clerk, meeting_id=meeting.id, settings=settings)
    attachment = list(received(inbox, "wang@example.cn").iter_attachments())[0]

    text = "\n".join(p.text for p in Document(BytesIO(attachment.get_content())).paragraphs)
    assert attachment.get_filename() == "关于召开出租车拒载舆情会商联席会议的通知.docx"
    assert "关于召开出租车拒载舆情会商联席会议的通知" in text
    assert "厅第三会议室" in text


def test_invite_plain_text_says_when_and_where(session, office, meeting, smtp):
    settings, inbox = smtp

    send_invites(session, actor=office.clerk, meeting_id=meeting.id, settings=settings)
    body = received(inbox, "wang@example.cn").get_body(preferencelist=("plain",))

    assert "王编辑：" in body.get_content()
    assert "2026-12-08 15:00—16:00" in body.get_content()
    assert "厅第三会议室" in body.get_content()


def test_reschedule_mail_updates_same_entry(session, office, meeting, smtp):
    settings, inbox = smtp
    meetings.reschedule(session, actor=office.clerk, meeting_id=meeting.id,
                        starts_at=START + timedelta(days=1),
                        ends_at=START + timedelta(days=1, hours=1))

    send_invites(session, actor=office.clerk, meeting_id=meeting.id, settings=settings)
    message = received(inbox, "sun@example.gov.cn")

    event = Calendar.from_ical(calendar_part(message).get_content()).walk("VEVENT")[0]
    assert message["Subject"] == "会议变更：出租车拒载舆情会商联席会议"
    assert str(event["UID"]) == meeting.uid
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == START + timedelta(days=1)


def test_cancel_mail_is_method_cancel_without_notice(session, office, meeting, smtp):
    settings, inbox = smtp
    meetings.cancel(session, actor=office.clerk, meeting_id=meeting.id, reason="舆情已平息")

    result = send_invites(session, actor=office.clerk, meeting_id=meeting.id, settings=settings)
    message = received(inbox, "sun@example.gov.cn")

    part = calendar_part(message)
    event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert result.method == "CANCEL"
    assert part.get_param("method") == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert list(message.iter_attachments()) == []
    assert message["Subject"] == "会议取消：出租车拒载舆情会商联席会议"


def test_send_without_smtp_refused(session, office, meeting):
    with pytest.raises(InvalidInput) as error:
        send_invites(session, actor=office.clerk, meeting_id=meeting.id,
                     settings=MailSettings())

    assert "smtp_host" in error.value.message


def test_send_forbidden_for_drafter(session, office, meeting, smtp):
    settings, inbox = smtp

    with pytest.raises(PermissionDenied):
        send_invites(session, actor=office.transport_drafter, meeting_id=meeting.id,
                     settings=settings)

    assert inbox.messages == []
