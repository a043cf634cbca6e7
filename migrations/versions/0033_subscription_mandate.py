"""subscriptions.payment_mandate_id: the mandate of a bank debit a subscription charges,
named on each of its off-session charges

Revision ID: 0033
Revises: 0030
Created: 2026-12-07 20:10:00

Kept with the saved method: from the checkout's PaymentIntent or SetupIntent that saved it,
the portal's SetupIntent that replaced it, or the SetupIntent that saved it in Stripe Billing
(an imported subscription). Empty for a card, and for a debit saved before this revision
(Stripe then uses the method's active mandate, as before).
"""

import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('payment_mandate_id', sa.String(length=255), nullable=False,
                      server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('payment_mandate_id')
