"""quotes: their lines, payment parts, subscriptions-to-be, deliveries, events and settings

Revision ID: 0019
Revises: 0018
Created: 2026-12-07 05:09:49.232183

A quote is numbered from the quote series of number_series (there since 0016); each revision
of a sent quote is its own row (the same number, revision + 1).
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quote_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=False),
    sa.Column('reminder_days_before', sa.JSON(), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('notice_days', sa.JSON(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_quote_settings_merchant_id_merchants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_settings')),
    sa.UniqueConstraint('merchant_id', name=op.f('uq_quote_settings_merchant_id'))
    )
    with op.batch_alter_table('quote_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_settings_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'awaiting_countersignature', 'accepted', 'partly_paid', 'paid', 'declined', 'expired', 'canceled', 'superseded', name='quotestatus', native_enum=False, length=32), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('revised_from_id', sa.Integer(), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('payment_methods', sa.JSON(), nullable=True),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('discount_amount', sa.Integer(), nullable=True),
    sa.Column('acceptance_mode', sa.Enum('click', 'signature', name='acceptancemode', native_enum=False, length=16), nullable=False),
    sa.Column('countersigner_id', sa.Integer(), nullable=True),
    sa.Column('payment_mode', sa.Enum('none', 'full', 'deposit', 'schedule', name='paymentmode', native_enum=False, length=16), nullable=False),
    sa.Column('deposit_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('deposit_amount', sa.Integer(), nullable=True),
    sa.Column('subtotal', sa.Integer(), nullable=False),
    sa.Column('discount_total', sa.Integer(), nullable=False),
    sa.Column('tax_total', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('tax_breakdown', sa.JSON(), nullable=False),
    sa.Column('amount_paid', sa.Integer(), nullable=False),
    sa.Column('amount_pending', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=True),
    sa.Column('token_encrypted', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_viewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('chosen_quantities', sa.JSON(), nullable=True),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signer_ip', sa.String(length=64), nullable=False),
    sa.Column('signer_user_agent', sa.String(length=500), nullable=False),
    sa.Column('shown_digest', sa.String(length=64), nullable=False),
    sa.Column('countersigner_name', sa.String(length=200), nullable=False),
    sa.Column('countersigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('declined_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('canceled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('saved_method_id', sa.String(length=255), nullable=False),
    sa.Column('saved_method_type', sa.String(length=32), nullable=False),
    sa.Column('processor_customer_id', sa.String(length=255), nullable=False),
    sa.Column('setup_intent_id', sa.String(length=255), nullable=False),
    sa.Column('converted_invoice_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['converted_invoice_id'], ['invoices.id'], name=op.f('fk_quotes_converted_invoice_id_invoices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['countersigner_id'], ['users.id'], name=op.f('fk_quotes_countersigner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_quotes_customer_id_customers')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_quotes_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revised_from_id'], ['quotes.id'], name=op.f('fk_quotes_revised_from_id_quotes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['quotes.id'], name=op.f('fk_quotes_superseded_by_id_quotes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('merchant_id', 'number', 'revision', name=op.f('uq_quotes_merchant_id')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_quotes_token_digest'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_converted_invoice_id'), ['converted_invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_countersigner_id'), ['countersigner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_revised_from_id'), ['revised_from_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_superseded_by_id'), ['superseded_by_id'], unique=False)

    op.create_table('quote_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('quote', 'reminder', 'accepted', 'notice', 'receipt', 'payment_failed', name='quotedeliverykind', native_enum=False, length=16), nullable=False),
    sa.Column('once_key', sa.String(length=40), nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_quote_deliveries_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_deliveries_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_deliveries')),
    sa.UniqueConstraint('quote_id', 'kind', 'once_key', name=op.f('uq_quote_deliveries_quote_id'))
    )
    with op.batch_alter_table('quote_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_deliveries_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_deliveries_quote_id'), ['quote_id'], unique=False)

    op.create_table('quote_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_quote_events_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_events_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_events'))
    )
    with op.batch_alter_table('quote_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_events_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_events_quote_id'), ['quote_id'], unique=False)

    op.create_table('quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_amount', sa.Integer(), nullable=False),
    sa.Column('discount_percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('tax_rate_ids', sa.JSON(), nullable=False),
    sa.Column('optional', sa.Boolean(), nullable=False),
    sa.Column('adjustable', sa.Boolean(), nullable=False),
    sa.Column('min_quantity', sa.Integer(), nullable=True),
    sa.Column('max_quantity', sa.Integer(), nullable=True),
    sa.Column('interval', sa.String(length=16), nullable=True),
    sa.Column('interval_count', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('taxes', sa.JSON(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_quote_lines_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_quote_lines_product_id_products')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines'))
    )
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_lines_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_lines_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_lines_quote_id'), ['quote_id'], unique=False)

    op.create_table('quote_payment_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('fixed_amount', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'notified', 'processing', 'paid', 'failed', 'canceled', name='partstatus', native_enum=False, length=16), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('charged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_quote_payment_parts_invoice_id_invoices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_quote_payment_parts_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_payment_parts_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_payment_parts')),
    sa.UniqueConstraint('quote_id', 'position', name=op.f('uq_quote_payment_parts_quote_id'))
    )
    with op.batch_alter_table('quote_payment_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_payment_parts_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_payment_parts_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_payment_parts_quote_id'), ['quote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_payment_parts_status'), ['status'], unique=False)

    op.create_table('quote_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('quote_line_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('unit_amount', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('tax_rate_ids', sa.JSON(), nullable=False),
    sa.Column('interval', sa.String(length=16), nullable=False),
    sa.Column('interval_count', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_quote_subscriptions_customer_id_customers')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.id'], name=op.f('fk_quote_subscriptions_merchant_id_merchants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_subscriptions_quote_id_quotes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quote_line_id'], ['quote_lines.id'], name=op.f('fk_quote_subscriptions_quote_line_id_quote_lines'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_subscriptions')),
    sa.UniqueConstraint('quote_line_id', name=op.f('uq_quote_subscriptions_quote_line_id'))
    )
    with op.batch_alter_table('quote_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_subscriptions_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_subscriptions_merchant_id'), ['merchant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_subscriptions_quote_id'), ['quote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quote_subscriptions_quote_line_id'), ['quote_line_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quote_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_subscriptions_quote_line_id'))
        batch_op.drop_index(batch_op.f('ix_quote_subscriptions_quote_id'))
        batch_op.drop_index(batch_op.f('ix_quote_subscriptions_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_quote_subscriptions_customer_id'))

    op.drop_table('quote_subscriptions')
    with op.batch_alter_table('quote_payment_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_payment_parts_status'))
        batch_op.drop_index(batch_op.f('ix_quote_payment_parts_quote_id'))
        batch_op.drop_index(batch_op.f('ix_quote_payment_parts_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_quote_payment_parts_invoice_id'))

    op.drop_table('quote_payment_parts')
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_lines_quote_id'))
        batch_op.drop_index(batch_op.f('ix_quote_lines_product_id'))
        batch_op.drop_index(batch_op.f('ix_quote_lines_merchant_id'))

    op.drop_table('quote_lines')
    with op.batch_alter_table('quote_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_events_quote_id'))
        batch_op.drop_index(batch_op.f('ix_quote_events_merchant_id'))

    op.drop_table('quote_events')
    with op.batch_alter_table('quote_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_deliveries_quote_id'))
        batch_op.drop_index(batch_op.f('ix_quote_deliveries_merchant_id'))

    op.drop_table('quote_deliveries')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_superseded_by_id'))
        batch_op.drop_index(batch_op.f('ix_quotes_status'))
        batch_op.drop_index(batch_op.f('ix_quotes_revised_from_id'))
        batch_op.drop_index(batch_op.f('ix_quotes_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_quotes_customer_id'))
        batch_op.drop_index(batch_op.f('ix_quotes_countersigner_id'))
        batch_op.drop_index(batch_op.f('ix_quotes_converted_invoice_id'))

    op.drop_table('quotes')
    with op.batch_alter_table('quote_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_settings_merchant_id'))

    op.drop_table('quote_settings')
