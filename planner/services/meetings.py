"""重大政务舆情会商联席会议: convening, conflicts, invites, the notice, minutes and actions.

TRANSITIONS below is the whole life of a meeting: 已安排, rescheduled or given more
participants while it stays 已安排, then 已召开 when its minutes are recorded, or
已取消. Each change that calendars must see raises the iCalendar SEQUENCE; the UID is
made once at convening and never changes. Action items from the minutes are 办理中
until closed, and the deadline engine shows them on the supervision board meanwhile.

Who: 厅办公室 convenes, reschedules, cancels and records minutes. An action item is
closed by its owner or by 厅办公室. A meeting, its invite and its notice are seen by
厅办公室 and by its participants: the people invited and whoever holds a role in a
participating unit.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, select

from planner import deadlines as rules
from planner.config import get_settings
from planner.documents.structure import DraftDocument, DraftSectionContent
from planner.documents.templates import load_template_spec
from planner.documents.word import render_docx
from planner.errors import Conflict, InvalidInput, NotFound
from planner.filenames import safe_filename
from planner.i18n import inside_quotes, t
from planner.ical import Invite, Person, build_invite, invite_filename, new_uid
from planner.models import (ActionItemStatus, Disclosure, Draft, DraftKind, EventStatus,
                            Meeting, MeetingAction, MeetingAttendee, MeetingOpinion,
                            MeetingStatus, MeetingUnit, ObligationStatus, OpinionItem,
                            PressEvent, Role, RoleAssignment, Unit, User)
from planner.permissions import has_any_role, require, roles_of
from planner.services import (audit, deadlines, event_people, events, generated_drafts,
                              holidays, opinions)
from planner.timeutil import format_cn_date, format_office, now_utc, to_office, to_utc
from planner.workdays import booking_warnings

logger = logging.getLogger(__name__)

CONVENOR_ROLES = {Role.GENERAL_OFFICE}
# 省交通宣传中心 and 厅信息中心 take part in every joint meeting (the units linked to the
# items are added as well); a unit not set up in this installation is left out.
DEFAULT_UNIT_NAMES = ("省交通宣传中心", "厅信息中心")
ACTION_ENTITY = "meeting_action"
MAX_TITLE = 300
MAX_ACTIONS = 50
_LIST_LABEL = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]"
                         r"|\d+[.．、])\s*")


class Step(StrEnum):
    RESCHEDULE = "reschedule"    # 改期
    INVITE_MORE = "invite_more"  # 增加参会单位和人员
    CANCEL = "cancel"            # 取消
    MINUTES = "minutes"          # 记录会议纪要


@dataclass(frozen=True)
class Transition:
    sources: frozenset[MeetingStatus]
    target: MeetingStatus


_S = MeetingStatus
TRANSITIONS: dict[Step, Transition] = {
    Step.RESCHEDULE: Transition(frozenset({_S.SCHEDULED}), _S.SCHEDULED),
    Step.INVITE_MORE: Transition(frozenset({_S.SCHEDULED}), _S.SCHEDULED),
    Step.CANCEL: Transition(frozenset({_S.SCHEDULED}), _S.CANCELLED),
    Step.MINUTES: Transition(frozenset({_S.SCHEDULED}), _S.HELD),
}
# An action item has one step: 办理中 → 已办结.
ACTION_CLOSE = Transition(frozenset({ActionItemStatus.OPEN}), ActionItemStatus.CLOSED)


@dataclass
class MeetingInput:
    title: str
    starts_at: datetime     # timezone-aware
    ends_at: datetime
    agenda: str = ""
    venue: str = ""
    online_room: str = ""
    opinion_ids: list[int] = field(default_factory=list)
    unit_ids: list[int] = field(default_factory=list)
    user_ids: list[int] = field(default_factory=list)
    guests: str = ""        # people without an account: "张三 <zhang@example.cn>、李四"


@dataclass
class ActionInput:
    task: str
    unit_id: int
    due_at: datetime        # timezone-aware
    owner_id: int | None = None
    owner_name: str = ""    # for an owner without an account


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str | None = None
    user_id: int | None = None
    unit_id: int | None = None


# --- convening and changing -------------------------------------------------------------

def convene(session: Session, *, actor: User, data: MeetingInput) -> Meeting:
    """Convene a joint meeting: the default units, the items' units, the people chosen."""
    require(session, actor, "convene_meeting", CONVENOR_ROLES)
    _validate(data)
    for opinion_id in data.opinion_ids:
        opinions.get_item(session, opinion_id)

    meeting = Meeting(uid=new_uid(_uid_domain()), convened_by=actor.id,
                      unit_id=opinions.office_unit_id(session, actor))
    _apply(meeting, data)
    session.add(meeting)
    session.flush()
    for opinion_id in dict.fromkeys(data.opinion_ids):
        session.add(MeetingOpinion(meeting_id=meeting.id, opinion_id=opinion_id))
    unit_ids = [*default_unit_ids(session, data.opinion_ids), *data.unit_ids]
    _add_units(session, meeting.id, unit_ids)
    _add_attendees(session, meeting.id, resolve_attendees(session, data.user_ids, data.guests))

    audit.record(session, actor=actor, action="meeting.convene", entity="meeting",
                 entity_id=meeting.id, detail={"title": meeting.title,
                                               "starts_at": meeting.starts_at.isoformat(),
                                               "opinion_ids": data.opinion_ids})
    logger.info("meeting %s convened for %s", meeting.id, meeting.starts_at.isoformat())
    return meeting


