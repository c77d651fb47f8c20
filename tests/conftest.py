"""Shared fixtures: a real SQLite file per test, the built-in actor, fixture paths."""

import os
from pathlib import Path

import pytest
from sqlmodel import Session

from planner.config import get_settings
from planner.db import make_engine, migrate
from planner.services import users

FIXTURES = Path(__file__).parent / "fixtures"
SICHUAN = FIXTURES / "sichuan-transport-2014-disclosure-opinions.txt"


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """Point the app at a fresh SQLite file for this test."""
    url = f"sqlite:///{tmp_path / 'planner.db'}"
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def actor(session):
    user = users.builtin_admin(session)
    session.commit()
    return user


@pytest.fixture
def clean_tz():
    """Keep the process time zone from leaking between tests."""
    saved = os.environ.get("TZ")
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
