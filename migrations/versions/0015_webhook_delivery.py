"""processor_connections: no webhook endpoint or secret needed; why registration failed

Revision ID: 0015
Revises: 0014
Created: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('processor_connections', schema=None) as batch_op:
        batch_op.alter_column(
            'webhook_endpoint_id', existing_type=sa.String(length=64), nullable=True
        )
        batch_op.alter_column('webhook_secret_encrypted', existing_type=sa.Text(), nullable=True)
        batch_op.add_column(sa.Column('webhook_problem', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('processor_connections', schema=None) as batch_op:
        batch_op.drop_column('webhook_problem')
        batch_op.alter_column('webhook_secret_encrypted', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column(
            'webhook_endpoint_id', existing_type=sa.String(length=64), nullable=False
        )
