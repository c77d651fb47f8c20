"""Co-editing through the pages (AppTest): two experts on one draft, a save conflict
resolved by merging, comments replied to and resolved, the draft sent to review with an
open comment confirmed, assignment and read-only sections, 分配给我的段落 on 我的待办, and
unsaved text that survives a visit to another page. The AI step runs against the local
OpenAI-compatible test server (tests/openai_server.py)."""

import logging
import re

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from planner.config import get_settings
from planner.models import (AiSuggestion, ConflictState, Draft, DraftSection,
                            DraftSectionVersion, DraftStatus, User, VersionOrigin)
from planner.services import coedit
from tests.factories import sign_in_state
from tests.review_ready import fill_placeholders
from tests.openai_server import openai_server  # noqa: F401 (pytest fixture)
from tests.test_coedit import Team, build_team

APP = "../app.py"
AI_REPLY = "政策文件与解读材料同步发布，公众可在厅门户网站查阅（依据二、（二））。"


@pytest.fixture
def team(engine, session) -> Team:
    st.cache_resource.clear()   # no engine cached from an earlier test
    yield build_team(session)
    st.cache_resource.clear()


def open_drafts(user: User, page: str = "views/drafts.py") -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    sign_in_state(app, user)
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def button(app: AppTest, label: str, nth: int = 0):
    matches = [b for b in app.button if b.label == label]
    assert len(matches) > nth, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[nth]


def body_area(app: AppTest, section_id: int):
    keys = [area.key for area in app.text_area
            if area.key and area.key.startswith(f"drafts_body_{section_id}_")]
    assert len(keys) == 1, keys
    return app.text_area(key=keys[0])


def submit(app: AppTest, form: str) -> AppTest:
    """Press the submit button of the form with key `form`."""
    matches = [b for b in app.button if b.proto.form_id == form]
    assert len(matches) == 1, [b.proto.form_id for b in app.button]
    matches[0].click().run()
    assert not app.exception, app.exception
    return app


def click(app: AppTest, label: str, nth: int = 0) -> AppTest:
    button(app, label, nth).click().run()
    assert not app.exception, app.exception
    return app


def messages(elements) -> str:
    return "\n".join(element.value for element in elements)


def section_row(engine, section_id: int) -> DraftSection:
    with Session(engine) as session:
        return session.get(DraftSection, section_id)


def test_two_experts_conflict_comments_then_review(openai_server, team, engine):
    get_settings.cache_clear()   # read PLANNER_LLM_* set by the openai_server fixture
    section = team.first()
    first = open_drafts(team.expert)
    second = open_drafts(team.expert2)

    body_area(first, section.id).input("刘洋：补充了政策出台的背景数据。")
    click(first, "保存本段")
    assert "第 2 版" in messages(first.success)

    body_area(second, section.id).input("周琪：改写了背景的第一句。")
    click(second, "保存本段")
    assert "冲突版本保留" in messages(second.warning)
    assert section_row(engine, section.id).body == "刘洋：补充了政策出台的背景数据。"
    assert "<ins" in "".join(m.value for m in second.markdown)
    assert {"保留我的", "采用对方的", "合并后保存"} <= {b.label for b in second.button}

    with Session(engine) as session:
        kept = session.exec(select(DraftSectionVersion).where(
            DraftSectionVersion.conflict_state == ConflictState.OPEN)).one()
    merged = second.text_area(key=f"drafts_merge_body_{kept.id}")
    assert "〔对方：" in merged.value
    merged.input("刘洋与周琪合并后的出台背景。")
    submit(second, f"drafts_merge_{kept.id}")
    assert not second.error, messages(second.error)
    stored = section_row(engine, section.id)
    assert (stored.body, stored.version) == ("刘洋与周琪合并后的出台背景。", 3)
    with Session(engine) as session:
        newest = session.exec(select(DraftSectionVersion).where(
            DraftSectionVersion.section_id == section.id).order_by(
            DraftSectionVersion.id.desc())).first()
        assert (newest.origin, newest.author_id) == (VersionOrigin.MERGE, team.expert2.id)
        assert session.get(DraftSectionVersion, kept.id).resolution == "merge"
    assert not [b for b in second.button if b.label == "保留我的"]

    first.text_area(key=f"drafts_comment_text_{section.id}").input("背景数据请注明来源。")
    submit(first, f"drafts_comment_{section.id}")
    owner = open_drafts(team.owner)
    assert "背景数据请注明来源。" in messages(owner.markdown)
    thread = coedit.list_comments(Session(engine), team.draft_id)[0]
    owner.text_input(key=f"drafts_reply_text_{thread.comment.id}").input("已补充统计公报出处。")
    submit(owner, f"drafts_reply_{thread.comment.id}")
    click(owner, "标记为已解决")
    assert "已标记为已解决" in messages(owner.success)

    second_section = team.sections()[1]
    second.text_area(key=f"drafts_comment_text_{second_section.id}").input("第二部分请再精简。")
    submit(second, f"drafts_comment_{second_section.id}")
    assert not second.error, messages(second.error)

    openai_server.reply = AI_REPLY
    expert = open_drafts(team.expert)
    expert.button(key=f"ai_section_{second_section.id}_draft").click().run()
    assert not expert.exception, expert.exception
    suggestion_id = ai_suggestion_ids(engine)[-1]
    expert.button(key=f"ai_accept_{suggestion_id}").click().run()
    assert not expert.error, messages(expert.error)
    assert section_row(engine, second_section.id).body == AI_REPLY
    with Session(engine) as session:
        history = coedit.section_history(session, second_section.id)
    assert history[-1].ai_drafted
    assert history[-1].author_name == "刘洋"
    assert len(openai_server.chat_requests) == 1

    with Session(engine, expire_on_commit=False) as session:   # 送审 needs no prompts left
        fill_placeholders(session, team.owner, team.draft_id)
    owner = open_drafts(team.owner)
    assert "1 条未解决的批注" in messages(owner.warning)
    click(owner, "送审")
    assert "1 条未解决的批注" in messages(owner.error)
    assert section_status(engine, team.draft_id) == DraftStatus.DRAFT
    owner.checkbox(key=f"drafts_confirm_comments_{team.draft_id}").check().run()
    click(owner, "送审")
    assert section_status(engine, team.draft_id) == DraftStatus.PENDING_FIRST

    reviewer = open_drafts(team.peer, "views/review.py")
    assert "未解决的批注（1 条）" in messages(reviewer.warning)
    assert "第二部分请再精简。" in messages(reviewer.markdown)


