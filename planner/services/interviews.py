"""在线访谈: the interview plan (访谈计划), its entries booked as events, and the questions
the public submits (网友提问).

A plan is annual (quarter None) or quarterly. Each entry names a topic, the unit whose work
it covers, a target month in the plan's year and the guests (嘉宾, one per line: 姓名 职务).
Scheduling an entry books an 在线访谈 through planner.services.events, so the booking
warnings and the 预告 deadline apply as for any event. The entry then links to the event,
and its status in the plan follows the event's. An entry whose event was cancelled may be
scheduled again.

Questions are registered before or during the interview, assigned to one of the event's
guests, and answered live (现场答复) from the interview's start or in writing (书面答复) once it
is held. The office may decline a question with a reason, which is kept in `answer`. Each
question still open when the interview is held gets a written-answer deadline (rule
interview_answer) on the supervision board. The answer or the decline closes it.

Who: 新闻发言人 and 厅办公室 (planner.services.events.EVENT_ORGANISERS) keep the plans,
schedule entries, register, assign and decline questions and export them. An answer is
recorded by them or by anyone holding a role other than 管理员 in the interview's unit (the
entry's unit), because the guests' own staff usually write the written answers. Reading
needs no role.
"""

import logging
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import Session, select

from planner import deadlines as rules
from planner.csvsafe import csv_bytes
from planner.deadlines import Due
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.filenames import safe_filename
from planner.i18n import inside_quotes, t
from planner.models import (EventKind, EventStatus, InterviewPlan, InterviewPlanEntry,
                            InterviewQuestion, Obligation, ObligationStatus, PressEvent,
                            QuestionStatus, Role, Unit, User)
from planner.permissions import has_any_role, log_refusal, probing, require
from planner.services import audit, deadlines, event_people, events
from planner.timeutil import format_office, now_utc, to_office, to_utc

logger = logging.getLogger(__name__)

ORGANISERS = events.EVENT_ORGANISERS
# Any role held in the interview's unit may record an answer; 管理员 grants no content rights.
UNIT_ANSWERERS = set(Role) - {Role.ADMIN}
QUESTION_ENTITY = "interview_question"

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_TITLE = 300          # InterviewPlan.title and InterviewPlanEntry.topic columns
MAX_GUESTS = 20
MAX_GUEST_NAME = 50
MAX_CHANNEL = 500        # PressEvent.question_channel column
MAX_ASKER = 100          # InterviewQuestion.asker column
MAX_QUESTION = 2000
MAX_ANSWER = 10000
MAX_REASON = 1000

# Statuses in which the public may still send questions: up to and during the interview.
OPEN_FOR_QUESTIONS = {EventStatus.PLANNING, EventStatus.APPROVED, EventStatus.ANNOUNCED}
OPEN_QUESTIONS = {QuestionStatus.REGISTERED, QuestionStatus.ASSIGNED}


class EntryStatus(StrEnum):
    """An entry's place in the plan, from its event's status."""

    PLANNED = "planned"        # 未安排: no event yet
    SCHEDULED = "scheduled"    # 已安排: 策划中, 已批准 or 已预告
    HELD = "held"              # 已举行
    ARCHIVED = "archived"      # 已归档
    CANCELLED = "cancelled"    # 已取消


class AnswerMode(StrEnum):
    LIVE = "live"          # 现场答复, during the interview
    WRITTEN = "written"    # 书面答复, after it


@dataclass
class PlanInput:
    title: str
    year: int
    quarter: int | None = None   # None: an annual plan
    note: str = ""


@dataclass
class EntryInput:
    topic: str
    target_month: int            # 1-12, in the plan's year
    unit_id: int | None = None
    guests: str = ""             # one per line: 姓名 职务
    note: str = ""


@dataclass(frozen=True)
class Guest:
    name: str
    title: str                   # 职务

    @property
    def label(self) -> str:
        return f"{self.name}（{self.title}）"


@dataclass(frozen=True)
class EntryRow:
    entry: InterviewPlanEntry
    unit_name: str
    guests: list[Guest]
    event: PressEvent | None
    status: EntryStatus
    overdue: bool                # the target month has passed without an interview


