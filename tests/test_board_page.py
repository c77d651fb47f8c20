"""督办看板 and 节假日与时限 through AppTest, signed in, with the clock frozen.

The board reads the time once per run through planner.timeutil.now_utc; the tests patch
that function, so "overdue" and "due soon" do not depend on when the suite runs.
"""

from datetime import date, datetime, timezone

import pyarrow as pa
import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner import deadlines as rules
from planner import timeutil
from planner.db import make_engine, migrate
from planner.models import (DeadlineSetting, EventKind, HolidayOverride, Obligation,
                            ObligationStatus, Role)
from planner.services import deadlines, events, policies
from planner.timeutil import OFFICE_TZ
from tests import factories

APP = "../app.py"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=OFFICE_TZ)     # a Monday


def office(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OFFICE_TZ)


@pytest.fixture
def app_db(db_url, monkeypatch):
    """A migrated database, no cached engine, and the board's clock frozen at NOW."""
    st.cache_resource.clear()
    engine = make_engine(db_url)
    migrate(engine)
    engine.dispose()
    monkeypatch.setattr(timeutil, "now_utc", lambda: NOW.astimezone(timezone.utc))
    yield db_url
    st.cache_resource.clear()


@pytest.fixture
def db(app_db):
    with Session(make_engine(app_db), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def people(db):
    general = factories.make_unit(db, "厅办公室")
    division = factories.make_unit(db, "政策法规处")
    return {
        "general": general, "division": division,
        "supervisor": factories.make_user(db, "go", unit=general, display_name="王督查",
                                          roles={Role.GENERAL_OFFICE}),
        "drafter": factories.make_user(db, "zhang", unit=division, display_name="张三",
                                       roles={Role.DRAFTER, Role.SPOKESPERSON}),
        "admin": factories.make_user(db, "root", unit=general, display_name="管理员甲",
                                     roles={Role.ADMIN}),
    }


def put(db, people, title, *, rule_key=rules.ACTIVITY_INFO, entity="press_event",
        entity_id=1, trigger_at=office(2026, 12, 5, 8), unit="division", owner="drafter"):
    row = deadlines.track(db, actor=people["drafter"], rule_key=rule_key, entity=entity,
                          entity_id=entity_id, trigger_at=trigger_at,
                          unit_id=people[unit].id if unit else None,
                          owner_id=people[owner].id if owner else None, title=title)
    db.commit()
    return row


@pytest.fixture
def items(db, people):
    return {
        "overdue": put(db, people, "周末发布会"),
        "soon": put(db, people, "某规范性文件", rule_key=rules.NORMATIVE_ONLINE, entity="policy",
                    trigger_at=office(2026, 12, 4)),
        "estimated": put(db, people, "跨年规范性文件", rule_key=rules.NORMATIVE_ONLINE,
                         entity="policy", entity_id=2, trigger_at=office(2026, 12, 30),
                         unit="general"),
        "unowned": put(db, people, "桥梁舆情", rule_key=rules.OPINION_MAJOR_INFO,
                       entity="opinion_item", entity_id=7, trigger_at=office(2026, 12, 7, 1),
                       unit=None, owner=None),
    }


def open_board(user, page: str = "views/board.py") -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page(page).run()
    return app


def button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0]


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def column(app: AppTest, tab: int, name: str) -> list:
    """One column of the table in a state's tab (0 overdue, 1 due soon, 2 not yet due)."""
    return list(app.tabs[tab].dataframe[0].value[name])


def chart_rows(chart) -> list[dict]:
    """The data behind an Altair chart, which Streamlit ships as Arrow bytes."""
    return pa.ipc.open_stream(chart.proto.data.data).read_all().to_pylist()


def test_board_shows_states_with_frozen_clock(items, people):
    app = open_board(people["supervisor"])

    assert not app.exception
    assert metrics(app) == {"已逾期": "2", "即将到期": "1", "未到期": "1"}
    assert [tab.label for tab in app.tabs] == ["已逾期（2）", "即将到期（1）", "未到期（1）"]
    assert column(app, 0, "事项") == ["周末发布会", "桥梁舆情"]
    assert column(app, 0, "责任人") == ["张三", "未指定责任人"]
    assert column(app, 1, "截止") == ["2026年12月9日（当日内）"]
    assert column(app, 2, "截止") == ["预计 2027年1月5日（当日内）"]
    assert column(app, 2, "说明")[0].startswith("2027年的节假日安排尚未发布")
    assert "截至 2026-12-07 09:00（北京时间）" in app.caption[0].value


