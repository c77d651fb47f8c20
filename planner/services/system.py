"""System status for the administrator page: database, schema, holiday calendar, backups,
upload limits, and on-demand checks of the mail server and the AI endpoint.

Only 管理员 may see it: the page shows host names, versions and where backups are kept.
The checks send nothing but a greeting: SMTP connect and EHLO (and STARTTLS when
configured, never a login), and for the AI endpoint a list of its models.
"""

import logging
import smtplib
import socket
import ssl
import time
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path

import openai
from sqlalchemy import text
from sqlmodel import Session, select

from planner import operations
from planner.config import PROJECT_ROOT, get_llm_settings, get_mail_settings, get_settings
from planner.errors import InvalidInput
from planner.i18n import t
from planner.models import BackupRecord, HolidayOverride, Role, User
from planner.permissions import require
from planner.timeutil import now_utc, to_office
from planner.workdays import covered_years

logger = logging.getLogger(__name__)

ADMIN_ROLES = {Role.ADMIN}
STREAMLIT_CONFIG = PROJECT_ROOT / ".streamlit" / "config.toml"
STREAMLIT_DEFAULT_UPLOAD_MB = 200      # Streamlit's own default for server.maxUploadSize
CHECK_TIMEOUT_S = 10
BACKUP_STALE_DAYS = 7
# The State Council General Office usually publishes next year's holidays in November or
# December, so from December on a missing next year gets a warning.
WARN_FROM_MONTH = 12


class CheckState(StrEnum):
    OK = "ok"
    FAILED = "failed"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True)
class Notice:
    """Catalog message with its parameters, for the page to show."""

    key: str
    params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return t(self.key, **self.params)


@dataclass(frozen=True)
class CheckResult:
    state: CheckState
    notice: Notice
    elapsed_ms: int = 0


@dataclass(frozen=True)
class HolidayCoverage:
    calendar_years: range          # years chinesecalendar carries
    override_years: list[int]      # years an administrator entered the notice for
    warnings: list[Notice]


@dataclass(frozen=True)
class SystemStatus:
    database_kind: str             # "sqlite" or "postgresql"
    database: str                  # the URL with the password masked
    database_bytes: int | None
    schema_revision: str | None
    head_revision: str
    holidays: HolidayCoverage
    last_backup: BackupRecord | None
    upload_limit_mb: int
    streamlit_upload_limit_mb: int
    smtp: str                      # host:port, or "" when not configured
    llm: str                       # base URL and model, or "" when not configured
    llm_internal: bool
    warnings: list[Notice]


def office_today() -> date:
    return to_office(now_utc()).date()


def status(session: Session, *, actor: User, today: date | None = None) -> SystemStatus:
    """Return everything the administrator page shows, with the warnings that need action."""
    require(session, actor, "view_system", ADMIN_ROLES)
    today = today or office_today()
    settings, mail, llm = get_settings(), get_mail_settings(), get_llm_settings()
    connection = session.connection()

    revision, head = operations.schema_revision(connection), operations.head_revision()
    holidays = holiday_coverage(session, today)
    last_backup = operations.last_backup(session)
    streamlit_limit = streamlit_upload_limit_mb(STREAMLIT_CONFIG)
    warnings = [*holidays.warnings, *_schema_warnings(revision, head),
                *_upload_warnings(settings.upload_max_mb, streamlit_limit),
                *_backup_warnings(last_backup, today)]

    return SystemStatus(
        database_kind=connection.dialect.name,
        database=operations.masked_url(settings.database_url),
        database_bytes=_database_bytes(session, settings.database_url),
        schema_revision=revision, head_revision=head, holidays=holidays,
        last_backup=last_backup, upload_limit_mb=settings.upload_max_mb,
        streamlit_upload_limit_mb=streamlit_limit,
        smtp=f"{mail.smtp_host}:{mail.smtp_port}" if mail.configured else "",
        llm=f"{llm.base_url}（{llm.model or '—'}）" if llm.configured else "",
        llm_internal=llm.internal, warnings=warnings)


def holiday_coverage(session: Session, today: date) -> HolidayCoverage:
    """Return the years the working-day rules cover, warning about this and next year."""
    calendar = covered_years()
    days = session.exec(select(HolidayOverride.day)).all()
    overrides = sorted({day.year for day in days})
    known = set(calendar) | set(overrides)

    # The page's name as the sidebar shows it, so the warning points to a page that exists.
    page = t("nav.admin_holidays")
    warnings = []
    if today.year not in known:
        warnings.append(Notice("admin_system.holidays_this_year_missing",
                               {"year": today.year, "page": page}))
    if today.month >= WARN_FROM_MONTH and today.year + 1 not in known:
        warnings.append(Notice("admin_system.holidays_next_year_missing",
                               {"year": today.year + 1, "last": calendar[-1], "page": page}))
    return HolidayCoverage(calendar_years=calendar, override_years=overrides, warnings=warnings)


def streamlit_upload_limit_mb(path: Path = STREAMLIT_CONFIG) -> int:
    """Return server.maxUploadSize from .streamlit/config.toml, or Streamlit's default."""
    try:
        with path.open("rb") as fh:
            server = tomllib.load(fh).get("server", {})
    except (OSError, tomllib.TOMLDecodeError):
        logger.warning("cannot read %s; assuming Streamlit's default upload limit", path)
        return STREAMLIT_DEFAULT_UPLOAD_MB
    return int(server.get("maxUploadSize", STREAMLIT_DEFAULT_UPLOAD_MB))


