"""在线访谈 end to end in headless Chromium, as five people sign in and out of one browser.

The speaker plans the interview in the annual plan, books it and drafts its 预告, which
passes 初审, 审核 and 审发 and is released. The event is approved and announced. The
public's questions are registered and assigned, one is answered live, the interview is
held and the other is answered in writing. The 文字实录 is recorded and released, and the
event is archived with a reason for the 重要政务活动信息, which is published elsewhere.

The app runs as `make run` starts it, in a process of its own on the real clock, which a
test cannot freeze. The interview is therefore booked for yesterday: it may then be held
and answered now, and the booking shows its "in the past" warning.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from planner.db import make_engine
from planner.i18n import t
from planner.models import (DraftSection, DraftStatus, EventDocument, EventStatus,
                            InterviewQuestion, PressEvent, QuestionStatus, User)
from planner.services import event_documents
from planner.timeutil import OFFICE_TZ
from tests.browser_support import AppServer
from tests.factories import TEST_PASSWORD
from tests.interview_setup import GUESTS, InterviewOffice, make_office
from tests.review_ready import fill_placeholders
# `browser` and `page` are fixtures: pytest finds them in this module's namespace.
from tests.test_browser import browser, page  # noqa: F401
from tests.test_browser import alert, choose, open_nav, set_date

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture skips the test with install instructions
    Page = expect = None

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]

TOPIC = "冬季高速公路保通保畅"
QUESTIONS = ("雨雪天气高速会封路吗？", "除冰车辆够不够？")
TRANSCRIPT_ANSWERS = "网友甲：雨雪天气高速会封路吗？\n张明：封路前会提前发布信息。"


@pytest.fixture
def office_server(browser, tmp_path):
    """Serve the app on a fresh database holding the office's five people."""
    server = AppServer(workdir=tmp_path)
    server.migrate()
    engine = make_engine(server.env()["PLANNER_DATABASE_URL"])
    with Session(engine, expire_on_commit=False) as session:
        staff = make_office(session)
    engine.dispose()
    server.start()
    yield server, staff
    server.stop()


def database(server: AppServer) -> Session:
    return Session(make_engine(server.env()["PLANNER_DATABASE_URL"]), expire_on_commit=False)


# --- signing in and Streamlit forms -----------------------------------------------------------

def sign_in_as(page: Page, user) -> None:
    expect(page.get_by_role("heading", level=1, name="登录")).to_be_visible()
    page.get_by_label("用户名", exact=True).fill(user.username)
    page.get_by_label("密码", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("stSidebar").get_by_text(
        f"当前用户：{user.display_name}（{user.username}）")).to_be_visible()


def switch_user(page: Page, user) -> None:
    page.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
    sign_in_as(page, user)


def form_with(page: Page, submit: str):
    """The st.form whose submit button is labelled `submit`."""
    return page.get_by_test_id("stForm").filter(
        has=page.get_by_role("button", name=submit, exact=True))