@dataclass(frozen=True)
class PlanOverview:
    plan: InterviewPlan
    rows: list[EntryRow]


@dataclass(frozen=True)
class PreviewStatus:
    """The 预告 deadline of an interview, from the interview_preview rule."""

    due: Due | None              # None when the event has no such item (not an interview)
    status: str | None           # ObligationStatus of the item
    overdue: bool


@dataclass(frozen=True)
class Registration:
    question: InterviewQuestion
    duplicate_ids: list[int]     # earlier questions of the event with the same text


@dataclass(frozen=True)
class QuestionRow:
    question: InterviewQuestion
    duplicate_of: int | None     # the first earlier question with the same text
    due: Due | None              # the written answer's due time, once the interview is held
    deadline_status: str | None  # ObligationStatus of that item
    overdue: bool


# --- plans -----------------------------------------------------------------------------------

def create_plan(session: Session, *, actor: User, data: PlanInput) -> InterviewPlan:
    require(session, actor, "manage_interview_plan", ORGANISERS)
    _validate_plan(data)

    plan = InterviewPlan(created_by=actor.id, title="", year=data.year)
    _apply_plan(plan, data)
    session.add(plan)
    session.flush()

    audit.record(session, actor=actor, action="interview.plan_create", entity="interview_plan",
                 entity_id=plan.id, detail=_plan_detail(plan))
    return plan


def update_plan(session: Session, *, actor: User, plan_id: int, data: PlanInput
                ) -> InterviewPlan:
    """Change a plan; a new year or quarter must still hold every entry's target month."""
    require(session, actor, "manage_interview_plan", ORGANISERS)
    _validate_plan(data)
    plan = get_plan(session, plan_id)
    for entry in list_entries(session, plan_id):
        _check_month(entry.target_month, data.quarter)

    before = _plan_detail(plan)
    _apply_plan(plan, data)
    session.add(plan)
    audit.record(session, actor=actor, action="interview.plan_update", entity="interview_plan",
                 entity_id=plan.id, detail={"before": before, "after": _plan_detail(plan)})
    return plan


def delete_plan(session: Session, *, actor: User, plan_id: int) -> None:
    """Delete a plan without entries; a plan with entries keeps its record."""
    require(session, actor, "manage_interview_plan", ORGANISERS)
    plan = get_plan(session, plan_id)
    count = len(list_entries(session, plan_id))
    if count:
        raise Conflict("interview.plan_not_empty", title=inside_quotes(plan.title), count=count)

    detail = _plan_detail(plan)
    session.delete(plan)
    audit.record(session, actor=actor, action="interview.plan_delete", entity="interview_plan",
                 entity_id=plan_id, detail=detail)


def get_plan(session: Session, plan_id: int) -> InterviewPlan:
    plan = session.get(InterviewPlan, plan_id)
    if plan is None:
        raise NotFound("interview.plan_not_found", id=plan_id)
    return plan


def list_plans(session: Session) -> list[InterviewPlan]:
    """Plans, newest year first; in a year the annual plan before the quarters."""
    query = select(InterviewPlan).order_by(InterviewPlan.year.desc(),
                                           func.coalesce(InterviewPlan.quarter, 0),
                                           InterviewPlan.id)
    return list(session.exec(query))


def plan_label(plan: InterviewPlan) -> str:
    """Return the plan's period and title, e.g. 2026年第4季度 · 交通运输在线访谈计划."""
    period = (t("interview.period_year", year=plan.year) if plan.quarter is None
              else t("interview.period_quarter", year=plan.year, quarter=plan.quarter))
    return f"{period} · {plan.title}"


def quarter_months(quarter: int | None) -> list[int]:
    """Return the months an entry may target: all twelve, or the quarter's three."""
    if quarter is None:
        return list(range(1, 13))
    return [3 * (quarter - 1) + offset for offset in (1, 2, 3)]


