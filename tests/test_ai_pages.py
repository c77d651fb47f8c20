"""The AI panel through AppTest: next to a draft section (a small script that renders it as
the drafts page does) and on the 政务舆情 page, against the local OpenAI-compatible server."""

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner.db import make_engine, migrate
from planner.models import (AiAction, AiSuggestion, Disclosure, DraftKind, DraftSectionVersion,
                            Role, SuggestionStatus, VersionOrigin)
from planner.services import ai, drafts, opinions, policies, review
from tests import factories
from tests.conftest import SICHUAN
from tests.office_setup import item_input, make_office
from tests.openai_server import openai_server  # noqa: F401 (pytest fixture)
from tests.review_ready import make_ready
from widgets.ai_panel import RUN_PREFIX

REPLY = "根据《实施意见》二、（三），政策文件与解读材料同步发布（依据二、（九））。"
QA_REPLY = "问：政策解读有什么要求？\n答：同步发布解读材料。\n依据：二、（三）\n"


def panel_script():
    """Render one section's AI panel the way the drafts page does."""
    import streamlit as st

    import ui
    from planner.services import drafts
    from widgets import ai_panel

    with ui.db_session() as session:
        draft = drafts.get_draft(session, st.session_state["test_draft_id"])
        section = drafts.list_sections(session, draft.id)[st.session_state["test_position"]]
    ai_panel.render_section_assist(draft, section, editable=st.session_state["test_editable"])


@pytest.fixture
def app_db(db_url):
    st.cache_resource.clear()
    engine = make_engine(db_url)
    migrate(engine)
    engine.dispose()
    yield db_url
    st.cache_resource.clear()


def db(app_db) -> Session:
    return Session(make_engine(app_db), expire_on_commit=False)


@pytest.fixture
def author(app_db):
    with db(app_db) as session:
        unit = factories.make_unit(session, "政策法规处")
        return factories.make_user(session, "author", unit=unit, roles={Role.DRAFTER})


def make_draft(app_db, author, kind=DraftKind.INTERPRETATION, disclosure=Disclosure.PUBLIC):
    extra = {} if disclosure == Disclosure.PUBLIC else {
        "disclosure_reason": "内部材料", "disclosure_basis": "《政府信息公开条例》第十六条"}
    with db(app_db) as session:
        parsed, raw = policies.parse_upload(SICHUAN.name, SICHUAN.read_bytes())
        fields = policies.PolicyFields(title=parsed.title or "实施意见", issuer=parsed.issuer)
        # Each draft gets its own copy of the policy, so a second one is a chosen duplicate.
        policy = policies.save_policy(session, actor=author, parsed=parsed, fields=fields,
                                      source_name=SICHUAN.name, raw_text=raw,
                                      allow_duplicate=True)
        draft = drafts.create_from_policy(session, actor=author, policy_id=policy.id, kind=kind,
                                          disclosure=disclosure, **extra)
        session.commit()
        return draft


def panel(author, draft, *, position: int = 1, editable: bool = True) -> AppTest:
    app = AppTest.from_function(panel_script, default_timeout=30)
    factories.sign_in_state(app, author)
    app.session_state["test_draft_id"] = draft.id
    app.session_state["test_position"] = position
    app.session_state["test_editable"] = editable
    return app.run()


def button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0]


def no_problems(app: AppTest) -> None:
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]


def position(app: AppTest, key: str) -> tuple[int, ...] | None:
    """Return the child indices that lead to the element with `key`: the browser matches
    the elements of one run with the previous run's by this position."""
    def walk(node, path):
        if getattr(node, "key", None) == key:
            return path
        for index, child in getattr(node, "children", {}).items():
            found = walk(child, (*path, index))
            if found is not None:
                return found
        return None

    return walk(app.main, ())


def section_at(app_db, draft, position: int = 1):
    with db(app_db) as session:
        return drafts.list_sections(session, draft.id)[position]


def suggestions(app_db) -> list[AiSuggestion]:
    with db(app_db) as session:
        return list(session.exec(select(AiSuggestion).order_by(AiSuggestion.id)))


# --- the section panel ------------------------------------------------------------------------

