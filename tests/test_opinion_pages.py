"""The 政务舆情, 会商会议 and 日程 pages through AppTest, signed in as 厅办公室: register an
item, assess and forward it, convene a meeting from it, reschedule and cancel it, record
minutes with an action item and find that item on the supervision board."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner.db import make_engine, migrate
from planner.models import (AuditEntry, EventKind, Meeting, MeetingStatus, OpinionItem,
                            OpinionStatus, User)
from planner.services import events, meetings, opinions
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.office_setup import SEEN, forwarded_item, make_office

APP = "../app.py"
FIXTURES = Path(__file__).parent / "fixtures" / "opinions"
PAGES = ["views/opinions.py", "views/meetings.py", "views/calendar.py"]
# A Tuesday in the week after the suite's clock (2026-12-04), so no weekend warning.
MEETING_DAY = date(2026, 12, 8)


@pytest.fixture
def app_db(db_url):
    st.cache_resource.clear()
    engine = make_engine(db_url)
    migrate(engine)
    engine.dispose()
    yield db_url
    st.cache_resource.clear()


@pytest.fixture
def office(app_db):
    with Session(make_engine(app_db), expire_on_commit=False) as session:
        return make_office(session)


def db(app_db) -> Session:
    return Session(make_engine(app_db), expire_on_commit=False)


def open_page(page: str, user: User) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page(page).run()
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


def choose(app: AppTest, key: str, value, label: str) -> None:
    """Pick a selectbox option by its value, after checking the label shown to the office."""
    box = app.selectbox(key=key)
    assert label in box.options, f"{label} not among {box.options}"
    box.set_value(value)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_database(office, page):
    app = open_page(page, office.clerk)

    no_problems(app)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_for_unit_drafter(office, page):
    app = open_page(page, office.transport_drafter)

    no_problems(app)


def test_register_assess_forward_convene_flow(office, app_db):
    app = open_page("views/opinions.py", office.clerk)
    app.radio(key="opinions_view").set_value("new").run()
    choose(app, "opinions_new_source", "weibo", "微博")
    app.text_input(key="opinions_new_link").input("https://weibo.com/1234567/NxYz01")
    app.date_input(key="opinions_new_day").set_value(date(2026, 11, 3))
    app.time_input(key="opinions_new_time").set_value(time(9, 30))
    app.text_area(key="opinions_new_summary").input("网民反映成都东站出租车拒载、议价")
    app.text_input(key="opinions_new_category").input("出租车管理")
    choose(app, "opinions_new_severity", "major", "重大")
    submit(app, "登记")
    no_problems(app)
    assert "已登记" in app.success[0].value

    app.radio(key="opinions_view").set_value("register").run()
    no_problems(app)
    choose(app, "opinions_assess_nature", "misreading", "误读误解")
    choose(app, "opinions_assess_risk", "high", "高")
    app.text_area(key="opinions_assess_note").input("春运前关注度上升")
    submit(app, "保存研判")
    no_problems(app)

    choose(app, "opinions_forward_lead", office.transport.id, "运输服务处")
    app.multiselect(key="opinions_forward_others").set_value([office.roads.id])
    submit(app, "转办")
    no_problems(app)
    with db(app_db) as session:
        item = session.exec(select(OpinionItem)).one()
    assert item.status == OpinionStatus.FORWARDED
    assert item.nature == "misreading"
    assert item.lead_unit_id == office.transport.id

    submit(app, "召开会商会议")
    no_problems(app)
    # AppTest shows the page st.switch_page went to, but its next run() goes back to the
    # page it was opened on. Switching explicitly keeps the state the button left.
    app.switch_page("views/meetings.py")
    assert app.text_input(key="meetings_title").value == \
        "关于“网民反映成都东站出租车拒载、议价”的重大政务舆情会商联席会议"
    assert sorted(app.multiselect(key="meetings_units").value) == sorted(
        [office.publicity.id, office.information.id, office.transport.id, office.roads.id])
    assert app.multiselect(key="meetings_people").value == [office.transport_head.id]

    convene_meeting(app, office)
    with db(app_db) as session:
        meeting = session.exec(select(Meeting)).one()
        assert meetings.opinion_ids_of(session, meeting.id) == [item.id]
    assert meeting.starts_at.hour == 7          # 15:00 in Shanghai, stored as UTC
    assert any("邀请第 1 版" in text.value for text in app.markdown)   # SEQUENCE 0

    app.date_input(key="meetings_new_day").set_value(MEETING_DAY + timedelta(days=1))
    submit(app, "保存新时间")
    no_problems(app)
    assert "邀请更新为第 2 版" in app.success[0].value
    app.text_input(key="meetings_cancel_reason").input("已书面会商，不再召开")
    submit(app, "取消会议")
    no_problems(app)
    with db(app_db) as session:
        cancelled = session.get(Meeting, meeting.id)
    assert (cancelled.status, cancelled.sequence) == (MeetingStatus.CANCELLED, 2)
    assert cancelled.starts_at.day == MEETING_DAY.day + 1


def convene_meeting(app: AppTest, office, title: str | None = None) -> list[str]:
    """Fill and submit the convene form; return the conflict warnings confirmed on the way."""
    if title is not None:
        app.text_input(key="meetings_title").input(title)
        app.multiselect(key="meetings_people").set_value([office.transport_head.id])
    app.date_input(key="meetings_day").set_value(MEETING_DAY)
    app.time_input(key="meetings_start").set_value(time(15, 0))
    app.time_input(key="meetings_end").set_value(time(16, 0))
    app.text_input(key="meetings_venue").input("厅第三会议室")
    submit(app, "检查并召集")
    no_problems(app)
    conflicts = [w.value.replace("\\", "") for w in app.warning]   # shown Markdown-escaped
    if conflicts:   # the office has read the warnings and saves anyway
        submit(app, "已知悉以上提示，仍然保存")
        no_problems(app)
    assert "已召集" in app.success[0].value
    return conflicts


def test_minutes_action_item_reaches_board(office, app_db):
    with db(app_db) as session:
        forwarded_item(session, office)
    app = open_page("views/meetings.py", office.clerk)
    convene_meeting(app, office, title="先开的一场会")
    conflicts = convene_meeting(app, office, title="出租车舆情会商联席会议")
    assert conflicts == ["孙处长在 2026-12-08 15:00 已有会议：先开的一场会。"
                         "如确需同时参加，请与相关会议协调。"]
    assert app.subheader[-1].value == "出租车舆情会商联席会议"   # the new one is shown

    app.text_area(key="meetings_decisions").input("由运输服务处牵头核查\n24小时内发布权威信息")
    app.text_input(key="meetings_task_0").input("核查东站出租车拒载情况并形成报告")
    choose(app, "meetings_task_unit_0", office.transport.id, "运输服务处")
    choose(app, "meetings_task_owner_0", office.transport_head.id, "孙处长")
    app.date_input(key="meetings_task_due_0").set_value(MEETING_DAY + timedelta(days=7))
    submit(app, "保存会议纪要")
    no_problems(app)
    assert "1 项议定事项已列入督办" in app.success[0].value
    with db(app_db) as session:
        held = [m.title for m in meetings.list_meetings(session)
                if m.status == MeetingStatus.HELD]
    assert held == ["出租车舆情会商联席会议"]

    app.switch_page("views/board.py").run()
    no_problems(app)
    shown = [value for frame in app.dataframe for value in frame.value.to_dict("list").get(
        "事项", [])]
    assert "核查东站出租车拒载情况并形成报告" in shown


def test_import_preview_then_save(office, app_db):
    app = open_page("views/opinions.py", office.clerk)
    app.radio(key="opinions_view").set_value("import").run()
    data = (FIXTURES / "bad_rows.csv").read_bytes()

    app.file_uploader(key="opinions_import_file").upload("bad_rows.csv", data, "text/csv").run()
    submit(app, "预览")
    no_problems(app)
    assert "可导入 1 行，重复 0 行，有误 5 行" in app.markdown[-1].value
    notes = app.dataframe[0].value.set_index("行号")["说明"].to_dict()
    assert "首发时间“昨天下午”无法识别" in notes[3]
    with db(app_db) as session:
        assert session.exec(select(OpinionItem)).all() == []

    submit(app, "确认导入")
    no_problems(app)
    assert app.success[0].value == "已导入 1 条，未导入 5 行。"


def test_unit_drafter_logs_response_from_queue(office, app_db):
    with db(app_db) as session:
        item = forwarded_item(session, office)
        event = events.create_event(session, actor=office.clerk, data=events.EventInput(
            kind=EventKind.INTERVIEW, topic="接受四川日报专访",
            starts_at=SEEN + timedelta(hours=6), ends_at=SEEN + timedelta(hours=7)))
        session.commit()
    app = open_page("views/opinions.py", office.transport_drafter)
    assert app.radio(key="opinions_view").options == ["本单位待回应", "舆情台账"]
    assert app.dataframe[0].value["编号"].tolist() == [item.id]

    choose(app, "opinions_respond_kind", "media_interview", "接受媒体专访")
    app.selectbox(key="opinions_respond_event").set_value(event.id)
    app.text_area(key="opinions_respond_note").input("处长接受专访，说明整治措施")
    submit(app, "登记回应")
    no_problems(app)

    with db(app_db) as session:
        stored = session.get(OpinionItem, item.id)
        responses = opinions.responses(session, item.id)
    assert stored.status == OpinionStatus.RESPONDING
    assert [(r.kind, r.unit_id, r.event_id) for r in responses] == [
        ("media_interview", office.transport.id, event.id)]


def test_report_view_shows_figures_and_word(office, app_db):
    with db(app_db) as session:
        forwarded_item(session, office, severity="serious")
    app = open_page("views/opinions.py", office.clerk)
    app.radio(key="opinions_view").set_value("report").run()

    app.date_input(key="opinions_report_start").set_value(date(2026, 11, 1))
    app.date_input(key="opinions_report_end").set_value(date(2026, 11, 30))
    submit(app, "生成统计")
    no_problems(app)

    assert [m.value for m in app.metric] == ["1", "1", "0.0%"]
    assert len(app.get("vega_lite_chart")) == 3
    assert app.dataframe[0].value["severity"].tolist() == ["较大"]
    submit(app, "保存为稿件并送审")
    assert "已生成稿件：政务舆情监测报告（2026年11月1日至2026年11月30日）" in app.success[0].value


def test_calendar_page_shows_meeting_and_exports(office, app_db):
    with db(app_db) as session:
        start = datetime.combine(MEETING_DAY, time(15, 0), tzinfo=OFFICE_TZ)
        meetings.convene(session, actor=office.clerk, data=meetings.MeetingInput(
            title="出租车舆情会商联席会议", starts_at=start, ends_at=start + timedelta(hours=1),
            venue="厅第三会议室", user_ids=[office.transport_head.id]))
        session.commit()
    app = open_page("views/calendar.py", office.clerk)
    app.radio(key="calendar_view").set_value("week").run()
    app.date_input(key="calendar_anchor").set_value(MEETING_DAY).run()
    no_problems(app)

    grid = app.get("html")[0].proto.body
    assert "15:00 出租车舆情会商联席会议" in grid
    assert app.dataframe[0].value["人员"].tolist() == ["孙处长"]

    choose(app, "calendar_person", "陈静", "陈静")
    app.run()
    assert "共 0 项" in app.caption[0].value

    no_problems(app)
    assert [b.proto.label for b in app.get("download_button")] == [
        "下载 日程_2026-12-07_2026-12-13.ics", "下载 我的日程_陈静.ics"]
    with db(app_db) as session:   # built and audited only when clicked
        assert session.exec(select(AuditEntry).where(
            AuditEntry.action == "schedule.export")).all() == []


HOSTILE = "**粗体** <b>加粗</b> [点我](https://evil.example) :red[红字] $x^2$"
RAW_MARKERS = ["**粗体**", "<b>", "](https://evil.example)", ":red[", "$x^2$"]


@pytest.mark.parametrize("page", PAGES)
def test_user_text_shown_as_typed(office, app_db, page):
    with db(app_db) as session:
        item = forwarded_item(session, office, summary=HOSTILE, category=HOSTILE[:20])
        start = datetime.combine(MEETING_DAY, time(15, 0), tzinfo=OFFICE_TZ)
        meetings.convene(session, actor=office.clerk, data=meetings.MeetingInput(
            title=HOSTILE, starts_at=start, ends_at=start + timedelta(hours=1), venue=HOSTILE,
            opinion_ids=[item.id], user_ids=[office.transport_head.id]))
        session.commit()
    app = open_page(page, office.clerk)
    if page == "views/calendar.py":
        app.date_input(key="calendar_anchor").set_value(MEETING_DAY).run()

    groups = [app.markdown, app.caption, app.subheader, app.success, app.warning, app.error]
    texts = [element.value for group in groups for element in group]
    no_problems(app)
    assert not [text for text in texts if any(marker in text for marker in RAW_MARKERS)]
    if page == "views/calendar.py":
        assert "&lt;b&gt;加粗&lt;/b&gt;" in app.get("html")[0].proto.body
