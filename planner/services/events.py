"""Press events: booking with conflict warnings, editing, and calendar invites."""

import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from planner.config import get_settings
from planner.errors import InvalidInput, NotFound
from planner.filenames import safe_filename
from planner.i18n import t
from planner.ical import Invite, Person, build_invite
from planner.models import EventDraftLink, EventKind, EventStatus, PressEvent, Role, User
from planner.permissions import require
from planner.services import audit, deadlines, holidays
from planner.timeutil import format_office, now_utc, to_office, to_utc
from planner.workdays import booking_warnings

logger = logging.getLogger(__name__)

# Separators people type between names: 、 ， , ； ; and line breaks.
_NAME_SEPARATORS = re.compile(r"[、，,；;\n]+")
_NAME_WITH_EMAIL = re.compile(r"^(?P<name>.*?)\s*[<＜](?P<email>[^<>＜＞\s]+@[^<>＜＞\s]+)[>＞]$")
# 新闻发言人 own their events; 厅办公室 organises them for the department.
EVENT_ORGANISERS = {Role.SPOKESPERSON, Role.GENERAL_OFFICE}


@dataclass
class EventInput:
    kind: EventKind
    topic: str
    starts_at: datetime
    ends_at: datetime
    venue: str = ""
    online_room: str = ""
    spokespeople: str = ""
    host: str = ""
    invited_media: str = ""
    agenda: str = ""
    policy_id: int | None = None
    draft_ids: list[int] = field(default_factory=list)


def check_booking(session: Session, data: EventInput, *, exclude_id: int | None = None
                  ) -> list[str]:
    """Return warnings for a booking: weekend, holiday, unknown year, and double bookings.

    The warnings do not block saving (create_event does not call this), because the office
    may hold an event on a Saturday on purpose.
    """
    _validate(data)
    calendar = holidays.calendar(session)
    messages = [warning.message for warning in booking_warnings(data.starts_at, data.ends_at,
                                                                calendar=calendar)]

    for other in _overlapping(session, data, exclude_id):
        mine = {person.name for person in parse_people(data.spokespeople)}
        theirs = {person.name for person in parse_people(other.spokespeople)}
        for person in sorted(mine & theirs):
            messages.append(t("event.spokesperson_busy", name=person, topic=other.topic,
                              time=format_office(other.starts_at)))
        if data.venue.strip() and data.venue.strip() == other.venue.strip():
            messages.append(t("event.venue_busy", venue=data.venue.strip(), topic=other.topic,
                              time=format_office(other.starts_at)))

    # The same people may be due at a joint meeting (meetings imports this module).
    from planner.services import meetings
    people = {person.name for person in parse_people(data.spokespeople) + parse_people(data.host)}
    messages += meetings.busy_in_meetings(session, people, data.starts_at, data.ends_at)
    return messages


def create_event(session: Session, *, actor: User, data: EventInput) -> PressEvent:
    require(session, actor, "create_event", EVENT_ORGANISERS)
    _validate(data)
    domain = get_settings().org_name.encode("utf-8").hex()[:16]
    event = PressEvent(uid=f"{uuid.uuid4()}@planner-{domain}", created_by=actor.id)
    _apply(event, data)
    session.add(event)
    session.flush()
    _link_drafts(session, event.id, data.draft_ids)

    audit.record(session, actor=actor, action="event.create", entity="press_event",
                 entity_id=event.id, detail={"topic": event.topic, "kind": event.kind,
                                             "starts_at": event.starts_at.isoformat()})
    deadlines.track_press_event(session, actor=actor, event=event)
    logger.info("press event %s booked for %s", event.id, event.starts_at.isoformat())
    return event


def update_event(session: Session, *, actor: User, event_id: int, data: EventInput) -> PressEvent:
    """Change an event; a new time raises the iCalendar SEQUENCE so calendars update it."""
    require(session, actor, "update_event", EVENT_ORGANISERS)
    _validate(data)
    event = get_event(session, event_id)
    moved = (_as_utc(event.starts_at), _as_utc(event.ends_at)) != (_as_utc(data.starts_at),
                                                                    _as_utc(data.ends_at))
    _apply(event, data)
    if moved:
        event.sequence += 1
    event.updated_at = now_utc()
    session.add(event)
    _link_drafts(session, event.id, data.draft_ids)

    audit.record(session, actor=actor, action="event.update", entity="press_event",
                 entity_id=event.id, detail={"rescheduled": moved, "sequence": event.sequence})
    deadlines.track_press_event(session, actor=actor, event=event)
    return event


def get_event(session: Session, event_id: int) -> PressEvent:
    event = session.get(PressEvent, event_id)
    if event is None:
        raise NotFound("event.not_found", id=event_id)
    return event


def list_events(session: Session) -> list[PressEvent]:
    return list(session.exec(select(PressEvent).order_by(PressEvent.starts_at.desc())))


