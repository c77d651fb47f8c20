"""The administrator page and its service: status, warnings, SMTP and AI endpoint checks.

The SMTP and OpenAI-compatible servers are small fakes started here on 127.0.0.1.
"""

import json
import logging
import socket
import socketserver
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from planner import operations
from planner.config import get_settings
from planner.errors import PermissionDenied
from planner.i18n import t
from planner.models import BackupRecord, HolidayOverride, Role
from planner.services import system
from planner.timeutil import now_utc
from tests import factories

MODEL = "qwen2.5-7b-instruct"
API_KEY = "sk-test-office-0123456789"


@pytest.fixture
def admin(session):
    unit = factories.make_unit(session, "厅信息中心")
    return factories.make_user(session, "sysadmin", unit=unit, roles={Role.ADMIN})


@pytest.fixture
def drafter(session):
    unit = factories.make_unit(session, "政策法规处")
    return factories.make_user(session, "drafter", unit=unit, roles={Role.DRAFTER})


def warning_keys(result: system.SystemStatus) -> list[str]:
    return [notice.key.removeprefix("admin_system.") for notice in result.warnings]


# --- status -------------------------------------------------------------------------------

def test_status_for_admin(session, admin):
    result = system.status(session, actor=admin, today=date(2026, 11, 2))

    assert result.database_kind == "sqlite"
    assert result.database_bytes > 0
    assert result.schema_revision == result.head_revision == operations.head_revision()
    assert result.holidays.calendar_years[-1] == 2026
    assert result.upload_limit_mb == 20
    assert result.streamlit_upload_limit_mb == 200
    assert result.smtp == ""
    assert result.llm == ""
    assert warning_keys(result) == ["backup_none"]


@pytest.mark.parametrize("role", [Role.DRAFTER, Role.GENERAL_OFFICE, Role.UNIT_HEAD])
@pytest.mark.parametrize("call", ["status", "check_smtp", "check_llm"])
def test_system_page_forbidden_without_admin(session, role, call):
    unit = factories.make_unit(session, "厅办公室")
    user = factories.make_user(session, f"u_{role}", unit=unit, roles={role})

    with pytest.raises(PermissionDenied) as caught:
        getattr(system, call)(session, actor=user)

    assert "您没有权限查看系统状态" in caught.value.message
    assert "管理员" in caught.value.message


@pytest.mark.parametrize(("today", "override_years", "expected"), [
    (date(2026, 12, 4), [], ["holidays_next_year_missing"]),
    (date(2026, 11, 30), [], []),
    (date(2026, 12, 31), [2027], []),
    (date(2027, 3, 1), [], ["holidays_this_year_missing"]),
    (date(2027, 3, 1), [2027], []),
    (date(2027, 12, 1), [], ["holidays_this_year_missing", "holidays_next_year_missing"]),
    (date(2027, 12, 1), [2027, 2028], []),
])
def test_holiday_coverage_warnings(session, today, override_years, expected):
    for year in override_years:
        session.add(HolidayOverride(day=date(year, 1, 1), is_workday=False, name="元旦"))
    session.commit()

    coverage = system.holiday_coverage(session, today)

    assert [n.key.removeprefix("admin_system.") for n in coverage.warnings] == expected
    assert coverage.override_years == override_years


def test_holiday_warning_in_december_2026_names_2027(session):
    [notice] = system.holiday_coverage(session, date(2026, 12, 4)).warnings

    assert notice.message.startswith("2027年的节假日安排尚未收录（chinesecalendar 只到 2026 年")
    assert "“节假日与时限”页录入" in notice.message


def test_holiday_warning_names_sidebar_page(session):
    [notice] = system.holiday_coverage(session, date(2027, 3, 1)).warnings

    assert f"“{t('nav.admin_holidays')}”页" in notice.message
    assert "节假日与时限设置" not in notice.message


def test_status_after_backup_shows_it(session, admin, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "data"))
    report = operations.backup(tmp_path / "today.tar.gz", url=db_url)

    result = system.status(session, actor=admin, today=date(2026, 11, 2))

    assert result.last_backup.path == str(report.path.resolve())
    assert result.last_backup.row_total == sum(report.row_counts.values())
    assert "backup_none" not in warning_keys(result)


def test_status_old_backup_warned(session, admin):
    session.add(BackupRecord(path="/var/backups/planner/old.tar.gz",
                             at=now_utc() - timedelta(days=9)))
    session.commit()

    result = system.status(session, actor=admin)

    [stale] = [n for n in result.warnings if n.key == "admin_system.backup_stale"]
    assert stale.params == {"days": 9}


