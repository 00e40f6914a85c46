"""Teachers' grade overrides kept as an audit trail, and gradings made by a teacher's review of a text answer.

Revision ID: 29250db72d70
Revises: 9b1f4c2e7a61
Create Date: 2026-11-21 10:56:11.134794+00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '29250db72d70'
down_revision = '9b1f4c2e7a61'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grade_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('old_score', sa.Double(), nullable=True),
    sa.Column('new_score', sa.Double(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('new_score IS NULL OR (new_score >= 0 AND new_score <= 1)', name=op.f('ck_grade_overrides_new_score_fraction')),
    sa.CheckConstraint('old_score IS NULL OR (old_score >= 0 AND old_score <= 1)', name=op.f('ck_grade_overrides_old_score_fraction')),
    sa.ForeignKeyConstraint(['grade_id'], ['grades.id'], name=op.f('fk_grade_overrides_grade_id_grades'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['users.id'], name=op.f('fk_grade_overrides_teacher_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade_overrides'))
    )
    with op.batch_alter_table('grade_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grade_overrides_grade_id'), ['grade_id'], unique=False)

    with op.batch_alter_table('gradings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_gradings_reviewer_id_users'), 'users', ['reviewer_id'], ['id'], ondelete='RESTRICT')
        batch_op.drop_constraint(batch_op.f('ck_gradings_reason_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_gradings_reason_known'), "reason IN ('submit', 'regrade', 'review')")



def downgrade():
    with op.batch_alter_table('gradings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_gradings_reason_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_gradings_reason_known'), "reason IN ('submit', 'regrade')")
        batch_op.drop_constraint(batch_op.f('fk_gradings_reviewer_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewer_id')

    with op.batch_alter_table('grade_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grade_overrides_grade_id'))

    op.drop_table('grade_overrides')
