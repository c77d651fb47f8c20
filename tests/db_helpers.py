"""Database helpers for tests: every row of every table, to show that nothing changed."""

from sqlalchemy import Engine, select
from sqlmodel import SQLModel

import planner.models  # noqa: F401  (registers the tables)


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Return every row of every application table, ordered by primary key."""
    rows: dict[str, list[tuple]] = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            query = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(query)]
    return rows
