"""The working cycle of a press event, declared once in TRANSITIONS.

策划中 → 已批准 (approve) → 已预告 (announce) → 已举行 (hold) → 已归档 (archive). Before it
is held an event may be cancelled (已取消, with a reason) or postponed (延期: new times and
a reason; the status stays). Every step looks itself up in TRANSITIONS, checks the actor's
role, then changes the event and writes an EventStatusChange and the audit row in the
caller's transaction.

Who:
- 单位负责人 approve (批准), because they sign off (审发) what the office releases. The
  person who booked the event may not approve it, so two people see every event before
  it is announced.
- 新闻发言人 and 厅办公室 (the organisers) take every other step.

Rules on top of the table:
- A 在线访谈 is held only after its 预告 (the implementation opinions: 做好预告); other
  kinds may go from 已批准 to 已举行. Announcing a 在线访谈 needs the channel for
  questions, and closes its 在线访谈预告 item on the supervision board.
- An event is held no earlier than its start.
- Holding puts the 文字实录 item on the board (rule "transcript"; not for 答记者问, which is
  a text already). The 重要政务活动信息 item (rule activity_info) is there from booking.
  Each closes when a draft linked to the event in that role (EventDraftLink.role) is
  released (close_followups_for_draft, called by planner.services.review.release).
- Archiving needs those drafts released. Without them it takes an override reason, which
  the history and the audit trail keep; the board items stay open until the drafts are
  released or 厅办公室 closes them.
- Cancelling and postponing raise the iCalendar SEQUENCE; a cancelled event's invite is
  METHOD:CANCEL (planner.services.events.invite).
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists
from sqlmodel import Session, select

from planner import deadlines as rules
from planner.errors import Conflict, InvalidInput, PermissionDenied, PlannerError
from planner.i18n import inside_quotes, t
from planner.models import (Draft, DraftRelease, EventDocument, EventDraftLink, EventKind,
                            EventStatus, EventStatusChange, PressEvent, Role, RoleAssignment,
                            User)
from planner.permissions import probing, require
from planner.services import audit, deadlines, interviews
from planner.services.events import (EVENT_APPROVERS, EVENT_ORGANISERS, as_utc, check_times,
                                     get_event)
from planner.timeutil import format_office, now_utc

logger = logging.getLogger(__name__)

MAX_REASON = 2000
ENTITY = "press_event"


class Action(StrEnum):
    CREATE = "create"            # 登记 (history only)
    APPROVE = "approve"          # 批准
    ANNOUNCE = "announce"        # 发布预告
    HOLD = "hold"                # 举行
    ARCHIVE = "archive"          # 归档
    CANCEL = "cancel"            # 取消
    POSTPONE = "postpone"        # 延期
    RESCHEDULE = "reschedule"    # 改期: a new time saved with an edit (history only)
    EDIT = "edit"                # 修改活动信息: other fields saved with an edit (history only)


@dataclass(frozen=True)
class Transition:
    action: Action
    source: EventStatus
    target: EventStatus
    roles: frozenset[Role]


_S = EventStatus
_ORGANISERS = frozenset(EVENT_ORGANISERS)
_APPROVERS = frozenset(EVENT_APPROVERS)
BEFORE_HELD = (_S.PLANNING, _S.APPROVED, _S.ANNOUNCED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.APPROVE, _S.PLANNING, _S.APPROVED, _APPROVERS),
    Transition(Action.ANNOUNCE, _S.APPROVED, _S.ANNOUNCED, _ORGANISERS),
    Transition(Action.HOLD, _S.APPROVED, _S.HELD, _ORGANISERS),   # not a 在线访谈
    Transition(Action.HOLD, _S.ANNOUNCED, _S.HELD, _ORGANISERS),
    Transition(Action.ARCHIVE, _S.HELD, _S.ARCHIVED, _ORGANISERS),
    *(Transition(Action.CANCEL, source, _S.CANCELLED, _ORGANISERS) for source in BEFORE_HELD),
    *(Transition(Action.POSTPONE, source, source, _ORGANISERS) for source in BEFORE_HELD),
)
_TABLE = {(tr.action, tr.source): tr for tr in TRANSITIONS}
STEPS = (Action.APPROVE, Action.ANNOUNCE, Action.HOLD, Action.ARCHIVE, Action.CANCEL,
         Action.POSTPONE)

PREVIEW_REQUIRED = {EventKind.ONLINE_INTERVIEW}
# The after-event drafts and the board rule each one closes.
FOLLOWUP_RULES = {EventDocument.TRANSCRIPT: rules.TRANSCRIPT,
                  EventDocument.ACTIVITY_INFO: rules.ACTIVITY_INFO}
NO_TRANSCRIPT = {EventKind.WRITTEN_QA}


@dataclass(frozen=True)
class HistoryRow:
    action: str
    from_status: str
    to_status: str
    reason: str
    old_starts_at: datetime | None
    new_starts_at: datetime | None
    actor_name: str
    at: datetime
    old_ends_at: datetime | None = None    # NULL in rows written before revision 0012
    new_ends_at: datetime | None = None
    changed_fields: tuple[str, ...] = ()   # an edit's fields, events.EDIT_FIELDS names
    invite_raised: bool = False            # the edit raised the invite's SEQUENCE
    # An edit's values before and after, by field. Rows written before values were stored
    # have none, and draft_ids never has any because a draft's title may be withheld.
    values: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def change(self) -> str:
        """What the step changed, as the history shows it, else "".

        改期 and 延期 show the times before → after, with the end times where the end was
        recorded. 修改活动信息 shows each changed field, with its value before → after where
        the row stores it, and a note when the invite changed.
        """
        if self.changed_fields:
            fields = "；".join(self._field_change(name) for name in self.changed_fields)
            return fields + t("event_flow.invite_raised") if self.invite_raised else fields
        if self.old_starts_at is None:
            return ""
        if self.old_ends_at is None or self.new_ends_at is None:
            return f"{format_office(self.old_starts_at)} → {format_office(self.new_starts_at)}"
        return f"{_time_span(self.old_starts_at, self.old_ends_at)} → " \
               f"{_time_span(self.new_starts_at, self.new_ends_at)}"


    def _field_change(self, name: str) -> str:
        label = t(f"event_flow.field.{name}")
        if name not in self.values:
            return label
        before, after = (_shown_value(name, value) for value in self.values[name])
        return t("event_history.field_change", field=label, before=before, after=after)


# An edit's value longer than this is cut in the history, which is a table cell.
SHOWN_VALUE_LIMIT = 40


def _shown_value(name: str, value: str) -> str:
    if not value:
        return t("event_history.empty_value")
    if name == "kind":
        return t(f"event.kind.{value}")
    text = "；".join(line.strip() for line in value.splitlines() if line.strip())
    if len(text) > SHOWN_VALUE_LIMIT:
        return text[:SHOWN_VALUE_LIMIT] + "…"
    return text


@dataclass(frozen=True)
class Followup:
    """One after-event draft: required or not, the drafts linked in its role, and whether
    one of them has been released."""

    document: EventDocument
    required: bool
    draft_ids: tuple[int, ...]
    released: bool


# --- the steps --------------------------------------------------------------------------

def approve(session: Session, *, actor: User, event_id: int, note: str = "",
            now: datetime | None = None) -> PressEvent:
    """批准 (单位负责人, not the person who booked the event)."""
    event = get_event(session, event_id)
    transition = _check(session, actor, event, Action.APPROVE, now)
    _move(session, actor, event, transition, now=now, reason=_reason(note, required=False))
    return event


def announce(session: Session, *, actor: User, event_id: int,
             now: datetime | None = None) -> PressEvent:
    """发布预告; for a 在线访谈 this closes its 在线访谈预告 item on the board."""
    event = get_event(session, event_id)
    transition = _check(session, actor, event, Action.ANNOUNCE, now)
    # 先审查、后公开: an interview's 预告 goes public only after its 审发.
    from planner.services import event_documents   # imported here: it imports events
    if event.kind == EventKind.ONLINE_INTERVIEW and not event_documents.preview_released(
            session, event.id):
        raise Conflict("event_flow.preview_not_approved", topic=inside_quotes(event.topic))
    _move(session, actor, event, transition, now=now)
    deadlines.complete_for_entity(session, actor=actor, rule_key=rules.INTERVIEW_PREVIEW,
                                  entity=ENTITY, entity_id=event.id, at=_now(now))
    return event


def hold(session: Session, *, actor: User, event_id: int,
         now: datetime | None = None) -> PressEvent:
    """已举行: puts the 文字实录 and 重要政务活动信息 items on the board."""
    event = get_event(session, event_id)
    transition = _check(session, actor, event, Action.HOLD, now)
    event.held_at = _now(now)
    _move(session, actor, event, transition, now=now)

    deadlines.track_press_event(session, actor=actor, event=event)
    if needs_transcript(event):
        owner = session.get(User, event.created_by) if event.created_by else None
        deadlines.track(session, actor=actor, rule_key=rules.TRANSCRIPT, entity=ENTITY,
                        entity_id=event.id, trigger_at=as_utc(event.ends_at),
                        unit_id=owner.unit_id if owner else event.unit_id,
                        owner_id=owner.id if owner else None, title=event.topic)
    sync_followups(session, actor=actor, event_id=event.id, now=now)
    interviews.on_interview_held(session, actor=actor, event=event)   # 网友提问 written answers
    return event


def archive(session: Session, *, actor: User, event_id: int, override_reason: str = "",
            now: datetime | None = None) -> PressEvent:
    """归档. Needs the 文字实录 and 重要政务活动信息 drafts released, or an override reason."""
    event = get_event(session, event_id)
    transition = _check(session, actor, event, Action.ARCHIVE, now)
    missing = missing_followups(session, event)
    reason = ""
    if missing:
        labels = "、".join(t(f"event_flow.document.{doc}") for doc in missing)
        if not override_reason.strip():
            raise Conflict("event_flow.followups_missing", topic=inside_quotes(event.topic),
                           items=labels)
        reason = _reason(override_reason, required=True)

    event.archived_at = _now(now)
    _move(session, actor, event, transition, now=now, reason=reason,
          detail={"missing": [str(doc) for doc in missing], "override": bool(missing)})
    return event


def cancel(session: Session, *, actor: User, event_id: int, reason: str,
           now: datetime | None = None) -> PressEvent:
    """取消 before the event is held; the reason is required and goes into the invite."""
    event = get_event(session, event_id)
    transition = _check(session, actor, event, Action.CANCEL, now)
    if not reason.strip():
        raise InvalidInput("event_flow.cancel_reason_missing", topic=inside_quotes(event.topic))

    event.cancel_reason = _reason(reason, required=True)
    event.sequence += 1
    _move(session, actor, event, transition, now=now, reason=event.cancel_reason,
          detail={"sequence": event.sequence})
    deadlines.track_press_event(session, actor=actor, event=event)
    return event


def postpone(session: Session, *, actor: User, event_id: int, starts_at: datetime,
             ends_at: datetime, reason: str, now: datetime | None = None) -> PressEvent:
    """延期 to new times before the event is held; the status stays, SEQUENCE goes up."""
    event = get_event(session, event_id)
    transition = _check(session, actor, event, Action.POSTPONE, now)
    check_times(starts_at, ends_at)
    if not reason.strip():
        raise InvalidInput("event_flow.postpone_reason_missing", topic=inside_quotes(event.topic))
    before = (as_utc(event.starts_at), as_utc(event.ends_at))
    if before == (as_utc(starts_at), as_utc(ends_at)):
        raise InvalidInput("event_flow.postpone_same_time", start=format_office(starts_at))

    event.starts_at, event.ends_at = as_utc(starts_at), as_utc(ends_at)
    event.sequence += 1
    _move(session, actor, event, transition, now=now, reason=_reason(reason, required=True),
          old_starts_at=before[0], old_ends_at=before[1],
          detail={"before": [moment.isoformat() for moment in before],
                  "after": [event.starts_at.isoformat(), event.ends_at.isoformat()],
                  "sequence": event.sequence})
    deadlines.track_press_event(session, actor=actor, event=event)
    return event


# --- history rows written by planner.services.events ------------------------------------

def record_creation(session: Session, *, actor: User, event: PressEvent) -> None:
    session.add(EventStatusChange(event_id=event.id, action=Action.CREATE, from_status="",
                                  to_status=event.status, new_starts_at=as_utc(event.starts_at),
                                  actor_id=actor.id, at=now_utc()))


def record_reschedule(session: Session, *, actor: User, event: PressEvent,
                      old_starts_at: datetime, old_ends_at: datetime) -> None:
    session.add(EventStatusChange(event_id=event.id, action=Action.RESCHEDULE,
                                  from_status=event.status, to_status=event.status,
                                  old_starts_at=old_starts_at,
                                  new_starts_at=as_utc(event.starts_at),
                                  old_ends_at=as_utc(old_ends_at),
                                  new_ends_at=as_utc(event.ends_at), actor_id=actor.id,
                                  at=now_utc()))


# Stored after an edit's fields when the edit itself raised the invite's SEQUENCE.
INVITE_RAISED_MARK = "sequence"


def record_edit(session: Session, *, actor: User, event: PressEvent,
                fields: list[str], invite_raised: bool = False,
                values: dict[str, tuple[str, str]] | None = None) -> None:
    """Write the 修改活动信息 row of an edit that changed `fields` (events.EDIT_FIELDS),
    marked when the edit raised the invite's SEQUENCE without a 改期 row saying so.

    changed_fields stores JSON: {"fields": [...], "values": {name: [before, after]},
    "sequence": bool}. Rows written before it hold the names comma-separated, followed by
    "sequence" when the invite changed; history reads both.
    """
    stored = {"fields": list(fields), "values": {name: list(pair) for name, pair
                                                 in (values or {}).items()},
              INVITE_RAISED_MARK: invite_raised}
    session.add(EventStatusChange(event_id=event.id, action=Action.EDIT,
                                  from_status=event.status, to_status=event.status,
                                  changed_fields=json.dumps(stored, ensure_ascii=False),
                                  actor_id=actor.id, at=now_utc()))


# --- reading ----------------------------------------------------------------------------

def transition_for(action: Action, event: PressEvent) -> Transition:
    """Look the step up in TRANSITIONS; a step the status does not allow raises Conflict."""
    found = _TABLE.get((Action(action), EventStatus(event.status)))
    if found is not None:
        return found

    allowed = "、".join(t(f"event.status.{tr.source}") for tr in TRANSITIONS
                       if tr.action == action)
    raise Conflict("event_flow.wrong_state", topic=inside_quotes(event.topic),
                   action=t(f"event_flow.action.{action}"),
                   status=t(f"event.status.{event.status}"), allowed=allowed)


def available_actions(session: Session, *, actor: User, event_id: int,
                      now: datetime | None = None) -> list[Action]:
    """Return the steps `actor` may take on the event now, in STEPS order, so a page offers
    only those. Reasons and the archive's drafts are checked when the step is taken."""
    event = get_event(session, event_id)
    found = []
    for action in STEPS:
        try:
            with probing():
                _check(session, actor, event, action, now)
        except (Conflict, InvalidInput, PermissionDenied):
            continue
        found.append(action)
    return found