def _validate_plan(data: PlanInput) -> None:
    title = data.title.strip()
    if not title:
        raise InvalidInput("interview.plan_title_missing")
    if len(title) > MAX_TITLE:
        raise InvalidInput("interview.plan_title_too_long", length=len(title), limit=MAX_TITLE)
    if not MIN_YEAR <= data.year <= MAX_YEAR:
        raise InvalidInput("interview.year_invalid", year=data.year, low=MIN_YEAR, high=MAX_YEAR)
    if data.quarter is not None and data.quarter not in (1, 2, 3, 4):
        raise InvalidInput("interview.quarter_invalid", quarter=data.quarter)


def _apply_plan(plan: InterviewPlan, data: PlanInput) -> None:
    plan.title = data.title.strip()
    plan.year = data.year
    plan.quarter = data.quarter
    plan.note = data.note.strip()


def _plan_detail(plan: InterviewPlan) -> dict:
    return {"title": plan.title, "year": plan.year, "quarter": plan.quarter}


# --- entries ---------------------------------------------------------------------------------

def add_entry(session: Session, *, actor: User, plan_id: int, data: EntryInput
              ) -> InterviewPlanEntry:
    require(session, actor, "manage_interview_plan", ORGANISERS)
    plan = get_plan(session, plan_id)
    guests = _validate_entry(session, plan, data)

    entry = InterviewPlanEntry(plan_id=plan.id, topic="", target_month=data.target_month)
    _apply_entry(entry, data, guests)
    session.add(entry)
    session.flush()

    audit.record(session, actor=actor, action="interview.entry_add",
                 entity="interview_plan_entry", entity_id=entry.id,
                 detail={"plan_id": plan.id, **_entry_detail(entry)})
    return entry


def update_entry(session: Session, *, actor: User, entry_id: int, data: EntryInput
                 ) -> InterviewPlanEntry:
    """Change an entry that is not (or no longer) booked; a booked one changes as an event."""
    require(session, actor, "manage_interview_plan", ORGANISERS)
    entry = get_entry(session, entry_id)
    _refuse_if_scheduled(session, entry)
    guests = _validate_entry(session, get_plan(session, entry.plan_id), data)

    before = _entry_detail(entry)
    _apply_entry(entry, data, guests)
    session.add(entry)
    audit.record(session, actor=actor, action="interview.entry_update",
                 entity="interview_plan_entry", entity_id=entry.id,
                 detail={"before": before, "after": _entry_detail(entry)})
    return entry


def delete_entry(session: Session, *, actor: User, entry_id: int) -> None:
    require(session, actor, "manage_interview_plan", ORGANISERS)
    entry = get_entry(session, entry_id)
    _refuse_if_scheduled(session, entry)

    detail = {"plan_id": entry.plan_id, **_entry_detail(entry)}
    session.delete(entry)
    audit.record(session, actor=actor, action="interview.entry_delete",
                 entity="interview_plan_entry", entity_id=entry_id, detail=detail)


def get_entry(session: Session, entry_id: int) -> InterviewPlanEntry:
    entry = session.get(InterviewPlanEntry, entry_id)
    if entry is None:
        raise NotFound("interview.entry_not_found", id=entry_id)
    return entry


def list_entries(session: Session, plan_id: int) -> list[InterviewPlanEntry]:
    query = select(InterviewPlanEntry).where(InterviewPlanEntry.plan_id == plan_id).order_by(
        InterviewPlanEntry.target_month, InterviewPlanEntry.id)
    return list(session.exec(query))


def parse_guests(text: str) -> list[Guest]:
    """Read guests as the events do (姓名 职务, one a line or several joined by 、) and
    raise InvalidInput for a guest without a 职务, a name given twice or too many guests."""
    guests: list[Guest] = []
    for person in event_people.parse_guests(text):
        if not person.title:
            raise InvalidInput("interview.guest_title_missing", name=inside_quotes(person.name))
        if len(person.name) > MAX_GUEST_NAME:
            raise InvalidInput("interview.guest_name_too_long", name=inside_quotes(person.name),
                               limit=MAX_GUEST_NAME)
        if any(guest.name == person.name for guest in guests):
            raise InvalidInput("interview.guest_duplicate", name=inside_quotes(person.name))
        guests.append(Guest(name=person.name, title=person.title))

    if len(guests) > MAX_GUESTS:
        raise InvalidInput("interview.too_many_guests", count=len(guests), limit=MAX_GUESTS)
    return guests


