"""The 在线访谈 page through AppTest, signed in, on a real SQLite file, with the clock frozen:
plan, entry, scheduling with a conflict warning, the 预告 block, and the questions from
registration to a live and a written answer."""

from datetime import date, datetime, time, timedelta, timezone

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner import timeutil
from planner.db import make_engine, migrate
from planner.models import (AuditEntry, EventKind, EventStatus, InterviewPlan,
                            InterviewPlanEntry, InterviewQuestion, PressEvent, QuestionStatus,
                            Role)
from planner.services import events, interviews
from planner.services.interviews import EntryInput, PlanInput
from planner.timeutil import OFFICE_TZ
from tests import factories

APP = "../app.py"
PAGE = "views/interviews.py"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=OFFICE_TZ)       # a Monday
GUESTS = "张明 省交通运输厅副厅长\n李华 运输服务处处长"


def office(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_TZ)


class Clock:
    """The time the page reads through planner.timeutil.now_utc; a test moves it."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment.astimezone(timezone.utc)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    frozen = Clock(NOW)
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


def db(app_db) -> Session:
    return Session(make_engine(app_db), expire_on_commit=False)


@pytest.fixture
def people(app_db) -> dict:
    with db(app_db) as session:
        unit = factories.make_unit(session, "运输服务处")
        publicity = factories.make_unit(session, "省交通宣传中心")
        return {
            "unit": unit,
            "spokesperson": factories.make_user(session, "chenjing", unit=publicity,
                                                display_name="陈静",
                                                roles={Role.SPOKESPERSON}),
            "unit_head": factories.make_user(session, "wangqiang", unit=unit,
                                             display_name="王强",
                                             roles={Role.DEPARTMENT_HEAD}),
        }


def open_page(user) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page(PAGE).run()
    return app


def button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0]


def submit(app: AppTest, label: str) -> AppTest:
    return button(app, label).click().run()


def no_problems(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def successes(app: AppTest) -> str:
    return " ".join(s.value.replace("\\", "") for s in app.success)


def table(app: AppTest, index: int = -1) -> dict:
    return app.dataframe[index].value.to_dict("list")


def planned_entry(app_db, people, *, month=12) -> tuple[int, int]:
    with db(app_db) as session:
        actor = people["spokesperson"]
        plan = interviews.create_plan(session, actor=actor, data=PlanInput(
            title="2026年交通运输在线访谈计划", year=2026))
        entry = interviews.add_entry(session, actor=actor, plan_id=plan.id, data=EntryInput(
            topic="高速公路服务区提质升级", target_month=month, unit_id=people["unit"].id,
            guests=GUESTS))
        session.commit()
        return plan.id, entry.id


def scheduled_interview(app_db, people, start=office(2026, 12, 8, 10)) -> int:
    _, entry_id = planned_entry(app_db, people)
    with db(app_db) as session:
        event = interviews.schedule_entry(
            session, actor=people["spokesperson"], entry_id=entry_id, starts_at=start,
            ends_at=start + timedelta(hours=1), online_room="https://jtt.example.gov.cn/ft",
            question_channel="ft@example.gov.cn", spokespeople="陈静", host="刘洋")
        session.commit()
        return event.id


def set_status(app_db, event_id: int, status: EventStatus) -> None:
    with db(app_db) as session:
        event = session.get(PressEvent, event_id)
        event.status = status
        session.add(event)
        session.commit()


def test_page_renders_empty(people):
    app = open_page(people["spokesperson"])

    no_problems(app)
    assert app.info[0].value.startswith("还没有访谈计划")


def test_plan_and_entry_added(people, app_db):
    app = open_page(people["spokesperson"])
    app.text_input(key="interviews_new_plan_title").input("2027年第一季度在线访谈计划")
    app.number_input(key="interviews_new_plan_year").set_value(2027)
    app.selectbox(key="interviews_new_plan_quarter").set_value(1)
    submit(app, "保存访谈计划")
    no_problems(app)
    assert "2027年第一季度在线访谈计划" in successes(app)
    with db(app_db) as session:
        plan = session.exec(select(InterviewPlan)).one()
    assert (plan.year, plan.quarter) == (2027, 1)

    key = f"interviews_new_entry_{plan.id}"
    assert app.selectbox(key=f"{key}_month").options == ["1月", "2月", "3月"]
    app.text_input(key=f"{key}_topic").input("春运出行服务")
    app.selectbox(key=f"{key}_month").set_value(2)
    app.selectbox(key=f"{key}_unit").set_value(people["unit"].id)
    app.text_area(key=f"{key}_guests").input("张明 副厅长")
    submit(app, "保存访谈选题")
    no_problems(app)

    shown = table(app, 0)
    assert shown["访谈主题"] == ["春运出行服务"]
    assert shown["计划月份"] == ["2月"]
    assert shown["所涉单位"] == ["运输服务处"]
    assert shown["嘉宾"] == ["张明（副厅长）"]
    assert shown["安排情况"] == ["未安排"]


def test_guest_without_title_shows_error(people, app_db):
    plan_id, _ = planned_entry(app_db, people)
    app = open_page(people["spokesperson"])
    key = f"interviews_new_entry_{plan_id}"
    app.text_input(key=f"{key}_topic").input("新选题")
    app.text_area(key=f"{key}_guests").input("张明")
    submit(app, "保存访谈选题")

    assert "缺少职务" in app.error[0].value
    with db(app_db) as session:
        assert len(session.exec(select(InterviewPlanEntry)).all()) == 1


def test_schedule_entry_after_warning(people, app_db):
    _, entry_id = planned_entry(app_db, people)
    with db(app_db) as session:
        events.create_event(session, actor=people["spokesperson"], data=events.EventInput(
            kind=EventKind.PRESS_CONFERENCE, topic="冬季路网运行新闻发布会",
            starts_at=office(2026, 12, 10, 10), ends_at=office(2026, 12, 10, 11),
            spokespeople="陈静"))
        session.commit()
    app = open_page(people["spokesperson"])
    app.date_input(key=f"interviews_day_{entry_id}").set_value(date(2026, 12, 10))
    app.time_input(key=f"interviews_start_{entry_id}").set_value(time(10, 30))
    app.time_input(key=f"interviews_end_{entry_id}").set_value(time(11, 30))
    app.text_input(key=f"interviews_room_{entry_id}").input("https://jtt.example.gov.cn/ft")
    app.text_input(key=f"interviews_channel_{entry_id}").input("ft@example.gov.cn")
    app.text_input(key=f"interviews_spokespeople_{entry_id}").input("陈静")
    submit(app, "检查并安排")
    no_problems(app)

    assert len(app.warning) == 1
    assert app.warning[0].value.startswith("人员冲突（活动）：")
    with db(app_db) as session:
        assert session.get(InterviewPlanEntry, entry_id).event_id is None
    submit(app, "仍然安排")
    no_problems(app)

    assert "已把“高速公路服务区提质升级”安排为在线访谈" in successes(app)
    with db(app_db) as session:
        entry = session.get(InterviewPlanEntry, entry_id)
        event = session.get(PressEvent, entry.event_id)
    assert event.kind == EventKind.ONLINE_INTERVIEW
    assert event.starts_at.replace(tzinfo=timezone.utc) == office(2026, 12, 10, 10, 30)
    assert table(app, 0)["安排情况"] == ["已安排"]
    assert app.selectbox(key="interviews_event_box").value == event.id


def test_preview_block_creates_preview(people, app_db):
    scheduled_interview(app_db, people)
    app = open_page(people["spokesperson"])

    # 3 days before Tuesday 12-08 is Saturday 12-05, so the 预告 was due by Friday 12-04.
    assert any("2026年12月4日" in w.value and "已逾期" in w.value for w in app.warning)
    submit(app, "起草访谈预告")

    assert not app.exception
    assert "已起草访谈预告" in successes(app)
    assert any("预告稿" in m.value for m in app.markdown)
    with db(app_db) as session:
        actions = list(session.exec(select(AuditEntry.action)))
    assert "event.document_create" in actions


def test_questions_register_assign_answer(people, app_db, clock):
    event_id = scheduled_interview(app_db, people)
    app = open_page(people["spokesperson"])
    for text in ("服务区什么时候增加充电桩？", "服务区什么时候增加充电桩?"):
        app.text_input(key=f"interviews_asker_{event_id}").input("网友甲")
        app.text_area(key=f"interviews_text_{event_id}").input(text)
        app.date_input(key=f"interviews_sday_{event_id}").set_value(date(2026, 12, 5))
        app.time_input(key=f"interviews_stime_{event_id}").set_value(time(9, 0))
        submit(app, "登记")
        no_problems(app)
    assert "与第 1 号提问相同" in successes(app)
    shown = table(app)
    assert shown["提问内容"] == ["服务区什么时候增加充电桩？", "服务区什么时候增加充电桩?"]
    assert shown["与第几号重复"] == ["", "1"]

    app.selectbox(key=f"interviews_q_box_{event_id}").set_value(1)
    app.selectbox(key="interviews_guest_1").set_value("张明")
    submit(app, "分配")
    no_problems(app)
    app.selectbox(key=f"interviews_q_box_{event_id}").set_value(2).run()
    app.text_input(key="interviews_reason_2").input("与第1号重复")
    submit(app, "不予答复")
    no_problems(app)

    set_status(app_db, event_id, EventStatus.ANNOUNCED)
    clock.moment = office(2026, 12, 8, 10, 20)
    app.run()
    app.selectbox(key=f"interviews_q_box_{event_id}").set_value(1)
    app.run()
    assert app.radio(key="interviews_mode_1").value == "live"
    app.text_area(key="interviews_answer_text_1").input("年底前全部服务区配齐充电桩。")
    submit(app, "登记答复")
    no_problems(app)

    with db(app_db) as session:
        questions = session.exec(select(InterviewQuestion).order_by(InterviewQuestion.id)).all()
    assert [q.status for q in questions] == [QuestionStatus.ANSWERED, QuestionStatus.DECLINED]
    assert questions[0].answer_mode == "live"
    assert questions[0].assignee == "张明"
    assert questions[1].answer == "与第1号重复"
    assert table(app)["状态"] == ["已答复", "不予答复"]
    assert [b.label for b in app.get("download_button")] == ["导出 CSV"]


def test_written_answer_by_unit_staff(people, app_db, clock):
    event_id = scheduled_interview(app_db, people)
    with db(app_db) as session:
        actor = people["spokesperson"]
        question = interviews.register_question(
            session, actor=actor, event_id=event_id, asker="网友乙", text="ETC 发票怎么开？",
            submitted_at=office(2026, 12, 6, 20), now=NOW).question
        interviews.assign_question(session, actor=actor, question_id=question.id, guest="李华")
        event = session.get(PressEvent, event_id)
        event.status = EventStatus.HELD
        interviews.on_interview_held(session, actor=actor, event=event)
        session.commit()
    clock.moment = office(2026, 12, 16, 9)   # 5 working days after 12-08 is Tuesday 12-15

    app = open_page(people["unit_head"])
    no_problems(app)
    assert table(app)["书面答复截止"] == ["2026年12月15日（当日内）"]
    assert table(app)["是否逾期"] == ["已逾期"]
    assert any("1 条提问的书面答复已逾期" in w.value for w in app.warning)
    assert [b.label for b in app.button if b.label in ("分配", "不予答复", "导出 CSV")] == []
    assert app.radio(key=f"interviews_mode_{question.id}").value == "written"
    app.text_area(key=f"interviews_answer_text_{question.id}").input("可在 ETC 服务平台开具。")
    submit(app, "登记答复")
    no_problems(app)

    with db(app_db) as session:
        saved = session.get(InterviewQuestion, question.id)
    assert saved.status == QuestionStatus.ANSWERED
    assert saved.answered_by == people["unit_head"].id
    assert table(app)["是否逾期"] == [""]


def test_board_item_opens_its_interview(people, app_db):
    first = scheduled_interview(app_db, people)
    with db(app_db) as session:
        question = interviews.register_question(
            session, actor=people["spokesperson"], event_id=first, asker="", text="问题",
            submitted_at=office(2026, 12, 6, 20), now=NOW).question
        # A later interview is listed first, so only the board's choice selects the other.
        events.create_event(session, actor=people["spokesperson"], data=events.EventInput(
            kind=EventKind.ONLINE_INTERVIEW, topic="后来的一场访谈",
            starts_at=office(2026, 12, 20, 10), ends_at=office(2026, 12, 20, 11)))
        session.commit()
    app = AppTest.from_file(APP, default_timeout=60)
    factories.sign_in_state(app, people["spokesperson"])
    app.session_state["interviews_selected_question"] = question.id
    app.run()
    app.switch_page(PAGE).run()

    no_problems(app)
    assert app.selectbox(key="interviews_event_box").value == first


def test_addresses_shown_unescaped(people, app_db):
    scheduled_interview(app_db, people)

    app = open_page(people["spokesperson"])

    [detail] = [m.value for m in app.markdown if m.value.startswith("时间：")]
    assert "网址：[`https://jtt.example.gov.cn/ft`](https://jtt.example.gov.cn/ft)" in detail
    assert "征集提问渠道：`ft@example.gov.cn`" in detail
    assert "\\" not in detail


def test_missing_channel_warned(people, app_db):
    with db(app_db) as session:
        events.create_event(session, actor=people["spokesperson"], data=events.EventInput(
            kind=EventKind.ONLINE_INTERVIEW, topic="交通强国建设在线访谈",
            starts_at=office(2026, 12, 20, 10), ends_at=office(2026, 12, 20, 11),
            online_room="https://jtt.example.gov.cn/ft"))
        session.commit()

    app = open_page(people["spokesperson"])

    no_problems(app)
    assert any("还没有填写网友提问渠道" in w.value for w in app.warning)


def test_channel_given_no_warning(people, app_db):
    scheduled_interview(app_db, people)

    app = open_page(people["spokesperson"])

    assert not any("网友提问渠道" in w.value for w in app.warning)
