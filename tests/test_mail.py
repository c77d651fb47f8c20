"""Mail over SMTP to a real local server (aiosmtpd on 127.0.0.1), and the `remind` command."""

import email
import socket
from datetime import datetime
from email.header import decode_header, make_header
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from planner import deadlines as rules
from planner.__main__ import main
from planner.config import MailSettings, get_mail_settings
from planner.errors import InvalidInput
from planner.mail import Mail, send
from planner.models import Role
from planner.services import deadlines
from planner.timeutil import OFFICE_TZ
from tests import factories

NOW = "2026-12-07T09:00"


class Inbox:
    """aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self) -> None:
        self.envelopes = []
        self.reject: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=default_policy)
                for e in self.envelopes]


def text_of(message: email.message.EmailMessage) -> str:
    # On the wire (and so inside the base64 body) lines end in CRLF.
    return message.get_content().replace("\r\n", "\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def settings_for(port: int) -> MailSettings:
    return MailSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="督办系统 <board@example.cn>",
                        smtp_starttls=False)


def test_send_delivers_chinese_mail(smtp_server):
    inbox, port = smtp_server
    mail = Mail(to_name="张三", to_address="zhang@example.cn", subject="【督办提醒】测试主题",
                body="张三，您好：\n请及时办结。\n")

    sent = send(settings_for(port), [mail])

    assert sent == 1
    assert [e.rcpt_tos for e in inbox.envelopes] == [["zhang@example.cn"]]
    message = inbox.messages()[0]
    assert message["Subject"] == "【督办提醒】测试主题"
    assert str(make_header(decode_header(message["To"]))) == "张三 <zhang@example.cn>"
    assert message.get_content_charset() == "utf-8"
    assert text_of(message) == "张三，您好：\n请及时办结。\n"


def test_send_raw_headers_are_encoded_ascii(smtp_server):
    inbox, port = smtp_server

    send(settings_for(port), [Mail("李四", "li@example.cn", "督办提醒", "正文")])

    raw = inbox.envelopes[0].original_content
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii()
    assert b"=?utf-8?" in headers.lower()


def test_send_to_closed_port_names_server():
    settings = settings_for(free_port())     # nothing listens there

    with pytest.raises(InvalidInput) as caught:
        send(settings, [Mail("张三", "zhang@example.cn", "主题", "正文")])

    assert f"127.0.0.1:{settings.smtp_port}" in caught.value.message


def test_send_recipient_rejected(smtp_server):
    inbox, port = smtp_server
    inbox.reject = {"bad@example.cn"}

    with pytest.raises(InvalidInput) as caught:
        send(settings_for(port), [Mail("王五", "bad@example.cn", "主题", "正文")])

    assert "bad@example.cn" in caught.value.message
    assert inbox.envelopes == []


def test_send_nothing_needs_no_server():
    assert send(MailSettings(), []) == 0


def test_send_unconfigured_refused():
    with pytest.raises(ValueError):
        send(MailSettings(), [Mail("张三", "zhang@example.cn", "主题", "正文")])


@pytest.mark.parametrize("env, key_part", [
    ({"PLANNER_SMTP_HOST": "smtp.example.cn", "PLANNER_SMTP_PORT": "70000",
      "PLANNER_SMTP_FROM": "a@example.cn"}, "70000"),
    ({"PLANNER_SMTP_HOST": "smtp.example.cn"}, "smtp_from"),
    ({"PLANNER_SMTP_HOST": "smtp.example.cn", "PLANNER_SMTP_FROM": "a@example.cn",
      "PLANNER_SMTP_STARTTLS": "maybe"}, "maybe"),
    ({"PLANNER_SMTP_HOST": "smtp.example.cn", "PLANNER_SMTP_FROM": "a@example.cn",
      "PLANNER_SMTP_USER": "board"}, "smtp_password"),
])
def test_mail_settings_refuse_bad_values(db_url, monkeypatch, env, key_part):
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    with pytest.raises(InvalidInput) as caught:
        get_mail_settings()

    assert key_part in caught.value.message


def test_mail_settings_default_is_not_configured(db_url, monkeypatch):
    monkeypatch.delenv("PLANNER_SMTP_HOST", raising=False)

    settings = get_mail_settings()

    assert settings.configured is False
    assert (settings.smtp_port, settings.smtp_starttls) == (587, True)


# --- python -m planner remind ------------------------------------------------------------------

@pytest.fixture
def due_items(session):
    """张三 (with e-mail) has one overdue item, 李四 (no e-mail) one due soon."""
    unit = factories.make_unit(session, "政策法规处")
    zhang = factories.make_user(session, "zhang", unit=unit, display_name="张三",
                                roles={Role.DRAFTER}, email="zhang@example.cn")
    li = factories.make_user(session, "li", unit=unit, display_name="李四", roles={Role.DRAFTER})
    for number, (owner, trigger) in enumerate(((zhang, datetime(2026, 12, 5, 8)),
                                               (li, datetime(2026, 12, 6, 12)))):
        deadlines.track(session, actor=zhang, rule_key=rules.ACTIVITY_INFO, entity="press_event",
                        entity_id=number, trigger_at=trigger.replace(tzinfo=OFFICE_TZ),
                        unit_id=unit.id, owner_id=owner.id, title=f"发布会{number + 1}")
    session.commit()
    return zhang, li


def test_remind_prints_digest_without_smtp(db_url, due_items, monkeypatch, capsys):
    monkeypatch.delenv("PLANNER_SMTP_HOST", raising=False)

    code = main(["remind", "--now", NOW, "--window-days", "3"])

    out = capsys.readouterr().out
    assert code == 0
    assert "未配置 SMTP（smtp_host 为空），以下提醒只打印、不发送：" in out
    assert "主题：【督办提醒】您有1项事项已逾期，0项即将到期" in out
    assert "张三，您好：" in out
    assert "1. 【重要政务活动信息公开】发布会1（政策法规处），截止：2026-12-06 08:00" in out
    assert "李四，您好：" in out
    assert "共 2 份提醒，已发送 0 封邮件。" in out


def test_remind_mails_digest_to_local_server(db_url, due_items, smtp_server, monkeypatch,
                                             capsys):
    inbox, port = smtp_server
    monkeypatch.setenv("PLANNER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PLANNER_SMTP_PORT", str(port))
    monkeypatch.setenv("PLANNER_SMTP_FROM", "督办系统 <board@example.cn>")
    monkeypatch.setenv("PLANNER_SMTP_STARTTLS", "false")

    code = main(["remind", "--now", NOW, "--window-days", "3"])

    out = capsys.readouterr().out
    assert code == 0
    assert [e.rcpt_tos for e in inbox.envelopes] == [["zhang@example.cn"]]
    message = inbox.messages()[0]
    assert message["Subject"] == "【督办提醒】您有1项事项已逾期，0项即将到期"
    body = text_of(message)
    assert body.startswith("张三，您好：\n")
    assert "1. 【重要政务活动信息公开】发布会1（政策法规处），截止：2026-12-06 08:00" in body
    assert "发布会2" not in body
    assert "已发送给 张三 <zhang@example.cn>：1项已逾期，0项即将到期。" in out
    assert "李四没有登记电子邮箱" in out
    assert "共 2 份提醒，已发送 1 封邮件。" in out


def test_remind_nothing_due(db_url, monkeypatch, capsys):
    monkeypatch.delenv("PLANNER_SMTP_HOST", raising=False)

    code = main(["remind", "--now", NOW])

    assert code == 0
    assert capsys.readouterr().out.strip() == "没有已逾期或即将到期的督办事项，无需提醒。"


def test_remind_bad_time(db_url, capsys):
    code = main(["remind", "--now", "下周一"])

    assert code == 2
    assert "下周一" in capsys.readouterr().err


def test_remind_smtp_down_reports_and_fails(db_url, due_items, monkeypatch, capsys):
    port = free_port()
    monkeypatch.setenv("PLANNER_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PLANNER_SMTP_PORT", str(port))
    monkeypatch.setenv("PLANNER_SMTP_FROM", "board@example.cn")
    monkeypatch.setenv("PLANNER_SMTP_STARTTLS", "false")

    code = main(["remind", "--now", NOW])

    assert code == 2
    assert f"无法通过 SMTP 服务器 127.0.0.1:{port} 发送邮件" in capsys.readouterr().err
