"""在线访谈: plans and entries, scheduling an entry as an event, the questions of the public
and their written-answer deadlines, on a real SQLite file (and PostgreSQL for permissions).

Working days come from the real calendar: chinesecalendar for 2026 (国庆节 2026-10-01 to
10-07, make-up working day Saturday 10-10) and the estimate for 2027, which is not
published yet. Event statuses other than 策划中 are set directly here; the steps that
change them belong to planner.services.events and have their own tests.
"""

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from planner import deadlines as rules
from planner.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from planner.models import (AuditEntry, EventKind, EventStatus, InterviewPlan,
                            InterviewPlanEntry, Obligation, ObligationStatus, PressEvent,
                            QuestionStatus, Role, Unit, User)
from planner.services import deadlines, events, interviews
from planner.services.interviews import AnswerMode, EntryInput, EntryStatus, PlanInput
from planner.timeutil import OFFICE_TZ
from tests import factories

GUESTS = "张明 省交通运输厅副厅长\n李华 运输服务处处长"
# The suite's clock for reading: a Monday in December 2026.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=OFFICE_TZ)


def office(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_TZ)


@dataclass
class People:
    unit: Unit              # 运输服务处: the unit the interviews cover
    spokesperson: User      # 新闻发言人, 省交通宣传中心
    clerk: User             # 厅办公室
    unit_head: User         # 承办部门负责人 of 运输服务处: records the guests' answers
    unit_admin: User        # 管理员 in 运输服务处, nothing else
    outsider: User          # 承办人员 in 政策法规处


def make_people(session: Session) -> People:
    unit = factories.make_unit(session, "运输服务处")
    publicity = factories.make_unit(session, "省交通宣传中心")
    general = factories.make_unit(session, "厅办公室")
    policy = factories.make_unit(session, "政策法规处")
    make = factories.make_user
    return People(
        unit=unit,
        spokesperson=make(session, "chenjing", unit=publicity, display_name="陈静",
                          roles={Role.SPOKESPERSON}),
        clerk=make(session, "sunwei", unit=general, display_name="孙伟",
                   roles={Role.GENERAL_OFFICE}),
        unit_head=make(session, "wangqiang", unit=unit, display_name="王强",
                       roles={Role.DEPARTMENT_HEAD}),
        unit_admin=make(session, "root", unit=unit, display_name="管理员",
                        roles={Role.ADMIN}),
        outsider=make(session, "zhangming", unit=policy, display_name="张明明",
                      roles={Role.DRAFTER}),
    )


@pytest.fixture
def people(session) -> People:
    return make_people(session)


def new_plan(session, actor, *, quarter=None, year=2026) -> InterviewPlan:
    plan = interviews.create_plan(session, actor=actor, data=PlanInput(
        title="交通运输在线访谈计划", year=year, quarter=quarter))
    session.commit()
    return plan


def new_entry(session, actor, plan, *, month=10, topic="高速公路服务区提质升级", unit=None,
              guests=GUESTS) -> InterviewPlanEntry:
    entry = interviews.add_entry(session, actor=actor, plan_id=plan.id, data=EntryInput(
        topic=topic, target_month=month, unit_id=unit.id if unit else None, guests=guests))
    session.commit()
    return entry


def schedule(session, actor, entry, start: datetime, *, hours=1,
             spokespeople="陈静") -> PressEvent:
    event = interviews.schedule_entry(
        session, actor=actor, entry_id=entry.id, starts_at=start,
        ends_at=start + timedelta(hours=hours), online_room="https://jtt.example.gov.cn/ft",
        question_channel="ft@example.gov.cn", spokespeople=spokespeople, host="刘洋")
    session.commit()
    return event


def mark(session, event: PressEvent, status: EventStatus) -> None:
    """Put the event in a state; the events service owns the steps that do it in the app."""
    event.status = status
    session.add(event)
    session.commit()


def booked_interview(session, people, start=office(2026, 10, 9, 10)) -> PressEvent:
    plan = new_plan(session, people.spokesperson)
    entry = new_entry(session, people.spokesperson, plan, unit=people.unit)
    return schedule(session, people.spokesperson, entry, start)


def ask(session, actor, event, text, *, asker="网友甲", at=office(2026, 9, 20, 9)):
    registration = interviews.register_question(session, actor=actor, event_id=event.id,
                                                asker=asker, text=text, submitted_at=at,
                                                now=NOW)
    session.commit()
    return registration


def audit_actions(session) -> list[str]:
    return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


def answer_items(session) -> list[Obligation]:
    return list(session.exec(select(Obligation).where(
        Obligation.rule_key == rules.INTERVIEW_ANSWER).order_by(Obligation.entity_id)))