def format_guests(guests: list[Guest]) -> str:
    return "\n".join(f"{guest.name} {guest.title}" for guest in guests)


def _validate_entry(session: Session, plan: InterviewPlan, data: EntryInput) -> list[Guest]:
    topic = data.topic.strip()
    if not topic:
        raise InvalidInput("interview.topic_missing")
    if len(topic) > MAX_TITLE:
        raise InvalidInput("interview.topic_too_long", length=len(topic), limit=MAX_TITLE)
    _check_month(data.target_month, plan.quarter)
    if data.unit_id is not None and session.get(Unit, data.unit_id) is None:
        raise NotFound("interview.unit_not_found", id=data.unit_id)
    return parse_guests(data.guests)


def _check_month(month: int, quarter: int | None) -> None:
    if not 1 <= month <= 12:
        raise InvalidInput("interview.month_invalid", month=month)
    allowed = quarter_months(quarter)
    if month not in allowed:
        raise InvalidInput("interview.month_outside_quarter", month=month, quarter=quarter,
                           first=allowed[0], last=allowed[-1])


def _apply_entry(entry: InterviewPlanEntry, data: EntryInput, guests: list[Guest]) -> None:
    entry.topic = data.topic.strip()
    entry.target_month = data.target_month
    entry.unit_id = data.unit_id
    entry.guests = format_guests(guests)
    entry.note = data.note.strip()


def _entry_detail(entry: InterviewPlanEntry) -> dict:
    return {"topic": entry.topic, "target_month": entry.target_month, "unit_id": entry.unit_id,
            "guests": entry.guests}


def _refuse_if_scheduled(session: Session, entry: InterviewPlanEntry) -> None:
    """Raise Conflict naming the event when the entry is booked and not cancelled."""
    event = session.get(PressEvent, entry.event_id) if entry.event_id is not None else None
    if event is not None and event.status != EventStatus.CANCELLED:
        raise Conflict("interview.entry_scheduled", topic=inside_quotes(entry.topic),
                       event_id=event.id,
                       time=format_office(event.starts_at),
                       status=t(f"event.status.{event.status}"))


# --- scheduling an entry as an event ---------------------------------------------------------

def check_schedule(session: Session, *, entry_id: int, starts_at: datetime, ends_at: datetime,
                   online_room: str = "", spokespeople: str = "", host: str = "",
                   now: datetime | None = None) -> list[events.BookingIssue]:
    """Return the booking warnings for the entry at these times: weekend, holiday, people
    or online room already booked, a start in the past. None of them blocks scheduling."""
    entry = get_entry(session, entry_id)
    data = _event_input(entry, starts_at, ends_at, online_room, "", spokespeople, host)
    return events.check_booking(session, data, now=now)


def schedule_entry(session: Session, *, actor: User, entry_id: int, starts_at: datetime,
                   ends_at: datetime, online_room: str, question_channel: str,
                   spokespeople: str, host: str) -> PressEvent:
    """Book the entry as an 在线访谈 and link it; an entry booked already is refused.

    The event is made by events.create_event, which checks the organiser's role, writes
    its own audit row and puts the 预告 and 重要政务活动信息 items on the board.
    """
    require(session, actor, "schedule_interview", ORGANISERS)
    entry = get_entry(session, entry_id)
    _refuse_if_scheduled(session, entry)
    _validate_schedule(entry, online_room, question_channel)

    data = _event_input(entry, starts_at, ends_at, online_room, question_channel,
                        spokespeople, host)
    event = events.create_event(session, actor=actor, data=data)
    entry.event_id = event.id
    session.add(entry)
    session.flush()

    audit.record(session, actor=actor, action="interview.schedule",
                 entity="interview_plan_entry", entity_id=entry.id,
                 detail={"event_id": event.id, "starts_at": event.starts_at.isoformat()})
    logger.info("interview plan entry %s booked as event %s", entry.id, event.id)
    return event


