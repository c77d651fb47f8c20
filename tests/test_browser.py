"""End to end in headless Chromium: import a policy, draft, edit, book an event, restart.

The app runs as `make run` starts it, on a SQLite file of its own. The browser acts as a
user would, through sidebar navigation, the file uploader, buttons and downloads. Set
PLANNER_SCREENSHOTS=1 to write the policies, drafts and events pages to docs/screenshots/.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
import icalendar
import pytest

from planner.db import make_engine, session_scope
from planner.models import Role
from planner.services import accounts, users
from tests.browser_support import (CHROMIUM, CHROMIUM_ARGS, PROJECT_ROOT, SCREENSHOTS_DIR,
                                   VIEWPORT, AppServer, missing_browser_reason,
                                   screenshots_enabled)
from tests.conftest import SICHUAN

try:
    from playwright.sync_api import Page, expect, sync_playwright
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
except ImportError:  # the `browser` fixture skips the test with install instructions
    Page = expect = sync_playwright = None
    PlaywrightTimeoutError = TimeoutError

# NOTE: Streamlit reruns arrive asynchronously; under heavy load a wait can still time out, so
# a failed flow is run once more from a fresh server before it counts as failed.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]

SICHUAN_TITLE = "四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"
# Draft names as the 选择稿件 list shows them, with their review state.
INTERPRETATION = f"政策解读 · 关于《{SICHUAN_TITLE}》的政策解读（草稿）"
QA = f"答记者问 · 四川省交通运输厅有关负责人就《{SICHUAN_TITLE}》答记者问（草稿）"
EDITED_BODY = "专家在浏览器中修改的出台背景。"

TOPIC = "实施意见新闻发布会"
# The 查看活动 option of the booked event: the state and 编号 tell equal topics apart.
BOOKED_LABEL = re.compile(r"^2026-10-01 10:00 · " + re.escape(TOPIC) + r"（策划中，编号 \d+）$")
VENUE = "厅新闻发布厅"
SPOKESPERSON = "王明 <wangming@example.gov.cn>"
NATIONAL_DAY = date(2026, 10, 1)   # 国庆节, a public holiday in the official calendar
SHANGHAI = ZoneInfo("Asia/Shanghai")

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "Browser-测试-2026"

WAIT_MS = 20_000   # an estimate: a rerun took under 2 s here on 2 cores


@pytest.fixture
def browser():
    reason = missing_browser_reason()
    if reason:
        pytest.skip(reason)

    # launch() gives every browser a fresh temporary profile (user data dir) of its own.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                  accept_downloads=True, viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def app_server(browser, tmp_path):
    """Serve the app on a fresh database. It depends on `browser`, so a skip starts no server."""
    server = AppServer(workdir=tmp_path)
    server.migrate()
    create_admin(server)
    server.start()
    yield server
    server.stop()


def create_admin(server: AppServer) -> None:
    """The first administrator, made as the README says; it also drafts and books events
    here, so that one person can walk the whole flow."""
    subprocess.run([sys.executable, "-m", "planner", "create-admin", "--username",
                    ADMIN_USERNAME, "--display-name", "周敏"], cwd=PROJECT_ROOT,
                   env={**server.env(), "PLANNER_ADMIN_PASSWORD": ADMIN_PASSWORD},
                   check=True, capture_output=True, timeout=60)

    engine = make_engine(server.env()["PLANNER_DATABASE_URL"])
    with session_scope(engine) as session:
        admin = users.find_by_username(session, ADMIN_USERNAME)
        for role in (Role.DRAFTER, Role.SPOKESPERSON):
            accounts.grant_role(session, actor=admin, user_id=admin.id, unit_id=admin.unit_id,
                                role=role)
    engine.dispose()


def sign_in(page: Page) -> None:
    """Sign in through the form, as every new browser session must."""
    expect(page.get_by_role("heading", level=1, name="登录")).to_be_visible()
    page.get_by_label("用户名", exact=True).fill(ADMIN_USERNAME)
    page.get_by_label("密码", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("stSidebar").get_by_text("当前用户：周敏（admin）")).to_be_visible()


# --- Streamlit helpers ------------------------------------------------------------------------

def open_nav(page: Page, label: str) -> None:
    """Go to a page through the sidebar, as a user does, and wait for its title."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label).click()
    expect(page.get_by_role("heading", level=1, name=label)).to_be_visible()