def test_board_counts_per_unit(items, people):
    app = open_board(people["supervisor"])

    units = app.dataframe[-1].value
    assert list(units["单位"]) == ["政策法规处", "未指定单位", "厅办公室"]
    assert list(units["已逾期"]) == [1, 1, 0]
    assert list(units["合计"]) == [2, 1, 1]


def test_board_filter_by_unit(items, people):
    app = open_board(people["supervisor"])

    app.selectbox(key="board_unit").set_value(people["general"].id).run()

    assert metrics(app) == {"已逾期": "0", "即将到期": "0", "未到期": "1"}


def test_board_filter_items_without_owner(items, people):
    app = open_board(people["supervisor"])

    app.selectbox(key="board_person").set_value(deadlines.NONE_ID).run()

    assert metrics(app) == {"已逾期": "1", "即将到期": "0", "未到期": "0"}
    assert column(app, 0, "事项") == ["桥梁舆情"]


def test_board_window_setting(items, people):
    app = open_board(people["supervisor"])

    app.number_input(key="board_window").set_value(30).run()

    assert metrics(app) == {"已逾期": "2", "即将到期": "2", "未到期": "0"}


def test_board_complete_by_owner(items, people, app_db):
    app = open_board(people["drafter"])

    app.selectbox(key="board_selected").set_value(items["overdue"].id).run()
    button(app, "标记为已办结").click().run()

    assert not app.exception
    assert "“周末发布会”已办结。" in [m.value for m in app.success]
    assert metrics(app)["已逾期"] == "1"
    with Session(make_engine(app_db)) as session:
        assert session.get(Obligation, items["overdue"].id).status == ObligationStatus.DONE


def test_board_complete_refused_for_others_item(items, people, app_db):
    app = open_board(people["admin"])

    app.selectbox(key="board_selected").set_value(items["overdue"].id).run()
    button(app, "标记为已办结").click().run()

    assert "您没有权限办结他人负责的督办事项" in app.error[0].value
    with Session(make_engine(app_db)) as session:
        assert session.get(Obligation, items["overdue"].id).status == ObligationStatus.OPEN


def test_board_row_opens_its_event(db, people):
    event = events.create_event(db, actor=people["drafter"], data=events.EventInput(
        kind=EventKind.PRESS_CONFERENCE, topic="交通运输新闻发布会",
        starts_at=office(2026, 12, 4, 10), ends_at=office(2026, 12, 4, 11)))
    db.commit()
    app = open_board(people["drafter"])

    button(app, "打开相关页面").click().run()

    assert not app.exception
    assert app.session_state["events_selected"] == event.id
    assert app.title[0].value == "新闻发布活动"


def test_board_item_without_page_offers_no_link(db, people):
    row = put(db, people, "监测报告", entity="monitor_report", entity_id=3)
    app = open_board(people["supervisor"])

    app.selectbox(key="board_selected").set_value(row.id).run()

    assert [b.label for b in app.button if b.label == "打开相关页面"] == []


def test_board_on_time_chart(db, people, items):
    done = put(db, people, "按时发布会", entity_id=30, trigger_at=office(2026, 12, 1, 10))
    deadlines.complete(db, actor=people["drafter"], obligation_id=done.id,
                       at=office(2026, 12, 1, 18))
    db.commit()

    app = open_board(people["supervisor"])

    charts = [chart_rows(chart) for chart in app.get("vega_lite_chart")]
    assert len(charts) == 2
    assert [(r["month"], r["on_time"], r["total"]) for r in charts[0]] == [("2026-12", 1, 3)]
    assert {r["unit"]: (r["on_time"], r["total"]) for r in charts[1]} == {
        "政策法规处": (1, 2), "未指定单位": (0, 1)}