# --- plans ------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, key", [
    (PlanInput(title="  ", year=2026), "interview.plan_title_missing"),
    (PlanInput(title="计" * 301, year=2026), "interview.plan_title_too_long"),
    (PlanInput(title="计划", year=1999), "interview.year_invalid"),
    (PlanInput(title="计划", year=2101), "interview.year_invalid"),
    (PlanInput(title="计划", year=2026, quarter=0), "interview.quarter_invalid"),
    (PlanInput(title="计划", year=2026, quarter=5), "interview.quarter_invalid"),
], ids=["blank title", "long title", "year 1999", "year 2101", "quarter 0", "quarter 5"])
def test_create_plan_invalid_rejected(session, people, data, key):
    with pytest.raises(InvalidInput) as caught:
        interviews.create_plan(session, actor=people.spokesperson, data=data)

    assert caught.value.key == key
    assert session.exec(select(InterviewPlan)).first() is None


@pytest.mark.parametrize("quarter, label", [(None, "2026年全年"), (4, "2026年第4季度")])
def test_create_plan_annual_or_quarterly(session, people, quarter, label):
    plan = new_plan(session, people.clerk, quarter=quarter)

    assert plan.quarter == quarter
    assert interviews.plan_label(plan) == f"{label} · 交通运输在线访谈计划"
    assert audit_actions(session) == ["interview.plan_create"]


@pytest.mark.parametrize("quarter, months", [(None, list(range(1, 13))), (1, [1, 2, 3]),
                                             (2, [4, 5, 6]), (3, [7, 8, 9]),
                                             (4, [10, 11, 12])])
def test_quarter_months_per_quarter(quarter, months):
    assert interviews.quarter_months(quarter) == months


def test_add_entry_month_outside_quarter_rejected(session, people):
    plan = new_plan(session, people.spokesperson, quarter=4)

    with pytest.raises(InvalidInput) as caught:
        new_entry(session, people.spokesperson, plan, month=9)

    assert caught.value.key == "interview.month_outside_quarter"
    assert "10月至12月" in caught.value.message
    assert interviews.list_entries(session, plan.id) == []


@pytest.mark.parametrize("month", [0, 13])
def test_add_entry_month_invalid_rejected(session, people, month):
    plan = new_plan(session, people.spokesperson)

    with pytest.raises(InvalidInput) as caught:
        new_entry(session, people.spokesperson, plan, month=month)

    assert caught.value.key == "interview.month_invalid"


def test_add_entry_annual_plan_any_month(session, people):
    plan = new_plan(session, people.spokesperson)

    entries = [new_entry(session, people.spokesperson, plan, month=month, topic=f"选题{month}")
               for month in (12, 2)]

    assert [e.target_month for e in interviews.list_entries(session, plan.id)] == [2, 12]
    assert entries[0].guests == GUESTS


def test_add_entry_unknown_plan_not_found(session, people):
    with pytest.raises(NotFound):
        interviews.add_entry(session, actor=people.spokesperson, plan_id=999,
                             data=EntryInput(topic="选题", target_month=1))


def test_add_entry_unknown_unit_not_found(session, people):
    plan = new_plan(session, people.spokesperson)

    with pytest.raises(NotFound) as caught:
        interviews.add_entry(session, actor=people.spokesperson, plan_id=plan.id,
                             data=EntryInput(topic="选题", target_month=1, unit_id=999))

    assert caught.value.key == "interview.unit_not_found"


@pytest.mark.parametrize("guests, key", [
    ("张明", "interview.guest_title_missing"),
    ("张明 副厅长\n张明 处长", "interview.guest_duplicate"),
    ("\n".join(f"嘉宾{n} 处长" for n in range(21)), "interview.too_many_guests"),
], ids=["no title", "twice", "21 guests"])
def test_add_entry_bad_guests_rejected(session, people, guests, key):
    plan = new_plan(session, people.spokesperson)

    with pytest.raises(InvalidInput) as caught:
        new_entry(session, people.spokesperson, plan, guests=guests)

    assert caught.value.key == key


def test_add_entry_guests_normalised(session, people):
    plan = new_plan(session, people.spokesperson)

    entry = new_entry(session, people.spokesperson, plan,
                      guests="张明 副厅长、李华 处长\n\n王强 党组成员、副厅长")

    assert entry.guests == "张明 副厅长\n李华 处长\n王强 党组成员、副厅长"
    assert [g.label for g in interviews.parse_guests(entry.guests)] == [
        "张明（副厅长）", "李华（处长）", "王强（党组成员、副厅长）"]


def test_update_plan_quarter_must_hold_entries(session, people):
    plan = new_plan(session, people.spokesperson)
    new_entry(session, people.spokesperson, plan, month=5)

    with pytest.raises(InvalidInput) as caught:
        interviews.update_plan(session, actor=people.spokesperson, plan_id=plan.id,
                               data=PlanInput(title="第四季度计划", year=2026, quarter=4))
    session.rollback()
    interviews.update_plan(session, actor=people.spokesperson, plan_id=plan.id,
                           data=PlanInput(title="第二季度计划", year=2026, quarter=2))
    session.commit()

    assert caught.value.key == "interview.month_outside_quarter"
    assert session.get(InterviewPlan, plan.id).title == "第二季度计划"
    assert audit_actions(session)[-1] == "interview.plan_update"