def _validate_schedule(entry: InterviewPlanEntry, online_room: str,
                       question_channel: str) -> None:
    if not _read_guests(entry.guests):
        raise InvalidInput("interview.guests_missing", topic=inside_quotes(entry.topic))
    if not online_room.strip():
        raise InvalidInput("interview.online_room_missing")
    if len(online_room.strip()) > MAX_CHANNEL:
        raise InvalidInput("interview.online_room_too_long", limit=MAX_CHANNEL)
    if len(question_channel.strip()) > MAX_CHANNEL:
        raise InvalidInput("interview.channel_too_long", limit=MAX_CHANNEL)


def _event_input(entry: InterviewPlanEntry, starts_at: datetime, ends_at: datetime,
                 online_room: str, question_channel: str, spokespeople: str,
                 host: str) -> events.EventInput:
    return events.EventInput(kind=EventKind.ONLINE_INTERVIEW, topic=entry.topic,
                             starts_at=starts_at, ends_at=ends_at, online_room=online_room,
                             spokespeople=spokespeople, host=host, agenda=entry.note,
                             guests=entry.guests, question_channel=question_channel.strip())


# --- reading: the plan and the interviews ----------------------------------------------------

def plan_overview(session: Session, plan_id: int, *, now: datetime) -> PlanOverview:
    """Return every entry with its event and status, overdue once its month ends with no
    interview."""
    plan = get_plan(session, plan_id)
    entries = list_entries(session, plan_id)
    unit_names = _unit_names(session, {entry.unit_id for entry in entries})
    today = to_office(now).date()

    rows = []
    for entry in entries:
        event = session.get(PressEvent, entry.event_id) if entry.event_id is not None else None
        status = entry_status(event)
        month_over = today >= _month_after(plan.year, entry.target_month)
        rows.append(EntryRow(entry=entry, unit_name=unit_names.get(entry.unit_id, ""),
                             guests=_read_guests(entry.guests), event=event, status=status,
                             overdue=month_over and status in (EntryStatus.PLANNED,
                                                                EntryStatus.CANCELLED)))
    return PlanOverview(plan=plan, rows=rows)


def entry_status(event: PressEvent | None) -> EntryStatus:
    if event is None:
        return EntryStatus.PLANNED
    if event.status in (EventStatus.HELD, EventStatus.ARCHIVED, EventStatus.CANCELLED):
        return EntryStatus(event.status)
    return EntryStatus.SCHEDULED


def interview_events(session: Session) -> list[PressEvent]:
    """Return every 在线访谈, from a plan or booked directly, the latest first."""
    query = select(PressEvent).where(PressEvent.kind == EventKind.ONLINE_INTERVIEW).order_by(
        PressEvent.starts_at.desc(), PressEvent.id.desc())
    return list(session.exec(query))


def get_interview(session: Session, event_id: int) -> PressEvent:
    """Return the event, which must be an 在线访谈."""
    event = events.get_event(session, event_id)
    if event.kind != EventKind.ONLINE_INTERVIEW:
        raise InvalidInput("interview.not_an_interview", topic=inside_quotes(event.topic),
                           kind=t(f"event.kind.{event.kind}"))
    return event


def entry_for_event(session: Session, event_id: int) -> InterviewPlanEntry | None:
    query = select(InterviewPlanEntry).where(InterviewPlanEntry.event_id == event_id)
    return session.exec(query).first()


def guests_of(event: PressEvent) -> list[Guest]:
    """Return the event's guests, which the events page may have changed since scheduling."""
    return _read_guests(event.guests)


def _read_guests(text: str) -> list[Guest]:
    # Stored text is read as it is, without the checks that guarded its entry.
    return [Guest(name=person.name, title=person.title)
            for person in event_people.parse_guests(text)]


def preview_status(session: Session, event_id: int, *, now: datetime) -> PreviewStatus:
    """Return the 预告 item of an interview: its due day and whether it is done or overdue."""
    rows = [row for row in deadlines.obligations_for(session, "press_event", event_id)
            if row.rule_key == rules.INTERVIEW_PREVIEW]
    if not rows:
        return PreviewStatus(due=None, status=None, overdue=False)

    row = rows[0]
    due = deadlines.due_of(session, row)
    overdue = row.status == ObligationStatus.OPEN and due.at <= to_utc(to_office(now))
    return PreviewStatus(due=due, status=row.status, overdue=overdue)


