"""audit: chain head, filter indexes, chain the existing rows, append-only triggers

Revision ID: 0005
Revises: 0004

Rows written before this revision carry no hash (prev_hash = row_hash = ""). They are
chained here in id order, so `python -m planner audit verify` checks the whole trail
from its first row; their unit_id stays empty because the unit at the time is unknown.

The triggers make the database itself refuse UPDATE, DELETE (and on PostgreSQL TRUNCATE)
on audit_entry. A later revision that rebuilds audit_entry with batch_alter_table on
SQLite drops these triggers and must create them again.
"""

from alembic import op
import sqlalchemy as sa

from planner.services.audit import GENESIS_HASH, HEAD_ID, row_hash

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 5000

_entries = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer), sa.column("unit_id", sa.Integer),
    sa.column("action", sa.String), sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer), sa.column("detail", sa.Text),
    sa.column("prev_hash", sa.String), sa.column("row_hash", sa.String),
)

SQLITE_TRIGGERS = [
    """CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
       BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: rows cannot be changed'); END""",
    """CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
       BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: rows cannot be deleted'); END""",
]

POSTGRESQL_TRIGGERS = [
    """CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
           RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP;
       END $$""",
    """CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
       FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()""",
    """CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
       FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_hash", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("appended", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_actor_id", ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_entry_unit_id", ["unit_id"], unique=False)
        batch_op.create_index("ix_audit_entry_entity", ["entity"], unique=False)

    last_id, last_hash, chained = _chain_existing_rows(op.get_bind())
    op.execute(sa.text("INSERT INTO audit_head (id, last_id, last_hash, appended) "
                       "VALUES (:id, :last_id, :last_hash, :appended)")
               .bindparams(id=HEAD_ID, last_id=last_id, last_hash=last_hash,
                           appended=chained))

    for statement in _triggers(op.get_bind()):
        op.execute(statement)


def _chain_existing_rows(connection) -> tuple[int, str, int]:
    """Hash every existing row in id order; return the last id, its hash and the count."""
    last_id, last_hash, chained = 0, GENESIS_HASH, 0
    while True:
        rows = connection.execute(sa.select(_entries).where(_entries.c.id > last_id)
                                  .order_by(_entries.c.id).limit(BATCH)).all()
        if not rows:
            return last_id, last_hash, chained
        for row in rows:
            digest = row_hash(last_hash, at=row.at, actor_id=row.actor_id,
                              unit_id=row.unit_id, action=row.action, entity=row.entity,
                              entity_id=row.entity_id, detail=row.detail)
            connection.execute(_entries.update().where(_entries.c.id == row.id)
                               .values(prev_hash=last_hash, row_hash=digest))
            last_id, last_hash, chained = row.id, digest, chained + 1


def _triggers(connection) -> list[str]:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return SQLITE_TRIGGERS
    if dialect == "postgresql":
        return POSTGRESQL_TRIGGERS
    return []


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_entry")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")

    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_entity")
        batch_op.drop_index("ix_audit_entry_unit_id")
        batch_op.drop_index("ix_audit_entry_actor_id")
    op.drop_table("audit_head")
