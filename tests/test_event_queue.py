"""我的待办 for press events on a real SQLite file: 批准 for the 单位负责人, the steps of
the cycle for the person who booked the event, nothing for finished or cancelled events,
and the 我的待办 page through AppTest."""

from datetime import timedelta

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from planner.models import EventKind, EventStatus, PressEvent, Role
from planner.services import event_flow, event_queue, events
from planner.services.event_flow import Action
from tests import factories
from tests.event_setup import AFTER, BEFORE, START, book, event_input, make_people

APP = "../app.py"
S = EventStatus


@pytest.fixture
def people(session):
    return make_people(session)


def set_status(session, event_id: int, status: EventStatus) -> None:
    event = session.get(PressEvent, event_id)
    event.status = status
    session.add(event)
    session.commit()


def pending(session, user, now=BEFORE) -> list[tuple[int, Action]]:
    return [(item.event_id, item.action)
            for item in event_queue.events_for(session, actor=user, now=now)]


def test_events_for_planning_waits_for_approver(session, people):
    event = book(session, people)

    assert pending(session, people.leader) == [(event.id, Action.APPROVE)]
    for user in (people.speaker, people.clerk, people.drafter):
        assert pending(session, user) == [], user.username


def test_events_for_approved_leaves_approver(session, people):
    event = book(session, people)
    event_flow.approve(session, actor=people.leader, event_id=event.id, now=BEFORE)
    session.commit()

    assert pending(session, people.leader) == []


def test_events_for_own_booking_not_for_approval(session, people):
    factories.grant(session, people.leader, Role.SPOKESPERSON, people.office_unit)
    own = events.create_event(session, actor=people.leader,
                              data=event_input(topic="厅长接受媒体专访", kind="interview"))
    session.commit()

    assert pending(session, people.leader) == []
    assert Action.APPROVE not in event_flow.available_actions(
        session, actor=people.leader, event_id=own.id, now=BEFORE)


@pytest.mark.parametrize("kind, status, now, action", [
    (EventKind.ONLINE_INTERVIEW, S.APPROVED, BEFORE, Action.ANNOUNCE),
    (EventKind.PRESS_CONFERENCE, S.APPROVED, AFTER, Action.HOLD),
    (EventKind.ONLINE_INTERVIEW, S.ANNOUNCED, AFTER, Action.HOLD),
    (EventKind.PRESS_CONFERENCE, S.HELD, AFTER, Action.ARCHIVE),
])
def test_events_for_booker_next_step(session, people, kind, status, now, action):
    event = book(session, people, kind=kind)
    set_status(session, event.id, status)

    assert pending(session, people.speaker, now) == [(event.id, action)]
    assert action in event_flow.available_actions(session, actor=people.speaker,
                                                  event_id=event.id, now=now)
    assert pending(session, people.clerk, now) == []   # may take it, but did not book it


@pytest.mark.parametrize("kind, status, now, expected", [
    (EventKind.PRESS_CONFERENCE, S.APPROVED, BEFORE, []),    # not started, no preview needed
    (EventKind.PRESS_CONFERENCE, S.ANNOUNCED, BEFORE, []),   # not started
    # Past its start without a preview, a 在线访谈 still waits for 发布预告, not 举行.
    (EventKind.ONLINE_INTERVIEW, S.APPROVED, AFTER, [Action.ANNOUNCE]),
    (EventKind.PRESS_CONFERENCE, S.CANCELLED, AFTER, []),
    (EventKind.PRESS_CONFERENCE, S.ARCHIVED, AFTER, []),
])
def test_events_for_booker_only_due_steps(session, people, kind, status, now, expected):
    event = book(session, people, kind=kind)
    set_status(session, event.id, status)

    assert pending(session, people.speaker, now) == [(event.id, action) for action in expected]


def test_events_for_approve_first_then_start(session, people):
    later = book(session, people, topic="一季度交通运行新闻发布会",
                 starts_at=START + timedelta(days=7), ends_at=START + timedelta(days=7, hours=1))
    sooner = book(session, people, topic="春运交通保障新闻发布会")
    set_status(session, sooner.id, S.HELD)
    factories.grant(session, people.leader, Role.GENERAL_OFFICE, people.office_unit)

    assert pending(session, people.leader, AFTER) == [(later.id, Action.APPROVE)]
    assert pending(session, people.speaker, AFTER) == [(sooner.id, Action.ARCHIVE)]


def test_events_for_inactive_user_empty(session, people):
    book(session, people)
    people.leader.is_active = False
    session.commit()

    assert pending(session, people.leader) == []


@pytest.fixture
def page_people(engine, people):
    st.cache_resource.clear()   # no engine cached from an earlier test
    yield people
    st.cache_resource.clear()


def test_queue_page_lists_event_for_approval(page_people, session):
    event = book(session, page_people)
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, page_people.leader)
    app.run()
    app.switch_page("views/queue.py").run()

    assert not app.exception
    assert [s.value for s in app.subheader] == ["待我批准的活动（1 项）"]
    assert app.dataframe[0].value["活动主题"].tolist() == [event.topic]
    assert app.dataframe[0].value["待办事项"].tolist() == ["批准"]
    assert [i.value for i in app.info] == []
    assert [b.label for b in app.button if b.label == "去办理活动"] == ["去办理活动"]


def test_queue_page_opens_event(page_people, session):
    event = book(session, page_people)
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, page_people.leader)
    app.run()
    app.switch_page("views/queue.py").run()

    [open_button] = [b for b in app.button if b.label == "去办理活动"]
    open_button.click().run()

    assert not app.exception
    assert [title.value for title in app.title] == ["新闻发布活动"]
    assert app.session_state["events_selected"] == event.id