def reschedule(session: Session, *, actor: User, meeting_id: int, starts_at: datetime,
               ends_at: datetime, venue: str | None = None,
               online_room: str | None = None) -> Meeting:
    """Move the meeting; the UID stays and SEQUENCE goes up, so calendars update it."""
    require(session, actor, "convene_meeting", CONVENOR_ROLES)
    meeting = get_meeting(session, meeting_id)
    _check_times(starts_at, ends_at)
    before = (meeting.starts_at, meeting.ends_at)
    _move(meeting, Step.RESCHEDULE)

    meeting.starts_at, meeting.ends_at = to_utc(starts_at), to_utc(ends_at)
    meeting.venue = meeting.venue if venue is None else venue.strip()
    meeting.online_room = meeting.online_room if online_room is None else online_room.strip()
    meeting.sequence += 1
    session.add(meeting)

    audit.record(session, actor=actor, action="meeting.reschedule", entity="meeting",
                 entity_id=meeting.id, detail={"before": [m.isoformat() for m in before],
                                               "starts_at": meeting.starts_at.isoformat(),
                                               "sequence": meeting.sequence})
    return meeting


def invite_more(session: Session, *, actor: User, meeting_id: int,
                unit_ids: list[int] | None = None, user_ids: list[int] | None = None,
                guests: str = "") -> Meeting:
    """Add units and people; the invite changes, so SEQUENCE goes up."""
    require(session, actor, "convene_meeting", CONVENOR_ROLES)
    meeting = get_meeting(session, meeting_id)
    _move(meeting, Step.INVITE_MORE)

    added_units = _add_units(session, meeting.id, unit_ids or [])
    added = _add_attendees(session, meeting.id,
                           resolve_attendees(session, user_ids or [], guests))
    if not added_units and not added:
        # An unchanged invite must not go out again with a higher SEQUENCE.
        raise InvalidInput("meeting.nothing_added")
    meeting.sequence += 1
    session.add(meeting)

    audit.record(session, actor=actor, action="meeting.invite_more", entity="meeting",
                 entity_id=meeting.id, detail={"unit_ids": added_units,
                                               "people": [a.name for a in added]})
    return meeting


