"""press events in depth: status history, media contacts, attachments, 答问口径 library,
interview plans and submitted questions

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from planner.migrations.columns import (create_indexes, foreign_key, id_column, ref_column,
                                        text_column, time_column)

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("press_event") as batch_op:
        for name in ("guests", "experts", "cancel_reason"):
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("question_channel", sa.String(500), nullable=False,
                                      server_default=""))
        batch_op.add_column(time_column("held_at", True))
        batch_op.add_column(time_column("archived_at", True))
        batch_op.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_press_event_unit_id_unit", "unit", ["unit_id"], ["id"],
                                    ondelete="SET NULL")

    with op.batch_alter_table("event_draft_link") as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(32), nullable=False, server_default=""))
        batch_op.create_index("ix_event_draft_link_draft_id", ["draft_id"])

    op.create_table(
        "event_status_change",
        id_column(), ref_column("event_id", False), text_column("action", 32),
        text_column("from_status", 32), text_column("to_status", 32), text_column("reason"),
        time_column("old_starts_at", True), time_column("new_starts_at", True),
        ref_column("actor_id"), time_column("at"),
        sa.PrimaryKeyConstraint("id", name="pk_event_status_change"),
        foreign_key("event_status_change", "event_id", "press_event", "CASCADE"),
        foreign_key("event_status_change", "actor_id", "user", "SET NULL"),
    )
    create_indexes("event_status_change", "event_id")

    op.create_table(
        "media_contact",
        id_column(), text_column("outlet", 200), text_column("reporter", 100),
        text_column("phone", 64), text_column("email", 254), text_column("note"),
        sa.Column("is_active", sa.Boolean(), nullable=False), ref_column("created_by"),
        time_column("created_at"), time_column("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_media_contact"),
        foreign_key("media_contact", "created_by", "user", "SET NULL"),
    )
    create_indexes("media_contact", "outlet")

    op.create_table(
        "event_media_invite",
        ref_column("event_id", False), ref_column("contact_id", False),
        text_column("status", 32), time_column("invited_at"), time_column("answered_at", True),
        ref_column("invited_by"),
        sa.PrimaryKeyConstraint("event_id", "contact_id", name="pk_event_media_invite"),
        foreign_key("event_media_invite", "event_id", "press_event", "CASCADE"),
        foreign_key("event_media_invite", "contact_id", "media_contact", "CASCADE"),
        foreign_key("event_media_invite", "invited_by", "user", "SET NULL"),
    )
    create_indexes("event_media_invite", "contact_id")

    op.create_table(
        "event_attachment",
        id_column(), ref_column("event_id", False), text_column("file_name", 255),
        text_column("content_type", 100), sa.Column("size_bytes", sa.Integer(), nullable=False),
        text_column("sha256", 64), sa.Column("data", sa.LargeBinary(), nullable=False),
        ref_column("uploaded_by"), time_column("uploaded_at"),
        sa.PrimaryKeyConstraint("id", name="pk_event_attachment"),
        foreign_key("event_attachment", "event_id", "press_event", "CASCADE"),
        foreign_key("event_attachment", "uploaded_by", "user", "SET NULL"),
    )
    create_indexes("event_attachment", "event_id")

    op.create_table(
        "answer_library_entry",
        id_column(), text_column("question"), text_column("answer"), text_column("key_points"),
        text_column("sources", 500), text_column("avoid_phrasing"), text_column("tier", 32),
        text_column("search_text"), ref_column("policy_id"), text_column("policy_hash", 64),
        ref_column("event_id"), ref_column("draft_id"), text_column("section_key", 64),
        sa.Column("review_round", sa.Integer(), nullable=False), time_column("approved_at"),
        time_column("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_answer_library_entry"),
        sa.UniqueConstraint("draft_id", "section_key", "review_round",
                            name="uq_answer_library_source"),
        foreign_key("answer_library_entry", "policy_id", "policy", "SET NULL"),
        foreign_key("answer_library_entry", "event_id", "press_event", "SET NULL"),
        foreign_key("answer_library_entry", "draft_id", "draft", "SET NULL"),
    )
    create_indexes("answer_library_entry", "policy_id", "event_id", "approved_at")

    op.create_table(
        "interview_plan",
        id_column(), text_column("title", 300), sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=True), text_column("note"),
        ref_column("created_by"), time_column("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_interview_plan"),
        foreign_key("interview_plan", "created_by", "user", "SET NULL"),
    )

    op.create_table(
        "interview_plan_entry",
        id_column(), ref_column("plan_id", False), text_column("topic", 300),
        ref_column("unit_id"), sa.Column("target_month", sa.Integer(), nullable=False),
        text_column("guests"), text_column("note"), ref_column("event_id"),
        time_column("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_interview_plan_entry"),
        foreign_key("interview_plan_entry", "plan_id", "interview_plan", "CASCADE"),
        foreign_key("interview_plan_entry", "unit_id", "unit", "SET NULL"),
        foreign_key("interview_plan_entry", "event_id", "press_event", "SET NULL"),
    )
    create_indexes("interview_plan_entry", "plan_id")

    op.create_table(
        "interview_question",
        id_column(), ref_column("event_id", False), text_column("asker", 100),
        text_column("text"), time_column("submitted_at"), text_column("assignee", 100),
        text_column("status", 32), text_column("answer"), text_column("answer_mode", 32),
        time_column("answered_at", True), ref_column("answered_by"), ref_column("created_by"),
        time_column("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_interview_question"),
        foreign_key("interview_question", "event_id", "press_event", "CASCADE"),
        foreign_key("interview_question", "answered_by", "user", "SET NULL"),
        foreign_key("interview_question", "created_by", "user", "SET NULL"),
    )
    create_indexes("interview_question", "event_id", "status")


def downgrade() -> None:
    for table in ("interview_question", "interview_plan_entry", "interview_plan",
                  "answer_library_entry", "event_attachment", "event_media_invite",
                  "media_contact", "event_status_change"):
        op.drop_table(table)
    with op.batch_alter_table("event_draft_link") as batch_op:
        batch_op.drop_index("ix_event_draft_link_draft_id")
        batch_op.drop_column("role")
    with op.batch_alter_table("press_event") as batch_op:
        batch_op.drop_constraint("fk_press_event_unit_id_unit", type_="foreignkey")
        for column in ("unit_id", "archived_at", "held_at", "question_channel",
                       "cancel_reason", "experts", "guests"):
            batch_op.drop_column(column)