def test_delete_plan_with_entries_refused(session, people):
    plan = new_plan(session, people.spokesperson)
    entry = new_entry(session, people.spokesperson, plan)

    with pytest.raises(Conflict) as caught:
        interviews.delete_plan(session, actor=people.spokesperson, plan_id=plan.id)
    interviews.delete_entry(session, actor=people.spokesperson, entry_id=entry.id)
    interviews.delete_plan(session, actor=people.spokesperson, plan_id=plan.id)
    session.commit()

    assert "1 个访谈选题" in caught.value.message
    assert session.get(InterviewPlan, plan.id) is None
    assert audit_actions(session)[-2:] == ["interview.entry_delete", "interview.plan_delete"]


# --- scheduling -------------------------------------------------------------------------------

def test_schedule_entry_books_online_interview(session, people):
    plan = new_plan(session, people.spokesperson)
    entry = new_entry(session, people.spokesperson, plan, unit=people.unit)

    event = schedule(session, people.spokesperson, entry, office(2026, 10, 9, 10))

    assert event.kind == EventKind.ONLINE_INTERVIEW
    assert event.status == EventStatus.PLANNING
    assert event.topic == entry.topic
    assert event.guests == GUESTS
    assert event.question_channel == "ft@example.gov.cn"
    assert event.online_room == "https://jtt.example.gov.cn/ft"
    assert session.get(InterviewPlanEntry, entry.id).event_id == event.id
    assert audit_actions(session)[-1] == "interview.schedule"
    assert "event.create" in audit_actions(session)


def test_schedule_entry_tracks_preview_deadline(session, people):
    event = booked_interview(session, people)

    preview = interviews.preview_status(session, event.id, now=office(2026, 9, 29, 9))
    late = interviews.preview_status(session, event.id, now=office(2026, 10, 1, 0, 1))

    # 3 days before Friday 10-09 is Tuesday 10-06, inside 国庆节: it moves back to 09-30.
    assert preview.due.day == date(2026, 9, 30)
    assert preview.status == ObligationStatus.OPEN
    assert preview.overdue is False
    assert late.overdue is True


def test_preview_status_of_other_event_is_empty(session, people):
    event = events.create_event(session, actor=people.spokesperson, data=events.EventInput(
        kind=EventKind.PRESS_CONFERENCE, topic="发布会", starts_at=office(2026, 12, 9, 10),
        ends_at=office(2026, 12, 9, 11)))
    session.commit()

    status = interviews.preview_status(session, event.id, now=NOW)

    assert status.due is None
    assert status.overdue is False


def test_check_schedule_warns_about_conflicts(session, people):
    events.create_event(session, actor=people.clerk, data=events.EventInput(
        kind=EventKind.PRESS_CONFERENCE, topic="春运新闻发布会", starts_at=office(2026, 10, 2, 9),
        ends_at=office(2026, 10, 2, 11), spokespeople="陈静"))
    plan = new_plan(session, people.spokesperson)
    entry = new_entry(session, people.spokesperson, plan)

    warnings = interviews.check_schedule(session, entry_id=entry.id,
                                         starts_at=office(2026, 10, 2, 10),
                                         ends_at=office(2026, 10, 2, 11), spokespeople="陈静",
                                         now=office(2026, 9, 1))
    quiet = interviews.check_schedule(session, entry_id=entry.id,
                                      starts_at=office(2026, 12, 8, 10),
                                      ends_at=office(2026, 12, 8, 11), spokespeople="陈静",
                                      now=NOW)

    kinds = {issue.kind for issue in warnings}
    assert events.IssueKind.HOLIDAY in kinds
    assert events.IssueKind.PERSON_AT_EVENT in kinds
    assert quiet == []


def test_schedule_entry_twice_refused(session, people):
    plan = new_plan(session, people.spokesperson)
    entry = new_entry(session, people.spokesperson, plan)
    event = schedule(session, people.spokesperson, entry, office(2026, 10, 9, 10))

    with pytest.raises(Conflict) as caught:
        schedule(session, people.clerk, entry, office(2026, 10, 16, 10))
    session.rollback()

    assert caught.value.key == "interview.entry_scheduled"
    assert f"编号 {event.id}" in caught.value.message
    assert "2026-10-09 10:00" in caught.value.message
    assert len(interviews.interview_events(session)) == 1


