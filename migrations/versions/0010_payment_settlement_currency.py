"""payments.settlement_currency and exchange_rate: fee and net in Stripe's settlement currency

Revision ID: 0010
Revises: 0009
Created: 2026-12-06 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('settlement_currency', sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column('exchange_rate', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('exchange_rate')
        batch_op.drop_column('settlement_currency')