@dataclass(frozen=True)
class BlockedAction:
    action: Action
    reason: str    # the catalog message: what blocks the step and how to clear it


def blocked_actions(session: Session, *, actor: User, event_id: int,
                    now: datetime | None = None) -> list[BlockedAction]:
    """Return the steps that the event's status offers and `actor`'s roles allow but a rule
    rejects now (rule_error), in STEPS order, each with its message for the page."""
    event = get_event(session, event_id)
    blocked = []
    for action in STEPS:
        try:
            with probing():
                transition = transition_for(action, event)
                require(session, actor, f"event_{action}", set(transition.roles))
        except (Conflict, PermissionDenied):
            continue
        error = rule_error(event, action, actor=actor, now=now)
        if error is not None:
            blocked.append(BlockedAction(action=action, reason=error.message))
    return blocked


def history(session: Session, event_id: int) -> list[HistoryRow]:
    """Return every step of the event in the order taken, with the name of who took it."""
    get_event(session, event_id)
    rows = session.exec(select(EventStatusChange, User.display_name)
                        .join(User, User.id == EventStatusChange.actor_id, isouter=True)
                        .where(EventStatusChange.event_id == event_id)
                        .order_by(EventStatusChange.id)).all()
    return [HistoryRow(action=change.action, from_status=change.from_status,
                       to_status=change.to_status, reason=change.reason,
                       old_starts_at=change.old_starts_at, new_starts_at=change.new_starts_at,
                       actor_name=name or "—", at=change.at, old_ends_at=change.old_ends_at,
                       new_ends_at=change.new_ends_at, **_edit_record(change.changed_fields))
            for change, name in rows]