def test_schedule_entry_again_after_cancel(session, people):
    plan = new_plan(session, people.spokesperson)
    entry = new_entry(session, people.spokesperson, plan)
    first = schedule(session, people.spokesperson, entry, office(2026, 10, 9, 10))
    mark(session, first, EventStatus.CANCELLED)

    second = schedule(session, people.spokesperson, entry, office(2026, 10, 16, 10))

    assert second.id != first.id
    assert session.get(InterviewPlanEntry, entry.id).event_id == second.id


@pytest.mark.parametrize("change", ["update", "delete"])
def test_scheduled_entry_change_refused(session, people, change):
    plan = new_plan(session, people.spokesperson)
    entry = new_entry(session, people.spokesperson, plan)
    schedule(session, people.spokesperson, entry, office(2026, 10, 9, 10))

    with pytest.raises(Conflict) as caught:
        if change == "update":
            interviews.update_entry(session, actor=people.spokesperson, entry_id=entry.id,
                                    data=EntryInput(topic="新主题", target_month=11,
                                                    guests=GUESTS))
        else:
            interviews.delete_entry(session, actor=people.spokesperson, entry_id=entry.id)

    assert caught.value.key == "interview.entry_scheduled"


@pytest.mark.parametrize("guests, room, key", [
    ("", "https://jtt.example.gov.cn/ft", "interview.guests_missing"),
    (GUESTS, "  ", "interview.online_room_missing"),
], ids=["no guests", "no room"])
def test_schedule_entry_incomplete_rejected(session, people, guests, room, key):
    plan = new_plan(session, people.spokesperson)
    entry = new_entry(session, people.spokesperson, plan, guests=guests)

    with pytest.raises(InvalidInput) as caught:
        interviews.schedule_entry(session, actor=people.spokesperson, entry_id=entry.id,
                                  starts_at=office(2026, 10, 9, 10),
                                  ends_at=office(2026, 10, 9, 11), online_room=room,
                                  question_channel="", spokespeople="陈静", host="")

    assert caught.value.key == key
    assert session.exec(select(PressEvent)).first() is None


def test_plan_overview_statuses_and_overdue(session, people):
    plan = new_plan(session, people.spokesperson)
    september = new_entry(session, people.spokesperson, plan, month=9, topic="九月选题",
                          unit=people.unit)
    december = new_entry(session, people.spokesperson, plan, month=12, topic="十二月选题")
    held = new_entry(session, people.spokesperson, plan, month=10, topic="十月已举行")
    cancelled = new_entry(session, people.spokesperson, plan, month=11, topic="十一月已取消")
    booked = new_entry(session, people.spokesperson, plan, month=8, topic="八月改到十二月")
    mark(session, schedule(session, people.spokesperson, held, office(2026, 10, 9, 10)),
         EventStatus.HELD)
    mark(session, schedule(session, people.spokesperson, cancelled, office(2026, 11, 10, 10)),
         EventStatus.CANCELLED)
    schedule(session, people.spokesperson, booked, office(2026, 12, 15, 10))

    december_view = interviews.plan_overview(session, plan.id, now=NOW)
    new_year_view = interviews.plan_overview(session, plan.id, now=office(2027, 1, 1, 0, 1))

    by_topic = {row.entry.topic: row for row in december_view.rows}
    assert by_topic["九月选题"].status == EntryStatus.PLANNED
    assert by_topic["九月选题"].overdue is True
    assert by_topic["九月选题"].unit_name == "运输服务处"
    assert by_topic["十二月选题"].overdue is False
    assert by_topic["十月已举行"].status == EntryStatus.HELD
    assert by_topic["十月已举行"].overdue is False
    assert by_topic["十一月已取消"].status == EntryStatus.CANCELLED
    assert by_topic["十一月已取消"].overdue is True
    assert by_topic["八月改到十二月"].status == EntryStatus.SCHEDULED
    assert by_topic["八月改到十二月"].overdue is False
    assert [row.entry.target_month for row in december_view.rows] == [8, 9, 10, 11, 12]
    assert {row.entry.id: row.overdue for row in new_year_view.rows}[december.id] is True
    assert {row.entry.id: row.overdue for row in new_year_view.rows}[september.id] is True


# --- questions --------------------------------------------------------------------------------

def test_register_question_flags_duplicates(session, people):
    event = booked_interview(session, people)

    first = ask(session, people.spokesperson, event, "服务区什么时候增加充电桩？")
    again = ask(session, people.clerk, event, "  服务区什么时候增加充电桩?  ", asker="网友乙",
                at=office(2026, 9, 21, 9))
    other = ask(session, people.clerk, event, "ETC 发票怎么开？", at=office(2026, 9, 22, 9))

    rows = interviews.list_questions(session, event.id, now=NOW)
    assert first.duplicate_ids == []
    assert again.duplicate_ids == [first.question.id]
    assert other.duplicate_ids == []
    assert [row.duplicate_of for row in rows] == [None, first.question.id, None]
    assert again.question.text == "服务区什么时候增加充电桩?"
    assert all(row.question.status == QuestionStatus.REGISTERED for row in rows)
    assert audit_actions(session).count("interview.question_register") == 3