def new_side(diff_html: str) -> str:
    """The text a diff rendered by diffing.to_html leads to: deletions and tags removed."""
    return re.sub(r"<[^>]+>", "", re.sub(r"<del[^>]*>.*?</del>", "", diff_html))


def ai_suggestion_ids(engine) -> list[int]:
    with Session(engine) as session:
        return list(session.exec(select(AiSuggestion.id).order_by(AiSuggestion.id)))


def section_status(engine, draft_id: int) -> str:
    with Session(engine) as session:
        return session.get(Draft, draft_id).status


def test_unsaved_text_survives_page_switch(team, engine):
    section = team.first()
    app = open_drafts(team.expert)
    original = body_area(app, section.id).value

    body_area(app, section.id).input("尚未保存的专家修改。").run()
    assert "1 段修改还没有保存" in messages(app.warning)

    app.switch_page("views/home.py").run()
    assert "稿件编辑中有 1 段修改还没有保存" in messages(app.sidebar.warning)
    app.switch_page("views/drafts.py").run()

    assert not app.exception
    assert body_area(app, section.id).value == "尚未保存的专家修改。"
    assert "1 段修改还没有保存" in messages(app.warning)
    assert section_row(engine, section.id).version == 1

    click(app, "放弃修改")
    assert body_area(app, section.id).value == original
    assert "还没有保存" not in messages(app.warning)


def test_unsaved_text_saved_after_page_switch(team, engine):
    section = team.first()
    app = open_drafts(team.expert)
    body_area(app, section.id).input("切换页面后再保存的文本。").run()
    app.switch_page("views/queue.py").run()
    app.switch_page("views/drafts.py").run()

    click(app, "保存本段")

    assert "第 2 版" in messages(app.success)
    assert section_row(engine, section.id).body == "切换页面后再保存的文本。"
    assert "还没有保存" not in messages(app.sidebar.warning)


def test_unsaved_text_of_other_user_not_shown(team):
    section = team.first()
    app = open_drafts(team.expert)
    body_area(app, section.id).input("刘洋未保存的文本。").run()
    click(app, "退出登录")

    sign_in_state(app, team.expert2)
    app.run()
    app.switch_page("views/drafts.py").run()

    assert "还没有保存" not in messages(app.warning)
    assert body_area(app, section.id).value != "刘洋未保存的文本。"