def _month_after(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def _unit_names(session: Session, unit_ids: set[int | None]) -> dict[int, str]:
    wanted = {unit_id for unit_id in unit_ids if unit_id is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(Unit.id, Unit.name).where(Unit.id.in_(wanted))).all())


# --- questions (网友提问) ------------------------------------------------------------------

def register_question(session: Session, *, actor: User, event_id: int, asker: str, text: str,
                      submitted_at: datetime, now: datetime | None = None) -> Registration:
    """Register a question; one with the same text as an earlier one is saved and flagged."""
    require(session, actor, "register_question", ORGANISERS)
    event = get_interview(session, event_id)
    if event.status not in OPEN_FOR_QUESTIONS:
        raise Conflict("interview.questions_closed", topic=inside_quotes(event.topic),
                       status=t(f"event.status.{event.status}"))
    _validate_question(asker, text, submitted_at, now or now_utc())

    duplicates = [row.id for row in _questions(session, event_id)
                  if _normalised(row.text) == _normalised(text)]
    question = InterviewQuestion(event_id=event.id, asker=asker.strip(), text=text.strip(),
                                 submitted_at=to_utc(submitted_at), created_by=actor.id)
    session.add(question)
    session.flush()

    audit.record(session, actor=actor, action="interview.question_register",
                 entity=QUESTION_ENTITY, entity_id=question.id,
                 detail={"event_id": event.id, "asker": question.asker,
                         "duplicate_of": duplicates})
    return Registration(question=question, duplicate_ids=duplicates)


def assign_question(session: Session, *, actor: User, question_id: int, guest: str
                    ) -> InterviewQuestion:
    """Give an open question to one of the interview's guests (again, to change the guest)."""
    require(session, actor, "assign_question", ORGANISERS)
    question = get_question(session, question_id)
    event = get_interview(session, question.event_id)
    _require_open(question)
    names = [person.name for person in guests_of(event)]
    if guest.strip() not in names:
        raise InvalidInput("interview.guest_unknown", guest=inside_quotes(guest.strip()),
                           guests="、".join(names) or "—")

    before = question.assignee
    question.assignee = guest.strip()
    question.status = QuestionStatus.ASSIGNED
    session.add(question)
    audit.record(session, actor=actor, action="interview.question_assign",
                 entity=QUESTION_ENTITY, entity_id=question.id,
                 detail={"before": before, "assignee": question.assignee})
    return question


def answer_question(session: Session, *, actor: User, question_id: int, answer: str,
                    mode: AnswerMode, now: datetime | None = None) -> InterviewQuestion:
    """Record the guest's answer: live from the interview's start, written once it is held."""
    question = get_question(session, question_id)
    event = get_interview(session, question.event_id)
    _require_answerer(session, actor, event)
    _require_open(question)
    if question.status != QuestionStatus.ASSIGNED:
        raise InvalidInput("interview.question_unassigned", number=question.id)
    now = to_utc(to_office(now or now_utc()))
    _check_answer(event, answer, AnswerMode(mode), now)

    question.answer = answer.strip()
    question.answer_mode = AnswerMode(mode)
    _close_question(session, actor, question, QuestionStatus.ANSWERED, now)
    audit.record(session, actor=actor, action="interview.question_answer",
                 entity=QUESTION_ENTITY, entity_id=question.id,
                 detail={"mode": question.answer_mode, "assignee": question.assignee})
    return question


def decline_question(session: Session, *, actor: User, question_id: int, reason: str,
                     now: datetime | None = None) -> InterviewQuestion:
    """不予答复: the office closes a question with the reason, which is kept as its answer."""
    require(session, actor, "decline_question", ORGANISERS)
    question = get_question(session, question_id)
    _require_open(question)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("interview.decline_reason_missing", number=question.id)
    if len(reason) > MAX_REASON:
        raise InvalidInput("interview.decline_reason_too_long", length=len(reason),
                           limit=MAX_REASON)

    question.answer = reason
    question.answer_mode = ""
    _close_question(session, actor, question, QuestionStatus.DECLINED,
                    to_utc(to_office(now or now_utc())))
    audit.record(session, actor=actor, action="interview.question_decline",
                 entity=QUESTION_ENTITY, entity_id=question.id, detail={"reason": reason})
    return question


