"""merchants.public_version: what cached public pages are keyed on

Revision ID: 0008
Revises: 0007
Created: 2026-11-24 10:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('public_version', sa.String(length=16), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('merchants', schema=None) as batch_op:
        batch_op.drop_column('public_version')