@pytest.mark.parametrize("asker, text, at, key", [
    ("网友甲", "   ", office(2026, 9, 20), "interview.question_missing"),
    ("网友甲", "问" * 2001, office(2026, 9, 20), "interview.question_too_long"),
    ("网" * 101, "问题", office(2026, 9, 20), "interview.asker_too_long"),
    ("网友甲", "问题", NOW + timedelta(minutes=1), "interview.submitted_in_future"),
], ids=["blank", "too long", "long asker", "future"])
def test_register_question_invalid_rejected(session, people, asker, text, at, key):
    event = booked_interview(session, people)

    with pytest.raises(InvalidInput) as caught:
        interviews.register_question(session, actor=people.spokesperson, event_id=event.id,
                                     asker=asker, text=text, submitted_at=at, now=NOW)

    assert caught.value.key == key


def test_register_question_not_interview_rejected(session, people):
    event = events.create_event(session, actor=people.spokesperson, data=events.EventInput(
        kind=EventKind.BRIEFING, topic="通气会", starts_at=office(2026, 12, 9, 10),
        ends_at=office(2026, 12, 9, 11)))

    with pytest.raises(InvalidInput) as caught:
        ask(session, people.spokesperson, event, "问题")

    assert caught.value.key == "interview.not_an_interview"
    assert "新闻通气会" in caught.value.message


@pytest.mark.parametrize("status", [EventStatus.HELD, EventStatus.ARCHIVED,
                                    EventStatus.CANCELLED])
def test_register_question_after_interview_refused(session, people, status):
    event = booked_interview(session, people)
    mark(session, event, status)

    with pytest.raises(Conflict) as caught:
        ask(session, people.spokesperson, event, "问题")

    assert caught.value.key == "interview.questions_closed"


def test_register_question_unknown_event_not_found(session, people):
    with pytest.raises(NotFound):
        interviews.register_question(session, actor=people.spokesperson, event_id=999,
                                     asker="", text="问题", submitted_at=office(2026, 9, 1),
                                     now=NOW)


def test_assign_question_to_guest_only(session, people):
    event = booked_interview(session, people)
    question = ask(session, people.spokesperson, event, "问题").question

    with pytest.raises(InvalidInput) as caught:
        interviews.assign_question(session, actor=people.spokesperson,
                                   question_id=question.id, guest="陈静")
    interviews.assign_question(session, actor=people.spokesperson, question_id=question.id,
                               guest="张明")
    interviews.assign_question(session, actor=people.clerk, question_id=question.id,
                               guest="李华")
    session.commit()

    assert "张明、李华" in caught.value.message
    assert question.status == QuestionStatus.ASSIGNED
    assert question.assignee == "李华"
    assert audit_actions(session).count("interview.question_assign") == 2


def test_answer_question_unassigned_rejected(session, people):
    event = booked_interview(session, people)
    mark(session, event, EventStatus.ANNOUNCED)
    question = ask(session, people.spokesperson, event, "问题").question

    with pytest.raises(InvalidInput) as caught:
        interviews.answer_question(session, actor=people.spokesperson, question_id=question.id,
                                   answer="答复", mode=AnswerMode.LIVE,
                                   now=office(2026, 10, 9, 10, 30))

    assert caught.value.key == "interview.question_unassigned"


def test_answer_live_during_interview(session, people):
    event = booked_interview(session, people)
    mark(session, event, EventStatus.ANNOUNCED)
    question = ask(session, people.spokesperson, event, "问题").question
    interviews.assign_question(session, actor=people.spokesperson, question_id=question.id,
                               guest="张明")

    with pytest.raises(InvalidInput) as early:
        interviews.answer_question(session, actor=people.spokesperson, question_id=question.id,
                                   answer="答复", mode=AnswerMode.LIVE,
                                   now=office(2026, 10, 9, 9, 59))
    with pytest.raises(InvalidInput) as written:
        interviews.answer_question(session, actor=people.spokesperson, question_id=question.id,
                                   answer="答复", mode=AnswerMode.WRITTEN,
                                   now=office(2026, 10, 9, 10, 30))
    interviews.answer_question(session, actor=people.spokesperson, question_id=question.id,
                               answer="  年底前全部服务区配齐充电桩。 ", mode=AnswerMode.LIVE,
                               now=office(2026, 10, 9, 10, 30))
    session.commit()

    assert early.value.key == "interview.live_before_start"
    assert written.value.key == "interview.written_before_held"
    assert question.status == QuestionStatus.ANSWERED
    assert question.answer == "年底前全部服务区配齐充电桩。"
    assert question.answer_mode == AnswerMode.LIVE
    assert question.answered_by == people.spokesperson.id
    assert audit_actions(session)[-1] == "interview.question_answer"


