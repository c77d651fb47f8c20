"""policy revisions: the text a revised policy (修订, 修正) replaced, with who replaced it

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from planner.migrations.columns import (create_indexes, foreign_key, id_column, ref_column,
                                        text_column, time_column)

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_revision",
        id_column(), ref_column("policy_id", False),
        sa.Column("number", sa.Integer(), nullable=False), text_column("raw_text"),
        text_column("source_name", 255), text_column("title", 300),
        text_column("doc_number", 100), text_column("issuer", 200),
        sa.Column("issue_date", sa.Date(), nullable=True), text_column("note"),
        ref_column("created_by"), time_column("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_policy_revision"),
        sa.UniqueConstraint("policy_id", "number", name="uq_policy_revision_number"),
        foreign_key("policy_revision", "policy_id", "policy", "CASCADE"),
        foreign_key("policy_revision", "created_by", "user", "SET NULL"),
    )
    create_indexes("policy_revision", "policy_id")


def downgrade() -> None:
    op.drop_table("policy_revision")
