"""event history: the end times of a 改期 or 延期, and the fields an edit changed

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from planner.migrations.columns import time_column

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event_status_change") as batch_op:
        batch_op.add_column(time_column("old_ends_at", nullable=True))
        batch_op.add_column(time_column("new_ends_at", nullable=True))
        # Rows written before this revision changed no fields that they name.
        batch_op.add_column(sa.Column("changed_fields", sa.Text(), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("event_status_change") as batch_op:
        batch_op.drop_column("changed_fields")
        batch_op.drop_column("new_ends_at")
        batch_op.drop_column("old_ends_at")