def test_answer_question_twice_refused(session, people):
    event = booked_interview(session, people)
    question = ask(session, people.spokesperson, event, "问题", at=office(2026, 9, 1)).question
    mark(session, event, EventStatus.HELD)
    interviews.assign_question(session, actor=people.spokesperson, question_id=question.id,
                               guest="张明")
    interviews.answer_question(session, actor=people.spokesperson, question_id=question.id,
                               answer="答复", mode=AnswerMode.WRITTEN,
                               now=office(2026, 10, 12, 10))

    for attempt in (
            lambda: interviews.answer_question(session, actor=people.spokesperson,
                                               question_id=question.id, answer="再答",
                                               mode=AnswerMode.WRITTEN, now=NOW),
            lambda: interviews.decline_question(session, actor=people.spokesperson,
                                                question_id=question.id, reason="理由"),
            lambda: interviews.assign_question(session, actor=people.spokesperson,
                                               question_id=question.id, guest="李华")):
        with pytest.raises(Conflict) as caught:
            attempt()
        assert caught.value.key == "interview.question_not_open"


@pytest.mark.parametrize("status, mode, key", [
    (EventStatus.PLANNING, AnswerMode.LIVE, "interview.answer_wrong_state"),
    (EventStatus.CANCELLED, AnswerMode.WRITTEN, "interview.answer_wrong_state"),
    (EventStatus.ARCHIVED, AnswerMode.LIVE, "interview.live_after_archive"),
], ids=["planning", "cancelled", "live after archive"])
def test_answer_question_wrong_event_state(session, people, status, mode, key):
    event = booked_interview(session, people)
    question = ask(session, people.spokesperson, event, "问题").question
    interviews.assign_question(session, actor=people.spokesperson, question_id=question.id,
                               guest="张明")
    mark(session, event, status)

    with pytest.raises(Conflict) as caught:
        interviews.answer_question(session, actor=people.spokesperson, question_id=question.id,
                                   answer="答复", mode=mode, now=office(2026, 10, 12, 10))

    assert caught.value.key == key


def test_answer_question_blank_rejected(session, people):
    event = booked_interview(session, people)
    question = ask(session, people.spokesperson, event, "问题").question
    mark(session, event, EventStatus.HELD)
    interviews.assign_question(session, actor=people.spokesperson, question_id=question.id,
                               guest="张明")

    with pytest.raises(InvalidInput) as caught:
        interviews.answer_question(session, actor=people.spokesperson, question_id=question.id,
                                   answer=" \n ", mode=AnswerMode.WRITTEN, now=NOW)

    assert caught.value.key == "interview.answer_missing"


def test_decline_question_needs_reason(session, people):
    event = booked_interview(session, people)
    question = ask(session, people.spokesperson, event, "与访谈无关的问题").question

    with pytest.raises(InvalidInput) as caught:
        interviews.decline_question(session, actor=people.clerk, question_id=question.id,
                                    reason="  ")
    interviews.decline_question(session, actor=people.clerk, question_id=question.id,
                                reason="与访谈主题无关", now=office(2026, 9, 25, 9))
    session.commit()

    assert caught.value.key == "interview.decline_reason_missing"
    assert question.status == QuestionStatus.DECLINED
    assert question.answer == "与访谈主题无关"
    assert question.answer_mode == ""
    assert audit_actions(session)[-1] == "interview.question_decline"


# --- the written-answer deadline (interview_answer) ------------------------------------------

def held_with_questions(session, people, start: datetime, *, count=3) -> tuple[PressEvent, list]:
    """An interview at `start` with `count` questions submitted before it, then held."""
    event = booked_interview(session, people, start)
    submitted = min(start - timedelta(days=5), NOW - timedelta(days=1))
    questions = [ask(session, people.spokesperson, event, f"第{n}个问题",
                     at=submitted).question for n in range(count)]
    mark(session, event, EventStatus.HELD)
    return event, questions


# Interview end → written answer due day (5 working days, counted from the next day).
ANSWER_DUE_CASES = [
    pytest.param(office(2026, 9, 30, 10), date(2026, 10, 13), (),
                 id="national day: 10-08, 10-09, Sat 10-10, 10-12, 10-13"),
    pytest.param(office(2026, 9, 29, 10), date(2026, 10, 12), (),
                 id="national day: 09-30, 10-08, 10-09, Sat 10-10, 10-12"),
    pytest.param(office(2026, 12, 30, 10), date(2027, 1, 7), (2027,),
                 id="into estimated 2027 over new year's day"),
    pytest.param(office(2027, 2, 3, 10), date(2027, 2, 12), (2027,),
                 id="estimated spring festival 2027-02-05 to 02-08"),
]


