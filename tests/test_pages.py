"""Pages through streamlit.testing AppTest, on a real SQLite file."""

from datetime import date, time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from planner.db import make_engine
from planner.models import DraftKind
from planner.services import drafts, events, policies
from sqlmodel import Session
from tests.conftest import SICHUAN

APP = "../app.py"
PAGES = ["pages/home.py", "pages/policies.py", "pages/drafts.py", "pages/events.py"]
SICHUAN_TITLE = "四川省交通运输厅关于进一步加强政府信息公开回应社会关切提升政府公信力的实施意见"


@pytest.fixture
def app_db(db_url):
    """A fresh database and no engine cached from an earlier test."""
    st.cache_resource.clear()
    yield db_url
    st.cache_resource.clear()


def new_app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    app.run()
    return app


def open_page(page: str) -> AppTest:
    app = new_app()
    app.switch_page(page).run()
    return app


def button(app: AppTest, label: str):
    matches = [b for b in app.button if b.label == label]
    assert matches, f"no button labelled {label}; have {[b.label for b in app.button]}"
    return matches[0]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_empty_database(app_db, page):
    app = open_page(page)

    assert not app.exception


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_with_examples(app_db, page):
    app = new_app()
    button(app, "载入示例数据").click().run()

    app.switch_page(page).run()

    assert not app.exception
    assert not app.error


def test_home_offers_examples_when_empty(app_db):
    app = new_app()

    assert "数据库目前是空的" in app.info[0].value
    button(app, "载入示例数据").click().run()

    assert not app.exception
    assert [m.label for m in app.metric] == ["政策文件", "稿件", "新闻发布活动"]
    assert app.metric[0].value == "3"


def test_import_policy_flow(app_db):
    app = open_page("pages/policies.py")

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


def test_import_rejects_non_word_file(app_db):
    app = open_page("pages/policies.py")

    app.file_uploader(key="policies_upload").upload("通知.docx", b"not a zip at all",
                                                     "application/octet-stream").run()
    button(app, "解析").click().run()

    assert not app.exception
    assert "通知.docx" in app.error[0].value


def test_draft_and_event_flow(app_db):
    app = open_page("pages/policies.py")
    app.file_uploader(key="policies_upload").upload(SICHUAN.name, SICHUAN.read_bytes(),
                                                     "text/plain").run()
    button(app, "解析").click().run()
    app.text_input[0].input(SICHUAN_TITLE)
    button(app, "保存").click().run()

    button(app, "生成政策解读初稿").click().run()
    button(app, "生成答记者问初稿").click().run()
    assert not app.error

    app.switch_page("pages/drafts.py").run()
    body = app.text_area[0]
    body.input("专家修改后的出台背景。")
    button(app, "保存本段").click().run()
    assert not app.error
    assert any("第 2 版" in s.value for s in app.success)
    downloads = app.get("download_button")
    assert downloads and downloads[0].proto.label == "下载 Word 文件"

    app.switch_page("pages/events.py").run()
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


def test_everything_found_after_restart(app_db):
    app = new_app()
    button(app, "载入示例数据").click().run()
    st.cache_resource.clear()   # a restarted server has no cached engine

    restarted = open_page("pages/drafts.py")

    assert not restarted.exception
    assert len(restarted.selectbox[0].options) == 2
