"""The office calendar: press events and joint meetings together, by month or week.

Filters narrow it to one person (a name as it appears among spokespeople, hosts and
meeting attendees) or one unit (meetings it takes part in, and events at which one of
its people speaks or hosts). A date range exports as one METHOD:PUBLISH .ics file, and
a person's own feed is the same for the weeks around today.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, or_, select

from planner.config import get_settings
from planner.errors import InvalidInput
from planner.filenames import safe_filename
from planner.i18n import t
from planner.ical import Invite, Person, build_calendar
from planner.models import (EventStatus, Meeting, MeetingAttendee, MeetingStatus, MeetingUnit,
                            PressEvent, Role, User)
from planner.permissions import require
from planner.services import audit, events
from planner.timeutil import combine_office, format_cn_date, now_utc, to_office

logger = logging.getLogger(__name__)

MAX_EXPORT_DAYS = 731
FEED_DAYS_BEFORE, FEED_DAYS_AFTER = 30, 180
EXPORT_ROLES = set(Role)      # anyone signed in who holds a role
CALENDAR_ENTITY = "calendar"


@dataclass(frozen=True)
class Entry:
    kind: str                 # "event" or "meeting"
    id: int
    uid: str
    sequence: int
    title: str                # 新闻发布会：主题, or the meeting's title
    starts_at: datetime       # Asia/Shanghai
    ends_at: datetime
    place: str
    people: tuple[str, ...]
    status: str               # the status code
    cancelled: bool
    description: str = ""


@dataclass
class CalendarFilter:
    person: str = ""
    unit_id: int | None = None
    include_cancelled: bool = False


@dataclass
class Period:
    start: date
    end: date                 # included
    days: list[date] = field(default_factory=list)


def month_period(anchor: date) -> Period:
    """Return the whole weeks (Monday to Sunday) that cover the month of `anchor`."""
    first = anchor.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    return Period(start, end, _days(start, end))


def week_period(anchor: date) -> Period:
    start = anchor - timedelta(days=anchor.weekday())
    end = start + timedelta(days=6)
    return Period(start, end, _days(start, end))


def entries(session: Session, *, start: date, end: date,
            filters: CalendarFilter | None = None) -> list[Entry]:
    """Return the events and meetings on the office-local days start..end, earliest first."""
    filters = filters or CalendarFilter()
    window = (combine_office(start, time.min), combine_office(end + timedelta(days=1), time.min))
    found = _event_entries(session, window, filters) + _meeting_entries(session, window, filters)
    return sorted(found, key=lambda entry: (entry.starts_at, entry.kind, entry.id))


def by_day(found: list[Entry], period: Period) -> dict[date, list[Entry]]:
    """Group the entries by day of the period; a two-day entry is listed on both days."""
    days: dict[date, list[Entry]] = defaultdict(list)
    for entry in found:
        last = (entry.ends_at - timedelta(microseconds=1)).date()
        day = max(entry.starts_at.date(), period.start)
        while day <= min(last, period.end):
            days[day].append(entry)
            day += timedelta(days=1)
    return days


def export_ics(session: Session, *, actor: User, start: date, end: date,
               filters: CalendarFilter | None = None,
               now: datetime | None = None) -> tuple[str, bytes]:
    """Export every entry of the range as one .ics file; returns (file name, bytes).

    Anyone signed in with a role may export; the export is recorded as "schedule.export".
    """
    require(session, actor, "calendar_export", EXPORT_ROLES)
    check_range(start, end)

    found = entries(session, start=start, end=end, filters=filters)
    data = build_calendar([_invite(entry) for entry in found], now=now)

    name = export_filename(start, end)
    audit.record(session, actor=actor, action="schedule.export", entity=CALENDAR_ENTITY,
                 entity_id=None, detail={"file": name, "start": start, "end": end,
                                         "entries": len(found), "filters": _filter_detail(filters)})
    logger.info("calendar export %s to %s: %d entries, %d bytes, by user %s", start, end,
                len(found), len(data), actor.id)
    return name, data


def check_range(start: date, end: date) -> None:
    """Refuse a reversed range or one longer than MAX_EXPORT_DAYS (InvalidInput)."""
    if end < start:
        raise InvalidInput("calendar.range_reversed", start=format_cn_date(start),
                           end=format_cn_date(end))
    if (end - start).days >= MAX_EXPORT_DAYS:
        raise InvalidInput("calendar.range_too_long", limit=MAX_EXPORT_DAYS)


def export_filename(start: date, end: date) -> str:
    """Return the .ics file name of a range export, known before the file is built."""
    return safe_filename(f"{t('calendar.export_name')}_{start}_{end}", "ics")


def person_feed(session: Session, *, actor: User, now: datetime | None = None
                ) -> tuple[str, bytes]:
    """Build the actor's own calendar file; returns (file name, bytes).

    The export is recorded as "schedule.export" with the file name.
    """
    require(session, actor, "calendar_export", EXPORT_ROLES)
    name, data = _feed(session, actor, now)

    audit.record(session, actor=actor, action="schedule.export", entity=CALENDAR_ENTITY,
                 entity_id=None, detail={"file": name, "feed_of": actor.id})
    logger.info("calendar feed of user %s built, %d bytes", actor.id, len(data))
    return name, data


def feed_filename(user: User) -> str:
    """Return the .ics file name of a person's own calendar, known before it is built."""
    return safe_filename(f"{t('calendar.feed_name')}_{user.display_name}", "ics")


