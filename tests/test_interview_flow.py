"""One 在线访谈 from the annual plan to the archive, end to end on a real SQLite file: once
through the services and once through the pages (AppTest), signed in as each person.

The interview is planned for December 2026 and booked for Tuesday 2026-12-15 10:00. Its
预告 passes 初审, 审核 and 审发 and is released, then the event is approved and announced.
The public's questions are registered and assigned. One is answered live, the interview
is held and the other is answered in writing. The 文字实录 (with the answers typed in) and
the 重要政务活动信息 are reviewed and released, and the event is archived. The services get
every time explicitly, and the pages read a frozen clock.
"""

from datetime import date, time, timezone

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner import deadlines as rules
from planner import timeutil
from planner.db import make_engine, migrate
from planner.models import (AuditEntry, Disclosure, Draft, DraftSection, DraftStatus,
                            EventDocument, EventStatus, InterviewPlan, InterviewPlanEntry,
                            InterviewQuestion, Obligation, ObligationStatus, PressEvent,
                            QuestionStatus, User)
from planner.services import event_documents, event_flow, interviews, review
from planner.services.interviews import AnswerMode, EntryInput, EntryStatus, PlanInput
from tests import factories
from tests.interview_setup import (AFTER, ASKED_AT, GUESTS, LIVE, PLANNED_AT, REGISTERED_AT,
                                   START, WRITTEN, make_office)
from tests.review_ready import fill_placeholders

APP = "../app.py"
CHANNEL = "https://jtt.example.gov.cn/ask（12月14日18时前）"


# --- through the services -------------------------------------------------------------------

@pytest.fixture
def people(session):
    return make_office(session)


def release_document(session, people, event_id: int, role: EventDocument) -> int:
    """Draft the event's document, take it through the three reviews and release it."""
    draft = event_documents.create_document(session, actor=people.speaker, event_id=event_id,
                                            role=role, disclosure=Disclosure.PUBLIC)
    session.commit()
    fill_placeholders(session, people.speaker, draft.id)
    review.submit(session, actor=people.speaker, draft_id=draft.id)
    for reviewer, opinion in ((people.peer, "初审同意"), (people.head, "审核同意"),
                              (people.leader, "同意发布")):
        review.approve(session, actor=reviewer, draft_id=draft.id, opinion=opinion)
        session.commit()
    review.release(session, actor=people.speaker, draft_id=draft.id)
    session.commit()
    return draft.id