def cancel(session: Session, *, actor: User, meeting_id: int, reason: str) -> Meeting:
    """Cancel: invites go out as METHOD:CANCEL with STATUS:CANCELLED and a higher SEQUENCE."""
    require(session, actor, "convene_meeting", CONVENOR_ROLES)
    meeting = get_meeting(session, meeting_id)
    if not reason.strip():
        raise InvalidInput("meeting.cancel_reason_missing")
    _move(meeting, Step.CANCEL)
    meeting.cancel_reason = reason.strip()
    meeting.sequence += 1
    session.add(meeting)

    audit.record(session, actor=actor, action="meeting.cancel", entity="meeting",
                 entity_id=meeting.id, detail={"reason": meeting.cancel_reason,
                                               "sequence": meeting.sequence})
    return meeting


# --- minutes and action items -----------------------------------------------------------

def record_minutes(session: Session, *, actor: User, meeting_id: int, summary: str,
                   decisions: list[str], actions: list[ActionInput]) -> Draft:
    """会议纪要: the decisions and action items; the minutes become a draft for review and
    each action item goes on the supervision board until it is closed."""
    require(session, actor, "record_minutes", CONVENOR_ROLES)
    meeting = get_meeting(session, meeting_id)
    decisions = [line.strip() for line in decisions if line.strip()]
    _check_actions(session, actions)
    _move(meeting, Step.MINUTES)

    items = [_add_action(session, actor, meeting, action) for action in actions]
    draft = generated_drafts.create(
        session, actor=actor, kind=DraftKind.MEETING_MINUTES,
        title=t("meeting.minutes_title", title=meeting.title), unit_id=meeting.unit_id
        or opinions.office_unit_id(session, actor), disclosure=Disclosure.NOT_PUBLIC,
        bodies=_minutes_bodies(session, meeting, summary, decisions, items),
        source={"meeting_id": meeting.id})
    meeting.minutes_draft_id = draft.id
    session.add(meeting)

    audit.record(session, actor=actor, action="meeting.minutes", entity="meeting",
                 entity_id=meeting.id, detail={"draft_id": draft.id, "decisions": len(decisions),
                                               "actions": [item.id for item in items]})
    return draft


def close_action(session: Session, *, actor: User, action_id: int,
                 note: str = "") -> MeetingAction:
    """办结 an action item (its owner, or 厅办公室); it leaves the supervision board."""
    action = get_action(session, action_id)
    if not (actor.is_active and action.owner_id == actor.id):
        require(session, actor, "close_action", CONVENOR_ROLES)
    if action.status not in ACTION_CLOSE.sources:
        raise Conflict("meeting.action_closed",
                       task=inside_quotes(opinions.short_text(action.task)))

    action.status = ACTION_CLOSE.target
    action.closed_at, action.closed_by = now_utc(), actor.id
    action.close_note = note.strip()
    session.add(action)
    for row in deadlines.obligations_for(session, ACTION_ENTITY, action.id):
        if row.status == ObligationStatus.OPEN:
            deadlines.complete(session, actor=actor, obligation_id=row.id, at=action.closed_at)

    audit.record(session, actor=actor, action="meeting.action_close", entity=ACTION_ENTITY,
                 entity_id=action.id, detail={"meeting_id": action.meeting_id,
                                              "note": action.close_note})
    return action


# --- conflicts --------------------------------------------------------------------------

def check_booking(session: Session, data: MeetingInput, *,
                  exclude_id: int | None = None) -> list[str]:
    """Return warnings for a booking: weekend, holiday, and attendees busy in another
    meeting or press event. Saving goes ahead after them, because a serious item may need
    a Saturday meeting."""
    _validate(data)
    messages = [w.message for w in booking_warnings(data.starts_at, data.ends_at,
                                                    calendar=holidays.calendar(session))]
    names = {a.name for a in resolve_attendees(session, data.user_ids, data.guests)}
    messages += busy_in_meetings(session, names, data.starts_at, data.ends_at,
                                 exclude_id=exclude_id)
    messages += busy_in_events(session, names, data.starts_at, data.ends_at)
    return messages


