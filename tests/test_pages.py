"""Pages through streamlit.testing AppTest, on a real SQLite file, signed in.

The sign-in form is used here for real. Most other tests start a session that is already
signed in (tests.factories.sign_in_state), as a browser is after the form.
"""

from datetime import date, datetime, time, timedelta, timezone

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from planner.config import get_settings
from planner.db import make_engine, migrate
from planner.models import AuditEntry, Disclosure, DraftKind, Role, User
from planner.services import drafts, events, policies, users
from tests import factories
from tests.conftest import SICHUAN

APP = "../app.py"
PAGES = ["views/home.py", "views/policies.py", "views/drafts.py", "views/events.py"]
SICHUAN_TITLE = "四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"
STAFF_PASSWORD = "示例-Password-2026"
# 管理员 who also drafts and books events, so one session can walk every page.
STAFF_ROLES = {Role.ADMIN, Role.DRAFTER, Role.SPOKESPERSON}


@pytest.fixture
def app_db(db_url):
    """A fresh, migrated database and no engine cached from an earlier test."""
    st.cache_resource.clear()
    engine = make_engine(db_url)
    migrate(engine)
    engine.dispose()
    yield db_url
    st.cache_resource.clear()


def add_user(db_url: str, username: str, roles: set[Role], **fields) -> User:
    with Session(make_engine(db_url), expire_on_commit=False) as session:
        unit = factories.make_unit(session, "政策法规处")
        return factories.make_user(session, username, unit=unit, roles=roles, **fields)


@pytest.fixture
def staff(app_db) -> User:
    return add_user(app_db, "staff", STAFF_ROLES, display_name="周敏")


def new_app(user: User | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    if user is not None:
        factories.sign_in_state(app, user)
    app.run()
    return app


def open_page(page: str, user: User) -> AppTest:
    app = new_app(user)
    app.switch_page(page).run()
    return app


def button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0]


def load_examples(app: AppTest) -> AppTest:
    app.text_input(key="home_examples_password").input(STAFF_PASSWORD)
    return button(app, "载入示例数据").click().run()


def audit_actions(db_url: str) -> list[str]:
    with Session(make_engine(db_url)) as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- sign-in, sign-out, idle timeout ------------------------------------------------------

def test_app_shows_only_sign_in_until_signed_in(app_db, staff):
    app = new_app()

    assert not app.exception
    assert [title.value for title in app.title] == ["登录"]
    assert [w.label for w in app.text_input] == ["用户名", "密码"]
    assert not app.sidebar.button


def test_sign_in_form_opens_home_with_identity(app_db, staff):
    app = new_app()

    factories.sign_in_form(app, "staff")

    assert not app.exception
    assert app.session_state["user_id"] == staff.id
    assert [title.value for title in app.title] == ["新闻发布与政策解读工作台"]
    assert audit_actions(app_db) == ["auth.sign_in"]


def test_sign_in_form_wrong_password_shows_error(app_db, staff):
    app = new_app()

    factories.sign_in_form(app, "staff", password="wrong-password")

    assert "用户名或密码不正确" in app.error[0].value
    assert "user_id" not in app.session_state
    assert audit_actions(app_db) == ["auth.sign_in_failed"]


def test_sign_in_page_shows_create_admin_command(app_db):
    app = new_app()

    assert "还没有管理员账号" in app.warning[0].value
    assert app.code[0].value == ".venv/bin/python -m planner create-admin"


def test_sign_in_page_quiet_once_admin_exists(app_db, staff):
    app = new_app()

    assert not app.warning
    assert not app.code


def test_sidebar_shows_name_units_roles_and_sign_out(app_db, staff):
    app = new_app(staff)

    captions = [caption.value for caption in app.sidebar.caption]
    assert captions[0] == "当前用户：周敏（staff）"
    assert "政策法规处 · 承办人员" in captions
    assert "政策法规处 · 管理员" in captions
    assert [b.label for b in app.sidebar.button] == ["退出登录"]


