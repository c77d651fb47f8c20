"""accounts: the walking skeleton's built-in administrator can no longer act

Sign-in replaces the built-in administrator (no password). Its row stays, because
policies, drafts and audit rows name it, but it is switched off; the first real
administrator is made with `python -m planner create-admin`.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_user = sa.table("user", sa.column("is_builtin", sa.Boolean), sa.column("is_active", sa.Boolean),
                 sa.column("password_hash", sa.String))


def upgrade() -> None:
    op.execute(_user.update()
               .where(_user.c.is_builtin == sa.true(), _user.c.password_hash.is_(None))
               .values(is_active=False))


def downgrade() -> None:
    op.execute(_user.update().where(_user.c.is_builtin == sa.true()).values(is_active=True))