def check_reschedule(session: Session, *, meeting_id: int, starts_at: datetime,
                     ends_at: datetime) -> list[str]:
    """Return the same warnings for moving an existing meeting to a new time."""
    _check_times(starts_at, ends_at)
    names = {a.name for a in attendees(session, meeting_id)}
    messages = [w.message for w in booking_warnings(starts_at, ends_at,
                                                    calendar=holidays.calendar(session))]
    messages += busy_in_meetings(session, names, starts_at, ends_at, exclude_id=meeting_id)
    messages += busy_in_events(session, names, starts_at, ends_at)
    return messages


def busy_in_meetings(session: Session, names: set[str], starts_at: datetime,
                     ends_at: datetime, *, exclude_id: int | None = None) -> list[str]:
    """Return one message per person in `names` already invited to an overlapping meeting.

    planner.services.events calls this too, so a press event and a meeting are never
    booked for the same person at once without a warning.
    """
    if not names:
        return []
    query = (select(MeetingAttendee.name, Meeting)
             .join(Meeting, Meeting.id == MeetingAttendee.meeting_id)
             .where(Meeting.starts_at < to_utc(ends_at), Meeting.ends_at > to_utc(starts_at),
                    Meeting.status != MeetingStatus.CANCELLED,
                    MeetingAttendee.name.in_(sorted(names)))
             .order_by(Meeting.starts_at, MeetingAttendee.name))
    if exclude_id is not None:
        query = query.where(Meeting.id != exclude_id)
    return [t("meeting.person_busy", name=name, title=meeting.title,
              time=format_office(meeting.starts_at))
            for name, meeting in session.exec(query)]


def busy_in_events(session: Session, names: set[str], starts_at: datetime,
                   ends_at: datetime) -> list[str]:
    """Return one message per person in `names` who is on an overlapping event: speaker,
    host, guest or expert."""
    if not names:
        return []
    overlapping = session.exec(select(PressEvent).where(
        PressEvent.starts_at < to_utc(ends_at), PressEvent.ends_at > to_utc(starts_at),
        PressEvent.status != EventStatus.CANCELLED).order_by(PressEvent.starts_at))
    messages = []
    for event in overlapping:
        people = event_people.event_people(event)
        for name in sorted(names & {person.name for person in people}):
            messages.append(t("meeting.person_at_event", name=name, topic=event.topic,
                              time=format_office(event.starts_at)))
    return messages


# --- invites and the notice -------------------------------------------------------------

def invite(session: Session, meeting_id: int, *, organizer_email: str = "") -> Invite:
    """Return the meeting as calendars see it: REQUEST while it is on, CANCEL once cancelled.

    `organizer_email` replaces the address of a convenor who has none (the mail sender),
    so clients that need a mailto: ORGANIZER still accept the request.
    """
    meeting = get_meeting(session, meeting_id)
    people = [Person(name=a.name, email=a.email) for a in attendees(session, meeting_id)]
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    return Invite(uid=meeting.uid, sequence=meeting.sequence, summary=meeting.title,
                  starts_at=to_office(meeting.starts_at), ends_at=to_office(meeting.ends_at),
                  organizer=organizer(session, meeting, organizer_email), attendees=people,
                  description=_description(session, meeting),
                  location=meeting.venue or meeting.online_room, method=method)


def invite_file(session: Session, meeting_id: int, *, actor: User,
                now: datetime | None = None) -> tuple[str, bytes]:
    """Build the meeting's .ics invite; returns (file name, bytes).

    The export is recorded as "meeting.invite_export" with the file name.
    """
    meeting = require_viewer(session, actor, meeting_id)
    data = invite(session, meeting_id)
    content = build_invite(data, now=now)

    name = invite_file_name(meeting)
    audit.record(session, actor=actor, action="meeting.invite_export", entity="meeting",
                 entity_id=meeting_id, detail={"file": name, "sequence": data.sequence,
                                               "method": data.method})
    logger.info("invite for meeting %s built (sequence %s, %s) by user %s", meeting_id,
                data.sequence, data.method, actor.id)
    return name, content


