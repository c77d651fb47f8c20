"""iCalendar invites (RFC 5545, iTIP methods from RFC 5546) built with icalendar 7.

One invite is a METHOD:REQUEST (or CANCEL) file for one event; an export is a
METHOD:PUBLISH file for many. Both carry their own VTIMEZONE for Asia/Shanghai, so a
client need not look up the zone behind TZID=Asia/Shanghai in its own database.
"""

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneStandard, vCalAddress

from planner.errors import InvalidInput
from planner.filenames import safe_filename
from planner.i18n import inside_quotes
from planner.timeutil import OFFICE_TZ, now_utc

logger = logging.getLogger(__name__)

PRODID = "-//Press Briefing Planner//planner.ical//ZH"
INVITE_METHODS = ("REQUEST", "CANCEL")

# Fixed namespace for the urn:uuid address of a person without an e-mail address. Changing
# it would make every client treat those attendees as new people.
PERSON_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:press-briefing-planner:person")

# A deliberately plain check: one @, no spaces, quotes or angle brackets, a dotted domain.
_EMAIL = re.compile(r"[\w.!#$&'*+/=^`{|}~-]+@[\w-]+(\.[\w-]+)+")
_CONTROL_OR_SPACE_RUN = re.compile(r"[\s\x00-\x1f\x7f]+")


@dataclass
class Person:
    """An organizer or attendee: the name becomes CN and the e-mail the mailto: address."""

    name: str
    email: str | None = None


@dataclass
class Invite:
    """One event as calendars see it.

    `uid` must stay the same for the event's whole life: the caller creates it once
    (see new_uid) and stores it with the event. A reschedule or cancellation sends the
    same uid with a higher `sequence`, so clients update the entry instead of adding one.
    """

    uid: str
    sequence: int
    summary: str
    starts_at: datetime  # timezone-aware; written as Asia/Shanghai wall time
    ends_at: datetime    # timezone-aware, later than starts_at
    organizer: Person
    attendees: list[Person] = field(default_factory=list)
    description: str = ""
    location: str = ""
    method: str = "REQUEST"  # REQUEST, or CANCEL for a cancelled event
    reminder_minutes: int = 30
    url: str = ""


def build_invite(invite: Invite, *, now: datetime | None = None) -> bytes:
    """Build the .ics file for one event. `now` (aware, default the clock) becomes DTSTAMP."""
    if invite.method not in INVITE_METHODS:
        raise ValueError(f"invite method must be one of {INVITE_METHODS}, "
                         f"not {invite.method!r}")

    calendar = _new_calendar(invite.method)
    calendar.add_component(_event(invite, _stamp(now), with_attendees=True))
    data = calendar.to_ical()

    logger.info("built %s invite uid=%s sequence=%s attendees=%d", invite.method, invite.uid,
                invite.sequence, len(invite.attendees))
    return data


def build_calendar(invites: list[Invite], *, now: datetime | None = None) -> bytes:
    """Build one METHOD:PUBLISH file holding every invite, for a date-range export.

    RFC 5546 allows no ATTENDEE in PUBLISH, so attendees are left out. An invite whose
    method is CANCEL is kept with STATUS:CANCELLED.

    The events are written line by line (_published_event) rather than through icalendar's
    object model, which spends about 1 ms per event: an export of thousands of events
    must take seconds, not tens of seconds. The calendar shell and VTIMEZONE still come
    from icalendar, and the tests parse every export back with it.
    """
    stamp = _stamp(now).strftime("%Y%m%dT%H%M%SZ")
    shell = _new_calendar("PUBLISH").to_ical()
    head, end = shell.rsplit(b"END:VCALENDAR", 1)
    data = head + b"".join(_published_event(invite, stamp) for invite in invites) \
        + b"END:VCALENDAR" + end

    logger.info("built calendar export with %d events", len(invites))
    return data


def invite_filename(summary: str, starts_at: datetime) -> str:
    """Return a download name such as 2026-12-08_新闻发布会：主题.ics (office-local date)."""
    local_date = _office_time(starts_at).date().isoformat()
    return safe_filename(f"{local_date}_{summary}", "ics")


def new_uid(domain: str) -> str:
    """Create a UID for a new event, for the caller to store with it.

    A random UUID, not one built from the row id, because ids restart after a database
    reset or in a second installation, and a reused UID makes clients overwrite an older,
    unrelated event in the recipients' calendars.
    """
    return f"{uuid.uuid4()}@{domain}"


def _new_calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_office_timezone())
    return calendar


def _office_timezone() -> Timezone:
    # China has kept UTC+8 without daylight saving time since September 1991, and this app
    # books no events before that, so one STANDARD rule describes the zone. That is why the
    # 1986-1991 DAYLIGHT rules, which icalendar 7.3's Timezone.from_tzid writes, are left out.
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(hours=8))
    standard.add("tzoffsetto", timedelta(hours=8))
    standard.add("tzname", "CST")

    zone = Timezone()
    zone.add("tzid", str(OFFICE_TZ.key))
    zone.add_component(standard)
    return zone


def _event(invite: Invite, stamp: datetime, *, with_attendees: bool) -> Event:
    starts_at, ends_at = _office_time(invite.starts_at), _office_time(invite.ends_at)
    if ends_at <= starts_at:
        raise ValueError(f"invite {invite.uid}: end {ends_at} is not after start {starts_at}")
    cancelled = invite.method == "CANCEL"

    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", invite.summary)
    _add_optional_text(event, invite)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _cal_address(invite.organizer))

    if with_attendees:
        for person in invite.attendees:
            event.add("attendee", _attendee_address(person))
    # A cancelled event gets no reminder, in case a client files the CANCEL as an entry of
    # its own instead of removing the event.
    if not cancelled:
        event.add_component(_alarm(invite))
    return event