def _edit_record(stored: str) -> dict:
    """Read an edit's changed_fields, JSON or the older comma-separated names."""
    if stored.startswith("{"):
        data = json.loads(stored)
        return {"changed_fields": tuple(data.get("fields", ())),
                "invite_raised": bool(data.get(INVITE_RAISED_MARK)),
                "values": {name: (str(pair[0]), str(pair[1]))
                           for name, pair in data.get("values", {}).items()}}
    names = stored.split(",")
    return {"changed_fields": tuple(name for name in names
                                    if name and name != INVITE_RAISED_MARK),
            "invite_raised": INVITE_RAISED_MARK in names}


def approvers(session: Session, event: PressEvent) -> list[User]:
    """Return the active 单位负责人 who may approve (批准) the event, by name: everyone who
    has the role in any unit, except the person who booked it (rule_error)."""
    holders = select(RoleAssignment.user_id).where(
        RoleAssignment.role.in_([str(role) for role in _APPROVERS]))
    query = select(User).where(User.id.in_(holders), User.is_active).order_by(
        User.display_name, User.id)
    if event.created_by is not None:
        query = query.where(User.id != event.created_by)
    return list(session.exec(query))


@dataclass(frozen=True)
class Closure:
    """The closing step of an event that is 已归档 or 已取消, from its last history row."""

    status: EventStatus
    at: datetime
    actor_name: str
    reason: str       # the cancel reason, or the reason for archiving without the drafts