def test_board_empty(app_db, people):
    app = open_board(people["supervisor"])

    assert not app.exception
    assert metrics(app) == {"已逾期": "0", "即将到期": "0", "未到期": "0"}
    assert "没有未办结的督办事项。" in [i.value for i in app.info]


def test_board_never_crashes_on_odd_items(db, people, app_db):
    put(db, people, "2031年规范性文件", rule_key=rules.NORMATIVE_ONLINE, entity="policy",
        entity_id=5, trigger_at=office(2031, 9, 30))
    put(db, people, "无人负责", entity_id=6, unit=None, owner=None)
    people["lone"] = factories.make_unit(db, "已撤并科室")
    put(db, people, "撤并科室事项", entity_id=7, unit="lone")
    db.delete(people["lone"])      # the foreign key sets the item's unit to NULL
    db.commit()

    app = open_board(people["supervisor"])

    assert not app.exception
    assert not app.error
    assert column(app, 0, "事项") == ["无人负责", "撤并科室事项"]
    assert column(app, 0, "单位") == ["未指定单位", "未指定单位"]
    assert column(app, 0, "责任人") == ["未指定责任人", "张三"]
    assert column(app, 2, "截止") == ["预计 2031年10月8日（当日内）"]


# --- 节假日与时限 (administrators) -----------------------------------------------------------

def test_admin_adds_holiday_override(app_db, people):
    app = open_board(people["admin"], "views/admin_holidays.py")
    assert "2027年的节假日安排尚未录入" in app.warning[0].value

    app.date_input[0].set_value(date(2027, 1, 1))
    app.text_input[0].input("元旦")
    app.text_input[1].input("国务院办公厅关于2027年部分节假日安排的通知")
    button(app, "录入").click().run()

    assert not app.exception
    assert "已录入2027年1月1日。" in [s.value for s in app.success]
    assert "2027年按已录入的节假日通知计算。" in [i.value for i in app.info]
    with Session(make_engine(app_db)) as session:
        rows = session.exec(select(HolidayOverride)).all()
        assert [(r.day, r.is_workday, r.reference) for r in rows] == [
            (date(2027, 1, 1), False, "国务院办公厅关于2027年部分节假日安排的通知")]


def test_admin_override_without_reference_refused(app_db, people):
    app = open_board(people["admin"], "views/admin_holidays.py")

    app.date_input[0].set_value(date(2027, 1, 1))
    button(app, "录入").click().run()

    assert "2027年1月1日" in app.error[0].value


def test_admin_changes_rule_amount(app_db, people):
    app = open_board(people["admin"], "views/admin_holidays.py")

    app.number_input(key=f"holidays_rule_{rules.NORMATIVE_ONLINE}").set_value(5)
    button(app, "保存时限").click().run()

    assert not app.exception
    assert "已保存 1 项时限设置。" in [s.value for s in app.success]
    with Session(make_engine(app_db)) as session:
        assert session.get(DeadlineSetting, rules.NORMATIVE_ONLINE).amount == 5


def test_admin_page_hidden_from_general_office(app_db, people):
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, people["supervisor"])
    app.run()

    with pytest.raises(Exception):
        app.switch_page("views/admin_holidays.py").run()


# --- 政策文件: the 规范性文件 inputs -----------------------------------------------------------

def test_policy_page_marks_normative(db, people, app_db):
    parsed, raw = policies.parse_pasted("关于做好公开工作的通知\n一、总体要求\n做好公开。")
    policy = policies.save_policy(db, actor=people["drafter"], parsed=parsed,
                                  fields=policies.PolicyFields(title="关于做好公开工作的通知"),
                                  source_name="粘贴", raw_text=raw)
    db.commit()
    app = open_board(people["drafter"], "views/policies.py")

    app.checkbox[0].check()
    dates = {d.label: d for d in app.date_input}
    dates["纸质公文印发日期"].set_value(date(2026, 9, 30))
    button(app, "保存").click().run()

    assert not app.exception
    with Session(make_engine(app_db)) as session:
        rows = deadlines.obligations_for(session, "policy", policy.id)
        assert [(r.rule_key, r.status) for r in rows] == [
            (rules.NORMATIVE_ONLINE, ObligationStatus.OPEN)]
        assert deadlines.due_of(session, rows[0]).day == date(2026, 10, 10)
