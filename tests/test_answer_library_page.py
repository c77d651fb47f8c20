"""The 答问口径库 page and the event documents widget through AppTest, on a real SQLite
file, signed in.

The page: search in Chinese, the policy-changed warning, reuse into a chosen brief and a
user without a role. The widget: drafting an event's documents with their 公开属性."""

from dataclasses import dataclass

import pytest
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner.models import AnswerLibraryEntry, AuditEntry, Disclosure, EventDocument, Policy
from planner.services import drafts, event_documents, policies
from tests import factories
from tests.event_docs_setup import PressOffice, make_press_office

APP = "../app.py"
PAGE = "views/answer_library.py"
REASON = "内部工作材料，属于过程性信息。"
BASIS = "《中华人民共和国政府信息公开条例》第十六条第二款"


@dataclass
class Library:
    office: PressOffice
    target_id: int          # an editable 答问口径 draft
    target_event_id: int    # its event


@pytest.fixture
def library(app_engine):
    """An approved brief in the library and a second, editable brief. The session stays
    open for checks after the page acts."""
    with Session(app_engine, expire_on_commit=False) as session:
        office = make_press_office(session)
        approved = brief(office, office.event())
        office.approve_fully(approved.id)
        target_event = office.event(topic="农村公路建设")
        target = brief(office, target_event)
        yield Library(office, target.id, target_event.id)


def brief(office: PressOffice, event):
    draft = event_documents.create_document(
        office.session, actor=office.author, event_id=event.id, role=EventDocument.ANSWER_BRIEF,
        disclosure=Disclosure.NOT_PUBLIC, disclosure_reason=REASON, disclosure_basis=BASIS)
    office.session.commit()
    return draft


def open_page(user) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page(PAGE).run()
    return app


def count_caption(app: AppTest) -> str:
    return next(c.value for c in app.caption if c.value.startswith("共找到"))


def test_page_lists_approved_answers(library):
    office = library.office

    # The brief is 不公开: a 承办人员 of its unit sees its entries, outsiders do not.
    assert count_caption(open_page(office.outsider)).startswith("共找到 0 条")
    app = open_page(office.peer)

    assert not app.exception
    assert app.title[0].value == "答问口径库"
    assert count_caption(app).startswith("共找到 6 条")
    shown = [m.value for m in app.markdown]
    assert "**为什么要出台《实施意见》？**" in shown
    assert any("审发时间：" in c.value and "活动：政务公开工作" in c.value for c in app.caption)


def test_page_search_two_chinese_terms(library):
    office = library.office
    app = open_page(office.author)

    app.text_input(key="library_query").input("新闻发言人 门户网站").run()

    assert count_caption(app).startswith("共找到 2 条")
    questions = [m.value for m in app.markdown if m.value.startswith("**《实施意见》")]
    assert questions == ["**《实施意见》在加强平台建设方面提出了哪些要求？**",
                         "**《实施意见》的主要内容有哪些？**"]


def test_page_search_without_match_says_so(library):
    office = library.office
    app = open_page(office.author)

    app.text_input(key="library_query").input("高速公路收费").run()

    assert count_caption(app).startswith("共找到 0 条")
    assert app.info[0].value.startswith("没有找到符合条件的答问")


def test_page_tier_filter(library):
    office = library.office
    app = open_page(office.author)

    app.selectbox(key="library_tier").set_value("must").run()

    assert count_caption(app).startswith("共找到 0 条")


def test_page_warns_after_policy_edit(library):
    office = library.office
    app = open_page(office.author)
    assert not app.warning

    policy = office.session.get(Policy, office.policy.id)
    policies.update_fields(office.session, actor=office.author, policy_id=policy.id,
                           fields=policies.PolicyFields(title=policy.title + "（修订）"))
    office.session.commit()
    app.run()

    warnings = [w.value for w in app.warning]
    assert len(warnings) == 6
    assert warnings[0].startswith("所依据的政策文件在审发后已修改或已删除")


def test_page_reuse_into_chosen_brief(library):
    office, target_id = library.office, library.target_id
    app = open_page(office.author)
    app.text_input(key="library_query").input("门户网站 新媒体").run()
    entry_id = office.session.exec(select(AnswerLibraryEntry.id)
                                   .where(AnswerLibraryEntry.section_key == "part_1")).one()

    app.selectbox(key="library_target").set_value(target_id).run()
    app.button(key=f"library_reuse_{entry_id}").click().run()

    office.session.expire_all()
    last = drafts.list_sections(office.session, target_id)[-1]
    assert last.key == f"reuse_{entry_id}"
    assert last.title == "《实施意见》在加强平台建设方面提出了哪些要求？"
    assert any(s.value.startswith("已复用到") for s in app.success)
    actions = office.session.exec(select(AuditEntry.action)).all()
    assert "answer_library.reuse" in actions


def test_page_no_reuse_buttons_without_target(library):
    office = library.office

    app = open_page(office.author)

    assert not [b for b in app.button if b.key and b.key.startswith("library_reuse_")]


def test_page_outsider_has_no_targets(library):
    office = library.office

    app = open_page(office.outsider)

    assert app.selectbox(key="library_target").options == ["（不复用，仅查阅）"]


def test_page_user_without_role_refused(library):
    office = library.office
    nobody = factories.make_user(office.session, "nobody", unit=office.drafting, roles=set())

    app = open_page(nobody)

    assert app.error[0].value.startswith("答问口径库仅供持有角色的工作人员查阅")
    assert not [c for c in app.caption if c.value.startswith("共找到")]


# --- the event documents widget ---------------------------------------------------------

def widget_script(event_id: int) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path.cwd()))
    from widgets import event_documents as widget

    widget.render(event_id)


def open_widget(user, event_id: int) -> AppTest:
    app = AppTest.from_function(widget_script, args=(event_id,), default_timeout=30)
    factories.sign_in_state(app, user)
    return app.run()


def test_widget_drafts_plan_with_disclosure(library):
    office = library.office
    event = office.event(topic="春运服务保障", policy_id=None)
    app = open_widget(office.spokesperson, event.id)
    assert not app.exception

    app.button(key=f"event_documents_create_{event.id}_plan").click().run()
    app.button(key=f"FormSubmitter:event_documents_form_{event.id}_plan-确认起草").click().run()

    office.session.expire_all()
    found = event_documents.documents_for(office.session, event.id)
    assert set(found) == {EventDocument.PLAN}
    assert found[EventDocument.PLAN].disclosure == Disclosure.NOT_PUBLIC
    assert any("（草稿）" in m.value for m in app.markdown)


def test_widget_lists_existing_documents(library):
    event_id = library.target_event_id

    app = open_widget(library.office.author, event_id)

    assert any("“农村公路建设”新闻发布会答问口径（草稿）" in m.value for m in app.markdown)
    assert app.button(key=f"event_documents_open_{event_id}_answer_brief").label == "打开稿件"
    assert [c.value for c in app.caption].count("未起草") == 5


def test_widget_hides_create_for_outsider(library):
    office = library.office
    event = office.event(topic="春运服务保障")

    app = open_widget(office.outsider, event.id)

    assert not [b for b in app.button if b.key and b.key.startswith("event_documents_create_")]
    assert any(c.value == "未起草" for c in app.caption)


def test_drafts_page_edits_answer_details(library):
    office = library.office
    app = open_page(office.author)
    app.session_state["drafts_selected"] = library.target_id
    app.switch_page("views/drafts.py").run()

    titles = [expander.label for expander in app.expander]
    assert "答问口径要素：分级、答题要点、依据和避免的表述" in titles
    assert any(box.label == "答题要点" for box in app.text_area)