def test_sign_out_ends_session(app_db, staff):
    app = new_app(staff)

    app.sidebar.button[0].click().run()

    assert "user_id" not in app.session_state
    assert app.session_state["sign_in_notice"] == "signed_out"
    assert audit_actions(app_db)[-1] == "auth.sign_out"
    assert [title.value for title in app.title] == ["登录"]
    assert "您已退出登录" in app.info[0].value


def test_idle_session_signed_out_with_message(app_db, staff, monkeypatch):
    monkeypatch.setenv("PLANNER_SESSION_IDLE_MINUTES", "30")
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, staff)
    app.session_state["last_activity"] = datetime.now(timezone.utc) - timedelta(minutes=31)

    app.run()

    assert "user_id" not in app.session_state
    assert [title.value for title in app.title] == ["登录"]
    assert "超过 30 分钟没有操作" in app.info[0].value
    assert audit_actions(app_db)[-1] == "auth.sign_out"


def test_recent_activity_keeps_session(app_db, staff):
    app = AppTest.from_file(APP, default_timeout=30)
    factories.sign_in_state(app, staff)
    app.session_state["last_activity"] = datetime.now(timezone.utc) - timedelta(minutes=29)

    app.run()

    assert app.session_state["user_id"] == staff.id
    assert [title.value for title in app.title] == ["新闻发布与政策解读工作台"]


def test_deactivated_user_signed_out_on_next_run(app_db, staff):
    former = add_user(app_db, "former", {Role.DRAFTER})
    app = new_app(former)
    with Session(make_engine(app_db)) as session:
        session.get(User, former.id).is_active = False
        session.commit()

    app.run()

    assert [title.value for title in app.title] == ["登录"]
    assert "已停用" in app.info[0].value


def test_user_without_role_sees_message(app_db, staff):
    newcomer = add_user(app_db, "newcomer", set(), display_name="新同事")

    app = new_app(newcomer)

    assert any("还没有分配任何角色" in w.value for w in app.warning)


def test_page_opened_directly_without_sign_in_shows_nothing(app_db, staff):
    # A page run without app.py (as Streamlit does with a pages/ folder) must stop
    # before reading anything.
    with Session(make_engine(app_db)) as session:
        factories.make_unit(session, "厅办公室")
    app = AppTest.from_file("../views/admin_users.py", default_timeout=30)

    app.run()

    assert not app.exception
    assert "还没有登录" in app.info[0].value
    assert not app.dataframe


def test_address_of_page_without_sign_in_shows_sign_in(app_db, staff):
    app = AppTest.from_file(APP, default_timeout=30)

    app.switch_page("views/admin_users.py").run()

    assert not app.exception
    assert [h.value for h in app.title] == ["登录"]
    assert not app.dataframe


@pytest.fixture
def oidc_mode(monkeypatch):
    monkeypatch.setenv("PLANNER_AUTH_MODE", "oidc")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_oidc_mode_offers_single_sign_on_instead_of_form(app_db, staff, oidc_mode):
    app = new_app()

    assert [b.label for b in app.button] == ["使用统一身份认证登录"]
    assert not app.text_input


def test_oidc_sign_on_unconfigured_explains_fix(app_db, staff, oidc_mode):
    app = new_app()

    button(app, "使用统一身份认证登录").click().run()

    assert not app.exception
    assert "统一身份认证尚未配置好" in app.error[0].value
    assert "[auth]" in app.error[0].value


def test_oidc_identity_signs_in_matching_account(app_db, staff, oidc_mode):
    zhang = add_user(app_db, "zhangming", {Role.DRAFTER}, display_name="张明",
                     email="zhangming@example.gov.cn")
    app = AppTest.from_file(APP, default_timeout=30)
    app.user = {"email": "ZhangMing@example.gov.cn", "is_logged_in": True}

    app.run()

    assert app.session_state["user_id"] == zhang.id
    assert [title.value for title in app.title] == ["新闻发布与政策解读工作台"]