def closure(session: Session, event: PressEvent) -> Closure | None:
    """Return how the event was archived or cancelled, or None while it is open."""
    closing = {_S.ARCHIVED: Action.ARCHIVE, _S.CANCELLED: Action.CANCEL}.get(event.status)
    if closing is None:
        return None
    row = session.exec(select(EventStatusChange, User.display_name)
                       .join(User, User.id == EventStatusChange.actor_id, isouter=True)
                       .where(EventStatusChange.event_id == event.id,
                              EventStatusChange.action == closing)
                       .order_by(EventStatusChange.id.desc())).first()
    if row is None:
        return Closure(status=EventStatus(event.status), at=event.updated_at, actor_name="—",
                       reason=event.cancel_reason)
    change, name = row
    return Closure(status=EventStatus(event.status), at=change.at, actor_name=name or "—",
                   reason=change.reason)


def needs_transcript(event: PressEvent) -> bool:
    return event.kind not in NO_TRANSCRIPT


def followups(session: Session, event_id: int) -> list[Followup]:
    """The after-event drafts of the event: 文字实录 and 重要政务活动信息."""
    event = get_event(session, event_id)
    released = exists().where(DraftRelease.draft_id == EventDraftLink.draft_id)
    rows = session.exec(select(EventDraftLink.role, EventDraftLink.draft_id, released)
                        .where(EventDraftLink.event_id == event_id,
                               EventDraftLink.role.in_(list(FOLLOWUP_RULES)))
                        .order_by(EventDraftLink.draft_id)).all()
    found = []
    for document in FOLLOWUP_RULES:
        mine = [(draft_id, done) for role, draft_id, done in rows if role == document]
        required = document != EventDocument.TRANSCRIPT or needs_transcript(event)
        found.append(Followup(document=document, required=required,
                              draft_ids=tuple(draft_id for draft_id, _ in mine),
                              released=any(done for _, done in mine)))
    return found


