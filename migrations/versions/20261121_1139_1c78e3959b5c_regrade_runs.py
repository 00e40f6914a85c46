"""Regrade runs started from the web: scope, progress of a background run, and the report of what changed.

Revision ID: 1c78e3959b5c
Revises: 29250db72d70
Create Date: 2026-11-21 11:39:21.457493+00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '1c78e3959b5c'
down_revision = '29250db72d70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('regrade_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('against', sa.String(length=10), nullable=False),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("against IN ('answered', 'current')", name=op.f('ck_regrade_runs_against_known')),
    sa.CheckConstraint("status IN ('running', 'done', 'failed')", name=op.f('ck_regrade_runs_status_known')),
    sa.CheckConstraint('total >= 0 AND done >= 0', name=op.f('ck_regrade_runs_progress_nonnegative')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_regrade_runs_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['assignment_items.id'], name=op.f('fk_regrade_runs_item_id_assignment_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_regrade_runs_teacher_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_regrade_runs'))
    )
    with op.batch_alter_table('regrade_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_regrade_runs_course_id'), ['course_id'], unique=False)



def downgrade():
    with op.batch_alter_table('regrade_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_regrade_runs_course_id'))

    op.drop_table('regrade_runs')