def test_oidc_identity_without_account_refused(app_db, staff, oidc_mode):
    app = AppTest.from_file(APP, default_timeout=30)
    app.user = {"email": "stranger@example.com", "is_logged_in": True}

    app.run()

    assert "“stranger@example.com”没有对应的工作台账号" in app.error[0].value
    assert "user_id" not in app.session_state
    assert [u.username for u in all_users(app_db)] == ["staff"]


# --- administration ----------------------------------------------------------------------

def test_admin_page_creates_user_and_grants_role(app_db, staff):
    app = open_page("views/admin_users.py", staff)
    app.text_input(key="admin_new_username").input("lihua")
    app.text_input(key="admin_new_display_name").input("李华")
    app.text_input(key="admin_new_password").input("Lihua-密码-2026")
    app.text_input(key="admin_new_password_again").input("Lihua-密码-2026")
    button(app, "创建用户").click().run()
    assert not app.exception
    assert "已创建用户：李华（lihua）" in app.success[0].value

    with Session(make_engine(app_db)) as session:
        lihua = users.find_by_username(session, "lihua")
    app.selectbox(key="admin_role_user").select(lihua.id)
    app.selectbox(key="admin_role_role").select(Role.DEPARTMENT_HEAD)
    button(app, "分配角色").click().run()

    assert "李华在政策法规处担任承办部门负责人" in app.success[0].value
    with Session(make_engine(app_db)) as session:
        held = [(h.unit_name, h.role) for h in users.roles_held(session, lihua)]
    assert held == [("政策法规处", Role.DEPARTMENT_HEAD)]


def test_admin_page_short_password_rejected(app_db, staff):
    app = open_page("views/admin_users.py", staff)
    app.text_input(key="admin_new_username").input("lihua")
    app.text_input(key="admin_new_display_name").input("李华")
    app.text_input(key="admin_new_password").input("short")
    app.text_input(key="admin_new_password_again").input("short")

    button(app, "创建用户").click().run()

    assert "至少需要 10 个字符" in app.error[0].value


def test_admin_page_not_in_drafter_navigation(app_db, staff):
    drafter = add_user(app_db, "drafter", {Role.DRAFTER})
    app = new_app(drafter)

    with pytest.raises(ValueError):
        app.switch_page("views/admin_users.py")


def test_admin_page_refused_for_drafter_opening_it_directly(app_db, staff):
    drafter = add_user(app_db, "drafter", {Role.DRAFTER})
    app = AppTest.from_file("../views/admin_users.py", default_timeout=30)
    factories.sign_in_state(app, drafter)

    app.run()

    assert "只有管理员可以管理用户和角色" in app.info[0].value
    assert not app.text_input


# --- the pages with data ------------------------------------------------------------------

@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_database(app_db, staff, page):
    app = open_page(page, staff)

    assert not app.exception


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_examples(app_db, staff, page):
    app = new_app(staff)
    load_examples(app)

    app.switch_page(page).run()

    assert not app.exception
    assert not app.error


def test_home_offers_examples_when_empty(app_db, staff):
    app = new_app(staff)

    assert "数据库目前是空的" in app.info[0].value
    load_examples(app)

    assert not app.exception
    assert [m.label for m in app.metric] == ["政策文件", "稿件", "新闻发布活动"]
    assert app.metric[0].value == "3"


def test_home_examples_need_password(app_db, staff):
    app = new_app(staff)

    button(app, "载入示例数据").click().run()

    assert "至少需要 10 个字符" in app.error[0].value
    assert "数据库目前是空的" in app.info[0].value


def test_home_examples_only_for_admin(app_db, staff):
    drafter = add_user(app_db, "drafter", {Role.DRAFTER})

    app = new_app(drafter)

    assert "只有管理员可以载入示例数据" in app.caption[0].value
    assert not [b for b in app.button if b.label == "载入示例数据"]


def test_examples_staff_can_sign_in(app_db, staff):
    load_examples(new_app(staff))

    app = new_app()
    factories.sign_in_form(app, "zhangming", password=STAFF_PASSWORD)

    zhang = users_by_name(app_db, "zhangming")
    assert app.session_state["user_id"] == zhang.id
    captions = [c.value for c in new_app(zhang).sidebar.caption]
    assert "当前用户：张明（zhangming）" in captions
    assert "政策法规处 · 承办人员" in captions