def test_owner_assigns_section_read_only_for_others(team, engine):
    first, second = team.sections()[:2]
    owner = open_drafts(team.owner)
    assignee = [s for s in owner.selectbox if s.label == "分配给"]
    assignee[0].select(team.expert.id)
    submit(owner, f"drafts_assign_{first.id}")
    read_only = [c for c in owner.checkbox if c.label.startswith("只读")]
    read_only[1].check()
    submit(owner, f"drafts_assign_{second.id}")
    assert not owner.error, messages(owner.error)
    assert section_row(engine, first.id).assignee_id == team.expert.id
    assert section_row(engine, second.id).read_only

    expert = open_drafts(team.expert)
    assert body_area(expert, first.id) is not None
    assert not [a for a in expert.text_area
                if a.key and a.key.startswith(f"drafts_body_{second.id}_")]
    assert "本段为只读" in messages(expert.info)

    other = open_drafts(team.expert2)
    assert not [a for a in other.text_area
                if a.key and a.key.startswith(f"drafts_body_{first.id}_")]
    assert "本段已分配给刘洋" in messages(other.info)

    queue = open_drafts(team.expert, "views/queue.py")
    assert "分配给我的段落（1 段）" in [s.value for s in queue.subheader]
    click(queue, "去编辑")
    assert [t.value for t in queue.title] == ["稿件编辑"]


def test_history_compare_and_restore(team, engine):
    section = team.first()
    app = open_drafts(team.expert)
    original = body_area(app, section.id).value
    body_area(app, section.id).input("第二版的出台背景。")
    click(app, "保存本段")

    diff_html = [m.value for m in app.markdown if "<ins" in m.value]
    assert any("第二版的出台背景" in new_side(html) for html in diff_html)
    restore = [b for b in app.button if b.label.startswith("恢复为：第 1 版 · 张明")]
    assert len(restore) == 1, [b.label for b in app.button]
    restore[0].click().run()

    assert "保存为第 3 版" in messages(app.success)
    stored = section_row(engine, section.id)
    assert (stored.body, stored.version) == (original, 3)
    with Session(engine) as session:
        history = coedit.section_history(session, section.id)
    assert [h.origin for h in history] == ["create", "edit", "restore"]


# --- Unsaved text after a page switch cut short -------------------------------------------

def editor_widgets(app: AppTest) -> list:
    return [widget for widget in [*app.text_input, *app.text_area]
            if widget.key and widget.key.startswith(("drafts_title_", "drafts_body_"))]


def shown_in_browser(widget) -> str:
    """What a browser holding no value of its own for the widget shows: the value the
    server sent with it, else the widget's default."""
    return widget.proto.value if widget.proto.set_value else widget.proto.default


def rerun_without(app: AppTest, widget_ids: set[str]) -> AppTest:
    """Rerun as a browser that no longer reports these widgets.

    NOTE: AppTest has no public way to leave widgets out of a rerun, so this calls its
    _run with the widget states of the last run minus `widget_ids`.
    """
    states = WidgetStates()
    states.widgets.extend(state for state in app._tree.get_widget_states().widgets
                          if state.id not in widget_ids)
    app._run(states)
    assert not app.exception, app.exception
    return app


def test_page_switch_cut_short_keeps_typed_text(team, engine):
    first, second = team.sections()[:2]
    coedit.assign_section(team.session, actor=team.owner, section_id=second.id,
                          assignee_id=None, read_only=True)
    team.session.commit()
    app = open_drafts(team.owner)
    typed = first.body + "作者补充的一句。"
    body_area(app, first.id).input(typed).run()
    app.switch_page("views/board.py").run()
    app.switch_page("views/drafts.py").run()

    # A second click while 督办看板 was still loading: Streamlit kept the editors'
    # values on the server, but the browser dropped its own and no longer reports them.
    rerun_without(app, {widget.id for widget in editor_widgets(app)})

    expected = {("title", s.id): s.title for s in team.sections()}
    expected |= {("body", s.id): s.body for s in team.sections()}
    expected[("body", first.id)] = typed
    widgets = editor_widgets(app)
    assert len(widgets) == len(expected)
    for widget in widgets:
        field, section_id = widget.key.split("_")[1], int(widget.key.split("_")[2])
        assert shown_in_browser(widget) == expected[(field, section_id)], widget.key

    for widget in widgets:       # the browser reports what it shows
        widget.set_value(shown_in_browser(widget))
    app.run()
    assert "您有 1 段修改还没有保存" in messages(app.warning)
    click(app, "保存本段")

    stored = section_row(engine, first.id)
    assert (stored.title, stored.body, stored.version) == (first.title, typed, 2)
    assert [section_row(engine, s.id).version for s in team.sections()[1:]] == [1] * 4
    assert "还没有保存" not in messages(app.warning)


