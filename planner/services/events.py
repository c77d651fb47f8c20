"""Press events: booking with structured warnings, editing, the list, and calendar invites.

The working cycle (approve, announce, hold, archive, cancel, postpone) lives in
planner.services.event_flow; the people on an event in planner.services.event_people.

Who: 新闻发言人 and 厅办公室 book and change events (EVENT_ORGANISERS). The invite, which
names everyone on the event, is downloaded by the organisers, the 单位负责人 who approve
events, the person who booked it, and the people named on it (by display name or e-mail).
"""

import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, or_
from sqlmodel import Session, select

from planner.config import get_settings
from planner.errors import InvalidInput, NotFound, PermissionDenied
from planner.filenames import safe_filename
from planner.i18n import inside_quotes, t
from planner.ical import Invite, Person, build_invite
from planner.models import (Draft, EventDraftLink, EventKind, EventStatus, Meeting,
                            MeetingStatus, Policy, PressEvent, Role, User)
from planner.permissions import has_any_role, require
from planner.services import audit, deadlines, draft_access, holidays
# parse_people and parse_guests stay importable from here: meetings and schedule use them.
from planner.services.event_people import (EventPerson, event_people, parse_guests,  # noqa: F401
                                           parse_people)
from planner.timeutil import format_office, now_utc, to_office, to_utc
from planner.workdays import WarningLevel, booking_warnings, office_day_start

logger = logging.getLogger(__name__)

# 新闻发言人 own their events; 厅办公室 organises them for the department.
EVENT_ORGANISERS = {Role.SPOKESPERSON, Role.GENERAL_OFFICE}
# 单位负责人 approve events (see event_flow); they also see the invite.
EVENT_APPROVERS = {Role.UNIT_HEAD}
# An edit keeps the status; after 已举行 the record stays as it was held.
EDITABLE = {EventStatus.PLANNING, EventStatus.APPROVED, EventStatus.ANNOUNCED}
MAX_TOPIC = 300
PAGE_SIZE = 50
CHOICE_LIMIT = 200    # policies and drafts offered in the booking form


class IssueKind(StrEnum):
    """The subject of a booking warning; the page and tests tell warnings apart by it."""

    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"       # information only: a 调休 working day
    YEAR_NOT_COVERED = "year_not_covered"   # the year's holiday notice is not known
    PERSON_AT_EVENT = "person_at_event"     # someone on this event is on another event
    PERSON_AT_MEETING = "person_at_meeting"
    VENUE_AT_EVENT = "venue_at_event"       # the venue or online room is taken
    VENUE_AT_MEETING = "venue_at_meeting"
    OVER_NORM = "over_norm"                 # a 新闻发布会 longer than event_norm_minutes
    IN_PAST = "in_past"                     # the event starts before now


_DAY_KINDS = {"workdays.weekend": IssueKind.WEEKEND, "workdays.holiday": IssueKind.HOLIDAY,
              "workdays.makeup_workday": IssueKind.MAKEUP_WORKDAY,
              "workdays.year_not_covered": IssueKind.YEAR_NOT_COVERED}


@dataclass(frozen=True)
class BookingIssue:
    """One booking warning. None of them blocks saving: the office may hold an event on a
    Saturday or with a busy spokesperson on purpose, after reading the warning."""

    kind: IssueKind
    message: str
    level: WarningLevel = WarningLevel.WARNING


@dataclass
class EventInput:
    kind: EventKind
    topic: str
    starts_at: datetime     # timezone-aware
    ends_at: datetime
    venue: str = ""
    online_room: str = ""
    spokespeople: str = ""
    host: str = ""
    invited_media: str = ""
    agenda: str = ""
    policy_id: int | None = None
    draft_ids: list[int] = field(default_factory=list)
    guests: str = ""              # 嘉宾, one per line: 姓名 职务
    experts: str = ""             # 专家, one per line: 姓名 职务
    question_channel: str = ""    # 预告: where the public sends questions


@dataclass(frozen=True)
class EventFilter:
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    date_from: date | None = None   # office-local start date, inclusive
    date_to: date | None = None     # inclusive
    text: str = ""                  # in the topic, place or names


@dataclass(frozen=True)
class EventRow:
    id: int
    kind: str
    status: str
    topic: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    online_room: str
    spokespeople: str
    host: str