def missing_followups(session: Session, event: PressEvent) -> list[EventDocument]:
    return [item.document for item in followups(session, event.id)
            if item.required and not item.released]


# --- closing the after-event items ------------------------------------------------------

def close_followups_for_draft(session: Session, *, actor: User, draft_id: int,
                              now: datetime | None = None) -> list[int]:
    """Close the board items of the held events that link this draft as 文字实录 or
    重要政务活动信息; returns the event ids. planner.services.review.release calls it."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        return []
    event_ids = session.exec(select(EventDraftLink.event_id).where(
        EventDraftLink.draft_id == draft_id,
        EventDraftLink.role.in_(list(FOLLOWUP_RULES)))).all()
    for event_id in event_ids:
        sync_followups(session, actor=actor, event_id=event_id, now=now)
    return list(event_ids)


def sync_followups(session: Session, *, actor: User, event_id: int,
                   now: datetime | None = None) -> None:
    """Close each after-event item of a held event whose draft is released.

    Call it after linking a released draft in a role, as well as after a release.
    """
    event = get_event(session, event_id)
    if event.status not in (_S.HELD, _S.ARCHIVED):
        return
    for item in followups(session, event_id):
        if item.released:
            closed = deadlines.complete_for_entity(
                session, actor=actor, rule_key=FOLLOWUP_RULES[item.document], entity=ENTITY,
                entity_id=event_id, at=_now(now))
            if closed is not None:
                logger.info("event %s: %s item closed by a released draft", event_id,
                            item.document)


# --- helpers ----------------------------------------------------------------------------

def _check(session: Session, actor: User, event: PressEvent, action: Action,
           now: datetime | None) -> Transition:
    """Check state, role and the rules on top of the table; raise if the step is refused."""
    transition = transition_for(action, event)
    require(session, actor, f"event_{action}", set(transition.roles))

    error = rule_error(event, action, actor=actor, now=now)
    if error is not None:
        raise error
    return transition


def rule_error(event: PressEvent, action: Action, *, actor: User,
               now: datetime | None = None) -> PlannerError | None:
    """Return the error that a rule beyond status and role raises against `action` now,
    or None: approving one's own booking, 发布预告 of a 在线访谈 without a question
    channel, 已举行 before the preview or the start."""
    if action == Action.APPROVE and actor.id == event.created_by:
        return PermissionDenied("event_flow.approve_own", topic=inside_quotes(event.topic))
    if action == Action.ANNOUNCE and event.kind in PREVIEW_REQUIRED \
            and not event.question_channel.strip():
        return InvalidInput("event_flow.channel_missing", topic=inside_quotes(event.topic))
    if action == Action.HOLD:
        if event.kind in PREVIEW_REQUIRED and event.status != _S.ANNOUNCED:
            return Conflict("event_flow.preview_required", topic=inside_quotes(event.topic),
                            kind=t(f"event.kind.{event.kind}"))
        if _now(now) < as_utc(event.starts_at):
            return Conflict("event_flow.hold_too_early", topic=inside_quotes(event.topic),
                            start=format_office(event.starts_at))
    return None


def _move(session: Session, actor: User, event: PressEvent, transition: Transition, *,
          now: datetime | None, reason: str = "", old_starts_at: datetime | None = None,
          old_ends_at: datetime | None = None, detail: dict | None = None) -> None:
    source = event.status
    moment = _now(now)
    event.status = transition.target
    event.updated_at = moment
    session.add(event)
    session.add(EventStatusChange(
        event_id=event.id, action=transition.action, from_status=source,
        to_status=transition.target, reason=reason, old_starts_at=old_starts_at,
        new_starts_at=as_utc(event.starts_at) if old_starts_at is not None else None,
        old_ends_at=old_ends_at,
        new_ends_at=as_utc(event.ends_at) if old_ends_at is not None else None,
        actor_id=actor.id, at=moment))
    session.flush()

    audit.record(session, actor=actor, action=f"event.{transition.action}", entity=ENTITY,
                 entity_id=event.id, detail={"from": source, "to": transition.target,
                                             "reason": reason, **(detail or {})})
    logger.info("event %s: %s, %s → %s, by user %s", event.id, transition.action, source,
                transition.target, actor.id)


def _reason(text: str, *, required: bool) -> str:
    text = text.strip()
    if len(text) > MAX_REASON:
        raise InvalidInput("event_flow.reason_too_long", length=len(text), limit=MAX_REASON)
    if required and not text:
        raise InvalidInput("event_flow.reason_missing")
    return text


def _time_span(start: datetime, end: datetime) -> str:
    """Write a span as 2026-12-08 15:00—16:00, with the end's date when it is another day."""
    start_text, end_text = format_office(start), format_office(end)
    if start_text[:10] == end_text[:10]:
        return f"{start_text}—{end_text[11:]}"
    return f"{start_text}—{end_text}"


def _now(now: datetime | None) -> datetime:
    return as_utc(now) if now is not None else now_utc()
