"""Column helpers shared by the migrations from 0009 on.

Earlier revisions keep their own copies, so they stay exactly as they shipped. Names of
constraints and indexes are spelled out, so a later batch migration on SQLite can refer
to them.
"""

import sqlalchemy as sa
from alembic import op


def id_column() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def time_column(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def text_column(name: str, length: int | None = None) -> sa.Column:
    kind = sa.String(length) if length else sa.Text()
    return sa.Column(name, kind, nullable=False)


def ref_column(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def foreign_key(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=f"fk_{table}_{column}_{target}")


def create_indexes(table: str, *columns: str, unique: bool = False) -> None:
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.create_index(f"ix_{table}_{column}", [column], unique=unique)