def alert(page: Page, text: str):
    return page.get_by_test_id("stAlert").filter(has_text=text)


def choose(page: Page, label: str, option: str) -> None:
    # A rerun that lands between the click and the pick closes the list again, so a
    # closed list is opened once more instead of failing the flow.
    box = page.get_by_role("combobox", name=label)
    for _ in range(3):
        box.click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=5000)
            break
        except PlaywrightTimeoutError:
            continue
    expect(box).to_have_value(option)


def options_of(page: Page, label: str) -> list[str]:
    page.get_by_role("combobox", name=label).click()
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    texts = options.all_inner_texts()
    page.keyboard.press("Escape")
    return texts


def set_date(page: Page, label: str, day: date) -> None:
    """Type a date into st.date_input.

    Streamlit 1.67 draws it as a segmented field (year, month, day spin buttons), not a
    text box: typing the digits into the year segment moves on to month and day by itself.
    """
    field = page.get_by_role("group", name=label, exact=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(day.strftime("%Y%m%d"))
    expect(field).to_have_text(day.isoformat())


def download(page: Page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button, exact=True).click()
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def screenshot(page: Page, name: str) -> None:
    if not screenshots_enabled():
        return

    # The focus ring of the last widget used is not part of what the page shows.
    page.evaluate("document.activeElement?.blur()")
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS_DIR / f"{name}.png")


# --- Steps of the flow --------------------------------------------------------------------------

def import_policy(page: Page) -> None:
    open_nav(page, "政策文件")
    page.locator("input[type=file]").set_input_files(SICHUAN)
    page.get_by_role("button", name="解析", exact=True).click()
    expect(alert(page, "未识别到标题")).to_be_visible()

    page.get_by_label("标题", exact=True).fill(SICHUAN_TITLE)
    page.get_by_role("button", name="保存", exact=True).click()

    expect(alert(page, "已保存：")).to_be_visible()
    # The option label is the title followed by （发文字号　成文日期　编号）.
    expect(page.get_by_role("combobox", name="选择政策文件")).to_have_value(
        re.compile(f"^{re.escape(SICHUAN_TITLE)}（"))


def make_drafts(page: Page) -> None:
    choose(page, "公开属性", "主动公开")   # chosen when a draft is created
    page.get_by_role("button", name="生成政策解读初稿").click()
    expect(alert(page, "已生成初稿：").filter(has_text="的政策解读")).to_be_visible()

    page.get_by_role("button", name="生成答记者问初稿").click()
    expect(alert(page, "已生成初稿：").filter(has_text="答记者问")).to_be_visible()


def edit_interpretation(page: Page) -> tuple[str, bytes]:
    """Edit the first section of the 政策解读 and download it; returns (file name, bytes)."""
    open_nav(page, "稿件编辑")
    choose(page, "选择稿件", INTERPRETATION)
    page.get_by_label("正文", exact=True).first.fill(EDITED_BODY)
    page.get_by_role("button", name="保存本段").first.click()
    expect(alert(page, "第 2 版")).to_be_visible()

    # NOTE: the download button is built before the save runs, so right after 保存本段 it
    # still serves the previous version. A reload builds it again from the database; it
    # starts a new session, so the user signs in again.
    page.reload()
    sign_in(page)
    open_nav(page, "稿件编辑")
    choose(page, "选择稿件", INTERPRETATION)
    return download(page, "下载 Word 文件")