@pytest.mark.parametrize("start, due_day, estimated_years", ANSWER_DUE_CASES)
def test_on_interview_held_due_days(session, people, start, due_day, estimated_years):
    event, questions = held_with_questions(session, people, start, count=1)

    items = interviews.on_interview_held(session, actor=people.spokesperson, event=event)
    session.commit()
    row = interviews.list_questions(session, event.id, now=start)[0]

    assert [item.entity_id for item in items] == [questions[0].id]
    assert row.due.day == due_day
    assert row.due.estimated_years == estimated_years
    assert row.deadline_status == ObligationStatus.OPEN
    assert items[0].unit_id == people.unit.id
    assert items[0].owner_id == people.spokesperson.id


def test_on_interview_held_only_open_questions(session, people):
    event = booked_interview(session, people, office(2026, 12, 30, 10))
    questions = [ask(session, people.spokesperson, event, f"问题{n}",
                     at=office(2026, 12, 1, 9)).question for n in range(3)]
    mark(session, event, EventStatus.ANNOUNCED)
    interviews.assign_question(session, actor=people.spokesperson,
                               question_id=questions[0].id, guest="张明")
    interviews.answer_question(session, actor=people.spokesperson,
                               question_id=questions[0].id, answer="现场答复内容",
                               mode=AnswerMode.LIVE, now=office(2026, 12, 30, 10, 20))
    interviews.decline_question(session, actor=people.spokesperson,
                                question_id=questions[1].id, reason="重复提问")
    mark(session, event, EventStatus.HELD)

    interviews.on_interview_held(session, actor=people.clerk, event=event)
    session.commit()

    assert [item.entity_id for item in answer_items(session)] == [questions[2].id]


def test_on_interview_held_other_kind_ignored(session, people):
    event = events.create_event(session, actor=people.spokesperson, data=events.EventInput(
        kind=EventKind.PRESS_CONFERENCE, topic="发布会", starts_at=office(2026, 12, 9, 10),
        ends_at=office(2026, 12, 9, 11)))

    assert interviews.on_interview_held(session, actor=people.spokesperson, event=event) == []


def test_written_answer_closes_deadline(session, people):
    event, questions = held_with_questions(session, people, office(2026, 9, 30, 10), count=2)
    interviews.on_interview_held(session, actor=people.spokesperson, event=event)
    for question in questions:
        interviews.assign_question(session, actor=people.spokesperson,
                                   question_id=question.id, guest="李华")

    interviews.answer_question(session, actor=people.unit_head, question_id=questions[0].id,
                               answer="书面答复内容", mode=AnswerMode.WRITTEN,
                               now=office(2026, 10, 12, 15))
    session.commit()

    rows = interviews.list_questions(session, event.id, now=office(2026, 10, 14, 9))
    items = {item.entity_id: item for item in answer_items(session)}
    assert items[questions[0].id].status == ObligationStatus.DONE
    assert items[questions[0].id].completed_by == people.unit_head.id
    assert items[questions[1].id].status == ObligationStatus.OPEN
    assert [row.overdue for row in rows] == [False, True]
    assert rows[1].due.day == date(2026, 10, 13)


def test_decline_after_interview_closes_deadline(session, people):
    event, questions = held_with_questions(session, people, office(2026, 9, 30, 10), count=1)
    interviews.on_interview_held(session, actor=people.spokesperson, event=event)

    interviews.decline_question(session, actor=people.clerk, question_id=questions[0].id,
                                reason="涉及个人隐私", now=office(2026, 10, 9, 9))
    session.commit()

    assert answer_items(session)[0].status == ObligationStatus.DONE


def test_answer_deadline_on_board_and_configurable(session, people):
    admin = factories.make_user(session, "admin", unit=people.unit, roles={Role.ADMIN})
    event, questions = held_with_questions(session, people, office(2026, 9, 30, 10), count=1)
    interviews.on_interview_held(session, actor=people.spokesperson, event=event)
    session.commit()

    board = deadlines.board(session, now=office(2026, 10, 14, 9),
                            filters=deadlines.BoardFilters(rule_key=rules.INTERVIEW_ANSWER))
    deadlines.set_amount(session, actor=admin, key=rules.INTERVIEW_ANSWER, amount=3)
    session.commit()
    row = interviews.list_questions(session, event.id, now=NOW)[0]

    overdue = board.items[deadlines.DueState.OVERDUE]
    assert [item.entity_id for item in overdue] == [questions[0].id]
    assert overdue[0].kind_name == "在线访谈网友提问书面答复"
    assert overdue[0].unit_name == "运输服务处"
    assert row.due.day == date(2026, 10, 10)   # 10-08, 10-09, make-up Saturday 10-10


# --- permissions (SQLite and PostgreSQL) -------------------------------------------------------

