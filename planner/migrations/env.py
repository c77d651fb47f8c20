"""Alembic environment: runs against the engine or connection passed in by planner.db."""

from alembic import context
from sqlmodel import SQLModel

import planner.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from planner.db import make_engine

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return

    engine = config.attributes.get("engine") or make_engine()
    with engine.begin() as conn:
        _run(conn)


def _run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most columns, so alembic rebuilds the table.
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