def _database_bytes(session: Session, url: str) -> int | None:
    if session.connection().dialect.name == "postgresql":
        return session.exec(text("SELECT pg_database_size(current_database())")).scalar_one()
    try:
        path = operations.sqlite_path(url)
    except InvalidInput:  # an in-memory database has no size on disk
        return None
    files = [path, path.with_name(f"{path.name}-wal")]
    return sum(file.stat().st_size for file in files if file.exists())


def _schema_warnings(revision: str | None, head: str) -> list[Notice]:
    if revision == head:
        return []
    return [Notice("admin_system.schema_behind", {"current": revision or "—", "head": head})]


def _upload_warnings(app_mb: int, streamlit_mb: int) -> list[Notice]:
    """Warn unless Streamlit's limit is above the app's.

    Streamlit rejects a file over its own limit in the browser, in English, before the app
    receives it. Only a file within that limit reaches the app's check, whose message
    names the file's size and the limit.
    """
    if streamlit_mb > app_mb:
        return []
    return [Notice("admin_system.upload_ceiling_too_low",
                   {"app": app_mb, "streamlit": streamlit_mb})]


def _backup_warnings(record: BackupRecord | None, today: date) -> list[Notice]:
    if record is None:
        return [Notice("admin_system.backup_none")]
    age = today - to_office(record.at).date()
    if age > timedelta(days=BACKUP_STALE_DAYS):
        return [Notice("admin_system.backup_stale", {"days": age.days})]
    return []


# --- checks on demand -------------------------------------------------------------------

def check_smtp(session: Session, *, actor: User, timeout_s: float = CHECK_TIMEOUT_S
               ) -> CheckResult:
    """Connect to the configured SMTP server and send EHLO (then STARTTLS if configured)."""
    require(session, actor, "view_system", ADMIN_ROLES)
    mail = get_mail_settings()
    if not mail.configured:
        return CheckResult(CheckState.NOT_CONFIGURED, Notice("admin_system.not_configured"))

    started = time.monotonic()
    target = {"host": mail.smtp_host, "port": mail.smtp_port}
    try:
        banner, tls = _smtp_greeting(mail.smtp_host, mail.smtp_port, mail.smtp_starttls,
                                     timeout_s)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        logger.warning("SMTP check of %s:%s failed: %s", mail.smtp_host, mail.smtp_port, exc)
        return CheckResult(CheckState.FAILED, Notice("admin_system.smtp_failed",
                                                     {**target, "error": _error_text(exc)}),
                           _elapsed_ms(started))

    logger.info("SMTP check of %s:%s passed", mail.smtp_host, mail.smtp_port)
    key = "admin_system.smtp_ok_tls" if tls else "admin_system.smtp_ok"
    return CheckResult(CheckState.OK, Notice(key, {**target, "banner": banner}),
                       _elapsed_ms(started))


def _smtp_greeting(host: str, port: int, starttls: bool, timeout_s: float) -> tuple[str, bool]:
    with smtplib.SMTP(host, port, timeout=timeout_s) as smtp:
        code, reply = smtp.ehlo()
        if code != 250:
            raise smtplib.SMTPHeloError(code, reply)
        if starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
    banner = reply.decode("utf-8", "replace").splitlines()[0][:100]
    return banner, starttls


def check_llm(session: Session, *, actor: User, timeout_s: float = CHECK_TIMEOUT_S
              ) -> CheckResult:
    """Request the model list of the configured OpenAI-compatible endpoint."""
    require(session, actor, "view_system", ADMIN_ROLES)
    llm = get_llm_settings()
    if not llm.configured:
        return CheckResult(CheckState.NOT_CONFIGURED, Notice("admin_system.not_configured"))

    started = time.monotonic()
    client = openai.OpenAI(base_url=llm.base_url, api_key=llm.api_key or "not-needed",
                           timeout=timeout_s, max_retries=0)
    try:
        models = sorted(model.id for model in client.models.list())
    except openai.APIError as exc:
        logger.warning("LLM check of %s failed: %s", llm.base_url, type(exc).__name__)
        return CheckResult(CheckState.FAILED, _llm_failure(llm.base_url, exc),
                           _elapsed_ms(started))
    finally:
        client.close()

    logger.info("LLM check of %s passed: %s models", llm.base_url, len(models))
    return CheckResult(*_llm_success(llm.base_url, llm.model, models), _elapsed_ms(started))


def _llm_success(base_url: str, model: str, models: list[str]) -> tuple[CheckState, Notice]:
    params = {"url": base_url, "count": len(models), "model": model,
              "sample": "、".join(models[:5]) or "—"}
    if model and model not in models:
        return CheckState.FAILED, Notice("admin_system.llm_model_missing", params)
    return CheckState.OK, Notice("admin_system.llm_ok", params)


def _llm_failure(base_url: str, exc: openai.APIError) -> Notice:
    if isinstance(exc, openai.APITimeoutError):
        return Notice("admin_system.llm_timeout", {"url": base_url})
    if isinstance(exc, openai.APIConnectionError):
        return Notice("admin_system.llm_unreachable", {"url": base_url})
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return Notice("admin_system.llm_key_refused", {"url": base_url})
    status_code = getattr(exc, "status_code", "—")
    return Notice("admin_system.llm_http_error", {"url": base_url, "status": status_code})


def _error_text(exc: Exception) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return t("admin_system.error_timeout")
    if isinstance(exc, ConnectionRefusedError):
        return t("admin_system.error_refused")
    if isinstance(exc, socket.gaierror):
        return t("admin_system.error_unknown_host")
    return str(exc) or type(exc).__name__


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
