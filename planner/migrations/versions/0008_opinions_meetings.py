"""opinions and meetings: the 政务舆情 register, joint meetings, minutes' action items

Revision ID: 0008
Revises: 0007

Only new tables, so no existing row needs a default. Constraint and index names are
spelled out, so a later batch migration on SQLite can refer to them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), nullable=False)


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int | None = None) -> sa.Column:
    kind = sa.String(length) if length else sa.Text()
    return sa.Column(name, kind, nullable=False)


def _ref(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=f"fk_{table}_{column}_{target}")


def _index(table: str, *columns: str, unique: bool = False) -> None:
    with op.batch_alter_table(table) as batch_op:
        for column in columns:
            batch_op.create_index(f"ix_{table}_{column}", [column], unique=unique)


def upgrade() -> None:
    _create_opinion_tables()
    _create_meeting_tables()


def _create_opinion_tables() -> None:
    op.create_table(
        "opinion_item",
        _id(), _text("source", 32), _text("source_detail", 64), _text("link", 1000),
        _text("link_key", 64), _time("first_seen_at"), _text("summary"),
        _text("category", 64), _text("severity", 32), _text("status", 32),
        _ref("policy_id"), _ref("event_id"), _text("nature", 32), _text("trend", 32),
        _text("risk", 32), _text("assessment"), _ref("assessed_by"), _time("assessed_at", True),
        _ref("lead_unit_id"), _time("forwarded_at", True), _time("responded_at", True),
        _time("status_changed_at"), _ref("created_by"), _time("created_at"), _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_opinion_item"),
        _fk("opinion_item", "policy_id", "policy", "SET NULL"),
        _fk("opinion_item", "event_id", "press_event", "SET NULL"),
        _fk("opinion_item", "assessed_by", "user", "SET NULL"),
        _fk("opinion_item", "lead_unit_id", "unit", "SET NULL"),
        _fk("opinion_item", "created_by", "user", "SET NULL"),
    )
    _index("opinion_item", "source", "link_key", "first_seen_at", "category", "severity",
           "status", "lead_unit_id")

    op.create_table(
        "opinion_unit",
        _ref("opinion_id", False), _ref("unit_id", False),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("opinion_id", "unit_id", name="pk_opinion_unit"),
        _fk("opinion_unit", "opinion_id", "opinion_item", "CASCADE"),
        _fk("opinion_unit", "unit_id", "unit", "CASCADE"),
    )
    _index("opinion_unit", "unit_id")

    op.create_table(
        "opinion_response",
        _id(), _ref("opinion_id", False), _text("kind", 32), _ref("unit_id"), _text("note"),
        _text("link", 1000), _ref("draft_id"), _ref("event_id"), _time("responded_at"),
        _ref("created_by"), _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_opinion_response"),
        _fk("opinion_response", "opinion_id", "opinion_item", "CASCADE"),
        _fk("opinion_response", "unit_id", "unit", "SET NULL"),
        _fk("opinion_response", "draft_id", "draft", "SET NULL"),
        _fk("opinion_response", "event_id", "press_event", "SET NULL"),
        _fk("opinion_response", "created_by", "user", "SET NULL"),
    )
    _index("opinion_response", "opinion_id")


def _create_meeting_tables() -> None:
    op.create_table(
        "meeting",
        _id(), _text("uid", 128), sa.Column("sequence", sa.Integer(), nullable=False),
        _text("title", 300), _text("agenda"), _time("starts_at"), _time("ends_at"),
        _text("venue", 200), _text("online_room", 500), _text("status", 32),
        _text("cancel_reason"), _ref("unit_id"), _ref("minutes_draft_id"), _ref("convened_by"),
        _time("created_at"), _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_meeting"),
        sa.UniqueConstraint("uid", name="uq_meeting_uid"),
        _fk("meeting", "unit_id", "unit", "SET NULL"),
        _fk("meeting", "minutes_draft_id", "draft", "SET NULL"),
        _fk("meeting", "convened_by", "user", "SET NULL"),
    )
    _index("meeting", "starts_at", "status")

    op.create_table(
        "meeting_unit",
        _ref("meeting_id", False), _ref("unit_id", False),
        sa.PrimaryKeyConstraint("meeting_id", "unit_id", name="pk_meeting_unit"),
        _fk("meeting_unit", "meeting_id", "meeting", "CASCADE"),
        _fk("meeting_unit", "unit_id", "unit", "CASCADE"),
    )
    _index("meeting_unit", "unit_id")

    op.create_table(
        "meeting_attendee",
        _id(), _ref("meeting_id", False), _ref("user_id"), _ref("unit_id"),
        _text("name", 100), sa.Column("email", sa.String(254), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_meeting_attendee"),
        _fk("meeting_attendee", "meeting_id", "meeting", "CASCADE"),
        _fk("meeting_attendee", "user_id", "user", "SET NULL"),
        _fk("meeting_attendee", "unit_id", "unit", "SET NULL"),
    )
    _index("meeting_attendee", "meeting_id", "user_id", "name")

    op.create_table(
        "meeting_opinion",
        _ref("meeting_id", False), _ref("opinion_id", False),
        sa.PrimaryKeyConstraint("meeting_id", "opinion_id", name="pk_meeting_opinion"),
        _fk("meeting_opinion", "meeting_id", "meeting", "CASCADE"),
        _fk("meeting_opinion", "opinion_id", "opinion_item", "CASCADE"),
    )
    _index("meeting_opinion", "opinion_id")

    op.create_table(
        "meeting_action",
        _id(), _ref("meeting_id", False), _text("task"), _ref("unit_id"), _ref("owner_id"),
        _text("owner_name", 64), _time("due_at"), _text("status", 32),
        _time("closed_at", True), _ref("closed_by"), _text("close_note"), _time("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_meeting_action"),
        _fk("meeting_action", "meeting_id", "meeting", "CASCADE"),
        _fk("meeting_action", "unit_id", "unit", "SET NULL"),
        _fk("meeting_action", "owner_id", "user", "SET NULL"),
        _fk("meeting_action", "closed_by", "user", "SET NULL"),
    )
    _index("meeting_action", "meeting_id", "unit_id", "status")


def downgrade() -> None:
    for table in ("meeting_action", "meeting_opinion", "meeting_attendee", "meeting_unit",
                  "meeting", "opinion_response", "opinion_unit", "opinion_item"):
        op.drop_table(table)