@pytest.mark.parametrize("streamlit_mb", [20, 10])
def test_status_upload_ceiling_not_above_app_warned(session, admin, monkeypatch, tmp_path,
                                                     streamlit_mb):
    config = tmp_path / "config.toml"
    config.write_text(f"[server]\nmaxUploadSize = {streamlit_mb}\n", encoding="utf-8")
    monkeypatch.setattr(system, "STREAMLIT_CONFIG", config)

    result = system.status(session, actor=admin, today=date(2026, 11, 2))

    [notice] = [n for n in result.warnings if n.key == "admin_system.upload_ceiling_too_low"]
    assert "upload_max_mb = 20 MB" in notice.message
    assert f"maxUploadSize = {streamlit_mb} MB" in notice.message
    assert "大于 20" in notice.message


def test_status_upload_ceiling_above_app_not_warned(session, admin, monkeypatch):
    monkeypatch.setenv("PLANNER_UPLOAD_MAX_MB", "50")
    get_settings.cache_clear()

    result = system.status(session, actor=admin, today=date(2026, 11, 2))

    assert "upload_ceiling_too_low" not in warning_keys(result)


def test_streamlit_upload_limit_default_when_unset(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[server]\nheadless = true\n", encoding="utf-8")

    assert system.streamlit_upload_limit_mb(config) == 200


# --- SMTP check ---------------------------------------------------------------------------

class FakeSmtpHandler(socketserver.StreamRequestHandler):
    """Fake SMTP session: sends the greeting, replies to EHLO and QUIT, records commands."""

    def handle(self) -> None:
        self.wfile.write(b"220 mail.office.test ESMTP ready\r\n")
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            self.server.commands.append(command.split(" ")[0].upper())
            if command.upper().startswith("EHLO"):
                self.wfile.write(b"250-mail.office.test greets you\r\n250 8BITMIME\r\n")
            elif command.upper() == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"502 not implemented\r\n")


@contextmanager
def fake_smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), FakeSmtpHandler)
    server.commands = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def configure_smtp(monkeypatch, port: int) -> None:
    monkeypatch.setenv("PLANNER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PLANNER_SMTP_PORT", str(port))
    monkeypatch.setenv("PLANNER_SMTP_STARTTLS", "false")
    monkeypatch.setenv("PLANNER_SMTP_FROM", "新闻办 <press@office.test>")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_check_smtp_not_configured(session, admin):
    result = system.check_smtp(session, actor=admin)

    assert result.state == system.CheckState.NOT_CONFIGURED
    assert result.notice.message == "未配置"


def test_check_smtp_says_ehlo_only(session, admin, monkeypatch):
    with fake_smtp() as server:
        configure_smtp(monkeypatch, server.server_address[1])

        result = system.check_smtp(session, actor=admin)

    assert result.state == system.CheckState.OK
    assert result.notice.message == (f"已连接 127.0.0.1:{server.server_address[1]}，"
                                     "服务器应答：mail.office.test greets you。")
    assert server.commands == ["EHLO", "QUIT"]


def test_check_smtp_refused_port_explained(session, admin, monkeypatch):
    port = closed_port()
    configure_smtp(monkeypatch, port)

    result = system.check_smtp(session, actor=admin, timeout_s=2)

    assert result.state == system.CheckState.FAILED
    assert f"无法连接邮件服务器 127.0.0.1:{port}：连接被拒绝" in result.notice.message
    assert "smtp_host" in result.notice.message


# --- AI endpoint check --------------------------------------------------------------------