def test_clearing_body_asks_for_confirmation(team, engine):
    first = team.first()
    app = open_drafts(team.owner)

    body_area(app, first.id).input("").run()
    assert "保存后会清空原有的正文" in messages(app.warning)
    click(app, "保存本段")
    assert "确认清空本段正文" in messages(app.error)
    assert section_row(engine, first.id).version == 1

    app.checkbox(key=f"drafts_confirm_empty_{first.id}").check().run()
    click(app, "保存本段")
    stored = section_row(engine, first.id)
    assert (stored.body, stored.version) == ("", 2)


def test_clearing_heading_refused(team, engine):
    first = team.first()
    app = open_drafts(team.owner)

    title_keys = [w.key for w in app.text_input
                  if w.key and w.key.startswith(f"drafts_title_{first.id}_")]
    app.text_input(key=title_keys[0]).input("").run()
    click(app, "保存本段")

    assert "标题不能为空" in messages(app.error)
    assert section_row(engine, first.id).version == 1


# --- Title and 公开属性 forms only for those who may change them -----------------------------

def detail_forms(app: AppTest, draft_id: int) -> set[str]:
    names = {f"drafts_title_{draft_id}", f"drafts_disclosure_{draft_id}"}
    return {button.proto.form_id for button in app.button} & names


def test_expert_gets_no_title_or_disclosure_form(team):
    expert = open_drafts(team.expert)

    assert detail_forms(expert, team.draft_id) == set()
    assert "稿件标题和公开属性由稿件作者或承办单位的承办人员修改。" in messages(expert.caption)
    assert body_area(expert, team.first().id) is not None     # sections stay editable

    owner = open_drafts(team.owner)
    assert detail_forms(owner, team.draft_id) == {f"drafts_title_{team.draft_id}",
                                                  f"drafts_disclosure_{team.draft_id}"}


def test_drafts_page_probes_log_no_refusal(team, caplog):
    expert = open_drafts(team.expert)
    caplog.clear()
    caplog.set_level(logging.WARNING, logger="planner.permissions")

    expert.run()

    assert not expert.exception
    assert [record.getMessage() for record in caplog.records] == []


# --- History opens on the newest version and the one before it ----------------------------

def history_select(app: AppTest, prefix: str):
    found = [box for box in app.selectbox
             if box.key and (box.key == prefix or box.key.startswith(prefix + "_"))]
    assert len(found) == 1, [box.key for box in app.selectbox]
    return found[0]


def test_history_compares_newest_pair_by_default(team, engine):
    first = team.first()
    app = open_drafts(team.owner)
    for text in ("第二版的出台背景。", "第三版的出台背景。"):
        body_area(app, first.id).input(text)
        click(app, "保存本段")

    with Session(engine) as session:
        rows = coedit.section_history(session, first.id)
        draft_rows = coedit.draft_history(session, team.draft_id)
    assert [row.number for row in rows] == [1, 2, 3]
    assert history_select(app, f"drafts_history_a_{first.id}").value == rows[1].id
    assert history_select(app, f"drafts_history_b_{first.id}").value == rows[2].id
    prefix = f"drafts_draft_history_{'{}'}_{team.draft_id}"
    assert history_select(app, prefix.format("a")).value == draft_rows[-2].version_id
    assert history_select(app, prefix.format("b")).value == draft_rows[-1].version_id


# --- The merge box is a three-way merge against the common version ------------------------

def test_merge_box_applies_disjoint_edits(team, engine):
    section = team.first()
    original = section.body
    first = open_drafts(team.expert)
    second = open_drafts(team.expert2)

    body_area(first, section.id).input("刘洋加的开头。" + original)
    click(first, "保存本段")
    body_area(second, section.id).input(original + "周琪加的结尾。")
    click(second, "保存本段")

    with Session(engine) as session:
        kept = session.exec(select(DraftSectionVersion).where(
            DraftSectionVersion.conflict_state == ConflictState.OPEN)).one()
    both = "刘洋加的开头。" + original + "周琪加的结尾。"
    assert second.text_area(key=f"drafts_merge_body_{kept.id}").value == both
    assert "已全部采用" in messages(second.caption)
    submit(second, f"drafts_merge_{kept.id}")
    assert section_row(engine, section.id).body == both

