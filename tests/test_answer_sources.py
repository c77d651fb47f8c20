"""The 依据 of an 答问口径's questions checked against the linked policy (the Sichuan
implementation opinions, parts 一、 to 三、): listed after a save, refused at 送审 unless
confirmed, and shown on the drafts page with the confirmation box."""

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner.db import make_engine, migrate
from planner.errors import Conflict
from planner.models import AuditEntry, Disclosure, DraftStatus, EventDocument
from planner.services import answer_sources, drafts, event_documents, review
from tests import factories
from tests.event_docs_setup import make_press_office

REASON = "内部工作材料，属于过程性信息。"
BASIS = "《中华人民共和国政府信息公开条例》第十六条第二款"


@pytest.fixture
def office(session):
    return make_press_office(session)


def make_brief(office, **event_overrides):
    event = office.event(**event_overrides)
    draft = event_documents.create_document(
        office.session, actor=office.author, event_id=event.id, role=EventDocument.ANSWER_BRIEF,
        disclosure=Disclosure.NOT_PUBLIC, disclosure_reason=REASON, disclosure_basis=BASIS)
    office.session.commit()
    return draft


def set_source(office, draft, source_ref: str, index: int = 1):
    section = drafts.list_sections(office.session, draft.id)[index]
    event_documents.save_answer_details(office.session, actor=office.author,
                                        section_id=section.id, tier="must", key_points="要点",
                                        avoid_phrasing="", source_ref=source_ref)
    office.session.commit()
    return section


@pytest.fixture
def brief(office):
    return make_brief(office)


@pytest.mark.parametrize("source_ref, missing", [
    ("九十九、（九）", ("九十九、（九）",)),
    ("一、（九）", ("一、（九）",)),
    ("二、（三）；五、", ("五、",)),
    ("一、（二）", ()),
    ("二、；三、", ()),
    ("《实施意见》二、（三）", ()),
    ("《实施意见》二、（九）", ("二、（九）",)),
    ("《中华人民共和国政府信息公开条例》第十六条", ()),
    ("开头部分", ()),
    ("", ()),
])
def test_unverified_in_section(office, brief, source_ref, missing):
    section = set_source(office, brief, source_ref)

    assert answer_sources.unverified_in_section(office.session, section) == missing


def test_unverified_sources_lists_questions(office, brief):
    first = set_source(office, brief, "九十九、（九）", index=1)
    set_source(office, brief, "一、（一）", index=2)

    found = answer_sources.unverified_sources(office.session, brief)

    assert [(item.section_id, item.clauses) for item in found] == [(first.id, ("九十九、（九）",))]


def test_brief_without_policy_not_checked(office):
    draft = make_brief(office, policy_id=None)
    set_source(office, draft, "九十九、（九）")

    assert answer_sources.unverified_sources(office.session, draft) == []


def test_submit_with_unverified_source_refused(office, brief):
    set_source(office, brief, "九十九、（九）")

    with pytest.raises(Conflict) as refused:
        review.submit(office.session, actor=office.author, draft_id=brief.id)
    office.session.rollback()

    assert "九十九、（九）" in refused.value.message
    assert "依据已核对，仍然送审" in refused.value.message
    assert drafts.get_draft(office.session, brief.id).status == DraftStatus.DRAFT


def test_submit_with_confirmed_source_allowed(office, brief):
    section = set_source(office, brief, "九十九、（九）")

    review.submit(office.session, actor=office.author, draft_id=brief.id,
                  confirm_unverified_sources=True)
    office.session.commit()

    assert drafts.get_draft(office.session, brief.id).status == DraftStatus.PENDING_FIRST
    [row] = office.session.exec(select(AuditEntry).where(
        AuditEntry.action == "draft.sources_confirmed")).all()
    assert row.entity_id == brief.id
    assert f'"section_ids": [{section.id}]' in row.detail


def test_submit_with_valid_sources_needs_no_confirmation(office, brief):
    set_source(office, brief, "二、（三）；三、")

    review.submit(office.session, actor=office.author, draft_id=brief.id)
    office.session.commit()

    assert drafts.get_draft(office.session, brief.id).status == DraftStatus.PENDING_FIRST


# --- pages --------------------------------------------------------------------------------

@pytest.fixture
def page_office(db_url):
    st.cache_resource.clear()
    engine = make_engine(db_url)
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield make_press_office(session)
    engine.dispose()
    st.cache_resource.clear()


def open_draft(user, draft_id) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()
    app.session_state["drafts_selected"] = draft_id
    app.switch_page("views/drafts.py").run()
    assert not app.exception, app.exception
    return app


def test_drafts_page_warns_and_submits_after_confirmation(page_office):
    office = page_office
    draft = make_brief(office)
    set_source(office, draft, "九十九、（九）")

    app = open_draft(office.author, draft.id)

    warnings = [w.value for w in app.warning]
    assert any("九十九、（九） 在关联政策" in w for w in warnings), warnings
    assert any("以下问题的依据在关联政策中找不到" in w for w in warnings), warnings
    [box] = [b for b in app.checkbox if b.label == "依据已核对，仍然送审"]

    box.check().run()
    [submit] = [b for b in app.button if b.label == "送审"]
    submit.click().run()

    office.session.expire_all()
    assert drafts.get_draft(office.session, draft.id).status == DraftStatus.PENDING_FIRST
