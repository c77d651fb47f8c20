"""Reading rights and quiet probes through AppTest, signed in, on a real SQLite file.

The example office's case: 张明 (承办人员 of 政策法规处) opens the 不公开 答问口径 of an event
that belongs to 省交通宣传中心. He gets a Chinese refusal and none of its text, on the
drafts page, the event's documents and the 答问口径库. Rendering the events and interviews
pages logs no permission warning, because their buttons are decided by probes.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from planner.errors import PermissionDenied
from planner.models import AnswerLibraryEntry, AnswerTier, Disclosure, EventDocument
from planner.services import answer_library, drafts, event_documents, interviews
from planner.services.interviews import EntryInput, PlanInput
from planner.timeutil import OFFICE_TZ
from tests import factories
from tests.event_docs_setup import PressOffice, make_press_office

APP = "../app.py"
REASON = "内部工作材料，属于过程性信息。"
BASIS = "《中华人民共和国政府信息公开条例》第十六条第二款"
SECRET_QUESTION = "过路费何时调整？"
SECRET_ANSWER = "内部掌握：拟于明年一季度调整，发布会上不主动提及。"


@dataclass
class Case:
    office: PressOffice
    event_id: int
    brief_id: int
    brief_title: str


@pytest.fixture
def case(app_engine):
    """An event of 省交通宣传中心 with a 不公开 答问口径 written by its 新闻发言人."""
    with Session(app_engine, expire_on_commit=False) as session:
        office = make_press_office(session)
        event = office.event(unit_id=office.publicity.id)
        brief = event_documents.create_document(
            session, actor=office.spokesperson, event_id=event.id,
            role=EventDocument.ANSWER_BRIEF, disclosure=Disclosure.NOT_PUBLIC,
            disclosure_reason=REASON, disclosure_basis=BASIS)
        question = drafts.list_sections(session, brief.id)[1]
        question.title, question.body = SECRET_QUESTION, SECRET_ANSWER
        session.add(question)
        session.commit()
        yield Case(office=office, event_id=event.id, brief_id=brief.id, brief_title=brief.title)


def open_page(user, page: str, state: dict | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    factories.sign_in_state(app, user)
    for key, value in (state or {}).items():
        app.session_state[key] = value
    app.run()
    app.switch_page(page).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def shown_text(app: AppTest) -> str:
    """Everything the page shows as text, in one string."""
    parts = [element.value for kind in ("markdown", "caption", "info", "warning", "error",
                                        "success", "subheader", "text")
             for element in getattr(app, kind)]
    parts += [str(box.options) for box in app.selectbox]
    parts += [area.value or "" for area in app.text_area]
    parts += [field.value or "" for field in app.text_input]
    return "\n".join(str(part) for part in parts)


def test_drafts_page_refuses_outsider(case):
    zhangming = case.office.author

    app = open_page(zhangming, "views/drafts.py", {"drafts_selected": case.brief_id})

    errors = [e.value for e in app.error]
    assert len(errors) == 1
    assert errors[0].startswith("您没有权限阅读编号为")
    assert "省交通宣传中心" in errors[0]
    text = shown_text(app)
    assert SECRET_ANSWER not in text
    assert SECRET_QUESTION not in text
    assert "答问口径" not in str([box.options for box in app.selectbox])


def test_drafts_page_opens_for_spokesperson(case):
    app = open_page(case.office.spokesperson, "views/drafts.py",
                    {"drafts_selected": case.brief_id})

    assert not app.error, [e.value for e in app.error]
    assert SECRET_ANSWER in shown_text(app)


def test_review_page_refuses_outsider(case):
    app = open_page(case.office.author, "views/review.py", {"review_selected": case.brief_id})

    assert any(e.value.startswith("您没有权限阅读编号为") for e in app.error)
    assert SECRET_ANSWER not in shown_text(app)


def test_event_documents_hide_title_from_outsider(case):
    app = open_page(case.office.author, "views/events.py", {"events_selected": case.event_id})

    text = shown_text(app)
    assert "（不公开稿件，您无权阅读）" in text
    assert SECRET_ANSWER not in text
    assert case.brief_title not in text
    assert not [b for b in app.button if b.key == f"event_documents_open_{case.event_id}"
                                                  f"_{EventDocument.ANSWER_BRIEF}"]


def test_library_page_hides_restricted_entries(case, app_engine):
    with Session(app_engine) as session:
        session.add(AnswerLibraryEntry(
            question=SECRET_QUESTION, answer=SECRET_ANSWER, tier=AnswerTier.MUST,
            search_text=answer_library.search_text(SECRET_QUESTION, SECRET_ANSWER),
            draft_id=case.brief_id, section_key="q1",
            approved_at=datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)))
        session.commit()

    outsider = open_page(case.office.author, "views/answer_library.py")
    insider = open_page(case.office.spokesperson, "views/answer_library.py")

    assert SECRET_ANSWER not in shown_text(outsider)
    assert any(c.value.startswith("共找到 0 条") for c in outsider.caption)
    assert any(c.value.startswith("共找到 1 条") for c in insider.caption)


# --- Probes log nothing; refused actions do ----------------------------------------------

def _interview(app_engine, office: PressOffice) -> int:
    """Schedule an online interview of 省交通宣传中心, as its 新闻发言人."""
    with Session(app_engine, expire_on_commit=False) as session:
        actor = office.spokesperson
        plan = interviews.create_plan(session, actor=actor, data=PlanInput(
            title="2026年交通运输在线访谈计划", year=2026))
        entry = interviews.add_entry(session, actor=actor, plan_id=plan.id, data=EntryInput(
            topic="高速公路服务区提质升级", target_month=12, unit_id=office.publicity.id,
            guests="陈静 省交通宣传中心主任"))
        start = datetime(2026, 12, 8, 10, 0, tzinfo=OFFICE_TZ)
        event = interviews.schedule_entry(
            session, actor=actor, entry_id=entry.id, starts_at=start,
            ends_at=start + timedelta(hours=1), online_room="https://jtt.example.gov.cn/ft",
            question_channel="ft@example.gov.cn", spokespeople="陈静", host="孙伟")
        session.commit()
        return event.id


def _refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and "permission denied" in r.getMessage()]


@pytest.mark.parametrize("page", ["views/events.py", "views/interviews.py"])
def test_page_render_logs_no_refusal(case, app_engine, caplog, page):
    interview_id = _interview(app_engine, case.office)
    caplog.set_level(logging.WARNING)
    outsider = case.office.outsider   # 承办人员 of 运输服务处: no button applies to him

    app = open_page(outsider, page, {"events_selected": case.event_id,
                                     "interviews_selected_event": interview_id})

    assert not app.error, [e.value for e in app.error]
    assert _refusals(caplog) == []


def test_refused_answer_still_logged(case, app_engine, caplog):
    interview_id = _interview(app_engine, case.office)
    caplog.set_level(logging.WARNING)
    outsider = case.office.outsider

    with Session(app_engine) as session:
        assert not interviews.may_answer(session, actor=outsider, event_id=interview_id)
        assert _refusals(caplog) == []
        registered = interviews.register_question(
            session, actor=case.office.spokesperson, event_id=interview_id,
            text="服务区充电桩什么时候增加？", asker="网友",
            submitted_at=datetime(2026, 12, 7, 9, 0, tzinfo=OFFICE_TZ),
            now=datetime(2026, 12, 7, 10, 0, tzinfo=OFFICE_TZ))
        session.commit()
        with pytest.raises(PermissionDenied):
            interviews.answer_question(session, actor=outsider,
                                       question_id=registered.question.id,
                                       answer="年内完成。", mode="written",
                                       now=datetime(2026, 12, 8, 10, 30, tzinfo=OFFICE_TZ))

    assert _refusals(caplog) == [
        f"permission denied: user {outsider.id}, action answer_question, "
        f"unit {case.office.publicity.id}"]
