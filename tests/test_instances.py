"""Several instances on one PostgreSQL server.

1. Two `streamlit run app.py` processes on two loopback ports share one PostgreSQL
   database. Two people in headless Chromium, one on each instance, edit the same draft
   section. A save through one instance is seen through the other. A save through the
   other, made from the older version, is rejected as a conflict and the typed text stays
   on screen. After opening the app again, both texts end up in the section.
2. Two writers save the same section from the same version at the same moment, each
   through its own engine (as two app processes would): one save lands, the other is
   rejected as a conflict, and nothing is overwritten unseen. A barrier holds both saves
   after their version check, so the race is forced every run, not left to timing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pytest
from sqlmodel import Session, select

from planner.db import make_engine
from planner.documents.parsing import parse_policy_text
from planner.errors import Conflict
from planner.models import (AuditEntry, ConflictState, Disclosure, DraftKind, DraftSection,
                            DraftSectionVersion, Role)
from planner.services import audit, drafts, policies, review
from tests import factories
from tests.browser_support import (CHROMIUM, CHROMIUM_ARGS, VIEWPORT, AppServer,
                                   missing_browser_reason)
from tests.conftest import SICHUAN

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # the browser test skips itself with install instructions
    Page = expect = sync_playwright = None

WAIT_MS = 20_000
POLICY_TITLE = "四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"
STAFF = {"zhangming": "张明", "lihua": "李华"}
TEXT_A1 = "实例甲第一次保存的出台背景。"
TEXT_A2 = "实例甲第二次保存的出台背景。"
TEXT_B = "实例乙基于旧版本写下的补充意见。"


@dataclass
class Office:
    url: str
    draft_id: int
    section_id: int
    users: dict[str, object] = field(default_factory=dict)


def make_office(url: str) -> Office:
    """Two 承办人员 of one unit and a 政策解读 draft made by the first of them."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "政策法规处")
        users = {name: factories.make_user(session, name, unit=unit, roles={Role.DRAFTER},
                                           display_name=display)
                 for name, display in STAFF.items()}
        parsed = parse_policy_text(SICHUAN.read_text(encoding="utf-8"))
        policy = policies.save_policy(session, actor=users["zhangming"], parsed=parsed,
                                      fields=policies.PolicyFields(title=POLICY_TITLE),
                                      source_name=SICHUAN.name, raw_text="一、总则")
        draft = drafts.create_from_policy(session, actor=users["zhangming"], policy_id=policy.id,
                                          kind=DraftKind.INTERPRETATION,
                                          disclosure=Disclosure.PUBLIC)
        session.commit()
        section = drafts.list_sections(session, draft.id)[0]
    engine.dispose()
    return Office(url=url, draft_id=draft.id, section_id=section.id, users=users)


def stored_section(url: str, section_id: int) -> DraftSection:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        section = session.get(DraftSection, section_id)
    engine.dispose()
    return section


# --- two writers at the same moment --------------------------------------------------------

@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_two_writers_same_section_lose_nothing(kind, request, monkeypatch):
    url = request.getfixturevalue("pg_url" if kind == "postgresql" else "db_url")
    if kind == "sqlite":
        request.getfixturevalue("engine")     # migrates the SQLite file
    office = make_office(url)
    base = stored_section(url, office.section_id)
    both_checked = threading.Barrier(2)
    hold_after_check(monkeypatch, both_checked)

    outcomes = run_together([(office.users["zhangming"], TEXT_A1), (office.users["lihua"], TEXT_B)],
                            url, base)

    saved = stored_section(url, office.section_id)
    assert sorted(outcomes.values()) == ["conflict", "saved"], outcomes
    winner = next(text for text, outcome in outcomes.items() if outcome == "saved")
    assert (saved.body, saved.version) == (winner, base.version + 1)


def hold_after_check(monkeypatch, barrier: threading.Barrier) -> None:
    """Make each save wait, after its version check and before it writes, for the other.

    A save that locks the row before its check cannot reach the barrier while the other
    save holds the lock. The wait then times out, so the saves run one after the other.
    """
    original = review.reset_for_edit

    def held(*args, **kwargs):
        try:
            barrier.wait(timeout=3)
        except threading.BrokenBarrierError:
            pass
        return original(*args, **kwargs)

    monkeypatch.setattr(review, "reset_for_edit", held)


def run_together(saves: list[tuple[object, str]], url: str, base: DraftSection) -> dict[str, str]:
    outcomes: dict[str, str] = {}

    def save(user, text: str) -> None:
        engine = make_engine(url)     # one engine each, as two app processes have
        try:
            with Session(engine) as session:
                drafts.save_section(session, actor=user, section_id=base.id, title=base.title,
                                    body=text, base_version=base.version)
                session.commit()
            outcomes[text] = "saved"
        except Conflict:
            outcomes[text] = "conflict"
        except Exception as exc:  # reported by the assertion on outcomes
            outcomes[text] = f"{type(exc).__name__}: {exc}"
        finally:
            engine.dispose()

    threads = [threading.Thread(target=save, args=pair) for pair in saves]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