def test_panel_disabled_without_configuration(app_db, author, monkeypatch):
    monkeypatch.delenv("PLANNER_LLM_BASE_URL", raising=False)
    draft = make_draft(app_db, author)

    app = panel(author, draft)

    no_problems(app)
    assert button(app, "AI 起草本段").disabled
    assert button(app, "AI 润色").disabled
    explanation = " ".join(caption.value for caption in app.caption)
    assert "AI 接口的地址" in explanation
    assert "llm_base_url" not in explanation


def test_panel_disabled_for_not_public_draft(app_db, author, openai_server):
    draft = make_draft(app_db, author, disclosure=Disclosure.NOT_PUBLIC)

    app = panel(author, draft)

    assert button(app, "AI 起草本段").disabled
    assert "不公开" in " ".join(caption.value for caption in app.caption)
    assert openai_server.requests == []


def test_panel_offers_questions_on_qa_draft_only(app_db, author, openai_server):
    interpretation = make_draft(app_db, author)
    qa = make_draft(app_db, author, kind=DraftKind.QA)

    def labels(draft, position):
        return [b.label for b in panel(author, draft, position=position).button]

    assert "AI 拟定答问" not in labels(interpretation, 0)
    assert "AI 拟定答问" in labels(qa, 0)
    assert "AI 拟定答问" not in labels(qa, 1)     # offered once, at the first section


def test_panel_streams_and_shows_suggestion(app_db, author, openai_server):
    openai_server.reply = REPLY
    draft = make_draft(app_db, author)
    app = panel(author, draft)

    button(app, "AI 起草本段").click().run()

    no_problems(app)
    assert len(openai_server.chat_requests) == 1
    assert app.text_area[0].value == REPLY
    assert any("AI 生成" in markdown.value for markdown in app.markdown)
    captions = " ".join(caption.value for caption in app.caption)
    assert "✓ 二、（三）" in captions
    assert "建立政策解读机制" in captions
    assert any("✗ 二、（九）" in warning.value for warning in app.warning)
    assert [s.status for s in suggestions(app_db)] == [SuggestionStatus.PENDING]


def test_panel_accept_saves_ai_version(app_db, author, openai_server):
    draft = make_draft(app_db, author)
    app = panel(author, draft)
    button(app, "AI 起草本段").click().run()

    button(app, "采用").click().run()

    no_problems(app)
    assert any("标记为 AI 生成" in success.value for success in app.success)
    section = section_at(app_db, draft)
    assert section.body == openai_server.reply
    with db(app_db) as session:
        version = session.exec(select(DraftSectionVersion)
                               .where(DraftSectionVersion.section_id == section.id)
                               .order_by(DraftSectionVersion.id.desc())).first()
    assert version.origin == VersionOrigin.AI
    assert "采用" not in [b.label for b in app.button]     # no open suggestion left


def test_panel_accept_edited_text(app_db, author, openai_server):
    draft = make_draft(app_db, author)
    app = panel(author, draft)
    button(app, "AI 起草本段").click().run()

    app.text_area[0].input("专家改过的正文。").run()
    button(app, "采用").click().run()

    no_problems(app)
    assert section_at(app_db, draft).body == "专家改过的正文。"


def test_panel_discard(app_db, author, openai_server):
    draft = make_draft(app_db, author)
    before = section_at(app_db, draft).body
    app = panel(author, draft)
    button(app, "AI 起草本段").click().run()

    button(app, "放弃").click().run()

    no_problems(app)
    assert [s.status for s in suggestions(app_db)] == [SuggestionStatus.DISCARDED]
    assert section_at(app_db, draft).body == before
    assert "采用" not in [b.label for b in app.button]


def test_panel_accept_on_submitted_draft_asks_confirmation(app_db, author, openai_server):
    draft = make_draft(app_db, author)
    with db(app_db) as session:
        make_ready(session, author, draft.id)   # reviewers, and no template prompts left
    app = panel(author, draft)
    button(app, "AI 润色").click().run()
    with db(app_db) as session:
        review.submit(session, actor=author, draft_id=draft.id)
        session.commit()
    app.run()

    button(app, "采用").click().run()
    assert any("草稿" in error.value for error in app.error)
    assert section_at(app_db, draft).body != openai_server.reply

    app.checkbox[0].check().run()
    button(app, "采用").click().run()
    assert section_at(app_db, draft).body == openai_server.reply