def test_organiser_actions_refused_to_others(any_session):
    people = make_people(any_session)
    event = booked_interview(any_session, people)
    plan_id = any_session.exec(select(InterviewPlan.id)).first()
    entry_id = any_session.exec(select(InterviewPlanEntry.id)).first()
    question = ask(any_session, people.spokesperson, event, "问题").question
    attempts = {
        "create plan": lambda actor: interviews.create_plan(
            any_session, actor=actor, data=PlanInput(title="计划", year=2026)),
        "add entry": lambda actor: interviews.add_entry(
            any_session, actor=actor, plan_id=plan_id,
            data=EntryInput(topic="选题", target_month=3)),
        "delete plan": lambda actor: interviews.delete_plan(any_session, actor=actor,
                                                            plan_id=plan_id),
        "schedule": lambda actor: interviews.schedule_entry(
            any_session, actor=actor, entry_id=entry_id, starts_at=office(2026, 12, 9, 10),
            ends_at=office(2026, 12, 9, 11), online_room="r", question_channel="",
            spokespeople="", host=""),
        "register": lambda actor: interviews.register_question(
            any_session, actor=actor, event_id=event.id, asker="", text="问题",
            submitted_at=office(2026, 9, 1), now=NOW),
        "assign": lambda actor: interviews.assign_question(
            any_session, actor=actor, question_id=question.id, guest="张明"),
        "decline": lambda actor: interviews.decline_question(
            any_session, actor=actor, question_id=question.id, reason="理由"),
        "export": lambda actor: interviews.questions_csv(any_session, actor=actor,
                                                         event_id=event.id),
    }

    for name, attempt in attempts.items():
        for actor in (people.outsider, people.unit_head, people.unit_admin):
            with pytest.raises(PermissionDenied) as caught:
                attempt(actor)
            assert "新闻发言人" in caught.value.message, name
            any_session.rollback()


def test_answer_permission_by_unit(any_session):
    people = make_people(any_session)
    event = booked_interview(any_session, people)
    question = ask(any_session, people.spokesperson, event, "问题").question
    mark(any_session, event, EventStatus.HELD)
    interviews.assign_question(any_session, actor=people.clerk, question_id=question.id,
                               guest="李华")
    interviews.on_interview_held(any_session, actor=people.clerk, event=event)
    any_session.commit()

    for actor in (people.outsider, people.unit_admin):
        assert interviews.may_answer(any_session, actor=actor, event_id=event.id) is False
        with pytest.raises(PermissionDenied) as caught:
            interviews.answer_question(any_session, actor=actor, question_id=question.id,
                                       answer="答复", mode=AnswerMode.WRITTEN, now=NOW)
        assert "运输服务处" in caught.value.message
        any_session.rollback()
    assert interviews.may_answer(any_session, actor=people.clerk, event_id=event.id) is True
    interviews.answer_question(any_session, actor=people.unit_head, question_id=question.id,
                               answer="书面答复", mode=AnswerMode.WRITTEN, now=NOW)
    any_session.commit()

    assert any_session.get(type(question), question.id).status == QuestionStatus.ANSWERED
    assert answer_items(any_session)[0].status == ObligationStatus.DONE
    assert audit_actions(any_session)[-1] == "interview.question_answer"


def test_answer_without_plan_unit_organisers_only(any_session):
    people = make_people(any_session)
    plan = new_plan(any_session, people.spokesperson)
    entry = new_entry(any_session, people.spokesperson, plan, unit=None)
    event = schedule(any_session, people.spokesperson, entry, office(2026, 10, 9, 10))

    assert interviews.may_answer(any_session, actor=people.unit_head, event_id=event.id) is False
    assert interviews.may_answer(any_session, actor=people.spokesperson,
                                 event_id=event.id) is True


# --- export -------------------------------------------------------------------------------------

def test_questions_csv_export(session, people):
    event = booked_interview(session, people, office(2026, 9, 30, 10))
    first = ask(session, people.spokesperson, event, "=1+1 这样的提问会被当成公式吗",
                asker="@网友").question
    ask(session, people.spokesperson, event, "=1+1 这样的提问会被当成公式吗？",
        at=office(2026, 9, 21, 9))
    mark(session, event, EventStatus.HELD)
    interviews.on_interview_held(session, actor=people.spokesperson, event=event)
    interviews.decline_question(session, actor=people.clerk, question_id=first.id,
                                reason="测试提问", now=office(2026, 10, 8, 9))

    name, data = interviews.questions_csv(session, actor=people.clerk, event_id=event.id,
                                          now=office(2026, 10, 14, 9))
    session.commit()

    assert data.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "提问人", "提问内容"]
    assert rows[1][1] == "'@网友"
    assert rows[1][2].startswith("'=1+1")
    assert rows[1][5] == "不予答复"
    assert rows[1][8] == "测试提问"
    assert rows[2][4] == str(first.id)
    assert rows[2][10] == "2026年10月13日（当日内）"
    assert rows[2][11] == "已逾期"
    assert name.endswith(".csv") and "高速公路服务区提质升级" in name
    assert audit_actions(session)[-1] == "interview.questions_export"
