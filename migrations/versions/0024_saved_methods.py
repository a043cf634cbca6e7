"""saved methods: the Stripe customer of a Kassa customer, and what may be shown of the method
a quote saved at acceptance

Revision ID: 0024
Revises: 0023
Created: 2026-12-07 13:20:00

``processor_customers``: one Stripe customer per Kassa customer and Stripe account (unique),
made the first time a method is saved for them and reused after. ``quotes.saved_method_details``:
the saved method's brand and last four, or bank, last four and mandate reference, for the
quote's page (existing quotes get an empty object; none had a saved method).
"""

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('processor_customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('processor_customer_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_processor_customers_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_processor_customers_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processor_customers')),
    sa.UniqueConstraint('customer_id', 'account_id', name=op.f('uq_processor_customers_customer_id'))
    )
    with op.batch_alter_table('processor_customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processor_customers_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_processor_customers_merchant_id'), ['merchant_id'], unique=False)

    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('saved_method_details', sa.JSON(), nullable=False, server_default='{}')
        )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.alter_column('saved_method_details', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_column('saved_method_details')

    with op.batch_alter_table('processor_customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processor_customers_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_processor_customers_customer_id'))

    op.drop_table('processor_customers')