def write_feeds(session: Session, *, folder: Path, now: datetime | None = None) -> list[Path]:
    """Write every active user's feed into `folder` as <username>.ics.

    A scheduled job runs this (python -m planner calendar-feeds) and a web server
    publishes the folder, so each person can subscribe to their own calendar. Each file
    is written under a temporary name and then renamed, so a subscriber never reads a
    half-written file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for user in session.exec(select(User).where(User.is_active).order_by(User.username)):
        target = folder / safe_filename(user.username, "ics")
        partial = target.with_suffix(".ics.partial")
        partial.write_bytes(_feed(session, user, now)[1])
        partial.replace(target)
        written.append(target)

    # The operator's command runs on the server without an app account, so no role can be
    # checked; the row (actor None, shown without a person) still lists the files written.
    audit.record(session, actor=None, action="schedule.export", entity=CALENDAR_ENTITY,
                 entity_id=None, detail={"folder": str(folder),
                                         "files": [path.name for path in written]})
    logger.info("wrote %d calendar feeds into %s", len(written), folder)
    return written


def people_names(session: Session) -> list[str]:
    """Return every name the person filter offers: active users, then the names on events."""
    names = dict.fromkeys(session.exec(select(User.display_name).where(User.is_active)
                                       .order_by(User.display_name)))
    for spokespeople, host in session.exec(select(PressEvent.spokespeople, PressEvent.host)):
        for person in events.parse_people(spokespeople) + events.parse_people(host):
            names.setdefault(person.name, None)
    return list(names)


# --- helpers ----------------------------------------------------------------------------

def _feed(session: Session, user: User, now: datetime | None) -> tuple[str, bytes]:
    """Build the person's events and meetings from a month back to half a year ahead, cancelled
    ones included so a subscribed calendar removes them."""
    today = to_office(now or now_utc()).date()
    filters = CalendarFilter(person=user.display_name, include_cancelled=True)
    found = entries(session, start=today - timedelta(days=FEED_DAYS_BEFORE),
                    end=today + timedelta(days=FEED_DAYS_AFTER), filters=filters)
    data = build_calendar([_invite(entry) for entry in found], now=now)
    return feed_filename(user), data


def _filter_detail(filters: CalendarFilter | None) -> dict:
    filters = filters or CalendarFilter()
    return {"person": filters.person, "unit_id": filters.unit_id,
            "include_cancelled": filters.include_cancelled}


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _event_entries(session: Session, window: tuple[datetime, datetime],
                   filters: CalendarFilter) -> list[Entry]:
    query = select(PressEvent).where(PressEvent.starts_at < window[1],
                                     PressEvent.ends_at > window[0])
    if not filters.include_cancelled:
        query = query.where(PressEvent.status != EventStatus.CANCELLED)
    if filters.person:
        pattern = f"%{filters.person}%"   # narrowed in SQL, then matched by whole name
        query = query.where(or_(PressEvent.spokespeople.like(pattern),
                                PressEvent.host.like(pattern)))
    unit_people = _unit_people(session, filters.unit_id)

    found = []
    for event in session.exec(query):
        people = tuple(p.name for p in events.parse_people(event.spokespeople)
                       + events.parse_people(event.host))
        if filters.person and filters.person not in people:
            continue
        if unit_people is not None and not unit_people & set(people):
            continue
        found.append(_event_entry(event, people))
    return found


def _event_entry(event: PressEvent, people: tuple[str, ...]) -> Entry:
    return Entry(kind="event", id=event.id, uid=event.uid, sequence=event.sequence,
                 title=f"{t('event.kind.' + event.kind)}：{event.topic}",
                 starts_at=to_office(event.starts_at), ends_at=to_office(event.ends_at),
                 place=event.venue or event.online_room, people=people, status=event.status,
                 cancelled=event.status == EventStatus.CANCELLED, description=event.agenda)


def _meeting_entries(session: Session, window: tuple[datetime, datetime],
                     filters: CalendarFilter) -> list[Entry]:
    query = select(Meeting).where(Meeting.starts_at < window[1], Meeting.ends_at > window[0])
    if not filters.include_cancelled:
        query = query.where(Meeting.status != MeetingStatus.CANCELLED)
    if filters.person:
        query = query.where(Meeting.id.in_(select(MeetingAttendee.meeting_id)
                                           .where(MeetingAttendee.name == filters.person)))
    if filters.unit_id is not None:
        query = query.where(or_(
            Meeting.id.in_(select(MeetingUnit.meeting_id)
                           .where(MeetingUnit.unit_id == filters.unit_id)),
            Meeting.id.in_(select(MeetingAttendee.meeting_id)
                           .where(MeetingAttendee.unit_id == filters.unit_id))))
    found = list(session.exec(query))
    people = _attendee_names(session, [meeting.id for meeting in found])
    return [_meeting_entry(meeting, people.get(meeting.id, ())) for meeting in found]


def _meeting_entry(meeting: Meeting, people: tuple[str, ...]) -> Entry:
    return Entry(kind="meeting", id=meeting.id, uid=meeting.uid, sequence=meeting.sequence,
                 title=meeting.title, starts_at=to_office(meeting.starts_at),
                 ends_at=to_office(meeting.ends_at),
                 place=meeting.venue or meeting.online_room, people=people,
                 status=meeting.status, cancelled=meeting.status == MeetingStatus.CANCELLED,
                 description=meeting.agenda)


def _attendee_names(session: Session, meeting_ids: list[int]) -> dict[int, tuple[str, ...]]:
    names: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(meeting_ids), 500):   # SQLite's bound-parameter limit
        rows = session.exec(select(MeetingAttendee.meeting_id, MeetingAttendee.name)
                            .where(MeetingAttendee.meeting_id.in_(meeting_ids[start:start + 500]))
                            .order_by(MeetingAttendee.id))
        for meeting_id, name in rows:
            names[meeting_id].append(name)
    return {meeting_id: tuple(found) for meeting_id, found in names.items()}


def _unit_people(session: Session, unit_id: int | None) -> set[str] | None:
    if unit_id is None:
        return None
    return set(session.exec(select(User.display_name).where(User.unit_id == unit_id)))


def _invite(entry: Entry) -> Invite:
    return Invite(uid=entry.uid, sequence=entry.sequence, summary=entry.title,
                  starts_at=entry.starts_at, ends_at=entry.ends_at,
                  organizer=Person(name=get_settings().org_name),
                  description=entry.description, location=entry.place,
                  method="CANCEL" if entry.cancelled else "REQUEST")