class FakeOpenAiHandler(BaseHTTPRequestHandler):
    """GET /v1/models of an OpenAI-compatible server, with a key check and a slow mode."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.server.delay_s:
            time.sleep(self.server.delay_s)
        if self.path != "/v1/models":
            self._reply(404, {"error": {"message": "not found"}})
        elif self.headers.get("Authorization") != f"Bearer {API_KEY}":
            self._reply(401, {"error": {"message": "invalid api key", "type": "auth"}})
        else:
            self._reply(200, {"object": "list", "data": [
                {"id": name, "object": "model", "created": 0, "owned_by": "office"}
                for name in self.server.models]})

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args) -> None:
        pass


@contextmanager
def fake_openai(models=(MODEL, "bge-m3"), delay_s: float = 0):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAiHandler)
    server.models, server.delay_s = list(models), delay_s
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def configure_llm(monkeypatch, base_url: str, *, key: str = API_KEY, model: str = MODEL) -> None:
    monkeypatch.setenv("PLANNER_LLM_BASE_URL", base_url)
    monkeypatch.setenv("PLANNER_LLM_API_KEY", key)
    monkeypatch.setenv("PLANNER_LLM_MODEL", model)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def test_check_llm_not_configured(session, admin):
    result = system.check_llm(session, actor=admin)

    assert result.state == system.CheckState.NOT_CONFIGURED
    assert result.notice.message == "未配置"


def test_check_llm_lists_models(session, admin, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    with fake_openai() as url:
        configure_llm(monkeypatch, f"{url}/v1")

        result = system.check_llm(session, actor=admin)

    assert result.state == system.CheckState.OK
    assert result.notice.message == f"AI 接口 {url}/v1 可用：列出 2 个模型（bge-m3、{MODEL}）。"
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(("setup", "key", "phrase"), [
    (dict(model="deepseek-r1"), "llm_model_missing", "没有配置的模型“deepseek-r1”"),
    (dict(key="sk-wrong-key-000000"), "llm_key_refused", "拒绝了密钥"),
    (dict(path=""), "llm_http_error", "返回 HTTP 404"),
])
def test_check_llm_failures_explained(session, admin, monkeypatch, setup, key, phrase):
    with fake_openai() as url:
        configure_llm(monkeypatch, url + setup.get("path", "/v1"),
                      key=setup.get("key", API_KEY), model=setup.get("model", MODEL))

        result = system.check_llm(session, actor=admin)

    assert result.state == system.CheckState.FAILED
    assert result.notice.key == f"admin_system.{key}"
    assert phrase in result.notice.message


def test_check_llm_unreachable(session, admin, monkeypatch):
    configure_llm(monkeypatch, f"http://127.0.0.1:{closed_port()}/v1")

    result = system.check_llm(session, actor=admin, timeout_s=2)

    assert result.notice.key == "admin_system.llm_unreachable"
    assert "llm_base_url" in result.notice.message


def test_check_llm_timeout(session, admin, monkeypatch):
    with fake_openai(delay_s=1.5) as url:
        configure_llm(monkeypatch, f"{url}/v1")

        result = system.check_llm(session, actor=admin, timeout_s=0.3)

    assert result.notice.key == "admin_system.llm_timeout"
    assert result.elapsed_ms < 1400


# --- the page -----------------------------------------------------------------------------

@pytest.fixture
def page_app(db_url, engine, monkeypatch):
    st.cache_resource.clear()
    monkeypatch.setattr(system, "office_today", lambda: date(2026, 12, 4))
    yield
    st.cache_resource.clear()


def open_system_page(engine, roles) -> AppTest:
    with Session(engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "厅信息中心")
        user = factories.make_user(session, "pageuser", unit=unit, roles=roles)
    app = AppTest.from_file("../app.py", default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()
    app.switch_page("views/admin_system.py").run()
    return app


def test_system_page_shows_status_and_holiday_warning(page_app, engine):
    app = open_system_page(engine, {Role.ADMIN})

    assert not app.exception
    assert [m.label for m in app.metric] == ["类型", "大小", "结构版本"]
    assert app.metric[0].value == "SQLite"
    assert app.metric[2].value == f"{operations.head_revision()}（最新）"
    warnings = [w.value for w in app.warning]
    assert any("2027年的节假日安排尚未收录" in w for w in warnings)
    assert any("还没有用 python \\-m planner backup 做过备份" in w for w in warnings)


def test_system_page_checks_say_not_configured(page_app, engine):
    app = open_system_page(engine, {Role.ADMIN})

    [b for b in app.button if b.label == "检查邮件服务器"][0].click().run()
    [b for b in app.button if b.label == "检查 AI 接口"][0].click().run()

    assert not app.exception
    assert [i.value for i in app.info] == ["未配置", "未配置"]


def test_system_page_shows_ai_address_without_escapes(page_app, engine, monkeypatch):
    with fake_openai(models=("mock-qwen",)) as url:
        configure_llm(monkeypatch, f"{url}/v1", model="mock-qwen")
        app = open_system_page(engine, {Role.ADMIN})
        [b for b in app.button if b.label == "检查 AI 接口"][0].click().run()

    assert not app.exception
    texts = [m.value for m in app.markdown] + [s.value for s in app.success]
    # Escaped, the address was shown as a link with \. in its text (GFM autolinks it).
    assert f"`{url}/v1`（mock\\-qwen）" in texts
    assert [s.value for s in app.success][-1] == (
        f"AI 接口 `{url}/v1` 可用：列出 1 个模型（mock\\-qwen）。")
    assert not any("127\\." in text for text in texts)


def test_system_page_refused_for_drafter(page_app, engine):
    # The navigation lists the page for administrators only, so open the page file itself,
    # as a bookmarked URL would: the service must still refuse.
    with Session(engine, expire_on_commit=False) as session:
        unit = factories.make_unit(session, "政策法规处")
        user = factories.make_user(session, "drafter", unit=unit, roles={Role.DRAFTER})
    app = AppTest.from_file("../views/admin_system.py", default_timeout=30)
    factories.sign_in_state(app, user)
    app.run()

    assert not app.exception
    assert "您没有权限查看系统状态" in app.error[0].value
    assert not app.metric