def on_interview_held(session: Session, *, actor: User, event: PressEvent) -> list[Obligation]:
    """Start the written-answer clock (rule interview_answer) of every open question.

    Called by the step that marks the interview 已举行. The clock counts from the
    interview's end as booked, because the step may be recorded a day or two later.
    """
    if event.kind != EventKind.ONLINE_INTERVIEW:
        return []
    entry = entry_for_event(session, event.id)
    owner = session.get(User, event.created_by) if event.created_by else None
    unit_id = entry.unit_id if entry is not None and entry.unit_id is not None else (
        owner.unit_id if owner else None)

    items = []
    for question in _questions(session, event.id):
        if question.status in OPEN_QUESTIONS:
            items.append(deadlines.track(
                session, actor=actor, rule_key=rules.INTERVIEW_ANSWER, entity=QUESTION_ENTITY,
                entity_id=question.id, trigger_at=to_utc(to_office(event.ends_at)),
                unit_id=unit_id, owner_id=owner.id if owner else None,
                title=t("interview.answer_item_title", topic=inside_quotes(event.topic),
                        number=question.id)))
    logger.info("interview %s held: %s written answers due", event.id, len(items))
    return items


def get_question(session: Session, question_id: int) -> InterviewQuestion:
    question = session.get(InterviewQuestion, question_id)
    if question is None:
        raise NotFound("interview.question_not_found", id=question_id)
    return question


def list_questions(session: Session, event_id: int, *, now: datetime) -> list[QuestionRow]:
    """Return the event's questions in order of submission, with duplicates and deadlines."""
    questions = _questions(session, event_id)
    items = _answer_items(session, [question.id for question in questions])
    calc = deadlines.calculator(session)
    now = to_utc(to_office(now))

    first_by_text: dict[str, int] = {}
    rows = []
    for question in questions:
        key = _normalised(question.text)
        duplicate_of = first_by_text.setdefault(key, question.id)
        item = items.get(question.id)
        due = deadlines.due_of(session, item, calc) if item is not None else None
        open_item = item is not None and item.status == ObligationStatus.OPEN
        rows.append(QuestionRow(question=question,
                                duplicate_of=duplicate_of if duplicate_of != question.id else None,
                                due=due, deadline_status=item.status if item else None,
                                overdue=open_item and due.at <= now))
    return rows


def may_answer(session: Session, *, actor: User, event_id: int) -> bool:
    """Return whether `actor` may record answers for this interview; for pages."""
    try:
        with probing():
            _require_answerer(session, actor, get_interview(session, event_id))
    except (PermissionDenied, InvalidInput, NotFound):
        return False
    return True


def questions_csv(session: Session, *, actor: User, event_id: int,
                  now: datetime | None = None) -> tuple[str, bytes]:
    """Export the event's questions and answers as CSV for the office (UTF-8 with BOM)."""
    require(session, actor, "export_questions", ORGANISERS)
    event = get_interview(session, event_id)
    rows = list_questions(session, event_id, now=now or now_utc())
    header = [t(f"interview.column.{name}") for name in _CSV_COLUMNS]
    data = csv_bytes(header, [_csv_cells(row) for row in rows])

    name = questions_filename(event)
    audit.record(session, actor=actor, action="interview.questions_export",
                 entity="press_event", entity_id=event.id,
                 detail={"file": name, "rows": len(rows)})
    logger.info("questions of interview %s exported by user %s (%s rows)", event.id, actor.id,
                len(rows))
    return name, data


def questions_filename(event: PressEvent) -> str:
    return safe_filename(t("interview.questions_file_stem", topic=event.topic), "csv")


_CSV_COLUMNS = ("number", "asker", "text", "submitted_at", "duplicate_of", "status",
                "assignee", "mode", "answer", "answered_at", "due", "overdue")


def _csv_cells(row: QuestionRow) -> list:
    question = row.question
    return [question.id, question.asker, question.text, format_office(question.submitted_at),
            row.duplicate_of or "", t(f"interview.question_status.{question.status}"),
            question.assignee,
            t(f"interview.answer_mode.{question.answer_mode}") if question.answer_mode else "",
            question.answer, format_office(question.answered_at),
            deadlines.describe_due(row.due) if row.due else "",
            t("interview.overdue_mark") if row.overdue else ""]