def invite_file_name(meeting: Meeting) -> str:
    """Return the .ics file name of a meeting, known before the invite is built."""
    return invite_filename(meeting.title, to_office(meeting.starts_at))


def organizer(session: Session, meeting: Meeting, fallback_email: str = "") -> Person:
    """The convenor, so replies reach a person; the office's name if the account is gone."""
    convenor = session.get(User, meeting.convened_by) if meeting.convened_by else None
    if convenor is None:
        return Person(name=get_settings().org_name, email=fallback_email or None)
    unit = session.get(Unit, meeting.unit_id) if meeting.unit_id else None
    name = f"{convenor.display_name}（{unit.name}）" if unit else convenor.display_name
    return Person(name=name, email=convenor.email or fallback_email or None)


def notice_document(session: Session, meeting_id: int) -> DraftDocument:
    """会议通知 for the meeting as it stands, dated the day of its latest change."""
    meeting = get_meeting(session, meeting_id)
    unit = session.get(Unit, meeting.unit_id) if meeting.unit_id else None
    texts = _notice_bodies(session, meeting)
    sections = [DraftSectionContent(key=s.key, title=s.title, body=texts.get(s.key, ""))
                for s in load_template_spec(DraftKind.MEETING_NOTICE).sections]
    return DraftDocument(kind=DraftKind.MEETING_NOTICE,
                         title=t("meeting.notice_title", title=meeting.title),
                         sections=sections, issuer=unit.name if unit else "",
                         date=to_office(meeting.updated_at).date())


def notice_docx(session: Session, meeting_id: int, *, actor: User) -> tuple[str, bytes]:
    """Render the 会议通知 as a GB/T 9704-2012 Word file; returns (file name, bytes).

    The export is recorded as "meeting.notice_export" with the file name.
    """
    meeting = require_viewer(session, actor, meeting_id)
    document = notice_document(session, meeting_id)
    data = render_docx(document)

    name = notice_filename(meeting)
    audit.record(session, actor=actor, action="meeting.notice_export", entity="meeting",
                 entity_id=meeting_id, detail={"file": name, "bytes": len(data)})
    logger.info("notice for meeting %s rendered, %d bytes, by user %s", meeting_id,
                len(data), actor.id)
    return name, data


def notice_filename(meeting: Meeting) -> str:
    """Return the Word file name of the 会议通知, known before the file is rendered."""
    return safe_filename(t("meeting.notice_title", title=meeting.title), "docx")


# --- reading ----------------------------------------------------------------------------

def require_viewer(session: Session, actor: User, meeting_id: int) -> Meeting:
    """Return the meeting if the actor may see it (厅办公室 or a participant), else raise
    PermissionDenied."""
    meeting = get_meeting(session, meeting_id)
    if not may_view(session, actor, meeting_id):
        require(session, actor, "view_meeting", CONVENOR_ROLES)
    return meeting


def may_view(session: Session, actor: User, meeting_id: int) -> bool:
    """Tell whether the actor is 厅办公室, is invited, or holds a role in a participating unit."""
    if not actor.is_active:
        return False
    if has_any_role(session, actor, CONVENOR_ROLES):
        return True
    if actor.id in {a.user_id for a in attendees(session, meeting_id)}:
        return True
    held_units = {unit_id for _, unit_id in roles_of(session, actor)}
    return bool(held_units & set(unit_ids_of(session, meeting_id)))


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound("meeting.not_found", id=meeting_id)
    return meeting


def get_action(session: Session, action_id: int) -> MeetingAction:
    action = session.get(MeetingAction, action_id)
    if action is None:
        raise NotFound("meeting.action_not_found", id=action_id)
    return action


def list_meetings(session: Session, *, start: datetime | None = None,
                  end: datetime | None = None) -> list[Meeting]:
    """Meetings, latest first; with `start`/`end`, those overlapping that range."""
    query = select(Meeting).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    if start is not None:
        query = query.where(Meeting.ends_at > to_utc(start))
    if end is not None:
        query = query.where(Meeting.starts_at < to_utc(end))
    return list(session.exec(query))


