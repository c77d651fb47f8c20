"""稿件编辑 in headless Chromium: after 送审 the 选择稿件 box reads the new state (待初审),
not the one it showed before the click. AppTest reads the options from the script, so
only a browser shows what the box itself displays."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from planner.db import make_engine
from planner.models import Disclosure, DraftKind, Role
from planner.services import drafts, policies
from tests import factories
from tests.browser_support import AppServer, sign_in_page
from tests.review_ready import fill_placeholders
from tests.test_browser import WAIT_MS, browser, page   # noqa: F401 (fixtures)
from tests.test_review import POLICY_TEXT

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test with install instructions
    expect = None

pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=1)]

POLICY_TITLE = "关于做好政务公开工作的通知"
DRAFT_LABEL = f"政策解读 · 关于《{POLICY_TITLE}》的政策解读"


@pytest.fixture
def office_server(browser, tmp_path):   # noqa: F811 (the fixture imported above)
    """An app server whose database holds 政策法规处 with a reviewer per level and one
    filled-in 政策解读 draft of 张明."""
    server = AppServer(workdir=tmp_path)
    server.migrate()
    engine = make_engine(server.env()["PLANNER_DATABASE_URL"])
    with Session(engine) as session:
        unit = factories.make_unit(session, "政策法规处")
        author = factories.make_user(session, "zhangming", unit=unit, roles={Role.DRAFTER},
                                     display_name="张明")
        factories.make_user(session, "lihua", unit=unit, roles={Role.DRAFTER},
                            display_name="李华")
        factories.make_user(session, "wangqiang", unit=unit, roles={Role.DEPARTMENT_HEAD},
                            display_name="王强")
        factories.make_user(session, "zhaoli", unit=factories.make_unit(session, "厅领导"),
                            roles={Role.UNIT_HEAD}, display_name="赵丽")
        parsed, raw = policies.parse_pasted(POLICY_TEXT)
        policy = policies.save_policy(session, actor=author, parsed=parsed,
                                      fields=policies.PolicyFields(title=POLICY_TITLE),
                                      source_name="通知.txt", raw_text=raw)
        draft = drafts.create_from_policy(session, actor=author, policy_id=policy.id,
                                          kind=DraftKind.INTERPRETATION,
                                          disclosure=Disclosure.PUBLIC)
        session.commit()
        fill_placeholders(session, author, draft.id)
    engine.dispose()
    server.start()
    yield server
    server.stop()


def test_selector_shows_state_after_submit(page, office_server):   # noqa: F811
    sign_in_page(page, office_server.url, "zhangming")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="稿件编辑").click()
    box = page.get_by_role("combobox", name="选择稿件")
    expect(box).to_have_value(f"{DRAFT_LABEL}（草稿）", timeout=WAIT_MS)

    page.get_by_role("button", name="送审", exact=True).click()

    expect(page.get_by_text("状态：待初审", exact=False)).to_be_visible(timeout=WAIT_MS)
    expect(box).to_have_value(f"{DRAFT_LABEL}（待初审）", timeout=WAIT_MS)
