"""AI 起草本段 stopped mid-stream on 稿件编辑, in headless Chromium.

An expert asks the model to draft a section of a 政策解读, sees the characters arrive and
clicks 停止. The text received so far is kept as a stopped suggestion, marked as AI 生成,
and the section stays as it was until the expert clicks 采用. The model is the local
OpenAI-compatible test server in the test process, streaming a few characters at a time
with a pause between chunks, and the app runs as `make run` starts it, with PLANNER_LLM_*
pointing at that server.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import Session, select

from planner.db import make_engine
from planner.models import (AiAction, AiSuggestion, AuditEntry, DraftSection,
                            DraftSectionVersion, Role, SuggestionStatus, VersionOrigin)
from planner.services import drafts
from tests import factories
from tests.browser_support import AppServer
from tests.openai_server import openai_server  # noqa: F401 (pytest fixture)
from tests.test_ai_pages import make_draft
# `browser` and `page` are fixtures: pytest finds them in this module's namespace.
from tests.test_browser import browser, page  # noqa: F401
from tests.test_browser import alert, open_nav
from tests.test_interview_browser import sign_in_as

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture skips the test with install instructions
    Page = expect = None

# NOTE: Streamlit reruns arrive asynchronously, and under heavy load a wait can still time out.
# A failed flow is therefore run once more from a fresh server before it counts as failed.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]

# 118 characters without white space, so the stored (stripped) text is a prefix of it. It
# cites no clause, so 采用 needs no confirmation of unverified citations however much arrived.
REPLY = ("根据《实施意见》，各级交通运输部门要把政务公开作为推进依法行政的重要抓手，"
         "坚持以公开为常态、不公开为例外，做到决策、执行、管理、服务、结果公开，"
         "对涉及群众切身利益的政策文件同步发布解读材料，及时回应社会关切，"
         "不断提升政府公信力和执行力。")
CHUNK_CHARS = 2
CHUNK_DELAY_S = 0.4     # 59 chunks, so the whole reply takes about 24 s to stream
SECTION = "出台背景"     # the first section of the 政策解读 template, drawn expanded

STREAM_WAIT_MS = 40_000   # an estimate for the first chunk or a rerun on a loaded 2-core machine


@pytest.fixture
def ai_server(browser, openai_server, tmp_path):
    """Serve the app on a database with a 政策解读 and an expert who may edit it, with
    the model streaming slowly. `openai_server` has set PLANNER_LLM_* in os.environ before
    AppServer.env() copies it, so the streamlit process reaches the test server."""
    openai_server.reply = REPLY
    openai_server.chunk_chars = CHUNK_CHARS
    openai_server.chunk_delay_s = CHUNK_DELAY_S

    server = AppServer(workdir=tmp_path)
    server.migrate()
    url = server.env()["PLANNER_DATABASE_URL"]
    with database(server) as session:
        author = factories.make_user(session, "zhangming", display_name="张明",
                                     unit=factories.make_unit(session, "政策法规处"),
                                     roles={Role.DRAFTER})
        expert = factories.make_user(session, "liuyang", display_name="刘洋",
                                     unit=factories.make_unit(session, "省交通宣传中心"),
                                     roles={Role.EXPERT})
    draft = make_draft(url, author)

    server.start()
    yield server, openai_server, expert, draft
    server.stop()


def database(server: AppServer) -> Session:
    return Session(make_engine(server.env()["PLANNER_DATABASE_URL"]), expire_on_commit=False)


def first_section(server: AppServer, draft_id: int) -> DraftSection:
    with database(server) as session:
        return drafts.list_sections(session, draft_id)[0]


def section_panel(page: Page):
    """The expander of the first section, found by its heading."""
    return page.get_by_test_id("stExpander").filter(
        has=page.get_by_text(SECTION, exact=True)).first


def wait_until_idle(page: Page) -> None:
    """Wait until the app has finished its current run. A click while a rerun still redraws
    the page can land on an element that is being replaced, and then nothing happens."""
    # Streamlit 1.67 sets data-test-script-state on stApp; its e2e_playwright/conftest.py waits
    # on the same attribute.
    expect(page.get_by_test_id("stApp")).to_have_attribute(
        "data-test-script-state", "notRunning", timeout=STREAM_WAIT_MS)


def draft_and_stop(page: Page) -> str:
    """Click AI 起草本段, wait for the first characters and click 停止. Return the text
    that the page then shows as the stopped suggestion."""
    panel = section_panel(page)
    wait_until_idle(page)
    panel.get_by_role("button", name="AI 起草本段", exact=True).click()
    progress = panel.get_by_text(re.compile(r"^正在生成……已收到 [1-9]\d* 字$"))
    expect(progress).to_be_visible(timeout=STREAM_WAIT_MS)

    panel.get_by_role("button", name="停止", exact=True).click()
    expect(alert(page, "已停止生成")).to_be_visible(timeout=STREAM_WAIT_MS)
    expect(progress).to_have_count(0)
    suggestion = panel.get_by_role("textbox", name="AI 建议（可修改后采用）", exact=True)
    expect(suggestion).to_be_visible()
    return suggestion.input_value()


def audit_rows(server: AppServer, action: str) -> list[AuditEntry]:
    with database(server) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_ai_draft_stop_keeps_partial(page, ai_server):
    server, model, expert, draft = ai_server
    before = first_section(server, draft.id)
    page.goto(server.url)
    sign_in_as(page, expert)
    open_nav(page, "稿件编辑")
    expect(page.get_by_role("combobox", name="选择稿件")).to_have_value(
        f"政策解读 · {draft.title}（草稿）")

    partial = draft_and_stop(page)

    # The page shows the partial text only, marked as AI 生成 and as stopped.
    assert 0 < len(partial) < len(REPLY)
    assert REPLY.startswith(partial)
    expect(alert(page, f"收到的 {len(partial)} 字已保存为 AI 建议")).to_be_visible()
    panel = section_panel(page)
    expect(panel.get_by_text(re.compile(r"^AI 生成 · 起草 · 模型 "))).to_be_visible()
    expect(panel.get_by_text("生成中途被停止，以下是停止前收到的部分内容")).to_be_visible()
    expect(panel.get_by_role("textbox", name="正文", exact=True)).to_have_value(before.body)

    # The database has one stopped suggestion with that text, and the section is unchanged.
    with database(server) as session:
        [suggestion] = session.exec(select(AiSuggestion)).all()
        section = session.get(DraftSection, before.id)
    assert suggestion.status == SuggestionStatus.STOPPED
    assert suggestion.text == partial
    assert suggestion.action == AiAction.DRAFT
    assert suggestion.section_id == before.id
    assert suggestion.created_by == expert.id
    assert section.body == before.body
    assert section.version == before.version
    assert len(model.chat_requests) == 1

    # 采用 saves the accepted text as a new version of origin ai.
    wait_until_idle(page)
    panel.get_by_role("button", name="采用", exact=True).click()
    expect(alert(page, f"已采用 AI 建议，保存为段落“{SECTION}”的第 {before.version + 1} 版")
           ).to_be_visible(timeout=STREAM_WAIT_MS)
    expect(panel.get_by_role("textbox", name="正文", exact=True)).to_have_value(partial)
    with database(server) as session:
        section = session.get(DraftSection, before.id)
        version = session.exec(select(DraftSectionVersion)
                               .where(DraftSectionVersion.section_id == before.id)
                               .order_by(DraftSectionVersion.id.desc())).first()
        suggestion = session.get(AiSuggestion, suggestion.id)
    assert section.body == partial
    assert section.version == before.version + 1
    assert version.number == section.version
    assert version.origin == VersionOrigin.AI
    assert version.ai_suggestion_id == suggestion.id
    assert version.author_id == expert.id
    assert suggestion.status == SuggestionStatus.ACCEPTED

    # 登记备案 has the suggestion (stopped, with its size) and its acceptance.
    [suggested] = audit_rows(server, "ai.suggest")
    [accepted] = audit_rows(server, "ai.accept")
    assert suggested.actor_id == expert.id
    assert accepted.actor_id == expert.id
    detail = json.loads(suggested.detail)
    assert detail["suggestion_id"] == suggestion.id
    assert detail["stopped"] is True
    assert detail["chars"] == len(partial)
    assert json.loads(accepted.detail)["version_id"] == version.id