def test_interview_services_plan_to_archive(session, people):
    plan = interviews.create_plan(session, actor=people.speaker, data=PlanInput(
        title="2026年交通运输在线访谈计划", year=2026))
    entry = interviews.add_entry(session, actor=people.speaker, plan_id=plan.id, data=EntryInput(
        topic="冬季高速公路保通保畅", target_month=12, unit_id=people.transport.id,
        guests=GUESTS))
    event = interviews.schedule_entry(
        session, actor=people.speaker, entry_id=entry.id, starts_at=START,
        ends_at=START.replace(hour=11), online_room="https://jtt.example.gov.cn/ft",
        question_channel=CHANNEL, spokespeople="陈静", host="刘洋")
    session.commit()
    assert interviews.preview_status(session, event.id, now=PLANNED_AT).due.day == \
        date(2026, 12, 11)

    preview_id = release_document(session, people, event.id, EventDocument.PREVIEW)
    assert event_documents.preview_released(session, event.id) is True
    event_flow.approve(session, actor=people.leader, event_id=event.id, now=PLANNED_AT)
    event_flow.announce(session, actor=people.speaker, event_id=event.id, now=PLANNED_AT)
    session.commit()
    assert interviews.preview_status(session, event.id, now=PLANNED_AT).status == \
        ObligationStatus.DONE

    live, written = (interviews.register_question(
        session, actor=people.speaker, event_id=event.id, asker=asker, text=text,
        submitted_at=ASKED_AT, now=REGISTERED_AT).question
        for asker, text in (("网友甲", "雨雪天气高速会封路吗？"), ("网友乙", "除冰车辆够不够？")))
    interviews.assign_question(session, actor=people.speaker, question_id=live.id, guest="张明")
    interviews.assign_question(session, actor=people.speaker, question_id=written.id,
                               guest="李华")
    interviews.answer_question(session, actor=people.speaker, question_id=live.id,
                               answer="封路前会提前发布信息。", mode=AnswerMode.LIVE, now=LIVE)
    event_flow.hold(session, actor=people.speaker, event_id=event.id, now=AFTER)
    session.commit()

    items = session.exec(select(Obligation).where(
        Obligation.rule_key == rules.INTERVIEW_ANSWER)).all()
    assert [item.entity_id for item in items] == [written.id]
    # 5 working days after Tuesday 12-15: 12-16, 12-17, 12-18, 12-21, 12-22.
    assert interviews.list_questions(session, event.id, now=AFTER)[1].due.day == \
        date(2026, 12, 22)
    interviews.answer_question(session, actor=people.staff, question_id=written.id,
                               answer="全省已储备除冰车辆和融雪剂。", mode=AnswerMode.WRITTEN,
                               now=WRITTEN)
    session.commit()
    assert items[0].status == ObligationStatus.DONE

    transcript_id = release_document(session, people, event.id, EventDocument.TRANSCRIPT)
    release_document(session, people, event.id, EventDocument.ACTIVITY_INFO)
    event_flow.archive(session, actor=people.speaker, event_id=event.id, now=WRITTEN)
    session.commit()

    assert interviews.plan_overview(session, plan.id, now=WRITTEN).rows[0].status == \
        EntryStatus.ARCHIVED
    assert session.get(PressEvent, event.id).status == EventStatus.ARCHIVED
    assert [row.question.status for row in interviews.list_questions(
        session, event.id, now=WRITTEN)] == [QuestionStatus.ANSWERED, QuestionStatus.ANSWERED]
    assert session.get(Draft, preview_id).status == DraftStatus.RELEASED
    recorded = session.exec(select(DraftSection.body).where(
        DraftSection.draft_id == transcript_id, DraftSection.key == "answers")).one()
    assert recorded.splitlines() == ["网友甲提问：雨雪天气高速会封路吗？", "张明：封路前会提前发布信息。",
                                     "网友乙提问：除冰车辆够不够？",
                                     "李华（书面答复）：全省已储备除冰车辆和融雪剂。"]
    open_items = session.exec(select(Obligation).where(
        Obligation.status == ObligationStatus.OPEN)).all()
    assert [(item.rule_key, item.title) for item in open_items] == []
    actions = set(session.exec(select(AuditEntry.action)))
    for action in ("interview.plan_create", "interview.schedule", "event.approve",
                   "event.announce", "interview.question_answer", "event.hold",
                   "event.archive"):
        assert action in actions


# --- through the pages ----------------------------------------------------------------------

class Clock:
    """The time the pages read through planner.timeutil.now_utc; the test moves it."""

    def __init__(self) -> None:
        self.moment = PLANNED_AT

    def __call__(self):
        return self.moment.astimezone(timezone.utc)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(timeutil, "now_utc", frozen)
    return frozen


@pytest.fixture
def app_db(db_url, clock):
    st.cache_resource.clear()
    engine = make_engine(db_url)
    migrate(engine)
    engine.dispose()
    yield db_url
    st.cache_resource.clear()


@pytest.fixture
def staff(app_db):
    with Session(make_engine(app_db), expire_on_commit=False) as session:
        return make_office(session)


def db(app_db) -> Session:
    return Session(make_engine(app_db), expire_on_commit=False)


def as_user(user, page: str, **state) -> AppTest:
    """Open `page` signed in as `user`, with session-state values a button elsewhere sets."""
    app = AppTest.from_file(APP, default_timeout=60)
    factories.sign_in_state(app, user)
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    app.switch_page(page).run()
    no_problems(app)
    return app


def button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0]


def submit(app: AppTest, label: str) -> AppTest:
    button(app, label).click().run()
    no_problems(app)
    return app