def attendees(session: Session, meeting_id: int) -> list[MeetingAttendee]:
    return list(session.exec(select(MeetingAttendee)
                             .where(MeetingAttendee.meeting_id == meeting_id)
                             .order_by(MeetingAttendee.id)))


def unit_ids_of(session: Session, meeting_id: int) -> list[int]:
    return list(session.exec(select(MeetingUnit.unit_id)
                             .where(MeetingUnit.meeting_id == meeting_id)
                             .order_by(MeetingUnit.unit_id)))


def opinion_ids_of(session: Session, meeting_id: int) -> list[int]:
    return list(session.exec(select(MeetingOpinion.opinion_id)
                             .where(MeetingOpinion.meeting_id == meeting_id)
                             .order_by(MeetingOpinion.opinion_id)))


def actions_of(session: Session, meeting_id: int) -> list[MeetingAction]:
    return list(session.exec(select(MeetingAction).where(MeetingAction.meeting_id == meeting_id)
                             .order_by(MeetingAction.due_at, MeetingAction.id)))


def default_unit_ids(session: Session, opinion_ids: list[int]) -> list[int]:
    """省交通宣传中心, 厅信息中心 and every unit the linked items were forwarded to."""
    named = session.exec(select(Unit.id).where(Unit.name.in_(DEFAULT_UNIT_NAMES))
                         .order_by(Unit.name))
    forwarded = [unit_id for opinion_id in opinion_ids
                 for unit_id in opinions.forwarded_unit_ids(session, opinion_id)]
    return list(dict.fromkeys([*named, *forwarded]))


def suggested_people(session: Session, unit_ids: list[int]) -> list[User]:
    """The heads of the participating units (单位负责人, 承办部门负责人), to invite by default."""
    if not unit_ids:
        return []
    heads = select(RoleAssignment.user_id).where(
        RoleAssignment.unit_id.in_(unit_ids),
        RoleAssignment.role.in_([Role.UNIT_HEAD, Role.DEPARTMENT_HEAD]))
    return list(session.exec(select(User).where(User.id.in_(heads), User.is_active)
                             .order_by(User.display_name)))


def resolve_attendees(session: Session, user_ids: list[int], guests: str) -> list[Attendee]:
    """Users by id (their display name, e-mail and unit) and guests typed as text."""
    people = []
    for user_id in dict.fromkeys(user_ids):
        user = session.get(User, user_id)
        if user is None:
            raise NotFound("meeting.person_not_found", id=user_id)
        people.append(Attendee(name=user.display_name, email=user.email, user_id=user.id,
                               unit_id=user.unit_id))
    people += [Attendee(name=p.name, email=p.email) for p in events.parse_people(guests)]
    return people


def allowed_steps(meeting: Meeting) -> set[Step]:
    return {step for step, rule in TRANSITIONS.items() if meeting.status in rule.sources}


def open_action_count(session: Session, meeting_id: int) -> int:
    return session.exec(select(func.count()).select_from(MeetingAction).where(
        MeetingAction.meeting_id == meeting_id,
        MeetingAction.status == ActionItemStatus.OPEN)).one()


# --- helpers ----------------------------------------------------------------------------

def _move(meeting: Meeting, step: Step) -> None:
    rule = TRANSITIONS[step]
    if meeting.status not in rule.sources:
        raise Conflict("meeting.wrong_state", step=t(f"meeting.step.{step}"),
                       status=t(f"meeting.status.{meeting.status}"))
    if meeting.status != rule.target:
        logger.info("meeting %s: %s → %s", meeting.id, meeting.status, rule.target)
        meeting.status = rule.target
    meeting.updated_at = now_utc()