@pytest.mark.parametrize("status, phrase", [(500, "HTTP 500"), (429, "HTTP 429"),
                                            (401, "接口密钥")])
def test_panel_shows_endpoint_error(app_db, author, openai_server, status, phrase):
    openai_server.mode, openai_server.status = "status", status
    draft = make_draft(app_db, author)
    before = section_at(app_db, draft)

    app = panel(author, draft)
    button(app, "AI 起草本段").click().run()

    assert any(phrase in error.value for error in app.error)
    assert suggestions(app_db) == []
    after = section_at(app_db, draft)
    assert (after.body, after.version) == (before.body, before.version)


ERRORS = [
    # (server setup, environment, phrase of the error)
    ({"mode": "status", "status": 500}, {}, "HTTP 500"),
    ({"mode": "status", "status": 429}, {}, "HTTP 429"),
    ({"mode": "empty_choices"}, {}, "没有返回任何文字"),
    ({"mode": "slow"}, {"PLANNER_LLM_TIMEOUT": "1"}, "1 秒内没有响应"),
]


@pytest.mark.parametrize("setup, env, phrase", ERRORS, ids=[case[2] for case in ERRORS])
def test_panel_error_leaves_no_stop_button(app_db, author, openai_server, monkeypatch, setup,
                                           env, phrase):
    for name, value in setup.items():
        setattr(openai_server, name, value)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    draft = make_draft(app_db, author)
    section = section_at(app_db, draft)
    app = panel(author, draft)

    button(app, "AI 起草本段").click().run()

    assert [phrase in error.value for error in app.error] == [True]
    assert "停止" not in [b.label for b in app.button]
    assert not any("正在生成" in caption.value for caption in app.caption)
    assert f"{RUN_PREFIX}section_{section.id}" not in app.session_state


def test_panel_stop_button_gone_after_success(app_db, author, openai_server):
    draft = make_draft(app_db, author)
    app = panel(author, draft)

    button(app, "AI 起草本段").click().run()

    no_problems(app)
    assert "停止" not in [b.label for b in app.button]
    assert "采用" in [b.label for b in app.button]


def test_panel_buttons_keep_position_after_notice(app_db, author, openai_server):
    # A notice shown in one run and not in the next must not move the buttons: during a
    # long stream elsewhere, the browser would show the old buttons as a faded copy.
    draft = make_draft(app_db, author)
    section = section_at(app_db, draft)
    app = panel(author, draft)
    button(app, "AI 起草本段").click().run()
    key = f"ai_section_{section.id}_draft"
    before = position(app, key)

    button(app, "放弃").click().run()
    assert any("已放弃" in success.value for success in app.success)
    with_notice = position(app, key)
    app.run()

    assert before is not None
    assert with_notice == before
    assert position(app, key) == before
    assert app.main.get_by_key(f"ai_panel_section_{section.id}") is not None


def test_panel_unverified_citation_needs_checkbox(app_db, author, openai_server):
    openai_server.reply = REPLY     # cites 二、（九）, which the policy does not have
    draft = make_draft(app_db, author)
    before = section_at(app_db, draft).body
    app = panel(author, draft)
    button(app, "AI 起草本段").click().run()
    [suggestion] = suggestions(app_db)

    button(app, "采用").click().run()

    assert any("二、（九）" in error.value and "我已核对" in error.value for error in app.error)
    assert section_at(app_db, draft).body == before
    confirm = app.checkbox(key=f"ai_confirm_unverified_{suggestion.id}")
    assert "二、（九）" in confirm.label
    confirm.check().run()
    button(app, "采用").click().run()
    no_problems(app)
    saved = section_at(app_db, draft)
    assert saved.body == REPLY
    with db(app_db) as session:
        version = session.exec(select(DraftSectionVersion)
                               .where(DraftSectionVersion.section_id == saved.id)
                               .order_by(DraftSectionVersion.id.desc())).first()
    assert "二、（九）" in version.note


