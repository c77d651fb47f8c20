"""accounts review audit chain holidays

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 20:10:37.105916
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_throttle',
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('username')
    )
    op.create_table('holiday_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('holiday_override', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_holiday_override_day'), ['day'], unique=True)

    op.create_table('role_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'unit_id', 'role')
    )
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_assignment_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_role_assignment_user_id'), ['user_id'], unique=False)

    op.create_table('draft_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_by', sa.Integer(), nullable=True),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['released_by'], ['user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('draft_release', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_release_draft_id'), ['draft_id'], unique=False)

    op.create_table('review_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draft_id', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['draft_id'], ['draft.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_decision_draft_id'), ['draft_id'], unique=False)

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('row_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))
        batch_op.create_foreign_key('fk_audit_entry_unit_id_unit', 'unit', ['unit_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosure_basis', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('review_round', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp()))
        batch_op.create_index(batch_op.f('ix_draft_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_draft_unit_id'), ['unit_id'], unique=False)
        batch_op.create_foreign_key('fk_draft_unit_id_unit', 'unit', ['unit_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('last_sign_in_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')
        batch_op.drop_column('is_active')
        batch_op.drop_column('password_hash')

    with op.batch_alter_table('draft', schema=None) as batch_op:
        batch_op.drop_constraint('fk_draft_unit_id_unit', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_draft_unit_id'))
        batch_op.drop_index(batch_op.f('ix_draft_status'))
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('review_round')
        batch_op.drop_column('unit_id')
        batch_op.drop_column('disclosure_basis')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_constraint('fk_audit_entry_unit_id_unit', type_='foreignkey')
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('unit_id')

    with op.batch_alter_table('review_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_decision_draft_id'))

    op.drop_table('review_decision')
    with op.batch_alter_table('draft_release', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_release_draft_id'))

    op.drop_table('draft_release')
    with op.batch_alter_table('role_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_assignment_user_id'))
        batch_op.drop_index(batch_op.f('ix_role_assignment_unit_id'))

    op.drop_table('role_assignment')
    with op.batch_alter_table('holiday_override', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_holiday_override_day'))

    op.drop_table('holiday_override')
    op.drop_table('sign_in_throttle')
