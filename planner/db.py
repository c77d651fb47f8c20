"""Engine, sessions and migrations.

SQLite is the default (a file under data/); PLANNER_DATABASE_URL switches to
PostgreSQL (postgresql+psycopg://...). Migrations are alembic revisions under
planner/migrations and run on start.
"""

import logging
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from planner.config import get_settings

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000


def _configure_sqlite(dbapi_connection, _record) -> None:
    # WAL lets readers go on while one writer commits; foreign keys are off by
    # default in SQLite and must be switched on for every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for `url` (default: the configured database)."""
    url = url or get_settings().database_url
    parsed = make_url(url)

    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _configure_sqlite)
    else:
        engine = create_engine(url, pool_pre_ping=True)

    logger.info("engine created for %s", parsed.render_as_string(hide_password=True))
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call on every start."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                config = alembic_config(engine)
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                if sqlite:
                    _check_sqlite_foreign_keys(connection)
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)
    logger.info("database migrated to head")


def _sqlite_foreign_keys(connection, *, on: bool) -> None:
    # SQLite alters a table by rebuilding it (alembic's batch mode). Dropping the old copy
    # with foreign keys on fires ON DELETE CASCADE / SET NULL in every table that points at
    # it, so migrations run with them off. The pragma only works outside a transaction.
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()


def _check_sqlite_foreign_keys(connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left {len(broken)} rows with broken foreign keys, "
                           f"first: {tuple(broken[0])}")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