def _questions(session: Session, event_id: int) -> list[InterviewQuestion]:
    query = select(InterviewQuestion).where(InterviewQuestion.event_id == event_id).order_by(
        InterviewQuestion.submitted_at, InterviewQuestion.id)
    return list(session.exec(query))


def _answer_items(session: Session, question_ids: list[int]) -> dict[int, Obligation]:
    if not question_ids:
        return {}
    query = select(Obligation).where(Obligation.rule_key == rules.INTERVIEW_ANSWER,
                                     Obligation.entity == QUESTION_ENTITY,
                                     Obligation.entity_id.in_(question_ids))
    return {row.entity_id: row for row in session.exec(query)}


def _validate_question(asker: str, text: str, submitted_at: datetime, now: datetime) -> None:
    body = text.strip()
    if not body:
        raise InvalidInput("interview.question_missing")
    if len(body) > MAX_QUESTION:
        raise InvalidInput("interview.question_too_long", length=len(body), limit=MAX_QUESTION)
    if len(asker.strip()) > MAX_ASKER:
        raise InvalidInput("interview.asker_too_long", length=len(asker.strip()),
                           limit=MAX_ASKER)
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    if submitted_at > now:
        raise InvalidInput("interview.submitted_in_future", time=format_office(submitted_at),
                           now=format_office(now))


def _normalised(text: str) -> str:
    """Fold width and case and drop spaces, punctuation and symbols, so 「高速？」 matches 高速?."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(char for char in folded
                   if not unicodedata.category(char).startswith(("P", "Z", "C", "S")))


def _require_open(question: InterviewQuestion) -> None:
    if question.status not in OPEN_QUESTIONS:
        raise Conflict("interview.question_not_open", number=question.id,
                       status=t(f"interview.question_status.{question.status}"))


def _require_answerer(session: Session, actor: User, event: PressEvent) -> None:
    if has_any_role(session, actor, ORGANISERS):
        return
    entry = entry_for_event(session, event.id)
    unit = session.get(Unit, entry.unit_id) if entry and entry.unit_id else None
    if unit is not None and has_any_role(session, actor, UNIT_ANSWERERS, unit.id):
        return
    log_refusal(actor, "answer_question", unit.id if unit else None)
    raise PermissionDenied("interview.answer_denied", unit=unit.name if unit else "—")


def _check_answer(event: PressEvent, answer: str, mode: AnswerMode, now: datetime) -> None:
    if not answer.strip():
        raise InvalidInput("interview.answer_missing")
    if len(answer.strip()) > MAX_ANSWER:
        raise InvalidInput("interview.answer_too_long", length=len(answer.strip()),
                           limit=MAX_ANSWER)
    if event.status in (EventStatus.CANCELLED, EventStatus.PLANNING):
        raise Conflict("interview.answer_wrong_state", topic=inside_quotes(event.topic),
                       status=t(f"event.status.{event.status}"))
    if mode == AnswerMode.LIVE:
        if event.status == EventStatus.ARCHIVED:
            raise Conflict("interview.live_after_archive", topic=inside_quotes(event.topic))
        if now < to_utc(to_office(event.starts_at)):
            raise InvalidInput("interview.live_before_start",
                               start=format_office(event.starts_at))
    elif event.status not in (EventStatus.HELD, EventStatus.ARCHIVED):
        raise InvalidInput("interview.written_before_held",
                           status=t(f"event.status.{event.status}"))


def _close_question(session: Session, actor: User, question: InterviewQuestion,
                    status: QuestionStatus, now: datetime) -> None:
    question.status = status
    question.answered_at = now
    question.answered_by = actor.id
    session.add(question)
    session.flush()
    deadlines.complete_for_entity(session, actor=actor, rule_key=rules.INTERVIEW_ANSWER,
                                  entity=QUESTION_ENTITY, entity_id=question.id, at=now,
                                  roles=ORGANISERS | UNIT_ANSWERERS)
