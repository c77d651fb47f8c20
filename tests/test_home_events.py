"""近期活动 on the 工作台: events not yet ended, soonest first, each with its status, so a
cancelled one reads 已取消. A real SQLite file; the page through AppTest. The page reads the
real clock, so the events are placed relative to it."""

from datetime import timedelta
from uuid import uuid4

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from planner.models import EventKind, EventStatus, PressEvent, Role
from planner.services import event_queue, policies
from planner.timeutil import now_utc
from tests import factories
from tests.test_review import POLICY_TEXT

APP = "../app.py"
S = EventStatus


def add_event(session, topic: str, status: EventStatus, starts_in: timedelta) -> PressEvent:
    start = now_utc().replace(microsecond=0) + starts_in
    event = PressEvent(uid=f"{uuid4()}@test", kind=EventKind.PRESS_CONFERENCE, status=status,
                       topic=topic, starts_at=start, ends_at=start + timedelta(hours=2))
    session.add(event)
    session.commit()
    return event


@pytest.fixture
def calendar(session):
    """Four events added out of date order: one over, one under way, one cancelled, one
    later; returns them by topic."""
    made = [add_event(session, "三天后的发布会", S.APPROVED, timedelta(days=3)),
            add_event(session, "已取消的通气会", S.CANCELLED, timedelta(days=1)),
            add_event(session, "上周的发布会", S.HELD, timedelta(days=-7)),
            add_event(session, "正在进行的发布会", S.ANNOUNCED, timedelta(hours=-1))]
    return {event.topic: event for event in made}


def test_upcoming_events_soonest_first(session, calendar):
    found = event_queue.upcoming_events(session)

    assert [event.topic for event in found] == ["正在进行的发布会", "已取消的通气会",
                                                "三天后的发布会"]


def test_upcoming_events_limit(session, calendar):
    found = event_queue.upcoming_events(session, limit=2)

    assert [event.topic for event in found] == ["正在进行的发布会", "已取消的通气会"]


def test_upcoming_events_after_all_ended(session, calendar):
    later = now_utc() + timedelta(days=30)

    assert event_queue.upcoming_events(session, now=later) == []


@pytest.fixture
def home_user(engine, session):
    st.cache_resource.clear()   # no engine cached from an earlier test
    unit = factories.make_unit(session, "省交通宣传中心")
    user = factories.make_user(session, "chenjing", unit=unit, roles={Role.SPOKESPERSON, Role.DRAFTER},
                               display_name="陈静")
    parsed, raw = policies.parse_pasted(POLICY_TEXT)
    policies.save_policy(session, actor=user, parsed=parsed,
                         fields=policies.PolicyFields(title="关于做好政务公开工作的通知"),
                         source_name="通知.txt", raw_text=raw)
    session.commit()
    yield user
    st.cache_resource.clear()


def open_home(user) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page("views/home.py").run()
    assert not app.exception
    return app


def event_lines(app: AppTest) -> list[str]:
    """The 近期活动 lines: time · kind · topic · status."""
    return [m.value for m in app.markdown if " · 新闻发布会 · " in m.value]


def test_home_lists_upcoming_with_status(home_user, calendar):
    app = open_home(home_user)

    lines = event_lines(app)
    assert len(lines) == 3
    assert "正在进行的发布会" in lines[0]
    assert "已取消的通气会" in lines[1]
    assert lines[1].endswith("已取消")
    assert "三天后的发布会" in lines[2]
    assert lines[2].endswith("已批准")
    assert not any("上周的发布会" in line for line in lines)


def test_home_without_upcoming_says_so(home_user, session):
    add_event(session, "上周的发布会", S.HELD, timedelta(days=-7))

    app = open_home(home_user)

    assert event_lines(app) == []
    assert any("近期没有尚未结束的活动" in c.value for c in app.caption)
