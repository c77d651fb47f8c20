"""Hostile and broken uploads: each fixture ends in its Chinese message and a log line,
and nothing already saved changes.

The fixtures live in tests/fixtures/hostile/ and are written by make_fixtures.py there.
"""

import logging
import tomllib
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from planner.config import PROJECT_ROOT, get_settings
from planner.documents.reading import read_policy_file
from planner.errors import InvalidInput
from planner.models import Policy, PolicySection
from planner.services import policies
from sqlmodel import Session
from tests.conftest import SICHUAN
from tests.db_helpers import snapshot

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"

# file name → (catalog key, the phrase of the message that names the problem)
REFUSED = {
    "空文件.docx": ("documents.reading.empty", "是空的"),
    "无文字.docx": ("documents.reading.empty", "没有可读取的文字"),
    "截断.docx": ("documents.reading.docx_truncated", "不完整（可能下载或复制时中断）"),
    "网页.docx": ("documents.reading.docx_not_word", "看起来是网页"),
    "扫描件.docx": ("documents.reading.docx_not_word", "看起来是 PDF 文件"),
    "表格.docx": ("documents.reading.docx_not_word", "看起来是 Excel 表格"),
    "照片.docx": ("documents.reading.docx_not_word", "看起来是图片"),
    "文本改名.docx": ("documents.reading.docx_not_word", "看起来是纯文本"),
    "旧版.doc": ("documents.reading.legacy", "旧版 Word/WPS 格式（.doc）"),
    "金山.wps": ("documents.reading.legacy", "旧版 Word/WPS 格式（.wps）"),
    "旧版改名.docx": ("documents.reading.docx_ole", "旧版 .doc 文件"),
    "加密.docx": ("documents.reading.docx_encrypted", "设有打开密码（已加密）"),
    "宏.docm": ("documents.reading.macro", "启用宏的 Word 文档"),
    "改名的宏.docx": ("documents.reading.macro", "启用宏的 Word 文档"),
    "炸弹-总量.docx": ("documents.reading.docx_too_large", "解压后超过 200 MB"),
    "炸弹-压缩比.docx": ("documents.reading.docx_zip_bomb",
                     "“word/media/image1.png”解压后是压缩时的 1023 倍（上限 100 倍）"),
    "炸弹-部件多.docx": ("documents.reading.docx_too_many_parts", "内含 1020 个部件（上限 1000 个）"),
    "谎报大小.docx": ("documents.reading.docx_corrupt", "可能不完整或已损坏"),
    "二进制.txt": ("documents.reading.undecodable", "无法识别文件“二进制.txt”的文字编码"),
    "截断的UTF-16.txt": ("documents.reading.undecodable", "无法识别文件“截断的UTF-16.txt”的文字编码"),
}
OVERSIZED = "超过上限.txt"
ENCODINGS = ["编码-UTF-8.txt", "编码-UTF-8-BOM.txt", "编码-UTF-16LE-BOM.txt",
             "编码-UTF-16BE-BOM.txt", "编码-UTF-16LE.txt", "编码-GB18030.txt"]
SICHUAN_FIRST_LINE = "各市(州)交通运输局(委),厅直各单位、厅机关各处室:"


def fixture_bytes(name: str) -> bytes:
    return (HOSTILE / name).read_bytes()


@pytest.fixture
def saved_policy(engine):
    """A policy with one section, saved before the hostile upload arrives."""
    with Session(engine) as session:
        policy = Policy(title="已保存的政策", doc_number="川交发〔2026〕1号", raw_text="一、总则")
        session.add(policy)
        session.flush()
        session.add(PolicySection(policy_id=policy.id, label="一、", heading="总则"))
        session.commit()
    return engine


def test_fixtures_cover_every_case():
    on_disk = {path.name for path in HOSTILE.iterdir()
               if path.is_file() and path.suffix != ".py"}

    assert on_disk == set(REFUSED) | {OVERSIZED} | set(ENCODINGS)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_upload_hostile_file_refused_with_message(name, saved_policy, caplog):
    key, phrase = REFUSED[name]
    before = snapshot(saved_policy)
    caplog.set_level(logging.WARNING, logger="planner.documents.reading")

    with pytest.raises(InvalidInput) as caught:
        policies.parse_upload(name, fixture_bytes(name))

    assert caught.value.key == key
    assert phrase in caught.value.message
    assert f"“{name}”" in caught.value.message
    assert [r.getMessage() for r in caplog.records if key in r.getMessage()] == [
        f"upload {name} rejected: {key} ({len(fixture_bytes(name))} bytes)"]
    assert snapshot(saved_policy) == before


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_upload_refusal_says_what_to_do(name):
    with pytest.raises(InvalidInput) as caught:
        read_policy_file(name, fixture_bytes(name))

    assert ".docx" in caught.value.message
    assert ".txt" in caught.value.message
    assert "{" not in caught.value.message


def test_upload_over_configured_limit_refused(saved_policy, monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()
    before = snapshot(saved_policy)

    with pytest.raises(InvalidInput) as caught:
        policies.parse_upload(OVERSIZED, fixture_bytes(OVERSIZED))

    assert caught.value.key == "policy.file_too_large"
    assert "文件“超过上限.txt”大小为 1.0 MB，超过上传上限 1 MB" in caught.value.message
    assert snapshot(saved_policy) == before


def test_upload_under_configured_limit_read(db_url, monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "2")
    get_settings.cache_clear()

    _parsed, text = policies.parse_upload(OVERSIZED, fixture_bytes(OVERSIZED))

    assert text.startswith("一、加强平台建设。")


def test_streamlit_upload_limit_above_default_setting(db_url):
    # Streamlit refuses a file over its own limit in English, before the app sees it.
    with (PROJECT_ROOT / ".streamlit" / "config.toml").open("rb") as fh:
        streamlit_limit = tomllib.load(fh)["server"]["maxUploadSize"]

    assert get_settings().upload_max_mb == 20
    assert streamlit_limit > get_settings().upload_max_mb


@pytest.mark.parametrize("name", ENCODINGS)
def test_read_text_encoding_gives_original_lines(name):
    expected = read_policy_file(SICHUAN.name, SICHUAN.read_bytes())

    lines = read_policy_file(name, fixture_bytes(name))

    assert lines[0] == SICHUAN_FIRST_LINE
    assert lines == expected


# --- through the page ---------------------------------------------------------------------

@pytest.fixture
def page_db(saved_policy):
    st.cache_resource.clear()
    yield saved_policy
    st.cache_resource.clear()


def policies_page(engine) -> AppTest:
    from tests import factories

    app = AppTest.from_file("../app.py", default_timeout=30)
    with Session(engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "政策法规处")
        user = factories.make_user(session, "drafter", unit=unit, roles=["drafter"])
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page("views/policies.py").run()
    return app


@pytest.mark.parametrize("name", ["加密.docx", "炸弹-压缩比.docx", "网页.docx"])
def test_policies_page_shows_refusal_and_keeps_saved(name, page_db):
    app = policies_page(page_db)
    before = snapshot(page_db)

    app.file_uploader(key="policies_upload").upload(name, fixture_bytes(name),
                                                     "application/octet-stream").run()
    [b for b in app.button if b.label == "解析"][0].click().run()

    assert not app.exception
    assert [e.value for e in app.error] == [_message(name)]
    assert snapshot(page_db) == before


def _message(name: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        read_policy_file(name, fixture_bytes(name))
    return caught.value.message
