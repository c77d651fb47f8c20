"""Settings: environment variables first, then .streamlit/secrets.toml, then defaults.

Each key is read from the environment as PLANNER_<KEY> (for example
PLANNER_DATABASE_URL) or from secrets.toml as a top-level `<key>` (database_url).
"""

import logging
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from planner.errors import InvalidInput

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    org_name: str
    upload_max_mb: int


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
    )
