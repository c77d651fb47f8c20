"""Meeting requests by e-mail: the invite as calendars expect it, the notice attached.

Each attendee with an e-mail address gets one message:

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8            what the meeting is, for any mail client
        text/calendar; method=REQUEST; charset=UTF-8   the invite (CANCEL once cancelled)
      application/vnd…wordprocessingml.document   会议通知.docx (not with a cancellation)

Outlook, Apple Mail and the webmail of Chinese providers show the calendar part as a
meeting request with accept and decline buttons. The calendar part is base64, so its
CRLF line ends and folded lines reach the client byte for byte.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

from sqlmodel import Session

from planner import mail
from planner.config import MailSettings, get_mail_settings
from planner.errors import InvalidInput
from planner.i18n import t
from planner.ical import Invite, build_invite
from planner.models import User
from planner.permissions import require
from planner.services import audit, meetings
from planner.timeutil import format_office

logger = logging.getLogger(__name__)

DOCX_SUBTYPE = "vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class SendResult:
    method: str                      # REQUEST or CANCEL
    sent_to: list[str] = field(default_factory=list)          # e-mail addresses
    without_email: list[str] = field(default_factory=list)    # names that got nothing


def send_invites(session: Session, *, actor: User, meeting_id: int,
                 settings: MailSettings | None = None,
                 now: datetime | None = None) -> SendResult:
    """Mail the meeting's current invite to every attendee with an address (厅办公室).

    Call again after a reschedule (same UID, higher SEQUENCE) or a cancellation
    (METHOD:CANCEL); calendars then update or remove the entry they have.
    """
    require(session, actor, "convene_meeting", meetings.CONVENOR_ROLES)
    settings = settings or get_mail_settings()
    if not settings.configured:
        raise InvalidInput("meeting.mail_not_configured")

    invite = meetings.invite(session, meeting_id, organizer_email=_address(settings.smtp_from))
    ics = build_invite(invite, now=now)
    notice = (meetings.notice_docx(session, meeting_id, actor=actor)
              if invite.method == "REQUEST" else None)
    result = SendResult(method=invite.method)
    messages = []
    for person in invite.attendees:
        if not person.email:
            result.without_email.append(person.name)
            continue
        messages.append((build_message(settings, invite, ics, notice, person.name,
                                       person.email), person.email))
        result.sent_to.append(person.email)

    mail.send_messages(settings, messages)
    audit.record(session, actor=actor, action="meeting.invites_sent", entity="meeting",
                 entity_id=meeting_id, detail={"method": invite.method,
                                               "sequence": invite.sequence,
                                               "sent": len(result.sent_to),
                                               "without_email": result.without_email})
    logger.info("meeting %s: %s invites mailed (sequence %s), %d without address",
                meeting_id, invite.method, invite.sequence, len(result.without_email))
    return result


def build_message(settings: MailSettings, invite: Invite, ics: bytes,
                  notice: tuple[str, bytes] | None, to_name: str,
                  to_address: str) -> EmailMessage:
    """Build one meeting request (or cancellation) for one recipient."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = formataddr((to_name, to_address))
    message["Subject"] = _subject(invite)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_address(settings.smtp_from).rpartition("@")[2]
                                       or "localhost")

    message.set_content(_text(invite, to_name), charset="utf-8")
    message.add_alternative(ics, maintype="text", subtype="calendar",
                            params={"method": invite.method, "charset": "UTF-8"})
    if notice is not None:
        name, data = notice
        message.add_attachment(data, maintype="application", subtype=DOCX_SUBTYPE,
                               filename=name)
    return message


def _subject(invite: Invite) -> str:
    if invite.method == "CANCEL":
        return t("meeting.mail_subject_cancel", title=invite.summary)
    if invite.sequence > 0:
        return t("meeting.mail_subject_update", title=invite.summary)
    return t("meeting.mail_subject", title=invite.summary)


def _text(invite: Invite, to_name: str) -> str:
    key = "meeting.mail_body_cancel" if invite.method == "CANCEL" else "meeting.mail_body"
    return t(key, name=to_name, title=invite.summary,
             time=f"{format_office(invite.starts_at)}—{format_office(invite.ends_at)[11:]}",
             place=invite.location or "—", organizer=invite.organizer.name,
             details=invite.description or "—")


def _address(sender: str) -> str:
    return parseaddr(sender)[1]
