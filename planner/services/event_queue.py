"""我的待办 for press events: the events waiting for the user to take a step. The steps
come from event_flow's TRANSITIONS, roles and rule_error, the same checks by which the event
page offers its buttons. 发布预告 also needs an approved 访谈预告 draft, which is checked
only when the step is taken.

Two kinds of item:
- 批准: every 策划中 event that the user may approve (单位负责人, not the person who booked
  it), because nothing else moves such an event forward.
- the organisers' steps that the cycle needs (发布预告 of a 在线访谈, 标记为已举行 once the
  start has passed, 归档), only for events the user booked. Every 新闻发言人 and 厅办公室
  member may take them, so listing them for everyone would bury each person's own events.
Cancelling and postponing are choices, not pending work, so they are never listed.

upcoming_events, for 近期活动 on the 工作台, lists what is coming up rather than what waits
for one person.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from planner.models import EventStatus, PressEvent, User
from planner.permissions import roles_of
from planner.services import event_flow
from planner.services.event_flow import Action
from planner.timeutil import now_utc, to_utc

UPCOMING_LIMIT = 5

# The steps that are pending work when their rule allows them; event_flow.PREVIEW_REQUIRED
# limits 发布预告 to the kinds that must have a preview.
PENDING_ACTIONS = (Action.APPROVE, Action.ANNOUNCE, Action.HOLD, Action.ARCHIVE)
ANY_BOOKER_ACTIONS = {Action.APPROVE}


@dataclass(frozen=True)
class EventQueueItem:
    """One event and the step it waits for from the user."""

    event_id: int
    topic: str
    kind: str
    status: str
    starts_at: datetime
    action: Action


def events_for(session: Session, *, actor: User, now: datetime | None = None
               ) -> list[EventQueueItem]:
    """Return the events waiting for `actor`, 批准 first, then by start time; one query for
    the roles and one for the events, whatever their number."""
    if not actor.is_active:
        return []
    now = now or now_utc()
    held_roles = {role for role, _ in roles_of(session, actor)}
    transitions = [tr for tr in event_flow.TRANSITIONS
                   if tr.action in PENDING_ACTIONS and tr.roles & held_roles]
    if not transitions:
        return []

    sources = sorted({tr.source for tr in transitions})
    events = session.exec(select(PressEvent).where(PressEvent.status.in_(sources))
                          .order_by(PressEvent.starts_at, PressEvent.id)).all()
    items = [_item(event, transition.action)
             for transition in transitions for event in events
             if _pending(event, transition, actor, now)]
    return sorted(items, key=lambda item: (item.action != Action.APPROVE, item.starts_at,
                                           item.event_id))


def _pending(event: PressEvent, transition: event_flow.Transition, actor: User,
             now: datetime) -> bool:
    if EventStatus(event.status) != transition.source:
        return False
    if transition.action not in ANY_BOOKER_ACTIONS and event.created_by != actor.id:
        return False
    if transition.action == Action.ANNOUNCE and event.kind not in event_flow.PREVIEW_REQUIRED:
        return False
    return event_flow.rule_error(event, transition.action, actor=actor, now=now) is None


def _item(event: PressEvent, action: Action) -> EventQueueItem:
    return EventQueueItem(event_id=event.id, topic=event.topic, kind=event.kind,
                          status=event.status, starts_at=event.starts_at, action=action)


def upcoming_events(session: Session, *, now: datetime | None = None,
                    limit: int = UPCOMING_LIMIT) -> list[PressEvent]:
    """Return the events that have not ended by `now`, soonest first, cancelled ones
    included so that a called-off event is seen as such and not missed."""
    moment = to_utc(now or now_utc())
    return list(session.exec(select(PressEvent).where(PressEvent.ends_at >= moment)
                             .order_by(PressEvent.starts_at, PressEvent.id).limit(limit)))