def _validate(data: MeetingInput) -> None:
    if not data.title.strip():
        raise InvalidInput("meeting.title_missing")
    if len(data.title.strip()) > MAX_TITLE:
        raise InvalidInput("meeting.title_too_long", limit=MAX_TITLE)
    if not (data.venue.strip() or data.online_room.strip()):
        raise InvalidInput("meeting.place_missing")
    _check_times(data.starts_at, data.ends_at)


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("meeting times must be timezone-aware")
    if ends_at <= starts_at:
        raise InvalidInput("meeting.end_before_start", start=format_office(starts_at),
                           end=format_office(ends_at))


def _apply(meeting: Meeting, data: MeetingInput) -> None:
    meeting.title = data.title.strip()
    meeting.agenda = data.agenda.strip()
    meeting.starts_at, meeting.ends_at = to_utc(data.starts_at), to_utc(data.ends_at)
    meeting.venue = data.venue.strip()
    meeting.online_room = data.online_room.strip()


def _add_units(session: Session, meeting_id: int, unit_ids: list[int]) -> list[int]:
    """Add the units not yet convened; return the ids added."""
    present = set(unit_ids_of(session, meeting_id))
    added = []
    for unit_id in dict.fromkeys(unit_ids):
        if unit_id in present:
            continue
        if session.get(Unit, unit_id) is None:
            raise NotFound("opinion.unit_not_found", id=unit_id)
        session.add(MeetingUnit(meeting_id=meeting_id, unit_id=unit_id))
        present.add(unit_id)
        added.append(unit_id)
    return added


def _add_attendees(session: Session, meeting_id: int,
                   people: list[Attendee]) -> list[Attendee]:
    """Add the people not yet invited (same account, or same name for guests)."""
    present = attendees(session, meeting_id)
    users = {a.user_id for a in present if a.user_id is not None}
    names = {a.name for a in present}
    added = []
    for person in people:
        if (person.user_id is not None and person.user_id in users) or person.name in names:
            continue
        session.add(MeetingAttendee(meeting_id=meeting_id, user_id=person.user_id,
                                    unit_id=person.unit_id, name=person.name[:100],
                                    email=person.email))
        users.add(person.user_id)
        names.add(person.name)
        added.append(person)
    return added


def _uid_domain() -> str:
    return f"planner-{get_settings().org_name.encode('utf-8').hex()[:16]}"


def _check_actions(session: Session, actions: list[ActionInput]) -> None:
    if len(actions) > MAX_ACTIONS:
        raise InvalidInput("meeting.too_many_actions", limit=MAX_ACTIONS)
    for number, action in enumerate(actions, start=1):
        if not action.task.strip():
            raise InvalidInput("meeting.action_task_missing", n=number)
        if session.get(Unit, action.unit_id) is None:
            raise InvalidInput("meeting.action_unit_missing", n=number)
        if action.due_at.tzinfo is None:
            raise ValueError("action due times must be timezone-aware")
        if action.owner_id is not None and session.get(User, action.owner_id) is None:
            raise NotFound("meeting.person_not_found", id=action.owner_id)


def _add_action(session: Session, actor: User, meeting: Meeting,
                action: ActionInput) -> MeetingAction:
    owner = session.get(User, action.owner_id) if action.owner_id else None
    item = MeetingAction(meeting_id=meeting.id, task=action.task.strip(), unit_id=action.unit_id,
                         owner_id=action.owner_id, due_at=to_utc(action.due_at),
                         owner_name=owner.display_name if owner else action.owner_name.strip())
    session.add(item)
    session.flush()
    deadlines.track(session, actor=actor, rule_key=rules.MEETING_ACTION, entity=ACTION_ENTITY,
                    entity_id=item.id, trigger_at=to_utc(to_office(meeting.starts_at)),
                    unit_id=item.unit_id, owner_id=item.owner_id,
                    title=opinions.short_text(item.task, 60), due_at=item.due_at)
    return item


def _unit_names(session: Session, unit_ids: list[int]) -> str:
    if not unit_ids:
        return ""
    names = session.exec(select(Unit.name).where(Unit.id.in_(unit_ids)).order_by(Unit.name))
    return "、".join(names)


