"""Shared fixtures: a real SQLite file per test, an actor holding roles, fixture paths."""

import importlib
import os
import pkgutil
import shutil
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session

from planner.config import get_settings
from planner.db import make_engine, migrate
from planner.models import Role
from tests import factories
from tests import pg_server as pg

FIXTURES = Path(__file__).parent / "fixtures"
SICHUAN = FIXTURES / "sichuan-transport-2014-disclosure-opinions.txt"


@pytest.fixture(scope="session", autouse=True)
def app_modules_imported() -> None:
    """Import every module a page may load before any test patches the clock.

    Page tests patch planner.timeutil.now_utc. A module first imported during such a test
    binds the frozen function through `from planner.timeutil import now_utc` and keeps it
    for the rest of the run, so later tests would see a stopped clock.
    """
    import planner
    import widgets

    for package in (planner, widgets):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if ".migrations" not in module.name and not module.name.endswith("__main__"):
                importlib.import_module(module.name)
    for name in ("ui", "downloads"):
        importlib.import_module(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once per run; each test gets a copy (a fresh migration
    costs about 0.5 s, a copy a millisecond)."""
    path = tmp_path_factory.mktemp("template") / "planner.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()   # closing the last connection checkpoints the WAL into the file
    return path


@pytest.fixture
def db_url(tmp_path, monkeypatch, sqlite_template) -> str:
    """Point the app at a fresh, migrated SQLite file for this test."""
    shutil.copyfile(sqlite_template, tmp_path / "planner.db")
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
def app_engine(engine):
    """The migrated test database for AppTest pages, with no engine cached by an earlier
    test (app.py caches its engine with st.cache_resource)."""
    import streamlit as st

    st.cache_resource.clear()
    yield engine
    st.cache_resource.clear()


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def actor(session):
    """A signed-in style user who may import policies, draft, book events and administer:
    承办人员, 新闻发言人 and 管理员 in 政策法规处. Tests of who may NOT do something make
    their own users with tests.factories."""
    unit = factories.make_unit(session, "政策法规处")
    return factories.make_user(session, "actor", unit=unit, display_name="测试用户",
                               roles={Role.DRAFTER, Role.SPOKESPERSON, Role.ADMIN})


@pytest.fixture
def clean_tz():
    """Keep the process time zone from leaking between tests."""
    saved = os.environ.get("TZ")
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved


# --- PostgreSQL: a throwaway server for the whole run; skipped with the reason if absent ---

@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server started for this test run and stopped at its end."""
    server, reason = pg.start()
    if server is None:
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """A database migrated once to the newest schema, copied for every test."""
    name = f"planner_template_{uuid.uuid4().hex[:8]}"
    engine = make_engine(pg_server.create_database(name))
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return name


@pytest.fixture
def pg_url(pg_server, pg_template, tmp_path, monkeypatch) -> str:
    """Point the app at a fresh, migrated PostgreSQL database for this test."""
    name = f"planner_test_{uuid.uuid4().hex[:12]}"
    url = pg_server.create_database(name, template=pg_template)
    monkeypatch.setenv("PLANNER_DATABASE_URL", url)
    monkeypatch.setenv("PLANNER_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    pg_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request):
    """A migrated engine, once on SQLite and once on PostgreSQL (skipped if unavailable)."""
    url = request.getfixturevalue("db_url" if request.param == "sqlite" else "pg_url")
    engine = make_engine(url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def any_session(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        yield session
