"""The review diff of an 答问口径: a changed tier, 答题要点, 避免的表述 or 依据 shows as a change
of its question, also against snapshots stored before those fields were kept, and the
稿件审查 page shows it."""

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from planner import diffing
from planner.db import make_engine, migrate
from planner.models import Disclosure, EventDocument
from planner.services import drafts, event_documents, review
from tests import factories
from tests.event_docs_setup import make_press_office

REASON = "内部工作材料，属于过程性信息。"
BASIS = "《中华人民共和国政府信息公开条例》第十六条第二款"


def question(**fields) -> dict:
    return {"key": "q1", "title": "为什么出台？", "body": "为贯彻落实。", "source_ref": "一、",
            **fields}


def changed_details(old: dict, new: dict) -> dict[str, str]:
    [section] = diffing.diff_content({"sections": [old]}, {"sections": [new]}).sections
    return {d.name: "".join(f"[{op.kind}:{op.text}]" for op in d.ops if op.kind != "equal")
            for d in section.details if d.changed}


@pytest.mark.parametrize("name, old_value, new_value, shown", [
    ("tier", "likely", "must", "[delete:可能问][insert:必答]"),
    ("key_points", "贯彻部署", "贯彻部署\n回应关切", "[insert:\n回应关切]"),
    ("avoid_phrasing", "", "史上最严", "[insert:史上最严]"),
    ("source_ref", "一、", "二、", "[delete:一][insert:二]"),
])
def test_diff_shows_answer_field_change(name, old_value, new_value, shown):
    base = {"tier": "likely", "key_points": "贯彻部署", "avoid_phrasing": ""}
    old = question(**{**base, name: old_value})
    new = question(**{**base, name: new_value})

    [section] = diffing.diff_content({"sections": [old]}, {"sections": [new]}).sections

    assert section.status == "changed"
    assert changed_details(old, new) == {name: shown}


def test_diff_old_snapshot_without_fields():
    # Stored before the 答问口径 fields joined the content: no tier, key points or phrasing.
    old = question()
    new = question(tier="must", key_points="贯彻部署", avoid_phrasing="")

    [section] = diffing.diff_content({"sections": [old]}, {"sections": [new]}).sections

    assert section.status == "changed"
    assert changed_details(old, new) == {"tier": "[insert:必答]",
                                         "key_points": "[insert:贯彻部署]"}


def test_diff_old_snapshots_both_without_fields_same():
    [section] = diffing.diff_content({"sections": [question()]},
                                     {"sections": [question()]}).sections

    assert section.status == "same"
    assert [d.changed for d in section.details] == [False]   # the 依据 only


def test_diff_unchanged_fields_same():
    fields = dict(tier="must", key_points="贯彻部署", avoid_phrasing="史上最严")

    [section] = diffing.diff_content({"sections": [question(**fields)]},
                                     {"sections": [question(**fields)]}).sections

    assert section.status == "same"


# --- through the review ---------------------------------------------------------------------

def resubmitted_brief(office):
    """An 答问口径 approved at 审发, then its first question's tier and key points changed
    and the draft submitted again; returns (draft, the changed question)."""
    event = office.event()
    draft = event_documents.create_document(
        office.session, actor=office.author, event_id=event.id, role=EventDocument.ANSWER_BRIEF,
        disclosure=Disclosure.NOT_PUBLIC, disclosure_reason=REASON, disclosure_basis=BASIS)
    office.session.commit()
    office.approve_fully(draft.id)
    section = drafts.list_sections(office.session, draft.id)[1]
    event_documents.save_answer_details(office.session, actor=office.author,
                                        section_id=section.id, tier="must",
                                        key_points="回应社会关切", avoid_phrasing="史上最严",
                                        source_ref=section.source_ref, confirm_reset=True)
    review.submit(office.session, actor=office.author, draft_id=draft.id)
    office.session.commit()
    return draft, section


def test_review_diff_shows_changed_tier(session):
    office = make_press_office(session)
    draft, section = resubmitted_brief(office)

    baseline = review.diff_baseline(session, draft.id)
    result = diffing.diff_content(baseline.content, review.current_content(session, draft.id))

    changed = [s for s in result.sections if s.status != "same"]
    assert [s.label for s in changed] == [section.title]
    assert {d.name for d in changed[0].details if d.changed} == {"tier", "key_points",
                                                                 "avoid_phrasing"}


def test_review_page_shows_changed_tier(db_url):
    st.cache_resource.clear()
    engine = make_engine(db_url)
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        office = make_press_office(session)
        draft, _ = resubmitted_brief(office)

        app = AppTest.from_file("../app.py", default_timeout=30)
        factories.sign_in_state(app, office.peer)
        app.run()
        app.session_state["review_selected"] = draft.id
        app.switch_page("views/review.py").run()
    engine.dispose()
    st.cache_resource.clear()

    assert not app.exception, app.exception
    captions = [c.value for c in app.caption]
    assert "分级" in captions
    assert "答题要点" in captions
    assert "避免的表述" in captions
    html = "".join(m.value for m in app.markdown)
    assert "必答</ins>" in html
    assert "史上最严</ins>" in html