def linked_draft_ids(session: Session, event_id: int) -> list[int]:
    links = session.exec(select(EventDraftLink).where(EventDraftLink.event_id == event_id))
    return [link.draft_id for link in links]


def invite_file(session: Session, event_id: int, *, actor: User,
                now: datetime | None = None) -> tuple[str, bytes]:
    """Build the event's .ics invite; returns (file name, bytes).

    The export is recorded as "event.invite_export" with the file name.
    """
    event = get_event(session, event_id)
    settings = get_settings()
    people = parse_people(event.spokespeople) + parse_people(event.host)
    method = "CANCEL" if event.status == EventStatus.CANCELLED else "REQUEST"

    invite = Invite(uid=event.uid, sequence=event.sequence,
                    summary=f"{t('event.kind.' + event.kind)}：{event.topic}",
                    starts_at=to_office(event.starts_at), ends_at=to_office(event.ends_at),
                    organizer=Person(name=settings.org_name),
                    attendees=_unique(people), description=_description(event),
                    location=event.venue or event.online_room, method=method)
    data = build_invite(invite, now=now)

    name = invite_filename(event)
    audit.record(session, actor=actor, action="event.invite_export", entity="press_event",
                 entity_id=event.id, detail={"file": name, "sequence": event.sequence,
                                             "method": method})
    logger.info("invite for event %s built (sequence %s, %s) by user %s", event.id,
                event.sequence, method, actor.id)
    return name, data


def invite_filename(event: PressEvent) -> str:
    """The .ics file name of an event, known before the invite is built."""
    return safe_filename(f"{format_office(event.starts_at)[:10]}_{event.topic}", "ics")


def parse_people(text: str) -> list[Person]:
    """Split "张三 <zhang@example.cn>、李四" into people; the e-mail address is optional."""
    people = []
    for chunk in _NAME_SEPARATORS.split(text or ""):
        chunk = chunk.strip()
        if not chunk:
            continue
        match = _NAME_WITH_EMAIL.match(chunk)
        if match:
            people.append(Person(name=match["name"].strip() or match["email"],
                                 email=match["email"]))
        else:
            people.append(Person(name=chunk))
    return people


def _unique(people: list[Person]) -> list[Person]:
    seen: dict[str, Person] = {}
    for person in people:
        seen.setdefault(person.name, person)
    return list(seen.values())


def _description(event: PressEvent) -> str:
    parts = [event.agenda.strip()]
    if event.online_room:
        parts.append(t("event.invite_online_room", room=event.online_room))
    if event.invited_media.strip():
        parts.append(t("event.invite_media", media=event.invited_media.strip()))
    return "\n\n".join(part for part in parts if part)


def _overlapping(session: Session, data: EventInput, exclude_id: int | None) -> list[PressEvent]:
    query = select(PressEvent).where(
        PressEvent.starts_at < _as_utc(data.ends_at),
        PressEvent.ends_at > _as_utc(data.starts_at),
        PressEvent.status != EventStatus.CANCELLED,
    )
    if exclude_id is not None:
        query = query.where(PressEvent.id != exclude_id)
    return list(session.exec(query))


def _validate(data: EventInput) -> None:
    if not data.topic.strip():
        raise InvalidInput("event.topic_missing")
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    if data.ends_at <= data.starts_at:
        raise InvalidInput("event.end_before_start", start=format_office(data.starts_at),
                           end=format_office(data.ends_at))
    if data.kind not in EventKind.__members__.values():
        raise InvalidInput("event.kind_invalid", kind=data.kind)


def _apply(event: PressEvent, data: EventInput) -> None:
    event.kind = EventKind(data.kind)
    event.topic = data.topic.strip()
    event.starts_at = _as_utc(data.starts_at)
    event.ends_at = _as_utc(data.ends_at)
    event.venue = data.venue.strip()
    event.online_room = data.online_room.strip()
    event.spokespeople = data.spokespeople.strip()
    event.host = data.host.strip()
    event.invited_media = data.invited_media.strip()
    event.agenda = data.agenda.strip()
    event.policy_id = data.policy_id


def _as_utc(moment: datetime) -> datetime:
    # Stored times may come back naive (SQLite); to_utc reads naive as office time,
    # so stored values go through to_office first, which reads naive as UTC.
    return to_utc(to_office(moment))


def _link_drafts(session: Session, event_id: int, draft_ids: list[int]) -> None:
    existing = set(linked_draft_ids(session, event_id))
    wanted = set(draft_ids)
    for draft_id in wanted - existing:
        session.add(EventDraftLink(event_id=event_id, draft_id=draft_id))
    for link in session.exec(select(EventDraftLink).where(EventDraftLink.event_id == event_id)):
        if link.draft_id not in wanted:
            session.delete(link)
