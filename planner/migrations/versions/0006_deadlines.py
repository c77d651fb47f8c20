"""deadlines: obligations on the supervision board, rule settings, 规范性文件 dates on policies

Revision ID: 0006
Revises: 0005

An obligation stores the inputs of its deadline (rule, trigger time, or its own due time),
never the computed due time, so holiday overrides and a newer holiday calendar move it.
The new policy columns are nullable or carry a server default, so existing rows need no
back-fill.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "obligation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_key", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        _when("trigger_at", nullable=False),
        _when("fixed_due_at"),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False, server_default="open"),
        _when("completed_at"),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_obligation"),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name="fk_obligation_unit_id_unit",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name="fk_obligation_owner_id_user",
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["completed_by"], ["user.id"],
                                name="fk_obligation_completed_by_user", ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by"], ["user.id"],
                                name="fk_obligation_created_by_user", ondelete="SET NULL"),
        sa.UniqueConstraint("rule_key", "entity", "entity_id", name="uq_obligation_rule_entity"),
    )
    op.create_index("ix_obligation_unit_id", "obligation", ["unit_id"])
    op.create_index("ix_obligation_owner_id", "obligation", ["owner_id"])
    op.create_index("ix_obligation_board", "obligation",
                    ["status", "rule_key", "trigger_at", "unit_id", "owner_id", "fixed_due_at"])

    op.create_table(
        "deadline_setting",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_deadline_setting"),
        sa.ForeignKeyConstraint(["updated_by"], ["user.id"],
                                name="fk_deadline_setting_updated_by_user", ondelete="SET NULL"),
    )

    with op.batch_alter_table("policy") as batch_op:
        batch_op.add_column(sa.Column("is_normative", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("paper_issued_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("published_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("policy") as batch_op:
        batch_op.drop_column("published_on")
        batch_op.drop_column("paper_issued_on")
        batch_op.drop_column("is_normative")

    op.drop_table("deadline_setting")
    op.drop_index("ix_obligation_board", table_name="obligation")
    op.drop_index("ix_obligation_owner_id", table_name="obligation")
    op.drop_index("ix_obligation_unit_id", table_name="obligation")
    op.drop_table("obligation")
