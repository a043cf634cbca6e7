"""optional payment link lines

Revision ID: 0006
Revises: 0005
Created: 2026-11-24 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing lines are not optional; the server default fills them, then goes (the model
    # sets the value itself).
    with op.batch_alter_table('payment_link_lines', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('optional', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('payment_link_lines', schema=None) as batch_op:
        batch_op.alter_column('optional', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('payment_link_lines', schema=None) as batch_op:
        batch_op.drop_column('optional')
