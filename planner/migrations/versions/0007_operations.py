"""operations: the backup record shown on the administrator page

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False, server_default=""),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("schema_revision", sa.String(length=32), nullable=False, server_default=""),
        sa.Column("row_total", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_backup_record"),
    )
    with op.batch_alter_table("backup_record", schema=None) as batch_op:
        batch_op.create_index("ix_backup_record_at", ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("backup_record", schema=None) as batch_op:
        batch_op.drop_index("ix_backup_record_at")
    op.drop_table("backup_record")