def _time_range(meeting: Meeting) -> str:
    start, end = to_office(meeting.starts_at), to_office(meeting.ends_at)
    day = format_cn_date(start.date())
    if start.date() == end.date():
        return f"{day} {start:%H:%M}—{end:%H:%M}"
    return f"{day} {start:%H:%M}—{format_cn_date(end.date())} {end:%H:%M}"


def _place(meeting: Meeting) -> str:
    parts = [meeting.venue]
    if meeting.online_room:
        parts.append(t("meeting.online_room", room=meeting.online_room))
    return "；".join(part for part in parts if part)


def _linked_items(session: Session, meeting: Meeting) -> list[OpinionItem]:
    return [opinions.get_item(session, oid) for oid in opinion_ids_of(session, meeting.id)]


def _description(session: Session, meeting: Meeting) -> str:
    parts = [meeting.agenda]
    if meeting.online_room:
        parts.append(t("meeting.online_room", room=meeting.online_room))
    items = _linked_items(session, meeting)
    if items:
        parts.append(t("meeting.items_heading") + "\n" + "\n".join(
            f"{n}. {opinions.short_text(item.summary, 60)}" for n, item in enumerate(items, start=1)))
    if meeting.status == MeetingStatus.CANCELLED and meeting.cancel_reason:
        parts.insert(0, t("meeting.cancelled_because", reason=meeting.cancel_reason))
    return "\n\n".join(part for part in parts if part)


def _notice_bodies(session: Session, meeting: Meeting) -> dict[str, str]:
    items = _linked_items(session, meeting)
    # The agenda sits inside section 一、, so its own points are numbered 1. 2. whatever
    # the convenor typed (a second 一、 there would read as a heading of the notice).
    topic = "\n".join(_renumbered(meeting.agenda.splitlines(), "{n}. ")) or t(
        "meeting.notice_default_topic")
    if items:
        topic += "\n" + t("meeting.items_heading") + "\n" + "\n".join(_renumbered(
            [opinions.short_text(item.summary, 80) for item in items], "（{n}）"))
    people = "、".join(a.name for a in attendees(session, meeting.id))
    units = _unit_names(session, unit_ids_of(session, meeting.id))
    return {
        "intro": t("meeting.notice_intro", time=_time_range(meeting), title=meeting.title),
        "topic": topic,
        "time": _time_range(meeting),
        "place": _place(meeting),
        "attendees": "\n".join(p for p in (units, people) if p) or t("meeting.notice_none"),
        "requirements": t("meeting.notice_requirements"),
    }


def _renumbered(lines: list[str], label: str) -> list[str]:
    """Drop the numbers people type (一、 （一） 1. 1、 （1）) and number the lines afresh."""
    texts = [_LIST_LABEL.sub("", line).strip() for line in lines]
    return [label.format(n=n) + text
            for n, text in enumerate((text for text in texts if text), start=1)]


def _minutes_bodies(session: Session, meeting: Meeting, summary: str, decisions: list[str],
                    items: list[MeetingAction]) -> dict[str, str]:
    overview = t("meeting.minutes_overview", time=_time_range(meeting), place=_place(meeting),
                 units=_unit_names(session, unit_ids_of(session, meeting.id)) or "—")
    if summary.strip():
        overview += "\n" + summary.strip()
    return {
        "overview": overview,
        "decisions": "\n".join(_renumbered(decisions, "{n}. ")),
        "actions": "\n".join(_action_line(session, n, item)
                             for n, item in enumerate(items, start=1)),
    }


def _action_line(session: Session, number: int, item: MeetingAction) -> str:
    unit = session.get(Unit, item.unit_id) if item.unit_id else None
    return t("meeting.action_line", n=number, task=item.task, unit=unit.name if unit else "—",
             owner=item.owner_name or "—", due=format_cn_date(to_office(item.due_at).date()))