def _published_event(invite: Invite, stamp: str) -> bytes:
    """Write one VEVENT of a PUBLISH export as RFC 5545 content lines (folded, CRLF-ended)."""
    starts_at, ends_at = _office_time(invite.starts_at), _office_time(invite.ends_at)
    if ends_at <= starts_at:
        raise ValueError(f"invite {invite.uid}: end {ends_at} is not after start {starts_at}")
    cancelled = invite.method == "CANCEL"
    zone = f";TZID={OFFICE_TZ.key}:"

    lines = [
        "BEGIN:VEVENT", f"UID:{_text_value(invite.uid)}", f"SEQUENCE:{invite.sequence}",
        f"DTSTAMP:{stamp}", f"DTSTART{zone}{starts_at:%Y%m%dT%H%M%S}",
        f"DTEND{zone}{ends_at:%Y%m%dT%H%M%S}", f"SUMMARY:{_text_value(invite.summary)}",
    ]
    for name, value in (("DESCRIPTION", invite.description), ("LOCATION", invite.location)):
        if value:
            lines.append(f"{name}:{_text_value(value)}")
    if invite.url:
        lines.append(f"URL:{invite.url}")
    lines += [f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
              _organizer_line(invite.organizer)]
    if not cancelled:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY",
                  f"DESCRIPTION:{_text_value(invite.summary)}",
                  f"TRIGGER:{_before(invite.reminder_minutes)}", "END:VALARM"]
    lines.append("END:VEVENT")
    return b"".join(_fold(line) for line in lines)


def _organizer_line(person: Person) -> str:
    address = _cal_address(person)   # checks the e-mail address and makes the URI
    name = address.params.get("CN")
    # _parameter_text has removed double quotes and line breaks, so quoting is always safe.
    return f'ORGANIZER;CN="{name}":{address}' if name else f"ORGANIZER:{address}"


def _text_value(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma, line break."""
    escaped = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _before(minutes: int) -> str:
    if minutes < 0:
        raise ValueError(f"reminder_minutes must be 0 or more, not {minutes}")
    if minutes == 0:
        return "PT0S"
    hours, rest = divmod(minutes, 60)
    duration = "-PT"
    if hours:
        duration += f"{hours}H"
    if rest:
        duration += f"{rest}M"
    return duration


def _fold(line: str) -> bytes:
    """Fold at 75 octets (RFC 5545 §3.1) without cutting a UTF-8 character in two."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:   # a continuation byte
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74   # continuation lines start with one space
    return b"\r\n ".join(parts) + b"\r\n"


def _add_optional_text(event: Event, invite: Invite) -> None:
    if invite.description:
        event.add("description", invite.description)
    if invite.location:
        event.add("location", invite.location)
    if invite.url:
        event.add("url", invite.url)


def _alarm(invite: Invite) -> Alarm:
    if invite.reminder_minutes < 0:
        raise ValueError(f"reminder_minutes must be 0 or more, not {invite.reminder_minutes}")

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", invite.summary)
    alarm.add("trigger", timedelta(minutes=-invite.reminder_minutes))
    return alarm


def _attendee_address(person: Person) -> vCalAddress:
    address = _cal_address(person)
    address.params["ROLE"] = "REQ-PARTICIPANT"
    address.params["PARTSTAT"] = "NEEDS-ACTION"
    address.params["RSVP"] = "TRUE"
    return address


def _cal_address(person: Person) -> vCalAddress:
    """Build the cal-address for a person: mailto: with an e-mail, else a urn:uuid.

    CAL-ADDRESS must be a URI. Without an e-mail address, a made-up mailto: address could
    send replies and updates to a mailbox that is not the person's, so the person gets a
    urn:uuid derived from the name instead. No mail can go to it, and it is the same in
    every update, so clients match the attendee across reschedules. Two people with
    exactly the same name and no e-mail address therefore share one address.
    """
    name = _parameter_text(person.name)
    email = (person.email or "").strip()
    if email and not _EMAIL.fullmatch(email):
        raise InvalidInput("ical.email_invalid", name=inside_quotes(name), email=email)
    if not name and not email:
        raise ValueError("a calendar person needs a name or an e-mail address")

    uri = f"mailto:{email}" if email else f"urn:uuid:{uuid.uuid5(PERSON_NAMESPACE, name)}"
    address = vCalAddress(uri)
    if name:
        address.params["CN"] = name
    return address


def _parameter_text(text: str) -> str:
    """Make a name safe as a parameter value that every client displays the same way.

    RFC 5545 forbids a double quote inside a quoted parameter value, and line breaks in
    any parameter value. icalendar 7 would write them with RFC 6868 escapes (^' and ^n),
    but RFC 6868 is an extension, and a client without it shows the escapes as typed. So
    line breaks and other control characters become one space, and each ASCII double
    quote becomes a Chinese quotation mark, alternating “ and ” as in written Chinese.
    Commas, semicolons and colons need no change because icalendar quotes the value.
    """
    single_line = _CONTROL_OR_SPACE_RUN.sub(" ", text).strip()

    parts = single_line.split('"')
    quoted = parts[0]
    for index, part in enumerate(parts[1:]):
        quoted += ("“" if index % 2 == 0 else "”") + part
    return quoted


def _office_time(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"calendar times must be timezone-aware, got naive {moment}")
    return moment.astimezone(OFFICE_TZ)


def _stamp(now: datetime | None) -> datetime:
    moment = now if now is not None else now_utc()
    if moment.tzinfo is None:
        raise ValueError(f"DTSTAMP must be timezone-aware, got naive {moment}")
    return moment.astimezone(timezone.utc)
