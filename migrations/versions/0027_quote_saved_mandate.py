"""quotes.saved_mandate_id: the mandate of a bank debit a quote saved, passed with each
off-session charge of a later part

Revision ID: 0027
Revises: 0026
Created: 2026-12-07 17:20:00

Kept from the PaymentIntent or SetupIntent that saved the method (its charge's, or the
SetupIntent's, mandate); empty for a card, and for a debit saved before this revision (Stripe
then uses the method's active mandate, as before).
"""

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('saved_mandate_id', sa.String(length=255), nullable=False, server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_column('saved_mandate_id')