def book_holiday_event(page: Page) -> tuple[str, bytes]:
    """Book an event on 国庆节, confirm the warning, download the invite."""
    open_nav(page, "新闻发布活动")
    page.get_by_label("主题", exact=True).fill(TOPIC)
    page.get_by_label("地点", exact=True).fill(VENUE)
    page.get_by_label("新闻发言人", exact=True).fill(SPOKESPERSON)
    set_date(page, "日期", NATIONAL_DAY)
    page.get_by_role("button", name="检查并保存").click()
    expect(alert(page, "国庆节")).to_be_visible()

    page.get_by_role("button", name="已知悉以上提示，仍然保存").click()
    # NOTE: st.rerun() clears 已安排 as it clears 已保存, so the booked event is checked.
    expect(page.get_by_role("combobox", name="查看活动")).to_have_value(BOOKED_LABEL)
    return download(page, "下载日历邀请（.ics）")


def paragraphs_of(word_file: bytes) -> list[str]:
    return [paragraph.text for paragraph in docx.Document(io.BytesIO(word_file)).paragraphs]


def only_event(ics_file: bytes) -> icalendar.Event:
    events = icalendar.Calendar.from_ical(ics_file).walk("VEVENT")
    assert len(events) == 1
    return events[0]


def restart(server: AppServer, page: Page) -> None:
    """Restart the server on the same database and open the app again."""
    server.stop()
    server.start()

    page.goto(server.url)


def home_counts(page: Page) -> dict[str, str]:
    """Return the workbench's metrics as {label: value}."""
    metrics = page.get_by_test_id("stMetric")
    expect(metrics).to_have_count(3)
    return {metric.get_by_test_id("stMetricLabel").inner_text():
            metric.get_by_test_id("stMetricValue").inner_text() for metric in metrics.all()}


def find_policy_again(page: Page) -> None:
    open_nav(page, "政策文件")
    # The option label is the title followed by （发文字号　成文日期　编号）.
    expect(page.get_by_role("combobox", name="选择政策文件")).to_have_value(
        re.compile(f"^{re.escape(SICHUAN_TITLE)}（"))
    expect(page.get_by_role("button", name="生成答记者问初稿")).to_be_visible()
    screenshot(page, "policies")


def find_drafts_again(page: Page) -> list[str]:
    """Check the edit survived and return the names of all drafts, sorted."""
    open_nav(page, "稿件编辑")
    names = sorted(options_of(page, "选择稿件"))
    choose(page, "选择稿件", INTERPRETATION)
    expect(page.get_by_label("正文", exact=True).first).to_have_value(EDITED_BODY)
    screenshot(page, "drafts")
    return names


def find_event_again(page: Page) -> None:
    open_nav(page, "新闻发布活动")
    expect(page.get_by_role("combobox", name="查看活动")).to_have_value(BOOKED_LABEL)
    expect(page.get_by_role("button", name="下载日历邀请（.ics）")).to_be_visible()
    page.get_by_role("heading", name="已安排的活动").scroll_into_view_if_needed()
    screenshot(page, "events")


# --- The test -----------------------------------------------------------------------------------

def test_browser_flow_survives_restart(page, app_server):
    page.goto(app_server.url)
    sign_in(page)
    expect(page.get_by_text("欢迎使用新闻发布与政策解读工作台")).to_be_visible()
    expect(page.get_by_role("button", name="载入示例数据")).to_be_visible()

    import_policy(page)
    make_drafts(page)
    word_name, word_file = edit_interpretation(page)
    ics_name, ics_file = book_holiday_event(page)

    assert word_name.endswith("的政策解读.docx")
    assert EDITED_BODY in paragraphs_of(word_file)
    invite = only_event(ics_file)
    assert TOPIC in str(invite["SUMMARY"])
    assert invite.decoded("DTSTART") == datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI)
    assert invite["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert ics_name == f"2026-10-01_{TOPIC}.ics"

    restart(app_server, page)
    sign_in(page)   # a restarted server has no sessions

    assert home_counts(page) == {"政策文件": "1", "稿件": "2", "新闻发布活动": "1"}
    find_policy_again(page)
    assert find_drafts_again(page) == sorted([INTERPRETATION, QA])
    find_event_again(page)