def test_import_policy_flow(app_db, staff):
    app = open_page("views/policies.py", staff)

    app.file_uploader(key="policies_upload").upload(SICHUAN.name, SICHUAN.read_bytes(),
                                                     "text/plain").run()
    button(app, "解析").click().run()
    assert not app.exception
    assert any("未识别出标题" in w.value or "标题" in w.value for w in app.warning)

    app.text_input[0].input(SICHUAN_TITLE)
    button(app, "保存").click().run()

    assert not app.exception
    assert not app.error
    with Session(make_engine(app_db)) as session:
        saved = policies.list_policies(session)
        assert [p.title for p in saved] == [SICHUAN_TITLE]
        assert saved[0].issuer == "四川省交通运输厅"


def test_import_rejects_non_word_file(app_db, staff):
    app = open_page("views/policies.py", staff)

    app.file_uploader(key="policies_upload").upload("通知.docx", b"not a zip at all",
                                                     "application/octet-stream").run()
    button(app, "解析").click().run()

    assert not app.exception
    assert "通知.docx" in app.error[0].value


def test_draft_and_event_flow(app_db, staff):
    app = open_page("views/policies.py", staff)
    app.file_uploader(key="policies_upload").upload(SICHUAN.name, SICHUAN.read_bytes(),
                                                     "text/plain").run()
    button(app, "解析").click().run()
    app.text_input[0].input(SICHUAN_TITLE)
    button(app, "保存").click().run()

    app.selectbox(key="policies_disclosure").select(Disclosure.PUBLIC).run()
    button(app, "生成政策解读初稿").click().run()
    button(app, "生成答记者问初稿").click().run()
    assert not app.error

    app.switch_page("views/drafts.py").run()
    body = [area for area in app.text_area if area.label in ("正文", "答")][0]
    body.input("专家修改后的出台背景。")
    button(app, "保存本段").click().run()
    assert not app.error
    assert any("第 2 版" in s.value for s in app.success)
    downloads = app.get("download_button")
    assert downloads and downloads[0].proto.label == "下载 Word 文件"

    app.switch_page("views/events.py").run()
    form_inputs = {w.label: w for w in app.text_input}
    form_inputs["主题"].input("实施意见新闻发布会")
    form_inputs["地点"].input("厅新闻发布厅")
    form_inputs["新闻发言人"].input("王明 <wangming@example.gov.cn>")
    form_inputs["主持人"].input("李华")
    app.date_input[0].set_value(date(2026, 10, 3))      # 国庆节 holiday
    app.time_input[0].set_value(time(10, 0))
    app.time_input[1].set_value(time(11, 0))
    button(app, "检查并保存").click().run()

    assert any("国庆节" in w.value for w in app.warning)
    button(app, "已知悉以上提示，仍然保存").click().run()
    assert not app.exception
    invite = [d for d in app.get("download_button") if d.proto.label == "下载日历邀请（.ics）"]
    assert invite

    with Session(make_engine(app_db)) as session:
        booked = events.list_events(session)
        assert [e.topic for e in booked] == ["实施意见新闻发布会"]
        kinds = sorted(d.kind for d in drafts.list_drafts(session))
        assert kinds == sorted([DraftKind.INTERPRETATION, DraftKind.QA])


def test_everything_found_after_restart(app_db, staff):
    load_examples(new_app(staff))
    st.cache_resource.clear()   # a restarted server has no cached engine

    restarted = open_page("views/drafts.py", staff)

    assert not restarted.exception
    assert len(restarted.selectbox[0].options) == 2


def users_by_name(db_url: str, username: str) -> User:
    with Session(make_engine(db_url), expire_on_commit=False) as session:
        return users.find_by_username(session, username)


def all_users(db_url: str) -> list[User]:
    with Session(make_engine(db_url), expire_on_commit=False) as session:
        return users.list_users(session)