def test_panel_edited_text_drops_unverified_checkbox(app_db, author, openai_server):
    openai_server.reply = REPLY
    draft = make_draft(app_db, author)
    app = panel(author, draft)
    button(app, "AI 起草本段").click().run()
    assert any("我已核对" in box.label for box in app.checkbox)

    app.text_area[0].input("专家删去了可疑引用（依据二、（三））。").run()

    assert not any("我已核对" in box.label for box in app.checkbox)
    assert not any("✗" in warning.value for warning in app.warning)
    button(app, "采用").click().run()
    no_problems(app)
    assert section_at(app_db, draft).body == "专家删去了可疑引用（依据二、（三））。"


def test_panel_records_interrupted_stream_as_stopped(app_db, author, openai_server):
    # A click on 停止 during the stream reruns the script: the loop ends and the text
    # received so far is left in session state, as set here.
    draft = make_draft(app_db, author)
    section = section_at(app_db, draft)
    with db(app_db) as session:
        request = ai.prepare(session, actor=author, action=AiAction.DRAFT,
                             section_id=section.id)
    app = AppTest.from_function(panel_script, default_timeout=30)
    factories.sign_in_state(app, author)
    app.session_state["test_draft_id"] = draft.id
    app.session_state["test_position"] = 1
    app.session_state["test_editable"] = True
    app.session_state[f"{RUN_PREFIX}section_{section.id}"] = {"request": request,
                                                              "text": "停止前收到的部分"}

    app.run()

    no_problems(app)
    assert any("已停止生成" in info.value for info in app.info)
    assert [(s.status, s.text) for s in suggestions(app_db)] == [
        (SuggestionStatus.STOPPED, "停止前收到的部分")]
    assert app.text_area[0].value == "停止前收到的部分"

    button(app, "采用").click().run()
    assert section_at(app_db, draft).body == "停止前收到的部分"


def test_panel_questions_append_sections(app_db, author, openai_server):
    openai_server.reply = QA_REPLY
    draft = make_draft(app_db, author, kind=DraftKind.QA)
    with db(app_db) as session:
        count = len(drafts.list_sections(session, draft.id))
    app = panel(author, draft, position=0)

    button(app, "AI 拟定答问").click().run()
    button(app, "采用").click().run()

    no_problems(app)
    assert any("新增 1 个问答段落" in success.value for success in app.success)
    with db(app_db) as session:
        sections = drafts.list_sections(session, draft.id)
    assert len(sections) == count + 1
    assert (sections[-1].title, sections[-1].source_ref) == ("政策解读有什么要求？", "二、（三）")


def test_panel_read_only_lists_without_accept(app_db, author, openai_server):
    draft = make_draft(app_db, author)
    app = panel(author, draft)
    button(app, "AI 起草本段").click().run()

    app = panel(author, draft, editable=False)

    assert "AI 起草本段" not in [b.label for b in app.button]
    assert "采用" not in [b.label for b in app.button]
    assert app.text_area[0].disabled


# --- the opinion page ---------------------------------------------------------------------

@pytest.fixture
def office(app_db):
    with db(app_db) as session:
        return make_office(session)


def open_opinion(office, item_id: int) -> AppTest:
    app = AppTest.from_file("../app.py", default_timeout=60)
    factories.sign_in_state(app, office.clerk)
    app.session_state["opinions_selected"] = item_id
    app.run()
    return app.switch_page("views/opinions.py").run()


def test_opinion_summary_fills_assessment_note(app_db, office, openai_server):
    openai_server.reply = "网民集中反映出租车拒载，质疑监管。"
    with db(app_db) as session:
        item = opinions.register(session, actor=office.clerk, data=item_input())
        session.commit()
    app = open_opinion(office, item.id)

    button(app, "AI 生成摘要").click().run()
    no_problems(app)
    assert "出租车拒载" in openai_server.received_text()
    button(app, "采用").click().run()

    no_problems(app)
    assert app.text_area(key="opinions_assess_note").value == openai_server.reply
    assert [s.status for s in suggestions(app_db)] == [SuggestionStatus.ACCEPTED]


def test_opinion_summary_disabled_without_configuration(app_db, office, monkeypatch):
    monkeypatch.delenv("PLANNER_LLM_BASE_URL", raising=False)
    with db(app_db) as session:
        item = opinions.register(session, actor=office.clerk, data=item_input())
        session.commit()

    app = open_opinion(office, item.id)

    no_problems(app)
    assert button(app, "AI 生成摘要").disabled
