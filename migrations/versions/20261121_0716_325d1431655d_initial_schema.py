"""Initial schema: users, courses, enrolments, exercises with versions and parts, assignments, variants,
submissions with their gradings, and grades.

Revision ID: 325d1431655d
Revises: 
Create Date: 2026-11-21 07:16:04.634327+00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '325d1431655d'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('join_code', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('join_code', name=op.f('uq_courses_join_code'))
    )
    op.create_table('exercises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercises')),
    sa.UniqueConstraint('slug', name=op.f('uq_exercises_slug')),
    sa.UniqueConstraint('uuid', name=op.f('uq_exercises_uuid'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=True),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('student', 'teacher', 'admin')", name=op.f('ck_users_role_known')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('late_penalty', sa.Double(), nullable=False),
    sa.Column('reveal_policy', sa.String(length=40), nullable=False),
    sa.Column('score_policy', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reveal_policy IN ('never', 'after_due', 'after_last_attempt_or_correct')", name=op.f('ck_assignments_reveal_policy_known')),
    sa.CheckConstraint("score_policy IN ('best', 'last')", name=op.f('ck_assignments_score_policy_known')),
    sa.CheckConstraint('closes_at IS NULL OR due_at IS NULL OR closes_at >= due_at', name=op.f('ck_assignments_close_after_due')),
    sa.CheckConstraint('due_at IS NULL OR opens_at IS NULL OR due_at >= opens_at', name=op.f('ck_assignments_due_after_opening')),
    sa.CheckConstraint('late_penalty >= 0 AND late_penalty <= 1', name=op.f('ck_assignments_late_penalty_fraction')),
    sa.CheckConstraint('max_attempts >= 1', name=op.f('ck_assignments_max_attempts_positive')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_assignments_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_course_id'), ['course_id'], unique=False)

    op.create_table('enrolments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('student', 'teacher')", name=op.f('ck_enrolments_role_known')),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrolments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_enrolments_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    sa.UniqueConstraint('course_id', 'user_id', name=op.f('uq_enrolments_course_id_user_id'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_user_id'), ['user_id'], unique=False)

    op.create_table('exercise_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('title_ru', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('family', sa.String(length=50), nullable=True),
    sa.Column('prompt_ru', sa.Text(), nullable=False),
    sa.Column('prompt_en', sa.Text(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_exercise_versions_number_positive')),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_exercise_versions_exercise_id_exercises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_versions')),
    sa.UniqueConstraint('exercise_id', 'number', name=op.f('uq_exercise_versions_exercise_id_number'))
    )
    with op.batch_alter_table('exercise_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_versions_exercise_id'), ['exercise_id'], unique=False)

    op.create_table('assignment_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=True),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.CheckConstraint('max_attempts IS NULL OR max_attempts >= 1', name=op.f('ck_assignment_items_max_attempts_positive')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_assignment_items_weight_positive')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_items_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_assignment_items_exercise_id_exercises'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_items')),
    sa.UniqueConstraint('assignment_id', 'exercise_id', name=op.f('uq_assignment_items_assignment_id_exercise_id'))
    )
    with op.batch_alter_table('assignment_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_items_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assignment_items_exercise_id'), ['exercise_id'], unique=False)

    op.create_table('exercise_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('label_ru', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=True),
    sa.Column('tolerance', sa.JSON(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.CheckConstraint("kind IN ('number', 'vector', 'formula', 'choice', 'text')", name=op.f('ck_exercise_parts_kind_known')),
    sa.CheckConstraint('weight > 0', name=op.f('ck_exercise_parts_weight_positive')),
    sa.ForeignKeyConstraint(['version_id'], ['exercise_versions.id'], name=op.f('fk_exercise_parts_version_id_exercise_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exercise_parts')),
    sa.UniqueConstraint('version_id', 'name', name=op.f('uq_exercise_parts_version_id_name')),
    sa.UniqueConstraint('version_id', 'position', name=op.f('uq_exercise_parts_version_id_position'))
    )
    with op.batch_alter_table('exercise_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exercise_parts_version_id'), ['version_id'], unique=False)

    op.create_table('variants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key_version_id', sa.Integer(), nullable=True),
    sa.Column('grader_version', sa.String(length=20), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('key', sa.JSON(), nullable=True),
    sa.Column('verification', sa.JSON(), nullable=True),
    sa.Column('key_computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_variants_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['exercise_id'], ['exercises.id'], name=op.f('fk_variants_exercise_id_exercises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['key_version_id'], ['exercise_versions.id'], name=op.f('fk_variants_key_version_id_exercise_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_variants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_variants')),
    sa.UniqueConstraint('course_id', 'user_id', 'exercise_id', name=op.f('uq_variants_course_id_user_id_exercise_id'))
    )
    with op.batch_alter_table('variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_variants_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_variants_exercise_id'), ['exercise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_variants_user_id'), ['user_id'], unique=False)

    op.create_table('grades',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('is_late', sa.Boolean(), nullable=False),
    sa.Column('override_score', sa.Double(), nullable=True),
    sa.Column('override_reason', sa.String(length=500), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_grades_attempts_nonnegative')),
    sa.CheckConstraint('override_score IS NULL OR (override_score >= 0 AND override_score <= 1)', name=op.f('ck_grades_override_fraction')),
    sa.CheckConstraint('override_score IS NULL OR override_reason IS NOT NULL', name=op.f('ck_grades_override_has_reason')),
    sa.CheckConstraint('score >= 0 AND score <= 1', name=op.f('ck_grades_score_fraction')),
    sa.ForeignKeyConstraint(['assignment_item_id'], ['assignment_items.id'], name=op.f('fk_grades_assignment_item_id_assignment_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grades_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grades')),
    sa.UniqueConstraint('assignment_item_id', 'user_id', name=op.f('uq_grades_assignment_item_id_user_id'))
    )
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grades_assignment_item_id'), ['assignment_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grades_user_id'), ['user_id'], unique=False)

    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('assignment_item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('exercise_version_id', sa.Integer(), nullable=False),
    sa.Column('attempt_no', sa.Integer(), nullable=False),
    sa.Column('raw_answers', sa.JSON(), nullable=False),
    sa.Column('parsed_answers', sa.JSON(), nullable=False),
    sa.Column('is_late', sa.Boolean(), nullable=False),
    sa.Column('form_token', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('attempt_no >= 1', name=op.f('ck_submissions_attempt_no_positive')),
    sa.ForeignKeyConstraint(['assignment_item_id'], ['assignment_items.id'], name=op.f('fk_submissions_assignment_item_id_assignment_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['exercise_version_id'], ['exercise_versions.id'], name=op.f('fk_submissions_exercise_version_id_exercise_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_submissions_user_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['variant_id'], ['variants.id'], name=op.f('fk_submissions_variant_id_variants'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('variant_id', 'attempt_no', name=op.f('uq_submissions_variant_id_attempt_no')),
    sa.UniqueConstraint('variant_id', 'form_token', name=op.f('uq_submissions_variant_id_form_token'))
    )
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submissions_assignment_item_id'), ['assignment_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submissions_variant_id'), ['variant_id'], unique=False)

    op.create_table('gradings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('grader_version', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('verdicts', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('submit', 'regrade')", name=op.f('ck_gradings_reason_known')),
    sa.CheckConstraint('score >= 0 AND score <= 1', name=op.f('ck_gradings_score_fraction')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_gradings_submission_id_submissions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gradings'))
    )
    with op.batch_alter_table('gradings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gradings_submission_id'), ['submission_id'], unique=False)



def downgrade():
    with op.batch_alter_table('gradings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_gradings_submission_id'))

    op.drop_table('gradings')
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submissions_variant_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_user_id'))
        batch_op.drop_index(batch_op.f('ix_submissions_assignment_item_id'))

    op.drop_table('submissions')
    with op.batch_alter_table('grades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grades_user_id'))
        batch_op.drop_index(batch_op.f('ix_grades_assignment_item_id'))

    op.drop_table('grades')
    with op.batch_alter_table('variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_variants_user_id'))
        batch_op.drop_index(batch_op.f('ix_variants_exercise_id'))
        batch_op.drop_index(batch_op.f('ix_variants_course_id'))

    op.drop_table('variants')
    with op.batch_alter_table('exercise_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_parts_version_id'))

    op.drop_table('exercise_parts')
    with op.batch_alter_table('assignment_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_items_exercise_id'))
        batch_op.drop_index(batch_op.f('ix_assignment_items_assignment_id'))

    op.drop_table('assignment_items')
    with op.batch_alter_table('exercise_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exercise_versions_exercise_id'))

    op.drop_table('exercise_versions')
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_user_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_course_id'))

    op.drop_table('enrolments')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_course_id'))

    op.drop_table('assignments')
    op.drop_table('users')
    op.drop_table('exercises')
    op.drop_table('courses')
