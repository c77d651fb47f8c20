"""co-editing and AI assistance: section versions, assignment, comments, AI suggestions

Revision ID: 0009
Revises: 0008

Existing sections get their current text as version rows (origin create), so every
section has a history from the start.
"""

import sqlalchemy as sa
from alembic import op

from planner.migrations.columns import (create_indexes, foreign_key, id_column, ref_column,
                                        text_column, time_column)

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("draft_section") as batch_op:
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("read_only", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("tier", sa.String(32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("key_points", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("avoid_phrasing", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.create_foreign_key("fk_draft_section_assignee_id_user", "user",
                                    ["assignee_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_draft_section_assignee_id", ["assignee_id"])

    op.create_table(
        "ai_suggestion",
        id_column(), ref_column("draft_id"), ref_column("section_id"), ref_column("opinion_id"),
        text_column("action", 32), text_column("model", 200),
        sa.Column("endpoint_internal", sa.Boolean(), nullable=False),
        text_column("text"), text_column("citations_json"), text_column("status", 32),
        sa.Column("base_number", sa.Integer(), nullable=True),
        ref_column("created_by"), time_column("created_at"), ref_column("decided_by"),
        time_column("decided_at", True),
        sa.PrimaryKeyConstraint("id", name="pk_ai_suggestion"),
        foreign_key("ai_suggestion", "draft_id", "draft", "CASCADE"),
        foreign_key("ai_suggestion", "section_id", "draft_section", "CASCADE"),
        foreign_key("ai_suggestion", "opinion_id", "opinion_item", "CASCADE"),
        foreign_key("ai_suggestion", "created_by", "user", "SET NULL"),
        foreign_key("ai_suggestion", "decided_by", "user", "SET NULL"),
    )
    create_indexes("ai_suggestion", "draft_id", "section_id")

    op.create_table(
        "draft_section_version",
        id_column(), ref_column("section_id", False), ref_column("draft_id", False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("base_number", sa.Integer(), nullable=True),
        text_column("title"), text_column("body"), text_column("origin", 32),
        text_column("conflict_state", 32), text_column("resolution", 32),
        ref_column("ai_suggestion_id"), text_column("note"), ref_column("author_id"),
        time_column("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_draft_section_version"),
        foreign_key("draft_section_version", "section_id", "draft_section", "CASCADE"),
        foreign_key("draft_section_version", "draft_id", "draft", "CASCADE"),
        foreign_key("draft_section_version", "ai_suggestion_id", "ai_suggestion", "SET NULL"),
        foreign_key("draft_section_version", "author_id", "user", "SET NULL"),
    )
    create_indexes("draft_section_version", "section_id", "draft_id", "author_id")
    with op.batch_alter_table("draft_section_version") as batch_op:
        batch_op.create_index("ix_draft_section_version_section_number",
                              ["section_id", "number"])

    op.create_table(
        "section_comment",
        id_column(), ref_column("draft_id", False), ref_column("section_id", False),
        ref_column("parent_id"), text_column("body"), ref_column("author_id"),
        time_column("created_at"), time_column("resolved_at", True), ref_column("resolved_by"),
        sa.PrimaryKeyConstraint("id", name="pk_section_comment"),
        foreign_key("section_comment", "draft_id", "draft", "CASCADE"),
        foreign_key("section_comment", "section_id", "draft_section", "CASCADE"),
        foreign_key("section_comment", "parent_id", "section_comment", "CASCADE"),
        foreign_key("section_comment", "author_id", "user", "SET NULL"),
        foreign_key("section_comment", "resolved_by", "user", "SET NULL"),
    )
    create_indexes("section_comment", "draft_id", "section_id")

    # Every existing section starts its history with its current text.
    op.execute(sa.text(
        "INSERT INTO draft_section_version (section_id, draft_id, number, base_number, title,"
        " body, origin, conflict_state, resolution, ai_suggestion_id, note, author_id,"
        " created_at)"
        " SELECT id, draft_id, version, NULL, title, body, 'create', '', '', NULL, '',"
        " updated_by, updated_at FROM draft_section"))


def downgrade() -> None:
    op.drop_table("section_comment")
    op.drop_table("draft_section_version")
    op.drop_table("ai_suggestion")
    with op.batch_alter_table("draft_section") as batch_op:
        batch_op.drop_index("ix_draft_section_assignee_id")
        batch_op.drop_constraint("fk_draft_section_assignee_id_user", type_="foreignkey")
        for column in ("avoid_phrasing", "key_points", "tier", "read_only", "assignee_id"):
            batch_op.drop_column(column)
