"""Settings: environment variables first, then .streamlit/secrets.toml, then defaults.

Each key is read from the environment as PLANNER_<KEY> (for example
PLANNER_DATABASE_URL) or from secrets.toml as a top-level `<key>` (database_url).
"""

import logging
import os
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from planner.errors import InvalidInput

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
AUTH_MODES = ("password", "oidc")
MIN_IDLE_MINUTES, MAX_IDLE_MINUTES = 1, 1440   # one minute to one day
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    org_name: str
    upload_max_mb: int
    session_idle_minutes: int = 30        # sign-out after this long without activity
    allow_author_first_review: bool = False   # may the author do the 初审 of their own draft
    auth_mode: str = "password"           # "password", or "oidc" for Streamlit's st.login
    oidc_provider: str = ""               # [auth.<name>] block in secrets.toml; "" = [auth]
    event_norm_minutes: int = 60          # a 新闻发布会 longer than this is flagged


@dataclass(frozen=True)
class MailSettings:
    """SMTP delivery (督办 digests, invites). An empty smtp_host means mail is not sent."""

    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: bool = True

    @property
    def configured(self) -> bool:
        return bool(self.smtp_host)


def get_mail_settings() -> MailSettings:
    """Read the SMTP keys (PLANNER_SMTP_HOST ... or smtp_host ... in secrets.toml).

    Not cached: a cron run reads them once, and tests change them freely.
    """
    secrets = _read_secrets(Path(os.environ.get("PLANNER_SECRETS_FILE", SECRETS_FILE)))
    host = _lookup("smtp_host", secrets, "").strip()
    port_raw = _lookup("smtp_port", secrets, "587").strip()
    if not port_raw.isdigit() or not 1 <= int(port_raw) <= 65535:
        raise InvalidInput("mail.port_invalid", value=port_raw)
    starttls_raw = _lookup("smtp_starttls", secrets, "true").strip().lower()
    if starttls_raw not in ("true", "false", "1", "0", "yes", "no"):
        raise InvalidInput("mail.starttls_invalid", value=starttls_raw)

    settings = MailSettings(
        smtp_host=host, smtp_port=int(port_raw), smtp_user=_lookup("smtp_user", secrets, ""),
        smtp_password=_lookup("smtp_password", secrets, ""),
        smtp_from=_lookup("smtp_from", secrets, "").strip(),
        smtp_starttls=starttls_raw in ("true", "1", "yes"))
    if settings.configured and not settings.smtp_from:
        raise InvalidInput("mail.from_missing", host=host)
    if settings.smtp_user and not settings.smtp_password:
        raise InvalidInput("mail.password_missing", user=settings.smtp_user)
    return settings


def _read_secrets(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("config.secrets_invalid", path=str(path), error=str(exc)) from exc


def _lookup(key: str, secrets: dict, default: str) -> str:
    env_value = os.environ.get(f"PLANNER_{key.upper()}")
    if env_value:
        return env_value
    value = secrets.get(key)
    return str(value) if value not in (None, "") else default


@cache
def get_settings() -> Settings:
    """Read the settings once per process; tests call `get_settings.cache_clear()`."""
    secrets_path = Path(os.environ.get("PLANNER_SECRETS_FILE", SECRETS_FILE))
    secrets = _read_secrets(secrets_path)

    data_dir = Path(_lookup("data_dir", secrets, str(DEFAULT_DATA_DIR)))
    default_db = f"sqlite:///{data_dir / 'planner.db'}"
    upload_raw = _lookup("upload_max_mb", secrets, "20")
    if not upload_raw.isdigit() or not 1 <= int(upload_raw) <= 200:
        raise InvalidInput("config.upload_max_mb_invalid", value=upload_raw)

    return Settings(
        database_url=_lookup("database_url", secrets, default_db),
        data_dir=data_dir,
        org_name=_lookup("org_name", secrets, "四川省交通运输厅"),
        upload_max_mb=int(upload_raw),
        session_idle_minutes=_idle_minutes(secrets),
        allow_author_first_review=_flag("allow_author_first_review", secrets),
        auth_mode=_auth_mode(secrets),
        oidc_provider=_lookup("oidc_provider", secrets, ""),
        event_norm_minutes=_bounded_int("event_norm_minutes", secrets, 60, 10, 600),
    )


def _bounded_int(key: str, secrets: dict, default: int, low: int, high: int) -> int:
    raw = _lookup(key, secrets, str(default)).strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput("config.number_invalid", key=key, env=f"PLANNER_{key.upper()}",
                           value=raw, low=low, high=high)
    return int(raw)


def _idle_minutes(secrets: dict) -> int:
    raw = _lookup("session_idle_minutes", secrets, "30")
    if not raw.isdigit() or not MIN_IDLE_MINUTES <= int(raw) <= MAX_IDLE_MINUTES:
        raise InvalidInput("config.session_idle_minutes_invalid", value=raw,
                           low=MIN_IDLE_MINUTES, high=MAX_IDLE_MINUTES)
    return int(raw)


def _flag(key: str, secrets: dict) -> bool:
    raw = _lookup(key, secrets, "false").strip().lower()
    if raw not in _TRUE | _FALSE:
        raise InvalidInput("config.flag_invalid", key=key, env=f"PLANNER_{key.upper()}",
                           value=raw)
    return raw in _TRUE


def _auth_mode(secrets: dict) -> str:
    raw = _lookup("auth_mode", secrets, "password").strip().lower()
    if raw not in AUTH_MODES:
        raise InvalidInput("config.auth_mode_invalid", value=raw)
    return raw


@dataclass(frozen=True)
class LlmSettings:
    """An OpenAI-compatible endpoint (hosted, vLLM, Ollama). An empty base URL: no AI."""

    base_url: str = ""
    api_key: str = field(default="", repr=False)
    model: str = ""
    internal: bool = False      # inside the office network: 不公开 text may be sent there
    timeout_seconds: int = 60   # per request; a slower answer ends with a message

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


def get_llm_settings() -> LlmSettings:
    """Read llm_base_url, llm_api_key, llm_model and llm_internal (PLANNER_LLM_... or
    secrets.toml). Not cached, like the mail settings."""
    secrets = _read_secrets(Path(os.environ.get("PLANNER_SECRETS_FILE", SECRETS_FILE)))
    return LlmSettings(base_url=_lookup("llm_base_url", secrets, "").strip(),
                       api_key=_lookup("llm_api_key", secrets, ""),
                       model=_lookup("llm_model", secrets, "").strip(),
                       internal=_flag("llm_internal", secrets),
                       timeout_seconds=_bounded_int("llm_timeout", secrets, 60, 1, 600))
