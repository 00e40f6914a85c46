"""Users' time zone (an IANA name), in which their pages show times.

Revision ID: 9b1f4c2e7a61
Revises: 325d1431655d
Create Date: 2026-11-21 10:30:00.000000+00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '9b1f4c2e7a61'
down_revision = '325d1431655d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('timezone')