# --- two app processes, two browsers -----------------------------------------------------

@dataclass
class PostgresAppServer(AppServer):
    """The app as `make run` serves it, but on the shared PostgreSQL database."""

    database_url: str = ""

    def env(self) -> dict[str, str]:
        env = super().env()
        env["PLANNER_DATABASE_URL"] = self.database_url
        env["PLANNER_DATA_DIR"] = str(self.workdir / "data")
        # As in production (docs/operations.md): a source file saved while the server runs
        # must not make Streamlit re-import planner.models into a half-reloaded process.
        env["STREAMLIT_SERVER_FILE_WATCHER_TYPE"] = "none"
        return env


@pytest.fixture
def chromium():
    reason = missing_browser_reason()
    if reason:
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def two_instances(chromium, pg_url, tmp_path):
    office = make_office(pg_url)
    servers = [PostgresAppServer(workdir=tmp_path / name, database_url=pg_url)
               for name in ("instance-a", "instance-b")]
    for server in servers:
        server.workdir.mkdir()
        server.start()
    yield office, servers
    for server in servers:
        server.stop()


def open_as(chromium, server: AppServer, username: str) -> Page:
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                   viewport=VIEWPORT)
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    page = context.new_page()
    page.goto(server.url)
    sign_in(page, username)
    return page


def sign_in(page: Page, username: str) -> None:
    expect(page.get_by_role("heading", level=1, name="登录")).to_be_visible()
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(factories.TEST_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_test_id("stSidebar").get_by_text(
        f"当前用户：{STAFF[username]}（{username}）")).to_be_visible()


def open_drafts(page: Page) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="稿件编辑").click()
    expect(page.get_by_role("heading", level=1, name="稿件编辑")).to_be_visible()


def first_body(page: Page):
    return page.get_by_label("正文", exact=True).first


def save_first_section(page: Page, text: str) -> None:
    first_body(page).fill(text)
    page.get_by_role("button", name="保存本段", exact=True).first.click()


def alert(page: Page, text: str):
    return page.get_by_test_id("stAlert").filter(has_text=text)


@pytest.mark.browser
@pytest.mark.flaky(reruns=1)   # see tests/test_browser.py: load-dependent timing
def test_two_instances_share_saves_and_keep_conflicting_text(chromium, two_instances):
    office, (instance_a, instance_b) = two_instances
    zhang = open_as(chromium, instance_a, "zhangming")
    open_drafts(zhang)
    save_first_section(zhang, TEXT_A1)
    expect(alert(zhang, "本段已保存（第 2 版）")).to_be_visible()

    li = open_as(chromium, instance_b, "lihua")
    open_drafts(li)
    expect(first_body(li)).to_have_value(TEXT_A1)         # A's save, seen through B

    save_first_section(zhang, TEXT_A2)
    expect(alert(zhang, "本段已保存（第 3 版）")).to_be_visible()
    save_first_section(li, TEXT_B)                         # B still edits version 2
    expect(alert(li, "您的文本已作为冲突版本保留")).to_be_visible()
    assert stored_section(office.url, office.section_id).body == TEXT_A2
    assert conflicting_bodies(office) == [TEXT_B]         # B's text is kept, not lost

    li.goto(instance_b.url)     # a new browser session on instance B, as after a reload
    sign_in(li, "lihua")
    open_drafts(li)
    expect(first_body(li)).to_have_value(TEXT_A2)
    save_first_section(li, f"{TEXT_A2}\n{TEXT_B}")
    expect(alert(li, "本段已保存（第 4 版）")).to_be_visible()

    final = stored_section(office.url, office.section_id)
    assert (final.body, final.version) == (f"{TEXT_A2}\n{TEXT_B}", 4)
    assert_saves_audited(office)


def conflicting_bodies(office: Office) -> list[str]:
    engine = make_engine(office.url)
    with Session(engine) as session:
        bodies = session.exec(select(DraftSectionVersion.body).where(
            DraftSectionVersion.section_id == office.section_id,
            DraftSectionVersion.conflict_state == ConflictState.OPEN)).all()
    engine.dispose()
    return list(bodies)


def assert_saves_audited(office: Office) -> None:
    engine = make_engine(office.url)
    with Session(engine) as session:
        savers = session.exec(select(AuditEntry.actor_id)
                              .where(AuditEntry.action == "draft.section_save")
                              .order_by(AuditEntry.id)).all()
        assert audit.verify_chain(session).ok
    engine.dispose()
    zhang, li = office.users["zhangming"].id, office.users["lihua"].id
    assert savers == [zhang, zhang, li]
