"""subscriptions.payment_mandate_id: the mandate of a bank debit a subscription charges,
named on each of its off-session charges; an import's past charges

Revision ID: 0031
Revises: 0030
Created: 2026-12-07 20:10:00

``subscriptions.payment_mandate_id``: kept with the saved method, from the checkout's
PaymentIntent or SetupIntent that saved it, the portal's SetupIntent that replaced it, or the
SetupIntent that saved it in Stripe Billing (an imported subscription). Empty for a card, and
for a debit saved before this revision (Stripe then uses the method's active mandate, as
before).

``billing_import_runs.import_charges``: the import was asked to keep each moved subscription's
past Stripe charges as payments; ``billing_import_results.charges_imported``: how many it kept
(a payment's ``intent_id`` is unique already, so none is kept twice).
"""

import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('payment_mandate_id', sa.String(length=255), nullable=False,
                      server_default='')
        )
    with op.batch_alter_table('billing_import_runs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('import_charges', sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table('billing_import_results', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('charges_imported', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('billing_import_results', schema=None) as batch_op:
        batch_op.drop_column('charges_imported')
    with op.batch_alter_table('billing_import_runs', schema=None) as batch_op:
        batch_op.drop_column('import_charges')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('payment_mandate_id')
