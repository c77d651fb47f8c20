"""Mail delivery over SMTP with the standard library (smtplib).

Messages are UTF-8: Chinese names and subjects go into the headers as RFC 2047 encoded
words, the body as UTF-8 text, which Outlook, Foxmail and the webmail of Chinese providers
all read. One connection sends a whole batch.
"""

import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from planner.config import MailSettings
from planner.errors import InvalidInput

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Mail:
    to_name: str
    to_address: str
    subject: str
    body: str


def build_message(settings: MailSettings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = formataddr((mail.to_name, mail.to_address))
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_domain(settings.smtp_from))
    message.set_content(mail.body, charset="utf-8")
    return message


def send(settings: MailSettings, mails: list[Mail]) -> int:
    """Send `mails` over one SMTP connection; returns how many were sent.

    A rejected recipient or a failed connection raises InvalidInput naming the address or
    the server; the mails before it are already sent.
    """
    return send_messages(settings, [(build_message(settings, mail), mail.to_address)
                                    for mail in mails])


def send_messages(settings: MailSettings, messages: list[tuple[EmailMessage, str]]) -> int:
    """Send ready-made messages, each with its recipient address, over one connection.

    For mail that is more than text, such as a meeting request with a calendar part and
    an attachment (planner.mail_invites). Errors behave as in `send`.
    """
    if not messages:
        return 0
    if not settings.configured:
        raise ValueError("SMTP is not configured (smtp_host is empty)")

    started = time.monotonic()
    try:
        with _connect(settings) as smtp:
            for message, address in messages:
                _send_one(smtp, message, address)
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("SMTP delivery via %s:%s failed: %s", settings.smtp_host,
                       settings.smtp_port, exc)
        raise InvalidInput("mail.connect_failed", host=settings.smtp_host,
                           port=settings.smtp_port, error=str(exc) or type(exc).__name__) from exc
    logger.info("sent %s mails via %s:%s in %.1f s", len(messages), settings.smtp_host,
                settings.smtp_port, time.monotonic() - started)
    return len(messages)


def _connect(settings: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
    except Exception:
        smtp.close()
        raise
    return smtp


def _send_one(smtp: smtplib.SMTP, message: EmailMessage, address: str) -> None:
    try:
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        logger.warning("SMTP server rejected recipient %s", address)
        raise InvalidInput("mail.send_failed", to=address, error=str(exc.recipients)) from exc
    logger.info("mail sent to %s", address)


def _domain(address: str) -> str:
    # make_msgid falls back to the host name, which is meaningless inside an office network.
    _, _, domain = address.rstrip(">").rpartition("@")
    return domain or "localhost"