def click(page: Page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


def until_visible(step, target, attempts: int = 3) -> None:
    """Repeat `step` (a click on an expander or a tab) until `target` shows: a rerun that
    lands just after the click may draw the page again without it."""
    for _ in range(attempts):
        if target.is_visible():
            return
        step()
        try:
            expect(target).to_be_visible(timeout=5000)
            return
        except AssertionError:
            continue
    expect(target).to_be_visible()


def open_expander(page: Page, label: str, field: str) -> None:
    summary = page.get_by_text(label, exact=True)
    expect(summary).to_be_visible()
    until_visible(summary.click, page.get_by_label(field, exact=True))


def event_tab(page: Page, tab: str) -> None:
    open_nav(page, "新闻发布活动")
    page.get_by_role("tab", name=tab, exact=True).click()
    expect(page.get_by_role("tab", name=tab, exact=True)).to_have_attribute(
        "aria-selected", "true")


def event_step(page: Page, label: str) -> None:
    event_tab(page, "状态")
    click(page, label)
    expect(alert(page, f"已{label}，活动现为")).to_be_visible()


# --- steps --------------------------------------------------------------------------------------

def plan_and_book(page: Page, day) -> None:
    open_nav(page, "在线访谈")
    plan = form_with(page, "保存访谈计划")
    plan.get_by_label("计划名称", exact=True).fill(f"{day.year}年交通运输在线访谈计划")
    plan.get_by_label("年份", exact=True).fill(str(day.year))
    click(page, "保存访谈计划")
    expect(alert(page, "已保存访谈计划")).to_be_visible()

    entry = form_with(page, "保存访谈选题")
    entry.get_by_label("访谈主题", exact=True).fill(TOPIC)
    choose(page, "计划月份", f"{day.month}月")
    choose(page, "所涉单位", "运输服务处")
    entry.get_by_label("嘉宾", exact=True).fill(GUESTS)
    click(page, "保存访谈选题")
    expect(alert(page, f"已保存访谈选题“{TOPIC}”")).to_be_visible()

    booking = form_with(page, "检查并安排")
    set_date(page, "日期", day)
    booking.get_by_label("访谈网址或栏目", exact=True).fill("https://jtt.example.gov.cn/ft")
    booking.get_by_label("征集网友提问的渠道", exact=True).fill("ft@example.gov.cn")
    booking.get_by_label("新闻发言人", exact=True).fill("陈静")
    click(page, "检查并安排")
    click(page, "仍然安排")    # the start lies in the past, so the booking warns
    expect(alert(page, f"已把“{TOPIC}”安排为在线访谈")).to_be_visible()


def review_and_release(page: Page, server: AppServer, staff: InterviewOffice,
                       event_id: int, role: EventDocument) -> None:
    """送审 the draft open on 稿件编辑, have it reviewed at three levels, then release it
    after ticking the confirmation. The template prompts are written through the services
    first (送审 refuses a draft that still holds them), and the page is opened again."""
    with database(server) as session:
        draft = event_documents.document_draft(session, event_id, role)
        fill_placeholders(session, session.get(User, staff.speaker.id), draft.id)
    open_nav(page, "稿件编辑")
    click(page, "送审")
    expect(alert(page, "已送审")).to_be_visible()
    for reviewer, level in ((staff.peer, "初审"), (staff.head, "审核"), (staff.leader, "审发")):
        switch_user(page, reviewer)
        open_nav(page, "稿件审查")
        page.get_by_role("textbox", name=re.compile("^审查意见")).fill(f"{level}同意")
        click(page, f"{level}通过")
        expect(alert(page, f"已{level}通过")).to_be_visible()

    switch_user(page, staff.speaker)
    open_nav(page, "稿件编辑")
    choose(page, "选择稿件", draft_option(server, event_id, role))
    page.get_by_text("我已核对审发通过的内容", exact=False).click()
    click(page, "发布")
    expect(alert(page, "已发布：")).to_be_visible()


def draft_option(server: AppServer, event_id: int, role: EventDocument) -> str:
    """The 选择稿件 entry of the event's document once it is 已审发."""
    with database(server) as session:
        draft = event_documents.document_draft(session, event_id, role)
    return f"{t('draft.kind.' + draft.kind)} · {draft.title}（已审发）"


def ask_and_assign(page: Page) -> None:
    open_nav(page, "在线访谈")
    for number, (asker, text) in enumerate(zip(("网友甲", "网友乙"), QUESTIONS), 1):
        open_expander(page, "登记网友提问", "提问内容")
        form = form_with(page, "登记")
        form.get_by_label("提问人（姓名或网名，可不填）", exact=True).fill(asker)
        form.get_by_label("提问内容", exact=True).fill(text)
        click(page, "登记")
        expect(alert(page, f"已登记第 {number} 号提问")).to_be_visible()

    for number, guest in ((1, "张明"), (2, "李华")):
        choose(page, "选择待答复的提问", f"#{number} {QUESTIONS[number - 1]}")
        choose(page, "答复嘉宾", guest)
        click(page, "分配")
        expect(alert(page, f"已把第 {number} 号提问分配给{guest}")).to_be_visible()


def answer(page: Page, number: int, text: str, mode: str) -> None:
    open_nav(page, "在线访谈")
    choose(page, "选择待答复的提问", f"#{number} {QUESTIONS[number - 1]}")
    # The form of the question chosen before may linger until the rerun ends.
    form = form_with(page, "登记答复").filter(has_text=f"登记第 {number} 号提问的答复")
    expect(form.get_by_role("radio", name=mode)).to_be_checked()
    form.get_by_label("答复内容", exact=True).fill(text)
    form.get_by_role("button", name="登记答复", exact=True).click()
    expect(alert(page, f"已登记第 {number} 号提问的答复")).to_be_visible()


def record_transcript(page: Page) -> None:
    """Draft the 文字实录 on the event's 文档 tab and type the answers into 答问实录."""
    event_tab(page, "文档")
    row = page.get_by_test_id("stHorizontalBlock").filter(has_text="文字实录")
    row.get_by_role("button", name="起草", exact=True).click()
    click(page, "确认起草")
    expect(alert(page, "已起草文字实录")).to_be_visible()

    open_draft = row.get_by_role("button", name="打开稿件", exact=True)
    until_visible(page.get_by_role("tab", name="文档", exact=True).click, open_draft)
    open_draft.click()
    expect(page.get_by_role("heading", level=1, name="稿件编辑")).to_be_visible()
    # Each section is an expander named after it; only the first one starts open.
    section = page.get_by_test_id("stExpander").filter(has_text="答问实录")
    body = section.get_by_role("textbox", name="正文", exact=True)
    until_visible(section.get_by_text("答问实录").first.click, body)
    body.fill(TRANSCRIPT_ANSWERS)
    section.get_by_role("button", name="保存本段", exact=True).click()
    expect(alert(page, "本段已保存")).to_be_visible()


def archive(page: Page) -> None:
    event_tab(page, "状态")
    form = form_with(page, "归档")
    form.get_by_label("先行归档的原因", exact=True).fill("重要政务活动信息已由门户网站另行发布")
    click(page, "归档")
    expect(alert(page, "已归档，活动现为")).to_be_visible()


# --- the test -----------------------------------------------------------------------------------

def test_interview_in_browser(page, office_server):
    server, staff = office_server
    day = (datetime.now(OFFICE_TZ) - timedelta(days=1)).date()
    page.goto(server.url)
    sign_in_as(page, staff.speaker)

    plan_and_book(page, day)
    with database(server) as session:
        event_id = session.exec(select(PressEvent.id)).one()
    click(page, "起草访谈预告")
    expect(alert(page, "已起草访谈预告")).to_be_visible()
    click(page, "打开预告稿")
    expect(page.get_by_role("heading", level=1, name="稿件编辑")).to_be_visible()
    review_and_release(page, server, staff, event_id, EventDocument.PREVIEW)

    switch_user(page, staff.leader)
    event_step(page, "批准")
    switch_user(page, staff.speaker)
    event_step(page, "发布预告")
    ask_and_assign(page)
    answer(page, 1, "封路前会提前发布信息。", "现场答复")
    event_step(page, "标记为已举行")
    answer(page, 2, "全省已储备除冰车辆和融雪剂。", "书面答复")

    record_transcript(page)
    review_and_release(page, server, staff, event_id, EventDocument.TRANSCRIPT)
    archive(page)

    open_nav(page, "在线访谈")
    expect(page.get_by_text("已归档").first).to_be_visible()
    with database(server) as session:
        event = session.get(PressEvent, event_id)
        questions = session.exec(select(InterviewQuestion).order_by(InterviewQuestion.id)).all()
        transcript = event_documents.document_draft(session, event_id, EventDocument.TRANSCRIPT)
        answers = session.exec(select(DraftSection.body).where(
            DraftSection.draft_id == transcript.id, DraftSection.key == "answers")).one()
        preview = event_documents.document_draft(session, event_id, EventDocument.PREVIEW)
    assert event.status == EventStatus.ARCHIVED
    assert [q.status for q in questions] == [QuestionStatus.ANSWERED, QuestionStatus.ANSWERED]
    assert [q.answer_mode for q in questions] == ["live", "written"]
    assert preview.status == DraftStatus.RELEASED
    assert transcript.status == DraftStatus.RELEASED
    assert answers == TRANSCRIPT_ANSWERS
