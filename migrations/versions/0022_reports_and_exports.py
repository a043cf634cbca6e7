"""reports and exports: when each payment's money is available

Revision ID: 0022
Revises: 0018
Created: 2026-12-07 05:08:27.557595

``payments.available_on``: the day Stripe expects the charge's net in the available balance
(its balance transaction's ``available_on``), for matching payouts. Existing payments get it
when they are next read from Stripe.
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('available_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('available_on')