def no_problems(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def successes(app: AppTest) -> str:
    return " ".join(s.value.replace("\\", "") for s in app.success)


def review_and_release(app_db, staff, draft_id: int) -> None:
    """送审 on 稿件编辑, 初审, 审核 and 审发 on 稿件审查 by three people, then 发布 after
    ticking its confirmation. The template prompts are written through the services first,
    since 送审 refuses a draft that still holds them."""
    with db(app_db) as session:
        fill_placeholders(session, session.get(User, staff.speaker.id), draft_id)
    app = as_user(staff.speaker, "views/drafts.py", drafts_selected=draft_id)
    submit(app, "送审")
    for reviewer, level in ((staff.peer, "初审"), (staff.head, "审核"), (staff.leader, "审发")):
        app = as_user(reviewer, "views/review.py", review_selected=draft_id)
        app.text_area(key=f"review_opinion_{draft_id}").input(f"{level}同意")
        submit(app, f"{level}通过")
    app = as_user(staff.speaker, "views/drafts.py", drafts_selected=draft_id)
    app.checkbox(key=f"drafts_confirm_release_{draft_id}").check().run()
    submit(app, "发布")
    with db(app_db) as session:
        assert session.get(Draft, draft_id).status == DraftStatus.RELEASED


def plan_and_schedule(app_db, staff) -> int:
    app = as_user(staff.speaker, "views/interviews.py")
    app.text_input(key="interviews_new_plan_title").input("2026年交通运输在线访谈计划")
    app.number_input(key="interviews_new_plan_year").set_value(2026)
    submit(app, "保存访谈计划")
    with db(app_db) as session:
        plan_id = session.exec(select(InterviewPlan.id)).one()
    key = f"interviews_new_entry_{plan_id}"
    app.text_input(key=f"{key}_topic").input("冬季高速公路保通保畅")
    app.selectbox(key=f"{key}_month").set_value(12)
    app.selectbox(key=f"{key}_unit").set_value(staff.transport.id)
    app.text_area(key=f"{key}_guests").input(GUESTS)
    submit(app, "保存访谈选题")
    with db(app_db) as session:
        entry_id = session.exec(select(InterviewPlanEntry.id)).one()

    app.date_input(key=f"interviews_day_{entry_id}").set_value(START.date())
    app.time_input(key=f"interviews_start_{entry_id}").set_value(time(10, 0))
    app.time_input(key=f"interviews_end_{entry_id}").set_value(time(11, 0))
    app.text_input(key=f"interviews_room_{entry_id}").input("https://jtt.example.gov.cn/ft")
    app.text_input(key=f"interviews_channel_{entry_id}").input(CHANNEL)
    app.text_input(key=f"interviews_spokespeople_{entry_id}").input("陈静")
    app.text_input(key=f"interviews_host_{entry_id}").input("刘洋")
    submit(app, "检查并安排")
    assert "已把“冬季高速公路保通保畅”安排为在线访谈" in successes(app)

    submit(app, "起草访谈预告")
    assert "已起草访谈预告" in successes(app)
    with db(app_db) as session:
        return session.get(InterviewPlanEntry, entry_id).event_id


def document_of(app_db, event_id: int, role: EventDocument) -> Draft:
    with db(app_db) as session:
        return event_documents.document_draft(session, event_id, role)


def take_step(user, event_id: int, label: str) -> AppTest:
    app = as_user(user, "views/events.py", events_selected=event_id)
    return submit(app, label)


def register_and_assign(event_id: int, staff) -> None:
    app = as_user(staff.speaker, "views/interviews.py", interviews_selected_event=event_id)
    for asker, text in (("网友甲", "雨雪天气高速会封路吗？"), ("网友乙", "除冰车辆够不够？")):
        app.text_input(key=f"interviews_asker_{event_id}").input(asker)
        app.text_area(key=f"interviews_text_{event_id}").input(text)
        app.date_input(key=f"interviews_sday_{event_id}").set_value(ASKED_AT.date())
        app.time_input(key=f"interviews_stime_{event_id}").set_value(time(20, 0))
        submit(app, "登记")
    for number, guest in ((1, "张明"), (2, "李华")):
        app.selectbox(key=f"interviews_q_box_{event_id}").set_value(number).run()
        app.selectbox(key=f"interviews_guest_{number}").set_value(guest)
        submit(app, "分配")


def answer(user, event_id: int, number: int, text: str, mode: str) -> AppTest:
    app = as_user(user, "views/interviews.py", interviews_selected_event=event_id)
    app.selectbox(key=f"interviews_q_box_{event_id}").set_value(number).run()
    assert app.radio(key=f"interviews_mode_{number}").value == mode
    app.text_area(key=f"interviews_answer_text_{number}").input(text)
    return submit(app, "登记答复")


def record_transcript(app_db, staff, event_id: int) -> int:
    """Draft the 文字实录 from the event page and type the answers into 答问实录."""
    app = as_user(staff.speaker, "views/events.py", events_selected=event_id)
    create = [b for b in app.button if b.key == f"event_documents_create_{event_id}_transcript"]
    assert create, [b.key for b in app.button]
    create[0].click().run()
    submit(app, "确认起草")
    draft = document_of(app_db, event_id, EventDocument.TRANSCRIPT)
    with db(app_db) as session:
        section = session.exec(select(DraftSection).where(
            DraftSection.draft_id == draft.id, DraftSection.key == "answers")).one()

    app = as_user(staff.speaker, "views/drafts.py", drafts_selected=draft.id)
    # The section's editor is the 正文 box that still shows its template hint.
    bodies = [area for area in app.text_area
              if area.label == "正文" and area.value == section.body]
    assert len(bodies) == 1, [area.value for area in app.text_area]
    bodies[0].input("网友甲：雨雪天气高速会封路吗？\n张明：封路前会提前发布信息。")
    [save] = [b for b in app.button if b.key == f"drafts_save_{section.id}"]
    save.click().run()
    no_problems(app)
    return draft.id


def test_interview_pages_plan_to_archive(app_db, staff, clock):
    event_id = plan_and_schedule(app_db, staff)
    review_and_release(app_db, staff, document_of(app_db, event_id, EventDocument.PREVIEW).id)
    take_step(staff.leader, event_id, "批准")
    app = take_step(staff.speaker, event_id, "发布预告")
    assert "已预告" in successes(app)

    clock.moment = REGISTERED_AT
    register_and_assign(event_id, staff)
    clock.moment = LIVE
    answer(staff.speaker, event_id, 1, "封路前会提前发布信息。", "live")
    clock.moment = AFTER
    take_step(staff.speaker, event_id, "标记为已举行")
    with db(app_db) as session:
        item = session.exec(select(Obligation).where(
            Obligation.rule_key == rules.INTERVIEW_ANSWER)).one()
    assert item.entity_id == 2

    clock.moment = WRITTEN
    app = answer(staff.staff, event_id, 2, "全省已储备除冰车辆和融雪剂。", "written")
    assert app.dataframe[-1].value.to_dict("list")["状态"] == ["已答复", "已答复"]
    review_and_release(app_db, staff, record_transcript(app_db, staff, event_id))
    app = as_user(staff.speaker, "views/events.py", events_selected=event_id)
    create = [b for b in app.button if b.key == f"event_documents_create_{event_id}_activity_info"]
    create[0].click().run()
    submit(app, "确认起草")
    review_and_release(app_db, staff,
                       document_of(app_db, event_id, EventDocument.ACTIVITY_INFO).id)
    take_step(staff.speaker, event_id, "归档")

    with db(app_db) as session:
        event = session.get(PressEvent, event_id)
        questions = session.exec(select(InterviewQuestion).order_by(InterviewQuestion.id)).all()
        open_items = session.exec(select(Obligation.rule_key).where(
            Obligation.status == ObligationStatus.OPEN)).all()
        transcript = document_of(app_db, event_id, EventDocument.TRANSCRIPT)
        answers = session.exec(select(DraftSection.body).where(
            DraftSection.draft_id == transcript.id, DraftSection.key == "answers")).one()
    assert event.status == EventStatus.ARCHIVED
    assert [(q.answer_mode, q.answered_by) for q in questions] == [
        ("live", staff.speaker.id), ("written", staff.staff.id)]
    assert open_items == []
    assert transcript.status == DraftStatus.RELEASED
    assert answers == "网友甲：雨雪天气高速会封路吗？\n张明：封路前会提前发布信息。"
    app = as_user(staff.speaker, "views/interviews.py", interviews_selected_event=event_id)
    assert app.dataframe[0].value.to_dict("list")["安排情况"] == ["已归档"]