@dataclass(frozen=True)
class EventPage:
    rows: list[EventRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# --- booking and editing ----------------------------------------------------------------

def create_event(session: Session, *, actor: User, data: EventInput) -> PressEvent:
    """Book an event in 策划中; the booking warnings are the page's to show (check_booking)."""
    require(session, actor, "create_event", EVENT_ORGANISERS)
    _validate(session, data)
    domain = get_settings().org_name.encode("utf-8").hex()[:16]
    event = PressEvent(uid=f"{uuid.uuid4()}@planner-{domain}", created_by=actor.id,
                       unit_id=actor.unit_id, status=EventStatus.PLANNING)
    _apply(event, data)
    session.add(event)
    session.flush()
    _link_drafts(session, event.id, data.draft_ids, actor=actor)

    from planner.services import event_flow   # event_flow builds on this module
    event_flow.record_creation(session, actor=actor, event=event)
    audit.record(session, actor=actor, action="event.create", entity="press_event",
                 entity_id=event.id, detail={"topic": event.topic, "kind": event.kind,
                                             "starts_at": event.starts_at.isoformat()})
    deadlines.track_press_event(session, actor=actor, event=event)
    logger.info("press event %s booked for %s", event.id, event.starts_at.isoformat())
    return event


def update_event(session: Session, *, actor: User, event_id: int, data: EventInput) -> PressEvent:
    """Change an event before it is held.

    A new start or end time goes into the history as 改期 with both times. A change to
    anything else goes into the history as 修改活动信息, naming the changed fields
    (EDIT_FIELDS). A new time, place or title (INVITE_FIELDS) raises the iCalendar SEQUENCE
    once, because calendars replace an entry they hold only by a higher SEQUENCE. Links to
    drafts the actor may not read stay, since the form could not show them.
    """
    require(session, actor, "update_event", EVENT_ORGANISERS)
    _validate(session, data)
    event = get_event(session, event_id)
    if event.status not in EDITABLE:
        raise InvalidInput("event_flow.not_editable", topic=inside_quotes(event.topic),
                           status=t(f"event.status.{event.status}"))
    data = replace(data, draft_ids=_keep_unreadable_links(session, actor, event.id,
                                                          data.draft_ids))
    before = (as_utc(event.starts_at), as_utc(event.ends_at))
    moved = before != (as_utc(data.starts_at), as_utc(data.ends_at))
    previous = input_from_event(session, event)
    changed = changed_fields(previous, data)
    invite_changed = moved or any(name in INVITE_FIELDS for name in changed)
    _apply(event, data)
    if invite_changed:
        event.sequence += 1
    event.updated_at = now_utc()
    session.add(event)
    _link_drafts(session, event.id, data.draft_ids, actor=actor)

    from planner.services import event_flow   # event_flow builds on this module
    if moved:
        event_flow.record_reschedule(session, actor=actor, event=event, old_starts_at=before[0],
                                     old_ends_at=before[1])
    if changed:
        # A 改期 row already records the invite change, so only an edit without one marks it.
        event_flow.record_edit(session, actor=actor, event=event, fields=changed,
                               invite_raised=invite_changed and not moved,
                               values=edit_values(session, previous, data, changed))
    audit.record(session, actor=actor, action="event.update", entity="press_event",
                 entity_id=event.id, detail={"rescheduled": moved, "sequence": event.sequence,
                                             "changed": changed})
    deadlines.track_press_event(session, actor=actor, event=event)
    return event


# The fields an edit may change besides the times, in the order the booking form shows them.
EDIT_FIELDS = ("kind", "topic", "venue", "online_room", "spokespeople", "host", "guests",
               "experts", "question_channel", "invited_media", "agenda", "policy_id",
               "draft_ids")


# The fields whose change alters the invite's SUMMARY (活动类型：主题) or LOCATION.
INVITE_FIELDS = ("kind", "topic", "venue", "online_room")


def changed_fields(before: EventInput, after: EventInput) -> list[str]:
    """Return the EDIT_FIELDS whose value differs, text compared as saved (stripped)."""
    def saved(data: EventInput, name: str):
        value = getattr(data, name)
        if isinstance(value, str):
            return value.strip()
        return sorted(value) if isinstance(value, list) else value

    return [name for name in EDIT_FIELDS if saved(before, name) != saved(after, name)]


def edit_values(session: Session, before: EventInput, after: EventInput,
                names: list[str]) -> dict[str, tuple[str, str]]:
    """Return the before and after text of each changed field for the history: a policy
    by its title, the rest as saved. Linked drafts are left out, because a 不公开 draft's
    title is withheld from some readers of the history."""
    def shown(data: EventInput, name: str) -> str:
        value = getattr(data, name)
        if name == "policy_id":
            policy = session.get(Policy, value) if value is not None else None
            return policy.title if policy is not None else ""
        return str(value).strip()

    return {name: (shown(before, name), shown(after, name)) for name in names
            if name != "draft_ids"}


def input_from_event(session: Session, event: PressEvent) -> EventInput:
    """Return the event as an EventInput, to prefill the edit form and re-check its booking."""
    return EventInput(kind=EventKind(event.kind), topic=event.topic,
                      starts_at=to_office(event.starts_at), ends_at=to_office(event.ends_at),
                      venue=event.venue, online_room=event.online_room,
                      spokespeople=event.spokespeople, host=event.host,
                      invited_media=event.invited_media, agenda=event.agenda,
                      policy_id=event.policy_id,
                      draft_ids=linked_draft_ids(session, event.id, role=""),
                      guests=event.guests, experts=event.experts,
                      question_channel=event.question_channel)


def _keep_unreadable_links(session: Session, actor: User, event_id: int,
                           draft_ids: list[int]) -> list[int]:
    """Add to `draft_ids` the plain links to drafts `actor` may not read."""
    linked = linked_draft_ids(session, event_id, role="")
    if not linked:
        return list(draft_ids)

    readable = set(session.exec(select(Draft.id).where(
        Draft.id.in_(linked), draft_access.readable_condition(session, actor))))
    hidden = [draft_id for draft_id in linked if draft_id not in readable]
    return [*draft_ids, *(d for d in hidden if d not in draft_ids)]


# --- booking warnings -------------------------------------------------------------------

def check_booking(session: Session, data: EventInput, *, exclude_id: int | None = None,
                  now: datetime | None = None) -> list[BookingIssue]:
    """Return the warnings for a booking, each with its kind.

    Days: weekend, public holiday, 调休 working day (information), a year whose holiday
    notice is not known. People: each spokesperson, host, guest and expert already on an
    overlapping event or invited to an overlapping joint meeting. Place: the venue or
    online room taken by an overlapping event or meeting. Also a 新闻发布会 longer than
    event_norm_minutes, and a start before `now` (default: the clock).
    """
    _validate(session, data)
    others = _overlapping_events(session, data.starts_at, data.ends_at, exclude_id)
    issues = _day_issues(session, data)
    issues += _people_issues(session, data, others)
    issues += _place_issues(session, data, others)
    issues += _norm_and_time_issues(data, now or now_utc())
    return issues


def check_event(session: Session, event_id: int, *, now: datetime | None = None
                ) -> list[BookingIssue]:
    """Return the warnings for an event as it is booked now (the detail page shows them)."""
    event = get_event(session, event_id)
    return check_booking(session, input_from_event(session, event), exclude_id=event.id,
                         now=now)


def _day_issues(session: Session, data: EventInput) -> list[BookingIssue]:
    found = booking_warnings(data.starts_at, data.ends_at, calendar=holidays.calendar(session))
    return [BookingIssue(_DAY_KINDS[w.key], w.message, w.level) for w in found]


def _people_issues(session: Session, data: EventInput,
                   others: list[PressEvent]) -> list[BookingIssue]:
    mine = {person.name for person in people_of_input(data)}
    issues = []
    for other in others:
        for person in event_people(other):
            if person.name not in mine:
                continue
            issues.append(BookingIssue(IssueKind.PERSON_AT_EVENT, t(
                "event_flow.person_at_event", name=person.name,
                role=t(f"event_flow.role.{person.role}"), kind=t(f"event.kind.{other.kind}"),
                topic=inside_quotes(other.topic), time=format_office(other.starts_at))))

    from planner.services import meetings   # meetings imports this module
    issues += [BookingIssue(IssueKind.PERSON_AT_MEETING, message) for message in
               meetings.busy_in_meetings(session, mine, data.starts_at, data.ends_at)]
    return issues


def _place_issues(session: Session, data: EventInput,
                  others: list[PressEvent]) -> list[BookingIssue]:
    venue, room = data.venue.strip(), data.online_room.strip()
    issues = []
    for other in others:
        for mine, theirs in ((venue, other.venue.strip()), (room, other.online_room.strip())):
            if mine and mine == theirs:
                issues.append(BookingIssue(IssueKind.VENUE_AT_EVENT, t(
                    "event_flow.venue_at_event", venue=inside_quotes(mine),
                    topic=inside_quotes(other.topic), time=format_office(other.starts_at))))
    for meeting in _overlapping_meetings(session, data.starts_at, data.ends_at):
        for mine, theirs in ((venue, meeting.venue.strip()),
                             (room, meeting.online_room.strip())):
            if mine and mine == theirs:
                issues.append(BookingIssue(IssueKind.VENUE_AT_MEETING, t(
                    "event_flow.venue_at_meeting", venue=inside_quotes(mine),
                    title=inside_quotes(meeting.title), time=format_office(meeting.starts_at))))
    return issues


def _norm_and_time_issues(data: EventInput, now: datetime) -> list[BookingIssue]:
    issues = []
    norm = get_settings().event_norm_minutes
    minutes = int((data.ends_at - data.starts_at).total_seconds() // 60)
    if data.kind == EventKind.PRESS_CONFERENCE and minutes > norm:
        issues.append(BookingIssue(IssueKind.OVER_NORM, t(
            "event_flow.over_norm", minutes=minutes, norm=norm)))
    if as_utc(data.starts_at) < as_utc(now):
        issues.append(BookingIssue(IssueKind.IN_PAST, t(
            "event_flow.in_past", start=format_office(data.starts_at), now=format_office(now))))
    return issues


def _overlapping_events(session: Session, starts_at: datetime, ends_at: datetime,
                        exclude_id: int | None) -> list[PressEvent]:
    query = select(PressEvent).where(
        PressEvent.starts_at < as_utc(ends_at), PressEvent.ends_at > as_utc(starts_at),
        PressEvent.status != EventStatus.CANCELLED).order_by(PressEvent.starts_at, PressEvent.id)
    if exclude_id is not None:
        query = query.where(PressEvent.id != exclude_id)
    return list(session.exec(query))


def _overlapping_meetings(session: Session, starts_at: datetime,
                          ends_at: datetime) -> list[Meeting]:
    return list(session.exec(select(Meeting).where(
        Meeting.starts_at < as_utc(ends_at), Meeting.ends_at > as_utc(starts_at),
        Meeting.status != MeetingStatus.CANCELLED).order_by(Meeting.starts_at, Meeting.id)))


def people_of_input(data: EventInput) -> list[EventPerson]:
    """Everyone an EventInput names, each name once."""
    event = PressEvent(uid="", kind=data.kind, topic=data.topic, starts_at=data.starts_at,
                       ends_at=data.ends_at, spokespeople=data.spokespeople, host=data.host,
                       guests=data.guests, experts=data.experts)
    return event_people(event)


# --- reading ----------------------------------------------------------------------------

def get_event(session: Session, event_id: int) -> PressEvent:
    event = session.get(PressEvent, event_id)
    if event is None:
        raise NotFound("event.not_found", id=event_id)
    return event


def list_events(session: Session) -> list[PressEvent]:
    """Every event, latest first. Pages use search_events, which reads one page."""
    return list(session.exec(select(PressEvent).order_by(PressEvent.starts_at.desc())))


def search_events(session: Session, *, filters: EventFilter = EventFilter(), page: int = 1,
                  page_size: int = PAGE_SIZE) -> EventPage:
    """Return one page of events matching `filters`, latest first, and the number matching.

    Two queries whatever the number of events: a count, and the page's rows with
    LIMIT/OFFSET along the starts_at index. Only the listed columns are read.
    """
    conditions = _filter_conditions(filters)
    total = session.exec(select(func.count()).select_from(PressEvent).where(*conditions)).one()
    page = max(1, min(page, max(1, -(-total // page_size))))
    columns = (PressEvent.id, PressEvent.kind, PressEvent.status, PressEvent.topic,
               PressEvent.starts_at, PressEvent.ends_at, PressEvent.venue,
               PressEvent.online_room, PressEvent.spokespeople, PressEvent.host)
    rows = session.exec(select(*columns).where(*conditions)
                        .order_by(PressEvent.starts_at.desc(), PressEvent.id.desc())
                        .limit(page_size).offset((page - 1) * page_size)).all()
    return EventPage(rows=[EventRow(*row) for row in rows], total=total, page=page,
                     page_size=page_size)


def _filter_conditions(filters: EventFilter) -> list:
    conditions = []
    if filters.kinds:
        conditions.append(PressEvent.kind.in_(list(filters.kinds)))
    if filters.statuses:
        conditions.append(PressEvent.status.in_(list(filters.statuses)))
    if filters.date_from is not None:
        conditions.append(PressEvent.starts_at >= office_day_start(filters.date_from))
    if filters.date_to is not None:
        conditions.append(PressEvent.starts_at
                          < office_day_start(filters.date_to + timedelta(days=1)))
    text = filters.text.strip()
    if text:
        conditions.append(or_(*(column.contains(text, autoescape=True) for column in (
            PressEvent.topic, PressEvent.venue, PressEvent.online_room,
            PressEvent.spokespeople, PressEvent.host, PressEvent.guests,
            PressEvent.experts))))
    return conditions


def linked_draft_ids(session: Session, event_id: int, *, role: str | None = None) -> list[int]:
    """Drafts linked to the event; with `role`, only the links of that role ("" = plain)."""
    query = select(EventDraftLink.draft_id).where(EventDraftLink.event_id == event_id)
    if role is not None:
        query = query.where(EventDraftLink.role == role)
    return list(session.exec(query.order_by(EventDraftLink.draft_id)))


def link_choices(session: Session, *, actor: User, event_id: int | None = None,
                 limit: int = CHOICE_LIMIT) -> tuple[dict[int, str], dict[int, Draft]]:
    """Policies (id → title) and drafts the booking form offers: the latest `limit` of
    each, plus those the event already links, so a large database stays quick.

    Only drafts that `actor` may read are offered (draft_access), because a 不公开 draft's
    title is part of what is withheld. Booking an event gives no reading right.
    """
    policies = dict(session.exec(select(Policy.id, Policy.title)
                                 .order_by(Policy.created_at.desc(), Policy.id.desc())
                                 .limit(limit)).all())
    readable = draft_access.readable_condition(session, actor)
    drafts = {d.id: d for d in session.exec(select(Draft).where(readable).order_by(
        Draft.updated_at.desc(), Draft.id.desc()).limit(limit))}
    if event_id is not None:
        event = get_event(session, event_id)
        if event.policy_id is not None and event.policy_id not in policies:
            policy = session.get(Policy, event.policy_id)
            if policy is not None:
                policies[policy.id] = policy.title
        missing = set(linked_draft_ids(session, event_id)) - set(drafts)
        if missing:
            drafts.update({d.id: d for d in session.exec(
                select(Draft).where(Draft.id.in_(missing), readable))})
    return policies, drafts


def people_on(event: PressEvent) -> list[EventPerson]:
    """Everyone on the event (spokespeople, host, guests, experts), each name once."""
    return event_people(event)


# --- invites ----------------------------------------------------------------------------

def may_view_private(session: Session, actor: User, event: PressEvent) -> bool:
    """Tell whether the actor may see the invite and the attachments: an organiser, a
    单位负责人, the person who booked the event, or someone named on it."""
    if not actor.is_active:
        return False
    if has_any_role(session, actor, EVENT_ORGANISERS | EVENT_APPROVERS):
        return True
    if event.created_by == actor.id:
        return True
    people = event_people(event)
    email = (actor.email or "").strip().lower()
    return (actor.display_name in {p.name for p in people}
            or bool(email and email in {(p.email or "").lower() for p in people}))


def require_private_viewer(session: Session, actor: User, event_id: int) -> PressEvent:
    event = get_event(session, event_id)
    if not may_view_private(session, actor, event):
        logger.warning("user %s denied the invite and files of event %s", actor.id, event_id)
        raise PermissionDenied("event_flow.private_denied", topic=inside_quotes(event.topic))
    return event


def invite(session: Session, event_id: int) -> Invite:
    """Build the event as calendars see it: REQUEST, or CANCEL once cancelled (with a higher
    SEQUENCE)."""
    event = get_event(session, event_id)
    people = [Person(name=p.name, email=p.email) for p in event_people(event)]
    method = "CANCEL" if event.status == EventStatus.CANCELLED else "REQUEST"
    return Invite(uid=event.uid, sequence=event.sequence,
                  summary=f"{t('event.kind.' + event.kind)}：{event.topic}",
                  starts_at=to_office(event.starts_at), ends_at=to_office(event.ends_at),
                  organizer=Person(name=get_settings().org_name), attendees=people,
                  description=_description(event), location=event.venue or event.online_room,
                  method=method)


def invite_for(session: Session, *, actor: User, event_id: int) -> Invite:
    """Return the invite for the event page to describe, to those who may download it."""
    require_private_viewer(session, actor, event_id)
    return invite(session, event_id)


def invite_file(session: Session, event_id: int, *, actor: User,
                now: datetime | None = None) -> tuple[str, bytes]:
    """Build the event's .ics invite; returns (file name, bytes).

    Only someone who may see the event's private parts gets it (may_view_private). The
    export is recorded as "event.invite_export" with the file name.
    """
    event = require_private_viewer(session, actor, event_id)
    data = invite(session, event_id)
    content = build_invite(data, now=now)

    name = invite_filename(event)
    audit.record(session, actor=actor, action="event.invite_export", entity="press_event",
                 entity_id=event.id, detail={"file": name, "sequence": event.sequence,
                                             "method": data.method})
    logger.info("invite for event %s built (sequence %s, %s) by user %s", event.id,
                event.sequence, data.method, actor.id)
    return name, content


def invite_filename(event: PressEvent) -> str:
    """The .ics file name of an event, known before the invite is built."""
    return safe_filename(f"{format_office(event.starts_at)[:10]}_{event.topic}", "ics")


def _description(event: PressEvent) -> str:
    parts = [event.agenda.strip()]
    if event.status == EventStatus.CANCELLED and event.cancel_reason:
        parts.insert(0, t("event_flow.invite_cancelled", reason=event.cancel_reason))
    if event.online_room:
        parts.append(t("event.invite_online_room", room=event.online_room))
    if event.invited_media.strip():
        parts.append(t("event.invite_media", media=event.invited_media.strip()))
    return "\n\n".join(part for part in parts if part)


# --- helpers ----------------------------------------------------------------------------

def _validate(session: Session, data: EventInput) -> None:
    if not data.topic.strip():
        raise InvalidInput("event.topic_missing")
    if len(data.topic.strip()) > MAX_TOPIC:
        raise InvalidInput("event_flow.topic_too_long", length=len(data.topic.strip()),
                           limit=MAX_TOPIC)
    check_times(data.starts_at, data.ends_at)
    if data.kind not in EventKind.__members__.values():
        raise InvalidInput("event.kind_invalid", kind=data.kind)
    if data.policy_id is not None and session.get(Policy, data.policy_id) is None:
        raise NotFound("event_flow.policy_not_found", id=data.policy_id)
    for draft_id in data.draft_ids:
        if session.get(Draft, draft_id) is None:
            raise NotFound("event_flow.draft_not_found", id=draft_id)


def check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    if ends_at <= starts_at:
        raise InvalidInput("event.end_before_start", start=format_office(starts_at),
                           end=format_office(ends_at))


def _apply(event: PressEvent, data: EventInput) -> None:
    event.kind = EventKind(data.kind)
    event.topic = data.topic.strip()
    event.starts_at = as_utc(data.starts_at)
    event.ends_at = as_utc(data.ends_at)
    event.venue = data.venue.strip()
    event.online_room = data.online_room.strip()
    event.spokespeople = data.spokespeople.strip()
    event.host = data.host.strip()
    event.invited_media = data.invited_media.strip()
    event.agenda = data.agenda.strip()
    event.policy_id = data.policy_id
    event.guests = data.guests.strip()
    event.experts = data.experts.strip()
    event.question_channel = data.question_channel.strip()


def as_utc(moment: datetime) -> datetime:
    """Return a stored or entered time as aware UTC.

    Stored times may come back naive (SQLite); to_utc reads naive as office time, so
    stored values go through to_office first, which reads naive as UTC.
    """
    return to_utc(to_office(moment))


def _link_drafts(session: Session, event_id: int, draft_ids: list[int], *,
                 actor: User) -> None:
    """Make the plain links (role "") match `draft_ids`; links with a role (文字实录,
    重要政务活动信息 ...) belong to the event's documents and stay as they are.

    A new link needs the right to read the draft (draft_access.require_reader).
    """
    links = list(session.exec(select(EventDraftLink).where(EventDraftLink.event_id == event_id)))
    present = {link.draft_id for link in links}
    wanted = set(draft_ids)
    for draft_id in sorted(wanted - present):
        draft_access.require_reader(session, actor=actor, draft=session.get(Draft, draft_id))
        session.add(EventDraftLink(event_id=event_id, draft_id=draft_id, role=""))
    for link in links:
        if link.role == "" and link.draft_id not in wanted:
            session.delete(link)
