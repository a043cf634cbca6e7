"""receipts: what a payment bought, and its receipt number

Revision ID: 0025
Revises: 0024
Created: 2026-12-07 13:30:00.000000

A payment keeps what the buyer bought as it was priced and charged (``payments.purchase``: the
lines, discount, surcharge, taxes per rate and total) and the number of its receipt in the
merchant's receipt series (``number_series`` kind ``receipt``, made on first use) with the time
it was issued. Payments taken before have neither; their receipts show the amount alone.
"""

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purchase', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('receipt_number', sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column('receipt_issued_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            'uq_payments_receipt_number', ['merchant_id', 'receipt_number']
        )


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payments_receipt_number', type_='unique')
        batch_op.drop_column('receipt_issued_at')
        batch_op.drop_column('receipt_number')
        batch_op.drop_column('purchase')
