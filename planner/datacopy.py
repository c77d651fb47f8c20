"""Copy every row from one database to another: `python -m planner copy-data --to URL`.

The path an office takes when it outgrows one machine: from the SQLite file to a
PostgreSQL server. The code is the same for any pair of databases; the tests copy SQLite
to SQLite and SQLite to PostgreSQL. The target is migrated to
the newest schema and must hold no user data. Tables are copied parents first, in one
transaction on the target; PostgreSQL's id sequences are then moved past the copied ids.
Afterwards the row counts and a digest of every table's content are compared with the
source, and the audit chain is verified on the target.

Times: SQLite keeps no time zone, and stored times are UTC (planner.timeutil), so a naive
time read from SQLite is written as UTC; an aware time written to SQLite is first
converted to UTC.
"""

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Connection, Engine, Table, bindparam, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import DateTime
from sqlmodel import SQLModel

from planner.config import get_settings
from planner.db import make_engine, migrate
from planner.errors import InvalidInput
from planner.operations import (SEEDED_TABLES, head_revision, masked_url, row_counts,
                                schema_revision, user_data_tables, verify_audit_chain)

logger = logging.getLogger(__name__)

BATCH_ROWS = 1000


@dataclass(frozen=True)
class CopyReport:
    source: str                    # URLs with the password masked
    target: str
    row_counts: dict[str, int]
    audit_rows: int                # rows the audit chain check covered on the target


def copy_data(target_url: str, *, source_url: str | None = None) -> CopyReport:
    """Copy all rows from the configured database (or `source_url`) into `target_url`."""
    source_url = source_url or get_settings().database_url
    if _same_database(source_url, target_url):
        raise InvalidInput("operations.copy_same", target=masked_url(target_url))
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        _check_source(source, source_url)
        migrate(target)
        _check_target_empty(target, target_url)

        with source.connect() as reader, target.begin() as writer:
            counts = _copy_tables(reader, writer)
        _verify_same(source, target)
        audit_rows = verify_audit_chain(target)
    finally:
        source.dispose()
        target.dispose()

    logger.info("copied %s rows from %s to %s; audit chain of %s rows verified",
                sum(counts.values()), masked_url(source_url), masked_url(target_url), audit_rows)
    return CopyReport(source=masked_url(source_url), target=masked_url(target_url),
                      row_counts=counts, audit_rows=audit_rows)


def _same_database(first: str, second: str) -> bool:
    return (make_url(first).render_as_string(hide_password=False)
            == make_url(second).render_as_string(hide_password=False))


def table_digest(connection: Connection, table: Table) -> str:
    """Return the SHA-256 of a table's rows in key order, values in a database-neutral form."""
    digest = hashlib.sha256()
    query = select(table).order_by(*table.primary_key.columns)
    for row in connection.execute(query):
        values = [_neutral(value) for value in row]
        digest.update(json.dumps(values, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def _check_source(source: Engine, source_url: str) -> None:
    with source.connect() as connection:
        revision = schema_revision(connection)
    if revision != head_revision():
        raise InvalidInput("operations.source_not_current", source=masked_url(source_url),
                           revision=revision or "—", head=head_revision())


def _check_target_empty(target: Engine, target_url: str) -> None:
    with target.connect() as connection:
        occupied = user_data_tables(row_counts(connection))
    if occupied:
        raise InvalidInput("operations.copy_target_not_empty", target=masked_url(target_url),
                           tables="、".join(occupied[:5]))


def _copy_tables(reader: Connection, writer: Connection) -> dict[str, int]:
    """Copy every table, parents first, and return the rows written per table."""
    for name in SEEDED_TABLES:
        writer.execute(SQLModel.metadata.tables[name].delete())

    counts = {}
    for table in SQLModel.metadata.sorted_tables:
        counts[table.name] = _copy_table(reader, writer, table)
        logger.info("copied %s: %s rows", table.name, counts[table.name])
    if writer.dialect.name == "postgresql":
        _reset_sequences(writer)
    return counts


def _copy_table(reader: Connection, writer: Connection, table: Table) -> int:
    """Copy one table in batches of BATCH_ROWS.

    A column pointing into its own table (policy_section.parent_id) is written empty
    first and set once all rows exist, so a row may point at a row with a higher id.
    """
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    key_names = [column.name for column in table.primary_key.columns]
    later: list[dict] = []
    copied = 0

    result = reader.execution_options(stream_results=True).execute(
        select(table).order_by(*table.primary_key.columns))
    for rows in result.mappings().partitions(BATCH_ROWS):
        batch = [_convert(table, row, writer.dialect.name) for row in rows]
        for values in batch:
            if any(values[name] is not None for name in self_refs):
                later.append({name: values[name] for name in key_names + self_refs})
                values.update(dict.fromkeys(self_refs))
        _insert(writer, table, batch)
        copied += len(batch)

    _set_self_refs(writer, table, key_names, self_refs, later)
    return copied


def _insert(writer: Connection, table: Table, batch: list[dict]) -> None:
    try:
        writer.execute(table.insert(), batch)
    except SQLAlchemyError as exc:
        first_id = batch[0].get("id", "?")
        logger.error("copy of %s failed near id %s: %s", table.name, first_id, exc)
        raise InvalidInput("operations.copy_failed", table=table.name, id=first_id,
                           error=str(getattr(exc, "orig", exc)).splitlines()[0]) from exc


def _set_self_refs(writer: Connection, table: Table, key_names: list[str],
                   self_refs: list[str], rows: list[dict]) -> None:
    if not rows:
        return
    statement = (table.update()
                 .where(*[table.c[name] == bindparam(f"k_{name}") for name in key_names])
                 .values({name: bindparam(f"v_{name}") for name in self_refs}))
    writer.execute(statement, [
        {**{f"k_{name}": row[name] for name in key_names},
         **{f"v_{name}": row[name] for name in self_refs}} for row in rows])


def _reset_sequences(writer: Connection) -> None:
    """Move each id sequence past the largest copied id, so the next insert does not clash."""
    quote = writer.dialect.identifier_preparer.quote
    for table in SQLModel.metadata.sorted_tables:
        if "id" not in table.columns or not table.columns["id"].primary_key:
            continue
        writer.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:name, 'id'), COALESCE(MAX(id), 0) + 1, false) "
            f"FROM {quote(table.name)}"), {"name": quote(table.name)})


def _verify_same(source: Engine, target: Engine) -> None:
    with source.connect() as before, target.connect() as after:
        expected, actual = row_counts(before), row_counts(after)
        for table in SQLModel.metadata.sorted_tables:
            name = table.name
            if expected.get(name) != actual.get(name):
                raise InvalidInput("operations.count_mismatch", table=name,
                                   expected=expected.get(name), actual=actual.get(name))
            if table_digest(before, table) != table_digest(after, table):
                raise InvalidInput("operations.content_mismatch", table=name)


def _convert(table: Table, row, target_dialect: str) -> dict:
    values = dict(row)
    for column in table.columns:
        value = values.get(column.name)
        if isinstance(value, datetime) and isinstance(column.type, DateTime):
            values[column.name] = _time_for(value, target_dialect)
    return values


def _time_for(value: datetime, target_dialect: str) -> datetime:
    as_utc = (value.replace(tzinfo=timezone.utc) if value.tzinfo is None
              else value.astimezone(timezone.utc))
    return as_utc.replace(tzinfo=None) if target_dialect == "sqlite" else as_utc


def _neutral(value: object) -> object:
    if isinstance(value, datetime):
        return _time_for(value, "postgresql").isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, bytes):
        return value.hex()
    return value
