"""review: drafting unit for older drafts, released content frozen by the database

Revision ID: 0004
Revises: 0003

Drafts made before the review existed have no drafting unit; they get their creator's
unit, so the unit-bound rules (初审 and 审核 inside the drafting unit) apply to them.

A trigger makes the database refuse UPDATE on draft_release: released content is frozen,
and a correction is a new release after a new review round.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FROZEN_MESSAGE = "draft_release rows are frozen: a correction is a new release"

_draft = sa.table("draft", sa.column("unit_id", sa.Integer), sa.column("created_by", sa.Integer))
_user = sa.table("user", sa.column("id", sa.Integer), sa.column("unit_id", sa.Integer))


def upgrade() -> None:
    creator_unit = (sa.select(_user.c.unit_id).where(_user.c.id == _draft.c.created_by)
                    .scalar_subquery())
    op.execute(_draft.update().where(_draft.c.unit_id.is_(None)).values(unit_id=creator_unit))

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION draft_release_frozen() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{FROZEN_MESSAGE}'; END $$")
        op.execute("CREATE TRIGGER draft_release_no_update BEFORE UPDATE ON draft_release "
                   "FOR EACH ROW EXECUTE FUNCTION draft_release_frozen()")
    else:
        op.execute("CREATE TRIGGER draft_release_no_update BEFORE UPDATE ON draft_release "
                   f"BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS draft_release_no_update"
               + (" ON draft_release" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS draft_release_frozen()")
